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

#endif /* COMMON_PLATFORM_H */
