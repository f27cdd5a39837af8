/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * How much of the host a registry or an image may use: the resource limits
 * of a berth root, set in $ROOT/berth.conf (read with driver_conf_read(),
 * which fills a struct limits with the defaults below and then the keys the
 * file sets) and overridden by program options.  Sizes are written as
 * parse_size() reads them ("512M", "10G", "1.5T"); 0 turns a limit off.
 *
 *	key			default	meaning (who enforces it)
 *	max_blob_size		10G	largest blob: a descriptor claiming more
 *					is refused before anything is
 *					downloaded (img-pull)
 *	max_image_size		50G	largest sum of the config and layer
 *					sizes of one image (img-pull)
 *	min_free_space		256M	what a download leaves free on the
 *					filesystem of ingest/: checked before
 *					each blob and while writing (img-pull)
 *	max_layer_size		32G	most bytes one layer may unpack to (its
 *					tar stream), whatever its blob's size
 *					(img-unpack)
 *	max_layer_expansion	100	most bytes one layer may unpack to per
 *					byte of its compressed blob ("100",
 *					"100x", "off"), but always at least
 *					LAYER_RATIO_FLOOR_DEFAULT (512 MiB)
 *					(img-unpack); "RATIO,SIZE" sets
 *					max_layer_size too
 */
#ifndef COMMON_LIMITS_H
#define COMMON_LIMITS_H

#include <stdint.h>

struct error;

#define	LIMITS_BLOB_SIZE_DEFAULT	((int64_t)10 << 30)
#define	LIMITS_IMAGE_SIZE_DEFAULT	((int64_t)50 << 30)
#define	LIMITS_FREE_SPACE_DEFAULT	((int64_t)256 << 20)
#define	LIMITS_LAYER_SIZE_DEFAULT	((int64_t)32 << 30)
#define	LIMITS_EXPANSION_DEFAULT	100
/* Largest expansion ratio accepted. */
#define	LIMITS_EXPANSION_MAX		1000000

struct limits {
	int64_t	max_blob_size;		/* bytes; 0: no limit */
	int64_t	max_image_size;		/* bytes; 0: no limit */
	int64_t	min_free_space;		/* bytes; 0: none kept */
	int64_t	max_layer_size;		/* bytes; 0: no limit */
	int64_t	max_layer_expansion;	/* ratio; 0: no limit */
};

/* Fill *l with the defaults. */
void	limits_init(struct limits *);

/*
 * Set the limit named key (a berth.conf key above) from its text val
 * (max_layer_expansion "RATIO,SIZE" also sets max_layer_size).
 * Returns 1 if it was set, 0 if key names no limit (*l unchanged), -1 with
 * EX_USAGE naming key and val if val is malformed (callers reading a file
 * turn that into EX_CONFIG).
 */
int	limits_set(struct limits *, const char *, const char *,
	    struct error *);

/*
 * Write "key=value\n" lines for the limits of *l that differ from the
 * defaults into buf (len bytes, NUL-terminated), sizes in bytes.  Limits
 * that are off (0) are left out, so that a struct zeroed with memset()
 * writes nothing and rewriting a berth.conf never turns a limit off.
 * Returns the length written, or -1 if it does not fit.
 */
int	limits_format(const struct limits *, char *, size_t);

#endif /* COMMON_LIMITS_H */
