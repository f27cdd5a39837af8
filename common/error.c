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
		(void)snprintf(ep->msg, sizeof(ep->msg), "%s: %s", ctx, old);
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
