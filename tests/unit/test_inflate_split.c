/*
 * One stream decoded on two cores (ist_inflate_run_split) against the same
 * stream decoded on one (ist_inflate_run): for every split point tried, the
 * output, the input used, the status and the error message must be the
 * same. The second half runs inline (the helper calls it at once, so every
 * case is deterministic) and, in one test, on a real second thread. Cases
 * count how often the second half was actually joined, and how often it
 * had bytes from the history to put in, so a split path that quietly never
 * runs fails here.
 */
#include <stdlib.h>
#include <zlib.h>

#include <initstack/inflate_split.h>

#include "bitwriter.h"
#include "check.h"
#include "inflate_corpus.h"
#include "thread_helper.h"

#define MAX_FILES 24
#define HIST 32768u
static struct tinf_file files[MAX_FILES];
static size_t nfiles;
static struct ist_inflate main_state, tail_state;

struct outcome {
	enum ist_status st;
	struct ist_error err;
	size_t used, out_len;
	bool done;
	uint8_t *out;
};

struct setup {
	enum ist_inflate_format fmt;
	uint32_t flags;
	size_t region;      /* 0: the plain size */
	uint32_t max_ratio; /* with slack 0 */
	size_t probe_size;  /* 0: 8 MiB */
	size_t trial;
};

static struct ist_inflate_tail tail;

static void tail_scratch(size_t region, size_t probe_size)
{
	free(tail.buf);
	free(tail.probe);
	tail.s = &tail_state;
	tail.buf_size = region + HIST;
	tail.buf = malloc(tail.buf_size);
	tail.probe_size = probe_size ? probe_size : 8u << 20;
	tail.probe = malloc(tail.probe_size);
}

/* Split at [from, to) when `split`, else one core; outputs are malloc'd. */
static void decode(const struct setup *u, const uint8_t *in, size_t n, size_t plain_len,
		   bool split, uint64_t from, uint64_t to, const struct ist_inflate_helper *h,
		   struct outcome *o)
{
	size_t region = u->region ? u->region : plain_len;
	memset(o, 0, sizeof *o);
	o->out = malloc(region + 1);
	ist_inflate_init(&main_state, u->fmt, u->flags);
	ist_inflate_set_output(&main_state, o->out, region);
	if (u->max_ratio)
		ist_inflate_set_limit(&main_state, u->max_ratio, 0);
	if (split) {
		tail_scratch(region, u->probe_size);
		tail.trial = u->trial;
		o->st = ist_inflate_run_split_from(&main_state, &tail, h, in, n, from, to, &o->used,
						   &o->err);
	} else {
		o->st = ist_inflate_run(&main_state, in, n, true, &o->used, &o->err);
	}
	o->out_len = ist_inflate_output_size(&main_state);
	o->done = ist_inflate_done(&main_state);
}

static bool same(const struct outcome *a, const struct outcome *b, const char *what)
{
	bool ok = a->st == b->st && a->out_len == b->out_len && a->done == b->done &&
		  !memcmp(a->out, b->out, a->out_len);
	if (ok && a->st == IST_OK)
		ok = a->used == b->used;
	if (ok && a->st != IST_OK && a->st != IST_NO_SPACE)
		ok = a->err.offset == b->err.offset && !strcmp(a->err.msg, b->err.msg);
	if (!ok)
		fprintf(stderr,
			"  %s: split %s (%zu out, %zu in: %s), one core %s (%zu out, %zu in: %s)\n",
			what, ist_status_name(b->st), b->out_len, b->used, b->err.msg,
			ist_status_name(a->st), a->out_len, a->used, a->err.msg);
	return ok;
}

/*
 * Decode `c` on one core and split at [from, to) with `h`; they must agree.
 * Returns the one-core status (and its error in *err when asked).
 */
static enum ist_status compare(const struct setup *u, const uint8_t *c, size_t cn, size_t pn,
			       uint64_t from, uint64_t to, const struct ist_inflate_helper *h,
			       const char *what, struct ist_error *err)
{
	struct outcome a, b;
	decode(u, c, cn, pn, false, 0, 0, NULL, &a);
	decode(u, c, cn, pn, true, from, to, h, &b);
	CHECK(same(&a, &b, what));
	if (err)
		*err = a.err;
	free(a.out);
	free(b.out);
	return a.st;
}

/* Real files from the machine, concatenated to `want` bytes. */
static uint8_t *corpus(size_t want, size_t *len)
{
	return tinf_corpus_bytes(files, nfiles, want, len);
}

struct tally {
	unsigned runs, joined, dirty, unjoined; /* unjoined: a second half decoded, not used */
};

/* Split `c` at `points` places spread over [lo, hi) of its bits; all must match one core. */
static void sweep(const struct setup *u, const uint8_t *c, size_t cn, size_t pn, double lo,
		  double hi, unsigned points, struct tally *t, const char *what)
{
	struct outcome a, b;
	decode(u, c, cn, pn, false, 0, 0, NULL, &a);
	uint64_t bits = (uint64_t)cn * 8;
	for (unsigned k = 0; k < points; k++) {
		uint64_t from = (uint64_t)((double)bits * (lo + (hi - lo) * k / points));
		decode(u, c, cn, pn, true, from, from + bits / 8, &tinf_inline_helper, &b);
		CHECK(same(&a, &b, what));
		t->runs++;
		t->joined += tail.joined;
		t->dirty += tail.joined && tail.dirty;
		/* the inline helper always runs the second half to its end */
		t->unjoined += !tail.joined && tail.status != IST_ABORTED;
		free(b.out);
	}
	free(a.out);
}

static void test_split_points(void)
{
	size_t pn;
	uint8_t *plain = corpus(3u << 20, &pn);
	static const struct {
		int level, strategy;
	} modes[] = { { 1, Z_DEFAULT_STRATEGY }, { 6, Z_DEFAULT_STRATEGY },
		      { 9, Z_DEFAULT_STRATEGY }, { 6, Z_FILTERED },
		      { 6, Z_HUFFMAN_ONLY },     { 6, Z_RLE } };
	static const struct {
		enum ist_inflate_format fmt;
		int wbits;
	} fmts[] = { { IST_INFLATE_RAW, -15 }, { IST_INFLATE_ZLIB, 15 }, { IST_INFLATE_GZIP, 31 } };
	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		for (size_t f = 0; f < 3; f++) {
			size_t cn;
			uint8_t *c = tinf_zlib_compress(plain, pn, modes[m].level, modes[m].strategy,
							fmts[f].wbits, &cn);
			struct setup u = { .fmt = fmts[f].fmt };
			struct tally t = { 0 };
			char what[64];
			snprintf(what, sizeof what, "level %d strategy %d format %d", modes[m].level,
				 modes[m].strategy, fmts[f].fmt);
			sweep(&u, c, cn, pn, 0.05, 0.95, 9, &t, what);
			if (!t.joined || !t.dirty)
				fprintf(stderr, "  %s: %u of %u joined, %u with history to put in\n",
					what, t.joined, t.runs, t.dirty);
			CHECK(t.joined >= t.runs / 2);
			/* no matches, or only of distance 1: history is rarely needed */
			CHECK(t.dirty > 0 || modes[m].strategy == Z_HUFFMAN_ONLY ||
			      modes[m].strategy == Z_RLE);
			free(c);
		}
	}
	free(plain);
}

/* Two gzip members: the split may land in either; the second is decoded with CONCAT. */
static void test_members(void)
{
	size_t pn;
	uint8_t *plain = corpus(2u << 20, &pn);
	size_t h = pn / 3, n1, n2;
	uint8_t *c1 = tinf_zlib_compress(plain, h, 6, Z_DEFAULT_STRATEGY, 31, &n1);
	uint8_t *c2 = tinf_zlib_compress(plain + h, pn - h, 6, Z_DEFAULT_STRATEGY, 31, &n2);
	uint8_t *c = malloc(n1 + n2);
	memcpy(c, c1, n1);
	memcpy(c + n1, c2, n2);
	struct setup u = { .fmt = IST_INFLATE_GZIP, .flags = IST_INFLATE_CONCAT };
	struct tally t = { 0 };
	sweep(&u, c, n1 + n2, pn, 0.05, 0.95, 12, &t, "two members");
	CHECK(t.joined >= t.runs / 2);
	free(c);
	free(c1);
	free(c2);
	free(plain);
}

/*
 * False starts: a deflate stream stored as data (in stored blocks of the
 * outer stream) has block headers that decode as well as real ones. The
 * first core, passing such a start without a block boundary there, must
 * cancel the second and decode on by itself; splits further on, in the
 * outer stream's own blocks, join.
 */
static void test_false_starts(void)
{
	size_t pn, in_n, cn;
	uint8_t *plain = corpus(2u << 20, &pn);
	uint8_t *inner = tinf_zlib_compress(plain, pn / 2, 6, Z_DEFAULT_STRATEGY, -15, &in_n);
	memcpy(plain, inner, in_n); /* same length as before: plain now starts with a stream */
	uint8_t *c = tinf_zlib_compress(plain, pn, 6, Z_DEFAULT_STRATEGY, 31, &cn);
	struct setup u = { .fmt = IST_INFLATE_GZIP };
	struct tally early = { 0 }, late = { 0 };
	double stored = (double)in_n / (double)cn; /* about where the stored part ends */
	sweep(&u, c, cn, pn, 0.05, stored * 0.8, 10, &early, "false starts");
	sweep(&u, c, cn, pn, stored + 0.05, 0.95, 5, &late, "after the stored part");
	fprintf(stderr, "# in the stored part %u of %u splits decoded a false second half, "
		"after it %u of %u joined\n", early.unjoined, early.runs, late.joined, late.runs);
	CHECK(early.unjoined > 0);
	CHECK(late.joined > 0);
	free(inner);
	free(c);
	free(plain);
}

/* Bad data, a short region, a ratio limit, a probe too small: as on one core. */
static void test_errors(void)
{
	size_t pn, cn;
	uint8_t *plain = corpus(1u << 20, &pn);
	uint8_t *c = tinf_zlib_compress(plain, pn, 6, Z_DEFAULT_STRATEGY, 31, &cn);
	uint64_t from = (uint64_t)cn * 8 / 2, to = from + (uint64_t)cn * 2;
	const struct ist_inflate_helper *h = &tinf_inline_helper;
	struct setup gz = { .fmt = IST_INFLATE_GZIP };

	/* damage in the second half (each offset decodes to some error or other output) */
	uint8_t *bad = malloc(cn);
	unsigned errors = 0;
	for (unsigned k = 0; k < 8; k++) {
		memcpy(bad, c, cn);
		bad[cn * (60 + 4 * k) / 100] ^= (uint8_t)(0x5a + k);
		errors += compare(&gz, bad, cn, pn, from, to, h, "damaged second half", NULL) != IST_OK;
	}
	CHECK(errors > 0);

	/* the CRC-32 and the ISIZE of the trailer, checked after the join */
	for (size_t at = cn - 8; at < cn; at += 4) {
		memcpy(bad, c, cn);
		bad[at] ^= 1;
		CHECK(compare(&gz, bad, cn, pn, from, to, h, "damaged trailer", NULL) == IST_BAD_DATA);
		CHECK(tail.joined);
	}

	/* cut short in the second half */
	CHECK(compare(&gz, c, cn * 9 / 10, pn, from, to, h, "truncated", NULL) == IST_TRUNCATED);

	/* a region 1000 bytes short: NO_SPACE at the same place */
	struct setup small = { .fmt = IST_INFLATE_GZIP, .region = pn - 1000 };
	CHECK(compare(&small, c, cn, pn, from, to, h, "region short", NULL) == IST_NO_SPACE);
	CHECK(!tail.joined);

	/* a ratio limit the whole output exceeds, but the first half does not */
	struct setup ratio = { .fmt = IST_INFLATE_GZIP, .max_ratio = (uint32_t)(pn / cn) };
	CHECK(compare(&ratio, c, cn, pn, from, to, h, "ratio limit", NULL) == IST_LIMIT);

	/* a probe too small to see the history's last use: no join, same result */
	struct setup probe = { .fmt = IST_INFLATE_GZIP, .probe_size = HIST + 20000 };
	CHECK(compare(&probe, c, cn, pn, from, to, h, "probe too small", NULL) == IST_OK);
	CHECK(tail.status == IST_NO_SPACE);
	CHECK(!tail.joined);

	free(bad);
	free(c);
	free(plain);
}

/*
 * The second half refers 30000 bytes back, the first half made only 100:
 * on one core "distance too far back"; split, the join must refuse and
 * leave the same error to the first core.
 */
static void test_history_too_short(void)
{
	size_t qn = 200000;
	uint8_t *p = malloc(30000 + qn);
	uint32_t x = 1;
	for (size_t i = 0; i < 30000; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 24);
	}
	for (size_t i = 0; i < qn; i++) /* the random part again, with changes */
		p[30000 + i] = (i % 7) ? p[i % 30000] : (uint8_t)(i * 131);

	/* 100 bytes, sync-flushed (byte-aligned, not final) */
	z_stream z = { 0 };
	uint8_t head[1024], body[400000];
	deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	z.next_in = p;
	z.avail_in = 100;
	z.next_out = head;
	z.avail_out = sizeof head;
	deflate(&z, Z_SYNC_FLUSH);
	size_t hn = sizeof head - z.avail_out;
	deflateEnd(&z);
	/* the 30000 bytes sync-flushed, then the rest: keep only the rest */
	memset(&z, 0, sizeof z);
	deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	z.next_in = p;
	z.avail_in = 30000;
	z.next_out = body;
	z.avail_out = sizeof body;
	deflate(&z, Z_SYNC_FLUSH);
	size_t skip = sizeof body - z.avail_out;
	z.avail_in = (uInt)qn;
	deflate(&z, Z_FINISH);
	size_t bn = sizeof body - z.avail_out - skip;
	deflateEnd(&z);

	size_t cn = hn + bn;
	uint8_t *c = malloc(cn);
	memcpy(c, head, hn);
	memcpy(c + hn, body + skip, bn);
	struct setup u = { .fmt = IST_INFLATE_RAW, .region = 30000 + qn };
	struct ist_error err;
	CHECK(compare(&u, c, cn, 0, (uint64_t)hn * 8, (uint64_t)hn * 8 + 64, &tinf_inline_helper,
		      "history too short", &err) == IST_BAD_DATA);
	CHECK_CONTAINS(err.msg, "too far back");
	CHECK_EQ_U(tail.start_bit, (uint64_t)hn * 8);
	CHECK(tail.status == IST_OK);
	CHECK(!tail.joined);
	free(c);
	free(p);
}

/*
 * Hostile to the search: 2 MiB of empty dynamic blocks, each a real block
 * header, none with output. Every trial reads its whole allowance without
 * producing anything; the search must give up within its budget instead
 * of trying all 43,000 headers in its range (about 8 minutes), and the
 * decode must be the one-core one.
 */
static void test_empty_blocks(void)
{
	/* 96 bits, no output: HLIT 257, HDIST 2, HCLEN 18; codes {0, 256} and {0, 1} of 1 bit */
	struct bitwriter w;
	bw_init(&w);
	bw_bits(&w, 0, 1); /* not final */
	bw_bits(&w, 2, 2); /* dynamic */
	bw_bits(&w, 0, 5);
	bw_bits(&w, 1, 5);
	bw_bits(&w, 14, 4);
	/* code length code lengths in their order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1:
	 * 18 and 0 two bits, 1 one bit (codes: 1 -> 0, 0 -> 10, 18 -> 11) */
	static const unsigned clen[18] = { 0, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	for (int i = 0; i < 18; i++)
		bw_bits(&w, clen[i], 3);
	bw_code(&w, 0, 1);        /* literal 0: length 1 */
	bw_code(&w, 3, 2);        /* 18: 138 zeros */
	bw_bits(&w, 127, 7);
	bw_code(&w, 3, 2);        /* 18: 116 zeros */
	bw_bits(&w, 105, 7);
	bw_code(&w, 2, 2);        /* 0: one more zero, 255 in all */
	bw_code(&w, 0, 1);        /* 256: length 1 */
	bw_code(&w, 0, 1);        /* distance 0 and 1: length 1 */
	bw_code(&w, 0, 1);
	bw_code(&w, 1, 1);        /* end of block */
	REQUIRE(bw_bitpos(&w) == 96);
	uint8_t block[12];
	memcpy(block, w.buf, 12);

	size_t blocks = (2u << 20) / 12, cn = blocks * 12 + 2;
	uint8_t *c = malloc(cn);
	for (size_t i = 0; i < blocks; i++)
		memcpy(c + 12 * i, block, 12);
	c[cn - 2] = 0x03; /* final fixed block: end of block right away */
	c[cn - 1] = 0x00;
	struct setup u = { .fmt = IST_INFLATE_RAW, .region = 4096 };
	struct outcome a, b;
	decode(&u, c, cn, 0, false, 0, 0, NULL, &a);
	decode(&u, c, cn, 0, true, (uint64_t)cn * 4, (uint64_t)cn * 6, &tinf_inline_helper, &b);
	CHECK(a.st == IST_OK && a.done && a.out_len == 0);
	CHECK(tail.status == IST_ABORTED); /* no start taken */
	CHECK(same(&a, &b, "empty blocks"));
	free(a.out);
	free(b.out);
	free(c);
}

/* A second core that never finishes: the helper gives up and one core decodes. */
static bool stalled_start(void *ctx, void (*fn)(void *), void *arg)
{
	(void)ctx;
	(void)fn;
	(void)arg;
	return true;
}
static bool stalled_wait(void *ctx)
{
	(void)ctx;
	return false;
}

static void test_abandoned(void)
{
	size_t pn, cn;
	uint8_t *plain = corpus(1u << 20, &pn);
	uint8_t *c = tinf_zlib_compress(plain, pn, 6, Z_DEFAULT_STRATEGY, 31, &cn);
	const struct ist_inflate_helper stalled = { stalled_start, stalled_wait, NULL };
	struct setup u = { .fmt = IST_INFLATE_GZIP };
	CHECK(compare(&u, c, cn, pn, (uint64_t)cn * 4, (uint64_t)cn * 6, &stalled,
		      "abandoned second core", NULL) == IST_OK);
	CHECK(tail.abandoned);
	CHECK(!tail.joined);
	free(c);
	free(plain);
}

/* The public entry on a real second thread, above IST_INFLATE_SPLIT_MIN. */
static void test_two_threads(void)
{
	size_t pn, cn;
	uint8_t *plain = corpus(8u << 20, &pn);
	uint8_t *c = tinf_zlib_compress(plain, pn, 1, Z_DEFAULT_STRATEGY, 31, &cn);
	REQUIRE(cn >= IST_INFLATE_SPLIT_MIN);
	struct thread_helper th;
	struct ist_inflate_helper h = thread_helper(&th);
	struct setup u = { .fmt = IST_INFLATE_GZIP };
	struct outcome a, b;
	decode(&u, c, cn, pn, false, 0, 0, NULL, &a);
	CHECK(a.st == IST_OK && a.out_len == pn && !memcmp(a.out, plain, pn));
	for (int r = 0; r < 3; r++) {
		size_t region = pn;
		memset(&b, 0, sizeof b);
		b.out = malloc(region);
		ist_inflate_init(&main_state, IST_INFLATE_GZIP, 0);
		ist_inflate_set_output(&main_state, b.out, region);
		tail_scratch(region, 0);
		tail.trial = 0;
		b.st = ist_inflate_run_split(&main_state, &tail, &h, c, cn, &b.used, &b.err);
		b.out_len = ist_inflate_output_size(&main_state);
		b.done = ist_inflate_done(&main_state);
		CHECK(tail.joined);
		CHECK(same(&a, &b, "two threads"));
		free(b.out);
	}
	/* below the minimum: one core, nothing joined */
	size_t sn;
	uint8_t *s = tinf_zlib_compress(plain, 1u << 20, 6, Z_DEFAULT_STRATEGY, 31, &sn);
	REQUIRE(sn < IST_INFLATE_SPLIT_MIN);
	b.out = malloc(1u << 20);
	ist_inflate_init(&main_state, IST_INFLATE_GZIP, 0);
	ist_inflate_set_output(&main_state, b.out, 1u << 20);
	tail.joined = true;
	b.st = ist_inflate_run_split(&main_state, &tail, &h, s, sn, &b.used, &b.err);
	CHECK(b.st == IST_OK && ist_inflate_done(&main_state) && !memcmp(b.out, plain, 1u << 20));
	CHECK(tail.joined); /* untouched: the split was not tried */
	free(b.out);
	free(s);
	free(a.out);
	free(c);
	free(plain);
}

int main(void)
{
	nfiles = tinf_corpus(files, MAX_FILES, 1 << 20);
	printf("# corpus: %zu files\n", nfiles);
	RUN(test_split_points);
	RUN(test_members);
	RUN(test_false_starts);
	RUN(test_errors);
	RUN(test_history_too_short);
	RUN(test_empty_blocks);
	RUN(test_abandoned);
	RUN(test_two_threads);
	free(tail.buf);
	free(tail.probe);
	tinf_corpus_free(files, nfiles);
	return check_done();
}
