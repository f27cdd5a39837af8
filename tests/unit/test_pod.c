/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of common/pod.c: uuids, pod directories, state.json, locks. */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fsutil.h"
#include "common/pod.h"
#include "common/xalloc.h"
#include "unit.h"

#include <jansson.h>

static char tmpdir[] = "/tmp/test_pod.XXXXXX";
static int rootfd = -1;
static struct pod_key key = { { 1, 2, 3 } };
#define	UUID	"0b3c6f1e-2a4d-4c8e-9f00-123456789abc"

static int
write_file(int dirfd, const char *name, const char *s)
{
	struct error e = ERROR_INIT;

	return (file_write_atomic(dirfd, name, s, strlen(s), 0644, &e));
}

static void
test_uuid(void)
{
	struct error e = ERROR_INIT;
	char a[POD_UUID_LEN + 1], b[POD_UUID_LEN + 1];
	int i;

	for (i = 0; i < 64; i++) {
		CHECK(pod_uuid_new(a, &e) == 0);
		CHECK(strlen(a) == POD_UUID_LEN);
		CHECK(pod_uuid_valid(a));
		/* Version 4, RFC variant (10xx). */
		CHECK(a[14] == '4');
		CHECK(strchr("89ab", a[19]) != NULL);
	}
	CHECK(pod_uuid_new(b, &e) == 0);
	CHECK(strcmp(a, b) != 0);
	CHECK(pod_uuid_valid("0b3c6f1e-2a4d-4c8e-9f00-123456789abc"));
	CHECK(!pod_uuid_valid("0B3C6F1E-2A4D-4C8E-9F00-123456789ABC"));
	CHECK(!pod_uuid_valid("0b3c6f1e-2a4d-4c8e-9f00-123456789ab"));
	CHECK(!pod_uuid_valid("0b3c6f1e-2a4d-4c8e-9f00-123456789abcd"));
	CHECK(!pod_uuid_valid("0b3c6f1e2a4d-4c8e-9f00-123456789abc-"));
	CHECK(!pod_uuid_valid("../../../../etc/passwd-xxxxxxxxxxxxxx"));
	CHECK(!pod_uuid_valid(""));
	CHECK(!pod_uuid_valid(NULL));
}

static void
test_dirs(void)
{
	struct error e = ERROR_INIT;
	int podsfd, fd;

	CHECK(pod_root_open(rootfd, false, &e) == -1);
	CHECK(e.exit == EX_NOINPUT);
	error_clear(&e);
	podsfd = pod_root_open(rootfd, true, &e);
	CHECK(podsfd >= 0);
	if (podsfd < 0)
		return;
	CHECK(fcntl(podsfd, F_GETFD) & FD_CLOEXEC);
	CHECK(pod_open(podsfd, "nope", &e) == -1);
	CHECK(e.exit == EX_USAGE);
	CHECK(strstr(e.msg, "not a pod uuid") != NULL);
	error_clear(&e);
	CHECK(pod_open(podsfd, "0b3c6f1e-2a4d-4c8e-9f00-123456789abc",
	    &e) == -1);
	CHECK(e.exit == EX_NOINPUT);
	CHECK_STREQ(e.msg, "no pod '0b3c6f1e-2a4d-4c8e-9f00-123456789abc'");
	error_clear(&e);
	CHECK(mkdirat(podsfd, "0b3c6f1e-2a4d-4c8e-9f00-123456789abc",
	    0700) == 0);
	fd = pod_open(podsfd, "0b3c6f1e-2a4d-4c8e-9f00-123456789abc", &e);
	CHECK(fd >= 0);
	if (fd >= 0)
		(void)close(fd);
	/* A symlink in pods/ is not a pod. */
	CHECK(symlinkat("/", podsfd,
	    "1b3c6f1e-2a4d-4c8e-9f00-123456789abc") == 0);
	CHECK(pod_open(podsfd, "1b3c6f1e-2a4d-4c8e-9f00-123456789abc",
	    &e) == -1);
	(void)close(podsfd);
}

static int
mkpod(const char *name)
{
	if (mkdirat(rootfd, name, 0700) == -1)
		return (-1);
	return (openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

static void
fill_state(struct pod_state *s)
{
	struct pod_app_state *a;

	(void)memset(s, 0, sizeof(*s));
	s->phase = POD_EXITED;
	s->driver = DRIVER_OVERLAY;
	(void)snprintf(s->zfs_dataset, sizeof(s->zfs_dataset), "tank/berth");
	s->created = 1700000000;
	s->started = 1700000001;
	s->finished = 1700000002;
	s->pid = 4242;
	s->pid_start = 123456789012ULL;
	(void)snprintf(s->main_app, sizeof(s->main_app), "web");
	s->napps = 2;
	s->apps = xcalloc(2, sizeof(*s->apps));
	a = &s->apps[0];
	(void)snprintf(a->name, sizeof(a->name), "web");
	(void)snprintf(a->image_id, sizeof(a->image_id), "sha256:%064d", 1);
	(void)snprintf(a->chain, sizeof(a->chain), "sha256:%064d", 2);
	(void)snprintf(a->rootfs, sizeof(a->rootfs), "/r/pods/u/apps/web/"
	    "rootfs");
	(void)snprintf(a->upper, sizeof(a->upper), "/r/pods/u/apps/web/upper");
	(void)snprintf(a->work, sizeof(a->work), "/r/pods/u/apps/web/work");
	a->nlowerdirs = 2;
	a->lowerdirs = xcalloc(2, sizeof(*a->lowerdirs));
	a->lowerdirs[0] = xstrdup("/r/layers/overlay/top/diff");
	a->lowerdirs[1] = xstrdup("/r/layers/overlay/bottom/diff");
	a->has_status = true;
	a->status = 137;
	a->pid = 77;
	(void)snprintf(a->os, sizeof(a->os), "freebsd");
	a->ndevfs_rules = 2;
	a->devfs_rules = xcalloc(2, sizeof(*a->devfs_rules));
	a->devfs_rules[0] = xstrdup("path 'dri/*' unhide");
	a->devfs_rules[1] = xstrdup("path 'dri/*' mode 0666");
	a = &s->apps[1];
	(void)snprintf(a->name, sizeof(a->name), "db");
	(void)snprintf(a->rootfs, sizeof(a->rootfs), "/r/pods/u/apps/db/"
	    "rootfs");
	(void)snprintf(a->dataset, sizeof(a->dataset), "tank/berth/pods/u/"
	    "app-db");
	s->nvolumes = 2;
	s->volumes = xcalloc(2, sizeof(*s->volumes));
	(void)snprintf(s->volumes[0].name, sizeof(s->volumes[0].name), "data");
	(void)snprintf(s->volumes[0].path, sizeof(s->volumes[0].path),
	    "/r/pods/u/volumes/data");
	(void)snprintf(s->volumes[0].dataset, sizeof(s->volumes[0].dataset),
	    "tank/berth/pods/u/vol-data");
	s->volumes[0].owned = true;
	(void)snprintf(s->volumes[1].name, sizeof(s->volumes[1].name),
	    "host-1");
	(void)snprintf(s->volumes[1].path, sizeof(s->volumes[1].path),
	    "/srv/shared");
}

static int
count_entries(int dirfd)
{
	DIR *d;
	struct dirent *de;
	int fd, n = 0;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY)) == -1 ||
	    (d = fdopendir(fd)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	(void)closedir(d);
	return (n);
}

static void
test_state_roundtrip(void)
{
	struct error e = ERROR_INIT;
	struct pod_state s, t;
	struct pod_app_state *a;
	int fd;

	if ((fd = mkpod("state1")) == -1) {
		CHECK(fd != -1);
		return;
	}
	fill_state(&s);
	CHECK(pod_state_write(fd, &key, UUID, &s, &e) == 0);
	/* Nothing but state.json: no temporary left behind. */
	CHECK(count_entries(fd) == 1);
	CHECK(pod_state_read(fd, &key, UUID, &t, &e) == 0);
	if (e.exit != 0)
		(void)printf("# %s\n", e.msg);
	CHECK(t.phase == POD_EXITED);
	CHECK(t.driver == DRIVER_OVERLAY);
	CHECK_STREQ(t.zfs_dataset, "tank/berth");
	CHECK(t.created == 1700000000 && t.started == 1700000001 &&
	    t.finished == 1700000002);
	CHECK(t.pid == 4242);
	CHECK(t.pid_start == 123456789012ULL);
	CHECK_STREQ(t.main_app, "web");
	CHECK(t.napps == 2);
	CHECK(t.nvolumes == 2);
	if (t.napps == 2) {
		a = &t.apps[0];
		CHECK_STREQ(a->name, "web");
		CHECK_STREQ(a->image_id, s.apps[0].image_id);
		CHECK_STREQ(a->chain, s.apps[0].chain);
		CHECK_STREQ(a->rootfs, "/r/pods/u/apps/web/rootfs");
		CHECK_STREQ(a->upper, "/r/pods/u/apps/web/upper");
		CHECK_STREQ(a->work, "/r/pods/u/apps/web/work");
		CHECK(a->nlowerdirs == 2);
		if (a->nlowerdirs == 2) {
			CHECK_STREQ(a->lowerdirs[0],
			    "/r/layers/overlay/top/diff");
			CHECK_STREQ(a->lowerdirs[1],
			    "/r/layers/overlay/bottom/diff");
		}
		CHECK(a->has_status && a->status == 137);
		CHECK(a->pid == 77);
		CHECK_STREQ(a->os, "freebsd");
		CHECK(a->ndevfs_rules == 2);
		if (a->ndevfs_rules == 2) {
			CHECK_STREQ(a->devfs_rules[0], "path 'dri/*' unhide");
			CHECK_STREQ(a->devfs_rules[1],
			    "path 'dri/*' mode 0666");
		}
		a = &t.apps[1];
		CHECK_STREQ(a->dataset, "tank/berth/pods/u/app-db");
		CHECK(!a->has_status);
		CHECK(a->nlowerdirs == 0 && a->lowerdirs == NULL);
		CHECK_STREQ(a->os, "");
		CHECK(a->ndevfs_rules == 0 && a->devfs_rules == NULL);
		CHECK(pod_state_app(&t, "db") == &t.apps[1]);
		CHECK(pod_state_app(&t, "nope") == NULL);
	}
	if (t.nvolumes == 2) {
		CHECK_STREQ(t.volumes[0].name, "data");
		CHECK_STREQ(t.volumes[0].dataset,
		    "tank/berth/pods/u/vol-data");
		CHECK(t.volumes[0].owned);
		CHECK_STREQ(t.volumes[1].path, "/srv/shared");
		CHECK(!t.volumes[1].owned);
		CHECK_STREQ(t.volumes[1].dataset, "");
	}
	pod_state_release(&t);
	/* Rewriting replaces it whole. */
	s.phase = POD_CREATED;
	s.apps[0].has_status = false;
	CHECK(pod_state_write(fd, &key, UUID, &s, &e) == 0);
	CHECK(pod_state_read(fd, &key, UUID, &t, &e) == 0);
	CHECK(t.phase == POD_CREATED);
	CHECK(t.napps == 2 && !t.apps[0].has_status);
	pod_state_release(&t);
	pod_state_release(&s);
	CHECK(s.apps == NULL && s.napps == 0);
	CHECK_STREQ(pod_phase_name(POD_RUNNING), "running");
	(void)close(fd);
}

/* Each document must be refused with EX_DATAERR naming what. */
static void
test_state_bad(void)
{
	static const struct {
		const char *doc;
		const char *what;
	} bad[] = {
		{ "[]", "not an object" },
		{ "{\"phase\":\"created\",\"driver\":\"dir\"", "not valid JSON" },
		{ "{\"driver\":\"dir\",\"apps\":[]}", "phase: missing" },
		{ "{\"phase\":\"zombie\",\"driver\":\"dir\",\"apps\":[]}",
		    "unknown 'zombie'" },
		{ "{\"phase\":\"created\",\"driver\":\"btrfs\",\"apps\":[]}",
		    "driver" },
		{ "{\"phase\":\"created\",\"driver\":\"dir\"}", "apps: missing" },
		{ "{\"phase\":\"created\",\"driver\":\"dir\",\"apps\":[{"
		    "\"name\":\"a\"}]}", "apps[0].rootfs: missing" },
		{ "{\"phase\":\"created\",\"driver\":\"dir\",\"apps\":[{"
		    "\"name\":\"a\",\"rootfs\":\"rel\"}]}", "not absolute" },
		{ "{\"phase\":\"created\",\"driver\":\"dir\",\"apps\":[{"
		    "\"name\":\"A_b\",\"rootfs\":\"/x\"}]}", "not an AC Name" },
		{ "{\"phase\":\"created\",\"driver\":\"dir\",\"apps\":[{"
		    "\"name\":\"a\",\"rootfs\":\"/x\",\"lowerdirs\":[1]}]}",
		    "lowerdirs[0]" },
		{ "{\"phase\":\"created\",\"driver\":\"overlay\",\"apps\":"
		    "[{\"name\":\"a\",\"rootfs\":\"/x\",\"lowerdirs\":"
		    "[\"/l\"]}]}", "come together" },
		{ "{\"phase\":\"created\",\"driver\":\"overlay\",\"apps\":"
		    "[{\"name\":\"a\",\"rootfs\":\"/x\",\"lowerdirs\":"
		    "[\"/l\"],\"upper\":\"u\",\"work\":\"/w\"}]}",
		    "come together" },
		{ "{\"phase\":\"created\",\"driver\":\"dir\",\"apps\":[{"
		    "\"name\":\"a\",\"rootfs\":\"/x\",\"devfs_rules\":[\"\"]}]}",
		    "devfs_rules[0]" },
		{ "{\"phase\":\"created\",\"driver\":\"dir\",\"apps\":[{"
		    "\"name\":\"a\",\"rootfs\":\"/x\",\"devfs_rules\":\"x\"}]}",
		    "devfs_rules" },
		{ "{\"phase\":\"created\",\"driver\":\"dir\",\"apps\":[{"
		    "\"name\":\"a\",\"rootfs\":\"/x\",\"os\":"
		    "\"freebsdfreebsdfreebsd\"}]}", "os: too long" },
		{ "{\"phase\":\"created\",\"driver\":\"dir\",\"apps\":[{"
		    "\"name\":\"a\",\"rootfs\":\"/x\",\"status\":-1}]}",
		    "status" },
		{ "{\"phase\":\"created\",\"driver\":\"dir\",\"pid\":\"1\","
		    "\"apps\":[]}", "pid" },
		{ "{\"phase\":\"created\",\"driver\":\"dir\",\"apps\":[],"
		    "\"volumes\":[{\"name\":\"v\",\"path\":\"/v\","
		    "\"owned\":1}]}", "owned: not a boolean" },
		{ "{\"phase\":\"created\",\"driver\":\"dir\",\"apps\":[],"
		    "\"main_app\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", "main_app: too long" },
	};
	struct error e = ERROR_INIT;
	struct pod_state s;
	size_t i;
	int fd;

	if ((fd = mkpod("state2")) == -1) {
		CHECK(fd != -1);
		return;
	}
	CHECK(pod_state_read(fd, &key, UUID, &s, &e) == -1);
	CHECK(e.exit == EX_NOINPUT);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error_clear(&e);
		CHECK(write_file(fd, "state.json", bad[i].doc) == 0);
		CHECK(pod_state_read(fd, &key, UUID, &s, &e) == -1);
		CHECK(e.exit == EX_DATAERR);
		if (strstr(e.msg, bad[i].what) == NULL) {
			(void)printf("# doc %zu: '%s' lacks '%s'\n", i, e.msg,
			    bad[i].what);
			CHECK(strstr(e.msg, bad[i].what) != NULL);
		}
		CHECK(s.apps == NULL && s.napps == 0);
	}
	/* Unknown members are ignored; absent ones are empty. */
	CHECK(write_file(fd, "state.json", "{\"phase\":\"running\","
	    "\"driver\":\"zfs\",\"future\":{\"x\":1},\"apps\":[{\"name\":"
	    "\"a\",\"rootfs\":\"/x\",\"new\":true}]}") == 0);
	CHECK(pod_state_read(fd, NULL, NULL, &s, &e) == 0);
	CHECK(s.phase == POD_RUNNING && s.driver == DRIVER_ZFS);
	CHECK(s.napps == 1 && s.nvolumes == 0 && s.pid == 0);
	CHECK_STREQ(s.zfs_dataset, "");
	pod_state_release(&s);
	(void)close(fd);
}

static void
test_locks(void)
{
	struct error e = ERROR_INIT;
	int fd, l1, l2, r;

	if ((fd = mkpod("locks")) == -1) {
		CHECK(fd != -1);
		return;
	}
	CHECK(pod_is_running(fd, &e) == 0);
	l1 = pod_lock(fd, false, &e);
	CHECK(l1 >= 0);
	/* Locks are per open file: a second take in this process waits. */
	CHECK(pod_lock(fd, false, &e) == -1);
	CHECK(e.exit == EX_TEMPFAIL);
	error_clear(&e);
	/* The pod lock is not the run lock. */
	CHECK(pod_is_running(fd, &e) == 0);
	l2 = pod_run_lock(fd, false, &e);
	CHECK(l2 >= 0);
	r = pod_is_running(fd, &e);
	CHECK(r == 1);
	CHECK(pod_run_lock(fd, false, &e) == -1);
	CHECK(e.exit == EX_TEMPFAIL);
	error_clear(&e);
	lock_release(l2);
	CHECK(pod_is_running(fd, &e) == 0);
	lock_release(l1);
	l1 = pod_lock(fd, false, &e);
	CHECK(l1 >= 0);
	lock_release(l1);
	(void)close(fd);
}

static void
test_manifest_read(void)
{
	static const char good[] = "{\"acKind\":\"PodManifest\","
	    "\"acVersion\":\"0.8.11\",\"apps\":[{\"name\":\"web\","
	    "\"image\":{\"name\":\"example.com/web:1\"}}]}";
	struct error e = ERROR_INIT;
	struct pod_manifest m;
	struct pod_state st;
	json_t *j;
	int fd;

	if ((fd = mkpod("manifest")) == -1) {
		CHECK(fd != -1);
		return;
	}
	(void)memset(&st, 0, sizeof(st));
	CHECK(pod_manifest_read(fd, &st, &m, &e) == -1);
	CHECK(e.exit == EX_NOINPUT);
	CHECK(strstr(e.msg, "pod.json") != NULL);
	error_clear(&e);
	/* Written through the state, read through it. */
	j = json_loads(good, 0, NULL);
	CHECK(pod_manifest_write(fd, j, &st, &e) == 0);
	json_decref(j);
	CHECK(strncmp(st.manifest, "sha256:", 7) == 0);
	CHECK(pod_manifest_read(fd, &st, &m, &e) == 0);
	if (e.exit != 0)
		(void)printf("# %s\n", e.msg);
	CHECK(m.napps == 1);
	if (m.napps == 1)
		CHECK_STREQ(m.apps[0].name, "web");
	podspec_release(&m);
	/* Another pod.json, well formed or not: not the pod's. */
	CHECK(write_file(fd, "pod.json", good) == 0);
	CHECK(pod_manifest_read(fd, &st, &m, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	CHECK(strstr(e.msg, "not the one state.json names") != NULL);
	error_clear(&e);
	CHECK(write_file(fd, "pod.json", "{\"acKind\":") == 0);
	CHECK(pod_manifest_read(fd, &st, &m, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	(void)close(fd);
}

/* A state changed by anyone without the key, or moved to another pod. */
static void
test_seal(void)
{
	struct error e = ERROR_INIT;
	struct pod_key other = { { 9 } }, k1, k2;
	struct pod_state s, t;
	char *buf = NULL, *p = NULL;
	size_t len;
	int fd, podsfd;

	if ((fd = mkpod("seal")) == -1) {
		CHECK(fd != -1);
		return;
	}
	fill_state(&s);
	CHECK(pod_state_write(fd, &key, UUID, &s, &e) == 0);
	CHECK(pod_state_read(fd, &other, UUID, &t, &e) == -1);
	CHECK(e.exit == EX_DATAERR && strstr(e.msg, "seal") != NULL);
	error_clear(&e);
	CHECK(pod_state_read(fd, &key, "1b3c6f1e-2a4d-4c8e-9f00-"
	    "123456789abc", &t, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	error_clear(&e);
	/* One host path changed, the seal kept. */
	CHECK(file_read_all(fd, "state.json", 1 << 20, &buf, &len, &e) == 0);
	if (buf != NULL && (p = strstr(buf, "/srv/shared")) != NULL) {
		(void)memcpy(p, "/srv/xhared", 11);
		CHECK(file_write_atomic(fd, "state.json", buf, len, 0644,
		    &e) == 0);
		CHECK(pod_state_read(fd, &key, UUID, &t, &e) == -1);
		CHECK(strstr(e.msg, "the seal does not match") != NULL);
		error_clear(&e);
	} else
		CHECK(p != NULL);
	free(buf);
	/* No seal at all. */
	CHECK(write_file(fd, "state.json", "{\"phase\":\"created\","
	    "\"driver\":\"dir\",\"apps\":[]}") == 0);
	CHECK(pod_state_read(fd, &key, UUID, &t, &e) == -1);
	CHECK(strstr(e.msg, "not sealed") != NULL);
	error_clear(&e);
	pod_state_release(&s);
	(void)close(fd);

	/* The key: made once, 0600, read back the same; a bad one refused. */
	podsfd = mkpod("keys");
	CHECK(pod_key_load(podsfd, false, &k1, &e) == -1);
	CHECK(e.exit == EX_NOINPUT);
	error_clear(&e);
	CHECK(pod_key_load(podsfd, true, &k1, &e) == 0);
	CHECK(pod_key_load(podsfd, true, &k2, &e) == 0);
	CHECK(memcmp(&k1, &k2, sizeof(k1)) == 0);
	CHECK(count_entries(podsfd) == 1);
	CHECK(fchmodat(podsfd, ".seal.key", 0644, 0) == 0);
	CHECK(pod_key_load(podsfd, false, &k2, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	(void)close(podsfd);
}

/* What a sealed state may say, given where its pod is. */
static void
test_state_check(void)
{
	struct error e = ERROR_INIT;
	struct pod_state s;

	fill_state(&s);
	/* fill_state's names: root /r, pod /r/pods/u. */
	CHECK(pod_state_check(&s, "/r", "/r/pods/u", "u", "", &e) == -1);
	CHECK(strstr(e.msg, "zfs_dataset 'tank/berth'") != NULL);
	s.zfs_dataset[0] = '\0';
	error_clear(&e);
	CHECK(pod_state_check(&s, "/r", "/r/pods/u", "u", "", &e) == -1);
	CHECK(strstr(e.msg, "a dataset without the zfs driver") != NULL);
	s.driver = DRIVER_ZFS;
	(void)snprintf(s.zfs_dataset, sizeof(s.zfs_dataset), "tank/berth");
	error_clear(&e);
	CHECK(pod_state_check(&s, "/r", "/r/pods/u", "u", "tank/berth",
	    &e) == 0);
	if (e.exit != 0)
		(void)printf("# %s\n", e.msg);
	CHECK(pod_state_check(&s, "/r", "/r/pods/u", "u", "tank/other",
	    &e) == -1);
	error_clear(&e);
	(void)snprintf(s.apps[1].dataset, sizeof(s.apps[1].dataset),
	    "tank/home");
	CHECK(pod_state_check(&s, "/r", "/r/pods/u", "u", "tank/berth",
	    &e) == -1);
	CHECK(strstr(e.msg, "dataset 'tank/home'") != NULL);
	(void)snprintf(s.apps[1].dataset, sizeof(s.apps[1].dataset),
	    "tank/berth/pods/u/app-db");
	error_clear(&e);
	(void)snprintf(s.apps[0].rootfs, sizeof(s.apps[0].rootfs), "/");
	CHECK(pod_state_check(&s, "/r", "/r/pods/u", "u", "tank/berth",
	    &e) == -1);
	CHECK(strstr(e.msg, "rootfs '/'") != NULL);
	(void)snprintf(s.apps[0].rootfs, sizeof(s.apps[0].rootfs),
	    "/r/pods/u/apps/web/rootfs");
	free(s.apps[0].lowerdirs[1]);
	s.apps[0].lowerdirs[1] = xstrdup("/r/layers/../../etc");
	error_clear(&e);
	CHECK(pod_state_check(&s, "/r", "/r/pods/u", "u", "tank/berth",
	    &e) == -1);
	CHECK(strstr(e.msg, "lowerdir") != NULL);
	free(s.apps[0].lowerdirs[1]);
	s.apps[0].lowerdirs[1] = xstrdup("/r/layers/overlay/x/diff");
	(void)snprintf(s.volumes[0].path, sizeof(s.volumes[0].path), "/");
	error_clear(&e);
	CHECK(pod_state_check(&s, "/r", "/r/pods/u", "u", "tank/berth",
	    &e) == -1);
	CHECK(strstr(e.msg, "volume '/'") != NULL);
	pod_state_release(&s);
}

int
main(void)
{
	struct error e = ERROR_INIT;

	if (mkdtemp(tmpdir) == NULL ||
	    (rootfd = open(tmpdir, O_RDONLY | O_DIRECTORY)) == -1) {
		perror("mkdtemp");
		return (1);
	}
	TEST(test_uuid);
	TEST(test_dirs);
	TEST(test_state_roundtrip);
	TEST(test_state_bad);
	TEST(test_locks);
	TEST(test_manifest_read);
	TEST(test_seal);
	TEST(test_state_check);
	(void)rm_rf_at(AT_FDCWD, tmpdir, &e);
	return (unit_done());
}
