/*
 * Memory for the loader's decoders (decoders/loader_decoders.h): the
 * kernel decompressors' kmalloc/vmalloc and kfree/vfree, and the inflate
 * state of a gzip member, from boot services.
 */
#include "../decoders/kernel/kernel_decoders.h"
#include "efi-util.h"

void *ist_kernel_alloc(size_t size)
{
	return pool_get(size);
}

void ist_kernel_free(void *p)
{
	pool_put(p);
}
