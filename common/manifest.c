/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * OCI and Docker schema2 manifests and indexes.  The parser decides what a
 * document is from its mediaType, the Content-Type it came with, and its
 * structure, and refuses any document that could be read as two different
 * things (CVE-2021-41190).  Platforms are parsed, formatted, detected from
 * uname(2) the way Go names them, and matched with containerd's variant
 * normalisation (arm64 means arm64/v8, arm means arm/v7).
 */
#include <sys/utsname.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "common/digest.h"
#include "common/error.h"
#include "common/jsonx.h"
#include "common/manifest.h"
#include "common/platform.h"
#include "common/xalloc.h"

#define	LAYERS_MAX	1000		/* layers in a manifest, diff_ids */
#define	ENTRIES_MAX	1000		/* manifests in an index */
#define	URLS_MAX	64		/* urls of one descriptor */
#define	SIZE_LIMIT	((int64_t)1 << 53)	/* JSON's exact integers */
#define	MEDIATYPE_NAME_MAX 127		/* RFC 6838 restricted-name */
/* Docker schema 1, "+json" and "+prettyjws": refused by name. */
#define	MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+"

/* ---- Media types ---- */

static bool
mt_first(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'));
}

/* One RFC 6838 restricted-name of n bytes. */
static bool
mt_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > MEDIATYPE_NAME_MAX || !mt_first(s[0]))
		return (false);
	for (i = 1; i < n; i++)
		if (!mt_first(s[i]) && strchr("!#$&^_.+-", s[i]) == NULL)
			return (false);
	return (true);
}

/* type "/" subtype, both restricted-names, no parameters. */
static bool
mediatype_ok(const char *s)
{
	const char *slash = strchr(s, '/');

	return (slash != NULL && mt_name_ok(s, (size_t)(slash - s)) &&
	    mt_name_ok(slash + 1, strlen(slash + 1)));
}

enum layer_compression
mediatype_layer_compression(const char *mt)
{
	static const struct {
		const char		*mt;
		enum layer_compression	 c;
	} layers[] = {
		{ MT_OCI_LAYER,		LAYER_PLAIN },
		{ MT_OCI_LAYER_GZIP,	LAYER_GZIP },
		{ MT_OCI_LAYER_ZSTD,	LAYER_ZSTD },
		{ MT_OCI_LAYER_ND,	LAYER_PLAIN },
		{ MT_OCI_LAYER_ND_GZIP,	LAYER_GZIP },
		{ MT_OCI_LAYER_ND_ZSTD,	LAYER_ZSTD },
		{ MT_DOCKER_LAYER,	LAYER_GZIP },
		{ MT_DOCKER_FOREIGN,	LAYER_GZIP },
	};
	size_t i;

	if (mt == NULL)
		return (LAYER_UNKNOWN);
	for (i = 0; i < sizeof(layers) / sizeof(layers[0]); i++)
		if (strcmp(mt, layers[i].mt) == 0)
			return (layers[i].c);
	return (LAYER_UNKNOWN);
}

bool
mediatype_is_index(const char *mt)
{
	return (mt != NULL && (strcmp(mt, MT_OCI_INDEX) == 0 ||
	    strcmp(mt, MT_DOCKER_LIST) == 0));
}

bool
mediatype_is_manifest(const char *mt)
{
	return (mt != NULL && (strcmp(mt, MT_OCI_MANIFEST) == 0 ||
	    strcmp(mt, MT_DOCKER_MANIFEST) == 0));
}

bool
mediatype_is_config(const char *mt)
{
	return (mt != NULL && (strcmp(mt, MT_OCI_CONFIG) == 0 ||
	    strcmp(mt, MT_DOCKER_CONFIG) == 0));
}

static bool
mediatype_is_docker(const char *mt)
{
	return (strcmp(mt, MT_DOCKER_MANIFEST) == 0 ||
	    strcmp(mt, MT_DOCKER_LIST) == 0);
}

/* ---- Platforms ---- */

static bool
platform_word_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return (false);
	return (n > 0 && n < sizeof(((struct platform *)0)->os));
}

int
platform_parse(const char *s, struct platform *p, struct error *ep)
{
	const char *part[3];
	size_t len[3], n = 0;
	const char *c, *slash;
	char b[80];

	for (c = s;; c = slash + 1) {
		slash = strchr(c, '/');
		if (n == 3)
			goto bad;
		part[n] = c;
		len[n] = slash != NULL ? (size_t)(slash - c) : strlen(c);
		if (!platform_word_ok(part[n], len[n]))
			goto bad;
		n++;
		if (slash == NULL)
			break;
	}
	if (n < 2)
		goto bad;
	(void)memset(p, 0, sizeof(*p));
	(void)memcpy(p->os, part[0], len[0]);
	(void)memcpy(p->arch, part[1], len[1]);
	if (n == 3)
		(void)memcpy(p->variant, part[2], len[2]);
	/* The kernel's names for the two common architectures. */
	if (strcmp(p->arch, "x86_64") == 0)
		(void)snprintf(p->arch, sizeof(p->arch), "amd64");
	else if (strcmp(p->arch, "aarch64") == 0)
		(void)snprintf(p->arch, sizeof(p->arch), "arm64");
	return (0);
bad:
	return (error_set(ep, EX_USAGE, 0, "invalid platform '%s': expected "
	    "os/arch[/variant] of lowercase letters, digits and '_'",
	    error_shown(s, b, sizeof(b))));
}

void
platform_format(const struct platform *p, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%s/%s%s%s", p->os, p->arch,
	    p->variant[0] != '\0' ? "/" : "", p->variant);
}

void
platform_host(struct platform *p)
{
	static const struct {
		const char	*machine, *arch, *variant;
	} machines[] = {
		{ "x86_64",	"amd64",	"" },
		{ "amd64",	"amd64",	"" },
		{ "aarch64",	"arm64",	"v8" },
		{ "arm64",	"arm64",	"v8" },
		{ "armv8l",	"arm",		"v8" },
		{ "armv7l",	"arm",		"v7" },
		{ "armv7",	"arm",		"v7" },
		{ "arm",	"arm",		"v7" },
		{ "armv6l",	"arm",		"v6" },
		{ "armv6",	"arm",		"v6" },
		{ "armv5tel",	"arm",		"v5" },
		{ "i386",	"386",		"" },
		{ "i486",	"386",		"" },
		{ "i586",	"386",		"" },
		{ "i686",	"386",		"" },
		{ "ppc64le",	"ppc64le",	"" },
		{ "powerpc64le", "ppc64le",	"" },
		{ "ppc64",	"ppc64",	"" },
		{ "powerpc64",	"ppc64",	"" },
		{ "s390x",	"s390x",	"" },
		{ "riscv64",	"riscv64",	"" },
		{ "riscv",	"riscv64",	"" },
		{ "mips64",	"mips64",	"" },
		{ "loongarch64", "loong64",	"" },
	};
	struct utsname u;
	size_t i, o;

	(void)memset(p, 0, sizeof(*p));
	(void)snprintf(p->os, sizeof(p->os), "%s", os_name());
	if (uname(&u) == -1) {
		(void)snprintf(p->arch, sizeof(p->arch), "unknown");
		return;
	}
	for (i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		if (strcmp(u.machine, machines[i].machine) == 0) {
			(void)snprintf(p->arch, sizeof(p->arch), "%s",
			    machines[i].arch);
			(void)snprintf(p->variant, sizeof(p->variant), "%s",
			    machines[i].variant);
			return;
		}
	}
	/* Someone else's machine: its name, within the platform grammar. */
	for (i = o = 0; u.machine[i] != '\0' && o + 1 < sizeof(p->arch); i++) {
		char c = u.machine[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			p->arch[o++] = c;
		else
			p->arch[o++] = '_';
	}
	if (o == 0)
		(void)snprintf(p->arch, sizeof(p->arch), "unknown");
}

/*
 * The variant that stands for "no variant" on arch, as containerd
 * normalises: arm64 is v8, arm is v7, amd64 is v1.  Digits alone ("7")
 * get their "v".
 */
static void
variant_norm(const char *arch, const char *variant, char *out, size_t size)
{
	if (variant[0] == '\0') {
		if (strcmp(arch, "arm64") == 0)
			variant = "v8";
		else if (strcmp(arch, "arm") == 0)
			variant = "v7";
		else if (strcmp(arch, "amd64") == 0)
			variant = "v1";
	}
	if (variant[0] >= '0' && variant[0] <= '9' &&
	    (strcmp(arch, "arm") == 0 || strcmp(arch, "arm64") == 0 ||
	    strcmp(arch, "amd64") == 0))
		(void)snprintf(out, size, "v%s", variant);
	else
		(void)snprintf(out, size, "%s", variant);
}

bool
platform_matches(const struct platform *want, const struct platform *have)
{
	char a[40], b[40];

	if (strcmp(want->os, have->os) != 0 ||
	    strcmp(want->arch, have->arch) != 0)
		return (false);
	if (want->variant[0] == '\0')
		return (true);
	variant_norm(want->arch, want->variant, a, sizeof(a));
	variant_norm(have->arch, have->variant, b, sizeof(b));
	return (strcmp(a, b) == 0);
}

/* Go's name of an architecture that the kernel names otherwise. */
static const char *
arch_go(const char *arch)
{
	if (strcmp(arch, "x86_64") == 0)
		return ("amd64");
	if (strcmp(arch, "aarch64") == 0)
		return ("arm64");
	return (arch);
}

bool
platform_runs(const struct platform *host, const struct platform *image)
{
	const char *ha = arch_go(host->arch), *ia = arch_go(image->arch);
	char hv[40], iv[40];

	if (strcmp(host->os, image->os) != 0 &&
	    !(strcmp(host->os, "freebsd") == 0 &&
	    strcmp(image->os, "linux") == 0))
		return (false);
	if (strcmp(ha, "amd64") == 0 && strcmp(ia, "386") == 0)
		return (true);
	if (strcmp(ha, ia) != 0)
		return (false);
	if (strcmp(ia, "arm") != 0)
		return (true);
	/* "v5" to "v8": an older instruction set runs on a newer core. */
	variant_norm(ia, host->variant, hv, sizeof(hv));
	variant_norm(ia, image->variant, iv, sizeof(iv));
	if (hv[0] != 'v' || iv[0] != 'v')
		return (strcmp(hv, iv) == 0);
	return (atoi(iv + 1) <= atoi(hv + 1));
}

/* The variant to prefer on arch when none was asked: the host's. */
static void
variant_default(const char *arch, char *out, size_t size)
{
	struct platform h;

	platform_host(&h);
	variant_norm(arch, strcmp(h.arch, arch) == 0 ? h.variant : "", out,
	    size);
}

/* ---- Descriptors ---- */

static void
descriptor_release(struct descriptor *d)
{
	size_t i;

	free(d->media_type);
	for (i = 0; i < d->nurls; i++)
		free(d->urls[i]);
	free(d->urls);
	(void)memset(d, 0, sizeof(*d));
}

/* A platform member value: 1 to 31 bytes of [A-Za-z0-9._-]. */
static int
platform_value(const json_t *o, const char *key, bool required, char *dst,
    size_t size, struct error *ep)
{
	const char *v;
	char b[80];
	int bad = 0;
	size_t i;

	v = jsonx_string(o, key, &bad, ep);
	if (bad)
		return (-1);
	if (v == NULL) {
		if (required)
			return (error_set(ep, EX_DATAERR, 0, "missing '%s'",
			    key));
		dst[0] = '\0';
		return (0);
	}
	for (i = 0; v[i] != '\0'; i++)
		if (!mt_first(v[i]) && strchr("._-", v[i]) == NULL)
			break;
	if ((required && i == 0) || v[i] != '\0' || i >= size)
		return (error_set(ep, EX_DATAERR, 0, "invalid %s '%s'", key,
		    error_shown(v, b, sizeof(b))));
	(void)memcpy(dst, v, i + 1);
	return (0);
}

static int
parse_platform(const json_t *o, struct platform *p, struct error *ep)
{
	const json_t *v;
	int bad = 0;

	if (!json_is_object(o))
		return (error_set(ep, EX_DATAERR, 0, "expected an object, "
		    "found %s", jsonx_type_name(o)));
	(void)memset(p, 0, sizeof(*p));
	if (platform_value(o, "os", true, p->os, sizeof(p->os), ep) == -1 ||
	    platform_value(o, "architecture", true, p->arch, sizeof(p->arch),
	    ep) == -1 ||
	    platform_value(o, "variant", false, p->variant, sizeof(p->variant),
	    ep) == -1)
		return (-1);
	(void)jsonx_string(o, "os.version", &bad, ep);
	if (bad)
		return (-1);
	if ((v = json_object_get(o, "os.features")) != NULL &&
	    jsonx_check_string_array(v, 256, "os.features", ep) == -1)
		return (-1);
	if ((v = json_object_get(o, "features")) != NULL &&
	    jsonx_check_string_array(v, 256, "features", ep) == -1)
		return (-1);
	return (0);
}

/*
 * A descriptor: mediaType, digest and size required, urls and platform
 * kept, annotations and artifactType type-checked.  On failure *d holds
 * what was allocated so far; the caller releases it.
 */
static int
parse_descriptor(const json_t *o, struct descriptor *d, struct error *ep)
{
	const json_t *v;
	const char *s;
	char b[160];
	int64_t size;
	int bad = 0, r;
	size_t i, n;

	if (!json_is_object(o))
		return (error_set(ep, EX_DATAERR, 0, "expected an object, "
		    "found %s", jsonx_type_name(o)));
	s = jsonx_string(o, "mediaType", &bad, ep);
	if (bad)
		return (-1);
	if (s == NULL)
		return (error_set(ep, EX_DATAERR, 0, "missing 'mediaType'"));
	if (!mediatype_ok(s))
		return (error_set(ep, EX_DATAERR, 0, "invalid mediaType '%s'",
		    error_shown(s, b, sizeof(b))));
	d->media_type = xstrdup(s);

	s = jsonx_string(o, "digest", &bad, ep);
	if (bad)
		return (-1);
	if (s == NULL)
		return (error_set(ep, EX_DATAERR, 0, "missing 'digest'"));
	if (digest_validate(s, NULL, ep) == -1)
		return (-1);
	(void)memcpy(d->digest, s, strlen(s) + 1);

	if ((r = jsonx_int64(o, "size", 0, SIZE_LIMIT, &size, ep)) == -1)
		return (-1);
	if (r == 0)
		return (error_set(ep, EX_DATAERR, 0, "missing 'size'"));
	d->size = size;

	if ((v = json_object_get(o, "urls")) != NULL) {
		if (jsonx_check_string_array(v, URLS_MAX, "urls", ep) == -1)
			return (-1);
		if ((n = json_array_size(v)) > 0) {
			d->urls = xcalloc(n, sizeof(*d->urls));
			for (i = 0; i < n; i++) {
				s = json_string_value(json_array_get(v, i));
				if (*s == '\0')
					return (error_set(ep, EX_DATAERR, 0,
					    "'urls'[%zu]: empty", i));
				d->urls[d->nurls++] = xstrdup(s);
			}
		}
	}
	if ((v = json_object_get(o, "platform")) != NULL) {
		if (parse_platform(v, &d->platform, ep) == -1)
			return (error_wrap(ep, "platform"));
		d->has_platform = true;
	}
	if ((v = json_object_get(o, "annotations")) != NULL &&
	    jsonx_check_string_map(v, "annotations", ep) == -1)
		return (-1);
	s = jsonx_string(o, "artifactType", &bad, ep);
	if (bad)
		return (-1);
	if (s != NULL && !mediatype_ok(s))
		return (error_set(ep, EX_DATAERR, 0, "invalid artifactType "
		    "'%s'", error_shown(s, b, sizeof(b))));
	(void)jsonx_string(o, "data", &bad, ep);
	if (bad)
		return (-1);
	return (0);
}

/* The members both kinds of document may have: subject, annotations, … */
static int
check_common(const json_t *root, struct error *ep)
{
	struct descriptor subject;
	const json_t *v;
	const char *s;
	char b[160];
	int bad = 0, rv = 0;

	if ((v = json_object_get(root, "annotations")) != NULL &&
	    jsonx_check_string_map(v, "annotations", ep) == -1)
		return (-1);
	s = jsonx_string(root, "artifactType", &bad, ep);
	if (bad)
		return (-1);
	if (s != NULL && !mediatype_ok(s))
		return (error_set(ep, EX_DATAERR, 0, "invalid artifactType "
		    "'%s'", error_shown(s, b, sizeof(b))));
	if ((v = json_object_get(root, "subject")) != NULL) {
		(void)memset(&subject, 0, sizeof(subject));
		if (parse_descriptor(v, &subject, ep) == -1)
			rv = error_wrap(ep, "subject");
		descriptor_release(&subject);
	}
	return (rv);
}

/* ---- Manifests and indexes ---- */

/*
 * The media type of a Content-Type header: parameters and blanks dropped,
 * lowercased (media types are case-insensitive).  "" if nothing is left.
 */
static int
content_type_norm(const char *ct, char *out, size_t size, struct error *ep)
{
	char b[80];
	size_t i, n, o = 0;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n >= size)
		return (error_set(ep, EX_DATAERR, 0, "invalid Content-Type "
		    "'%s'", error_shown(ct, b, sizeof(b))));
	for (i = 0; i < n; i++) {
		char c = ct[i];

		out[o++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	out[o] = '\0';
	return (0);
}

static bool
content_type_generic(const char *ct)
{
	static const char *generic[] = { "application/json",
	    "application/octet-stream", "binary/octet-stream", "text/plain" };
	size_t i;

	for (i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
		if (strcmp(ct, generic[i]) == 0)
			return (true);
	return (false);
}

static int
parse_image(const json_t *root, struct manifest *m, struct error *ep)
{
	const json_t *config, *layers;
	char b[160];
	size_t i, n;
	int bad = 0;

	if (json_object_get(root, "manifests") != NULL)
		return (error_set(ep, EX_DATAERR, 0, "image manifest has a "
		    "'manifests' member: refusing an ambiguous document"));
	config = jsonx_object(root, "config", &bad, ep);
	if (bad)
		return (-1);
	if (config == NULL)
		return (error_set(ep, EX_DATAERR, 0, "image manifest has no "
		    "'config'"));
	if (parse_descriptor(config, &m->config, ep) == -1)
		return (error_wrap(ep, "config"));
	if (!mediatype_is_config(m->config.media_type))
		return (error_set(ep, EX_DATAERR, 0, "not an image: config "
		    "media type is '%s'", error_shown(m->config.media_type, b,
		    sizeof(b))));

	layers = jsonx_array(root, "layers", &bad, ep);
	if (bad)
		return (-1);
	if (layers == NULL)
		return (error_set(ep, EX_DATAERR, 0, "image manifest has no "
		    "'layers'"));
	if ((n = json_array_size(layers)) > LAYERS_MAX)
		return (error_set(ep, EX_DATAERR, 0, "%zu layers, more than "
		    "%d", n, LAYERS_MAX));
	if (n > 0)
		m->layers = xcalloc(n, sizeof(*m->layers));
	for (i = 0; i < n; i++) {
		struct descriptor *d = &m->layers[i];

		m->nlayers++;
		if (parse_descriptor(json_array_get(layers, i), d, ep) == -1)
			return (error_wrap(ep, "layers[%zu]", i));
		if (mediatype_layer_compression(d->media_type) ==
		    LAYER_UNKNOWN)
			return (error_set(ep, EX_DATAERR, 0, "layers[%zu]: "
			    "unknown layer media type '%s'", i,
			    error_shown(d->media_type, b, sizeof(b))));
	}
	m->kind = MANIFEST_IMAGE;
	return (check_common(root, ep));
}

static int
parse_index(const json_t *root, struct manifest *m, struct error *ep)
{
	const json_t *list;
	size_t i, n;
	int bad = 0;

	if (json_object_get(root, "config") != NULL ||
	    json_object_get(root, "layers") != NULL)
		return (error_set(ep, EX_DATAERR, 0, "index has a '%s' member: "
		    "refusing an ambiguous document",
		    json_object_get(root, "config") != NULL ? "config" :
		    "layers"));
	list = jsonx_array(root, "manifests", &bad, ep);
	if (bad)
		return (-1);
	if (list == NULL)
		return (error_set(ep, EX_DATAERR, 0, "index has no "
		    "'manifests'"));
	if ((n = json_array_size(list)) > ENTRIES_MAX)
		return (error_set(ep, EX_DATAERR, 0, "index has %zu entries, "
		    "more than %d", n, ENTRIES_MAX));
	if (n > 0)
		m->manifests = xcalloc(n, sizeof(*m->manifests));
	for (i = 0; i < n; i++) {
		m->nmanifests++;
		if (parse_descriptor(json_array_get(list, i),
		    &m->manifests[i], ep) == -1)
			return (error_wrap(ep, "manifests[%zu]", i));
	}
	m->kind = MANIFEST_INDEX;
	return (check_common(root, ep));
}

/*
 * The media type the document is: its mediaType, the Content-Type, which
 * must agree, or its structure when neither says.
 */
static int
effective_type(const json_t *root, const char *mt, const char *ct,
    const char **outp, struct error *ep)
{
	char b1[160], b2[160];
	bool has_m, has_cl;

	if (mt != NULL && ct != NULL && strcmp(mt, ct) != 0)
		return (error_set(ep, EX_DATAERR, 0, "mediaType '%s' "
		    "contradicts Content-Type '%s'",
		    error_shown(mt, b1, sizeof(b1)),
		    error_shown(ct, b2, sizeof(b2))));
	*outp = mt != NULL ? mt : ct;
	if (*outp != NULL)
		return (0);
	has_m = json_object_get(root, "manifests") != NULL;
	has_cl = json_object_get(root, "config") != NULL ||
	    json_object_get(root, "layers") != NULL;
	if (has_m && has_cl)
		return (error_set(ep, EX_DATAERR, 0, "no mediaType, and both "
		    "'manifests' and 'config'/'layers': refusing an ambiguous "
		    "document"));
	if (has_m)
		*outp = MT_OCI_INDEX;
	else if (json_object_get(root, "config") != NULL &&
	    json_object_get(root, "layers") != NULL)
		*outp = MT_OCI_MANIFEST;
	else
		return (error_set(ep, EX_DATAERR, 0, "no mediaType, and "
		    "neither 'manifests' nor 'config' and 'layers': not a "
		    "manifest or index"));
	return (0);
}

int
manifest_parse(const void *buf, size_t len, const char *content_type,
    struct manifest *m, struct error *ep)
{
	json_t *root;
	const char *mt, *eff = NULL;
	char ct[256], b[160];
	int64_t sv = 0;
	int bad = 0, r, rv = -1;

	(void)memset(m, 0, sizeof(*m));
	if (len > MANIFEST_MAX)
		return (error_set(ep, EX_DATAERR, 0, "manifest of %zu bytes, "
		    "more than %d", len, MANIFEST_MAX));
	if ((root = jsonx_parse(buf, len, "manifest", ep)) == NULL)
		return (-1);
	if (!json_is_object(root)) {
		error_set(ep, EX_DATAERR, 0, "manifest is a JSON %s, not an "
		    "object", jsonx_type_name(root));
		goto out;
	}
	ct[0] = '\0';
	if (content_type != NULL &&
	    content_type_norm(content_type, ct, sizeof(ct), ep) == -1)
		goto out;
	/*
	 * Some registries and static mirrors label every document with a
	 * generic type; that says nothing about what the document is, so
	 * only a specific type has to agree with the mediaType member.
	 */
	if (content_type_generic(ct))
		ct[0] = '\0';
	mt = jsonx_string(root, "mediaType", &bad, ep);
	if (bad)
		goto out;
	if (effective_type(root, mt, ct[0] != '\0' ? ct : NULL, &eff,
	    ep) == -1)
		goto out;
	if (!mediatype_is_index(eff) && !mediatype_is_manifest(eff)) {
		if (strncmp(eff, MT_DOCKER_SCHEMA1,
		    strlen(MT_DOCKER_SCHEMA1)) == 0)
			error_set(ep, EX_DATAERR, 0, "Docker schema 1 "
			    "manifests ('%s') are not supported",
			    error_shown(eff, b, sizeof(b)));
		else
			error_set(ep, EX_DATAERR, 0, "unsupported manifest "
			    "media type '%s'", error_shown(eff, b, sizeof(b)));
		goto out;
	}
	if (mediatype_is_docker(eff) && mt == NULL) {
		error_set(ep, EX_DATAERR, 0, "Docker '%s' without a mediaType "
		    "member (schema 2 requires it)", eff);
		goto out;
	}
	if ((r = jsonx_int64(root, "schemaVersion", INT64_MIN, INT64_MAX, &sv,
	    ep)) == -1)
		goto out;
	if (r == 0) {
		error_set(ep, EX_DATAERR, 0, "missing 'schemaVersion'");
		goto out;
	}
	if (sv != 2) {
		error_set(ep, EX_DATAERR, 0, "schemaVersion %lld is not "
		    "supported (only 2)", (long long)sv);
		goto out;
	}
	m->schema_version = 2;
	m->media_type = xstrdup(eff);
	if (mediatype_is_index(eff))
		rv = parse_index(root, m, ep);
	else
		rv = parse_image(root, m, ep);
out:
	json_decref(root);
	if (rv == -1)
		manifest_release(m);
	return (rv);
}

void
manifest_release(struct manifest *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->media_type);
	descriptor_release(&m->config);
	for (i = 0; i < m->nlayers; i++)
		descriptor_release(&m->layers[i]);
	free(m->layers);
	for (i = 0; i < m->nmanifests; i++)
		descriptor_release(&m->manifests[i]);
	free(m->manifests);
	(void)memset(m, 0, sizeof(*m));
}

/* An index entry that can be chosen for a platform. */
static bool
selectable(const struct descriptor *d)
{
	if (!d->has_platform)
		return (false);
	/* BuildKit's attestation manifests. */
	if (strcmp(d->platform.os, "unknown") == 0 &&
	    strcmp(d->platform.arch, "unknown") == 0)
		return (false);
	return (mediatype_is_manifest(d->media_type) ||
	    mediatype_is_index(d->media_type));
}

/* Whether an entry before i is selectable for the same platform as i. */
static bool
listed_before(const struct manifest *m, size_t i)
{
	const struct platform *p = &m->manifests[i].platform, *q;
	size_t j;

	for (j = 0; j < i; j++) {
		q = &m->manifests[j].platform;
		if (selectable(&m->manifests[j]) && strcmp(p->os, q->os) == 0 &&
		    strcmp(p->arch, q->arch) == 0 &&
		    strcmp(p->variant, q->variant) == 0)
			return (true);
	}
	return (false);
}

int
manifest_select(const struct manifest *m, const struct platform *want,
    const struct descriptor **out, struct error *ep)
{
	const struct descriptor *d, *first = NULL;
	char pref[40], have[40], w[100], avail[400], one[100];
	size_t i, o = 0;

	if (m->kind != MANIFEST_INDEX)
		return (error_set(ep, EX_SOFTWARE, 0, "manifest_select: not "
		    "an index"));
	if (want->variant[0] != '\0')
		variant_norm(want->arch, want->variant, pref, sizeof(pref));
	else
		variant_default(want->arch, pref, sizeof(pref));
	for (i = 0; i < m->nmanifests; i++) {
		d = &m->manifests[i];
		if (!selectable(d) || strcmp(d->platform.os, want->os) != 0 ||
		    strcmp(d->platform.arch, want->arch) != 0)
			continue;
		variant_norm(d->platform.arch, d->platform.variant, have,
		    sizeof(have));
		if (strcmp(have, pref) == 0) {
			*out = d;
			return (0);
		}
		if (want->variant[0] == '\0' && first == NULL)
			first = d;
	}
	if (first != NULL) {
		*out = first;
		return (0);
	}

	avail[0] = '\0';
	for (i = 0; i < m->nmanifests; i++) {
		d = &m->manifests[i];
		if (!selectable(d) || listed_before(m, i))
			continue;
		platform_format(&d->platform, one, sizeof(one));
		if (o + strlen(one) + 6 >= sizeof(avail)) {
			(void)snprintf(avail + o, sizeof(avail) - o, "%s...",
			    o > 0 ? ", " : "");
			break;
		}
		o += (size_t)snprintf(avail + o, sizeof(avail) - o, "%s%s",
		    o > 0 ? ", " : "", one);
	}
	platform_format(want, w, sizeof(w));
	return (error_set(ep, EX_NOINPUT, 0, "no manifest for platform '%s' "
	    "(available: %s)", w, o > 0 ? avail : "none"));
}

int
config_parse_diffids(const void *buf, size_t len, char ***diffidsp,
    size_t *np, struct platform *plat, struct error *ep)
{
	json_t *root;
	const json_t *rootfs, *ids;
	const char *type, *s;
	struct platform p;
	char **v = NULL, b[80];
	size_t i, n = 0;
	int bad = 0, rv = -1;

	*diffidsp = NULL;
	*np = 0;
	if (len > MANIFEST_MAX)
		return (error_set(ep, EX_DATAERR, 0, "config of %zu bytes, "
		    "more than %d", len, MANIFEST_MAX));
	if ((root = jsonx_parse(buf, len, "config", ep)) == NULL)
		return (-1);
	if (!json_is_object(root)) {
		error_set(ep, EX_DATAERR, 0, "config is a JSON %s, not an "
		    "object", jsonx_type_name(root));
		goto out;
	}
	(void)memset(&p, 0, sizeof(p));
	if (platform_value(root, "os", true, p.os, sizeof(p.os), ep) == -1 ||
	    platform_value(root, "architecture", true, p.arch, sizeof(p.arch),
	    ep) == -1 ||
	    platform_value(root, "variant", false, p.variant,
	    sizeof(p.variant), ep) == -1)
		goto out;
	rootfs = jsonx_object(root, "rootfs", &bad, ep);
	if (bad)
		goto out;
	if (rootfs == NULL) {
		error_set(ep, EX_DATAERR, 0, "missing 'rootfs'");
		goto out;
	}
	type = jsonx_string(rootfs, "type", &bad, ep);
	if (bad) {
		error_wrap(ep, "rootfs");
		goto out;
	}
	if (type == NULL || strcmp(type, "layers") != 0) {
		error_set(ep, EX_DATAERR, 0, "rootfs.type is '%s', not "
		    "'layers'",
		    type != NULL ? error_shown(type, b, sizeof(b)) : "");
		goto out;
	}
	ids = jsonx_array(rootfs, "diff_ids", &bad, ep);
	if (bad) {
		error_wrap(ep, "rootfs");
		goto out;
	}
	if (ids == NULL) {
		error_set(ep, EX_DATAERR, 0, "missing 'rootfs.diff_ids'");
		goto out;
	}
	if (json_array_size(ids) > LAYERS_MAX) {
		error_set(ep, EX_DATAERR, 0, "%zu diff_ids, more than %d",
		    json_array_size(ids), LAYERS_MAX);
		goto out;
	}
	v = xcalloc(json_array_size(ids) + 1, sizeof(*v));
	for (i = 0; i < json_array_size(ids); i++) {
		const json_t *e = json_array_get(ids, i);

		if (!json_is_string(e)) {
			error_set(ep, EX_DATAERR, 0, "rootfs.diff_ids[%zu]: "
			    "expected a string, found %s", i,
			    jsonx_type_name(e));
			goto out;
		}
		s = json_string_value(e);
		if (digest_validate(s, NULL, ep) == -1) {
			error_wrap(ep, "rootfs.diff_ids[%zu]", i);
			goto out;
		}
		v[n++] = xstrdup(s);
	}
	if (plat != NULL)
		*plat = p;
	*diffidsp = v;
	*np = n;
	v = NULL;
	rv = 0;
out:
	manifest_free_strv(v, n);
	json_decref(root);
	return (rv);
}

void
manifest_free_strv(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- Docker schema 2 to OCI ---- */

static json_t *
oci_descriptor(const struct descriptor *d, const char *mt)
{
	json_t *o, *urls;
	size_t i;

	o = json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", d->digest,
	    "size", (json_int_t)d->size);
	if (o == NULL || d->nurls == 0)
		return (o);
	urls = json_array();
	for (i = 0; i < d->nurls; i++)
		(void)json_array_append_new(urls, json_string(d->urls[i]));
	(void)json_object_set_new(o, "urls", urls);
	return (o);
}

int
manifest_docker_to_oci(const struct manifest *m, char **bufp, size_t *lenp,
    struct error *ep)
{
	json_t *root, *layers, *d;
	const char *mt;
	size_t i;

	*bufp = NULL;
	if (m->kind != MANIFEST_IMAGE || m->media_type == NULL ||
	    strcmp(m->media_type, MT_DOCKER_MANIFEST) != 0)
		return (error_set(ep, EX_DATAERR, 0, "not a Docker schema 2 "
		    "image manifest"));
	layers = json_array();
	for (i = 0; i < m->nlayers; i++) {
		mt = m->layers[i].media_type;
		if (strcmp(mt, MT_DOCKER_LAYER) == 0)
			mt = MT_OCI_LAYER_GZIP;
		else if (strcmp(mt, MT_DOCKER_FOREIGN) == 0)
			mt = MT_OCI_LAYER_ND_GZIP;
		if ((d = oci_descriptor(&m->layers[i], mt)) == NULL ||
		    json_array_append_new(layers, d) == -1) {
			json_decref(layers);
			return (error_set(ep, EX_DATAERR, 0, "layers[%zu]: "
			    "cannot rewrite", i));
		}
	}
	root = json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2,
	    "mediaType", MT_OCI_MANIFEST, "config",
	    oci_descriptor(&m->config, MT_OCI_CONFIG), "layers", layers);
	if (root == NULL)
		return (error_set(ep, EX_DATAERR, 0, "cannot rewrite the "
		    "manifest"));
	*bufp = jsonx_dump(root, lenp);
	json_decref(root);
	return (0);
}
