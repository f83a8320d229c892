#!/bin/busybox sh
# /init for the boot oracle (tests/boot/oracle.sh): print the rootfs the
# kernel unpacked, one line per path in the format of `initstack tree`
#   TYPE MODE UID:GID SIZE HASH PATH [-> TARGET]
# (without the "=> FIRST" hard-link annotation), and for every non-directory
# with more than one link a line "@i INODE PATH", between two markers on the
# console, then power the VM off.
#
# It changes nothing before the dump: no mount, no file, no PATH lookup (the
# kernel gives /init no PATH and the stack holds only /bin/busybox, so every
# applet is called through it). stdin/stdout/stderr are /dev/console, which
# the kernel opened before running /init.
#
# For a dry run on the host: INITSTACK_DUMP_ROOT=DIR (paths are printed
# relative to it) and INITSTACK_DUMP_NOPOWEROFF=1.
B=/bin/busybox
R=${INITSTACK_DUMP_ROOT:-}

# Only as the kernel's init (PID 1) or for a dry run: tests/run.sh runs every
# tests/boot/*.sh, and this script must not walk and power off the host.
if [ "$$" != 1 ] && [ -z "$R" ]; then
	exit 0
fi

line() {
	# $1: absolute path as the kernel sees it
	p=$1
	f=$($B stat -c '%f %u %g %s %t %T %i %h' "$R$p") || { echo "? $p"; return; }
	set -- $f
	raw=$((0x$1)) uid=$2 gid=$3 size=$4 maj=$((0x$5)) min=$((0x$6))
	perm=$(printf '%04o' $((raw & 4095)))
	if [ "$8" -gt 1 ] && [ $((raw & 61440)) != 16384 ]; then
		echo "@i $7 $p"
	fi
	case $((raw & 61440)) in
	32768)
		h=$($B sha256sum <"$R$p") || h="? -"
		echo "f $perm $uid:$gid $size ${h%% *} $p" ;;
	16384) echo "d $perm $uid:$gid - - $p" ;;
	40960) echo "l $perm $uid:$gid $size - $p -> $($B readlink "$R$p")" ;;
	8192) echo "c $perm $uid:$gid - $maj:$min $p" ;;
	24576) echo "b $perm $uid:$gid - $maj:$min $p" ;;
	4096) echo "p $perm $uid:$gid - - $p" ;;
	49152) echo "s $perm $uid:$gid - - $p" ;;
	*) echo "? $perm $uid:$gid - - $p" ;;
	esac
}

# Kernel messages on the same serial console would land inside the dump
# (a boot with the default loglevel prints clocksource lines late): quiet
# the console first. klogctl only, nothing in the tree changes.
[ -z "$R" ] && $B dmesg -n 1

echo
echo "@@INITSTACK-DUMP-BEGIN@@"
line /
# -mindepth 1: the root is printed above as "/"; find prints "/x", or with a
# dry-run root "DIR/x", which becomes "/x".
$B find "$R/" -mindepth 1 | while IFS= read -r q; do
	line "${q#"$R"}"
done
echo "@@INITSTACK-DUMP-END@@"

[ -n "${INITSTACK_DUMP_NOPOWEROFF:-}" ] && exit 0
# After the dump the tree may change: the kernel's uptime, for the log.
if $B mkdir /.oracle-proc 2>/dev/null && $B mount -t proc proc /.oracle-proc 2>/dev/null; then
	read -r up _ </.oracle-proc/uptime
	echo "@@INITSTACK-UPTIME@@ $up"
fi
$B poweroff -f
# If poweroff fails, /init exits: the kernel panics and, with panic=-1 and
# QEMU's -no-reboot, the VM ends anyway.
