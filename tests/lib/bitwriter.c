/* A DEFLATE bit writer for tests (see bitwriter.h). */
#include "bitwriter.h"

#include <string.h>

void bw_init(struct bitwriter *w)
{
	memset(w, 0, sizeof *w);
}

void bw_bits(struct bitwriter *w, uint32_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		w->acc |= ((v >> i) & 1u) << w->nacc;
		if (++w->nacc == 8) {
			w->buf[w->len++] = (uint8_t)w->acc;
			w->acc = 0;
			w->nacc = 0;
		}
	}
}

void bw_code(struct bitwriter *w, uint32_t code, unsigned len)
{
	for (unsigned i = len; i-- > 0;)
		bw_bits(w, (code >> i) & 1u, 1);
}

void bw_align(struct bitwriter *w)
{
	if (w->nacc)
		bw_bits(w, 0, 8 - w->nacc);
}

void bw_byte(struct bitwriter *w, uint8_t b)
{
	bw_bits(w, b, 8);
}

void bw_bytes(struct bitwriter *w, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		bw_byte(w, b[i]);
}

size_t bw_bitpos(const struct bitwriter *w)
{
	return w->len * 8 + w->nacc;
}

void bw_fixed_lit(struct bitwriter *w, unsigned sym)
{
	if (sym < 144)
		bw_code(w, 0x30 + sym, 8);
	else if (sym < 256)
		bw_code(w, 0x190 + (sym - 144), 9);
	else if (sym < 280)
		bw_code(w, sym - 256, 7);
	else
		bw_code(w, 0xc0 + (sym - 280), 8);
}

void bw_fixed_dist(struct bitwriter *w, unsigned sym)
{
	bw_code(w, sym, 5);
}

static const unsigned lbase[29] = { 3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
				    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const unsigned lextra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
				     2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const unsigned dbase[30] = { 1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
				    33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
				    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const unsigned dextra[30] = { 0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
				     6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

void bw_fixed_match(struct bitwriter *w, unsigned len, unsigned dist)
{
	unsigned l = 28;
	while (lbase[l] > len)
		l--;
	if (len == 258)
		l = 28;
	bw_fixed_lit(w, 257 + l);
	bw_bits(w, len - lbase[l], lextra[l]);
	unsigned d = 29;
	while (dbase[d] > dist)
		d--;
	bw_fixed_dist(w, d);
	bw_bits(w, dist - dbase[d], dextra[d]);
}

size_t bw_finish(struct bitwriter *w)
{
	bw_align(w);
	return w->len;
}
