/*
 * Streaming DEFLATE / zlib / gzip decoder: the resumable state machine, the
 * careful (bit-at-a-time exact) decoding loop, Huffman table construction,
 * headers, trailers and checksums. The hot loop is in inflate_fast.h.
 *
 * Modes (s->mode), starting at a magic value so that an uninitialised state
 * is refused; M_ERROR is sticky:
 *
 *   M_HEAD -raw-----------------------------------------------+
 *     |-zlib-> M_ZHEAD ----------------------------------------+
 *     '-gzip-> M_GHEAD -> M_GEXLEN -> M_GEXTRA -> M_GNAME      |
 *                 ^        -> M_GCOMMENT -> M_GHCRC -----------+
 *                 |                                            v
 *                 |    +------------------------------> M_BLOCK (3-bit header)
 *                 |    |  stored:  M_STORED_LEN -> M_STORED ---------+
 *                 |    |  fixed:   ---------------------------------> M_LEN
 *                 |    |  dynamic: M_COUNTS -> M_PRECODE -> M_CODELENS -> M_LEN
 *                 |    |
 *                 |    |  M_LEN (literal, or length -> M_DIST -> M_COPY -> M_LEN)
 *                 |    '- end of a non-final block
 *                 |       end of the final block: raw -> M_DONE,
 *                 |       zlib/gzip -> M_TRAILER -> (zlib) M_DONE
 *                 '-- next member (CONCAT) -- M_MEMBER_END <- (gzip)
 *
 * The bit buffer keeps its bits between calls (a field may straddle any
 * number of one-byte chunks). When the stream ends, the whole bytes it read
 * ahead are handed back through *in_used_ret, which makes the reported
 * input use exact even though the decoder reads ahead.
 */
#include <initstack/crc32.h>
#include <initstack/format.h>
#include <initstack/inflate.h>

#include "cpu.h"
#include "inflate_int.h"

enum mode {
	M_HEAD = 0x1f8b0d00,
	M_ZHEAD,
	M_GHEAD,
	M_GEXLEN,
	M_GEXTRA,
	M_GNAME,
	M_GCOMMENT,
	M_GHCRC,
	M_BLOCK,
	M_STORED_LEN,
	M_STORED,
	M_COUNTS,
	M_PRECODE,
	M_CODELENS,
	M_LEN,
	M_DIST,
	M_COPY,
	M_TRAILER,
	M_MEMBER_END,
	M_DONE,
	M_ERROR,
};

enum { TABLES_NONE, TABLES_FIXED, TABLES_DYNAMIC };
enum kind { K_LITLEN, K_DIST, K_PRECODE };

#define GZ_FHCRC 0x02
#define GZ_FEXTRA 0x04
#define GZ_FNAME 0x08
#define GZ_FCOMMENT 0x10

static const uint16_t len_base[29] = { 3,  4,  5,  6,  7,  8,  9,  10, 11,  13,
				       15, 17, 19, 23, 27, 31, 35, 43, 51,  59,
				       67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
				       2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dist_base[30] = { 1,    2,    3,    4,    5,    7,     9,     13,
					17,   25,   33,   49,   65,   97,    129,   193,
					257,  385,  513,  769,  1025, 1537,  2049,  3073,
					4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
					6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };
static const uint8_t precode_order[19] = { 16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
					   11, 4,  12, 3, 13, 2, 14, 1, 15 };

/* ---- Huffman tables ------------------------------------------------------ */

static inline uint32_t make_entry(enum kind kind, unsigned sym, unsigned cl)
{
	switch (kind) {
	case K_LITLEN:
		if (sym < 256)
			return E_LIT | sym << 16 | cl;
		if (sym == 256)
			return E_EXC | E_EOB | cl;
		if (sym < 286)
			return (uint32_t)len_base[sym - 257] << 16 | cl << 8 | (cl + len_extra[sym - 257]);
		return E_EXC | sym << 16 | cl;
	case K_DIST:
		if (sym < 30)
			return (uint32_t)dist_base[sym] << 16 | cl << 8 | (cl + dist_extra[sym]);
		return E_EXC | sym << 16 | cl;
	case K_PRECODE:
		return sym << 16 | cl << 8 | (cl + (sym == 16 ? 2 : sym == 17 ? 3 : sym == 18 ? 7 : 0));
	}
	return E_EXC | 0x7fffu << 16 | 1;
}

/* The next canonical codeword of length `len`, bit-reversed (0 after the last). */
static unsigned rev_next(unsigned code, unsigned len)
{
	unsigned bit = 1u << (len - 1);
	while (code & bit)
		bit >>= 1;
	if (!bit)
		return 0;
	return (code & (bit - 1)) | bit;
}

/*
 * Where a literal's codeword is short enough that the next symbol's
 * codeword also fits in the main table's index bits and is a literal too,
 * make the entry decode both. Runs on the finished table (subtable pointers
 * in place) and visits only the entries of short literal codewords (the
 * codeword's bit-reversed value plus every multiple of 2^length): binaries
 * have few, so the pass costs next to nothing there. An entry already
 * paired still tells its first literal, so reading a partner entry in
 * place is safe in any order.
 */
static void pair_literals(uint32_t *table, unsigned tb, const uint8_t *lens, const unsigned *first)
{
	unsigned next[16], min_lit = 16;
	for (unsigned i = 0; i < 256; i++)
		if (lens[i] && lens[i] < min_lit)
			min_lit = lens[i];
	if (2 * min_lit > tb)
		return; /* no two literal codewords fit */
	memcpy(next, first, sizeof next);
	for (unsigned sym = 0; sym < 256; sym++) {
		unsigned l1 = lens[sym];
		if (!l1 || l1 + min_lit > tb) {
			if (l1)
				next[l1]++;
			continue;
		}
		unsigned code = next[l1]++, rev = 0;
		for (unsigned b = 0; b < l1; b++)
			rev |= ((code >> b) & 1) << (l1 - 1 - b);
		for (unsigned k = 0; k < (1u << (tb - l1)); k++) {
			unsigned i = rev | k << l1;
			uint32_t e2 = table[k];
			if (!(e2 & E_LIT))
				continue;
			unsigned l2 = (e2 & E_DOUBLE) ? (e2 >> 8) & 0xf : (uint8_t)e2;
			if (l1 + l2 > tb)
				continue;
			table[i] = E_LIT | E_DOUBLE | sym << 16 | (e2 >> 16 & 0xff) << 24 | l1 << 8 |
				   (l1 + l2);
		}
	}
}

enum build { BUILD_OK, BUILD_OVER, BUILD_INCOMPLETE };

/*
 * Build a decode table for `n` symbols with code lengths `lens` (0 = unused)
 * and a main table of `tb` index bits followed by subtables. Over-subscribed
 * codes are refused; incomplete ones too, except (as zlib allows) for
 * literal/length and distance codes that have a single codeword of length 1
 * or, for distances, none at all: the unused codewords then decode as
 * invalid symbols.
 */
static enum build build_table(uint32_t *table, unsigned tb, unsigned enough, const uint8_t *lens,
			      unsigned n, enum kind kind)
{
	/*
	 * Histogram and counting sort run over the two halves of the symbols
	 * at once: consecutive symbols mostly share a length, and one counter
	 * array would make each increment wait for the last one's store.
	 */
	unsigned count_a[16] = { 0 }, count_b[16] = { 0 }, count[16], offs_a[16], offs_b[16];
	uint16_t sorted[288];
	unsigned h = n / 2;
	for (unsigned i = 0; i < h; i++) {
		count_a[lens[i]]++;
		count_b[lens[h + i]]++;
	}
	if (n & 1)
		count_b[lens[n - 1]]++;
	for (unsigned len = 0; len < 16; len++)
		count[len] = count_a[len] + count_b[len];
	int left = 1;
	unsigned maxlen = 0;
	for (unsigned len = 1; len <= 15; len++) {
		left = (left << 1) - (int)count[len];
		if (left < 0)
			return BUILD_OVER;
		if (count[len])
			maxlen = len;
	}
	if (left > 0) {
		if (kind == K_PRECODE || maxlen > 1 || (maxlen == 0 && kind != K_DIST))
			return BUILD_INCOMPLETE;
		uint32_t hole = E_EXC | 0x7fffu << 16 | 1;
		for (unsigned i = 0; i < (1u << tb); i++)
			table[i] = hole;
	}
	/* every symbol of the first half before any of the second, per length */
	offs_a[1] = 0;
	for (unsigned len = 1; len < 15; len++)
		offs_a[len + 1] = offs_a[len] + count[len];
	for (unsigned len = 1; len < 16; len++)
		offs_b[len] = offs_a[len] + count_a[len];
	for (unsigned i = 0; i < h; i++) {
		unsigned la = lens[i], lb = lens[h + i];
		if (la)
			sorted[offs_a[la]++] = (uint16_t)i;
		if (lb)
			sorted[offs_b[lb]++] = (uint16_t)(h + i);
	}
	if ((n & 1) && lens[n - 1])
		sorted[offs_b[lens[n - 1]]++] = (uint16_t)(n - 1);
	/* the first canonical codeword of each length, for pair_literals */
	unsigned first[16] = { 0 };
	for (unsigned len = 1; len < 15; len++)
		first[len + 1] = (first[len] + count[len]) << 1;

	/*
	 * Main table: after step `len` its first 2^len entries decode every
	 * codeword of up to `len` bits. Each step doubles the filled part (every
	 * entry so far repeats with its codeword's period) and then writes the
	 * entries of the `len`-bit codewords, one store each.
	 */
	unsigned code = 0, idx = 0, len;
	for (len = 1; len <= tb; len++) {
		if (len > 1)
			memcpy(table + (1u << (len - 1)), table, (sizeof *table) << (len - 1));
		if (len > maxlen)
			continue;
		for (unsigned k = 0; k < count[len]; k++) {
			table[code] = make_entry(kind, sorted[idx++], len);
			code = rev_next(code, len);
		}
	}
	unsigned next_free = 1u << tb, cur_prefix = ~0u, sub_start = 0, sub_bits = 0;
	for (; len <= maxlen; len++) {
		while (count[len]) {
			unsigned prefix = code & (unsigned)BITMASK(tb);
			if (prefix != cur_prefix) {
				unsigned cur = len - tb;
				int room = 1 << cur;
				while (cur + tb < maxlen) {
					room -= (int)count[cur + tb];
					if (room <= 0)
						break;
					cur++;
					room <<= 1;
				}
				sub_bits = cur;
				if (next_free + (1u << sub_bits) > enough)
					return BUILD_OVER; /* cannot happen for a complete code */
				table[prefix] = E_EXC | E_SUB | next_free << 16 | sub_bits << 8 | tb;
				sub_start = next_free;
				next_free += 1u << sub_bits;
				cur_prefix = prefix;
			}
			uint32_t e = make_entry(kind, sorted[idx++], len - tb);
			for (unsigned i = code >> tb; i < (1u << sub_bits); i += 1u << (len - tb))
				table[sub_start + i] = e;
			count[len]--;
			code = rev_next(code, len);
		}
	}
	if (kind == K_LITLEN)
		pair_literals(table, tb, lens, first);
	return BUILD_OK;
}

static void build_fixed(struct ist_inflate *s)
{
	uint8_t lens[288];
	unsigned i = 0;
	for (; i < 144; i++)
		lens[i] = 8;
	for (; i < 256; i++)
		lens[i] = 9;
	for (; i < 280; i++)
		lens[i] = 7;
	for (; i < 288; i++)
		lens[i] = 8;
	build_table(s->litlen, LITLEN_BITS, IST_INFLATE_LITLEN_TABLE, lens, 288, K_LITLEN);
	for (i = 0; i < 32; i++)
		lens[i] = 5;
	build_table(s->dist_table, DIST_BITS, IST_INFLATE_DIST_TABLE, lens, 32, K_DIST);
	s->tables = TABLES_FIXED;
}

/* ---- the careful loop's context ------------------------------------------ */

struct ctx {
	struct ist_inflate *s;
	const uint8_t *in0, *in, *in_end;
	uint8_t *base, *out, *out_end;
	const uint8_t *floor;
	/* history before floor (the window, for output into the caller's buffer) */
	const uint8_t *hist_end;
	size_t hist_len;
	uint64_t bitbuf;
	unsigned bitcnt;
	bool capped; /* out_end is the ratio limit, not the end of the region */
	bool in_last;
	size_t in_size;
};

/* Offset in the input of the byte holding the next unconsumed bit. */
static uint64_t offset_now(const struct ctx *c)
{
	return c->s->in_total + (uint64_t)(c->in - c->in0) - (c->bitcnt + 7) / 8;
}

/* Input bits consumed since ist_inflate_init. */
static uint64_t bit_now(const struct ctx *c)
{
	return (c->s->in_total + (uint64_t)(c->in - c->in0)) * 8 - c->bitcnt;
}

static enum ist_status fail(struct ctx *c, enum ist_status st, uint64_t off, const char *fmt, ...)
{
	struct ist_inflate *s = c->s;
	s->error.status = st;
	s->error.offset = off;
	ist_va_list ap;
	ist_va_start(ap, fmt);
	ist_vformat(s->error.msg, sizeof s->error.msg, fmt, ap);
	ist_va_end(ap);
	s->mode = M_ERROR;
	return st;
}

/*
 * Fill the bit buffer to at least 56 bits if the input allows: a word at a
 * time when 8 bytes are there (cut back to the counted bits, so the buffer
 * stays clean: bits above the count are zero), else byte by byte.
 */
static inline void refill(struct ctx *c)
{
	if (c->in_end - c->in >= 8) {
		c->bitbuf |= ist_load64(c->in) << c->bitcnt;
		c->in += (63 - c->bitcnt) >> 3;
		c->bitcnt |= 56;
		c->bitbuf &= BITMASK(c->bitcnt);
		return;
	}
	while (c->bitcnt < 56 && c->in < c->in_end) {
		c->bitbuf |= (uint64_t)*c->in++ << c->bitcnt;
		c->bitcnt += 8;
	}
}

static inline bool have_bits(struct ctx *c, unsigned n)
{
	if (c->bitcnt < n)
		refill(c);
	return c->bitcnt >= n;
}

static inline uint32_t peek(const struct ctx *c, unsigned n)
{
	return (uint32_t)(c->bitbuf & BITMASK(n));
}

static inline void drop(struct ctx *c, unsigned n)
{
	c->bitbuf >>= n;
	c->bitcnt -= n;
}

static inline void align_byte(struct ctx *c)
{
	drop(c, c->bitcnt & 7);
}

/* The next byte of a byte-aligned stream, or -1 when the input is used up. */
static int pull_byte(struct ctx *c)
{
	if (c->bitcnt >= 8) {
		int b = (int)(c->bitbuf & 0xff);
		drop(c, 8);
		return b;
	}
	if (c->in < c->in_end)
		return *c->in++;
	return -1;
}

static bool more_input(struct ctx *c)
{
	return c->bitcnt >= 8 || c->in < c->in_end;
}

/* Collect s->need header bytes into s->hdr (and the gzip header CRC). */
static bool collect(struct ctx *c, bool hcrc)
{
	struct ist_inflate *s = c->s;
	while (s->have < s->need) {
		int b = pull_byte(c);
		if (b < 0)
			return false;
		s->hdr[s->have++] = (uint8_t)b;
		if (hcrc) {
			uint8_t byte = (uint8_t)b;
			s->hcrc = ist_crc32(s->hcrc, &byte, 1);
		}
	}
	return true;
}

static void start_collect(struct ist_inflate *s, unsigned need)
{
	s->need = need;
	s->have = 0;
}

static enum ist_status need_input(struct ctx *c, const char *where)
{
	if (!c->in_last)
		return IST_OK;
	return fail(c, IST_TRUNCATED, c->s->in_total + c->in_size,
		    "offset %llu: input ends inside %s", (unsigned long long)(c->s->in_total + c->in_size),
		    where);
}

/* The running checksum of the member's output: CRC-32 (gzip) or Adler-32 (zlib). */
static void checksum(struct ist_inflate *s, const uint8_t *p, size_t n)
{
	if (s->format == IST_INFLATE_GZIP)
		s->check = ist_crc32_cpu(s->cpu, s->check, p, n);
	else if (s->format == IST_INFLATE_ZLIB)
		s->check = ist_adler32(s->check, p, n);
}

/*
 * Account for the output written since the last call: totals, ISIZE and the
 * running checksum (computed a block at a time, while the block is still in
 * cache).
 */
static void sync_out(struct ctx *c)
{
	struct ist_inflate *s = c->s;
	size_t pos = (size_t)(c->out - c->base);
	size_t made = pos - s->out_pos;
	s->out_total += made;
	s->member_out += (uint32_t)made;
	s->out_pos = pos;
	if (pos > s->check_pos) {
		checksum(s, c->base + s->check_pos, pos - s->check_pos);
		s->check_pos = pos;
	}
}

static enum ist_status out_full(struct ctx *c)
{
	struct ist_inflate *s = c->s;
	if (!c->capped)
		return IST_NO_SPACE;
	sync_out(c);
	return fail(c, IST_LIMIT, offset_now(c),
		    "offset %llu: ratio limit reached: %llu bytes of output from %llu bytes of input "
		    "(limit %u:1 plus %llu bytes)",
		    (unsigned long long)offset_now(c), (unsigned long long)s->out_total,
		    (unsigned long long)(s->in_total + c->in_size), s->max_ratio,
		    (unsigned long long)s->slack);
}

static const char *format_name(const struct ist_inflate *s)
{
	return s->format == IST_INFLATE_GZIP ? "gzip stream" :
	       s->format == IST_INFLATE_ZLIB ? "zlib stream" : "deflate stream";
}

/* The start of a deflate stream (raw, or inside a zlib/gzip wrapper). */
static void start_deflate(struct ctx *c)
{
	struct ist_inflate *s = c->s;
	sync_out(c);
	s->hist_pos = s->out_pos;
	c->floor = c->base + s->hist_pos;
	c->hist_len = 0;
	s->member_out = 0;
	s->check = s->format == IST_INFLATE_ZLIB ? 1 : 0;
	s->mode = M_BLOCK;
}

/*
 * Bad symbols, worded once for both loops; the bit position is at the start
 * of the offending codeword. `what` is "literal/length" or "distance".
 */
static enum ist_status bad_symbol(struct ctx *c, const char *what, unsigned sym)
{
	uint64_t at = offset_now(c);
	if (sym == 0x7fff)
		return fail(c, IST_BAD_DATA, at,
			    "offset %llu: invalid %s code (unused codeword of an incomplete code)",
			    (unsigned long long)at, what);
	return fail(c, IST_BAD_DATA, at, "offset %llu: invalid %s code %u", (unsigned long long)at,
		    what, sym);
}

static enum ist_status bad_litlen(struct ctx *c, unsigned sym)
{
	return bad_symbol(c, "literal/length", sym);
}

static enum ist_status bad_dist(struct ctx *c, unsigned sym)
{
	return bad_symbol(c, "distance", sym);
}

static enum ist_status too_far(struct ctx *c, uint32_t dist)
{
	uint64_t at = offset_now(c);
	return fail(c, IST_BAD_DATA, at, "offset %llu: distance %u too far back (%zu bytes of history)",
		    (unsigned long long)at, dist, (size_t)(c->out - c->floor) + c->hist_len);
}

/* ---- the careful loop ---------------------------------------------------- */

/* Look up a symbol with only the bits at hand; false if more are needed. */
static inline bool lookup(const struct ctx *c, const uint32_t *table, unsigned tb, uint32_t *e_ret,
		   unsigned *pre_ret)
{
	uint32_t e = table[c->bitbuf & BITMASK(tb)];
	unsigned pre = 0;
	if ((e & (E_LIT | E_EXC | E_SUB)) == (E_EXC | E_SUB)) {
		if (c->bitcnt < tb)
			return false;
		pre = tb;
		e = table[(e >> 16) + ((c->bitbuf >> tb) & BITMASK((e >> 8) & 0xf))];
	}
	if ((e & (E_LIT | E_DOUBLE)) == (E_LIT | E_DOUBLE)) /* take only the first literal */
		e = E_LIT | (e & 0x00ff0000) | ((e >> 8) & 0xf);
	if (pre + (uint8_t)e > c->bitcnt)
		return false;
	*e_ret = e;
	*pre_ret = pre;
	return true;
}

/* Consume a length/distance/precode entry and return its value plus extra bits. */
static uint32_t take_value(struct ctx *c, uint32_t e, unsigned pre)
{
	drop(c, pre);
	uint64_t saved = c->bitbuf;
	drop(c, (uint8_t)e);
	return (e >> 16) + (uint32_t)((saved & BITMASK((uint8_t)e)) >> ((e >> 8) & 0xf));
}

/* The final block has ended (and the bits up to the byte boundary are dropped). */
static void after_final_block(struct ist_inflate *s)
{
	if (s->format == IST_INFLATE_RAW) {
		s->mode = M_DONE;
	} else {
		s->mode = M_TRAILER;
		start_collect(s, s->format == IST_INFLATE_ZLIB ? 4 : 8);
	}
}

static enum ist_status block_end(struct ctx *c)
{
	struct ist_inflate *s = c->s;
	sync_out(c);
	if (!s->final) {
		s->mode = M_BLOCK;
		return IST_OK;
	}
	align_byte(c);
	after_final_block(s);
	return IST_OK;
}

static enum ist_status read_header_zlib(struct ctx *c)
{
	struct ist_inflate *s = c->s;
	if (!collect(c, false))
		return need_input(c, "the zlib header");
	unsigned cmf = s->hdr[0], flg = s->hdr[1];
	uint64_t at = s->member_in;
	if ((cmf & 0xf) != 8)
		return fail(c, IST_BAD_DATA, at,
			    "offset %llu: zlib compression method %u (only 8, deflate, is defined)",
			    (unsigned long long)at, cmf & 0xf);
	if ((cmf >> 4) > 7)
		return fail(c, IST_BAD_DATA, at, "offset %llu: zlib window size 2^%u too large",
			    (unsigned long long)at, (cmf >> 4) + 8);
	if ((cmf << 8 | flg) % 31)
		return fail(c, IST_BAD_DATA, at + 1,
			    "offset %llu: zlib header check bits wrong (0x%04x is not a multiple of 31)",
			    (unsigned long long)(at + 1), cmf << 8 | flg);
	if (flg & 0x20)
		return fail(c, IST_UNSUPPORTED, at + 1,
			    "offset %llu: zlib stream needs a preset dictionary (not supported)",
			    (unsigned long long)(at + 1));
	start_deflate(c);
	return IST_OK;
}

static enum ist_status read_header_gzip(struct ctx *c)
{
	struct ist_inflate *s = c->s;
	uint64_t at = s->member_in;
	int b;
	for (;;) {
		switch (s->mode) {
		case M_GHEAD:
			if (!collect(c, true))
				return need_input(c, "the gzip header");
			if (s->hdr[0] != 0x1f || s->hdr[1] != 0x8b)
				return fail(c, IST_BAD_DATA, at,
					    "offset %llu: not a gzip member (magic %02x %02x, expected 1f 8b)",
					    (unsigned long long)at, s->hdr[0], s->hdr[1]);
			if (s->hdr[2] != 8)
				return fail(c, IST_BAD_DATA, at + 2,
					    "offset %llu: gzip compression method %u (only 8, deflate, is defined)",
					    (unsigned long long)(at + 2), s->hdr[2]);
			if (s->hdr[3] & 0xe0)
				return fail(c, IST_BAD_DATA, at + 3,
					    "offset %llu: gzip header flags 0x%02x have reserved bits set",
					    (unsigned long long)(at + 3), s->hdr[3]);
			s->gflags = s->hdr[3];
			s->mode = M_GEXLEN;
			start_collect(s, 2);
			break;
		case M_GEXLEN:
			if (s->gflags & GZ_FEXTRA) {
				if (!collect(c, true))
					return need_input(c, "the gzip header's extra field");
				s->need = (uint32_t)s->hdr[0] | (uint32_t)s->hdr[1] << 8;
			} else {
				s->need = 0;
			}
			s->mode = M_GEXTRA;
			break;
		case M_GEXTRA:
			while (s->need) {
				if ((b = pull_byte(c)) < 0)
					return need_input(c, "the gzip header's extra field");
				uint8_t byte = (uint8_t)b;
				s->hcrc = ist_crc32(s->hcrc, &byte, 1);
				s->need--;
			}
			s->mode = M_GNAME;
			break;
		case M_GNAME:
		case M_GCOMMENT: {
			unsigned flag = s->mode == M_GNAME ? GZ_FNAME : GZ_FCOMMENT;
			if (s->gflags & flag) {
				do {
					if ((b = pull_byte(c)) < 0)
						return need_input(c, flag == GZ_FNAME ?
									     "the gzip header's file name" :
									     "the gzip header's comment");
					uint8_t byte = (uint8_t)b;
					s->hcrc = ist_crc32(s->hcrc, &byte, 1);
				} while (b);
			}
			if (s->mode == M_GNAME) {
				s->mode = M_GCOMMENT;
			} else {
				s->mode = M_GHCRC;
				start_collect(s, 2);
			}
			break;
		}
		case M_GHCRC:
			if (s->gflags & GZ_FHCRC) {
				uint32_t want = s->hcrc & 0xffff;
				if (!collect(c, false))
					return need_input(c, "the gzip header CRC");
				uint32_t got = (uint32_t)s->hdr[0] | (uint32_t)s->hdr[1] << 8;
				if (got != want) {
					uint64_t off = offset_now(c) - 2;
					return fail(c, IST_BAD_DATA, off,
						    "offset %llu: gzip header CRC-16 mismatch (stored 0x%04x, "
						    "computed 0x%04x)",
						    (unsigned long long)off, got, want);
				}
			}
			start_deflate(c);
			return IST_OK;
		default:
			return IST_OK;
		}
	}
}

static enum ist_status read_trailer(struct ctx *c)
{
	struct ist_inflate *s = c->s;
	bool gz = s->format == IST_INFLATE_GZIP;
	if (!collect(c, false))
		return need_input(c, gz ? "the gzip trailer" : "the zlib trailer");
	uint64_t at = offset_now(c) - s->need;
	if (!gz) {
		uint32_t stored = ist_load_be32(s->hdr);
		if (stored != s->check)
			return fail(c, IST_BAD_DATA, at,
				    "offset %llu: zlib trailer: Adler-32 mismatch (stored 0x%08x, computed "
				    "0x%08x)",
				    (unsigned long long)at, stored, s->check);
		s->mode = M_DONE;
		return IST_OK;
	}
	uint32_t crc = ist_load_le32(s->hdr), isize = ist_load_le32(s->hdr + 4);
	if (crc != s->check)
		return fail(c, IST_BAD_DATA, at,
			    "offset %llu: gzip trailer: CRC-32 mismatch (stored 0x%08x, computed 0x%08x)",
			    (unsigned long long)at, crc, s->check);
	if (isize != s->member_out)
		return fail(c, IST_BAD_DATA, at + 4,
			    "offset %llu: gzip trailer: ISIZE mismatch (stored %u, decoded %u mod 2^32)",
			    (unsigned long long)(at + 4), isize, s->member_out);
	s->mode = M_MEMBER_END;
	return IST_OK;
}

static enum ist_status read_dynamic_lens(struct ctx *c)
{
	struct ist_inflate *s = c->s;
	unsigned total = s->hlit + s->hdist;
	while (s->have < total) {
		uint32_t e;
		unsigned pre;
		/* a code length symbol and its extra bits take at most 14 bits */
		if (c->bitcnt < 14)
			refill(c);
		if (!lookup(c, s->precode, PRECODE_BITS, &e, &pre))
			return need_input(c, "the code lengths of a dynamic block");
		unsigned sym = e >> 16;
		if (sym < 16) {
			drop(c, (uint8_t)e);
			s->lens[s->have++] = (uint8_t)sym;
			continue;
		}
		uint64_t at = offset_now(c);
		uint32_t v = take_value(c, e, pre);
		unsigned rep, val;
		if (sym == 16) {
			if (!s->have)
				return fail(c, IST_BAD_DATA, at,
					    "offset %llu: code length repeat (16) with no previous length",
					    (unsigned long long)at);
			val = s->lens[s->have - 1];
			rep = 3 + (v - 16);
		} else {
			val = 0;
			rep = sym == 17 ? 3 + (v - 17) : 11 + (v - 18);
		}
		if (s->have + rep > total)
			return fail(c, IST_BAD_DATA, at,
				    "offset %llu: code length repeat of %u past the end (%u of %u lengths "
				    "set)",
				    (unsigned long long)at, rep, s->have, total);
		while (rep--)
			s->lens[s->have++] = (uint8_t)val;
	}
	uint64_t at = offset_now(c);
	if (!s->lens[256])
		return fail(c, IST_BAD_DATA, at, "offset %llu: dynamic block has no code for end-of-block",
			    (unsigned long long)at);
	enum build r = build_table(s->litlen, LITLEN_BITS, IST_INFLATE_LITLEN_TABLE, s->lens, s->hlit,
				   K_LITLEN);
	if (r != BUILD_OK)
		return fail(c, IST_BAD_DATA, at, "offset %llu: %s literal/length code",
			    (unsigned long long)at, r == BUILD_OVER ? "over-subscribed" : "incomplete");
	r = build_table(s->dist_table, DIST_BITS, IST_INFLATE_DIST_TABLE, s->lens + s->hlit, s->hdist,
			K_DIST);
	if (r != BUILD_OK)
		return fail(c, IST_BAD_DATA, at, "offset %llu: %s distance code", (unsigned long long)at,
			    r == BUILD_OVER ? "over-subscribed" : "incomplete");
	s->tables = TABLES_DYNAMIC;
	s->mode = M_LEN;
	return IST_OK;
}

static enum ist_status machine(struct ctx *c)
{
	struct ist_inflate *s = c->s;
	enum ist_status st;
	for (;;) {
		switch ((enum mode)s->mode) {
		case M_HEAD:
			s->member_in = offset_now(c);
			if (s->format == IST_INFLATE_RAW) {
				start_deflate(c);
			} else if (s->format == IST_INFLATE_ZLIB) {
				s->mode = M_ZHEAD;
				start_collect(s, 2);
			} else {
				s->mode = M_GHEAD;
				s->hcrc = 0;
				start_collect(s, 10);
			}
			break;
		case M_ZHEAD:
			if ((st = read_header_zlib(c)) || s->mode == M_ZHEAD)
				return st;
			break;
		case M_GHEAD:
		case M_GEXLEN:
		case M_GEXTRA:
		case M_GNAME:
		case M_GCOMMENT:
		case M_GHCRC:
			if ((st = read_header_gzip(c)) || s->mode != M_BLOCK)
				return st;
			break;
		case M_BLOCK: {
			if (s->stop_bit && bit_now(c) >= s->stop_bit) {
				s->stopped = bit_now(c) == s->stop_bit;
				s->stop_bit = 0;
				if (s->stopped)
					return IST_OK;
			}
			if (!have_bits(c, 3))
				return need_input(c, "a block header");
			uint64_t at = offset_now(c);
			unsigned hdr = peek(c, 3);
			s->final = hdr & 1;
			switch (hdr >> 1) {
			case 0:
				drop(c, 3);
				align_byte(c);
				s->mode = M_STORED_LEN;
				start_collect(s, 4);
				break;
			case 1:
				drop(c, 3);
				if (s->tables != TABLES_FIXED)
					build_fixed(s);
				s->mode = M_LEN;
				break;
			case 2:
				drop(c, 3);
				s->mode = M_COUNTS;
				break;
			default:
				return fail(c, IST_BAD_DATA, at, "offset %llu: invalid block type 3",
					    (unsigned long long)at);
			}
			break;
		}
		case M_STORED_LEN: {
			if (!collect(c, false))
				return need_input(c, "a stored block's length");
			unsigned len = (unsigned)s->hdr[0] | (unsigned)s->hdr[1] << 8;
			unsigned nlen = (unsigned)s->hdr[2] | (unsigned)s->hdr[3] << 8;
			if (len != (~nlen & 0xffff)) {
				uint64_t at = offset_now(c) - 4;
				return fail(c, IST_BAD_DATA, at,
					    "offset %llu: stored block length 0x%04x does not match its "
					    "complement 0x%04x",
					    (unsigned long long)at, len, nlen);
			}
			s->stored_left = len;
			s->mode = M_STORED;
			break;
		}
		case M_STORED:
			while (s->stored_left) {
				if (c->out == c->out_end)
					return out_full(c);
				if (c->bitcnt >= 8) {
					*c->out++ = (uint8_t)pull_byte(c);
					s->stored_left--;
					continue;
				}
				size_t n = s->stored_left;
				n = IST_MIN(n, (size_t)(c->in_end - c->in));
				n = IST_MIN(n, (size_t)(c->out_end - c->out));
				if (!n)
					return need_input(c, "a stored block");
				memcpy(c->out, c->in, n);
				c->out += n;
				c->in += n;
				s->stored_left -= (uint32_t)n;
			}
			if ((st = block_end(c)))
				return st;
			break;
		case M_COUNTS: {
			if (!have_bits(c, 14))
				return need_input(c, "a dynamic block header");
			uint64_t at = offset_now(c);
			s->hlit = peek(c, 5) + 257;
			s->hdist = (peek(c, 10) >> 5) + 1;
			s->hclen = (peek(c, 14) >> 10) + 4;
			if (s->hlit > 286)
				return fail(c, IST_BAD_DATA, at,
					    "offset %llu: too many literal/length codes (%u, at most 286)",
					    (unsigned long long)at, s->hlit);
			if (s->hdist > 30)
				return fail(c, IST_BAD_DATA, at,
					    "offset %llu: too many distance codes (%u, at most 30)",
					    (unsigned long long)at, s->hdist);
			drop(c, 14);
			memset(s->lens, 0, 19);
			s->have = 0;
			s->mode = M_PRECODE;
			break;
		}
		case M_PRECODE: {
			while (s->have < s->hclen) {
				if (!have_bits(c, 3))
					return need_input(c, "a dynamic block header");
				s->lens[precode_order[s->have++]] = (uint8_t)peek(c, 3);
				drop(c, 3);
			}
			uint64_t at = offset_now(c);
			enum build r = build_table(s->precode, PRECODE_BITS, IST_INFLATE_PRECODE_TABLE,
						   s->lens, 19, K_PRECODE);
			if (r != BUILD_OK)
				return fail(c, IST_BAD_DATA, at, "offset %llu: %s code length code",
					    (unsigned long long)at,
					    r == BUILD_OVER ? "over-subscribed" : "incomplete");
			s->tables = TABLES_NONE;
			s->have = 0;
			s->mode = M_CODELENS;
			break;
		}
		case M_CODELENS:
			if ((st = read_dynamic_lens(c)) || s->mode == M_CODELENS)
				return st;
			break;
		case M_LEN: {
			if (c->in_end - c->in >= FAST_IN_MARGIN && c->out_end - c->out >= FAST_OUT_MARGIN) {
				struct inflate_io io = { .in = c->in,	    .in_end = c->in_end,
							 .out = c->out,	    .out_end = c->out_end,
							 .floor = c->floor, .hist_end = c->hist_end,
							 .hist_len = c->hist_len, .bitbuf = c->bitbuf,
							 .bitcnt = c->bitcnt, .bad = 0 };
				int r = (s->cpu & IST_CPU_BMI2) ? ist_inflate_fast_bmi2(s, &io) :
								  ist_inflate_fast_generic(s, &io);
				c->in = io.in;
				c->out = io.out;
				c->bitbuf = io.bitbuf;
				c->bitcnt = io.bitcnt;
				if (r == FAST_EOB) {
					if ((st = block_end(c)))
						return st;
					break;
				}
				if (r == FAST_BAD_LITLEN)
					return bad_litlen(c, io.bad);
				if (r == FAST_BAD_DIST)
					return bad_dist(c, io.bad);
				if (r == FAST_TOO_FAR)
					return too_far(c, io.bad);
			}
			uint32_t e;
			unsigned pre;
			refill(c);
			if (!lookup(c, s->litlen, LITLEN_BITS, &e, &pre))
				return need_input(c, "compressed data");
			if (e & E_LIT) {
				if (c->out == c->out_end)
					return out_full(c);
				drop(c, pre + (uint8_t)e);
				*c->out++ = (uint8_t)(e >> 16);
				break;
			}
			if (e & E_EXC) {
				if (e & E_EOB) {
					drop(c, pre + (uint8_t)e);
					if ((st = block_end(c)))
						return st;
					break;
				}
				return bad_litlen(c, (e >> 16) & 0x7fff);
			}
			s->len = take_value(c, e, pre);
			s->mode = M_DIST;
		}
			/* fall through */
		case M_DIST: {
			uint32_t e;
			unsigned pre;
			refill(c);
			if (!lookup(c, s->dist_table, DIST_BITS, &e, &pre))
				return need_input(c, "compressed data");
			if (e & E_EXC)
				return bad_dist(c, (e >> 16) & 0x7fff);
			uint32_t dist = (e >> 16) + (uint32_t)(((c->bitbuf >> pre) & BITMASK((uint8_t)e)) >>
							       ((e >> 8) & 0xf));
			if (dist > (size_t)(c->out - c->floor) + c->hist_len)
				return too_far(c, dist);
			take_value(c, e, pre);
			s->dist = dist;
			s->mode = M_COPY;
		}
			/* fall through */
		case M_COPY:
			while (s->len) {
				size_t n = IST_MIN((size_t)s->len, (size_t)(c->out_end - c->out));
				if (!n)
					return out_full(c);
				size_t near = (size_t)(c->out - c->floor);
				if (s->dist > near) {
					copy_with_history(c->out, n, c->hist_end, s->dist - near, s->dist);
				} else {
					const uint8_t *src = c->out - s->dist;
					for (size_t i = 0; i < n; i++)
						c->out[i] = src[i];
				}
				c->out += n;
				s->len -= (uint32_t)n;
			}
			s->mode = M_LEN;
			break;
		case M_TRAILER:
			if ((st = read_trailer(c)) || s->mode == M_TRAILER)
				return st;
			break;
		case M_MEMBER_END: {
			if (!(s->flags & IST_INFLATE_CONCAT)) {
				s->mode = M_DONE;
				break;
			}
			int b;
			if (c->bitcnt >= 8)
				b = (int)(c->bitbuf & 0xff);
			else if (c->in < c->in_end)
				b = *c->in;
			else if (c->in_last)
				b = -1;
			else
				return IST_OK;
			if (b != 0x1f) {
				s->mode = M_DONE;
				break;
			}
			s->member_in = offset_now(c);
			s->mode = M_GHEAD;
			s->hcrc = 0;
			start_collect(s, 10);
			break;
		}
		case M_DONE:
			if ((s->flags & IST_INFLATE_NO_TRAILING) && more_input(c)) {
				uint64_t at = offset_now(c);
				return fail(c, IST_BAD_DATA, at, "offset %llu: trailing garbage after %s",
					    (unsigned long long)at, format_name(s));
			}
			return IST_OK;
		case M_ERROR:
			return s->error.status;
		}
	}
}

/* ---- the public interface ------------------------------------------------ */

/* inflate_int.h: the two halves of a stream decoded on two cores. */
void inflate_stop_at(struct ist_inflate *s, uint64_t bit)
{
	s->stop_bit = bit;
	s->stopped = 0;
}

bool inflate_stopped(const struct ist_inflate *s)
{
	return s->stopped && s->mode == M_BLOCK;
}

const uint8_t *inflate_resume(struct ist_inflate *s, uint8_t *region, size_t size, size_t hist,
			      const uint8_t *in, uint64_t bit)
{
	s->out = region;
	s->out_size = size;
	s->out_pos = s->check_pos = s->read_pos = hist;
	s->hist_pos = 0;
	s->member_out = 0;
	s->in_total = bit / 8 + 1;
	s->bitbuf = in[bit / 8] >> (bit & 7);
	s->bitcnt = 8 - (unsigned)(bit & 7);
	s->mode = M_BLOCK;
	return in + bit / 8 + 1;
}

void inflate_adopt(struct ist_inflate *s, size_t n, uint64_t end_byte)
{
	checksum(s, s->out + s->out_pos, n);
	s->out_total += n;
	s->member_out += (uint32_t)n;
	s->out_pos += n;
	s->check_pos = s->out_pos;
	s->in_total = end_byte;
	s->bitbuf = 0;
	s->bitcnt = 0;
	s->final = 1;
	s->stopped = 0;
	after_final_block(s);
}

static bool mode_valid(uint32_t mode)
{
	return mode >= M_HEAD && mode <= M_ERROR;
}

enum ist_status ist_inflate_init(struct ist_inflate *s, enum ist_inflate_format format,
				 uint32_t flags)
{
	if (format != IST_INFLATE_RAW && format != IST_INFLATE_ZLIB && format != IST_INFLATE_GZIP)
		return IST_INVALID;
	if (flags & ~(IST_INFLATE_WINDOWED | IST_INFLATE_CONCAT | IST_INFLATE_NO_TRAILING))
		return IST_INVALID;
	if ((flags & IST_INFLATE_CONCAT) && format != IST_INFLATE_GZIP)
		return IST_INVALID;
	/* Everything but the tables and the window, which are written before use. */
	memset(s, 0, offsetof(struct ist_inflate, lens));
	s->mode = M_HEAD;
	s->flags = flags;
	s->format = format;
	s->cpu = ist_cpu_detect();
	s->tables = TABLES_NONE;
	return IST_OK;
}

enum ist_status ist_inflate_set_output(struct ist_inflate *s, void *buf, size_t size)
{
	if (!mode_valid(s->mode) || (s->flags & IST_INFLATE_WINDOWED) || size < s->out_pos ||
	    (!buf && size))
		return IST_INVALID;
	s->out = buf;
	s->out_size = size;
	return IST_OK;
}

void ist_inflate_set_limit(struct ist_inflate *s, uint32_t max_ratio, uint64_t slack)
{
	s->max_ratio = max_ratio;
	s->slack = slack;
}

/* Windowed mode: drop what is both drained and older than 32 KiB. */
static bool slide(struct ctx *c)
{
	struct ist_inflate *s = c->s;
	sync_out(c);
	size_t keep = s->read_pos;
	if (s->out_pos < IST_INFLATE_HISTORY)
		keep = 0;
	else if (s->out_pos - IST_INFLATE_HISTORY < keep)
		keep = s->out_pos - IST_INFLATE_HISTORY;
	if (!keep)
		return false;
	memmove(s->window, s->window + keep, s->out_pos - keep);
	s->out_pos -= keep;
	s->read_pos -= keep;
	s->check_pos -= keep;
	s->hist_pos = s->hist_pos > keep ? s->hist_pos - keep : 0;
	return true;
}

/*
 * Point the context at the output region: the caller's region
 * (contiguous), the window, or in windowed mode a buffer of the caller's
 * (`dst` of `dst_size`; then s->out_pos and the other positions count from
 * dst for the duration of the call and the window holds history only).
 */
static void setup_output(struct ctx *c, uint8_t *dst, size_t dst_size)
{
	struct ist_inflate *s = c->s;
	bool windowed = s->flags & IST_INFLATE_WINDOWED;
	size_t size = dst ? dst_size : windowed ? IST_INFLATE_WINDOW_SIZE : s->out_size;
	c->base = dst ? dst : windowed ? s->window : s->out;
	c->out = c->base + s->out_pos;
	size_t room = size - s->out_pos;
	c->capped = false;
	if (s->max_ratio) {
		uint64_t seen = s->in_total + c->in_size, cap;
		if (__builtin_mul_overflow(seen, (uint64_t)s->max_ratio, &cap) ||
		    __builtin_add_overflow(cap, s->slack, &cap))
			cap = UINT64_MAX;
		uint64_t allowed = cap > s->out_total ? cap - s->out_total : 0;
		if (allowed < room) {
			room = (size_t)allowed;
			c->capped = true;
		}
	}
	c->out_end = c->out + room;
	c->floor = c->base + s->hist_pos;
}

/*
 * Windowed output into the caller's buffer: the window keeps only history.
 * Before decoding, the positions are rebased onto dst (what was pending has
 * already been copied to dst[0 .. made)); the history is the window's
 * [hist_pos, out_pos), which ends right before dst[made].
 */
static void direct_begin(struct ctx *c, size_t made)
{
	struct ist_inflate *s = c->s;
	size_t keep = IST_MIN(s->out_pos - s->hist_pos, (size_t)IST_INFLATE_HISTORY);
	/*
	 * After ist_inflate_run the history may end anywhere in the window;
	 * the fast loop reads up to 24 bytes past its end, so it moves to the
	 * front (a no-op after ist_inflate_run_into, which leaves it there).
	 */
	if (s->out_pos > keep)
		memmove(s->window, s->window + s->out_pos - keep, keep);
	c->hist_end = s->window + keep;
	c->hist_len = keep;
	s->out_pos = s->check_pos = s->read_pos = s->hist_pos = made;
}

/*
 * Keep the last 32 KiB of history in the window: what the window had
 * (unless a new member began in this call, which set hist_len to 0) and
 * then what this call decoded into dst since the history's start.
 */
static void direct_end(struct ctx *c, const uint8_t *dst)
{
	struct ist_inflate *s = c->s;
	size_t fresh = s->out_pos - s->hist_pos, fill;
	if (fresh >= IST_INFLATE_HISTORY) {
		memcpy(s->window, dst + s->out_pos - IST_INFLATE_HISTORY, IST_INFLATE_HISTORY);
		fill = IST_INFLATE_HISTORY;
	} else {
		size_t old = IST_MIN(c->hist_len, IST_INFLATE_HISTORY - fresh);
		memmove(s->window, c->hist_end - old, old);
		memcpy(s->window + old, dst + s->hist_pos, fresh);
		fill = old + fresh;
	}
	s->out_pos = s->check_pos = s->read_pos = fill;
	s->hist_pos = 0;
}

static enum ist_status run(struct ist_inflate *s, const void *in, size_t in_size, bool in_last,
			   size_t *in_used_ret, uint8_t *dst, size_t dst_size, size_t made,
			   size_t *made_ret, struct ist_error *err)
{
	if (in_used_ret)
		*in_used_ret = 0;
	if (!mode_valid(s->mode) || (!in && in_size) ||
	    (!(s->flags & IST_INFLATE_WINDOWED) && !s->out && s->mode != M_ERROR)) {
		if (err) {
			err->status = IST_INVALID;
			err->offset = 0;
			ist_format(err->msg, sizeof err->msg, "%s",
				   mode_valid(s->mode) ? "inflate: no input or no output region" :
							 "inflate: state not initialised");
		}
		return IST_INVALID;
	}
	/* No arithmetic on a null pointer, not even + 0. */
	static const uint8_t no_input[1];
	if (!in)
		in = no_input;
	struct ctx c = { .s = s, .in0 = in, .in = in, .in_end = (const uint8_t *)in + in_size,
			 .bitbuf = s->bitbuf, .bitcnt = s->bitcnt, .in_last = in_last,
			 .in_size = in_size };
	enum ist_status st;
	if (dst) {
		direct_begin(&c, made);
		setup_output(&c, dst, dst_size);
		st = machine(&c);
		sync_out(&c);
		*made_ret = s->out_pos;
		direct_end(&c, dst);
	} else {
		for (;;) {
			setup_output(&c, NULL, 0);
			st = machine(&c);
			if (st == IST_NO_SPACE && (s->flags & IST_INFLATE_WINDOWED) && slide(&c))
				continue;
			break;
		}
		sync_out(&c);
	}
	/*
	 * Hand back the whole bytes read ahead when the stream ends or the output
	 * is full (the next call may end the stream within them). Bits kept from
	 * earlier calls were all needed: a call returns for more input only when
	 * the next field is longer than the bits it holds (and it has consumed
	 * all of its input), and bits are consumed in order, so what remains of
	 * them belongs to a pending field and precedes the end. What is read
	 * ahead therefore comes from this call; the min() guards that reasoning.
	 */
	if (s->mode == M_DONE || st == IST_NO_SPACE) {
		size_t back = IST_MIN((size_t)(c.bitcnt / 8), (size_t)(c.in - c.in0));
		c.in -= back;
		c.bitcnt -= (unsigned)back * 8;
	}
	s->bitbuf = c.bitbuf & BITMASK(c.bitcnt);
	s->bitcnt = c.bitcnt;
	size_t used = (size_t)(c.in - c.in0);
	s->in_total += used;
	if (in_used_ret)
		*in_used_ret = used;
	if (st != IST_OK && st != IST_NO_SPACE && err)
		*err = s->error;
	return st;
}

enum ist_status ist_inflate_run(struct ist_inflate *s, const void *in, size_t in_size,
				bool in_last, size_t *in_used_ret, struct ist_error *err)
{
	return run(s, in, in_size, in_last, in_used_ret, NULL, 0, 0, NULL, err);
}

enum ist_status ist_inflate_run_into(struct ist_inflate *s, const void *in, size_t in_size,
				     bool in_last, size_t *in_used_ret, void *dst, size_t dst_size,
				     size_t *out_made_ret, struct ist_error *err)
{
	*out_made_ret = 0;
	if (!mode_valid(s->mode)) /* refused, with the same words as ist_inflate_run */
		return run(s, in, in_size, in_last, in_used_ret, NULL, 0, 0, NULL, err);
	if (!(s->flags & IST_INFLATE_WINDOWED) || !dst) {
		if (in_used_ret)
			*in_used_ret = 0;
		if (err)
			ist_fail(err, IST_INVALID, 0, "inflate: output into a buffer needs windowed mode");
		return IST_INVALID;
	}
	/* What the window holds from earlier calls goes first. */
	size_t made = ist_inflate_read(s, dst, dst_size);
	*out_made_ret = made;
	if (made == dst_size && (ist_inflate_pending(s, NULL) || s->mode != M_DONE)) {
		if (in_used_ret)
			*in_used_ret = 0;
		return IST_NO_SPACE;
	}
	return run(s, in, in_size, in_last, in_used_ret, dst, dst_size, made, out_made_ret, err);
}

bool ist_inflate_done(const struct ist_inflate *s)
{
	return s->mode == M_DONE;
}

size_t ist_inflate_output_size(const struct ist_inflate *s)
{
	return (s->flags & IST_INFLATE_WINDOWED) ? 0 : s->out_pos;
}

uint64_t ist_inflate_total_in(const struct ist_inflate *s)
{
	return s->in_total;
}

uint64_t ist_inflate_total_out(const struct ist_inflate *s)
{
	return s->out_total;
}

size_t ist_inflate_pending(const struct ist_inflate *s, const uint8_t **data_ret)
{
	if (!(s->flags & IST_INFLATE_WINDOWED)) {
		if (data_ret)
			*data_ret = 0;
		return 0;
	}
	if (data_ret)
		*data_ret = s->window + s->read_pos;
	return s->out_pos - s->read_pos;
}

void ist_inflate_drain(struct ist_inflate *s, size_t n)
{
	size_t pending = ist_inflate_pending(s, 0);
	s->read_pos += IST_MIN(n, pending);
}

size_t ist_inflate_read(struct ist_inflate *s, void *dst, size_t size)
{
	const uint8_t *p;
	size_t n = IST_MIN(ist_inflate_pending(s, &p), size);
	if (n)
		memcpy(dst, p, n);
	ist_inflate_drain(s, n);
	return n;
}
