#!/bin/bash
# manual-esp.sh ROOTDIR VARIANT OUTDIR: an ESP tree for the rootfs that boots
# it through initstack.efi with a boot entry written here by hand, before any
# package writes one: a copy of ROOTDIR/boot/efi, the loader as the
# firmware's default EFI/BOOT/BOOTX64.EFI, and EFI/BOOT/initstack.conf
# beside it (the loader reads that file when started without load options).
# The kernel and Debian's initramfs-tools initrd are the rootfs's, copied
# into /debian/ on the ESP. VARIANT:
#   deferred  kernel-initrd /debian/kernel.cpio (handover and the hook
#             hooks/10-hello), defer the Debian initrd: the kernel runs
#             handover, which runs the hook, unpacks the initrd, execs /init
#   bls       a plain BLS entry: linux, initrd, options; the kernel unpacks
#             the Debian initrd itself, as under systemd-boot
# The binaries come from INITSTACK_BUILD (default: the build/ of this
# checkout): efi-x86_64/initstack.efi, handover/handover, host/initstack.
# OUTDIR is replaced.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/config.sh"

[ $# = 3 ] || { echo "usage: manual-esp.sh ROOTDIR deferred|bls OUTDIR" >&2; exit 2; }
root=$1 variant=$2 out=$3
build=${INITSTACK_BUILD:-$SYS_DIR/../../build}
efi=$build/efi-x86_64/initstack.efi
handover=$build/handover/handover
tool=$build/host/initstack
for f in "$efi" "$handover" "$tool"; do
	[ -f "$f" ] || { echo "manual-esp.sh: $f not built (make all)" >&2; exit 1; }
done

vmlinuz=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -1)
kver=${vmlinuz##*/vmlinuz-}
initrd=$root/boot/initrd.img-$kver
[ -f "$initrd" ] || { echo "manual-esp.sh: no $initrd" >&2; exit 1; }
options=$(cat "$root/etc/kernel/cmdline")

rm -rf "$out.tmp"
mkdir -p "$out.tmp"
cp -a "$root/boot/efi/." "$out.tmp/"
mkdir -p "$out.tmp/EFI/BOOT" "$out.tmp/debian"
cp "$efi" "$out.tmp/EFI/BOOT/BOOTX64.EFI"
cp "$vmlinuz" "$initrd" "$out.tmp/debian/"
digest() { sha256sum "$1" | cut -d' ' -f1; }

conf=$out.tmp/EFI/BOOT/initstack.conf
case $variant in
deferred)
	# the hook is a static C program: at hook time the rootfs has no shell.
	# --mtime 0: the same binaries give the same archive, so the same ESP
	# and run.sh's cached image is reused
	hook=$out.tmp.hook/10-hello
	mkdir -p "${hook%/*}"
	gcc -static -O2 -o "$hook" "$SYS_DIR/hooks/10-hello.c"
	"$tool" build --kernel-archive --mtime 0 --handover "$handover" --hook "$hook" \
		-o "$out.tmp/debian/kernel.cpio"
	rm -rf "$out.tmp.hook"
	cat >"$conf" <<CONF
# written by tests/system/manual-esp.sh: the kernel camp's archive, then the
# Debian initrd deferred to handover
title          Debian GNU/Linux 12 (initstack system test, deferred)
version        $kver
linux          /debian/vmlinuz-$kver
kernel-initrd  /debian/kernel.cpio
defer          /debian/initrd.img-$kver
options        $options
sha256         /debian/kernel.cpio $(digest "$out.tmp/debian/kernel.cpio")
sha256         /debian/initrd.img-$kver $(digest "$initrd")
${SYS_ENTRY_EXTRA:-}
CONF
	;;
bls)
	cat >"$conf" <<CONF
# written by tests/system/manual-esp.sh: plain BLS, as systemd-boot reads it
title          Debian GNU/Linux 12 (initstack system test, BLS)
version        $kver
linux          /debian/vmlinuz-$kver
initrd         /debian/initrd.img-$kver
options        $options
${SYS_ENTRY_EXTRA:-}
CONF
	;;
*) echo "manual-esp.sh: variant is deferred or bls, not $variant" >&2; exit 2 ;;
esac

rm -rf "$out"
mv "$out.tmp" "$out"
sys_log "ESP $out ($variant):"
sed 's/^/#   /' "$out/EFI/BOOT/initstack.conf" >&2
