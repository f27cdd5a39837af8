/* SPDX-License-Identifier: BSD-2-Clause */
/* parse_num() and parse_size(): strict numbers for options and manifests. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "common/error.h"
#include "common/num.h"

int
parse_num(const char *s, long long min, long long max, long long *out,
    struct error *ep)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return (error_set(ep, EX_USAGE, 0, "'%s': not a number",
		    s == NULL ? "" : s));
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return (error_set(ep, EX_USAGE, 0, "'%s': not a number", s));
	if (errno == ERANGE || v < min || v > max)
		return (error_set(ep, EX_USAGE, 0,
		    "'%s': out of range (%lld to %lld)", s, min, max));
	*out = v;
	return (0);
}

int
parse_size(const char *s, long long *out, struct error *ep)
{
	static const char units[] = "bkmgtpe";
	const char *u;
	char *end;
	double v, mul = 1;

	if (s == NULL || *s == '\0' || !isdigit((unsigned char)*s))
		return (error_set(ep, EX_USAGE, 0, "'%s': not a size",
		    s == NULL ? "" : s));
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE || !isfinite(v))
		return (error_set(ep, EX_USAGE, 0, "'%s': size out of range", s));
	if (*end != '\0') {
		if ((u = strchr(units, tolower((unsigned char)*end))) == NULL)
			return (error_set(ep, EX_USAGE, 0,
			    "'%s': unknown size unit", s));
		mul = ldexp(1.0, 10 * (int)(u - units));
		end++;
		if (*end != '\0' && strcasecmp(end, "ib") != 0 &&
		    strcasecmp(end, "b") != 0)
			return (error_set(ep, EX_USAGE, 0,
			    "'%s': unknown size unit", s));
	}
	v *= mul;
	if (v >= 9.2e18)
		return (error_set(ep, EX_USAGE, 0, "'%s': size out of range", s));
	*out = (long long)v;
	return (0);
}
