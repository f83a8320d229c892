/*
 * Every class of malformed DEFLATE/zlib/gzip input gives its own error with
 * the right offset: streams hand-crafted with the bit writer, each decoded
 * whole and one byte at a time (the messages must be identical), in both
 * output modes.
 */
#include <stdlib.h>
#include <zlib.h>

#include <initstack/crc32.h>
#include <initstack/inflate.h>

#include "bitwriter.h"
#include "check.h"
#include "inflate_corpus.h"

static struct bitwriter W;

/* Decode with several chunkings and modes; all must fail the same way. */
static void expect(enum ist_inflate_format fmt, uint32_t flags, const uint8_t *p, size_t n,
		   enum ist_status want, const char *msg)
{
	/* The first and last modes have room for the fast loop (BMI2 where the
	 * CPU has it, then the baseline one); the others grow from 7 bytes. The
	 * `into` modes decode windowed straight into buffers of that size. */
	static const struct {
		enum tinf_chunk chunk;
		bool windowed;
		size_t out_initial;
		bool generic;
		size_t into;
	} modes[] = { { TINF_WHOLE, false, 1 << 20, false, 0 }, { TINF_BYTE, false, 7, false, 0 },
		      { TINF_WHOLE, true, 0, false, 0 },	{ TINF_BYTE, true, 0, false, 0 },
		      { TINF_RANDOM, false, 7, false, 0 },	{ TINF_WHOLE, false, 1 << 20, true, 0 },
		      { TINF_WHOLE, true, 0, false, 1 << 16 },	{ TINF_RANDOM, true, 0, false, 700 } };
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		struct tinf_opts o = { .chunk = modes[i].chunk, .windowed = modes[i].windowed,
				       .out_initial = modes[i].out_initial, .flags = flags,
				       .seed = (unsigned)i + 1, .generic = modes[i].generic,
				       .into = modes[i].into };
		struct tinf_result r;
		tinf_decode(fmt, p, n, &o, &r);
		if (r.status != want || strcmp(r.err.msg, msg))
			fprintf(stderr, "  mode %zu: status %d (%s), message \"%s\"\n", i, r.status,
				ist_status_name(r.status), r.err.msg);
		CHECK_EQ_U(r.status, want);
		CHECK_STR(r.err.msg, msg);
		CHECK_EQ_U(r.err.status, want);
		tinf_free(&r);
	}
}

static void expect_w(enum ist_inflate_format fmt, enum ist_status want, const char *msg)
{
	size_t n = bw_finish(&W);
	expect(fmt, 0, W.buf, n, want, msg);
}

static void test_block_type_3(void)
{
	bw_init(&W);
	bw_bits(&W, 1, 1);
	bw_bits(&W, 3, 2);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA, "offset 0: invalid block type 3");
	/* after an empty stored block (5 bytes) */
	bw_init(&W);
	bw_bits(&W, 0, 3);
	bw_align(&W);
	bw_bytes(&W, "\x00\x00\xff\xff", 4);
	bw_bits(&W, 7, 3);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA, "offset 5: invalid block type 3");
}

static void test_stored_len(void)
{
	bw_init(&W);
	bw_bits(&W, 1, 3);
	bw_align(&W);
	bw_bytes(&W, "\x05\x00\x34\x12", 4);
	bw_bytes(&W, "hello", 5);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA,
		 "offset 1: stored block length 0x0005 does not match its complement 0x1234");
}

/* Dynamic block header; precode lengths given in symbol order 0..18. */
static void dyn_header(unsigned hlit, unsigned hdist, const uint8_t pre[19], unsigned hclen)
{
	static const uint8_t order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5,
					   11, 4, 12, 3, 13, 2, 14, 1, 15 };
	bw_bits(&W, 1, 1);
	bw_bits(&W, 2, 2);
	bw_bits(&W, hlit - 257, 5);
	bw_bits(&W, hdist - 1, 5);
	bw_bits(&W, hclen - 4, 4);
	for (unsigned i = 0; i < hclen; i++)
		bw_bits(&W, pre[order[i]], 3);
}

static void test_too_many_codes(void)
{
	uint8_t pre[19] = { 0 };
	bw_init(&W);
	dyn_header(287, 1, pre, 4);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA,
		 "offset 0: too many literal/length codes (287, at most 286)");
	bw_init(&W);
	dyn_header(288, 1, pre, 4);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA,
		 "offset 0: too many literal/length codes (288, at most 286)");
	bw_init(&W);
	dyn_header(257, 31, pre, 4);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA, "offset 0: too many distance codes (31, at most 30)");
}

static void test_bad_precode(void)
{
	uint8_t pre[19] = { 0 };
	pre[16] = pre[17] = pre[18] = pre[0] = 1;
	bw_init(&W);
	dyn_header(257, 1, pre, 4);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA, "offset 3: over-subscribed code length code");
	memset(pre, 0, sizeof pre);
	pre[16] = 1;
	bw_init(&W);
	dyn_header(257, 1, pre, 4);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA, "offset 3: incomplete code length code");
	memset(pre, 0, sizeof pre);
	bw_init(&W);
	dyn_header(257, 1, pre, 4);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA, "offset 3: incomplete code length code");
}

static void test_bad_repeat(void)
{
	uint8_t pre[19] = { 0 };
	/* 0 -> '0', 16 -> '1' */
	pre[0] = pre[16] = 1;
	bw_init(&W);
	dyn_header(257, 1, pre, 4);
	bw_code(&W, 1, 1);
	bw_bits(&W, 0, 2);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA,
		 "offset 3: code length repeat (16) with no previous length");
	/* 0 -> '0', 18 -> '1': 138 zeros twice overflows 258 */
	memset(pre, 0, sizeof pre);
	pre[0] = pre[18] = 1;
	bw_init(&W);
	dyn_header(257, 1, pre, 4);
	bw_code(&W, 1, 1);
	bw_bits(&W, 127, 7);
	bw_code(&W, 1, 1);
	bw_bits(&W, 127, 7);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA,
		 "offset 4: code length repeat of 138 past the end (138 of 258 lengths set)");
	/* all zero: no end-of-block code */
	bw_init(&W);
	dyn_header(257, 1, pre, 4);
	bw_code(&W, 1, 1);
	bw_bits(&W, 127, 7);
	bw_code(&W, 1, 1);
	bw_bits(&W, 120 - 11, 7);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA,
		 "offset 5: dynamic block has no code for end-of-block");
}

/*
 * Precode 0 -> 00, 1 -> 01, 2 -> 10, 18 -> 11 (hclen 18 reaches symbol 1).
 * Emits litlen lengths: `lit` for symbols 0..nlit-1, zeros, `eob` for 256,
 * then the distance lengths.
 */
static void dyn_lens(unsigned nlit, unsigned lit, unsigned eob, unsigned hdist, const uint8_t *dl)
{
	uint8_t pre[19] = { 0 };
	pre[0] = pre[1] = pre[2] = pre[18] = 2;
	dyn_header(257, hdist, pre, 18);
	for (unsigned i = 0; i < nlit; i++)
		bw_code(&W, lit, 2);
	unsigned zeros = 256 - nlit;
	while (zeros) {
		unsigned k = zeros > 138 ? 138 : zeros;
		if (zeros - k > 0 && zeros - k < 11)
			k = zeros - 11;
		bw_code(&W, 3, 2);
		bw_bits(&W, k - 11, 7);
		zeros -= k;
	}
	bw_code(&W, eob, 2);
	for (unsigned i = 0; i < hdist; i++)
		bw_code(&W, dl[i], 2);
}

static void test_bad_litlen_dist_codes(void)
{
	uint8_t d1[2] = { 1, 1 }, d2[3] = { 1, 1, 1 }, d3[2] = { 2, 2 }, d0[1] = { 0 };
	bw_init(&W);
	dyn_lens(3, 1, 1, 1, d1);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA, "offset 12: over-subscribed literal/length code");
	bw_init(&W);
	dyn_lens(1, 2, 2, 1, d1);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA, "offset 11: incomplete literal/length code");
	bw_init(&W);
	dyn_lens(1, 1, 1, 3, d2);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA, "offset 12: over-subscribed distance code");
	bw_init(&W);
	dyn_lens(1, 1, 1, 2, d3);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA, "offset 12: incomplete distance code");
	/* Allowed (as zlib does): one distance code of length 1, or none at all. */
	for (int k = 0; k < 2; k++) {
		bw_init(&W);
		dyn_lens(1, 1, 1, 1, k ? d1 : d0);
		bw_code(&W, 0, 1); /* literal 0 */
		bw_code(&W, 1, 1); /* end of block */
		size_t n = bw_finish(&W);
		struct tinf_opts o = { .out_initial = 16 };
		struct tinf_result r;
		tinf_decode(IST_INFLATE_RAW, W.buf, n, &o, &r);
		CHECK_EQ_U(r.status, IST_OK);
		CHECK(r.done);
		CHECK_EQ_U(r.out_len, 1);
		tinf_free(&r);
	}
	/* Only end-of-block, as one 1-bit codeword: the other codeword is unused. */
	bw_init(&W);
	dyn_lens(0, 0, 1, 1, d1);
	bw_code(&W, 1, 1);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA,
		 "offset 11: invalid literal/length code (unused codeword of an incomplete code)");
	/* Using the missing distance code is an error. */
	bw_init(&W);
	uint8_t lens_len[1] = { 0 };
	{
		uint8_t pre[19] = { 0 };
		pre[0] = pre[1] = pre[2] = pre[18] = 2;
		dyn_header(258, 1, pre, 18);
		/* litlen: 0 -> 1 bit? use 2-bit codes: 0, 256, 257 length 2, plus symbol 1 length 2 */
		bw_code(&W, 2, 2); /* sym 0: length 2 */
		bw_code(&W, 2, 2); /* sym 1: length 2 */
		unsigned zeros = 254;
		bw_code(&W, 3, 2);
		bw_bits(&W, 138 - 11, 7);
		zeros -= 138;
		bw_code(&W, 3, 2);
		bw_bits(&W, zeros - 11, 7);
		bw_code(&W, 2, 2); /* 256: length 2 */
		bw_code(&W, 2, 2); /* 257: length 2 */
		bw_code(&W, lens_len[0], 2); /* distance 0: length 0 */
	}
	/* codes: 0 -> 00, 1 -> 01, 256 -> 10, 257 -> 11 */
	bw_code(&W, 0, 2);
	bw_code(&W, 3, 2);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA,
		 "offset 12: invalid distance code (unused codeword of an incomplete code)");
}

static void test_fixed_invalid_symbols(void)
{
	for (unsigned sym = 286; sym <= 287; sym++) {
		bw_init(&W);
		bw_bits(&W, 1, 1);
		bw_bits(&W, 1, 2);
		bw_fixed_lit(&W, 'a');
		bw_fixed_lit(&W, sym);
		char msg[80];
		snprintf(msg, sizeof msg, "offset 1: invalid literal/length code %u", sym);
		expect_w(IST_INFLATE_RAW, IST_BAD_DATA, msg);
	}
	for (unsigned sym = 30; sym <= 31; sym++) {
		bw_init(&W);
		bw_bits(&W, 1, 1);
		bw_bits(&W, 1, 2);
		bw_fixed_lit(&W, 'a');
		bw_fixed_lit(&W, 257);
		bw_fixed_dist(&W, sym);
		char msg[80];
		snprintf(msg, sizeof msg, "offset 2: invalid distance code %u", sym);
		expect_w(IST_INFLATE_RAW, IST_BAD_DATA, msg);
	}
}

/* 1000 literals first, so that the fast loop meets the bad symbol. */
static void long_fixed_prefix(void)
{
	bw_init(&W);
	bw_bits(&W, 1, 1);
	bw_bits(&W, 1, 2);
	for (int i = 0; i < 1000; i++)
		bw_fixed_lit(&W, 'a' + i % 26); /* 8-bit codes: 3 + 8000 bits */
}

static void long_fixed_suffix(void)
{
	for (int i = 0; i < 1000; i++)
		bw_fixed_lit(&W, 'z');
	bw_fixed_lit(&W, 256);
}

static void test_fast_loop_invalid_symbols(void)
{
	long_fixed_prefix();
	bw_fixed_lit(&W, 287); /* at bit 8003 */
	long_fixed_suffix();
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA, "offset 1000: invalid literal/length code 287");
	long_fixed_prefix();
	bw_fixed_lit(&W, 258); /* length 4, 7 bits: the distance code at bit 8010 */
	bw_fixed_dist(&W, 31);
	long_fixed_suffix();
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA, "offset 1001: invalid distance code 31");
}

static void test_distance_too_far(void)
{
	bw_init(&W);
	bw_bits(&W, 1, 1);
	bw_bits(&W, 1, 2);
	bw_fixed_lit(&W, 'a');
	bw_fixed_match(&W, 3, 2);
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA, "offset 2: distance 2 too far back (1 bytes of history)");
	/* In the middle of a long block, where the fast loop runs: 1000 literals
	 * (8-bit codes), then distance 32768 with 1000 bytes of history. */
	bw_init(&W);
	bw_bits(&W, 1, 1);
	bw_bits(&W, 1, 2);
	for (int i = 0; i < 1000; i++)
		bw_fixed_lit(&W, 'a' + i % 26);
	bw_fixed_match(&W, 10, 32768);
	for (int i = 0; i < 1000; i++)
		bw_fixed_lit(&W, 'z');
	bw_fixed_lit(&W, 256);
	/* 3 + 8000 bits, then a 7-bit length code (264): distance at bit 8010 */
	expect_w(IST_INFLATE_RAW, IST_BAD_DATA,
		 "offset 1001: distance 32768 too far back (1000 bytes of history)");
}

static uint8_t *gzip_of(const char *text, size_t *n)
{
	return tinf_zlib_compress((const uint8_t *)text, strlen(text), 6, Z_DEFAULT_STRATEGY, 31, n);
}

static void test_gzip_members(void)
{
	/* A second member cannot reach into the first one's output. */
	size_t n1;
	uint8_t *m1 = gzip_of("abcabcabc", &n1);
	bw_init(&W);
	bw_bytes(&W, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
	bw_bits(&W, 1, 1);
	bw_bits(&W, 1, 2);
	bw_fixed_match(&W, 3, 3);
	size_t n2 = bw_finish(&W);
	uint8_t *both = malloc(n1 + n2);
	memcpy(both, m1, n1);
	memcpy(both + n1, W.buf, n2);
	char msg[100];
	/* 10 header bytes, then 3 + 7 bits: the distance is in the 2nd deflate byte */
	snprintf(msg, sizeof msg, "offset %zu: distance 3 too far back (0 bytes of history)", n1 + 11);
	expect(IST_INFLATE_GZIP, IST_INFLATE_CONCAT, both, n1 + n2, IST_BAD_DATA, msg);
	free(both);
	free(m1);
}

static void test_gzip_header(void)
{
	size_t n;
	uint8_t *g = gzip_of("hello, world\n", &n);
	uint8_t *b = malloc(n);
	memcpy(b, g, n);
	b[1] = 0x8c;
	expect(IST_INFLATE_GZIP, 0, b, n, IST_BAD_DATA,
	       "offset 0: not a gzip member (magic 1f 8c, expected 1f 8b)");
	memcpy(b, g, n);
	b[2] = 7;
	expect(IST_INFLATE_GZIP, 0, b, n, IST_BAD_DATA,
	       "offset 2: gzip compression method 7 (only 8, deflate, is defined)");
	memcpy(b, g, n);
	b[3] = 0x20;
	expect(IST_INFLATE_GZIP, 0, b, n, IST_BAD_DATA,
	       "offset 3: gzip header flags 0x20 have reserved bits set");
	/* trailer */
	uint32_t crc = ist_crc32(0, "hello, world\n", 13);
	memcpy(b, g, n);
	b[n - 8] ^= 1;
	char msg[160];
	snprintf(msg, sizeof msg,
		 "offset %zu: gzip trailer: CRC-32 mismatch (stored 0x%08x, computed 0x%08x)", n - 8,
		 crc ^ 1, crc);
	expect(IST_INFLATE_GZIP, 0, b, n, IST_BAD_DATA, msg);
	memcpy(b, g, n);
	b[n - 4] = 14;
	snprintf(msg, sizeof msg,
		 "offset %zu: gzip trailer: ISIZE mismatch (stored 14, decoded 13 mod 2^32)", n - 4);
	expect(IST_INFLATE_GZIP, 0, b, n, IST_BAD_DATA, msg);
	/* trailing garbage, only when asked to refuse it */
	uint8_t *t = malloc(n + 3);
	memcpy(t, g, n);
	memcpy(t + n, "xyz", 3);
	snprintf(msg, sizeof msg, "offset %zu: trailing garbage after gzip stream", n);
	expect(IST_INFLATE_GZIP, IST_INFLATE_NO_TRAILING, t, n + 3, IST_BAD_DATA, msg);
	expect(IST_INFLATE_GZIP, IST_INFLATE_NO_TRAILING | IST_INFLATE_CONCAT, t, n + 3, IST_BAD_DATA,
	       msg);
	free(t);
	free(b);
	free(g);

	/* FHCRC mismatch: header with every optional field */
	bw_init(&W);
	bw_bytes(&W, "\x1f\x8b\x08\x1e\x00\x00\x00\x00\x00\x03", 10);
	bw_bytes(&W, "\x03\x00xyz", 5);
	bw_bytes(&W, "name\0", 5);
	bw_bytes(&W, "comment\0", 8);
	uint32_t hcrc = ist_crc32(0, W.buf, W.len) & 0xffff;
	bw_bytes(&W, "\x00\x00", 2);
	snprintf(msg, sizeof msg,
		 "offset 28: gzip header CRC-16 mismatch (stored 0x0000, computed 0x%04x)", hcrc);
	expect_w(IST_INFLATE_GZIP, IST_BAD_DATA, msg);
}

static void test_zlib_header(void)
{
	size_t n;
	uint8_t *z = tinf_zlib_compress((const uint8_t *)"hello", 5, 6, Z_DEFAULT_STRATEGY, 15, &n);
	uint8_t *b = malloc(n);
	memcpy(b, z, n);
	b[1] ^= 1;
	char msg[160];
	snprintf(msg, sizeof msg,
		 "offset 1: zlib header check bits wrong (0x%04x is not a multiple of 31)",
		 b[0] << 8 | b[1]);
	expect(IST_INFLATE_ZLIB, 0, b, n, IST_BAD_DATA, msg);
	expect(IST_INFLATE_ZLIB, 0, (const uint8_t *)"\x77\x01", 2, IST_BAD_DATA,
	       "offset 0: zlib compression method 7 (only 8, deflate, is defined)");
	expect(IST_INFLATE_ZLIB, 0, (const uint8_t *)"\x88\x01", 2, IST_BAD_DATA,
	       "offset 0: zlib window size 2^16 too large");
	/* 0x78 0xbb: FDICT set, check bits right */
	expect(IST_INFLATE_ZLIB, 0, (const uint8_t *)"\x78\xbb\x00\x00\x00\x01", 6, IST_UNSUPPORTED,
	       "offset 1: zlib stream needs a preset dictionary (not supported)");
	memcpy(b, z, n);
	b[n - 1] ^= 0x10;
	uint32_t ad = ist_adler32(1, "hello", 5);
	snprintf(msg, sizeof msg,
		 "offset %zu: zlib trailer: Adler-32 mismatch (stored 0x%08x, computed 0x%08x)", n - 4,
		 ad ^ 0x10, ad);
	expect(IST_INFLATE_ZLIB, 0, b, n, IST_BAD_DATA, msg);
	uint8_t *t = malloc(n + 1);
	memcpy(t, z, n);
	t[n] = 0;
	snprintf(msg, sizeof msg, "offset %zu: trailing garbage after zlib stream", n);
	expect(IST_INFLATE_ZLIB, IST_INFLATE_NO_TRAILING, t, n + 1, IST_BAD_DATA, msg);
	free(t);
	free(b);
	free(z);
}

/* A gzip stream that passes through every decoder state. */
static size_t every_state_gzip(uint8_t *out)
{
	bw_init(&W);
	bw_bytes(&W, "\x1f\x8b\x08\x1e\x00\x00\x00\x00\x00\x03", 10);
	bw_bytes(&W, "\x03\x00xyz", 5);
	bw_bytes(&W, "name\0", 5);
	bw_bytes(&W, "comment\0", 8);
	uint32_t hcrc = ist_crc32(0, W.buf, W.len) & 0xffff;
	bw_byte(&W, (uint8_t)hcrc);
	bw_byte(&W, (uint8_t)(hcrc >> 8));
	/* stored block "abc" */
	bw_bits(&W, 0, 3);
	bw_align(&W);
	bw_bytes(&W, "\x03\x00\xfc\xff" "abc", 7);
	/* fixed block: "d" + match */
	bw_bits(&W, 0, 1);
	bw_bits(&W, 1, 2);
	bw_fixed_lit(&W, 'd');
	bw_fixed_match(&W, 4, 4);
	bw_fixed_lit(&W, 256);
	/* final dynamic block: two literals */
	uint8_t d1[1] = { 1 };
	dyn_lens(1, 1, 1, 1, d1); /* sets BFINAL=1 */
	bw_code(&W, 0, 1);
	bw_code(&W, 0, 1);
	bw_code(&W, 1, 1);
	bw_align(&W);
	static const uint8_t plain[] = { 'a', 'b', 'c', 'd', 'a', 'b', 'c', 'd', 0, 0 };
	uint32_t crc = ist_crc32(0, plain, sizeof plain);
	for (int i = 0; i < 4; i++)
		bw_byte(&W, (uint8_t)(crc >> (8 * i)));
	bw_bytes(&W, "\x0a\x00\x00\x00", 4);
	memcpy(out, W.buf, W.len);
	return W.len;
}

static void test_truncated_everywhere(void)
{
	uint8_t full[256];
	size_t n = every_state_gzip(full);
	struct tinf_opts o = { .out_initial = 64 };
	struct tinf_result r;
	tinf_decode(IST_INFLATE_GZIP, full, n, &o, &r);
	CHECK_EQ_U(r.status, IST_OK);
	CHECK(r.done);
	CHECK_EQ_U(r.out_len, 10);
	CHECK(r.out_len == 10 && !memcmp(r.out, "abcdabcd\0\0", 10));
	tinf_free(&r);
	static const char *const where[] = {
		"the gzip header",	       "the gzip header's extra field",
		"the gzip header's file name", "the gzip header's comment",
		"the gzip header CRC",	       "a block header",
		"a stored block's length",     "a stored block",
		"compressed data",	       "a dynamic block header",
		"the code lengths of a dynamic block", "the gzip trailer",
	};
	bool seen[sizeof where / sizeof where[0]] = { false };
	for (size_t cut = 0; cut < n; cut++) {
		for (int mode = 0; mode < 3; mode++) {
			struct tinf_opts oc = { .out_initial = 3, .chunk = mode == 1 ? TINF_BYTE : TINF_WHOLE,
						.windowed = mode == 2 };
			tinf_decode(IST_INFLATE_GZIP, full, cut, &oc, &r);
			CHECK_EQ_U(r.status, IST_TRUNCATED);
			char prefix[64];
			snprintf(prefix, sizeof prefix, "offset %zu: input ends inside ", cut);
			CHECK(!strncmp(r.err.msg, prefix, strlen(prefix)));
			for (size_t w = 0; w < sizeof where / sizeof where[0]; w++)
				if (!strcmp(r.err.msg + strlen(prefix), where[w]))
					seen[w] = true;
			tinf_free(&r);
		}
	}
	for (size_t w = 0; w < sizeof where / sizeof where[0]; w++) {
		if (!seen[w])
			fprintf(stderr, "  never truncated inside %s\n", where[w]);
		CHECK(seen[w]);
	}
	/* zlib header and trailer */
	size_t zn;
	uint8_t *z = tinf_zlib_compress((const uint8_t *)"hello", 5, 6, Z_DEFAULT_STRATEGY, 15, &zn);
	expect(IST_INFLATE_ZLIB, 0, z, 1, IST_TRUNCATED, "offset 1: input ends inside the zlib header");
	char msg[80];
	snprintf(msg, sizeof msg, "offset %zu: input ends inside the zlib trailer", zn - 1);
	expect(IST_INFLATE_ZLIB, 0, z, zn - 1, IST_TRUNCATED, msg);
	expect(IST_INFLATE_RAW, 0, NULL, 0, IST_TRUNCATED, "offset 0: input ends inside a block header");
	free(z);
}

static void test_sticky(void)
{
	struct ist_inflate *s = malloc(sizeof *s);
	uint8_t out[64];
	CHECK_EQ_U(ist_inflate_init(s, IST_INFLATE_RAW, 0), IST_OK);
	CHECK_EQ_U(ist_inflate_set_output(s, out, sizeof out), IST_OK);
	struct ist_error e1 = { 0 }, e2 = { 0 };
	size_t used;
	CHECK_EQ_U(ist_inflate_run(s, "\x07", 1, false, &used, &e1), IST_BAD_DATA);
	CHECK_STR(e1.msg, "offset 0: invalid block type 3");
	CHECK_EQ_U(ist_inflate_run(s, "\x01\x00\x00\xff\xff", 5, true, &used, &e2), IST_BAD_DATA);
	CHECK_STR(e2.msg, "offset 0: invalid block type 3");
	CHECK_EQ_U(used, 0);
	/* API misuse */
	CHECK_EQ_U(ist_inflate_init(s, IST_INFLATE_RAW, 0), IST_OK);
	CHECK_EQ_U(ist_inflate_run(s, NULL, 3, true, &used, &e1), IST_INVALID);
	CHECK_EQ_U(ist_inflate_set_output(s, out, sizeof out), IST_OK);
	CHECK_EQ_U(ist_inflate_run(s, "\x01\x05\x00\xfa\xffhello", 10, true, &used, &e1), IST_OK);
	CHECK(ist_inflate_done(s));
	CHECK_EQ_U(ist_inflate_output_size(s), 5);
	CHECK_EQ_U(ist_inflate_set_output(s, out, 4), IST_INVALID); /* smaller than produced */
	CHECK_EQ_U(ist_inflate_init(s, IST_INFLATE_RAW, IST_INFLATE_WINDOWED), IST_OK);
	CHECK_EQ_U(ist_inflate_set_output(s, out, sizeof out), IST_INVALID);
	CHECK_EQ_U(ist_inflate_init(s, 7, 0), IST_INVALID);
	CHECK_EQ_U(ist_inflate_init(s, IST_INFLATE_RAW, 0x100), IST_INVALID);
	CHECK_EQ_U(ist_inflate_init(s, IST_INFLATE_ZLIB, IST_INFLATE_CONCAT), IST_INVALID);
	CHECK_EQ_U(ist_inflate_init(s, IST_INFLATE_RAW, 0), IST_OK);
	CHECK_EQ_U(ist_inflate_run(s, "\x03\x00", 2, true, &used, &e1), IST_INVALID);
	memset(s, 0, sizeof *s);
	CHECK_EQ_U(ist_inflate_run(s, "\x03\x00", 2, true, &used, &e1), IST_INVALID);
	CHECK_STR(e1.msg, "inflate: state not initialised");
	free(s);
}

static void test_ratio_limit(void)
{
	size_t big = 4 << 20, n;
	uint8_t *zeros = calloc(1, big);
	uint8_t *g = tinf_zlib_compress(zeros, big, 9, Z_DEFAULT_STRATEGY, 31, &n);
	struct tinf_opts o = { .out_initial = 1000, .max_ratio = 100, .slack = 4096 };
	struct tinf_result r;
	tinf_decode(IST_INFLATE_GZIP, g, n, &o, &r);
	CHECK_EQ_U(r.status, IST_LIMIT);
	CHECK_CONTAINS(r.err.msg, "ratio limit reached: ");
	char want[120];
	snprintf(want, sizeof want, "bytes of output from %zu bytes of input (limit 100:1 plus 4096 bytes)",
		 n);
	CHECK_CONTAINS(r.err.msg, want);
	CHECK(r.out_len <= 100 * n + 4096);
	tinf_free(&r);
	o.windowed = true;
	o.chunk = TINF_RANDOM;
	tinf_decode(IST_INFLATE_GZIP, g, n, &o, &r);
	CHECK_EQ_U(r.status, IST_LIMIT);
	tinf_free(&r);
	o.max_ratio = 2000;
	o.windowed = false;
	tinf_decode(IST_INFLATE_GZIP, g, n, &o, &r);
	CHECK_EQ_U(r.status, IST_OK);
	CHECK_EQ_U(r.out_len, big);
	tinf_free(&r);
	free(g);
	free(zeros);
}

int main(void)
{
	RUN(test_block_type_3);
	RUN(test_stored_len);
	RUN(test_too_many_codes);
	RUN(test_bad_precode);
	RUN(test_bad_repeat);
	RUN(test_bad_litlen_dist_codes);
	RUN(test_fixed_invalid_symbols);
	RUN(test_fast_loop_invalid_symbols);
	RUN(test_distance_too_far);
	RUN(test_gzip_members);
	RUN(test_gzip_header);
	RUN(test_zlib_header);
	RUN(test_truncated_everywhere);
	RUN(test_sticky);
	RUN(test_ratio_limit);
	return check_done();
}
