/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The storage drivers' common part: driver names, chain ids, the root's
 * berth.conf, choosing a driver for a root, opening one, per-chain locks,
 * and the build protocol shared by every driver (lock, check again, build,
 * commit).  The directory drivers (dir, overlay) also share the helpers
 * here: a chain is built in layers/<driver>/.tmp-<hex>-<pid>, described by
 * layer.json inside it, and renamed to <hex> once complete.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "common/digest.h"
#include "common/driver.h"
#include "common/driver_impl.h"
#include "common/error.h"
#include "common/fsutil.h"
#include "common/jailspec.h"
#include "common/jsonx.h"
#include "common/log.h"
#include "common/num.h"
#include "common/platform.h"
#include "common/platform_driver.h"
#include "common/xalloc.h"

#define	CONF_NAME	"berth.conf"
#define	CONF_MAX	(64 * 1024)
#define	META_NAME	"layer.json"
#define	META_MAX	(64 * 1024)
#define	TMP_PREFIX	".tmp-"

static const char *const kind_names[] = {
	[DRIVER_DIR] = "dir",
	[DRIVER_OVERLAY] = "overlay",
	[DRIVER_ZFS] = "zfs"
};

int
driver_kind_parse(const char *s, enum driver_kind *kp, struct error *ep)
{
	size_t i;

	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*kp = (enum driver_kind)i;
			return (0);
		}
	return (error_set(ep, EX_USAGE, 0, "unknown storage driver '%s' "
	    "(zfs, overlay, dir)", s));
}

const char *
driver_kind_name(enum driver_kind k)
{
	if ((size_t)k >= sizeof(kind_names) / sizeof(kind_names[0]))
		return ("unknown");
	return (kind_names[k]);
}

int
driver_dataset_validate(const char *s, struct error *ep)
{
	const char *p, *comp = s;
	size_t len = strlen(s);

	if (len == 0 || len >= DRIVER_DATASET_MAX)
		return (error_set(ep, EX_USAGE, 0, "invalid ZFS dataset '%s'",
		    s));
	for (p = s;; p++) {
		if (*p == '/' || *p == '\0') {
			if (p == comp || *comp == '-' || *comp == '.')
				return (error_set(ep, EX_USAGE, 0,
				    "invalid ZFS dataset '%s'", s));
			if (*p == '\0')
				break;
			comp = p + 1;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		    *p == ':' || *p == '-'))
			return (error_set(ep, EX_USAGE, 0, "invalid ZFS "
			    "dataset '%s': character '%c'", s, *p));
	}
	return (0);
}

int
driver_chain_id(const char *parent, const char *diffid, char *out,
    struct error *ep)
{
	char *buf;
	size_t len;

	if (digest_validate(diffid, NULL, ep) == -1)
		return (error_wrap(ep, "diffID"));
	if (parent == NULL) {
		(void)snprintf(out, DIGEST_MAX, "%s", diffid);
		return (0);
	}
	if (digest_validate(parent, NULL, ep) == -1)
		return (error_wrap(ep, "chain id"));
	buf = xasprintf("%s %s", parent, diffid);
	len = strlen(buf);
	digest_buf(DIGEST_SHA256, buf, len, out);
	free(buf);
	return (0);
}

int
driver_hex(const char *chainid, const char **hexp, struct error *ep)
{
	const char *h;
	size_t i;

	if (strncmp(chainid, "sha256:", 7) != 0 ||
	    strlen(chainid) != 7 + DRIVER_HEX_LEN)
		return (error_set(ep, EX_DATAERR, 0, "invalid chain id '%s'",
		    chainid));
	h = chainid + 7;
	for (i = 0; i < DRIVER_HEX_LEN; i++)
		if (!((h[i] >= '0' && h[i] <= '9') ||
		    (h[i] >= 'a' && h[i] <= 'f')))
			return (error_set(ep, EX_DATAERR, 0,
			    "invalid chain id '%s'", chainid));
	*hexp = h;
	return (0);
}

/* ------------------------------------------------------------ berth.conf */

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return (s);
}

int
driver_conf_read(int rootfd, struct driver_conf *c, struct error *ep)
{
	char *buf = NULL, *line, *next, *key, *val, *eq, **names;
	size_t lineno = 0, n;
	int rv = -1, r;

	(void)memset(c, 0, sizeof(*c));
	limits_init(&c->limits);
	if (file_read_all(rootfd, CONF_NAME, CONF_MAX, &buf, NULL, ep) == -1) {
		if (ep->exit == EX_NOINPUT && ep->errnum == ENOENT) {
			error_clear(ep);
			return (0);
		}
		ep->exit = EX_CONFIG;
		return (error_wrap(ep, "%s", CONF_NAME));
	}
	for (line = buf; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			error_set(ep, EX_CONFIG, 0, "%s:%zu: expected "
			    "key=value", CONF_NAME, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		if (strcmp(key, "driver") == 0) {
			if (driver_kind_parse(val, &c->driver, ep) == -1)
				goto bad;
			c->has_driver = true;
		} else if (strcmp(key, "zfs_dataset") == 0) {
			if (driver_dataset_validate(val, ep) == -1)
				goto bad;
			(void)snprintf(c->zfs_dataset, sizeof(c->zfs_dataset),
			    "%s", val);
		} else if (strcmp(key, "devfs_unhide") == 0) {
			if (strlen(val) >= sizeof(c->devfs_unhide)) {
				error_set(ep, EX_CONFIG, 0, "%s:%zu: "
				    "devfs_unhide: longer than %zu bytes",
				    CONF_NAME, lineno,
				    sizeof(c->devfs_unhide) - 1);
				goto out;
			}
			if (jailspec_devfs_unhide_parse(val, &names, &n,
			    ep) == -1)
				goto bad;
			jailspec_strv_free(names, n);
			(void)snprintf(c->devfs_unhide,
			    sizeof(c->devfs_unhide), "%s", val);
		} else if ((r = limits_set(&c->limits, key, val, ep)) == -1)
			goto bad;
		else if (r == 0) {
			error_set(ep, EX_CONFIG, 0, "%s:%zu: unknown key '%s'",
			    CONF_NAME, lineno, key);
			goto out;
		}
	}
	rv = 1;
	goto out;
bad:
	ep->exit = EX_CONFIG;
	error_wrap(ep, "%s:%zu", CONF_NAME, lineno);
out:
	if (rv == -1) {
		(void)memset(c, 0, sizeof(*c));
		limits_init(&c->limits);
	}
	free(buf);
	return (rv);
}

int
driver_conf_write(int rootfd, const struct driver_conf *c, struct error *ep)
{
	char buf[1024 + DRIVER_UNHIDE_MAX];
	int n, m;

	n = snprintf(buf, sizeof(buf), "# berth root configuration\n");
	if (c->has_driver)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "driver=%s\n",
		    driver_kind_name(c->driver));
	if (c->zfs_dataset[0] != '\0')
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
		    "zfs_dataset=%s\n", c->zfs_dataset);
	if (c->devfs_unhide[0] != '\0')
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
		    "devfs_unhide=%s\n", c->devfs_unhide);
	if ((m = limits_format(&c->limits, buf + n, sizeof(buf) - (size_t)n)) ==
	    -1)
		return (error_set(ep, EX_SOFTWARE, 0, "%s: too long",
		    CONF_NAME));
	n += m;
	if (file_write_atomic(rootfd, CONF_NAME, buf, (size_t)n, 0644,
	    ep) == -1)
		return (error_wrap(ep, "%s", CONF_NAME));
	return (0);
}

int
driver_detect(int rootfd, const char *root, bool privileged,
    enum driver_kind *kp, char *dataset, struct error *ep)
{
	enum os_fs_kind fk;
	char real[PATH_MAX];
	int r;

	dataset[0] = '\0';
	if (os_fs_kind(rootfd, &fk, ep) == -1)
		return (error_wrap(ep, "root '%s'", root));
	if (fk != OS_FS_OTHER && privileged &&
	    realpath(root, real) != NULL) {
		r = driver_zfs_dataset_at(real, dataset, ep);
		if (r == -1) {
			/* A FUSE root need not be zfs-fuse's at all. */
			if (fk == OS_FS_ZFS)
				log_warnx("root '%s' is on ZFS: %s", root,
				    ep->msg);
			error_clear(ep);
		} else if (r == 1) {
			*kp = DRIVER_ZFS;
			return (0);
		}
	}
	if (privileged && strcmp(os_name(), "linux") == 0)
		*kp = DRIVER_OVERLAY;
	else
		*kp = DRIVER_DIR;
	return (0);
}

/* ------------------------------------------------------------ locks */

static void
lock_name(struct driver *d, const char *hex, char *buf, size_t len)
{
	(void)snprintf(buf, len, "layer-%s-%s.lock", driver_kind_name(d->kind),
	    hex);
}

int
driver_lock(struct driver *d, const char *hex, bool nonblock,
    struct error *ep)
{
	char name[128];
	int fd;

	lock_name(d, hex, name, sizeof(name));
	if ((fd = lock_take(d->locksfd, name, true, nonblock, ep)) == -1)
		return (error_wrap(ep, "lock '%s'", name));
	return (fd);
}

void
driver_unlock(struct driver *d, const char *hex, int fd)
{
	char name[128];

	if (fd < 0)
		return;
	lock_name(d, hex, name, sizeof(name));
	(void)lock_unlink(d->locksfd, name, fd);
}

/* ------------------------------------------------------------ open */

static int
open_dir_at(int atfd, const char *path, const char *what, struct error *ep)
{
	int fd;

	if (mkdir_p(atfd, path, 0700, ep) == -1)
		return (error_wrap(ep, "%s", what));
	if ((fd = openat(atfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (error_set(ep, EX_CANTCREAT, errno, "open '%s'", what));
	return (fd);
}

int
driver_open(const char *root, enum driver_kind kind, const char *zfs_dataset,
    struct driver **dp, struct error *ep)
{
	struct driver *d;
	struct stat sb;
	char sub[64], real[PATH_MAX];
	int fd, rc;

	*dp = NULL;
	if (kind == DRIVER_ZFS && (zfs_dataset == NULL ||
	    *zfs_dataset == '\0'))
		return (error_set(ep, EX_USAGE, 0, "the zfs driver needs a "
		    "dataset (--zfs-dataset or zfs_dataset in %s)",
		    CONF_NAME));
	if (kind == DRIVER_ZFS && driver_dataset_validate(zfs_dataset,
	    ep) == -1)
		return (-1);
	if ((kind == DRIVER_OVERLAY || kind == DRIVER_ZFS) && geteuid() != 0)
		return (error_set(ep, EX_NOPERM, 0, "the %s driver needs root",
		    driver_kind_name(kind)));
	if (kind == DRIVER_OVERLAY && strcmp(os_name(), "linux") != 0)
		return (error_set(ep, EX_UNAVAILABLE, 0, "the overlay driver "
		    "needs Linux"));

	d = xcalloc(1, sizeof(*d));
	d->kind = kind;
	d->rootfd = d->basefd = d->locksfd = -1;
	d->privileged = geteuid() == 0;
	/* Paths we hand out (mountpoints, lowerdirs) must be absolute. */
	if (realpath(root, real) == NULL) {
		error_set(ep, errno == ENOENT ? EX_NOINPUT : EX_OSERR, errno,
		    "root '%s'", root);
		free(d);
		return (-1);
	}
	d->root = xstrdup(real);
	d->base = xasprintf("%s/layers/%s", real, driver_kind_name(kind));
	switch (kind) {
	case DRIVER_DIR:
		d->ops = &driver_dir_ops;
		break;
	case DRIVER_OVERLAY:
		d->ops = &driver_overlay_ops;
		break;
	case DRIVER_ZFS:
		d->ops = &driver_zfs_ops;
		(void)snprintf(d->dataset, sizeof(d->dataset), "%s",
		    zfs_dataset);
		break;
	}
	if ((d->rootfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		error_set(ep, errno == ENOENT ? EX_NOINPUT : EX_OSERR, errno,
		    "root '%s'", root);
		goto fail;
	}
	if ((d->locksfd = open_dir_at(d->rootfd, "locks", "locks", ep)) == -1 ||
	    (fd = open_dir_at(d->rootfd, "layers", "layers", ep)) == -1)
		goto fail;
	/* Layers may hold secrets: 0700, whatever an older berth made. */
	rc = fstat(fd, &sb) == 0 && (sb.st_mode & 077) == 0 ? 0 :
	    fchmod(fd, 0700);
	(void)close(fd);
	if (rc == -1) {
		error_set(ep, EX_CANTCREAT, errno, "chmod 'layers'");
		goto fail;
	}
	/* zfs mounts a dataset on layers/zfs: its init opens that. */
	if (kind != DRIVER_ZFS) {
		(void)snprintf(sub, sizeof(sub), "layers/%s",
		    driver_kind_name(kind));
		if ((d->basefd = open_dir_at(d->rootfd, sub, sub, ep)) == -1)
			goto fail;
	}
	if (d->ops->init != NULL && d->ops->init(d, ep) == -1)
		goto fail;
	*dp = d;
	return (0);
fail:
	driver_close(d);
	return (-1);
}

void
driver_close(struct driver *d)
{
	if (d == NULL)
		return;
	if (d->ops != NULL && d->ops->fini != NULL)
		d->ops->fini(d);
	if (d->rootfd != -1)
		(void)close(d->rootfd);
	if (d->basefd != -1)
		(void)close(d->basefd);
	if (d->locksfd != -1)
		(void)close(d->locksfd);
	free(d->root);
	free(d->base);
	free(d);
}

enum driver_kind
driver_kind(const struct driver *d)
{
	return (d->kind);
}

bool
driver_independent(const struct driver *d)
{
	return (d->ops->independent);
}

int
driver_sweep(struct driver *d, struct error *ep)
{
	return (d->ops->sweep(d, ep));
}

int
driver_exists(struct driver *d, const char *chainid, struct error *ep)
{
	const char *hex;

	if (driver_hex(chainid, &hex, ep) == -1)
		return (-1);
	return (d->ops->exists(d, hex, ep));
}

int
driver_path(struct driver *d, const char *chainid, char *buf, size_t len,
    struct error *ep)
{
	const char *hex;

	if (driver_hex(chainid, &hex, ep) == -1)
		return (-1);
	return (d->ops->path(d, hex, buf, len, ep));
}

int
driver_snapshot(struct driver *d, const char *chainid, char *buf, size_t len,
    struct error *ep)
{
	const char *hex;
	int n;

	if (d->kind != DRIVER_ZFS)
		return (error_set(ep, EX_UNAVAILABLE, 0, "the %s driver has no "
		    "snapshots", driver_kind_name(d->kind)));
	if (driver_hex(chainid, &hex, ep) == -1)
		return (-1);
	n = snprintf(buf, len, "%s/layers/%s@layer", d->dataset, hex);
	if (n < 0 || (size_t)n >= len)
		return (error_set(ep, EX_SOFTWARE, 0, "snapshot name too "
		    "long"));
	return (0);
}

int
driver_parent(struct driver *d, const char *chainid, char *buf,
    struct error *ep)
{
	const char *hex;

	if (driver_hex(chainid, &hex, ep) == -1)
		return (-1);
	return (d->ops->parent(d, hex, buf, ep));
}

/* Whether path is something else's mountpoint (device differs from ..). */
static int
is_mountpoint(int dirfd, const char *name, bool *yes, struct error *ep)
{
	struct stat a, b;
	char up[NAME_MAX + 8];

	(void)snprintf(up, sizeof(up), "%s/..", name);
	if (fstatat(dirfd, name, &a, AT_SYMLINK_NOFOLLOW) == -1 ||
	    fstatat(dirfd, up, &b, 0) == -1)
		return (error_set(ep, EX_OSERR, errno, "stat '%s'", name));
	*yes = a.st_dev != b.st_dev;
	return (0);
}

int
driver_mount(struct driver *d, const char *const *chainids, size_t n,
    char *buf, size_t len, struct error *ep)
{
	const char **lower = NULL;
	char **paths = NULL, empty[PATH_MAX];
	const char *hex;
	size_t i, nl = 0;
	bool mounted = false;
	int lockfd = -1, mntfd = -1, rv = -1, k;

	if (d->kind != DRIVER_OVERLAY)
		return (error_set(ep, EX_UNAVAILABLE, 0, "the %s driver does "
		    "not mount", driver_kind_name(d->kind)));
	if (n == 0)
		return (error_set(ep, EX_SOFTWARE, 0, "mount: no layers"));
	if (driver_hex(chainids[0], &hex, ep) == -1)
		return (-1);
	k = snprintf(buf, len, "%s/mnt/%s", d->base, hex);
	if (k < 0 || (size_t)k >= len)
		return (error_set(ep, EX_SOFTWARE, 0, "mount path too long"));
	if ((mntfd = open_dir_at(d->basefd, "mnt", "layers/overlay/mnt",
	    ep)) == -1)
		return (-1);
	/* One mounter at a time per chain, so that two do not stack. */
	if ((lockfd = driver_lock(d, hex, false, ep)) == -1)
		goto out;
	if (mkdirat(mntfd, hex, 0755) == -1 && errno != EEXIST) {
		error_set(ep, EX_CANTCREAT, errno, "mkdir '%s'", buf);
		goto out;
	}
	if (is_mountpoint(mntfd, hex, &mounted, ep) == -1)
		goto out;
	if (mounted) {
		rv = 0;
		goto out;
	}
	paths = xcalloc(n + 1, sizeof(*paths));
	lower = xcalloc(n + 1, sizeof(*lower));
	for (i = 0; i < n; i++) {
		paths[i] = xmalloc(PATH_MAX);
		if (driver_path(d, chainids[i], paths[i], PATH_MAX, ep) == -1)
			goto out;
		lower[nl++] = paths[i];
	}
	/* overlayfs wants two lowerdirs: pad a single layer with nothing. */
	if (nl == 1) {
		(void)snprintf(empty, sizeof(empty), "%s/mnt/.empty", d->base);
		if (mkdirat(mntfd, ".empty", 0755) == -1 && errno != EEXIST) {
			error_set(ep, EX_CANTCREAT, errno, "mkdir '%s'",
			    empty);
			goto out;
		}
		lower[nl++] = empty;
	}
	rv = os_overlay_mount(buf, lower, nl, ep);
out:
	if (paths != NULL)
		for (i = 0; i < n; i++)
			free(paths[i]);
	free(paths);
	free(lower);
	driver_unlock(d, hex, lockfd);
	if (mntfd != -1)
		(void)close(mntfd);
	return (rv);
}

/* ------------------------------------------------------------ dir drivers */

static bool
is_tmp_of(const char *name, const char *hex)
{
	size_t pl = sizeof(TMP_PREFIX) - 1;

	return (strncmp(name, TMP_PREFIX, pl) == 0 &&
	    strncmp(name + pl, hex, DRIVER_HEX_LEN) == 0 &&
	    name[pl + DRIVER_HEX_LEN] == '-');
}

int
driver_tmp_clear(struct driver *d, const char *hex, struct error *ep)
{
	DIR *dir;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	int fd, rv = 0;

	if ((fd = openat(d->basefd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (error_set(ep, EX_OSERR, errno, "open '%s'", d->base));
	if ((dir = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return (error_set(ep, EX_OSERR, errno, "open '%s'", d->base));
	}
	while ((de = readdir(dir)) != NULL) {
		if (hex != NULL ? !is_tmp_of(de->d_name, hex) :
		    strncmp(de->d_name, TMP_PREFIX, sizeof(TMP_PREFIX) - 1) !=
		    0)
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	(void)closedir(dir);
	for (i = 0; i < n; i++) {
		if (rv == 0 && rm_rf_at(d->basefd, names[i], ep) == -1)
			rv = -1;
		else if (rv == 0)
			log_debug("removed stale '%s/%s'", d->base, names[i]);
		free(names[i]);
	}
	free(names);
	return (rv == -1 ? -1 : (int)n);
}

int
driver_dir_sweep(struct driver *d, struct error *ep)
{
	DIR *dir;
	struct dirent *de;
	char **hexes = NULL, hex[DRIVER_HEX_LEN + 1];
	size_t n = 0, i, k, pl = sizeof(TMP_PREFIX) - 1;
	int fd, lockfd, r, removed = 0, rv = 0;

	if ((fd = openat(d->basefd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (error_set(ep, EX_OSERR, errno, "open '%s'", d->base));
	if ((dir = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return (error_set(ep, EX_OSERR, errno, "open '%s'", d->base));
	}
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, TMP_PREFIX, pl) != 0 ||
		    strlen(de->d_name) < pl + DRIVER_HEX_LEN + 1 ||
		    de->d_name[pl + DRIVER_HEX_LEN] != '-')
			continue;
		(void)memcpy(hex, de->d_name + pl, DRIVER_HEX_LEN);
		hex[DRIVER_HEX_LEN] = '\0';
		for (k = 0; k < n; k++)
			if (strcmp(hexes[k], hex) == 0)
				break;
		if (k < n)
			continue;
		hexes = xreallocarray(hexes, n + 1, sizeof(*hexes));
		hexes[n++] = xstrdup(hex);
	}
	(void)closedir(dir);
	for (i = 0; i < n; i++) {
		if (rv == -1)
			goto next;
		/* Held: its builder is alive and working on it. */
		if ((lockfd = driver_lock(d, hexes[i], true, ep)) == -1) {
			if (ep->exit == EX_TEMPFAIL)
				error_clear(ep);
			else
				rv = -1;
			goto next;
		}
		if ((r = driver_tmp_clear(d, hexes[i], ep)) == -1)
			rv = -1;
		else
			removed += r;
		driver_unlock(d, hexes[i], lockfd);
next:
		free(hexes[i]);
	}
	free(hexes);
	return (rv == -1 ? -1 : removed);
}

int
driver_tmp_create(struct driver *d, const char *hex, char *name, size_t len,
    struct error *ep)
{
	if (driver_tmp_clear(d, hex, ep) == -1)
		return (-1);
	(void)snprintf(name, len, TMP_PREFIX "%s-%ld", hex, (long)getpid());
	if (mkdirat(d->basefd, name, 0700) == -1)
		return (error_set(ep, EX_CANTCREAT, errno, "mkdir '%s/%s'",
		    d->base, name));
	return (0);
}

int
driver_meta_write(int dirfd, const struct driver_layer *l,
    const struct layer_stats *st, struct error *ep)
{
	json_t *o;
	char *s;
	size_t len;
	int rv;

	o = json_pack("{s:s, s:s, s:s, s:I, s:I}",
	    "chainId", l->chainid, "diffId", l->diffid, "digest", l->digest,
	    "size", (json_int_t)st->uncompressed,
	    "entries", (json_int_t)st->entries);
	if (o == NULL)
		return (error_set(ep, EX_SOFTWARE, 0, "layer metadata"));
	(void)json_object_set_new(o, "parent", l->parent != NULL ?
	    json_string(l->parent) : json_null());
	s = jsonx_dump(o, &len);
	json_decref(o);
	s = xrealloc(s, len + 2);
	s[len++] = '\n';
	s[len] = '\0';
	rv = file_write_atomic(dirfd, META_NAME, s, len, 0644, ep);
	free(s);
	return (rv);
}

int
driver_commit(struct driver *d, const char *tmp, const char *hex,
    struct error *ep)
{
	if (renameat(d->basefd, tmp, d->basefd, hex) == -1)
		return (error_set(ep, EX_CANTCREAT, errno, "rename '%s/%s'",
		    d->base, tmp));
	if (fsync(d->basefd) == -1)
		return (error_set(ep, EX_IOERR, errno, "fsync '%s'", d->base));
	return (0);
}

int
driver_dir_exists(struct driver *d, const char *hex, struct error *ep)
{
	struct stat st;
	char path[DRIVER_HEX_LEN + sizeof(META_NAME) + 2];

	(void)snprintf(path, sizeof(path), "%s/%s", hex, META_NAME);
	if (fstatat(d->basefd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return (S_ISREG(st.st_mode) ? 1 : 0);
	if (errno == ENOENT || errno == ENOTDIR)
		return (0);
	return (error_set(ep, EX_OSERR, errno, "stat '%s/%s'", d->base, path));
}

int
driver_dir_path(struct driver *d, const char *hex, const char *sub,
    char *buf, size_t len, struct error *ep)
{
	int r, n;

	if ((r = driver_dir_exists(d, hex, ep)) == -1)
		return (-1);
	if (r == 0)
		return (error_set(ep, EX_NOINPUT, 0, "chain sha256:%s is not "
		    "unpacked", hex));
	n = snprintf(buf, len, "%s/%s/%s", d->base, hex, sub);
	if (n < 0 || (size_t)n >= len)
		return (error_set(ep, EX_SOFTWARE, 0, "path too long"));
	return (0);
}

int
driver_meta_parent(struct driver *d, const char *hex, char *out,
    struct error *ep)
{
	char path[DRIVER_HEX_LEN + sizeof(META_NAME) + 2], *buf = NULL;
	json_t *o = NULL, *p;
	size_t len;
	int rv = -1;

	(void)snprintf(path, sizeof(path), "%s/%s", hex, META_NAME);
	if (file_read_all(d->basefd, path, META_MAX, &buf, &len, ep) == -1)
		return (error_wrap(ep, "chain sha256:%s", hex));
	if ((o = jsonx_parse(buf, len, path, ep)) == NULL)
		goto out;
	p = json_object_get(o, "parent");
	if (p == NULL || json_is_null(p))
		out[0] = '\0';
	else if (json_is_string(p) &&
	    digest_validate(json_string_value(p), NULL, NULL) == 0)
		(void)snprintf(out, DIGEST_MAX, "%s", json_string_value(p));
	else {
		error_set(ep, EX_DATAERR, 0, "'%s/%s': bad parent", d->base,
		    path);
		goto out;
	}
	rv = 0;
out:
	json_decref(o);
	free(buf);
	return (rv);
}

/* ------------------------------------------------------------ pods */

void
driver_root_release(struct driver_root *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nlowerdirs; i++)
		free(r->lowerdirs[i]);
	free(r->lowerdirs);
	r->lowerdirs = NULL;
	r->nlowerdirs = 0;
}

static int
path_join(char *buf, size_t len, const char *a, const char *b,
    struct error *ep)
{
	int n = snprintf(buf, len, "%s/%s", a, b);

	if (n < 0 || (size_t)n >= len)
		return (error_set(ep, EX_SOFTWARE, ENAMETOOLONG, "path "
		    "'%s/%s' too long", a, b));
	return (0);
}

/* mkdir dirfd/name with exactly mode (not less the umask), owned by us. */
static int
mkdir_mode(int dirfd, const char *name, const char *what, mode_t mode,
    struct error *ep)
{
	if (mkdirat(dirfd, name, 0700) == -1)
		return (error_set(ep, EX_CANTCREAT, errno, "mkdir '%s'", what));
	if (fchmodat(dirfd, name, mode, AT_SYMLINK_NOFOLLOW) == -1 &&
	    ((errno != ENOTSUP && errno != EOPNOTSUPP) ||
	    fchmodat(dirfd, name, mode, 0) == -1))
		return (error_set(ep, EX_OSERR, errno, "chmod '%s'", what));
	return (0);
}

/* The chain's diffs, top first: the overlay's lowerdirs. */
static int
overlay_lowers(struct driver *d, const char *chainid, struct driver_root *r,
    struct error *ep)
{
	char chain[DIGEST_MAX], next[DIGEST_MAX], path[PATH_MAX];

	(void)snprintf(chain, sizeof(chain), "%s", chainid);
	while (chain[0] != '\0') {
		if (r->nlowerdirs >= 1024)
			return (error_set(ep, EX_DATAERR, 0, "chain %s: more "
			    "than 1024 layers", chainid));
		if (driver_path(d, chain, path, sizeof(path), ep) == -1 ||
		    driver_parent(d, chain, next, ep) == -1)
			return (-1);
		r->lowerdirs = xreallocarray(r->lowerdirs, r->nlowerdirs + 1,
		    sizeof(*r->lowerdirs));
		r->lowerdirs[r->nlowerdirs++] = xstrdup(path);
		(void)memcpy(chain, next, sizeof(chain));
	}
	return (0);
}

int
driver_root_create(struct driver *d, const char *chainid, int appfd,
    const char *appdir, const char *uuid, const char *sub,
    struct driver_root *r, struct error *ep)
{
	struct error e2 = ERROR_INIT;
	char src[PATH_MAX];
	const char *hex;
	int srcfd = -1, r2;
	bool made = false;

	(void)memset(r, 0, sizeof(*r));
	if (driver_hex(chainid, &hex, ep) == -1)
		return (-1);
	if ((r2 = d->ops->exists(d, hex, ep)) == -1)
		return (-1);
	if (r2 == 0)
		return (error_set(ep, EX_NOINPUT, 0, "chain %s is not "
		    "unpacked", chainid));
	if (path_join(r->rootfs, sizeof(r->rootfs), appdir, "rootfs",
	    ep) == -1)
		return (-1);
	switch (d->kind) {
	case DRIVER_DIR:
		if (driver_path(d, chainid, src, sizeof(src), ep) == -1)
			goto fail;
		if ((srcfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC)) == -1) {
			error_set(ep, EX_NOINPUT, errno, "open '%s'", src);
			goto fail;
		}
		made = true;
		if (driver_copy_tree(srcfd, appfd, "rootfs", d->privileged,
		    ep) == -1) {
			error_wrap(ep, "copy chain %s", chainid);
			goto fail;
		}
		break;
	case DRIVER_OVERLAY:
		if (path_join(r->upper, sizeof(r->upper), appdir, "upper",
		    ep) == -1 ||
		    path_join(r->work, sizeof(r->work), appdir, "work",
		    ep) == -1 ||
		    overlay_lowers(d, chainid, r, ep) == -1)
			goto fail;
		made = true;
		if (mkdir_mode(appfd, "rootfs", r->rootfs, 0755, ep) == -1 ||
		    mkdir_mode(appfd, "upper", r->upper, 0755, ep) == -1 ||
		    mkdir_mode(appfd, "work", r->work, 0700, ep) == -1)
			goto fail;
		break;
	case DRIVER_ZFS:
		made = true;
		if (mkdir_mode(appfd, "rootfs", r->rootfs, 0755, ep) == -1 ||
		    driver_zfs_pod_clone(d, hex, uuid, sub, r->dataset,
		    ep) == -1)
			goto fail;
		break;
	}
	if (srcfd != -1)
		(void)close(srcfd);
	return (0);
fail:
	if (srcfd != -1)
		(void)close(srcfd);
	if (made) {
		if (r->dataset[0] != '\0' &&
		    driver_zfs_pod_destroy(d, r->dataset, &e2) == -1)
			log_warnx("%s", e2.msg);
		error_clear(&e2);
		if (rm_rf_at(appfd, "rootfs", &e2) == -1 ||
		    rm_rf_at(appfd, "upper", &e2) == -1 ||
		    rm_rf_at(appfd, "work", &e2) == -1)
			log_warnx("%s", e2.msg);
	}
	driver_root_release(r);
	r->dataset[0] = '\0';
	return (-1);
}

int
driver_root_destroy(struct driver *d, const struct driver_root *r,
    struct error *ep)
{
	struct stat a, b;
	char up[PATH_MAX + 4];

	/*
	 * overlay (or anything else) mounted on the host's rootfs: pod-exec
	 * mounts in the pod's own namespace, but a killed one or a user may
	 * have left a mount here.
	 */
	(void)snprintf(up, sizeof(up), "%s/..", r->rootfs);
	if (r->dataset[0] == '\0' && lstat(r->rootfs, &a) == 0 &&
	    S_ISDIR(a.st_mode) && stat(up, &b) == 0 && a.st_dev != b.st_dev &&
	    os_unmount(r->rootfs, ep) == -1)
		return (-1);
	if (r->dataset[0] != '\0' && d->kind == DRIVER_ZFS &&
	    driver_zfs_pod_destroy(d, r->dataset, ep) == -1)
		return (-1);
	return (0);
}

int
driver_volume_create(struct driver *d, int dirfd, const char *name,
    const char *path, const char *uuid, const char *sub,
    const char *const *props, size_t nprops, mode_t mode, uid_t uid,
    gid_t gid, char *dataset, struct error *ep)
{
	struct error e2 = ERROR_INIT;

	dataset[0] = '\0';
	if (d->kind == DRIVER_ZFS) {
		if (mkdir_mode(dirfd, name, path, 0755, ep) == -1)
			return (-1);
		if (driver_zfs_pod_create(d, uuid, sub, props, nprops,
		    dataset, ep) == -1) {
			dataset[0] = '\0';
			(void)unlinkat(dirfd, name, AT_REMOVEDIR);
			return (error_wrap(ep, "volume '%s'", name));
		}
		return (0);
	}
	if (mkdir_mode(dirfd, name, path, mode, ep) == -1)
		return (-1);
	if ((uid != geteuid() || gid != getegid()) &&
	    fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) == -1) {
		error_set(ep, errno == EPERM ? EX_NOPERM : EX_OSERR, errno,
		    "chown '%s' to %ld:%ld", path, (long)uid, (long)gid);
		if (rm_rf_at(dirfd, name, &e2) == -1)
			log_warnx("%s", e2.msg);
		return (-1);
	}
	/* chown clears set-id bits: set the mode again. */
	if ((mode & 07000) != 0 && fchmodat(dirfd, name, mode, 0) == -1)
		return (error_set(ep, EX_OSERR, errno, "chmod '%s'", path));
	return (0);
}

int
driver_pod_mount(struct driver *d, const char *dataset, const char *path,
    bool setown, mode_t mode, uid_t uid, gid_t gid, struct error *ep)
{
	if (d->kind != DRIVER_ZFS || dataset == NULL || *dataset == '\0')
		return (0);
	if (driver_zfs_pod_mount(d, dataset, path, ep) == -1)
		return (-1);
	if (!setown)
		return (0);
	if (chown(path, uid, gid) == -1)
		return (error_set(ep, errno == EPERM ? EX_NOPERM : EX_OSERR,
		    errno, "chown '%s' to %ld:%ld", path, (long)uid,
		    (long)gid));
	if (chmod(path, mode) == -1)
		return (error_set(ep, EX_OSERR, errno, "chmod '%s'", path));
	return (0);
}

int
driver_pod_destroy_dataset(struct driver *d, const char *dataset,
    struct error *ep)
{
	if (d->kind != DRIVER_ZFS || dataset == NULL || *dataset == '\0')
		return (0);
	return (driver_zfs_pod_destroy(d, dataset, ep) == -1 ? -1 : 0);
}

int
driver_pod_destroy(struct driver *d, const char *uuid, struct error *ep)
{
	char ds[DRIVER_POD_DATASET_MAX];

	if (d->kind != DRIVER_ZFS)
		return (0);
	(void)snprintf(ds, sizeof(ds), "%s/pods/%s", d->dataset, uuid);
	return (driver_zfs_pod_destroy(d, ds, ep));
}

int
driver_pod_list(struct driver *d, char ***vp, size_t *np, struct error *ep)
{
	*vp = NULL;
	*np = 0;
	if (d->kind != DRIVER_ZFS)
		return (0);
	return (driver_zfs_pod_list(d, vp, np, ep));
}

void
driver_nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536)
		rl.rlim_cur = 65536;
	else
		rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}
