/*
 * libfdt's environment inside initstack.efi, in place of libfdt's own
 * libfdt_env.h (which includes the host's <stdlib.h> and <string.h>, and
 * which decoders/kernel/fetch.sh therefore leaves out of the cache). The
 * string functions libfdt calls are declared here and defined in
 * efi/libc.c; memcpy, memmove, memset and memcmp are the loader's own
 * (efi/mem.c and libgnuefi).
 */
#ifndef LIBFDT_ENV_H
#define LIBFDT_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* UEFI runs little-endian on every architecture it defines */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "initstack.efi assumes a little-endian CPU"
#endif

/* what libfdt takes from <limits.h>: gcc's own limits.h reaches for the C
 * library's, which a cross build has none of */
#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif
#ifndef ULONG_MAX
#define ULONG_MAX (__LONG_MAX__ * 2UL + 1UL)
#endif

typedef uint16_t fdt16_t;
typedef uint32_t fdt32_t;
typedef uint64_t fdt64_t;

static inline uint16_t fdt16_to_cpu(fdt16_t x) { return __builtin_bswap16(x); }
static inline uint32_t fdt32_to_cpu(fdt32_t x) { return __builtin_bswap32(x); }
static inline uint64_t fdt64_to_cpu(fdt64_t x) { return __builtin_bswap64(x); }
static inline fdt16_t cpu_to_fdt16(uint16_t x) { return __builtin_bswap16(x); }
static inline fdt32_t cpu_to_fdt32(uint32_t x) { return __builtin_bswap32(x); }
static inline fdt64_t cpu_to_fdt64(uint64_t x) { return __builtin_bswap64(x); }

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
int strncmp(const char *a, const char *b, size_t n);
unsigned long strtoul(const char *s, char **end, int base);

#endif
