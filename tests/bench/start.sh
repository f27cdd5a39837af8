#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Start benchmark (issue 4).  Builds the busybox test image
# (mkimage_busybox), pushes it to a loopback registry, and pulls and unpacks
# it into one root per storage driver (dir, overlay, and zfs on a zfs-fuse
# pool made here), each root its own BERTH_ROOT.  The same unpacked rootfs,
# copied, is the rootfs of an OCI bundle for runc (runc spec, then args
# /bin/true, terminal false).  Then, interleaved, ROUNDS times:
#   for each driver: pod-render IMAGE -- /bin/true, then pod-exec UUID
#     (timed separately and together; pod-render -D UUID afterwards is
#     timed too but counts for nothing),
#   runc run of the bundle (which deletes its container when it exits).
# Prints each run, the medians, render alone per driver, and the ratio
# (render+exec)/(runc run) per driver (target <= 0.5).
#
# Every time is taken with CLOCK_MONOTONIC by a small Python helper that
# starts the programs itself, so that no interpreter start-up is counted:
# pod-render and pod-exec pay one process start each, runc run one.
# DRIVERS (default "dir overlay zfs") picks the drivers; zfs is skipped
# without zfs-fuse.  Needs root (namespaces, mounts, cgroups, zfs).
set -eu
ROUNDS=${ROUNDS:-10}
DRIVERS=${DRIVERS:-dir overlay zfs}
# shellcheck disable=SC1091
. "$(dirname "$0")/../integration/lib.sh"
t_init
# shellcheck disable=SC1091
. "$TOP/tests/tools/zfs-pool.sh"
for p in img-pull img-unpack pod-render pod-exec; do
	test -x "$TOP/bin/$p" || { echo "build first: make" >&2; exit 1; }
done
command -v runc >/dev/null || { echo "need runc" >&2; exit 1; }
test "$(id -u)" -eq 0 || { echo "run as root" >&2; exit 1; }

# Last resort, run after every other cleanup: nothing may stay mounted
# beneath $T when it is removed.
umount_leftovers() {
	awk -v t="$T/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo |
	    sort -r | while read -r _m; do
		umount -l "$_m" || true
	done
}
t_cleanup_add umount_leftovers

# tm [-o FILE] CMD... [@then CMD2...]: run CMD (stdout to FILE, default
# /dev/null) and print the microseconds it took.  With @then, CMD's stdout
# is captured instead and its last line appended to CMD2 as an argument;
# then CMD2's time follows, and the captured line last.  Fails if a
# command fails.
cat >"$T/tm.py" <<'EOF'
import subprocess, sys, time
args = sys.argv[1:]
out = "/dev/null"
if args[:1] == ["-o"]:
    out, args = args[1], args[2:]
cmds, cur = [], []
for a in args:
    if a == "@then":
        cmds.append(cur)
        cur = []
    else:
        cur.append(a)
cmds.append(cur)
res, prev = [], None
with open(out, "wb") as f:
    for i, c in enumerate(cmds):
        if prev is not None:
            c = c + [prev]
        last = i == len(cmds) - 1
        s = time.monotonic_ns()
        try:
            p = subprocess.run(c, stdout=f if last else subprocess.PIPE)
        except OSError as ex:
            sys.exit("tm: %s: %s" % (c[0], ex.strerror))
        e = time.monotonic_ns()
        if p.returncode != 0:
            sys.exit("tm: %s: exit status %d" % (" ".join(c), p.returncode))
        res.append(str((e - s) // 1000))
        if not last:
            lines = p.stdout.decode().split()
            if not lines:
                sys.exit("tm: %s printed nothing" % " ".join(c))
            prev = lines[-1]
if prev is not None:
    res.append(prev)
print(" ".join(res))
EOF
tm() {
	python3 "$T/tm.py" "$@"
}

# The image, pushed and pulled by reference.
registry_start
mkimage_busybox "$T/img" 1 >/dev/null
push_image "$T/img:1" "$REG/bench/busybox:1"
ref="$REG/bench/busybox:1"

# Pods left by an interrupted run: destroy them (unmounting their rootfs)
# before the temporary directory is removed.
destroy_pods() {
	for _p in "$1"/pods/*; do
		test -d "$_p" || continue
		pod-render -q -R "$1" -D "${_p##*/}" || true
	done
}

drivers=
for d in $DRIVERS; do
	case $d in
	dir|overlay) opt=;;
	zfs)
		if ! zfs_available; then
			echo "zfs: skipped (no zfs-fuse)"
			continue
		fi
		zfs_pool_create "$T" 512M
		opt="--zfs-dataset $ZPOOL/berth";;
	*) echo "unknown driver $d" >&2; exit 1;;
	esac
	root="$T/root-$d"
	t_cleanup_add destroy_pods "$root"
	digest=$(img-pull -q -R "$root" "$ref")
	# shellcheck disable=SC2086
	img-unpack -q -R "$root" -d "$d" $opt "$digest" >/dev/null
	drivers="$drivers $d"
done
test -n "$drivers" || { echo "no driver to run" >&2; exit 1; }

# The runc bundle: the same rootfs, copied from a dir driver unpack.
mkdir -p "$T/bundle" "$T/runc"
img-unpack -q -R "$T/rootfs-src" -d dir "$(img-pull -q -R "$T/rootfs-src" \
    "$ref")" >/dev/null
src=$(img-unpack -R "$T/rootfs-src" -d dir --json "$ref" | jq -r .path)
cp -a "$src" "$T/bundle/rootfs"
(cd "$T/bundle" && runc spec)
jq '.process.args = ["/bin/true"] | .process.terminal = false
    | .root.path = "rootfs"' "$T/bundle/config.json" >"$T/bundle/c.json"
mv "$T/bundle/c.json" "$T/bundle/config.json"
runc_leftovers() {
	for _c in $(runc --root "$T/runc" list -q 2>/dev/null); do
		runc --root "$T/runc" delete -f "$_c" || true
	done
}
t_cleanup_add runc_leftovers
echo "image $ref ($digest), drivers:$drivers, runc $(runc --version |
    sed -n 's/^runc version //p')"

run_pod() {
	_line=$(tm pod-render -q -R "$T/root-$1" "$ref" -- /bin/true \
	    @then pod-exec -q -R "$T/root-$1")
	read -r _r _x _u <<-EOF
	$_line
	EOF
	_d=$(tm pod-render -q -R "$T/root-$1" -D "$_u")
	test ! -e "$T/root-$1/pods/$_u" || {
		echo "pod-render -D left $T/root-$1/pods/$_u" >&2
		exit 1
	}
}

run_runc() {
	_r=$(tm runc --root "$T/runc" run --bundle "$T/bundle" "bench$1")
}

ms() {
	awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'
}

median() {
	sort -n | awk '{ a[NR] = $1 } END {
	    if (NR % 2) print a[(NR + 1) / 2];
	    else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

for d in $drivers; do
	: >"$T/t.$d.render"
	: >"$T/t.$d.exec"
	: >"$T/t.$d.both"
	: >"$T/t.$d.destroy"
done
: >"$T/t.runc"
# One warm-up round each: page cache, zfs-fuse, cgroup directories.
for d in $drivers; do
	run_pod "$d"
done
run_runc warmup
i=1
while test "$i" -le "$ROUNDS"; do
	for d in $drivers; do
		run_pod "$d"
		echo "$_r" >>"$T/t.$d.render"
		echo "$_x" >>"$T/t.$d.exec"
		echo "$((_r + _x))" >>"$T/t.$d.both"
		echo "$_d" >>"$T/t.$d.destroy"
		echo "round $i $d: render $(ms "$_r") + exec $(ms "$_x") =" \
		    "$(ms $((_r + _x))) ms (destroy $(ms "$_d") ms)"
	done
	run_runc "$i"
	echo "$_r" >>"$T/t.runc"
	echo "round $i runc run: $(ms "$_r") ms"
	i=$((i + 1))
done
mr=$(median <"$T/t.runc")
echo "median runc run: $(ms "$mr") ms"
for d in $drivers; do
	printf 'median %-7s render %6s ms, exec %6s ms, render+exec %6s ms,' \
	    "$d" "$(ms "$(median <"$T/t.$d.render")")" \
	    "$(ms "$(median <"$T/t.$d.exec")")" \
	    "$(ms "$(median <"$T/t.$d.both")")"
	printf ' destroy %6s ms\n' "$(ms "$(median <"$T/t.$d.destroy")")"
done
for d in $drivers; do
	awk -v d="$d" -v a="$(median <"$T/t.$d.both")" -v b="$mr" 'BEGIN {
	    printf "ratio %s render+exec / runc run: %.2f (target <= 0.50)\n", \
		d, a / b }'
done
