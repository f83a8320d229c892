/*
 * The kernel's own decompressors in the archive reader (decoders/kernel/).
 *
 * A deterministic newc archive (text, pseudo-random bytes, a directory, a
 * symlink, an empty file) is compressed by the real tools: zstd -3 and -19,
 * xz --check=crc32 and --check=none, lzma, bzip2, lz4 -l, lzop. Each file
 * (the member, NUL padding, an uncompressed cpio run after it) goes through
 * ist_archive_feed_whole once with the kernel decoders and once with
 * Debian's libraries (decoders/library/): the entries, the segments and the
 * tree must be the same. Then hostile members, each with its exact error
 * line: truncated, a flipped byte, trailing junk, xz check types the
 * kernel refuses (CRC64, SHA-256), a header the kernel cannot parse. Two
 * members of different formats in one file; the contract: fed in chunks is
 * IST_INVALID, gzip is not theirs, a flush that refuses stops the decoder,
 * and a decode inside a decode (the static context) is refused.
 */
#include <stdarg.h>
#include <stdlib.h>

#include <initstack/archive.h>
#include <initstack/tree.h>

#include "check.h"
#include "library_decoders.h"
#include "kernel_decoders.h"
#include "loader_decoders.h"
#include "newc.h"
#include "tmp.h"
#include "util.h"

/* ---- the archive and the formats -------------------------------------------------- */

static struct buf archive;

static void make_archive(void)
{
	if (archive.len)
		return;
	static uint8_t random_bytes[40000];
	tmp_fill_random(random_bytes, sizeof random_bytes, 42);
	struct buf text = { 0 };
	for (int i = 1; i <= 25000; i++) {
		char line[32];
		int n = snprintf(line, sizeof line, "line %d of the text\n", i);
		buf_add(&text, line, (size_t)n);
	}
	buf_add(&text, "", 1); /* NUL-terminated for newc_file */
	newc_dir(&archive, ".", 0755);
	newc_dir(&archive, "d", 0750);
	newc_file(&archive, "d/text", 0644, (const char *)text.p);
	struct member m = { .mode = 0100600, .name = "d/random", .data = random_bytes,
			    .filesize = -1, .datalen = sizeof random_bytes, .nlink = 1 };
	newc_member(&archive, &m);
	newc_file(&archive, "empty", 0644, "");
	newc_symlink(&archive, "link", "d/text");
	newc_trailer(&archive);
	buf_free(&text);
}

struct format {
	const char *name;
	enum ist_compression c;
	const char *cmd;
};

static const struct format formats[] = {
	{ "zstd -3", IST_COMP_ZSTD, "zstd -q -3 -c" },
	{ "zstd -19", IST_COMP_ZSTD, "zstd -q -19 -c" },
	{ "xz crc32", IST_COMP_XZ, "xz --check=crc32 -c" },
	{ "xz none", IST_COMP_XZ, "xz --check=none -c" },
	{ "lzma", IST_COMP_LZMA, "lzma -c" },
	{ "bzip2", IST_COMP_BZIP2, "bzip2 -c" },
	{ "lz4 -l", IST_COMP_LZ4, "lz4 -q -l -c" },
	{ "lzop", IST_COMP_LZO, "lzop -c" },
};
#define NFORMATS (sizeof formats / sizeof formats[0])

static struct buf compressed[NFORMATS];

static const struct buf *member(size_t i)
{
	make_archive();
	if (!compressed[i].len)
		compressed[i] = compress_with(formats[i].cmd, &archive);
	return &compressed[i];
}

/* ---- one file through an archive reader and a tree ------------------------------- */

struct text {
	char s[1 << 16];
	size_t len;
};

static void say(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->s + t->len, sizeof t->s - t->len, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof t->s - t->len)
		t->len += (size_t)n;
}

struct run {
	struct ist_tree *tree;
	struct text entries; /* entries and segments in order */
	struct text tree_dump;
	enum ist_status st;
	char msg[IST_ERROR_MSG];
	bool lz4_padding_in_member; /* host: lz4 counts the 4 NULs that end it */
};

static int r_entry(void *u, const struct ist_segment *s, const struct ist_cpio_entry *e)
{
	struct run *r = u;
	say(&r->entries, "entry %s seg %u %s at %llu: %s %06o %u\n", e->trailer ? "T" : "-",
	    s->index, ist_compression_name(s->comp), (unsigned long long)e->offset, e->name,
	    e->mode, e->filesize);
	return (int)ist_tree_entry(r->tree, s, e);
}

static int r_data(void *u, const uint8_t *p, size_t n)
{
	return (int)ist_tree_data(((struct run *)u)->tree, p, n);
}

static int r_end(void *u, const struct ist_cpio_entry *e)
{
	return (int)ist_tree_entry_end(((struct run *)u)->tree, e);
}

static int r_segment(void *u, const struct ist_segment *s)
{
	struct run *r = u;
	/* a legacy lz4 member ends at its zero chunk size: the host decoder
	 * counts those four NULs in the member, the kernel leaves them to the
	 * NUL padding after it; both unpack the same */
	uint64_t len = s->length;
	if (r->lz4_padding_in_member && s->comp == IST_COMP_LZ4)
		len -= 4;
	say(&r->entries, "segment %u %s at %llu, %llu bytes, %llu decoded, %u members\n", s->index,
	    ist_compression_name(s->comp), (unsigned long long)s->offset, (unsigned long long)len,
	    (unsigned long long)s->decoded, s->members);
	return 0;
}

static int dump_item(void *u, const struct ist_tree_item *it)
{
	struct text *t = u;
	say(t, "%c %04o %u:%u %s", type_letter(it->mode), it->mode & 07777, it->uid, it->gid,
	    it->path);
	if (it->target)
		say(t, " -> %s", it->target);
	else if ((it->mode & 0170000) == 0100000) {
		say(t, " %llu ", (unsigned long long)it->size);
		for (int i = 0; i < 32; i++)
			say(t, "%02x", it->sha256[i]);
	}
	say(t, "\n");
	return 0;
}

static int no_event(void *u, const struct ist_event *ev)
{
	(void)u;
	(void)ev;
	return 0;
}

/* Read `p` as one archive with `open`, whole (or fed in 4 KiB chunks). */
static void run_file(const uint8_t *p, size_t len, ist_decoder_open_fn open, bool whole,
		     struct run *r)
{
	memset(r, 0, sizeof *r);
	r->lz4_padding_in_member = open == ist_host_decoder_open;
	struct ist_tree_config cfg;
	ist_tree_config_default(&cfg);
	cfg.event = no_event;
	struct ist_error err;
	if (ist_tree_new(&r->tree, &host_alloc, &cfg, &err))
		abort();
	static uint8_t scratch[64 << 10];
	struct ist_archive a;
	const struct ist_archive_ops ops = { r_entry, r_data, r_end, r_segment, r };
	ist_archive_init(&a, &ops, open, NULL, scratch, sizeof scratch);
	ist_tree_begin(r->tree, 0, IST_ROLE_EXTRA);
	if (whole) {
		r->st = ist_archive_feed_whole(&a, p, len);
	} else {
		r->st = IST_OK;
		for (size_t at = 0; at < len && !r->st; at += 4096)
			r->st = ist_archive_feed(&a, p + at, len - at < 4096 ? len - at : 4096);
		if (!r->st)
			r->st = ist_archive_finish(&a);
	}
	ist_tree_end(r->tree);
	ist_archive_release(&a);
	if (r->st)
		snprintf(r->msg, sizeof r->msg, "%s", a.err.msg);
	ist_tree_walk(r->tree, dump_item, &r->tree_dump);
	ist_tree_free(r->tree);
	r->tree = NULL;
}

static void run_kernel(const struct buf *b, struct run *r)
{
	run_file(b->p, b->len, ist_kernel_decoder_open, true, r);
}

/* The file as a boot loader might hand it: the member, NUL padding to a
 * multiple of 4, a cpio run after it. */
static struct buf framed(const struct buf *m)
{
	struct buf b = { 0 };
	buf_add(&b, m->p, m->len);
	buf_zeros(&b, 4);
	buf_pad4(&b);
	newc_file(&b, "after", 0600, "next segment\n");
	newc_trailer(&b);
	return b;
}

/* ---- the kernel's decoders agree with Debian's libraries -------------------------- */

static void test_each_format_matches_the_libraries(void)
{
	for (size_t i = 0; i < NFORMATS; i++) {
		const struct buf *m = member(i);
		REQUIRE(m->len > 100);
		struct buf f = framed(m);
		static struct run k, h;
		run_kernel(&f, &k);
		run_file(f.p, f.len, ist_host_decoder_open, true, &h);
		if (k.st || h.st)
			fprintf(stderr, "  %s: kernel %s, host %s\n", formats[i].name, k.msg, h.msg);
		CHECK(k.st == IST_OK && h.st == IST_OK);
		if (strcmp(k.entries.s, h.entries.s))
			fprintf(stderr, "  %s: kernel\n%s  host\n%s", formats[i].name, k.entries.s,
				h.entries.s);
		CHECK_STR(k.entries.s, h.entries.s);
		CHECK_STR(k.tree_dump.s, h.tree_dump.s);
		CHECK_CONTAINS(k.tree_dump.s, "f 0644 0:0 /d/text 563894 29b72204");
		CHECK_CONTAINS(k.tree_dump.s, "l 0777 0:0 /link -> d/text\n");
		CHECK_CONTAINS(k.tree_dump.s, "f 0600 0:0 /after 13 ");
		buf_free(&f);
	}
}

/* Two members of different formats in one file, and a third. */
static void test_members_of_different_formats(void)
{
	static const size_t order[] = { 0, 2, 5, 6, 7, 4 }; /* zstd xz bzip2 lz4 lzo lzma */
	struct buf f = { 0 };
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const struct buf *m = member(order[i]);
		buf_add(&f, m->p, m->len);
		buf_zeros(&f, 4); /* ends the lz4 member; padding for the others */
		buf_pad4(&f);
	}
	static struct run k, h;
	run_kernel(&f, &k);
	run_file(f.p, f.len, ist_host_decoder_open, true, &h);
	CHECK(k.st == IST_OK && h.st == IST_OK);
	if (k.st)
		fprintf(stderr, "  %s\n", k.msg);
	CHECK_STR(k.entries.s, h.entries.s);
	CHECK_STR(k.tree_dump.s, h.tree_dump.s);
	CHECK_CONTAINS(k.entries.s, "segment 0 zstd at 0");
	CHECK_CONTAINS(k.entries.s, "segment 1 xz at ");
	CHECK_CONTAINS(k.entries.s, "segment 5 lzma at ");
	buf_free(&f);
}

/* ---- hostile members: the kernel's own words ------------------------------------- */

/* CUT: the first half; FLIP: the middle byte ^ 0x55; JUNK: bytes after the
 * stream; HEADER: the fourth byte ^ 0x55 (the magic's first two bytes
 * still select the decoder) */
enum how { CUT, FLIP, JUNK, HEADER };

struct hostile {
	size_t format; /* index in formats[] */
	enum how how;
	const char *expect; /* the archive's error line; NULL: the kernel accepts it */
};

static const struct hostile hostiles[] = {
	/* zstd -3 */
	{ 0, CUT, "zstd member at offset 0: ZSTD-compressed data is truncated" },
	{ 0, FLIP, "zstd member at offset 0: ZSTD-compressed data is corrupt" },
	{ 0, JUNK, "offset 53508: junk: bytes 0x6a 0x75 are neither NUL padding, a cpio member nor a known compression magic" },
	{ 0, HEADER, "zstd member at offset 0: Input is not in the ZSTD format (wrong magic bytes)" },
	/* zstd -19 */
	{ 1, CUT, "zstd member at offset 0: ZSTD-compressed data is truncated" },
	{ 1, FLIP, "zstd member at offset 0: ZSTD-compressed data is corrupt" },
	{ 1, JUNK, "offset 62671: junk: bytes 0x6a 0x75 are neither NUL padding, a cpio member nor a known compression magic" },
	{ 1, HEADER, "zstd member at offset 0: Input is not in the ZSTD format (wrong magic bytes)" },
	/* xz crc32 */
	{ 2, CUT, "xz member at offset 0: XZ-compressed data is corrupt" },
	{ 2, FLIP, "xz member at offset 0: XZ-compressed data is corrupt" },
	{ 2, JUNK, "offset 55308: junk: bytes 0x6a 0x75 are neither NUL padding, a cpio member nor a known compression magic" },
	{ 2, HEADER, "xz member at offset 0: Input is not in the XZ format (wrong magic bytes)" },
	/* xz none */
	{ 3, CUT, "xz member at offset 0: XZ-compressed data is corrupt" },
	{ 3, FLIP, "xz member at offset 0: XZ-compressed data is corrupt" },
	{ 3, JUNK, "offset 55304: junk: bytes 0x6a 0x75 are neither NUL padding, a cpio member nor a known compression magic" },
	{ 3, HEADER, "xz member at offset 0: Input is not in the XZ format (wrong magic bytes)" },
	/* lzma */
	{ 4, CUT, "lzma member at offset 0: unexpected EOF" },
	{ 4, FLIP, "lzma member at offset 0: LZMA data is corrupt" },
	{ 4, JUNK, "offset 55266: junk: bytes 0x6a 0x75 are neither NUL padding, a cpio member nor a known compression magic" },
	{ 4, HEADER, NULL }, /* the dictionary size: any is accepted */
	/* bzip2 */
	{ 5, CUT, "bzip2 member at offset 0: bzip2-compressed data is corrupt (bunzip2 returned RETVAL_DATA_ERROR without a message)" },
	{ 5, FLIP, "bzip2 member at offset 0: decoded offset 0: junk in compressed archive: byte 0x33 is neither NUL padding nor a cpio member" },
	{ 5, JUNK, "offset 76653: junk: bytes 0x6a 0x75 are neither NUL padding, a cpio member nor a known compression magic" },
	{ 5, HEADER, "bzip2 member at offset 0: not bzip2 data: bad stream or block magic (bunzip2 returned RETVAL_NOT_BZIP_DATA without a message)" },
	/* lz4 -l */
	{ 6, CUT, "lz4 member at offset 0: Decoding failed" },
	{ 6, FLIP, "lz4 member at offset 0: decoded offset 564240: junk in compressed archive: byte 0x6e is neither NUL padding nor a cpio member" },
	{ 6, JUNK, "lz4 member at offset 0: Decoding failed" },
	{ 6, HEADER, "lz4 member at offset 0: invalid header" },
	/* lzop */
	{ 7, CUT, "lzo member at offset 0: file corrupted" },
	{ 7, FLIP, NULL }, /* unlzo skips the block checksums: the data just differs */
	{ 7, JUNK, "offset 152333: junk: bytes 0x6a 0x75 are neither NUL padding, a cpio member nor a known compression magic" },
	{ 7, HEADER, "lzo member at offset 0: invalid header" },
};

static void apply(const struct hostile *h, const struct buf *m, struct buf *out)
{
	memset(out, 0, sizeof *out);
	switch (h->how) {
	case CUT:
		buf_add(out, m->p, m->len / 2);
		break;
	case FLIP:
		buf_add(out, m->p, m->len);
		out->p[m->len / 2] ^= 0x55;
		break;
	case JUNK:
		buf_add(out, m->p, m->len);
		buf_add(out, "junk after the stream", 21);
		break;
	case HEADER:
		buf_add(out, m->p, m->len);
		out->p[3] ^= 0x55;
		break;
	}
}

static void test_hostile_members(void)
{
	for (size_t i = 0; i < sizeof hostiles / sizeof hostiles[0]; i++) {
		const struct hostile *h = &hostiles[i];
		struct buf b;
		apply(h, member(h->format), &b);
		static struct run k;
		run_kernel(&b, &k);
		if (!h->expect) {
			CHECK(k.st == IST_OK);
			if (k.st)
				fprintf(stderr, "  %s: %s\n", formats[h->format].name, k.msg);
			buf_free(&b);
			continue;
		}
		CHECK(k.st != IST_OK);
		static const char *const hows[] = { "CUT", "FLIP", "JUNK", "HEADER" };
		if (getenv("INITSTACK_PRINT_EXPECT"))
			printf("# { %zu, %s, \"%s\" },\n", h->format, hows[h->how], k.msg);
		if (strcmp(k.msg, h->expect))
			fprintf(stderr, "  %s %s:\n", formats[h->format].name, hows[h->how]);
		CHECK_STR(k.msg, h->expect);
		buf_free(&b);
	}
}

/* xz check types the kernel's xz does not support. */
static void test_refused_streams(void)
{
	static const struct {
		const char *cmd;
		const char *expect;
	} refused[] = {
		{ "xz --check=crc64 -c",
		  "xz member at offset 0: Input was encoded with settings that are not supported by this XZ decoder" },
		{ "xz --check=sha256 -c",
		  "xz member at offset 0: Input was encoded with settings that are not supported by this XZ decoder" },
	};
	make_archive();
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct buf b = compress_with(refused[i].cmd, &archive);
		REQUIRE(b.len);
		static struct run k, h;
		run_kernel(&b, &k);
		CHECK(k.st == IST_BAD_DATA);
		CHECK_STR(k.msg, refused[i].expect);
		/* the host decoder refuses them too, in its own words */
		run_file(b.p, b.len, ist_host_decoder_open, true, &h);
		CHECK(h.st != IST_OK);
		buf_free(&b);
	}
}

/* ---- the contract ---------------------------------------------------------------- */

static void test_chunked_feed_is_invalid(void)
{
	const struct buf *m = member(0);
	static struct run k;
	run_file(m->p, m->len, ist_kernel_decoder_open, false, &k);
	CHECK(k.st == IST_INVALID);
	CHECK_STR(k.msg,
		  "offset 0: the zstd decoder reads members whole: feed the file with ist_archive_feed_whole");
}

static void test_gzip_is_not_theirs(void)
{
	struct ist_decoder d;
	struct ist_error err = { 0 };
	CHECK(ist_kernel_decoder_open(NULL, IST_COMP_GZIP, &d, &err) == IST_UNSUPPORTED);
	CHECK_STR(err.msg, "no kernel decoder for gzip");
	CHECK(!ist_kernel_decoder_supported(IST_COMP_GZIP));
	CHECK(!ist_kernel_decoder_supported(IST_COMP_NONE));
	for (size_t i = 0; i < NFORMATS; i++)
		CHECK(ist_kernel_decoder_supported(formats[i].c));
	CHECK(ist_kernel_decoder_open(NULL, IST_COMP_XZ, &d, &err) == IST_OK);
	CHECK(d.run == NULL && d.run_whole != NULL);
	d.release(d.state);
}

struct sink {
	size_t made, stop_after;
	enum ist_status inner;
	struct ist_error inner_err;
	const struct buf *nested;
};

static int sink_flush(void *u, const uint8_t *p, size_t n)
{
	(void)p;
	struct sink *s = u;
	s->made += n;
	if (s->nested) {
		size_t used;
		const struct buf *m = s->nested;
		s->nested = NULL;
		s->inner = ist_kernel_decompress(IST_COMP_ZSTD, m->p, m->len, &used, sink_flush, s,
						 &s->inner_err);
	}
	return s->stop_after && s->made >= s->stop_after;
}

static void test_flush_and_reentry(void)
{
	for (size_t i = 0; i < NFORMATS; i++) {
		const struct buf *m = member(i);
		struct sink s = { 0 };
		struct ist_error err = { 0 };
		size_t used = 0;
		CHECK(ist_kernel_decompress(formats[i].c, m->p, m->len, &used, sink_flush, &s,
					    &err) == IST_OK);
		CHECK_EQ_U(s.made, archive.len);
		CHECK_EQ_U(used, m->len);
		/* a flush that refuses stops it */
		struct sink stop = { .stop_after = 1 };
		CHECK(ist_kernel_decompress(formats[i].c, m->p, m->len, &used, sink_flush, &stop,
					    &err) == IST_ABORTED);
		CHECK_STR(err.msg, "stopped by the flush callback");
	}
	/* a decode from inside a flush: the static context refuses it */
	const struct buf *m = member(2);
	struct sink s = { .nested = member(0) };
	struct ist_error err = { 0 };
	size_t used;
	CHECK(ist_kernel_decompress(IST_COMP_XZ, m->p, m->len, &used, sink_flush, &s, &err) == IST_OK);
	CHECK(s.inner == IST_INVALID);
	CHECK_STR(s.inner_err.msg,
		  "the kernel's zstd decompressor is already running: the kernel decoders decode one member at a time");
	/* and it is free again afterwards */
	struct sink again = { 0 };
	CHECK(ist_kernel_decompress(IST_COMP_ZSTD, member(0)->p, member(0)->len, &used, sink_flush,
				    &again, &err) == IST_OK);
}

/* ---- a stream without an end of its own ------------------------------------------- */

/* ist_archive_open_end of `b` read whole with the loader's decoders. */
static bool open_end(const struct buf *b)
{
	static uint8_t scratch[64 << 10];
	struct ist_archive a;
	const struct ist_archive_ops ops = { 0 };
	ist_archive_init(&a, &ops, ist_loader_decoder_open, NULL, scratch, sizeof scratch);
	enum ist_status st = ist_archive_feed_whole(&a, b->p, b->len);
	CHECK(st == IST_OK);
	bool open = !st && ist_archive_open_end(&a);
	ist_archive_release(&a);
	return open;
}

/* lz4 -l output whose next 4 bytes in the initrd would be read as a chunk
 * size: to the end of the file, or 1-3 NULs before it (a zero chunk size
 * needs 4). Any other format, or a cpio run after the member, ends. */
static void test_legacy_lz4_runs_to_the_end(void)
{
	const struct buf *lz4 = NULL, *zst = member(0);
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i].c == IST_COMP_LZ4)
			lz4 = member(i);
	REQUIRE(lz4);
	struct buf b = { 0 };
	buf_add(&b, lz4->p, lz4->len);
	CHECK(open_end(&b));
	buf_zeros(&b, 3);
	CHECK(open_end(&b));
	buf_zeros(&b, 1);
	CHECK(!open_end(&b));
	buf_free(&b);
	struct buf f = framed(lz4);
	CHECK(!open_end(&f));
	buf_free(&f);
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i].c != IST_COMP_LZ4)
			CHECK(!open_end(member(i)));
	buf_add(&b, zst->p, zst->len);
	buf_add(&b, lz4->p, lz4->len);
	CHECK(open_end(&b));
	buf_free(&b);
}

int main(void)
{
	RUN(test_each_format_matches_the_libraries);
	RUN(test_members_of_different_formats);
	RUN(test_hostile_members);
	RUN(test_refused_streams);
	RUN(test_chunked_feed_is_invalid);
	RUN(test_gzip_is_not_theirs);
	RUN(test_flush_and_reentry);
	RUN(test_legacy_lz4_runs_to_the_end);
	for (size_t i = 0; i < NFORMATS; i++)
		buf_free(&compressed[i]);
	buf_free(&archive);
	return check_done();
}
