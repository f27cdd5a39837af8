/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The system call policy of apps as data (common/sysfilter.h): the
 * default list, and the appc seccomp isolators read into a filter.
 * Loading it is the platform's business (sysfilter_<os>.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "common/error.h"
#include "common/sysfilter.h"
#include "common/xalloc.h"

#define	GROUP_ALL	"@appc.io/all"
#define	GROUP_EMPTY	"@appc.io/empty"
#define	GROUP_ALLOWED	"@berth/default-allowed"
#define	GROUP_BLOCKED	"@berth/default-blocked"
#define	NAME_MAX_LEN	64
#define	SET_MAX		1024

/*
 * What Docker's and podman's default profiles refuse an unprivileged
 * container (beside clone with namespace flags, the clone guard).  Names
 * a kernel or an architecture lacks are skipped where the filter is made.
 */
static const char *const blocked[] = {
	/* keys: the host's keyrings are per user, not per container */
	"add_key", "keyctl", "request_key",
	/* namespaces */
	"setns", "unshare",
	/* mounts */
	"fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr",
	"move_mount", "open_tree", "pivot_root", "umount", "umount2",
	/* the kernel */
	"bpf", "create_module", "delete_module", "finit_module",
	"get_kernel_syms", "init_module", "kexec_file_load", "kexec_load",
	"lookup_dcookie", "nfsservctl", "perf_event_open", "query_module",
	"sysfs", "_sysctl", "syslog", "uselib", "ustat", "vm86", "vm86old",
	"iopl", "ioperm",
	/* other processes' memory, file handles, page faults, io_uring */
	"kcmp", "process_vm_readv", "process_vm_writev",
	"name_to_handle_at", "open_by_handle_at", "userfaultfd",
	"io_uring_enter", "io_uring_register", "io_uring_setup",
	/* the machine */
	"acct", "clock_adjtime", "clock_settime", "quotactl", "quotactl_fd",
	"reboot", "settimeofday", "stime", "swapoff", "swapon", "vhangup",
	NULL
};

static const struct {
	const char	*name;
	int		 errnum;
} errnos[] = {
	{ "EPERM", EPERM }, { "EACCES", EACCES }, { "ENOSYS", ENOSYS },
	{ "ENOTSUP", ENOTSUP }, { "EINVAL", EINVAL }
};

const char *const *
sysfilter_default_blocked(void)
{
	return (blocked);
}

static void
add_name(struct sysfilter *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nnames; i++)
		if (strcmp(f->names[i], name) == 0)
			return;
	f->names = xreallocarray(f->names, f->nnames + 1, sizeof(*f->names));
	f->names[f->nnames++] = xstrdup(name);
}

static void
drop_name(struct sysfilter *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nnames; i++)
		if (strcmp(f->names[i], name) == 0) {
			free(f->names[i]);
			f->names[i] = f->names[--f->nnames];
			return;
		}
}

void
sysfilter_default(struct sysfilter *f)
{
	size_t i;

	(void)memset(f, 0, sizeof(*f));
	f->mode = SYSFILTER_DENY;
	f->clone_guard = true;
	f->errnum = EPERM;
	for (i = 0; blocked[i] != NULL; i++)
		add_name(f, blocked[i]);
}

void
sysfilter_release(struct sysfilter *f)
{
	size_t i;

	for (i = 0; i < f->nnames; i++)
		free(f->names[i]);
	free(f->names);
	(void)memset(f, 0, sizeof(*f));
}

static bool
name_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return (false);
	return (n > 0 && n <= NAME_MAX_LEN);
}

static bool
has(const json_t *set, const char *name)
{
	const json_t *v;
	size_t i;

	json_array_foreach(set, i, v)
		if (strcmp(json_string_value(v), name) == 0)
			return (true);
	return (false);
}

/* The value's "set": an array of valid names and known groups. */
static int
check_set(const json_t *value, const json_t **setp, struct error *ep)
{
	const json_t *set, *v;
	const char *s;
	size_t i;

	if (!json_is_object(value))
		return (error_set(ep, EX_DATAERR, 0, "not an object"));
	set = json_object_get(value, "set");
	if (!json_is_array(set) || json_array_size(set) == 0)
		return (error_set(ep, EX_DATAERR, 0,
		    "set: not a non-empty array"));
	if (json_array_size(set) > SET_MAX)
		return (error_set(ep, EX_DATAERR, 0, "set: more than %d names",
		    SET_MAX));
	json_array_foreach(set, i, v) {
		if (!json_is_string(v))
			return (error_set(ep, EX_DATAERR, 0, "set[%zu]: not a "
			    "string", i));
		s = json_string_value(v);
		if (s[0] == '@') {
			if (strcmp(s, GROUP_ALL) != 0 &&
			    strcmp(s, GROUP_EMPTY) != 0 &&
			    strcmp(s, GROUP_ALLOWED) != 0 &&
			    strcmp(s, GROUP_BLOCKED) != 0)
				return (error_set(ep, EX_DATAERR, 0,
				    "set[%zu]: unknown group '%.64s'", i, s));
		} else if (!name_valid(s))
			return (error_set(ep, EX_DATAERR, 0, "set[%zu]: '%.64s' "
			    "is not a system call name", i, s));
	}
	*setp = set;
	return (0);
}

static int
get_errno(const json_t *value, int *errnum, struct error *ep)
{
	const json_t *v;
	size_t i;

	*errnum = EPERM;
	if ((v = json_object_get(value, "errno")) == NULL)
		return (0);
	if (json_is_string(v))
		for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
			if (strcmp(json_string_value(v), errnos[i].name) == 0) {
				*errnum = errnos[i].errnum;
				return (0);
			}
	return (error_set(ep, EX_DATAERR, 0, "errno: expected one of EPERM, "
	    "EACCES, ENOSYS, ENOTSUP, EINVAL"));
}

/* A retain-set: what it allows. */
static int
from_retain(const json_t *set, struct sysfilter *f, struct error *ep)
{
	const json_t *v;
	const char *s;
	size_t i;

	if (has(set, GROUP_ALL)) {
		f->mode = SYSFILTER_NONE;
		return (0);
	}
	if (has(set, GROUP_BLOCKED))
		return (error_set(ep, EX_DATAERR, 0, "set: '%s' belongs in a "
		    "remove-set", GROUP_BLOCKED));
	if (has(set, GROUP_ALLOWED)) {
		/* The default, less the names that the set allows again. */
		for (i = 0; blocked[i] != NULL; i++)
			add_name(f, blocked[i]);
		f->mode = SYSFILTER_DENY;
		f->clone_guard = true;
		json_array_foreach(set, i, v) {
			s = json_string_value(v);
			drop_name(f, s);
			if (strcmp(s, "clone") == 0 ||
			    strcmp(s, "clone3") == 0)
				f->clone_guard = false;
		}
		return (0);
	}
	f->mode = SYSFILTER_ALLOW;
	json_array_foreach(set, i, v)
		if (strcmp(json_string_value(v), GROUP_EMPTY) != 0)
			add_name(f, json_string_value(v));
	/* What berth itself needs to start the app. */
	add_name(f, "execve");
	add_name(f, "exit");
	add_name(f, "exit_group");
	return (0);
}

/* A remove-set: what it refuses. */
static int
from_remove(const json_t *set, struct sysfilter *f, struct error *ep)
{
	const json_t *v;
	const char *s;
	size_t i, k;

	if (has(set, GROUP_ALL))
		return (error_set(ep, EX_DATAERR, 0, "set: '%s' would refuse "
		    "every system call", GROUP_ALL));
	if (has(set, GROUP_ALLOWED))
		return (error_set(ep, EX_DATAERR, 0, "set: '%s' belongs in a "
		    "retain-set", GROUP_ALLOWED));
	f->mode = SYSFILTER_DENY;
	if (has(set, GROUP_BLOCKED)) {
		for (k = 0; blocked[k] != NULL; k++)
			add_name(f, blocked[k]);
		f->clone_guard = true;
	}
	json_array_foreach(set, i, v) {
		s = json_string_value(v);
		if (s[0] != '@')
			add_name(f, s);
	}
	if (f->nnames == 0 && !f->clone_guard)
		f->mode = SYSFILTER_NONE;
	return (0);
}

int
sysfilter_from_isolator(bool retain, const json_t *value,
    struct sysfilter *f, struct error *ep)
{
	const json_t *set;
	int rv;

	(void)memset(f, 0, sizeof(*f));
	if (check_set(value, &set, ep) == -1 ||
	    get_errno(value, &f->errnum, ep) == -1)
		return (-1);
	rv = retain ? from_retain(set, f, ep) : from_remove(set, f, ep);
	if (rv == -1)
		sysfilter_release(f);
	return (rv);
}
