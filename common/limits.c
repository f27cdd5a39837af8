/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The resource limits of a berth root: their berth.conf keys, defaults,
 * parsing and formatting.  Enforcement lives with what each limit guards
 * (store.c and img-pull for downloads, the layer applier for unpacking).
 */
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

int
limits_set(struct limits *l, const char *key, const char *val,
    struct error *ep)
{
	const struct limit_key *k = NULL;
	char num[32];
	long long v;
	size_t i, n;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(key, keys[i].name) == 0)
			k = &keys[i];
	if (k == NULL)
		return (0);
	if (k->kind == LIMIT_SIZE) {
		if (parse_size(val, &v, ep) == -1)
			return (error_wrap(ep, "%s", key));
	} else {
		/* "100" or "100x". */
		n = strlen(val);
		if (n > 0 && (val[n - 1] == 'x' || val[n - 1] == 'X'))
			n--;
		if (n >= sizeof(num))
			return (error_set(ep, EX_USAGE, 0, "%s: '%s': not a "
			    "ratio", key, val));
		(void)memcpy(num, val, n);
		num[n] = '\0';
		if (parse_num(num, 0, LIMITS_EXPANSION_MAX, &v, ep) == -1)
			return (error_wrap(ep, "%s", key));
	}
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

uint64_t
limits_layer_max_bytes(const struct limits *l, int64_t compressed)
{
	uint64_t max = UINT64_MAX, ratio;

	if (l->max_layer_expansion > 0 && compressed >= 0) {
		ratio = (uint64_t)l->max_layer_expansion;
		if ((uint64_t)compressed <= UINT64_MAX / ratio)
			max = (uint64_t)compressed * ratio;
		if (max < (uint64_t)LIMITS_EXPANSION_FLOOR)
			max = (uint64_t)LIMITS_EXPANSION_FLOOR;
	}
	if (l->max_layer_size > 0 && (uint64_t)l->max_layer_size < max)
		max = (uint64_t)l->max_layer_size;
	return (max);
}
