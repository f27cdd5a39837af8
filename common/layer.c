/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The layer applier: one streaming pass from a blob fd to a directory.
 *
 * The stream: read(2) 1 MiB at a time -> compressed digest -> decomp_run()
 * into 1 MiB buffers -> diffID digest -> libarchive's tar reader, which
 * pulls those buffers through a read callback and hands file data back as
 * pointers into them.  The first half runs in a producer thread, a few
 * buffers ahead of libarchive and the writer (see producer()).  Nothing is
 * copied twice and nothing past the size limit is ever handed on.
 *
 * The writer never names a path from the root: an entry "a/b/c" is
 * written as "c" inside a directory fd for "a/b" that os_open_beneath()
 * resolved beneath the root fd (a symlink in "a/b" is followed as if the
 * root were "/"), with *at() calls that do not follow "c" (O_EXCL creation,
 * AT_SYMLINK_NOFOLLOW, O_NOFOLLOW).  Entry names are cleaned lexically
 * first and refused if ".." climbs above the root.  Ownership comes before
 * the mode (chown clears set-id bits), xattrs after both, times last.
 * Directories are created 0700 and get their mode and times in a final
 * pass, deepest first, after checking that the path still names the
 * directory we created.
 *
 * An overlay diff starts empty, so a hardlink to a file of a lower layer
 * finds no target in it.  Given the lower diffs (layer_opts.lower_fds),
 * the target is looked up in their merged view the way overlayfs looks
 * it up, and copied up into the diff before the link is made, as link(2)
 * on a mounted overlay does; what was copied up counts as lower content
 * for the whiteouts and opaque markers that follow.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "common/decomp.h"
#include "common/digest.h"
#include "common/error.h"
#include "common/fsutil.h"
#include "common/layer.h"
#include "common/log.h"
#include "common/platform.h"
#include "common/platform_driver.h"
#include "common/progress.h"
#include "common/xalloc.h"

#define	BUFSZ		(1U << 20)
/* Free space is looked at every so many bytes of the tar stream. */
#define	SPACE_EVERY	(16ULL << 20)
#define	LAYER_PATHMEM_MAX	(256 << 20)
#define	WH_PREFIX	".wh."
#define	WH_META		".wh..wh."
#define	WH_OPAQUE	".wh..wh..opq"
#define	OVL_PREFIX	"trusted.overlay."
#define	OVL_OPAQUE	"trusted.overlay.opaque"
#ifndef NAME_MAX
#define	NAME_MAX	255
#endif
/* Symlinks followed in a hardlink target's path, as Linux's MAXSYMLINKS. */
#define	SYMLINKS_MAX	40
/* The xattr names of a lower file being copied up. */
#define	LAYER_XATTR_LIST_MAX	65536
/* "No such attribute": ENODATA on Linux, ENOATTR on the BSDs. */
#ifndef ENOATTR
#define	ENOATTR	ENODATA
#endif

/*
 * The paths this layer wrote, and every ancestor of them: whiteouts and
 * opaque markers remove lower content only, so they keep these.  The value
 * is 1 + the index of the directory's deferred record, or 0.
 * XXX: keyed by the entry's name, not by what it resolved to: a layer that
 * writes through its own symlinks ("lnk/x" for "dir/x") is only kept under
 * the name it used.  Such layers are not what diffs produce, and whatever
 * goes stays inside the root.
 */
struct kent {
	char	*path;
	size_t	 defer;
};

struct kset {
	struct kent	*tab;
	size_t		 cap;	/* a power of two */
	size_t		 n;
	size_t		 bytes;	/* of the paths */
};

/* The ring between the producer thread and libarchive; see producer(). */
#define	NSLOT	4

struct feed {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	pthread_t	 thread;
	bool		 inited;
	bool		 running;
	unsigned char	*buf[NSLOT];
	size_t		 len[NSLOT];
	unsigned	 head;		/* the oldest filled slot */
	unsigned	 count;		/* filled slots, the held one too */
	bool		 held;		/* libarchive reads buf[head] */
	bool		 eof;		/* the producer reached the end */
	bool		 failed;	/* the producer stopped on perr */
	bool		 cancel;	/* the consumer gave up */
	struct error	 perr;
};

/* A directory whose mode and times are set at the end. */
struct deferred {
	char		*path;		/* below the root, "" for the root */
	dev_t		 dev;
	ino_t		 ino;
	mode_t		 mode;
	bool		 dead;		/* replaced later in the layer */
	unsigned	 depth;
	size_t		 seq;
	unsigned long	 fflags;
	struct timespec	 times[2];
};

/* File flags of a non-directory, set after everything else. */
struct fflagrec {
	char		*path;
	unsigned long	 flags;
};

struct lapply {
	/* The stream. */
	int			 blobfd;
	enum layer_compression	 comp;
	struct decomp		*dc;
	struct hasher		*hc;		/* compressed bytes */
	struct hasher		*hd;		/* tar bytes (diffID) */
	unsigned char		*inbuf;
	const unsigned char	*inp;
	size_t			 inlen;
	bool			 in_eof;
	struct feed		 feed;
	bool			 in_header;
	uint64_t		 hdr_bytes;
	struct error		 serr;		/* raised inside the callback */
	uint64_t		 blob_size;	/* 0: not a file, unknown */
	uint64_t		 entry_limit;	/* what one entry may declare */
	uint64_t		 next_space;	/* look at free space here */
	uint64_t		 tar_bytes;	/* handed to libarchive */
	bool			 tar_eof;	/* all of them */

	/* Where the entry being read lies in the tar stream. */
	uint64_t		 data_start;	/* its data (after headers) */
	int64_t			 data_size;	/* -1: not known */
	uint64_t		 entry_end;	/* after its data and padding */
	int			 ended_early;	/* see ends_at_entry() */

	/* The writer. */
	int			 rootfd;
	struct layer_opts	 o;
	struct layer_stats	*st;
	struct archive		*ar;
	uid_t			 euid;
	gid_t			 egid;
	char			 path[LAYER_PATH_MAX];	/* cleaned entry */
	unsigned		 depth;
	char			 pcache[LAYER_PATH_MAX];
	int			 pcache_fd;	/* -1, rootfd, or owned */
	bool			 pcache_sgid;	/* that dir is set-gid */
	struct kset		 kept;
	struct deferred		*defs;
	size_t			 ndefs;
	size_t			 capdefs;
	struct fflagrec		*fflags;
	size_t			 nfflags;
	size_t			 capfflags;
	uint64_t		 skipped_devices;
	uint64_t		 skipped_other;
	uint64_t		 skipped_fflags;
	bool			 replaced_whiteout;	/* by make_room() */
	size_t			 defbytes;	/* paths in defs and fflags */
};

/* ---- errors ---- */

static int
syserr(struct error *ep, int errnum, const char *op, const char *path)
{
	int ex;

	switch (errnum) {
	case ENOSPC:
	case EDQUOT:
	case EIO:
	case EROFS:
	case EFBIG:
		ex = EX_IOERR;
		break;
	case EPERM:
	case EACCES:
		ex = EX_NOPERM;
		break;
	case ENAMETOOLONG:
	case ELOOP:
		ex = EX_DATAERR;
		break;
	default:
		ex = EX_OSERR;
		break;
	}
	return (error_set(ep, ex, errnum, "%s '%s'", op,
	    path[0] != '\0' ? path : "."));
}

/* ---- the set of kept paths ---- */

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return (h);
}

static struct kent *
kset_slot(const struct kset *k, const char *path)
{
	size_t i;

	i = (size_t)hash_str(path) & (k->cap - 1);
	while (k->tab[i].path != NULL && strcmp(k->tab[i].path, path) != 0)
		i = (i + 1) & (k->cap - 1);
	return (&k->tab[i]);
}

static struct kent *
kset_get(const struct kset *k, const char *path)
{
	struct kent *e;

	if (k->cap == 0)
		return (NULL);
	e = kset_slot(k, path);
	return (e->path != NULL ? e : NULL);
}

static struct kent *
kset_put(struct kset *k, const char *path)
{
	struct kent *e, *old;
	size_t i, oldcap;

	if (k->cap == 0 || (k->n + 1) * 10 > k->cap * 7) {
		old = k->tab;
		oldcap = k->cap;
		k->cap = oldcap == 0 ? 1024 : oldcap * 2;
		k->tab = xcalloc(k->cap, sizeof(*k->tab));
		for (i = 0; i < oldcap; i++)
			if (old[i].path != NULL)
				*kset_slot(k, old[i].path) = old[i];
		free(old);
	}
	e = kset_slot(k, path);
	if (e->path == NULL) {
		e->path = xstrdup(path);
		e->defer = 0;
		k->n++;
		k->bytes += strlen(path) + 1;
	}
	return (e);
}

/* Record path and its ancestors as this layer's; return path's slot. */
static struct kent *
kset_put_tree(struct kset *k, const char *path)
{
	char buf[LAYER_PATH_MAX];
	char *slash;

	/* Slots move when the table grows: look path up again at the end. */
	(void)kset_put(k, path);
	(void)snprintf(buf, sizeof(buf), "%s", path);
	while ((slash = strrchr(buf, '/')) != NULL) {
		*slash = '\0';
		if (kset_get(k, buf) != NULL)
			break;
		(void)kset_put(k, buf);
	}
	return (kset_get(k, path));
}

static void
kset_free(struct kset *k)
{
	size_t i;

	for (i = 0; i < k->cap; i++)
		free(k->tab[i].path);
	free(k->tab);
}

/* ---- the stream ---- */

/*
 * Read what fits into dst from the blob, hashing it.  Only the producer
 * calls this once it runs, and the read(2) is its only cancellation
 * point, where it holds no lock.
 */
static int
read_into(struct lapply *la, unsigned char *dst, size_t cap, size_t *np,
    struct error *ep)
{
	ssize_t n;
	int old;

	(void)pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	do
		n = read(la->blobfd, dst, cap);
	while (n == -1 && errno == EINTR);
	(void)pthread_setcancelstate(old, NULL);
	if (n == -1)
		return (error_set(ep, EX_IOERR, errno, "read layer blob"));
	*np = (size_t)n;
	if (n == 0)
		la->in_eof = true;
	else {
		hasher_update(la->hc, dst, (size_t)n);
		la->st->compressed += (uint64_t)n;
	}
	return (0);
}

static int
read_blob(struct lapply *la, struct error *ep)
{
	size_t n;

	if (read_into(la, la->inbuf + la->inlen, BUFSZ - la->inlen, &n,
	    ep) == -1)
		return (-1);
	la->inlen += n;
	return (0);
}

/* What the tar stream of a blob of compressed bytes may reach. */
static uint64_t
size_limit(const struct layer_opts *o, uint64_t compressed)
{
	uint64_t lim;

	if (o->max_ratio == 0)
		return (o->max_bytes);
	lim = compressed > UINT64_MAX / o->max_ratio ? UINT64_MAX :
	    compressed * o->max_ratio;
	if (lim < o->ratio_floor)
		lim = o->ratio_floor;
	return (lim < o->max_bytes ? lim : o->max_bytes);
}

/*
 * Stop before the layer fills the root's filesystem: what remains free
 * must stay above min_free (or 1 % of it, at most LAYER_MIN_FREE_MAX).
 * A filesystem that cannot say is not checked.
 */
static int
check_space(struct lapply *la, struct error *ep)
{
	struct statvfs vfs;
	uint64_t avail, keep;
	char a[32], k[32];

	if (fstatvfs(la->rootfd, &vfs) == -1 || vfs.f_frsize == 0)
		return (0);
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	keep = la->o.min_free;
	if (keep == 0) {
		keep = (uint64_t)vfs.f_blocks / 100 * vfs.f_frsize;
		if (keep > LAYER_MIN_FREE_MAX)
			keep = LAYER_MIN_FREE_MAX;
	}
	if (avail >= keep)
		return (0);
	progress_fmt_bytes((int64_t)(avail > INT64_MAX ? INT64_MAX : avail),
	    a, sizeof(a));
	progress_fmt_bytes((int64_t)(keep > INT64_MAX ? INT64_MAX : keep), k,
	    sizeof(k));
	return (error_set(ep, EX_IOERR, ENOSPC, "layer stopped after %" PRIu64
	    " bytes: its filesystem has %s free, less than the %s kept free",
	    la->st->uncompressed, a, k));
}

/* The tar stream so far against the limits, and the free space. */
static int
check_size(struct lapply *la, struct error *ep)
{
	uint64_t c, lim, u = la->st->uncompressed;
	char a[32], b[32];

	if (u > la->o.max_bytes)
		return (error_set(ep, EX_DATAERR, 0,
		    "layer larger than %" PRIu64 " bytes uncompressed "
		    "(decompression bomb?)", la->o.max_bytes));
	c = la->blob_size != 0 ? la->blob_size : la->st->compressed;
	if (u > (lim = size_limit(&la->o, c))) {
		progress_fmt_bytes((int64_t)lim, a, sizeof(a));
		progress_fmt_bytes((int64_t)c, b, sizeof(b));
		return (error_set(ep, EX_DATAERR, 0, "layer expands beyond "
		    "%s, %" PRIu64 " times its %s compressed (decompression "
		    "bomb?)", a, la->o.max_ratio, b));
	}
	if (u < la->next_space)
		return (0);
	la->next_space = u + SPACE_EVERY;
	return (check_space(la, ep));
}

/*
 * Fill dst (BUFSZ bytes) with the next piece of the tar stream, at most
 * what one read(2) brings, so that a slow pipe is never waited on with data
 * in hand; *np = 0 at its end, once the decompressor agrees that it ended
 * cleanly.  The size limit is checked here, so nothing past it is ever
 * handed on.
 */
static int
produce(struct lapply *la, unsigned char *dst, size_t *np, struct error *ep)
{
	const unsigned char *before;
	size_t produced = 0, n, inlen_before;

	*np = 0;
	if (la->comp == LAYER_PLAIN) {
		if (la->inlen > 0) {
			/* What sniff() read. */
			(void)memcpy(dst, la->inp, la->inlen);
			produced = la->inlen;
			la->inlen = 0;
		}
		if (produced == 0 && !la->in_eof) {
			if (read_into(la, dst, BUFSZ, &n, ep) == -1)
				return (-1);
			produced = n;
		}
	} else {
		while (produced < BUFSZ) {
			if (la->inlen == 0 && !la->in_eof) {
				/* Hand on what we have before blocking. */
				if (produced > 0)
					break;
				la->inp = la->inbuf;
				if (read_blob(la, ep) == -1)
					return (-1);
				continue;
			}
			before = la->inp;
			inlen_before = la->inlen;
			if (decomp_run(la->dc, &la->inp, &la->inlen,
			    dst + produced, BUFSZ - produced, &n, ep) == -1)
				return (-1);
			produced += n;
			if (n == 0 && la->inp == before &&
			    la->inlen == inlen_before) {
				if (la->inlen == 0)
					break;	/* input ended, all flushed */
				return (error_set(ep, EX_SOFTWARE, 0,
				    "%s decompressor made no progress",
				    decomp_name(la->comp)));
			}
		}
		if (produced == 0)
			return (decomp_finish(la->dc, ep));
	}
	la->st->uncompressed += produced;
	if (check_size(la, ep) == -1)
		return (-1);
	*np = produced;
	return (0);
}

/*
 * Two stages: the producer thread reads the blob, hashes it and inflates
 * it into a ring of NSLOT buffers, while the calling thread hashes earlier
 * ones (the diffID) and runs libarchive and the writer on them: inflate
 * takes about as long as SHA-256 and the writer's system calls together.  libarchive
 * keeps using the buffer it got until it asks for the next one, so the
 * oldest filled slot is "held" until then.  The producer stops at the end
 * of the stream or on an error (failed, perr); the consumer stops it with
 * cancel, and with pthread_cancel() if it is blocked in read(2).
 */
static void *
producer(void *arg)
{
	struct lapply *la = arg;
	struct feed *f = &la->feed;
	struct error e = ERROR_INIT;
	unsigned slot;
	size_t n = 0;
	bool done;
	int rv;

	(void)pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	for (;;) {
		(void)pthread_mutex_lock(&f->mu);
		while (f->count == NSLOT && !f->cancel)
			(void)pthread_cond_wait(&f->cv, &f->mu);
		if (f->cancel) {
			(void)pthread_mutex_unlock(&f->mu);
			return (NULL);
		}
		slot = (f->head + f->count) % NSLOT;
		(void)pthread_mutex_unlock(&f->mu);

		rv = produce(la, f->buf[slot], &n, &e);

		(void)pthread_mutex_lock(&f->mu);
		if (rv == -1) {
			f->perr = e;
			f->failed = true;
		} else if (n == 0)
			f->eof = true;
		else {
			f->len[slot] = n;
			f->count++;
		}
		done = rv == -1 || n == 0;
		(void)pthread_cond_broadcast(&f->cv);
		(void)pthread_mutex_unlock(&f->mu);
		if (done)
			return (NULL);
	}
}

static int
feed_start(struct lapply *la, struct error *ep)
{
	struct feed *f = &la->feed;
	sigset_t all, old;
	unsigned i;
	int rc;

	for (i = 0; i < NSLOT; i++)
		f->buf[i] = xmalloc(BUFSZ);
	(void)pthread_mutex_init(&f->mu, NULL);
	(void)pthread_cond_init(&f->cv, NULL);
	f->inited = true;
	/* Signals are the caller's business: the producer takes none. */
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&f->thread, NULL, producer, la);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return (error_set(ep, EX_OSERR, rc, "pthread_create"));
	f->running = true;
	return (0);
}

/* Stop the producer (if it still runs) and release the ring. */
static void
feed_stop(struct lapply *la)
{
	struct feed *f = &la->feed;
	unsigned i;

	if (f->running) {
		bool finished;

		(void)pthread_mutex_lock(&f->mu);
		f->cancel = true;
		finished = f->eof || f->failed;
		(void)pthread_cond_broadcast(&f->cv);
		(void)pthread_mutex_unlock(&f->mu);
		if (!finished)
			(void)pthread_cancel(f->thread);
		(void)pthread_join(f->thread, NULL);
		f->running = false;
	}
	if (f->inited) {
		(void)pthread_mutex_destroy(&f->mu);
		(void)pthread_cond_destroy(&f->cv);
		f->inited = false;
	}
	for (i = 0; i < NSLOT; i++) {
		free(f->buf[i]);
		f->buf[i] = NULL;
	}
}

/*
 * The next piece of the tar stream (valid until the next call), 0 at its
 * end, -1 with the producer's error.
 */
static ssize_t
feed_take(struct lapply *la, const void **bufp, struct error *ep)
{
	struct feed *f = &la->feed;
	ssize_t n;

	(void)pthread_mutex_lock(&f->mu);
	if (f->held) {
		f->head = (f->head + 1) % NSLOT;
		f->count--;
		f->held = false;
		(void)pthread_cond_broadcast(&f->cv);
	}
	while (f->count == 0 && !f->eof && !f->failed)
		(void)pthread_cond_wait(&f->cv, &f->mu);
	if (f->count > 0) {
		f->held = true;
		*bufp = f->buf[f->head];
		n = (ssize_t)f->len[f->head];
	} else if (f->failed) {
		*ep = f->perr;
		n = -1;
	} else
		n = 0;
	(void)pthread_mutex_unlock(&f->mu);
	/* The diffID is taken here, which evens out the two threads' work. */
	if (n > 0) {
		hasher_update(la->hd, *bufp, (size_t)n);
		la->tar_bytes += (uint64_t)n;
	} else if (n == 0)
		la->tar_eof = true;
	return (n);
}

static la_ssize_t
archive_cb(struct archive *a, void *arg, const void **bufp)
{
	struct lapply *la = arg;
	ssize_t n;

	if (la->serr.exit != 0)
		return (-1);
	if ((n = feed_take(la, bufp, &la->serr)) == -1) {
		archive_set_error(a, EIO, "%s", la->serr.msg);
		return (-1);
	}
	/* Bound what libarchive may buffer for one entry's headers. */
	if (la->in_header) {
		la->hdr_bytes += (uint64_t)n;
		if (la->hdr_bytes > la->o.max_header + 2ULL * BUFSZ) {
			(void)error_set(&la->serr, EX_DATAERR, 0,
			    "tar entry headers larger than %" PRIu64 " bytes",
			    la->o.max_header);
			archive_set_error(a, EIO, "%s", la->serr.msg);
			return (-1);
		}
	}
	return (n);
}

/* Map a failed archive_read_* call to our error. */
static int
archive_err(struct lapply *la, const char *what, struct error *ep)
{
	const char *msg;

	if (la->serr.exit != 0) {
		*ep = la->serr;
		return (-1);
	}
	msg = archive_error_string(la->ar);
	return (error_set(ep, EX_DATAERR, 0, "%s: %s", what,
	    msg != NULL ? msg : "tar format error"));
}

/*
 * How a tar stream may end early: right after the data of its last entry,
 * without the padding to a whole block (ENDED_UNPADDED), or after that
 * padding (ENDED_NO_MARKER), but without the two zero blocks that mark the
 * end of the archive.  umoci 0.4.7 writes such layers, and containerd and
 * podman take them; so do we, when both digests vouch for the bytes.
 */
enum { ENDED_NOT, ENDED_UNPADDED, ENDED_NO_MARKER };

/*
 * Whether libarchive failed on the current entry only because the stream
 * ended where its data does: every byte of the stream was handed over and
 * consumed, and it ends at the entry's data end.  A sparse entry, whose
 * stored size is not its size, never qualifies.
 */
static bool
ends_at_entry(const struct lapply *la)
{
	return (la->tar_eof && la->data_size >= 0 &&
	    la->tar_bytes == la->data_start + (uint64_t)la->data_size &&
	    (uint64_t)archive_filter_bytes(la->ar, 0) == la->tar_bytes);
}

/* ---- paths ---- */

/*
 * Clean name lexically into out (LAYER_PATH_MAX bytes): no leading "/",
 * no "." or empty components, ".." applied.  "" is the root.  Returns the
 * depth, or -1 with EX_DATAERR when ".." climbs above the root or a limit
 * is exceeded.
 */
static int
path_clean(const char *name, char *out, const char *what, struct error *ep)
{
	const char *p = name, *c;
	size_t len = 0, n;
	char *slash;
	int depth = 0;

	if (strlen(name) >= LAYER_PATH_MAX)
		return (error_set(ep, EX_DATAERR, 0,
		    "%s '%.64s...': path longer than %d bytes", what, name,
		    LAYER_PATH_MAX - 1));
	out[0] = '\0';
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		c = p;
		n = strcspn(p, "/");
		p += n;
		if (n == 1 && c[0] == '.')
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (depth == 0)
				return (error_set(ep, EX_DATAERR, 0,
				    "%s '%s': path escapes the root", what,
				    name));
			slash = strrchr(out, '/');
			len = slash != NULL ? (size_t)(slash - out) : 0;
			out[len] = '\0';
			depth--;
			continue;
		}
		if (n > NAME_MAX)
			return (error_set(ep, EX_DATAERR, 0,
			    "%s '%.64s...': name longer than %d bytes", what,
			    c, NAME_MAX));
		if (len > 0)
			out[len++] = '/';
		(void)memcpy(out + len, c, n);
		len += n;
		out[len] = '\0';
		depth++;
	}
	return (depth);
}

/* Split a cleaned non-root path in place: *basep is its last name. */
static void
path_split(char *path, char **parentp, char **basep)
{
	char *slash;

	if ((slash = strrchr(path, '/')) == NULL) {
		*parentp = path + strlen(path);	/* "" */
		*basep = path;
	} else {
		*slash = '\0';
		*parentp = path;
		*basep = slash + 1;
	}
}

static void
pcache_drop(struct lapply *la)
{
	if (la->pcache_fd != -1 && la->pcache_fd != la->rootfd)
		(void)close(la->pcache_fd);
	la->pcache_fd = -1;
	la->pcache[0] = '\0';
}

/*
 * Open the directory parent (cleaned, "" for the root) beneath the root.
 * With create, missing directories are made (0755, as the peers do for
 * parents a layer does not list).  A parent that exists but does not
 * resolve (a dangling symlink, or one into a missing directory) is
 * refused rather than guessed at.  With !create, a missing parent returns
 * -1 with EX_NOINPUT and errnum ENOENT.
 */
static int
open_dir(struct lapply *la, const char *parent, bool create,
    struct error *ep)
{
	char prefix[LAYER_PATH_MAX];
	struct error e = ERROR_INIT;
	const char *p, *comp, *name;
	bool making = false;
	int fd, dfd;

	if (parent[0] == '\0') {
		if ((fd = openat(la->rootfd, ".", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			return (syserr(ep, errno, "open", ""));
		return (fd);
	}
	fd = os_open_beneath(la->rootfd, parent, O_RDONLY | O_DIRECTORY, 0,
	    &e);
	if (fd != -1)
		return (fd);
	if (e.errnum == ENOTDIR)
		return (error_set(ep, EX_DATAERR, ENOTDIR,
		    "parent '%s': not a directory", parent));
	if (e.errnum != ENOENT || !create) {
		*ep = e;
		return (-1);
	}
	/*
	 * Find the deepest prefix that resolves, then make the rest below
	 * it, one mkdirat() and one O_NOFOLLOW open per missing component.
	 */
	if ((dfd = openat(la->rootfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (syserr(ep, errno, "open", ""));
	for (p = comp = parent;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		(void)memcpy(prefix, parent, (size_t)(p - parent));
		prefix[p - parent] = '\0';
		if (!making) {
			fd = os_open_beneath(la->rootfd, prefix,
			    O_RDONLY | O_DIRECTORY, 0, &e);
			if (fd == -1 && e.errnum != ENOENT) {
				(void)close(dfd);
				*ep = e;
				return (-1);
			}
			making = fd == -1;
		}
		if (making) {
			/* dfd is prefix's parent; name is missing in it. */
			name = prefix + (comp - parent);
			if (mkdirat(dfd, name, 0755) == -1) {
				int saved = errno;

				(void)close(dfd);
				if (saved == EEXIST)
					return (error_set(ep, EX_DATAERR, 0,
					    "parent '%s' exists but does not "
					    "resolve to a directory inside "
					    "the root (dangling symlink?)",
					    prefix));
				return (syserr(ep, saved, "mkdir", prefix));
			}
			fd = openat(dfd, name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (fd == -1) {
				int saved = errno;

				(void)close(dfd);
				return (syserr(ep, saved, "open", prefix));
			}
			(void)kset_put_tree(&la->kept, prefix);
		}
		(void)close(dfd);
		dfd = fd;
		if (*p == '\0')
			break;
		comp = p + 1;
	}
	return (dfd);
}

/*
 * The directory fd for parent, from a one-entry cache: a tar lists the
 * entries of a directory together.  The cache is dropped whenever a
 * directory or a symlink is removed, as either may change what a path
 * resolves to.
 */
static int
parent_fd(struct lapply *la, const char *parent, bool create,
    struct error *ep)
{
	struct stat st;
	int fd;

	if (la->pcache_fd != -1 && strcmp(la->pcache, parent) == 0)
		return (la->pcache_fd);
	pcache_drop(la);
	if (parent[0] == '\0')
		fd = la->rootfd;
	else if ((fd = open_dir(la, parent, create, ep)) == -1)
		return (-1);
	la->pcache_sgid = fstat(fd, &st) == 0 && (st.st_mode & S_ISGID) != 0;
	la->pcache_fd = fd;
	(void)snprintf(la->pcache, sizeof(la->pcache), "%s", parent);
	return (fd);
}

/* ---- removal ---- */

/*
 * Remove dfd/name (path below the root) and everything below it, never
 * following a symlink, with a few descriptors whatever its depth.
 */
static int
rm_tree(struct lapply *la, int dfd, const char *name, const char *path,
    struct error *ep)
{
	int r;

	/* Unprivileged, a read-only directory must be opened up first. */
	if (la->o.privileged)
		r = rm_rf_at(dfd, name, ep);
	else
		r = rm_rf_open_at(dfd, name, ep);
	if (r == -1)
		return (error_wrap(ep, "'%s'", path[0] != '\0' ? path : "."));
	return (0);
}

/* "a/b/c" from a path and the names below it, any of them "". */
static char *
path_join3(const char *a, const char *b, const char *c)
{
	return (xasprintf("%s%s%s%s%s", a, a[0] != '\0' && b[0] != '\0' ?
	    "/" : "", b, (a[0] != '\0' || b[0] != '\0') ? "/" : "", c));
}

/*
 * Remove the lower content of the directory dfd/name (path below the
 * root), as a whiteout does: a name this layer did not write goes whole,
 * a directory it wrote is searched.  The search holds a few descriptors
 * whatever the depth (struct fswalk).  Returns the number of names looked
 * at in dfd/name itself, or -1.
 */
static int
rm_lower_walk(struct lapply *la, int dfd, const char *name, const char *path,
    struct error *ep)
{
	struct fswalk *w;
	struct stat st;
	const char *n;
	char *sub;
	int top = 0, r, rv = -1;

	if ((w = fswalk_open(dfd, name, 0, ep)) == NULL)
		return (error_wrap(ep, "'%s'", path[0] != '\0' ? path : "."));
	for (;;) {
		if (fswalk_next(w, &n) == 0) {
			if (fswalk_depth(w) == 0)
				break;
			if (fswalk_up(w, NULL, ep) == -1)
				goto out;
			continue;
		}
		if (fswalk_depth(w) == 0 && top < INT_MAX)
			top++;
		sub = path_join3(path, fswalk_path(w), n);
		if (kset_get(&la->kept, sub) == NULL)
			r = rm_tree(la, fswalk_fd(w), n, sub, ep);
		else if (fstatat(fswalk_fd(w), n, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1)
			r = errno == ENOENT ? 0 : syserr(ep, errno, "stat",
			    sub);
		else if (!S_ISDIR(st.st_mode))
			r = 0;
		else if ((r = fswalk_down(w, n, ep)) == -1 &&
		    ep->errnum == ENOENT) {
			error_clear(ep);
			r = 0;
		}
		free(sub);
		if (r == -1)
			goto out;
	}
	rv = top;
out:
	fswalk_close(w);
	return (rv);
}

/*
 * Remove dfd/name (path below the root) as a whiteout does: what this
 * layer wrote stays, what lower layers left goes.  Outside the kept set
 * everything goes; a kept directory is searched for lower content.
 */
static int
rm_lower(struct lapply *la, int dfd, const char *name, const char *path,
    struct error *ep)
{
	struct stat st;

	if (kset_get(&la->kept, path) == NULL)
		return (rm_tree(la, dfd, name, path, ep));
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (errno == ENOENT ? 0 : syserr(ep, errno, "stat", path));
	if (!S_ISDIR(st.st_mode))
		return (0);
	return (rm_lower_walk(la, dfd, name, path, ep) == -1 ? -1 : 0);
}

/*
 * Make room for a new entry at pfd/base: an existing entry of another
 * kind (or any non-directory) is removed, a directory with its contents.
 */
static int
make_room(struct lapply *la, int pfd, const char *base, struct error *ep)
{
	struct kent *k;
	struct stat st;

	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (errno == ENOENT ? 0 : syserr(ep, errno, "stat",
		    la->path));
	if (S_ISDIR(st.st_mode)) {
		if ((k = kset_get(&la->kept, la->path)) != NULL &&
		    k->defer != 0)
			la->defs[k->defer - 1].dead = true;
		if (rm_tree(la, pfd, base, la->path, ep) == -1)
			return (-1);
	} else if (unlinkat(pfd, base, 0) == -1 && errno != ENOENT)
		return (syserr(ep, errno, "remove", la->path));
	/*
	 * A cached path may have resolved through what went; pfd's own path
	 * cannot have (what went was inside it), so pfd stays cached.
	 */
	if ((S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) &&
	    la->pcache_fd != pfd)
		pcache_drop(la);
	if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
		la->replaced_whiteout = true;
	return (0);
}

/* ---- metadata ---- */

static bool
xattr_wanted(const struct lapply *la, const char *name)
{
	if (strncmp(name, "user.", 5) == 0)
		return (true);
	return (la->o.privileged);
}

/* Check what the writer would otherwise find out half-way. */
static int
entry_check(struct lapply *la, struct archive_entry *e, struct error *ep)
{
	const char *name, *link;
	const void *value;
	la_int64_t id;
	size_t size;
	int n;

	id = archive_entry_uid(e);
	if (id < 0 || id >= (la_int64_t)UINT32_MAX)
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': uid %" PRId64 " out of range", la->path,
		    (int64_t)id));
	id = archive_entry_gid(e);
	if (id < 0 || id >= (la_int64_t)UINT32_MAX)
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': gid %" PRId64 " out of range", la->path,
		    (int64_t)id));
	link = archive_entry_symlink(e);
	if (link == NULL)
		link = archive_entry_hardlink(e);
	if (link != NULL && strlen(link) >= LAYER_PATH_MAX)
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': link target longer than %d bytes", la->path,
		    LAYER_PATH_MAX - 1));
	if ((n = archive_entry_xattr_reset(e)) > LAYER_XATTR_MAX)
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': %d xattrs, more than %d", la->path, n,
		    LAYER_XATTR_MAX));
	while (archive_entry_xattr_next(e, &name, &value, &size) ==
	    ARCHIVE_OK) {
		if (name == NULL || name[0] == '\0' || strlen(name) > 255 ||
		    strchr(name, '.') == NULL)
			return (error_set(ep, EX_DATAERR, 0,
			    "'%s': invalid xattr name", la->path));
		if (size > LAYER_XATTR_VALUE_MAX)
			return (error_set(ep, EX_DATAERR, 0,
			    "'%s': xattr '%s' larger than %d bytes",
			    la->path, name, LAYER_XATTR_VALUE_MAX));
	}
	return (0);
}

/*
 * Set the entry's xattrs on fd, or on pfd/base (not followed) when fd is
 * -1.  Attributes the system or our privileges cannot take are counted and
 * skipped; any other failure is an error.
 */
static int
set_xattrs(struct lapply *la, struct archive_entry *e, int fd, int pfd,
    const char *base, struct error *ep)
{
	char esc[512];
	const char *name, *aname;
	const void *value;
	size_t size;
	int rc;

	if (archive_entry_xattr_reset(e) == 0)
		return (0);
	while (archive_entry_xattr_next(e, &name, &value, &size) ==
	    ARCHIVE_OK) {
		if (!xattr_wanted(la, name)) {
			la->st->xattrs_skipped++;
			continue;
		}
		aname = name;
		if (la->o.whiteout == LAYER_WHITEOUT_OVERLAY &&
		    strncmp(name, OVL_PREFIX, sizeof(OVL_PREFIX) - 1) == 0) {
			/* overlayfs shows "trusted.overlay.overlay.X" as X. */
			(void)snprintf(esc, sizeof(esc), "%soverlay.%s",
			    OVL_PREFIX, name + sizeof(OVL_PREFIX) - 1);
			aname = esc;
		}
		if (fd != -1)
			rc = os_fsetxattr(fd, aname, value, size);
		else
			rc = os_setxattrat(pfd, base, aname, value, size);
		if (rc == -1) {
			/*
			 * Not here: the filesystem lacks the namespace, or
			 * "user." on a symlink or device (EPERM), or a
			 * user namespace without CAP_SYS_ADMIN (EPERM).
			 */
			if (errno == ENOTSUP || errno == EOPNOTSUPP ||
			    errno == EPERM) {
				la->st->xattrs_skipped++;
				continue;
			}
			return (error_set(ep, errno == ENOSPC ||
			    errno == E2BIG ? EX_IOERR : EX_OSERR, errno,
			    "set xattr '%s' on '%s'", aname, la->path));
		}
	}
	return (0);
}

static void
entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (!archive_entry_mtime_is_set(e))
		ts[1].tv_nsec = UTIME_OMIT;
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else
		ts[0] = ts[1];
}

/* Does the new node need a chown (made by us, so owned by euid:egid)? */
static bool
need_chown(const struct lapply *la, uid_t uid, gid_t gid)
{
	if (!la->o.privileged)
		return (false);
	return (uid != la->euid || gid != la->egid || la->pcache_sgid);
}

static void
push_fflags(struct lapply *la, const char *path, unsigned long flags)
{
	if (la->nfflags == la->capfflags) {
		la->capfflags = la->capfflags == 0 ? 16 : la->capfflags * 2;
		la->fflags = xreallocarray(la->fflags, la->capfflags,
		    sizeof(*la->fflags));
	}
	la->fflags[la->nfflags].path = xstrdup(path);
	la->defbytes += strlen(path) + 1;
	la->fflags[la->nfflags].flags = flags;
	la->nfflags++;
}

/* File flags (schg, uchg...) go on last, when nothing else will write. */
static void
note_fflags(struct lapply *la, struct archive_entry *e)
{
	unsigned long set, clear;

	archive_entry_fflags(e, &set, &clear);
	if (set != 0)
		push_fflags(la, la->path, set);
}

/* ---- entries ---- */

static int
write_file(struct lapply *la, struct archive_entry *e, int pfd,
    const char *base, struct error *ep)
{
	struct timespec ts[2];
	const void *buf;
	la_int64_t off, pos = 0, size;
	size_t len;
	ssize_t n;
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	int fd, r;

	fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1 && errno == EEXIST) {
		if (make_room(la, pfd, base, ep) == -1)
			return (-1);
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd == -1)
		return (syserr(ep, errno, "create", la->path));
	for (;;) {
		r = archive_read_data_block(la->ar, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		/* All the data is there, only the stream ends. */
		if (r < ARCHIVE_WARN && pos == archive_entry_size(e) &&
		    ends_at_entry(la)) {
			la->ended_early = ENDED_UNPADDED;
			break;
		}
		if (r < ARCHIVE_WARN) {
			(void)close(fd);
			(void)archive_err(la, "read tar", ep);
			return (error_wrap(ep, "'%s'", la->path));
		}
		if (off != pos && lseek(fd, (off_t)off, SEEK_SET) == -1) {
			(void)close(fd);
			return (syserr(ep, errno, "seek", la->path));
		}
		pos = off + (la_int64_t)len;
		while (len > 0) {
			n = write(fd, buf, len);
			if (n == -1) {
				if (errno == EINTR)
					continue;
				r = errno;
				(void)close(fd);
				return (syserr(ep, r, "write", la->path));
			}
			buf = (const char *)buf + n;
			len -= (size_t)n;
		}
	}
	/* A sparse file may end in a hole. */
	size = archive_entry_size(e);
	if (pos != size && ftruncate(fd, (off_t)size) == -1) {
		r = errno;
		(void)close(fd);
		return (syserr(ep, r, "truncate", la->path));
	}
	if (need_chown(la, uid, gid) && fchown(fd, uid, gid) == -1) {
		r = errno;
		(void)close(fd);
		return (syserr(ep, r, "chown", la->path));
	}
	if (fchmod(fd, archive_entry_perm(e) & 07777) == -1) {
		r = errno;
		(void)close(fd);
		return (syserr(ep, r, "chmod", la->path));
	}
	if (set_xattrs(la, e, fd, -1, NULL, ep) == -1) {
		(void)close(fd);
		return (-1);
	}
	entry_times(e, ts);
	if (futimens(fd, ts) == -1) {
		r = errno;
		(void)close(fd);
		return (syserr(ep, r, "set times of", la->path));
	}
	if (close(fd) == -1)
		return (syserr(ep, errno, "close", la->path));
	note_fflags(la, e);
	la->st->files++;
	return (0);
}

/* Mode, times and flags of the directory path (stat st) for the end. */
static struct deferred *
defer_push(struct lapply *la, const char *path, unsigned depth,
    const struct stat *st, mode_t mode)
{
	struct deferred *d;

	if (la->ndefs == la->capdefs) {
		la->capdefs = la->capdefs == 0 ? 256 : la->capdefs * 2;
		la->defs = xreallocarray(la->defs, la->capdefs,
		    sizeof(*la->defs));
	}
	d = &la->defs[la->ndefs];
	d->path = xstrdup(path);
	la->defbytes += strlen(path) + 1 + sizeof(*d);
	d->dev = st->st_dev;
	d->ino = st->st_ino;
	d->mode = mode;
	d->dead = false;
	d->depth = depth;
	d->seq = la->ndefs;
	d->fflags = 0;
	la->ndefs++;
	return (d);
}

static void
defer_dir(struct lapply *la, struct archive_entry *e, const struct stat *st,
    struct kent *k)
{
	struct deferred *d;
	unsigned long set, clear;

	d = defer_push(la, la->path, la->depth, st,
	    archive_entry_perm(e) & 07777);
	archive_entry_fflags(e, &set, &clear);
	d->fflags = set;
	entry_times(e, d->times);
	if (k != NULL)
		k->defer = la->ndefs;
}

static int
write_dir(struct lapply *la, struct archive_entry *e, int pfd,
    const char *base, struct error *ep)
{
	struct stat st;
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	bool created = true;
	int fd, rv;

	la->replaced_whiteout = false;
	if (mkdirat(pfd, base, 0700) == -1) {
		created = false;
		if (errno != EEXIST)
			return (syserr(ep, errno, "mkdir", la->path));
		if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == -1)
			return (syserr(ep, errno, "stat", la->path));
		if (!S_ISDIR(st.st_mode)) {
			if (make_room(la, pfd, base, ep) == -1)
				return (-1);
			if (mkdirat(pfd, base, 0700) == -1)
				return (syserr(ep, errno, "mkdir", la->path));
			created = true;
		} else if (!la->o.privileged &&
		    (st.st_mode & S_IRWXU) != S_IRWXU &&
		    os_fchmodat_nofollow(pfd, base,
		    (st.st_mode & 07777) | S_IRWXU) == -1)
			return (syserr(ep, errno, "chmod", la->path));
	}
	if ((created ? need_chown(la, uid, gid) : la->o.privileged) &&
	    fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) == -1)
		return (syserr(ep, errno, "chown", la->path));
	if ((fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (syserr(ep, errno, "open", la->path));
	if (fstat(fd, &st) == -1) {
		rv = errno;
		(void)close(fd);
		return (syserr(ep, rv, "stat", la->path));
	}
	rv = set_xattrs(la, e, fd, -1, NULL, ep);
	/*
	 * ".wh.d" then "d/" in one layer: the new d hides the lower one, so
	 * overlayfs must see it opaque.
	 */
	if (rv == 0 && la->replaced_whiteout &&
	    la->o.whiteout == LAYER_WHITEOUT_OVERLAY &&
	    os_fsetxattr(fd, OVL_OPAQUE, "y", 1) == -1)
		rv = error_set(ep, errno == EPERM ? EX_NOPERM : EX_OSERR,
		    errno, "set %s on '%s'", OVL_OPAQUE, la->path);
	(void)close(fd);
	if (rv == -1)
		return (-1);
	defer_dir(la, e, &st, kset_put_tree(&la->kept, la->path));
	la->st->dirs++;
	return (0);
}

static int
write_symlink(struct lapply *la, struct archive_entry *e, int pfd,
    const char *base, struct error *ep)
{
	struct timespec ts[2];
	const char *target = archive_entry_symlink(e);
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);

	if (target == NULL || target[0] == '\0')
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': symlink with an empty target", la->path));
	if (symlinkat(target, pfd, base) == -1) {
		if (errno != EEXIST)
			return (syserr(ep, errno, "symlink", la->path));
		if (make_room(la, pfd, base, ep) == -1)
			return (-1);
		if (symlinkat(target, pfd, base) == -1)
			return (syserr(ep, errno, "symlink", la->path));
	}
	if (need_chown(la, uid, gid) && fchownat(pfd, base, uid, gid,
	    AT_SYMLINK_NOFOLLOW) == -1)
		return (syserr(ep, errno, "chown", la->path));
	if (set_xattrs(la, e, -1, pfd, base, ep) == -1)
		return (-1);
	entry_times(e, ts);
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) == -1)
		return (syserr(ep, errno, "set times of", la->path));
	note_fflags(la, e);
	la->st->symlinks++;
	return (0);
}

static int
write_special(struct lapply *la, struct archive_entry *e, int pfd,
    const char *base, struct error *ep)
{
	struct timespec ts[2];
	mode_t type = archive_entry_filetype(e), perm;
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	int r;

	if (type != AE_IFIFO && !la->o.privileged) {
		la->skipped_devices++;
		la->st->skipped++;
		return (0);
	}
	perm = archive_entry_perm(e) & 07777;
	r = os_mknodat(pfd, base, type | 0600, archive_entry_rdevmajor(e),
	    archive_entry_rdevminor(e));
	if (r == -1 && errno == EEXIST) {
		if (make_room(la, pfd, base, ep) == -1)
			return (-1);
		r = os_mknodat(pfd, base, type | 0600,
		    archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
	}
	if (r == -1) {
		if (type != AE_IFIFO && (errno == ENOTSUP || errno == EPERM)) {
			/* No device nodes here (FreeBSD, user namespace). */
			la->skipped_devices++;
			la->st->skipped++;
			return (0);
		}
		return (syserr(ep, errno, "mknod", la->path));
	}
	if (need_chown(la, uid, gid) && fchownat(pfd, base, uid, gid,
	    AT_SYMLINK_NOFOLLOW) == -1)
		return (syserr(ep, errno, "chown", la->path));
	if (os_fchmodat_nofollow(pfd, base, perm) == -1)
		return (syserr(ep, errno, "chmod", la->path));
	if (set_xattrs(la, e, -1, pfd, base, ep) == -1)
		return (-1);
	entry_times(e, ts);
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) == -1)
		return (syserr(ep, errno, "set times of", la->path));
	note_fflags(la, e);
	la->st->specials++;
	return (0);
}

/* ---- hardlinks to lower layers (overlay diffs) ---- */

/*
 * The merged view of the root over the lower diffs, as a path is walked
 * in it: per layer (0 the root, i the lower diff lower_fds[i - 1]) the
 * directory reached, or -1 where that layer has none or is hidden.  The
 * root's is always there: what the root lacks is copied up on the way.
 */
struct mwalk {
	int	*fd;
	bool	*own;
	size_t	 n;
};

enum mstep {
	MSTEP_DIR,		/* a directory: the walk went into it */
	MSTEP_MISSING,		/* nothing, a whiteout or a non-directory */
	MSTEP_SYMLINK		/* a symlink: its target is in link */
};

static bool
is_whiteout(const struct stat *st)
{
	return (S_ISCHR(st->st_mode) && st->st_rdev == 0);
}

static bool
is_opaque(int fd)
{
	char v[2];

	return (os_fgetxattr(fd, OVL_OPAQUE, v, sizeof(v)) == 1 &&
	    v[0] == 'y');
}

static void
mw_drop(struct mwalk *w, size_t i)
{
	if (w->own[i])
		(void)close(w->fd[i]);
	w->fd[i] = -1;
	w->own[i] = false;
}

static void
mw_reset(struct lapply *la, struct mwalk *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		mw_drop(w, i);
		w->fd[i] = i == 0 ? la->rootfd : la->o.lower_fds[i - 1];
	}
}

/*
 * Clean in into out (LAYER_PATH_MAX bytes) as a path resolved beneath a
 * root: ".." at the root stays there, as RESOLVE_IN_ROOT does.
 */
static int
path_clean_in_root(const char *in, char *out, struct error *ep)
{
	const char *p = in, *c;
	size_t len = 0, n;
	char *slash;

	out[0] = '\0';
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		c = p;
		n = strcspn(p, "/");
		p += n;
		if (n == 1 && c[0] == '.')
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			slash = strrchr(out, '/');
			len = slash != NULL ? (size_t)(slash - out) : 0;
			out[len] = '\0';
			continue;
		}
		if (len + n + 2 > LAYER_PATH_MAX)
			return (error_set(ep, EX_DATAERR, 0,
			    "'%.64s...': path longer than %d bytes", in,
			    LAYER_PATH_MAX - 1));
		if (len > 0)
			out[len++] = '/';
		(void)memcpy(out + len, c, n);
		len += n;
		out[len] = '\0';
	}
	return (0);
}

/* Not copied up: overlayfs's own attributes (an image's are escaped). */
static bool
xattr_private(const char *name)
{
	return (strncmp(name, OVL_PREFIX, sizeof(OVL_PREFIX) - 1) == 0 &&
	    strncmp(name + sizeof(OVL_PREFIX) - 1, "overlay.", 8) != 0);
}

static bool
xattr_soft(int errnum)
{
	return (errnum == ENOTSUP || errnum == EOPNOTSUPP || errnum == EPERM ||
	    errnum == EACCES || errnum == ENOATTR);
}

/*
 * Copy the xattrs of the lower sfd (or sdir/name, not followed, when sfd
 * is -1) to dfd (or ddir/name).  What we may not read or set is counted
 * as skipped, as set_xattrs() does.
 */
static int
copy_xattrs_up(struct lapply *la, int sfd, int sdir, int dfd, int ddir,
    const char *name, const char *path, struct error *ep)
{
	char *list;
	unsigned char *val = NULL;
	const char *a;
	ssize_t len, vlen;
	int r, rv = -1;

	list = xmalloc(LAYER_XATTR_LIST_MAX);
	if (sfd != -1)
		len = os_flistxattr(sfd, list, LAYER_XATTR_LIST_MAX);
	else
		len = os_listxattrat(sdir, name, list, LAYER_XATTR_LIST_MAX);
	if (len == -1) {
		(void)syserr(ep, errno, "list xattrs of", path);
		goto out;
	}
	val = xmalloc(LAYER_XATTR_VALUE_MAX);
	for (a = list; a < list + len; a += strlen(a) + 1) {
		if (xattr_private(a))
			continue;
		if (!xattr_wanted(la, a)) {
			la->st->xattrs_skipped++;
			continue;
		}
		if (sfd != -1)
			vlen = os_fgetxattr(sfd, a, val, LAYER_XATTR_VALUE_MAX);
		else
			vlen = os_getxattrat(sdir, name, a, val,
			    LAYER_XATTR_VALUE_MAX);
		if (vlen == -1) {
			if (xattr_soft(errno)) {
				la->st->xattrs_skipped++;
				continue;
			}
			(void)error_set(ep, EX_OSERR, errno,
			    "get xattr '%s' of '%s'", a, path);
			goto out;
		}
		if (dfd != -1)
			r = os_fsetxattr(dfd, a, val, (size_t)vlen);
		else
			r = os_setxattrat(ddir, name, a, val, (size_t)vlen);
		if (r == -1) {
			if (xattr_soft(errno)) {
				la->st->xattrs_skipped++;
				continue;
			}
			(void)error_set(ep, errno == ENOSPC || errno == E2BIG ?
			    EX_IOERR : EX_OSERR, errno,
			    "set xattr '%s' on '%s'", a, path);
			goto out;
		}
	}
	rv = 0;
out:
	free(val);
	free(list);
	return (rv);
}

/*
 * Copy the lower directory sfd (stat sst) up as rdir/name (path, at
 * depth): owner and xattrs now, mode and times at the end with this
 * layer's own directories.  Returns the new directory's fd.
 */
static int
copy_up_dir(struct lapply *la, int sfd, const struct stat *sst, int rdir,
    const char *name, const char *path, unsigned depth, struct error *ep)
{
	struct deferred *d;
	struct stat st;
	int fd, r;

	if (mkdirat(rdir, name, 0700) == -1)
		return (syserr(ep, errno, "copy up", path));
	if ((fd = openat(rdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (syserr(ep, errno, "open", path));
	la->st->copied_up++;
	if ((la->o.privileged && fchown(fd, sst->st_uid, sst->st_gid) == -1) ||
	    fstat(fd, &st) == -1) {
		r = errno;
		(void)close(fd);
		return (syserr(ep, r, "copy up", path));
	}
	if (copy_xattrs_up(la, sfd, -1, fd, -1, NULL, path, ep) == -1) {
		(void)close(fd);
		return (-1);
	}
	d = defer_push(la, path, depth, &st, sst->st_mode & 07777);
	d->times[0] = sst->st_atim;
	d->times[1] = sst->st_mtim;
	return (fd);
}

/* Copy len bytes at off of sfd to dfd, in the kernel if it can. */
static int
copy_range_up(int sfd, int dfd, off_t off, off_t len, bool *cfr,
    unsigned char **bufp, const char *path, struct error *ep)
{
	off_t ioff = off, ooff = off, end = off + len;
	ssize_t n, w;
	size_t want;

	while (*cfr && ioff < end) {
		want = (size_t)(end - ioff > (off_t)1 << 30 ? (off_t)1 << 30 :
		    end - ioff);
		if ((n = os_copy_file_range(sfd, &ioff, dfd, &ooff, want)) ==
		    -1) {
			if (errno == EINTR)
				continue;
			if (ioff == off && (errno == ENOSYS ||
			    errno == EXDEV || errno == EINVAL ||
			    errno == ENOTSUP || errno == EOPNOTSUPP)) {
				*cfr = false;
				break;
			}
			return (syserr(ep, errno, "copy up", path));
		}
		if (n == 0)
			return (error_set(ep, EX_IOERR, 0, "copy up '%s': "
			    "the lower file shrank", path));
	}
	if (ioff < end && *bufp == NULL)
		*bufp = xmalloc(BUFSZ);
	while (ioff < end) {
		want = (size_t)(end - ioff > BUFSZ ? BUFSZ : end - ioff);
		if ((n = pread(sfd, *bufp, want, ioff)) == -1) {
			if (errno == EINTR)
				continue;
			return (syserr(ep, errno, "read", path));
		}
		if (n == 0)
			return (error_set(ep, EX_IOERR, 0, "copy up '%s': "
			    "the lower file shrank", path));
		for (w = 0; w < n;) {
			ssize_t k = pwrite(dfd, *bufp + w, (size_t)(n - w),
			    ooff);

			if (k == -1) {
				if (errno == EINTR)
					continue;
				return (syserr(ep, errno, "write", path));
			}
			w += k;
			ooff += k;
		}
		ioff += n;
	}
	return (0);
}

/* The data of the regular file sfd (size bytes) into dfd, holes kept. */
static int
copy_data_up(int sfd, int dfd, off_t size, const char *path,
    struct error *ep)
{
	unsigned char *buf = NULL;
	off_t off, data, hole;
	bool cfr = true;
	int rv = -1;

	if (size == 0 || os_clone_file(sfd, dfd) == 0)
		return (0);
	for (off = 0; off < size; off = hole) {
		if ((data = lseek(sfd, off, SEEK_DATA)) == -1) {
			if (errno == ENXIO)
				break;		/* a hole to the end */
			if (errno != EINVAL && errno != ENOTSUP &&
			    errno != EOPNOTSUPP) {
				(void)syserr(ep, errno, "seek", path);
				goto out;
			}
			data = off;
			hole = size;
		} else if ((hole = lseek(sfd, data, SEEK_HOLE)) == -1 ||
		    hole > size)
			hole = size;
		if (data >= size)
			break;
		if (copy_range_up(sfd, dfd, data, hole - data, &cfr, &buf,
		    path, ep) == -1)
			goto out;
	}
	if (ftruncate(dfd, size) == -1) {
		(void)syserr(ep, errno, "truncate", path);
		goto out;
	}
	rv = 0;
out:
	free(buf);
	return (rv);
}

static int
copy_up_file(struct lapply *la, int sdir, const char *name,
    const struct stat *sst, int rdir, const char *path, struct error *ep)
{
	struct timespec ts[2];
	struct stat st;
	int sfd, dfd = -1, r, rv = -1;

	if ((sfd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1)
		return (syserr(ep, errno, "open lower", path));
	if (fstat(sfd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_ino != sst->st_ino || st.st_dev != sst->st_dev) {
		(void)error_set(ep, EX_IOERR, 0, "copy up '%s': the lower "
		    "file changed", path);
		goto out;
	}
	if ((dfd = openat(rdir, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		(void)syserr(ep, errno, "copy up", path);
		goto out;
	}
	la->st->copied_up++;
	if (copy_data_up(sfd, dfd, st.st_size, path, ep) == -1)
		goto out;
	/* Owner first: chown clears set-id bits. */
	if (la->o.privileged && fchown(dfd, st.st_uid, st.st_gid) == -1) {
		(void)syserr(ep, errno, "chown", path);
		goto out;
	}
	if (fchmod(dfd, st.st_mode & 07777) == -1) {
		(void)syserr(ep, errno, "chmod", path);
		goto out;
	}
	if (copy_xattrs_up(la, sfd, -1, dfd, -1, NULL, path, ep) == -1)
		goto out;
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	if (futimens(dfd, ts) == -1) {
		(void)syserr(ep, errno, "set times of", path);
		goto out;
	}
	rv = 0;
out:
	if (dfd != -1 && close(dfd) == -1 && rv == 0) {
		r = errno;
		rv = syserr(ep, r, "close", path);
	}
	(void)close(sfd);
	return (rv);
}

/* A lower symlink (as a symlink), device or FIFO: sdir/name to rdir. */
static int
copy_up_node(struct lapply *la, int sdir, const char *name,
    const struct stat *sst, int rdir, const char *path, struct error *ep)
{
	char link[LAYER_PATH_MAX];
	struct timespec ts[2];
	ssize_t n;

	if (S_ISREG(sst->st_mode))
		return (copy_up_file(la, sdir, name, sst, rdir, path, ep));
	if (S_ISLNK(sst->st_mode)) {
		if ((n = readlinkat(sdir, name, link, sizeof(link))) == -1)
			return (syserr(ep, errno, "readlink", path));
		if ((size_t)n >= sizeof(link))
			return (error_set(ep, EX_DATAERR, 0, "'%s': symlink "
			    "target longer than %d bytes", path,
			    LAYER_PATH_MAX - 1));
		link[n] = '\0';
		if (symlinkat(link, rdir, name) == -1)
			return (syserr(ep, errno, "copy up", path));
	} else if (S_ISCHR(sst->st_mode) || S_ISBLK(sst->st_mode) ||
	    S_ISFIFO(sst->st_mode)) {
		if (os_mknodat_rdev(rdir, name, sst->st_mode, sst->st_rdev) ==
		    -1)
			return (syserr(ep, errno, "copy up", path));
	} else
		return (error_set(ep, EX_DATAERR, 0, "'%s': cannot copy up "
		    "a file of this type", path));
	la->st->copied_up++;
	if (la->o.privileged && fchownat(rdir, name, sst->st_uid,
	    sst->st_gid, AT_SYMLINK_NOFOLLOW) == -1)
		return (syserr(ep, errno, "chown", path));
	if (!S_ISLNK(sst->st_mode) && os_fchmodat_nofollow(rdir, name,
	    sst->st_mode & 07777) == -1)
		return (syserr(ep, errno, "chmod", path));
	if (copy_xattrs_up(la, -1, sdir, -1, rdir, name, path, ep) == -1)
		return (-1);
	ts[0] = sst->st_atim;
	ts[1] = sst->st_mtim;
	if (utimensat(rdir, name, ts, AT_SYMLINK_NOFOLLOW) == -1)
		return (syserr(ep, errno, "set times of", path));
	return (0);
}

/*
 * Walk into name (a directory at path, depth components deep) in the
 * merged view: the first layer holding name decides (a whiteout or a
 * non-directory ends the walk, a symlink is handed back in link), and the
 * layers below merge with it as long as they hold directories and no
 * opaque one is met.  The root's directory is copied up if it has none.
 */
static int
mw_step(struct lapply *la, struct mwalk *w, const char *name,
    const char *path, unsigned depth, char *link, struct error *ep)
{
	struct stat st;
	ssize_t len;
	size_t i;
	bool found = false, hidden = false;
	int *nfd, r = -1;

	nfd = xcalloc(w->n, sizeof(*nfd));
	for (i = 0; i < w->n; i++)
		nfd[i] = -1;
	for (i = 0; i < w->n && !hidden; i++) {
		if (w->fd[i] == -1)
			continue;
		if (fstatat(w->fd[i], name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT)
				continue;
			(void)syserr(ep, errno, "stat", path);
			goto out;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (found)
				break;		/* hides what is below */
			if (!S_ISLNK(st.st_mode)) {
				r = MSTEP_MISSING;
				goto out;
			}
			if ((len = readlinkat(w->fd[i], name, link,
			    LAYER_PATH_MAX)) == -1) {
				(void)syserr(ep, errno, "readlink", path);
				goto out;
			}
			if (len == 0) {
				r = MSTEP_MISSING;
				goto out;
			}
			if ((size_t)len >= LAYER_PATH_MAX) {
				(void)error_set(ep, EX_DATAERR, 0, "'%s': "
				    "symlink target longer than %d bytes",
				    path, LAYER_PATH_MAX - 1);
				goto out;
			}
			link[len] = '\0';
			r = MSTEP_SYMLINK;
			goto out;
		}
		if ((nfd[i] = openat(w->fd[i], name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1) {
			(void)syserr(ep, errno, "open", path);
			goto out;
		}
		if (!found && i > 0 && (nfd[0] = copy_up_dir(la, nfd[i], &st,
		    w->fd[0], name, path, depth, ep)) == -1)
			goto out;
		found = true;
		hidden = is_opaque(nfd[i]);
	}
	if (!found) {
		r = MSTEP_MISSING;
		goto out;
	}
	for (i = 0; i < w->n; i++) {
		mw_drop(w, i);
		w->fd[i] = nfd[i];
		w->own[i] = nfd[i] != -1;
		nfd[i] = -1;
	}
	r = MSTEP_DIR;
out:
	for (i = 0; i < w->n; i++)
		if (nfd[i] != -1)
			(void)close(nfd[i]);
	free(nfd);
	return (r);
}

/*
 * Find the hardlink target (cleaned, not the root; rewritten in place when
 * a symlink in it is followed) in the merged view of the root over the
 * lower diffs, as overlayfs would, and copy it up into the root with the
 * directories above it that the root lacks, as link(2) on the mounted
 * overlay does.  Returns a directory fd of the root (the caller closes
 * it) holding the target as *basep; -1 with EX_DATAERR for a target that
 * the merged view does not have, or has as a directory.
 */
static int
lower_target(struct lapply *la, struct archive_entry *e, char *target,
    const char **basep, struct error *ep)
{
	char path[LAYER_PATH_MAX], link[LAYER_PATH_MAX];
	char name[NAME_MAX + 1], *joined;
	struct mwalk w;
	struct stat st;
	const char *p, *rest;
	unsigned depth, nsym = 0;
	size_t i, n;
	int r, rv = -1;

	w.n = 1 + la->o.nlower;
	w.fd = xcalloc(w.n, sizeof(*w.fd));
	w.own = xcalloc(w.n, sizeof(*w.own));
	for (i = 0; i < w.n; i++)
		w.fd[i] = -1;
restart:
	mw_reset(la, &w);
	depth = 0;
	for (p = target;; p = rest) {
		n = strcspn(p, "/");
		if (p[n] == '\0')
			break;
		if (n > NAME_MAX) {
			(void)error_set(ep, EX_DATAERR, 0, "'%s': hardlink "
			    "target '%s': name too long", la->path, target);
			goto out;
		}
		(void)memcpy(name, p, n);
		name[n] = '\0';
		rest = p + n + 1;
		/* What is walked so far, this name included. */
		(void)snprintf(path, sizeof(path), "%.*s",
		    (int)(rest - 1 - target), target);
		r = mw_step(la, &w, name, path, depth + 1, link, ep);
		if (r == -1)
			goto out;
		if (r == MSTEP_MISSING)
			goto missing;
		if (r == MSTEP_SYMLINK) {
			if (++nsym > SYMLINKS_MAX) {
				(void)error_set(ep, EX_DATAERR, ELOOP, "'%s': "
				    "hardlink target '%s': too many symlinks",
				    la->path, archive_entry_hardlink(e));
				goto out;
			}
			/* Relative to its directory, or to the root. */
			joined = xasprintf("%.*s/%s/%s", link[0] == '/' ? 0 :
			    (int)(p - target), target, link, rest);
			r = path_clean_in_root(joined, path, ep);
			free(joined);
			if (r == -1)
				goto out;
			if (path[0] == '\0') {
				(void)error_set(ep, EX_DATAERR, 0, "'%s': "
				    "hardlink to the root", la->path);
				goto out;
			}
			(void)memcpy(target, path, strlen(path) + 1);
			goto restart;
		}
		depth++;
	}
	for (i = 0; i < w.n; i++) {
		if (w.fd[i] == -1)
			continue;
		if (fstatat(w.fd[i], p, &st, AT_SYMLINK_NOFOLLOW) == 0)
			break;
		if (errno != ENOENT) {
			(void)syserr(ep, errno, "stat", target);
			goto out;
		}
	}
	if (i == w.n || is_whiteout(&st))
		goto missing;
	if (S_ISDIR(st.st_mode)) {
		(void)error_set(ep, EX_DATAERR, 0, "'%s': hardlink to the "
		    "directory '%s'", la->path, archive_entry_hardlink(e));
		goto out;
	}
	if (i > 0 && copy_up_node(la, w.fd[i], p, &st, w.fd[0], target,
	    ep) == -1)
		goto out;
	if (w.own[0]) {
		rv = w.fd[0];
		w.own[0] = false;
	} else if ((rv = fcntl(w.fd[0], F_DUPFD_CLOEXEC, 0)) == -1) {
		(void)syserr(ep, errno, "dup", "");
		goto out;
	}
	*basep = p;
	goto out;
missing:
	(void)error_set(ep, EX_DATAERR, 0, "'%s': hardlink target '%s' not "
	    "found in the root or the layers below", la->path,
	    archive_entry_hardlink(e));
	la->st->hardlink_missing = true;
out:
	for (i = 0; i < w.n; i++)
		mw_drop(&w, i);
	free(w.fd);
	free(w.own);
	return (rv);
}

/*
 * A hardlink to a non-directory already inside the root (or, for an
 * overlay diff with lower_fds, in the merged view, copied up).  Its data,
 * if the archive carries any, is never written anywhere (CVE-2016-5418: it
 * would land in the link target), and the target keeps its metadata.
 */
static int
write_hardlink(struct lapply *la, struct archive_entry *e, int pfd,
    const char *base, struct error *ep)
{
	char target[LAYER_PATH_MAX];
	const char *tbase;
	char *tparent, *tb;
	struct stat st;
	int tfd, r;

	if (path_clean(archive_entry_hardlink(e), target, "hardlink target",
	    ep) == -1)
		return (error_wrap(ep, "'%s'", la->path));
	if (target[0] == '\0')
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': hardlink to the root", la->path));
	if (strcmp(target, la->path) == 0)
		return (0);
	if (la->o.whiteout == LAYER_WHITEOUT_OVERLAY && la->o.nlower > 0) {
		if ((tfd = lower_target(la, e, target, &tbase, ep)) == -1)
			return (-1);
		goto link;
	}
	path_split(target, &tparent, &tb);
	tbase = tb;
	if ((tfd = open_dir(la, tparent, false, ep)) == -1) {
		if (ep->errnum == ENOENT) {
			la->st->hardlink_missing = true;
			return (error_set(ep, EX_DATAERR, 0,
			    "'%s': hardlink target '%s' not found in the root",
			    la->path, archive_entry_hardlink(e)));
		}
		return (error_wrap(ep, "'%s': hardlink target", la->path));
	}
	if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		r = errno;
		(void)close(tfd);
		if (r == ENOENT) {
			la->st->hardlink_missing = true;
			return (error_set(ep, EX_DATAERR, 0,
			    "'%s': hardlink target '%s' not found in the root",
			    la->path, archive_entry_hardlink(e)));
		}
		return (syserr(ep, r, "stat", archive_entry_hardlink(e)));
	}
	/* An overlay whiteout made earlier in this layer: deleted. */
	if (la->o.whiteout == LAYER_WHITEOUT_OVERLAY && is_whiteout(&st)) {
		(void)close(tfd);
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': hardlink target '%s' not found in the root",
		    la->path, archive_entry_hardlink(e)));
	}
	if (S_ISDIR(st.st_mode)) {
		(void)close(tfd);
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': hardlink to the directory '%s'", la->path,
		    archive_entry_hardlink(e)));
	}
link:
	r = linkat(tfd, tbase, pfd, base, 0);
	if (r == -1 && errno == EEXIST) {
		if (make_room(la, pfd, base, ep) == -1) {
			(void)close(tfd);
			return (-1);
		}
		r = linkat(tfd, tbase, pfd, base, 0);
	}
	if (r == -1) {
		r = errno;
		(void)close(tfd);
		if (r == ENOENT)
			return (error_set(ep, EX_DATAERR, 0,
			    "'%s': hardlink target '%s' vanished", la->path,
			    archive_entry_hardlink(e)));
		return (syserr(ep, r, "link", la->path));
	}
	(void)close(tfd);
	la->st->hardlinks++;
	return (0);
}

/*
 * A whiteout's directory is missing (or not a directory): there is nothing
 * lower to remove, which is not an error.
 */
static int
nothing_below(struct error *ep)
{
	if (ep->errnum != ENOENT && ep->errnum != ENOTDIR)
		return (-1);
	error_clear(ep);
	return (0);
}

/*
 * Remove the lower content in the directory dfd (dir, cleaned): what this
 * layer wrote stays.  Returns the number of names looked at, or -1.
 */
static int
rm_lower_in(struct lapply *la, int dfd, const char *dir, struct error *ep)
{
	return (rm_lower_walk(la, dfd, ".", dir, ep));
}

/* ".wh..wh..opq" in dir (cleaned path). */
static int
opaque(struct lapply *la, const char *dir, struct error *ep)
{
	int dfd, n;

	if (la->o.whiteout == LAYER_WHITEOUT_OVERLAY) {
		if ((dfd = parent_fd(la, dir, true, ep)) == -1)
			return (-1);
		if (os_fsetxattr(dfd, OVL_OPAQUE, "y", 1) == -1)
			return (error_set(ep, errno == EPERM ? EX_NOPERM :
			    EX_OSERR, errno, "set %s on '%s'", OVL_OPAQUE,
			    dir[0] != '\0' ? dir : "."));
		(void)kset_put_tree(&la->kept, dir);
		/* Lower files copied up for hardlinks are lower content. */
		if (la->st->copied_up > 0) {
			if ((n = rm_lower_in(la, dfd, dir, ep)) == -1)
				return (-1);
			if (n > 0)
				pcache_drop(la);
		}
		return (0);
	}
	if ((dfd = parent_fd(la, dir, false, ep)) == -1)
		return (nothing_below(ep));
	n = rm_lower_in(la, dfd, dir, ep);
	if (dir[0] != '\0')
		(void)kset_put_tree(&la->kept, dir);
	/* Directories and symlinks may have gone: resolve afresh. */
	if (n != 0)
		pcache_drop(la);
	return (n == -1 ? -1 : 0);
}

static int
set_opaque_at(int pfd, const char *name, const char *path, struct error *ep)
{
	int fd, rv = 0;

	if ((fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (syserr(ep, errno, "open", path));
	if (os_fsetxattr(fd, OVL_OPAQUE, "y", 1) == -1)
		rv = error_set(ep, errno == EPERM ? EX_NOPERM : EX_OSERR,
		    errno, "set %s on '%s'", OVL_OPAQUE, path);
	(void)close(fd);
	return (rv);
}

/* ".wh.NAME" in parent: name is NAME, la->path the whiteout entry. */
static int
whiteout(struct lapply *la, struct archive_entry *e, const char *parent,
    const char *name, struct error *ep)
{
	char victim[LAYER_PATH_MAX];
	struct stat st;
	int pfd;

	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': invalid whiteout name", la->path));
	(void)snprintf(victim, sizeof(victim), "%s%s%s", parent,
	    parent[0] != '\0' ? "/" : "", name);
	if (la->o.whiteout == LAYER_WHITEOUT_OVERLAY) {
		if ((pfd = parent_fd(la, parent, true, ep)) == -1)
			return (-1);
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (la->st->copied_up == 0 ||
		    kset_get(&la->kept, victim) != NULL)) {
			/*
			 * This layer's own NAME already hides the lower one,
			 * but a directory would merge with it: make it opaque
			 * (and drop what was copied up into it).
			 */
			if (S_ISDIR(st.st_mode) &&
			    (set_opaque_at(pfd, name, victim, ep) == -1 ||
			    (la->st->copied_up > 0 &&
			    rm_lower(la, pfd, name, victim, ep) == -1)))
				return (-1);
			return (0);
		}
		/*
		 * What was copied up from a lower layer for a hardlink (see
		 * lower_target()) goes as the lower one does.
		 */
		if (la->st->copied_up > 0 &&
		    rm_tree(la, pfd, name, victim, ep) == -1)
			return (-1);
		if (os_mknodat(pfd, name, S_IFCHR, 0, 0) == -1)
			return (error_set(ep, errno == EPERM ? EX_NOPERM :
			    EX_OSERR, errno,
			    "create whiteout device '%s'", victim));
		if (la->o.privileged && fchownat(pfd, name,
		    (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
		    AT_SYMLINK_NOFOLLOW) == -1)
			return (syserr(ep, errno, "chown", victim));
		(void)kset_put_tree(&la->kept, parent);
		return (0);
	}
	if ((pfd = parent_fd(la, parent, false, ep)) == -1)
		return (nothing_below(ep));
	if (rm_lower(la, pfd, name, victim, ep) == -1)
		return (-1);
	pcache_drop(la);
	return (0);
}

/* The "." entry: metadata of the root only, and only as a directory. */
static int
root_entry(struct lapply *la, struct archive_entry *e, struct error *ep)
{
	struct stat st;

	if (archive_entry_hardlink(e) != NULL ||
	    archive_entry_filetype(e) != AE_IFDIR)
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': the root can only be a directory",
		    archive_entry_pathname(e)));
	if (la->o.privileged && fchown(la->rootfd,
	    (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) == -1)
		return (syserr(ep, errno, "chown", ""));
	if (set_xattrs(la, e, la->rootfd, -1, NULL, ep) == -1)
		return (-1);
	if (fstat(la->rootfd, &st) == -1)
		return (syserr(ep, errno, "stat", ""));
	defer_dir(la, e, &st, NULL);
	return (0);
}

static bool
is_aufs_meta(const char *path)
{
	const char *p = path;

	/* ".wh..wh.plnk", ".wh..wh.aufs", ".wh..wh.orph" and what is below. */
	for (;;) {
		if (strncmp(p, WH_META, sizeof(WH_META) - 1) == 0 &&
		    strcmp(p, WH_OPAQUE) != 0)
			return (true);
		if ((p = strchr(p, '/')) == NULL)
			return (false);
		p++;
	}
}

static int
apply_entry(struct lapply *la, struct archive_entry *e, struct error *ep)
{
	const char *name = archive_entry_pathname(e);
	char *parent, *base;
	mode_t type;
	char split[LAYER_PATH_MAX];
	int depth, pfd, r;

	if (name == NULL || name[0] == '\0')
		return (error_set(ep, EX_DATAERR, 0,
		    "tar entry without a name"));
	if ((depth = path_clean(name, la->path, "entry", ep)) == -1)
		return (-1);
	/*
	 * What we remember per entry (paths, ancestors) is bounded, as a
	 * few MiB of gzip can spell a million long, deep, distinct paths.
	 */
	if (la->kept.bytes + la->kept.cap * sizeof(struct kent) +
	    la->defbytes > LAYER_PATHMEM_MAX)
		return (error_set(ep, EX_DATAERR, 0,
		    "entry %" PRIu64 ": the layer's paths need more than %d "
		    "MiB", la->st->entries, LAYER_PATHMEM_MAX >> 20));
	if (archive_entry_filetype(e) == AE_IFREG &&
	    archive_entry_hardlink(e) == NULL &&
	    (uint64_t)archive_entry_size(e) > la->entry_limit)
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': size %" PRId64 " larger than the layer limit, %"
		    PRIu64 " bytes (decompression bomb?)", la->path,
		    (int64_t)archive_entry_size(e), la->entry_limit));
	la->depth = (unsigned)depth;
	if (entry_check(la, e, ep) == -1)
		return (-1);
	if (la->path[0] == '\0')
		return (root_entry(la, e, ep));
	if (is_aufs_meta(la->path)) {
		la->st->skipped++;
		return (0);
	}
	/* la->path stays whole; split a copy. */
	(void)memcpy(split, la->path, strlen(la->path) + 1);
	path_split(split, &parent, &base);
	if (strcmp(base, WH_OPAQUE) == 0) {
		la->st->whiteouts++;
		return (opaque(la, parent, ep));
	}
	if (strncmp(base, WH_PREFIX, sizeof(WH_PREFIX) - 1) == 0) {
		la->st->whiteouts++;
		return (whiteout(la, e, parent, base + sizeof(WH_PREFIX) - 1,
		    ep));
	}
	if ((pfd = parent_fd(la, parent, true, ep)) == -1)
		return (error_wrap(ep, "'%s'", la->path));
	if (archive_entry_hardlink(e) != NULL)
		r = write_hardlink(la, e, pfd, base, ep);
	else {
		type = archive_entry_filetype(e);
		switch (type) {
		case AE_IFREG:
			r = write_file(la, e, pfd, base, ep);
			break;
		case AE_IFDIR:
			/* write_dir() records the kept path itself. */
			return (write_dir(la, e, pfd, base, ep));
		case AE_IFLNK:
			r = write_symlink(la, e, pfd, base, ep);
			break;
		case AE_IFCHR:
		case AE_IFBLK:
		case AE_IFIFO:
			r = write_special(la, e, pfd, base, ep);
			break;
		default:
			la->skipped_other++;
			la->st->skipped++;
			return (0);
		}
	}
	if (r == 0)
		(void)kset_put_tree(&la->kept, la->path);
	return (r);
}

/* ---- the end ---- */

static int
defer_cmp(const void *a, const void *b)
{
	const struct deferred *x = a, *y = b;

	if (x->depth != y->depth)
		return (x->depth > y->depth ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/*
 * Directory modes and times, deepest first so that a parent is still
 * writable while its children are finished, and each only if the path
 * still names the directory we made (a later entry may have replaced it
 * with a symlink: CVE-2021-31566 / CVE-2021-32760).  File flags last.
 */
static int
finish_dirs(struct lapply *la, struct error *ep)
{
	struct error e = ERROR_INIT;
	struct deferred *d;
	struct stat st;
	char *parent, *base;
	size_t i;
	int fd;

	pcache_drop(la);
	if (la->ndefs > 1)
		qsort(la->defs, la->ndefs, sizeof(*la->defs), defer_cmp);
	for (i = 0; i < la->ndefs; i++) {
		d = &la->defs[i];
		if (d->dead)
			continue;
		if (d->path[0] == '\0')
			fd = openat(la->rootfd, ".", O_RDONLY | O_DIRECTORY |
			    O_CLOEXEC);
		else
			fd = os_open_beneath(la->rootfd, d->path, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW, 0, &e);
		if (fd == -1)
			continue;
		if (fstat(fd, &st) == -1 || st.st_dev != d->dev ||
		    st.st_ino != d->ino) {
			(void)close(fd);
			continue;
		}
		if (fchmod(fd, d->mode) == -1 || futimens(fd, d->times) == -1) {
			int saved = errno;

			(void)close(fd);
			return (syserr(ep, saved, "set mode and times of",
			    d->path));
		}
		(void)close(fd);
	}
	for (i = 0; i < la->ndefs; i++) {
		d = &la->defs[i];
		if (d->dead || d->fflags == 0)
			continue;
		if (d->path[0] == '\0')
			la->skipped_fflags++;
		else
			push_fflags(la, d->path, d->fflags);
	}
	for (i = 0; i < la->nfflags; i++) {
		path_split(la->fflags[i].path, &parent, &base);
		fd = parent[0] == '\0' ? fcntl(la->rootfd, F_DUPFD_CLOEXEC, 0) :
		    os_open_beneath(la->rootfd, parent, O_RDONLY |
		    O_DIRECTORY, 0, &e);
		if (fd == -1)
			continue;
		if (os_chflagsat(fd, base, la->fflags[i].flags) == -1)
			la->skipped_fflags++;
		(void)close(fd);
	}
	return (0);
}

static int
check_digest(const char *what, const char *want, const char *got,
    struct error *ep)
{
	if (want != NULL && strcmp(want, got) != 0)
		return (error_set(ep, EX_DATAERR, 0,
		    "%s mismatch: expected %s, got %s", what, want, got));
	return (0);
}

static void
report_skips(const struct lapply *la)
{
	if (la->skipped_devices > 0)
		log_warnx("layer: skipped %" PRIu64 " device node(s) (%s)",
		    la->skipped_devices, la->o.privileged ?
		    "not supported here" : "not privileged");
	if (la->st->xattrs_skipped > 0)
		log_warnx("layer: skipped %" PRIu64 " xattr(s) (%s)",
		    la->st->xattrs_skipped, la->o.privileged ?
		    "not supported here" : "not privileged");
	if (la->skipped_other > 0)
		log_warnx("layer: skipped %" PRIu64 " entry(ies) of "
		    "unsupported type (sockets?)", la->skipped_other);
	if (la->skipped_fflags > 0)
		log_warnx("layer: could not set file flags on %" PRIu64
		    " entry(ies)", la->skipped_fflags);
}

void
layer_opts_init(struct layer_opts *o)
{
	(void)memset(o, 0, sizeof(*o));
	o->max_bytes = LAYER_MAX_BYTES_DEFAULT;
	o->max_entries = LAYER_MAX_ENTRIES_DEFAULT;
	o->max_header = LAYER_MAX_HEADER_DEFAULT;
	o->max_ratio = LAYER_MAX_RATIO_DEFAULT;
	o->ratio_floor = LAYER_RATIO_FLOOR_DEFAULT;
	o->whiteout = LAYER_WHITEOUT_DELETE;
	o->privileged = geteuid() == 0;
}

/* Read until DECOMP_SNIFF_LEN bytes are in or the blob ends; check them. */
static int
sniff(struct lapply *la, enum layer_compression declared, struct error *ep)
{
	enum layer_compression seen;

	la->inp = la->inbuf;
	while (la->inlen < DECOMP_SNIFF_LEN && !la->in_eof)
		if (read_blob(la, ep) == -1)
			return (-1);
	seen = decomp_sniff(la->inbuf, la->inlen);
	if (declared == LAYER_UNKNOWN)
		declared = seen;
	if (declared != seen) {
		if (seen == LAYER_PLAIN)
			return (error_set(ep, EX_DATAERR, 0,
			    "media type says %s but the blob does not start "
			    "with %s magic bytes", decomp_name(declared),
			    decomp_name(declared)));
		return (error_set(ep, EX_DATAERR, 0,
		    "media type says %s but the blob is %s",
		    decomp_name(declared), decomp_name(seen)));
	}
	la->comp = declared;
	return (0);
}

static int
alg_of(const char *digest, enum digest_alg *alg, struct error *ep)
{
	*alg = DIGEST_SHA256;
	if (digest == NULL)
		return (0);
	return (digest_validate(digest, alg, ep));
}

/*
 * A stream that ended early at an entry boundary (see ends_at_entry()) is
 * taken when both digests were checked: they vouch for the bytes that are
 * there, the diffID being the digest of those bytes.
 */
static int
ended_early(const struct lapply *la, const char *blob_digest,
    const char *diffid, struct error *ep)
{
	const char *what;

	if (la->ended_early == ENDED_NOT)
		return (0);
	what = la->ended_early == ENDED_UNPADDED ?
	    "the padding of its last entry and the end-of-archive blocks" :
	    "the end-of-archive blocks";
	if (blob_digest == NULL || diffid == NULL)
		return (error_set(ep, EX_DATAERR, 0, "read tar: truncated "
		    "after entry %" PRIu64 ", without %s, and no digest "
		    "vouches for it", la->st->entries, what));
	log_info("layer %s: the tar ends without %s: accepted, as its "
	    "digest and diffID match", blob_digest, what);
	return (0);
}

static int
apply_stream(struct lapply *la, struct error *ep)
{
	struct archive_entry *e;
	const void *buf;
	uint64_t hsize;
	int r;

	la->ar = archive_read_new();
	if (la->ar == NULL)
		return (error_set(ep, EX_OSERR, ENOMEM, "archive_read_new"));
	(void)archive_read_support_format_tar(la->ar);
	(void)archive_read_support_format_gnutar(la->ar);
	(void)archive_read_support_format_empty(la->ar);
	if (archive_read_open(la->ar, la, NULL, archive_cb, NULL) !=
	    ARCHIVE_OK)
		return (archive_err(la, "read tar", ep));
	for (;;) {
		la->in_header = true;
		la->hdr_bytes = 0;
		r = archive_read_next_header(la->ar, &e);
		la->in_header = false;
		if (r == ARCHIVE_EOF) {
			/* Nothing after the last entry: no end marker. */
			if (la->st->entries > 0 &&
			    (uint64_t)archive_filter_bytes(la->ar, 0) ==
			    la->entry_end)
				la->ended_early = ENDED_NO_MARKER;
			break;
		}
		if (r == ARCHIVE_RETRY)
			continue;
		if (r < ARCHIVE_WARN)
			return (archive_err(la, "read tar", ep));
		if (++la->st->entries > la->o.max_entries)
			return (error_set(ep, EX_DATAERR, 0,
			    "layer has more than %" PRIu64 " entries",
			    la->o.max_entries));
		hsize = (uint64_t)(archive_filter_bytes(la->ar, 0) -
		    archive_read_header_position(la->ar));
		if (hsize > la->o.max_header)
			return (error_set(ep, EX_DATAERR, 0,
			    "tar headers of entry %" PRIu64 " are %" PRIu64
			    " bytes, more than %" PRIu64, la->st->entries,
			    hsize, la->o.max_header));
		la->data_start = (uint64_t)archive_filter_bytes(la->ar, 0);
		la->data_size = archive_entry_sparse_count(e) > 0 ? -1 :
		    archive_entry_size(e);
		if (apply_entry(la, e, ep) == -1)
			return (-1);
		if (la->ended_early != ENDED_NOT)
			break;
		/* Whatever the writer did not read (links, dirs) goes. */
		if (archive_read_data_skip(la->ar) < ARCHIVE_WARN) {
			if (!ends_at_entry(la))
				return (archive_err(la, "read tar", ep));
			la->ended_early = ENDED_UNPADDED;
			break;
		}
		la->entry_end = (uint64_t)archive_filter_bytes(la->ar, 0);
	}
	/* The digests cover the whole blob: padding, and anything after. */
	while ((r = (int)feed_take(la, &buf, ep)) > 0)
		;
	return (r);
}

int
layer_apply(int rootfd, int blobfd, enum layer_compression comp,
    const char *blob_digest, const char *diffid,
    const struct layer_opts *opts, struct layer_stats *st, struct error *ep)
{
	struct layer_stats stbuf;
	struct lapply la;
	struct stat sb;
	enum digest_alg calg, dalg;
	size_t i;
	int rv = -1;

	(void)memset(&la, 0, sizeof(la));
	if (opts != NULL)
		la.o = *opts;
	else
		layer_opts_init(&la.o);
	if (la.o.max_bytes == 0)
		la.o.max_bytes = LAYER_MAX_BYTES_DEFAULT;
	if (la.o.max_entries == 0)
		la.o.max_entries = LAYER_MAX_ENTRIES_DEFAULT;
	if (la.o.max_header == 0)
		la.o.max_header = LAYER_MAX_HEADER_DEFAULT;
	if (la.o.ratio_floor == 0)
		la.o.ratio_floor = LAYER_RATIO_FLOOR_DEFAULT;
	/* A file says how big the blob is; a pipe will tell as it goes. */
	if (fstat(blobfd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0)
		la.blob_size = (uint64_t)sb.st_size;
	la.entry_limit = la.blob_size != 0 ? size_limit(&la.o, la.blob_size) :
	    la.o.max_bytes;
	if (st == NULL)
		st = &stbuf;
	(void)memset(st, 0, sizeof(*st));
	la.st = st;
	la.rootfd = rootfd;
	la.blobfd = blobfd;
	la.pcache_fd = -1;
	la.euid = geteuid();
	la.egid = getegid();
	if (alg_of(blob_digest, &calg, ep) == -1 ||
	    alg_of(diffid, &dalg, ep) == -1)
		return (-1);
	la.hc = hasher_new(calg);
	la.hd = hasher_new(dalg);
	la.inbuf = xmalloc(BUFSZ);

	if (sniff(&la, comp, ep) == -1)
		goto out;
	if (la.comp != LAYER_PLAIN &&
	    (la.dc = decomp_new(la.comp, ep)) == NULL)
		goto out;
	if (feed_start(&la, ep) == -1 || apply_stream(&la, ep) == -1)
		goto out;
	feed_stop(&la);		/* joins the producer: stats, hashers ours */
	if (finish_dirs(&la, ep) == -1)
		goto out;
	hasher_final(la.hc, st->digest);
	hasher_final(la.hd, st->diffid);
	if (check_digest("blob digest", blob_digest, st->digest, ep) == -1 ||
	    check_digest("diffID", diffid, st->diffid, ep) == -1 ||
	    ended_early(&la, blob_digest, diffid, ep) == -1)
		goto out;
	report_skips(&la);
	rv = 0;
out:
	feed_stop(&la);
	if (la.ar != NULL)
		(void)archive_read_free(la.ar);
	pcache_drop(&la);
	decomp_free(la.dc);
	hasher_free(la.hc);
	hasher_free(la.hd);
	free(la.inbuf);
	kset_free(&la.kept);
	for (i = 0; i < la.ndefs; i++)
		free(la.defs[i].path);
	free(la.defs);
	for (i = 0; i < la.nfflags; i++)
		free(la.fflags[i].path);
	free(la.fflags);
	return (rv);
}
