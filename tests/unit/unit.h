/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A tiny TAP harness for the unit tests.  Each test is a function; TEST()
 * runs it and prints "ok N - name" or "not ok N - name".  CHECK() and
 * CHECK_STREQ() print file:line and the failed expression, mark the current
 * test failed, and carry on.  unit_done() returns the exit status.
 */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_n, unit_failed_any, unit_failed_this;

#define	CHECK(expr) do {						\
	if (!(expr)) {							\
		(void)fprintf(stdout, "# %s:%d: CHECK(%s) failed\n",	\
		    __FILE__, __LINE__, #expr);				\
		unit_failed_this = 1;					\
	}								\
} while (0)

#define	CHECK_STREQ(a, b) do {						\
	const char *unit_a = (a), *unit_b = (b);			\
	if (unit_a == NULL || unit_b == NULL ||				\
	    strcmp(unit_a, unit_b) != 0) {				\
		(void)fprintf(stdout,					\
		    "# %s:%d: CHECK_STREQ(%s, %s) failed: '%s' != '%s'\n",\
		    __FILE__, __LINE__, #a, #b,				\
		    unit_a ? unit_a : "(null)", unit_b ? unit_b : "(null)");\
		unit_failed_this = 1;					\
	}								\
} while (0)

#define	TEST(fn) do {							\
	unit_failed_this = 0;						\
	fn();								\
	unit_n++;							\
	(void)fprintf(stdout, "%sok %d - %s\n",				\
	    unit_failed_this ? "not " : "", unit_n, #fn);		\
	(void)fflush(stdout);						\
	if (unit_failed_this)						\
		unit_failed_any = 1;					\
} while (0)

static inline int
unit_done(void)
{
	(void)fprintf(stdout, "1..%d\n", unit_n);
	return (unit_failed_any ? 1 : 0);
}

#endif /* TESTS_UNIT_UNIT_H */
