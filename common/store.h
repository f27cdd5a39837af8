/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The image store: an OCI image layout at $ROOT/oci (oci-layout,
 * index.json, blobs/<alg>/<hex>), partial downloads at $ROOT/ingest, and
 * lock files at $ROOT/locks.  A blob appears under blobs/ only after its
 * size and digest were verified (written to ingest/, then renamed).  Every
 * writer of index.json holds locks/index.lock; each ingest holds
 * ingest/<hex>.lock, so concurrent programs download a blob once.
 *
 * Other OCI tools.  index.json entries carry the full reference (e.g.
 * "docker.io/library/redis:7") in org.opencontainers.image.ref.name.
 * skopeo (containers/image, oci: transport) and umoci (>= 0.4, --image)
 * both split "LAYOUT:NAME" at the FIRST colon, so everything after it,
 * colons included, is the name looked up verbatim in that annotation:
 *
 *	skopeo copy oci:$ROOT/oci:docker.io/library/redis:7 dir:/tmp/out
 *	umoci unpack --image $ROOT/oci:docker.io/library/redis:7 bundle
 *	umoci ls --layout $ROOT/oci
 *
 * Two limits follow.  $ROOT must not contain ':' (the path would be cut
 * there).  And the name must match the ref.name grammar of the image-spec
 * (store_refname_valid()), which both tools enforce: Docker names with
 * "__" or three or more dashes in a row are valid references but cannot
 * be named through those tools (berth itself finds them; umoci ls lists
 * them).  Those tools do not take locks/index.lock: do not let them write
 * the layout while berth programs do.
 *
 * All functions may be called from several threads on one struct store.
 */
#ifndef COMMON_STORE_H
#define COMMON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"

struct error;

struct store {
	char	*root;		/* $ROOT */
	int	 rootfd;	/* O_DIRECTORY fds, O_CLOEXEC */
	int	 ocifd;
	int	 blobsfd;	/* oci/blobs */
	int	 ingestfd;
	int	 locksfd;
	/*
	 * Limits of ingests (issue #8), 0 when off, as store_open() leaves
	 * them: the largest blob (max_blob_size of common/limits.h), and
	 * the bytes to leave free on the filesystem of ingest/
	 * (min_free_space).
	 */
	int64_t	 blob_max;
	int64_t	 free_min;
};

/*
 * Choose the root: opt (-R) if not NULL, else $BERTH_ROOT if set and
 * non-empty, else the platform default (/var/db/berth, /var/lib/berth).
 */
const char *store_root_choose(const char *);

/*
 * Open the store at root, creating the layout if create is set (root mode
 * 0700, the rest 0755: oci/oci-layout, oci/index.json, oci/blobs/sha256,
 * ingest, locks).  Creation is idempotent and safe when several processes
 * do it at once; an existing index.json is never replaced.  EX_NOINPUT if
 * the store or its image layout (oci/, oci/blobs, oci/oci-layout) does
 * not exist and create is false; ingest and locks, which other OCI tools
 * do not make, are created whenever they are missing.  EX_DATAERR if
 * oci-layout is not an image layout of version 1.0.0.  On failure *s is
 * left closed (store_close() is harmless on it).  The ingest limits start
 * off (0).
 */
int	store_open(struct store *, const char *, bool, struct error *);

/* Close the fds and free root; safe to call twice. */
void	store_close(struct store *);

/*
 * True if the blob is present (and, if size >= 0, has that size).  False
 * for an invalid digest.
 */
bool	store_blob_exists(struct store *, const char *, int64_t);

/*
 * Open a blob read-only (O_CLOEXEC).  EX_NOINPUT if absent, EX_DATAERR if
 * the digest is not valid.
 */
int	store_blob_open(struct store *, const char *, struct error *);

/*
 * Path of a blob, "$ROOT/oci/blobs/<alg>/<hex>", into buf of size bytes.
 * EX_SOFTWARE if it does not fit.
 */
int	store_blob_path(struct store *, const char *, char *, size_t,
	    struct error *);

/*
 * Read a whole (small) blob into memory, at most max bytes (EX_DATAERR if
 * larger); the caller frees *bufp, which is NUL-terminated.  The content
 * is verified against the digest again (EX_DATAERR "corrupt" otherwise).
 * EX_NOINPUT if absent.  lenp may be NULL.
 */
int	store_blob_read(struct store *, const char *, size_t, char **, size_t *,
	    struct error *);

/*
 * Store len bytes of buf as a blob (temporary file, fsync, rename).  If
 * digest is not NULL the content must hash to it (EX_DATAERR "digest
 * mismatch for blob ..." otherwise) and its algorithm is used; else
 * sha256.  out (may be NULL, else DIGEST_MAX bytes) receives the digest.
 * A blob already present is left alone.
 */
int	store_blob_put(struct store *, const void *, size_t, const char *,
	    char *, struct error *);

/*
 * Check that the filesystem of ingest/ has need bytes free beyond
 * s->free_min.  EX_CANTCREAT "not enough space in 'ROOT/ingest': ..."
 * naming the three numbers otherwise.  A filesystem that cannot say
 * (fstatvfs() fails) passes.
 */
int	store_space_check(struct store *, int64_t, struct error *);

/* Bytes in the partial download of a blob (0 if none, or not valid). */
int64_t	store_ingest_partial(struct store *, const char *);

/*
 * An ingest: a partial download of one blob, resumable across runs.
 * store_ingest_begin(s, digest, size, &ig, ep), size -1 if unknown, takes
 * ingest/<hex>.lock (waiting while another process holds it), then:
 *  - returns 1 with *ip = NULL if the blob is already in the store (perhaps
 *    because the other process just finished it);
 *  - returns 0 with *ip set otherwise, the partial file ingest/<hex>.partial
 *    open and its existing bytes already hashed: ingest_offset() says where
 *    to resume (a Range request from there).  If it equals the expected
 *    size the download is complete: call ingest_commit() without writing.
 *    A partial longer than size is discarded (offset 0).
 *  - returns -1 on error, also EX_DATAERR if the blob is present with
 *    another size than the caller expects, EX_DATAERR if size is over
 *    s->blob_max ("blob '...': N bytes, over the max_blob_size limit of M
 *    bytes", before anything is created), and EX_CANTCREAT if the rest of
 *    the blob does not fit (store_space_check(); a partial created for
 *    nothing is removed again).
 * The ingest must be finished with ingest_commit() or ingest_abort().  It
 * belongs to one thread at a time.  A process killed meanwhile leaves the
 * partial (everything written so far) and an unheld lock file; the next
 * begin resumes.  Lock files are removed only by their holder (see
 * lock_take() in common/fsutil.h); img-gc must do the same.
 */
struct ingest;
int	store_ingest_begin(struct store *, const char *, int64_t,
	    struct ingest **, struct error *);
int64_t	ingest_offset(const struct ingest *);
/*
 * Append bytes (hashing them; written out in large buffered writes).
 * EX_DATAERR if they would exceed the expected size, or s->blob_max when
 * the size is unknown (nothing is taken then); EX_CANTCREAT if writing
 * them out would leave less than s->free_min free (checked before each
 * write to the file) or the filesystem is full; EX_IOERR if writing
 * fails.  After an error only ingest_reset() or ingest_abort() are
 * useful, and after the first two kinds ingest_abort() discards the
 * partial whatever it is asked.
 */
int	ingest_write(struct ingest *, const void *, size_t, struct error *);
/* Start over from offset 0 (the server ignored our Range request). */
int	ingest_reset(struct ingest *, struct error *);
/*
 * Verify size and digest, fsync and rename into blobs/, fsync that
 * directory.  On a mismatch the partial is deleted and EX_DATAERR returned
 * ("digest mismatch for blob 'sha256:...': got sha256:..." or "size
 * mismatch for blob ..."), and so it is when there is no space left for
 * its last bytes; on an I/O error the partial is kept.  Frees the ingest
 * and releases its lock either way.
 */
int	ingest_commit(struct ingest *, struct error *);
/*
 * Give up: write out buffered bytes, close, keep the partial for a later
 * resume, release the lock, free.  The partial is deleted instead if
 * discard is set, if it is empty (nothing to resume), or after an
 * ingest_write() error of the kinds above (bytes no run may keep, or no
 * space).  NULL is ignored.
 */
void	ingest_abort(struct ingest *, bool);

/* One entry of index.json. */
struct store_entry {
	char	 ref[640];		/* org.opencontainers.image.ref.name */
	char	 media_type[128];
	char	 digest[DIGEST_MAX];
	int64_t	 size;
	/*
	 * The digest of the manifest as the registry served it, when the
	 * entry points at an OCI rewrite of it (a Docker schema 2 manifest:
	 * other OCI tools only read OCI-typed entries), else "".  Written as
	 * the annotation STORE_SOURCE_DIGEST.
	 */
	char	 source_digest[DIGEST_MAX];
};

#define	STORE_SOURCE_DIGEST	"io.berth.image.source-digest"

/*
 * True if s may be written as org.opencontainers.image.ref.name by the
 * image-spec grammar (components of [A-Za-z0-9]+ joined by one of
 * "-._:@+" or "--", separated by "/"), i.e. if skopeo and umoci can
 * address it.  Callers may warn when it is not; the store accepts it.
 */
bool	store_refname_valid(const char *);

/*
 * Point reference name ent->ref at the given manifest descriptor in
 * index.json, replacing the entry with the same name (and dropping any
 * duplicates of it); a new name is appended.  Other entries and unknown
 * fields stay as they are (keys are written sorted).  Locked and atomic; a
 * temporary index.json left by a killed writer more than 10 minutes ago is
 * removed.  EX_DATAERR for an empty name or one with blanks or control
 * characters, a bad digest, an empty media type, a negative size, or an
 * index.json that is not an image index.  A missing index.json counts as
 * an empty one.
 */
int	store_index_set(struct store *, const struct store_entry *,
	    struct error *);

/*
 * Look up a reference name.  EX_NOINPUT if absent, EX_DATAERR if its entry
 * is malformed.
 */
int	store_index_get(struct store *, const char *, struct store_entry *,
	    struct error *);

/* Remove an entry (returns 0 also if it was absent). */
int	store_index_remove(struct store *, const char *, struct error *);

/*
 * All entries; *entriesp is an array of *np entries that the caller frees
 * (NULL when there are none).  Entries without a name have ref "";
 * malformed entries (written by other tools) are skipped.
 */
int	store_index_list(struct store *, struct store_entry **, size_t *,
	    struct error *);

#endif /* COMMON_STORE_H */
