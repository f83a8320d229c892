#!/bin/bash
# make demo: Debian's kernel booted in QEMU through initstack.efi with the
# kernel camp's archive (handover and two hooks) and the distribution's
# archive deferred. The distribution archive tries to overwrite the kernel
# camp's /kernel/handover; the console shows the hooks finishing first, the
# overwrite refused, and the distribution's /init running. It ends by itself.
set -u
cd "$(dirname "$0")/.."
export INITSTACK=$PWD/build/host/initstack
. tests/boot/lib.sh
I=$INITSTACK
D=build/demo
rm -rf "$D" && mkdir -p "$D"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

K=$(fetch_kernel) || { echo "demo: could not fetch Debian's kernel package" >&2; exit 1; }

# The kernel camp: handover, its own busybox for the hooks, two hooks.
mkdir -p "$D/kernel-camp/kernel/bin"
cp /bin/busybox "$D/kernel-camp/kernel/bin/busybox"
cat >"$D/10-firmware" <<'SH'
#!/kernel/bin/busybox sh
echo "hook 10-firmware: loading firmware (no distribution file exists yet: $(/kernel/bin/busybox ls /bin 2>&1 | /kernel/bin/busybox head -1))"
/kernel/bin/busybox sleep 1
echo "hook 10-firmware: done"
SH
cat >"$D/20-keys" <<'SH'
#!/kernel/bin/busybox sh
echo "hook 20-keys: done"
SH

# The distribution: busybox, an /init, and a /kernel/handover of its own.
mkdir -p "$D/distro/bin" "$D/distro/kernel"
cp /bin/busybox "$D/distro/bin/busybox"
ln -s busybox "$D/distro/bin/sh"
printf '#!/bin/sh\necho "the distribution replaced handover"\n' >"$D/distro/kernel/handover"
cat >"$D/distro/init" <<'SH'
#!/bin/busybox sh
echo "distribution /init: running as PID $$ with: $*"
echo "distribution /init: /kernel/handover is $(/bin/busybox sha256sum /kernel/handover | /bin/busybox cut -c1-16)... (the kernel camp's)"
echo "distribution /init: /.initstack is $( [ -e /.initstack ] && echo still there || echo gone)"
/bin/busybox poweroff -f
SH
chmod 755 "$D/distro/init"

say "the kernel camp's archive: initstack build --kernel-archive (handover, hooks, busybox)"
"$I" build --kernel-archive --handover build/handover/handover --hook "$D/10-firmware" \
	--hook "$D/20-keys" --mtime 0 -o "$D/kernel.cpio" "$D/kernel-camp"
"$I" list "$D/kernel.cpio" | grep -v busybox
echo "kernel camp handover sha256: $(sha256sum <build/handover/handover | cut -c1-16)..."

say "the distribution's archive, made by GNU cpio and gzip"
(cd "$D/distro" && find . | cpio -o -H newc --quiet | gzip -9 >../distro.img)
"$I" list "$D/distro.img" | grep -v busybox

say "unpacked by the kernel as it is today, the distribution overwrites /kernel/handover"
"$I" check --kernel "$D/kernel.cpio" "$D/distro.img" | grep -v '^allow'

say "booting Debian's kernel through initstack.efi with the distribution deferred"
esp=$D/esp
make_esp "$esp" "$EFI_IMAGE"
cp "$K" "$esp/boot/vmlinuz"
cp "$D/kernel.cpio" "$D/distro.img" "$esp/boot/"
cat >"$esp/EFI/BOOT/initstack.conf" <<'CONF'
title          initstack demo
linux          /boot/vmlinuz
kernel-initrd  /boot/kernel.cpio
defer          /boot/distro.img
options        console=ttyS0 panic=-1 loglevel=3
CONF
cat "$esp/EFI/BOOT/initstack.conf"
echo
BOOT_TIMEOUT=${BOOT_TIMEOUT:-240}
: >"$D/serial.log"
boot_efi "$esp" "$D/serial.log" &
pid=$!
# show the serial console as it comes, without the firmware's screen codes
tail -n +1 -f --pid=$pid "$D/serial.log" 2>/dev/null |
	sed -u 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\r//g' | grep -a --line-buffered -E '^(initstack|handover|hook|distribution|EFI stub)'
wait $pid
rc=$?
echo
if grep -qa "distribution /init: running" "$D/serial.log"; then
	echo "demo: done: the hooks ran first, the overwrite was refused, the distribution's /init ran."
	exit 0
fi
echo "demo: the boot did not reach the distribution's /init (QEMU status $rc); serial log: $D/serial.log" >&2
exit 1
