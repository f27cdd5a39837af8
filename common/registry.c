/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The registry client: requests to one OCI distribution registry with
 * authentication, manual redirects and retries, on top of http.c.
 *
 * Rules this file implements (and the tests and the man pages rely on):
 *
 * - Scheme: http:// for loopback hosts (localhost, 127/8, ::1) and for
 *   hosts in opts->insecure; https:// (always verified) otherwise.
 * - Credentials: opts->username/password, else config.json (dockercfg.c).
 *   Nothing is sent before the registry has asked for it with a 401
 *   challenge; once a registry has challenged, later requests answer the
 *   same scheme at once.  Authorization headers go to the registry's own
 *   origin (scheme, host, port) only: on a redirect elsewhere (a CDN) the
 *   request goes on without them.  Redirects are followed by hand, at most
 *   5 hops, never from https to http.
 * - Bearer: the token is requested from the challenge's realm (http or
 *   https) with GET realm?service=&scope=[&account=], with Basic
 *   credentials if we have some, or anonymously.  An identitytoken is used
 *   as an OAuth2 refresh token (POST grant_type=refresh_token), falling back
 *   to the GET flow with Basic "<token>":identitytoken if the realm answers
 *   404, 405 or 400 unsupported_grant_type.  Credentials go to the realm
 *   only if it is https, or its host is loopback, or the registry itself is
 *   plain http (tests); otherwise the token is requested anonymously, with
 *   a warning.  A refresh token never follows a redirect elsewhere.  Tokens
 *   are cached per scope until shortly before they expire.  A 401 with
 *   error="insufficient_scope" naming another scope is retried once with a
 *   token for both scopes; a 401 with a cached token drops it and retries
 *   once with a fresh one.
 * - Retries: transport failures (refused, reset, timeout, truncated body,
 *   HTTP/2 stream errors) and HTTP 408/429/500/502/503/504 are retried with
 *   full-jitter exponential backoff (200 ms doubling up to 10 s) or after
 *   Retry-After, at most max_tries attempts and max_seconds of retrying.
 *   Both budgets start over only when an attempt at a blob made its
 *   partial download longer than it ever was, with the server honouring
 *   Range requests, so a long download over a flaky link keeps resuming.
 *   Nothing else counts as progress (issue #8: a registry that cuts every
 *   reply short must not keep us retrying forever): not the bytes of a
 *   manifest or token response, which start from zero again, nor a blob
 *   that the server sends from its first byte again (it ignored our Range,
 *   or botched one).  Requests other than blobs also have max_seconds in
 *   all, transfers included.  A blob download that fails after the server
 *   showed it cannot resume leaves an empty partial (ingest_reset()).
 * - Exit classes: 404 and *_UNKNOWN EX_NOINPUT; 401/403, UNAUTHORIZED,
 *   DENIED EX_NOPERM; 429, TOOMANYREQUESTS, 5xx and timeouts after the last
 *   retry EX_TEMPFAIL; a host that cannot be reached at all (unknown name,
 *   connection refused after the last retry) EX_UNAVAILABLE; TLS failures
 *   and other unexpected answers EX_PROTOCOL.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <curl/curl.h>

#include "common/auth.h"
#include "common/dockercfg.h"
#include "common/error.h"
#include "common/http.h"
#include "common/log.h"
#include "common/manifest.h"
#include "common/registry.h"
#include "common/store.h"
#include "common/xalloc.h"

#define	DEFAULT_TRIES		6
#define	DEFAULT_SECONDS		120
#define	BACKOFF_BASE_MS		200
#define	BACKOFF_CAP_MS		10000
#define	TOKEN_RESPONSE_MAX	(1024 * 1024)
#define	AUTH_ROUNDS_MAX		3
#define	AGAIN_MAX		3
#define	MAX_SCOPES		8

struct registry {
	char			*host;		/* "registry-1.docker.io" */
	char			*base;		/* "https://host" */
	bool			 plain;		/* plain http */
	struct http_client	*hc;
	int			 max_tries;
	int			 max_seconds;
	struct dockercfg_creds	 creds;
	pthread_mutex_t		 mu;		/* scheme, realm, service */
	enum auth_scheme	 scheme;	/* what the registry wants */
	char			*realm;
	char			*service;
	pthread_mutex_t		 tokmu;		/* one token request at once */
	struct auth_cache	*tokens;
};

/* Resume state of a blob download. */
struct blob_state {
	struct ingest		*in;
	registry_progress_fn	 fn;
	void			*arg;
	int64_t			 start;		/* Range start of this try */
	int64_t			 high;		/* longest the partial was */
	bool			 norange;	/* the server botched a Range */
	bool			 ignored;	/* ... or answered it in full */
	bool			 mismatch;	/* ... in this exchange */
	bool			 complete;	/* 416: the partial is whole */
};

/* One logical request. */
struct xfer {
	const char		*method;
	const char		*url;
	const char		*accept;	/* Accept, or NULL */
	const char		*body_type;	/* Content-Type of body */
	const void		*body;
	size_t			 bodylen;
	const char		*scope;		/* auth scope, or NULL */
	const char		*fixed_auth;	/* for url's origin only */
	bool			 secret_body;	/* body for url's origin only */
	bool			 foreign;	/* check and pin every hop */
	bool			 refused;	/* a foreign hop was refused */
	struct blob_state	*blob;
	struct http_sink	*sink;
	long long		 deadline;	/* now_ms() after which not */
};

enum outcome {
	XF_OK,
	XF_FAIL,
	XF_RETRY,
	XF_AGAIN
};

static long long
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
sleep_ms(long long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* Host names, IPv4 and bracketed IPv6 literals, with an optional port. */
static bool
host_ok(const char *h)
{
	const char *p;

	if (*h == '\0' || strlen(h) > 255)
		return (false);
	for (p = h; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		    *p == ':' || *p == '[' || *p == ']' || *p == '_'))
			return (false);
	return (true);
}

/* A repository path: components of [A-Za-z0-9._-], no "." or "..". */
static bool
repo_ok(const char *repo)
{
	const char *p, *comp = repo;

	if (*repo == '\0' || strlen(repo) > 255)
		return (false);
	for (p = repo;; p++) {
		if (*p == '/' || *p == '\0') {
			if (p == comp || (p - comp == 1 && comp[0] == '.') ||
			    (p - comp == 2 && comp[0] == '.' && comp[1] == '.'))
				return (false);
			if (*p == '\0')
				return (true);
			comp = p + 1;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-'))
			return (false);
	}
}

/* A tag or a digest: one URL path segment that cannot climb. */
static bool
reference_ok(const char *ref)
{
	const char *p;

	if (*ref == '\0' || strlen(ref) > 200 || *ref == '.' || *ref == '-')
		return (false);
	for (p = ref; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-' || *p == ':' || *p == '+' || *p == '='))
			return (false);
	return (true);
}

struct registry *
registry_new(const char *host, const struct registry_opts *opts,
    struct error *ep)
{
	static const struct registry_opts none;
	struct registry *r;

	if (opts == NULL)
		opts = &none;
	if (host == NULL || !host_ok(host)) {
		error_set(ep, EX_USAGE, 0, "invalid registry host '%.255s'",
		    host != NULL ? host : "");
		return (NULL);
	}
	r = xcalloc(1, sizeof(*r));
	/* docker.io is a name, registry-1.docker.io the server. */
	if (strcasecmp(host, "docker.io") == 0 ||
	    strcasecmp(host, "index.docker.io") == 0)
		host = "registry-1.docker.io";
	r->host = xstrdup(host);
	r->plain = http_host_is_loopback(host) ||
	    http_host_in_list(host, opts->insecure);
	r->base = xasprintf("%s://%s", r->plain ? "http" : "https", host);
	r->max_tries = opts->max_tries > 0 ? opts->max_tries : DEFAULT_TRIES;
	r->max_seconds = opts->max_seconds > 0 ? opts->max_seconds :
	    DEFAULT_SECONDS;
	(void)pthread_mutex_init(&r->mu, NULL);
	(void)pthread_mutex_init(&r->tokmu, NULL);
	r->tokens = auth_cache_new();
	if ((r->hc = http_client_new(opts->ca_file, opts->timeout, ep)) ==
	    NULL) {
		registry_free(r);
		return (NULL);
	}
	if (opts->username != NULL && *opts->username != '\0') {
		r->creds.username = xstrdup(opts->username);
		r->creds.password = xstrdup(opts->password != NULL ?
		    opts->password : "");
		(void)snprintf(r->creds.source, sizeof(r->creds.source),
		    "explicit credentials");
	} else if (dockercfg_lookup(opts->docker_config,
	    opts->docker_config != NULL, host, &r->creds, ep) == -1) {
		error_wrap(ep, "credentials for '%s'", host);
		registry_free(r);
		return (NULL);
	}
	if (dockercfg_creds_present(&r->creds))
		log_debug("%s: credentials from %s", host, r->creds.source);
	return (r);
}

void
registry_free(struct registry *r)
{
	if (r == NULL)
		return;
	dockercfg_creds_clear(&r->creds);
	auth_cache_free(r->tokens);
	http_client_free(r->hc);
	(void)pthread_mutex_destroy(&r->mu);
	(void)pthread_mutex_destroy(&r->tokmu);
	free(r->realm);
	free(r->service);
	free(r->base);
	free(r->host);
	free(r);
}

const char *
registry_base_url(const struct registry *r)
{
	return (r->base);
}

int64_t
registry_bytes_received(const struct registry *r)
{
	return (http_client_bytes(r->hc));
}

int64_t
registry_requests(const struct registry *r)
{
	return (http_client_requests(r->hc));
}

/* Fill *ep from an HTTP error response. */
static int
status_error(const struct registry *r, const struct http_resp *resp,
    bool at_registry, struct error *ep)
{
	char msg[320], code[64], hint[200] = "";
	int ex;

	http_registry_error(resp->errbody, resp->errlen, msg, sizeof(msg),
	    code, sizeof(code));
	ex = http_status_exit(resp->status, code);
	if (ex == EX_NOPERM && at_registry &&
	    !dockercfg_creds_present(&r->creds))
		(void)snprintf(hint, sizeof(hint),
		    "; no credentials found for '%s'", r->host);
	else if (ex == EX_NOPERM && at_registry)
		(void)snprintf(hint, sizeof(hint),
		    "; with credentials from %.120s", r->creds.source);
	if (msg[0] != '\0')
		return (error_set(ep, ex, 0, "%s (HTTP %ld%s)", msg,
		    resp->status, hint));
	return (error_set(ep, ex, 0, "HTTP %ld%s", resp->status, hint));
}

/* Append a header line, remembering to scrub it if it is a secret. */
static struct curl_slist *
hdr_add(struct curl_slist *list, const char *line)
{
	struct curl_slist *l;

	if ((l = curl_slist_append(list, line)) == NULL) {
		curl_slist_free_all(list);
		return (NULL);
	}
	return (l);
}

/* Free a header list, clearing every line first (one may be a secret). */
static void
hdr_free(struct curl_slist *list)
{
	struct curl_slist *l;

	for (l = list; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

static int xfer_run(struct registry *, struct xfer *, struct http_resp *,
    struct error *);

/*
 * Ask the realm for a token for scopes.  Sends credentials only under the
 * rule at the top of this file.
 */
static int
token_fetch(struct registry *r, const char *realm, const char *service,
    const char *const *scopes, size_t nscopes, char **tokp, long *lifep,
    struct error *ep)
{
	struct http_membuf mb = { NULL, 0, 0, TOKEN_RESPONSE_MAX,
	    "token response" };
	struct http_resp resp;
	struct http_origin o;
	struct http_sink sink;
	struct xfer x;
	char shown[200], *url = NULL, *body = NULL, *basic = NULL;
	const char *user;
	bool creds, oauth, has_user;
	int rv = -1;

	*tokp = NULL;
	memset(&resp, 0, sizeof(resp));
	http_sanitize(realm, shown, sizeof(shown), true);
	if (http_origin_parse(realm, &o, &has_user, NULL) == -1 || has_user)
		return (error_set(ep, EX_PROTOCOL, 0,
		    "bad token realm '%s': must be an http or https URL",
		    shown));
	creds = dockercfg_creds_present(&r->creds);
	if (creds && strcmp(o.scheme, "https") != 0 &&
	    !http_host_is_loopback(o.host) && !r->plain) {
		log_warnx("not sending credentials for '%s' to the plain "
		    "HTTP token realm '%s'", r->host, shown);
		creds = false;
	}
	oauth = creds && r->creds.identity_token != NULL;
	http_membuf_sink(&mb, &sink);
	for (;;) {
		memset(&x, 0, sizeof(x));
		x.sink = &sink;
		if (oauth) {
			body = auth_oauth_body(service, scopes, nscopes,
			    r->creds.identity_token);
			x.method = "POST";
			x.url = realm;
			x.body = body;
			x.bodylen = strlen(body);
			x.body_type = "application/x-www-form-urlencoded";
			x.secret_body = true;
		} else {
			user = NULL;
			if (creds && r->creds.identity_token != NULL) {
				user = "<token>";
				basic = auth_basic_header(user,
				    r->creds.identity_token);
			} else if (creds) {
				user = r->creds.username;
				basic = auth_basic_header(user,
				    r->creds.password);
			}
			url = auth_token_url(realm, service, scopes, nscopes,
			    user != NULL && strcmp(user, "<token>") != 0 ?
			    user : NULL);
			x.method = "GET";
			x.url = url;
			x.fixed_auth = basic;
		}
		log_debug("token for '%s' from '%s'%s", nscopes > 0 ?
		    scopes[0] : "", shown, creds ? " with credentials" : "");
		rv = xfer_run(r, &x, &resp, ep);
		auth_secret_free(body);
		auth_secret_free(basic);
		body = basic = NULL;
		if (rv == -1 && oauth && (resp.status == 404 ||
		    resp.status == 405 || (resp.status == 400 &&
		    resp.errbody != NULL &&
		    strstr(resp.errbody, "unsupported_grant_type") != NULL))) {
			/* The realm has no OAuth2 endpoint: try the GET. */
			oauth = false;
			http_resp_release(&resp);
			continue;
		}
		break;
	}
	if (rv == 0)
		rv = auth_token_parse(mb.buf != NULL ? mb.buf : "", mb.len,
		    time(NULL), tokp, lifep, ep);
	if (rv == -1)
		error_wrap(ep, "get token from '%s'", shown);
	http_resp_release(&resp);
	free(url);
	if (mb.buf != NULL) {
		explicit_bzero(mb.buf, mb.len);
		free(mb.buf);
	}
	return (rv);
}

/* Split a space-separated scope list into scopes[] (pointers into buf). */
static size_t
split_scopes(char *buf, const char **scopes, size_t max)
{
	size_t n = 0;
	char *p, *save = NULL;

	for (p = strtok_r(buf, " ", &save); p != NULL && n < max;
	    p = strtok_r(NULL, " ", &save))
		scopes[n++] = p;
	return (n);
}

/*
 * A token for scope (plus extra, a space-separated scope list, if not
 * empty): from the cache, or from the realm (one request at a time, so
 * threads that need the same token wait for the first one's).  *freshp
 * says it was just issued.
 */
static int
token_get(struct registry *r, const char *scope, const char *extra,
    char **tokp, bool *freshp, struct error *ep)
{
	const char *scopes[MAX_SCOPES + 1];
	char *realm = NULL, *service = NULL, *ebuf;
	size_t n = 1;
	long life = 0;
	int rv;

	*freshp = false;
	if ((*tokp = auth_cache_get(r->tokens, scope, auth_now())) != NULL)
		return (0);
	(void)pthread_mutex_lock(&r->tokmu);
	if ((*tokp = auth_cache_get(r->tokens, scope, auth_now())) != NULL) {
		(void)pthread_mutex_unlock(&r->tokmu);
		return (0);
	}
	(void)pthread_mutex_lock(&r->mu);
	if (r->realm != NULL)
		realm = xstrdup(r->realm);
	if (r->service != NULL)
		service = xstrdup(r->service);
	(void)pthread_mutex_unlock(&r->mu);
	scopes[0] = scope;
	ebuf = xstrdup(extra != NULL ? extra : "");
	n += split_scopes(ebuf, scopes + 1, MAX_SCOPES);
	if (realm == NULL)
		rv = error_set(ep, EX_SOFTWARE, 0, "no token realm known");
	else
		rv = token_fetch(r, realm, service, scopes, n, tokp, &life,
		    ep);
	if (rv == 0) {
		auth_cache_put(r->tokens, scope, *tokp, auth_now(), life);
		*freshp = true;
	}
	(void)pthread_mutex_unlock(&r->tokmu);
	free(ebuf);
	free(realm);
	free(service);
	return (rv);
}

/*
 * The Authorization header line for a request to the registry in scope,
 * or NULL before any challenge.  *tokp receives the bearer token sent (to
 * drop it from the cache if it is refused).
 */
static int
auth_header(struct registry *r, const char *scope, const char *extra,
    char **hdrp, char **tokp, bool *freshp, struct error *ep)
{
	enum auth_scheme scheme;

	*hdrp = *tokp = NULL;
	*freshp = false;
	(void)pthread_mutex_lock(&r->mu);
	scheme = r->scheme;
	(void)pthread_mutex_unlock(&r->mu);
	switch (scheme) {
	case AUTH_BASIC:
		if (r->creds.username != NULL)
			*hdrp = auth_basic_header(r->creds.username,
			    r->creds.password);
		else if (r->creds.identity_token != NULL)
			*hdrp = auth_basic_header("<token>",
			    r->creds.identity_token);
		return (0);
	case AUTH_BEARER:
		if (token_get(r, scope, extra, tokp, freshp, ep) == -1)
			return (-1);
		*hdrp = xasprintf("Authorization: Bearer %s", *tokp);
		return (0);
	default:
		return (0);
	}
}

/* Per-attempt authentication state. */
struct auth_round {
	int	 rounds;
	char	*sent_token;		/* the bearer token we sent */
	bool	 sent_basic;
	bool	 sent_fresh;
	bool	 tried_extra;
	char	 extra[sizeof(((struct auth_challenge *)0)->scope)];
};

/*
 * A 401 from the registry: learn the challenge and decide whether another
 * round can succeed.  Returns 0 to send the request again, -1 to give up.
 */
static int
on_401(struct registry *r, const struct xfer *x, const struct http_resp *resp,
    struct auth_round *ar, struct error *ep)
{
	struct auth_challenge ch;
	struct error e1 = ERROR_INIT, e2 = ERROR_INIT;

	if (++ar->rounds > AUTH_ROUNDS_MAX || resp->www_auth == NULL)
		return (status_error(r, resp, true, ep));
	if (auth_challenge_parse(resp->www_auth, &ch, &e2) == -1) {
		status_error(r, resp, true, &e1);
		return (error_set(ep, EX_PROTOCOL, 0, "%s; %s", e1.msg,
		    e2.msg));
	}
	if (ch.scheme == AUTH_BASIC) {
		if (!dockercfg_creds_present(&r->creds) || ar->sent_basic)
			return (status_error(r, resp, true, ep));
		(void)pthread_mutex_lock(&r->mu);
		r->scheme = AUTH_BASIC;
		(void)pthread_mutex_unlock(&r->mu);
		return (0);
	}
	(void)pthread_mutex_lock(&r->mu);
	r->scheme = AUTH_BEARER;
	if (r->realm == NULL || strcmp(r->realm, ch.realm) != 0) {
		free(r->realm);
		r->realm = xstrdup(ch.realm);
	}
	if (r->service == NULL || strcmp(r->service, ch.service) != 0) {
		free(r->service);
		r->service = xstrdup(ch.service);
	}
	(void)pthread_mutex_unlock(&r->mu);
	if (ar->sent_token == NULL)
		return (0);
	if (strcmp(ch.error, "insufficient_scope") == 0 &&
	    ch.scope[0] != '\0' && strcmp(ch.scope, x->scope) != 0 &&
	    !ar->tried_extra) {
		/* Ask once more, for the scope the registry names as well. */
		ar->tried_extra = true;
		(void)snprintf(ar->extra, sizeof(ar->extra), "%s", ch.scope);
		auth_cache_drop(r->tokens, x->scope, ar->sent_token);
		return (0);
	}
	if (ar->sent_fresh)
		return (status_error(r, resp, true, ep));
	/* A cached token that no longer works: get a new one, once. */
	auth_cache_drop(r->tokens, x->scope, ar->sent_token);
	return (0);
}

static int
blob_begin(void *arg, const struct http_resp *resp, struct error *ep)
{
	struct blob_state *b = arg;
	int64_t first, last, total, off;

	if (resp->status == 206) {
		if (http_content_range_parse(resp->content_range, &first,
		    &last, &total) == -1 || first != b->start) {
			b->mismatch = true;
			return (error_set(ep, EX_PROTOCOL, 0,
			    "partial content at '%.64s', asked from %lld",
			    resp->content_range != NULL ?
			    resp->content_range : "(no Content-Range)",
			    (long long)b->start));
		}
		return (0);
	}
	if (b->start > 0)
		b->ignored = true;
	if ((off = ingest_offset(b->in)) > 0) {
		/* The whole blob again: the server ignored our Range. */
		if (ingest_reset(b->in, ep) == -1)
			return (-1);
		if (b->fn != NULL)
			b->fn(b->arg, -off);
	}
	b->start = 0;
	return (0);
}

static int
blob_write(void *arg, const void *p, size_t len, struct error *ep)
{
	struct blob_state *b = arg;

	if (ingest_write(b->in, p, len, ep) == -1)
		return (-1);
	if (b->fn != NULL)
		b->fn(b->arg, (int64_t)len);
	return (0);
}

/* Headers for one exchange of x (auth added by the caller). */
static int
build_headers(struct xfer *x, struct curl_slist **hdrsp, struct error *ep)
{
	struct curl_slist *h = NULL;
	char line[256];
	int64_t off;

	*hdrsp = NULL;
	if (x->accept != NULL) {
		(void)snprintf(line, sizeof(line), "Accept: %s", x->accept);
		if ((h = hdr_add(h, line)) == NULL)
			goto oom;
	}
	if (x->body_type != NULL) {
		(void)snprintf(line, sizeof(line), "Content-Type: %s",
		    x->body_type);
		if ((h = hdr_add(h, line)) == NULL)
			goto oom;
	}
	if (x->body != NULL && (h = hdr_add(h, "Expect:")) == NULL)
		goto oom;
	if (x->blob != NULL) {
		off = ingest_offset(x->blob->in);
		if (x->blob->norange && off > 0) {
			if (ingest_reset(x->blob->in, ep) == -1) {
				hdr_free(h);
				return (-1);
			}
			if (x->blob->fn != NULL)
				x->blob->fn(x->blob->arg, -off);
			off = 0;
		}
		x->blob->start = off;
		x->blob->mismatch = false;
		if (off > 0) {
			(void)snprintf(line, sizeof(line),
			    "Range: bytes=%lld-", (long long)off);
			if ((h = hdr_add(h, line)) == NULL)
				goto oom;
		}
	}
	*hdrsp = h;
	return (0);
oom:
	return (error_set(ep, EX_OSERR, ENOMEM, "curl_slist_append"));
}

/*
 * A 416 to a Range request: the partial is the whole blob if the server
 * says so (Content-Range "bytes STAR/TOTAL", TOTAL the start we asked),
 * else the server botched the Range: start over without one.
 */
static enum outcome
on_416(struct blob_state *b, const struct http_resp *resp, struct error *ep)
{
	int64_t first, last, total;

	if (http_content_range_parse(resp->content_range, &first, &last,
	    &total) == 0 && total == b->start) {
		b->complete = true;
		return (XF_OK);
	}
	b->norange = true;
	error_set(ep, EX_PROTOCOL, 0, "range from %lld not satisfiable "
	    "(HTTP 416)", (long long)b->start);
	return (XF_AGAIN);
}

/*
 * One attempt: the request, its redirects and its authentication rounds.
 * *retry_afterp (seconds, -1 if none) is set for XF_RETRY.
 */
static enum outcome
xfer_attempt(struct registry *r, struct xfer *x, struct http_resp *resp,
    long long *retry_afterp, struct error *ep)
{
	struct auth_round ar;
	struct curl_slist *hdrs = NULL, *resolve = NULL, *l;
	struct http_req req;
	const char *method = x->method;
	const void *body = x->body;
	size_t bodylen = x->bodylen;
	char *url = xstrdup(x->url), *next, *authhdr = NULL;
	enum outcome out = XF_FAIL;
	bool at_registry;
	int hops = 0, rc;
	long long left;

	memset(&ar, 0, sizeof(ar));
	*retry_afterp = -1;
	for (;;) {
		http_resp_release(resp);
		auth_secret_free(ar.sent_token);
		ar.sent_token = NULL;
		at_registry = !x->foreign && x->scope != NULL &&
		    http_same_origin(url, r->base);
		if (build_headers(x, &hdrs, ep) == -1)
			break;
		if (at_registry) {
			if (auth_header(r, x->scope, ar.extra, &authhdr,
			    &ar.sent_token, &ar.sent_fresh, ep) == -1)
				break;
			ar.sent_basic = authhdr != NULL &&
			    ar.sent_token == NULL;
		} else if (x->fixed_auth != NULL &&
		    http_same_origin(url, x->url))
			authhdr = xstrdup(x->fixed_auth);
		if (authhdr != NULL) {
			l = hdr_add(hdrs, authhdr);
			auth_secret_free(authhdr);
			authhdr = NULL;
			if ((hdrs = l) == NULL) {
				error_set(ep, EX_OSERR, ENOMEM,
				    "curl_slist_append");
				break;
			}
		}
		if (x->foreign && http_foreign_check(url, &resolve, ep) == -1) {
			x->refused = ep->exit == EX_DATAERR;
			break;
		}
		memset(&req, 0, sizeof(req));
		req.method = method;
		req.url = url;
		req.headers = hdrs;
		req.body = body;
		req.bodylen = bodylen;
		req.resolve = resolve;
		req.isolated = x->foreign;
		req.sink = x->sink;
		/* A blob may take as long as it keeps coming; nothing else. */
		if (x->blob == NULL) {
			left = x->deadline - now_ms();
			req.timeout_ms = left > 1 ? (long)left : 1;
		}
		rc = http_exchange(r->hc, &req, resp, ep);
		hdr_free(hdrs);
		hdrs = NULL;
		curl_slist_free_all(resolve);
		resolve = NULL;
		if (rc == -1 && resp->sink_failed) {
			if (x->blob != NULL && x->blob->mismatch) {
				x->blob->norange = true;
				out = XF_AGAIN;
			}
			break;
		}
		/*
		 * A non-2xx answer whose body was cut short (docker-registry's
		 * 416 announces the blob's length) still is an answer.
		 */
		if (rc == -1 && !(resp->curlcode == CURLE_PARTIAL_FILE &&
		    resp->status >= 300)) {
			if (http_curl_retryable(resp->curlcode, resp->curlerr))
				out = XF_RETRY;
			break;
		}
		if (resp->status >= 200 && resp->status < 300) {
			out = XF_OK;
			break;
		}
		if ((resp->status == 301 || resp->status == 302 ||
		    resp->status == 303 || resp->status == 307 ||
		    resp->status == 308) && resp->location != NULL) {
			if (++hops > HTTP_MAX_REDIRECTS) {
				error_set(ep, EX_PROTOCOL, 0,
				    "more than %d redirects",
				    HTTP_MAX_REDIRECTS);
				break;
			}
			if (http_redirect_target(url, resp->location, &next,
			    ep) == -1)
				break;
			if (x->secret_body && body != NULL &&
			    (resp->status == 307 || resp->status == 308) &&
			    !http_same_origin(next, x->url)) {
				free(next);
				error_set(ep, EX_PROTOCOL, 0, "refusing to "
				    "send credentials on a redirect to "
				    "another host");
				break;
			}
			if (resp->status == 303 || (strcmp(method, "POST") ==
			    0 && resp->status != 307 && resp->status != 308)) {
				method = "GET";
				body = NULL;
				bodylen = 0;
			}
			free(url);
			url = next;
			continue;
		}
		if (resp->status == 401 && at_registry) {
			if (on_401(r, x, resp, &ar, ep) == -1)
				break;
			continue;
		}
		if (resp->status == 416 && x->blob != NULL &&
		    x->blob->start > 0) {
			out = on_416(x->blob, resp, ep);
			break;
		}
		status_error(r, resp, at_registry, ep);
		if (http_status_retryable(resp->status)) {
			if (resp->retry_after == NULL ||
			    http_retry_after_parse(resp->retry_after,
			    time(NULL), retry_afterp) == -1)
				*retry_afterp = -1;
			out = XF_RETRY;
		}
		break;
	}
	hdr_free(hdrs);
	curl_slist_free_all(resolve);
	auth_secret_free(ar.sent_token);
	free(url);
	return (out);
}

/*
 * Progress, the one thing that renews the retry budgets: the partial
 * download of a blob got longer than it ever was, from a server that
 * honours Range requests (so that the next attempt keeps those bytes).
 */
static bool
blob_grew(struct xfer *x)
{
	struct blob_state *b = x->blob;
	int64_t off;

	if (b == NULL || b->norange || b->ignored)
		return (false);
	if ((off = ingest_offset(b->in)) <= b->high)
		return (false);
	b->high = off;
	return (true);
}

/* The whole request: attempts with backoff. */
static int
xfer_run(struct registry *r, struct xfer *x, struct http_resp *resp,
    struct error *ep)
{
	long long deadline, now, wait, ra;
	char msg[sizeof(ep->msg)];
	int tries = 0, agains = 0;

	deadline = now_ms() + (long long)r->max_seconds * 1000;
	for (;;) {
		x->deadline = deadline;
		switch (xfer_attempt(r, x, resp, &ra, ep)) {
		case XF_OK:
			return (0);
		case XF_FAIL:
			return (-1);
		case XF_AGAIN:
			if (++agains > AGAIN_MAX)
				return (error_set(ep, EX_PROTOCOL, 0,
				    "the server keeps answering Range "
				    "requests wrongly"));
			log_info("%s: %s; starting over without a Range",
			    r->host, ep->msg);
			continue;
		case XF_RETRY:
			break;
		}
		now = now_ms();
		if (blob_grew(x)) {
			tries = 0;
			deadline = now + (long long)r->max_seconds * 1000;
		}
		if (++tries >= r->max_tries || now >= deadline) {
			(void)snprintf(msg, sizeof(msg), "%s", ep->msg);
			return (error_set(ep, ep->exit, ep->errnum,
			    "%s (gave up after %d attempts)", msg, tries));
		}
		wait = ra >= 0 ? ra * 1000 :
		    http_backoff_ms(tries, BACKOFF_BASE_MS, BACKOFF_CAP_MS);
		if (wait > deadline - now)
			wait = deadline - now;
		log_info("%s: %s; retrying in %lld ms", r->host, ep->msg, wait);
		sleep_ms(wait);
	}
}

int
registry_get_manifest(struct registry *r, const char *repo,
    const char *reference, char **bufp, size_t *lenp, char *ctype,
    char *dch, struct error *ep)
{
	struct http_membuf mb = { NULL, 0, 0, MANIFEST_MAX, "manifest" };
	struct http_resp resp;
	struct http_sink sink;
	struct xfer x;
	char name[600], scope[300], *url;
	const char *ct;
	size_t n;
	int rv = -1;

	*bufp = NULL;
	*lenp = 0;
	ctype[0] = dch[0] = '\0';
	if (!repo_ok(repo) || !reference_ok(reference))
		return (error_set(ep, EX_USAGE, 0,
		    "invalid repository or reference '%.255s:%.200s'", repo,
		    reference));
	(void)snprintf(name, sizeof(name), "%s/%s%c%s", r->host, repo,
	    strchr(reference, ':') != NULL ? '@' : ':', reference);
	if (auth_scope(repo, "pull", scope, sizeof(scope)) == -1)
		return (error_set(ep, EX_USAGE, 0, "invalid repository '%s'",
		    repo));
	url = xasprintf("%s/v2/%s/manifests/%s", r->base, repo, reference);
	memset(&resp, 0, sizeof(resp));
	http_membuf_sink(&mb, &sink);
	memset(&x, 0, sizeof(x));
	x.method = "GET";
	x.url = url;
	x.accept = MANIFEST_ACCEPT;
	x.scope = scope;
	x.sink = &sink;
	if (xfer_run(r, &x, &resp, ep) == -1)
		goto out;
	if ((ct = resp.ctype) != NULL) {
		n = strcspn(ct, ";");
		while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
			n--;
		if (n >= 128) {
			error_set(ep, EX_PROTOCOL, 0,
			    "Content-Type longer than 127 bytes");
			goto out;
		}
		(void)memcpy(ctype, ct, n);
		ctype[n] = '\0';
	}
	if (resp.dcd != NULL) {
		if (strlen(resp.dcd) >= DIGEST_MAX) {
			error_set(ep, EX_PROTOCOL, 0,
			    "Docker-Content-Digest longer than %d bytes",
			    DIGEST_MAX - 1);
			goto out;
		}
		(void)snprintf(dch, DIGEST_MAX, "%s", resp.dcd);
	}
	*bufp = mb.buf != NULL ? mb.buf : xstrdup("");
	*lenp = mb.len;
	mb.buf = NULL;
	rv = 0;
out:
	if (rv == -1) {
		error_wrap(ep, "fetch manifest '%s'", name);
		ctype[0] = dch[0] = '\0';
	}
	http_resp_release(&resp);
	free(mb.buf);
	free(url);
	return (rv);
}

static int
fetch_into(struct registry *r, struct xfer *x, struct blob_state *b,
    struct error *ep)
{
	struct http_resp resp;
	struct http_sink sink = { blob_begin, blob_write, b };
	struct error re = ERROR_INIT;
	int64_t off;
	int rv;

	memset(&resp, 0, sizeof(resp));
	x->method = "GET";
	x->blob = b;
	x->sink = &sink;
	b->high = ingest_offset(b->in);
	rv = xfer_run(r, x, &resp, ep);
	http_resp_release(&resp);
	/* What a server that cannot resume sent is no use to a later run. */
	if (rv == -1 && (b->norange || b->ignored) &&
	    (off = ingest_offset(b->in)) > 0 && ingest_reset(b->in, &re) == 0 &&
	    b->fn != NULL)
		b->fn(b->arg, -off);
	return (rv);
}

int
registry_get_blob(struct registry *r, const char *repo, const char *digest,
    struct ingest *in, registry_progress_fn fn, void *arg, struct error *ep)
{
	struct blob_state b;
	struct xfer x;
	char name[600], scope[300], *url;
	int rv;

	if (!repo_ok(repo) || !reference_ok(digest) ||
	    strchr(digest, ':') == NULL)
		return (error_set(ep, EX_USAGE, 0,
		    "invalid repository or digest '%.255s@%.200s'", repo,
		    digest));
	(void)snprintf(name, sizeof(name), "%s/%s@%s", r->host, repo, digest);
	if (auth_scope(repo, "pull", scope, sizeof(scope)) == -1)
		return (error_set(ep, EX_USAGE, 0, "invalid repository '%s'",
		    repo));
	url = xasprintf("%s/v2/%s/blobs/%s", r->base, repo, digest);
	memset(&b, 0, sizeof(b));
	b.in = in;
	b.fn = fn;
	b.arg = arg;
	memset(&x, 0, sizeof(x));
	x.url = url;
	x.scope = scope;
	rv = fetch_into(r, &x, &b, ep);
	if (rv == -1)
		error_wrap(ep, "fetch blob '%s'", name);
	free(url);
	return (rv);
}

int
registry_get_url(struct registry *r, const char *url, struct ingest *in,
    registry_progress_fn fn, void *arg, struct error *ep)
{
	struct blob_state b;
	struct xfer x;
	char shown[200];
	int rv;

	memset(&b, 0, sizeof(b));
	b.in = in;
	b.fn = fn;
	b.arg = arg;
	memset(&x, 0, sizeof(x));
	x.url = url;
	x.foreign = true;
	rv = fetch_into(r, &x, &b, ep);
	if (rv == -1 && !x.refused) {
		http_sanitize(url, shown, sizeof(shown), true);
		error_wrap(ep, "fetch foreign layer '%s'", shown);
	}
	return (rv);
}
