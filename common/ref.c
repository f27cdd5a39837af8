/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Image references: a hand-written parser for the grammar of
 * distribution/reference (what docker and containerd accept), with docker's
 * normalisation of short names.  Every error says which part is wrong,
 * since "invalid reference format" alone helps nobody.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "common/digest.h"
#include "common/error.h"
#include "common/ref.h"

#define	DOCKER_DOMAIN	"docker.io"
#define	DOCKER_LEGACY	"index.docker.io"
#define	DOCKER_REGISTRY	"registry-1.docker.io"
#define	DOCKER_LIBRARY	"library/"

#define	NAME_MAX_LEN	255	/* domain + "/" + path */
#define	TAG_MAX_LEN	128
/* The longest valid reference: name ":" tag "@" digest, with room. */
#define	REF_MAX_LEN	(NAME_MAX_LEN + 1 + TAG_MAX_LEN + DIGEST_MAX + 16)

static int	bad_ref(struct error *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));

/* EX_USAGE "invalid reference format: <why>"; returns -1. */
static int
bad_ref(struct error *ep, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return (error_set(ep, EX_USAGE, 0, "invalid reference format: %s",
	    why));
}

static bool
is_digit(char c)
{
	return (c >= '0' && c <= '9');
}

static bool
is_lower_alnum(char c)
{
	return ((c >= 'a' && c <= 'z') || is_digit(c));
}

static bool
is_alnum(char c)
{
	return (is_lower_alnum(c) || (c >= 'A' && c <= 'Z'));
}

/* 1 to 5 digits, 1 to 65535. */
static bool
port_ok(const char *p)
{
	size_t i;
	long v = 0;

	for (i = 0; p[i] != '\0'; i++) {
		if (!is_digit(p[i]) || i >= 5)
			return (false);
		v = v * 10 + (p[i] - '0');
	}
	return (i > 0 && v >= 1 && v <= 65535);
}

/* domain-component ('.' domain-component)*, alnum with inner '-'. */
static bool
domain_name_ok(const char *h, size_t n)
{
	size_t i, start = 0;

	if (n == 0)
		return (false);
	for (i = 0; i <= n; i++) {
		if (i < n && h[i] != '.') {
			if (!is_alnum(h[i]) && h[i] != '-')
				return (false);
			continue;
		}
		/* A component h[start, i): non-empty, no '-' at the ends. */
		if (i == start || h[start] == '-' || h[i - 1] == '-')
			return (false);
		start = i + 1;
	}
	return (true);
}

/* host [':' port], host a domain name or a bracketed IPv6 literal. */
static int
check_domain(const char *d, struct error *ep)
{
	char b[80], addr[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	const char *close, *colon;
	size_t i, n;

	if (d[0] == '[') {
		if ((close = strchr(d, ']')) == NULL)
			return (bad_ref(ep, "domain '%s': unterminated IPv6 "
			    "address", error_shown(d, b, sizeof(b))));
		n = (size_t)(close - d - 1);
		for (i = 1; i <= n; i++)
			if (!((d[i] >= '0' && d[i] <= '9') ||
			    (d[i] >= 'a' && d[i] <= 'f') ||
			    (d[i] >= 'A' && d[i] <= 'F') || d[i] == ':'))
				break;
		if (n == 0 || n >= sizeof(addr) || i <= n)
			return (bad_ref(ep, "domain '%s': invalid IPv6 address",
			    error_shown(d, b, sizeof(b))));
		(void)memcpy(addr, d + 1, n);
		addr[n] = '\0';
		if (inet_pton(AF_INET6, addr, &a6) != 1)
			return (bad_ref(ep, "domain '%s': invalid IPv6 address",
			    error_shown(d, b, sizeof(b))));
		colon = close + 1;
		if (*colon != '\0' && *colon != ':')
			return (bad_ref(ep, "domain '%s': unexpected text "
			    "after the IPv6 address",
			    error_shown(d, b, sizeof(b))));
	} else {
		colon = strchr(d, ':');
		n = colon != NULL ? (size_t)(colon - d) : strlen(d);
		if (!domain_name_ok(d, n))
			return (bad_ref(ep, "invalid domain '%s'",
			    error_shown(d, b, sizeof(b))));
		if (colon == NULL)
			colon = d + n;
	}
	if (*colon == ':' && !port_ok(colon + 1))
		return (bad_ref(ep, "domain '%s': invalid port",
		    error_shown(d, b, sizeof(b))));
	return (0);
}

/*
 * One path component: [a-z0-9]+ ((?:[._]|__|[-]+) [a-z0-9]+)*.
 * c is NUL- or '/'-terminated; path is the whole path, for messages.
 */
static int
check_component(const char *c, size_t n, const char *path, struct error *ep)
{
	char b[300], comp[300];
	size_t i = 0, run;

	(void)snprintf(comp, sizeof(comp), "%.*s", (int)n, c);
	if (n == 0)
		return (bad_ref(ep, "repository name '%s' has an empty path "
		    "component (leading, trailing or double '/')",
		    error_shown(path, b, sizeof(b))));
	for (;;) {
		for (run = 0; i < n && is_lower_alnum(c[i]); i++)
			run++;
		if (run == 0 && i == 0)
			return (bad_ref(ep, "path component '%s' must start "
			    "with a lowercase letter or digit",
			    error_shown(comp, b, sizeof(b))));
		if (run == 0)
			return (bad_ref(ep, "invalid separator in path "
			    "component '%s' (one '.', one or two '_', or "
			    "dashes)", error_shown(comp, b, sizeof(b))));
		if (i == n)
			return (0);
		if (c[i] == '.')
			i++;
		else if (c[i] == '_') {
			i++;
			if (i < n && c[i] == '_')
				i++;
		} else if (c[i] == '-') {
			while (i < n && c[i] == '-')
				i++;
		} else if (c[i] >= 0x20 && c[i] < 0x7f)
			return (bad_ref(ep, "invalid character '%c' in "
			    "repository name '%s'", c[i],
			    error_shown(path, b, sizeof(b))));
		else
			return (bad_ref(ep, "invalid byte 0x%02x in repository "
			    "name '%s'", (unsigned char)c[i],
			    error_shown(path, b, sizeof(b))));
		if (i == n)
			return (bad_ref(ep, "path component '%s' must end with "
			    "a lowercase letter or digit",
			    error_shown(comp, b, sizeof(b))));
	}
}

static int
check_path(const char *path, struct error *ep)
{
	const char *c, *slash;
	size_t n;

	for (c = path;; c = slash + 1) {
		slash = strchr(c, '/');
		n = slash != NULL ? (size_t)(slash - c) : strlen(c);
		if (check_component(c, n, path, ep) == -1)
			return (-1);
		if (slash == NULL)
			return (0);
	}
}

static int
check_tag(const char *t, struct error *ep)
{
	char b[80];
	size_t i, n = strlen(t);

	if (n == 0)
		return (bad_ref(ep, "empty tag after ':'"));
	if (n > TAG_MAX_LEN)
		return (bad_ref(ep, "tag '%s' is longer than %d characters",
		    error_shown(t, b, sizeof(b)), TAG_MAX_LEN));
	for (i = 0; i < n; i++)
		if (!(is_alnum(t[i]) || t[i] == '_' ||
		    (i > 0 && (t[i] == '.' || t[i] == '-'))))
			return (bad_ref(ep, "invalid tag '%s' (letters, "
			    "digits, '_', '.' and '-', not first '.' or '-')",
			    error_shown(t, b, sizeof(b))));
	return (0);
}

static bool
is_image_id(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return (false);
	return (i == 64);
}

int
ref_parse(const char *s, struct ref *r, struct error *ep)
{
	char buf[REF_MAX_LEN + 1], b[300];
	char *name, *tag = NULL, *dig = NULL, *at, *colon, *slash;
	const char *domain, *rest;
	struct error de = ERROR_INIT;
	size_t len, i;
	bool lib;

	if (s == NULL || *s == '\0')
		return (bad_ref(ep, "empty reference"));
	if ((len = strlen(s)) > REF_MAX_LEN)
		return (bad_ref(ep, "reference '%s' is %zu bytes long",
		    error_shown(s, b, 64), len));
	(void)memcpy(buf, s, len + 1);

	/* name [":" tag] ["@" digest]: the digest first, it holds a ':'. */
	if ((at = strchr(buf, '@')) != NULL) {
		*at = '\0';
		dig = at + 1;
		if (*dig == '\0')
			return (bad_ref(ep, "empty digest after '@'"));
		if (digest_validate(dig, NULL, &de) == -1)
			return (bad_ref(ep, "%s", de.msg));
	}
	slash = strrchr(buf, '/');
	if ((colon = strchr(slash != NULL ? slash : buf, ':')) != NULL) {
		*colon = '\0';
		tag = colon + 1;
	}
	name = buf;
	if (*name == '\0')
		return (bad_ref(ep, "missing repository name in '%s'",
		    error_shown(s, b, sizeof(b))));

	/* The first component is a domain if it looks like a host name. */
	domain = DOCKER_DOMAIN;
	rest = name;
	if ((slash = strchr(name, '/')) != NULL) {
		*slash = '\0';
		if (strpbrk(name, ".:") != NULL ||
		    strcmp(name, "localhost") == 0) {
			if (check_domain(name, ep) == -1)
				return (-1);
			domain = strcmp(name, DOCKER_LEGACY) == 0 ?
			    DOCKER_DOMAIN : name;
			rest = slash + 1;
		} else
			*slash = '/';
	}
	if (rest == name && is_image_id(name))
		return (bad_ref(ep, "'%s' is an image ID (64 hexadecimal "
		    "digits), not a repository name", name));

	lib = strcmp(domain, DOCKER_DOMAIN) == 0 && strchr(rest, '/') == NULL;
	for (i = 0; rest[i] != '\0'; i++)
		if (rest[i] >= 'A' && rest[i] <= 'Z')
			return (bad_ref(ep, "repository name (%s%s) must be "
			    "lowercase", lib ? DOCKER_LIBRARY : "",
			    error_shown(rest, b, sizeof(b))));
	if (check_path(rest, ep) == -1)
		return (-1);
	len = strlen(domain) + 1 + (lib ? strlen(DOCKER_LIBRARY) : 0) +
	    strlen(rest);
	if (len > NAME_MAX_LEN)
		return (bad_ref(ep, "repository name must not be more than %d "
		    "characters (%s/%s%s is %zu)", NAME_MAX_LEN, domain,
		    lib ? DOCKER_LIBRARY : "", error_shown(rest, b, 40), len));
	if (tag != NULL && check_tag(tag, ep) == -1)
		return (-1);

	/* Every length was checked above: the copies fit. */
	(void)memset(r, 0, sizeof(*r));
	(void)memcpy(r->domain, domain, strlen(domain));
	i = 0;
	if (lib) {
		i = strlen(DOCKER_LIBRARY);
		(void)memcpy(r->path, DOCKER_LIBRARY, i);
	}
	(void)memcpy(r->path + i, rest, strlen(rest));
	if (tag != NULL)
		(void)memcpy(r->tag, tag, strlen(tag));
	else if (dig == NULL)
		(void)memcpy(r->tag, "latest", strlen("latest"));
	if (dig != NULL)
		(void)memcpy(r->digest, dig, strlen(dig));
	return (0);
}

int
ref_format(const struct ref *r, char *buf, size_t size)
{
	int n;

	n = snprintf(buf, size, "%s/%s%s%s%s%s", r->domain, r->path,
	    r->tag[0] != '\0' ? ":" : "", r->tag,
	    r->digest[0] != '\0' ? "@" : "", r->digest);
	return (n < 0 || (size_t)n >= size ? -1 : 0);
}

int
ref_format_name(const struct ref *r, char *buf, size_t size)
{
	int n;

	n = snprintf(buf, size, "%s/%s", r->domain, r->path);
	return (n < 0 || (size_t)n >= size ? -1 : 0);
}

const char *
ref_registry_host(const struct ref *r)
{
	if (strcmp(r->domain, DOCKER_DOMAIN) == 0)
		return (DOCKER_REGISTRY);
	return (r->domain);
}

bool
ref_host_is_loopback(const char *h)
{
	char host[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	struct in_addr a4;
	const char *end, *port;
	size_t n;
	bool v6 = false;

	if (h == NULL || *h == '\0')
		return (false);
	if (h[0] == '[') {
		v6 = true;
		if ((end = strchr(h, ']')) == NULL)
			return (false);
		port = end[1] == ':' ? end + 2 : NULL;
		if (end[1] != '\0' && port == NULL)
			return (false);
		h++;
	} else if ((end = strchr(h, ':')) != NULL &&
	    strchr(end + 1, ':') != NULL) {
		/* A bare IPv6 address, which cannot carry a port. */
		end = h + strlen(h);
		port = NULL;
		v6 = true;
	} else {
		end = end != NULL ? end : h + strlen(h);
		port = *end == ':' ? end + 1 : NULL;
	}
	if (port != NULL && !port_ok(port))
		return (false);
	if ((n = (size_t)(end - h)) == 0 || n >= sizeof(host))
		return (false);
	(void)memcpy(host, h, n);
	host[n] = '\0';
	if (!v6 && strcasecmp(host, "localhost") == 0)
		return (true);
	if (!v6 && inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127));
	return (false);
}
