/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal to the Linux platform files (common/platform/linux/): helpers
 * that more than one of them needs.
 */
#ifndef COMMON_PLATFORM_LINUX_OS_LINUX_IMPL_H
#define COMMON_PLATFORM_LINUX_OS_LINUX_IMPL_H

#include <stddef.h>

/*
 * "/proc/self/fd/<dirfd>/<name>" into buf (len bytes), a path that names
 * the entry name of the directory dirfd without following it if it is a
 * symlink (the l*xattr calls and friends act on the link itself).  -1 with
 * errno EINVAL if name is not a single component, ENAMETOOLONG if buf is
 * too small.
 */
int	linux_proc_path(char *, size_t, int, const char *);

#endif /* COMMON_PLATFORM_LINUX_OS_LINUX_IMPL_H */
