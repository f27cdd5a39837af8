/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Small file helpers: read a whole file, write one atomically (temporary
 * name in the same directory, fsync, rename), create directory chains, and
 * flock(2) lock files.  All paths are relative to a directory fd (AT_FDCWD
 * for the working directory).  Every descriptor is opened O_CLOEXEC.
 */
#ifndef COMMON_FSUTIL_H
#define COMMON_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct error;

/*
 * Read all of dirfd/path into a NUL-terminated buffer the caller frees.
 * Refuses files larger than max bytes (EX_DATAERR), also when they are not
 * regular files or grow while being read.  EX_NOINPUT if missing (or a
 * directory), EX_NOPERM if not readable, EX_IOERR on a read error.  lenp
 * may be NULL.  On failure *bufp is NULL.
 */
int	file_read_all(int, const char *, size_t, char **, size_t *,
	    struct error *);

/*
 * Atomically replace dirfd/path with len bytes of buf, mode mode (less the
 * umask): write ".<name>.tmp.<pid>.<n>" in the same directory (O_EXCL,
 * O_NOFOLLOW), fsync, rename, fsync the directory.  EX_CANTCREAT (EX_NOPERM
 * for EACCES/EPERM/EROFS) if it cannot be created or renamed, EX_IOERR if
 * writing fails; the temporary file is removed on failure, and nothing
 * half-written is ever visible under path.  A process killed in between
 * leaves at most the temporary file.  Safe to call from several threads.
 */
int	file_write_atomic(int, const char *, const void *, size_t, mode_t,
	    struct error *);

/*
 * mkdir -p of dirfd/path with mode for each created component; existing
 * directories are fine (so two processes may race), an existing
 * non-directory is EX_CANTCREAT (errno ENOTDIR).
 */
int	mkdir_p(int, const char *, mode_t, struct error *);

/* Write all of buf to fd, retrying on EINTR and short writes.  EX_IOERR. */
int	write_all(int, const void *, size_t, struct error *);

/*
 * Write s and a newline to fd with one write_all(): how a program hands
 * its result (an identifier, or one compact JSON document) to the next
 * one on stdout.  EX_IOERR with the message what (e.g. "stdout").
 */
int	write_line(int, const char *, const char *, struct error *);

/*
 * Take an flock(2) lock on dirfd/path (created if missing, mode 0600,
 * never through a symlink).  exclusive or shared; without nonblock, waits;
 * with nonblock, EX_TEMPFAIL if held elsewhere.  Returns the lock fd
 * (close it, or lock_release() it, to release) or -1.
 *
 * Lock files may be unlinked, but only by a process holding the lock (see
 * lock_unlink()): after acquiring, lock_take() checks that the file it
 * locked is still the one at path and otherwise starts over, so a waiter
 * never ends up holding an orphaned inode.  Locks are per open file, so
 * two threads of one process exclude each other too.
 */
int	lock_take(int, const char *, bool, bool, struct error *);

/* Release a lock taken with lock_take() (fd < 0 is ignored; keeps errno). */
void	lock_release(int);

/*
 * Unlink dirfd/path, the lock file that fd holds, then release it.
 * Returns -1 (errno set) if the unlink failed; the lock is released anyway.
 */
int	lock_unlink(int, const char *, int);

/*
 * Remove dirfd/path and, if it is a directory, everything beneath it (rm
 * -rf).  Never follows a symlink: a symlink is removed, not its target, and
 * a directory is entered only with O_NOFOLLOW.  Components of path before
 * the last are resolved normally.  A missing path is not an error.
 * EX_NOPERM or EX_IOERR naming the entry that could not be removed.
 */
int	rm_rf_at(int, const char *, struct error *);

#endif /* COMMON_FSUTIL_H */
