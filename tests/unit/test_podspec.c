/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for common/podspec.c: pod manifests good and bad (each bad
 * one must name the right member), the appc spec's own examples, the
 * round trip through podspec_to_json(), quantities, OCI image configs and
 * their guard labels, app defaults, pre-flight and volume names.
 *
 * Manifests in the tables are written with single quotes, which J() turns
 * into double quotes, so that they stay readable.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "common/error.h"
#include "common/jsonx.h"
#include "common/podspec.h"
#include "common/xalloc.h"
#include "tests/unit/unit.h"

#define	X4(s)	s s s s
#define	N60	"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
#define	X16(s)	X4(X4(s))
#define	X64(s)	X16(X4(s))
#define	DA	"sha256:" X64("a")
#define	DB	"sha256:" X64("b")
#define	DC	"sha256:" X64("c")

/* A manifest around its apps and other members; one app "a". */
#define	MAN(x)	"{'acKind':'PodManifest','acVersion':'0.8.11'," x "}"
#define	APP1(x)	MAN("'apps':[{'name':'a','image':{'name':'busybox'}" x "}]")
#define	APPX(x)	APP1(",'app':{" x "}")
#define	CFG(x)	"{'os':'linux','architecture':'amd64','config':{" x "}}"

/*
 * The appc spec's examples (appc/spec, examples/, commit in
 * shared/spec-data/appc/SOURCE), verbatim.
 */
static const char appc_pod_runtime[] =
	"{\n"
	"    \"acKind\": \"PodManifest\",\n"
	"    \"acVersion\": \"0.8.11\",\n"
	"    \"apps\": [\n"
	"        {\n"
	"            \"name\": \"reduce-worker\",\n"
	"            \"image\": {\n"
	"                \"name\": \"example.com/reduce-worker\",\n"
	"                \"id\": \"sha512-8d3fffddf79e9a232ffd19f9ccaa4d"
	"6b37a6a243dbe0f23137b108a043d9da13121a9b505c804956b22e93c7f9"
	"3969f4a7ba8ddea45bf4aab0bebc8f814e0990\"\n"
	"            },\n"
	"            \"app\": {\n"
	"                \"exec\": [\n"
	"                    \"/usr/bin/reduce-worker\",\n"
	"                    \"--debug=true\",\n"
	"                    \"--data-dir=/mnt/foo\"\n"
	"                ],\n"
	"                \"group\": \"0\",\n"
	"                \"user\": \"0\",\n"
	"                \"mountPoints\": [\n"
	"                    {\n"
	"                        \"name\": \"database\",\n"
	"                        \"path\": \"/var/lib/db\"\n"
	"                    }\n"
	"                ],\n"
	"                \"isolators\": [\n"
	"                    {\n"
	"                        \"name\": \"resource/memory\",\n"
	"                        \"value\": {\"limit\": \"1G\"}\n"
	"                    }\n"
	"                ]\n"
	"            },\n"
	"            \"mounts\": [\n"
	"                {\n"
	"                    \"volume\": \"dbvolume\",\n"
	"                    \"path\": \"/var/lib/db\"\n"
	"                }\n"
	"            ]\n"
	"        },\n"
	"        {\n"
	"            \"name\": \"backup\",\n"
	"            \"image\": {\n"
	"                \"name\": \"example.com/worker-backup\",\n"
	"                \"id\": \"sha512-d603c29df0214c9b6681ed591871d4"
	"0cc4bfabf9914383ce95ada0f2333defa7e97e21ca347e1d8dfde0b3edfe"
	"703688729cd25cec895a9a5b5c856da2f031fe\",\n"
	"                \"labels\": [\n"
	"                    {\n"
	"                        \"name\": \"version\",\n"
	"                        \"value\": \"latest\"\n"
	"                    }\n"
	"                ]\n"
	"            },\n"
	"            \"mounts\": [\n"
	"                {\n"
	"                    \"volume\": \"dbvolume\",\n"
	"                    \"path\": \"/mnt/db\"\n"
	"                },\n"
	"                {\n"
	"                    \"volume\": \"buildoutput\",\n"
	"                    \"path\": \"/mnt/out\"\n"
	"                }\n"
	"            ],\n"
	"            \"annotations\": [\n"
	"                {\n"
	"                    \"name\": \"foo\",\n"
	"                    \"value\": \"baz\"\n"
	"                }\n"
	"            ]\n"
	"        },\n"
	"        {\n"
	"            \"name\": \"register\",\n"
	"            \"image\": {\n"
	"                \"name\": \"example.com/reduce-worker-register\""
	",\n"
	"                \"id\": \"sha512-57007df523db8aa55e11260aaaab5e"
	"8242eb7a2a431196da7ba8204c4aacc6215db289242d17e5a5e45cb0cd0c"
	"2e22c7be9c77b61401a8f7e3eba66c2e6e42eb\",\n"
	"                \"labels\": [\n"
	"                    {\n"
	"                        \"name\":  \"version\",\n"
	"                        \"value\": \"3.0.0\"\n"
	"                    }\n"
	"                ]\n"
	"            }\n"
	"        }\n"
	"    ],\n"
	"    \"volumes\": [\n"
	"        {\n"
	"            \"name\": \"dbvolume\",\n"
	"            \"kind\": \"host\",\n"
	"            \"source\": \"/opt/tenant1/database\",\n"
	"            \"readOnly\": true\n"
	"        },\n"
	"        {\n"
	"            \"name\": \"buildoutput\",\n"
	"            \"kind\": \"empty\",\n"
	"            \"mode\": \"0777\",\n"
	"            \"uid\": 0,\n"
	"            \"gid\": 0\n"
	"        }\n"
	"    ],\n"
	"    \"isolators\": [\n"
	"        {\n"
	"            \"name\": \"resource/memory\",\n"
	"            \"value\": {\"limit\": \"4G\"}\n"
	"        },\n"
	"        {\n"
	"            \"name\": \"os/unix/sysctl\",\n"
	"            \"value\": {\n"
	"                \"net.ipv4.tcp_fin_timeout\": \"6\"\n"
	"            }\n"
	"        }\n"
	"    ],\n"
	"    \"annotations\": [\n"
	"        {\n"
	"            \"name\": \"ip-address\",\n"
	"            \"value\": \"10.1.2.3\"\n"
	"        }\n"
	"    ]\n"
	"}\n";

static const char appc_pod_template[] =
	"{\n"
	"    \"acVersion\": \"0.3.0\",\n"
	"    \"acKind\": \"PodManifest\",\n"
	"    \"apps\": [\n"
	"        {\n"
	"            \"name\": \"reduce-worker\",\n"
	"            \"image\": {\n"
	"                \"name\": \"example.com/reduce-worker\",\n"
	"                \"id\": \"sha512-8d3fffddf79e9a232ffd19f9ccaa4d"
	"6b37a6a243dbe0f23137b108a043d9da13121a9b505c804956b22e93c7f9"
	"3969f4a7ba8ddea45bf4aab0bebc8f814e0990\"\n"
	"            }\n"
	"        },\n"
	"        {\n"
	"            \"name\": \"backup\",\n"
	"            \"image\": {\n"
	"                \"name\": \"example.com/worker-backup\",\n"
	"                \"labels\": [\n"
	"                    {\n"
	"                        \"name\": \"version\",\n"
	"                        \"value\": \"latest\"\n"
	"                    }\n"
	"                ]\n"
	"            }\n"
	"        },\n"
	"        {\n"
	"            \"name\": \"register\",\n"
	"            \"image\": {\n"
	"                \"name\": \"example.com/reduce-worker-register\""
	",\n"
	"                \"labels\": [\n"
	"                    {\n"
	"                        \"name\": \"version\",\n"
	"                        \"value\": \"3.0.0\"\n"
	"                    }\n"
	"                ]\n"
	"            }\n"
	"        }\n"
	"    ],\n"
	"    \"isolators\": [\n"
	"        {\n"
	"            \"name\": \"resource/memory\",\n"
	"            \"value\": {\"limit\": \"4G\"}\n"
	"        }\n"
	"    ]\n"
	"}\n";


/* Single quotes to double quotes; caller frees. */
static char *
J(const char *s)
{
	char *r, *p;

	r = xstrdup(s);
	for (p = r; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return (r);
}

static int
parse_sq(const char *sq, struct pod_manifest *m, struct error *e)
{
	char *j;
	int r;

	j = J(sq);
	r = podspec_parse(j, strlen(j), m, e);
	free(j);
	return (r);
}

static int
cfg_sq(const char *sq, struct image_config *c, struct error *e)
{
	char *j;
	int r;

	j = J(sq);
	r = imgcfg_parse(j, strlen(j), c, e);
	free(j);
	return (r);
}

static bool
prefixed(const char *s, const char *prefix)
{
	return (strncmp(s, prefix, strlen(prefix)) == 0);
}

/*
 * Case i of a table of bad documents (what: "" or "config "): the parse
 * returned rc and *e.  It must have failed with EX_DATAERR and a message
 * starting with msg.  False if it was accepted (the caller releases).
 */
static bool
refused(const char *what, size_t i, int rc, const struct error *e,
    const char *msg)
{
	if (rc == 0) {
		(void)printf("# bad %s%zu accepted (%s)\n", what, i, msg);
		CHECK(!"bad document accepted");
		return (false);
	}
	if (e->exit != EX_DATAERR || !prefixed(e->msg, msg)) {
		(void)printf("# bad %s%zu: exit %d, '%s'\n#  wanted '%s'\n",
		    what, i, e->exit, e->msg, msg);
		CHECK(!"wrong message");
	}
	return (true);
}

/* ---- Deep comparison of two manifests (all but acVersion) ---- */

#define	EQ(c, what) do {						\
	if (!(c)) {							\
		(void)printf("# differs: %s\n", (what));		\
		return (false);						\
	}								\
} while (0)

static bool
s_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

static bool
kvs_eq(const struct pod_kv *a, size_t na, const struct pod_kv *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return (false);
	for (i = 0; i < na; i++)
		if (!s_eq(a[i].name, b[i].name) ||
		    !s_eq(a[i].value, b[i].value))
			return (false);
	return (true);
}

static bool
strv_eq(char **a, size_t na, char **b, size_t nb)
{
	size_t i;

	if (na != nb || (a == NULL) != (b == NULL))
		return (false);
	for (i = 0; i < na; i++)
		if (!s_eq(a[i], b[i]))
			return (false);
	return (true);
}

static bool
limits_eq(const struct pod_limits *a, const struct pod_limits *b)
{
	size_t i;

	EQ(a->memory == b->memory, "memory");
	EQ(a->cpu_millis == b->cpu_millis, "cpu");
	EQ(a->pids == b->pids, "pids");
	EQ((a->seccomp == NULL) == (b->seccomp == NULL), "seccomp");
	EQ(a->seccomp == NULL || (json_equal(a->seccomp, b->seccomp) &&
	    a->seccomp_retain == b->seccomp_retain), "seccomp value");
	EQ(a->has_nnp == b->has_nnp && a->nnp == b->nnp, "nnp");
	EQ(a->nother == b->nother, "nother");
	for (i = 0; i < a->nother; i++) {
		EQ(s_eq(a->other[i].name, b->other[i].name), "other name");
		EQ(json_equal(a->other[i].value, b->other[i].value),
		    "other value");
	}
	return (true);
}

static bool
app_eq(const struct pod_app *a, const struct pod_app *b)
{
	size_t i;

	EQ(s_eq(a->name, b->name), "app name");
	EQ(s_eq(a->image_name, b->image_name), "image name");
	EQ(s_eq(a->image_id, b->image_id), "image id");
	EQ(kvs_eq(a->image_labels, a->nimage_labels, b->image_labels,
	    b->nimage_labels), "image labels");
	EQ(a->has_app == b->has_app, "has_app");
	EQ(strv_eq(a->exec, a->nexec, b->exec, b->nexec), "exec");
	EQ(s_eq(a->user, b->user), "user");
	EQ(s_eq(a->group, b->group), "group");
	EQ(a->nsupp_gids == b->nsupp_gids, "nsupp_gids");
	for (i = 0; i < a->nsupp_gids; i++)
		EQ(a->supp_gids[i] == b->supp_gids[i], "supp_gids");
	EQ(s_eq(a->workdir, b->workdir), "workdir");
	EQ(kvs_eq(a->env, a->nenv, b->env, b->nenv), "env");
	EQ(a->nmountpoints == b->nmountpoints, "nmountpoints");
	for (i = 0; i < a->nmountpoints; i++) {
		EQ(s_eq(a->mountpoints[i].name, b->mountpoints[i].name),
		    "mountpoint name");
		EQ(s_eq(a->mountpoints[i].path, b->mountpoints[i].path),
		    "mountpoint path");
		EQ(a->mountpoints[i].readonly == b->mountpoints[i].readonly,
		    "mountpoint readonly");
	}
	EQ(a->nports == b->nports, "nports");
	for (i = 0; i < a->nports; i++) {
		EQ(s_eq(a->ports[i].name, b->ports[i].name), "port name");
		EQ(s_eq(a->ports[i].protocol, b->ports[i].protocol),
		    "port protocol");
		EQ(a->ports[i].port == b->ports[i].port, "port");
		EQ(a->ports[i].count == b->ports[i].count, "port count");
		EQ(a->ports[i].socket_activated ==
		    b->ports[i].socket_activated, "socketActivated");
	}
	if (!limits_eq(&a->limits, &b->limits))
		return (false);
	EQ(a->nmounts == b->nmounts, "nmounts");
	for (i = 0; i < a->nmounts; i++) {
		EQ(s_eq(a->mounts[i].volume, b->mounts[i].volume),
		    "mount volume");
		EQ(s_eq(a->mounts[i].path, b->mounts[i].path), "mount path");
	}
	EQ(kvs_eq(a->annotations, a->nannotations, b->annotations,
	    b->nannotations), "app annotations");
	return (true);
}

static bool
man_eq(const struct pod_manifest *a, const struct pod_manifest *b)
{
	const struct pod_volume *va, *vb;
	size_t i;

	EQ(a->napps == b->napps, "napps");
	for (i = 0; i < a->napps; i++)
		if (!app_eq(&a->apps[i], &b->apps[i]))
			return (false);
	EQ(a->nvolumes == b->nvolumes, "nvolumes");
	for (i = 0; i < a->nvolumes; i++) {
		va = &a->volumes[i];
		vb = &b->volumes[i];
		EQ(s_eq(va->name, vb->name), "volume name");
		EQ(va->kind == vb->kind, "volume kind");
		EQ(s_eq(va->source, vb->source), "volume source");
		EQ(va->readonly == vb->readonly, "volume readonly");
		EQ(va->mode == vb->mode, "volume mode");
		EQ(va->uid == vb->uid, "volume uid");
		EQ(va->gid == vb->gid, "volume gid");
		EQ(strv_eq(va->zfs_props, va->nzfs_props, vb->zfs_props,
		    vb->nzfs_props), "volume zfs_props");
	}
	if (!limits_eq(&a->limits, &b->limits))
		return (false);
	EQ(kvs_eq(a->annotations, a->nannotations, b->annotations,
	    b->nannotations), "annotations");
	return (true);
}

/*
 * parse(to_json(m)) must equal m, and writing that again must give the
 * same JSON.
 */
static bool
round_trips(const struct pod_manifest *m)
{
	struct pod_manifest m2;
	struct error e = ERROR_INIT;
	json_t *j, *j2;
	char *s;
	size_t len;
	bool ok;

	j = podspec_to_json(m);
	s = jsonx_dump(j, &len);
	if (podspec_parse(s, len, &m2, &e) == -1) {
		(void)printf("# reparse failed: %s\n# %s\n", e.msg, s);
		json_decref(j);
		free(s);
		return (false);
	}
	ok = man_eq(m, &m2) && s_eq(m2.ac_version, POD_AC_VERSION);
	j2 = podspec_to_json(&m2);
	if (!json_equal(j, j2)) {
		(void)printf("# second to_json differs\n");
		ok = false;
	}
	json_decref(j2);
	json_decref(j);
	free(s);
	podspec_release(&m2);
	return (ok);
}

/* ---- Names and paths ---- */

static void
test_names_paths(void)
{
	static const char *good_names[] = {
		"a", "web", "a-b", "a1-2b-c3", "0",
		N60 "123",
	};
	static const char *bad_names[] = {
		"", "A", "web_1", "-a", "a-", "a--b", "a.b", "a b", "é",
		N60 "1234",
	};
	static const char *good_paths[] = {
		"/", "/a", "/var/lib/db", "/a b/c", "/.hidden", "/a/..b",
		"/a/b.",
	};
	static const char *bad_paths[] = {
		"", "a", "a/b", "//", "/a/", "/a//b", "/./a", "/a/.",
		"/a/../b", "/..", "/a\nb", "/a\tb",
	};
	char *longp;
	size_t i;

	for (i = 0; i < sizeof(good_names) / sizeof(good_names[0]); i++)
		CHECK(podspec_name_valid(good_names[i]));
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		if (podspec_name_valid(bad_names[i])) {
			(void)printf("# accepted name '%s'\n", bad_names[i]);
			CHECK(!podspec_name_valid(bad_names[i]));
		}
	for (i = 0; i < sizeof(good_paths) / sizeof(good_paths[0]); i++)
		CHECK(podspec_path_valid(good_paths[i]));
	for (i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++)
		if (podspec_path_valid(bad_paths[i])) {
			(void)printf("# accepted path '%s'\n", bad_paths[i]);
			CHECK(!podspec_path_valid(bad_paths[i]));
		}
	longp = xmalloc(PATH_MAX + 1);
	(void)memset(longp, 'a', PATH_MAX);
	longp[0] = '/';
	longp[PATH_MAX - 1] = '\0';		/* PATH_MAX - 1 bytes: fits */
	CHECK(podspec_path_valid(longp));
	longp[PATH_MAX - 1] = 'a';
	longp[PATH_MAX] = '\0';			/* PATH_MAX bytes: too long */
	CHECK(!podspec_path_valid(longp));
	free(longp);
}

/* ---- Good manifests ---- */

static const char full_manifest[] = MAN(
    "'apps':[{'name':'web','image':{'name':"
    "'registry.example.com:5000/team/web:1.2@" DA "','id':'" DB "',"
    "'labels':[{'name':'version','value':'1'},{'name':'os','value':"
    "'linux'}]},"
    "'app':{'exec':['/bin/web','--port','8080',''],'user':'www',"
    "'group':'staff','supplementaryGIDs':[0,10,4294967294],"
    "'workingDirectory':'/srv/web','environment':[{'name':'A','value':''},"
    "{'name':'PATH','value':'/bin'}],"
    "'mountPoints':[{'name':'data','path':'/data','readOnly':true},"
    "{'name':'logs','path':'/var/log'}],"
    "'ports':[{'name':'http','protocol':'tcp','port':8080},"
    "{'name':'dns','protocol':'udp','port':53,'count':2,"
    "'socketActivated':true}],"
    "'isolators':[{'name':'resource/memory','value':{'limit':'512Mi'}},"
    "{'name':'resource/cpu','value':{'limit':'1.5'}},"
    "{'name':'io.berth/pids','value':{'limit':64}},"
    "{'name':'os/linux/no-new-privileges','value':true}],"
    "'eventHandlers':[]},"
    "'mounts':[{'volume':'store','path':'/data'},"
    "{'volume':'scratch','path':'/tmp'}],"
    "'annotations':[{'name':'role','value':'frontend'}]},"
    "{'name':'sidecar','image':{'name':'alpine','id':'" DC "'},'app':{},"
    "'mounts':[{'volume':'store','path':'/mnt/store'}]}],"
    "'volumes':[{'name':'store','kind':'host','source':'/srv/store',"
    "'readOnly':true},{'name':'scratch','kind':'empty','mode':'1777',"
    "'uid':1000,'gid':1000,'zfsProperties':['compression=lz4',"
    "'recordsize=1M']}],"
    "'isolators':[{'name':'resource/memory','value':{'limit':'1G'}},"
    "{'name':'os/unix/sysctl','value':{'net.ipv4.ip_forward':'1'}}],"
    "'annotations':[{'name':'io.berth/hostname','value':'web-1'},"
    "{'name':'x','value':'y'}],'futureMember':{'a':1}");

static const char *good_manifests[] = {
	APP1(""),
	full_manifest,
	/* appc before 0.8 named the mountPoint rather than the path. */
	MAN("'apps':[{'name':'a','image':{'name':'busybox'},'app':{"
	    "'mountPoints':[{'name':'db','path':'/var/lib/db'}]},"
	    "'mounts':[{'volume':'v','mountPoint':'db'}]}],"
	    "'volumes':[{'name':'v','kind':'empty'}]"),
	APPX("'isolators':[{'name':'resource/memory','value':{'limit':"
	    "1048576}},{'name':'resource/cpu','value':{'limit':2}}]"),
	"{'acKind':'PodManifest','acVersion':'0.3.0','apps':[{'name':'a',"
	    "'image':{'name':'busybox'}}]}",
	APPX("'exec':['sh']"),
};

static void
test_good_manifests(void)
{
	struct pod_manifest m;
	struct error e = ERROR_INIT;
	size_t i;

	for (i = 0; i < sizeof(good_manifests) / sizeof(good_manifests[0]);
	    i++) {
		if (parse_sq(good_manifests[i], &m, &e) == -1) {
			(void)printf("# good %zu: %s\n", i, e.msg);
			CHECK(!"good manifest refused");
			continue;
		}
		if (!round_trips(&m)) {
			(void)printf("# good %zu does not round-trip\n", i);
			CHECK(!"round trip");
		}
		podspec_release(&m);
		CHECK(m.apps == NULL && m.napps == 0);
	}
}

static void
test_full_manifest(void)
{
	struct pod_manifest m;
	struct pod_limits l;
	struct error e = ERROR_INIT;
	struct pod_app *a;
	struct pod_volume *v;
	char buf[128];

	if (parse_sq(full_manifest, &m, &e) == -1) {
		(void)printf("# %s\n", e.msg);
		CHECK(!"full manifest refused");
		return;
	}
	CHECK_STREQ(m.ac_version, "0.8.11");
	CHECK(m.napps == 2 && m.nvolumes == 2);
	a = podspec_app(&m, "web");
	CHECK(a == &m.apps[0]);
	CHECK(podspec_app(&m, "nope") == NULL);
	CHECK_STREQ(a->image_id, DB);
	CHECK(a->nimage_labels == 2);
	CHECK(a->has_app && a->nexec == 4);
	CHECK_STREQ(a->exec[3], "");
	CHECK_STREQ(a->user, "www");
	CHECK_STREQ(a->group, "staff");
	CHECK(a->nsupp_gids == 3 && a->supp_gids[2] == 4294967294U);
	CHECK_STREQ(a->workdir, "/srv/web");
	CHECK(a->nenv == 2);
	CHECK_STREQ(podspec_annotation(a->env, a->nenv, "A"), "");
	CHECK(a->nmountpoints == 2 && a->mountpoints[0].readonly &&
	    !a->mountpoints[1].readonly);
	CHECK(a->nports == 2 && a->ports[0].count == 1 &&
	    !a->ports[0].socket_activated);
	CHECK(a->ports[1].port == 53 && a->ports[1].count == 2 &&
	    a->ports[1].socket_activated);
	CHECK_STREQ(a->ports[1].protocol, "udp");
	CHECK(a->limits.memory == 512LL << 20);
	CHECK(a->limits.cpu_millis == 1500);
	CHECK(a->limits.pids == 64);
	/* Understood now: no longer among the others. */
	CHECK(a->limits.nother == 0);
	CHECK(a->limits.has_nnp && a->limits.nnp);
	CHECK(a->nmounts == 2);
	if (a->nmounts == 2)
		CHECK_STREQ(a->mounts[1].volume, "scratch");
	CHECK_STREQ(podspec_annotation(a->annotations, a->nannotations,
	    "role"), "frontend");
	CHECK(m.apps[1].has_app && m.apps[1].exec == NULL &&
	    m.apps[1].user == NULL && m.apps[1].workdir == NULL);

	v = podspec_volume(&m, "store");
	CHECK(v != NULL && v->kind == POD_VOLUME_HOST && v->readonly);
	CHECK_STREQ(v->source, "/srv/store");
	v = podspec_volume(&m, "scratch");
	CHECK(v != NULL && v->kind == POD_VOLUME_EMPTY && v->mode == 01777 &&
	    v->uid == 1000 && v->gid == 1000 && v->nzfs_props == 2);
	CHECK(podspec_volume(&m, "none") == NULL);

	CHECK(m.limits.memory == 1000000000);
	CHECK_STREQ(podspec_annotation(m.annotations, m.nannotations,
	    POD_ANN_HOSTNAME), "web-1");
	CHECK(podspec_annotation(m.annotations, m.nannotations, "z") == NULL);

	/* The app narrows the pod: 512Mi < 1G; cpu and pids only per app. */
	podspec_limits(&m, a, &l);
	CHECK(l.memory == 512LL << 20 && l.cpu_millis == 1500 &&
	    l.pids == 64 && l.nother == 0);
	podspec_limits(&m, &m.apps[1], &l);
	CHECK(l.memory == 1000000000 && l.cpu_millis == 0 && l.pids == 0);
	a->limits.memory = 2000000000;
	podspec_limits(&m, a, &l);
	CHECK(l.memory == 1000000000);

	CHECK(l.has_nnp && l.nnp && l.seccomp == NULL);
	CHECK(podspec_unsupported(&m, buf, sizeof(buf)) == 1);
	CHECK_STREQ(buf, "os/unix/sysctl");
	CHECK(podspec_unsupported(&m, buf, 10) == 1);
	CHECK_STREQ(buf, "os/unix/s");
	podspec_release(&m);

	CHECK(parse_sq(good_manifests[2], &m, &e) == 0);
	CHECK(m.napps == 1 && m.apps[0].nmounts == 1);
	if (m.napps == 1 && m.apps[0].nmounts == 1)
		CHECK_STREQ(m.apps[0].mounts[0].path, "/var/lib/db");
	podspec_release(&m);
	CHECK(parse_sq(good_manifests[3], &m, &e) == 0);
	CHECK(m.apps[0].limits.memory == 1048576 &&
	    m.apps[0].limits.cpu_millis == 2000);
	podspec_release(&m);
}

/* ---- Bad manifests: each names its member ---- */

static const struct {
	const char	*json;
	const char	*msg;		/* the message starts with this */
} bad_manifests[] = {
	{ "{", "'pod manifest': not valid JSON" },
	{ "{'acKind':'PodManifest','acKind':'PodManifest'}",
	  "'pod manifest': not valid JSON" },
	{ APP1("") " x", "'pod manifest': not valid JSON" },
	{ "[]", "pod manifest: expected an object, found array" },
	{ "{'acVersion':'0.8.11','apps':[]}", "acKind: missing" },
	{ "{'acKind':'ImageManifest','acVersion':'0.8.11'}",
	  "acKind: 'ImageManifest' is not PodManifest" },
	{ "{'acKind':'PodManifest','apps':[]}", "acVersion: missing" },
	{ "{'acKind':'PodManifest','acVersion':'0.8'}",
	  "acVersion: '0.8' is not a version" },
	{ MAN("'x':1"), "apps: missing" },
	{ MAN("'apps':[]"), "apps: no app" },
	{ MAN("'apps':{}"), "apps: expected an array, found object" },
	{ MAN("'apps':[1]"), "apps[0]: expected an object, found integer" },
	{ MAN("'apps':[{'image':{'name':'busybox'}}]"),
	  "apps[0].name: missing" },
	{ MAN("'apps':[{'name':'Web','image':{'name':'busybox'}}]"),
	  "apps[0].name: 'Web' is not an AC Name" },
	{ MAN("'apps':[{'name':'" X16("abcd") "','image':{'name':'b'}}]"),
	  "apps[0].name: 'abcdabcd" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}},"
	    "{'name':'a','image':{'name':'b'}}]"),
	  "apps[1].name: duplicate app 'a'" },
	{ MAN("'apps':[{'name':'a'}]"), "apps[0].image: missing" },
	{ MAN("'apps':[{'name':'a','image':'busybox'}]"),
	  "apps[0].image: expected an object, found string" },
	{ MAN("'apps':[{'name':'a','image':{}}]"),
	  "apps[0].image.name: missing" },
	{ MAN("'apps':[{'name':'a','image':{'name':'Busy/Box'}}]"),
	  "apps[0].image.name: invalid reference format" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b','id':'sha512-"
	    X64("a") X64("a") "'}}]"),
	  "apps[0].image.id: 'sha512-aaaa" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b','id':'sha256:abc'}}]"),
	  "apps[0].image.id: " },
	{ MAN("'apps':[{'name':'a','image':{'name':'b','id':''}}]"),
	  "apps[0].image.id: empty" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b','labels':"
	    "[{'name':'x'}]}}]"),
	  "apps[0].image.labels[0].value: missing" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b','labels':"
	    "{'x':'y'}}}]"),
	  "apps[0].image.labels: expected an array, found object" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}},{'name':'b',"
	    "'image':{'name':'b'},'app':{'exec':'/bin/sh'}}]"),
	  "apps[1].app.exec: not an array of strings" },
	{ APP1(",'app':[]"), "apps[0].app: expected an object, found array" },
	{ APPX("'exec':['/bin/sh',1]"),
	  "apps[0].app.exec: not an array of strings" },
	{ APPX("'exec':[]"), "apps[0].app.exec: empty" },
	{ APPX("'exec':['','x']"), "apps[0].app.exec[0]: empty" },
	{ APPX("'user':''"), "apps[0].app.user: empty" },
	{ APPX("'user':0"),
	  "apps[0].app.user: expected a string, found integer" },
	{ APPX("'group':null"),
	  "apps[0].app.group: expected a string, found null" },
	{ APPX("'supplementaryGIDs':[1,-1]"),
	  "apps[0].app.supplementaryGIDs[1]: not a group id" },
	{ APPX("'supplementaryGIDs':[4294967295]"),
	  "apps[0].app.supplementaryGIDs[0]: not a group id" },
	{ APPX("'supplementaryGIDs':['0']"),
	  "apps[0].app.supplementaryGIDs[0]: not a group id" },
	{ APPX("'workingDirectory':'srv'"),
	  "apps[0].app.workingDirectory: 'srv' is not a clean absolute path" },
	{ APPX("'workingDirectory':'/srv/../etc'"),
	  "apps[0].app.workingDirectory: '/srv/../etc'" },
	{ APPX("'environment':[{'name':'A=B','value':''}]"),
	  "apps[0].app.environment[0].name: 'A=B' is not a variable name" },
	{ APPX("'environment':[{'name':'A','value':'1'},"
	    "{'name':'A','value':'2'}]"),
	  "apps[0].app.environment[1].name: duplicate name 'A'" },
	{ APPX("'environment':[{'name':'A','value':1}]"),
	  "apps[0].app.environment[0].value: expected a string" },
	{ APPX("'environment':{'A':'1'}"),
	  "apps[0].app.environment: expected an array, found object" },
	{ APPX("'mountPoints':[{'name':'Data','path':'/data'}]"),
	  "apps[0].app.mountPoints[0].name: 'Data' is not an AC Name" },
	{ APPX("'mountPoints':[{'name':'data','path':'/data/'}]"),
	  "apps[0].app.mountPoints[0].path: '/data/'" },
	{ APPX("'mountPoints':[{'name':'data'}]"),
	  "apps[0].app.mountPoints[0].path: missing" },
	{ APPX("'mountPoints':[{'name':'d','path':'/d'},"
	    "{'name':'d','path':'/e'}]"),
	  "apps[0].app.mountPoints[1].name: duplicate mountPoint 'd'" },
	{ APPX("'mountPoints':[{'name':'d','path':'/d'},"
	    "{'name':'e','path':'/d'}]"),
	  "apps[0].app.mountPoints[1].path: '/d' is also mountPoint 'd'" },
	{ APPX("'mountPoints':[{'name':'d','path':'/d','readOnly':'yes'}]"),
	  "apps[0].app.mountPoints[0].readOnly: expected a boolean" },
	{ APPX("'ports':[{'name':'p','protocol':'sctp','port':80}]"),
	  "apps[0].app.ports[0].protocol: 'sctp' is not tcp or udp" },
	{ APPX("'ports':[{'name':'p','protocol':'tcp','port':0}]"),
	  "apps[0].app.ports[0].port: 0 is out of range" },
	{ APPX("'ports':[{'name':'p','protocol':'tcp','port':65536}]"),
	  "apps[0].app.ports[0].port: 65536 is out of range" },
	{ APPX("'ports':[{'name':'p','protocol':'tcp','port':80.0}]"),
	  "apps[0].app.ports[0].port: expected an integer, found real" },
	{ APPX("'ports':[{'name':'p','protocol':'tcp'}]"),
	  "apps[0].app.ports[0].port: missing" },
	{ APPX("'ports':[{'name':'p','protocol':'tcp','port':80,'count':0}]"),
	  "apps[0].app.ports[0].count: 0 is out of range" },
	{ APPX("'ports':[{'name':'p','protocol':'tcp','port':65535,"
	    "'count':2}]"),
	  "apps[0].app.ports[0].count: ports 65535 to 65536" },
	{ APPX("'ports':[{'name':'p','protocol':'tcp','port':1},"
	    "{'name':'p','protocol':'udp','port':1}]"),
	  "apps[0].app.ports[1].name: duplicate port 'p'" },
	{ APPX("'ports':[{'name':'p','protocol':'tcp','port':1,"
	    "'socketActivated':1}]"),
	  "apps[0].app.ports[0].socketActivated: expected a boolean" },
	{ APPX("'isolators':[{'name':'resource/memory','value':{'limit':"
	    "'lots'}}]"),
	  "apps[0].app.isolators[0].value.limit: 'lots' is not a quantity" },
	{ APPX("'isolators':[{'name':'resource/memory','value':{'limit':"
	    "'0'}}]"),
	  "apps[0].app.isolators[0].value.limit: must be more than 0" },
	{ APPX("'isolators':[{'name':'resource/memory','value':{'limit':"
	    "'10E'}}]"),
	  "apps[0].app.isolators[0].value.limit: quantity '10E' is too large" },
	{ APPX("'isolators':[{'name':'resource/memory','value':'1G'}]"),
	  "apps[0].app.isolators[0].value: expected an object, found string" },
	{ APPX("'isolators':[{'name':'resource/memory','value':{"
	    "'request':'1G'}}]"),
	  "apps[0].app.isolators[0].value.limit: missing" },
	{ APPX("'isolators':[{'name':'resource/memory','value':{'limit':"
	    "true}}]"),
	  "apps[0].app.isolators[0].value.limit: expected a string" },
	{ APPX("'isolators':[{'name':'resource/cpu','value':{'limit':"
	    "'1.5m'}}]"),
	  "apps[0].app.isolators[0].value.limit: cpu '1.5m': precision" },
	{ APPX("'isolators':[{'name':'resource/cpu','value':{'limit':"
	    "'0m'}}]"),
	  "apps[0].app.isolators[0].value.limit: must be more than 0" },
	{ APPX("'isolators':[{'name':'io.berth/pids','value':{'limit':0}}]"),
	  "apps[0].app.isolators[0].value.limit: 0 is out of range" },
	{ APPX("'isolators':[{'name':'io.berth/pids','value':{'limit':'5'}}]"),
	  "apps[0].app.isolators[0].value.limit: expected an integer" },
	{ APPX("'isolators':[{'name':'io.berth/pids','value':5}]"),
	  "apps[0].app.isolators[0].value: expected an object, found integer" },
	{ APPX("'isolators':[{'value':5}]"),
	  "apps[0].app.isolators[0].name: missing" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'isolators':["
	    "{'name':'x/y','value':1},{'name':'x/y','value':2}]"),
	  "isolators[1].name: duplicate isolator 'x/y'" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'isolators':["
	    "{'name':'x/y'}]"),
	  "isolators[0].value: missing" },
	{ APP1(",'mounts':[{'volume':'v','path':'/v'}]"),
	  "apps[0].mounts[0].volume: no volume 'v' in the pod" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'},'mounts':[{"
	    "'volume':'v','path':'v'}]}],'volumes':[{'name':'v','kind':"
	    "'empty'}]"),
	  "apps[0].mounts[0].path: 'v' is not a clean absolute path" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'},'mounts':[{"
	    "'volume':'v'}]}],'volumes':[{'name':'v','kind':'empty'}]"),
	  "apps[0].mounts[0].path: missing" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'},'mounts':[{"
	    "'volume':'v','mountPoint':'db'}]}],'volumes':[{'name':'v',"
	    "'kind':'empty'}]"),
	  "apps[0].mounts[0].mountPoint: the app has no mountPoint 'db'" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'},'mounts':[{"
	    "'volume':'v','path':'/v'},{'volume':'v','path':'/v'}]}],"
	    "'volumes':[{'name':'v','kind':'empty'}]"),
	  "apps[0].mounts[1].path: '/v' is mounted twice" },
	{ APP1(",'annotations':[{'name':'','value':'x'}]"),
	  "apps[0].annotations[0].name: empty" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'V','kind':'empty'}]"),
	  "volumes[0].name: 'V' is not an AC Name" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'empty'},{'name':'v','kind':'empty'}]"),
	  "volumes[1].name: duplicate volume 'v'" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'tmpfs'}]"),
	  "volumes[0].kind: 'tmpfs' is not empty or host" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v'}]"),
	  "volumes[0].kind: missing" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'host'}]"),
	  "volumes[0].source: missing" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'host','source':'srv'}]"),
	  "volumes[0].source: 'srv' is not a clean absolute path" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'host','source':'/srv','mode':'0755'}]"),
	  "volumes[0]: mode, uid, gid and zfsProperties are for kind" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'empty','source':'/srv'}]"),
	  "volumes[0].source: only for kind \"host\"" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'empty','mode':'0999'}]"),
	  "volumes[0].mode: '0999' is not an octal mode" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'empty','mode':'17777'}]"),
	  "volumes[0].mode: '17777' is not an octal mode" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'empty','mode':493}]"),
	  "volumes[0].mode: expected a string, found integer" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'empty','uid':-1}]"),
	  "volumes[0].uid: -1 is out of range" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'empty','gid':4294967295}]"),
	  "volumes[0].gid: 4294967295 is out of range" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'empty','readOnly':'no'}]"),
	  "volumes[0].readOnly: expected a boolean" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'empty','zfsProperties':['checksum=off']}]"),
	  "volumes[0].zfsProperties[0]: 'checksum=off' is not" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'volumes':[{"
	    "'name':'v','kind':'empty','zfsProperties':['atime=on',"
	    "'atime=off']}]"),
	  "volumes[0].zfsProperties[1]: property set twice" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'annotations':[{"
	    "'name':'io.berth/hostname','value':'bad_host'}]"),
	  "annotations: io.berth/hostname: 'bad_host' is not a host name" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'annotations':[{"
	    "'name':'x','value':'1'},{'name':'x','value':'2'}]"),
	  "annotations[1].name: duplicate name 'x'" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'}}],'isolators':[{"
	    "'name':'os/linux/no-new-privileges','value':'yes'}]"),
	  "isolators[0].value: expected a boolean, found string" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'},'app':{"
	    "'isolators':[{'name':'os/linux/seccomp-retain-set','value':"
	    "{'set':['read']}},{'name':'os/linux/seccomp-remove-set',"
	    "'value':{'set':['read']}}]}}]"),
	  "apps[0].app.isolators[1].value: 'os/linux/seccomp-retain-set' "
	  "and 'os/linux/seccomp-remove-set' exclude each other" },
	{ MAN("'apps':[{'name':'a','image':{'name':'b'},'app':{"
	    "'isolators':[{'name':'os/linux/seccomp-remove-set','value':"
	    "{'set':['rm -rf']}}]}}]"),
	  "apps[0].app.isolators[0].value: set[0]: 'rm -rf' is not a "
	  "system call name" },
};

static void
test_bad_manifests(void)
{
	struct pod_manifest m;
	struct error e;
	size_t i;

	for (i = 0; i < sizeof(bad_manifests) / sizeof(bad_manifests[0]);
	    i++) {
		error_clear(&e);
		if (!refused("", i, parse_sq(bad_manifests[i].json, &m, &e),
		    &e, bad_manifests[i].msg)) {
			podspec_release(&m);
			continue;
		}
		/* A failed parse leaves nothing to release. */
		CHECK(m.apps == NULL && m.volumes == NULL &&
		    m.ac_version == NULL);
	}
}

/* Generated lists: POD_LIST_MAX entries are fine, one more is not. */
static void
test_list_limits(void)
{
	struct pod_manifest m;
	struct error e = ERROR_INIT;
	size_t i, n;
	char *buf, *p;

	for (n = POD_LIST_MAX; n <= POD_LIST_MAX + 1; n++) {
		buf = xmalloc(64 * (n + 2));
		p = buf + sprintf(buf, "{\"acKind\":\"PodManifest\","
		    "\"acVersion\":\"0.8.11\",\"apps\":[");
		for (i = 0; i < n; i++)
			p += sprintf(p, "%s{\"name\":\"a%zu\",\"image\":"
			    "{\"name\":\"busybox\"}}", i > 0 ? "," : "", i);
		(void)strcpy(p, "]}");
		if (n == POD_LIST_MAX) {
			CHECK(podspec_parse(buf, strlen(buf), &m, &e) == 0);
			CHECK(m.napps == POD_LIST_MAX);
			podspec_release(&m);
		} else {
			CHECK(podspec_parse(buf, strlen(buf), &m, &e) == -1);
			CHECK_STREQ(e.msg,
			    "apps: 1025 entries, more than 1024");
		}
		free(buf);
	}
}

/* ---- The appc examples ---- */

/* Replace every "sha512-<hex>" id with a sha256 digest. */
static char *
oci_ids(const char *s)
{
	static const char *digests[] = { DA, DB, DC };
	char *r, *p, *q;
	size_t k = 0;

	r = xmalloc(strlen(s) + 1);
	(void)strcpy(r, s);
	while ((p = strstr(r, "\"sha512-")) != NULL) {
		q = strchr(p + 1, '"');
		/* sha512- + 128 hex is longer than sha256: + 64 hex. */
		(void)memcpy(p + 1, digests[k % 3], strlen(digests[k % 3]));
		(void)memmove(p + 1 + strlen(digests[k % 3]), q, strlen(q) + 1);
		k++;
	}
	return (r);
}

static void
test_appc_examples(void)
{
	struct pod_manifest m;
	struct pod_limits l;
	struct error e = ERROR_INIT;
	struct pod_app *a;
	char *s, buf[64];

	/* As published: the ids are appc's, not OCI digests. */
	CHECK(podspec_parse(appc_pod_runtime, strlen(appc_pod_runtime), &m,
	    &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	CHECK(prefixed(e.msg, "apps[0].image.id: 'sha512-8d3fffddf"));
	CHECK(strstr(e.msg, "\"sha256:...\"") != NULL);
	CHECK(strstr(e.msg, "OCI") != NULL);

	s = oci_ids(appc_pod_runtime);
	CHECK(strstr(s, "sha512") == NULL);
	if (podspec_parse(s, strlen(s), &m, &e) == -1) {
		(void)printf("# %s\n", e.msg);
		CHECK(!"pod_runtime with OCI ids refused");
		free(s);
		return;
	}
	free(s);
	CHECK(m.napps == 3 && m.nvolumes == 2);
	a = podspec_app(&m, "reduce-worker");
	CHECK(a != NULL && a->nexec == 3 && a->limits.memory == 1000000000);
	CHECK(a->nmounts == 1 && a->nmountpoints == 1);
	CHECK_STREQ(a->image_id, DA);
	a = podspec_app(&m, "backup");
	CHECK(a != NULL && !a->has_app && a->nmounts == 2 &&
	    a->nannotations == 1 && a->nimage_labels == 1);
	CHECK(podspec_volume(&m, "dbvolume")->kind == POD_VOLUME_HOST);
	CHECK(podspec_volume(&m, "buildoutput")->mode == 0777);
	CHECK(m.limits.memory == 4000000000LL);
	podspec_limits(&m, &m.apps[0], &l);
	CHECK(l.memory == 1000000000);
	podspec_limits(&m, &m.apps[2], &l);
	CHECK(l.memory == 4000000000LL);
	CHECK(podspec_unsupported(&m, buf, sizeof(buf)) == 1);
	CHECK_STREQ(buf, "os/unix/sysctl");
	CHECK(m.limits.nother == 1 &&
	    json_is_object(m.limits.other[0].value));
	CHECK(round_trips(&m));
	podspec_release(&m);

	/* The template: same refusal, then it parses (acVersion 0.3.0). */
	CHECK(podspec_parse(appc_pod_template, strlen(appc_pod_template), &m,
	    &e) == -1);
	CHECK(prefixed(e.msg, "apps[0].image.id: 'sha512-"));
	s = oci_ids(appc_pod_template);
	CHECK(podspec_parse(s, strlen(s), &m, &e) == 0);
	free(s);
	CHECK(m.napps == 3 && m.apps[1].image_id == NULL);
	CHECK(podspec_unsupported(&m, buf, sizeof(buf)) == 0);
	CHECK_STREQ(buf, "");
	CHECK(round_trips(&m));
	podspec_release(&m);
}

/* ---- Quantities ---- */

static const struct {
	const char	*s;
	int64_t		 v;		/* -1: refused */
} quantities[] = {
	{ "0", 0 }, { "1", 1 }, { "1000", 1000 }, { "1k", 1000 },
	{ "1K", 1000 }, { "512M", 512000000 }, { "1G", 1000000000 },
	{ "2T", 2000000000000LL }, { "1P", 1000000000000000LL },
	{ "1Ki", 1024 }, { "1Mi", 1048576 }, { "1Gi", 1073741824 },
	{ "1.5Gi", 1610612736 }, { "0.5Ki", 512 }, { "1.5", 2 },
	{ "0.001K", 1 }, { "0.0001K", 1 }, { "1.0005K", 1001 },
	{ "2Ti", 2199023255552LL }, { "1Pi", 1125899906842624LL },
	{ "4Pi", 4503599627370496LL },
	{ "4503599627370496", 4503599627370496LL },
	{ "4503599627370497", -1 }, { "7Ei", -1 },
	{ "7.999999999999999999Ei", -1 },
	{ "9223372036854775807", -1 },
	{ "9.223372036854775807E", -1 },
	{ "0009", 9 },
	{ "8Ei", -1 }, { "9223372036854775808", -1 }, { "9.3E", -1 },
	{ "99999999999999999999999", -1 }, { "10E", -1 },
	{ "", -1 }, { "-1", -1 }, { "+1", -1 }, { "1 G", -1 }, { " 1", -1 },
	{ "1 ", -1 }, { "1g", -1 }, { "1Gb", -1 }, { "1GiB", -1 },
	{ "1.", -1 }, { ".5", -1 }, { "1.2.3", -1 }, { "1e3", -1 },
	{ "1m", -1 }, { "0x10", -1 }, { "G", -1 }, { "Gi", -1 },
	{ "1.0000000000000000001", -1 },
};

static const struct {
	const char	*s;
	int64_t		 v;
} cpus[] = {
	{ "500m", 500 }, { "2", 2000 }, { "0.5", 500 }, { "0.001", 1 },
	{ "1.5000", 1500 }, { "0m", 0 }, { "0", 0 }, { "1000m", 1000 },
	{ "1000000", 1000000000 }, { "1000000000m", 1000000000 },
	{ "1000000.001", -1 }, { "9223372036854775807m", -1 },
	{ "9223372036854775", -1 },
	{ "9223372036854775.807", -1 },
	{ "0.0005", -1 }, { "1.5m", -1 }, { "m", -1 }, { "", -1 },
	{ "-1", -1 }, { "1 ", -1 }, { "2k", -1 }, { "1M", -1 },
	{ "9223372036854776", -1 }, { "9223372036854775808m", -1 },
	{ ".5", -1 }, { "0.0001", -1 },
};

static void
test_quantities(void)
{
	struct error e = ERROR_INIT;
	int64_t v;
	size_t i;
	int r;

	for (i = 0; i < sizeof(quantities) / sizeof(quantities[0]); i++) {
		v = -7;
		error_clear(&e);
		r = podspec_parse_quantity(quantities[i].s, &v, &e);
		if (quantities[i].v == -1 ? r != -1 || e.exit != EX_DATAERR :
		    r != 0 || v != quantities[i].v) {
			(void)printf("# quantity '%s': r %d v %" PRId64
			    " (%s)\n", quantities[i].s, r, v, e.msg);
			CHECK(!"quantity");
		}
	}
	CHECK(podspec_parse_quantity("8Ei", &v, &e) == -1);
	CHECK_STREQ(e.msg, "quantity '8Ei' is too large");
	CHECK(podspec_parse_quantity("1Gb", &v, &e) == -1);
	CHECK(prefixed(e.msg, "'1Gb' is not a quantity"));
	for (i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		v = -7;
		error_clear(&e);
		r = podspec_parse_cpu(cpus[i].s, &v, &e);
		if (cpus[i].v == -1 ? r != -1 || e.exit != EX_DATAERR :
		    r != 0 || v != cpus[i].v) {
			(void)printf("# cpu '%s': r %d v %" PRId64 " (%s)\n",
			    cpus[i].s, r, v, e.msg);
			CHECK(!"cpu");
		}
	}
	CHECK(podspec_parse_cpu("9223372036854776", &v, &e) == -1);
	CHECK_STREQ(e.msg, "cpu '9223372036854776' is too large");
	CHECK(podspec_parse_cpu("0.0005", &v, &e) == -1);
	CHECK_STREQ(e.msg, "cpu '0.0005': precision finer than 1m");
}

/* ---- Image configs ---- */

static const char full_config[] =
    "{'os':'linux','architecture':'amd64','config':{"
    "'Entrypoint':['/bin/sh','-c'],'Cmd':['echo hi'],"
    "'Env':['PATH=/usr/bin','A=1=2','A2=','PATH=/bin'],"
    "'WorkingDir':'/srv//app/','User':'www:staff',"
    "'ExposedPorts':{'8080':{},'53/udp':{},'80/tcp':{},'8080/tcp':{}},"
    "'Volumes':{'/data/':{},'/var/log':{}},"
    "'Labels':{'io.berth.env.DB_URL':'required;database URL; primary',"
    "'io.berth.env.DEBUG':'optional',"
    "'io.berth.volume./data':'required,ro,compression=lz4,atime=off,"
    "recordsize=128K;the data',"
    "'io.berth.volume./cache':'optional;',"
    "'io.berth.volume./var/log':'',"
    "'io.berth.devfs.1':'path null unhide',"
    "'io.berth.devfs.0':'hide','io.berth.devfs.10':'path zero unhide',"
    "'io.berth.devfs.2':'a','io.berth.devfs.3':'b',"
    "'io.berth.devfs.4':'c','io.berth.devfs.5':'d',"
    "'io.berth.devfs.6':'e','io.berth.devfs.7':'f',"
    "'io.berth.devfs.8':'g','io.berth.devfs.9':'h',"
    "'org.example':'x','io.berth.other':'y'}},"
    "'rootfs':{'type':'layers','diff_ids':[]},'history':[]}";

static void
test_imgcfg_good(void)
{
	struct image_config c;
	struct error e = ERROR_INIT;

	if (cfg_sq(full_config, &c, &e) == -1) {
		(void)printf("# %s\n", e.msg);
		CHECK(!"full config refused");
		return;
	}
	CHECK_STREQ(c.os, "linux");
	CHECK_STREQ(c.architecture, "amd64");
	CHECK(c.nentrypoint == 2 && c.ncmd == 1);
	CHECK_STREQ(c.cmd[0], "echo hi");
	/* A later PATH replaces the first in place, as docker does. */
	CHECK(c.nenv == 3);
	CHECK_STREQ(c.env[0].name, "PATH");
	CHECK_STREQ(c.env[0].value, "/bin");
	CHECK_STREQ(c.env[1].value, "1=2");
	CHECK_STREQ(c.env[2].value, "");
	CHECK_STREQ(c.workdir, "/srv/app");
	CHECK_STREQ(c.user, "www:staff");
	CHECK(c.nports == 3);
	if (c.nports == 3) {
		CHECK_STREQ(c.ports[0].name, "udp-53");
		CHECK_STREQ(c.ports[1].name, "tcp-80");
		CHECK_STREQ(c.ports[2].name, "tcp-8080");
		CHECK(c.ports[2].port == 8080 && c.ports[2].count == 1);
		CHECK_STREQ(c.ports[2].protocol, "tcp");
	}
	CHECK(c.nvolumes == 3);
	if (c.nvolumes == 3) {
		CHECK_STREQ(c.volumes[0].path, "/cache");
		CHECK(!c.volumes[0].required && !c.volumes[0].readonly &&
		    c.volumes[0].description == NULL);
		CHECK_STREQ(c.volumes[1].path, "/data");
		CHECK(c.volumes[1].required && c.volumes[1].readonly);
		CHECK_STREQ(c.volumes[1].description, "the data");
		CHECK(c.volumes[1].nzfs_props == 3);
		if (c.volumes[1].nzfs_props == 3) {
			CHECK_STREQ(c.volumes[1].zfs_props[0],
			    "compression=lz4");
			CHECK_STREQ(c.volumes[1].zfs_props[2],
			    "recordsize=128K");
		}
		CHECK_STREQ(c.volumes[2].path, "/var/log");
		CHECK(!c.volumes[2].required);
	}
	CHECK(c.nenv_guards == 2);
	if (c.nenv_guards == 2) {
		CHECK_STREQ(c.env_guards[0].name, "DB_URL");
		CHECK(c.env_guards[0].required);
		CHECK_STREQ(c.env_guards[0].description,
		    "database URL; primary");
		CHECK_STREQ(c.env_guards[1].name, "DEBUG");
		CHECK(!c.env_guards[1].required &&
		    c.env_guards[1].description == NULL);
	}
	CHECK(c.ndevfs_rules == 11);
	if (c.ndevfs_rules == 11) {
		CHECK_STREQ(c.devfs_rules[0], "hide");
		CHECK_STREQ(c.devfs_rules[1], "path null unhide");
		CHECK_STREQ(c.devfs_rules[10], "path zero unhide");
	}
	CHECK(c.nlabels == 18);
	CHECK_STREQ(c.labels[0].name, "io.berth.devfs.0");
	CHECK_STREQ(c.labels[c.nlabels - 1].name, "org.example");
	imgcfg_release(&c);
	CHECK(c.labels == NULL && c.os == NULL);

	/* Docker's nulls and empty strings are "unset". */
	CHECK(cfg_sq(CFG("'Entrypoint':null,'Cmd':null,'Volumes':null,"
	    "'Labels':null,'Env':null,'ExposedPorts':null,'User':'',"
	    "'WorkingDir':''"), &c, &e) == 0);
	CHECK(c.entrypoint == NULL && c.cmd == NULL && c.env == NULL &&
	    c.volumes == NULL && c.labels == NULL && c.user == NULL &&
	    c.workdir == NULL && c.ports == NULL);
	imgcfg_release(&c);
	CHECK(cfg_sq("{'os':'freebsd','architecture':'arm64'}", &c, &e) == 0);
	CHECK_STREQ(c.os, "freebsd");
	imgcfg_release(&c);
	CHECK(cfg_sq(CFG("'Entrypoint':[],'WorkingDir':'/a/../b/.'"), &c,
	    &e) == 0);
	CHECK(c.entrypoint == NULL && c.nentrypoint == 0);
	CHECK_STREQ(c.workdir, "/b");
	imgcfg_release(&c);
}

static const struct {
	const char	*json;
	const char	*msg;
} bad_configs[] = {
	{ "{'os':", "'image config': not valid JSON" },
	{ "[]", "image config: expected an object, found array" },
	{ "{'architecture':'amd64'}", "os: missing" },
	{ "{'os':'linux','architecture':1}",
	  "architecture: expected a string, found integer" },
	{ "{'os':'linux','architecture':'amd64','config':[]}",
	  "config: expected an object, found array" },
	{ CFG("'Env':['NOEQ']"), "config.Env: entry 0 ('NOEQ') is not NAME=" },
	{ CFG("'Env':['A=1','=x']"), "config.Env: entry 1 ('=x')" },
	{ CFG("'Env':[1]"), "config.Env: not an array of strings" },
	{ CFG("'Entrypoint':'sh'"), "config.Entrypoint: not an array of str" },
	{ CFG("'Cmd':['sh',null]"), "config.Cmd: not an array of strings" },
	{ CFG("'WorkingDir':'rel'"),
	  "config.WorkingDir: 'rel' is not an absolute path" },
	{ CFG("'User':5"), "config.User: expected a string, found integer" },
	{ CFG("'ExposedPorts':{'http':{}}"),
	  "config.ExposedPorts: 'http' is not PORT" },
	{ CFG("'ExposedPorts':{'80/sctp':{}}"),
	  "config.ExposedPorts: '80/sctp': protocol is not tcp or udp" },
	{ CFG("'ExposedPorts':{'0/tcp':{}}"), "config.ExposedPorts: '0/tcp'" },
	{ CFG("'ExposedPorts':{'65536':{}}"), "config.ExposedPorts: '65536'" },
	{ CFG("'ExposedPorts':{'080':{}}"), "config.ExposedPorts: '080'" },
	{ CFG("'ExposedPorts':{'/tcp':{}}"), "config.ExposedPorts: '/tcp'" },
	{ CFG("'ExposedPorts':['80']"),
	  "config.ExposedPorts: expected an object" },
	{ CFG("'Volumes':{'data':{}}"),
	  "config.Volumes: 'data' is not an absolute path" },
	{ CFG("'Labels':{'a':1}"),
	  "config.Labels: value of 'a' is integer, not a string" },
	{ CFG("'Labels':{'io.berth.env.DB_URL':'mandatory'}"),
	  "config.Labels: label 'io.berth.env.DB_URL': 'mandatory' is not" },
	{ CFG("'Labels':{'io.berth.env.DB_URL':''}"),
	  "config.Labels: label 'io.berth.env.DB_URL'" },
	{ CFG("'Labels':{'io.berth.env.DB_URL':'Required'}"),
	  "config.Labels: label 'io.berth.env.DB_URL'" },
	{ CFG("'Labels':{'io.berth.env.':'required'}"),
	  "config.Labels: label 'io.berth.env.': '' is not a variable name" },
	{ CFG("'Labels':{'io.berth.env.1X':'required'}"),
	  "config.Labels: label 'io.berth.env.1X'" },
	{ CFG("'Labels':{'io.berth.env.A-B':'optional'}"),
	  "config.Labels: label 'io.berth.env.A-B'" },
	{ CFG("'Labels':{'io.berth.volume.data':'optional'}"),
	  "config.Labels: label 'io.berth.volume.data': 'data' is not a" },
	{ CFG("'Labels':{'io.berth.volume./data/':'optional'}"),
	  "config.Labels: label 'io.berth.volume./data/'" },
	{ CFG("'Labels':{'io.berth.volume./data':'required,optional'}"),
	  "config.Labels: label 'io.berth.volume./data': both required and" },
	{ CFG("'Labels':{'io.berth.volume./data':'rw'}"),
	  "config.Labels: label 'io.berth.volume./data': flag 'rw' is not" },
	{ CFG("'Labels':{'io.berth.volume./data':'ro,ro'}"),
	  "config.Labels: label 'io.berth.volume./data': flag 'ro'" },
	{ CFG("'Labels':{'io.berth.volume./data':'ro,,required'}"),
	  "config.Labels: label 'io.berth.volume./data': flag ''" },
	{ CFG("'Labels':{'io.berth.volume./data':'compression=lz4,"
	    "compression=zstd'}"),
	  "config.Labels: label 'io.berth.volume./data': 'compression=zstd' "
	  "given twice" },
	{ CFG("'Labels':{'io.berth.volume./data':'recordsize=1000'}"),
	  "config.Labels: label 'io.berth.volume./data': flag 'recordsize=1000'"
	},
	{ CFG("'Labels':{'io.berth.volume./data':'recordsize=32M'}"),
	  "config.Labels: label 'io.berth.volume./data': flag 'recordsize=32M'"
	},
	{ CFG("'Labels':{'io.berth.volume./data':'atime=maybe'}"),
	  "config.Labels: label 'io.berth.volume./data': flag 'atime=maybe'" },
	{ CFG("'Labels':{'io.berth.volume./data':'compression=LZ4'}"),
	  "config.Labels: label 'io.berth.volume./data': flag 'compression=L" },
	{ CFG("'Labels':{'io.berth.devfs.x':'hide'}"),
	  "config.Labels: label 'io.berth.devfs.x': N is not a number" },
	{ CFG("'Labels':{'io.berth.devfs.0':'hide','io.berth.devfs.01':'a'}"),
	  "config.Labels: label 'io.berth.devfs.01': N is not a number" },
	{ CFG("'Labels':{'io.berth.devfs.1024':'hide'}"),
	  "config.Labels: label 'io.berth.devfs.1024': N is not a number" },
	{ CFG("'Labels':{'io.berth.devfs.':'hide'}"),
	  "config.Labels: label 'io.berth.devfs.': N is not a number" },
	{ CFG("'Labels':{'io.berth.devfs.0':'hide','io.berth.devfs.2':'a'}"),
	  "config.Labels: label 'io.berth.devfs.1' missing" },
	{ CFG("'Labels':{'io.berth.devfs.1':'hide'}"),
	  "config.Labels: label 'io.berth.devfs.0' missing" },
	{ CFG("'Labels':{'io.berth.devfs.0':''}"),
	  "config.Labels: label 'io.berth.devfs.0': empty or not one line" },
	{ CFG("'Labels':{'io.berth.devfs.0':'hide\\nadd path sda unhide'}"),
	  "config.Labels: label 'io.berth.devfs.0': empty or not one line" },
};

static void
test_imgcfg_bad(void)
{
	struct image_config c;
	struct error e;
	size_t i;

	for (i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
		error_clear(&e);
		if (!refused("config ", i, cfg_sq(bad_configs[i].json, &c, &e),
		    &e, bad_configs[i].msg)) {
			imgcfg_release(&c);
			continue;
		}
		CHECK(c.os == NULL && c.labels == NULL);
	}
}

/* ---- Volume names ---- */

static void
test_volume_name(void)
{
	char buf[POD_NAME_MAX + 1], buf2[POD_NAME_MAX + 1], *p;
	size_t i;

	podspec_volume_name("/var/lib/DB_data", buf);
	CHECK_STREQ(buf, "var-lib-db-data");
	podspec_volume_name("/", buf);
	CHECK_STREQ(buf, "root");
	podspec_volume_name("/data", buf);
	CHECK_STREQ(buf, "data");
	podspec_volume_name("/__x__/.y", buf);
	CHECK_STREQ(buf, "x-y");
	podspec_volume_name("/a b/C.d", buf);
	CHECK_STREQ(buf, "a-b-c-d");
	/* Nothing usable in the path: a hash, not "root" or "". */
	podspec_volume_name("/___", buf);
	CHECK(prefixed(buf, "vol-") && strlen(buf) == 12);
	CHECK(podspec_name_valid(buf));

	/* Exactly POD_NAME_MAX characters stay as they are. */
	p = xmalloc(PATH_MAX);
	p[0] = '/';
	(void)memset(p + 1, 'a', POD_NAME_MAX);
	p[POD_NAME_MAX + 1] = '\0';
	podspec_volume_name(p, buf);
	CHECK(strlen(buf) == POD_NAME_MAX && strspn(buf, "a") ==
	    POD_NAME_MAX);
	/* One more: cut, and 8 hex of the path's SHA-256 appended. */
	p[POD_NAME_MAX + 1] = 'a';
	p[POD_NAME_MAX + 2] = '\0';
	podspec_volume_name(p, buf);
	CHECK(strlen(buf) == POD_NAME_MAX && podspec_name_valid(buf));
	CHECK(buf[POD_NAME_MAX - 9] == '-');
	CHECK(strspn(buf + POD_NAME_MAX - 8, "0123456789abcdef") == 8);
	/* Paths differing only past the cut get different names. */
	(void)strcpy(p + POD_NAME_MAX + 2, "/x");
	podspec_volume_name(p, buf2);
	CHECK(strcmp(buf, buf2) != 0 && podspec_name_valid(buf2));
	CHECK(strncmp(buf, buf2, POD_NAME_MAX - 8) == 0);
	/* A cut landing on '-' does not leave "--". */
	p[0] = '\0';
	for (i = 0; strlen(p) < 200; i++)
		(void)strcat(p, i % 2 == 0 ? "/abcd" : "/e");
	podspec_volume_name(p, buf);
	CHECK(podspec_name_valid(buf));
	/* The longest path. */
	(void)memset(p, 'b', PATH_MAX - 1);
	p[0] = '/';
	p[PATH_MAX - 1] = '\0';
	podspec_volume_name(p, buf);
	CHECK(strlen(buf) == POD_NAME_MAX && podspec_name_valid(buf));
	free(p);
}

/* ---- Defaults ---- */

static const char defaults_config[] = CFG(
    "'Entrypoint':['/bin/sh','-c'],'Cmd':['echo hi'],"
    "'Env':['PATH=/bin','A=1','B=2'],'WorkingDir':'/srv','User':"
    "'www:staff','ExposedPorts':{'80/tcp':{},'53/udp':{}},"
    "'Volumes':{'/data':{},'/var/log':{}},"
    "'Labels':{'io.berth.volume./data':'ro'}");

static void
test_defaults(void)
{
	struct pod_manifest m;
	struct image_config c;
	struct error e = ERROR_INIT;
	struct pod_app *a;
	json_t *j1, *j2;

	CHECK(cfg_sq(defaults_config, &c, &e) == 0);
	CHECK(parse_sq(MAN("'apps':[{'name':'web','image':{'name':'b'},"
	    "'app':{'environment':[{'name':'B','value':'9'},{'name':'C',"
	    "'value':'3'}],'ports':[{'name':'web','protocol':'tcp','port':"
	    "80}]}},{'name':'bare','image':{'name':'b'}}]"), &m, &e) == 0);
	a = &m.apps[0];
	CHECK(podspec_app_defaults(a, &c, &e) == 0);
	CHECK(a->nexec == 3);
	if (a->nexec == 3) {
		CHECK_STREQ(a->exec[0], "/bin/sh");
		CHECK_STREQ(a->exec[1], "-c");
		CHECK_STREQ(a->exec[2], "echo hi");
	}
	CHECK_STREQ(a->user, "www");
	CHECK_STREQ(a->group, "staff");
	CHECK_STREQ(a->workdir, "/srv");
	/* The image's order, the manifest's values, then its additions. */
	CHECK(a->nenv == 4);
	if (a->nenv == 4) {
		CHECK_STREQ(a->env[0].name, "PATH");
		CHECK_STREQ(a->env[1].name, "A");
		CHECK_STREQ(a->env[1].value, "1");
		CHECK_STREQ(a->env[2].name, "B");
		CHECK_STREQ(a->env[2].value, "9");
		CHECK_STREQ(a->env[3].name, "C");
	}
	/* The manifest's "web" covers tcp 80; udp 53 comes from the image. */
	CHECK(a->nports == 2);
	if (a->nports == 2) {
		CHECK_STREQ(a->ports[0].name, "web");
		CHECK_STREQ(a->ports[1].name, "udp-53");
	}
	CHECK(a->nmountpoints == 2);
	if (a->nmountpoints == 2) {
		CHECK_STREQ(a->mountpoints[0].name, "data");
		CHECK_STREQ(a->mountpoints[0].path, "/data");
		CHECK(a->mountpoints[0].readonly);
		CHECK_STREQ(a->mountpoints[1].name, "var-log");
		CHECK(!a->mountpoints[1].readonly);
	}
	CHECK(a->has_app);

	/* Idempotent: a second pass changes nothing. */
	j1 = podspec_to_json(&m);
	CHECK(podspec_app_defaults(a, &c, &e) == 0);
	j2 = podspec_to_json(&m);
	CHECK(json_equal(j1, j2));
	json_decref(j2);
	CHECK(podspec_app_defaults(&m.apps[1], &c, &e) == 0);
	CHECK(m.apps[1].has_app && m.apps[1].nports == 2 &&
	    m.apps[1].nenv == 3);
	json_decref(j1);
	j1 = podspec_to_json(&m);
	CHECK(podspec_app_defaults(&m.apps[1], &c, &e) == 0);
	j2 = podspec_to_json(&m);
	CHECK(json_equal(j1, j2));
	json_decref(j1);
	json_decref(j2);
	CHECK(round_trips(&m));
	podspec_release(&m);
	imgcfg_release(&c);
}

static void
check_user(const char *cfg_user, const char *man_app, const char *user,
    const char *group)
{
	struct pod_manifest m;
	struct image_config c;
	struct error e = ERROR_INIT;
	char *cfg, *man;

	cfg = xasprintf(CFG("'Cmd':['x'],'User':'%s'"), cfg_user);
	man = xasprintf(APP1(",'app':{%s}"), man_app);
	CHECK(cfg_sq(cfg, &c, &e) == 0);
	CHECK(parse_sq(man, &m, &e) == 0);
	CHECK(podspec_app_defaults(&m.apps[0], &c, &e) == 0);
	CHECK_STREQ(m.apps[0].user, user);
	if (group == NULL ? m.apps[0].group != NULL :
	    !s_eq(m.apps[0].group, group)) {
		(void)printf("# User '%s', app {%s}: group '%s'\n", cfg_user,
		    man_app, m.apps[0].group ? m.apps[0].group : "(null)");
		CHECK(!"group");
	}
	podspec_release(&m);
	imgcfg_release(&c);
	free(cfg);
	free(man);
}

static void
test_defaults_more(void)
{
	struct pod_manifest m;
	struct image_config c;
	struct error e = ERROR_INIT;
	struct pod_app *a;

	check_user("", "", "0", NULL);
	check_user("1000", "", "1000", NULL);
	check_user("u:g", "", "u", "g");
	check_user("u:", "", "u", NULL);
	check_user(":g", "", "0", "g");
	check_user("u:g", "'user':'app'", "app", NULL);
	check_user("u:g", "'group':'wheel'", "u", "wheel");
	check_user("u:g", "'user':'app','group':'wheel'", "app", "wheel");

	/* No exec anywhere. */
	CHECK(cfg_sq(CFG("'Env':['A=1']"), &c, &e) == 0);
	CHECK(parse_sq(APP1(""), &m, &e) == 0);
	CHECK(podspec_app_defaults(&m.apps[0], &c, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK_STREQ(e.msg, "app 'a': image has no Entrypoint or Cmd and the "
	    "manifest no exec");
	podspec_release(&m);
	/* The manifest's exec wins over Entrypoint + Cmd; "/" default. */
	CHECK(parse_sq(APPX("'exec':['/x']"), &m, &e) == 0);
	CHECK(podspec_app_defaults(&m.apps[0], &c, &e) == 0);
	CHECK(m.apps[0].nexec == 1);
	CHECK_STREQ(m.apps[0].workdir, "/");
	podspec_release(&m);
	imgcfg_release(&c);

	/* Cmd alone. */
	CHECK(cfg_sq(CFG("'Cmd':['/bin/true']"), &c, &e) == 0);
	CHECK(parse_sq(APP1(""), &m, &e) == 0);
	CHECK(podspec_app_defaults(&m.apps[0], &c, &e) == 0);
	CHECK(m.apps[0].nexec == 1);
	podspec_release(&m);
	imgcfg_release(&c);

	/*
	 * The manifest's mountPoint at /data covers the image's volume;
	 * one named "log" elsewhere does not take the image's /log name.
	 */
	CHECK(cfg_sq(CFG("'Cmd':['x'],'Volumes':{'/data':{},'/log':{}}"), &c,
	    &e) == 0);
	CHECK(parse_sq(APPX("'mountPoints':[{'name':'db','path':'/data'},"
	    "{'name':'log','path':'/srv/log'}]"), &m, &e) == 0);
	a = &m.apps[0];
	CHECK(podspec_app_defaults(a, &c, &e) == 0);
	CHECK(a->nmountpoints == 3);
	if (a->nmountpoints == 3) {
		CHECK_STREQ(a->mountpoints[2].path, "/log");
		CHECK(prefixed(a->mountpoints[2].name, "log-"));
		CHECK(podspec_name_valid(a->mountpoints[2].name));
	}
	CHECK(round_trips(&m));
	podspec_release(&m);
	imgcfg_release(&c);
}

/* ---- Pre-flight ---- */

static int
preflight_sq(const char *man, const char *cfg1, const char *cfg2,
    struct pod_manifest *m, struct error *e)
{
	struct image_config c[2];
	const struct image_config *cfgs[2];
	size_t i;
	int r = -1;

	(void)memset(c, 0, sizeof(c));
	if (parse_sq(man, m, e) == -1 || cfg_sq(cfg1, &c[0], e) == -1 ||
	    cfg_sq(cfg2 != NULL ? cfg2 : cfg1, &c[1], e) == -1) {
		/* The test itself is wrong: stop before using m. */
		(void)printf("# setup: %s\nBail out!\n", e->msg);
		exit(1);
	}
	for (i = 0; i < m->napps && i < 2; i++) {
		cfgs[i] = &c[i];
		if (podspec_app_defaults(&m->apps[i], &c[i], e) == -1) {
			(void)printf("# defaults: %s\n", e->msg);
			goto out;
		}
	}
	r = podspec_preflight(m, cfgs, e);
out:
	imgcfg_release(&c[0]);
	imgcfg_release(&c[1]);
	return (r);
}

#define	WEB(x)	MAN("'apps':[{'name':'web','image':{'name':'b'}" x "}]")
#define	ENVCFG	CFG("'Cmd':['x'],'Labels':{'io.berth.env.DB_URL':" \
	"'required;database URL','io.berth.env.OPT':'optional'}")
#define	VOLCFG	CFG("'Cmd':['x'],'Labels':{'io.berth.volume./data':" \
	"'required;the data'}")

static void
test_preflight_env(void)
{
	struct pod_manifest m;
	struct error e = ERROR_INIT;

	CHECK(preflight_sq(WEB(""), ENVCFG, NULL, &m, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK_STREQ(e.msg, "pod not created: app 'web': env DB_URL "
	    "(database URL) not set");
	podspec_release(&m);
	CHECK(preflight_sq(WEB(",'app':{'environment':[{'name':'DB_URL',"
	    "'value':''}]}"), ENVCFG, NULL, &m, &e) == 0);
	podspec_release(&m);
	/* The image's own Env satisfies its guard. */
	CHECK(preflight_sq(WEB(""), CFG("'Cmd':['x'],'Env':['DB_URL=x'],"
	    "'Labels':{'io.berth.env.DB_URL':'required'}"), NULL, &m,
	    &e) == 0);
	podspec_release(&m);
	/* Without a description there are no parentheses. */
	CHECK(preflight_sq(WEB(""), CFG("'Cmd':['x'],"
	    "'Labels':{'io.berth.env.DB_URL':'required'}"), NULL, &m,
	    &e) == -1);
	CHECK_STREQ(e.msg, "pod not created: app 'web': env DB_URL not set");
	podspec_release(&m);
}

static void
test_preflight_volumes(void)
{
	struct pod_manifest m;
	struct error e = ERROR_INIT;
	struct pod_volume *v;

	CHECK(preflight_sq(WEB(""), VOLCFG, NULL, &m, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK_STREQ(e.msg, "pod not created: app 'web': mountPoint 'data' "
	    "(/data, the data) has no volume");
	podspec_release(&m);

	/* A pod volume named like the mountPoint fulfils it. */
	CHECK(preflight_sq(MAN("'apps':[{'name':'web','image':{'name':'b'}}],"
	    "'volumes':[{'name':'data','kind':'host','source':'/srv'}]"),
	    VOLCFG, NULL, &m, &e) == 0);
	CHECK(m.apps[0].nmounts == 1 && m.nvolumes == 1);
	if (m.apps[0].nmounts == 1) {
		CHECK_STREQ(m.apps[0].mounts[0].volume, "data");
		CHECK_STREQ(m.apps[0].mounts[0].path, "/data");
	}
	podspec_release(&m);

	/* So does a mount of the manifest at that path. */
	CHECK(preflight_sq(MAN("'apps':[{'name':'web','image':{'name':'b'},"
	    "'mounts':[{'volume':'x','path':'/data'}]}],"
	    "'volumes':[{'name':'x','kind':'empty'}]"), VOLCFG, NULL, &m,
	    &e) == 0);
	CHECK(m.apps[0].nmounts == 1 && m.nvolumes == 1);
	podspec_release(&m);

	/*
	 * Two apps with an optional /cache: one empty volume "cache"
	 * shared by both, with the image's ZFS hints.
	 */
	CHECK(preflight_sq(MAN("'apps':[{'name':'a','image':{'name':'b'}},"
	    "{'name':'b','image':{'name':'b'}}]"), CFG("'Cmd':['x'],"
	    "'Volumes':{'/cache':{}},'Labels':{'io.berth.volume./cache':"
	    "'compression=zstd'}"), NULL, &m, &e) == 0);
	CHECK(m.nvolumes == 1);
	v = podspec_volume(&m, "cache");
	CHECK(v != NULL && v->kind == POD_VOLUME_EMPTY && v->mode == 0755 &&
	    v->uid == 0 && v->gid == 0 && !v->readonly &&
	    v->nzfs_props == 1);
	if (v != NULL && v->nzfs_props == 1)
		CHECK_STREQ(v->zfs_props[0], "compression=zstd");
	CHECK(m.apps[0].nmounts == 1 && m.apps[1].nmounts == 1);
	if (m.apps[0].nmounts == 1 && m.apps[1].nmounts == 1) {
		CHECK_STREQ(m.apps[0].mounts[0].volume, "cache");
		CHECK_STREQ(m.apps[1].mounts[0].volume, "cache");
	}
	CHECK(round_trips(&m));
	podspec_release(&m);

	/*
	 * An empty volume made for one app's optional mountPoint does not
	 * fulfil another's required one, in either order.
	 */
	CHECK(preflight_sq(MAN("'apps':[{'name':'a','image':{'name':'b'}},"
	    "{'name':'b','image':{'name':'b'}}]"), CFG("'Cmd':['x'],"
	    "'Volumes':{'/data':{}}"), VOLCFG, &m, &e) == -1);
	CHECK_STREQ(e.msg, "pod not created: app 'b': mountPoint 'data' "
	    "(/data, the data) has no volume");
	podspec_release(&m);
	CHECK(preflight_sq(MAN("'apps':[{'name':'a','image':{'name':'b'}},"
	    "{'name':'b','image':{'name':'b'}}]"), VOLCFG, CFG("'Cmd':['x'],"
	    "'Volumes':{'/data':{}}"), &m, &e) == -1);
	CHECK_STREQ(e.msg, "pod not created: app 'a': mountPoint 'data' "
	    "(/data, the data) has no volume");
	podspec_release(&m);
}

static void
test_preflight_many(void)
{
	struct pod_manifest m;
	struct error e = ERROR_INIT;

	CHECK(preflight_sq(MAN("'apps':[{'name':'web','image':{'name':'b'},"
	    "'app':{'isolators':[{'name':'os/linux/oom-score-adj',"
	    "'value':{}}]}},{'name':'db','image':{'name':'b'}}],"
	    "'isolators':[{'name':'os/unix/sysctl','value':{}}]"),
	    CFG("'Cmd':['x'],'Volumes':{'/logs':{}},'Labels':{"
	    "'io.berth.env.DB_URL':'required;database URL',"
	    "'io.berth.env.A':'required',"
	    "'io.berth.volume./data':'required;the data',"
	    "'io.berth.volume./tmp':'required'}"),
	    CFG("'Cmd':['x'],'Labels':{'io.berth.env.PASSWORD':'required'}"),
	    &m, &e) == -1);
	CHECK(e.exit == EX_CONFIG);
	CHECK_STREQ(e.msg, "pod not created: "
	    "app 'web': env A not set; "
	    "app 'web': env DB_URL (database URL) not set; "
	    "app 'web': mountPoint 'data' (/data, the data) has no volume; "
	    "app 'web': mountPoint 'tmp' (/tmp) has no volume; "
	    "app 'web': isolator 'os/linux/oom-score-adj' not supported; "
	    "app 'db': env PASSWORD not set; "
	    "isolator 'os/unix/sysctl' not supported");
	CHECK(strchr(e.msg, '\n') == NULL);
	podspec_release(&m);

	/* Without image configs only isolators are checked. */
	CHECK(parse_sq(MAN("'apps':[{'name':'a','image':{'name':'b'}}],"
	    "'isolators':[{'name':'os/unix/sysctl','value':{}}]"), &m,
	    &e) == 0);
	CHECK(podspec_preflight(&m, NULL, &e) == -1);
	CHECK_STREQ(e.msg, "pod not created: isolator 'os/unix/sysctl' not "
	    "supported");
	podspec_release(&m);
}

/* ---- kv lists ---- */

static void
test_kv(void)
{
	struct pod_kv *kv = NULL;
	size_t n = 0, i;

	podspec_kv_set(&kv, &n, "A", "1");
	podspec_kv_set(&kv, &n, "B", "2");
	podspec_kv_set(&kv, &n, "A", "3");
	CHECK(n == 2);
	CHECK_STREQ(kv[0].name, "A");
	CHECK_STREQ(kv[0].value, "3");
	CHECK_STREQ(podspec_annotation(kv, n, "B"), "2");
	CHECK(podspec_annotation(kv, n, "C") == NULL);
	CHECK(podspec_annotation(NULL, 0, "C") == NULL);
	for (i = 0; i < n; i++) {
		free(kv[i].name);
		free(kv[i].value);
	}
	free(kv);
}

int
main(void)
{
	TEST(test_names_paths);
	TEST(test_good_manifests);
	TEST(test_full_manifest);
	TEST(test_bad_manifests);
	TEST(test_list_limits);
	TEST(test_appc_examples);
	TEST(test_quantities);
	TEST(test_imgcfg_good);
	TEST(test_imgcfg_bad);
	TEST(test_volume_name);
	TEST(test_defaults);
	TEST(test_defaults_more);
	TEST(test_preflight_env);
	TEST(test_preflight_volumes);
	TEST(test_preflight_many);
	TEST(test_kv);
	return (unit_done());
}
