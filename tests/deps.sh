#!/bin/sh
# Install the Debian packages the build and the tests need (idempotent).
#   tests/deps.sh [system]
set -eu
PKGS="gcc make clang libclang-rt-14-dev llvm binutils
zlib1g-dev libzstd-dev liblzma-dev libbz2-dev liblz4-dev liblzo2-dev
cpio libarchive-tools gzip zstd xz-utils bzip2 lz4 lzop pigz busybox-static jq
libdeflate-dev libdeflate-tools libisal-dev zopfli libfdt-dev device-tree-compiler
gnu-efi qemu-system-x86 ovmf mtools dosfstools systemd-boot-efi initramfs-tools
grub-efi-amd64-bin grub-common gnuplot-nox
gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static qemu-system-arm qemu-efi-aarch64
u-boot-qemu"
# `tests/deps.sh system`: also what `make deb` and `make system-check` need
if [ "${1:-}" = system ]; then
	PKGS="$PKGS debhelper dpkg-dev lintian linux-source-6.1 mmdebstrap e2fsprogs fdisk efibootmgr"
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
		|| missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing >/dev/null
