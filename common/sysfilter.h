/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which system calls an app may make (a seccomp filter on Linux), as data:
 * berth's default, and the appc isolators that change it for an app,
 *
 *	{"name": "os/linux/seccomp-retain-set",
 *	 "value": {"set": ["@berth/default-allowed", "keyctl"],
 *		   "errno": "EPERM"}}
 *	{"name": "os/linux/seccomp-remove-set",
 *	 "value": {"set": ["@berth/default-blocked", "ptrace"]}}
 *
 * The default blocks what Docker's and podman's default profiles block:
 * keys (keyctl, add_key, request_key), new namespaces (unshare, setns,
 * clone with a CLONE_NEW* flag; clone3 answers ENOSYS so that libc falls
 * back to clone, whose flags a filter can see), mounts (mount, umount2,
 * pivot_root and the new mount API), kernel modules, kexec, bpf,
 * perf_event_open, userfaultfd, io_uring, open_by_handle_at,
 * name_to_handle_at, the clock, swap, reboot, accounting, quotas,
 * process_vm_readv/writev, kcmp, iopl/ioperm and the obsolete calls; each
 * with EPERM.  Everything else is allowed.
 *
 * A retain-set lists what is allowed: everything else is refused (with
 * "errno", default EPERM).  "@berth/default-allowed" in it stands for
 * every call the default allows, so that ["@berth/default-allowed",
 * "keyctl"] is the default less the block of keyctl; "@appc.io/all" is
 * every call (no filter).  A remove-set lists what is refused: everything
 * else is allowed; "@berth/default-blocked" stands for the default's list,
 * so that ["@berth/default-blocked", "ptrace"] is the default and ptrace;
 * "@appc.io/empty" is nothing (no filter).  A set of names alone replaces
 * the default, as appc says.  berth always lets execve, exit and
 * exit_group through an allow-list: it needs them to start the app.
 */
#ifndef COMMON_SYSFILTER_H
#define COMMON_SYSFILTER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct error;

#define	SYSFILTER_RETAIN	"os/linux/seccomp-retain-set"
#define	SYSFILTER_REMOVE	"os/linux/seccomp-remove-set"
#define	SYSFILTER_NNP		"os/linux/no-new-privileges"

enum sysfilter_mode {
	SYSFILTER_NONE,		/* no filter at all */
	SYSFILTER_DENY,		/* every call but names */
	SYSFILTER_ALLOW		/* names only */
};

struct sysfilter {
	enum sysfilter_mode	 mode;
	char			**names;	/* system call names */
	size_t			 nnames;
	/*
	 * DENY: clone with a CLONE_NEW* flag refused and clone3 ENOSYS
	 * (the default's guard; a retain-set naming clone drops it).
	 */
	bool			 clone_guard;
	int			 errnum;	/* of a refused call */
};

/* The default: DENY of the default's list with the clone guard, EPERM. */
void	sysfilter_default(struct sysfilter *);

/*
 * The filter of an isolator: retain (os/linux/seccomp-retain-set) or not
 * (remove-set), value its {"set": [...], "errno": "NAME"}.  Names are
 * [a-z0-9_]+ or one of the groups above; errno one of EPERM EACCES
 * ENOSYS ENOTSUP EINVAL.  EX_DATAERR naming what is wrong ("set[2]: 'x y'
 * is not a system call name").  Release with sysfilter_release().
 */
int	sysfilter_from_isolator(bool, const json_t *, struct sysfilter *,
	    struct error *);

void	sysfilter_release(struct sysfilter *);

/* The default's list, NULL-terminated (for man pages and tests). */
const char *const *sysfilter_default_blocked(void);

/*
 * Platform (common/platform/<os>/sysfilter_<os>.c).
 *
 * Check that every name is a system call of this host (Linux: known to
 * libseccomp for the native architecture): EX_DATAERR naming the first
 * that is not.  Where the platform has no such filter, EX_UNAVAILABLE for
 * anything but the default.
 */
int	sysfilter_check(const struct sysfilter *, struct error *);

/*
 * Load the filter into the calling process for good, for it and what it
 * execs (Linux: libseccomp, for the native architecture and its compat
 * ones, x86 and x32 on x86-64).  nnp: the process has set no_new_privs
 * (otherwise it needs CAP_SYS_ADMIN).  A build without libseccomp loads
 * nothing: 0 after one warning per process.  EX_OSERR, EX_UNAVAILABLE.
 */
int	sysfilter_load(const struct sysfilter *, bool, struct error *);

/* Whether this build can load a filter at all. */
bool	sysfilter_available(void);

#endif /* COMMON_SYSFILTER_H */
