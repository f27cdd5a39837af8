#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Unpack benchmark (issue 3).  Builds the pull benchmark's image (at least
# MIN_MB compressed, two or more gzip layers made from directories of this
# machine), pushes it to a loopback registry and pulls it once with
# img-pull.  Then, interleaved, ROUNDS times each, every run into an empty
# directory with a cold start (the previous tree removed and synced first):
#   img-unpack -d dir      into a fresh root holding the pulled blobs,
#   img-unpack -d overlay  likewise,
#   umoci raw unpack       of the same image from its OCI layout,
#   gzip -dc LAYER | tar -x of the same layers, one after the other.
# Prints each run, the medians and the ratios img-unpack/umoci (target
# <= 0.5) and img-unpack/gzip-tar (target <= 1.3).  Then ZFS_ROUNDS runs
# (default 1) of img-unpack -d zfs on a zfs-fuse pool (ZFS_ROUNDS=0: skip).
# Needs root (owners, devices, overlay, zfs).
#
# BENCH_FS=loop (the default where losetup and mkfs.ext4 exist): every run
# writes into a freshly made ext4 filesystem on a loop device, so that no
# run pays for the previous one's deletions (ext4 scans recently deleted
# inodes when it allocates new ones: after a tree of 70,000 files was
# removed, creating files can cost several times more).  BENCH_FS=dir:
# plain directories on $TMPDIR's filesystem.  BENCH_CACHE=DIR keeps the
# image and its pulled root in DIR for the next run.
set -eu
ROUNDS=${ROUNDS:-5}
ZFS_ROUNDS=${ZFS_ROUNDS:-1}
MIN_MB=${MIN_MB:-150}
# shellcheck disable=SC1091
. "$(dirname "$0")/../integration/lib.sh"
t_init
# shellcheck disable=SC1091
. "$TOP/tests/tools/zfs-pool.sh"
for p in img-pull img-unpack; do
	test -x "$TOP/bin/$p" || { echo "build first: make" >&2; exit 1; }
done
test "$(id -u)" -eq 0 || { echo "run as root" >&2; exit 1; }

# The image (OCI layout img/), the root it was pulled into (base/) and its
# digest: in BENCH_CACHE if that is set (made there once and reused by
# later runs), else in the temporary directory.
W=${BENCH_CACHE:-$T}
mkdir -p "$W"
img="$W/img"
if ! test -s "$W/digest"; then
	# The pull benchmark's image: layers from directories of this
	# machine, until MIN_MB compressed.
	rm -rf "$img" "$W/base"
	umoci init --layout "$img" >/dev/null
	umoci new --image "$img:big" >/dev/null
	total=0
	n=0
	for d in /usr/lib/x86_64-linux-gnu /usr/share /usr/bin /usr/lib \
	    /usr/local; do
		test -d "$d" || continue
		tar -C / --numeric-owner --owner=0 --group=0 \
		    -cf "$T/layer.tar" "${d#/}" 2>/dev/null || true
		oci_add_layer "$img" big "$T/layer.tar"
		rm -f "$T/layer.tar"
		n=$((n + 1))
		total=$(jq '[.layers[].size] | add' \
		    "$img/blobs/sha256/${OCI_DIGEST#sha256:}")
		echo "layer $n from $d: total $((total / 1048576)) MiB" \
		    "compressed"
		if test "$n" -ge 2 &&
		    test "$total" -ge $((MIN_MB * 1048576)); then
			break
		fi
	done
	registry_start
	push_image "$img:big" "$REG/bench/big:1"
	img-pull -q -R "$W/base" "$REG/bench/big:1" >"$W/digest.tmp"
	mv "$W/digest.tmp" "$W/digest"
fi
digest=$(cat "$W/digest")
man="$img/blobs/sha256/${digest#sha256:}"
layers=$(jq -r '.layers[].digest' "$man")
n=$(echo "$layers" | wc -l | tr -d ' ')
total=$(jq '[.layers[].size] | add' "$man")
usize=0
for l in $layers; do
	usize=$((usize + $(gzip -dc "$img/blobs/sha256/${l#sha256:}" | wc -c)))
done
echo "image $digest: $n layers, $((total / 1048576)) MiB compressed," \
    "$((usize / 1048576)) MiB of tar"
if img-unpack -v -R "$W/base" -d dir "$digest" 2>&1 >/dev/null |
    grep -q isa-l; then
	echo "img-unpack inflates with ISA-L"
else
	echo "img-unpack inflates with zlib"
fi
rm -rf "$W/base/layers" "$W/base/berth.conf"

now_ms() {
	python3 -c 'import time; print(int(time.monotonic() * 1000))'
}

if test -z "${BENCH_FS:-}"; then
	if command -v losetup >/dev/null && command -v mkfs.ext4 >/dev/null &&
	    losetup -f >/dev/null 2>&1; then
		BENCH_FS=loop
	else
		BENCH_FS=dir
	fi
fi
echo "output filesystem: $BENCH_FS"
# Where the runs write: $T/fs, a fresh filesystem per run with loop.
O="$T/fs"
mkdir -p "$O"
fsmb=$((usize * 3 / 1048576 + total / 1048576 + 1024))

clean() {
	if test "$BENCH_FS" = loop; then
		if mountpoint -q "$O"; then
			umount "$O"
		fi
		rm -f "$T/fs.img"
	else
		rm -rf "$O/r" "$O/u" "$O/g"
	fi
	sync
}
t_cleanup_add clean

# A fresh root with the pulled blobs (hardlinked on the same filesystem:
# they are read-only).
fresh_root() {
	rm -rf "$1"
	if ! cp -al "$W/base" "$1" 2>/dev/null; then
		rm -rf "$1"
		cp -a "$W/base" "$1"
	fi
}

prepare() {
	clean
	if test "$BENCH_FS" = loop; then
		truncate -s "${fsmb}M" "$T/fs.img"
		mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 \
		    "$T/fs.img"
		mount -o loop "$T/fs.img" "$O"
	fi
	case $1 in
	dir|overlay) fresh_root "$O/r";;
	gzip-tar) mkdir -p "$O/g";;
	esac
	sync
}

run() {
	case $1 in
	dir|overlay)
		img-unpack -q -R "$O/r" -d "$1" "$digest" >/dev/null;;
	umoci)
		umoci raw unpack --image "$img:big" "$O/u" >/dev/null 2>&1;;
	gzip-tar)
		for l in $layers; do
			gzip -dc "$img/blobs/sha256/${l#sha256:}" |
			    tar -x -C "$O/g" -f -
		done;;
	esac
}

median() {
	sort -n | awk '{ a[NR] = $1 } END {
	    if (NR % 2) print a[(NR + 1) / 2];
	    else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

tools="dir overlay umoci gzip-tar"
for tool in $tools; do
	: >"$T/t.$tool"
done
i=1
while test "$i" -le "$ROUNDS"; do
	for tool in $tools; do
		prepare "$tool"
		s=$(now_ms)
		run "$tool"
		e=$(now_ms)
		echo "$((e - s))" >>"$T/t.$tool"
		echo "round $i $tool: $((e - s)) ms"
	done
	i=$((i + 1))
done
clean
md=$(median <"$T/t.dir")
mo=$(median <"$T/t.overlay")
mu=$(median <"$T/t.umoci")
mg=$(median <"$T/t.gzip-tar")
echo "median img-unpack -d dir:     $md ms"
echo "median img-unpack -d overlay: $mo ms"
echo "median umoci raw unpack:      $mu ms"
echo "median gzip -dc | tar -x:     $mg ms"
awk -v d="$md" -v o="$mo" -v u="$mu" -v g="$mg" 'BEGIN {
    printf "ratio dir/umoci:        %.2f (target <= 0.50)\n", d / u
    printf "ratio overlay/umoci:    %.2f (target <= 0.50)\n", o / u
    printf "ratio dir/gzip-tar:     %.2f (target <= 1.30)\n", d / g
    printf "ratio overlay/gzip-tar: %.2f (target <= 1.30)\n", o / g }'

if test "$ZFS_ROUNDS" -gt 0 && zfs_available; then
	# Room for the tree plus ZFS overhead; the file is sparse.
	zfs_pool_create "$T" "$((usize * 2 / 1048576 + 512))M"
	: >"$T/t.zfs"
	i=1
	while test "$i" -le "$ZFS_ROUNDS"; do
		fresh_root "$T/r"
		zfs_pool_destroy "$ZPOOL" "$ZPOOL_FILE"
		zfs_pool_create "$T" "$((usize * 2 / 1048576 + 512))M"
		sync
		s=$(now_ms)
		img-unpack -q -R "$T/r" -d zfs --zfs-dataset "$ZPOOL/berth" \
		    "$digest" >/dev/null
		e=$(now_ms)
		echo "$((e - s))" >>"$T/t.zfs"
		echo "round $i zfs (zfs-fuse): $((e - s)) ms"
		i=$((i + 1))
	done
	echo "median img-unpack -d zfs on zfs-fuse: $(median <"$T/t.zfs") ms"
	zfs_pool_destroy "$ZPOOL" "$ZPOOL_FILE"
	rm -rf "$T/r"
else
	echo "zfs: skipped (ZFS_ROUNDS=0, or no zfs-fuse)"
fi
