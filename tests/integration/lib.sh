# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=sh disable=SC2034
# (SC2034: the variables set here are for the scripts that source it.)
#
# Helpers sourced by every tests/integration/<program>.sh: a fresh temporary
# directory with cleanup in a trap, TAP output (t_case, t_skip, t_done),
# atf-style checks (check_exit, check_stdout, ...), and loopback servers
# for registry tests: docker-registry (no auth, htpasswd or bearer token),
# the token server and the fault-injecting proxy in tests/tools/, plus
# builders of small OCI test images made from busybox-static.
#
#	. "$(dirname "$0")/lib.sh"
#	t_init
#	registry_start
#	mkimage_busybox "$T/img" latest
#	push_image "$T/img:latest" "$REG/test/busybox:latest"
#	pull_ok() { check_exit 0 img-pull "$REG/test/busybox:latest"; }
#	t_case "pull a small image" pull_ok
#	t_done
#
# Names starting with _t_ are private.  Functions that start servers set
# variables and must be called directly, not inside $(...).

# Seconds a server started by a test may live; cleanup normally stops it
# long before.
: "${T_SERVER_SECONDS:=900}"

t_init() {
	# A script beside lib.sh finds the tree from $0; one elsewhere (a
	# test's own helper script) inherits TOP from the test that runs it.
	if test -f "$(dirname "$0")/lib.sh" ||
	    ! test -f "${TOP:-/nonexistent}/tests/integration/lib.sh"; then
		TOP=$(cd "$(dirname "$0")/../.." && pwd)
	fi
	PATH="$TOP/bin:$PATH"
	T=$(mktemp -d "${TMPDIR:-/tmp}/berth-test.XXXXXX") || {
		echo "Bail out! mktemp failed"
		exit 1
	}
	T_N=0
	T_FAILED=0
	T_IN_CASE=
	T_STDOUT="$T/.stdout"
	T_STDERR="$T/.stderr"
	_t_done_cleanup=
	: >"$T/.cleanup"
	# Keep the tests away from the user's configuration and state.
	# (Not REGISTRY_AUTH_FILE: docker-registry reads REGISTRY_* variables
	# as configuration.)
	DOCKER_CONFIG="$T/.docker"
	XDG_RUNTIME_DIR="$T/.run"
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	BERTH_ROOT="$T/berth"
	no_proxy="127.0.0.1,localhost,::1"
	NO_PROXY=$no_proxy
	export PATH TOP T DOCKER_CONFIG XDG_RUNTIME_DIR BERTH_ROOT \
	    no_proxy NO_PROXY
	trap '_t_exit' EXIT
	trap '_t_exit; trap - EXIT; exit 130' INT
	trap '_t_exit; trap - EXIT; exit 143' TERM
	trap '_t_exit; trap - EXIT; exit 129' HUP
	trap '_t_exit; trap - EXIT; exit 141' PIPE
}

# t_cleanup_add CMD...: run CMD (eval'd) at exit, or when the t_case that
# registered it ends.  Cleanups run in reverse order of registration.
t_cleanup_add() {
	printf '%s\n' "$*" >>"$T/.cleanup"
}

# Run the cleanups registered after line $1 of the list, newest first,
# and forget them.
_t_cleanup_from() {
	test -f "$T/.cleanup" || return 0
	_t_from=$1
	_t_total=$(wc -l <"$T/.cleanup")
	test "$_t_total" -gt "$_t_from" || return 0
	sed -n "$((_t_from + 1)),\$p" "$T/.cleanup" |
	    awk '{ l[NR] = $0 } END { for (i = NR; i > 0; i--) print l[i] }' \
	    >"$T/.cleanup.run"
	head -n "$_t_from" "$T/.cleanup" >"$T/.cleanup.keep"
	mv "$T/.cleanup.keep" "$T/.cleanup"
	while IFS= read -r _t_c <&3; do
		eval "$_t_c" </dev/null || true
	done 3<"$T/.cleanup.run"
	rm -f "$T/.cleanup.run"
}

_t_exit() {
	test -z "$_t_done_cleanup" || return 0
	_t_done_cleanup=1
	set +e
	_t_cleanup_from 0
	if test -n "${T_KEEP:-}"; then
		echo "# T_KEEP: left $T" >&2
	else
		# Files written by a root-owned test may be read-only.
		chmod -R u+rwx "$T" 2>/dev/null
		rm -rf "$T"
	fi
}

# ---------------------------------------------------------------- TAP

# t_case NAME FUNC [ARGS...]: run FUNC in a subshell under set -e and
# print "ok N - NAME" or "not ok N - NAME" followed by FUNC's output as
# "# " lines.  FUNC may skip itself with t_skip_case or skip_unless_*.
t_case() {
	_t_name=$1
	_t_fn=$2
	shift 2
	T_N=$((T_N + 1))
	_t_mark=$(wc -l <"$T/.cleanup")
	rm -f "$T/.skip"
	case $- in *e*) _t_hade=1;; *) _t_hade=;; esac
	set +e
	# shellcheck disable=SC2030
	(
		T_IN_CASE=1
		# The case stops its own servers: as their parent it reaps them
		# (an init that does not reap would leave zombies behind).
		trap '_t_case_exit $?' EXIT
		set -e
		"$_t_fn" "$@"
	) >"$T/.case.log" 2>&1 </dev/null
	_t_rc=$?
	_t_cleanup_from "$_t_mark"
	if test "$_t_rc" -eq 0; then
		echo "ok $T_N - $_t_name"
	elif test "$_t_rc" -eq 77 && test -f "$T/.skip"; then
		echo "ok $T_N - $_t_name # SKIP $(cat "$T/.skip")"
	else
		T_FAILED=$((T_FAILED + 1))
		echo "not ok $T_N - $_t_name"
		echo "# exit status $_t_rc"
		tail -n "${T_DIAG_LINES:-80}" "$T/.case.log" | sed 's/^/#   /'
	fi
	if test -n "${T_VERBOSE:-}" && test "$_t_rc" -eq 0; then
		sed 's/^/#   /' "$T/.case.log"
	fi
	test -z "$_t_hade" || set -e
	return 0
}

# t_setup NAME FUNC [ARGS...]: run FUNC in this shell (so the variables
# it sets, e.g. by registry_start, stay), output captured.  FUNC runs
# without set -e: chain its steps with || return 1.  On failure print
# "not ok N - setup: NAME" with the output and end the script.
t_setup() {
	_t_su_name=$1
	_t_su_fn=$2
	shift 2
	_t_su_rc=0
	"$_t_su_fn" "$@" >"$T/.setup.log" 2>&1 </dev/null || _t_su_rc=$?
	if test "$_t_su_rc" -ne 0; then
		T_N=$((T_N + 1))
		T_FAILED=$((T_FAILED + 1))
		echo "not ok $T_N - setup: $_t_su_name"
		echo "# exit status $_t_su_rc"
		tail -n "${T_DIAG_LINES:-80}" "$T/.setup.log" | sed 's/^/#   /'
		t_done
	fi
	return 0
}

# EXIT trap of a case's subshell: run the case's cleanups, keep its status.
_t_case_exit() {
	set +e
	_t_cleanup_from "$_t_mark"
	exit "$1"
}

# t_skip NAME REASON: record a case as skipped without running it.
t_skip() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1 # SKIP $2"
}

# t_skip_case REASON: inside a case, stop it and report it skipped.
# Outside a case, skip the rest of the script.
t_skip_case() {
	# shellcheck disable=SC2031
	if test -n "$T_IN_CASE"; then
		printf '%s\n' "$*" >"$T/.skip"
		exit 77
	fi
	if test "$T_N" -eq 0; then
		echo "1..0 # SKIP $*"
		exit 77
	fi
	t_skip "remaining cases" "$*"
	t_done
}

# t_done: print the plan and exit: 1 if a case failed, 0 otherwise.
t_done() {
	echo "1..$T_N"
	if test "$T_FAILED" -gt 0; then
		exit 1
	fi
	exit 0
}

# ---------------------------------------------------------------- checks

# fail MSG...: fail the current case with MSG.
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

_t_show() {
	if test -s "$2"; then
		echo "--- $1:" >&2
		head -n "${T_DIAG_LINES:-80}" "$2" >&2
	fi
}

# check_exit N CMD...: run CMD and fail unless it exits with status N.
# Its output is left in "$T_STDOUT" and "$T_STDERR".
check_exit() {
	_t_want=$1
	shift
	_t_got=0
	"$@" >"$T_STDOUT" 2>"$T_STDERR" || _t_got=$?
	if test "$_t_got" -ne "$_t_want"; then
		printf 'check_exit: expected exit %s, got %s: %s\n' \
		    "$_t_want" "$_t_got" "$*" >&2
		_t_show stderr "$T_STDERR"
		_t_show stdout "$T_STDOUT"
		return 1
	fi
	return 0
}

# check_stdout FILE CMD...: CMD must exit 0 and print exactly FILE's
# contents ("-": read the expected text from stdin first).
check_stdout() {
	_t_cs_exp=$1
	shift
	if test "$_t_cs_exp" = -; then
		cat >"$T/.expected"
		_t_cs_exp="$T/.expected"
	fi
	check_exit 0 "$@" || return 1
	if ! cmp -s "$_t_cs_exp" "$T_STDOUT"; then
		printf 'check_stdout: output of %s differs:\n' "$*" >&2
		diff -u "$_t_cs_exp" "$T_STDOUT" | head -n "${T_DIAG_LINES:-80}" >&2
		return 1
	fi
	return 0
}

# check_stdout_match REGEX CMD...: CMD must exit 0 and print a line
# matching the extended regular expression REGEX.
check_stdout_match() {
	_t_cm_re=$1
	shift
	check_exit 0 "$@" || return 1
	if ! grep -Eq -- "$_t_cm_re" "$T_STDOUT"; then
		printf 'check_stdout_match: no line matches /%s/: %s\n' \
		    "$_t_cm_re" "$*" >&2
		_t_show stdout "$T_STDOUT"
		_t_show stderr "$T_STDERR"
		return 1
	fi
	return 0
}

# check_stderr_match N REGEX CMD...: CMD must exit with status N and
# write a line matching the extended regular expression REGEX to stderr.
check_stderr_match() {
	_t_ce_want=$1
	_t_ce_re=$2
	shift 2
	check_exit "$_t_ce_want" "$@" || return 1
	if ! grep -Eq -- "$_t_ce_re" "$T_STDERR"; then
		printf 'check_stderr_match: no stderr line matches /%s/: %s\n' \
		    "$_t_ce_re" "$*" >&2
		_t_show stderr "$T_STDERR"
		return 1
	fi
	return 0
}

# check_grep REGEX FILE: FILE must have a line matching REGEX (ERE).
check_grep() {
	if ! grep -Eq -- "$1" "$2"; then
		printf 'check_grep: no line of %s matches /%s/\n' "$2" "$1" >&2
		_t_show "$2" "$2"
		return 1
	fi
	return 0
}

# check_eq EXPECTED ACTUAL [WHAT]: the two strings must be equal.
check_eq() {
	if test "$1" != "$2"; then
		printf 'check_eq: %s: expected "%s", got "%s"\n' \
		    "${3:-value}" "$1" "$2" >&2
		return 1
	fi
	return 0
}

# check_num A OP B [WHAT]: test "A" OP "B" with OP one of -eq -ne -lt -le
# -gt -ge, e.g. check_num "$(proxy_count GET /blobs/)" -le 3 "blob GETs".
check_num() {
	if ! test "$1" "$2" "$3" 2>/dev/null; then
		printf 'check_num: %s: expected %s %s %s\n' "${4:-value}" \
		    "$1" "$2" "$3" >&2
		return 1
	fi
	return 0
}

skip_unless_root() {
	test "$(id -u)" -eq 0 || t_skip_case "needs root"
}

# skip_unless_platform OS...: skip unless uname -s (lowercase) is one of OS.
skip_unless_platform() {
	_t_sp_os=$(uname -s | tr '[:upper:]' '[:lower:]')
	for _t_sp_p in "$@"; do
		test "$_t_sp_os" != "$_t_sp_p" || return 0
	done
	t_skip_case "needs $*, this is $_t_sp_os"
}

# skip_unless_cmd CMD...: skip unless every CMD is on PATH.
skip_unless_cmd() {
	for _t_sc_c in "$@"; do
		command -v "$_t_sc_c" >/dev/null 2>&1 ||
		    t_skip_case "needs $_t_sc_c"
	done
}

# t_wait SECONDS CMD...: retry CMD every 0.1 s until it succeeds;
# return 1 if it still fails after SECONDS.
t_wait() {
	_t_tries=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		_t_tries=$((_t_tries - 1))
		test "$_t_tries" -gt 0 || return 1
		sleep 0.1
	done
	return 0
}

# http_status URL [CURL ARGS...]: print the HTTP status of a GET of URL.
http_status() {
	_t_u=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$_t_u" ||
	    true
}

_t_http_up() {
	case $(http_status "$1") in 2??|401) return 0;; esac
	return 1
}

# ---------------------------------------------------------------- pods

# pod_reseal ROOT UUID: seal ROOT/pods/UUID/state.json again under the
# root's key after a test changed it, as berth seals it (common/pod.h):
# HMAC-SHA-256 of "UUID\n" and the state without "seal" as compact JSON
# with sorted keys.  Only tests forge state this way: a pod cannot read
# the key.
pod_reseal() {
	python3 - "$1" "$2" <<-'EOF'
	import hashlib, hmac, json, os, sys
	root, uuid = sys.argv[1], sys.argv[2]
	key = open(os.path.join(root, "pods", ".seal.key"), "rb").read()
	path = os.path.join(root, "pods", uuid, "state.json")
	state = json.load(open(path))
	state.pop("seal", None)
	body = json.dumps(state, sort_keys=True, separators=(",", ":"),
	    ensure_ascii=False)
	mac = hmac.new(key, (uuid + "\n" + body).encode(), hashlib.sha256)
	state["seal"] = "hmac-sha256:" + mac.hexdigest()
	with open(path + ".new", "w") as f:
	    json.dump(state, f, indent=2, sort_keys=True)
	    f.write("\n")
	os.rename(path + ".new", path)
	EOF
}

# ---------------------------------------------------------------- servers

# _t_wait_up URL PID SECONDS: wait until URL answers 2xx or 401.  Return
# 1 if process PID exits first, 2 on time-out.
_t_wait_up() {
	_t_wu_n=$(($3 * 10))
	while ! _t_http_up "$1"; do
		t_alive "$2" || return 1
		_t_wu_n=$((_t_wu_n - 1))
		test "$_t_wu_n" -gt 0 || return 2
		sleep 0.1
	done
	return 0
}

# free_port: print a TCP port of 127.0.0.1 that nothing listens on now.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

_t_sha256() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d' ' -f1
	else
		sha256 -q "$1"
	fi
}

# t_alive PID: true if process PID exists and is not a zombie.
t_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	Z*|"") return 1;;
	esac
	return 0
}

# Stop process $1: TERM, then KILL after 5 s; reap it if it is our child.
_t_kill() {
	kill -TERM "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
	_t_k=0
	while t_alive "$1"; do
		_t_k=$((_t_k + 1))
		if test "$_t_k" -gt 50; then
			kill -KILL "$1" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	wait "$1" 2>/dev/null
	return 0
}

# t_spawn LOG CMD...: start CMD in the background with stdout and stderr
# to LOG, limited to T_SERVER_SECONDS, stopped by the cleanup.  Sets
# T_PID.
t_spawn() {
	_t_sp_log=$1
	shift
	timeout -k 5 "$T_SERVER_SECONDS" "$@" </dev/null >"$_t_sp_log" 2>&1 &
	T_PID=$!
	t_cleanup_add "_t_kill $T_PID"
}

# Wait for a server to write its port file; $1 file, $2 pid, $3 log.
_t_wait_portfile() {
	_t_k=0
	while ! test -s "$1"; do
		if ! t_alive "$2"; then
			echo "server exited early:" >&2
			cat "$3" >&2
			return 1
		fi
		_t_k=$((_t_k + 1))
		if test "$_t_k" -gt 150; then
			echo "server did not start in 15 s: $3" >&2
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# registry_start [--htpasswd FILE] [--token REALM ISSUER SERVICE CERTBUNDLE]
#   Start /usr/bin/docker-registry on 127.0.0.1 with its storage under $T.
#   Sets REG (127.0.0.1:PORT), REG_PORT, REG_DIR (storage root), REG_CONFIG,
#   REG_LOG, REG_PID.  Call once per registry; copy REG before the next.
registry_start() {
	_t_rs_auth=
	while test $# -gt 0; do
		case $1 in
		--htpasswd)
			case $2 in
			/*) _t_rs_hp=$2;;
			*) _t_rs_hp="$(pwd)/$2";;
			esac
			_t_rs_auth="auth:
  htpasswd:
    realm: berth-test
    path: $_t_rs_hp"
			shift 2;;
		--token)
			_t_rs_auth="auth:
  token:
    realm: $2
    issuer: $3
    service: $4
    rootcertbundle: $5"
			shift 5;;
		*)
			echo "registry_start: unknown option $1" >&2
			return 1;;
		esac
	done
	# Not a counter: a case runs in a subshell and would reuse names.
	_t_rs_rd=$(mktemp -d "$T/registry.XXXXXX") || return 1
	mkdir -p "$_t_rs_rd/data"
	_t_rs_try=0
	while :; do
		_t_rs_try=$((_t_rs_try + 1))
		REG_PORT=$(free_port) || return 1
		REG="127.0.0.1:$REG_PORT"
		REG_DIR="$_t_rs_rd/data"
		REG_CONFIG="$_t_rs_rd/config.yml"
		REG_LOG="$_t_rs_rd/log"
		cat >"$REG_CONFIG" <<-EOF
		version: 0.1
		log:
		  level: ${T_REGISTRY_LOG_LEVEL:-error}
		  accesslog:
		    disabled: true
		storage:
		  filesystem:
		    rootdirectory: $REG_DIR
		  delete:
		    enabled: true
		  maintenance:
		    uploadpurging:
		      enabled: false
		http:
		  addr: $REG
		  secret: berth-test-secret
		  headers:
		    X-Content-Type-Options: [nosniff]
		$_t_rs_auth
		EOF
		t_spawn "$REG_LOG" docker-registry serve "$REG_CONFIG"
		REG_PID=$T_PID
		_t_rs_rc=0
		_t_wait_up "http://$REG/v2/" "$REG_PID" 15 || _t_rs_rc=$?
		test "$_t_rs_rc" -ne 0 || return 0
		# Died because the port was taken meanwhile: try another.
		if test "$_t_rs_rc" -eq 1 && test "$_t_rs_try" -lt 3 &&
		    grep -q 'address already in use' "$REG_LOG"; then
			continue
		fi
		echo "registry_start: no answer from $REG:" >&2
		cat "$REG_LOG" >&2
		return 1
	done
}

# htpasswd_add FILE USER PASS: add a bcrypt entry for USER to FILE.
htpasswd_add() {
	htpasswd -Bbn "$2" "$3" | sed '/^$/d' >>"$1"
}

# tokenserver_start [tokenserver.py options...]
#   Make an RSA key and certificate (once per test) and start
#   tests/tools/tokenserver.py.  Sets TOKEN_REALM (http://127.0.0.1:PORT/
#   token), TOKEN_PORT, TOKEN_ISSUER, TOKEN_SERVICE, TOKEN_CERT, TOKEN_KEY,
#   TOKEN_LOG (one JSON line per request), TOKEN_PID.  Then:
#	registry_start --token "$TOKEN_REALM" "$TOKEN_ISSUER" \
#	    "$TOKEN_SERVICE" "$TOKEN_CERT"
tokenserver_start() {
	TOKEN_KEY="$T/token-key.pem"
	TOKEN_CERT="$T/token-cert.pem"
	if ! test -s "$TOKEN_CERT"; then
		openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 \
		    -subj /CN=berth-test-token -keyout "$TOKEN_KEY" \
		    -out "$TOKEN_CERT" >"$T/.openssl.log" 2>&1 || {
			cat "$T/.openssl.log" >&2
			return 1
		}
	fi
	TOKEN_ISSUER=berth-test-issuer
	TOKEN_SERVICE=berth-test-registry
	_t_ts_prev=
	for _t_ts_a in "$@"; do
		case $_t_ts_prev in
		--issuer) TOKEN_ISSUER=$_t_ts_a;;
		--service) TOKEN_SERVICE=$_t_ts_a;;
		esac
		_t_ts_prev=$_t_ts_a
	done
	_t_ts_td=$(mktemp -d "$T/token.XXXXXX") || return 1
	TOKEN_LOG="$_t_ts_td/requests.jsonl"
	t_spawn "$_t_ts_td/log" python3 "$TOP/tests/tools/tokenserver.py" \
	    --key "$TOKEN_KEY" --cert "$TOKEN_CERT" --port 0 \
	    --port-file "$_t_ts_td/port" --log "$TOKEN_LOG" \
	    --max-seconds "$T_SERVER_SECONDS" --issuer "$TOKEN_ISSUER" \
	    --service "$TOKEN_SERVICE" "$@"
	TOKEN_PID=$T_PID
	_t_wait_portfile "$_t_ts_td/port" "$TOKEN_PID" "$_t_ts_td/log" || return 1
	TOKEN_PORT=$(cat "$_t_ts_td/port")
	TOKEN_REALM="http://127.0.0.1:$TOKEN_PORT/token"
	return 0
}

# faultproxy_start UPSTREAM [faultproxy.py options...]
#   Start tests/tools/faultproxy.py in front of UPSTREAM (HOST:PORT).
#   Sets PROXY (127.0.0.1:PORT), PROXY_PORT, PROXY_LOG (one JSON line per
#   request), PROXY_RULES (rules file, absent at first), PROXY_PID.
faultproxy_start() {
	_t_fp_up=$1
	shift
	_t_fp_pd=$(mktemp -d "$T/proxy.XXXXXX") || return 1
	PROXY_LOG="$_t_fp_pd/requests.jsonl"
	PROXY_RULES="$_t_fp_pd/rules.json"
	: >"$PROXY_LOG"
	t_spawn "$_t_fp_pd/log" python3 "$TOP/tests/tools/faultproxy.py" \
	    --upstream "$_t_fp_up" --port 0 --port-file "$_t_fp_pd/port" \
	    --rules "$PROXY_RULES" --log "$PROXY_LOG" \
	    --max-seconds "$T_SERVER_SECONDS" "$@"
	PROXY_PID=$T_PID
	_t_wait_portfile "$_t_fp_pd/port" "$PROXY_PID" "$_t_fp_pd/log" || return 1
	PROXY_PORT=$(cat "$_t_fp_pd/port")
	PROXY="127.0.0.1:$PROXY_PORT"
	return 0
}

# faultproxy_rules JSON [RULESFILE]: replace the proxy's rules (default
# file $PROXY_RULES); the counters start again.  "[]" removes all faults.
faultproxy_rules() {
	_t_fr_rf=${2:-$PROXY_RULES}
	# A typo must not leave the proxy without faults, silently.
	if ! printf '%s\n' "$1" | jq -e '(if type == "object" then .rules
	    else . end) | type == "array" and all(.[]; type == "object"
	    and (.action | IN("cut", "truncate", "status", "corrupt", "delay",
	    "ignore-range", "redirect-offhost", "headers", "drop")))' \
	    >/dev/null 2>&1; then
		echo "faultproxy_rules: not a list of rules: $1" >&2
		return 1
	fi
	printf '%s\n' "$1" >"$_t_fr_rf.tmp.$$"
	mv "$_t_fr_rf.tmp.$$" "$_t_fr_rf"
}

# proxy_count [-l LOG] [-s STATUS] [-a yes|no] [-f FAULT] METHOD PATH_REGEX:
# print how many logged requests have METHOD (a regex matched against the
# whole method, e.g. "GET|HEAD", or ".*" for any) and a path matching
# PATH_REGEX (jq test(), PCRE-like), optionally only with response STATUS,
# with/without an Authorization header, or with the fault FAULT applied
# ("none": no fault).  LOG defaults to $PROXY_LOG.
proxy_count() {
	_t_pc_pl=$PROXY_LOG
	_t_pc_ps=
	_t_pc_pa=
	_t_pc_pf=
	while :; do
		case $1 in
		-l) _t_pc_pl=$2; shift 2;;
		-s) _t_pc_ps=$2; shift 2;;
		-a) _t_pc_pa=$2; shift 2;;
		-f) _t_pc_pf=$2; shift 2;;
		*) break;;
		esac
	done
	jq -s --arg m "$1" --arg p "$2" --arg s "$_t_pc_ps" --arg a "$_t_pc_pa" \
	    --arg f "$_t_pc_pf" '
	    [ .[] | select((.method | test("^(" + $m + ")$"))
		and (.path | test($p))
		and ($s == "" or (.status | tostring) == $s)
		and ($a == "" or (.auth == ($a == "yes")))
		and ($f == "" or (.fault // "none") == $f)) ] | length' \
	    "$_t_pc_pl"
}

# ---------------------------------------------------------------- images

# skopeo with the flags every test wants: no signature policy, quiet.
t_skopeo() {
	skopeo --insecure-policy "$@"
}

# push_image SRC DEST [skopeo copy options...]: copy an OCI layout image
# (SRC "DIR:TAG", or any skopeo transport:ref) to a registry (DEST
# "REG/NAME:TAG", or docker://...), all platforms of an index, over plain
# HTTP.  Options: --dest-creds USER:PASS, --format v2s2, ...
push_image() {
	_t_pi_src=$1
	_t_pi_dst=$2
	shift 2
	case $_t_pi_src in
	oci:*|docker://*|dir:*|oci-archive:*|docker-archive:*) ;;
	*) _t_pi_src="oci:$_t_pi_src";;
	esac
	case $_t_pi_dst in
	*://*|oci:*|dir:*) ;;
	*) _t_pi_dst="docker://$_t_pi_dst";;
	esac
	t_skopeo copy -q --all --dest-tls-verify=false "$@" "$_t_pi_src" "$_t_pi_dst"
}

# manifest_digest REF [skopeo inspect options...]: print the digest of the
# manifest (or index) that a registry serves for REF ("REG/NAME:TAG"); the
# manifest itself is left in "$T/.manifest".
manifest_digest() {
	_t_md_ref=$1
	shift
	t_skopeo inspect --raw --tls-verify=false "$@" "docker://$_t_md_ref" \
	    >"$T/.manifest" || return 1
	echo "sha256:$(_t_sha256 "$T/.manifest")"
}

# oci_put_blob DIR FILE: store FILE as a blob of the OCI layout DIR; set
# OCI_DIGEST (sha256:HEX) and OCI_SIZE.
oci_put_blob() {
	_t_h=$(_t_sha256 "$2") || return 1
	OCI_SIZE=$(wc -c <"$2" | tr -d ' ')
	OCI_DIGEST="sha256:$_t_h"
	mkdir -p "$1/blobs/sha256"
	cp "$2" "$1/blobs/sha256/$_t_h"
}

# oci_tag_desc DIR TAG: print the index.json descriptor tagged TAG.
oci_tag_desc() {
	jq -ce --arg t "$2" '[.manifests[] |
	    select(.annotations["org.opencontainers.image.ref.name"] == $t)] |
	    first' "$1/index.json"
}

# oci_set_tag DIR TAG DIGEST SIZE MEDIATYPE: point TAG at a descriptor.
oci_set_tag() {
	jq --arg t "$2" --arg d "$3" --argjson s "$4" --arg m "$5" '
	    .manifests = ([.manifests[] | select(
		.annotations["org.opencontainers.image.ref.name"] != $t)] +
	    [{mediaType: $m, digest: $d, size: $s,
	      annotations: {"org.opencontainers.image.ref.name": $t}}])' \
	    "$1/index.json" >"$1/index.json.tmp"
	mv "$1/index.json.tmp" "$1/index.json"
}

_t_blob() {
	echo "$1/blobs/sha256/${2#sha256:}"
}

# umoci, with --rootless for unpack when not root (repack reads the mode
# from the bundle).
_t_umoci() {
	if test "$(id -u)" -ne 0 && test "$1" = unpack; then
		shift
		umoci unpack --rootless "$@"
	else
		umoci "$@"
	fi
}

# A root filesystem with a static busybox and its applets: $1 directory.
_t_busybox_root() {
	mkdir -p "$1/bin" "$1/etc" "$1/tmp" "$1/root"
	cp "$(command -v busybox)" "$1/bin/busybox"
	for _t_app in sh true false echo cat ls id env sleep printf test \
	    mkdir rm cp mv ln touch pwd hostname wc head tail grep sed \
	    stat uname kill ps wget; do
		ln -sf busybox "$1/bin/$_t_app"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
	    >"$1/etc/passwd"
	printf 'root:x:0:\nnobody:x:65534:\n' >"$1/etc/group"
	chmod 1777 "$1/tmp"
}

# mkimage_busybox DIR [TAG]: make (or add to) the OCI layout DIR an image
# tagged TAG (default "latest"): one layer holding /bin/busybox from
# busybox-static, applet symlinks (sh true echo cat ls id env ...),
# /etc/passwd, /etc/group; Cmd ["/bin/sh"], linux/amd64.
mkimage_busybox() {
	_t_bb_dir=$1
	_t_bb_tag=${2:-latest}
	test -f "$_t_bb_dir/oci-layout" || umoci init --layout "$_t_bb_dir" ||
	    return 1
	umoci new --image "$_t_bb_dir:$_t_bb_tag" || return 1
	_t_bb_b="$T/.bundle.$$"
	rm -rf "$_t_bb_b"
	_t_umoci unpack --image "$_t_bb_dir:$_t_bb_tag" "$_t_bb_b" >/dev/null ||
	    return 1
	_t_busybox_root "$_t_bb_b/rootfs"
	_t_umoci repack --image "$_t_bb_dir:$_t_bb_tag" "$_t_bb_b" >/dev/null ||
	    return 1
	rm -rf "$_t_bb_b"
	umoci config --image "$_t_bb_dir:$_t_bb_tag" --os linux \
	    --architecture amd64 --config.cmd /bin/sh \
	    --config.env PATH=/bin --config.workingdir / || return 1
	return 0
}


# Tar the contents of directory $1 into $2 with numeric owner 0:0.
_t_tar() {
	if tar --version 2>/dev/null | grep -q GNU; then
		tar -C "$1" --owner=0 --group=0 --numeric-owner -cf "$2" .
	else
		tar -C "$1" --uid 0 --gid 0 -cf "$2" .
	fi
}

# oci_add_layer DIR TAG TARFILE: append TARFILE (an uncompressed tar,
# possibly hostile: the point of this helper) as a new gzip layer of
# DIR:TAG, updating the config (diff_ids, history), the manifest and the
# tag.  Sets OCI_DIGEST/OCI_SIZE to the new manifest's.
oci_add_layer() {
	gzip -n -1 -c "$3" >"$T/.layer.gz" || return 1
	oci_add_gz_layer "$1" "$2" "$T/.layer.gz" "sha256:$(_t_sha256 "$3")" ||
	    return 1
	rm -f "$T/.layer.gz"
}

# oci_add_gz_layer DIR TAG GZFILE DIFFID: oci_add_layer for a layer
# already compressed (a tar too big to write out), whose diffID the
# caller computed.
oci_add_gz_layer() {
	_t_al_dir=$1
	_t_al_tag=$2
	_t_al_desc=$(oci_tag_desc "$_t_al_dir" "$_t_al_tag") || {
		echo "oci_add_layer: no tag $_t_al_tag in $_t_al_dir" >&2
		return 1
	}
	_t_al_man=$(_t_blob "$_t_al_dir" "$(echo "$_t_al_desc" | jq -r .digest)")
	_t_al_cfg=$(_t_blob "$_t_al_dir" "$(jq -r .config.digest "$_t_al_man")")
	_t_al_diffid=$4
	oci_put_blob "$_t_al_dir" "$3" || return 1
	_t_al_ld=$OCI_DIGEST
	_t_al_ls=$OCI_SIZE
	jq --arg d "$_t_al_diffid" '.rootfs.diff_ids += [$d]
	    | .history = ((.history // []) +
		[{created_by: "berth test: oci_add_layer"}])' \
	    "$_t_al_cfg" >"$T/.config.json" || return 1
	oci_put_blob "$_t_al_dir" "$T/.config.json" || return 1
	jq --arg cd "$OCI_DIGEST" --argjson cs "$OCI_SIZE" --arg ld "$_t_al_ld" \
	    --argjson ls "$_t_al_ls" '.config.digest = $cd | .config.size = $cs
	    | .layers += [{
		mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
		digest: $ld, size: $ls}]' "$_t_al_man" >"$T/.manifest.json" ||
	    return 1
	oci_put_blob "$_t_al_dir" "$T/.manifest.json" || return 1
	rm -f "$T/.config.json" "$T/.manifest.json"
	oci_set_tag "$_t_al_dir" "$_t_al_tag" "$OCI_DIGEST" "$OCI_SIZE" \
	    application/vnd.oci.image.manifest.v1+json
}

# mkimage_multilayer DIR [TAG]: an image of 4 layers on top of each other:
#   1 busybox (as mkimage_busybox) and /layer1 = "layer 1"
#   2 /layer2 = "layer 2", /data/keep = "keep", /data/gone = "gone",
#     /data/sub/old = "old"
#   3 /layer3 = "layer 3", /data/keep = "kept", and a whiteout deleting
#     /data/gone
#   4 /layer4 = "layer 4", and /data/sub made opaque (.wh..wh..opq) with
#     only /data/sub/new = "new" in it
# The final tree has /layer1 to /layer4, /data/keep = "kept",
# /data/sub/new = "new", and neither /data/gone nor /data/sub/old.
mkimage_multilayer() {
	_t_ml_dir=$1
	_t_ml_tag=${2:-latest}
	test -f "$_t_ml_dir/oci-layout" || umoci init --layout "$_t_ml_dir" ||
	    return 1
	umoci new --image "$_t_ml_dir:$_t_ml_tag" || return 1
	# umoci repack diffs against the bundle's tree but builds on the
	# manifest the bundle was unpacked from: unpack afresh per layer.
	_t_ml_b="$T/.bundle.$$"
	for _t_ml_n in 1 2 3; do
		rm -rf "$_t_ml_b"
		_t_umoci unpack --image "$_t_ml_dir:$_t_ml_tag" "$_t_ml_b" \
		    >/dev/null || return 1
		_t_ml_r="$_t_ml_b/rootfs"
		case $_t_ml_n in
		1)
			_t_busybox_root "$_t_ml_r";;
		2)
			mkdir -p "$_t_ml_r/data/sub"
			echo keep >"$_t_ml_r/data/keep"
			echo gone >"$_t_ml_r/data/gone"
			echo old >"$_t_ml_r/data/sub/old";;
		3)
			rm "$_t_ml_r/data/gone"
			echo kept >"$_t_ml_r/data/keep";;
		esac
		echo "layer $_t_ml_n" >"$_t_ml_r/layer$_t_ml_n"
		_t_umoci repack --image "$_t_ml_dir:$_t_ml_tag" "$_t_ml_b" \
		    >/dev/null || return 1
	done
	rm -rf "$_t_ml_b"
	umoci config --image "$_t_ml_dir:$_t_ml_tag" --os linux \
	    --architecture amd64 --config.cmd /bin/sh \
	    --config.env PATH=/bin --config.workingdir / || return 1
	_t_ml_l4="$T/.layer4.$$"
	rm -rf "$_t_ml_l4"
	mkdir -p "$_t_ml_l4/data/sub"
	echo "layer 4" >"$_t_ml_l4/layer4"
	echo new >"$_t_ml_l4/data/sub/new"
	: >"$_t_ml_l4/data/sub/.wh..wh..opq"
	_t_tar "$_t_ml_l4" "$T/.layer4.tar" || return 1
	oci_add_layer "$_t_ml_dir" "$_t_ml_tag" "$T/.layer4.tar" || return 1
	rm -rf "$_t_ml_l4" "$T/.layer4.tar"
}

# mkimage_index DIR [TAG]: an OCI image index tagged TAG (default
# "latest") whose manifests are the busybox image for linux/amd64,
# linux/arm64/v8 and freebsd/amd64 (the same layer; the configs differ in
# os, architecture and variant).  Each manifest is also tagged
# TAG-OS-ARCH (latest-linux-amd64, latest-linux-arm64,
# latest-freebsd-amd64).  Sets OCI_DIGEST/OCI_SIZE to the index's.
mkimage_index() {
	_t_ix_dir=$1
	_t_ix_tag=${2:-latest}
	mkimage_busybox "$_t_ix_dir" "$_t_ix_tag-base" || return 1
	_t_ix_desc=$(oci_tag_desc "$_t_ix_dir" "$_t_ix_tag-base") || return 1
	_t_ix_man=$(_t_blob "$_t_ix_dir" "$(echo "$_t_ix_desc" | jq -r .digest)")
	_t_ix_cfg=$(_t_blob "$_t_ix_dir" "$(jq -r .config.digest "$_t_ix_man")")
	: >"$T/.index.ents"
	for _t_ix_plat in linux/amd64 linux/arm64/v8 freebsd/amd64; do
		_t_ix_os=${_t_ix_plat%%/*}
		_t_ix_arch=${_t_ix_plat#*/}
		_t_ix_var=
		case $_t_ix_arch in
		*/*)
			_t_ix_var=${_t_ix_arch#*/}
			_t_ix_arch=${_t_ix_arch%%/*};;
		esac
		jq --arg o "$_t_ix_os" --arg a "$_t_ix_arch" --arg v "$_t_ix_var" '
		    .os = $o | .architecture = $a
		    | if $v == "" then del(.variant) else .variant = $v end' \
		    "$_t_ix_cfg" >"$T/.config.json" || return 1
		oci_put_blob "$_t_ix_dir" "$T/.config.json" || return 1
		jq --arg d "$OCI_DIGEST" --argjson s "$OCI_SIZE" \
		    '.config.digest = $d | .config.size = $s' "$_t_ix_man" \
		    >"$T/.manifest.json" || return 1
		oci_put_blob "$_t_ix_dir" "$T/.manifest.json" || return 1
		oci_set_tag "$_t_ix_dir" "$_t_ix_tag-$_t_ix_os-$_t_ix_arch" "$OCI_DIGEST" \
		    "$OCI_SIZE" application/vnd.oci.image.manifest.v1+json
		jq -cn --arg d "$OCI_DIGEST" --argjson s "$OCI_SIZE" \
		    --arg o "$_t_ix_os" --arg a "$_t_ix_arch" --arg v "$_t_ix_var" '
		    {mediaType: "application/vnd.oci.image.manifest.v1+json",
		     digest: $d, size: $s,
		     platform: ({architecture: $a, os: $o} +
			(if $v == "" then {} else {variant: $v} end))}' \
		    >>"$T/.index.ents" || return 1
	done
	jq -s '{schemaVersion: 2,
	    mediaType: "application/vnd.oci.image.index.v1+json",
	    manifests: .}' "$T/.index.ents" >"$T/.index.json" || return 1
	oci_put_blob "$_t_ix_dir" "$T/.index.json" || return 1
	rm -f "$T/.config.json" "$T/.manifest.json" "$T/.index.ents" \
	    "$T/.index.json"
	umoci rm --image "$_t_ix_dir:$_t_ix_tag-base" || return 1
	oci_set_tag "$_t_ix_dir" "$_t_ix_tag" "$OCI_DIGEST" "$OCI_SIZE" \
	    application/vnd.oci.image.index.v1+json
}

# mkimage_big DIR TAG MB: the busybox image plus a layer holding /big.bin,
# MB MiB of random (incompressible) bytes, for resume and streaming tests.
# Leaves the file's sha256 in BIG_SHA256.
mkimage_big() {
	mkimage_busybox "$1" "$2" || return 1
	_t_bg_d="$T/.big.$$"
	rm -rf "$_t_bg_d"
	mkdir -p "$_t_bg_d"
	head -c "$(($3 * 1048576))" /dev/urandom >"$_t_bg_d/big.bin" ||
	    return 1
	BIG_SHA256=$(_t_sha256 "$_t_bg_d/big.bin") || return 1
	_t_tar "$_t_bg_d" "$T/.big.tar" || return 1
	rm -rf "$_t_bg_d"
	oci_add_layer "$1" "$2" "$T/.big.tar" || return 1
	rm -f "$T/.big.tar"
}
