#!/bin/bash
# Print the directory of the kernel modules of Debian's kernel package
# (linux-image-amd64's dependency), fetched and unpacked once into the cache
# as the boot tests do (tests/boot/lib.sh: nothing installed). tests/run.sh
# hands it to the unit tests as INITSTACK_MODULES: the inflate corpus takes
# real modules from it.
. "$(dirname "$0")/../boot/lib.sh"
k=$(fetch_kernel) || { echo "modules: no kernel package" >&2; exit 1; }
d=$(kernel_modules "$k") || exit 1
[ -d "$d" ] || { echo "modules: $d is not a directory" >&2; exit 1; }
echo "$d"
