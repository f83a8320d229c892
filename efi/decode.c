/*
 * Decoders in the loader: gzip with initstack's own inflate, the other six
 * compressions the kernel accepts (zstd, xz, lzma, bzip2, lz4, lzo) with
 * the kernel's own decompressors (decoders/kernel/), so the loader accepts
 * exactly the members the kernel will. The kernel decoders read a member
 * whole: stack.c feeds each file with ist_archive_feed_whole.
 */
#include <initstack/gzip_decoder.h>

#include "../decoders/kernel/kernel_decoders.h"
#include "decode.h"
#include "efi-util.h"

/* Beyond this a gzip member is treated as a bomb: initramfs data compresses
 * about 4:1, nothing real reaches 1000:1. */
#define MAX_RATIO 1000

static void release(void *state)
{
	BS->FreePool(state);
}

/* The kernel decoders' kmalloc/vmalloc and kfree/vfree. */
void *ist_kernel_alloc(size_t size)
{
	void *p = NULL;
	if (BS->AllocatePool(EfiLoaderData, size, &p) != EFI_SUCCESS)
		return NULL;
	return p;
}

void ist_kernel_free(void *p)
{
	BS->FreePool(p);
}

enum ist_status efi_decoder_open(void *user, enum ist_compression c, struct ist_decoder *d,
				 struct ist_error *err)
{
	(void)user;
	if (c != IST_COMP_GZIP)
		return ist_kernel_decoder_open(NULL, c, d, err);
	struct ist_inflate *s = NULL;
	if (BS->AllocatePool(EfiLoaderData, sizeof *s, (void **)&s) != EFI_SUCCESS)
		return ist_fail(err, IST_NO_MEMORY, 0, "no memory for the gzip decoder");
	enum ist_status st = ist_gzip_decoder(s, MAX_RATIO, d, err);
	if (st) {
		BS->FreePool(s);
		return st;
	}
	d->release = release;
	return IST_OK;
}
