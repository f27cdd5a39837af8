/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * driver_create(): building a chain, the one part of the drivers that
 * applies layers.  It lives apart from the rest (driver.c) and hands
 * layer_apply() to the driver's build through struct driver_build, so
 * that a program linking the drivers only to use committed chains does
 * not pull in the layer applier and libarchive.
 */
#include <sysexits.h>

#include "common/driver.h"
#include "common/driver_impl.h"
#include "common/error.h"
#include "common/layer.h"

int
driver_create(struct driver *d, const struct driver_layer *l,
    const struct layer_opts *lo, struct layer_stats *st, struct error *ep)
{
	struct driver_build b;
	const char *hex, *phex;
	int lockfd, r;

	if (driver_hex(l->chainid, &hex, ep) == -1)
		return (-1);
	if (l->parent != NULL) {
		if (driver_hex(l->parent, &phex, ep) == -1)
			return (-1);
		if (d->ops->independent)
			r = 1;
		else if ((r = d->ops->exists(d, phex, ep)) == -1)
			return (-1);
		if (r == 0)
			return (error_set(ep, EX_NOINPUT, 0, "chain %s: parent "
			    "chain %s is not unpacked", l->chainid,
			    l->parent));
	}
	if (lo != NULL)
		b.opts = *lo;
	else
		layer_opts_init(&b.opts);
	b.apply = layer_apply;
	if ((lockfd = driver_lock(d, hex, false, ep)) == -1)
		return (-1);
	/* Built by someone else while we waited: nothing to do. */
	if ((r = d->ops->exists(d, hex, ep)) == 1)
		r = 0;
	else if (r == 0)
		r = d->ops->build(d, hex, l, &b, st, ep) == -1 ? -1 : 1;
	driver_unlock(d, hex, lockfd);
	if (r == -1)
		return (error_wrap(ep, "chain %s", l->chainid));
	return (r);
}
