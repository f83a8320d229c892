/*
 * CRC-32 with the ARMv8 CRC32 instructions, which compute exactly gzip's
 * reflected CRC (polynomial 0x04C11DB7) on 1 to 8 bytes at a time: bytes
 * up to an 8-byte boundary, then one CRC32X per 8 bytes, then the tail.
 * One instruction's latency per 8 bytes is well above the table code's
 * speed; folding with PMULL would go further and is not done.
 */
#include "cpu.h"
#include "shim.h"

#if IST_ARCH_ARM64

IST_TARGET_CRC uint32_t ist_crc32_armv8(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len && ((uintptr_t)p & 7)) {
		crc = __builtin_aarch64_crc32b(crc, *p++);
		len--;
	}
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		crc = __builtin_aarch64_crc32x(crc, v);
	}
	while (len--)
		crc = __builtin_aarch64_crc32b(crc, *p++);
	return crc;
}

#endif
