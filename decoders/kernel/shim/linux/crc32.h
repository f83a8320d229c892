/*
 * crc32_le for lib/xz (the in-kernel build uses the kernel's CRC-32, not
 * xz's internal table): the core's slice-by-8 CRC-32, which conditions the
 * value before and after (zlib style) where crc32_le does not.
 */
#ifndef IST_KSHIM_CRC32_H
#define IST_KSHIM_CRC32_H
#include <linux/types.h>
uint32_t ist_crc32(uint32_t crc, const void *buf, size_t len);
static inline u32 crc32_le(u32 crc, const unsigned char *p, size_t len)
{
	return ~ist_crc32(~crc, p, len);
}
#endif
