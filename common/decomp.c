/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Streaming gzip/zstd/plain decompression for layer blobs.  gzip goes
 * through ISA-L's igzip when HAVE_ISAL is defined (several times faster
 * than zlib's inflate on x86-64 and arm64) and through zlib otherwise; both
 * check each member's CRC and size, and both accept concatenated members as
 * gzip(1) and Go's compress/gzip do.  zstd goes through
 * ZSTD_decompressStream with libzstd's default window limit (128 MiB), so a
 * frame cannot make us allocate more than that.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#ifdef HAVE_ISAL
#include <isa-l.h>
#endif
#include <zlib.h>
#include <zstd.h>

#include "common/decomp.h"
#include "common/error.h"
#include "common/xalloc.h"

struct decomp {
	enum layer_compression	 comp;
	bool			 started;	/* inside a member or frame */
	unsigned long		 members;	/* members or frames done */
#ifdef HAVE_ISAL
	struct inflate_state	*isal;
#else
	z_stream		 z;
	bool			 zinit;
#endif
	ZSTD_DCtx		*zstd;
};

enum layer_compression
decomp_sniff(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t magic;

	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return (LAYER_GZIP);
	if (len >= 4) {
		magic = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		if (magic == ZSTD_MAGICNUMBER ||
		    (magic & ZSTD_MAGIC_SKIPPABLE_MASK) ==
		    ZSTD_MAGIC_SKIPPABLE_START)
			return (LAYER_ZSTD);
	}
	return (LAYER_PLAIN);
}

const char *
decomp_name(enum layer_compression comp)
{
	switch (comp) {
	case LAYER_PLAIN:
		return ("plain");
	case LAYER_GZIP:
		return ("gzip");
	case LAYER_ZSTD:
		return ("zstd");
	default:
		return ("unknown");
	}
}

bool
decomp_have_isal(void)
{
#ifdef HAVE_ISAL
	return (true);
#else
	return (false);
#endif
}

struct decomp *
decomp_new(enum layer_compression comp, struct error *ep)
{
	struct decomp *d;

	if (comp != LAYER_PLAIN && comp != LAYER_GZIP && comp != LAYER_ZSTD) {
		(void)error_set(ep, EX_SOFTWARE, 0,
		    "decompressor for an unknown compression");
		return (NULL);
	}
	d = xcalloc(1, sizeof(*d));
	d->comp = comp;
	if (comp == LAYER_GZIP) {
#ifdef HAVE_ISAL
		d->isal = xmalloc(sizeof(*d->isal));
		isal_inflate_init(d->isal);
		d->isal->crc_flag = ISAL_GZIP;
#else
		/* 15 + 16: a gzip wrapper only, never raw or zlib. */
		if (inflateInit2(&d->z, 15 + 16) != Z_OK) {
			free(d);
			(void)error_set(ep, EX_OSERR, ENOMEM, "inflateInit2");
			return (NULL);
		}
		d->zinit = true;
#endif
	} else if (comp == LAYER_ZSTD) {
		if ((d->zstd = ZSTD_createDCtx()) == NULL) {
			free(d);
			(void)error_set(ep, EX_OSERR, ENOMEM,
			    "ZSTD_createDCtx");
			return (NULL);
		}
	}
	return (d);
}

void
decomp_free(struct decomp *d)
{
	if (d == NULL)
		return;
#ifdef HAVE_ISAL
	free(d->isal);
#else
	if (d->zinit)
		(void)inflateEnd(&d->z);
#endif
	ZSTD_freeDCtx(d->zstd);
	free(d);
}

/*
 * After a member, only another member may follow: check its magic before
 * starting it, as the inflaters would wait for a whole header first.
 */
static int
next_member_ok(const struct decomp *d, const unsigned char *in, size_t inlen,
    struct error *ep)
{
	if (d->members > 0 && inlen > 0 &&
	    (in[0] != 0x1f || (inlen > 1 && in[1] != 0x8b)))
		return (error_set(ep, EX_DATAERR, 0,
		    "gzip: trailing garbage after the last member"));
	return (0);
}

#ifdef HAVE_ISAL
static const char *
isal_strerror(int rc)
{
	switch (rc) {
	case ISAL_INVALID_BLOCK:
		return ("invalid deflate block");
	case ISAL_INVALID_SYMBOL:
		return ("invalid deflate symbol");
	case ISAL_INVALID_LOOKBACK:
		return ("invalid lookback distance");
	case ISAL_INVALID_WRAPPER:
		return ("not a gzip member (bad header)");
	case ISAL_UNSUPPORTED_METHOD:
		return ("unsupported compression method");
	case ISAL_INCORRECT_CHECKSUM:
		return ("CRC or length mismatch");
	case ISAL_NEED_DICT:
		return ("member needs a preset dictionary");
	default:
		return ("corrupt data");
	}
}

static int
run_gzip(struct decomp *d, const unsigned char **in, size_t *inlen,
    unsigned char *out, size_t outcap, size_t *outlen, struct error *ep)
{
	struct inflate_state *s = d->isal;
	int rc;

	*outlen = 0;
	while (*outlen < outcap && (*inlen > 0 || d->started)) {
		size_t before_in = *inlen, before_out = *outlen;

		if (!d->started) {
			/* A new member: the previous one ended cleanly. */
			if (next_member_ok(d, *in, *inlen, ep) == -1)
				return (-1);
			if (d->members > 0) {
				isal_inflate_reset(s);
				s->crc_flag = ISAL_GZIP;
			}
			d->started = true;
		}
		s->next_in = (uint8_t *)(uintptr_t)*in;
		s->avail_in = (uint32_t)*inlen;
		s->next_out = out + *outlen;
		s->avail_out = (uint32_t)(outcap - *outlen);
		rc = isal_inflate(s);
		*outlen = (size_t)(s->next_out - out);
		*inlen = s->avail_in;
		*in = s->next_in;
		if (rc != ISAL_DECOMP_OK)
			return (error_set(ep, EX_DATAERR, 0, "gzip: %s%s",
			    d->members > 0 && rc == ISAL_INVALID_WRAPPER ?
			    "trailing garbage after the last member: " : "",
			    isal_strerror(rc)));
		if (s->block_state == ISAL_BLOCK_FINISH) {
			d->started = false;
			d->members++;
		} else if (*inlen == before_in && *outlen == before_out)
			break;
	}
	return (0);
}
#else
static int
run_gzip(struct decomp *d, const unsigned char **in, size_t *inlen,
    unsigned char *out, size_t outcap, size_t *outlen, struct error *ep)
{
	z_stream *z = &d->z;
	int rc;

	*outlen = 0;
	while (*outlen < outcap && (*inlen > 0 || d->started)) {
		if (!d->started) {
			if (next_member_ok(d, *in, *inlen, ep) == -1)
				return (-1);
			if (d->members > 0 && inflateReset(z) != Z_OK)
				return (error_set(ep, EX_SOFTWARE, 0,
				    "inflateReset failed"));
			d->started = true;
		}
		z->next_in = (Bytef *)(uintptr_t)*in;
		z->avail_in = (uInt)*inlen;
		z->next_out = out + *outlen;
		z->avail_out = (uInt)(outcap - *outlen);
		rc = inflate(z, Z_NO_FLUSH);
		*outlen = (size_t)(z->next_out - out);
		*inlen = z->avail_in;
		*in = z->next_in;
		if (rc == Z_STREAM_END) {
			d->started = false;
			d->members++;
			continue;
		}
		if (rc == Z_BUF_ERROR)
			break;
		if (rc == Z_MEM_ERROR)
			return (error_set(ep, EX_OSERR, ENOMEM,
			    "gzip: inflate"));
		if (rc != Z_OK)
			return (error_set(ep, EX_DATAERR, 0, "gzip: %s%s",
			    d->members > 0 && rc == Z_DATA_ERROR ?
			    "trailing garbage after the last member: " : "",
			    z->msg != NULL ? z->msg : "corrupt data"));
	}
	return (0);
}
#endif

static int
run_zstd(struct decomp *d, const unsigned char **in, size_t *inlen,
    unsigned char *out, size_t outcap, size_t *outlen, struct error *ep)
{
	ZSTD_inBuffer ib = { *in, *inlen, 0 };
	ZSTD_outBuffer ob = { out, outcap, 0 };
	size_t rc;

	while (ib.pos < ib.size && ob.pos < ob.size) {
		rc = ZSTD_decompressStream(d->zstd, &ob, &ib);
		if (ZSTD_isError(rc)) {
			*outlen = ob.pos;
			return (error_set(ep, EX_DATAERR, 0, "zstd: %s%s",
			    d->members > 0 && !d->started ?
			    "trailing garbage after the last frame: " : "",
			    ZSTD_getErrorName(rc)));
		}
		if (rc == 0) {
			d->started = false;
			d->members++;
		} else
			d->started = true;
	}
	/* Flush what a full output buffer held back, without new input. */
	while (ib.pos == ib.size && ob.pos < ob.size && d->started) {
		size_t before = ob.pos;

		rc = ZSTD_decompressStream(d->zstd, &ob, &ib);
		if (ZSTD_isError(rc))
			return (error_set(ep, EX_DATAERR, 0, "zstd: %s",
			    ZSTD_getErrorName(rc)));
		if (rc == 0) {
			d->started = false;
			d->members++;
		}
		if (ob.pos == before)
			break;
	}
	*in += ib.pos;
	*inlen -= ib.pos;
	*outlen = ob.pos;
	return (0);
}

int
decomp_run(struct decomp *d, const unsigned char **in, size_t *inlen,
    unsigned char *out, size_t outcap, size_t *outlen, struct error *ep)
{
	size_t n;

	switch (d->comp) {
	case LAYER_GZIP:
		return (run_gzip(d, in, inlen, out, outcap, outlen, ep));
	case LAYER_ZSTD:
		return (run_zstd(d, in, inlen, out, outcap, outlen, ep));
	default:
		n = *inlen < outcap ? *inlen : outcap;
		(void)memcpy(out, *in, n);
		*in += n;
		*inlen -= n;
		*outlen = n;
		d->members = 1;
		return (0);
	}
}

int
decomp_finish(struct decomp *d, struct error *ep)
{
	if (d->comp == LAYER_PLAIN)
		return (0);
	if (d->started || d->members == 0)
		return (error_set(ep, EX_DATAERR, 0,
		    "%s: truncated stream (unexpected end of data)",
		    decomp_name(d->comp)));
	return (0);
}
