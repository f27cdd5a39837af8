/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * passwd_resolve(): a user and its groups from an image's own etc/passwd
 * and etc/group.  The image is hostile: both files are opened beneath its
 * root (a symlink to "/etc/passwd" means the image's, never the host's),
 * without blocking (a FIFO must not hang pod-exec), and read only if they
 * are regular files of bounded size.  getpwnam(3) is never used: it reads
 * the host's databases through NSS.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/error.h"
#include "common/passwd.h"
#include "common/platform.h"
#include "common/xalloc.h"

/* Names come from the image or the manifest: quote them safely. */
#define	SHOWN(s)	error_shown((s), (char[72]){ 0 }, 72)

struct dbfile {
	char	*buf;
	size_t	 len;
	bool	 missing;
};

/*
 * Read the file rel (beneath rootfd) into f.  A missing file is not an
 * error (f->missing); anything but a regular file of at most
 * PASSWD_FILE_MAX bytes is EX_DATAERR.
 */
static int
db_read(int rootfd, const char *rel, struct dbfile *f, struct error *ep)
{
	struct stat st;
	size_t cap;
	ssize_t n;
	int fd, rv = -1;

	f->buf = NULL;
	f->len = 0;
	f->missing = false;
	fd = os_open_beneath(rootfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0,
	    ep);
	if (fd == -1) {
		/* No etc at all, or etc not a directory: no database. */
		if (ep->exit == EX_NOINPUT || ep->errnum == ENOTDIR) {
			error_clear(ep);
			f->missing = true;
			return (0);
		}
		return (error_wrap(ep, "image's /%s", rel));
	}
	if (fstat(fd, &st) == -1) {
		error_set(ep, EX_IOERR, errno, "stat the image's /%s", rel);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		error_set(ep, EX_DATAERR, 0,
		    "the image's /%s is not a regular file", rel);
		goto out;
	}
	if (st.st_size > PASSWD_FILE_MAX) {
		error_set(ep, EX_DATAERR, 0,
		    "the image's /%s is larger than %d bytes", rel,
		    PASSWD_FILE_MAX);
		goto out;
	}
	/* One byte more than allowed, to notice a file that grows. */
	cap = (size_t)st.st_size + 1;
	f->buf = xmalloc(cap + 1);
	while (f->len < cap) {
		n = read(fd, f->buf + f->len, cap - f->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			error_set(ep, EX_IOERR, errno, "read the image's /%s",
			    rel);
			goto out;
		}
		if (n == 0)
			break;
		f->len += (size_t)n;
	}
	if (f->len > (size_t)st.st_size) {
		error_set(ep, EX_DATAERR, 0,
		    "the image's /%s changed while being read", rel);
		goto out;
	}
	f->buf[f->len] = '\0';
	rv = 0;
out:
	if (rv == -1) {
		free(f->buf);
		f->buf = NULL;
		f->len = 0;
	}
	(void)close(fd);
	return (rv);
}

bool
passwd_parse_id(const char *s, unsigned long *idp)
{
	unsigned long v = 0;

	if (*s == '\0')
		return (false);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return (false);
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > PASSWD_ID_MAX)
			return (false);
	}
	*idp = v;
	return (true);
}

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return (false);
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return (false);
	return (true);
}

/*
 * Iterate over the lines of f: copy the next acceptable line into
 * line[PASSWD_LINE_MAX + 1] and split it at ':' into exactly nfields
 * fields.  Lines that are too long, hold a NUL, are comments or have the
 * wrong number of fields are skipped.  Returns false at the end.
 */
struct lines {
	const struct dbfile	*f;
	size_t			 off;
	char			 line[PASSWD_LINE_MAX + 1];
};

static bool
next_entry(struct lines *it, char **fields, size_t nfields)
{
	const char *start, *nl;
	size_t len, i;
	char *p;

	while (it->off < it->f->len) {
		start = it->f->buf + it->off;
		nl = memchr(start, '\n', it->f->len - it->off);
		len = nl != NULL ? (size_t)(nl - start) : it->f->len - it->off;
		it->off += len + (nl != NULL ? 1 : 0);
		if (len > 0 && start[len - 1] == '\r')
			len--;
		if (len == 0 || len > PASSWD_LINE_MAX ||
		    memchr(start, '\0', len) != NULL || start[0] == '#')
			continue;
		(void)memcpy(it->line, start, len);
		it->line[len] = '\0';
		p = it->line;
		for (i = 0; i < nfields; i++) {
			fields[i] = p;
			if ((p = strchr(p, ':')) == NULL)
				break;
			*p++ = '\0';
		}
		/* Exactly nfields: the last field ran to the end. */
		if (i == nfields - 1 && p == NULL && fields[0][0] != '\0')
			return (true);
	}
	return (false);
}

/* passwd: name:password:uid:gid:gecos:home:shell */
enum { PW_NAME, PW_PASSWD, PW_UID, PW_GID, PW_GECOS, PW_DIR, PW_SHELL,
    PW_NFIELDS };
/* group: name:password:gid:member,member... */
enum { GR_NAME, GR_PASSWD, GR_GID, GR_MEM, GR_NFIELDS };

struct pwent {
	bool		 found;
	char		*name;
	unsigned long	 uid;
	unsigned long	 gid;
	char		*home;
};

/* The first entry whose name is user (or whose uid is uid if byid). */
static void
pw_lookup(const struct dbfile *f, const char *user, bool byid,
    unsigned long uid, struct pwent *pw)
{
	struct lines *it;
	char *fl[PW_NFIELDS];
	unsigned long u, g;

	(void)memset(pw, 0, sizeof(*pw));
	if (f->missing)
		return;
	it = xcalloc(1, sizeof(*it));
	it->f = f;
	while (next_entry(it, fl, PW_NFIELDS)) {
		if (!passwd_parse_id(fl[PW_UID], &u) ||
		    !passwd_parse_id(fl[PW_GID], &g))
			continue;
		if (byid ? u != uid : strcmp(fl[PW_NAME], user) != 0)
			continue;
		pw->found = true;
		pw->name = xstrdup(fl[PW_NAME]);
		pw->uid = u;
		pw->gid = g;
		pw->home = xstrdup(fl[PW_DIR][0] != '\0' ? fl[PW_DIR] : "/");
		break;
	}
	free(it);
}

/* Does the comma-separated list members name user? */
static bool
member_of(char *members, const char *user)
{
	char *m, *next;

	for (m = members; m != NULL; m = next) {
		if ((next = strchr(m, ',')) != NULL)
			*next++ = '\0';
		if (strcmp(m, user) == 0)
			return (true);
	}
	return (false);
}

static int
gid_cmp(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return (x < y ? -1 : x > y);
}

/* Add gid to the set (unsorted, no duplicates) unless it is primary. */
static int
gid_add(struct passwd_ids *ids, gid_t gid, const char *user,
    struct error *ep)
{
	size_t i;

	if (gid == ids->gid)
		return (0);
	for (i = 0; i < ids->ngroups; i++)
		if (ids->groups[i] == gid)
			return (0);
	if (ids->ngroups == PASSWD_GROUPS_MAX)
		return (error_set(ep, EX_DATAERR, 0,
		    "user '%s' is in more than %d groups", user,
		    PASSWD_GROUPS_MAX));
	ids->groups[ids->ngroups++] = gid;
	return (0);
}

/*
 * Walk etc/group once: find the gid of the group named group (if group
 * is a name), and collect every group whose member list names username
 * (NULL: none, a numeric user without a passwd entry has no name).
 */
static int
gr_scan(const struct dbfile *f, const char *group, unsigned long *gidp,
    bool *foundp, const char *username, const char *user,
    struct passwd_ids *ids, struct error *ep)
{
	struct lines *it;
	char *fl[GR_NFIELDS];
	unsigned long g;
	int rv = 0;

	*foundp = false;
	if (f->missing)
		return (0);
	it = xcalloc(1, sizeof(*it));
	it->f = f;
	while (next_entry(it, fl, GR_NFIELDS)) {
		if (!passwd_parse_id(fl[GR_GID], &g))
			continue;
		if (group != NULL && !*foundp &&
		    strcmp(fl[GR_NAME], group) == 0) {
			*foundp = true;
			*gidp = g;
		}
		if (username != NULL && member_of(fl[GR_MEM], username) &&
		    gid_add(ids, (gid_t)g, user, ep) == -1) {
			rv = -1;
			break;
		}
	}
	free(it);
	return (rv);
}

int
passwd_resolve(int rootfd, const char *user, const char *group,
    const gid_t *extra, size_t nextra, struct passwd_ids *ids,
    struct error *ep)
{
	struct dbfile pwf = { NULL, 0, true }, grf = { NULL, 0, true };
	struct pwent pw = { false, NULL, 0, 0, NULL };
	unsigned long uid = 0, gid = 0;
	bool byid, grfound;
	size_t i;
	int rv = -1;

	(void)memset(ids, 0, sizeof(*ids));
	/* An image without a User runs as root. */
	if (user == NULL || *user == '\0')
		user = "0";
	if ((byid = all_digits(user)) && !passwd_parse_id(user, &uid))
		return (error_set(ep, EX_CONFIG, 0,
		    "user '%s': id out of range (0 to %lu)", SHOWN(user),
		    PASSWD_ID_MAX));
	if (group != NULL && all_digits(group) &&
	    !passwd_parse_id(group, &gid))
		return (error_set(ep, EX_CONFIG, 0,
		    "group '%s': id out of range (0 to %lu)", SHOWN(group),
		    PASSWD_ID_MAX));
	if (group != NULL && *group == '\0')
		return (error_set(ep, EX_CONFIG, 0, "empty group name"));
	if (nextra > PASSWD_GROUPS_MAX)
		return (error_set(ep, EX_CONFIG, 0,
		    "more than %d supplementary groups", PASSWD_GROUPS_MAX));
	for (i = 0; i < nextra; i++)
		if ((unsigned long)extra[i] > PASSWD_ID_MAX)
			return (error_set(ep, EX_CONFIG, 0,
			    "supplementary group %lu: id out of range "
			    "(0 to %lu)", (unsigned long)extra[i],
			    PASSWD_ID_MAX));

	if (db_read(rootfd, "etc/passwd", &pwf, ep) == -1)
		goto out;
	pw_lookup(&pwf, user, byid, uid, &pw);
	if (!pw.found && !byid) {
		error_set(ep, EX_CONFIG, 0,
		    "user '%s' not in the image's /etc/passwd", SHOWN(user));
		goto out;
	}
	ids->uid = (uid_t)(pw.found ? pw.uid : uid);
	ids->gid = (gid_t)(pw.found ? pw.gid : 0);
	ids->home = xstrdup(pw.found ? pw.home : "/");

	if (db_read(rootfd, "etc/group", &grf, ep) == -1)
		goto out;
	/*
	 * The primary gid must be known before the member lists are
	 * collected, since it is left out of them: resolve a group name
	 * in a first pass that collects nothing.
	 */
	if (group != NULL && all_digits(group))
		ids->gid = (gid_t)gid;
	else if (group != NULL) {
		if (gr_scan(&grf, group, &gid, &grfound, NULL, user, ids,
		    ep) == -1)
			goto out;
		if (!grfound) {
			error_set(ep, EX_CONFIG, 0,
			    "group '%s' not in the image's /etc/group",
			    SHOWN(group));
			goto out;
		}
		ids->gid = (gid_t)gid;
	}
	ids->groups = xcalloc(PASSWD_GROUPS_MAX, sizeof(gid_t));
	if (gr_scan(&grf, NULL, &gid, &grfound, pw.name, user, ids,
	    ep) == -1)
		goto out;
	for (i = 0; i < nextra; i++)
		if (gid_add(ids, extra[i], user, ep) == -1)
			goto out;
	qsort(ids->groups, ids->ngroups, sizeof(gid_t), gid_cmp);
	rv = 0;
out:
	if (rv == -1)
		passwd_ids_release(ids);
	free(pw.name);
	free(pw.home);
	free(pwf.buf);
	free(grf.buf);
	return (rv);
}

void
passwd_ids_release(struct passwd_ids *ids)
{
	free(ids->groups);
	free(ids->home);
	ids->groups = NULL;
	ids->home = NULL;
	ids->ngroups = 0;
}
