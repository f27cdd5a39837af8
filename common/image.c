/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * An image in the store (see common/image.h): resolve a reference or a
 * digest through index.json, follow an index to this host's manifest,
 * read the config and its diff_ids, and compute the chain ids that name
 * the unpacked layers (common/driver.h).
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common/digest.h"
#include "common/driver.h"
#include "common/error.h"
#include "common/image.h"
#include "common/manifest.h"
#include "common/ref.h"
#include "common/store.h"
#include "common/xalloc.h"

/* Largest image config we read. */
#define	CONFIG_MAX	(16 * 1024 * 1024)

int
image_resolve(struct store *st, const char *name, struct image *img,
    struct error *ep)
{
	struct store_entry ent;
	struct ref r;

	(void)memset(img, 0, sizeof(*img));
	/* A digest alone names a manifest or an index (img-pull's output). */
	if (strncmp(name, "sha256:", 7) == 0 ||
	    strncmp(name, "sha512:", 7) == 0) {
		if (digest_validate(name, NULL, ep) == -1)
			return (error_wrap(ep, "image"));
		(void)snprintf(img->name, sizeof(img->name), "%s", name);
		if (!store_blob_exists(st, name, -1))
			return (1);
		(void)snprintf(img->digest, sizeof(img->digest), "%s", name);
		return (0);
	}
	if (ref_parse(name, &r, ep) == -1)
		return (-1);
	if (ref_format(&r, img->name, sizeof(img->name)) == -1)
		return (error_set(ep, EX_USAGE, 0, "'%s': reference too long",
		    name));
	if (store_index_get(st, img->name, &ent, ep) == 0) {
		(void)snprintf(img->digest, sizeof(img->digest), "%s",
		    ent.digest);
		(void)snprintf(img->media_type, sizeof(img->media_type), "%s",
		    ent.media_type);
		return (0);
	}
	if (ep->exit != EX_NOINPUT)
		return (-1);
	error_clear(ep);
	/* name@digest that was pulled by tag: the digest still says it. */
	if (r.digest[0] != '\0' && store_blob_exists(st, r.digest, -1)) {
		(void)snprintf(img->digest, sizeof(img->digest), "%s",
		    r.digest);
		return (0);
	}
	return (1);
}

static int
read_manifest(struct store *st, const struct image *img, const char *digest,
    const char *mt, struct manifest *m, struct error *ep)
{
	char *buf = NULL;
	size_t len;
	int rv;

	if (store_blob_read(st, digest, MANIFEST_MAX, &buf, &len, ep) == -1)
		return (error_wrap(ep, "image '%s': manifest '%s'", img->name,
		    digest));
	rv = manifest_parse(buf, len, mt != NULL && *mt != '\0' ? mt : NULL, m,
	    ep);
	free(buf);
	if (rv == -1)
		return (error_wrap(ep, "manifest '%s'", digest));
	return (0);
}

int
image_load(struct store *st, struct image *img, struct error *ep)
{
	struct manifest top;
	struct platform want;
	const struct descriptor *sel;
	size_t i;
	int rv = -1;

	(void)memset(&top, 0, sizeof(top));
	if (read_manifest(st, img, img->digest, img->media_type, &top,
	    ep) == -1)
		return (-1);
	if (top.kind == MANIFEST_INDEX) {
		platform_host(&want);
		if (manifest_select(&top, &want, &sel, ep) == -1) {
			error_wrap(ep, "image '%s'", img->name);
			goto out;
		}
		(void)snprintf(img->digest, sizeof(img->digest), "%s",
		    sel->digest);
		(void)snprintf(img->media_type, sizeof(img->media_type), "%s",
		    sel->media_type);
		if (read_manifest(st, img, sel->digest, sel->media_type,
		    &img->m, ep) == -1)
			goto out;
		if (img->m.kind != MANIFEST_IMAGE) {
			error_set(ep, EX_DATAERR, 0, "image '%s': index entry "
			    "%s is not an image manifest", img->name,
			    sel->digest);
			goto out;
		}
	} else {
		img->m = top;
		(void)memset(&top, 0, sizeof(top));
	}
	if (store_blob_read(st, img->m.config.digest, CONFIG_MAX, &img->config,
	    &img->configlen, ep) == -1) {
		error_wrap(ep, "config of image '%s'", img->name);
		goto out;
	}
	if (config_parse_diffids(img->config, img->configlen, &img->diffids,
	    &img->ndiffids, &img->platform, ep) == -1) {
		error_wrap(ep, "config '%s'", img->m.config.digest);
		goto out;
	}
	if (img->ndiffids != img->m.nlayers) {
		error_set(ep, EX_DATAERR, 0, "image '%s': config '%s': %zu "
		    "diff_ids for %zu layers", img->name, img->m.config.digest,
		    img->ndiffids, img->m.nlayers);
		goto out;
	}
	if (img->m.nlayers == 0) {
		error_set(ep, EX_DATAERR, 0, "image '%s' has no layers",
		    img->name);
		goto out;
	}
	img->chains = xcalloc(img->m.nlayers, sizeof(*img->chains));
	for (i = 0; i < img->m.nlayers; i++)
		if (driver_chain_id(i > 0 ? img->chains[i - 1] : NULL,
		    img->diffids[i], img->chains[i], ep) == -1) {
			error_wrap(ep, "image '%s': layer %zu", img->name,
			    i + 1);
			goto out;
		}
	rv = 0;
out:
	manifest_release(&top);
	return (rv);
}

int
image_open(struct store *st, const char *name, struct image *img,
    struct error *ep)
{
	int rc;

	if ((rc = image_resolve(st, name, img, ep)) == -1)
		return (-1);
	if (rc == 1)
		return (error_set(ep, EX_NOINPUT, 0, "image '%s' is not in the "
		    "store '%s'", img->name, st->root));
	return (image_load(st, img, ep));
}

void
image_close(struct image *img)
{
	free(img->chains);
	manifest_free_strv(img->diffids, img->ndiffids);
	manifest_release(&img->m);
	free(img->config);
	img->chains = NULL;
	img->diffids = NULL;
	img->ndiffids = 0;
	img->config = NULL;
	img->configlen = 0;
}
