#!/bin/sh
# Fetch parts of Debian's linux-source-6.1 into the cache (never into the
# tree). The set `decompress` (the default): the kernel's decompressors,
# only lib/decompress_{unzstd,unxz,unlzma,bunzip2,unlz4,unlzo}.c, the
# libraries they call (lib/zstd, lib/xz, lib/lz4, lib/lzo, lib/xxhash.c) and
# the include/linux headers that declare them. The set `libfdt`: the kernel's
# copy of libfdt (scripts/dtc/libfdt/) without its libfdt_env.h, which
# includes the C library; efi/libfdt_env.h stands in for it in the EFI
# image. Idempotent and safe against concurrent runs (flock); downloads the
# package with `apt-get download` when the cache has none (`apt-get update`
# first on a machine without package lists).
#
#   decoders/kernel/fetch.sh DIR [SET]   extract SET into DIR (made atomically)
#
# INITSTACK_CACHE is the cache directory (default /var/tmp/initstack-cache),
# as for tests/boot/lib.sh; DIR normally lies inside it.
set -eu
PKG=linux-source-6.1
CACHE=${INITSTACK_CACHE:-/var/tmp/initstack-cache}
DIR=${1:?usage: fetch.sh DIR [decompress|libfdt]}
SET=${2:-decompress}
[ -f "$DIR/.complete" ] && exit 0
mkdir -p "$CACHE" "$(dirname "$DIR")"
log() { echo "linux-source ($SET): $*" >&2; }
top=linux-source-6.1
case $SET in
decompress)
	members="$top/lib/decompress_unzstd.c $top/lib/decompress_unxz.c
		$top/lib/decompress_unlzma.c $top/lib/decompress_bunzip2.c
		$top/lib/decompress_unlz4.c $top/lib/decompress_unlzo.c
		$top/lib/zstd/* $top/lib/xz/* $top/lib/lz4/* $top/lib/lzo/*
		$top/lib/xxhash.c $top/include/linux/zstd*.h $top/include/linux/xz.h
		$top/include/linux/lz4.h $top/include/linux/lzo.h
		$top/include/linux/xxhash.h $top/include/linux/decompress/*
		$top/COPYING $top/Makefile"
	need="lib/decompress_unzstd.c lib/decompress_unxz.c lib/decompress_unlzma.c
		lib/decompress_bunzip2.c lib/decompress_unlz4.c lib/decompress_unlzo.c
		lib/xxhash.c include/linux/xz.h include/linux/zstd.h include/linux/lz4.h
		include/linux/lzo.h include/linux/decompress/mm.h" ;;
libfdt)
	members="$top/scripts/dtc/libfdt/*.c $top/scripts/dtc/libfdt/fdt.h
		$top/scripts/dtc/libfdt/libfdt.h $top/scripts/dtc/libfdt/libfdt_internal.h
		$top/COPYING $top/Makefile"
	need="scripts/dtc/libfdt/fdt_overlay.c scripts/dtc/libfdt/fdt_rw.c
		scripts/dtc/libfdt/fdt_ro.c scripts/dtc/libfdt/libfdt.h" ;;
*) echo "fetch.sh: unknown set $SET" >&2; exit 2 ;;
esac
(
	flock 9
	[ -f "$DIR/.complete" ] && exit 0
	cd "$CACHE"
	deb=$(ls "${PKG}"_*.deb 2>/dev/null | head -1 || true)
	# an installed linux-source-6.1 (a Build-Depends of the Debian package,
	# whose build must not download) is used as it is
	src=/usr/src/$PKG.tar.xz
	[ -z "$deb" ] && [ -f "$src" ] && deb=installed
	if [ -z "$deb" ]; then
		log "downloading $PKG"
		rm -rf dl.src && mkdir dl.src
		if ! (cd dl.src && apt-get download "$PKG" >&2); then
			log "apt-get download $PKG failed; trying apt-get update"
			apt-get -o DPkg::Lock::Timeout=600 update -q >&2
			(cd dl.src && apt-get download "$PKG" >&2)
		fi
		mv dl.src/"${PKG}"_*.deb . && rm -rf dl.src
		deb=$(ls "${PKG}"_*.deb | head -1)
	fi
	from=$deb
	[ "$deb" = installed ] && from=$src
	log "extracting from $from (once; takes a while)"
	tmp=$DIR.tmp
	rm -rf "$tmp" && mkdir -p "$tmp"
	# $members: patterns for tar, not for the shell
	set -f
	# shellcheck disable=SC2086
	if [ "$deb" = installed ]; then cat "$src"; else dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/$PKG.tar.xz; fi | xz -dc |
		tar -x -C "$tmp" --strip-components=1 --wildcards $members
	for f in $need; do
		[ -f "$tmp/$f" ] || { log "$f missing from $deb"; exit 1; }
	done
	echo "$from" >"$tmp/.complete"
	rm -rf "$DIR" && mv "$tmp" "$DIR"
) 9>"$CACHE/.linux-source-$SET.lock"
