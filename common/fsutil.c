/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * File helpers shared by every program: bounded whole-file reads, atomic
 * replacement (temporary name in the same directory, fsync, rename, fsync
 * of the directory), mkdir -p, flock(2) lock files that may be unlinked by
 * their holder, and tree walks (a recursive remove among them) that never
 * follow a symlink and hold a few descriptors whatever the depth.
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

/* ------------------------------------------------------------ tree walks */

/* One directory on the way down from the top of a walk. */
struct fswalk_level {
	dev_t	  dev;
	ino_t	  ino;
	char	 *name;		/* as entered from above; NULL at the top */
	char	**names;	/* its entries, read when it was entered */
	size_t	  nnames;
	size_t	  next;		/* names[next] is the next to hand out */
	size_t	  pathlen;	/* of w->path at this level */
};

struct fswalk {
	int			 fd;	/* the directory the walk is in */
	int			 flags;
	struct fswalk_level	*lv;	/* lv[0] the top, lv[depth] here */
	size_t			 depth;
	size_t			 cap;
	char			*top;	/* as given, for messages */
	char			*path;	/* below the top, "" at the top */
	size_t			 pathcap;
	char			*left;	/* the name fswalk_up() handed out */
};

static void
names_free(char **names, size_t n)
{
	while (n > 0)
		free(names[--n]);
	free(names);
}

/* "top/path" for messages, or top alone at the top. */
static const char *
walk_where(const struct fswalk *w, char *buf, size_t len)
{
	if (w->path[0] == '\0')
		return (w->top);
	(void)snprintf(buf, len, "%s/%s", w->top, w->path);
	return (buf);
}

static int
walk_err(const struct fswalk *w, int ex, int errnum, const char *op,
    const char *name, struct error *ep)
{
	char buf[512];

	if (name == NULL)
		return (error_set(ep, ex, errnum, "%s '%s'", op,
		    walk_where(w, buf, sizeof(buf))));
	return (error_set(ep, ex, errnum, "%s '%s' in '%s'", op, name,
	    walk_where(w, buf, sizeof(buf))));
}

/*
 * Read the names in the current directory (not "." or "..") into its
 * level, through a descriptor of its own: the walk's stays where it is.
 */
static int
walk_list(struct fswalk *w, struct error *ep)
{
	struct fswalk_level *l = &w->lv[w->depth];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int fd, saved;

	names_free(l->names, l->nnames);
	l->names = NULL;
	l->nnames = l->next = 0;
	if ((w->flags & FSWALK_NOLIST) != 0)
		return (0);
	if ((fd = openat(w->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return (walk_err(w, perm_or(errno, EX_IOERR), errno,
		    "open directory", NULL, ep));
	if ((d = fdopendir(fd)) == NULL) {
		saved = errno;
		(void)close(fd);
		return (walk_err(w, EX_OSERR, saved, "opendir", NULL, ep));
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (l->nnames == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			l->names = xreallocarray(l->names, cap,
			    sizeof(*l->names));
		}
		l->names[l->nnames++] = xstrdup(de->d_name);
		errno = 0;
	}
	saved = errno;
	(void)closedir(d);
	if (saved != 0)
		return (walk_err(w, EX_IOERR, saved, "readdir", NULL, ep));
	return (0);
}

/* Make fd (entered as name; NULL for the top) the current directory. */
static int
walk_enter(struct fswalk *w, int fd, const char *name, struct error *ep)
{
	struct fswalk_level *l;
	struct stat st;
	size_t n, len, need;
	int saved;

	if (fstat(fd, &st) == -1) {
		saved = errno;
		(void)close(fd);
		return (walk_err(w, EX_IOERR, saved, "stat", name, ep));
	}
	/* Unprivileged, a read-only directory must be opened up first. */
	if ((w->flags & FSWALK_OPEN_UP) != 0 &&
	    (st.st_mode & S_IRWXU) != S_IRWXU)
		(void)fchmod(fd, (st.st_mode & 07777) | S_IRWXU);
	n = name == NULL ? 0 : w->depth + 1;
	if (n >= w->cap) {
		w->cap = w->cap == 0 ? 16 : w->cap * 2;
		w->lv = xreallocarray(w->lv, w->cap, sizeof(*w->lv));
	}
	if (name != NULL) {
		len = strlen(w->path);
		need = len + 1 + strlen(name) + 1;
		if (need > w->pathcap) {
			w->pathcap = need > w->pathcap * 2 ? need :
			    w->pathcap * 2;
			w->path = xrealloc(w->path, w->pathcap);
		}
		(void)snprintf(w->path + len, w->pathcap - len, "%s%s",
		    len > 0 ? "/" : "", name);
		(void)close(w->fd);
	}
	l = &w->lv[n];
	(void)memset(l, 0, sizeof(*l));
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->name = name != NULL ? xstrdup(name) : NULL;
	l->pathlen = strlen(w->path);
	w->depth = n;
	w->fd = fd;
	return (walk_list(w, ep));
}

struct fswalk *
fswalk_open(int atfd, const char *path, int flags, struct error *ep)
{
	struct fswalk *w;
	int fd;

	if ((fd = openat(atfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		error_set(ep, errno == ENOENT ? EX_NOINPUT :
		    perm_or(errno, EX_IOERR), errno, "open directory '%s'",
		    path);
		return (NULL);
	}
	w = xcalloc(1, sizeof(*w));
	w->fd = -1;
	w->flags = flags;
	w->top = xstrdup(path);
	w->pathcap = 64;
	w->path = xmalloc(w->pathcap);
	w->path[0] = '\0';
	if (walk_enter(w, fd, NULL, ep) == -1) {
		fswalk_close(w);
		return (NULL);
	}
	return (w);
}

int
fswalk_next(struct fswalk *w, const char **namep)
{
	struct fswalk_level *l = &w->lv[w->depth];

	if (l->next == l->nnames)
		return (0);
	*namep = l->names[l->next++];
	return (1);
}

int
fswalk_rescan(struct fswalk *w, struct error *ep)
{
	if (walk_list(w, ep) == -1)
		return (-1);
	return (w->lv[w->depth].nnames > (size_t)INT_MAX ? INT_MAX :
	    (int)w->lv[w->depth].nnames);
}

int
fswalk_down(struct fswalk *w, const char *name, struct error *ep)
{
	int fd;

	if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || name[0] == '\0')
		return (walk_err(w, EX_SOFTWARE, EINVAL, "enter", name, ep));
	/* O_NOFOLLOW: a symlink swapped in for the directory is not entered. */
	if ((fd = openat(w->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (walk_err(w, errno == ENOENT ? EX_NOINPUT :
		    perm_or(errno, EX_IOERR), errno, "open directory", name,
		    ep));
	return (walk_enter(w, fd, name, ep));
}

int
fswalk_up(struct fswalk *w, const char **namep, struct error *ep)
{
	struct fswalk_level *l, *p;
	struct stat st;
	int fd, saved;

	if (w->depth == 0)
		return (walk_err(w, EX_SOFTWARE, 0, "go above the top of",
		    NULL, ep));
	l = &w->lv[w->depth];
	p = &w->lv[w->depth - 1];
	/*
	 * ".." is where the directory is now: if it moved, that may be
	 * outside the tree, so it must be the parent it was entered from.
	 */
	if ((fd = openat(w->fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return (walk_err(w, perm_or(errno, EX_IOERR), errno,
		    "open the parent of", NULL, ep));
	if (fstat(fd, &st) == -1) {
		saved = errno;
		(void)close(fd);
		return (walk_err(w, EX_IOERR, saved, "stat the parent of",
		    NULL, ep));
	}
	if (st.st_dev != p->dev || st.st_ino != p->ino) {
		(void)close(fd);
		return (walk_err(w, EX_TEMPFAIL, 0, "moved during the walk:",
		    NULL, ep));
	}
	(void)close(w->fd);
	w->fd = fd;
	free(w->left);
	w->left = l->name;
	names_free(l->names, l->nnames);
	w->depth--;
	w->path[p->pathlen] = '\0';
	if (namep != NULL)
		*namep = w->left;
	return (0);
}

int
fswalk_fd(const struct fswalk *w)
{
	return (w->fd);
}

size_t
fswalk_depth(const struct fswalk *w)
{
	return (w->depth);
}

const char *
fswalk_path(const struct fswalk *w)
{
	return (w->path);
}

void
fswalk_close(struct fswalk *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; w->lv != NULL && i <= w->depth; i++) {
		free(w->lv[i].name);
		names_free(w->lv[i].names, w->lv[i].nnames);
	}
	if (w->fd != -1)
		(void)close(w->fd);
	free(w->lv);
	free(w->top);
	free(w->path);
	free(w->left);
	free(w);
}

/*
 * One entry of a directory being emptied: a directory is entered (its
 * contents go first), anything else removed.
 */
static int
rm_entry(struct fswalk *w, const char *name, struct error *ep)
{
	struct stat st;
	int fd = fswalk_fd(w);

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return (0);
		return (walk_err(w, perm_or(errno, EX_IOERR), errno, "stat",
		    name, ep));
	}
	if (S_ISDIR(st.st_mode)) {
		if (fswalk_down(w, name, ep) == 0)
			return (0);
		if (ep->errnum == ENOENT) {
			error_clear(ep);
			return (0);
		}
		/* Replaced by something else meanwhile: removed as that. */
		if (ep->errnum != ENOTDIR && ep->errnum != ELOOP)
			return (-1);
		error_clear(ep);
	}
	if (unlinkat(fd, name, 0) == -1 && errno != ENOENT)
		return (walk_err(w, perm_or(errno, EX_IOERR), errno, "remove",
		    name, ep));
	return (0);
}

/*
 * Empty the tree of w, deepest first, holding one descriptor (the walk's)
 * whatever its depth.  A directory is read again once emptied, for what
 * appeared meanwhile, and removed from its parent on the way back up.
 */
static int
rm_walk(struct fswalk *w, struct error *ep)
{
	const char *name;
	int r;

	for (;;) {
		if (fswalk_next(w, &name) == 1) {
			if (rm_entry(w, name, ep) == -1)
				return (-1);
			continue;
		}
		if ((r = fswalk_rescan(w, ep)) == -1)
			return (-1);
		if (r > 0)
			continue;
		if (fswalk_depth(w) == 0)
			return (0);
		if (fswalk_up(w, &name, ep) == -1)
			return (-1);
		/* Not empty: something arrived, which the next read finds. */
		if (unlinkat(fswalk_fd(w), name, AT_REMOVEDIR) == -1 &&
		    errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
			return (walk_err(w, perm_or(errno, EX_IOERR), errno,
			    "remove directory", name, ep));
	}
}

static int
rm_tree(int atfd, const char *path, int flags, struct error *ep)
{
	struct fswalk *w;
	struct stat st;
	const char *base;
	int rv;

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
	/* If it became a symlink since the stat, fswalk_open() fails. */
	if ((w = fswalk_open(atfd, path, flags, ep)) == NULL) {
		if (ep->errnum != ENOENT)
			return (-1);
		error_clear(ep);
		return (0);
	}
	rv = rm_walk(w, ep);
	fswalk_close(w);
	if (rv == -1)
		return (-1);
	if (unlinkat(atfd, path, AT_REMOVEDIR) == -1 && errno != ENOENT)
		return (error_set(ep, perm_or(errno, EX_IOERR), errno,
		    "remove directory '%s'", path));
	return (0);
}

int
rm_rf_at(int atfd, const char *path, struct error *ep)
{
	return (rm_tree(atfd, path, 0, ep));
}

int
rm_rf_open_at(int atfd, const char *path, struct error *ep)
{
	return (rm_tree(atfd, path, FSWALK_OPEN_UP, ep));
}
