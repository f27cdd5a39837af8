#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Compare two directory trees the way an unpacked image is judged.

    treecmp.py [--no-mtime] [--no-links] [--no-xattrs] [--ignore PATH]... A B
    treecmp.py --dump A

For every path (sorted, relative, "." included) compare: type, permission
bits (setuid/setgid/sticky included), uid, gid, size and sha256 of regular
files, symlink targets, device numbers, extended attributes (names and
values, read without following symlinks), mtime in whole seconds of
everything but directories (--no-mtime: skip), and which paths are hardlinks
of each other (--no-links: skip).  --no-xattrs skips attributes, for
filesystems without them such as zfs-fuse.  Prints one line per difference
and exits 1 if there is any, 0 otherwise (2 on usage errors).  --dump
prints the record of each path instead.
"""

import argparse
import hashlib
import os
import stat
import sys


def kind(mode):
    for test, name in ((stat.S_ISREG, "reg"), (stat.S_ISDIR, "dir"),
                       (stat.S_ISLNK, "lnk"), (stat.S_ISCHR, "chr"),
                       (stat.S_ISBLK, "blk"), (stat.S_ISFIFO, "fifo"),
                       (stat.S_ISSOCK, "sock")):
        if test(mode):
            return name
    return "?"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def xattrs(path):
    out = {}
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return out
    for n in sorted(names):
        try:
            out[n] = os.getxattr(path, n, follow_symlinks=False).hex()
        except OSError as e:
            out[n] = "<%s>" % e.strerror
    return out


def walk(top, opts):
    """Map relative path -> record, plus the hardlink groups."""
    recs = {}
    inodes = {}
    stack = ["."]
    while stack:
        rel = stack.pop()
        full = os.path.join(top, rel) if rel != "." else top
        st = os.lstat(full)
        k = kind(st.st_mode)
        r = {"type": k, "mode": "%04o" % stat.S_IMODE(st.st_mode),
             "uid": st.st_uid, "gid": st.st_gid}
        if k == "reg":
            r["size"] = st.st_size
            r["sha256"] = sha256(full)
        elif k == "lnk":
            r["target"] = os.readlink(full)
        elif k in ("chr", "blk"):
            r["rdev"] = "%d,%d" % (os.major(st.st_rdev),
                                   os.minor(st.st_rdev))
        if k != "dir" and not opts.no_mtime:
            r["mtime"] = int(st.st_mtime)
        x = {} if opts.no_xattrs else xattrs(full)
        if x:
            r["xattrs"] = x
        recs[rel] = r
        if k != "dir" and st.st_nlink > 1:
            inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
        if k == "dir":
            for name in sorted(os.listdir(full), reverse=True):
                stack.append(name if rel == "." else rel + "/" + name)
    if not opts.no_links:
        for paths in inodes.values():
            if len(paths) > 1:
                group = ",".join(sorted(paths))
                for p in paths:
                    recs[p]["links"] = group
    for p in opts.ignore:
        for q in list(recs):
            if q == p or q.startswith(p + "/"):
                del recs[q]
    return recs


def fmt(r):
    return " ".join("%s=%s" % (k, r[k]) for k in sorted(r))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-mtime", action="store_true")
    ap.add_argument("--no-links", action="store_true")
    ap.add_argument("--no-xattrs", action="store_true")
    ap.add_argument("--ignore", action="append", default=[])
    ap.add_argument("--dump", action="store_true")
    ap.add_argument("trees", nargs="+")
    opts = ap.parse_args()
    if opts.dump:
        if len(opts.trees) != 1:
            ap.error("--dump takes one tree")
        for p, r in sorted(walk(opts.trees[0], opts).items()):
            print("%s %s" % (p, fmt(r)))
        return 0
    if len(opts.trees) != 2:
        ap.error("two trees to compare")
    a = walk(opts.trees[0], opts)
    b = walk(opts.trees[1], opts)
    diffs = 0
    for p in sorted(set(a) | set(b)):
        if p not in b:
            print("only in %s: %s %s" % (opts.trees[0], p, fmt(a[p])))
        elif p not in a:
            print("only in %s: %s %s" % (opts.trees[1], p, fmt(b[p])))
        elif a[p] != b[p]:
            keys = sorted(set(a[p]) | set(b[p]))
            parts = ["%s: %s != %s" % (k, a[p].get(k), b[p].get(k))
                     for k in keys if a[p].get(k) != b[p].get(k)]
            print("differ: %s: %s" % (p, "; ".join(parts)))
        else:
            continue
        diffs += 1
    if diffs:
        print("%d difference(s)" % diffs)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
