/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Linux implementation of common/platform_driver.h: xattr listing through
 * the *listxattr family, FICLONE reflinks, copy_file_range(2), statfs(2)
 * magic numbers for ZFS and FUSE, and read-only overlayfs mounts.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/xattr.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <linux/fs.h>

#include "common/error.h"
#include "common/platform_driver.h"
#include "common/platform/linux/os_linux_impl.h"

#define	ZFS_SUPER_MAGIC		0x2fc12fc1
#define	FUSE_SUPER_MAGIC	0x65735546

static ssize_t
list_result(ssize_t n)
{
	/* Filesystems without xattr support simply have none. */
	if (n == -1 && (errno == ENOTSUP || errno == EOPNOTSUPP))
		return (0);
	return (n);
}

ssize_t
os_flistxattr(int fd, char *buf, size_t len)
{
	return (list_result(flistxattr(fd, buf, len)));
}

ssize_t
os_listxattrat(int dirfd, const char *name, char *buf, size_t len)
{
	char path[64 + NAME_MAX];

	if (linux_proc_path(path, sizeof(path), dirfd, name) == -1)
		return (-1);
	return (list_result(llistxattr(path, buf, len)));
}

ssize_t
os_fgetxattr(int fd, const char *attr, void *buf, size_t len)
{
	return (fgetxattr(fd, attr, buf, len));
}

unsigned long
os_stat_fflags(const struct stat *st)
{
	(void)st;
	return (0);
}

int
os_mknodat_rdev(int dirfd, const char *name, mode_t mode, dev_t rdev)
{
	return (mknodat(dirfd, name, (mode & S_IFMT) | 0600, rdev));
}

int
os_clone_file(int src, int dst)
{
	return (ioctl(dst, FICLONE, src));
}

ssize_t
os_copy_file_range(int in, off_t *inoff, int out, off_t *outoff, size_t len)
{
	return (copy_file_range(in, inoff, out, outoff, len, 0));
}

int
os_fs_kind(int fd, enum os_fs_kind *kind, struct error *ep)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) == -1)
		return (error_set(ep, EX_OSERR, errno, "statfs"));
	if ((unsigned long)sf.f_type == ZFS_SUPER_MAGIC)
		*kind = OS_FS_ZFS;
	else if ((unsigned long)sf.f_type == FUSE_SUPER_MAGIC)
		*kind = OS_FS_FUSE;
	else
		*kind = OS_FS_OTHER;
	return (0);
}

int
os_overlay_mount(const char *target, const char *const *lowerdirs, size_t n,
    struct error *ep)
{
	char opts[4096];
	size_t i, len;
	int k;

	if (n < 2)
		return (error_set(ep, EX_SOFTWARE, 0, "overlay mount '%s': "
		    "needs two lower directories", target));
	len = (size_t)snprintf(opts, sizeof(opts), "lowerdir=");
	for (i = 0; i < n; i++) {
		/* overlayfs takes ':' and ',' in a lowerdir only escaped. */
		if (strpbrk(lowerdirs[i], ":,\\") != NULL)
			return (error_set(ep, EX_USAGE, 0, "overlay mount: "
			    "'%s' contains ':', ',' or '\\'", lowerdirs[i]));
		k = snprintf(opts + len, sizeof(opts) - len, "%s%s",
		    i > 0 ? ":" : "", lowerdirs[i]);
		if (k < 0 || (size_t)k >= sizeof(opts) - len)
			return (error_set(ep, EX_USAGE, 0,
			    "overlay mount '%s': %zu lower directories do "
			    "not fit in the mount options", target, n));
		len += (size_t)k;
	}
	if (mount("overlay", target, "overlay", MS_RDONLY | MS_NODEV |
	    MS_NOSUID, opts) == -1) {
		if (errno == EPERM || errno == EACCES)
			return (error_set(ep, EX_NOPERM, errno,
			    "mount overlay on '%s'", target));
		if (errno == ENODEV)
			return (error_set(ep, EX_UNAVAILABLE, errno,
			    "mount overlay on '%s': no overlayfs", target));
		return (error_set(ep, EX_OSERR, errno,
		    "mount overlay on '%s'", target));
	}
	return (0);
}

int
os_unmount(const char *target, struct error *ep)
{
	if (umount2(target, UMOUNT_NOFOLLOW) == -1)
		return (error_set(ep, errno == EBUSY ? EX_TEMPFAIL : EX_OSERR,
		    errno, "unmount '%s'", target));
	return (0);
}
