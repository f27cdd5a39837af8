/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Users and groups of an image, from its own etc/passwd and etc/group,
 * read beneath the image's root as hostile input (the CVE-2024-9676
 * class: a symlinked or special /etc/passwd must neither reach the host's
 * files nor hang the reader).
 */
#ifndef COMMON_PASSWD_H
#define COMMON_PASSWD_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

struct error;

/* Largest etc/passwd or etc/group we read; longest line we consider. */
#define	PASSWD_FILE_MAX		(4 * 1024 * 1024)
#define	PASSWD_LINE_MAX		4096
/* Most supplementary groups we hand out. */
#define	PASSWD_GROUPS_MAX	256

/* The largest id we accept: 2^31 - 2 (2^31 - 1 and above are "nobody"s). */
#define	PASSWD_ID_MAX		0x7ffffffeUL

struct passwd_ids {
	uid_t	 uid;
	gid_t	 gid;
	gid_t	*groups;	/* supplementary, sorted, no duplicates */
	size_t	 ngroups;
	char	*home;		/* from passwd, or "/" */
};

/*
 * Resolve user (a name, or a decimal uid; NULL or "" is uid 0) and group
 * (a name, a decimal gid, or NULL for the user's primary group) against
 * etc/passwd and etc/group of the root directory rootfd.  The files are
 * opened with os_open_beneath() (O_NONBLOCK, never following a symlink
 * out of the root) and used only if they are regular files of at most
 * PASSWD_FILE_MAX bytes (a missing file is an empty one); lines longer
 * than PASSWD_LINE_MAX or malformed are skipped.  The first entry of a
 * name (or, for a numeric user, of a uid) counts.  A numeric user missing
 * from passwd gets gid 0 and home "/"; a numeric group needs no entry.
 * The supplementary groups are the gid of every group whose member list
 * names the user, plus extra[], without the primary gid, at most
 * PASSWD_GROUPS_MAX (more is EX_DATAERR).  Ids above 2^31 - 2 are refused
 * (EX_CONFIG for user, group and extra[]; such lines of the files are
 * skipped).  EX_CONFIG "user 'x' not in the image's /etc/passwd" or
 * "group 'x' not in the image's /etc/group"; EX_DATAERR for a file that
 * is not a regular file or too large.  Release with passwd_ids_release().
 */
int	passwd_resolve(int, const char *, const char *, const gid_t *,
	    size_t, struct passwd_ids *, struct error *);

void	passwd_ids_release(struct passwd_ids *);

/*
 * Parse s as a user or group id: decimal digits only (no sign, no spaces)
 * and at most PASSWD_ID_MAX.  True and *idp if so; false, *idp untouched,
 * otherwise.  Also what jailspec reads the ids of devfs rules with.
 */
bool	passwd_parse_id(const char *, unsigned long *);

#endif /* COMMON_PASSWD_H */
