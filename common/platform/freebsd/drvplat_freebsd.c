/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * FreeBSD implementation of common/platform_driver.h: user-namespace
 * extattrs presented as "user.NAME" xattrs, st_flags, copy_file_range(2),
 * and fstatfs(2) type names.  FreeBSD has no reflink ioctl and no
 * overlayfs: those fail with ENOTSUP and EX_UNAVAILABLE.
 */
#include <sys/types.h>
#include <sys/extattr.h>
#include <sys/mount.h>
#include <sys/param.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/error.h"
#include "common/platform_driver.h"

/*
 * extattr_list_fd(2) returns names as a length byte followed by the name;
 * rewrite them as "user.NAME\0".  With len 0, return the size needed.
 */
static ssize_t
convert_list(const unsigned char *raw, ssize_t rawlen, char *buf, size_t len)
{
	size_t need = 0, off = 0, n;
	ssize_t i;

	for (i = 0; i < rawlen; i += 1 + raw[i])
		need += 5 + raw[i] + 1;
	if (len == 0)
		return ((ssize_t)need);
	if (need > len) {
		errno = ERANGE;
		return (-1);
	}
	for (i = 0; i < rawlen; i += 1 + raw[i]) {
		n = raw[i];
		if ((size_t)i + 1 + n > (size_t)rawlen)
			break;
		(void)memcpy(buf + off, "user.", 5);
		(void)memcpy(buf + off + 5, raw + i + 1, n);
		buf[off + 5 + n] = '\0';
		off += 5 + n + 1;
	}
	return ((ssize_t)off);
}

ssize_t
os_flistxattr(int fd, char *buf, size_t len)
{
	unsigned char *raw;
	ssize_t n, rv;
	int saved;

	n = extattr_list_fd(fd, EXTATTR_NAMESPACE_USER, NULL, 0);
	if (n == -1)
		return (errno == EOPNOTSUPP ? 0 : -1);
	if (n == 0)
		return (0);
	if ((raw = malloc((size_t)n)) == NULL)
		return (-1);
	n = extattr_list_fd(fd, EXTATTR_NAMESPACE_USER, raw, (size_t)n);
	if (n == -1) {
		saved = errno;
		free(raw);
		errno = saved;
		return (-1);
	}
	rv = convert_list(raw, n, buf, len);
	saved = errno;
	free(raw);
	errno = saved;
	return (rv);
}

ssize_t
os_listxattrat(int dirfd, const char *name, char *buf, size_t len)
{
	struct stat st;
	ssize_t rv;
	int fd, saved;

	/* Only files and directories carry extattrs we can reach. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (-1);
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return (0);
	if ((fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (-1);
	rv = os_flistxattr(fd, buf, len);
	saved = errno;
	(void)close(fd);
	errno = saved;
	return (rv);
}

ssize_t
os_fgetxattr(int fd, const char *attr, void *buf, size_t len)
{
	if (strncmp(attr, "user.", 5) != 0 || attr[5] == '\0') {
		errno = ENOTSUP;
		return (-1);
	}
	return (extattr_get_fd(fd, EXTATTR_NAMESPACE_USER, attr + 5,
	    len == 0 ? NULL : buf, len));
}

unsigned long
os_stat_fflags(const struct stat *st)
{
	return ((unsigned long)st->st_flags);
}

int
os_mknodat_rdev(int dirfd, const char *name, mode_t mode, dev_t rdev)
{
	if (!S_ISFIFO(mode)) {
		errno = ENOTSUP;
		return (-1);
	}
	(void)rdev;
	return (mkfifoat(dirfd, name, 0600));
}

int
os_clone_file(int src, int dst)
{
	(void)src;
	(void)dst;
	errno = ENOTSUP;
	return (-1);
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
	if (strcmp(sf.f_fstypename, "zfs") == 0)
		*kind = OS_FS_ZFS;
	else if (strncmp(sf.f_fstypename, "fuse", 4) == 0)
		*kind = OS_FS_FUSE;
	else
		*kind = OS_FS_OTHER;
	return (0);
}

int
os_overlay_mount(const char *target, const char *const *lowerdirs, size_t n,
    struct error *ep)
{
	(void)lowerdirs;
	(void)n;
	return (error_set(ep, EX_UNAVAILABLE, 0, "mount overlay on '%s': "
	    "FreeBSD has no overlayfs", target));
}

int
os_unmount(const char *target, struct error *ep)
{
	if (unmount(target, 0) == -1)
		return (error_set(ep, errno == EBUSY ? EX_TEMPFAIL : EX_OSERR,
		    errno, "unmount '%s'", target));
	return (0);
}
