/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The FreeBSD sandbox of a pod (common/sbx.h): one vnet jail per pod,
 * named "berth-<uuid>", whose path is the pod directory, and in it one
 * child jail per app, "berth-<uuid>.<app>", whose path is the app's root
 * (common/jailspec.h has both parameter lists).  Before the jails exist,
 * each app's root gets its mounts from the host: devfs on dev with a
 * ruleset generated from the images' rules, linprocfs, linsysfs, fdescfs
 * and a tmpfs /dev/shm for Linux images, and nullfs volumes.  rctl(8)
 * rules on each app's jail carry the limits; the supervisor is a reaper
 * (procctl(PROC_REAP_ACQUIRE)) that stays on the host; each app enters
 * its own jail with jail_attach(2): its root is the jail's, and the
 * kernel, not a chroot root could leave, keeps it there.
 *
 * Mount targets are resolved beneath the app's root with
 * os_open_beneath() (never following a symlink out of it) and created
 * there if missing.  FreeBSD cannot mount onto a descriptor, so a child
 * process chroots into the app's root, finds the target directory again
 * (checked against the one resolved), fchdir(2)s to it and mounts on "."
 * (on the file's name in it for a file target): nothing is looked up
 * outside the root, and the kernel records the global path of that
 * vnode (vfs_domount(), vn_path_to_global_path()).  The target resolved
 * again must then be the new mount, and everything is unmounted by file
 * system id (MNT_BYFSID), never by a path that could have been swapped.
 */
#include <sys/param.h>
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/jail.h>
#include <sys/linker.h>
#include <sys/module.h>
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

/* Ruleset numbers tried before giving up on hash collisions. */
#define	RULESET_TRIES	64
/* Looks at one ruleset number when other installers race us there. */
#define	RULESET_RACES	8
/* A jail name: MAXHOSTNAMELEN with its NUL. */
#define	JAIL_NAME_SIZE	256

_Static_assert(JAILSPEC_SYS_DISABLE == JAIL_SYS_DISABLE &&
    JAILSPEC_SYS_NEW == JAIL_SYS_NEW &&
    JAILSPEC_SYS_INHERIT == JAIL_SYS_INHERIT, "jailsys values");
_Static_assert(JAILSPEC_DEVFS_PATTERN_MAX == DEVFS_MAXPTRNLEN,
    "devfs pattern length");
_Static_assert(JAIL_NAME_SIZE == MAXHOSTNAMELEN, "jail name length");

static char *
jail_name(const struct sbx_pod *pod)
{
	return (xasprintf("berth-%s", pod->uuid));
}

/* The name of app's jail into buf[JAIL_NAME_SIZE]. */
static int
app_jail_name(const struct sbx_pod *pod, const struct sbx_app *app,
    char *buf, struct error *ep)
{
	char *pj = jail_name(pod);
	int rv = 0;

	if (jailspec_app_jail_name(pj, app->name, buf, JAIL_NAME_SIZE) == -1)
		rv = error_set(ep, EX_DATAERR, 0,
		    "app '%s': no jail name can be made of it", app->name);
	free(pj);
	return (rv);
}

/* The host's kern.securelevel, -1 if it cannot be read. */
static int
host_securelevel(void)
{
	size_t len;
	int level;

	len = sizeof(level);
	if (sysctlbyname("kern.securelevel", &level, &len, NULL, 0) == -1 ||
	    len != sizeof(level))
		return (-1);
	return (level);
}

/*
 * PROC_NO_NEW_PRIVS_CTL came with FreeBSD 14, and the cross-compiler's
 * headers always define it: an older kernel answers EINVAL for a command
 * it does not know (kern_procctl()).  Say so once, where it is found
 * (sbx_start(), sbx_enter()); sbx_exec_app() then goes on without it.
 */
static void
nnp_probe(const struct sbx_pod *pod)
{
	int st;

	if (procctl(P_PID, getpid(), PROC_NO_NEW_PRIVS_STATUS, &st) == -1 &&
	    errno == EINVAL)
		log_warnx("this kernel has no PROC_NO_NEW_PRIVS_CTL (FreeBSD "
		    "14 and later): setuid programs in pod '%s' can gain "
		    "privileges", pod->uuid);
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

/* A string option; NULL: a flag without a value (mount(8)'s -o name). */
static void
iov_str(struct iov *io, const char *name, const char *val)
{
	iov_add(io, name, val, val != NULL ? strlen(val) + 1 : 0);
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

/* Create the jail of parameters pp (name is its name); its jid. */
static int
jail_create(const struct jailspec_params *pp, const char *name,
    struct error *ep)
{
	const struct jailspec_param *p;
	struct iov io = { NULL, 0, "" };
	size_t i;
	int jid, err;

	for (i = 0; i < pp->n; i++) {
		p = &pp->v[i];
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
		/* A kernel without VIMAGE says "unknown parameter: vnet". */
		error_set(ep, jailspec_jail_set_exit(err, io.errmsg), err,
		    "create jail '%s'%s%s", name,
		    io.errmsg[0] != '\0' ? ": " : "", io.errmsg);
	}
	iov_free(&io);
	return (jid);
}

/* Mounts beneath an app's root */

/* What sbx_start() mounted, for undoing it on failure. */
struct mounted {
	fsid_t	*fsids;
	size_t	 n;
};

static void
mounted_add(struct mounted *m, const fsid_t *fsid)
{
	m->fsids = xreallocarray(m->fsids, m->n + 1, sizeof(*m->fsids));
	m->fsids[m->n++] = *fsid;
}

static bool
mounted_has(const struct mounted *m, const fsid_t *fsid)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (fsidcmp(&m->fsids[i], fsid) == 0)
			return (true);
	return (false);
}

/*
 * unmount(2) by file system id: a path would be looked up again, through
 * whatever symlinks the pod has put on it since (kern_unmount() follows
 * them), and could name a host mount.
 */
static int
unmount_fsid(const fsid_t *fsid, int flags)
{
	char id[64];

	(void)snprintf(id, sizeof(id), "FSID:%d:%d", (int)fsid->val[0],
	    (int)fsid->val[1]);
	return (unmount(id, flags | (int)MNT_BYFSID));
}

static void
mounted_undo(struct mounted *m)
{
	while (m->n > 0) {
		m->n--;
		if (unmount_fsid(&m->fsids[m->n], 0) == -1 &&
		    unmount_fsid(&m->fsids[m->n], MNT_FORCE) == -1 &&
		    errno != ENOENT)
			log_warnx("unmount FSID:%d:%d: %s",
			    (int)m->fsids[m->n].val[0],
			    (int)m->fsids[m->n].val[1], strerror(errno));
	}
	free(m->fsids);
	m->fsids = NULL;
}

/* The mount table; NULL with *np 0 (and errno) if it cannot be read. */
static struct statfs *
mount_table(size_t *np)
{
	struct statfs *fs;
	int n, got;

	*np = 0;
	if ((n = getfsstat(NULL, 0, MNT_NOWAIT)) <= 0)
		return (NULL);
	fs = xcalloc((size_t)n + 16, sizeof(*fs));
	if ((got = getfsstat(fs, (long)(((size_t)n + 16) * sizeof(*fs)),
	    MNT_NOWAIT)) <= 0) {
		free(fs);
		return (NULL);
	}
	*np = (size_t)got;
	return (fs);
}

/*
 * After a mount that did not land where it should: unmount every mount
 * of fstype strictly below rootpath that is not one of ours, deepest
 * first.  Only a mount of ours that went astray inside the root can be
 * there: the app root is the pod's, and nothing of it runs yet.
 */
static void
mounts_sweep(const char *rootpath, const char *fstype,
    const struct mounted *m)
{
	struct statfs *fs;
	const char **paths;
	size_t i, n, k, *order;

	if ((fs = mount_table(&n)) == NULL)
		return;
	paths = xcalloc(n, sizeof(*paths));
	order = xcalloc(n, sizeof(*order));
	for (i = 0; i < n; i++)
		if (strcmp(fs[i].f_fstypename, fstype) == 0 &&
		    !mounted_has(m, &fs[i].f_fsid))
			paths[i] = fs[i].f_mntonname;
	k = jailspec_unmount_order(paths, n, &rootpath, 1, order);
	for (i = 0; i < k; i++)
		(void)unmount_fsid(&fs[order[i]].f_fsid, MNT_FORCE);
	free(order);
	free(paths);
	free(fs);
}

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

/* What the mounting child finds again inside the root, and mounts on. */
struct mount_req {
	char	 rel[MAXPATHLEN];	/* the directory, from the root */
	char	 leaf[MAXPATHLEN];	/* file in it; "": the directory */
	dev_t	 dev;			/* of the directory */
	ino_t	 ino;
	dev_t	 fdev;			/* of the file */
	ino_t	 fino;
};

/* The child's answer: 0, or errno and where it failed. */
struct mount_ans {
	int	 err;
	int	 nmount;		/* err came from nmount(2) itself */
	char	 errmsg[256];
};

/*
 * In a child: chroot into the root, so that no lookup of the mount, not
 * even of a final symlink (vfs_domount() looks fspath up with FOLLOW),
 * leaves it; find the target directory again beneath the new "/", check
 * it (and the file in it) is what the parent resolved, fchdir(2) there
 * and nmount(2) on "." or the file's name.  Never returns.
 */
static _Noreturn void
mount_child(int rootfd, const struct mount_req *rq, struct iov *io,
    int flags, int rep)
{
	struct mount_ans a;
	struct error e = ERROR_INIT;
	struct stat st;
	int r, d;

	(void)memset(&a, 0, sizeof(a));
	/*
	 * chroot(2) refuses while directories are open once the process is
	 * chrooted (kern.chroot_allow_open_directories): only the report
	 * pipe stays.
	 */
	if (fchdir(rootfd) == -1)
		goto fail;
	sbx_exec_close_fds(rep);
	if (chroot(".") == -1 ||
	    (r = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		goto fail;
	if ((d = os_open_beneath(r, rq->rel, O_RDONLY | O_DIRECTORY, 0,
	    &e)) == -1) {
		errno = e.errnum != 0 ? e.errnum : ENOENT;
		goto fail;
	}
	if (fstat(d, &st) == -1)
		goto fail;
	if (st.st_dev != rq->dev || st.st_ino != rq->ino) {
		errno = ESTALE;
		goto fail;
	}
	if (rq->leaf[0] != '\0') {
		if (fstatat(d, rq->leaf, &st, AT_SYMLINK_NOFOLLOW) == -1)
			goto fail;
		if (!S_ISREG(st.st_mode) || st.st_dev != rq->fdev ||
		    st.st_ino != rq->fino) {
			errno = ESTALE;
			goto fail;
		}
	}
	if (fchdir(d) == -1)
		goto fail;
	a.nmount = 1;
	if (nmount(io->v, io->n, flags) == 0)
		errno = 0;
fail:
	a.err = errno;
	(void)snprintf(a.errmsg, sizeof(a.errmsg), "%s", io->errmsg);
	(void)sbx_write_full(rep, &a, sizeof(a));
	_exit(a.err == 0 ? 0 : 1);
}

/* Run mount_child() and wait for its answer into *a. */
static int
mount_confined(int rootfd, const struct mount_req *rq, struct iov *io,
    int flags, struct mount_ans *a, struct error *ep)
{
	int p[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) == -1)
		return (error_set(ep, EX_OSERR, errno, "pipe"));
	if ((pid = fork()) == -1) {
		(void)close(p[0]);
		(void)close(p[1]);
		return (error_set(ep, EX_OSERR, errno, "fork"));
	}
	if (pid == 0) {
		(void)close(p[0]);
		mount_child(rootfd, rq, io, flags, p[1]);
	}
	(void)close(p[1]);
	(void)memset(a, 0, sizeof(*a));
	do
		n = read(p[0], a, sizeof(*a));
	while (n == -1 && errno == EINTR);
	(void)close(p[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			break;
	if (n != (ssize_t)sizeof(*a))
		return (error_set(ep, EX_OSERR, 0,
		    "the mounting process died"));
	a->errmsg[sizeof(a->errmsg) - 1] = '\0';
	return (0);
}

/*
 * Mount a filesystem of type fstype on target (absolute in the app's
 * root rootfd, whose host path is rootpath).  opts are extra nmount(2)
 * name/value string pairs (a NULL value: a flag), NULL-terminated.
 */
static int
mount_beneath(int rootfd, const char *rootpath, const char *target,
    bool dir, const char *fstype, const char *from, const char *const *opts,
    int flags, struct mounted *m, struct error *ep)
{
	struct iov io = { NULL, 0, "" };
	struct mount_req rq;
	struct mount_ans a;
	struct statfs before, after;
	struct stat st;
	char path[MAXPATHLEN], *slash;
	size_t rlen = strlen(rootpath);
	int fd = -1, dfd = -1, rv = -1;

	(void)memset(&rq, 0, sizeof(rq));
	if ((fd = open_target(rootfd, target, dir, ep)) == -1 ||
	    fd_path(fd, path, ep) == -1)
		goto out;
	if (strncmp(path, rootpath, rlen) != 0 || path[rlen] != '/') {
		error_set(ep, EX_DATAERR, 0, "'%s' resolves to '%s', outside "
		    "the root", target, path);
		goto out;
	}
	if (fstat(fd, &st) == -1 || fstatfs(fd, &before) == -1) {
		error_set(ep, EX_OSERR, errno, "stat '%s'", target);
		goto out;
	}
	if (dir) {
		(void)snprintf(rq.rel, sizeof(rq.rel), "%s", path + rlen);
		rq.dev = st.st_dev;
		rq.ino = st.st_ino;
	} else {
		/* vfs_domount_first() mounts only on a file of one link. */
		if (st.st_nlink != 1) {
			error_set(ep, EX_DATAERR, 0, "'%s' has %ju links: a "
			    "file is mounted on only if it has one", target,
			    (uintmax_t)st.st_nlink);
			goto out;
		}
		rq.fdev = st.st_dev;
		rq.fino = st.st_ino;
		slash = strrchr(path, '/');
		(void)snprintf(rq.rel, sizeof(rq.rel), "%.*s",
		    (int)(slash - (path + rlen)), path + rlen);
		(void)snprintf(rq.leaf, sizeof(rq.leaf), "%s", slash + 1);
		if ((dfd = os_open_beneath(rootfd, rq.rel[0] != '\0' ?
		    rq.rel : "/", O_RDONLY | O_DIRECTORY, 0, ep)) == -1)
			goto out;
		if (fstat(dfd, &st) == -1) {
			error_set(ep, EX_OSERR, errno, "stat '%s'", rq.rel);
			goto out;
		}
		rq.dev = st.st_dev;
		rq.ino = st.st_ino;
	}
	if (rq.rel[0] == '\0')
		(void)snprintf(rq.rel, sizeof(rq.rel), "/");
	iov_str(&io, "fstype", fstype);
	iov_str(&io, "fspath", dir ? "." : rq.leaf);
	iov_str(&io, strcmp(fstype, "nullfs") == 0 ? "target" : "from", from);
	for (; opts != NULL && opts[0] != NULL; opts += 2)
		iov_str(&io, opts[0], opts[1]);
	iov_errmsg(&io);
	if (mount_confined(rootfd, &rq, &io, flags, &a, ep) == -1)
		goto out;
	if (a.err != 0) {
		if (!a.nmount)
			error_set(ep, a.err == ESTALE ? EX_DATAERR : EX_OSERR,
			    a.err, "mount %s on '%s': %s", fstype, target,
			    a.err == ESTALE ? "the target moved" :
			    "enter the root");
		else
			error_set(ep, jailspec_nmount_exit(a.err, a.errmsg,
			    !dir), a.err, "mount %s on '%s'%s%s", fstype,
			    target, a.errmsg[0] != '\0' ? ": " : "",
			    a.errmsg);
		goto out;
	}
	/* The target, resolved again, must be the root of the new mount. */
	sbx_close_fd(&fd);
	if ((fd = os_open_beneath(rootfd, target, (dir ? O_DIRECTORY : 0) |
	    O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, ep)) == -1 ||
	    fstatfs(fd, &after) == -1 ||
	    strcmp(after.f_fstypename, fstype) != 0 ||
	    strcmp(after.f_mntonname, path) != 0 ||
	    fsidcmp(&after.f_fsid, &before.f_fsid) == 0) {
		mounts_sweep(rootpath, fstype, m);
		error_set(ep, EX_DATAERR, 0, "'%s' is not where %s was mounted",
		    target, fstype);
		goto out;
	}
	mounted_add(m, &after.f_fsid);
	rv = 0;
out:
	sbx_close_fd(&fd);
	sbx_close_fd(&dfd);
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
 * Compare ruleset rs in the kernel with ds: the number of its rules, all
 * equal to ds's first ones (0: empty; ds->nrules: exactly ds), or -1 if
 * it holds anything else.  A prefix is what a pod-exec killed while
 * installing left behind (RULESET_STATE below).
 */
static long
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
	return ((long)i);
}

/*
 * Make sure a ruleset holding ds exists and return its number: the
 * content hash's number, or the next free or equal one on a collision.
 * Rulesets stay in the kernel after the pod, shared by content like
 * /etc/devfs.rules sets (there is no reference count to drop them by).
 *
 * A ruleset that holds the first rules of ds and nothing else is
 * completed, not skipped: that is how a set half installed by a pod-exec
 * killed meanwhile is collected, by the next install of its content (it
 * is at that content's number), or of any content it is the start of.
 * Nothing is ever deleted: another installer, or a devfs mount, may
 * already rely on what is there, and a hole in a set (its "hide" gone)
 * would expose every device.
 */
static int
devfs_ruleset_install(const struct jailspec_devfs *ds, unsigned *rsp,
    struct error *ep)
{
	struct devfs_rule k;
	unsigned attempt, races, rs;
	size_t i;
	long have;
	int devfd, rv = -1;

	/* The rules ioctls go to any devfs mount: the host's /dev. */
	if ((devfd = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (error_set(ep, EX_OSERR, errno, "open '/dev'"));
	for (attempt = 0; attempt < RULESET_TRIES; attempt++) {
		rs = jailspec_devfs_ruleset_at(ds, attempt);
		for (races = 0; races < RULESET_RACES; races++) {
			if ((have = devfs_ruleset_state(devfd, ds, rs)) == -1)
				break;
			for (i = (size_t)have; i < ds->nrules; i++) {
				devfs_rule_to_kernel(&ds->rules[i], rs,
				    (unsigned)i + 1, &k);
				if (ioctl(devfd, DEVFSIO_RADD, &k) == -1)
					break;
			}
			if (i == ds->nrules)
				goto done;
			/* Another pod-exec raced us to this number. */
			if (errno == EEXIST)
				continue;
			error_set(ep, errno == EPERM ? EX_NOPERM : EX_OSERR,
			    errno, "add devfs rule %zu to ruleset %u", i + 1,
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

/*
 * Linux images run under the Linuxulator: linux64.ko (whose module is
 * linux64elf) must be in the kernel.  Load it as rc.d/linux would, or say
 * how; at securelevel 1 and above the kernel refuses kldload(2).
 */
static int
linux_abi_load(struct error *ep)
{
	if (modfind("linux64elf") >= 0 || kldfind("linux64") >= 0)
		return (0);
	if (kldload("linux64") >= 0)
		return (0);
	return (error_set(ep, errno == EPERM ? EX_NOPERM : EX_UNAVAILABLE,
	    errno, "a Linux image needs linux64.ko: load it (kldload "
	    "linux64, or linux_enable=\"YES\" in rc.conf)"));
}

static int
setup_app(const struct sbx_pod *pod, const struct sbx_app *app,
    unsigned ruleset, struct mounted *m, struct error *ep)
{
	static const char *const shmopts[] = { "mode", "1777", NULL };
	static const char *const fdopts[] = { "linrdlnk", NULL, NULL };
	char rspath[16], rootpath[MAXPATHLEN];
	const char *devopts[] = { "ruleset", rspath, NULL };
	struct error e = ERROR_INIT;
	struct stat st;
	size_t i;
	int rootfd = -1, fd, rv = -1;

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
	if (pod->linux_abi) {
		if (mount_beneath(rootfd, rootpath, "/proc", true,
		    "linprocfs", "linprocfs", NULL, MNT_NOSUID | MNT_NOEXEC, m,
		    ep) == -1 || mount_beneath(rootfd, rootpath, "/sys", true,
		    "linsysfs", "linsysfs", NULL, MNT_NOSUID | MNT_NOEXEC, m,
		    ep) == -1 || mount_beneath(rootfd, rootpath, "/dev/fd",
		    true, "fdescfs", "fdescfs", fdopts, MNT_NOSUID | MNT_NOEXEC,
		    m, ep) == -1)
			goto out;
		/* The directory linux64.ko makes in devfs for it. */
		if ((fd = os_open_beneath(rootfd, "/dev/shm", O_RDONLY |
		    O_DIRECTORY, 0, &e)) == -1)
			log_warnx("app '%s': no /dev/shm in devfs (a kernel "
			    "older than FreeBSD 13.2?): POSIX shared memory "
			    "of Linux programs may fail", app->name);
		else {
			(void)close(fd);
			if (mount_beneath(rootfd, rootpath, "/dev/shm", true,
			    "tmpfs", "tmpfs", shmopts, MNT_NOSUID | MNT_NOEXEC,
			    m, ep) == -1)
				goto out;
		}
	}
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

/* The options of the pod's jail (and, through them, of its apps'). */
static void
pod_jail_opts(const struct sbx_pod *pod, const char *name,
    struct jailspec_opts *o)
{
	(void)memset(o, 0, sizeof(*o));
	o->name = name;
	o->path = pod->dir;
	o->hostname = pod->hostname;
	/* Like a new network namespace: a stack of its own, only lo0. */
	o->vnet = true;
	o->securelevel = jailspec_securelevel(host_securelevel());
	o->children_max = (int)pod->napps;
	o->linux_abi = pod->linux_abi;
}

/*
 * Make the pod's jail and one child jail per app; the pod jail's jid.
 * A failure leaves the pod's jail for the caller to remove (with its
 * children) when it got made.
 */
static int
make_jails(const struct sbx_pod *pod, const char *name, unsigned ruleset,
    int *jidp, struct error *ep)
{
	struct jailspec_opts o;
	struct jailspec_params pp;
	char aname[JAIL_NAME_SIZE];
	size_t i;
	int jid;

	pod_jail_opts(pod, name, &o);
	if (jailspec_params(&o, ruleset, &pp, ep) == -1)
		return (-1);
	*jidp = jail_create(&pp, name, ep);
	jailspec_params_release(&pp);
	if (*jidp == -1)
		return (-1);
	for (i = 0; i < pod->napps; i++) {
		if (app_jail_name(pod, &pod->apps[i], aname, ep) == -1 ||
		    jailspec_app_params(&o, pod->apps[i].name,
		    pod->apps[i].rootfs, ruleset, &pp, ep) == -1)
			return (-1);
		jid = jail_create(&pp, aname, ep);
		jailspec_params_release(&pp);
		if (jid == -1)
			return (-1);
	}
	return (0);
}

/*
 * rctl(8) rules on each app's jail: its own limits, else the pod's.  A
 * jail rule binds only the processes of that very jail: rctl_enforce()
 * weighs a rule against the racct of the process's own prison
 * (rctl_proc_rule_to_racct()) and jail_attach(2) links only that
 * prison's rules (rctl_proc_ucred_changed()), so a rule on the pod's
 * jail would bind no app.  A kernel without RACCT warns.
 */
static int
add_limits(const struct sbx_pod *pod, struct error *ep)
{
	const struct sbx_app *app;
	char aname[JAIL_NAME_SIZE], **rules;
	size_t i, k, n;
	int rv = 0;

	for (i = 0; i < pod->napps && rv == 0; i++) {
		app = &pod->apps[i];
		if (app_jail_name(pod, app, aname, ep) == -1)
			return (-1);
		jailspec_rctl_rules(aname,
		    app->memory > 0 ? app->memory : pod->memory,
		    app->cpu_millis > 0 ? app->cpu_millis : pod->cpu_millis,
		    app->pids > 0 ? app->pids : pod->pids, &rules, &n);
		for (k = 0; k < n && rv == 0; k++) {
			if (rctl_add_rule(rules[k], strlen(rules[k]) + 1, NULL,
			    0) == 0)
				continue;
			if (errno == ENOSYS) {
				log_warnx("no rctl on this host (set "
				    "kern.racct.enable=1): pod '%s' runs "
				    "without limits", pod->uuid);
				jailspec_strv_free(rules, n);
				return (0);
			}
			rv = error_set(ep, EX_OSERR, errno, "rctl rule '%s'",
			    rules[k]);
		}
		jailspec_strv_free(rules, n);
	}
	return (rv);
}

static void
remove_limits_of(const char *name)
{
	char filter[JAIL_NAME_SIZE + 8];

	(void)snprintf(filter, sizeof(filter), "jail:%s", name);
	(void)rctl_remove_rule(filter, strlen(filter) + 1, NULL, 0);
}

/* The rctl rules of the pod's jail and of every app's. */
static void
remove_limits(const struct sbx_pod *pod)
{
	struct error e = ERROR_INIT;
	char aname[JAIL_NAME_SIZE], *name;
	size_t i;

	name = jail_name(pod);
	remove_limits_of(name);
	free(name);
	for (i = 0; i < pod->napps; i++)
		if (app_jail_name(pod, &pod->apps[i], aname, &e) == 0)
			remove_limits_of(aname);
}

/*
 * Bring lo0 of the vnet jail up with 127.0.0.1/8, from a child attached
 * to it (jail_attach(2) cannot be undone).  Only a prison that owns its
 * vnet may configure interfaces (prison_priv_check()): this is the one
 * process berth runs in the pod's jail itself.
 */
static int
loopback_up(int jid, struct error *ep)
{
	struct in_aliasreq ifra;
	struct ifreq ifr;
	pid_t pid;
	int status, s, null;

	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return (error_set(ep, EX_OSERR, errno, "open '/dev/null'"));
	if ((pid = fork()) == -1) {
		(void)close(null);
		return (error_set(ep, EX_OSERR, errno, "fork"));
	}
	if (pid == 0) {
		/*
		 * jail_attach(2) fails with EPERM while any directory is
		 * open (pwd_chroot_chdir() calls chroot_refuse_vdir_fds(),
		 * kern_descrip.c), and we hold the monitor's: keep nothing.
		 */
		if (dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
		    dup2(null, 2) == -1)
			_exit(5);
		sbx_exec_close_fds(-1);
		if (jail_attach(jid) == -1)
			_exit(errno == EPERM ? 6 : 1);
		if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
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
	(void)close(null);
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
	char aname[JAIL_NAME_SIZE];
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
	for (i = 0; i < pod->napps; i++)
		if (app_jail_name(pod, &pod->apps[i], aname, ep) == -1)
			return (-1);
	name = jail_name(pod);
	if (jail_find(name) >= 0) {
		error_set(ep, EX_CANTCREAT, EEXIST, "jail '%s' exists "
		    "(a pod that was not torn down)", name);
		goto fail;
	}
	nnp_probe(pod);
	if (pod->linux_abi && linux_abi_load(ep) == -1)
		goto fail;
	if (jailspec_devfs_build(pod->devfs_rules, pod->ndevfs_rules,
	    pod->devfs_unhide, pod->ndevfs_unhide, &ds, ep) == -1)
		goto fail;
	have_ds = true;
	if (devfs_ruleset_install(&ds, &ruleset, ep) == -1)
		goto fail;
	for (i = 0; i < pod->napps; i++)
		if (setup_app(pod, &pod->apps[i], ruleset, &m, ep) == -1)
			goto fail;
	if (make_jails(pod, name, ruleset, &jid, ep) == -1)
		goto fail;
	limits = true;
	if (add_limits(pod, ep) == -1 || loopback_up(jid, ep) == -1)
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
		free(m.fsids);
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
	free(m.fsids);
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
		remove_limits(pod);
	/* Removing a jail removes its children (prison_deref_kill()). */
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
	struct error e = ERROR_INIT;
	const struct sbx_app *app;
	struct stat before, after;
	char name[JAIL_NAME_SIZE];
	gid_t *groups;
	int rootfd, jid, keep[2], k;
	int nnp = PROC_NO_NEW_PRIVS_ENABLE;

	app = sbx_exec_app_of(pod, proc, errfd);
	/* The host's view of the root: nothing is attached yet. */
	if ((rootfd = open(app->rootfs, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || fstat(rootfd, &before) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "open '%s': %s", app->rootfs,
		    strerror(errno));
	/* Every lookup that needs the root by descriptor, now. */
	sbx_exec_prepare(rootfd, proc, errfd, &x);
	if (app_jail_name(pod, app, name, &e) == -1)
		sbx_exec_fail_error(errfd, &e);
	if ((jid = jail_find(name)) == -1)
		sbx_exec_fail(errfd, EX_NOINPUT, "jail '%s': %s", name,
		    strerror(errno));
	/*
	 * jail_attach(2) fails with EPERM while the process has any
	 * directory open: do_jail_attach() calls pwd_chroot_chdir(), which
	 * calls chroot_refuse_vdir_fds() whatever
	 * kern.chroot_allow_open_directories says (kern_descrip.c).  So
	 * everything goes but 0-2, the error pipe and the pty socket, and
	 * a directory given as 0, 1 or 2 is refused here, with its reason.
	 */
	(void)close(rootfd);
	keep[0] = errfd;
	keep[1] = proc->tty && proc->tty_sock > 2 ? proc->tty_sock : -1;
	sbx_exec_close_fds_but(keep, 2);
	for (k = 0; k < 3; k++)
		if (fstat(k, &after) == 0 && S_ISDIR(after.st_mode))
			sbx_exec_fail(errfd, EX_USAGE, "descriptor %d is a "
			    "directory: jail_attach(2) refuses", k);
	if (jail_attach(jid) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "attach to jail '%s': %s", name,
		    strerror(errno));
	/*
	 * The jail's path is the app's root, now "/" and the working
	 * directory: it must be the root resolved above.
	 */
	if ((rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(rootfd, &after) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "open '/' in jail '%s': %s",
		    name, strerror(errno));
	if (after.st_dev != before.st_dev || after.st_ino != before.st_ino)
		sbx_exec_fail(errfd, EX_DATAERR, "the root of jail '%s' is not "
		    "'%s'", name, app->rootfs);
	/* A pty of the jail's, its slave opened beneath "/" (its devfs). */
	sbx_exec_pty(proc, rootfd, x.ids.uid, errfd);
	(void)close(rootfd);
	sbx_exec_chdir(x.cwd, errfd);
	sbx_exec_rlimits();
	/*
	 * FreeBSD 14 and later: setuid binaries no longer elevate.  EINVAL:
	 * a kernel without it, said once by nnp_probe().
	 */
	if (!proc->new_privs &&
	    procctl(P_PID, getpid(), PROC_NO_NEW_PRIVS_CTL, &nnp) == -1 &&
	    errno != EINVAL)
		sbx_exec_fail(errfd, EX_OSERR, "no_new_privs: %s",
		    strerror(errno));
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
	sbx_exec_close_fds(errfd);
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
	if (rv == 0)
		nnp_probe(pod);
	return (rv);
}

int
sbx_teardown(const struct sbx_pod *pod, struct error *ep)
{
	struct statfs *fs;
	const char **paths = NULL, **roots = NULL;
	char *name;
	size_t i, n, k, *order = NULL;
	int jid, rv = 0;

	name = jail_name(pod);
	remove_limits(pod);
	/*
	 * Kills what is left in the jail and its apps' jails
	 * (prison_deref_kill() goes down to every descendant); they die once
	 * their processes are gone.
	 */
	if ((jid = jail_find(name)) >= 0 && jail_remove(jid) == -1 &&
	    errno != EINVAL)
		rv = error_set(ep, EX_OSERR, errno, "remove jail '%s'", name);
	errno = 0;
	if ((fs = mount_table(&n)) == NULL && errno != 0 && rv == 0)
		rv = error_set(ep, EX_OSERR, errno, "getfsstat");
	if (n > 0) {
		paths = xcalloc(n, sizeof(*paths));
		order = xcalloc(n, sizeof(*order));
		roots = xcalloc(pod->napps + 1, sizeof(*roots));
		for (i = 0; i < n; i++)
			paths[i] = fs[i].f_mntonname;
		for (i = 0; i < pod->napps; i++)
			roots[i] = pod->apps[i].rootfs;
	}
	/*
	 * Strictly below each app's root, deepest first: the root itself
	 * is the app's ZFS clone with the zfs driver, pod-render's to
	 * unmount, and the next start needs it.
	 */
	k = jailspec_unmount_order(paths, n, roots, pod->napps, order);
	for (i = 0; i < k; i++) {
		if (unmount_fsid(&fs[order[i]].f_fsid, 0) == -1 &&
		    unmount_fsid(&fs[order[i]].f_fsid, MNT_FORCE) == -1 &&
		    errno != EINVAL && errno != ENOENT && rv == 0)
			rv = error_set(ep, EX_OSERR, errno, "unmount '%s'",
			    fs[order[i]].f_mntonname);
	}
	free(roots);
	free(order);
	free(paths);
	free(fs);
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
