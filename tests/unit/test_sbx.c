/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the Linux sandbox (common/platform/linux/sbx_linux.c and
 * cgroup_linux.c), for real: as root, with a busybox image in a temporary
 * pod directory.  The supervisor of each pod is a function of this test
 * that runs a list of processes through sbx_exec_app() and reports their
 * exit statuses and errfd lines on a pipe; the processes write what they
 * see into a volume, which the test reads from the host.
 */
#include <sys/types.h>
#include <sys/stat.h>
#ifdef HAVE_SYS_SYSMACROS_H
#include <sys/sysmacros.h>	/* makedev() on glibc */
#endif
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fsutil.h"
#include "common/platform.h"
#include "common/platform/linux/cgroup_linux.h"
#include "common/sbx.h"
#include "common/sbx_impl.h"
#include "tests/unit/unit.h"

#define	MEMCG	"/sys/fs/cgroup/memory/berth/"
#define	CPUCG	"/sys/fs/cgroup/cpu/berth/"
#define	PIDSCG	"/sys/fs/cgroup/pids/berth/"

static char top[PATH_MAX];

struct job {
	const char	*name;
	struct sbx_proc	 proc;
};

struct result {
	int	status;
	char	msg[256];
};

static const char *applets[] = { "sh", "cat", "echo", "grep", "hostname",
    "id", "ls", "ps", "pwd", "test", "touch", "wc", "dd", "sleep", "env",
    "mknod", "readlink" };

static char *const env_std[] = { "PATH=/bin", NULL };

/* snprintf(3) for paths; a truncated path is a test setup failure. */
static void __attribute__((__format__(__printf__, 3, 4)))
pathf(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		(void)printf("Bail out! path too long\n");
		exit(1);
	}
}

static int
put_file(const char *path, const char *text, mode_t mode)
{
	int fd;
	ssize_t n;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1)
		return (-1);
	n = write(fd, text, strlen(text));
	(void)close(fd);
	return (n == (ssize_t)strlen(text) && chmod(path, mode) == 0 ? 0 : -1);
}

/* The first line of a file (without "\n"), "" if missing. */
static const char *
line_of(const char *dir, const char *name)
{
	static char buf[4096];
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	pathf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (buf);
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return (buf);
}

/* The whole file, "" if missing. */
static const char *
text_of(const char *dir, const char *name)
{
	static char buf[4096];
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	pathf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (buf);
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return (buf);
}

static int
copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in, out, rv = 0;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if ((out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1) {
		(void)close(in);
		return (-1);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			rv = -1;
	if (n < 0)
		rv = -1;
	(void)close(in);
	(void)close(out);
	return (rv);
}

/* A busybox image at root: applets, passwd/group, a non-executable file. */
static int
make_image(const char *root, bool with_sys)
{
	char p[PATH_MAX];
	size_t i;

	if (mkdir_p(AT_FDCWD, root, 0755, &(struct error)ERROR_INIT) == -1)
		return (-1);
	pathf(p, sizeof(p), "%s/bin", root);
	if (mkdir(p, 0755) == -1)
		return (-1);
	pathf(p, sizeof(p), "%s/etc", root);
	if (mkdir(p, 0755) == -1)
		return (-1);
	pathf(p, sizeof(p), "%s/bin/busybox", root);
	if (copy_file("/bin/busybox", p, 0755) == -1)
		return (-1);
	for (i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
		pathf(p, sizeof(p), "%s/bin/%s", root, applets[i]);
		if (symlink("busybox", p) == -1)
			return (-1);
	}
	pathf(p, sizeof(p), "%s/bin/noexec", root);
	if (put_file(p, "#!/bin/sh\necho hi\n", 0644) == -1)
		return (-1);
	pathf(p, sizeof(p), "%s/etc/passwd", root);
	if (put_file(p, "root:x:0:0:root:/root:/bin/sh\n"
	    "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n", 0644) == -1)
		return (-1);
	pathf(p, sizeof(p), "%s/etc/group", root);
	if (put_file(p, "root:x:0:\nwheel:x:10:alice\nstaff:x:50:bob,alice\n"
	    "alice:x:1000:\n", 0644) == -1)
		return (-1);
	/* What a hostile layer may carry: a node anyone may open. */
	pathf(p, sizeof(p), "%s/imgdev", root);
	if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) == -1 ||
	    chmod(p, 0666) == -1)
		return (-1);
	if (with_sys) {
		pathf(p, sizeof(p), "%s/sys", root);
		if (mkdir(p, 0755) == -1)
			return (-1);
	}
	return (0);
}

/*
 * Run one process of the pod as the supervisor does: fork, sbx_exec_app()
 * in the child, collect its errfd line and its status.
 */
static void
run_job(const struct sbx_pod *pod, const struct job *j, struct result *r)
{
	int ep[2], status;
	ssize_t n;
	pid_t pid;

	(void)memset(r, 0, sizeof(*r));
	r->status = -1;
	if (pipe2(ep, O_CLOEXEC) == -1)
		return;
	if ((pid = fork()) == 0) {
		(void)close(ep[0]);
		sbx_exec_app(pod, &j->proc, ep[1]);
	}
	(void)close(ep[1]);
	if (pid == -1) {
		(void)close(ep[0]);
		return;
	}
	n = read(ep[0], r->msg, sizeof(r->msg) - 1);
	r->msg[n > 0 ? n : 0] = '\0';
	r->msg[strcspn(r->msg, "\n")] = '\0';
	(void)close(ep[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return;
	r->status = status;
}

/*
 * The supervisor: run the jobs in order, report each on resfd, then wait
 * until the test closes gofd.  A descriptor without O_CLOEXEC is left open
 * on purpose: sbx_exec_app() must close it.
 */
static _Noreturn void
supervise(const struct sbx_pod *pod, const struct job *jobs, size_t n,
    int resfd, int gofd)
{
	struct result r;
	size_t i;
	char c;

	(void)fcntl(resfd, F_DUPFD, 9);
	/* As pod-exec's supervisor does; the apps must not inherit it. */
	(void)signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++) {
		run_job(pod, &jobs[i], &r);
		if (write(resfd, &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(1);
	}
	while (read(gofd, &c, 1) == -1 && errno == EINTR)
		;
	_exit(0);
}

struct running {
	pid_t	pid;
	int	resfd;
	int	gofd;
};

/* sbx_start() with a supervisor running jobs; pid -1 on failure. */
static void
start_pod(const struct sbx_pod *pod, const struct job *jobs, size_t n,
    struct running *rp, struct error *ep)
{
	int res[2], go[2];

	rp->pid = -1;
	if (pipe2(res, O_CLOEXEC) == -1 || pipe2(go, O_CLOEXEC) == -1)
		return;
	rp->pid = sbx_start(pod, ep);
	if (rp->pid == 0) {
		(void)close(res[0]);
		(void)close(go[1]);
		supervise(pod, jobs, n, res[1], go[0]);
	}
	(void)close(res[1]);
	(void)close(go[0]);
	rp->resfd = res[0];
	rp->gofd = go[1];
}

static bool
read_results(struct running *rp, struct result *rs, size_t n)
{
	size_t got = 0;
	ssize_t k;

	while (got < n * sizeof(*rs)) {
		k = read(rp->resfd, (char *)rs + got, n * sizeof(*rs) - got);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			return (false);
		got += (size_t)k;
	}
	return (true);
}

/* Let the supervisor go and reap it; its exit status. */
static int
stop_pod(struct running *rp)
{
	int status = -1;

	(void)close(rp->gofd);
	(void)close(rp->resfd);
	while (waitpid(rp->pid, &status, 0) == -1 && errno == EINTR)
		;
	return (status);
}

static bool
exited(const struct result *r, int code)
{
	return (r->status != -1 && WIFEXITED(r->status) &&
	    WEXITSTATUS(r->status) == code);
}

static bool
cg_exists(const char *base, const char *uuid)
{
	char p[PATH_MAX];

	pathf(p, sizeof(p), "%s%s", base, uuid);
	return (access(p, F_OK) == 0);
}

static const char *
cg_line(const char *base, const char *uuid, const char *file)
{
	char p[PATH_MAX];

	pathf(p, sizeof(p), "%s%s", base, uuid);
	return (line_of(p, file));
}

/* The main pod: an overlay root, two volumes, limits. */
static char pod_dir[PATH_MAX], rootfs[PATH_MAX], lower[PATH_MAX],
    upper[PATH_MAX], work[PATH_MAX], outdir[PATH_MAX], rodir[PATH_MAX],
    uuid[64];
static const char *lowers[1];
static struct sbx_mount vols[2];
static struct sbx_app app;
static struct sbx_pod pod;

static char *const a_pidns[] = { "sh", "-c", "echo $$ > /out/pid; "
    "ps -o pid > /out/ps; cat /proc/1/comm > /out/comm", NULL };
static char *const a_host[] = { "sh", "-c", "hostname > /out/hostname",
    NULL };
static char *const a_proc[] = { "/bin/sh", "-c",
    "test -r /proc/self/status && echo yes > /out/proc; "
    "wc -c < /proc/timer_list > /out/timer; "
    "grep ' /proc/acpi ' /proc/self/mounts > /out/acpi; "
    "grep ' /proc/sys ' /proc/self/mounts > /out/procsys; "
    "grep CapBnd /proc/self/status > /out/capbnd; "
    "grep NoNewPrivs /proc/self/status > /out/nnp; "
    "ls /dev > /out/dev; echo x > /dev/null && echo ok > /out/devnull; "
    "grep ' /sys ' /proc/self/mounts > /out/sys; "
    "cat /sys/class/net/lo/flags > /out/loflags; "
    "ls /proc/self/fd > /out/fds", NULL };
static char *const a_user[] = { "sh", "-c", "id -u > /out/uid; "
    "id -g > /out/gid; id -G > /out/groups; pwd > /out/cwd; "
    "echo $HOME > /out/home; grep CapEff /proc/self/status > /out/capeff",
    NULL };
static char *const a_ro[] = { "sh", "-c", "cat /ro/hello > /out/ro; "
    "if touch /ro/new 2>/dev/null; then echo writable; else echo refused; "
    "fi >> /out/ro", NULL };
static char *const a_nope[] = { "/bin/nope", NULL };
static char *const a_nope_path[] = { "nope", NULL };
static char *const a_noexec[] = { "/bin/noexec", NULL };
static char *const a_noexec_path[] = { "noexec", NULL };
static char *const a_true[] = { "sh", "-c", "true", NULL };
static char *const a_hog[] = { "dd", "if=/dev/zero", "of=/dev/null",
    "bs=64M", "count=1", NULL };
static char *const a_enter[] = { "sh", "-c", "hostname > /out/enter-host; "
    "cat /proc/1/comm > /out/enter-comm; "
    "test -d /proc/$$ && echo same > /out/enter-pidns; "
    "ls /proc/$$/fd; true", NULL };
/* Device nodes from the image, made in /dev, made in a volume. */
static char *const a_nodev[] = { "sh", "-c", "for f in /imgdev /dev/mk "
    "/out/mk; do test -e $f || mknod $f c 1 3; "
    "if echo x 2>/dev/null > $f; then echo open; else echo refused; fi; "
    "done > /out/nodev; echo x > /dev/null && echo ok >> /out/nodev",
    NULL };
static char *const a_mntns[] = { "sh", "-c",
    "readlink /proc/self/ns/mnt > /out/mntns; ls / > /out/rootls; "
    "grep SigIgn /proc/self/status > /out/sigign", NULL };
/* The last PATH must count, for the lookup and for the app alike. */
static char *const a_env[] = { "sh", "-c", "env | grep -c '^X=' > /out/xn;"
    " echo $X > /out/x", NULL };
static char *const env_dup[] = { "PATH=/nonexistent", "X=1", "PATH=/bin",
    "X=2", NULL };
static const gid_t extra_gid[] = { 77 };

enum {
	J_PIDNS, J_HOST, J_PROC, J_USER, J_RO, J_NOPE, J_NOPE_PATH, J_NOEXEC,
	J_NOEXEC_PATH, J_NOUSER, J_HOG, J_NODEV, J_MNTNS, J_ENV, NJOBS
};
static const struct job jobs[NJOBS] = {
	[J_PIDNS] = { "pidns", { 0, a_pidns, env_std, "root", NULL, NULL, 0,
	    "/", false, -1, NULL, false } },
	[J_HOST] = { "hostname", { 0, a_host, env_std, NULL, NULL, NULL, 0,
	    NULL, false, -1, NULL, false } },
	[J_PROC] = { "proc", { 0, a_proc, env_std, "0", NULL, NULL, 0, "/",
	    false, -1, NULL, false } },
	[J_USER] = { "user", { 0, a_user, env_std, "alice", NULL, extra_gid,
	    1, "/work/dir", false, -1, NULL, false } },
	[J_RO] = { "ro", { 0, a_ro, env_std, "root", NULL, NULL, 0, "/",
	    false, -1, NULL, false } },
	[J_NOPE] = { "nope", { 0, a_nope, env_std, "root", NULL, NULL, 0,
	    "/", false, -1, NULL, false } },
	[J_NOPE_PATH] = { "nope-path", { 0, a_nope_path, env_std, "root",
	    NULL, NULL, 0, "/", false, -1, NULL, false } },
	[J_NOEXEC] = { "noexec", { 0, a_noexec, env_std, "root", NULL, NULL,
	    0, "/", false, -1, NULL, false } },
	[J_NOEXEC_PATH] = { "noexec-path", { 0, a_noexec_path, env_std,
	    "root", NULL, NULL, 0, "/", false, -1, NULL, false } },
	[J_NOUSER] = { "nouser", { 0, a_true, env_std, "bob", NULL, NULL, 0,
	    "/", false, -1, NULL, false } },
	[J_HOG] = { "hog", { 0, a_hog, env_std, "root", NULL, NULL, 0, "/",
	    false, -1, NULL, false } },
	[J_NODEV] = { "nodev", { 0, a_nodev, env_std, "root", NULL, NULL, 0,
	    "/", false, -1, NULL, false } },
	[J_MNTNS] = { "mntns", { 0, a_mntns, env_std, "root", NULL, NULL, 0,
	    "/", false, -1, NULL, false } },
	[J_ENV] = { "env", { 0, a_env, env_dup, "root", NULL, NULL, 0, "/",
	    false, -1, NULL, false } },
};
static struct result res[NJOBS];
static struct running main_pod = { -1, -1, -1 };
static bool main_ok;

static void
test_start(void)
{
	struct error e = ERROR_INIT;
	char p[PATH_MAX];

	pathf(pod_dir, sizeof(pod_dir), "%s/pod", top);
	pathf(rootfs, sizeof(rootfs), "%s/pod/apps/a/rootfs", top);
	pathf(lower, sizeof(lower), "%s/lower", top);
	pathf(upper, sizeof(upper), "%s/upper", top);
	pathf(work, sizeof(work), "%s/work", top);
	pathf(outdir, sizeof(outdir), "%s/out", top);
	pathf(rodir, sizeof(rodir), "%s/ro", top);
	pathf(uuid, sizeof(uuid), "test-sbx-%ld", (long)getpid());
	CHECK(make_image(lower, true) == 0);
	CHECK(mkdir_p(AT_FDCWD, rootfs, 0755, &e) == 0);
	CHECK(mkdir(upper, 0755) == 0 && mkdir(work, 0755) == 0);
	CHECK(mkdir(outdir, 0777) == 0 && chmod(outdir, 0777) == 0);
	CHECK(mkdir(rodir, 0755) == 0);
	pathf(p, sizeof(p), "%s/hello", rodir);
	CHECK(put_file(p, "hello\n", 0644) == 0);

	lowers[0] = lower;
	vols[0] = (struct sbx_mount){ outdir, "/out", false };
	vols[1] = (struct sbx_mount){ rodir, "/ro", true };
	app = (struct sbx_app){ "a", rootfs, lowers, 1, upper, work, vols,
	    2, 0, 0, 0 };
	pod = (struct sbx_pod){ .uuid = uuid, .dir = pod_dir,
	    .hostname = "berth-test", .apps = &app, .napps = 1,
	    .memory = 32 * 1024 * 1024, .cpu_millis = 500, .pids = 64 };

	start_pod(&pod, jobs, NJOBS, &main_pod, &e);
	if (main_pod.pid == -1)
		(void)printf("# sbx_start: %s: %s\n", e.msg,
		    strerror(e.errnum));
	CHECK(main_pod.pid > 0);
	if (main_pod.pid > 0)
		main_ok = read_results(&main_pod, res, NJOBS);
	CHECK(main_ok);
}

static void
test_cgroup_limits(void)
{
	CHECK(main_ok);
	if (!main_ok)
		return;
	CHECK_STREQ(cg_line(MEMCG, uuid, "memory.limit_in_bytes"), "33554432");
	if (cg_exists(MEMCG, uuid) && access(MEMCG "../memory.memsw."
	    "limit_in_bytes", F_OK) == 0)
		CHECK_STREQ(cg_line(MEMCG, uuid,
		    "memory.memsw.limit_in_bytes"), "33554432");
	CHECK_STREQ(cg_line(CPUCG, uuid, "cpu.cfs_period_us"), "100000");
	CHECK_STREQ(cg_line(CPUCG, uuid, "cpu.cfs_quota_us"), "50000");
	CHECK_STREQ(cg_line(PIDSCG, uuid, "pids.max"), "64");
	/* The supervisor joined before it ran anything. */
	{
		char want[32];

		pathf(want, sizeof(want), "%ld", (long)main_pod.pid);
		CHECK_STREQ(cg_line(MEMCG, uuid, "cgroup.procs"), want);
	}
}

static void
test_pid_namespace(void)
{
	const char *s;
	int lines = 0;

	CHECK(exited(&res[J_PIDNS], 0));
	CHECK(atoi(line_of(outdir, "pid")) > 1);
	CHECK(atoi(line_of(outdir, "pid")) < 100);
	for (s = text_of(outdir, "ps"); *s != '\0'; s++)
		lines += *s == '\n';
	/* Header, supervisor, sh, ps. */
	CHECK(lines >= 3 && lines <= 5);
	CHECK_STREQ(line_of(outdir, "comm"), "test_sbx");
}

static void
test_hostname(void)
{
	CHECK(exited(&res[J_HOST], 0));
	CHECK_STREQ(line_of(outdir, "hostname"), "berth-test");
}

static void
test_proc_dev_sys(void)
{
	CHECK(exited(&res[J_PROC], 0));
	CHECK_STREQ(line_of(outdir, "proc"), "yes");
	/* Masked: a file by /dev/null, a directory by an empty tmpfs. */
	CHECK_STREQ(line_of(outdir, "timer"), "0");
	CHECK(strncmp(line_of(outdir, "acpi"), "tmpfs /proc/acpi tmpfs ro,",
	    26) == 0);
	CHECK(strncmp(line_of(outdir, "procsys"), "proc /proc/sys proc ro,",
	    23) == 0);
	CHECK(strncmp(line_of(outdir, "sys"), "sysfs /sys sysfs ro,", 20) ==
	    0);
	CHECK_STREQ(line_of(outdir, "devnull"), "ok");
	/* A new network namespace, with lo up (IFF_UP | IFF_LOOPBACK). */
	CHECK_STREQ(line_of(outdir, "loflags"), "0x9");
	CHECK_STREQ(text_of(outdir, "dev"), "fd\nfull\nnull\nptmx\npts\n"
	    "random\nshm\nstderr\nstdin\nstdout\ntty\nurandom\nzero\n");
}

static void
test_caps_nnp(void)
{
	CHECK_STREQ(line_of(outdir, "capbnd"), "CapBnd:\t00000000a80425fb");
	CHECK_STREQ(line_of(outdir, "nnp"), "NoNewPrivs:\t1");
	CHECK_STREQ(line_of(outdir, "capeff"), "CapEff:\t0000000000000000");
}

static void
test_fds_closed(void)
{
	/* ls's own directory descriptor is 3; the supervisor's 9 is gone. */
	CHECK_STREQ(text_of(outdir, "fds"), "0\n1\n2\n3\n");
}

static void
test_user(void)
{
	CHECK(exited(&res[J_USER], 0));
	CHECK_STREQ(line_of(outdir, "uid"), "1000");
	CHECK_STREQ(line_of(outdir, "gid"), "1000");
	CHECK_STREQ(line_of(outdir, "groups"), "1000 10 50 77");
	CHECK_STREQ(line_of(outdir, "cwd"), "/work/dir");
	CHECK_STREQ(line_of(outdir, "home"), "/home/alice");
	CHECK(exited(&res[J_NOUSER], EX_CONFIG));
	CHECK(strncmp(res[J_NOUSER].msg, "78 ", 3) == 0);
	CHECK(strstr(res[J_NOUSER].msg, "'bob'") != NULL);
}

static void
test_readonly_volume(void)
{
	char p[PATH_MAX];

	CHECK(exited(&res[J_RO], 0));
	CHECK_STREQ(text_of(outdir, "ro"), "hello\nrefused\n");
	pathf(p, sizeof(p), "%s/new", rodir);
	CHECK(access(p, F_OK) == -1);
}

static void
test_exec_errors(void)
{
	CHECK(exited(&res[J_NOPE], 127));
	CHECK_STREQ(res[J_NOPE].msg,
	    "127 exec '/bin/nope': No such file or directory");
	CHECK(exited(&res[J_NOPE_PATH], 127));
	CHECK_STREQ(res[J_NOPE_PATH].msg,
	    "127 exec 'nope': No such file or directory");
	CHECK(exited(&res[J_NOEXEC], 126));
	CHECK_STREQ(res[J_NOEXEC].msg,
	    "126 exec '/bin/noexec': Permission denied");
	CHECK(exited(&res[J_NOEXEC_PATH], 126));
	CHECK_STREQ(res[J_NOEXEC_PATH].msg,
	    "126 exec 'noexec': Permission denied");
}

static void
test_memory_limit(void)
{
	CHECK(res[J_HOG].status != -1 && WIFSIGNALED(res[J_HOG].status) &&
	    WTERMSIG(res[J_HOG].status) == SIGKILL);
}

/*
 * A hostile image's device node, or one a root app makes in its root,
 * /dev or a volume, opens nothing: every filesystem it sees is nodev
 * (there is no device cgroup on v2 without BPF).  The bound /dev nodes
 * still work.
 */
static void
test_nodev(void)
{
	CHECK(exited(&res[J_NODEV], 0));
	CHECK_STREQ(text_of(outdir, "nodev"),
	    "refused\nrefused\nrefused\nok\n");
}

/*
 * Each app runs in a mount namespace of its own whose root is its own
 * root (pivot_root, not only chroot): a root app that escapes a chroot
 * with CAP_SYS_CHROOT finds the same root, not the pod directory.
 */
static void
test_app_mount_ns(void)
{
	char p[64], l[64];
	ssize_t n;

	CHECK(exited(&res[J_MNTNS], 0));
	CHECK(main_ok);
	if (!main_ok)
		return;
	pathf(p, sizeof(p), "/proc/%ld/ns/mnt", (long)main_pod.pid);
	n = readlink(p, l, sizeof(l) - 1);
	CHECK(n > 0);
	l[n > 0 ? n : 0] = '\0';
	CHECK(strncmp(line_of(outdir, "mntns"), "mnt:[", 5) == 0);
	CHECK(strcmp(line_of(outdir, "mntns"), l) != 0);
	CHECK(strstr(text_of(outdir, "rootls"), "bin\n") != NULL);
	/* The supervisor's ignored SIGPIPE is not the app's (sh's own). */
	CHECK(strncmp(line_of(outdir, "sigign"), "SigIgn:\t", 8) == 0);
	CHECK((strtoull(line_of(outdir, "sigign") + 8, NULL, 16) &
	    (1ULL << (SIGPIPE - 1))) == 0);
}

/* Duplicated names: one entry each, the later value. */
static void
test_env_dup(void)
{
	CHECK(exited(&res[J_ENV], 0));
	CHECK_STREQ(line_of(outdir, "xn"), "1");
	CHECK_STREQ(line_of(outdir, "x"), "2");
}

static void
test_enter(void)
{
	struct error e = ERROR_INIT;
	struct sbx_proc proc = { 0, a_enter, env_std, "root", NULL, NULL, 0,
	    "/", false, -1, NULL, false };
	uint64_t t1 = 0, t2 = 0;
	char p[PATH_MAX];
	int errp[2], fd, status = -1;
	pid_t pid, child;

	CHECK(main_ok);
	if (!main_ok)
		return;
	pathf(p, sizeof(p), "%s/enter-fds", outdir);
	if ((pid = fork()) == 0) {
		/* Opened on the host, the app's stdout. */
		if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644)) == -1)
			_exit(2);
		if (sbx_enter(&pod, main_pod.pid, &e) == -1) {
			(void)printf("# sbx_enter: %s\n", e.msg);
			_exit(2);
		}
		if (pipe2(errp, O_CLOEXEC) == -1)
			_exit(2);
		if ((child = fork()) == 0) {
			if (dup2(fd, 1) == -1)
				_exit(2);
			sbx_exec_app(&pod, &proc, errp[1]);
		}
		while (waitpid(child, &status, 0) == -1 && errno == EINTR)
			;
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 3);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STREQ(line_of(outdir, "enter-host"), "berth-test");
	CHECK_STREQ(line_of(outdir, "enter-comm"), "test_sbx");
	CHECK_STREQ(line_of(outdir, "enter-pidns"), "same");
	/* sh's own descriptors (not ls's, which has its directory open). */
	CHECK_STREQ(text_of(outdir, "enter-fds"), "0\n1\n2\n");

	/* Our own pid is not the pod's supervisor. */
	if ((pid = fork()) == 0)
		_exit(sbx_enter(&pod, getppid(), &e) == -1 &&
		    e.exit == EX_NOINPUT ? 0 : 1);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	CHECK(sbx_proc_start_time(main_pod.pid, &t1) == 0);
	CHECK(sbx_proc_start_time(main_pod.pid, &t2) == 0);
	CHECK(t1 > 0 && t1 == t2);
}

static void
test_teardown(void)
{
	struct error e = ERROR_INIT;
	uint64_t t;
	int status;

	if (main_pod.pid <= 0)
		return;
	status = stop_pod(&main_pod);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	errno = 0;
	CHECK(sbx_proc_start_time(main_pod.pid, &t) == -1 && errno == ESRCH);
	CHECK(cg_exists(MEMCG, uuid));
	CHECK(sbx_teardown(&pod, &e) == 0);
	CHECK(!cg_exists(MEMCG, uuid));
	CHECK(!cg_exists(CPUCG, uuid));
	CHECK(!cg_exists(PIDSCG, uuid));
	/* Idempotent. */
	CHECK(sbx_teardown(&pod, &e) == 0);
	/* The overlay is gone with the pod's mount namespace. */
	CHECK(access(rootfs, F_OK) == 0);
	{
		char p[PATH_MAX];

		pathf(p, sizeof(p), "%s/bin/busybox", rootfs);
		CHECK(access(p, F_OK) == -1);
		pathf(p, sizeof(p), "%s/work/dir", upper);
		CHECK(access(p, F_OK) == 0);
	}
}

/*
 * Images whose /proc, /dev and a volume mount point are symlinks out of
 * the root, absolute and relative: the mounts must land inside the root,
 * and the host directory they name must stay untouched.
 */
static void
test_symlink_escape(void)
{
	static char *const a_abs[] = { "sh", "-c", "test -r /proc/self/status"
	    " && test -c /dev/null && echo ok > /vol/abs; "
	    "ls -l /proc/self/ns/net > /vol/netns", NULL };
	static char *const a_rel[] = { "sh", "-c", "test -r /proc/self/status"
	    " && test -c /dev/null && echo ok > /vol/rel", NULL };
	static const char *names[3] = { "proc", "dev", "vol" };
	struct error e = ERROR_INIT;
	struct sbx_mount v[2];
	struct sbx_app apps[2];
	struct sbx_pod p2;
	struct job j[2];
	struct result r[2];
	struct running run;
	struct dirent *de;
	char dir[PATH_MAX], roots[2][PATH_MAX], out2[PATH_MAX],
	    sentinel[PATH_MAX], p[PATH_MAX], l[PATH_MAX], u2[64],
	    netns[PATH_MAX], cmd[PATH_MAX + 64], want[64];
	struct stat st;
	DIR *d;
	size_t i, k;
	int n = 0;

	pathf(dir, sizeof(dir), "%s/pod2", top);
	pathf(roots[0], sizeof(roots[0]), "%s/pod2/apps/abs/rootfs", top);
	pathf(roots[1], sizeof(roots[1]), "%s/pod2/apps/rel/rootfs", top);
	pathf(out2, sizeof(out2), "%s/out2", top);
	pathf(sentinel, sizeof(sentinel), "%s/sentinel", top);
	pathf(u2, sizeof(u2), "test-sbx2-%ld", (long)getpid());
	CHECK(mkdir(out2, 0755) == 0 && mkdir(sentinel, 0755) == 0);
	pathf(p, sizeof(p), "%s/marker", sentinel);
	CHECK(put_file(p, "host\n", 0644) == 0);
	for (i = 0; i < 2; i++) {
		CHECK(make_image(roots[i], false) == 0);
		for (k = 0; k < 3; k++) {
			if (i == 0)
				pathf(l, sizeof(l), "%s/%s", sentinel,
				    names[k]);
			else
				pathf(l, sizeof(l),
				    "../../../../sentinel/%s", names[k]);
			pathf(p, sizeof(p), "%s/%s", roots[i],
			    names[k]);
			CHECK(symlink(l, p) == 0);
		}
		v[i] = (struct sbx_mount){ out2, "/vol", false };
		apps[i] = (struct sbx_app){ i == 0 ? "abs" : "rel", roots[i],
		    NULL, 0, NULL, NULL, &v[i], 1, 0, 0, 0 };
		j[i] = (struct job){ "escape", { i, i == 0 ? a_abs : a_rel,
		    env_std, "root", NULL, NULL, 0, "/", false, -1, NULL, false } };
	}
	/* This pod also joins a network namespace made beforehand. */
	pathf(netns, sizeof(netns), "%s/netns", top);
	pathf(cmd, sizeof(cmd), "unshare --net='%s' true", netns);
	CHECK(put_file(netns, "", 0644) == 0 && system(cmd) == 0);
	CHECK(stat(netns, &st) == 0);
	pathf(want, sizeof(want), "net:[%lu]", (unsigned long)st.st_ino);
	p2 = (struct sbx_pod){ .uuid = u2, .dir = dir, .hostname = "escape",
	    .apps = apps, .napps = 2, .netns = netns };
	start_pod(&p2, j, 2, &run, &e);
	if (run.pid == -1)
		(void)printf("# sbx_start: %s: %s\n", e.msg,
		    strerror(e.errnum));
	CHECK(run.pid > 0);
	if (run.pid > 0) {
		CHECK(read_results(&run, r, 2));
		CHECK(exited(&r[0], 0));
		CHECK(exited(&r[1], 0));
		(void)stop_pod(&run);
		CHECK(sbx_teardown(&p2, &e) == 0);
	}
	CHECK_STREQ(line_of(out2, "abs"), "ok");
	CHECK_STREQ(line_of(out2, "rel"), "ok");
	CHECK(strstr(line_of(out2, "netns"), want) != NULL);
	pathf(cmd, sizeof(cmd), "umount '%s'", netns);
	CHECK(system(cmd) == 0);
	/* Made inside the roots, where the links lead there. */
	pathf(p, sizeof(p), "%s%s/proc", roots[0], sentinel);
	CHECK(access(p, F_OK) == 0);
	pathf(p, sizeof(p), "%s/sentinel/dev", roots[1]);
	CHECK(access(p, F_OK) == 0);
	if ((d = opendir(sentinel)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.') {
				n++;
				CHECK_STREQ(de->d_name, "marker");
			}
		(void)closedir(d);
	}
	CHECK(n == 1);
}

/* A failed setup is reported by sbx_start() and leaves no cgroup. */
/*
 * cgroup_fork() (clone3 with CLONE_INTO_CGROUP, what pods use on a cgroup
 * v2 host): the child starts in the group, and is a process like any
 * other, which forks and runs programs.  On this host's unified (v2)
 * hierarchy where there is one, which no controller needs.
 */
static void
test_cgroup_fork(void)
{
	char g[PATH_MAX], line[PATH_MAX], want[PATH_MAX];
	FILE *f;
	pid_t pid, c;
	int fd, st = -1;

	if (access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0)
		pathf(g, sizeof(g), "/sys/fs/cgroup/unified/berth-test-%ld",
		    (long)getpid());
	else if (access("/sys/fs/cgroup/cgroup.procs", F_OK) == 0)
		pathf(g, sizeof(g), "/sys/fs/cgroup/berth-test-%ld",
		    (long)getpid());
	else {
		(void)printf("# no cgroup v2 hierarchy: skipped\n");
		return;
	}
	CHECK(mkdir(g, 0755) == 0);
	CHECK((fd = open(g, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0);
	pathf(want, sizeof(want), "0::/%s", strrchr(g, '/') + 1);
	(void)fflush(stdout);
	if ((pid = cgroup_fork(fd)) == 0) {
		if ((f = fopen("/proc/self/cgroup", "r")) == NULL)
			_exit(2);
		st = 3;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, want, strlen(want)) == 0 &&
			    line[strlen(want)] == '\n')
				st = 0;
		(void)fclose(f);
		if (st != 0)
			_exit(st);
		if ((c = fork()) == 0) {
			(void)execl("/bin/sh", "sh", "-c", "exit 7", NULL);
			_exit(127);
		}
		if (c == -1 || waitpid(c, &st, 0) != c || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 7)
			_exit(4);
		_exit(0);
	}
	if (pid == -1 && (errno == ENOSYS || errno == E2BIG))
		(void)printf("# no clone3 here: skipped\n");
	else {
		CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	if (fd >= 0)
		(void)close(fd);
	CHECK(rmdir(g) == 0);
}

static void
test_start_fails(void)
{
	static const char *many[300];
	struct error e = ERROR_INIT;
	struct sbx_mount v = { "/nonexistent/berth-test", "/x", false };
	struct sbx_app a;
	struct sbx_pod p3;
	char u3[64];
	size_t i;
	pid_t pid;

	pathf(u3, sizeof(u3), "test-sbx3-%ld", (long)getpid());
	a = (struct sbx_app){ "a", rootfs, NULL, 0, NULL, NULL, &v, 1, 0, 0,
	    0 };
	p3 = (struct sbx_pod){ .uuid = u3, .dir = pod_dir, .apps = &a,
	    .napps = 1, .memory = 1 << 24 };
	pid = sbx_start(&p3, &e);
	if (pid == 0)
		_exit(0);
	CHECK(pid == -1);
	CHECK(e.exit == EX_NOINPUT);
	CHECK(strstr(e.msg, "/nonexistent/berth-test") != NULL);
	CHECK(!cg_exists(MEMCG, u3));

	/* More lowerdirs than a page of mount options holds. */
	for (i = 0; i < 300; i++)
		many[i] = lower;
	a = (struct sbx_app){ "a", rootfs, many, 300, upper, work, NULL, 0, 0,
	    0, 0 };
	error_clear(&e);
	pid = sbx_start(&p3, &e);
	if (pid == 0)
		_exit(0);
	CHECK(pid == -1);
	CHECK(e.exit == EX_DATAERR);
	CHECK(strstr(e.msg, "mount options") != NULL);
	CHECK(!cg_exists(MEMCG, u3));

	/* An app root outside the pod directory is refused up front. */
	a = (struct sbx_app){ "a", "/tmp", NULL, 0, NULL, NULL, NULL, 0, 0, 0,
	    0 };
	error_clear(&e);
	CHECK(sbx_start(&p3, &e) == -1 && e.exit == EX_DATAERR);
}

/*
 * sbx_exec_close_fds_but(): what FreeBSD's sbx_exec_app() keeps across
 * jail_attach(2) (the error pipe and the pty socket) stays, everything
 * else above 2 goes, whatever the order of the kept descriptors.
 */
static void
test_close_fds_but(void)
{
	int fds[6], keep[3], i, status = -1;
	pid_t pid;

	for (i = 0; i < 6; i++)
		CHECK((fds[i] = open("/dev/null", O_RDONLY)) > 2);
	keep[0] = fds[4];
	keep[1] = -1;
	keep[2] = fds[1];
	if ((pid = fork()) == 0) {
		int bad = 0;

		sbx_exec_close_fds_but(keep, 3);
		for (i = 0; i < 6; i++)
			if ((fcntl(fds[i], F_GETFD) != -1) !=
			    (i == 1 || i == 4))
				bad |= 1 << i;
		if (fcntl(0, F_GETFD) == -1 || fcntl(2, F_GETFD) == -1)
			bad |= 1 << 6;
		_exit(bad);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if ((pid = fork()) == 0) {
		sbx_exec_close_fds_but(NULL, 0);
		for (i = 0; i < 6; i++)
			if (fcntl(fds[i], F_GETFD) != -1)
				_exit(1);
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (i = 0; i < 6; i++)
		(void)close(fds[i]);
}

int
main(void)
{
	struct error e = ERROR_INIT;
	const char *tmp;

	/* tests/run counts exit 77 without a TAP line as a skip. */
	if (strcmp(os_name(), "linux") != 0) {
		(void)printf("1..0 # SKIP the Linux sandbox\n");
		return (77);
	}
	if (geteuid() != 0) {
		(void)printf("1..0 # SKIP not root\n");
		return (77);
	}
	if (access("/bin/busybox", X_OK) == -1) {
		(void)printf("1..0 # SKIP no /bin/busybox\n");
		return (77);
	}
	tmp = getenv("TMPDIR");
	pathf(top, sizeof(top), "%s/test_sbx.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(top) == NULL || chmod(top, 0755) == -1) {
		perror("mkdtemp");
		return (1);
	}
	TEST(test_close_fds_but);
	TEST(test_start);
	TEST(test_cgroup_limits);
	TEST(test_pid_namespace);
	TEST(test_hostname);
	TEST(test_proc_dev_sys);
	TEST(test_caps_nnp);
	TEST(test_fds_closed);
	TEST(test_user);
	TEST(test_readonly_volume);
	TEST(test_exec_errors);
	TEST(test_memory_limit);
	TEST(test_nodev);
	TEST(test_app_mount_ns);
	TEST(test_env_dup);
	TEST(test_enter);
	TEST(test_teardown);
	TEST(test_symlink_escape);
	TEST(test_start_fails);
	TEST(test_cgroup_fork);
	if (main_pod.pid > 0 && kill(main_pod.pid, 0) == 0) {
		(void)kill(main_pod.pid, SIGKILL);
		(void)stop_pod(&main_pod);
		(void)sbx_teardown(&pod, &e);
	}
	if (rm_rf_at(AT_FDCWD, top, &e) == -1)
		(void)printf("# cleanup '%s': %s\n", top, e.msg);
	return (unit_done());
}
