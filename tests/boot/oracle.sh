#!/bin/bash
# The kernel as the oracle for `initstack tree`: boot Debian's kernel in QEMU
# with each test stack concatenated into one initrd, let /init
# (tests/boot/dump-init.sh) print the tree the kernel unpacked, and compare it
# line for line with `initstack tree` on the same stack.
#
#   bash tests/boot/oracle.sh [STACK...]      (default: every stack)
#   BOOT_KEEP=DIR keeps the archives, initrds and serial logs;
#   BOOT_JOBS=N boots N VMs at a time (default 2).
. "$(dirname "$0")/lib.sh"
. "$BOOT_DIR/stacks/stacks.sh"

BOOT_JOBS=${BOOT_JOBS:-2}
BEGIN=@@INITSTACK-DUMP-BEGIN@@
END=@@INITSTACK-DUMP-END@@
stacks=${*:-$STACKS}
t0=$(date +%s)

if ! why=$(boot_prereqs); then
	notok "boot oracle: $why"
	exit 0
fi
if ! K=$(fetch_kernel) || [ ! -f "$K" ]; then
	notok "boot oracle: no kernel (Debian's linux-image package could not be fetched)"
	exit 0
fi
K=$(boot_image "$K")
boot_log "kernel: $K"

# The base archive: /init and a static busybox, first in every stack.
printf 'dir bin 0755 0 0\nfile bin/busybox /bin/busybox 0755 0 0\nfile init %s 0755 0 0\n' \
	"$BOOT_DIR/dump-init.sh" >"$T/base.list"
"$INITSTACK" build --mtime 0 -o "$T/base.cpio" --list "$T/base.list" ||
	{ notok "boot oracle: building the base archive"; exit 0; }

# modeltree OUT TREE-OPTIONS... FILES...: `initstack tree`, sorted, without
# hard-link annotations (the dump cannot see which name came first)
modeltree() {
	local out=$1
	shift
	"$INITSTACK" tree "$@" >"$out.raw" 2>"$out.err" || return 1
	sed 's/ => .*$//' "$out.raw" | sort >"$out"
}

# modellinks OUT TREE-OPTIONS... FILES...: the hard-link groups of
# `initstack tree --json`, one group a line (its names sorted, tab-separated)
modellinks() {
	local out=$1
	shift
	"$INITSTACK" tree --json "$@" 2>/dev/null |
		jq -r '.[] | select(.type != "dir") | [(.link // .path), .path] | @tsv' |
		linkgroups >"$out"
}

# linkgroups: "KEY<TAB>PATH" lines to groups of two names or more
linkgroups() {
	sort | awk -F '\t' '
		$1 != k { if (n > 1) print g; k = $1; g = $2; n = 1; next }
		{ g = g "\t" $2; n++ }
		END { if (n > 1) print g }' | sort
}

# boot_one NAME: boot NAME.img, serial log in NAME.log, seconds in NAME.time
boot_one() {
	local n=$1 s e
	s=$(date +%s.%N)
	# shellcheck disable=SC2086
	boot_qemu "$K" "$T/$n.img" "$T/$n.log" ${STACK_APPEND[$n]:-}
	echo $? >"$T/$n.rc"
	e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.1f\n", e - s }' >"$T/$n.time"
}

# Build every stack and its model first, then boot.
built=()
for n in $stacks; do
	mkdir -p "$T/$n"
	if ! mapfile -t files < <("stack_$n" "$T/$n") || [ "${#files[@]}" = 0 ]; then
		notok "$n: building the stack"
		continue
	fi
	printf '%s\n' "${files[@]}" >"$T/$n.files"
	make_initrd "$T/$n.img" "$T/base.cpio" "${files[@]}"
	# shellcheck disable=SC2086
	if ! modeltree "$T/$n.model" ${STACK_TREE[$n]:-} "$T/base.cpio" "${files[@]}"; then
		notok "$n: initstack tree on the stack"
		sed 's/^/    /' "$T/$n.model.err" | head -10
		continue
	fi
	# shellcheck disable=SC2086
	modellinks "$T/$n.model.links" ${STACK_TREE[$n]:-} "$T/base.cpio" "${files[@]}"
	# the same stack as the one file a boot loader hands the kernel
	# shellcheck disable=SC2086
	if modeltree "$T/$n.model1" ${STACK_TREE[$n]:-} "$T/$n.img"; then
		same "$n: initstack tree of the archives = of the concatenated initrd" "$T/$n.model" "$T/$n.model1"
	else
		notok "$n: initstack tree on the concatenated initrd"
		sed 's/^/    /' "$T/$n.model1.err" | head -10
	fi
	built+=("$n")
done

running=0
for n in "${built[@]}"; do
	boot_one "$n" &
	running=$((running + 1))
	if [ "$running" -ge "$BOOT_JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

for n in "${built[@]}"; do
	up=$(tr -d '\r' <"$T/$n.log" | sed -n 's/^@@INITSTACK-UPTIME@@ //p')
	boot_log "boot $n: $(cat "$T/$n.time") s in QEMU, kernel uptime ${up:-?} s after the dump, qemu status $(cat "$T/$n.rc")"
	if ! has_marker "$T/$n.log" "$END"; then
		notok "$n: the kernel ran /init and it dumped the tree (qemu status $(cat "$T/$n.rc"))"
		tr -d '\r' <"$T/$n.log" | tail -25 | sed 's/^/    /'
		continue
	fi
	ok "$n: the kernel ran /init and it dumped the tree"
	section "$T/$n.log" "$BEGIN" "$END" >"$T/$n.dump"
	grep -v '^@i ' "$T/$n.dump" | sort >"$T/$n.kernel"
	# model on the left, kernel on the right: "+" lines are the kernel's
	same "$n: the kernel's tree = initstack tree (-model +kernel)" "$T/$n.model" "$T/$n.kernel"
	# which names share an inode ("@i INODE PATH" lines of the dump)
	sed -n 's/^@i \([0-9]*\) /\1\t/p' "$T/$n.dump" | linkgroups >"$T/$n.kernel.links"
	same "$n: the kernel's hard links = initstack tree's (-model +kernel)" "$T/$n.model.links" "$T/$n.kernel.links"
done
boot_log "oracle.sh: $(($(date +%s) - t0)) s in all"
