/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * FreeBSD jails as data: the jail(2) parameters of a pod, the devfs
 * ruleset of its /dev, and the OCI runtime-spec 1.3 "freebsd" object that
 * says the same.  Portable and pure (unit-tested on Linux);
 * common/platform/freebsd/sbx_freebsd.c turns these into jail_set(2)
 * iovecs and devfs ioctls.
 *
 * The pod's jail (jailspec_params()): name, path (the pod directory),
 * host.hostname, persist, enforce_statfs=2, children.max (one per app),
 * securelevel, devfs_ruleset, then every allow.* flag we decide on, "no"
 * forms for the ones not asked for (allow.noset_hostname, ...;
 * allow.nomount covers allow.mount.*, whose own names exist only while
 * the filesystem's module is loaded), sysvmsg/sysvsem/sysvshm "new" with
 * JAILSPEC_ALLOW_SYSVIPC or "disable" (never the host's namespace), then
 * vnet "new", or ip4/ip6 "new" with their addresses or "disable".
 * allow.reserved_ports, allow.suser and allow.unprivileged_proc_debug keep
 * the kernel's default (on): a pod's root may bind ports below 1024 and is
 * root inside, as on Linux.
 *
 * Each app runs in a child jail of the pod's (jailspec_app_params()),
 * named "<pod jail>.<app>", whose path is the app's root: the kernel, not
 * a chroot(2) that root could leave, keeps an app out of the pod
 * directory, the other apps' roots and the state files.  It inherits the
 * pod's vnet (by leaving "vnet" out: "inherit" together with ip4/ip6
 * would be refused), host ("host" inherit), addresses (ip4/ip6 inherit,
 * unrestricted within the pod's vnet) and System V IPC (sysv* inherit),
 * and has children.max=0, enforce_statfs=2, the pod's securelevel, devfs
 * ruleset and allow.* flags.  A child jail is not a vnet jail itself: the
 * VIMAGE branch of prison_priv_check() (kern_jail.c) grants raw sockets,
 * bpf(4), pf(4), routing and interface configuration only to a prison
 * with PR_VNET, so in an app allow.noraw_sockets holds.  Only berth's own
 * helper that brings lo0 up ever runs in the pod's vnet jail.
 *
 * The devfs ruleset (jailspec_devfs_build()): the base rules, like
 * FreeBSD's devfsrules_hide_all + devfsrules_unhide_basic +
 * devfsrules_unhide_login without crypto and log (hide everything; unhide
 * null zero random urandom ptmx pts fd stdin stdout stderr tty shm, and
 * everything directly under pts and fd; shm is the directory the Linux ABI
 * module makes for /dev/shm), then the image's rules in the order given,
 * one io.berth.devfs.N label each:
 *
 *	rule	 = ["add"] "path" PATTERN action { action }
 *	action	 = "hide" | "unhide" | "mode" OCTAL | "user" ID | "group" ID
 *	PATTERN	 = 1*199 of [A-Za-z0-9_.*?[]/-], relative to /dev, no empty,
 *		   "." or ".." component, brackets closed within a component
 *	OCTAL	 = 1*4 of [0-7], at most 0777
 *	ID	 = decimal, at most 2^31 - 2
 *
 * Tokens are separated by blanks; nothing else is allowed (no quotes, no
 * shell metacharacters, no "include", no "type").  User and group are
 * numbers only: devfs(8) would resolve a name against the host's
 * databases, not the image's.  Each action appears at most once in a rule,
 * and hide excludes unhide.
 *
 * Unhides are an allowlist.  Jailed root may read raw disks (geom_dev.c
 * refuses only writes, and only at securelevel 2 and above), so no list of
 * dangerous names can be complete.  An image rule that unhides is accepted
 * only if every name its pattern can match (fnmatch(3) with FNM_PATHNAME,
 * as devfs_rule.c matches) is a safe name, that is, the pattern P is
 * covered by one entry E of the safe set (the base names above, plus what
 * the host adds with devfs_unhide in berth.conf; never anything an image
 * says):
 *
 *	1. P is E, character for character;
 *	2. P has no '*', '?' or '[' and E matches it ("pts/3" is covered by
 *	   the entry "pts/" "*");
 *	3. E is D followed by one '*', D free of '*', '?' and '[', and P
 *	   is D followed by anything without a '/': with FNM_PATHNAME
 *	   nothing there can match a '/', so every name P matches is D
 *	   followed by a string without '/', which E's '*' matches
 *	   ("pts/[0-9]" is covered by "pts/" "*", "snd?" by a host's "snd*",
 *	   "[a-z]*" by a host's "*").
 *
 * Anything else is refused: "*", "d*", "[a-z]*", "ada1", "gpt/data",
 * "bpf1".  Rules that hide or only change modes and owners are always
 * accepted: they expose nothing.
 *
 * The ruleset number is derived from the content: SHA-256 of the
 * canonical text (every rule, base rules included, one a line, single
 * spaces, actions in the order hide unhide mode user group, modes as
 * 4-digit octal, no "add"), its first 32 bits modulo the range
 * JAILSPEC_DEVFS_RULESET_MIN..MAX.  Identical rule sets, however they
 * were spaced, share one ruleset.  Order matters (a later rule overrides
 * an earlier one in devfs), so the same rules in another order are
 * another ruleset.  Two different sets can hash to the same number: the
 * backend compares the rules already in the kernel under that number and
 * probes jailspec_devfs_ruleset_at() for the next attempt.
 */
#ifndef COMMON_JAILSPEC_H
#define COMMON_JAILSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/digest.h"

struct error;

enum jailspec_allow {
	JAILSPEC_ALLOW_SET_HOSTNAME	= 1 << 0,
	JAILSPEC_ALLOW_RAW_SOCKETS	= 1 << 1,
	JAILSPEC_ALLOW_CHFLAGS		= 1 << 2,
	JAILSPEC_ALLOW_MLOCK		= 1 << 3,
	JAILSPEC_ALLOW_SYSVIPC		= 1 << 4,
	JAILSPEC_ALLOW_SOCKET_AF	= 1 << 5
};

struct jailspec_opts {
	const char	*name;		/* "berth-<uuid>" */
	const char	*path;		/* the jail's root: the pod directory */
	const char	*hostname;
	bool		 vnet;		/* its own network stack */
	const char *const *ip4;		/* non-vnet addresses, or none */
	size_t		 nip4;
	const char *const *ip6;
	size_t		 nip6;
	int		 securelevel;	/* -1 .. 3: jailspec_securelevel() */
	int		 children_max;	/* the pod's jail: its app count */
	unsigned	 allow;		/* enum jailspec_allow bits */
	bool		 linux_abi;	/* linprocfs/linsysfs are mounted */
};

/*
 * The securelevel of a pod's jails on a host at securelevel host: 2 (no
 * writes to raw disks, no kernel modules, immutable flags hold), or the
 * host's if higher: kern_jail_set() refuses (EPERM) a jail whose
 * securelevel is below its parent's, and prison0's is the host's.
 */
int	jailspec_securelevel(int);

/*
 * The EX_* class of a jail_set(2) failure, from errno and the kernel's
 * errmsg: an unknown parameter comes back as EINVAL with "unknown
 * parameter: NAME" (a kernel without VIMAGE, INET6 or RACCT's
 * parameters): EX_UNAVAILABLE; EPERM EX_NOPERM; EEXIST EX_CANTCREAT;
 * anything else EX_OSERR.
 */
int	jailspec_jail_set_exit(int, const char *);

/*
 * The EX_* class of an nmount(2) failure: a filesystem the kernel does
 * not have and cannot load comes back as EINVAL with errmsg "Invalid
 * fstype" (vfs_donmount() turns ENODEV into that), and a file target
 * (file true) on a kernel without file mounts as ENOTDIR:
 * EX_UNAVAILABLE; ENOENT EX_NOINPUT; EPERM EX_NOPERM; else EX_OSERR.
 */
int	jailspec_nmount_exit(int, const char *, bool);

/* The most apps, hence child jails, of one pod (POD_LIST_MAX). */
#define	JAILSPEC_APPS_MAX	1024

/* jail(2)'s JAIL_SYS_* values for "disable", "new" and "inherit". */
enum jailspec_sys {
	JAILSPEC_SYS_DISABLE	= 0,
	JAILSPEC_SYS_NEW	= 1,
	JAILSPEC_SYS_INHERIT	= 2
};

enum jailspec_type {
	JAILSPEC_BOOL,	/* no value; ival 1, or 0 for a "no" name */
	JAILSPEC_INT,	/* an int: ival */
	JAILSPEC_STR,	/* str, passed with its NUL */
	JAILSPEC_IP4,	/* naddr struct in_addr, network order, in addr */
	JAILSPEC_IP6	/* naddr struct in6_addr in addr */
};

struct jailspec_param {
	char		*name;	/* as jail_set(2) takes it: "allow.nomlock" */
	enum jailspec_type type;
	int		 ival;
	char		*str;
	unsigned char	*addr;	/* 4 or 16 bytes per address */
	size_t		 naddr;
};

struct jailspec_params {
	struct jailspec_param *v;
	size_t		 n;
};

/*
 * Fill *pp with the jail(2) parameters of opts, in the order the file's
 * comment gives, for creating the jail (JAIL_CREATE).  devfs_ruleset is
 * the devfs_ruleset parameter (0: left out).  Validates: name (1..255 of
 * [A-Za-z0-9_-], not all digits), path (absolute, < 1024 bytes),
 * hostname (RFC 1123, at most 255 bytes; NULL: the name), addresses
 * (inet_pton(3)), no addresses with vnet, securelevel -1..3.  EX_DATAERR
 * naming the bad value.  Release with jailspec_params_release().
 */
int	jailspec_params(const struct jailspec_opts *, unsigned,
	    struct jailspec_params *, struct error *);

void	jailspec_params_release(struct jailspec_params *);

/*
 * The name of app's child jail, "<pod jail>.<app>", into buf: the app
 * name as it is, or after a '_' if it is all digits (kern_jail_set()
 * refuses a numeric name component other than the jail's jid; '_' never
 * appears in an app name, so two apps never get the same jail).  -1 if
 * the app name is empty or not of [A-Za-z0-9_-], or the whole name does
 * not fit buf or 255 bytes.
 */
int	jailspec_app_jail_name(const char *, const char *, char *, size_t);

/*
 * Fill *pp with the parameters of the child jail of the pod jail opts
 * (whose name and options it inherits) for the app called app, whose
 * root is root: name (jailspec_app_jail_name()), path, persist, host,
 * ip4 and ip6 inherit, children.max=0, enforce_statfs=2, the pod's
 * securelevel, devfs_ruleset (0: left out) and allow.* flags, sysvmsg,
 * sysvsem and sysvshm inherit; no vnet (the pod's is inherited).
 * EX_DATAERR naming a bad app name or path.
 */
int	jailspec_app_params(const struct jailspec_opts *, const char *,
	    const char *, unsigned, struct jailspec_params *, struct error *);

/* The parameter called name, or NULL. */
const struct jailspec_param *jailspec_param_find(
	    const struct jailspec_params *, const char *);

/* devfs limits and the range of our ruleset numbers. */
#define	JAILSPEC_DEVFS_PATTERN_MAX	200	/* DEVFS_MAXPTRNLEN */
#define	JAILSPEC_DEVFS_RULES_MAX	1000	/* image rules in one set */
#define	JAILSPEC_DEVFS_RULESET_MIN	1000
#define	JAILSPEC_DEVFS_RULESET_MAX	64999

enum jailspec_devfs_act {
	JAILSPEC_DEVFS_HIDE	= 1 << 0,
	JAILSPEC_DEVFS_UNHIDE	= 1 << 1,
	JAILSPEC_DEVFS_MODE	= 1 << 2,
	JAILSPEC_DEVFS_USER	= 1 << 3,
	JAILSPEC_DEVFS_GROUP	= 1 << 4
};

struct jailspec_devfs_rule {
	char		 pattern[JAILSPEC_DEVFS_PATTERN_MAX];	/* "": all */
	unsigned	 acts;		/* enum jailspec_devfs_act bits */
	unsigned	 mode;		/* with JAILSPEC_DEVFS_MODE */
	unsigned long	 uid;		/* with JAILSPEC_DEVFS_USER */
	unsigned long	 gid;		/* with JAILSPEC_DEVFS_GROUP */
};

struct jailspec_devfs {
	struct jailspec_devfs_rule *rules;	/* the base rules first */
	size_t		 nrules;
	size_t		 nbase;		/* how many of them are base rules */
	char		*text;		/* canonical text, "\n"-terminated */
	char		 digest[DIGEST_MAX];	/* sha256 of text */
	unsigned	 ruleset;	/* preferred number, from digest */
};

/*
 * Parse one rule of the grammar above into *r.  EX_DATAERR "devfs rule
 * 'text': why".  Does not judge harm.
 */
int	jailspec_devfs_parse(const char *, struct jailspec_devfs_rule *,
	    struct error *);

/*
 * The canonical text of r (no newline) into buf; returns its length, or
 * -1 if it did not fit.
 */
int	jailspec_devfs_format(const struct jailspec_devfs_rule *, char *,
	    size_t);

/*
 * Whether r may be in a pod's ruleset: it unhides nothing, or every name
 * its pattern can match is in the safe set (the base names and the
 * host's extra[0..n)), by the rule in the comment at the top.
 */
bool	jailspec_devfs_allowed(const struct jailspec_devfs_rule *,
	    const char *const *, size_t);

/*
 * Parse the host's devfs_unhide list (berth.conf): patterns of the rule
 * grammar separated by commas, blanks around them ignored, at most 64.
 * *namesp (NULL-terminated, release with jailspec_strv_free()) and *np
 * get them; an empty list gives none.  EX_CONFIG naming a bad one.
 */
int	jailspec_devfs_unhide_parse(const char *, char ***, size_t *,
	    struct error *);

void	jailspec_strv_free(char **, size_t);

/*
 * Build the ruleset of the base rules and rules[0..n): parse each, refuse
 * the unhides jailspec_devfs_allowed() does not allow (extra[0..nextra)
 * is the host's addition to the safe set), make the canonical text, its
 * digest and the ruleset number.  EX_DATAERR "devfs rule 'text': ..."
 * (for a refused unhide: "... unhides names outside the safe set; a host
 * adds names with devfs_unhide in berth.conf").  Release with
 * jailspec_devfs_release().
 */
int	jailspec_devfs_build(const char *const *, size_t, const char *const *,
	    size_t, struct jailspec_devfs *, struct error *);

void	jailspec_devfs_release(struct jailspec_devfs *);

/*
 * The ruleset number to try on attempt number attempt (0: ds->ruleset):
 * the next numbers of the range, wrapping around.
 */
unsigned jailspec_devfs_ruleset_at(const struct jailspec_devfs *,
	    unsigned);

/*
 * The runtime-spec 1.3 document for a pod: {"ociVersion": "1.3.0",
 * "root": {"path": path}, "hostname": ..., "freebsd": {"jail": {...}},
 * "annotations": {...}} with jail's host, ip4, ip4Addr, ip6, ip6Addr,
 * vnet, sysvmsg, sysvsem, sysvshm, enforceStatfs and allow as the jail
 * parameters say, and "devices"
 * from the image's devfs rules that unhide one device by name (a device
 * path relative to /dev, with its mode; a pattern is not a path).  The
 * annotations say what has no field: io.berth.devfs.N, the canonical
 * text of every image rule; io.berth.jail.apps, the apps' child jails;
 * io.berth.jail.vnet, what a vnet jail grants whatever allow.* says;
 * io.berth.jail.securelevel and io.berth.jail.childrenMax.  Valid
 * against shared/spec-data/oci-runtime/config-schema.json.  NULL with
 * EX_DATAERR if a rule is refused (extra[0..nextra) as for
 * jailspec_devfs_build()).  The caller json_decref()s it.
 */
json_t	*jailspec_oci_config(const struct jailspec_opts *,
	    const char *const *, size_t, const char *const *, size_t,
	    struct error *);

/*
 * Of the mount points mnt[0..n) (the kernel's f_mntonname, in mount
 * order), those strictly below one of the app roots root[0..nroot): their
 * indices into out[] (n entries), deepest first, and of two at the same
 * path the later mount first (it covers the earlier).  Returns how many.
 * An app root itself is never chosen: with the zfs driver it is the
 * app's dataset, mounted by pod-render, not by the sandbox.
 */
size_t	jailspec_unmount_order(const char *const *, size_t,
	    const char *const *, size_t, size_t *);

/*
 * The rctl(8) rules of the jail called jail for the limits memory (bytes),
 * cpu (thousandths of a CPU) and pids (0: none of that limit), into
 * *rulesp (release with jailspec_strv_free()) and *np:
 *
 *	memory	"jail:J:memoryuse:deny=N" and "jail:J:swapuse:deny=N".
 *		memoryuse (RSS) is not deniable in racct (kern_racct.c):
 *		rctl keeps it near N by paging the jail's memory out, a soft
 *		cap.  swapuse is the swap reservation, charged when anonymous
 *		memory is committed (swap_reserve_by_cred()), whatever
 *		vm.overcommit says, and deniable: allocations beyond N fail
 *		with ENOMEM, the hard cap.  vmemoryuse is not used: it counts
 *		address space that is only reserved (PROT_NONE heaps of Go
 *		and Java, glibc's per-thread malloc arenas under the
 *		Linuxulator), which would refuse programs that fit.
 *	cpu	"jail:J:pcpu:deny=P", P percent of one CPU, rounded up.
 *	pids	"jail:J:maxproc:deny=N".
 */
void	jailspec_rctl_rules(const char *, int64_t, int64_t, int64_t, char ***,
	    size_t *);

#endif /* COMMON_JAILSPEC_H */
