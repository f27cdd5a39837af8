/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Pod cgroups on Linux (cgroup_linux.h).  Hosts come in three shapes: a
 * pure cgroup2 /sys/fs/cgroup, a v1 (or "hybrid") layout with one mount
 * per controller and a controller-less cgroup2 at /sys/fs/cgroup/unified,
 * and containers without any cgroup access.  The shape is looked at on
 * every call rather than cached, as common/ keeps no globals.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/sched.h>

#include "common/error.h"
#include "common/log.h"
#include "common/platform/linux/cgroup_linux.h"

#define	CG_ROOT		"/sys/fs/cgroup"
#define	CG_PARENT	"berth"
#define	CG_MAXHIER	4
/* cgroup.procs and the limit files are tiny; this bounds what we read. */
#define	CG_BUFSZ	1024

enum cg_mode {
	CG_NONE,
	CG_V1,
	CG_V2
};

struct cg_layout {
	enum cg_mode	mode;
	size_t		nhier;
	char		hier[CG_MAXHIER][PATH_MAX];	/* mount points */
	const char	*name[CG_MAXHIER];	/* v1: its first v1_names */
};

/* The v1 hierarchies a pod lives in: the three we limit, and cpuacct. */
static const char *const v1_names[CG_MAXHIER] = {
	"memory", "cpu", "cpuacct", "pids"
};
/* The v2 controllers we would use, as cgroup.controllers names them. */
static const char *const v2_names[] = { "memory", "cpu", "pids" };

static bool
is_fs(const char *path, unsigned long magic)
{
	struct statfs sf;

	return (statfs(path, &sf) == 0 && (unsigned long)sf.f_type == magic);
}

/* Read a small file into buf (NUL-terminated); -1 with errno on failure. */
static int
read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	size_t off = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	while (off < len - 1) {
		n = read(fd, buf + off, len - 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	(void)close(fd);
	return (0);
}

/* Whether the space-separated list has word. */
static bool
has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[len] == '\0' || p[len] == ' ' || p[len] == '\n'))
			return (true);
		p += len;
	}
	return (false);
}

static void
cg_detect(struct cg_layout *l)
{
	char buf[CG_BUFSZ], path[PATH_MAX], real[CG_MAXHIER][PATH_MAX];
	size_t i, j;

	(void)memset(l, 0, sizeof(*l));
	if (is_fs(CG_ROOT, CGROUP2_SUPER_MAGIC)) {
		if (read_small(CG_ROOT "/cgroup.controllers", buf,
		    sizeof(buf)) == -1)
			return;
		for (i = 0; i < sizeof(v2_names) / sizeof(v2_names[0]); i++)
			if (has_word(buf, v2_names[i]))
				break;
		if (i == sizeof(v2_names) / sizeof(v2_names[0]))
			return;
		l->mode = CG_V2;
		l->nhier = 1;
		(void)snprintf(l->hier[0], sizeof(l->hier[0]), "%s", CG_ROOT);
		return;
	}
	for (i = 0; i < CG_MAXHIER; i++) {
		(void)snprintf(path, sizeof(path), CG_ROOT "/%s", v1_names[i]);
		if (!is_fs(path, CGROUP_SUPER_MAGIC))
			continue;
		/* Co-mounted controllers ("cpu,cpuacct") are one hierarchy. */
		if (realpath(path, real[l->nhier]) == NULL)
			continue;
		for (j = 0; j < l->nhier; j++)
			if (strcmp(real[j], real[l->nhier]) == 0)
				break;
		if (j < l->nhier)
			continue;
		(void)snprintf(l->hier[l->nhier], sizeof(l->hier[0]), "%s",
		    path);
		l->name[l->nhier] = v1_names[i];
		l->nhier++;
	}
	if (l->nhier > 0)
		l->mode = CG_V1;
}

static int
group_path(char *buf, size_t len, const char *hier, const char *uuid,
    struct error *ep)
{
	int n;

	if (uuid[0] == '\0' || strchr(uuid, '/') != NULL ||
	    strcmp(uuid, ".") == 0 || strcmp(uuid, "..") == 0)
		return (error_set(ep, EX_SOFTWARE, 0,
		    "cgroup: bad pod uuid '%s'", uuid));
	n = snprintf(buf, len, "%s/" CG_PARENT "/%s", hier, uuid);
	if (n < 0 || (size_t)n >= len)
		return (error_set(ep, EX_SOFTWARE, ENAMETOOLONG,
		    "cgroup '%s/" CG_PARENT "/%s'", hier, uuid));
	return (0);
}

/* Whether dir/name exists: the controller of that file is available. */
static bool
has_file(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return (false);
	return (access(path, F_OK) == 0);
}

static int
write_file(const char *dir, const char *name, const char *value,
    struct error *ep)
{
	char path[PATH_MAX];
	size_t len = strlen(value);
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return (error_set(ep, EX_SOFTWARE, ENAMETOOLONG,
		    "cgroup file '%s/%s'", dir, name));
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return (error_set(ep, EX_OSERR, errno, "open '%s'", path));
	do
		n = write(fd, value, len);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)len) {
		error_set(ep, EX_OSERR, n == -1 ? errno : EIO,
		    "write '%s' to '%s'", value, path);
		(void)close(fd);
		return (-1);
	}
	if (close(fd) == -1)
		return (error_set(ep, EX_OSERR, errno, "write '%s' to '%s'",
		    value, path));
	return (0);
}

static int
make_dir(const char *path, struct error *ep)
{
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		return (error_set(ep, EX_OSERR, errno, "mkdir '%s'", path));
	return (0);
}

/* A limit as v2 and pids.max write it: the number, or "max" for none. */
static void
fmt_max(char *buf, size_t len, int64_t limit)
{
	if (limit > 0)
		(void)snprintf(buf, len, "%lld", (long long)limit);
	else
		(void)snprintf(buf, len, "max");
}

/* pids.max has the same form in v1 and v2. */
static int
limit_pids(const char *g, const struct cgroup_limits *lim, bool done[3],
    struct error *ep)
{
	char v[32];

	if (!has_file(g, "pids.max"))
		return (0);
	fmt_max(v, sizeof(v), lim->pids);
	if (write_file(g, "pids.max", v, ep) == -1)
		return (-1);
	done[2] = true;
	return (0);
}

/* Limits of a v1 group; *done records which kinds found their files. */
static int
limits_v1(const char *g, const struct cgroup_limits *lim, bool done[3],
    struct error *ep)
{
	char v[32];

	if (has_file(g, "memory.limit_in_bytes")) {
		/*
		 * memsw must stay >= the memory limit at every step: open it
		 * up first, then set both, so a reused group never refuses.
		 */
		if (has_file(g, "memory.memsw.limit_in_bytes") &&
		    write_file(g, "memory.memsw.limit_in_bytes", "-1",
		    ep) == -1)
			return (-1);
		(void)snprintf(v, sizeof(v), "%lld", lim->memory > 0 ?
		    (long long)lim->memory : -1LL);
		if (write_file(g, "memory.limit_in_bytes", v, ep) == -1)
			return (-1);
		if (has_file(g, "memory.memsw.limit_in_bytes") &&
		    write_file(g, "memory.memsw.limit_in_bytes", v, ep) == -1)
			return (-1);
		done[0] = true;
	}
	if (has_file(g, "cpu.cfs_quota_us")) {
		if (write_file(g, "cpu.cfs_period_us", "100000", ep) == -1)
			return (-1);
		(void)snprintf(v, sizeof(v), "%lld", lim->cpu_millis > 0 ?
		    (long long)lim->cpu_millis * 100 : -1LL);
		if (write_file(g, "cpu.cfs_quota_us", v, ep) == -1)
			return (-1);
		done[1] = true;
	}
	return (limit_pids(g, lim, done, ep));
}

static int
limits_v2(const char *g, const struct cgroup_limits *lim, bool done[3],
    struct error *ep)
{
	char v[64];

	if (has_file(g, "memory.max")) {
		fmt_max(v, sizeof(v), lim->memory);
		if (write_file(g, "memory.max", v, ep) == -1)
			return (-1);
		/* v2 counts swap apart: none beyond the memory limit. */
		if (has_file(g, "memory.swap.max") && write_file(g,
		    "memory.swap.max", lim->memory > 0 ? "0" : "max",
		    ep) == -1)
			return (-1);
		done[0] = true;
	}
	if (has_file(g, "cpu.max")) {
		if (lim->cpu_millis > 0)
			(void)snprintf(v, sizeof(v), "%lld 100000",
			    (long long)lim->cpu_millis * 100);
		else
			(void)snprintf(v, sizeof(v), "max 100000");
		if (write_file(g, "cpu.max", v, ep) == -1)
			return (-1);
		done[1] = true;
	}
	return (limit_pids(g, lim, done, ep));
}

/*
 * Let berth/ children use the controllers the root offers.  A controller
 * the kernel refuses to delegate (cpu with realtime tasks in the root)
 * only shows up as a missing limit file later, hence a warning, not an
 * error.
 */
static void
enable_v2(const char *dir)
{
	char buf[CG_BUFSZ], path[PATH_MAX], v[16];
	struct error e = ERROR_INIT;
	size_t i;

	(void)snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	if (read_small(path, buf, sizeof(buf)) == -1)
		return;
	for (i = 0; i < sizeof(v2_names) / sizeof(v2_names[0]); i++) {
		if (!has_word(buf, v2_names[i]))
			continue;
		(void)snprintf(v, sizeof(v), "+%s", v2_names[i]);
		if (write_file(dir, "cgroup.subtree_control", v, &e) == -1)
			log_debug("cgroup: %s: %s", e.msg, strerror(e.errnum));
	}
}

/* Whether the v1 hierarchy first found as name holds a wanted limit. */
static bool
v1_wanted(const char *name, const bool want[3])
{
	return ((want[0] && strcmp(name, "memory") == 0) ||
	    (want[1] && strcmp(name, "cpu") == 0) ||
	    (want[2] && strcmp(name, "pids") == 0));
}

int
cgroup_create(const char *uuid, const struct cgroup_limits *lim,
    struct error *ep)
{
	static const char *const kinds[3] = { "memory", "cpu", "pids" };
	char parent[PATH_MAX], g[PATH_MAX];
	struct cg_layout l;
	bool done[3] = { false, false, false };
	bool want[3];
	size_t i;

	want[0] = lim->memory > 0;
	want[1] = lim->cpu_millis > 0;
	want[2] = lim->pids > 0;
	/*
	 * A pod without limits gets no cgroup of its own: its processes
	 * stay where pod-exec runs.  Moving a task into a cgroup v1
	 * hierarchy waits for an RCU grace period (about 10 ms here),
	 * which would be most of the start time of a small pod.
	 */
	if (!want[0] && !want[1] && !want[2])
		return (0);
	cg_detect(&l);
	if (l.mode == CG_NONE) {
		if (want[0] || want[1] || want[2])
			log_warnx("no usable cgroups on this host: pod '%s' "
			    "runs without its resource limits", uuid);
		return (0);
	}
	for (i = 0; i < l.nhier; i++) {
		/*
		 * v1: only the hierarchies of the limits asked for.  Each
		 * move of a task into a v1 hierarchy waits for an RCU grace
		 * period (milliseconds), cpuacct alone counts nothing we
		 * read, and a pod with the default pids limit only needs
		 * that one.
		 */
		if (l.mode == CG_V1 && !v1_wanted(l.name[i], want))
			continue;
		(void)snprintf(parent, sizeof(parent), "%s/" CG_PARENT,
		    l.hier[i]);
		if (l.mode == CG_V2)
			enable_v2(l.hier[i]);
		if (make_dir(parent, ep) == -1)
			return (-1);
		if (l.mode == CG_V2)
			enable_v2(parent);
		if (group_path(g, sizeof(g), l.hier[i], uuid, ep) == -1 ||
		    make_dir(g, ep) == -1)
			return (-1);
		if ((l.mode == CG_V2 ? limits_v2(g, lim, done, ep) :
		    limits_v1(g, lim, done, ep)) == -1)
			return (error_wrap(ep, "cgroup '%s'", g));
	}
	for (i = 0; i < 3; i++)
		if (want[i] && !done[i])
			log_warnx("no %s cgroup controller on this host: "
			    "pod '%s' runs without its %s limit", kinds[i],
			    uuid, kinds[i]);
	return (0);
}

int
cgroup_v2_fd(const char *uuid)
{
	struct error e = ERROR_INIT;
	struct cg_layout l;
	char g[PATH_MAX];

	cg_detect(&l);
	if (l.mode != CG_V2 || group_path(g, sizeof(g), l.hier[0], uuid,
	    &e) == -1)
		return (-1);
	return (open(g, O_PATH | O_DIRECTORY | O_CLOEXEC));
}

pid_t
cgroup_fork(int cgfd)
{
	struct clone_args ca;

	(void)memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_INTO_CGROUP;
	ca.exit_signal = SIGCHLD;
	ca.cgroup = (uint64_t)cgfd;
	return ((pid_t)syscall(SYS_clone3, &ca, sizeof(ca)));
}

int
cgroup_join(const char *uuid, pid_t pid, struct error *ep)
{
	char g[PATH_MAX], v[32];
	struct cg_layout l;
	size_t i;

	cg_detect(&l);
	if (l.mode == CG_NONE)
		return (0);
	(void)snprintf(v, sizeof(v), "%ld", (long)(pid == 0 ? getpid() : pid));
	for (i = 0; i < l.nhier; i++) {
		if (group_path(g, sizeof(g), l.hier[i], uuid, ep) == -1)
			return (-1);
		if (access(g, F_OK) == -1)
			continue;
		if (write_file(g, "cgroup.procs", v, ep) == -1)
			return (error_wrap(ep, "join cgroup"));
	}
	return (0);
}

int
cgroup_remove(const char *uuid, struct error *ep)
{
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	char g[PATH_MAX];
	struct cg_layout l;
	size_t i;
	int tries;

	cg_detect(&l);
	for (i = 0; i < l.nhier; i++) {
		if (group_path(g, sizeof(g), l.hier[i], uuid, ep) == -1)
			return (-1);
		/*
		 * The last processes of a killed PID namespace leave their
		 * cgroup a moment after the supervisor was reaped.
		 */
		for (tries = 0; rmdir(g) == -1; tries++) {
			if (errno == ENOENT)
				break;
			if (errno != EBUSY)
				return (error_set(ep, EX_OSERR, errno,
				    "remove cgroup '%s'", g));
			if (tries == 50)
				return (error_set(ep, EX_TEMPFAIL, errno,
				    "remove cgroup '%s'", g));
			(void)nanosleep(&pause, NULL);
		}
	}
	return (0);
}
