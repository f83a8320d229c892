/*
 * SHA-256 (FIPS 180-4) in plain C. The compression function keeps the
 * message schedule in a 16-word ring and runs the 64 rounds unrolled by 8,
 * rotating the roles of a..h instead of moving the words.
 */
#include <initstack/sha256.h>

#include "shim.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static const uint32_t H0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define S0(x) (ROR(x, 2) ^ ROR(x, 13) ^ ROR(x, 22))
#define S1(x) (ROR(x, 6) ^ ROR(x, 11) ^ ROR(x, 25))
#define s0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define s1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))

/* Schedule word i (16 <= i < 64) computed in place in the ring W. */
#define SCHED(i)                                                                   \
	(W[(i) & 15] += s1(W[((i) - 2) & 15]) + W[((i) - 7) & 15] + s0(W[((i) - 15) & 15]))

#define ROUND(a, b, c, d, e, f, g, h, i, w)                                        \
	do {                                                                       \
		uint32_t t1_ = (h) + S1(e) + CH(e, f, g) + K[i] + (w);             \
		(d) += t1_;                                                        \
		(h) = t1_ + S0(a) + MAJ(a, b, c);                                  \
	} while (0)

#define ROUNDS8(i, W_)                                                             \
	do {                                                                       \
		ROUND(a, b, c, d, e, f, g, h, (i) + 0, W_((i) + 0));               \
		ROUND(h, a, b, c, d, e, f, g, (i) + 1, W_((i) + 1));               \
		ROUND(g, h, a, b, c, d, e, f, (i) + 2, W_((i) + 2));               \
		ROUND(f, g, h, a, b, c, d, e, (i) + 3, W_((i) + 3));               \
		ROUND(e, f, g, h, a, b, c, d, (i) + 4, W_((i) + 4));               \
		ROUND(d, e, f, g, h, a, b, c, (i) + 5, W_((i) + 5));               \
		ROUND(c, d, e, f, g, h, a, b, (i) + 6, W_((i) + 6));               \
		ROUND(b, c, d, e, f, g, h, a, (i) + 7, W_((i) + 7));               \
	} while (0)

#define WLOAD(i) W[i]

/* Compress `nblocks` 64-byte blocks at `p` into the state `s`. */
static void compress(uint32_t s[8], const uint8_t *p, size_t nblocks)
{
	while (nblocks--) {
		uint32_t W[16];
		for (int i = 0; i < 16; i++)
			W[i] = ist_load_be32(p + 4 * i);
		uint32_t a = s[0], b = s[1], c = s[2], d = s[3];
		uint32_t e = s[4], f = s[5], g = s[6], h = s[7];

		ROUNDS8(0, WLOAD);
		ROUNDS8(8, WLOAD);
		for (int i = 16; i < 64; i += 16) {
			ROUNDS8(i, SCHED);
			ROUNDS8(i + 8, SCHED);
		}

		s[0] += a;
		s[1] += b;
		s[2] += c;
		s[3] += d;
		s[4] += e;
		s[5] += f;
		s[6] += g;
		s[7] += h;
		p += IST_SHA256_BLOCK;
	}
}

void ist_sha256_init(struct ist_sha256 *c)
{
	memcpy(c->h, H0, sizeof c->h);
	c->len = 0;
}

void ist_sha256_update(struct ist_sha256 *c, const void *data, size_t n)
{
	if (!n)
		return;
	const uint8_t *p = data;
	size_t have = (size_t)(c->len % IST_SHA256_BLOCK);
	c->len += n;
	if (have) {
		size_t take = IST_MIN(n, IST_SHA256_BLOCK - have);
		memcpy(c->buf + have, p, take);
		p += take;
		n -= take;
		if (have + take < IST_SHA256_BLOCK)
			return;
		compress(c->h, c->buf, 1);
	}
	if (n >= IST_SHA256_BLOCK) {
		size_t blocks = n / IST_SHA256_BLOCK;
		compress(c->h, p, blocks);
		p += blocks * IST_SHA256_BLOCK;
		n -= blocks * IST_SHA256_BLOCK;
	}
	if (n)
		memcpy(c->buf, p, n);
}

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void ist_sha256_final(struct ist_sha256 *c, uint8_t digest[IST_SHA256_SIZE])
{
	size_t have = (size_t)(c->len % IST_SHA256_BLOCK);
	uint64_t bits = c->len << 3;
	c->buf[have++] = 0x80;
	if (have > IST_SHA256_BLOCK - 8) {
		memset(c->buf + have, 0, IST_SHA256_BLOCK - have);
		compress(c->h, c->buf, 1);
		have = 0;
	}
	memset(c->buf + have, 0, IST_SHA256_BLOCK - 8 - have);
	store_be32(c->buf + 56, (uint32_t)(bits >> 32));
	store_be32(c->buf + 60, (uint32_t)bits);
	compress(c->h, c->buf, 1);
	for (int i = 0; i < 8; i++)
		store_be32(digest + 4 * i, c->h[i]);
	memset(c, 0, sizeof *c);
}

void ist_sha256(const void *p, size_t n, uint8_t digest[IST_SHA256_SIZE])
{
	struct ist_sha256 c;
	ist_sha256_init(&c);
	ist_sha256_update(&c, p, n);
	ist_sha256_final(&c, digest);
}

char *ist_sha256_hex(const uint8_t digest[IST_SHA256_SIZE], char hex[IST_SHA256_HEX])
{
	static const char digits[16] = "0123456789abcdef";
	for (int i = 0; i < IST_SHA256_SIZE; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[2 * IST_SHA256_SIZE] = '\0';
	return hex;
}
