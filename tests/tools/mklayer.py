#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Write crafted OCI layers for tests/unit/test_layer.

usage: mklayer.py [-c COMP] [-o OUTSIDE] CASE OUT
       mklayer.py -l

Writes the layer blob for CASE to OUT and prints "DIGEST DIFFID" (both
sha256:...) on stdout.  COMP is none, gzip, gzip2 (two gzip members), zstd
or zstd2 (two zstd frames; needs the zstd command).  OUTSIDE is the absolute
path of the sentinel directory that hostile cases aim at.  -l lists cases.

The tar writer is our own, not tarfile's: hostile layers need headers no
sane writer emits (hardlinks with data, symlinks named ".", GNU sparse
maps, oversized pax records, binary xattrs).
"""

import gzip
import hashlib
import subprocess
import sys

BLOCK = 512
MT = 1600000000


def octal(value, width):
    s = b"%o" % value
    if len(s) > width - 1:
        raise ValueError("value %d does not fit %d octal digits" %
                         (value, width - 1))
    return s.rjust(width - 1, b"0") + b"\0"


def field(data, width):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if len(data) > width:
        raise ValueError("field too long: %r" % data[:40])
    return data.ljust(width, b"\0")


def pad(data):
    rem = len(data) % BLOCK
    return data + (b"\0" * (BLOCK - rem) if rem else b"")


def raw_header(name, typ, size=0, mode=0o644, uid=0, gid=0, mtime=MT,
               link="", major=0, minor=0, prefix="", gnu=False, extra=None):
    h = bytearray(BLOCK)
    h[0:100] = field(name, 100)
    h[100:108] = octal(mode, 8)
    h[108:116] = octal(uid, 8)
    h[116:124] = octal(gid, 8)
    h[124:136] = octal(size, 12)
    h[136:148] = octal(mtime, 12)
    h[156:157] = typ.encode()
    h[157:257] = field(link, 100)
    if gnu:
        h[257:265] = b"ustar  \0"
    else:
        h[257:263] = b"ustar\0"
        h[263:265] = b"00"
    h[265:297] = field("root", 32)
    h[297:329] = field("root", 32)
    h[329:337] = octal(major, 8)
    h[337:345] = octal(minor, 8)
    if not gnu:
        h[345:500] = field(prefix, 155)
    if extra:
        for off, val in extra:
            h[off:off + len(val)] = val
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def pax_records(recs):
    out = b""
    for key, val in recs:
        if isinstance(key, str):
            key = key.encode()
        if isinstance(val, str):
            val = val.encode("utf-8", "surrogateescape")
        body = b" " + key + b"=" + val + b"\n"
        n = len(body) + 1
        while len(b"%d" % n) + len(body) != n:
            n = len(b"%d" % n) + len(body)
        out += b"%d" % n + body
    return out


class Tar:
    def __init__(self):
        self.buf = bytearray()

    def raw(self, data):
        self.buf += data

    def add(self, name, typ="0", data=b"", mode=None, uid=0, gid=0,
            mtime=MT, link="", major=0, minor=0, pax=None, gnu=False,
            size=None):
        if isinstance(data, str):
            data = data.encode()
        if mode is None:
            mode = 0o755 if typ == "5" else 0o644
        if size is None:
            size = len(data)
        bname = name.encode("utf-8", "surrogateescape")
        blink = link.encode("utf-8", "surrogateescape")
        recs = list(pax or [])
        prefix = b""
        if len(bname) > 100:
            cut = bname.rfind(b"/", 0, 156)
            if (not gnu and not recs and 0 < cut and
                    len(bname) - cut - 1 <= 100):
                prefix, bname = bname[:cut], bname[cut + 1:]
            elif gnu:
                self.add("././@LongLink", "L", bname + b"\0", mode=0,
                         mtime=0)
                bname = bname[:100]
            else:
                recs.append(("path", bname))
                bname = bname[:100]
        if len(blink) > 100:
            if gnu:
                self.add("././@LongLink", "K", blink + b"\0", mode=0,
                         mtime=0)
            else:
                recs.append(("linkpath", blink))
            blink = blink[:100]
        if recs:
            body = pax_records(recs)
            self.buf += raw_header(b"PaxHeaders/" + bname[-80:], "x",
                                   size=len(body), mode=0o644)
            self.buf += pad(body)
        self.buf += raw_header(bname, typ, size=size, mode=mode, uid=uid,
                               gid=gid, mtime=mtime, link=blink,
                               major=major, minor=minor, prefix=prefix,
                               gnu=gnu)
        # Where this entry's data ends, before its padding.
        self.data_end = len(self.buf) + len(data)
        self.buf += pad(data)

    def dir(self, name, **kw):
        self.add(name if name.endswith("/") else name + "/", "5", **kw)

    def file(self, name, data=b"", **kw):
        self.add(name, "0", data, **kw)

    def symlink(self, name, target, **kw):
        self.add(name, "2", link=target, mode=kw.pop("mode", 0o777), **kw)

    def hardlink(self, name, target, **kw):
        self.add(name, "1", link=target, **kw)

    def end(self):
        return bytes(self.buf) + b"\0" * (2 * BLOCK)


def pattern(n, mul=7):
    return bytes((i * mul) % 251 for i in range(n))


# ---- semantic cases ----

def c_basic(t, o):
    t.dir("etc")
    t.file("etc/hostname", "berth\n", mtime=MT + 1)
    t.dir("usr")
    t.dir("usr/bin")
    t.file("usr/bin/tool", "#!/bin/sh\necho hi\n", mode=0o755)
    t.file("usr/empty")
    t.file("big", pattern(3 * 1024 * 1024 + 123))
    t.file("implicit/a/b/file", "deep\n")


def c_replace1(t, o):
    t.dir("a")
    t.file("a/x", "x")
    t.file("b", "file-b")
    t.symlink("c", "a")
    t.dir("d")
    t.dir("d/sub")
    t.file("d/sub/f", "f")


def c_replace2(t, o):
    t.file("a", "file-a")
    t.dir("b")
    t.file("b/y", "y")
    t.dir("c")
    t.file("c/z", "z")
    t.symlink("d", "a")


def c_merge1(t, o):
    t.dir("m", mode=0o755)
    t.file("m/old", "old")


def c_merge2(t, o):
    t.dir("m", mode=0o700, mtime=1500000000)
    t.file("m/new", "new")


def c_symlinks(t, o):
    t.symlink("abs", "/etc/passwd")
    t.symlink("rel", "../x/y")
    t.symlink("dot", ".")
    t.symlink("dangling", "nowhere/at/all")
    t.symlink("long", "t" * 150 + "/" + "u" * 150)


def c_hardlinks(t, o):
    t.file("f", "hello", mode=0o640)
    t.dir("sub")
    t.hardlink("sub/h", "f")
    t.hardlink("h2", "./f")
    t.symlink("s", "f")
    t.hardlink("hs", "s")


def c_devices(t, o):
    t.dir("dev")
    t.add("dev/null", "3", mode=0o666, major=1, minor=3)
    t.add("dev/loop0", "4", mode=0o660, major=7, minor=0)
    t.add("fifo", "6", mode=0o600)


SPARSE_SIZE = 8 * 1024 * 1024 + 100
SPARSE_MAP = [(0, 4096), (4 * 1024 * 1024, 8192), (SPARSE_SIZE, 0)]


def sparse_data():
    return b"A" * 4096 + b"B" * 8192


def c_sparse(t, o):
    # Old GNU sparse ('S'): the map is in the header, data is the chunks.
    extra = []
    for i, (off, n) in enumerate(SPARSE_MAP):
        extra.append((386 + 24 * i, octal(off, 12)))
        extra.append((386 + 24 * i + 12, octal(n, 12)))
    extra.append((483, octal(SPARSE_SIZE, 12)))
    data = sparse_data()
    t.raw(raw_header("sparse-gnu", "S", size=len(data), gnu=True,
                     extra=extra))
    t.raw(pad(data))
    # PAX sparse 1.0 (GNU tar --format=pax): the map opens the data.
    smap = b"%d\n" % len(SPARSE_MAP)
    for off, n in SPARSE_MAP:
        smap += b"%d\n%d\n" % (off, n)
    body = pad(smap) + data
    t.add("GNUSparseFile.0/sparse-pax", "0", body, pax=[
        ("GNU.sparse.major", "1"), ("GNU.sparse.minor", "0"),
        ("GNU.sparse.name", "sparse-pax"),
        ("GNU.sparse.realsize", str(SPARSE_SIZE))])


def base256(value, width):
    return bytes([0x80]) + value.to_bytes(width - 1, "big")


def c_sparse_bomb(t, o):
    # A terabyte of holes around one block: size refused up front.
    extra = [(386, octal(0, 12)), (398, octal(512, 12)),
             (410, base256(1 << 40, 12)), (422, octal(0, 12)),
             (483, base256(1 << 40, 12))]
    t.raw(raw_header("sparse-bomb", "S", size=512, gnu=True, extra=extra))
    t.raw(b"X" * 512)


LONG_PAX = "p/" + "d" * 120 + "/" + "f" * 150
LONG_GNU = "g/" + "x" * 200 + "/" + "y" * 200
LONG_USTAR = "u/" + "z" * 90 + "/" + "w" * 90
DEEP = "/".join(["k" * 199] * 15)


def c_longnames(t, o):
    t.dir("p")
    t.dir("p/" + "d" * 120)
    t.file(LONG_PAX, "pax")
    t.file(LONG_GNU, "gnu", gnu=True)
    t.file(LONG_USTAR, "ustar")
    t.file(DEEP, "deep")
    t.file("caf\u00e9-\u65e5\u672c", "utf8", pax=[("comment", "x")])


def c_modes(t, o):
    t.file("suid", "s", mode=0o4755)
    t.file("sgid", "g", mode=0o2755)
    t.dir("sticky", mode=0o1777)
    t.file("none", "n", mode=0o000)
    t.dir("dirsgid", mode=0o2775, gid=4242)
    t.file("dirsgid/f", "f", mode=0o644, gid=0)


def c_owner(t, o):
    t.file("owned", "o", uid=1234, gid=5678, mode=0o4755)
    t.symlink("owned-link", "owned", uid=42, gid=43)
    t.dir("owned-dir", uid=7, gid=8, mode=0o2755)
    t.add("owned-fifo", "6", uid=9, gid=10, mode=0o640)


CAP = bytes([0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00] + [0] * 12)


def c_xattrs(t, o):
    t.file("xf", "x", pax=[("SCHILY.xattr.user.foo", "bar"),
                           ("SCHILY.xattr.security.capability", CAP),
                           ("SCHILY.xattr.trusted.berth", "yes")])
    t.dir("xd", pax=[("SCHILY.xattr.user.dir", "1")])
    t.file("xo", "o", pax=[("SCHILY.xattr.trusted.overlay.foo", "bar"),
                           ("SCHILY.xattr.trusted.overlay.opaque", "y")])
    t.symlink("xl", "xf", pax=[("SCHILY.xattr.trusted.link", "l")])


def c_mtimes(t, o):
    t.dir("t", mtime=1000000000)
    t.file("t/f", "f", pax=[("mtime", "1111111111.123456789"),
                            ("atime", "1222222222.5")])
    t.symlink("t/l", "f", mtime=1333333333)
    t.dir("t/sub", mtime=1444444444)
    t.file("t/sub/g", "g", mtime=1555555555)
    t.dir("t/sub/later", mtime=1666666666)


def c_rodir(t, o):
    t.dir("ro", mode=0o555)
    t.file("ro/f", "f", mode=0o444)
    t.dir("ro/sub", mode=0o500)
    t.file("ro/sub/g", "g", mode=0o644)
    t.dir("ro/sub/none", mode=0o000)
    t.file("ro/sub/none/h", "h")


def c_dups(t, o):
    t.file("f", "one")
    t.file("f", "two")
    t.dir("d", mode=0o700)
    t.dir("d", mode=0o751)
    t.file("x", "file-x")
    t.dir("x")
    t.file("x/y", "y")
    t.symlink("l", "a")
    t.symlink("l", "b")


def c_rootmeta(t, o):
    t.dir("./", mode=0o751, mtime=1234567890)
    t.file("a", "a")


def c_wh_lower(t, o):
    t.dir("a")
    t.file("a/keep", "keep")
    t.file("a/gone", "gone")
    t.file("a/viasym", "viasym")
    t.dir("b")
    t.dir("b/inner")
    t.file("b/inner/deep", "deep")
    t.dir("c")
    t.file("c/old1", "1")
    t.dir("c/old2")
    t.file("c/old2/x", "x")
    t.dir("e")
    t.file("e/old", "old")
    t.file("f", "lower-f")
    t.dir("g")
    t.file("g/old", "old")
    t.symlink("lnkdir", "a")


def c_wh_upper(t, o):
    t.file("a/.wh.gone")
    t.file(".wh.b")
    t.file("c/.wh..wh..opq")
    t.file("c/new", "new")
    t.file("e/new2", "new2")
    t.file("e/.wh..wh..opq")
    t.file("f", "upper-f")
    t.file(".wh.f")
    t.file(".wh.g")
    t.dir("g")
    t.file("g/fresh", "fresh")
    t.file(".wh..wh.plnk/1234.5678", "meta")
    t.file(".wh..wh.aufs", "meta")
    t.file("lnkdir/.wh.viasym")
    t.file(".wh.nonexistent")
    t.file("nodir/.wh.x")


def c_wh_empty(t, o):
    t.file("a/.wh.")


def c_wh_dotdot(t, o):
    t.dir("a")
    t.file("a/.wh...")


def c_trailing_tar(t, o):
    c_basic(t, o)


def c_empty(t, o):
    pass


def c_many(t, o):
    for i in range(3000):
        t.file("m%04d" % i, "")


def c_many_dirs(t, o):
    for i in range(200):
        t.dir("d%03d" % i, mtime=MT + i)
        for j in range(20):
            t.file("d%03d/f%02d" % (i, j), pattern(100 + j))


def c_mixed_tree(t, o):
    # Entries of a directory not listed together (as docker save can).
    t.dir("x")
    t.dir("y")
    t.file("x/1", "1")
    t.file("y/1", "1")
    t.file("x/2", "2")
    t.dir("x/z")
    t.file("y/2", "2")
    t.file("x/z/3", "3")


def c_deep_lower(t, o):
    # Over a lower tree (made by the test) with "deep" and "deep2" 3000
    # levels deep and "k/" * 1500 + "old": deep2 becomes a file, and an
    # opaque root removes all lower content but this layer's, which is
    # 1500 levels deep in "k".
    t.file("deep2", "file now")
    t.file("k/" * 1500 + "new", "new")
    t.file(".wh..wh..opq")


# Hardlinks into lower layers: xl-lower1 and xl-lower2 are applied as
# overlay diffs, then the xl-* layers on top of them (lower_fds).

def c_xl_lower1(t, o):
    t.dir("usr", mode=0o750, uid=7, gid=8, mtime=MT + 10)
    t.dir("usr/bin", mode=0o711, mtime=MT + 11,
          pax=[("SCHILY.xattr.user.dir", "1")])
    t.file("usr/bin/tool", "tool v1\n", mode=0o4751, uid=5, gid=6,
           mtime=MT + 12, pax=[("SCHILY.xattr.user.t", "1"),
                               ("SCHILY.xattr.security.capability", CAP),
                               ("SCHILY.xattr.trusted.overlay.foo",
                                "bar")])
    t.file("shadowed", "v1")
    t.file("gone", "gone")
    t.dir("opq")
    t.file("opq/old", "old")
    t.dir("real")
    t.file("real/f", "real-f")
    t.file("big", pattern(300000, 11), mtime=MT + 13)
    t.symlink("s", o + "/sentinel", mtime=MT + 14)
    t.symlink("out", o)
    t.symlink("rel", "../../outside")
    t.symlink("loop1", "loop2")
    t.symlink("loop2", "loop1")
    t.symlink("sd", "real")
    t.dir("d")
    t.add("fifo", "6", mode=0o640, mtime=MT + 15)
    t.dir("merged", mode=0o700)
    t.file("merged/f", "merged-f")
    t.dir("nd")
    t.file("nd/f", "nd-f")
    for d in ("w", "w2", "c"):
        t.dir(d)
        t.file(d + "/x", d + "-x")
        t.file(d + "/y", d + "-y")


def c_xl_lower2(t, o):
    t.file("shadowed", "v2")
    t.file(".wh.gone")
    t.file("opq/.wh..wh..opq")
    t.file("opq/new", "new")
    t.symlink("lnk", "real")
    t.dir("merged", mode=0o751, mtime=MT + 20)
    t.file("nd", "not a directory")
    t.dir("sd")


def c_xl_upper(t, o):
    t.hardlink("h-tool", "usr/bin/tool")
    t.hardlink("h-tool2", "/usr/bin/../bin/tool")
    t.hardlink("h-shadowed", "shadowed")
    t.hardlink("h-lnk", "lnk/f")
    t.hardlink("h-big", "big")
    t.hardlink("h-s", "s")
    t.hardlink("h-fifo", "fifo")
    t.hardlink("h-new", "opq/new")
    t.hardlink("h-merged", "merged/f")
    # Whiteouts and opaque markers after a copy-up remove the copies.
    t.hardlink("h-w2x", "w2/x")
    t.file("w2/.wh.x")
    t.hardlink("w/h-wy", "w/y")
    t.hardlink("h-wx", "w/x")
    t.file("w/.wh..wh..opq")
    t.hardlink("h-cy", "c/y")
    t.file(".wh.c")


def c_xl_gone(t, o):
    t.hardlink("h", "gone")


def c_xl_opaque(t, o):
    t.hardlink("h", "opq/old")


def c_xl_dir(t, o):
    t.hardlink("h", "d")


def c_xl_out(t, o):
    t.hardlink("h", "out/sentinel")


def c_xl_rel(t, o):
    t.hardlink("h", "rel/sentinel")


def c_xl_loop(t, o):
    t.hardlink("h", "loop1/x")


def c_xl_nondir(t, o):
    t.hardlink("h", "nd/f")


def c_xl_dir_over_link(t, o):
    t.hardlink("h", "sd/f")


def c_xl_self_whiteout(t, o):
    t.file(".wh.shadowed")
    t.hardlink("h", "shadowed")


def c_xl_self_opaque(t, o):
    t.dir("real")
    t.file("real/.wh..wh..opq")
    t.hardlink("h", "real/f")


# ---- hostile cases ----

def c_esc_dotdot(t, o):
    t.file("../outside/sentinel", "pwned")


def c_esc_dotdot2(t, o):
    t.dir("a")
    t.file("a/../../outside/sentinel", "pwned")


def c_esc_abs_parent(t, o):
    t.symlink("etc", o)
    t.file("etc/sentinel", "pwned")


def c_esc_abs_parent_made(t, o):
    parts = o.strip("/").split("/")
    for i in range(1, len(parts) + 1):
        t.dir("/".join(parts[:i]))
    t.symlink("etc", o)
    t.file("etc/sentinel", "pwned")


def c_esc_rel_parent(t, o):
    t.dir("outside")
    t.symlink("etc", "../outside")
    t.file("etc/sentinel", "pwned")


def c_esc_rel_parent_missing(t, o):
    t.symlink("etc", "../outside")
    t.file("etc/sentinel", "pwned")


def c_esc_chain(t, o):
    t.symlink("l1", "l2")
    t.symlink("l2", o)
    t.file("l1/sentinel", "pwned")


def c_esc_chain_rel(t, o):
    t.dir("outside")
    t.dir("sub")
    t.symlink("l1", "sub/l2")
    t.symlink("sub/l2", "../../../../../outside")
    t.file("l1/sentinel", "pwned")


def c_esc_root_dot(t, o):
    t.symlink(".", "/")


def c_esc_root_slashdot(t, o):
    t.symlink("/.", o)


def c_esc_root_dotslash(t, o):
    t.symlink("./", o)


def c_esc_root_dotdot(t, o):
    t.dir("a")
    t.symlink("a/..", o)


def c_esc_root_file(t, o):
    t.file(".", "pwned")


def c_esc_root_hardlink(t, o):
    t.file("a", "a")
    t.hardlink(".", "a")


def c_esc_whiteout(t, o):
    t.symlink("lnk", o)
    t.file("lnk/.wh.sentinel")


def c_esc_whiteout_rel(t, o):
    t.symlink("lnk", "../outside")
    t.file("lnk/.wh.sentinel")
    t.file("lnk/.wh.y")


def c_esc_whiteout_dotdot(t, o):
    t.file("../outside/.wh.sentinel")


def c_esc_whiteout_link(t, o):
    t.file(".wh.lnk")
    t.file(".wh.rel")


def c_esc_opaque(t, o):
    t.symlink("lnk", o)
    t.file("lnk/.wh..wh..opq")
    t.symlink("rel", "../outside")
    t.file("rel/.wh..wh..opq")


def c_esc_hardlink_dotdot(t, o):
    t.hardlink("h", "../outside/sentinel")


def c_esc_hardlink_abs(t, o):
    t.hardlink("h", o + "/sentinel")


def c_esc_hardlink_symparent(t, o):
    t.symlink("lnk", o)
    t.hardlink("h", "lnk/sentinel")


def c_esc_hardlink_dir(t, o):
    t.dir("d")
    t.hardlink("h", "d")


def c_hardlink_data(t, o):
    # pax interchange: libarchive must treat the data as the link's body.
    t.file("target", "orig")
    t.add("h", "1", b"pwned", link="target", pax=[("comment", "x")])


def c_esc_hardlink_data_out(t, o):
    t.add("h", "1", b"pwned", link=o + "/sentinel", pax=[("comment", "x")])


def c_esc_chmod_symlink(t, o):
    t.symlink("lnk", o + "/sentinel", uid=1234, gid=1234, mtime=0,
              pax=[("atime", "0")])
    t.symlink("lnkd", o, uid=1234, gid=1234, mtime=0)
    t.symlink("rel", "../outside/sentinel", uid=1234, gid=1234, mtime=0)
    t.dir("lnkd2")
    t.symlink("lnkd2", "../outside", mode=0o777)


def c_esc_deferred(t, o):
    t.dir("d", mode=0o777, mtime=0, uid=4321)
    t.symlink("d", o)
    t.dir("e", mode=0o777, mtime=0, uid=4321)
    t.symlink("e", "../outside")
    t.dir("x", mode=0o777, mtime=0)
    t.dir("x/y", mode=0o777, mtime=0, uid=4321)
    t.symlink("x", "../outside")
    t.dir("w", mode=0o777, mtime=0)
    t.dir("w/y", mode=0o777, mtime=0, uid=4321)
    t.symlink("w", o)


def c_bomb(t, o):
    # 64 MiB of zeros (64 KiB of gzip) in files small enough to pass the
    # per-file size check: only the running total can stop it.
    for i in range(64):
        t.file("zeros%02d" % i, b"\0" * (1 << 20))


def c_pax_big(t, o):
    t.file("big-pax", "x", pax=[("comment", "c" * (500 * 1024))])


def c_pax_huge(t, o):
    t.file("huge-pax", "x", pax=[("comment", "c" * (2 * 1024 * 1024))])


def c_gnu_big(t, o):
    t.file("n" * (2 * 1024 * 1024), "x", gnu=True)


def c_long_path(t, o):
    t.file("/".join(["q" * 200] * 25), "x")


def c_long_name(t, o):
    t.file("a" * 300, "x")


def c_xattr_many(t, o):
    t.file("x", "x", pax=[("SCHILY.xattr.user.a%d" % i, "v")
                          for i in range(200)])


def c_xattr_huge(t, o):
    t.file("x", "x", pax=[("SCHILY.xattr.user.big", "v" * 70000)])


def c_uid_big(t, o):
    t.file("x", "x", pax=[("uid", "5000000000")])


def c_symlink_empty(t, o):
    t.symlink("s", "")


def c_not_tar(t, o):
    t.raw(pattern(4096, 13))


def c_truncated_tar(t, o):
    t.file("f", pattern(100000))


# Streams that end early: the tar is cut (see main()) after the data of its
# last entry (no padding, no end-of-archive blocks, as umoci 0.4.7
# writes), after its padding, right after its header, inside its header.

def c_no_eof(t, o):
    t.dir("d")
    t.file("d/a", "first\n")
    t.symlink("d/s", "a")
    t.file("d/last", pattern(1000))


c_no_eof_aligned = c_cut_after_header = c_cut_in_header = c_no_eof


CASES = {name[2:].replace("_", "-"): fn for name, fn in globals().items()
         if name.startswith("c_")}


def compress(tar, comp):
    if comp == "none":
        return tar
    if comp in ("gzip", "gzip2"):
        if comp == "gzip":
            return gzip.compress(tar, compresslevel=6, mtime=0)
        half = len(tar) // 2
        return (gzip.compress(tar[:half], mtime=0) +
                gzip.compress(tar[half:], mtime=0))
    if comp in ("zstd", "zstd2"):
        def z(data):
            return subprocess.run(["zstd", "-q", "-c", "-3"], input=data,
                                  stdout=subprocess.PIPE, check=True).stdout
        if comp == "zstd":
            return z(tar)
        half = len(tar) // 2
        return z(tar[:half]) + z(tar[half:])
    raise SystemExit("mklayer: unknown compression '%s'" % comp)


def main(argv):
    comp, outside = "gzip", "/nonexistent-outside"
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "-l":
            print("\n".join(sorted(CASES)))
            return 0
        if a in ("-c", "-o") and i + 1 < len(argv):
            if a == "-c":
                comp = argv[i + 1]
            else:
                outside = argv[i + 1]
            i += 2
            continue
        args.append(a)
        i += 1
    if len(args) != 2 or args[0] not in CASES:
        sys.stderr.write(__doc__)
        return 64
    t = Tar()
    CASES[args[0]](t, outside)
    tar = t.end()
    if args[0] == "trailing-tar":
        tar += pattern(1024 * 1024 + 7, 3)
    if args[0] in ("not-tar",):
        tar = bytes(t.buf)
    if args[0] == "truncated-tar":
        tar = bytes(t.buf)[:50000]
    if args[0] == "no-eof":
        tar = bytes(t.buf)[:t.data_end]
    if args[0] == "no-eof-aligned":
        tar = bytes(t.buf)
    if args[0] == "cut-after-header":
        tar = bytes(t.buf)[:t.data_end - 1000]
    if args[0] == "cut-in-header":
        tar = bytes(t.buf)[:t.data_end - 1000 - 300]
    if args[0] == "empty":
        tar = b"\0" * 1024
    blob = compress(tar, comp)
    with open(args[1], "wb") as f:
        f.write(blob)
    print("sha256:%s sha256:%s" % (hashlib.sha256(blob).hexdigest(),
                                   hashlib.sha256(tar).hexdigest()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
