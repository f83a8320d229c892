/* The resumable newc reader: every state, chunking, and each error. */
#include <stdarg.h>
#include <stdlib.h>

#include <initstack/cpio.h>

#include "check.h"
#include "newc.h"

struct log {
	char text[65536];
	size_t len;
};

static void logf_(struct log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct log *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->text + l->len, sizeof l->text - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
	if (l->len >= sizeof l->text)
		l->len = sizeof l->text - 1;
}

static int on_entry(void *u, const struct ist_cpio_entry *e)
{
	logf_(u, "E@%llu %s %o %u%s%s%s\n", (unsigned long long)e->offset, e->name, e->mode,
	      e->filesize, e->target ? " ->" : "", e->target ? e->target : "", e->trailer ? " T" : "");
	return 0;
}

static int on_data(void *u, const uint8_t *p, size_t n)
{
	struct log *l = u;
	logf_(l, "D");
	for (size_t i = 0; i < n; i++)
		logf_(l, "%c", p[i]);
	return 0;
}

static int on_end(void *u, const struct ist_cpio_entry *e)
{
	logf_(u, "|end %s\n", e->name);
	return 0;
}

/* Feed in chunks of `chunk` bytes; the log gets "STOP@n" or the error. */
static enum ist_status feed(const struct buf *b, size_t chunk, struct log *l,
			    struct ist_cpio_reader *r)
{
	const struct ist_cpio_ops ops = { on_entry, on_data, on_end, l };
	ist_cpio_init(r, &ops);
	l->len = 0;
	l->text[0] = '\0';
	size_t off = 0;
	while (off < b->len) {
		size_t n = b->len - off < chunk ? b->len - off : chunk;
		size_t used;
		enum ist_status st = ist_cpio_feed(r, b->p + off, n, &used);
		off += used;
		if (st) {
			logf_(l, "ERR %s\n", r->err.msg);
			return st;
		}
		if (used < n) {
			logf_(l, "STOP@%zu\n", off);
			return IST_OK;
		}
	}
	enum ist_status st = ist_cpio_finish(r);
	if (st)
		logf_(l, "ERR %s\n", r->err.msg);
	return st;
}

/* Data callbacks split differently per chunking; compare without them. */
static void squash(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (*p == 'D' && (p == s || p[-1] == '\n' || p[-1] != '\\'))
			continue;
		*o++ = *p;
	}
	*o = '\0';
}

static struct buf sample(void)
{
	struct buf b = { 0 };
	newc_dir(&b, "kernel", 0755);
	newc_file(&b, "kernel/hello", 0644, "hello world\n");
	newc_symlink(&b, "kernel/link", "hello");
	newc_file(&b, "kernel/empty", 0600, "");
	newc_file(&b, "a", 0644, "abc"); /* header+name 112: no name padding */
	newc_trailer(&b);
	return b;
}

static void test_basic(void)
{
	struct buf b = sample();
	struct log l;
	struct ist_cpio_reader r;
	REQUIRE(feed(&b, b.len, &l, &r) == IST_OK);
	CHECK_STR(l.text,
		  "E@0 kernel 40755 0\n"
		  "|end kernel\n"
		  "E@120 kernel/hello 100644 12\n"
		  "Dhello world\n"
		  "|end kernel/hello\n"
		  "E@256 kernel/link 120777 5 ->hello\n"
		  "E@388 kernel/empty 100600 0\n"
		  "|end kernel/empty\n"
		  "E@512 a 100644 3\n"
		  "Dabc|end a\n"
		  "E@628 TRAILER!!! 0 0 T\n"
		  "|end TRAILER!!!\n");
	CHECK_EQ_U(r.members, 6);
	CHECK(ist_cpio_idle(&r));
	buf_free(&b);
}

/* Any chunking gives the same entries (headers, names, targets collected). */
static void test_chunking(void)
{
	struct buf b = sample();
	struct log whole, part;
	struct ist_cpio_reader r;
	REQUIRE(feed(&b, b.len, &whole, &r) == IST_OK);
	squash(whole.text);
	for (size_t chunk = 1; chunk <= 130; chunk++) {
		REQUIRE(feed(&b, chunk, &part, &r) == IST_OK);
		squash(part.text);
		if (strcmp(whole.text, part.text)) {
			fprintf(stderr, "  chunk %zu differs:\n%s\nvs\n%s\n", chunk, part.text, whole.text);
			CHECK(0);
			break;
		}
	}
	buf_free(&b);
}

static void test_padding_and_stop(void)
{
	struct buf b = { 0 };
	newc_file(&b, "x", 0644, "1");
	newc_trailer(&b);
	buf_zeros(&b, 512 - b.len % 512); /* GNU cpio's block padding */
	newc_file(&b, "y", 0644, "2");
	newc_trailer(&b);
	size_t stop = b.len;
	buf_add(&b, "\x1f\x8b", 2);
	struct log l;
	struct ist_cpio_reader r;
	REQUIRE(feed(&b, 7, &l, &r) == IST_OK);
	CHECK_CONTAINS(l.text, "E@512 y ");
	char want[32];
	snprintf(want, sizeof want, "STOP@%zu\n", stop);
	CHECK_CONTAINS(l.text, want);
	buf_free(&b);
}

static void test_checksum(void)
{
	struct buf b = { 0 };
	struct member m = { .magic = "070702", .mode = 0100644, .nlink = 1, .name = "f",
			    .data = "AB", .datalen = 2, .filesize = -1, .check = 'A' + 'B' };
	newc_member(&b, &m);
	struct log l;
	struct ist_cpio_reader r;
	CHECK(feed(&b, 1, &l, &r) == IST_OK);
	m.check = 1;
	b.len = 0;
	newc_member(&b, &m);
	CHECK(feed(&b, b.len, &l, &r) == IST_BAD_DATA);
	CHECK_STR(r.err.msg, "offset 0: 070702 checksum mismatch for \"f\" (header 00000001, data 00000083)");
	buf_free(&b);
}

/* Truncation in every state names the state and the offset. */
static void test_truncation(void)
{
	struct buf b = { 0 };
	struct member m = { .mode = 0100644, .nlink = 1, .name = "file", .data = "0123456789",
			    .datalen = 10, .filesize = -1 };
	newc_member(&b, &m);
	newc_symlink(&b, "lnk", "target");
	static const struct {
		size_t cut;
		const char *msg;
	} cases[] = {
		{ 50, "offset 50: truncated in the header of the member at offset 0" },
		{ 112, "offset 112: truncated in the name of the member at offset 0" },
		{ 115, "offset 115: truncated in the padding after the name of the member at offset 0" },
		{ 121, "offset 121: truncated in the data of \"file\" (5 of 10 bytes)" },
		{ 127, "offset 127: truncated in the padding after the data of the member at offset 0" },
		{ 128 + 118, "offset 246: truncated in the symlink target of the member at offset 128" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf c = { 0 };
		buf_add(&c, b.p, cases[i].cut);
		struct log l;
		struct ist_cpio_reader r;
		for (size_t chunk = 1; chunk <= 64; chunk *= 4) {
			CHECK(feed(&c, chunk, &l, &r) == IST_TRUNCATED);
			CHECK_STR(r.err.msg, cases[i].msg);
		}
		buf_free(&c);
	}
	buf_free(&b);
}

static void test_errors(void)
{
	static const struct {
		const char *magic;
		const char *name;
		long namesize;
		int field;
		const char *poke;
		const char *msg;
	} cases[] = {
		{ "070707", "x", 0, -1, NULL, "offset 0: bad magic \"070707\" (old portable cpio; the kernel reads only newc, use -H newc)" },
		{ "07070X", "x", 0, -1, NULL, "offset 0: bad magic \"07070X\" (expected 070701 or 070702)" },
		{ NULL, "x", 0, 1, "0001g644", "offset 18: non-hex digit in the mode field \"0001g644\" of the header at offset 0" },
		{ NULL, "x", 0, 11, "00000000", "offset 0: namesize 0" },
		{ NULL, "x", 0, 11, "00001001", "offset 0: namesize 4097 over 4096 (PATH_MAX)" },
		{ NULL, "abc", 3, -1, NULL, "offset 112: name \"abc\" not NUL-terminated (namesize 3)" },
		{ NULL, "ab", 6, -1, NULL, "offset 112: name \"ab\" has a NUL at byte 2 of namesize 6" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b = { 0 };
		struct member m = { .magic = cases[i].magic, .mode = 0100644, .nlink = 1,
				    .name = cases[i].name, .namesize = cases[i].namesize, .filesize = -1 };
		if (cases[i].namesize && cases[i].namesize < (long)strlen(cases[i].name) + 1) {
			/* a name without its NUL: write the bytes by hand */
			m.namesize = cases[i].namesize;
		}
		newc_member(&b, &m);
		if (cases[i].namesize == 3) {
			memcpy(b.p + 110, "abc", 3);
		}
		if (cases[i].poke)
			newc_poke(&b, 0, cases[i].field, cases[i].poke);
		struct log l;
		struct ist_cpio_reader r;
		CHECK(feed(&b, b.len, &l, &r) == IST_BAD_DATA);
		CHECK_STR(r.err.msg, cases[i].msg);
		CHECK(ist_cpio_feed(&r, b.p, 1, &(size_t){ 0 }) == IST_BAD_DATA); /* sticky */
		buf_free(&b);
	}
}

static void test_symlink_errors(void)
{
	struct buf b = { 0 };
	struct member m = { .mode = 0120777, .nlink = 1, .name = "l", .data = "a\0b", .datalen = 3,
			    .filesize = -1 };
	newc_member(&b, &m);
	struct log l;
	struct ist_cpio_reader r;
	CHECK(feed(&b, 2, &l, &r) == IST_BAD_DATA);
	CHECK_STR(r.err.msg, "offset 113: symlink target of \"l\" has a NUL at byte 1");
	b.len = 0;
	char big[4097];
	memset(big, 'a', sizeof big - 1);
	big[4096] = '\0';
	struct member m2 = { .mode = 0120777, .nlink = 1, .name = "l", .data = big, .datalen = 4096,
			     .filesize = -1 };
	newc_member(&b, &m2);
	CHECK(feed(&b, b.len, &l, &r) == IST_BAD_DATA);
	CHECK_STR(r.err.msg, "offset 0: symlink target of 4096 bytes over 4095");
	buf_free(&b);
}

static void test_broken_padding(void)
{
	struct buf b = { 0 };
	newc_file(&b, "x", 0644, "1");
	b.len -= 3;       /* member ends unaligned at the data */
	buf_add(&b, "\0\0\0", 3);
	buf_add(&b, "\0", 1);
	buf_add(&b, "\0\0" "07", 4); /* a header two bytes off */
	struct log l;
	struct ist_cpio_reader r;
	CHECK(feed(&b, b.len, &l, &r) == IST_BAD_DATA);
	char want[160];
	snprintf(want, sizeof want,
		 "offset %zu: broken padding: byte 0x30 where NUL padding or a member at a 4-byte boundary was expected",
		 b.len - 2);
	CHECK_STR(r.err.msg, want);
	buf_free(&b);
}

static int stop_entry(void *u, const struct ist_cpio_entry *e)
{
	(void)u;
	return !strcmp(e->name, "kernel/link") ? IST_ABORTED : 0;
}

static void test_callback_stop(void)
{
	struct buf b = sample();
	struct ist_cpio_reader r;
	const struct ist_cpio_ops ops = { stop_entry, NULL, NULL, NULL };
	ist_cpio_init(&r, &ops);
	size_t used;
	CHECK(ist_cpio_feed(&r, b.p, b.len, &used) == IST_ABORTED);
	CHECK_STR(r.err.msg, "offset 256: stopped by the entry callback");
	buf_free(&b);
}

/* A name used in place is not copied; one that straddles chunks is. */
static const char *seen_name;
static int grab_name(void *u, const struct ist_cpio_entry *e)
{
	(void)u;
	seen_name = e->name;
	return 0;
}

static void test_zero_copy(void)
{
	struct buf b = { 0 };
	newc_file(&b, "some/name", 0644, "x");
	struct ist_cpio_reader r;
	const struct ist_cpio_ops ops = { grab_name, NULL, NULL, NULL };
	ist_cpio_init(&r, &ops);
	size_t used;
	CHECK(ist_cpio_feed(&r, b.p, b.len, &used) == IST_OK);
	CHECK(seen_name == (const char *)b.p + 110);
	ist_cpio_init(&r, &ops);
	CHECK(ist_cpio_feed(&r, b.p, 115, &used) == IST_OK);
	CHECK(ist_cpio_feed(&r, b.p + 115, b.len - 115, &used) == IST_OK);
	CHECK(seen_name == r.name);
	buf_free(&b);
}

int main(void)
{
	RUN(test_basic);
	RUN(test_chunking);
	RUN(test_padding_and_stop);
	RUN(test_checksum);
	RUN(test_truncation);
	RUN(test_errors);
	RUN(test_symlink_errors);
	RUN(test_broken_padding);
	RUN(test_callback_stop);
	RUN(test_zero_copy);
	return check_done();
}
