/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Streaming decompression of layer blobs: gzip (ISA-L's igzip when built
 * with HAVE_ISAL, else zlib; concatenated members accepted), zstd
 * (libzstd; concatenated and skippable frames accepted) and plain tar,
 * behind one push interface, plus recognition of a stream by its magic
 * bytes.  No I/O happens here: the caller reads, hands input in, and gets
 * decompressed bytes out.
 */
#ifndef COMMON_DECOMP_H
#define COMMON_DECOMP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/manifest.h"

struct error;

/* Bytes decomp_sniff() wants to see to decide (fewer is allowed). */
#define	DECOMP_SNIFF_LEN	4

/*
 * The compression the first len bytes of a stream show: LAYER_GZIP
 * (1f 8b), LAYER_ZSTD (a zstd or skippable frame magic) or LAYER_PLAIN for
 * anything else, including an empty stream.
 */
enum layer_compression decomp_sniff(const void *, size_t);

/* "gzip", "zstd", "plain" or "unknown", for messages. */
const char *decomp_name(enum layer_compression);

/* Opaque decompressor state. */
struct decomp;

/*
 * A decompressor for comp (LAYER_PLAIN copies its input).  Exits on OOM;
 * EX_SOFTWARE for LAYER_UNKNOWN.  Free it with decomp_free().
 */
struct decomp *decomp_new(enum layer_compression, struct error *);
void	decomp_free(struct decomp *);

/*
 * Decompress from *in (*inlen bytes) into out (outcap bytes): *in and
 * *inlen are advanced past what was consumed and *outlen receives the
 * number of bytes produced.  Either may be zero on a given call (a gzip
 * header produces nothing); call again while input remains or the output
 * filled up.  A new gzip member or zstd frame may follow the end of the
 * previous one, and anything else there (trailing garbage) is refused.
 * EX_DATAERR naming the cause on corrupt data.
 */
int	decomp_run(struct decomp *, const unsigned char **, size_t *,
	    unsigned char *, size_t, size_t *, struct error *);

/*
 * Once the input has ended: succeed only if the stream stopped at the end
 * of a member or frame (and held at least one), EX_DATAERR "truncated"
 * otherwise.
 */
int	decomp_finish(struct decomp *, struct error *);

/* Whether the decompressor uses ISA-L (for benchmarks and -v output). */
bool	decomp_have_isal(void);

#endif /* COMMON_DECOMP_H */
