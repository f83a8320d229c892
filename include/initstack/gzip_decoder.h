/*
 * gzip members for the archive reader (archive.h), decoded by initstack's
 * own inflate in windowed mode. The decoder stops at the end of one member,
 * exactly where the kernel's gunzip stops, so what follows is the next
 * segment. The caller owns the state (about 120 KiB); `release` does
 * nothing. `max_ratio` (0: none) stops decompression bombs.
 */
#ifndef INITSTACK_GZIP_DECODER_H
#define INITSTACK_GZIP_DECODER_H

#include <initstack/archive.h>
#include <initstack/inflate.h>

enum ist_status ist_gzip_decoder(struct ist_inflate *s, uint32_t max_ratio, struct ist_decoder *d,
				 struct ist_error *err);

#endif
