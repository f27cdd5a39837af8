/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Linux sandbox of a pod (common/sbx.h): one set of namespaces per
 * pod, pivot_root into the pod directory, and per app a mount namespace
 * of its own with pivot_root into the app's root; cgroups for the limits
 * (cgroup_linux.c).
 *
 * The images are hostile: every mount target is resolved beneath the
 * app's root with openat2(RESOLVE_IN_ROOT) (os_open_beneath()), created
 * there if missing, and mounted on "/proc/self/fd/N" of the descriptor so
 * resolved; after each mount the target is resolved again and checked to
 * hold what was mounted.  A symlink in the image thus ends up pointing
 * somewhere inside the root, never at a host path.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/magic.h>

#include "common/error.h"
#include "common/passwd.h"
#include "common/platform.h"
#include "common/platform/linux/cgroup_linux.h"
#include "common/sbx.h"
#include "common/sbx_impl.h"
#include "common/sysfilter.h"
#include "common/xalloc.h"

/* "/proc/self/fd/N": how a resolved descriptor is named to mount(2). */
struct fdname {
	char	s[32];
};

static const char *
fdname(struct fdname *b, int fd)
{
	(void)snprintf(b->s, sizeof(b->s), "/proc/self/fd/%d", fd);
	return (b->s);
}

/*
 * Mount onto the descriptor fd.  what names the mount in messages
 * ("proc on 'proc'").
 */
static int
mount_fd(const char *src, int fd, const char *type, unsigned long flags,
    const char *data, const char *what, struct error *ep)
{
	struct fdname t;

	if (mount(src, fdname(&t, fd), type, flags, data) == -1)
		return (error_set(ep, errno == ENODEV ? EX_UNAVAILABLE :
		    EX_OSERR, errno, "mount %s", what));
	return (0);
}

/* An O_PATH descriptor of directory path beneath rootfd, made if missing. */
static int
open_dir_beneath(int rootfd, const char *path, struct error *ep)
{
	if (sbx_mkdir_beneath(rootfd, path, ep) == -1)
		return (-1);
	return (os_open_beneath(rootfd, path, O_PATH | O_DIRECTORY, 0, ep));
}

/*
 * An O_PATH descriptor of non-directory path beneath rootfd, made as an
 * empty 0644 file if missing (never through a final symlink: O_NOFOLLOW,
 * O_EXCL; an existing one is then resolved inside the root).
 */
static int
open_file_beneath(int rootfd, const char *path, struct error *ep)
{
	struct stat st;
	int fd;

	if (sbx_make_file_beneath(rootfd, path, ep) == -1)
		return (-1);
	if ((fd = os_open_beneath(rootfd, path, O_PATH, 0, ep)) == -1) {
		if (ep->errnum == ENOENT)
			ep->exit = EX_DATAERR;
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		error_set(ep, EX_OSERR, errno, "stat '%s'", path);
		sbx_close_fd(&fd);
	} else if (S_ISDIR(st.st_mode)) {
		error_set(ep, EX_DATAERR, EISDIR, "'%s'", path);
		sbx_close_fd(&fd);
	}
	return (fd);
}

/*
 * Resolve path beneath rootfd again after a mount and check that it holds
 * a filesystem of type magic: the mount landed where it was meant to.
 */
static int
reopen_check(int rootfd, const char *path, unsigned long magic,
    struct error *ep)
{
	struct statfs sf;
	int fd;

	if ((fd = os_open_beneath(rootfd, path, O_PATH | O_DIRECTORY, 0,
	    ep)) == -1)
		return (-1);
	if (fstatfs(fd, &sf) == -1 || (unsigned long)sf.f_type != magic) {
		(void)close(fd);
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s' is not where it was mounted", path));
	}
	return (fd);
}

static int
overlay_mount(const struct sbx_app *app, struct error *ep)
{
	struct statfs sf;
	char *opts, *o;
	size_t i, max;
	int fd, rv = -1;

	opts = xstrdup("lowerdir=");
	for (i = 0; i < app->nlowerdirs; i++) {
		/* overlayfs takes ':' and ',' in a lowerdir only escaped. */
		if (strpbrk(app->lowerdirs[i], ":,\\") != NULL) {
			error_set(ep, EX_DATAERR, 0, "overlay: '%s' contains "
			    "':', ',' or '\\'", app->lowerdirs[i]);
			goto out;
		}
		o = xasprintf("%s%s%s", opts, i > 0 ? ":" : "",
		    app->lowerdirs[i]);
		free(opts);
		opts = o;
	}
	if (app->upper != NULL) {
		if (app->work == NULL || strpbrk(app->upper, ",\\") != NULL ||
		    strpbrk(app->work, ",\\") != NULL) {
			error_set(ep, EX_DATAERR, 0, "overlay: bad upperdir "
			    "'%s' or workdir", app->upper);
			goto out;
		}
		o = xasprintf("%s,upperdir=%s,workdir=%s", opts, app->upper,
		    app->work);
		free(opts);
		opts = o;
	}
	/* mount(2) copies at most one page of options. */
	max = (size_t)sysconf(_SC_PAGESIZE) - 1;
	if (strlen(opts) > max) {
		error_set(ep, EX_DATAERR, E2BIG, "overlay: %zu lower "
		    "directories make %zu bytes of mount options, the kernel "
		    "takes %zu", app->nlowerdirs, strlen(opts), max);
		goto out;
	}
	if ((fd = open(app->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		error_set(ep, EX_NOINPUT, errno, "open '%s'", app->rootfs);
		goto out;
	}
	rv = mount_fd("overlay", fd, "overlay", 0, opts, "overlay", ep);
	(void)close(fd);
	if (rv == -1)
		goto out;
	rv = -1;
	if ((fd = open(app->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		error_set(ep, EX_OSERR, errno, "open '%s'", app->rootfs);
		goto out;
	}
	if (fstatfs(fd, &sf) == 0 &&
	    (unsigned long)sf.f_type == OVERLAYFS_SUPER_MAGIC)
		rv = 0;
	else
		error_set(ep, EX_OSERR, 0, "overlay not at '%s'", app->rootfs);
	(void)close(fd);
out:
	free(opts);
	return (rv);
}

/*
 * An O_PATH descriptor of name in our procfs in *fdp, or -1 there if this
 * kernel has no such entry.
 */
static int
proc_open(int procfd, const char *name, int *fdp, struct error *ep)
{
	if ((*fdp = openat(procfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1 && errno != ENOENT)
		return (error_set(ep, EX_OSERR, errno, "open '%s'", name));
	return (0);
}

static int
setup_proc(int rootfd, struct error *ep)
{
	/* As the OCI runtimes mask and protect them. */
	static const char *const masked[] = { "acpi", "kcore", "keys",
	    "latency_stats", "timer_list", "timer_stats", "sched_debug",
	    "scsi" };
	static const char *const ro[] = { "asound", "bus", "fs", "irq", "sys",
	    "sysrq-trigger" };
	const unsigned long safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	struct fdname src;
	struct stat st;
	size_t i;
	int fd, procfd = -1, rv = -1;

	if ((fd = open_dir_beneath(rootfd, "proc", ep)) == -1)
		return (error_wrap(ep, "/proc"));
	rv = mount_fd("proc", fd, "proc", safe, NULL, "proc", ep);
	(void)close(fd);
	if (rv == -1 || (procfd = reopen_check(rootfd, "proc",
	    PROC_SUPER_MAGIC, ep)) == -1)
		return (error_wrap(ep, "/proc"));
	rv = -1;
	for (i = 0; i < sizeof(masked) / sizeof(masked[0]); i++) {
		if (proc_open(procfd, masked[i], &fd, ep) == -1)
			goto out;
		if (fd == -1)
			continue;
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
			rv = mount_fd("tmpfs", fd, "tmpfs", safe | MS_RDONLY,
			    "size=0,mode=555", "tmpfs over it", ep);
		else
			rv = mount_fd("/dev/null", fd, NULL, MS_BIND, NULL,
			    "/dev/null over it", ep);
		(void)close(fd);
		if (rv == -1) {
			error_wrap(ep, "mask '%s'", masked[i]);
			goto out;
		}
		rv = -1;
	}
	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		if (proc_open(procfd, ro[i], &fd, ep) == -1)
			goto out;
		if (fd == -1)
			continue;
		rv = mount_fd(fdname(&src, fd), fd, NULL, MS_BIND | MS_REC,
		    NULL, "bind", ep);
		(void)close(fd);
		/* A lookup from procfd crosses into the new bind mount. */
		if (rv == 0 && (fd = openat(procfd, ro[i], O_PATH |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			rv = error_set(ep, EX_OSERR, errno, "open");
		if (rv == 0) {
			rv = mount_fd(NULL, fd, NULL, MS_REMOUNT | MS_BIND |
			    MS_RDONLY | safe, NULL, "read-only", ep);
			(void)close(fd);
		}
		if (rv == -1) {
			error_wrap(ep, "protect '%s'", ro[i]);
			goto out;
		}
		rv = -1;
	}
	rv = 0;
out:
	sbx_close_fd(&procfd);
	if (rv == -1)
		error_wrap(ep, "/proc");
	return (rv);
}

static int
setup_dev(int rootfd, struct error *ep)
{
	static const char *const nodes[] = { "null", "zero", "full", "random",
	    "urandom", "tty" };
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
		{ "ptmx", "pts/ptmx" },
	};
	char src[32];
	size_t i;
	int fd, devfd = -1, rv = -1;

	if ((fd = open_dir_beneath(rootfd, "dev", ep)) == -1)
		return (error_wrap(ep, "/dev"));
	/*
	 * nodev: a node made here opens nothing.  The nodes bound below
	 * are mounts of the host's devtmpfs, which open is checked against.
	 */
	rv = mount_fd("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    "mode=755,size=64k", "tmpfs", ep);
	(void)close(fd);
	if (rv == -1 || (devfd = reopen_check(rootfd, "dev", TMPFS_MAGIC,
	    ep)) == -1)
		return (error_wrap(ep, "/dev"));
	/* From here on everything is in a tmpfs of ours: no symlinks. */
	rv = -1;
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if ((fd = openat(devfd, nodes[i], O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0644)) == -1) {
			error_set(ep, EX_OSERR, errno, "create '%s'", nodes[i]);
			goto out;
		}
		(void)snprintf(src, sizeof(src), "/dev/%s", nodes[i]);
		rv = mount_fd(src, fd, NULL, MS_BIND, NULL, src, ep);
		(void)close(fd);
		/* A host without that node (a minimal container): none. */
		if (rv == -1 && ep->errnum == ENOENT &&
		    access(src, F_OK) == -1) {
			(void)unlinkat(devfd, nodes[i], 0);
			rv = 0;
		}
		if (rv == -1)
			goto out;
		rv = -1;
	}
	if (mkdirat(devfd, "pts", 0755) == -1 || (fd = openat(devfd, "pts",
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		error_set(ep, EX_OSERR, errno, "mkdir 'pts'");
		goto out;
	}
	rv = mount_fd("devpts", fd, "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=620,gid=5", "devpts", ep);
	(void)close(fd);
	if (rv == -1)
		goto out;
	rv = -1;
	if (mkdirat(devfd, "shm", 01777) == -1 || (fd = openat(devfd, "shm",
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		error_set(ep, EX_OSERR, errno, "mkdir 'shm'");
		goto out;
	}
	rv = mount_fd("shm", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    "mode=1777,size=65536k", "tmpfs on 'shm'", ep);
	(void)close(fd);
	if (rv == -1)
		goto out;
	rv = -1;
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][1], devfd, links[i][0]) == -1) {
			error_set(ep, EX_OSERR, errno, "symlink '%s'",
			    links[i][0]);
			goto out;
		}
	rv = 0;
out:
	sbx_close_fd(&devfd);
	if (rv == -1)
		error_wrap(ep, "/dev");
	return (rv);
}

static int
setup_sys(int rootfd, struct error *ep)
{
	struct error e = ERROR_INIT;
	int fd, rv;

	/* Only for images that have the directory. */
	if ((fd = os_open_beneath(rootfd, "sys", O_PATH | O_DIRECTORY, 0,
	    &e)) == -1) {
		if (e.errnum == ENOENT || e.errnum == ENOTDIR)
			return (0);
		*ep = e;
		return (error_wrap(ep, "/sys"));
	}
	rv = mount_fd("sysfs", fd, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, NULL, "sysfs", ep);
	(void)close(fd);
	if (rv == -1)
		return (error_wrap(ep, "/sys"));
	return (0);
}

/* The mount flags a read-only remount must keep, from statvfs(3)'s. */
static unsigned long
kept_flags(unsigned long st)
{
	unsigned long f = 0;

	if (st & ST_NOSUID)
		f |= MS_NOSUID;
	if (st & ST_NODEV)
		f |= MS_NODEV;
	if (st & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (st & ST_NOATIME)
		f |= MS_NOATIME;
	if (st & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (st & ST_RELATIME)
		f |= MS_RELATIME;
	return (f);
}

/*
 * Remount the bind mount at fd with flags added.  A bind remount must
 * repeat the flags the mount has, or the kernel refuses it where they
 * are locked.
 */
static int
remount_bind(int fd, unsigned long flags, struct error *ep)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv) == -1)
		return (error_set(ep, EX_OSERR, errno, "statvfs"));
	return (mount_fd(NULL, fd, NULL, MS_REMOUNT | MS_BIND | flags |
	    kept_flags(sv.f_flag), NULL, "remount", ep));
}

static int
setup_volume(int rootfd, const struct sbx_mount *m, struct error *ep)
{
	struct fdname src;
	struct stat sst, tst;
	int sfd = -1, tfd = -1, rv = -1;

	if (m->source[0] != '/' || m->target[0] != '/') {
		error_set(ep, EX_DATAERR, 0, "paths must be absolute");
		goto out;
	}
	if ((sfd = open(m->source, O_PATH | O_CLOEXEC)) == -1) {
		error_set(ep, errno == ENOENT ? EX_NOINPUT : EX_OSERR, errno,
		    "open '%s'", m->source);
		goto out;
	}
	if (fstat(sfd, &sst) == -1) {
		error_set(ep, EX_OSERR, errno, "stat '%s'", m->source);
		goto out;
	}
	tfd = S_ISDIR(sst.st_mode) ? open_dir_beneath(rootfd, m->target, ep) :
	    open_file_beneath(rootfd, m->target, ep);
	if (tfd == -1 || mount_fd(fdname(&src, sfd), tfd, NULL,
	    MS_BIND | MS_REC, NULL, "bind", ep) == -1)
		goto out;
	sbx_close_fd(&tfd);
	if ((tfd = os_open_beneath(rootfd, m->target, O_PATH, 0, ep)) == -1)
		goto out;
	if (fstat(tfd, &tst) == -1 || tst.st_dev != sst.st_dev ||
	    tst.st_ino != sst.st_ino) {
		error_set(ep, EX_DATAERR, 0, "not where it was mounted");
		goto out;
	}
	/* nodev always: the app may make nodes in a writable volume. */
	if (remount_bind(tfd, MS_NODEV | (m->readonly ? MS_RDONLY : 0),
	    ep) == -1)
		goto out;
	rv = 0;
out:
	sbx_close_fd(&tfd);
	sbx_close_fd(&sfd);
	if (rv == -1)
		error_wrap(ep, "volume '%s' on '%s'", m->source, m->target);
	return (rv);
}

static int
setup_app(const struct sbx_app *app, struct error *ep)
{
	struct fdname src;
	size_t i;
	int rootfd = -1, rv = -1;

	if (app->nlowerdirs > 0 && overlay_mount(app, ep) == -1)
		goto out;
	if ((rootfd = open(app->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		error_set(ep, EX_NOINPUT, errno, "open '%s'", app->rootfs);
		goto out;
	}
	/*
	 * The root becomes a mount of its own: nodev, since a layer may
	 * carry device nodes (img-unpack makes them) and a root app may
	 * make them (CAP_MKNOD) with no device cgroup to stop it; and a
	 * mount point, for the app's pivot_root(2) in sbx_exec_app().
	 */
	if (mount_fd(fdname(&src, rootfd), rootfd, NULL, MS_BIND | MS_REC,
	    NULL, "bind", ep) == -1)
		goto out;
	sbx_close_fd(&rootfd);
	if ((rootfd = open(app->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		error_set(ep, EX_OSERR, errno, "open '%s'", app->rootfs);
		goto out;
	}
	if (remount_bind(rootfd, MS_NODEV, ep) == -1)
		goto out;
	if (setup_proc(rootfd, ep) == -1 || setup_dev(rootfd, ep) == -1 ||
	    setup_sys(rootfd, ep) == -1)
		goto out;
	for (i = 0; i < app->nmounts; i++)
		if (setup_volume(rootfd, &app->mounts[i], ep) == -1)
			goto out;
	rv = 0;
out:
	sbx_close_fd(&rootfd);
	if (rv == -1)
		error_wrap(ep, "app '%s'", app->name);
	return (rv);
}

static int
loopback_up(struct error *ep)
{
	struct ifreq ifr;
	int s, rv = -1;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (error_set(ep, EX_OSERR, errno, "socket"));
	(void)memset(&ifr, 0, sizeof(ifr));
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1)
		error_set(ep, EX_OSERR, errno, "get flags of 'lo'");
	else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) == -1)
			error_set(ep, EX_OSERR, errno, "bring 'lo' up");
		else
			rv = 0;
	}
	(void)close(s);
	return (rv);
}

/*
 * The supervisor's root: a tmpfs over the pod directory that holds only
 * apps/<name>/rootfs, each a recursive bind of the root setup_app() made
 * (roots[i], opened before the tmpfs hid them).  The pod directory itself
 * (state.json, pod.json, the logs, the overlay upper directories) stays
 * beneath, out of reach of every process of the pod whatever path it
 * resolves or link it follows: /proc/1/root is this tmpfs.  It is made
 * read-only once filled, and becomes "/" by pivot_root(2), the host's
 * root detached from beneath it.
 */
static int
sup_root(const struct sbx_pod *pod, const int *roots, struct error *ep)
{
	struct fdname src;
	struct statfs sf;
	size_t i;
	int fd, tfd = -1, afd = -1, nfd = -1, rfd = -1, rv = -1;

	if ((fd = open(pod->dir, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (error_set(ep, EX_OSERR, errno, "open '%s'", pod->dir));
	rv = mount_fd("berth-pod", fd, "tmpfs", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, "mode=755,size=64k,nr_inodes=4096", "tmpfs", ep);
	(void)close(fd);
	if (rv == -1)
		return (-1);
	rv = -1;
	/* The lookup crosses into what was just mounted on it. */
	if ((tfd = open(pod->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstatfs(tfd, &sf) == -1 ||
	    (unsigned long)sf.f_type != TMPFS_MAGIC) {
		error_set(ep, EX_OSERR, errno, "tmpfs not at '%s'", pod->dir);
		goto out;
	}
	if (mkdirat(tfd, "apps", 0755) == -1 || (afd = openat(tfd, "apps",
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		error_set(ep, EX_OSERR, errno, "mkdir 'apps'");
		goto out;
	}
	for (i = 0; i < pod->napps; i++) {
		/* App names are AC Names: one component each. */
		if (mkdirat(afd, pod->apps[i].name, 0755) == -1 ||
		    (nfd = openat(afd, pod->apps[i].name, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
		    mkdirat(nfd, "rootfs", 0755) == -1 || (rfd = openat(nfd,
		    "rootfs", O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC)) == -1) {
			error_set(ep, EX_OSERR, errno, "mkdir 'apps/%s/rootfs'",
			    pod->apps[i].name);
			goto out;
		}
		if (mount_fd(fdname(&src, roots[i]), rfd, NULL, MS_BIND |
		    MS_REC, NULL, "bind", ep) == -1) {
			error_wrap(ep, "app '%s'", pod->apps[i].name);
			goto out;
		}
		sbx_close_fd(&rfd);
		sbx_close_fd(&nfd);
	}
	if (fchdir(tfd) == -1 || syscall(SYS_pivot_root, ".", ".") == -1) {
		error_set(ep, EX_OSERR, errno, "pivot_root '%s'", pod->dir);
		goto out;
	}
	/*
	 * The host's root is stacked on ours: detach it, then "/" is the
	 * tmpfs, which nothing needs to write to again.
	 */
	if (umount2(".", MNT_DETACH) == -1 || chdir("/") == -1) {
		error_set(ep, EX_OSERR, errno, "detach the old root");
		goto out;
	}
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == -1) {
		error_set(ep, EX_OSERR, errno, "remount '/' read-only");
		goto out;
	}
	rv = 0;
out:
	sbx_close_fd(&rfd);
	sbx_close_fd(&nfd);
	sbx_close_fd(&afd);
	sbx_close_fd(&tfd);
	return (rv);
}

/*
 * The supervisor's side of sbx_start(), PID 1 of the new PID namespace:
 * wait for the cgroups, then make the rest of the sandbox.
 */
static int
child_setup(const struct sbx_pod *pod, int readyfd, int netfd,
    struct error *ep)
{
	mode_t omask;
	ssize_t n;
	size_t i;
	char c;
	int *roots, rv = -1;

	if (netfd >= 0 && setns(netfd, CLONE_NEWNET) == -1)
		return (error_set(ep, EX_OSERR, errno,
		    "join network namespace '%s'", pod->netns));
	/* Nothing we mount may propagate to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		return (error_set(ep, EX_OSERR, errno, "make mounts private"));
	roots = xcalloc(pod->napps + 1, sizeof(*roots));
	for (i = 0; i < pod->napps; i++)
		roots[i] = -1;
	/* Directories made beneath the roots are 0755 whatever our umask. */
	omask = umask(022);
	for (i = 0; i < pod->napps; i++) {
		if (setup_app(&pod->apps[i], ep) == -1)
			goto out;
		/* The mount setup_app() made there, before it is hidden. */
		if ((roots[i] = open(pod->apps[i].rootfs, O_PATH |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
			error_set(ep, EX_OSERR, errno, "open '%s'",
			    pod->apps[i].rootfs);
			goto out;
		}
	}
	if (sup_root(pod, roots, ep) == -1)
		goto out;
	if (pod->hostname != NULL && sethostname(pod->hostname,
	    strlen(pod->hostname)) == -1) {
		error_set(ep, EX_OSERR, errno, "set hostname '%s'",
		    pod->hostname);
		goto out;
	}
	if (netfd < 0 && loopback_up(ep) == -1)
		goto out;
	/*
	 * Meanwhile the monitor moved us into the pod's cgroups (on v1 a
	 * wait of milliseconds for an RCU grace period, now behind the
	 * mounts); then the cgroups we are in become the root of what we
	 * and the apps see.
	 */
	do
		n = read(readyfd, &c, 1);
	while (n == -1 && errno == EINTR);
	if (n != 1) {
		error_set(ep, EX_OSERR, 0, "the cgroups were not made");
		goto out;
	}
	if (unshare(CLONE_NEWCGROUP) == -1) {
		error_set(ep, errno == EINVAL ? EX_UNAVAILABLE : EX_OSERR,
		    errno, "new cgroup namespace");
		goto out;
	}
	rv = 0;
out:
	(void)umask(omask);
	for (i = 0; i < pod->napps; i++)
		sbx_close_fd(&roots[i]);
	free(roots);
	return (rv);
}

/*
 * What every process of ours that enters a pod does first: not dumpable
 * (no process of the pod may open its /proc/PID/{root,cwd,exe,fd} or
 * ptrace it while it still has the host's root or more privileges than
 * the apps; execve(2) of the app resets it), and a session keyring of
 * its own, empty and anonymous, so that neither the admin's session keys
 * nor one pod's keys are another's.
 */
static int
enter_prepare(struct error *ep)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return (error_set(ep, EX_OSERR, errno, "not dumpable"));
	/* A kernel without keys (ENOSYS) has no keyring to leak. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) == -1 &&
	    errno != ENOSYS)
		return (error_set(ep, EX_OSERR, errno,
		    "new session keyring"));
	return (0);
}

/* Wait for pid and describe how it ended. */
static void
reap(pid_t pid, char *buf, size_t len)
{
	int status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			(void)snprintf(buf, len, "lost");
			return;
		}
	if (WIFSIGNALED(status))
		(void)snprintf(buf, len, "killed by signal %d",
		    WTERMSIG(status));
	else
		(void)snprintf(buf, len, "exited %d", WEXITSTATUS(status));
}

pid_t
sbx_start(const struct sbx_pod *pod, struct error *ep)
{
	struct cgroup_limits lim;
	struct error ce, je;
	char how[64];
	int ready[2] = { -1, -1 }, report[2] = { -1, -1 };
	int pidnsfd = -1, netfd = -1, cgfd = -1, nsflags;
	pid_t pid = -1;
	bool made = false;

	if (geteuid() != 0)
		return (error_set(ep, EX_NOPERM, EPERM,
		    "a pod sandbox needs root"));
	if (sbx_validate_pod(pod, ep) == -1)
		return (-1);
	lim.memory = pod->memory;
	lim.cpu_millis = pod->cpu_millis;
	lim.pids = pod->pids;
	made = true;
	if (cgroup_create(pod->uuid, &lim, ep) == -1)
		goto fail;
	cgfd = cgroup_v2_fd(pod->uuid);
	if (pod->netns != NULL && (netfd = open(pod->netns,
	    O_RDONLY | O_CLOEXEC)) == -1) {
		error_set(ep, EX_NOINPUT, errno, "open network namespace '%s'",
		    pod->netns);
		goto fail;
	}
	/* ready: a socket, so that a child gone first is no SIGPIPE. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ready) == -1 ||
	    pipe2(report, O_CLOEXEC) == -1) {
		error_set(ep, EX_OSERR, errno, "pipe");
		goto fail;
	}
	/*
	 * Make a PID namespace for our next child, fork into it, and step
	 * back: fork(2) (or clone3 into the cgroup, see cgroup_fork())
	 * rather than clone(2) with CLONE_NEWPID and a stack of our own.
	 */
	if ((pidnsfd = open("/proc/self/ns/pid_for_children",
	    O_RDONLY | O_CLOEXEC)) == -1) {
		error_set(ep, EX_UNAVAILABLE, errno, "open our PID namespace");
		goto fail;
	}
	if (unshare(CLONE_NEWPID) == -1) {
		error_set(ep, errno == EINVAL ? EX_UNAVAILABLE : errno ==
		    EPERM ? EX_NOPERM : EX_OSERR, errno, "new PID namespace");
		goto fail;
	}
	/*
	 * On cgroup v2 the child starts in the pod's cgroup; otherwise we
	 * move it there once it runs (cgroup_join() below).
	 */
	pid = cgfd >= 0 ? cgroup_fork(cgfd) : -1;
	if (pid == -1 && (cgfd < 0 || errno == ENOSYS || errno == E2BIG ||
	    errno == EINVAL)) {
		sbx_close_fd(&cgfd);
		pid = fork();
	}
	if (pid == 0) {
		struct error e = ERROR_INIT;

		(void)close(ready[1]);
		(void)close(report[0]);
		(void)close(pidnsfd);
		if (cgfd >= 0)
			(void)close(cgfd);
		nsflags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
		if (netfd < 0)
			nsflags |= CLONE_NEWNET;
		if (enter_prepare(&e) == -1)
			;
		else if (unshare(nsflags) == -1)
			error_set(&e, errno == EINVAL ? EX_UNAVAILABLE :
			    EX_OSERR, errno, "new namespaces");
		else
			(void)child_setup(pod, ready[0], netfd, &e);
		(void)sbx_write_full(report[1], &e, sizeof(e));
		if (e.exit != 0)
			_exit(e.exit);
		(void)close(ready[0]);
		(void)close(report[1]);
		if (netfd >= 0)
			(void)close(netfd);
		return (0);
	}
	if (setns(pidnsfd, CLONE_NEWPID) == -1) {
		/* Every later fork of ours would land in the pod. */
		error_set(ep, EX_OSERR, errno, "return to our PID namespace");
		goto fail;
	}
	if (pid == -1) {
		error_set(ep, EX_OSERR, errno, "fork");
		goto fail;
	}
	sbx_close_fd(&ready[0]);
	sbx_close_fd(&report[1]);
	/*
	 * The child sets its mounts up meanwhile, and may fail first (then
	 * the join finds no process, ESRCH): its report says why.
	 */
	error_clear(&je);
	if ((cgfd >= 0 || cgroup_join(pod->uuid, pid, &je) == 0) &&
	    send(ready[1], "1", 1, MSG_NOSIGNAL) != 1 && errno != EPIPE)
		error_set(&je, EX_OSERR, errno, "start the supervisor");
	sbx_close_fd(&ready[1]);
	if (je.exit != 0 && je.errnum != ESRCH) {
		*ep = je;
		goto fail;
	}
	if (sbx_read_report(report[0], &ce) == -1) {
		reap(pid, how, sizeof(how));
		pid = -1;
		error_set(ep, EX_OSERR, 0, "pod sandbox: the supervisor %s "
		    "while setting up", how);
		goto fail;
	}
	if (ce.exit != 0) {
		*ep = ce;
		goto fail;
	}
	sbx_close_fd(&report[0]);
	sbx_close_fd(&pidnsfd);
	sbx_close_fd(&netfd);
	sbx_close_fd(&cgfd);
	return (pid);

fail:
	if (pid > 0) {
		(void)kill(pid, SIGKILL);
		reap(pid, how, sizeof(how));
	}
	sbx_close_fd(&ready[0]);
	sbx_close_fd(&ready[1]);
	sbx_close_fd(&report[0]);
	sbx_close_fd(&report[1]);
	sbx_close_fd(&pidnsfd);
	sbx_close_fd(&netfd);
	sbx_close_fd(&cgfd);
	if (made) {
		struct error te = ERROR_INIT;

		(void)cgroup_remove(pod->uuid, &te);
	}
	return (-1);
}

/* The capabilities a container keeps by default (Docker's, runc's). */
static bool
cap_default(unsigned int c)
{
	switch (c) {
	case CAP_CHOWN:
	case CAP_DAC_OVERRIDE:
	case CAP_FSETID:
	case CAP_FOWNER:
	case CAP_MKNOD:
	case CAP_NET_RAW:
	case CAP_SETGID:
	case CAP_SETUID:
	case CAP_SETFCAP:
	case CAP_SETPCAP:
	case CAP_NET_BIND_SERVICE:
	case CAP_SYS_CHROOT:
	case CAP_KILL:
	case CAP_AUDIT_WRITE:
		return (true);
	default:
		return (false);
	}
}

/*
 * The highest capability the kernel knows: /proc/sys/kernel/cap_last_cap
 * of the procfs we mounted (checked to be one, so an image cannot lower
 * it), else found by probing the bounding set.
 */
static unsigned int
cap_last(void)
{
	struct statfs sf;
	char buf[16];
	ssize_t n;
	unsigned long v;
	unsigned int c;
	int fd;

	if ((fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY |
	    O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		n = -1;
		if (fstatfs(fd, &sf) == 0 &&
		    (unsigned long)sf.f_type == PROC_SUPER_MAGIC)
			n = read(fd, buf, sizeof(buf) - 1);
		(void)close(fd);
		if (n > 0) {
			buf[n] = '\0';
			v = strtoul(buf, NULL, 10);
			if (v >= CAP_AUDIT_WRITE && v < 64)
				return ((unsigned int)v);
		}
	}
	for (c = 0; c < 63; c++)
		if (prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) == -1)
			break;
	return (c);
}

static int
caps_set(bool keep, struct error *ep)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
	uint64_t set = 0;
	unsigned int c;

	for (c = 0; c < 64 && keep; c++)
		if (cap_default(c))
			set |= (uint64_t)1 << c;
	(void)memset(&hdr, 0, sizeof(hdr));
	(void)memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	data[0].effective = data[0].permitted = data[0].inheritable =
	    (uint32_t)set;
	data[1].effective = data[1].permitted = data[1].inheritable =
	    (uint32_t)(set >> 32);
	if (syscall(SYS_capset, &hdr, data) == -1)
		return (error_set(ep, EX_OSERR, errno, "capset"));
	return (0);
}

static int
caps_bound(struct error *ep)
{
	unsigned int c, last;

	last = cap_last();
	for (c = 0; c <= last; c++) {
		if (cap_default(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == -1) {
			if (errno == EINVAL)
				break;
			return (error_set(ep, EX_OSERR, errno,
			    "drop capability %u", c));
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		return (error_set(ep, EX_OSERR, errno,
		    "clear ambient capabilities"));
	return (0);
}

_Noreturn void
sbx_exec_app(const struct sbx_pod *pod, const struct sbx_proc *proc,
    int errfd)
{
	struct sbx_exec x;
	struct error e = ERROR_INIT;
	struct stat rst, cst;
	const struct sbx_app *app;
	char root[PATH_MAX];
	int rootfd;

	app = sbx_exec_app_of(pod, proc, errfd);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "not dumpable: %s",
		    strerror(errno));
	/* In the supervisor's root (sup_root()); an AC Name is one name. */
	(void)snprintf(root, sizeof(root), "/apps/%s/rootfs", app->name);
	if ((rootfd = open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "open '%s': %s", root,
		    strerror(errno));
	sbx_exec_prepare(rootfd, proc, errfd, &x);
	/*
	 * A mount namespace of our own whose root is the app's root, the
	 * supervisor's detached: a chroot(2) alone is escaped by a root app
	 * with CAP_SYS_CHROOT (chroot to a subdirectory, then "..").
	 */
	if (unshare(CLONE_NEWNS) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "new mount namespace: %s",
		    strerror(errno));
	/*
	 * rootfd names the mount of the old namespace, which pivot_root
	 * refuses: go by path (the supervisor's read-only tmpfs, ours), and
	 * check it is still the same directory.
	 */
	if (fstat(rootfd, &rst) == -1 || chdir(root) == -1 ||
	    stat(".", &cst) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "chdir '%s': %s", root,
		    strerror(errno));
	if (rst.st_dev != cst.st_dev || rst.st_ino != cst.st_ino)
		sbx_exec_fail(errfd, EX_DATAERR, "'%s' changed", root);
	if (syscall(SYS_pivot_root, ".", ".") == -1 ||
	    umount2(".", MNT_DETACH) == -1 || chdir("/") == -1)
		sbx_exec_fail(errfd, EX_OSERR, "pivot_root '%s': %s", root,
		    strerror(errno));
	(void)close(rootfd);
	sbx_exec_rlimits();
	/* Without no_new_privs only CAP_SYS_ADMIN may load a filter. */
	if (proc->new_privs && proc->filter != NULL &&
	    sysfilter_load(proc->filter, false, &e) == -1)
		sbx_exec_fail_error(errfd, &e);
	/*
	 * Down to the default capabilities before anything the image names
	 * is touched: no CAP_SYS_ADMIN, no CAP_SYS_PTRACE (so no other
	 * process's /proc/PID/root either) from here on.
	 */
	if (caps_bound(&e) == -1 || caps_set(true, &e) == -1)
		sbx_exec_fail_error(errfd, &e);
	if (!proc->new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0,
	    0) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "no_new_privs: %s",
		    strerror(errno));
	/* Before the user changes: the image's cwd need not let it in. */
	sbx_exec_chdir(x.cwd, errfd);
	/* In the app's root: /dev/ptmx is its own devpts instance. */
	sbx_exec_pty(proc, -1, x.ids.uid, errfd);
	sbx_exec_tty(proc, errfd);
	if (setgroups(x.ids.ngroups, x.ids.groups) == -1 ||
	    setgid(x.ids.gid) == -1 || setuid(x.ids.uid) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "set user %lu group %lu: %s",
		    (unsigned long)x.ids.uid, (unsigned long)x.ids.gid,
		    strerror(errno));
	/* setuid() to non-root cleared the rest; clear inheritable too. */
	if (caps_set(x.ids.uid == 0, &e) == -1)
		sbx_exec_fail_error(errfd, &e);
	sbx_exec_close_fds(errfd);
	if (!proc->new_privs && proc->filter != NULL &&
	    sysfilter_load(proc->filter, true, &e) == -1)
		sbx_exec_fail_error(errfd, &e);
	sbx_exec_run(proc->argv, x.envp, errfd);
}

/*
 * Is the process of procfd PID 1 of a PID namespace below ours, as a
 * pod's supervisor is ("NSpid:\tHOST ... 1" in its status)?  An app of a
 * pod, a host process or one of ours never is.
 */
static bool
is_ns_init(int procfd)
{
	char buf[4096], *p, *nl, *last;
	ssize_t n;
	int fd, fields = 0;

	if ((fd = openat(procfd, "status", O_RDONLY | O_CLOEXEC)) == -1)
		return (false);
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return (false);
	buf[n] = '\0';
	if ((p = strstr(buf, "\nNSpid:")) == NULL)
		return (false);
	p += strlen("\nNSpid:");
	if ((nl = strchr(p, '\n')) != NULL)
		*nl = '\0';
	last = p;
	for (p = strtok(p, " \t"); p != NULL; p = strtok(NULL, " \t")) {
		last = p;
		fields++;
	}
	return (fields >= 2 && strcmp(last, "1") == 0);
}

int
sbx_enter(const struct sbx_pod *pod, pid_t pid, struct error *ep)
{
	/* mnt last: after it, the host paths above are gone. */
	static const struct {
		const char	*name;
		int		 type;
	} ns[] = {
		{ "cgroup", CLONE_NEWCGROUP },
		{ "ipc", CLONE_NEWIPC },
		{ "uts", CLONE_NEWUTS },
		{ "net", CLONE_NEWNET },
		{ "pid", CLONE_NEWPID },
		{ "mnt", CLONE_NEWNS },
	};
	int fds[sizeof(ns) / sizeof(ns[0])];
	struct stat pst;
	struct statfs sf;
	char path[PATH_MAX];
	size_t i;
	int procfd = -1, rv = -1;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		fds[i] = -1;
	if (stat(pod->dir, &pst) == -1)
		return (error_set(ep, EX_NOINPUT, errno, "pod directory '%s'",
		    pod->dir));
	(void)snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
	/*
	 * A /proc/<pid> descriptor goes stale (ESRCH) when the process
	 * exits, so what is read through it below is that process's, even
	 * if the pid is reused meanwhile.
	 */
	if (pid <= 0 || (procfd = open(path, O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		error_set(ep, EX_NOINPUT, ESRCH, "pod '%s' is not running",
		    pod->uuid);
		goto out;
	}
	/* The caller checked pid is the one state.json names. */
	if (!is_ns_init(procfd)) {
		error_set(ep, EX_NOINPUT, 0, "pod '%s' is not running (pid %ld "
		    "is not its supervisor)", pod->uuid, (long)pid);
		goto out;
	}
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		(void)snprintf(path, sizeof(path), "ns/%s", ns[i].name);
		if ((fds[i] = openat(procfd, path, O_RDONLY | O_CLOEXEC)) ==
		    -1) {
			error_set(ep, errno == ESRCH || errno == ENOENT ?
			    EX_NOINPUT : EX_OSERR, errno, "pod '%s': open "
			    "namespace '%s'", pod->uuid, ns[i].name);
			goto out;
		}
	}
	if (enter_prepare(ep) == -1)
		goto out;
	/* Before the cgroup namespace, which would hide the host's groups. */
	if (cgroup_join(pod->uuid, 0, ep) == -1) {
		error_wrap(ep, "pod '%s'", pod->uuid);
		goto out;
	}
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		if (setns(fds[i], ns[i].type) == -1) {
			error_set(ep, EX_OSERR, errno, "pod '%s': join "
			    "namespace '%s'", pod->uuid, ns[i].name);
			goto out;
		}
	if (chdir("/") == -1) {
		error_set(ep, EX_OSERR, errno, "chdir '/'");
		goto out;
	}
	/* What we joined has the supervisor's root (sup_root()). */
	if (statfs("/", &sf) == -1 ||
	    (unsigned long)sf.f_type != TMPFS_MAGIC) {
		error_set(ep, EX_NOINPUT, errno, "pod '%s' is not running "
		    "(pid %ld is not its supervisor)", pod->uuid, (long)pid);
		goto out;
	}
	for (i = 0; i < pod->napps; i++) {
		(void)snprintf(path, sizeof(path), "/apps/%s/rootfs",
		    pod->apps[i].name);
		if (stat(path, &pst) == -1 || !S_ISDIR(pst.st_mode)) {
			error_set(ep, EX_NOINPUT, errno, "pod '%s' is not "
			    "running (no app '%s' in pid %ld)", pod->uuid,
			    pod->apps[i].name, (long)pid);
			goto out;
		}
	}
	rv = 0;
out:
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		sbx_close_fd(&fds[i]);
	sbx_close_fd(&procfd);
	return (rv);
}

int
sbx_teardown(const struct sbx_pod *pod, struct error *ep)
{
	if (cgroup_remove(pod->uuid, ep) == -1)
		return (error_wrap(ep, "pod '%s'", pod->uuid));
	return (0);
}

int
sbx_proc_start_time(pid_t pid, uint64_t *startp)
{
	char path[64], buf[1024], *p, *end;
	ssize_t n;
	int fd, i;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (pid <= 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		errno = ESRCH;
		return (-1);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0) {
		errno = ESRCH;
		return (-1);
	}
	buf[n] = '\0';
	/* comm may hold spaces and ')': fields restart after the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL) {
		errno = EINVAL;
		return (-1);
	}
	p++;
	/* Field 3 (state) is the first after ')'; starttime is field 22. */
	for (i = 3; i < 22; i++) {
		while (*p == ' ')
			p++;
		while (*p != ' ' && *p != '\0')
			p++;
	}
	errno = 0;
	*startp = strtoull(p, &end, 10);
	if (end == p || errno != 0) {
		errno = EINVAL;
		return (-1);
	}
	return (0);
}
