/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The dir storage driver: a complete tree per layer chain, made by copying
 * the parent chain's tree and applying the layer on the copy (whiteouts
 * delete).  Works on any filesystem; the copy shares data blocks where the
 * filesystem can clone files and otherwise copies inside the kernel.  Also
 * the tree copier itself (driver_copy_tree()), which pod-render can use to
 * give an app its own copy of a rootfs.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/driver.h"
#include "common/driver_impl.h"
#include "common/error.h"
#include "common/fsutil.h"
#include "common/layer.h"
#include "common/log.h"
#include "common/platform.h"
#include "common/platform_driver.h"
#include "common/xalloc.h"

/* "No such attribute": ENODATA on Linux, ENOATTR on the BSDs. */
#ifndef ENOATTR
#define	ENOATTR	ENODATA
#endif

#define	COPY_BUF	(256 * 1024)
#define	COPY_XLIST_MAX	(64 * 1024)
#define	COPY_XVAL_MAX	(64 * 1024)

/* A file with several links, by the path of its first copy. */
struct hl {
	dev_t	 dev;
	ino_t	 ino;
	char	*path;		/* relative to the destination root */
};

struct copier {
	bool		 privileged;
	bool		 try_clone;	/* until the filesystem says no */
	bool		 try_cfr;	/* copy_file_range */
	uid_t		 euid;
	gid_t		 egid;
	int		 dstroot;	/* the new tree's root */
	char		*path;		/* entry being copied, relative */
	size_t		 pathlen;
	size_t		 pathcap;
	struct stat	*dirs;		/* dirs[d]: source directory at depth d */
	size_t		 ndirs;
	struct hl	*hl;		/* open addressing, nhl slots */
	size_t		 nhl;
	size_t		 hlused;
	unsigned char	*buf;
	char		*xlist;
	unsigned char	*xval;
	uint64_t	 skipped;
	uint64_t	 xskipped;
};

static const char *
cpath(const struct copier *c)
{
	return (c->pathlen == 0 ? "." : c->path);
}

/* Paths are as deep as the tree, which may be deeper than PATH_MAX. */
static void
path_push(struct copier *c, const char *name)
{
	size_t n = strlen(name);

	if (c->pathlen + n + 2 > c->pathcap) {
		c->pathcap = c->pathlen + n + 2 > c->pathcap * 2 ?
		    c->pathlen + n + 2 : c->pathcap * 2;
		c->path = xrealloc(c->path, c->pathcap);
	}
	if (c->pathlen > 0)
		c->path[c->pathlen++] = '/';
	(void)memcpy(c->path + c->pathlen, name, n + 1);
	c->pathlen += n;
}

/* Back to the parent of the entry being copied. */
static void
path_pop(struct copier *c)
{
	char *slash = strrchr(c->path, '/');

	c->pathlen = slash != NULL ? (size_t)(slash - c->path) : 0;
	c->path[c->pathlen] = '\0';
}

static int
cerr(struct copier *c, int ex, int errnum, const char *op, struct error *ep)
{
	return (error_set(ep, ex, errnum, "copy '%s': %s", cpath(c), op));
}

/* ------------------------------------------------------------ hardlinks */

static size_t
hl_slot(const struct copier *c, dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ULL ^ (uint64_t)dev;
	size_t i = (size_t)(h % c->nhl);

	while (c->hl[i].path != NULL &&
	    !(c->hl[i].dev == dev && c->hl[i].ino == ino))
		i = (i + 1) % c->nhl;
	return (i);
}

static const char *
hl_get(const struct copier *c, const struct stat *st)
{
	if (c->nhl == 0)
		return (NULL);
	return (c->hl[hl_slot(c, st->st_dev, st->st_ino)].path);
}

static void
hl_put(struct copier *c, const struct stat *st)
{
	struct hl *old = c->hl;
	size_t i, n = c->nhl, s;

	if ((c->hlused + 1) * 2 > c->nhl) {
		c->nhl = n == 0 ? 256 : n * 2;
		c->hl = xcalloc(c->nhl, sizeof(*c->hl));
		for (i = 0; i < n; i++)
			if (old[i].path != NULL)
				c->hl[hl_slot(c, old[i].dev, old[i].ino)] =
				    old[i];
		free(old);
	}
	s = hl_slot(c, st->st_dev, st->st_ino);
	c->hl[s].dev = st->st_dev;
	c->hl[s].ino = st->st_ino;
	c->hl[s].path = xstrdup(c->path);
	c->hlused++;
}

/* ------------------------------------------------------------ metadata */

static bool
xattr_soft_error(int errnum)
{
	return (errnum == EPERM || errnum == EACCES || errnum == ENOTSUP ||
	    errnum == EOPNOTSUPP || errnum == EINVAL);
}

/*
 * Copy the extended attributes of the source (open fd sfd, or
 * sdir/name when sfd is -1) to the destination likewise.  What the
 * destination refuses for lack of privilege or support is counted.
 */
static int
copy_xattrs(struct copier *c, int sfd, int sdir, int dfd, int ddir,
    const char *name, struct error *ep)
{
	ssize_t len, vlen;
	const char *a;
	int r;

	if (sfd != -1)
		len = os_flistxattr(sfd, c->xlist, COPY_XLIST_MAX);
	else
		len = os_listxattrat(sdir, name, c->xlist, COPY_XLIST_MAX);
	if (len == -1)
		return (cerr(c, EX_OSERR, errno, "list xattrs", ep));
	for (a = c->xlist; a < c->xlist + len; a += strlen(a) + 1) {
		if (sfd != -1)
			vlen = os_fgetxattr(sfd, a, c->xval, COPY_XVAL_MAX);
		else
			vlen = os_getxattrat(sdir, name, a, c->xval,
			    COPY_XVAL_MAX);
		if (vlen == -1) {
			/* Gone meanwhile, or not ours to read. */
			if (errno == ENOATTR || xattr_soft_error(errno)) {
				c->xskipped++;
				continue;
			}
			return (cerr(c, EX_OSERR, errno, "get xattr", ep));
		}
		if (dfd != -1)
			r = os_fsetxattr(dfd, a, c->xval, (size_t)vlen);
		else
			r = os_setxattrat(ddir, name, a, c->xval,
			    (size_t)vlen);
		if (r == -1) {
			if (xattr_soft_error(errno)) {
				c->xskipped++;
				continue;
			}
			return (cerr(c, EX_OSERR, errno, "set xattr", ep));
		}
	}
	return (0);
}

static bool
need_chown(const struct copier *c, const struct stat *st)
{
	return (c->privileged && (st->st_uid != c->euid ||
	    st->st_gid != c->egid));
}

static void
stat_times(const struct stat *st, struct timespec ts[2])
{
	ts[0] = st->st_atim;
	ts[1] = st->st_mtim;
}

/* Owner, mode, xattrs and times of an open file or directory. */
static int
meta_fd(struct copier *c, int sfd, int dfd, const struct stat *st,
    struct error *ep)
{
	struct timespec ts[2];

	if (need_chown(c, st) && fchown(dfd, st->st_uid, st->st_gid) == -1)
		return (cerr(c, EX_OSERR, errno, "chown", ep));
	if (fchmod(dfd, st->st_mode & 07777) == -1)
		return (cerr(c, EX_OSERR, errno, "chmod", ep));
	if (copy_xattrs(c, sfd, -1, dfd, -1, NULL, ep) == -1)
		return (-1);
	stat_times(st, ts);
	if (futimens(dfd, ts) == -1)
		return (cerr(c, EX_OSERR, errno, "set times", ep));
	return (0);
}

/* The same for a symlink or special file at ddir/name, never followed. */
static int
meta_at(struct copier *c, int sdir, int ddir, const char *name,
    const struct stat *st, struct error *ep)
{
	struct timespec ts[2];

	if (need_chown(c, st) && fchownat(ddir, name, st->st_uid, st->st_gid,
	    AT_SYMLINK_NOFOLLOW) == -1)
		return (cerr(c, EX_OSERR, errno, "chown", ep));
	if (!S_ISLNK(st->st_mode) &&
	    os_fchmodat_nofollow(ddir, name, st->st_mode & 07777) == -1)
		return (cerr(c, EX_OSERR, errno, "chmod", ep));
	if (copy_xattrs(c, -1, sdir, -1, ddir, name, ep) == -1)
		return (-1);
	stat_times(st, ts);
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) == -1)
		return (cerr(c, EX_OSERR, errno, "set times", ep));
	return (0);
}

static int
set_fflags(struct copier *c, int ddir, const char *name,
    const struct stat *st, struct error *ep)
{
	unsigned long fl = os_stat_fflags(st);

	if (fl != 0 && os_chflagsat(ddir, name, fl) == -1)
		return (cerr(c, EX_OSERR, errno, "set file flags", ep));
	return (0);
}

/* ------------------------------------------------------------ data */

static bool
cfr_unsupported(int errnum)
{
	return (errnum == ENOSYS || errnum == EXDEV || errnum == EINVAL ||
	    errnum == ENOTSUP || errnum == EOPNOTSUPP || errnum == EBADF);
}

/* Copy len bytes at off from sfd to dfd. */
static int
copy_range(struct copier *c, int sfd, int dfd, off_t off, off_t len,
    struct error *ep)
{
	off_t ioff = off, ooff = off, end = off + len;
	ssize_t n, w;
	size_t want;

	while (c->try_cfr && ioff < end) {
		want = (size_t)(end - ioff > (off_t)1 << 30 ? (off_t)1 << 30 :
		    end - ioff);
		n = os_copy_file_range(sfd, &ioff, dfd, &ooff, want);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (cfr_unsupported(errno) && ioff == off) {
				c->try_cfr = false;
				break;
			}
			return (cerr(c, EX_IOERR, errno, "copy data", ep));
		}
		if (n == 0)
			return (cerr(c, EX_IOERR, 0, "file shrank while "
			    "being copied", ep));
	}
	while (ioff < end) {
		want = (size_t)(end - ioff > COPY_BUF ? COPY_BUF : end - ioff);
		n = pread(sfd, c->buf, want, ioff);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (cerr(c, EX_IOERR, errno, "read", ep));
		}
		if (n == 0)
			return (cerr(c, EX_IOERR, 0, "file shrank while "
			    "being copied", ep));
		for (w = 0; w < n;) {
			ssize_t k = pwrite(dfd, c->buf + w, (size_t)(n - w),
			    ooff);

			if (k == -1) {
				if (errno == EINTR)
					continue;
				return (cerr(c, EX_IOERR, errno, "write", ep));
			}
			w += k;
			ooff += k;
		}
		ioff += n;
	}
	return (0);
}

static int
copy_data(struct copier *c, int sfd, int dfd, const struct stat *st,
    struct error *ep)
{
	off_t off, data, hole;

	if (st->st_size == 0)
		return (0);
	if (c->try_clone) {
		if (os_clone_file(sfd, dfd) == 0)
			return (0);
		c->try_clone = false;
	}
	/* Fewer blocks than bytes: keep the holes. */
	if ((off_t)st->st_blocks * 512 < st->st_size) {
		for (off = 0; off < st->st_size; off = hole) {
			if ((data = lseek(sfd, off, SEEK_DATA)) == -1) {
				if (errno == ENXIO)
					break;
				if (errno == EINVAL || errno == ENOTSUP) {
					data = off;
					hole = st->st_size;
					goto whole;
				}
				return (cerr(c, EX_IOERR, errno, "seek", ep));
			}
			if ((hole = lseek(sfd, data, SEEK_HOLE)) == -1)
				return (cerr(c, EX_IOERR, errno, "seek", ep));
			if (hole > st->st_size)
				hole = st->st_size;
whole:
			if (copy_range(c, sfd, dfd, data, hole - data,
			    ep) == -1)
				return (-1);
		}
		if (ftruncate(dfd, st->st_size) == -1)
			return (cerr(c, EX_IOERR, errno, "truncate", ep));
		return (0);
	}
	return (copy_range(c, sfd, dfd, 0, st->st_size, ep));
}

/* ------------------------------------------------------------ entries */

static int
copy_file(struct copier *c, int sdir, int ddir, const char *name,
    const struct stat *st, struct error *ep)
{
	int sfd, dfd = -1, rv = -1;

	if ((sfd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1)
		return (cerr(c, EX_IOERR, errno, "open", ep));
	if ((dfd = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		cerr(c, EX_CANTCREAT, errno, "create", ep);
		goto out;
	}
	if (copy_data(c, sfd, dfd, st, ep) == -1 ||
	    meta_fd(c, sfd, dfd, st, ep) == -1)
		goto out;
	rv = 0;
out:
	(void)close(sfd);
	if (dfd != -1)
		(void)close(dfd);
	return (rv);
}

static int
copy_symlink(struct copier *c, int sdir, int ddir, const char *name,
    const struct stat *st, struct error *ep)
{
	char target[PATH_MAX + 1];
	ssize_t n;

	if ((n = readlinkat(sdir, name, target, sizeof(target))) == -1)
		return (cerr(c, EX_IOERR, errno, "readlink", ep));
	if ((size_t)n >= sizeof(target))
		return (cerr(c, EX_IOERR, ENAMETOOLONG, "readlink", ep));
	target[n] = '\0';
	if (symlinkat(target, ddir, name) == -1)
		return (cerr(c, EX_CANTCREAT, errno, "symlink", ep));
	return (meta_at(c, sdir, ddir, name, st, ep));
}

static int
copy_special(struct copier *c, int sdir, int ddir, const char *name,
    const struct stat *st, struct error *ep)
{
	if (os_mknodat_rdev(ddir, name, st->st_mode, st->st_rdev) == -1) {
		if (errno == EPERM || errno == ENOTSUP) {
			c->skipped++;
			return (0);
		}
		return (cerr(c, EX_CANTCREAT, errno, "mknod", ep));
	}
	return (meta_at(c, sdir, ddir, name, st, ep));
}

/*
 * Link ddir/name to the first copy of a file linked several times, at
 * first below the new tree's root: directly if the path fits in a system
 * call, else walking down to its directory one name at a time.
 */
static int
link_first(struct copier *c, const char *first, int ddir, const char *name,
    struct error *ep)
{
	struct error e = ERROR_INIT;
	struct fswalk *w;
	const char *p, *slash;
	char comp[NAME_MAX + 1];
	int rv = -1;

	if (strlen(first) < PATH_MAX) {
		if (linkat(c->dstroot, first, ddir, name, 0) == -1)
			return (cerr(c, EX_CANTCREAT, errno, "link", ep));
		return (0);
	}
	if ((w = fswalk_open(c->dstroot, ".", FSWALK_NOLIST, &e)) == NULL)
		return (cerr(c, EX_CANTCREAT, e.errnum, "link", ep));
	for (p = first; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
		if ((size_t)(slash - p) > NAME_MAX) {
			cerr(c, EX_CANTCREAT, ENAMETOOLONG, "link", ep);
			goto out;
		}
		(void)memcpy(comp, p, (size_t)(slash - p));
		comp[slash - p] = '\0';
		if (fswalk_down(w, comp, &e) == -1) {
			cerr(c, EX_CANTCREAT, e.errnum, "link", ep);
			goto out;
		}
	}
	if (linkat(fswalk_fd(w), p, ddir, name, 0) == -1)
		cerr(c, EX_CANTCREAT, errno, "link", ep);
	else
		rv = 0;
out:
	fswalk_close(w);
	return (rv);
}

/* A non-directory sdir/name (stat st) into ddir. */
static int
copy_entry(struct copier *c, int sdir, int ddir, const char *name,
    const struct stat *st, struct error *ep)
{
	const char *first;
	bool linked;

	linked = st->st_nlink > 1;
	if (linked && (first = hl_get(c, st)) != NULL)
		return (link_first(c, first, ddir, name, ep));
	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		if (copy_file(c, sdir, ddir, name, st, ep) == -1)
			return (-1);
		break;
	case S_IFLNK:
		if (copy_symlink(c, sdir, ddir, name, st, ep) == -1)
			return (-1);
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
		if (copy_special(c, sdir, ddir, name, st, ep) == -1)
			return (-1);
		break;
	default:
		/* Sockets: nothing a layer can carry. */
		c->skipped++;
		return (0);
	}
	if (set_fflags(c, ddir, name, st, ep) == -1)
		return (-1);
	if (linked)
		hl_put(c, st);
	return (0);
}

/*
 * Go down into the source directory name (stat st) and into its new copy.
 * Its owner, mode and times come on the way back up (copy_leave()): a
 * read-only directory takes no new entries.
 */
static int
copy_enter(struct copier *c, struct fswalk *sw, struct fswalk *dw,
    const char *name, const struct stat *st, struct error *ep)
{
	struct error e = ERROR_INIT;
	size_t d = fswalk_depth(sw) + 1;

	if (mkdirat(fswalk_fd(dw), name, 0700) == -1)
		return (cerr(c, EX_CANTCREAT, errno, "mkdir", ep));
	if (fswalk_down(sw, name, &e) == -1)
		return (cerr(c, EX_IOERR, e.errnum, "open", ep));
	if (fswalk_down(dw, name, &e) == -1)
		return (cerr(c, EX_CANTCREAT, e.errnum, "open", ep));
	if (d >= c->ndirs) {
		c->ndirs = d < 64 ? 64 : d * 2;
		c->dirs = xreallocarray(c->dirs, c->ndirs, sizeof(*c->dirs));
	}
	c->dirs[d] = *st;
	return (0);
}

/* Finish the directory both walks are in, and go back up. */
static int
copy_leave(struct copier *c, struct fswalk *sw, struct fswalk *dw,
    struct error *ep)
{
	struct error e = ERROR_INIT;
	const struct stat *st = &c->dirs[fswalk_depth(sw)];
	const char *name;

	if (meta_fd(c, fswalk_fd(sw), fswalk_fd(dw), st, ep) == -1)
		return (-1);
	if (fswalk_up(sw, NULL, &e) == -1 || fswalk_up(dw, &name, &e) == -1) {
		*ep = e;
		return (error_wrap(ep, "copy"));
	}
	if (set_fflags(c, fswalk_fd(dw), name, st, ep) == -1)
		return (-1);
	path_pop(c);
	return (0);
}

/*
 * Copy what is below the source top into the destination top, depth
 * first, with a few descriptors whatever the depth (see struct fswalk).
 */
static int
copy_walk(struct copier *c, struct fswalk *sw, struct fswalk *dw,
    struct error *ep)
{
	struct stat st;
	const char *name;

	for (;;) {
		if (fswalk_next(sw, &name) == 0) {
			if (fswalk_depth(sw) == 0)
				return (0);
			if (copy_leave(c, sw, dw, ep) == -1)
				return (-1);
			continue;
		}
		path_push(c, name);
		if (fstatat(fswalk_fd(sw), name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1)
			return (cerr(c, EX_IOERR, errno, "stat", ep));
		if (S_ISDIR(st.st_mode)) {
			if (copy_enter(c, sw, dw, name, &st, ep) == -1)
				return (-1);
			continue;
		}
		if (copy_entry(c, fswalk_fd(sw), fswalk_fd(dw), name, &st,
		    ep) == -1)
			return (-1);
		path_pop(c);
	}
}

int
driver_copy_tree(int srcfd, int dstdirfd, const char *dstname,
    bool privileged, struct error *ep)
{
	struct copier c;
	struct stat st;
	struct fswalk *sw = NULL, *dw = NULL;
	size_t i;
	int dfd = -1, rv = -1;

	(void)memset(&c, 0, sizeof(c));
	c.privileged = privileged;
	c.try_clone = true;
	c.try_cfr = true;
	c.euid = geteuid();
	c.egid = getegid();
	c.dstroot = -1;
	if (fstat(srcfd, &st) == -1)
		return (error_set(ep, EX_IOERR, errno, "copy: stat"));
	if (mkdirat(dstdirfd, dstname, 0700) == -1)
		return (error_set(ep, EX_CANTCREAT, errno, "mkdir '%s'",
		    dstname));
	if ((dfd = openat(dstdirfd, dstname, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (error_set(ep, EX_CANTCREAT, errno, "open '%s'",
		    dstname));
	c.dstroot = dfd;
	c.buf = xmalloc(COPY_BUF);
	c.xlist = xmalloc(COPY_XLIST_MAX);
	c.xval = xmalloc(COPY_XVAL_MAX);
	if ((sw = fswalk_open(srcfd, ".", 0, ep)) == NULL ||
	    (dw = fswalk_open(dfd, ".", FSWALK_NOLIST, ep)) == NULL) {
		error_wrap(ep, "copy");
		goto out;
	}
	if (copy_walk(&c, sw, dw, ep) == -1 ||
	    meta_fd(&c, srcfd, dfd, &st, ep) == -1 ||
	    set_fflags(&c, dstdirfd, dstname, &st, ep) == -1)
		goto out;
	if (c.skipped > 0)
		log_warnx("copy: skipped %llu socket(s) or device node(s)",
		    (unsigned long long)c.skipped);
	if (c.xskipped > 0)
		log_debug("copy: skipped %llu xattr(s)",
		    (unsigned long long)c.xskipped);
	rv = 0;
out:
	fswalk_close(sw);
	fswalk_close(dw);
	for (i = 0; i < c.nhl; i++)
		free(c.hl[i].path);
	free(c.hl);
	free(c.path);
	free(c.dirs);
	free(c.buf);
	free(c.xlist);
	free(c.xval);
	(void)close(dfd);
	return (rv);
}

/* ------------------------------------------------------------ driver */

static int
dir_exists(struct driver *d, const char *hex, struct error *ep)
{
	return (driver_dir_exists(d, hex, ep));
}

static int
dir_build(struct driver *d, const char *hex, const struct driver_layer *l,
    const struct driver_build *b, struct layer_stats *stp, struct error *ep)
{
	struct layer_opts opts;
	struct layer_stats st;
	char tmp[DRIVER_HEX_LEN + 64], src[DRIVER_HEX_LEN + 16];
	const char *phex;
	int tmpfd = -1, srcfd = -1, rootfd = -1, rv = -1;

	opts = b->opts;
	opts.whiteout = LAYER_WHITEOUT_DELETE;
	(void)memset(&st, 0, sizeof(st));
	if (driver_tmp_create(d, hex, tmp, sizeof(tmp), ep) == -1)
		return (-1);
	if ((tmpfd = openat(d->basefd, tmp, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		error_set(ep, EX_CANTCREAT, errno, "open '%s/%s'", d->base,
		    tmp);
		goto fail;
	}
	if (l->parent != NULL) {
		if (driver_hex(l->parent, &phex, ep) == -1)
			goto fail;
		(void)snprintf(src, sizeof(src), "%s/rootfs", phex);
		if ((srcfd = openat(d->basefd, src, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1) {
			error_set(ep, EX_NOINPUT, errno, "open '%s/%s'",
			    d->base, src);
			goto fail;
		}
		if (driver_copy_tree(srcfd, tmpfd, "rootfs", d->privileged,
		    ep) == -1) {
			error_wrap(ep, "copy parent chain %s", l->parent);
			goto fail;
		}
	} else if (mkdirat(tmpfd, "rootfs", 0755) == -1) {
		error_set(ep, EX_CANTCREAT, errno, "mkdir '%s/%s/rootfs'",
		    d->base, tmp);
		goto fail;
	}
	if ((rootfd = openat(tmpfd, "rootfs", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		error_set(ep, EX_CANTCREAT, errno, "open '%s/%s/rootfs'",
		    d->base, tmp);
		goto fail;
	}
	if (l->parent == NULL && fchmod(rootfd, 0755) == -1) {
		error_set(ep, EX_OSERR, errno, "chmod '%s/%s/rootfs'", d->base,
		    tmp);
		goto fail;
	}
	if (b->apply(rootfd, l->blobfd, l->comp, l->digest, l->diffid,
	    &opts, &st, ep) == -1) {
		error_wrap(ep, "layer %s", l->digest);
		goto fail;
	}
	if (driver_meta_write(tmpfd, l, &st, ep) == -1 ||
	    driver_commit(d, tmp, hex, ep) == -1)
		goto fail;
	if (stp != NULL)
		*stp = st;
	rv = 0;
	goto out;
fail:
	{
		struct error e2 = ERROR_INIT;

		if (rm_rf_at(d->basefd, tmp, &e2) == -1)
			log_warnx("%s", e2.msg);
	}
out:
	if (rootfd != -1)
		(void)close(rootfd);
	if (srcfd != -1)
		(void)close(srcfd);
	if (tmpfd != -1)
		(void)close(tmpfd);
	return (rv);
}

static int
dir_path(struct driver *d, const char *hex, char *buf, size_t len,
    struct error *ep)
{
	return (driver_dir_path(d, hex, "rootfs", buf, len, ep));
}

const struct driver_ops driver_dir_ops = {
	.independent = false,
	.init = NULL,
	.exists = dir_exists,
	.build = dir_build,
	.sweep = driver_dir_sweep,
	.path = dir_path,
	.parent = driver_meta_parent,
	.fini = NULL
};
