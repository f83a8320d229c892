#!/bin/bash
# initstack.efi for arm64 booting Debian's arm64 kernel on QEMU's virt
# machine: under AAVMF (EDK2) with the firmware's devicetree and with one
# from the ESP, and under U-Boot's UEFI (the firmware vendors' path, with
# its EFI_DT_FIXUP_PROTOCOL). The same stack and deferred checks as
# tests/boot/efi.sh, plus overlays and /chosen seen under /proc/device-tree,
# and the arm64 handover unpacking a deferred zstd archive after a hook.
BOOT_ARCH=arm64
. "$(dirname "$0")/lib.sh"

EFI_AA64=${EFI_AA64:-build/efi-aarch64/initstack.efi}
HO_AA64=${HO_AA64:-build/handover-aarch64/handover}
command -v qemu-system-aarch64 >/dev/null ||
	{ notok "arm64 boots: qemu-system-aarch64 missing (tests/deps.sh installs qemu-system-arm)"; exit 0; }
[ -f "$AAVMF_CODE" ] || { notok "arm64 boots: no AAVMF (tests/deps.sh installs qemu-efi-aarch64)"; exit 0; }
[ -f "$UBOOT_ARM64" ] || { notok "arm64 boots: no U-Boot (tests/deps.sh installs u-boot-qemu)"; exit 0; }
[ -s "$EFI_AA64" ] || { notok "arm64 boots: $EFI_AA64 not built (make efi ARCH=aarch64)"; exit 0; }
[ -x "$HO_AA64" ] || { notok "arm64 boots: $HO_AA64 not built (make handover ARCH=aarch64)"; exit 0; }
[ -x "$INITSTACK" ] || { notok "arm64 boots: $INITSTACK not built"; exit 0; }
if ! K=$(fetch_kernel) || [ ! -f "$K" ]; then
	notok "arm64 boots: no kernel (Debian's linux-image-arm64 could not be fetched)"
	exit 0
fi
if ! BB=$(fetch_busybox arm64); then
	notok "arm64 boots: busybox-static:arm64 could not be fetched"
	exit 0
fi
ok "arm64: kernel ${K##*/} and busybox-static:arm64 from Debian"
I=$INITSTACK

# An /init that reports the stack, the deferred archive and what the
# devicetree says, then powers off. Strings of /proc/device-tree are
# NUL-separated; numbers big-endian (od prints their bytes in order).
cat >"$T/init" <<'SH'
#!/bin/busybox sh
b=/bin/busybox
$b mount -t proc proc /proc
# /proc/device-tree is a link into sysfs
$b mount -t sysfs sysfs /sys
echo "@@INIT@@ order=$($b cat /order 2>/dev/null)"
for f in /a /b /c /kernel/x; do [ -e "$f" ] && echo "@@HAS@@ $f"; done
for f in /.initstack/deferred/*; do
	[ -f "$f" ] && echo "@@DEFERRED@@ ${f##*/} $($b sha256sum <"$f" | $b cut -d' ' -f1)"
done
[ -f /.initstack/manifest ] && $b sed 's/^/@@MANIFEST@@ /' /.initstack/manifest
dt=/proc/device-tree
for p in chosen/initstack,entry chosen/initstack,archives chosen/initstack,roles \
	chosen/initstack,sha256 chosen/initstack,deferred chosen/initstack,overlays \
	initstack-test/compatible initstack-first/compatible initstack-base; do
	[ -f "$dt/$p" ] && echo "@@DT@@ $p=$($b tr '\0' ' ' <"$dt/$p")"
done
for p in chosen/initstack,sizes initstack-test/value; do
	[ -f "$dt/$p" ] && echo "@@DT@@ $p=$($b od -An -v -tx1 "$dt/$p" | $b tr -d ' \n')"
done
$b poweroff -f
SH
printf 'dir bin 0755 0 0\ndir proc 0755 0 0\ndir sys 0755 0 0\nfile bin/busybox %s 0755 0 0\nfile init %s 0755 0 0\n' "$BB" "$T/init" >"$T/base.list"
$I build --mtime 0 -o "$T/base.cpio" --list "$T/base.list"
for x in A B C; do echo "$x" >"$T/order-$x"; done
list_archive a.cpio "file order $T/order-A 0644 0 0\nfile a $T/order-A 0644 0 0\n"
list_archive c.cpio "file order $T/order-C 0644 0 0\nfile c $T/order-C 0644 0 0\n"
list_archive evil.cpio "dir kernel 0755 0 0\nfile kernel/x $T/order-A 0644 0 0\n"
gzip -n -9 -c "$T/a.cpio" >"$T/a.cpio.gz"
gzip -n -c "$T/evil.cpio" >"$T/distro.img"

# An overlay on the root node (target-path: QEMU's tree has no labels) and
# a base that says it came from the ESP
cat >"$T/test.dtso" <<'DTS'
/dts-v1/;
/plugin/;
/ {
	fragment@0 {
		target-path = "/";
		__overlay__ {
			initstack-test {
				compatible = "initstack,test";
				value = <42>;
			};
		};
	};
};
DTS
dtc -q -@ -I dts -O dtb -o "$T/test.dtbo" "$T/test.dtso"
sed 's|target-path = "/";|target-path = "/no-such-node";|' "$T/test.dtso" |
	dtc -q -@ -I dts -O dtb -o "$T/missing.dtbo" -
sed 's|initstack-test {|initstack-first {|' "$T/test.dtso" | dtc -q -@ -I dts -O dtb -o "$T/first.dtbo" -
list_archive dir-order.cpio "dir order 0755 0 0\n"
check "arm64: QEMU's virt devicetree dumped" arm64_dtb "$T/virt.dtb"
cp "$T/virt.dtb" "$T/esp-base.dtb"
fdtput -t s "$T/esp-base.dtb" / initstack-base "from-the-esp"

OPTS='options console=ttyAMA0 panic=-1 loglevel=4\n'
STACK="linux /boot/vmlinuz\ninitrd /boot/base.cpio\ninitrd /boot/a.cpio.gz\ninitrd /boot/c.cpio\ndefer /boot/distro.img\n"
# esp NAME ENTRY-TEXT: an ESP with the loader as the default boot path, the
# kernel and every archive and blob, the entry beside the loader
esp() {
	local d=$T/$1 f
	mkdir -p "$d/EFI/BOOT" "$d/boot" "$d/dtbs"
	cp "$EFI_AA64" "$d/EFI/BOOT/BOOTAA64.EFI"
	cp "$K" "$d/boot/vmlinuz"
	for f in base.cpio a.cpio.gz c.cpio distro.img dir-order.cpio; do cp "$T/$f" "$d/boot/"; done
	for f in test.dtbo first.dtbo missing.dtbo esp-base.dtb; do cp "$T/$f" "$d/dtbs/"; done
	# the distribution's archive with its digest, as `initstack entry` writes it
	printf '%b' "$2" >"$d/EFI/BOOT/initstack.conf"
	case $2 in *distro.img*) echo "sha256 /boot/distro.img $sum" >>"$d/EFI/BOOT/initstack.conf" ;; esac
	echo "$d"
}
sum=$(sha256sum <"$T/distro.img" | cut -d' ' -f1)
sizes=$(for f in base.cpio a.cpio.gz c.cpio distro.img; do printf '%016x' "$(stat -c %s "$T/$f")"; done)

# stack_checks NAME LOG: what every boot with the overlay must show
stack_checks() {
	local n=$1 log=$2
	check "$n: the loader started the kernel" grep -qa "initstack: starting /boot/vmlinuz with 4 archives" "$log"
	check "$n: archives unpacked in order, the gzip one decoded (the last /order wins)" grep -qa "@@INIT@@ order=C" "$log"
	check "$n: every archive's own file is there" \
		sh -c "grep -qa '@@HAS@@ /a' '$log' && grep -qa '@@HAS@@ /c' '$log'"
	check "$n: the deferred archive is /.initstack/deferred/01-distro.img, not unpacked" \
		sh -c "grep -qa '@@DEFERRED@@ 01-distro.img $sum' '$log' && ! grep -qa '@@HAS@@ /kernel/x' '$log'"
	check "$n: the manifest names it with size, digest and compression" \
		grep -qa "@@MANIFEST@@ deferred 01-distro.img $(stat -c %s "$T/distro.img") $sum gzip" "$log"
	check "$n: the overlay's node is in /proc/device-tree" \
		sh -c "grep -qa '@@DT@@ initstack-test/compatible=initstack,test ' '$log' && grep -qa '@@DT@@ initstack-test/value=0000002a' '$log'"
	check "$n: /chosen names the entry" grep -qai "@@DT@@ chosen/initstack,entry=/EFI/BOOT/initstack.conf " "$log"
	check "$n: /chosen lists the archives in order" \
		grep -qa "@@DT@@ chosen/initstack,archives=/boot/base.cpio /boot/a.cpio.gz /boot/c.cpio /boot/distro.img " "$log"
	check "$n: /chosen gives their roles" grep -qa "@@DT@@ chosen/initstack,roles=extra extra extra deferred " "$log"
	check "$n: /chosen gives their sizes as read (u64)" grep -qa "@@DT@@ chosen/initstack,sizes=$sizes" "$log"
	check "$n: /chosen names the deferred archive" grep -qa "@@DT@@ chosen/initstack,deferred=/boot/distro.img " "$log"
	check "$n: /chosen gives the checked digests" grep -qa "@@DT@@ chosen/initstack,sha256=.* $sum " "$log"
	check "$n: /chosen lists the overlay" grep -qa "@@DT@@ chosen/initstack,overlays=/dtbs/test.dtbo " "$log"
}

# 1. AAVMF, the firmware's devicetree with the overlay on top
d=$(esp fwdt "title arm64\n${STACK}devicetree-overlay /dtbs/test.dtbo\n${OPTS}options rdinit=/init\n")
boot_arm64 aavmf "$d" "$T/fwdt.log"
check "aavmf firmware dt: the loader built it from the firmware's devicetree" \
	grep -qa "initstack: devicetree: the firmware's devicetree with 1 overlay" "$T/fwdt.log"
stack_checks "aavmf firmware dt" "$T/fwdt.log"
check "aavmf firmware dt: the base is the firmware's (no initstack-base)" \
	sh -c "! grep -qa '@@DT@@ initstack-base' '$T/fwdt.log'"

# 2. AAVMF, the entry's own devicetree from the ESP
d=$(esp espdt "title arm64\n${STACK}devicetree /dtbs/esp-base.dtb\ndevicetree-overlay /dtbs/test.dtbo\n${OPTS}options rdinit=/init\n")
boot_arm64 aavmf "$d" "$T/espdt.log"
check "aavmf esp dt: the loader built it from the ESP's blob" \
	grep -qa "initstack: devicetree: /dtbs/esp-base.dtb with 1 overlay" "$T/espdt.log"
check "aavmf esp dt: the kernel runs on the ESP's devicetree" grep -qa "@@DT@@ initstack-base=from-the-esp " "$T/espdt.log"
stack_checks "aavmf esp dt" "$T/espdt.log"

# 3. U-Boot's UEFI with the ESP's devicetree, through its
#    EFI_DT_FIXUP_PROTOCOL
d=$(esp uboot "title arm64\n${STACK}devicetree /dtbs/esp-base.dtb\ndevicetree-overlay /dtbs/test.dtbo\n${OPTS}options rdinit=/init\n")
boot_arm64 uboot "$d" "$T/uboot.log"
check "u-boot: U-Boot started initstack.efi from EFI/BOOT/BOOTAA64.EFI" grep -qai "initstack: /EFI/BOOT/initstack.conf: arm64" "$T/uboot.log"
check "u-boot: its EFI_DT_FIXUP_PROTOCOL fixed up the ESP's blob" \
	grep -qa "initstack: devicetree: the firmware's EFI_DT_FIXUP_PROTOCOL applied its fixups" "$T/uboot.log"
check "u-boot: the kernel runs on the ESP's devicetree" grep -qa "@@DT@@ initstack-base=from-the-esp " "$T/uboot.log"
stack_checks "u-boot" "$T/uboot.log"

# 4. U-Boot's own devicetree (QEMU's, as U-Boot passes it on) with the
#    overlay: no fixup call, the firmware's blob has had them
d=$(esp ubootfw "title arm64\n${STACK}devicetree-overlay /dtbs/test.dtbo\n${OPTS}options rdinit=/init\n")
boot_arm64 uboot "$d" "$T/ubootfw.log"
check "u-boot firmware dt: the loader built it from U-Boot's devicetree" \
	grep -qa "initstack: devicetree: the firmware's devicetree with 1 overlay" "$T/ubootfw.log"
check "u-boot firmware dt: no fixup call on the firmware's own blob" \
	sh -c "! grep -qa 'EFI_DT_FIXUP_PROTOCOL applied' '$T/ubootfw.log'"
stack_checks "u-boot firmware dt" "$T/ubootfw.log"

# 5. the deferred scheme whole: handover (static, arm64) from the kernel
#    camp's archive runs its hook before anything deferred exists, then
#    unpacks the distribution's zstd archive under the policy (its own
#    /kernel/handover is refused) and execs the distribution's /init
mkdir -p "$T/camp/kernel/bin" && cp "$BB" "$T/camp/kernel/bin/busybox"
printf '#!/kernel/bin/busybox sh\necho "@@HOOK@@ 10-look sees: init=$([ -e /init ] && echo yes || echo no) deferred=$(/kernel/bin/busybox ls /.initstack/deferred)"\n' >"$T/10-look"
chmod 0755 "$T/10-look"
$I build --kernel-archive --handover "$HO_AA64" --hook "$T/10-look" -o "$T/kernel.cpio" "$T/camp"
cat >"$T/distro-init" <<'SH'
#!/bin/busybox sh
b=/bin/busybox
$b mount -t proc proc /proc 2>/dev/null
$b mount -t sysfs sysfs /sys 2>/dev/null
echo "@@DISTRO@@ pid=$$ own=$($b cat /etc/distro) handover=$($b sha256sum /kernel/handover | $b cut -d' ' -f1) overlay=$($b tr -d '\0' </proc/device-tree/initstack-test/compatible)"
$b poweroff -f
SH
echo debian >"$T/etc-distro"
echo "not the kernel's" >"$T/fake-handover"
printf 'dir bin 0755 0 0\nfile bin/busybox %s 0755 0 0\nfile init %s 0755 0 0\ndir etc 0755 0 0\nfile etc/distro %s 0644 0 0\ndir proc 0755 0 0\ndir sys 0755 0 0\ndir kernel 0755 0 0\nfile kernel/handover %s 0755 0 0\n' \
	"$BB" "$T/distro-init" "$T/etc-distro" "$T/fake-handover" >"$T/distro.list"
$I build --mtime 0 -o "$T/distro.cpio" --list "$T/distro.list"
zstd -q -19 -c "$T/distro.cpio" >"$T/distro.cpio.zst"
d=$(esp handover "title arm64 handover\nlinux /boot/vmlinuz\nkernel-initrd /boot/kernel.cpio\ndefer /boot/distro.cpio.zst\ndevicetree-overlay /dtbs/test.dtbo\n$OPTS")
cp "$T/kernel.cpio" "$T/distro.cpio.zst" "$d/boot/"
boot_arm64 aavmf "$d" "$T/handover.log"
check "handover: the loader adds rdinit=/kernel/handover" grep -qa "initstack: starting /boot/vmlinuz with 2 archives.* rdinit=/kernel/handover" "$T/handover.log"
check "handover: the hook ran before anything was unpacked" \
	grep -qa "@@HOOK@@ 10-look sees: init=no deferred=01-distro.cpio.zst" "$T/handover.log"
check "handover: it reports the hook done" grep -qa "handover: hook 10-look: done" "$T/handover.log"
check "handover: the zstd archive unpacked, the distribution's /kernel/handover refused" \
	grep -qa "handover: 01-distro.cpio.zst: 9 entries: 7 written, 0 dropped, 1 refused" "$T/handover.log"
check "handover: ... and says why" \
	grep -qa "handover: 01-distro.cpio.zst: kernel/handover: /kernel/handover is under a protected prefix (refused)" "$T/handover.log"
check "handover: the distribution's /init runs as PID 1 with its files and the kernel's handover" \
	grep -qa "@@DISTRO@@ pid=1 own=debian handover=$(sha256sum <"$HO_AA64" | cut -d' ' -f1) overlay=initstack,test" "$T/handover.log"

# 6. the firmware's table put back: the newest entry of /loader/entries
#    installs its devicetree (overlay first.dtbo), then its stack breaks the
#    policy; the loader restores the firmware's table and boots the entry
#    before, whose overlay alone the kernel sees
d=$(esp restore "")
rm "$d/EFI/BOOT/initstack.conf"
mkdir -p "$d/loader/entries"
printf 'title new\nlinux /boot/vmlinuz\ninitrd /boot/c.cpio\ninitrd /boot/dir-order.cpio\non-clash error\ndevicetree-overlay /dtbs/first.dtbo\n%b' \
	"$OPTS" >"$d/loader/entries/debian-6.1.0-10-arm64.conf"
printf 'title old\n%bdevicetree-overlay /dtbs/test.dtbo\n%boptions rdinit=/init\n' "$STACK" "$OPTS" \
	>"$d/loader/entries/debian-6.1.0-9-arm64.conf"
boot_arm64 aavmf "$d" "$T/restore.log"
check "restore: the newest entry installed its devicetree, then broke the policy" \
	sh -c "tr -d '\r' <'$T/restore.log' | grep -a -A8 'initstack: /loader/entries/debian-6.1.0-10-arm64.conf: new' |
		grep -q 'devicetree: the firmware.s devicetree with 1 overlay' &&
		grep -qa 'initstack: error: the stack breaks the policy (1 error above)' '$T/restore.log'"
check "restore: the loader went on to the entry before" \
	grep -qa "initstack: trying the next entry, /loader/entries/debian-6.1.0-9-arm64.conf" "$T/restore.log"
check "restore: which built on the firmware's devicetree again" \
	test "$(grep -ac "initstack: devicetree: the firmware's devicetree with 1 overlay" "$T/restore.log")" = 2
check "restore: the kernel sees the second entry's overlay" \
	grep -qa "@@DT@@ initstack-test/compatible=initstack,test " "$T/restore.log"
check "restore: ... and not the first's (the firmware's table was put back)" \
	sh -c "! grep -qa '@@DT@@ initstack-first' '$T/restore.log'"
check "restore: /chosen names the entry that booted" \
	grep -qa "@@DT@@ chosen/initstack,entry=/loader/entries/debian-6.1.0-9-arm64.conf " "$T/restore.log"

# 7. faults: an overlay whose target is missing, an entry for x64
fault() {
	local name=$1 entry=$2 want=$3 d rc
	d=$(esp "$name" "$entry")
	boot_arm64 aavmf "$d" "$T/$name.log" "initstack: returning to the firmware"
	rc=$?
	check "fault $name: says \"$want\"" grep -qaF -- "$want" "$T/$name.log"
	check "fault $name: returns to the firmware within the timeout" test "$rc" != 124
}
fault overlay "${STACK}devicetree-overlay /dtbs/test.dtbo /dtbs/missing.dtbo\n$OPTS" \
	'initstack: error: /dtbs/missing.dtbo: fragment@0: target-path "/no-such-node" not in the base'
fault arch "architecture x64\n${STACK}$OPTS" \
	'initstack: error: /EFI/BOOT/initstack.conf:1: entry is for x64, this loader is aa64'
