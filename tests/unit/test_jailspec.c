/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for common/jailspec.c: the jail(2) parameter lists of vnet,
 * ip4/ip6 and network-less pods, of each allow bit and of the apps'
 * child jails; refused inputs; the devfs rule grammar (a table of good
 * and bad rules with their canonical text); the unhide allowlist (disks,
 * labels, pass-through, tun/tap/bpf, usb refused, the safe set and the
 * host's additions accepted); ruleset numbers shared by equal rule sets;
 * the securelevel, the classes of jail_set(2) and nmount(2) failures,
 * which mounts a teardown unmounts, the rctl rules; the runtime-spec
 * document checked against the OCI schema by tests/tools/oci-validate.py.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "common/error.h"
#include "common/jailspec.h"
#include "tests/unit/unit.h"

static char validator[PATH_MAX];

static const char *const ip4[] = { "192.0.2.10", "192.0.2.11" };
static const char *const ip6[] = { "2001:db8::1" };

static struct jailspec_opts
base_opts(void)
{
	struct jailspec_opts o;

	(void)memset(&o, 0, sizeof(o));
	o.name = "berth-0b9ef0c2-5d2c-4d6f-8f55-1f1f7f3a9a10";
	o.path = "/var/db/berth/pods/0b9ef0c2-5d2c-4d6f-8f55-1f1f7f3a9a10";
	o.hostname = "web";
	o.securelevel = 2;
	o.children_max = 2;
	return (o);
}

/* The names of pp, comma-separated, into buf. */
static const char *
names(const struct jailspec_params *pp, char *buf, size_t size)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < pp->n && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s",
		    i > 0 ? "," : "", pp->v[i].name);
	return (buf);
}

/* The string value of the parameter name, or NULL. */
static const char *
sval(const struct jailspec_params *pp, const char *name)
{
	const struct jailspec_param *p;

	if ((p = jailspec_param_find(pp, name)) == NULL ||
	    p->type != JAILSPEC_STR)
		return (NULL);
	return (p->str);
}

/* The type of the parameter name, or -1. */
static int
ptype(const struct jailspec_params *pp, const char *name)
{
	const struct jailspec_param *p;

	if ((p = jailspec_param_find(pp, name)) == NULL)
		return (-1);
	return ((int)p->type);
}

static int
ival(const struct jailspec_params *pp, const char *name)
{
	const struct jailspec_param *p;

	if ((p = jailspec_param_find(pp, name)) == NULL)
		return (-100);
	return (p->ival);
}

static void
params_ip4(void)
{
	static const unsigned char want[] = { 192, 0, 2, 10, 192, 0, 2, 11 };
	struct jailspec_opts o = base_opts();
	struct jailspec_params pp;
	struct error e = ERROR_INIT;
	const struct jailspec_param *p;
	char buf[2048];

	o.ip4 = ip4;
	o.nip4 = 2;
	CHECK(jailspec_params(&o, 4242, &pp, &e) == 0);
	CHECK_STREQ(names(&pp, buf, sizeof(buf)),
	    "name,path,host.hostname,persist,enforce_statfs,children.max,"
	    "securelevel,devfs_ruleset,allow.noset_hostname,"
	    "allow.noraw_sockets,allow.nochflags,allow.nomlock,"
	    "allow.nosocket_af,allow.nomount,allow.noquotas,"
	    "allow.noread_msgbuf,sysvmsg,sysvsem,sysvshm,ip4,ip4.addr,ip6");
	CHECK_STREQ(sval(&pp, "name"), o.name);
	CHECK_STREQ(sval(&pp, "path"), o.path);
	CHECK_STREQ(sval(&pp, "host.hostname"), "web");
	CHECK(ptype(&pp, "persist") == JAILSPEC_BOOL);
	CHECK(ival(&pp, "persist") == 1);
	CHECK(ival(&pp, "enforce_statfs") == 2);
	CHECK(ival(&pp, "children.max") == 2);
	CHECK(ival(&pp, "securelevel") == 2);
	CHECK(ival(&pp, "devfs_ruleset") == 4242);
	CHECK(ival(&pp, "allow.nomount") == 0);
	CHECK(ptype(&pp, "allow.nomount") == JAILSPEC_BOOL);
	CHECK(ival(&pp, "sysvshm") == JAILSPEC_SYS_DISABLE);
	CHECK(ival(&pp, "ip4") == JAILSPEC_SYS_NEW);
	CHECK(ival(&pp, "ip6") == JAILSPEC_SYS_DISABLE);
	CHECK((p = jailspec_param_find(&pp, "ip4.addr")) != NULL &&
	    p->type == JAILSPEC_IP4 && p->naddr == 2 &&
	    memcmp(p->addr, want, sizeof(want)) == 0);
	CHECK(jailspec_param_find(&pp, "vnet") == NULL);
	jailspec_params_release(&pp);
	CHECK(pp.v == NULL && pp.n == 0);

	/* IPv6 too; no devfs ruleset; no hostname is the name. */
	o.ip6 = ip6;
	o.nip6 = 1;
	o.hostname = NULL;
	CHECK(jailspec_params(&o, 0, &pp, &e) == 0);
	CHECK(jailspec_param_find(&pp, "devfs_ruleset") == NULL);
	CHECK_STREQ(sval(&pp, "host.hostname"), o.name);
	CHECK(ival(&pp, "ip6") == JAILSPEC_SYS_NEW);
	CHECK((p = jailspec_param_find(&pp, "ip6.addr")) != NULL &&
	    p->type == JAILSPEC_IP6 && p->naddr == 1 &&
	    p->addr[0] == 0x20 && p->addr[1] == 0x01 && p->addr[15] == 1);
	jailspec_params_release(&pp);
}

static void
params_vnet_and_none(void)
{
	struct jailspec_opts o = base_opts();
	struct jailspec_params pp;
	struct error e = ERROR_INIT;
	char buf[2048];

	o.vnet = true;
	CHECK(jailspec_params(&o, 1000, &pp, &e) == 0);
	CHECK(ival(&pp, "vnet") == JAILSPEC_SYS_NEW);
	CHECK(strstr(names(&pp, buf, sizeof(buf)), "ip4") == NULL);
	CHECK(strstr(buf, "ip6") == NULL);
	CHECK(pp.n > 0 && strcmp(pp.v[pp.n - 1].name, "vnet") == 0);
	jailspec_params_release(&pp);

	/* No network at all: both families disabled, no addresses. */
	o.vnet = false;
	CHECK(jailspec_params(&o, 1000, &pp, &e) == 0);
	CHECK(jailspec_param_find(&pp, "vnet") == NULL);
	CHECK(ival(&pp, "ip4") == JAILSPEC_SYS_DISABLE);
	CHECK(ival(&pp, "ip6") == JAILSPEC_SYS_DISABLE);
	CHECK(jailspec_param_find(&pp, "ip4.addr") == NULL);
	CHECK(jailspec_param_find(&pp, "ip6.addr") == NULL);
	jailspec_params_release(&pp);
}

/*
 * What a pod's jail denies unless asked (pod-exec(8), SECURITY
 * CONSIDERATIONS): every allow.* off, statfs confined, child jails only
 * for its apps, securelevel 2, no System V IPC.
 */
static void
params_secure_defaults(void)
{
	struct jailspec_opts o = base_opts();
	struct jailspec_params pp;
	struct error e = ERROR_INIT;
	size_t i, nallow = 0;

	o.vnet = true;
	CHECK(jailspec_params(&o, 7, &pp, &e) == 0);
	for (i = 0; i < pp.n; i++) {
		if (strncmp(pp.v[i].name, "allow.", 6) != 0)
			continue;
		nallow++;
		/* "allow.noX" true, never "allow.X". */
		CHECK(strncmp(pp.v[i].name, "allow.no", 8) == 0);
		if (strncmp(pp.v[i].name, "allow.no", 8) != 0)
			(void)printf("# %s\n", pp.v[i].name);
	}
	CHECK(nallow == 8);
	CHECK(ival(&pp, "enforce_statfs") == 2);
	CHECK(ival(&pp, "children.max") == 2);
	CHECK(ival(&pp, "securelevel") == 2);
	CHECK(ival(&pp, "sysvmsg") == JAILSPEC_SYS_DISABLE);
	CHECK(ival(&pp, "sysvsem") == JAILSPEC_SYS_DISABLE);
	CHECK(ival(&pp, "sysvshm") == JAILSPEC_SYS_DISABLE);
	CHECK(ival(&pp, "persist") == 1);
	jailspec_params_release(&pp);
}

static void
params_allow_bits(void)
{
	static const struct {
		unsigned	 bit;
		const char	*on, *off;
	} bits[] = {
		{ JAILSPEC_ALLOW_SET_HOSTNAME, "allow.set_hostname",
		    "allow.noset_hostname" },
		{ JAILSPEC_ALLOW_RAW_SOCKETS, "allow.raw_sockets",
		    "allow.noraw_sockets" },
		{ JAILSPEC_ALLOW_CHFLAGS, "allow.chflags", "allow.nochflags" },
		{ JAILSPEC_ALLOW_MLOCK, "allow.mlock", "allow.nomlock" },
		{ JAILSPEC_ALLOW_SOCKET_AF, "allow.socket_af",
		    "allow.nosocket_af" },
	};
	struct jailspec_opts o = base_opts();
	struct jailspec_params pp;
	struct error e = ERROR_INIT;
	size_t i, j;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		o.allow = bits[i].bit;
		CHECK(jailspec_params(&o, 0, &pp, &e) == 0);
		for (j = 0; j < sizeof(bits) / sizeof(bits[0]); j++) {
			CHECK(ival(&pp, bits[j].on) == (i == j ? 1 : -100));
			CHECK(ival(&pp, bits[j].off) == (i == j ? -100 : 0));
		}
		CHECK(ival(&pp, "sysvmsg") == JAILSPEC_SYS_DISABLE);
		CHECK(ival(&pp, "allow.nomount") == 0);
		jailspec_params_release(&pp);
	}
	o.allow = JAILSPEC_ALLOW_SYSVIPC;
	CHECK(jailspec_params(&o, 0, &pp, &e) == 0);
	CHECK(ival(&pp, "sysvmsg") == JAILSPEC_SYS_NEW);
	CHECK(ival(&pp, "sysvsem") == JAILSPEC_SYS_NEW);
	CHECK(ival(&pp, "sysvshm") == JAILSPEC_SYS_NEW);
	/* Never the host's IPC namespace nor the deprecated switch. */
	CHECK(jailspec_param_find(&pp, "allow.sysvipc") == NULL);
	CHECK(ival(&pp, "allow.noraw_sockets") == 0);
	jailspec_params_release(&pp);
}

static void
params_bad_inputs(void)
{
	static const char *const bad4[] = { "192.0.2.300" };
	static const char *const v6as4[] = { "::1" };
	static const char *const bad6[] = { "2001:db8::g" };
	static const char *const bad_names[] = {
		"", "123", "a.b", "a b", "a/b", "x\n"
	};
	static const char *const bad_hosts[] = {
		"", "-web", "web-", "a..b", ".a", "a.", "we_b", "a b",
		/* A label of 64 bytes. */
		("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	};
	struct jailspec_opts o;
	struct jailspec_params pp;
	struct error e = ERROR_INIT;
	size_t i;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		o = base_opts();
		o.name = bad_names[i];
		CHECK(jailspec_params(&o, 0, &pp, &e) == -1);
		CHECK(e.exit == EX_DATAERR);
		CHECK(strstr(e.msg, "jail name") != NULL);
	}
	for (i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
		o = base_opts();
		o.hostname = bad_hosts[i];
		CHECK(jailspec_params(&o, 0, &pp, &e) == -1);
		CHECK(e.exit == EX_DATAERR);
	}
	o = base_opts();
	o.hostname = "a-1.example.org";
	CHECK(jailspec_params(&o, 0, &pp, &e) == 0);
	jailspec_params_release(&pp);

	o = base_opts();
	o.path = "var/db/berth";
	CHECK(jailspec_params(&o, 0, &pp, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	o = base_opts();
	o.ip4 = bad4;
	o.nip4 = 1;
	CHECK(jailspec_params(&o, 0, &pp, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	CHECK_STREQ(e.msg, "'192.0.2.300': not an IPv4 address");
	CHECK(pp.v == NULL && pp.n == 0);
	o.ip4 = v6as4;
	CHECK(jailspec_params(&o, 0, &pp, &e) == -1);
	o = base_opts();
	o.ip6 = bad6;
	o.nip6 = 1;
	CHECK(jailspec_params(&o, 0, &pp, &e) == -1);
	CHECK_STREQ(e.msg, "'2001:db8::g': not an IPv6 address");
	o = base_opts();
	o.vnet = true;
	o.ip4 = ip4;
	o.nip4 = 1;
	CHECK(jailspec_params(&o, 0, &pp, &e) == -1);
	CHECK(strstr(e.msg, "vnet") != NULL);
	o = base_opts();
	o.securelevel = 4;
	CHECK(jailspec_params(&o, 0, &pp, &e) == -1);
	o.securelevel = -2;
	CHECK(jailspec_params(&o, 0, &pp, &e) == -1);
	o.securelevel = -1;
	CHECK(jailspec_params(&o, 0, &pp, &e) == 0);
	CHECK(ival(&pp, "securelevel") == -1);
	jailspec_params_release(&pp);
	o.securelevel = 3;
	CHECK(jailspec_params(&o, 70000, &pp, &e) == -1);
	o = base_opts();
	o.children_max = -1;
	CHECK(jailspec_params(&o, 0, &pp, &e) == -1);
	CHECK(strstr(e.msg, "children.max") != NULL);
	o.children_max = JAILSPEC_APPS_MAX + 1;
	CHECK(jailspec_params(&o, 0, &pp, &e) == -1);
}

/*
 * An app's child jail: its root as path, the pod's vnet, host, addresses
 * and IPC inherited (no "vnet" at all: inherit with ip4/ip6 is refused by
 * the kernel), no children, the pod's securelevel and allow flags.
 */
static void
params_app_jail(void)
{
	struct jailspec_opts o = base_opts();
	struct jailspec_params pp, pod;
	struct error e = ERROR_INIT;
	char buf[2048], name[256];
	size_t i;

	o.vnet = true;
	o.securelevel = 3;
	o.allow = JAILSPEC_ALLOW_MLOCK;
	CHECK(jailspec_app_params(&o, "web", "/var/db/berth/pods/u/apps/web/"
	    "rootfs", 4242, &pp, &e) == 0);
	CHECK_STREQ(names(&pp, buf, sizeof(buf)),
	    "name,path,persist,host,enforce_statfs,children.max,securelevel,"
	    "devfs_ruleset,allow.noset_hostname,allow.noraw_sockets,"
	    "allow.nochflags,allow.mlock,allow.nosocket_af,allow.nomount,"
	    "allow.noquotas,allow.noread_msgbuf,sysvmsg,sysvsem,sysvshm,ip4,"
	    "ip6");
	CHECK_STREQ(sval(&pp, "name"),
	    "berth-0b9ef0c2-5d2c-4d6f-8f55-1f1f7f3a9a10.web");
	CHECK_STREQ(sval(&pp, "path"),
	    "/var/db/berth/pods/u/apps/web/rootfs");
	CHECK(ival(&pp, "host") == JAILSPEC_SYS_INHERIT);
	CHECK(ival(&pp, "ip4") == JAILSPEC_SYS_INHERIT);
	CHECK(ival(&pp, "ip6") == JAILSPEC_SYS_INHERIT);
	CHECK(ival(&pp, "sysvshm") == JAILSPEC_SYS_INHERIT);
	CHECK(ival(&pp, "children.max") == 0);
	CHECK(ival(&pp, "securelevel") == 3);
	CHECK(ival(&pp, "enforce_statfs") == 2);
	CHECK(ival(&pp, "devfs_ruleset") == 4242);
	CHECK(ival(&pp, "allow.mlock") == 1);
	CHECK(jailspec_param_find(&pp, "vnet") == NULL);
	CHECK(jailspec_param_find(&pp, "host.hostname") == NULL);
	/* Never an allow flag the pod's jail lacks (the kernel: EPERM). */
	CHECK(jailspec_params(&o, 4242, &pod, &e) == 0);
	for (i = 0; i < pp.n; i++)
		if (strncmp(pp.v[i].name, "allow.", 6) == 0)
			CHECK(ival(&pod, pp.v[i].name) == pp.v[i].ival);
	/* The pod's jail has room for a child per app, the app none. */
	CHECK(ival(&pod, "children.max") > ival(&pp, "children.max"));
	jailspec_params_release(&pod);
	jailspec_params_release(&pp);

	CHECK(jailspec_app_params(&o, "web", "rootfs", 0, &pp, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	CHECK(jailspec_app_params(&o, "a.b", "/r", 0, &pp, &e) == -1);
	CHECK(jailspec_app_params(&o, "", "/r", 0, &pp, &e) == -1);
	CHECK(jailspec_app_params(&o, "w", "/r", 0, &pp, &e) == 0);
	CHECK(jailspec_param_find(&pp, "devfs_ruleset") == NULL);
	jailspec_params_release(&pp);

	/* Names: as they are, a '_' before a numeric one; length bound. */
	CHECK(jailspec_app_jail_name("berth-u", "db-1", name,
	    sizeof(name)) == 0);
	CHECK_STREQ(name, "berth-u.db-1");
	CHECK(jailspec_app_jail_name("berth-u", "123", name,
	    sizeof(name)) == 0);
	CHECK_STREQ(name, "berth-u._123");
	CHECK(jailspec_app_jail_name("berth-u", "1a", name,
	    sizeof(name)) == 0);
	CHECK_STREQ(name, "berth-u.1a");
	CHECK(jailspec_app_jail_name("berth-u", "a.b", name,
	    sizeof(name)) == -1);
	CHECK(jailspec_app_jail_name("berth-u", "a/b", name,
	    sizeof(name)) == -1);
	CHECK(jailspec_app_jail_name("berth-u", "", name, sizeof(name)) == -1);
	CHECK(jailspec_app_jail_name("berth-u", "web", name, 8) == -1);
	(void)memset(buf, 'a', 250);
	buf[250] = '\0';
	CHECK(jailspec_app_jail_name("berth-u", buf, name, sizeof(name)) ==
	    -1);
	buf[247] = '\0';
	CHECK(jailspec_app_jail_name("berth-u", buf, name, sizeof(name)) == 0);
	CHECK(strlen(name) == 255);
}

/*
 * What the backend decides from the host and the kernel: the securelevel
 * (kern_jail_set() refuses one below the parent's), and the classes of
 * failures by errno and the kernel's errmsg.
 */
static void
kernel_answers(void)
{
	CHECK(jailspec_securelevel(-1) == 2);
	CHECK(jailspec_securelevel(0) == 2);
	CHECK(jailspec_securelevel(1) == 2);
	CHECK(jailspec_securelevel(2) == 2);
	CHECK(jailspec_securelevel(3) == 3);

	/* A kernel without VIMAGE: EINVAL with this errmsg, not ENOENT. */
	CHECK(jailspec_jail_set_exit(EINVAL, "unknown parameter: vnet") ==
	    EX_UNAVAILABLE);
	CHECK(jailspec_jail_set_exit(EINVAL, "unknown parameter: ip6") ==
	    EX_UNAVAILABLE);
	CHECK(jailspec_jail_set_exit(EINVAL, "vnet jails cannot have IP "
	    "address restrictions") == EX_OSERR);
	CHECK(jailspec_jail_set_exit(EINVAL, "") == EX_OSERR);
	CHECK(jailspec_jail_set_exit(EINVAL, NULL) == EX_OSERR);
	CHECK(jailspec_jail_set_exit(EPERM, "") == EX_NOPERM);
	CHECK(jailspec_jail_set_exit(EEXIST, "jail \"x\" already exists") ==
	    EX_CANTCREAT);
	CHECK(jailspec_jail_set_exit(ENOENT, "jail \"x\" not found") ==
	    EX_OSERR);

	CHECK(jailspec_nmount_exit(EINVAL, "Invalid fstype", false) ==
	    EX_UNAVAILABLE);
	CHECK(jailspec_nmount_exit(ENODEV, "", false) == EX_UNAVAILABLE);
	CHECK(jailspec_nmount_exit(ENOTDIR, "", true) == EX_UNAVAILABLE);
	CHECK(jailspec_nmount_exit(ENOTDIR, "", false) == EX_OSERR);
	CHECK(jailspec_nmount_exit(EINVAL, "", true) == EX_OSERR);
	CHECK(jailspec_nmount_exit(ENOENT, "", false) == EX_NOINPUT);
	CHECK(jailspec_nmount_exit(EPERM, "", false) == EX_NOPERM);
	CHECK(jailspec_nmount_exit(EBUSY, "", false) == EX_OSERR);
}

/*
 * A teardown unmounts what is strictly below each app's root, deepest
 * first, the upper of two stacked mounts first; never the root itself
 * (the zfs driver's clone), nor a sibling whose name merely starts the
 * same, nor anything of another pod or of the host.
 */
static void
unmount_selection(void)
{
	static const char *const mnt[] = {
		"/",						/* 0 */
		"/var/db/berth/pods/u/apps/web/rootfs",		/* 1 clone */
		"/var/db/berth/pods/u/apps/web/rootfs/dev",	/* 2 */
		"/var/db/berth/pods/u/apps/web/rootfs/data",	/* 3 */
		"/var/db/berth/pods/u/apps/web/rootfs/dev/fd",	/* 4 */
		"/var/db/berth/pods/u/apps/db/rootfs",		/* 5 clone */
		"/var/db/berth/pods/u/apps/db/rootfs/dev",	/* 6 */
		"/var/db/berth/pods/u/apps/web/rootfsx/dev",	/* 7 */
		"/var/db/berth/pods/v/apps/web/rootfs/dev",	/* 8 */
		"/var/db/berth/pods/u/apps/web/rootfs/dev",	/* 9 stacked */
		"/var/db/berth/pods/u",				/* 10 */
		NULL,						/* 11 */
	};
	const char *const roots[] = {
		"/var/db/berth/pods/u/apps/web/rootfs",
		"/var/db/berth/pods/u/apps/db/rootfs/",
	};
	size_t out[12], n;

	n = jailspec_unmount_order(mnt, 12, roots, 2, out);
	CHECK(n == 5);
	if (n != 5)
		return;
	/* Longest first: a mount below another has the longer path. */
	CHECK(out[0] == 4);
	CHECK(out[1] == 3);
	CHECK(out[2] == 9 && out[3] == 2);
	CHECK(out[4] == 6);
	CHECK(jailspec_unmount_order(mnt, 12, roots, 0, out) == 0);
	CHECK(jailspec_unmount_order(NULL, 0, roots, 2, out) == 0);
	/* A relative root matches nothing. */
	{
		const char *const rel[] = { "var/db" };

		CHECK(jailspec_unmount_order(mnt, 12, rel, 1, out) == 0);
	}
}

static void
rctl_rules(void)
{
	char **r;
	size_t n;

	jailspec_rctl_rules("berth-u.web", 64 << 20, 1500, 4096, &r, &n);
	CHECK(n == 4);
	if (n == 4) {
		CHECK_STREQ(r[0], "jail:berth-u.web:memoryuse:deny=67108864");
		/* The hard cap: committed anonymous memory. */
		CHECK_STREQ(r[1], "jail:berth-u.web:swapuse:deny=67108864");
		CHECK_STREQ(r[2], "jail:berth-u.web:pcpu:deny=150");
		CHECK_STREQ(r[3], "jail:berth-u.web:maxproc:deny=4096");
	}
	jailspec_strv_free(r, n);
	jailspec_rctl_rules("j", 0, 1, 0, &r, &n);
	CHECK(n == 1 && strcmp(r[0], "jail:j:pcpu:deny=1") == 0);
	jailspec_strv_free(r, n);
	jailspec_rctl_rules("j", 0, 0, 0, &r, &n);
	CHECK(n == 0 && r != NULL);
	jailspec_strv_free(r, n);
	/* Never vmemoryuse: it counts reserved address space. */
	jailspec_rctl_rules("j", 1, 0, 0, &r, &n);
	CHECK(n == 2 && strstr(r[0], "vmemoryuse") == NULL &&
	    strstr(r[1], "vmemoryuse") == NULL);
	jailspec_strv_free(r, n);
}

static void
devfs_grammar(void)
{
	static const struct {
		const char	*in, *canon;
	} good[] = {
		{ "path dsp unhide", "path dsp unhide" },
		{ "  add\tpath  dsp   unhide ", "path dsp unhide" },
		{ "path dsp0 unhide mode 660 group 5",
		    "path dsp0 unhide mode 0660 group 5" },
		{ "path snd/* group 5 user 0 unhide mode 0666",
		    "path snd/* unhide mode 0666 user 0 group 5" },
		{ "path null mode 0", "path null mode 0000" },
		{ "path x[0-9] hide", "path x[0-9] hide" },
		{ "path x[]a] hide", "path x[]a] hide" },
		{ "path a.b_c-d/e?f hide", "path a.b_c-d/e?f hide" },
		{ "path fd/3 user 2147483646", "path fd/3 user 2147483646" },
	};
	static const char *const bad[] = {
		"", "unhide", "path", "path dsp", "add", "add unhide",
		"include 4", "path dsp include 4", "path 'dsp' unhide",
		"path dsp unhide; rm -rf /", "path $x unhide",
		"path `x` unhide", "path dsp|x unhide", "path /dev/dsp unhide",
		"path ../dsp unhide", "path a/../b unhide", "path ./a unhide",
		"path a//b unhide", "path a/ unhide", "path a[b unhide",
		"path a] unhide", "path a[/]b unhide", "path a[b/c] unhide",
		"path dsp hide unhide", "path dsp unhide unhide",
		"path dsp mode", "path dsp mode 1777", "path dsp mode 0999",
		"path dsp mode 00000", "path dsp mode -1", "path dsp mode x",
		"path dsp user root", "path dsp group wheel",
		"path dsp user 2147483647", "path dsp group -1",
		"path dsp user 99999999999999999999", "type disk unhide",
		"path dsp unhide frob", "PATH dsp unhide", "path dsp UNHIDE",
		"path dsp\nunhide", "path d\xc3\xa9v unhide", "path a!b hide",
		"path a,b hide", "path a\\b hide",
	};
	struct jailspec_devfs_rule r;
	struct error e = ERROR_INIT;
	char buf[512], big[300];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		error_clear(&e);
		CHECK(jailspec_devfs_parse(good[i].in, &r, &e) == 0);
		if (e.msg[0] != '\0')
			(void)printf("# '%s': %s\n", good[i].in, e.msg);
		CHECK(jailspec_devfs_format(&r, buf, sizeof(buf)) > 0);
		CHECK_STREQ(buf, good[i].canon);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error_clear(&e);
		if (jailspec_devfs_parse(bad[i], &r, &e) != -1)
			(void)printf("# accepted: '%s'\n", bad[i]);
		CHECK(e.exit == EX_DATAERR);
		CHECK(strncmp(e.msg, "devfs rule '", 12) == 0);
	}
	CHECK(jailspec_devfs_parse("include 4", &r, &e) == -1);
	CHECK_STREQ(e.msg, "devfs rule 'include 4': 'include' is not allowed");

	/* A pattern of 199 bytes fits devfs; 200 do not. */
	(void)memset(big, 'a', sizeof(big));
	(void)memcpy(big, "path ", 5);
	(void)strcpy(big + 5 + 199, " hide");
	CHECK(jailspec_devfs_parse(big, &r, &e) == 0);
	(void)memset(big, 'a', sizeof(big));
	(void)memcpy(big, "path ", 5);
	(void)strcpy(big + 5 + 200, " hide");
	CHECK(jailspec_devfs_parse(big, &r, &e) == -1);
	/* The formatter reports a buffer too small. */
	CHECK(jailspec_devfs_parse("path dsp unhide", &r, &e) == 0);
	CHECK(jailspec_devfs_format(&r, buf, 8) == -1);
}

/*
 * Unhides are an allowlist: every disk, partition, label, pass-through,
 * tunnel, packet capture and USB name of issue #9 is refused, and every
 * pattern that could reach one ('*', 'd*', '[a-z]*', '??'); the safe set
 * is accepted, and what the host adds, and only that.
 */
static void
devfs_allowlist(void)
{
	static const char *const refused[] = {
		"path ada1 unhide", "path da0s1a unhide", "path nvd1 unhide",
		"path nda1 unhide", "path vtbd1 unhide", "path gpt/data unhide",
		"path zvol/tank/vol unhide",
		"path diskid/DISK-S3Z9NB0K123456 unhide",
		"path label/data unhide", "path md1 unhide",
		"path pass1 unhide", "path tap1 unhide", "path tun1 unhide",
		"path bpf1 unhide", "path ugen1.2 unhide",
		/* And the sample names of the old list, and patterns. */
		"path ada0 unhide", "path mem unhide", "path kmem unhide",
		"path io unhide", "path pci unhide", "path bpf unhide",
		"path pf unhide mode 0600", "path zfs unhide", "path xpt0 unhide",
		"path geom.ctl unhide", "path crypto unhide", "path dsp unhide",
		"path * unhide", "path d* unhide", "path a* unhide",
		"path [a-z]* unhide", "path ?? unhide", "path */* unhide",
		"path gpt/* unhide", "path zvol/*/* unhide", "path *0 unhide",
		"path tty* unhide", "path usb/* unhide", "path fd* unhide",
		"path pts* unhide", "path pts/*/x unhide", "path fd/*/* unhide",
		"path null? unhide", "path nul[l] unhide",
		"path pts/../ada0 unhide",
	};
	static const char *const fine[] = {
		"path null unhide", "path zero unhide", "path random unhide",
		"path urandom unhide", "path stdin unhide", "path stdout unhide",
		"path stderr unhide", "path fd unhide", "path fd/* unhide",
		"path fd/3 unhide", "path fd/[0-9] unhide", "path pts unhide",
		"path pts/* unhide", "path pts/12 unhide", "path pts/? unhide",
		"path ptmx unhide", "path tty unhide", "path shm unhide",
		"path null unhide mode 0666", "path null mode 0666",
		/* Hiding or changing modes exposes nothing. */
		"path * hide", "path ada0 mode 0600", "path ada1 user 0",
		"path gpt/* hide",
	};
	static const char *const host[] = { "crypto", "dri/*", "snd*" };
	static const char *const by_host[] = {
		"path crypto unhide", "path dri/* unhide",
		"path dri/card0 unhide", "path dri/render[0-9]* unhide",
		"path snd0 unhide", "path snd* unhide", "path snd? unhide",
	};
	static const char *const not_by_host[] = {
		"path dri unhide", "path dri/*/* unhide", "path cryptox unhide",
		"path crypto* unhide", "path dsp unhide", "path dri* unhide",
	};
	struct jailspec_devfs ds;
	struct jailspec_devfs_rule r;
	struct error e = ERROR_INIT;
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		error_clear(&e);
		if (jailspec_devfs_build(&refused[i], 1, NULL, 0, &ds, &e) !=
		    -1) {
			(void)printf("# not refused: '%s'\n", refused[i]);
			CHECK(!"a rule reaching a disk was accepted");
			jailspec_devfs_release(&ds);
			continue;
		}
		CHECK(e.exit == EX_DATAERR);
		CHECK(ds.rules == NULL && ds.text == NULL);
	}
	CHECK(jailspec_devfs_build(&refused[0], 1, NULL, 0, &ds, &e) == -1);
	CHECK_STREQ(e.msg, "devfs rule 'path ada1 unhide': unhides names "
	    "outside the safe set; a host adds names with devfs_unhide in "
	    "berth.conf");
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		error_clear(&e);
		if (jailspec_devfs_build(&fine[i], 1, NULL, 0, &ds, &e) != 0) {
			(void)printf("# refused: '%s': %s\n", fine[i], e.msg);
			CHECK(!"a safe rule was refused");
			continue;
		}
		CHECK(ds.nrules == ds.nbase + 1);
		jailspec_devfs_release(&ds);
	}
	for (i = 0; i < sizeof(by_host) / sizeof(by_host[0]); i++) {
		CHECK(jailspec_devfs_parse(by_host[i], &r, &e) == 0);
		CHECK(!jailspec_devfs_allowed(&r, NULL, 0));
		if (!jailspec_devfs_allowed(&r, host, 3))
			(void)printf("# not allowed by the host: '%s'\n",
			    by_host[i]);
		CHECK(jailspec_devfs_allowed(&r, host, 3));
	}
	for (i = 0; i < sizeof(not_by_host) / sizeof(not_by_host[0]); i++) {
		CHECK(jailspec_devfs_parse(not_by_host[i], &r, &e) == 0);
		if (jailspec_devfs_allowed(&r, host, 3))
			(void)printf("# allowed: '%s'\n", not_by_host[i]);
		CHECK(!jailspec_devfs_allowed(&r, host, 3));
	}
	/* A host's "*" lets any one-component name through, only that. */
	{
		const char *const star[] = { "*" };

		CHECK(jailspec_devfs_parse("path ada1 unhide", &r, &e) == 0);
		CHECK(jailspec_devfs_allowed(&r, star, 1));
		CHECK(jailspec_devfs_parse("path [a-z]* unhide", &r, &e) == 0);
		CHECK(jailspec_devfs_allowed(&r, star, 1));
		CHECK(jailspec_devfs_parse("path gpt/data unhide", &r,
		    &e) == 0);
		CHECK(!jailspec_devfs_allowed(&r, star, 1));
		CHECK(jailspec_devfs_build(&refused[0], 1, star, 1, &ds,
		    &e) == 0);
		jailspec_devfs_release(&ds);
	}
	/* A rule without a pattern applies to every node. */
	{
		struct jailspec_devfs_rule all;

		(void)memset(&all, 0, sizeof(all));
		all.acts = JAILSPEC_DEVFS_HIDE;
		CHECK(jailspec_devfs_allowed(&all, NULL, 0));
		all.acts = JAILSPEC_DEVFS_UNHIDE;
		CHECK(!jailspec_devfs_allowed(&all, host, 3));
	}
	/* A bad rule anywhere fails the set. */
	{
		const char *const mixed[] = { "path null unhide",
		    "path mem unhide" };

		CHECK(jailspec_devfs_build(mixed, 2, NULL, 0, &ds, &e) == -1);
		CHECK(strstr(e.msg, "'path mem unhide'") != NULL);
	}
}

/* berth.conf's devfs_unhide list. */
static void
devfs_unhide_list(void)
{
	static const char *const bad[] = {
		"crypto,", ",crypto", "a,,b", "/dev/crypto", "a b", "../x",
		"x[", "a;b", "dri/", "\t,",
	};
	struct error e = ERROR_INIT;
	char **v, big[64 * 3 + 8];
	size_t n, i;

	CHECK(jailspec_devfs_unhide_parse("", &v, &n, &e) == 0 && n == 0 &&
	    v == NULL);
	CHECK(jailspec_devfs_unhide_parse("  ", &v, &n, &e) == 0 && n == 0);
	CHECK(jailspec_devfs_unhide_parse(NULL, &v, &n, &e) == 0 && n == 0);
	CHECK(jailspec_devfs_unhide_parse(" crypto , dri/* ,snd?", &v, &n,
	    &e) == 0);
	CHECK(n == 3 && v != NULL && v[3] == NULL);
	if (n == 3) {
		CHECK_STREQ(v[0], "crypto");
		CHECK_STREQ(v[1], "dri/*");
		CHECK_STREQ(v[2], "snd?");
	}
	jailspec_strv_free(v, n);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error_clear(&e);
		if (jailspec_devfs_unhide_parse(bad[i], &v, &n, &e) != -1)
			(void)printf("# accepted: '%s'\n", bad[i]);
		CHECK(e.exit == EX_CONFIG);
		CHECK(strncmp(e.msg, "devfs_unhide: ", 14) == 0);
	}
	/* At most 64 names. */
	big[0] = '\0';
	for (i = 0; i < 65; i++)
		(void)strcat(big, i > 0 ? ",a" : "a");
	CHECK(jailspec_devfs_unhide_parse(big, &v, &n, &e) == -1);
	big[strlen(big) - 2] = '\0';
	CHECK(jailspec_devfs_unhide_parse(big, &v, &n, &e) == 0 && n == 64);
	jailspec_strv_free(v, n);
}

static void
devfs_ruleset_text_and_hash(void)
{
	const char *const host[] = { "dsp", "snd/*" };
	const char *const a[] = { "path dsp unhide",
	    "path snd/* unhide mode 0660 group 5" };
	const char *const spaced[] = { "  path\tdsp  unhide",
	    "add path snd/* group 5 mode 660 unhide" };
	const char *const swapped[] = { "path snd/* unhide mode 0660 group 5",
	    "path dsp unhide" };
	struct jailspec_devfs d1, d2, d3, d0;
	struct error e = ERROR_INIT;
	unsigned i;

	CHECK(jailspec_devfs_build(NULL, 0, NULL, 0, &d0, &e) == 0);
	CHECK(d0.nrules == d0.nbase && d0.nbase == 15);
	CHECK_STREQ(d0.text,
	    "hide\n"
	    "path null unhide\n"
	    "path zero unhide\n"
	    "path random unhide\n"
	    "path urandom unhide\n"
	    "path ptmx unhide\n"
	    "path pts unhide\n"
	    "path pts/* unhide\n"
	    "path fd unhide\n"
	    "path fd/* unhide\n"
	    "path stdin unhide\n"
	    "path stdout unhide\n"
	    "path stderr unhide\n"
	    "path tty unhide\n"
	    "path shm unhide\n");
	CHECK(d0.rules[0].pattern[0] == '\0' &&
	    d0.rules[0].acts == JAILSPEC_DEVFS_HIDE);
	CHECK(strncmp(d0.digest, "sha256:", 7) == 0);

	CHECK(jailspec_devfs_build(a, 2, host, 2, &d1, &e) == 0);
	CHECK(jailspec_devfs_build(spaced, 2, host, 2, &d2, &e) == 0);
	CHECK(jailspec_devfs_build(swapped, 2, host, 2, &d3, &e) == 0);
	CHECK(strncmp(d1.text, d0.text, strlen(d0.text)) == 0);
	CHECK_STREQ(d1.text + strlen(d0.text),
	    "path dsp unhide\npath snd/* unhide mode 0660 group 5\n");
	CHECK(d1.rules[d1.nbase + 1].mode == 0660 &&
	    d1.rules[d1.nbase + 1].gid == 5);
	/* Spacing, "add" and action order do not matter... */
	CHECK_STREQ(d1.text, d2.text);
	CHECK_STREQ(d1.digest, d2.digest);
	CHECK(d1.ruleset == d2.ruleset);
	/* ...rule order does (devfs applies rules in order). */
	CHECK(strcmp(d1.digest, d3.digest) != 0);
	CHECK(d1.ruleset != d3.ruleset);
	CHECK(d1.ruleset != d0.ruleset);
	for (i = 0; i < 3; i++) {
		const struct jailspec_devfs *d = i == 0 ? &d0 : i == 1 ? &d1 :
		    &d3;

		CHECK(d->ruleset >= JAILSPEC_DEVFS_RULESET_MIN &&
		    d->ruleset <= JAILSPEC_DEVFS_RULESET_MAX);
	}
	/* Probing walks the range and wraps. */
	CHECK(jailspec_devfs_ruleset_at(&d1, 0) == d1.ruleset);
	d1.ruleset = JAILSPEC_DEVFS_RULESET_MAX;
	CHECK(jailspec_devfs_ruleset_at(&d1, 1) == JAILSPEC_DEVFS_RULESET_MIN);
	CHECK(jailspec_devfs_ruleset_at(&d1, 2) ==
	    JAILSPEC_DEVFS_RULESET_MIN + 1);
	CHECK(jailspec_devfs_ruleset_at(&d1, 64000) ==
	    JAILSPEC_DEVFS_RULESET_MAX);
	jailspec_devfs_release(&d0);
	jailspec_devfs_release(&d1);
	jailspec_devfs_release(&d2);
	jailspec_devfs_release(&d3);
	CHECK(d1.text == NULL && d1.rules == NULL);
}

/*
 * Validate doc with oci-validate.py runtime; its exit status.  quiet
 * silences the validator's complaints when a failure is expected.
 */
static int
validate(json_t *doc, bool quiet)
{
	const char *tmp;
	char path[PATH_MAX];
	pid_t pid;
	int fd, status;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	(void)snprintf(path, sizeof(path), "%s/test_jailspec.XXXXXX", tmp);
	if ((fd = mkstemp(path)) == -1)
		return (-1);
	if (json_dumpfd(doc, fd, JSON_INDENT(1)) == -1) {
		(void)close(fd);
		(void)unlink(path);
		return (-1);
	}
	(void)close(fd);
	if ((pid = fork()) == 0) {
		if (quiet && (fd = open("/dev/null", O_WRONLY)) != -1)
			(void)dup2(fd, 2);
		execlp("python3", "python3", validator, "runtime", path,
		    (char *)NULL);
		_exit(127);
	}
	if (pid == -1 || waitpid(pid, &status, 0) == -1)
		status = -1;
	(void)unlink(path);
	return (status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void
oci_config_valid(void)
{
	static const char *const rules[] = { "path dsp unhide mode 0660",
	    "path snd/* unhide", "path fd/5 hide" };
	static const char *const host[] = { "dsp", "snd/*" };
	struct jailspec_opts o = base_opts();
	struct error e = ERROR_INIT;
	json_t *doc, *jail, *devs, *ann;

	o.ip4 = ip4;
	o.nip4 = 2;
	o.ip6 = ip6;
	o.nip6 = 1;
	o.allow = JAILSPEC_ALLOW_RAW_SOCKETS | JAILSPEC_ALLOW_SYSVIPC;
	CHECK((doc = jailspec_oci_config(&o, rules, 3, host, 2, &e)) != NULL);
	if (doc == NULL)
		return;
	CHECK(validate(doc, false) == 0);
	CHECK_STREQ(json_string_value(json_object_get(doc, "ociVersion")),
	    "1.3.0");
	CHECK_STREQ(json_string_value(json_object_get(doc, "hostname")),
	    "web");
	jail = json_object_get(json_object_get(doc, "freebsd"), "jail");
	CHECK_STREQ(json_string_value(json_object_get(jail, "ip4")), "new");
	CHECK(json_array_size(json_object_get(jail, "ip4Addr")) == 2);
	CHECK_STREQ(json_string_value(json_object_get(jail, "sysvshm")),
	    "new");
	CHECK(json_integer_value(json_object_get(jail, "enforceStatfs")) == 2);
	CHECK(json_is_true(json_object_get(json_object_get(jail, "allow"),
	    "rawSockets")));
	CHECK(json_is_false(json_object_get(json_object_get(jail, "allow"),
	    "setHostname")));
	CHECK(json_object_get(jail, "vnet") == NULL);
	/* Devices are paths; the second rule's pattern is not one. */
	devs = json_object_get(json_object_get(doc, "freebsd"), "devices");
	CHECK(json_array_size(devs) == 1);
	CHECK_STREQ(json_string_value(json_object_get(json_array_get(devs, 0),
	    "path")), "dsp");
	CHECK(json_integer_value(json_object_get(json_array_get(devs, 0),
	    "mode")) == 0660);
	/* Every image rule is in the annotations, patterns included. */
	ann = json_object_get(doc, "annotations");
	CHECK_STREQ(json_string_value(json_object_get(ann, "io.berth.devfs.0")),
	    "path dsp unhide mode 0660");
	CHECK_STREQ(json_string_value(json_object_get(ann, "io.berth.devfs.1")),
	    "path snd/* unhide");
	CHECK_STREQ(json_string_value(json_object_get(ann, "io.berth.devfs.2")),
	    "path fd/5 hide");
	CHECK(json_object_get(ann, "io.berth.devfs.3") == NULL);
	CHECK(strstr(json_string_value(json_object_get(ann,
	    "io.berth.jail.apps")), "child jail") != NULL);
	CHECK(json_object_get(ann, "io.berth.jail.vnet") == NULL);
	CHECK_STREQ(json_string_value(json_object_get(ann,
	    "io.berth.jail.securelevel")), "2");
	CHECK_STREQ(json_string_value(json_object_get(ann,
	    "io.berth.jail.childrenMax")), "2");

	/* The validator does reject: vnet "disable" is not in the schema. */
	(void)json_object_set_new(jail, "vnet", json_string("disable"));
	CHECK(validate(doc, true) == 1);
	json_decref(doc);

	/* vnet, no rules. */
	o = base_opts();
	o.vnet = true;
	CHECK((doc = jailspec_oci_config(&o, NULL, 0, NULL, 0, &e)) != NULL);
	if (doc == NULL)
		return;
	CHECK(validate(doc, false) == 0);
	jail = json_object_get(json_object_get(doc, "freebsd"), "jail");
	CHECK_STREQ(json_string_value(json_object_get(jail, "vnet")), "new");
	CHECK(json_object_get(jail, "ip4") == NULL);
	CHECK(json_object_get(json_object_get(doc, "freebsd"), "devices") ==
	    NULL);
	/* What a vnet jail grants whatever allow says, in so many words. */
	CHECK(strstr(json_string_value(json_object_get(json_object_get(doc,
	    "annotations"), "io.berth.jail.vnet")), "raw sockets") != NULL);
	json_decref(doc);

	/* Refused rules and bad options give no document. */
	CHECK(jailspec_oci_config(&o, (const char *const[]){
	    "path ada0 unhide" }, 1, NULL, 0, &e) == NULL);
	CHECK(e.exit == EX_DATAERR);
	doc = jailspec_oci_config(&o, (const char *const[]){
	    "path ada0 unhide" }, 1, (const char *const[]){ "ada0" }, 1, &e);
	CHECK(doc != NULL && validate(doc, false) == 0);
	json_decref(doc);
	o.securelevel = 9;
	CHECK(jailspec_oci_config(&o, NULL, 0, NULL, 0, &e) == NULL);
	CHECK(e.exit == EX_DATAERR);
}

int
main(int argc, char *argv[])
{
	const char *slash;

	(void)argc;
	/* tests/tools/oci-validate.py, next to this binary's directory. */
	if ((slash = strrchr(argv[0], '/')) != NULL)
		(void)snprintf(validator, sizeof(validator),
		    "%.*s/../tools/oci-validate.py", (int)(slash - argv[0]),
		    argv[0]);
	else
		(void)snprintf(validator, sizeof(validator),
		    "tests/tools/oci-validate.py");
	TEST(params_ip4);
	TEST(params_vnet_and_none);
	TEST(params_secure_defaults);
	TEST(params_allow_bits);
	TEST(params_bad_inputs);
	TEST(params_app_jail);
	TEST(kernel_answers);
	TEST(unmount_selection);
	TEST(rctl_rules);
	TEST(devfs_grammar);
	TEST(devfs_allowlist);
	TEST(devfs_unhide_list);
	TEST(devfs_ruleset_text_and_hash);
	TEST(oci_config_valid);
	return (unit_done());
}
