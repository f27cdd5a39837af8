#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# pod-exec for real, as root: busybox images built here, pushed to a
# loopback registry, pulled with img-pull, pods made with pod-render and
# run with pod-exec: exit statuses, environment, users, namespaces,
# volumes, limits, signals, -e/-k/-d, logs, hostile symlinks in images, and
# a core subset on each storage driver (dir, overlay, zfs on zfs-fuse).
# (SC2016: the single-quoted commands are expanded by the pod's shell.)
# shellcheck disable=SC2016
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
t_init
# shellcheck disable=SC1091
. "$TOP/tests/tools/zfs-pool.sh"
skip_unless_root
skip_unless_platform linux
skip_unless_cmd umoci skopeo jq python3 docker-registry busybox
for _p in img-pull img-unpack pod-render pod-exec; do
	test -x "$TOP/bin/$_p" || t_skip_case "build first: make"
done

# ---------------------------------------------------------------- helpers

# A fresh root holding the pulled images, its driver chosen by unpacking
# every image with DRIVER once (the first unpack writes berth.conf).
fresh_root() {
	rm -rf "$1"
	cp -a "$T/store" "$1"
	for _i in latest hostile; do
		img-unpack -q -R "$1" -d "$2" ${3:+--zfs-dataset "$3"} \
		    "$REG/test/pod:$_i" >/dev/null
	done
}

# render ARGS...: pod-render in $R; the uuid goes to $POD.
render() {
	POD=$(pod-render -q -R "$R" "$@") || fail "pod-render $*"
	# A case that failed may leave its pod running: end it first.
	# (One line: lib.sh keeps one cleanup per line.)
	t_cleanup_add "end_pod '$R' '$POD'"
}

# end_pod ROOT UUID: kill the pod if it still runs, then destroy it.
end_pod() {
	test -d "$1/pods/$2" || return 0
	pod-exec -q -R "$1" -k "$2" KILL 2>/dev/null
	t_wait 10 flock -n "$1/pods/$2/run.lock" true
	pod-render -q -R "$1" -D "$2" 2>/dev/null
}

# pe ARGS...: pod-exec in $R.
pe() {
	pod-exec -R "$R" "$@"
}

state() {
	jq -r "$1" "$R/pods/$POD/state.json"
}

# render_pod: pod-render -f of a PodManifest whose members after the
# header ("apps": [...], ...) come on stdin.
render_pod() {
	{
		echo '{"acKind": "PodManifest", "acVersion": "0.8.11",'
		cat
	} >"$T/pod.json"
	render -f "$T/pod.json"
}

IMG=
# Sets POD to a new pod of the test image running CMD... with the
# given pod-render options before "--".
pod_of() {
	_o=
	while test $# -gt 0 && test "$1" != --; do
		_o="$_o $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	render $_o "$IMG" -- "$@"
}

# ---------------------------------------------------------------- setup

setup() {
	registry_start || return 1
	mkimage_busybox "$T/img" latest || return 1
	# Users with supplementary groups, applets the tests need, a file
	# that is not executable.
	_x="$T/extra"
	mkdir -p "$_x/bin" "$_x/etc"
	for _a in tr awk readlink seq; do
		ln -s busybox "$_x/bin/$_a"
	done
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
	    'nobody:x:65534:65534:nobody:/:/bin/false' \
	    'alice:x:1000:1000:Alice:/home/alice:/bin/sh' >"$_x/etc/passwd"
	printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'alice:x:1000:' \
	    'staff:x:50:alice' 'audio:x:63:bob,alice' >"$_x/etc/group"
	printf '#!/bin/sh\necho never\n' >"$_x/noexec"
	chmod 644 "$_x/noexec"
	_t_tar "$_x" "$T/extra.tar" || return 1
	oci_add_layer "$T/img" latest "$T/extra.tar" || return 1
	umoci config --image "$T/img:latest" --config.env IMGVAR=image ||
	    return 1
	# An image whose command says something, for the pipelines; a layer
	# of its own, so that its rootfs id names it alone.
	mkimage_busybox "$T/img" hello || return 1
	mkdir -p "$T/hello"
	echo "hello from the image" >"$T/hello/hello.txt"
	_t_tar "$T/hello" "$T/hello.tar" || return 1
	oci_add_layer "$T/img" hello "$T/hello.tar" || return 1
	umoci config --image "$T/img:hello" --config.cmd cat \
	    --config.cmd /hello.txt || return 1
	# Symlinks out of the root where volumes and /proc get mounted.
	mkimage_busybox "$T/img" hostile || return 1
	mkdir -p "$T/sentinel-abs" "$T/sentinel-rel" "$T/sentinel-proc"
	for _s in abs rel proc; do
		echo untouched >"$T/sentinel-$_s/file"
	done
	_h="$T/hostile"
	mkdir -p "$_h"
	ln -s "$T/sentinel-abs" "$_h/data"
	ln -s "../../../../../../../../../..$T/sentinel-rel" "$_h/rel"
	ln -s "$T/sentinel-proc" "$_h/proc"
	_t_tar "$_h" "$T/hostile.tar" || return 1
	oci_add_layer "$T/img" hostile "$T/hostile.tar" || return 1
	for _i in latest hostile hello; do
		push_image "$T/img:$_i" "$REG/test/pod:$_i" || return 1
		img-pull -q -R "$T/store" "$REG/test/pod:$_i" >/dev/null ||
		    return 1
	done
	IMG="$REG/test/pod:latest"
	R="$T/r"
	fresh_root "$R" dir || return 1
	# A tmpfs on the host that no pod may see.
	mkdir -p "$T/hostonly-mnt"
	mount -t tmpfs hostonly "$T/hostonly-mnt" || return 1
	t_cleanup_add "umount '$T/hostonly-mnt'"
	return 0
}
t_setup "images, registry, pulls, root" setup

# ---------------------------------------------------------------- cases

pipelines() {
	# By digest, with a command.
	d=$(img-pull -q -R "$R" "$IMG")
	check_stdout - pod-exec -R "$R" "$(pod-render -q -R "$R" "$d" -- \
	    echo hello)" <<-EOF
	hello
	EOF
	# The whole chain, by the rootfs id that img-unpack prints, with the
	# image's own command.
	check_stdout - pod-exec -R "$R" "$(pod-render -q -R "$R" \
	    "$(img-unpack -q -R "$R" "$(img-pull -q -R "$R" \
	    "$REG/test/pod:hello")")")" <<-EOF
	hello from the image
	EOF
}
t_case "the man page's pipelines: pod-exec \$(pod-render \$(img-unpack ...))" \
    pipelines

exit_status() {
	pod_of -- sh -c 'exit 7'
	check_exit 7 pe "$POD"
	check_eq exited "$(state .phase)" "phase"
	check_eq 7 "$(state '.apps[0].status')" "recorded status"
	# Exited pods may run again.
	check_exit 7 pe "$POD"
	pod_of -- sh -c 'kill -9 $$'
	check_exit 137 pe "$POD"
	pod_of -- /bin/nope
	check_stderr_match 127 "exec '/bin/nope'" pe "$POD"
	pod_of -- /noexec
	check_exit 126 pe "$POD"
}
t_case "exit status: code, 128+signal, 127, 126" exit_status

environment() {
	pod_of -n myapp -e MANI=fest -w /work/deep/er -- sh -c 'env; pwd'
	check_exit 0 pe "$POD"
	check_grep '^IMGVAR=image$' "$T_STDOUT"
	check_grep '^MANI=fest$' "$T_STDOUT"
	check_grep '^AC_APP_NAME=myapp$' "$T_STDOUT"
	check_grep '^PATH=/bin$' "$T_STDOUT"
	check_grep '^/work/deep/er$' "$T_STDOUT"
}
t_case "environment (image, manifest, AC_APP_NAME) and cwd" environment

users() {
	pod_of -u nobody -- sh -c 'id -u; id -g; id -G'
	check_stdout - pe "$POD" <<-EOF
	65534
	65534
	65534
	EOF
	pod_of -u alice -- sh -c 'id -u; id -g; id -G; echo "$HOME"'
	check_stdout - pe "$POD" <<-EOF
	1000
	1000
	1000 50 63
	/home/alice
	EOF
	pod_of -u alice:audio -- sh -c 'id -u; id -g'
	check_stdout - pe "$POD" <<-EOF
	1000
	63
	EOF
	pod_of -- id -u
	check_stdout - pe "$POD" <<-EOF
	0
	EOF
}
t_case "uid, gid and supplementary groups from the image" users

namespaces() {
	pod_of --hostname podhost -- sh -c 'hostname; ls /proc |
	    grep -c "^[0-9]"; cat /proc/1/cmdline | tr "\0" " "; echo;
	    cat /proc/self/mountinfo'
	check_exit 0 pe "$POD"
	check_eq podhost "$(sed -n 1p "$T_STDOUT")" "hostname"
	# The supervisor (1), sh, ls, grep: nothing of the host's.
	check_num "$(sed -n 2p "$T_STDOUT")" -le 5 "processes seen"
	sed -n 3p "$T_STDOUT" | grep -Eq '^([^ ]*/)?pod-exec ' ||
	    fail "PID 1 is not the supervisor: $(sed -n 3p "$T_STDOUT")"
	sed -n '4,$p' "$T_STDOUT" >"$T/mountinfo"
	! grep -q hostonly "$T/mountinfo" || fail "a host mount is visible"
	# No mount point at a host path (field 5).
	! awk -v t="$T" 'index($5, t) == 1' "$T/mountinfo" | grep -q . ||
	    fail "host paths in the pod's mountinfo"
	check_num "$(wc -l <"$T/mountinfo")" -le 25 "mounts in the pod"
	# The default hostname is the uuid's first 8 characters.
	pod_of -- hostname
	check_exit 0 pe "$POD"
	check_eq "$(echo "$POD" | cut -c1-8)" "$(cat "$T_STDOUT")" "hostname"
}
t_case "own PIDs, mounts and hostname" namespaces

hardening() {
	pod_of -- sh -c 'ls /proc/$$/fd; grep -e CapBnd -e NoNewPrivs \
	    /proc/self/status'
	check_stdout - pe "$POD" 9</dev/null <<-EOF
	0
	1
	2
	CapBnd:	00000000a80425fb
	NoNewPrivs:	1
	EOF
	pod_of -u nobody -- grep -e CapEff /proc/self/status
	check_stdout - pe "$POD" <<-EOF
	CapEff:	0000000000000000
	EOF
}
t_case "fds 0-2 only, bounding set reduced, no_new_privs" hardening

volumes() {
	mkdir -p "$T/hv" "$T/rov"
	echo host >"$T/rov/file"
	pod_of -v "$T/hv:/hv" -v "$T/rov:/ro:ro" -v e:/e:ro -- sh -c '
	    echo persist >/hv/file; cat /ro/file
	    if touch /ro/new 2>/dev/null; then echo ro-writable; fi
	    if touch /e/new 2>/dev/null; then echo empty-ro-writable; fi'
	check_stdout - pe "$POD" <<-EOF
	host
	EOF
	test ! -e "$T/rov/new" || fail "created in the read-only volume"
	check_exit 0 pod-render -q -R "$R" -D "$POD"
	check_eq persist "$(cat "$T/hv/file")" "host volume after -D"
}
t_case "host volume persists, read-only volumes are" volumes

two_apps() {
	render_pod <<-EOF
	 "apps": [
	  {"name": "reader", "image": {"name": "$IMG"},
	   "app": {"exec": ["/bin/sh", "-c",
	     "while ! test -f /shared/msg; do sleep 0.05; done; cat /shared/msg; echo to-err >&2"],
	     "mountPoints": [{"name": "shared", "path": "/shared"}]},
	   "mounts": [{"volume": "shared", "path": "/shared"}]},
	  {"name": "writer", "image": {"name": "$IMG"},
	   "app": {"exec": ["/bin/sh", "-c",
	     "echo hello >/shared/msg.tmp; mv /shared/msg.tmp /shared/msg; echo wrote"],
	     "mountPoints": [{"name": "shared", "path": "/shared"}]},
	   "mounts": [{"volume": "shared", "path": "/shared"}]}],
	 "volumes": [{"name": "shared", "kind": "empty"}]}
	EOF
	check_exit 0 pe "$POD"
	check_grep '^reader\| hello$' "$T_STDOUT"
	check_grep '^writer\| wrote$' "$T_STDOUT"
	check_grep '^reader\| to-err$' "$T_STDERR"
	check_eq hello "$(cat "$R/pods/$POD/logs/reader.out")" "reader.out"
	check_eq to-err "$(cat "$R/pods/$POD/logs/reader.err")" "reader.err"
	check_eq wrote "$(cat "$R/pods/$POD/logs/writer.out")" "writer.out"
	v=$(state '.volumes[] | select(.name == "shared") | .path')
	check_eq hello "$(cat "$v/msg")" "volume on the host"
	check_exit 0 pod-render -q -R "$R" -D "$POD"
	test ! -e "$v" || fail "empty volume $v left after -D"
	test ! -e "$R/pods/$POD" || fail "pod directory left after -D"
}
t_case "an empty volume shared by two apps, gone with -D; prefixes, logs" \
    two_apps

single_logs() {
	pod_of -- sh -c 'echo out; echo err >&2'
	check_exit 0 pe "$POD"
	check_eq out "$(cat "$T_STDOUT")" "stdout, no prefix"
	check_eq err "$(cat "$T_STDERR")" "stderr, no prefix"
	a=$(state '.apps[0].name')
	check_eq out "$(cat "$R/pods/$POD/logs/$a.out")" "log .out"
	check_eq err "$(cat "$R/pods/$POD/logs/$a.err")" "log .err"
	# --json: stdout is the JSON alone.
	check_exit 0 pe --json "$POD"
	check_eq 0 "$(jq .status "$T_STDOUT")" "json status"
	check_eq "$POD" "$(jq -r .uuid "$T_STDOUT")" "json uuid"
	check_eq "$a:0" "$(jq -r '.apps[0] | "\(.name):\(.status)"' \
	    "$T_STDOUT")" "json apps"
	check_grep '^out$' "$T_STDERR"
	# -t: a terminal as 0, 1 and 2.
	pod_of -- sh -c 'test -t 0 && test -t 1 && test -t 2 && echo tty'
	check_exit 0 pe -t "$POD"
	check_grep '^tty' "$T_STDOUT"
	grep -q tty "$R/pods/$POD/logs/$(state '.apps[0].name').out"
}
t_case "logs, --json and -t" single_logs

stdin_only_with_i() {
	echo secret >"$T/in"
	: >"$T/empty"
	pod_of -- cat
	check_stdout "$T/empty" pe "$POD" <"$T/in"
	cp "$T/in" "$T/in.expected"
	check_stdout "$T/in.expected" pe -i "$POD" <"$T/in"
}
t_case "stdin is /dev/null unless -i" stdin_only_with_i

memory() {
	pod_of --memory 32M -- sh -c \
	    'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived'
	check_exit 137 pe "$POD"
}
t_case "memory limit kills a hog" memory

sigterm() {
	mkdir -p "$T/sv"
	pod_of -v "$T/sv:/sv" -- sh -c 'trap "echo term >/sv/got; exit 3" TERM
	    echo ready >/sv/ready; sleep 100 & wait'
	# Not through pe(): $! must be pod-exec itself, not a subshell.
	pod-exec -R "$R" "$POD" >"$T/out" 2>&1 &
	pid=$!
	t_wait 10 test -f "$T/sv/ready" || fail "the app did not start"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	check_eq 3 "$rc" "pod-exec's status"
	check_eq term "$(cat "$T/sv/got")" "the app's trap"
}
t_case "SIGTERM to pod-exec reaches the apps" sigterm

main_grace() {
	render_pod <<-EOF
	 "apps": [
	  {"name": "side", "image": {"name": "$IMG"},
	   "app": {"exec": ["/bin/sh", "-c",
	     "trap '' TERM; touch /s/trapped; sleep 100"]},
	   "mounts": [{"volume": "s", "path": "/s"}]},
	  {"name": "polite", "image": {"name": "$IMG"},
	   "app": {"exec": ["/bin/sleep", "100"]}},
	  {"name": "web", "image": {"name": "$IMG"},
	   "app": {"exec": ["/bin/sh", "-c",
	     "while ! test -e /s/trapped; do sleep 0.05; done; exit 5"]},
	   "mounts": [{"volume": "s", "path": "/s"}]}],
	 "volumes": [{"name": "s", "kind": "empty"}]}
	EOF
	start=$(date +%s)
	check_exit 5 pe --main web --grace 1 "$POD"
	check_num $(($(date +%s) - start)) -le 6 "seconds"
	check_eq "side:137 polite:143 web:5" \
	    "$(state '[.apps[] | "\(.name):\(.status)"] | join(" ")')" \
	    "statuses"
	check_stderr_match 64 "no app 'nope'" pe --main nope "$POD"
}
t_case "--main ends the pod, --grace bounds the others" main_grace

detach_enter_kill() {
	pod_of --hostname inside -- sh -c 'sleep 100 & wait'
	check_exit 0 pe -d "$POD"
	check_eq "$POD" "$(cat "$T_STDOUT")" "-d prints the uuid"
	check_eq running "$(state .phase)" "phase"
	# Run twice: the second one finds it running.
	check_stderr_match 75 "is running" pe "$POD"
	check_stderr_match 75 "is running" pe -d "$POD"
	check_exit 0 pe -e "$POD" -- hostname
	check_eq inside "$(cat "$T_STDOUT")" "hostname in -e"
	check_exit 0 pe -e "$POD" -- ps
	check_grep 'sleep 100' "$T_STDOUT"
	# The same PID 1: the supervisor whose start time state.json has.
	check_exit 0 pe -e "$POD" -- sh -c 'awk "{print \$22}" /proc/1/stat'
	check_eq "$(state .pid_start)" "$(cat "$T_STDOUT")" "/proc/1 start"
	# (Not ls alone: sh would exec it, and ls has its own fd open.)
	check_exit 0 pe -e "$POD" -- sh -c 'ls /proc/$$/fd; true'
	check_eq "0 1 2" "$(tr '\n' ' ' <"$T_STDOUT" | sed 's/ $//')" "-e fds"
	check_exit 3 pe -e "$POD" -- sh -c 'exit 3'
	check_exit 127 pe -e "$POD" -- /nope
	echo piped | pe -e "$POD" -i -- cat >"$T/piped"
	check_eq piped "$(cat "$T/piped")" "-e -i"
	check_exit 0 pe -k "$POD" TERM
	t_wait 10 sh -c "test \"\$(jq -r .phase '$R/pods/$POD/state.json')\" \
	    = exited" || fail "not exited after -k: $(state .phase)"
	check_eq 143 "$(state '.apps[0].status')" "status after -k"
	check_eq 0 "$(state .pid)" "pid after the end"
	check_stderr_match 66 "not running" pe -k "$POD"
	check_stderr_match 66 "not running" pe -e "$POD" -- true
	check_stderr_match 66 "no pod" pe -k 00000000-0000-4000-8000-000000000000
	# -k KILL ends the supervisor, and with it the pod.
	check_exit 0 pe -d "$POD"
	check_exit 0 pe -k "$POD" 9
	t_wait 10 sh -c "test \"\$(jq -r .phase '$R/pods/$POD/state.json')\" \
	    = exited" || fail "not exited after -k 9"
	check_eq 137 "$(state '.apps[0].status')" "status after -k 9"
}
t_case "-d, -e in the same namespaces, -k, running twice" detach_enter_kill

detach_failure() {
	pod_of -- /bin/nope
	check_stderr_match 127 "exec '/bin/nope'" pe -d "$POD"
}
t_case "-d reports an app that cannot start" detach_failure

monitor_killed() {
	pod_of -- sh -c 'sleep 100 & wait'
	check_exit 0 pe -d "$POD"
	sup=$(state .pid)
	mon=$(awk '/^PPid:/ { print $2 }' "/proc/$sup/status")
	kill -KILL "$mon"
	t_wait 10 sh -c "! kill -0 $mon 2>/dev/null" || fail "monitor alive"
	# The supervisor holds run.lock: the pod still runs and answers.
	check_stderr_match 75 "is running" pe "$POD"
	check_exit 0 pe -e "$POD" -- true
	check_exit 0 pe -k "$POD" TERM
	t_wait 10 sh -c "! kill -0 $sup 2>/dev/null" ||
	    fail "the supervisor outlived -k"
	# Gone with nobody to record it: not running, whatever state.json
	# says, and the next run cleans up after the killed monitor.
	check_eq running "$(state .phase)" "phase left by the killed monitor"
	check_stderr_match 66 "not running" pe -k "$POD"
	check_stderr_match 66 "not running" pe -e "$POD" -- true
	check_stderr_match 0 "left running by a killed pod-exec" pe -d "$POD"
	check_exit 0 pe -k "$POD" KILL
	t_wait 10 sh -c "test \"\$(jq -r .phase '$R/pods/$POD/state.json')\" \
	    = exited" || fail "not exited after the second run"
	for c in /sys/fs/cgroup/pids /sys/fs/cgroup/unified /sys/fs/cgroup; do
		test ! -e "$c/berth/$POD" || fail "cgroup $c/berth/$POD left"
	done
}
t_case "kill -9 of the monitor: the pod runs on, -k ends it, next run cleans" \
    monitor_killed

stale_pid() {
	pod_of -- true
	check_exit 0 pe "$POD"
	sleep 100 &
	victim=$!
	t_cleanup_add "kill $victim 2>/dev/null"
	start=$(awk '{ print $22 }' "/proc/$victim/stat")
	# state.json names a live process, but with another start time (the
	# supervisor's pid was reused), while run.lock is held.
	j="$R/pods/$POD/state.json"
	jq --argjson p "$victim" --argjson s "$((start + 1))" \
	    '.phase = "running" | .pid = $p | .pid_start = $s' "$j" >"$j.new"
	mv "$j.new" "$j"
	pod_reseal "$R" "$POD"
	check_stderr_match 66 "not running" flock "$R/pods/$POD/run.lock" \
	    pod-exec -R "$R" -k "$POD" KILL
	check_stderr_match 66 "not running" flock "$R/pods/$POD/run.lock" \
	    pod-exec -R "$R" -e "$POD" -- true
	t_alive "$victim" || fail "-k killed a process that is not the pod's"
	# The right start time but run.lock free: not running either.
	jq --argjson s "$start" '.pid_start = $s' "$j" >"$j.new"
	mv "$j.new" "$j"
	pod_reseal "$R" "$POD"
	check_stderr_match 66 "not running" pe -k "$POD" KILL
	t_alive "$victim" || fail "-k without run.lock killed"
	# Both right: the signal goes (this is what the checks stand between).
	check_exit 0 flock "$R/pods/$POD/run.lock" \
	    pod-exec -R "$R" -k "$POD" KILL
	t_wait 10 sh -c "! kill -0 $victim 2>/dev/null" || fail "not sent"
}
t_case "-k and -e refuse a pid reused by another process or without run.lock" \
    stale_pid

enter_pod_ends() {
	pod_of -- sh -c 'sleep 100 & wait'
	check_exit 0 pe -d "$POD"
	timeout 20 pod-exec -R "$R" -e "$POD" -- sleep 101 >"$T/e.out" 2>&1 &
	epid=$!
	t_wait 10 sh -c "pod-exec -R '$R' -e '$POD' -- ps | grep -q 'sleep 101'" ||
	    fail "the -e command did not start"
	check_exit 0 pe -k "$POD" TERM
	rc=0
	wait "$epid" || rc=$?
	check_eq 137 "$rc" "-e when the pod ends under it"
	t_wait 10 sh -c "test \"\$(jq -r .phase '$R/pods/$POD/state.json')\" \
	    = exited" || fail "not exited"
}
t_case "-e ends with 137 when the pod ends under it" enter_pod_ends

big_output() {
	# 50 MB on stdout, one line, and the end on stderr.
	pod_of -- sh -c 'head -c 50000000 /dev/zero | tr "\0" x; echo; echo end >&2'
	check_exit 0 pe "$POD"
	check_num "$(wc -c <"$T_STDOUT")" -eq 50000001 "stdout bytes"
	check_eq end "$(cat "$T_STDERR")" "stderr"
	a=$(state '.apps[0].name')
	check_num "$(wc -c <"$R/pods/$POD/logs/$a.out")" -eq 50000001 \
	    "log bytes"
	# Two apps writing lines at once: prefixed, whole, none lost.
	render_pod <<-EOF
	 "apps": [
	  {"name": "a", "image": {"name": "$IMG"},
	   "app": {"exec": ["/bin/seq", "1", "1500000"]}},
	  {"name": "b", "image": {"name": "$IMG"},
	   "app": {"exec": ["/bin/seq", "1", "1500000"]}}]}
	EOF
	check_exit 0 pe "$POD"
	seq 1 1500000 >"$T/seq"
	for a in a b; do
		grep "^$a| " "$T_STDOUT" | cut -c4- >"$T/seq.$a"
		cmp -s "$T/seq" "$T/seq.$a" || fail "app $a's lines on stdout"
		cmp -s "$T/seq" "$R/pods/$POD/logs/$a.out" || fail "$a.out"
	done
	check_eq 3000000 "$(wc -l <"$T_STDOUT")" "lines"
}
t_case "50 MB of output and 3 million prefixed lines: complete, no deadlock" \
    big_output

partial_lines() {
	render_pod <<-EOF
	 "apps": [
	  {"name": "a", "image": {"name": "$IMG"},
	   "app": {"exec": ["/bin/sh", "-c", "printf partial"]}},
	  {"name": "b", "image": {"name": "$IMG"},
	   "app": {"exec": ["/bin/sh", "-c",
	     "printf 'one\\\\ntwo'; head -c 10000 /dev/zero | tr '\\\\0' y >&2"]}}]}
	EOF
	check_exit 0 pe "$POD"
	check_eq "a| partial" "$(grep '^a' "$T_STDOUT")" "a's partial line"
	check_eq "b| one b| two" "$(grep '^b' "$T_STDOUT" | tr '\n' ' ' |
	    sed 's/ $//')" "b's lines"
	# The logs have what the app wrote, no newline added.
	check_eq 7 "$(wc -c <"$R/pods/$POD/logs/a.out")" "a.out bytes"
	check_eq 7 "$(wc -c <"$R/pods/$POD/logs/b.out")" "b.out bytes"
	# A line longer than 8192 bytes goes out in pieces, each prefixed,
	# nothing lost.
	check_eq 2 "$(grep -c '^b| y*$' "$T_STDERR")" "pieces of the long line"
	check_eq 10000 "$(sed 's/^b| //' "$T_STDERR" | tr -d '\n' | wc -c)" \
	    "bytes of the long line"
}
t_case "prefixing: partial last lines, lines longer than the buffer" \
    partial_lines

tty_restored() {
	# The pty is the app's own (its devpts): tty(1) names it; it has
	# our window size (set before the app starts, and again once the
	# monitor has the master, so only losing both fails here).
	pod_of -- sh -c 'tty; stty size; test -t 1 && test -t 2 || exit 9;
	    exit 3'
	# Each run inside a terminal of script(1): the settings before and
	# after must be the same, whichever way pod-exec ends.
	cat >"$T/tty.sh" <<-EOF
	stty rows 33 cols 77
	stty -g >"$T/tty.before"
	pod-exec -R "$R" -t -i "$POD"
	echo "rc=\$?" >"$T/tty.rc"
	stty -g >"$T/tty.after"
	EOF
	script -qec "sh '$T/tty.sh'" /dev/null </dev/null >/dev/null 2>&1 || :
	check_eq "rc=3" "$(cat "$T/tty.rc")" "status under a terminal"
	check_eq "$(cat "$T/tty.before")" "$(cat "$T/tty.after")" "stty"
	a=$(state '.apps[0].name')
	check_grep '^/dev/pts/[0-9]' "$R/pods/$POD/logs/$a.out"
	check_grep '^33 77' "$R/pods/$POD/logs/$a.out"
	# -e -t: the same in a running pod, and nothing but 0-2 open.
	pod_of -- sh -c 'sleep 100 & wait'
	check_exit 0 pe -d "$POD"
	cat >"$T/tty.sh" <<-EOF
	stty -g >"$T/tty.before"
	pod-exec -R "$R" -e "$POD" -t -i -- \
	    sh -c 'tty; ls -1 /proc/\$\$/fd; exit 4' >"$T/tty.out"
	echo "rc=\$?" >"$T/tty.rc"
	stty -g >"$T/tty.after"
	EOF
	script -qec "sh '$T/tty.sh'" /dev/null </dev/null >/dev/null 2>&1 || :
	check_eq "rc=4" "$(cat "$T/tty.rc")" "-e -t status"
	check_eq "$(cat "$T/tty.before")" "$(cat "$T/tty.after")" "-e -t stty"
	check_grep '^/dev/pts/[0-9]' "$T/tty.out"
	check_eq "0 1 2" "$(tr -d '\r' <"$T/tty.out" | sed 1d | tr '\n' ' ' |
	    sed 's/ $//')" "-e -t fds"
	check_exit 0 pe -k "$POD" TERM
	t_wait 10 sh -c "test \"\$(jq -r .phase '$R/pods/$POD/state.json')\" \
	    = exited" || fail "not exited after -k: $(state .phase)"
}
t_case "-t: the pod's own pty, the terminal restored" tty_restored

usage_errors() {
	pod_of -- true
	check_exit 64 pe
	check_exit 64 pe -d -i "$POD"
	check_stderr_match 64 "unknown signal" pe -k "$POD" BOGUS
	# Signals the supervisor would not pass on are refused, not lost.
	check_stderr_match 64 "not forwarded" pe -k "$POD" WINCH
	check_stderr_match 64 "not forwarded" pe -k "$POD" STOP
	check_stderr_match 64 "not forwarded" pe -k "$POD" 14
	check_exit 64 pe -e "$POD"
	check_stderr_match 66 "no pod" pe 00000000-0000-4000-8000-000000000000
}
t_case "usage errors" usage_errors

hostile() {
	POD=$(pod-render -q -R "$R" -v a:/data -v b:/rel \
	    "$REG/test/pod:hostile" -- sh -c 'echo pwned >/data/pwned
	    echo pwned >/rel/pwned; head -c 5 /proc/self/status; echo') ||
	    fail "pod-render of the hostile image"
	t_cleanup_add "pod-render -q -R '$R' -D '$POD'"
	rc=0
	pe "$POD" >"$T/out" 2>&1 || rc=$?
	echo "pod-exec exited $rc:"
	cat "$T/out"
	for s in abs rel proc; do
		check_eq file "$(ls "$T/sentinel-$s")" "sentinel-$s contents"
		check_eq untouched "$(cat "$T/sentinel-$s/file")" "sentinel-$s"
		! grep -q "sentinel-$s" /proc/self/mountinfo ||
		    fail "a mount on the host's sentinel-$s"
	done
}
t_case "symlinks out of the root at volume mountpoints and /proc" hostile

# The core subset on each storage driver.
core() {
	case $1 in
	zfs)
		zfs_available || t_skip_case "no zfs-fuse"
		zfs_pool_create "$T"
		R="$T/r-zfs"
		fresh_root "$R" zfs "$ZPOOL/berth";;
	*)
		R="$T/r-$1"
		fresh_root "$R" "$1";;
	esac
	t_cleanup_add "rm -rf '$R'"
	pod_of -n core -v vol:/vol -- sh -c 'echo v >/vol/f; cat /vol/f;
	    echo "$AC_APP_NAME"; ls /proc | grep -c "^[0-9]"; exit 7'
	check_exit 7 pe "$POD"
	check_eq v "$(sed -n 1p "$T_STDOUT")" "volume"
	check_eq core "$(sed -n 2p "$T_STDOUT")" "env"
	check_num "$(sed -n 3p "$T_STDOUT")" -le 5 "processes seen"
	check_eq "$1" "$(state .driver)" "driver"
	# The rootfs is the pod's own: a write stays in this pod.
	pod_of -- sh -c 'echo x >/bin/new'
	check_exit 0 pe "$POD"
	pod_of -- sh -c 'test ! -e /bin/new'
	check_exit 0 pe "$POD"
}
for _d in dir overlay zfs; do
	t_case "$_d driver: exit status, env, volume, PID namespace" core "$_d"
done

t_done
