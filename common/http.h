/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HTTP layer under the registry client: one libcurl exchange at a time
 * (no redirects followed, no retries: registry.c decides those), plus the
 * pure helpers that the security rules depend on and that the unit tests
 * exercise: URL origins and the redirect credential rule, loopback and
 * insecure host lists, the address classifier for foreign URLs
 * (CVE-2020-15157), Retry-After, backoff, and registry error bodies.
 *
 * A struct http_client holds a CURLSH (connection, DNS and TLS session
 * caches, with mutex lock callbacks) and a pool of idle easy handles; it may
 * be used from several threads at once, each exchange on its own handle.
 */
#ifndef COMMON_HTTP_H
#define COMMON_HTTP_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct error;
struct curl_slist;

#define	HTTP_USER_AGENT		"berth/0.1"
#define	HTTP_MAX_REDIRECTS	5
#define	HTTP_ERRBODY_MAX	(64 * 1024)	/* error bodies kept */
#define	HTTP_HEADER_MAX		(16 * 1024)	/* longest header kept */

struct http_client;

/*
 * A client: ca_file (NULL: the system's bundle) and timeout (seconds
 * without progress, also the connect timeout) are copied.  Runs
 * curl_global_init() once per process (pthread_once).  Exits on OOM;
 * returns NULL with EX_SOFTWARE if libcurl cannot be set up.
 */
struct http_client *http_client_new(const char *, int, struct error *);
void	http_client_free(struct http_client *);

/* Counters over all exchanges of the client (all threads). */
int64_t	http_client_bytes(const struct http_client *);
int64_t	http_client_requests(const struct http_client *);

/* The response of one exchange.  Release with http_resp_release(). */
struct http_resp {
	long	 status;	/* 0 if no response was received */
	char	*ctype;		/* Content-Type as sent, or NULL */
	char	*dcd;		/* Docker-Content-Digest, or NULL */
	char	*location;	/* Location, or NULL */
	char	*www_auth;	/* all WWW-Authenticate values joined by ", " */
	char	*retry_after;	/* Retry-After, or NULL */
	char	*content_range;	/* Content-Range, or NULL */
	char	*range;		/* Range (upload progress), or NULL */
	int64_t	 content_length; /* -1 if absent */
	char	*errbody;	/* start of a non-2xx body (HTTP_ERRBODY_MAX) */
	size_t	 errlen;
	int64_t	 body_bytes;	/* 2xx body bytes handed to the sink */
	int	 curlcode;	/* CURLE_OK, or the transport error */
	char	 curlerr[256];	/* libcurl's message for curlcode */
	bool	 sink_failed;	/* the sink refused the body: see its error */
};

void	http_resp_release(struct http_resp *);

/*
 * Where a 2xx body goes.  begin() is called once per response before the
 * first byte (or at the end for an empty body) and may refuse it; write()
 * gets the bytes.  Both return 0, or -1 with *ep set to abort the exchange.
 */
struct http_sink {
	int	(*begin)(void *, const struct http_resp *, struct error *);
	int	(*write)(void *, const void *, size_t, struct error *);
	void	*arg;
};

/* A bounded in-memory sink: bodies over max bytes fail with EX_DATAERR. */
struct http_membuf {
	char	*buf;		/* NUL-terminated; caller frees */
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	const char *what;	/* "manifest", "token response" */
};
void	http_membuf_sink(struct http_membuf *, struct http_sink *);

/* One request. */
struct http_req {
	const char	*method;	/* "GET", "HEAD", "POST", "PUT", … */
	const char	*url;
	struct curl_slist *headers;	/* complete header lines, or NULL */
	const void	*body;		/* request body, or NULL */
	size_t		 bodylen;
	struct curl_slist *resolve;	/* CURLOPT_RESOLVE pins, or NULL */
	bool		 isolated;	/* a fresh handle outside the share and
					   the pool (no cached connection or
					   DNS entry is used or left behind) */
	struct http_sink *sink;		/* where a 2xx body goes, or NULL */
	long		 timeout_ms;	/* the whole exchange, 0: no limit
					   (but the client's timeout without
					   progress) */
};

/*
 * Send one request and receive its response, following no redirect.
 * Returns 0 once a response was received (whatever its status), -1 on a
 * transport error (resp->curlcode, message in *ep, exit class from
 * http_curl_exit()) or when the sink refused the body (resp->sink_failed,
 * the sink's error in *ep).  *resp is always initialised: release it.
 */
int	http_exchange(struct http_client *, const struct http_req *,
	    struct http_resp *, struct error *);

/*
 * True if a transport error (curl code and message, which may be NULL) is
 * worth retrying: timeout, refused, reset, truncated body, HTTP/2 stream
 * error, TLS handshake cut short.
 */
bool	http_curl_retryable(int, const char *);
/* The sysexits class of a transport error that will not be retried. */
int	http_curl_exit(int);

/*
 * An origin: lowercase scheme ("http"/"https"), lowercase host (IPv6 without
 * brackets) and port (the default one filled in).
 */
struct http_origin {
	char	scheme[8];
	char	host[256];
	int	port;
};

/*
 * Parse an absolute http(s) URL's origin.  EX_DATAERR for other schemes,
 * relative or malformed URLs.  userinfo is reported through *has_user
 * (may be NULL).
 */
int	http_origin_parse(const char *, struct http_origin *, bool *,
	    struct error *);

/*
 * The redirect credential rule: true only if both URLs parse and have the
 * same scheme, host and port.  Authorization headers are only ever sent
 * again to the same origin.
 */
bool	http_same_origin(const char *, const char *);

/*
 * Resolve the Location of a redirect against the URL that answered it into
 * an absolute URL (caller frees *outp), dropping any userinfo.  EX_PROTOCOL
 * for a non-http(s) target or an https to http downgrade.
 */
int	http_redirect_target(const char *, const char *, char **,
	    struct error *);

/*
 * True if "host[:port]" (IPv6 in brackets) is "localhost", an address in
 * 127.0.0.0/8 or ::1.  Names are not resolved.
 */
bool	http_host_is_loopback(const char *);

/*
 * True if "host[:port]" appears in the comma-separated list (entries are
 * host[:port], case-insensitive; an entry without a port matches every
 * port of that host).
 */
bool	http_host_in_list(const char *, const char *);

/*
 * True if a socket address is a public unicast address.  False for
 * loopback, link-local, private (10/8, 172.16/12, 192.168/16, 100.64/10,
 * fc00::/7, fec0::/10), unspecified, multicast, broadcast, reserved
 * (0/8, 240/4, ::/16 but for IPv4-mapped addresses), and for IPv6 forms
 * embedding such an IPv4 address (::ffff:0:0/96, 64:ff9b::/96, 2002::/16).
 */
bool	http_addr_is_public(const struct sockaddr *);

/*
 * Check that a foreign URL is http(s) without userinfo and that every
 * address its host resolves to is public; *resolvep receives the
 * CURLOPT_RESOLVE pin ("host:port:addr,…") of the checked addresses, so a
 * second resolution (DNS rebinding) cannot change them (free with
 * curl_slist_free_all(); NULL for an IP literal, which is not resolved).
 * Use it with an isolated request.  EX_DATAERR "refusing foreign layer
 * URL '…': …" otherwise.
 */
int	http_foreign_check(const char *, struct curl_slist **, struct error *);

/*
 * Parse a Retry-After value (delay-seconds, or an IMF-fixdate, RFC 850 or
 * asctime HTTP-date) relative to now into *delayp seconds (>= 0).
 * Returns -1 for garbage.
 */
int	http_retry_after_parse(const char *, time_t, long long *);

/*
 * Full-jitter exponential backoff in milliseconds for retry number n
 * (1 for the first retry): uniform in [0, min(cap, base * 2^(n-1))].
 */
long	http_backoff_ms(int, long, long);

/*
 * From a registry error body {"errors":[{"code":…,"message":…}]}, write
 * "CODE: message" (sanitised, without control characters) into buf and the
 * code alone into code.  Token server bodies are understood too: OAuth2's
 * {"error":…,"error_description":…} the same way, {"details":…} or
 * {"message":…} as a message without a code.  Both "" otherwise.
 */
void	http_registry_error(const char *, size_t, char *, size_t, char *,
	    size_t);

/*
 * The sysexits class of an HTTP error status and registry error code:
 * *_UNKNOWN or 404 EX_NOINPUT; UNAUTHORIZED, DENIED, OAuth2's
 * invalid_grant, invalid_client, unauthorized_client, 401, 403 EX_NOPERM;
 * TOOMANYREQUESTS, 408, 429, 5xx EX_TEMPFAIL; anything else EX_PROTOCOL.
 */
int	http_status_exit(long, const char *);

/*
 * Parse a Content-Range value "bytes FIRST-LAST/TOTAL", or "bytes STAR/TOTAL"
 * where STAR is a literal asterisk (then *firstp = *lastp = -1); TOTAL may
 * be an asterisk too (then *totalp = -1).
 * Returns -1 for anything else.
 */
int	http_content_range_parse(const char *, int64_t *, int64_t *,
	    int64_t *);

/* True for the statuses retried with backoff (408, 429, 500, 502-504). */
bool	http_status_retryable(long);

/*
 * Copy s into buf for a message: at most len - 1 bytes, control and
 * non-ASCII bytes replaced by '?', the query string of URLs hidden
 * ("?…") when hide_query is set.
 */
void	http_sanitize(const char *, char *, size_t, bool);

#endif /* COMMON_HTTP_H */
