/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Image references, following the Docker/distribution reference grammar:
 *
 *	[domain[:port]/]path[:tag][@digest]
 *
 * Normalised as docker does: no domain means docker.io; a one-component
 * path on docker.io gets "library/"; "index.docker.io" becomes docker.io;
 * no tag and no digest means ":latest".  The domain is the first component
 * if it contains '.' or ':' or is "localhost".  Path components are
 * [a-z0-9]+ joined by '.', '_', '__' or runs of '-'; tags are
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; the whole name is at most 255 bytes.
 */
#ifndef COMMON_REF_H
#define COMMON_REF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/digest.h"

struct error;

struct ref {
	char	domain[256];	/* "docker.io", "127.0.0.1:5000" */
	char	path[256];	/* "library/alpine" */
	char	tag[129];	/* "3.20", or "" when only a digest was given */
	char	digest[DIGEST_MAX]; /* "sha256:…", or "" */
};

/*
 * Parse and normalise s into *r.  EX_USAGE with a message naming what is
 * wrong, all starting "invalid reference format: " (docker's "repository
 * name (library/Foo) must be lowercase", an empty path component, a bad
 * tag or digest, a name over 255 bytes, …).  A name of 64 hex digits
 * without a domain is refused: it is an image ID, not a repository.
 * *r is written only on success.
 */
int	ref_parse(const char *, struct ref *, struct error *);

/*
 * The full normalised name: "docker.io/library/alpine:3.20",
 * "host:5000/a/b@sha256:…" or "host/a:tag@sha256:…".  Returns 0, or -1 if
 * buf is too small.
 */
int	ref_format(const struct ref *, char *, size_t);

/* "domain/path" without tag or digest.  0, or -1 if buf is too small. */
int	ref_format_name(const struct ref *, char *, size_t);

/*
 * The host to talk to for r->domain: docker.io's registry is
 * "registry-1.docker.io"; every other domain is itself.
 */
const char *ref_registry_host(const struct ref *);

/*
 * True if the registry host (with optional port) is a loopback address or
 * "localhost", where plain HTTP is allowed without --insecure:
 * "localhost[:port]", 127.0.0.0/8 "[:port]", "[::1][:port]" or "::1".
 */
bool	ref_host_is_loopback(const char *);

#endif /* COMMON_REF_H */
