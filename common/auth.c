/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Registry authentication data: the WWW-Authenticate parser, token server
 * URLs, bodies and responses, scopes, the token cache and base64.  Nothing
 * here touches the network.  Secrets (tokens, passwords, refresh tokens) are
 * cleared with explicit_bzero() before their memory is freed.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "common/auth.h"
#include "common/error.h"
#include "common/xalloc.h"

#define	TOKEN_MAX		(64 * 1024)
#define	TOKEN_DEFAULT_TTL	60
#define	CACHE_MAX		64

static bool
is_tchar(int c)
{
	return (c != '\0' && (isalnum(c) || strchr("!#$%&'*+-.^_`|~", c) !=
	    NULL));
}

static size_t
tok_len(const char *p)
{
	size_t n = 0;

	while (is_tchar((unsigned char)p[n]))
		n++;
	return (n);
}

static bool
is_token68(int c)
{
	return (c != '\0' && (isalnum(c) || strchr("-._~+/", c) != NULL));
}

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return (p);
}

/* True if p starts "token BWS = BWS (token / quoted-string)". */
static bool
is_param_start(const char *p)
{
	size_t n;

	p = skip_ws(p);
	if ((n = tok_len(p)) == 0)
		return (false);
	p = skip_ws(p + n);
	if (*p != '=')
		return (false);
	p = skip_ws(p + 1);
	return (*p == '"' || tok_len(p) > 0);
}

/*
 * Read a token or quoted-string value at *pp into dst (if not NULL) of
 * size len.  Returns 0, or -1 with what set to the problem.
 */
static int
read_value(const char **pp, char *dst, size_t len, const char **what)
{
	const char *p = *pp;
	size_t n = 0, t;

	if (*p != '"') {
		t = tok_len(p);
		if (dst != NULL) {
			if (t >= len) {
				*what = "too long";
				return (-1);
			}
			(void)memcpy(dst, p, t);
			dst[t] = '\0';
		}
		*pp = p + t;
		return (0);
	}
	for (p++;; p++) {
		if (*p == '\0') {
			*what = "unterminated quoted string";
			return (-1);
		}
		if (*p == '"')
			break;
		if (*p == '\\') {
			if (*++p == '\0') {
				*what = "unterminated quoted string";
				return (-1);
			}
		}
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			*what = "control character in quoted string";
			return (-1);
		}
		if (*p == 0x7f) {
			*what = "control character in quoted string";
			return (-1);
		}
		if (dst != NULL) {
			if (n + 1 >= len) {
				*what = "too long";
				return (-1);
			}
			dst[n++] = *p;
		}
	}
	if (dst != NULL)
		dst[n] = '\0';
	*pp = p + 1;
	return (0);
}

static const char *const param_names[] = {
	"realm", "service", "scope", "error"
};

int
auth_challenge_parse(const char *hdr, struct auth_challenge *out,
    struct error *ep)
{
	struct auth_challenge cur, bearer, basic;
	bool have_bearer = false, have_basic = false, first, seen[4];
	char unknown[33] = "", name[64], *dst;
	const char *p, *q, *what;
	size_t n, i, dlen;

	memset(out, 0, sizeof(*out));
	memset(&bearer, 0, sizeof(bearer));
	memset(&basic, 0, sizeof(basic));
	if (hdr == NULL || *skip_ws(hdr) == '\0')
		return (error_set(ep, EX_PROTOCOL, 0,
		    "empty WWW-Authenticate header"));
	if (strlen(hdr) > AUTH_HEADER_MAX)
		return (error_set(ep, EX_PROTOCOL, 0,
		    "WWW-Authenticate header longer than %d bytes",
		    AUTH_HEADER_MAX));
	p = hdr;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if ((n = tok_len(p)) == 0)
			return (error_set(ep, EX_PROTOCOL, 0,
			    "bad WWW-Authenticate header: unexpected '%c'",
			    isprint((unsigned char)*p) ? *p : '?'));
		memset(&cur, 0, sizeof(cur));
		memset(seen, 0, sizeof(seen));
		if (n == 5 && strncasecmp(p, "basic", 5) == 0)
			cur.scheme = AUTH_BASIC;
		else if (n == 6 && strncasecmp(p, "bearer", 6) == 0)
			cur.scheme = AUTH_BEARER;
		else if (unknown[0] == '\0')
			(void)snprintf(unknown, sizeof(unknown), "%.*s",
			    (int)(n < 32 ? n : 32), p);
		p += n;
		if (*p != ' ' && *p != '\t' && *p != ',' && *p != '\0')
			return (error_set(ep, EX_PROTOCOL, 0,
			    "bad WWW-Authenticate header: unexpected '%c' "
			    "after scheme", isprint((unsigned char)*p) ? *p :
			    '?'));
		for (first = true;; first = false) {
			p = skip_ws(p);
			if (*p == ',') {
				/* Another parameter, or the next challenge. */
				q = p;
				while (*q == ',' || *q == ' ' || *q == '\t')
					q++;
				if (first || !is_param_start(q))
					break;
				p = q;
			}
			if (*p == '\0')
				break;
			if (first && !is_param_start(p)) {
				/* token68 credentials (Negotiate and such). */
				while (is_token68((unsigned char)*p))
					p++;
				while (*p == '=')
					p++;
				p = skip_ws(p);
				if (*p != ',' && *p != '\0')
					return (error_set(ep, EX_PROTOCOL, 0,
					    "bad WWW-Authenticate header: "
					    "malformed parameters"));
				break;
			}
			if (!is_param_start(p))
				return (error_set(ep, EX_PROTOCOL, 0,
				    "bad WWW-Authenticate header: expected "
				    "name=value"));
			n = tok_len(p);
			(void)snprintf(name, sizeof(name), "%.*s",
			    (int)(n < sizeof(name) - 1 ? n :
			    sizeof(name) - 1), p);
			p = skip_ws(skip_ws(p + n) + 1);
			dst = NULL;
			dlen = 0;
			for (i = 0; i < 4; i++) {
				if (strcasecmp(name, param_names[i]) != 0)
					continue;
				if (seen[i])
					return (error_set(ep, EX_PROTOCOL, 0,
					    "bad WWW-Authenticate header: "
					    "duplicate parameter '%s'",
					    param_names[i]));
				seen[i] = true;
				switch (i) {
				case 0:
					dst = cur.realm;
					dlen = sizeof(cur.realm);
					break;
				case 1:
					dst = cur.service;
					dlen = sizeof(cur.service);
					break;
				case 2:
					dst = cur.scope;
					dlen = sizeof(cur.scope);
					break;
				default:
					dst = cur.error;
					dlen = sizeof(cur.error);
					break;
				}
			}
			if (read_value(&p, dst, dlen, &what) == -1)
				return (error_set(ep, EX_PROTOCOL, 0,
				    "bad WWW-Authenticate header: parameter "
				    "'%s': %s", name, what));
			p = skip_ws(p);
			if (*p != ',' && *p != '\0')
				return (error_set(ep, EX_PROTOCOL, 0,
				    "bad WWW-Authenticate header: expected ',' "
				    "after parameter '%s'", name));
		}
		if (cur.scheme == AUTH_BEARER && !have_bearer) {
			bearer = cur;
			have_bearer = true;
		} else if (cur.scheme == AUTH_BASIC && !have_basic) {
			basic = cur;
			have_basic = true;
		}
	}
	if (have_bearer) {
		if (bearer.realm[0] == '\0')
			return (error_set(ep, EX_PROTOCOL, 0,
			    "Bearer challenge without realm"));
		*out = bearer;
		return (0);
	}
	if (have_basic) {
		*out = basic;
		return (0);
	}
	if (unknown[0] != '\0')
		return (error_set(ep, EX_PROTOCOL, 0,
		    "unsupported authentication scheme '%s'", unknown));
	return (error_set(ep, EX_PROTOCOL, 0, "empty WWW-Authenticate header"));
}

int
auth_scope(const char *repo, const char *actions, char *buf, size_t len)
{
	const char *p;
	int n;

	if (repo == NULL || *repo == '\0')
		return (-1);
	if (actions == NULL || *actions == '\0')
		actions = "pull";
	for (p = repo; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return (-1);
	for (p = actions; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return (-1);
	n = snprintf(buf, len, "repository:%s:%s", repo, actions);
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

/*
 * Append "name=value", percent-encoded, to a query (separated by '?' or
 * '&' as needed) or, if form is set, to a form body (separated by '&').
 */
static void
append_param(char **sp, size_t *lenp, bool form, const char *name,
    const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *v;
	size_t need, i = *lenp;
	char *s, sep;

	if (form)
		sep = i == 0 ? '\0' : '&';
	else if (i > 0 && ((*sp)[i - 1] == '?' || (*sp)[i - 1] == '&'))
		sep = '\0';
	else
		sep = strchr(*sp, '?') != NULL ? '&' : '?';
	need = i + 2 + strlen(name) + 3 * strlen(value) + 1;
	s = xrealloc(*sp, need);
	if (sep != '\0')
		s[i++] = sep;
	(void)memcpy(s + i, name, strlen(name));
	i += strlen(name);
	s[i++] = '=';
	for (v = (const unsigned char *)value; *v != '\0'; v++) {
		if (isalnum(*v) || *v == '-' || *v == '.' || *v == '_' ||
		    *v == '~')
			s[i++] = (char)*v;
		else {
			s[i++] = '%';
			s[i++] = hex[*v >> 4];
			s[i++] = hex[*v & 15];
		}
	}
	s[i] = '\0';
	*sp = s;
	*lenp = i;
}

char *
auth_token_url(const char *realm, const char *service,
    const char *const *scopes, size_t nscopes, const char *account)
{
	char *s = xstrdup(realm), *hash;
	size_t len, i;

	/* A fragment would swallow the query: drop it. */
	if ((hash = strchr(s, '#')) != NULL)
		*hash = '\0';
	len = strlen(s);
	if (service != NULL && *service != '\0')
		append_param(&s, &len, false, "service", service);
	for (i = 0; i < nscopes; i++)
		if (scopes[i] != NULL && *scopes[i] != '\0')
			append_param(&s, &len, false, "scope", scopes[i]);
	if (account != NULL && *account != '\0')
		append_param(&s, &len, false, "account", account);
	return (s);
}

char *
auth_oauth_body(const char *service, const char *const *scopes,
    size_t nscopes, const char *refresh)
{
	size_t len = 0, i, slen = 1;
	char *s = xstrdup(""), *joined;

	for (i = 0; i < nscopes; i++)
		if (scopes[i] != NULL)
			slen += strlen(scopes[i]) + 1;
	joined = xcalloc(1, slen);
	for (i = 0; i < nscopes; i++) {
		if (scopes[i] == NULL || *scopes[i] == '\0')
			continue;
		if (*joined != '\0')
			(void)strcat(joined, " ");
		(void)strcat(joined, scopes[i]);
	}
	append_param(&s, &len, true, "grant_type", "refresh_token");
	if (service != NULL && *service != '\0')
		append_param(&s, &len, true, "service", service);
	if (*joined != '\0')
		append_param(&s, &len, true, "scope", joined);
	append_param(&s, &len, true, "client_id", "berth");
	append_param(&s, &len, true, "refresh_token", refresh);
	free(joined);
	return (s);
}

static bool
rfc3339_digits(const char **pp, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**pp))
			return (false);
		v = v * 10 + (*(*pp)++ - '0');
	}
	*out = v;
	return (true);
}

/* "2006-01-02T15:04:05[.frac](Z|±hh:mm)" into a time_t. */
static int
rfc3339_parse(const char *s, time_t *tp)
{
	struct tm tm;
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	const char *p = s;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (!rfc3339_digits(&p, 4, &y) || *p++ != '-' ||
	    !rfc3339_digits(&p, 2, &mo) || *p++ != '-' ||
	    !rfc3339_digits(&p, 2, &d) || (*p != 'T' && *p != 't'))
		return (-1);
	p++;
	if (!rfc3339_digits(&p, 2, &h) || *p++ != ':' ||
	    !rfc3339_digits(&p, 2, &mi) || *p++ != ':' ||
	    !rfc3339_digits(&p, 2, &se))
		return (-1);
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return (-1);
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (!rfc3339_digits(&p, 2, &oh) || *p++ != ':' ||
		    !rfc3339_digits(&p, 2, &om))
			return (-1);
	} else
		return (-1);
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 60 || oh > 23 || om > 59)
		return (-1);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	if ((t = timegm(&tm)) == (time_t)-1)
		return (-1);
	*tp = t - sign * (oh * 3600 + om * 60);
	return (0);
}

int
auth_token_parse(const char *buf, size_t len, time_t now, char **tokenp,
    long *lifetimep, struct error *ep)
{
	json_t *root, *jt, *je, *ji;
	const char *tok, *p;
	long ttl = TOKEN_DEFAULT_TTL;
	time_t issued;
	double d;

	*tokenp = NULL;
	*lifetimep = 0;
	if ((root = json_loadb(buf, len, 0, NULL)) == NULL)
		return (error_set(ep, EX_PROTOCOL, 0,
		    "token response is not valid JSON"));
	if (!json_is_object(root)) {
		json_decref(root);
		return (error_set(ep, EX_PROTOCOL, 0,
		    "token response is not a JSON object"));
	}
	jt = json_object_get(root, "token");
	if (!json_is_string(jt) || *json_string_value(jt) == '\0')
		jt = json_object_get(root, "access_token");
	if (!json_is_string(jt) || *(tok = json_string_value(jt)) == '\0') {
		json_decref(root);
		return (error_set(ep, EX_PROTOCOL, 0,
		    "token response has no token"));
	}
	/* The token goes into a header line: visible ASCII only. */
	for (p = tok; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			json_decref(root);
			return (error_set(ep, EX_PROTOCOL, 0,
			    "token response: token contains invalid "
			    "characters"));
		}
	if (strlen(tok) > TOKEN_MAX) {
		json_decref(root);
		return (error_set(ep, EX_PROTOCOL, 0,
		    "token response: token longer than %d bytes", TOKEN_MAX));
	}
	je = json_object_get(root, "expires_in");
	if (json_is_number(je)) {
		d = json_number_value(je);
		if (d >= 1 && d < 10 * 365 * 86400.0)
			ttl = (long)d;
	}
	ji = json_object_get(root, "issued_at");
	if (json_is_string(ji) &&
	    rfc3339_parse(json_string_value(ji), &issued) == 0 &&
	    issued < now) {
		/* Issued a while ago (by a caching token server). */
		ttl = now - issued >= ttl ? 0 : ttl - (long)(now - issued);
	}
	*tokenp = xstrdup(tok);
	*lifetimep = ttl;
	json_decref(root);
	return (0);
}

time_t
auth_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

struct cache_entry {
	char	*key;
	char	*token;
	time_t	 expires;
};

struct auth_cache {
	pthread_mutex_t		 mu;
	struct cache_entry	 e[CACHE_MAX];
	size_t			 n;
};

struct auth_cache *
auth_cache_new(void)
{
	struct auth_cache *c = xcalloc(1, sizeof(*c));

	(void)pthread_mutex_init(&c->mu, NULL);
	return (c);
}

static void
entry_clear(struct cache_entry *ce)
{
	free(ce->key);
	auth_secret_free(ce->token);
	ce->key = ce->token = NULL;
}

void
auth_cache_free(struct auth_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		entry_clear(&c->e[i]);
	(void)pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Remove entry i (lock held). */
static void
cache_remove(struct auth_cache *c, size_t i)
{
	entry_clear(&c->e[i]);
	c->e[i] = c->e[--c->n];
}

char *
auth_cache_get(struct auth_cache *c, const char *key, time_t now)
{
	char *tok = NULL;
	size_t i;

	(void)pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->n; i++) {
		if (strcmp(c->e[i].key, key) != 0)
			continue;
		if (now < c->e[i].expires)
			tok = xstrdup(c->e[i].token);
		else
			cache_remove(c, i);
		break;
	}
	(void)pthread_mutex_unlock(&c->mu);
	return (tok);
}

void
auth_cache_put(struct auth_cache *c, const char *key, const char *token,
    time_t now, long lifetime)
{
	long margin = lifetime / 10;
	size_t i, oldest = 0;

	if (margin > 30)
		margin = 30;
	if (lifetime - margin <= 0)
		return;
	(void)pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->n; i++)
		if (strcmp(c->e[i].key, key) == 0) {
			cache_remove(c, i);
			break;
		}
	/* Full: drop what has expired, else the entry expiring first. */
	for (i = 0; c->n == CACHE_MAX && i < c->n; i++)
		if (c->e[i].expires <= now)
			cache_remove(c, i--);
	if (c->n == CACHE_MAX) {
		for (i = 1; i < c->n; i++)
			if (c->e[i].expires < c->e[oldest].expires)
				oldest = i;
		cache_remove(c, oldest);
	}
	c->e[c->n].key = xstrdup(key);
	c->e[c->n].token = xstrdup(token);
	c->e[c->n].expires = now + lifetime - margin;
	c->n++;
	(void)pthread_mutex_unlock(&c->mu);
}

void
auth_cache_drop(struct auth_cache *c, const char *key, const char *token)
{
	size_t i;

	(void)pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->n; i++)
		if (strcmp(c->e[i].key, key) == 0) {
			if (token == NULL || strcmp(c->e[i].token, token) == 0)
				cache_remove(c, i);
			break;
		}
	(void)pthread_mutex_unlock(&c->mu);
}

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
auth_base64_encode(const void *src, size_t len)
{
	const unsigned char *s = src;
	char *out, *o;
	size_t i;
	unsigned v;

	o = out = xmalloc((len + 2) / 3 * 4 + 1);
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
		*o++ = b64chars[v >> 18];
		*o++ = b64chars[(v >> 12) & 63];
		*o++ = b64chars[(v >> 6) & 63];
		*o++ = b64chars[v & 63];
	}
	if (i < len) {
		v = (unsigned)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)s[i + 1] << 8;
		*o++ = b64chars[v >> 18];
		*o++ = b64chars[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return (out);
}

static int
b64val(int c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64chars, c)) == NULL)
		return (-1);
	return ((int)(p - b64chars));
}

char *
auth_base64_decode(const char *s, size_t *lenp)
{
	size_t len = strlen(s), pad = 0, i, n = 0;
	unsigned v = 0;
	char *out;
	int bits = 0, c;

	while (len > 0 && s[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (len % 4 == 1 || (pad > 0 && (len + pad) % 4 != 0))
		return (NULL);
	out = xmalloc(len / 4 * 3 + 3);
	for (i = 0; i < len; i++) {
		if ((c = b64val((unsigned char)s[i])) == -1) {
			explicit_bzero(out, n);
			free(out);
			return (NULL);
		}
		v = (v << 6 | (unsigned)c) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (char)(v >> bits);
		}
	}
	/* Leftover bits must be zero (canonical encoding). */
	if (bits > 0 && (v & ((1U << bits) - 1)) != 0) {
		explicit_bzero(out, n);
		free(out);
		return (NULL);
	}
	out[n] = '\0';
	if (lenp != NULL)
		*lenp = n;
	return (out);
}

char *
auth_basic_header(const char *user, const char *pass)
{
	char *pair, *b64, *hdr;

	pair = xasprintf("%s:%s", user, pass != NULL ? pass : "");
	b64 = auth_base64_encode(pair, strlen(pair));
	hdr = xasprintf("Authorization: Basic %s", b64);
	auth_secret_free(pair);
	auth_secret_free(b64);
	return (hdr);
}

void
auth_secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
