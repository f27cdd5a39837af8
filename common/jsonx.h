/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Small helpers over jansson for reading untrusted documents: a strict
 * parser and typed member accessors that say what was wrong with a member
 * (EX_DATAERR) instead of silently treating it as absent.
 */
#ifndef COMMON_JSONX_H
#define COMMON_JSONX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct error;

/*
 * Parse len bytes as one JSON value of any type (no duplicate keys, no
 * trailing garbage, no NUL in strings).  The caller json_decref()s the
 * result.  On failure NULL and EX_DATAERR: "'<what>': not valid JSON:
 * <parser message> at line L column C".
 */
json_t	*jsonx_parse(const void *, size_t, const char *, struct error *);

/*
 * The string member key of obj, or NULL if absent (or obj is not an
 * object).  If present but not a string, NULL, EX_DATAERR naming key, and
 * *bad is set to 1 (it is never cleared, so one flag can collect several
 * calls).  The string belongs to obj.
 */
const char *jsonx_string(const json_t *, const char *, int *, struct error *);

/*
 * The object (jsonx_object) or array (jsonx_array) member key of obj, or
 * NULL if absent.  Present with another type: NULL, EX_DATAERR naming key,
 * and *bad set to 1.  The value belongs to obj.
 */
json_t	*jsonx_object(const json_t *, const char *, int *, struct error *);
json_t	*jsonx_array(const json_t *, const char *, int *, struct error *);

/*
 * The integer member key of obj into *out if it lies in [min, max].
 * Returns 1 if present, 0 if absent (*out untouched), -1 with EX_DATAERR
 * naming key if it is not an integer (a real such as 2.0 is refused) or
 * out of range.
 */
int	jsonx_int64(const json_t *, const char *, int64_t, int64_t, int64_t *,
	    struct error *);

/* "object", "array", "string", "integer", "real", "boolean" or "null". */
const char *jsonx_type_name(const json_t *);

/*
 * Check that v is an object whose members are all strings (annotations,
 * labels).  EX_DATAERR naming what and the offending key otherwise.
 */
int	jsonx_check_string_map(const json_t *, const char *, struct error *);

/*
 * Check that v is an array of at most max strings.  EX_DATAERR naming what
 * otherwise.
 */
int	jsonx_check_string_array(const json_t *, size_t, const char *,
	    struct error *);

/*
 * Serialise compactly with sorted keys (any value type); caller frees.
 * *len (may be NULL) receives strlen of the result.  Exits on OOM.
 */
char	*jsonx_dump(const json_t *, size_t *);

#endif /* COMMON_JSONX_H */
