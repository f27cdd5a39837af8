/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/num.c. */
#include <sysexits.h>

#include "common/error.h"
#include "common/num.h"
#include "tests/unit/unit.h"

static void
num_valid(void)
{
	struct error e = ERROR_INIT;
	long long v = 0;

	CHECK(parse_num("42", 0, 100, &v, &e) == 0 && v == 42);
	CHECK(parse_num("-5", -10, 10, &v, &e) == 0 && v == -5);
}

static void
num_invalid(void)
{
	struct error e = ERROR_INIT;
	long long v = 7;

	CHECK(parse_num("", 0, 10, &v, &e) == -1 && e.exit == EX_USAGE);
	CHECK(parse_num("4x", 0, 10, &v, &e) == -1);
	CHECK(strstr(e.msg, "'4x'") != NULL);
	CHECK(parse_num(" 4", 0, 10, &v, &e) == -1);
	CHECK(parse_num("11", 0, 10, &v, &e) == -1);
	CHECK(strstr(e.msg, "out of range") != NULL);
	CHECK(parse_num("99999999999999999999999", 0, 10, &v, &e) == -1);
	CHECK(v == 7);
}

static void
size_units(void)
{
	struct error e = ERROR_INIT;
	long long v = 0;

	CHECK(parse_size("512", &v, &e) == 0 && v == 512);
	CHECK(parse_size("64k", &v, &e) == 0 && v == 65536);
	CHECK(parse_size("1.5G", &v, &e) == 0 && v == 1610612736LL);
	CHECK(parse_size("2GiB", &v, &e) == 0 && v == 2147483648LL);
	CHECK(parse_size("1x", &v, &e) == -1 && e.exit == EX_USAGE);
	CHECK(parse_size("k", &v, &e) == -1);
	CHECK(parse_size("1kq", &v, &e) == -1);
	CHECK(parse_size("99999999E", &v, &e) == -1);
}

int
main(void)
{
	TEST(num_valid);
	TEST(num_invalid);
	TEST(size_units);
	return (unit_done());
}
