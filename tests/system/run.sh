#!/bin/bash
# run.sh [VARIANT...]: the whole-system boot test, end to end. For each
# VARIANT: the rootfs (rootfs.sh, cached), its ESP, the disk image (disk.sh,
# cached under a key of the rootfs and the ESP's content), and a boot to
# the marker line (boot.sh). VARIANTs (default: deferred bls): the rootfs as
# built, and an ESP with the current build's loader and an entry written by
# hand (manual-esp.sh), deferred or plain BLS. A developer's loop; the test
# with the package and its hooks is check.sh (make system-check). Logs and
# images stay in $INITSTACK_CACHE/system/ (run-VARIANT.log, images/VARIANT.img).
# Exit status: the number of variants that did not reach the marker.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/config.sh"

[ $# -gt 0 ] || set -- deferred bls
t0=$SECONDS
root=$("$SYS_DIR/rootfs.sh")
sys_log "rootfs ready: $root ($((SECONDS - t0)) s)"
mkdir -p "$SYS_CACHE/images"

failed=0
for variant in "$@"; do
	img=$SYS_CACHE/images/$variant.img
	log=$SYS_CACHE/run-$variant.log
	# (set -e does not hold in a subshell whose status is tested: each
	# step says || exit 1)
	(
		# one run at a time per variant: they share the ESP tree, the image
		# and the serial log
		flock 9 || exit 1
		t=$SECONDS
		vroot=$root
		esp=$SYS_CACHE/esp-$variant
		"$SYS_DIR/manual-esp.sh" "$root" "$variant" "$esp" || exit 1
		key=$( { echo "$vroot"; cat "$SYS_DIR/disk.sh" "$SYS_DIR/config.sh"
			(cd "$esp" && find . -type f | LC_ALL=C sort | xargs sha256sum); } | sha256sum | cut -c1-16) || exit 1
		if [ -f "$img" ] && [ "$(cat "$img.key" 2>/dev/null)" = "$key" ]; then
			sys_log "$variant: image $img is up to date"
		else
			rm -f "$img.key"
			"$SYS_DIR/disk.sh" "$vroot" "$esp" "$img" || exit 1
			echo "$key" >"$img.key" || exit 1
			sys_log "$variant: ESP and disk built in $((SECONDS - t)) s"
		fi
		sys_log "$variant: booting $img (serial log $log)"
		"$SYS_DIR/boot.sh" "$img" "$log" || exit 1
		# what shows the way: the loader, handover, the hook, systemd's targets
		tr -d '\r' <"$log" | sed 's/\x1b\[[0-9;]*m//g' |
			grep -aE '^initstack|handover|INITSTACK-|Reached target .*(Local File|Multi-User)|EXT4-fs \(vda2\): mounted|Begin: Will now check root' |
			grep -v '^\[ *[0-9.]*\] initstack-marker' | sed 's/^/#   /' >&2 || true
	) 9>"$SYS_CACHE/images/$variant.lock" || failed=$((failed + 1))
done
sys_log "done: $failed of $# variants failed, $((SECONDS - t0)) s in all"
exit "$failed"
