#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# img-unpack against real storage: images built here, pushed to a loopback
# registry and pulled with img-pull, unpacked with the dir, overlay and zfs
# (zfs-fuse pool made here) drivers and compared with umoci's unpack of
# the same image; chain sharing, exit codes, digest mismatches, concurrent
# and killed runs, hostile layers with a sentinel outside the root, tar
# streams that end early, a layer failing midway, a root that skopeo made,
# and a layer bomb.
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
t_init
# shellcheck disable=SC1091
. "$TOP/tests/tools/zfs-pool.sh"
skip_unless_root
skip_unless_platform linux
skip_unless_cmd umoci skopeo jq python3 docker-registry
for _p in img-unpack img-pull; do
	test -x "$TOP/bin/$_p" || t_skip_case "build first: make"
done

TREECMP="python3 $TOP/tests/tools/treecmp.py"

# ---------------------------------------------------------------- helpers

# Crafted tar layers: python3 mktar.py RECIPE OUT [ARG].
cat >"$T/mktar.py" <<'EOF'
import io, os, sys, tarfile

recipe, out = sys.argv[1], sys.argv[2]
arg = sys.argv[3] if len(sys.argv) > 3 else ""
tf = tarfile.open(out, "w", format=tarfile.PAX_FORMAT)


def add(name, kind=tarfile.REGTYPE, data=b"", mode=0o644, uid=0, gid=0,
        link="", xattrs=None, dev=(0, 0), size=None):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.uid, ti.gid = uid, gid
    ti.mtime = 1600000000
    ti.linkname = link
    ti.devmajor, ti.devminor = dev
    if xattrs:
        ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
    if kind == tarfile.REGTYPE:
        ti.size = len(data) if size is None else size
        tf.addfile(ti, io.BytesIO(data) if size is None else ZeroReader())
    else:
        tf.addfile(ti)


class ZeroReader:
    def read(self, n=-1):
        return b"\0" * n


if recipe == "special":
    # Everything the comparison with umoci must cover.
    add("special/", tarfile.DIRTYPE, mode=0o750, uid=1000, gid=1000)
    add("special/file", data=b"special data\n", mode=0o640, uid=1000,
        gid=100, xattrs={"user.berth": "yes", "trusted.berth": "t"})
    add("special/hard", tarfile.LNKTYPE, link="special/file")
    add("special/setuid", data=b"#!/bin/sh\n", mode=0o4755)
    add("special/sticky/", tarfile.DIRTYPE, mode=0o1777)
    add("special/rel", tarfile.SYMTYPE, link="../layer2")
    add("special/abs", tarfile.SYMTYPE, link="/bin/busybox")
    add("special/dangling", tarfile.SYMTYPE, link="/nowhere/at/all")
    add("special/null", tarfile.CHRTYPE, mode=0o666, dev=(1, 3))
    add("special/loop", tarfile.BLKTYPE, mode=0o660, dev=(7, 0))
    add("special/fifo", tarfile.FIFOTYPE, mode=0o600)
    add("special/ro/", tarfile.DIRTYPE, mode=0o555)
    add("special/ro/inside", data=b"in a read-only dir\n", mode=0o444)
    # Hardlinks to files of lower layers (overlay copies them up): in
    # another directory, at the top, one whose target this layer then
    # replaces, one whose directory it then whites out.
    add("special/bb", tarfile.LNKTYPE, link="bin/busybox")
    add("layer1-hard", tarfile.LNKTYPE, link="layer1")
    add("data/kept-hard", tarfile.LNKTYPE, link="data/keep")
    add("sub-new-hard", tarfile.LNKTYPE, link="data/sub/new")
    add("data/keep", data=b"replaced by layer 5\n", mode=0o600)
    add("data/.wh.sub")
    add("layer4", tarfile.SYMTYPE, link="layer3")
elif recipe == "extra":
    add("extra", data=arg.encode() + b"\n")
elif recipe == "early":
    # Cut by the caller: without the end-of-archive blocks, or mid-entry.
    add("early/", tarfile.DIRTYPE, mode=0o755)
    add("early/first", data=b"first\n")
    add("early/link", tarfile.SYMTYPE, link="first")
    add("early/last", data=b"x" * 70000 + b"last line\n")
elif recipe == "big":
    add("big/zeros", size=int(arg))
elif recipe == "escape-symlink":
    add("etc", tarfile.SYMTYPE, link=arg)
    add("etc/sentinel", data=b"overwritten\n")
    add("etc/new", data=b"created\n")
elif recipe == "dotdot":
    add("../../../../../../../.." + arg + "/sentinel", data=b"overwritten\n")
elif recipe == "hardlink-out":
    add("stolen", tarfile.LNKTYPE, link="../../../../../../../.." + arg +
        "/sentinel")
elif recipe == "whiteout-symlink":
    add("out", tarfile.SYMTYPE, link=arg)
    add("out/.wh.sentinel")
elif recipe == "symlink-out":
    add("out", tarfile.SYMTYPE, link=arg)
elif recipe == "hardlink-via-out":
    add("stolen", tarfile.LNKTYPE, link="out/sentinel")
elif recipe == "whiteout-passwd":
    add("etc/.wh.passwd")
elif recipe == "hardlink-passwd":
    add("pw", tarfile.LNKTYPE, link="etc/passwd")
elif recipe == "chmod-symlink":
    add("out", tarfile.SYMTYPE, link=arg + "/sentinel")
    add("out", data=b"", mode=0o777)
else:
    sys.exit("unknown recipe " + recipe)
tf.close()
EOF

mktar() {
	python3 "$T/mktar.py" "$@"
}

# A gzip layer bomb: python3 gzbomb.py OUT COUNT SIZE writes OUT, a tar of
# COUNT files of SIZE zero bytes (a multiple of 64 MiB) as gzip members,
# without the tar ever being on disk, and prints its diffID.
cat >"$T/gzbomb.py" <<'EOF'
import gzip, hashlib, sys, tarfile

out, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
zeros = bytes(64 << 20)
member = gzip.compress(zeros, 9, mtime=0)
diffid = hashlib.sha256()
with open(out, "wb") as f:
    for i in range(count):
        ti = tarfile.TarInfo("zeros/%02d" % i)
        ti.size = size
        ti.mtime = 1600000000
        hdr = ti.tobuf(format=tarfile.PAX_FORMAT)
        diffid.update(hdr)
        f.write(gzip.compress(hdr, mtime=0))
        for _ in range(size // len(zeros)):
            diffid.update(zeros)
            f.write(member)
    diffid.update(bytes(1024))
    f.write(gzip.compress(bytes(1024), mtime=0))
print("sha256:" + diffid.hexdigest())
EOF

# oci_set_diffid DIR TAG N DIGEST: make the config of DIR:TAG claim DIGEST
# as the diffID of layer N (0-based).
oci_set_diffid() {
	_sd_desc=$(oci_tag_desc "$1" "$2")
	_sd_man="$1/blobs/sha256/$(echo "$_sd_desc" | jq -r .digest |
	    sed 's/^sha256://')"
	_sd_cfg="$1/blobs/sha256/$(jq -r .config.digest "$_sd_man" |
	    sed 's/^sha256://')"
	jq --argjson n "$3" --arg d "$4" '.rootfs.diff_ids[$n] = $d' \
	    "$_sd_cfg" >"$T/.cfg.json"
	oci_put_blob "$1" "$T/.cfg.json"
	jq --arg d "$OCI_DIGEST" --argjson s "$OCI_SIZE" \
	    '.config.digest = $d | .config.size = $s' "$_sd_man" \
	    >"$T/.man.json"
	oci_put_blob "$1" "$T/.man.json"
	oci_set_tag "$1" "$2" "$OCI_DIGEST" "$OCI_SIZE" \
	    application/vnd.oci.image.manifest.v1+json
	rm -f "$T/.cfg.json" "$T/.man.json"
}

# A fresh root holding the pulled images (the blobs are read-only).
fresh_root() {
	rm -rf "$1"
	cp -a "$T/store" "$1"
}

# chains ROOT DRIVER: how many chains the driver committed.
chains() {
	find "$2/layers/$1" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' |
	    wc -l | tr -d ' '
}

tmps() {
	find "$2/layers/$1" -mindepth 1 -maxdepth 1 -name '.tmp-*' |
	    wc -l | tr -d ' '
}

zfs_ok() {
	zfs_available || t_skip_case "no zfs-fuse"
}

ovl_mount() {
	mkdir -p "$2"
	mount -t overlay -o "ro,lowerdir=$1" none "$2"
	t_cleanup_add "umount '$2'"
}

# ---------------------------------------------------------------- setup

setup() {
	registry_start || return 1
	mkimage_multilayer "$T/img" latest || return 1
	mktar special "$T/special.tar" || return 1
	oci_add_layer "$T/img" latest "$T/special.tar" || return 1
	# "other": the same five layers and one more.
	_d=$(oci_tag_desc "$T/img" latest) || return 1
	oci_set_tag "$T/img" other "$(echo "$_d" | jq -r .digest)" \
	    "$(echo "$_d" | jq -r .size)" \
	    application/vnd.oci.image.manifest.v1+json || return 1
	mktar extra "$T/extra.tar" other || return 1
	oci_add_layer "$T/img" other "$T/extra.tar" || return 1
	# "badtop" and "badbase": "other" with the diffID of its top or its
	# bottom layer wrong in the config.
	for _t in badtop badbase; do
		oci_set_tag "$T/img" "$_t" "$OCI_DIGEST" "$OCI_SIZE" \
		    application/vnd.oci.image.manifest.v1+json || return 1
	done
	oci_set_diffid "$T/img" badtop 5 "sha256:$(printf x | sha256sum |
	    cut -d' ' -f1)" || return 1
	oci_set_diffid "$T/img" badbase 0 "sha256:$(printf y | sha256sum |
	    cut -d' ' -f1)" || return 1
	# "big": one large layer, slow enough to be killed mid-way.
	mkimage_busybox "$T/img" big || return 1
	mktar big "$T/big.tar" $((192 * 1048576)) || return 1
	oci_add_layer "$T/img" big "$T/big.tar" || return 1
	rm -f "$T/big.tar"
	# "single": one layer (an overlay mount of it needs padding).
	mkimage_busybox "$T/img" single || return 1
	# "noeof": a layer without its last padding and end-of-archive blocks,
	# as umoci 0.4.7 writes them; "cutmid": one cut inside an entry.  The
	# diffIDs are the digests of the bytes there are.
	for _t in noeof cutmid; do
		mkimage_busybox "$T/img" "$_t" || return 1
		mktar early "$T/$_t.tar" || return 1
		python3 -c 'import sys
d = open(sys.argv[1], "rb").read().rstrip(b"\0")
if sys.argv[2] == "cutmid":
    d = d[:len(d) - 30000]
open(sys.argv[1], "wb").write(d)' "$T/$_t.tar" "$_t" || return 1
		oci_add_layer "$T/img" "$_t" "$T/$_t.tar" || return 1
	done
	# "badmid": a second layer, slow to apply, whose diffID is wrong, and
	# a small third one.
	mkimage_busybox "$T/img" badmid || return 1
	mktar big "$T/mid.tar" $((128 * 1048576)) || return 1
	oci_add_layer "$T/img" badmid "$T/mid.tar" || return 1
	rm -f "$T/mid.tar"
	oci_add_layer "$T/img" badmid "$T/extra.tar" || return 1
	oci_set_diffid "$T/img" badmid 1 "sha256:$(printf z | sha256sum |
	    cut -d' ' -f1)" || return 1
	for _t in latest other badtop badbase big single noeof cutmid badmid
	do
		push_image "$T/img:$_t" "$REG/test/unpack:$_t" || return 1
		img-pull -q -R "$T/store" "$REG/test/unpack:$_t" \
		    >"$T/digest.$_t" || return 1
	done
	IMG="$REG/test/unpack:latest"
	umoci unpack --image "$T/img:latest" "$T/bundle" >/dev/null ||
	    return 1
	umoci unpack --image "$T/img:other" "$T/bundle-other" >/dev/null ||
	    return 1
	# Hostile layers on top of busybox, each its own image.
	mkdir -p "$T/outside"
	echo sentinel >"$T/outside/sentinel"
	chmod 644 "$T/outside/sentinel"
	for _h in escape-symlink dotdot hardlink-out whiteout-symlink \
	    chmod-symlink; do
		mkimage_busybox "$T/img" "$_h" || return 1
		mktar "$_h" "$T/$_h.tar" "$T/outside" || return 1
		oci_add_layer "$T/img" "$_h" "$T/$_h.tar" || return 1
		push_image "$T/img:$_h" "$REG/test/hostile:$_h" || return 1
		img-pull -q -R "$T/store" "$REG/test/hostile:$_h" \
		    >/dev/null || return 1
	done
	# Two layers on busybox, the second hardlinking through the first:
	# to a file beyond a symlink out of the root, to a whited-out file.
	for _h in hardlink-lower-symlink:symlink-out:hardlink-via-out \
	    hardlink-whiteout:whiteout-passwd:hardlink-passwd; do
		_n=${_h%%:*}
		_a=${_h#*:}
		_b=${_a#*:}
		_a=${_a%%:*}
		mkimage_busybox "$T/img" "$_n" || return 1
		for _r in "$_a" "$_b"; do
			mktar "$_r" "$T/$_r.tar" "$T/outside" || return 1
			oci_add_layer "$T/img" "$_n" "$T/$_r.tar" || return 1
		done
		push_image "$T/img:$_n" "$REG/test/hostile:$_n" || return 1
		img-pull -q -R "$T/store" "$REG/test/hostile:$_n" \
		    >/dev/null || return 1
	done
	return 0
}
t_setup "images, registry, pulls" setup

# ---------------------------------------------------------------- cases

dir_equals_umoci() {
	fresh_root "$T/r"
	check_exit 0 img-unpack -R "$T/r" -d dir --json "$IMG"
	p=$(jq -r .path "$T_STDOUT")
	case $p in "$T/r/layers/dir/"*/rootfs) ;; *) fail "path $p";; esac
	$TREECMP "$T/bundle/rootfs" "$p"
	check_eq 5 "$(chains dir "$T/r")" "dir chains"
	check_eq 0 "$(tmps dir "$T/r")" "temporaries"
	# Each chain is the complete tree of its layers: chain 3 still has
	# /data/sub/old, which layer 4 made opaque.
	c3=$(jq -r '.layers[2]' "$T_STDOUT" | sed 's/^sha256://')
	test -f "$T/r/layers/dir/$c3/rootfs/data/sub/old"
	test ! -e "$T/r/layers/dir/$c3/rootfs/data/gone"
}
t_case "dir: the multi-layer image equals umoci's unpack" dir_equals_umoci

overlay_equals_umoci() {
	fresh_root "$T/r"
	check_exit 0 img-unpack -v -R "$T/r" -d overlay --json "$IMG"
	# Layer 5 hardlinks files of the layers below: applied again over
	# their diffs, which copies the targets up into its own.
	grep -q 'links to files of lower layers' "$T_STDERR" ||
	    fail "layer 5 was not applied over the lower layers"
	l5=$(jq -r '.lowerdirs[0]' "$T_STDOUT")
	check_eq "$(stat -c %i "$l5/bin/busybox")" \
	    "$(stat -c %i "$l5/special/bb")" "copied up and linked"
	# What it copied up from data/sub went with the whiteout.
	check_eq "character special file 0,0" \
	    "$(stat -c '%F %t,%T' "$l5/data/sub")" "whiteout after copy-up"
	check_eq null "$(jq .path "$T_STDOUT")" "path without --mount"
	check_eq 5 "$(jq '.lowerdirs | length' "$T_STDOUT")" "lowerdirs"
	# Top first.
	top=$(jq -r '.rootfs | sub("^sha256:"; "")' "$T_STDOUT")
	check_eq "$T/r/layers/overlay/$top/diff" \
	    "$(jq -r '.lowerdirs[0]' "$T_STDOUT")" "first lowerdir"
	ovl_mount "$(jq -r '.lowerdirs | join(":")' "$T_STDOUT")" "$T/mnt"
	$TREECMP "$T/bundle/rootfs" "$T/mnt"
	# The diffs are in overlayfs format: layer 3's whiteout is a 0/0
	# character device, layer 4's opaque directory has the xattr.
	l3=$(jq -r '.lowerdirs[2]' "$T_STDOUT")
	l4=$(jq -r '.lowerdirs[1]' "$T_STDOUT")
	check_eq "character special file 0,0" \
	    "$(stat -c '%F %t,%T' "$l3/data/gone")" "whiteout"
	check_eq y "$(python3 -c 'import os, sys
sys.stdout.write(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' \
	    "$l4/data/sub")" "opaque"
	test ! -e "$l4/data/keep"
	# --mount mounts the same thing, once.
	check_exit 0 img-unpack -R "$T/r" -d overlay --mount --json "$IMG"
	m=$(jq -r .path "$T_STDOUT")
	t_cleanup_add "umount '$m'"
	check_eq "$T/r/layers/overlay/mnt/$top" "$m" "mountpoint"
	$TREECMP "$T/bundle/rootfs" "$m"
	check_exit 0 img-unpack -R "$T/r" -d overlay --mount "$IMG"
	check_eq 1 "$(grep -c " $m " /proc/self/mounts)" "mounts"
	check_exit 0 img-unpack -R "$T/r" -d overlay --mount --json \
	    "$REG/test/unpack:single"
	m=$(jq -r .path "$T_STDOUT")
	t_cleanup_add "umount '$m'"
	check_eq "hello" "$("$m/bin/busybox" echo hello)" "busybox in the mount"
	if touch "$m/bin/new" 2>/dev/null; then
		fail "the overlay mount is writable"
	fi
}
t_case "overlay: lowerdirs mounted equal umoci's unpack" overlay_equals_umoci

zfs_equals_umoci() {
	zfs_ok
	zfs_pool_create "$T"
	fresh_root "$T/r"
	check_exit 0 img-unpack -R "$T/r" -d zfs --zfs-dataset "$ZPOOL/berth" \
	    --json "$IMG"
	top=$(jq -r '.rootfs | sub("^sha256:"; "")' "$T_STDOUT")
	check_eq "$ZPOOL/berth/layers/$top@layer" \
	    "$(jq -r .dataset "$T_STDOUT")" "dataset"
	p=$(jq -r .path "$T_STDOUT")
	check_eq "$T/r/layers/zfs/$top" "$p" "path"
	# zfs-fuse has no extended attributes (img-unpack warns).
	$TREECMP --no-xattrs "$T/bundle/rootfs" "$p"
	grep -q 'xattr' "$T_STDERR"
	check_eq 5 "$(zfs list -H -t snapshot -o name -r "$ZPOOL/berth" |
	    grep -c '@layer$')" "snapshots"
	# Clones of their parents, read-only.
	c4=$(jq -r '.layers[3] | sub("^sha256:"; "")' "$T_STDOUT")
	check_eq "$ZPOOL/berth/layers/$c4@layer" \
	    "$(zfs get -H -o value origin "$ZPOOL/berth/layers/$top")" "origin"
	if touch "$p/newfile" 2>/dev/null; then
		fail "the top dataset is writable"
	fi
	grep -q '^driver=zfs$' "$T/r/berth.conf"
	grep -q "^zfs_dataset=$ZPOOL/berth\$" "$T/r/berth.conf"
	# berth.conf now says zfs: no options needed, nothing rebuilt.
	check_exit 0 img-unpack -v -R "$T/r" "$IMG"
	check_eq 5 "$(grep -c 'unpacked already' "$T_STDERR")" "reused"
}
t_case "zfs: datasets on zfs-fuse equal umoci's unpack" zfs_equals_umoci

json_chain_ids() {
	fresh_root "$T/r"
	check_exit 0 img-unpack -R "$T/r" -d dir --json "$IMG"
	cp "$T_STDOUT" "$T/out.json"
	man="$T/r/oci/blobs/sha256/$(sed 's/^sha256://' "$T/digest.latest")"
	cfg="$T/r/oci/blobs/sha256/$(jq -r .config.digest "$man" |
	    sed 's/^sha256://')"
	# chain[0] = diffid[0]; chain[n] = sha256(chain[n-1] + " " + diffid[n])
	chain=
	n=0
	for d in $(jq -r '.rootfs.diff_ids[]' "$cfg"); do
		if test -z "$chain"; then
			chain=$d
		else
			chain="sha256:$(printf '%s %s' "$chain" "$d" |
			    sha256sum | cut -d' ' -f1)"
		fi
		check_eq "$chain" "$(jq -r ".layers[$n]" "$T/out.json")" \
		    "chain $n"
		n=$((n + 1))
	done
	check_eq "$chain" "$(jq -r .rootfs "$T/out.json")" "rootfs"
	check_eq dir "$(jq -r .driver "$T/out.json")" "driver"
	check_eq "$(cat "$T/digest.latest")" "$(jq -r .manifest "$T/out.json")"
	# Plain output is the rootfs id alone; a digest names the image too.
	check_stdout - img-unpack -R "$T/r" "$(cat "$T/digest.latest")" <<-EOF
	$chain
	EOF
	check_stdout - img-unpack -R "$T/r" -d dir \
	    "$IMG@$(cat "$T/digest.latest")" <<-EOF
	$chain
	EOF
}
t_case "chain ids and --json output" json_chain_ids

sharing() {
	fresh_root "$T/r"
	check_exit 0 img-unpack -R "$T/r" -d dir "$IMG"
	check_exit 0 img-unpack -v -R "$T/r" -d dir --json \
	    "$REG/test/unpack:other"
	check_eq 5 "$(grep -c 'unpacked already' "$T_STDERR")" "reused"
	check_eq 6 "$(chains dir "$T/r")" "dir chains of both images"
	$TREECMP "$T/bundle-other/rootfs" "$(jq -r .path "$T_STDOUT")"
	check_exit 0 img-unpack -R "$T/r" -d overlay "$IMG"
	check_exit 0 img-unpack -R "$T/r" -d overlay "$REG/test/unpack:other"
	check_eq 6 "$(chains overlay "$T/r")" "overlay chains of both images"
	if zfs_available; then
		zfs_pool_create "$T"
		check_exit 0 img-unpack -R "$T/r" --zfs-dataset "$ZPOOL/b" \
		    "$IMG"
		check_exit 0 img-unpack -R "$T/r" -d zfs \
		    --zfs-dataset "$ZPOOL/b" "$REG/test/unpack:other"
		check_eq 6 "$(zfs list -H -o name -t filesystem -r \
		    "$ZPOOL/b/layers" | grep -c '/layers/')" "datasets"
	fi
}
t_case "two images sharing a base share its chains" sharing

not_found() {
	fresh_root "$T/r"
	check_stderr_match 66 "not in the store" \
	    img-unpack -R "$T/r" -d dir "$REG/test/nosuch:latest"
	check_exit 66 img-unpack -R "$T/r" -d dir "$REG/test/unpack:nosuchtag"
	check_exit 66 img-unpack -R "$T/r" -d dir "sha256:$(printf z |
	    sha256sum | cut -d' ' -f1)"
	check_exit 66 img-unpack -R "$T/nonexistent" -d dir "$IMG"
	# A layer blob missing from the store.
	l=$(jq -r '.layers[-1].digest | sub("^sha256:"; "")' \
	    "$T/r/oci/blobs/sha256/$(sed 's/^sha256://' "$T/digest.latest")")
	rm "$T/r/oci/blobs/sha256/$l"
	check_exit 66 img-unpack -R "$T/r" -d dir "$IMG"
	check_eq 4 "$(chains dir "$T/r")" "chains below the missing layer"
	test ! -e "$T/r/layers/dir/$l"
}
t_case "unknown image, tag, digest, root or blob: 66" not_found

usage_errors() {
	fresh_root "$T/r"
	check_stderr_match 64 "unknown storage driver 'btrfs'" \
	    img-unpack -R "$T/r" -d btrfs "$IMG"
	check_exit 64 img-unpack -R "$T/r" -d dir --zfs-dataset p/x "$IMG"
	check_exit 64 img-unpack -R "$T/r" --zfs-dataset 'p@x' "$IMG"
	check_stderr_match 64 "needs a dataset" img-unpack -R "$T/r" -d zfs \
	    "$IMG"
	check_exit 64 img-unpack -R "$T/r" "Upper/Case:tag"
	check_exit 64 img-unpack -R "$T/r"
	check_exit 64 img-unpack -R "$T/r" -x "$IMG"
	test ! -e "$T/r/layers/dir"
	test ! -e "$T/r/berth.conf"
	printf 'driver=dir\ncolour=red\n' >"$T/r/berth.conf"
	check_stderr_match 78 "berth.conf:2" img-unpack -R "$T/r" "$IMG"
	printf 'driver=zfs\n' >"$T/r/berth.conf"
	check_stderr_match 78 "needs a dataset" img-unpack -R "$T/r" "$IMG"
}
t_case "bad driver, options or reference: 64; bad berth.conf: 78" \
    usage_errors

default_driver() {
	fresh_root "$T/r"
	check_exit 0 img-unpack -R "$T/r" --json "$IMG"
	check_eq overlay "$(jq -r .driver "$T_STDOUT")" "Linux default"
	grep -q '^driver=overlay$' "$T/r/berth.conf"
	printf '# ours\ndriver=dir\n' >"$T/r/berth.conf"
	check_exit 0 img-unpack -R "$T/r" --json "$IMG"
	check_eq dir "$(jq -r .driver "$T_STDOUT")" "from berth.conf"
	check_exit 0 img-unpack -R "$T/r" -d overlay --json "$IMG"
	check_eq overlay "$(jq -r .driver "$T_STDOUT")" "-d wins"
	grep -q '^driver=dir$' "$T/r/berth.conf"
	# A root that is a ZFS dataset's mountpoint gets the zfs driver.
	if zfs_available; then
		zfs_pool_create "$T"
		zfs create -o mountpoint="$T/zroot" "$ZPOOL/root"
		cp -a "$T/store/." "$T/zroot/"
		check_exit 0 img-unpack -R "$T/zroot" --json "$IMG"
		check_eq zfs "$(jq -r .driver "$T_STDOUT")" "detected"
		case $(jq -r .dataset "$T_STDOUT") in
		"$ZPOOL/root/layers/"*@layer) ;;
		*) fail "dataset $(jq -r .dataset "$T_STDOUT")";;
		esac
		grep -q "^zfs_dataset=$ZPOOL/root\$" "$T/zroot/berth.conf"
	fi
}
t_case "driver from -d, berth.conf, ZFS detection, else overlay" \
    default_driver

diffid_mismatch() {
	# The bottom chain's id is the diffID the config claims.
	bad=$(printf y | sha256sum | cut -d' ' -f1)
	for drv in dir overlay; do
		fresh_root "$T/r"
		check_stderr_match 65 "diff" img-unpack -R "$T/r" -d "$drv" \
		    "$REG/test/unpack:badbase"
		test ! -e "$T/r/layers/$drv/$bad"
		# Nothing above it either: dir builds on the parent, overlay
		# applies layers side by side but commits them in order.
		check_eq 0 "$(chains "$drv" "$T/r")" "$drv: chains"
		check_eq 0 "$(tmps "$drv" "$T/r")" "$drv: temporaries"
		fresh_root "$T/r"
		check_exit 65 img-unpack -R "$T/r" -d "$drv" \
		    "$REG/test/unpack:badtop"
		check_eq 5 "$(chains "$drv" "$T/r")" "$drv: chains below"
		check_eq 0 "$(tmps "$drv" "$T/r")" "$drv: temporaries"
	done
	if zfs_available; then
		zfs_pool_create "$T"
		check_exit 65 img-unpack -R "$T/r" -d zfs \
		    --zfs-dataset "$ZPOOL/b" "$REG/test/unpack:badtop"
		check_eq 5 "$(zfs list -H -o name -t filesystem -r \
		    "$ZPOOL/b/layers" | grep -c '/layers/')" "datasets"
	fi
}
t_case "a diffID that does not match the config: 65, nothing committed" \
    diffid_mismatch

concurrent() {
	for drv in dir overlay; do
		fresh_root "$T/r"
		img-unpack -v -R "$T/r" -d "$drv" "$IMG" >"$T/o1" 2>"$T/e1" &
		p1=$!
		img-unpack -v -R "$T/r" -d "$drv" "$IMG" >"$T/o2" 2>"$T/e2" &
		p2=$!
		r1=0
		r2=0
		wait "$p1" || r1=$?
		wait "$p2" || r2=$?
		check_eq "0 0" "$r1 $r2" "$drv: exit statuses"
		cmp "$T/o1" "$T/o2"
		# Every layer applied once, by one or the other.
		check_eq 5 "$(cat "$T/e1" "$T/e2" | grep -c ' entries in ')" \
		    "$drv: layers applied"
		check_eq 5 "$(chains "$drv" "$T/r")" "$drv: chains"
	done
}
t_case "two img-unpacks of one image at once do the work once" concurrent

# killed DRIVER ROOT [ARGS]: SIGKILL img-unpack of the big image while it
# applies the big layer, then check a rerun finishes the job.
killed() {
	drv=$1
	r=$2
	shift 2
	img-unpack -R "$r" -d "$drv" "$@" "$REG/test/unpack:big" \
	    >/dev/null 2>&1 &
	pid=$!
	# Wait until the big layer is being written.
	n=0
	until test -n "$(find "$r/layers/$drv" -path '*/big/zeros' \
	    2>/dev/null | head -n 1)"; do
		n=$((n + 1))
		test "$n" -lt 600 || fail "$drv: the big layer never started"
		t_alive "$pid" || fail "$drv: img-unpack ended too soon"
		sleep 0.02
	done
	kill -KILL "$pid"
	wait "$pid" || true
}

# The rerun after killed(): finishes the job, saying it cleaned up.
rerun() {
	drv=$1
	r=$2
	shift 2
	check_exit 0 img-unpack -v -R "$r" -d "$drv" "$@" --json \
	    "$REG/test/unpack:big"
	grep -q 'removed 1 unfinished layer' "$T_STDERR" ||
	    fail "no cleanup reported"
	p=$(jq -r .path "$T_STDOUT")
	check_eq $((192 * 1048576)) "$(stat -c %s "$p/big/zeros")" "size"
	test -x "$p/bin/busybox"
}

killed_dir() {
	fresh_root "$T/r"
	killed dir "$T/r"
	# What the killed run left: its temporary, the base chain only.
	check_eq 1 "$(tmps dir "$T/r")" "temporaries after the kill"
	check_eq 1 "$(chains dir "$T/r")" "chains after the kill"
	rerun dir "$T/r"
	check_eq 0 "$(tmps dir "$T/r")" "temporaries"
	check_eq 2 "$(chains dir "$T/r")" "chains"
}
t_case "dir: SIGKILL mid-unpack, then a rerun succeeds" killed_dir

killed_zfs() {
	zfs_ok
	zfs_pool_create "$T" 768M
	fresh_root "$T/r"
	killed zfs "$T/r" --zfs-dataset "$ZPOOL/berth"
	# A dataset without its @layer snapshot is what the kill left.
	check_eq 1 "$(zfs list -H -t snapshot -o name -r "$ZPOOL/berth" |
	    grep -c '@layer$')" "snapshots after the kill"
	check_eq 2 "$(zfs list -H -t filesystem -o name -r \
	    "$ZPOOL/berth/layers" | grep -c '/layers/')" \
	    "datasets after the kill"
	rerun zfs "$T/r" --zfs-dataset "$ZPOOL/berth"
	check_eq 2 "$(zfs list -H -t snapshot -o name -r "$ZPOOL/berth" |
	    grep -c '@layer$')" "snapshots"
	check_eq 2 "$(zfs list -H -t filesystem -o name -r \
	    "$ZPOOL/berth/layers" | grep -c '/layers/')" "datasets"
}
t_case "zfs: SIGKILL mid-unpack, then a rerun succeeds" killed_zfs

# hostile RECIPE [CHAINS]: the layer is refused (65) or contained; either
# way the sentinel outside the root is untouched and nothing appears beside
# it.  On 65, CHAINS (default 1) chains below the refused one are there.
hostile() {
	below=${2:-1}
	for drv in dir overlay; do
		fresh_root "$T/r"
		rc=0
		img-unpack -R "$T/r" -d "$drv" "$REG/test/hostile:$1" \
		    >"$T/out" 2>"$T/err" || rc=$?
		case $rc in
		0|65) ;;
		*) cat "$T/err" >&2; fail "$1 ($drv): exit $rc";;
		esac
		check_eq sentinel "$(cat "$T/outside/sentinel")" "$1: sentinel"
		check_eq 644 "$(stat -c %a "$T/outside/sentinel")" "$1: mode"
		check_eq sentinel "$(ls "$T/outside")" "$1: beside the sentinel"
		if test "$rc" -eq 65; then
			# Only the chains below it were committed.
			check_eq "$below" "$(chains "$drv" "$T/r")" \
			    "$1 ($drv): chains"
		fi
		check_eq 0 "$(tmps "$drv" "$T/r")" "$1 ($drv): temporaries"
		echo "$1 ($drv): exit $rc $(head -c 200 "$T/err")"
	done
}
t_case "hostile: symlinked parent escapes the root" hostile escape-symlink
t_case "hostile: ../ escapes the root" hostile dotdot
t_case "hostile: hardlink to a file outside the root" hostile hardlink-out
t_case "hostile: whiteout through a symlinked parent" hostile \
    whiteout-symlink
t_case "hostile: chmod through a symlink" hostile chmod-symlink

# hardlink_refused IMAGE: 65 with every driver, naming the missing target.
hardlink_refused() {
	for drv in dir overlay; do
		fresh_root "$T/r"
		check_stderr_match 65 "not found" img-unpack -R "$T/r" \
		    -d "$drv" "$REG/test/hostile:$1"
		check_eq 2 "$(chains "$drv" "$T/r")" "$1 ($drv): chains"
		check_eq 0 "$(tmps "$drv" "$T/r")" "$1 ($drv): temporaries"
	done
	check_eq sentinel "$(cat "$T/outside/sentinel")" "$1: sentinel"
	check_eq sentinel "$(ls "$T/outside")" "$1: beside the sentinel"
}
t_case "hostile: hardlink through a lower layer's symlink out of the root" \
    hardlink_refused hardlink-lower-symlink
t_case "a hardlink to a file a lower layer whited out: 65" \
    hardlink_refused hardlink-whiteout

# A layer that ends after the data of its last entry (no padding, no
# end-of-archive blocks) unpacks on every driver when its digests match,
# saying so at -v; one cut inside an entry is refused.
early_end() {
	for drv in dir overlay zfs; do
		set --
		if test "$drv" = zfs; then
			zfs_available || continue
			zfs_pool_create "$T"
			set -- --zfs-dataset "$ZPOOL/b"
		fi
		fresh_root "$T/r$drv"
		check_exit 0 img-unpack -v -R "$T/r$drv" -d "$drv" "$@" --json \
		    "$REG/test/unpack:noeof"
		grep 'the tar ends without' "$T_STDERR"
		check_grep 'the tar ends without the padding of its last entry and the end-of-archive blocks: accepted' \
		    "$T_STDERR"
		top=$(jq -r .rootfs "$T_STDOUT" | sed 's/^sha256://')
		d="$T/r$drv/layers/$drv/$top"
		test "$drv" = zfs || d="$d/$(test "$drv" = dir && echo rootfs ||
		    echo diff)"
		check_eq first "$(cat "$d/early/first")" "$drv: first"
		check_eq "last line" "$(tail -c 10 "$d/early/last")" "$drv: last"
		check_eq 70010 "$(stat -c %s "$d/early/last")" "$drv: size"
		check_eq first "$(readlink "$d/early/link")" "$drv: link"
		fresh_root "$T/c$drv"
		test "$drv" != zfs || set -- --zfs-dataset "$ZPOOL/c"
		check_stderr_match 65 "Truncated" img-unpack -R "$T/c$drv" \
		    -d "$drv" "$@" "$REG/test/unpack:cutmid"
		if test "$drv" != zfs; then
			check_eq 1 "$(chains "$drv" "$T/c$drv")" "$drv: chains"
			check_eq 0 "$(tmps "$drv" "$T/c$drv")" "$drv: temporaries"
		else
			check_eq 1 "$(zfs list -H -o name -t filesystem -r \
			    "$ZPOOL/c/layers" | grep -c '/layers/')" "datasets"
		fi
	done
}
t_case "a layer without end-of-archive blocks: accepted at an entry boundary" \
    early_end

# When the second of three layers fails, the first chain is committed and
# no other: none for the second, none for the third above it, even with
# overlay, which applies them side by side.
mid_failure() {
	man="$T/store/oci/blobs/sha256/$(sed 's/^sha256://' "$T/digest.badmid")"
	cfg="$T/store/oci/blobs/sha256/$(jq -r .config.digest "$man" |
	    sed 's/^sha256://')"
	bottom=$(jq -r '.rootfs.diff_ids[0] | sub("^sha256:"; "")' "$cfg")
	for drv in dir overlay zfs; do
		set --
		if test "$drv" = zfs; then
			zfs_available || continue
			zfs_pool_create "$T"
			set -- --zfs-dataset "$ZPOOL/b"
		fi
		fresh_root "$T/m$drv"
		check_stderr_match 65 "diffID mismatch" img-unpack -R "$T/m$drv" \
		    -d "$drv" "$@" "$REG/test/unpack:badmid"
		if test "$drv" = zfs; then
			check_eq "$ZPOOL/b/layers/$bottom" "$(zfs list -H -o name \
			    -t filesystem -r "$ZPOOL/b/layers" | grep /layers/)" \
			    "zfs: datasets"
			continue
		fi
		check_eq 1 "$(chains "$drv" "$T/m$drv")" "$drv: chains"
		test -f "$T/m$drv/layers/$drv/$bottom/layer.json"
		check_eq 0 "$(tmps "$drv" "$T/m$drv")" "$drv: temporaries"
	done
}
t_case "the second layer fails: the first chain committed, no other" \
    mid_failure

# A root that skopeo made, the image layout alone: img-unpack and
# pod-render make the rest (ingest/, locks/) instead of failing (66).
skopeo_root() {
	rm -rf "$T/sk"
	mkdir "$T/sk"
	t_skopeo copy -q --src-tls-verify=false \
	    "docker://$REG/test/unpack:single" \
	    "oci:$T/sk/oci:$REG/test/unpack:single"
	test ! -e "$T/sk/ingest" && test ! -e "$T/sk/locks"
	check_exit 0 img-unpack -R "$T/sk" -d dir --json \
	    "$REG/test/unpack:single"
	test -x "$(jq -r .path "$T_STDOUT")/bin/busybox"
	test -d "$T/sk/ingest" && test -d "$T/sk/locks"
	rm -rf "$T/sk/ingest" "$T/sk/locks"
	check_exit 0 pod-render -q -R "$T/sk" "$REG/test/unpack:single" \
	    -- /bin/true
	check_exit 0 pod-render -q -R "$T/sk" -D "$(cat "$T_STDOUT")"
	# Without the image layout it is not a store.
	rm -rf "$T/sk/oci"
	check_stderr_match 66 "'oci' is missing" img-unpack -R "$T/sk" \
	    "$REG/test/unpack:single"
}
t_case "a root made by skopeo copy to oci:ROOT/oci:REF" skopeo_root

# bomb_refused DRIVER ROOT [ARGS]: the bomb image is refused (65) in one
# line, leaving no chain, no temporary and no disk used.
bomb_refused() {
	drv=$1
	r=$2
	shift 2
	before=$(du -sk "$r" | cut -f1)
	check_stderr_match 65 "decompression bomb" img-unpack -R "$r" \
	    -d "$drv" "$@" "$REG/test/unpack:bomb"
	check_eq 1 "$(wc -l <"$T_STDERR" | tr -d ' ')" "$drv: one line"
	cat "$T_STDERR"
	if test "$drv" = zfs; then
		check_eq 0 "$(zfs list -H -o name -t all -r "$ZPOOL/b/layers" |
		    grep -c '/layers/' || true)" "zfs: datasets"
	else
		check_eq 0 "$(chains "$drv" "$r")" "$drv: chains"
		check_eq 0 "$(tmps "$drv" "$r")" "$drv: temporaries"
	fi
	check_num "$(du -sk "$r" | cut -f1)" -le $((before + 512)) \
	    "$drv: KiB used, $before before"
}

# A gzip layer of 4 MB whose tar is 4 GiB of zeros: refused once it
# expands past 100 times its size, at least 512 MiB (the defaults), or
# what berth.conf or --max-layer-expansion say.
layer_bomb() {
	python3 "$T/gzbomb.py" "$T/bomb.gz" 16 $((256 * 1048576)) \
	    >"$T/bomb.diffid"
	umoci new --image "$T/img:bomb"
	oci_add_gz_layer "$T/img" bomb "$T/bomb.gz" "$(cat "$T/bomb.diffid")"
	rm -f "$T/bomb.gz"
	push_image "$T/img:bomb" "$REG/test/unpack:bomb"
	fresh_root "$T/bstore"
	img-pull -q -R "$T/bstore" "$REG/test/unpack:bomb" >/dev/null
	rm -rf "$T/r"
	cp -a "$T/bstore" "$T/r"
	bomb_refused dir "$T/r"
	grep -q '512.0 MiB, 100 times its 4.0 MiB compressed' "$T_STDERR"
	rm -rf "$T/r"
	cp -a "$T/bstore" "$T/r"
	printf 'driver=overlay\nmax_layer_expansion = 20, 256M\n' \
	    >"$T/r/berth.conf"
	bomb_refused overlay "$T/r"
	grep -q 'larger than 268435456 bytes' "$T_STDERR"
	if zfs_available; then
		zfs_pool_create "$T" 768M
		rm -rf "$T/r"
		cp -a "$T/bstore" "$T/r"
		bomb_refused zfs "$T/r" --zfs-dataset "$ZPOOL/b" \
		    --max-layer-expansion 10,128M
	fi
	rm -rf "$T/bstore"
}
t_case "a layer bomb is refused: 65, one line, nothing left" layer_bomb

t_done
