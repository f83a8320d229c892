/* Adler-32 (RFC 1950): two sums modulo 65521, reduced every 5552 bytes. */
#include <initstack/crc32.h>

#include "shim.h"

#define ADLER_MOD 65521u
/* The most bytes before s2 could overflow 32 bits (zlib's NMAX). */
#define ADLER_NMAX 5552u

uint32_t ist_adler32(uint32_t adler, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t s1 = adler & 0xffff, s2 = adler >> 16;
	while (len) {
		size_t n = len < ADLER_NMAX ? len : ADLER_NMAX;
		len -= n;
		while (n >= 8) {
			s1 += p[0]; s2 += s1;
			s1 += p[1]; s2 += s1;
			s1 += p[2]; s2 += s1;
			s1 += p[3]; s2 += s1;
			s1 += p[4]; s2 += s1;
			s1 += p[5]; s2 += s1;
			s1 += p[6]; s2 += s1;
			s1 += p[7]; s2 += s1;
			p += 8;
			n -= 8;
		}
		while (n--) {
			s1 += *p++;
			s2 += s1;
		}
		s1 %= ADLER_MOD;
		s2 %= ADLER_MOD;
	}
	return s2 << 16 | s1;
}
