#!/bin/bash
# Build, once, a Debian 12 root filesystem tree for the system test with
# mmdebstrap, and print its path. The tree is cached in
# $INITSTACK_CACHE/system/rootfs-HASH, HASH covering the recipe (packages,
# mmdebstrap options, sources, hooks with config.sh's identifiers) and
# overlay/, so that any change to what goes in builds a new tree and an
# unchanged one is reused. Concurrent runs wait for each other (flock). The
# tree is built beside its final name and renamed when complete.
#
# The tree is a bootable system: systemd as init, Debian's kernel and its
# initramfs-tools initrd (zstd, MODULES=most) in /boot, /etc/fstab naming
# the ext4 root and the FAT ESP at /boot/efi by the fixed UUIDs of config.sh
# (disk.sh makes the filesystems with them), /etc/kernel/cmdline, and the
# test unit initstack-marker.service that reports on ttyS0 and powers off.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/config.sh"

# amd64-microcode: the layout of a real machine's initrd, an uncompressed
# early cpio of microcode in front of the zstd archive (forced "early":
# "auto" would look at the CPU of the machine building the tree)
PACKAGES=(systemd-sysv udev linux-image-amd64 initramfs-tools zstd
	e2fsprogs dosfstools kmod amd64-microcode)

if ! command -v mmdebstrap >/dev/null; then
	sys_log "installing mmdebstrap"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
		install -y -q --no-install-recommends mmdebstrap >&2
fi

# Runs in the tree after the Essential packages, before the rest (its
# /etc/default file is amd64-microcode's conffile: force-confold keeps
# ours without asking): initramfs-tools
# must see its configuration when the kernel package's hook first builds the
# initrd. No swap, so no resume device to look for (saves the warning and
# the wait for one). FSTYPE=ext4: with the default (auto) the fsck hook
# probes the root device, which does not exist in a chroot, and leaves fsck
# out of the initrd ("Warning: fsck not present, so skipping root file
# system" at boot).
essential_hook='mkdir -p "$1/etc/initramfs-tools/conf.d" &&
	echo RESUME=none >"$1/etc/initramfs-tools/conf.d/resume" &&
	echo FSTYPE=ext4 >"$1/etc/initramfs-tools/conf.d/fstype" &&
	mkdir -p "$1/etc/default" && echo AMD64UCODE_INITRAMFS=early >"$1/etc/default/amd64-microcode"'

# Runs in the finished tree: the files that name this disk, and the
# overlay (the marker unit and its script; from the environment, so that the
# recipe does not depend on where this checkout is).
export SYS_OVERLAY=$SYS_DIR/overlay
customize_hook=$(cat <<HOOK
set -e
echo $SYS_HOSTNAME >"\$1/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 $SYS_HOSTNAME\n' >"\$1/etc/hosts"
echo $SYS_MACHINE_ID >"\$1/etc/machine-id"
cat >"\$1/etc/fstab" <<FSTAB
# <file system>  <mount point>  <type>  <options>  <dump>  <pass>
UUID=$SYS_ROOT_UUID  /          ext4  errors=remount-ro  0  1
UUID=$SYS_ESP_UUID  /boot/efi  vfat  umask=0077  0  2
FSTAB
mkdir -p "\$1/boot/efi" "\$1/etc/kernel"
echo "$SYS_CMDLINE" >"\$1/etc/kernel/cmdline"
cp -a "\$SYS_OVERLAY/." "\$1/"
chroot "\$1" systemctl enable initstack-marker.service
chroot "\$1" systemctl enable serial-getty@ttyS0.service
rm -rf "\$1"/var/cache/apt/*.bin "\$1"/var/lib/apt/lists/* "\$1"/var/log/*.log
HOOK
)

MMDEBSTRAP_ARGS=(--variant=apt --mode=root
	--include="$(IFS=,; echo "${PACKAGES[*]}")"
	--aptopt='APT::Install-Recommends "false"'
	--dpkgopt='path-exclude=/usr/share/man/*'
	--dpkgopt='path-exclude=/usr/share/doc/*'
	--dpkgopt='path-include=/usr/share/doc/*/copyright'
	--dpkgopt='path-exclude=/usr/share/locale/*'
	--dpkgopt='force-confold')
SOURCES=("deb $SYS_MIRROR $SYS_SUITE main non-free-firmware"
	"deb $SYS_MIRROR $SYS_SUITE-updates main non-free-firmware"
	"deb $SYS_SECURITY $SYS_SUITE-security main non-free-firmware")

# The cache key: the recipe (packages, options, sources, hooks with the
# fixed identifiers expanded) and the overlay's files, not this script's
# other lines, so that editing a message does not rebuild the tree.
hash=$( { printf '%s\n' "${MMDEBSTRAP_ARGS[@]}" "${SOURCES[@]}" "$SYS_SUITE" \
		"$essential_hook" "$customize_hook"
	(cd "$SYS_DIR/overlay" && find . -type f | LC_ALL=C sort | xargs sha256sum)
	} | sha256sum | cut -c1-16)
out=$SYS_CACHE/rootfs-$hash
mkdir -p "$SYS_CACHE"

exec 9>"$SYS_CACHE/rootfs.lock"
flock 9
if [ -e "$out/etc/kernel/cmdline" ]; then
	echo "$out"
	exit 0
fi

tmp=$out.tmp
rm -rf "$tmp"
sys_log "building $out"

start=$SECONDS
mmdebstrap "${MMDEBSTRAP_ARGS[@]}" --essential-hook="$essential_hook" \
	--customize-hook="$customize_hook" "$SYS_SUITE" "$tmp" "${SOURCES[@]}" >&2
sys_log "mmdebstrap took $((SECONDS - start)) s"

# the initrd initramfs-tools made must be there: the early microcode cpio,
# then zstd (Debian's default)
initrd=$(ls "$tmp"/boot/initrd.img-* | head -1)
magic=$(head -c 6 "$initrd")
if [ "$magic" != 070701 ] || ! cpio -t --quiet <"$initrd" 2>/dev/null | grep '^kernel/x86/microcode/AuthenticAMD.bin$' >/dev/null; then
	echo "rootfs.sh: $initrd does not start with the early microcode cpio" >&2
	exit 1
fi
ls "$tmp"/boot/vmlinuz-* >/dev/null

mv "$tmp" "$out"
sys_log "rootfs $out: $(du -sh "$out" | cut -f1), ${initrd##*/} $(stat -c %s "$out/boot/${initrd##*/}") bytes, early microcode and zstd"
echo "$out"
