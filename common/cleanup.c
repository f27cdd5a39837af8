/* SPDX-License-Identifier: BSD-2-Clause */
/* The functions behind the CLEANUP_* attributes. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cleanup.h"

void
cleanup_freep(void *p)
{
	void **pp = p;

	free(*pp);
}

void
cleanup_closep(int *fdp)
{
	int saved = errno;

	if (*fdp >= 0)
		(void)close(*fdp);
	errno = saved;
}

void
cleanup_fclosep(FILE **fpp)
{
	int saved = errno;

	if (*fpp != NULL)
		(void)fclose(*fpp);
	errno = saved;
}
