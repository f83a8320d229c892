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
