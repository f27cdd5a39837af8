#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# pod-render against real storage: images built here, pushed to a loopback
# registry and pulled with img-pull; pods rendered with the dir, overlay
# and zfs (zfs-fuse pool made here) drivers, their pod.json, state.json,
# config.json, roots and volumes checked, and removed with -D; images
# unpacked on demand; two apps sharing a volume; every pre-flight failure
# (an image for another platform among them) leaving nothing behind; exit
# codes; leftovers of killed runs swept; -D of a deep tree an app made.
# (SC2016: $names inside single quotes are jq's.)
# shellcheck disable=SC2016
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
t_init
# shellcheck disable=SC1091
. "$TOP/tests/tools/zfs-pool.sh"
skip_unless_root
skip_unless_platform linux
skip_unless_cmd umoci skopeo jq python3 docker-registry flock
for _p in img-unpack img-pull pod-render; do
	test -x "$TOP/bin/$_p" || t_skip_case "build first: make"
done

# ---------------------------------------------------------------- helpers

# A fresh root holding the pulled images, with berth.conf for driver $2
# (zfs: dataset $3).
fresh_root() {
	rm -rf "$1"
	cp -a "$T/store" "$1"
	case $2 in
	zfs) printf 'driver=zfs\nzfs_dataset=%s\n' "$3" >"$1/berth.conf";;
	*) printf 'driver=%s\n' "$2" >"$1/berth.conf";;
	esac
}

# Entries of ROOT/pods (none if it does not exist).
pods_count() {
	find "$1/pods" -mindepth 1 -maxdepth 1 ! -name .seal.key 2>/dev/null |
	    wc -l | tr -d ' '
}

# jqe [jq options] FILTER FILE: fail if the result is null or false.
jqe() {
	jq -e "$@" >/dev/null || {
		echo "jq -e $*: false" >&2
		return 1
	}
}

# hold_lock FILE: a background process holding an flock on FILE; its pid
# in $_fl.
hold_lock() {
	(
		exec 9>>"$1"
		flock 9
		exec sleep 30
	) &
	_fl=$!
}

zfs_ok() {
	zfs_available || t_skip_case "no zfs-fuse"
}

# The first pod uuid under ROOT/pods.
the_pod() {
	find "$1/pods" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' |
	    head -n 1 | sed 's|.*/||'
}

# ---------------------------------------------------------------- setup

setup() {
	registry_start || return 1
	# "app": Entrypoint + Cmd, Env, User, WorkingDir, a volume the image
	# declares with zfs hints, and a file to find in the rootfs.
	mkimage_busybox "$T/img" app || return 1
	umoci config --image "$T/img:app" --config.entrypoint /bin/echo \
	    --config.cmd hello --config.env FOO=bar --config.user nobody \
	    --config.workingdir /tmp --config.volume /cache \
	    --config.label 'io.berth.volume./cache=optional,compression=gzip-2;a cache' \
	    --config.exposedports 8080/tcp || return 1
	# A second layer, so that a root has a chain of two.
	mkdir -p "$T/l2/etc"
	echo second >"$T/l2/etc/app-layer"
	_t_tar "$T/l2" "$T/l2.tar" || return 1
	oci_add_layer "$T/img" app "$T/l2.tar" || return 1
	# "app2": app's layers under another config (pulled by one case).
	umoci config --image "$T/img:app" --tag app2 --config.cmd bye ||
	    return 1
	push_image "$T/img:app2" "$REG/test/render:app2" || return 1
	# "guard": a required env variable and a required volume.
	mkimage_busybox "$T/img" guard || return 1
	umoci config --image "$T/img:guard" --config.volume /data \
	    --config.label 'io.berth.env.DB_URL=required;database URL' \
	    --config.label 'io.berth.volume./data=required;the data' ||
	    return 1
	# "arm64" and "freebsd": app's layers, for a platform this host
	# (Linux on amd64, as the tests expect) cannot run; pulled by the
	# case that wants them.
	umoci config --image "$T/img:app" --tag arm64 --architecture arm64 \
	    --os linux || return 1
	umoci config --image "$T/img:app" --tag freebsd --os freebsd ||
	    return 1
	for _t in arm64 freebsd; do
		push_image "$T/img:$_t" "$REG/test/render:$_t" || return 1
	done
	# "disk": an image whose devfs rule unhides a disk (FreeBSD).
	mkimage_busybox "$T/img" disk || return 1
	umoci config --image "$T/img:disk" \
	    --config.label 'io.berth.devfs.0=path ada1 unhide' \
	    --config.label 'io.berth.devfs.1=path pts/* unhide mode 0620' ||
	    return 1
	for _t in app guard disk; do
		push_image "$T/img:$_t" "$REG/test/render:$_t" || return 1
		img-pull -q -R "$T/store" "$REG/test/render:$_t" \
		    >"$T/digest.$_t" || return 1
	done
	APP="$REG/test/render:app"
	GUARD="$REG/test/render:guard"
	DISK="$REG/test/render:disk"
	mkdir -p "$T/host"
	echo "the host's" >"$T/host/keep"
	return 0
}
t_setup "images, registry, pulls" setup

# ---------------------------------------------------------------- cases

# Render APP with every flag on driver $1; checks shared by all drivers.
# Leaves U (uuid), P (pod dir), R (root).
render_flags() {
	check_exit 0 pod-render -R "$R" --json -e X=1 -e FOO=baz \
	    -v data:/data -v "$T/host:/mnt/host:ro" -u nobody:nogroup -w /srv \
	    -a team=blue --hostname web-1 --memory 64Mi --cpu 500m "$APP" \
	    -- one two
	U=$(jq -r .uuid "$T_STDOUT")
	P="$R/pods/$U"
	check_eq "$P" "$(jq -r .dir "$T_STDOUT")" "dir"
	check_eq render "$(jq -r '.apps[0].name' "$T_STDOUT")" "app name"
	check_eq "$(cat "$T/digest.app")" "$(jq -r '.apps[0].id' "$T_STDOUT")" \
	    "image id"
	check_eq "$P/apps/render/rootfs" \
	    "$(jq -r '.apps[0].rootfs' "$T_STDOUT")" "rootfs"
	test -d "$P/logs"
	test ! -e "$R/pods/.tmp-$U"
	# pod.json: reified.
	pj="$P/pod.json"
	jqe '.acKind == "PodManifest"' "$pj"
	check_eq "$(cat "$T/digest.app")" "$(jq -r '.apps[0].image.id' "$pj")" \
	    "pod.json image.id"
	check_eq '["/bin/echo","one","two"]' \
	    "$(jq -c '.apps[0].app.exec' "$pj")" "exec: Entrypoint + args"
	check_eq nobody "$(jq -r '.apps[0].app.user' "$pj")" "user"
	check_eq nogroup "$(jq -r '.apps[0].app.group' "$pj")" "group"
	check_eq /srv "$(jq -r '.apps[0].app.workingDirectory' "$pj")" "cwd"
	check_eq 'PATH=/bin FOO=baz X=1' "$(jq -r \
	    '[.apps[0].app.environment[] | "\(.name)=\(.value)"] | join(" ")' \
	    "$pj")" "environment"
	jqe '.apps[0].app.mountPoints[] | select(.name == "cache" and
	    .path == "/cache")' "$pj"
	jqe '.volumes[] | select(.name == "data" and .kind == "empty")' "$pj"
	jqe '.volumes[] | select(.name == "cache" and .kind == "empty")' "$pj"
	jqe '.volumes[] | select(.name == "host-1" and
	    .kind == "host" and .readOnly == true)' "$pj"
	check_eq "$T/host" "$(jq -r '.volumes[] | select(.name == "host-1") |
	    .source' "$pj")" "host source"
	jqe '.apps[0].mounts[] | select(.volume == "data" and
	    .path == "/data")' "$pj"
	jqe '.apps[0].mounts[] | select(.volume == "cache")' "$pj"
	jqe '.isolators[] | select(.name == "resource/memory")' "$pj"
	jqe '.isolators[] | select(.name == "resource/cpu")' "$pj"
	jqe '.annotations[] | select(.name == "team" and .value == "blue")' \
	    "$pj"
	jqe '.annotations[] | select(.name == "io.berth/hostname" and
	    .value == "web-1")' "$pj"
	jqe '.apps[0].app.ports[] | select(.port == 8080)' "$pj"
	# state.json.
	sj="$P/state.json"
	check_eq created "$(jq -r .phase "$sj")" "phase"
	check_eq "$1" "$(jq -r .driver "$sj")" "driver"
	check_eq "$(cat "$T/digest.app")" "$(jq -r '.apps[0].image_id' "$sj")" \
	    "state image_id"
	jqe '.apps[0].chain | startswith("sha256:")' "$sj"
	check_eq "$P/apps/render/rootfs" "$(jq -r '.apps[0].rootfs' "$sj")" \
	    "state rootfs"
	jqe --arg p "$P/volumes/data" '.volumes[] | select(.name == "data"
	    and .path == $p and .owned == true)' "$sj"
	jqe --arg p "$T/host" '.volumes[] | select(.name == "host-1" and
	    .path == $p and .owned == false)' "$sj"
	# config.json: the runtime-spec document.
	python3 "$TOP/tests/tools/oci-validate.py" runtime "$P/config.json"
	check_eq web-1 "$(jq -r .hostname "$P/config.json")" "hostname"
	# Empty volumes: directories (or mountpoints) with the defaults.
	check_eq "755 0 0" "$(stat -c '%a %u %g' "$P/volumes/data")" \
	    "volume mode"
	test -d "$P/volumes/cache"
}

# -D removes everything of pod $U but the host volume.
destroy_checks() {
	echo new >"$T/host/new"
	check_stdout_match "^$U\$" pod-render -R "$R" -D "$U"
	test ! -e "$P"
	check_eq 0 "$(pods_count "$R")" "pods left"
	check_eq "the host's" "$(cat "$T/host/keep")" "host volume"
	test -f "$T/host/new"
	check_exit 66 pod-render -R "$R" -D "$U"
}

# A two-app manifest sharing an empty volume with mode/uid/gid (root $R).
two_apps() {
	cat >"$T/two.json" <<-EOF
	{"acKind": "PodManifest", "acVersion": "0.8.11",
	 "apps": [
	  {"name": "a", "image": {"name": "$APP"},
	   "app": {"exec": ["/bin/sh", "-c", "true"]},
	   "mounts": [{"volume": "shared", "path": "/shared"}]},
	  {"name": "b", "image": {"name": "$GUARD"},
	   "app": {"environment": [{"name": "DB_URL", "value": "x"}]},
	   "mounts": [{"volume": "shared", "path": "/shared"},
	     {"volume": "db", "path": "/data"}]}],
	 "volumes": [
	  {"name": "shared", "kind": "empty", "mode": "0770", "uid": 1000,
	   "gid": 1001},
	  {"name": "db", "kind": "host", "source": "$T/host"}]}
	EOF
	check_exit 0 pod-render -R "$R" --json -f "$T/two.json"
	U=$(jq -r .uuid "$T_STDOUT")
	P="$R/pods/$U"
	check_eq "a b" "$(jq -r '[.apps[].name] | join(" ")' "$T_STDOUT")" \
	    "apps"
	check_eq "770 1000 1001" "$(stat -c '%a %u %g' "$P/volumes/shared")" \
	    "shared volume"
	check_eq "$(cat "$T/digest.guard")" \
	    "$(jq -r '.apps[1].image.id' "$P/pod.json")" "image id of b"
	# Both apps mount the one volume; b's image volume /data is db.
	check_eq 2 "$(jq '[.apps[].mounts[] | select(.volume == "shared")] |
	    length' "$P/pod.json")" "mounts of shared"
	check_eq 1 "$(jq '[.volumes[] | select(.name == "shared")] | length' \
	    "$P/pod.json")" "one shared volume"
	test -x "$P/apps/a/rootfs/bin/busybox" ||
	    test "$(jq -r .driver "$P/state.json")" = overlay
	test -d "$P/apps/b/rootfs"
}

dir_driver() {
	R="$T/r"
	fresh_root "$R" dir
	# Not unpacked yet: pod-render runs img-unpack.
	test ! -e "$R/layers"
	render_flags dir
	top=$(jq -r '.apps[0].chain' "$P/state.json" | sed 's/^sha256://')
	test -d "$R/layers/dir/$top/rootfs"
	# The app's root is its own copy.
	test -x "$P/apps/render/rootfs/bin/busybox"
	check_eq second "$(cat "$P/apps/render/rootfs/etc/app-layer")" "layer 2"
	echo mine >"$P/apps/render/rootfs/etc/mine"
	test ! -e "$R/layers/dir/$top/rootfs/etc/mine"
	destroy_checks
}
t_case "dir: render from an image with every flag, then -D" dir_driver

overlay_driver() {
	R="$T/r"
	fresh_root "$R" overlay
	check_exit 0 img-unpack -q -R "$R" "$APP"
	render_flags overlay
	sj="$P/state.json"
	check_eq "$P/apps/render/upper" "$(jq -r '.apps[0].upper' "$sj")" \
	    "upper"
	check_eq "$P/apps/render/work" "$(jq -r '.apps[0].work' "$sj")" \
	    "work"
	top=$(jq -r '.apps[0].chain' "$sj" | sed 's/^sha256://')
	check_eq "$R/layers/overlay/$top/diff" \
	    "$(jq -r '.apps[0].lowerdirs[0]' "$sj")" "top lowerdir"
	check_eq 2 "$(jq '.apps[0].lowerdirs | length' "$sj")" "lowerdirs"
	check_eq second "$(cat "$(jq -r '.apps[0].lowerdirs[0]' "$sj")/etc/app-layer")" \
	    "the top layer's diff"
	# rootfs is an empty mountpoint; the overlay of state.json is the
	# image's tree.
	check_eq "" "$(ls -A "$P/apps/render/rootfs")" "rootfs empty"
	lower=$(jq -r '.apps[0].lowerdirs | join(":")' "$sj")
	mount -t overlay -o "lowerdir=$lower,upperdir=$P/apps/render/upper,workdir=$P/apps/render/work" \
	    none "$P/apps/render/rootfs"
	t_cleanup_add "umount '$P/apps/render/rootfs' 2>/dev/null"
	test -x "$P/apps/render/rootfs/bin/busybox"
	check_eq second "$(cat "$P/apps/render/rootfs/etc/app-layer")" "layer 2"
	echo mine >"$P/apps/render/rootfs/etc/mine"
	test -f "$P/apps/render/upper/etc/mine"
	test ! -e "$R/layers/overlay/$top/diff/etc/mine"
	# A mount left on the rootfs is undone by -D.
	destroy_checks
}
t_case "overlay: upper, work and lowerdirs, then -D" overlay_driver

zfs_driver() {
	zfs_ok
	zfs_pool_create "$T"
	R="$T/r"
	fresh_root "$R" zfs "$ZPOOL/berth"
	render_flags zfs
	sj="$P/state.json"
	check_eq "$ZPOOL/berth" "$(jq -r .zfs_dataset "$sj")" "zfs_dataset"
	ds=$(jq -r '.apps[0].dataset' "$sj")
	check_eq "$ZPOOL/berth/pods/$U/app-render" "$ds" "clone"
	top=$(jq -r '.apps[0].chain' "$sj" | sed 's/^sha256://')
	check_eq "$ZPOOL/berth/layers/$top@layer" \
	    "$(zfs get -H -o value origin "$ds")" "origin"
	check_eq off "$(zfs get -H -o value readonly "$ds")" "readonly"
	check_eq "$P/apps/render/rootfs" \
	    "$(zfs get -H -o value mountpoint "$ds")" "mountpoint"
	check_eq yes "$(zfs get -H -o value mounted "$ds")" "mounted"
	test -x "$P/apps/render/rootfs/bin/busybox"
	echo mine >"$P/apps/render/rootfs/etc/mine"
	test ! -e "$R/layers/zfs/$top/etc/mine"
	# Empty volumes are datasets, with the image's hints.
	vds=$(jq -r '.volumes[] | select(.name == "cache") | .dataset' "$sj")
	check_eq "$ZPOOL/berth/pods/$U/vol-cache" "$vds" "volume dataset"
	check_eq gzip-2 "$(zfs get -H -o value compression "$vds")" \
	    "compression hint"
	check_eq yes "$(zfs get -H -o value mounted "$vds")" "volume mounted"
	destroy_checks
	if zfs list -H -o name -r "$ZPOOL/berth/pods" | grep -q "$U"; then
		zfs list -r "$ZPOOL/berth/pods" >&2
		fail "datasets of pod $U left"
	fi
	# A pre-flight failure creates no dataset.
	check_exit 78 pod-render -R "$R" "$GUARD"
	check_eq 0 "$(zfs list -H -o name -r "$ZPOOL/berth/pods" |
	    grep -c /pods/ || true)" "datasets after a failed pre-flight"
	# A failure after the app's clone exists (zfs-fuse knows no lz4):
	# everything made is undone.
	cat >"$T/lz4.json" <<-EOF
	{"acKind": "PodManifest", "acVersion": "0.8.11",
	 "apps": [{"name": "a", "image": {"name": "$APP"},
	   "mounts": [{"volume": "v", "path": "/v"}]}],
	 "volumes": [{"name": "v", "kind": "empty",
	   "zfsProperties": ["compression=lz4"]}]}
	EOF
	check_stderr_match 78 "compression" pod-render -R "$R" -f "$T/lz4.json"
	check_eq 0 "$(pods_count "$R")" "pods after a failed creation"
	check_eq 0 "$(zfs list -H -o name -r "$ZPOOL/berth/pods" |
	    grep -c /pods/ || true)" "datasets after a failed creation"
	# Two apps sharing a volume with mode/uid/gid, as datasets.
	two_apps
	check_eq "$ZPOOL/berth/pods/$U/vol-shared" \
	    "$(jq -r '.volumes[] | select(.name == "shared") | .dataset' \
	    "$P/state.json")" "shared dataset"
	# Leftovers of a killed run: a .tmp-<uuid> and its datasets.
	k=0b3c6f1e-2a4d-4c8e-9f00-123456789abc
	mkdir -p "$R/pods/.tmp-$k/apps/x"
	zfs create -p -o mountpoint=none "$ZPOOL/berth/pods/$k/app-x"
	check_exit 0 pod-render -R "$R" "$APP"
	test ! -e "$R/pods/.tmp-$k"
	if zfs list "$ZPOOL/berth/pods/$k" >/dev/null 2>&1; then
		fail "datasets of the killed run left"
	fi
}
t_case "zfs: clones, volume datasets with hints, -D, sweep" zfs_driver

two_apps_dir() {
	R="$T/r"
	fresh_root "$R" dir
	two_apps
	check_stdout_match "^$U\$" pod-render -R "$R" -D "$U"
	test ! -e "$P"
	test -f "$T/host/keep"
}
t_case "-f: two apps sharing an empty volume (mode, uid, gid)" two_apps_dir

# check_78 REGEX ARGS...: pod-render must exit 78 naming REGEX, and leave
# no pod behind.
check_78() {
	_re=$1
	shift
	check_stderr_match 78 "$_re" pod-render -R "$R" "$@"
	check_eq 1 "$(wc -l <"$T_STDERR" | tr -d ' ')" "one line"
	check_eq 0 "$(pods_count "$R")" "pods after a failed pre-flight"
}

preflight() {
	R="$T/r"
	fresh_root "$R" dir
	# Required env and required volume, each, then both in one line.
	check_78 "env DB_URL" -v db:/data "$GUARD"
	check_78 "mountPoint.*/data" -e DB_URL=x "$GUARD"
	check_78 "env DB_URL.*database URL.*; .*/data" "$GUARD"
	# Images not in the store, with the other items on the same line.
	check_78 "image '$REG/test/render:nope' not in the store" \
	    "$REG/test/render:nope"
	cat >"$T/missing.json" <<-EOF
	{"acKind": "PodManifest", "acVersion": "0.8.11",
	 "apps": [{"name": "a", "image": {"name": "$REG/test/nope:1"}},
	   {"name": "b", "image": {"name": "$GUARD"}}]}
	EOF
	check_78 "app 'a': image '$REG/test/nope:1' not in the store.*DB_URL" \
	    -f "$T/missing.json"
	# An isolator we do not interpret.
	cat >"$T/iso.json" <<-EOF
	{"acKind": "PodManifest", "acVersion": "0.8.11",
	 "apps": [{"name": "a", "image": {"name": "$APP"}}],
	 "isolators": [{"name": "os/linux/capabilities-retain-set",
	   "value": {"set": ["CAP_NET_ADMIN"]}}]}
	EOF
	check_78 "isolator 'os/linux/capabilities-retain-set'" -f "$T/iso.json"
	# Host volumes that are not there or not directories.
	check_78 "host path '/nonexistent/berth' does not exist" \
	    -v /nonexistent/berth:/x "$APP"
	check_78 "is not a directory" -v "$T/host/keep:/x" "$APP"
	# A bad hostname in a manifest.
	cat >"$T/host.json" <<-EOF
	{"acKind": "PodManifest", "acVersion": "0.8.11",
	 "apps": [{"name": "a", "image": {"name": "$APP"}}],
	 "annotations": [{"name": "io.berth/hostname", "value": "-bad-"}]}
	EOF
	check_stderr_match 65 "'-bad-' is not a host name" pod-render -R "$R" \
	    -f "$T/host.json"
	# Nothing unpacked either: pre-flight comes first.
	test ! -e "$R/layers/dir" ||
	    check_eq 0 "$(find "$R/layers/dir" -mindepth 1 | wc -l |
	    tr -d ' ')" "layers"
}
t_case "pre-flight failures exit 78, one line, nothing on disk" preflight

exit_codes() {
	R="$T/r"
	fresh_root "$R" dir
	printf '{"acKind": "PodManifest", "apps": [' >"$T/bad.json"
	check_exit 65 pod-render -R "$R" -f "$T/bad.json"
	printf '{"acKind": "PodManifest", "acVersion": "0.8.11", "apps": []}' \
	    >"$T/empty.json"
	check_exit 65 pod-render -R "$R" -f "$T/empty.json"
	check_exit 66 pod-render -R "$R" -f "$T/nonexistent.json"
	check_exit 64 pod-render -R "$R"
	check_exit 64 pod-render -R "$R" -e NOEQUALS "$APP"
	check_exit 64 pod-render -R "$R" -v data:relative "$APP"
	check_exit 64 pod-render -R "$R" -v Bad_Name:/x "$APP"
	check_exit 64 pod-render -R "$R" --memory lots "$APP"
	check_exit 64 pod-render -R "$R" --cpu -1 "$APP"
	check_exit 64 pod-render -R "$R" --hostname -x- "$APP"
	check_exit 64 pod-render -R "$R" -n Bad "$APP"
	check_exit 64 pod-render -R "$R" "$APP" extra
	check_exit 64 pod-render -R "$R" -f "$T/two.json" "$APP"
	check_exit 64 pod-render -R "$R" -D 0b3c6f1e-2a4d-4c8e-9f00-123456789abc \
	    "$APP"
	check_exit 64 pod-render -R "$R" -D not-a-uuid
	check_exit 66 pod-render -R "$R" -D 0b3c6f1e-2a4d-4c8e-9f00-123456789abc
	check_eq 0 "$(pods_count "$R")" "pods"
	# -v without a volume is "more verbose"; -n default is sanitised.
	check_exit 0 pod-render -v -R "$R" --json "$APP"
	check_eq render "$(jq -r '.apps[0].name' "$T_STDOUT")" "default name"
	U=$(jq -r .uuid "$T_STDOUT")
	# A running pod (its run lock held) is not removed.
	hold_lock "$R/pods/$U/run.lock"
	t_cleanup_add "kill $_fl 2>/dev/null; wait $_fl 2>/dev/null"
	t_wait 5 sh -c "! flock -n '$R/pods/$U/run.lock' true"
	check_stderr_match 75 "is running" pod-render -R "$R" -D "$U"
	test -d "$R/pods/$U"
	kill "$_fl"
	wait "$_fl" 2>/dev/null || true
	check_exit 0 pod-render -R "$R" -D "$U"
	# Hostname defaults to the uuid's first 8 characters.
	check_exit 0 pod-render -q -R "$R" "$(cat "$T/digest.app")"
	U=$(cat "$T_STDOUT")
	check_eq "$(echo "$U" | cut -c1-8)" "$(jq -r '.annotations[] |
	    select(.name == "io.berth/hostname") | .value' \
	    "$R/pods/$U/pod.json")" "default hostname"
	check_eq "$APP" "$(jq -r '.apps[0].image.name' "$R/pods/$U/pod.json")" \
	    "name of an image given by digest"
	# A rootfs id (what img-unpack prints) names its image too.
	chain=$(jq -r '.apps[0].chain' "$R/pods/$U/state.json")
	check_exit 0 pod-render -q -R "$R" "$chain"
	U=$(cat "$T_STDOUT")
	check_eq "$APP" "$(jq -r '.apps[0].image.name' "$R/pods/$U/pod.json")" \
	    "name of an image given by its rootfs id"
	check_eq "$(cat "$T/digest.app")" \
	    "$(jq -r '.apps[0].image.id' "$R/pods/$U/pod.json")" \
	    "id of an image given by its rootfs id"
	# Two images with other configs on that chain: which one is meant?
	img-pull -q -R "$R" "$REG/test/render:app2" >/dev/null
	n=$(pods_count "$R")
	check_stderr_match 64 "top of several images" pod-render -q -R "$R" \
	    "$chain"
	check_eq "$n" "$(pods_count "$R")" "pods after an ambiguous rootfs id"
}
t_case "exit codes: 65 64 66 75, -v, defaults" exit_codes

sweep() {
	R="$T/r"
	fresh_root "$R" dir
	k1=0b3c6f1e-2a4d-4c8e-9f00-123456789abc
	k2=1b3c6f1e-2a4d-4c8e-9f00-123456789abc
	mkdir -p "$R/pods/.tmp-$k1/apps/x/rootfs/bin" \
	    "$R/pods/.tmp-$k2/apps/y"
	# k2's creator is alive: its lock is held.
	hold_lock "$R/locks/pod-$k2.lock"
	t_cleanup_add "kill $_fl 2>/dev/null; wait $_fl 2>/dev/null"
	t_wait 5 sh -c "! flock -n '$R/locks/pod-$k2.lock' true"
	check_exit 0 pod-render -R "$R" "$APP"
	test ! -e "$R/pods/.tmp-$k1"
	test -d "$R/pods/.tmp-$k2"
	kill "$_fl"
	wait "$_fl" 2>/dev/null || true
	rm -rf "$R/pods/.tmp-$k2"
	# A real kill -9 in the middle of a copy (dir driver).
	U=$(cat "$T_STDOUT")
	check_exit 0 pod-render -R "$R" -D "$U"
	pod-render -R "$R" "$APP" >/dev/null 2>&1 &
	_pr=$!
	_n=0
	while ! ls -d "$R"/pods/.tmp-* >/dev/null 2>&1; do
		_n=$((_n + 1))
		test "$_n" -lt 500 || break
		sleep 0.01
	done
	kill -9 "$_pr" 2>/dev/null || true
	_rc=0
	wait "$_pr" 2>/dev/null || _rc=$?
	_left=$(find "$R/pods" -mindepth 1 -maxdepth 1 -name '.tmp-*' |
	    wc -l | tr -d ' ')
	if test "$_rc" -ne 137 || test "$_left" -eq 0; then
		# The copy of this small image ended before the kill: the
		# made-up leftovers above are what this case rests on.
		echo "# kill -9 missed the copy (status $_rc, $_left left)"
	fi
	check_exit 0 pod-render -R "$R" "$APP"
	check_eq 0 "$(find "$R/pods" -mindepth 1 -maxdepth 1 -name '.tmp-*' |
	    wc -l | tr -d ' ')" "leftovers"
}
t_case "leftovers of killed runs are swept, live ones kept" sweep

# What a user or an attacker may hand pod-render: names that would build
# host paths, a host volume through a symlink, a file where a directory
# must be; the modes of what it makes; what state.json tells pod-exec.
hostile() {
	R="$T/r"
	fresh_root "$R" dir
	for _n in ../x .. a/b A; do
		cat >"$T/evil.json" <<-EOF
		{"acKind": "PodManifest", "acVersion": "0.8.11",
		 "apps": [{"name": "$_n", "image": {"name": "$APP"}}]}
		EOF
		check_exit 65 pod-render -R "$R" -f "$T/evil.json"
		cat >"$T/evil.json" <<-EOF
		{"acKind": "PodManifest", "acVersion": "0.8.11",
		 "apps": [{"name": "a", "image": {"name": "$APP"},
		   "mounts": [{"volume": "$_n", "path": "/v"}]}],
		 "volumes": [{"name": "$_n", "kind": "empty"}]}
		EOF
		check_exit 65 pod-render -R "$R" -f "$T/evil.json"
	done
	cat >"$T/evil.json" <<-EOF
	{"acKind": "PodManifest", "acVersion": "0.8.11",
	 "apps": [{"name": "a", "image": {"name": "$APP"},
	   "mounts": [{"volume": "h", "path": "/v"}]}],
	 "volumes": [{"name": "h", "kind": "host", "source": "relative/dir"}]}
	EOF
	check_exit 65 pod-render -R "$R" -f "$T/evil.json"
	check_78 "host path '$T/host/keep' is not a directory" \
	    -v "$T/host/keep:/v" "$APP"
	check_eq 0 "$(pods_count "$R")" "pods after hostile manifests"
	# A host volume named through a symlink is recorded as what it
	# names now: swapping the link later redirects nothing.
	ln -s "$T/host" "$T/hostlink"
	check_exit 0 pod-render -q -R "$R" -v "$T/hostlink:/h" "$APP"
	U=$(cat "$T_STDOUT")
	P="$R/pods/$U"
	check_eq "$T/host" "$(jq -r '.volumes[] | select(.name == "host-1") |
	    .path' "$P/state.json")" "host volume path"
	check_eq "$T/host" "$(jq -r '.volumes[] | select(.name == "host-1") |
	    .source' "$P/pod.json")" "host volume source"
	# Only root reaches a pod; the image's os reaches pod-exec.
	check_eq 700 "$(stat -c %a "$R/pods")" "pods mode"
	check_eq linux "$(jq -r '.apps[0].os' "$P/state.json")" "os"
	chmod 755 "$R/pods"
	check_exit 0 pod-render -R "$R" -D "$U"
	check_exit 0 pod-render -q -R "$R" "$APP"
	check_eq 700 "$(stat -c %a "$R/pods")" "pods mode made 0700 again"
	check_exit 0 pod-render -R "$R" -D "$(cat "$T_STDOUT")"
}
t_case "hostile names and paths, symlinked host volume, modes" hostile

# The devfs rules of an image are an allowlist: unhiding a disk (any name
# outside the safe set) is refused whatever the platform, unless the host
# lists it in berth.conf; config.json says which devices, and every rule.
devfs_rules() {
	R="$T/r"
	fresh_root "$R" dir
	check_stderr_match 65 "devfs rule 'path ada1 unhide': unhides names \
outside the safe set" pod-render -R "$R" "$DISK"
	check_eq 0 "$(pods_count "$R")" "pods after a refused devfs rule"
	printf 'driver=dir\ndevfs_unhide=ada0,ada1?,ad*/x\n' >"$R/berth.conf"
	check_stderr_match 65 "unhides names outside" pod-render -R "$R" \
	    "$DISK"
	printf 'driver=dir\ndevfs_unhide=../ada1\n' >"$R/berth.conf"
	check_stderr_match 78 "berth.conf:2: devfs_unhide" pod-render -R "$R" \
	    "$DISK"
	printf 'driver=dir\ndevfs_unhide= ada1, dri/*\n' >"$R/berth.conf"
	check_exit 0 pod-render -q -R "$R" "$DISK"
	P="$R/pods/$(cat "$T_STDOUT")"
	jqe '.freebsd.devices == [{"path": "ada1"}]' "$P/config.json"
	jqe '.annotations["io.berth.devfs.1"] == "path pts/* unhide mode 0620"' \
	    "$P/config.json"
	jqe '.annotations["io.berth.jail.vnet"] | test("raw sockets")' \
	    "$P/config.json"
	check_exit 0 pod-render -R "$R" -D "$(cat "$T_STDOUT")"
}
t_case "devfs rules: an allowlist, widened only by berth.conf" devfs_rules

# -D while a zfs clone of the pod is busy fails, leaves the pod to retry.
destroy_busy() {
	zfs_ok
	zfs_pool_create "$T"
	R="$T/rb"
	fresh_root "$R" zfs "$ZPOOL/berth"
	# Two apps: the first clone goes, the second is busy.
	cat >"$T/busy.json" <<-EOF
	{"acKind": "PodManifest", "acVersion": "0.8.11",
	 "apps": [{"name": "a", "image": {"name": "$APP"}},
	   {"name": "b", "image": {"name": "$APP"}}]}
	EOF
	check_exit 0 pod-render -q -R "$R" -f "$T/busy.json"
	U=$(cat "$T_STDOUT")
	P="$R/pods/$U"
	(cd "$P/apps/b/rootfs" && exec sleep 30) &
	_sl=$!
	t_cleanup_add "kill $_sl 2>/dev/null; wait $_sl 2>/dev/null"
	t_wait 5 sh -c "test \"\$(readlink /proc/$_sl/cwd)\" = \
	    '$P/apps/b/rootfs'"
	check_stderr_match 75 "app 'b': .*dataset is busy" \
	    pod-render -R "$R" -D "$U"
	test -f "$P/state.json"
	kill "$_sl"
	wait "$_sl" 2>/dev/null || true
	check_stdout_match "^$U\$" pod-render -R "$R" -D "$U"
	test ! -e "$P"
	check_eq 0 "$(zfs list -H -o name -r "$ZPOOL/berth/pods" |
	    grep -c /pods/ || true)" "datasets after -D"
}
t_case "-D of a pod whose zfs clone is busy" destroy_busy

# An app makes directories 1500 deep in its root and in a volume; -D,
# allowed fewer descriptors than that, removes the pod all the same.
destroy_deep() {
	skip_unless_cmd busybox
	test -x "$TOP/bin/pod-exec" || t_skip_case "build first: make"
	for drv in dir overlay; do
		R="$T/r"
		fresh_root "$R" "$drv"
		cat >"$T/deep.json" <<-EOF
		{"acKind": "PodManifest", "acVersion": "0.8.11",
		 "apps": [{"name": "a", "image": {"name": "$APP"},
		   "app": {"exec": ["/bin/sh", "-c",
		     "for t in /tmp /data; do cd \$t; i=0; while test \$i -lt 1500; do mkdir d && cd d || exit 1; i=\$((i + 1)); done; echo bottom >f; done"],
		     "user": "0", "group": "0"},
		   "mounts": [{"volume": "data", "path": "/data"}]}],
		 "volumes": [{"name": "data", "kind": "empty"}]}
		EOF
		check_exit 0 pod-render -q -R "$R" -f "$T/deep.json"
		U=$(cat "$T_STDOUT")
		P="$R/pods/$U"
		check_exit 0 pod-exec -q -R "$R" "$U"
		n=$(find "$P" -name f -path '*/d/d/*' | wc -l | tr -d ' ')
		check_eq 2 "$n" "$drv: the bottoms of the two trees"
		check_stdout_match "^$U\$" sh -c \
		    'ulimit -n 1024 && exec pod-render -R "$1" -D "$2"' sh \
		    "$R" "$U"
		test ! -e "$P"
		check_eq 0 "$(pods_count "$R")" "$drv: pods left"
	done
}
t_case "-D of a pod whose app made a tree 1500 deep" destroy_deep

# An image this host cannot run: refused before anything is made, naming
# the image's os and architecture and the host's.
foreign_platform() {
	case $(uname -m) in
	x86_64|amd64) ;;
	*) t_skip_case "expects an amd64 host";;
	esac
	R="$T/r"
	fresh_root "$R" dir
	img-pull -q -R "$R" --platform linux/arm64 "$REG/test/render:arm64" \
	    >/dev/null
	img-pull -q -R "$R" --platform freebsd/amd64 \
	    "$REG/test/render:freebsd" >/dev/null
	check_78 "image '$REG/test/render:arm64' is for linux/arm64, which this host \(linux/amd64\) cannot run" \
	    "$REG/test/render:arm64"
	check_78 "is for freebsd/amd64, which this host \(linux/amd64\)" \
	    "$REG/test/render:freebsd"
	# With the other items of the pod, in the same line.
	cat >"$T/arm.json" <<-EOF
	{"acKind": "PodManifest", "acVersion": "0.8.11",
	 "apps": [{"name": "a", "image": {"name": "$REG/test/render:arm64"}},
	   {"name": "b", "image": {"name": "$GUARD"}}]}
	EOF
	check_78 "app 'a': .* is for linux/arm64.*; .*DB_URL" -f "$T/arm.json"
	# Nothing unpacked, nothing made.
	test ! -e "$R/layers/dir" ||
	    check_eq 0 "$(find "$R/layers/dir" -mindepth 1 | wc -l |
	    tr -d ' ')" "layers"
	test ! -e "$R/pods" || check_eq 0 "$(pods_count "$R")" "pods"
	# The same layers for this host's platform render.
	check_exit 0 pod-render -q -R "$R" "$APP"
}
t_case "an image for another os or architecture: 78, nothing made" \
    foreign_platform

t_done
