/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for common/sysfilter.c (the appc seccomp isolators as data)
 * and, on Linux with libseccomp, for the names sysfilter_check() knows.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "common/error.h"
#include "common/sysfilter.h"
#include "tests/unit/unit.h"

static bool
has(const struct sysfilter *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nnames; i++)
		if (strcmp(f->names[i], name) == 0)
			return (true);
	return (false);
}

static size_t
ndefault(void)
{
	const char *const *b = sysfilter_default_blocked();
	size_t n;

	for (n = 0; b[n] != NULL; n++)
		;
	return (n);
}

/* Parse a JSON isolator value; -1 with *e on failure. */
static int
from(bool retain, const char *text, struct sysfilter *f, struct error *e)
{
	json_t *v;
	int rv;

	if ((v = json_loads(text, 0, NULL)) == NULL)
		return (-2);
	rv = sysfilter_from_isolator(retain, v, f, e);
	json_decref(v);
	return (rv);
}

static void
default_list(void)
{
	struct sysfilter f;
	static const char *const must[] = { "keyctl", "add_key",
	    "request_key", "unshare", "setns", "mount", "umount2",
	    "pivot_root", "bpf", "perf_event_open", "kexec_load",
	    "open_by_handle_at", "userfaultfd", "init_module",
	    "finit_module", "delete_module", "acct", "swapon", "swapoff",
	    "reboot", "settimeofday", "io_uring_setup", "move_mount",
	    "fsopen", "process_vm_writev" };
	size_t i;

	sysfilter_default(&f);
	CHECK(f.mode == SYSFILTER_DENY);
	CHECK(f.clone_guard);
	CHECK(f.errnum == EPERM);
	CHECK(f.nnames == ndefault());
	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		CHECK(has(&f, must[i]));
	/* Debuggers in a container work, as with Docker's profile. */
	CHECK(!has(&f, "ptrace"));
	sysfilter_release(&f);
}

static void
retain_sets(void)
{
	struct error e = ERROR_INIT;
	struct sysfilter f;

	/* The default less keyctl. */
	CHECK(from(true, "{\"set\": [\"@berth/default-allowed\", "
	    "\"keyctl\"]}", &f, &e) == 0);
	CHECK(f.mode == SYSFILTER_DENY && f.clone_guard);
	CHECK(!has(&f, "keyctl") && has(&f, "add_key"));
	CHECK(f.nnames == ndefault() - 1);
	sysfilter_release(&f);
	/* ... and clone with namespace flags. */
	CHECK(from(true, "{\"set\": [\"@berth/default-allowed\", "
	    "\"clone\"]}", &f, &e) == 0);
	CHECK(f.mode == SYSFILTER_DENY && !f.clone_guard);
	sysfilter_release(&f);
	/* Everything: no filter. */
	CHECK(from(true, "{\"set\": [\"@appc.io/all\"]}", &f, &e) == 0);
	CHECK(f.mode == SYSFILTER_NONE);
	sysfilter_release(&f);
	/* An allow-list, with what berth needs to start the app. */
	CHECK(from(true, "{\"set\": [\"read\", \"write\"], \"errno\": "
	    "\"ENOSYS\"}", &f, &e) == 0);
	CHECK(f.mode == SYSFILTER_ALLOW && f.errnum == ENOSYS);
	CHECK(has(&f, "read") && has(&f, "write") && has(&f, "execve") &&
	    has(&f, "exit_group") && f.nnames == 5);
	sysfilter_release(&f);
	CHECK(from(true, "{\"set\": [\"@appc.io/empty\"]}", &f, &e) == 0);
	CHECK(f.mode == SYSFILTER_ALLOW && f.nnames == 3);
	sysfilter_release(&f);
}

static void
remove_sets(void)
{
	struct error e = ERROR_INIT;
	struct sysfilter f;

	CHECK(from(false, "{\"set\": [\"@berth/default-blocked\", "
	    "\"ptrace\", \"ptrace\"]}", &f, &e) == 0);
	CHECK(f.mode == SYSFILTER_DENY && f.clone_guard);
	CHECK(has(&f, "ptrace") && has(&f, "keyctl"));
	CHECK(f.nnames == ndefault() + 1);
	sysfilter_release(&f);
	/* Names alone replace the default. */
	CHECK(from(false, "{\"set\": [\"mkdir\"], \"errno\": \"EACCES\"}",
	    &f, &e) == 0);
	CHECK(f.mode == SYSFILTER_DENY && !f.clone_guard);
	CHECK(f.nnames == 1 && has(&f, "mkdir") && f.errnum == EACCES);
	sysfilter_release(&f);
	CHECK(from(false, "{\"set\": [\"@appc.io/empty\"]}", &f, &e) == 0);
	CHECK(f.mode == SYSFILTER_NONE);
	sysfilter_release(&f);
}

static void
bad_values(void)
{
	static const struct {
		bool		 retain;
		const char	*json;
		const char	*msg;
	} bad[] = {
		{ true, "[]", "not an object" },
		{ true, "{}", "set: not a non-empty array" },
		{ true, "{\"set\": []}", "set: not a non-empty array" },
		{ true, "{\"set\": [1]}", "set[0]: not a string" },
		{ true, "{\"set\": [\"read\", \"Read\"]}",
		    "set[1]: 'Read' is not a system call name" },
		{ false, "{\"set\": [\"a b\"]}", "is not a system call name" },
		{ false, "{\"set\": [\"\"]}", "is not a system call name" },
		{ true, "{\"set\": [\"@nope\"]}", "unknown group '@nope'" },
		{ true, "{\"set\": [\"@berth/default-blocked\"]}",
		    "belongs in a remove-set" },
		{ false, "{\"set\": [\"@berth/default-allowed\"]}",
		    "belongs in a retain-set" },
		{ false, "{\"set\": [\"@appc.io/all\"]}",
		    "would refuse every system call" },
		{ true, "{\"set\": [\"read\"], \"errno\": \"EIO\"}",
		    "errno: expected one of" },
		{ true, "{\"set\": [\"read\"], \"errno\": 1}",
		    "errno: expected one of" },
	};
	struct error e;
	struct sysfilter f;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error_clear(&e);
		CHECK(from(bad[i].retain, bad[i].json, &f, &e) == -1);
		CHECK(e.exit == EX_DATAERR);
		if (strstr(e.msg, bad[i].msg) == NULL)
			(void)printf("# %s: '%s'\n", bad[i].json, e.msg);
		CHECK(strstr(e.msg, bad[i].msg) != NULL);
	}
}

/* With libseccomp, the host knows each default name, and not others. */
static void
host_names(void)
{
	struct error e = ERROR_INIT;
	struct sysfilter f;

	if (!sysfilter_available())
		return;
	sysfilter_default(&f);
	CHECK(sysfilter_check(&f, &e) == 0);
	sysfilter_release(&f);
	CHECK(from(false, "{\"set\": [\"read\", \"nosuchcall\"]}", &f,
	    &e) == 0);
	CHECK(sysfilter_check(&f, &e) == -1 && e.exit == EX_DATAERR);
	CHECK(strstr(e.msg, "'nosuchcall'") != NULL);
	sysfilter_release(&f);
}

int
main(void)
{
	TEST(default_list);
	TEST(retain_sets);
	TEST(remove_sets);
	TEST(bad_values);
	TEST(host_names);
	return (unit_done());
}
