#!/bin/bash
# initstack.efi: a PE32+ EFI application, linked with -z defs, with no
# stack-protector and no red-zone code (firmware interrupts may clobber
# memory below %rsp, and there is no %fs segment to hold a canary).
. "$(dirname "$0")/../sh/lib.sh"
EFI=build/efi-x86_64
so=$EFI/initstack.so
img=$EFI/initstack.efi
check "initstack.efi exists" test -s "$img"
check "it is an EFI application (PE32+, subsystem 10)" \
	sh -c "objdump -p '$img' | grep -q 'Subsystem.*0*a\b.*EFI application\|Subsystem\s*0000000a'"
check "no reference to __stack_chk_fail or __stack_chk_guard" \
	sh -c "! nm '$so' | grep -q '__stack_chk'"
check "no stack canary loads from %fs:0x28" sh -c "! objdump -d '$so' | grep -q '%fs:0x28'"
below=$(objdump -d "$so" | grep -E -- '-0x[0-9a-f]+\(%rsp\)' | grep -v '\slea ' | head -3)
if [ -z "$below" ]; then ok "no memory access below %rsp (no red zone)"; else notok "no memory access below %rsp (no red zone)"; echo "$below" | sed 's/^/    /'; fi
check "the link used -z defs (no undefined symbols)" sh -c "! nm -u '$so' | grep -q ."

# the arm64 image: crt0's own PE header (objcopy -O binary), no canary, no
# undefined symbol, no call into libgcc's outline atomics
A=build/efi-aarch64
check "arm64 initstack.efi is a PE32+ Aarch64 EFI application" \
	sh -c "file '$A/initstack.efi' | grep -q 'PE32+ executable (EFI application) Aarch64'"
check "arm64: no reference to __stack_chk_* or __aarch64_* helpers" \
	sh -c "! aarch64-linux-gnu-nm '$A/initstack.so' | grep -q '__stack_chk\|__aarch64_'"
check "arm64: the link used -z defs (no undefined symbols)" sh -c "! aarch64-linux-gnu-nm -u '$A/initstack.so' | grep -q ."
check "arm64: CRC-32 with the ARMv8 instructions is in the image" \
	sh -c "aarch64-linux-gnu-objdump -d '$A/initstack.so' | grep -q 'crc32x'"
