/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Linux implementation of common/platform.h: openat2(2) with
 * RESOLVE_IN_ROOT for resolution beneath a root, and the small wrappers
 * the layer writer needs (device nodes, chmod and xattrs that never follow
 * a final symlink).
 */
#include <sys/types.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "common/error.h"
#include "common/platform.h"
#include "common/platform/linux/os_linux_impl.h"

const char *
os_name(void)
{
	return ("linux");
}

const char *
os_default_root(void)
{
	return ("/var/lib/berth");
}

int
os_open_beneath(int rootfd, const char *path, int flags, mode_t mode,
    struct error *ep)
{
	struct open_how how;
	int fd;

	(void)memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)(flags | O_CLOEXEC);
	if ((flags & O_CREAT) != 0)
		how.mode = mode;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	do
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (fd == -1 && errno == EAGAIN);
	if (fd == -1) {
		if (errno == ENOENT)
			return (error_set(ep, EX_NOINPUT, errno, "open '%s'",
			    path));
		if (errno == EXDEV)
			return (error_set(ep, EX_DATAERR, errno,
			    "open '%s': path escapes the root", path));
		if (errno == ELOOP || errno == ENAMETOOLONG)
			return (error_set(ep, EX_DATAERR, errno, "open '%s'",
			    path));
		return (error_set(ep, EX_OSERR, errno, "open '%s'", path));
	}
	return (fd);
}

#define	SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/*
 * How much of our executable execve(2) and the dynamic loader read: up to
 * the end of the last part a program header names.  The rest (section
 * headers, symbols, debugging information) is most of the file and
 * nothing a program needs to run.
 */
static off_t
exe_needed(off_t size)
{
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	unsigned long i, n = getauxval(AT_PHNUM);
	off_t end = 0;

	for (i = 0; ph != NULL && i < n; i++)
		if ((off_t)(ph[i].p_offset + ph[i].p_filesz) > end)
			end = (off_t)(ph[i].p_offset + ph[i].p_filesz);
	return (end > 0 && end <= size ? end : size);
}

int
os_exec_sealed(char *const argv[], struct error *ep)
{
	extern char **environ;
	struct stat st;
	unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	off_t off = 0, size;
	ssize_t n;
	int fd, mfd, seals;

	if ((fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) == -1)
		return (error_set(ep, EX_OSERR, errno, "open '/proc/self/exe'"));
	/* A regular file has no seals (EINVAL); our copy has them all. */
	if ((seals = fcntl(fd, F_GET_SEALS)) != -1 &&
	    (seals & SEALS) == SEALS) {
		(void)close(fd);
		return (0);
	}
#ifdef MFD_EXEC
	/* Say so where vm.memfd_noexec would make it noexec otherwise. */
	flags |= MFD_EXEC;
#endif
	if (fstat(fd, &st) == -1 ||
	    (mfd = memfd_create("pod-exec", flags)) == -1) {
#ifdef MFD_EXEC
		if (errno == EINVAL)
			mfd = memfd_create("pod-exec", flags & ~MFD_EXEC);
		if (mfd == -1)
#endif
		{
			(void)close(fd);
			return (error_set(ep, EX_OSERR, errno,
			    "copy of the program"));
		}
	}
	size = exe_needed(st.st_size);
	while (off < size) {
		n = sendfile(mfd, fd, &off, (size_t)(size - off));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
	}
	(void)close(fd);
	if (off != size || fcntl(mfd, F_ADD_SEALS, SEALS) == -1) {
		error_set(ep, EX_OSERR, off != size ? EIO : errno,
		    "seal the copy of the program");
		(void)close(mfd);
		return (-1);
	}
	(void)fexecve(mfd, argv, environ);
	error_set(ep, errno == EACCES || errno == EPERM ? EX_UNAVAILABLE :
	    EX_OSERR, errno, "run the sealed copy of the program");
	(void)close(mfd);
	return (-1);
}

int
os_mknodat(int dirfd, const char *name, mode_t mode, unsigned long major,
    unsigned long minor)
{
	return (mknodat(dirfd, name, mode, makedev(major, minor)));
}

int
os_fchmodat_nofollow(int dirfd, const char *name, mode_t mode)
{
	/*
	 * glibc does this with fchmodat2(2) where the kernel has it and
	 * otherwise through an O_PATH descriptor and /proc; both refuse
	 * symlinks with EOPNOTSUPP.
	 */
	if (fchmodat(dirfd, name, mode, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == EOPNOTSUPP)
			errno = ENOTSUP;
		return (-1);
	}
	return (0);
}

int
os_fsetxattr(int fd, const char *attr, const void *value, size_t len)
{
	return (fsetxattr(fd, attr, value, len, 0));
}

/*
 * There is no setxattr at a directory fd before Linux 6.13, so name the
 * entry through the directory's /proc/self/fd link: the kernel jumps to
 * the directory itself and looks up name there, and the l*xattr calls do
 * not follow name if it is a symlink.
 */
int
linux_proc_path(char *buf, size_t len, int dirfd, const char *name)
{
	int n;

	if (strchr(name, '/') != NULL || strcmp(name, "..") == 0) {
		errno = EINVAL;
		return (-1);
	}
	n = snprintf(buf, len, "/proc/self/fd/%d/%s", dirfd, name);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

int
os_setxattrat(int dirfd, const char *name, const char *attr,
    const void *value, size_t len)
{
	char path[64 + NAME_MAX];

	if (linux_proc_path(path, sizeof(path), dirfd, name) == -1)
		return (-1);
	return (lsetxattr(path, attr, value, len, 0));
}

ssize_t
os_getxattrat(int dirfd, const char *name, const char *attr, void *buf,
    size_t len)
{
	char path[64 + NAME_MAX];

	if (linux_proc_path(path, sizeof(path), dirfd, name) == -1)
		return (-1);
	return (lgetxattr(path, attr, buf, len));
}

int
os_chflagsat(int dirfd, const char *name, unsigned long flags)
{
	(void)dirfd;
	(void)name;
	(void)flags;
	errno = ENOTSUP;
	return (-1);
}

void
os_writeback_start(int fd, off_t off, off_t len)
{
	(void)sync_file_range(fd, off, len, SYNC_FILE_RANGE_WRITE);
}
