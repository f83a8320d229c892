/*
 * Host decoders, each against the real tool that makes its format: a newc
 * archive from GNU cpio compressed by gzip, bzip2, lzma, xz --check=crc32,
 * lzop, lz4 -l and zstd, followed by bytes that belong to the next
 * segment. Every member decodes to the archive in one go, one input byte at
 * a time, into one-byte output spaces and in random chunks, and stops on its
 * last byte (*in_used == member length). Truncated and corrupted members
 * give an error or no end, never a crash, a hang or a wrong success; the
 * kernel-specific rules (gzip header flags, xz check types, lzop flags, the
 * legacy lz4 end) give their precise messages.
 *
 * The driver calls run() the way ist_archive's decode loop does: again
 * while the output space came back full, stop when the input is used up,
 * and a call that neither consumes nor produces is a contract failure.
 */
#include "library_decoders.h"

#include <stdlib.h>

#include "check.h"
#include "tmp.h"

#define MAX_OUT (64u << 20)

struct result {
	enum ist_status st;
	bool end;
	bool stuck;     /* a call made no progress with input and output space */
	size_t used;    /* input consumed */
	uint8_t *out;
	size_t out_len;
	struct ist_error err;
};

static void result_free(struct result *r)
{
	free(r->out);
	memset(r, 0, sizeof *r);
}

/*
 * Decode `len` bytes offered `in_chunk` at a time (0: random sizes from
 * `seed`) into spaces of `out_chunk` bytes (0: random), then, if `eof`,
 * make the end-of-file call.
 */
static void drive(enum ist_compression c, const uint8_t *in, size_t len, size_t in_chunk,
		  size_t out_chunk, bool eof, uint64_t seed, struct result *r)
{
	memset(r, 0, sizeof *r);
	struct ist_decoder d;
	struct ist_error err = { 0 };
	r->st = ist_host_decoder_open(NULL, c, &d, &err);
	if (r->st) {
		r->err = err;
		return;
	}
	size_t cap = 1 << 16;
	r->out = malloc(cap);
	uint8_t *space = malloc(1 << 20);
	uint64_t x = seed * 2654435761u + 1;
	size_t pos = 0;
	bool at_eof = false;
	for (unsigned long iter = 0;; iter++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		size_t ic = in_chunk ? in_chunk : 1 + (size_t)(x >> 40) % 70000;
		size_t oc = out_chunk ? out_chunk : 1 + (size_t)(x >> 20) % (1 << 20);
		if (oc > (1 << 20))
			oc = 1 << 20;
		size_t offered = at_eof ? 0 : (ic < len - pos ? ic : len - pos);
		size_t used = 0, made = 0;
		bool end = false;
		enum ist_status st = d.run(d.state, at_eof ? NULL : in + pos, offered, &used, space,
					   oc, &made, &end, &r->err);
		if (used > offered || made > oc) {
			r->stuck = true;
			break;
		}
		if (made) {
			if (r->out_len + made > MAX_OUT) {
				r->stuck = true;
				break;
			}
			if (r->out_len + made > cap) {
				while (r->out_len + made > cap)
					cap *= 2;
				r->out = realloc(r->out, cap);
			}
			memcpy(r->out + r->out_len, space, made);
			r->out_len += made;
		}
		pos += used;
		r->used += used;
		if (st) {
			r->st = st;
			break;
		}
		if (end) {
			r->end = true;
			break;
		}
		if (made == oc)
			continue; /* output full: call again */
		if (at_eof)
			break;
		if (pos == len) {
			if (!eof)
				break;
			at_eof = true;
			continue;
		}
		if (!used && !made) {
			r->stuck = true;
			break;
		}
		if (iter > 100000000ul) {
			r->stuck = true; /* a hang */
			break;
		}
	}
	free(space);
	d.release(d.state);
}

/* ---- fixtures ------------------------------------------------------------------------- */

static uint8_t *archive;
static size_t archive_len;

/* A newc archive of a small tree: text, random bytes, symlinks, empty files. */
static int make_archive(void)
{
	if (archive)
		return 0;
	if (tmp_sh("set -e; mkdir -p src/d/e && cd src\n"
		   "head -c 120000 /dev/urandom | base64 > d/text\n"
		   "head -c 30000 /dev/urandom > d/random\n"
		   "seq 1 30000 > d/e/numbers\n"
		   ": > empty && ln -s d/text link && mkdir -p empty-dir\n"
		   "find . | LC_ALL=C sort | cpio -o -H newc --quiet > ../arch.cpio"))
		return -1;
	archive = tmp_read("arch.cpio", &archive_len);
	return archive ? 0 : -1;
}

struct format {
	enum ist_compression c;
	const char *name;
	const char *cmd; /* compresses arch.cpio to stdout */
	bool checked;    /* corruption is always detected (the format has a check) */
};

static const struct format formats[] = {
	{ IST_COMP_GZIP, "gzip", "gzip -c arch.cpio", true },
	{ IST_COMP_BZIP2, "bzip2", "bzip2 -c arch.cpio", true },
	{ IST_COMP_LZMA, "lzma", "lzma -c arch.cpio", false },
	{ IST_COMP_XZ, "xz", "xz --check=crc32 -c arch.cpio", true },
	{ IST_COMP_LZO, "lzo", "lzop -c arch.cpio", true },
	{ IST_COMP_LZ4, "lz4", "lz4 -l -c arch.cpio", false },
	{ IST_COMP_ZSTD, "zstd", "zstd -q -c arch.cpio", true },
};

/* The compressed member, plus `extra` spare bytes the caller may fill. */
static uint8_t *compress_cmd(const char *cmd, size_t *len, size_t extra)
{
	int st;
	size_t n;
	char *out = tmp_sh_out(&st, &n, "%s", cmd);
	if (!out || st) {
		fprintf(stderr, "  `%s` failed\n", cmd);
		free(out);
		return NULL;
	}
	uint8_t *b = malloc(n + extra + 1);
	memcpy(b, out, n);
	free(out);
	*len = n;
	return b;
}

static bool same_output(const struct result *r)
{
	return r->out_len == archive_len && !memcmp(r->out, archive, archive_len);
}

static void report(const char *what, const struct format *f, const struct result *r)
{
	fprintf(stderr, "  %s %s: status %s, end %d, stuck %d, used %zu, out %zu: %s\n", f->name,
		what, ist_status_name(r->st), r->end, r->stuck, r->used, r->out_len, r->err.msg);
}

/* ---- the suite each format runs ---------------------------------------------------------- */

static void roundtrip(const struct format *f)
{
	REQUIRE(!make_archive());
	size_t mlen;
	/* what follows the member: for lz4 NUL padding ends it, else anything */
	static const uint8_t after_lz4[] = { 0, 0, 0, 0, '0', '7', '0', '7', '0', '1' };
	static const uint8_t after[] = { '0', '7', '0', '7', '0', '1', 0x1f, 0x8b, 0xff, 0x00 };
	const uint8_t *tail = f->c == IST_COMP_LZ4 ? after_lz4 : after;
	size_t expect_used_extra = f->c == IST_COMP_LZ4 ? 4 : 0;
	uint8_t *m = compress_cmd(f->cmd, &mlen, sizeof after);
	REQUIRE(m);
	memcpy(m + mlen, tail, sizeof after);
	size_t total = mlen + sizeof after;

	static const struct {
		const char *what;
		size_t in, out;
	} ways[] = {
		{ "whole", SIZE_MAX, 1 << 20 },
		{ "1-byte input", 1, 1 << 20 },
		{ "1-byte output", SIZE_MAX, 1 },
		{ "random chunks", 0, 0 },
		{ "3-byte input, 7-byte output", 3, 7 },
	};
	for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++) {
		for (uint64_t seed = 1; seed <= (ways[i].in ? 1u : 4u); seed++) {
			struct result r;
			drive(f->c, m, total, ways[i].in, ways[i].out, false, seed, &r);
			bool ok = r.st == IST_OK && r.end && !r.stuck &&
				  r.used == mlen + expect_used_extra && same_output(&r);
			if (!ok) {
				report(ways[i].what, f, &r);
				fprintf(stderr, "  (member %zu bytes, archive %zu)\n", mlen, archive_len);
			}
			CHECK(ok);
			result_free(&r);
		}
	}

	/* the member alone, then the end of the file */
	struct result r;
	drive(f->c, m, mlen, SIZE_MAX, 1 << 20, true, 1, &r);
	CHECK(r.st == IST_OK && r.end && r.used == mlen && same_output(&r));
	result_free(&r);

	/* truncated: no end (or an error), whatever the chunking */
	size_t cuts[] = { 1, 2, 5, 13, mlen / 3, mlen / 2, mlen - 5, mlen - 1 };
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		/* legacy lz4 legitimately ends at 1-3 NUL bytes of a chunk size */
		if (f->c == IST_COMP_LZ4 && cuts[i] > 4 && cuts[i] < 8)
			continue;
		for (int way = 0; way < 2; way++) {
			drive(f->c, m, cuts[i], way ? 1 : SIZE_MAX, way ? 5 : 1 << 20, true, 2, &r);
			if (r.stuck || (r.st == IST_OK && r.end)) {
				report("truncated", f, &r);
				fprintf(stderr, "  cut at %zu of %zu\n", cuts[i], mlen);
				CHECK(0);
			}
			result_free(&r);
		}
	}

	/* corrupted: the same error however the member is chunked */
	for (int k = 1; k <= 6; k++) {
		size_t at = 14 + (mlen - 30) * (size_t)k / 7;
		m[at] ^= 0x24;
		char first[IST_ERROR_MSG] = "";
		static const size_t in_ways[] = { SIZE_MAX, 1, 3, 4096, 0 };
		static const size_t out_ways[] = { 1 << 20, 1 << 20, 5, 1, 0 };
		for (size_t w = 0; w < sizeof in_ways / sizeof in_ways[0]; w++) {
			drive(f->c, m, total, in_ways[w], out_ways[w], true, w + 1, &r);
			if (w == 0)
				snprintf(first, sizeof first, "%s", r.st ? r.err.msg : "(none)");
			else if (strcmp(first, r.st ? r.err.msg : "(none)")) {
				fprintf(stderr, "  %s: byte %zu: chunking %zu/%zu gives \"%s\", whole gives \"%s\"\n",
					f->name, at, in_ways[w], out_ways[w], r.st ? r.err.msg : "(none)", first);
				CHECK(0);
			}
			result_free(&r);
		}
		m[at] ^= 0x24;
	}

	/* corrupted: an error, or a different output; never a crash or a hang */
	for (int k = 1; k <= 12; k++) {
		size_t at = 14 + (mlen - 30) * (size_t)k / 13;
		for (int bit = 1; bit < 8; bit += 5) {
			m[at] ^= (uint8_t)(1 << bit);
			drive(f->c, m, total, k & 1 ? SIZE_MAX : 0, k & 2 ? 1 << 20 : 0, true, (uint64_t)k,
			      &r);
			m[at] ^= (uint8_t)(1 << bit);
			bool silent = r.st == IST_OK && r.end && same_output(&r);
			bool detected = r.st != IST_OK || !r.end;
			if (r.stuck || silent || (f->checked && !detected)) {
				report("corrupt", f, &r);
				fprintf(stderr, "  bit %d of byte %zu of %zu\n", bit, at, mlen);
				CHECK(0);
			}
			if (r.st)
				CHECK(!strncmp(r.err.msg, "offset ", 7));
			result_free(&r);
		}
	}
	free(m);
}

static void test_gzip(void) { roundtrip(&formats[0]); }
static void test_bzip2(void) { roundtrip(&formats[1]); }
static void test_lzma(void) { roundtrip(&formats[2]); }
static void test_xz(void) { roundtrip(&formats[3]); }
static void test_lzo(void) { roundtrip(&formats[4]); }
static void test_lz4(void) { roundtrip(&formats[5]); }
static void test_zstd(void) { roundtrip(&formats[6]); }

/* ---- one member of several: the next one is the next segment ------------------------------ */

static void test_first_member_only(void)
{
	REQUIRE(!make_archive());
	static const struct {
		enum ist_compression c;
		const char *one;
	} cases[] = {
		{ IST_COMP_GZIP, "gzip -n -c arch.cpio" },
		{ IST_COMP_BZIP2, "bzip2 -1 -c arch.cpio" },
		{ IST_COMP_XZ, "xz -0 --check=crc32 -c arch.cpio" },
		{ IST_COMP_ZSTD, "zstd -q -c arch.cpio" },
		{ IST_COMP_ZSTD, "zstd -q --no-check -c arch.cpio" },      /* no checksum */
		{ IST_COMP_ZSTD, "cat arch.cpio | zstd -q -19 -c" },       /* no content size */
		{ IST_COMP_ZSTD, "head -c 100 arch.cpio | zstd -q -c" },   /* one block, single segment */
		{ IST_COMP_LZO, "lzop -c arch.cpio" },
		{ IST_COMP_LZMA, "lzma -0 -c arch.cpio" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		uint8_t *one = compress_cmd(cases[i].one, &len, 0);
		REQUIRE(one);
		uint8_t *two = malloc(2 * len + 4);
		memcpy(two, one, len);
		memcpy(two + len, one, len);
		struct result r;
		drive(cases[i].c, two, 2 * len, 0, 0, true, i + 1, &r);
		bool whole = strncmp(cases[i].one, "head", 4);
		CHECK(r.st == IST_OK && r.end && r.used == len);
		CHECK(!whole || same_output(&r));
		CHECK(whole || (r.out_len == 100 && !memcmp(r.out, archive, 100)));
		if (r.used != len)
			fprintf(stderr, "  %s: used %zu of %zu\n", ist_compression_name(cases[i].c),
				r.used, len);
		result_free(&r);
		/* xz stream padding is not part of the member either */
		if (cases[i].c == IST_COMP_XZ) {
			memset(two + len, 0, 8);
			drive(cases[i].c, two, len + 8, SIZE_MAX, 1 << 20, true, 1, &r);
			CHECK(r.st == IST_OK && r.end && r.used == len);
			result_free(&r);
		}
		free(one);
		free(two);
	}
}

/* ---- legacy lz4: how it ends ------------------------------------------------------------- */

static void test_lz4_legacy_end(void)
{
	REQUIRE(!make_archive());
	size_t len;
	uint8_t *m = compress_cmd("lz4 -l -c arch.cpio", &len, 16);
	REQUIRE(m);
	struct result r;

	/* 1-3 NUL bytes before the end of the file end it too */
	for (size_t k = 1; k <= 3; k++) {
		memset(m + len, 0, k);
		drive(IST_COMP_LZ4, m, len + k, 1, 1 << 20, true, 1, &r);
		CHECK(r.st == IST_OK && r.end && r.used == len + k && same_output(&r));
		result_free(&r);
	}
	/* but other stray bytes are an error */
	memcpy(m + len, "\0\0X", 3);
	drive(IST_COMP_LZ4, m, len + 3, SIZE_MAX, 1 << 20, true, 1, &r);
	CHECK(r.st == IST_BAD_DATA);
	CHECK_CONTAINS(r.err.msg, "3 stray bytes at the end of the file after the last chunk");
	CHECK_EQ_U(r.err.offset, len);
	result_free(&r);

	/* a cpio member right after it is read as a chunk, as the kernel does */
	memcpy(m + len, "070701000000", 12);
	drive(IST_COMP_LZ4, m, len + 12, SIZE_MAX, 1 << 20, true, 1, &r);
	CHECK(r.st == IST_BAD_DATA);
	CHECK_CONTAINS(r.err.msg, "ends only at the end of the file or at 4 NUL bytes");
	char want[64];
	snprintf(want, sizeof want, "offset %zu: chunk size", len);
	CHECK_CONTAINS(r.err.msg, want);
	result_free(&r);

	/* concatenated legacy streams are one member */
	uint8_t *two = malloc(2 * len);
	memcpy(two, m, len);
	memcpy(two + len, m, len);
	drive(IST_COMP_LZ4, two, 2 * len, 0, 0, true, 3, &r);
	CHECK(r.st == IST_OK && r.end && r.used == 2 * len && r.out_len == 2 * archive_len);
	CHECK(r.out_len == 2 * archive_len && !memcmp(r.out + archive_len, archive, archive_len));
	result_free(&r);
	free(two);

	/* the modern frame format is not the kernel's */
	size_t flen;
	uint8_t *frame = compress_cmd("lz4 -c arch.cpio", &flen, 0);
	REQUIRE(frame);
	drive(IST_COMP_LZ4, frame, flen, SIZE_MAX, 1 << 20, true, 1, &r);
	CHECK(r.st == IST_BAD_DATA);
	CHECK_CONTAINS(r.err.msg, "offset 0: not the legacy lz4 format (magic 04 22 4d 18");
	result_free(&r);
	free(frame);
	free(m);
}

/* Two legacy chunks (more than 8 MiB decoded), chunked every which way. */
static void test_lz4_multi_chunk(void)
{
	REQUIRE(!tmp_sh("seq 1 1500000 > big && lz4 -l -q -c big > big.lz4"));
	size_t blen, zlen;
	uint8_t *big = tmp_read("big", &blen);
	uint8_t *z = tmp_read("big.lz4", &zlen);
	REQUIRE(big && z && blen > (8u << 20));
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct result r;
		drive(IST_COMP_LZ4, z, zlen, seed == 1 ? SIZE_MAX : 0, seed == 1 ? 1 << 20 : 0, true,
		      seed, &r);
		CHECK(r.st == IST_OK && r.end && r.used == zlen && r.out_len == blen &&
		      !memcmp(r.out, big, blen));
		result_free(&r);
	}
	free(big);
	free(z);
}

/* ---- the kernel's format rules, with their messages ----------------------------------------- */

static void expect_error(enum ist_compression c, const uint8_t *m, size_t len,
			 enum ist_status st, const char *msg, uint64_t offset)
{
	struct result r;
	drive(c, m, len, SIZE_MAX, 1 << 20, true, 1, &r);
	CHECK_EQ_U(r.st, st);
	CHECK_CONTAINS(r.err.msg, msg);
	CHECK_EQ_U(r.err.offset, offset);
	result_free(&r);
	drive(c, m, len, 1, 1, true, 1, &r); /* the same, however it is fed */
	CHECK_EQ_U(r.st, st);
	CHECK_CONTAINS(r.err.msg, msg);
	result_free(&r);
}

static void test_gzip_rules(void)
{
	REQUIRE(!make_archive());
	size_t len;
	uint8_t *m = compress_cmd("gzip -n -c arch.cpio", &len, 0);
	REQUIRE(m);
	m[3] |= 0x02; /* FHCRC */
	expect_error(IST_COMP_GZIP, m, len, IST_BAD_DATA,
		     "offset 3: header flags 0x02 (FHCRC): the kernel's gunzip skips only a file name", 3);
	m[3] = 0x14; /* FEXTRA | FCOMMENT */
	expect_error(IST_COMP_GZIP, m, len, IST_BAD_DATA, "header flags 0x14 (FEXTRA FCOMMENT )", 3);
	m[3] = 0;
	m[1] = 0x9e;
	expect_error(IST_COMP_GZIP, m, len, IST_BAD_DATA,
		     "offset 0: old gzip magic 1f 9e: the kernel's gunzip accepts only 1f 8b", 0);
	m[1] = 0x8b;
	m[2] = 7;
	expect_error(IST_COMP_GZIP, m, len, IST_BAD_DATA,
		     "offset 2: compression method 7 is not deflate (8)", 2);
	m[2] = 8;
	m[len - 8] ^= 1; /* CRC */
	expect_error(IST_COMP_GZIP, m, len, IST_BAD_DATA, "CRC-32 mismatch", len - 8);
	m[len - 8] ^= 1;
	m[len - 1] ^= 1; /* ISIZE */
	expect_error(IST_COMP_GZIP, m, len, IST_BAD_DATA, "size mismatch", len - 4);
	m[len - 1] ^= 1;
	m[10] = 0x07; /* a reserved block type right after the 10-byte header */
	expect_error(IST_COMP_GZIP, m, len, IST_BAD_DATA, "corrupt deflate data: invalid block type",
		     11);
	free(m);

	/* reserved flag bits are ignored, as the kernel ignores them */
	m = compress_cmd("gzip -c arch.cpio", &len, 0);
	REQUIRE(m);
	m[3] |= 0xe0;
	struct result r;
	drive(IST_COMP_GZIP, m, len, 0, 0, true, 5, &r);
	CHECK(r.st == IST_OK && r.end && r.used == len && same_output(&r));
	result_free(&r);
	free(m);
}

static void test_xz_rules(void)
{
	REQUIRE(!make_archive());
	size_t len;
	uint8_t *m = compress_cmd("xz -0 -c arch.cpio", &len, 0); /* CRC64 by default */
	REQUIRE(m);
	expect_error(IST_COMP_XZ, m, len, IST_UNSUPPORTED,
		     "offset 7: check type CRC64: the kernel's xz decoder accepts only CRC32 or none (xz --check=crc32)",
		     7);
	free(m);
	m = compress_cmd("xz -0 --check=sha256 -c arch.cpio", &len, 0);
	REQUIRE(m);
	expect_error(IST_COMP_XZ, m, len, IST_UNSUPPORTED, "check type SHA-256", 7);
	free(m);
	/* filters: the kernel takes LZMA2, optionally after one BCJ filter */
	m = compress_cmd("xz --check=crc32 --delta=dist=4 --lzma2=preset=0 -c arch.cpio", &len, 0);
	REQUIRE(m);
	expect_error(IST_COMP_XZ, m, len, IST_UNSUPPORTED,
		     "offset 12: block 0 header: filters delta+lzma2: the kernel's xz decoder takes LZMA2, optionally after one BCJ filter",
		     12);
	free(m);
	m = compress_cmd("xz --check=crc32 --x86=start=16 --lzma2=preset=0 -c arch.cpio", &len, 0);
	REQUIRE(m);
	expect_error(IST_COMP_XZ, m, len, IST_UNSUPPORTED, "filters x86 (start offset)+lzma2", 12);
	free(m);
	m = compress_cmd("xz --check=crc32 --x86 --lzma2=preset=0 -c arch.cpio", &len, 0);
	REQUIRE(m);
	struct result r;
	drive(IST_COMP_XZ, m, len, 0, 0, true, 3, &r);
	CHECK(r.st == IST_OK && r.end && r.used == len && same_output(&r));
	result_free(&r);
	free(m);

	m = compress_cmd("xz -0 --check=none -c arch.cpio", &len, 0);
	REQUIRE(m);
	drive(IST_COMP_XZ, m, len, 0, 0, true, 1, &r);
	CHECK(r.st == IST_OK && r.end && r.used == len && same_output(&r));
	result_free(&r);
	free(m);
	m = compress_cmd("xz -0 --check=crc32 -c arch.cpio", &len, 0);
	REQUIRE(m);
	m[len / 2] ^= 0x10;
	drive(IST_COMP_XZ, m, len, SIZE_MAX, 1 << 20, true, 1, &r);
	CHECK(r.st == IST_BAD_DATA);
	CHECK_CONTAINS(r.err.msg, "(LZMA_DATA_ERROR)");
	result_free(&r);
	free(m);
}

static void test_lzo_rules(void)
{
	REQUIRE(!make_archive());
	size_t len;
	uint8_t *m = compress_cmd("lzop -c arch.cpio", &len, 0);
	REQUIRE(m);
	REQUIRE(m[20] & 0x01); /* ADLER32_D, flags at 17..20 */
	m[20] |= 0x02;          /* ADLER32_C as well: the kernel would misread */
	expect_error(IST_COMP_LZO, m, len, IST_UNSUPPORTED,
		     "offset 17: lzop flags 0x0300000b: the kernel's unlzo expects exactly one checksum", 17);
	m[20] = (uint8_t)(m[20] & ~0x03);
	expect_error(IST_COMP_LZO, m, len, IST_UNSUPPORTED, "expects exactly one checksum", 17);
	free(m);
	m = compress_cmd("printf 'not lzop at all' | cat", &len, 0);
	expect_error(IST_COMP_LZO, m, len, IST_BAD_DATA, "offset 0: bad lzop magic", 0);
	free(m);

	/* a checksum that does not match */
	m = compress_cmd("lzop -c arch.cpio", &len, 0);
	REQUIRE(m);
	size_t hdr = 0;
	{
		/* header: 9+7+1 (level) + 4 flags + 4 mode + 8 mtime + name */
		size_t name = m[9 + 7 + 1 + 4 + 4 + 8];
		hdr = 9 + 7 + 1 + 4 + 4 + 8 + 1 + name + 4;
	}
	m[hdr + 8] ^= 0x55; /* first block's checksum */
	expect_error(IST_COMP_LZO, m, len, IST_BAD_DATA,
		     "block checksum mismatch", hdr + 8);
	m[hdr + 8] ^= 0x55;
	m[hdr + 1] = 0x10; /* dst_len 0x00100000 + ... over 256 KiB */
	expect_error(IST_COMP_LZO, m, len, IST_BAD_DATA, "over the kernel's 256 KiB", hdr);
	free(m);
}

/* Dictionaries and windows over the memory limit are IST_LIMIT, not a 4 GiB malloc. */
static void drive_opts(enum ist_compression c, const uint8_t *m, size_t len,
		       const struct ist_host_decoder_opts *o, struct result *r)
{
	struct ist_decoder d;
	memset(r, 0, sizeof *r);
	REQUIRE(ist_host_decoder_open((void *)o, c, &d, &r->err) == IST_OK);
	uint8_t *out = malloc(4096); /* small: zstd needs its window buffer */
	size_t pos = 0;
	for (;;) {
		size_t used = 0, made = 0;
		r->st = d.run(d.state, m + pos, len - pos, &used, out, 4096, &made, &r->end,
			      &r->err);
		pos += used;
		r->out_len += made;
		if (r->st || r->end || (!used && !made))
			break;
	}
	free(out);
	d.release(d.state);
}

static void test_memlimit(void)
{
	REQUIRE(!make_archive());
	size_t len;
	uint8_t *m = compress_cmd("lzma -0 -c arch.cpio", &len, 0);
	REQUIRE(m);
	memset(m + 1, 0xff, 4); /* a 4 GiB dictionary */
	struct result r;
	drive_opts(IST_COMP_LZMA, m, len, NULL, &r);
	CHECK_EQ_U(r.st, IST_LIMIT);
	CHECK_CONTAINS(r.err.msg, "MiB of memory, over the limit of 2048 MiB");
	free(m);

	m = compress_cmd("zstd -q -c arch.cpio", &len, 0);
	REQUIRE(m);
	struct ist_host_decoder_opts small = { .memlimit = 64 << 10 };
	drive_opts(IST_COMP_ZSTD, m, len, &small, &r);
	CHECK_EQ_U(r.st, IST_LIMIT);
	CHECK_CONTAINS(r.err.msg, "over the limit of 0 MiB");
	struct ist_host_decoder_opts big = { .memlimit = 64 << 20 };
	drive_opts(IST_COMP_ZSTD, m, len, &big, &r);
	CHECK(r.st == IST_OK && r.end && r.out_len == archive_len);
	free(m);
}

static void test_open_and_supported(void)
{
	for (int c = IST_COMP_GZIP; c <= IST_COMP_ZSTD; c++) {
		CHECK(ist_host_decoder_supported((enum ist_compression)c));
		struct ist_decoder d;
		struct ist_error err = { 0 };
		CHECK(ist_host_decoder_open(NULL, (enum ist_compression)c, &d, &err) == IST_OK);
		d.release(d.state); /* released unused: no leak */
	}
	CHECK(!ist_host_decoder_supported(IST_COMP_NONE));
	struct ist_decoder d;
	struct ist_error err = { 0 };
	CHECK(ist_host_decoder_open(NULL, IST_COMP_NONE, &d, &err) == IST_UNSUPPORTED);
	CHECK_CONTAINS(err.msg, "no host decoder");

	/* an error is sticky and a finished decoder stays finished */
	uint8_t junk[16] = { 0x1f, 0x8b, 0x09 };
	CHECK(ist_host_decoder_open(NULL, IST_COMP_GZIP, &d, &err) == IST_OK);
	size_t used, made;
	bool end;
	uint8_t out[8];
	CHECK(d.run(d.state, junk, sizeof junk, &used, out, sizeof out, &made, &end, &err) ==
	      IST_BAD_DATA);
	memset(&err, 0, sizeof err);
	CHECK(d.run(d.state, junk, sizeof junk, &used, out, sizeof out, &made, &end, &err) ==
	      IST_BAD_DATA);
	CHECK(used == 0 && made == 0 && !end);
	CHECK_CONTAINS(err.msg, "compression method 9");
	d.release(d.state);
}

int main(void)
{
	RUN(test_open_and_supported);
	RUN(test_gzip);
	RUN(test_bzip2);
	RUN(test_lzma);
	RUN(test_xz);
	RUN(test_lzo);
	RUN(test_lz4);
	RUN(test_zstd);
	RUN(test_first_member_only);
	RUN(test_lz4_legacy_end);
	RUN(test_lz4_multi_chunk);
	RUN(test_gzip_rules);
	RUN(test_xz_rules);
	RUN(test_lzo_rules);
	RUN(test_memlimit);
	return check_done();
}
