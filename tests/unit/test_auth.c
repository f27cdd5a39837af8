/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for common/auth.c and the pure helpers of common/http.c:
 * WWW-Authenticate parsing, token responses, scopes, token URLs and bodies,
 * the token cache, base64, Retry-After, backoff, registry error bodies and
 * their exit classes, origins and the redirect credential rule, loopback and
 * insecure host lists, and the address classifier for foreign URLs.  No
 * network: the only name resolved is "localhost".
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <curl/curl.h>

#include "common/auth.h"
#include "common/error.h"
#include "common/http.h"
#include "tests/unit/unit.h"

static int
parse_ok(const char *hdr, struct auth_challenge *ch)
{
	struct error e = ERROR_INIT;
	int rv;

	rv = auth_challenge_parse(hdr, ch, &e);
	if (rv == -1)
		(void)fprintf(stdout, "# unexpected error: %s\n", e.msg);
	return (rv);
}

static void
challenge_docker_hub(void)
{
	struct auth_challenge ch;

	CHECK(parse_ok("Bearer realm=\"https://auth.docker.io/token\","
	    "service=\"registry.docker.io\","
	    "scope=\"repository:library/alpine:pull\"", &ch) == 0);
	CHECK(ch.scheme == AUTH_BEARER);
	CHECK_STREQ(ch.realm, "https://auth.docker.io/token");
	CHECK_STREQ(ch.service, "registry.docker.io");
	CHECK_STREQ(ch.scope, "repository:library/alpine:pull");
	CHECK_STREQ(ch.error, "");
}

static void
challenge_ghcr_harbor_ecr(void)
{
	struct auth_challenge ch;

	CHECK(parse_ok("Bearer realm=\"https://ghcr.io/token\","
	    "service=\"ghcr.io\",scope=\"repository:user/image:pull\"",
	    &ch) == 0);
	CHECK(ch.scheme == AUTH_BEARER);
	CHECK_STREQ(ch.realm, "https://ghcr.io/token");
	CHECK_STREQ(ch.service, "ghcr.io");
	CHECK(parse_ok("Bearer realm=\"https://harbor.example/service/token\""
	    ", service=\"harbor-registry\"", &ch) == 0);
	CHECK_STREQ(ch.service, "harbor-registry");
	CHECK_STREQ(ch.scope, "");
	CHECK(parse_ok("Basic realm=\"https://123456789012.dkr.ecr."
	    "us-east-1.amazonaws.com/\",service=\"ecr.amazonaws.com\"",
	    &ch) == 0);
	CHECK(ch.scheme == AUTH_BASIC);
	CHECK_STREQ(ch.realm,
	    "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/");
	CHECK(parse_ok("Basic realm=\"Registry Realm\"", &ch) == 0);
	CHECK(ch.scheme == AUTH_BASIC);
	CHECK_STREQ(ch.realm, "Registry Realm");
	CHECK(parse_ok("Basic", &ch) == 0 && ch.scheme == AUTH_BASIC);
}

static void
challenge_forms(void)
{
	struct auth_challenge ch;

	/* Scheme and parameter names are case-insensitive. */
	CHECK(parse_ok("bEaReR REALM=\"https://a/t\",Service=svc", &ch) == 0);
	CHECK(ch.scheme == AUTH_BEARER);
	CHECK_STREQ(ch.realm, "https://a/t");
	CHECK_STREQ(ch.service, "svc");
	/* Spaces around '=' and ',', tabs, empty list elements. */
	CHECK(parse_ok("Bearer  realm = \"r\" ,\tservice=\"s\" ,, scope=x",
	    &ch) == 0);
	CHECK_STREQ(ch.realm, "r");
	CHECK_STREQ(ch.service, "s");
	CHECK_STREQ(ch.scope, "x");
	/* Commas and escaped quotes inside quoted strings. */
	CHECK(parse_ok("Bearer realm=\"https://a/t?x=1,2\",service="
	    "\"say \\\"hi\\\", \\\\ok\"", &ch) == 0);
	CHECK_STREQ(ch.realm, "https://a/t?x=1,2");
	CHECK_STREQ(ch.service, "say \"hi\", \\ok");
	/* Unquoted token values, insufficient_scope with several scopes. */
	CHECK(parse_ok("Bearer realm=\"https://a/t\",error=insufficient_scope,"
	    "scope=\"repository:a:pull repository:b:pull\"", &ch) == 0);
	CHECK_STREQ(ch.error, "insufficient_scope");
	CHECK_STREQ(ch.scope, "repository:a:pull repository:b:pull");
	/* Unknown parameters are ignored. */
	CHECK(parse_ok("Bearer realm=\"r\",charset=\"UTF-8\",x-y=z", &ch) == 0);
	CHECK_STREQ(ch.realm, "r");
}

static void
challenge_several(void)
{
	struct auth_challenge ch;

	/* Bearer wins over Basic in whatever order. */
	CHECK(parse_ok("Basic realm=\"b\", Bearer realm=\"t\",service=\"s\"",
	    &ch) == 0);
	CHECK(ch.scheme == AUTH_BEARER);
	CHECK_STREQ(ch.realm, "t");
	CHECK_STREQ(ch.service, "s");
	CHECK(parse_ok("Bearer realm=\"t\", Basic realm=\"b\"", &ch) == 0);
	CHECK(ch.scheme == AUTH_BEARER && strcmp(ch.realm, "t") == 0);
	/* Unknown schemes, with or without token68, are skipped. */
	CHECK(parse_ok("Negotiate, Basic realm=\"b\"", &ch) == 0);
	CHECK(ch.scheme == AUTH_BASIC && strcmp(ch.realm, "b") == 0);
	CHECK(parse_ok("Negotiate abc+/9==, Basic realm=\"b\"", &ch) == 0);
	CHECK(ch.scheme == AUTH_BASIC);
	CHECK(parse_ok("Digest realm=\"d\", nonce=\"n\", qop=\"auth,auth-int\","
	    " Basic realm=\"b\"", &ch) == 0);
	CHECK(ch.scheme == AUTH_BASIC && strcmp(ch.realm, "b") == 0);
}

static void
challenge_garbage(void)
{
	struct auth_challenge ch;
	struct error e = ERROR_INIT;
	char *big;

	CHECK(auth_challenge_parse("", &ch, &e) == -1 &&
	    e.exit == EX_PROTOCOL);
	CHECK(auth_challenge_parse("   ", &ch, &e) == -1);
	CHECK(auth_challenge_parse("Bearer service=\"s\"", &ch, &e) == -1);
	CHECK(strstr(e.msg, "without realm") != NULL);
	CHECK(auth_challenge_parse("Bearer realm=\"unterminated", &ch,
	    &e) == -1);
	CHECK(strstr(e.msg, "unterminated") != NULL);
	CHECK(auth_challenge_parse("Bearer realm=\"a\\", &ch, &e) == -1);
	CHECK(auth_challenge_parse("Digest realm=\"x\"", &ch, &e) == -1);
	CHECK(strstr(e.msg, "unsupported authentication scheme 'Digest'") !=
	    NULL);
	CHECK(auth_challenge_parse("\"quoted\"", &ch, &e) == -1);
	CHECK(auth_challenge_parse("Bearer realm=\"a\" service=\"b\"", &ch,
	    &e) == -1);
	CHECK(auth_challenge_parse("Bearer realm=\"a\",realm=\"b\"", &ch,
	    &e) == -1);
	CHECK(strstr(e.msg, "duplicate") != NULL);
	CHECK(auth_challenge_parse("Bearer realm=https://a/t", &ch, &e) == -1);
	CHECK(auth_challenge_parse("Bearer realm=\"a\nb\"", &ch, &e) == -1);
	CHECK(auth_challenge_parse("Bearer=\"x\"", &ch, &e) == -1);
	CHECK(auth_challenge_parse("Bearer realm=\"a\",=b", &ch, &e) == -1);
	/* Overlong parameter and overlong header. */
	big = malloc(AUTH_HEADER_MAX + 100);
	(void)strcpy(big, "Bearer realm=\"");
	(void)memset(big + 14, 'a', 2000);
	(void)strcpy(big + 14 + 2000, "\"");
	CHECK(auth_challenge_parse(big, &ch, &e) == -1);
	CHECK(strstr(e.msg, "too long") != NULL);
	(void)memset(big, 'a', AUTH_HEADER_MAX + 50);
	big[AUTH_HEADER_MAX + 50] = '\0';
	CHECK(auth_challenge_parse(big, &ch, &e) == -1);
	CHECK(strstr(e.msg, "longer than") != NULL);
	free(big);
}

static void
token_responses(void)
{
	struct error e = ERROR_INIT;
	char *tok = NULL;
	long life = -1;
	time_t now = 1700000000;	/* 2023-11-14T22:13:20Z */

#define	TP(s)	auth_token_parse(s, strlen(s), now, &tok, &life, &e)
	CHECK(TP("{\"token\":\"abc\",\"expires_in\":300}") == 0);
	CHECK_STREQ(tok, "abc");
	CHECK(life == 300);
	auth_secret_free(tok);
	CHECK(TP("{\"access_token\":\"xyz\"}") == 0);
	CHECK_STREQ(tok, "xyz");
	CHECK(life == 60);
	auth_secret_free(tok);
	CHECK(TP("{\"token\":\"t1\",\"access_token\":\"t2\"}") == 0);
	CHECK_STREQ(tok, "t1");
	auth_secret_free(tok);
	CHECK(TP("{\"token\":\"\",\"access_token\":\"t2\"}") == 0);
	CHECK_STREQ(tok, "t2");
	auth_secret_free(tok);
	CHECK(TP("{\"token\":\"a\",\"expires_in\":-5}") == 0 && life == 60);
	auth_secret_free(tok);
	CHECK(TP("{\"token\":\"a\",\"expires_in\":\"300\"}") == 0 &&
	    life == 60);
	auth_secret_free(tok);
	/* issued_at 100 s ago shortens the lifetime; the future does not. */
	CHECK(TP("{\"token\":\"a\",\"expires_in\":300,"
	    "\"issued_at\":\"2023-11-14T22:11:40Z\"}") == 0 && life == 200);
	auth_secret_free(tok);
	CHECK(TP("{\"token\":\"a\",\"expires_in\":300,"
	    "\"issued_at\":\"2023-11-14T23:11:40.123456+01:00\"}") == 0 &&
	    life == 200);
	auth_secret_free(tok);
	CHECK(TP("{\"token\":\"a\",\"expires_in\":300,"
	    "\"issued_at\":\"2030-01-01T00:00:00Z\"}") == 0 && life == 300);
	auth_secret_free(tok);
	CHECK(TP("{\"token\":\"a\",\"expires_in\":300,"
	    "\"issued_at\":\"2020-01-01T00:00:00Z\"}") == 0 && life == 0);
	auth_secret_free(tok);
	CHECK(TP("{\"token\":\"a\",\"issued_at\":\"yesterday\"}") == 0 &&
	    life == 60);
	auth_secret_free(tok);
	tok = NULL;
	CHECK(TP("{\"token\":") == -1 && e.exit == EX_PROTOCOL);
	CHECK(strstr(e.msg, "not valid JSON") != NULL);
	CHECK(TP("[\"token\"]") == -1);
	CHECK(TP("{\"expires_in\":300}") == -1);
	CHECK(strstr(e.msg, "no token") != NULL);
	CHECK(TP("{\"token\":42}") == -1);
	CHECK(TP("{\"token\":\"a\\r\\nX-Evil: 1\"}") == -1);
	CHECK(TP("{\"token\":\"a b\"}") == -1);
	CHECK(TP("") == -1);
	CHECK(tok == NULL);
#undef TP
}

static void
scopes_and_urls(void)
{
	const char *sc[] = { "repository:library/alpine:pull",
	    "repository:b:pull" };
	char buf[128], *s;

	CHECK(auth_scope("library/alpine", NULL, buf, sizeof(buf)) == 0);
	CHECK_STREQ(buf, "repository:library/alpine:pull");
	CHECK(auth_scope("a/b", "pull,push", buf, sizeof(buf)) == 0);
	CHECK_STREQ(buf, "repository:a/b:pull,push");
	CHECK(auth_scope("", "pull", buf, sizeof(buf)) == -1);
	CHECK(auth_scope("a b", "pull", buf, sizeof(buf)) == -1);
	CHECK(auth_scope("a\nb", "pull", buf, sizeof(buf)) == -1);
	CHECK(auth_scope("a", "pull push", buf, sizeof(buf)) == -1);
	CHECK(auth_scope("abcdefghij", "pull", buf, 20) == -1);

	s = auth_token_url("https://auth.docker.io/token",
	    "registry.docker.io", sc, 1, NULL);
	CHECK_STREQ(s, "https://auth.docker.io/token?service=registry.docker.io"
	    "&scope=repository%3Alibrary%2Falpine%3Apull");
	free(s);
	s = auth_token_url("https://h/t?x=1", "a b", sc, 2, "me@x");
	CHECK_STREQ(s, "https://h/t?x=1&service=a%20b"
	    "&scope=repository%3Alibrary%2Falpine%3Apull"
	    "&scope=repository%3Ab%3Apull&account=me%40x");
	free(s);
	s = auth_token_url("https://h/t?", NULL, sc + 1, 1, NULL);
	CHECK_STREQ(s, "https://h/t?scope=repository%3Ab%3Apull");
	free(s);
	s = auth_token_url("https://h/t#frag", "", NULL, 0, "");
	CHECK_STREQ(s, "https://h/t");
	free(s);
	s = auth_oauth_body("svc", sc, 2, "r&t=");
	CHECK_STREQ(s, "grant_type=refresh_token&service=svc&scope="
	    "repository%3Alibrary%2Falpine%3Apull%20repository%3Ab%3Apull"
	    "&client_id=berth&refresh_token=r%26t%3D");
	auth_secret_free(s);
}

static void
token_cache(void)
{
	struct auth_cache *c = auth_cache_new();
	char key[32], *t;
	int i;

	CHECK(auth_cache_get(c, "s", 1000) == NULL);
	/* 300 s lifetime, 30 s margin: valid until 1270. */
	auth_cache_put(c, "s", "tok1", 1000, 300);
	t = auth_cache_get(c, "s", 1269);
	CHECK_STREQ(t, "tok1");
	auth_secret_free(t);
	CHECK(auth_cache_get(c, "s", 1270) == NULL);
	CHECK(auth_cache_get(c, "s", 1000) == NULL);	/* expired: removed */
	/* 60 s lifetime, 6 s margin. */
	auth_cache_put(c, "s", "tok2", 1000, 60);
	CHECK((t = auth_cache_get(c, "s", 1053)) != NULL);
	auth_secret_free(t);
	CHECK(auth_cache_get(c, "s", 1054) == NULL);
	/* Scopes do not mix; a put replaces. */
	auth_cache_put(c, "a", "ta", 1000, 300);
	auth_cache_put(c, "b", "tb", 1000, 300);
	auth_cache_put(c, "a", "ta2", 1000, 300);
	t = auth_cache_get(c, "a", 1001);
	CHECK_STREQ(t, "ta2");
	auth_secret_free(t);
	t = auth_cache_get(c, "b", 1001);
	CHECK_STREQ(t, "tb");
	auth_secret_free(t);
	/* Drop only the token that failed, not a newer one. */
	auth_cache_drop(c, "a", "ta");
	CHECK((t = auth_cache_get(c, "a", 1001)) != NULL);
	auth_secret_free(t);
	auth_cache_drop(c, "a", "ta2");
	CHECK(auth_cache_get(c, "a", 1001) == NULL);
	/* A token without a useful lifetime is not kept. */
	auth_cache_put(c, "z", "tz", 1000, 0);
	CHECK(auth_cache_get(c, "z", 1000) == NULL);
	/* More scopes than slots: the newest stay. */
	for (i = 0; i < 200; i++) {
		(void)snprintf(key, sizeof(key), "k%d", i);
		auth_cache_put(c, key, key, 1000, 300 + i);
	}
	t = auth_cache_get(c, "k199", 1001);
	CHECK_STREQ(t, "k199");
	auth_secret_free(t);
	CHECK(auth_cache_get(c, "k0", 1001) == NULL);
	auth_cache_free(c);
}

static void
base64(void)
{
	char *s;
	size_t n;

	s = auth_base64_encode("user:pass", 9);
	CHECK_STREQ(s, "dXNlcjpwYXNz");
	free(s);
	s = auth_base64_encode("ab", 2);
	CHECK_STREQ(s, "YWI=");
	free(s);
	s = auth_base64_encode("a", 1);
	CHECK_STREQ(s, "YQ==");
	free(s);
	s = auth_base64_encode("", 0);
	CHECK_STREQ(s, "");
	free(s);
	s = auth_base64_decode("dXNlcjpwYXNz", &n);
	CHECK_STREQ(s, "user:pass");
	CHECK(n == 9);
	auth_secret_free(s);
	s = auth_base64_decode("YWI=", &n);
	CHECK_STREQ(s, "ab");
	auth_secret_free(s);
	s = auth_base64_decode("YWI", &n);	/* unpadded */
	CHECK_STREQ(s, "ab");
	auth_secret_free(s);
	s = auth_base64_decode("YQ==", &n);
	CHECK(s != NULL && n == 1);
	auth_secret_free(s);
	CHECK(auth_base64_decode("YQ=", &n) == NULL);
	CHECK(auth_base64_decode("Y", &n) == NULL);
	CHECK(auth_base64_decode("YW I=", &n) == NULL);
	CHECK(auth_base64_decode("YW*=", &n) == NULL);
	CHECK(auth_base64_decode("YWJ=", &n) == NULL);	/* stray bits */
	CHECK(auth_base64_decode("=YWI", &n) == NULL);
	s = auth_basic_header("user", "pass");
	CHECK_STREQ(s, "Authorization: Basic dXNlcjpwYXNz");
	auth_secret_free(s);
}

static void
retry_after(void)
{
	time_t now = 784111777;		/* Sun, 06 Nov 1994 08:49:37 GMT */
	long long d = -1;

	CHECK(http_retry_after_parse("120", now, &d) == 0 && d == 120);
	CHECK(http_retry_after_parse("0", now, &d) == 0 && d == 0);
	CHECK(http_retry_after_parse("Sun, 06 Nov 1994 08:50:37 GMT", now,
	    &d) == 0 && d == 60);
	CHECK(http_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", now,
	    &d) == 0 && d == 0);
	CHECK(http_retry_after_parse("Sat, 05 Nov 1994 08:49:37 GMT", now,
	    &d) == 0 && d == 0);
	CHECK(http_retry_after_parse("Sunday, 06-Nov-94 08:51:37 GMT", now,
	    &d) == 0 && d == 120);
	CHECK(http_retry_after_parse("Sun Nov  6 08:52:37 1994", now,
	    &d) == 0 && d == 180);
	CHECK(http_retry_after_parse("Wed, 01 Jan 2025 00:00:00 GMT", now,
	    &d) == 0 && d > 0);
	CHECK(http_retry_after_parse("", now, &d) == -1);
	CHECK(http_retry_after_parse("soon", now, &d) == -1);
	CHECK(http_retry_after_parse("12abc", now, &d) == -1);
	CHECK(http_retry_after_parse("-5", now, &d) == -1);
	CHECK(http_retry_after_parse("1.5", now, &d) == -1);
	CHECK(http_retry_after_parse("99999999999999999999999", now, &d) ==
	    -1);
	CHECK(http_retry_after_parse("Sun, 06 Nov 1994 08:49:37 PST", now,
	    &d) == -1);
	CHECK(http_retry_after_parse("Sun, 6 Nov 1994 08:49:37 GMT", now,
	    &d) == -1);
	CHECK(http_retry_after_parse("Sun, 06 Foo 1994 08:49:37 GMT", now,
	    &d) == -1);
	CHECK(http_retry_after_parse("Sun, 06 Nov 1994 25:49:37 GMT", now,
	    &d) == -1);
	CHECK(http_retry_after_parse(NULL, now, &d) == -1);
}

static void
backoff(void)
{
	long v, lo = 1000000, hi = -1;
	int i;

	for (i = 0; i < 500; i++) {
		v = http_backoff_ms(1, 200, 10000);
		CHECK(v >= 0 && v <= 200);
		v = http_backoff_ms(3, 200, 10000);
		CHECK(v >= 0 && v <= 800);
		v = http_backoff_ms(30, 200, 10000);
		CHECK(v >= 0 && v <= 10000);
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	/* Full jitter: spread over the range. */
	CHECK(lo < 2000 && hi > 8000);
	CHECK(http_backoff_ms(5, 0, 10000) == 0);
}

static void
registry_errors(void)
{
	char msg[200], code[64];
	const char *b;

	b = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":"
	    "\"manifest unknown\",\"detail\":{\"Tag\":\"bar\"}}]}";
	http_registry_error(b, strlen(b), msg, sizeof(msg), code,
	    sizeof(code));
	CHECK_STREQ(msg, "MANIFEST_UNKNOWN: manifest unknown");
	CHECK_STREQ(code, "MANIFEST_UNKNOWN");
	CHECK(http_status_exit(404, code) == EX_NOINPUT);
	b = "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"no\\u001b[31m\"},"
	    "{\"code\":\"X\"}]}";
	http_registry_error(b, strlen(b), msg, sizeof(msg), code,
	    sizeof(code));
	CHECK_STREQ(msg, "DENIED: no?[31m (and 1 more)");
	CHECK(http_status_exit(403, code) == EX_NOPERM);
	b = "<html>502 Bad Gateway</html>";
	http_registry_error(b, strlen(b), msg, sizeof(msg), code,
	    sizeof(code));
	CHECK_STREQ(msg, "");
	CHECK_STREQ(code, "");
	http_registry_error(NULL, 0, msg, sizeof(msg), code, sizeof(code));
	CHECK_STREQ(msg, "");
	b = "{\"error\":\"invalid_grant\",\"error_description\":\"expired\"}";
	http_registry_error(b, strlen(b), msg, sizeof(msg), code,
	    sizeof(code));
	CHECK_STREQ(msg, "invalid_grant: expired");
	CHECK(http_status_exit(400, code) == EX_NOPERM);
	b = "{\"details\":\"incorrect username or password\"}";
	http_registry_error(b, strlen(b), msg, sizeof(msg), code,
	    sizeof(code));
	CHECK_STREQ(msg, "incorrect username or password");
	CHECK_STREQ(code, "");
	b = "[\"errors\"]";
	http_registry_error(b, strlen(b), msg, sizeof(msg), code,
	    sizeof(code));
	CHECK_STREQ(msg, "");
	b = "{\"errors\":[{\"message\":\"no code\"}]}";
	http_registry_error(b, strlen(b), msg, sizeof(msg), code,
	    sizeof(code));
	CHECK_STREQ(code, "");
	CHECK(http_status_exit(404, "") == EX_NOINPUT);
	CHECK(http_status_exit(400, "BLOB_UNKNOWN") == EX_NOINPUT);
	CHECK(http_status_exit(401, NULL) == EX_NOPERM);
	CHECK(http_status_exit(400, "UNAUTHORIZED") == EX_NOPERM);
	CHECK(http_status_exit(429, "") == EX_TEMPFAIL);
	CHECK(http_status_exit(400, "TOOMANYREQUESTS") == EX_TEMPFAIL);
	CHECK(http_status_exit(503, "") == EX_TEMPFAIL);
	CHECK(http_status_exit(400, "NAME_INVALID") == EX_PROTOCOL);
	CHECK(http_status_exit(418, "") == EX_PROTOCOL);
	CHECK(http_status_retryable(503) && http_status_retryable(429) &&
	    http_status_retryable(408) && http_status_retryable(500));
	CHECK(!http_status_retryable(501) && !http_status_retryable(404) &&
	    !http_status_retryable(401));
	CHECK(http_curl_retryable(CURLE_PARTIAL_FILE, NULL) &&
	    http_curl_retryable(CURLE_RECV_ERROR, "reset") &&
	    http_curl_retryable(CURLE_OPERATION_TIMEDOUT, NULL) &&
	    http_curl_retryable(CURLE_COULDNT_CONNECT, NULL) &&
	    http_curl_retryable(CURLE_GOT_NOTHING, NULL) &&
	    http_curl_retryable(CURLE_SSL_CONNECT_ERROR,
	    "Connection reset by peer in connection to r:443"));
	CHECK(!http_curl_retryable(CURLE_PEER_FAILED_VERIFICATION, NULL) &&
	    !http_curl_retryable(CURLE_COULDNT_RESOLVE_HOST, NULL) &&
	    !http_curl_retryable(CURLE_SSL_CONNECT_ERROR, "OpenSSL/3.0.2: "
	    "error:0A00010B:SSL routines::wrong version number"));
	CHECK(http_curl_exit(CURLE_COULDNT_CONNECT) == EX_UNAVAILABLE);
	CHECK(http_curl_exit(CURLE_OPERATION_TIMEDOUT) == EX_TEMPFAIL);
	CHECK(http_curl_exit(CURLE_PEER_FAILED_VERIFICATION) == EX_PROTOCOL);
}

static void
content_range(void)
{
	int64_t f, l, t;

	CHECK(http_content_range_parse("bytes 100-199/200", &f, &l, &t) ==
	    0 && f == 100 && l == 199 && t == 200);
	CHECK(http_content_range_parse("bytes 0-0/*", &f, &l, &t) == 0 &&
	    f == 0 && l == 0 && t == -1);
	CHECK(http_content_range_parse("bytes */1234", &f, &l, &t) == 0 &&
	    f == -1 && t == 1234);
	CHECK(http_content_range_parse("bytes 5-4/10", &f, &l, &t) == -1);
	CHECK(http_content_range_parse("bytes 0-10/10", &f, &l, &t) == -1);
	CHECK(http_content_range_parse("bytes */*", &f, &l, &t) == -1);
	CHECK(http_content_range_parse("items 0-1/2", &f, &l, &t) == -1);
	CHECK(http_content_range_parse("bytes 0-1/2x", &f, &l, &t) == -1);
	CHECK(http_content_range_parse(NULL, &f, &l, &t) == -1);
}

static void
origins_and_redirects(void)
{
	struct http_origin o;
	struct error e = ERROR_INIT;
	char *t;
	bool user;

	CHECK(http_origin_parse("HTTPS://Registry.Example:443/v2/", &o, &user,
	    &e) == 0);
	CHECK_STREQ(o.scheme, "https");
	CHECK_STREQ(o.host, "registry.example");
	CHECK(o.port == 443 && !user);
	CHECK(http_origin_parse("http://[::1]:5000/x", &o, NULL, &e) == 0);
	CHECK_STREQ(o.host, "::1");
	CHECK(o.port == 5000);
	CHECK(http_origin_parse("http://u:p@h/", &o, &user, &e) == 0 && user);
	CHECK(http_origin_parse("ftp://h/x", &o, NULL, &e) == -1);
	CHECK(http_origin_parse("file:///etc/passwd", &o, NULL, &e) == -1);
	CHECK(http_origin_parse("/v2/x", &o, NULL, &e) == -1);

	/* The redirect credential rule: same scheme, host and port only. */
	CHECK(http_same_origin("https://r.example/v2/a",
	    "https://r.example/v2/b?x"));
	CHECK(http_same_origin("https://r.example/v2/a",
	    "https://R.EXAMPLE:443/other"));
	CHECK(http_same_origin("http://127.0.0.1:5000/a",
	    "http://127.0.0.1:5000/b"));
	CHECK(!http_same_origin("https://r.example/v2/a",
	    "https://cdn.example/blob"));
	CHECK(!http_same_origin("https://r.example/v2/a",
	    "http://r.example/v2/a"));
	CHECK(!http_same_origin("https://r.example/v2/a",
	    "https://r.example:8443/v2/a"));
	CHECK(!http_same_origin("https://r.example/v2/a",
	    "https://r.example.evil.com/v2/a"));
	CHECK(!http_same_origin("https://r.example/", "garbage"));
	CHECK(!http_same_origin(NULL, "https://r.example/"));

	CHECK(http_redirect_target("https://r.example/v2/a/blobs/x",
	    "https://cdn.example/b?sig=1", &t, &e) == 0);
	CHECK_STREQ(t, "https://cdn.example/b?sig=1");
	free(t);
	CHECK(http_redirect_target("https://r.example/v2/a/blobs/x",
	    "/elsewhere/y", &t, &e) == 0);
	CHECK_STREQ(t, "https://r.example/elsewhere/y");
	free(t);
	CHECK(http_redirect_target("https://r.example/v2/a/blobs/x",
	    "z", &t, &e) == 0);
	CHECK_STREQ(t, "https://r.example/v2/a/blobs/z");
	free(t);
	CHECK(http_redirect_target("http://127.0.0.1:5000/v2/",
	    "https://cdn.example/b", &t, &e) == 0);
	free(t);
	CHECK(http_redirect_target("https://r.example/v2/",
	    "https://user:pw@cdn.example/b#frag", &t, &e) == 0);
	CHECK_STREQ(t, "https://cdn.example/b");
	free(t);
	CHECK(http_redirect_target("https://r.example/v2/",
	    "http://cdn.example/b", &t, &e) == -1);
	CHECK(e.exit == EX_PROTOCOL && strstr(e.msg, "https") != NULL);
	CHECK(t == NULL);
	CHECK(http_redirect_target("https://r.example/v2/",
	    "file:///etc/passwd", &t, &e) == -1);
	CHECK(http_redirect_target("https://r.example/v2/",
	    "ftp://cdn.example/b", &t, &e) == -1);
}

static void
hosts(void)
{
	CHECK(http_host_is_loopback("localhost"));
	CHECK(http_host_is_loopback("LOCALHOST:5000"));
	CHECK(http_host_is_loopback("127.0.0.1"));
	CHECK(http_host_is_loopback("127.1.2.3:443"));
	CHECK(http_host_is_loopback("[::1]:5000"));
	CHECK(http_host_is_loopback("::1"));
	CHECK(!http_host_is_loopback("128.0.0.1"));
	CHECK(!http_host_is_loopback("localhost.example.com"));
	CHECK(!http_host_is_loopback("127.0.0.1.nip.io"));
	CHECK(!http_host_is_loopback("[::2]:5000"));
	CHECK(!http_host_is_loopback("registry-1.docker.io"));
	CHECK(!http_host_is_loopback(""));

	CHECK(http_host_in_list("myreg:5000", "a.example, myreg:5000"));
	CHECK(http_host_in_list("MyReg:5000", "myreg"));
	CHECK(http_host_in_list("myreg", "myreg"));
	CHECK(!http_host_in_list("myreg:5000", "myreg:5001"));
	CHECK(!http_host_in_list("myreg", "myreg:5000"));
	CHECK(!http_host_in_list("myreg.evil", "myreg"));
	CHECK(!http_host_in_list("evilmyreg", "myreg"));
	CHECK(http_host_in_list("[fd00::1]:5000", "[fd00::1]"));
	CHECK(http_host_in_list("10.0.0.1:80", " 10.0.0.1 ,"));
	CHECK(!http_host_in_list("myreg", ""));
	CHECK(!http_host_in_list("myreg", NULL));
}

static bool
pub4(const char *s)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (inet_pton(AF_INET, s, &sin.sin_addr) != 1)
		return (true);	/* makes the CHECK fail loudly */
	return (http_addr_is_public((struct sockaddr *)&sin));
}

static bool
pub6(const char *s)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	if (inet_pton(AF_INET6, s, &sin6.sin6_addr) != 1)
		return (true);
	return (http_addr_is_public((struct sockaddr *)&sin6));
}

static void
addresses(void)
{
	CHECK(pub4("8.8.8.8") && pub4("1.1.1.1") && pub4("151.101.1.1"));
	CHECK(pub4("172.15.255.255") && pub4("172.32.0.1"));
	CHECK(pub4("100.63.255.255") && pub4("100.128.0.1"));
	CHECK(pub4("192.169.0.1") && pub4("223.255.255.255"));
	CHECK(!pub4("127.0.0.1") && !pub4("127.255.255.254"));
	CHECK(!pub4("10.0.0.1") && !pub4("10.255.255.255"));
	CHECK(!pub4("172.16.0.1") && !pub4("172.31.255.255"));
	CHECK(!pub4("192.168.1.1"));
	CHECK(!pub4("100.64.0.1") && !pub4("100.127.255.255"));
	CHECK(!pub4("169.254.169.254"));
	CHECK(!pub4("0.0.0.0") && !pub4("0.1.2.3"));
	CHECK(!pub4("224.0.0.1") && !pub4("239.255.255.250"));
	CHECK(!pub4("240.0.0.1") && !pub4("255.255.255.255"));
	CHECK(!pub4("192.0.0.8") && !pub4("198.18.0.1"));

	CHECK(pub6("2606:4700:4700::1111") && pub6("2a00:1450::1"));
	CHECK(!pub6("::1") && !pub6("::"));
	CHECK(!pub6("fe80::1") && !pub6("febf::1"));
	CHECK(!pub6("fec0::1"));
	CHECK(!pub6("fc00::1") && !pub6("fd12:3456::1"));
	CHECK(!pub6("ff02::1") && !pub6("ff05::2"));
	CHECK(!pub6("::ffff:127.0.0.1") && !pub6("::ffff:10.0.0.1") &&
	    !pub6("::ffff:169.254.169.254") && !pub6("::ffff:0.0.0.0"));
	CHECK(pub6("::ffff:8.8.8.8"));
	CHECK(!pub6("::127.0.0.1") && !pub6("::10.0.0.1"));
	CHECK(!pub6("64:ff9b::a00:1") && !pub6("64:ff9b::7f00:1"));
	CHECK(pub6("64:ff9b::808:808"));
	CHECK(!pub6("2002:0a00:0001::1") && !pub6("2002:7f00:0001::"));
	CHECK(pub6("2002:0808:0808::1"));
	CHECK(!pub6("::1:0:0:1"));
}

static void
foreign_urls(void)
{
	struct error e = ERROR_INIT;
	struct curl_slist *pin = NULL;

	CHECK(http_foreign_check("http://127.0.0.1/x", &pin, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	CHECK(strstr(e.msg, "refusing foreign layer URL 'http://127.0.0.1/x'"
	    ": loopback/private address 127.0.0.1") != NULL);
	CHECK(pin == NULL);
	CHECK(http_foreign_check("http://localhost:8080/x", &pin, &e) == -1 &&
	    e.exit == EX_DATAERR);
	CHECK(http_foreign_check("https://10.1.2.3/x", &pin, &e) == -1);
	CHECK(http_foreign_check("https://[::1]/x", &pin, &e) == -1);
	CHECK(http_foreign_check("https://[::ffff:127.0.0.1]/x", &pin,
	    &e) == -1);
	CHECK(http_foreign_check("http://2130706433/x", &pin, &e) == -1);
	CHECK(http_foreign_check("http://0x7f.1/x", &pin, &e) == -1);
	CHECK(http_foreign_check("https://169.254.169.254/latest", &pin,
	    &e) == -1);
	CHECK(http_foreign_check("ftp://8.8.8.8/x", &pin, &e) == -1);
	CHECK(e.exit == EX_DATAERR && strstr(e.msg, "not an http") != NULL);
	CHECK(http_foreign_check("file:///etc/passwd", &pin, &e) == -1);
	CHECK(http_foreign_check("http://u:p@8.8.8.8/x", &pin, &e) == -1);
	CHECK(strstr(e.msg, "credentials") != NULL);
	/* A public literal passes; there is no name to pin. */
	CHECK(http_foreign_check("https://8.8.8.8:8443/x?sig=secret", &pin,
	    &e) == 0);
	CHECK(pin == NULL);
	CHECK(http_foreign_check("https://[2606:4700:4700::1111]/x", &pin,
	    &e) == 0);
	CHECK(pin == NULL);
	curl_slist_free_all(pin);
}

static void
sanitize(void)
{
	char buf[32];

	http_sanitize("https://h/p?X-Amz-Signature=abc", buf, sizeof(buf),
	    true);
	CHECK_STREQ(buf, "https://h/p?...");
	http_sanitize("a\x1b[2Jb\xc3\xa9", buf, sizeof(buf), false);
	CHECK_STREQ(buf, "a?[2Jb??");
	http_sanitize("0123456789", buf, 5, false);
	CHECK_STREQ(buf, "0123");
}

int
main(void)
{
	TEST(challenge_docker_hub);
	TEST(challenge_ghcr_harbor_ecr);
	TEST(challenge_forms);
	TEST(challenge_several);
	TEST(challenge_garbage);
	TEST(token_responses);
	TEST(scopes_and_urls);
	TEST(token_cache);
	TEST(base64);
	TEST(retry_after);
	TEST(backoff);
	TEST(registry_errors);
	TEST(content_range);
	TEST(origins_and_redirects);
	TEST(hosts);
	TEST(addresses);
	TEST(foreign_urls);
	TEST(sanitize);
	return (unit_done());
}
