#!/bin/bash
# check.sh DEB: `make system-check`. A whole Debian 12 system that gets
# initstack the way a user's machine does, and boots through it:
#
#  1. the rootfs (rootfs.sh, cached) is copied and, in a chroot, gets the
#     package with `apt install ./DEB` (its postinst installs the loader on the empty
#     ESP at /boot/efi and writes the entry of the installed kernel), a hook
#     in /etc/initstack/hooks, a second kernel package from Debian's archive
#     (its postinst.d hook writes its entry), that kernel removed (its entry
#     goes) and installed again, removed and added again by systemd's
#     kernel-install (our plugin), and `update-initramfs -u` (the entry gets
#     the new initrd and digest); every entry's digests are checked against
#     the files on the ESP after each step;
#  2. the disk image (disk.sh) boots under OVMF through EFI/BOOT/BOOTX64.EFI
#     = initstack.efi, which picks the newest entry of /loader/entries: the
#     hook runs, handover unpacks the deferred initramfs-tools image, its
#     /init mounts the ext4 root, systemd reaches multi-user.target and the
#     marker unit reports the kernel and root it sees;
#  3. one byte of the newest entry's deferred archive is flipped on the ESP:
#     the loader refuses it with the entry's sha256 line and boots the entry
#     before it, the older kernel, to multi-user.target.
#
# Prints "ok - ..." / "not ok - ..." and ends with "N passed, N failed".
# Logs in $INITSTACK_CACHE/system/check/.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/config.sh"

[ $# = 1 ] && [ -f "$1" ] || { echo "usage: check.sh initstack_VERSION_amd64.deb" >&2; exit 2; }
DEB=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
W=$SYS_CACHE/check
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }
check() { local n=$1; shift; if "$@"; then ok "$n"; else notok "$n"; fi; }
finish() { echo "$pass passed, $fail failed"; exit $((fail > 0)); }
export MTOOLS_SKIP_CHECK=1

mkdir -p "$SYS_CACHE"
exec 8>"$SYS_CACHE/check.lock"
flock 8
rm -rf "$W" && mkdir -p "$W"

t0=$SECONDS
root=$("$SYS_DIR/rootfs.sh" 2>"$W/rootfs.log") || { tail -20 "$W/rootfs.log"; notok "rootfs"; finish; }
sys_log "rootfs $root ($((SECONDS - t0)) s)"
K1=$(cd "$root/boot" && ls vmlinuz-* | sed 's/^vmlinuz-//' | sort -V | tail -1)
# the second kernel: the newest Debian package of an older ABI than the tree's
abi=$(echo "$K1" | sed -n 's/^6\.1\.0-\([0-9]*\)-amd64$/\1/p')
[ -n "$abi" ] || { notok "the tree's kernel $K1 is not a 6.1.0-N-amd64"; finish; }
K2=""
for n in $(seq $((abi - 1)) -1 $((abi - 8))); do
	apt-cache show "linux-image-6.1.0-$n-amd64" >/dev/null 2>&1 && { K2=6.1.0-$n-amd64; break; }
done
[ -n "$K2" ] || { apt-get -q update >/dev/null; for n in $(seq $((abi - 1)) -1 $((abi - 8))); do
	apt-cache show "linux-image-6.1.0-$n-amd64" >/dev/null 2>&1 && { K2=6.1.0-$n-amd64; break; }; done; }
[ -n "$K2" ] || { notok "no older linux-image-6.1.0-N-amd64 in Debian's archive"; finish; }
mkdir -p "$SYS_CACHE/debs"
K2DEB=$(ls "$SYS_CACHE/debs/linux-image-${K2}_"*.deb 2>/dev/null | head -1)
if [ -z "$K2DEB" ]; then
	(cd "$SYS_CACHE/debs" && apt-get download "linux-image-$K2" >"$W/download.log" 2>&1)
	K2DEB=$(ls "$SYS_CACHE/debs/linux-image-${K2}_"*.deb | head -1)
fi
sys_log "kernels: $K1 (the tree's), $K2 (second, $K2DEB)"

# ---- 1. the installed system, in a chroot ---------------------------------
T=$W/tree
cp -a "$root" "$T"
mkdir -p "$T/boot/efi/EFI" "$T/etc/initstack/hooks" "$T/tmp/debs"
gcc -static -O2 -o "$T/etc/initstack/hooks/10-hello" "$SYS_DIR/hooks/10-hello.c"
cp "$DEB" "$K2DEB" "$T/tmp/debs/"
# in_tree CMD: run CMD in the tree as on the installed machine, with /proc,
# /sys and /dev in a mount namespace of its own (nothing left on the host)
in_tree() {
	unshare --mount --fork /bin/sh -euc '
		t=$1; shift
		mount --make-rprivate /
		mount -t proc proc "$t/proc"
		mount -t sysfs sysfs "$t/sys"
		mount --rbind /dev "$t/dev"
		chroot "$t" /bin/sh -c "$1"
	' sh "$T" "$1" >>"$W/chroot.log" 2>&1
}
ESP=$T/boot/efi
TOKEN=unset # the entry token install chose: read back below
entry() { echo "$ESP/loader/entries/$TOKEN-$1-initstack.conf"; }
# digests_ok KVER: the entry exists and each sha256 line matches its file
digests_ok() {
	local e n=0 path hex
	e=$(entry "$1")
	[ -f "$e" ] || return 1
	while read -r _ path hex; do
		[ "$(sha256sum <"$ESP$path" | cut -d' ' -f1)" = "$hex" ] || return 1
		n=$((n + 1))
	done < <(grep '^sha256' "$e")
	[ "$n" -ge 2 ]
}

# as docs/install.md has the user do: apt resolves the libraries the tool
# links (the tree's lists were dropped to keep the cache small), with
# efibootmgr, which it recommends and the tree does not install
check "package: apt install ./initstack_*.deb in the chroot" \
	in_tree "apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get -q install -y /tmp/debs/$(basename "$DEB") efibootmgr"
check "package: its postinst put the loader on the ESP and the fallback path" \
	sh -c "cmp -s '$T/usr/lib/initstack/initstack.efi' '$ESP/EFI/initstack/initstackx64.efi' &&
		cmp -s '$T/usr/lib/initstack/initstack.efi' '$ESP/EFI/BOOT/BOOTX64.EFI'"
# mmdebstrap leaves /etc/machine-id empty (systemd makes one at first boot),
# so the token is os-release's ID, as bootctl would choose
TOKEN=$(cat "$T/etc/kernel/entry-token" 2>/dev/null || true)
check "package: install wrote /etc/kernel/entry-token: \"$TOKEN\", os-release's ID" \
	sh -c "grep -qx 'ID=${TOKEN:-none}' '$T/usr/lib/os-release'"
check "package: and wrote the entry of $K1, its digests those of the files" digests_ok "$K1"
e1=$(entry "$K1")
check "entry $K1: early microcode split off in front, the kernel camp's archive, the initrd deferred" \
	sh -c "grep -q '^early .*/$K1/initstack/early.cpio' '$e1' && grep -q '^kernel-initrd .*/$K1/initstack/kernel.cpio' '$e1' &&
		grep -q '^defer .*/$K1/initstack/initrd' '$e1'"
check "entry $K1: options from /etc/kernel/cmdline (not the host's /proc/cmdline)" \
	grep -qx "options *$SYS_CMDLINE" "$e1"
check "entry $K1: the hook of /etc/initstack/hooks is in the kernel camp's archive" \
	sh -c "'$T/usr/bin/initstack' list '$ESP/$TOKEN/$K1/initstack/kernel.cpio' | grep -q ' kernel/hooks/10-hello$'"

check "kernel install: dpkg -i linux-image-$K2" in_tree "dpkg -i /tmp/debs/$(basename "$K2DEB")"
check "kernel install: its entry appears, with the digests of its files" digests_ok "$K2"
check "kernel remove: dpkg -r linux-image-$K2" in_tree "dpkg -r linux-image-$K2"
check "kernel remove: its entry and files are gone, $K1's stay" \
	sh -c "[ ! -e '$(entry "$K2")' ] && [ ! -e '$ESP/$TOKEN/$K2' ] && [ -f '$e1' ]"
check "kernel install: again" in_tree "dpkg -i /tmp/debs/$(basename "$K2DEB")"
# systemd's kernel-install (in Debian's systemd package; Debian's kernel
# packages do not call it, other distributions' and users do), with our
# plugin alone: the other plugins would add entries of their own
ki="KERNEL_INSTALL_PLUGINS=/usr/lib/kernel/install.d/90-initstack.install kernel-install"
check "kernel-install remove $K2" in_tree "$ki remove $K2"
check "kernel-install remove: its entry is gone" sh -c "[ ! -e '$(entry "$K2")' ]"
check "kernel-install add $K2 (the fallback of the boots below)" \
	in_tree "$ki add $K2 /boot/vmlinuz-$K2 /boot/initrd.img-$K2"
check "kernel-install add: the entry is back, with the digests of its files" digests_ok "$K2"
before=$(grep "^sha256 .*/$K1/initstack/initrd " "$e1" || true)
check "update-initramfs -u -k $K1" in_tree "update-initramfs -u -k $K1"
after=$(grep "^sha256 .*/$K1/initstack/initrd " "$e1" || true)
if [ -n "$before" ] && [ "$before" != "$after" ] && digests_ok "$K1"; then
	ok "update-initramfs: the entry has the new initrd's digest"
else
	notok "update-initramfs: the entry has the new initrd's digest"
fi
# the booted system runs `initstack install` again, which there (not in a
# chroot) adds the UEFI boot option, and shows it on the console
cat >"$T/etc/systemd/system/initstack-bootopt.service" <<'UNIT'
[Unit]
Description=initstack system test: the boot option from a booted system
After=local-fs.target
Before=initstack-marker.service
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'initstack install >/dev/ttyS0 2>&1; efibootmgr -v | sed "s/^/INITSTACK-BOOTOPT: /" >/dev/ttyS0'
[Install]
WantedBy=multi-user.target
UNIT
ln -sf ../initstack-bootopt.service "$T/etc/systemd/system/multi-user.target.wants/"
rm -rf "$T/tmp/debs"
sys_log "the installed system after $((SECONDS - t0)) s; chroot log $W/chroot.log; the ESP:"
(cd "$ESP" && find . -type f | sort | sed 's/^/#   /') >&2

# ---- 2. the disk, booted ----------------------------------------------------
IMG=$W/disk.img
if ! "$SYS_DIR/disk.sh" "$T" "$ESP" "$IMG" >"$W/disk.log" 2>&1; then
	tail -20 "$W/disk.log"
	notok "disk image"
	finish
fi
# marker LOG: the marker line, carriage returns and colours gone
marker() { tr -d '\r' <"$1" | sed 's/\x1b\[[0-9;]*m//g' | grep -a '^INITSTACK-SYSTEM:' | head -1 || true; }
# grep reads to the end: with -q it would stop at the match, and under
# pipefail tr's SIGPIPE would fail the check.
said() { tr -d '\r' <"$2" | grep -aE -- "$1" >/dev/null; }
"$SYS_DIR/boot.sh" "$IMG" "$W/boot.log" >"$W/boot.out" 2>&1
m=$(marker "$W/boot.log")
check "boot: the loader took the newest entry, $K1's, from /loader/entries" \
	said "^initstack: /loader/entries/$TOKEN-$K1-initstack.conf: " "$W/boot.log"
check "boot: with early microcode, the kernel camp's archive and the deferred initrd" \
	said "^initstack: starting /$TOKEN/$K1/initstack/linux with 3 archives, .*rdinit=/kernel/handover" "$W/boot.log"
check "boot: the hook ran before the deferred archive" said "^handover: hook 10-hello: done" "$W/boot.log"
check "boot: handover unpacked the deferred initramfs-tools image, nothing refused" \
	said "^handover: 01-initrd: [0-9]+ entries: [0-9]+ written, 0 dropped, 0 refused" "$W/boot.log"
check "boot: systemd reached multi-user.target on the ext4 root with $K1 ($m)" \
	sh -c "echo '$m' | grep -q 'root=/dev/vda2 fstype=ext4 .*kernel=$K1 state=running multi-user=active'"

check "boot: initstack install in the booted system added the boot option to the ESP's loader" \
	said "^INITSTACK-BOOTOPT: Boot[0-9A-F]{4}\\* initstack[[:space:]]+HD\\(1,GPT,$SYS_ESP_PARTUUID,.*File\\(\\\\EFI\\\\initstack\\\\initstackx64\\.efi\\)" "$W/boot.log"

# ---- 3. a flipped byte on the ESP: the fallback ------------------------------
esp_off=$(sfdisk -J "$IMG" | jq '.partitiontable.partitions[0].start * 512')
f="::/$TOKEN/$K1/initstack/initrd"
mcopy -n -i "$IMG@@$esp_off" "$f" "$W/initrd"
printf '\xff' | dd of="$W/initrd" bs=1 seek=100000 conv=notrunc status=none
mcopy -o -i "$IMG@@$esp_off" "$W/initrd" "$f"
rm -f "$W/initrd"
"$SYS_DIR/boot.sh" "$IMG" "$W/fallback.log" >"$W/fallback.out" 2>&1
m=$(marker "$W/fallback.log")
check "fallback: the tampered archive is refused with its entry's sha256 line" \
	said "^initstack: error: /$TOKEN/$K1/initstack/initrd: sha256 [0-9a-f]{64}, but /loader/entries/$TOKEN-$K1-initstack.conf:[0-9]+ says" "$W/fallback.log"
check "fallback: the loader goes on to $K2's entry" \
	said "^initstack: trying the next entry, /loader/entries/$TOKEN-$K2-initstack.conf" "$W/fallback.log"
check "fallback: which boots $K2 to multi-user.target ($m)" \
	sh -c "echo '$m' | grep -q 'fstype=ext4 .*kernel=$K2 state=running multi-user=active'"
sys_log "system-check: $((SECONDS - t0)) s; logs in $W"
finish
