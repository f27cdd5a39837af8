/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A pod on disk (see common/pod.h): uuids, the pods/ directory, the
 * state file state.json (read strictly, written atomically), pod.json,
 * and the two lock files that say who changes and who runs a pod.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#ifndef HAVE_ARC4RANDOM_BUF
#include <sys/random.h>
#endif

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/driver.h"
#include "common/error.h"
#include "common/fsutil.h"
#include "common/jsonx.h"
#include "common/pod.h"
#include "common/podspec.h"
#include "common/xalloc.h"

#define	STATE_NAME	"state.json"
#define	STATE_MAX	(4 * 1024 * 1024)
#define	MANIFEST_NAME	"pod.json"
#define	MANIFEST_MAX	(4 * 1024 * 1024)
#define	LOCK_NAME	"lock"
#define	RUN_LOCK_NAME	"run.lock"
#define	KEY_NAME	".seal.key"
#define	SEAL_PREFIX	"hmac-sha256:"
#define	SEAL_LEN	(sizeof(SEAL_PREFIX) - 1 + 64)

static void	seal_of(const struct pod_key *, const char *, const json_t *,
		    char *);

/* ------------------------------------------------------------ uuids */

/* Fill buf with len random bytes: the kernel's generator, else urandom. */
#ifdef HAVE_ARC4RANDOM_BUF
static int
random_bytes(unsigned char *buf, size_t len, struct error *ep)
{
	(void)ep;
	arc4random_buf(buf, len);
	return (0);
}
#else
static int
random_bytes(unsigned char *buf, size_t len, struct error *ep)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	while (off < len) {
		n = getrandom(buf + off, len - off, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off == len)
		return (0);
	/* An old kernel without getrandom(2) (ENOSYS). */
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1)
		return (error_set(ep, EX_OSERR, errno, "open '/dev/urandom'"));
	while (off < len) {
		n = read(fd, buf + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)close(fd);
			return (error_set(ep, EX_IOERR, n == 0 ? EIO : errno,
			    "read '/dev/urandom'"));
		}
		off += (size_t)n;
	}
	(void)close(fd);
	return (0);
}
#endif

int
pod_uuid_new(char *out, struct error *ep)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	size_t i, k = 0;

	if (random_bytes(b, sizeof(b), ep) == -1)
		return (error_wrap(ep, "uuid"));
	/* RFC 9562 version 4: random, with the version and variant bits. */
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[b[i] >> 4];
		out[k++] = hex[b[i] & 0x0f];
	}
	out[k] = '\0';
	return (0);
}

bool
pod_uuid_valid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != POD_UUID_LEN)
		return (false);
	for (i = 0; i < POD_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (false);
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return (false);
	}
	return (true);
}

/* ------------------------------------------------------------ directories */

int
pod_root_open(int rootfd, bool create, struct error *ep)
{
	int fd;

	if (create && mkdir_p(rootfd, "pods", 0700, ep) == -1)
		return (error_wrap(ep, "pods"));
	if ((fd = openat(rootfd, "pods", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (error_set(ep, errno == ENOENT ? EX_NOINPUT :
		    create ? EX_CANTCREAT : EX_OSERR, errno, "open 'pods'"));
	/* The one gate to every pod's files (see pod.h): keep it shut. */
	if (create && fchmod(fd, 0700) == -1) {
		(void)close(fd);
		return (error_set(ep, EX_CANTCREAT, errno, "chmod 'pods'"));
	}
	return (fd);
}

int
pod_open(int podsfd, const char *uuid, struct error *ep)
{
	int fd;

	if (!pod_uuid_valid(uuid))
		return (error_set(ep, EX_USAGE, 0, "'%s' is not a pod uuid",
		    uuid));
	if ((fd = openat(podsfd, uuid, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return (error_set(ep, EX_NOINPUT, 0, "no pod '%s'",
			    uuid));
		return (error_set(ep, EX_OSERR, errno, "open pod '%s'", uuid));
	}
	return (fd);
}

/* ------------------------------------------------------------ state */

static const char *const phase_names[] = {
	[POD_CREATED] = "created",
	[POD_RUNNING] = "running",
	[POD_EXITED] = "exited"
};

const char *
pod_phase_name(enum pod_phase p)
{
	if ((size_t)p >= sizeof(phase_names) / sizeof(phase_names[0]))
		return ("unknown");
	return (phase_names[p]);
}

void
pod_state_release(struct pod_state *s)
{
	size_t i, k;

	if (s == NULL)
		return;
	for (i = 0; i < s->napps; i++) {
		for (k = 0; k < s->apps[i].nlowerdirs; k++)
			free(s->apps[i].lowerdirs[k]);
		free(s->apps[i].lowerdirs);
		for (k = 0; k < s->apps[i].ndevfs_rules; k++)
			free(s->apps[i].devfs_rules[k]);
		free(s->apps[i].devfs_rules);
	}
	free(s->apps);
	free(s->volumes);
	(void)memset(s, 0, sizeof(*s));
}

struct pod_app_state *
pod_state_app(struct pod_state *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->napps; i++)
		if (strcmp(s->apps[i].name, name) == 0)
			return (&s->apps[i]);
	return (NULL);
}

/* Copy the optional string member key of o into buf (len bytes). */
static int
get_str(const json_t *o, const char *where, const char *key, bool required,
    char *buf, size_t len, struct error *ep)
{
	const char *v;
	int bad = 0;

	buf[0] = '\0';
	v = jsonx_string(o, key, &bad, ep);
	if (bad)
		return (error_wrap(ep, "%s", where));
	if (v == NULL) {
		if (required)
			return (error_set(ep, EX_DATAERR, 0, "%s.%s: missing",
			    where, key));
		return (0);
	}
	if (strlen(v) >= len)
		return (error_set(ep, EX_DATAERR, 0, "%s.%s: too long", where,
		    key));
	(void)memcpy(buf, v, strlen(v) + 1);
	return (0);
}

static int
get_int(const json_t *o, const char *where, const char *key, int64_t min,
    int64_t max, int64_t *out, struct error *ep)
{
	*out = 0;
	if (jsonx_int64(o, key, min, max, out, ep) == -1)
		return (error_wrap(ep, "%s", where));
	return (0);
}

static int
get_bool(const json_t *o, const char *where, const char *key, bool *out,
    struct error *ep)
{
	json_t *v = json_object_get(o, key);

	*out = false;
	if (v == NULL)
		return (0);
	if (!json_is_boolean(v))
		return (error_set(ep, EX_DATAERR, 0, "%s.%s: not a boolean",
		    where, key));
	*out = json_is_true(v);
	return (0);
}

static int
app_from_json(const json_t *o, size_t idx, struct pod_app_state *a,
    struct error *ep)
{
	char where[32];
	json_t *lo, *v;
	int64_t n;
	size_t i;
	int bad = 0;

	(void)snprintf(where, sizeof(where), "apps[%zu]", idx);
	if (!json_is_object(o))
		return (error_set(ep, EX_DATAERR, 0, "%s: not an object",
		    where));
	if (get_str(o, where, "name", true, a->name, sizeof(a->name),
	    ep) == -1 ||
	    get_str(o, where, "image_id", false, a->image_id,
	    sizeof(a->image_id), ep) == -1 ||
	    get_str(o, where, "chain", false, a->chain, sizeof(a->chain),
	    ep) == -1 ||
	    get_str(o, where, "rootfs", true, a->rootfs, sizeof(a->rootfs),
	    ep) == -1 ||
	    get_str(o, where, "dataset", false, a->dataset,
	    sizeof(a->dataset), ep) == -1 ||
	    get_str(o, where, "upper", false, a->upper, sizeof(a->upper),
	    ep) == -1 ||
	    get_str(o, where, "work", false, a->work, sizeof(a->work),
	    ep) == -1 ||
	    get_str(o, where, "os", false, a->os, sizeof(a->os), ep) == -1)
		return (-1);
	if (!podspec_name_valid(a->name))
		return (error_set(ep, EX_DATAERR, 0, "%s.name: '%s' is not an "
		    "AC Name", where, a->name));
	if (a->rootfs[0] != '/')
		return (error_set(ep, EX_DATAERR, 0, "%s.rootfs: not "
		    "absolute", where));
	if ((lo = jsonx_array(o, "lowerdirs", &bad, ep)) == NULL && bad)
		return (error_wrap(ep, "%s", where));
	if (lo != NULL) {
		if (json_array_size(lo) > POD_LIST_MAX)
			return (error_set(ep, EX_DATAERR, 0, "%s.lowerdirs: "
			    "too many", where));
		a->lowerdirs = xcalloc(json_array_size(lo) + 1,
		    sizeof(*a->lowerdirs));
		json_array_foreach(lo, i, v) {
			if (!json_is_string(v) ||
			    json_string_value(v)[0] != '/')
				return (error_set(ep, EX_DATAERR, 0,
				    "%s.lowerdirs[%zu]: not an absolute path",
				    where, i));
			a->lowerdirs[a->nlowerdirs++] =
			    xstrdup(json_string_value(v));
		}
	}
	/* An overlay root has all three, each absolute; others none. */
	if ((a->upper[0] != '\0' && a->upper[0] != '/') ||
	    (a->work[0] != '\0' && a->work[0] != '/') ||
	    (a->upper[0] == '\0') != (a->work[0] == '\0') ||
	    (a->upper[0] == '\0') != (a->nlowerdirs == 0))
		return (error_set(ep, EX_DATAERR, 0, "%s: upper, work and "
		    "lowerdirs must be absolute and come together", where));
	if ((lo = jsonx_array(o, "devfs_rules", &bad, ep)) == NULL && bad)
		return (error_wrap(ep, "%s", where));
	if (lo != NULL) {
		if (json_array_size(lo) > POD_LIST_MAX)
			return (error_set(ep, EX_DATAERR, 0, "%s.devfs_rules: "
			    "too many", where));
		a->devfs_rules = xcalloc(json_array_size(lo) + 1,
		    sizeof(*a->devfs_rules));
		/* The grammar is jailspec's, checked where rules are used. */
		json_array_foreach(lo, i, v) {
			if (!json_is_string(v) ||
			    json_string_value(v)[0] == '\0')
				return (error_set(ep, EX_DATAERR, 0,
				    "%s.devfs_rules[%zu]: not a rule", where,
				    i));
			a->devfs_rules[a->ndevfs_rules++] =
			    xstrdup(json_string_value(v));
		}
	}
	if (json_object_get(o, "status") != NULL) {
		if (get_int(o, where, "status", 0, 255 + 128, &n, ep) == -1)
			return (-1);
		a->has_status = true;
		a->status = (int)n;
	}
	if (get_int(o, where, "pid", 0, INT32_MAX, &n, ep) == -1)
		return (-1);
	a->pid = (pid_t)n;
	return (0);
}

static int
volume_from_json(const json_t *o, size_t idx, struct pod_volume_state *v,
    struct error *ep)
{
	char where[32];

	(void)snprintf(where, sizeof(where), "volumes[%zu]", idx);
	if (!json_is_object(o))
		return (error_set(ep, EX_DATAERR, 0, "%s: not an object",
		    where));
	if (get_str(o, where, "name", true, v->name, sizeof(v->name),
	    ep) == -1 ||
	    get_str(o, where, "path", true, v->path, sizeof(v->path),
	    ep) == -1 ||
	    get_str(o, where, "dataset", false, v->dataset,
	    sizeof(v->dataset), ep) == -1 ||
	    get_bool(o, where, "owned", &v->owned, ep) == -1)
		return (-1);
	if (!podspec_name_valid(v->name))
		return (error_set(ep, EX_DATAERR, 0, "%s.name: '%s' is not an "
		    "AC Name", where, v->name));
	if (v->path[0] != '/')
		return (error_set(ep, EX_DATAERR, 0, "%s.path: not absolute",
		    where));
	return (0);
}

static int
state_from_json(const json_t *o, struct pod_state *s, struct error *ep)
{
	char buf[32], ds[DRIVER_DATASET_MAX];
	json_t *arr, *v;
	int64_t n;
	size_t i;
	int bad = 0;

	if (!json_is_object(o))
		return (error_set(ep, EX_DATAERR, 0, "not an object"));
	if (get_str(o, "state", "manifest", false, s->manifest,
	    sizeof(s->manifest), ep) == -1)
		return (-1);
	if (get_str(o, "state", "phase", true, buf, sizeof(buf), ep) == -1)
		return (-1);
	for (i = 0; i < sizeof(phase_names) / sizeof(phase_names[0]); i++)
		if (strcmp(buf, phase_names[i]) == 0)
			break;
	if (i == sizeof(phase_names) / sizeof(phase_names[0]))
		return (error_set(ep, EX_DATAERR, 0, "phase: unknown '%s'",
		    buf));
	s->phase = (enum pod_phase)i;
	if (get_str(o, "state", "driver", true, buf, sizeof(buf), ep) == -1)
		return (-1);
	if (driver_kind_parse(buf, &s->driver, ep) == -1) {
		ep->exit = EX_DATAERR;
		return (error_wrap(ep, "driver"));
	}
	if (get_str(o, "state", "zfs_dataset", false, ds, sizeof(ds),
	    ep) == -1)
		return (-1);
	(void)memcpy(s->zfs_dataset, ds, sizeof(ds));
	if (get_int(o, "state", "created", 0, INT64_MAX, &s->created,
	    ep) == -1 ||
	    get_int(o, "state", "started", 0, INT64_MAX, &s->started,
	    ep) == -1 ||
	    get_int(o, "state", "finished", 0, INT64_MAX, &s->finished,
	    ep) == -1 ||
	    get_int(o, "state", "pid", 0, INT32_MAX, &n, ep) == -1)
		return (-1);
	s->pid = (pid_t)n;
	if (get_int(o, "state", "pid_start", 0, INT64_MAX, &n, ep) == -1)
		return (-1);
	s->pid_start = (uint64_t)n;
	if (get_str(o, "state", "main_app", false, s->main_app,
	    sizeof(s->main_app), ep) == -1)
		return (-1);
	if ((arr = jsonx_array(o, "apps", &bad, ep)) == NULL) {
		if (bad)
			return (-1);
		return (error_set(ep, EX_DATAERR, 0, "apps: missing"));
	}
	if (json_array_size(arr) > POD_LIST_MAX)
		return (error_set(ep, EX_DATAERR, 0, "apps: too many"));
	s->apps = xcalloc(json_array_size(arr) + 1, sizeof(*s->apps));
	json_array_foreach(arr, i, v) {
		s->napps++;
		if (app_from_json(v, i, &s->apps[i], ep) == -1)
			return (-1);
	}
	if ((arr = jsonx_array(o, "volumes", &bad, ep)) == NULL && bad)
		return (-1);
	if (arr != NULL) {
		if (json_array_size(arr) > POD_LIST_MAX)
			return (error_set(ep, EX_DATAERR, 0,
			    "volumes: too many"));
		s->volumes = xcalloc(json_array_size(arr) + 1,
		    sizeof(*s->volumes));
		json_array_foreach(arr, i, v) {
			s->nvolumes++;
			if (volume_from_json(v, i, &s->volumes[i], ep) == -1)
				return (-1);
		}
	}
	return (0);
}

int
pod_state_read(int poddirfd, const struct pod_key *k, const char *uuid,
    struct pod_state *s, struct error *ep)
{
	json_t *o = NULL;
	char *buf = NULL, want[SEAL_LEN + 1], got[SEAL_LEN + 1];
	const char *seal;
	size_t len;
	int rv = -1;

	(void)memset(s, 0, sizeof(*s));
	if (file_read_all(poddirfd, STATE_NAME, STATE_MAX, &buf, &len,
	    ep) == -1)
		return (error_wrap(ep, "%s", STATE_NAME));
	if ((o = jsonx_parse(buf, len, STATE_NAME, ep)) == NULL)
		goto out;
	if (state_from_json(o, s, ep) == -1) {
		error_wrap(ep, "%s", STATE_NAME);
		goto out;
	}
	if (k != NULL) {
		seal = json_string_value(json_object_get(o, "seal"));
		if (seal == NULL) {
			error_set(ep, EX_DATAERR, 0, "%s: not sealed (made by "
			    "an older pod-render, or not by berth)",
			    STATE_NAME);
			goto out;
		}
		len = strlen(seal);
		(void)snprintf(got, sizeof(got), "%s", seal);
		/* What was sealed: everything but the seal. */
		(void)json_object_del(o, "seal");
		seal_of(k, uuid, o, want);
		if (len != SEAL_LEN ||
		    CRYPTO_memcmp(got, want, SEAL_LEN) != 0) {
			error_set(ep, EX_DATAERR, 0, "%s: the seal does not "
			    "match: changed outside berth, or not pod %s's",
			    STATE_NAME, uuid);
			goto out;
		}
	}
	rv = 0;
out:
	if (rv == -1)
		pod_state_release(s);
	json_decref(o);
	free(buf);
	return (rv);
}

/* Set key to the string v unless it is empty. */
static void
set_str(json_t *o, const char *key, const char *v)
{
	if (v != NULL && *v != '\0')
		(void)json_object_set_new(o, key, json_string(v));
}

static json_t *
state_to_json(const struct pod_state *s)
{
	const struct pod_app_state *a;
	const struct pod_volume_state *v;
	json_t *o, *apps, *vols, *ao, *lo;
	size_t i, k;

	o = json_object();
	set_str(o, "manifest", s->manifest);
	(void)json_object_set_new(o, "phase",
	    json_string(pod_phase_name(s->phase)));
	(void)json_object_set_new(o, "driver",
	    json_string(driver_kind_name(s->driver)));
	set_str(o, "zfs_dataset", s->zfs_dataset);
	(void)json_object_set_new(o, "created", json_integer(s->created));
	(void)json_object_set_new(o, "started", json_integer(s->started));
	(void)json_object_set_new(o, "finished", json_integer(s->finished));
	(void)json_object_set_new(o, "pid", json_integer(s->pid));
	(void)json_object_set_new(o, "pid_start",
	    json_integer((json_int_t)s->pid_start));
	set_str(o, "main_app", s->main_app);
	apps = json_array();
	for (i = 0; i < s->napps; i++) {
		a = &s->apps[i];
		ao = json_object();
		(void)json_object_set_new(ao, "name", json_string(a->name));
		set_str(ao, "image_id", a->image_id);
		set_str(ao, "chain", a->chain);
		(void)json_object_set_new(ao, "rootfs",
		    json_string(a->rootfs));
		set_str(ao, "dataset", a->dataset);
		set_str(ao, "upper", a->upper);
		set_str(ao, "work", a->work);
		if (a->nlowerdirs > 0) {
			lo = json_array();
			for (k = 0; k < a->nlowerdirs; k++)
				(void)json_array_append_new(lo,
				    json_string(a->lowerdirs[k]));
			(void)json_object_set_new(ao, "lowerdirs", lo);
		}
		set_str(ao, "os", a->os);
		if (a->ndevfs_rules > 0) {
			lo = json_array();
			for (k = 0; k < a->ndevfs_rules; k++)
				(void)json_array_append_new(lo,
				    json_string(a->devfs_rules[k]));
			(void)json_object_set_new(ao, "devfs_rules", lo);
		}
		if (a->has_status)
			(void)json_object_set_new(ao, "status",
			    json_integer(a->status));
		(void)json_object_set_new(ao, "pid", json_integer(a->pid));
		(void)json_array_append_new(apps, ao);
	}
	(void)json_object_set_new(o, "apps", apps);
	vols = json_array();
	for (i = 0; i < s->nvolumes; i++) {
		v = &s->volumes[i];
		ao = json_object();
		(void)json_object_set_new(ao, "name", json_string(v->name));
		(void)json_object_set_new(ao, "path", json_string(v->path));
		set_str(ao, "dataset", v->dataset);
		(void)json_object_set_new(ao, "owned", json_boolean(v->owned));
		(void)json_array_append_new(vols, ao);
	}
	(void)json_object_set_new(o, "volumes", vols);
	return (o);
}

int
pod_write_json(int poddirfd, const char *name, const json_t *o,
    struct error *ep)
{
	char *buf;
	size_t len;
	int rv;

	if ((buf = json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2))) == NULL)
		return (error_set(ep, EX_SOFTWARE, 0, "%s: cannot encode",
		    name));
	len = strlen(buf);
	buf = xrealloc(buf, len + 2);
	buf[len++] = '\n';
	buf[len] = '\0';
	rv = file_write_atomic(poddirfd, name, buf, len, 0644, ep);
	free(buf);
	return (rv);
}

int
pod_state_write(int poddirfd, const struct pod_key *k, const char *uuid,
    const struct pod_state *s, struct error *ep)
{
	char seal[SEAL_LEN + 1];
	json_t *o;
	int rv;

	o = state_to_json(s);
	seal_of(k, uuid, o, seal);
	(void)json_object_set_new(o, "seal", json_string(seal));
	rv = pod_write_json(poddirfd, STATE_NAME, o, ep);
	json_decref(o);
	if (rv == -1)
		return (error_wrap(ep, "%s", STATE_NAME));
	return (0);
}

int
pod_manifest_read(int poddirfd, const struct pod_state *st,
    struct pod_manifest *m, struct error *ep)
{
	char *buf = NULL, d[DIGEST_MAX];
	size_t len;
	int rv;

	(void)memset(m, 0, sizeof(*m));
	if (file_read_all(poddirfd, MANIFEST_NAME, MANIFEST_MAX, &buf, &len,
	    ep) == -1)
		return (error_wrap(ep, "%s", MANIFEST_NAME));
	digest_buf(DIGEST_SHA256, buf, len, d);
	if (strcmp(d, st->manifest) != 0) {
		free(buf);
		return (error_set(ep, EX_DATAERR, 0, "%s: not the one %s "
		    "names: changed outside berth", MANIFEST_NAME, STATE_NAME));
	}
	rv = podspec_parse(buf, len, m, ep);
	free(buf);
	if (rv == -1)
		return (error_wrap(ep, "%s", MANIFEST_NAME));
	return (0);
}

int
pod_manifest_write(int poddirfd, const json_t *m, struct pod_state *st,
    struct error *ep)
{
	char *buf;
	size_t len;
	int rv;

	if ((buf = json_dumps(m, JSON_SORT_KEYS | JSON_INDENT(2))) == NULL)
		return (error_set(ep, EX_SOFTWARE, 0, "%s: cannot encode",
		    MANIFEST_NAME));
	len = strlen(buf);
	buf = xrealloc(buf, len + 2);
	buf[len++] = '\n';
	buf[len] = '\0';
	digest_buf(DIGEST_SHA256, buf, len, st->manifest);
	rv = file_write_atomic(poddirfd, MANIFEST_NAME, buf, len, 0644, ep);
	free(buf);
	return (rv);
}

/* ------------------------------------------------------------ seal */

/* "hmac-sha256:<hex>" of "<uuid>\n" and o as compact, sorted JSON. */
static void
seal_of(const struct pod_key *k, const char *uuid, const json_t *o,
    char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char *s, *data;
	size_t n;

	if ((s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		s = xstrdup("");
	data = xasprintf("%s\n%s", uuid, s);
	if (HMAC(EVP_sha256(), k->k, POD_KEY_LEN, (unsigned char *)data,
	    strlen(data), md, &mdlen) == NULL)
		mdlen = 0;
	n = (size_t)snprintf(out, SEAL_LEN + 1, SEAL_PREFIX);
	for (i = 0; i < mdlen && n + 2 <= SEAL_LEN; i++) {
		out[n++] = hex[md[i] >> 4];
		out[n++] = hex[md[i] & 0x0f];
	}
	/* A failed HMAC matches nothing: the seal comes out short. */
	out[n] = '\0';
	free(data);
	free(s);
}

/* Read the key from fd (closed here), checking what kind of file it is. */
static int
key_read(int fd, struct pod_key *k, struct error *ep)
{
	struct stat sb;
	ssize_t n;

	if (fstat(fd, &sb) == -1) {
		(void)close(fd);
		return (error_set(ep, EX_OSERR, errno, "stat 'pods/%s'",
		    KEY_NAME));
	}
	if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
	    (sb.st_mode & 077) != 0 || sb.st_size != POD_KEY_LEN) {
		(void)close(fd);
		return (error_set(ep, EX_DATAERR, 0, "'pods/%s' is not a key "
		    "of ours: a %d-byte file of mode 0600, owned by uid %ld",
		    KEY_NAME, POD_KEY_LEN, (long)geteuid()));
	}
	do
		n = read(fd, k->k, POD_KEY_LEN);
	while (n == -1 && errno == EINTR);
	(void)close(fd);
	if (n != POD_KEY_LEN)
		return (error_set(ep, EX_IOERR, n == -1 ? errno : EIO,
		    "read 'pods/%s'", KEY_NAME));
	return (0);
}

/* Make a key beside the key's name, then link it there unless one is. */
static int
key_make(int podsfd, struct error *ep)
{
	unsigned char buf[POD_KEY_LEN];
	char tmp[64];
	int fd, rc, saved;

	if (random_bytes(buf, sizeof(buf), ep) == -1)
		return (error_wrap(ep, "pods/%s", KEY_NAME));
	(void)snprintf(tmp, sizeof(tmp), KEY_NAME ".%ld", (long)getpid());
	(void)unlinkat(podsfd, tmp, 0);
	if ((fd = openat(podsfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		explicit_bzero(buf, sizeof(buf));
		return (error_set(ep, EX_CANTCREAT, errno, "create 'pods/%s'",
		    tmp));
	}
	rc = write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf) &&
	    fsync(fd) == 0 ? 0 : -1;
	saved = errno;
	explicit_bzero(buf, sizeof(buf));
	if (close(fd) == -1 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	/* link(2) fails if a key is there: a racing pod-render's. */
	if (rc == 0 && linkat(podsfd, tmp, podsfd, KEY_NAME, 0) == -1 &&
	    errno != EEXIST) {
		rc = -1;
		saved = errno;
	}
	(void)unlinkat(podsfd, tmp, 0);
	if (rc == -1)
		return (error_set(ep, EX_CANTCREAT, saved, "write 'pods/%s'",
		    KEY_NAME));
	return (0);
}

int
pod_key_load(int podsfd, bool create, struct pod_key *k, struct error *ep)
{
	int fd;

	if ((fd = openat(podsfd, KEY_NAME, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 && errno == ENOENT && create) {
		if (key_make(podsfd, ep) == -1)
			return (-1);
		fd = openat(podsfd, KEY_NAME, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
	}
	if (fd == -1) {
		if (errno == ENOENT)
			return (error_set(ep, EX_NOINPUT, 0, "no 'pods/%s': "
			    "the pods of this root were made by an older "
			    "pod-render", KEY_NAME));
		return (error_set(ep, EX_OSERR, errno, "open 'pods/%s'",
		    KEY_NAME));
	}
	return (key_read(fd, k, ep));
}

/* got must be "<a>/<b>/<c>" (c may be NULL), else EX_DATAERR. */
static int
want_path(const char *what, const char *got, const char *a, const char *b,
    const char *c, struct error *ep)
{
	char want[PATH_MAX];

	(void)snprintf(want, sizeof(want), "%s/%s%s%s", a, b, c != NULL ?
	    "/" : "", c != NULL ? c : "");
	if (strcmp(got, want) != 0)
		return (error_set(ep, EX_DATAERR, 0, "%s: %s '%s' is not "
		    "'%s'", STATE_NAME, what, got, want));
	return (0);
}

/* A dataset of the pod's: "" unless zfs, else DATASET/pods/UUID/SUB. */
static int
want_dataset(const struct pod_state *s, const char *what, const char *got,
    const char *uuid, const char *kind, const char *name, struct error *ep)
{
	char want[DRIVER_DATASET_MAX + 128];

	if (s->driver != DRIVER_ZFS || got[0] == '\0') {
		if (got[0] != '\0')
			return (error_set(ep, EX_DATAERR, 0, "%s: %s: a dataset "
			    "without the zfs driver", STATE_NAME, what));
		return (0);
	}
	(void)snprintf(want, sizeof(want), "%s/pods/%s/%s-%s",
	    s->zfs_dataset, uuid, kind, name);
	if (strcmp(got, want) != 0)
		return (error_set(ep, EX_DATAERR, 0, "%s: %s: dataset '%s' is "
		    "not '%s'", STATE_NAME, what, got, want));
	return (0);
}

int
pod_state_check(const struct pod_state *s, const char *root,
    const char *poddir, const char *uuid, const char *dataset,
    struct error *ep)
{
	const struct pod_app_state *a;
	const struct pod_volume_state *v;
	char layers[PATH_MAX], sub[POD_NAME_MAX + 16];
	size_t i, k, ll;

	if (strcmp(s->zfs_dataset, s->driver == DRIVER_ZFS ? dataset :
	    "") != 0)
		return (error_set(ep, EX_DATAERR, 0, "%s: zfs_dataset '%s' is "
		    "not this root's ('%s')", STATE_NAME, s->zfs_dataset,
		    s->driver == DRIVER_ZFS ? dataset : ""));
	ll = (size_t)snprintf(layers, sizeof(layers), "%s/layers/", root);
	for (i = 0; i < s->napps; i++) {
		a = &s->apps[i];
		(void)snprintf(sub, sizeof(sub), "apps/%s", a->name);
		if (want_path("rootfs", a->rootfs, poddir, sub, "rootfs",
		    ep) == -1 ||
		    want_dataset(s, a->name, a->dataset, uuid, "app",
		    a->name, ep) == -1)
			return (-1);
		if (a->upper[0] == '\0')
			continue;
		if (want_path("upper", a->upper, poddir, sub, "upper",
		    ep) == -1 ||
		    want_path("work", a->work, poddir, sub, "work", ep) == -1)
			return (-1);
		for (k = 0; k < a->nlowerdirs; k++)
			if (strncmp(a->lowerdirs[k], layers, ll) != 0 ||
			    !podspec_path_valid(a->lowerdirs[k]))
				return (error_set(ep, EX_DATAERR, 0, "%s: "
				    "lowerdir '%s' is not in '%s'", STATE_NAME,
				    a->lowerdirs[k], layers));
	}
	for (i = 0; i < s->nvolumes; i++) {
		v = &s->volumes[i];
		if (!v->owned) {
			if (!podspec_path_valid(v->path) || v->dataset[0] !=
			    '\0')
				return (error_set(ep, EX_DATAERR, 0, "%s: host "
				    "volume '%s': '%s' is not a clean path",
				    STATE_NAME, v->name, v->path));
			continue;
		}
		if (want_path("volume", v->path, poddir, "volumes", v->name,
		    ep) == -1 ||
		    want_dataset(s, v->name, v->dataset, uuid, "vol", v->name,
		    ep) == -1)
			return (-1);
	}
	return (0);
}

/* ------------------------------------------------------------ locks */

int
pod_lock(int poddirfd, bool wait, struct error *ep)
{
	int fd;

	if ((fd = lock_take(poddirfd, LOCK_NAME, true, !wait, ep)) == -1)
		return (error_wrap(ep, "pod lock"));
	return (fd);
}

int
pod_run_lock(int poddirfd, bool wait, struct error *ep)
{
	int fd;

	if ((fd = lock_take(poddirfd, RUN_LOCK_NAME, true, !wait, ep)) == -1)
		return (error_wrap(ep, "pod run lock"));
	return (fd);
}

int
pod_is_running(int poddirfd, struct error *ep)
{
	int fd;

	/*
	 * A shared probe: it excludes pod-exec only for the instant it is
	 * held, and two probes never exclude each other.
	 */
	if ((fd = lock_take(poddirfd, RUN_LOCK_NAME, false, true, ep)) == -1) {
		if (ep->exit == EX_TEMPFAIL) {
			error_clear(ep);
			return (1);
		}
		return (error_wrap(ep, "pod run lock"));
	}
	lock_release(fd);
	return (0);
}
