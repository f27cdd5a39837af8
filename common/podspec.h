/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Pod manifests: the appc PodManifest (acKind "PodManifest") whose
 * apps[].image.name is an OCI reference and image.id an OCI manifest
 * digest; the defaults an app takes from its OCI image config; and the
 * guards an image declares in its labels.  Pure data: nothing here touches
 * the filesystem.
 *
 * What we read and write of a PodManifest:
 *
 *	acKind "PodManifest", acVersion "0.8.x"
 *	apps[]: name (AC Name), image {name, id, labels[]},
 *	    app {exec[], user, group, supplementaryGIDs[], workingDirectory,
 *	    environment[{name,value}], mountPoints[{name,path,readOnly}],
 *	    ports[{name,protocol,port,count,socketActivated}], isolators[]},
 *	    mounts[{volume,path}], annotations[{name,value}]
 *	    (a mount may name "mountPoint" instead of "path", as appc
 *	    before 0.8 did, if the app object declares that mountPoint)
 *	volumes[]: name, kind "empty"|"host", source (host), readOnly,
 *	    mode ("0755", empty), uid, gid (empty), and our extension
 *	    zfsProperties ["compression=lz4", ...] (empty; from labels)
 *	isolators[]: {name, value}; annotations[]: {name, value}
 *
 * Isolators understood (pod-wide or per app; per app they narrow the pod's):
 *	resource/memory	{"limit": "512M"}  k8s quantity: K M G T (10^n),
 *			Ki Mi Gi Ti (2^n), or plain bytes
 *	resource/cpu	{"limit": "500m"}  millicores ("2" = 2000m)
 *	io.berth/pids	{"limit": 512}     most processes in the pod
 *	os/linux/seccomp-retain-set, os/linux/seccomp-remove-set
 *			{"set": [...], "errno": "EPERM"}  the app's system
 *			call filter (common/sysfilter.h); one of the two
 *	os/linux/no-new-privileges  true (the default) or false
 * Others are kept (struct pod_isolator): podspec_preflight() refuses
 * them by name, podspec_unsupported() lists them.
 *
 * Pod annotations that berth reads:
 *	io.berth/hostname	the pod's hostname (pod-render sets it:
 *				--hostname, else the first 8 characters of
 *				the uuid)
 *
 * Image labels that berth reads (the guards; documented in pod-render(8)):
 *	io.berth.env.NAME	"required[;DESCRIPTION]" or
 *				"optional[;DESCRIPTION]":
 *				a required variable must be set by the
 *				manifest (or the image's own Env).
 *	io.berth.volume.PATH	"FLAGS[;DESCRIPTION]", FLAGS a comma list of
 *				required, optional, ro, compression=V,
 *				atime=on|off, recordsize=N: the image's
 *				volume at PATH (absolute) must be given a
 *				volume (required), or gets an empty one
 *				(optional, the default), mounted read-only
 *				(ro); the zfs hints apply to an empty volume
 *				made as a ZFS dataset.
 *	io.berth.devfs.N	one devfs(8) rule for the pod's /dev on
 *				FreeBSD (see common/jailspec.h), N = 0, 1, ...
 * A label of these families with a malformed value is EX_DATAERR.
 */
#ifndef COMMON_PODSPEC_H
#define COMMON_PODSPEC_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct error;

/* Longest AC Name (app, volume, mountPoint, port names) we accept. */
#define	POD_NAME_MAX	63
/* Most apps, volumes, mounts, env entries... in one manifest. */
#define	POD_LIST_MAX	1024
/* The acVersion we write. */
#define	POD_AC_VERSION	"0.8.11"
#define	POD_ANN_HOSTNAME	"io.berth/hostname"

/* An AC Name: [a-z0-9]+([-][a-z0-9]+)*, at most POD_NAME_MAX bytes. */
bool	podspec_name_valid(const char *);

/*
 * A container path: absolute, no "." or ".." components, no "//", no
 * trailing '/' (except "/" itself), no control characters (a newline
 * would corrupt mount tables), at most PATH_MAX - 1 bytes.
 */
bool	podspec_path_valid(const char *);

struct pod_kv {			/* environment, labels, annotations */
	char	*name;
	char	*value;
};

struct pod_mountpoint {		/* app.mountPoints[] */
	char	*name;
	char	*path;
	bool	 readonly;
};

struct pod_mount {		/* apps[].mounts[] */
	char	*volume;
	char	*path;
};

struct pod_port {		/* app.ports[] */
	char	*name;
	char	*protocol;	/* "tcp" or "udp" */
	int	 port;		/* 1..65535 */
	int	 count;		/* >= 1 */
	bool	 socket_activated;
};

struct pod_isolator {		/* one we do not interpret */
	char	*name;
	json_t	*value;		/* owned */
};

struct pod_limits {		/* 0: not set */
	int64_t	 memory;	/* bytes */
	int64_t	 cpu_millis;
	int64_t	 pids;
	/*
	 * The value of os/linux/seccomp-retain-set (seccomp_retain) or
	 * -remove-set, checked by sysfilter_from_isolator(), or NULL.
	 */
	json_t	*seccomp;	/* owned */
	bool	 seccomp_retain;
	bool	 has_nnp;	/* os/linux/no-new-privileges given */
	bool	 nnp;		/* its value */
	struct pod_isolator *other;
	size_t	 nother;
};

enum pod_volume_kind {
	POD_VOLUME_EMPTY,
	POD_VOLUME_HOST
};

struct pod_volume {
	char			*name;
	enum pod_volume_kind	 kind;
	char			*source;	/* host: absolute path */
	bool			 readonly;
	mode_t			 mode;		/* empty: default 0755 */
	uid_t			 uid;		/* empty: default 0 */
	gid_t			 gid;
	char			**zfs_props;	/* "prop=value", from labels */
	size_t			 nzfs_props;
};

struct pod_app {
	char			*name;
	char			*image_name;	/* OCI reference */
	char			*image_id;	/* manifest digest, or NULL */
	struct pod_kv		*image_labels;	/* image.labels (appc) */
	size_t			 nimage_labels;
	bool			 has_app;	/* an "app" object was given */
	char			**exec;		/* NULL if not given */
	size_t			 nexec;
	char			*user;		/* NULL: not given */
	char			*group;		/* NULL: the user's primary */
	gid_t			*supp_gids;
	size_t			 nsupp_gids;
	char			*workdir;	/* NULL: not given */
	struct pod_kv		*env;
	size_t			 nenv;
	struct pod_mountpoint	*mountpoints;
	size_t			 nmountpoints;
	struct pod_port		*ports;
	size_t			 nports;
	struct pod_limits	 limits;
	struct pod_mount	*mounts;
	size_t			 nmounts;
	struct pod_kv		*annotations;
	size_t			 nannotations;
};

struct pod_manifest {
	char			*ac_version;
	struct pod_app		*apps;
	size_t			 napps;
	struct pod_volume	*volumes;
	size_t			 nvolumes;
	struct pod_limits	 limits;
	struct pod_kv		*annotations;
	size_t			 nannotations;
};

/*
 * Parse and validate a pod manifest (len bytes of JSON): types and ranges
 * of every member, AC Names, container paths, OCI references and digests,
 * unique app/volume names, every mount naming a volume of the pod and a
 * mountPoint or path, host volume sources absolute, modes octal strings,
 * uids/gids in range, at least one app.  EX_DATAERR with the member's
 * place: "apps[1].app.exec: not an array of strings".  Unknown members
 * are ignored (appc allows extensions).  Release with podspec_release().
 */
int	podspec_parse(const void *, size_t, struct pod_manifest *,
	    struct error *);

/*
 * The manifest as JSON (what podspec_parse() reads back unchanged):
 * acKind, acVersion POD_AC_VERSION, every member that is set.  The caller
 * json_decref()s it.
 */
json_t	*podspec_to_json(const struct pod_manifest *);

void	podspec_release(struct pod_manifest *);

/* Find an app / volume by name, or NULL. */
struct pod_app *podspec_app(const struct pod_manifest *, const char *);
struct pod_volume *podspec_volume(const struct pod_manifest *,
	    const char *);

/* Value of an annotation, or NULL. */
const char *podspec_annotation(const struct pod_kv *, size_t, const char *);

/*
 * Set (replace or add) name=value in a kv list (environment,
 * annotations); *n grows by at most one.  Copies both strings.
 */
void	podspec_kv_set(struct pod_kv **, size_t *, const char *, const char *);

/*
 * The effective limits of an app: each of memory/cpu/pids the smaller of
 * the app's and the pod's where both are set; the seccomp and
 * no-new-privileges isolators the app's where it has them, else the
 * pod's (out->seccomp is borrowed, not a reference of its own).
 * out->other is left empty.
 */
void	podspec_limits(const struct pod_manifest *, const struct pod_app *,
	    struct pod_limits *);

/*
 * Names of isolators (pod-wide and per app) that we do not interpret,
 * each once, comma-separated, into buf (cut to fit); "" if none.  Returns
 * the count of distinct names.
 */
size_t	podspec_unsupported(const struct pod_manifest *, char *, size_t);

/*
 * The largest limits we take: 4 PiB of memory, a million CPUs.  The sum
 * over POD_LIST_MAX apps, and a cgroup's CPU quota in microseconds, stay
 * far inside int64_t.
 */
#define	PODSPEC_MEMORY_MAX	((int64_t)1 << 52)
#define	PODSPEC_CPU_MAX		((int64_t)1000 * 1000 * 1000)

/*
 * k8s quantity ("512M", "1Gi", "1000", "1.5Gi"; k is also 10^3) to bytes,
 * a fraction of a byte rounded up; -1 EX_DATAERR (also past
 * PODSPEC_MEMORY_MAX).
 */
int	podspec_parse_quantity(const char *, int64_t *, struct error *);
/*
 * cpu ("500m", "2", "0.5") to millicores; -1 EX_DATAERR, also past
 * PODSPEC_CPU_MAX and for precision finer than 1m ("0.0005", "1.5m") as
 * Kubernetes does.
 */
int	podspec_parse_cpu(const char *, int64_t *, struct error *);

/* ------------------------------------------------------------------ */
/* The OCI image config, as far as an app's defaults and guards need it. */

struct image_volume {		/* config.Volumes + io.berth.volume.PATH */
	char	*path;
	bool	 required;
	bool	 readonly;
	char	*description;	/* or NULL */
	char	**zfs_props;	/* "compression=lz4", ... */
	size_t	 nzfs_props;
};

struct image_env_guard {	/* io.berth.env.NAME */
	char	*name;
	bool	 required;
	char	*description;	/* or NULL */
};

struct image_config {
	char			*os;		/* "linux", "freebsd" */
	char			*architecture;
	char			**entrypoint;	/* NULL if unset */
	size_t			 nentrypoint;
	char			**cmd;		/* NULL if unset */
	size_t			 ncmd;
	struct pod_kv		*env;		/* config.Env split at '=' */
	size_t			 nenv;
	char			*workdir;	/* NULL if unset or "" */
	char			*user;		/* NULL if unset or "" */
	struct pod_port		*ports;		/* ExposedPorts "80/tcp" */
	size_t			 nports;
	struct image_volume	*volumes;	/* sorted by path */
	size_t			 nvolumes;
	struct image_env_guard	*env_guards;
	size_t			 nenv_guards;
	char			**devfs_rules;	/* io.berth.devfs.0, .1, ... */
	size_t			 ndevfs_rules;
	struct pod_kv		*labels;	/* all of config.Labels */
	size_t			 nlabels;
};

/*
 * Parse an OCI image config blob: os, architecture, and config.{Entrypoint,
 * Cmd, Env, WorkingDir, User, ExposedPorts, Volumes, Labels}; the guard
 * labels as described above (a label naming a volume path that Volumes
 * lacks adds that volume).  Port names are made "<proto>-<port>"
 * ("tcp-80").  EX_DATAERR naming the member or label if malformed.
 * Release with imgcfg_release().
 */
int	imgcfg_parse(const void *, size_t, struct image_config *,
	    struct error *);
void	imgcfg_release(struct image_config *);

/*
 * The AC Name a mountPoint for an image volume at path gets: the path's
 * components joined with '-', lowercased, other characters as '-',
 * repeated '-' squeezed ("/var/lib/DB_data" -> "var-lib-db-data"; "/" ->
 * "root").  buf has POD_NAME_MAX + 1 bytes; a longer name is cut and
 * given an 8-hex suffix of its path's SHA-256 so names stay unique (a
 * path without letters or digits, other than "/", is "vol-" and the
 * suffix).
 */
void	podspec_volume_name(const char *, char *);

/*
 * Fill what the app's manifest left unset from the image config:
 *	exec	Entrypoint + Cmd (EX_CONFIG "app 'x': image has no
 *		Entrypoint or Cmd and the manifest no exec" if both empty)
 *	user	User's part before ':' (default "0"); group its part after
 *		':' if any, else unset (the user's primary group)
 *	workdir	WorkingDir, default "/"
 *	env	the image's Env with the manifest's entries replacing or
 *		added to it, in the image's order then the manifest's
 *	ports	ExposedPorts not named by the manifest
 *	mountPoints  one per image volume whose path no mountPoint has,
 *		named by podspec_volume_name() (with the hash suffix if the
 *		manifest uses that name for another path), readOnly from
 *		the label
 * and set has_app.  Idempotent.
 */
int	podspec_app_defaults(struct pod_app *, const struct image_config *,
	    struct error *);

/*
 * Pre-flight of a manifest whose apps have their defaults (cfgs[i] is the
 * config of apps[i]; cfgs, or one entry, may be NULL: no image guards):
 * complete the volumes and mounts, then check guards.
 *  - every mountPoint of every app gets a mount: one the manifest gives
 *    (by mountPoint name or by path), else a volume of the pod named like
 *    the mountPoint, else, unless the image marks it required, a new
 *    empty volume of that name (mode 0755, uid/gid 0, the image's zfs
 *    hints) shared by every app that mounts the same name (such a volume
 *    never fulfils a mountPoint that another image marks required);
 *  - every mount's volume exists (the parser already checked this for the
 *    manifest's own mounts);
 *  - every required env variable of each image is set in its app's env;
 *  - no isolator we do not interpret.
 * On failure EX_CONFIG with one line naming every missing item:
 * "pod not created: app 'web': env DB_URL (database URL) not set; app
 * 'web': mountPoint 'data' (/data) has no volume; isolator
 * 'os/unix/sysctl' not supported".  The manifest may have been completed
 * partly; the caller discards it.
 */
int	podspec_preflight(struct pod_manifest *,
	    const struct image_config *const *, struct error *);

#endif /* COMMON_PODSPEC_H */
