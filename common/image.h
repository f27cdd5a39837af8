/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * An image in the store (common/store.h): what a reference or a digest
 * names, read down to its layers.  A reference is normalised as img-pull
 * normalises it and looked up in index.json; a digest names a manifest or
 * an index blob.  An index is followed to the manifest for this host
 * (platform_host()).  img-unpack and pod-render both start from here.
 */
#ifndef COMMON_IMAGE_H
#define COMMON_IMAGE_H

#include <stddef.h>

#include "common/digest.h"
#include "common/manifest.h"

struct error;
struct store;

#define	IMAGE_NAME_MAX	640	/* as store_entry.ref */

struct image {
	char		 name[IMAGE_NAME_MAX];	/* normalised reference, or
						 * the digest it was named by */
	char		 digest[DIGEST_MAX];	/* the image manifest */
	char		 media_type[128];	/* of digest, per index.json,
						 * or "" */
	struct manifest	 m;			/* MANIFEST_IMAGE, >= 1 layer */
	char		*config;		/* the config blob */
	size_t		 configlen;
	char		**diffids;		/* m.nlayers of them */
	size_t		 ndiffids;
	struct platform	 platform;		/* the config's */
	char		(*chains)[DIGEST_MAX];	/* chains[i]: layers 0..i */
};

/*
 * Find name (a reference, or "sha256:..."/"sha512:..." naming a manifest
 * or index blob) in the store: fill img->name, img->digest (what the index
 * or the digest names, possibly an index) and img->media_type; nothing
 * else is loaded.  A name@digest whose entry is missing (it was pulled by
 * tag) is found through its digest.  0 found, 1 not in the store (*ep
 * untouched), -1 with EX_USAGE for a bad reference, EX_DATAERR for a bad
 * digest or a malformed index entry.
 */
int	image_resolve(struct store *, const char *, struct image *,
	    struct error *);

/*
 * Load the image img->digest names (img->name and img->media_type as
 * image_resolve() leaves them, or set by the caller after zeroing *img):
 * the manifest (through an index, for this host: img->digest becomes the
 * manifest's), the config blob, its diff_ids and platform, and the chain id
 * of every layer.  EX_NOINPUT for a missing blob or no manifest for this host,
 * EX_DATAERR for malformed data, as many diff_ids as layers, or none.
 * Release with image_close() whether it fails or not.
 */
int	image_load(struct store *, struct image *, struct error *);

/*
 * image_resolve() then image_load(); not in the store is EX_NOINPUT
 * "image 'name' is not in the store 'root'".  Release with image_close()
 * whether it fails or not.
 */
int	image_open(struct store *, const char *, struct image *,
	    struct error *);

/* Free what image_load() allocated; *img may be zeroed or half loaded. */
void	image_close(struct image *);

#endif /* COMMON_IMAGE_H */
