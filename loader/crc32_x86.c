/*
 * CRC-32 by carry-less multiplication (PCLMULQDQ), after Intel's "Fast CRC
 * Computation for Generic Polynomials Using PCLMULQDQ" (Gopal et al., 2009).
 *
 * Eight 128-bit accumulators each fold in 16 fresh bytes per 128-byte step
 * (eight independent multiply chains keep the multiplier busy); then the
 * eight are folded into one, single 16-byte blocks are folded in, and the
 * last 16-byte accumulator and the tail go through the table code. Folding
 * keeps the accumulator congruent (mod P) to the data consumed, so the CRC
 * of the accumulator's 16 bytes equals the CRC of everything it replaced and
 * no Barrett reduction is needed.
 *
 * Constants, for a fold over D bits: the low 64 bits of the accumulator
 * (the higher-degree half, in reflected order) are multiplied by
 * x^(D+32) mod P, the high 64 bits by x^(D-32) mod P, each bit-reflected in
 * 32 bits and shifted left by one (the reflected product comes out one bit
 * low). They were computed with a few lines of Python from P = 0x104C11DB7.
 *
 * With VPCLMULQDQ (and AVX state enabled in XCR0, see cpu_x86.c) the same
 * folding runs on 256-bit registers, two 128-bit lanes per instruction.
 *
 * GCC's vector builtins are used instead of <immintrin.h>, whose
 * <mm_malloc.h> pulls in <stdlib.h> and has no place in a freestanding core.
 */
#include "cpu.h"
#include "shim.h"

#if IST_ARCH_X86

typedef long long v2di __attribute__((vector_size(16)));

static inline v2di load128(const uint8_t *p)
{
	v2di v;
	__builtin_memcpy(&v, p, 16);
	return v;
}

IST_TARGET_PCLMUL static inline v2di fold(v2di acc, v2di k)
{
	return __builtin_ia32_pclmulqdq128(acc, k, 0x00) ^ __builtin_ia32_pclmulqdq128(acc, k, 0x11);
}

IST_TARGET_PCLMUL uint32_t ist_crc32_pclmul(uint32_t crc, const uint8_t *p, size_t len)
{
	if (len < 16)
		return ist_crc32_raw(crc, p, len);
	const v2di k128 = { 0x1751997d0LL, 0x0ccaa009eLL };
	const v2di k1024 = { 0x1e88ef372LL, 0x14a7fe880LL };
	const v2di seed = { (long long)crc, 0 };
	v2di x0;
	if (len >= 256) {
		x0 = load128(p) ^ seed;
		v2di x1 = load128(p + 16), x2 = load128(p + 32), x3 = load128(p + 48);
		v2di x4 = load128(p + 64), x5 = load128(p + 80), x6 = load128(p + 96);
		v2di x7 = load128(p + 112);
		p += 128;
		len -= 128;
		while (len >= 128) {
			x0 = fold(x0, k1024) ^ load128(p);
			x1 = fold(x1, k1024) ^ load128(p + 16);
			x2 = fold(x2, k1024) ^ load128(p + 32);
			x3 = fold(x3, k1024) ^ load128(p + 48);
			x4 = fold(x4, k1024) ^ load128(p + 64);
			x5 = fold(x5, k1024) ^ load128(p + 80);
			x6 = fold(x6, k1024) ^ load128(p + 96);
			x7 = fold(x7, k1024) ^ load128(p + 112);
			p += 128;
			len -= 128;
		}
		x0 = fold(x0, k128) ^ x1;
		x0 = fold(x0, k128) ^ x2;
		x0 = fold(x0, k128) ^ x3;
		x0 = fold(x0, k128) ^ x4;
		x0 = fold(x0, k128) ^ x5;
		x0 = fold(x0, k128) ^ x6;
		x0 = fold(x0, k128) ^ x7;
	} else {
		x0 = load128(p) ^ seed;
		p += 16;
		len -= 16;
	}
	while (len >= 16) {
		x0 = fold(x0, k128) ^ load128(p);
		p += 16;
		len -= 16;
	}
	uint8_t acc[16];
	__builtin_memcpy(acc, &x0, 16);
	return ist_crc32_raw(ist_crc32_raw(0, acc, 16), p, len);
}

typedef long long v4di __attribute__((vector_size(32)));

IST_TARGET_VPCLMUL static inline v4di load256(const uint8_t *p)
{
	v4di v;
	__builtin_memcpy(&v, p, 32);
	return v;
}

IST_TARGET_VPCLMUL static inline v4di fold256(v4di acc, v4di k)
{
	return IST_VPCLMUL256(acc, k, 0x00) ^ IST_VPCLMUL256(acc, k, 0x11);
}

/*
 * Eight 256-bit accumulators (sixteen 128-bit lanes) fold 256 bytes per
 * step over a distance of 2048 bits; the lanes are then folded one by one
 * in stream order, and the rest goes to the 128-bit code.
 */
IST_TARGET_VPCLMUL uint32_t ist_crc32_vpclmul(uint32_t crc, const uint8_t *p, size_t len)
{
	if (len < 512)
		return ist_crc32_pclmul(crc, p, len);
	const v4di k2048 = { 0x11542778aLL, 0x1322d1430LL, 0x11542778aLL, 0x1322d1430LL };
	const v4di seed = { (long long)crc, 0, 0, 0 };
	v4di y[8];
	for (int i = 0; i < 8; i++)
		y[i] = load256(p + 32 * i);
	y[0] ^= seed;
	p += 256;
	len -= 256;
	while (len >= 256) {
		/*
		 * From DRAM the loop outruns the hardware prefetcher: asking
		 * 2 KiB ahead took 147 MB from 13-15 to 16-17 GB/s, near the
		 * 17-18 GB/s one core reads there at all.
		 */
		if (len >= 2048 + 256) {
			__builtin_prefetch(p + 2048);
			__builtin_prefetch(p + 2048 + 64);
			__builtin_prefetch(p + 2048 + 128);
			__builtin_prefetch(p + 2048 + 192);
		}
		y[0] = fold256(y[0], k2048) ^ load256(p);
		y[1] = fold256(y[1], k2048) ^ load256(p + 32);
		y[2] = fold256(y[2], k2048) ^ load256(p + 64);
		y[3] = fold256(y[3], k2048) ^ load256(p + 96);
		y[4] = fold256(y[4], k2048) ^ load256(p + 128);
		y[5] = fold256(y[5], k2048) ^ load256(p + 160);
		y[6] = fold256(y[6], k2048) ^ load256(p + 192);
		y[7] = fold256(y[7], k2048) ^ load256(p + 224);
		p += 256;
		len -= 256;
	}
	uint8_t lanes[256];
	__builtin_memcpy(lanes, y, sizeof lanes);
	const v2di k128 = { 0x1751997d0LL, 0x0ccaa009eLL };
	v2di x = load128(lanes);
	for (int i = 1; i < 16; i++)
		x = fold(x, k128) ^ load128(lanes + 16 * i);
	/* x stands for everything so far: continue with 16-byte folds. */
	while (len >= 16) {
		x = fold(x, k128) ^ load128(p);
		p += 16;
		len -= 16;
	}
	uint8_t acc[16];
	__builtin_memcpy(acc, &x, 16);
	return ist_crc32_raw(ist_crc32_raw(0, acc, 16), p, len);
}

#else

uint32_t ist_crc32_pclmul(uint32_t crc, const uint8_t *p, size_t len)
{
	return ist_crc32_raw(crc, p, len);
}

uint32_t ist_crc32_vpclmul(uint32_t crc, const uint8_t *p, size_t len)
{
	return ist_crc32_raw(crc, p, len);
}

#endif
