/*
 * Run-time CPU feature detection on arm64: the CRC32 field of
 * ID_AA64ISAR0_EL1 (bits 19:16; optional in ARMv8.0, required from
 * ARMv8.1). The loader runs at EL1 or EL2, where the register is readable;
 * Linux traps the read at EL0 and answers it for programs (its "CPU feature
 * registers" emulation, since 4.11), so the host tool asks the same way.
 */
#include "cpu.h"

#if IST_ARCH_ARM64

uint32_t ist_cpu_detect(void)
{
	uint64_t isar0;
	__asm__ volatile("mrs %0, ID_AA64ISAR0_EL1" : "=r"(isar0));
	return (isar0 >> 16 & 0xf) ? IST_CPU_ARM_CRC32 : 0;
}

#endif
