/*
 * The fast loop, a template: inflate_fast.c and inflate_bmi2.c define
 * FAST_FUNC and FAST_ATTR and include this file, so the same body is
 * compiled for the baseline ISA and for BMI2 (where the compiler turns
 * mask-and-shift into BZHI/SHRX), and ist_inflate_run picks one at run time.
 *
 * Entry assumptions, checked at the top of every iteration:
 *  - in_end - in >= 16 (FAST_IN_MARGIN - 8). An iteration refills at most
 *    twice (after literals, and after a match, for the next iteration); a
 *    refill reads the 8 bytes at `in` and advances it by at most 7 bytes, so
 *    both reads stay below in + 15. The refill before the first iteration is
 *    one more, hence FAST_IN_MARGIN = 24 on entry.
 *  - out_end - out >= FAST_OUT_MARGIN (288). An iteration writes at most 3
 *    literal entries (6 bytes, stored as 2-byte words), or 2 literal entries
 *    (4 bytes) and a match of at most 258 bytes copied in 8-byte words (24
 *    bytes unconditionally, then 16 at a time): the last word ends at most
 *    max(24, 258 + 15) bytes after the match start; 4 + 273 < 288. Bytes past
 *    `out` are scratch; the caller's region contract allows it.
 *  - A refill leaves 56..63 bits counted. A length (15-bit codeword + 5
 *    extra bits) plus a distance (15 + 13) needs 48, three literals 45.
 *  - The next literal/length entry is looked up before the refill that
 *    precedes its use ("preloaded"): a refill makes all 64 bits of the
 *    buffer real input bits (counted or not), and at most 48 bits are
 *    consumed before the preload, so its 11 index bits are real.
 *
 * Refill is branchless: OR in the next 8 input bytes above the valid bits,
 * advance `in` by the whole bytes that fit, and set the count to 56..63.
 * Bits above the count are the next input bits themselves, so a later
 * refill ORs identical values over them. Before returning, the buffer is
 * cut back to its counted bits.
 *
 * Match distances are always checked against `floor` and the history
 * before it (io->hist_len bytes, usually none). On bad data the
 * loop stops with `in` and the bit count at the bad codeword (the buffer's
 * contents no longer matter: the error is final).
 */

FAST_ATTR int FAST_FUNC(const struct ist_inflate *s, struct inflate_io *io)
{
	const uint8_t *in = io->in;
	const uint8_t *const in_end = io->in_end;
	uint8_t *out = io->out;
	uint8_t *const out_end = io->out_end;
	/* the margins below as limits: one compare each per iteration */
	const uint8_t *in_limit, *out_limit;
	const uint8_t *const floor = io->floor;
	uint64_t bitbuf = io->bitbuf;
	unsigned bitsleft = io->bitcnt;
	/* Both tables are addressed from `s`, which saves a register. */
	int ret = FAST_MARGIN;
	uint32_t e;

/*
 * Only the low 6 bits of `bitsleft` are the count: CONSUME subtracts whole
 * entries (whose low byte is the count to consume, at most 28) and shifts
 * by the entry masked to 6 bits, which the CPU's shift does for free, so no
 * byte extraction sits on the decode chain (libdeflate's trick).
 */
#define REFILL()                                                    \
	do {                                                        \
		bitbuf |= ist_load64(in) << (bitsleft & 63);        \
		in += 7 - ((bitsleft >> 3) & 7);                    \
		bitsleft |= 56;                                     \
	} while (0)
#define CONSUME(n)                                                  \
	do {                                                        \
		bitbuf >>= ((n) & 63);                              \
		bitsleft -= (n);                                    \
	} while (0)
#define LOOKUP() s->litlen[bitbuf & BITMASK(LITLEN_BITS)]
/*
 * The extra bits of a length or distance entry: its low byte of `bits`
 * (codeword and extra bits, at most 28) shifted past the codeword. Bits
 * 12..13 of such entries are clear, so the shift count may keep them
 * (& 63, which the shift instruction does anyway) instead of & 0xf.
 */
#define EXTRA(bits, ent) ((uint32_t)(FAST_LOW_BITS((bits), (uint8_t)(ent)) >> (((ent) >> 8) & 63)))

	if (in_end - in < FAST_IN_MARGIN || out_end - out < FAST_OUT_MARGIN)
		return FAST_MARGIN;
	in_limit = in_end - (FAST_IN_MARGIN - 8);
	out_limit = out_end - FAST_OUT_MARGIN;
	REFILL();
	e = LOOKUP();
	do {
		uint64_t saved;
		uint32_t len, dist, de;
		unsigned dpre;

		if (e & E_LIT) {
			/* one or two literals per entry: store both bytes, advance 1 or 2 */
			uint32_t lit = e;
			CONSUME(e);
			e = LOOKUP();
			ist_store16(out, (uint16_t)(lit >> 16));
			out += 1 + ((lit >> 13) & 1);
			if (e & E_LIT) {
				lit = e;
				CONSUME(e);
				e = LOOKUP();
				ist_store16(out, (uint16_t)(lit >> 16));
				out += 1 + ((lit >> 13) & 1);
				if (e & E_LIT) {
					lit = e;
					CONSUME(e);
					e = LOOKUP();
					REFILL();
					ist_store16(out, (uint16_t)(lit >> 16));
					out += 1 + ((lit >> 13) & 1);
					continue;
				}
			}
			/* e is not a literal; a match needs up to 48 bits */
			REFILL();
		}
		if (IST_UNLIKELY(e & E_EXC)) {
			unsigned pre = 0;
			if (e & E_SUB) {
				CONSUME(LITLEN_BITS);
				pre = LITLEN_BITS;
				e = s->litlen[(e >> 16) + (bitbuf & BITMASK((e >> 8) & 0xf))];
				if (e & E_LIT) {
					CONSUME(e);
					*out++ = (uint8_t)(e >> 16);
					e = LOOKUP();
					REFILL();
					continue;
				}
			}
			if (e & E_EXC) {
				if (e & E_EOB) {
					CONSUME(e);
					ret = FAST_EOB;
				} else {
					ret = FAST_BAD_LITLEN;
					io->bad = (e >> 16) & 0x7fff;
					bitsleft = (bitsleft & 63) + pre; /* at the codeword */
				}
				break;
			}
		}
		saved = bitbuf;
		CONSUME(e);
		len = (e >> 16) + EXTRA(saved, e);

		de = s->dist_table[bitbuf & BITMASK(DIST_BITS)];
		dpre = 0;
		if (IST_UNLIKELY(de & E_EXC)) {
			if (de & E_SUB) {
				CONSUME(DIST_BITS);
				dpre = DIST_BITS;
				de = s->dist_table[(de >> 16) + (bitbuf & BITMASK((de >> 8) & 0xf))];
			}
			if (de & E_EXC) {
				ret = FAST_BAD_DIST;
				io->bad = (de >> 16) & 0x7fff;
				bitsleft = (bitsleft & 63) + dpre;
				break;
			}
		}
		dist = (de >> 16) + EXTRA(bitbuf, de);
		const uint8_t *src;
		if (IST_LIKELY(dist <= (size_t)(out - floor))) {
			src = out - dist;
		} else {
			size_t back = dist - (size_t)(out - floor);
			if (back > io->hist_len) {
				ret = FAST_TOO_FAR;
				io->bad = dist;
				bitsleft = (bitsleft & 63) + dpre;
				break;
			}
			if (back < len) { /* straddles the window and the output */
				CONSUME(de);
				e = LOOKUP();
				REFILL();
				copy_with_history(out, len, io->hist_end, back, dist);
				out += len;
				continue;
			}
			/*
			 * Wholly in the window, which does not overlap the
			 * output: the copies below read at most 24 bytes past
			 * the history's end, still inside the window array.
			 */
			src = io->hist_end - back;
		}
		CONSUME(de);
		e = LOOKUP();
		REFILL();

		{
			uint8_t *dst = out;
			out += len;
			if (IST_LIKELY(dist >= 8)) {
				/*
				 * 24 bytes unconditionally: 9 matches in 10 end
				 * here (gzip -6 of binaries); 40 measured 3-5 %
				 * slower, the extra stores cost more than the
				 * loop branch they save.
				 */
				ist_store64(dst, ist_load64(src));
				ist_store64(dst + 8, ist_load64(src + 8));
				ist_store64(dst + 16, ist_load64(src + 16));
				dst += 24;
				src += 24;
				while (dst < out) {
					ist_store64(dst, ist_load64(src));
					ist_store64(dst + 8, ist_load64(src + 8));
					dst += 16;
					src += 16;
				}
			} else if (dist == 1) {
				uint64_t v = 0x0101010101010101ull * src[0];
				ist_store64(dst, v);
				ist_store64(dst + 8, v);
				ist_store64(dst + 16, v);
				dst += 24;
				while (dst < out) {
					ist_store64(dst, v);
					ist_store64(dst + 8, v);
					dst += 16;
				}
			} else {
				/* Each store copies `dist` good bytes; the rest is rewritten. */
				do {
					ist_store64(dst, ist_load64(src));
					dst += dist;
					src += dist;
				} while (dst < out);
			}
		}
	} while (in <= in_limit && out <= out_limit);
#undef REFILL
#undef CONSUME
#undef LOOKUP
#undef EXTRA
	io->in = in;
	io->out = out;
	io->bitbuf = bitbuf & BITMASK(bitsleft & 63);
	io->bitcnt = bitsleft & 63;
	return ret;
}
