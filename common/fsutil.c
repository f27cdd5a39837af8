/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * File helpers shared by every program: bounded whole-file reads, atomic
 * replacement (temporary name in the same directory, fsync, rename, fsync
 * of the directory), mkdir -p, flock(2) lock files that may be unlinked by
 * their holder, and a recursive remove that never follows a symlink.
 * Everything is relative to a directory fd and opened with O_CLOEXEC.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fsutil.h"
#include "common/xalloc.h"

/*
 * Makes temporary names unique among the threads of one process (the pid
 * makes them unique among processes).  The one piece of mutable state in
 * this file; it carries no meaning beyond uniqueness.
 */
static atomic_ulong tmp_counter;

static int
perm_or(int err, int dflt)
{
	if (err == EACCES || err == EPERM || err == EROFS)
		return (EX_NOPERM);
	return (dflt);
}

int
write_all(int fd, const void *buf, size_t len, struct error *ep)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (error_set(ep, EX_IOERR, errno, "write"));
		}
		if (n == 0)
			return (error_set(ep, EX_IOERR, 0,
			    "write: no progress"));
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

int
write_line(int fd, const char *what, const char *s, struct error *ep)
{
	size_t len = strlen(s);
	char *buf;
	int rv;

	buf = xmalloc(len + 1);
	(void)memcpy(buf, s, len);
	buf[len] = '\n';
	rv = write_all(fd, buf, len + 1, ep);
	free(buf);
	if (rv == -1)
		return (error_set(ep, EX_IOERR, ep->errnum, "%s", what));
	return (0);
}

int
file_read_all(int atfd, const char *path, size_t max, char **bufp,
    size_t *lenp, struct error *ep)
{
	struct stat st;
	char *buf = NULL;
	size_t cap, len = 0;
	ssize_t n;
	int fd, rv = -1;

	*bufp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2;
	if ((fd = openat(atfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) ==
	    -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return (error_set(ep, EX_NOINPUT, errno, "open '%s'",
			    path));
		return (error_set(ep, perm_or(errno, EX_NOINPUT), errno,
		    "open '%s'", path));
	}
	if (fstat(fd, &st) == -1) {
		error_set(ep, EX_IOERR, errno, "stat '%s'", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		error_set(ep, EX_NOINPUT, EISDIR, "read '%s'", path);
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > (uintmax_t)max) {
		error_set(ep, EX_DATAERR, 0, "'%s': larger than %zu bytes",
		    path, max);
		goto out;
	}
	/* Room for the whole file, one more byte to see EOF, and the NUL. */
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 2 : 8192;
	if (cap > max + 2)
		cap = max + 2;
	buf = xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= max + 2)
				break;
			cap = cap > (max + 2) / 2 ? max + 2 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			error_set(ep, EX_IOERR, errno, "read '%s'", path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		error_set(ep, EX_DATAERR, 0, "'%s': larger than %zu bytes",
		    path, max);
		goto out;
	}
	buf[len] = '\0';
	*bufp = buf;
	buf = NULL;
	if (lenp != NULL)
		*lenp = len;
	rv = 0;
out:
	free(buf);
	(void)close(fd);
	return (rv);
}

/*
 * Split path into the directory that holds its last component, opened as
 * *dfdp (-1 when it is atfd itself), and that component.
 */
static int
open_parent(int atfd, const char *path, int *dfdp, const char **namep,
    struct error *ep)
{
	const char *slash;
	char *dir;
	int dfd;

	*dfdp = -1;
	slash = strrchr(path, '/');
	*namep = slash == NULL ? path : slash + 1;
	if (**namep == '\0' || strcmp(*namep, ".") == 0 ||
	    strcmp(*namep, "..") == 0)
		return (error_set(ep, EX_CANTCREAT, EINVAL, "'%s'", path));
	if (slash == NULL) {
		if (atfd != AT_FDCWD)
			return (0);
		dir = xstrdup(".");
	} else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	dfd = openat(atfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1) {
		error_set(ep, perm_or(errno, EX_CANTCREAT), errno,
		    "open directory '%s'", dir);
		free(dir);
		return (-1);
	}
	free(dir);
	*dfdp = dfd;
	return (0);
}

int
file_write_atomic(int atfd, const char *path, const void *buf, size_t len,
    mode_t mode, struct error *ep)
{
	char tmp[NAME_MAX + 1];
	const char *name;
	int dfd, pfd, fd = -1, rv = -1, n;

	if (open_parent(atfd, path, &pfd, &name, ep) == -1)
		return (-1);
	dfd = pfd != -1 ? pfd : atfd;
	n = snprintf(tmp, sizeof(tmp), ".%s.tmp.%ld.%lu", name, (long)getpid(),
	    atomic_fetch_add(&tmp_counter, 1));
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		error_set(ep, EX_CANTCREAT, ENAMETOOLONG, "write '%s'", path);
		goto out;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, mode);
	if (fd == -1) {
		error_set(ep, perm_or(errno, EX_CANTCREAT), errno,
		    "create a temporary file for '%s'", path);
		goto out;
	}
	if (write_all(fd, buf, len, ep) == -1) {
		error_wrap(ep, "'%s'", path);
		goto fail;
	}
	if (fsync(fd) == -1) {
		error_set(ep, EX_IOERR, errno, "fsync '%s'", path);
		goto fail;
	}
	n = close(fd);
	fd = -1;
	if (n == -1) {
		error_set(ep, EX_IOERR, errno, "close '%s'", path);
		goto fail;
	}
	if (renameat(dfd, tmp, dfd, name) == -1) {
		error_set(ep, perm_or(errno, EX_CANTCREAT), errno,
		    "rename onto '%s'", path);
		goto fail;
	}
	/* The rename itself must survive a crash too. */
	if (fsync(dfd) == -1 && errno != EINVAL) {
		error_set(ep, EX_IOERR, errno, "fsync the directory of '%s'",
		    path);
		goto out;
	}
	rv = 0;
	goto out;
fail:
	(void)unlinkat(dfd, tmp, 0);
out:
	if (fd != -1)
		(void)close(fd);
	if (pfd != -1)
		(void)close(pfd);
	return (rv);
}

/* Create one directory; an existing directory is fine. */
static int
mkdir_one(int atfd, const char *path, mode_t mode, struct error *ep)
{
	struct stat st;

	if (mkdirat(atfd, path, mode) == 0)
		return (0);
	if (errno != EEXIST)
		return (error_set(ep, perm_or(errno, EX_CANTCREAT), errno,
		    "mkdir '%s'", path));
	if (fstatat(atfd, path, &st, 0) == -1)
		return (error_set(ep, EX_CANTCREAT, errno, "stat '%s'", path));
	if (!S_ISDIR(st.st_mode))
		return (error_set(ep, EX_CANTCREAT, ENOTDIR, "mkdir '%s'",
		    path));
	return (0);
}

int
mkdir_p(int atfd, const char *path, mode_t mode, struct error *ep)
{
	char *p, *s;
	int rv = -1;

	if (*path == '\0')
		return (error_set(ep, EX_CANTCREAT, ENOENT, "mkdir ''"));
	p = xstrdup(path);
	/* Each prefix ending before a '/', then the whole path. */
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/' || s[-1] == '/')
			continue;
		*s = '\0';
		if (mkdir_one(atfd, p, mode, ep) == -1)
			goto out;
		*s = '/';
	}
	rv = mkdir_one(atfd, p, mode, ep);
out:
	free(p);
	return (rv);
}

int
lock_take(int atfd, const char *path, bool exclusive, bool nonblock,
    struct error *ep)
{
	struct stat fst, pst;
	int fd, op, saved;

	op = (exclusive ? LOCK_EX : LOCK_SH) | (nonblock ? LOCK_NB : 0);
	for (;;) {
		fd = openat(atfd, path, O_RDWR | O_CREAT | O_CLOEXEC |
		    O_NOFOLLOW | O_NOCTTY, 0600);
		/* A reader may share a lock file it cannot write. */
		if (fd == -1 && (errno == EACCES || errno == EROFS) &&
		    !exclusive) {
			saved = errno;
			fd = openat(atfd, path, O_RDONLY | O_CLOEXEC |
			    O_NOFOLLOW | O_NOCTTY);
			if (fd == -1 && errno == ENOENT)
				errno = saved;
		}
		if (fd == -1)
			return (error_set(ep, perm_or(errno, EX_CANTCREAT),
			    errno, "open lock '%s'", path));
		while (flock(fd, op) == -1) {
			if (errno == EINTR)
				continue;
			(void)close(fd);
			if (errno == EWOULDBLOCK)
				return (error_set(ep, EX_TEMPFAIL, 0,
				    "'%s' is locked by another process",
				    path));
			return (error_set(ep, EX_OSERR, errno, "flock '%s'",
			    path));
		}
		/*
		 * The holder before us may have unlinked the file (only a
		 * holder may): then we locked an orphan and must start over
		 * with whatever is at path now.
		 */
		if (fstat(fd, &fst) == -1) {
			error_set(ep, EX_OSERR, errno, "stat lock '%s'", path);
			(void)close(fd);
			return (-1);
		}
		if (fstatat(atfd, path, &pst, AT_SYMLINK_NOFOLLOW) == 0 &&
		    pst.st_dev == fst.st_dev && pst.st_ino == fst.st_ino)
			return (fd);
		(void)close(fd);
	}
}

void
lock_release(int fd)
{
	int saved = errno;

	if (fd >= 0)
		(void)close(fd);
	errno = saved;
}

int
lock_unlink(int atfd, const char *path, int fd)
{
	int rv = 0;

	if (fd < 0)
		return (0);
	if (unlinkat(atfd, path, 0) == -1 && errno != ENOENT)
		rv = -1;
	lock_release(fd);
	return (rv);
}

/* Remove every entry of the open directory dfd (named path in messages). */
static int
empty_dir(int dfd, const char *path, struct error *ep)
{
	struct dirent *de;
	DIR *d;
	bool again;
	int rv = -1;

	if ((d = fdopendir(dfd)) == NULL) {
		error_set(ep, EX_OSERR, errno, "opendir '%s'", path);
		(void)close(dfd);
		return (-1);
	}
	/*
	 * Removing entries while reading may make readdir skip some on a few
	 * filesystems: read again until a pass finds nothing.
	 */
	do {
		again = false;
		errno = 0;
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (rm_rf_at(dirfd(d), de->d_name, ep) == -1) {
				error_wrap(ep, "'%s'", path);
				goto out;
			}
			again = true;
			errno = 0;
		}
		if (errno != 0) {
			error_set(ep, EX_IOERR, errno, "readdir '%s'", path);
			goto out;
		}
		rewinddir(d);
	} while (again);
	rv = 0;
out:
	(void)closedir(d);
	return (rv);
}

int
rm_rf_at(int atfd, const char *path, struct error *ep)
{
	struct stat st;
	const char *base;
	int dfd;

	base = strrchr(path, '/');
	base = base == NULL ? path : base + 1;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return (error_set(ep, EX_SOFTWARE, EINVAL, "remove '%s'",
		    path));
	if (fstatat(atfd, path, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return (0);
		return (error_set(ep, perm_or(errno, EX_IOERR), errno,
		    "stat '%s'", path));
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(atfd, path, 0) == -1 && errno != ENOENT)
			return (error_set(ep, perm_or(errno, EX_IOERR), errno,
			    "remove '%s'", path));
		return (0);
	}
	/* O_NOFOLLOW: if it became a symlink since the stat, fail. */
	dfd = openat(atfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (dfd == -1)
		return (error_set(ep, perm_or(errno, EX_IOERR), errno,
		    "open directory '%s'", path));
	if (empty_dir(dfd, path, ep) == -1)
		return (-1);
	if (unlinkat(atfd, path, AT_REMOVEDIR) == -1 && errno != ENOENT)
		return (error_set(ep, perm_or(errno, EX_IOERR), errno,
		    "remove directory '%s'", path));
	return (0);
}
