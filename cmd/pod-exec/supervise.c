/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The supervisor: the process sbx_start() forks into the pod (PID 1 of the
 * pod's PID namespace on Linux, the jail's reaper on FreeBSD).  It starts
 * one child per app, reaps every process that ends up its child (orphans
 * included, so no zombie piles up in a pod), forwards the signals it gets
 * to the apps and reports what happens to the monitor over a pipe, one
 * line per event (see supervise() in pod-exec.h).  Portable: what differs
 * between the systems lives in sbx_*.c.
 *
 * Signals arrive through a self-pipe [D. J. Bernstein] so that the loop
 * is a plain poll(2) with a timeout for the grace period.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "common/sbx.h"
#include "pod-exec.h"

struct run {
	pid_t	 pid;		/* 0: not started */
	bool	 done;
	int	 status;
};

/* The self-pipe's write end: a signal handler has no other way in. */
static int	selfpipe_wfd = -1;

static const int fwd_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2
};
#define	NFWD	(sizeof(fwd_signals) / sizeof(fwd_signals[0]))

static void	selfpipe_handler(int);
static void	report(int, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static void	start_app(const struct sup_conf *, size_t, struct run *);
static _Noreturn void	app_child(const struct sup_conf *, size_t, int);
static void	reap(const struct sup_conf *, struct run *);
static void	signal_apps(const struct sup_conf *, struct run *, int,
		    bool);
static int64_t	now_ms(void);

bool
supervisor_forwards(int sig)
{
	size_t i;

	for (i = 0; i < NFWD; i++)
		if (fwd_signals[i] == sig)
			return (true);
	return (false);
}

int
status_code(int st)
{
	if (WIFEXITED(st))
		return (WEXITSTATUS(st));
	if (WIFSIGNALED(st))
		return (128 + WTERMSIG(st));
	return (128);
}

int
supervise(const struct sup_conf *c)
{
	struct run *runs;
	struct pollfd pfd;
	sigset_t block;
	int64_t deadline = -1;
	size_t i, left;
	int sp[2], timeout;
	bool stopping = false, killed = false;
	unsigned char buf[64];
	ssize_t n;

	for (i = 0; i < c->nclose_fds; i++)
		if (c->close_fds[i] >= 0)
			(void)close(c->close_fds[i]);
	/*
	 * Out of the terminal's foreground process group: a ^C there
	 * reaches the monitor, which forwards it once, not the apps
	 * twice.
	 */
	(void)setsid();
	/* The monitor started us with these blocked; now we take them. */
	(void)sigemptyset(&block);
	(void)sigaddset(&block, SIGCHLD);
	for (i = 0; i < NFWD; i++)
		(void)sigaddset(&block, fwd_signals[i]);
	(void)sigprocmask(SIG_BLOCK, &block, NULL);
	/* SIGPIPE ignored: the monitor may be gone, we carry on without. */
	if ((runs = calloc(c->napps, sizeof(*runs))) == NULL ||
	    selfpipe_open(sp, fwd_signals, NFWD) == -1 ||
	    selfpipe_catch(SIGCHLD) == -1) {
		report(c->report, "error %s %d supervisor: %s",
		    c->apps[c->main].name, EX_OSERR, strerror(errno));
		return (EX_OSERR);
	}
	/* Signals that come while the apps start wait for the loop. */
	for (i = 0; i < c->napps; i++)
		start_app(c, i, &runs[i]);
	report(c->report, "started");
	(void)sigprocmask(SIG_UNBLOCK, &block, NULL);

	pfd.fd = sp[0];
	pfd.events = POLLIN;
	for (;;) {
		reap(c, runs);
		for (left = 0, i = 0; i < c->napps; i++)
			if (!runs[i].done)
				left++;
		if (left == 0)
			break;
		if (c->has_main && runs[c->main].done && !stopping) {
			stopping = true;
			signal_apps(c, runs, SIGTERM, false);
			deadline = now_ms() + (int64_t)c->grace * 1000;
		}
		if (stopping && !killed && now_ms() >= deadline) {
			killed = true;
			signal_apps(c, runs, SIGKILL, true);
		}
		timeout = -1;
		if (stopping && !killed) {
			int64_t d = deadline - now_ms();

			timeout = d < 0 ? 0 : d > INT_MAX ? INT_MAX : (int)d;
		}
		if (poll(&pfd, 1, timeout) == -1 && errno != EINTR)
			break;
		while ((n = read(sp[0], buf, sizeof(buf))) > 0) {
			for (ssize_t k = 0; k < n; k++)
				if (buf[k] != SIGCHLD)
					signal_apps(c, runs, buf[k], false);
		}
	}

	/*
	 * What the apps left behind in their process groups goes now (on
	 * Linux our exit would end the PID namespace anyway); then reap
	 * without waiting for anything that still lingers.
	 */
	for (i = 0; i < c->napps; i++)
		if (runs[i].pid > 0)
			(void)kill(-runs[i].pid, SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return (runs[c->main].status);
}

static void
selfpipe_handler(int sig)
{
	unsigned char ch = (unsigned char)sig;
	int saved = errno;

	(void)write(selfpipe_wfd, &ch, 1);
	errno = saved;
}

int
selfpipe_catch(int sig)
{
	struct sigaction sa;

	(void)memset(&sa, 0, sizeof(sa));
	sa.sa_handler = selfpipe_handler;
	sa.sa_flags = SA_RESTART;
	(void)sigemptyset(&sa.sa_mask);
	return (sigaction(sig, &sa, NULL));
}

int
selfpipe_open(int sp[2], const int *sigs, size_t nsigs)
{
	struct sigaction sa;
	size_t i;

	if (pipe2(sp, O_CLOEXEC | O_NONBLOCK) == -1)
		return (-1);
	selfpipe_wfd = sp[1];
	for (i = 0; i < nsigs; i++)
		if (selfpipe_catch(sigs[i]) == -1)
			return (-1);
	(void)memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	(void)sigemptyset(&sa.sa_mask);
	return (sigaction(SIGPIPE, &sa, NULL));
}

/* One line to the monitor; a single write(2) below PIPE_BUF is atomic. */
static void
report(int fd, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	size_t len;
	ssize_t n;
	char *p;

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	for (p = line; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	len = strlen(line);
	line[len++] = '\n';
	do
		n = write(fd, line, len);
	while (n == -1 && errno == EINTR);
}

static void
start_app(const struct sup_conf *c, size_t i, struct run *r)
{
	const char *name = c->apps[i].name;
	char msg[512];
	size_t len = 0;
	ssize_t n;
	pid_t pid;
	int ep[2];

	if (pipe2(ep, O_CLOEXEC) == -1) {
		report(c->report, "error %s %d pipe: %s", name, EX_OSERR,
		    strerror(errno));
		r->done = true;
		r->status = EX_OSERR;
		report(c->report, "exit %s %d", name, r->status);
		return;
	}
	if ((pid = fork()) == -1) {
		report(c->report, "error %s %d fork: %s", name, EX_OSERR,
		    strerror(errno));
		(void)close(ep[0]);
		(void)close(ep[1]);
		r->done = true;
		r->status = EX_OSERR;
		report(c->report, "exit %s %d", name, r->status);
		return;
	}
	if (pid == 0) {
		(void)close(ep[0]);
		app_child(c, i, ep[1]);
	}
	(void)close(ep[1]);
	r->pid = pid;
	/* EOF once the exec succeeded (the pipe is O_CLOEXEC). */
	for (;;) {
		n = read(ep[0], msg + len, sizeof(msg) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(msg) - 1)
			break;
	}
	(void)close(ep[0]);
	msg[len] = '\0';
	if (len > 0) {
		char *nl = strchr(msg, '\n');

		if (nl != NULL)
			*nl = '\0';
		report(c->report, "error %s %s", name, msg);
	} else
		report(c->report, "pid %s %ld", name, (long)pid);
}

/*
 * The app's side of the fork: default signal dispositions and an empty
 * mask (ignored signals and the mask survive execve), a process group of
 * its own unless sbx_exec_app() makes a session for its terminal, then
 * exec_child().
 */
static _Noreturn void
app_child(const struct sup_conf *c, size_t i, int errfd)
{
	const struct sup_app *a = &c->apps[i];
	struct sigaction sa;
	sigset_t none;
	int k;

	(void)memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGCHLD, &sa, NULL);
	(void)sigaction(SIGPIPE, &sa, NULL);
	for (k = 0; k < (int)NFWD; k++)
		(void)sigaction(fwd_signals[k], &sa, NULL);
	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (!a->proc.tty)
		(void)setpgid(0, 0);
	exec_child(c->pod, &a->proc, a->fd, errfd);
}

_Noreturn void
exec_child(const struct sbx_pod *pod, const struct sbx_proc *proc,
    const int fd[3], int errfd)
{
	char line[256];
	int tmp[3], k, len;

	/* Through copies above 2, so that fd[k] may itself be 0, 1 or 2. */
	for (k = 0; k < 3; k++) {
		if ((tmp[k] = fcntl(fd[k], F_DUPFD_CLOEXEC, 3)) == -1)
			goto fail;
	}
	for (k = 0; k < 3; k++)
		if (dup2(tmp[k], k) == -1)
			goto fail;
	sbx_exec_app(pod, proc, errfd);
fail:
	len = snprintf(line, sizeof(line), "%d dup: %s\n", EX_OSERR,
	    strerror(errno));
	if (len > 0)
		(void)write(errfd, line, (size_t)len);
	_exit(EX_OSERR);
}

static void
reap(const struct sup_conf *c, struct run *runs)
{
	pid_t pid;
	size_t i;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < c->napps; i++) {
			if (runs[i].pid != pid || runs[i].done)
				continue;
			runs[i].done = true;
			runs[i].status = status_code(st);
			report(c->report, "exit %s %d", c->apps[i].name,
			    runs[i].status);
			break;
		}
	}
}

/*
 * Signal every app still running; all but the main app when the main
 * app is done (the --main stop).  group: its whole process group too.
 */
static void
signal_apps(const struct sup_conf *c, struct run *runs, int sig, bool group)
{
	size_t i;

	for (i = 0; i < c->napps; i++) {
		if (runs[i].done || runs[i].pid <= 0)
			continue;
		(void)kill(runs[i].pid, sig);
		if (group)
			(void)kill(-runs[i].pid, sig);
	}
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}
