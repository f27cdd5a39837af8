/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/digest.c: known vectors, streaming, validation. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/error.h"
#include "tests/unit/unit.h"

#define	SHA256_EMPTY "sha256:" \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define	SHA256_ABC "sha256:" \
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define	SHA512_EMPTY "sha512:" \
	"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" \
	"47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
#define	SHA512_ABC "sha512:" \
	"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a" \
	"2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng);
}

static void
known_vectors(void)
{
	char out[DIGEST_MAX];

	digest_buf(DIGEST_SHA256, "", 0, out);
	CHECK_STREQ(out, SHA256_EMPTY);
	digest_buf(DIGEST_SHA256, "abc", 3, out);
	CHECK_STREQ(out, SHA256_ABC);
	digest_buf(DIGEST_SHA512, "", 0, out);
	CHECK_STREQ(out, SHA512_EMPTY);
	digest_buf(DIGEST_SHA512, "abc", 3, out);
	CHECK_STREQ(out, SHA512_ABC);
}

static void
hasher_vectors(void)
{
	struct hasher *h;
	char out[DIGEST_MAX];

	h = hasher_new(DIGEST_SHA256);
	hasher_final(h, out);
	hasher_free(h);
	CHECK_STREQ(out, SHA256_EMPTY);

	h = hasher_new(DIGEST_SHA256);
	hasher_update(h, "a", 1);
	hasher_update(h, "", 0);
	hasher_update(h, "bc", 2);
	hasher_final(h, out);
	hasher_free(h);
	CHECK_STREQ(out, SHA256_ABC);

	h = hasher_new(DIGEST_SHA512);
	hasher_update(h, "ab", 2);
	hasher_update(h, "c", 1);
	hasher_final(h, out);
	hasher_free(h);
	CHECK_STREQ(out, SHA512_ABC);
	hasher_free(NULL);
}

/* Streaming over random chunk sizes gives the one-shot digest. */
static void
streaming_equals_oneshot(void)
{
	const size_t len = 3 * 1024 * 1024 + 17;
	unsigned char *buf;
	char one[DIGEST_MAX], streamed[DIGEST_MAX];
	struct hasher *h;
	size_t i, off, n;
	int alg, round;

	buf = malloc(len);
	CHECK(buf != NULL);
	if (buf == NULL)
		return;
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)next_rand();
	for (alg = DIGEST_SHA256; alg <= DIGEST_SHA512; alg++) {
		digest_buf((enum digest_alg)alg, buf, len, one);
		for (round = 0; round < 8; round++) {
			h = hasher_new((enum digest_alg)alg);
			for (off = 0; off < len; off += n) {
				/* Mostly small odd chunks, sometimes large. */
				n = (size_t)(next_rand() %
				    (round % 2 == 0 ? 4099 : 300000));
				if (n > len - off)
					n = len - off;
				hasher_update(h, buf + off, n);
			}
			hasher_final(h, streamed);
			hasher_free(h);
			CHECK_STREQ(streamed, one);
		}
	}
	/* A one-bit change changes the digest. */
	digest_buf(DIGEST_SHA256, buf, len, one);
	buf[len / 2] ^= 1;
	digest_buf(DIGEST_SHA256, buf, len, streamed);
	CHECK(strcmp(one, streamed) != 0);
	free(buf);
}

static void
from_fd(void)
{
	char path[] = "/tmp/test_digest.XXXXXX";
	char out[DIGEST_MAX], want[DIGEST_MAX];
	struct error e = ERROR_INIT;
	unsigned char *buf;
	const size_t len = 2 * 1024 * 1024 + 5;
	size_t i;
	int fd, dfd;

	buf = malloc(len);
	CHECK(buf != NULL);
	if (buf == NULL)
		return;
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)next_rand();
	fd = mkostemp(path, O_CLOEXEC);
	CHECK(fd != -1);
	if (fd == -1) {
		free(buf);
		return;
	}
	(void)unlink(path);
	CHECK(write(fd, buf, len) == (ssize_t)len);

	/* From the current offset: everything, then the tail. */
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(digest_fd(DIGEST_SHA256, fd, out, &e) == 0);
	digest_buf(DIGEST_SHA256, buf, len, want);
	CHECK_STREQ(out, want);
	CHECK(lseek(fd, 1000, SEEK_SET) == 1000);
	CHECK(digest_fd(DIGEST_SHA512, fd, out, &e) == 0);
	digest_buf(DIGEST_SHA512, buf + 1000, len - 1000, want);
	CHECK_STREQ(out, want);
	/* At the end: the digest of nothing. */
	CHECK(digest_fd(DIGEST_SHA256, fd, out, &e) == 0);
	CHECK_STREQ(out, SHA256_EMPTY);
	(void)close(fd);

	/* Read errors are EX_IOERR. */
	CHECK(digest_fd(DIGEST_SHA256, fd, out, &e) == -1);
	CHECK(e.exit == EX_IOERR && e.errnum == EBADF);
	error_clear(&e);
	dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd != -1);
	CHECK(digest_fd(DIGEST_SHA256, dfd, out, &e) == -1);
	CHECK(e.exit == EX_IOERR && e.errnum == EISDIR);
	(void)close(dfd);
	free(buf);
}

static void
validate_good(void)
{
	struct error e = ERROR_INIT;
	enum digest_alg alg = DIGEST_SHA512;

	CHECK(digest_validate(SHA256_ABC, &alg, &e) == 0);
	CHECK(alg == DIGEST_SHA256);
	CHECK(digest_validate(SHA512_ABC, &alg, &e) == 0);
	CHECK(alg == DIGEST_SHA512);
	CHECK(digest_validate(SHA256_EMPTY, NULL, &e) == 0);
	CHECK(digest_validate(SHA512_EMPTY, NULL, NULL) == 0);
	CHECK_STREQ(digest_hex(SHA256_ABC), &SHA256_ABC[7]);
	CHECK_STREQ(digest_hex(SHA512_ABC), &SHA512_ABC[7]);
}

/* s must be refused with EX_DATAERR and a message containing frag. */
static int
refused(const char *s, const char *frag)
{
	struct error e = ERROR_INIT;
	enum digest_alg alg = (enum digest_alg)42;

	if (digest_validate(s, &alg, &e) != -1 || e.exit != EX_DATAERR ||
	    alg != (enum digest_alg)42 || strstr(e.msg, frag) == NULL) {
		(void)printf("# '%s': got '%s'\n", s, e.msg);
		return (0);
	}
	return (1);
}

static void
validate_bad(void)
{
	char longer[DIGEST_MAX + 8], upper[DIGEST_MAX];

	(void)snprintf(upper, sizeof(upper), "%s", SHA256_ABC);
	upper[10] = 'F';
	CHECK(refused(upper, "invalid digest 'sha256:ba7F"));
	CHECK(refused("SHA256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9"
	    "cb410ff61f20015ad", "invalid digest"));
	CHECK(refused("sha256:abc", "invalid digest 'sha256:abc'"));
	(void)snprintf(longer, sizeof(longer), "%s0", SHA256_ABC);
	CHECK(refused(longer, "invalid digest"));
	/* A sha512-length hex under sha256, and the reverse. */
	(void)snprintf(longer, sizeof(longer), "sha256:%s", &SHA512_ABC[7]);
	CHECK(refused(longer, "invalid digest"));
	(void)snprintf(longer, sizeof(longer), "sha512:%s", &SHA256_ABC[7]);
	CHECK(refused(longer, "invalid digest"));
	CHECK(refused("md5:d41d8cd98f00b204e9800998ecf8427e",
	    "unsupported digest algorithm 'md5'"));
	CHECK(refused("sha384:38b060a751ac96384cd9327eb1b1e36a21fdb71114be0743"
	    "4c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
	    "unsupported digest algorithm"));
	CHECK(refused("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv"
	    "46HmX4Gx8", "unsupported digest algorithm"));
	CHECK(refused("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	    "f20015ad", "invalid digest"));
	CHECK(refused("", "invalid digest"));
	CHECK(refused("sha256:", "invalid digest"));
	CHECK(refused(":abc", "invalid digest"));
	CHECK(refused("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9"
	    "cb410ff61f20015ag", "invalid digest"));
	CHECK(refused("sha256 :ba7816bf8f01cfea414140de5dae2223b00361a396177a9"
	    "cb410ff61f20015ad", "invalid digest"));
	/* Control bytes are not echoed into the message. */
	CHECK(refused("sha256:\x1b[2J", "invalid digest 'sha256:?[2J'"));
	CHECK(refused(NULL, "invalid digest"));
}

int
main(void)
{
	TEST(known_vectors);
	TEST(hasher_vectors);
	TEST(streaming_equals_oneshot);
	TEST(from_fd);
	TEST(validate_good);
	TEST(validate_bad);
	return (unit_done());
}
