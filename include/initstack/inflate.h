/*
 * A streaming DEFLATE decoder: raw DEFLATE (RFC 1951), zlib (RFC 1950) and
 * gzip (RFC 1952).
 *
 * The decoder allocates nothing. The caller places a struct ist_inflate
 * wherever it likes (its size is sizeof(struct ist_inflate), about 172 KiB
 * on 64-bit targets, 160 KiB of it the window of the windowed mode) and
 * feeds it input in
 * chunks of any size, one byte at a time included. Output goes to one of:
 *
 *  - a contiguous region the caller owns (ist_inflate_set_output). The
 *    decoder writes straight into it and uses what it wrote as history, so
 *    nothing is copied twice; this is the mode that decompresses into an
 *    initrd buffer. When the region is full ist_inflate_run returns
 *    IST_NO_SPACE; the caller may grow or move the region and continue.
 *  - the decoder's own window (IST_INFLATE_WINDOWED). The decoder keeps the
 *    last 32 KiB of history; the caller drains the decoded bytes in pieces
 *    of any size with ist_inflate_pending/ist_inflate_drain (zero copy) or
 *    ist_inflate_read (a copy), or has it decode straight into buffers of
 *    its own (ist_inflate_run_into).
 *
 * Every malformed input gives IST_BAD_DATA with a message that names the
 * problem and the byte offset in the compressed input (counted from the
 * first byte given to this decoder since ist_inflate_init). Errors other
 * than IST_NO_SPACE are sticky: every later call returns the same status
 * and message. A decoder object is not thread-safe; distinct objects are
 * independent.
 */
#ifndef INITSTACK_INFLATE_H
#define INITSTACK_INFLATE_H

#include <initstack/base.h>

enum ist_inflate_format {
	IST_INFLATE_RAW = 1, /* RFC 1951, no header, no checksum */
	IST_INFLATE_ZLIB,    /* RFC 1950: 2-byte header, Adler-32 trailer */
	IST_INFLATE_GZIP,    /* RFC 1952: header, CRC-32 and ISIZE trailer */
};

/* Flags for ist_inflate_init. */
/* Output goes to the decoder's window; drain it with ist_inflate_pending. */
#define IST_INFLATE_WINDOWED 0x1u
/*
 * gzip: after a member, decode the next one if the input continues with a
 * byte 0x1f, as gzip(1) does with concatenated files. Without it the stream
 * ends with the first member's trailer and whatever follows belongs to the
 * caller (the kernel treats it as the next initrd segment).
 */
#define IST_INFLATE_CONCAT 0x2u
/*
 * Input after the end of the stream is an error ("trailing garbage after
 * zlib stream"). Without it the stream simply ends and *in_used_ret tells
 * the caller where.
 */
#define IST_INFLATE_NO_TRAILING 0x4u

#define IST_INFLATE_HISTORY 32768u
/* 32 KiB of history plus 128 KiB to decode into before a slide. */
#define IST_INFLATE_WINDOW_SIZE (5u * 32768u)
#define IST_INFLATE_LITLEN_TABLE 2342 /* 11-bit main table + subtables, 288 symbols */
#define IST_INFLATE_DIST_TABLE 402    /* 8-bit main table + subtables, 32 symbols */
#define IST_INFLATE_PRECODE_TABLE 128 /* 7-bit table, no subtables */

/*
 * The decoder's state. The layout is public only so that callers can place
 * it (static storage, a pool, the stack of a thread with a large stack);
 * every field is private to loader/inflate*.c.
 */
struct ist_inflate {
	uint32_t mode;
	uint32_t flags;
	uint32_t format;
	uint32_t cpu;
	uint64_t bitbuf;
	uint32_t bitcnt;
	uint32_t final;
	uint64_t in_total;
	uint64_t out_total;
	uint64_t member_in;
	uint32_t member_out;
	uint32_t check;
	uint32_t hcrc;
	uint32_t gflags;
	uint32_t need, have;
	uint8_t hdr[12];
	uint32_t stored_left;
	uint32_t hlit, hdist, hclen, nlens;
	uint32_t len, dist;
	uint32_t tables;
	uint32_t max_ratio;
	uint64_t slack;
	uint64_t stop_bit; /* inflate_split.c: stop before the block starting here */
	uint32_t stopped;
	uint8_t *out;
	size_t out_size, out_pos, hist_pos, check_pos, read_pos;
	struct ist_error error;
	uint8_t lens[320];
	uint32_t litlen[IST_INFLATE_LITLEN_TABLE];
	uint32_t dist_table[IST_INFLATE_DIST_TABLE];
	uint32_t precode[IST_INFLATE_PRECODE_TABLE];
	uint8_t window[IST_INFLATE_WINDOW_SIZE];
};

/*
 * Prepare `s` for a new stream of `format` with `flags` (IST_INFLATE_*).
 * Detects the CPU features the fast paths may use (CPUID; no AVX unless
 * XCR0 says the firmware or OS enabled it). Returns IST_INVALID for an
 * unknown format or flag (or CONCAT with a format other than gzip), IST_OK
 * otherwise. Calling it again restarts the decoder (in contiguous mode call
 * ist_inflate_set_output again).
 */
enum ist_status ist_inflate_init(struct ist_inflate *s, enum ist_inflate_format format,
				 uint32_t flags);

/*
 * Contiguous mode: decode into `buf[0 .. size)`. Before the first
 * ist_inflate_run this sets the region; the decoder writes from buf[0].
 * After IST_NO_SPACE the caller may pass a larger region, possibly at
 * another address: it must then hold, at its start, the bytes the decoder
 * produced so far (ist_inflate_output_size of them) -- what realloc does.
 * History is addressed by offset from the region start, never by pointer,
 * so moving the region is safe; only the last 32 KiB of the produced bytes
 * are read again (all produced bytes for a stream shorter than that).
 * Bytes of the region past the produced output may be overwritten with
 * scratch data (the fast loop writes whole words); bytes before it are
 * never changed. Returns IST_INVALID in windowed mode or when `size` is
 * smaller than what was already produced.
 */
enum ist_status ist_inflate_set_output(struct ist_inflate *s, void *buf, size_t size);

/*
 * A ratio limit against decompression bombs: once more than
 * `max_ratio` * (input bytes seen) + `slack` bytes would be produced, run
 * returns IST_LIMIT ("ratio limit ..."), sticky. 0 (the default) means no
 * limit. "Input bytes seen" counts the whole chunk passed to the current
 * call, so a limit is never reported early.
 */
void ist_inflate_set_limit(struct ist_inflate *s, uint32_t max_ratio, uint64_t slack);

/*
 * Feed `in[0 .. in_size)` (in may be NULL when in_size is 0). Decodes until
 * the input is used up, the stream ends or the output is full, and sets
 * *in_used_ret to the number of input bytes consumed. `in_last` says no
 * input follows this chunk.
 *
 * Returns:
 *  - IST_OK: all input consumed and more is needed, or the stream ended
 *    (ist_inflate_done). At the end, *in_used_ret stops exactly after the
 *    stream's last byte (the trailer for zlib and gzip, the final block's
 *    last byte for raw DEFLATE), even when the decoder looked further ahead.
 *  - IST_NO_SPACE: the output is full. Contiguous: grow the region with
 *    ist_inflate_set_output; windowed: drain. Then call again with the
 *    input not yet used (in + *in_used_ret).
 *  - IST_TRUNCATED: `in_last` was set and the input ended inside the stream.
 *  - IST_BAD_DATA, IST_LIMIT: with `err` filled (may be NULL), sticky.
 *  - IST_INVALID: no output region was given in contiguous mode, or the
 *    state was not initialised.
 * Unconsumed input is never read again by the decoder: the caller passes
 * it anew, possibly joined to more input.
 */
enum ist_status ist_inflate_run(struct ist_inflate *s, const void *in, size_t in_size,
				bool in_last, size_t *in_used_ret, struct ist_error *err);

/*
 * Windowed mode, decoding straight into the caller's buffer: like
 * ist_inflate_run, but output goes to dst[0 .. dst_size) and *out_made_ret
 * says how many bytes (bytes still pending in the window from earlier
 * ist_inflate_run calls come first). The window then keeps only the last
 * 32 KiB as history, so no decoded byte is copied twice except that
 * history (at most 32 KiB a call). IST_NO_SPACE means dst is full; the
 * next call takes a new buffer (or the same one, emptied). Bytes of dst
 * past *out_made_ret may be overwritten with scratch data. IST_INVALID in
 * contiguous mode or for a null dst.
 */
enum ist_status ist_inflate_run_into(struct ist_inflate *s, const void *in, size_t in_size,
				     bool in_last, size_t *in_used_ret, void *dst, size_t dst_size,
				     size_t *out_made_ret, struct ist_error *err);

/* The stream (every member, with IST_INFLATE_CONCAT) has ended. */
bool ist_inflate_done(const struct ist_inflate *s);

/* Contiguous mode: bytes produced into the region so far. */
size_t ist_inflate_output_size(const struct ist_inflate *s);

/* Totals since ist_inflate_init: input consumed, output produced. */
uint64_t ist_inflate_total_in(const struct ist_inflate *s);
uint64_t ist_inflate_total_out(const struct ist_inflate *s);

/*
 * Windowed mode: the decoded bytes not yet drained, as a pointer into the
 * window valid until the next ist_inflate_run; returns their number (0 in
 * contiguous mode). ist_inflate_drain(s, n) marks the first n of them
 * (n <= the pending count) as taken. ist_inflate_read copies up to `size`
 * pending bytes to `dst`, drains them and returns how many it copied.
 */
size_t ist_inflate_pending(const struct ist_inflate *s, const uint8_t **data_ret);
void ist_inflate_drain(struct ist_inflate *s, size_t n);
size_t ist_inflate_read(struct ist_inflate *s, void *dst, size_t size);

/*
 * The bytes a gzip file of `file_size` bytes decodes to, from its last `n`
 * bytes (4 KiB is plenty): its last member's ISIZE, found before any zero
 * padding (which the kernel skips, and the loader passes on), plus that
 * padding. 0 when the tail holds no plausible ISIZE: the file is
 * incompressible, ends in other data, or decodes to 4 GiB or more. A
 * guess for sizing a region: exact for one member that decodes to more
 * than the file. Otherwise it is unreliable, and errs high: for several
 * members the last one's size, or a misreading of it when that one is
 * small; for a member smaller than its file, zeros in its CRC and ISIZE
 * may be read as padding. Never over 16x the file when zeros end it.
 */
uint64_t ist_gzip_size_guess(const uint8_t *tail, size_t n, uint64_t file_size);

#endif
