/*
 * The loader's decoders: what initstack.efi validates the kernel's archives
 * with, and what `initstack list|check|tree` read files with, so the tool
 * says exactly what the loader does. gzip with initstack's own inflate
 * (windowed, with the loader's bomb limit below), the other six formats
 * with the kernel's own decompressors (kernel/kernel_decoders.h), which
 * read a member whole: feed each file with ist_archive_feed_whole.
 *
 * Memory comes from ist_kernel_alloc/ist_kernel_free, which each front end
 * supplies (the loader from boot services, the host from malloc).
 *
 * The hosted programs that read in chunks (the handover, `initstack
 * build`) use library/library_decoders.h instead: Debian's libraries,
 * which stop where the kernel's decompressors stop but take any chunking.
 */
#ifndef INITSTACK_LOADER_DECODERS_H
#define INITSTACK_LOADER_DECODERS_H

#include <initstack/archive.h>

/* A gzip member that inflates to more than this many times its size is a
 * bomb: initramfs data compresses about 4:1, nothing real reaches 1000:1. */
#define IST_LOADER_GZIP_MAX_RATIO 1000

/* An ist_decoder_open_fn (`user` is unused): every compression the kernel
 * has; IST_UNSUPPORTED for NONE and unknown values. */
enum ist_status ist_loader_decoder_open(void *user, enum ist_compression c, struct ist_decoder *d,
					struct ist_error *err);

#endif
