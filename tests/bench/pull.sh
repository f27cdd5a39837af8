#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Pull benchmark (issue 2): build an image of at least 150 MB compressed in
# two or more layers from files on this machine, push it to a loopback
# registry, then run, interleaved, ROUNDS times each:
#   img-pull into an empty root,
#   skopeo copy docker://... oci:... into an empty directory,
#   curl of the same blobs (manifest, config, layers) to files, in parallel.
# Prints each run, the medians, the ratios img-pull/skopeo and
# img-pull/curl, and img-pull's peak RSS (targets: <= 0.6x skopeo,
# <= 1.2x curl, <= 64 MiB).
set -eu
ROUNDS=${ROUNDS:-5}
MIN_MB=${MIN_MB:-150}
# shellcheck disable=SC1091
. "$(dirname "$0")/../integration/lib.sh"
t_init
test -x "$TOP/bin/img-pull" || { echo "build first: make" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "need GNU time" >&2; exit 1; }

# Layers from directories of this machine, until MIN_MB compressed.
img="$T/img"
umoci init --layout "$img" >/dev/null
umoci new --image "$img:big" >/dev/null
total=0
n=0
for d in /usr/lib/x86_64-linux-gnu /usr/bin /usr/share /usr/lib /usr/local; do
	test -d "$d" || continue
	tar -C / --numeric-owner --owner=0 --group=0 -cf "$T/layer.tar" \
	    "${d#/}" 2>/dev/null || true
	oci_add_layer "$img" big "$T/layer.tar"
	rm -f "$T/layer.tar"
	n=$((n + 1))
	total=$(jq '[.layers[].size] | add' \
	    "$img/blobs/sha256/${OCI_DIGEST#sha256:}")
	echo "layer $n from $d: total $((total / 1048576)) MiB compressed"
	if test "$n" -ge 2 && test "$total" -ge $((MIN_MB * 1048576)); then
		break
	fi
done
registry_start
push_image "$img:big" "$REG/bench/big:1"
man="$img/blobs/sha256/$(oci_tag_desc "$img" big | jq -r .digest |
    sed 's/^sha256://')"
blobs=$(jq -r '.config.digest, .layers[].digest' "$man")
echo "image: $n layers, $((total / 1048576)) MiB compressed, registry $REG"

now_ms() {
	python3 -c 'import time; print(int(time.monotonic() * 1000))'
}

run_imgpull() {
	rm -rf "$T/r"
	/usr/bin/time -f %M -o "$T/rss" img-pull -q -R "$T/r" \
	    "$REG/bench/big:1" >/dev/null
}

run_skopeo() {
	rm -rf "$T/s"
	mkdir -p "$T/s"
	skopeo --insecure-policy copy -q --src-tls-verify=false \
	    "docker://$REG/bench/big:1" "oci:$T/s:big" >/dev/null
}

run_curl() {
	rm -rf "$T/c"
	mkdir -p "$T/c"
	set -- -s -f -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	    -o "$T/c/manifest" "http://$REG/v2/bench/big/manifests/1"
	for b in $blobs; do
		set -- "$@" -o "$T/c/${b#sha256:}" \
		    "http://$REG/v2/bench/big/blobs/$b"
	done
	curl --no-progress-meter --parallel --parallel-max 4 "$@"
}

median() {
	sort -n | awk '{ a[NR] = $1 } END {
	    if (NR % 2) print a[(NR + 1) / 2];
	    else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

: >"$T/t.img-pull"
: >"$T/t.skopeo"
: >"$T/t.curl"
: >"$T/t.rss"
# One warm-up round each, so that every tool sees a warm page cache.
run_imgpull
run_skopeo
run_curl
i=1
while test "$i" -le "$ROUNDS"; do
	for tool in img-pull skopeo curl; do
		s=$(now_ms)
		case $tool in
		img-pull) run_imgpull; cat "$T/rss" >>"$T/t.rss";;
		skopeo) run_skopeo;;
		curl) run_curl;;
		esac
		e=$(now_ms)
		echo "$((e - s))" >>"$T/t.$tool"
		echo "round $i $tool: $((e - s)) ms"
	done
	i=$((i + 1))
done
mi=$(median <"$T/t.img-pull")
ms=$(median <"$T/t.skopeo")
mc=$(median <"$T/t.curl")
rss=$(sort -n "$T/t.rss" | tail -n 1)
echo "median img-pull: $mi ms"
echo "median skopeo:   $ms ms"
echo "median curl:     $mc ms"
awk -v a="$mi" -v b="$ms" -v c="$mc" 'BEGIN {
    printf "ratio img-pull/skopeo: %.2f (target <= 0.60)\n", a / b
    printf "ratio img-pull/curl:   %.2f (target <= 1.20)\n", a / c }'
echo "img-pull peak RSS: $((rss / 1024)) MiB (target <= 64 MiB)"
