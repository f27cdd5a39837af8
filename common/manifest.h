/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * OCI and Docker schema2 image manifests and indexes: media types, parsing
 * with the structural checks that stop a document being read as something
 * it is not (CVE-2021-41190), platform strings and selection from an index.
 */
#ifndef COMMON_MANIFEST_H
#define COMMON_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"

struct error;

#define	MT_OCI_MANIFEST	"application/vnd.oci.image.manifest.v1+json"
#define	MT_OCI_INDEX	"application/vnd.oci.image.index.v1+json"
#define	MT_OCI_CONFIG	"application/vnd.oci.image.config.v1+json"
#define	MT_OCI_LAYER	"application/vnd.oci.image.layer.v1.tar"
#define	MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define	MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define	MT_OCI_LAYER_ND \
	"application/vnd.oci.image.layer.nondistributable.v1.tar"
#define	MT_OCI_LAYER_ND_GZIP \
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define	MT_OCI_LAYER_ND_ZSTD \
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
#define	MT_DOCKER_MANIFEST \
	"application/vnd.docker.distribution.manifest.v2+json"
#define	MT_DOCKER_LIST \
	"application/vnd.docker.distribution.manifest.list.v2+json"
#define	MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define	MT_DOCKER_LAYER	"application/vnd.docker.image.rootfs.diff.tar.gzip"
#define	MT_DOCKER_FOREIGN \
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

/* The Accept header for manifests: all four types above, OCI first. */
#define	MANIFEST_ACCEPT	MT_OCI_INDEX ", " MT_OCI_MANIFEST ", " \
	MT_DOCKER_LIST ", " MT_DOCKER_MANIFEST

/* Largest manifest or config we read (the distribution spec's 4 MiB). */
#define	MANIFEST_MAX	(4 * 1024 * 1024)

struct platform {
	char	os[32];		/* "linux", "freebsd" */
	char	arch[32];	/* "amd64", "arm64" */
	char	variant[32];	/* "v8", or "" */
};

/*
 * Parse "os/arch[/variant]", each part of [a-z0-9_]+ (EX_USAGE on error).
 * The kernel names x86_64 and aarch64 become Go's amd64 and arm64.
 */
int	platform_parse(const char *, struct platform *, struct error *);
/* Write "os/arch[/variant]" into buf (truncated to fit). */
void	platform_format(const struct platform *, char *, size_t);
/*
 * This machine's platform: os from os_name(), arch from uname(2) named the
 * Go way (x86_64 is amd64, aarch64 is arm64/v8, armv7l is arm/v7, i686 is
 * 386, ...).
 */
void	platform_host(struct platform *);
/*
 * Whether an image for have runs where want asks: same os and arch, and
 * if want has a variant, the same variant after containerd's normalisation
 * (no variant means v8 on arm64, v7 on arm, v1 on amd64).
 */
bool	platform_matches(const struct platform *, const struct platform *);
/*
 * Whether a host of platform host (platform_host()) can run an image built
 * for image (its config's os, architecture and variant): the same os, or
 * linux on freebsd (the Linuxulator); the same arch (x86_64 is amd64,
 * aarch64 is arm64), or 386 on amd64; on 32-bit arm a variant no newer
 * than the host's (no variant means v7).  Other variants (amd64/v3,
 * arm64/v8.2) are not told apart from the host's.
 */
bool	platform_runs(const struct platform *, const struct platform *);

enum layer_compression {
	LAYER_PLAIN,
	LAYER_GZIP,
	LAYER_ZSTD,
	LAYER_UNKNOWN
};

/* Compression implied by a layer media type; LAYER_UNKNOWN if not a layer. */
enum layer_compression mediatype_layer_compression(const char *);
/* The OCI index or Docker manifest list type. */
bool	mediatype_is_index(const char *);
/* The OCI image manifest or Docker schema2 manifest type. */
bool	mediatype_is_manifest(const char *);
/* The OCI or Docker image config type. */
bool	mediatype_is_config(const char *);

struct descriptor {
	char		*media_type;
	char		 digest[DIGEST_MAX];
	int64_t		 size;
	char		**urls;		/* foreign layer locations, or NULL */
	size_t		 nurls;
	bool		 has_platform;
	struct platform	 platform;
};

enum manifest_kind {
	MANIFEST_IMAGE,
	MANIFEST_INDEX
};

struct manifest {
	enum manifest_kind	 kind;
	char			*media_type;	/* effective media type */
	int			 schema_version;
	struct descriptor	 config;	/* MANIFEST_IMAGE */
	struct descriptor	*layers;
	size_t			 nlayers;
	struct descriptor	*manifests;	/* MANIFEST_INDEX */
	size_t			 nmanifests;
};

/*
 * Parse a manifest or index of len bytes (at most MANIFEST_MAX) into *m,
 * which need not be initialised.  content_type is the HTTP Content-Type
 * (parameters ignored, case folded) or NULL when reading from the store.
 * The effective media type is the mediaType member, else content_type,
 * else inferred from the structure ("manifests": OCI index; "config" and
 * "layers": OCI manifest).  Refuses with EX_DATAERR: invalid JSON,
 * schemaVersion other than 2, a mediaType member that differs from
 * content_type, an image manifest with a "manifests" member, an index with
 * "config"/"layers", a document with neither type that has both
 * (CVE-2021-41190), a Docker type without a mediaType member, missing or
 * malformed descriptors (media type grammar, digest, size outside
 * [0, 2^53], urls, platform), a config that is not an image config ("not
 * an image"), unknown layer types, more than 1000 layers or index
 * entries.  On failure *m is left zeroed.  On success the result owns its
 * strings; release it with manifest_release().
 */
int	manifest_parse(const void *, size_t, const char *, struct manifest *,
	    struct error *);
/* Free everything *m owns and zero it; safe on a zeroed struct. */
void	manifest_release(struct manifest *);

/*
 * Rewrite a parsed Docker schema 2 image manifest as an OCI image manifest
 * over the same blobs: the config and layers keep their digests and sizes,
 * their media types become the OCI ones (rootfs.diff.tar.gzip ->
 * tar+gzip, foreign -> nondistributable tar+gzip, config -> OCI config;
 * urls are kept).  The result is deterministic (compact JSON, sorted keys),
 * so the same input always gives the same digest.  *bufp is the caller's.
 * EX_DATAERR if m is not a Docker image manifest.
 */
int	manifest_docker_to_oci(const struct manifest *, char **, size_t *,
	    struct error *);

/*
 * Pick the entry of an index that matches want: os and arch exactly;
 * variant if want has one (normalised as platform_matches() does, so
 * arm64/v8 matches an arm64 entry without a variant); else the entry with
 * this host's default variant for that arch, else the first that matches.
 * Entries without a platform, for "unknown/unknown" (attestations) or of
 * a type that is not a manifest or index are never picked.  *out points
 * into m.  EX_NOINPUT "no manifest for platform 'linux/riscv64'
 * (available: linux/amd64, linux/arm64/v8)" when none matches.
 */
int	manifest_select(const struct manifest *, const struct platform *,
	    const struct descriptor **, struct error *);

/*
 * From an image config blob (OCI or Docker, at most MANIFEST_MAX bytes),
 * the layer diffIDs (rootfs.diff_ids; rootfs.type must be "layers") and
 * the platform (os and architecture required, variant optional; plat may
 * be NULL).  *diffids is an array of n strings the caller frees with
 * manifest_free_strv().  EX_DATAERR on malformed config.
 */
int	config_parse_diffids(const void *, size_t, char ***, size_t *,
	    struct platform *, struct error *);
/* Free an array of n strings; NULL is fine. */
void	manifest_free_strv(char **, size_t);

#endif /* COMMON_MANIFEST_H */
