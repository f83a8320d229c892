#!/bin/bash
# The peer test on real distribution images: the same plain BLS entry
# (linux, initrd, options) booted by systemd-boot and by initstack.efi gives
# the same tree in the kernel, `initstack tree` predicts it, and `initstack
# check` says what the loader says. The images are what users have:
#   itools-ucode  Debian's initramfs-tools image (COMPRESS=zstd, MODULES=most)
#                 with an early microcode cpio in front, laid out as
#                 initramfs-tools lays it out (GNU cpio, uncompressed)
#   dracut-ucode  dracut's image with its own early microcode cpio
#                 (--early-microcode)
#   itools-C      initramfs-tools images made with each COMPRESS= it supports
#                 (gzip zstd xz lzma bzip2 lz4 lzop; MODULES=list, to keep
#                 them small: the subject is the compression)
#   overlay       itools-zstd and a second initrd (GNU cpio) that makes its
#                 /init a directory: the default policy warns, and the
#                 loader and `initstack check` must print the same warning
# With COMPRESS=lz4 systemd-boot cannot boot the image with anything after
# it (legacy lz4 has no end marker; the kernel decodes the next initrd as
# lz4 chunks); there the test asserts that failure and that initstack.efi
# ends the stream and boots.
# No microcode package is reachable (non-free-firmware), so the microcode
# files are synthetic blobs at the kernel's paths; the kernel's early loader
# ignores what it cannot apply, the layout is the real one.
#
# Every boot appends dump.cpio (tests/boot/dump-init.sh and a static busybox
# under /initstack-dump/) and starts it with rdinit=/initstack-dump/init, so
# the kernel unpacks the distribution's image untouched and /init prints
# the whole tree. Two VMs at a time (one per loader).
#   bash tests/boot/distro.sh [STACK...]     BOOT_KEEP=DIR keeps everything
. "$(dirname "$0")/lib.sh"

BEGIN=@@INITSTACK-DUMP-BEGIN@@
END=@@INITSTACK-DUMP-END@@
COMPRESSIONS="gzip zstd xz lzma bzip2 lz4 lzop"
stacks=${*:-itools-ucode dracut-ucode overlay $(for c in $COMPRESSIONS; do printf 'itools-%s ' "$c"; done)}

if ! why=$(boot_prereqs); then
	notok "distro boots: $why"
	exit 0
fi
[ -s "$EFI_IMAGE" ] || { notok "distro boots: $EFI_IMAGE not built (make efi)"; exit 0; }
[ -f "$OVMF_CODE" ] || { notok "distro boots: no OVMF (tests/deps.sh installs ovmf)"; exit 0; }
if ! K=$(fetch_kernel) || [ ! -f "$K" ]; then
	notok "distro boots: no kernel (Debian's linux-image package could not be fetched)"
	exit 0
fi
I=$INITSTACK
VER=${K##*/vmlinuz-}
SDBOOT=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
BOOT_TIMEOUT=${BOOT_TIMEOUT_DISTRO:-300}

# itools_initrd COMPRESS LOG: an initramfs-tools image for Debian's kernel
# with MODULES=list and no extra modules, compressed by COMPRESS, built once
# by mkinitramfs (its own confdir: the machine's initramfs.conf untouched)
# and cached.
itools_initrd() {
	local c=$1 mlog=$2 img=$CACHE/itools-$1.img-$VER conf=$CACHE/itools-conf
	: >"$mlog"
	[ -s "$img" ] && { echo "$img"; return 0; }
	(
		flock 9 || exit 1
		[ -s "$img" ] && exit 0
		if [ ! -f "$conf/initramfs.conf" ]; then
			rm -rf "$conf.tmp" && cp -a /etc/initramfs-tools "$conf.tmp" &&
				sed -i 's/^MODULES=.*/MODULES=list/' "$conf.tmp/initramfs.conf" &&
				: >"$conf.tmp/modules" && mv "$conf.tmp" "$conf" || exit 1
		fi
		with_kernel "$K" "mkinitramfs -d '$conf' -c $c -o '$img.tmp' '$VER'" && mv "$img.tmp" "$img"
	) 9>"$CACHE/.initramfs.lock" >>"$mlog" 2>&1
	[ -s "$img" ] || return 1
	echo "$img"
}

# dracut_ucode_initrd LOG: dracut's image with --early-microcode over a
# firmware directory holding synthetic Intel and AMD microcode, cached.
dracut_ucode_initrd() {
	local mlog=$1 img=$CACHE/dracut-ucode.img-$VER fw=$CACHE/dracut/fw
	: >"$mlog"
	[ -s "$img" ] && { echo "$img"; return 0; }
	dracut_initrd "$K" "$mlog" >/dev/null || return 1 # fetches dracut-core
	(
		flock 9 || exit 1
		[ -s "$img" ] && exit 0
		mkdir -p "$fw/intel-ucode" "$fw/amd-ucode"
		head -c 20480 /dev/urandom >"$fw/intel-ucode/06-55-04"
		head -c 8192 /dev/urandom >"$fw/amd-ucode/microcode_amd_fam17h.bin"
		d=$CACHE/dracut/root
		with_kernel "$K" "dracutbasedir=$d/usr/lib/dracut $d/usr/bin/dracut --no-hostonly \
			--early-microcode --fwdir '$fw' -m 'base rootfs-block kernel-modules' \
			--kver '$VER' --force '$img.tmp'" && mv "$img.tmp" "$img"
	) 9>"$CACHE/.dracut.lock" >>"$mlog" 2>&1
	[ -s "$img" ] || return 1
	echo "$img"
}

# The early microcode cpio as initramfs-tools' hooks make it: GNU cpio,
# newc, the kernel/x86/microcode directories and the vendor files.
mkdir -p "$T/ucode/kernel/x86/microcode"
head -c 20480 /dev/urandom >"$T/ucode/kernel/x86/microcode/GenuineIntel.bin"
head -c 8192 /dev/urandom >"$T/ucode/kernel/x86/microcode/AuthenticAMD.bin"
(cd "$T/ucode" && find kernel | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) >"$T/ucode.cpio"

# The dump: its busybox beside it, since a distribution's /bin may hold
# another busybox or none.
sed '1s|.*|#!/initstack-dump/busybox sh|; s|^B=/bin/busybox$|B=/initstack-dump/busybox|' \
	"$BOOT_DIR/dump-init.sh" >"$T/dump-init"
grep -qx 'B=/initstack-dump/busybox' "$T/dump-init" || { notok "distro boots: dump-init.sh has no B=/bin/busybox line"; exit 0; }
printf 'dir initstack-dump 0755 0 0\nfile initstack-dump/busybox /bin/busybox 0755 0 0\nfile initstack-dump/init %s 0755 0 0\n' \
	"$T/dump-init" >"$T/dump.list"
$I build --mtime 0 -o "$T/dump.cpio" --list "$T/dump.list"

# image STACK: the stack's initrd file in $T/STACK.img, or fail with a reason
image() {
	local s=$1 src
	case $s in
	itools-ucode)
		src=$(debian_initrd "$K" "$T/$s.mklog") || return 1
		cat "$T/ucode.cpio" "$src" >"$T/$s.img" ;;
	dracut-ucode)
		src=$(dracut_ucode_initrd "$T/$s.mklog") || return 1
		cp "$src" "$T/$s.img" ;;
	overlay)
		# a second initrd over the distribution's image that turns its
		# /init (a file) into a directory: a type change, which the
		# default policy lets through with a warning on both sides
		src=$(itools_initrd zstd "$T/$s.mklog") || return 1
		cp "$src" "$T/$s.img"
		mkdir -p "$T/overlay/init"
		(cd "$T/overlay" && find init | cpio -o -H newc -R 0:0 --reproducible --quiet) >"$T/$s.extra" ;;
	itools-*)
		src=$(itools_initrd "${s#itools-}" "$T/$s.mklog") || return 1
		cp "$src" "$T/$s.img" ;;
	*) echo "unknown stack $s" >"$T/$s.mklog"; return 1 ;;
	esac
	# systemd-boot 252 concatenates initrds without padding: an image whose
	# size is not a multiple of 4 would shift dump.cpio off the kernel's
	# 4-byte grid (docs/testing.md); initstack pads every part itself
	pad4 "$T/$s.img"
}

# esp DIR LOADER: an ESP with the kernel, the image, the dump and one plain
# BLS entry, for initstack.efi (as its entry) or systemd-boot (loader/entries)
esp() {
	local d=$1 loader=$2 s=$3 bls extra=
	[ -f "$T/$s.extra" ] && extra="initrd /boot/extra.cpio\n"
	bls="title $s\nlinux /boot/vmlinuz\ninitrd /boot/distro.img\n${extra}initrd /boot/dump.cpio\noptions console=ttyS0 panic=-1 loglevel=4 rdinit=/initstack-dump/init\n"
	make_esp "$d" "$EFI_IMAGE"
	cp "$K" "$d/boot/vmlinuz"
	cp "$T/$s.img" "$d/boot/distro.img"
	cp "$T/dump.cpio" "$d/boot/dump.cpio"
	[ -z "$extra" ] || cp "$T/$s.extra" "$d/boot/extra.cpio"
	if [ "$loader" = initstack ]; then
		printf '%b' "$bls" >"$d/EFI/BOOT/initstack.conf"
	else
		cp "$SDBOOT" "$d/EFI/BOOT/BOOTX64.EFI"
		mkdir -p "$d/loader/entries"
		printf 'timeout 0\ndefault distro.conf\n' >"$d/loader/loader.conf"
		printf '%b' "$bls" >"$d/loader/entries/distro.conf"
	fi
}

# tree LOG OUT: the dumped tree, sorted, without hard-link lines
tree_of() {
	section "$1" "$BEGIN" "$END" | grep -v '^@i ' | sort >"$2"
}

for s in $stacks; do
	t0=$(date +%s)
	if ! image "$s"; then
		notok "$s: the image could not be made: $(tail -3 "$T/$s.mklog" 2>/dev/null | tr '\n' ' ')"
		continue
	fi
	esp "$T/$s-initstack" initstack "$s"
	esp "$T/$s-sdboot" sdboot "$s"
	boot_efi "$T/$s-initstack" "$T/$s-initstack.log" "$END" &
	p1=$!
	boot_efi "$T/$s-sdboot" "$T/$s-sdboot.log" "$END"
	wait "$p1"
	boot_log "$s: $(stat -c %s "$T/$s.img") bytes, two boots in $(($(date +%s) - t0)) s"
	L=$T/$s-initstack.log
	tree_of "$L" "$T/$s-initstack.tree"
	tree_of "$T/$s-sdboot.log" "$T/$s-sdboot.tree"
	n=$(wc -l <"$T/$s-initstack.tree")
	if has_marker "$L" "$END" && [ "$n" -gt 50 ]; then
		ok "$s: initstack.efi booted it and /init dumped the tree ($n paths)"
	else
		notok "$s: initstack.efi booted it and /init dumped the tree ($n paths)"
		tr -d '\r' <"$L" | grep -a -e '^initstack' -e 'Kernel panic' -e 'Initramfs' | head -8 | sed 's/^/    /'
	fi
	if [ "$s" = itools-lz4 ]; then
		# legacy lz4 has no end marker: systemd-boot concatenates dump.cpio
		# right after it and the kernel's unlz4 reads it as a chunk; the
		# loader ends the stream with a zero chunk size and says so
		check "$s: under systemd-boot the kernel decodes the next initrd as lz4 and fails" \
			sh -c "tr -d '\r' <'$T/$s-sdboot.log' | grep -qa 'Initramfs unpacking failed: Decoding failed'"
		check "$s: initstack.efi ends the lz4 stream where the file ends" \
			sh -c "tr -d '\r' <'$L' | grep -qaxF 'initstack: /boot/distro.img: its legacy lz4 stream runs to the end of the file: 4 NUL bytes end it there (the kernel would decode the next part as lz4 chunks)'"
	else
		check "$s: systemd-boot booted it and /init dumped the tree" has_marker "$T/$s-sdboot.log" "$END"
		same "$s: the kernel's tree under systemd-boot = under initstack.efi" \
			"$T/$s-sdboot.tree" "$T/$s-initstack.tree"
	fi
	files=("$s.img")
	[ -f "$T/$s.extra" ] && files+=("$s.extra")
	files+=(dump.cpio)
	(cd "$T" && "$I" tree "${files[@]}") 2>"$T/$s-model.err" | sed 's/ => .*$//' | sort >"$T/$s-model.tree"
	same "$s: ... = initstack tree of the same files" "$T/$s-model.tree" "$T/$s-initstack.tree"
	# every part validated: nothing passed on unread, nothing refused
	if [ "$s" = overlay ]; then
		check "$s: the loader warns of the type change, and only of it" \
			sh -c "tr -d '\r' <'$L' | grep -a -e '^initstack: warn' -e '^initstack: error' -e 'not validated' |
				grep -qx 'initstack: warn: /boot/extra.cpio: offset 0: \"init\": type-change: directory replaces a file from archive 0'"
	else
		check "$s: the loader validated every part (no warning, no error)" \
			sh -c "! tr -d '\r' <'$L' | grep -a -e '^initstack: warn' -e '^initstack: error' -e 'not validated'"
	fi
	check "$s: the kernel unpacked it without complaint" \
		sh -c "! tr -d '\r' <'$L' | grep -a -e 'Initramfs unpacking failed' -e 'junk within compressed archive'"
	# the same verdict and the same lines from the host tool
	tr -d '\r' <"$L" | grep -a -E '^initstack: (warn|error): ' | sed 's|^initstack: ||; s|/boot/distro.img|IMG|; s|/boot/extra.cpio|EXTRA|; s|/boot/dump.cpio|DUMP|' >"$T/$s-loader.lines"
	(cd "$T" && "$I" check "${files[@]}") >"$T/$s-check.out" 2>&1
	echo "exit $?" >>"$T/$s-check.out"
	grep -E '^(warn|error): ' "$T/$s-check.out" | sed "s|$s.img|IMG|; s|$s.extra|EXTRA|; s|dump.cpio|DUMP|" >"$T/$s-check.lines"
	check "$s: initstack check passes the stack, as the loader did" grep -qx 'exit 0' "$T/$s-check.out"
	same "$s: initstack check prints the loader's lines" "$T/$s-loader.lines" "$T/$s-check.lines"
	case $s in
	*-ucode)
		check "$s: the early microcode is in the kernel's tree" \
			grep -q ' /kernel/x86/microcode/GenuineIntel.bin$' "$T/$s-initstack.tree" ;;
	esac
done
