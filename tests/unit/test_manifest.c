/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for common/manifest.c: manifests and indexes of both families,
 * the CVE-2021-41190 refusals, descriptor checks, platforms and selection,
 * and image config diffIDs.
 */
#include <sys/utsname.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common/error.h"
#include "common/manifest.h"
#include "common/platform.h"
#include "common/xalloc.h"
#include "tests/unit/unit.h"

#define	X4(s)	s s s s
#define	X16(s)	X4(X4(s))
#define	X64(s)	X16(X4(s))
#define	DA	"sha256:" X64("a")
#define	DB	"sha256:" X64("b")
#define	DC	"sha256:" X64("c")
#define	DD	"sha256:" X64("d")
#define	DE	"sha512:" X64("e") X64("e")

#define	Q(s)	"\"" s "\""

#define	OCI_CONFIG_DESC \
	"{\"mediaType\":" Q(MT_OCI_CONFIG) ",\"digest\":" Q(DA) \
	",\"size\":1234}"

static const char oci_manifest[] =
	"{\"schemaVersion\":2,\"mediaType\":" Q(MT_OCI_MANIFEST) ","
	"\"config\":" OCI_CONFIG_DESC ","
	"\"layers\":["
	"{\"mediaType\":" Q(MT_OCI_LAYER_GZIP) ",\"digest\":" Q(DB) ","
	"\"size\":5678},"
	"{\"mediaType\":" Q(MT_OCI_LAYER_ZSTD) ",\"digest\":" Q(DE) ","
	"\"size\":0,\"annotations\":{\"a\":\"b\"}},"
	"{\"mediaType\":" Q(MT_OCI_LAYER_ND) ",\"digest\":" Q(DC) ","
	"\"size\":9007199254740992,"
	"\"urls\":[\"https://example.com/l1\",\"https://example.com/l2\"]}],"
	"\"annotations\":{\"org.opencontainers.image.created\":\"2024\"},"
	"\"subject\":{\"mediaType\":" Q(MT_OCI_MANIFEST) ",\"digest\":" Q(DD)
	",\"size\":7}}";

static const char docker_manifest[] =
	"{\"schemaVersion\":2,\"mediaType\":" Q(MT_DOCKER_MANIFEST) ","
	"\"config\":{\"mediaType\":" Q(MT_DOCKER_CONFIG) ",\"digest\":" Q(DA)
	",\"size\":1469},"
	"\"layers\":["
	"{\"mediaType\":" Q(MT_DOCKER_LAYER) ",\"digest\":" Q(DB) ","
	"\"size\":2818413},"
	"{\"mediaType\":" Q(MT_DOCKER_FOREIGN) ",\"digest\":" Q(DC) ","
	"\"size\":100,\"urls\":[\"https://mcr.microsoft.com/l\"]}]}";

#define	ENTRY(mt, d, plat) \
	"{\"mediaType\":" Q(mt) ",\"digest\":" Q(d) ",\"size\":500" plat "}"
#define	PLAT(os, arch) \
	",\"platform\":{\"os\":" Q(os) ",\"architecture\":" Q(arch) "}"
#define	PLATV(os, arch, v) \
	",\"platform\":{\"os\":" Q(os) ",\"architecture\":" Q(arch) \
	",\"variant\":" Q(v) "}"

static const char oci_index[] =
	"{\"schemaVersion\":2,\"mediaType\":" Q(MT_OCI_INDEX) ","
	"\"manifests\":["
	ENTRY(MT_OCI_MANIFEST, DA, PLAT("linux", "amd64")) ","
	ENTRY(MT_OCI_MANIFEST, DB, PLAT("linux", "arm64")) ","
	ENTRY(MT_OCI_MANIFEST, DC, PLATV("linux", "arm", "v7")) ","
	ENTRY(MT_OCI_MANIFEST, DD, PLATV("linux", "arm", "v6")) ","
	ENTRY(MT_OCI_MANIFEST, DE, PLAT("unknown", "unknown")) ","
	ENTRY(MT_OCI_MANIFEST, DA, "") ","
	ENTRY("application/vnd.example.sig", DB, PLAT("linux", "riscv64"))
	"],\"annotations\":{\"k\":\"v\"}}";

static const char docker_list[] =
	"{\"schemaVersion\":2,\"mediaType\":" Q(MT_DOCKER_LIST) ","
	"\"manifests\":["
	ENTRY(MT_DOCKER_MANIFEST, DA, PLAT("linux", "amd64")) ","
	ENTRY(MT_DOCKER_MANIFEST, DB, PLATV("linux", "arm64", "v8")) "]}";

/* Parse s; on success return true with *m filled. */
static bool
parse(const char *s, const char *ct, struct manifest *m)
{
	struct error e = ERROR_INIT;

	if (manifest_parse(s, strlen(s), ct, m, &e) == 0)
		return (true);
	(void)printf("# manifest_parse: %s\n", e.msg);
	return (false);
}

/* s must be refused with EX_DATAERR, a message with frag, *m zeroed. */
static bool
refused(const char *s, const char *ct, const char *frag)
{
	static const struct manifest zero;
	struct error e = ERROR_INIT;
	struct manifest m;

	(void)memset(&m, 0x55, sizeof(m));
	if (manifest_parse(s, strlen(s), ct, &m, &e) == 0) {
		(void)printf("# accepted: want '%s'\n", frag);
		manifest_release(&m);
		return (false);
	}
	if (e.exit != EX_DATAERR || strstr(e.msg, frag) == NULL ||
	    memcmp(&m, &zero, sizeof(m)) != 0) {
		(void)printf("# got '%s' (exit %d), want '%s'\n", e.msg,
		    e.exit, frag);
		return (false);
	}
	return (true);
}

static void
oci_manifest_valid(void)
{
	struct manifest m;

	CHECK(parse(oci_manifest, NULL, &m));
	CHECK(m.kind == MANIFEST_IMAGE);
	CHECK_STREQ(m.media_type, MT_OCI_MANIFEST);
	CHECK(m.schema_version == 2);
	CHECK_STREQ(m.config.media_type, MT_OCI_CONFIG);
	CHECK_STREQ(m.config.digest, DA);
	CHECK(m.config.size == 1234);
	CHECK(m.nlayers == 3 && m.nmanifests == 0 && m.manifests == NULL);
	if (m.nlayers == 3) {
		CHECK_STREQ(m.layers[0].digest, DB);
		CHECK(m.layers[0].size == 5678);
		CHECK(m.layers[0].urls == NULL && m.layers[0].nurls == 0);
		CHECK_STREQ(m.layers[1].digest, DE);
		CHECK(m.layers[1].size == 0);
		CHECK(m.layers[2].size == 9007199254740992LL);
		CHECK(m.layers[2].nurls == 2);
		if (m.layers[2].nurls == 2)
			CHECK_STREQ(m.layers[2].urls[1],
			    "https://example.com/l2");
		CHECK(mediatype_layer_compression(m.layers[0].media_type) ==
		    LAYER_GZIP);
		CHECK(mediatype_layer_compression(m.layers[1].media_type) ==
		    LAYER_ZSTD);
		CHECK(mediatype_layer_compression(m.layers[2].media_type) ==
		    LAYER_PLAIN);
	}
	manifest_release(&m);
	CHECK(m.media_type == NULL && m.layers == NULL && m.nlayers == 0);
	manifest_release(&m);

	/* A Content-Type that agrees, with parameters and other case. */
	CHECK(parse(oci_manifest, MT_OCI_MANIFEST, &m));
	manifest_release(&m);
	CHECK(parse(oci_manifest, " Application/VND.oci.image.manifest.v1+json"
	    " ; charset=utf-8", &m));
	CHECK_STREQ(m.media_type, MT_OCI_MANIFEST);
	manifest_release(&m);
}

static void
docker_manifest_valid(void)
{
	struct manifest m;

	CHECK(parse(docker_manifest, MT_DOCKER_MANIFEST, &m));
	CHECK(m.kind == MANIFEST_IMAGE);
	CHECK_STREQ(m.media_type, MT_DOCKER_MANIFEST);
	CHECK_STREQ(m.config.media_type, MT_DOCKER_CONFIG);
	CHECK(m.nlayers == 2);
	if (m.nlayers == 2) {
		CHECK(mediatype_layer_compression(m.layers[0].media_type) ==
		    LAYER_GZIP);
		CHECK_STREQ(m.layers[1].media_type, MT_DOCKER_FOREIGN);
		CHECK(m.layers[1].nurls == 1);
	}
	manifest_release(&m);
	CHECK(parse(docker_manifest, NULL, &m));
	manifest_release(&m);
}

static void
indexes_valid(void)
{
	struct manifest m;

	CHECK(parse(oci_index, NULL, &m));
	CHECK(m.kind == MANIFEST_INDEX);
	CHECK_STREQ(m.media_type, MT_OCI_INDEX);
	CHECK(m.nmanifests == 7 && m.nlayers == 0 && m.config.media_type ==
	    NULL);
	if (m.nmanifests == 7) {
		CHECK(m.manifests[0].has_platform);
		CHECK_STREQ(m.manifests[0].platform.os, "linux");
		CHECK_STREQ(m.manifests[0].platform.arch, "amd64");
		CHECK_STREQ(m.manifests[2].platform.variant, "v7");
		CHECK(!m.manifests[5].has_platform);
	}
	manifest_release(&m);

	CHECK(parse(docker_list, MT_DOCKER_LIST, &m));
	CHECK(m.kind == MANIFEST_INDEX && m.nmanifests == 2);
	CHECK_STREQ(m.media_type, MT_DOCKER_LIST);
	manifest_release(&m);

	/* An empty index is an index. */
	CHECK(parse("{\"schemaVersion\":2,\"manifests\":[]}", NULL, &m));
	CHECK(m.kind == MANIFEST_INDEX && m.nmanifests == 0);
	manifest_release(&m);
}

static void
inferred_types(void)
{
	struct manifest m;

	CHECK(parse("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC
	    ",\"layers\":[]}", NULL, &m));
	CHECK(m.kind == MANIFEST_IMAGE);
	CHECK_STREQ(m.media_type, MT_OCI_MANIFEST);
	manifest_release(&m);
	CHECK(parse("{\"schemaVersion\":2,\"manifests\":["
	    ENTRY(MT_OCI_MANIFEST, DA, PLAT("linux", "amd64")) "]}", NULL, &m));
	CHECK(m.kind == MANIFEST_INDEX);
	CHECK_STREQ(m.media_type, MT_OCI_INDEX);
	manifest_release(&m);
	/* From the Content-Type alone. */
	CHECK(parse("{\"schemaVersion\":2,\"manifests\":[]}", MT_OCI_INDEX,
	    &m));
	CHECK_STREQ(m.media_type, MT_OCI_INDEX);
	manifest_release(&m);
	CHECK(refused("{\"schemaVersion\":2}", NULL,
	    "neither 'manifests' nor"));
	CHECK(refused("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC "}",
	    NULL, "neither"));
}

/* Every way of making one document read as two things is refused. */
static void
cve_2021_41190(void)
{
	static const char both_doc[] =
	    "{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC ","
	    "\"layers\":[],\"manifests\":[]}";

	/* An index that also carries a manifest's members. */
	CHECK(refused("{\"schemaVersion\":2,\"mediaType\":" Q(MT_OCI_INDEX)
	    ",\"manifests\":[],\"layers\":[]}", NULL,
	    "index has a 'layers' member"));
	CHECK(refused("{\"schemaVersion\":2,\"mediaType\":" Q(MT_OCI_INDEX)
	    ",\"manifests\":[],\"config\":" OCI_CONFIG_DESC "}", NULL,
	    "index has a 'config' member"));
	CHECK(refused("{\"schemaVersion\":2,\"mediaType\":" Q(MT_DOCKER_LIST)
	    ",\"manifests\":[],\"layers\":[]}", NULL, "'layers' member"));
	/* A manifest that also carries an index's. */
	CHECK(refused("{\"schemaVersion\":2,\"mediaType\":"
	    Q(MT_OCI_MANIFEST) ",\"config\":" OCI_CONFIG_DESC ","
	    "\"layers\":[],\"manifests\":[]}", NULL,
	    "image manifest has a 'manifests' member"));
	CHECK(refused("{\"schemaVersion\":2,\"mediaType\":"
	    Q(MT_DOCKER_MANIFEST) ",\"config\":{\"mediaType\":"
	    Q(MT_DOCKER_CONFIG) ",\"digest\":" Q(DA) ",\"size\":1},"
	    "\"layers\":[],\"manifests\":[]}", NULL, "'manifests' member"));
	/* Neither says, and the structure says both. */
	CHECK(refused(both_doc, NULL, "no mediaType, and both"));
	CHECK(refused("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC ","
	    "\"manifests\":[]}", NULL, "no mediaType, and both"));
	/* The Content-Type says one thing, the structure another. */
	CHECK(refused(both_doc, MT_OCI_INDEX, "index has a 'config' member"));
	CHECK(refused(both_doc, MT_OCI_MANIFEST, "'manifests' member"));
	CHECK(refused("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC ","
	    "\"layers\":[]}", MT_OCI_INDEX, "index has a 'config' member"));
	CHECK(refused("{\"schemaVersion\":2,\"manifests\":[]}",
	    MT_OCI_MANIFEST, "'manifests' member"));
	/* The mediaType member and the Content-Type disagree. */
	CHECK(refused(oci_manifest, MT_OCI_INDEX, "mediaType '" MT_OCI_MANIFEST
	    "' contradicts Content-Type '" MT_OCI_INDEX "'"));
	CHECK(refused(oci_index, MT_OCI_MANIFEST, "contradicts Content-Type"));
	CHECK(refused(oci_index, MT_DOCKER_LIST, "contradicts Content-Type"));
	CHECK(refused(docker_manifest, MT_OCI_MANIFEST, "contradicts"));
	CHECK(refused(docker_manifest, MT_OCI_INDEX "; charset=utf-8",
	    "contradicts Content-Type '" MT_OCI_INDEX "'"));
}

/*
 * A generic Content-Type says nothing about the document: the mediaType
 * member, or failing that the structure, decides, and the structural
 * checks still apply.
 */
static void
generic_content_type(void)
{
	struct manifest m;

	CHECK(parse(docker_manifest, "application/json", &m));
	CHECK_STREQ(m.media_type, MT_DOCKER_MANIFEST);
	manifest_release(&m);
	CHECK(parse(oci_index, "application/octet-stream", &m));
	CHECK_STREQ(m.media_type, MT_OCI_INDEX);
	manifest_release(&m);
	CHECK(refused("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC ","
	    "\"layers\":[],\"manifests\":[]}", "text/plain",
	    "no mediaType, and both"));
}

/* A Docker manifest rewritten as OCI names the same blobs. */
static void
docker_to_oci(void)
{
	struct error e = ERROR_INIT;
	struct manifest m, o;
	char *buf = NULL, *again = NULL;
	size_t len = 0, len2 = 0;

	CHECK(parse(docker_manifest, MT_DOCKER_MANIFEST, &m));
	CHECK(manifest_docker_to_oci(&m, &buf, &len, &e) == 0);
	CHECK(buf != NULL && strlen(buf) == len);
	CHECK(parse(buf, MT_OCI_MANIFEST, &o));
	CHECK_STREQ(o.config.media_type, MT_OCI_CONFIG);
	CHECK_STREQ(o.config.digest, DA);
	CHECK(o.config.size == 1469);
	CHECK(o.nlayers == 2);
	if (o.nlayers == 2) {
		CHECK_STREQ(o.layers[0].media_type, MT_OCI_LAYER_GZIP);
		CHECK_STREQ(o.layers[0].digest, DB);
		CHECK(o.layers[0].size == 2818413);
		CHECK_STREQ(o.layers[1].media_type, MT_OCI_LAYER_ND_GZIP);
		CHECK(o.layers[1].nurls == 1);
	}
	/* Deterministic: the same input gives the same bytes. */
	CHECK(manifest_docker_to_oci(&m, &again, &len2, &e) == 0);
	CHECK(len == len2 && again != NULL && memcmp(buf, again, len) == 0);
	manifest_release(&o);
	free(buf);
	free(again);
	/* Only Docker image manifests are rewritten. */
	CHECK(manifest_docker_to_oci(&o, &buf, &len, &e) == -1);
	manifest_release(&m);
	CHECK(parse(oci_manifest, NULL, &m));
	CHECK(manifest_docker_to_oci(&m, &buf, &len, &e) == -1);
	CHECK(e.exit == EX_DATAERR && buf == NULL);
	manifest_release(&m);
}

static void
bad_documents(void)
{
	char *big;

	CHECK(refused("", NULL, "'manifest': not valid JSON"));
	CHECK(refused("{\"schemaVersion\":2,", NULL, "not valid JSON"));
	CHECK(refused("{\"schemaVersion\":2,\"schemaVersion\":2,"
	    "\"manifests\":[]}", NULL, "duplicate"));
	CHECK(refused("{\"schemaVersion\":2,\"manifests\":[]} x", NULL,
	    "not valid JSON"));
	CHECK(refused("[1,2]", NULL,
	    "manifest is a JSON array, not an object"));
	CHECK(refused("{\"schemaVersion\":2,\"mediaType\":7,\"manifests\":[]}",
	    NULL, "'mediaType': expected a string, found integer"));
	/* Versions. */
	CHECK(refused("{\"manifests\":[]}", NULL, "missing 'schemaVersion'"));
	CHECK(refused("{\"schemaVersion\":1,\"manifests\":[]}", NULL,
	    "schemaVersion 1 is not supported"));
	CHECK(refused("{\"schemaVersion\":\"2\",\"manifests\":[]}", NULL,
	    "'schemaVersion': expected an integer, found string"));
	CHECK(refused("{\"schemaVersion\":2.0,\"manifests\":[]}", NULL,
	    "expected an integer, found real"));
	/* Types we do not read. */
	CHECK(refused("{\"schemaVersion\":1,\"mediaType\":"
	    "\"application/vnd.docker.distribution.manifest.v1+prettyjws\"}",
	    NULL, "Docker schema 1"));
	CHECK(refused("{\"schemaVersion\":2,\"manifests\":[]}",
	    "application/vnd.docker.distribution.manifest.v1+json",
	    "Docker schema 1"));
	CHECK(refused("{\"schemaVersion\":2,\"mediaType\":\"text/html\"}", NULL,
	    "unsupported manifest media type 'text/html'"));
	CHECK(refused("{\"schemaVersion\":2,\"manifests\":[]}",
	    MT_DOCKER_LIST, "without a mediaType member"));
	/* Structure. */
	CHECK(refused("{\"schemaVersion\":2,\"mediaType\":" Q(MT_OCI_MANIFEST)
	    ",\"layers\":[]}", NULL, "image manifest has no 'config'"));
	CHECK(refused("{\"schemaVersion\":2,\"mediaType\":" Q(MT_OCI_MANIFEST)
	    ",\"config\":" OCI_CONFIG_DESC "}", NULL, "has no 'layers'"));
	CHECK(refused("{\"schemaVersion\":2,\"mediaType\":" Q(MT_OCI_MANIFEST)
	    ",\"config\":[],\"layers\":[]}", NULL,
	    "'config': expected an object, found array"));
	CHECK(refused("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC
	    ",\"layers\":{}}", NULL, "'layers': expected an array"));
	CHECK(refused("{\"schemaVersion\":2,\"mediaType\":" Q(MT_OCI_INDEX)
	    "}", NULL, "index has no 'manifests'"));
	CHECK(refused("{\"schemaVersion\":2,\"manifests\":[7]}", NULL,
	    "manifests[0]: expected an object, found integer"));
	CHECK(refused("{\"schemaVersion\":2,\"manifests\":[],"
	    "\"annotations\":{\"a\":1}}", NULL, "value of 'a' is integer"));
	CHECK(refused("{\"schemaVersion\":2,\"manifests\":[],"
	    "\"subject\":{\"mediaType\":\"a/b\",\"size\":1}}", NULL,
	    "subject: missing 'digest'"));

	/* Larger than MANIFEST_MAX. */
	big = xmalloc(MANIFEST_MAX + 2);
	(void)memset(big, ' ', MANIFEST_MAX + 1);
	big[MANIFEST_MAX + 1] = '\0';
	CHECK(refused(big, NULL, "more than"));
	free(big);
}

/* An image manifest whose only layer is the descriptor d. */
static bool
layer_refused(const char *d, const char *frag)
{
	char doc[2048];

	(void)snprintf(doc, sizeof(doc), "{\"schemaVersion\":2,\"config\":"
	    OCI_CONFIG_DESC ",\"layers\":[%s]}", d);
	return (refused(doc, NULL, frag));
}

#define	LAYER(rest) \
	"{\"mediaType\":" Q(MT_OCI_LAYER_GZIP) ",\"digest\":" Q(DB) rest "}"

static void
bad_descriptors(void)
{
	CHECK(layer_refused(LAYER(",\"size\":-1"),
	    "layers[0]: 'size': -1 is out of range"));
	CHECK(layer_refused(LAYER(",\"size\":9007199254740993"),
	    "out of range"));
	CHECK(layer_refused(LAYER(",\"size\":\"1\""),
	    "'size': expected an integer"));
	CHECK(layer_refused(LAYER(",\"size\":1.5"), "expected an integer"));
	CHECK(layer_refused(LAYER(""), "layers[0]: missing 'size'"));
	CHECK(layer_refused("{\"mediaType\":" Q(MT_OCI_LAYER) ",\"size\":1}",
	    "layers[0]: missing 'digest'"));
	CHECK(layer_refused("{\"digest\":" Q(DB) ",\"size\":1}",
	    "missing 'mediaType'"));
	CHECK(layer_refused("{\"mediaType\":" Q(MT_OCI_LAYER) ",\"digest\":"
	    "\"sha256:" X64("B") "\",\"size\":1}",
	    "layers[0]: invalid digest 'sha256:BBBB"));
	CHECK(layer_refused("{\"mediaType\":" Q(MT_OCI_LAYER) ",\"digest\":"
	    "\"sha256:abc\",\"size\":1}", "invalid digest"));
	CHECK(layer_refused("{\"mediaType\":" Q(MT_OCI_LAYER) ",\"digest\":"
	    "\"md5:d41d8cd98f00b204e9800998ecf8427e\",\"size\":1}",
	    "unsupported digest algorithm"));
	CHECK(layer_refused("{\"mediaType\":" Q(MT_OCI_LAYER) ",\"digest\":"
	    "7,\"size\":1}", "'digest': expected a string"));
	CHECK(layer_refused("{\"mediaType\":\"application/x-foo\","
	    "\"digest\":" Q(DB) ",\"size\":1}",
	    "layers[0]: unknown layer media type 'application/x-foo'"));
	CHECK(layer_refused("{\"mediaType\":" Q(MT_OCI_MANIFEST) ","
	    "\"digest\":" Q(DB) ",\"size\":1}", "unknown layer media type"));
	/* Media type grammar (RFC 6838): no parameters, no spaces. */
	CHECK(layer_refused("{\"mediaType\":\"" MT_OCI_LAYER "; x=y\","
	    "\"digest\":" Q(DB) ",\"size\":1}", "invalid mediaType"));
	CHECK(layer_refused("{\"mediaType\":\"application\","
	    "\"digest\":" Q(DB) ",\"size\":1}", "invalid mediaType"));
	CHECK(layer_refused("{\"mediaType\":\"/x\","
	    "\"digest\":" Q(DB) ",\"size\":1}", "invalid mediaType"));
	CHECK(layer_refused("{\"mediaType\":\"a/.b\","
	    "\"digest\":" Q(DB) ",\"size\":1}", "invalid mediaType"));
	/* urls */
	CHECK(layer_refused(LAYER(",\"size\":1,\"urls\":\"http://x\""),
	    "'urls': expected an array"));
	CHECK(layer_refused(LAYER(",\"size\":1,\"urls\":[1]"),
	    "'urls'[0]: expected a string"));
	CHECK(layer_refused(LAYER(",\"size\":1,\"urls\":[\"\"]"),
	    "'urls'[0]: empty"));
	/* annotations, artifactType */
	CHECK(layer_refused(LAYER(",\"size\":1,\"annotations\":[]"),
	    "'annotations': expected an object"));
	CHECK(layer_refused(LAYER(",\"size\":1,\"annotations\":{\"a\":null}"),
	    "value of 'a' is null"));
	CHECK(layer_refused(LAYER(",\"size\":1,\"artifactType\":\"x\""),
	    "invalid artifactType"));
	/* The config must be an image config. */
	CHECK(refused("{\"schemaVersion\":2,\"mediaType\":" Q(MT_OCI_MANIFEST)
	    ",\"config\":{\"mediaType\":"
	    "\"application/vnd.cncf.helm.config.v1+json\",\"digest\":" Q(DA)
	    ",\"size\":1},\"layers\":[]}", NULL, "not an image: config media "
	    "type is 'application/vnd.cncf.helm.config.v1+json'"));
	CHECK(refused("{\"schemaVersion\":2,\"config\":{\"mediaType\":"
	    Q(MT_OCI_CONFIG) ",\"digest\":" Q(DA) ",\"size\":-5},"
	    "\"layers\":[]}", NULL, "config: 'size'"));
}

static void
bad_platforms_in_index(void)
{
	struct manifest m;
	char doc[1024];

#define	IDX(entry) \
	"{\"schemaVersion\":2,\"manifests\":[" entry "]}"
	CHECK(refused(IDX(ENTRY(MT_OCI_MANIFEST, DA,
	    ",\"platform\":{\"architecture\":\"amd64\"}")), NULL,
	    "manifests[0]: platform: missing 'os'"));
	CHECK(refused(IDX(ENTRY(MT_OCI_MANIFEST, DA,
	    ",\"platform\":{\"os\":\"linux\"}")), NULL,
	    "missing 'architecture'"));
	CHECK(refused(IDX(ENTRY(MT_OCI_MANIFEST, DA,
	    ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\","
	    "\"variant\":8}")), NULL, "'variant': expected a string"));
	CHECK(refused(IDX(ENTRY(MT_OCI_MANIFEST, DA,
	    ",\"platform\":{\"os\":\"\",\"architecture\":\"amd64\"}")), NULL,
	    "invalid os ''"));
	CHECK(refused(IDX(ENTRY(MT_OCI_MANIFEST, DA,
	    ",\"platform\":{\"os\":\"linux/x\",\"architecture\":\"amd64\"}")),
	    NULL, "invalid os 'linux/x'"));
	CHECK(refused(IDX(ENTRY(MT_OCI_MANIFEST, DA,
	    ",\"platform\":{\"os\":\"" X16("xx") "\",\"architecture\":\"a\"}")),
	    NULL, "invalid os"));
	CHECK(refused(IDX(ENTRY(MT_OCI_MANIFEST, DA,
	    ",\"platform\":[]")), NULL, "platform: expected an object"));
	CHECK(refused(IDX(ENTRY(MT_OCI_MANIFEST, DA,
	    ",\"platform\":{\"os\":\"windows\",\"architecture\":\"amd64\","
	    "\"os.features\":[1]}")), NULL, "'os.features'[0]"));
	/* Windows platforms with os.version and features are fine. */
	(void)snprintf(doc, sizeof(doc), "%s", IDX(ENTRY(MT_OCI_MANIFEST, DA,
	    ",\"platform\":{\"os\":\"windows\",\"architecture\":\"amd64\","
	    "\"os.version\":\"10.0.17763.1234\",\"os.features\":[\"win32k\"]}"
	    )));
	CHECK(parse(doc, NULL, &m));
	manifest_release(&m);
#undef IDX
}

static void
limits(void)
{
	struct manifest m;
	char *doc;
	size_t n, i, o, cap;
	static const char layer[] = LAYER(",\"size\":1");

	/* 1000 layers are fine, 1001 are not; same for index entries. */
	for (n = 1000; n <= 1001; n++) {
		cap = 200 + n * sizeof(layer) + 2 * sizeof(OCI_CONFIG_DESC);
		doc = xmalloc(cap);
		o = (size_t)snprintf(doc, cap, "{\"schemaVersion\":2,"
		    "\"config\":" OCI_CONFIG_DESC ",\"layers\":[");
		for (i = 0; i < n; i++)
			o += (size_t)snprintf(doc + o, cap - o, "%s%s",
			    i > 0 ? "," : "", layer);
		(void)snprintf(doc + o, cap - o, "]}");
		if (n == 1000) {
			CHECK(parse(doc, NULL, &m));
			CHECK(m.nlayers == 1000);
			manifest_release(&m);
		} else
			CHECK(refused(doc, NULL,
			    "1001 layers, more than 1000"));
		free(doc);

		cap = 200 + n * sizeof(layer);
		doc = xmalloc(cap);
		o = (size_t)snprintf(doc, cap, "{\"schemaVersion\":2,"
		    "\"manifests\":[");
		for (i = 0; i < n; i++)
			o += (size_t)snprintf(doc + o, cap - o, "%s%s",
			    i > 0 ? "," : "", layer);
		(void)snprintf(doc + o, cap - o, "]}");
		if (n == 1000) {
			CHECK(parse(doc, NULL, &m));
			CHECK(m.nmanifests == 1000);
			manifest_release(&m);
		} else
			CHECK(refused(doc, NULL, "1001 entries"));
		free(doc);
	}
}

static void
mediatypes(void)
{
	CHECK(mediatype_layer_compression(MT_OCI_LAYER) == LAYER_PLAIN);
	CHECK(mediatype_layer_compression(MT_OCI_LAYER_GZIP) == LAYER_GZIP);
	CHECK(mediatype_layer_compression(MT_OCI_LAYER_ZSTD) == LAYER_ZSTD);
	CHECK(mediatype_layer_compression(MT_OCI_LAYER_ND) == LAYER_PLAIN);
	CHECK(mediatype_layer_compression(MT_OCI_LAYER_ND_GZIP) == LAYER_GZIP);
	CHECK(mediatype_layer_compression(MT_OCI_LAYER_ND_ZSTD) == LAYER_ZSTD);
	CHECK(mediatype_layer_compression(MT_DOCKER_LAYER) == LAYER_GZIP);
	CHECK(mediatype_layer_compression(MT_DOCKER_FOREIGN) == LAYER_GZIP);
	CHECK(mediatype_layer_compression(MT_OCI_CONFIG) == LAYER_UNKNOWN);
	CHECK(mediatype_layer_compression("application/vnd.oci.image.layer."
	    "v1.tar+bzip2") == LAYER_UNKNOWN);
	CHECK(mediatype_layer_compression(NULL) == LAYER_UNKNOWN);
	CHECK(mediatype_is_index(MT_OCI_INDEX) &&
	    mediatype_is_index(MT_DOCKER_LIST));
	CHECK(!mediatype_is_index(MT_OCI_MANIFEST) &&
	    !mediatype_is_index(NULL));
	CHECK(mediatype_is_manifest(MT_OCI_MANIFEST) &&
	    mediatype_is_manifest(MT_DOCKER_MANIFEST));
	CHECK(!mediatype_is_manifest(MT_DOCKER_LIST));
	CHECK(mediatype_is_config(MT_OCI_CONFIG) &&
	    mediatype_is_config(MT_DOCKER_CONFIG));
	CHECK(!mediatype_is_config(MT_OCI_LAYER));
	/* The Accept header names all four document types. */
	CHECK(strstr(MANIFEST_ACCEPT, MT_DOCKER_MANIFEST) != NULL &&
	    strncmp(MANIFEST_ACCEPT, MT_OCI_INDEX, strlen(MT_OCI_INDEX)) == 0);
}

static void
platforms(void)
{
	struct error e = ERROR_INIT;
	struct platform p, q;
	char buf[100];
	static const char *badp[] = {
		"", "linux", "linux/", "/amd64", "Linux/amd64", "linux//amd64",
		"linux/amd64/", "linux/amd64/v8/x", "linux/amd-64",
		"linux/" X16("aa"), "linux/amd64 ", "linux/\x1b",
	};
	size_t i;

	CHECK(platform_parse("linux/amd64", &p, &e) == 0);
	CHECK_STREQ(p.os, "linux");
	CHECK_STREQ(p.arch, "amd64");
	CHECK_STREQ(p.variant, "");
	platform_format(&p, buf, sizeof(buf));
	CHECK_STREQ(buf, "linux/amd64");
	CHECK(platform_parse("linux/arm64/v8", &p, &e) == 0);
	CHECK_STREQ(p.variant, "v8");
	platform_format(&p, buf, sizeof(buf));
	CHECK_STREQ(buf, "linux/arm64/v8");
	CHECK(platform_parse("freebsd/riscv64", &p, &e) == 0);
	CHECK_STREQ(p.os, "freebsd");
	CHECK(platform_parse("linux/x86_64", &p, &e) == 0);
	CHECK_STREQ(p.arch, "amd64");
	CHECK(platform_parse("linux/aarch64", &p, &e) == 0);
	CHECK_STREQ(p.arch, "arm64");
	platform_format(&p, buf, 8);
	CHECK_STREQ(buf, "linux/a");
	for (i = 0; i < sizeof(badp) / sizeof(badp[0]); i++) {
		error_clear(&e);
		if (platform_parse(badp[i], &p, &e) != -1 ||
		    e.exit != EX_USAGE ||
		    strstr(e.msg, "invalid platform") == NULL) {
			(void)printf("# '%s': %s\n", badp[i], e.msg);
			CHECK(!"bad platform accepted");
		}
	}

	/* Matching with containerd's variant normalisation. */
	CHECK(platform_parse("linux/arm64/v8", &p, &e) == 0);
	CHECK(platform_parse("linux/arm64", &q, &e) == 0);
	CHECK(platform_matches(&p, &q) && platform_matches(&q, &p));
	CHECK(platform_parse("linux/arm/v7", &p, &e) == 0);
	CHECK(platform_parse("linux/arm", &q, &e) == 0);
	CHECK(platform_matches(&p, &q));
	CHECK(platform_parse("linux/arm/7", &q, &e) == 0);
	CHECK(platform_matches(&p, &q));
	CHECK(platform_parse("linux/arm/v6", &q, &e) == 0);
	CHECK(!platform_matches(&p, &q));
	CHECK(platform_parse("linux/amd64", &p, &e) == 0);
	CHECK(platform_parse("linux/amd64/v3", &q, &e) == 0);
	CHECK(platform_matches(&p, &q) && !platform_matches(&q, &p));
	CHECK(platform_parse("freebsd/amd64", &q, &e) == 0);
	CHECK(!platform_matches(&p, &q));
}

static void
host_platform(void)
{
	static const struct {
		const char	*machine, *arch, *variant;
	} known[] = {
		{ "x86_64", "amd64", "" }, { "aarch64", "arm64", "v8" },
		{ "armv7l", "arm", "v7" }, { "armv6l", "arm", "v6" },
		{ "i686", "386", "" }, { "ppc64le", "ppc64le", "" },
		{ "s390x", "s390x", "" }, { "riscv64", "riscv64", "" },
	};
	struct platform p;
	struct utsname u;
	struct error e = ERROR_INIT;
	char buf[100];
	size_t i;

	platform_host(&p);
	CHECK(p.os[0] != '\0' && p.arch[0] != '\0');
	CHECK(uname(&u) == 0);
	CHECK_STREQ(p.os, os_name());
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(u.machine, known[i].machine) == 0) {
			CHECK_STREQ(p.arch, known[i].arch);
			CHECK_STREQ(p.variant, known[i].variant);
		}
	/* What it gives can be given back to platform_parse. */
	platform_format(&p, buf, sizeof(buf));
	CHECK(platform_parse(buf, &p, &e) == 0);
}

static bool
select_ok(const struct manifest *m, const char *want, const char *digest)
{
	struct platform p;
	struct error e = ERROR_INIT;
	const struct descriptor *d = NULL;

	if (platform_parse(want, &p, &e) == -1 ||
	    manifest_select(m, &p, &d, &e) == -1) {
		(void)printf("# %s: %s\n", want, e.msg);
		return (false);
	}
	if (strcmp(d->digest, digest) != 0) {
		(void)printf("# %s: got %s\n", want, d->digest);
		return (false);
	}
	return (true);
}

static bool
select_fails(const struct manifest *m, const char *want, const char *msg)
{
	struct platform p;
	struct error e = ERROR_INIT;
	const struct descriptor *d = NULL;

	if (platform_parse(want, &p, &e) == -1)
		return (false);
	if (manifest_select(m, &p, &d, &e) == 0) {
		(void)printf("# %s: selected %s\n", want, d->digest);
		return (false);
	}
	if (e.exit != EX_NOINPUT || strcmp(e.msg, msg) != 0) {
		(void)printf("# %s: got '%s'\n", want, e.msg);
		return (false);
	}
	return (true);
}

/* Can a host run an image?  host and image as "os/arch[/variant]". */
static bool
runs(const char *host, const char *image)
{
	struct error e = ERROR_INIT;
	struct platform h, i;

	if (platform_parse(host, &h, &e) == -1 ||
	    platform_parse(image, &i, &e) == -1) {
		(void)printf("# %s\n", e.msg);
		return (false);
	}
	return (platform_runs(&h, &i));
}

static void
host_runs(void)
{
	struct platform h, i;

	/* FreeBSD runs its own images and, through the Linuxulator, Linux's. */
	CHECK(runs("freebsd/amd64", "freebsd/amd64"));
	CHECK(runs("freebsd/amd64", "linux/amd64"));
	CHECK(runs("freebsd/amd64", "linux/386"));
	CHECK(runs("freebsd/arm64", "linux/arm64/v8"));
	CHECK(!runs("freebsd/amd64", "freebsd/arm64"));
	CHECK(!runs("freebsd/amd64", "linux/arm64"));
	CHECK(!runs("freebsd/arm64", "freebsd/amd64"));
	CHECK(!runs("freebsd/amd64", "windows/amd64"));
	/* Linux runs Linux's only. */
	CHECK(runs("linux/amd64", "linux/amd64"));
	CHECK(runs("linux/amd64", "linux/amd64/v3"));
	CHECK(runs("linux/amd64", "linux/386"));
	CHECK(!runs("linux/amd64", "freebsd/amd64"));
	CHECK(!runs("linux/amd64", "linux/arm64"));
	CHECK(!runs("linux/amd64", "linux/arm/v7"));
	CHECK(!runs("linux/arm64/v8", "linux/amd64"));
	CHECK(runs("linux/arm64/v8", "linux/arm64"));
	CHECK(!runs("linux/arm64/v8", "linux/arm/v7"));
	CHECK(!runs("linux/386", "linux/amd64"));
	/* 32-bit arm: an older variant runs on a newer core. */
	CHECK(runs("linux/arm/v7", "linux/arm"));
	CHECK(runs("linux/arm/v7", "linux/arm/v6"));
	CHECK(runs("linux/arm/v7", "linux/arm/7"));
	CHECK(!runs("linux/arm/v6", "linux/arm"));
	CHECK(!runs("linux/arm/v6", "linux/arm/v7"));
	CHECK(runs("linux/arm/v6", "linux/arm/v5"));
	/* The kernel's names, as a config may carry them. */
	(void)memset(&h, 0, sizeof(h));
	(void)memset(&i, 0, sizeof(i));
	(void)snprintf(h.os, sizeof(h.os), "linux");
	(void)snprintf(h.arch, sizeof(h.arch), "amd64");
	(void)snprintf(i.os, sizeof(i.os), "linux");
	(void)snprintf(i.arch, sizeof(i.arch), "x86_64");
	CHECK(platform_runs(&h, &i));
	(void)snprintf(i.arch, sizeof(i.arch), "aarch64");
	CHECK(!platform_runs(&h, &i));
	(void)snprintf(h.arch, sizeof(h.arch), "arm64");
	CHECK(platform_runs(&h, &i));
	/* This machine runs what it is. */
	platform_host(&h);
	CHECK(platform_runs(&h, &h));
}

static void
selection(void)
{
	struct manifest m, img;
	struct platform p;
	struct error e = ERROR_INIT;
	const struct descriptor *d;

	CHECK(parse(oci_index, NULL, &m));
	CHECK(select_ok(&m, "linux/amd64", DA));
	CHECK(select_ok(&m, "linux/arm64", DB));
	CHECK(select_ok(&m, "linux/arm64/v8", DB));
	CHECK(select_ok(&m, "linux/arm/v7", DC));
	CHECK(select_ok(&m, "linux/arm/v6", DD));
	/* Attestations and entries without a platform are never picked. */
	CHECK(select_fails(&m, "unknown/unknown", "no manifest for platform "
	    "'unknown/unknown' (available: linux/amd64, linux/arm64, "
	    "linux/arm/v7, linux/arm/v6)"));
	/* Nor is an entry that is not a manifest (the riscv64 one). */
	CHECK(select_fails(&m, "linux/riscv64", "no manifest for platform "
	    "'linux/riscv64' (available: linux/amd64, linux/arm64, "
	    "linux/arm/v7, linux/arm/v6)"));
	CHECK(select_fails(&m, "linux/arm/v5", "no manifest for platform "
	    "'linux/arm/v5' (available: linux/amd64, linux/arm64, "
	    "linux/arm/v7, linux/arm/v6)"));
	CHECK(select_fails(&m, "freebsd/amd64", "no manifest for platform "
	    "'freebsd/amd64' (available: linux/amd64, linux/arm64, "
	    "linux/arm/v7, linux/arm/v6)"));
	manifest_release(&m);

	/* Docker list with arm64/v8: "linux/arm64" finds it. */
	CHECK(parse(docker_list, NULL, &m));
	CHECK(select_ok(&m, "linux/arm64", DB));
	CHECK(select_fails(&m, "linux/riscv64", "no manifest for platform "
	    "'linux/riscv64' (available: linux/amd64, linux/arm64/v8)"));
	manifest_release(&m);

	/*
	 * No variant asked: the default variant wins over the order (amd64
	 * without a variant over v3, arm/v7 over v6), else the first match.
	 */
	CHECK(parse("{\"schemaVersion\":2,\"manifests\":["
	    ENTRY(MT_OCI_MANIFEST, DA, PLATV("linux", "amd64", "v3")) ","
	    ENTRY(MT_OCI_MANIFEST, DB, PLAT("linux", "amd64")) ","
	    ENTRY(MT_OCI_MANIFEST, DC, PLATV("linux", "arm", "v5")) ","
	    ENTRY(MT_OCI_MANIFEST, DD, PLATV("linux", "arm", "v6")) ","
	    ENTRY(MT_OCI_MANIFEST, DE, PLATV("linux", "ppc64le", "power9")) ","
	    ENTRY(MT_OCI_MANIFEST, DA, PLAT("linux", "ppc64le"))
	    "]}", NULL, &m));
	CHECK(select_ok(&m, "linux/amd64", DB));
	CHECK(select_ok(&m, "linux/amd64/v3", DA));
	CHECK(select_ok(&m, "linux/ppc64le", DA));
	CHECK(select_ok(&m, "linux/ppc64le/power9", DE));
	platform_host(&p);
	if (strcmp(p.arch, "arm") != 0)
		CHECK(select_ok(&m, "linux/arm", DC));
	manifest_release(&m);

	/* Duplicates are listed once. */
	CHECK(parse("{\"schemaVersion\":2,\"manifests\":["
	    ENTRY(MT_OCI_MANIFEST, DA, PLAT("linux", "amd64")) ","
	    ENTRY(MT_OCI_MANIFEST, DB, PLAT("linux", "amd64")) ","
	    ENTRY(MT_OCI_MANIFEST, DC, PLAT("linux", "s390x")) "]}", NULL, &m));
	CHECK(select_fails(&m, "linux/arm64", "no manifest for platform "
	    "'linux/arm64' (available: linux/amd64, linux/s390x)"));
	manifest_release(&m);

	/* An index of attestations only. */
	CHECK(parse("{\"schemaVersion\":2,\"manifests\":["
	    ENTRY(MT_OCI_MANIFEST, DA, PLAT("unknown", "unknown")) "]}", NULL,
	    &m));
	CHECK(select_fails(&m, "linux/amd64", "no manifest for platform "
	    "'linux/amd64' (available: none)"));
	manifest_release(&m);

	/* Selecting in an image manifest is a bug. */
	CHECK(parse(oci_manifest, NULL, &img));
	CHECK(platform_parse("linux/amd64", &p, &e) == 0);
	CHECK(manifest_select(&img, &p, &d, &e) == -1);
	CHECK(e.exit == EX_SOFTWARE);
	manifest_release(&img);
}

static const char oci_config[] =
	"{\"created\":\"2024-01-01T00:00:00Z\",\"architecture\":\"arm64\","
	"\"variant\":\"v8\",\"os\":\"linux\",\"config\":{\"Env\":[\"A=B\"]},"
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" Q(DA) "," Q(DE) "]},"
	"\"history\":[{\"created_by\":\"x\"}]}";

static const char docker_config[] =
	"{\"architecture\":\"amd64\",\"config\":{\"Hostname\":\"\","
	"\"Cmd\":[\"/bin/sh\"],\"Image\":\"sha256:" X64("0") "\"},"
	"\"container\":\"x\",\"container_config\":null,"
	"\"docker_version\":\"20.10.7\",\"os\":\"linux\","
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" Q(DB) "]}}";

static bool
config_refused(const char *s, const char *frag)
{
	struct error e = ERROR_INIT;
	struct platform p;
	char **ids = (char **)1;
	size_t n = 99;

	if (config_parse_diffids(s, strlen(s), &ids, &n, &p, &e) == 0) {
		(void)printf("# accepted: want '%s'\n", frag);
		manifest_free_strv(ids, n);
		return (false);
	}
	if (e.exit != EX_DATAERR || strstr(e.msg, frag) == NULL ||
	    ids != NULL || n != 0) {
		(void)printf("# got '%s', want '%s'\n", e.msg, frag);
		return (false);
	}
	return (true);
}

static void
config_diffids(void)
{
	static const char empty_config[] = "{\"os\":\"linux\","
	    "\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\","
	    "\"diff_ids\":[]}}";
	struct error e = ERROR_INIT;
	struct platform p;
	char **ids = NULL;
	size_t n = 0;

	CHECK(config_parse_diffids(oci_config, strlen(oci_config), &ids, &n,
	    &p, &e) == 0);
	CHECK(n == 2);
	if (n == 2) {
		CHECK_STREQ(ids[0], DA);
		CHECK_STREQ(ids[1], DE);
	}
	CHECK_STREQ(p.os, "linux");
	CHECK_STREQ(p.arch, "arm64");
	CHECK_STREQ(p.variant, "v8");
	manifest_free_strv(ids, n);

	CHECK(config_parse_diffids(docker_config, strlen(docker_config), &ids,
	    &n, &p, &e) == 0);
	CHECK(n == 1);
	if (n == 1)
		CHECK_STREQ(ids[0], DB);
	CHECK_STREQ(p.arch, "amd64");
	CHECK_STREQ(p.variant, "");
	manifest_free_strv(ids, n);

	/* No layers at all, and no platform wanted. */
	CHECK(config_parse_diffids(empty_config, strlen(empty_config), &ids,
	    &n, NULL, &e) == 0);
	CHECK(n == 0);
	manifest_free_strv(ids, n);
	manifest_free_strv(NULL, 0);

#define	CFG(rootfs) \
	"{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":" rootfs "}"
	CHECK(config_refused(CFG("{\"type\":\"layers\",\"diff_ids\":["
	    Q(DA) ",\"sha256:x\"]}"), "rootfs.diff_ids[1]: invalid digest"));
	CHECK(config_refused(CFG("{\"type\":\"layers\",\"diff_ids\":["
	    Q(DA) ",7]}"), "rootfs.diff_ids[1]: expected a string"));
	CHECK(config_refused(CFG("{\"type\":\"layers\",\"diff_ids\":{}}"),
	    "'diff_ids': expected an array"));
	CHECK(config_refused(CFG("{\"type\":\"layers\"}"),
	    "missing 'rootfs.diff_ids'"));
	CHECK(config_refused(CFG("{\"type\":\"snapshot\",\"diff_ids\":[]}"),
	    "rootfs.type is 'snapshot', not 'layers'"));
	CHECK(config_refused(CFG("{\"diff_ids\":[]}"), "rootfs.type"));
	CHECK(config_refused(CFG("[]"), "'rootfs': expected an object"));
	CHECK(config_refused("{\"os\":\"linux\",\"architecture\":\"amd64\"}",
	    "missing 'rootfs'"));
	CHECK(config_refused("{\"architecture\":\"amd64\",\"rootfs\":"
	    "{\"type\":\"layers\",\"diff_ids\":[]}}", "missing 'os'"));
	CHECK(config_refused("{\"os\":\"linux\",\"architecture\":1,\"rootfs\":"
	    "{\"type\":\"layers\",\"diff_ids\":[]}}",
	    "'architecture': expected a string"));
	CHECK(config_refused("{\"os\":\"linux\"", "'config': not valid JSON"));
	CHECK(config_refused("\"x\"", "config is a JSON string"));
	CHECK(config_refused("{\"os\":\"linux\",\"os\":\"freebsd\"}",
	    "duplicate"));
#undef CFG
}

int
main(void)
{
	TEST(oci_manifest_valid);
	TEST(docker_manifest_valid);
	TEST(indexes_valid);
	TEST(inferred_types);
	TEST(cve_2021_41190);
	TEST(generic_content_type);
	TEST(docker_to_oci);
	TEST(bad_documents);
	TEST(bad_descriptors);
	TEST(bad_platforms_in_index);
	TEST(limits);
	TEST(mediatypes);
	TEST(platforms);
	TEST(host_platform);
	TEST(host_runs);
	TEST(selection);
	TEST(config_diffids);
	return (unit_done());
}
