#ifndef INITSTACK_EFI_DECODE_H
#define INITSTACK_EFI_DECODE_H

#include <initstack/archive.h>

/* Decoders available in the loader: gzip with our inflate, the rest with
 * the kernel's own decompressors (read whole: use ist_archive_feed_whole). */
enum ist_status efi_decoder_open(void *user, enum ist_compression c, struct ist_decoder *d,
				 struct ist_error *err);

#endif
