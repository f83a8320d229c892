#ifndef IST_KSHIM_VMALLOC_H
#define IST_KSHIM_VMALLOC_H

#include <linux/slab.h>

static inline void *vmalloc(unsigned long size)
{
	return ist_kernel_alloc(size);
}

static inline void vfree(const void *p)
{
	if (p)
		ist_kernel_free((void *)p);
}

#endif
