/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * img-unpack's work: find the image in the store (common/image.h: a
 * reference or a manifest digest, its manifest, config and the chain id of
 * every layer), choose the storage driver, and materialise each missing
 * chain bottom-up by streaming its blob from the store through
 * layer_apply().
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "common/decomp.h"
#include "common/driver.h"
#include "common/error.h"
#include "common/fsutil.h"
#include "common/image.h"
#include "common/jsonx.h"
#include "common/layer.h"
#include "common/log.h"
#include "common/manifest.h"
#include "common/progress.h"
#include "common/store.h"
#include "common/xalloc.h"
#include "img-unpack.h"

/* Most layers applied at once. */
#define	MAX_THREADS	8

struct unpack {
	const struct unpack_opts *o;
	struct store		 st;
	struct image		 img;
	enum driver_kind	 kind;
	char			 dataset[DRIVER_DATASET_MAX];
	bool			 write_conf;	/* the root has no berth.conf */
	struct limits		 limits;	/* berth.conf's, the option's */
	struct driver		*drv;
	char			 path[PATH_MAX];	/* where to read it */
	bool			 has_path;
};

/* -d, else --zfs-dataset, else berth.conf, else what the root is on. */
static int
choose_driver(struct unpack *u, struct error *ep)
{
	struct driver_conf c;
	enum driver_kind k;
	int r;
	bool privileged = geteuid() == 0;

	if ((r = driver_conf_read(u->st.rootfd, &c, ep)) == -1)
		return (-1);
	if (u->o->has_driver)
		u->kind = u->o->driver;
	else if (u->o->zfs_dataset != NULL)
		u->kind = DRIVER_ZFS;
	else if (r == 1 && c.has_driver)
		u->kind = c.driver;
	else if (driver_detect(u->st.rootfd, u->st.root, privileged, &u->kind,
	    u->dataset, ep) == -1)
		return (-1);
	if (u->o->zfs_dataset != NULL)
		(void)snprintf(u->dataset, sizeof(u->dataset), "%s",
		    u->o->zfs_dataset);
	else if (c.zfs_dataset[0] != '\0')
		(void)snprintf(u->dataset, sizeof(u->dataset), "%s",
		    c.zfs_dataset);
	/* zfs without a dataset: the one the root is on, if any. */
	if (u->kind == DRIVER_ZFS && u->dataset[0] == '\0') {
		if (driver_detect(u->st.rootfd, u->st.root, privileged, &k,
		    u->dataset, ep) == -1)
			return (-1);
		if (k != DRIVER_ZFS)
			return (error_set(ep, u->o->has_driver ? EX_USAGE :
			    EX_CONFIG, 0, "the zfs driver needs a dataset "
			    "(--zfs-dataset, or zfs_dataset in berth.conf): "
			    "root '%s' is not on ZFS", u->st.root));
	}
	log_info("storage driver %s%s%s", driver_kind_name(u->kind),
	    u->kind == DRIVER_ZFS ? ", dataset " : "",
	    u->kind == DRIVER_ZFS ? u->dataset : "");
	u->write_conf = r == 0;
	u->limits = c.limits;
	if (u->o->max_expansion != NULL && limits_set(&u->limits,
	    "max_layer_expansion", u->o->max_expansion, ep) == -1)
		return (error_wrap(ep, "--max-layer-expansion"));
	return (0);
}

/* The root's first unpack decides its driver from now on. */
static int
write_conf(struct unpack *u, struct error *ep)
{
	struct driver_conf c;

	(void)memset(&c, 0, sizeof(c));
	c.has_driver = true;
	c.driver = u->kind;
	if (u->kind == DRIVER_ZFS)
		(void)snprintf(c.zfs_dataset, sizeof(c.zfs_dataset), "%s",
		    u->dataset);
	return (driver_conf_write(u->st.rootfd, &c, ep));
}

/* Materialise chain i (its parent is done, or the driver needs none). */
static int
unpack_one(struct unpack *u, size_t i, struct error *ep)
{
	const struct descriptor *d = &u->img.m.layers[i];
	struct driver_layer l;
	struct layer_opts lo;
	struct layer_stats st;
	char size[32];
	int64_t t0;
	int fd, r;

	if ((r = driver_exists(u->drv, u->img.chains[i], ep)) == -1)
		return (-1);
	if (r == 1) {
		log_info("layer %zu/%zu %s: unpacked already", i + 1,
		    u->img.m.nlayers, u->img.chains[i]);
		return (0);
	}
	(void)memset(&l, 0, sizeof(l));
	l.chainid = u->img.chains[i];
	l.parent = i > 0 ? u->img.chains[i - 1] : NULL;
	l.diffid = u->img.diffids[i];
	l.digest = d->digest;
	l.comp = mediatype_layer_compression(d->media_type);
	if (l.comp == LAYER_UNKNOWN)
		return (error_set(ep, EX_DATAERR, 0, "layer %s: media type "
		    "'%s' is not a layer", d->digest, d->media_type));
	if ((fd = store_blob_open(&u->st, d->digest, ep)) == -1)
		return (error_wrap(ep, "layer %zu of '%s' (pull it again)",
		    i + 1, u->img.name));
	l.blobfd = fd;
	/* The limits: the defaults, then berth.conf's, then the option's. */
	layer_opts_init(&lo);
	lo.max_ratio = (uint64_t)u->limits.max_layer_expansion;
	lo.max_bytes = u->limits.max_layer_size > 0 ?
	    (uint64_t)u->limits.max_layer_size : UINT64_MAX;
	t0 = progress_now_ms();
	r = driver_create(u->drv, &l, &lo, &st, ep);
	(void)close(fd);
	if (r == -1)
		return (error_wrap(ep, "unpack '%s'", u->img.name));
	if (r == 0)
		log_info("layer %zu/%zu %s: unpacked meanwhile by another "
		    "process", i + 1, u->img.m.nlayers, u->img.chains[i]);
	else {
		progress_fmt_bytes((int64_t)st.uncompressed, size,
		    sizeof(size));
		log_info("layer %zu/%zu %s: %s, %llu entries in %lld ms",
		    i + 1, u->img.m.nlayers, u->img.chains[i], size,
		    (unsigned long long)st.entries,
		    (long long)(progress_now_ms() - t0));
	}
	return (0);
}

/* Layers shared out among threads (a driver with independent chains). */
struct pool {
	struct unpack	*u;
	atomic_size_t	 next;
	pthread_mutex_t	 mu;
	bool		 failed;
	struct error	 err;		/* the first failure */
};

static void *
pool_worker(void *arg)
{
	struct pool *p = arg;
	struct error e = ERROR_INIT;
	size_t i;
	bool stop;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->u->img.m.nlayers) {
		(void)pthread_mutex_lock(&p->mu);
		stop = p->failed;
		(void)pthread_mutex_unlock(&p->mu);
		if (stop)
			break;
		if (unpack_one(p->u, i, &e) == -1) {
			(void)pthread_mutex_lock(&p->mu);
			if (!p->failed) {
				p->failed = true;
				p->err = e;
			}
			(void)pthread_mutex_unlock(&p->mu);
			break;
		}
	}
	return (NULL);
}

static int
unpack_parallel(struct unpack *u, int nthreads, struct error *ep)
{
	struct pool p;
	pthread_t tids[MAX_THREADS];
	int i, started = 0, rc;

	(void)memset(&p, 0, sizeof(p));
	p.u = u;
	atomic_init(&p.next, 0);
	(void)pthread_mutex_init(&p.mu, NULL);
	for (i = 0; i < nthreads; i++) {
		if ((rc = pthread_create(&tids[i], NULL, pool_worker, &p)) !=
		    0) {
			if (started > 0)
				break;
			(void)pthread_mutex_destroy(&p.mu);
			return (error_set(ep, EX_OSERR, rc, "pthread_create"));
		}
		started++;
	}
	for (i = 0; i < started; i++)
		(void)pthread_join(tids[i], NULL);
	(void)pthread_mutex_destroy(&p.mu);
	if (p.failed) {
		*ep = p.err;
		return (-1);
	}
	return (0);
}

static int
apply_layers(struct unpack *u, struct error *ep)
{
	long ncpu;
	size_t i;
	int n;

	log_info("gzip inflate: %s", decomp_have_isal() ? "isa-l" : "zlib");
	/*
	 * Overlay chains hold only their own diff: apply the layers side by
	 * side, one per processor.  The others build on their parent.
	 */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	n = ncpu < 1 ? 1 : ncpu > MAX_THREADS ? MAX_THREADS : (int)ncpu;
	if ((size_t)n > u->img.m.nlayers)
		n = (int)u->img.m.nlayers;
	if (driver_independent(u->drv) && n > 1)
		return (unpack_parallel(u, n, ep));
	for (i = 0; i < u->img.m.nlayers; i++)
		if (unpack_one(u, i, ep) == -1)
			return (-1);
	return (0);
}

static int
print_result(struct unpack *u, struct error *ep)
{
	const char *top = u->img.chains[u->img.m.nlayers - 1];
	json_t *o, *layers, *lower;
	char snap[DRIVER_DATASET_MAX + 96], path[PATH_MAX], *s;
	size_t i;
	int rv;

	if (!u->o->json) {
		return (write_line(STDOUT_FILENO, "stdout", top, ep));
	}
	layers = json_array();
	for (i = 0; i < u->img.m.nlayers; i++)
		(void)json_array_append_new(layers,
		    json_string(u->img.chains[i]));
	o = json_pack("{s:s, s:s, s:o, s:s}", "rootfs", top,
	    "driver", driver_kind_name(u->kind), "layers", layers,
	    "manifest", u->img.digest);
	if (o == NULL)
		return (error_set(ep, EX_SOFTWARE, 0, "cannot build JSON"));
	if (u->has_path)
		(void)json_object_set_new(o, "path", json_string(u->path));
	if (u->kind == DRIVER_ZFS) {
		if (driver_snapshot(u->drv, top, snap, sizeof(snap), ep) ==
		    -1) {
			json_decref(o);
			return (-1);
		}
		(void)json_object_set_new(o, "dataset", json_string(snap));
	}
	if (u->kind == DRIVER_OVERLAY) {
		lower = json_array();
		for (i = u->img.m.nlayers; i > 0; i--) {
			if (driver_path(u->drv, u->img.chains[i - 1], path,
			    sizeof(path), ep) == -1) {
				json_decref(lower);
				json_decref(o);
				return (-1);
			}
			(void)json_array_append_new(lower, json_string(path));
		}
		(void)json_object_set_new(o, "lowerdirs", lower);
	}
	s = jsonx_dump(o, NULL);
	json_decref(o);
	rv = write_line(STDOUT_FILENO, "stdout", s, ep);
	free(s);
	return (rv);
}

/* Where the complete rootfs can be read, if anywhere. */
static int
find_path(struct unpack *u, struct error *ep)
{
	const char **top;
	size_t i, n = u->img.m.nlayers;
	int rv;

	if (u->kind != DRIVER_OVERLAY) {
		if (driver_path(u->drv, u->img.chains[n - 1], u->path,
		    sizeof(u->path), ep) == -1)
			return (-1);
		u->has_path = true;
		return (0);
	}
	if (!u->o->mount)
		return (0);
	top = xcalloc(n, sizeof(*top));
	for (i = 0; i < n; i++)
		top[i] = u->img.chains[n - 1 - i];
	rv = driver_mount(u->drv, top, n, u->path, sizeof(u->path), ep);
	free(top);
	if (rv == -1)
		return (-1);
	u->has_path = true;
	return (0);
}

int
unpack_image(const struct unpack_opts *o, const char *image,
    struct error *ep)
{
	struct unpack u;
	int r, rv = -1;

	(void)memset(&u, 0, sizeof(u));
	u.o = o;
	if (store_open(&u.st, store_root_choose(o->root), false, ep) == -1)
		return (-1);
	if (image_open(&u.st, image, &u.img, ep) == -1 ||
	    choose_driver(&u, ep) == -1)
		goto out;
	if (driver_open(u.st.root, u.kind, u.dataset, &u.drv, ep) == -1 ||
	    (u.write_conf && write_conf(&u, ep) == -1))
		goto out;
	if ((r = driver_sweep(u.drv, ep)) == -1)
		goto out;
	if (r > 0)
		log_info("removed %d unfinished layer(s) of killed runs", r);
	if (apply_layers(&u, ep) == -1 || find_path(&u, ep) == -1)
		goto out;
	rv = print_result(&u, ep);
out:
	driver_close(u.drv);
	image_close(&u.img);
	store_close(&u.st);
	return (rv);
}
