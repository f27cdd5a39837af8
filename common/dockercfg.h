/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Registry credentials from a Docker client configuration (config.json):
 * "auths" entries (base64 "auth", or "username"/"password", and
 * "identitytoken"), "credHelpers" (per host) and "credsStore" (default),
 * the helpers being run as `docker-credential-<name> get` with the server
 * URL on stdin.  The lookup order is Docker's: the host's credHelpers entry,
 * else credsStore, else the auths entry; a helper that has nothing for the
 * host (or is not installed, with a warning) falls back to the auths entry.
 */
#ifndef COMMON_DOCKERCFG_H
#define COMMON_DOCKERCFG_H

#include <stdbool.h>
#include <stddef.h>

struct error;

#define	DOCKERCFG_MAX		(1024 * 1024)	/* largest config.json */
#define	DOCKERCFG_HELPER_TIMEOUT 30000		/* milliseconds */

/*
 * Credentials for one host.  All NULL means anonymous.  identity_token is
 * an OAuth2 refresh token (config.json "identitytoken", or a helper's
 * Secret when its Username is "<token>"); username may then be NULL.
 */
struct dockercfg_creds {
	char	*username;
	char	*password;
	char	*identity_token;
	char	 source[128];	/* where they came from, for messages */
};

/* Clear (explicit_bzero) and free the strings; the struct may be reused. */
void	dockercfg_creds_clear(struct dockercfg_creds *);

/* True if there is anything to authenticate with. */
bool	dockercfg_creds_present(const struct dockercfg_creds *);

/*
 * The config.json to read into buf: path if not NULL, else
 * $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json (the password
 * database's home if HOME is unset).  Returns -1 (EX_CONFIG) if none can be
 * named or it does not fit.
 */
int	dockercfg_path(const char *, char *, size_t, struct error *);

/*
 * Look up credentials for host ("ghcr.io", "127.0.0.1:5000"; docker.io,
 * index.docker.io and registry-1.docker.io all mean Docker Hub) in the
 * config file at path (NULL: dockercfg_path()'s choice).  explicit says the
 * caller named the file: only then is a missing file an error.  Returns 0
 * with *c filled or empty (anonymous).  EX_CONFIG naming the file and the
 * problem for malformed configuration; EX_NOPERM if a helper fails.
 */
int	dockercfg_lookup(const char *, bool, const char *,
	    struct dockercfg_creds *, struct error *);

/*
 * The same on a config document already in memory; what names it in
 * messages.
 */
int	dockercfg_lookup_buf(const char *, size_t, const char *, const char *,
	    struct dockercfg_creds *, struct error *);

/*
 * True if a config key ("host", "https://host", "http://host/v1/", …)
 * designates host, comparing the host part case-insensitively; Docker Hub's
 * names are all equivalent.
 */
bool	dockercfg_key_matches(const char *, const char *);

/*
 * The server URL a helper is asked about: the host itself, but
 * "https://index.docker.io/v1/" for Docker Hub.
 */
const char *dockercfg_server_url(const char *);

/*
 * Decode an "auth" value (base64 of "user:password") into the creds.
 * EX_CONFIG naming what (the config entry) on bad base64 or a missing ':'.
 */
int	dockercfg_decode_auth(const char *, const char *,
	    struct dockercfg_creds *, struct error *);

/*
 * Run `docker-credential-<name> get` (found on PATH, no shell) with server
 * on stdin, waiting at most timeout milliseconds.  Returns 1 with *c filled
 * on success, 0 if the helper has no credentials for server ("credentials
 * not found"), 2 if the helper is not installed, -1 (EX_NOPERM) if it
 * failed, timed out or printed something that is not {"Username",
 * "Secret"}; EX_CONFIG for an invalid helper name.
 */
int	dockercfg_helper_get(const char *, const char *, int,
	    struct dockercfg_creds *, struct error *);

#endif /* COMMON_DOCKERCFG_H */
