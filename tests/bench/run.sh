#!/bin/bash
# `make bench`: decompression and CRC-32 throughput on an initramfs-like
# corpus (see docs/benchmarks.md), built once by tests/bench/corpus.sh;
# runs tests/bench/bench_inflate on each gzip file and
# tests/bench/bench_kernel_zstd (the kernel's zstd against libzstd) on each
# zstd file. BENCH_RUNS (default 11)
# interleaved rounds.
set -eu
cd "$(dirname "$0")/../.."
cache=build/cache/bench
mkdir -p "$cache"
runs=${BENCH_RUNS:-11}

bash tests/bench/corpus.sh

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
