/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The portable steps of the sandbox (common/sbx_impl.h): checking a pod,
 * the supervisor's report pipe, making directories and files beneath an
 * app's root, and the parts of sbx_exec_app() that do not depend on the
 * platform (errfd protocol, users from the image, environment, working
 * directory, rlimits, descriptors, PATH lookup).
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include "common/error.h"
#include "common/passwd.h"
#include "common/platform.h"
#include "common/sbx.h"
#include "common/sbx_impl.h"
#include "common/xalloc.h"

/* Symlinks followed while making one directory. */
#define	LINK_DEPTH_MAX	16
#define	NOFILE_WANT	1048576

void
sbx_close_fd(int *fdp)
{
	if (*fdp >= 0)
		(void)close(*fdp);
	*fdp = -1;
}

int
sbx_validate_pod(const struct sbx_pod *pod, struct error *ep)
{
	size_t i, len;

	if (pod->uuid == NULL || pod->uuid[0] == '\0' ||
	    strchr(pod->uuid, '/') != NULL || pod->uuid[0] == '.')
		return (error_set(ep, EX_SOFTWARE, 0, "bad pod uuid"));
	if (pod->dir == NULL || pod->dir[0] != '/')
		return (error_set(ep, EX_SOFTWARE, 0,
		    "pod directory must be absolute"));
	len = strlen(pod->dir);
	/* sbx_exec_app() finds each root inside the pod directory. */
	for (i = 0; i < pod->napps; i++)
		if (strncmp(pod->apps[i].rootfs, pod->dir, len) != 0 ||
		    pod->apps[i].rootfs[len] != '/')
			return (error_set(ep, EX_DATAERR, 0,
			    "app '%s': root '%s' is not inside '%s'",
			    pod->apps[i].name, pod->apps[i].rootfs, pod->dir));
	return (0);
}

int
sbx_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

int
sbx_read_report(int fd, struct error *ce)
{
	size_t got;
	ssize_t n;

	for (got = 0; got < sizeof(*ce); got += (size_t)n) {
		n = read(fd, (char *)ce + got, sizeof(*ce) - got);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			return (-1);
	}
	ce->msg[sizeof(ce->msg) - 1] = '\0';
	return (0);
}

static int
mkdir_beneath(int rootfd, const char *path, int depth, struct error *ep)
{
	struct error e = ERROR_INIT;
	struct stat st;
	char *copy, *cur, *next = NULL, *comp, *save, *tpath;
	char link[PATH_MAX];
	ssize_t n;
	int fd, pfd = -1, rv = -1;

	if (depth > LINK_DEPTH_MAX)
		return (error_set(ep, EX_DATAERR, ELOOP, "make '%s'", path));
	copy = xstrdup(path);
	cur = xstrdup("");
	for (comp = strtok_r(copy, "/", &save); comp != NULL;
	    comp = strtok_r(NULL, "/", &save)) {
		if (strcmp(comp, ".") == 0)
			continue;
		free(next);
		next = xasprintf("%s/%s", cur, comp);
		error_clear(&e);
		if ((fd = os_open_beneath(rootfd, next, O_RDONLY | O_DIRECTORY,
		    0, &e)) >= 0)
			goto exists;
		if (e.errnum == ENOTDIR) {
			error_set(ep, EX_DATAERR, ENOTDIR, "make '%s'", next);
			goto out;
		}
		if (e.errnum != ENOENT) {
			*ep = e;
			goto out;
		}
		sbx_close_fd(&pfd);
		if ((pfd = os_open_beneath(rootfd, cur, O_RDONLY | O_DIRECTORY,
		    0, ep)) == -1)
			goto out;
		/* comp is one name: mkdirat(2) never follows it. */
		if (mkdirat(pfd, comp, 0755) == -1) {
			if (errno != EEXIST) {
				error_set(ep, EX_OSERR, errno, "mkdir '%s'",
				    next);
				goto out;
			}
			if (fstatat(pfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode)) {
				n = readlinkat(pfd, comp, link,
				    sizeof(link) - 1);
				if (n <= 0) {
					error_set(ep, EX_DATAERR, errno,
					    "readlink '%s'", next);
					goto out;
				}
				link[n] = '\0';
				tpath = link[0] == '/' ? xstrdup(link) :
				    xasprintf("%s/%s", cur, link);
				rv = mkdir_beneath(rootfd, tpath, depth + 1,
				    ep);
				free(tpath);
				if (rv == -1)
					goto out;
				rv = -1;
			}
		}
		if ((fd = os_open_beneath(rootfd, next, O_RDONLY | O_DIRECTORY,
		    0, ep)) == -1)
			goto out;
exists:
		(void)close(fd);
		free(cur);
		cur = next;
		next = NULL;
	}
	rv = 0;
out:
	sbx_close_fd(&pfd);
	free(next);
	free(cur);
	free(copy);
	return (rv);
}

int
sbx_mkdir_beneath(int rootfd, const char *path, struct error *ep)
{
	return (mkdir_beneath(rootfd, path, 0, ep));
}

int
sbx_make_file_beneath(int rootfd, const char *path, struct error *ep)
{
	char *parent, *base;
	int pfd = -1, fd, rv = -1;

	parent = xstrdup(path);
	if ((base = strrchr(parent, '/')) == NULL) {
		base = parent;
		parent[0] = '\0';
	} else
		*base++ = '\0';
	if (*base == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0) {
		error_set(ep, EX_DATAERR, 0, "'%s' is not a file name", path);
		goto out;
	}
	if (sbx_mkdir_beneath(rootfd, parent, ep) == -1 ||
	    (pfd = os_open_beneath(rootfd, parent, O_RDONLY | O_DIRECTORY, 0,
	    ep)) == -1)
		goto out;
	if ((fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_NOCTTY | O_CLOEXEC, 0644)) == -1 && errno != EEXIST) {
		error_set(ep, EX_OSERR, errno, "create '%s'", path);
		goto out;
	}
	if (fd >= 0)
		(void)close(fd);
	rv = 0;
out:
	sbx_close_fd(&pfd);
	free(parent);
	return (rv);
}

_Noreturn void
sbx_exec_fail(int errfd, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (errfd >= 0)
		(void)dprintf(errfd, "%d %s\n", code, msg);
	_exit(code);
}

_Noreturn void
sbx_exec_fail_error(int errfd, const struct error *e)
{
	int code = e->exit != 0 ? e->exit : EX_SOFTWARE;

	if (e->errnum != 0)
		sbx_exec_fail(errfd, code, "%s: %s", e->msg,
		    strerror(e->errnum));
	sbx_exec_fail(errfd, code, "%s", e->msg);
}

const struct sbx_app *
sbx_exec_app_of(const struct sbx_pod *pod, const struct sbx_proc *proc,
    int errfd)
{
	if (errfd >= 0)
		(void)fcntl(errfd, F_SETFD, FD_CLOEXEC);
	if (proc->app >= pod->napps)
		sbx_exec_fail(errfd, EX_SOFTWARE, "no app %zu in the pod",
		    proc->app);
	return (&pod->apps[proc->app]);
}

/* The length of the name of "K=V" (all of it without '='). */
static size_t
env_name_len(const char *kv)
{
	return (strcspn(kv, "="));
}

/*
 * env with one entry per name, the last value of a name in the place of
 * its first (a later setting overrides, as in a shell), plus HOME from
 * the user's entry when env has none.  Every reader then agrees on each
 * value: execve(2) passes duplicates through, and getenv(3) takes the
 * first where some shells take the last.
 */
static char **
make_env(char *const *env, const char *home)
{
	char **out;
	size_t i, k, n, len, nout = 0;
	bool has_home = false;

	for (n = 0; env != NULL && env[n] != NULL; n++)
		;
	out = xcalloc(n + 2, sizeof(*out));
	for (i = 0; i < n; i++) {
		len = env_name_len(env[i]);
		if (len == 4 && strncmp(env[i], "HOME", 4) == 0)
			has_home = true;
		for (k = 0; k < nout; k++)
			if (env_name_len(out[k]) == len &&
			    strncmp(out[k], env[i], len) == 0)
				break;
		out[k] = env[i];
		if (k == nout)
			nout++;
	}
	if (!has_home)
		out[nout] = xasprintf("HOME=%s", home);
	return (out);
}

void
sbx_exec_prepare(int rootfd, const struct sbx_proc *proc, int errfd,
    struct sbx_exec *x)
{
	struct error e = ERROR_INIT;

	if (passwd_resolve(rootfd, proc->user, proc->group, proc->supp_gids,
	    proc->nsupp_gids, &x->ids, &e) == -1)
		sbx_exec_fail_error(errfd, &e);
	x->envp = make_env(proc->env, x->ids.home);
	x->cwd = proc->cwd != NULL && proc->cwd[0] != '\0' ? proc->cwd : "/";
	if (x->cwd[0] != '/')
		sbx_exec_fail(errfd, EX_DATAERR, "working directory '%s' is "
		    "not absolute", x->cwd);
	/* Apps start with the usual umask, and cwd is made 0755 with it. */
	(void)umask(022);
}

void
sbx_exec_chdir(const char *cwd, int errfd)
{
	struct error e = ERROR_INIT;
	int rootfd, fd;

	/*
	 * The image controls every component of cwd, and may swap one for
	 * a symlink to /proc/1/root at any moment: resolve it beneath our
	 * root (no magic links, no ".." above it) and enter what was
	 * resolved, never the path again.
	 */
	if ((rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "open '/': %s", strerror(errno));
	if (sbx_mkdir_beneath(rootfd, cwd, &e) == -1 ||
	    (fd = os_open_beneath(rootfd, cwd, O_RDONLY | O_DIRECTORY, 0,
	    &e)) == -1) {
		error_wrap(&e, "working directory '%s'", cwd);
		sbx_exec_fail_error(errfd, &e);
	}
	if (fchdir(fd) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "chdir '%s': %s", cwd,
		    strerror(errno));
	(void)close(fd);
	(void)close(rootfd);
}

void
sbx_exec_rlimits(void)
{
	struct rlimit rl = { NOFILE_WANT, NOFILE_WANT };

	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 &&
	    getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	rl.rlim_cur = rl.rlim_max = 0;
	(void)setrlimit(RLIMIT_CORE, &rl);
}

/* The pty's slave, without a path where the system can. */
static int
pty_slave(int master, int rootfd, int errfd)
{
	struct error e = ERROR_INIT;
	const char *name;
	int fd;

#ifdef TIOCGPTPEER
	/* Through the master's own devpts mount, whatever /dev/pts is. */
	if ((fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY |
	    O_CLOEXEC)) >= 0)
		return (fd);
#endif
	if ((name = ptsname(master)) == NULL)
		sbx_exec_fail(errfd, EX_OSERR, "ptsname: %s", strerror(errno));
	if (rootfd >= 0) {
		if ((fd = os_open_beneath(rootfd, name, O_RDWR | O_NOCTTY, 0,
		    &e)) == -1)
			sbx_exec_fail_error(errfd, &e);
	} else if ((fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "open '%s': %s", name,
		    strerror(errno));
	return (fd);
}

void
sbx_exec_pty(const struct sbx_proc *proc, int rootfd, uid_t uid, int errfd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct winsize ws;
	struct msghdr mh;
	struct cmsghdr *c;
	struct iovec iov;
	char byte = 'M';
	ssize_t n;
	int master, slave, k;

	if (!proc->tty || proc->tty_sock <= 2)
		return;
	if ((master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "pty: posix_openpt: %s",
		    strerror(errno));
	if (grantpt(master) == -1 || unlockpt(master) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "pty: unlock: %s",
		    strerror(errno));
	slave = pty_slave(master, rootfd, errfd);
	/* The app's user may then reopen it, as after a login. */
	if (uid != 0 && fchown(slave, uid, (gid_t)-1) == -1)
		sbx_exec_fail(errfd, EX_OSERR, "pty: chown: %s",
		    strerror(errno));
	/* Before the app runs, so its first TIOCGWINSZ is right. */
	do
		n = read(proc->tty_sock, &ws, sizeof(ws));
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof(ws) && ws.ws_row != 0 && ws.ws_col != 0)
		(void)ioctl(master, TIOCSWINSZ, &ws);
	for (k = 0; k < 3; k++)
		if (dup2(slave, k) == -1)
			sbx_exec_fail(errfd, EX_OSERR, "pty: dup: %s",
			    strerror(errno));
	if (slave > 2)
		(void)close(slave);
	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	/* MSG_NOSIGNAL: a monitor gone is an error, not our SIGPIPE. */
	do
		n = sendmsg(proc->tty_sock, &mh, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n != 1)
		sbx_exec_fail(errfd, EX_OSERR, "pty: send the master: %s",
		    n == -1 ? strerror(errno) : "short write");
	(void)close(master);
	(void)close(proc->tty_sock);
}

void
sbx_exec_tty(const struct sbx_proc *proc, int errfd)
{
	if (proc->tty && (setsid() == -1 || ioctl(0, TIOCSCTTY, 0) == -1))
		sbx_exec_fail(errfd, EX_OSERR, "controlling terminal: %s",
		    strerror(errno));
}

/* close_range(2) of [lo, hi], or one close(2) at a time without it. */
static void
close_from_to(unsigned int lo, unsigned int hi)
{
	long max;
	unsigned int fd;

	if (lo > hi || close_range(lo, hi, 0) == 0)
		return;
	/* ENOSYS (Linux before 5.9): fail closed, not open. */
	if ((max = sysconf(_SC_OPEN_MAX)) < 0 || max > 1048576)
		max = 1048576;
	for (fd = lo; fd <= hi && fd < (unsigned int)max; fd++)
		(void)close((int)fd);
}

void
sbx_exec_close_fds_but(const int *keep, size_t n)
{
	unsigned int lo = 3, next;
	size_t i;

	/* Close [lo, next keep - 1] and step over the kept one, in order. */
	for (;;) {
		next = ~0U;
		for (i = 0; i < n; i++)
			if (keep[i] >= 0 && (unsigned int)keep[i] >= lo &&
			    (unsigned int)keep[i] < next)
				next = (unsigned int)keep[i];
		if (next == ~0U) {
			close_from_to(lo, ~0U);
			return;
		}
		if (next > lo)
			close_from_to(lo, next - 1);
		lo = next + 1;
	}
}

void
sbx_exec_close_fds(int errfd)
{
	/* The CVE-2024-21626 class: nothing of ours reaches the app. */
	sbx_exec_close_fds_but(&errfd, 1);
}

_Noreturn void
sbx_exec_run(char *const *argv, char **envp, int errfd)
{
	const char *path = SBX_DEFAULT_PATH, *p, *end;
	sigset_t none;
	char *file;
	bool denied = false;
	size_t i;
	int err;

	/*
	 * execve(2) keeps ignored signals ignored: pod-exec ignores SIGPIPE,
	 * and a pipeline in the app must not.
	 */
	for (i = 1; i < NSIG; i++)
		(void)signal((int)i, SIG_DFL);
	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
		sbx_exec_fail(errfd, 127, "exec: empty command");
	if (strchr(argv[0], '/') != NULL) {
		(void)execve(argv[0], argv, envp);
		err = errno;
		sbx_exec_fail(errfd, err == ENOENT || err == ENOTDIR ? 127 :
		    126, "exec '%s': %s", argv[0], strerror(err));
	}
	for (i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0) {
			path = envp[i] + 5;
			break;
		}
	for (p = path; ; p = end + 1) {
		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		/* An empty element is the current directory, as in execvp. */
		file = xasprintf("%.*s%s%s", (int)(end - p), p,
		    end > p ? "/" : "", argv[0]);
		(void)execve(file, argv, envp);
		err = errno;
		free(file);
		switch (err) {
		case EACCES:
			denied = true;
			/* FALLTHROUGH */
		case ENOENT:
		case ENOTDIR:
		case ELOOP:
		case ENAMETOOLONG:
			break;
		default:
			sbx_exec_fail(errfd, 126, "exec '%s': %s", argv[0],
			    strerror(err));
		}
		if (*end == '\0')
			break;
	}
	if (denied)
		sbx_exec_fail(errfd, 126, "exec '%s': %s", argv[0],
		    strerror(EACCES));
	sbx_exec_fail(errfd, 127, "exec '%s': %s", argv[0], strerror(ENOENT));
}
