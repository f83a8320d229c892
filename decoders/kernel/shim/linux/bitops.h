#ifndef IST_KSHIM_BITOPS_H
#define IST_KSHIM_BITOPS_H
#include <linux/types.h>
/* Index of the lowest / highest set bit; undefined for 0, as in the kernel. */
static inline unsigned long __ffs(unsigned long x)
{
	return (unsigned long)__builtin_ctzl(x);
}
static inline unsigned long __fls(unsigned long x)
{
	return (unsigned long)(BITS_PER_LONG - 1 - __builtin_clzl(x));
}
#endif
