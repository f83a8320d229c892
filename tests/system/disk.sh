#!/bin/bash
# disk.sh ROOTDIR ESPDIR OUT.img: assemble a GPT disk image of the system
# test from two trees, without loop devices or mounts (so it runs in a
# container and never touches the host's block devices):
#   partition 1  ESP, FAT32 with the fixed volume id, ESPDIR's content
#                (mcopy -s)
#   partition 2  Linux root (x86-64), ext4 with the fixed UUID, ROOTDIR's
#                content (mke2fs -d), its /boot/efi left empty: that is the
#                ESP's mount point, and its content belongs on the ESP
# Each filesystem is made in a file of its own, copied into the image at its
# partition's offset (dd), and checked as read back from there (fsck.vfat -n, e2fsck -fn).
# The image is sparse. OUT.img is replaced only when it is complete.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/config.sh"

[ $# = 3 ] || { echo "usage: disk.sh ROOTDIR ESPDIR OUT.img" >&2; exit 2; }
root=$1 esp=$2 out=$3
if [ ! -d "$root/etc" ] || [ ! -d "$esp" ]; then
	echo "disk.sh: $root or $esp is not a tree" >&2
	exit 2
fi
for t in sfdisk mkfs.vfat mcopy fsck.vfat mke2fs e2fsck debugfs; do
	command -v "$t" >/dev/null || { echo "disk.sh: $t missing (fdisk dosfstools mtools e2fsprogs)" >&2; exit 1; }
done

# Two runs writing the same image wait for each other; different images don't.
exec 9>"$out.lock"
flock 9
work=$(mktemp -d "$out.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

MiB=$((1024 * 1024))
# Sizes in MiB: the ESP holds kernels and initrds (two variants may sit side
# by side), at least 64 MiB for FAT32 at 1 sector per cluster; the root gets
# its content plus a third plus 256 MiB to boot and install a package in.
esp_mib=$(( ($(du -s --block-size=1M "$esp" | cut -f1) * 3 / 2) + 64 ))
[ "$esp_mib" -ge 256 ] || esp_mib=256
root_mib=$(( ($(du -s --block-size=1M "$root" | cut -f1) * 4 / 3) + 256 ))
esp_start=1                                # MiB: partitions aligned to 1 MiB
root_start=$((esp_start + esp_mib))
disk_mib=$((root_start + root_mib + 1))    # + the backup GPT

start=$SECONDS
# ESP: FAT32, volume id fixed so that fstab's UUID=XXXX-XXXX finds it
truncate -s $((esp_mib * MiB)) "$work/esp.img"
mkfs.vfat -F 32 -n ESP -i "$SYS_ESP_VOLID" "$work/esp.img" >/dev/null
if [ -n "$(ls -A "$esp")" ]; then
	mcopy -s -p -m -Q -i "$work/esp.img" "$esp"/* ::/
fi

# root: ext4 from the tree. mke2fs -d cannot leave a subtree out, so what is
# under /boot/efi is removed afterwards with debugfs, deepest first.
truncate -s $((root_mib * MiB)) "$work/root.img"
mke2fs -q -F -t ext4 -L root -U "$SYS_ROOT_UUID" -E root_owner=0:0 \
	-d "$root" "$work/root.img"
if [ -d "$root/boot/efi" ] && [ -n "$(ls -A "$root/boot/efi")" ]; then
	(cd "$root" && find boot/efi -mindepth 1 -depth -printf '%y %p\n') |
		while read -r type path; do
			if [ "$type" = d ]; then echo "rmdir \"/$path\""; else echo "rm \"/$path\""; fi
		done | debugfs -w -f - "$work/root.img" >/dev/null 2>"$work/debugfs.log"
	if [ -n "$(debugfs -R 'ls -l /boot/efi' "$work/root.img" 2>/dev/null |
			awk '$NF != "." && $NF != ".." && NF' )" ]; then
		cat "$work/debugfs.log" >&2
		echo "disk.sh: could not empty /boot/efi in the root filesystem" >&2
		exit 1
	fi
fi
rm -f "$work/debugfs.log"

# the partition table, with fixed GUIDs for a reproducible image
truncate -s $((disk_mib * MiB)) "$work/disk.img"
sfdisk -q "$work/disk.img" <<TABLE
label: gpt
label-id: $SYS_DISK_GUID
unit: sectors
start=$((esp_start * 2048)), size=$((esp_mib * 2048)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=$SYS_ESP_PARTUUID, name="ESP"
start=$((root_start * 2048)), size=$((root_mib * 2048)), type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=$SYS_ROOT_PARTUUID, name="root"
TABLE
dd if="$work/esp.img" of="$work/disk.img" bs=1M seek=$esp_start conv=notrunc,sparse status=none
dd if="$work/root.img" of="$work/disk.img" bs=1M seek=$root_start conv=notrunc,sparse status=none

# check what the firmware and the kernel will see: the table, and each
# filesystem as read back from its offset in the image
sfdisk -d "$work/disk.img" >&2
dd if="$work/disk.img" of="$work/esp.check" bs=1M skip=$esp_start count=$esp_mib conv=sparse status=none
fsck.vfat -n "$work/esp.check" >&2
rm -f "$work/esp.img" "$work/esp.check"
dd if="$work/disk.img" of="$work/root.check" bs=1M skip=$root_start count=$root_mib conv=sparse status=none
e2fsck -fn "$work/root.check" >&2

mv "$work/disk.img" "$out"
sys_log "disk $out: ${disk_mib} MiB (ESP ${esp_mib} MiB, root ${root_mib} MiB), $(du -h "$out" | cut -f1) allocated, built in $((SECONDS - start)) s"
