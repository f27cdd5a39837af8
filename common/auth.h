/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Registry authentication, the parts that are pure data: the
 * WWW-Authenticate challenge (RFC 9110 section 11.6.1), token server
 * requests and responses (the distribution token and OAuth2 flows), scopes,
 * a per-scope token cache safe to share between threads, Basic credentials
 * and base64.  The requests themselves are sent by registry.c.
 */
#ifndef COMMON_AUTH_H
#define COMMON_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct error;

enum auth_scheme {
	AUTH_NONE,
	AUTH_BASIC,
	AUTH_BEARER
};

#define	AUTH_HEADER_MAX		8192	/* longest challenge we parse */

/* The challenge we answer; the strings are unescaped and NUL-terminated. */
struct auth_challenge {
	enum auth_scheme scheme;
	char	realm[1024];
	char	service[256];
	char	scope[1024];	/* space-separated scopes, or "" */
	char	error[64];	/* "insufficient_scope", "invalid_token", … */
};

/*
 * Parse a WWW-Authenticate value (one or several challenges, as one header
 * or several joined by ", ") and pick Bearer, else Basic.  Schemes are
 * case-insensitive, parameter values tokens or quoted strings with
 * backslash escapes.  EX_PROTOCOL naming the problem for garbage, an
 * unterminated string, a duplicate or overlong parameter, a Bearer
 * challenge without realm, or no Bearer or Basic challenge at all.
 */
int	auth_challenge_parse(const char *, struct auth_challenge *,
	    struct error *);

/*
 * "repository:<repo>:<actions>" into buf (actions NULL means "pull").
 * Returns -1 if repo is empty or contains spaces or control characters,
 * or if buf is too small.
 */
int	auth_scope(const char *, const char *, char *, size_t);

/*
 * The token request URL: realm with service, each scope and account (any
 * may be NULL or "") appended as percent-encoded query parameters.
 * Caller frees.
 */
char	*auth_token_url(const char *, const char *, const char *const *,
	    size_t, const char *);

/*
 * The OAuth2 refresh-token form body (grant_type=refresh_token, service,
 * space-joined scopes, client_id=berth, refresh_token).  Caller clears
 * (explicit_bzero) and frees.
 */
char	*auth_oauth_body(const char *, const char *const *, size_t,
	    const char *);

/*
 * Parse a token server response: "token", else "access_token" (a
 * non-empty string of visible ASCII), "expires_in" (seconds; 60 if absent
 * or not positive) and "issued_at" (RFC 3339; shortens the lifetime if the
 * token was issued before now).  *tokenp is allocated (clear and free it);
 * *lifetimep is how many seconds from now the token stays valid (may be 0).
 * EX_PROTOCOL on bad JSON or no token.
 */
int	auth_token_parse(const char *, size_t, time_t, char **, long *,
	    struct error *);

/* Seconds on a monotonic clock, for the cache. */
time_t	auth_now(void);

/*
 * Token cache keyed by scope (the registry host is implied: one cache per
 * client).  Thread-safe.  A token is kept until its lifetime minus a
 * margin (a tenth of it, at most 30 s) has passed.
 */
struct auth_cache;
struct auth_cache *auth_cache_new(void);
/* Clears every token (explicit_bzero) and frees. */
void	auth_cache_free(struct auth_cache *);
/* A copy of the live token for key at monotonic time now, or NULL. */
char	*auth_cache_get(struct auth_cache *, const char *, time_t);
/* Store a token for key, obtained at now and valid for lifetime seconds. */
void	auth_cache_put(struct auth_cache *, const char *, const char *, time_t,
	    long);
/* Forget key's token if it still is token (after a 401 with it). */
void	auth_cache_drop(struct auth_cache *, const char *, const char *);

/*
 * "Authorization: Basic base64(user:password)" (caller clears and frees).
 */
char	*auth_basic_header(const char *, const char *);

/* Standard base64 with padding; caller frees. */
char	*auth_base64_encode(const void *, size_t);

/*
 * Decode standard base64 (padding optional, nothing else allowed) into a
 * NUL-terminated buffer the caller clears and frees.  Returns NULL for
 * invalid input.
 */
char	*auth_base64_decode(const char *, size_t *);

/* Clear a secret string with explicit_bzero() and free it (NULL is fine). */
void	auth_secret_free(char *);

#endif /* COMMON_AUTH_H */
