/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for common/error.c. */
#include <errno.h>
#include <sysexits.h>

#include "common/error.h"
#include "tests/unit/unit.h"

static int
inner(struct error *ep)
{
	return (error_set(ep, EX_NOINPUT, ENOENT, "open '%s'", "x"));
}

static void
set_and_wrap(void)
{
	struct error e = ERROR_INIT;

	CHECK(inner(&e) == -1);
	CHECK(e.exit == EX_NOINPUT && e.errnum == ENOENT);
	CHECK_STREQ(e.msg, "open 'x'");
	CHECK(error_wrap(&e, "layer %s", "sha256:ab") == -1);
	CHECK_STREQ(e.msg, "layer sha256:ab: open 'x'");
	CHECK(e.exit == EX_NOINPUT);
	error_clear(&e);
	CHECK(e.exit == 0 && e.msg[0] == '\0');
}

static void
wrap_truncates(void)
{
	struct error e = ERROR_INIT;
	char big[1000];

	(void)memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	(void)error_set(&e, EX_DATAERR, 0, "%s", big);
	CHECK(strlen(e.msg) == sizeof(e.msg) - 1);
	(void)error_wrap(&e, "ctx");
	CHECK(strncmp(e.msg, "ctx: aaa", 8) == 0);
	CHECK(strlen(e.msg) == sizeof(e.msg) - 1);
}

int
main(void)
{
	TEST(set_and_wrap);
	TEST(wrap_truncates);
	return (unit_done());
}
