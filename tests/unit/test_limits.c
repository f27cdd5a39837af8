/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for common/limits.c: defaults, berth.conf keys and values,
 * formatting, and the byte limit of an unpacked layer.
 */
#include <stdint.h>
#include <string.h>
#include <sysexits.h>

#include "common/error.h"
#include "common/limits.h"
#include "tests/unit/unit.h"

static void
defaults(void)
{
	struct limits l;
	char buf[256];

	(void)memset(&l, 0xff, sizeof(l));
	limits_init(&l);
	CHECK(l.max_blob_size == 10LL << 30);
	CHECK(l.max_image_size == 50LL << 30);
	CHECK(l.min_free_space == 256LL << 20);
	CHECK(l.max_layer_size == 32LL << 30);
	CHECK(l.max_layer_expansion == 100);
	/* The defaults format as nothing. */
	CHECK(limits_format(&l, buf, sizeof(buf)) == 0 && buf[0] == '\0');
}

static void
set_values(void)
{
	struct error e = ERROR_INIT;
	struct limits l;

	limits_init(&l);
	CHECK(limits_set(&l, "max_blob_size", "512M", &e) == 1);
	CHECK(l.max_blob_size == 512LL << 20);
	CHECK(limits_set(&l, "max_image_size", "1.5T", &e) == 1);
	CHECK(l.max_image_size == 3LL << 39);
	CHECK(limits_set(&l, "min_free_space", "0", &e) == 1);
	CHECK(l.min_free_space == 0);
	CHECK(limits_set(&l, "max_layer_size", "4096", &e) == 1);
	CHECK(l.max_layer_size == 4096);
	CHECK(limits_set(&l, "max_layer_expansion", "20x", &e) == 1);
	CHECK(l.max_layer_expansion == 20);
	CHECK(limits_set(&l, "max_layer_expansion", "7", &e) == 1);
	CHECK(l.max_layer_expansion == 7);
	/* Not a limit: nothing changes, no error. */
	CHECK(limits_set(&l, "driver", "dir", &e) == 0);
	CHECK(limits_set(&l, "max_blob", "1G", &e) == 0);
	CHECK(l.max_blob_size == 512LL << 20);
}

static void
bad_values(void)
{
	struct error e = ERROR_INIT;
	struct limits l;

	limits_init(&l);
	CHECK(limits_set(&l, "max_blob_size", "", &e) == -1 &&
	    e.exit == EX_USAGE);
	CHECK(limits_set(&l, "max_blob_size", "-1", &e) == -1);
	CHECK(limits_set(&l, "max_blob_size", "10Q", &e) == -1);
	CHECK(strstr(e.msg, "max_blob_size") != NULL &&
	    strstr(e.msg, "'10Q'") != NULL);
	CHECK(limits_set(&l, "max_image_size", "99999999E", &e) == -1);
	CHECK(limits_set(&l, "max_layer_expansion", "x", &e) == -1);
	CHECK(limits_set(&l, "max_layer_expansion", "-2", &e) == -1);
	CHECK(limits_set(&l, "max_layer_expansion", "10y", &e) == -1);
	CHECK(limits_set(&l, "max_layer_expansion", "2000000", &e) == -1);
	CHECK(strstr(e.msg, "max_layer_expansion") != NULL);
	CHECK(l.max_blob_size == LIMITS_BLOB_SIZE_DEFAULT);
	CHECK(l.max_layer_expansion == LIMITS_EXPANSION_DEFAULT);
}

static void
format(void)
{
	struct limits l;
	char buf[256], small[8];

	limits_init(&l);
	l.max_blob_size = 1024;
	l.max_layer_expansion = 20;
	l.min_free_space = 0;		/* off: left out */
	CHECK(limits_format(&l, buf, sizeof(buf)) > 0);
	CHECK_STREQ(buf, "max_blob_size=1024\nmax_layer_expansion=20\n");
	CHECK(limits_format(&l, small, sizeof(small)) == -1);
	(void)memset(&l, 0, sizeof(l));
	CHECK(limits_format(&l, buf, sizeof(buf)) == 0 && buf[0] == '\0');
}

/* max_layer_expansion: "RATIO", "SIZE", "RATIO,SIZE", "off". */
static void
expansion(void)
{
	struct error e = ERROR_INIT;
	struct limits l;

	limits_init(&l);
	CHECK(limits_set(&l, "max_layer_expansion", " 20 , 256M ", &e) == 1);
	CHECK(l.max_layer_expansion == 20 && l.max_layer_size == 256LL << 20);
	CHECK(limits_set(&l, "max_layer_expansion", "off", &e) == 1);
	CHECK(l.max_layer_expansion == 0 && l.max_layer_size == 256LL << 20);
	CHECK(limits_set(&l, "max_layer_expansion", "1G,100x", &e) == 1);
	CHECK(l.max_layer_expansion == 100 && l.max_layer_size == 1LL << 30);
	CHECK(limits_set(&l, "max_layer_expansion", "5,6", &e) == -1);
	CHECK(strstr(e.msg, "two ratios") != NULL);
	CHECK(limits_set(&l, "max_layer_expansion", "1G,lots", &e) == -1);
	CHECK(strstr(e.msg, "'lots' is neither a ratio") != NULL);
	/* A failed value changes nothing. */
	CHECK(l.max_layer_expansion == 100 && l.max_layer_size == 1LL << 30);
}

int
main(void)
{
	TEST(defaults);
	TEST(set_values);
	TEST(bad_values);
	TEST(format);
	TEST(expansion);
	return (unit_done());
}
