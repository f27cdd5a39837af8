/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The cgroups of a pod (internal to the Linux sandbox, sbx_linux.c): one
 * group "berth/<uuid>" at the root of each hierarchy we use.  cgroup v2
 * when /sys/fs/cgroup is a cgroup2 mount offering memory, cpu or pids in
 * its cgroup.controllers; otherwise the v1 hierarchies mounted at
 * /sys/fs/cgroup/{memory,cpu,cpuacct,pids}; otherwise none, and a limit
 * asked for is only warned about (log_warnx).
 */
#ifndef COMMON_PLATFORM_LINUX_CGROUP_LINUX_H
#define COMMON_PLATFORM_LINUX_CGROUP_LINUX_H

#include <sys/types.h>

#include <stdint.h>

struct error;

struct cgroup_limits {
	int64_t	memory;		/* bytes; 0: no limit */
	int64_t	cpu_millis;	/* thousandths of a CPU; 0: no limit */
	int64_t	pids;		/* 0: no limit */
};

/*
 * Nothing when no limit is set: such a pod has no cgroup of its own.
 * Otherwise create (or reuse) berth/<uuid> in the v2 hierarchy, or in
 * each v1 hierarchy of a limit asked for (memory, cpu, pids), and write
 * the limits; a limit of 0 writes "unlimited", so a reused group gets
 * exactly these.
 * v1 memory also limits memory+swap to the same where the host accounts
 * swap (memory.memsw.limit_in_bytes), v2 sets memory.swap.max to 0.
 * EX_OSERR on failure, with the groups made so far left for
 * cgroup_remove().
 */
int	cgroup_create(const char *, const struct cgroup_limits *,
	    struct error *);

/*
 * An O_PATH descriptor of berth/<uuid> on a cgroup v2 host, for
 * cgroup_fork(); -1 on a v1 host or one without cgroups, or if the pod
 * has no group.
 */
int	cgroup_v2_fd(const char *);

/*
 * fork(2) into the cgroup of the v2 group descriptor cgfd (clone3 with
 * CLONE_INTO_CGROUP, Linux 5.7): the child starts there, with no move
 * and no wait, and the caller need not cgroup_join() it.  -1 with errno
 * ENOSYS, E2BIG or EINVAL where the kernel cannot: fork() and join
 * instead.  glibc's idea of the thread id stays the parent's in the
 * child, so the child must not signal "itself" through pthread_kill(3)
 * or raise(3); the rest of a single-threaded process, fork(2) included,
 * works as after fork(2).
 */
pid_t	cgroup_fork(int);

/*
 * Move process pid (0: the caller) into berth/<uuid> in every hierarchy
 * where that group exists (none for a pod without limits).  EX_OSERR if
 * a write fails.
 */
int	cgroup_join(const char *, pid_t, struct error *);

/*
 * Remove berth/<uuid> from every hierarchy, retrying for about a second
 * while the kernel still counts exiting processes in it (EBUSY).  Missing
 * groups are fine, so it is idempotent.  EX_TEMPFAIL if a group stays
 * busy, EX_OSERR otherwise.
 */
int	cgroup_remove(const char *, struct error *);

#endif /* COMMON_PLATFORM_LINUX_CGROUP_LINUX_H */
