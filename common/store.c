/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The image store: an OCI image layout under $ROOT/oci that other OCI
 * tools can read, resumable partial downloads under $ROOT/ingest, and lock
 * files under $ROOT/locks.  Blobs enter blobs/ only by a rename after their
 * size and digest were checked; index.json is rewritten whole, atomically,
 * under locks/index.lock, keeping whatever other tools put in it.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/digest.h"
#include "common/error.h"
#include "common/fsutil.h"
#include "common/jsonx.h"
#include "common/platform.h"
#include "common/store.h"
#include "common/xalloc.h"

#define	LAYOUT_VERSION	"1.0.0"
#define	LAYOUT_JSON	"{\"imageLayoutVersion\":\"" LAYOUT_VERSION "\"}"
#define	EMPTY_INDEX	"{\"schemaVersion\":2,\"mediaType\":" \
			"\"application/vnd.oci.image.index.v1+json\"," \
			"\"manifests\":[]}"
#define	REF_NAME	"org.opencontainers.image.ref.name"
#define	INDEX_LOCK	"index.lock"
#define	INDEX_TMP	".index.json.tmp."
#define	LAYOUT_MAX	(64 * 1024)
#define	INDEX_MAX	(64 * 1024 * 1024)
#define	STALE_TMP_SECS	600		/* a temporary index older is dead */
#define	INGEST_BUFSZ	(1024 * 1024)

struct ingest {
	struct store	*s;
	struct hasher	*h;
	enum digest_alg	 alg;
	char		 digest[DIGEST_MAX];
	char		 rel[DIGEST_MAX];	/* "<alg>/<hex>" under blobs/ */
	char		 partial[DIGEST_MAX + 16];	/* "<hex>.partial" */
	char		 lockname[DIGEST_MAX + 16];	/* "<hex>.lock" */
	int64_t		 expected;	/* -1: unknown */
	int64_t		 offset;	/* bytes taken, buffered ones too */
	int		 fd;
	int		 lockfd;
	unsigned char	*buf;		/* INGEST_BUFSZ write buffer */
	size_t		 buflen;
	bool		 broken;	/* a write failed: file != offset */
	bool		 doomed;	/* discard the partial on abort */
	int64_t		 written;	/* bytes in the file */
	int64_t		 flushed;	/* of which writeback was started */
};

/*
 * Writeback of a partial download is started every INGEST_WRITEBACK bytes,
 * so that the disk works while the network does and the fsync at commit
 * has little left to wait for.
 */
#define	INGEST_WRITEBACK	(8 * 1024 * 1024)

static const char *
alg_name(enum digest_alg alg)
{
	return (alg == DIGEST_SHA512 ? "sha512" : "sha256");
}

/* Validate digest and write "<alg>/<hex>" (its place under blobs/). */
static int
blob_rel(const char *digest, enum digest_alg *algp, char *rel,
    struct error *ep)
{
	enum digest_alg alg;

	if (digest == NULL)
		return (error_set(ep, EX_DATAERR, 0, "no digest"));
	if (digest_validate(digest, &alg, ep) == -1)
		return (-1);
	(void)snprintf(rel, DIGEST_MAX, "%s/%s", alg_name(alg),
	    digest_hex(digest));
	if (algp != NULL)
		*algp = alg;
	return (0);
}

/*
 * Create (if asked) and open the directory name beneath dfd.  Layers and
 * logs may hold secrets: with create, it is made (or made again) 0700,
 * whatever an older berth or an administrator left there.
 */
static int
subdir_open(struct store *s, int dfd, const char *name, bool create,
    int *fdp, struct error *ep)
{
	struct stat sb;

	if (create && mkdir_p(dfd, name, 0700, ep) == -1)
		return (error_wrap(ep, "store '%s'", s->root));
	*fdp = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fdp == -1) {
		if (errno == ENOENT)
			return (error_set(ep, EX_NOINPUT, 0, "store '%s': "
			    "'%s' is missing", s->root, name));
		return (error_set(ep, errno == EACCES ? EX_NOPERM : EX_NOINPUT,
		    errno, "store '%s': open '%s'", s->root, name));
	}
	if (create && (fstat(*fdp, &sb) == -1 || ((sb.st_mode & 077) != 0 &&
	    fchmod(*fdp, 0700) == -1)))
		return (error_set(ep, EX_CANTCREAT, errno, "store '%s': chmod "
		    "'%s'", s->root, name));
	return (0);
}

/* Check oci-layout, writing it first if it is missing and create is set. */
static int
layout_check(struct store *s, bool create, struct error *ep)
{
	json_t *root = NULL, *v;
	char *buf = NULL;
	size_t len;
	int rv = -1;

	if (file_read_all(s->ocifd, "oci-layout", LAYOUT_MAX, &buf, &len,
	    ep) == -1) {
		if (ep->exit == EX_NOINPUT && ep->errnum == ENOENT) {
			if (!create) {
				error_set(ep, EX_NOINPUT, 0, "store '%s': "
				    "oci/oci-layout is missing", s->root);
				goto out;
			}
			if (file_write_atomic(s->ocifd, "oci-layout",
			    LAYOUT_JSON, strlen(LAYOUT_JSON), 0644, ep) == -1)
				goto wrap;
			rv = 0;
			goto out;
		}
		goto wrap;
	}
	if ((root = jsonx_parse(buf, len, "oci/oci-layout", ep)) == NULL)
		goto wrap;
	if (!json_is_object(root) || (v = json_object_get(root,
	    "imageLayoutVersion")) == NULL || !json_is_string(v)) {
		error_set(ep, EX_DATAERR, 0, "store '%s': oci/oci-layout: not "
		    "an OCI image layout (no imageLayoutVersion)", s->root);
		goto out;
	}
	if (strcmp(json_string_value(v), LAYOUT_VERSION) != 0) {
		error_set(ep, EX_DATAERR, 0, "store '%s': oci/oci-layout: "
		    "imageLayoutVersion '%.64s' is not " LAYOUT_VERSION,
		    s->root, json_string_value(v));
		goto out;
	}
	rv = 0;
	goto out;
wrap:
	error_wrap(ep, "store '%s'", s->root);
out:
	json_decref(root);
	free(buf);
	return (rv);
}

/*
 * Lock index.json.  A reader that may not create or write the lock file
 * reads without it: writers replace index.json by rename, so a reader
 * always sees one whole version anyway.
 */
static int
index_lock(struct store *s, bool exclusive, int *fdp, struct error *ep)
{
	struct error le = ERROR_INIT;

	*fdp = lock_take(s->locksfd, INDEX_LOCK, exclusive, false,
	    exclusive ? ep : &le);
	if (*fdp != -1)
		return (0);
	if (!exclusive && le.exit == EX_NOPERM)
		return (0);
	if (!exclusive)
		*ep = le;
	return (error_wrap(ep, "store '%s'", s->root));
}

/* Write an empty index.json if there is none (under the index lock). */
static int
index_init(struct store *s, struct error *ep)
{
	struct stat st;
	int lfd, rv = -1;

	if (fstatat(s->ocifd, "index.json", &st, 0) == 0)
		return (0);
	if (index_lock(s, true, &lfd, ep) == -1)
		return (-1);
	/* Another process may have created it (and added to it) meanwhile. */
	if (fstatat(s->ocifd, "index.json", &st, 0) == 0)
		rv = 0;
	else if (errno != ENOENT)
		error_set(ep, EX_IOERR, errno, "store '%s': stat "
		    "oci/index.json", s->root);
	else if (file_write_atomic(s->ocifd, "index.json", EMPTY_INDEX,
	    strlen(EMPTY_INDEX), 0644, ep) == -1)
		error_wrap(ep, "store '%s'", s->root);
	else
		rv = 0;
	lock_release(lfd);
	return (rv);
}

const char *
store_root_choose(const char *opt)
{
	const char *env;

	if (opt != NULL)
		return (opt);
	if ((env = getenv("BERTH_ROOT")) != NULL && *env != '\0')
		return (env);
	return (os_default_root());
}

int
store_open(struct store *s, const char *root, bool create, struct error *ep)
{
	s->root = NULL;
	s->rootfd = s->ocifd = s->blobsfd = s->ingestfd = s->locksfd = -1;
	s->blob_max = s->free_min = 0;
	if (root == NULL || *root == '\0')
		return (error_set(ep, EX_USAGE, 0, "empty store root"));
	s->root = xstrdup(root);
	if (create && mkdir_p(AT_FDCWD, root, 0700, ep) == -1) {
		error_wrap(ep, "create store '%s'", root);
		goto fail;
	}
	if ((s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		if (errno == ENOENT)
			error_set(ep, EX_NOINPUT, 0, "store '%s' does not "
			    "exist", root);
		else
			error_set(ep, errno == EACCES ? EX_NOPERM : EX_NOINPUT,
			    errno, "open store '%s'", root);
		goto fail;
	}
	if (subdir_open(s, s->rootfd, "oci", create, &s->ocifd, ep) == -1 ||
	    subdir_open(s, s->ocifd, "blobs", create, &s->blobsfd, ep) == -1)
		goto fail;
	if (create && mkdir_p(s->blobsfd, "sha256", 0755, ep) == -1) {
		error_wrap(ep, "store '%s'", root);
		goto fail;
	}
	if (layout_check(s, create, ep) == -1)
		goto fail;
	/*
	 * The image layout is what other OCI tools share with us (skopeo
	 * copy ... oci:ROOT/oci:REF makes a root of it alone); the rest is
	 * ours, made when missing.
	 */
	if (subdir_open(s, s->rootfd, "ingest", true, &s->ingestfd,
	    ep) == -1 ||
	    subdir_open(s, s->rootfd, "locks", true, &s->locksfd, ep) == -1)
		goto fail;
	if (create && index_init(s, ep) == -1)
		goto fail;
	return (0);
fail:
	store_close(s);
	return (-1);
}

void
store_close(struct store *s)
{
	int *fds[] = { &s->rootfd, &s->ocifd, &s->blobsfd, &s->ingestfd,
	    &s->locksfd };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			(void)close(*fds[i]);
		*fds[i] = -1;
	}
	free(s->root);
	s->root = NULL;
}

/*
 * 1 if the blob at rel is present (with that size, if size >= 0), 0 if
 * absent, -1 (EX_DATAERR) if present with another size.
 */
static int
blob_stat(struct store *s, const char *digest, const char *rel, int64_t size,
    struct error *ep)
{
	struct stat st;

	if (fstatat(s->blobsfd, rel, &st, 0) == -1 || !S_ISREG(st.st_mode))
		return (0);
	if (size >= 0 && (int64_t)st.st_size != size)
		return (error_set(ep, EX_DATAERR, 0, "size mismatch for blob "
		    "'%s': the descriptor says %lld bytes, the stored blob "
		    "has %lld", digest, (long long)size,
		    (long long)st.st_size));
	return (1);
}

bool
store_blob_exists(struct store *s, const char *digest, int64_t size)
{
	struct error e = ERROR_INIT;
	char rel[DIGEST_MAX];

	if (blob_rel(digest, NULL, rel, &e) == -1)
		return (false);
	return (blob_stat(s, digest, rel, size, &e) == 1);
}

int
store_blob_open(struct store *s, const char *digest, struct error *ep)
{
	char rel[DIGEST_MAX];
	int fd;

	if (blob_rel(digest, NULL, rel, ep) == -1)
		return (-1);
	if ((fd = openat(s->blobsfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY)) ==
	    -1) {
		if (errno == ENOENT)
			return (error_set(ep, EX_NOINPUT, 0, "blob '%s' is "
			    "not in the store", digest));
		return (error_set(ep, errno == EACCES ? EX_NOPERM : EX_IOERR,
		    errno, "open blob '%s'", digest));
	}
	return (fd);
}

int
store_blob_path(struct store *s, const char *digest, char *buf, size_t size,
    struct error *ep)
{
	char rel[DIGEST_MAX];
	int n;

	if (blob_rel(digest, NULL, rel, ep) == -1)
		return (-1);
	n = snprintf(buf, size, "%s/oci/blobs/%s", s->root, rel);
	if (n < 0 || (size_t)n >= size)
		return (error_set(ep, EX_SOFTWARE, ENAMETOOLONG,
		    "path of blob '%s'", digest));
	return (0);
}

int
store_blob_read(struct store *s, const char *digest, size_t max, char **bufp,
    size_t *lenp, struct error *ep)
{
	enum digest_alg alg;
	char rel[DIGEST_MAX], got[DIGEST_MAX], *buf;
	size_t len;

	*bufp = NULL;
	if (blob_rel(digest, &alg, rel, ep) == -1)
		return (-1);
	if (file_read_all(s->blobsfd, rel, max, &buf, &len, ep) == -1) {
		if (ep->exit == EX_NOINPUT && ep->errnum == ENOENT)
			return (error_set(ep, EX_NOINPUT, 0, "blob '%s' is "
			    "not in the store", digest));
		return (error_wrap(ep, "blob '%s'", digest));
	}
	digest_buf(alg, buf, len, got);
	if (strcmp(got, digest) != 0) {
		free(buf);
		return (error_set(ep, EX_DATAERR, 0, "blob '%s' in the store "
		    "is corrupt: its content hashes to %s", digest, got));
	}
	*bufp = buf;
	if (lenp != NULL)
		*lenp = len;
	return (0);
}

int
store_blob_put(struct store *s, const void *buf, size_t len,
    const char *digest, char *out, struct error *ep)
{
	enum digest_alg alg = DIGEST_SHA256;
	char rel[DIGEST_MAX], got[DIGEST_MAX];

	if (digest != NULL && digest_validate(digest, &alg, ep) == -1)
		return (-1);
	digest_buf(alg, buf, len, got);
	if (digest != NULL && strcmp(got, digest) != 0)
		return (error_set(ep, EX_DATAERR, 0, "digest mismatch for blob "
		    "'%s': got %s", digest, got));
	if (out != NULL)
		(void)memcpy(out, got, strlen(got) + 1);
	(void)snprintf(rel, sizeof(rel), "%s/%s", alg_name(alg),
	    digest_hex(got));
	if (blob_stat(s, got, rel, (int64_t)len, ep) == 1)
		return (0);
	if (mkdir_p(s->blobsfd, alg_name(alg), 0755, ep) == -1 ||
	    file_write_atomic(s->blobsfd, rel, buf, len, 0644, ep) == -1)
		return (error_wrap(ep, "store blob '%s'", got));
	return (0);
}

/* a + b, or INT64_MAX if that does not fit. */
static int64_t
add_sat(int64_t a, int64_t b)
{
	return (a > INT64_MAX - b ? INT64_MAX : a + b);
}

/*
 * Whether need more bytes leave s->free_min free on the filesystem of fd
 * (fstatvfs(), f_bavail: what is left to anyone, without the blocks the
 * filesystem keeps for root).  A filesystem that cannot tell passes.
 */
static int
space_check(struct store *s, int fd, int64_t need, struct error *ep)
{
	struct statvfs sv;
	unsigned long long unit, avail;
	int64_t want, free_;

	if (need < 0)
		need = 0;
	if (fstatvfs(fd, &sv) == -1)
		return (0);
	unit = sv.f_frsize != 0 ? (unsigned long long)sv.f_frsize :
	    (unsigned long long)sv.f_bsize;
	avail = (unsigned long long)sv.f_bavail;
	free_ = unit != 0 && avail > (unsigned long long)INT64_MAX / unit ?
	    INT64_MAX : (int64_t)(avail * unit);
	want = add_sat(need, s->free_min);
	if (free_ >= want)
		return (0);
	return (error_set(ep, EX_CANTCREAT, 0, "not enough space in "
	    "'%s/ingest': %lld bytes free, %lld needed and min_free_space "
	    "%lld kept", s->root, (long long)free_, (long long)need,
	    (long long)s->free_min));
}

int
store_space_check(struct store *s, int64_t need, struct error *ep)
{
	return (space_check(s, s->ingestfd, need, ep));
}

int64_t
store_ingest_partial(struct store *s, const char *digest)
{
	char name[DIGEST_MAX + 16];
	struct stat st;

	if (digest_validate(digest, NULL, NULL) == -1)
		return (0);
	(void)snprintf(name, sizeof(name), "%s.partial", digest_hex(digest));
	if (fstatat(s->ingestfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(st.st_mode))
		return (0);
	return ((int64_t)st.st_size);
}

/* Account for n bytes written to the file; start writeback of full runs. */
static void
ingest_written(struct ingest *ig, size_t n)
{
	ig->written += (int64_t)n;
	if (ig->written - ig->flushed >= INGEST_WRITEBACK) {
		os_writeback_start(ig->fd, (off_t)ig->flushed,
		    (off_t)(ig->written - ig->flushed));
		ig->flushed = ig->written;
	}
}

/*
 * Write n bytes to the partial, if that leaves enough free space.  Any
 * failure breaks the ingest; a lack of space also dooms it.
 */
static int
ingest_out(struct ingest *ig, const void *p, size_t n, struct error *ep)
{
	if (space_check(ig->s, ig->fd, (int64_t)n, ep) == -1) {
		ig->broken = ig->doomed = true;
		return (error_wrap(ep, "blob '%s': stopped", ig->digest));
	}
	if (write_all(ig->fd, p, n, ep) == -1) {
		ig->broken = true;
		if (ep->errnum == ENOSPC || ep->errnum == EDQUOT) {
			ep->exit = EX_CANTCREAT;
			ig->doomed = true;
		}
		return (error_wrap(ep, "blob '%s': partial download",
		    ig->digest));
	}
	ingest_written(ig, n);
	return (0);
}

/* Write out what the ingest buffered. */
static int
ingest_flush(struct ingest *ig, struct error *ep)
{
	if (ig->broken)
		return (error_set(ep, EX_IOERR, 0, "blob '%s': an earlier "
		    "write to the partial download failed", ig->digest));
	if (ig->buflen == 0)
		return (0);
	if (ingest_out(ig, ig->buf, ig->buflen, ep) == -1)
		return (-1);
	ig->buflen = 0;
	return (0);
}

/* Close, release the lock (removing its file), free. */
static void
ingest_free(struct ingest *ig)
{
	if (ig->fd != -1)
		(void)close(ig->fd);
	(void)lock_unlink(ig->s->ingestfd, ig->lockname, ig->lockfd);
	if (ig->h != NULL)
		hasher_free(ig->h);
	free(ig->buf);
	free(ig);
}

/* Hash the bytes an earlier run left in the partial file. */
static int
ingest_rehash(struct ingest *ig, int64_t size, struct error *ep)
{
	int64_t off = 0;
	ssize_t n;

	while (off < size) {
		n = pread(ig->fd, ig->buf, INGEST_BUFSZ, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return (error_set(ep, EX_IOERR, errno, "blob '%s': "
			    "read partial download", ig->digest));
		if (n == 0)
			break;
		hasher_update(ig->h, ig->buf, (size_t)n);
		off += n;
	}
	ig->offset = ig->written = ig->flushed = off;
	return (0);
}

int
store_ingest_begin(struct store *s, const char *digest, int64_t size,
    struct ingest **ip, struct error *ep)
{
	struct ingest *ig;
	struct stat st;
	const char *hex;
	int r;

	*ip = NULL;
	ig = xcalloc(1, sizeof(*ig));
	ig->s = s;
	ig->fd = ig->lockfd = -1;
	ig->expected = size < 0 ? -1 : size;
	if (blob_rel(digest, &ig->alg, ig->rel, ep) == -1) {
		free(ig);
		return (-1);
	}
	(void)snprintf(ig->digest, sizeof(ig->digest), "%s", digest);
	hex = digest_hex(digest);
	(void)snprintf(ig->partial, sizeof(ig->partial), "%s.partial", hex);
	(void)snprintf(ig->lockname, sizeof(ig->lockname), "%s.lock", hex);

	/* Cheap check first, then again under the lock. */
	if ((r = blob_stat(s, digest, ig->rel, ig->expected, ep)) != 0)
		goto done;
	if (s->blob_max > 0 && ig->expected > s->blob_max) {
		r = error_set(ep, EX_DATAERR, 0, "blob '%s': %lld bytes, over "
		    "the max_blob_size limit of %lld bytes", digest,
		    (long long)ig->expected, (long long)s->blob_max);
		goto done;
	}
	if ((ig->lockfd = lock_take(s->ingestfd, ig->lockname, true, false,
	    ep)) == -1) {
		error_wrap(ep, "blob '%s'", digest);
		r = -1;
		goto done;
	}
	if ((r = blob_stat(s, digest, ig->rel, ig->expected, ep)) != 0)
		goto done;

	ig->fd = openat(s->ingestfd, ig->partial, O_RDWR | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	if (ig->fd == -1 || fstat(ig->fd, &st) == -1) {
		r = error_set(ep, errno == EACCES ? EX_NOPERM : EX_CANTCREAT,
		    errno, "blob '%s': open partial download", digest);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		r = error_set(ep, EX_CANTCREAT, 0, "blob '%s': 'ingest/%s' is "
		    "not a regular file", digest, ig->partial);
		goto done;
	}
	ig->buf = xmalloc(INGEST_BUFSZ);
	ig->h = hasher_new(ig->alg);
	/* Longer than the blob can be: not a prefix of it. */
	if (ig->expected >= 0 && (int64_t)st.st_size > ig->expected) {
		if (ftruncate(ig->fd, 0) == -1) {
			r = error_set(ep, EX_IOERR, errno, "blob '%s': "
			    "truncate partial download", digest);
			goto done;
		}
		st.st_size = 0;
	}
	if (ingest_rehash(ig, (int64_t)st.st_size, ep) == -1) {
		r = -1;
		goto done;
	}
	if (lseek(ig->fd, (off_t)ig->offset, SEEK_SET) == -1) {
		r = error_set(ep, EX_IOERR, errno, "blob '%s': seek partial "
		    "download", digest);
		goto done;
	}
	if (space_check(s, ig->fd, ig->expected >= 0 ? ig->expected -
	    ig->offset : 0, ep) == -1) {
		r = error_wrap(ep, "blob '%s'", digest);
		/* Keep what an earlier run got, but no empty file. */
		if (ig->offset == 0)
			(void)unlinkat(s->ingestfd, ig->partial, 0);
		goto done;
	}
	*ip = ig;
	return (0);
done:
	ingest_free(ig);
	return (r);
}

int64_t
ingest_offset(const struct ingest *ig)
{
	return (ig->offset);
}

int
ingest_write(struct ingest *ig, const void *data, size_t len,
    struct error *ep)
{
	if (ig->broken)
		return (ingest_flush(ig, ep));
	if (len == 0)
		return (0);
	if (ig->expected >= 0 &&
	    (uint64_t)len > (uint64_t)(ig->expected - ig->offset)) {
		ig->doomed = true;
		return (error_set(ep, EX_DATAERR, 0, "blob '%s': more than the "
		    "expected %lld bytes", ig->digest,
		    (long long)ig->expected));
	}
	if (ig->expected < 0 && ig->s->blob_max > 0 &&
	    (uint64_t)len > (uint64_t)(ig->s->blob_max - ig->offset)) {
		ig->doomed = true;
		return (error_set(ep, EX_DATAERR, 0, "blob '%s': more than "
		    "the max_blob_size limit of %lld bytes", ig->digest,
		    (long long)ig->s->blob_max));
	}
	hasher_update(ig->h, data, len);
	ig->offset += (int64_t)len;
	if (ig->buflen + len > INGEST_BUFSZ && ingest_flush(ig, ep) == -1)
		return (-1);
	/* Big chunks go straight to the file: no copy. */
	if (ig->buflen == 0 && len >= INGEST_BUFSZ)
		return (ingest_out(ig, data, len, ep));
	(void)memcpy(ig->buf + ig->buflen, data, len);
	ig->buflen += len;
	if (ig->buflen == INGEST_BUFSZ)
		return (ingest_flush(ig, ep));
	return (0);
}

int
ingest_reset(struct ingest *ig, struct error *ep)
{
	ig->buflen = 0;
	if (ftruncate(ig->fd, 0) == -1 || lseek(ig->fd, 0, SEEK_SET) == -1) {
		ig->broken = true;
		return (error_set(ep, EX_IOERR, errno, "blob '%s': truncate "
		    "partial download", ig->digest));
	}
	ig->broken = false;
	hasher_free(ig->h);
	ig->h = hasher_new(ig->alg);
	ig->offset = ig->written = ig->flushed = 0;
	return (0);
}

/* fsync the directory blobs/<alg> so that the rename into it lasts. */
static int
sync_dir(int dfd, const char *name, struct error *ep)
{
	int fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return (error_set(ep, EX_IOERR, errno, "open '%s'", name));
	if (fsync(fd) == -1 && errno != EINVAL) {
		error_set(ep, EX_IOERR, errno, "fsync '%s'", name);
		(void)close(fd);
		return (-1);
	}
	(void)close(fd);
	return (0);
}

int
ingest_commit(struct ingest *ig, struct error *ep)
{
	struct store *s = ig->s;
	char got[DIGEST_MAX];
	int rv = -1;

	if (ingest_flush(ig, ep) == -1) {
		if (ig->doomed)
			goto discard;
		goto out;
	}
	if (ig->expected >= 0 && ig->offset != ig->expected) {
		error_set(ep, EX_DATAERR, 0, "size mismatch for blob '%s': got "
		    "%lld bytes, expected %lld", ig->digest,
		    (long long)ig->offset, (long long)ig->expected);
		goto discard;
	}
	hasher_final(ig->h, got);
	hasher_free(ig->h);
	ig->h = NULL;
	if (strcmp(got, ig->digest) != 0) {
		error_set(ep, EX_DATAERR, 0, "digest mismatch for blob '%s': "
		    "got %s", ig->digest, got);
		goto discard;
	}
	if (fsync(ig->fd) == -1) {
		error_set(ep, EX_IOERR, errno, "blob '%s': fsync", ig->digest);
		goto out;
	}
	if (mkdir_p(s->blobsfd, alg_name(ig->alg), 0755, ep) == -1) {
		error_wrap(ep, "blob '%s'", ig->digest);
		goto out;
	}
	if (renameat(s->ingestfd, ig->partial, s->blobsfd, ig->rel) == -1) {
		error_set(ep, EX_IOERR, errno, "blob '%s': rename into "
		    "oci/blobs", ig->digest);
		goto out;
	}
	if (sync_dir(s->blobsfd, alg_name(ig->alg), ep) == -1) {
		error_wrap(ep, "blob '%s'", ig->digest);
		goto out;
	}
	rv = 0;
	goto out;
discard:
	(void)unlinkat(s->ingestfd, ig->partial, 0);
out:
	ingest_free(ig);
	return (rv);
}

void
ingest_abort(struct ingest *ig, bool discard)
{
	struct error e = ERROR_INIT;

	if (ig == NULL)
		return;
	if (discard || ig->doomed || ig->offset == 0)
		(void)unlinkat(ig->s->ingestfd, ig->partial, 0);
	else
		(void)ingest_flush(ig, &e);	/* keep what we have */
	ingest_free(ig);
}

/* The ref name annotation of a descriptor, or NULL. */
static const char *
desc_refname(const json_t *d)
{
	const json_t *a, *v;

	if (!json_is_object(d) ||
	    (a = json_object_get(d, "annotations")) == NULL ||
	    (v = json_object_get(a, REF_NAME)) == NULL || !json_is_string(v))
		return (NULL);
	return (json_string_value(v));
}

/* Fill *ent from a descriptor of index.json. */
static int
desc_decode(const json_t *d, struct store_entry *ent, struct error *ep)
{
	const json_t *mt, *dg, *sz, *src;
	const char *ref;

	(void)memset(ent, 0, sizeof(*ent));
	if (!json_is_object(d))
		return (error_set(ep, EX_DATAERR, 0, "not an object"));
	ref = desc_refname(d);
	if (ref != NULL && strlen(ref) >= sizeof(ent->ref))
		return (error_set(ep, EX_DATAERR, 0, "reference name too "
		    "long"));
	mt = json_object_get(d, "mediaType");
	if (!json_is_string(mt) || json_string_length(mt) == 0 ||
	    json_string_length(mt) >= sizeof(ent->media_type))
		return (error_set(ep, EX_DATAERR, 0, "bad or missing "
		    "mediaType"));
	dg = json_object_get(d, "digest");
	if (!json_is_string(dg))
		return (error_set(ep, EX_DATAERR, 0, "missing digest"));
	if (digest_validate(json_string_value(dg), NULL, ep) == -1)
		return (-1);
	sz = json_object_get(d, "size");
	if (!json_is_integer(sz) || json_integer_value(sz) < 0)
		return (error_set(ep, EX_DATAERR, 0, "bad or missing size"));
	(void)snprintf(ent->ref, sizeof(ent->ref), "%s",
	    ref != NULL ? ref : "");
	(void)snprintf(ent->media_type, sizeof(ent->media_type), "%s",
	    json_string_value(mt));
	(void)snprintf(ent->digest, sizeof(ent->digest), "%s",
	    json_string_value(dg));
	ent->size = (int64_t)json_integer_value(sz);
	src = json_object_get(json_object_get(d, "annotations"),
	    STORE_SOURCE_DIGEST);
	if (json_is_string(src) &&
	    digest_validate(json_string_value(src), NULL, NULL) == 0)
		(void)snprintf(ent->source_digest, sizeof(ent->source_digest),
		    "%s", json_string_value(src));
	return (0);
}

/*
 * Read and parse index.json; *manp is its manifests array (added if
 * absent).  A missing index.json reads as an empty index.
 */
static int
index_load(struct store *s, json_t **rootp, json_t **manp, struct error *ep)
{
	json_t *root, *man;
	char *buf;
	size_t len;

	*rootp = *manp = NULL;
	if (file_read_all(s->ocifd, "index.json", INDEX_MAX, &buf, &len,
	    ep) == -1) {
		if (ep->exit != EX_NOINPUT || ep->errnum != ENOENT)
			return (error_wrap(ep, "store '%s'", s->root));
		buf = xstrdup(EMPTY_INDEX);
		len = strlen(buf);
	}
	root = jsonx_parse(buf, len, "oci/index.json", ep);
	free(buf);
	if (root == NULL)
		return (error_wrap(ep, "store '%s'", s->root));
	if (!json_is_object(root)) {
		json_decref(root);
		return (error_set(ep, EX_DATAERR, 0, "store '%s': "
		    "oci/index.json is not a JSON object", s->root));
	}
	if ((man = json_object_get(root, "manifests")) == NULL) {
		man = json_array();
		if (man == NULL || json_object_set_new(root, "manifests",
		    man) == -1) {
			json_decref(root);
			return (error_set(ep, EX_OSERR, ENOMEM, "index.json"));
		}
	}
	if (!json_is_array(man)) {
		json_decref(root);
		return (error_set(ep, EX_DATAERR, 0, "store '%s': "
		    "oci/index.json: 'manifests' is not an array", s->root));
	}
	*rootp = root;
	*manp = man;
	return (0);
}

/* Remove temporary index files that a killed writer left behind. */
static void
index_clean_tmp(struct store *s)
{
	struct dirent *de;
	struct stat st;
	time_t now;
	DIR *d;
	int fd;

	/* A new open file: a dup would share (and move) ocifd's offset. */
	if ((fd = openat(s->ocifd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return;
	}
	now = time(NULL);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, INDEX_TMP, strlen(INDEX_TMP)) != 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    0 && S_ISREG(st.st_mode) &&
		    now - st.st_mtime >= STALE_TMP_SECS)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	(void)closedir(d);
}

static int
index_store(struct store *s, json_t *root, struct error *ep)
{
	char *buf;
	size_t len;
	int rv;

	buf = jsonx_dump(root, &len);
	rv = file_write_atomic(s->ocifd, "index.json", buf, len, 0644, ep);
	free(buf);
	if (rv == -1)
		return (error_wrap(ep, "store '%s'", s->root));
	return (0);
}

static bool
is_alnum(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'));
}

bool
store_refname_valid(const char *s)
{
	/* Each "/"-separated component: alphanum (separator alphanum)*. */
	for (;;) {
		if (!is_alnum(*s))
			return (false);
		while (is_alnum(*s))
			s++;
		if (*s == '\0')
			return (true);
		if (*s == '/')
			s++;
		else if (s[0] == '-' && s[1] == '-' && is_alnum(s[2]))
			s += 2;
		else if (strchr("-._:@+", *s) != NULL)
			s++;
		else
			return (false);
	}
}

static int
check_entry(const struct store_entry *ent, struct error *ep)
{
	size_t i, n;

	n = strnlen(ent->ref, sizeof(ent->ref));
	if (n == 0 || n == sizeof(ent->ref))
		return (error_set(ep, EX_DATAERR, 0, "bad reference name"));
	for (i = 0; i < n; i++)
		if ((unsigned char)ent->ref[i] <= ' ' || ent->ref[i] == 0x7f)
			return (error_set(ep, EX_DATAERR, 0, "reference name "
			    "'%s': contains a blank or control character",
			    ent->ref));
	n = strnlen(ent->media_type, sizeof(ent->media_type));
	if (n == 0 || n == sizeof(ent->media_type))
		return (error_set(ep, EX_DATAERR, 0, "'%s': bad media type",
		    ent->ref));
	if (strnlen(ent->digest, sizeof(ent->digest)) == sizeof(ent->digest))
		return (error_set(ep, EX_DATAERR, 0, "'%s': bad digest",
		    ent->ref));
	if (digest_validate(ent->digest, NULL, ep) == -1)
		return (error_wrap(ep, "'%s'", ent->ref));
	if (ent->size < 0)
		return (error_set(ep, EX_DATAERR, 0, "'%s': negative size",
		    ent->ref));
	if (ent->source_digest[0] != '\0' &&
	    digest_validate(ent->source_digest, NULL, ep) == -1)
		return (error_wrap(ep, "'%s': source digest", ent->ref));
	return (0);
}

int
store_index_set(struct store *s, const struct store_entry *ent,
    struct error *ep)
{
	json_t *root = NULL, *man, *desc;
	const char *name;
	size_t i;
	bool placed = false;
	int lfd = -1, rv = -1;

	if (check_entry(ent, ep) == -1)
		return (-1);
	desc = json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType",
	    ent->media_type, "digest", ent->digest, "size",
	    (json_int_t)ent->size, "annotations", REF_NAME, ent->ref);
	if (desc == NULL)
		return (error_set(ep, EX_DATAERR, 0, "'%s': not valid UTF-8",
		    ent->ref));
	if (ent->source_digest[0] != '\0')
		(void)json_object_set_new(json_object_get(desc, "annotations"),
		    STORE_SOURCE_DIGEST, json_string(ent->source_digest));
	if (index_lock(s, true, &lfd, ep) == -1)
		goto out;
	index_clean_tmp(s);
	if (index_load(s, &root, &man, ep) == -1)
		goto out;
	/* Replace the first entry of that name, drop any duplicates. */
	for (i = 0; i < json_array_size(man);) {
		name = desc_refname(json_array_get(man, i));
		if (name == NULL || strcmp(name, ent->ref) != 0) {
			i++;
			continue;
		}
		if (!placed) {
			(void)json_array_set(man, i, desc);
			placed = true;
			i++;
		} else
			(void)json_array_remove(man, i);
	}
	if (!placed && json_array_append(man, desc) == -1) {
		error_set(ep, EX_OSERR, ENOMEM, "index.json");
		goto out;
	}
	rv = index_store(s, root, ep);
out:
	lock_release(lfd);
	json_decref(root);
	json_decref(desc);
	return (rv);
}

int
store_index_get(struct store *s, const char *ref, struct store_entry *ent,
    struct error *ep)
{
	json_t *root = NULL, *man, *d;
	const char *name;
	size_t i;
	int lfd = -1, rv = -1;

	if (index_lock(s, false, &lfd, ep) == -1)
		return (-1);
	if (index_load(s, &root, &man, ep) == -1)
		goto out;
	json_array_foreach(man, i, d) {
		name = desc_refname(d);
		if (name == NULL || strcmp(name, ref) != 0)
			continue;
		if ((rv = desc_decode(d, ent, ep)) == -1)
			error_wrap(ep, "store '%s': oci/index.json: entry "
			    "'%s'", s->root, ref);
		goto out;
	}
	error_set(ep, EX_NOINPUT, 0, "image '%s' is not in the store", ref);
out:
	lock_release(lfd);
	json_decref(root);
	return (rv);
}

int
store_index_remove(struct store *s, const char *ref, struct error *ep)
{
	json_t *root = NULL, *man;
	const char *name;
	size_t i;
	bool changed = false;
	int lfd = -1, rv = -1;

	if (index_lock(s, true, &lfd, ep) == -1)
		return (-1);
	index_clean_tmp(s);
	if (index_load(s, &root, &man, ep) == -1)
		goto out;
	for (i = 0; i < json_array_size(man);) {
		name = desc_refname(json_array_get(man, i));
		if (name != NULL && strcmp(name, ref) == 0) {
			(void)json_array_remove(man, i);
			changed = true;
		} else
			i++;
	}
	rv = changed ? index_store(s, root, ep) : 0;
out:
	lock_release(lfd);
	json_decref(root);
	return (rv);
}

int
store_index_list(struct store *s, struct store_entry **entriesp, size_t *np,
    struct error *ep)
{
	struct error de = ERROR_INIT;
	struct store_entry *v = NULL;
	json_t *root = NULL, *man, *d;
	size_t i, n = 0;
	int lfd = -1, rv = -1;

	*entriesp = NULL;
	*np = 0;
	if (index_lock(s, false, &lfd, ep) == -1)
		return (-1);
	if (index_load(s, &root, &man, ep) == -1)
		goto out;
	if (json_array_size(man) > 0)
		v = xcalloc(json_array_size(man), sizeof(*v));
	json_array_foreach(man, i, d) {
		if (desc_decode(d, &v[n], &de) == 0)
			n++;
	}
	if (n == 0) {
		free(v);
		v = NULL;
	}
	*entriesp = v;
	*np = n;
	rv = 0;
out:
	lock_release(lfd);
	json_decref(root);
	return (rv);
}
