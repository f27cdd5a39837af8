/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pod-render's work.  A pod manifest (read from -f, or written from an
 * image and flags) is completed from the images' configs and checked as a
 * whole before anything exists on disk: every image in the store, every
 * app's defaults, every mountPoint given a volume, the images' guards,
 * host volume sources, the hostname.  Then images not unpacked yet are
 * unpacked by running img-unpack, and the pod is built in
 * pods/.tmp-<uuid> (app roots from the storage driver, empty volumes,
 * pod.json, state.json, config.json, logs/) and renamed to pods/<uuid>.
 * Whatever fails on the way is undone in reverse; what a killed run
 * leaves (.tmp-* whose lock is free, their zfs datasets) is removed by the
 * next run.  -D removes a pod that is not running.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
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
#include "common/image.h"
#include "common/jailspec.h"
#include "common/jsonx.h"
#include "common/log.h"
#include "common/platform.h"
#include "common/platform_driver.h"
#include "common/pod.h"
#include "common/podspec.h"
#include "common/ref.h"
#include "common/sbx.h"
#include "common/store.h"
#include "common/sysfilter.h"
#include "common/xalloc.h"
#include "pod-render.h"

#define	PODFILE_MAX	(4 * 1024 * 1024)
#define	UNPACK_OUT_MAX	(1024 * 1024)
#define	TMP_PREFIX	".tmp-"
#define	PREFLIGHT_PREFIX "pod not created: "

/* An app's image, as the store has it. */
struct app_img {
	bool			 found;
	struct image		 img;
	const char		*chain;		/* top chain id, in img */
	bool			 has_cfg;
	struct image_config	 cfg;
};

struct render {
	const struct render_opts *o;
	struct store		 st;
	struct pod_manifest	 m;
	bool			 has_m;
	struct app_img		*imgs;
	size_t			 nimgs;
	char			 uuid[POD_UUID_LEN + 1];
	char			 hostname[256];
	char			 poddir[PATH_MAX];	/* final */
	json_t			*config;		/* config.json */
	struct driver		*drv;
	struct driver_conf	 conf;
	/* creation, undone on failure */
	int			 podsfd;
	int			 tmpfd;
	int			 lockfd;
	char			 lockname[64];
	char			 tmpname[64];
	bool			 made_tmp;
	bool			 renamed;
	struct pod_state	 state;
	struct pod_key		 key;		/* seals state.json */
};

/* ------------------------------------------------------------ items */

/* The missing items of a failed pre-flight, "; "-separated. */
struct items {
	char	*s;
	size_t	 n;
};

static void
items_add(struct items *it, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static void
items_add(struct items *it, const char *fmt, ...)
{
	va_list ap;
	char buf[1024], *old = it->s;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	it->s = xasprintf("%s%s%s", old != NULL ? old : "",
	    old != NULL ? "; " : "", buf);
	free(old);
	it->n++;
}

/* ------------------------------------------------------------ images */

static void
app_img_release(struct app_img *ai)
{
	image_close(&ai->img);
	if (ai->has_cfg)
		imgcfg_release(&ai->cfg);
	ai->has_cfg = false;
}

/* Load the image ai->img resolves to, and its config. */
static int
load_resolved(struct render *r, struct app_img *ai, struct error *ep)
{
	if (image_load(&r->st, &ai->img, ep) == -1)
		return (-1);
	if (imgcfg_parse(ai->img.config, ai->img.configlen, &ai->cfg,
	    ep) == -1)
		return (error_wrap(ep, "config '%s' of image '%s'",
		    ai->img.m.config.digest, ai->img.name));
	ai->has_cfg = true;
	/* pod_app_state.os holds it; no real os name comes near. */
	if (ai->cfg.os != NULL && strlen(ai->cfg.os) >=
	    sizeof(((struct pod_app_state *)NULL)->os))
		return (error_set(ep, EX_DATAERR, 0, "config '%s' of image "
		    "'%s': os '%.32s...' too long", ai->img.m.config.digest,
		    ai->img.name, ai->cfg.os));
	ai->chain = ai->img.chains[ai->img.m.nlayers - 1];
	ai->found = true;
	return (0);
}

/*
 * Load into ai (zeroed) the image named name whose manifest or index is
 * digest (mt: its media type, or NULL): the image (common/image.h) and its
 * config as podspec reads it.
 */
static int
load_image(struct render *r, const char *name, const char *digest,
    const char *mt, struct app_img *ai, struct error *ep)
{
	(void)memset(ai, 0, sizeof(*ai));
	(void)snprintf(ai->img.name, sizeof(ai->img.name), "%s", name);
	(void)snprintf(ai->img.digest, sizeof(ai->img.digest), "%s", digest);
	(void)snprintf(ai->img.media_type, sizeof(ai->img.media_type), "%s",
	    mt != NULL ? mt : "");
	return (load_resolved(r, ai, ep));
}

/*
 * The image a bare digest names: a manifest or index in the store, else
 * the image of the index whose top chain id it is (img-unpack prints
 * that).  Its name comes from the index.  A chain id names layers, not a
 * config: if images with different configs share that top chain, which
 * one was meant cannot be known (EX_USAGE naming two of them).  1 if not
 * found.
 */
static int
find_by_digest(struct render *r, const char *digest, struct app_img *ai,
    struct error *ep)
{
	struct store_entry *ents = NULL;
	struct app_img probe;
	size_t n = 0, i;
	bool blob = store_blob_exists(&r->st, digest, -1);
	int rv = 1;

	if (store_index_list(&r->st, &ents, &n, ep) == -1)
		return (-1);
	for (i = 0; i < n && rv != -1 && !(blob && rv == 0); i++) {
		if (blob && strcmp(ents[i].digest, digest) != 0)
			continue;
		/* Entries that do not load are not what we look for. */
		if (load_image(r, ents[i].ref, ents[i].digest,
		    ents[i].media_type, &probe, ep) == -1) {
			error_clear(ep);
			app_img_release(&probe);
			continue;
		}
		if (!blob && strcmp(probe.chain, digest) != 0 &&
		    strcmp(probe.img.digest, digest) != 0) {
			app_img_release(&probe);
			continue;
		}
		if (rv == 1) {
			*ai = probe;
			rv = 0;
			continue;
		}
		/* A second image on the same top chain. */
		if (strcmp(probe.img.m.config.digest,
		    ai->img.m.config.digest) != 0) {
			error_set(ep, EX_USAGE, 0, "rootfs id '%s' is the top "
			    "of several images ('%s', '%s'): name the image",
			    digest, ai->img.name, probe.img.name);
			rv = -1;
		}
		app_img_release(&probe);
	}
	free(ents);
	if (rv == 1 && blob) {
		/* In the store but under no name. */
		if (load_image(r, digest, digest, NULL, ai, ep) == -1)
			return (-1);
		rv = 0;
	}
	return (rv);
}

/*
 * Find an app's image: by id (a manifest digest) if given, else by name
 * (a reference, or a digest).  0 found, 1 not in the store, -1 error.
 * Release ai with app_img_release() in every case.
 */
static int
find_image(struct render *r, const char *name, const char *id,
    struct app_img *ai, struct error *ep)
{
	struct ref ref;
	char norm[IMAGE_NAME_MAX];
	int rc;

	(void)memset(ai, 0, sizeof(*ai));
	(void)snprintf(ai->img.name, sizeof(ai->img.name), "%s", name);
	if (id != NULL) {
		if (!store_blob_exists(&r->st, id, -1))
			return (1);
		(void)snprintf(norm, sizeof(norm), "%s", name);
		if (strncmp(name, "sha256:", 7) != 0 &&
		    ref_parse(name, &ref, ep) == 0)
			(void)ref_format(&ref, norm, sizeof(norm));
		error_clear(ep);
		return (load_image(r, norm, id, NULL, ai, ep));
	}
	if (strncmp(name, "sha256:", 7) == 0 ||
	    strncmp(name, "sha512:", 7) == 0) {
		if (digest_validate(name, NULL, ep) == -1)
			return (error_wrap(ep, "image"));
		return (find_by_digest(r, name, ai, ep));
	}
	if ((rc = image_resolve(&r->st, name, &ai->img, ep)) != 0)
		return (rc);
	return (load_resolved(r, ai, ep));
}

/* ------------------------------------------------------------ manifest */

static void
kv_append(json_t *arr, const char *name, const char *value)
{
	(void)json_array_append_new(arr, json_pack("{s:s, s:s}", "name", name,
	    "value", value));
}

/* The last path component of a reference, as an AC Name. */
static void
default_app_name(const char *image, char *out)
{
	struct ref ref;
	struct error e = ERROR_INIT;
	const char *base;
	size_t k = 0;
	char c;

	base = image;
	if (ref_parse(image, &ref, &e) == 0) {
		base = strrchr(ref.path, '/');
		base = base != NULL ? base + 1 : ref.path;
	}
	for (; *base != '\0' && k < POD_NAME_MAX; base++) {
		c = *base;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '-';
		if (c == '-' && (k == 0 || out[k - 1] == '-'))
			continue;
		out[k++] = c;
	}
	while (k > 0 && out[k - 1] == '-')
		k--;
	out[k] = '\0';
	if (k == 0)
		(void)snprintf(out, POD_NAME_MAX + 1, "app");
}

/* --seccomp-retain-set or --seccomp-remove-set as the app's isolator. */
static json_t *
seccomp_flag(const struct render_opts *o)
{
	const char *list = o->seccomp_retain != NULL ? o->seccomp_retain :
	    o->seccomp_remove;
	json_t *set;
	char *copy, *tok, *save;

	set = json_array();
	copy = xstrdup(list);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		(void)json_array_append_new(set, json_string(tok));
	free(copy);
	return (json_pack("[{s:s, s:{s:o}}]", "name",
	    o->seccomp_retain != NULL ? SYSFILTER_RETAIN : SYSFILTER_REMOVE,
	    "value", "set", set));
}

/*
 * The one-app manifest of the second synopsis, from the image (ai, found)
 * and the flags: what is not given is left for the image's defaults.
 */
static json_t *
manifest_from_flags(const struct render_opts *o, const struct app_img *ai)
{
	char name[POD_NAME_MAX + 1], *user = NULL, *colon;
	json_t *pod, *app, *a, *exec, *env, *vols, *mounts, *iso, *ann;
	size_t i;

	if (o->name != NULL)
		(void)snprintf(name, sizeof(name), "%s", o->name);
	else
		default_app_name(ai->img.name, name);
	a = json_object();
	if (o->has_args) {
		exec = json_array();
		for (i = 0; ai->has_cfg && i < ai->cfg.nentrypoint; i++)
			(void)json_array_append_new(exec,
			    json_string(ai->cfg.entrypoint[i]));
		for (i = 0; i < o->nargs; i++)
			(void)json_array_append_new(exec,
			    json_string(o->args[i]));
		(void)json_object_set_new(a, "exec", exec);
	}
	if (o->user != NULL) {
		user = xstrdup(o->user);
		if ((colon = strchr(user, ':')) != NULL) {
			*colon++ = '\0';
			(void)json_object_set_new(a, "group",
			    json_string(colon));
		}
		(void)json_object_set_new(a, "user", json_string(user));
		free(user);
	}
	if (o->workdir != NULL)
		(void)json_object_set_new(a, "workingDirectory",
		    json_string(o->workdir));
	if (o->nenv > 0) {
		env = json_array();
		for (i = 0; i < o->nenv; i++)
			kv_append(env, o->env[i].name, o->env[i].value);
		(void)json_object_set_new(a, "environment", env);
	}
	if (o->seccomp_retain != NULL || o->seccomp_remove != NULL)
		(void)json_object_set_new(a, "isolators", seccomp_flag(o));
	app = json_pack("{s:s, s:{s:s, s:s}}", "name", name, "image", "name",
	    ai->img.name, "id", ai->img.digest);
	(void)json_object_set_new(app, "app", a);
	vols = json_array();
	mounts = json_array();
	for (i = 0; i < o->nvols; i++) {
		const struct render_volume *v = &o->vols[i];
		json_t *vo;

		vo = json_pack("{s:s, s:s, s:b}", "name", v->name, "kind",
		    v->source != NULL ? "host" : "empty", "readOnly",
		    v->readonly);
		if (v->source != NULL)
			(void)json_object_set_new(vo, "source",
			    json_string(v->source));
		(void)json_array_append_new(vols, vo);
		(void)json_array_append_new(mounts, json_pack("{s:s, s:s}",
		    "volume", v->name, "path", v->path));
	}
	if (json_array_size(mounts) > 0)
		(void)json_object_set_new(app, "mounts", mounts);
	else
		json_decref(mounts);
	pod = json_pack("{s:s, s:s, s:[o]}", "acKind", "PodManifest",
	    "acVersion", POD_AC_VERSION, "apps", app);
	if (json_array_size(vols) > 0)
		(void)json_object_set_new(pod, "volumes", vols);
	else
		json_decref(vols);
	iso = json_array();
	if (o->memory != NULL)
		(void)json_array_append_new(iso, json_pack("{s:s, s:{s:s}}",
		    "name", "resource/memory", "value", "limit", o->memory));
	if (o->cpu != NULL)
		(void)json_array_append_new(iso, json_pack("{s:s, s:{s:s}}",
		    "name", "resource/cpu", "value", "limit", o->cpu));
	if (json_array_size(iso) > 0)
		(void)json_object_set_new(pod, "isolators", iso);
	else
		json_decref(iso);
	ann = json_array();
	for (i = 0; i < o->nann; i++)
		kv_append(ann, o->ann[i].name, o->ann[i].value);
	if (o->hostname != NULL)
		kv_append(ann, POD_ANN_HOSTNAME, o->hostname);
	if (json_array_size(ann) > 0)
		(void)json_object_set_new(pod, "annotations", ann);
	else
		json_decref(ann);
	return (pod);
}

static int
read_podfile(const char *path, char **bufp, size_t *lenp, struct error *ep)
{
	size_t cap = 65536, len = 0;
	ssize_t n;
	char *buf;

	if (strcmp(path, "-") != 0) {
		if (file_read_all(AT_FDCWD, path, PODFILE_MAX, bufp, lenp,
		    ep) == -1)
			return (error_wrap(ep, "pod manifest '%s'", path));
		return (0);
	}
	buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			if (cap >= PODFILE_MAX) {
				free(buf);
				return (error_set(ep, EX_DATAERR, 0, "pod "
				    "manifest on stdin: larger than %d bytes",
				    PODFILE_MAX));
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = read(0, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			return (error_set(ep, EX_IOERR, errno, "read stdin"));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*bufp = buf;
	*lenp = len;
	return (0);
}

static int
parse_manifest(struct render *r, const char *buf, size_t len,
    const char *what, struct error *ep)
{
	if (podspec_parse(buf, len, &r->m, ep) == -1)
		return (error_wrap(ep, "%s", what));
	r->has_m = true;
	return (0);
}

/* ------------------------------------------------------------ pre-flight */

bool
render_hostname_valid(const char *h)
{
	size_t len = strlen(h), label = 0, i;

	if (len == 0 || len > 253)
		return (false);
	for (i = 0; i <= len; i++) {
		if (h[i] == '.' || h[i] == '\0') {
			if (label == 0 || label > 63 || h[i - 1] == '-')
				return (false);
			label = 0;
			continue;
		}
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') ||
		    (h[i] >= '0' && h[i] <= '9') || h[i] == '-'))
			return (false);
		if (h[i] == '-' && label == 0)
			return (false);
		label++;
	}
	return (true);
}

/* An item if the host cannot run the app's image (os, architecture). */
static void
platform_check(const struct pod_app *app, const struct image *img,
    const struct platform *host, struct items *it)
{
	char want[100], have[100];

	if (platform_runs(host, &img->platform))
		return;
	platform_format(&img->platform, want, sizeof(want));
	platform_format(host, have, sizeof(have));
	items_add(it, "app '%s': image '%s' is for %s, which this host (%s) "
	    "cannot run", app->name, img->name, want, have);
}

/*
 * The system call filter an app will get: names this host knows (on a
 * platform without filters, none but the default), and no-new-privileges
 * off only with a filter that lets berth's own calls through (a deny-list).
 */
static void
check_sysfilter(const struct pod_manifest *m, const struct pod_app *a,
    struct items *it)
{
	struct error e = ERROR_INIT;
	struct pod_limits l;
	struct sysfilter f;

	podspec_limits(m, a, &l);
	if (l.seccomp == NULL)
		return;
	if (sysfilter_from_isolator(l.seccomp_retain, l.seccomp, &f,
	    &e) == -1) {
		items_add(it, "app '%s': %s", a->name, e.msg);
		return;
	}
	if (sysfilter_check(&f, &e) == -1)
		items_add(it, "app '%s': isolator '%s': %s", a->name,
		    l.seccomp_retain ? SYSFILTER_RETAIN : SYSFILTER_REMOVE,
		    e.msg);
	else if (l.has_nnp && !l.nnp && f.mode == SYSFILTER_ALLOW)
		items_add(it, "app '%s': '%s' false needs a seccomp filter "
		    "that lists what it refuses, not what it allows",
		    a->name, SYSFILTER_NNP);
	sysfilter_release(&f);
}

/*
 * Check the whole pod before anything is made: images (and that this host
 * can run their os and architecture), app defaults, host volumes,
 * hostname, the images' guards (podspec_preflight), and the jail the pod
 * asks for.  One EX_CONFIG line names every missing item.
 */
static int
preflight(struct render *r, struct error *ep)
{
	static const struct image_config none;
	const struct image_config **cfgs;
	struct items it = { NULL, 0 };
	struct pod_app *app;
	struct pod_volume *v;
	struct jailspec_opts jo;
	struct driver_conf conf;
	const char *h, *msg;
	const char **rules = NULL;
	char **unhide = NULL;
	char jname[POD_UUID_LEN + 8], real[PATH_MAX];
	struct platform host;
	struct stat sb;
	size_t i, k, nrules = 0, nunhide = 0;
	bool linux_abi = false;
	int rc, rv = -1;

	cfgs = xcalloc(r->m.napps + 1, sizeof(*cfgs));
	platform_host(&host);
	if (r->imgs == NULL) {
		r->imgs = xcalloc(r->m.napps + 1, sizeof(*r->imgs));
		r->nimgs = r->m.napps;
		for (i = 0; i < r->m.napps; i++) {
			app = &r->m.apps[i];
			rc = find_image(r, app->image_name, app->image_id,
			    &r->imgs[i], ep);
			if (rc == -1)
				goto out;
		}
	}
	for (i = 0; i < r->m.napps; i++) {
		app = &r->m.apps[i];
		cfgs[i] = &none;
		if (!r->imgs[i].found) {
			items_add(&it, "app '%s': image '%s' not in the store",
			    app->name, app->image_id != NULL ?
			    app->image_id : app->image_name);
			continue;
		}
		cfgs[i] = &r->imgs[i].cfg;
		platform_check(app, &r->imgs[i].img, &host, &it);
		/* Reified: the manifest names the image by what we found. */
		free(app->image_id);
		app->image_id = xstrdup(r->imgs[i].img.digest);
		if (podspec_app_defaults(app, cfgs[i], ep) == -1) {
			if (ep->exit != EX_CONFIG)
				goto out;
			items_add(&it, "%s", ep->msg);
			error_clear(ep);
		}
		if (r->imgs[i].cfg.os != NULL &&
		    strcmp(r->imgs[i].cfg.os, "linux") == 0)
			linux_abi = true;
		for (k = 0; k < r->imgs[i].cfg.ndevfs_rules; k++) {
			rules = xreallocarray(rules, nrules + 1,
			    sizeof(*rules));
			rules[nrules++] = r->imgs[i].cfg.devfs_rules[k];
		}
	}
	for (i = 0; i < r->m.nvolumes; i++) {
		v = &r->m.volumes[i];
		if (v->kind != POD_VOLUME_HOST)
			continue;
		if (stat(v->source, &sb) == -1) {
			items_add(&it, "volume '%s': host path '%s' %s",
			    v->name, v->source, errno == ENOENT ?
			    "does not exist" : strerror(errno));
			continue;
		}
		if (!S_ISDIR(sb.st_mode)) {
			items_add(&it, "volume '%s': host path '%s' is not a "
			    "directory", v->name, v->source);
			continue;
		}
		/*
		 * Mount what the path names now: symlinks swapped in later
		 * (by whoever can write a directory on the way) do not
		 * redirect the mount.
		 */
		if (realpath(v->source, real) == NULL) {
			items_add(&it, "volume '%s': host path '%s': %s",
			    v->name, v->source, strerror(errno));
			continue;
		}
		if (strcmp(real, v->source) != 0) {
			log_info("volume '%s': host path '%s' is '%s'",
			    v->name, v->source, real);
			free(v->source);
			v->source = xstrdup(real);
		}
	}
	h = podspec_annotation(r->m.annotations, r->m.nannotations,
	    POD_ANN_HOSTNAME);
	if (h == NULL) {
		(void)snprintf(r->hostname, sizeof(r->hostname), "%.8s",
		    r->uuid);
		podspec_kv_set(&r->m.annotations, &r->m.nannotations,
		    POD_ANN_HOSTNAME, r->hostname);
	} else if (!render_hostname_valid(h))
		items_add(&it, "hostname '%s' is not valid", h);
	else
		(void)snprintf(r->hostname, sizeof(r->hostname), "%s", h);
	for (i = 0; i < r->m.napps; i++)
		check_sysfilter(&r->m, &r->m.apps[i], &it);
	if (podspec_preflight(&r->m, cfgs, ep) == -1) {
		if (ep->exit != EX_CONFIG)
			goto out;
		msg = ep->msg;
		if (strncmp(msg, PREFLIGHT_PREFIX,
		    sizeof(PREFLIGHT_PREFIX) - 1) == 0)
			msg += sizeof(PREFLIGHT_PREFIX) - 1;
		items_add(&it, "%s", msg);
		error_clear(ep);
	}
	if (it.n > 0) {
		error_set(ep, EX_CONFIG, 0, PREFLIGHT_PREFIX "%s", it.s);
		goto out;
	}
	/*
	 * The jail the pod asks for: refused devfs rules stop it here.  The
	 * safe set is the host's to widen (berth.conf), never an image's.
	 */
	if (driver_conf_read(r->st.rootfd, &conf, ep) == -1 ||
	    jailspec_devfs_unhide_parse(conf.devfs_unhide, &unhide, &nunhide,
	    ep) == -1)
		goto out;
	(void)memset(&jo, 0, sizeof(jo));
	(void)snprintf(jname, sizeof(jname), "berth-%s", r->uuid);
	jo.name = jname;
	jo.path = r->poddir;
	jo.hostname = r->hostname;
	jo.vnet = true;
	jo.securelevel = jailspec_securelevel(0);
	jo.children_max = (int)r->m.napps;
	jo.linux_abi = linux_abi;
	if ((r->config = jailspec_oci_config(&jo, rules, nrules,
	    (const char *const *)unhide, nunhide, ep)) == NULL) {
		error_wrap(ep, PREFLIGHT_PREFIX "devfs rules");
		goto out;
	}
	rv = 0;
out:
	jailspec_strv_free(unhide, nunhide);
	free(rules);
	free(cfgs);
	free(it.s);
	return (rv);
}

/* ------------------------------------------------------------ img-unpack */

/* img-unpack next to us (argv[0] with a '/'), else from PATH. */
static char *
unpack_path(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	if (slash == NULL)
		return (xstrdup("img-unpack"));
	return (xasprintf("%.*s/img-unpack", (int)(slash - argv0), argv0));
}

/* Run img-unpack -R root --json digest; check it made chain. */
static int
run_unpack(struct render *r, const struct app_img *ai, struct error *ep)
{
	char *prog = unpack_path(r->o->argv0), *out = NULL;
	const char *argv[8];
	size_t len = 0, cap = 0, k = 0;
	json_t *o = NULL;
	const char *top;
	char chunk[4096];
	ssize_t n;
	pid_t pid;
	int p[2] = { -1, -1 }, status, rv = -1;

	argv[k++] = "img-unpack";
	if (r->o->verbose == 0)
		argv[k++] = "-q";
	else if (r->o->verbose > 1)
		argv[k++] = "-v";
	argv[k++] = "-R";
	argv[k++] = r->st.root;
	argv[k++] = "--json";
	argv[k++] = ai->img.digest;
	argv[k] = NULL;
	log_info("unpacking image '%s' (%s)", ai->img.name, prog);
	if (pipe2(p, O_CLOEXEC) == -1) {
		error_set(ep, EX_OSERR, errno, "pipe");
		goto out;
	}
	if ((pid = fork()) == -1) {
		error_set(ep, EX_OSERR, errno, "fork");
		goto out;
	}
	if (pid == 0) {
		if (dup2(p[1], 1) == -1)
			_exit(EX_OSERR);
		if (strchr(prog, '/') != NULL)
			(void)execv(prog, (char *const *)argv);
		else
			(void)execvp(prog, (char *const *)argv);
		(void)fprintf(stderr, "pod-render: exec '%s': %s\n", prog,
		    strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	(void)close(p[1]);
	p[1] = -1;
	for (;;) {
		n = read(p[0], chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + (size_t)n + 1 > cap) {
			if (len + (size_t)n + 1 > UNPACK_OUT_MAX)
				continue;
			cap = (len + (size_t)n + 1) * 2;
			out = xrealloc(out, cap);
		}
		(void)memcpy(out + len, chunk, (size_t)n);
		len += (size_t)n;
		out[len] = '\0';
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			error_set(ep, EX_OSERR, errno, "waitpid");
			goto out;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		int x = WIFEXITED(status) ? WEXITSTATUS(status) : 0;

		error_set(ep, x >= EX__BASE && x <= EX__MAX ? x :
		    x == 127 ? EX_UNAVAILABLE : EX_SOFTWARE, 0,
		    "img-unpack of '%s' failed (%s %d)", ai->img.name,
		    WIFEXITED(status) ? "exit" : "signal",
		    WIFEXITED(status) ? x : WTERMSIG(status));
		goto out;
	}
	if (out == NULL || (o = jsonx_parse(out, len, "img-unpack --json",
	    ep)) == NULL) {
		if (out == NULL)
			error_set(ep, EX_SOFTWARE, 0, "img-unpack printed "
			    "nothing");
		goto out;
	}
	top = json_string_value(json_object_get(o, "rootfs"));
	if (top == NULL || strcmp(top, ai->chain) != 0) {
		error_set(ep, EX_SOFTWARE, 0, "img-unpack of '%s' made '%s', "
		    "not chain %s", ai->img.name, top != NULL ? top : "nothing",
		    ai->chain);
		goto out;
	}
	rv = 0;
out:
	json_decref(o);
	if (p[0] != -1)
		(void)close(p[0]);
	if (p[1] != -1)
		(void)close(p[1]);
	free(out);
	free(prog);
	return (rv);
}

/* The root's driver, as img-unpack chose it (berth.conf). */
static int
open_driver(struct render *r, bool must, struct error *ep)
{
	int rc;

	if (r->drv != NULL)
		return (1);
	if ((rc = driver_conf_read(r->st.rootfd, &r->conf, ep)) == -1)
		return (-1);
	if (rc == 0 || !r->conf.has_driver) {
		if (!must)
			return (0);
		return (error_set(ep, EX_CONFIG, 0, "root '%s' has no storage "
		    "driver in berth.conf (img-unpack chooses one)",
		    r->st.root));
	}
	if (driver_open(r->st.root, r->conf.driver, r->conf.zfs_dataset,
	    &r->drv, ep) == -1)
		return (-1);
	return (1);
}

/* Unpack every image whose top chain the driver lacks. */
static int
unpack_missing(struct render *r, struct error *ep)
{
	size_t i, k;
	int rc;

	for (i = 0; i < r->nimgs; i++) {
		for (k = 0; k < i; k++)
			if (strcmp(r->imgs[k].chain, r->imgs[i].chain) == 0)
				break;
		if (k < i)
			continue;
		if ((rc = open_driver(r, false, ep)) == -1)
			return (-1);
		if (rc == 1 && (rc = driver_exists(r->drv, r->imgs[i].chain,
		    ep)) == -1)
			return (-1);
		if (rc == 1)
			continue;
		if (run_unpack(r, &r->imgs[i], ep) == -1)
			return (-1);
	}
	if (open_driver(r, true, ep) == -1)
		return (-1);
	for (i = 0; i < r->nimgs; i++) {
		if ((rc = driver_exists(r->drv, r->imgs[i].chain, ep)) == -1)
			return (-1);
		if (rc == 0)
			return (error_set(ep, EX_SOFTWARE, 0, "image '%s': "
			    "chain %s is still not unpacked",
			    r->imgs[i].img.name, r->imgs[i].chain));
	}
	return (0);
}

/* ------------------------------------------------------------ sweep */

static void
pod_lock_name(const char *uuid, char *buf, size_t len)
{
	(void)snprintf(buf, len, "pod-%s.lock", uuid);
}

/* Remove pods/.tmp-<uuid> and the pod's datasets, if its lock is free. */
static int
sweep_one(struct render *r, const char *uuid, bool dir, struct error *ep)
{
	char lname[64], tname[64];
	int fd;

	pod_lock_name(uuid, lname, sizeof(lname));
	if ((fd = lock_take(r->st.locksfd, lname, true, true, ep)) == -1) {
		if (ep->exit != EX_TEMPFAIL)
			return (-1);
		/* Held: someone is building or removing it right now. */
		error_clear(ep);
		return (0);
	}
	(void)snprintf(tname, sizeof(tname), TMP_PREFIX "%s", uuid);
	if (driver_pod_destroy(r->drv, uuid, ep) == -1 ||
	    (dir && rm_rf_at(r->podsfd, tname, ep) == -1)) {
		lock_release(fd);
		return (error_wrap(ep, "remove leftovers of pod %s", uuid));
	}
	log_info("removed leftovers of pod %s (a killed run)", uuid);
	(void)lock_unlink(r->st.locksfd, lname, fd);
	return (1);
}

static int
sweep(struct render *r, struct error *ep)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	char **names = NULL, **uuids = NULL, tname[64];
	size_t n = 0, nu = 0, i, pl = sizeof(TMP_PREFIX) - 1;
	int fd, rv = 0;

	if ((fd = openat(r->podsfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			(void)close(fd);
		return (error_set(ep, EX_OSERR, errno, "open 'pods'"));
	}
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, TMP_PREFIX, pl) == 0 &&
		    pod_uuid_valid(de->d_name + pl)) {
			names = xreallocarray(names, n + 1, sizeof(*names));
			names[n++] = xstrdup(de->d_name + pl);
		}
	(void)closedir(d);
	for (i = 0; i < n; i++) {
		if (rv != -1 && sweep_one(r, names[i], true, ep) == -1)
			rv = -1;
		free(names[i]);
	}
	free(names);
	if (rv == -1)
		return (-1);
	/* Datasets of pods whose directory is gone altogether. */
	if (driver_pod_list(r->drv, &uuids, &nu, ep) == -1)
		return (-1);
	for (i = 0; i < nu; i++) {
		(void)snprintf(tname, sizeof(tname), TMP_PREFIX "%s",
		    uuids[i]);
		if (rv != -1 && pod_uuid_valid(uuids[i]) &&
		    fstatat(r->podsfd, uuids[i], &sb, AT_SYMLINK_NOFOLLOW) ==
		    -1 && errno == ENOENT &&
		    fstatat(r->podsfd, tname, &sb, AT_SYMLINK_NOFOLLOW) ==
		    -1 && errno == ENOENT &&
		    sweep_one(r, uuids[i], false, ep) == -1)
			rv = -1;
		free(uuids[i]);
	}
	free(uuids);
	return (rv);
}

/* ------------------------------------------------------------ create */

static int
mkdir_in(int dirfd, const char *name, mode_t mode, const char *what,
    struct error *ep)
{
	int fd;

	if (mkdirat(dirfd, name, mode) == -1)
		return (error_set(ep, EX_CANTCREAT, errno, "mkdir '%s'", what));
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (error_set(ep, EX_CANTCREAT, errno, "open '%s'", what));
	if (fchmod(fd, mode) == -1) {
		(void)close(fd);
		return (error_set(ep, EX_CANTCREAT, errno, "chmod '%s'",
		    what));
	}
	return (fd);
}

static int
make_app(struct render *r, int appsfd, size_t i, struct error *ep)
{
	struct pod_app *app = &r->m.apps[i];
	struct pod_app_state *as = &r->state.apps[i];
	struct driver_root root;
	char appdir[PATH_MAX], sub[POD_NAME_MAX + 8];
	size_t k;
	int appfd;

	if (snprintf(appdir, sizeof(appdir), "%s/apps/%s", r->poddir,
	    app->name) >= (int)sizeof(appdir))
		return (error_set(ep, EX_SOFTWARE, ENAMETOOLONG, "app '%s': "
		    "path too long", app->name));
	if ((appfd = mkdir_in(appsfd, app->name, 0755, appdir, ep)) == -1)
		return (-1);
	(void)snprintf(sub, sizeof(sub), "app-%s", app->name);
	log_info("app '%s': root from chain %s", app->name, r->imgs[i].chain);
	if (driver_root_create(r->drv, r->imgs[i].chain, appfd, appdir,
	    r->uuid, sub, &root, ep) == -1) {
		(void)close(appfd);
		return (error_wrap(ep, "app '%s'", app->name));
	}
	(void)close(appfd);
	(void)snprintf(as->name, sizeof(as->name), "%s", app->name);
	(void)snprintf(as->image_id, sizeof(as->image_id), "%s",
	    r->imgs[i].img.digest);
	(void)snprintf(as->chain, sizeof(as->chain), "%s", r->imgs[i].chain);
	(void)memcpy(as->rootfs, root.rootfs, sizeof(as->rootfs));
	(void)snprintf(as->dataset, sizeof(as->dataset), "%s", root.dataset);
	(void)memcpy(as->upper, root.upper, sizeof(as->upper));
	(void)memcpy(as->work, root.work, sizeof(as->work));
	if (root.nlowerdirs > 0) {
		as->lowerdirs = xcalloc(root.nlowerdirs,
		    sizeof(*as->lowerdirs));
		for (k = 0; k < root.nlowerdirs; k++)
			as->lowerdirs[k] = xstrdup(root.lowerdirs[k]);
		as->nlowerdirs = root.nlowerdirs;
	}
	/* What the sandbox needs of the image, so pod-exec need not read it. */
	if (r->imgs[i].cfg.os != NULL)
		(void)snprintf(as->os, sizeof(as->os), "%s",
		    r->imgs[i].cfg.os);
	if (r->imgs[i].cfg.ndevfs_rules > 0) {
		as->devfs_rules = xcalloc(r->imgs[i].cfg.ndevfs_rules,
		    sizeof(*as->devfs_rules));
		for (k = 0; k < r->imgs[i].cfg.ndevfs_rules; k++)
			as->devfs_rules[k] =
			    xstrdup(r->imgs[i].cfg.devfs_rules[k]);
		as->ndevfs_rules = r->imgs[i].cfg.ndevfs_rules;
	}
	r->state.napps = i + 1;
	driver_root_release(&root);
	return (0);
}

static int
make_volumes(struct render *r, int volsfd, struct error *ep)
{
	struct pod_volume *v;
	struct pod_volume_state *vs;
	char sub[POD_NAME_MAX + 8];
	size_t i;

	for (i = 0; i < r->m.nvolumes; i++) {
		v = &r->m.volumes[i];
		vs = &r->state.volumes[r->state.nvolumes];
		(void)snprintf(vs->name, sizeof(vs->name), "%s", v->name);
		if (v->kind == POD_VOLUME_HOST) {
			(void)snprintf(vs->path, sizeof(vs->path), "%s",
			    v->source);
			r->state.nvolumes++;
			continue;
		}
		if (snprintf(vs->path, sizeof(vs->path), "%s/volumes/%s",
		    r->poddir, v->name) >= (int)sizeof(vs->path))
			return (error_set(ep, EX_SOFTWARE, ENAMETOOLONG,
			    "volume '%s': path too long", v->name));
		(void)snprintf(sub, sizeof(sub), "vol-%s", v->name);
		if (driver_volume_create(r->drv, volsfd, v->name, vs->path,
		    r->uuid, sub, (const char *const *)v->zfs_props,
		    v->nzfs_props, v->mode, v->uid, v->gid, vs->dataset,
		    ep) == -1)
			return (-1);
		vs->owned = true;
		r->state.nvolumes++;
	}
	return (0);
}

/* zfs: mount the pod's datasets now that their paths exist. */
static int
mount_datasets(struct render *r, struct error *ep)
{
	struct pod_volume *v;
	size_t i;

	for (i = 0; i < r->state.napps; i++)
		if (driver_pod_mount(r->drv, r->state.apps[i].dataset,
		    r->state.apps[i].rootfs, false, 0, 0, 0, ep) == -1)
			return (error_wrap(ep, "app '%s'",
			    r->state.apps[i].name));
	for (i = 0; i < r->state.nvolumes; i++) {
		if ((v = podspec_volume(&r->m, r->state.volumes[i].name)) ==
		    NULL || !r->state.volumes[i].owned)
			continue;
		if (driver_pod_mount(r->drv, r->state.volumes[i].dataset,
		    r->state.volumes[i].path, true, v->mode, v->uid, v->gid,
		    ep) == -1)
			return (error_wrap(ep, "volume '%s'", v->name));
	}
	return (0);
}

/* Undo a failed creation, in reverse. */
static void
undo(struct render *r)
{
	struct error e = ERROR_INIT;

	if (r->drv != NULL && driver_pod_destroy(r->drv, r->uuid, &e) == -1) {
		log_warnx("undo: %s", e.msg);
		error_clear(&e);
	}
	if (r->made_tmp && rm_rf_at(r->podsfd, r->renamed ? r->uuid :
	    r->tmpname, &e) == -1)
		log_warnx("undo: %s", e.msg);
}

static int
print_result(struct render *r, struct error *ep)
{
	json_t *o, *apps;
	char *s;
	size_t i;
	int rv;

	if (!r->o->json)
		return (write_line(STDOUT_FILENO, "stdout", r->uuid, ep));
	apps = json_array();
	for (i = 0; i < r->m.napps; i++)
		(void)json_array_append_new(apps, json_pack("{s:s, s:s, s:s, "
		    "s:s}", "name", r->m.apps[i].name, "image",
		    r->m.apps[i].image_name, "id", r->imgs[i].img.digest,
		    "rootfs", r->state.apps[i].rootfs));
	o = json_pack("{s:s, s:s, s:o}", "uuid", r->uuid, "dir", r->poddir,
	    "apps", apps);
	s = jsonx_dump(o, NULL);
	json_decref(o);
	rv = write_line(STDOUT_FILENO, "stdout", s, ep);
	free(s);
	return (rv);
}

static int
create_pod(struct render *r, struct error *ep)
{
	struct stat sb;
	json_t *pj = NULL;
	int appsfd = -1, volsfd = -1, logsfd = -1, rv = -1;
	size_t i;

	(void)snprintf(r->tmpname, sizeof(r->tmpname), TMP_PREFIX "%s",
	    r->uuid);
	pod_lock_name(r->uuid, r->lockname, sizeof(r->lockname));
	if ((r->lockfd = lock_take(r->st.locksfd, r->lockname, true, true,
	    ep)) == -1)
		return (-1);
	/*
	 * A uuid in use (122 random bits: never, unless the generator is
	 * broken) must stop us before undo() could touch the other pod's
	 * datasets; rename() would also replace an empty directory.
	 */
	if (fstatat(r->podsfd, r->uuid, &sb, AT_SYMLINK_NOFOLLOW) == 0 ||
	    errno != ENOENT)
		return (error_set(ep, EX_SOFTWARE, errno == ENOENT ? 0 : errno,
		    "pod uuid %s is in use", r->uuid));
	if ((r->tmpfd = mkdir_in(r->podsfd, r->tmpname, 0755, r->tmpname,
	    ep)) == -1)
		goto fail;
	r->made_tmp = true;
	if ((appsfd = mkdir_in(r->tmpfd, "apps", 0755, "apps", ep)) == -1 ||
	    (volsfd = mkdir_in(r->tmpfd, "volumes", 0755, "volumes",
	    ep)) == -1 ||
	    (logsfd = mkdir_in(r->tmpfd, "logs", 0750, "logs", ep)) == -1)
		goto fail;
	r->state.phase = POD_CREATED;
	r->state.driver = driver_kind(r->drv);
	if (r->state.driver == DRIVER_ZFS)
		(void)snprintf(r->state.zfs_dataset,
		    sizeof(r->state.zfs_dataset), "%s", r->conf.zfs_dataset);
	r->state.created = (int64_t)time(NULL);
	r->state.apps = xcalloc(r->m.napps + 1, sizeof(*r->state.apps));
	r->state.volumes = xcalloc(r->m.nvolumes + 1,
	    sizeof(*r->state.volumes));
	for (i = 0; i < r->m.napps; i++)
		if (make_app(r, appsfd, i, ep) == -1)
			goto fail;
	if (make_volumes(r, volsfd, ep) == -1)
		goto fail;
	pj = podspec_to_json(&r->m);
	if (pod_manifest_write(r->tmpfd, pj, &r->state, ep) == -1 ||
	    pod_write_json(r->tmpfd, "config.json", r->config,
	    ep) == -1 ||
	    pod_state_write(r->tmpfd, &r->key, r->uuid, &r->state, ep) == -1)
		goto fail;
	if (renameat(r->podsfd, r->tmpname, r->podsfd, r->uuid) == -1) {
		error_set(ep, EX_CANTCREAT, errno, "rename 'pods/%s'",
		    r->tmpname);
		goto fail;
	}
	r->renamed = true;
	if (fsync(r->podsfd) == -1) {
		error_set(ep, EX_IOERR, errno, "fsync 'pods'");
		goto fail;
	}
	if (mount_datasets(r, ep) == -1)
		goto fail;
	(void)lock_unlink(r->st.locksfd, r->lockname, r->lockfd);
	r->lockfd = -1;
	rv = 0;
	goto out;
fail:
	undo(r);
out:
	json_decref(pj);
	if (appsfd != -1)
		(void)close(appsfd);
	if (volsfd != -1)
		(void)close(volsfd);
	if (logsfd != -1)
		(void)close(logsfd);
	return (rv);
}

static void
render_release(struct render *r)
{
	size_t i;

	if (r->lockfd != -1)
		(void)lock_unlink(r->st.locksfd, r->lockname, r->lockfd);
	if (r->tmpfd != -1)
		(void)close(r->tmpfd);
	if (r->podsfd != -1)
		(void)close(r->podsfd);
	for (i = 0; i < r->nimgs; i++)
		app_img_release(&r->imgs[i]);
	free(r->imgs);
	if (r->has_m)
		podspec_release(&r->m);
	pod_state_release(&r->state);
	json_decref(r->config);
	driver_close(r->drv);
	store_close(&r->st);
}

/*
 * The pod's pids limit: --pids N (0: none), else what the manifest says,
 * else RENDER_PIDS_DEFAULT for the whole pod, written into pod.json so
 * that what the pod gets is what it says.
 */
static void
pids_default(struct pod_manifest *m, const struct render_opts *o)
{
	size_t i;

	if (o->has_pids) {
		m->limits.pids = o->pids;
		return;
	}
	if (m->limits.pids > 0)
		return;
	for (i = 0; i < m->napps; i++)
		if (m->apps[i].limits.pids > 0)
			return;
	m->limits.pids = RENDER_PIDS_DEFAULT;
}

int
render_pod(const struct render_opts *o, struct error *ep)
{
	struct render r;
	json_t *pj = NULL;
	char *buf = NULL, *s;
	size_t len;
	int rc, rv = -1;

	(void)memset(&r, 0, sizeof(r));
	r.o = o;
	r.podsfd = r.tmpfd = r.lockfd = -1;
	if (store_open(&r.st, store_root_choose(o->root), false, ep) == -1)
		return (-1);
	if (pod_uuid_new(r.uuid, ep) == -1)
		goto out;
	(void)snprintf(r.poddir, sizeof(r.poddir), "%s/pods/%s", r.st.root,
	    r.uuid);
	if (o->file != NULL) {
		if (read_podfile(o->file, &buf, &len, ep) == -1 ||
		    parse_manifest(&r, buf, len, o->file, ep) == -1)
			goto out;
	} else {
		/* The image first: -- ARG keeps its Entrypoint. */
		r.imgs = xcalloc(2, sizeof(*r.imgs));
		r.nimgs = 1;
		if ((rc = find_image(&r, o->image, NULL, &r.imgs[0],
		    ep)) == -1)
			goto out;
		if (rc == 1) {
			error_set(ep, EX_CONFIG, 0, PREFLIGHT_PREFIX "image "
			    "'%s' not in the store", r.imgs[0].img.name);
			goto out;
		}
		pj = manifest_from_flags(o, &r.imgs[0]);
		s = jsonx_dump(pj, &len);
		rc = parse_manifest(&r, s, len, "pod manifest from the "
		    "options", ep);
		free(s);
		if (rc == -1) {
			/* Our flags made it: a bad value is a usage error. */
			ep->exit = EX_USAGE;
			goto out;
		}
	}
	pids_default(&r.m, o);
	if (preflight(&r, ep) == -1 || unpack_missing(&r, ep) == -1)
		goto out;
	if ((r.podsfd = pod_root_open(r.st.rootfd, true, ep)) == -1 ||
	    pod_key_load(r.podsfd, true, &r.key, ep) == -1 ||
	    sweep(&r, ep) == -1 || create_pod(&r, ep) == -1)
		goto out;
	log_info("pod %s created (%s driver)", r.uuid,
	    driver_kind_name(driver_kind(r.drv)));
	rv = print_result(&r, ep);
out:
	json_decref(pj);
	free(buf);
	render_release(&r);
	return (rv);
}

/* ------------------------------------------------------------ destroy */

/* Unmount path if something is mounted there (a leftover). */
static int
unmount_if(const char *path, struct error *ep)
{
	struct stat a, b;
	char up[PATH_MAX + 4];

	(void)snprintf(up, sizeof(up), "%s/..", path);
	if (lstat(path, &a) == -1 || !S_ISDIR(a.st_mode) ||
	    stat(up, &b) == -1 || a.st_dev == b.st_dev)
		return (0);
	log_info("unmounting '%s'", path);
	return (os_unmount(path, ep));
}

int
render_destroy(const struct render_opts *o, struct error *ep)
{
	struct store st;
	struct pod_state s;
	struct sbx_pod sp;
	struct sbx_app *sa = NULL;
	struct driver *drv = NULL;
	struct driver_root root;
	struct driver_conf conf;
	struct pod_key key;
	char dir[PATH_MAX], lname[64], tname[64];
	const char *uuid = o->destroy;
	size_t i;
	bool has_state = false;
	int podsfd = -1, podfd = -1, plock = -1, rlock = -1, runlk = -1, rc;
	int rv = -1;

	(void)memset(&s, 0, sizeof(s));
	if (store_open(&st, store_root_choose(o->root), false, ep) == -1)
		return (-1);
	if (!pod_uuid_valid(uuid)) {
		error_set(ep, EX_USAGE, 0, "'%s' is not a pod uuid", uuid);
		goto out;
	}
	if ((podsfd = pod_root_open(st.rootfd, false, ep)) == -1) {
		if (ep->exit == EX_NOINPUT) {
			error_clear(ep);
			error_set(ep, EX_NOINPUT, 0, "no pod '%s'", uuid);
		}
		goto out;
	}
	if ((podfd = pod_open(podsfd, uuid, ep)) == -1)
		goto out;
	pod_lock_name(uuid, lname, sizeof(lname));
	if ((rc = pod_is_running(podfd, ep)) == -1)
		goto out;
	if (rc == 1) {
		error_set(ep, EX_TEMPFAIL, 0, "pod '%s' is running", uuid);
		goto out;
	}
	if ((rlock = lock_take(st.locksfd, lname, true, true, ep)) == -1 ||
	    (plock = pod_lock(podfd, false, ep)) == -1)
		goto out;
	/*
	 * Hold the run lock while destroying, so that pod-exec, which takes
	 * it first, cannot start the pod meanwhile.
	 */
	if ((runlk = pod_run_lock(podfd, false, ep)) == -1) {
		if (ep->exit == EX_TEMPFAIL) {
			error_clear(ep);
			error_set(ep, EX_TEMPFAIL, 0, "pod '%s' is running",
			    uuid);
		}
		goto out;
	}
	(void)snprintf(dir, sizeof(dir), "%s/pods/%s", st.root, uuid);
	/*
	 * What a state we cannot trust names (mounts, datasets) is left
	 * alone: the root's own dataset for pods and the pod directory go
	 * all the same.
	 */
	(void)memset(&conf, 0, sizeof(conf));
	if (driver_conf_read(st.rootfd, &conf, ep) == -1)
		goto out;
	if (pod_key_load(podsfd, false, &key, ep) == -1 ||
	    pod_state_read(podfd, &key, uuid, &s, ep) == -1 ||
	    pod_state_check(&s, st.root, dir, uuid, conf.zfs_dataset,
	    ep) == -1) {
		log_warnx("pod %s: %s: removing it anyway", uuid, ep->msg);
		error_clear(ep);
		pod_state_release(&s);
	} else
		has_state = true;
	explicit_bzero(&key, sizeof(key));
	/* What a pod-exec left outside the pod: cgroups, a jail, mounts. */
	(void)memset(&sp, 0, sizeof(sp));
	sp.uuid = uuid;
	sp.dir = dir;
	sa = xcalloc(s.napps + 1, sizeof(*sa));
	for (i = 0; i < s.napps; i++) {
		sa[i].name = s.apps[i].name;
		sa[i].rootfs = s.apps[i].rootfs;
		sa[i].lowerdirs = (const char *const *)s.apps[i].lowerdirs;
		sa[i].nlowerdirs = s.apps[i].nlowerdirs;
		sa[i].upper = s.apps[i].upper[0] != '\0' ? s.apps[i].upper :
		    NULL;
		sa[i].work = s.apps[i].work[0] != '\0' ? s.apps[i].work : NULL;
	}
	sp.apps = sa;
	sp.napps = s.napps;
	if (sbx_teardown(&sp, ep) == -1) {
		error_wrap(ep, "pod %s", uuid);
		goto out;
	}
	/* The driver the pod was made with, else the root's. */
	if (has_state) {
		conf.driver = s.driver;
		(void)snprintf(conf.zfs_dataset, sizeof(conf.zfs_dataset),
		    "%s", s.zfs_dataset);
	}
	if ((has_state || conf.has_driver) && driver_open(st.root,
	    conf.driver, conf.zfs_dataset, &drv, ep) == -1)
		goto out;
	for (i = 0; drv != NULL && i < s.napps; i++) {
		(void)memset(&root, 0, sizeof(root));
		(void)memcpy(root.rootfs, s.apps[i].rootfs,
		    sizeof(root.rootfs));
		(void)snprintf(root.dataset, sizeof(root.dataset), "%s",
		    s.apps[i].dataset);
		if (driver_root_destroy(drv, &root, ep) == -1) {
			error_wrap(ep, "pod %s: app '%s'", uuid,
			    s.apps[i].name);
			goto out;
		}
	}
	for (i = 0; i < s.nvolumes; i++) {
		/* Host volumes are the host's: never touched. */
		if (!s.volumes[i].owned)
			continue;
		if ((drv != NULL && driver_pod_destroy_dataset(drv,
		    s.volumes[i].dataset, ep) == -1) ||
		    unmount_if(s.volumes[i].path, ep) == -1) {
			error_wrap(ep, "pod %s: volume '%s'", uuid,
			    s.volumes[i].name);
			goto out;
		}
	}
	if (drv != NULL && driver_pod_destroy(drv, uuid, ep) == -1)
		goto out;
	for (i = 0; i < s.napps; i++)
		if (unmount_if(s.apps[i].rootfs, ep) == -1)
			goto out;
	/*
	 * Out of sight first: a pod that exists is whole, and a killed -D
	 * leaves a .tmp-<uuid> that the next pod-render sweeps.
	 */
	(void)snprintf(tname, sizeof(tname), TMP_PREFIX "%s", uuid);
	if (renameat(podsfd, uuid, podsfd, tname) == -1) {
		error_set(ep, EX_OSERR, errno, "rename 'pods/%s'", uuid);
		goto out;
	}
	if (rm_rf_at(podsfd, tname, ep) == -1) {
		error_wrap(ep, "remove pod %s", uuid);
		goto out;
	}
	log_info("pod %s removed", uuid);
	if (write_line(STDOUT_FILENO, "stdout", uuid, ep) == -1)
		goto out;
	rv = 0;
out:
	free(sa);
	pod_state_release(&s);
	driver_close(drv);
	lock_release(runlk);
	lock_release(plock);
	if (rlock != -1)
		(void)lock_unlink(st.locksfd, lname, rlock);
	if (podfd != -1)
		(void)close(podfd);
	if (podsfd != -1)
		(void)close(podsfd);
	store_close(&st);
	return (rv);
}
