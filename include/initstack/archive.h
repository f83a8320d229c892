/*
 * An archive as the kernel reads an initrd: a sequence of segments, each a
 * run of uncompressed newc members, NUL padding, or a compressed member
 * (recognised by its first two bytes, as lib/decompress.c does) that must
 * decode to complete newc members. ist_archive drives one ist_cpio_reader
 * across all of them and decodes compressed members through a decoder the
 * front end supplies.
 */
#ifndef INITSTACK_ARCHIVE_H
#define INITSTACK_ARCHIVE_H

#include <initstack/base.h>
#include <initstack/cpio.h>

enum ist_compression {
	IST_COMP_NONE = 0,
	IST_COMP_GZIP,
	IST_COMP_BZIP2,
	IST_COMP_LZMA,
	IST_COMP_XZ,
	IST_COMP_LZO,
	IST_COMP_LZ4,
	IST_COMP_ZSTD,
};

/* "gzip", "zstd", ... ("cpio" for NONE). */
const char *ist_compression_name(enum ist_compression c);

/* Detect a compressed member from its first two bytes (NONE if unknown). */
enum ist_compression ist_compression_detect(const uint8_t *p, size_t len);

/*
 * A decoder for one compressed member. `run` consumes from `in` and writes
 * to `out`, setting *in_used and *out_made; it sets *end when the member's
 * stream is complete (then *in_used stops at the member's last byte, so
 * what follows is the next segment). It returns IST_OK while it makes
 * progress or needs more input, or an error with `err` filled (offsets in
 * `err` are relative to the member's first byte). `release` frees it.
 */
struct ist_decoder {
	enum ist_status (*run)(void *state, const uint8_t *in, size_t in_len, size_t *in_used,
			       uint8_t *out, size_t out_len, size_t *out_made, bool *end,
			       struct ist_error *err);
	void (*release)(void *state);
	void *state;
	/*
	 * Set instead of `run` by a decoder that reads a member only whole, as
	 * the kernel's own decompressors (lib/decompress_*.c) do when
	 * init/initramfs.c calls them: `in` holds everything from the member's
	 * first byte to the end of the file; the decoder passes what it
	 * decodes, in order, to `flush`, and sets *in_used to the member's
	 * length (the next segment starts there). `flush` returns 0 to go on
	 * and non-zero to stop: the decoder then returns at once, with any
	 * status, and the archive reports its own error. The archive calls it
	 * only from ist_archive_feed_whole.
	 */
	enum ist_status (*run_whole)(void *state, const uint8_t *in, size_t in_len, size_t *in_used,
				     int (*flush)(void *user, const uint8_t *p, size_t n),
				     void *flush_user, struct ist_error *err);
};

/*
 * At the end of the file the archive calls `run` once with in == NULL and
 * in_len == 0 if the member has not ended: a format that ends at end of
 * input (legacy lz4) sets *end then; any other returns without *end and the
 * member is reported truncated.
 */

/* Make a decoder for `c`; IST_UNSUPPORTED (with err) if it cannot. */
typedef enum ist_status (*ist_decoder_open_fn)(void *user, enum ist_compression c,
					       struct ist_decoder *d, struct ist_error *err);

enum ist_segment_kind {
	IST_SEG_CPIO,       /* uncompressed newc members */
	IST_SEG_COMPRESSED, /* a compressed member holding newc members */
};

struct ist_segment {
	unsigned index;
	enum ist_segment_kind kind;
	enum ist_compression comp;
	uint64_t offset;   /* in the archive file */
	uint64_t length;   /* bytes of the file it spans (padding excluded) */
	uint64_t decoded;  /* bytes of cpio data it held */
	unsigned members;  /* cpio members in it, trailers included */
	bool leading;      /* part of the leading run of uncompressed members */
};

/*
 * Archive callbacks: the cpio callbacks (entries are given with the segment
 * they are in) plus one call at the end of every segment.
 */
struct ist_archive_ops {
	int (*entry)(void *user, const struct ist_segment *s, const struct ist_cpio_entry *e);
	int (*data)(void *user, const uint8_t *p, size_t n);
	int (*entry_end)(void *user, const struct ist_cpio_entry *e);
	int (*segment)(void *user, const struct ist_segment *s);
	void *user;
};

enum ist_archive_mode {
	IST_AR_TOP = 0x41524331, /* looking at the file: padding, cpio or magic */
	IST_AR_CPIO,             /* inside an uncompressed run */
	IST_AR_DECODE,           /* inside a compressed member */
	IST_AR_FAILED,
};

struct ist_archive {
	enum ist_archive_mode mode;
	struct ist_archive_ops ops;
	ist_decoder_open_fn open;
	void *open_user;
	uint8_t *scratch;        /* decoded output, caller's memory */
	size_t scratch_size;
	uint64_t pos;            /* bytes of the file consumed */
	uint64_t member_start;   /* file offset of the current cpio run's stream */
	bool leading;            /* still in the leading uncompressed run */
	bool whole;              /* inside ist_archive_feed_whole: the file is one buffer */
	bool busy;               /* inside a decoder's run_whole: keep the decoder */
	uint8_t magic[2];        /* a compression magic split across chunks */
	size_t nmagic;
	struct ist_decoder dec;
	struct ist_segment seg;
	unsigned nsegments;
	struct ist_cpio_reader cpio;
	struct ist_error err;
};

/*
 * Start reading an archive. `scratch` (at least 4 KiB; 64 KiB or more is
 * faster) receives decoded data between the decoder and the cpio reader.
 * `open` may be NULL: then a compressed member is IST_UNSUPPORTED.
 */
void ist_archive_init(struct ist_archive *a, const struct ist_archive_ops *ops,
		      ist_decoder_open_fn open, void *open_user, uint8_t *scratch,
		      size_t scratch_size);

/* Feed the next `len` bytes of the file (any chunking). */
enum ist_status ist_archive_feed(struct ist_archive *a, const uint8_t *p, size_t len);

/* End of file. Checks that nothing was left open; releases the decoder. */
enum ist_status ist_archive_finish(struct ist_archive *a);

/*
 * The whole file in one buffer, then its end: ist_archive_feed and
 * ist_archive_finish in one call, on a reader that has been fed nothing
 * yet. Decoders that read members only whole (run_whole) need it; with
 * ist_archive_feed such a member is IST_INVALID.
 */
enum ist_status ist_archive_feed_whole(struct ist_archive *a, const uint8_t *p, size_t len);

/*
 * After a file was read to its end without error: true when it ends inside
 * a stream that has no end of its own, a legacy lz4 member followed by
 * fewer than 4 NUL bytes. The kernel reads the initrd as one buffer, and
 * its unlz4 reads the next 4 bytes as a chunk size, so whatever is
 * concatenated after such a file (the next initrd) is decoded as lz4
 * chunks and unpacking fails ("Decoding failed"). A zero chunk size, 4 NUL
 * bytes after the file, ends the stream where the file ends.
 */
bool ist_archive_open_end(const struct ist_archive *a);

/* Release a decoder left open by an error (safe to call twice). */
void ist_archive_release(struct ist_archive *a);

#endif
