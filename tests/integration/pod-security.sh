#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Attacks on pod-exec from inside a pod, for real, as root: an image
# carrying tests/tools/podprobe (built static here) tries what an attacker
# would.  A racing WorkingDir under -e, the host's keyrings, the default
# seccomp filter and the isolators that change it, /proc/self/exe of our
# own processes (CVE-2019-5736), a fork bomb against the default pids
# limit, and tampered pod files that a later run would trust.
# (SC2016: the single-quoted commands are expanded by the pod's shell.)
# shellcheck disable=SC2016
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
t_init
skip_unless_root
skip_unless_platform linux
skip_unless_cmd umoci skopeo jq python3 docker-registry busybox cc
for _p in img-pull img-unpack pod-render pod-exec; do
	test -x "$TOP/bin/$_p" || t_skip_case "build first: make"
done

# ---------------------------------------------------------------- helpers

# render ARGS...: pod-render in $R; the uuid goes to $POD.
render() {
	POD=$(pod-render -q -R "$R" "$@") || fail "pod-render $*"
	t_cleanup_add "end_pod '$R' '$POD'"
}

# end_pod ROOT UUID: kill the pod if it still runs, then destroy it.
end_pod() {
	test -d "$1/pods/$2" || return 0
	pod-exec -q -R "$1" -k "$2" KILL 2>/dev/null
	t_wait 10 flock -n "$1/pods/$2/run.lock" true
	pod-render -q -R "$1" -D "$2" 2>/dev/null
}

pe() {
	pod-exec -R "$R" "$@"
}

# ---------------------------------------------------------------- setup

setup() {
	registry_start || return 1
	mkimage_busybox "$T/img" probe || return 1
	_x="$T/extra"
	mkdir -p "$_x/tmp"
	cc -static -O2 -o "$_x/podprobe" "$TOP/tests/tools/podprobe.c" ||
	    return 1
	# CVE-2019-5736: a script whose interpreter is whoever execs it,
	# with what pod-exec needs to run in the pod (its loader and
	# libraries), as an image with a libc would have.
	printf '#!/proc/self/exe\n' >"$_x/evil"
	chmod 755 "$_x/evil"
	for _l in $(ldd "$TOP/bin/pod-exec" | awk '/=> \// { print $3 }
	    /^[[:space:]]*\// { print $1 }'); do
		mkdir -p "$_x$(dirname "$_l")"
		cp -L "$_l" "$_x$_l" || return 1
	done
	_t_tar "$_x" "$T/extra.tar" || return 1
	oci_add_layer "$T/img" probe "$T/extra.tar" || return 1
	push_image "$T/img:probe" "$REG/test/sec:probe" || return 1
	IMG="$REG/test/sec:probe"
	R="$T/r"
	img-pull -q -R "$R" "$IMG" >/dev/null || return 1
	img-unpack -q -R "$R" -d overlay "$IMG" >/dev/null || return 1
	return 0
}
t_setup "probe image, registry, root" setup

# ---------------------------------------------------------------- cases

# The app swaps its WorkingDir with a symlink to /proc/1/root as fast as
# it can while -e enters again and again: the entered command must never
# find itself anywhere but the app's root.
cwd_race() {
	# In the overlay's upper directory: overlayfs renames no directory
	# of a lower layer.
	render -w /tmp/w "$IMG" -- sh -c 'ln -s /proc/1/root /tmp/wl &&
	    exec /podprobe swap 120 /tmp/w /tmp/wl'
	check_exit 0 pe -d "$POD"
	t_wait 10 sh -c "pod-exec -R '$R' -e '$POD' -- ps | grep -q 'swap 120'" ||
	    fail "the racer is not running"
	n=0 ok=0 refused=0
	while test "$n" -lt 150; do
		n=$((n + 1))
		rc=0
		pe -e "$POD" -- /bin/ls -a >"$T/ls" 2>"$T/err" || rc=$?
		if grep -qE '^(state\.json|pod\.json|apps|logs)$' "$T/ls"; then
			cat "$T/ls"
			fail "attempt $n: the cwd left the app's root"
		fi
		case $rc in
		0) ok=$((ok + 1));;
		65|71) refused=$((refused + 1))
		    check_grep "working directory '/tmp/w'" "$T/err";;
		*) cat "$T/err"; fail "attempt $n: exit $rc";;
		esac
	done
	echo "$ok entered, $refused refused (the link was there)"
	check_num "$refused" -gt 0 "refused (the racer does not race)"
	check_num "$ok" -gt 0 "entered"
}
t_case "a WorkingDir raced with a link to /proc/1/root under -e" cwd_race

# Keys of the host's root user and of the admin's session ("podprobe
# session" runs pod-exec with a session keyring of its own holding a key):
# the default seccomp filter refuses every key call; an app allowed keyctl
# finds a session keyring of the pod's own, empty.
keyrings() {
	p="$T/extra/podprobe"
	u="berth-test-user-$$"
	serial=$("$p" keyadd user "$u" secret-user) ||
	    fail "add a key to root's user keyring"
	t_cleanup_add "'$p' keyrevoke $serial"
	find="/podprobe keyfind berth-test-session; /podprobe keyfind $u"
	render "$IMG" -- sh -c "$find"
	check_exit 0 "$p" session berth-test-session -- \
	    pod-exec -R "$R" "$POD"
	cat "$T_STDOUT"
	check_eq 4 "$(grep -c ' EPERM$' "$T_STDOUT")" "key calls refused"
	render "$IMG" -- sleep 60
	check_exit 0 pe -d "$POD"
	check_exit 0 "$p" session berth-test-session -- \
	    pod-exec -R "$R" -e "$POD" -- sh -c "$find"
	cat "$T_STDOUT"
	check_eq 4 "$(grep -c ' EPERM$' "$T_STDOUT")" "key calls refused (-e)"
	# keyctl allowed: the session keyring is the pod's own.
	render --seccomp-remove-set @appc.io/empty "$IMG" -- \
	    /podprobe keyfind berth-test-session
	check_exit 0 "$p" session berth-test-session -- \
	    pod-exec -R "$R" "$POD"
	cat "$T_STDOUT"
	check_grep '^session ENOKEY$' "$T_STDOUT"
}
t_case "host user and session keys unreadable from a pod" keyrings

# CVE-2019-5736: /evil is "#!/proc/self/exe", so whoever execs it runs its
# own program file inside the pod; a watcher app opens /proc/PID/exe of
# every process it sees and writes its first byte back over itself.  What
# it finds of ours must be a sealed copy, never the host's file.
caught() {
	grep -E '^exe .*(pod-exec|memfd)' "$R/pods/$POD/logs/watch.out" \
	    2>/dev/null
}
exe_overwrite() {
	sum=$(sha256sum <"$TOP/bin/pod-exec")
	POD=none
	cat >"$T/exe.json" <<-EOF
	{"acKind": "PodManifest", "acVersion": "0.8.11", "apps": [
	  {"name": "watch", "image": {"name": "$IMG"},
	   "app": {"exec": ["/podprobe", "exewatch", "1"]}},
	  {"name": "evil", "image": {"name": "$IMG"},
	   "app": {"exec": ["/evil"]}}]}
	EOF
	n=0
	while test "$n" -lt 30 && ! caught >/dev/null; do
		n=$((n + 1))
		render -f "$T/exe.json"
		pe "$POD" >/dev/null 2>&1 || true
	done
	caught >"$T/run" || fail "the watcher never saw the script run (run)"
	echo "run, after $n pods:"
	cat "$T/run"
	# -e: the watcher runs, the script is entered again and again.
	render -n watch "$IMG" -- /podprobe exewatch 30
	check_exit 0 pe -d "$POD"
	n=0
	while test "$n" -lt 200 && ! caught >/dev/null; do
		n=$((n + 1))
		pe -e "$POD" -- /evil >/dev/null 2>&1 || true
	done
	caught >"$T/enter" || fail "the watcher never saw the script run (-e)"
	echo "-e, after $n tries:"
	cat "$T/enter"
	check_exit 0 pe -k "$POD" KILL
	for f in "$T/run" "$T/enter"; do
		if grep -Ev '^exe /memfd:pod-exec \(deleted\) E[A-Z]+$' "$f"
		then
			fail "a process of the pod reached our program file"
		fi
	done
	check_eq "$sum" "$(sha256sum <"$TOP/bin/pod-exec")" "pod-exec's file"
}
t_case "/proc/self/exe of pod-exec from inside: run and -e (CVE-2019-5736)" \
    exe_overwrite

# What a later run trusts, changed behind berth's back: a host volume
# swapped for "/" in state.json, a host volume added to pod.json, a root
# moved out of the pod (sealed again, as only a holder of the key could).
tampered() {
	mkdir -p "$T/hostvol"
	render -v "$T/hostvol:/data" "$IMG" -- true
	P="$R/pods/$POD"
	cp "$P/state.json" "$T/state.orig"
	jq '(.volumes[] | select(.owned == false) | .path) = "/"' \
	    "$T/state.orig" >"$P/state.json"
	check_stderr_match 65 "state.json: the seal does not match" pe "$POD"
	check_stderr_match 65 "the seal does not match" pe -k "$POD"
	cp "$T/state.orig" "$P/state.json"
	cp "$P/pod.json" "$T/pod.orig"
	jq '.volumes += [{"name": "root", "kind": "host", "source": "/"}]' \
	    "$T/pod.orig" >"$P/pod.json"
	check_stderr_match 65 "pod.json: not the one state.json names" \
	    pe "$POD"
	cp "$T/pod.orig" "$P/pod.json"
	jq '.apps[0].rootfs = "/"' "$T/state.orig" >"$P/state.json"
	pod_reseal "$R" "$POD"
	check_stderr_match 65 "rootfs '/' is not '$P/apps/" pe "$POD"
	cp "$T/state.orig" "$P/state.json"
	check_exit 0 pe "$POD"
	# -D removes a pod whose state it cannot trust, touching nothing
	# that state names.
	jq '(.volumes[] | select(.owned == false)) |= (.path = "/" |
	    .owned = true)' "$T/state.orig" >"$P/state.json"
	check_stderr_match 0 "removing it anyway" pod-render -R "$R" -D "$POD"
	test ! -e "$P" || fail "the pod is still there"
	test -d "$T/hostvol" || fail "the host volume went"
}
t_case "tampered state.json and pod.json are refused" tampered

# Layers and logs may hold secrets: no other local user reads the store,
# also one an older berth or an administrator made with open modes.
store_modes() {
	S="$T/open"
	mkdir -p "$S/oci" "$S/ingest" "$S/layers" "$S/pods" "$S/locks"
	chmod 755 "$S" "$S/oci" "$S/ingest" "$S/layers" "$S/pods" "$S/locks"
	check_exit 0 img-pull -q -R "$S" "$IMG"
	check_exit 0 img-unpack -q -R "$S" -d overlay "$IMG"
	check_exit 0 pod-render -q -R "$S" "$IMG" -- true
	for d in oci ingest layers pods locks; do
		check_eq 700 "$(stat -c %a "$S/$d")" "mode of $d"
		setpriv --reuid 65534 --regid 65534 --clear-groups \
		    ls "$S/$d" >/dev/null 2>&1 && fail "nobody reads $d"
	done
	R2="$T/fresh"
	check_exit 0 img-pull -q -R "$R2" "$IMG"
	check_eq 700 "$(stat -c %a "$R2")" "mode of a new root"
}
t_case "the store is not readable by other users (0700)" store_modes

# A fork bomb meets the pods limit every pod gets unless told otherwise.
pids() {
	render "$IMG" -- /podprobe forkbomb 6000
	check_eq 4096 "$(jq '.isolators[] | select(.name == "io.berth/pids")
	    | .value.limit' "$R/pods/$POD/pod.json")" "default pids limit"
	check_exit 0 pe "$POD"
	cat "$T_STDOUT"
	check_grep '^fork EAGAIN$' "$T_STDOUT"
	k=$(sed -n 's/^forked //p' "$T_STDOUT")
	check_num "$k" -lt 4096 "processes forked"
	check_num "$k" -gt 4000 "processes forked"
	render --pids 50 "$IMG" -- /podprobe forkbomb 6000
	check_exit 0 pe "$POD"
	check_num "$(sed -n 's/^forked //p' "$T_STDOUT")" -lt 50 "forked"
	render --pids 0 "$IMG" -- true
	check_eq 0 "$(jq '[.isolators[]? | select(.name == "io.berth/pids")]
	    | length' "$R/pods/$POD/pod.json")" "pids isolators with --pids 0"
	check_stderr_match 64 "--pids '-1'" pod-render -R "$R" --pids -1 "$IMG"
}
t_case "a fork bomb stops at the pods limit (default 4096, --pids)" pids

# The default filter, and the isolators (and flags) that change it.
seccomp() {
	calls="keyctl unshare-user unshare-ns clone-newuser mount bpf perf \
	    userfaultfd"
	render "$IMG" -- sh -c "grep Seccomp: /proc/self/status
	    unshare -U true 2>/dev/null; echo unshare -U \$?
	    for s in $calls; do /podprobe syscall \$s; done"
	check_exit 0 pe "$POD"
	cat "$T_STDOUT"
	check_grep '^Seccomp:.2$' "$T_STDOUT"
	check_grep '^unshare -U 1$' "$T_STDOUT"
	for c in $calls; do
		check_grep "^$c EPERM\$" "$T_STDOUT"
	done
	# What is not in the list still works: a ptrace of one's child.
	render "$IMG" -- /podprobe syscall ptrace-self
	check_stdout - pe "$POD" <<-EOF
	ptrace-self ok
	EOF
	# -e gets the app's filter.
	render "$IMG" -- sleep 60
	check_exit 0 pe -d "$POD"
	check_stdout - pe -e "$POD" -- /podprobe syscall unshare-user <<-EOF
	unshare-user EPERM
	EOF
	# The default less keyctl: keyctl works, the rest stays refused.
	render --seccomp-retain-set @berth/default-allowed,keyctl "$IMG" -- \
	    sh -c '/podprobe syscall keyctl; /podprobe syscall unshare-user'
	check_stdout - pe "$POD" <<-EOF
	keyctl ok
	unshare-user EPERM
	EOF
	# The default and ptrace.
	render --seccomp-remove-set @berth/default-blocked,ptrace "$IMG" -- \
	    sh -c '/podprobe syscall ptrace-self; /podprobe syscall keyctl'
	check_stdout - pe "$POD" <<-EOF
	ptrace-self EPERM
	keyctl EPERM
	EOF
	# A set of names alone replaces the default; "errno" is the answer.
	cat >"$T/pod.json" <<-EOF
	{"acKind": "PodManifest", "acVersion": "0.8.11", "apps": [{
	  "name": "a", "image": {"name": "$IMG"},
	  "app": {"exec": ["sh", "-c",
	    "/podprobe syscall keyctl; mkdir /x || echo refused"],
	    "isolators": [{"name": "os/linux/seccomp-remove-set",
	      "value": {"set": ["mkdir", "mkdirat"], "errno": "ENOTSUP"}}]}}]}
	EOF
	render -f "$T/pod.json"
	check_exit 0 pe "$POD"
	check_grep '^keyctl ok$' "$T_STDOUT"
	check_grep '^refused$' "$T_STDOUT"
	check_grep 'Operation not supported' "$T_STDERR"
	# no-new-privileges false: the filter is there all the same.
	sed 's|"isolators": \[|&{"name": "os/linux/no-new-privileges", "value": false}, |' \
	    "$T/pod.json" >"$T/nnp.json"
	sed -i 's|/podprobe syscall keyctl|grep -e NoNewPrivs -e Seccomp: /proc/self/status|' \
	    "$T/nnp.json"
	render -f "$T/nnp.json"
	check_exit 0 pe "$POD"
	check_grep '^NoNewPrivs:.0$' "$T_STDOUT"
	check_grep '^Seccomp:.2$' "$T_STDOUT"
	check_grep '^refused$' "$T_STDOUT"
}
t_case "default seccomp filter; retain and remove sets; no-new-privileges" \
    seccomp

seccomp_errors() {
	check_stderr_match 78 "'nosuchcall' is not a system call of this host" \
	    pod-render -R "$R" --seccomp-remove-set nosuchcall "$IMG"
	check_stderr_match 64 "unknown group '@berth/nope'" \
	    pod-render -R "$R" --seccomp-retain-set @berth/nope "$IMG"
	check_stderr_match 64 "exclude each other" pod-render -R "$R" \
	    --seccomp-retain-set read --seccomp-remove-set read "$IMG"
	check_stderr_match 64 "would refuse every system call" \
	    pod-render -R "$R" --seccomp-remove-set @appc.io/all "$IMG"
	cat >"$T/bad.json" <<-EOF
	{"acKind": "PodManifest", "acVersion": "0.8.11", "apps": [{
	  "name": "a", "image": {"name": "$IMG"},
	  "app": {"exec": ["true"], "isolators": [
	    {"name": "os/linux/no-new-privileges", "value": false},
	    {"name": "os/linux/seccomp-retain-set",
	     "value": {"set": ["read", "write"]}}]}}]}
	EOF
	check_stderr_match 78 "needs a seccomp filter that lists what it refuses" \
	    pod-render -R "$R" -f "$T/bad.json"
	sed 's|"read", "write"|"read"], "errno": "EWHAT"|; s|\]}}\]}}\]}|}}]}}]}|' \
	    "$T/bad.json" >"$T/bad2.json"
	check_stderr_match 65 "errno: expected one of" \
	    pod-render -R "$R" -f "$T/bad2.json"
	test -z "$(ls "$R/pods")" || fail "a refused pod left something"
}
t_case "seccomp isolators: bad names, groups, errno, combinations" \
    seccomp_errors

t_done
