/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stderr logging.  The program name and level are set once by main() and
 * only read afterwards, so every call is safe to repeat.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"

static struct {
	const char	*prog;
	int		 level;
	bool		 json;
} logcfg = { "berth", 1, false };

void
log_init(const char *prog)
{
	logcfg.prog = prog;
}

void
log_setup(int level, bool json)
{
	logcfg.level = level;
	logcfg.json = json;
}

const char *
log_progname(void)
{
	return (logcfg.prog);
}

int
log_level(void)
{
	return (logcfg.level);
}

static void
vlog(const char *tag, const char *fmt, va_list ap)
{
	char buf[2048];

	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	if (tag != NULL)
		(void)fprintf(stderr, "%s: %s: %s\n", logcfg.prog, tag, buf);
	else
		(void)fprintf(stderr, "%s: %s\n", logcfg.prog, buf);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	if (logcfg.level < 1)
		return;
	va_start(ap, fmt);
	vlog("warning", fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (logcfg.level < 2)
		return;
	va_start(ap, fmt);
	vlog(NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (logcfg.level < 3)
		return;
	va_start(ap, fmt);
	vlog("debug", fmt, ap);
	va_end(ap);
}

static void
json_escape_to(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			(void)fprintf(fp, "\\%c", c);
		else if (c < 0x20)
			(void)fprintf(fp, "\\u%04x", c);
		else
			(void)fputc(c, fp);
	}
}

void
log_fatal(int ex, const char *msg)
{
	(void)fprintf(stderr, "%s: %s\n", logcfg.prog, msg);
	if (logcfg.json) {
		(void)fprintf(stderr, "{\"error\":\"");
		json_escape_to(stderr, msg);
		(void)fprintf(stderr, "\",\"exit\":%d}\n", ex);
	}
	(void)fflush(stderr);
}
