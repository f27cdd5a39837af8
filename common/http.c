/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One HTTP exchange over libcurl, and the pure helpers the registry client's
 * security rules rest on.  A client shares its DNS and TLS session caches
 * between threads through a CURLSH with one mutex per kind of data; live
 * connections stay in the easy handles, which go back to a small pool after
 * each exchange (libcurl does not support sharing the connection cache
 * between concurrent threads).  Redirects are never followed here: the
 * caller sees every 3xx and decides what to send to the next hop.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/rand.h>

#include "common/error.h"
#include "common/http.h"
#include "common/log.h"
#include "common/xalloc.h"

#define	POOL_MAX	32
#define	RECV_BUFFER	(512L * 1024)

struct http_client {
	CURLSH		*share;
	pthread_mutex_t	 locks[CURL_LOCK_DATA_LAST];
	pthread_mutex_t	 poolmu;
	CURL		*pool[POOL_MAX];
	size_t		 npool;
	char		*ca_file;
	long		 timeout;
	atomic_llong	 bytes;
	atomic_llong	 requests;
};

/*
 * curl_global_init() is not thread-safe and must run once per process;
 * this once-flag and its result are the only process-wide state here.
 */
static pthread_once_t	curl_once = PTHREAD_ONCE_INIT;
static CURLcode		curl_init_rc = CURLE_FAILED_INIT;

static void
curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void
share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *arg)
{
	struct http_client *hc = arg;

	(void)h;
	(void)access;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		(void)pthread_mutex_lock(&hc->locks[data]);
}

static void
share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	struct http_client *hc = arg;

	(void)h;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		(void)pthread_mutex_unlock(&hc->locks[data]);
}

struct http_client *
http_client_new(const char *ca_file, int timeout, struct error *ep)
{
	struct http_client *hc;
	size_t i;

	(void)pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK) {
		error_set(ep, EX_SOFTWARE, 0, "curl_global_init: %s",
		    curl_easy_strerror(curl_init_rc));
		return (NULL);
	}
	hc = xcalloc(1, sizeof(*hc));
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		(void)pthread_mutex_init(&hc->locks[i], NULL);
	(void)pthread_mutex_init(&hc->poolmu, NULL);
	atomic_init(&hc->bytes, 0);
	atomic_init(&hc->requests, 0);
	hc->timeout = timeout > 0 ? timeout : 30;
	if (ca_file != NULL && *ca_file != '\0')
		hc->ca_file = xstrdup(ca_file);
	if ((hc->share = curl_share_init()) == NULL ||
	    curl_share_setopt(hc->share, CURLSHOPT_LOCKFUNC,
	    share_lock) != CURLSHE_OK ||
	    curl_share_setopt(hc->share, CURLSHOPT_UNLOCKFUNC,
	    share_unlock) != CURLSHE_OK ||
	    curl_share_setopt(hc->share, CURLSHOPT_USERDATA, hc) !=
	    CURLSHE_OK ||
	    curl_share_setopt(hc->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
	    curl_share_setopt(hc->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
		http_client_free(hc);
		error_set(ep, EX_SOFTWARE, 0, "cannot set up a curl share");
		return (NULL);
	}
	return (hc);
}

void
http_client_free(struct http_client *hc)
{
	size_t i;

	if (hc == NULL)
		return;
	/* Easy handles first: they hold references into the share. */
	for (i = 0; i < hc->npool; i++)
		curl_easy_cleanup(hc->pool[i]);
	if (hc->share != NULL)
		(void)curl_share_cleanup(hc->share);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		(void)pthread_mutex_destroy(&hc->locks[i]);
	(void)pthread_mutex_destroy(&hc->poolmu);
	free(hc->ca_file);
	free(hc);
}

int64_t
http_client_bytes(const struct http_client *hc)
{
	return (atomic_load(&hc->bytes));
}

int64_t
http_client_requests(const struct http_client *hc)
{
	return (atomic_load(&hc->requests));
}

/* An easy handle from the pool (with its live connections), or a new one. */
static CURL *
handle_get(struct http_client *hc)
{
	CURL *h = NULL;

	(void)pthread_mutex_lock(&hc->poolmu);
	if (hc->npool > 0)
		h = hc->pool[--hc->npool];
	(void)pthread_mutex_unlock(&hc->poolmu);
	if (h != NULL) {
		/* Keeps connections, caches and the share; drops options. */
		curl_easy_reset(h);
		return (h);
	}
	if ((h = curl_easy_init()) == NULL)
		return (NULL);
	if (curl_easy_setopt(h, CURLOPT_SHARE, hc->share) != CURLE_OK) {
		curl_easy_cleanup(h);
		return (NULL);
	}
	return (h);
}

static void
handle_put(struct http_client *hc, CURL *h)
{
	(void)pthread_mutex_lock(&hc->poolmu);
	if (hc->npool < POOL_MAX) {
		hc->pool[hc->npool++] = h;
		h = NULL;
	}
	(void)pthread_mutex_unlock(&hc->poolmu);
	if (h != NULL)
		curl_easy_cleanup(h);
}

/* Forget the headers of an earlier response (1xx, proxy CONNECT). */
static void
resp_reset_headers(struct http_resp *resp)
{
	free(resp->ctype);
	free(resp->dcd);
	free(resp->location);
	free(resp->www_auth);
	free(resp->retry_after);
	free(resp->content_range);
	free(resp->range);
	resp->ctype = resp->dcd = resp->location = resp->www_auth = NULL;
	resp->retry_after = resp->content_range = resp->range = NULL;
	resp->content_length = -1;
	resp->status = 0;
}

void
http_resp_release(struct http_resp *resp)
{
	if (resp == NULL)
		return;
	resp_reset_headers(resp);
	free(resp->errbody);
	memset(resp, 0, sizeof(*resp));
	resp->content_length = -1;
}

/* The state of one exchange, seen by the callbacks. */
struct exch {
	struct http_client	*hc;
	struct http_resp	*resp;
	struct http_sink	*sink;
	struct error		*ep;
	bool			 started;	/* sink->begin() was called */
	bool			 capped;	/* error body cut short */
};

static void
set_header(char **fieldp, const char *v, size_t len)
{
	if (len > HTTP_HEADER_MAX)
		len = HTTP_HEADER_MAX;
	free(*fieldp);
	*fieldp = xstrndup(v, len);
}

static size_t
header_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct exch *x = arg;
	struct http_resp *resp = x->resp;
	size_t len = sz * n, nlen, vlen, old;
	const char *colon, *v;
	long long cl;
	char *end, *nv;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new response (after 1xx or a proxy's CONNECT). */
		resp_reset_headers(resp);
		v = memchr(p, ' ', len);
		if (v != NULL && (size_t)(v - p) + 4 <= len &&
		    isdigit((unsigned char)v[1]) &&
		    isdigit((unsigned char)v[2]) &&
		    isdigit((unsigned char)v[3]))
			resp->status = (v[1] - '0') * 100 + (v[2] - '0') * 10 +
			    (v[3] - '0');
		return (len);
	}
	if ((colon = memchr(p, ':', len)) == NULL)
		return (len);
	nlen = (size_t)(colon - p);
	v = colon + 1;
	vlen = len - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
	    v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
#define	HDR(name)	(nlen == sizeof(name) - 1 && \
	    strncasecmp(p, name, nlen) == 0)
	if (HDR("content-type"))
		set_header(&resp->ctype, v, vlen);
	else if (HDR("docker-content-digest"))
		set_header(&resp->dcd, v, vlen);
	else if (HDR("location"))
		set_header(&resp->location, v, vlen);
	else if (HDR("retry-after"))
		set_header(&resp->retry_after, v, vlen);
	else if (HDR("content-range"))
		set_header(&resp->content_range, v, vlen);
	else if (HDR("range"))
		set_header(&resp->range, v, vlen);
	else if (HDR("content-length")) {
		nv = xstrndup(v, vlen);
		errno = 0;
		cl = strtoll(nv, &end, 10);
		if (errno == 0 && end != nv && *end == '\0' && cl >= 0)
			resp->content_length = cl;
		free(nv);
	} else if (HDR("www-authenticate")) {
		/* Several challenges may come in several headers. */
		if (resp->www_auth == NULL)
			set_header(&resp->www_auth, v, vlen);
		else if ((old = strlen(resp->www_auth)) + vlen + 2 <=
		    HTTP_HEADER_MAX) {
			nv = xmalloc(old + vlen + 3);
			(void)memcpy(nv, resp->www_auth, old);
			(void)memcpy(nv + old, ", ", 2);
			(void)memcpy(nv + old + 2, v, vlen);
			nv[old + 2 + vlen] = '\0';
			free(resp->www_auth);
			resp->www_auth = nv;
		}
	}
#undef HDR
	return (len);
}

static bool
status_ok(long status)
{
	return (status >= 200 && status < 300);
}

static size_t
write_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct exch *x = arg;
	struct http_resp *resp = x->resp;
	size_t len = sz * n, room;

	atomic_fetch_add(&x->hc->bytes, (long long)len);
	if (status_ok(resp->status)) {
		if (x->sink == NULL)
			return (len);
		if (!x->started) {
			x->started = true;
			if (x->sink->begin != NULL &&
			    x->sink->begin(x->sink->arg, resp, x->ep) == -1) {
				resp->sink_failed = true;
				return (0);
			}
		}
		if (x->sink->write(x->sink->arg, p, len, x->ep) == -1) {
			resp->sink_failed = true;
			return (0);
		}
		resp->body_bytes += (int64_t)len;
		return (len);
	}
	/* Redirects and errors: keep the start of the body for messages. */
	if (resp->errbody == NULL)
		resp->errbody = xmalloc(HTTP_ERRBODY_MAX + 1);
	room = HTTP_ERRBODY_MAX - resp->errlen;
	if (len > room) {
		(void)memcpy(resp->errbody + resp->errlen, p, room);
		resp->errlen += room;
		resp->errbody[resp->errlen] = '\0';
		x->capped = true;
		return (0);
	}
	(void)memcpy(resp->errbody + resp->errlen, p, len);
	resp->errlen += len;
	resp->errbody[resp->errlen] = '\0';
	return (len);
}

/* The state of an upload from a buffer (PUT, PATCH). */
struct upload {
	const char	*p;
	size_t		 left;
};

static size_t
read_cb(char *buf, size_t sz, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t len = sz * n;

	if (len > u->left)
		len = u->left;
	(void)memcpy(buf, u->p, len);
	u->p += len;
	u->left -= len;
	return (len);
}

static int
seek_cb(void *arg, curl_off_t off, int origin)
{
	(void)arg;
	(void)off;
	(void)origin;
	/* A rewind after a redirect or auth round is done by our caller. */
	return (CURL_SEEKFUNC_CANTSEEK);
}

/*
 * House message style: no trailing newline, and a lowercase first word
 * ("failed to connect") unless it is an acronym or a name ("SSL",
 * "OpenSSL/3.0").
 */
static void
tidy_curlerr(char *s)
{
	size_t len = strlen(s), i;

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	if (len < 2 || !isupper((unsigned char)s[0]))
		return;
	for (i = 1; s[i] != '\0' && s[i] != ' '; i++)
		if (!islower((unsigned char)s[i]))
			return;
	s[0] = (char)tolower((unsigned char)s[0]);
}

int
http_exchange(struct http_client *hc, const struct http_req *req,
    struct http_resp *resp, struct error *ep)
{
	struct exch x = { hc, resp, req->sink, ep, false, false };
	struct upload up = { req->body, req->bodylen };
	char errbuf[CURL_ERROR_SIZE], shown[256];
	bool private = req->isolated || req->resolve != NULL;
	CURLcode rc;
	CURL *h;
	int ok = 1;

	memset(resp, 0, sizeof(*resp));
	resp->content_length = -1;
	h = private ? curl_easy_init() : handle_get(hc);
	if (h == NULL) {
		resp->curlcode = CURLE_OUT_OF_MEMORY;
		return (error_set(ep, EX_SOFTWARE, 0,
		    "cannot create a curl handle"));
	}
	errbuf[0] = '\0';
#define	SET(opt, val)	(ok &= curl_easy_setopt(h, opt, val) == CURLE_OK)
	SET(CURLOPT_URL, req->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, HTTP_USER_AGENT);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (hc->ca_file != NULL)
		SET(CURLOPT_CAINFO, hc->ca_file);
	SET(CURLOPT_CONNECTTIMEOUT, hc->timeout);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, hc->timeout);
	if (req->timeout_ms > 0)
		SET(CURLOPT_TIMEOUT_MS, req->timeout_ms);
	SET(CURLOPT_BUFFERSIZE, RECV_BUFFER);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_HEADERFUNCTION, header_cb);
	SET(CURLOPT_HEADERDATA, &x);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, &x);
	if (req->headers != NULL)
		SET(CURLOPT_HTTPHEADER, req->headers);
	if (req->resolve != NULL)
		SET(CURLOPT_RESOLVE, req->resolve);
	if (strcmp(req->method, "HEAD") == 0)
		SET(CURLOPT_NOBODY, 1L);
	else if (strcmp(req->method, "POST") == 0) {
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->bodylen);
	} else if (strcmp(req->method, "GET") != 0) {
		SET(CURLOPT_CUSTOMREQUEST, req->method);
		if (req->body != NULL) {
			SET(CURLOPT_UPLOAD, 1L);
			SET(CURLOPT_READFUNCTION, read_cb);
			SET(CURLOPT_READDATA, &up);
			SET(CURLOPT_SEEKFUNCTION, seek_cb);
			SET(CURLOPT_INFILESIZE_LARGE,
			    (curl_off_t)req->bodylen);
		}
	}
#undef SET
	if (!ok) {
		if (private)
			curl_easy_cleanup(h);
		else
			handle_put(hc, h);
		resp->curlcode = CURLE_BAD_FUNCTION_ARGUMENT;
		return (error_set(ep, EX_SOFTWARE, 0,
		    "cannot set curl options"));
	}
	atomic_fetch_add(&hc->requests, 1);
	rc = curl_easy_perform(h);
	/* An error body we stopped reading is not a transport error. */
	if (rc == CURLE_WRITE_ERROR && x.capped)
		rc = CURLE_OK;
	if (rc == CURLE_OK && x.sink != NULL && !x.started &&
	    status_ok(resp->status)) {
		x.started = true;
		if (x.sink->begin != NULL &&
		    x.sink->begin(x.sink->arg, resp, ep) == -1)
			resp->sink_failed = true;
	}
	if (log_level() >= 3) {
		http_sanitize(req->url, shown, sizeof(shown), true);
		if (rc == CURLE_OK)
			log_debug("%s %s: HTTP %ld", req->method, shown,
			    resp->status);
		else if (resp->status != 0)
			log_debug("%s %s: HTTP %ld, then curl error %d",
			    req->method, shown, resp->status, (int)rc);
		else
			log_debug("%s %s: curl error %d", req->method, shown,
			    (int)rc);
	}
	if (private)
		curl_easy_cleanup(h);
	else
		handle_put(hc, h);
	if (resp->sink_failed)
		return (-1);
	if (rc != CURLE_OK) {
		resp->curlcode = (int)rc;
		if (errbuf[0] == '\0')
			(void)snprintf(errbuf, sizeof(errbuf), "%s",
			    curl_easy_strerror(rc));
		tidy_curlerr(errbuf);
		(void)snprintf(resp->curlerr, sizeof(resp->curlerr), "%s",
		    errbuf);
		/* TLS spoken to a plain HTTP server. */
		return (error_set(ep, http_curl_exit((int)rc), 0, "%s%s",
		    errbuf, rc == CURLE_SSL_CONNECT_ERROR &&
		    strstr(errbuf, "wrong version number") != NULL ?
		    " (is it a plain HTTP registry? list it as insecure)" :
		    ""));
	}
	return (0);
}

bool
http_curl_retryable(int rc, const char *msg)
{
	/* TLS spoken to a plain HTTP server will not get better. */
	if (rc == CURLE_SSL_CONNECT_ERROR && msg != NULL &&
	    strstr(msg, "wrong version number") != NULL)
		return (false);
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return (true);
	default:
		return (false);
	}
}

int
http_curl_exit(int rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		/* The host cannot be reached at all. */
		return (EX_UNAVAILABLE);
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		/* Reachable but failing: worth another try later. */
		return (EX_TEMPFAIL);
	case CURLE_SSL_CACERT_BADFILE:
		return (EX_CONFIG);
	case CURLE_OUT_OF_MEMORY:
		return (EX_OSERR);
	case CURLE_WRITE_ERROR:
		return (EX_IOERR);
	default:
		return (EX_PROTOCOL);
	}
}

/*
 * URLs are parsed with libcurl's own parser, so what we check is what
 * libcurl will connect to.
 */
int
http_origin_parse(const char *url, struct http_origin *o, bool *has_user,
    struct error *ep)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
	char shown[160];
	CURLU *u;
	size_t len, i;
	int rv = -1;

	http_sanitize(url, shown, sizeof(shown), true);
	memset(o, 0, sizeof(*o));
	if ((u = curl_url()) == NULL)
		return (error_set(ep, EX_OSERR, ENOMEM, "curl_url"));
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		error_set(ep, EX_DATAERR, 0, "'%s': not an absolute URL",
		    shown);
		goto out;
	}
	for (i = 0; scheme[i] != '\0'; i++)
		scheme[i] = (char)tolower((unsigned char)scheme[i]);
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		error_set(ep, EX_DATAERR, 0,
		    "'%s': scheme must be http or https", shown);
		goto out;
	}
	(void)snprintf(o->scheme, sizeof(o->scheme), "%s", scheme);
	len = strlen(host);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host[len - 1] = '\0';
		(void)memmove(host, host + 1, len - 1);
		len -= 2;
	}
	if (len == 0 || len >= sizeof(o->host)) {
		error_set(ep, EX_DATAERR, 0, "'%s': bad host", shown);
		goto out;
	}
	for (i = 0; i < len; i++)
		o->host[i] = (char)tolower((unsigned char)host[i]);
	o->host[len] = '\0';
	if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK || (o->port = atoi(port)) <= 0 || o->port > 65535) {
		error_set(ep, EX_DATAERR, 0, "'%s': bad port", shown);
		goto out;
	}
	if (has_user != NULL)
		*has_user = curl_url_get(u, CURLUPART_USER, &user, 0) ==
		    CURLUE_OK;
	rv = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_url_cleanup(u);
	return (rv);
}

bool
http_same_origin(const char *a, const char *b)
{
	struct http_origin oa, ob;

	if (a == NULL || b == NULL ||
	    http_origin_parse(a, &oa, NULL, NULL) == -1 ||
	    http_origin_parse(b, &ob, NULL, NULL) == -1)
		return (false);
	return (strcmp(oa.scheme, ob.scheme) == 0 &&
	    strcmp(oa.host, ob.host) == 0 && oa.port == ob.port);
}

int
http_redirect_target(const char *from, const char *location, char **outp,
    struct error *ep)
{
	struct http_origin of, ot;
	char shown[160], *out = NULL;
	CURLU *u;
	int rv = -1;

	*outp = NULL;
	http_sanitize(location, shown, sizeof(shown), true);
	if (http_origin_parse(from, &of, NULL, ep) == -1)
		return (-1);
	if ((u = curl_url()) == NULL)
		return (error_set(ep, EX_OSERR, ENOMEM, "curl_url"));
	/* Setting a relative URL on a parsed one resolves it. */
	if (curl_url_set(u, CURLUPART_URL, from, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, location,
	    CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		error_set(ep, EX_PROTOCOL, 0, "bad redirect location '%s'",
		    shown);
		goto out;
	}
	(void)curl_url_set(u, CURLUPART_USER, NULL, 0);
	(void)curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
	(void)curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK) {
		error_set(ep, EX_PROTOCOL, 0, "bad redirect location '%s'",
		    shown);
		goto out;
	}
	if (http_origin_parse(out, &ot, NULL, NULL) == -1) {
		error_set(ep, EX_PROTOCOL, 0,
		    "refusing redirect to '%s': not http or https", shown);
		goto out;
	}
	if (strcmp(of.scheme, "https") == 0 && strcmp(ot.scheme, "http") ==
	    0) {
		error_set(ep, EX_PROTOCOL, 0,
		    "refusing redirect from https to plain http '%s'", shown);
		goto out;
	}
	*outp = xstrdup(out);
	rv = 0;
out:
	curl_free(out);
	curl_url_cleanup(u);
	return (rv);
}

/*
 * Split "host[:port]" or "[v6]:port" into the host alone (no brackets).
 * Returns false if it does not fit.
 */
static bool
split_hostport(const char *hp, char *host, size_t len)
{
	const char *end, *colon;
	size_t n;

	if (hp[0] == '[') {
		if ((end = strchr(hp, ']')) == NULL)
			return (false);
		n = (size_t)(end - hp - 1);
		hp++;
	} else {
		colon = strchr(hp, ':');
		/* Two colons: a bare IPv6 address without a port. */
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL;
		n = colon != NULL ? (size_t)(colon - hp) : strlen(hp);
	}
	if (n == 0 || n >= len)
		return (false);
	(void)memcpy(host, hp, n);
	host[n] = '\0';
	return (true);
}

bool
http_host_is_loopback(const char *hp)
{
	char host[256];
	struct in_addr a4;
	struct in6_addr a6;

	if (hp == NULL || !split_hostport(hp, host, sizeof(host)))
		return (false);
	if (strcasecmp(host, "localhost") == 0)
		return (true);
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6));
	return (false);
}

bool
http_host_in_list(const char *hp, const char *list)
{
	char host[256], ehost[256], entry[300];
	const char *p, *q;
	size_t n;

	if (hp == NULL || list == NULL ||
	    !split_hostport(hp, host, sizeof(host)))
		return (false);
	for (p = list; *p != '\0'; p = *q == ',' ? q + 1 : q) {
		while (*p == ' ' || *p == '\t')
			p++;
		q = strchr(p, ',');
		if (q == NULL)
			q = p + strlen(p);
		n = (size_t)(q - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(entry))
			continue;
		(void)memcpy(entry, p, n);
		entry[n] = '\0';
		if (strcasecmp(entry, hp) == 0)
			return (true);
		/* An entry without a port matches every port. */
		if (split_hostport(entry, ehost, sizeof(ehost)) &&
		    strcasecmp(ehost, host) == 0 &&
		    (strcasecmp(ehost, entry) == 0 ||
		    (entry[0] == '[' && entry[n - 1] == ']')))
			return (true);
	}
	return (false);
}

static bool
v4_is_public(uint32_t a)
{
	if ((a >> 24) == 0 ||			/* 0/8 "this network" */
	    (a >> 24) == 10 ||			/* 10/8 */
	    (a >> 24) == 127 ||			/* 127/8 loopback */
	    (a >> 22) == (100U << 2 | 1) ||	/* 100.64/10 CGN */
	    (a >> 16) == (169U << 8 | 254) ||	/* 169.254/16 link-local */
	    (a >> 20) == (172U << 4 | 1) ||	/* 172.16/12 */
	    (a >> 8) == (192U << 16 | 0 << 8 | 0) || /* 192.0.0/24 */
	    (a >> 16) == (192U << 8 | 168) ||	/* 192.168/16 */
	    (a >> 17) == (198U << 7 | 18 >> 1) || /* 198.18/15 benchmark */
	    (a >> 28) >= 14)			/* multicast, 240/4, bcast */
		return (false);
	return (true);
}

bool
http_addr_is_public(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6;
	const uint8_t *b;
	uint32_t v4;
	int i;

	if (sa->sa_family == AF_INET) {
		v4 = ntohl(((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr.s_addr);
		return (v4_is_public(v4));
	}
	if (sa->sa_family != AF_INET6)
		return (false);
	s6 = (const struct sockaddr_in6 *)(const void *)sa;
	b = s6->sin6_addr.s6_addr;
	v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
	    (uint32_t)b[14] << 8 | b[15];
	if (b[0] == 0 && b[1] == 0) {
		/*
		 * Reserved ::/16 holds ::, ::1, the deprecated v4-compatible
		 * ::/96 and ::ffff:0:0/96; only a mapped public IPv4 passes.
		 */
		for (i = 2; i < 10 && b[i] == 0; i++)
			continue;
		return (i == 10 && b[10] == 0xff && b[11] == 0xff &&
		    v4_is_public(v4));
	}
	if (b[0] == 0xff ||			/* ff00::/8 multicast */
	    (b[0] & 0xfe) == 0xfc ||		/* fc00::/7 unique local */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||	/* fe80::/10 */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0))	/* fec0::/10 */
		return (false);
	/* 64:ff9b::/96 NAT64 embeds an IPv4 address in its last 32 bits. */
	if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {
		for (i = 4; i < 12 && b[i] == 0; i++)
			continue;
		if (i == 12)
			return (v4_is_public(v4));
	}
	/* 2002::/16 6to4 embeds one in bits 16-47. */
	if (b[0] == 0x20 && b[1] == 0x02)
		return (v4_is_public((uint32_t)b[2] << 24 |
		    (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5]));
	return (true);
}

int
http_foreign_check(const char *url, struct curl_slist **resolvep,
    struct error *ep)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct http_origin o;
	char shown[200], addr[INET6_ADDRSTRLEN], *pin = NULL, *tmp;
	struct curl_slist *list;
	struct in6_addr lit6;
	struct in_addr lit4;
	bool has_user, literal;
	int gai;

	*resolvep = NULL;
	http_sanitize(url, shown, sizeof(shown), true);
	if (http_origin_parse(url, &o, &has_user, NULL) == -1)
		return (error_set(ep, EX_DATAERR, 0,
		    "refusing foreign layer URL '%s': not an http or https "
		    "URL", shown));
	if (has_user)
		return (error_set(ep, EX_DATAERR, 0,
		    "refusing foreign layer URL '%s': it carries credentials",
		    shown));
	literal = inet_pton(AF_INET, o.host, &lit4) == 1 ||
	    inet_pton(AF_INET6, o.host, &lit6) == 1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((gai = getaddrinfo(o.host, NULL, &hints, &res)) != 0)
		return (error_set(ep, gai == EAI_AGAIN ? EX_TEMPFAIL :
		    EX_UNAVAILABLE, 0, "foreign layer URL '%s': resolve '%s': "
		    "%s", shown, o.host, gai_strerror(gai)));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			(void)inet_ntop(AF_INET, &((struct sockaddr_in *)
			    (void *)ai->ai_addr)->sin_addr, addr,
			    sizeof(addr));
		else if (ai->ai_family == AF_INET6)
			(void)inet_ntop(AF_INET6, &((struct sockaddr_in6 *)
			    (void *)ai->ai_addr)->sin6_addr, addr,
			    sizeof(addr));
		else
			continue;
		if (!http_addr_is_public(ai->ai_addr)) {
			free(pin);
			freeaddrinfo(res);
			return (error_set(ep, EX_DATAERR, 0,
			    "refusing foreign layer URL '%s': "
			    "loopback/private address %s", shown, addr));
		}
		/* getaddrinfo repeats addresses: duplicate pins are fine. */
		tmp = pin == NULL ? xasprintf("%s:%d:%s%s%s", o.host, o.port,
		    ai->ai_family == AF_INET6 ? "[" : "", addr,
		    ai->ai_family == AF_INET6 ? "]" : "") :
		    xasprintf("%s,%s%s%s", pin,
		    ai->ai_family == AF_INET6 ? "[" : "", addr,
		    ai->ai_family == AF_INET6 ? "]" : "");
		free(pin);
		pin = tmp;
	}
	freeaddrinfo(res);
	if (pin == NULL)
		return (error_set(ep, EX_UNAVAILABLE, 0,
		    "foreign layer URL '%s': no address for '%s'", shown,
		    o.host));
	if (literal) {
		/* Nothing to pin: libcurl will not resolve a literal. */
		free(pin);
		return (0);
	}
	list = curl_slist_append(NULL, pin);
	free(pin);
	if (list == NULL)
		return (error_set(ep, EX_OSERR, ENOMEM, "curl_slist_append"));
	*resolvep = list;
	return (0);
}

static const char *const wkdays[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const wkdays_long[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};
static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"
};

static int
name_index(const char *s, size_t n, const char *const *names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(names[i]) == n && strncmp(s, names[i], n) == 0)
			return ((int)i);
	return (-1);
}

/* Read exactly n digits. */
static bool
digits(const char **sp, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**sp))
			return (false);
		v = v * 10 + (*(*sp)++ - '0');
	}
	*out = v;
	return (true);
}

static bool
lit(const char **sp, const char *l)
{
	size_t n = strlen(l);

	if (strncmp(*sp, l, n) != 0)
		return (false);
	*sp += n;
	return (true);
}

static bool
hms(const char **sp, struct tm *tm)
{
	return (digits(sp, 2, &tm->tm_hour) && lit(sp, ":") &&
	    digits(sp, 2, &tm->tm_min) && lit(sp, ":") &&
	    digits(sp, 2, &tm->tm_sec) && tm->tm_hour < 24 &&
	    tm->tm_min < 60 && tm->tm_sec <= 60);
}

static bool
month(const char **sp, struct tm *tm)
{
	if ((tm->tm_mon = name_index(*sp, 3, months, 12)) == -1)
		return (false);
	*sp += 3;
	return (true);
}

/* The three HTTP-date forms of RFC 9110 section 5.6.7, GMT only. */
static int
http_date_parse(const char *s, time_t *tp)
{
	struct tm tm;
	const char *p = s, *comma;
	int year, day;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if ((comma = strchr(s, ',')) != NULL) {
		if (name_index(s, (size_t)(comma - s), wkdays, 7) >= 0) {
			/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
			p = comma + 1;
			if (!lit(&p, " ") || !digits(&p, 2, &day) ||
			    !lit(&p, " ") || !month(&p, &tm) ||
			    !lit(&p, " ") || !digits(&p, 4, &year) ||
			    !lit(&p, " ") || !hms(&p, &tm) ||
			    !lit(&p, " GMT") || *p != '\0')
				return (-1);
		} else if (name_index(s, (size_t)(comma - s), wkdays_long,
		    7) >= 0) {
			/* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
			p = comma + 1;
			if (!lit(&p, " ") || !digits(&p, 2, &day) ||
			    !lit(&p, "-") || !month(&p, &tm) ||
			    !lit(&p, "-") || !digits(&p, 2, &year) ||
			    !lit(&p, " ") || !hms(&p, &tm) ||
			    !lit(&p, " GMT") || *p != '\0')
				return (-1);
			/* RFC 9110: a two-digit year lies in the past 50. */
			year += year < 70 ? 2000 : 1900;
		} else
			return (-1);
	} else {
		/* asctime: Sun Nov  6 08:49:37 1994 */
		if (name_index(p, 3, wkdays, 7) == -1)
			return (-1);
		p += 3;
		if (!lit(&p, " ") || !month(&p, &tm) || !lit(&p, " "))
			return (-1);
		if (*p == ' ') {
			p++;
			if (!digits(&p, 1, &day))
				return (-1);
		} else if (!digits(&p, 2, &day))
			return (-1);
		if (!lit(&p, " ") || !hms(&p, &tm) || !lit(&p, " ") ||
		    !digits(&p, 4, &year) || *p != '\0')
			return (-1);
	}
	if (day < 1 || day > 31)
		return (-1);
	tm.tm_mday = day;
	tm.tm_year = year - 1900;
	if ((t = timegm(&tm)) == (time_t)-1)
		return (-1);
	*tp = t;
	return (0);
}

int
http_retry_after_parse(const char *s, time_t now, long long *delayp)
{
	const char *p;
	long long v = 0;
	time_t t;

	if (s == NULL || *s == '\0')
		return (-1);
	if (isdigit((unsigned char)*s)) {
		for (p = s; isdigit((unsigned char)*p); p++) {
			if (v > (LLONG_MAX - 9) / 10)
				return (-1);
			v = v * 10 + (*p - '0');
		}
		if (*p != '\0')
			return (-1);
		*delayp = v;
		return (0);
	}
	if (http_date_parse(s, &t) == -1)
		return (-1);
	*delayp = t > now ? (long long)(t - now) : 0;
	return (0);
}

long
http_backoff_ms(int n, long base, long cap)
{
	unsigned char rnd[4];
	uint32_t r;
	long ceil = base;

	if (n < 1)
		n = 1;
	while (--n > 0 && ceil < cap)
		ceil *= 2;
	if (ceil > cap)
		ceil = cap;
	if (ceil <= 0)
		return (0);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		/* Jitter needs no secrecy: fall back on the clock. */
		struct timespec ts;

		(void)clock_gettime(CLOCK_MONOTONIC, &ts);
		r = (uint32_t)ts.tv_nsec * 2654435761U;
	} else
		r = (uint32_t)rnd[0] << 24 | (uint32_t)rnd[1] << 16 |
		    (uint32_t)rnd[2] << 8 | rnd[3];
	return ((long)((uint64_t)r * (uint64_t)(ceil + 1) >> 32));
}

void
http_sanitize(const char *s, char *buf, size_t len, bool hide_query)
{
	size_t i = 0;

	if (len == 0)
		return;
	for (; s != NULL && *s != '\0' && i + 1 < len; s++) {
		if (hide_query && *s == '?') {
			if (i + 4 < len) {
				(void)memcpy(buf + i, "?...", 4);
				i += 4;
			}
			break;
		}
		buf[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	}
	buf[i] = '\0';
}

/* Copy a sanitised string member of obj into buf; false if absent. */
static bool
json_member(json_t *obj, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v) || *json_string_value(v) == '\0')
		return (false);
	http_sanitize(json_string_value(v), buf, len, false);
	return (true);
}

void
http_registry_error(const char *body, size_t len, char *buf, size_t buflen,
    char *code, size_t codelen)
{
	json_t *root, *errors, *first;
	char c[128], m[256];
	size_t n;

	if (buflen > 0)
		buf[0] = '\0';
	if (codelen > 0)
		code[0] = '\0';
	if (body == NULL || len == 0 ||
	    (root = json_loadb(body, len, 0, NULL)) == NULL)
		return;
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	errors = json_object_get(root, "errors");
	if (json_is_array(errors) && json_array_size(errors) > 0 &&
	    json_is_object(first = json_array_get(errors, 0)) &&
	    json_member(first, "code", c, sizeof(c))) {
		/* The distribution spec's error body. */
		if (json_member(first, "message", m, sizeof(m)))
			(void)snprintf(buf, buflen, "%s: %s", c, m);
		else
			(void)snprintf(buf, buflen, "%s", c);
		if ((n = json_array_size(errors)) > 1 &&
		    strlen(buf) + 20 < buflen)
			(void)snprintf(buf + strlen(buf), buflen - strlen(buf),
			    " (and %zu more)", n - 1);
		(void)snprintf(code, codelen, "%s", c);
	} else if (json_member(root, "error", c, sizeof(c))) {
		/* OAuth2 (RFC 6749 section 5.2). */
		if (json_member(root, "error_description", m, sizeof(m)))
			(void)snprintf(buf, buflen, "%s: %s", c, m);
		else
			(void)snprintf(buf, buflen, "%s", c);
		(void)snprintf(code, codelen, "%s", c);
	} else if (json_member(root, "details", m, sizeof(m)) ||
	    json_member(root, "message", m, sizeof(m)))
		/* Token servers (Docker Hub) and some proxies. */
		(void)snprintf(buf, buflen, "%s", m);
	json_decref(root);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return (n >= m && strcmp(s + n - m, suffix) == 0);
}

int
http_status_exit(long status, const char *code)
{
	if (code != NULL && *code != '\0') {
		if (ends_with(code, "_UNKNOWN"))
			return (EX_NOINPUT);
		if (strcmp(code, "UNAUTHORIZED") == 0 ||
		    strcmp(code, "DENIED") == 0 ||
		    strcmp(code, "invalid_grant") == 0 ||
		    strcmp(code, "invalid_client") == 0 ||
		    strcmp(code, "unauthorized_client") == 0)
			return (EX_NOPERM);
		if (strcmp(code, "TOOMANYREQUESTS") == 0)
			return (EX_TEMPFAIL);
	}
	if (status == 404)
		return (EX_NOINPUT);
	if (status == 401 || status == 403)
		return (EX_NOPERM);
	if (status == 408 || status == 429 || (status >= 500 && status < 600))
		return (EX_TEMPFAIL);
	return (EX_PROTOCOL);
}

/* A non-negative decimal number at *pp, advancing past it. */
static bool
read_i64(const char **pp, int64_t *out)
{
	const char *p = *pp;
	int64_t v = 0;

	if (!isdigit((unsigned char)*p))
		return (false);
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (INT64_MAX - 9) / 10)
			return (false);
		v = v * 10 + (*p - '0');
	}
	*pp = p;
	*out = v;
	return (true);
}

int
http_content_range_parse(const char *s, int64_t *firstp, int64_t *lastp,
    int64_t *totalp)
{
	const char *p = s;
	int64_t first = -1, last = -1, total = -1;

	if (s == NULL || strncasecmp(p, "bytes ", 6) != 0)
		return (-1);
	p += 6;
	while (*p == ' ')
		p++;
	if (*p == '*')
		p++;
	else if (!read_i64(&p, &first) || *p++ != '-' ||
	    !read_i64(&p, &last) || last < first)
		return (-1);
	if (*p++ != '/')
		return (-1);
	if (*p == '*' && first >= 0)
		p++;
	else if (!read_i64(&p, &total) || (last >= 0 && last >= total))
		return (-1);
	if (*p != '\0')
		return (-1);
	*firstp = first;
	*lastp = last;
	*totalp = total;
	return (0);
}

bool
http_status_retryable(long status)
{
	return (status == 408 || status == 429 || status == 500 ||
	    status == 502 || status == 503 || status == 504);
}

static int
membuf_begin(void *arg, const struct http_resp *resp, struct error *ep)
{
	struct http_membuf *mb = arg;

	mb->len = 0;
	if (mb->buf != NULL)
		mb->buf[0] = '\0';
	if (resp->content_length > (int64_t)mb->max)
		return (error_set(ep, EX_DATAERR, 0,
		    "%s of %lld bytes is larger than the limit of %zu",
		    mb->what != NULL ? mb->what : "response",
		    (long long)resp->content_length, mb->max));
	return (0);
}

static int
membuf_write(void *arg, const void *p, size_t len, struct error *ep)
{
	struct http_membuf *mb = arg;
	size_t want;

	if (len > mb->max - mb->len)
		return (error_set(ep, EX_DATAERR, 0,
		    "%s is larger than the limit of %zu bytes",
		    mb->what != NULL ? mb->what : "response", mb->max));
	if (mb->len + len + 1 > mb->cap) {
		want = mb->cap == 0 ? 16384 : mb->cap;
		while (want < mb->len + len + 1)
			want *= 2;
		if (want > mb->max + 1)
			want = mb->max + 1;
		mb->buf = xrealloc(mb->buf, want);
		mb->cap = want;
	}
	(void)memcpy(mb->buf + mb->len, p, len);
	mb->len += len;
	mb->buf[mb->len] = '\0';
	return (0);
}

void
http_membuf_sink(struct http_membuf *mb, struct http_sink *sink)
{
	sink->begin = membuf_begin;
	sink->write = membuf_write;
	sink->arg = mb;
}
