/* SPDX-License-Identifier: BSD-2-Clause */
/* Allocation wrappers that exit with EX_OSERR when memory runs out. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common/log.h"
#include "common/xalloc.h"

static _Noreturn void
oom(void)
{
	log_fatal(EX_OSERR, "out of memory");
	exit(EX_OSERR);
}

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		oom();
	return (p);
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p;

	if ((p = calloc(n == 0 ? 1 : n, sz == 0 ? 1 : sz)) == NULL)
		oom();
	return (p);
}

void *
xrealloc(void *o, size_t n)
{
	void *p;

	if ((p = realloc(o, n == 0 ? 1 : n)) == NULL)
		oom();
	return (p);
}

void *
xreallocarray(void *o, size_t n, size_t sz)
{
	if (sz != 0 && n > SIZE_MAX / sz)
		oom();
	return (xrealloc(o, n * sz));
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		oom();
	return (p);
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	if ((p = strndup(s, n)) == NULL)
		oom();
	return (p);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n == -1)
		oom();
	return (p);
}
