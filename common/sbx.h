/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The sandbox a pod runs in: the platform's part of pod-exec.  Each
 * platform implements all of it in common/platform/<os>/sbx_<os>.c.
 *
 * Linux: one set of namespaces per pod (mount, PID, UTS, IPC, network,
 * cgroup), pivot_root into the pod directory, and per app a mount
 * namespace of its own with pivot_root into its root (a chroot could be
 * left for the pod directory, and the other apps' roots, by a root app
 * with CAP_SYS_CHROOT); app roots, /dev and volumes are nodev; cgroups
 * (v2 where the host has controllers there, v1 otherwise, none with a
 * warning) for limits.  FreeBSD: one vnet jail per pod ("berth-<uuid>")
 * and in it one child jail per app ("berth-<uuid>.<app>") whose path is
 * the app's root (a chroot could be left by root in the app, as above),
 * nullfs/devfs mounts made on the host before the jails exist,
 * jail_attach into the app's jail; rctl rules per app jail for limits.
 * Sibling jails do not see each other's processes (prison_check()): on
 * FreeBSD the apps of a pod share its network, hostname and IPC, not
 * their PIDs.
 *
 * The process model is the same on both:
 *
 *   pod-exec (the monitor, in the host)
 *     sbx_start(): like fork(2), returns twice; the child is the
 *     supervisor.  Linux: PID 1 of the pod's new PID namespace, already
 *     in the pod's cgroups and namespaces, with "/" the pod directory.
 *     FreeBSD: a reaper (procctl PROC_REAP_ACQUIRE) for the jail's
 *     processes; the jail exists.
 *       The supervisor forks one child per app; each child calls
 *       sbx_exec_app().  The supervisor reaps every process, including
 *       orphans, and reports to the monitor (pod-exec's business).
 *     sbx_teardown() once the supervisor is gone.
 *
 *   pod-exec -e: sbx_enter() joins the running pod; the caller forks and
 *   the child calls sbx_exec_app().
 *
 * Inside the sandbox an app's root is "/apps/<name>/rootfs" on Linux,
 * where the pod directory is the root after pivot_root; on FreeBSD it is
 * the path of the app's own jail.
 *
 * Every mount target (volumes, /proc, /dev and what is under them) is
 * resolved inside the app's root without following a symlink out of it,
 * created there if missing (directories 0755, files 0644, owned by root),
 * and mounted through the resolved descriptor (Linux: /proc/self/fd/N),
 * never through a path that could be swapped (the runc CVE-2021-30465,
 * CVE-2024-45310 and CVE-2025-31133 class).
 */
#ifndef COMMON_SBX_H
#define COMMON_SBX_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct error;
struct sysfilter;

struct sbx_mount {
	const char	*source;	/* absolute host path */
	const char	*target;	/* absolute path in the app's root */
	bool		 readonly;	/* enforced: remounted read-only */
};

struct sbx_app {
	const char	*name;
	const char	*rootfs;	/* absolute host path of its root */
	/*
	 * overlay: lowerdirs (top first, absolute), upper and work are
	 * mounted as an overlay on rootfs by sbx_start() (Linux: in the
	 * pod's mount namespace, so it goes away with the pod).  NULL /
	 * 0 for the other drivers.
	 */
	const char *const *lowerdirs;
	size_t		 nlowerdirs;
	const char	*upper;
	const char	*work;
	const struct sbx_mount *mounts;	/* volumes */
	size_t		 nmounts;
	/*
	 * FreeBSD: the app's own limits (0: none; then the pod's apply to
	 * it alone), for the rctl rules of its jail.  rctl counts a child
	 * jail's use in its parent's racct but enforces only the rules of
	 * the process's own jail, so the pod's jail cannot carry them.
	 */
	int64_t		 memory;
	int64_t		 cpu_millis;
	int64_t		 pids;
};

struct sbx_pod {
	const char	*uuid;
	const char	*dir;		/* absolute host path of pods/<uuid> */
	const char	*hostname;
	const struct sbx_app *apps;
	size_t		 napps;
	int64_t		 memory;	/* bytes; 0: no limit */
	int64_t		 cpu_millis;	/* 0: no limit */
	int64_t		 pids;		/* 0: no limit */
	/*
	 * Linux: path of a network namespace to join (net-attach made
	 * it), or NULL for a new one with only "lo", up.
	 */
	const char	*netns;
	/* FreeBSD: the images' io.berth.devfs rules (common/jailspec.h). */
	const char *const *devfs_rules;
	size_t		 ndevfs_rules;
	/* FreeBSD: the host's additions to the safe set (devfs_unhide). */
	const char *const *devfs_unhide;
	size_t		 ndevfs_unhide;
	bool		 linux_abi;	/* an app's image has os "linux" */
};

/* One process to run in an app's root. */
struct sbx_proc {
	size_t		 app;		/* index into pod->apps */
	/*
	 * argv[0] without a '/' is looked up in the PATH of env (default
	 * "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	 * inside the app's root.
	 */
	char *const	*argv;
	char *const	*env;		/* NULL-terminated "K=V" */
	const char	*user;		/* name or decimal uid */
	const char	*group;		/* name, decimal gid, or NULL */
	const gid_t	*supp_gids;	/* added to the user's groups */
	size_t		 nsupp_gids;
	const char	*cwd;		/* absolute, created if missing */
	bool		 tty;		/* fd 0 is a terminal to control */
	/*
	 * With tty, if > 2: a connected unix stream socket (O_CLOEXEC).
	 * sbx_exec_app() then makes the terminal itself, from the app's own
	 * pty device (Linux: the app's /dev/ptmx, its devpts instance;
	 * FreeBSD: posix_openpt(2) in the jail), so that ttyname(3) works
	 * in the app: before the setsid it reads one struct winsize from
	 * the socket (applied unless 0 x 0; EOF: none), makes the slave its
	 * 0, 1 and 2 (owned by the app's user) and sends the master on the
	 * socket as one byte with SCM_RIGHTS.  The fds given for 0-2 are
	 * replaced.  0 (or less): fd 0 is already the terminal.
	 */
	int		 tty_sock;
	/*
	 * The system call filter (Linux; NULL: none), loaded last before
	 * the exec under no_new_privs, or before the capabilities are given
	 * up with new_privs (then it must let through what follows: a
	 * deny-list).
	 */
	const struct sysfilter *filter;
	bool		 new_privs;	/* no no_new_privs (Linux, FreeBSD) */
};

/*
 * Create the pod's sandbox and fork its supervisor.  Returns the
 * supervisor's pid (> 0) in the caller, 0 in the supervisor, -1 in the
 * caller with everything undone if the sandbox could not be made.  It
 * returns in the caller only once the supervisor's side is set up (or has
 * failed and reported why), so a failure is always reported here.
 *
 * Set up, Linux: cgroups berth/<uuid> with the limits (v2 or v1: memory
 * limit, swap limited to the same when the host accounts swap; cpu quota;
 * pids.max), the supervisor placed in them before it makes its cgroup
 * namespace; namespaces; mounts made private; for each app its overlay,
 * then beneath its root: /proc (proc of the pod's PID namespace, with
 * /proc/{acpi,kcore,keys,latency_stats,timer_list,timer_stats,
 * sched_debug,scsi} masked and /proc/{asound,bus,fs,irq,sys,sysrq-trigger}
 * read-only), /dev (tmpfs: null zero full random urandom tty bound from
 * the host's, a new devpts instance at /dev/pts with /dev/ptmx, a tmpfs
 * /dev/shm, fd stdin stdout stderr symlinks), /sys read-only if the image
 * has that directory, its volumes; pivot_root into pod->dir; hostname.
 * FreeBSD: for each app devfs with the generated ruleset, under linux_abi
 * linprocfs, linsysfs, fdescfs on /dev/fd and tmpfs on /dev/shm (and
 * linux64.ko loaded if it is not), nullfs volumes; the pod's vnet jail
 * with lo0 up; a child jail per app; rctl rules per app jail.
 *
 * The supervisor inherits the caller's descriptors; it runs with every
 * signal's disposition the caller had.  Error classes: EX_UNAVAILABLE
 * (no namespaces / jails here), EX_NOPERM (not root), EX_OSERR,
 * EX_DATAERR (a mount target escapes, a devfs rule is refused).
 */
pid_t	sbx_start(const struct sbx_pod *, struct error *);

/*
 * In a child of the supervisor, or of the caller of sbx_enter(): run
 * proc in its app's root.  In order: open the root; resolve user, group
 * and supplementary groups from its etc/passwd and etc/group, read beneath
 * it (common/passwd.h); set HOME from the user's entry when env has none;
 * (FreeBSD) close every descriptor but 0-2, errfd and tty_sock (the
 * kernel refuses jail_attach while a directory is open), jail_attach into
 * the app's jail and check "/" is the root opened before; (Linux) a mount
 * namespace of its own and pivot_root into the root; rlimits
 * (RLIMIT_NOFILE 1048576 or the host's hard limit, RLIMIT_CORE 0);
 * (Linux) bounding and effective sets reduced to the default set (CHOWN
 * DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP
 * NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE), no_new_privs; cwd made,
 * opened beneath the root and entered by descriptor (sbx_exec_chdir());
 * setsid and TIOCSCTTY if proc->tty; setgroups, setgid, setuid (a root
 * user keeps the default set, others none); every descriptor above 2
 * closed; the system call filter; every signal's disposition reset to
 * the default and the mask cleared; env with one entry per name (a later
 * one replaces an earlier one in place); execve.  The process is not
 * dumpable until the exec.
 *
 * Never returns.  On failure it writes one line "N message\n" to errfd
 * (an O_CLOEXEC pipe, so a successful exec closes it silently) and
 * _exit(N): N is 127 if argv[0] was not found, 126 if it could not be
 * executed, else the EX_* class of the runtime failure (EX_CONFIG for an
 * unknown user).  message is like "exec '/bin/nope': No such file or
 * directory".
 */
_Noreturn void	sbx_exec_app(const struct sbx_pod *, const struct sbx_proc *,
		    int);

/*
 * Join the running pod whose supervisor is pid (host view).  Linux:
 * setns() into its cgroup, IPC, UTS, network, PID (for the caller's
 * children) and mount namespaces (then "/" is the pod directory) and
 * into its cgroups.  FreeBSD: checks the jail exists (sbx_exec_app()
 * attaches).  The caller then forks; the child calls sbx_exec_app().
 * EX_NOINPUT if the pod is not running, EX_OSERR otherwise.
 */
int	sbx_enter(const struct sbx_pod *, pid_t, struct error *);

/*
 * Remove what sbx_start() made that outlives the supervisor: Linux, the
 * cgroups (their processes are gone with the PID namespace); FreeBSD, the
 * jails (jail_remove of the pod's removes the apps'), rctl rules and
 * every mount strictly below an app's root (the root itself may be the
 * app's ZFS dataset, which pod-render mounted).
 * Idempotent, found by uuid: also cleans up after a killed pod-exec.
 */
int	sbx_teardown(const struct sbx_pod *, struct error *);

/*
 * An opaque number that tells processes apart that had the same pid:
 * Linux, starttime of /proc/<pid>/stat; FreeBSD, ki_start.  -1 with
 * errno ESRCH if there is no such process.
 */
int	sbx_proc_start_time(pid_t, uint64_t *);

#endif /* COMMON_SBX_H */
