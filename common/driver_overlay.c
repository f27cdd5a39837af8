/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The overlay storage driver (Linux): a directory per layer chain holding
 * only that layer's diff, written in the overlayfs format (whiteouts as
 * 0/0 character devices, opaque directories as trusted.overlay.opaque=y),
 * ready to be one lowerdir of an overlay mount whose other lowerdirs are
 * the parent chains.  Nothing is copied, so a layer costs what applying
 * it costs.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/driver.h"
#include "common/driver_impl.h"
#include "common/error.h"
#include "common/fsutil.h"
#include "common/layer.h"
#include "common/log.h"

static int
overlay_exists(struct driver *d, const char *hex, struct error *ep)
{
	return (driver_dir_exists(d, hex, ep));
}

static int
overlay_build(struct driver *d, const char *hex, const struct driver_layer *l,
    const struct layer_opts *lo, struct layer_stats *stp, struct error *ep)
{
	struct layer_opts opts;
	struct layer_stats st;
	struct error e2 = ERROR_INIT;
	char tmp[DRIVER_HEX_LEN + 64];
	int tmpfd = -1, difffd = -1, rv = -1;

	if (lo != NULL)
		opts = *lo;
	else
		layer_opts_init(&opts);
	opts.whiteout = LAYER_WHITEOUT_OVERLAY;
	(void)memset(&st, 0, sizeof(st));
	if (driver_tmp_create(d, hex, tmp, sizeof(tmp), ep) == -1)
		return (-1);
	if ((tmpfd = openat(d->basefd, tmp, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		error_set(ep, EX_CANTCREAT, errno, "open '%s/%s'", d->base,
		    tmp);
		goto fail;
	}
	if (mkdirat(tmpfd, "diff", 0755) == -1 ||
	    (difffd = openat(tmpfd, "diff", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 || fchmod(difffd, 0755) == -1) {
		error_set(ep, EX_CANTCREAT, errno, "mkdir '%s/%s/diff'",
		    d->base, tmp);
		goto fail;
	}
	if (layer_apply(difffd, l->blobfd, l->comp, l->digest, l->diffid,
	    &opts, &st, ep) == -1) {
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
	if (difffd != -1)
		(void)close(difffd);
	if (tmpfd != -1)
		(void)close(tmpfd);
	return (rv);
}

static int
overlay_path(struct driver *d, const char *hex, char *buf, size_t len,
    struct error *ep)
{
	int r, n;

	if ((r = driver_dir_exists(d, hex, ep)) == -1)
		return (-1);
	if (r == 0)
		return (error_set(ep, EX_NOINPUT, 0, "chain sha256:%s is not "
		    "unpacked", hex));
	n = snprintf(buf, len, "%s/%s/diff", d->base, hex);
	if (n < 0 || (size_t)n >= len)
		return (error_set(ep, EX_SOFTWARE, 0, "path too long"));
	return (0);
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
