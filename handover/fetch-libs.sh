#!/bin/sh
# Unpack Debian's static compression libraries for another architecture
# into the cache, for the cross build of the static handover
# (handover/handover.mk): the -dev packages of zlib, zstd, xz, bzip2, lz4
# and lzo2 for ARCH, their headers and .a files. Never installed:
# `apt-get download` after `dpkg --add-architecture ARCH` (and `apt-get
# update` when the lists lack them, which needs root). Idempotent, safe
# against concurrent runs.
#
#   handover/fetch-libs.sh ARCH DIR    e.g. arm64 /var/tmp/initstack-cache/handover-libs-arm64
set -eu
ARCH=${1:?usage: fetch-libs.sh ARCH DIR}
DIR=${2:?usage: fetch-libs.sh ARCH DIR}
PKGS="zlib1g-dev libzstd-dev liblzma-dev libbz2-dev liblz4-dev liblzo2-dev"
[ -f "$DIR/.complete" ] && exit 0
log() { echo "handover libraries for $ARCH: $*" >&2; }
mkdir -p "$(dirname "$DIR")"
(
	flock 9
	[ -f "$DIR/.complete" ] && exit 0
	tmp=$DIR.tmp
	rm -rf "$tmp" && mkdir -p "$tmp/dl"
	cd "$tmp/dl"
	specs=$(for p in $PKGS; do printf '%s:%s ' "$p" "$ARCH"; done)
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
	for deb in *.deb; do dpkg-deb -x "$deb" "$tmp"; done
	for a in libz libzstd liblzma libbz2 liblz4 liblzo2; do
		ls "$tmp"/usr/lib/*/"$a.a" >/dev/null 2>&1 || { log "$a.a missing"; exit 1; }
	done
	ls *.deb >"$tmp/.complete"
	cd / && rm -rf "$tmp/dl" "$DIR" && mv "$tmp" "$DIR"
) 9>"$DIR.lock"
