/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pod-exec's monitor: load a pod (pod.json and state.json), describe it to
 * the sandbox (struct sbx_pod, one struct sbx_proc per app), start it with
 * sbx_start(), then relay the apps' output to the logs and the terminal,
 * forward signals to the supervisor, keep state.json up to date and, once
 * the supervisor is gone, tear the sandbox down.  Also -e (a command in a
 * running pod, through sbx_enter()) and -k (a signal to its supervisor).
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
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
#include <strings.h>
#include <sysexits.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/driver.h"
#include "common/error.h"
#include "common/fsutil.h"
#include "common/jailspec.h"
#include "common/jsonx.h"
#include "common/log.h"
#include "common/num.h"
#include "common/platform.h"
#include "common/pod.h"
#include "common/podspec.h"
#include "common/sbx.h"
#include "common/store.h"
#include "common/sysfilter.h"
#include "common/xalloc.h"
#include "pod-exec.h"

#define	LINE_MAX_RELAY	8192	/* longer lines are cut for the prefix */

/* A loaded pod and the sandbox description made from it. */
struct pod {
	char			*root;		/* absolute */
	char			*dir;		/* root/pods/<uuid> */
	const char		*uuid;
	int			 rootfd, podsfd, dirfd;
	struct pod_manifest	 m;
	struct pod_state	 st;
	struct pod_key		 key;		/* seals state.json */
	bool			 has_m, has_st;
	char			 hostname[POD_NAME_MAX + 1];
	struct sbx_pod		 sp;
	struct sbx_app		*apps;
	struct sbx_mount	**mounts;	/* per app */
	char			***argv;	/* per app */
	char			***env;		/* per app */
	struct sbx_proc		*procs;		/* per app */
	struct sysfilter	*filters;	/* per app */
	const char		**devfs;	/* sp.devfs_rules */
	char			**unhide;	/* sp.devfs_unhide */
	size_t			 nunhide;
};

/* One app output stream being relayed. */
struct stream {
	int	 fd;		/* read end (pipe or pty master), -1: done */
	int	 logfd;
	int	 outfd;		/* our 1 or 2, -1: not copied */
	size_t	 app;
	char	*line;		/* partial line when prefixing */
	size_t	 len;
};

struct mon {
	const struct exec_opts	*o;
	struct pod		*p;
	size_t			 main;
	pid_t			 sup;
	bool			 sup_done;
	int			 sup_status;
	int			 report;	/* read end */
	char			 rbuf[4096];
	size_t			 rlen;
	struct stream		*streams;
	size_t			 nstreams;
	int			 master;	/* pty master, -1 */
	int			 pty_sock;	/* it comes on this, -1 */
	size_t			 tty_stream;	/* its stream */
	bool			 stdin_relay;	/* -t -i: our stdin to master */
	bool			 prefix;	/* more than one app */
	int			 notify;	/* -d: to the parent, -1 */
	bool			 started;
	int			 err_code;	/* first start error, 0 */
	char			 err_msg[512];
	pid_t			*pids;
	int			*status;
	bool			*has_status;
};

/* The terminal settings to restore at exit (-t on a terminal). */
static struct termios	saved_tio;
static bool	tio_saved;

static const int mon_signals[] = {
	SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH
};
#define	NMON	(sizeof(mon_signals) / sizeof(mon_signals[0]))

static const struct {
	const char	*name;
	int		 sig;
} signames[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ABRT", SIGABRT }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "TERM", SIGTERM }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "WINCH", SIGWINCH }
};

int
signal_parse(const char *s, int *sig, struct error *ep)
{
	long long n;
	size_t i;
	const char *name = s;

	if (*s >= '0' && *s <= '9') {
		if (parse_num(s, 1, NSIG - 1, &n, ep) == -1)
			return (error_wrap(ep, "signal"));
		*sig = (int)n;
		return (0);
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++) {
		if (strcasecmp(name, signames[i].name) == 0) {
			*sig = signames[i].sig;
			return (0);
		}
	}
	return (error_set(ep, EX_USAGE, 0, "unknown signal '%s'", s));
}

/* ---------------------------------------------------------------- pods */

static void
pod_free(struct pod *p)
{
	size_t i;

	for (i = 0; p->has_m && i < p->m.napps; i++) {
		if (p->mounts != NULL)
			free(p->mounts[i]);
		if (p->argv != NULL)
			free(p->argv[i]);
		if (p->env != NULL && p->env[i] != NULL) {
			for (char **e = p->env[i]; *e != NULL; e++)
				free(*e);
			free(p->env[i]);
		}
		if (p->filters != NULL)
			sysfilter_release(&p->filters[i]);
	}
	free(p->filters);
	free(p->mounts);
	free(p->argv);
	free(p->env);
	free(p->procs);
	free(p->apps);
	free(p->devfs);
	jailspec_strv_free(p->unhide, p->nunhide);
	if (p->has_m)
		podspec_release(&p->m);
	if (p->has_st)
		pod_state_release(&p->st);
	if (p->dirfd >= 0)
		(void)close(p->dirfd);
	if (p->podsfd >= 0)
		(void)close(p->podsfd);
	if (p->rootfd >= 0)
		(void)close(p->rootfd);
	free(p->dir);
	free(p->root);
	explicit_bzero(&p->key, sizeof(p->key));
}

static struct pod_volume_state *
state_volume(struct pod_state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nvolumes; i++)
		if (strcmp(st->volumes[i].name, name) == 0)
			return (&st->volumes[i]);
	return (NULL);
}

static struct pod_mountpoint *
app_mountpoint(struct pod_app *a, const char *name, const char *path)
{
	size_t i;

	for (i = 0; i < a->nmountpoints; i++) {
		if (name != NULL && strcmp(a->mountpoints[i].name, name) == 0)
			return (&a->mountpoints[i]);
		if (path != NULL && strcmp(a->mountpoints[i].path, path) == 0)
			return (&a->mountpoints[i]);
	}
	return (NULL);
}

/*
 * The volumes of app i as sbx mounts.  A mount's path is a container path
 * or the name of one of the app's mountPoints; a mountPoint without a
 * mount takes the pod's volume of its name.  Read-only if the volume or
 * the mountPoint says so.
 */
static int
build_mounts(struct pod *p, size_t i, struct error *ep)
{
	struct pod_app *a = &p->m.apps[i];
	struct pod_mountpoint *mp;
	struct pod_volume_state *vs;
	struct pod_volume *v;
	struct sbx_mount *ms;
	const char *vol, *target;
	size_t j, n = 0;

	ms = xcalloc(a->nmounts + a->nmountpoints + 1, sizeof(*ms));
	p->mounts[i] = ms;
	for (j = 0; j < a->nmounts + a->nmountpoints; j++) {
		if (j < a->nmounts) {
			vol = a->mounts[j].volume;
			target = a->mounts[j].path;
			if (target[0] == '/')
				mp = app_mountpoint(a, NULL, target);
			else if ((mp = app_mountpoint(a, target, NULL)) ==
			    NULL)
				return (error_set(ep, EX_DATAERR, 0,
				    "app '%s': mount of volume '%s' names no "
				    "mountPoint '%s'", a->name, vol, target));
			else
				target = mp->path;
		} else {
			size_t k;
			bool mounted = false;

			mp = &a->mountpoints[j - a->nmounts];
			for (k = 0; k < a->nmounts; k++)
				if (strcmp(a->mounts[k].path, mp->name) == 0 ||
				    strcmp(a->mounts[k].path, mp->path) == 0)
					mounted = true;
			if (mounted)
				continue;
			vol = mp->name;
			target = mp->path;
		}
		if ((vs = state_volume(&p->st, vol)) == NULL)
			return (error_set(ep, EX_DATAERR, 0, "app '%s': volume "
			    "'%s' is not in state.json", a->name, vol));
		v = podspec_volume(&p->m, vol);
		ms[n].source = vs->path;
		ms[n].target = target;
		ms[n].readonly = (v != NULL && v->readonly) ||
		    (mp != NULL && mp->readonly);
		n++;
	}
	p->apps[i].mounts = ms;
	p->apps[i].nmounts = n;
	return (0);
}

/* The app's environment as "K=V" strings, with AC_APP_NAME. */
static char **
build_env(const struct pod_app *a)
{
	char **env;
	size_t i, n = 0;
	bool has_name = false;

	env = xcalloc(a->nenv + 2, sizeof(*env));
	for (i = 0; i < a->nenv; i++) {
		if (strcmp(a->env[i].name, "AC_APP_NAME") == 0) {
			has_name = true;
			env[n++] = xasprintf("AC_APP_NAME=%s", a->name);
		} else
			env[n++] = xasprintf("%s=%s", a->env[i].name,
			    a->env[i].value);
	}
	if (!has_name)
		env[n++] = xasprintf("AC_APP_NAME=%s", a->name);
	env[n] = NULL;
	return (env);
}

/*
 * The system call filter of app i (its isolator, else the pod's, else
 * the default) and whether it keeps no_new_privs, into proc.
 */
static int
build_filter(struct pod *p, size_t i, struct sbx_proc *pr, struct error *ep)
{
	struct pod_limits l;

	podspec_limits(&p->m, &p->m.apps[i], &l);
	pr->new_privs = l.has_nnp && !l.nnp;
	if (l.seccomp == NULL)
		sysfilter_default(&p->filters[i]);
	else if (sysfilter_from_isolator(l.seccomp_retain, l.seccomp,
	    &p->filters[i], ep) == -1)
		return (error_wrap(ep, "app '%s'", p->m.apps[i].name));
	pr->filter = &p->filters[i];
	return (0);
}

/*
 * Limits: cgroups are per pod.  An app's effective limit is the smaller
 * of its own and the pod's; the pod gets the sum of the apps' when every
 * app has one, else the pod-wide value (or none).  rctl rules (FreeBSD)
 * are per app jail: each app's own, else the pod's.
 */
static void
build_limits(struct pod *p)
{
	struct pod_limits l;
	int64_t sum[3] = { 0, 0, 0 };
	bool all[3] = { true, true, true };
	size_t i;

	for (i = 0; i < p->m.napps; i++) {
		memset(&l, 0, sizeof(l));
		podspec_limits(&p->m, &p->m.apps[i], &l);
		p->apps[i].memory = l.memory;
		p->apps[i].cpu_millis = l.cpu_millis;
		p->apps[i].pids = l.pids;
		if (l.memory > 0)
			sum[0] += l.memory;
		else
			all[0] = false;
		if (l.cpu_millis > 0)
			sum[1] += l.cpu_millis;
		else
			all[1] = false;
		if (l.pids > 0)
			sum[2] += l.pids;
		else
			all[2] = false;
	}
	p->sp.memory = all[0] ? sum[0] : p->m.limits.memory;
	p->sp.cpu_millis = all[1] ? sum[1] : p->m.limits.cpu_millis;
	p->sp.pids = all[2] ? sum[2] : p->m.limits.pids;
	if (p->m.limits.memory > 0 && p->sp.memory > p->m.limits.memory)
		p->sp.memory = p->m.limits.memory;
	if (p->m.limits.cpu_millis > 0 &&
	    p->sp.cpu_millis > p->m.limits.cpu_millis)
		p->sp.cpu_millis = p->m.limits.cpu_millis;
	if (p->m.limits.pids > 0 && p->sp.pids > p->m.limits.pids)
		p->sp.pids = p->m.limits.pids;
}

/*
 * The FreeBSD sandbox's part of the images: the union of the apps' devfs
 * rules (in order, each once) and the Linux ABI when an app's image is a
 * Linux one on a FreeBSD host.
 */
static void
build_freebsd(struct pod *p)
{
	const struct pod_app_state *as;
	size_t i, j, k, n = 0;

	for (i = 0; i < p->st.napps; i++)
		n += p->st.apps[i].ndevfs_rules;
	p->devfs = xcalloc(n + 1, sizeof(*p->devfs));
	for (i = 0; i < p->st.napps; i++) {
		as = &p->st.apps[i];
		if (strcmp(as->os, "linux") == 0 &&
		    strcmp(os_name(), "freebsd") == 0)
			p->sp.linux_abi = true;
		for (j = 0; j < as->ndevfs_rules; j++) {
			for (k = 0; k < p->sp.ndevfs_rules; k++)
				if (strcmp(p->devfs[k],
				    as->devfs_rules[j]) == 0)
					break;
			if (k == p->sp.ndevfs_rules)
				p->devfs[p->sp.ndevfs_rules++] =
				    as->devfs_rules[j];
		}
	}
	p->sp.devfs_rules = p->devfs;
	p->sp.devfs_unhide = (const char *const *)p->unhide;
	p->sp.ndevfs_unhide = p->nunhide;
}

/* Open the pod of o->uuid and read its state.json: enough for -k. */
static int
pod_find(const struct exec_opts *o, struct pod *p, struct error *ep)
{
	struct driver_conf conf;
	const char *root;

	memset(p, 0, sizeof(*p));
	p->rootfd = p->podsfd = p->dirfd = -1;
	p->uuid = o->uuid;
	root = store_root_choose(o->root);
	if ((p->root = realpath(root, NULL)) == NULL)
		return (error_set(ep, EX_NOINPUT, errno, "root '%s'", root));
	if ((p->rootfd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return (error_set(ep, EX_NOINPUT, errno, "root '%s'", root));
	if ((p->podsfd = pod_root_open(p->rootfd, false, ep)) == -1)
		return (-1);
	if ((p->dirfd = pod_open(p->podsfd, o->uuid, ep)) == -1)
		return (-1);
	p->dir = xasprintf("%s/pods/%s", p->root, o->uuid);
	/* What pods can never write, and what berth wrote there. */
	(void)memset(&conf, 0, sizeof(conf));
	if (driver_conf_read(p->rootfd, &conf, ep) == -1 ||
	    jailspec_devfs_unhide_parse(conf.devfs_unhide, &p->unhide,
	    &p->nunhide, ep) == -1 ||
	    pod_key_load(p->podsfd, false, &p->key, ep) == -1 ||
	    pod_state_read(p->dirfd, &p->key, o->uuid, &p->st, ep) == -1)
		return (error_wrap(ep, "pod '%s'", o->uuid));
	p->has_st = true;
	if (pod_state_check(&p->st, p->root, p->dir, o->uuid,
	    conf.zfs_dataset, ep) == -1)
		return (error_wrap(ep, "pod '%s'", o->uuid));
	return (0);
}

/* The whole pod: pod_find(), pod.json and the sandbox's description. */
static int
pod_load(const struct exec_opts *o, struct pod *p, struct error *ep)
{
	struct pod_app_state *as;
	const char *h;
	size_t i;

	if (pod_find(o, p, ep) == -1)
		return (-1);
	if (pod_manifest_read(p->dirfd, &p->st, &p->m, ep) == -1)
		return (error_wrap(ep, "pod '%s'", o->uuid));
	p->has_m = true;

	p->apps = xcalloc(p->m.napps, sizeof(*p->apps));
	p->mounts = xcalloc(p->m.napps, sizeof(*p->mounts));
	p->argv = xcalloc(p->m.napps, sizeof(*p->argv));
	p->env = xcalloc(p->m.napps, sizeof(*p->env));
	p->procs = xcalloc(p->m.napps, sizeof(*p->procs));
	p->filters = xcalloc(p->m.napps, sizeof(*p->filters));
	for (i = 0; i < p->m.napps; i++) {
		struct pod_app *a = &p->m.apps[i];
		struct sbx_app *sa = &p->apps[i];
		struct sbx_proc *pr = &p->procs[i];

		if ((as = pod_state_app(&p->st, a->name)) == NULL)
			return (error_set(ep, EX_DATAERR, 0, "pod '%s': app "
			    "'%s' is not in state.json", o->uuid, a->name));
		sa->name = a->name;
		sa->rootfs = as->rootfs;
		if (as->nlowerdirs > 0) {
			sa->lowerdirs = (const char *const *)as->lowerdirs;
			sa->nlowerdirs = as->nlowerdirs;
			sa->upper = as->upper;
			sa->work = as->work;
		}
		if (build_mounts(p, i, ep) == -1)
			return (error_wrap(ep, "pod '%s'", o->uuid));
		if (a->exec == NULL || a->nexec == 0)
			return (error_set(ep, EX_CONFIG, 0, "pod '%s': app "
			    "'%s' has no exec", o->uuid, a->name));
		p->argv[i] = xcalloc(a->nexec + 1, sizeof(char *));
		memcpy(p->argv[i], a->exec, a->nexec * sizeof(char *));
		p->env[i] = build_env(a);
		pr->app = i;
		pr->argv = p->argv[i];
		pr->env = p->env[i];
		pr->user = a->user != NULL ? a->user : "0";
		pr->group = a->group;
		pr->supp_gids = a->supp_gids;
		pr->nsupp_gids = a->nsupp_gids;
		pr->cwd = a->workdir != NULL ? a->workdir : "/";
		if (build_filter(p, i, pr, ep) == -1)
			return (error_wrap(ep, "pod '%s'", o->uuid));
	}
	if (!sysfilter_available() && strcmp(os_name(), "linux") == 0)
		log_warnx("built without libseccomp: the apps of pod '%s' run "
		    "without a seccomp filter", o->uuid);
	h = podspec_annotation(p->m.annotations, p->m.nannotations,
	    POD_ANN_HOSTNAME);
	if (h != NULL)
		(void)snprintf(p->hostname, sizeof(p->hostname), "%s", h);
	else
		(void)snprintf(p->hostname, sizeof(p->hostname), "%.8s",
		    o->uuid);
	p->sp.uuid = o->uuid;
	p->sp.dir = p->dir;
	p->sp.hostname = p->hostname;
	p->sp.apps = p->apps;
	p->sp.napps = p->m.napps;
	build_limits(p);
	build_freebsd(p);
	return (0);
}

static int
app_index(const struct pod *p, const char *name, size_t *out,
    struct error *ep)
{
	size_t i;

	if (name == NULL) {
		*out = 0;
		return (0);
	}
	for (i = 0; i < p->m.napps; i++) {
		if (strcmp(p->m.apps[i].name, name) == 0) {
			*out = i;
			return (0);
		}
	}
	return (error_set(ep, EX_USAGE, 0, "pod '%s' has no app '%s'",
	    p->uuid, name));
}

/* Is the pod running: its run lock held and its supervisor the one? */
static int
check_running(struct pod *p, struct error *ep)
{
	uint64_t t;
	int r;

	if ((r = pod_is_running(p->dirfd, ep)) == -1)
		return (-1);
	if (r == 0 || p->st.phase != POD_RUNNING || p->st.pid <= 0 ||
	    sbx_proc_start_time(p->st.pid, &t) == -1 || t != p->st.pid_start)
		return (error_set(ep, EX_NOINPUT, 0, "pod '%s' is not running",
		    p->uuid));
	return (0);
}

/* ------------------------------------------------------------ signals */

/*
 * Catch the monitor's signals through a self-pipe, blocked for now: the
 * child forked next (supervisor or -e command) sets its own up first.  A
 * reader of our output that goes away must not kill the pod: SIGPIPE is
 * ignored.
 */
static void
signals_mask(int how)
{
	sigset_t set;
	size_t i;

	(void)sigemptyset(&set);
	for (i = 0; i < NMON; i++)
		(void)sigaddset(&set, mon_signals[i]);
	(void)sigprocmask(how, &set, NULL);
}

static int
signals_setup(int sp[2], struct error *ep)
{
	signals_mask(SIG_BLOCK);
	if (selfpipe_open(sp, mon_signals, NMON) == -1)
		return (error_set(ep, EX_OSERR, errno, "signal pipe"));
	return (0);
}

/* In a child that will exec: defaults and an empty mask. */
static void
signals_reset(void)
{
	struct sigaction sa;
	sigset_t none;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	(void)sigemptyset(&sa.sa_mask);
	for (i = 0; i < NMON; i++)
		(void)sigaction(mon_signals[i], &sa, NULL);
	(void)sigaction(SIGPIPE, &sa, NULL);
	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* ---------------------------------------------------------------- tty */

static void
tty_restore(void)
{
	if (tio_saved)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
}

/* Our terminal in raw mode while a pty relays it; restored at exit. */
static void
tty_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) == -1)
		return;
	tio_saved = true;
	(void)atexit(tty_restore);
	t = saved_tio;
	cfmakeraw(&t);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
}

static void
tty_winsize(int master)
{
	struct winsize ws;

	if (master >= 0 && (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 ||
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0))
		(void)ioctl(master, TIOCSWINSZ, &ws);
}

/*
 * The socket the app's pty master comes back on (struct sbx_proc's
 * tty_sock): the pty is made inside the pod, from the app's own devpts,
 * so that ttyname(3) works there.  sp[0] is ours, sp[1] the app's side's,
 * both O_CLOEXEC and above 2 (exec_child() makes 0-2 the app's), and our
 * window size is already in it for that side to read (0 x 0: none).
 */
static int
pty_sock_open(int sp[2], struct error *ep)
{
	struct winsize ws;
	int k, fd;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return (error_set(ep, EX_OSERR, errno, "socketpair"));
	for (k = 0; k < 2; k++) {
		if (sp[k] > 2)
			continue;
		if ((fd = fcntl(sp[k], F_DUPFD_CLOEXEC, 3)) == -1) {
			error_set(ep, EX_OSERR, errno, "dup");
			goto fail;
		}
		(void)close(sp[k]);
		sp[k] = fd;
	}
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == -1 &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == -1)
		memset(&ws, 0, sizeof(ws));
	if (write(sp[0], &ws, sizeof(ws)) != (ssize_t)sizeof(ws)) {
		error_set(ep, EX_OSERR, errno, "pty socket");
		goto fail;
	}
	return (0);
fail:
	for (k = 0; k < 2; k++)
		(void)close(sp[k]);
	sp[0] = sp[1] = -1;
	return (-1);
}

/*
 * The pty master sent on sock (O_CLOEXEC here), or -1: errno EAGAIN if
 * nothing came yet on a non-blocking sock, 0 if the socket ended first
 * (the app failed before, and says why on its own), else why.
 */
static int
pty_recv(int sock)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr mh;
	struct cmsghdr *c;
	struct iovec iov;
	char byte;
	ssize_t n;
	int fd = -1;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n <= 0) {
		if (n == 0)
			errno = 0;
		return (-1);
	}
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd == -1)
		errno = EPROTO;
	return (fd);
}

/* ------------------------------------------------------------ relaying */

static void
write_quiet(int *fdp, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (*fdp >= 0 && len > 0) {
		n = write(*fdp, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* The reader went away: stop copying there. */
			*fdp = -1;
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Write one (partial) line with the app's prefix, in one write(2). */
static void
emit_line(struct mon *mo, struct stream *s, const char *buf, size_t len)
{
	const char *name = mo->p->m.apps[s->app].name;
	char *out;
	size_t nl = strlen(name);

	out = xmalloc(nl + 2 + len);
	memcpy(out, name, nl);
	memcpy(out + nl, "| ", 2);
	memcpy(out + nl + 2, buf, len);
	write_quiet(&s->outfd, out, nl + 2 + len);
	free(out);
}

/*
 * Copy what an app wrote to its log and to our stdout/stderr.  With
 * several apps each line gets "<app>| " in front and is written whole, so
 * the lines of two apps never mix.
 */
static void
relay(struct mon *mo, struct stream *s, const char *buf, size_t len,
    bool eof)
{
	const char *nl;

	if (s->logfd >= 0)
		write_quiet(&s->logfd, buf, len);
	if (s->outfd < 0)
		return;
	if (!mo->prefix) {
		write_quiet(&s->outfd, buf, len);
		return;
	}
	while (len > 0) {
		size_t take;

		nl = memchr(buf, '\n', len);
		take = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		if (s->len + take > LINE_MAX_RELAY)
			take = LINE_MAX_RELAY - s->len;
		memcpy(s->line + s->len, buf, take);
		s->len += take;
		buf += take;
		len -= take;
		if (s->line[s->len - 1] == '\n') {
			emit_line(mo, s, s->line, s->len);
			s->len = 0;
		} else if (s->len == LINE_MAX_RELAY) {
			s->line[s->len - 1] = '\n';
			emit_line(mo, s, s->line, s->len);
			s->line[0] = buf[-1];
			s->len = 1;
		}
	}
	if (eof && s->len > 0) {
		s->line[s->len++] = '\n';
		emit_line(mo, s, s->line, s->len);
		s->len = 0;
	}
}

/* Read what a stream has now; closes it at EOF (EIO for a pty). */
static void
stream_read(struct mon *mo, struct stream *s)
{
	char buf[16384];
	ssize_t n;

	while (s->fd >= 0) {
		n = read(s->fd, buf, sizeof(buf));
		if (n > 0) {
			relay(mo, s, buf, (size_t)n, false);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		relay(mo, s, buf, 0, true);
		if (s->fd != mo->master)
			(void)close(s->fd);
		s->fd = -1;
	}
}

/* ------------------------------------------------------------ state */

static void
state_started(struct mon *mo, struct pod_state *st)
{
	uint64_t t = 0;
	size_t i;

	st->phase = POD_RUNNING;
	st->started = (int64_t)time(NULL);
	st->finished = 0;
	st->pid = mo->sup;
	(void)sbx_proc_start_time(mo->sup, &t);
	st->pid_start = t;
	(void)snprintf(st->main_app, sizeof(st->main_app), "%s",
	    mo->o->main_app != NULL ? mo->o->main_app : "");
	for (i = 0; i < mo->p->m.napps; i++) {
		struct pod_app_state *as;

		if ((as = pod_state_app(st, mo->p->m.apps[i].name)) == NULL)
			continue;
		as->pid = mo->pids[i];
		as->has_status = false;
		as->status = 0;
	}
}

static void
state_exited(struct mon *mo, struct pod_state *st)
{
	size_t i;

	st->phase = POD_EXITED;
	st->finished = (int64_t)time(NULL);
	st->pid = 0;
	st->pid_start = 0;
	for (i = 0; i < mo->p->m.napps; i++) {
		struct pod_app_state *as;

		if ((as = pod_state_app(st, mo->p->m.apps[i].name)) == NULL)
			continue;
		as->pid = 0;
		as->has_status = mo->has_status[i];
		as->status = mo->status[i];
	}
}

/* A killed pod-exec left the pod "running": its processes are gone. */
static void
state_abandoned(struct mon *mo, struct pod_state *st)
{
	size_t i;

	(void)mo;
	st->phase = POD_EXITED;
	st->finished = (int64_t)time(NULL);
	st->pid = 0;
	st->pid_start = 0;
	for (i = 0; i < st->napps; i++)
		st->apps[i].pid = 0;
}

/*
 * Change state.json under the pod's lock, on a fresh read: other programs
 * (net-attach) may have changed what we do not own.
 */
static int
state_update(struct mon *mo, void (*fn)(struct mon *, struct pod_state *),
    struct error *ep)
{
	struct pod_state st;
	int lock, rv = -1;

	if ((lock = pod_lock(mo->p->dirfd, true, ep)) == -1)
		return (-1);
	memset(&st, 0, sizeof(st));
	if (pod_state_read(mo->p->dirfd, &mo->p->key, mo->p->uuid, &st,
	    ep) == -1)
		goto out;
	fn(mo, &st);
	rv = pod_state_write(mo->p->dirfd, &mo->p->key, mo->p->uuid, &st, ep);
	pod_state_release(&st);
out:
	(void)close(lock);
	if (rv == -1)
		error_wrap(ep, "pod '%s': state", mo->p->uuid);
	return (rv);
}

static void
notify(struct mon *mo, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

/* -d: tell the waiting parent how the start went, once. */
static void
notify(struct mon *mo, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (mo->notify < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		write_quiet(&mo->notify, line,
		    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	if (mo->notify >= 0)
		(void)close(mo->notify);
	mo->notify = -1;
}

static ssize_t
app_by_name(struct mon *mo, const char *name)
{
	size_t i;

	for (i = 0; i < mo->p->m.napps; i++)
		if (strcmp(mo->p->m.apps[i].name, name) == 0)
			return ((ssize_t)i);
	return (-1);
}

static void
report_line(struct mon *mo, char *line)
{
	struct error e = ERROR_INIT;
	char name[POD_NAME_MAX + 2], *msg;
	long long v;
	ssize_t i;
	int off = 0;

	if (strcmp(line, "started") == 0) {
		mo->started = true;
		if (state_update(mo, state_started, &e) == -1)
			log_warnx("%s", e.msg);
		if (mo->err_code != 0)
			notify(mo, "error %d %s\n", mo->err_code, mo->err_msg);
		else
			notify(mo, "ok\n");
		return;
	}
	if (sscanf(line, "pid %64s %lld", name, &v) == 2 &&
	    (i = app_by_name(mo, name)) >= 0) {
		mo->pids[i] = (pid_t)v;
		log_info("app '%s' started", name);
	} else if (sscanf(line, "exit %64s %lld", name, &v) == 2 &&
	    (i = app_by_name(mo, name)) >= 0) {
		mo->status[i] = (int)v;
		mo->has_status[i] = true;
		mo->pids[i] = 0;
		log_info("app '%s' exited with status %lld", name, v);
	} else if (sscanf(line, "error %64s %lld %n", name, &v, &off) == 2 &&
	    off > 0 && (i = app_by_name(mo, name)) >= 0) {
		msg = line + off;
		(void)fprintf(stderr, "%s: app '%s': %s\n", log_progname(),
		    name, msg);
		if (mo->err_code == 0) {
			mo->err_code = (int)v;
			(void)snprintf(mo->err_msg, sizeof(mo->err_msg),
			    "app '%s': %s", name, msg);
		}
	} else
		log_warnx("supervisor said '%s'", line);
}

static void
report_read(struct mon *mo)
{
	char *nl;
	ssize_t n;

	while (mo->report >= 0) {
		n = read(mo->report, mo->rbuf + mo->rlen,
		    sizeof(mo->rbuf) - 1 - mo->rlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			(void)close(mo->report);
			mo->report = -1;
			return;
		}
		mo->rlen += (size_t)n;
		mo->rbuf[mo->rlen] = '\0';
		while ((nl = strchr(mo->rbuf, '\n')) != NULL) {
			*nl = '\0';
			report_line(mo, mo->rbuf);
			mo->rlen -= (size_t)(nl + 1 - mo->rbuf);
			memmove(mo->rbuf, nl + 1, mo->rlen + 1);
		}
		if (mo->rlen == sizeof(mo->rbuf) - 1)
			mo->rlen = 0;	/* a line too long: not ours */
	}
}

/* ------------------------------------------------------------ run */

static int
open_log(int dirfd, const char *app, const char *ext, struct error *ep)
{
	char path[PATH_MAX];
	int fd;

	(void)snprintf(path, sizeof(path), "logs/%s.%s", app, ext);
	if ((fd = openat(dirfd, path, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW, 0640)) == -1)
		return (error_set(ep, EX_CANTCREAT, errno, "open '%s'", path));
	return (fd);
}

static void
set_nonblock(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void
print_json_run(struct mon *mo, int code)
{
	struct error e = ERROR_INIT;
	json_t *o, *apps;
	size_t i;
	char *s;

	apps = json_array();
	for (i = 0; i < mo->p->m.napps; i++) {
		json_t *a = json_pack("{s:s}", "name", mo->p->m.apps[i].name);

		if (mo->has_status[i])
			(void)json_object_set_new(a, "status",
			    json_integer(mo->status[i]));
		else
			(void)json_object_set_new(a, "status", json_null());
		(void)json_array_append_new(apps, a);
	}
	o = json_pack("{s:s, s:I, s:i, s:o}", "uuid", mo->p->uuid, "pid",
	    (json_int_t)mo->sup, "status", code, "apps", apps);
	s = jsonx_dump(o, NULL);
	(void)write_line(STDOUT_FILENO, "stdout", s, &e);
	free(s);
	json_decref(o);
}

/*
 * -d, in the parent: wait for the detached monitor's word, then print the
 * uuid (or the pod as JSON, from state.json).
 */
static int
detach_wait(const struct exec_opts *o, struct pod *p, int fd)
{
	struct error we = ERROR_INIT;
	char buf[1100];
	size_t len = 0;
	ssize_t n;
	int code;
	char *msg;

	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	if (strcmp(buf, "ok") != 0) {
		code = EX_SOFTWARE;
		msg = "the detached monitor ended before the pod started";
		if (sscanf(buf, "error %d", &code) == 1 &&
		    (msg = strchr(buf + 6, ' ')) != NULL)
			msg++;
		(void)fprintf(stderr, "%s: %s\n", log_progname(), msg);
		return (code);
	}
	if (o->json) {
		struct pod_state st;
		struct error e = ERROR_INIT;
		json_t *j, *apps;
		size_t i;
		char *s;

		memset(&st, 0, sizeof(st));
		if (pod_state_read(p->dirfd, &p->key, p->uuid, &st, &e) == -1)
			error_exit(&e);
		apps = json_array();
		for (i = 0; i < st.napps; i++)
			(void)json_array_append_new(apps, json_pack(
			    "{s:s, s:I}", "name", st.apps[i].name, "pid",
			    (json_int_t)st.apps[i].pid));
		j = json_pack("{s:s, s:I, s:o}", "uuid", p->uuid, "pid",
		    (json_int_t)st.pid, "apps", apps);
		s = jsonx_dump(j, NULL);
		(void)write_line(STDOUT_FILENO, "stdout", s, &we);
		free(s);
		json_decref(j);
		pod_state_release(&st);
	} else
		(void)write_line(STDOUT_FILENO, "stdout", p->uuid, &we);
	return (EX_OK);
}

/* Make fds 0, 1 and 2 /dev/null (a detached monitor has no terminal). */
static void
stdio_null(void)
{
	int fd, k;

	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return;
	for (k = 0; k < 3; k++)
		if (fd != k)
			(void)dup2(fd, k);
	if (fd > 2)
		(void)close(fd);
}

/*
 * The main app's pty master, if it came: relay it from now on, with our
 * window size (it may have changed since we sent it).
 */
static void
pty_take(struct mon *mo)
{
	int fd;

	if (mo->pty_sock < 0)
		return;
	if ((fd = pty_recv(mo->pty_sock)) == -1 && errno == EAGAIN)
		return;
	(void)close(mo->pty_sock);
	mo->pty_sock = -1;
	if (fd == -1) {
		if (errno != 0)
			log_warnx("pty of app '%s': %s",
			    mo->p->m.apps[mo->main].name, strerror(errno));
		return;
	}
	set_nonblock(fd);
	mo->master = fd;
	mo->streams[mo->tty_stream].fd = fd;
	tty_winsize(fd);
}

static int
run_monitor(const struct exec_opts *o, struct pod *p, size_t main_app,
    int notify_fd, int runlock)
{
	struct error e = ERROR_INIT;
	struct mon mo;
	struct sup_conf sc;
	struct sup_app *sa;
	struct pollfd *pfds = NULL;
	int sp[2] = { -1, -1 }, rp[2] = { -1, -1 }, devnull = -1;
	int *logs = NULL, *close_fds = NULL, *child_fds = NULL;
	int ps[2] = { -1, -1 }, code, st;
	size_t i, n, napps = p->m.napps, nclose = 0, nchild = 0;
	bool tty_app;

	memset(&mo, 0, sizeof(mo));
	mo.o = o;
	mo.p = p;
	mo.main = main_app;
	mo.report = -1;
	mo.master = -1;
	mo.pty_sock = -1;
	mo.notify = notify_fd;
	mo.prefix = napps > 1;
	mo.pids = xcalloc(napps, sizeof(*mo.pids));
	mo.status = xcalloc(napps, sizeof(*mo.status));
	mo.has_status = xcalloc(napps, sizeof(*mo.has_status));
	mo.streams = xcalloc(2 * napps, sizeof(*mo.streams));
	sa = xcalloc(napps, sizeof(*sa));
	logs = xcalloc(2 * napps, sizeof(*logs));
	close_fds = xcalloc(4 * napps + 8, sizeof(*close_fds));
	child_fds = xcalloc(4 * napps + 8, sizeof(*child_fds));
	for (i = 0; i < 2 * napps; i++)
		logs[i] = -1;

	if (mkdirat(p->dirfd, "logs", 0750) == -1 && errno != EEXIST) {
		error_set(&e, EX_CANTCREAT, errno, "mkdir 'logs'");
		goto fail;
	}
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		error_set(&e, EX_OSERR, errno, "open '/dev/null'");
		goto fail;
	}
	for (i = 0; i < napps; i++) {
		const char *name = p->m.apps[i].name;

		if ((logs[2 * i] = open_log(p->dirfd, name, "out", &e)) == -1 ||
		    (logs[2 * i + 1] = open_log(p->dirfd, name, "err", &e)) ==
		    -1)
			goto fail;
	}
	if (pipe2(rp, O_CLOEXEC) == -1) {
		error_set(&e, EX_OSERR, errno, "pipe");
		goto fail;
	}
	mo.report = rp[0];
	close_fds[nclose++] = rp[0];
	child_fds[nchild++] = rp[1];
	if (o->tty) {
		if (pty_sock_open(ps, &e) == -1)
			goto fail;
		set_nonblock(ps[0]);
		mo.pty_sock = ps[0];
		close_fds[nclose++] = ps[0];
		child_fds[nchild++] = ps[1];
	}

	/* Each app's 0, 1 and 2, and the streams we relay. */
	for (i = 0; i < napps; i++) {
		tty_app = o->tty && i == main_app;
		sa[i].name = p->m.apps[i].name;
		sa[i].proc = p->procs[i];
		sa[i].proc.tty = tty_app;
		if (o->detach) {
			sa[i].fd[0] = devnull;
			sa[i].fd[1] = logs[2 * i];
			sa[i].fd[2] = logs[2 * i + 1];
			continue;
		}
		if (tty_app) {
			/* Replaced by the pty it makes (sbx_exec_app()). */
			sa[i].fd[0] = sa[i].fd[1] = sa[i].fd[2] = devnull;
			sa[i].proc.tty_sock = ps[1];
			/* Its fd once the master came (pty_take()). */
			mo.tty_stream = mo.nstreams;
			mo.streams[mo.nstreams++] = (struct stream){ -1,
			    logs[2 * i], STDOUT_FILENO, i, NULL, 0 };
			mo.stdin_relay = o->interactive;
			continue;
		}
		sa[i].fd[0] = o->interactive && i == main_app ? STDIN_FILENO :
		    devnull;
		for (n = 1; n <= 2; n++) {
			int pp[2];

			if (pipe2(pp, O_CLOEXEC) == -1) {
				error_set(&e, EX_OSERR, errno, "pipe");
				goto fail;
			}
			set_nonblock(pp[0]);
			close_fds[nclose++] = pp[0];
			child_fds[nchild++] = pp[1];
			sa[i].fd[n] = pp[1];
			/* With --json our stdout carries the JSON alone. */
			mo.streams[mo.nstreams++] = (struct stream){ pp[0],
			    logs[2 * i + n - 1], n == 1 && !o->json ?
			    STDOUT_FILENO : STDERR_FILENO, i, NULL, 0 };
		}
	}
	for (i = 0; i < mo.nstreams; i++)
		if (mo.prefix)
			mo.streams[i].line = xmalloc(LINE_MAX_RELAY + 1);
	set_nonblock(rp[0]);

	if (signals_setup(sp, &e) == -1)
		goto fail;
	close_fds[nclose++] = sp[0];
	close_fds[nclose++] = sp[1];
	close_fds[nclose++] = notify_fd;
	close_fds[nclose++] = p->rootfd;
	close_fds[nclose++] = p->podsfd;
	close_fds[nclose++] = p->dirfd;
	memset(&sc, 0, sizeof(sc));
	sc.pod = &p->sp;
	sc.apps = sa;
	sc.napps = napps;
	sc.main = main_app;
	sc.has_main = o->main_app != NULL;
	sc.grace = o->grace;
	sc.report = rp[1];
	sc.close_fds = close_fds;
	sc.nclose_fds = nclose;

	if (o->tty && o->interactive)
		tty_raw();
	if ((mo.sup = sbx_start(&p->sp, &e)) == -1) {
		tty_restore();
		goto fail;
	}
	if (mo.sup == 0) {
		(void)runlock;	/* kept: the pod runs while we do */
		_exit(supervise(&sc));
	}
	for (i = 0; i < nchild; i++)
		(void)close(child_fds[i]);
	nchild = 0;
	signals_mask(SIG_UNBLOCK);
	log_info("pod '%s' started, supervisor %ld", p->uuid, (long)mo.sup);

	pfds = xcalloc(mo.nstreams + 4, sizeof(*pfds));
	while (!mo.sup_done) {
		size_t np = 0;
		unsigned char sigs[64];
		ssize_t k, ns;

		for (i = 0; i < mo.nstreams; i++) {
			pfds[np].fd = mo.streams[i].fd;
			pfds[np++].events = POLLIN;
		}
		pfds[np].fd = mo.report;
		pfds[np++].events = POLLIN;
		pfds[np].fd = sp[0];
		pfds[np++].events = POLLIN;
		/* Typed ahead of the pty: the terminal keeps it meanwhile. */
		pfds[np].fd = mo.stdin_relay && mo.master >= 0 ?
		    STDIN_FILENO : -1;
		pfds[np++].events = POLLIN;
		pfds[np].fd = mo.pty_sock;
		pfds[np++].events = POLLIN;
		if (poll(pfds, np, -1) == -1 && errno != EINTR) {
			error_set(&e, EX_OSERR, errno, "poll");
			/* We cannot watch the pod any more: end it. */
			(void)kill(mo.sup, SIGKILL);
			if (waitpid(mo.sup, &st, 0) == mo.sup) {
				mo.sup_done = true;
				mo.sup_status = status_code(st);
			}
			break;
		}
		for (i = 0; i < mo.nstreams; i++)
			if (pfds[i].revents != 0)
				stream_read(&mo, &mo.streams[i]);
		if (pfds[mo.nstreams + 3].revents != 0)
			pty_take(&mo);
		if (pfds[mo.nstreams].revents != 0)
			report_read(&mo);
		if (pfds[mo.nstreams + 2].revents != 0) {
			char buf[4096];
			ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));

			if (r > 0)
				write_quiet(&mo.master, buf, (size_t)r);
			else if (r == 0 || errno != EINTR)
				mo.stdin_relay = false;
			if (mo.master < 0)
				mo.stdin_relay = false;
		}
		while ((ns = read(sp[0], sigs, sizeof(sigs))) > 0) {
			for (k = 0; k < ns; k++) {
				if (sigs[k] == SIGWINCH)
					tty_winsize(mo.master);
				else if (sigs[k] != SIGCHLD)
					(void)kill(mo.sup, sigs[k]);
			}
		}
		if (waitpid(mo.sup, &st, WNOHANG) == mo.sup) {
			mo.sup_done = true;
			mo.sup_status = status_code(st);
		}
	}
	/* What is still in the pipes, without waiting for their EOF. */
	pty_take(&mo);
	if (mo.pty_sock >= 0)
		(void)close(mo.pty_sock);
	report_read(&mo);
	for (i = 0; i < mo.nstreams; i++) {
		stream_read(&mo, &mo.streams[i]);
		if (mo.streams[i].fd >= 0 && mo.streams[i].fd != mo.master) {
			relay(&mo, &mo.streams[i], "", 0, true);
			(void)close(mo.streams[i].fd);
		}
	}
	tty_restore();
	if (!mo.started)
		error_set(&e, EX_SOFTWARE, 0, "pod '%s': the supervisor ended "
		    "with status %d before the apps started", p->uuid,
		    mo.sup_status);
	for (i = 0; i < napps; i++) {
		/* Killed with the supervisor before it could report. */
		if (!mo.has_status[i] && mo.started) {
			mo.status[i] = mo.sup_status;
			mo.has_status[i] = true;
		}
	}
	{
		struct error te = ERROR_INIT;

		if (sbx_teardown(&p->sp, &te) == -1)
			log_warnx("%s", te.msg);
		if (mo.started && state_update(&mo, state_exited, &te) == -1)
			log_warnx("%s", te.msg);
	}
	if (!mo.started) {
		notify(&mo, "error %d %s\n", e.exit, e.msg);
		error_exit(&e);
	}
	code = mo.status[main_app];
	if (o->json && !o->detach)
		print_json_run(&mo, code);
	return (code);

fail:
	notify(&mo, "error %d %s%s%s\n", e.exit, e.msg,
	    e.errnum != 0 ? ": " : "", e.errnum != 0 ? strerror(e.errnum) :
	    "");
	error_exit(&e);
}

/*
 * The run lock, taken to run the pod.  pod-exec -e/-k and pod-render -D
 * probe it with a shared lock for an instant: wait those out (about a
 * second at most) rather than call the pod running.
 */
static int
run_lock_take(struct pod *p, struct error *ep)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };
	int fd, tries, r;

	for (tries = 0;; tries++) {
		if ((fd = pod_run_lock(p->dirfd, false, ep)) != -1)
			return (fd);
		if (ep->exit != EX_TEMPFAIL)
			return (-1);
		error_clear(ep);
		if ((r = pod_is_running(p->dirfd, ep)) == -1)
			return (-1);
		if (r == 1 || tries == 100)
			return (error_set(ep, EX_TEMPFAIL, 0, "pod '%s' is "
			    "running", p->uuid));
		(void)nanosleep(&pause, NULL);
	}
}

int
exec_run(const struct exec_opts *o)
{
	struct error e = ERROR_INIT;
	struct pod p;
	size_t main_app;
	int runlock, code, np[2] = { -1, -1 };
	pid_t pid;

	if (pod_load(o, &p, &e) == -1)
		error_exit(&e);
	if (app_index(&p, o->main_app, &main_app, &e) == -1)
		error_exit(&e);
	if ((runlock = run_lock_take(&p, &e)) == -1)
		error_exit(&e);
	if (p.st.phase == POD_RUNNING) {
		struct mon m;

		/* Its pod-exec was killed: clean up after it. */
		log_warnx("pod '%s' was left running by a killed pod-exec; "
		    "cleaning up", p.uuid);
		if (sbx_teardown(&p.sp, &e) == -1)
			error_exit(&e);
		(void)memset(&m, 0, sizeof(m));
		m.p = &p;
		if (state_update(&m, state_abandoned, &e) == -1)
			error_exit(&e);
	}
	if (o->detach) {
		if (pipe2(np, O_CLOEXEC) == -1) {
			error_set(&e, EX_OSERR, errno, "pipe");
			error_exit(&e);
		}
		if ((pid = fork()) == -1) {
			error_set(&e, EX_OSERR, errno, "fork");
			error_exit(&e);
		}
		if (pid > 0) {
			(void)close(np[1]);
			(void)close(runlock);
			code = detach_wait(o, &p, np[0]);
			pod_free(&p);
			return (code);
		}
		(void)close(np[0]);
		(void)setsid();
		stdio_null();
	}
	code = run_monitor(o, &p, main_app, np[1], runlock);
	(void)close(runlock);
	pod_free(&p);
	return (code);
}

/* ------------------------------------------------------------ enter */

int
exec_enter(const struct exec_opts *o)
{
	struct error e = ERROR_INIT;
	struct sbx_proc proc;
	struct pod p;
	size_t ai;
	int sp[2], ep[2], ps[2] = { -1, -1 }, master = -1, devnull, fd[3];
	int st, code = -1;
	bool relay_in;
	pid_t pid;

	if (pod_load(o, &p, &e) == -1)
		error_exit(&e);
	if (app_index(&p, o->app, &ai, &e) == -1 ||
	    check_running(&p, &e) == -1)
		error_exit(&e);
	proc = p.procs[ai];
	proc.argv = o->cmd;
	proc.tty = o->tty;
	/* Opened on the host: once entered, "/" is the pod's directory. */
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		error_set(&e, EX_OSERR, errno, "open '/dev/null'");
		error_exit(&e);
	}
	/* With -t the pty is made in the pod and replaces fd[]. */
	if (o->tty && pty_sock_open(ps, &e) == -1)
		error_exit(&e);
	proc.tty_sock = ps[1];
	fd[0] = o->tty || !o->interactive ? devnull : STDIN_FILENO;
	fd[1] = o->tty ? devnull : STDOUT_FILENO;
	fd[2] = o->tty ? devnull : STDERR_FILENO;
	if (signals_setup(sp, &e) == -1)
		error_exit(&e);
	if (pipe2(ep, O_CLOEXEC) == -1) {
		error_set(&e, EX_OSERR, errno, "pipe");
		error_exit(&e);
	}
	if (sbx_enter(&p.sp, p.st.pid, &e) == -1)
		error_exit(&e);
	if ((pid = fork()) == -1) {
		error_set(&e, EX_OSERR, errno, "fork");
		error_exit(&e);
	}
	if (pid == 0) {
		signals_reset();
		/* Our signals come from the monitor, not the terminal. */
		if (!proc.tty)
			(void)setsid();
		exec_child(&p.sp, &proc, fd, ep[1]);
	}
	(void)close(ep[1]);
	if (ps[1] >= 0)
		(void)close(ps[1]);
	signals_mask(SIG_UNBLOCK);
	{
		char msg[512];
		size_t len = 0;
		ssize_t n;

		while ((n = read(ep[0], msg + len, sizeof(msg) - 1 - len)) !=
		    0) {
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				break;
			len += (size_t)n;
			if (len == sizeof(msg) - 1)
				break;
		}
		(void)close(ep[0]);
		msg[len] = '\0';
		if (len > 0) {
			char *m = strchr(msg, ' '), *nl = strchr(msg, '\n');

			if (nl != NULL)
				*nl = '\0';
			(void)fprintf(stderr, "%s: %s\n", log_progname(),
			    m != NULL ? m + 1 : msg);
		}
	}
	/*
	 * The error pipe ended: the child has exec'd, having sent the
	 * master first, or failed and is gone.
	 */
	if (ps[0] >= 0) {
		if ((master = pty_recv(ps[0])) == -1 && errno != 0)
			log_warnx("pty: %s", strerror(errno));
		(void)close(ps[0]);
		tty_winsize(master);
	}
	relay_in = master >= 0 && o->interactive;
	if (master >= 0) {
		set_nonblock(master);
		if (o->interactive)
			tty_raw();
	}
	while (code == -1) {
		struct pollfd pf[3];
		unsigned char sigs[64];
		char buf[16384];
		ssize_t n, i;

		pf[0].fd = sp[0];
		pf[0].events = POLLIN;
		pf[1].fd = master;
		pf[1].events = POLLIN;
		pf[2].fd = relay_in ? STDIN_FILENO : -1;
		pf[2].events = POLLIN;
		if (poll(pf, 3, -1) == -1 && errno != EINTR) {
			/* We cannot relay any more: end the command. */
			(void)kill(pid, SIGKILL);
			if (waitpid(pid, &st, 0) == pid)
				code = status_code(st);
			break;
		}
		if (pf[1].revents != 0) {
			while ((n = read(master, buf, sizeof(buf))) > 0) {
				int out = STDOUT_FILENO;

				write_quiet(&out, buf, (size_t)n);
			}
			if (n == 0 || (n == -1 && errno != EAGAIN &&
			    errno != EINTR)) {
				(void)close(master);
				master = -1;
				relay_in = false;
			}
		}
		if (pf[2].revents != 0) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n > 0)
				write_quiet(&master, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				relay_in = false;
		}
		while ((n = read(sp[0], sigs, sizeof(sigs))) > 0) {
			for (i = 0; i < n; i++) {
				if (sigs[i] == SIGWINCH)
					tty_winsize(master);
				else if (sigs[i] != SIGCHLD)
					(void)kill(pid, sigs[i]);
			}
		}
		if (waitpid(pid, &st, WNOHANG) == pid)
			code = status_code(st);
	}
	if (master >= 0) {
		char buf[16384];
		ssize_t n;
		int out = STDOUT_FILENO;

		while ((n = read(master, buf, sizeof(buf))) > 0)
			write_quiet(&out, buf, (size_t)n);
	}
	tty_restore();
	pod_free(&p);
	return (code == -1 ? EX_OSERR : code);
}

/* ------------------------------------------------------------ kill */

int
exec_kill(const struct exec_opts *o)
{
	struct error e = ERROR_INIT;
	struct pod p;
	int sig;

	if (signal_parse(o->signal, &sig, &e) == -1 ||
	    pod_find(o, &p, &e) == -1 || check_running(&p, &e) == -1)
		error_exit(&e);
	if (kill(p.st.pid, sig) == -1) {
		error_set(&e, errno == ESRCH ? EX_NOINPUT : EX_OSERR, errno,
		    "pod '%s': kill %ld", o->uuid, (long)p.st.pid);
		error_exit(&e);
	}
	log_info("pod '%s': signal %d sent to %ld", o->uuid, sig,
	    (long)p.st.pid);
	pod_free(&p);
	return (EX_OK);
}
