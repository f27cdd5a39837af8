/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Linux: an app's system call filter (common/sysfilter.h) made and loaded
 * with libseccomp, for the native architecture and, on x86-64, for the
 * 32-bit (x86) and x32 ABIs too: a process can make calls of every ABI
 * the kernel runs, and a filter for one only would leave the others open.
 * Without libseccomp (HAVE_LIBSECCOMP unset) nothing is loaded; the build
 * says so, and so does pod-exec at every run.
 */
#include <sys/types.h>

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sysexits.h>

#ifdef HAVE_LIBSECCOMP
#include <seccomp.h>
#endif

#include "common/error.h"
#include "common/sysfilter.h"

#ifdef HAVE_LIBSECCOMP

/* The clone flags that make a namespace. */
static const uint64_t ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET
};

bool
sysfilter_available(void)
{
	return (true);
}

int
sysfilter_check(const struct sysfilter *f, struct error *ep)
{
	size_t i;

	if (f->mode == SYSFILTER_NONE)
		return (0);
	for (i = 0; i < f->nnames; i++)
		if (seccomp_syscall_resolve_name(f->names[i]) ==
		    __NR_SCMP_ERROR)
			return (error_set(ep, EX_DATAERR, 0, "'%s' is not a "
			    "system call of this host", f->names[i]));
	return (0);
}

/* Add the compat ABIs of the native one. */
static int
add_arches(scmp_filter_ctx ctx)
{
	int rc;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		return (0);
	if ((rc = seccomp_arch_add(ctx, SCMP_ARCH_X86)) != 0 && rc != -EEXIST)
		return (rc);
	if ((rc = seccomp_arch_add(ctx, SCMP_ARCH_X32)) != 0 && rc != -EEXIST)
		return (rc);
	return (0);
}

/*
 * One rule for name, action act, when the system call exists for some
 * architecture of the filter (a name that no ABI here has is skipped:
 * EOPNOTSUPP, EDOM or a negative number from libseccomp).
 */
static int
rule(scmp_filter_ctx ctx, uint32_t act, const char *name, unsigned int n,
    const struct scmp_arg_cmp *cmp)
{
	int nr, rc;

	if ((nr = seccomp_syscall_resolve_name(name)) == __NR_SCMP_ERROR)
		return (0);
	rc = n > 0 ? seccomp_rule_add_array(ctx, act, nr, n, cmp) :
	    seccomp_rule_add(ctx, act, nr, 0);
	if (rc == -EOPNOTSUPP || rc == -EDOM || rc == -EEXIST)
		return (0);
	return (rc);
}

static int
add_rules(scmp_filter_ctx ctx, const struct sysfilter *f)
{
	struct scmp_arg_cmp cmp;
	uint32_t act;
	size_t i;
	int rc;

	act = f->mode == SYSFILTER_ALLOW ? SCMP_ACT_ALLOW :
	    SCMP_ACT_ERRNO((uint32_t)f->errnum);
	for (i = 0; i < f->nnames; i++)
		if ((rc = rule(ctx, act, f->names[i], 0, NULL)) != 0)
			return (rc);
	if (f->mode != SYSFILTER_DENY || !f->clone_guard)
		return (0);
	/* clone(2) takes its flags first on every ABI we filter. */
	for (i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
		cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]);
		if ((rc = rule(ctx, SCMP_ACT_ERRNO((uint32_t)f->errnum),
		    "clone", 1, &cmp)) != 0)
			return (rc);
	}
	/* Its flags are in memory a filter cannot read: let libc fall back. */
	return (rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL));
}

int
sysfilter_load(const struct sysfilter *f, bool nnp, struct error *ep)
{
	scmp_filter_ctx ctx;
	int rc;

	if (f->mode == SYSFILTER_NONE)
		return (0);
	if ((ctx = seccomp_init(f->mode == SYSFILTER_ALLOW ?
	    SCMP_ACT_ERRNO((uint32_t)f->errnum) : SCMP_ACT_ALLOW)) == NULL)
		return (error_set(ep, EX_OSERR, ENOMEM, "seccomp"));
	/* Whoever asked for no no_new_privs has CAP_SYS_ADMIN instead. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, nnp)) != 0 ||
	    (rc = add_arches(ctx)) != 0 || (rc = add_rules(ctx, f)) != 0) {
		seccomp_release(ctx);
		return (error_set(ep, EX_OSERR, -rc, "seccomp filter"));
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0)
		return (error_set(ep, rc == -EINVAL ? EX_UNAVAILABLE :
		    EX_OSERR, -rc, "load the seccomp filter"));
	return (0);
}

#else /* !HAVE_LIBSECCOMP */

bool
sysfilter_available(void)
{
	return (false);
}

int
sysfilter_check(const struct sysfilter *f, struct error *ep)
{
	(void)f;
	(void)ep;
	return (0);
}

int
sysfilter_load(const struct sysfilter *f, bool nnp, struct error *ep)
{
	(void)f;
	(void)nnp;
	(void)ep;
	return (0);
}

#endif /* HAVE_LIBSECCOMP */
