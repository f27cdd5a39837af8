/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Storage drivers: where the layers of images are materialised, one entry
 * per layer chain id (the OCI ChainID, so images sharing a base share its
 * unpacked layers).  Under $ROOT:
 *
 *	berth.conf			driver=..., zfs_dataset=... (see below)
 *	layers/dir/<hex>/rootfs		dir: the complete tree of the chain
 *	layers/overlay/<hex>/diff	overlay: the layer's diff, a lowerdir
 *	layers/<driver>/<hex>/layer.json  chainId, parent, diffId, digest, size
 *	layers/zfs/<hex>		zfs: mountpoint of DATASET/layers/<hex>
 *	layers/<driver>/.tmp-<hex>-<pid>  a chain being built
 *	locks/layer-<driver>-<hex>.lock	held while a chain is built
 *
 * dir and overlay build a chain in a temporary directory and rename it
 * into place once the layer was applied and both its digest and diffID
 * matched; zfs clones the parent's @layer snapshot (or creates the base
 * dataset), applies, sets readonly=on and takes the @layer snapshot, which
 * is what makes the chain exist.  A chain is built under its lock and its
 * existence checked again once the lock is held, so concurrent programs
 * build it once; what a killed program leaves (temporary directories,
 * datasets without @layer) is removed by driver_sweep() or by the next
 * build of that chain.  Every driver commits a chain only after its
 * parent: dir and zfs build on the committed parent, overlay builds
 * without it (so the chains of an image are built side by side) but waits
 * for it before committing, so that a failure never leaves a chain whose
 * parent is missing.
 */
#ifndef COMMON_DRIVER_H
#define COMMON_DRIVER_H

#include <sys/types.h>

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/layer.h"
#include "common/limits.h"
#include "common/manifest.h"

struct error;

enum driver_kind {
	DRIVER_DIR,
	DRIVER_OVERLAY,
	DRIVER_ZFS
};

/* Longest ZFS dataset name we accept (ZFS's own limit is 255). */
#define	DRIVER_DATASET_MAX	256

/*
 * "dir", "overlay" or "zfs" to a kind.  EX_USAGE "unknown storage driver
 * 'x' (zfs, overlay, dir)" otherwise.
 */
int	driver_kind_parse(const char *, enum driver_kind *, struct error *);
const char *driver_kind_name(enum driver_kind);

/*
 * Check a ZFS dataset name: "pool[/fs...]", components of [A-Za-z0-9_.:-]
 * not starting with '-' or '.', no '@' or '#'.  EX_USAGE naming it.
 */
int	driver_dataset_validate(const char *, struct error *);

/*
 * The chain id of a layer: diffid itself for the bottom layer (parent
 * NULL), else "sha256:" + hex(sha256(parent + " " + diffid)).  out has
 * DIGEST_MAX bytes.  EX_DATAERR if either is not a valid digest.
 */
int	driver_chain_id(const char *, const char *, char *, struct error *);

/*
 * $ROOT/berth.conf: lines "key=value", '#' comments and blank lines
 * ignored.  Keys: driver (dir, overlay, zfs), zfs_dataset, the
 * resource limits of common/limits.h (max_blob_size, max_image_size,
 * min_free_space, max_layer_size, max_layer_expansion), and devfs_unhide
 * (FreeBSD: devfs names pods' images may unhide beyond the safe set,
 * jailspec_devfs_unhide_parse()'s list).
 */
#define	DRIVER_UNHIDE_MAX	1024
struct driver_conf {
	bool			has_driver;
	enum driver_kind	driver;
	char			zfs_dataset[DRIVER_DATASET_MAX];  /* or "" */
	struct limits		limits;		/* defaults, then the file's */
	char			devfs_unhide[DRIVER_UNHIDE_MAX];  /* or "" */
};

/*
 * Read rootfd/berth.conf into *c.  Returns 1 if it was read, 0 if absent
 * (*c zeroed but for c->limits, which holds the defaults), -1 with
 * EX_CONFIG naming the line if malformed (unknown key, bad driver or
 * dataset name, bad limit, bad devfs_unhide list, line too long, file over
 * 64 KiB).  A program that enforces a limit reads it from c->limits.
 */
int	driver_conf_read(int, struct driver_conf *, struct error *);

/*
 * Write rootfd/berth.conf atomically from *c, with the limits that are on
 * and differ from the defaults (limits_format()).
 */
int	driver_conf_write(int, const struct driver_conf *, struct error *);

/*
 * The driver for a root when none was asked for: zfs when the root (open
 * as rootfd, at path root) is on a ZFS dataset that zfs(8) knows (native
 * ZFS, or a FUSE filesystem that zfs-fuse mounted there), with
 * *dataset set to that dataset, or to "<dataset>/berth" when the root is
 * only beneath its mountpoint; else overlay on Linux when privileged,
 * else dir.  dataset has DRIVER_DATASET_MAX bytes.
 */
int	driver_detect(int, const char *, bool, enum driver_kind *, char *,
	    struct error *);

struct driver;

/*
 * Open the driver kind for the root at path root (an existing directory),
 * creating layers/<driver>/ and locks/ if missing.  zfs_dataset is
 * required for DRIVER_ZFS (EX_USAGE without): the layers live in
 * zfs_dataset/layers/<hex>, mounted under root/layers/zfs; the dataset
 * (canmount=off) and its "layers" child are created if missing.
 * DRIVER_OVERLAY and DRIVER_ZFS need privilege (EX_NOPERM), overlay
 * needs Linux (EX_UNAVAILABLE).  Free with driver_close().
 */
int	driver_open(const char *, enum driver_kind, const char *,
	    struct driver **, struct error *);
void	driver_close(struct driver *);
enum driver_kind driver_kind(const struct driver *);

/*
 * Whether the driver builds a chain without its parent (overlay: each
 * chain holds only its layer's diff), so that the chains of one image may
 * be built concurrently, from several threads; such a build still commits
 * only once the parent chain is committed, waiting for its builder (and
 * failing with EX_NOINPUT if nobody commits it).  Otherwise
 * driver_create() wants the parent chain committed first.
 */
bool	driver_independent(const struct driver *);

/*
 * Remove what killed programs left behind: temporary directories, and
 * (zfs) datasets without their @layer snapshot, of chains whose lock is
 * free.  Returns the number removed, or -1.
 */
int	driver_sweep(struct driver *, struct error *);

/* 1 if the chain (a "sha256:..." chain id) is committed, 0 if not, -1. */
int	driver_exists(struct driver *, const char *, struct error *);

/* One layer to materialise on top of its (committed) parent chain. */
struct driver_layer {
	const char		*chainid;	/* this chain */
	const char		*parent;	/* parent chain, NULL: bottom */
	const char		*diffid;	/* from the image config */
	const char		*digest;	/* the blob's digest */
	enum layer_compression	 comp;		/* from the media type */
	int			 blobfd;	/* the blob, read to its end */
};

/*
 * Materialise one chain: take its lock (waiting for another builder),
 * and unless it exists by then, clear any leftover of an earlier attempt,
 * build it from the parent with layer_apply() (whiteout mode of the
 * driver, limits and privilege from lo, which may be NULL for defaults)
 * and commit it.  Returns 1 if this call built it, 0 if it existed, -1 on
 * failure with nothing committed (layer_apply()'s exit classes: EX_DATAERR
 * for a bad layer or digest mismatch; EX_NOINPUT if the parent chain is
 * missing and the driver needs it).  st (may be NULL) receives
 * layer_apply()'s statistics.  Safe to call from several threads at once
 * for different chains of an independent driver.
 */
int	driver_create(struct driver *, const struct driver_layer *,
	    const struct layer_opts *, struct layer_stats *, struct error *);

/*
 * Where a committed chain can be read, into buf (len bytes): dir, the
 * complete tree (layers/dir/<hex>/rootfs); overlay, the layer's diff
 * (layers/overlay/<hex>/diff), a lowerdir; zfs, the dataset's mountpoint.
 * EX_NOINPUT if the chain does not exist.
 */
int	driver_path(struct driver *, const char *, char *, size_t,
	    struct error *);

/*
 * zfs: "DATASET/layers/<hex>@layer" of a chain into buf; EX_UNAVAILABLE
 * for the other drivers.
 */
int	driver_snapshot(struct driver *, const char *, char *, size_t,
	    struct error *);

/*
 * The parent of a committed chain, from its metadata, into buf
 * (DIGEST_MAX bytes); "" at the bottom.  EX_NOINPUT if missing,
 * EX_DATAERR if the metadata is malformed.
 */
int	driver_parent(struct driver *, const char *, char *, struct error *);

/*
 * overlay: mount a read-only overlay of the chain (its lowerdirs, top
 * first) at layers/overlay/mnt/<hex> unless something is mounted there
 * already, and write that path into buf.  EX_UNAVAILABLE for the other
 * drivers and where there is no overlayfs.
 */
int	driver_mount(struct driver *, const char *const *, size_t, char *,
	    size_t, struct error *);

/*
 * Copy the tree at src (a directory fd) to a new directory dstname in
 * dstdirfd, preserving types, modes, owners (when privileged), xattrs,
 * times, file flags, hardlinks within the tree, symlinks, devices and
 * FIFOs (when privileged), and holes; file data is cloned where the
 * filesystem can (reflinks) and otherwise copied in the kernel.  Never
 * follows a symlink.  Sockets are skipped.  Holds a few descriptors
 * whatever the depth of the tree (struct fswalk).  EX_IOERR/EX_OSERR
 * naming the entry on failure; dstname may then hold a partial copy.
 */
int	driver_copy_tree(int, int, const char *, bool, struct error *);

/* ------------------------------------------------------------------ */
/*
 * Pods (common/pod.h): each app gets a writable root made from its image's
 * committed top chain, and each empty volume a directory or a dataset.
 * pod-render builds a pod in pods/.tmp-<uuid> and renames it to
 * pods/<uuid> at the end, so the paths given here are the final ones
 * (under pods/<uuid>) while the directories are made through a descriptor
 * of the temporary one.  zfs datasets of a pod are named
 * DATASET/pods/<uuid>/<sub> and are made unmounted (mountpoint=none): they
 * are mounted at their final paths by driver_pod_mount() once the pod
 * directory has been renamed into place.
 */

/* Longest name of a pod's dataset. */
#define	DRIVER_POD_DATASET_MAX	(DRIVER_DATASET_MAX + 64)

struct driver_root {
	char	 rootfs[PATH_MAX];		/* final absolute path */
	char	 dataset[DRIVER_POD_DATASET_MAX];	/* zfs clone, or "" */
	char	 upper[PATH_MAX];		/* overlay, or "" */
	char	 work[PATH_MAX];		/* overlay, or "" */
	char	**lowerdirs;			/* overlay: top first */
	size_t	 nlowerdirs;
};

/*
 * driver_root_create(d, chainid, appfd, appdir, uuid, sub, r, ep): make an
 * app's writable root from the committed chain chainid in the directory
 * appfd (whose final absolute path is appdir) of the pod uuid:
 *	dir	appfd/rootfs, a copy of the chain's tree (driver_copy_tree());
 *	zfs	appfd/rootfs, an empty mountpoint, and a clone of the chain's
 *		@layer snapshot named DATASET/pods/<uuid>/<sub>, readonly=off,
 *		not mounted yet (see driver_pod_mount());
 *	overlay	appfd/rootfs (the mountpoint), appfd/upper and appfd/work,
 *		all empty, and the lowerdirs of the chain, top first (found
 *		by following driver_parent() down to the bottom).
 * *r is filled (release with driver_root_release()); on failure what was
 * made is removed again.  EX_NOINPUT if the chain is not committed.
 */
int	driver_root_create(struct driver *, const char *, int, const char *,
	    const char *, const char *, struct driver_root *, struct error *);

/*
 * Undo driver_root_create(): unmount rootfs if something is mounted
 * there and destroy the zfs clone (retrying while zfs-fuse says "dataset
 * is busy", as it does for a moment after an unmount).  The directories
 * are the caller's to remove.  A missing dataset is not an error.
 */
int	driver_root_destroy(struct driver *, const struct driver_root *,
	    struct error *);
void	driver_root_release(struct driver_root *);

/*
 * driver_volume_create(d, dirfd, name, path, uuid, sub, props, nprops,
 * mode, uid, gid, dataset, ep): make an empty volume dirfd/name of the pod
 * uuid, whose final absolute path is path.  dir and overlay: a directory
 * with mode, uid and gid.  zfs: an empty mountpoint directory and the
 * dataset
 * DATASET/pods/<uuid>/<sub> with the "prop=value" properties props (the
 * image's hints: compression, atime, recordsize), not mounted yet; its
 * root gets mode, uid and gid in driver_pod_mount().  The dataset name
 * ("" for the other drivers) goes into dataset (DRIVER_POD_DATASET_MAX
 * bytes).  EX_CANTCREAT / EX_OSERR; EX_CONFIG if zfs refuses a property.
 */
int	driver_volume_create(struct driver *, int, const char *, const char *,
	    const char *, const char *, const char *const *, size_t, mode_t,
	    uid_t, gid_t, char *, struct error *);

/*
 * zfs: mount a pod's dataset (an app root or an empty volume) at path, its
 * final mountpoint; for a volume (setown) give its root mode, uid and
 * gid.  Nothing for the other drivers.
 */
int	driver_pod_mount(struct driver *, const char *, const char *, bool,
	    mode_t, uid_t, gid_t, struct error *);

/*
 * Destroy one dataset of a pod (unmounting it), retrying while busy; a
 * missing one is not an error.  Nothing for the other drivers.
 */
int	driver_pod_destroy_dataset(struct driver *, const char *,
	    struct error *);

/*
 * zfs: destroy DATASET/pods/<uuid> and everything in it (what a killed
 * pod-render or a removed pod left); 1 if something was destroyed, 0 if
 * there was nothing.  The other drivers: 0.
 */
int	driver_pod_destroy(struct driver *, const char *, struct error *);

/*
 * zfs: the uuids that have datasets under DATASET/pods, into a
 * NULL-terminated vector the caller frees (each string and the vector);
 * *n their count.  The other drivers: none.
 */
int	driver_pod_list(struct driver *, char ***, size_t *, struct error *);

/*
 * Raise this process's soft limit of open files to 65536, or to its hard
 * limit if that is lower: an overlay build holds a descriptor per lower
 * layer, and the threads of img-unpack build several chains at once (tree
 * walks, copies and removals hold a few whatever the depth).  Programs
 * that use the drivers call it once at start; failure is ignored (the
 * limit stays as it was).
 */
void	driver_nofile_raise(void);

#endif /* COMMON_DRIVER_H */
