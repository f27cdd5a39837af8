/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * FreeBSD jails as data: the jail(2) parameters of a pod, the devfs
 * ruleset of its /dev, and the OCI runtime-spec 1.3 "freebsd" object that
 * says the same.  Portable and pure (unit-tested on Linux);
 * common/platform/freebsd/sbx_freebsd.c turns these into jail_set(2)
 * iovecs and devfs ioctls.
 *
 * The jail parameters (jailspec_params()): name, path, host.hostname,
 * persist, enforce_statfs=2, children.max=0, securelevel, devfs_ruleset,
 * then every allow.* flag we decide on, "no" forms for the ones not asked
 * for (allow.noset_hostname, ...; allow.nomount covers allow.mount.*,
 * whose own names exist only while the filesystem's module is loaded),
 * sysvmsg/sysvsem/sysvshm "new" with JAILSPEC_ALLOW_SYSVIPC or "disable"
 * (never the host's namespace), then vnet "new", or ip4/ip6 "new" with
 * their addresses or "disable".  allow.reserved_ports, allow.suser and
 * allow.unprivileged_proc_debug keep the kernel's default (on): a pod's
 * root may bind ports below 1024 and is root inside, as on Linux.
 *
 * The devfs ruleset (jailspec_devfs_build()): the base rules, like
 * FreeBSD's devfsrules_hide_all + devfsrules_unhide_basic +
 * devfsrules_unhide_login (hide everything; unhide null zero crypto
 * random urandom ptmx pts fd stdin stdout stderr tty, and everything
 * directly under pts and fd), then
 * the image's rules in the order given, one io.berth.devfs.N label each:
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
 * Harmful rules are refused unless the caller passes unsafe: an unhide
 * whose pattern matches (fnmatch(3), FNM_PATHNAME, as devfs does) any
 * name of a list of dangerous devices: disks and partitions (ada0,
 * ada0p1, da0, nvd0, nda0, nvme0, vtbd0, md0, mdctl, cd0, mmcsd0, sdda0,
 * xbd0, pass0, xpt0, sa0, ses0, geom labels such as gpt/x, gptid/x,
 * diskid/x, label/x, ufs/x, zvol/x, ada0.eli, ggate0, ...), memory and
 * I/O (mem, kmem, io, pci, cpuctl0, acpi, efi, vmmctl, ...), zfs, devctl,
 * devstat, klog, console, kbd/tty hardware (ttyv0, ttyu0, cuau0, ...),
 * dtrace, audit, usb, and bpf/pf/netmap/tun/tap.  bpf is refused too: a
 * jail without vnet sees the host's interfaces through it.  So "*",
 * "a*", "??" or "gpt/x?" are refused, "dsp" or "pts/1" are not.
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
	int		 securelevel;	/* -1 .. 3; pods use 2 */
	unsigned	 allow;		/* enum jailspec_allow bits */
	bool		 linux_abi;	/* linprocfs/linsysfs are mounted */
};

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
 * Whether r unhides something on the dangerous list; *whatp (may be
 * NULL) receives the first device name its pattern matches.
 */
bool	jailspec_devfs_harmful(const struct jailspec_devfs_rule *,
	    const char **);

/*
 * Build the ruleset of the base rules and rules[0..n): parse each, refuse
 * harmful ones unless unsafe, make the canonical text, its digest and the
 * ruleset number.  EX_DATAERR "devfs rule 'text': ..." (for a harmful one:
 * "... unhides 'ada0' (a disk or other dangerous device); allowed only
 * when unsafe devfs rules are enabled").  Release with
 * jailspec_devfs_release().
 */
int	jailspec_devfs_build(const char *const *, size_t, bool,
	    struct jailspec_devfs *, struct error *);

void	jailspec_devfs_release(struct jailspec_devfs *);

/*
 * The ruleset number to try on attempt number attempt (0: ds->ruleset):
 * the next numbers of the range, wrapping around.
 */
unsigned jailspec_devfs_ruleset_at(const struct jailspec_devfs *,
	    unsigned);

/*
 * The runtime-spec 1.3 document for a pod: {"ociVersion": "1.3.0",
 * "root": {"path": path}, "hostname": ..., "freebsd": {"jail": {...}}}
 * with jail's host/ip4/ip4Addr/ip6/ip6Addr/vnet/sysv*
 * /enforceStatfs/allow as the jail parameters say, and "devices" from
 * the image's devfs rules (those that unhide a path, with their mode);
 * securelevel, children.max and persist have no field there.  Valid
 * against shared/spec-data/oci-runtime/config-schema.json.  NULL with
 * EX_DATAERR if a rule is refused.  The caller json_decref()s it.
 */
json_t	*jailspec_oci_config(const struct jailspec_opts *,
	    const char *const *, size_t, bool, struct error *);

#endif /* COMMON_JAILSPEC_H */
