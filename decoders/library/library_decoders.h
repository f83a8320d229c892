/*
 * Host decoders for compressed initramfs members, over Debian's libraries:
 * zlib (gzip), libbz2, liblzma (lzma, xz), liblzo2 (lzop), liblz4 (legacy
 * lz4) and libzstd. They plug into ist_archive through the
 * ist_decoder_open_fn contract of <initstack/archive.h>.
 *
 * Each decoder reads exactly one member as the kernel's own decompressor
 * (lib/decompress_*.c, called from init/initramfs.c) reads it, and stops
 * where the kernel stops, so *in_used ends on the member's last byte:
 *
 *   gzip   one member: 1f 8b 08, ten header bytes and an optional file name
 *          (the kernel skips nothing else: FEXTRA, FCOMMENT and FHCRC are
 *          errors), raw deflate, the 8-byte trailer. No multi-member
 *          continuation: a following member is the next segment.
 *   bzip2  one stream. lzma: one .lzma (LZMA_Alone) stream.
 *   xz     one stream, without its stream padding; check type none or
 *          CRC32 only (what the kernel's xz decoder supports; use
 *          `xz --check=crc32`).
 *   lzo    the lzop file format as lib/decompress_unlzo.c parses it: exactly
 *          one checksum of the decompressed data per block, blocks up to
 *          256 KiB, ends at a zero block size.
 *   lz4    the legacy format (`lz4 -l`): magic 02 21 4c 18, then chunks of
 *          at most 8 MiB decoded. It has no end marker: the stream ends at a
 *          zero chunk size (NUL padding; the 4 NUL bytes are counted in the
 *          member), at the end of the file, or at 1-3 NUL bytes before the
 *          end of the file. A repeated magic is skipped, so concatenated
 *          legacy streams are one member, as for the kernel.
 *   zstd   one frame (window up to 2 GiB, as the kernel allows); other
 *          magics (legacy, skippable frames) are errors.
 *
 * Integrity data is verified where the format has it (gzip CRC-32 and
 * size, lzop block checksums, bzip2, xz and zstd checks), including where
 * the kernel skips it; such a message says so.
 *
 * Input may come in chunks of any size (one byte works) and output may be
 * given in spaces of any size; the block formats (lzo, lz4) buffer a block
 * internally when it does not arrive or fit whole. Errors are sticky and
 * read "offset N: what" with N relative to the member's first byte (also
 * in err->offset), the same however the input and output are chunked; the
 * archive layer prefixes the format and the member's file offset. Where a
 * library notices corrupt data at a point that depends on the chunking
 * (liblzma, libzstd), the error names the unit it is in (xz: stream header,
 * block N header, block N LZMA2 chunk, block N check, index; lzma: header,
 * LZMA data; zstd: frame header, block N, checksum) and the offset is its
 * first byte. At the end of the file the archive calls run() once with
 * in == NULL: only lz4 ends there; every other format leaves *end unset and
 * the archive reports the member truncated.
 */
#ifndef INITSTACK_LIBRARY_DECODERS_H
#define INITSTACK_LIBRARY_DECODERS_H

#include <initstack/archive.h>

/*
 * Options a caller may pass as `user` to ist_host_decoder_open (NULL: the
 * defaults). `memlimit` caps the memory a decoder's window or dictionary
 * may take (liblzma's memory limit for lzma and xz, the largest zstd
 * window); a member that needs more is IST_LIMIT. 0 means the default,
 * 2 GiB: the largest zstd window the kernel accepts, more than any xz or
 * lzma initramfs uses.
 */
struct ist_host_decoder_opts {
	uint64_t memlimit;
};
#define IST_HOST_DECODER_MEMLIMIT (2ull << 30)

/* True when this host build decodes `c` (every compression the kernel has). */
bool ist_host_decoder_supported(enum ist_compression c);

/*
 * An ist_decoder_open_fn: makes a decoder for `c` in `d` (malloc'd state,
 * freed by d->release). `user` is NULL or a struct ist_host_decoder_opts,
 * read only during the call. Returns
 * IST_UNSUPPORTED for IST_COMP_NONE or an unknown value, IST_NO_MEMORY if a
 * library cannot allocate; `err` says which.
 */
enum ist_status ist_host_decoder_open(void *user, enum ist_compression c, struct ist_decoder *d,
				      struct ist_error *err);

#endif
