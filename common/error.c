/* SPDX-License-Identifier: BSD-2-Clause */
/* The error helpers: set, wrap, and report an error once at the top. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common/error.h"
#include "common/log.h"

int
error_set(struct error *ep, int ex, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (ep == NULL)
		return (-1);
	ep->exit = ex;
	ep->errnum = errnum;
	va_start(ap, fmt);
	(void)vsnprintf(ep->msg, sizeof(ep->msg), fmt, ap);
	va_end(ap);
	return (-1);
}

/* "a: b" into buf (len bytes), cut at its end: a message stays one line. */
static void
join_cut(char *buf, size_t len, const char *a, const char *b)
{
	size_t n = 0, k;

	k = strlen(a);
	if (k > len - 1)
		k = len - 1;
	(void)memcpy(buf, a, k);
	n = k;
	if (n + 2 < len) {
		(void)memcpy(buf + n, ": ", 2);
		n += 2;
	}
	k = strlen(b);
	if (k > len - 1 - n)
		k = len - 1 - n;
	(void)memcpy(buf + n, b, k);
	buf[n + k] = '\0';
}

int
error_wrap(struct error *ep, const char *fmt, ...)
{
	char ctx[sizeof(ep->msg)], old[sizeof(ep->msg)];
	va_list ap;

	if (ep == NULL)
		return (-1);
	va_start(ap, fmt);
	(void)vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	(void)memcpy(old, ep->msg, sizeof(old));
	if (old[0] == '\0')
		(void)snprintf(ep->msg, sizeof(ep->msg), "%s", ctx);
	else
		join_cut(ep->msg, sizeof(ep->msg), ctx, old);
	if (ep->exit == 0)
		ep->exit = EX_SOFTWARE;
	return (-1);
}

void
error_clear(struct error *ep)
{
	ep->exit = 0;
	ep->errnum = 0;
	ep->msg[0] = '\0';
}

_Noreturn void
error_exit(const struct error *ep)
{
	char line[sizeof(ep->msg) + 128];
	int ex;

	if (ep->errnum != 0)
		(void)snprintf(line, sizeof(line), "%s: %s", ep->msg,
		    strerror(ep->errnum));
	else
		(void)snprintf(line, sizeof(line), "%s", ep->msg);
	ex = ep->exit != 0 ? ep->exit : EX_SOFTWARE;
	log_fatal(ex, line);
	exit(ex);
}

const char *
error_shown(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < size; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	if (s[i] != '\0' && size > 4)
		(void)memcpy(buf + size - 4, "...", 4);
	return (buf);
}
