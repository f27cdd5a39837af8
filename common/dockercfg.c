/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Credentials from ~/.docker/config.json and docker-credential-* helpers.
 * A helper runs through posix_spawnp() (no shell, argv ["docker-credential-
 * <name>", "get"]) with the server URL on a socket for stdin (written with
 * MSG_NOSIGNAL, so a helper that exits early cannot raise SIGPIPE here),
 * its stdout and stderr read through pipes with a deadline, and is killed
 * when the deadline passes.  Secrets are cleared with explicit_bzero().
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/auth.h"
#include "common/dockercfg.h"
#include "common/error.h"
#include "common/log.h"
#include "common/xalloc.h"

#define	HELPER_OUT_MAX	(64 * 1024)
#define	HUB_SERVER	"https://index.docker.io/v1/"

extern char **environ;

void
dockercfg_creds_clear(struct dockercfg_creds *c)
{
	auth_secret_free(c->username);
	auth_secret_free(c->password);
	auth_secret_free(c->identity_token);
	c->username = c->password = c->identity_token = NULL;
	c->source[0] = '\0';
}

bool
dockercfg_creds_present(const struct dockercfg_creds *c)
{
	return ((c->username != NULL && *c->username != '\0') ||
	    (c->identity_token != NULL && *c->identity_token != '\0'));
}

int
dockercfg_path(const char *path, char *buf, size_t len, struct error *ep)
{
	const char *dir, *home;
	struct passwd *pw;
	int n;

	if (path != NULL)
		n = snprintf(buf, len, "%s", path);
	else if ((dir = getenv("DOCKER_CONFIG")) != NULL && *dir != '\0')
		n = snprintf(buf, len, "%s/config.json", dir);
	else {
		if ((home = getenv("HOME")) == NULL || *home == '\0') {
			/* getpwuid is not thread-safe; this runs at setup. */
			pw = getpwuid(getuid());
			home = pw != NULL ? pw->pw_dir : NULL;
		}
		if (home == NULL || *home == '\0')
			return (error_set(ep, EX_CONFIG, 0,
			    "no home directory for ~/.docker/config.json"));
		n = snprintf(buf, len, "%s/.docker/config.json", home);
	}
	if (n < 0 || (size_t)n >= len)
		return (error_set(ep, EX_CONFIG, 0,
		    "docker config path too long"));
	return (0);
}

static bool
is_hub(const char *h, size_t n)
{
	return ((n == 9 && strncasecmp(h, "docker.io", n) == 0) ||
	    (n == 15 && strncasecmp(h, "index.docker.io", n) == 0) ||
	    (n == 20 && strncasecmp(h, "registry-1.docker.io", n) == 0));
}

bool
dockercfg_key_matches(const char *key, const char *host)
{
	const char *k = key, *slash;
	size_t n;

	if (strncasecmp(k, "https://", 8) == 0)
		k += 8;
	else if (strncasecmp(k, "http://", 7) == 0)
		k += 7;
	slash = strchr(k, '/');
	n = slash != NULL ? (size_t)(slash - k) : strlen(k);
	if (n == 0)
		return (false);
	if (is_hub(k, n) && is_hub(host, strlen(host)))
		return (true);
	return (strlen(host) == n && strncasecmp(k, host, n) == 0);
}

const char *
dockercfg_server_url(const char *host)
{
	return (is_hub(host, strlen(host)) ? HUB_SERVER : host);
}

/* How well key designates host: 2 exactly, 1 after normalising, 0 not. */
static int
key_score(const char *key, const char *host)
{
	if (strcasecmp(key, host) == 0 ||
	    (is_hub(host, strlen(host)) && strcmp(key, HUB_SERVER) == 0))
		return (2);
	return (dockercfg_key_matches(key, host) ? 1 : 0);
}

/* The member of obj whose key designates host best, or NULL. */
static json_t *
best_match(json_t *obj, const char *host, const char **keyp)
{
	json_t *v, *best = NULL;
	const char *k;
	int s, bs = 0;

	json_object_foreach(obj, k, v) {
		if ((s = key_score(k, host)) > bs) {
			bs = s;
			best = v;
			*keyp = k;
		}
	}
	return (best);
}

int
dockercfg_decode_auth(const char *b64, const char *what,
    struct dockercfg_creds *c, struct error *ep)
{
	char *dec, *colon;
	size_t len;

	if ((dec = auth_base64_decode(b64, &len)) == NULL)
		return (error_set(ep, EX_CONFIG, 0, "%s: invalid base64",
		    what));
	if (strlen(dec) != len) {
		explicit_bzero(dec, len);
		free(dec);
		return (error_set(ep, EX_CONFIG, 0, "%s: NUL byte in "
		    "credentials", what));
	}
	if ((colon = strchr(dec, ':')) == NULL) {
		auth_secret_free(dec);
		return (error_set(ep, EX_CONFIG, 0,
		    "%s: not of the form user:password", what));
	}
	*colon = '\0';
	auth_secret_free(c->username);
	auth_secret_free(c->password);
	c->username = xstrdup(dec);
	c->password = xstrdup(colon + 1);
	*colon = ':';
	auth_secret_free(dec);
	return (0);
}

/* A helper name must stay a plain word: it becomes part of a program name. */
static bool
helper_name_ok(const char *name)
{
	const char *p;

	if (*name == '\0' || strlen(name) > 64)
		return (false);
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			return (false);
	return (true);
}

/* Move fd above the standard descriptors so dup2 onto them is real. */
static int
fd_above_std(int fd)
{
	int nfd;

	if (fd > STDERR_FILENO)
		return (fd);
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	(void)close(fd);
	return (nfd);
}

static long long
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* First line of s, sanitised, into buf. */
static void
first_line(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	while (*s == '\n' || *s == '\r' || *s == ' ')
		s++;
	for (; *s != '\0' && *s != '\n' && *s != '\r' && i + 1 < len; s++)
		buf[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	buf[i] = '\0';
}

/* Append to a bounded buffer; bytes past the bound are dropped. */
static void
buf_append(char *buf, size_t *lenp, const char *p, size_t n)
{
	if (n > HELPER_OUT_MAX - *lenp)
		n = HELPER_OUT_MAX - *lenp;
	(void)memcpy(buf + *lenp, p, n);
	*lenp += n;
	buf[*lenp] = '\0';
}

static int
helper_parse(const char *prog, const char *out, size_t len,
    struct dockercfg_creds *c, struct error *ep)
{
	json_t *root, *ju, *js;
	const char *u, *s;

	if ((root = json_loadb(out, len, 0, NULL)) == NULL ||
	    !json_is_object(root)) {
		json_decref(root);
		return (error_set(ep, EX_NOPERM, 0,
		    "%s get: output is not a JSON object", prog));
	}
	ju = json_object_get(root, "Username");
	js = json_object_get(root, "Secret");
	if ((ju != NULL && !json_is_string(ju)) || !json_is_string(js)) {
		json_decref(root);
		return (error_set(ep, EX_NOPERM, 0,
		    "%s get: output lacks string Username and Secret", prog));
	}
	u = ju != NULL ? json_string_value(ju) : "";
	s = json_string_value(js);
	dockercfg_creds_clear(c);
	if (strcmp(u, "<token>") == 0)
		c->identity_token = xstrdup(s);
	else if (*u != '\0') {
		c->username = xstrdup(u);
		c->password = xstrdup(s);
	}
	(void)snprintf(c->source, sizeof(c->source), "%s", prog);
	/* jansson's copies of the secret cannot be cleared; ours are. */
	json_decref(root);
	return (dockercfg_creds_present(c) ? 1 : 0);
}

int
dockercfg_helper_get(const char *name, const char *server, int timeout_ms,
    struct dockercfg_creds *c, struct error *ep)
{
	posix_spawn_file_actions_t fa;
	char prog[96], *out = NULL, *err = NULL, line[200], chunk[4096];
	char *argv[3];
	int sv[2] = { -1, -1 }, po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	size_t outlen = 0, errlen = 0, sent = 0, slen = strlen(server);
	struct pollfd pfd[2];
	long long deadline;
	pid_t pid = -1;
	int rv = -1, status, rc, i, left;
	ssize_t n;
	bool fa_init = false;

	if (!helper_name_ok(name))
		return (error_set(ep, EX_CONFIG, 0,
		    "invalid credential helper name '%.64s'", name));
	(void)snprintf(prog, sizeof(prog), "docker-credential-%s", name);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1 ||
	    pipe2(po, O_CLOEXEC) == -1 || pipe2(pe, O_CLOEXEC) == -1) {
		error_set(ep, EX_OSERR, errno, "%s: pipe", prog);
		goto out;
	}
	if ((sv[1] = fd_above_std(sv[1])) == -1 ||
	    (po[1] = fd_above_std(po[1])) == -1 ||
	    (pe[1] = fd_above_std(pe[1])) == -1) {
		error_set(ep, EX_OSERR, errno, "%s: fcntl", prog);
		goto out;
	}
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		error_set(ep, EX_OSERR, rc, "%s: posix_spawn", prog);
		goto out;
	}
	fa_init = true;
	if ((rc = posix_spawn_file_actions_adddup2(&fa, sv[1],
	    STDIN_FILENO)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, po[1],
	    STDOUT_FILENO)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, pe[1],
	    STDERR_FILENO)) != 0) {
		error_set(ep, EX_OSERR, rc, "%s: posix_spawn", prog);
		goto out;
	}
	argv[0] = prog;
	argv[1] = (char *)"get";
	argv[2] = NULL;
	if ((rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ)) != 0) {
		pid = -1;
		if (rc == ENOENT) {
			log_warnx("credential helper '%s' is not installed",
			    prog);
			rv = 2;
		} else
			error_set(ep, EX_NOPERM, rc, "run %s", prog);
		goto out;
	}
	(void)close(sv[1]);
	(void)close(po[1]);
	(void)close(pe[1]);
	sv[1] = po[1] = pe[1] = -1;

	/* The server URL is short: the socket buffer takes it at once. */
	while (sent < slen) {
		n = send(sv[0], server + sent, slen - sent, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* it stopped reading: see its status */
		sent += (size_t)n;
	}
	(void)shutdown(sv[0], SHUT_WR);

	out = xmalloc(HELPER_OUT_MAX + 1);
	err = xmalloc(HELPER_OUT_MAX + 1);
	out[0] = err[0] = '\0';
	deadline = now_ms() + timeout_ms;
	pfd[0].fd = po[0];
	pfd[1].fd = pe[0];
	pfd[0].events = pfd[1].events = POLLIN;
	while (pfd[0].fd != -1 || pfd[1].fd != -1) {
		left = (int)(deadline - now_ms());
		if (left <= 0) {
			(void)kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
				continue;
			pid = -1;
			error_set(ep, EX_NOPERM, 0,
			    "%s get: no answer after %d ms", prog, timeout_ms);
			goto out;
		}
		if ((rc = poll(pfd, 2, left)) == -1) {
			if (errno == EINTR)
				continue;
			error_set(ep, EX_OSERR, errno, "%s: poll", prog);
			goto out;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				pfd[i].fd = -1;
				continue;
			}
			if (i == 0)
				buf_append(out, &outlen, chunk, (size_t)n);
			else
				buf_append(err, &errlen, chunk, (size_t)n);
		}
	}
	explicit_bzero(chunk, sizeof(chunk));
	while ((rc = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		continue;
	pid = -1;
	if (rc == -1) {
		error_set(ep, EX_OSERR, errno, "%s: waitpid", prog);
		goto out;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rv = helper_parse(prog, out, outlen, c, ep);
		goto out;
	}
	if (strstr(out, "credentials not found") != NULL ||
	    strstr(err, "credentials not found") != NULL) {
		rv = 0;
		goto out;
	}
	first_line(errlen > 0 ? err : out, line, sizeof(line));
	if (WIFEXITED(status))
		error_set(ep, EX_NOPERM, 0, "%s get: exit %d%s%s", prog,
		    WEXITSTATUS(status), *line != '\0' ? ": " : "", line);
	else
		error_set(ep, EX_NOPERM, 0, "%s get: killed by signal %d",
		    prog, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
out:
	if (pid != -1) {
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			continue;
	}
	if (fa_init)
		(void)posix_spawn_file_actions_destroy(&fa);
	for (i = 0; i < 2; i++) {
		if (sv[i] != -1)
			(void)close(sv[i]);
		if (po[i] != -1)
			(void)close(po[i]);
		if (pe[i] != -1)
			(void)close(pe[i]);
	}
	if (out != NULL) {
		explicit_bzero(out, outlen);
		free(out);
	}
	if (err != NULL) {
		explicit_bzero(err, errlen);
		free(err);
	}
	return (rv);
}

/* A string member, or NULL; EX_CONFIG if present but not a string. */
static int
member_string(json_t *obj, const char *key, const char *what,
    const char **out, struct error *ep)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_string(v))
		return (error_set(ep, EX_CONFIG, 0, "%s.%s: not a string",
		    what, key));
	*out = json_string_value(v);
	return (0);
}

/* Check the types of every auths entry, so a broken file is noticed. */
static int
check_auths(json_t *auths, const char *what, struct error *ep)
{
	static const char *const fields[] = {
		"auth", "username", "password", "identitytoken", "email",
		"registrytoken"
	};
	const char *k, *s;
	char ctx[512];
	json_t *v;
	size_t i;

	json_object_foreach(auths, k, v) {
		(void)snprintf(ctx, sizeof(ctx), "%s: auths.'%.200s'", what,
		    k);
		if (!json_is_object(v))
			return (error_set(ep, EX_CONFIG, 0,
			    "%s: not an object", ctx));
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (member_string(v, fields[i], ctx, &s, ep) == -1)
				return (-1);
	}
	return (0);
}

static int
use_auths_entry(json_t *entry, const char *ctx, struct dockercfg_creds *c,
    struct error *ep)
{
	const char *auth, *user, *pass, *idt;

	if (member_string(entry, "auth", ctx, &auth, ep) == -1 ||
	    member_string(entry, "username", ctx, &user, ep) == -1 ||
	    member_string(entry, "password", ctx, &pass, ep) == -1 ||
	    member_string(entry, "identitytoken", ctx, &idt, ep) == -1)
		return (-1);
	dockercfg_creds_clear(c);
	if (auth != NULL && *auth != '\0') {
		if (dockercfg_decode_auth(auth, ctx, c, ep) == -1)
			return (-1);
	} else if (user != NULL && *user != '\0') {
		c->username = xstrdup(user);
		c->password = xstrdup(pass != NULL ? pass : "");
	}
	if (idt != NULL && *idt != '\0')
		c->identity_token = xstrdup(idt);
	return (0);
}

int
dockercfg_lookup_buf(const char *buf, size_t len, const char *what,
    const char *host, struct dockercfg_creds *c, struct error *ep)
{
	json_t *root, *auths, *helpers, *entry = NULL, *jh;
	const char *store = NULL, *helper = NULL, *key = NULL, *hkey = NULL;
	char ctx[512];
	json_error_t jerr;
	int rv = -1, got;

	memset(c, 0, sizeof(*c));
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		return (error_set(ep, EX_CONFIG, 0,
		    "%s: line %d column %d: %s", what, jerr.line, jerr.column,
		    jerr.text));
	if (!json_is_object(root)) {
		error_set(ep, EX_CONFIG, 0, "%s: not a JSON object", what);
		goto out;
	}
	auths = json_object_get(root, "auths");
	if (auths != NULL && !json_is_null(auths)) {
		if (!json_is_object(auths)) {
			error_set(ep, EX_CONFIG, 0,
			    "%s: auths: not an object", what);
			goto out;
		}
		if (check_auths(auths, what, ep) == -1)
			goto out;
		entry = best_match(auths, host, &key);
	}
	helpers = json_object_get(root, "credHelpers");
	if (helpers != NULL && !json_is_null(helpers)) {
		if (!json_is_object(helpers)) {
			error_set(ep, EX_CONFIG, 0,
			    "%s: credHelpers: not an object", what);
			goto out;
		}
		if ((jh = best_match(helpers, host, &hkey)) != NULL) {
			if (!json_is_string(jh)) {
				error_set(ep, EX_CONFIG, 0,
				    "%s: credHelpers.'%.200s': not a string",
				    what, hkey);
				goto out;
			}
			helper = json_string_value(jh);
		}
	}
	if (member_string(root, "credsStore", what, &store, ep) == -1)
		goto out;
	if (helper == NULL || *helper == '\0')
		helper = store;
	if (helper != NULL && *helper != '\0') {
		if (!helper_name_ok(helper)) {
			error_set(ep, EX_CONFIG, 0,
			    "%s: invalid credential helper name '%.64s'",
			    what, helper);
			goto out;
		}
		got = dockercfg_helper_get(helper, dockercfg_server_url(host),
		    DOCKERCFG_HELPER_TIMEOUT, c, ep);
		if (got == -1)
			goto out;
		if (got == 1) {
			rv = 0;
			goto out;
		}
		/* Nothing there: the auths entry may still have some. */
		dockercfg_creds_clear(c);
	}
	if (entry != NULL) {
		(void)snprintf(ctx, sizeof(ctx), "%s: auths.'%.200s'", what,
		    key);
		if (use_auths_entry(entry, ctx, c, ep) == -1)
			goto out;
		if (dockercfg_creds_present(c))
			(void)snprintf(c->source, sizeof(c->source), "%.127s",
			    what);
	}
	rv = 0;
out:
	if (rv == -1)
		dockercfg_creds_clear(c);
	json_decref(root);
	return (rv);
}

int
dockercfg_lookup(const char *path, bool explicit, const char *host,
    struct dockercfg_creds *c, struct error *ep)
{
	char file[4096], what[4100], *buf = NULL;
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, rv;

	memset(c, 0, sizeof(*c));
	if (dockercfg_path(path, file, sizeof(file), ep) == -1)
		return (explicit ? -1 : 0);
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT && !explicit)
			return (0);
		return (error_set(ep, EX_CONFIG, errno, "'%s'", file));
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return (error_set(ep, EX_CONFIG, 0, "'%s': not a regular file",
		    file));
	}
	if (st.st_size > DOCKERCFG_MAX) {
		(void)close(fd);
		return (error_set(ep, EX_CONFIG, 0,
		    "'%s': larger than %d bytes", file, DOCKERCFG_MAX));
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rv = errno;
			(void)close(fd);
			explicit_bzero(buf, len);
			free(buf);
			return (error_set(ep, EX_CONFIG, rv, "read '%s'",
			    file));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	(void)close(fd);
	buf[len] = '\0';
	(void)snprintf(what, sizeof(what), "'%s'", file);
	rv = dockercfg_lookup_buf(buf, len, what, host, c, ep);
	explicit_bzero(buf, len);
	free(buf);
	return (rv);
}
