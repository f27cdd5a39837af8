/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * FreeBSD has no system call filter for a process tree: the jail (and
 * Capsicum for berth's own programs) is the boundary.  The default policy
 * means nothing here; an isolator that asks for another is refused, not
 * ignored (common/sysfilter.h).
 */
#include <stdbool.h>
#include <sysexits.h>

#include "common/error.h"
#include "common/sysfilter.h"

bool
sysfilter_available(void)
{
	return (false);
}

int
sysfilter_check(const struct sysfilter *f, struct error *ep)
{
	if (f->mode == SYSFILTER_NONE)
		return (0);
	return (error_set(ep, EX_UNAVAILABLE, 0, "seccomp isolators need "
	    "Linux: FreeBSD jails filter no system calls"));
}

int
sysfilter_load(const struct sysfilter *f, bool nnp, struct error *ep)
{
	(void)f;
	(void)nnp;
	(void)ep;
	return (0);
}
