/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A client for one OCI distribution registry (HTTP API v2) over libcurl:
 * connection reuse (HTTP/2 where offered), proxies from the environment,
 * TLS verification (custom CA bundle), plain HTTP for loopback hosts and
 * hosts listed as insecure; authentication (anonymous and credentialed
 * Bearer tokens from the WWW-Authenticate challenge, cached per scope; Basic;
 * ~/.docker/config.json auths, identitytoken, credsStore, credHelpers);
 * retries with exponential backoff and jitter for timeouts, resets,
 * truncated bodies and 408/429/5xx, honouring Retry-After; registry error
 * bodies mapped to sysexits (66 unknown, 77 denied/unauthorized, 75 too many
 * requests).  Credentials are only ever sent to the registry host itself,
 * never on a redirect to another host.
 *
 * A struct registry may be used from several threads at once.
 */
#ifndef COMMON_REGISTRY_H
#define COMMON_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"

struct error;
struct ingest;

struct registry_opts {
	const char	*ca_file;	/* CA bundle, or NULL for the system's */
	const char	*insecure;	/* comma-separated host[:port] list allowed
					   plain HTTP, or NULL */
	const char	*docker_config;	/* config.json path, or NULL for
					   $DOCKER_CONFIG/config.json, then
					   ~/.docker/config.json */
	const char	*username;	/* explicit credentials, or NULL */
	const char	*password;
	int		 max_tries;	/* attempts per request, 0: default 6 */
	int		 max_seconds;	/* retry budget per request, 0: 120 */
	int		 timeout;	/* seconds without progress, 0: 30 */
};

struct registry;

/*
 * A client for host ("registry-1.docker.io", "127.0.0.1:5000").  Nothing is
 * sent yet.  Credentials for the host are looked up here (EX_CONFIG for a
 * malformed config.json, EX_NOPERM if a credential helper fails).
 */
struct registry *registry_new(const char *, const struct registry_opts *,
	    struct error *);
void	registry_free(struct registry *);

/* "https://host" or "http://host". */
const char *registry_base_url(const struct registry *);

/*
 * GET /v2/<repo>/manifests/<reference> with the manifest Accept header.
 * On success *bufp (NUL-terminated, caller frees) holds at most
 * MANIFEST_MAX bytes, ctype[128] the Content-Type without parameters and
 * dch[DIGEST_MAX] the Docker-Content-Digest header ("" if absent).
 */
int	registry_get_manifest(struct registry *, const char *, const char *,
	    char **, size_t *, char *, char *, struct error *);

/* Called with the number of new bytes received, from the calling thread. */
typedef void (*registry_progress_fn)(void *, int64_t);

/*
 * GET /v2/<repo>/blobs/<digest> into the ingest, starting at
 * ingest_offset() with a Range request (restarting with ingest_reset() if
 * the server answers 200), retrying and resuming on transient failures.
 * Redirects are followed without credentials when they leave the host.
 * Does not commit the ingest.
 */
int	registry_get_blob(struct registry *, const char *, const char *,
	    struct ingest *, registry_progress_fn, void *, struct error *);

/*
 * Fetch a foreign layer from an absolute http(s) URL into the ingest,
 * never with credentials.  Refuses (EX_DATAERR) URLs whose host is, or
 * resolves to, a loopback, link-local, private, unspecified or multicast
 * address (CVE-2020-15157).
 */
int	registry_get_url(struct registry *, const char *, struct ingest *,
	    registry_progress_fn, void *, struct error *);

/* Bytes of response bodies received so far (all threads). */
int64_t	registry_bytes_received(const struct registry *);

/* HTTP requests sent so far, including token requests and retries. */
int64_t	registry_requests(const struct registry *);

#endif /* COMMON_REGISTRY_H */
