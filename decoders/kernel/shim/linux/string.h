/* The four memory functions come from the environment: the host's libc,
 * or the EFI front end's definitions (efi/mem.c and gnu-efi). */
#ifndef IST_KSHIM_STRING_H
#define IST_KSHIM_STRING_H

#include <linux/types.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
