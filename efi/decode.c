/*
 * Decoders in the loader: gzip with initstack's own inflate. Other formats
 * (zstd, xz, ...) are not decoded here; the archive reader reports them as
 * unsupported and the loader passes such archives through unvalidated.
 */
#include <initstack/gzip_decoder.h>

#include "decode.h"
#include "efi-util.h"

/* Beyond this a gzip member is treated as a bomb: initramfs data compresses
 * about 4:1, nothing real reaches 1000:1. */
#define MAX_RATIO 1000

static void release(void *state)
{
	BS->FreePool(state);
}

enum ist_status efi_decoder_open(void *user, enum ist_compression c, struct ist_decoder *d,
				 struct ist_error *err)
{
	(void)user;
	if (c != IST_COMP_GZIP)
		return ist_fail(err, IST_UNSUPPORTED, 0, "no %s decoder in the loader",
				ist_compression_name(c));
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
