/* Run-time CPU feature detection (x86: CPUID and XGETBV; arm64: cpu_arm64.c;
 * elsewhere none). */
#include "cpu.h"

#if IST_ARCH_X86

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

uint32_t ist_cpu_detect(void)
{
	uint32_t r[4], f = 0;
	cpuid(0, 0, r);
	uint32_t max_leaf = r[0];
	if (max_leaf < 1)
		return 0;
	cpuid(1, 0, r);
	uint32_t ecx1 = r[2];
	bool sse41 = ecx1 >> 19 & 1, pclmul = ecx1 >> 1 & 1;
	bool osxsave = ecx1 >> 27 & 1, avx = ecx1 >> 28 & 1;
	if (sse41 && pclmul)
		f |= IST_CPU_PCLMUL;
	if (max_leaf < 7)
		return f;
	cpuid(7, 0, r);
	if (r[1] >> 8 & 1)
		f |= IST_CPU_BMI2;
	/* YMM state must be enabled by whoever owns XCR0 (firmware or OS). */
	bool ymm_ok = false;
	if (osxsave && avx) {
		uint32_t lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		(void)hi;
		ymm_ok = (lo & 6) == 6;
	}
	if (ymm_ok && (r[1] >> 5 & 1)) {
		f |= IST_CPU_AVX2;
		if ((r[2] >> 10 & 1) && (f & IST_CPU_PCLMUL))
			f |= IST_CPU_VPCLMUL;
	}
	return f;
}

#elif !IST_ARCH_ARM64

uint32_t ist_cpu_detect(void)
{
	return 0;
}

#endif
