#!/bin/bash
# initstack.efi booting Debian's kernel under OVMF: stacks, deferred
# archives, faults, and systemd-boot as a peer on the same entry.
. "$(dirname "$0")/lib.sh"

if ! why=$(boot_prereqs); then
	notok "efi boots: $why"
	exit 0
fi
[ -s "$EFI_IMAGE" ] || { notok "efi boots: $EFI_IMAGE not built (make efi)"; exit 0; }
[ -f "$OVMF_CODE" ] || { notok "efi boots: no OVMF (tests/deps.sh installs ovmf)"; exit 0; }
if ! K=$(fetch_kernel) || [ ! -f "$K" ]; then
	notok "efi boots: no kernel (Debian's linux-image package could not be fetched)"
	exit 0
fi
I=$INITSTACK
BEGIN=@@INITSTACK-DUMP-BEGIN@@
END=@@INITSTACK-DUMP-END@@

# An /init that reports what the boot tests look at, then powers off.
cat >"$T/init" <<'SH'
#!/bin/busybox sh
/bin/busybox echo "@@INIT@@ order=$(/bin/busybox cat /order 2>/dev/null) rdinit-args=$*"
for f in /a /b /c /kernel/x /.initstack/manifest; do
	[ -e "$f" ] && /bin/busybox echo "@@HAS@@ $f"
done
for f in /.initstack/deferred/*; do
	[ -f "$f" ] && /bin/busybox echo "@@DEFERRED@@ ${f##*/} $(/bin/busybox sha256sum < "$f" | /bin/busybox cut -d' ' -f1)"
done
[ -f /.initstack/manifest ] && /bin/busybox sed 's/^/@@MANIFEST@@ /' /.initstack/manifest
/bin/busybox poweroff -f
SH
printf 'dir bin 0755 0 0\nfile bin/busybox /bin/busybox 0755 0 0\nfile init %s 0755 0 0\n' "$T/init" >"$T/base.list"
$I build --mtime 0 -o "$T/base.cpio" --list "$T/base.list"

for x in A B C; do echo "$x" >"$T/order-$x"; done
list_archive a.cpio "file order $T/order-A 0644 0 0\nfile a $T/order-A 0644 0 0\n"
list_archive b.cpio "file order $T/order-B 0644 0 0\nfile b $T/order-B 0644 0 0\n"
list_archive c.cpio "file order $T/order-C 0644 0 0\nfile c $T/order-C 0644 0 0\n"
list_archive evil.cpio "dir kernel 0755 0 0\nfile kernel/x $T/order-A 0644 0 0\n"

# esp NAME ENTRY-TEXT FILES...: an ESP with the loader, the kernel, the files
esp() {
	local d=$T/$1
	shift
	make_esp "$d" "$EFI_IMAGE"
	cp "$K" "$d/boot/vmlinuz"
	printf '%b' "$1" >"$d/EFI/BOOT/initstack.conf"
	shift
	for f in "$@"; do cp "$T/$f" "$d/boot/$f"; done
	echo "$d"
}
OPTS='options console=ttyS0 panic=-1 loglevel=4\n'

# 1. three archives in order: the last one's /order wins, all files are there
d=$(esp plain "title three\nlinux /boot/vmlinuz\ninitrd /boot/base.cpio\ninitrd /boot/a.cpio\ninitrd /boot/b.cpio\ninitrd /boot/c.cpio\n$OPTS" base.cpio a.cpio b.cpio c.cpio)
boot_efi "$d" "$T/plain.log"
check "plain stack: the loader starts the kernel with the stack" grep -qa "initstack: starting /boot/vmlinuz with 4 archives" "$T/plain.log"
check "plain stack: the kernel took the initrd through LoadFile2" grep -qa "Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID" "$T/plain.log"
n=$(sed -n 's/.*initstack: starting .* initrd \([0-9]*\) bytes.*/\1/p' "$T/plain.log" | head -n 1)
check "plain stack: the loader says it copied the whole initrd through LoadFile2" \
	grep -qaE "initstack: LoadFile2: ${n:-none} bytes to the kernel in [0-9]+ ms" "$T/plain.log"
check "plain stack: archives unpacked in order (the last /order wins)" grep -qa "@@INIT@@ order=C" "$T/plain.log"
check "plain stack: every archive's own file is there" \
	sh -c "grep -qa '@@HAS@@ /a' '$T/plain.log' && grep -qa '@@HAS@@ /b' '$T/plain.log' && grep -qa '@@HAS@@ /c' '$T/plain.log'"

# 2. a deferred archive: present as an opaque file, not unpacked
gzip -n -c "$T/evil.cpio" >"$T/distro.img"
d=$(esp deferred "title deferred\nlinux /boot/vmlinuz\ninitrd /boot/base.cpio\ndefer /boot/distro.img\n${OPTS}options rdinit=/init\n" base.cpio distro.img)
boot_efi "$d" "$T/deferred.log"
sum=$(sha256sum <"$T/distro.img" | cut -d' ' -f1)
size=$(stat -c %s "$T/distro.img")
check "deferred: its bytes are /.initstack/deferred/01-distro.img" grep -qa "@@DEFERRED@@ 01-distro.img $sum" "$T/deferred.log"
check "deferred: the kernel did not unpack it (/kernel/x absent)" sh -c "! grep -qa '@@HAS@@ /kernel/x' '$T/deferred.log'"
check "deferred: the manifest names it with size, digest and compression" \
	grep -qa "@@MANIFEST@@ deferred 01-distro.img $size $sum gzip" "$T/deferred.log"
check "deferred: the manifest carries the policy" grep -qa "@@MANIFEST@@ protect /kernel" "$T/deferred.log"

# 3. faults: each says what and where, then the loader gives control back
fault() {
	local name=$1 entry=$2 want=$3 until=$4
	shift 4
	d=$(esp "$name" "$entry" "$@")
	boot_efi "$d" "$T/$name.log" "$until"
	local rc=$?
	if tr -d '\r' <"$T/$name.log" | grep -qF -- "$want"; then
		ok "fault $name: says \"$want\""
	else
		notok "fault $name: says \"$want\""
		tr -d '\r' <"$T/$name.log" | grep -a initstack | head -5 | sed 's/^/    /'
	fi
	check "fault $name: ends within the timeout" test "$rc" != 124
}
fault missing "linux /boot/vmlinuz\ninitrd /boot/base.cpio\ninitrd /boot/nope.cpio\n" \
	"initstack: error: /EFI/BOOT/initstack.conf:3: /boot/nope.cpio: cannot open: not found" \
	"initstack: returning to the firmware" base.cpio
head -c 200 "$T/a.cpio" >"$T/trunc.cpio"
fault truncated "linux /boot/vmlinuz\ninitrd /boot/trunc.cpio\nloader-error shutdown\n" \
	"initstack: error: /boot/trunc.cpio: offset 200: truncated in the header of the member at offset 120" \
	"initstack: shutting down" trunc.cpio
fault entry "linux /boot/vmlinuz\ninitrdd /boot/base.cpio\n" \
	'initstack: error: /EFI/BOOT/initstack.conf:2: unknown key "initrdd"' \
	"initstack: returning to the firmware"
list_archive dir-order.cpio "dir order 0755 0 0\n"
fault policy "linux /boot/vmlinuz\ninitrd /boot/a.cpio\ninitrd /boot/dir-order.cpio\non-clash error\nloader-error shutdown\n" \
	"initstack: error: the stack breaks the policy (1 error above)" \
	"initstack: shutting down" a.cpio dir-order.cpio
check "fault policy: the event is on the console" \
	grep -qa 'initstack: error: /boot/dir-order.cpio: offset 0: "order": type-change: directory replaces a file from archive 0' "$T/policy.log"
check "fault truncated: loader-error shutdown powers the machine off" grep -qa "initstack: shutting down" "$T/truncated.log"

# 3b. no initstack.conf: the entries of /loader/entries, newest first by
#     the BLS version order (6.1.0-10 before 6.1.0-9); the newest names a
#     digest its archive no longer has, so the loader says so and boots the
#     one before; a *.conf.old is not an entry
d=$(esp fallback "" base.cpio a.cpio b.cpio c.cpio)
rm "$d/EFI/BOOT/initstack.conf"
mkdir -p "$d/loader/entries"
ent() { printf 'title %s\nlinux /boot/vmlinuz\ninitrd /boot/base.cpio\ninitrd /boot/%s\n%bsha256 /boot/%s %s\n' \
	"$1" "$2" "$OPTS" "$2" "$(sha256sum <"$d/boot/$2" | cut -d' ' -f1)" >"$d/loader/entries/$3"; }
ent new b.cpio debian-6.1.0-10-amd64.conf
ent old a.cpio debian-6.1.0-9-amd64.conf
ent stale c.cpio debian-6.1.0-11-amd64.conf.old
printf 'X' | dd of="$d/boot/b.cpio" bs=1 seek=200 conv=notrunc status=none
boot_efi "$d" "$T/fallback.log"
check "fallback: the newest entry is tried first" \
	grep -qa "initstack: /loader/entries/debian-6.1.0-10-amd64.conf: new" "$T/fallback.log"
check "fallback: its flipped byte is refused with the entry's sha256 line" \
	grep -qa "initstack: error: /boot/b.cpio: sha256 .*, but /loader/entries/debian-6.1.0-10-amd64.conf:6 says" "$T/fallback.log"
check "fallback: the loader goes on to the entry before" \
	grep -qa "initstack: trying the next entry, /loader/entries/debian-6.1.0-9-amd64.conf" "$T/fallback.log"
check "fallback: and boots it (its archive's /order)" grep -qa "@@INIT@@ order=A" "$T/fallback.log"
check "fallback: *.conf.old is not an entry" sh -c "! grep -qa 'stale' '$T/fallback.log'"

# 4. the peer: the same BLS entry through systemd-boot and through initstack
#    gives the same tree, and it is the tree `initstack tree` predicts
SDBOOT=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
printf 'dir bin 0755 0 0\nfile bin/busybox /bin/busybox 0755 0 0\nfile init %s 0755 0 0\n' \
	"$BOOT_DIR/dump-init.sh" >"$T/dump.list"
$I build --mtime 0 -o "$T/dump.cpio" --list "$T/dump.list"
# padded to 4 bytes: systemd-boot 252 concatenates initrds without padding, so
# an odd-sized one misaligns the next and the kernel stops there (initstack
# pads each part; see docs/testing.md)
gzip -n -c "$T/b.cpio" >"$T/b.cpio.gz"
pad4 "$T/b.cpio.gz"
bls="title peer\nlinux /boot/vmlinuz\ninitrd /boot/dump.cpio\ninitrd /boot/a.cpio\ninitrd /boot/b.cpio.gz\ninitrd /boot/c.cpio\noptions console=ttyS0 panic=-1 loglevel=4 rdinit=/init\n"
d=$(esp peer-initstack "$bls" dump.cpio a.cpio b.cpio.gz c.cpio)
boot_efi "$d" "$T/peer-initstack.log"
d=$(esp peer-sdboot "$bls" dump.cpio a.cpio b.cpio.gz c.cpio)
cp "$SDBOOT" "$d/EFI/BOOT/BOOTX64.EFI"
rm "$d/EFI/BOOT/initstack.conf"
mkdir -p "$d/loader/entries"
printf 'timeout 0\ndefault peer.conf\n' >"$d/loader/loader.conf"
printf '%b' "$bls" >"$d/loader/entries/peer.conf"
boot_efi "$d" "$T/peer-sdboot.log"
section "$T/peer-initstack.log" "$BEGIN" "$END" | grep -v '^@i ' | sort >"$T/peer-initstack.tree"
section "$T/peer-sdboot.log" "$BEGIN" "$END" | grep -v '^@i ' | sort >"$T/peer-sdboot.tree"
$I tree "$T/dump.cpio" "$T/a.cpio" "$T/b.cpio.gz" "$T/c.cpio" 2>/dev/null | sed 's/ => .*$//' | sort >"$T/peer-model.tree"
check "peer: initstack.efi booted and /init dumped the tree" test -s "$T/peer-initstack.tree"
check "peer: systemd-boot booted and /init dumped the tree" test -s "$T/peer-sdboot.tree"
same "peer: the kernel's tree under systemd-boot = under initstack.efi" "$T/peer-sdboot.tree" "$T/peer-initstack.tree"
same "peer: ... = initstack tree of the same stack" "$T/peer-model.tree" "$T/peer-initstack.tree"

# 5. gzip: decompressed by the loader (the kernel frees an initrd of the
#    decompressed size), and a corrupt one refused before the kernel starts
gzip -n -9 -c "$T/dump.cpio" >"$T/dump.cpio.gz"
d=$(esp gunzip "linux /boot/vmlinuz\ninitrd /boot/dump.cpio.gz\ninitrd /boot/c.cpio\noptions console=ttyS0 panic=-1 rdinit=/init\n" dump.cpio.gz c.cpio)
boot_efi "$d" "$T/gunzip.log"
raw=$(stat -c %s "$T/dump.cpio")
check "gzip: the loader decompressed it" \
	grep -qa "initstack: /boot/dump.cpio.gz: gzip, $(stat -c %s "$T/dump.cpio.gz") bytes decompressed to $raw" "$T/gunzip.log"
total=$(( (raw + 3) / 4 * 4 + $(stat -c %s "$T/c.cpio") ))
check "gzip: the initrd handed over is the decompressed stack ($total bytes)" \
	grep -qa "initrd $total bytes" "$T/gunzip.log"
kib=$(( (total + 4095) / 4096 * 4 ))
check "gzip: the kernel freed an initrd of that size (${kib}K: it got no gzip to inflate)" \
	grep -qa "Freeing initrd memory: ${kib}K" "$T/gunzip.log"
# the figures the boot benchmark reads: ordered phases, and a peak that
# held both the gzip file and what it decoded to (both are counted)
tl=$(tr -d '\r' <"$T/gunzip.log" | sed -n 's/^initstack: timing: files read by \([0-9]*\) ms, decoded by \([0-9]*\) ms, validated by \([0-9]*\) ms; StartImage at \([0-9]*\) ms after the loader started$/\1 \2 \3 \4/p')
check "gzip: the timing line's phases are in order ($tl)" \
	sh -c "set -- $tl; test \$# = 4 && test \$1 -le \$2 && test \$2 -le \$3 && test \$3 -le \$4"
peak=$(tr -d '\r' <"$T/gunzip.log" | sed -n 's/^initstack: memory: peak \([0-9]*\) KiB held by the loader, [0-9]* KiB at StartImage (initrd [0-9]* KiB)$/\1/p')
low=$(( (raw + $(stat -c %s "$T/dump.cpio.gz")) / 1024 ))
check "gzip: the memory line's peak (${peak:-none} KiB) holds the file and its decoded copy (>= $low KiB)" \
	test "${peak:-0}" -ge "$low"
section "$T/gunzip.log" "$BEGIN" "$END" | grep -v '^@i ' | sort >"$T/gunzip.tree"
$I tree "$T/dump.cpio.gz" "$T/c.cpio" 2>/dev/null | sed 's/ => .*$//' | sort >"$T/gunzip-model.tree"
same "gzip: the kernel's tree = initstack tree of the gzip stack" "$T/gunzip-model.tree" "$T/gunzip.tree"
cp "$T/dump.cpio.gz" "$T/corrupt.gz"
printf '\xff\xff\xff\xff' | dd of="$T/corrupt.gz" bs=1 seek=40 conv=notrunc 2>/dev/null
fault corrupt-gzip "linux /boot/vmlinuz\ninitrd /boot/corrupt.gz\nloader-error shutdown\n" \
	"initstack: error: /boot/corrupt.gz: gzip: offset " "initstack: shutting down" corrupt.gz
# decoded as it is read: the same bad stream under a sha256 line of the
# good file is refused for its digest (the whole file is still hashed)
fault tampered-gzip "linux /boot/vmlinuz\ninitrd /boot/corrupt.gz\nsha256 /boot/corrupt.gz $(sha256sum <"$T/dump.cpio.gz" | cut -d' ' -f1)\nloader-error shutdown\n" \
	"initstack: error: /boot/corrupt.gz: sha256 $(sha256sum <"$T/corrupt.gz" | cut -d' ' -f1), but /EFI/BOOT/initstack.conf:3 says" \
	"initstack: shutting down" corrupt.gz

# 5b. zstd and xz under `decompress always`: decoded by the loader with the
#     kernel's own decompressors and handed on decoded
zstd -q -19 -c "$T/dump.cpio" >"$T/dump.cpio.zst"
xz --check=crc32 -c "$T/c.cpio" >"$T/c.cpio.xz"
d=$(esp unzstd "linux /boot/vmlinuz\ninitrd /boot/dump.cpio.zst\ninitrd /boot/c.cpio.xz\ndecompress always\noptions console=ttyS0 panic=-1 rdinit=/init\n" dump.cpio.zst c.cpio.xz)
boot_efi "$d" "$T/unzstd.log"
check "zstd: decompress always decompressed it in the loader" \
	grep -qa "initstack: /boot/dump.cpio.zst: zstd, $(stat -c %s "$T/dump.cpio.zst") bytes decompressed to $raw" "$T/unzstd.log"
check "xz: ... and the xz one" \
	grep -qa "initstack: /boot/c.cpio.xz: xz, $(stat -c %s "$T/c.cpio.xz") bytes decompressed to $(stat -c %s "$T/c.cpio")" "$T/unzstd.log"
check "zstd: the initrd handed over is the decompressed stack ($total bytes)" \
	grep -qa "initrd $total bytes" "$T/unzstd.log"
section "$T/unzstd.log" "$BEGIN" "$END" | grep -v '^@i ' | sort >"$T/unzstd.tree"
same "zstd: the kernel's tree = the tree of the gzip stack" "$T/gunzip-model.tree" "$T/unzstd.tree"
head -c $(( $(stat -c %s "$T/dump.cpio.zst") - 64 )) "$T/dump.cpio.zst" >"$T/trunc.zst"
fault truncated-zstd "linux /boot/vmlinuz\ninitrd /boot/trunc.zst\ndecompress always\nloader-error shutdown\n" \
	"initstack: error: /boot/trunc.zst: zstd member at offset 0: ZSTD-compressed data is truncated" \
	"initstack: shutting down" trunc.zst

# 6. a big gzip archive (dracut's image, one gzip member, tens of MB) as a
#    plain initrd on a machine with two CPUs: the loader decodes the second
#    half of the deflate stream on the other one (MP services), the result
#    (its gzip CRC-32 checked by the loader) is the archive the kernel
#    unpacks, and dracut's /init reaches its shell
if ! DIMG=$(dracut_initrd "$K" "$T/dracut.log"); then
	notok "two cores: no dracut image for $K: $(tail -3 "$T/dracut.log" | tr '\n' ' ')"
	exit 0
fi
cp "$DIMG" "$T/dracut.img"
d=$(esp two-cores "linux /boot/vmlinuz\ninitrd /boot/dracut.img\noptions console=ttyS0 rd.break=cmdline\n" dracut.img)
DPROMPT="cmdline:/#"
BOOT_SMP=2 BOOT_TIMEOUT=240 boot_efi "$d" "$T/two-cores.log" "$DPROMPT"
drc=$?
raw=$(gzip -dc "$T/dracut.img" | wc -c)
check "two cores: the loader decompressed the image" \
	grep -qa "initstack: /boot/dracut.img: gzip, $(stat -c %s "$T/dracut.img") bytes decompressed to $raw" "$T/two-cores.log"
if grep -qa "initstack: /boot/dracut.img: decoded on 2 cores" "$T/two-cores.log"; then
	ok "two cores: the stream's second half was decoded on the other CPU"
else
	notok "two cores: the stream's second half was decoded on the other CPU"
	tr -d '\r' <"$T/two-cores.log" | grep -a '^initstack' | head -5 | sed 's/^/    /'
fi
check "two cores: the initrd handed over is the decompressed image ($raw bytes)" \
	grep -qa "initrd $raw bytes" "$T/two-cores.log"
kib=$(( (raw + 4095) / 4096 * 4 ))
check "two cores: the kernel freed an initrd of the decompressed size (${kib}K)" \
	grep -qa "Freeing initrd memory: ${kib}K" "$T/two-cores.log"
check "two cores: dracut's /init reaches its rd.break=cmdline shell ($DPROMPT)" \
	sh -c "test '$drc' = 0 && tr -d '\r' <'$T/two-cores.log' | grep -qaF '$DPROMPT'"

# 6b. the same image on one CPU: decoded as it is read, so the loader never
#     holds the compressed file beside its decoded copy (up to StartImage);
#     padded with zeros to a sector, as a copy made with dd conv=sync is,
#     which must not hide its ISIZE from the region's guess
cp "$T/dracut.img" "$T/padded.img"
gz=$(stat -c %s "$T/padded.img")
truncate -s $(( gz / 512 * 512 + 512 )) "$T/padded.img"
pad=$(( $(stat -c %s "$T/padded.img") - gz ))
gz=$(stat -c %s "$T/padded.img")
d=$(esp one-core "linux /boot/vmlinuz\ninitrd /boot/padded.img\noptions console=ttyS0 rd.break=cmdline\n" padded.img)
BOOT_TIMEOUT=240 boot_efi "$d" "$T/one-core.log" "initstack: memory:"
check "one core: the loader decoded the image as it read it ($pad bytes of padding passed on)" \
	grep -qa "initstack: /boot/padded.img: gzip, $gz bytes decompressed to $((raw + pad)) as they were read" "$T/one-core.log"
mem=$(tr -d '\r' <"$T/one-core.log" | sed -n 's/^initstack: memory: peak \([0-9]*\) KiB held by the loader, [0-9]* KiB at StartImage (initrd \([0-9]*\) KiB)$/\1 \2/p')
set -- $mem
check "one core: peak memory (${1:-none} KiB) at most the initrd (${2:-none} KiB) + 4 MiB" \
	test -n "${2:-}" -a "${1:-999999999}" -le "$(( ${2:-0} + 4096 ))"
check "one core: which is less than the file and its decoded copy ($(( (gz + raw) / 1024 )) KiB)" \
	test "${1:-999999999}" -lt "$(( (gz + raw) / 1024 ))"
