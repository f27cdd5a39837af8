/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Pod manifests (an appc PodManifest naming OCI images) and OCI image
 * configs: strict parsing where every error names the member's place
 * ("apps[1].app.exec: not an array of strings"), the JSON writer whose
 * output the parser reads back unchanged, an app's defaults from its
 * image config, and the pre-flight that pod-render runs before it creates
 * anything.  Pure data: nothing here touches the filesystem.
 */
#include <sys/types.h>

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "common/digest.h"
#include "common/error.h"
#include "common/jsonx.h"
#include "common/log.h"
#include "common/podspec.h"
#include "common/ref.h"
#include "common/sysfilter.h"
#include "common/xalloc.h"

#define	PLACE_MAX	160		/* "apps[12].app.mountPoints[3].name" */
#define	SHOWN_MAX	80		/* untrusted text quoted in a message */
/* uid_t and gid_t are 32 bits on both platforms; (uid_t)-1 means "none". */
#define	ID_MAX		4294967294LL
#define	PIDS_MAX	INT32_MAX
#define	HOSTNAME_MAX	63

#define	LABEL_ENV	"io.berth.env."
#define	LABEL_VOLUME	"io.berth.volume."
#define	LABEL_DEVFS	"io.berth.devfs."

#define	ISO_MEMORY	"resource/memory"
#define	ISO_CPU		"resource/cpu"
#define	ISO_PIDS	"io.berth/pids"

/* ---- Helpers for messages and places ---- */

/* The buffer lives until the end of the enclosing block (C11 6.5.2.5). */
#define	SHOW(s)	error_shown((s), (char[SHOWN_MAX]){ 0 }, SHOWN_MAX)

/*
 * Places are built by hand rather than with snprintf(): a place cut at
 * PLACE_MAX is harmless, and gcc's -Wformat-truncation cannot see that.
 */
static void
place_cat(char *buf, size_t *lenp, const char *s)
{
	size_t n;

	n = strlen(s);
	if (n > PLACE_MAX - 1 - *lenp)
		n = PLACE_MAX - 1 - *lenp;
	(void)memcpy(buf + *lenp, s, n);
	*lenp += n;
	buf[*lenp] = '\0';
}

static const char *
at_key(char *buf, const char *at, const char *key)
{
	size_t len = 0;

	buf[0] = '\0';
	place_cat(buf, &len, at);
	if (*at != '\0')
		place_cat(buf, &len, ".");
	place_cat(buf, &len, key);
	return (buf);
}

static const char *
at_idx(char *buf, const char *at, size_t i)
{
	char num[32];
	size_t len = 0;

	(void)snprintf(num, sizeof(num), "[%zu]", i);
	buf[0] = '\0';
	place_cat(buf, &len, at);
	place_cat(buf, &len, num);
	return (buf);
}

static int	bad(struct error *, const char *, const char *, ...)
	    __attribute__((__format__(__printf__, 3, 4)));

/* EX_DATAERR "place: message"; returns -1. */
static int
bad(struct error *ep, const char *at, const char *fmt, ...)
{
	va_list ap;
	char m[400];

	va_start(ap, fmt);
	(void)vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	return (error_set(ep, EX_DATAERR, 0, "%s: %s", at, m));
}

static const char *
type_wanted(json_type t)
{
	switch (t) {
	case JSON_OBJECT:
		return ("an object");
	case JSON_ARRAY:
		return ("an array");
	case JSON_STRING:
		return ("a string");
	case JSON_INTEGER:
		return ("an integer");
	default:
		return ("a boolean");
	}
}

/*
 * The member key of obj with type t: 1 and *vp, 0 if absent (or, for an
 * image config, null), -1 if of another type or absent though required.
 */
static int
get_typed(const json_t *obj, const char *at, const char *key, json_type t,
    bool req, bool null_ok, json_t **vp, struct error *ep)
{
	char p[PLACE_MAX];
	json_t *v;

	v = json_object_get(obj, key);
	if (v != NULL && null_ok && json_is_null(v))
		v = NULL;
	if (v == NULL)
		return (req ? bad(ep, at_key(p, at, key), "missing") : 0);
	if (json_typeof(v) != t)
		return (bad(ep, at_key(p, at, key), "expected %s, found %s",
		    type_wanted(t), jsonx_type_name(v)));
	*vp = v;
	return (1);
}

static int
get_str(const json_t *obj, const char *at, const char *key, bool req,
    const char **sp, struct error *ep)
{
	json_t *v = NULL;
	int r;

	if ((r = get_typed(obj, at, key, JSON_STRING, req, false, &v,
	    ep)) == 1)
		*sp = json_string_value(v);
	return (r);
}

/* A string that must not be empty. */
static int
get_nstr(const json_t *obj, const char *at, const char *key, bool req,
    const char **sp, struct error *ep)
{
	char p[PLACE_MAX];
	int r;

	if ((r = get_str(obj, at, key, req, sp, ep)) == 1 && **sp == '\0')
		return (bad(ep, at_key(p, at, key), "empty"));
	return (r);
}

static int
get_bool(const json_t *obj, const char *at, const char *key, bool *bp,
    struct error *ep)
{
	char p[PLACE_MAX];
	json_t *v;

	if ((v = json_object_get(obj, key)) == NULL)
		return (0);
	if (!json_is_boolean(v))
		return (bad(ep, at_key(p, at, key),
		    "expected a boolean, found %s", jsonx_type_name(v)));
	*bp = json_is_true(v);
	return (1);
}

static int
get_int(const json_t *obj, const char *at, const char *key, bool req,
    int64_t min, int64_t max, int64_t *np, struct error *ep)
{
	char p[PLACE_MAX];
	json_t *v = NULL;
	json_int_t n;
	int r;

	if ((r = get_typed(obj, at, key, JSON_INTEGER, req, false, &v,
	    ep)) != 1)
		return (r);
	n = json_integer_value(v);
	if (n < min || n > max)
		return (bad(ep, at_key(p, at, key),
		    "%lld is out of range (%lld to %lld)", (long long)n,
		    (long long)min, (long long)max));
	*np = (int64_t)n;
	return (1);
}

/* An array of at most POD_LIST_MAX entries. */
static int
get_arr(const json_t *obj, const char *at, const char *key, bool req,
    json_t **vp, struct error *ep)
{
	char p[PLACE_MAX];
	int r;

	if ((r = get_typed(obj, at, key, JSON_ARRAY, req, false, vp,
	    ep)) == 1 && json_array_size(*vp) > POD_LIST_MAX)
		return (bad(ep, at_key(p, at, key), "%zu entries, more than %d",
		    json_array_size(*vp), POD_LIST_MAX));
	return (r);
}

/* v, at place at, must be an object. */
static int
want_object(const json_t *v, const char *at, struct error *ep)
{
	if (!json_is_object(v))
		return (bad(ep, at, "expected an object, found %s",
		    jsonx_type_name(v)));
	return (0);
}

/*
 * The optional member key of obj as a list (an array of at most
 * POD_LIST_MAX objects): 1, *arrp and the list's place in p if it has
 * entries; 0 if absent or empty; -1 on error.  Each entry goes through
 * list_entry().
 */
static int
get_list(const json_t *obj, const char *at, const char *key, char *p,
    json_t **arrp, struct error *ep)
{
	int rc;

	if ((rc = get_arr(obj, at, key, false, arrp, ep)) <= 0)
		return (rc);
	(void)at_key(p, at, key);
	return (json_array_size(*arrp) > 0 ? 1 : 0);
}

/* Entry i of the list at place p: its place into q; it must be an object. */
static int
list_entry(const json_t *it, const char *p, size_t i, char *q,
    struct error *ep)
{
	return (want_object(it, at_idx(q, p, i), ep));
}

/* The optional non-empty string member key of obj, copied into *dp. */
static int
get_nstr_dup(const json_t *obj, const char *at, const char *key, char **dp,
    struct error *ep)
{
	const char *s;
	int rc;

	if ((rc = get_nstr(obj, at, key, false, &s, ep)) == 1)
		*dp = xstrdup(s);
	return (rc);
}

/* Copy the array of strings v (place p) into a new vector. */
static int
strv_copy(const json_t *v, const char *p, char ***vp, size_t *np,
    struct error *ep)
{
	json_t *it;
	size_t i;

	if (!json_is_array(v))
		return (bad(ep, p, "not an array of strings (%s)",
		    jsonx_type_name(v)));
	if (json_array_size(v) > POD_LIST_MAX)
		return (bad(ep, p, "%zu entries, more than %d",
		    json_array_size(v), POD_LIST_MAX));
	json_array_foreach(v, i, it) {
		if (!json_is_string(it))
			return (bad(ep, p, "not an array of strings "
			    "(entry %zu is %s)", i, jsonx_type_name(it)));
	}
	*np = 0;
	*vp = NULL;
	if (json_array_size(v) == 0)
		return (0);
	*vp = xcalloc(json_array_size(v), sizeof(**vp));
	json_array_foreach(v, i, it)
		(*vp)[(*np)++] = xstrdup(json_string_value(it));
	return (0);
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char **
strv_dup(char *const *v, size_t n)
{
	char **r;
	size_t i;

	if (n == 0)
		return (NULL);
	r = xcalloc(n, sizeof(*r));
	for (i = 0; i < n; i++)
		r[i] = xstrdup(v[i]);
	return (r);
}

static _Noreturn void
oom(void)
{
	log_fatal(EX_OSERR, "out of memory");
	exit(EX_OSERR);
}

/* Building JSON fails only when memory runs out: treat it like xmalloc. */
static json_t *
jnew(json_t *v)
{
	if (v == NULL)
		oom();
	return (v);
}

static void
jset(json_t *obj, const char *key, json_t *v)
{
	if (json_object_set_new(obj, key, jnew(v)) == -1)
		oom();
}

static void
jpush(json_t *arr, json_t *v)
{
	if (json_array_append_new(arr, jnew(v)) == -1)
		oom();
}

/* Set member key of obj to the array arr if it has entries; else drop it. */
static void
jset_list(json_t *obj, const char *key, json_t *arr)
{
	if (json_array_size(jnew(arr)) > 0)
		jset(obj, key, arr);
	else
		json_decref(arr);
}

/* ---- Names and paths ---- */

bool
podspec_name_valid(const char *s)
{
	size_t i, n;

	n = strlen(s);
	if (n == 0 || n > POD_NAME_MAX)
		return (false);
	for (i = 0; i < n; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9'))
			continue;
		if (s[i] == '-' && i > 0 && i + 1 < n && s[i - 1] != '-')
			continue;
		return (false);
	}
	return (true);
}

bool
podspec_path_valid(const char *s)
{
	const char *p;
	size_t len, n;

	n = strlen(s);
	if (n == 0 || n >= PATH_MAX || s[0] != '/')
		return (false);
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return (false);
	if (n == 1)
		return (true);
	for (p = s + 1;; p += len + 1) {
		len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return (false);
		if (p[len] == '\0')
			return (true);
	}
}

/* An environment variable name: not empty, no '=', printable. */
static bool
env_name_valid(const char *s)
{
	const char *p;

	if (*s == '\0')
		return (false);
	for (p = s; *p != '\0'; p++)
		if (*p == '=' || (unsigned char)*p <= 0x20 || *p == 0x7f)
			return (false);
	return (true);
}

/* The names image labels may guard: [A-Za-z_][A-Za-z0-9_]*. */
static bool
env_label_name_valid(const char *s)
{
	const char *p;

	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	    *s == '_'))
		return (false);
	for (p = s + 1; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			return (false);
	return (true);
}

/* RFC 1123 host name, at most HOSTNAME_MAX bytes (one UTS name). */
static bool
hostname_valid(const char *s)
{
	size_t i, n, lab;

	n = strlen(s);
	if (n == 0 || n > HOSTNAME_MAX)
		return (false);
	for (i = 0, lab = 0; i < n; i++) {
		if (s[i] == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return (false);
			lab = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] == '-' && lab > 0)))
			return (false);
		lab++;
	}
	return (lab > 0 && s[n - 1] != '-');
}

/* name, member key of the object at place at, must be an AC Name. */
static int
need_acname(const char *at, const char *key, const char *name,
    struct error *ep)
{
	char p[PLACE_MAX];

	if (!podspec_name_valid(name))
		return (bad(ep, at_key(p, at, key), "'%s' is not an AC Name",
		    SHOW(name)));
	return (0);
}

/* path, member key of the object at place at, must be podspec_path_valid. */
static int
need_path(const char *at, const char *key, const char *path,
    struct error *ep)
{
	char p[PLACE_MAX];

	if (!podspec_path_valid(path))
		return (bad(ep, at_key(p, at, key),
		    "'%s' is not a clean absolute path", SHOW(path)));
	return (0);
}

/*
 * Clean an image path the way Go's path.Clean does (images are built by
 * tools that write "/data/" or "/a/./b"): NULL unless absolute, printable
 * and short enough.  Caller frees.
 */
static char *
clean_path(const char *s)
{
	const char *p;
	char *out;
	size_t len, o;

	if (s[0] != '/' || strlen(s) >= PATH_MAX)
		return (NULL);
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return (NULL);
	out = xmalloc(strlen(s) + 2);
	o = 0;
	for (p = s; *p != '\0'; p += len) {
		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.'))
			continue;
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		out[o++] = '/';
		(void)memcpy(out + o, p, len);
		o += len;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return (out);
}

/* ---- Quantities ---- */

/*
 * ceil(r * mult / den) for r < den <= 10^18 without overflow: long
 * division, one factor of the base (2 or 10) at a time.
 */
static uint64_t
frac_part(uint64_t r, uint64_t den, unsigned base, unsigned exp)
{
	uint64_t acc = 0;
	unsigned i;

	for (i = 0; i < exp; i++) {
		r *= base;		/* < 10 * 10^18 < 2^64 */
		acc = acc * base + r / den;
		r %= den;
	}
	return (acc + (r != 0 ? 1 : 0));
}

/*
 * A decimal number "I[.F]" scaled by base^exp, rounded up: -1 on syntax
 * error, -2 on overflow.  *endp is what follows the number.
 */
static int
scaled(const char *s, unsigned base, unsigned exp, const char **endp,
    int64_t *out)
{
	uint64_t ip = 0, fp = 0, den = 1, mult = 1, frac;
	const char *p = s;
	unsigned i, nd = 0;

	if (*p < '0' || *p > '9')
		return (-1);
	for (; *p >= '0' && *p <= '9'; p++) {
		if (ip > (uint64_t)INT64_MAX / 10)
			return (-2);
		ip = ip * 10 + (uint64_t)(*p - '0');
		if (ip > (uint64_t)INT64_MAX)
			return (-2);
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return (-1);
		for (; *p >= '0' && *p <= '9'; p++) {
			if (nd == 18)
				return (-1);
			fp = fp * 10 + (uint64_t)(*p - '0');
			den *= 10;
			nd++;
		}
	}
	for (i = 0; i < exp; i++)
		mult *= base;
	frac = fp == 0 ? 0 : frac_part(fp, den, base, exp);
	if (ip != 0 && (ip > (uint64_t)INT64_MAX / mult ||
	    ip * mult > (uint64_t)INT64_MAX - frac))
		return (-2);
	if (frac > (uint64_t)INT64_MAX)
		return (-2);
	*out = (int64_t)(ip * mult + frac);
	*endp = p;
	return (0);
}

int
podspec_parse_quantity(const char *s, int64_t *out, struct error *ep)
{
	static const struct {
		const char	*suffix;
		unsigned	 base, exp;
	} units[] = {
		{ "", 10, 0 },
		{ "k", 10, 3 }, { "K", 10, 3 }, { "M", 10, 6 },
		{ "G", 10, 9 }, { "T", 10, 12 }, { "P", 10, 15 },
		{ "E", 10, 18 },
		{ "Ki", 2, 10 }, { "Mi", 2, 20 }, { "Gi", 2, 30 },
		{ "Ti", 2, 40 }, { "Pi", 2, 50 }, { "Ei", 2, 60 },
	};
	const char *end;
	int64_t v;
	size_t i, n;
	int r;

	/* Find the suffix first: the number's scale depends on it. */
	n = strspn(s, "0123456789.");
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + n, units[i].suffix) != 0)
			continue;
		r = scaled(s, units[i].base, units[i].exp, &end, &v);
		if (r == -2)
			return (error_set(ep, EX_DATAERR, 0,
			    "quantity '%s' is too large", SHOW(s)));
		if (r == 0 && end == s + n) {
			if (v > PODSPEC_MEMORY_MAX)
				return (error_set(ep, EX_DATAERR, 0,
				    "quantity '%s' is too large", SHOW(s)));
			*out = v;
			return (0);
		}
		break;
	}
	return (error_set(ep, EX_DATAERR, 0, "'%s' is not a quantity "
	    "(such as 512M, 1Gi or 1000000)", SHOW(s)));
}

int
podspec_parse_cpu(const char *s, int64_t *out, struct error *ep)
{
	const char *end, *dot;
	int64_t v;
	size_t n, nf;
	int r;

	n = strspn(s, "0123456789.");
	if (strcmp(s + n, "m") == 0) {
		if (memchr(s, '.', n) != NULL)
			return (error_set(ep, EX_DATAERR, 0,
			    "cpu '%s': precision finer than 1m", SHOW(s)));
		r = scaled(s, 10, 0, &end, &v);
	} else if (s[n] == '\0') {
		r = scaled(s, 10, 3, &end, &v);
		/* Anything past three decimals would be rounded silently. */
		dot = memchr(s, '.', n);
		if (r == 0 && dot != NULL && (nf = strlen(dot + 1)) > 3 &&
		    strspn(dot + 4, "0") != nf - 3)
			return (error_set(ep, EX_DATAERR, 0,
			    "cpu '%s': precision finer than 1m", SHOW(s)));
	} else
		r = -1;
	if (r == -2 || (r == 0 && v > PODSPEC_CPU_MAX))
		return (error_set(ep, EX_DATAERR, 0, "cpu '%s' is too large",
		    SHOW(s)));
	if (r == -1 || end != s + n)
		return (error_set(ep, EX_DATAERR, 0, "'%s' is not a cpu "
		    "quantity (such as 500m, 2 or 0.5)", SHOW(s)));
	*out = v;
	return (0);
}

/* ---- ZFS hints of an empty volume ---- */

static bool
zfs_hint_valid(const char *s)
{
	const char *v;
	char *end;
	unsigned long long n;

	if (strncmp(s, "compression=", 12) == 0) {
		v = s + 12;
		return (*v != '\0' && strlen(v) <= 32 &&
		    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
		    strlen(v));
	}
	if (strncmp(s, "atime=", 6) == 0)
		return (strcmp(s + 6, "on") == 0 || strcmp(s + 6, "off") == 0);
	if (strncmp(s, "recordsize=", 11) == 0) {
		v = s + 11;
		if (*v < '1' || *v > '9')
			return (false);
		n = strtoull(v, &end, 10);
		if (*end == 'K' || *end == 'k')
			n <<= 10, end++;
		else if (*end == 'M' || *end == 'm')
			n <<= 20, end++;
		return (*end == '\0' && n >= 512 && n <= (16ULL << 20) &&
		    (n & (n - 1)) == 0);
	}
	return (false);
}

/* The property name of a hint ("compression" of "compression=lz4"). */
static bool
zfs_same_prop(const char *a, const char *b)
{
	size_t la = strcspn(a, "="), lb = strcspn(b, "=");

	return (la == lb && strncmp(a, b, la) == 0);
}

/* ---- Pod manifest: parsing ---- */

enum kv_kind {
	KV_PLAIN,
	KV_ENV
};

/* A list of {name, value} (environment, labels, annotations). */
static int
parse_kvs(const json_t *obj, const char *at, const char *key,
    enum kv_kind kind, struct pod_kv **kvp, size_t *np, struct error *ep)
{
	char p[PLACE_MAX], q[PLACE_MAX], r[PLACE_MAX];
	const char *name = NULL, *value = NULL;
	json_t *arr, *it;
	size_t i, j;
	int rc;

	if ((rc = get_list(obj, at, key, p, &arr, ep)) <= 0)
		return (rc);
	*kvp = xcalloc(json_array_size(arr), sizeof(**kvp));
	json_array_foreach(arr, i, it) {
		if (list_entry(it, p, i, q, ep) == -1 ||
		    get_nstr(it, q, "name", true, &name, ep) == -1 ||
		    get_str(it, q, "value", true, &value, ep) == -1)
			return (-1);
		if (kind == KV_ENV && !env_name_valid(name))
			return (bad(ep, at_key(r, q, "name"),
			    "'%s' is not a variable name", SHOW(name)));
		for (j = 0; j < *np; j++)
			if (strcmp((*kvp)[j].name, name) == 0)
				return (bad(ep, at_key(r, q, "name"),
				    "duplicate name '%s'", SHOW(name)));
		(*kvp)[*np].name = xstrdup(name);
		(*kvp)[*np].value = xstrdup(value);
		(*np)++;
	}
	return (0);
}

/* The "limit" of a resource isolator's value as a string (or integer). */
static int
iso_limit_text(const json_t *value, const char *at, char *buf, size_t size,
    struct error *ep)
{
	char p[PLACE_MAX];
	json_t *lim;

	if (want_object(value, at, ep) == -1)
		return (-1);
	(void)at_key(p, at, "limit");
	if ((lim = json_object_get(value, "limit")) == NULL)
		return (bad(ep, p, "missing"));
	if (json_is_integer(lim))
		(void)snprintf(buf, size, "%lld",
		    (long long)json_integer_value(lim));
	else if (json_is_string(lim))
		(void)snprintf(buf, size, "%s", json_string_value(lim));
	else
		return (bad(ep, p, "expected a string, found %s",
		    jsonx_type_name(lim)));
	return (0);
}

/*
 * The limit of a resource isolator's value (place at) read by parse
 * (podspec_parse_quantity or podspec_parse_cpu) into *np: more than 0.
 */
static int
iso_quantity(const json_t *value, const char *at,
    int (*parse)(const char *, int64_t *, struct error *), int64_t *np,
    struct error *ep)
{
	char p[PLACE_MAX], lim[64];
	int64_t n;

	if (iso_limit_text(value, at, lim, sizeof(lim), ep) == -1)
		return (-1);
	(void)at_key(p, at, "limit");
	if (parse(lim, &n, ep) == -1)
		return (error_wrap(ep, "%s", p));
	if (n == 0)
		return (bad(ep, p, "must be more than 0"));
	*np = n;
	return (0);
}

/* A seccomp isolator's value (place at): one of the two, well formed. */
static int
iso_seccomp(const json_t *value, const char *at, const char *name,
    struct pod_limits *l, struct error *ep)
{
	struct sysfilter f;

	if (l->seccomp != NULL)
		return (bad(ep, at, "'%s' and '%s' exclude each other",
		    SYSFILTER_RETAIN, SYSFILTER_REMOVE));
	l->seccomp_retain = strcmp(name, SYSFILTER_RETAIN) == 0;
	if (sysfilter_from_isolator(l->seccomp_retain, value, &f, ep) == -1)
		return (error_wrap(ep, "%s", at));
	sysfilter_release(&f);
	l->seccomp = json_incref((json_t *)value);
	return (0);
}

static int
parse_isolators(const json_t *obj, const char *at, struct pod_limits *l,
    struct error *ep)
{
	char p[PLACE_MAX], q[PLACE_MAX], r[PLACE_MAX];
	const char *name;
	json_t *arr, *it, *value, *prev;
	size_t i, j;
	int rc;

	if ((rc = get_list(obj, at, "isolators", p, &arr, ep)) <= 0)
		return (rc);
	json_array_foreach(arr, i, it) {
		if (list_entry(it, p, i, q, ep) == -1 ||
		    get_nstr(it, q, "name", true, &name, ep) == -1)
			return (-1);
		if ((value = json_object_get(it, "value")) == NULL)
			return (bad(ep, at_key(r, q, "value"), "missing"));
		/* Two entries of one name: which would win is a guess. */
		for (j = 0; j < i; j++) {
			prev = json_object_get(json_array_get(arr, j), "name");
			if (strcmp(json_string_value(prev), name) == 0)
				return (bad(ep, at_key(r, q, "name"),
				    "duplicate isolator '%s'", SHOW(name)));
		}
		(void)at_key(r, q, "value");
		if (strcmp(name, ISO_MEMORY) == 0)
			rc = iso_quantity(value, r, podspec_parse_quantity,
			    &l->memory, ep);
		else if (strcmp(name, ISO_CPU) == 0)
			rc = iso_quantity(value, r, podspec_parse_cpu,
			    &l->cpu_millis, ep);
		else if (strcmp(name, ISO_PIDS) == 0)
			rc = want_object(value, r, ep) == -1 ? -1 :
			    get_int(value, r, "limit", true, 1, PIDS_MAX,
			    &l->pids, ep);
		else if (strcmp(name, SYSFILTER_RETAIN) == 0 ||
		    strcmp(name, SYSFILTER_REMOVE) == 0)
			rc = iso_seccomp(value, r, name, l, ep);
		else if (strcmp(name, SYSFILTER_NNP) == 0) {
			if (!json_is_boolean(value))
				return (bad(ep, r, "expected a boolean, found "
				    "%s", jsonx_type_name(value)));
			l->has_nnp = true;
			l->nnp = json_is_true(value);
			rc = 0;
		} else {
			l->other = xreallocarray(l->other, l->nother + 1,
			    sizeof(*l->other));
			l->other[l->nother].name = xstrdup(name);
			l->other[l->nother].value = json_incref(value);
			l->nother++;
			rc = 0;
		}
		if (rc == -1)
			return (-1);
	}
	return (0);
}

static int
parse_image(struct pod_app *a, const json_t *app, const char *at,
    struct error *ep)
{
	char p[PLACE_MAX], q[PLACE_MAX];
	const char *name, *id = NULL;
	struct ref r;
	json_t *img;
	size_t n;

	if (get_typed(app, at, "image", JSON_OBJECT, true, false, &img,
	    ep) == -1)
		return (-1);
	(void)at_key(p, at, "image");
	if (get_nstr(img, p, "name", true, &name, ep) == -1)
		return (-1);
	if (ref_parse(name, &r, ep) == -1) {
		ep->exit = EX_DATAERR;
		return (error_wrap(ep, "%s", at_key(q, p, "name")));
	}
	a->image_name = xstrdup(name);
	if (get_nstr(img, p, "id", false, &id, ep) == -1)
		return (-1);
	if (id != NULL) {
		(void)at_key(q, p, "id");
		/* appc ids are "sha512-<hex>" of an ACI: not what we store. */
		n = strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789");
		if (n > 0 && id[n] == '-')
			return (bad(ep, q, "'%s' is an appc image id; an OCI "
			    "manifest digest (\"sha256:...\") is wanted",
			    SHOW(id)));
		if (digest_validate(id, NULL, ep) == -1)
			return (error_wrap(ep, "%s", q));
		a->image_id = xstrdup(id);
	}
	return (parse_kvs(img, p, "labels", KV_PLAIN, &a->image_labels,
	    &a->nimage_labels, ep));
}

static int
parse_mountpoints(struct pod_app *a, const json_t *app, const char *at,
    struct error *ep)
{
	char p[PLACE_MAX], q[PLACE_MAX], r[PLACE_MAX];
	struct pod_mountpoint *mp;
	const char *name, *path;
	json_t *arr, *it;
	size_t i, j;
	int rc;

	if ((rc = get_list(app, at, "mountPoints", p, &arr, ep)) <= 0)
		return (rc);
	a->mountpoints = xcalloc(json_array_size(arr), sizeof(*mp));
	json_array_foreach(arr, i, it) {
		if (list_entry(it, p, i, q, ep) == -1 ||
		    get_nstr(it, q, "name", true, &name, ep) == -1 ||
		    get_nstr(it, q, "path", true, &path, ep) == -1 ||
		    need_acname(q, "name", name, ep) == -1 ||
		    need_path(q, "path", path, ep) == -1)
			return (-1);
		for (j = 0; j < a->nmountpoints; j++) {
			if (strcmp(a->mountpoints[j].name, name) == 0)
				return (bad(ep, at_key(r, q, "name"),
				    "duplicate mountPoint '%s'", name));
			if (strcmp(a->mountpoints[j].path, path) == 0)
				return (bad(ep, at_key(r, q, "path"),
				    "'%s' is also mountPoint '%s'", SHOW(path),
				    a->mountpoints[j].name));
		}
		mp = &a->mountpoints[a->nmountpoints++];
		mp->name = xstrdup(name);
		mp->path = xstrdup(path);
		if (get_bool(it, q, "readOnly", &mp->readonly, ep) == -1)
			return (-1);
	}
	return (0);
}

static int
parse_ports(struct pod_app *a, const json_t *app, const char *at,
    struct error *ep)
{
	char p[PLACE_MAX], q[PLACE_MAX], r[PLACE_MAX];
	const char *name, *proto;
	struct pod_port *pp;
	json_t *arr, *it;
	int64_t port = 0, count;
	size_t i, j;
	int rc;

	if ((rc = get_list(app, at, "ports", p, &arr, ep)) <= 0)
		return (rc);
	a->ports = xcalloc(json_array_size(arr), sizeof(*pp));
	json_array_foreach(arr, i, it) {
		count = 1;
		if (list_entry(it, p, i, q, ep) == -1 ||
		    get_nstr(it, q, "name", true, &name, ep) == -1 ||
		    get_nstr(it, q, "protocol", true, &proto, ep) == -1 ||
		    get_int(it, q, "port", true, 1, 65535, &port, ep) == -1 ||
		    get_int(it, q, "count", false, 1, 65535, &count,
		    ep) == -1 ||
		    need_acname(q, "name", name, ep) == -1)
			return (-1);
		if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
			return (bad(ep, at_key(r, q, "protocol"),
			    "'%s' is not tcp or udp", SHOW(proto)));
		if (port + count - 1 > 65535)
			return (bad(ep, at_key(r, q, "count"),
			    "ports %lld to %lld go past 65535",
			    (long long)port, (long long)(port + count - 1)));
		for (j = 0; j < a->nports; j++)
			if (strcmp(a->ports[j].name, name) == 0)
				return (bad(ep, at_key(r, q, "name"),
				    "duplicate port '%s'", name));
		pp = &a->ports[a->nports++];
		pp->name = xstrdup(name);
		pp->protocol = xstrdup(proto);
		pp->port = (int)port;
		pp->count = (int)count;
		if (get_bool(it, q, "socketActivated", &pp->socket_activated,
		    ep) == -1)
			return (-1);
	}
	return (0);
}

/* The "app" object of apps[i]. */
static int
parse_app_body(struct pod_app *a, const json_t *app, const char *at,
    struct error *ep)
{
	char p[PLACE_MAX], q[PLACE_MAX];
	const char *s;
	json_t *v, *it;
	int64_t n;
	size_t i;
	int rc;

	a->has_app = true;
	if ((v = json_object_get(app, "exec")) != NULL) {
		(void)at_key(p, at, "exec");
		if (strv_copy(v, p, &a->exec, &a->nexec, ep) == -1)
			return (-1);
		if (a->nexec == 0)
			return (bad(ep, p, "empty"));
		if (a->exec[0][0] == '\0')
			return (bad(ep, at_idx(q, p, 0), "empty"));
	}
	if (get_nstr_dup(app, at, "user", &a->user, ep) == -1 ||
	    get_nstr_dup(app, at, "group", &a->group, ep) == -1)
		return (-1);
	if ((rc = get_arr(app, at, "supplementaryGIDs", false, &v, ep)) == -1)
		return (-1);
	if (rc == 1 && json_array_size(v) > 0) {
		(void)at_key(p, at, "supplementaryGIDs");
		a->supp_gids = xcalloc(json_array_size(v), sizeof(gid_t));
		json_array_foreach(v, i, it) {
			if (!json_is_integer(it) ||
			    json_integer_value(it) < 0 ||
			    json_integer_value(it) > ID_MAX)
				return (bad(ep, at_idx(q, p, i),
				    "not a group id (0 to %lld)", ID_MAX));
			n = json_integer_value(it);
			a->supp_gids[a->nsupp_gids++] = (gid_t)n;
		}
	}
	if ((rc = get_nstr(app, at, "workingDirectory", false, &s, ep)) == -1)
		return (-1);
	if (rc == 1) {
		if (need_path(at, "workingDirectory", s, ep) == -1)
			return (-1);
		a->workdir = xstrdup(s);
	}
	if (parse_kvs(app, at, "environment", KV_ENV, &a->env, &a->nenv,
	    ep) == -1 ||
	    parse_mountpoints(a, app, at, ep) == -1 ||
	    parse_ports(a, app, at, ep) == -1)
		return (-1);
	return (parse_isolators(app, at, &a->limits, ep));
}

static int
parse_mounts(const struct pod_manifest *m, struct pod_app *a,
    const json_t *app, const char *at, struct error *ep)
{
	char p[PLACE_MAX], q[PLACE_MAX], r[PLACE_MAX];
	const char *vol, *path = NULL, *mpname;
	json_t *arr, *it;
	size_t i, j;
	int rc;

	if ((rc = get_list(app, at, "mounts", p, &arr, ep)) <= 0)
		return (rc);
	a->mounts = xcalloc(json_array_size(arr), sizeof(*a->mounts));
	json_array_foreach(arr, i, it) {
		if (list_entry(it, p, i, q, ep) == -1 ||
		    get_nstr(it, q, "volume", true, &vol, ep) == -1)
			return (-1);
		if (podspec_volume(m, vol) == NULL)
			return (bad(ep, at_key(r, q, "volume"),
			    "no volume '%s' in the pod", SHOW(vol)));
		/*
		 * appc 0.8 names the target by path; earlier versions by
		 * the app's mountPoint name, which we take when the app
		 * object declares that mountPoint.
		 */
		path = NULL;
		if (json_object_get(it, "path") == NULL &&
		    json_object_get(it, "mountPoint") != NULL) {
			if (get_nstr(it, q, "mountPoint", true, &mpname,
			    ep) == -1)
				return (-1);
			for (j = 0; j < a->nmountpoints; j++)
				if (strcmp(a->mountpoints[j].name,
				    mpname) == 0)
					path = a->mountpoints[j].path;
			if (path == NULL)
				return (bad(ep, at_key(r, q, "mountPoint"),
				    "the app has no mountPoint '%s'; give "
				    "\"path\"", SHOW(mpname)));
		} else {
			if (get_nstr(it, q, "path", true, &path, ep) == -1 ||
			    need_path(q, "path", path, ep) == -1)
				return (-1);
		}
		for (j = 0; j < a->nmounts; j++)
			if (strcmp(a->mounts[j].path, path) == 0)
				return (bad(ep, at_key(r, q, "path"),
				    "'%s' is mounted twice", SHOW(path)));
		a->mounts[a->nmounts].volume = xstrdup(vol);
		a->mounts[a->nmounts].path = xstrdup(path);
		a->nmounts++;
	}
	return (0);
}

static int
parse_app(struct pod_manifest *m, struct pod_app *a, const json_t *it,
    const char *at, struct error *ep)
{
	char p[PLACE_MAX];
	const char *name;
	json_t *app;
	int rc;

	if (want_object(it, at, ep) == -1 ||
	    get_nstr(it, at, "name", true, &name, ep) == -1 ||
	    need_acname(at, "name", name, ep) == -1)
		return (-1);
	if (podspec_app(m, name) != NULL)
		return (bad(ep, at_key(p, at, "name"), "duplicate app '%s'",
		    name));
	a->name = xstrdup(name);
	if (parse_image(a, it, at, ep) == -1)
		return (-1);
	if ((rc = get_typed(it, at, "app", JSON_OBJECT, false, false, &app,
	    ep)) == -1)
		return (-1);
	if (rc == 1 && parse_app_body(a, app, at_key(p, at, "app"),
	    ep) == -1)
		return (-1);
	if (parse_mounts(m, a, it, at, ep) == -1)
		return (-1);
	return (parse_kvs(it, at, "annotations", KV_PLAIN, &a->annotations,
	    &a->nannotations, ep));
}

static int
parse_octal_mode(const char *s, mode_t *mp)
{
	unsigned long v = 0;
	size_t i, n;

	n = strlen(s);
	if (n == 0 || n > 5)
		return (-1);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '7')
			return (-1);
		v = v * 8 + (unsigned long)(s[i] - '0');
	}
	if (v > 07777)
		return (-1);
	*mp = (mode_t)v;
	return (0);
}

static int
parse_volume(struct pod_manifest *m, struct pod_volume *v, const json_t *it,
    const char *at, struct error *ep)
{
	char p[PLACE_MAX], q[PLACE_MAX];
	const char *name, *kind, *src, *mode;
	json_t *zp;
	int64_t id;
	size_t i, j;
	int rc;

	if (want_object(it, at, ep) == -1 ||
	    get_nstr(it, at, "name", true, &name, ep) == -1 ||
	    get_nstr(it, at, "kind", true, &kind, ep) == -1 ||
	    need_acname(at, "name", name, ep) == -1)
		return (-1);
	if (podspec_volume(m, name) != NULL)
		return (bad(ep, at_key(p, at, "name"), "duplicate volume '%s'",
		    name));
	v->name = xstrdup(name);
	if (get_bool(it, at, "readOnly", &v->readonly, ep) == -1)
		return (-1);
	if (strcmp(kind, "host") == 0) {
		v->kind = POD_VOLUME_HOST;
		if (get_nstr(it, at, "source", true, &src, ep) == -1 ||
		    need_path(at, "source", src, ep) == -1)
			return (-1);
		v->source = xstrdup(src);
		if (json_object_get(it, "mode") != NULL ||
		    json_object_get(it, "uid") != NULL ||
		    json_object_get(it, "gid") != NULL ||
		    json_object_get(it, "zfsProperties") != NULL)
			return (bad(ep, at, "mode, uid, gid and zfsProperties "
			    "are for kind \"empty\" only"));
		return (0);
	}
	if (strcmp(kind, "empty") != 0)
		return (bad(ep, at_key(p, at, "kind"),
		    "'%s' is not empty or host", SHOW(kind)));
	v->kind = POD_VOLUME_EMPTY;
	v->mode = 0755;
	if (json_object_get(it, "source") != NULL)
		return (bad(ep, at_key(p, at, "source"),
		    "only for kind \"host\""));
	if ((rc = get_nstr(it, at, "mode", false, &mode, ep)) == -1)
		return (-1);
	if (rc == 1 && parse_octal_mode(mode, &v->mode) == -1)
		return (bad(ep, at_key(p, at, "mode"),
		    "'%s' is not an octal mode (such as \"0755\")",
		    SHOW(mode)));
	id = 0;
	if (get_int(it, at, "uid", false, 0, ID_MAX, &id, ep) == -1)
		return (-1);
	v->uid = (uid_t)id;
	id = 0;
	if (get_int(it, at, "gid", false, 0, ID_MAX, &id, ep) == -1)
		return (-1);
	v->gid = (gid_t)id;
	/* Our extension: the ZFS hints an image gave this volume. */
	if ((rc = get_arr(it, at, "zfsProperties", false, &zp, ep)) == -1)
		return (-1);
	if (rc == 1) {
		(void)at_key(p, at, "zfsProperties");
		if (strv_copy(zp, p, &v->zfs_props, &v->nzfs_props, ep) == -1)
			return (-1);
		for (i = 0; i < v->nzfs_props; i++) {
			if (!zfs_hint_valid(v->zfs_props[i]))
				return (bad(ep, at_idx(q, p, i),
				    "'%s' is not compression=V, atime=on|off "
				    "or recordsize=N", SHOW(v->zfs_props[i])));
			for (j = 0; j < i; j++)
				if (zfs_same_prop(v->zfs_props[j],
				    v->zfs_props[i]))
					return (bad(ep, at_idx(q, p, i),
					    "property set twice"));
		}
	}
	return (0);
}

/* "0.8.11", "1.0.0-rc1": major.minor.patch and an optional suffix. */
static bool
semver_valid(const char *s)
{
	int i;
	size_t n;

	for (i = 0; i < 3; i++) {
		n = strspn(s, "0123456789");
		if (n == 0)
			return (false);
		s += n;
		if (i < 2 && *s++ != '.')
			return (false);
	}
	return (*s == '\0' || *s == '-' || *s == '+');
}

static int
parse_manifest(struct pod_manifest *m, const json_t *root, struct error *ep)
{
	char p[PLACE_MAX];
	const char *kind, *ver, *host;
	json_t *apps, *vols, *it;
	size_t i;
	int rc;

	if (!json_is_object(root))
		return (error_set(ep, EX_DATAERR, 0,
		    "pod manifest: expected an object, found %s",
		    jsonx_type_name(root)));
	if (get_nstr(root, "", "acKind", true, &kind, ep) == -1)
		return (-1);
	if (strcmp(kind, "PodManifest") != 0)
		return (bad(ep, "acKind", "'%s' is not PodManifest",
		    SHOW(kind)));
	if (get_nstr(root, "", "acVersion", true, &ver, ep) == -1)
		return (-1);
	if (!semver_valid(ver))
		return (bad(ep, "acVersion", "'%s' is not a version",
		    SHOW(ver)));
	m->ac_version = xstrdup(ver);

	/* Volumes first: mounts name them. */
	if ((rc = get_arr(root, "", "volumes", false, &vols, ep)) == -1)
		return (-1);
	if (rc == 1 && json_array_size(vols) > 0) {
		m->volumes = xcalloc(json_array_size(vols),
		    sizeof(*m->volumes));
		json_array_foreach(vols, i, it) {
			/* Counted first so that release frees a half one. */
			m->nvolumes++;
			if (parse_volume(m, &m->volumes[i], it,
			    at_idx(p, "volumes", i), ep) == -1)
				return (-1);
		}
	}
	if (get_arr(root, "", "apps", true, &apps, ep) == -1)
		return (-1);
	if (json_array_size(apps) == 0)
		return (bad(ep, "apps", "no app"));
	m->apps = xcalloc(json_array_size(apps), sizeof(*m->apps));
	json_array_foreach(apps, i, it) {
		m->napps++;
		if (parse_app(m, &m->apps[i], it, at_idx(p, "apps", i),
		    ep) == -1)
			return (-1);
	}
	if (parse_isolators(root, "", &m->limits, ep) == -1 ||
	    parse_kvs(root, "", "annotations", KV_PLAIN, &m->annotations,
	    &m->nannotations, ep) == -1)
		return (-1);
	host = podspec_annotation(m->annotations, m->nannotations,
	    POD_ANN_HOSTNAME);
	if (host != NULL && !hostname_valid(host))
		return (bad(ep, "annotations", "%s: '%s' is not a host name",
		    POD_ANN_HOSTNAME, SHOW(host)));
	return (0);
}

/*
 * A partly parsed app or volume has its name NULL while podspec_app() and
 * podspec_volume() look: they skip such entries.
 */
int
podspec_parse(const void *buf, size_t len, struct pod_manifest *m,
    struct error *ep)
{
	json_t *root;
	int rv;

	(void)memset(m, 0, sizeof(*m));
	if ((root = jsonx_parse(buf, len, "pod manifest", ep)) == NULL)
		return (-1);
	rv = parse_manifest(m, root, ep);
	json_decref(root);
	if (rv == -1)
		podspec_release(m);
	return (rv);
}

/* ---- Pod manifest: writing ---- */

static json_t *
kvs_json(const struct pod_kv *kv, size_t n)
{
	json_t *arr, *o;
	size_t i;

	arr = jnew(json_array());
	for (i = 0; i < n; i++) {
		o = jnew(json_object());
		jset(o, "name", json_string(kv[i].name));
		jset(o, "value", json_string(kv[i].value));
		jpush(arr, o);
	}
	return (arr);
}

static json_t *
strv_json(char *const *v, size_t n)
{
	json_t *arr;
	size_t i;

	arr = jnew(json_array());
	for (i = 0; i < n; i++)
		jpush(arr, json_string(v[i]));
	return (arr);
}

static json_t *
iso_json(const char *name, json_t *value)
{
	json_t *o;

	o = jnew(json_object());
	jset(o, "name", json_string(name));
	jset(o, "value", value);
	return (o);
}

/* Append the isolator {name, value: {limit}} to arr. */
static void
push_limit(json_t *arr, const char *name, json_t *limit)
{
	json_t *v;

	v = jnew(json_object());
	jset(v, "limit", limit);
	jpush(arr, iso_json(name, v));
}

static json_t *
limits_json(const struct pod_limits *l)
{
	json_t *arr;
	char s[32];
	size_t i;

	arr = jnew(json_array());
	if (l->memory > 0) {
		(void)snprintf(s, sizeof(s), "%lld", (long long)l->memory);
		push_limit(arr, ISO_MEMORY, json_string(s));
	}
	if (l->cpu_millis > 0) {
		(void)snprintf(s, sizeof(s), "%lldm",
		    (long long)l->cpu_millis);
		push_limit(arr, ISO_CPU, json_string(s));
	}
	if (l->pids > 0)
		push_limit(arr, ISO_PIDS, json_integer(l->pids));
	if (l->seccomp != NULL)
		jpush(arr, iso_json(l->seccomp_retain ? SYSFILTER_RETAIN :
		    SYSFILTER_REMOVE, json_incref(l->seccomp)));
	if (l->has_nnp)
		jpush(arr, iso_json(SYSFILTER_NNP, json_boolean(l->nnp)));
	for (i = 0; i < l->nother; i++)
		jpush(arr, iso_json(l->other[i].name,
		    json_incref(l->other[i].value)));
	return (arr);
}

static json_t *
app_body_json(const struct pod_app *a)
{
	json_t *o, *arr, *it;
	size_t i;

	o = jnew(json_object());
	if (a->exec != NULL)
		jset(o, "exec", strv_json(a->exec, a->nexec));
	if (a->user != NULL)
		jset(o, "user", json_string(a->user));
	if (a->group != NULL)
		jset(o, "group", json_string(a->group));
	if (a->nsupp_gids > 0) {
		arr = jnew(json_array());
		for (i = 0; i < a->nsupp_gids; i++)
			jpush(arr, json_integer(a->supp_gids[i]));
		jset(o, "supplementaryGIDs", arr);
	}
	if (a->workdir != NULL)
		jset(o, "workingDirectory", json_string(a->workdir));
	jset_list(o, "environment", kvs_json(a->env, a->nenv));
	if (a->nmountpoints > 0) {
		arr = jnew(json_array());
		for (i = 0; i < a->nmountpoints; i++) {
			it = jnew(json_object());
			jset(it, "name", json_string(a->mountpoints[i].name));
			jset(it, "path", json_string(a->mountpoints[i].path));
			jset(it, "readOnly",
			    json_boolean(a->mountpoints[i].readonly));
			jpush(arr, it);
		}
		jset(o, "mountPoints", arr);
	}
	if (a->nports > 0) {
		arr = jnew(json_array());
		for (i = 0; i < a->nports; i++) {
			it = jnew(json_object());
			jset(it, "name", json_string(a->ports[i].name));
			jset(it, "protocol",
			    json_string(a->ports[i].protocol));
			jset(it, "port", json_integer(a->ports[i].port));
			jset(it, "count", json_integer(a->ports[i].count));
			jset(it, "socketActivated",
			    json_boolean(a->ports[i].socket_activated));
			jpush(arr, it);
		}
		jset(o, "ports", arr);
	}
	jset_list(o, "isolators", limits_json(&a->limits));
	return (o);
}

static json_t *
app_json(const struct pod_app *a)
{
	json_t *o, *img, *arr, *it;
	size_t i;

	o = jnew(json_object());
	jset(o, "name", json_string(a->name));
	img = jnew(json_object());
	jset(img, "name", json_string(a->image_name));
	if (a->image_id != NULL)
		jset(img, "id", json_string(a->image_id));
	jset_list(img, "labels", kvs_json(a->image_labels,
	    a->nimage_labels));
	jset(o, "image", img);
	if (a->has_app)
		jset(o, "app", app_body_json(a));
	if (a->nmounts > 0) {
		arr = jnew(json_array());
		for (i = 0; i < a->nmounts; i++) {
			it = jnew(json_object());
			jset(it, "volume", json_string(a->mounts[i].volume));
			jset(it, "path", json_string(a->mounts[i].path));
			jpush(arr, it);
		}
		jset(o, "mounts", arr);
	}
	jset_list(o, "annotations", kvs_json(a->annotations,
	    a->nannotations));
	return (o);
}

static json_t *
volume_json(const struct pod_volume *v)
{
	json_t *o;
	char mode[8];

	o = jnew(json_object());
	jset(o, "name", json_string(v->name));
	jset(o, "readOnly", json_boolean(v->readonly));
	if (v->kind == POD_VOLUME_HOST) {
		jset(o, "kind", json_string("host"));
		jset(o, "source", json_string(v->source));
		return (o);
	}
	jset(o, "kind", json_string("empty"));
	(void)snprintf(mode, sizeof(mode), "%04o",
	    (unsigned)(v->mode & 07777));
	jset(o, "mode", json_string(mode));
	jset(o, "uid", json_integer((json_int_t)v->uid));
	jset(o, "gid", json_integer((json_int_t)v->gid));
	jset_list(o, "zfsProperties", strv_json(v->zfs_props,
	    v->nzfs_props));
	return (o);
}

json_t *
podspec_to_json(const struct pod_manifest *m)
{
	json_t *root, *arr;
	size_t i;

	root = jnew(json_object());
	jset(root, "acKind", json_string("PodManifest"));
	jset(root, "acVersion", json_string(POD_AC_VERSION));
	arr = jnew(json_array());
	for (i = 0; i < m->napps; i++)
		jpush(arr, app_json(&m->apps[i]));
	jset(root, "apps", arr);
	if (m->nvolumes > 0) {
		arr = jnew(json_array());
		for (i = 0; i < m->nvolumes; i++)
			jpush(arr, volume_json(&m->volumes[i]));
		jset(root, "volumes", arr);
	}
	jset_list(root, "isolators", limits_json(&m->limits));
	jset_list(root, "annotations", kvs_json(m->annotations,
	    m->nannotations));
	return (root);
}

/* ---- Pod manifest: release and queries ---- */

static void
kvs_free(struct pod_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].name);
		free(kv[i].value);
	}
	free(kv);
}

static void
ports_free(struct pod_port *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].protocol);
	}
	free(p);
}

static void
limits_free(struct pod_limits *l)
{
	size_t i;

	for (i = 0; i < l->nother; i++) {
		free(l->other[i].name);
		json_decref(l->other[i].value);
	}
	free(l->other);
	json_decref(l->seccomp);
}

static void
app_free(struct pod_app *a)
{
	size_t i;

	free(a->name);
	free(a->image_name);
	free(a->image_id);
	kvs_free(a->image_labels, a->nimage_labels);
	strv_free(a->exec, a->nexec);
	free(a->user);
	free(a->group);
	free(a->supp_gids);
	free(a->workdir);
	kvs_free(a->env, a->nenv);
	for (i = 0; i < a->nmountpoints; i++) {
		free(a->mountpoints[i].name);
		free(a->mountpoints[i].path);
	}
	free(a->mountpoints);
	ports_free(a->ports, a->nports);
	limits_free(&a->limits);
	for (i = 0; i < a->nmounts; i++) {
		free(a->mounts[i].volume);
		free(a->mounts[i].path);
	}
	free(a->mounts);
	kvs_free(a->annotations, a->nannotations);
}

void
podspec_release(struct pod_manifest *m)
{
	size_t i;

	free(m->ac_version);
	for (i = 0; i < m->napps; i++)
		app_free(&m->apps[i]);
	free(m->apps);
	for (i = 0; i < m->nvolumes; i++) {
		free(m->volumes[i].name);
		free(m->volumes[i].source);
		strv_free(m->volumes[i].zfs_props, m->volumes[i].nzfs_props);
	}
	free(m->volumes);
	limits_free(&m->limits);
	kvs_free(m->annotations, m->nannotations);
	(void)memset(m, 0, sizeof(*m));
}

struct pod_app *
podspec_app(const struct pod_manifest *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->napps; i++)
		if (m->apps[i].name != NULL &&
		    strcmp(m->apps[i].name, name) == 0)
			return (&m->apps[i]);
	return (NULL);
}

struct pod_volume *
podspec_volume(const struct pod_manifest *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nvolumes; i++)
		if (m->volumes[i].name != NULL &&
		    strcmp(m->volumes[i].name, name) == 0)
			return (&m->volumes[i]);
	return (NULL);
}

const char *
podspec_annotation(const struct pod_kv *kv, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].name, name) == 0)
			return (kv[i].value);
	return (NULL);
}

void
podspec_kv_set(struct pod_kv **kvp, size_t *np, const char *name,
    const char *value)
{
	char *v;
	size_t i;

	v = xstrdup(value);
	for (i = 0; i < *np; i++) {
		if (strcmp((*kvp)[i].name, name) == 0) {
			free((*kvp)[i].value);
			(*kvp)[i].value = v;
			return;
		}
	}
	*kvp = xreallocarray(*kvp, *np + 1, sizeof(**kvp));
	(*kvp)[*np].name = xstrdup(name);
	(*kvp)[*np].value = v;
	(*np)++;
}

static int64_t
narrower(int64_t a, int64_t b)
{
	if (a == 0)
		return (b);
	if (b == 0)
		return (a);
	return (a < b ? a : b);
}

void
podspec_limits(const struct pod_manifest *m, const struct pod_app *a,
    struct pod_limits *out)
{
	(void)memset(out, 0, sizeof(*out));
	out->memory = narrower(m->limits.memory, a->limits.memory);
	out->cpu_millis = narrower(m->limits.cpu_millis, a->limits.cpu_millis);
	out->pids = narrower(m->limits.pids, a->limits.pids);
	if (a->limits.seccomp != NULL) {
		out->seccomp = a->limits.seccomp;
		out->seccomp_retain = a->limits.seccomp_retain;
	} else {
		out->seccomp = m->limits.seccomp;
		out->seccomp_retain = m->limits.seccomp_retain;
	}
	if (a->limits.has_nnp) {
		out->has_nnp = true;
		out->nnp = a->limits.nnp;
	} else {
		out->has_nnp = m->limits.has_nnp;
		out->nnp = m->limits.nnp;
	}
}

/* Append name to buf unless listed already; returns 1 if it was new. */
static size_t
list_add(char *buf, size_t size, const char *name, const char **seen,
    size_t nseen)
{
	size_t i, len;

	for (i = 0; i < nseen; i++)
		if (strcmp(seen[i], name) == 0)
			return (0);
	if (size > 0) {
		len = strlen(buf);
		(void)snprintf(buf + len, size - len, "%s%s",
		    len > 0 ? "," : "", name);
	}
	return (1);
}

size_t
podspec_unsupported(const struct pod_manifest *m, char *buf, size_t size)
{
	const struct pod_limits *l;
	const char **seen = NULL;
	size_t i, j, n = 0;

	if (size > 0)
		buf[0] = '\0';
	for (i = 0; i <= m->napps; i++) {
		l = i == 0 ? &m->limits : &m->apps[i - 1].limits;
		for (j = 0; j < l->nother; j++) {
			if (list_add(buf, size, l->other[j].name, seen,
			    n) == 0)
				continue;
			seen = xreallocarray(seen, n + 1, sizeof(*seen));
			seen[n++] = l->other[j].name;
		}
	}
	free(seen);
	return (n);
}

/* ---- OCI image config ---- */

static int
kv_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct pod_kv *)a)->name,
	    ((const struct pod_kv *)b)->name));
}

static int
ivol_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct image_volume *)a)->path,
	    ((const struct image_volume *)b)->path));
}

static int
port_cmp(const void *a, const void *b)
{
	const struct pod_port *pa = a, *pb = b;

	if (pa->port != pb->port)
		return (pa->port < pb->port ? -1 : 1);
	return (strcmp(pa->protocol, pb->protocol));
}

static struct image_volume *
ivol_get(struct image_config *c, const char *path, bool add)
{
	size_t i;

	for (i = 0; i < c->nvolumes; i++)
		if (strcmp(c->volumes[i].path, path) == 0)
			return (&c->volumes[i]);
	if (!add)
		return (NULL);
	c->volumes = xreallocarray(c->volumes, c->nvolumes + 1,
	    sizeof(*c->volumes));
	(void)memset(&c->volumes[c->nvolumes], 0, sizeof(*c->volumes));
	c->volumes[c->nvolumes].path = xstrdup(path);
	return (&c->volumes[c->nvolumes++]);
}

/* "80/tcp", "53/udp", "8080" (tcp). */
static int
parse_exposed(struct image_config *c, const char *key, struct error *ep)
{
	const char *proto = "tcp", *slash;
	size_t i, n;
	long port = 0;

	slash = strchr(key, '/');
	n = slash != NULL ? (size_t)(slash - key) : strlen(key);
	if (slash != NULL) {
		proto = slash + 1;
		if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
			return (bad(ep, "config.ExposedPorts",
			    "'%s': protocol is not tcp or udp", SHOW(key)));
	}
	if (n == 0 || n > 5 || key[0] == '0')
		goto badport;
	for (i = 0; i < n; i++) {
		if (key[i] < '0' || key[i] > '9')
			goto badport;
		port = port * 10 + (key[i] - '0');
	}
	if (port < 1 || port > 65535)
		goto badport;
	for (i = 0; i < c->nports; i++)
		if (c->ports[i].port == port &&
		    strcmp(c->ports[i].protocol, proto) == 0)
			return (0);
	c->ports = xreallocarray(c->ports, c->nports + 1, sizeof(*c->ports));
	c->ports[c->nports].name = xasprintf("%s-%ld", proto, port);
	c->ports[c->nports].protocol = xstrdup(proto);
	c->ports[c->nports].port = (int)port;
	c->ports[c->nports].count = 1;
	c->ports[c->nports].socket_activated = false;
	c->nports++;
	return (0);
badport:
	return (bad(ep, "config.ExposedPorts", "'%s' is not PORT[/tcp|/udp]",
	    SHOW(key)));
}

/* Split "WORD[;DESCRIPTION]": *descp is NULL if none or empty. */
static char *
split_desc(const char *value, char **descp)
{
	const char *semi;

	*descp = NULL;
	if ((semi = strchr(value, ';')) == NULL)
		return (xstrdup(value));
	if (semi[1] != '\0')
		*descp = xstrdup(semi + 1);
	return (xstrndup(value, (size_t)(semi - value)));
}

static int
label_env(struct image_config *c, const char *label, const char *value,
    struct error *ep)
{
	struct image_env_guard *g;
	const char *name = label + strlen(LABEL_ENV);
	char *word, *desc;
	bool req;

	if (!env_label_name_valid(name))
		return (bad(ep, "config.Labels", "label '%s': '%s' is not a "
		    "variable name", SHOW(label), SHOW(name)));
	word = split_desc(value, &desc);
	if (strcmp(word, "required") != 0 && strcmp(word, "optional") != 0) {
		(void)bad(ep, "config.Labels", "label '%s': '%s' is not "
		    "required[;DESCRIPTION] or optional[;DESCRIPTION]",
		    SHOW(label), SHOW(value));
		free(word);
		free(desc);
		return (-1);
	}
	req = strcmp(word, "required") == 0;
	free(word);
	c->env_guards = xreallocarray(c->env_guards, c->nenv_guards + 1,
	    sizeof(*c->env_guards));
	g = &c->env_guards[c->nenv_guards++];
	g->name = xstrdup(name);
	g->required = req;
	g->description = desc;
	return (0);
}

static int
label_volume(struct image_config *c, const char *label, const char *value,
    struct error *ep)
{
	struct image_volume *iv;
	const char *path = label + strlen(LABEL_VOLUME);
	char *flags, *desc, *f, *next, **zp = NULL;
	bool req = false, opt = false, ro = false;
	size_t nzp = 0, i;
	int rv = -1;

	if (!podspec_path_valid(path))
		return (bad(ep, "config.Labels", "label '%s': '%s' is not a "
		    "clean absolute path", SHOW(label), SHOW(path)));
	flags = split_desc(value, &desc);
	for (f = flags; *flags != '\0' && f != NULL; f = next) {
		if ((next = strchr(f, ',')) != NULL)
			*next++ = '\0';
		if (strcmp(f, "required") == 0 && !req)
			req = true;
		else if (strcmp(f, "optional") == 0 && !opt)
			opt = true;
		else if (strcmp(f, "ro") == 0 && !ro)
			ro = true;
		else if (zfs_hint_valid(f)) {
			for (i = 0; i < nzp; i++)
				if (zfs_same_prop(zp[i], f))
					break;
			if (i < nzp) {
				(void)bad(ep, "config.Labels", "label '%s': "
				    "'%s' given twice", SHOW(label), SHOW(f));
				goto out;
			}
			zp = xreallocarray(zp, nzp + 1, sizeof(*zp));
			zp[nzp++] = xstrdup(f);
		} else {
			(void)bad(ep, "config.Labels", "label '%s': flag '%s' "
			    "is not required, optional, ro, compression=V, "
			    "atime=on|off or recordsize=N (once each)",
			    SHOW(label), SHOW(f));
			goto out;
		}
	}
	if (req && opt) {
		(void)bad(ep, "config.Labels", "label '%s': both required and "
		    "optional", SHOW(label));
		goto out;
	}
	iv = ivol_get(c, path, true);
	iv->required = req;
	iv->readonly = ro;
	free(iv->description);
	iv->description = desc;
	desc = NULL;
	strv_free(iv->zfs_props, iv->nzfs_props);
	iv->zfs_props = zp;
	iv->nzfs_props = nzp;
	zp = NULL;
	nzp = 0;
	rv = 0;
out:
	strv_free(zp, nzp);
	free(flags);
	free(desc);
	return (rv);
}

struct devfs_label {
	long		 n;
	const char	*rule;
};

static int
devfs_cmp(const void *a, const void *b)
{
	const struct devfs_label *da = a, *db = b;

	return (da->n < db->n ? -1 : da->n > db->n);
}

/*
 * io.berth.devfs.N: N decimal without leading zeros, below POD_LIST_MAX,
 * numbered from 0 without gaps (the order of devfs rules matters, so a
 * missing one cannot be guessed).  The rule grammar is jailspec's.
 */
static int
labels_devfs(struct image_config *c, struct error *ep)
{
	struct devfs_label *d;
	const char *num, *p;
	size_t i, n = 0;
	long v;
	int rv = -1;

	d = xcalloc(c->nlabels, sizeof(*d));
	for (i = 0; i < c->nlabels; i++) {
		if (strncmp(c->labels[i].name, LABEL_DEVFS,
		    strlen(LABEL_DEVFS)) != 0)
			continue;
		num = c->labels[i].name + strlen(LABEL_DEVFS);
		v = 0;
		if (*num == '\0' || strlen(num) > 4 ||
		    (num[0] == '0' && num[1] != '\0') ||
		    strspn(num, "0123456789") != strlen(num) ||
		    (v = strtol(num, NULL, 10)) >= POD_LIST_MAX) {
			(void)bad(ep, "config.Labels", "label '%s': N is not "
			    "a number from 0 to %d", SHOW(c->labels[i].name),
			    POD_LIST_MAX - 1);
			goto out;
		}
		for (p = c->labels[i].value; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				break;
		if (c->labels[i].value[0] == '\0' || *p != '\0') {
			(void)bad(ep, "config.Labels", "label '%s': empty or "
			    "not one line", SHOW(c->labels[i].name));
			goto out;
		}
		d[n].n = v;
		d[n].rule = c->labels[i].value;
		n++;
	}
	qsort(d, n, sizeof(*d), devfs_cmp);
	for (i = 0; i < n; i++) {
		if (d[i].n != (long)i) {
			(void)bad(ep, "config.Labels", "label '%s%zu' missing: "
			    "devfs rules are numbered 0, 1, ... without gaps",
			    LABEL_DEVFS, i);
			goto out;
		}
	}
	if (n > 0) {
		c->devfs_rules = xcalloc(n, sizeof(*c->devfs_rules));
		for (i = 0; i < n; i++)
			c->devfs_rules[i] = xstrdup(d[i].rule);
		c->ndevfs_rules = n;
	}
	rv = 0;
out:
	free(d);
	return (rv);
}

/*
 * The array of strings config.<key> copied into *vp: 1, or 0 if absent
 * (Docker writes null for unset members: null is absent here).
 */
static int
cfg_strv(const json_t *cfg, const char *key, char ***vp, size_t *np,
    struct error *ep)
{
	char p[PLACE_MAX];
	json_t *v;

	if ((v = json_object_get(cfg, key)) == NULL || json_is_null(v))
		return (0);
	return (strv_copy(v, at_key(p, "config", key), vp, np, ep) == -1 ?
	    -1 : 1);
}

/* The object config.<key> (null is absent) of at most POD_LIST_MAX. */
static int
cfg_map(const json_t *cfg, const char *key, json_t **vp, struct error *ep)
{
	char p[PLACE_MAX];
	int rc;

	if ((rc = get_typed(cfg, "config", key, JSON_OBJECT, false, true, vp,
	    ep)) == 1 && json_object_size(*vp) > POD_LIST_MAX)
		return (bad(ep, at_key(p, "config", key), "more than %d",
		    POD_LIST_MAX));
	return (rc);
}

static int
parse_config(struct image_config *c, const json_t *root, struct error *ep)
{
	const char *s, *key;
	json_t *cfg = NULL, *v, *it;
	char *path, *eq, **envv = NULL;
	size_t i, nenvv = 0;
	int rc;

	if (!json_is_object(root))
		return (error_set(ep, EX_DATAERR, 0,
		    "image config: expected an object, found %s",
		    jsonx_type_name(root)));
	if (get_nstr(root, "", "os", true, &s, ep) == -1)
		return (-1);
	c->os = xstrdup(s);
	if (get_nstr(root, "", "architecture", true, &s, ep) == -1)
		return (-1);
	c->architecture = xstrdup(s);
	if ((rc = get_typed(root, "", "config", JSON_OBJECT, false, true,
	    &cfg, ep)) == -1)
		return (-1);
	if (rc == 0)
		return (0);

	if (cfg_strv(cfg, "Entrypoint", &c->entrypoint, &c->nentrypoint,
	    ep) == -1 ||
	    cfg_strv(cfg, "Cmd", &c->cmd, &c->ncmd, ep) == -1 ||
	    (rc = cfg_strv(cfg, "Env", &envv, &nenvv, ep)) == -1)
		return (-1);
	for (i = 0; rc == 1 && i < nenvv; i++) {
		if ((eq = strchr(envv[i], '=')) == NULL || eq == envv[i]) {
			rc = bad(ep, "config.Env", "entry %zu ('%s') is not "
			    "NAME=VALUE", i, SHOW(envv[i]));
			break;
		}
		*eq = '\0';
		podspec_kv_set(&c->env, &c->nenv, envv[i], eq + 1);
	}
	strv_free(envv, nenvv);
	if (rc == -1)
		return (-1);
	if ((rc = get_typed(cfg, "config", "WorkingDir", JSON_STRING, false,
	    true, &v, ep)) == -1)
		return (-1);
	if (rc == 1 && *json_string_value(v) != '\0') {
		if ((c->workdir = clean_path(json_string_value(v))) == NULL)
			return (bad(ep, "config.WorkingDir",
			    "'%s' is not an absolute path",
			    SHOW(json_string_value(v))));
	}
	if ((rc = get_typed(cfg, "config", "User", JSON_STRING, false, true,
	    &v, ep)) == -1)
		return (-1);
	if (rc == 1 && *json_string_value(v) != '\0')
		c->user = xstrdup(json_string_value(v));
	if ((rc = cfg_map(cfg, "ExposedPorts", &v, ep)) == -1)
		return (-1);
	if (rc == 1) {
		json_object_foreach(v, key, it)
			if (parse_exposed(c, key, ep) == -1)
				return (-1);
		if (c->nports > 0)
			qsort(c->ports, c->nports, sizeof(*c->ports),
			    port_cmp);
	}
	if ((rc = cfg_map(cfg, "Volumes", &v, ep)) == -1)
		return (-1);
	if (rc == 1) {
		json_object_foreach(v, key, it) {
			if ((path = clean_path(key)) == NULL)
				return (bad(ep, "config.Volumes",
				    "'%s' is not an absolute path", SHOW(key)));
			(void)ivol_get(c, path, true);
			free(path);
		}
	}
	if ((rc = cfg_map(cfg, "Labels", &v, ep)) == -1)
		return (-1);
	if (rc == 1) {
		json_object_foreach(v, key, it)
			if (!json_is_string(it))
				return (bad(ep, "config.Labels",
				    "value of '%s' is %s, not a string",
				    SHOW(key), jsonx_type_name(it)));
		if (json_object_size(v) > 0)
			c->labels = xcalloc(json_object_size(v),
			    sizeof(*c->labels));
		json_object_foreach(v, key, it) {
			c->labels[c->nlabels].name = xstrdup(key);
			c->labels[c->nlabels].value =
			    xstrdup(json_string_value(it));
			c->nlabels++;
		}
		if (c->nlabels > 0)
			qsort(c->labels, c->nlabels, sizeof(*c->labels),
			    kv_cmp);
	}
	for (i = 0; i < c->nlabels; i++) {
		key = c->labels[i].name;
		s = c->labels[i].value;
		if (strncmp(key, LABEL_ENV, strlen(LABEL_ENV)) == 0)
			rc = label_env(c, key, s, ep);
		else if (strncmp(key, LABEL_VOLUME, strlen(LABEL_VOLUME)) == 0)
			rc = label_volume(c, key, s, ep);
		else
			rc = 0;
		if (rc == -1)
			return (-1);
	}
	if (labels_devfs(c, ep) == -1)
		return (-1);
	if (c->nvolumes > 0)
		qsort(c->volumes, c->nvolumes, sizeof(*c->volumes), ivol_cmp);
	return (0);
}

int
imgcfg_parse(const void *buf, size_t len, struct image_config *c,
    struct error *ep)
{
	json_t *root;
	int rv;

	(void)memset(c, 0, sizeof(*c));
	if ((root = jsonx_parse(buf, len, "image config", ep)) == NULL)
		return (-1);
	rv = parse_config(c, root, ep);
	json_decref(root);
	if (rv == -1)
		imgcfg_release(c);
	return (rv);
}

void
imgcfg_release(struct image_config *c)
{
	size_t i;

	free(c->os);
	free(c->architecture);
	strv_free(c->entrypoint, c->nentrypoint);
	strv_free(c->cmd, c->ncmd);
	kvs_free(c->env, c->nenv);
	free(c->workdir);
	free(c->user);
	ports_free(c->ports, c->nports);
	for (i = 0; i < c->nvolumes; i++) {
		free(c->volumes[i].path);
		free(c->volumes[i].description);
		strv_free(c->volumes[i].zfs_props, c->volumes[i].nzfs_props);
	}
	free(c->volumes);
	for (i = 0; i < c->nenv_guards; i++) {
		free(c->env_guards[i].name);
		free(c->env_guards[i].description);
	}
	free(c->env_guards);
	strv_free(c->devfs_rules, c->ndevfs_rules);
	kvs_free(c->labels, c->nlabels);
	(void)memset(c, 0, sizeof(*c));
}

/* ---- Defaults and pre-flight ---- */

/* Cut a long name and add 8 hex digits of its path's SHA-256. */
static void
name_hashed(const char *path, const char *name, char *buf)
{
	char d[DIGEST_MAX];
	size_t n;

	digest_buf(DIGEST_SHA256, path, strlen(path), d);
	n = strlen(name);
	if (n > POD_NAME_MAX - 9)
		n = POD_NAME_MAX - 9;
	while (n > 0 && name[n - 1] == '-')
		n--;
	(void)snprintf(buf, POD_NAME_MAX + 1, "%.*s%s%.8s", (int)n, name,
	    n > 0 ? "-" : "vol-", digest_hex(d));
}

void
podspec_volume_name(const char *path, char *buf)
{
	char tmp[PATH_MAX + 1];
	const char *s;
	size_t n = 0;
	bool dash = false;
	char c;

	for (s = path; *s != '\0' && n + 2 < sizeof(tmp); s++) {
		c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && n > 0)
				tmp[n++] = '-';
			tmp[n++] = c;
			dash = false;
		} else
			dash = true;
	}
	tmp[n] = '\0';
	if (n == 0 && strcmp(path, "/") == 0)
		(void)snprintf(buf, POD_NAME_MAX + 1, "root");
	else if (n == 0 || n > POD_NAME_MAX)
		name_hashed(path, tmp, buf);
	else
		(void)memcpy(buf, tmp, n + 1);
}

static struct pod_mountpoint *
mp_by_name(const struct pod_app *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nmountpoints; i++)
		if (strcmp(a->mountpoints[i].name, name) == 0)
			return (&a->mountpoints[i]);
	return (NULL);
}

/* Does a manifest port name or cover this image port? */
static bool
port_given(const struct pod_app *a, const struct pod_port *ip)
{
	size_t i;
	const struct pod_port *p;

	for (i = 0; i < a->nports; i++) {
		p = &a->ports[i];
		if (strcmp(p->name, ip->name) == 0 ||
		    (strcmp(p->protocol, ip->protocol) == 0 &&
		    ip->port >= p->port && ip->port < p->port + p->count))
			return (true);
	}
	return (false);
}

int
podspec_app_defaults(struct pod_app *a, const struct image_config *c,
    struct error *ep)
{
	struct pod_kv *env = NULL;
	struct pod_mountpoint *mp;
	const struct image_volume *iv;
	const char *colon;
	char name[POD_NAME_MAX + 1], base[POD_NAME_MAX + 1];
	size_t i, j, nenv = 0;
	bool have;

	if (a->exec == NULL) {
		if (c->nentrypoint + c->ncmd == 0)
			return (error_set(ep, EX_CONFIG, 0, "app '%s': image "
			    "has no Entrypoint or Cmd and the manifest no exec",
			    a->name));
		a->exec = xcalloc(c->nentrypoint + c->ncmd, sizeof(char *));
		for (i = 0; i < c->nentrypoint; i++)
			a->exec[a->nexec++] = xstrdup(c->entrypoint[i]);
		for (i = 0; i < c->ncmd; i++)
			a->exec[a->nexec++] = xstrdup(c->cmd[i]);
	}
	if (a->user == NULL) {
		if (c->user == NULL)
			a->user = xstrdup("0");
		else if ((colon = strchr(c->user, ':')) == NULL)
			a->user = xstrdup(c->user);
		else {
			a->user = colon == c->user ? xstrdup("0") :
			    xstrndup(c->user, (size_t)(colon - c->user));
			if (a->group == NULL && colon[1] != '\0')
				a->group = xstrdup(colon + 1);
		}
	}
	if (a->workdir == NULL)
		a->workdir = xstrdup(c->workdir != NULL ? c->workdir : "/");

	/* The image's Env in its order, the manifest's entries over it. */
	for (i = 0; i < c->nenv; i++)
		podspec_kv_set(&env, &nenv, c->env[i].name, c->env[i].value);
	for (i = 0; i < a->nenv; i++)
		podspec_kv_set(&env, &nenv, a->env[i].name, a->env[i].value);
	kvs_free(a->env, a->nenv);
	a->env = env;
	a->nenv = nenv;

	for (i = 0; i < c->nports; i++) {
		if (port_given(a, &c->ports[i]))
			continue;
		a->ports = xreallocarray(a->ports, a->nports + 1,
		    sizeof(*a->ports));
		a->ports[a->nports] = c->ports[i];
		a->ports[a->nports].name = xstrdup(c->ports[i].name);
		a->ports[a->nports].protocol = xstrdup(c->ports[i].protocol);
		a->nports++;
	}

	for (i = 0; i < c->nvolumes; i++) {
		iv = &c->volumes[i];
		for (j = 0, have = false; j < a->nmountpoints && !have; j++)
			have = strcmp(a->mountpoints[j].path, iv->path) == 0;
		if (have)
			continue;
		podspec_volume_name(iv->path, name);
		/* A manifest mountPoint of that name elsewhere: make ours
		 * distinct rather than mount one volume at two paths. */
		if (mp_by_name(a, name) != NULL) {
			(void)memcpy(base, name, sizeof(base));
			name_hashed(iv->path, base, name);
			if (mp_by_name(a, name) != NULL)
				return (error_set(ep, EX_CONFIG, 0, "app '%s': "
				    "no free mountPoint name for image volume "
				    "%s", a->name, SHOW(iv->path)));
		}
		a->mountpoints = xreallocarray(a->mountpoints,
		    a->nmountpoints + 1, sizeof(*a->mountpoints));
		mp = &a->mountpoints[a->nmountpoints++];
		mp->name = xstrdup(name);
		mp->path = xstrdup(iv->path);
		mp->readonly = iv->readonly;
	}
	a->has_app = true;
	return (0);
}

/* The missing items of a pre-flight, joined with "; ". */
struct missing {
	char	buf[2048];
	size_t	len;
	size_t	n;
};

static void	miss(struct missing *, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));

static void
miss(struct missing *ms, const char *fmt, ...)
{
	va_list ap;
	int r;

	ms->n++;
	if (ms->len + 1 >= sizeof(ms->buf))
		return;
	if (ms->n > 1) {
		r = snprintf(ms->buf + ms->len, sizeof(ms->buf) - ms->len,
		    "; ");
		ms->len += (size_t)r;
	}
	if (ms->len + 1 >= sizeof(ms->buf))
		return;
	va_start(ap, fmt);
	r = vsnprintf(ms->buf + ms->len, sizeof(ms->buf) - ms->len, fmt, ap);
	va_end(ap);
	if (r > 0)
		ms->len += (size_t)r;
	if (ms->len >= sizeof(ms->buf))
		ms->len = sizeof(ms->buf) - 1;
}

static const struct image_volume *
cfg_volume(const struct image_config *c, const char *path)
{
	size_t i;

	if (c == NULL)
		return (NULL);
	for (i = 0; i < c->nvolumes; i++)
		if (strcmp(c->volumes[i].path, path) == 0)
			return (&c->volumes[i]);
	return (NULL);
}

static void
add_mount(struct pod_app *a, const char *vol, const char *path)
{
	a->mounts = xreallocarray(a->mounts, a->nmounts + 1,
	    sizeof(*a->mounts));
	a->mounts[a->nmounts].volume = xstrdup(vol);
	a->mounts[a->nmounts].path = xstrdup(path);
	a->nmounts++;
}

/* Give the mountPoints of app a their mounts; note what cannot be. */
static void
complete_mounts(struct pod_manifest *m, struct pod_app *a,
    const struct image_config *c, size_t given, struct missing *ms)
{
	const struct image_volume *iv;
	struct pod_mountpoint *mp;
	struct pod_volume *v;
	size_t i, j;
	bool have;

	for (i = 0; i < a->nmountpoints; i++) {
		mp = &a->mountpoints[i];
		for (j = 0, have = false; j < a->nmounts && !have; j++)
			have = strcmp(a->mounts[j].path, mp->path) == 0;
		if (have)
			continue;
		iv = cfg_volume(c, mp->path);
		v = podspec_volume(m, mp->name);
		/*
		 * A volume this pre-flight made for another app's optional
		 * mountPoint does not fulfil a required one: the user must
		 * give one, whichever app comes first.
		 */
		if (v != NULL && (size_t)(v - m->volumes) < given) {
			add_mount(a, v->name, mp->path);
			continue;
		}
		if (iv != NULL && iv->required) {
			miss(ms, "app '%s': mountPoint '%s' (%s%s%s) has no "
			    "volume", a->name, mp->name, SHOW(mp->path),
			    iv->description != NULL ? ", " : "",
			    iv->description != NULL ?
			    SHOW(iv->description) : "");
			continue;
		}
		if (v == NULL) {
			m->volumes = xreallocarray(m->volumes, m->nvolumes + 1,
			    sizeof(*m->volumes));
			v = &m->volumes[m->nvolumes++];
			(void)memset(v, 0, sizeof(*v));
			v->name = xstrdup(mp->name);
			v->kind = POD_VOLUME_EMPTY;
			v->mode = 0755;
			if (iv != NULL) {
				v->zfs_props = strv_dup(iv->zfs_props,
				    iv->nzfs_props);
				v->nzfs_props = iv->nzfs_props;
			}
		}
		add_mount(a, v->name, mp->path);
	}
}

int
podspec_preflight(struct pod_manifest *m,
    const struct image_config *const *cfgs, struct error *ep)
{
	const struct image_config *c;
	const struct image_env_guard *g;
	struct missing *ms;
	struct pod_app *a;
	size_t i, j, given;
	int rv = 0;

	ms = xcalloc(1, sizeof(*ms));
	given = m->nvolumes;
	for (i = 0; i < m->napps; i++) {
		a = &m->apps[i];
		c = cfgs != NULL ? cfgs[i] : NULL;
		for (j = 0; c != NULL && j < c->nenv_guards; j++) {
			g = &c->env_guards[j];
			if (!g->required ||
			    podspec_annotation(a->env, a->nenv,
			    g->name) != NULL ||
			    podspec_annotation(c->env, c->nenv,
			    g->name) != NULL)
				continue;
			miss(ms, "app '%s': env %s%s%s%s not set", a->name,
			    g->name, g->description != NULL ? " (" : "",
			    g->description != NULL ?
			    SHOW(g->description) : "",
			    g->description != NULL ? ")" : "");
		}
		complete_mounts(m, a, c, given, ms);
		for (j = 0; j < a->nmounts; j++)
			if (podspec_volume(m, a->mounts[j].volume) == NULL)
				miss(ms, "app '%s': mount at %s: no volume "
				    "'%s'", a->name, SHOW(a->mounts[j].path),
				    SHOW(a->mounts[j].volume));
		for (j = 0; j < a->limits.nother; j++)
			miss(ms, "app '%s': isolator '%s' not supported",
			    a->name, SHOW(a->limits.other[j].name));
	}
	for (j = 0; j < m->limits.nother; j++)
		miss(ms, "isolator '%s' not supported",
		    SHOW(m->limits.other[j].name));
	if (ms->n > 0)
		rv = error_set(ep, EX_CONFIG, 0, "pod not created: %s",
		    ms->buf);
	free(ms);
	return (rv);
}
