/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A pod on disk, under $ROOT/pods/<uuid>/:
 *
 *	pod.json		the reified pod manifest (common/podspec.h)
 *	state.json		struct pod_state, below
 *	config.json		OCI runtime-spec config of what the pod asks
 *				(the freebsd.jail object among it)
 *	apps/<app>/rootfs	the app's root (dir copy, zfs clone mountpoint,
 *				or overlay mountpoint)
 *	apps/<app>/upper, work	overlay: the app's upper and work dirs
 *	volumes/<name>		empty volumes (dirs, or zfs mountpoints)
 *	logs/<app>.out, .err	what the app wrote
 *	lock			flock()ed by whoever changes the pod
 *	run.lock		flock()ed by pod-exec for as long as the pod
 *				runs: a pod is running iff this lock is held
 *
 * state.json (pod_state_write() writes it; keys sorted, absent means
 * empty or 0):
 *
 *	{ "seal": "hmac-sha256:<hex>",		see below
 *	  "manifest": "sha256:<hex>",		digest of pod.json's bytes
 *	  "phase": "created" | "running" | "exited",
 *	  "driver": "dir" | "overlay" | "zfs",
 *	  "zfs_dataset": "pool/berth",		zfs: the driver's dataset
 *	  "created": 1700000000, "started": 0, "finished": 0,	unix seconds
 *	  "pid": 0, "pid_start": 0,		the supervisor while running
 *	  "main_app": "web",			pod-exec --main, or absent
 *	  "apps": [ { "name": "web",		an AC Name of pod.json
 *		"image_id": "sha256:...",	its image manifest digest
 *		"chain": "sha256:...",		top chain id of the image
 *		"rootfs": "/ROOT/pods/<uuid>/apps/web/rootfs",
 *		"dataset": "pool/berth/pods/<uuid>/app-web",	zfs clone
 *		"upper": ".../apps/web/upper", "work": ".../apps/web/work",
 *		"lowerdirs": [ "/ROOT/layers/overlay/<hex>/diff", ... ],
 *						overlay, top first
 *		"os": "freebsd",		the image config's os
 *		"devfs_rules": [ "path 'bpf' unhide", ... ],
 *						the image's io.berth.devfs.N
 *		"status": 0,			exit status, once it exited
 *		"pid": 0 } ],			while running, as the
 *						supervisor sees it
 *	  "volumes": [ { "name": "data",
 *		"path": "/ROOT/pods/<uuid>/volumes/data" or a host path,
 *		"dataset": "pool/berth/pods/<uuid>/vol-data",	zfs
 *		"owned": true } ] }		an empty volume of the pod
 *
 * Readers refuse unknown phases and drivers, strings too long for struct
 * pod_state, relative paths, and an app with only some of upper, work and
 * lowerdirs (EX_DATAERR); unknown keys are ignored, so
 * that later versions may add some.
 *
 * Sealed: what pod-exec and pod-render -D do with a pod (mount a host
 * path, destroy a dataset, signal a pid) comes from these files, so
 * nothing that reaches them but berth may change them unseen.  "seal" is
 * the HMAC-SHA-256, under the root's key pods/.seal.key (32 random bytes,
 * 0600, made by the first pod-render), of "<uuid>\n" followed by the
 * state object without "seal" as compact JSON with sorted keys; it binds
 * the state to its pod.  "manifest" binds pod.json to the state.  A
 * state whose seal does not match, or a pod.json whose digest does not,
 * is EX_DATAERR, as malformed input is.
 *
 * Modes: pods/ is 0700 (pod_root_open() with create sets it), and is the
 * one gate: below it, directories are 0755 (logs/ 0750) and files 0644,
 * so that nothing needs changing when a reader is let in.  Unprivileged
 * host users must never reach a pod: a dir-driver root holds the image's
 * setuid binaries and an image's volume modes may be 0777.  mds, which
 * runs unprivileged, will be let in by group (pods/ 0710 and a group of
 * its own) when it exists; it only needs pod.json and state.json.
 *
 * A pod being created lives in pods/.tmp-<uuid> and is renamed to
 * pods/<uuid> once complete, so a pod that exists is whole; zfs clones of
 * a pod are named DATASET/pods/<uuid>/... from the start, so that a
 * killed pod-render's leftovers can be found and removed by the next one.
 */
#ifndef COMMON_POD_H
#define COMMON_POD_H

#include <sys/types.h>

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/digest.h"
#include "common/driver.h"
#include "common/podspec.h"

struct error;

#define	POD_UUID_LEN	36	/* 8-4-4-4-12 lowercase hex */

/* A fresh random (version 4) uuid into out (POD_UUID_LEN + 1 bytes). */
int	pod_uuid_new(char *, struct error *);
bool	pod_uuid_valid(const char *);

/*
 * Open $ROOT/pods (creating it if create) as a directory fd.  EX_OSERR /
 * EX_CANTCREAT.
 */
int	pod_root_open(int, bool, struct error *);

/*
 * Open pods/<uuid> (podsfd from pod_root_open()).  EX_USAGE "'x' is not a
 * pod uuid", EX_NOINPUT "no pod 'uuid'".
 */
int	pod_open(int, const char *, struct error *);

enum pod_phase {
	POD_CREATED,		/* rendered, never run */
	POD_RUNNING,		/* pod-exec runs it (run.lock held) */
	POD_EXITED		/* ran; exit statuses recorded */
};

const char *pod_phase_name(enum pod_phase);

struct pod_app_state {
	char		 name[POD_NAME_MAX + 1];
	char		 image_id[DIGEST_MAX];	/* manifest digest */
	char		 chain[DIGEST_MAX];	/* top chain id of the image */
	char		 rootfs[PATH_MAX];	/* absolute */
	char		 dataset[DRIVER_DATASET_MAX + 64];  /* zfs clone */
	char		 upper[PATH_MAX];	/* overlay */
	char		 work[PATH_MAX];	/* overlay */
	char		**lowerdirs;		/* overlay, top first */
	size_t		 nlowerdirs;
	/* From the image config, for the sandbox. */
	char		 os[16];		/* "linux", "freebsd", or "" */
	char		**devfs_rules;		/* io.berth.devfs.0, .1, ... */
	size_t		 ndevfs_rules;
	bool		 has_status;
	int		 status;		/* exit status, 126/127/128+N */
	/* While running: as the supervisor sees it (Linux: in the pod's
	 * PID namespace); 0 otherwise. */
	pid_t		 pid;
};

struct pod_volume_state {
	char		 name[POD_NAME_MAX + 1];
	char		 path[PATH_MAX];	/* absolute host path */
	char		 dataset[DRIVER_DATASET_MAX + 64];  /* zfs, or "" */
	bool		 owned;		/* empty: destroyed with the pod */
};

struct pod_state {
	char			 manifest[DIGEST_MAX];	/* of pod.json */
	enum pod_phase		 phase;
	enum driver_kind	 driver;
	char			 zfs_dataset[DRIVER_DATASET_MAX]; /* base */
	int64_t			 created;	/* unix seconds */
	int64_t			 started;	/* 0: never */
	int64_t			 finished;	/* 0: not yet */
	pid_t			 pid;		/* supervisor (host view), 0 */
	uint64_t		 pid_start;	/* sbx_proc_start_time() */
	char			 main_app[POD_NAME_MAX + 1];  /* "" */
	struct pod_app_state	*apps;
	size_t			 napps;
	struct pod_volume_state	*volumes;
	size_t			 nvolumes;
};

#define	POD_KEY_LEN	32

/* The key that seals the pods of a root (pods/.seal.key). */
struct pod_key {
	unsigned char	 k[POD_KEY_LEN];
};

/*
 * Read the key of the pods directory podsfd into *k; with create, make
 * it first if there is none (atomically: two programs that race make one
 * key).  EX_NOINPUT without one, EX_DATAERR if it is not a 0600 regular
 * file of POD_KEY_LEN bytes owned by us.
 */
int	pod_key_load(int, bool, struct pod_key *, struct error *);

/*
 * state.json of the pod directory poddirfd into *s.  EX_NOINPUT if
 * missing, EX_DATAERR if malformed or if its seal is not that of the pod
 * uuid under the key k.  k NULL reads without checking the seal: only
 * for readers that change nothing on the strength of what they read.
 * Release with pod_state_release().
 */
int	pod_state_read(int, const struct pod_key *, const char *,
	    struct pod_state *, struct error *);

/*
 * Write state.json atomically (temporary file, fsync, rename), sealed
 * for the pod uuid under the key k.
 */
int	pod_state_write(int, const struct pod_key *, const char *,
	    const struct pod_state *, struct error *);

/*
 * pod_state_check(s, root, poddir, uuid, dataset, ep): check what a state
 * says against where its pod is: app roots, upper and work directories
 * in the pod directory poddir (apps/<name>/...), lowerdirs clean paths in
 * root/layers/ (root absolute, resolved), owned volumes in
 * poddir/volumes/<name> and host volumes clean absolute paths, datasets
 * DATASET/pods/<uuid>/app-<name> and vol-<name>, and DATASET the root's
 * own (dataset; "" if the root has none).  EX_DATAERR naming the first
 * that is not.
 */
int	pod_state_check(const struct pod_state *, const char *, const char *,
	    const char *, const char *, struct error *);

/*
 * Write o as the file name of the pod directory poddirfd (pod.json,
 * config.json): indented, keys sorted, a final newline, mode 0644,
 * atomically as pod_state_write().  EX_SOFTWARE if o cannot be encoded.
 */
int	pod_write_json(int, const char *, const json_t *, struct error *);

void	pod_state_release(struct pod_state *);

struct pod_app_state *pod_state_app(struct pod_state *, const char *);

/*
 * Read and parse pod.json of poddirfd, which must be the one st names
 * (its digest).  EX_NOINPUT / EX_DATAERR.
 */
int	pod_manifest_read(int, const struct pod_state *, struct pod_manifest *,
	    struct error *);

/*
 * Write m as pod.json (as pod_write_json() does) and record its digest
 * in st, which is written after it.
 */
int	pod_manifest_write(int, const json_t *, struct pod_state *,
	    struct error *);

/*
 * Take the pod's lock ("lock") or its run lock ("run.lock"): returns the
 * lock fd (keep it open to hold the lock), or -1 with EX_TEMPFAIL when
 * wait is false and someone holds it.
 */
int	pod_lock(int, bool, struct error *);
int	pod_run_lock(int, bool, struct error *);

/* 1 if pod-exec runs the pod (its run.lock is held), 0 if not, -1. */
int	pod_is_running(int, struct error *);

#endif /* COMMON_POD_H */
