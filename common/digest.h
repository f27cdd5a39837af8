/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Content digests as the OCI specs write them ("sha256:<64 hex>",
 * "sha512:<128 hex>") and streaming hashers over OpenSSL EVP.
 */
#ifndef COMMON_DIGEST_H
#define COMMON_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

struct error;

/* Longest digest string plus NUL: "sha512:" + 128 hex + 1. */
#define	DIGEST_MAX	136

enum digest_alg {
	DIGEST_SHA256,
	DIGEST_SHA512
};

/*
 * Check that s is a digest we support, lowercase hex of the right length.
 * EX_DATAERR naming s on failure.  *algp (may be NULL) receives the
 * algorithm.
 */
int	digest_validate(const char *, enum digest_alg *, struct error *);

/* The hex part of a valid digest string (the text after ':'). */
const char *digest_hex(const char *);

/* Opaque streaming hasher. */
struct hasher;

struct hasher *hasher_new(enum digest_alg);		/* exits on OOM */
void	hasher_update(struct hasher *, const void *, size_t);
/* Write "alg:hex" into out[DIGEST_MAX]; the hasher may not be reused. */
void	hasher_final(struct hasher *, char *);
void	hasher_free(struct hasher *);

/* One-shot digest of a buffer into out[DIGEST_MAX]. */
void	digest_buf(enum digest_alg, const void *, size_t, char *);

/*
 * Digest everything readable from fd (from its current offset) into
 * out[DIGEST_MAX].  EX_IOERR on a read failure.
 */
int	digest_fd(enum digest_alg, int, char *, struct error *);

#endif /* COMMON_DIGEST_H */
