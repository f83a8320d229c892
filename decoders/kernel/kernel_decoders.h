/*
 * The kernel's own decompressors (lib/decompress_unzstd.c, unxz, unlzma,
 * bunzip2, unlz4, unlzo of Linux 6.1, from Debian's linux-source-6.1) as
 * ist_archive decoders, called the way init/initramfs.c calls them:
 * fill = NULL, a flush callback, outbuf = NULL, len = everything from the
 * member's first byte to the end of the file, *posp = the bytes the
 * decompressor consumed. So a member is accepted exactly when the kernel
 * accepts it (xz refuses CRC64 and SHA-256 check types, lzop block
 * checksums are not read, a legacy lz4 stream runs to the end of the file
 * or to a zero chunk size, ...), because it is the same code, compiled
 * with the Kconfig choices of Debian's amd64 kernel (XZ BCJ filter: x86
 * only).
 *
 * The sources are fetched into a cache at build time (decoders/kernel/
 * fetch.sh) and never kept in the tree; the headers they include come
 * from our shims in decoders/kernel/shim/.
 *
 * The decoders read members only whole: they set ist_decoder.run_whole,
 * not run, so the archive must be fed with ist_archive_feed_whole (with
 * ist_archive_feed a member is IST_INVALID).
 *
 * Errors: the kernel's own message, which the archive prefixes with the
 * member ("zstd member at offset 2048: ZSTD-compressed data is corrupt").
 * As in init/initramfs.c the first message a decompressor reports wins,
 * even where it goes on afterwards, and output handed over after it is
 * refused. A decompressor that fails without a message (bunzip2 returns
 * RETVAL_* codes, unlzma fails to allocate its window silently) gets a
 * wording of ours that names the code.
 *
 * One at a time: the kernel's decompressors call flush(buf, len) and
 * error(msg) without a user pointer, so this adapter keeps one static
 * context for the member being decoded (initramfs.c itself keeps file
 * globals). A second decode while one runs (another thread, or a flush
 * callback that decodes) is refused with IST_INVALID.
 */
#ifndef INITSTACK_KERNEL_DECODERS_H
#define INITSTACK_KERNEL_DECODERS_H

#include <initstack/archive.h>

/* True for the six formats the kernel decoders handle (every compression
 * the kernel has but gzip, which the loader inflates itself). */
bool ist_kernel_decoder_supported(enum ist_compression c);

/*
 * An ist_decoder_open_fn: fills `d` with run_whole and a no-op release
 * (the decoder holds no state between members; the decompressor allocates
 * and frees its own memory inside each call). `user` is unused. Returns
 * IST_UNSUPPORTED with `err` for gzip, NONE and unknown values.
 */
enum ist_status ist_kernel_decoder_open(void *user, enum ist_compression c, struct ist_decoder *d,
					struct ist_error *err);

/*
 * One member of format `c`, whole: `in` holds `len` bytes from its first
 * byte (anything may follow the stream). Decoded data goes to `flush` in
 * order; a non-zero return from it stops the decoder and the result is
 * IST_ABORTED. On success *in_used is what the kernel's *posp says the
 * member took. On failure `err` holds the kernel's message and a status:
 * IST_NO_MEMORY for allocation failures, IST_TRUNCATED where the kernel
 * says the data ends early, IST_BAD_DATA otherwise (err->offset is 0: the
 * kernel does not say where). This is what run_whole calls.
 */
enum ist_status ist_kernel_decompress(enum ist_compression c, const uint8_t *in, size_t len,
				      size_t *in_used,
				      int (*flush)(void *user, const uint8_t *p, size_t n),
				      void *flush_user, struct ist_error *err);

/*
 * Memory for the decompressors: kmalloc/vmalloc and kfree/vfree (and
 * decompress/mm.h's malloc/large_malloc) come here. Each front end
 * supplies both: the loader with BS->AllocatePool/FreePool, the host with
 * malloc/free (decoders/kernel/host_alloc.c). ist_kernel_alloc returns
 * NULL when it cannot; ist_kernel_free is never passed NULL.
 */
void *ist_kernel_alloc(size_t size);
void ist_kernel_free(void *p);

#endif
