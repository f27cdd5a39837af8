# shellcheck shell=sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Sourced helpers for tests that need real ZFS: a file-backed pool on
# zfs-fuse, with a unique name, destroyed again by the caller's cleanup.
#
#	. "$TOP/tests/tools/zfs-pool.sh"
#	zfs_pool_create "$T" 512M || exit 1	# sets ZPOOL, ZPOOL_FILE
#	...
#	zfs_pool_destroy "$ZPOOL" "$ZPOOL_FILE"
#
# With tests/integration/lib.sh loaded, zfs_pool_create registers the
# destroy with t_cleanup_add itself.  The zfs-fuse daemon is started when
# none runs and left running afterwards: other tests may be using it.
# Names starting with _zp_ are private.

# zfs_available: true if zfs-fuse (or a native ZFS) can be used here.
zfs_available() {
	command -v zpool >/dev/null 2>&1 && command -v zfs >/dev/null 2>&1 ||
	    return 1
	test "$(id -u)" -eq 0 || return 1
	zfs_daemon_start >/dev/null 2>&1
}

# zfs_daemon_start: start zfs-fuse unless zpool(8) already answers.
zfs_daemon_start() {
	zpool list >/dev/null 2>&1 && return 0
	if ! pgrep -x zfs-fuse >/dev/null 2>&1; then
		command -v zfs-fuse >/dev/null 2>&1 || {
			echo "zfs_daemon_start: no zfs-fuse and no ZFS" >&2
			return 1
		}
		test -e /dev/fuse || {
			echo "zfs_daemon_start: no /dev/fuse" >&2
			return 1
		}
		# A pidfile left by a dead daemon makes zfs-fuse refuse to start.
		_zp_pid="${TMPDIR:-/tmp}/zfs-fuse.pid"
		rm -f "$_zp_pid"
		zfs-fuse --pidfile "$_zp_pid" || return 1
	fi
	_zp_n=0
	while ! zpool list >/dev/null 2>&1; do
		_zp_n=$((_zp_n + 1))
		if test "$_zp_n" -gt 100; then
			echo "zfs_daemon_start: zfs-fuse does not answer" >&2
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# _zp_retry TRIES CMD...: run CMD until it succeeds, retrying while it
# says "busy" (zfs-fuse does for a moment after mounts and unmounts).
_zp_retry() {
	_zp_tries=$1
	shift
	_zp_i=0
	while :; do
		if _zp_out=$("$@" 2>&1); then
			return 0
		fi
		_zp_i=$((_zp_i + 1))
		case $_zp_out in
		*busy*)
			if test "$_zp_i" -lt "$_zp_tries"; then
				sleep 0.2
				continue
			fi;;
		esac
		printf '%s: %s\n' "$*" "$_zp_out" >&2
		return 1
	done
}

# zfs_pool_create DIR [SIZE]: make DIR/zpool-NAME.img of SIZE (default
# 512M) and a pool NAME on it with mountpoint none; NAME is unique
# (berthtest<pid><random>).  Sets ZPOOL and ZPOOL_FILE.
zfs_pool_create() {
	zfs_daemon_start || return 1
	ZPOOL="berthtest$$$(od -An -N3 -tu4 /dev/urandom | tr -d ' ')"
	ZPOOL_FILE="$1/zpool-$ZPOOL.img"
	truncate -s "${2:-512M}" "$ZPOOL_FILE" || return 1
	if ! _zp_retry 5 zpool create -m none "$ZPOOL" "$ZPOOL_FILE"; then
		rm -f "$ZPOOL_FILE"
		return 1
	fi
	if command -v t_cleanup_add >/dev/null 2>&1; then
		t_cleanup_add zfs_pool_destroy "$ZPOOL" "$ZPOOL_FILE"
	fi
	return 0
}

# zfs_pool_destroy NAME [FILE]: destroy the pool (retrying while busy,
# forcing unmounts) and remove its file.
zfs_pool_destroy() {
	if zpool list "$1" >/dev/null 2>&1; then
		_zp_retry 50 zpool destroy -f "$1" || return 1
	fi
	test -z "${2:-}" || rm -f "$2"
	return 0
}
