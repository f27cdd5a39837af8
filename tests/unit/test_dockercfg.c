/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for common/dockercfg.c: config.json entries (base64 auth,
 * username/password, identitytoken, https:// keys, Docker Hub's key),
 * credHelpers and credsStore through a fake docker-credential-test helper
 * written to a temporary directory put first on PATH (success, not found,
 * failure, garbage, timeout, not installed), and malformed files.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/dockercfg.h"
#include "common/error.h"
#include "tests/unit/unit.h"

static char tmpdir[256];

static const char helper_script[] =
    "#!/bin/sh\n"
    "server=$(cat)\n"
    "test \"$1\" = get || { echo \"bad verb $1\" >&2; exit 3; }\n"
    "case \"$server\" in\n"
    "ok.example) printf '{\"ServerURL\":\"%s\",\"Username\":\"hu\","
    "\"Secret\":\"hs\"}\\n' \"$server\" ;;\n"
    "https://index.docker.io/v1/) printf '{\"Username\":\"hubuser\","
    "\"Secret\":\"hubsecret\"}' ;;\n"
    "token.example) printf '{\"Username\":\"<token>\","
    "\"Secret\":\"refresh-me\"}' ;;\n"
    "fail.example) echo 'keychain locked' >&2; exit 2 ;;\n"
    "garbage.example) echo 'this is not json' ;;\n"
    "nosecret.example) printf '{\"Username\":\"x\"}' ;;\n"
    "slow.example) exec sleep 5 ;;\n"
    "*) echo 'credentials not found in native keychain'; exit 1 ;;\n"
    "esac\n";

static void
write_file(const char *path, const char *content, mode_t mode)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL) {
		(void)fprintf(stdout, "# cannot write %s\n", path);
		exit(1);
	}
	(void)fputs(content, fp);
	(void)fclose(fp);
	(void)chmod(path, mode);
}

/* Look host up in a config document held in a string. */
static int
lookup(const char *json, const char *host, struct dockercfg_creds *c,
    struct error *e)
{
	return (dockercfg_lookup_buf(json, strlen(json), "'cfg'", host, c, e));
}

static void
auth_base64(void)
{
	struct dockercfg_creds c;
	struct error e = ERROR_INIT;

	CHECK(lookup("{\"auths\":{\"reg.example\":{\"auth\":"
	    "\"dXNlcjpwYXNz\"}}}", "reg.example", &c, &e) == 0);
	CHECK_STREQ(c.username, "user");
	CHECK_STREQ(c.password, "pass");
	CHECK(c.identity_token == NULL);
	CHECK(dockercfg_creds_present(&c));
	CHECK_STREQ(c.source, "'cfg'");
	dockercfg_creds_clear(&c);
	CHECK(c.username == NULL && c.password == NULL);
	/* A colon in the password stays in the password ("u:pa:ss"). */
	CHECK(lookup("{\"auths\":{\"reg.example\":{\"auth\":"
	    "\"dTpwYTpzcw==\"}}}", "reg.example", &c, &e) == 0);
	CHECK_STREQ(c.username, "u");
	CHECK_STREQ(c.password, "pa:ss");
	dockercfg_creds_clear(&c);
	/* Another host's entry is not ours. */
	CHECK(lookup("{\"auths\":{\"other.example\":{\"auth\":"
	    "\"dXNlcjpwYXNz\"}}}", "reg.example", &c, &e) == 0);
	CHECK(!dockercfg_creds_present(&c));
	CHECK(lookup("{}", "reg.example", &c, &e) == 0);
	CHECK(!dockercfg_creds_present(&c));
	/* An empty entry (what a credsStore leaves) is anonymous. */
	CHECK(lookup("{\"auths\":{\"reg.example\":{}}}", "reg.example", &c,
	    &e) == 0);
	CHECK(!dockercfg_creds_present(&c));
}

static void
user_password_fields(void)
{
	struct dockercfg_creds c;
	struct error e = ERROR_INIT;

	CHECK(lookup("{\"auths\":{\"reg.example\":{\"username\":\"alice\","
	    "\"password\":\"s3cret\",\"email\":\"a@x\"}}}", "reg.example", &c,
	    &e) == 0);
	CHECK_STREQ(c.username, "alice");
	CHECK_STREQ(c.password, "s3cret");
	dockercfg_creds_clear(&c);
	/* "auth" wins over the separate fields. */
	CHECK(lookup("{\"auths\":{\"reg.example\":{\"auth\":\"dXNlcjpwYXNz\","
	    "\"username\":\"alice\",\"password\":\"x\"}}}", "reg.example", &c,
	    &e) == 0);
	CHECK_STREQ(c.username, "user");
	dockercfg_creds_clear(&c);
}

static void
identity_token(void)
{
	struct dockercfg_creds c;
	struct error e = ERROR_INIT;

	/* base64("<token>:") plus an identitytoken, as docker login stores. */
	CHECK(lookup("{\"auths\":{\"acr.example\":{\"auth\":\"PHRva2VuPjo=\","
	    "\"identitytoken\":\"refresh-xyz\"}}}", "acr.example", &c,
	    &e) == 0);
	CHECK_STREQ(c.identity_token, "refresh-xyz");
	CHECK_STREQ(c.username, "<token>");
	CHECK(dockercfg_creds_present(&c));
	dockercfg_creds_clear(&c);
	CHECK(lookup("{\"auths\":{\"acr.example\":{"
	    "\"identitytoken\":\"only\"}}}", "acr.example", &c, &e) == 0);
	CHECK_STREQ(c.identity_token, "only");
	CHECK(c.username == NULL);
	CHECK(dockercfg_creds_present(&c));
	dockercfg_creds_clear(&c);
}

static void
key_forms(void)
{
	struct dockercfg_creds c;
	struct error e = ERROR_INIT;

	CHECK(dockercfg_key_matches("reg.example", "reg.example"));
	CHECK(dockercfg_key_matches("https://reg.example", "reg.example"));
	CHECK(dockercfg_key_matches("http://reg.example", "reg.example"));
	CHECK(dockercfg_key_matches("https://reg.example/v1/", "reg.example"));
	CHECK(dockercfg_key_matches("HTTPS://Reg.Example/v2/", "reg.example"));
	CHECK(dockercfg_key_matches("reg.example:5000", "reg.example:5000"));
	CHECK(!dockercfg_key_matches("reg.example:5000", "reg.example"));
	CHECK(!dockercfg_key_matches("reg.example", "reg.example:5000"));
	CHECK(!dockercfg_key_matches("reg.example.evil", "reg.example"));
	CHECK(!dockercfg_key_matches("https://", "reg.example"));
	CHECK(dockercfg_key_matches("https://index.docker.io/v1/",
	    "registry-1.docker.io"));
	CHECK(dockercfg_key_matches("https://index.docker.io/v1/",
	    "docker.io"));
	CHECK(dockercfg_key_matches("docker.io", "registry-1.docker.io"));
	CHECK(!dockercfg_key_matches("https://index.docker.io/v1/",
	    "ghcr.io"));
	CHECK_STREQ(dockercfg_server_url("registry-1.docker.io"),
	    "https://index.docker.io/v1/");
	CHECK_STREQ(dockercfg_server_url("ghcr.io"), "ghcr.io");

	/* https:// and /v1/ forms of a key. */
	CHECK(lookup("{\"auths\":{\"https://reg.example/v1/\":{\"auth\":"
	    "\"dXNlcjpwYXNz\"}}}", "reg.example", &c, &e) == 0);
	CHECK_STREQ(c.username, "user");
	dockercfg_creds_clear(&c);
	/* The exact key wins over a normalised one, whatever the order. */
	CHECK(lookup("{\"auths\":{\"http://reg.example\":{\"username\":\"n\","
	    "\"password\":\"p\"},\"reg.example\":{\"username\":\"exact\","
	    "\"password\":\"p\"}}}", "reg.example", &c, &e) == 0);
	CHECK_STREQ(c.username, "exact");
	dockercfg_creds_clear(&c);
	/* Docker Hub's key serves every name of Docker Hub. */
	CHECK(lookup("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":"
	    "\"aHViOmh1YnB3\"}}}", "registry-1.docker.io", &c, &e) == 0);
	CHECK_STREQ(c.username, "hub");
	CHECK_STREQ(c.password, "hubpw");
	dockercfg_creds_clear(&c);
	CHECK(lookup("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":"
	    "\"aHViOmh1YnB3\"}}}", "docker.io", &c, &e) == 0);
	CHECK_STREQ(c.username, "hub");
	dockercfg_creds_clear(&c);
	CHECK(lookup("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":"
	    "\"aHViOmh1YnB3\"}}}", "ghcr.io", &c, &e) == 0);
	CHECK(!dockercfg_creds_present(&c));
}

static void
helpers(void)
{
	struct dockercfg_creds c;
	struct error e = ERROR_INIT;

	/* credHelpers for one host. */
	CHECK(lookup("{\"credHelpers\":{\"ok.example\":\"test\"}}",
	    "ok.example", &c, &e) == 0);
	CHECK_STREQ(c.username, "hu");
	CHECK_STREQ(c.password, "hs");
	CHECK_STREQ(c.source, "docker-credential-test");
	dockercfg_creds_clear(&c);
	/* credsStore for all; Docker Hub is asked by its canonical URL. */
	CHECK(lookup("{\"credsStore\":\"test\",\"auths\":{"
	    "\"https://index.docker.io/v1/\":{}}}", "registry-1.docker.io", &c,
	    &e) == 0);
	CHECK_STREQ(c.username, "hubuser");
	CHECK_STREQ(c.password, "hubsecret");
	dockercfg_creds_clear(&c);
	/* credHelpers beats credsStore. */
	CHECK(lookup("{\"credsStore\":\"nonexistent-berth-helper\","
	    "\"credHelpers\":{\"https://ok.example\":\"test\"}}", "ok.example",
	    &c, &e) == 0);
	CHECK_STREQ(c.username, "hu");
	dockercfg_creds_clear(&c);
	/* "<token>" means an identity token. */
	CHECK(lookup("{\"credsStore\":\"test\"}", "token.example", &c,
	    &e) == 0);
	CHECK_STREQ(c.identity_token, "refresh-me");
	CHECK(c.username == NULL);
	dockercfg_creds_clear(&c);
	/* Not found: anonymous, or the auths entry if there is one. */
	CHECK(lookup("{\"credsStore\":\"test\"}", "missing.example", &c,
	    &e) == 0);
	CHECK(!dockercfg_creds_present(&c));
	CHECK(lookup("{\"credsStore\":\"test\",\"auths\":{\"missing.example\":"
	    "{\"auth\":\"dXNlcjpwYXNz\"}}}", "missing.example", &c, &e) == 0);
	CHECK_STREQ(c.username, "user");
	dockercfg_creds_clear(&c);
	/* A helper that is not installed: warning, then anonymous. */
	CHECK(lookup("{\"credsStore\":\"nonexistent-berth-helper\"}",
	    "ok.example", &c, &e) == 0);
	CHECK(!dockercfg_creds_present(&c));
}

static void
helper_failures(void)
{
	struct dockercfg_creds c;
	struct error e = ERROR_INIT;

	CHECK(lookup("{\"credsStore\":\"test\"}", "fail.example", &c,
	    &e) == -1);
	CHECK(e.exit == EX_NOPERM);
	CHECK(strstr(e.msg, "docker-credential-test get: exit 2: "
	    "keychain locked") != NULL);
	CHECK(!dockercfg_creds_present(&c));
	CHECK(lookup("{\"credsStore\":\"test\"}", "garbage.example", &c,
	    &e) == -1);
	CHECK(e.exit == EX_NOPERM);
	CHECK(strstr(e.msg, "not a JSON object") != NULL);
	CHECK(lookup("{\"credsStore\":\"test\"}", "nosecret.example", &c,
	    &e) == -1);
	CHECK(strstr(e.msg, "Secret") != NULL);
	memset(&c, 0, sizeof(c));
	CHECK(dockercfg_helper_get("test", "slow.example", 300, &c, &e) == -1);
	CHECK(e.exit == EX_NOPERM && strstr(e.msg, "no answer") != NULL);
	CHECK(dockercfg_helper_get("test", "ok.example", 5000, &c, &e) == 1);
	CHECK_STREQ(c.username, "hu");
	dockercfg_creds_clear(&c);
	CHECK(dockercfg_helper_get("test", "missing.example", 5000, &c,
	    &e) == 0);
	CHECK(dockercfg_helper_get("nonexistent-berth-helper", "x", 5000, &c,
	    &e) == 2);
	CHECK(dockercfg_helper_get("../evil", "x", 5000, &c, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK(lookup("{\"credsStore\":\"/bin/sh\"}", "x.example", &c,
	    &e) == -1);
	CHECK(e.exit == EX_CONFIG && strstr(e.msg, "'cfg'") != NULL);
	CHECK(lookup("{\"credHelpers\":{\"x.example\":\"a b\"}}",
	    "x.example", &c, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
}

static void
malformed(void)
{
	struct dockercfg_creds c;
	struct error e = ERROR_INIT;

#define	BAD(json, what) do {						\
	CHECK(lookup(json, "reg.example", &c, &e) == -1);		\
	CHECK(e.exit == EX_CONFIG);					\
	CHECK(strstr(e.msg, "'cfg'") != NULL);				\
	CHECK(strstr(e.msg, what) != NULL);				\
	if (strstr(e.msg, what) == NULL)				\
		(void)fprintf(stdout, "# got: %s\n", e.msg);		\
	CHECK(c.username == NULL && c.password == NULL);		\
} while (0)
	BAD("{\"auths\":", "line 1");
	BAD("", "line");
	BAD("[1]", "not a JSON object");
	BAD("{\"auths\":[]}", "auths: not an object");
	BAD("{\"auths\":{\"reg.example\":\"x\"}}", "not an object");
	BAD("{\"auths\":{\"other\":{\"auth\":42}}}", "auth: not a string");
	BAD("{\"auths\":{\"reg.example\":{\"auth\":\"!!!\"}}}",
	    "invalid base64");
	BAD("{\"auths\":{\"reg.example\":{\"auth\":\"dXNlcnBhc3M=\"}}}",
	    "user:password");
	BAD("{\"auths\":{\"reg.example\":{\"auth\":\"dXNlcgBwOnE=\"}}}",
	    "NUL");
	BAD("{\"auths\":{\"a\":{},\"a\":{}}}", "duplicate");
	BAD("{\"credHelpers\":[]}", "credHelpers: not an object");
	BAD("{\"credHelpers\":{\"reg.example\":7}}", "not a string");
	BAD("{\"credsStore\":true}", "credsStore: not a string");
#undef BAD
	/* An unrelated entry's bad base64 is not our problem. */
	CHECK(lookup("{\"auths\":{\"other\":{\"auth\":\"!!!\"}}}",
	    "reg.example", &c, &e) == 0);
}

static void
files(void)
{
	struct dockercfg_creds c;
	struct error e = ERROR_INIT;
	char path[600], dir[512], buf[600];

	/* The path rules. */
	(void)setenv("HOME", "/home/u", 1);
	(void)unsetenv("DOCKER_CONFIG");
	CHECK(dockercfg_path(NULL, buf, sizeof(buf), &e) == 0);
	CHECK_STREQ(buf, "/home/u/.docker/config.json");
	(void)setenv("DOCKER_CONFIG", "/etc/dc", 1);
	CHECK(dockercfg_path(NULL, buf, sizeof(buf), &e) == 0);
	CHECK_STREQ(buf, "/etc/dc/config.json");
	CHECK(dockercfg_path("/x/y.json", buf, sizeof(buf), &e) == 0);
	CHECK_STREQ(buf, "/x/y.json");
	CHECK(dockercfg_path("/x/y.json", buf, 5, &e) == -1);

	/* $DOCKER_CONFIG with a real file. */
	(void)snprintf(dir, sizeof(dir), "%s/dc", tmpdir);
	(void)mkdir(dir, 0700);
	(void)snprintf(path, sizeof(path), "%s/config.json", dir);
	write_file(path, "{\"auths\":{\"reg.example\":{\"auth\":"
	    "\"dXNlcjpwYXNz\"}}}", 0600);
	(void)setenv("DOCKER_CONFIG", dir, 1);
	CHECK(dockercfg_lookup(NULL, false, "reg.example", &c, &e) == 0);
	CHECK_STREQ(c.username, "user");
	CHECK(strstr(c.source, "config.json") != NULL);
	dockercfg_creds_clear(&c);
	/* Explicit path. */
	CHECK(dockercfg_lookup(path, true, "reg.example", &c, &e) == 0);
	CHECK_STREQ(c.password, "pass");
	dockercfg_creds_clear(&c);
	/* A missing default file is anonymous, a missing named one an error. */
	(void)setenv("DOCKER_CONFIG", "/nonexistent/berth", 1);
	CHECK(dockercfg_lookup(NULL, false, "reg.example", &c, &e) == 0);
	CHECK(!dockercfg_creds_present(&c));
	CHECK(dockercfg_lookup("/nonexistent/berth.json", true, "reg.example",
	    &c, &e) == -1);
	CHECK(e.exit == EX_CONFIG && e.errnum == ENOENT);
	CHECK(strstr(e.msg, "/nonexistent/berth.json") != NULL);
	/* A malformed file is named in the message. */
	write_file(path, "{\"auths\": {\"reg.example\": {\"auth\": 1}}}\n",
	    0600);
	CHECK(dockercfg_lookup(path, true, "reg.example", &c, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK(strstr(e.msg, path) != NULL);
	CHECK(strstr(e.msg, "auths.'reg.example'.auth: not a string") !=
	    NULL);
	/* A directory is not a config file. */
	CHECK(dockercfg_lookup(dir, true, "reg.example", &c, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	(void)unlink(path);
	(void)rmdir(dir);
}

int
main(void)
{
	char bindir[300], helper[400], *path, *newpath;
	size_t n;

	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/berth-dockercfg.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	(void)snprintf(bindir, sizeof(bindir), "%s/bin", tmpdir);
	(void)mkdir(bindir, 0700);
	(void)snprintf(helper, sizeof(helper), "%s/docker-credential-test",
	    bindir);
	write_file(helper, helper_script, 0700);
	path = getenv("PATH");
	n = strlen(bindir) + (path != NULL ? strlen(path) : 0) + 2;
	newpath = malloc(n);
	(void)snprintf(newpath, n, "%s:%s", bindir, path != NULL ? path :
	    "/usr/bin:/bin");
	(void)setenv("PATH", newpath, 1);
	free(newpath);

	TEST(auth_base64);
	TEST(user_password_fields);
	TEST(identity_token);
	TEST(key_forms);
	TEST(helpers);
	TEST(helper_failures);
	TEST(malformed);
	TEST(files);

	(void)unlink(helper);
	(void)rmdir(bindir);
	(void)rmdir(tmpdir);
	return (unit_done());
}
