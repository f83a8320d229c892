#!/bin/bash
# times.sh [RUNS] [VARIANT...]: boot each variant's cached image (made by
# run.sh) RUNS times (default 3), one after the other, and print per boot the
# wall-clock time from QEMU's start to the marker, the guest's uptime at the
# marker, and kernel timestamps of the stages that differ between the
# variants (init started, ext4 root mounted).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/config.sh"

runs=${1:-3}
shift || true
[ $# -gt 0 ] || set -- deferred bls
for v in "$@"; do
	img=$SYS_CACHE/images/$v.img
	[ -f "$img" ] || { echo "times.sh: no $img (run.sh $v makes it)" >&2; exit 1; }
	# run.sh holds this lock while it builds or boots the same image
	exec 9>"$SYS_CACHE/images/$v.lock"
	flock 9
	for i in $(seq "$runs"); do
		log=$SYS_CACHE/times-$v-$i.log
		wall=$("$SYS_DIR/boot.sh" "$img" "$log" </dev/null 9>&- | sed -n 's/^boot.sh: marker after \([0-9.]*\) s.*/\1/p')
		tr -d '\r' <"$log" | awk -v v="$v" -v i="$i" -v wall="$wall" '
			/Run .* as init process/ && !init { init = $2; sub(/\]/, "", init) }
			/EXT4-fs \(vda2\): mounted/ && !root { root = $2; sub(/\]/, "", root) }
			/StartImage at/ { for (f = 1; f <= NF; f++) if ($f == "at") start = $(f + 1) }
			/^INITSTACK-SYSTEM:/ && !up { up = $NF; sub(/uptime=/, "", up) }
			END { printf "%-8s run %d: marker %s s wall, uptime %s s; loader StartImage %s ms; kernel: init %s s, root mounted %s s\n", v, i, wall, up, start, init, root }'
	done
done
