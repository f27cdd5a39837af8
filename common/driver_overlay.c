/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The overlay storage driver (Linux): a directory per layer chain holding
 * only that layer's diff, written in the overlayfs format (whiteouts as
 * 0/0 character devices, opaque directories as trusted.overlay.opaque=y),
 * ready to be one lowerdir of an overlay mount whose other lowerdirs are
 * the parent chains.  Nothing is copied, so a layer costs what applying
 * it costs, and the chains of an image can be built side by side.
 *
 * A chain is committed only once its parent is (a build waits for it), so
 * that a layer that fails never leaves the chains above it without it.
 *
 * Except for one thing a diff cannot hold by itself: a hardlink to a file
 * of a lower layer.  containerd applies layers through a mounted overlay,
 * where link(2) copies the lower file up; here layer_apply() does the same
 * copy-up itself when handed the lower diffs.  A layer is first applied
 * alone (the fast path); only when that fails for want of a hardlink's
 * target does the build wait for the parent chain (and all below it) to
 * be committed, and apply the layer again over their diffs.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/driver.h"
#include "common/driver_impl.h"
#include "common/error.h"
#include "common/fsutil.h"
#include "common/layer.h"
#include "common/log.h"
#include "common/xalloc.h"

/*
 * How long a build waits for a lower chain that nobody is building (whose
 * lock is free) before giving up: its builder may be about to start.
 */
#define	WAIT_IDLE_MS	3000
#define	WAIT_STEP_MS	20
/* More lower layers than any overlay mount could stack. */
#define	LOWERS_MAX	1024

static int
overlay_exists(struct driver *d, const char *hex, struct error *ep)
{
	return (driver_dir_exists(d, hex, ep));
}

/*
 * Wait until chain hex is committed: while its lock is held, for its
 * builder; while nobody holds it, for WAIT_IDLE_MS at most (EX_NOINPUT).
 */
static int
wait_committed(struct driver *d, const char *hex, struct error *ep)
{
	struct timespec ts = { 0, WAIT_STEP_MS * 1000000L };
	int fd, idle = 0, r;
	bool said = false;

	for (;;) {
		if ((r = driver_dir_exists(d, hex, ep)) != 0)
			return (r == 1 ? 0 : -1);
		if (!said) {
			log_info("waiting for chain sha256:%s to be unpacked",
			    hex);
			said = true;
		}
		if ((fd = driver_lock(d, hex, true, ep)) == -1) {
			if (ep->exit != EX_TEMPFAIL)
				return (-1);
			/* Being built: wait for its builder to finish. */
			error_clear(ep);
			if ((fd = driver_lock(d, hex, false, ep)) == -1)
				return (-1);
			driver_unlock(d, hex, fd);
			idle = 0;
			continue;
		}
		driver_unlock(d, hex, fd);
		if (idle >= WAIT_IDLE_MS)
			return (error_set(ep, EX_NOINPUT, 0, "chain sha256:%s "
			    "is not unpacked and nobody is unpacking it", hex));
		(void)nanosleep(&ts, NULL);
		idle += WAIT_STEP_MS;
	}
}

static void
close_fds(int *fds, size_t n)
{
	while (n > 0)
		(void)close(fds[--n]);
	free(fds);
}

/*
 * Open the diffs of chain parent and of every chain below it, top first,
 * once each is committed (waiting for their builders).  *fdsp is freed
 * with close_fds().
 */
static int
open_lowers(struct driver *d, const char *parent, int **fdsp, size_t *np,
    struct error *ep)
{
	char chain[DIGEST_MAX], next[DIGEST_MAX], sub[DRIVER_HEX_LEN + 8];
	const char *hex;
	int *fds = NULL, fd;
	size_t n = 0;

	*fdsp = NULL;
	*np = 0;
	(void)snprintf(chain, sizeof(chain), "%s", parent);
	while (chain[0] != '\0') {
		if (n == LOWERS_MAX) {
			error_set(ep, EX_DATAERR, 0, "chain %s: more than %d "
			    "layers", parent, LOWERS_MAX);
			goto fail;
		}
		if (driver_hex(chain, &hex, ep) == -1 ||
		    wait_committed(d, hex, ep) == -1)
			goto fail;
		(void)snprintf(sub, sizeof(sub), "%s/diff", hex);
		if ((fd = openat(d->basefd, sub, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1) {
			error_set(ep, EX_NOINPUT, errno, "open '%s/%s'",
			    d->base, sub);
			goto fail;
		}
		fds = xreallocarray(fds, n + 1, sizeof(*fds));
		fds[n++] = fd;
		if (driver_meta_parent(d, hex, next, ep) == -1)
			goto fail;
		(void)memcpy(chain, next, sizeof(chain));
	}
	*fdsp = fds;
	*np = n;
	return (0);
fail:
	close_fds(fds, n);
	return (error_wrap(ep, "lower layers"));
}

/* Apply the layer into a fresh tmpfd/diff. */
static int
apply_diff(struct driver *d, const struct driver_build *b, int tmpfd,
    const char *tmp, const struct driver_layer *l,
    const struct layer_opts *opts,
    struct layer_stats *st, struct error *ep)
{
	int difffd, rv;

	if (mkdirat(tmpfd, "diff", 0755) == -1 ||
	    (difffd = openat(tmpfd, "diff", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (error_set(ep, EX_CANTCREAT, errno, "mkdir '%s/%s/diff'",
		    d->base, tmp));
	if (fchmod(difffd, 0755) == -1)
		rv = error_set(ep, EX_CANTCREAT, errno, "chmod '%s/%s/diff'",
		    d->base, tmp);
	else
		rv = b->apply(difffd, l->blobfd, l->comp, l->digest,
		    l->diffid, opts, st, ep);
	(void)close(difffd);
	return (rv);
}

/*
 * The fast path failed on a hardlink into a lower layer: apply the layer
 * again, into a new diff, over the diffs of the committed chains below.
 */
static int
apply_over_lowers(struct driver *d, const struct driver_build *b, int tmpfd,
    const char *tmp, const struct driver_layer *l, struct layer_opts *opts,
    struct layer_stats *st, struct error *ep)
{
	int *fds = NULL, rv = -1;
	size_t n = 0;

	log_info("layer %s links to files of lower layers: applying it "
	    "again over chain %s", l->digest, l->parent);
	if (open_lowers(d, l->parent, &fds, &n, ep) == -1)
		return (-1);
	if (rm_rf_at(tmpfd, "diff", ep) == -1)
		goto out;
	opts->lower_fds = fds;
	opts->nlower = n;
	rv = apply_diff(d, b, tmpfd, tmp, l, opts, st, ep);
	opts->lower_fds = NULL;
	opts->nlower = 0;
	if (rv == 0)
		log_info("layer %s: %llu lower entries copied up", l->digest,
		    (unsigned long long)st->copied_up);
out:
	close_fds(fds, n);
	return (rv);
}

/* Wait for the parent chain of l to be committed (see wait_committed()). */
static int
parent_committed(struct driver *d, const struct driver_layer *l,
    struct error *ep)
{
	const char *phex;

	if (driver_hex(l->parent, &phex, ep) == -1 ||
	    wait_committed(d, phex, ep) == -1)
		return (error_wrap(ep, "parent chain %s", l->parent));
	return (0);
}

static int
overlay_build(struct driver *d, const char *hex, const struct driver_layer *l,
    const struct driver_build *b, struct layer_stats *stp, struct error *ep)
{
	struct layer_opts opts;
	struct layer_stats st;
	struct error e2 = ERROR_INIT;
	char tmp[DRIVER_HEX_LEN + 64];
	int tmpfd = -1, rv = -1;

	opts = b->opts;
	opts.whiteout = LAYER_WHITEOUT_OVERLAY;
	opts.lower_fds = NULL;
	opts.nlower = 0;
	(void)memset(&st, 0, sizeof(st));
	if (driver_tmp_create(d, hex, tmp, sizeof(tmp), ep) == -1)
		return (-1);
	if ((tmpfd = openat(d->basefd, tmp, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		error_set(ep, EX_CANTCREAT, errno, "open '%s/%s'", d->base,
		    tmp);
		goto fail;
	}
	if (apply_diff(d, b, tmpfd, tmp, l, &opts, &st, ep) == -1) {
		/* Only a blob we can read again can be applied again. */
		if (!st.hardlink_missing || l->parent == NULL ||
		    lseek(l->blobfd, 0, SEEK_SET) == -1) {
			error_wrap(ep, "layer %s", l->digest);
			goto fail;
		}
		log_debug("layer %s: %s", l->digest, ep->msg);
		error_clear(ep);
		if (apply_over_lowers(d, b, tmpfd, tmp, l, &opts, &st, ep) ==
		    -1) {
			error_wrap(ep, "layer %s", l->digest);
			goto fail;
		}
	}
	/*
	 * Applied side by side, committed in order: a chain whose parent
	 * failed must not be left without it.
	 */
	if (l->parent != NULL && parent_committed(d, l, ep) == -1) {
		error_wrap(ep, "layer %s", l->digest);
		goto fail;
	}
	if (driver_meta_write(tmpfd, l, &st, ep) == -1 ||
	    driver_commit(d, tmp, hex, ep) == -1)
		goto fail;
	if (stp != NULL)
		*stp = st;
	rv = 0;
	goto out;
fail:
	if (rm_rf_at(d->basefd, tmp, &e2) == -1)
		log_warnx("%s", e2.msg);
out:
	if (tmpfd != -1)
		(void)close(tmpfd);
	return (rv);
}

static int
overlay_path(struct driver *d, const char *hex, char *buf, size_t len,
    struct error *ep)
{
	return (driver_dir_path(d, hex, "diff", buf, len, ep));
}

const struct driver_ops driver_overlay_ops = {
	.independent = true,
	.init = NULL,
	.exists = overlay_exists,
	.build = overlay_build,
	.sweep = driver_dir_sweep,
	.path = overlay_path,
	.parent = driver_meta_parent,
	.fini = NULL
};
