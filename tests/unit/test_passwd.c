/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for common/passwd.c: users and groups resolved from small
 * image roots built in a temporary directory, including hostile ones
 * (symlinks out of the root, a FIFO, a directory, oversized files and
 * lines, ids out of range).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fsutil.h"
#include "common/passwd.h"
#include "tests/unit/unit.h"

static char top[PATH_MAX];

static int	mkdir_at(const char *, const char *);

/* snprintf() into a path buffer; a path that does not fit fails the test. */
#define	PATHF(...)	CHECK(pathf(__VA_ARGS__) == 0)

static int	pathf(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));

static int
pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= size ? -1 : 0);
}

static const char std_passwd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
    "bob:x:1001:100::/home/bob:/bin/sh\n"
    "nohome:x:1002:1002:::/bin/sh\n";
static const char std_group[] =
    "root:x:0:\n"
    "wheel:x:10:root,alice\n"
    "users:x:100:\n"
    "staff:x:50:bob,alice\n"
    "audio:x:63:carol\n"
    "alice:x:1000:\n"
    "video:x:44:bob,alice,alice\n";

/* Write dir/rel (creating parents) with the NUL-terminated text. */
static int
put(const char *dir, const char *rel, const char *text)
{
	struct error e = ERROR_INIT;
	char path[PATH_MAX], *slash;
	int dfd, rv;

	if (pathf(path, sizeof(path), "%s/%s", dir, rel) == -1)
		return (-1);
	if ((slash = strrchr(path, '/')) != NULL) {
		*slash = '\0';
		if (mkdir_p(AT_FDCWD, path, 0755, &e) == -1)
			return (-1);
		*slash = '/';
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	rv = file_write_atomic(dfd, rel, text, strlen(text), 0644, &e);
	(void)close(dfd);
	return (rv);
}

/* A new image root top/name with etc/passwd and etc/group (NULL: none). */
static int
mkroot(const char *name, const char *passwd, const char *group, char *path,
    size_t size)
{
	char p[PATH_MAX];

	PATHF(p, sizeof(p), "%s/%s", top, name);
	if (mkdir(p, 0755) == -1 || mkdir_at(p, "etc") == -1)
		return (-1);
	if (passwd != NULL && put(p, "etc/passwd", passwd) == -1)
		return (-1);
	if (group != NULL && put(p, "etc/group", group) == -1)
		return (-1);
	if (path != NULL)
		PATHF(path, size, "%s", p);
	return (open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

static int
mkdir_at(const char *dir, const char *rel)
{
	char p[PATH_MAX];

	PATHF(p, sizeof(p), "%s/%s", dir, rel);
	return (mkdir(p, 0755));
}

static bool
groups_are(const struct passwd_ids *ids, const gid_t *want, size_t n)
{
	size_t i;

	if (ids->ngroups != n)
		return (false);
	for (i = 0; i < n; i++)
		if (ids->groups[i] != want[i])
			return (false);
	return (true);
}

static void
by_name(void)
{
	static const gid_t alice[] = { 10, 44, 50 };
	struct passwd_ids ids;
	struct error e = ERROR_INIT;
	int rfd;

	CHECK((rfd = mkroot("byname", std_passwd, std_group, NULL, 0)) != -1);
	CHECK(passwd_resolve(rfd, "alice", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 1000 && ids.gid == 1000);
	CHECK_STREQ(ids.home, "/home/alice");
	/* video names alice twice: one entry. */
	CHECK(groups_are(&ids, alice, 3));
	passwd_ids_release(&ids);

	CHECK(passwd_resolve(rfd, "root", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 0 && ids.gid == 0 && ids.ngroups == 1 &&
	    ids.groups[0] == 10);
	CHECK_STREQ(ids.home, "/root");
	passwd_ids_release(&ids);

	/* An empty home field is "/". */
	CHECK(passwd_resolve(rfd, "nohome", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 1002 && ids.gid == 1002 && ids.ngroups == 0);
	CHECK_STREQ(ids.home, "/");
	passwd_ids_release(&ids);

	/* No user at all is root. */
	CHECK(passwd_resolve(rfd, NULL, NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 0 && ids.gid == 0);
	CHECK_STREQ(ids.home, "/root");
	passwd_ids_release(&ids);
	(void)close(rfd);
}

static void
numeric_user(void)
{
	static const gid_t alice[] = { 10, 44, 50 };
	struct passwd_ids ids;
	struct error e = ERROR_INIT;
	int rfd;

	CHECK((rfd = mkroot("numeric", std_passwd, std_group, NULL, 0)) != -1);
	/* Not in passwd: gid 0, home "/", no groups. */
	CHECK(passwd_resolve(rfd, "4242", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 4242 && ids.gid == 0 && ids.ngroups == 0);
	CHECK_STREQ(ids.home, "/");
	passwd_ids_release(&ids);
	/* In passwd: its entry, and its name's groups. */
	CHECK(passwd_resolve(rfd, "1000", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 1000 && ids.gid == 1000);
	CHECK_STREQ(ids.home, "/home/alice");
	CHECK(groups_are(&ids, alice, 3));
	passwd_ids_release(&ids);
	/* Leading zeros are still a number. */
	CHECK(passwd_resolve(rfd, "01001", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 1001 && ids.gid == 100);
	passwd_ids_release(&ids);
	(void)close(rfd);
}

static void
group_by_name_and_number(void)
{
	static const gid_t staff[] = { 10, 44 }, num[] = { 10, 44, 50 };
	struct passwd_ids ids;
	struct error e = ERROR_INIT;
	int rfd;

	CHECK((rfd = mkroot("groups", std_passwd, std_group, NULL, 0)) != -1);
	/* The primary group leaves the supplementary list. */
	CHECK(passwd_resolve(rfd, "alice", "staff", NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 1000 && ids.gid == 50);
	CHECK(groups_are(&ids, staff, 2));
	passwd_ids_release(&ids);
	/* A numeric group needs no entry. */
	CHECK(passwd_resolve(rfd, "alice", "7777", NULL, 0, &ids, &e) == 0);
	CHECK(ids.gid == 7777);
	CHECK(groups_are(&ids, num, 3));
	passwd_ids_release(&ids);
	CHECK(passwd_resolve(rfd, "4242", "audio", NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 4242 && ids.gid == 63 && ids.ngroups == 0);
	passwd_ids_release(&ids);
	(void)close(rfd);
}

static void
extra_groups_sorted_unique(void)
{
	static const gid_t want[] = { 3, 10, 44, 50, 9000 };
	static const gid_t extra[] = { 9000, 50, 1000, 3, 3 };
	struct passwd_ids ids;
	struct error e = ERROR_INIT;
	int rfd;

	CHECK((rfd = mkroot("extra", std_passwd, std_group, NULL, 0)) != -1);
	/* 1000 is the primary gid, 50 already a member, 3 twice. */
	CHECK(passwd_resolve(rfd, "alice", NULL, extra, 5, &ids, &e) == 0);
	CHECK(groups_are(&ids, want, 5));
	passwd_ids_release(&ids);
	(void)close(rfd);
}

static void
missing_user_or_group(void)
{
	struct passwd_ids ids;
	struct error e = ERROR_INIT;
	int rfd;

	CHECK((rfd = mkroot("missing", std_passwd, std_group, NULL, 0)) != -1);
	CHECK(passwd_resolve(rfd, "mallory", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK_STREQ(e.msg, "user 'mallory' not in the image's /etc/passwd");
	CHECK(ids.groups == NULL && ids.home == NULL);
	CHECK(passwd_resolve(rfd, "alice", "nogroup", NULL, 0, &ids,
	    &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK_STREQ(e.msg, "group 'nogroup' not in the image's /etc/group");
	/* Names are not patterns nor prefixes. */
	CHECK(passwd_resolve(rfd, "alic", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(passwd_resolve(rfd, "-1", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	(void)close(rfd);

	/* No files at all: numbers work, names do not. */
	CHECK((rfd = mkroot("nofiles", NULL, NULL, NULL, 0)) != -1);
	CHECK(passwd_resolve(rfd, "0", "5", NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 0 && ids.gid == 5 && ids.ngroups == 0);
	CHECK_STREQ(ids.home, "/");
	passwd_ids_release(&ids);
	CHECK(passwd_resolve(rfd, "root", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK(passwd_resolve(rfd, "0", "wheel", NULL, 0, &ids, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK_STREQ(e.msg, "group 'wheel' not in the image's /etc/group");
	(void)close(rfd);
}

static void
malformed_lines_skipped(void)
{
	struct passwd_ids ids;
	struct error e = ERROR_INIT;
	int rfd;

	CHECK((rfd = mkroot("malformed",
	    "# a comment\n"
	    "+::::::\n"
	    "short:x:1:1\n"
	    "extra:x:1:1:g:/h:/sh:more\n"
	    "badid:x:abc:1:g:/h:/sh\n"
	    "neg:x:-5:1:g:/h:/sh\n"
	    ":x:7:7:g:/h:/sh\n"
	    "dup:x:20:20:first:/first:/sh\n"
	    "dup:x:21:21:second:/second:/sh\n"
	    "crlf:x:30:30::/crlf:/sh\r\n"
	    "last:x:40:40::/last:/sh",
	    "g1:x:5\n"
	    "g2:x:six:last\n"
	    "g3:x:7:last\n", NULL, 0)) != -1);
	CHECK(passwd_resolve(rfd, "short", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(passwd_resolve(rfd, "extra", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(passwd_resolve(rfd, "badid", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(passwd_resolve(rfd, "neg", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(passwd_resolve(rfd, "+", NULL, NULL, 0, &ids, &e) == -1);
	/* The first entry of a name wins. */
	CHECK(passwd_resolve(rfd, "dup", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 20);
	CHECK_STREQ(ids.home, "/first");
	passwd_ids_release(&ids);
	CHECK(passwd_resolve(rfd, "crlf", NULL, NULL, 0, &ids, &e) == 0);
	CHECK_STREQ(ids.home, "/crlf");
	passwd_ids_release(&ids);
	/* No final newline; only the well-formed group counts. */
	CHECK(passwd_resolve(rfd, "last", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 40 && ids.ngroups == 1 && ids.groups[0] == 7);
	passwd_ids_release(&ids);
	CHECK(passwd_resolve(rfd, "last", "g1", NULL, 0, &ids, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	(void)close(rfd);
}

/*
 * /etc/passwd is a symlink to an absolute path outside the root: a decoy
 * waits at that path on the host, the real file at the same path inside
 * the root.  Then the same with "../" climbing out, and with /etc itself
 * a symlink.
 */
static void
symlinks_stay_inside(void)
{
	struct passwd_ids ids;
	struct error e = ERROR_INIT;
	char root[PATH_MAX], host[PATH_MAX], link[PATH_MAX * 2];
	int rfd;

	PATHF(host, sizeof(host), "%s/outside", top);
	CHECK(put(host, "passwd", "alice:x:1:1::/decoy:/bin/sh\n") == 0);
	CHECK(put(host, "group", "decoy:x:666:alice\n") == 0);
	CHECK((rfd = mkroot("abslink", NULL, NULL, root, sizeof(root))) !=
	    -1);
	PATHF(link, sizeof(link), "%s/etc/passwd", root);
	{
		char target[PATH_MAX + 16], inside[PATH_MAX * 2];

		PATHF(target, sizeof(target), "%s/passwd", host);
		CHECK(symlink(target, link) == 0);
		PATHF(link, sizeof(link), "%s/etc/group", root);
		PATHF(target, sizeof(target), "%s/group", host);
		CHECK(symlink(target, link) == 0);
		PATHF(inside, sizeof(inside), "%s%s", root, host);
		CHECK(put(inside, "passwd",
		    "alice:x:2000:2000::/inside:/bin/sh\n") == 0);
		CHECK(put(inside, "group", "real:x:77:alice\n") == 0);
	}
	CHECK(passwd_resolve(rfd, "alice", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 2000);
	CHECK_STREQ(ids.home, "/inside");
	CHECK(ids.ngroups == 1 && ids.groups[0] == 77);
	passwd_ids_release(&ids);
	(void)close(rfd);

	/* "../" as far up as it takes stops at the root. */
	CHECK((rfd = mkroot("dotdot", NULL, NULL, root, sizeof(root))) != -1);
	PATHF(link, sizeof(link), "%s/etc/passwd", root);
	CHECK(symlink("../../../../../../../../../../../../../../../../.."
	    "/../../../../../../../../../../../../../../../../../../.."
	    "/outside/passwd", link) == 0);
	CHECK(put(root, "outside/passwd",
	    "alice:x:3000:3000::/dotdot:/bin/sh\n") == 0);
	CHECK(passwd_resolve(rfd, "alice", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 3000);
	CHECK_STREQ(ids.home, "/dotdot");
	passwd_ids_release(&ids);
	(void)close(rfd);

	/* /etc a symlink to the host's directory of decoys. */
	PATHF(root, sizeof(root), "%s/etclink", top);
	CHECK(mkdir(root, 0755) == 0);
	PATHF(link, sizeof(link), "%s/etc", root);
	CHECK(symlink(host, link) == 0);
	CHECK((rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1);
	/* Nothing inside at that path: as if there were no passwd. */
	CHECK(passwd_resolve(rfd, "alice", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	{
		char inside[PATH_MAX * 2];

		PATHF(inside, sizeof(inside), "%s%s", root, host);
		CHECK(put(inside, "passwd",
		    "alice:x:4000:4000::/etclink:/bin/sh\n") == 0);
	}
	CHECK(passwd_resolve(rfd, "alice", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 4000 && ids.ngroups == 0);
	passwd_ids_release(&ids);
	(void)close(rfd);
}

static void
special_files_refused(void)
{
	struct passwd_ids ids;
	struct error e = ERROR_INIT;
	struct stat st;
	char root[PATH_MAX], p[PATH_MAX + 16];
	int rfd;

	/* A FIFO must neither hang (the alarm kills a hung test) nor pass. */
	CHECK((rfd = mkroot("fifo", NULL, std_group, root, sizeof(root))) !=
	    -1);
	PATHF(p, sizeof(p), "%s/etc/passwd", root);
	CHECK(mkfifo(p, 0644) == 0);
	(void)alarm(10);
	CHECK(passwd_resolve(rfd, "0", NULL, NULL, 0, &ids, &e) == -1);
	(void)alarm(0);
	CHECK(e.exit == EX_DATAERR);
	CHECK(strstr(e.msg, "not a regular file") != NULL);
	(void)close(rfd);

	/* A directory for etc/group. */
	CHECK((rfd = mkroot("dir", std_passwd, NULL, root, sizeof(root))) !=
	    -1);
	PATHF(p, sizeof(p), "%s/etc/group", root);
	CHECK(mkdir(p, 0755) == 0);
	CHECK(passwd_resolve(rfd, "alice", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	CHECK_STREQ(e.msg, "the image's /etc/group is not a regular file");
	(void)close(rfd);

	/* A character device (as root only: mknod needs it). */
	if (geteuid() == 0) {
		CHECK((rfd = mkroot("dev", NULL, NULL, root, sizeof(root))) !=
		    -1);
		PATHF(p, sizeof(p), "%s/etc/passwd", root);
		CHECK(symlink("/dev/zero", p) == 0);
		/* Resolved inside: a missing file, not the host's zero. */
		CHECK(passwd_resolve(rfd, "0", NULL, NULL, 0, &ids, &e) == 0);
		passwd_ids_release(&ids);
		CHECK(stat("/dev/null", &st) == 0);
		CHECK(mkdir_at(root, "dev") == 0);
		PATHF(p, sizeof(p), "%s/dev/zero", root);
		CHECK(mknod(p, S_IFCHR | 0666, st.st_rdev) == 0);
		CHECK(passwd_resolve(rfd, "0", NULL, NULL, 0, &ids, &e) == -1);
		CHECK(e.exit == EX_DATAERR);
		(void)close(rfd);
	}
}

static void
oversized_file(void)
{
	struct passwd_ids ids;
	struct error e = ERROR_INIT;
	char root[PATH_MAX], p[PATH_MAX + 16];
	int rfd, fd;

	/* One byte over the limit (a sparse file: its size counts). */
	CHECK((rfd = mkroot("big", std_passwd, std_group, root,
	    sizeof(root))) != -1);
	PATHF(p, sizeof(p), "%s/etc/group", root);
	CHECK((fd = open(p, O_WRONLY | O_CLOEXEC)) != -1);
	CHECK(ftruncate(fd, PASSWD_FILE_MAX + 1) == 0);
	(void)close(fd);
	CHECK(passwd_resolve(rfd, "alice", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	CHECK(strstr(e.msg, "/etc/group is larger than") != NULL);
	/* Exactly at the limit is read (NULs are skipped as lines). */
	CHECK((fd = open(p, O_WRONLY | O_CLOEXEC)) != -1);
	CHECK(ftruncate(fd, PASSWD_FILE_MAX) == 0);
	(void)close(fd);
	CHECK(passwd_resolve(rfd, "alice", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 1000 && ids.ngroups == 3);
	passwd_ids_release(&ids);
	(void)close(rfd);
}

static void
long_lines(void)
{
	struct passwd_ids ids;
	struct error e = ERROR_INIT;
	char *text, *q;
	size_t pad;
	int rfd;

	/*
	 * "long" with a gecos that makes its line PASSWD_LINE_MAX + 1
	 * bytes: skipped.  "fits" has a line of exactly PASSWD_LINE_MAX.
	 */
	text = calloc(1, 3 * PASSWD_LINE_MAX);
	CHECK(text != NULL);
	if (text == NULL)
		return;
	q = text;
	pad = PASSWD_LINE_MAX + 1 - strlen("long:x:5:5::/l:/sh");
	q += sprintf(q, "long:x:5:5:");
	(void)memset(q, 'g', pad);
	q += pad;
	q += sprintf(q, ":/l:/sh\n");
	pad = PASSWD_LINE_MAX - strlen("fits:x:6:6::/f:/sh");
	q += sprintf(q, "fits:x:6:6:");
	(void)memset(q, 'g', pad);
	q += pad;
	(void)sprintf(q, ":/f:/sh\nafter:x:7:7::/a:/sh\n");
	CHECK((rfd = mkroot("long", text, "", NULL, 0)) != -1);
	free(text);
	CHECK(passwd_resolve(rfd, "long", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK(passwd_resolve(rfd, "fits", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 6);
	passwd_ids_release(&ids);
	CHECK(passwd_resolve(rfd, "after", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 7);
	passwd_ids_release(&ids);
	(void)close(rfd);
}

static void
ids_out_of_range(void)
{
	static const gid_t bad[] = { 5, (gid_t)0x7fffffffUL };
	static const gid_t good[] = { 5, (gid_t)0x7ffffffeUL };
	struct passwd_ids ids;
	struct error e = ERROR_INIT;
	int rfd;

	CHECK((rfd = mkroot("range",
	    "big:x:2147483647:1::/:/sh\n"
	    "huge:x:99999999999999999999999:1::/:/sh\n"
	    "biggid:x:5:4294967295::/:/sh\n"
	    "max:x:2147483646:2147483646::/max:/sh\n",
	    "bigg:x:2147483647:max\n"
	    "maxg:x:2147483646:\n", NULL, 0)) != -1);
	CHECK(passwd_resolve(rfd, "big", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK(passwd_resolve(rfd, "huge", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(passwd_resolve(rfd, "biggid", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(passwd_resolve(rfd, "max", NULL, NULL, 0, &ids, &e) == 0);
	CHECK(ids.uid == 2147483646 && ids.gid == 2147483646);
	/* bigg names max but its gid is out of range: skipped. */
	CHECK(ids.ngroups == 0);
	passwd_ids_release(&ids);
	CHECK(passwd_resolve(rfd, "2147483647", NULL, NULL, 0, &ids,
	    &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK(strstr(e.msg, "out of range") != NULL);
	CHECK(passwd_resolve(rfd, "4294967296", NULL, NULL, 0, &ids,
	    &e) == -1);
	CHECK(passwd_resolve(rfd, "0", "2147483647", NULL, 0, &ids, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK(passwd_resolve(rfd, "0", "bigg", NULL, 0, &ids, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK(passwd_resolve(rfd, "0", "maxg", NULL, 0, &ids, &e) == 0);
	CHECK(ids.gid == 2147483646);
	passwd_ids_release(&ids);
	CHECK(passwd_resolve(rfd, "0", NULL, bad, 2, &ids, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK(passwd_resolve(rfd, "0", NULL, good, 2, &ids, &e) == 0);
	CHECK(ids.ngroups == 2 && ids.groups[1] == 2147483646);
	passwd_ids_release(&ids);
	(void)close(rfd);
}

static void
too_many_groups(void)
{
	struct passwd_ids ids;
	struct error e = ERROR_INIT;
	gid_t *extra;
	char *text, *q;
	int rfd, i;

	text = malloc((PASSWD_GROUPS_MAX + 1) * 32);
	extra = calloc(PASSWD_GROUPS_MAX + 1, sizeof(*extra));
	CHECK(text != NULL && extra != NULL);
	if (text == NULL || extra == NULL)
		return;
	q = text;
	for (i = 0; i <= PASSWD_GROUPS_MAX; i++)
		q += sprintf(q, "g%d:x:%d:u\n", i, 5000 + i);
	CHECK((rfd = mkroot("many", "u:x:1:1::/:/sh\n", text, NULL, 0)) !=
	    -1);
	CHECK(passwd_resolve(rfd, "u", NULL, NULL, 0, &ids, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	CHECK(strstr(e.msg, "more than 256 groups") != NULL);
	/* With one of them as the primary group, exactly the limit. */
	CHECK(passwd_resolve(rfd, "u", "g0", NULL, 0, &ids, &e) == 0);
	CHECK(ids.ngroups == PASSWD_GROUPS_MAX && ids.gid == 5000 &&
	    ids.groups[0] == 5001);
	passwd_ids_release(&ids);
	for (i = 0; i <= PASSWD_GROUPS_MAX; i++)
		extra[i] = (gid_t)i;
	CHECK(passwd_resolve(rfd, "0", NULL, extra, PASSWD_GROUPS_MAX + 1,
	    &ids, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	(void)close(rfd);
	free(text);
	free(extra);
}

int
main(void)
{
	struct error e = ERROR_INIT;
	const char *tmp;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	(void)snprintf(top, sizeof(top), "%s/test_passwd.XXXXXX", tmp);
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	TEST(by_name);
	TEST(numeric_user);
	TEST(group_by_name_and_number);
	TEST(extra_groups_sorted_unique);
	TEST(missing_user_or_group);
	TEST(malformed_lines_skipped);
	TEST(symlinks_stay_inside);
	TEST(special_files_refused);
	TEST(oversized_file);
	TEST(long_lines);
	TEST(ids_out_of_range);
	TEST(too_many_groups);
	(void)rm_rf_at(AT_FDCWD, top, &e);
	return (unit_done());
}
