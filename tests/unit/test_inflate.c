/*
 * The DEFLATE decoder against zlib as the control, on a corpus of real
 * files from this machine (binaries, shared libraries, text, kernel modules
 * of Debian's kernel package) plus synthetic data: zlib levels 0-9 and
 * every strategy in raw, zlib and gzip framing;
 * gzip, pigz, zopfli and libdeflate-gzip output; every chunking (whole,
 * one byte, random), both output modes, a contiguous region that starts
 * tiny and is grown and moved, windowed drains of every size, multi-member
 * gzip, flushes, and exact input accounting with data after the stream.
 * Every output byte is compared and every checksum checked by the decoder.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <initstack/inflate.h>

#include "check.h"
#include "inflate_corpus.h"

#define MAX_FILES 24
static struct tinf_file files[MAX_FILES];
static size_t nfiles;

/* Wrap raw DEFLATE into zlib or gzip with zlib's own checksums. */
static uint8_t *wrap(const uint8_t *raw, size_t rn, const uint8_t *plain, size_t pn,
		     enum ist_inflate_format fmt, size_t *n)
{
	uint8_t *o = malloc(rn + 18);
	size_t k = 0;
	if (fmt == IST_INFLATE_RAW) {
		memcpy(o, raw, rn);
		*n = rn;
		return o;
	}
	if (fmt == IST_INFLATE_ZLIB) {
		o[k++] = 0x78;
		o[k++] = 0x9c;
		memcpy(o + k, raw, rn);
		k += rn;
		uint32_t a = (uint32_t)adler32(1, plain, (uInt)pn);
		for (int i = 3; i >= 0; i--)
			o[k++] = (uint8_t)(a >> (8 * i));
	} else {
		memcpy(o, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
		k = 10;
		memcpy(o + k, raw, rn);
		k += rn;
		uint32_t c = (uint32_t)crc32(0, plain, (uInt)pn);
		for (int i = 0; i < 4; i++)
			o[k++] = (uint8_t)(c >> (8 * i));
		for (int i = 0; i < 4; i++)
			o[k++] = (uint8_t)(pn >> (8 * i));
	}
	*n = k;
	return o;
}

/* Decode `c` and compare with `plain`; also check the exact input use. */
static bool same(enum ist_inflate_format fmt, const uint8_t *c, size_t cn, const uint8_t *plain,
		 size_t pn, struct tinf_opts o, const char *what)
{
	struct tinf_result r;
	if (!o.windowed && !o.out_initial)
		o.expect_size = pn;
	tinf_decode(fmt, c, cn, &o, &r);
	bool ok = r.status == IST_OK && r.done && r.out_len == pn && !memcmp(r.out, plain, pn) &&
		  r.in_used == cn;
	if (!ok)
		fprintf(stderr, "  %s: status %s, done %d, %zu of %zu bytes out, %zu of %zu in: %s\n",
			what, ist_status_name(r.status), r.done, r.out_len, pn, r.in_used, cn,
			r.err.msg);
	tinf_free(&r);
	return ok;
}

/* The corpus: kernel modules from Debian's kernel package among the real files. */
static void test_corpus_has_modules(void)
{
	unsigned modules = 0;
	for (size_t i = 0; i < nfiles; i++)
		modules += !strncmp(files[i].name, "module ", 7);
	if (modules < 4)
		fprintf(stderr, "  %u kernel modules in the corpus: INITSTACK_MODULES=%s "
			"(tests/run.sh sets it with tests/lib/modules.sh)\n",
			modules, getenv("INITSTACK_MODULES") ? getenv("INITSTACK_MODULES") : "(unset)");
	CHECK(modules >= 4);
}

static void test_zlib_levels_and_strategies(void)
{
	static const struct {
		int strategy;
		const char *name;
		int levels[10];
	} sweeps[] = {
		{ Z_DEFAULT_STRATEGY, "default", { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 } },
		{ Z_FILTERED, "filtered", { 1, 6, 9, -1 } },
		{ Z_HUFFMAN_ONLY, "huffman-only", { 1, 9, -1 } },
		{ Z_RLE, "rle", { 1, 9, -1 } },
		{ Z_FIXED, "fixed", { 1, 6, 9, -1 } },
	};
	unsigned n = 0;
	for (size_t f = 0; f < nfiles; f++) {
		size_t len = files[f].len > (96 << 10) ? (96 << 10) : files[f].len;
		const uint8_t *d = files[f].data;
		for (size_t sw = 0; sw < sizeof sweeps / sizeof sweeps[0]; sw++) {
			for (int li = 0; li < 10 && sweeps[sw].levels[li] >= 0; li++) {
				int level = sweeps[sw].levels[li];
				if (li && level == 0)
					break;
				size_t rn;
				uint8_t *raw = tinf_zlib_compress(d, len, level, sweeps[sw].strategy, -15, &rn);
				REQUIRE(raw);
				for (int fmt = IST_INFLATE_RAW; fmt <= IST_INFLATE_GZIP; fmt++) {
					size_t cn;
					uint8_t *c = wrap(raw, rn, d, len, fmt, &cn);
					char what[1024];
					snprintf(what, sizeof what, "%.200s, zlib level %d %s, format %d",
						 files[f].name, level, sweeps[sw].name, fmt);
					struct tinf_opts o = { .generic = (n & 3) == 1 };
					if ((n % 5) == 2)
						o.windowed = true;
					if ((n % 5) == 4) {
						o.windowed = true;
						o.into = 16384 + n % 7 * 7000;
					}
					CHECK(same(fmt, c, cn, d, len, o, what));
					n++;
					free(c);
				}
				free(raw);
			}
		}
	}
	printf("# %u zlib streams decoded\n", n);
}

static void test_chunking(void)
{
	/* A handful of inputs through every chunking and output mode. */
	size_t picks[4] = { 0, 1, nfiles - 3, nfiles - 2 };
	unsigned n = 0;
	for (int pi = 0; pi < 4; pi++) {
		const struct tinf_file *f = &files[picks[pi]];
		size_t len = f->len > (200 << 10) ? (200 << 10) : f->len;
		size_t cn;
		uint8_t *c = tinf_zlib_compress(f->data, len, 6, Z_DEFAULT_STRATEGY, 31, &cn);
		REQUIRE(c);
		const struct tinf_opts modes[] = {
			{ .chunk = TINF_BYTE },
			{ .chunk = TINF_BYTE, .windowed = true, .drain = 1 },
			{ .chunk = TINF_RANDOM, .out_initial = 1 },
			{ .chunk = TINF_RANDOM, .out_initial = 300, .move = true, .generic = true },
			{ .chunk = TINF_WHOLE, .out_initial = 1, .move = true },
			{ .chunk = TINF_RANDOM, .windowed = true, .drain = 777, .seed = 5 },
			{ .chunk = TINF_RANDOM, .windowed = true, .drain = 40000, .seed = 9, .generic = true },
			{ .chunk = TINF_WHOLE, .windowed = true, .drain = 3 },
			/* straight into the caller's buffers: tiny, random, large */
			{ .chunk = TINF_BYTE, .windowed = true, .into = 1 },
			{ .chunk = TINF_RANDOM, .windowed = true, .into = 5000, .drain = 300, .seed = 3 },
			{ .chunk = TINF_RANDOM, .windowed = true, .into = 70000, .drain = 9000, .seed = 4,
			  .generic = true },
			{ .chunk = TINF_WHOLE, .windowed = true, .into = 128 << 10 },
			{ .chunk = TINF_WHOLE, .windowed = true, .into = 300 },
		};
		/* One byte per call costs a call per byte: a shorter stream for those. */
		size_t blen = len > (40 << 10) ? (40 << 10) : len, bn;
		uint8_t *bc = tinf_zlib_compress(f->data, blen, 6, Z_DEFAULT_STRATEGY, 31, &bn);
		REQUIRE(bc);
		for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
			char what[1024];
			snprintf(what, sizeof what, "%.200s, chunking mode %zu", f->name, m);
			bool bytes = modes[m].chunk == TINF_BYTE || (modes[m].drain && modes[m].drain < 10) ||
				     (modes[m].into && modes[m].into < 10);
			CHECK(same(IST_INFLATE_GZIP, bytes ? bc : c, bytes ? bn : cn, f->data,
				   bytes ? blen : len, modes[m], what));
			n++;
		}
		/* Data after the stream: the decoder stops exactly at its end. */
		uint8_t *t = malloc(cn + 100);
		memcpy(t, c, cn);
		memset(t + cn, 0x1f, 100);
		for (int m = 0; m < 3; m++) {
			struct tinf_opts o = { .chunk = (enum tinf_chunk)m, .out_initial = 64,
					       .windowed = m == 1 };
			struct tinf_result r;
			tinf_decode(IST_INFLATE_GZIP, t, cn + 100, &o, &r);
			CHECK_EQ_U(r.status, IST_OK);
			CHECK(r.done);
			CHECK_EQ_U(r.in_used, cn);
			CHECK(r.out_len == len && !memcmp(r.out, f->data, len));
			tinf_free(&r);
		}
		free(t);
		free(c);
		free(bc);
	}
	printf("# %u chunked decodes\n", n);
}

static bool tool_exists(const char *name)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

static void test_external_compressors(void)
{
	static const struct {
		const char *tool, *cmd;
		size_t max;
	} tools[] = {
		{ "gzip", "gzip -1 -c", 512 << 10 },
		{ "gzip", "gzip -9 -c", 256 << 10 },
		{ "pigz", "pigz -6 -p 2 -b 128 -c", 512 << 10 },
		{ "pigz", "pigz -11 -p 2 -c", 8 << 10 },
		{ "zopfli", "zopfli --i3 -c /dev/stdin", 8 << 10 },
		{ "libdeflate-gzip", "libdeflate-gzip -1 -c", 512 << 10 },
		{ "libdeflate-gzip", "libdeflate-gzip -12 -c", 128 << 10 },
	};
	unsigned n = 0;
	for (size_t t = 0; t < sizeof tools / sizeof tools[0]; t++) {
		if (!tool_exists(tools[t].tool)) {
			printf("# skipped: %s not installed\n", tools[t].tool);
			continue;
		}
		/* zopfli-based compressors are slow: fewer and smaller inputs */
		size_t stride = tools[t].max < (64 << 10) ? 5 : 3;
		for (size_t f = t % 3; f < nfiles; f += stride) {
			size_t len = files[f].len > tools[t].max ? tools[t].max : files[f].len;
			if (!len)
				continue;
			size_t cn;
			uint8_t *c = tinf_pipe(tools[t].cmd, files[f].data, len, &cn);
			if (!c) {
				fprintf(stderr, "  %s failed on %s\n", tools[t].cmd, files[f].name);
				CHECK(c);
				continue;
			}
			char what[1024];
			snprintf(what, sizeof what, "%.100s of %.200s", tools[t].cmd, files[f].name);
			struct tinf_opts o = { .chunk = (f & 1) ? TINF_RANDOM : TINF_WHOLE,
					       .windowed = (f & 2) != 0 };
			CHECK(same(IST_INFLATE_GZIP, c, cn, files[f].data, len, o, what));
			/* zlib agrees (the control) */
			uint8_t *zo;
			size_t zn, zin;
			CHECK_EQ_U(tinf_zlib_decompress(c, cn, 31, &zo, &zn, &zin), 0);
			CHECK(zn == len && !memcmp(zo, files[f].data, len));
			free(zo);
			free(c);
			n++;
		}
	}
	printf("# %u streams from external compressors\n", n);
}

static void test_gzip_multi_member(void)
{
	const struct tinf_file *a = &files[0], *b = &files[nfiles - 2];
	size_t an = a->len > 50000 ? 50000 : a->len, bn = b->len > 70000 ? 70000 : b->len;
	size_t ca, cb;
	uint8_t *ga = tinf_zlib_compress(a->data, an, 6, Z_DEFAULT_STRATEGY, 31, &ca);
	uint8_t *gb = tinf_zlib_compress(b->data, bn, 1, Z_DEFAULT_STRATEGY, 31, &cb);
	uint8_t *both = malloc(ca + cb + ca);
	memcpy(both, ga, ca);
	memcpy(both + ca, gb, cb);
	memcpy(both + ca + cb, ga, ca);
	uint8_t *plain = malloc(an + bn + an);
	memcpy(plain, a->data, an);
	memcpy(plain + an, b->data, bn);
	memcpy(plain + an + bn, a->data, an);
	for (int m = 0; m < 5; m++) {
		enum tinf_chunk ch = m == 3 ? TINF_RANDOM : m == 4 ? TINF_WHOLE : (enum tinf_chunk)m;
		size_t into = m == 3 ? 1000 : m == 4 ? 100000 : 0;
		struct tinf_opts o = { .chunk = ch, .flags = IST_INFLATE_CONCAT, .windowed = m >= 2,
				       .out_initial = m == 1 ? 1000 : 0, .into = into,
				       .seed = m == 3 ? 7 : 0 };
		CHECK(same(IST_INFLATE_GZIP, both, ca + cb + ca, plain, an + bn + an, o, "concat"));
		/* Without CONCAT the first member ends the stream, exactly. */
		struct tinf_opts o1 = { .chunk = ch, .windowed = m >= 2, .out_initial = 100,
					.into = into };
		struct tinf_result r;
		tinf_decode(IST_INFLATE_GZIP, both, ca + cb, &o1, &r);
		CHECK_EQ_U(r.status, IST_OK);
		CHECK(r.done);
		CHECK_EQ_U(r.in_used, ca);
		CHECK(r.out_len == an && !memcmp(r.out, a->data, an));
		tinf_free(&r);
	}
	/* CONCAT stops at data that is not a gzip member, and says where. */
	memset(both + ca + cb, 0, 8);
	struct tinf_opts o = { .flags = IST_INFLATE_CONCAT, .out_initial = 10 };
	struct tinf_result r;
	tinf_decode(IST_INFLATE_GZIP, both, ca + cb + 8, &o, &r);
	CHECK_EQ_U(r.status, IST_OK);
	CHECK(r.done);
	CHECK_EQ_U(r.in_used, ca + cb);
	CHECK_EQ_U(r.out_len, an + bn);
	tinf_free(&r);
	free(both);
	free(plain);
	free(ga);
	free(gb);
}

static void test_flushes(void)
{
	/* Sync, full and block flushes and level changes mid-stream. */
	const struct tinf_file *f = &files[1];
	size_t len = f->len > 300000 ? 300000 : f->len;
	z_stream z;
	memset(&z, 0, sizeof z);
	REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	size_t cap = deflateBound(&z, len) + 100000;
	uint8_t *c = malloc(cap);
	z.next_out = c;
	z.avail_out = (uInt)cap;
	size_t pos = 0;
	int step = 0;
	static const int flushes[] = { Z_SYNC_FLUSH, Z_FULL_FLUSH, Z_BLOCK, Z_NO_FLUSH, Z_PARTIAL_FLUSH };
	while (pos < len) {
		size_t k = 1 + (size_t)(step * 7919) % 20000;
		if (k > len - pos)
			k = len - pos;
		z.next_in = (Bytef *)f->data + pos;
		z.avail_in = (uInt)k;
		pos += k;
		if (step % 7 == 3)
			deflateParams(&z, step % 10, step % 3 ? Z_DEFAULT_STRATEGY : Z_FILTERED);
		deflate(&z, pos == len ? Z_FINISH : flushes[step % 5]);
		step++;
	}
	while (deflate(&z, Z_FINISH) == Z_OK)
		;
	size_t cn = z.total_out;
	deflateEnd(&z);
	for (int m = 0; m < 3; m++) {
		struct tinf_opts o = { .chunk = (enum tinf_chunk)m, .windowed = m == 2, .drain = 5000 };
		CHECK(same(IST_INFLATE_GZIP, c, cn, f->data, len, o, "flushes"));
	}
	free(c);
}

static void test_windowed_backpressure(void)
{
	/* Never drain until the window is full: IST_NO_SPACE, then resume. */
	const struct tinf_file *f = &files[0];
	size_t len = f->len > 600000 ? 600000 : f->len, cn;
	uint8_t *c = tinf_zlib_compress(f->data, len, 6, Z_DEFAULT_STRATEGY, 15, &cn);
	struct ist_inflate *s = malloc(sizeof *s);
	REQUIRE(ist_inflate_init(s, IST_INFLATE_ZLIB, IST_INFLATE_WINDOWED) == IST_OK);
	uint8_t *out = malloc(len + 1);
	size_t pos = 0, got = 0;
	unsigned full = 0;
	struct ist_error e;
	for (int guard = 0; guard < 100000; guard++) {
		size_t used;
		enum ist_status st = ist_inflate_run(s, c + pos, cn - pos, true, &used, &e);
		pos += used;
		if (st == IST_NO_SPACE) {
			full++;
			const uint8_t *p;
			size_t k = ist_inflate_pending(s, &p);
			CHECK(k >= IST_INFLATE_WINDOW_SIZE - 300);
			/* drain in two steps via the copying helper */
			got += ist_inflate_read(s, out + got, k / 2);
			got += ist_inflate_read(s, out + got, len + 1 - got);
			continue;
		}
		CHECK_EQ_U(st, IST_OK);
		break;
	}
	got += ist_inflate_read(s, out + got, len + 1 - got);
	CHECK(ist_inflate_done(s));
	CHECK(full > 0);
	CHECK_EQ_U(got, len);
	CHECK(!memcmp(out, f->data, len));
	CHECK_EQ_U(ist_inflate_total_out(s), len);
	CHECK_EQ_U(ist_inflate_total_in(s), cn);
	free(out);
	free(s);
	free(c);
}

static void test_windowed_then_into(void)
{
	/*
	 * ist_inflate_run until the window is full, then ist_inflate_run_into:
	 * the history then ends at the window's end and must move before the
	 * fast loop reads past it (ASan sees the state's end: it is malloc'd).
	 */
	const struct tinf_file *f = &files[0];
	size_t len = f->len > 600000 ? 600000 : f->len, cn;
	uint8_t *c = tinf_zlib_compress(f->data, len, 6, Z_DEFAULT_STRATEGY, 15, &cn);
	struct ist_inflate *s = malloc(sizeof *s);
	REQUIRE(ist_inflate_init(s, IST_INFLATE_ZLIB, IST_INFLATE_WINDOWED) == IST_OK);
	uint8_t *out = malloc(len + 1), *buf = malloc(65536);
	size_t pos = 0, got = 0, used, made;
	struct ist_error e;
	enum ist_status st = ist_inflate_run(s, c, cn, true, &used, &e);
	pos += used;
	CHECK_EQ_U(st, IST_NO_SPACE);
	const uint8_t *p;
	CHECK_EQ_U(ist_inflate_pending(s, &p), IST_INFLATE_WINDOW_SIZE);
	for (int guard = 0; guard < 100000; guard++) {
		st = ist_inflate_run_into(s, c + pos, cn - pos, true, &used, buf, 65536, &made, &e);
		pos += used;
		REQUIRE(made <= 65536 && got + made <= len);
		memcpy(out + got, buf, made);
		got += made;
		if (st != IST_NO_SPACE)
			break;
	}
	CHECK_EQ_U(st, IST_OK);
	CHECK(ist_inflate_done(s));
	CHECK_EQ_U(got, len);
	CHECK(!memcmp(out, f->data, len));
	CHECK_EQ_U(ist_inflate_total_in(s), cn);
	free(buf);
	free(out);
	free(s);
	free(c);
}

static void test_long_distances(void)
{
	/* Random 32 KiB blocks repeated: matches at distance 32768 everywhere. */
	size_t len = 6 * 32768 + 1000;
	uint8_t *d = malloc(len);
	unsigned seed = 99;
	for (size_t i = 0; i < 32768; i++) {
		seed = seed * 1103515245u + 12345u;
		d[i] = (uint8_t)(seed >> 16);
	}
	for (size_t i = 32768; i < len; i++)
		d[i] = d[i - 32768];
	for (int level = 1; level <= 9; level += 4) {
		size_t cn;
		uint8_t *c = tinf_zlib_compress(d, len, level, Z_DEFAULT_STRATEGY, -15, &cn);
		for (int m = 0; m < 6; m++) {
			struct tinf_opts o = { .chunk = m == 3 ? TINF_RANDOM : TINF_WHOLE,
					       .windowed = m >= 1, .drain = m == 2 ? 32767 : 0,
					       .generic = m == 1, .into = m == 4 ? 32767 : m == 5 ? 40000 : 0,
					       .seed = m == 5 ? 11 : 0 };
			CHECK(same(IST_INFLATE_RAW, c, cn, d, len, o, "distance 32768"));
		}
		free(c);
	}
	free(d);
}

static void test_empty_and_tiny(void)
{
	for (size_t len = 0; len < 40; len++) {
		uint8_t d[40];
		for (size_t i = 0; i < len; i++)
			d[i] = (uint8_t)("aab"[i % 3]);
		for (int fmt = IST_INFLATE_RAW; fmt <= IST_INFLATE_GZIP; fmt++) {
			int wb = fmt == IST_INFLATE_RAW ? -15 : fmt == IST_INFLATE_ZLIB ? 15 : 31;
			size_t cn;
			uint8_t *c = tinf_zlib_compress(d, len, 9, Z_DEFAULT_STRATEGY, wb, &cn);
			for (int m = 0; m < 5; m++) {
				struct tinf_opts o = { .chunk = m == 1 ? TINF_BYTE : TINF_WHOLE,
						       .windowed = m >= 2, .out_initial = m ? 0 : 1,
						       .into = m == 3 ? 1 : m == 4 ? 7 : 0 };
				CHECK(same(fmt, c, cn, d, len, o, "tiny"));
			}
			free(c);
		}
	}
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* RUN, and say how long the test took. */
#define TIMED(fn)                                                        \
	do {                                                             \
		double t0_ = now();                                      \
		RUN(fn);                                                 \
		printf("# %s: %.2f s\n", #fn, now() - t0_);             \
	} while (0)

/*
 * The region guess reads ISIZE through zero padding, also where ISIZE's
 * own bytes are zero (under 16 MiB its high byte is; a multiple of 256 has
 * a zero low byte), and gives 0 rather than a wrong size where there is no
 * ISIZE to read.
 */
static void test_gzip_size_guess(void)
{
	static const size_t lens[] = { 300000, 0x49300, 17u << 20 };
	static const size_t pads[] = { 0, 1, 2, 3, 4, 5, 7, 8, 511, 512, 4000 };
	for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
		size_t pn;
		uint8_t *plain = tinf_corpus_bytes(files, nfiles, lens[l], &pn);
		size_t c;
		uint8_t *gz = tinf_zlib_compress(plain, lens[l], 1, Z_DEFAULT_STRATEGY, 31, &c);
		uint8_t *padded = calloc(1, c + 4096);
		memcpy(padded, gz, c);
		for (size_t p = 0; p < sizeof pads / sizeof pads[0]; p++) {
			size_t size = c + pads[p], n = size < 4096 ? size : 4096;
			uint64_t g = ist_gzip_size_guess(padded + size - n, n, size);
			if (g != lens[l] + pads[p])
				fprintf(stderr, "  %zu bytes, %zu of padding: guessed %llu\n", lens[l],
					pads[p], (unsigned long long)g);
			CHECK_EQ_U(g, lens[l] + pads[p]);
		}
		/* several members: a wrong guess, but a bounded one */
		size_t c2;
		uint8_t *small = tinf_zlib_compress(plain, 1000, 6, Z_DEFAULT_STRATEGY, 31, &c2);
		uint8_t *two = malloc(c + c2);
		memcpy(two, gz, c);
		memcpy(two + c, small, c2);
		CHECK(ist_gzip_size_guess(two + c + c2 - 4096, 4096, c + c2) <= 16 * (c + c2));
		free(two);
		free(small);
		free(padded);
		free(gz);
		free(plain);
	}
	/* incompressible data decodes to less than the file */
	uint8_t *noise = malloc(200000);
	srand(3);
	for (size_t i = 0; i < 200000; i++)
		noise[i] = (uint8_t)rand();
	size_t c;
	uint8_t *gz = tinf_zlib_compress(noise, 200000, 9, Z_DEFAULT_STRATEGY, 31, &c);
	CHECK_EQ_U(ist_gzip_size_guess(gz + c - 4096, 4096, c), 0);
	/*
	 * An empty member (found by fuzz_inflate): its CRC and ISIZE are all
	 * zeros, and "80 00 00 00" passes for an ISIZE of 128 behind 5 bytes
	 * of padding: the guess may err high, but not past 16x the file.
	 */
	static const uint8_t empty[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3,
					 3,    0x80, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct tinf_result r;
	tinf_decode(IST_INFLATE_GZIP, empty, sizeof empty, &(struct tinf_opts){ .out_initial = 64 }, &r);
	CHECK(r.status == IST_OK && r.done && r.in_used == sizeof empty && r.out_len < sizeof empty);
	tinf_free(&r);
	uint64_t g = ist_gzip_size_guess(empty, sizeof empty, sizeof empty);
	CHECK(g == 0 || (g > sizeof empty && g <= 16 * sizeof empty));
	/* nothing but zeros, and tails too short for an ISIZE */
	static const uint8_t zeros[64];
	CHECK_EQ_U(ist_gzip_size_guess(zeros, sizeof zeros, 1000), 0);
	CHECK_EQ_U(ist_gzip_size_guess(gz + c - 3, 3, 3), 0);
	CHECK_EQ_U(ist_gzip_size_guess(gz, 0, 0), 0);
	free(gz);
	free(noise);
}

int main(void)
{
	nfiles = tinf_corpus(files, MAX_FILES, 1 << 20);
	printf("# corpus: %zu files\n", nfiles);
	RUN(test_corpus_has_modules);
	TIMED(test_zlib_levels_and_strategies);
	TIMED(test_chunking);
	TIMED(test_external_compressors);
	TIMED(test_gzip_multi_member);
	TIMED(test_flushes);
	TIMED(test_windowed_backpressure);
	TIMED(test_windowed_then_into);
	TIMED(test_long_distances);
	TIMED(test_empty_and_tiny);
	TIMED(test_gzip_size_guess);
	tinf_corpus_free(files, nfiles);
	return check_done();
}
