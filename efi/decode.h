#ifndef INITSTACK_EFI_DECODE_H
#define INITSTACK_EFI_DECODE_H

#include <initstack/archive.h>

/* Decoders available in the loader (gzip, with our inflate). */
enum ist_status efi_decoder_open(void *user, enum ist_compression c, struct ist_decoder *d,
				 struct ist_error *err);

#endif
