#!/bin/bash
# The benchmark corpus, built once into build/cache/bench/ (shared by
# `make bench` and `make bench-boot`; see docs/benchmarks.md):
#   corpus.cpio   newc archive: modules of Debian's linux-image-*-amd64
#                 package (fetched with apt-get download, unpacked with
#                 dpkg-deb, nothing installed), busybox, shared libraries
#   corpus.cpio.gz6 / .gz9   gzip -6 / -9
#   corpus.cpio.zst3 / .zst19  zstd -3 / -19
# BENCH_MB caps the corpus size (default 140).
set -eu
cd "$(dirname "$0")/../.."
cache=build/cache/bench
mkdir -p "$cache"
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
	# through .tmp, as below: an interrupted run must not leave a short
	# corpus that the next one takes for whole
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$cache/corpus.cpio.tmp"
	mv "$cache/corpus.cpio.tmp" "$cache/corpus.cpio"
	rm -rf "$root"
fi
for l in 6 9; do
	if [ ! -s "$cache/corpus.cpio.gz$l" ]; then
		gzip -"$l" -n -c "$cache/corpus.cpio" > "$cache/corpus.cpio.gz$l.tmp"
		mv "$cache/corpus.cpio.gz$l.tmp" "$cache/corpus.cpio.gz$l"
	fi
done
for l in 3 19; do
	if [ ! -s "$cache/corpus.cpio.zst$l" ]; then
		zstd -q -T0 -"$l" -c "$cache/corpus.cpio" > "$cache/corpus.cpio.zst$l.tmp"
		mv "$cache/corpus.cpio.zst$l.tmp" "$cache/corpus.cpio.zst$l"
	fi
done

