/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Allocation that cannot fail: on exhaustion these print one line and exit
 * with EX_OSERR.  The one place common/ may exit.
 */
#ifndef COMMON_XALLOC_H
#define COMMON_XALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((__format__(__printf__, 1, 2)));

#endif /* COMMON_XALLOC_H */
