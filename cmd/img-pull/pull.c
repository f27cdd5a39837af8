/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * img-pull's work: resolve a reference to a manifest (through an index
 * when there is one), verify every document and blob against its digest,
 * download what the store lacks in parallel, and point the reference at
 * the manifest in the store's index.json.
 */
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/digest.h"
#include "common/driver.h"
#include "common/error.h"
#include "common/fsutil.h"
#include "common/jsonx.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/manifest.h"
#include "common/progress.h"
#include "common/ref.h"
#include "common/registry.h"
#include "common/store.h"
#include "common/xalloc.h"
#include "img-pull.h"

/* Largest image config we accept. */
#define	CONFIG_MAX	(16 * 1024 * 1024)

struct pull {
	const struct pull_opts	*o;
	struct store		 st;
	struct registry		*reg;
	struct ref		 ref;
	char			 refname[600];
	struct platform		 want;
	struct progress		 prog;
	struct limits		 lim;		/* berth.conf, then options */

	/* What was pulled. */
	char			 index_digest[DIGEST_MAX];
	char			 index_mt[128];
	char			 digest[DIGEST_MAX];	/* image manifest */
	char			 oci_digest[DIGEST_MAX]; /* its OCI rewrite */
	int64_t			 size;
	struct manifest		 m;
	struct platform		 got;
};

struct fetch_job {
	struct pull			*p;
	const struct descriptor		**todo;
	size_t				 n;
	atomic_size_t			 next;
	atomic_int			 running;
	pthread_mutex_t			 mu;
	struct error			 err;	/* the first failure */
	bool				 failed;
};

/*
 * Digest algorithm to verify a fetched document with: the one of the digest
 * we expect, else the one the registry announced, else sha256.
 */
static enum digest_alg
pick_alg(const char *expect, const char *announced)
{
	enum digest_alg alg = DIGEST_SHA256;

	if (expect != NULL && digest_validate(expect, &alg, NULL) == 0)
		return (alg);
	if (announced != NULL && *announced != '\0' &&
	    digest_validate(announced, &alg, NULL) == 0)
		return (alg);
	return (DIGEST_SHA256);
}

/*
 * Get a manifest or index: from the store when its digest is known and the
 * blob is there (no request), else from the registry.  Verifies the digest
 * (expected, and the Docker-Content-Digest header), the size, and that
 * the document is what its Content-Type and its descriptor say.
 */
static int
fetch_manifest(struct pull *p, const char *reference, const char *expect,
    int64_t expect_size, const char *expect_mt, struct manifest *m,
    char *digest, int64_t *sizep, struct error *ep)
{
	char ctype[128] = "", dch[DIGEST_MAX] = "", *buf = NULL;
	char name[600];
	size_t len = 0;
	int rv = -1;

	(void)ref_format_name(&p->ref, name, sizeof(name));
	if (expect != NULL && store_blob_exists(&p->st, expect, expect_size)) {
		log_info("manifest %s: in the store", expect);
		if (store_blob_read(&p->st, expect, MANIFEST_MAX, &buf, &len,
		    ep) == -1)
			goto out;
		(void)snprintf(digest, DIGEST_MAX, "%s", expect);
		if (manifest_parse(buf, len, expect_mt, m, ep) == -1) {
			error_wrap(ep, "manifest '%s'", expect);
			goto out;
		}
		*sizep = (int64_t)len;
		rv = 0;
		goto out;
	}

	log_info("fetch manifest %s:%s", name, reference);
	if (registry_get_manifest(p->reg, p->ref.path, reference, &buf, &len,
	    ctype, dch, ep) == -1)
		goto out;
	digest_buf(pick_alg(expect, dch), buf, len, digest);
	if (expect != NULL && strcmp(digest, expect) != 0) {
		error_set(ep, EX_DATAERR, 0, "manifest '%s@%s': digest mismatch: "
		    "the registry sent content with digest %s", name, expect,
		    digest);
		goto out;
	}
	if (dch[0] != '\0') {
		char alt[DIGEST_MAX];

		if (digest_validate(dch, NULL, ep) == -1) {
			error_wrap(ep, "manifest '%s:%s': Docker-Content-Digest",
			    name, reference);
			ep->exit = EX_PROTOCOL;
			goto out;
		}
		digest_buf(pick_alg(dch, NULL), buf, len, alt);
		if (strcmp(alt, dch) != 0) {
			error_set(ep, EX_DATAERR, 0, "manifest '%s:%s': "
			    "content has digest %s but the registry says %s",
			    name, reference, alt, dch);
			goto out;
		}
	}
	if (expect_size >= 0 && (int64_t)len != expect_size) {
		error_set(ep, EX_DATAERR, 0, "manifest '%s@%s': size %zu, "
		    "descriptor says %lld", name, digest, len,
		    (long long)expect_size);
		goto out;
	}
	if (manifest_parse(buf, len, ctype[0] != '\0' ? ctype : NULL, m,
	    ep) == -1) {
		error_wrap(ep, "manifest '%s@%s'", name, digest);
		goto out;
	}
	/* A document must be what the descriptor that led to it says. */
	if (expect_mt != NULL && strcmp(m->media_type, expect_mt) != 0) {
		error_set(ep, EX_DATAERR, 0, "manifest '%s@%s': mediaType '%s' "
		    "contradicts its descriptor's '%s'", name, digest,
		    m->media_type, expect_mt);
		manifest_release(m);
		goto out;
	}
	if (store_blob_put(&p->st, buf, len, digest, NULL, ep) == -1) {
		manifest_release(m);
		goto out;
	}
	*sizep = (int64_t)len;
	rv = 0;
out:
	free(buf);
	return (rv);
}

static void
on_bytes(void *arg, int64_t n)
{
	struct pull *p = arg;

	progress_add(&p->prog, n);
}

/*
 * Fetch one blob into the store unless it is there.  Foreign layers are
 * tried at their URLs first (registry_get_url refuses local addresses),
 * then at the registry.
 */
static int
fetch_blob(struct pull *p, const struct descriptor *d, struct error *ep)
{
	struct ingest *in = NULL;
	struct error uerr = ERROR_INIT;
	int r;
	size_t i;

	r = store_ingest_begin(&p->st, d->digest, d->size, &in, ep);
	if (r == -1)
		return (error_wrap(ep, "blob '%s'", d->digest));
	if (r == 1) {
		log_info("blob %s: in the store", d->digest);
		progress_add(&p->prog, d->size);
		return (0);
	}
	if (d->size >= 0 && ingest_offset(in) == d->size) {
		/* An earlier run got every byte but did not commit. */
		progress_add(&p->prog, d->size);
		goto commit;
	}
	if (ingest_offset(in) > 0) {
		log_info("blob %s: resuming at byte %lld", d->digest,
		    (long long)ingest_offset(in));
		progress_add(&p->prog, ingest_offset(in));
	}
	for (i = 0; i < d->nurls; i++) {
		error_clear(&uerr);
		if (registry_get_url(p->reg, d->urls[i], in, on_bytes, p,
		    &uerr) == 0)
			goto commit;
		log_warnx("foreign layer %s: %s", d->digest, uerr.msg);
		if (ingest_reset(in, ep) == -1)
			goto fail;
	}
	log_info("fetch blob %s (%lld bytes)", d->digest, (long long)d->size);
	if (registry_get_blob(p->reg, p->ref.path, d->digest, in, on_bytes, p,
	    ep) == -1)
		goto fail;
commit:
	r = ingest_commit(in, ep);
	in = NULL;
	if (r == -1)
		return (error_wrap(ep, "blob '%s'", d->digest));
	progress_item_done(&p->prog);
	return (0);
fail:
	/*
	 * Bytes that broke the descriptor (too many) must not be resumed;
	 * the ingest itself also drops an empty partial, one the server
	 * cannot resume, and one stopped for lack of space.
	 */
	ingest_abort(in, ep->exit == EX_DATAERR);
	return (error_wrap(ep, "fetch blob '%s'", d->digest));
}

static void *
fetch_worker(void *arg)
{
	struct fetch_job *j = arg;
	struct error e = ERROR_INIT;
	size_t i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->n) {
		(void)pthread_mutex_lock(&j->mu);
		if (j->failed) {
			(void)pthread_mutex_unlock(&j->mu);
			break;
		}
		(void)pthread_mutex_unlock(&j->mu);
		if (fetch_blob(j->p, j->todo[i], &e) == -1) {
			(void)pthread_mutex_lock(&j->mu);
			if (!j->failed) {
				j->failed = true;
				j->err = e;
			}
			(void)pthread_mutex_unlock(&j->mu);
			break;
		}
	}
	atomic_fetch_sub(&j->running, 1);
	return (NULL);
}

/* Download every blob in todo, up to o->jobs at once. */
static int
fetch_blobs(struct pull *p, const struct descriptor **todo, size_t n,
    struct error *ep)
{
	struct fetch_job j;
	pthread_t tids[64];
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int nthreads, i, started = 0, rc;

	if (n == 0)
		return (0);
	(void)memset(&j, 0, sizeof(j));
	j.p = p;
	j.todo = todo;
	j.n = n;
	atomic_init(&j.next, 0);
	atomic_init(&j.running, 0);
	(void)pthread_mutex_init(&j.mu, NULL);
	nthreads = p->o->jobs < (int)n ? p->o->jobs : (int)n;
	if (nthreads > (int)(sizeof(tids) / sizeof(tids[0])))
		nthreads = (int)(sizeof(tids) / sizeof(tids[0]));
	for (i = 0; i < nthreads; i++) {
		atomic_fetch_add(&j.running, 1);
		if ((rc = pthread_create(&tids[i], NULL, fetch_worker, &j)) !=
		    0) {
			atomic_fetch_sub(&j.running, 1);
			if (started == 0) {
				(void)pthread_mutex_destroy(&j.mu);
				return (error_set(ep, EX_OSERR, rc,
				    "pthread_create"));
			}
			break;
		}
		started++;
	}
	while (atomic_load(&j.running) > 0) {
		progress_draw(&p->prog);
		(void)nanosleep(&ts, NULL);
	}
	for (i = 0; i < started; i++)
		(void)pthread_join(tids[i], NULL);
	progress_draw(&p->prog);
	progress_end(&p->prog);
	(void)pthread_mutex_destroy(&j.mu);
	if (j.failed) {
		*ep = j.err;
		return (-1);
	}
	return (0);
}

/* The root's limits (berth.conf, else the defaults), options overriding. */
static int
load_limits(struct pull *p, struct error *ep)
{
	struct driver_conf c;

	if (driver_conf_read(p->st.rootfd, &c, ep) == -1)
		return (error_wrap(ep, "root '%s'", p->st.root));
	p->lim = c.limits;
	if (p->o->max_blob_size >= 0)
		p->lim.max_blob_size = p->o->max_blob_size;
	if (p->o->max_image_size >= 0)
		p->lim.max_image_size = p->o->max_image_size;
	if (p->o->min_free_space >= 0)
		p->lim.min_free_space = p->o->min_free_space;
	p->st.blob_max = p->lim.max_blob_size;
	p->st.free_min = p->lim.min_free_space;
	return (0);
}

/* A descriptor over the limit on a single blob. */
static int
blob_over(const struct pull *p, const struct descriptor *d, int64_t max,
    const char *what, struct error *ep)
{
	if (max <= 0 || d->size <= max)
		return (0);
	return (error_set(ep, EX_DATAERR, 0, "pull '%s': blob '%s': %lld "
	    "bytes, over the %s limit of %lld bytes", p->refname, d->digest,
	    (long long)d->size, what, (long long)max));
}

/*
 * Issue #8: refuse, before downloading anything, an image whose manifest
 * claims more than this host accepts: a blob over max_blob_size, a config
 * over CONFIG_MAX, config and layers over max_image_size together.
 */
static int
check_sizes(struct pull *p, struct error *ep)
{
	int64_t total;
	size_t i;

	if (blob_over(p, &p->m.config, p->lim.max_blob_size, "max_blob_size",
	    ep) == -1 || blob_over(p, &p->m.config, CONFIG_MAX,
	    "image config", ep) == -1)
		return (-1);
	total = p->m.config.size;
	for (i = 0; i < p->m.nlayers; i++) {
		if (blob_over(p, &p->m.layers[i], p->lim.max_blob_size,
		    "max_blob_size", ep) == -1)
			return (-1);
		/* Each is at most 2^53 (manifest.c), at most 1000 of them. */
		total += p->m.layers[i].size;
	}
	if (p->lim.max_image_size > 0 && total > p->lim.max_image_size)
		return (error_set(ep, EX_DATAERR, 0, "pull '%s': image '%s': "
		    "%lld bytes of config and layers, over the max_image_size "
		    "limit of %lld bytes", p->refname, p->digest,
		    (long long)total, (long long)p->lim.max_image_size));
	return (0);
}

/*
 * Whether what is left to download fits on the filesystem of ingest/ with
 * min_free_space to spare (the ingests check each blob again, and the
 * space while they write).
 */
static int
check_space(struct pull *p, const struct descriptor **todo, size_t n,
    struct error *ep)
{
	int64_t need = 0, left;
	size_t i;

	for (i = 0; i < n; i++) {
		left = todo[i]->size - store_ingest_partial(&p->st,
		    todo[i]->digest);
		if (left > 0)
			need += left;
	}
	if (store_space_check(&p->st, need, ep) == -1)
		return (error_wrap(ep, "pull '%s'", p->refname));
	return (0);
}

/* Get the config, check it against the manifest and the platform asked. */
static int
check_config(struct pull *p, struct error *ep)
{
	char **diffids = NULL, want[100], got[100];
	char *buf = NULL;
	size_t len, n = 0;
	int rv = -1;

	if (store_blob_read(&p->st, p->m.config.digest, CONFIG_MAX, &buf, &len,
	    ep) == -1)
		return (error_wrap(ep, "config"));
	if (config_parse_diffids(buf, len, &diffids, &n, &p->got, ep) == -1) {
		error_wrap(ep, "config '%s'", p->m.config.digest);
		goto out;
	}
	if (n != p->m.nlayers) {
		error_set(ep, EX_DATAERR, 0, "config '%s': %zu diff_ids for %zu "
		    "layers", p->m.config.digest, n, p->m.nlayers);
		goto out;
	}
	if (!platform_matches(&p->want, &p->got)) {
		platform_format(&p->want, want, sizeof(want));
		platform_format(&p->got, got, sizeof(got));
		if (p->o->platform != NULL) {
			error_set(ep, EX_NOINPUT, 0, "image '%s' is for %s, not "
			    "%s", p->refname, got, want);
			goto out;
		}
		log_warnx("image '%s' is for %s, not for this host's %s",
		    p->refname, got, want);
	}
	rv = 0;
out:
	manifest_free_strv(diffids, n);
	free(buf);
	return (rv);
}

/*
 * The index.json entry for the pulled manifest.  OCI tools only read
 * entries typed as OCI, so a Docker schema 2 manifest is named through an
 * OCI rewrite over the same blobs (the registry's manifest stays in the
 * store, and its digest, the one we print, is kept as an annotation).
 */
static int
index_entry(struct pull *p, struct store_entry *ent, struct error *ep)
{
	char *buf = NULL;
	size_t len = 0;

	(void)memset(ent, 0, sizeof(*ent));
	(void)snprintf(ent->ref, sizeof(ent->ref), "%s", p->refname);
	if (strcmp(p->m.media_type, MT_DOCKER_MANIFEST) != 0) {
		(void)snprintf(ent->media_type, sizeof(ent->media_type), "%s",
		    p->m.media_type);
		(void)snprintf(ent->digest, sizeof(ent->digest), "%s",
		    p->digest);
		ent->size = p->size;
		return (0);
	}
	if (manifest_docker_to_oci(&p->m, &buf, &len, ep) == -1 ||
	    store_blob_put(&p->st, buf, len, NULL, ent->digest, ep) == -1) {
		free(buf);
		return (error_wrap(ep, "manifest '%s'", p->digest));
	}
	free(buf);
	(void)snprintf(ent->media_type, sizeof(ent->media_type), "%s",
	    MT_OCI_MANIFEST);
	ent->size = (int64_t)len;
	(void)snprintf(ent->source_digest, sizeof(ent->source_digest), "%s",
	    p->digest);
	(void)snprintf(p->oci_digest, sizeof(p->oci_digest), "%s",
	    ent->digest);
	return (0);
}

static json_t *
desc_json(const struct descriptor *d)
{
	return (json_pack("{s:s, s:s, s:I}", "mediaType", d->media_type,
	    "digest", d->digest, "size", (json_int_t)d->size));
}

static int
print_result(struct pull *p, struct error *ep)
{
	json_t *o, *layers;
	char *s;
	size_t i;
	int rv;

	if (!p->o->json) {
		return (write_line(STDOUT_FILENO, "stdout", p->digest, ep));
	}
	layers = json_array();
	for (i = 0; i < p->m.nlayers; i++)
		(void)json_array_append_new(layers, desc_json(&p->m.layers[i]));
	o = json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:s}, s:o, s:o, s:I, s:I}",
	    "reference", p->refname,
	    "digest", p->digest,
	    "mediaType", p->m.media_type,
	    "size", (json_int_t)p->size,
	    "platform", "os", p->got.os, "architecture", p->got.arch,
	    "config", desc_json(&p->m.config),
	    "layers", layers,
	    "bytesTransferred", (json_int_t)registry_bytes_received(p->reg),
	    "requests", (json_int_t)registry_requests(p->reg));
	if (o == NULL)
		return (error_set(ep, EX_SOFTWARE, 0, "cannot build JSON"));
	if (p->got.variant[0] != '\0')
		(void)json_object_set_new(json_object_get(o, "platform"),
		    "variant", json_string(p->got.variant));
	if (p->oci_digest[0] != '\0')
		(void)json_object_set_new(o, "ociDigest",
		    json_string(p->oci_digest));
	if (p->index_digest[0] != '\0')
		(void)json_object_set_new(o, "index", json_pack("{s:s, s:s}",
		    "digest", p->index_digest, "mediaType", p->index_mt));
	else
		(void)json_object_set_new(o, "index", json_null());
	s = jsonx_dump(o, NULL);
	json_decref(o);
	rv = write_line(STDOUT_FILENO, "stdout", s, ep);
	free(s);
	return (rv);
}

static int
make_registry(struct pull *p, struct error *ep)
{
	struct registry_opts ro;
	const char *host = ref_registry_host(&p->ref);
	char *hosts = NULL;

	(void)memset(&ro, 0, sizeof(ro));
	ro.ca_file = p->o->ca_file;
	if (p->o->insecure)
		hosts = xasprintf("%s,%s", host,
		    p->o->insecure_hosts != NULL ? p->o->insecure_hosts : "");
	ro.insecure = hosts != NULL ? hosts : p->o->insecure_hosts;
	p->reg = registry_new(host, &ro, ep);
	free(hosts);
	if (p->reg == NULL)
		return (error_wrap(ep, "registry '%s'", host));
	return (0);
}

int
pull_image(const struct pull_opts *o, const char *refstr, struct error *ep)
{
	struct pull p;
	struct manifest top;
	const struct descriptor *sel, **todo = NULL;
	char topdigest[DIGEST_MAX];
	struct store_entry ent;
	int64_t total = 0, topsize = 0;
	size_t i, k, n = 0;
	int rv = -1;

	(void)memset(&p, 0, sizeof(p));
	(void)memset(&top, 0, sizeof(top));
	p.o = o;
	p.st.rootfd = p.st.ocifd = p.st.blobsfd = -1;
	p.st.ingestfd = p.st.locksfd = -1;
	if (ref_parse(refstr, &p.ref, ep) == -1)
		return (-1);
	if (ref_format(&p.ref, p.refname, sizeof(p.refname)) == -1)
		return (error_set(ep, EX_USAGE, 0, "'%s': reference too long",
		    refstr));
	if (o->platform != NULL) {
		if (platform_parse(o->platform, &p.want, ep) == -1)
			return (error_wrap(ep, "--platform"));
	} else
		platform_host(&p.want);
	if (store_open(&p.st, store_root_choose(o->root), true, ep) == -1)
		return (-1);
	if (load_limits(&p, ep) == -1 || make_registry(&p, ep) == -1)
		goto out;

	/* The reference: a tag, or a digest (then verified too). */
	if (fetch_manifest(&p, p.ref.digest[0] != '\0' ? p.ref.digest :
	    p.ref.tag, p.ref.digest[0] != '\0' ? p.ref.digest : NULL, -1, NULL,
	    &top, topdigest, &topsize, ep) == -1)
		goto out;
	if (top.kind == MANIFEST_INDEX) {
		(void)snprintf(p.index_digest, sizeof(p.index_digest), "%s",
		    topdigest);
		(void)snprintf(p.index_mt, sizeof(p.index_mt), "%s",
		    top.media_type);
		if (manifest_select(&top, &p.want, &sel, ep) == -1) {
			error_wrap(ep, "'%s'", p.refname);
			goto out;
		}
		if (!mediatype_is_manifest(sel->media_type)) {
			error_set(ep, EX_DATAERR, 0, "'%s': index entry %s is "
			    "a '%s', not an image manifest", p.refname,
			    sel->digest, sel->media_type);
			goto out;
		}
		if (fetch_manifest(&p, sel->digest, sel->digest, sel->size,
		    sel->media_type, &p.m, p.digest, &p.size, ep) == -1)
			goto out;
		if (p.m.kind != MANIFEST_IMAGE) {
			error_set(ep, EX_DATAERR, 0, "'%s': index entry %s is "
			    "not an image manifest", p.refname, sel->digest);
			goto out;
		}
	} else {
		p.m = top;
		(void)memset(&top, 0, sizeof(top));
		(void)snprintf(p.digest, sizeof(p.digest), "%s", topdigest);
		p.size = topsize;
	}

	if (check_sizes(&p, ep) == -1)
		goto out;
	/* Config first (small, needed to check the layers), then layers. */
	todo = xcalloc(p.m.nlayers + 1, sizeof(*todo));
	if (!store_blob_exists(&p.st, p.m.config.digest, p.m.config.size)) {
		todo[n++] = &p.m.config;
		total += p.m.config.size;
	}
	for (i = 0; i < p.m.nlayers; i++) {
		const struct descriptor *d = &p.m.layers[i];

		if (store_blob_exists(&p.st, d->digest, d->size))
			continue;
		for (k = 0; k < n; k++)
			if (strcmp(todo[k]->digest, d->digest) == 0)
				break;
		if (k < n)
			continue;
		todo[n++] = d;
		total += d->size;
	}
	if (check_space(&p, todo, n, ep) == -1)
		goto out;
	progress_init(&p.prog, "pulling", o->progress, (int)n, total);
	if (fetch_blobs(&p, todo, n, ep) == -1) {
		error_wrap(ep, "pull '%s'", p.refname);
		goto out;
	}
	if (check_config(&p, ep) == -1)
		goto out;

	if (index_entry(&p, &ent, ep) == -1 ||
	    store_index_set(&p.st, &ent, ep) == -1)
		goto out;
	if (!store_refname_valid(p.refname))
		log_warnx("'%s' is not a name other OCI tools can address "
		    "in the store (they accept the image-spec ref.name grammar)",
		    p.refname);
	log_info("%s: %s", p.refname, p.digest);
	rv = print_result(&p, ep);
out:
	free(todo);
	manifest_release(&top);
	manifest_release(&p.m);
	registry_free(p.reg);
	store_close(&p.st);
	return (rv);
}
