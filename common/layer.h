/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Applying an OCI layer to a directory in one streaming pass: blob bytes
 * -> compressed digest -> gzip/zstd inflate -> diffID digest -> tar reader
 * (libarchive, read side only) -> our own writer, which resolves every path
 * beneath the root's directory fd and never follows a symlink out of it.
 * Semantics are those of image-spec "Applying changesets": whiteouts and
 * opaque directories (applied to the lower content, or written in the
 * overlayfs format), hardlinks inside the root only (or, for an overlay
 * diff, to a lower layer's file, copied up first), devices and ownership
 * when privileged, xattrs, modes after ownership, directory times last.
 */
#ifndef COMMON_LAYER_H
#define COMMON_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/manifest.h"

struct error;

/* Defaults for the limits of struct layer_opts (0 there means these). */
#define	LAYER_MAX_BYTES_DEFAULT		(32ULL << 30)	/* tar stream */
#define	LAYER_MAX_ENTRIES_DEFAULT	1000000ULL
#define	LAYER_MAX_HEADER_DEFAULT	(1U << 20)	/* an entry's headers */
#define	LAYER_RATIO_FLOOR_DEFAULT	(512ULL << 20)	/* see max_ratio */
/* layer_opts_init()'s max_ratio (0 there means no ratio). */
#define	LAYER_MAX_RATIO_DEFAULT		100
/* The root's filesystem keeps 1 % free, at most this (see min_free). */
#define	LAYER_MIN_FREE_MAX		(1ULL << 30)
/* Fixed limits: longest path, and xattrs of one entry. */
#define	LAYER_PATH_MAX		4096
#define	LAYER_XATTR_MAX		128		/* attributes per entry */
#define	LAYER_XATTR_VALUE_MAX	65536		/* bytes per value */

enum layer_whiteout {
	/*
	 * The root holds the lower layers' content (dir and zfs drivers):
	 * ".wh.NAME" removes NAME and ".wh..wh..opq" empties its directory,
	 * of lower content only; what this layer adds stays.
	 */
	LAYER_WHITEOUT_DELETE,
	/*
	 * The root starts empty and becomes an overlayfs lowerdir (overlay
	 * driver): ".wh.NAME" becomes a 0/0 character device, ".wh..wh..opq"
	 * the xattr trusted.overlay.opaque=y on its directory, and image
	 * xattrs named trusted.overlay.* are escaped as
	 * trusted.overlay.overlay.* (overlayfs reads them back unescaped).
	 */
	LAYER_WHITEOUT_OVERLAY
};

struct layer_opts {
	uint64_t		max_bytes;	/* uncompressed tar bytes */
	uint64_t		max_entries;	/* tar entries, headers incl. */
	uint64_t		max_header;	/* headers of one entry */
	/*
	 * The tar stream may be at most max_ratio times the blob, but never
	 * less than ratio_floor bytes (nor more than max_bytes): a few MB of
	 * gzip or zstd spell gigabytes of zeros.  The blob's size is its
	 * file's; for a pipe, what was read so far.  max_ratio 0: no ratio.
	 */
	uint64_t		max_ratio;
	uint64_t		ratio_floor;
	/*
	 * Bytes the root's filesystem must keep free while the layer is
	 * written (checked every few MiB); 0 means 1 % of its size, at most
	 * LAYER_MIN_FREE_MAX.
	 */
	uint64_t		min_free;
	enum layer_whiteout	whiteout;
	/*
	 * Root or equivalent: set owners, create device nodes, set xattrs
	 * outside "user.".  Unprivileged, owners are ignored and devices and
	 * those xattrs skipped (counted in the stats, one warning per kind
	 * at the end); FIFOs are made either way.
	 */
	bool			privileged;
	/*
	 * LAYER_WHITEOUT_OVERLAY only: the diffs of the layers below this
	 * one, top first (directory fds open for reading; nlower of them),
	 * as an overlay mount would stack them.  A hardlink whose target
	 * this layer does not hold is then looked up in the merged view, as
	 * overlayfs resolves it (whiteouts, opaque directories and
	 * non-directories above hide what is below; symlinks in the
	 * target's parent are followed as if the merged root were "/"), and
	 * the target is copied up into the root first, with the directories
	 * above it that the root lacks, keeping owners, modes, xattrs and
	 * times: what link(2) does on a mounted overlay.  The lower diffs
	 * are only read.  A directory target is refused; a symlink is
	 * copied as a symlink, never followed.  NULL: a target must be in
	 * the root.
	 */
	const int		*lower_fds;
	size_t			nlower;
};

struct layer_stats {
	uint64_t	compressed;	/* bytes read from the blob */
	uint64_t	uncompressed;	/* bytes of the tar stream */
	uint64_t	entries;	/* tar entries read */
	uint64_t	files;		/* regular files written */
	uint64_t	dirs;		/* directories created or merged */
	uint64_t	symlinks;
	uint64_t	hardlinks;
	uint64_t	specials;	/* device nodes and FIFOs */
	uint64_t	whiteouts;	/* whiteouts and opaque markers */
	uint64_t	skipped;	/* entries not materialised */
	uint64_t	xattrs_skipped;	/* xattrs not set (privilege, fs) */
	uint64_t	copied_up;	/* entries copied up from lowers */
	/*
	 * layer_apply() failed because a hardlink's target was not in the
	 * root (nor in opts' lower diffs): with the lower layers' content
	 * at hand the layer may apply (see lower_fds).
	 */
	bool		hardlink_missing;
	char		digest[DIGEST_MAX];	/* computed blob digest */
	char		diffid[DIGEST_MAX];	/* computed diffID */
};

/*
 * Defaults: the limits above (max_ratio LAYER_MAX_RATIO_DEFAULT),
 * LAYER_WHITEOUT_DELETE, privileged when the effective uid is 0.
 */
void	layer_opts_init(struct layer_opts *);

/*
 * Apply the layer blob read from blobfd (read sequentially to its end; a
 * pipe is fine) to the directory rootfd, which must be open for reading
 * (O_RDONLY | O_DIRECTORY, not O_PATH).  A helper thread reads, hashes and
 * inflates the blob during the call; it is gone when the call returns.
 *
 * comp is the compression the layer's media type says
 * (mediatype_layer_compression()); the first bytes must agree with it
 * (EX_DATAERR naming both otherwise).  LAYER_UNKNOWN means "decide from the
 * first bytes".  blob_digest and diffid ("sha256:..." or "sha512:...") are
 * checked once the whole stream has been read, including anything after
 * the tar's end-of-archive marker; either may be NULL to skip the check
 * (the sha256 is still computed into st).  opts may be NULL for
 * layer_opts_init()'s defaults; st may be NULL.
 *
 * Everything happens beneath rootfd whatever the layer holds: entry names
 * are cleaned and refused if they climb out, and paths are resolved with
 * os_open_beneath(), symlinks in them followed as if rootfd were "/".  A
 * write through a symlink that points at a missing directory is refused.
 * On failure the root holds a partly applied layer: the caller discards
 * it.  Exit classes: EX_DATAERR for anything wrong with the layer (corrupt
 * or truncated stream, digest mismatch, limits, a path escaping the root,
 * the root as a non-directory, an invalid whiteout, a hardlink to a
 * missing, outside or directory target; st->hardlink_missing tells a
 * target that is merely absent), EX_IOERR for read and write errors and
 * for a filesystem down to min_free,
 * EX_NOPERM when the system refuses, EX_OSERR otherwise.  The message
 * names the entry.
 */
int	layer_apply(int, int, enum layer_compression, const char *,
	    const char *, const struct layer_opts *, struct layer_stats *,
	    struct error *);

#endif /* COMMON_LAYER_H */
