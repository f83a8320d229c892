/*
 * A DEFLATE bit writer for tests: hand-craft valid and malformed streams
 * (bits are written LSB-first as RFC 1951 packs them; Huffman codewords
 * MSB-first as the RFC requires).
 */
#ifndef INITSTACK_TEST_BITWRITER_H
#define INITSTACK_TEST_BITWRITER_H

#include <stddef.h>
#include <stdint.h>

struct bitwriter {
	uint8_t buf[1 << 16];
	size_t len;   /* whole bytes written */
	uint32_t acc; /* pending bits */
	unsigned nacc;
};

void bw_init(struct bitwriter *w);
/* `n` bits of `v`, least significant first (header fields, extra bits). */
void bw_bits(struct bitwriter *w, uint32_t v, unsigned n);
/* A Huffman codeword of `len` bits, most significant bit first. */
void bw_code(struct bitwriter *w, uint32_t code, unsigned len);
/* Pad to a byte boundary with zero bits. */
void bw_align(struct bitwriter *w);
void bw_byte(struct bitwriter *w, uint8_t b);
void bw_bytes(struct bitwriter *w, const void *p, size_t n);
/* Bits written so far. */
size_t bw_bitpos(const struct bitwriter *w);

/* The fixed Huffman code (block type 1). */
void bw_fixed_lit(struct bitwriter *w, unsigned sym); /* 0..287 */
void bw_fixed_dist(struct bitwriter *w, unsigned sym); /* 0..31 */
/* A fixed-code match: length 3..258, distance 1..32768. */
void bw_fixed_match(struct bitwriter *w, unsigned len, unsigned dist);

/* Finish: pad and return the length in bytes. */
size_t bw_finish(struct bitwriter *w);

#endif
