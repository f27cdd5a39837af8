/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The zfs storage driver, through zfs(8), the one interface that FreeBSD's
 * ZFS, OpenZFS on Linux and zfs-fuse share.  Each layer chain is the
 * dataset DATASET/layers/<hex>: the bottom one created empty, every other
 * one cloned from its parent chain's @layer snapshot; the layer is applied
 * in its mountpoint with deletions for whiteouts, then the dataset is made
 * read-only and snapshotted @layer.  The snapshot is the commit: a dataset
 * without it is a build that did not finish, destroyed by the next build
 * of that chain or by driver_sweep().  zfs(8) runs with fork/exec (no
 * shell, LC_ALL=C so that its messages can be recognised); "dataset is
 * busy", which zfs-fuse says for a while after a mount or unmount, is
 * retried.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "common/driver.h"
#include "common/driver_impl.h"
#include "common/error.h"
#include "common/layer.h"
#include "common/log.h"
#include "common/xalloc.h"

extern char **environ;

#define	ZFS_OUT_MAX	(16 * 1024 * 1024)
#define	ZFS_BUSY_TRIES	40
#define	ZFS_ARGS	16

struct zrun {
	char	*out;		/* stdout, NUL-terminated */
	size_t	 outlen;
	char	 err[1024];	/* first bytes of stderr */
	int	 status;	/* exit status */
};

static void
zrun_free(struct zrun *r)
{
	free(r->out);
	r->out = NULL;
}

/* The environment of zfs(8): ours without locale settings, in C. */
static char **
zfs_env(void)
{
	char **env;
	size_t n = 0, k = 0, i;

	while (environ != NULL && environ[n] != NULL)
		n++;
	env = xcalloc(n + 2, sizeof(*env));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "LC_", 3) != 0 &&
		    strncmp(environ[i], "LANG=", 5) != 0 &&
		    strncmp(environ[i], "LANGUAGE=", 9) != 0)
			env[k++] = environ[i];
	env[k++] = (char *)"LC_ALL=C";
	env[k] = NULL;
	return (env);
}

/* Candidate paths of zfs(8): $PATH, then the sbin directories. */
static char **
zfs_paths(size_t *np)
{
	const char *path = getenv("PATH"), *p, *e;
	static const char *const extra[] = { "/sbin", "/usr/sbin",
	    "/usr/local/sbin" };
	char **v = NULL;
	size_t n = 0, i;

	for (p = path != NULL ? path : ""; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p && *p == '/') {
			v = xreallocarray(v, n + 1, sizeof(*v));
			v[n++] = xasprintf("%.*s/zfs", (int)(e - p), p);
		}
	}
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xasprintf("%s/zfs", extra[i]);
	}
	*np = n;
	return (v);
}

static void
cmdline(const char *const *argv, char *buf, size_t len)
{
	size_t off = 0;
	int n;

	buf[0] = '\0';
	for (; *argv != NULL && off < len; argv++) {
		n = snprintf(buf + off, len - off, "%s%s", off ? " " : "",
		    *argv);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

/*
 * Run zfs with argv (argv[0] is "zfs"), stdin /dev/null, collecting stdout
 * and stderr.  0 when it ran (status in r), -1 when it could not.
 */
static int
zfs_exec(const char *const *argv, struct zrun *r, struct error *ep)
{
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, nul = -1;
	struct pollfd pf[2];
	char **env = NULL, **paths = NULL, chunk[4096];
	size_t npaths = 0, i, errlen = 0, cap = 0;
	pid_t pid;
	ssize_t n;
	int status, rv = -1, open_fds;

	(void)memset(r, 0, sizeof(*r));
	if (pipe2(out, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1) {
		error_set(ep, EX_OSERR, errno, "pipe");
		goto out;
	}
	if ((nul = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		error_set(ep, EX_OSERR, errno, "open '/dev/null'");
		goto out;
	}
	env = zfs_env();
	paths = zfs_paths(&npaths);
	if ((pid = fork()) == -1) {
		error_set(ep, EX_OSERR, errno, "fork");
		goto out;
	}
	if (pid == 0) {
		static const char msg[] = "zfs: command not found\n";

		if (dup2(nul, 0) == -1 || dup2(out[1], 1) == -1 ||
		    dup2(errp[1], 2) == -1)
			_exit(126);
		(void)signal(SIGPIPE, SIG_DFL);
		for (i = 0; i < npaths; i++)
			(void)execve(paths[i], (char *const *)argv, env);
		(void)write(2, msg, sizeof(msg) - 1);
		_exit(127);
	}
	(void)close(out[1]);
	(void)close(errp[1]);
	out[1] = errp[1] = -1;
	r->out = xmalloc(1);
	r->out[0] = '\0';
	pf[0].fd = out[0];
	pf[1].fd = errp[0];
	pf[0].events = pf[1].events = POLLIN;
	open_fds = 2;
	while (open_fds > 0) {
		if (poll(pf, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pf[i].fd == -1 || pf[i].revents == 0)
				continue;
			n = read(pf[i].fd, chunk, sizeof(chunk));
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0) {
				pf[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 0 && r->outlen + (size_t)n < ZFS_OUT_MAX) {
				if (r->outlen + (size_t)n + 1 > cap) {
					cap = (r->outlen + (size_t)n + 1) * 2;
					r->out = xrealloc(r->out, cap);
				}
				(void)memcpy(r->out + r->outlen, chunk,
				    (size_t)n);
				r->outlen += (size_t)n;
				r->out[r->outlen] = '\0';
			} else if (i == 1 && errlen < sizeof(r->err) - 1) {
				size_t k = (size_t)n;

				if (k > sizeof(r->err) - 1 - errlen)
					k = sizeof(r->err) - 1 - errlen;
				(void)memcpy(r->err + errlen, chunk, k);
				errlen += k;
				r->err[errlen] = '\0';
			}
		}
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			error_set(ep, EX_OSERR, errno, "waitpid");
			goto out;
		}
	if (WIFSIGNALED(status)) {
		error_set(ep, EX_OSERR, 0, "zfs: killed by signal %d",
		    WTERMSIG(status));
		goto out;
	}
	r->status = WEXITSTATUS(status);
	if (r->status == 127 && strstr(r->err, "command not found") != NULL) {
		error_set(ep, EX_UNAVAILABLE, 0, "zfs(8) not found");
		goto out;
	}
	rv = 0;
out:
	if (rv == -1)
		zrun_free(r);
	for (i = 0; i < 2; i++) {
		if (out[i] != -1)
			(void)close(out[i]);
		if (errp[i] != -1)
			(void)close(errp[i]);
	}
	if (nul != -1)
		(void)close(nul);
	for (i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	free(env);
	return (rv);
}

/* The first line of zfs's stderr, for a message. */
static const char *
first_line(char *s)
{
	char *nl;

	while (*s == ' ' || *s == '\n')
		s++;
	if ((nl = strchr(s, '\n')) != NULL)
		*nl = '\0';
	return (*s != '\0' ? s : "failed");
}

static int
zfs_fail(const char *const *argv, struct zrun *r, struct error *ep)
{
	char cmd[512];
	int ex = EX_OSERR;

	cmdline(argv, cmd, sizeof(cmd));
	if (strstr(r->err, "ermission denied") != NULL)
		ex = EX_NOPERM;
	else if (strstr(r->err, "does not exist") != NULL)
		ex = EX_NOINPUT;
	else if (strstr(r->err, "daemon") != NULL ||
	    strstr(r->err, "connect") != NULL ||
	    strstr(r->err, "/dev/zfs") != NULL)
		ex = EX_UNAVAILABLE;
	else if (strstr(r->err, "out of space") != NULL)
		ex = EX_IOERR;
	else if (strstr(r->err, "busy") != NULL)
		/* Still busy after the retries: in use, worth retrying. */
		ex = EX_TEMPFAIL;
	return (error_set(ep, ex, 0, "%s: %s", cmd, first_line(r->err)));
}

/*
 * Run zfs and require success, retrying while it says the dataset is
 * busy.  outp (may be NULL) receives stdout, to be freed.
 */
static int
zfs_cmd(const char *const *argv, char **outp, struct error *ep)
{
	struct zrun r;
	struct timespec ts;
	int tries;

	for (tries = 1;; tries++) {
		if (zfs_exec(argv, &r, ep) == -1)
			return (-1);
		if (r.status == 0)
			break;
		if (strstr(r.err, "busy") == NULL || tries >= ZFS_BUSY_TRIES) {
			zfs_fail(argv, &r, ep);
			zrun_free(&r);
			return (-1);
		}
		zrun_free(&r);
		ts.tv_sec = 0;
		ts.tv_nsec = (tries < 5 ? 50 : 250) * 1000000L;
		(void)nanosleep(&ts, NULL);
	}
	if (outp != NULL)
		*outp = r.out;
	else
		free(r.out);
	return (0);
}

/*
 * Run zfs once: 1 if it succeeded, 0 if it failed saying one of the
 * expected things (NULL-terminated list of substrings of its stderr), -1
 * with zfs_fail()'s error otherwise.
 */
static int
zfs_try(const char *const *argv, const char *const *expected,
    struct error *ep)
{
	struct zrun r;
	size_t i;
	int rv = -1;

	if (zfs_exec(argv, &r, ep) == -1)
		return (-1);
	if (r.status == 0)
		rv = 1;
	for (i = 0; rv == -1 && expected[i] != NULL; i++)
		if (strstr(r.err, expected[i]) != NULL)
			rv = 0;
	if (rv == -1)
		zfs_fail(argv, &r, ep);
	zrun_free(&r);
	return (rv);
}

/* 1 if the dataset or snapshot exists, 0 if not, -1 on error. */
static int
zfs_has(const char *name, const char *type, struct error *ep)
{
	const char *argv[] = { "zfs", "list", "-H", "-o", "name", "-t", type,
	    name, NULL };
	static const char *const missing[] = { "does not exist", "not found",
	    NULL };

	return (zfs_try(argv, missing, ep));
}

/* Get one property value of name into buf ("" for "-"). */
static int
zfs_get(const char *name, const char *prop, char *buf, size_t len,
    struct error *ep)
{
	const char *argv[] = { "zfs", "get", "-H", "-o", "value", prop, name,
	    NULL };
	char *out = NULL, *nl;

	if (zfs_cmd(argv, &out, ep) == -1)
		return (-1);
	if ((nl = strchr(out, '\n')) != NULL)
		*nl = '\0';
	(void)snprintf(buf, len, "%s", strcmp(out, "-") == 0 ? "" : out);
	free(out);
	return (0);
}

static int
zfs_destroy(const char *name, struct error *ep)
{
	const char *argv[] = { "zfs", "destroy", "-r", name, NULL };

	return (zfs_cmd(argv, NULL, ep));
}

/* Mount name if it is not, and return its mountpoint in mp. */
static int
zfs_mounted(const char *name, char *mp, size_t len, struct error *ep)
{
	const char *margv[] = { "zfs", "mount", name, NULL };
	static const char *const already[] = { "already mounted", NULL };
	char mounted[16];

	if (zfs_get(name, "mounted", mounted, sizeof(mounted), ep) == -1 ||
	    zfs_get(name, "mountpoint", mp, len, ep) == -1)
		return (-1);
	if (mp[0] != '/')
		return (error_set(ep, EX_CONFIG, 0, "dataset '%s' has no "
		    "mountpoint ('%s')", name, mp));
	if (strcmp(mounted, "yes") == 0)
		return (0);
	return (zfs_try(margv, already, ep) == -1 ? -1 : 0);
}

static void
ds_name(const struct driver *d, const char *hex, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%s/layers/%s", d->dataset, hex);
}

/* ------------------------------------------------------------ driver ops */

static int
zfs_init(struct driver *d, struct error *ep)
{
	char layers[DRIVER_DATASET_MAX + 16], mp[PATH_MAX], opt[PATH_MAX + 16];
	const char *cargv[] = { "zfs", "create", "-o", "canmount=off",
	    d->dataset, NULL };
	const char *largv[] = { "zfs", "create", "-o", opt, layers, NULL };
	int lockfd, r, rv = -1;

	(void)snprintf(layers, sizeof(layers), "%s/layers", d->dataset);
	(void)snprintf(opt, sizeof(opt), "mountpoint=%s", d->base);
	/* Quick path: set up already. */
	if ((r = zfs_has(layers, "filesystem", ep)) == -1)
		return (error_wrap(ep, "zfs driver"));
	if (r == 0) {
		if ((lockfd = driver_lock(d, "zfs-setup", false, ep)) == -1)
			return (-1);
		if ((r = zfs_has(d->dataset, "filesystem", ep)) == -1)
			goto out;
		/*
		 * The dataset only holds "layers": it must not mount over
		 * anything (its inherited mountpoint may well be the root).
		 */
		if (r == 0 && zfs_cmd(cargv, NULL, ep) == -1)
			goto out;
		if ((r = zfs_has(layers, "filesystem", ep)) == -1)
			goto out;
		if (r == 0 && zfs_cmd(largv, NULL, ep) == -1)
			goto out;
		rv = 0;
out:
		driver_unlock(d, "zfs-setup", lockfd);
		if (rv == -1)
			return (error_wrap(ep, "zfs driver"));
	}
	if (zfs_mounted(layers, mp, sizeof(mp), ep) == -1)
		return (error_wrap(ep, "zfs driver"));
	return (0);
}

static int
zfs_exists(struct driver *d, const char *hex, struct error *ep)
{
	char snap[DRIVER_DATASET_MAX + 96];

	ds_name(d, hex, snap, sizeof(snap));
	(void)strncat(snap, "@layer", sizeof(snap) - strlen(snap) - 1);
	return (zfs_has(snap, "snapshot", ep));
}

/* The mountpoint must be a mount: never write into what lies beneath. */
static int
open_mountpoint(const char *mp, struct error *ep)
{
	struct stat a, b;
	char up[PATH_MAX + 4];
	int fd;

	if ((fd = open(mp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (error_set(ep, EX_OSERR, errno, "open '%s'", mp));
	(void)snprintf(up, sizeof(up), "%s/..", mp);
	if (fstat(fd, &a) == -1 || stat(up, &b) == -1) {
		error_set(ep, EX_OSERR, errno, "stat '%s'", mp);
		(void)close(fd);
		return (-1);
	}
	if (a.st_dev == b.st_dev) {
		error_set(ep, EX_OSERR, 0, "'%s' is not mounted", mp);
		(void)close(fd);
		return (-1);
	}
	return (fd);
}

static int
zfs_build(struct driver *d, const char *hex, const struct driver_layer *l,
    const struct driver_build *b, struct layer_stats *stp, struct error *ep)
{
	struct layer_opts opts;
	struct layer_stats st;
	struct error e2 = ERROR_INIT;
	char ds[DRIVER_DATASET_MAX + 80], origin[DRIVER_DATASET_MAX + 96];
	char mp[PATH_MAX], pprop[DIGEST_MAX + 16], dprop[DIGEST_MAX + 16];
	char sprop[64], snap[DRIVER_DATASET_MAX + 96];
	const char *phex;
	const char *cargv[ZFS_ARGS];
	const char *sargv[] = { "zfs", "set", sprop, ds, NULL };
	const char *rargv[] = { "zfs", "set", "readonly=on", ds, NULL };
	const char *snargv[] = { "zfs", "snapshot", snap, NULL };
	int fd = -1, r, k = 0;
	bool created = false;

	opts = b->opts;
	opts.whiteout = LAYER_WHITEOUT_DELETE;
	(void)memset(&st, 0, sizeof(st));
	ds_name(d, hex, ds, sizeof(ds));
	(void)snprintf(snap, sizeof(snap), "%s@layer", ds);

	/* A dataset without @layer is what a killed build left. */
	if ((r = zfs_has(ds, "filesystem", ep)) == -1)
		return (-1);
	if (r == 1) {
		log_info("zfs: destroying unfinished '%s'", ds);
		if (zfs_destroy(ds, ep) == -1)
			return (-1);
	}
	(void)snprintf(dprop, sizeof(dprop), "berth:diffid=%s", l->diffid);
	(void)snprintf(pprop, sizeof(pprop), "berth:parent=%s",
	    l->parent != NULL ? l->parent : "");
	cargv[k++] = "zfs";
	if (l->parent != NULL) {
		if (driver_hex(l->parent, &phex, ep) == -1)
			return (-1);
		ds_name(d, phex, origin, sizeof(origin));
		(void)strncat(origin, "@layer",
		    sizeof(origin) - strlen(origin) - 1);
		cargv[k++] = "clone";
		cargv[k++] = "-o";
		cargv[k++] = "readonly=off";
	} else
		cargv[k++] = "create";
	cargv[k++] = "-o";
	cargv[k++] = dprop;
	if (l->parent != NULL) {
		cargv[k++] = "-o";
		cargv[k++] = pprop;
		cargv[k++] = origin;
	}
	cargv[k++] = ds;
	cargv[k] = NULL;
	if (zfs_cmd(cargv, NULL, ep) == -1)
		return (-1);
	created = true;
	if (zfs_mounted(ds, mp, sizeof(mp), ep) == -1 ||
	    (fd = open_mountpoint(mp, ep)) == -1)
		goto fail;
	if (b->apply(fd, l->blobfd, l->comp, l->digest, l->diffid, &opts,
	    &st, ep) == -1) {
		error_wrap(ep, "layer %s", l->digest);
		goto fail;
	}
	(void)close(fd);
	fd = -1;
	(void)snprintf(sprop, sizeof(sprop), "berth:size=%llu",
	    (unsigned long long)st.uncompressed);
	if (zfs_cmd(sargv, NULL, ep) == -1 || zfs_cmd(rargv, NULL, ep) == -1 ||
	    zfs_cmd(snargv, NULL, ep) == -1)
		goto fail;
	if (stp != NULL)
		*stp = st;
	return (0);
fail:
	if (fd != -1)
		(void)close(fd);
	if (created && zfs_destroy(ds, &e2) == -1)
		log_warnx("%s", e2.msg);
	return (-1);
}

static bool
is_hex64(const char *s, size_t len)
{
	size_t i;

	if (len != DRIVER_HEX_LEN)
		return (false);
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return (false);
	return (true);
}

static int
zfs_sweep(struct driver *d, struct error *ep)
{
	char layers[DRIVER_DATASET_MAX + 16], ds[DRIVER_DATASET_MAX + 80];
	char hex[DRIVER_HEX_LEN + 1];
	const char *argv[] = { "zfs", "list", "-H", "-o", "name", "-t", "all",
	    "-r", layers, NULL };
	char *out = NULL, *line, *next, *name, *at;
	char **todo = NULL;
	size_t n = 0, i, ll;
	int lockfd, r, removed = 0, rv = 0;

	(void)snprintf(layers, sizeof(layers), "%s/layers", d->dataset);
	ll = strlen(layers);
	if (zfs_cmd(argv, &out, ep) == -1)
		return (-1);
	/* Datasets DS/layers/<hex> listed without their @layer. */
	for (line = out; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (strncmp(line, layers, ll) != 0 || line[ll] != '/')
			continue;
		name = line + ll + 1;
		at = strchr(name, '@');
		if (!is_hex64(name, at != NULL ? (size_t)(at - name) :
		    strlen(name)))
			continue;
		if (at != NULL) {
			if (strcmp(at, "@layer") != 0)
				continue;
			/* Committed: drop it from the list. */
			for (i = 0; i < n; i++)
				if (strncmp(todo[i], name,
				    DRIVER_HEX_LEN) == 0) {
					free(todo[i]);
					todo[i] = todo[--n];
					break;
				}
			continue;
		}
		todo = xreallocarray(todo, n + 1, sizeof(*todo));
		todo[n++] = xstrdup(name);
	}
	free(out);
	for (i = 0; i < n; i++) {
		if (rv == -1)
			goto next;
		(void)snprintf(hex, sizeof(hex), "%s", todo[i]);
		if ((lockfd = driver_lock(d, hex, true, ep)) == -1) {
			if (ep->exit == EX_TEMPFAIL)
				error_clear(ep);
			else
				rv = -1;
			goto next;
		}
		/* Under the lock: committed meanwhile, or truly left over? */
		if ((r = zfs_exists(d, hex, ep)) == 0) {
			ds_name(d, hex, ds, sizeof(ds));
			log_info("zfs: destroying unfinished '%s'", ds);
			if (zfs_destroy(ds, ep) == -1)
				rv = -1;
			else
				removed++;
		} else if (r == -1)
			rv = -1;
		driver_unlock(d, hex, lockfd);
next:
		free(todo[i]);
	}
	free(todo);
	return (rv == -1 ? -1 : removed);
}

static int
zfs_path(struct driver *d, const char *hex, char *buf, size_t len,
    struct error *ep)
{
	char ds[DRIVER_DATASET_MAX + 80];
	int r;

	if ((r = zfs_exists(d, hex, ep)) == -1)
		return (-1);
	if (r == 0)
		return (error_set(ep, EX_NOINPUT, 0, "chain sha256:%s is not "
		    "unpacked", hex));
	ds_name(d, hex, ds, sizeof(ds));
	return (zfs_mounted(ds, buf, len, ep));
}

static int
zfs_parent(struct driver *d, const char *hex, char *out, struct error *ep)
{
	char ds[DRIVER_DATASET_MAX + 80], v[DIGEST_MAX + 8];

	ds_name(d, hex, ds, sizeof(ds));
	if (zfs_get(ds, "berth:parent", v, sizeof(v), ep) == -1)
		return (-1);
	if (strlen(v) >= DIGEST_MAX ||
	    (v[0] != '\0' && digest_validate(v, NULL, NULL) == -1))
		return (error_set(ep, EX_DATAERR, 0, "'%s': bad berth:parent "
		    "'%s'", ds, v));
	(void)memcpy(out, v, strlen(v) + 1);
	return (0);
}

const struct driver_ops driver_zfs_ops = {
	.independent = false,
	.init = zfs_init,
	.exists = zfs_exists,
	.build = zfs_build,
	.sweep = zfs_sweep,
	.path = zfs_path,
	.parent = zfs_parent,
	.fini = NULL
};

int
driver_zfs_dataset_at(const char *root, char *dataset, struct error *ep)
{
	const char *argv[] = { "zfs", "list", "-H", "-o", "name,mountpoint",
	    "-t", "filesystem", NULL };
	char *out = NULL, *line, *next, *tab, best[DRIVER_DATASET_MAX];
	size_t bestlen = 0, ml, rl = strlen(root);
	bool exact = false;
	int n;

	best[0] = '\0';
	if (zfs_cmd(argv, &out, ep) == -1)
		return (-1);
	for (line = out; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if ((tab = strchr(line, '\t')) == NULL)
			continue;
		*tab++ = '\0';
		if (*tab != '/')
			continue;
		ml = strlen(tab);
		while (ml > 1 && tab[ml - 1] == '/')
			tab[--ml] = '\0';
		if (ml == rl && strcmp(tab, root) == 0) {
			(void)snprintf(best, sizeof(best), "%s", line);
			exact = true;
			break;
		}
		if (ml < rl && ml + 1 > bestlen && strncmp(tab, root, ml) ==
		    0 && (root[ml] == '/' || ml == 1)) {
			(void)snprintf(best, sizeof(best), "%s", line);
			bestlen = ml + 1;
		}
	}
	free(out);
	if (best[0] == '\0')
		return (0);
	n = snprintf(dataset, DRIVER_DATASET_MAX, "%s%s", best,
	    exact ? "" : "/berth");
	if (n < 0 || n >= DRIVER_DATASET_MAX)
		return (0);
	return (1);
}

/* ------------------------------------------------------------ pods */

/* Run a "zfs create" that may find its dataset made already. */
static int
zfs_create_new(const char *const *argv, struct error *ep)
{
	static const char *const made[] = { "already exists", NULL };

	return (zfs_try(argv, made, ep) == -1 ? -1 : 0);
}

/*
 * DATASET/pods and DATASET/pods/<uuid>, made once with canmount=off: they
 * only hold a pod's clones and volumes.  Under the setup lock so that two
 * programs do not race to create them.
 */
static int
pod_parent(struct driver *d, const char *uuid, char *pds, size_t len,
    struct error *ep)
{
	char pods[DRIVER_DATASET_MAX + 8];
	const char *pargv[] = { "zfs", "create", "-o", "canmount=off", "-o",
	    "mountpoint=none", pods, NULL };
	const char *uargv[] = { "zfs", "create", "-o", "canmount=off", "-o",
	    "mountpoint=none", pds, NULL };
	int lockfd, r, rv = -1;

	(void)snprintf(pods, sizeof(pods), "%s/pods", d->dataset);
	(void)snprintf(pds, len, "%s/%s", pods, uuid);
	if ((lockfd = driver_lock(d, "zfs-setup", false, ep)) == -1)
		return (-1);
	/*
	 * Each zfs(8) run costs milliseconds (tens through zfs-fuse): try
	 * the pod's dataset first, and make DATASET/pods only if it is the
	 * missing parent.
	 */
	if ((r = zfs_create_new(uargv, ep)) == -1 && ep->exit == EX_NOINPUT) {
		error_clear(ep);
		if (zfs_create_new(pargv, ep) == -1)
			goto out;
		r = zfs_create_new(uargv, ep);
	}
	if (r == -1)
		goto out;
	rv = 0;
out:
	driver_unlock(d, "zfs-setup", lockfd);
	return (rv);
}

int
driver_zfs_pod_clone(struct driver *d, const char *hex, const char *uuid,
    const char *sub, char *out, struct error *ep)
{
	char pds[DRIVER_DATASET_MAX + 48], snap[DRIVER_DATASET_MAX + 96];
	const char *argv[] = { "zfs", "clone", "-o", "mountpoint=none", "-o",
	    "readonly=off", snap, out, NULL };
	int n;

	if (pod_parent(d, uuid, pds, sizeof(pds), ep) == -1)
		return (-1);
	n = snprintf(out, DRIVER_POD_DATASET_MAX, "%s/%s", pds, sub);
	if (n < 0 || n >= DRIVER_POD_DATASET_MAX) {
		/* A cut name could be another dataset: never leave it. */
		out[0] = '\0';
		return (error_set(ep, EX_SOFTWARE, 0, "dataset name too long"));
	}
	ds_name(d, hex, snap, sizeof(snap));
	(void)strncat(snap, "@layer", sizeof(snap) - strlen(snap) - 1);
	return (zfs_cmd(argv, NULL, ep));
}

int
driver_zfs_pod_create(struct driver *d, const char *uuid, const char *sub,
    const char *const *props, size_t nprops, char *out, struct error *ep)
{
	char pds[DRIVER_DATASET_MAX + 48];
	const char **argv;
	size_t i, k = 0;
	int n, rv;

	if (pod_parent(d, uuid, pds, sizeof(pds), ep) == -1)
		return (-1);
	n = snprintf(out, DRIVER_POD_DATASET_MAX, "%s/%s", pds, sub);
	if (n < 0 || n >= DRIVER_POD_DATASET_MAX) {
		/* A cut name could be another dataset: never leave it. */
		out[0] = '\0';
		return (error_set(ep, EX_SOFTWARE, 0, "dataset name too long"));
	}
	argv = xcalloc(2 * nprops + 8, sizeof(*argv));
	argv[k++] = "zfs";
	argv[k++] = "create";
	argv[k++] = "-o";
	argv[k++] = "mountpoint=none";
	for (i = 0; i < nprops; i++) {
		argv[k++] = "-o";
		argv[k++] = props[i];
	}
	argv[k++] = out;
	argv[k] = NULL;
	rv = zfs_cmd(argv, NULL, ep);
	free(argv);
	/* A property zfs refuses came from the image's labels. */
	if (rv == -1 && ep->exit == EX_OSERR && nprops > 0 &&
	    (strstr(ep->msg, "property") != NULL ||
	    strstr(ep->msg, "must be") != NULL ||
	    strstr(ep->msg, "invalid") != NULL))
		ep->exit = EX_CONFIG;
	return (rv);
}

/* Whether something is mounted on the directory path. */
static bool
is_mountpoint(const char *path)
{
	char up[PATH_MAX];
	struct stat a, b;

	if (snprintf(up, sizeof(up), "%s/..", path) >= (int)sizeof(up))
		return (false);
	return (stat(path, &a) == 0 && stat(up, &b) == 0 &&
	    a.st_dev != b.st_dev);
}

int
driver_zfs_pod_mount(struct driver *d, const char *ds, const char *path,
    struct error *ep)
{
	char opt[PATH_MAX + 16];
	const char *argv[] = { "zfs", "set", opt, ds, NULL };

	(void)d;
	(void)snprintf(opt, sizeof(opt), "mountpoint=%s", path);
	/* Setting the mountpoint of a canmount=on dataset mounts it. */
	if (zfs_cmd(argv, NULL, ep) == -1)
		return (-1);
	/* Mounted (a device of its own there): no need to ask zfs(8). */
	if (is_mountpoint(path))
		return (0);
	return (zfs_mounted(ds, opt, sizeof(opt), ep));
}

int
driver_zfs_pod_destroy(struct driver *d, const char *ds, struct error *ep)
{
	const char *argv[] = { "zfs", "destroy", "-r", "-f", ds, NULL };
	int r;

	(void)d;
	if ((r = zfs_has(ds, "filesystem", ep)) <= 0)
		return (r);
	if (zfs_cmd(argv, NULL, ep) == -1)
		return (-1);
	return (1);
}

int
driver_zfs_pod_list(struct driver *d, char ***vp, size_t *np,
    struct error *ep)
{
	char pods[DRIVER_DATASET_MAX + 8];
	const char *argv[] = { "zfs", "list", "-H", "-o", "name", "-t",
	    "filesystem", "-d", "1", pods, NULL };
	char *out = NULL, *line, *next, **v = NULL;
	size_t n = 0, pl;
	int r;

	*vp = NULL;
	*np = 0;
	(void)snprintf(pods, sizeof(pods), "%s/pods", d->dataset);
	if ((r = zfs_has(pods, "filesystem", ep)) <= 0)
		return (r);
	if (zfs_cmd(argv, &out, ep) == -1)
		return (-1);
	pl = strlen(pods);
	for (line = out; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (strncmp(line, pods, pl) != 0 || line[pl] != '/' ||
		    strchr(line + pl + 1, '/') != NULL)
			continue;
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = xstrdup(line + pl + 1);
		v[n] = NULL;
	}
	free(out);
	*vp = v;
	*np = n;
	return (0);
}
