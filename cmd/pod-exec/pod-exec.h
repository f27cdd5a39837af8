/* SPDX-License-Identifier: BSD-2-Clause */
/* pod-exec: private declarations shared by main.c, exec.c and supervise.c. */
#ifndef POD_EXEC_H
#define POD_EXEC_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "common/sbx.h"

struct error;

enum exec_mode {
	MODE_RUN,		/* run the pod (default) */
	MODE_ENTER,		/* -e: a command in a running pod */
	MODE_KILL		/* -k: signal a running pod */
};

struct exec_opts {
	enum exec_mode	 mode;
	const char	*root;		/* -R, else $BERTH_ROOT */
	const char	*uuid;
	const char	*app;		/* -a (enter) */
	const char	*main_app;	/* --main (run) */
	char *const	*cmd;		/* -e: CMD ARG..., NULL-terminated */
	const char	*signal;	/* -k: name or number, or NULL */
	int		 grace;		/* --grace seconds */
	bool		 detach;	/* -d */
	bool		 interactive;	/* -i */
	bool		 tty;		/* -t */
	bool		 json;
	int		 verbose;
};

/* Run a pod (MODE_RUN); returns the exit status of pod-exec. */
int	exec_run(const struct exec_opts *);

/* Run a command in a running pod (-e); returns its exit status. */
int	exec_enter(const struct exec_opts *);

/* Signal a running pod's supervisor (-k); returns the exit status. */
int	exec_kill(const struct exec_opts *);

/*
 * Parse a signal name ("TERM", "SIGTERM", "term") or number into *sig.
 * EX_USAGE naming it otherwise.
 */
int	signal_parse(const char *, int *, struct error *);

/* ---------------------------------------------------------------- */
/* The supervisor (supervise.c): portable, runs inside the sandbox. */

struct sup_app {
	const char	*name;
	/*
	 * Descriptors in the supervisor that become the app's 0, 1 and 2
	 * (the app's pipes, a log file or /dev/null; with proc.tty_sock,
	 * /dev/null until sbx_exec_app() puts the pty it makes there).
	 */
	int		 fd[3];
	struct sbx_proc	 proc;
};

struct sup_conf {
	const struct sbx_pod *pod;
	struct sup_app	*apps;
	size_t		 napps;
	size_t		 main;		/* index of the main app */
	bool		 has_main;	/* --main: the others stop with it */
	int		 grace;		/* seconds from SIGTERM to SIGKILL */
	int		 report;	/* write end of the report pipe */
	/* Descriptors of the monitor's that the supervisor must not keep. */
	const int	*close_fds;
	size_t		 nclose_fds;
};

/*
 * The supervisor's whole life, in the child of sbx_start(): start every
 * app, report on conf->report one line per event
 *
 *	pid APP PID		APP runs as PID (as the supervisor sees it)
 *	error APP N MESSAGE	APP could not be started: it exits with N
 *	started			every app was started (or failed to)
 *	exit APP STATUS		APP ended with STATUS (126/127/128+N)
 *
 * reap every child, orphans included, forward SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT, SIGUSR1 and SIGUSR2 to the apps, and stop once every app has
 * ended (with has_main: once the main app has, after SIGTERM and, past
 * the grace period, SIGKILL to the others).  Whatever is left of the
 * apps' process groups is killed.  Returns the main app's status, which
 * the caller passes to _exit().
 */
int	supervise(const struct sup_conf *);

/*
 * In a child about to become an app's process: fd[0..2] made its 0, 1
 * and 2, then sbx_exec_app().  Never returns; a failure is reported on
 * errfd as sbx_exec_app() reports its own.
 */
_Noreturn void	exec_child(const struct sbx_pod *, const struct sbx_proc *,
		    const int[3], int);

/* Is sig one of the signals supervise() forwards to the apps? */
bool	supervisor_forwards(int);

/* Exit status of a wait(2) status: the code, or 128 + signal. */
int	status_code(int);

/*
 * A self-pipe [D. J. Bernstein], one per process, for the monitor's and
 * the supervisor's poll(2) loops: each of the nsigs signals of sigs is
 * caught by a handler that writes its number, one byte, to sp[1] (both
 * ends O_CLOEXEC and non-blocking); SIGPIPE is ignored.  The caller blocks
 * the signals first if they must wait for its loop.  -1 with errno.
 */
int	selfpipe_open(int sp[2], const int *, size_t);

/* Catch one more signal into the self-pipe; -1 with errno. */
int	selfpipe_catch(int);

#endif /* POD_EXEC_H */
