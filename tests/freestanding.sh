#!/bin/bash
# The core must need nothing from outside but memcpy/memmove/memset/memcmp.
# Its objects are built with -ffreestanding -fno-builtin by `make freestanding`.
set -u
dir=${1:-build/free}
objs=("$dir"/loader/*.o)
if [ ! -e "${objs[0]}" ]; then
	echo "not ok - no core objects in $dir"
	exit 1
fi
allowed="memcpy memmove memset memcmp"
defined=$(nm --defined-only "${objs[@]}" | awk 'NF == 3 {print $3}' | sort -u)
for o in "${objs[@]}"; do
	need=$(nm -u "$o" | awk '{print $2}' | sort -u | comm -23 - <(echo "$defined"))
	bad=$(echo "$need" | grep -vxF -e '' $(printf -- '-e %s ' $allowed) || true)
	if [ -n "$bad" ]; then
		echo "not ok - ${o##*/} needs symbols from outside the core: $(echo $bad)"
	else
		echo "ok - ${o##*/} needs from outside only: $(echo $need)"
	fi
done
# No mutable globals: the core has no .data/.bss symbols.
vars=$(nm --defined-only "${objs[@]}" | awk '$2 ~ /^[bBdD]$/ {print $3}')
if [ -n "$vars" ]; then
	echo "not ok - core has mutable globals: $(echo $vars)"
else
	echo "ok - core has no mutable globals"
fi
# The core includes no libc headers.
bad=$(grep -nE '#include <' loader/*.c loader/*.h include/initstack/*.h | grep -vE '<(stdint|stddef|stdbool|[a-z0-9]*intrin)\.h>|<initstack/' || true)
if [ -n "$bad" ]; then
	echo "not ok - core includes libc headers: $bad"
else
	echo "ok - core includes only stdint.h, stddef.h, stdbool.h and compiler intrinsics"
fi
