#!/bin/bash
# make demo: the host tool on a kernel-camp archive and a distribution
# archive that clashes with it. (The QEMU boot through initstack.efi joins
# this demo when the loader lands.)
set -u
cd "$(dirname "$0")/.."
I=$PWD/build/host/initstack
D=build/demo
rm -rf "$D" && mkdir -p "$D/kernel-camp/kernel/hooks" "$D/distro/kernel" "$D/distro/bin" \
	"$D/early/kernel/x86/microcode"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

printf '#!/bin/sh\necho handover\n' >"$D/kernel-camp/kernel/handover"
printf '#!/bin/sh\necho hook 10\n' >"$D/kernel-camp/kernel/hooks/10-firmware"
printf '#!/bin/sh\necho hook 20\n' >"$D/kernel-camp/kernel/hooks/20-keys"
chmod 755 "$D"/kernel-camp/kernel/handover "$D"/kernel-camp/kernel/hooks/*
cp /bin/busybox "$D/distro/bin/busybox"
ln -s busybox "$D/distro/bin/sh"
printf '#!/bin/sh\necho "a distribution that thinks it owns /kernel"\n' >"$D/distro/kernel/handover"
printf '#!/bin/sh\nexec /bin/sh\n' >"$D/distro/init"
head -c 4096 /dev/urandom >"$D/early/kernel/x86/microcode/GenuineIntel.bin"

say "the kernel camp's archive, built by initstack (deterministic newc)"
"$I" build --mtime 0 --owner 0:0 -o "$D/kernel.cpio" "$D/kernel-camp"
"$I" list "$D/kernel.cpio"

say "the distribution's archive, made by GNU cpio and gzip"
(cd "$D/distro" && find . | cpio -o -H newc --quiet | gzip -9 >../distro.img)
"$I" list "$D/distro.img" | head -8

say "early microcode, but compressed: the kernel's early loader will not see it"
(cd "$D/early" && find kernel | cpio -o -H newc --quiet | gzip >../early.img)
"$I" check --early "$D/early.img" --kernel "$D/kernel.cpio"

say "what the kernel does today with  kernel.cpio + distro.img  (last wins, silently)"
"$I" check --kernel "$D/kernel.cpio" "$D/distro.img"
echo "exit status $? (1: the stack breaks the policy)"
"$I" tree --kernel "$D/kernel.cpio" "$D/distro.img" 2>/dev/null | grep ' /kernel/handover$'

say "with the distribution's archive deferred: its entry under /kernel is refused"
"$I" tree --kernel "$D/kernel.cpio" --deferred "$D/distro.img" 2>&1 | grep -E 'refused|/kernel/handover$|/init$'
echo
echo "The kernel camp's /kernel/handover survives; the distribution's /init is there."
