/*
 * The only place the core meets its environment. The core needs exactly
 * memcpy, memmove, memset and memcmp from outside (the host's libc, or the
 * EFI front end's own definitions); tests/freestanding.sh checks with nm that
 * nothing else is undefined.
 */
#ifndef INITSTACK_SHIM_H
#define INITSTACK_SHIM_H

#include <stddef.h>
#include <stdint.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#define IST_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define IST_MIN(a, b) ((a) < (b) ? (a) : (b))
#define IST_MAX(a, b) ((a) > (b) ? (a) : (b))
#define IST_LIKELY(x) __builtin_expect(!!(x), 1)
#define IST_UNLIKELY(x) __builtin_expect(!!(x), 0)

static inline size_t ist_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static inline uint32_t ist_load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint32_t ist_load_be32(const uint8_t *p)
{
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

#endif
