/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/ref.c: parsing, normalisation, errors, hosts. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "common/error.h"
#include "common/ref.h"
#include "tests/unit/unit.h"

#define	D256 "sha256:" \
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define	D512 "sha512:" \
	"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a" \
	"2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
#define	HEX64 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const struct {
	const char	*in;
	const char	*domain, *path, *tag, *digest;
	const char	*full;
} good[] = {
	{ "alpine", "docker.io", "library/alpine", "latest", "",
	    "docker.io/library/alpine:latest" },
	{ "library/alpine", "docker.io", "library/alpine", "latest", "",
	    "docker.io/library/alpine:latest" },
	{ "docker.io/alpine", "docker.io", "library/alpine", "latest", "",
	    "docker.io/library/alpine:latest" },
	{ "docker.io/library/alpine:3.20", "docker.io", "library/alpine",
	    "3.20", "", "docker.io/library/alpine:3.20" },
	{ "index.docker.io/x/y", "docker.io", "x/y", "latest", "",
	    "docker.io/x/y:latest" },
	{ "index.docker.io/redis:7", "docker.io", "library/redis", "7", "",
	    "docker.io/library/redis:7" },
	{ "foo/bar/baz", "docker.io", "foo/bar/baz", "latest", "",
	    "docker.io/foo/bar/baz:latest" },
	{ "localhost/x", "localhost", "x", "latest", "",
	    "localhost/x:latest" },
	{ "localhost:5000/x:t", "localhost:5000", "x", "t", "",
	    "localhost:5000/x:t" },
	/* No slash: "localhost" is the repository and "5000" the tag. */
	{ "localhost:5000", "docker.io", "library/localhost", "5000", "",
	    "docker.io/library/localhost:5000" },
	{ "127.0.0.1:5000/a/b@" D256, "127.0.0.1:5000", "a/b", "", D256,
	    "127.0.0.1:5000/a/b@" D256 },
	{ "[::1]:5000/x", "[::1]:5000", "x", "latest", "",
	    "[::1]:5000/x:latest" },
	{ "[::1]/x:y", "[::1]", "x", "y", "", "[::1]/x:y" },
	{ "[2001:db8::1]:443/a/b", "[2001:db8::1]:443", "a/b", "latest", "",
	    "[2001:db8::1]:443/a/b:latest" },
	{ "ghcr.io/o/r:t@" D256, "ghcr.io", "o/r", "t", D256,
	    "ghcr.io/o/r:t@" D256 },
	{ "alpine@" D512, "docker.io", "library/alpine", "", D512,
	    "docker.io/library/alpine@" D512 },
	{ "Example.COM:8080/x", "Example.COM:8080", "x", "latest", "",
	    "Example.COM:8080/x:latest" },
	{ "my-registry.example.com/a-b.c_d/e__f/g--h:v1.0-RC_2",
	    "my-registry.example.com", "a-b.c_d/e__f/g--h", "v1.0-RC_2", "",
	    "my-registry.example.com/a-b.c_d/e__f/g--h:v1.0-RC_2" },
	{ "a__b", "docker.io", "library/a__b", "latest", "",
	    "docker.io/library/a__b:latest" },
	{ "a---b:_x", "docker.io", "library/a---b", "_x", "",
	    "docker.io/library/a---b:_x" },
	{ "0/1:2", "docker.io", "0/1", "2", "", "docker.io/0/1:2" },
	/* 64 hex digits are fine under a namespace or a domain. */
	{ "x/" HEX64, "docker.io", "x/" HEX64, "latest", "",
	    "docker.io/x/" HEX64 ":latest" },
};

static void
parse_good(void)
{
	struct error e = ERROR_INIT;
	struct ref r;
	char buf[600];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		(void)memset(&r, 0x55, sizeof(r));
		if (ref_parse(good[i].in, &r, &e) != 0) {
			(void)printf("# '%s': %s\n", good[i].in, e.msg);
			CHECK(!"ref_parse failed");
			continue;
		}
		CHECK_STREQ(r.domain, good[i].domain);
		CHECK_STREQ(r.path, good[i].path);
		CHECK_STREQ(r.tag, good[i].tag);
		CHECK_STREQ(r.digest, good[i].digest);
		CHECK(ref_format(&r, buf, sizeof(buf)) == 0);
		CHECK_STREQ(buf, good[i].full);
		/* The normalised form parses to itself. */
		CHECK(ref_parse(buf, &r, &e) == 0);
		CHECK(ref_format(&r, buf, sizeof(buf)) == 0);
		CHECK_STREQ(buf, good[i].full);
	}
}

static const struct {
	const char	*in;
	const char	*frag;
} bad[] = {
	{ "Foo", "invalid reference format: repository name (library/Foo) "
	    "must be lowercase" },
	{ "docker.io/Library/alpine", "repository name (Library/alpine) must "
	    "be lowercase" },
	{ "localhost:5000/Foo:t", "repository name (Foo) must be lowercase" },
	{ "", "invalid reference format: empty reference" },
	{ ":tag", "missing repository name" },
	{ "@" D256, "missing repository name" },
	{ "a//b", "empty path component" },
	{ "a/", "empty path component" },
	{ "/a", "empty path component" },
	{ "ghcr.io/", "empty path component" },
	{ "ghcr.io//x", "empty path component" },
	{ "a___b", "invalid separator in path component 'a___b'" },
	{ "a..b", "invalid separator in path component 'a..b'" },
	{ "a._b", "invalid separator" },
	{ "a-.b", "invalid separator" },
	{ "a.", "must end with a lowercase letter or digit" },
	{ "a-", "must end with" },
	{ "-a", "must start with a lowercase letter or digit" },
	{ "_a", "must start with" },
	{ "a b", "invalid character ' '" },
	{ "a\x01", "invalid byte 0x01" },
	{ "alpine:3.20:x", "invalid tag" },
	{ "alpine:-x", "invalid tag '-x'" },
	{ "alpine:.x", "invalid tag" },
	{ "alpine:x/y", "domain 'alpine:x': invalid port" },
	{ "alpine:", "empty tag" },
	{ "alpine@sha256:abc", "invalid digest 'sha256:abc'" },
	{ "alpine@", "empty digest" },
	{ "alpine@md5:d41d8cd98f00b204e9800998ecf8427e",
	    "unsupported digest algorithm" },
	{ "alpine@" D256 "@" D256, "invalid digest" },
	{ "alpine@SHA256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410"
	    "ff61f20015ad", "invalid digest" },
	{ HEX64, "is an image ID" },
	{ HEX64 ":latest", "is an image ID" },
	{ "exa mple.com/x", "invalid domain 'exa mple.com'" },
	{ "-x.com/y", "invalid domain" },
	{ "x-.com/y", "invalid domain" },
	{ "a..com/y", "invalid domain" },
	{ "example.com./y", "invalid domain" },
	{ "host:/x", "invalid port" },
	{ "host:0/x", "invalid port" },
	{ "host:65536/x", "invalid port" },
	{ "host:12a/x", "invalid port" },
	{ "[::1/x", "unterminated IPv6" },
	{ "[zz::1]:5000/x", "invalid IPv6 address" },
	{ "[1:2:3]/x", "invalid IPv6 address" },
	{ "[]/x", "path component '[]' must start with" },
	{ "[]:5/x", "invalid IPv6 address" },
	{ "[::1]x/y", "unexpected text after the IPv6 address" },
	{ ":5000/x", "invalid domain" },
};

static void
parse_bad(void)
{
	struct error e;
	struct ref r, before;
	size_t i;

	(void)memset(&before, 0x55, sizeof(before));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error_clear(&e);
		r = before;
		if (ref_parse(bad[i].in, &r, &e) != -1) {
			(void)printf("# '%s' accepted\n", bad[i].in);
			CHECK(!"ref_parse accepted a bad reference");
			continue;
		}
		if (e.exit != EX_USAGE ||
		    strncmp(e.msg, "invalid reference format: ", 26) != 0 ||
		    strstr(e.msg, bad[i].frag) == NULL) {
			(void)printf("# '%s': got '%s' (exit %d), want '%s'\n",
			    bad[i].in, e.msg, e.exit, bad[i].frag);
			CHECK(!"wrong error");
		}
		/* *r is untouched on failure. */
		CHECK(memcmp(&r, &before, sizeof(r)) == 0);
	}
	CHECK(ref_parse(NULL, &r, &e) == -1 && e.exit == EX_USAGE);
}

static void
lengths(void)
{
	struct error e = ERROR_INIT;
	struct ref r;
	char in[800], tag[200], buf[600];
	size_t n;

	/* Tags: 128 characters are fine, 129 are not. */
	(void)memset(tag, 'a', 128);
	tag[128] = '\0';
	(void)snprintf(in, sizeof(in), "alpine:%s", tag);
	CHECK(ref_parse(in, &r, &e) == 0 && strlen(r.tag) == 128);
	(void)snprintf(in, sizeof(in), "alpine:%sb", tag);
	CHECK(ref_parse(in, &r, &e) == -1 && e.exit == EX_USAGE);
	CHECK(strstr(e.msg, "longer than 128 characters") != NULL);

	/* Names: "ghcr.io/" + path, 255 bytes in all, then 256. */
	n = 255 - strlen("ghcr.io/");
	(void)snprintf(in, sizeof(in), "ghcr.io/");
	(void)memset(in + 8, 'a', n);
	in[8 + n] = '\0';
	CHECK(ref_parse(in, &r, &e) == 0);
	CHECK(strlen(r.domain) + 1 + strlen(r.path) == 255);
	(void)snprintf(in + 8 + n, sizeof(in) - 8 - n, "a");
	CHECK(ref_parse(in, &r, &e) == -1);
	CHECK(strstr(e.msg, "must not be more than 255 characters") != NULL);

	/* The docker.io/library/ prefix counts. */
	n = 255 - strlen("docker.io/library/");
	(void)memset(in, 'b', n);
	in[n] = '\0';
	CHECK(ref_parse(in, &r, &e) == 0);
	in[n] = 'b';
	in[n + 1] = '\0';
	CHECK(ref_parse(in, &r, &e) == -1);
	CHECK(strstr(e.msg, "more than 255") != NULL);

	/* Absurd input is refused before anything is copied. */
	(void)memset(in, 'c', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	CHECK(ref_parse(in, &r, &e) == -1 && e.exit == EX_USAGE);
	CHECK(strstr(e.msg, "bytes long") != NULL);

	/* ref_format into a buffer too small. */
	CHECK(ref_parse("ghcr.io/o/r:t@" D256, &r, &e) == 0);
	CHECK(ref_format(&r, buf, 20) == -1);
	CHECK(ref_format(&r, buf, strlen("ghcr.io/o/r:t@" D256)) == -1);
	CHECK(ref_format(&r, buf, strlen("ghcr.io/o/r:t@" D256) + 1) == 0);
	CHECK(ref_format_name(&r, buf, sizeof(buf)) == 0);
	CHECK_STREQ(buf, "ghcr.io/o/r");
	CHECK(ref_format_name(&r, buf, 11) == -1);
}

static void
registry_host(void)
{
	struct error e = ERROR_INIT;
	struct ref r;

	CHECK(ref_parse("alpine", &r, &e) == 0);
	CHECK_STREQ(ref_registry_host(&r), "registry-1.docker.io");
	CHECK(ref_parse("index.docker.io/a/b", &r, &e) == 0);
	CHECK_STREQ(ref_registry_host(&r), "registry-1.docker.io");
	CHECK(ref_parse("localhost:5000/x", &r, &e) == 0);
	CHECK_STREQ(ref_registry_host(&r), "localhost:5000");
	CHECK(ref_parse("ghcr.io/o/r", &r, &e) == 0);
	CHECK_STREQ(ref_registry_host(&r), "ghcr.io");
}

static void
loopback(void)
{
	static const char *yes[] = {
		"localhost", "localhost:5000", "LocalHost:1", "127.0.0.1",
		"127.0.0.1:5000", "127.255.1.2:80", "[::1]", "[::1]:5000",
		"::1", "[0:0:0:0:0:0:0:1]:443", "[::ffff:127.0.0.1]:5000",
	};
	static const char *no[] = {
		"", "example.com", "example.com:5000", "128.0.0.1",
		"10.0.0.1:5000", "localhost.example.com", "127.0.0.1.nip.io",
		"localhost:", "localhost:abc", "localhost:5000x",
		"127.0.0.1:99999", "[::2]", "[::1", "[::1]x", "[::1]:",
		"[127.0.0.1]", "[localhost]", "::2", "127.1", "0.0.0.0",
		"[::]:5000",
	};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!ref_host_is_loopback(yes[i])) {
			(void)printf("# '%s' not loopback\n", yes[i]);
			CHECK(!"loopback refused");
		}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (ref_host_is_loopback(no[i])) {
			(void)printf("# '%s' loopback\n", no[i]);
			CHECK(!"not loopback accepted");
		}
	CHECK(!ref_host_is_loopback(NULL));
}

int
main(void)
{
	TEST(parse_good);
	TEST(parse_bad);
	TEST(lengths);
	TEST(registry_host);
	TEST(loopback);
	return (unit_done());
}
