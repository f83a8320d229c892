/*
 * Internals shared by inflate.c and the fast-loop variants (inflate_fast.h
 * compiled once generic, once for BMI2).
 *
 * Decode-table entries are 32 bits, one lookup per symbol (or two):
 *
 *   bit 12      E_LIT: one literal, its byte in bits 16..23; with E_DOUBLE
 *               (bit 13) two literals, in bits 16..23 and 24..31, whose
 *               codewords together fit the main table's index bits
 *               (ISA-L's multi-literal entries, in a simpler form); bits
 *               8..11 then hold the first literal's codeword length, for
 *               the careful loop, which takes one literal at a time
 *   bit 15      E_EXC: exceptional: a subtable pointer (E_SUB, bit 14), end
 *               of block (E_EOB, bit 13), or an invalid symbol (neither; its
 *               number or 0x7fff for an unused code in bits 16..30)
 *   bits 16..30 length base (3..258), distance base (1..24577), precode
 *               symbol, or the index of a subtable
 *   bits 8..11  codeword length, to find the extra bits; the number of index
 *               bits of a subtable for E_SUB entries
 *   bits 0..7   bits to consume: codeword length plus extra bits (for
 *               E_SUB: the main table's index bits)
 *
 * Subtable entries hold codeword lengths relative to the main table bits.
 * A length or distance is then base + ((bits & mask(consume)) >> codelen)
 * with the bits taken before consuming, and the codeword and its extra bits
 * are consumed with a single shift.
 */
#ifndef INITSTACK_INFLATE_INT_H
#define INITSTACK_INFLATE_INT_H

#include <initstack/inflate.h>

#include "shim.h"

#define LITLEN_BITS 11
#define DIST_BITS 8
#define PRECODE_BITS 7

#define E_LIT 0x00001000u
#define E_DOUBLE 0x00002000u
#define E_EXC 0x00008000u
#define E_SUB 0x00004000u
#define E_EOB 0x00002000u

#define BITMASK(n) (((uint64_t)1 << (n)) - 1)

/*
 * The fast loop runs only while these margins hold at the top of an
 * iteration; inflate_fast.h explains the numbers.
 */
#define FAST_IN_MARGIN 24 /* on entry; 16 at the top of each iteration */
#define FAST_OUT_MARGIN 288

/*
 * What the fast loop works on; the bit buffer holds exactly bitcnt bits.
 * Matches copy from [floor, out) and, reaching further back, from the
 * hist_len bytes that end at hist_end: the window's history when windowed
 * output goes straight into the caller's buffer, none otherwise.
 */
struct inflate_io {
	const uint8_t *in, *in_end;
	uint8_t *out, *out_end;
	const uint8_t *floor;
	const uint8_t *hist_end;
	size_t hist_len;
	uint64_t bitbuf;
	unsigned bitcnt;
	uint32_t bad; /* FAST_BAD_*: the symbol; FAST_TOO_FAR: the distance */
};

enum { FAST_MARGIN = 0, FAST_EOB, FAST_BAD_LITLEN, FAST_BAD_DIST, FAST_TOO_FAR };

/*
 * Decode symbols of one Huffman block until a margin runs out
 * (FAST_MARGIN), the end of the block (FAST_EOB, consumed) or bad data: an
 * invalid literal/length or distance symbol, a distance too far back. Then
 * `in` and `bitcnt` locate the start of the offending codeword (the byte
 * offset is computed as for the careful loop), `bad` says what it was, and
 * inflate.c words the message with the same functions the careful loop
 * uses.
 */
int ist_inflate_fast_generic(const struct ist_inflate *s, struct inflate_io *io);
int ist_inflate_fast_bmi2(const struct ist_inflate *s, struct inflate_io *io);

/*
 * For inflate_split.c, which decodes a stream's second half on another
 * core; see there. inflate_stop_at: in the next ist_inflate_run, stop (and
 * return IST_OK) when the next block header starts at input bit `bit`
 * counted since ist_inflate_init; a block boundary past it cancels the stop.
 * inflate_stopped: that happened. inflate_resume: a raw decoder in
 * contiguous mode (initialised once; any state after that, errors
 * included) starts afresh at the block header at bit `bit` of `in`, into
 * region[0 .. size) whose first `hist` bytes stand for the history;
 * returns where its input continues (bit counts are from `in`). inflate_adopt: the `n` bytes
 * at the output position are the rest of the deflate stream, whose final
 * block ends in input byte end_byte - 1; checksum them and go on with the
 * trailer at end_byte.
 */
void inflate_stop_at(struct ist_inflate *s, uint64_t bit);
bool inflate_stopped(const struct ist_inflate *s);
const uint8_t *inflate_resume(struct ist_inflate *s, uint8_t *region, size_t size, size_t hist,
			      const uint8_t *in, uint64_t bit);
void inflate_adopt(struct ist_inflate *s, size_t n, uint64_t end_byte);

/* Unaligned little-endian words (x86 and arm64 are little-endian). */
typedef uint64_t __attribute__((may_alias, aligned(1))) ist_u64u;
static inline uint64_t ist_load64(const void *p)
{
	return *(const ist_u64u *)p;
}
static inline void ist_store64(void *p, uint64_t v)
{
	*(ist_u64u *)p = v;
}
typedef uint16_t __attribute__((may_alias, aligned(1))) ist_u16u;
static inline void ist_store16(void *p, uint16_t v)
{
	*(ist_u16u *)p = v;
}

/*
 * Copy `len` bytes of a match whose start lies `back` bytes before the end
 * of the history (hist_end), `dist` bytes before `out`: first from the
 * history, then, if the match runs on, from the output itself (possibly
 * overlapping it). Rare (the first 32 KiB after each switch of buffer), so
 * bytewise.
 */
static inline void copy_with_history(uint8_t *out, size_t len, const uint8_t *hist_end, size_t back,
				     size_t dist)
{
	const uint8_t *src = hist_end - back;
	size_t i = 0;
	for (; i < len && i < back; i++)
		out[i] = src[i];
	/* then on from the first byte after the history: out - (dist - back) */
	src = out - (dist - back);
	for (size_t j = 0; i < len; i++, j++)
		out[i] = src[j];
}

#endif
