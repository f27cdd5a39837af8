/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The only door to operating-system specific code.  Each platform
 * (common/platform/<os>/) implements every function declared here; an
 * operation a platform cannot do fails with EX_UNAVAILABLE.
 */
#ifndef COMMON_PLATFORM_H
#define COMMON_PLATFORM_H

#include <sys/types.h>

struct error;

/* "linux" or "freebsd": the OCI os of this build. */
const char *os_name(void);

/* The default state root: /var/lib/berth on Linux, /var/db/berth on FreeBSD. */
const char *os_default_root(void);

/*
 * Open path (relative, slash-separated) beneath the directory rootfd,
 * resolving every component inside it: ".." never climbs above rootfd and
 * symlinks are resolved as if rootfd were "/" (Linux: openat2 with
 * RESOLVE_IN_ROOT; FreeBSD: a component walk with O_RESOLVE_BENEATH).
 * flags/mode as for openat(2); O_CLOEXEC is always added.
 * EX_NOINPUT if missing, EX_DATAERR if the path escapes, EX_OSERR otherwise.
 */
int	os_open_beneath(int, const char *, int, mode_t, struct error *);

/*
 * Run from a sealed copy of ourselves (the CVE-2019-5736 class): a
 * process of ours that execs a file of the pod's may find, through a
 * "#!/proc/self/exe" script, the host's program file running as the
 * pod's, and write to it.  Unless the running program already is such a
 * copy, copy the executable into a memory file sealed against writes and
 * execute it with argv and the same environment, so that /proc/self/exe
 * is that copy from then on (Linux: memfd_create(2) and F_ADD_SEALS).
 * Returns 0 if the program already runs from a copy, or on a system where
 * no process of a pod can reach our executable (FreeBSD: no procfs in a
 * jail); does not return on success; -1 (EX_OSERR, EX_UNAVAILABLE) if no
 * copy could be made or run.
 */
int	os_exec_sealed(char *const [], struct error *);

/*
 * The calls below are thin wrappers around one system call each, for what
 * differs between the systems.  They return 0 (or a length) on success and
 * -1 with errno set on failure, ENOTSUP where the platform cannot do it.
 * name is always a single component inside the directory dirfd and a final
 * symlink is never followed.
 */

/*
 * Create a device node (S_IFCHR, S_IFBLK) or a FIFO (S_IFIFO) with the
 * permission bits of mode and the device number major/minor.  FreeBSD has
 * device nodes only in devfs: ENOTSUP for S_IFCHR/S_IFBLK there.
 */
int	os_mknodat(int, const char *, mode_t, unsigned long, unsigned long);

/*
 * chmod(2) dirfd/name without following a final symlink.  Modes of
 * symlinks do not matter on Linux and cannot be changed there (ENOTSUP).
 */
int	os_fchmodat_nofollow(int, const char *, mode_t);

/*
 * Set the extended attribute attr ("namespace.name" as in a tar's
 * SCHILY.xattr records) to len bytes of value, on the open file fd or on
 * dirfd/name.  FreeBSD keeps "user." attributes as EXTATTR_NAMESPACE_USER
 * extattrs and has no equivalent of the other Linux namespaces (ENOTSUP),
 * nor of extattrs on symlinks.
 */
int	os_fsetxattr(int, const char *, const void *, size_t);
int	os_setxattrat(int, const char *, const char *, const void *, size_t);

/* Read attribute attr of dirfd/name into buf (at most len bytes). */
ssize_t	os_getxattrat(int, const char *, const char *, void *, size_t);

/*
 * Set the file flags of dirfd/name (chflags(2) values, as libarchive's
 * archive_entry_fflags() reports them on this system).  ENOTSUP on Linux.
 */
int	os_chflagsat(int, const char *, unsigned long);

/*
 * Start writing back len bytes of fd from offset off without waiting, so
 * that a later fsync(2) of a large file finds little left to do (Linux:
 * sync_file_range(SYNC_FILE_RANGE_WRITE)).  A hint: where the system has
 * no such call it does nothing, and errors are ignored.
 */
void	os_writeback_start(int, off_t, off_t);

#endif /* COMMON_PLATFORM_H */
