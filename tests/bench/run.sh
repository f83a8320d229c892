#!/bin/bash
# `make bench`: decompression and CRC-32 throughput on an initramfs-like
# corpus (see docs/benchmarks.md). Builds, once, in build/cache/bench/:
#   corpus.cpio   newc archive: modules of Debian's linux-image-*-amd64
#                 package (fetched with apt-get download, unpacked with
#                 dpkg-deb, nothing installed), busybox, shared libraries
#   corpus.cpio.gz6 / .gz9   gzip -6 / -9
#   corpus.cpio.zst3 / .zst19  zstd -3 / -19
# then runs tests/bench/bench_inflate on each gzip file and
# tests/bench/bench_kernel_zstd (the kernel's zstd against libzstd) on each
# zstd file. BENCH_RUNS (default 11)
# interleaved rounds; BENCH_MB caps the corpus size (default 140).
set -eu
cd "$(dirname "$0")/../.."
cache=build/cache/bench
mkdir -p "$cache"
runs=${BENCH_RUNS:-11}
target_mb=${BENCH_MB:-140}

if [ ! -s "$cache/corpus.cpio" ]; then
	root="$cache/root"
	rm -rf "$root"
	mkdir -p "$root/lib/modules" "$root/bin" "$root/usr/lib"
	if [ ! -d "$cache/kernel/lib/modules" ]; then
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
		if [ -n "$pkg" ] && (cd "$cache" && apt-get download "$pkg" >/dev/null 2>&1); then
			rm -rf "$cache/kernel"
			dpkg-deb -x "$cache"/"$pkg"_*.deb "$cache/kernel"
		else
			echo "bench: could not fetch $pkg; corpus without kernel modules" >&2
		fi
	fi
	budget=$(( target_mb * 1024 * 1024 ))
	# busybox and shared libraries (~25%), then modules up to the budget
	cp /bin/busybox "$root/bin/"
	used=$(stat -c %s /bin/busybox)
	libcap=$(( budget / 4 ))
	for f in /usr/lib/x86_64-linux-gnu/*.so*; do
		[ -f "$f" ] && [ ! -L "$f" ] || continue
		s=$(stat -c %s "$f")
		[ $(( used + s )) -le "$libcap" ] || continue
		cp "$f" "$root/usr/lib/"
		used=$(( used + s ))
	done
	if [ -d "$cache/kernel/lib/modules" ]; then
		while IFS= read -r f; do
			s=$(stat -c %s "$f")
			[ $(( used + s )) -le "$budget" ] || continue
			rel=${f#"$cache"/kernel/}
			mkdir -p "$root/$(dirname "$rel")"
			cp "$f" "$root/$rel"
			used=$(( used + s ))
		done < <(find "$cache/kernel/lib/modules" -type f -name '*.ko*' | sort)
	fi
	# top up with more libraries if the modules were missing or short
	for f in /usr/lib/x86_64-linux-gnu/*/*.so* /usr/lib/gcc/x86_64-linux-gnu/*/*; do
		[ -f "$f" ] && [ ! -L "$f" ] || continue
		s=$(stat -c %s "$f")
		[ $(( used + s )) -le "$budget" ] || continue
		mkdir -p "$root/usr/lib/extra"
		cp "$f" "$root/usr/lib/extra/$(echo "$f" | tr / _)"
		used=$(( used + s ))
	done
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$cache/corpus.cpio"
	rm -rf "$root"
fi
for l in 6 9; do
	[ -s "$cache/corpus.cpio.gz$l" ] || gzip -"$l" -n -c "$cache/corpus.cpio" > "$cache/corpus.cpio.gz$l"
done
for l in 3 19; do
	[ -s "$cache/corpus.cpio.zst$l" ] ||
		zstd -q -T0 -"$l" -c "$cache/corpus.cpio" > "$cache/corpus.cpio.zst$l.tmp" &&
		mv "$cache/corpus.cpio.zst$l.tmp" "$cache/corpus.cpio.zst$l"
done

b=build/bench
mkdir -p "$b"
${CC:-cc} -std=c11 -O2 -g -D_GNU_SOURCE -Iinclude -Icli -Itests/lib tests/bench/bench_inflate.c cli/thread_helper.c \
	build/host/libinitstack.a -lz -ldeflate -lisal -lpthread -o "$b/bench_inflate"
${CC:-cc} -std=c11 -O2 -g -D_GNU_SOURCE -Iinclude -Idecoders/kernel tests/bench/bench_kernel_zstd.c \
	build/host/libinitstack-kernel.a build/host/libinitstack.a -lzstd -o "$b/bench_kernel_zstd"
echo "corpus: $(stat -c %s "$cache/corpus.cpio") bytes newc ($(find "$cache/corpus.cpio" -printf '%TY-%Tm-%Td'))," \
	"modules from $(ls "$cache"/*.deb 2>/dev/null | xargs -r -n1 basename | head -1)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
for l in 6 9; do
	echo
	echo "== gzip -$l: $(stat -c %s "$cache/corpus.cpio.gz$l") bytes"
	"$b/bench_inflate" "$cache/corpus.cpio.gz$l" "$cache/corpus.cpio" "$runs"
done
for l in 3 19; do
	echo
	echo "== zstd -$l: $(stat -c %s "$cache/corpus.cpio.zst$l") bytes"
	"$b/bench_kernel_zstd" "$cache/corpus.cpio.zst$l" "$cache/corpus.cpio" "$runs"
done
