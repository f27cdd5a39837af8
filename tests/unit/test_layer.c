/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for common/layer.c and common/decomp.c.  Every test builds a
 * layer with tests/tools/mklayer.py (run through fork/exec), applies it to
 * a fresh root under a temporary directory, and checks the result; next to
 * the root sits a sentinel directory ("outside") that hostile layers aim
 * at, and every test checks that it is byte-for-byte, mode-for-mode and
 * time-for-time what it was, and that nothing new appeared next to it.
 * Runs as root (ownership, devices, trusted xattrs); the unprivileged
 * paths run in a child that switches to uid 65534.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "common/decomp.h"
#include "common/error.h"
#include "common/layer.h"
#include "common/platform.h"
#include "tests/unit/unit.h"

#define	NOBODY	65534

static char mklayer[PATH_MAX];

struct fx {
	char			top[256];
	char			root[300];
	char			outside[300];
	char			blob[300];
	char			digest[DIGEST_MAX];
	char			diffid[DIGEST_MAX];
	int			rootfd;
	int			nextra;		/* more names beside root */
	char			*snap;
	struct layer_stats	st;
	struct error		e;
};

/* ---- helpers ---- */

static char *
xsprintf_cat(char *s, const char *add)
{
	size_t a = s != NULL ? strlen(s) : 0, b = strlen(add);
	char *n = realloc(s, a + b + 1);

	if (n == NULL)
		abort();
	(void)memcpy(n + a, add, b + 1);
	return (n);
}

/* Everything below dfd/path that an escape could touch, as text. */
static char *
snapshot(int dfd, const char *path, char *acc)
{
	char line[8192], data[4096], sub[PATH_MAX];
	struct dirent *de;
	struct stat st;
	ssize_t n;
	DIR *d;
	int fd;

	if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		(void)snprintf(line, sizeof(line), "%s missing\n", path);
		return (xsprintf_cat(acc, line));
	}
	(void)snprintf(line, sizeof(line), "%s %o %u:%u %lld %lld.%09ld %lu",
	    path, (unsigned)st.st_mode, (unsigned)st.st_uid,
	    (unsigned)st.st_gid, (long long)st.st_size,
	    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
	    (unsigned long)st.st_nlink);
	acc = xsprintf_cat(acc, line);
	if (S_ISREG(st.st_mode) &&
	    (fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW)) != -1) {
		n = read(fd, data, sizeof(data) - 1);
		(void)close(fd);
		data[n > 0 ? n : 0] = '\0';
		acc = xsprintf_cat(acc, " ");
		acc = xsprintf_cat(acc, data);
	}
	acc = xsprintf_cat(acc, "\n");
	if (!S_ISDIR(st.st_mode))
		return (acc);
	if ((fd = openat(dfd, path, O_RDONLY | O_DIRECTORY)) == -1 ||
	    (d = fdopendir(fd)) == NULL)
		return (xsprintf_cat(acc, "unreadable\n"));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		acc = snapshot(dfd, sub, acc);
	}
	(void)closedir(d);
	return (acc);
}

/* Names directly in dir, sorted-insensitive count check helper. */
static int
count_names(int dfd, const char *path)
{
	struct dirent *de;
	DIR *d;
	int fd, n = 0;

	if ((fd = openat(dfd, path, O_RDONLY | O_DIRECTORY)) == -1)
		return (-1);
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return (-1);
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	(void)closedir(d);
	return (n);
}

/* Does any name below dfd/path start with ".wh."? */
static bool
has_whiteout_names(int dfd, const char *path)
{
	char sub[PATH_MAX];
	struct dirent *de;
	struct stat st;
	bool found = false;
	DIR *d;
	int fd;

	if ((fd = openat(dfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) ==
	    -1)
		return (false);
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return (false);
	}
	while (!found && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (strncmp(de->d_name, ".wh.", 4) == 0)
			found = true;
		(void)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (fstatat(dfd, sub, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			found = found || has_whiteout_names(dfd, sub);
	}
	(void)closedir(d);
	return (found);
}

static int
lst(int dfd, const char *path, struct stat *st)
{
	return (fstatat(dfd, path, st, AT_SYMLINK_NOFOLLOW));
}

static bool
is_type(int dfd, const char *path, mode_t type)
{
	struct stat st;

	return (lst(dfd, path, &st) == 0 && (st.st_mode & S_IFMT) == type);
}

static bool
missing(int dfd, const char *path)
{
	struct stat st;

	return (lst(dfd, path, &st) == -1 && errno == ENOENT);
}

static mode_t
perm_of(int dfd, const char *path)
{
	struct stat st;

	if (lst(dfd, path, &st) == -1)
		return ((mode_t)-1);
	return (st.st_mode & 07777);
}

/* Read a whole small file (not following a final symlink). */
static char *
slurp(int dfd, const char *path, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	if ((fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW)) == -1)
		return (NULL);
	for (;;) {
		if (len + 65536 > cap) {
			cap = cap * 2 + 65536;
			if ((buf = realloc(buf, cap + 1)) == NULL)
				abort();
		}
		if ((n = read(fd, buf + len, cap - len)) <= 0)
			break;
		len += (size_t)n;
	}
	(void)close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return (buf);
}

static bool
content_is(int dfd, const char *path, const char *want)
{
	char *got = slurp(dfd, path, NULL);
	bool ok = got != NULL && strcmp(got, want) == 0;

	if (!ok)
		(void)printf("# %s: got '%.40s', want '%s'\n", path,
		    got != NULL ? got : "(unreadable)", want);
	free(got);
	return (ok);
}

static bool
link_is(int dfd, const char *path, const char *want)
{
	char buf[PATH_MAX];
	ssize_t n;

	if ((n = readlinkat(dfd, path, buf, sizeof(buf) - 1)) == -1)
		return (false);
	buf[n] = '\0';
	return (strcmp(buf, want) == 0);
}

/* An xattr of dfd/path (path split into parent and name). */
static ssize_t
xattr_of(int dfd, const char *path, const char *attr, char *buf,
    size_t len)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	ssize_t n;
	int pfd;

	if (slash == NULL)
		return (os_getxattrat(dfd, path, attr, buf, len));
	(void)snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path),
	    path);
	if ((pfd = openat(dfd, parent, O_RDONLY | O_DIRECTORY)) == -1)
		return (-1);
	n = os_getxattrat(pfd, slash + 1, attr, buf, len);
	(void)close(pfd);
	return (n);
}

static bool
xattr_is(int dfd, const char *path, const char *attr, const void *want,
    size_t wlen)
{
	char buf[256];
	ssize_t n = xattr_of(dfd, path, attr, buf, sizeof(buf));

	return (n == (ssize_t)wlen && memcmp(buf, want, wlen) == 0);
}

static bool
has_xattr(int dfd, const char *path, const char *attr)
{
	char buf[256];

	return (xattr_of(dfd, path, attr, buf, sizeof(buf)) >= 0);
}

static void
write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd == -1 || write(fd, data, strlen(data)) !=
	    (ssize_t)strlen(data))
		abort();
	(void)close(fd);
}

static int
run_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return (-1);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : 128);
}

/* ---- the fixture ---- */

static void
fx_init(struct fx *f)
{
	char p[400];

	const char *tmp = getenv("TMPDIR");

	(void)memset(f, 0, sizeof(*f));
	if (tmp == NULL || tmp[0] != '/' || strlen(tmp) > 128)
		tmp = "/tmp";
	(void)snprintf(f->top, sizeof(f->top), "%s/berth-layer.XXXXXX", tmp);
	if (mkdtemp(f->top) == NULL)
		abort();
	(void)chmod(f->top, 0755);
	(void)snprintf(f->root, sizeof(f->root), "%s/root", f->top);
	(void)snprintf(f->outside, sizeof(f->outside), "%s/outside", f->top);
	(void)snprintf(f->blob, sizeof(f->blob), "%s/blob", f->top);
	if (mkdir(f->root, 0755) == -1 || mkdir(f->outside, 0755) == -1)
		abort();
	(void)snprintf(p, sizeof(p), "%s/sentinel", f->outside);
	write_file(p, "sentinel", 0640);
	(void)snprintf(p, sizeof(p), "%s/y", f->outside);
	(void)mkdir(p, 0750);
	(void)snprintf(p, sizeof(p), "%s/y/z", f->outside);
	write_file(p, "z", 0600);
	if ((f->rootfd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		abort();
	f->snap = snapshot(AT_FDCWD, f->outside, NULL);
}

/* The sentinel is untouched and nothing appeared next to root. */
static void
fx_done(struct fx *f)
{
	char *now = snapshot(AT_FDCWD, f->outside, NULL);
	pid_t pid;
	int tfd;

	CHECK(strcmp(now, f->snap) == 0);
	if (strcmp(now, f->snap) != 0)
		(void)printf("# outside changed:\n# before: %s\n# after: %s\n",
		    f->snap, now);
	free(now);
	if ((tfd = open(f->top, O_RDONLY | O_DIRECTORY)) != -1) {
		CHECK(count_names(tfd, ".") <= 3 + f->nextra);
		(void)close(tfd);
	}
	CHECK(missing(AT_FDCWD, "/outside"));
	(void)close(f->rootfd);
	free(f->snap);
	if ((pid = fork()) == 0) {
		execlp("rm", "rm", "-rf", f->top, (char *)NULL);
		_exit(127);
	}
	(void)run_wait(pid);
}

/* Run mklayer.py for kase; read "digest diffid" from its stdout. */
static int
fx_make(struct fx *f, const char *kase, const char *comp)
{
	char out[512];
	ssize_t n;
	size_t len = 0;
	pid_t pid;
	int p[2];

	if (pipe(p) == -1)
		return (-1);
	if ((pid = fork()) == 0) {
		(void)dup2(p[1], 1);
		(void)close(p[0]);
		(void)close(p[1]);
		execlp("python3", "python3", mklayer, "-c", comp, "-o",
		    f->outside, kase, f->blob, (char *)NULL);
		_exit(127);
	}
	(void)close(p[1]);
	while (len < sizeof(out) - 1 &&
	    (n = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	(void)close(p[0]);
	if (run_wait(pid) != 0 ||
	    sscanf(out, "%135s %135s", f->digest, f->diffid) != 2) {
		(void)printf("# mklayer %s %s failed: %s\n", kase, comp, out);
		return (-1);
	}
	(void)chmod(f->blob, 0644);
	return (0);
}

static int
fx_apply_fd(struct fx *f, int fd, enum layer_compression comp,
    const struct layer_opts *o, const char *digest, const char *diffid)
{
	int rv;

	error_clear(&f->e);
	rv = layer_apply(f->rootfd, fd, comp, digest, diffid, o, &f->st,
	    &f->e);
	if (rv == -1)
		(void)printf("# layer_apply: exit %d: %s\n", f->e.exit,
		    f->e.msg);
	return (rv);
}

static int
fx_apply(struct fx *f, enum layer_compression comp,
    const struct layer_opts *o)
{
	int fd, rv;

	if ((fd = open(f->blob, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	rv = fx_apply_fd(f, fd, comp, o, f->digest, f->diffid);
	(void)close(fd);
	return (rv);
}

static enum layer_compression
comp_of(const char *comp)
{
	if (strncmp(comp, "gzip", 4) == 0)
		return (LAYER_GZIP);
	if (strncmp(comp, "zstd", 4) == 0)
		return (LAYER_ZSTD);
	return (LAYER_PLAIN);
}

static int
fx_layer(struct fx *f, const char *kase, const char *comp,
    const struct layer_opts *o)
{
	if (fx_make(f, kase, comp) == -1) {
		CHECK(!"mklayer failed");
		return (-2);
	}
	return (fx_apply(f, comp_of(comp), o));
}

static struct layer_opts
opts_mode(enum layer_whiteout w)
{
	struct layer_opts o;

	layer_opts_init(&o);
	o.whiteout = w;
	return (o);
}

/* Apply kase (gzip) to the directory dfd instead of the root. */
static int
fx_layer_at(struct fx *f, int dfd, const char *kase,
    const struct layer_opts *o)
{
	int saved = f->rootfd, rv;

	f->rootfd = dfd;
	rv = fx_layer(f, kase, "gzip", o);
	f->rootfd = saved;
	return (rv);
}

/* An empty root again. */
static void
fx_new_root(struct fx *f)
{
	pid_t pid;

	(void)close(f->rootfd);
	if ((pid = fork()) == 0) {
		execlp("rm", "rm", "-rf", f->root, (char *)NULL);
		_exit(127);
	}
	if (run_wait(pid) != 0 || mkdir(f->root, 0755) == -1 ||
	    (f->rootfd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		abort();
}

/*
 * Apply kase as uid/gid 65534 with privileged = false, in a child; the
 * root is handed to that user first.  Returns the child's exit status:
 * 0, or the error's exit class.
 */
static int
fx_apply_unpriv(struct fx *f, const char *kase)
{
	struct layer_opts o;
	pid_t pid;
	int fd;

	if (fx_make(f, kase, "gzip") == -1)
		return (-2);
	if (chown(f->root, NOBODY, NOBODY) == -1)
		return (-2);
	if ((pid = fork()) == 0) {
		if (setgroups(0, NULL) == -1 || setgid(NOBODY) == -1 ||
		    setuid(NOBODY) == -1)
			_exit(99);
		layer_opts_init(&o);
		CHECK(!o.privileged);
		if ((fd = open(f->blob, O_RDONLY)) == -1)
			_exit(98);
		if (fx_apply_fd(f, fd, LAYER_GZIP, &o, f->digest,
		    f->diffid) == -1)
			_exit(f->e.exit);
		_exit(0);
	}
	return (run_wait(pid));
}

/* A hostile layer: refused with want (and frag in the message), or 0. */
static void
hostile(const char *kase, int want, const char *frag)
{
	struct fx f;
	int rv;

	fx_init(&f);
	rv = fx_layer(&f, kase, "gzip", NULL);
	if (want == 0)
		CHECK(rv == 0);
	else {
		CHECK(rv == -1);
		CHECK(f.e.exit == want);
		CHECK(frag == NULL || strstr(f.e.msg, frag) != NULL);
	}
	fx_done(&f);
}

/* ---- semantics ---- */

static void
check_basic(struct fx *f)
{
	struct stat st;
	size_t len = 0, i;
	char *big;
	bool ok;

	CHECK(is_type(f->rootfd, "etc", S_IFDIR));
	CHECK(content_is(f->rootfd, "etc/hostname", "berth\n"));
	CHECK(content_is(f->rootfd, "usr/bin/tool",
	    "#!/bin/sh\necho hi\n"));
	CHECK(perm_of(f->rootfd, "usr/bin/tool") == 0755);
	CHECK(perm_of(f->rootfd, "etc/hostname") == 0644);
	CHECK(lst(f->rootfd, "etc/hostname", &st) == 0 &&
	    st.st_mtim.tv_sec == 1600000001);
	CHECK(lst(f->rootfd, "usr/empty", &st) == 0 && st.st_size == 0);
	big = slurp(f->rootfd, "big", &len);
	CHECK(big != NULL && len == 3 * 1024 * 1024 + 123);
	ok = big != NULL;
	for (i = 0; ok && i < len; i++)
		ok = (unsigned char)big[i] == (i * 7) % 251;
	CHECK(ok);
	free(big);
	CHECK(content_is(f->rootfd, "implicit/a/b/file", "deep\n"));
	CHECK(perm_of(f->rootfd, "implicit/a") == 0755);
	CHECK(f->st.files == 5 && f->st.dirs == 3);
	CHECK_STREQ(f->st.digest, f->digest);
	CHECK_STREQ(f->st.diffid, f->diffid);
	CHECK(f->st.uncompressed > 3 * 1024 * 1024);
}

static void
basic_with(const char *comp)
{
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "basic", comp, NULL) == 0);
	check_basic(&f);
	fx_done(&f);
}

static void
basic_gzip(void)
{
	basic_with("gzip");
}

static void
basic_gzip_members(void)
{
	basic_with("gzip2");
}

static void
basic_zstd(void)
{
	basic_with("zstd");
}

static void
basic_zstd_frames(void)
{
	basic_with("zstd2");
}

static void
basic_plain(void)
{
	basic_with("none");
}

static void
basic_detect(void)
{
	struct fx f;

	fx_init(&f);
	CHECK(fx_make(&f, "basic", "zstd") == 0);
	CHECK(fx_apply(&f, LAYER_UNKNOWN, NULL) == 0);
	check_basic(&f);
	fx_done(&f);
}

/* The blob through a pipe: read sequentially, never seeked. */
static void
basic_pipe(void)
{
	struct fx f;
	char buf[65536];
	ssize_t n;
	pid_t pid;
	int p[2], fd;

	fx_init(&f);
	CHECK(fx_make(&f, "basic", "gzip") == 0);
	CHECK(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		(void)close(p[0]);
		if ((fd = open(f.blob, O_RDONLY)) == -1)
			_exit(1);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(p[1], buf, (size_t)n) != n)
				_exit(1);
		_exit(0);
	}
	(void)close(p[1]);
	CHECK(fx_apply_fd(&f, p[0], LAYER_GZIP, NULL, f.digest, f.diffid) ==
	    0);
	(void)close(p[0]);
	CHECK(run_wait(pid) == 0);
	check_basic(&f);
	fx_done(&f);
}

/*
 * A refused layer whose pipe stays open: layer_apply() returns at once,
 * without waiting for the writer to close it.
 */
static void
stalled_pipe_on_error(void)
{
	struct timespec t0, t1;
	struct fx f;
	char buf[65536];
	ssize_t n;
	pid_t pid;
	int p[2], fd;

	fx_init(&f);
	CHECK(fx_make(&f, "esc-dotdot", "gzip") == 0);
	CHECK(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		(void)close(p[0]);
		if ((fd = open(f.blob, O_RDONLY)) == -1)
			_exit(1);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(p[1], buf, (size_t)n) != n)
				_exit(1);
		(void)sleep(30);
		_exit(0);
	}
	(void)close(p[1]);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(fx_apply_fd(&f, p[0], LAYER_GZIP, NULL, NULL, NULL) == -1);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(f.e.exit == EX_DATAERR);
	CHECK(t1.tv_sec - t0.tv_sec < 5);
	(void)close(p[0]);
	(void)kill(pid, SIGKILL);
	(void)run_wait(pid);
	fx_done(&f);
}

static void
replace_kinds(void)
{
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "replace1", "gzip", NULL) == 0);
	CHECK(is_type(f.rootfd, "a", S_IFDIR));
	CHECK(fx_layer(&f, "replace2", "gzip", NULL) == 0);
	CHECK(content_is(f.rootfd, "a", "file-a"));
	CHECK(is_type(f.rootfd, "b", S_IFDIR));
	CHECK(content_is(f.rootfd, "b/y", "y"));
	CHECK(is_type(f.rootfd, "c", S_IFDIR));
	CHECK(content_is(f.rootfd, "c/z", "z"));
	CHECK(missing(f.rootfd, "c/x"));
	CHECK(is_type(f.rootfd, "d", S_IFLNK) && link_is(f.rootfd, "d", "a"));
	fx_done(&f);
}

static void
merge_dirs(void)
{
	struct fx f;
	struct stat st;

	fx_init(&f);
	CHECK(fx_layer(&f, "merge1", "gzip", NULL) == 0);
	CHECK(fx_layer(&f, "merge2", "gzip", NULL) == 0);
	CHECK(content_is(f.rootfd, "m/old", "old"));
	CHECK(content_is(f.rootfd, "m/new", "new"));
	CHECK(perm_of(f.rootfd, "m") == 0700);
	CHECK(lst(f.rootfd, "m", &st) == 0 && st.st_mtim.tv_sec == 1500000000);
	fx_done(&f);
}

static void
symlinks_verbatim(void)
{
	char longt[400];
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "symlinks", "gzip", NULL) == 0);
	CHECK(link_is(f.rootfd, "abs", "/etc/passwd"));
	CHECK(link_is(f.rootfd, "rel", "../x/y"));
	CHECK(link_is(f.rootfd, "dot", "."));
	CHECK(link_is(f.rootfd, "dangling", "nowhere/at/all"));
	(void)memset(longt, 't', 150);
	longt[150] = '/';
	(void)memset(longt + 151, 'u', 150);
	longt[301] = '\0';
	CHECK(link_is(f.rootfd, "long", longt));
	CHECK(f.st.symlinks == 5);
	fx_done(&f);
}

static void
hardlinks(void)
{
	struct stat a, b, c, s, hs;
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "hardlinks", "gzip", NULL) == 0);
	CHECK(lst(f.rootfd, "f", &a) == 0 && lst(f.rootfd, "sub/h", &b) == 0 &&
	    lst(f.rootfd, "h2", &c) == 0);
	CHECK(a.st_ino == b.st_ino && a.st_ino == c.st_ino && a.st_nlink == 3);
	CHECK((a.st_mode & 07777) == 0640);
	CHECK(content_is(f.rootfd, "sub/h", "hello"));
	CHECK(lst(f.rootfd, "s", &s) == 0 && lst(f.rootfd, "hs", &hs) == 0);
	CHECK(S_ISLNK(hs.st_mode) && s.st_ino == hs.st_ino);
	CHECK(f.st.hardlinks == 3);
	fx_done(&f);
}

static void
devices(void)
{
	struct stat st, ref;
	struct fx f;
	int tfd;

	fx_init(&f);
	CHECK(fx_layer(&f, "devices", "gzip", NULL) == 0);
	tfd = open(f.top, O_RDONLY | O_DIRECTORY);
	CHECK(os_mknodat(tfd, "ref13", S_IFCHR | 0600, 1, 3) == 0);
	CHECK(lst(tfd, "ref13", &ref) == 0);
	CHECK(lst(f.rootfd, "dev/null", &st) == 0 && S_ISCHR(st.st_mode) &&
	    st.st_rdev == ref.st_rdev && (st.st_mode & 07777) == 0666);
	(void)unlinkat(tfd, "ref13", 0);
	CHECK(os_mknodat(tfd, "ref70", S_IFBLK | 0600, 7, 0) == 0);
	CHECK(lst(tfd, "ref70", &ref) == 0);
	CHECK(lst(f.rootfd, "dev/loop0", &st) == 0 && S_ISBLK(st.st_mode) &&
	    st.st_rdev == ref.st_rdev && (st.st_mode & 07777) == 0660);
	(void)unlinkat(tfd, "ref70", 0);
	(void)close(tfd);
	CHECK(is_type(f.rootfd, "fifo", S_IFIFO) &&
	    perm_of(f.rootfd, "fifo") == 0600);
	CHECK(f.st.specials == 3);
	fx_done(&f);
}

static bool
sparse_ok(int dfd, const char *path)
{
	struct stat st;
	size_t len = 0, i;
	char *d = slurp(dfd, path, &len);
	bool ok = d != NULL && len == 8 * 1024 * 1024 + 100;

	for (i = 0; ok && i < len; i++) {
		if (i < 4096)
			ok = d[i] == 'A';
		else if (i >= 4194304 && i < 4194304 + 8192)
			ok = d[i] == 'B';
		else
			ok = d[i] == '\0';
		if (!ok)
			(void)printf("# %s: byte %zu is %d\n", path, i, d[i]);
	}
	free(d);
	/* The holes are holes: far less than 8 MiB allocated. */
	CHECK(lst(dfd, path, &st) == 0 && st.st_blocks * 512 < 1024 * 1024);
	return (ok);
}

static void
sparse(void)
{
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "sparse", "gzip", NULL) == 0);
	CHECK(sparse_ok(f.rootfd, "sparse-gnu"));
	CHECK(sparse_ok(f.rootfd, "sparse-pax"));
	CHECK(missing(f.rootfd, "GNUSparseFile.0"));
	fx_done(&f);
	/* A terabyte of holes is a size like any other. */
	hostile("sparse-bomb", EX_DATAERR, "larger than the layer limit");
}

static void
long_names(void)
{
	char p[4096], *q;
	struct fx f;
	int i;

	fx_init(&f);
	CHECK(fx_layer(&f, "longnames", "gzip", NULL) == 0);
	q = p + snprintf(p, sizeof(p), "p/");
	(void)memset(q, 'd', 120);
	q[120] = '/';
	(void)memset(q + 121, 'f', 150);
	q[271] = '\0';
	CHECK(strlen(p) > 255 && content_is(f.rootfd, p, "pax"));
	q = p + snprintf(p, sizeof(p), "g/");
	(void)memset(q, 'x', 200);
	q[200] = '/';
	(void)memset(q + 201, 'y', 200);
	q[401] = '\0';
	CHECK(content_is(f.rootfd, p, "gnu"));
	q = p + snprintf(p, sizeof(p), "u/");
	(void)memset(q, 'z', 90);
	q[90] = '/';
	(void)memset(q + 91, 'w', 90);
	q[181] = '\0';
	CHECK(content_is(f.rootfd, p, "ustar"));
	for (i = 0, q = p; i < 15; i++) {
		(void)memset(q, 'k', 199);
		q[199] = i < 14 ? '/' : '\0';
		q += 200;
	}
	CHECK(strlen(p) > 2900 && content_is(f.rootfd, p, "deep"));
	CHECK(content_is(f.rootfd, "caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac",
	    "utf8"));
	fx_done(&f);
}

static void
modes(void)
{
	struct stat st;
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "modes", "gzip", NULL) == 0);
	CHECK(perm_of(f.rootfd, "suid") == 04755);
	CHECK(perm_of(f.rootfd, "sgid") == 02755);
	CHECK(perm_of(f.rootfd, "sticky") == 01777);
	CHECK(perm_of(f.rootfd, "none") == 0);
	CHECK(perm_of(f.rootfd, "dirsgid") == 02775);
	/* Created in a set-gid directory, yet the tar's gid wins. */
	CHECK(lst(f.rootfd, "dirsgid/f", &st) == 0 && st.st_gid == 0);
	fx_done(&f);
}

static void
ownership(void)
{
	struct stat st;
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "owner", "gzip", NULL) == 0);
	CHECK(lst(f.rootfd, "owned", &st) == 0 && st.st_uid == 1234 &&
	    st.st_gid == 5678);
	/* chown first, then chmod: the set-uid bit survives. */
	CHECK((st.st_mode & 07777) == 04755);
	CHECK(lst(f.rootfd, "owned-link", &st) == 0 && S_ISLNK(st.st_mode) &&
	    st.st_uid == 42 && st.st_gid == 43);
	CHECK(lst(f.rootfd, "owned", &st) == 0 && st.st_uid == 1234);
	CHECK(lst(f.rootfd, "owned-dir", &st) == 0 && st.st_uid == 7 &&
	    st.st_gid == 8 && (st.st_mode & 07777) == 02755);
	CHECK(lst(f.rootfd, "owned-fifo", &st) == 0 && st.st_uid == 9 &&
	    st.st_gid == 10 && (st.st_mode & 07777) == 0640);
	fx_done(&f);
}

static const unsigned char cap_bind[20] = { 0x01, 0x00, 0x00, 0x02, 0x00,
    0x04 };

static void
xattrs(void)
{
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "xattrs", "gzip", NULL) == 0);
	CHECK(xattr_is(f.rootfd, "xf", "user.foo", "bar", 3));
	CHECK(xattr_is(f.rootfd, "xf", "security.capability", cap_bind,
	    sizeof(cap_bind)));
	CHECK(xattr_is(f.rootfd, "xf", "trusted.berth", "yes", 3));
	CHECK(xattr_is(f.rootfd, "xd", "user.dir", "1", 1));
	CHECK(xattr_is(f.rootfd, "xo", "trusted.overlay.foo", "bar", 3));
	CHECK(!has_xattr(f.rootfd, "xo", "trusted.overlay.overlay.foo"));
	CHECK(xattr_is(f.rootfd, "xl", "trusted.link", "l", 1));
	CHECK(f.st.xattrs_skipped == 0);
	fx_done(&f);
}

static void
mtimes(void)
{
	struct stat st;
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "mtimes", "gzip", NULL) == 0);
	CHECK(lst(f.rootfd, "t", &st) == 0 && st.st_mtim.tv_sec == 1000000000);
	CHECK(lst(f.rootfd, "t/f", &st) == 0 &&
	    st.st_mtim.tv_sec == 1111111111 &&
	    st.st_mtim.tv_nsec == 123456789 &&
	    st.st_atim.tv_sec == 1222222222 &&
	    st.st_atim.tv_nsec == 500000000);
	CHECK(lst(f.rootfd, "t/l", &st) == 0 && S_ISLNK(st.st_mode) &&
	    st.st_mtim.tv_sec == 1333333333);
	CHECK(lst(f.rootfd, "t/sub", &st) == 0 &&
	    st.st_mtim.tv_sec == 1444444444);
	CHECK(lst(f.rootfd, "t/sub/later", &st) == 0 &&
	    st.st_mtim.tv_sec == 1666666666);
	fx_done(&f);
}

static void
check_rodir(struct fx *f)
{
	CHECK(perm_of(f->rootfd, "ro") == 0555);
	CHECK(perm_of(f->rootfd, "ro/f") == 0444);
	CHECK(perm_of(f->rootfd, "ro/sub") == 0500);
	CHECK(perm_of(f->rootfd, "ro/sub/none") == 0);
	CHECK(content_is(f->rootfd, "ro/sub/g", "g"));
	CHECK(content_is(f->rootfd, "ro/sub/none/h", "h"));
}

static void
readonly_dirs(void)
{
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "rodir", "gzip", NULL) == 0);
	check_rodir(&f);
	fx_done(&f);
}

static void
readonly_dirs_unprivileged(void)
{
	struct stat st;
	struct fx f;

	fx_init(&f);
	CHECK(fx_apply_unpriv(&f, "rodir") == 0);
	check_rodir(&f);
	CHECK(lst(f.rootfd, "ro/sub/g", &st) == 0 && st.st_uid == NOBODY);
	fx_done(&f);
}

/* Unprivileged: owners ignored, devices and trusted xattrs skipped. */
static void
unprivileged_skips(void)
{
	struct stat st;
	struct fx f;

	fx_init(&f);
	CHECK(fx_apply_unpriv(&f, "devices") == 0);
	CHECK(missing(f.rootfd, "dev/null") && missing(f.rootfd, "dev/loop0"));
	CHECK(is_type(f.rootfd, "fifo", S_IFIFO));
	fx_done(&f);
	fx_init(&f);
	CHECK(fx_apply_unpriv(&f, "owner") == 0);
	CHECK(lst(f.rootfd, "owned", &st) == 0 && st.st_uid == NOBODY &&
	    (st.st_mode & 07777) == 04755);
	fx_done(&f);
	fx_init(&f);
	CHECK(fx_apply_unpriv(&f, "xattrs") == 0);
	CHECK(xattr_is(f.rootfd, "xf", "user.foo", "bar", 3));
	CHECK(!has_xattr(f.rootfd, "xf", "trusted.berth"));
	CHECK(!has_xattr(f.rootfd, "xf", "security.capability"));
	fx_done(&f);
}

static void
duplicates(void)
{
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "dups", "gzip", NULL) == 0);
	CHECK(content_is(f.rootfd, "f", "two"));
	CHECK(perm_of(f.rootfd, "d") == 0751);
	CHECK(is_type(f.rootfd, "x", S_IFDIR));
	CHECK(content_is(f.rootfd, "x/y", "y"));
	CHECK(link_is(f.rootfd, "l", "b"));
	fx_done(&f);
}

static void
root_metadata(void)
{
	struct stat st;
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "rootmeta", "gzip", NULL) == 0);
	CHECK(fstat(f.rootfd, &st) == 0 && (st.st_mode & 07777) == 0751 &&
	    st.st_mtim.tv_sec == 1234567890);
	CHECK(content_is(f.rootfd, "a", "a"));
	fx_done(&f);
}

static void
whiteouts_delete(void)
{
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "wh-lower", "gzip", NULL) == 0);
	CHECK(fx_layer(&f, "wh-upper", "gzip", NULL) == 0);
	CHECK(content_is(f.rootfd, "a/keep", "keep"));
	CHECK(missing(f.rootfd, "a/gone"));
	CHECK(missing(f.rootfd, "a/viasym"));
	CHECK(is_type(f.rootfd, "lnkdir", S_IFLNK));
	CHECK(missing(f.rootfd, "b"));
	/* Opaque before its siblings, and after them. */
	CHECK(count_names(f.rootfd, "c") == 1 &&
	    content_is(f.rootfd, "c/new", "new"));
	CHECK(count_names(f.rootfd, "e") == 1 &&
	    content_is(f.rootfd, "e/new2", "new2"));
	/* A whiteout does not remove what its own layer adds. */
	CHECK(content_is(f.rootfd, "f", "upper-f"));
	CHECK(count_names(f.rootfd, "g") == 1 &&
	    content_is(f.rootfd, "g/fresh", "fresh"));
	CHECK(missing(f.rootfd, ".wh..wh.plnk") &&
	    missing(f.rootfd, ".wh..wh.aufs"));
	CHECK(missing(f.rootfd, "nodir"));
	CHECK(!has_whiteout_names(f.rootfd, "."));
	CHECK(f.st.whiteouts == 9);
	fx_done(&f);
}

static bool
is_whiteout_dev(int dfd, const char *path)
{
	struct stat st;

	return (lst(dfd, path, &st) == 0 && S_ISCHR(st.st_mode) &&
	    st.st_rdev == 0);
}

static void
whiteouts_overlay(void)
{
	struct layer_opts o = opts_mode(LAYER_WHITEOUT_OVERLAY);
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "wh-upper", "gzip", &o) == 0);
	CHECK(is_whiteout_dev(f.rootfd, "a/gone"));
	CHECK(is_whiteout_dev(f.rootfd, "b"));
	CHECK(xattr_is(f.rootfd, "c", "trusted.overlay.opaque", "y", 1));
	CHECK(content_is(f.rootfd, "c/new", "new"));
	CHECK(xattr_is(f.rootfd, "e", "trusted.overlay.opaque", "y", 1));
	CHECK(content_is(f.rootfd, "e/new2", "new2"));
	CHECK(content_is(f.rootfd, "f", "upper-f"));
	/* ".wh.g" then "g/": the new g must hide the lower g entirely. */
	CHECK(is_type(f.rootfd, "g", S_IFDIR) &&
	    xattr_is(f.rootfd, "g", "trusted.overlay.opaque", "y", 1));
	CHECK(!has_xattr(f.rootfd, "a", "trusted.overlay.opaque"));
	CHECK(is_whiteout_dev(f.rootfd, "nonexistent"));
	CHECK(is_whiteout_dev(f.rootfd, "nodir/x"));
	CHECK(missing(f.rootfd, ".wh..wh.plnk"));
	CHECK(!has_whiteout_names(f.rootfd, "."));
	/* Image xattrs in overlayfs's namespace are escaped. */
	CHECK(fx_layer(&f, "xattrs", "gzip", &o) == 0);
	CHECK(xattr_is(f.rootfd, "xo", "trusted.overlay.overlay.foo", "bar",
	    3));
	CHECK(xattr_is(f.rootfd, "xo", "trusted.overlay.overlay.opaque", "y",
	    1));
	CHECK(!has_xattr(f.rootfd, "xo", "trusted.overlay.foo"));
	CHECK(!has_xattr(f.rootfd, "xo", "trusted.overlay.opaque"));
	CHECK(xattr_is(f.rootfd, "xf", "user.foo", "bar", 3));
	fx_done(&f);
}

static void
whiteout_invalid(void)
{
	hostile("wh-empty", EX_DATAERR, "invalid whiteout");
	hostile("wh-dotdot", EX_DATAERR, "invalid whiteout");
}

static void
trailing_tar_data(void)
{
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "trailing-tar", "gzip", NULL) == 0);
	check_basic(&f);
	fx_done(&f);
}

static void
empty_layer(void)
{
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "empty", "gzip", NULL) == 0);
	CHECK(f.st.entries == 0 && count_names(f.rootfd, ".") == 0);
	fx_done(&f);
}

static void
dir_times_many(void)
{
	char p[64];
	struct stat st;
	struct fx f;
	bool ok = true;
	int i;

	fx_init(&f);
	CHECK(fx_layer(&f, "many-dirs", "zstd", NULL) == 0);
	for (i = 0; i < 200 && ok; i++) {
		(void)snprintf(p, sizeof(p), "d%03d", i);
		ok = lst(f.rootfd, p, &st) == 0 &&
		    st.st_mtim.tv_sec == 1600000000 + i &&
		    count_names(f.rootfd, p) == 20;
	}
	CHECK(ok);
	CHECK(f.st.files == 4000);
	CHECK(fx_layer(&f, "mixed-tree", "gzip", NULL) == 0);
	CHECK(content_is(f.rootfd, "x/z/3", "3") &&
	    content_is(f.rootfd, "y/2", "2"));
	fx_done(&f);
}

/* depth levels of name below dfd, the last holding leaf; fd of the last. */
static int
mkdeep(int dfd, const char *top, const char *name, int depth,
    const char *leaf)
{
	int fd, nfd, i;

	if (mkdirat(dfd, top, 0755) == -1 ||
	    (fd = openat(dfd, top, O_RDONLY | O_DIRECTORY)) == -1)
		return (-1);
	for (i = 1; i < depth && fd != -1; i++) {
		nfd = mkdirat(fd, name, 0755) == 0 ? openat(fd, name,
		    O_RDONLY | O_DIRECTORY) : -1;
		(void)close(fd);
		fd = nfd;
	}
	if (fd != -1 && leaf != NULL) {
		if ((nfd = openat(fd, leaf, O_WRONLY | O_CREAT, 0644)) != -1)
			(void)close(nfd);
		else {
			(void)close(fd);
			fd = -1;
		}
	}
	return (fd);
}

/*
 * Whiteouts, opaque directories and replaced directories remove lower
 * trees far deeper than the descriptors the process may hold.
 */
static void
deep_lower_trees(void)
{
	struct rlimit rl = { 64, 64 };
	struct stat st;
	struct fx f;
	pid_t pid;
	int fd;

	fx_init(&f);
	CHECK(fx_make(&f, "deep-lower", "gzip") == 0);
	CHECK((fd = mkdeep(f.rootfd, "deep", "d", 3000, "f")) != -1);
	(void)close(fd);
	CHECK((fd = mkdeep(f.rootfd, "deep2", "d", 3000, "f")) != -1);
	(void)close(fd);
	CHECK((fd = mkdeep(f.rootfd, "k", "k", 1500, "old")) != -1);
	(void)close(fd);
	CHECK((fd = openat(f.rootfd, "x", O_WRONLY | O_CREAT, 0644)) != -1);
	(void)close(fd);
	(void)fflush(stdout);
	if ((pid = fork()) == 0) {
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			_exit(99);
		(void)fflush(stdout);
		_exit(fx_apply(&f, LAYER_GZIP, NULL) == 0 ? 0 : f.e.exit);
	}
	CHECK(run_wait(pid) == 0);
	CHECK(missing(f.rootfd, "deep") && missing(f.rootfd, "x"));
	CHECK(content_is(f.rootfd, "deep2", "file now"));
	fd = openat(f.rootfd, "k", O_RDONLY | O_DIRECTORY);
	for (int i = 1; i < 1500 && fd != -1; i++) {
		int nfd = openat(fd, "k", O_RDONLY | O_DIRECTORY);

		(void)close(fd);
		fd = nfd;
	}
	CHECK(fd != -1 && content_is(fd, "new", "new"));
	CHECK(fd != -1 && fstatat(fd, "old", &st, 0) == -1 &&
	    errno == ENOENT);
	(void)close(fd);
	fx_done(&f);
}

/* ---- hardlinks into lower layers (overlay diffs) ---- */

/*
 * The fixture plus two overlay diffs beside the root: l1 (xl-lower1) and
 * l2 (xl-lower2) above it; lower[] holds their fds top first.
 */
static void
xl_init(struct fx *f, int lower[2])
{
	struct layer_opts o = opts_mode(LAYER_WHITEOUT_OVERLAY);
	char p[400];
	int i;

	fx_init(f);
	for (i = 0; i < 2; i++) {
		(void)snprintf(p, sizeof(p), "%s/l%d", f->top, 2 - i);
		if (mkdir(p, 0755) == -1 || (lower[i] = open(p, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC)) == -1)
			abort();
	}
	f->nextra = 2;
	CHECK(fx_layer_at(f, lower[1], "xl-lower1", &o) == 0);
	CHECK(fx_layer_at(f, lower[0], "xl-lower2", &o) == 0);
}

static bool
same_file(int dfd, const char *a, const char *b, nlink_t nlink)
{
	struct stat x, y;

	return (lst(dfd, a, &x) == 0 && lst(dfd, b, &y) == 0 &&
	    x.st_ino == y.st_ino && x.st_dev == y.st_dev &&
	    x.st_nlink == nlink);
}

static bool
dir_meta_is(int dfd, const char *path, mode_t perm, uid_t uid, gid_t gid,
    time_t mtime)
{
	struct stat st;

	return (lst(dfd, path, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 07777) == perm && st.st_uid == uid &&
	    st.st_gid == gid && st.st_mtim.tv_sec == mtime &&
	    !has_xattr(dfd, path, "trusted.overlay.opaque"));
}

static void
check_xl_upper(struct fx *f)
{
	char want[400];
	struct stat st;
	size_t len = 0, i;
	char *big;
	bool ok;
	int r = f->rootfd;

	/* Copied up with the directories above, all metadata kept. */
	CHECK(dir_meta_is(r, "usr", 0750, 7, 8, 1600000010));
	CHECK(dir_meta_is(r, "usr/bin", 0711, 0, 0, 1600000011));
	CHECK(xattr_is(r, "usr/bin", "user.dir", "1", 1));
	CHECK(content_is(r, "usr/bin/tool", "tool v1\n"));
	CHECK(lst(r, "usr/bin/tool", &st) == 0 &&
	    (st.st_mode & 07777) == 04751 && st.st_uid == 5 &&
	    st.st_gid == 6 && st.st_mtim.tv_sec == 1600000012);
	CHECK(xattr_is(r, "usr/bin/tool", "user.t", "1", 1));
	CHECK(xattr_is(r, "usr/bin/tool", "security.capability", cap_bind,
	    sizeof(cap_bind)));
	/* An image xattr stays escaped; overlayfs's own are not copied. */
	CHECK(xattr_is(r, "usr/bin/tool", "trusted.overlay.overlay.foo",
	    "bar", 3));
	CHECK(!has_xattr(r, "usr/bin/tool", "trusted.overlay.foo"));
	CHECK(same_file(r, "h-tool", "usr/bin/tool", 3));
	CHECK(same_file(r, "h-tool2", "usr/bin/tool", 3));
	/* The topmost lower layer's version. */
	CHECK(same_file(r, "h-shadowed", "shadowed", 2));
	CHECK(content_is(r, "h-shadowed", "v2"));
	/* Through a lower symlink: its target is copied, not the link. */
	CHECK(same_file(r, "h-lnk", "real/f", 2));
	CHECK(content_is(r, "h-lnk", "real-f"));
	CHECK(missing(r, "lnk"));
	big = slurp(r, "h-big", &len);
	ok = big != NULL && len == 300000;
	for (i = 0; ok && i < len; i++)
		ok = (unsigned char)big[i] == (i * 11) % 251;
	CHECK(ok);
	free(big);
	CHECK(same_file(r, "h-big", "big", 2));
	CHECK(lst(r, "big", &st) == 0 && st.st_mtim.tv_sec == 1600000013);
	/* A symlink is copied as a symlink and never followed. */
	(void)snprintf(want, sizeof(want), "%s/sentinel", f->outside);
	CHECK(is_type(r, "h-s", S_IFLNK) && link_is(r, "h-s", want));
	CHECK(same_file(r, "h-s", "s", 2));
	CHECK(lst(r, "s", &st) == 0 && st.st_mtim.tv_sec == 1600000014);
	CHECK(is_type(r, "h-fifo", S_IFIFO) && perm_of(r, "fifo") == 0640);
	CHECK(same_file(r, "h-fifo", "fifo", 2));
	/* From the opaque directory of l2: the copy need not be opaque. */
	CHECK(content_is(r, "h-new", "new"));
	CHECK(!has_xattr(r, "opq", "trusted.overlay.opaque"));
	/* A directory merged from both: the top one's metadata. */
	CHECK(dir_meta_is(r, "merged", 0751, 0, 0, 1600000020));
	CHECK(same_file(r, "h-merged", "merged/f", 2));
	/* Whiteouts and opaque markers after a copy-up remove the copies. */
	CHECK(is_whiteout_dev(r, "w2/x"));
	CHECK(content_is(r, "h-w2x", "w2-x"));
	CHECK(xattr_is(r, "w", "trusted.overlay.opaque", "y", 1));
	CHECK(count_names(r, "w") == 1);
	CHECK(content_is(r, "w/h-wy", "w-y"));
	CHECK(content_is(r, "h-wx", "w-x"));
	CHECK(same_file(r, "h-wx", "h-wx", 1));
	CHECK(is_whiteout_dev(r, "c"));
	CHECK(content_is(r, "h-cy", "c-y"));
	/* Nothing else came up. */
	CHECK(missing(r, "d") && missing(r, "gone") && missing(r, "nd") &&
	    missing(r, "out") && missing(r, "w2/y") && missing(r, "opq/old") &&
	    missing(r, "sd"));
	CHECK(f->st.hardlinks == 13);
	CHECK(f->st.copied_up == 19);
	CHECK(!f->st.hardlink_missing);
}

static void
lower_hardlinks(void)
{
	struct layer_opts o = opts_mode(LAYER_WHITEOUT_OVERLAY);
	char *s1, *s2, *now;
	struct fx f;
	int lower[2];

	xl_init(&f, lower);
	s1 = snapshot(lower[1], ".", NULL);
	s2 = snapshot(lower[0], ".", NULL);
	/* Alone, the layer lacks the targets, and says so. */
	CHECK(fx_layer(&f, "xl-upper", "gzip", &o) == -1);
	CHECK(f.e.exit == EX_DATAERR && strstr(f.e.msg, "not found") != NULL);
	CHECK(f.st.hardlink_missing);
	fx_new_root(&f);
	o.lower_fds = lower;
	o.nlower = 2;
	CHECK(fx_layer(&f, "xl-upper", "gzip", &o) == 0);
	check_xl_upper(&f);
	/* The lower diffs were only read. */
	now = snapshot(lower[1], ".", NULL);
	CHECK(strcmp(now, s1) == 0);
	free(now);
	now = snapshot(lower[0], ".", NULL);
	CHECK(strcmp(now, s2) == 0);
	free(now);
	/* Hardlinks inside the layer work as before. */
	fx_new_root(&f);
	CHECK(fx_layer(&f, "hardlinks", "gzip", &o) == 0);
	CHECK(same_file(f.rootfd, "f", "sub/h", 3));
	CHECK(same_file(f.rootfd, "s", "hs", 2) &&
	    is_type(f.rootfd, "hs", S_IFLNK));
	CHECK(f.st.copied_up == 0);
	free(s1);
	free(s2);
	(void)close(lower[0]);
	(void)close(lower[1]);
	fx_done(&f);
}

/* Targets the merged view does not have, or not as a file. */
static void
lower_hardlinks_refused(void)
{
	static const struct {
		const char	*kase;
		const char	*frag;
		bool		 missing;
	} kases[] = {
		{ "xl-gone", "not found", true },
		{ "xl-opaque", "not found", true },
		{ "xl-nondir", "not found", true },
		{ "xl-dir-over-link", "not found", true },
		{ "xl-out", "not found", true },
		{ "xl-rel", "not found", true },
		{ "xl-self-whiteout", "not found", true },
		{ "xl-self-opaque", "not found", true },
		{ "xl-dir", "hardlink to the directory", false },
		{ "xl-loop", "too many symlinks", false },
	};
	struct layer_opts o = opts_mode(LAYER_WHITEOUT_OVERLAY);
	char *s1, *s2, *now;
	struct fx f;
	size_t i;
	int lower[2];

	xl_init(&f, lower);
	s1 = snapshot(lower[1], ".", NULL);
	s2 = snapshot(lower[0], ".", NULL);
	o.lower_fds = lower;
	o.nlower = 2;
	for (i = 0; i < sizeof(kases) / sizeof(kases[0]); i++) {
		fx_new_root(&f);
		CHECK(fx_layer(&f, kases[i].kase, "gzip", &o) == -1);
		CHECK(f.e.exit == EX_DATAERR &&
		    strstr(f.e.msg, kases[i].frag) != NULL);
		CHECK(f.st.hardlink_missing == kases[i].missing);
		if (f.e.exit != EX_DATAERR ||
		    strstr(f.e.msg, kases[i].frag) == NULL)
			(void)printf("# %s: %s\n", kases[i].kase, f.e.msg);
	}
	/* Nothing was written through the lower symlinks. */
	now = snapshot(lower[1], ".", NULL);
	CHECK(strcmp(now, s1) == 0);
	free(now);
	now = snapshot(lower[0], ".", NULL);
	CHECK(strcmp(now, s2) == 0);
	free(now);
	/* A target whited out by the layer itself, without lowers. */
	fx_new_root(&f);
	o.lower_fds = NULL;
	o.nlower = 0;
	CHECK(fx_layer(&f, "xl-self-whiteout", "gzip", &o) == -1);
	CHECK(f.e.exit == EX_DATAERR && !f.st.hardlink_missing);
	free(s1);
	free(s2);
	(void)close(lower[0]);
	(void)close(lower[1]);
	fx_done(&f);
}

/* ---- security ---- */

static void
esc_dotdot(void)
{
	hostile("esc-dotdot", EX_DATAERR, "escapes the root");
	hostile("esc-dotdot2", EX_DATAERR, "escapes the root");
}

static void
esc_symlink_parent_abs(void)
{
	char p[PATH_MAX];
	struct fx f;

	hostile("esc-abs-parent", EX_DATAERR, "does not resolve");
	/* With the target made inside the root, the write lands there. */
	fx_init(&f);
	CHECK(fx_layer(&f, "esc-abs-parent-made", "gzip", NULL) == 0);
	(void)snprintf(p, sizeof(p), "%s/sentinel", f.outside + 1);
	CHECK(content_is(f.rootfd, p, "pwned"));
	fx_done(&f);
}

static void
esc_symlink_parent_rel(void)
{
	struct fx f;

	hostile("esc-rel-parent-missing", EX_DATAERR, "does not resolve");
	fx_init(&f);
	CHECK(fx_layer(&f, "esc-rel-parent", "gzip", NULL) == 0);
	CHECK(content_is(f.rootfd, "outside/sentinel", "pwned"));
	fx_done(&f);
}

static void
esc_symlink_chain(void)
{
	struct fx f;

	hostile("esc-chain", EX_DATAERR, "does not resolve");
	fx_init(&f);
	CHECK(fx_layer(&f, "esc-chain-rel", "gzip", NULL) == 0);
	CHECK(content_is(f.rootfd, "outside/sentinel", "pwned"));
	fx_done(&f);
}

/* CVE-2021-29136: a symlink (or file) entry for the root itself. */
static void
esc_root_entry(void)
{
	static const char *kases[] = { "esc-root-dot", "esc-root-slashdot",
	    "esc-root-dotslash", "esc-root-dotdot", "esc-root-file",
	    "esc-root-hardlink" };
	struct stat st;
	struct fx f;
	size_t i;

	for (i = 0; i < sizeof(kases) / sizeof(kases[0]); i++) {
		fx_init(&f);
		CHECK(fx_layer(&f, kases[i], "gzip", NULL) == -1);
		CHECK(f.e.exit == EX_DATAERR &&
		    strstr(f.e.msg, "root can only be a directory") != NULL);
		CHECK(lstat(f.root, &st) == 0 && S_ISDIR(st.st_mode));
		fx_done(&f);
	}
}

static void
esc_whiteout(void)
{
	struct fx f;

	hostile("esc-whiteout", 0, NULL);
	hostile("esc-whiteout-rel", 0, NULL);
	hostile("esc-whiteout-dotdot", EX_DATAERR, "escapes the root");
	hostile("esc-opaque", 0, NULL);
	/* Whiting out a lower symlink removes the link, not its target. */
	fx_init(&f);
	CHECK(fx_layer(&f, "esc-whiteout", "gzip", NULL) == 0);
	CHECK(fx_layer(&f, "esc-whiteout-rel", "gzip", NULL) == 0);
	CHECK(is_type(f.rootfd, "lnk", S_IFLNK));
	CHECK(fx_layer(&f, "esc-whiteout-link", "gzip", NULL) == 0);
	CHECK(missing(f.rootfd, "lnk") && missing(f.rootfd, "rel"));
	fx_done(&f);
}

static void
esc_hardlink(void)
{
	hostile("esc-hardlink-dotdot", EX_DATAERR, "escapes the root");
	hostile("esc-hardlink-abs", EX_DATAERR, "not found in the root");
	hostile("esc-hardlink-symparent", EX_DATAERR, "not found in the root");
	hostile("esc-hardlink-dir", EX_DATAERR, "directory");
}

/* CVE-2016-5418: a hardlink entry's data never reaches its target. */
static void
esc_hardlink_data(void)
{
	struct stat a, b;
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "hardlink-data", "gzip", NULL) == 0);
	CHECK(content_is(f.rootfd, "target", "orig"));
	CHECK(lst(f.rootfd, "target", &a) == 0 && lst(f.rootfd, "h", &b) == 0 &&
	    a.st_ino == b.st_ino);
	CHECK_STREQ(f.st.diffid, f.diffid);
	fx_done(&f);
	hostile("esc-hardlink-data-out", EX_DATAERR, "not found in the root");
}

/* CVE-2021-32760 / CVE-2021-31566: metadata never goes through links. */
static void
esc_metadata_symlink(void)
{
	struct stat st;
	struct fx f;

	fx_init(&f);
	CHECK(fx_layer(&f, "esc-chmod-symlink", "gzip", NULL) == 0);
	CHECK(lst(f.rootfd, "lnk", &st) == 0 && S_ISLNK(st.st_mode) &&
	    st.st_uid == 1234 && st.st_mtim.tv_sec == 0);
	CHECK(is_type(f.rootfd, "lnkd2", S_IFLNK));
	fx_done(&f);
	fx_init(&f);
	CHECK(fx_layer(&f, "esc-deferred", "gzip", NULL) == 0);
	CHECK(is_type(f.rootfd, "d", S_IFLNK) && is_type(f.rootfd, "x",
	    S_IFLNK));
	fx_done(&f);
}

static void
limit_bomb(void)
{
	struct layer_opts o = opts_mode(LAYER_WHITEOUT_DELETE);
	struct timespec t0, t1;
	struct stat st;
	struct fx f;
	double secs;

	fx_init(&f);
	CHECK(fx_make(&f, "bomb", "gzip") == 0);
	o.max_bytes = 4 << 20;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(fx_apply(&f, LAYER_GZIP, &o) == -1);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(f.e.exit == EX_DATAERR &&
	    strstr(f.e.msg, "decompression bomb") != NULL);
	CHECK(secs < 1.0);
	CHECK(f.st.uncompressed <= (5 << 20));
	CHECK(lst(f.rootfd, "zeros01", &st) == 0 && st.st_size == (1 << 20));
	CHECK(missing(f.rootfd, "zeros05"));
	fx_done(&f);
}

/*
 * 64 MiB of zeros in 64 KiB of gzip: more than 100 times the blob, but
 * under the floor by default; refused once the floor is lower, by the
 * running total and by an entry's declared size; fine without a ratio.
 */
static void
limit_ratio(void)
{
	struct layer_opts o = opts_mode(LAYER_WHITEOUT_DELETE);
	struct fx f;

	fx_init(&f);
	CHECK(fx_make(&f, "bomb", "gzip") == 0);
	o.ratio_floor = 1 << 20;
	CHECK(fx_apply(&f, LAYER_GZIP, &o) == -1);
	CHECK(f.e.exit == EX_DATAERR && strstr(f.e.msg, "100 times its") !=
	    NULL && strstr(f.e.msg, "decompression bomb") != NULL);
	CHECK(f.st.uncompressed <= f.st.compressed * 100 + (2 << 20));
	CHECK(missing(f.rootfd, "zeros63"));
	fx_new_root(&f);
	CHECK(fx_apply(&f, LAYER_GZIP, NULL) == 0);
	o.max_ratio = 0;
	fx_new_root(&f);
	CHECK(fx_apply(&f, LAYER_GZIP, &o) == 0 && f.st.files == 64);
	fx_done(&f);
	/* An entry that declares more is refused before it is written. */
	fx_init(&f);
	o.max_ratio = 1;
	CHECK(fx_make(&f, "basic", "gzip") == 0);
	CHECK(fx_apply(&f, LAYER_GZIP, &o) == -1);
	CHECK(f.e.exit == EX_DATAERR &&
	    strstr(f.e.msg, "'big': size 3145851 larger than the layer "
	    "limit") != NULL);
	CHECK(missing(f.rootfd, "big"));
	fx_done(&f);
}

/* A filesystem down to what it must keep free stops the layer. */
static void
limit_space(void)
{
	struct layer_opts o = opts_mode(LAYER_WHITEOUT_DELETE);
	struct fx f;

	fx_init(&f);
	o.min_free = UINT64_MAX / 2;
	CHECK(fx_layer(&f, "basic", "gzip", &o) == -1);
	CHECK(f.e.exit == EX_IOERR && f.e.errnum == ENOSPC &&
	    strstr(f.e.msg, "kept free") != NULL);
	fx_done(&f);
}

static void
limit_header(void)
{
	struct layer_opts o = opts_mode(LAYER_WHITEOUT_DELETE);
	struct fx f;

	/* libarchive itself refuses special headers over 1 MiB. */
	hostile("pax-huge", EX_DATAERR, "header");
	hostile("gnu-big", EX_DATAERR, "header");
	/* Ours is lower if asked: 500 KiB of pax records. */
	fx_init(&f);
	o.max_header = 256 << 10;
	CHECK(fx_layer(&f, "pax-big", "gzip", &o) == -1);
	CHECK(f.e.exit == EX_DATAERR &&
	    strstr(f.e.msg, "tar headers of entry 1 are") != NULL);
	CHECK(missing(f.rootfd, "big-pax"));
	fx_done(&f);
	fx_init(&f);
	CHECK(fx_layer(&f, "pax-big", "gzip", NULL) == 0);
	CHECK(content_is(f.rootfd, "big-pax", "x"));
	fx_done(&f);
}

static void
limit_entries(void)
{
	struct layer_opts o = opts_mode(LAYER_WHITEOUT_DELETE);
	struct fx f;

	fx_init(&f);
	o.max_entries = 1000;
	CHECK(fx_layer(&f, "many", "gzip", &o) == -1);
	CHECK(f.e.exit == EX_DATAERR &&
	    strstr(f.e.msg, "more than 1000 entries") != NULL);
	fx_done(&f);
	fx_init(&f);
	CHECK(fx_layer(&f, "many", "gzip", NULL) == 0 && f.st.files == 3000);
	fx_done(&f);
}

static void
limit_names(void)
{
	hostile("long-path", EX_DATAERR, "path longer than");
	hostile("long-name", EX_DATAERR, "name longer than");
	hostile("xattr-many", EX_DATAERR, "xattrs");
	hostile("xattr-huge", EX_DATAERR, "larger than");
	hostile("uid-big", EX_DATAERR, "uid");
	hostile("symlink-empty", EX_DATAERR, "empty target");
}

/* Rewrite the blob: keep len bytes, flip the byte at flip (or not). */
static void
blob_mangle(struct fx *f, double keep, double flip, const char *append)
{
	size_t len = 0;
	char *b = slurp(AT_FDCWD, f->blob, &len);
	int fd;

	if (b == NULL)
		abort();
	if (flip >= 0)
		b[(size_t)((double)len * flip)] ^= 0x5a;
	len = (size_t)((double)len * keep);
	if ((fd = open(f->blob, O_WRONLY | O_TRUNC)) == -1 ||
	    write(fd, b, len) != (ssize_t)len)
		abort();
	if (append != NULL && write(fd, append, strlen(append)) !=
	    (ssize_t)strlen(append))
		abort();
	(void)close(fd);
	free(b);
}

static void
stream_truncated(void)
{
	static const char *comps[] = { "gzip", "zstd" };
	struct fx f;
	size_t i;
	int fd;

	for (i = 0; i < 2; i++) {
		fx_init(&f);
		CHECK(fx_make(&f, "basic", comps[i]) == 0);
		blob_mangle(&f, 0.5, -1, NULL);
		fd = open(f.blob, O_RDONLY);
		CHECK(fx_apply_fd(&f, fd, comp_of(comps[i]), NULL, NULL,
		    NULL) == -1);
		(void)close(fd);
		CHECK(f.e.exit == EX_DATAERR &&
		    strstr(f.e.msg, "truncated") != NULL);
		fx_done(&f);
	}
	hostile("truncated-tar", EX_DATAERR, NULL);
	hostile("not-tar", EX_DATAERR, NULL);
}

/*
 * A tar that ends after its last entry's data, without the padding and the
 * end-of-archive blocks (umoci 0.4.7), or after the padding only: taken
 * when both digests vouch for it.  Cut anywhere else, it is refused.
 */
static void
stream_ends_early(void)
{
	static const char *kases[] = { "no-eof", "no-eof-aligned" };
	static const char *comps[] = { "gzip", "zstd", "none" };
	struct fx f;
	size_t i, k;
	int fd;

	for (k = 0; k < 2; k++)
		for (i = 0; i < 3; i++) {
			fx_init(&f);
			CHECK(fx_layer(&f, kases[k], comps[i], NULL) == 0);
			CHECK(f.st.entries == 4 && f.st.files == 2);
			CHECK(content_is(f.rootfd, "d/a", "first\n"));
			CHECK(link_is(f.rootfd, "d/s", "a"));
			CHECK(lst(f.rootfd, "d/last", &(struct stat){ 0 }) ==
			    0);
			CHECK(f.st.uncompressed % 512 == (k == 0 ? 1000 % 512 :
			    0));
			/* Nothing vouches for it: refused. */
			fx_new_root(&f);
			fd = open(f.blob, O_RDONLY);
			CHECK(fx_apply_fd(&f, fd, comp_of(comps[i]), NULL,
			    f.digest, NULL) == -1);
			(void)close(fd);
			CHECK(f.e.exit == EX_DATAERR &&
			    strstr(f.e.msg, "truncated after entry 4") != NULL);
			fx_done(&f);
		}
	{
		size_t n = 0;
		char *b;

		fx_init(&f);
		CHECK(fx_make(&f, "no-eof", "none") == 0);
		b = slurp(AT_FDCWD, f.blob, &n);
		CHECK(b != NULL && n % 512 == 1000 % 512 && b[n - 1] != 0);
		free(b);
		fx_done(&f);
	}
	hostile("cut-after-header", EX_DATAERR, "read tar");
	hostile("cut-in-header", EX_DATAERR, "read tar");
	hostile("truncated-tar", EX_DATAERR, "read tar");
}

static void
stream_corrupt(void)
{
	static const char *comps[] = { "gzip", "zstd" };
	struct fx f;
	size_t i;
	int fd;

	for (i = 0; i < 2; i++) {
		fx_init(&f);
		CHECK(fx_make(&f, "basic", comps[i]) == 0);
		blob_mangle(&f, 1.0, 0.4, NULL);
		fd = open(f.blob, O_RDONLY);
		CHECK(fx_apply_fd(&f, fd, comp_of(comps[i]), NULL, NULL,
		    NULL) == -1);
		(void)close(fd);
		CHECK(f.e.exit == EX_DATAERR &&
		    strstr(f.e.msg, comps[i]) != NULL);
		fx_done(&f);
	}
	fx_init(&f);
	CHECK(fx_make(&f, "basic", "gzip") == 0);
	blob_mangle(&f, 1.0, -1, "garbage");
	fd = open(f.blob, O_RDONLY);
	CHECK(fx_apply_fd(&f, fd, LAYER_GZIP, NULL, NULL, NULL) == -1);
	(void)close(fd);
	CHECK(f.e.exit == EX_DATAERR &&
	    strstr(f.e.msg, "trailing garbage") != NULL);
	fx_done(&f);
}

static void
digest_mismatch(void)
{
	struct fx f;
	char good[DIGEST_MAX];

	fx_init(&f);
	CHECK(fx_make(&f, "basic", "gzip") == 0);
	(void)memcpy(good, f.digest, sizeof(good));
	f.digest[10] = f.digest[10] == '0' ? '1' : '0';
	CHECK(fx_apply(&f, LAYER_GZIP, NULL) == -1);
	CHECK(f.e.exit == EX_DATAERR &&
	    strstr(f.e.msg, "blob digest mismatch") != NULL &&
	    strstr(f.e.msg, good) != NULL);
	fx_done(&f);
	fx_init(&f);
	CHECK(fx_make(&f, "basic", "zstd") == 0);
	f.diffid[20] = f.diffid[20] == 'a' ? 'b' : 'a';
	CHECK(fx_apply(&f, LAYER_ZSTD, NULL) == -1);
	CHECK(f.e.exit == EX_DATAERR &&
	    strstr(f.e.msg, "diffID mismatch") != NULL);
	fx_done(&f);
	fx_init(&f);
	CHECK(fx_make(&f, "basic", "gzip") == 0);
	(void)snprintf(f.digest, sizeof(f.digest), "sha256:XYZ");
	CHECK(fx_apply(&f, LAYER_GZIP, NULL) == -1 &&
	    f.e.exit == EX_DATAERR);
	fx_done(&f);
}

static void
mediatype_mismatch(void)
{
	struct fx f;

	fx_init(&f);
	CHECK(fx_make(&f, "basic", "zstd") == 0);
	CHECK(fx_apply(&f, LAYER_GZIP, NULL) == -1);
	CHECK(f.e.exit == EX_DATAERR && strstr(f.e.msg,
	    "media type says gzip but the blob is zstd") != NULL);
	CHECK(count_names(f.rootfd, ".") == 0);
	fx_done(&f);
	fx_init(&f);
	CHECK(fx_make(&f, "basic", "gzip") == 0);
	CHECK(fx_apply(&f, LAYER_PLAIN, NULL) == -1);
	CHECK(f.e.exit == EX_DATAERR && strstr(f.e.msg,
	    "media type says plain but the blob is gzip") != NULL);
	fx_done(&f);
	fx_init(&f);
	CHECK(fx_make(&f, "basic", "none") == 0);
	CHECK(fx_apply(&f, LAYER_ZSTD, NULL) == -1);
	CHECK(f.e.exit == EX_DATAERR && strstr(f.e.msg,
	    "does not start with zstd magic") != NULL);
	fx_done(&f);
}

static void
decomp_sniffing(void)
{
	static const unsigned char gz[] = { 0x1f, 0x8b, 8, 0 };
	static const unsigned char zs[] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const unsigned char skip[] = { 0x5a, 0x2a, 0x4d, 0x18 };

	CHECK(decomp_sniff(gz, sizeof(gz)) == LAYER_GZIP);
	CHECK(decomp_sniff(zs, sizeof(zs)) == LAYER_ZSTD);
	CHECK(decomp_sniff(skip, sizeof(skip)) == LAYER_ZSTD);
	CHECK(decomp_sniff("ab", 2) == LAYER_PLAIN);
	CHECK(decomp_sniff(zs, 2) == LAYER_PLAIN);
	CHECK(decomp_sniff("", 0) == LAYER_PLAIN);
	(void)printf("# gzip via %s\n", decomp_have_isal() ? "ISA-L" : "zlib");
}

int
main(int argc, char *argv[])
{
	const char *slash;

	(void)argc;
	(void)umask(022);
	slash = strrchr(argv[0], '/');
	if (slash != NULL)
		(void)snprintf(mklayer, sizeof(mklayer),
		    "%.*s/../tools/mklayer.py", (int)(slash - argv[0]),
		    argv[0]);
	else
		(void)snprintf(mklayer, sizeof(mklayer),
		    "tests/tools/mklayer.py");
	if (access(mklayer, R_OK) == -1) {
		(void)printf("1..0 # SKIP %s not found\n", mklayer);
		return (77);
	}
	if (geteuid() != 0) {
		(void)printf("1..0 # SKIP needs root\n");
		return (77);
	}
	TEST(decomp_sniffing);
	TEST(basic_gzip);
	TEST(basic_gzip_members);
	TEST(basic_zstd);
	TEST(basic_zstd_frames);
	TEST(basic_plain);
	TEST(basic_detect);
	TEST(basic_pipe);
	TEST(stalled_pipe_on_error);
	TEST(replace_kinds);
	TEST(merge_dirs);
	TEST(symlinks_verbatim);
	TEST(hardlinks);
	TEST(devices);
	TEST(sparse);
	TEST(long_names);
	TEST(modes);
	TEST(ownership);
	TEST(xattrs);
	TEST(mtimes);
	TEST(readonly_dirs);
	TEST(readonly_dirs_unprivileged);
	TEST(unprivileged_skips);
	TEST(duplicates);
	TEST(root_metadata);
	TEST(whiteouts_delete);
	TEST(whiteouts_overlay);
	TEST(whiteout_invalid);
	TEST(lower_hardlinks);
	TEST(lower_hardlinks_refused);
	TEST(trailing_tar_data);
	TEST(empty_layer);
	TEST(dir_times_many);
	TEST(deep_lower_trees);
	TEST(esc_dotdot);
	TEST(esc_symlink_parent_abs);
	TEST(esc_symlink_parent_rel);
	TEST(esc_symlink_chain);
	TEST(esc_root_entry);
	TEST(esc_whiteout);
	TEST(esc_hardlink);
	TEST(esc_hardlink_data);
	TEST(esc_metadata_symlink);
	TEST(limit_bomb);
	TEST(limit_ratio);
	TEST(limit_space);
	TEST(limit_header);
	TEST(limit_entries);
	TEST(limit_names);
	TEST(stream_truncated);
	TEST(stream_ends_early);
	TEST(stream_corrupt);
	TEST(digest_mismatch);
	TEST(mediatype_mismatch);
	return (unit_done());
}
