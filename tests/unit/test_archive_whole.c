/*
 * The archive's contract with decoders that read a member whole and push
 * what they decode (run_whole, the shape of the kernel's lib/decompress_*.c):
 * offsets and segments, where the next segment starts, errors from the
 * decoder and from the decoded data, and the misuses the archive refuses.
 *
 * The decoder here is a stand-in with a zstd magic: 28 b5, a 4-byte
 * little-endian length N, then N bytes that "decode" to themselves, pushed
 * through flush in pieces of 7 bytes so that entries straddle pushes.
 */
#include <stdlib.h>

#include <initstack/archive.h>

#include "check.h"
#include "newc.h"

struct stand_in {
	unsigned releases;
	bool fail;         /* report an error after the first push */
	size_t lie;        /* report this as the member's length (0: the truth) */
	int flush_ret;     /* what the last flush returned */
};

static enum ist_status whole(void *state, const uint8_t *in, size_t len, size_t *in_used,
			     int (*flush)(void *, const uint8_t *, size_t), void *fu,
			     struct ist_error *err)
{
	struct stand_in *s = state;
	if (len < 6)
		return ist_fail(err, IST_TRUNCATED, 0, "no length");
	size_t n = (size_t)in[2] | (size_t)in[3] << 8 | (size_t)in[4] << 16 | (size_t)in[5] << 24;
	if (n > len - 6)
		return ist_fail(err, IST_TRUNCATED, 0, "stand-in data is truncated");
	for (size_t k = 0; k < n; k += 7) {
		s->flush_ret = flush(fu, in + 6 + k, n - k < 7 ? n - k : 7);
		if (s->flush_ret)
			return IST_ABORTED;
		if (s->fail)
			return ist_fail(err, IST_BAD_DATA, 0, "stand-in data is corrupt");
	}
	*in_used = s->lie ? s->lie : 6 + n;
	return IST_OK;
}

static void release(void *state)
{
	((struct stand_in *)state)->releases++;
}

static struct stand_in dec_state;

static enum ist_status open_stand_in(void *user, enum ist_compression c, struct ist_decoder *d,
				     struct ist_error *err)
{
	(void)user;
	if (c != IST_COMP_ZSTD)
		return ist_fail(err, IST_UNSUPPORTED, 0, "only the stand-in");
	d->run_whole = whole;
	d->release = release;
	d->state = &dec_state;
	return IST_OK;
}

static void member(struct buf *b, const struct buf *inner)
{
	uint8_t h[6] = { 0x28, 0xb5, (uint8_t)inner->len, (uint8_t)(inner->len >> 8),
			 (uint8_t)(inner->len >> 16), (uint8_t)(inner->len >> 24) };
	buf_add(b, h, sizeof h);
	buf_add(b, inner->p, inner->len);
}

struct seen {
	char text[2048];
	size_t len;
};

static int on_entry(void *u, const struct ist_segment *s, const struct ist_cpio_entry *e)
{
	struct seen *v = u;
	v->len += (size_t)snprintf(v->text + v->len, sizeof v->text - v->len, "%s@%llu:%s ",
				   ist_compression_name(s->comp), (unsigned long long)s->offset,
				   e->trailer ? "TRAILER" : e->name);
	return 0;
}

static int on_segment(void *u, const struct ist_segment *s)
{
	struct seen *v = u;
	v->len += (size_t)snprintf(v->text + v->len, sizeof v->text - v->len, "[%s %llu+%llu %llu] ",
				   ist_compression_name(s->comp), (unsigned long long)s->offset,
				   (unsigned long long)s->length, (unsigned long long)s->decoded);
	return 0;
}

static uint8_t scratch[4096];

static enum ist_status run(const struct buf *file, struct seen *v, struct ist_error *err)
{
	struct ist_archive a;
	const struct ist_archive_ops ops = { on_entry, NULL, NULL, on_segment, v };
	memset(v, 0, sizeof *v);
	memset(&dec_state, 0, sizeof dec_state);
	ist_archive_init(&a, &ops, open_stand_in, NULL, scratch, sizeof scratch);
	enum ist_status st = ist_archive_feed_whole(&a, file->p, file->len);
	*err = a.err;
	ist_archive_release(&a);
	return st;
}

/* early cpio, a whole-read member, NUL padding, a cpio run after it */
static struct buf layout(const struct buf *inner)
{
	struct buf early = { 0 }, file = { 0 }, tail = { 0 };
	newc_dir(&early, "kernel", 0755);
	newc_trailer(&early);
	buf_add(&file, early.p, early.len);
	member(&file, inner);
	buf_pad4(&file);
	buf_zeros(&file, 8);
	newc_file(&tail, "after", 0644, "x");
	newc_trailer(&tail);
	buf_add(&file, tail.p, tail.len);
	buf_free(&early);
	buf_free(&tail);
	return file;
}

static void test_segments_and_offsets(void)
{
	struct buf inner = { 0 };
	newc_file(&inner, "etc/hostname", 0644, "initstack\n");
	newc_trailer(&inner);
	struct buf file = layout(&inner);
	struct seen v;
	struct ist_error err;
	CHECK(run(&file, &v, &err) == IST_OK);
	/* 244: the early run's two members; the member is 6 + inner bytes long */
	char want[512];
	snprintf(want, sizeof want,
		 "cpio@0:kernel cpio@0:TRAILER [cpio 0+244 244] zstd@244:etc/hostname zstd@244:TRAILER "
		 "[zstd 244+%zu %zu] cpio@%zu:after cpio@%zu:TRAILER [cpio %zu+244 244] ",
		 6 + inner.len, inner.len, (250 + inner.len + 3) / 4 * 4 + 8,
		 (250 + inner.len + 3) / 4 * 4 + 8, (250 + inner.len + 3) / 4 * 4 + 8);
	CHECK_STR(v.text, want);
	CHECK_EQ_U(dec_state.releases, 1);
	buf_free(&inner);
	buf_free(&file);
}

static void test_decoder_error(void)
{
	struct buf inner = { 0 };
	newc_file(&inner, "etc/hostname", 0644, "initstack\n");
	newc_trailer(&inner);
	struct buf file = layout(&inner);
	struct seen v;
	struct ist_error err;
	struct ist_archive a;
	const struct ist_archive_ops ops = { on_entry, NULL, NULL, on_segment, &v };
	memset(&v, 0, sizeof v);
	memset(&dec_state, 0, sizeof dec_state);
	dec_state.fail = true;
	ist_archive_init(&a, &ops, open_stand_in, NULL, scratch, sizeof scratch);
	CHECK(ist_archive_feed_whole(&a, file.p, file.len) == IST_BAD_DATA);
	CHECK_STR(a.err.msg, "zstd member at offset 244: stand-in data is corrupt");
	CHECK_EQ_U(dec_state.releases, 1);
	(void)err;

	/* truncated: the decoder sees the rest of the file and says so */
	file.len = 254;
	CHECK(run(&file, &v, &err) == IST_TRUNCATED);
	CHECK_STR(err.msg, "zstd member at offset 244: stand-in data is truncated");
	CHECK_EQ_U(dec_state.releases, 1);
	buf_free(&inner);
	buf_free(&file);
}

static void test_decoded_junk_stops_the_decoder(void)
{
	struct buf inner = { 0 };
	newc_file(&inner, "a", 0644, "a");
	buf_add(&inner, "junk", 4);
	struct buf file = layout(&inner);
	struct seen v;
	struct ist_error err;
	CHECK(run(&file, &v, &err) == IST_BAD_DATA);
	CHECK_STR(err.msg,
		  "zstd member at offset 244: decoded offset 116: junk in compressed archive: byte 0x6a is neither NUL padding nor a cpio member");
	CHECK(dec_state.flush_ret != 0);
	CHECK_EQ_U(dec_state.releases, 1);
	buf_free(&inner);
	buf_free(&file);

	/* decoded data that ends inside a member */
	inner = (struct buf){ 0 };
	newc_file(&inner, "a", 0644, "abcdef");
	inner.len -= 6;
	file = layout(&inner);
	CHECK(run(&file, &v, &err) == IST_TRUNCATED);
	CHECK_CONTAINS(err.msg, "zstd member at offset 244: ends inside a cpio member: decoded ");
	buf_free(&inner);
	buf_free(&file);
}

static void test_misuse(void)
{
	struct buf inner = { 0 };
	newc_trailer(&inner);
	struct buf file = layout(&inner);
	struct seen v;
	struct ist_error err;

	/* a decoder that claims more input than it was given */
	memset(&dec_state, 0, sizeof dec_state);
	struct ist_archive a;
	const struct ist_archive_ops ops = { on_entry, NULL, NULL, on_segment, &v };
	ist_archive_init(&a, &ops, open_stand_in, NULL, scratch, sizeof scratch);
	dec_state.lie = file.len;
	CHECK(ist_archive_feed_whole(&a, file.p, file.len) == IST_INVALID);
	CHECK_CONTAINS(a.err.msg, "offset 244: zstd decoder reported ");

	/* fed in pieces: a whole-read decoder cannot work */
	memset(&dec_state, 0, sizeof dec_state);
	ist_archive_init(&a, &ops, open_stand_in, NULL, scratch, sizeof scratch);
	enum ist_status st = ist_archive_feed(&a, file.p, file.len);
	CHECK(st == IST_INVALID);
	CHECK_STR(a.err.msg,
		  "offset 244: the zstd decoder reads members whole: feed the file with ist_archive_feed_whole");
	CHECK_EQ_U(dec_state.releases, 1);

	/* ist_archive_feed_whole after ist_archive_feed */
	ist_archive_init(&a, &ops, open_stand_in, NULL, scratch, sizeof scratch);
	CHECK(ist_archive_feed(&a, file.p, 4) == IST_OK);
	CHECK(ist_archive_feed_whole(&a, file.p, file.len) == IST_INVALID);
	CHECK_STR(a.err.msg, "ist_archive_feed_whole on a reader already fed");
	(void)err;
	buf_free(&inner);
	buf_free(&file);
}

int main(void)
{
	RUN(test_segments_and_offsets);
	RUN(test_decoder_error);
	RUN(test_decoded_junk_stops_the_decoder);
	RUN(test_misuse);
	return check_done();
}
