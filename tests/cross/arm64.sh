#!/bin/bash
# The core's arm64 code run on the host under qemu-aarch64-static (user
# mode): CRC-32 with the ARMv8 instructions and the feature detection
# (through Linux's emulation of ID_AA64ISAR0_EL1 reads, which QEMU's user
# mode does as well), on `-cpu max`, which has the instructions.
. "$(dirname "$0")/../sh/lib.sh"
CC=aarch64-linux-gnu-gcc
command -v $CC >/dev/null || { notok "arm64 core: $CC missing (tests/deps.sh installs gcc-aarch64-linux-gnu)"; exit 0; }
command -v qemu-aarch64-static >/dev/null || { notok "arm64 core: qemu-aarch64-static missing (tests/deps.sh installs qemu-user-static)"; exit 0; }
bin=$T/crc32_arm64
if ! $CC -std=c11 -Wall -Wextra -Werror -O2 -static -Iinclude -o "$bin" tests/cross/crc32_arm64.c \
	loader/crc32.c loader/crc32_arm64.c loader/cpu_arm64.c loader/cpu_x86.c 2>"$T/cc.log"; then
	notok "arm64 core: the test builds"
	sed 's/^/    /' "$T/cc.log"
	exit 0
fi
ok "arm64 core: the test builds with $CC"
check "arm64 core: file says it is an arm64 program" sh -c "file '$bin' | grep -q 'ARM aarch64'"
qemu-aarch64-static -cpu max "$bin" 1
