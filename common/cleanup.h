/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Scope-bound cleanup for long functions with many exits: a variable
 * declared CLEANUP_FREE is freed, CLEANUP_CLOSE closed (if >= 0) and
 * CLEANUP_FCLOSE fclosed (if non-NULL) when it goes out of scope.  Hand
 * ownership out with steal_ptr()/steal_fd().
 */
#ifndef COMMON_CLEANUP_H
#define COMMON_CLEANUP_H

#include <stdio.h>

void	cleanup_freep(void *);
void	cleanup_closep(int *);
void	cleanup_fclosep(FILE **);

#define	CLEANUP_FREE	__attribute__((__cleanup__(cleanup_freep)))
#define	CLEANUP_CLOSE	__attribute__((__cleanup__(cleanup_closep)))
#define	CLEANUP_FCLOSE	__attribute__((__cleanup__(cleanup_fclosep)))

static inline void *
steal_ptr(void *pp)
{
	void **p = pp, *v = *p;

	*p = NULL;
	return (v);
}

static inline int
steal_fd(int *fdp)
{
	int fd = *fdp;

	*fdp = -1;
	return (fd);
}

#endif /* COMMON_CLEANUP_H */
