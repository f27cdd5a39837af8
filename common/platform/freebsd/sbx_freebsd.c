/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The FreeBSD sandbox of a pod (common/sbx.h): one jail per pod, named
 * "berth-<uuid>", whose path is the pod directory.  Before the jail
 * exists, each app's root gets its mounts from the host: devfs on dev
 * with a ruleset generated from the images' rules (common/jailspec.h),
 * linprocfs on proc and linsysfs on sys for Linux images, and nullfs
 * volumes.  The jail is made with jail_set(2) from jailspec_params();
 * rctl(8) rules carry the limits; the supervisor is a reaper
 * (procctl(PROC_REAP_ACQUIRE)) that stays on the host; each app enters
 * with jail_attach(2) and chroot(2) into its root.
 *
 * Mount targets are resolved beneath the app's root with
 * os_open_beneath() (never following a symlink out of it) and created
 * there if missing.  FreeBSD cannot mount onto a descriptor, so the
 * resolved directory is named by the path the kernel reports for it
 * (fcntl(F_KINFO), FreeBSD 13.1 and later), which must lie inside the
 * root, and after the mount the target is resolved again and must be the
 * new mount.  Nothing of the pod runs yet, so nothing inside can swap a
 * component in between; the check catches what would have gone wrong.
 */
#include <sys/param.h>
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/jail.h>
#include <sys/mount.h>
#include <sys/procctl.h>
#include <sys/rctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysctl.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/in_var.h>
#include <fs/devfs/devfs.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/error.h"
#include "common/jailspec.h"
#include "common/log.h"
#include "common/passwd.h"
#include "common/platform.h"
#include "common/sbx.h"
#include "common/sbx_impl.h"
#include "common/xalloc.h"

#define	POD_SECURELEVEL	2
/* Ruleset numbers tried before giving up on hash collisions. */
#define	RULESET_TRIES	64

_Static_assert(JAILSPEC_SYS_DISABLE == JAIL_SYS_DISABLE &&
    JAILSPEC_SYS_NEW == JAIL_SYS_NEW &&
    JAILSPEC_SYS_INHERIT == JAIL_SYS_INHERIT, "jailsys values");
_Static_assert(JAILSPEC_DEVFS_PATTERN_MAX == DEVFS_MAXPTRNLEN,
    "devfs pattern length");

static char *
jail_name(const struct sbx_pod *pod)
{
	return (xasprintf("berth-%s", pod->uuid));
}

/* iovecs for jail_set(2), jail_get(2) and nmount(2) */

struct iov {
	struct iovec	*v;
	unsigned	 n;
	char		 errmsg[256];
};

static void
iov_add(struct iov *io, const char *name, const void *val, size_t len)
{
	io->v = xreallocarray(io->v, io->n + 2, sizeof(*io->v));
	io->v[io->n].iov_base = (void *)(uintptr_t)name;
	io->v[io->n].iov_len = strlen(name) + 1;
	io->v[io->n + 1].iov_base = (void *)(uintptr_t)val;
	io->v[io->n + 1].iov_len = len;
	io->n += 2;
}

static void
iov_str(struct iov *io, const char *name, const char *val)
{
	iov_add(io, name, val, strlen(val) + 1);
}

/* The kernel's "errmsg" buffer, last, so that failures say why. */
static void
iov_errmsg(struct iov *io)
{
	io->errmsg[0] = '\0';
	iov_add(io, "errmsg", io->errmsg, sizeof(io->errmsg));
}

static void
iov_free(struct iov *io)
{
	free(io->v);
	io->v = NULL;
	io->n = 0;
}

/* The jid of the jail called name, or -1 (errno ENOENT if none). */
static int
jail_find(const char *name)
{
	struct iov io = { NULL, 0, "" };
	int jid;

	iov_str(&io, "name", name);
	iov_errmsg(&io);
	jid = jail_get(io.v, io.n, 0);
	iov_free(&io);
	return (jid);
}

/* Mount targets beneath an app's root */

/*
 * A descriptor of the mount target path beneath rootfd, made if missing:
 * a directory, or (dir false) an empty 0644 file, never created through
 * a final symlink.
 */
static int
open_target(int rootfd, const char *path, bool dir, struct error *ep)
{
	struct stat st;
	int fd;

	if (dir) {
		if (sbx_mkdir_beneath(rootfd, path, ep) == -1)
			return (-1);
		return (os_open_beneath(rootfd, path, O_RDONLY | O_DIRECTORY,
		    0, ep));
	}
	if (sbx_make_file_beneath(rootfd, path, ep) == -1)
		return (-1);
	/* O_NONBLOCK: an image's FIFO there must not hang us. */
	if ((fd = os_open_beneath(rootfd, path, O_RDONLY | O_NONBLOCK |
	    O_NOCTTY, 0, ep)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		error_set(ep, EX_DATAERR, 0, "'%s' is not a regular file",
		    path);
		sbx_close_fd(&fd);
	}
	return (fd);
}

/* The path the kernel knows for the open file fd, into buf[MAXPATHLEN]. */
static int
fd_path(int fd, char *buf, struct error *ep)
{
	struct kinfo_file kf;

	(void)memset(&kf, 0, sizeof(kf));
	kf.kf_structsize = sizeof(kf);
	if (fcntl(fd, F_KINFO, &kf) == -1)
		return (error_set(ep, errno == EINVAL ? EX_UNAVAILABLE :
		    EX_OSERR, errno, "name a mount target (F_KINFO)"));
	if (kf.kf_path[0] != '/')
		return (error_set(ep, EX_OSERR, ENOENT,
		    "the kernel has no path for a mount target"));
	(void)snprintf(buf, MAXPATHLEN, "%s", kf.kf_path);
	return (0);
}

/* What sbx_start() mounted, for undoing it on failure. */
struct mounted {
	char	**paths;
	size_t	  n;
};

static void
mounted_undo(struct mounted *m)
{
	while (m->n > 0) {
		m->n--;
		if (unmount(m->paths[m->n], 0) == -1)
			(void)unmount(m->paths[m->n], MNT_FORCE);
		free(m->paths[m->n]);
	}
	free(m->paths);
	m->paths = NULL;
}

/*
 * Mount a filesystem of type fstype on target (absolute in the app's
 * root rootfd, whose host path is rootpath).  opts are extra nmount(2)
 * name/value string pairs, NULL-terminated.
 */
static int
mount_beneath(int rootfd, const char *rootpath, const char *target,
    bool dir, const char *fstype, const char *from, const char *const *opts,
    int flags, struct mounted *m, struct error *ep)
{
	struct iov io = { NULL, 0, "" };
	struct statfs sf;
	char path[MAXPATHLEN];
	size_t rlen = strlen(rootpath);
	int fd = -1, rv = -1;

	if ((fd = open_target(rootfd, target, dir, ep)) == -1 ||
	    fd_path(fd, path, ep) == -1)
		goto out;
	if (strncmp(path, rootpath, rlen) != 0 || path[rlen] != '/') {
		error_set(ep, EX_DATAERR, 0, "'%s' resolves to '%s', outside "
		    "the root", target, path);
		goto out;
	}
	sbx_close_fd(&fd);
	iov_str(&io, "fstype", fstype);
	iov_str(&io, "fspath", path);
	iov_str(&io, strcmp(fstype, "nullfs") == 0 ? "target" : "from", from);
	for (; opts != NULL && opts[0] != NULL; opts += 2)
		iov_str(&io, opts[0], opts[1]);
	iov_errmsg(&io);
	if (nmount(io.v, io.n, flags) == -1) {
		error_set(ep, errno == ENODEV || errno == ENOENT ?
		    EX_UNAVAILABLE : EX_OSERR, errno, "mount %s on '%s'%s%s",
		    fstype, target, io.errmsg[0] != '\0' ? ": " : "",
		    io.errmsg);
		goto out;
	}
	m->paths = xreallocarray(m->paths, m->n + 1, sizeof(*m->paths));
	m->paths[m->n++] = xstrdup(path);
	/* The target, resolved again, must be the root of the new mount. */
	if ((fd = os_open_beneath(rootfd, target, (dir ? O_DIRECTORY : 0) |
	    O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, ep)) == -1)
		goto out;
	if (fstatfs(fd, &sf) == -1 || strcmp(sf.f_fstypename, fstype) != 0 ||
	    strcmp(sf.f_mntonname, path) != 0) {
		error_set(ep, EX_DATAERR, 0, "'%s' is not where %s was mounted",
		    target, fstype);
		goto out;
	}
	rv = 0;
out:
	sbx_close_fd(&fd);
	iov_free(&io);
	return (rv);
}

/* devfs rulesets */

static void
devfs_rule_to_kernel(const struct jailspec_devfs_rule *r, unsigned rs,
    unsigned rn, struct devfs_rule *k)
{
	(void)memset(k, 0, sizeof(*k));
	k->dr_magic = DEVFS_MAGIC;
	k->dr_id = mkrid(rs, rn);
	if (r->pattern[0] != '\0') {
		k->dr_icond = DRC_PATHPTRN;
		(void)snprintf(k->dr_pathptrn, sizeof(k->dr_pathptrn), "%s",
		    r->pattern);
	}
	if ((r->acts & (JAILSPEC_DEVFS_HIDE | JAILSPEC_DEVFS_UNHIDE)) != 0) {
		k->dr_iacts |= DRA_BACTS;
		k->dr_bacts = (r->acts & JAILSPEC_DEVFS_HIDE) != 0 ?
		    DRB_HIDE : DRB_UNHIDE;
	}
	if ((r->acts & JAILSPEC_DEVFS_MODE) != 0) {
		k->dr_iacts |= DRA_MODE;
		k->dr_mode = (mode_t)r->mode;
	}
	if ((r->acts & JAILSPEC_DEVFS_USER) != 0) {
		k->dr_iacts |= DRA_UID;
		k->dr_uid = (uid_t)r->uid;
	}
	if ((r->acts & JAILSPEC_DEVFS_GROUP) != 0) {
		k->dr_iacts |= DRA_GID;
		k->dr_gid = (gid_t)r->gid;
	}
}

static bool
devfs_rule_same(const struct devfs_rule *a, const struct devfs_rule *b)
{
	return (a->dr_id == b->dr_id && a->dr_icond == b->dr_icond &&
	    strncmp(a->dr_pathptrn, b->dr_pathptrn,
	    sizeof(a->dr_pathptrn)) == 0 && a->dr_iacts == b->dr_iacts &&
	    ((a->dr_iacts & DRA_BACTS) == 0 || a->dr_bacts == b->dr_bacts) &&
	    ((a->dr_iacts & DRA_MODE) == 0 || a->dr_mode == b->dr_mode) &&
	    ((a->dr_iacts & DRA_UID) == 0 || a->dr_uid == b->dr_uid) &&
	    ((a->dr_iacts & DRA_GID) == 0 || a->dr_gid == b->dr_gid));
}

/*
 * Compare ruleset rs in the kernel with ds: 1 if it holds exactly ds's
 * rules, 0 if it is empty, -1 if it holds something else.
 */
static int
devfs_ruleset_state(int devfd, const struct jailspec_devfs *ds, unsigned rs)
{
	struct devfs_rule got, want;
	size_t i = 0;

	(void)memset(&got, 0, sizeof(got));
	got.dr_magic = DEVFS_MAGIC;
	got.dr_id = mkrid(rs, 0);
	for (;;) {
		if (ioctl(devfd, DEVFSIO_RGETNEXT, &got) == -1)
			break;
		if (i >= ds->nrules)
			return (-1);
		devfs_rule_to_kernel(&ds->rules[i], rs, (unsigned)i + 1, &want);
		if (!devfs_rule_same(&got, &want))
			return (-1);
		i++;
	}
	if (i == 0)
		return (0);
	return (i == ds->nrules ? 1 : -1);
}

/*
 * Make sure a ruleset holding ds exists and return its number: the
 * content hash's number, or the next free or equal one on a collision.
 * Rulesets stay in the kernel after the pod, shared by content like
 * /etc/devfs.rules sets (there is no reference count to drop them by).
 */
static int
devfs_ruleset_install(const struct jailspec_devfs *ds, unsigned *rsp,
    struct error *ep)
{
	struct devfs_rule k;
	unsigned attempt, rs;
	size_t i;
	int devfd, err, state, rv = -1;

	/* The rules ioctls go to any devfs mount: the host's /dev. */
	if ((devfd = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (error_set(ep, EX_OSERR, errno, "open '/dev'"));
	for (attempt = 0; attempt < RULESET_TRIES; attempt++) {
		rs = jailspec_devfs_ruleset_at(ds, attempt);
		if ((state = devfs_ruleset_state(devfd, ds, rs)) == 1)
			goto done;
		if (state == -1)
			continue;
		for (i = 0; i < ds->nrules; i++) {
			devfs_rule_to_kernel(&ds->rules[i], rs,
			    (unsigned)i + 1, &k);
			if (ioctl(devfd, DEVFSIO_RADD, &k) == -1)
				break;
		}
		if (i == ds->nrules)
			goto done;
		/* devfs_ruleset_state() below changes errno. */
		err = errno;
		/* Another pod-exec raced us to this number: look again. */
		if (err == EEXIST &&
		    devfs_ruleset_state(devfd, ds, rs) == 1)
			goto done;
		if (err != EEXIST) {
			error_set(ep, err == EPERM ? EX_NOPERM : EX_OSERR,
			    err, "add devfs rule %zu to ruleset %u", i + 1,
			    rs);
			goto out;
		}
	}
	error_set(ep, EX_TEMPFAIL, 0, "no free devfs ruleset near %u",
	    ds->ruleset);
	goto out;
done:
	*rsp = rs;
	rv = 0;
out:
	(void)close(devfd);
	return (rv);
}

/* The pod's parts */

static int
setup_app(const struct sbx_pod *pod, const struct sbx_app *app,
    unsigned ruleset, struct mounted *m, struct error *ep)
{
	char rspath[16], rootpath[MAXPATHLEN];
	const char *devopts[] = { "ruleset", rspath, NULL };
	struct stat st;
	size_t i;
	int rootfd = -1, rv = -1;

	if (app->nlowerdirs > 0) {
		error_set(ep, EX_UNAVAILABLE, 0,
		    "the overlay driver does not exist on FreeBSD");
		goto out;
	}
	if ((rootfd = open(app->rootfs, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		error_set(ep, EX_NOINPUT, errno, "open '%s'", app->rootfs);
		goto out;
	}
	if (fd_path(rootfd, rootpath, ep) == -1)
		goto out;
	(void)snprintf(rspath, sizeof(rspath), "%u", ruleset);
	if (mount_beneath(rootfd, rootpath, "/dev", true, "devfs", "devfs",
	    devopts, 0, m, ep) == -1)
		goto out;
	if (pod->linux_abi && (mount_beneath(rootfd, rootpath, "/proc", true,
	    "linprocfs", "linprocfs", NULL, MNT_NOSUID | MNT_NOEXEC, m,
	    ep) == -1 || mount_beneath(rootfd, rootpath, "/sys", true,
	    "linsysfs", "linsysfs", NULL, MNT_NOSUID | MNT_NOEXEC, m,
	    ep) == -1))
		goto out;
	for (i = 0; i < app->nmounts; i++) {
		const struct sbx_mount *v = &app->mounts[i];

		if (v->source[0] != '/' || v->target[0] != '/') {
			error_set(ep, EX_DATAERR, 0, "volume '%s' on '%s': "
			    "paths must be absolute", v->source, v->target);
			goto out;
		}
		if (stat(v->source, &st) == -1) {
			error_set(ep, errno == ENOENT ? EX_NOINPUT : EX_OSERR,
			    errno, "volume '%s'", v->source);
			goto out;
		}
		/* Read-only is enforced by the mount itself. */
		if (mount_beneath(rootfd, rootpath, v->target,
		    S_ISDIR(st.st_mode), "nullfs", v->source, NULL,
		    v->readonly ? MNT_RDONLY : 0, m, ep) == -1) {
			error_wrap(ep, "volume '%s'", v->source);
			goto out;
		}
	}
	rv = 0;
out:
	sbx_close_fd(&rootfd);
	if (rv == -1)
		error_wrap(ep, "app '%s'", app->name);
	return (rv);
}

/* Make the jail; its jid. */
static int
make_jail(const struct sbx_pod *pod, const char *name, unsigned ruleset,
    struct error *ep)
{
	struct jailspec_opts o;
	struct jailspec_params pp;
	const struct jailspec_param *p;
	struct iov io = { NULL, 0, "" };
	size_t i;
	int jid = -1, err;

	(void)memset(&o, 0, sizeof(o));
	o.name = name;
	o.path = pod->dir;
	o.hostname = pod->hostname;
	/* Like a new network namespace: a stack of its own, only lo0. */
	o.vnet = true;
	o.securelevel = POD_SECURELEVEL;
	o.linux_abi = pod->linux_abi;
	if (jailspec_params(&o, ruleset, &pp, ep) == -1)
		return (-1);
	for (i = 0; i < pp.n; i++) {
		p = &pp.v[i];
		switch (p->type) {
		case JAILSPEC_BOOL:
			iov_add(&io, p->name, NULL, 0);
			break;
		case JAILSPEC_INT:
			iov_add(&io, p->name, &p->ival, sizeof(p->ival));
			break;
		case JAILSPEC_STR:
			iov_str(&io, p->name, p->str);
			break;
		case JAILSPEC_IP4:
			iov_add(&io, p->name, p->addr,
			    p->naddr * sizeof(struct in_addr));
			break;
		case JAILSPEC_IP6:
			iov_add(&io, p->name, p->addr,
			    p->naddr * sizeof(struct in6_addr));
			break;
		}
	}
	iov_errmsg(&io);
	if ((jid = jail_set(io.v, io.n, JAIL_CREATE)) == -1) {
		err = errno;
		/* An unknown parameter: this kernel lacks VIMAGE, or RACCT. */
		error_set(ep, err == EPERM ? EX_NOPERM : err == ENOENT ?
		    EX_UNAVAILABLE : err == EEXIST ? EX_CANTCREAT : EX_OSERR,
		    err, "create jail '%s'%s%s", name,
		    io.errmsg[0] != '\0' ? ": " : "", io.errmsg);
	}
	iov_free(&io);
	jailspec_params_release(&pp);
	return (jid);
}

/* rctl(8) rules for the pod's limits; a kernel without RACCT warns. */
static int
add_limits(const struct sbx_pod *pod, const char *name, struct error *ep)
{
	char rule[256];
	int i;

	for (i = 0; i < 3; i++) {
		if (i == 0 && pod->memory > 0)
			(void)snprintf(rule, sizeof(rule),
			    "jail:%s:memoryuse:deny=%lld", name,
			    (long long)pod->memory);
		else if (i == 1 && pod->cpu_millis > 0)
			/* pcpu is a percentage of one CPU. */
			(void)snprintf(rule, sizeof(rule),
			    "jail:%s:pcpu:deny=%lld", name,
			    (long long)((pod->cpu_millis + 9) / 10));
		else if (i == 2 && pod->pids > 0)
			(void)snprintf(rule, sizeof(rule),
			    "jail:%s:maxproc:deny=%lld", name,
			    (long long)pod->pids);
		else
			continue;
		if (rctl_add_rule(rule, strlen(rule) + 1, NULL, 0) == -1) {
			if (errno == ENOSYS) {
				log_warnx("no rctl on this host (set "
				    "kern.racct.enable=1): pod '%s' runs "
				    "without limits", pod->uuid);
				return (0);
			}
			return (error_set(ep, EX_OSERR, errno, "rctl rule '%s'",
			    rule));
		}
	}
	return (0);
}

static void
remove_limits(const char *name)
{
	char filter[256];

	(void)snprintf(filter, sizeof(filter), "jail:%s", name);
	(void)rctl_remove_rule(filter, strlen(filter) + 1, NULL, 0);
}

/*
 * Bring lo0 of the vnet jail up with 127.0.0.1/8, from a child attached
 * to it (jail_attach(2) cannot be undone).
 */
static int
loopback_up(int jid, struct error *ep)
{
	struct in_aliasreq ifra;
	struct ifreq ifr;
	pid_t pid;
	int status, s;

	if ((pid = fork()) == -1)
		return (error_set(ep, EX_OSERR, errno, "fork"));
	if (pid == 0) {
		if (jail_attach(jid) == -1 ||
		    (s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
			_exit(1);
		(void)memset(&ifr, 0, sizeof(ifr));
		(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo0");
		if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1)
			_exit(2);
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) == -1)
			_exit(3);
		(void)memset(&ifra, 0, sizeof(ifra));
		(void)snprintf(ifra.ifra_name, sizeof(ifra.ifra_name), "lo0");
		ifra.ifra_addr.sin_family = AF_INET;
		ifra.ifra_addr.sin_len = sizeof(ifra.ifra_addr);
		ifra.ifra_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ifra.ifra_mask.sin_family = AF_INET;
		ifra.ifra_mask.sin_len = sizeof(ifra.ifra_mask);
		ifra.ifra_mask.sin_addr.s_addr = htonl(IN_CLASSA_NET);
		if (ioctl(s, SIOCAIFADDR, &ifra) == -1 && errno != EEXIST)
			_exit(4);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return (error_set(ep, EX_OSERR, errno, "wait"));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return (error_set(ep, EX_OSERR, 0,
		    "bring the jail's lo0 up (step %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1));
	return (0);
}

pid_t
sbx_start(const struct sbx_pod *pod, struct error *ep)
{
	struct jailspec_devfs ds;
	struct mounted m = { NULL, 0 };
	struct error ce;
	unsigned ruleset = 0;
	char *name = NULL;
	int report[2] = { -1, -1 }, jid = -1, status;
	size_t i;
	pid_t pid = -1;
	bool have_ds = false, limits = false;

	if (geteuid() != 0)
		return (error_set(ep, EX_NOPERM, EPERM,
		    "a pod sandbox needs root"));
	if (sbx_validate_pod(pod, ep) == -1)
		return (-1);
	name = jail_name(pod);
	if (jail_find(name) >= 0) {
		error_set(ep, EX_CANTCREAT, EEXIST, "jail '%s' exists "
		    "(a pod that was not torn down)", name);
		goto fail;
	}
	if (jailspec_devfs_build(pod->devfs_rules, pod->ndevfs_rules,
	    pod->devfs_unsafe, &ds, ep) == -1)
		goto fail;
	have_ds = true;
	if (devfs_ruleset_install(&ds, &ruleset, ep) == -1)
		goto fail;
	for (i = 0; i < pod->napps; i++)
		if (setup_app(pod, &pod->apps[i], ruleset, &m, ep) == -1)
			goto fail;
	if ((jid = make_jail(pod, name, ruleset, ep)) == -1)
		goto fail;
	limits = true;
	if (add_limits(pod, name, ep) == -1 || loopback_up(jid, ep) == -1)
		goto fail;
	if (pipe2(report, O_CLOEXEC) == -1) {
		error_set(ep, EX_OSERR, errno, "pipe");
		goto fail;
	}
	if ((pid = fork()) == -1) {
		error_set(ep, EX_OSERR, errno, "fork");
		goto fail;
	}
	if (pid == 0) {
		struct error e = ERROR_INIT;

		(void)close(report[0]);
		/* Orphans of the pod's processes come to us, not to init. */
		if (procctl(P_PID, getpid(), PROC_REAP_ACQUIRE, NULL) == -1)
			error_set(&e, EX_OSERR, errno,
			    "become the pod's reaper");
		(void)sbx_write_full(report[1], &e, sizeof(e));
		if (e.exit != 0)
			_exit(e.exit);
		(void)close(report[1]);
		jailspec_devfs_release(&ds);
		for (i = 0; i < m.n; i++)
			free(m.paths[i]);
		free(m.paths);
		free(name);
		return (0);
	}
	sbx_close_fd(&report[1]);
	if (sbx_read_report(report[0], &ce) == -1) {
		error_set(ep, EX_OSERR, 0,
		    "pod sandbox: the supervisor died while setting up");
		goto fail;
	}
	if (ce.exit != 0) {
		*ep = ce;
		goto fail;
	}
	sbx_close_fd(&report[0]);
	jailspec_devfs_release(&ds);
	for (i = 0; i < m.n; i++)
		free(m.paths[i]);
	free(m.paths);
	free(name);
	return (pid);

fail:
	if (pid > 0) {
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	sbx_close_fd(&report[0]);
	sbx_close_fd(&report[1]);
	if (limits)
		remove_limits(name);
	if (jid >= 0 && jail_remove(jid) == -1)
		log_warnx("remove jail '%s': %s", name, strerror(errno));
	mounted_undo(&m);
	if (have_ds)
		jailspec_devfs_release(&ds);
	free(name);
	return (-1);
}

_Noreturn void
sbx_exec_app(const struct sbx_pod *pod, const struct sbx_proc *proc,
    int errfd)
{
	struct sbx_exec x;
	const struct sbx_app *app;
	gid_t *groups;
	char *name;
	int rootfd, jid;
#ifdef PROC_NO_NEW_PRIVS_CTL
	int nnp = PROC_NO_NEW_PRIVS_ENABLE;
#endif

	app = sbx_exec_app_of(pod, proc, errfd);
	/* The host's view of the root: nothing is attached yet. */
	if ((rootfd = open(app->rootfs, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "open '%s': %s", app->rootfs,
		    strerror(errno));
	sbx_exec_prepare(rootfd, proc, errfd, &x);
	name = jail_name(pod);
	if ((jid = jail_find(name)) == -1)
		sbx_exec_fail(errfd, EX_NOINPUT, "jail '%s': %s", name,
		    strerror(errno));
	if (jail_attach(jid) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "attach to jail '%s': %s", name,
		    strerror(errno));
	/*
	 * A pty of the jail's, its slave opened beneath the app's root
	 * (its devfs ruleset unhides pts), while our descriptors are open.
	 */
	sbx_exec_pty(proc, rootfd, x.ids.uid, errfd);
	/*
	 * rootfd, opened on the host, is the app's root inside the jail.
	 * Once attached we are chrooted, and chroot(2) then refuses while
	 * any directory is open (kern.chroot_allow_open_directories=1, the
	 * default): close every descriptor of ours first, not only rootfd.
	 */
	if (fchdir(rootfd) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "chdir '%s': %s", app->rootfs,
		    strerror(errno));
	sbx_exec_close_fds(errfd);
	if (chroot(".") == -1)
		sbx_exec_fail(errfd, EX_OSERR, "chroot '%s': %s", app->rootfs,
		    strerror(errno));
	sbx_exec_chdir(x.cwd, errfd);
	sbx_exec_rlimits();
#ifdef PROC_NO_NEW_PRIVS_CTL
	/* FreeBSD 14 and later: setuid binaries no longer elevate. */
	if (!proc->new_privs &&
	    procctl(P_PID, getpid(), PROC_NO_NEW_PRIVS_CTL, &nnp) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "no_new_privs: %s",
		    strerror(errno));
#endif
	sbx_exec_tty(proc, errfd);
	/*
	 * Before FreeBSD 15, setgroups(2) takes the effective gid as its
	 * first element; from 15 on the list is the supplementary groups
	 * only.  Giving the primary gid first is right for both.
	 */
	groups = xcalloc(x.ids.ngroups + 1, sizeof(*groups));
	groups[0] = x.ids.gid;
	(void)memcpy(groups + 1, x.ids.groups, x.ids.ngroups *
	    sizeof(*groups));
	if (setgroups((int)x.ids.ngroups + 1, groups) == -1 ||
	    setgid(x.ids.gid) == -1 || setuid(x.ids.uid) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "set user %lu group %lu: %s",
		    (unsigned long)x.ids.uid, (unsigned long)x.ids.gid,
		    strerror(errno));
	sbx_exec_run(proc->argv, x.envp, errfd);
}

int
sbx_enter(const struct sbx_pod *pod, pid_t pid, struct error *ep)
{
	uint64_t start;
	char *name;
	int rv = 0;

	if (pid <= 0 || sbx_proc_start_time(pid, &start) == -1)
		return (error_set(ep, EX_NOINPUT, ESRCH,
		    "pod '%s' is not running", pod->uuid));
	name = jail_name(pod);
	if (jail_find(name) == -1)
		rv = error_set(ep, EX_NOINPUT, errno,
		    "pod '%s' is not running (no jail '%s')", pod->uuid, name);
	free(name);
	return (rv);
}

static int
path_len_cmp(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return (la < lb ? 1 : la > lb ? -1 : 0);
}

int
sbx_teardown(const struct sbx_pod *pod, struct error *ep)
{
	struct statfs *fs = NULL;
	char *name, *prefix, **paths = NULL;
	size_t i, np = 0, plen;
	int jid, n, rv = 0;

	name = jail_name(pod);
	remove_limits(name);
	/* Kills what is left in the jail; it dies once they are gone. */
	if ((jid = jail_find(name)) >= 0 && jail_remove(jid) == -1 &&
	    errno != EINVAL)
		rv = error_set(ep, EX_OSERR, errno, "remove jail '%s'", name);
	prefix = xasprintf("%s/apps/", pod->dir);
	plen = strlen(prefix);
	if ((n = getfsstat(NULL, 0, MNT_NOWAIT)) > 0) {
		fs = xcalloc((size_t)n + 16, sizeof(*fs));
		n = getfsstat(fs, (long)(((size_t)n + 16) * sizeof(*fs)),
		    MNT_NOWAIT);
	}
	if (n == -1 && rv == 0)
		rv = error_set(ep, EX_OSERR, errno, "getfsstat");
	for (i = 0; fs != NULL && n > 0 && i < (size_t)n; i++)
		if (strncmp(fs[i].f_mntonname, prefix, plen) == 0) {
			paths = xreallocarray(paths, np + 1, sizeof(*paths));
			paths[np++] = xstrdup(fs[i].f_mntonname);
		}
	/* Deepest first: a volume under /dev comes off before /dev. */
	qsort(paths, np, sizeof(*paths), path_len_cmp);
	for (i = 0; i < np; i++) {
		if (unmount(paths[i], 0) == -1 &&
		    unmount(paths[i], MNT_FORCE) == -1 && errno != EINVAL &&
		    errno != ENOENT && rv == 0)
			rv = error_set(ep, EX_OSERR, errno, "unmount '%s'",
			    paths[i]);
		free(paths[i]);
	}
	free(paths);
	free(fs);
	free(prefix);
	free(name);
	if (rv == -1)
		error_wrap(ep, "pod '%s'", pod->uuid);
	return (rv);
}

int
sbx_proc_start_time(pid_t pid, uint64_t *startp)
{
	struct kinfo_proc kp;
	size_t len = sizeof(kp);
	int mib[4] = { CTL_KERN, KERN_PROC, KERN_PROC_PID, (int)pid };

	if (pid <= 0) {
		errno = ESRCH;
		return (-1);
	}
	if (sysctl(mib, 4, &kp, &len, NULL, 0) == -1)
		return (-1);
	if (len == 0) {
		errno = ESRCH;
		return (-1);
	}
	*startp = (uint64_t)kp.ki_start.tv_sec * 1000000 +
	    (uint64_t)kp.ki_start.tv_usec;
	return (0);
}
