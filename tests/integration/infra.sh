#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Self-test of the test infrastructure (lib.sh, tests/tools/): the TAP
# helpers, docker-registry with no auth, htpasswd and bearer tokens, the
# token server, the fault-injecting proxy, and the image builders, checked
# with skopeo, curl and umoci.  Needs none of our programs.
# shellcheck source=/dev/null
. "$(dirname "$0")/lib.sh"
t_init
skip_unless_cmd docker-registry skopeo umoci jq curl python3 htpasswd \
    openssl busybox timeout

# ---------------------------------------------------------------- setup

setup_images() {
	mkimage_busybox "$T/bb" latest || return 1
	BB_MANIFEST=$(oci_tag_desc "$T/bb" latest | jq -r .digest) ||
	    return 1
	BB_LAYER=$(jq -r '.layers[0].digest' \
	    "$T/bb/blobs/sha256/${BB_MANIFEST#sha256:}") || return 1
	registry_start || return 1
	PLAIN=$REG
	push_image "$T/bb:latest" "$PLAIN/test/busybox:latest" || return 1
}
t_setup "busybox image in a registry without auth" setup_images

# Print the sha256 digest of file $1.
sha() {
	echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"
}

# ---------------------------------------------------------------- lib.sh

# A script using lib.sh, run by the case below; it must produce exactly
# the TAP in expected_tap.
write_nested() {
	cat >"$T/nested.sh" <<-'EOF'
	. "$TOP/tests/integration/lib.sh"
	t_init
	echo "$T" >"$OUTER/nested-T"
	passes() { true; }
	stops() {
		echo before
		false
		echo reached
	}
	skipper() {
		t_skip_case "because"
		echo reached
	}
	exit_mismatch() { check_exit 3 true; }
	stdout_mismatch() { printf 'a\nb\n' >"$T/exp"; check_stdout "$T/exp" echo a; }
	registers() { t_cleanup_add "echo cleaned >\"$OUTER/cleaned\""; }
	cleaned() { test "$(cat "$OUTER/cleaned")" = cleaned; }
	set -e
	t_case "passes" passes
	t_case "set -e stops at the first failure" stops
	t_case "skipped inside" skipper
	t_skip "skipped outside" "reason"
	t_case "check_exit mismatch" exit_mismatch
	t_case "check_stdout mismatch" stdout_mismatch
	t_case "a case's cleanup runs" registers
	t_case "when the case ends" cleaned
	t_done
	EOF
	cat >"$T/expected_tap" <<-'EOF'
	ok 1 - passes
	not ok 2 - set -e stops at the first failure
	ok 3 - skipped inside # SKIP because
	ok 4 - skipped outside # SKIP reason
	not ok 5 - check_exit mismatch
	not ok 6 - check_stdout mismatch
	ok 7 - a case's cleanup runs
	ok 8 - when the case ends
	1..8
	EOF
}

lib_tap() {
	write_nested
	check_exit 1 env OUTER="$T" T_KEEP= sh "$T/nested.sh"
	grep -v '^#' "$T_STDOUT" >"$T/tap"
	diff -u "$T/expected_tap" "$T/tap"
	# Diagnostics of the failed cases, and nothing after "false".
	check_grep '^#   before$' "$T_STDOUT"
	if grep -q reached "$T_STDOUT"; then
		fail "a command after a failure ran"
	fi
	check_grep '^#   check_exit: expected exit 3, got 0: true' "$T_STDOUT"
	check_grep '^#   -b$' "$T_STDOUT"
	# The nested script's directory is gone.
	nested_t=$(cat "$T/nested-T")
	test -n "$nested_t"
	if test -e "$nested_t"; then
		fail "$nested_t left behind"
	fi
}
t_case "lib: TAP output, set -e in cases, skips, cleanup" lib_tap

# tests/run on a tree of fake tests: counts, skips, and the failures that
# print no "not ok" (a crash, a short plan, no TAP at all, a time-out).
runner_counts() {
	mkdir -p "$T/tree/tests/integration" "$T/tree/tests/unit"
	cp "$TOP/tests/run" "$T/tree/tests/run"
	cd "$T/tree/tests/integration" || exit 1
	printf 'echo "ok 1 - a"\necho "ok 2 - b # SKIP no"\necho 1..2\n' >good.sh
	printf 'echo "ok 1 - a"\necho "not ok 2 - b"\necho 1..2\nexit 1\n' \
	    >bad.sh
	printf 'echo "1..0 # SKIP needs root"\nexit 77\n' >skipall.sh
	printf 'echo "ok 1 - a"\necho 1..3\n' >short.sh
	printf 'echo "ok 1 - a"\nexit 3\n' >crash.sh
	printf 'echo hello\n' >silent.sh
	printf 'echo "ok 1 - a"\nsleep 30\n' >slow.sh
	echo 'not a test' >lib.sh
	printf '#!/bin/sh\necho "ok 1 - u"\necho 1..1\n' \
	    >../unit/test_x
	chmod +x ../unit/test_x
	cd "$T" || exit 1
	check_exit 1 env TMPDIR="$T" TEST_TIMEOUT=2 sh "$T/tree/tests/run" \
	    tests/unit/test_x tests/unit/test_missing
	check_eq "6 passed, 6 failed, 2 skipped" "$(tail -n 1 "$T_STDOUT")" \
	    "summary"
	for w in "bad: 2 - b" "short: planned 3 cases, ran 1" \
	    "crash: exited 3" "silent: printed no TAP line" \
	    "slow: timed out after 2 s" "test_missing: not built" \
	    "skipall: needs root" "good: 2 - b # SKIP no"; do
		check_grep "$w" "$T_STDOUT"
	done
	check_exit 0 env TMPDIR="$T" TESTS="good skipall" sh "$T/tree/tests/run"
	check_eq "1 passed, 0 failed, 2 skipped" "$(tail -n 1 "$T_STDOUT")" \
	    "summary of TESTS=\"good skipall\""
}
t_case "tests/run: counts, skips, crashes, short plans, time-outs" \
    runner_counts

start_and_record() {
	registry_start
	echo "$REG_PID" >"$T/case-reg-pid"
	kill -0 "$REG_PID"
}
stopped_after_case() {
	pid=$(cat "$T/case-reg-pid")
	if kill -0 "$pid" 2>/dev/null; then
		fail "registry $pid still runs after its case"
	fi
}
t_case "lib: a registry started in a case" start_and_record
t_case "lib: ... is stopped when the case ends" stopped_after_case

# ---------------------------------------------------------------- registry

registry_plain() {
	check_eq 200 "$(http_status "http://$PLAIN/v2/")" "GET /v2/"
	curl -sf "http://$PLAIN/v2/test/busybox/tags/list" >"$T/tags"
	check_eq latest "$(jq -r '.tags[0]' "$T/tags")" tag
	# skopeo pushed the layout's manifest unchanged.
	check_eq "$BB_MANIFEST" "$(manifest_digest "$PLAIN/test/busybox:latest")" \
	    "manifest digest"
	t_skopeo inspect --tls-verify=false \
	    "docker://$PLAIN/test/busybox:latest" >"$T/inspect"
	check_eq amd64 "$(jq -r .Architecture "$T/inspect")" architecture
	check_eq "$BB_LAYER" "$(jq -r '.Layers[0]' "$T/inspect")" layer
	curl -sf -o "$T/blob" "http://$PLAIN/v2/test/busybox/blobs/$BB_LAYER"
	check_eq "$BB_LAYER" "$(sha "$T/blob")" "blob digest"
	# The image runs: its busybox is the host's.
	mkdir "$T/x"
	tar -xzf "$T/blob" -C "$T/x"
	cmp "$T/x/bin/busybox" "$(command -v busybox)"
	check_eq busybox "$(readlink "$T/x/bin/sh")" "sh symlink"
}
t_case "registry: no auth, push, tags, inspect, blob" registry_plain

registry_htpasswd() {
	htpasswd_add "$T/htpasswd" alice 'pw-alice'
	registry_start --htpasswd "$T/htpasswd"
	check_eq 401 "$(http_status "http://$REG/v2/")" "anonymous GET /v2/"
	curl -s -D "$T/hdr" -o /dev/null "http://$REG/v2/"
	check_grep '^[Ww]ww-[Aa]uthenticate: Basic realm="berth-test"' \
	    "$T/hdr"
	check_eq 200 "$(http_status "http://$REG/v2/" -u alice:pw-alice)" \
	    "GET /v2/ as alice"
	check_eq 401 "$(http_status "http://$REG/v2/" -u alice:wrong)" \
	    "GET /v2/ with a wrong password"
	check_exit 1 push_image "$T/bb:latest" "$REG/a/bb:1"
	check_exit 0 push_image "$T/bb:latest" "$REG/a/bb:1" \
	    --dest-creds alice:pw-alice
	check_exit 1 t_skopeo inspect --raw --tls-verify=false \
	    "docker://$REG/a/bb:1"
	check_stdout_match schemaVersion t_skopeo inspect --raw \
	    --tls-verify=false --creds alice:pw-alice "docker://$REG/a/bb:1"
}
t_case "registry: htpasswd refuses anonymous, accepts alice" \
    registry_htpasswd

# ---------------------------------------------------------------- tokens

token_flow() {
	tokenserver_start --user alice:pw-alice --public '^public/'
	registry_start --token "$TOKEN_REALM" "$TOKEN_ISSUER" \
	    "$TOKEN_SERVICE" "$TOKEN_CERT"
	curl -s -D "$T/hdr" -o /dev/null "http://$REG/v2/"
	check_grep "^[Ww]ww-[Aa]uthenticate: Bearer realm=\"$TOKEN_REALM\",service=\"$TOKEN_SERVICE\"" \
	    "$T/hdr"
	# Pushes need alice; anonymous pushes get a token without push.
	check_exit 1 push_image "$T/bb:latest" "$REG/public/bb:1"
	push_image "$T/bb:latest" "$REG/public/bb:1" \
	    --dest-creds alice:pw-alice
	push_image "$T/bb:latest" "$REG/private/bb:1" \
	    --dest-creds alice:pw-alice
	check_exit 1 push_image "$T/bb:latest" "$REG/private/bb:2" \
	    --dest-creds alice:bad
	# Anonymous pulls: public yes, private no.
	check_eq "$BB_MANIFEST" "$(manifest_digest "$REG/public/bb:1")" \
	    "anonymous public manifest"
	check_exit 1 t_skopeo inspect --raw --tls-verify=false \
	    "docker://$REG/private/bb:1"
	check_eq "$BB_MANIFEST" "$(manifest_digest "$REG/private/bb:1" \
	    --creds alice:pw-alice)" "alice's private manifest"
	# The token server saw both kinds of requests, and the 401.
	jq -e -s 'map(select(.auth and .user == "alice" and .status == 200))
	    | length > 0' "$TOKEN_LOG" >/dev/null
	jq -e -s 'map(select(.auth == false and .status == 200)) | length > 0' \
	    "$TOKEN_LOG" >/dev/null
	jq -e -s 'map(select(.status == 401 and .user == "alice")) | length > 0' \
	    "$TOKEN_LOG" >/dev/null
	# The token endpoint by hand.
	check_eq 401 "$(http_status "$TOKEN_REALM?service=$TOKEN_SERVICE" \
	    -u alice:nope)" "token with a wrong password"
	curl -sf "$TOKEN_REALM?service=$TOKEN_SERVICE&scope=repository:private/bb:pull" \
	    >"$T/anon.json"
	check_eq "[]" "$(jq -c '.token | split(".")[1] | @base64d | fromjson
	    | .access[0].actions' "$T/anon.json" 2>/dev/null ||
	    python3 -c 'import base64, json, sys
t = json.load(open(sys.argv[1]))["token"].split(".")[1]
t += "=" * (-len(t) % 4)
print(json.dumps(json.loads(base64.urlsafe_b64decode(t))["access"][0]["actions"]))' \
	    "$T/anon.json")" "anonymous actions on private/bb"
	jq -e '.token == .access_token and .expires_in == 300
	    and (.issued_at | test("Z$"))' "$T/anon.json" >/dev/null
	# The OAuth2 password grant (POST).
	curl -sf -d grant_type=password -d username=alice \
	    -d password=pw-alice -d "service=$TOKEN_SERVICE" \
	    -d "scope=repository:private/bb:pull" "$TOKEN_REALM" >"$T/post.json"
	tok=$(jq -r .access_token "$T/post.json")
	check_eq 200 "$(http_status \
	    "http://$REG/v2/private/bb/manifests/1" \
	    -H "Authorization: Bearer $tok" \
	    -H 'Accept: application/vnd.oci.image.manifest.v1+json')" \
	    "manifest GET with the POSTed token"
	check_eq 401 "$(http_status "$TOKEN_REALM" -d grant_type=password \
	    -d username=alice -d password=no)" "POST with a wrong password"
}
t_case "tokens: docker hub flow with skopeo (anonymous and alice)" \
    token_flow

token_expiry() {
	# exp = now + 2 - 60 (whole seconds): with the registry's 60 s of
	# leeway the token is good for 1 to 2 seconds.
	tokenserver_start --user alice:pw --expires-in 2 \
	    --claim-exp-offset -60
	registry_start --token "$TOKEN_REALM" "$TOKEN_ISSUER" \
	    "$TOKEN_SERVICE" "$TOKEN_CERT"
	tok=$(curl -sf -u alice:pw \
	    "$TOKEN_REALM?service=$TOKEN_SERVICE&scope=registry:catalog:*" |
	    jq -r .token)
	check_eq 200 "$(http_status "http://$REG/v2/" \
	    -H "Authorization: Bearer $tok")" "fresh token"
	sleep 2.5
	check_eq 401 "$(http_status "http://$REG/v2/" \
	    -H "Authorization: Bearer $tok")" "expired token"
	check_eq 401 "$(http_status "http://$REG/v2/" \
	    -H "Authorization: Bearer x${tok#?}")" "forged token"
}
t_case "tokens: short-lived tokens expire at the registry" token_expiry

# ---------------------------------------------------------------- proxy

proxy_passthrough() {
	faultproxy_start "$PLAIN"
	t_skopeo copy -q --src-tls-verify=false \
	    "docker://$PROXY/test/busybox:latest" "oci:$T/copy-plain:latest"
	check_eq "$BB_MANIFEST" "$(oci_tag_desc "$T/copy-plain" latest |
	    jq -r .digest)" "copied manifest"
	check_eq 1 "$(proxy_count GET "/blobs/$BB_LAYER\$")" "layer GETs"
	check_eq 1 "$(proxy_count -s 200 GET "/blobs/$BB_LAYER\$")" \
	    "layer GETs answered 200"
	check_num "$(proxy_count 'GET|HEAD' '/manifests/latest$')" -ge 1 \
	    "manifest requests"
	# Bytes logged for the layer are its size.
	size=$(wc -c <"$T/bb/blobs/sha256/${BB_LAYER#sha256:}")
	check_eq "$size" "$(jq -s --arg d "$BB_LAYER" \
	    'map(select(.path | endswith($d))) | .[0].bytes' "$PROXY_LOG")" \
	    "bytes logged"
	# A push through the proxy: uploads with Location rewriting.
	push_image "$T/bb:latest" "$PROXY/test/pushed:1"
	check_num "$(proxy_count 'PATCH|PUT|POST' /blobs/uploads/)" -ge 2 \
	    "upload requests"
	check_eq "$BB_MANIFEST" "$(manifest_digest "$PLAIN/test/pushed:1")" \
	    "manifest pushed through the proxy"
}
t_case "faultproxy: skopeo pull and push pass, each blob once" \
    proxy_passthrough

proxy_status() {
	faultproxy_start "$PLAIN"
	faultproxy_rules '[{"method": "GET|HEAD", "path": "/manifests/",
	    "action": "status", "code": 500}]'
	check_stderr_match 1 '500|Internal Server Error|UNKNOWN' \
	    t_skopeo inspect --raw --tls-verify=false \
	    "docker://$PROXY/test/busybox:latest"
	check_num "$(proxy_count -f status -s 500 GET /manifests/)" -ge 1 \
	    "logged faults"
	check_eq 0 "$(proxy_count -f none GET /manifests/)" \
	    "manifest GETs without a fault"
	# A misspelt rule is refused, not silently ignored.
	check_exit 1 faultproxy_rules '[{"action": "cutt"}]'
	check_exit 1 faultproxy_rules '{"action": "cut"'
	# 429 with Retry-After, twice, then through.
	faultproxy_rules '[{"path": "/manifests/latest", "action": "status",
	    "code": 429, "retry_after": 7, "times": 2}]'
	curl -s -D "$T/hdr" -o "$T/body" \
	    "http://$PROXY/v2/test/busybox/manifests/latest"
	check_grep '^HTTP/1.1 429' "$T/hdr"
	check_grep '^Retry-After: 7' "$T/hdr"
	check_eq TOOMANYREQUESTS "$(jq -r '.errors[0].code' "$T/body")" \
	    "error code"
	check_eq 429 "$(http_status \
	    "http://$PROXY/v2/test/busybox/manifests/latest")" "second"
	check_eq 200 "$(http_status \
	    "http://$PROXY/v2/test/busybox/manifests/latest" \
	    -H 'Accept: application/vnd.oci.image.manifest.v1+json')" "third"
	# "skip": the first matching request passes, the second fails.
	faultproxy_rules '[{"path": "/v2/$", "action": "status",
	    "code": 503, "skip": 1, "times": 1}]'
	check_eq 200 "$(http_status "http://$PROXY/v2/")" "skipped"
	check_eq 503 "$(http_status "http://$PROXY/v2/")" "applied"
	check_eq 200 "$(http_status "http://$PROXY/v2/")" "used up"
	faultproxy_rules '[]'
	check_stdout_match schemaVersion t_skopeo inspect --raw \
	    --tls-verify=false "docker://$PROXY/test/busybox:latest"
}
t_case "faultproxy: injected 500/429/503 reach the client; rules reload" \
    proxy_status

proxy_body_faults() {
	faultproxy_start "$PLAIN"
	url="http://$PROXY/v2/test/busybox/blobs/$BB_LAYER"
	size=$(wc -c <"$T/bb/blobs/sha256/${BB_LAYER#sha256:}")
	faultproxy_rules '[{"path": "/blobs/", "action": "cut",
	    "bytes": 1000, "times": 1}]'
	rc=0
	curl -s -o "$T/cut" "$url" || rc=$?
	check_eq 18 "$rc" "curl exit (partial file) after cut"
	check_eq 1000 "$(wc -c <"$T/cut" | tr -d ' ')" "bytes after cut"
	# The rule is used up: the next GET is whole.
	curl -sf -o "$T/whole" "$url"
	check_eq "$BB_LAYER" "$(sha "$T/whole")" "digest after the fault"

	faultproxy_rules '[{"path": "/blobs/", "action": "truncate",
	    "bytes": 3}]'
	rc=0
	curl -s -o "$T/trunc" "$url" || rc=$?
	check_eq 18 "$rc" "curl exit after truncate"
	check_eq "$((size - 3))" "$(wc -c <"$T/trunc" | tr -d ' ')" \
	    "bytes after truncate"

	faultproxy_rules '[{"path": "/blobs/", "action": "corrupt",
	    "offset": -1}]'
	curl -sf -o "$T/corrupt" "$url"
	check_eq "$size" "$(wc -c <"$T/corrupt" | tr -d ' ')" \
	    "length of the corrupt body"
	test "$(sha "$T/corrupt")" != "$BB_LAYER"
	check_eq 1 "$(cmp -l "$T/whole" "$T/corrupt" | wc -l | tr -d ' ')" \
	    "bytes changed"
	check_eq "$size" "$(cmp -l "$T/whole" "$T/corrupt" |
	    awk '{ print $1 }')" "position of the changed byte"

	# Range requests pass, unless the rule strips them.
	faultproxy_rules '[]'
	curl -s -D "$T/hdr" -o "$T/range" -r 100-199 "$url"
	check_grep '^HTTP/1.1 206' "$T/hdr"
	check_grep '^Content-Range: bytes 100-199/' "$T/hdr"
	check_eq 100 "$(wc -c <"$T/range" | tr -d ' ')" "range length"
	faultproxy_rules '[{"path": "/blobs/", "action": "ignore-range"}]'
	curl -s -D "$T/hdr" -o "$T/norange" -r 100-199 "$url"
	check_grep '^HTTP/1.1 200' "$T/hdr"
	check_eq "$size" "$(wc -c <"$T/norange" | tr -d ' ')" \
	    "length without range"
	check_eq "bytes=100-199" "$(jq -rs 'map(select(.fault ==
	    "ignore-range")) | .[0].range' "$PROXY_LOG")" "logged range"

	faultproxy_rules '[{"path": "/blobs/", "action": "delay",
	    "seconds": 1}]'
	tt=$(curl -sf -o /dev/null -w '%{time_total}' "$url")
	awk -v t="$tt" 'BEGIN { exit !(t >= 1.0) }' ||
	    fail "delay: took $tt s"
	faultproxy_rules '[{"path": "/blobs/", "action": "delay",
	    "seconds": 1, "bytes": 5000}]'
	tt=$(curl -sf -o "$T/stalled" -w '%{time_total}' "$url")
	awk -v t="$tt" 'BEGIN { exit !(t >= 1.0) }' ||
	    fail "stall: took $tt s"
	check_eq "$BB_LAYER" "$(sha "$T/stalled")" "digest after a stall"

	faultproxy_rules '[{"path": "/blobs/", "action": "drop"}]'
	rc=0
	curl -s -o /dev/null "$url" || rc=$?
	check_eq 52 "$rc" "curl exit (empty reply) after drop"
	faultproxy_rules '[{"path": "/blobs/", "action": "headers",
	    "set": {"Docker-Content-Digest": "sha256:0000"},
	    "del": ["Content-Type"]}]'
	curl -s -D "$T/hdr" -o /dev/null "$url"
	check_grep '^Docker-Content-Digest: sha256:0000' "$T/hdr"
	if grep -qi '^content-type:' "$T/hdr"; then
		fail "Content-Type not removed"
	fi
}
t_case "faultproxy: cut, truncate, corrupt, ranges, delay, drop, headers" \
    proxy_body_faults

proxy_big_resume() {
	mkimage_big "$T/big" latest 20
	big=$(oci_tag_desc "$T/big" latest | jq -r .digest)
	layer=$(jq -r '.layers[1].digest' \
	    "$T/big/blobs/sha256/${big#sha256:}")
	size=$(wc -c <"$T/big/blobs/sha256/${layer#sha256:}" | tr -d ' ')
	check_num "$size" -gt 20000000 "size of the big layer"
	push_image "$T/big:latest" "$PLAIN/test/big:latest"
	faultproxy_start "$PLAIN"
	faultproxy_rules '[{"method": "GET", "path": "/blobs/",
	    "action": "cut", "bytes": 5000000, "times": 1}]'
	url="http://$PROXY/v2/test/big/blobs/$layer"
	rc=0
	curl -s -o "$T/big.gz" "$url" || rc=$?
	check_eq 18 "$rc" "curl exit after the cut"
	check_eq 5000000 "$(wc -c <"$T/big.gz" | tr -d ' ')" "bytes kept"
	curl -sf -C - -o "$T/big.gz" "$url"
	check_eq "$layer" "$(sha "$T/big.gz")" "digest after resuming"
	check_eq "bytes=5000000-" "$(jq -rs '.[-1].range' "$PROXY_LOG")" \
	    "range of the resumed GET"
	check_eq "$((size - 5000000))" "$(jq -rs '.[-1].bytes' "$PROXY_LOG")" \
	    "bytes of the resumed GET"
	# The layer holds /big.bin as promised.
	gzip -dc "$T/big.gz" | tar -xf - -C "$T" ./big.bin
	check_eq "sha256:$BIG_SHA256" "$(sha "$T/big.bin")" "/big.bin"
}
t_case "faultproxy: a 20 MiB layer is cut, then resumed with Range" \
    proxy_big_resume

proxy_redirect() {
	htpasswd_add "$T/htpasswd" bob pw-bob
	registry_start --htpasswd "$T/htpasswd"
	AUTHREG=$REG
	push_image "$T/bb:latest" "$AUTHREG/b/bb:1" --dest-creds bob:pw-bob
	# The off-host store: a proxy that brings its own credentials.
	faultproxy_start "$AUTHREG" --upstream-auth bob:pw-bob
	OFF=$PROXY
	OFFLOG=$PROXY_LOG
	faultproxy_start "$AUTHREG"
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/blobs/\",
	    \"action\": \"redirect-offhost\", \"url\": \"http://$OFF\"}]"
	t_skopeo copy -q --src-tls-verify=false --src-creds bob:pw-bob \
	    "docker://$PROXY/b/bb:1" "oci:$T/copy-redirect:1"
	check_eq "$BB_MANIFEST" "$(oci_tag_desc "$T/copy-redirect" 1 |
	    jq -r .digest)" \
	    "copied manifest"
	# skopeo sent bob's credentials to the registry's proxy, and no
	# credentials to the other host, which served the blobs.
	check_num "$(proxy_count -a yes GET /manifests/)" -ge 1 \
	    "manifest GETs with credentials"
	check_eq 1 "$(proxy_count -s 307 -a yes GET "/blobs/$BB_LAYER\$")" \
	    "redirected blob GETs with credentials"
	check_eq 1 "$(proxy_count -l "$OFFLOG" -s 200 GET \
	    "/blobs/$BB_LAYER\$")" "blob GETs off-host"
	check_eq 0 "$(proxy_count -l "$OFFLOG" -a yes '.*' .)" \
	    "requests with credentials off-host"
}
t_case "faultproxy: off-host redirect, credentials stay home" \
    proxy_redirect

token_proxy_auth() {
	tokenserver_start --user carol:pw-carol
	registry_start --token "$TOKEN_REALM" "$TOKEN_ISSUER" \
	    "$TOKEN_SERVICE" "$TOKEN_CERT"
	push_image "$T/bb:latest" "$REG/c/bb:1" --dest-creds carol:pw-carol
	check_eq 401 "$(http_status "http://$REG/v2/c/bb/blobs/$BB_LAYER")" \
	    "anonymous blob GET"
	faultproxy_start "$REG" --upstream-auth carol:pw-carol
	curl -sf -o "$T/blob" "http://$PROXY/v2/c/bb/blobs/$BB_LAYER"
	check_eq "$BB_LAYER" "$(sha "$T/blob")" "blob through the proxy"
}
t_case "faultproxy: --upstream-auth runs the bearer token flow" \
    token_proxy_auth

# ---------------------------------------------------------------- images

images_multilayer() {
	mkimage_multilayer "$T/ml" v1
	desc=$(oci_tag_desc "$T/ml" v1)
	man="$T/ml/blobs/sha256/$(echo "$desc" | jq -r '.digest | sub("sha256:"; "")')"
	check_eq 4 "$(jq '.layers | length' "$man")" "layers"
	cfg="$T/ml/blobs/sha256/$(jq -r '.config.digest | sub("sha256:"; "")' "$man")"
	check_eq 4 "$(jq '.rootfs.diff_ids | length' "$cfg")" "diff_ids"
	# Each layer's digest and diff_id are right.
	i=0
	while test "$i" -lt 4; do
		d=$(jq -r ".layers[$i].digest" "$man")
		check_eq "$d" "$(sha "$T/ml/blobs/sha256/${d#sha256:}")" \
		    "layer $i digest"
		gzip -dc "$T/ml/blobs/sha256/${d#sha256:}" >"$T/l$i.tar"
		check_eq "$(jq -r ".rootfs.diff_ids[$i]" "$cfg")" \
		    "$(sha "$T/l$i.tar")" "layer $i diff_id"
		i=$((i + 1))
	done
	tar -tf "$T/l2.tar" >"$T/l2.list"
	check_grep '(^|/)data/\.wh\.gone$' "$T/l2.list"
	tar -tf "$T/l3.tar" >"$T/l3.list"
	check_grep '(^|/)data/sub/\.wh\.\.wh\.\.opq$' "$T/l3.list"
	# umoci applies the layers to the tree we promised.
	if test "$(id -u)" -eq 0; then
		umoci unpack --image "$T/ml:v1" "$T/bundle" >/dev/null
	else
		umoci unpack --rootless --image "$T/ml:v1" "$T/bundle" \
		    >/dev/null
	fi
	r="$T/bundle/rootfs"
	for n in 1 2 3 4; do
		check_eq "layer $n" "$(cat "$r/layer$n")" "/layer$n"
	done
	check_eq kept "$(cat "$r/data/keep")" /data/keep
	check_eq new "$(cat "$r/data/sub/new")" /data/sub/new
	test ! -e "$r/data/gone" || fail "/data/gone survived its whiteout"
	test ! -e "$r/data/sub/old" || fail "/data/sub/old survived opaque"
	# And it pushes with the same digest.
	push_image "$T/ml:v1" "$PLAIN/test/ml:v1"
	check_eq "$(echo "$desc" | jq -r .digest)" \
	    "$(manifest_digest "$PLAIN/test/ml:v1")" "pushed digest"
}
t_case "images: multilayer with whiteout and opaque directory" \
    images_multilayer

images_index() {
	mkimage_index "$T/ix" latest
	ix=$(oci_tag_desc "$T/ix" latest | jq -r .digest)
	check_eq "$OCI_DIGEST" "$ix" "index digest"
	push_image "$T/ix:latest" "$PLAIN/test/ix:latest" --preserve-digests
	check_eq "$ix" "$(manifest_digest "$PLAIN/test/ix:latest")" \
	    "pushed index digest"
	jq -r '.mediaType, (.manifests[] | .platform |
	    [.os, .architecture, .variant // ""] | join("/"))' \
	    "$T/.manifest" >"$T/plats"
	check_stdout - cat "$T/plats" <<-EOF
	application/vnd.oci.image.index.v1+json
	linux/amd64/
	linux/arm64/v8
	freebsd/amd64/
	EOF
	# Each manifest's config says its platform.
	for p in linux-arm64:arm64 freebsd-amd64:amd64; do
		push_image "$T/ix:latest-${p%%:*}" \
		    "$PLAIN/test/ix:latest-${p%%:*}"
		t_skopeo inspect --config --tls-verify=false \
		    "docker://$PLAIN/test/ix:latest-${p%%:*}" >"$T/cfg"
		check_eq "${p#*:}" "$(jq -r .architecture "$T/cfg")" \
		    "architecture of ${p%%:*}"
		check_eq "${p%%-*}" "$(jq -r .os "$T/cfg")" "os of ${p%%:*}"
	done
	# Docker schema 2: a manifest list and manifests.
	push_image "$T/ix:latest" "$PLAIN/test/ix:docker" --format v2s2
	manifest_digest "$PLAIN/test/ix:docker" >/dev/null
	check_eq application/vnd.docker.distribution.manifest.list.v2+json \
	    "$(jq -r .mediaType "$T/.manifest")" "list media type"
	push_image "$T/bb:latest" "$PLAIN/test/bb:docker" --format v2s2
	manifest_digest "$PLAIN/test/bb:docker" >/dev/null
	check_eq application/vnd.docker.distribution.manifest.v2+json \
	    "$(jq -r .mediaType "$T/.manifest")" "manifest media type"
}
t_case "images: index of three platforms; docker schema 2 variants" \
    images_index

t_done
