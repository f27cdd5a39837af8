/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The operating-system specific calls of the storage drivers (see
 * common/driver.h): listing and reading extended attributes to copy a
 * tree, file flags, cloning and in-kernel copies of file data, recognising
 * the filesystem a root lives on, and read-only overlay mounts.  Each
 * platform (common/platform/<os>/drvplat_<os>.c) implements all of them;
 * what a platform cannot do fails with ENOTSUP (errno calls) or
 * EX_UNAVAILABLE (calls taking a struct error).
 */
#ifndef COMMON_PLATFORM_DRIVER_H
#define COMMON_PLATFORM_DRIVER_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>

struct error;

/*
 * The names of the extended attributes of the open file fd, or of
 * dirfd/name without following a final symlink, into buf as a sequence of
 * NUL-terminated "namespace.name" strings (the llistxattr(2) format; on
 * FreeBSD the user namespace's extattrs as "user.NAME").  With len 0,
 * return the size needed.  Returns the length, 0 when there are none or
 * the file type cannot carry any, or -1 with errno set (ERANGE: buf too
 * small).
 */
ssize_t	os_flistxattr(int, char *, size_t);
ssize_t	os_listxattrat(int, const char *, char *, size_t);

/* Read attribute attr of the open file fd into buf (len 0: size). */
ssize_t	os_fgetxattr(int, const char *, void *, size_t);

/* The file flags of a stat result (st_flags on FreeBSD; 0 on Linux). */
unsigned long	os_stat_fflags(const struct stat *);

/*
 * Create dirfd/name as a device node or FIFO like the one stat reported
 * (type from mode, device number rdev), with permissions 0600 for now.
 * ENOTSUP for devices on FreeBSD, which has them only in devfs.
 */
int	os_mknodat_rdev(int, const char *, mode_t, dev_t);

/*
 * Make the empty regular file dst share all of src's data blocks (a
 * reflink: Linux FICLONE on btrfs, XFS and others).  -1 with errno set
 * where the filesystem cannot (EOPNOTSUPP, EXDEV, EINVAL, ENOTSUP).
 */
int	os_clone_file(int, int);

/*
 * copy_file_range(2): copy len bytes from in at *inoff to out at *outoff
 * inside the kernel, advancing both offsets.  Returns the bytes copied (0
 * at the end of in) or -1 with errno set (ENOSYS, EXDEV, EINVAL, ENOTSUP
 * mean "copy in user space instead").
 */
ssize_t	os_copy_file_range(int, off_t *, int, off_t *, size_t);

enum os_fs_kind {
	OS_FS_OTHER,
	OS_FS_ZFS,		/* a native ZFS dataset */
	OS_FS_FUSE		/* a FUSE filesystem, perhaps zfs-fuse */
};

/* What kind of filesystem holds the open file fd.  EX_OSERR on failure. */
int	os_fs_kind(int, enum os_fs_kind *, struct error *);

/*
 * Mount a read-only overlay of the directories lowerdirs[0..n-1] (top
 * first, absolute paths, at least two) on the directory target.  On Linux
 * overlayfs; EX_UNAVAILABLE on FreeBSD.  EX_USAGE if the option string is
 * too long for the kernel, EX_NOPERM without privilege, EX_OSERR otherwise.
 */
int	os_overlay_mount(const char *, const char *const *, size_t,
	    struct error *);

/* Unmount target (not lazily).  EX_OSERR (EX_TEMPFAIL when busy). */
int	os_unmount(const char *, struct error *);

#endif /* COMMON_PLATFORM_DRIVER_H */
