/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Small file helpers: read a whole file, write one atomically (temporary
 * name in the same directory, fsync, rename), create directory chains,
 * flock(2) lock files, and walk or remove a tree with a bounded number of
 * descriptors.  All paths are relative to a directory fd (AT_FDCWD
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
 * the last are resolved normally.  A missing path is not an error.  Holds
 * at most a few descriptors whatever the depth (see struct fswalk), and
 * never leaves the tree: a directory moved out from under the walk stops
 * it (EX_TEMPFAIL).  EX_NOPERM or EX_IOERR naming the entry that could not
 * be removed.
 */
int	rm_rf_at(int, const char *, struct error *);

/*
 * rm_rf_at(), giving each directory u+rwx before reading it (for a tree
 * an unprivileged process owns but made read-only).
 */
int	rm_rf_open_at(int, const char *, struct error *);

/*
 * A depth-first walk of a directory tree that holds one descriptor, that
 * of the directory it is in, whatever the depth: it goes down with
 * openat(O_NOFOLLOW) by a single name, and back up with openat(".."),
 * checked against the device and inode remembered on the way down, so
 * that a directory moved meanwhile (by a pod racing the walk) never leads
 * it out of the tree: the walk stops instead, with EX_TEMPFAIL.  The names
 * of a directory are read when it is entered, so that its descriptor need
 * not stay open while the walk is below it.  The caller drives it: it
 * takes names with fswalk_next(), looks at each in fswalk_fd() and may
 * fswalk_down() into it; when a directory has no more names, it finishes
 * with it and goes fswalk_up(), until fswalk_depth() is 0 again.
 */
struct fswalk;

enum fswalk_flags {
	FSWALK_NOLIST = 1 << 0,		/* a cursor: names are not read */
	FSWALK_OPEN_UP = 1 << 1		/* u+rwx on directories entered */
};

/*
 * Start at dirfd/path, a directory (the last component is not followed:
 * EX_NOINPUT with errnum ENOENT if missing, ENOTDIR or ELOOP if not a
 * directory).  NULL on failure.  Free with fswalk_close().
 */
struct fswalk *fswalk_open(int, const char *, int, struct error *);

/*
 * The next name in the current directory (as read when it was entered;
 * valid until the walk leaves it or reads it again): 1, or 0 when there
 * are no more.
 */
int	fswalk_next(struct fswalk *, const char **);

/* Read the current directory's names again; returns how many, or -1. */
int	fswalk_rescan(struct fswalk *, struct error *);

/*
 * Enter the directory name (one component) of the current directory.  On
 * failure the walk stays where it was; errnum tells why (ENOENT gone,
 * ENOTDIR or ELOOP no longer a directory).
 */
int	fswalk_down(struct fswalk *, const char *, struct error *);

/*
 * Go back to the parent of the current directory, after checking that it
 * is the one the walk came from (EX_TEMPFAIL otherwise, the walk staying
 * where it was).  *namep (may be NULL) is the name of the directory left,
 * valid until the next fswalk_up().  EX_SOFTWARE at the top.
 */
int	fswalk_up(struct fswalk *, const char **, struct error *);

/* The current directory's descriptor (the walk's: do not close it). */
int	fswalk_fd(const struct fswalk *);
/* How far below the top the walk is: 0 at the top. */
size_t	fswalk_depth(const struct fswalk *);
/* The current directory below the top ("a/b"; "" at the top). */
const char *fswalk_path(const struct fswalk *);
void	fswalk_close(struct fswalk *);

#endif /* COMMON_FSUTIL_H */
