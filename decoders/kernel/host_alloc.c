/* The host's memory for the kernel decoders (see kernel_decoders.h). */
#include <stdlib.h>

#include "kernel_decoders.h"

void *ist_kernel_alloc(size_t size)
{
	return malloc(size);
}

void ist_kernel_free(void *p)
{
	free(p);
}
