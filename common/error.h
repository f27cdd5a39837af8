/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Errors that travel up the call chain: a sysexits class chosen where the
 * error is born, the errno of that moment, and a message that callers
 * prefix with their own context on the way up.  Reporting never allocates.
 */
#ifndef COMMON_ERROR_H
#define COMMON_ERROR_H

#include <stddef.h>

struct error {
	int	exit;		/* EX_* class, chosen where the error is born */
	int	errnum;		/* errno at that point, or 0 */
	char	msg[512];	/* "outer context: inner context: cause" */
};

#define	ERROR_INIT	{ 0, 0, "" }

/* Fill *ep (exit class, errno or 0, message) and return -1. */
int	error_set(struct error *, int, int, const char *, ...)
	    __attribute__((__format__(__printf__, 4, 5)));

/* Prefix the message of *ep with "context: " and return -1. */
int	error_wrap(struct error *, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));

/* Reset *ep to ERROR_INIT. */
void	error_clear(struct error *);

/*
 * Print "prog: msg[: strerror(errnum)]" to stderr (through the log module,
 * so --json gets a JSON error object) and exit with ep->exit (EX_SOFTWARE if
 * it was never set).
 */
_Noreturn void	error_exit(const struct error *);

/*
 * Copy untrusted s into buf (size bytes) for a one-line message: bytes
 * outside printable ASCII become '?', and a string cut short ends in
 * "...".  Returns buf.
 */
const char *error_shown(const char *, char *, size_t);

#endif /* COMMON_ERROR_H */
