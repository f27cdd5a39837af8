#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Integration tests of img-pull against docker-registry on 127.0.0.1 (no
# auth, htpasswd, bearer tokens), through the fault-injecting proxy: the
# store it writes (an OCI layout other tools read), --json, pulls by tag
# and by digest, platform selection from an index, Docker schema 2,
# credentials (config.json, credential helpers) and where they may go,
# foreign layers, retries and resumes, concurrent pulls, SIGKILL and
# resume, bad input and exit codes.
# shellcheck source=/dev/null
. "$(dirname "$0")/lib.sh"
t_init
skip_unless_cmd docker-registry skopeo umoci jq curl python3 htpasswd \
    openssl busybox timeout sha256sum base64
# The program under test missing is a failure, not a skip.
t_setup "bin/img-pull is built" test -x "$TOP/bin/img-pull"

MT_OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_OCI_INDEX=application/vnd.oci.image.index.v1+json
MT_OCI_CONFIG=application/vnd.oci.image.config.v1+json
MT_OCI_LAYER=application/vnd.oci.image.layer.v1.tar+gzip
MT_OCI_NONDIST=application/vnd.oci.image.layer.nondistributable.v1.tar+gzip
MT_D_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
MT_D_LIST=application/vnd.docker.distribution.manifest.list.v2+json
MT_D_CONFIG=application/vnd.docker.container.image.v1+json
MT_D_LAYER=application/vnd.docker.image.rootfs.diff.tar.gzip
MT_D_FOREIGN=application/vnd.docker.image.rootfs.foreign.diff.tar.gzip
REFNAME=org.opencontainers.image.ref.name

# ---------------------------------------------------------------- helpers

# sha FILE: print "sha256:HEX" of FILE.
sha() {
	echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"
}

# fsize FILE: print the size of FILE in bytes.
fsize() {
	wc -c <"$1" | tr -d ' '
}

# newroot: print a store root under $T that does not exist yet.
newroot() {
	_nr=$(mktemp -d "$T/case.XXXXXX") || return 1
	echo "$_nr/root"
}

# blob ROOT DIGEST: print the path of a blob of the store at ROOT.
blob() {
	echo "$1/oci/blobs/sha256/${2#sha256:}"
}

# partial ROOT DIGEST: print the path of a blob's partial download.
partial() {
	echo "$1/ingest/${2#sha256:}.partial"
}

# store_ok ROOT: every file under ROOT/oci/blobs/sha256 hashes to its
# name (nothing corrupt or half-written ever lands there).
store_ok() {
	_so_d="$1/oci/blobs/sha256"
	test -d "$_so_d" || return 0
	for _so_f in "$_so_d"/* "$_so_d"/.*; do
		case ${_so_f##*/} in .|..|'*'|'.*') continue;; esac
		if test "$(sha "$_so_f")" != "sha256:${_so_f##*/}"; then
			fail "store: ${_so_f#"$1"/} does not hash to its name"
		fi
	done
	return 0
}

# nblobs ROOT: print the number of files under ROOT/oci/blobs/sha256.
nblobs() {
	if test -d "$1/oci/blobs/sha256"; then
		find "$1/oci/blobs/sha256" -type f | wc -l | tr -d ' '
	else
		echo 0
	fi
}

# npartials ROOT: print the number of partial downloads under ROOT/ingest.
npartials() {
	find "$1/ingest" -name '*.partial' | wc -l | tr -d ' '
}

# has_blob ROOT DIGEST [WHAT]: the blob is in the store, intact.
has_blob() {
	_hb=$(blob "$1" "$2")
	test -f "$_hb" || fail "${3:-blob} $2 is not in the store"
	check_eq "$2" "$(sha "$_hb")" "content of ${3:-blob} $2"
}

# no_blob ROOT DIGEST [WHAT]: the blob is not in the store.
no_blob() {
	if test -e "$(blob "$1" "$2")"; then
		fail "${3:-blob} $2 is in the store"
	fi
	return 0
}

# entry ROOT NAME FIELD: print FIELD (digest, mediaType, size) of the one
# index.json entry named NAME, or "N entries" if there are N != 1.
entry() {
	jq -r --arg n "$2" --arg f "$3" --arg k "$REFNAME" '
	    [.manifests[] | select(.annotations[$k] == $n)] |
	    if length == 1 then .[0][$f] else "\(length) entries" end' \
	    "$1/oci/index.json"
}

# entry_source ROOT NAME: print the digest the registry served for NAME:
# the entry's source-digest annotation (Docker manifests are named through
# an OCI rewrite), else the entry's digest.
entry_source() {
	jq -r --arg n "$2" --arg k "$REFNAME" '[.manifests[] |
	    select(.annotations[$k] == $n)] | if length == 1 then .[0] |
	    (.annotations["io.berth.image.source-digest"] // .digest)
	    else "\(length) entries" end' "$1/oci/index.json"
}

# nentries ROOT: print the number of entries of index.json (0 if absent).
nentries() {
	if test -f "$1/oci/index.json"; then
		jq '.manifests | length' "$1/oci/index.json"
	else
		echo 0
	fi
}

# digests MANIFEST: print the config and layer digests of a manifest file.
digests() {
	jq -r '.config.digest, .layers[].digest' "$1"
}

# authcfg DIR JSON: write JSON as DIR/config.json and point DOCKER_CONFIG
# at DIR (for this case only: cases run in subshells).
authcfg() {
	mkdir -p "$1"
	printf '%s\n' "$2" >"$1/config.json"
	DOCKER_CONFIG=$1
	export DOCKER_CONFIG
}

# auths_json HOST USER PASS: a config.json with Basic credentials for HOST.
auths_json() {
	jq -cn --arg h "$1" \
	    --arg a "$(printf '%s:%s' "$2" "$3" | base64 | tr -d '\n')" \
	    '{auths: {($h): {auth: $a}}}'
}

# put_manifest REG REPO TAG FILE MEDIATYPE: PUT a manifest by hand.
put_manifest() {
	_pm_st=$(curl -s -o "$T/.put.out" -w '%{http_code}' -X PUT \
	    -H "Content-Type: $5" --data-binary "@$4" \
	    "http://$1/v2/$2/manifests/$3")
	if test "$_pm_st" != 201; then
		echo "PUT manifest $2:$3: HTTP $_pm_st" >&2
		cat "$T/.put.out" >&2
		return 1
	fi
	return 0
}

# blob_log DIGEST FILTER: run the jq FILTER on the array of requests for
# blob DIGEST in $PROXY_LOG, e.g. 'map(.range) | join(" ")'.
blob_log() {
	jq -rs --arg d "$1" "[.[] | select(.path | endswith(\$d))] | $2" \
	    "$PROXY_LOG"
}

# pulled_ok ROOT NAME DIGEST MANIFEST: the store at ROOT maps NAME to
# DIGEST, and holds the manifest (file MANIFEST), its config and its
# layers, intact.
pulled_ok() {
	_po_e=$(entry "$1" "$2" digest)
	_po_src=$(jq -r --arg n "$2" --arg k "$REFNAME" '[.manifests[] |
	    select(.annotations[$k] == $n)][0].annotations[
	    "io.berth.image.source-digest"] // ""' "$1/oci/index.json")
	if test -n "$_po_src"; then
		# A Docker manifest is named through an OCI rewrite over the
		# same blobs, and the entry remembers the registry's digest.
		check_eq "$3" "$_po_src" "source digest of $2"
		has_blob "$1" "$_po_e" "OCI rewrite"
		_po_o=$(blob "$1" "$_po_e")
		check_eq "$MT_OCI_MANIFEST" "$(jq -r .mediaType "$_po_o")" \
		    "mediaType of the OCI rewrite"
		check_eq "$(digests "$4" | tr '\n' ' ')" \
		    "$(digests "$_po_o" | tr '\n' ' ')" \
		    "blobs of the OCI rewrite"
		python3 "$TOP/tests/tools/oci-validate.py" manifest "$_po_o"
	else
		check_eq "$3" "$_po_e" "index.json entry $2"
	fi
	has_blob "$1" "$3" manifest
	cmp "$4" "$(blob "$1" "$3")"
	for _po_d in $(digests "$4"); do
		has_blob "$1" "$_po_d"
	done
	store_ok "$1"
}

# ---------------------------------------------------------------- setup

# The images, in one registry without auth:
#   test/bb:1        busybox (OCI), BB_*
#   test/bb2:1       busybox plus a small layer: shares BB_LAYER, BB2_*
#   test/ix:1        an OCI index of linux/amd64, linux/arm64/v8 and
#                    freebsd/amd64, IX_* (the index itself in $T/ix.json)
#   test/big:1       busybox plus a 12 MiB layer, BIG_*
#   test/ml:1        four layers (mkimage_multilayer), ML_*
#   test/bbdocker:1  busybox as Docker schema 2, BBD_*
#   test/ixdocker:1  the index as a Docker manifest list, IXD_*
# Each manifest as the registry serves it is kept in $T/NAME.json.
setup_images() {
	mkimage_busybox "$T/bb" 1 || return 1
	cp -R "$T/bb" "$T/bb2" || return 1
	mkdir -p "$T/l2/etc" || return 1
	echo "second layer" >"$T/l2/etc/motd" || return 1
	_t_tar "$T/l2" "$T/l2.tar" || return 1
	oci_add_layer "$T/bb2" 1 "$T/l2.tar" || return 1
	mkimage_index "$T/ix" 1 || return 1
	mkimage_big "$T/big" 1 12 || return 1
	mkimage_multilayer "$T/ml" 1 || return 1

	registry_start || return 1
	push_image "$T/bb:1" "$REG/test/bb:1" || return 1
	push_image "$T/bb2:1" "$REG/test/bb2:1" || return 1
	push_image "$T/ix:1" "$REG/test/ix:1" --preserve-digests || return 1
	push_image "$T/big:1" "$REG/test/big:1" || return 1
	push_image "$T/ml:1" "$REG/test/ml:1" || return 1
	push_image "$T/bb:1" "$REG/test/bbdocker:1" --format v2s2 || return 1
	push_image "$T/ix:1" "$REG/test/ixdocker:1" --format v2s2 || return 1

	BB_MAN=$(manifest_digest "$REG/test/bb:1") || return 1
	cp "$T/.manifest" "$T/bb.json"
	BB_MAN_SIZE=$(fsize "$T/bb.json")
	BB_CFG=$(jq -r .config.digest "$T/bb.json")
	BB_LAYER=$(jq -r '.layers[0].digest' "$T/bb.json")
	BB_LAYER_SIZE=$(jq -r '.layers[0].size' "$T/bb.json")

	BB2_MAN=$(manifest_digest "$REG/test/bb2:1") || return 1
	cp "$T/.manifest" "$T/bb2.json"
	BB2_CFG=$(jq -r .config.digest "$T/bb2.json")
	BB2_LAYER2=$(jq -r '.layers[1].digest' "$T/bb2.json")
	test "$(jq -r '.layers[0].digest' "$T/bb2.json")" = "$BB_LAYER" || {
		echo "bb2 does not share busybox's layer" >&2
		return 1
	}

	IX_MAN=$(manifest_digest "$REG/test/ix:1") || return 1
	cp "$T/.manifest" "$T/ix.json"
	test "$(jq -r .mediaType "$T/ix.json")" = "$MT_OCI_INDEX" || return 1

	BIG_MAN=$(manifest_digest "$REG/test/big:1") || return 1
	cp "$T/.manifest" "$T/big.json"
	BIG_LAYER=$(jq -r '.layers[1].digest' "$T/big.json")
	BIG_LAYER_SIZE=$(jq -r '.layers[1].size' "$T/big.json")

	ML_MAN=$(manifest_digest "$REG/test/ml:1") || return 1
	cp "$T/.manifest" "$T/ml.json"

	BBD_MAN=$(manifest_digest "$REG/test/bbdocker:1") || return 1
	cp "$T/.manifest" "$T/bbdocker.json"
	test "$(jq -r .mediaType "$T/bbdocker.json")" = "$MT_D_MANIFEST" ||
	    return 1

	IXD_MAN=$(manifest_digest "$REG/test/ixdocker:1") || return 1
	cp "$T/.manifest" "$T/ixdocker.json"
	test "$(jq -r .mediaType "$T/ixdocker.json")" = "$MT_D_LIST" ||
	    return 1

	# The host's platform, as img-pull picks by default.
	HOST_OS=$(uname -s | tr '[:upper:]' '[:lower:]')
	case $(uname -m) in
	x86_64|amd64) HOST_ARCH=amd64;;
	aarch64|arm64) HOST_ARCH=arm64;;
	*) HOST_ARCH=$(uname -m);;
	esac
}
t_setup "images in a registry without auth" setup_images

# ix_entry OS ARCH [JSONFILE]: the digest of an index's entry for OS/ARCH.
ix_entry() {
	jq -r --arg o "$1" --arg a "$2" '[.manifests[] |
	    select(.platform.os == $o and .platform.architecture == $a)] |
	    if length == 1 then .[0].digest else "none" end' \
	    "${3:-$T/ix.json}"
}

# ---------------------------------------------------------------- 1, 2

pull_by_tag() {
	root=$(newroot)
	check_stdout - img-pull -R "$root" "$REG/test/bb:1" <<-EOF
	$BB_MAN
	EOF
	check_eq 1.0.0 "$(jq -r .imageLayoutVersion "$root/oci/oci-layout")" \
	    "imageLayoutVersion"
	check_eq 1 "$(nentries "$root")" "entries in index.json"
	name="$REG/test/bb:1"
	check_eq "$BB_MAN" "$(entry "$root" "$name" digest)" "entry digest"
	check_eq "$MT_OCI_MANIFEST" "$(entry "$root" "$name" mediaType)" \
	    "entry mediaType"
	check_eq "$BB_MAN_SIZE" "$(entry "$root" "$name" size)" "entry size"
	pulled_ok "$root" "$name" "$BB_MAN" "$T/bb.json"
	# Manifest, config and layer: nothing else, nothing left in ingest/.
	check_eq 3 "$(nblobs "$root")" "blobs in the store"
	check_eq 0 "$(npartials "$root")" "partial downloads left"
	v="$TOP/tests/tools/oci-validate.py"
	python3 "$v" layout "$root/oci/oci-layout"
	python3 "$v" index "$root/oci/index.json"
	python3 "$v" manifest "$(blob "$root" "$BB_MAN")"
	python3 "$v" config "$(blob "$root" "$BB_CFG")"
	# Without a terminal and with -q, nothing on stderr.
	check_exit 0 img-pull -q -R "$root" "$REG/test/bb:1"
	if test -s "$T_STDERR"; then
		fail "-q wrote to stderr: $(cat "$T_STDERR")"
	fi
}
t_case "pull by tag: digest on stdout; layout, index.json and blobs right" \
    pull_by_tag

pull_json() {
	faultproxy_start "$REG"
	root=$(newroot)
	check_exit 0 img-pull -R "$root" --json "$PROXY/test/bb:1"
	j=$T_STDOUT
	check_eq 1 "$(wc -l <"$j" | tr -d ' ')" "lines on stdout"
	check_eq "$PROXY/test/bb:1" "$(jq -r .reference "$j")" reference
	check_eq "$BB_MAN" "$(jq -r .digest "$j")" digest
	check_eq "$MT_OCI_MANIFEST" "$(jq -r .mediaType "$j")" mediaType
	check_eq "$BB_MAN_SIZE" "$(jq -r .size "$j")" size
	check_eq '{"architecture":"amd64","os":"linux"}' \
	    "$(jq -cS .platform "$j")" platform
	f='.config | {mediaType, digest, size}'
	check_eq "$(jq -cS "$f" "$T/bb.json")" "$(jq -cS "$f" "$j")" config
	f='[.layers[] | {mediaType, digest, size}]'
	check_eq "$(jq -cS "$f" "$T/bb.json")" "$(jq -cS "$f" "$j")" layers
	check_eq "$MT_OCI_CONFIG" "$(jq -r .config.mediaType "$j")" \
	    "config mediaType"
	check_eq "$MT_OCI_LAYER" "$(jq -r '.layers[0].mediaType' "$j")" \
	    "layer mediaType"
	check_eq null "$(jq -c .index "$j")" index
	# Bytes: the manifest, the config and the layer, nothing more.
	want=$(jq --argjson m "$BB_MAN_SIZE" \
	    '$m + .config.size + ([.layers[].size] | add)' "$T/bb.json")
	check_eq "$want" "$(jq .bytesTransferred "$j")" bytesTransferred
	check_eq 3 "$(proxy_count '.*' .)" "requests the registry saw"
	check_eq "$(proxy_count '.*' .)" "$(jq .requests "$j")" requests
	# Errors are JSON too.
	check_exit 66 img-pull -R "$root" --json "$PROXY/test/bb:nope"
	check_eq 0 "$(wc -c <"$T_STDOUT" | tr -d ' ')" "stdout of a failure"
	grep '^{' "$T_STDERR" | jq -e '.exit == 66 and
	    (.error | test("MANIFEST_UNKNOWN"))' >/dev/null ||
	    fail "no JSON error on stderr: $(cat "$T_STDERR")"
}
t_case "--json: reference, digest, platform, config, layers, bytes, requests" \
    pull_json

# ---------------------------------------------------------------- 3

pull_by_digest() {
	root=$(newroot)
	check_stdout - img-pull -R "$root" "$REG/test/bb@$BB_MAN" <<-EOF
	$BB_MAN
	EOF
	pulled_ok "$root" "$REG/test/bb@$BB_MAN" "$BB_MAN" "$T/bb.json"
	# A digest of the right form that the repository does not have: the
	# registry answers 404 MANIFEST_UNKNOWN, so "not found" (66), not a
	# mismatch: nothing was received that could mismatch.
	other="sha256:$(printf 'no such manifest' | sha256sum | cut -d' ' -f1)"
	root2=$(newroot)
	check_stderr_match 66 MANIFEST_UNKNOWN \
	    img-pull -R "$root2" "$REG/test/bb@$other"
	check_eq 0 "$(nblobs "$root2")" "blobs after an unknown digest"
	check_eq 0 "$(nentries "$root2")" "entries after an unknown digest"
}
t_case "pull by digest; an unknown digest is 66 (MANIFEST_UNKNOWN)" \
    pull_by_digest

pull_digest_mismatch() {
	faultproxy_start "$REG"
	root=$(newroot)
	# One byte of the manifest flipped on the way.
	faultproxy_rules '[{"method": "GET", "path": "/manifests/",
	    "action": "corrupt"}]'
	check_stderr_match 65 "digest mismatch" \
	    img-pull -R "$root" "$PROXY/test/bb@$BB_MAN"
	check_num "$(proxy_count -f corrupt GET /manifests/)" -ge 1 \
	    "corrupted manifest GETs"
	check_eq 0 "$(nblobs "$root")" "blobs after a corrupt manifest"
	check_eq 0 "$(nentries "$root")" "entries after a corrupt manifest"
	# By tag, the Docker-Content-Digest header catches it.
	check_stderr_match 65 "registry says" \
	    img-pull -R "$root" "$PROXY/test/bb:1"
	check_eq 0 "$(nblobs "$root")" "blobs after a corrupt manifest by tag"
	# Another, valid manifest (bb2's) served for bb's digest.
	jq -n --rawfile b "$T/bb2.json" '[{"method": "GET",
	    "path": "/manifests/sha256:", "action": "status", "code": 200,
	    "body": $b}]' >"$T/rules.json"
	faultproxy_rules "$(cat "$T/rules.json")"
	check_stderr_match 65 "digest mismatch" \
	    img-pull -R "$root" "$PROXY/test/bb@$BB_MAN"
	check_eq 1 "$(proxy_count -f status -s 200 GET /manifests/)" \
	    "substituted manifest GETs"
	check_eq 0 "$(nblobs "$root")" "blobs after a substituted manifest"
	check_eq 0 "$(nentries "$root")" "entries after a substitute"
	# The same pull without faults works.
	faultproxy_rules '[]'
	check_exit 0 img-pull -R "$root" "$PROXY/test/bb@$BB_MAN"
	pulled_ok "$root" "$PROXY/test/bb@$BB_MAN" "$BB_MAN" "$T/bb.json"
}
t_case "a manifest that does not match its digest: 65, nothing stored" \
    pull_digest_mismatch

# CVE-2021-41190: documents must be what their Content-Type and the
# descriptor that led to them say.
pull_mediatype_contradiction() {
	faultproxy_start "$REG"
	root=$(newroot)
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/manifests/\",
	    \"action\": \"headers\",
	    \"set\": {\"Content-Type\": \"$MT_OCI_INDEX\"}}]"
	# umoci's manifest has no mediaType member: read as the index the
	# Content-Type claims, it has a config, which no index has.
	check_stderr_match 65 "contradicts|ambiguous" \
	    img-pull -R "$root" "$PROXY/test/bb:1"
	check_eq 0 "$(nentries "$root")" "entries after a contradiction"
	check_eq 0 "$(nblobs "$root")" "blobs after a contradiction"
	# skopeo's Docker manifest says what it is.
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/manifests/\",
	    \"action\": \"headers\",
	    \"set\": {\"Content-Type\": \"$MT_OCI_MANIFEST\"}}]"
	check_stderr_match 65 \
	    "mediaType '[^']*docker[^']*' contradicts Content-Type" \
	    img-pull -R "$root" "$PROXY/test/bbdocker:1"
	check_eq 0 "$(nentries "$root")" "entries after a contradiction"
	check_eq 0 "$(nblobs "$root")" "blobs after a contradiction"
	# An index whose entry says Docker schema 2 for an OCI manifest.
	faultproxy_rules '[]'
	jq -n --arg d "$BB_MAN" --argjson s "$BB_MAN_SIZE" \
	    --arg m "$MT_D_MANIFEST" --arg t "$MT_OCI_INDEX" '{
	    schemaVersion: 2, mediaType: $t,
	    manifests: [{mediaType: $m, digest: $d, size: $s,
	    platform: {os: "linux", architecture: "amd64"}}]}' >"$T/lie.json"
	put_manifest "$REG" test/bb lie "$T/lie.json" "$MT_OCI_INDEX"
	check_stderr_match 65 "contradicts its descriptor" \
	    img-pull -R "$root" --platform linux/amd64 "$PROXY/test/bb:lie"
	check_eq 0 "$(nentries "$root")" "entries after a lying index"
	# And one whose entry has the wrong size.
	jq -n --arg d "$BB_MAN" --argjson s "$((BB_MAN_SIZE + 1))" \
	    --arg m "$MT_OCI_MANIFEST" --arg t "$MT_OCI_INDEX" '{
	    schemaVersion: 2, mediaType: $t,
	    manifests: [{mediaType: $m, digest: $d, size: $s,
	    platform: {os: "linux", architecture: "amd64"}}]}' >"$T/lie2.json"
	put_manifest "$REG" test/bb lie2 "$T/lie2.json" "$MT_OCI_INDEX"
	check_stderr_match 65 "size [0-9]+, descriptor says" \
	    img-pull -R "$root" --platform linux/amd64 "$PROXY/test/bb:lie2"
	check_eq 0 "$(nentries "$root")" "entries after a wrong size"
	store_ok "$root"
}
t_case "a mediaType contradicting Content-Type or descriptor: 65" \
    pull_mediatype_contradiction

# ---------------------------------------------------------------- 4

pull_repeated() {
	faultproxy_start "$REG"
	root=$(newroot)
	check_exit 0 img-pull -R "$root" "$PROXY/test/bb:1"
	check_eq 3 "$(proxy_count '.*' .)" "requests of the first pull"
	: >"$PROXY_LOG"
	check_exit 0 img-pull -R "$root" --json "$PROXY/test/bb:1"
	check_eq 1 "$(proxy_count '.*' .)" "requests of the repeated pull"
	check_eq 1 "$(proxy_count GET '^/v2/test/bb/manifests/1$')" \
	    "manifest GETs of the repeated pull"
	check_eq 0 "$(proxy_count '.*' /blobs/)" "blob requests"
	check_eq "$BB_MAN_SIZE" "$(jq .bytesTransferred "$T_STDOUT")" \
	    bytesTransferred
	check_eq 1 "$(jq .requests "$T_STDOUT")" requests
	# bb2 shares the busybox layer: that blob costs no request.
	: >"$PROXY_LOG"
	check_exit 0 img-pull -R "$root" --json "$PROXY/test/bb2:1"
	check_eq 0 "$(proxy_count '.*' "/blobs/$BB_LAYER")" \
	    "requests for the shared layer"
	check_eq 1 "$(proxy_count GET "/blobs/$BB2_LAYER2\$")" \
	    "GETs of the new layer"
	check_eq 1 "$(proxy_count GET "/blobs/$BB2_CFG\$")" \
	    "GETs of the new config"
	check_eq 3 "$(proxy_count '.*' .)" "requests for bb2"
	want=$(jq -r '(.layers[1].size + .config.size)' "$T/bb2.json")
	check_eq "$(($(fsize "$T/bb2.json") + want))" \
	    "$(jq .bytesTransferred "$T_STDOUT")" "bytesTransferred for bb2"
	pulled_ok "$root" "$PROXY/test/bb2:1" "$BB2_MAN" "$T/bb2.json"
	# An index: the repeated pull asks for the index only.
	check_exit 0 img-pull -R "$root" --platform linux/arm64 \
	    "$PROXY/test/ix:1"
	: >"$PROXY_LOG"
	check_exit 0 img-pull -R "$root" --platform linux/arm64 \
	    "$PROXY/test/ix:1"
	check_eq 1 "$(proxy_count '.*' .)" "requests of a repeated index pull"
	check_eq 1 "$(proxy_count GET '^/v2/test/ix/manifests/1$')" \
	    "index GETs of a repeated index pull"
	# By digest, a manifest in the store costs nothing at all.
	check_exit 0 img-pull -R "$root" "$PROXY/test/bb@$BB_MAN"
	: >"$PROXY_LOG"
	check_exit 0 img-pull -R "$root" --json "$PROXY/test/bb@$BB_MAN"
	check_eq 0 "$(proxy_count '.*' .)" "requests of a repeated digest pull"
	check_eq 0 "$(jq .requests "$T_STDOUT")" "requests by digest (JSON)"
}
t_case "repeated pull costs one manifest request; stored blobs none" \
    pull_repeated

# ---------------------------------------------------------------- 5

pull_index() {
	root=$(newroot)
	amd=$(ix_entry linux amd64)
	arm=$(ix_entry linux arm64)
	bsd=$(ix_entry freebsd amd64)
	name="$REG/test/ix:1"
	if test "$HOST_OS/$HOST_ARCH" = linux/amd64 ||
	    test "$HOST_OS/$HOST_ARCH" = linux/arm64 ||
	    test "$HOST_OS/$HOST_ARCH" = freebsd/amd64; then
		# The default is the host's platform, not the first entry:
		# the same index in reverse order too.
		jq '.manifests |= reverse' "$T/ix.json" >"$T/ixrev.$$"
		put_manifest "$REG" test/ix rev "$T/ixrev.$$" "$MT_OCI_INDEX"
		for r in "$name" "$REG/test/ix:rev"; do
			check_exit 0 img-pull -R "$(newroot)" --json "$r"
			check_eq "$(ix_entry "$HOST_OS" "$HOST_ARCH")" \
			    "$(jq -r .digest "$T_STDOUT")" \
			    "default platform's digest from $r"
			check_eq "$HOST_OS/$HOST_ARCH" "$(jq -r '.platform |
			    .os + "/" + .architecture' "$T_STDOUT")" \
			    "default platform from $r"
		done
	fi
	check_exit 0 img-pull -R "$root" --json --platform linux/amd64 "$name"
	check_eq "$amd" "$(jq -r .digest "$T_STDOUT")" "linux/amd64 digest"
	check_eq "$IX_MAN" "$(jq -r .index.digest "$T_STDOUT")" "index digest"
	check_eq "$MT_OCI_INDEX" "$(jq -r .index.mediaType "$T_STDOUT")" \
	    "index mediaType"
	check_eq "$amd" "$(entry "$root" "$name" digest)" \
	    "index.json entry (the manifest, not the index)"
	has_blob "$root" "$IX_MAN" "index"
	cmp "$T/ix.json" "$(blob "$root" "$IX_MAN")"
	for p in linux/arm64 linux/arm64/v8; do
		check_exit 0 img-pull -R "$root" --json --platform "$p" "$name"
		check_eq "$arm" "$(jq -r .digest "$T_STDOUT")" "$p digest"
		check_eq linux/arm64/v8 "$(jq -r '.platform |
		    "\(.os)/\(.architecture)/\(.variant)"' "$T_STDOUT")" \
		    "$p platform"
		check_eq "$arm" "$(entry "$root" "$name" digest)" \
		    "index.json entry after $p"
	done
	check_exit 0 img-pull -R "$root" --json --platform freebsd/amd64 "$name"
	check_eq "$bsd" "$(jq -r .digest "$T_STDOUT")" "freebsd/amd64 digest"
	check_eq freebsd "$(jq -r .platform.os "$T_STDOUT")" "freebsd os"
	check_eq "$bsd" "$(entry "$root" "$name" digest)" \
	    "index.json entry after freebsd/amd64"
	check_eq 1 "$(nentries "$root")" "entries (replaced, not added)"
	for d in "$amd" "$arm" "$bsd"; do
		has_blob "$root" "$d" manifest
	done
	# A platform the index lacks: 66, naming what there is.
	check_stderr_match 66 'linux/riscv64' \
	    img-pull -R "$root" --platform linux/riscv64 "$name"
	for p in linux/amd64 linux/arm64 freebsd/amd64; do
		check_grep "$p" "$T_STDERR"
	done
	check_eq "$bsd" "$(entry "$root" "$name" digest)" \
	    "index.json entry after a failed pull"
	check_stderr_match 64 'platform' \
	    img-pull -R "$root" --platform x "$name"
	check_exit 64 img-pull -R "$root" --platform linux/ "$name"
	# The index by digest.
	check_exit 0 img-pull -R "$root" --platform linux/arm64 \
	    "$REG/test/ix@$IX_MAN"
	check_eq "$arm" "$(cat "$T_STDOUT")" "arm64 manifest by index digest"
	# A plain manifest for another platform than the one asked: 66, and
	# the name is not pointed at it.
	check_stderr_match 66 'linux/amd64' \
	    img-pull -R "$root" --platform linux/arm64 "$REG/test/bb:1"
	check_eq "0 entries" "$(entry "$root" "$REG/test/bb:1" digest)" \
	    "entry for an image of the wrong platform"
	store_ok "$root"
}
t_case "index: platform selection, default, variants, missing, invalid" \
    pull_index

# ---------------------------------------------------------------- 6

pull_docker() {
	root=$(newroot)
	check_exit 0 img-pull -R "$root" --json "$REG/test/bbdocker:1"
	j=$T_STDOUT
	check_eq "$BBD_MAN" "$(jq -r .digest "$j")" digest
	check_eq "$MT_D_MANIFEST" "$(jq -r .mediaType "$j")" mediaType
	check_eq "$MT_D_CONFIG" "$(jq -r .config.mediaType "$j")" \
	    "config mediaType"
	check_eq "$MT_D_LAYER" "$(jq -r '[.layers[].mediaType] | unique |
	    join(",")' "$j")" "layer mediaType"
	check_eq "$MT_OCI_MANIFEST" \
	    "$(entry "$root" "$REG/test/bbdocker:1" mediaType)" \
	    "index.json entry mediaType"
	check_eq "$(jq -r .ociDigest "$j")" \
	    "$(entry "$root" "$REG/test/bbdocker:1" digest)" \
	    "ociDigest is the index.json entry"
	pulled_ok "$root" "$REG/test/bbdocker:1" "$BBD_MAN" "$T/bbdocker.json"
	# A Docker manifest list.
	check_exit 0 img-pull -R "$root" --json --platform linux/arm64 \
	    "$REG/test/ixdocker:1"
	j=$T_STDOUT
	check_eq "$IXD_MAN" "$(jq -r .index.digest "$j")" "list digest"
	check_eq "$MT_D_LIST" "$(jq -r .index.mediaType "$j")" \
	    "list mediaType"
	check_eq "$(ix_entry linux arm64 "$T/ixdocker.json")" \
	    "$(jq -r .digest "$j")" "arm64 manifest from the list"
	check_eq "$MT_D_MANIFEST" "$(jq -r .mediaType "$j")" \
	    "mediaType from the list"
	has_blob "$root" "$IXD_MAN" "manifest list"
	store_ok "$root"
}
t_case "docker schema 2: manifest and manifest list, Docker media types" \
    pull_docker

# pull_skopeo_reads NAME: pull test/NAME:1, then skopeo copies it out of
# the store by its full name (issue: "any OCI tool reads it"); what it
# copies out must be our blobs, byte for byte.
pull_skopeo_reads() {
	root=$(newroot)
	name="$REG/test/$1:1"
	check_exit 0 img-pull -R "$root" "$name"
	d=$(cat "$T_STDOUT")
	out="$T/out-$1.$$"
	t_skopeo copy -q "oci:$root/oci:$name" "dir:$out"
	# What the name points at: the pulled manifest, or its OCI rewrite.
	e=$(entry "$root" "$name" digest)
	pulled_ok "$root" "$name" "$d" "$T/$1.json"
	cmp "$out/manifest.json" "$(blob "$root" "$e")"
	for b in $(digests "$out/manifest.json"); do
		cmp "$out/${b#sha256:}" "$(blob "$root" "$b")"
	done
	check_eq "$(digests "$T/$1.json" | wc -l | tr -d ' ')" \
	    "$(find "$out" -type f -name '[0-9a-f]*' | wc -l | tr -d ' ')" \
	    "blobs skopeo copied out"
	# umoci finds the name too.
	umoci ls --layout "$root/oci" >"$T/ls.$$"
	check_grep "^$name\$" "$T/ls.$$"
}
t_case "interop: skopeo copies an OCI image out of our store" \
    pull_skopeo_reads bb
# The issue asks this of every image in the store.  containers/image
# (skopeo) and umoci only look a ref.name up among entries typed as OCI,
# so a Docker schema 2 image is named through its OCI rewrite.
t_case "interop: skopeo copies a Docker schema 2 image out of our store" \
    pull_skopeo_reads bbdocker

# ---------------------------------------------------------------- 7

auth_htpasswd() {
	hp=$(mktemp "$T/htpasswd.XXXXXX")
	htpasswd_add "$hp" alice pw-alice
	registry_start --htpasswd "$hp"
	push_image "$T/bb:1" "$REG/a/bb:1" --dest-creds alice:pw-alice
	root=$(newroot)
	authcfg "$T/dc-anon.$$" '{}'
	check_stderr_match 77 'UNAUTHORIZED|401' \
	    img-pull -R "$root" "$REG/a/bb:1"
	authcfg "$T/dc-wrong.$$" "$(auths_json "$REG" alice wrong)"
	check_stderr_match 77 'UNAUTHORIZED|401' \
	    img-pull -R "$root" "$REG/a/bb:1"
	check_eq 0 "$(nentries "$root")" "entries after refusals"
	authcfg "$T/dc-bad.$$" '{"auths": {'
	check_exit 78 img-pull -R "$root" "$REG/a/bb:1"
	authcfg "$T/dc-right.$$" "$(auths_json "$REG" alice pw-alice)"
	check_stdout - img-pull -R "$root" "$REG/a/bb:1" <<-EOF
	$BB_MAN
	EOF
	pulled_ok "$root" "$REG/a/bb:1" "$BB_MAN" "$T/bb.json"
}
t_case "auth: htpasswd registry, config.json auths (none, wrong, right)" \
    auth_htpasswd

auth_token() {
	tokenserver_start --user alice:pw-alice --public '^public/'
	registry_start --token "$TOKEN_REALM" "$TOKEN_ISSUER" \
	    "$TOKEN_SERVICE" "$TOKEN_CERT"
	push_image "$T/bb:1" "$REG/public/bb:1" --dest-creds alice:pw-alice
	push_image "$T/bb:1" "$REG/private/bb:1" --dest-creds alice:pw-alice
	: >"$TOKEN_LOG"
	root=$(newroot)
	authcfg "$T/dc-anon.$$" '{}'
	check_exit 0 img-pull -R "$root" "$REG/public/bb:1"
	check_eq "$BB_MAN" "$(cat "$T_STDOUT")" "anonymous public pull"
	check_num "$(jq -s 'map(select(.auth == false and .status == 200 and
	    (.scopes | index("repository:public/bb:pull")))) | length' \
	    "$TOKEN_LOG")" -ge 1 "anonymous tokens for public/bb"
	check_eq 0 "$(jq -s 'map(select(.auth)) | length' "$TOKEN_LOG")" \
	    "credentialed token requests without credentials"
	check_stderr_match 77 'UNAUTHORIZED|DENIED|401|403' \
	    img-pull -R "$root" "$REG/private/bb:1"
	authcfg "$T/dc-wrong.$$" "$(auths_json "$REG" alice nope)"
	: >"$TOKEN_LOG"
	check_exit 77 img-pull -R "$root" "$REG/private/bb:1"
	check_num "$(jq -s 'map(select(.status == 401 and .user == "alice"))
	    | length' "$TOKEN_LOG")" -ge 1 "refused token requests"
	authcfg "$T/dc-right.$$" "$(auths_json "$REG" alice pw-alice)"
	: >"$TOKEN_LOG"
	check_exit 0 img-pull -R "$root" "$REG/private/bb:1"
	check_eq "$BB_MAN" "$(cat "$T_STDOUT")" "alice's private pull"
	check_num "$(jq -s 'map(select(.auth and .user == "alice" and
	    .status == 200 and
	    (.scopes | index("repository:private/bb:pull")))) | length' \
	    "$TOKEN_LOG")" -ge 1 "alice's token requests"
	check_eq 0 "$(jq -s 'map(select(.auth | not)) | length' "$TOKEN_LOG")" \
	    "anonymous token requests with credentials at hand"
	# One token serves the manifest and both blobs (same scope).
	check_eq 1 "$(jq -s 'length' "$TOKEN_LOG")" "token requests"
	pulled_ok "$root" "$REG/private/bb:1" "$BB_MAN" "$T/bb.json"
	pulled_ok "$root" "$REG/public/bb:1" "$BB_MAN" "$T/bb.json"
}
t_case "auth: bearer tokens, anonymous public, credentialed private" \
    auth_token

# A docker-credential-berthtest on PATH that knows alice's password for
# $1 only, and logs its calls to $T/helper.log.
write_helper() {
	mkdir -p "$T/helperbin"
	cat >"$T/helperbin/docker-credential-berthtest" <<-EOF
	#!/bin/sh
	read -r server
	printf '%s %s\n' "\$1" "\$server" >>"$T/helper.log"
	test "\$1" = get || exit 1
	case \$server in
	$1|http://$1|https://$1)
		printf '{"ServerURL":"%s","Username":"alice",' "\$server"
		printf '"Secret":"pw-alice"}\n';;
	*)
		echo "credentials not found in native keychain"
		exit 1;;
	esac
	EOF
	chmod +x "$T/helperbin/docker-credential-berthtest"
	PATH="$T/helperbin:$PATH"
	export PATH
}

auth_helper() {
	tokenserver_start --user alice:pw-alice
	registry_start --token "$TOKEN_REALM" "$TOKEN_ISSUER" \
	    "$TOKEN_SERVICE" "$TOKEN_CERT"
	push_image "$T/bb:1" "$REG/private/bb:1" --dest-creds alice:pw-alice
	write_helper "$REG"
	root=$(newroot)
	for cfg in "{\"credHelpers\": {\"$REG\": \"berthtest\"}}" \
	    '{"credsStore": "berthtest"}'; do
		rm -f "$T/helper.log"
		: >"$TOKEN_LOG"
		authcfg "$T/dc.$$" "$cfg"
		check_exit 0 img-pull -R "$root" "$REG/private/bb:1"
		check_eq "$BB_MAN" "$(cat "$T_STDOUT")" "pull with $cfg"
		check_grep "^get (https?://)?$REG\$" "$T/helper.log"
		check_num "$(jq -s 'map(select(.auth and .user == "alice" and
		    .status == 200)) | length' "$TOKEN_LOG")" -ge 1 \
		    "alice's token requests with $cfg"
	done
	# A helper for another registry is not asked about this one.
	rm -f "$T/helper.log"
	authcfg "$T/dc2.$$" '{"credHelpers": {"other.example": "berthtest"}}'
	check_exit 77 img-pull -R "$root" "$REG/private/bb:1"
	if test -e "$T/helper.log"; then
		fail "other.example's helper was asked: $(cat "$T/helper.log")"
	fi
}
t_case "auth: credential helpers (credHelpers, credsStore)" auth_helper

# ---------------------------------------------------------------- 8

# redirect_offhost basic|token: blob GETs through a proxy of the registry
# are redirected to another host (a proxy with its own credentials).
redirect_offhost() {
	if test "$1" = basic; then
		hp=$(mktemp "$T/htpasswd.XXXXXX")
		htpasswd_add "$hp" bob pw-bob
		registry_start --htpasswd "$hp"
	else
		tokenserver_start --user bob:pw-bob
		registry_start --token "$TOKEN_REALM" "$TOKEN_ISSUER" \
		    "$TOKEN_SERVICE" "$TOKEN_CERT"
	fi
	push_image "$T/bb:1" "$REG/b/bb:1" --dest-creds bob:pw-bob
	faultproxy_start "$REG" --upstream-auth bob:pw-bob
	OFF=$PROXY
	OFFLOG=$PROXY_LOG
	faultproxy_start "$REG"
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/blobs/\",
	    \"action\": \"redirect-offhost\", \"url\": \"http://$OFF\"}]"
	authcfg "$T/dc.$$" "$(auths_json "$PROXY" bob pw-bob)"
	root=$(newroot)
	check_exit 0 img-pull -R "$root" "$PROXY/b/bb:1"
	check_eq "$BB_MAN" "$(cat "$T_STDOUT")" "digest"
	pulled_ok "$root" "$PROXY/b/bb:1" "$BB_MAN" "$T/bb.json"
	# The registry host got credentials, the blob GETs too (redirected).
	check_num "$(proxy_count -a yes -s 200 GET /manifests/)" -ge 1 \
	    "manifest GETs with credentials"
	check_eq 2 "$(proxy_count -a yes -s 307 GET /blobs/)" \
	    "redirected blob GETs with credentials"
	# The other host served both blobs, and saw no credentials at all.
	check_eq 1 "$(proxy_count -l "$OFFLOG" -a no -s 200 GET \
	    "/blobs/$BB_LAYER\$")" "layer GETs off-host"
	check_eq 1 "$(proxy_count -l "$OFFLOG" -a no -s 200 GET \
	    "/blobs/$BB_CFG\$")" "config GETs off-host"
	check_eq 0 "$(proxy_count -l "$OFFLOG" -a yes '.*' .)" \
	    "requests with credentials off-host"
}
t_case "credentials stay home on an off-host redirect (Basic)" \
    redirect_offhost basic
t_case "credentials stay home on an off-host redirect (Bearer)" \
    redirect_offhost token

# ---------------------------------------------------------------- 9

# CVE-2020-15157: foreign layer URLs on loopback, link-local and private
# addresses are refused before anything connects; the registry serves the
# layer.
foreign_layers() {
	# docker-registry refuses manifests with urls unless allowed.
	REGISTRY_VALIDATION_MANIFESTS_URLS_ALLOW='[^http]'
	export REGISTRY_VALIDATION_MANIFESTS_URLS_ALLOW
	registry_start
	unset REGISTRY_VALIDATION_MANIFESTS_URLS_ALLOW
	push_image "$T/bb:1" "$REG/test/foreign:base"
	push_image "$T/bb:1" "$REG/test/foreign:dbase" --format v2s2
	# A listener that could serve the layer, if anyone asked it.
	faultproxy_start "$REG"
	LST=$PROXY
	LSTLOG=$PROXY_LOG
	LSTPORT=$PROXY_PORT
	# The registry, seen through a proxy to count its blob GETs.
	faultproxy_start "$REG"
	path="/v2/test/foreign/blobs/$BB_LAYER"
	urls=$(jq -cn --arg a "http://$LST$path" \
	    --arg b "http://localhost:$LSTPORT$path" \
	    --arg c "http://169.254.169.254/latest$path" \
	    --arg d "http://10.0.0.1$path" '[$a, $b, $c, $d]')
	jq --arg m "$MT_OCI_NONDIST" --argjson u "$urls" \
	    '.layers[0].mediaType = $m | .layers[0].urls = $u' \
	    "$T/bb.json" >"$T/foreign.json"
	put_manifest "$REG" test/foreign oci "$T/foreign.json" \
	    "$MT_OCI_MANIFEST"
	jq --arg m "$MT_D_FOREIGN" --argjson u "$urls" \
	    '.layers[0].mediaType = $m | .layers[0].urls = $u' \
	    "$T/bbdocker.json" >"$T/dforeign.json"
	put_manifest "$REG" test/foreign docker "$T/dforeign.json" \
	    "$MT_D_MANIFEST"
	st=
	if strace -f -qq -e trace=connect -o "$T/st.$$" true 2>/dev/null; then
		st=1
	fi
	for tag in oci docker; do
		root=$(newroot)
		: >"$PROXY_LOG"
		if test -n "$st"; then
			check_exit 0 strace -f -qq -e trace=connect \
			    -o "$T/strace.$tag" img-pull -R "$root" \
			    "$PROXY/test/foreign:$tag"
		else
			check_exit 0 img-pull -R "$root" \
			    "$PROXY/test/foreign:$tag"
		fi
		f="$T/foreign.json"
		test "$tag" = oci || f="$T/dforeign.json"
		check_eq "$(sha "$f")" "$(tail -n 1 "$T_STDOUT")" "$tag digest"
		pulled_ok "$root" "$PROXY/test/foreign:$tag" "$(sha "$f")" "$f"
		check_eq 1 "$(proxy_count GET "/blobs/$BB_LAYER\$")" \
		    "$tag: layer GETs at the registry"
		check_eq 0 "$(proxy_count -l "$LSTLOG" '.*' .)" \
		    "$tag: requests at the loopback URL"
		for a in "127.0.0.1:$LSTPORT" "localhost:$LSTPORT" \
		    169.254.169.254 10.0.0.1; do
			check_grep "refusing foreign layer URL 'http://$a" \
			    "$T_STDERR"
		done
		if test -n "$st"; then
			re='(10\.0\.0\.1|169\.254\.169\.254|htons\('
			re="connect\\(.*$re$LSTPORT\\))"
			if grep -E "$re" "$T/strace.$tag"; then
				fail "$tag: connected to a refused address"
			fi
			# The registry's proxy was connected to: strace works.
			check_grep "connect\\(.*htons\\($PROXY_PORT\\)" \
			    "$T/strace.$tag"
		fi
	done
}
t_case "foreign layers on local addresses: refused, taken from the registry" \
    foreign_layers

# ---------------------------------------------------------------- 10

# fault_setup: a proxy in front of the registry and a fresh root.
fault_setup() {
	faultproxy_start "$REG"
	root=$(newroot)
}

fault_cut() {
	fault_setup
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/blobs/$BB_LAYER\",
	    \"action\": \"cut\", \"bytes\": 300000, \"times\": 1}]"
	check_exit 0 img-pull -R "$root" "$PROXY/test/bb:1"
	pulled_ok "$root" "$PROXY/test/bb:1" "$BB_MAN" "$T/bb.json"
	check_eq 1 "$(proxy_count -f cut GET "/blobs/$BB_LAYER\$")" "cut GETs"
	check_eq "none bytes=300000-" "$(blob_log "$BB_LAYER" \
	    'map(.range // "none") | join(" ")')" "Ranges of the layer GETs"
	check_eq 1 "$(proxy_count -s 206 GET "/blobs/$BB_LAYER\$")" \
	    "206 answers"
	check_eq "$((BB_LAYER_SIZE - 300000))" "$(blob_log "$BB_LAYER" \
	    'map(select(.status == 206))[0].bytes')" "bytes of the resumed GET"
}
t_case "fault: connection cut mid-blob, resumed with Range" fault_cut

fault_429() {
	fault_setup
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/blobs/$BB_LAYER\",
	    \"action\": \"status\", \"code\": 429, \"retry_after\": 1,
	    \"times\": 2}]"
	t0=$(date +%s)
	check_exit 0 img-pull -R "$root" "$PROXY/test/bb:1"
	t1=$(date +%s)
	pulled_ok "$root" "$PROXY/test/bb:1" "$BB_MAN" "$T/bb.json"
	check_eq 2 "$(proxy_count -s 429 GET "/blobs/$BB_LAYER\$")" "429s"
	check_eq 1 "$(proxy_count -s 200 GET "/blobs/$BB_LAYER\$")" "200s"
	# Two waits of Retry-After: 1 s (backoff alone starts at 200 ms).
	check_num "$((t1 - t0))" -ge 2 "seconds taken"
}
t_case "fault: 429 with Retry-After, honoured, then recovers" fault_429

fault_500() {
	fault_setup
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/blobs/$BB_LAYER\",
	    \"action\": \"status\", \"code\": 500, \"times\": 2},
	    {\"method\": \"GET\", \"path\": \"/manifests/\",
	    \"action\": \"status\", \"code\": 500, \"times\": 2}]"
	check_exit 0 img-pull -R "$root" "$PROXY/test/bb:1"
	pulled_ok "$root" "$PROXY/test/bb:1" "$BB_MAN" "$T/bb.json"
	check_eq 2 "$(proxy_count -s 500 GET "/blobs/$BB_LAYER\$")" \
	    "500s on the layer"
	check_eq 2 "$(proxy_count -s 500 GET /manifests/)" \
	    "500s on the manifest"
}
t_case "fault: 500 twice (manifest and layer), recovers" fault_500

fault_503_forever() {
	fault_setup
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/blobs/$BB_LAYER\",
	    \"action\": \"status\", \"code\": 503}]"
	check_stderr_match 75 'UNAVAILABLE|503' \
	    img-pull -R "$root" "$PROXY/test/bb:1"
	check_num "$(proxy_count -s 503 GET "/blobs/$BB_LAYER\$")" -ge 2 \
	    "503s (retried)"
	no_blob "$root" "$BB_LAYER" layer
	check_eq 0 "$(nentries "$root")" "entries after 75"
	store_ok "$root"
	# A later run without the fault completes the pull.
	faultproxy_rules '[]'
	check_exit 0 img-pull -R "$root" "$PROXY/test/bb:1"
	pulled_ok "$root" "$PROXY/test/bb:1" "$BB_MAN" "$T/bb.json"
}
t_case "fault: 503 forever gives 75, no blob; a later run completes" \
    fault_503_forever

fault_truncate() {
	fault_setup
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/blobs/$BB_LAYER\",
	    \"action\": \"truncate\", \"bytes\": 1000, \"times\": 1}]"
	check_exit 0 img-pull -R "$root" "$PROXY/test/bb:1"
	pulled_ok "$root" "$PROXY/test/bb:1" "$BB_MAN" "$T/bb.json"
	check_eq 1 "$(proxy_count -f truncate GET "/blobs/$BB_LAYER\$")" \
	    "truncated GETs"
	check_eq "none bytes=$((BB_LAYER_SIZE - 1000))-" \
	    "$(blob_log "$BB_LAYER" 'map(.range // "none") | join(" ")')" \
	    "Ranges of the layer GETs"
}
t_case "fault: truncated body, resumed" fault_truncate

fault_corrupt() {
	fault_setup
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/blobs/$BB_LAYER\",
	    \"action\": \"corrupt\", \"count\": 4}]"
	check_stderr_match 65 "digest mismatch" \
	    img-pull -R "$root" "$PROXY/test/bb:1"
	check_num "$(proxy_count -f corrupt GET "/blobs/$BB_LAYER\$")" -ge 1 \
	    "corrupted GETs"
	no_blob "$root" "$BB_LAYER" "corrupt layer"
	if test -e "$(partial "$root" "$BB_LAYER")"; then
		fail "the corrupt partial download was kept"
	fi
	check_eq 0 "$(nentries "$root")" "entries after 65"
	store_ok "$root"
}
t_case "fault: corrupt blob every time: 65, not stored, partial removed" \
    fault_corrupt

# A body longer than the descriptor says (here: of the wrong bytes) fails
# with 65, and leaves nothing that fails the next run against a sound
# registry.
fault_oversize() {
	fault_setup
	jq -n --arg p "/blobs/$BB_LAYER" --argjson n "$((BB_LAYER_SIZE + 16))" \
	    '[{method: "GET", path: $p, action: "status", code: 200,
	    body: ("x" * $n)}]' >"$T/rules.$$"
	faultproxy_rules "$(cat "$T/rules.$$")"
	check_stderr_match 65 "more than the expected $BB_LAYER_SIZE bytes" \
	    img-pull -R "$root" "$PROXY/test/bb:1"
	no_blob "$root" "$BB_LAYER" layer
	check_eq 0 "$(nentries "$root")" "entries after 65"
	store_ok "$root"
	faultproxy_rules '[]'
	check_exit 0 img-pull -R "$root" "$PROXY/test/bb:1"
	pulled_ok "$root" "$PROXY/test/bb:1" "$BB_MAN" "$T/bb.json"
}
t_case "fault: body longer than its descriptor: 65; the next run works" \
    fault_oversize

fault_ignore_range() {
	fault_setup
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/blobs/$BB_LAYER\",
	    \"action\": \"cut\", \"bytes\": 300000, \"times\": 1},
	    {\"method\": \"GET\", \"path\": \"/blobs/$BB_LAYER\",
	    \"action\": \"ignore-range\"}]"
	check_exit 0 img-pull -R "$root" "$PROXY/test/bb:1"
	pulled_ok "$root" "$PROXY/test/bb:1" "$BB_MAN" "$T/bb.json"
	# The resume asked for a Range, got the whole blob (200) instead.
	check_eq "none 200, bytes=300000- 200" "$(blob_log "$BB_LAYER" \
	    'map("\(.range // "none") \(.status)") | join(", ")')" \
	    "Ranges of the layer GETs and their answers"
	check_eq "$BB_LAYER_SIZE" "$(blob_log "$BB_LAYER" '.[1].bytes')" \
	    "bytes of the answer"
}
t_case "fault: server ignores Range after a cut, recovers" fault_ignore_range

fault_drop() {
	fault_setup
	faultproxy_rules '[{"method": "GET", "path": "/manifests/",
	    "action": "drop", "times": 2}, {"method": "GET",
	    "path": "/blobs/", "action": "drop", "times": 2}]'
	check_exit 0 img-pull -R "$root" "$PROXY/test/bb:1"
	pulled_ok "$root" "$PROXY/test/bb:1" "$BB_MAN" "$T/bb.json"
	check_eq 4 "$(proxy_count -f drop GET .)" "dropped connections"
}
t_case "fault: connections closed without an answer, recovers" fault_drop

fault_404() {
	fault_setup
	faultproxy_rules '[{"method": "GET", "path": "/manifests/",
	    "action": "status", "code": 404, "error_code": "MANIFEST_UNKNOWN"}]'
	check_stderr_match 66 MANIFEST_UNKNOWN \
	    img-pull -R "$root" "$PROXY/test/bb:1"
	# Not retried: a 404 is an answer.
	check_eq 1 "$(proxy_count GET /manifests/)" "manifest GETs"
	check_eq 0 "$(nentries "$root")" "entries after 66"
	# The real thing: a tag the registry does not have.
	faultproxy_rules '[]'
	check_stderr_match 66 MANIFEST_UNKNOWN \
	    img-pull -R "$root" "$PROXY/test/bb:nope"
	check_eq 0 "$(nblobs "$root")" "blobs after 66"
	# A blob the registry lacks (404 BLOB_UNKNOWN): 66 too.
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/blobs/$BB_LAYER\",
	    \"action\": \"status\", \"code\": 404}]"
	check_stderr_match 66 BLOB_UNKNOWN \
	    img-pull -R "$root" "$PROXY/test/bb:1"
	no_blob "$root" "$BB_LAYER" layer
	store_ok "$root"
}
t_case "fault: 404 on manifest (MANIFEST_UNKNOWN) and blob: 66" fault_404

# Issue #8: a registry that cuts every reply short is given up on within
# the retry budget (6 attempts): only a blob whose partial download grows,
# from a server that resumes, renews it.  Each run is wrapped in timeout(1)
# so that a regression ends the case instead of hanging it (124).

retry_cut_manifest() {
	fault_setup
	faultproxy_rules '[{"method": "GET", "path": "/manifests/",
	    "action": "cut", "bytes": 100}]'
	check_stderr_match 75 "fetch manifest .*\\(gave up after 6 attempts\\)" \
	    timeout 120 img-pull -R "$root" "$PROXY/test/bb:1"
	check_eq 6 "$(proxy_count -f cut GET /manifests/)" "manifest GETs"
	check_eq 0 "$(nentries "$root")" "entries"
	check_eq 0 "$(nblobs "$root")" "blobs"
}
t_case "retry: a manifest cut short every time: 75 after 6 attempts" \
    retry_cut_manifest

retry_cut_token() {
	tokenserver_start --public '^test/'
	faultproxy_start "127.0.0.1:$TOKEN_PORT"
	registry_start --token "http://$PROXY/token" "$TOKEN_ISSUER" \
	    "$TOKEN_SERVICE" "$TOKEN_CERT"
	authcfg "$T/dc-anon.$$" '{}'
	root=$(newroot)
	faultproxy_rules '[{"method": "GET", "path": "^/token",
	    "action": "cut", "bytes": 20}]'
	check_stderr_match 75 "gave up after 6 attempts" \
	    timeout 120 img-pull -R "$root" "$REG/test/bb:1"
	check_eq 6 "$(proxy_count -f cut GET '^/token')" "token GETs"
	check_eq 0 "$(nentries "$root")" "entries"
	# The token service itself works: the same pull without the fault
	# gets as far as the empty registry's "unknown".
	faultproxy_rules '[]'
	check_stderr_match 66 'NAME_UNKNOWN|MANIFEST_UNKNOWN' \
	    timeout 120 img-pull -R "$root" "$REG/test/bb:1"
}
t_case "retry: a token response cut short every time: 75 after 6 attempts" \
    retry_cut_token

# A server that ignores Range: the partial never gets past its first cut,
# and it is of no use to a later run either.
retry_cut_norange() {
	fault_setup
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/blobs/$BB_LAYER\",
	    \"action\": \"cut\", \"bytes\": 300000, \"ignore_range\": true}]"
	check_stderr_match 75 "fetch blob .*\\(gave up after 6 attempts\\)" \
	    timeout 120 img-pull -R "$root" "$PROXY/test/bb:1"
	# The first cut made progress (a budget starting with it), the five
	# after it, with a Range answered in full, none.
	check_eq 6 "$(proxy_count -f cut GET "/blobs/$BB_LAYER\$")" "layer GETs"
	check_eq 5 "$(blob_log "$BB_LAYER" \
	    'map(select(.range == "bytes=300000-" and .status == 200)) |
	    length')" "GETs with a Range answered in full"
	no_blob "$root" "$BB_LAYER" layer
	check_eq 0 "$(npartials "$root")" "partial downloads left"
	check_eq 0 "$(nentries "$root")" "entries"
	store_ok "$root"
}
t_case "retry: blob cut short, Range ignored: 75, partial discarded" \
    retry_cut_norange

# Cut before the first byte of the body, every time: bounded, and not even
# an empty partial is left behind.
retry_cut_empty() {
	fault_setup
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/blobs/$BB_LAYER\",
	    \"action\": \"cut\", \"bytes\": 0}]"
	check_stderr_match 75 "gave up after 6 attempts" \
	    timeout 120 img-pull -R "$root" "$PROXY/test/bb:1"
	check_eq 6 "$(proxy_count -f cut GET "/blobs/$BB_LAYER\$")" "layer GETs"
	check_eq 0 "$(npartials "$root")" "partial downloads left"
	check_eq 0 "$(nentries "$root")" "entries"
}
t_case "retry: blob cut at byte 0 every time: 75, no empty partial left" \
    retry_cut_empty

# A partial that grows on every attempt keeps the download going past the
# 6 attempts a request has otherwise.
retry_growing() {
	fault_setup
	step=$((BB_LAYER_SIZE / 10))
	faultproxy_rules "[{\"method\": \"GET\", \"path\": \"/blobs/$BB_LAYER\",
	    \"action\": \"cut\", \"bytes\": $step, \"times\": 8}]"
	check_exit 0 timeout 120 img-pull -R "$root" "$PROXY/test/bb:1"
	pulled_ok "$root" "$PROXY/test/bb:1" "$BB_MAN" "$T/bb.json"
	check_eq 8 "$(proxy_count -f cut GET "/blobs/$BB_LAYER\$")" "cut GETs"
	check_eq "none bytes=$step- bytes=$((2 * step))-" "$(blob_log \
	    "$BB_LAYER" '.[0:3] | map(.range // "none") | join(" ")')" \
	    "Ranges of the first GETs"
	check_eq "bytes=$((8 * step))- 206" "$(blob_log "$BB_LAYER" \
	    '.[-1] | "\(.range) \(.status)"')" "the last GET"
	check_eq 0 "$(npartials "$root")" "partial downloads left"
}
t_case "retry: a blob that grows on each of 8 cuts is resumed to the end" \
    retry_growing

# Issue #8: limits on what an image may claim (65 before any download),
# and on the free space a download leaves (73), with nothing left behind.

# ingest_empty ROOT: no partial download, not even an empty one, and no
# more than a few KiB under ROOT/ingest.
ingest_empty() {
	check_eq "" "$(find "$1/ingest" -type f -name '*.partial')" \
	    "partial downloads"
	check_num "$(du -sk "$1/ingest" | cut -f1)" -le 16 "KiB in ingest/"
}

limit_huge_descriptor() {
	fault_setup
	jq -c '.layers[0].size = 1099511627776' "$T/bb.json" >"$T/huge.$$"
	put_manifest "$REG" test/bb huge "$T/huge.$$" "$MT_OCI_MANIFEST"
	check_stderr_match 65 "blob '$BB_LAYER': 1099511627776 bytes, over \
the max_blob_size limit of 10737418240 bytes" \
	    timeout 120 img-pull -R "$root" "$PROXY/test/bb:huge"
	check_eq 1 "$(wc -l <"$T_STDERR" | tr -d ' ')" "lines of stderr"
	check_eq 0 "$(proxy_count GET /blobs/)" "blob GETs"
	ingest_empty "$root"
	no_blob "$root" "$BB_LAYER" layer
	check_eq 0 "$(nentries "$root")" "entries"
}
t_case "limits: a layer descriptor claiming 1 TiB: 65 before any download" \
    limit_huge_descriptor

limit_blob_size() {
	fault_setup
	check_stderr_match 65 "blob '$BIG_LAYER': $BIG_LAYER_SIZE bytes, over \
the max_blob_size limit of 4194304 bytes" \
	    img-pull -R "$root" --max-blob-size 4M "$PROXY/test/big:1"
	check_eq 0 "$(proxy_count GET /blobs/)" "blob GETs"
	ingest_empty "$root"
	check_eq 0 "$(nentries "$root")" "entries"
	# The same from berth.conf; an option overrides it.
	root=$(newroot)
	mkdir -p "$root"
	printf '# test\nmax_blob_size = 4M\n' >"$root/berth.conf"
	check_stderr_match 65 "over the max_blob_size limit of 4194304 bytes" \
	    img-pull -R "$root" "$PROXY/test/big:1"
	check_eq 0 "$(proxy_count GET /blobs/)" "blob GETs"
	ingest_empty "$root"
	check_exit 0 img-pull -R "$root" "$PROXY/test/bb:1"
	check_exit 0 img-pull -R "$root" --max-blob-size 0 "$PROXY/test/big:1"
	pulled_ok "$root" "$PROXY/test/big:1" "$BIG_MAN" "$T/big.json"
	ingest_empty "$root"
	# A bad value: 64 as an option, 78 in berth.conf.
	check_stderr_match 64 "max-blob-size.*'lots'" \
	    img-pull -R "$root" --max-blob-size lots "$PROXY/test/bb:1"
	check_stderr_match 64 "min-free-space" \
	    img-pull -R "$root" --min-free-space -1 "$PROXY/test/bb:1"
	printf 'max_image_size=lots\n' >"$root/berth.conf"
	check_stderr_match 78 "berth.conf:1: max_image_size: 'lots'" \
	    img-pull -R "$root" "$PROXY/test/bb:1"
}
t_case "limits: --max-blob-size and berth.conf max_blob_size: 65, no download" \
    limit_blob_size

limit_image_size() {
	fault_setup
	cfg_size=$(jq -r .config.size "$T/bb.json")
	total=$((cfg_size + BB_LAYER_SIZE))
	check_stderr_match 65 "image '$BB_MAN': $total bytes of config and \
layers, over the max_image_size limit of $((total - 1)) bytes" \
	    img-pull -R "$root" --max-image-size "$((total - 1))" \
	    "$PROXY/test/bb:1"
	check_eq 0 "$(proxy_count GET /blobs/)" "blob GETs"
	ingest_empty "$root"
	check_eq 0 "$(nentries "$root")" "entries"
	printf 'max_image_size=%s\n' "$((total - 1))" >"$root/berth.conf"
	check_exit 65 img-pull -R "$root" "$PROXY/test/bb:1"
	check_exit 0 img-pull -R "$root" --max-image-size "$total" \
	    "$PROXY/test/bb:1"
	pulled_ok "$root" "$PROXY/test/bb:1" "$BB_MAN" "$T/bb.json"
}
t_case "limits: an image over --max-image-size or max_image_size: 65" \
    limit_image_size

# small_fs MiB: mount a tmpfs of that size at $T/small.N (unmounted by the
# case's cleanup) and print its path.
small_fs() {
	_sf=$(mktemp -d "$T/small.XXXXXX")
	mount -t tmpfs -o "size=${1}m,mode=0755" tmpfs "$_sf" || return 1
	t_cleanup_add "umount '$_sf'"
	echo "$_sf"
}

# free_kib DIR: KiB available to anyone on the filesystem of DIR.
free_kib() {
	df -Pk "$1" | awk 'NR == 2 { print $4 }'
}

limit_free_space() {
	skip_unless_root
	skip_unless_platform linux
	faultproxy_start "$REG"
	fs=$(small_fs 8)
	root="$fs/root"
	before=$(free_kib "$fs")
	# 12 MiB of layer cannot fit in 8 MiB: refused before any download.
	check_stderr_match 73 "not enough space in '$root/ingest'.*\
min_free_space 1048576 kept" \
	    img-pull -R "$root" --min-free-space 1M "$PROXY/test/big:1"
	check_eq 1 "$(wc -l <"$T_STDERR" | tr -d ' ')" "lines of stderr"
	check_eq 0 "$(proxy_count GET /blobs/)" "blob GETs"
	ingest_empty "$root"
	check_num "$(free_kib "$fs")" -ge "$((before - 256))" "KiB free after"
	# The default min_free_space (256 MiB) does not fit either.
	check_stderr_match 73 "min_free_space 268435456 kept" \
	    img-pull -R "$root" "$PROXY/test/bb:1"
	# A small image fits, with 1 MiB kept free.
	check_exit 0 img-pull -R "$root" --min-free-space 1M "$PROXY/test/bb:1"
	pulled_ok "$root" "$PROXY/test/bb:1" "$BB_MAN" "$T/bb.json"
	ingest_empty "$root"
}
t_case "limits: no room for the image on the root's filesystem: 73, no partial" \
    limit_free_space

# The space runs out while a layer downloads (something else fills the
# filesystem meanwhile): the download stops before the filesystem is full
# and its partial is discarded.
limit_free_space_writing() {
	skip_unless_root
	skip_unless_platform linux
	faultproxy_start "$REG"
	fs=$(small_fs 24)
	root="$fs/root"
	part=$(partial "$root" "$BIG_LAYER")
	faultproxy_rules "[{\"method\": \"GET\",
	    \"path\": \"/blobs/$BIG_LAYER\",
	    \"action\": \"delay\", \"bytes\": 5000000, \"seconds\": 10,
	    \"times\": 1}]"
	img-pull -R "$root" --min-free-space 1M "$PROXY/test/big:1" \
	    >"$T/fill.out" 2>"$T/fill.err" &
	pid=$!
	if ! t_wait 30 sh -c "test \"\$(wc -c <'$part')\" -ge 4000000"; then
		kill -KILL "$pid" 2>/dev/null || true
		cat "$T/fill.err" >&2
		fail "the download did not get to 4 MB"
	fi
	# The small blobs are in by now; leave 2 MiB free, in which the 7 MB
	# of the layer still to come do not fit.
	for d in $(jq -r '.config.digest, .layers[0].digest' "$T/big.json"); do
		if ! t_wait 30 test -f "$(blob "$root" "$d")"; then
			kill -KILL "$pid" 2>/dev/null || true
			fail "blob $d did not arrive"
		fi
	done
	avail=$(free_kib "$fs")
	head -c "$(((avail - 2048) * 1024))" /dev/zero >"$fs/filler"
	rc=0
	wait "$pid" || rc=$?
	check_eq 73 "$rc" "exit status"
	check_grep "blob '$BIG_LAYER': stopped: not enough space" "$T/fill.err"
	check_eq 0 "$(npartials "$root")" "partial downloads left"
	no_blob "$root" "$BIG_LAYER" layer
	check_num "$(free_kib "$fs")" -ge 2048 "KiB free after"
	rm -f "$fs/filler"
	ingest_empty "$root"
	check_eq 0 "$(nentries "$root")" "entries"
}
t_case "limits: space running out mid-layer: 73, stopped early, discarded" \
    limit_free_space_writing

# Wrong bytes an earlier run left (or a registry sent, then cut): resumed,
# found out at the end, discarded; the next run starts over and completes.
limit_corrupt_partial() {
	fault_setup
	mkdir -p "$root/ingest"
	head -c 300000 /dev/urandom >"$(partial "$root" "$BB_LAYER")"
	check_stderr_match 65 "digest mismatch for blob '$BB_LAYER'" \
	    img-pull -R "$root" "$PROXY/test/bb:1"
	check_eq "bytes=300000- 206" "$(blob_log "$BB_LAYER" \
	    'map("\(.range // "none") \(.status)") | join(", ")')" \
	    "the resumed GET"
	ingest_empty "$root"
	no_blob "$root" "$BB_LAYER" layer
	: >"$PROXY_LOG"
	check_exit 0 img-pull -R "$root" "$PROXY/test/bb:1"
	check_eq "none 200" "$(blob_log "$BB_LAYER" \
	    'map("\(.range // "none") \(.status)") | join(", ")')" \
	    "the GET of the next run"
	pulled_ok "$root" "$PROXY/test/bb:1" "$BB_MAN" "$T/bb.json"
}
t_case "limits: a corrupt partial: 65 once resumed, discarded, then pulled" \
    limit_corrupt_partial

# ---------------------------------------------------------------- 11

pull_concurrent() {
	faultproxy_start "$REG"
	# Stall the big layer mid-way, so that the four overlap.
	faultproxy_rules "[{\"method\": \"GET\",
	    \"path\": \"/blobs/$BIG_LAYER\",
	    \"action\": \"delay\", \"bytes\": 2000000, \"seconds\": 1}]"
	root=$(newroot)
	pids=
	for i in 1 2 3 4; do
		img-pull -R "$root" -j "$i" "$PROXY/test/big:1" \
		    >"$T/conc.$i.out" 2>"$T/conc.$i.err" &
		pids="$pids $!"
	done
	i=0
	for p in $pids; do
		i=$((i + 1))
		rc=0
		wait "$p" || rc=$?
		if test "$rc" -ne 0; then
			cat "$T/conc.$i.err" >&2
			fail "pull $i exited $rc"
		fi
		check_eq "$BIG_MAN" "$(cat "$T/conc.$i.out")" \
		    "digest of pull $i"
	done
	for d in $(digests "$T/big.json"); do
		check_eq 1 "$(proxy_count GET "/blobs/$d\$")" "GETs of $d"
	done
	check_eq 4 "$(proxy_count GET /manifests/)" "manifest GETs"
	# They did overlap: the others waited for the stalled layer.
	check_num "$(proxy_count -f delay GET "/blobs/$BIG_LAYER\$")" -eq 1 \
	    "stalled GETs"
	pulled_ok "$root" "$PROXY/test/big:1" "$BIG_MAN" "$T/big.json"
	check_eq 1 "$(nentries "$root")" "entries in index.json"
	check_eq 0 "$(npartials "$root")" "partial downloads left"
}
t_case "four concurrent pulls into one root: each blob crosses once" \
    pull_concurrent

# pull_jobs [JOBS]: pull test/ml:1 (a config and four layers, each GET
# held back 1 s by the proxy) with -j JOBS; set AT_ONCE to how many blob
# GETs ended within 0.5 s of the first one, i.e. ran at once.
pull_jobs() {
	faultproxy_start "$REG"
	faultproxy_rules '[{"method": "GET", "path": "/blobs/",
	    "action": "delay", "seconds": 1}]'
	root=$(newroot)
	check_exit 0 img-pull -R "$root" ${1:+-j "$1"} "$PROXY/test/ml:1"
	pulled_ok "$root" "$PROXY/test/ml:1" "$ML_MAN" "$T/ml.json"
	check_eq 5 "$(proxy_count GET /blobs/)" "blob GETs"
	AT_ONCE=$(jq -s '[.[] | select(.path | test("/blobs/")) | .t] | sort |
	    (.[0] + 0.5) as $w | map(select(. < $w)) | length' "$PROXY_LOG")
}

pull_parallel() {
	pull_jobs
	check_eq 4 "$AT_ONCE" "blobs fetched at once by default"
	pull_jobs 1
	check_eq 1 "$AT_ONCE" "blobs fetched at once with -j 1"
	pull_jobs 2
	check_eq 2 "$AT_ONCE" "blobs fetched at once with -j 2"
}
t_case "blobs download in parallel, 4 at once by default, -j bounds it" \
    pull_parallel

# Seven pulls of different names into one root at once: index.json loses
# no entry (locks/index.lock).
pull_concurrent_names() {
	root=$(newroot)
	set -- "$REG/test/bb:1" "$REG/test/bb2:1" "$REG/test/ml:1" \
	    "$REG/test/ix:1" "$REG/test/bb@$BB_MAN" \
	    "localhost:$REG_PORT/test/bb:1" "$REG/test/bbdocker:1"
	pids=
	i=0
	for r in "$@"; do
		i=$((i + 1))
		img-pull -R "$root" "$r" >"$T/names.$i.out" \
		    2>"$T/names.$i.err" &
		pids="$pids $!"
	done
	i=0
	for p in $pids; do
		i=$((i + 1))
		rc=0
		wait "$p" || rc=$?
		if test "$rc" -ne 0; then
			cat "$T/names.$i.err" >&2
			fail "pull $i exited $rc"
		fi
	done
	check_eq "$#" "$(nentries "$root")" "entries in index.json"
	i=0
	for r in "$@"; do
		i=$((i + 1))
		check_eq "$(cat "$T/names.$i.out")" \
		    "$(entry_source "$root" "$r")" "entry for $r"
	done
	python3 "$TOP/tests/tools/oci-validate.py" index "$root/oci/index.json"
	store_ok "$root"
}
t_case "seven concurrent pulls of different names: no entry lost" \
    pull_concurrent_names

# ---------------------------------------------------------------- 12

pull_kill_resume() {
	faultproxy_start "$REG"
	# 6 MB of the 12 MiB layer, then a stall of 20 s.
	faultproxy_rules "[{\"method\": \"GET\",
	    \"path\": \"/blobs/$BIG_LAYER\",
	    \"action\": \"delay\", \"bytes\": 6000000, \"seconds\": 20,
	    \"times\": 1}]"
	root=$(newroot)
	part=$(partial "$root" "$BIG_LAYER")
	img-pull -R "$root" "$PROXY/test/big:1" >"$T/kill.out" \
	    2>"$T/kill.err" &
	pid=$!
	if ! t_wait 30 test -s "$part"; then
		kill -KILL "$pid" 2>/dev/null || true
		cat "$T/kill.err" >&2
		fail "no partial download appeared"
	fi
	kill -KILL "$pid"
	rc=0
	wait "$pid" || rc=$?
	check_eq 137 "$rc" "exit status of the killed pull"
	size=$(fsize "$part")
	check_num "$size" -gt 0 "partial size at kill time"
	check_num "$size" -lt "$BIG_LAYER_SIZE" "partial size at kill time"
	no_blob "$root" "$BIG_LAYER" "layer after the kill"
	store_ok "$root"
	: >"$PROXY_LOG"
	check_exit 0 img-pull -R "$root" "$PROXY/test/big:1"
	check_eq "$BIG_MAN" "$(cat "$T_STDOUT")" "digest after resuming"
	check_eq "bytes=$size- 206" "$(blob_log "$BIG_LAYER" \
	    'map("\(.range // "none") \(.status)") | join(", ")')" \
	    "Range of the resumed GET and its answer"
	check_eq "$((BIG_LAYER_SIZE - size))" \
	    "$(blob_log "$BIG_LAYER" '.[0].bytes')" "bytes of the resumed GET"
	pulled_ok "$root" "$PROXY/test/big:1" "$BIG_MAN" "$T/big.json"
	if test -e "$part"; then
		fail "the partial download is still there"
	fi
	# /big.bin is in the layer, whole.
	gzip -dc "$(blob "$root" "$BIG_LAYER")" | tar -xf - -C "$T" ./big.bin
	check_eq "sha256:$BIG_SHA256" "$(sha "$T/big.bin")" /big.bin
}
t_case "SIGKILL mid-layer; the next run resumes from the partial" \
    pull_kill_resume

# ---------------------------------------------------------------- 13, 14

bad_input() {
	root=$(newroot)
	check_stderr_match 64 '^usage: img-pull' img-pull
	check_stderr_match 64 '^usage: img-pull' img-pull -R "$root" a b
	check_stderr_match 64 \
	    'invalid reference format: repository name .* must be lowercase' \
	    img-pull -R "$root" "$REG/Test/bb:1"
	check_stderr_match 64 'invalid reference format' \
	    img-pull -R "$root" "$REG/test/bb:bad tag"
	check_stderr_match 64 'invalid reference format' \
	    img-pull -R "$root" "$REG/test/bb@sha256:1234"
	check_stderr_match 64 '-j' img-pull -R "$root" -j 0 "$REG/test/bb:1"
	check_exit 64 img-pull -R "$root" -j 65 "$REG/test/bb:1"
	check_exit 64 img-pull -R "$root" -j x "$REG/test/bb:1"
	check_stderr_match 64 '^usage: img-pull' \
	    img-pull -R "$root" --bogus "$REG/test/bb:1"
	check_exit 64 img-pull -R "$root" -Z "$REG/test/bb:1"
	if test -e "$root"; then
		fail "a refused command line created the root"
	fi
	# Nobody listens on the port: connection refused, retried, then
	# "unavailable" (69), with the port in the message.
	port=$(free_port)
	check_stderr_match 69 "127.0.0.1.*$port" \
	    img-pull -R "$root" "127.0.0.1:$port/test/bb:1"
	check_stderr_match 66 'MANIFEST_UNKNOWN|NAME_UNKNOWN' \
	    img-pull -R "$root" "$REG/no/such/repo:1"
	check_eq 0 "$(nentries "$root")" "entries after failures"
	# localhost is loopback too: plain HTTP without --insecure.
	check_exit 0 img-pull -R "$root" "localhost:$REG_PORT/test/bb:1"
	check_eq "$BB_MAN" "$(entry "$root" "localhost:$REG_PORT/test/bb:1" \
	    digest)" "entry for localhost"
}
t_case "bad input: usage, references, -j, options (64); 69; 66; localhost" \
    bad_input

berth_root() {
	test ! -e "$BERTH_ROOT" || rm -rf "$BERTH_ROOT"
	check_exit 0 img-pull "$REG/test/bb:1"
	pulled_ok "$BERTH_ROOT" "$REG/test/bb:1" "$BB_MAN" "$T/bb.json"
	# -R wins over BERTH_ROOT.
	root=$(newroot)
	check_exit 0 img-pull -R "$root" "$REG/test/bb2:1"
	pulled_ok "$root" "$REG/test/bb2:1" "$BB2_MAN" "$T/bb2.json"
	check_eq "1 entries" "$(entry "$BERTH_ROOT" "$REG/test/bb:1" digest |
	    sed 's/^sha256:.*/1 entries/')" "BERTH_ROOT entries"
	check_eq 1 "$(nentries "$BERTH_ROOT")" "entries under BERTH_ROOT"
}
t_case "BERTH_ROOT is the root without -R; -R wins" berth_root

# Progress goes to a terminal only (script(1) provides one).
progress_tty() {
	command -v script >/dev/null 2>&1 || t_skip_case "needs script(1)"
	root=$(newroot)
	check_exit 0 img-pull -R "$root" "$REG/test/bb:1"
	if grep -q 'blobs' "$T_STDERR"; then
		fail "progress on a stderr that is not a terminal"
	fi
	root=$(newroot)
	script -qec "img-pull -R '$root' '$REG/test/bb:1'" /dev/null \
	    >"$T/tty.$$" </dev/null
	check_grep 'pulling: 2/2 blobs' "$T/tty.$$"
	root=$(newroot)
	script -qec "img-pull -q -R '$root' '$REG/test/bb:1'" /dev/null \
	    >"$T/tty.$$" </dev/null
	if grep -q 'blobs' "$T/tty.$$"; then
		fail "progress with -q"
	fi
}
t_case "progress line on a terminal only, not with -q" progress_tty

t_done
