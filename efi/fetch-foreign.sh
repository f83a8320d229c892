#!/bin/sh
# Unpack Debian packages of another architecture into the cache, for the
# cross builds (efi/efi.mk: gnu-efi:arm64; handover/handover.mk: the arm64
# static compression libraries). Never installed: `apt-get download` after
# `dpkg --add-architecture ARCH` (and `apt-get update` when the package
# lists lack them, which needs root). Idempotent, safe against concurrent
# runs; DIR appears whole or not at all.
#
#   efi/fetch-foreign.sh ARCH DIR PKG...    e.g. arm64 /var/tmp/initstack-cache/gnu-efi-arm64 gnu-efi
set -eu
[ $# -ge 3 ] || { echo "usage: fetch-foreign.sh ARCH DIR PKG..." >&2; exit 2; }
ARCH=$1
DIR=$2
shift 2
[ -f "$DIR/.complete" ] && exit 0
log() { echo "$ARCH packages for $DIR: $*" >&2; }
mkdir -p "$(dirname "$DIR")"
(
	flock 9
	[ -f "$DIR/.complete" ] && exit 0
	tmp=$DIR.tmp
	rm -rf "$tmp" && mkdir -p "$tmp/dl"
	cd "$tmp/dl"
	specs=$(for p in "$@"; do printf '%s:%s ' "$p" "$ARCH"; done)
	# shellcheck disable=SC2086 # one word per package
	if ! apt-get download $specs >&2; then
		if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
			log "adding the $ARCH architecture to dpkg"
			dpkg --add-architecture "$ARCH"
		fi
		log "apt-get download failed; trying apt-get update"
		apt-get -o DPkg::Lock::Timeout=600 update -q >&2
		# shellcheck disable=SC2086
		apt-get download $specs >&2
	fi
	for p in "$@"; do
		deb=$(ls "${p}"_*_"$ARCH".deb 2>/dev/null | head -1)
		[ -n "$deb" ] || { log "no $p:$ARCH downloaded"; exit 1; }
		dpkg-deb -x "$deb" "$tmp"
	done
	ls -- *.deb >"$tmp/.complete"
	cd / && rm -rf "$tmp/dl" "$DIR" && mv "$tmp" "$DIR"
) 9>"$DIR.lock"
