/*
 * kmalloc/kfree and vmalloc/vfree (linux/vmalloc.h) go to the two
 * functions every front end supplies (decoders/kernel/kernel_decoders.h):
 * BS->AllocatePool/FreePool in the loader, malloc/free on the host.
 */
#ifndef IST_KSHIM_SLAB_H
#define IST_KSHIM_SLAB_H

#include <linux/types.h>

void *ist_kernel_alloc(size_t size);
void ist_kernel_free(void *p);

#define GFP_KERNEL 0u

static inline void *kmalloc(size_t size, gfp_t flags)
{
	(void)flags;
	return ist_kernel_alloc(size);
}

static inline void kfree(const void *p)
{
	if (p)
		ist_kernel_free((void *)p);
}

#endif
