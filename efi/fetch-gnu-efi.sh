#!/bin/sh
# Unpack Debian's gnu-efi for another architecture into the cache, for the
# cross build of initstack.efi (efi/efi.mk): headers, crt0, linker script
# and libraries of gnu-efi:ARCH. Never installed: `apt-get download` after
# `dpkg --add-architecture ARCH` (and `apt-get update` when the package
# lists lack it, which needs root). Idempotent, safe against concurrent runs.
#
#   efi/fetch-gnu-efi.sh ARCH DIR     e.g. arm64 /var/tmp/initstack-cache/gnu-efi-arm64
set -eu
ARCH=${1:?usage: fetch-gnu-efi.sh ARCH DIR}
DIR=${2:?usage: fetch-gnu-efi.sh ARCH DIR}
[ -f "$DIR/.complete" ] && exit 0
log() { echo "gnu-efi:$ARCH: $*" >&2; }
mkdir -p "$(dirname "$DIR")"
(
	flock 9
	[ -f "$DIR/.complete" ] && exit 0
	tmp=$DIR.tmp
	rm -rf "$tmp" && mkdir -p "$tmp/dl"
	cd "$tmp/dl"
	if ! apt-get download "gnu-efi:$ARCH" >&2; then
		if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
			log "adding the $ARCH architecture to dpkg"
			dpkg --add-architecture "$ARCH"
		fi
		log "apt-get download failed; trying apt-get update"
		apt-get -o DPkg::Lock::Timeout=600 update -q >&2
		apt-get download "gnu-efi:$ARCH" >&2
	fi
	deb=$(ls gnu-efi_*_"$ARCH".deb)
	dpkg-deb -x "$deb" "$tmp"
	case $ARCH in
	arm64) efiarch=aarch64 ;;
	*) efiarch=$ARCH ;;
	esac
	for f in usr/include/efi/efi.h "usr/lib/crt0-efi-$efiarch.o" "usr/lib/elf_${efiarch}_efi.lds" \
		usr/lib/libefi.a usr/lib/libgnuefi.a; do
		[ -f "$tmp/$f" ] || { log "$f missing from $deb"; exit 1; }
	done
	echo "$deb" >"$tmp/.complete"
	cd / && rm -rf "$tmp/dl" "$DIR" && mv "$tmp" "$DIR"
) 9>"$DIR.lock"
