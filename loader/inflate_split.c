/*
 * One DEFLATE stream on two cores (see initstack/inflate_split.h).
 *
 * The second half is decoded twice with different stand-in histories, the
 * second time only as far as it takes. A byte that came from the missing
 * history differs between the two decodes, and every other byte is the
 * same: DEFLATE's control flow never depends on the bytes decoded, so both
 * decodes copy the same positions. The stand-ins are chosen so that the two
 * values name the history position: the first decode sees byte i & 0xff at
 * position i, the second (i >> 8) with bit 7 set to the complement of i's
 * bit 7, so the two always differ. Once 32 KiB in a row are the same in
 * both, nothing later can refer to the missing history, and the second
 * decode stops.
 */
#include <initstack/inflate_split.h>

#include "inflate_int.h"

#define HIST IST_INFLATE_HISTORY
/* input the other core decodes between looks at t->cancel */
#define CHUNK (256u * 1024u)
/* output a candidate block must decode to before it is taken */
#define TRIAL (16u * 1024u)
/*
 * Input a trial may read: 16 KiB of output take at most 48 bits a byte (a
 * 3-byte match with the longest codes), so 96 KiB; more without the output
 * means a stream of empty blocks, not worth a second core. And the input
 * all trials together may read before the search gives up: hostile input
 * can make every bit a plausible header whose trial reads its whole
 * allowance, and the search must stay linear.
 */
#define TRIAL_IN (128u * 1024u)
#define SEARCH_BUDGET (8u << 20)
/* the second decode's first step; it doubles while bytes still differ */
#define PROBE_STEP (64u * 1024u)

/*
 * Of the 8 bit positions of input byte `byte`, those where a dynamic block
 * header that is not the final block could start: block type bits 100,
 * HLIT and HDIST of at most 29 (30 and 31 have their top four bits set).
 * A mask over all positions at once; one in nine survives on random bits.
 */
static unsigned header_starts(const uint8_t *in, uint64_t byte)
{
	uint64_t w = ist_load64(in + byte);
	uint64_t m = ~w & ~(w >> 1) & w >> 2;
	m &= ~(w >> 4 & w >> 5 & w >> 6 & w >> 7);
	m &= ~(w >> 9 & w >> 10 & w >> 11 & w >> 12);
	return (unsigned)(m & 0xff);
}

/*
 * And whose code length code is complete, as a real one is: the last cheap
 * filter before a trial decode. Reads 16 bytes from bit / 8.
 */
static bool precode_complete(const uint8_t *in, uint64_t bit)
{
	/* 2^7 >> a + 2^7 >> b for a pair of 3-bit lengths a, b (0: no code) */
	static const uint8_t pair[64] = {
#define K(a) ((a) ? 128u >> (a) : 0u)
#define ROW(b) K(0) + K(b), K(1) + K(b), K(2) + K(b), K(3) + K(b), \
	       K(4) + K(b), K(5) + K(b), K(6) + K(b), K(7) + K(b)
		ROW(0), ROW(1), ROW(2), ROW(3), ROW(4), ROW(5), ROW(6), ROW(7),
#undef ROW
#undef K
	};
	unsigned hclen = (unsigned)((ist_load64(in + bit / 8) >> ((bit & 7) + 13)) & 15) + 4;
	/* 19 lengths of 3 bits: 57, and a shifted load has at least that */
	uint64_t w = ist_load64(in + (bit + 17) / 8) >> ((bit + 17) & 7);
	w &= BITMASK(3 * hclen);
	unsigned kraft = 0;
	for (unsigned i = 0; i < 60; i += 6) /* branch-free: random bits defeat prediction */
		kraft += pair[(w >> i) & 63];
	return kraft == 128;
}

/*
 * The raw decoder t->s (initialised once: a trial per candidate must not
 * pay for CPUID, a trap in a virtual machine) at the block header at
 * `bit`; the region's first 32 KiB stand for the history.
 */
static const uint8_t *begin(struct ist_inflate_tail *t, uint8_t *region, size_t size, uint64_t bit)
{
	return inflate_resume(t->s, region, size, HIST, t->in, bit);
}

/*
 * Does a block at `bit` decode to t->trial bytes from at most TRIAL_IN
 * bytes of input? Counts the input it read against *budget.
 */
static bool trial(struct ist_inflate_tail *t, uint64_t bit, size_t *budget)
{
	size_t want = t->trial ? t->trial : TRIAL;
	if (t->probe_size - HIST < want)
		return false;
	const uint8_t *p = begin(t, t->probe, HIST + want, bit);
	size_t left = (size_t)(t->in + t->in_size - p), n = IST_MIN(left, (size_t)TRIAL_IN), used;
	enum ist_status st = ist_inflate_run(t->s, p, n, n == left, &used, NULL);
	*budget -= IST_MIN(*budget, used + 1);
	return st == IST_NO_SPACE || (st == IST_OK && ist_inflate_done(t->s));
}

static bool find(struct ist_inflate_tail *t, uint64_t from, uint64_t to)
{
	uint64_t limit = t->in_size >= 24 ? (uint64_t)(t->in_size - 24) * 8 : 0;
	size_t budget = SEARCH_BUDGET;
	ist_inflate_init(t->s, IST_INFLATE_RAW, 0);
	if (to > limit)
		to = limit;
	for (uint64_t byte = from / 8; byte * 8 < to && budget; byte++) {
		for (unsigned m = header_starts(t->in, byte); m; m &= m - 1) {
			uint64_t bit = byte * 8 + (unsigned)__builtin_ctz(m);
			if (bit < from || bit >= to || !precode_complete(t->in, bit))
				continue;
			if (trial(t, bit, &budget)) {
				t->start_bit = bit;
				return true;
			}
			if (!budget)
				return false;
		}
	}
	return false;
}

/* The whole second half, with history position i standing in as i & 0xff. */
static enum ist_status decode_half(struct ist_inflate_tail *t)
{
	for (size_t i = 0; i < HIST; i++)
		t->buf[i] = (uint8_t)i;
	ist_inflate_init(t->s, IST_INFLATE_RAW, 0);
	const uint8_t *p = begin(t, t->buf, t->buf_size, t->start_bit);
	const uint8_t *end = t->in + t->in_size;
	while (!ist_inflate_done(t->s)) {
		if (t->cancel)
			return IST_ABORTED;
		size_t n = IST_MIN((size_t)(end - p), (size_t)CHUNK), used;
		enum ist_status st = ist_inflate_run(t->s, p, n, p + n == end, &used, NULL);
		p += used;
		if (st)
			return st;
	}
	t->end_byte = ist_inflate_total_in(t->s);
	t->size = ist_inflate_output_size(t->s) - HIST;
	return IST_OK;
}

/* One past the last i in [from, to) where a and b differ, else `last`. */
static size_t last_difference(const uint8_t *a, const uint8_t *b, size_t from, size_t to,
			      size_t last)
{
	size_t i = from;
	for (; i + 8 <= to; i += 8) {
		if (ist_load64(a + i) == ist_load64(b + i))
			continue;
		for (size_t j = i; j < i + 8; j++)
			if (a[j] != b[j])
				last = j + 1;
	}
	for (; i < to; i++)
		if (a[i] != b[i])
			last = i + 1;
	return last;
}

/* The second decode, as far as the two differ; sets t->dirty. */
static enum ist_status find_dirty(struct ist_inflate_tail *t)
{
	for (size_t i = 0; i < HIST; i++)
		t->probe[i] = (uint8_t)((i >> 8) | (~i & 0x80));
	ist_inflate_init(t->s, IST_INFLATE_RAW, 0);
	const uint8_t *p = begin(t, t->probe, HIST, t->start_bit);
	const uint8_t *end = t->in + t->in_size;
	size_t want = PROBE_STEP, checked = 0, last = 0;
	for (;;) {
		size_t cap = IST_MIN(HIST + IST_MIN(want, t->size), t->probe_size);
		ist_inflate_set_output(t->s, t->probe, cap);
		size_t used;
		enum ist_status st = ist_inflate_run(t->s, p, (size_t)(end - p), true, &used, NULL);
		p += used;
		size_t made = ist_inflate_output_size(t->s) - HIST;
		last = last_difference(t->buf + HIST, t->probe + HIST, checked, made, last);
		checked = made;
		if (made == t->size || made - last >= HIST) {
			t->dirty = last;
			return IST_OK;
		}
		if (st != IST_NO_SPACE) /* the same bits decoded before */
			return st ? st : IST_BAD_DATA;
		if (cap == t->probe_size)
			return IST_NO_SPACE;
		if (t->cancel)
			return IST_ABORTED;
		want *= 2;
	}
}

static void decode_tail(void *tail)
{
	struct ist_inflate_tail *t = tail;
	t->status = decode_half(t);
	if (t->status == IST_OK)
		t->status = find_dirty(t);
}

/*
 * memcpy of the second half, tens of MB: words, because the EFI build's
 * memcpy (gnu-efi's) moves one byte at a time.
 */
static void copy_words(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		uint64_t w0 = ist_load64(src + i), w1 = ist_load64(src + i + 8);
		uint64_t w2 = ist_load64(src + i + 16), w3 = ist_load64(src + i + 24);
		ist_store64(dst + i, w0);
		ist_store64(dst + i + 8, w1);
		ist_store64(dst + i + 16, w2);
		ist_store64(dst + i + 24, w3);
	}
	memcpy(dst + i, src + i, n - i);
}

/*
 * Append the second half at the output position of `s`, which stopped
 * right before it, with the real history in place of the stand-in. False
 * (and nothing adopted) where the sequential decode would have done
 * otherwise: the region or the ratio limit is too small, or a byte refers
 * further back than the stream's history; then `s` decodes on by itself
 * and says so in its own words.
 */
static bool join(struct ist_inflate *s, const struct ist_inflate_tail *t, uint64_t base,
		 uint64_t seen)
{
	size_t n = t->size;
	if (s->out_size - s->out_pos < n)
		return false;
	if (s->max_ratio) {
		uint64_t cap;
		if (!__builtin_mul_overflow(seen, (uint64_t)s->max_ratio, &cap) &&
		    !__builtin_add_overflow(cap, s->slack, &cap) && s->out_total + n > cap)
			return false;
	}
	uint8_t *dst = s->out + s->out_pos;
	const uint8_t *a = t->buf + HIST, *b = t->probe + HIST;
	size_t have = s->out_pos - s->hist_pos;
	copy_words(dst, a, n);
	for (size_t i = 0; i < t->dirty; i++) {
		/* most bytes are the same in both: skip them a word at a time */
		if (!(i & 7) && i + 8 <= t->dirty && ist_load64(a + i) == ist_load64(b + i)) {
			i += 7;
			continue;
		}
		if (a[i] == b[i])
			continue;
		size_t back = HIST - ((size_t)(b[i] & 0x7f) << 8 | a[i]);
		if (back > have)
			return false;
		dst[i] = *(dst - back);
	}
	inflate_adopt(s, n, base + t->end_byte);
	return true;
}

enum ist_status ist_inflate_run_split_from(struct ist_inflate *s, struct ist_inflate_tail *t,
					   const struct ist_inflate_helper *h, const void *in,
					   size_t in_size, uint64_t from, uint64_t to,
					   size_t *in_used_ret, struct ist_error *err)
{
	if (!h || !t || t->buf_size < HIST || t->probe_size < HIST ||
	    (s->flags & IST_INFLATE_WINDOWED) || !s->out || ist_inflate_done(s))
		return ist_inflate_run(s, in, in_size, true, in_used_ret, err);
	uint64_t base = ist_inflate_total_in(s);
	t->in = in;
	t->in_size = in_size;
	t->cancel = 0;
	t->status = IST_ABORTED;
	t->size = t->dirty = 0;
	t->joined = t->abandoned = false;
	if (!find(t, from, to) || !h->start(h->ctx, decode_tail, t))
		return ist_inflate_run(s, in, in_size, true, in_used_ret, err);

	size_t used = 0, more = 0;
	inflate_stop_at(s, base * 8 + t->start_bit);
	enum ist_status st = ist_inflate_run(s, in, in_size, true, &used, err);
	bool stopped = inflate_stopped(s);
	inflate_stop_at(s, 0);
	if (!stopped)
		t->cancel = 1;
	t->abandoned = !h->wait(h->ctx);
	if (stopped) {
		t->joined = !t->abandoned && t->status == IST_OK && join(s, t, base, base + in_size);
		if (t->joined)
			used = (size_t)t->end_byte;
		st = ist_inflate_run(s, (const uint8_t *)in + used, in_size - used, true, &more, err);
	}
	if (in_used_ret)
		*in_used_ret = used + more;
	return st;
}

enum ist_status ist_inflate_run_split(struct ist_inflate *s, struct ist_inflate_tail *t,
				      const struct ist_inflate_helper *h, const void *in,
				      size_t in_size, size_t *in_used_ret, struct ist_error *err)
{
	if (in_size < IST_INFLATE_SPLIT_MIN)
		return ist_inflate_run(s, in, in_size, true, in_used_ret, err);
	/*
	 * Where the data is stored, not coded, there is no header to find;
	 * the search reads about 3 ns a bit there, so it stops after 1 MiB
	 * (30 ms). Coded data has a dynamic header every 20-100 KiB.
	 */
	uint64_t bits = (uint64_t)in_size * 8, span = IST_MIN(bits / 4, (uint64_t)8 << 20);
	return ist_inflate_run_split_from(s, t, h, in, in_size, bits / 2, bits / 2 + span,
					  in_used_ret, err);
}
