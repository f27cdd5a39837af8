/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * FreeBSD implementation of common/platform.h: resolution beneath a root
 * by a component walk over O_RESOLVE_BENEATH, extattrs for "user."
 * attributes, chflagsat(2) for file flags.
 */
#include <sys/types.h>
#include <sys/extattr.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/error.h"
#include "common/platform.h"

const char *
os_name(void)
{
	return ("freebsd");
}

const char *
os_default_root(void)
{
	return ("/var/db/berth");
}

/*
 * O_RESOLVE_BENEATH refuses ".." above the starting directory and absolute
 * symlinks, but does not re-root them as Linux's RESOLVE_IN_ROOT does.
 * Layers are built against an image root, so symlinks must be followed as
 * if rootfd were "/".  Walk the path one component at a time:
 *
 * - w.dirfd is the directory reached so far and w.resolved its path below
 *   rootfd ("" for the root), made only of components that were real
 *   directories when we entered them (never symlinks);
 * - "." is skipped; ".." pops the last component of w.resolved and reopens
 *   that path from rootfd (O_RESOLVE_BENEATH), and at the root stays there;
 * - a symlink's target is spliced in front of the rest of the path, and an
 *   absolute target restarts the walk at the root;
 * - every other component is opened O_NOFOLLOW | O_RESOLVE_BENEATH from
 *   w.dirfd, so a symlink swapped in meanwhile fails rather than escapes.
 */
#define	MAXHOPS	40

struct walk {
	int	rootfd;
	int	dirfd;
	size_t	len;
	char	resolved[PATH_MAX];
};

static int
walk_fail(struct walk *w, const char *path, int errnum, struct error *ep)
{
	int ex;

	if (w->dirfd != -1)
		(void)close(w->dirfd);
	w->dirfd = -1;
	switch (errnum) {
	case ENOENT:
		ex = EX_NOINPUT;
		break;
	case ENOTCAPABLE:
	case EXDEV:
		return (error_set(ep, EX_DATAERR, errnum,
		    "open '%s': path escapes the root", path));
	case ELOOP:
	case ENAMETOOLONG:
		ex = EX_DATAERR;
		break;
	default:
		ex = EX_OSERR;
		break;
	}
	return (error_set(ep, ex, errnum, "open '%s'", path));
}

/* Go back to the root. */
static int
walk_root(struct walk *w)
{
	int fd;

	if ((fd = openat(w->rootfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (-1);
	if (w->dirfd != -1)
		(void)close(w->dirfd);
	w->dirfd = fd;
	w->len = 0;
	w->resolved[0] = '\0';
	return (0);
}

/* "..": drop the last resolved component; the root is its own parent. */
static int
walk_up(struct walk *w)
{
	char *slash;
	int fd;

	if (w->len == 0)
		return (0);
	slash = strrchr(w->resolved, '/');
	w->len = slash != NULL ? (size_t)(slash - w->resolved) : 0;
	w->resolved[w->len] = '\0';
	fd = openat(w->rootfd, w->len > 0 ? w->resolved : ".", O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC | O_RESOLVE_BENEATH);
	if (fd == -1)
		return (-1);
	(void)close(w->dirfd);
	w->dirfd = fd;
	return (0);
}

/* Enter the directory comp of w->dirfd, which must not be a symlink. */
static int
walk_down(struct walk *w, const char *comp)
{
	size_t n = strlen(comp);
	int fd;

	if (w->len + 1 + n >= sizeof(w->resolved)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = openat(w->dirfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC | O_RESOLVE_BENEATH)) == -1)
		return (-1);
	(void)close(w->dirfd);
	w->dirfd = fd;
	if (w->len > 0)
		w->resolved[w->len++] = '/';
	(void)memcpy(w->resolved + w->len, comp, n + 1);
	w->len += n;
	return (0);
}

int
os_open_beneath(int rootfd, const char *path, int flags, mode_t mode,
    struct error *ep)
{
	char work[PATH_MAX * 2], link[PATH_MAX], comp[NAME_MAX + 1];
	struct walk w = { .rootfd = rootfd, .dirfd = -1 };
	struct stat st;
	size_t n, rest;
	ssize_t ll;
	char *p;
	int fd, hops = 0, last;

	if (strlen(path) >= sizeof(work))
		return (walk_fail(&w, path, ENAMETOOLONG, ep));
	(void)strcpy(work, path);
	if (walk_root(&w) == -1)
		return (walk_fail(&w, path, errno, ep));
	p = work;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, "/");
		if (n > NAME_MAX)
			return (walk_fail(&w, path, ENAMETOOLONG, ep));
		(void)memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		while (*p == '/')
			p++;
		last = *p == '\0';
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (walk_up(&w) == -1)
				return (walk_fail(&w, path, errno, ep));
			continue;
		}
		if (fstatat(w.dirfd, comp, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno != ENOENT || !last ||
			    (flags & O_CREAT) == 0)
				return (walk_fail(&w, path, errno, ep));
			st.st_mode = 0;
		}
		if (S_ISLNK(st.st_mode) &&
		    (!last || (flags & O_NOFOLLOW) == 0)) {
			/* Splice the target in front of what is left. */
			if (++hops > MAXHOPS)
				return (walk_fail(&w, path, ELOOP, ep));
			if ((ll = readlinkat(w.dirfd, comp, link,
			    sizeof(link) - 1)) == -1)
				return (walk_fail(&w, path, errno, ep));
			link[ll] = '\0';
			rest = strlen(p);
			if ((size_t)ll + 1 + rest >= sizeof(work))
				return (walk_fail(&w, path, ENAMETOOLONG, ep));
			(void)memmove(work + ll + 1, p, rest + 1);
			(void)memcpy(work, link, (size_t)ll);
			work[ll] = '/';
			p = work;
			if (link[0] == '/' && walk_root(&w) == -1)
				return (walk_fail(&w, path, errno, ep));
			continue;
		}
		if (last) {
			fd = openat(w.dirfd, comp, flags | O_CLOEXEC |
			    O_NOFOLLOW | O_RESOLVE_BENEATH, mode);
			if (fd == -1)
				return (walk_fail(&w, path, errno, ep));
			(void)close(w.dirfd);
			return (fd);
		}
		if (walk_down(&w, comp) == -1)
			return (walk_fail(&w, path, errno, ep));
	}
	/* The path ended on a directory we reached ("", ".", "a/.."). */
	fd = openat(w.dirfd, ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
	if (fd == -1)
		return (walk_fail(&w, path, errno, ep));
	(void)close(w.dirfd);
	return (fd);
}

int
os_exec_sealed(char *const argv[], struct error *ep)
{
	/*
	 * A jail has no procfs unless the host mounts one, and pod-exec
	 * mounts none: linprocfs, for Linux images, has /proc/self/exe,
	 * which names the file of the process that reads it, and an app's
	 * processes are the app's own programs, never ours.  fexecve(2)
	 * here runs vnodes only, not shared memory.
	 */
	(void)argv;
	(void)ep;
	return (0);
}

int
os_mknodat(int dirfd, const char *name, mode_t mode, unsigned long major,
    unsigned long minor)
{
	/* Device nodes live in devfs only; a jail gets them from there. */
	if (!S_ISFIFO(mode)) {
		errno = ENOTSUP;
		return (-1);
	}
	return (mknodat(dirfd, name, mode, makedev(major, minor)));
}

int
os_fchmodat_nofollow(int dirfd, const char *name, mode_t mode)
{
	return (fchmodat(dirfd, name, mode, AT_SYMLINK_NOFOLLOW));
}

/* "user.NAME" is EXTATTR_NAMESPACE_USER "NAME"; nothing else maps. */
static const char *
extattr_user_name(const char *attr)
{
	if (strncmp(attr, "user.", 5) != 0 || attr[5] == '\0') {
		errno = ENOTSUP;
		return (NULL);
	}
	return (attr + 5);
}

int
os_fsetxattr(int fd, const char *attr, const void *value, size_t len)
{
	const char *name;
	ssize_t n;

	if ((name = extattr_user_name(attr)) == NULL)
		return (-1);
	n = extattr_set_fd(fd, EXTATTR_NAMESPACE_USER, name, value, len);
	if (n == -1)
		return (-1);
	if ((size_t)n != len) {
		errno = EIO;
		return (-1);
	}
	return (0);
}

/*
 * There is no extattr call at a directory fd and none for symlinks: open
 * the entry (never a symlink or a device, and O_NONBLOCK so that a FIFO
 * does not wait for a writer) and use the fd.
 */
static int
open_for_extattr(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (-1);
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) &&
	    !S_ISFIFO(st.st_mode)) {
		errno = ENOTSUP;
		return (-1);
	}
	return (openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC));
}

int
os_setxattrat(int dirfd, const char *name, const char *attr,
    const void *value, size_t len)
{
	int fd, rv, saved;

	if (extattr_user_name(attr) == NULL)
		return (-1);
	if ((fd = open_for_extattr(dirfd, name)) == -1)
		return (-1);
	rv = os_fsetxattr(fd, attr, value, len);
	saved = errno;
	(void)close(fd);
	errno = saved;
	return (rv);
}

ssize_t
os_getxattrat(int dirfd, const char *name, const char *attr, void *buf,
    size_t len)
{
	const char *ename;
	ssize_t n;
	int fd, saved;

	if ((ename = extattr_user_name(attr)) == NULL)
		return (-1);
	if ((fd = open_for_extattr(dirfd, name)) == -1)
		return (-1);
	n = extattr_get_fd(fd, EXTATTR_NAMESPACE_USER, ename, buf, len);
	saved = errno;
	(void)close(fd);
	errno = saved;
	return (n);
}

int
os_chflagsat(int dirfd, const char *name, unsigned long flags)
{
	return (chflagsat(dirfd, name, flags, AT_SYMLINK_NOFOLLOW));
}

/*
 * FreeBSD has no sync_file_range(2); its buffer cache starts writing dirty
 * data on its own, and ingest's final fsync(2) does the rest.
 */
void
os_writeback_start(int fd, off_t off, off_t len)
{
	(void)fd;
	(void)off;
	(void)len;
}
