/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Content digests: validation of "alg:hex" strings as the OCI image-spec
 * writes them (only the registered sha256 and sha512, lowercase hex of the
 * exact length) and streaming hashers over OpenSSL's EVP interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/digest.h"
#include "common/error.h"
#include "common/log.h"
#include "common/xalloc.h"

/* digest_fd() reads this much at a time. */
#define	DIGEST_READ_BUF	(1024 * 1024)

struct hasher {
	EVP_MD_CTX	*ctx;
	enum digest_alg	 alg;
};

static const struct {
	const char	*name;
	size_t		 hexlen;
} algs[] = {
	[DIGEST_SHA256] = { "sha256", 64 },
	[DIGEST_SHA512] = { "sha512", 128 },
};

static _Noreturn void
fatal(const char *what)
{
	log_fatal(EX_OSERR, what);
	exit(EX_OSERR);
}

static const EVP_MD *
alg_md(enum digest_alg alg)
{
	return (alg == DIGEST_SHA512 ? EVP_sha512() : EVP_sha256());
}

static bool
is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return (false);
	return (true);
}

/*
 * The OCI grammar of an algorithm name: components of [a-z0-9]+ joined by
 * one of [+._-].
 */
static bool
is_alg_name(const char *s, size_t n)
{
	size_t i;
	bool need = true;

	for (i = 0; i < n; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9'))
			need = false;
		else if (strchr("+._-", s[i]) != NULL && !need)
			need = true;
		else
			return (false);
	}
	return (n > 0 && !need);
}

int
digest_validate(const char *s, enum digest_alg *algp, struct error *ep)
{
	char b[160];
	const char *colon;
	size_t alen, i;

	if (s == NULL || *s == '\0')
		return (error_set(ep, EX_DATAERR, 0,
		    "invalid digest '': empty"));
	if ((colon = strchr(s, ':')) == NULL)
		return (error_set(ep, EX_DATAERR, 0,
		    "invalid digest '%s': no algorithm",
		    error_shown(s, b, sizeof(b))));
	alen = (size_t)(colon - s);
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (alen != strlen(algs[i].name) ||
		    strncmp(s, algs[i].name, alen) != 0)
			continue;
		if (strlen(colon + 1) != algs[i].hexlen)
			return (error_set(ep, EX_DATAERR, 0,
			    "invalid digest '%s': %s needs %zu hex digits",
			    error_shown(s, b, sizeof(b)), algs[i].name,
			    algs[i].hexlen));
		if (!is_lower_hex(colon + 1, algs[i].hexlen))
			return (error_set(ep, EX_DATAERR, 0,
			    "invalid digest '%s': not lowercase hex",
			    error_shown(s, b, sizeof(b))));
		if (algp != NULL)
			*algp = (enum digest_alg)i;
		return (0);
	}
	if (is_alg_name(s, alen) && colon[1] != '\0')
		return (error_set(ep, EX_DATAERR, 0,
		    "unsupported digest algorithm '%.*s' in '%s'",
		    (int)(alen < 32 ? alen : 32), s,
		    error_shown(s, b, sizeof(b))));
	return (error_set(ep, EX_DATAERR, 0, "invalid digest '%s'",
	    error_shown(s, b, sizeof(b))));
}

const char *
digest_hex(const char *s)
{
	const char *colon = strchr(s, ':');

	return (colon != NULL ? colon + 1 : s);
}

static void
format_digest(enum digest_alg alg, const unsigned char *md, unsigned int n,
    char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t o;
	unsigned int i;

	o = (size_t)snprintf(out, DIGEST_MAX, "%s:", algs[alg].name);
	for (i = 0; i < n && o + 2 < DIGEST_MAX; i++) {
		out[o++] = hex[md[i] >> 4];
		out[o++] = hex[md[i] & 0xf];
	}
	out[o] = '\0';
}

struct hasher *
hasher_new(enum digest_alg alg)
{
	struct hasher *h;

	h = xmalloc(sizeof(*h));
	h->alg = alg == DIGEST_SHA512 ? DIGEST_SHA512 : DIGEST_SHA256;
	if ((h->ctx = EVP_MD_CTX_new()) == NULL)
		fatal("out of memory");
	if (EVP_DigestInit_ex(h->ctx, alg_md(h->alg), NULL) != 1)
		fatal("cannot initialise the digest");
	return (h);
}

void
hasher_update(struct hasher *h, const void *buf, size_t len)
{
	if (len > 0 && EVP_DigestUpdate(h->ctx, buf, len) != 1)
		fatal("digest update failed");
}

void
hasher_final(struct hasher *h, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1)
		fatal("digest final failed");
	format_digest(h->alg, md, n, out);
}

void
hasher_free(struct hasher *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void
digest_buf(enum digest_alg alg, const void *buf, size_t len, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (alg != DIGEST_SHA512)
		alg = DIGEST_SHA256;
	if (EVP_Digest(buf, len, md, &n, alg_md(alg), NULL) != 1)
		fatal("digest failed");
	format_digest(alg, md, n, out);
}

int
digest_fd(enum digest_alg alg, int fd, char *out, struct error *ep)
{
	struct hasher *h;
	unsigned char *buf;
	ssize_t n;
	int rv = 0;

	buf = xmalloc(DIGEST_READ_BUF);
	h = hasher_new(alg);
	for (;;) {
		n = read(fd, buf, DIGEST_READ_BUF);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rv = error_set(ep, EX_IOERR, errno, "read");
			break;
		}
		if (n == 0)
			break;
		hasher_update(h, buf, (size_t)n);
	}
	if (rv == 0)
		hasher_final(h, out);
	hasher_free(h);
	free(buf);
	return (rv);
}
