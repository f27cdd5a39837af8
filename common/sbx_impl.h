/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal to the sandbox (common/sbx.h): the steps that are the same on
 * every platform, shared by common/platform/<os>/sbx_<os>.c and
 * implemented in common/sbx_exec.c.  Nothing else includes this header.
 */
#ifndef COMMON_SBX_IMPL_H
#define COMMON_SBX_IMPL_H

#include <sys/types.h>

#include <stddef.h>

#include "common/passwd.h"

struct error;
struct sbx_app;
struct sbx_pod;
struct sbx_proc;

/* Close *fdp if it is open and set it to -1. */
void	sbx_close_fd(int *);

/*
 * Check what both platforms rely on: a uuid that is one path component,
 * an absolute pod directory, every app's rootfs strictly inside it.
 * EX_SOFTWARE for the first two, EX_DATAERR for a root outside.
 */
int	sbx_validate_pod(const struct sbx_pod *, struct error *);

/* write(2) all of buf, retrying on EINTR; -1 with errno on failure. */
int	sbx_write_full(int, const void *, size_t);

/*
 * Read the supervisor's report (one struct error) from fd into *ce, its
 * message NUL-terminated.  -1 if the pipe ended before a whole report.
 */
int	sbx_read_report(int, struct error *);

/*
 * Make directory path (relative to the root directory rootfd, "/"
 * separated, absolute or not) and its missing parents, 0755 less the
 * umask, resolving every component with os_open_beneath().  A component
 * that is a dangling symlink gets its target made, inside the root, as
 * "mkdir -p" through it would (at most 16 links deep: EX_DATAERR ELOOP).
 * A component that is not a directory: EX_DATAERR ENOTDIR.
 */
int	sbx_mkdir_beneath(int, const char *, struct error *);

/*
 * Make the missing parents of the file path beneath rootfd as
 * sbx_mkdir_beneath() does, then an empty 0644 file at path unless
 * something is there already; never through a final symlink (O_EXCL,
 * O_NOFOLLOW).  The caller then opens path beneath the root and checks
 * what it found.  EX_DATAERR if path names no file (empty, ".", "..").
 */
int	sbx_make_file_beneath(int, const char *, struct error *);

/*
 * The steps of sbx_exec_app() in a child: each failure is reported on
 * errfd as "N message\n" and ends the process with _exit(N).
 */
_Noreturn void	sbx_exec_fail(int, int, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
/* The same for an error: its exit class (EX_SOFTWARE if none). */
_Noreturn void	sbx_exec_fail_error(int, const struct error *);

/* What sbx_exec_prepare() found for a process. */
struct sbx_exec {
	struct passwd_ids ids;
	char		**envp;		/* proc->env, plus HOME */
	const char	 *cwd;		/* absolute */
};

/*
 * Make errfd close-on-exec and return proc's app, or fail (EX_SOFTWARE)
 * if the pod has no such app.
 */
const struct sbx_app *sbx_exec_app_of(const struct sbx_pod *,
	    const struct sbx_proc *, int);

/*
 * Before the chroot, with rootfd the app's root: resolve the user and
 * groups from the image (passwd_resolve()), build the environment (HOME
 * from the user's entry when proc->env has none), check proc->cwd ("/" if
 * unset) is absolute and set the umask to 022.  Fails through
 * sbx_exec_fail().  Nothing to release: the process execs or exits.
 */
void	sbx_exec_prepare(int, const struct sbx_proc *, int,
	    struct sbx_exec *);

/*
 * Once "/" is the app's root and the process has given up what it no
 * longer needs: make cwd beneath "/" if missing (sbx_mkdir_beneath()),
 * open it beneath "/" (os_open_beneath(): no magic link, nothing above
 * the root) and fchdir(2) to that descriptor; the path is never looked
 * up again.  Fails through errfd.
 */
void	sbx_exec_chdir(const char *, int);

/* RLIMIT_NOFILE 1048576 or the hard limit; RLIMIT_CORE 0. */
void	sbx_exec_rlimits(void);

/*
 * If proc->tty and proc->tty_sock > 2: the pty of struct sbx_proc's
 * tty_sock, its master from posix_openpt(3) (Linux: call it in the app's
 * root, so that /dev/ptmx is the app's devpts instance), its slave through
 * TIOCGPTPEER where there is one, else by ptsname(3) beneath rootfd (-1:
 * by path), chowned to uid; the slave becomes 0, 1 and 2, the master is
 * sent on tty_sock, and both and tty_sock are closed.  Fails through
 * errfd.
 */
void	sbx_exec_pty(const struct sbx_proc *, int, uid_t, int);

/* setsid() and TIOCSCTTY on fd 0 if proc->tty; fails through errfd. */
void	sbx_exec_tty(const struct sbx_proc *, int);

/* Close every descriptor above 2 except errfd. */
void	sbx_exec_close_fds(int);

/* Close every descriptor above 2 except keep[0..n) (-1s ignored). */
void	sbx_exec_close_fds_but(const int *, size_t);

/*
 * Reset every signal to SIG_DFL, unblock them all and execve argv[0]
 * with envp, looking a name without '/' up in envp's PATH (default
 * SBX_DEFAULT_PATH) as execvp(3) does.  Never returns: 127 if not found,
 * 126 if not executable.
 */
_Noreturn void	sbx_exec_run(char *const *, char **, int);

#define	SBX_DEFAULT_PATH	"/usr/local/sbin:/usr/local/bin:" \
				"/usr/sbin:/usr/bin:/sbin:/bin"

#endif /* COMMON_SBX_IMPL_H */
