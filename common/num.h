/* SPDX-License-Identifier: BSD-2-Clause */
/* Checked number parsing, shaped like OpenBSD strtonum(3). */
#ifndef COMMON_NUM_H
#define COMMON_NUM_H

struct error;

/*
 * Parse the decimal integer s into *out if it lies in [min, max].  On a
 * malformed or out-of-range value, fill *ep (EX_USAGE, naming the value) and
 * return -1.
 */
int	parse_num(const char *, long long, long long, long long *,
	    struct error *);

/*
 * Parse a size such as "512", "64k", "1.5G", "2GiB" (binary multiples) into
 * bytes.  EX_USAGE on error.
 */
int	parse_size(const char *, long long *, struct error *);

#endif /* COMMON_NUM_H */
