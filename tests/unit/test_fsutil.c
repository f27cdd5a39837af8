/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for common/fsutil.c: atomic writes and their failure paths,
 * bounded reads, mkdir -p, flock conflicts between processes (and the
 * unlink-while-held dance), rm_rf_at refusing to follow symlinks, and
 * tree walks: deep trees under a low descriptor limit, directories moved
 * out from under a walk.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fsutil.h"
#include "tests/unit/unit.h"

static char top[1024];

/* A fresh directory under top, returned as an fd and (optionally) a path. */
static int
fresh_dir(const char *name, char *path, size_t size)
{
	char p[PATH_MAX];

	(void)snprintf(p, sizeof(p), "%s/%s", top, name);
	if (mkdir(p, 0755) == -1)
		return (-1);
	if (path != NULL)
		(void)snprintf(path, size, "%s", p);
	return (open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

/* Number of entries in the directory dfd, "." and ".." not counted. */
static int
count_entries(int dfd, const char *only_prefix)
{
	struct dirent *de;
	DIR *d;
	int fd, n = 0;

	if ((fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (only_prefix == NULL || strncmp(de->d_name, only_prefix,
		    strlen(only_prefix)) == 0)
			n++;
	}
	(void)closedir(d);
	return (n);
}

static void
atomic_write_replaces(void)
{
	struct error e = ERROR_INIT;
	struct stat st;
	char path[PATH_MAX], full[PATH_MAX + 16], *buf = NULL;
	size_t len = 0;
	int dfd;

	CHECK((dfd = fresh_dir("atomic", path, sizeof(path))) != -1);
	CHECK(file_write_atomic(dfd, "f", "one", 3, 0600, &e) == 0);
	CHECK(file_write_atomic(dfd, "f", "second", 6, 0644, &e) == 0);
	CHECK(file_read_all(dfd, "f", 100, &buf, &len, &e) == 0);
	CHECK(len == 6);
	CHECK_STREQ(buf, "second");
	free(buf);
	CHECK(fstatat(dfd, "f", &st, 0) == 0 && (st.st_mode & 0700) == 0600);
	/* Nothing but the file itself: no temporary left behind. */
	CHECK(count_entries(dfd, NULL) == 1);

	/* Through a sub-directory, relative to the working directory. */
	CHECK(mkdirat(dfd, "sub", 0755) == 0);
	(void)snprintf(full, sizeof(full), "%s/sub/g", path);
	CHECK(file_write_atomic(AT_FDCWD, full, "x", 1, 0644, &e) == 0);
	CHECK(file_read_all(dfd, "sub/g", 100, &buf, &len, &e) == 0);
	CHECK(len == 1 && buf != NULL && buf[0] == 'x' && buf[1] == '\0');
	free(buf);
	CHECK(count_entries(dfd, ".") == 0);
	(void)close(dfd);
}

static void
atomic_write_failures(void)
{
	struct error e = ERROR_INIT;
	char path[PATH_MAX], *buf = NULL;
	size_t len;
	pid_t pid;
	int dfd, st = 0;

	CHECK((dfd = fresh_dir("atomic-fail", path, sizeof(path))) != -1);
	/* Missing directory. */
	CHECK(file_write_atomic(dfd, "nodir/f", "x", 1, 0644, &e) == -1);
	CHECK(e.exit == EX_CANTCREAT && e.errnum == ENOENT);
	CHECK(strstr(e.msg, "nodir") != NULL);

	/* The rename fails (a directory is in the way): temp removed. */
	CHECK(mkdirat(dfd, "d", 0755) == 0);
	CHECK(mkdirat(dfd, "d/keep", 0755) == 0);
	error_clear(&e);
	CHECK(file_write_atomic(dfd, "d", "data", 4, 0644, &e) == -1);
	CHECK(e.exit == EX_CANTCREAT || e.exit == EX_NOPERM);
	CHECK(strstr(e.msg, "rename") != NULL);
	CHECK(count_entries(dfd, NULL) == 1);

	/* A name too long for the temporary file. */
	{
		char name[NAME_MAX + 1];

		(void)memset(name, 'n', NAME_MAX - 4);
		name[NAME_MAX - 4] = '\0';
		error_clear(&e);
		CHECK(file_write_atomic(dfd, name, "x", 1, 0644, &e) == -1);
		CHECK(e.exit == EX_CANTCREAT);
		CHECK(count_entries(dfd, NULL) == 1);
	}

	/*
	 * A read-only directory.  Root ignores modes, so the child drops to
	 * nobody first.
	 */
	CHECK(mkdirat(dfd, "ro", 0555) == 0);
	CHECK(fchmodat(dfd, "ro", 0555, 0) == 0);
	CHECK(chmod(top, 0755) == 0);
	CHECK(chmod(path, 0755) == 0);
	(void)fflush(stdout);
	if ((pid = fork()) == 0) {
		struct error ce = ERROR_INIT;

		if (geteuid() == 0 && (setgid(65534) == -1 ||
		    setuid(65534) == -1))
			_exit(2);
		if (file_write_atomic(dfd, "ro/f", "x", 1, 0644, &ce) != -1)
			_exit(3);
		if (ce.exit != EX_NOPERM || ce.errnum != EACCES)
			_exit(4);
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(count_entries(dfd, NULL) == 2);
	error_clear(&e);
	CHECK(file_read_all(dfd, "ro/f", 10, &buf, &len, &e) == -1);
	CHECK(buf == NULL);
	(void)close(dfd);
}

static void
read_all_limits(void)
{
	struct error e = ERROR_INIT;
	char data[100], *buf = (char *)1;
	size_t len = 7;
	int dfd;

	CHECK((dfd = fresh_dir("read", NULL, 0)) != -1);
	(void)memset(data, 'a', sizeof(data));
	CHECK(file_write_atomic(dfd, "f", data, sizeof(data), 0644, &e) == 0);
	CHECK(file_read_all(dfd, "f", 100, &buf, &len, &e) == 0);
	CHECK(len == 100 && buf != NULL && buf[100] == '\0');
	CHECK(buf != NULL && memcmp(buf, data, 100) == 0);
	free(buf);
	CHECK(file_read_all(dfd, "f", 99, &buf, &len, &e) == -1);
	CHECK(e.exit == EX_DATAERR && buf == NULL);
	CHECK(strstr(e.msg, "larger than 99 bytes") != NULL);
	/* An empty file reads as an empty string. */
	CHECK(file_write_atomic(dfd, "empty", "", 0, 0644, &e) == 0);
	CHECK(file_read_all(dfd, "empty", 10, &buf, &len, &e) == 0);
	CHECK(len == 0 && buf != NULL && buf[0] == '\0');
	free(buf);
	/* Missing. */
	error_clear(&e);
	CHECK(file_read_all(dfd, "missing", 10, &buf, NULL, &e) == -1);
	CHECK(e.exit == EX_NOINPUT && e.errnum == ENOENT);
	CHECK(strstr(e.msg, "'missing'") != NULL);
	/* A directory. */
	CHECK(mkdirat(dfd, "dir", 0755) == 0);
	CHECK(file_read_all(dfd, "dir", 10, &buf, NULL, &e) == -1);
	CHECK(e.exit == EX_NOINPUT);
	/* Not a regular file, and endless: still bounded. */
	CHECK(file_read_all(AT_FDCWD, "/dev/zero", 5000, &buf, &len,
	    &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	(void)close(dfd);
}

static void
mkdir_p_chain(void)
{
	struct error e = ERROR_INIT;
	struct stat st;
	int dfd;

	CHECK((dfd = fresh_dir("mkdir", NULL, 0)) != -1);
	CHECK(mkdir_p(dfd, "a/b//c/", 0750, &e) == 0);
	CHECK(fstatat(dfd, "a/b/c", &st, 0) == 0 && S_ISDIR(st.st_mode));
	CHECK((st.st_mode & 07777) == 0750);
	CHECK(mkdir_p(dfd, "a/b/c", 0755, &e) == 0);
	CHECK(mkdir_p(dfd, "a/b/c/d", 0755, &e) == 0);
	CHECK(fstatat(dfd, "a/b/c/d", &st, 0) == 0 && S_ISDIR(st.st_mode));
	/* A file in the way. */
	CHECK(file_write_atomic(dfd, "a/file", "", 0, 0644, &e) == 0);
	error_clear(&e);
	CHECK(mkdir_p(dfd, "a/file/x", 0755, &e) == -1);
	CHECK(e.exit == EX_CANTCREAT);
	error_clear(&e);
	CHECK(mkdir_p(dfd, "a/file", 0755, &e) == -1);
	CHECK(e.errnum == ENOTDIR);
	CHECK(mkdir_p(dfd, "", 0755, &e) == -1);
	(void)close(dfd);
}

static void
write_all_errors(void)
{
	struct error e = ERROR_INIT;
	int dfd, fd;

	CHECK((dfd = fresh_dir("writeall", NULL, 0)) != -1);
	CHECK(file_write_atomic(dfd, "f", "", 0, 0644, &e) == 0);
	CHECK((fd = openat(dfd, "f", O_RDONLY | O_CLOEXEC)) != -1);
	CHECK(write_all(fd, "abc", 3, &e) == -1);
	CHECK(e.exit == EX_IOERR && e.errnum == EBADF);
	(void)close(fd);
	CHECK((fd = openat(dfd, "f", O_WRONLY | O_CLOEXEC)) != -1);
	CHECK(write_all(fd, "abc", 3, &e) == 0);
	(void)close(fd);
	(void)close(dfd);
}

/* One line, newline added; a failed write names what was written to. */
static void
write_line_result(void)
{
	struct error e = ERROR_INIT;
	char buf[16];
	ssize_t n;
	int p[2];

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	CHECK(write_line(p[1], "stdout", "sha256:ab", &e) == 0);
	(void)close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	CHECK(n == 10);
	buf[n > 0 ? n : 0] = '\0';
	CHECK_STREQ(buf, "sha256:ab\n");
	/* The read end cannot be written to. */
	CHECK(write_line(p[0], "stdout", "x", &e) == -1);
	CHECK(e.exit == EX_IOERR && e.errnum == EBADF);
	CHECK_STREQ(e.msg, "stdout");
	(void)close(p[0]);
}

/* In a child: try a non-blocking lock; exit 0 if it was busy. */
static int
child_try_lock(int dfd, const char *name, bool exclusive)
{
	pid_t pid;
	int st;

	(void)fflush(stdout);
	if ((pid = fork()) == 0) {
		struct error ce = ERROR_INIT;
		int fd;

		fd = lock_take(dfd, name, exclusive, true, &ce);
		if (fd == -1 && ce.exit == EX_TEMPFAIL)
			_exit(0);
		_exit(fd == -1 ? 2 : 1);
	}
	if (pid == -1 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return (-1);
	return (WEXITSTATUS(st));
}

static void
lock_conflict(void)
{
	struct error e = ERROR_INIT;
	struct stat st;
	int dfd, fd, fd2;

	CHECK((dfd = fresh_dir("lock", NULL, 0)) != -1);
	CHECK((fd = lock_take(dfd, "l", true, true, &e)) != -1);
	CHECK(fstatat(dfd, "l", &st, 0) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(child_try_lock(dfd, "l", true) == 0);
	CHECK(child_try_lock(dfd, "l", false) == 0);
	lock_release(fd);
	CHECK(child_try_lock(dfd, "l", true) == 1);
	/* Shared locks share; an exclusive one waits for both. */
	CHECK((fd = lock_take(dfd, "l", false, true, &e)) != -1);
	CHECK(child_try_lock(dfd, "l", false) == 1);
	CHECK(child_try_lock(dfd, "l", true) == 0);
	/* Two opens in one process conflict too (flock is per open file). */
	error_clear(&e);
	CHECK((fd2 = lock_take(dfd, "l", true, true, &e)) == -1);
	CHECK(e.exit == EX_TEMPFAIL && strstr(e.msg, "'l'") != NULL);
	lock_release(fd);
	/* Never through a symlink. */
	CHECK(symlinkat("l", dfd, "sl") == 0);
	CHECK(lock_take(dfd, "sl", true, true, &e) == -1);
	(void)close(dfd);
}

/*
 * The holder unlinks the lock file while a child waits on it: the child
 * must end up holding the file now at the path, not the orphan.
 */
static void
lock_unlink_dance(void)
{
	struct error e = ERROR_INIT;
	pid_t pid;
	char c = 0;
	int dfd, fd, st, up[2], down[2];

	CHECK((dfd = fresh_dir("lockdance", NULL, 0)) != -1);
	CHECK((fd = lock_take(dfd, "l", true, false, &e)) != -1);
	CHECK(pipe(up) == 0 && pipe(down) == 0);
	(void)fflush(stdout);
	if ((pid = fork()) == 0) {
		struct error ce = ERROR_INIT;
		struct stat a, b;
		int cfd;

		/* The inherited descriptor shares the parent's lock. */
		(void)close(fd);
		(void)close(up[0]);
		(void)close(down[1]);
		cfd = lock_take(dfd, "l", true, false, &ce);
		if (cfd == -1 || fstat(cfd, &a) == -1 ||
		    fstatat(dfd, "l", &b, 0) == -1 || a.st_ino != b.st_ino)
			_exit(1);
		(void)write(up[1], "k", 1);
		(void)read(down[0], &c, 1);	/* hold until told */
		_exit(0);
	}
	(void)close(up[1]);
	(void)close(down[0]);
	(void)usleep(200000);		/* let the child block in flock */
	CHECK(lock_unlink(dfd, "l", fd) == 0);
	CHECK(read(up[0], &c, 1) == 1 && c == 'k');
	/* The child holds the linked file: we cannot take it. */
	error_clear(&e);
	CHECK(lock_take(dfd, "l", true, true, &e) == -1);
	CHECK(e.exit == EX_TEMPFAIL);
	(void)close(down[1]);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	CHECK((fd = lock_take(dfd, "l", true, true, &e)) != -1);
	lock_release(fd);
	(void)close(up[0]);
	(void)close(dfd);
}

static void
rm_rf_no_follow(void)
{
	struct error e = ERROR_INIT;
	struct stat st;
	char outside[PATH_MAX];
	int dfd, odfd;

	CHECK((odfd = fresh_dir("outside", outside, sizeof(outside))) != -1);
	CHECK(mkdirat(odfd, "inner", 0755) == 0);
	CHECK(file_write_atomic(odfd, "inner/keep", "k", 1, 0644, &e) == 0);
	CHECK(file_write_atomic(odfd, "keep", "k", 1, 0644, &e) == 0);

	CHECK((dfd = fresh_dir("rmrf", NULL, 0)) != -1);
	CHECK(mkdir_p(dfd, "t/a/b/c", 0755, &e) == 0);
	CHECK(file_write_atomic(dfd, "t/a/b/c/f", "x", 1, 0644, &e) == 0);
	CHECK(file_write_atomic(dfd, "t/a/f", "x", 1, 0644, &e) == 0);
	CHECK(symlinkat(outside, dfd, "t/dirlink") == 0);
	CHECK(symlinkat(outside, dfd, "t/a/b/dirlink") == 0);
	CHECK(mkfifoat(dfd, "t/a/fifo", 0644) == 0);
	for (int i = 0; i < 300; i++) {
		char name[64];

		(void)snprintf(name, sizeof(name), "t/a/many%03d", i);
		CHECK(file_write_atomic(dfd, name, "", 0, 0644, &e) == 0);
	}
	CHECK(rm_rf_at(dfd, "t", &e) == 0);
	CHECK(fstatat(dfd, "t", &st, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT);
	CHECK(fstatat(odfd, "keep", &st, 0) == 0);
	CHECK(fstatat(odfd, "inner/keep", &st, 0) == 0);

	/* A symlink given directly is removed, not its target. */
	CHECK(symlinkat(outside, dfd, "direct") == 0);
	CHECK(rm_rf_at(dfd, "direct", &e) == 0);
	CHECK(fstatat(dfd, "direct", &st, AT_SYMLINK_NOFOLLOW) == -1);
	CHECK(fstatat(odfd, "inner/keep", &st, 0) == 0);
	/* A missing path is fine; "." and ".." are refused. */
	CHECK(rm_rf_at(dfd, "missing", &e) == 0);
	CHECK(rm_rf_at(dfd, ".", &e) == -1 && e.exit == EX_SOFTWARE);
	CHECK(rm_rf_at(dfd, "a/..", &e) == -1);
	CHECK(count_entries(dfd, NULL) == 0);
	(void)close(dfd);
	(void)close(odfd);
}

static void
rm_rf_failure(void)
{
	struct error e = ERROR_INIT;
	pid_t pid;
	int dfd, st = 0;

	CHECK(chmod(top, 0755) == 0);
	CHECK((dfd = fresh_dir("rmfail", NULL, 0)) != -1);
	CHECK(mkdir_p(dfd, "t/locked/x", 0755, &e) == 0);
	CHECK(fchmodat(dfd, "t/locked", 0555, 0) == 0);
	CHECK(fchmodat(dfd, "t", 0777, 0) == 0);
	(void)fflush(stdout);
	if ((pid = fork()) == 0) {
		struct error ce = ERROR_INIT;

		if (geteuid() == 0 && (setgid(65534) == -1 ||
		    setuid(65534) == -1))
			_exit(2);
		if (rm_rf_at(dfd, "t", &ce) != -1)
			_exit(3);
		_exit(ce.exit == EX_NOPERM && strstr(ce.msg, "'x'") != NULL ?
		    0 : 4);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(rm_rf_at(dfd, "t", &e) == 0);
	(void)close(dfd);
}

/* depth levels of "d" below dfd/name, each holding a file "f". */
static int
make_deep(int dfd, const char *name, int depth)
{
	int fd, nfd, i, ok = 0;

	if (mkdirat(dfd, name, 0755) == -1 ||
	    (fd = openat(dfd, name, O_RDONLY | O_DIRECTORY)) == -1)
		return (-1);
	for (i = 0; i < depth; i++) {
		if ((nfd = openat(fd, "f", O_WRONLY | O_CREAT, 0644)) == -1 ||
		    close(nfd) == -1 || mkdirat(fd, "d", 0755) == -1 ||
		    (nfd = openat(fd, "d", O_RDONLY | O_DIRECTORY)) == -1) {
			ok = -1;
			break;
		}
		(void)close(fd);
		fd = nfd;
	}
	(void)close(fd);
	return (ok);
}

/*
 * Run rm_rf_at(dfd, name) in a child limited to nofile descriptors;
 * returns its exit class (0 on success).
 */
static int
rm_rf_limited(int dfd, const char *name, rlim_t nofile)
{
	struct rlimit rl = { nofile, nofile };
	pid_t pid;
	int st = 0;

	(void)fflush(stdout);
	if ((pid = fork()) == 0) {
		struct error ce = ERROR_INIT;

		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			_exit(99);
		if (rm_rf_at(dfd, name, &ce) == -1) {
			(void)printf("# rm_rf_at: %s (%s)\n", ce.msg,
			    strerror(ce.errnum));
			(void)fflush(stdout);
			_exit(ce.exit);
		}
		_exit(0);
	}
	if (pid == -1 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return (-1);
	return (WEXITSTATUS(st));
}

static void
rm_rf_deep(void)
{
	struct stat st;
	int dfd;

	CHECK((dfd = fresh_dir("deep", NULL, 0)) != -1);
	CHECK(make_deep(dfd, "t", 3000) == 0);
	/* Far more levels than descriptors. */
	CHECK(rm_rf_limited(dfd, "t", 64) == 0);
	CHECK(fstatat(dfd, "t", &st, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT);
	CHECK(count_entries(dfd, NULL) == 0);
	(void)close(dfd);
}

static void
walk_moved(void)
{
	struct error e = ERROR_INIT;
	struct fswalk *w;
	struct stat st;
	const char *name;
	int dfd, n = 0;

	CHECK((dfd = fresh_dir("moved", NULL, 0)) != -1);
	CHECK(mkdir_p(dfd, "t/a/b/c", 0755, &e) == 0);
	CHECK(mkdir_p(dfd, "out/keep", 0755, &e) == 0);
	CHECK((w = fswalk_open(dfd, "t", 0, &e)) != NULL);
	if (w == NULL)
		return;
	CHECK(fswalk_next(w, &name) == 1 && strcmp(name, "a") == 0);
	CHECK(fswalk_next(w, &name) == 0);
	CHECK(fswalk_down(w, "a", &e) == 0 && fswalk_down(w, "b", &e) == 0);
	CHECK(fswalk_depth(w) == 2);
	CHECK_STREQ(fswalk_path(w), "a/b");
	CHECK(fswalk_next(w, &name) == 1 && strcmp(name, "c") == 0);
	/* A pod moves the directory the walk is in out of the tree. */
	CHECK(renameat(dfd, "t/a/b", dfd, "out/b") == 0);
	CHECK(fswalk_up(w, &name, &e) == -1 && e.exit == EX_TEMPFAIL);
	CHECK(strstr(e.msg, "moved") != NULL);
	/* It stays where it was: never in "out". */
	CHECK(fswalk_depth(w) == 2 && fstat(fswalk_fd(w), &st) == 0);
	CHECK(fswalk_down(w, "..", &e) == -1 && e.exit == EX_SOFTWARE);
	CHECK(fswalk_down(w, "c/x", &e) == -1);
	fswalk_close(w);
	CHECK(fstatat(dfd, "out/keep", &st, 0) == 0);
	/* Moved back, the walk goes up again. */
	CHECK((w = fswalk_open(dfd, "out", FSWALK_NOLIST, &e)) != NULL);
	if (w != NULL) {
		CHECK(fswalk_next(w, &name) == 0);
		CHECK(fswalk_down(w, "b", &e) == 0);
		CHECK(fswalk_down(w, "c", &e) == 0);
		CHECK(fswalk_up(w, &name, &e) == 0 && strcmp(name, "c") == 0);
		CHECK(fswalk_up(w, &name, &e) == 0 && strcmp(name, "b") == 0);
		CHECK(fswalk_up(w, &name, &e) == -1 && e.exit == EX_SOFTWARE);
		fswalk_close(w);
	}
	CHECK(fswalk_open(dfd, "missing", 0, &e) == NULL &&
	    e.exit == EX_NOINPUT && e.errnum == ENOENT);
	CHECK(symlinkat("t", dfd, "lnk") == 0);
	CHECK(fswalk_open(dfd, "lnk", 0, &e) == NULL);
	CHECK(rm_rf_at(dfd, "t", &e) == 0 && rm_rf_at(dfd, "out", &e) == 0 &&
	    rm_rf_at(dfd, "lnk", &e) == 0);
	CHECK((n = count_entries(dfd, NULL)) == 0);
	(void)close(dfd);
}

/*
 * A pod renames a directory of the tree back and forth across the tree's
 * edge while rm_rf_at removes the tree: the removal may stop (75) but
 * never removes what lies outside.
 */
static void
rm_rf_race(void)
{
	struct error e = ERROR_INIT;
	struct stat st;
	pid_t pid;
	int dfd, i, rc, ok = 0;

	CHECK((dfd = fresh_dir("race", NULL, 0)) != -1);
	for (i = 0; i < 20; i++) {
		CHECK(mkdir_p(dfd, "out/keep", 0755, &e) == 0);
		CHECK(file_write_atomic(dfd, "out/keep/f", "k", 1, 0644,
		    &e) == 0);
		CHECK(make_deep(dfd, "t", 200) == 0);
		(void)fflush(stdout);
		if ((pid = fork()) == 0) {
			for (int k = 0; k < 2000; k++) {
				(void)renameat(dfd, "t/d/d/d", dfd, "out/m");
				(void)renameat(dfd, "out/m", dfd, "t/d/d/d");
			}
			_exit(0);
		}
		rc = rm_rf_limited(dfd, "t", 16);
		(void)waitpid(pid, NULL, 0);
		CHECK(rc == 0 || rc == EX_TEMPFAIL);
		if (rc == 0)
			ok++;
		CHECK(fstatat(dfd, "out/keep/f", &st, 0) == 0);
		CHECK(rm_rf_at(dfd, "t", &e) == 0 &&
		    rm_rf_at(dfd, "out", &e) == 0);
	}
	(void)printf("# %d of 20 removals finished despite the race\n", ok);
	(void)close(dfd);
}

int
main(void)
{
	struct error e = ERROR_INIT;
	const char *tmp;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	(void)umask(022);
	(void)snprintf(top, sizeof(top), "%s/test_fsutil.XXXXXX", tmp);
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	TEST(atomic_write_replaces);
	TEST(atomic_write_failures);
	TEST(read_all_limits);
	TEST(mkdir_p_chain);
	TEST(write_all_errors);
	TEST(write_line_result);
	TEST(lock_conflict);
	TEST(lock_unlink_dance);
	TEST(rm_rf_no_follow);
	TEST(rm_rf_failure);
	TEST(rm_rf_deep);
	TEST(walk_moved);
	TEST(rm_rf_race);
	if (rm_rf_at(AT_FDCWD, top, &e) == -1)
		(void)fprintf(stdout, "# cleanup: %s\n", e.msg);
	return (unit_done());
}
