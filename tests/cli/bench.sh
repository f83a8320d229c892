#!/bin/bash
# initstack bench: which segments it times, with which decoders, their sizes,
# JSON, and errors. Speeds are printed, never asserted.
. "$(dirname "$0")/../sh/lib.sh"
I=$INITSTACK

# matches NAME FILE ERE: some line of the file matches the whole ERE
matches() {
	if grep -qxE -- "$3" "$2"; then ok "$1"; else notok "$1"; echo "    wanted: $3"; sed 's/^/    got: /' "$2" | head -12; fi
}

mkdir -p "$T/r/usr/lib"
cp /bin/sh /bin/ls "$T/r/usr/lib/"
seq 1 20000 >"$T/r/usr/lib/numbers"
$I build --mtime 0 --owner 0:0 -o "$T/a.cpio" "$T/r"
size=$(stat -c %s "$T/a.cpio")
gzip -6 -n -c "$T/a.cpio" >"$T/a.gz"
zstd -q -c "$T/a.cpio" >"$T/a.zst"
xz --check=crc32 -c "$T/a.cpio" >"$T/a.xz"
cat "$T/a.cpio" "$T/a.gz" "$T/a.zst" "$T/a.xz" >"$T/stack.img"
gz=$(stat -c %s "$T/a.gz") zs=$(stat -c %s "$T/a.zst") xzs=$(stat -c %s "$T/a.xz")

expect_exit "bench: a four-segment stack exits 0" 0 $I bench --runs 2 "$T/stack.img"
n='[0-9]+'
matches "bench: the file's size and segment count" "$T/out" "$T/stack.img: $(stat -c %s "$T/stack.img") bytes, 4 segments"
matches "bench: the uncompressed segment is not timed" "$T/out" "  segment 0 at 0: cpio, $n bytes, not compressed"
matches "bench: gzip segment with its sizes" "$T/out" "  segment 1 at $size: gzip, $gz -> $size bytes \([0-9.]+:1\)"
matches "bench: gzip through the loader's contiguous inflate" "$T/out" \
	" +initstack inflate, contiguous \(the loader\) +best +$n MB/s +median +$n MB/s +\([0-9.]+ ms\)"
matches "bench: gzip through the handover's windowed inflate" "$T/out" \
	" +initstack inflate, windowed \(handover, tool\) +best +$n MB/s +median +$n MB/s +\([0-9.]+ ms\)"
matches "bench: zstd segment at its offset" "$T/out" "  segment 2 at $((size + gz)): zstd, $zs -> $size bytes \([0-9.]+:1\)"
matches "bench: zstd through libzstd" "$T/out" " +libzstd \(handover, tool\) +best +$n MB/s .*"
matches "bench: xz through liblzma" "$T/out" " +liblzma \(handover, tool\) +best +$n MB/s .*"
matches "bench: the total" "$T/out" "  decoding every compressed segment once takes [0-9.]+ ms at the best speed \(gzip: the loader's way, on 2 cores from 1 MiB\)"
check "bench: a segment under 1 MiB is not split" bash -c "! grep -q '2 cores  ' '$T/out'"

# From 1 MiB of gzip the loader decodes the second half on a second core too.
mkdir -p "$T/big"
for f in $(find /usr/lib/x86_64-linux-gnu -maxdepth 1 -name '*.so*' -type f | sort); do
	cp "$f" "$T/big/"
	[ "$(du -sb "$T/big" | cut -f1)" -lt 8000000 ] || break
done
$I build --mtime 0 --owner 0:0 -o "$T/big.cpio" "$T/big"
gzip -1 -n -c "$T/big.cpio" >"$T/big.gz"
check "bench: the big member is over 1 MiB" test "$(stat -c %s "$T/big.gz")" -ge 1048576
expect_exit "bench: a big gzip member exits 0" 0 $I bench --runs 2 "$T/big.gz"
matches "bench: ... and is decoded on 2 cores too" "$T/out" \
	" +initstack inflate, contiguous on 2 cores +best +$n MB/s +median +$n MB/s +\([0-9.]+ ms\)"

expect_exit "bench: --json exits 0" 0 $I bench --runs 1 --json "$T/stack.img" "$T/a.gz"
check "bench: --json is JSON with both files, segments and results" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["runs"] == 1 and len(d["files"]) == 2
s = d["files"][0]["segments"]
assert [x["compression"] for x in s] == ["cpio", "gzip", "zstd", "xz"]
assert s[0]["results"] == [] and len(s[1]["results"]) == 2
assert all(x["decoded"] == int(sys.argv[2]) for x in s[1:])
assert all(r["best_mb_s"] > 0 and r["best_ms"] > 0 for x in s for r in x["results"])
assert d["files"][1]["segments"][0]["length"] == int(sys.argv[3])
' "$T/out" "$size" "$gz"

# A flipped byte in the middle of the deflate data: the archive read says where.
cp "$T/a.gz" "$T/bad.gz"
printf '\377\377\377\377' | dd of="$T/bad.gz" bs=1 seek=$((gz / 2)) conv=notrunc status=none
expect_exit "bench: a corrupt gzip member exits 2" 2 $I bench --runs 1 "$T/bad.gz"
matches "bench: ... naming the file and the member" "$T/err" "initstack bench: $T/bad.gz: gzip member at offset 0.*"
expect_exit "bench: a missing file exits 2" 2 $I bench "$T/nonexistent"
matches "bench: ... naming it" "$T/err" "initstack bench: $T/nonexistent: cannot open: No such file or directory"
expect_exit "bench: --runs 0 is a usage error" 64 $I bench --runs 0 "$T/a.gz"
matches "bench: ... saying the range" "$T/err" 'initstack bench: --runs takes a number from 1 to 1000, not "0"'
expect_exit "bench: no file is a usage error" 64 $I bench
