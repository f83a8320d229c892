# shellcheck shell=bash disable=SC2034
# Shared settings of the system test (tests/system/*.sh source this file).
# The identifiers are fixed so that the rootfs's /etc/fstab, /etc/kernel/cmdline
# and the disk image agree without reading anything back from the image.
[ "${BASH_SOURCE[0]}" = "$0" ] && { echo "config.sh is sourced, not run" >&2; exit 2; }

SYS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SYS_CACHE=${INITSTACK_CACHE:-/var/tmp/initstack-cache}/system

SYS_SUITE=bookworm
SYS_MIRROR=http://deb.debian.org/debian
SYS_SECURITY=http://deb.debian.org/debian-security

# ext4 root: filesystem UUID (root=UUID=...) and GPT partition UUID
SYS_ROOT_UUID=6b1f4c2e-5a1d-4e8b-9c3f-2a7d1e0b5c41
SYS_ROOT_PARTUUID=0f3b6d3a-8c1e-4f2a-9b7d-5e4c3a2b1d01
# FAT32 ESP: volume id as mkfs.vfat -i takes it, as /dev/disk/by-uuid shows it
SYS_ESP_VOLID=1A2B3C4D
SYS_ESP_UUID=1A2B-3C4D
SYS_ESP_PARTUUID=0f3b6d3a-8c1e-4f2a-9b7d-5e4c3a2b1d02
SYS_DISK_GUID=0f3b6d3a-8c1e-4f2a-9b7d-5e4c3a2b1d00
# written by the customize hook, but mmdebstrap empties /etc/machine-id as
# it finishes (systemd makes one at first boot), so the entries the package
# writes are named by os-release's ID, "debian", as bootctl's would be
SYS_MACHINE_ID=4e5f6a7b8c9d40e1a2b3c4d5e6f70819
SYS_HOSTNAME=initstack-system

# the kernel command line the rootfs's /etc/kernel/cmdline carries
SYS_CMDLINE="root=UUID=$SYS_ROOT_UUID ro console=ttyS0,115200"

# sys_log MSG: progress on stderr, with the seconds since the script began
sys_log() { echo "# [${SECONDS}s] $*" >&2; }
