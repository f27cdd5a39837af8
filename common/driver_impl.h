/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal to the storage drivers (common/driver*.c): the driver handle,
 * the operations each driver implements, and helpers shared by the
 * directory-based drivers (dir, overlay).
 */
#ifndef COMMON_DRIVER_IMPL_H
#define COMMON_DRIVER_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/driver.h"

struct error;
struct driver;

/* "sha256:" + 64 hex: the only chain ids we make. */
#define	DRIVER_HEX_LEN	64

/*
 * What driver_create() (driver_build.c) hands a driver's build: the layer
 * options (the caller's or the defaults) and layer_apply() itself.  The
 * drivers reach the applier only through this pointer, so that programs
 * that never build a chain (pod-render, pod-exec) link without the layer
 * applier and libarchive, whose shared libraries (libxml2, ICU, libstdc++)
 * cost about 3 ms at every start.
 */
struct driver_build {
	struct layer_opts	 opts;
	int	(*apply)(int, int, enum layer_compression, const char *,
		    const char *, const struct layer_opts *,
		    struct layer_stats *, struct error *);
};

struct driver_ops {
	/* A chain is built without its parent (overlay: diffs only). */
	bool	independent;
	/* Set up the driver's state (after the common part of open). */
	int	(*init)(struct driver *, struct error *);
	/* 1 committed, 0 not, -1 error; hex is the chain id's hex. */
	int	(*exists)(struct driver *, const char *, struct error *);
	/*
	 * With the chain's lock held and the chain absent: remove what an
	 * earlier attempt left, build, commit.
	 */
	int	(*build)(struct driver *, const char *,
		    const struct driver_layer *, const struct driver_build *,
		    struct layer_stats *, struct error *);
	/* Remove leftovers of chains whose lock can be taken. */
	int	(*sweep)(struct driver *, struct error *);
	int	(*path)(struct driver *, const char *, char *, size_t,
		    struct error *);
	/* The parent chain id, "" at the bottom. */
	int	(*parent)(struct driver *, const char *, char *,
		    struct error *);
	void	(*fini)(struct driver *);
};

struct driver {
	const struct driver_ops	*ops;
	enum driver_kind	 kind;
	char			*root;		/* $ROOT */
	char			*base;		/* $ROOT/layers/<driver> */
	int			 rootfd;
	int			 basefd;	/* layers/<driver> */
	int			 locksfd;	/* locks */
	bool			 privileged;
	/* zfs */
	char			 dataset[DRIVER_DATASET_MAX]; /* zfs */
};

extern const struct driver_ops driver_dir_ops;
extern const struct driver_ops driver_overlay_ops;
extern const struct driver_ops driver_zfs_ops;

/* The hex part of a chain id after checking it is "sha256:<64 hex>". */
int	driver_hex(const char *, const char **, struct error *);

/*
 * Take the lock of chain hex (locks/layer-<driver>-<hex>.lock); with
 * nonblock, EX_TEMPFAIL if it is held.  Returns the lock fd.
 */
int	driver_lock(struct driver *, const char *, bool, struct error *);
/* Release it, unlinking the lock file. */
void	driver_unlock(struct driver *, const char *, int);

/*
 * Directory drivers: create basefd/.tmp-<hex>-<pid> (mode 0700), write
 * the metadata into it, rename it to <hex>, remove it, and remove every
 * .tmp-<hex>-* (the caller holds the chain's lock).
 */
int	driver_tmp_create(struct driver *, const char *, char *, size_t,
	    struct error *);
int	driver_meta_write(int, const struct driver_layer *,
	    const struct layer_stats *, struct error *);
int	driver_commit(struct driver *, const char *, const char *,
	    struct error *);
int	driver_tmp_clear(struct driver *, const char *, struct error *);
/* 1 if basefd/<hex>/layer.json exists, 0 if not. */
int	driver_dir_exists(struct driver *, const char *, struct error *);
/*
 * "<base>/<hex>/<sub>" of a committed chain into buf; EX_NOINPUT if the
 * chain is not unpacked.
 */
int	driver_dir_path(struct driver *, const char *, const char *, char *,
	    size_t, struct error *);
/* Sweep .tmp-* of the directory drivers. */
int	driver_dir_sweep(struct driver *, struct error *);
/* Parent from <hex>/layer.json. */
int	driver_meta_parent(struct driver *, const char *, char *,
	    struct error *);

/*
 * zfs: the dataset for a root at the real path root, from the mountpoints
 * zfs(8) lists: the dataset mounted at root, else "<dataset>/berth" for
 * the one mounted at root's longest prefix.  1 found, 0 none, -1 error
 * (zfs missing or failing).
 */
int	driver_zfs_dataset_at(const char *, char *, struct error *);

/*
 * zfs, for pods (see driver.h): clone chain hex's @layer snapshot, or
 * create an empty dataset with props, as DATASET/pods/<uuid>/<sub> (name
 * into out, DRIVER_POD_DATASET_MAX bytes), both with mountpoint=none;
 * mount one at path; destroy one (-r, unmounting; 1 destroyed, 0 absent);
 * list the uuids under DATASET/pods.
 */
int	driver_zfs_pod_clone(struct driver *, const char *, const char *,
	    const char *, char *, struct error *);
int	driver_zfs_pod_create(struct driver *, const char *, const char *,
	    const char *const *, size_t, char *, struct error *);
int	driver_zfs_pod_mount(struct driver *, const char *, const char *,
	    struct error *);
int	driver_zfs_pod_destroy(struct driver *, const char *, struct error *);
int	driver_zfs_pod_list(struct driver *, char ***, size_t *,
	    struct error *);

#endif /* COMMON_DRIVER_IMPL_H */
