/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The image store: an OCI image layout at $ROOT/oci (oci-layout,
 * index.json, blobs/<alg>/<hex>), partial downloads at $ROOT/ingest, and
 * lock files at $ROOT/locks.  A blob appears under blobs/ only after its
 * size and digest were verified (written to ingest/, then renamed).  Every
 * writer of index.json holds locks/index.lock; each ingest holds
 * ingest/<hex>.lock, so concurrent programs download a blob once.
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
};

/*
 * Choose the root: opt (-R) if not NULL, else $BERTH_ROOT if set and
 * non-empty, else the platform default (/var/db/berth, /var/lib/berth).
 */
const char *store_root_choose(const char *);

/*
 * Open the store at root, creating the layout if create is set (root,
 * oci/oci-layout, oci/index.json, blobs/sha256, ingest, locks).  EX_NOINPUT
 * if it does not exist and create is false; EX_DATAERR if oci-layout is
 * not an image layout of version 1.0.0.
 */
int	store_open(struct store *, const char *, bool, struct error *);
void	store_close(struct store *);

/* True if the blob is present (and, if size >= 0, has that size). */
bool	store_blob_exists(struct store *, const char *, int64_t);

/* Open a blob read-only (O_CLOEXEC).  EX_NOINPUT if absent. */
int	store_blob_open(struct store *, const char *, struct error *);

/* Path of a blob, "$ROOT/oci/blobs/sha256/<hex>", into buf. */
int	store_blob_path(struct store *, const char *, char *, size_t,
	    struct error *);

/*
 * Read a whole (small) blob into memory, at most max bytes; the caller frees
 * *bufp.  The content is verified against the digest again (cheap for
 * manifests and configs).
 */
int	store_blob_read(struct store *, const char *, size_t, char **, size_t *,
	    struct error *);

/*
 * Store len bytes of buf as a blob.  If digest is not NULL the content must
 * hash to it (EX_DATAERR otherwise); out (may be NULL) receives the digest.
 */
int	store_blob_put(struct store *, const void *, size_t, const char *,
	    char *, struct error *);

/*
 * An ingest: a partial download of one blob, resumable across runs.
 * store_ingest_begin() takes ingest/<hex>.lock (waiting while another
 * process holds it), then:
 *  - returns 1 with *ip = NULL if the blob is already in the store (perhaps
 *    because the other process just finished it);
 *  - returns 0 with *ip set otherwise, the partial file open for append and
 *    its existing bytes already hashed: ingest_offset() says where to
 *    resume.  A partial longer than size is discarded.
 */
struct ingest;
int	store_ingest_begin(struct store *, const char *, int64_t,
	    struct ingest **, struct error *);
int64_t	ingest_offset(const struct ingest *);
/* Append bytes (hashing them).  EX_DATAERR if they exceed the expected size. */
int	ingest_write(struct ingest *, const void *, size_t, struct error *);
/* Start over from offset 0 (the server ignored our Range request). */
int	ingest_reset(struct ingest *, struct error *);
/*
 * Verify size and digest, fsync and rename into blobs/.  On a mismatch the
 * partial is deleted and EX_DATAERR returned.  Frees the ingest either way.
 */
int	ingest_commit(struct ingest *, struct error *);
/*
 * Give up: close, keep the partial for a later resume (unless discard),
 * release the lock, free.
 */
void	ingest_abort(struct ingest *, bool);

/* One entry of index.json. */
struct store_entry {
	char	 ref[640];		/* org.opencontainers.image.ref.name */
	char	 media_type[128];
	char	 digest[DIGEST_MAX];
	int64_t	 size;
};

/*
 * Point reference name at the given manifest descriptor in index.json,
 * replacing an entry with the same name.  Locked and atomic.
 */
int	store_index_set(struct store *, const struct store_entry *,
	    struct error *);

/* Look up a reference name.  EX_NOINPUT if absent. */
int	store_index_get(struct store *, const char *, struct store_entry *,
	    struct error *);

/* Remove an entry (returns 0 also if it was absent). */
int	store_index_remove(struct store *, const char *, struct error *);

/*
 * All entries; *entriesp is an array of *np entries that the caller frees.
 */
int	store_index_list(struct store *, struct store_entry **, size_t *,
	    struct error *);

#endif /* COMMON_STORE_H */
