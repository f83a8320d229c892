#!/bin/bash
# boot.sh DISK.img LOG: boot a whole-system disk image under QEMU (TCG) and
# OVMF, its firmware starting EFI/BOOT/BOOTX64.EFI from the ESP as on a
# machine with no boot entries, and wait for the marker line that
# initstack-marker.service prints once systemd has reached
# multi-user.target. The serial console goes to LOG.
#
# Exit 0 with the marker (QEMU is given a moment to power off, as the
# service asks, then stopped); 1 with the tail of the log when the marker
# does not come within SYS_BOOT_TIMEOUT seconds (default 420: about five
# minutes under TCG, and some slack) or QEMU ends without it.
#
# Environment: SYS_BOOT_TIMEOUT, SYS_SMP (virtual CPUs, default 2, on
# multi-threaded TCG), SYS_BOOT_PERSIST=1 to let the guest write the image
# (by default it runs on a snapshot, so that every boot starts from the
# same disk). The kernel command line is the boot entry's, on the ESP.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/config.sh"

[ $# = 2 ] || { echo "usage: boot.sh DISK.img LOG" >&2; exit 2; }
img=$1 log=$2
timeout=${SYS_BOOT_TIMEOUT:-420}
smp=${SYS_SMP:-2}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
MARKER=INITSTACK-SYSTEM:

[ -f "$img" ] || { echo "boot.sh: no image $img" >&2; exit 2; }
[ -f "$OVMF_CODE" ] || { echo "boot.sh: no $OVMF_CODE (apt-get install ovmf)" >&2; exit 1; }

snapshot=on
[ -n "${SYS_BOOT_PERSIST:-}" ] && snapshot=off
# shellcheck disable=SC2054 # QEMU option values, not array elements
cpus=(-machine q35,accel=tcg -smp 1)
# shellcheck disable=SC2054
[ "$smp" -gt 1 ] && cpus=(-machine q35 -accel tcg,thread=multi -smp "$smp")

# a fresh copy of the variables each boot: no boot entries, no state carried over
vars=$(mktemp "$log.vars.XXXXXX")
trap 'rm -f "$vars"' EXIT
cp "$OVMF_VARS" "$vars"
: >"$log"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
start=$(now_ms)
# the hard timeout is QEMU's own (plus the time to power off after the marker)
timeout -k 5 $((timeout + 60)) qemu-system-x86_64 \
	"${cpus[@]}" -m 1024 -display none -no-reboot -nodefaults \
	-serial file:"$log" -monitor none -nic none \
	-drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
	-drive if=pflash,format=raw,unit=1,file="$vars" \
	-drive if=none,id=disk,format=raw,file="$img",snapshot=$snapshot \
	-device virtio-blk-pci,drive=disk,bootindex=1 \
	-device virtio-rng-pci \
	</dev/null >"$log.qemu" 2>&1 &
pid=$!

found=
while kill -0 "$pid" 2>/dev/null; do
	if grep -qaF -- "$MARKER" "$log"; then
		found=$(now_ms)
		break
	fi
	[ $(($(now_ms) - start)) -gt $((timeout * 1000)) ] && break
	sleep 0.5
done

if [ -z "$found" ] && grep -qaF -- "$MARKER" "$log"; then
	found=$(now_ms)   # written just before QEMU ended
fi
if [ -n "$found" ]; then
	# the guest powers itself off (unless told not to); give it 60 s, then
	# stop it
	wait_off=120
	grep -qa 'Command line:.* initstack\.nopoweroff' "$log" && wait_off=0
	for _ in $(seq $wait_off); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	tr -d '\r' <"$log" | grep -aF -- "$MARKER" | head -1
	ms=$((found - start))
	printf 'boot.sh: marker after %d.%01d s (QEMU start to marker, wall clock)\n' \
		$((ms / 1000)) $((ms % 1000 / 100))
	exit 0
fi

kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "boot.sh: no $MARKER line within ${timeout} s; last lines of $log:" >&2
tr -d '\r' <"$log" | tail -n 40 >&2
[ -s "$log.qemu" ] && { echo "boot.sh: QEMU said:" >&2; tail -n 5 "$log.qemu" >&2; }
exit 1
