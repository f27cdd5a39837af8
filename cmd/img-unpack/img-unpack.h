/* SPDX-License-Identifier: BSD-2-Clause */
/* img-unpack: private declarations shared by main.c and unpack.c. */
#ifndef IMG_UNPACK_H
#define IMG_UNPACK_H

#include <stdbool.h>

#include "common/driver.h"

struct error;

struct unpack_opts {
	const char		*root;		/* -R, else $BERTH_ROOT */
	const char		*zfs_dataset;	/* --zfs-dataset, or NULL */
	enum driver_kind	 driver;	/* -d, if has_driver */
	bool			 has_driver;
	const char		*max_expansion;	/* --max-layer-expansion */
	bool			 json;
	bool			 mount;		/* --mount (overlay) */
	int			 verbose;
};

/*
 * Materialise every layer chain of one stored image (a reference or a
 * manifest digest) in the storage driver; prints the result on stdout.
 */
int	unpack_image(const struct unpack_opts *, const char *, struct error *);

#endif /* IMG_UNPACK_H */
