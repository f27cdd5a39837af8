/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Strict JSON reading over jansson: one value per document, duplicate keys
 * refused (two parsers could otherwise disagree on what a document says),
 * and member accessors that report a member of the wrong type as an error
 * rather than as absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "common/error.h"
#include "common/jsonx.h"
#include "common/log.h"
#include "common/xalloc.h"

json_t *
jsonx_parse(const void *buf, size_t len, const char *what, struct error *ep)
{
	json_error_t jerr;
	json_t *v;
	char t[sizeof(jerr.text)];

	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &jerr);
	if (v == NULL) {
		(void)error_set(ep, EX_DATAERR, 0,
		    "'%s': not valid JSON: %s at line %d column %d", what,
		    error_shown(jerr.text, t, sizeof(t)), jerr.line,
		    jerr.column);
		return (NULL);
	}
	return (v);
}

const char *
jsonx_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return ("object");
	case JSON_ARRAY:
		return ("array");
	case JSON_STRING:
		return ("string");
	case JSON_INTEGER:
		return ("integer");
	case JSON_REAL:
		return ("real");
	case JSON_TRUE:
	case JSON_FALSE:
		return ("boolean");
	case JSON_NULL:
	default:
		return ("null");
	}
}

/* The member key of obj if it has type t; else NULL, and *bad if present. */
static json_t *
member(const json_t *obj, const char *key, json_type t, int *bad,
    struct error *ep)
{
	json_t *v;
	char k[64];

	if (obj == NULL || !json_is_object(obj) ||
	    (v = json_object_get(obj, key)) == NULL)
		return (NULL);
	if (json_typeof(v) == t)
		return (v);
	(void)error_set(ep, EX_DATAERR, 0, "'%s': expected %s, found %s",
	    error_shown(key, k, sizeof(k)),
	    t == JSON_OBJECT ? "an object" : t == JSON_ARRAY ? "an array" :
	    "a string", jsonx_type_name(v));
	if (bad != NULL)
		*bad = 1;
	return (NULL);
}

const char *
jsonx_string(const json_t *obj, const char *key, int *bad, struct error *ep)
{
	json_t *v;

	if ((v = member(obj, key, JSON_STRING, bad, ep)) == NULL)
		return (NULL);
	return (json_string_value(v));
}

json_t *
jsonx_object(const json_t *obj, const char *key, int *bad, struct error *ep)
{
	return (member(obj, key, JSON_OBJECT, bad, ep));
}

json_t *
jsonx_array(const json_t *obj, const char *key, int *bad, struct error *ep)
{
	return (member(obj, key, JSON_ARRAY, bad, ep));
}

int
jsonx_int64(const json_t *obj, const char *key, int64_t min, int64_t max,
    int64_t *out, struct error *ep)
{
	json_t *v;
	json_int_t n;
	char k[64];

	if (obj == NULL || !json_is_object(obj) ||
	    (v = json_object_get(obj, key)) == NULL)
		return (0);
	if (!json_is_integer(v))
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': expected an integer, found %s",
		    error_shown(key, k, sizeof(k)), jsonx_type_name(v)));
	n = json_integer_value(v);
	if (n < min || n > max)
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': %lld is out of range (%lld to %lld)",
		    error_shown(key, k, sizeof(k)), (long long)n,
		    (long long)min, (long long)max));
	*out = (int64_t)n;
	return (1);
}

int
jsonx_check_string_map(const json_t *v, const char *what, struct error *ep)
{
	const char *key;
	json_t *val;
	char k[64];

	if (!json_is_object(v))
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': expected an object, found %s", what,
		    jsonx_type_name(v)));
	json_object_foreach((json_t *)v, key, val) {
		if (!json_is_string(val))
			return (error_set(ep, EX_DATAERR, 0,
			    "'%s': value of '%s' is %s, not a string", what,
			    error_shown(key, k, sizeof(k)),
			    jsonx_type_name(val)));
	}
	return (0);
}

int
jsonx_check_string_array(const json_t *v, size_t max, const char *what,
    struct error *ep)
{
	size_t i;

	if (!json_is_array(v))
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': expected an array, found %s", what,
		    jsonx_type_name(v)));
	if (json_array_size(v) > max)
		return (error_set(ep, EX_DATAERR, 0,
		    "'%s': %zu entries, more than %zu", what,
		    json_array_size(v), max));
	for (i = 0; i < json_array_size(v); i++)
		if (!json_is_string(json_array_get(v, i)))
			return (error_set(ep, EX_DATAERR, 0,
			    "'%s'[%zu]: expected a string, found %s", what, i,
			    jsonx_type_name(json_array_get(v, i))));
	return (0);
}

char *
jsonx_dump(const json_t *v, size_t *lenp)
{
	char *s;

	if (v == NULL)
		s = xstrdup("null");
	else
		s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
		    JSON_ENCODE_ANY);
	if (s == NULL) {
		/* With a valid value, json_dumps fails only on allocation. */
		log_fatal(EX_OSERR, "out of memory");
		exit(EX_OSERR);
	}
	if (lenp != NULL)
		*lenp = strlen(s);
	return (s);
}
