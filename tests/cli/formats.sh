#!/bin/bash
# `initstack check|tree|list` read the kernel's archives as initstack.efi
# does (whole, with the kernel's own decompressors for every format but
# gzip), so they accept exactly what the loader and the kernel accept. The
# images are laid out as initramfs-tools and dracut lay them out on a
# machine with microcode: an uncompressed early cpio (GNU cpio) holding
# kernel/x86/microcode/GenuineIntel.bin, then the main archive compressed
# by the real tool.
. "$(dirname "$0")/../sh/lib.sh"
I=$INITSTACK

has() {
	if grep -qxF -- "$3" "$2"; then ok "$1"; else notok "$1"; echo "    wanted: $3"; sed 's/^/    got: /' "$2" | head -8; fi
}

mkdir -p "$T/early/kernel/x86/microcode" "$T/main/bin" "$T/main/etc"
head -c 30000 /dev/urandom >"$T/early/kernel/x86/microcode/GenuineIntel.bin"
seq 1 20000 >"$T/main/etc/numbers"
head -c 70000 /dev/urandom >"$T/main/bin/blob"
printf '#!/bin/sh\n' >"$T/main/init"
chmod 755 "$T/main/init"
newc() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet); }
newc "$T/early" >"$T/early.cpio"
newc "$T/main" >"$T/main.cpio"
cat "$T/early.cpio" "$T/main.cpio" >"$T/plain.img"
$I tree "$T/plain.img" >"$T/plain.tree" || notok "tree: the uncompressed image"
early_len=$(stat -c %s "$T/early.cpio")

# The compressions the kernel accepts, with the options the initramfs
# tools use (initramfs-tools: xz --check=crc32, lz4 -l; dracut the same).
while read -r name cmd; do
	$cmd <"$T/main.cpio" >"$T/main.z"
	cat "$T/early.cpio" "$T/main.z" >"$T/img"
	expect_exit "check: microcode + $name: clean" 0 $I check "$T/img"
	has "check: microcode + $name: ... and says so" "$T/out" "1 archive: 0 errors, 0 warnings"
	$I tree "$T/img" >"$T/tree" 2>"$T/err"
	same "tree: microcode + $name: the tree of the uncompressed image" "$T/plain.tree" "$T/tree"
	$I list "$T/img" >"$T/out" 2>&1
	has "list: microcode + $name: the member after the early run" "$T/out" \
		"$T/img: segment 1: $name at offset $early_len"
done <<'EOF'
gzip gzip -n -9
zstd zstd -q -19
xz xz --check=crc32
lzma lzma
bzip2 bzip2
lz4 lz4 -q -l
lzo lzop
EOF

# What the kernel refuses, the tool refuses, with the kernel's words.
xz <"$T/main.cpio" >"$T/main.xz64"
cat "$T/early.cpio" "$T/main.xz64" >"$T/xz64.img"
expect_exit "check: xz with its default CRC64 check exits 2" 2 $I check "$T/xz64.img"
has "check: ... with the kernel's xz message" "$T/err" \
	"initstack: $T/xz64.img: xz member at offset $early_len: Input was encoded with settings that are not supported by this XZ decoder"

zstd -q -19 <"$T/main.cpio" >"$T/main.zst"
cat "$T/early.cpio" "$T/main.zst" >"$T/zst.img"
size=$(stat -c %s "$T/zst.img")
head -c $((size - 100)) "$T/zst.img" >"$T/trunc.img"
expect_exit "check: a truncated zstd member exits 2" 2 $I check "$T/trunc.img"
has "check: ... as the kernel says it" "$T/err" \
	"initstack: $T/trunc.img: zstd member at offset $early_len: ZSTD-compressed data is truncated"
cp "$T/zst.img" "$T/flip.img"
# the byte's complement: writing 0xff changed nothing where the (random)
# data already had one there, and the check then rightly passed
at=$((early_len + 500))
byte=$(od -An -tu1 -j "$at" -N1 "$T/flip.img" | tr -d ' ')
printf "\\$(printf '%03o' $((255 - byte)))" | dd of="$T/flip.img" bs=1 seek="$at" conv=notrunc status=none
expect_exit "check: a corrupt zstd member exits 2" 2 $I check "$T/flip.img"
has "check: ... as the kernel says it" "$T/err" \
	"initstack: $T/flip.img: zstd member at offset $early_len: ZSTD-compressed data is corrupt"

# A deferred archive is unpacked by the handover, in chunks, with Debian's
# libraries held to the kernel's rules: the same refusal, located.
xz <"$T/main.cpio" >"$T/deferred.xz"
expect_exit "check: a deferred xz with CRC64 exits 2" 2 $I check --deferred "$T/deferred.xz"
has "check: ... with the offset of the check type" "$T/err" \
	"initstack: $T/deferred.xz: xz member at offset 0: offset 7: check type CRC64: the kernel's xz decoder accepts only CRC32 or none (xz --check=crc32)"

# Read from a pipe, the file is read whole all the same.
$I tree <(cat "$T/zst.img") >"$T/tree" 2>"$T/err"
same "tree: an image from a pipe" "$T/plain.tree" "$T/tree"

# Legacy lz4 has no end marker: with a file after it, the loader adds a zero
# chunk size, and check says so; last in the stack, nothing to say.
lz4 -q -l <"$T/main.cpio" >"$T/main.lz4"
expect_exit "check: an lz4 image before another file is clean" 0 $I check "$T/main.lz4" "$T/early.cpio"
has "check: ... with a note that the loader ends the lz4 stream" "$T/out" \
	"note: $T/main.lz4: its legacy lz4 stream runs to the end of the file: initstack.efi ends it with 4 NUL bytes (concatenated as systemd-boot does, the kernel would decode the next file as lz4 chunks)"
expect_exit "check: an lz4 image last in the stack" 0 $I check "$T/early.cpio" "$T/main.lz4"
check "check: ... has nothing to note" sh -c "! grep -q '^note:' '$T/out'"
