/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The resource limits of a berth root: their berth.conf keys, defaults,
 * parsing and formatting.  Enforcement lives with what each limit guards
 * (store.c and img-pull for downloads, the layer applier for unpacking).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "common/error.h"
#include "common/limits.h"
#include "common/num.h"

enum limit_kind {
	LIMIT_SIZE,		/* bytes, parse_size() */
	LIMIT_RATIO		/* a plain number, "x" allowed after it */
};

static const struct limit_key {
	const char	*name;
	size_t		 off;
	enum limit_kind	 kind;
	int64_t		 dflt;
} keys[] = {
	{ "max_blob_size", offsetof(struct limits, max_blob_size),
	    LIMIT_SIZE, LIMITS_BLOB_SIZE_DEFAULT },
	{ "max_image_size", offsetof(struct limits, max_image_size),
	    LIMIT_SIZE, LIMITS_IMAGE_SIZE_DEFAULT },
	{ "min_free_space", offsetof(struct limits, min_free_space),
	    LIMIT_SIZE, LIMITS_FREE_SPACE_DEFAULT },
	{ "max_layer_size", offsetof(struct limits, max_layer_size),
	    LIMIT_SIZE, LIMITS_LAYER_SIZE_DEFAULT },
	{ "max_layer_expansion", offsetof(struct limits, max_layer_expansion),
	    LIMIT_RATIO, LIMITS_EXPANSION_DEFAULT }
};
#define	NKEYS	(sizeof(keys) / sizeof(keys[0]))

static int64_t *
field(struct limits *l, const struct limit_key *k)
{
	return ((int64_t *)(void *)((char *)l + k->off));
}

static int64_t
cfield(const struct limits *l, const struct limit_key *k)
{
	return (*(const int64_t *)(const void *)((const char *)l + k->off));
}

void
limits_init(struct limits *l)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		*field(l, &keys[i]) = keys[i].dflt;
}

/* A ratio: "100", "100x", or "off" (0). */
static int
parse_ratio(const char *key, const char *val, long long *v, struct error *ep)
{
	char num[32];
	size_t n;

	if (strcmp(val, "off") == 0) {
		*v = 0;
		return (0);
	}
	n = strlen(val);
	if (n > 0 && (val[n - 1] == 'x' || val[n - 1] == 'X'))
		n--;
	if (n == 0 || n >= sizeof(num) || strspn(val, "0123456789") != n)
		return (error_set(ep, EX_USAGE, 0, "%s: '%s': not a ratio",
		    key, val));
	(void)memcpy(num, val, n);
	num[n] = '\0';
	if (parse_num(num, 0, LIMITS_EXPANSION_MAX, v, ep) == -1)
		return (error_wrap(ep, "%s", key));
	return (0);
}

/*
 * max_layer_expansion: "RATIO", "SIZE" or "RATIO,SIZE" (blanks around
 * the comma allowed); a term with a unit is max_layer_size.
 */
static int
set_expansion(struct limits *l, const char *key, const char *val,
    struct error *ep)
{
	char buf[64], *term, *next, *end;
	long long ratio = l->max_layer_expansion, size = l->max_layer_size;
	bool has_ratio = false, has_size = false;

	if (strlen(val) >= sizeof(buf))
		return (error_set(ep, EX_USAGE, 0, "%s: '%s': too long", key,
		    val));
	(void)snprintf(buf, sizeof(buf), "%s", val);
	for (term = buf; term != NULL; term = next) {
		if ((next = strchr(term, ',')) != NULL)
			*next++ = '\0';
		while (*term == ' ' || *term == '\t')
			term++;
		end = term + strlen(term);
		while (end > term && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (strcmp(term, "off") == 0 || (*term != '\0' &&
		    strspn(term, "0123456789xX") == strlen(term))) {
			if (has_ratio || parse_ratio(key, term, &ratio,
			    ep) == -1)
				return (has_ratio ? error_set(ep, EX_USAGE, 0,
				    "%s: '%s': two ratios", key, val) : -1);
			has_ratio = true;
		} else {
			if (has_size || parse_size(term, &size, ep) == -1)
				return (error_set(ep, EX_USAGE, 0, "%s: '%s': "
				    "'%s' is neither a ratio (\"50\", "
				    "\"off\") nor a size (\"20G\")", key, val,
				    term));
			has_size = true;
		}
	}
	l->max_layer_expansion = ratio;
	l->max_layer_size = size;
	return (1);
}

int
limits_set(struct limits *l, const char *key, const char *val,
    struct error *ep)
{
	const struct limit_key *k = NULL;
	long long v;
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(key, keys[i].name) == 0)
			k = &keys[i];
	if (k == NULL)
		return (0);
	if (k->kind == LIMIT_RATIO)
		return (set_expansion(l, key, val, ep));
	if (parse_size(val, &v, ep) == -1)
		return (error_wrap(ep, "%s", key));
	*field(l, k) = (int64_t)v;
	return (1);
}

int
limits_format(const struct limits *l, char *buf, size_t len)
{
	size_t i, used = 0;
	int n;

	if (len == 0)
		return (-1);
	buf[0] = '\0';
	for (i = 0; i < NKEYS; i++) {
		if (cfield(l, &keys[i]) == keys[i].dflt ||
		    cfield(l, &keys[i]) == 0)
			continue;
		n = snprintf(buf + used, len - used, "%s=%lld\n",
		    keys[i].name, (long long)cfield(l, &keys[i]));
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';
			return (-1);
		}
		used += (size_t)n;
	}
	return ((int)used);
}

