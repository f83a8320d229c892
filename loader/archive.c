/*
 * An initrd file as the kernel's unpack_to_rootfs() walks it: NUL padding,
 * runs of newc members starting at 4-byte aligned offsets, and compressed
 * members recognised by their first two bytes whose decoded data must be
 * whole newc members.
 */
#include <initstack/archive.h>
#include <initstack/format.h>

#include "shim.h"

const char *ist_compression_name(enum ist_compression c)
{
	switch (c) {
	case IST_COMP_NONE: return "cpio";
	case IST_COMP_GZIP: return "gzip";
	case IST_COMP_BZIP2: return "bzip2";
	case IST_COMP_LZMA: return "lzma";
	case IST_COMP_XZ: return "xz";
	case IST_COMP_LZO: return "lzo";
	case IST_COMP_LZ4: return "lz4";
	case IST_COMP_ZSTD: return "zstd";
	}
	return "unknown";
}

/* The magics of lib/decompress.c: the kernel compares two bytes only. */
enum ist_compression ist_compression_detect(const uint8_t *p, size_t len)
{
	static const struct {
		uint8_t m[2];
		enum ist_compression c;
	} magics[] = {
		{ { 0x1f, 0x8b }, IST_COMP_GZIP }, { { 0x1f, 0x9e }, IST_COMP_GZIP },
		{ { 0x42, 0x5a }, IST_COMP_BZIP2 }, { { 0x5d, 0x00 }, IST_COMP_LZMA },
		{ { 0xfd, 0x37 }, IST_COMP_XZ },   { { 0x89, 0x4c }, IST_COMP_LZO },
		{ { 0x02, 0x21 }, IST_COMP_LZ4 },  { { 0x28, 0xb5 }, IST_COMP_ZSTD },
	};
	if (len < 2)
		return IST_COMP_NONE;
	for (size_t i = 0; i < IST_ARRAY_SIZE(magics); i++)
		if (p[0] == magics[i].m[0] && p[1] == magics[i].m[1])
			return magics[i].c;
	return IST_COMP_NONE;
}

static int cb_entry(void *user, const struct ist_cpio_entry *e)
{
	struct ist_archive *a = user;
	return a->ops.entry ? a->ops.entry(a->ops.user, &a->seg, e) : 0;
}

static int cb_data(void *user, const uint8_t *p, size_t n)
{
	struct ist_archive *a = user;
	return a->ops.data ? a->ops.data(a->ops.user, p, n) : 0;
}

static int cb_entry_end(void *user, const struct ist_cpio_entry *e)
{
	struct ist_archive *a = user;
	return a->ops.entry_end ? a->ops.entry_end(a->ops.user, e) : 0;
}

void ist_archive_init(struct ist_archive *a, const struct ist_archive_ops *ops,
		      ist_decoder_open_fn open, void *open_user, uint8_t *scratch,
		      size_t scratch_size)
{
	memset(a, 0, sizeof *a);
	a->mode = IST_AR_TOP;
	if (ops)
		a->ops = *ops;
	a->open = open;
	a->open_user = open_user;
	a->scratch = scratch;
	a->scratch_size = scratch_size;
	a->leading = true;
	const struct ist_cpio_ops cops = { cb_entry, cb_data, cb_entry_end, a };
	ist_cpio_init(&a->cpio, &cops);
}

void ist_archive_release(struct ist_archive *a)
{
	if (a->dec.release)
		a->dec.release(a->dec.state);
	memset(&a->dec, 0, sizeof a->dec);
}

static enum ist_status fail(struct ist_archive *a, enum ist_status st, uint64_t off,
			    const char *fmt, ...)
{
	ist_va_list ap;
	ist_va_start(ap, fmt);
	ist_vformat(a->err.msg, sizeof a->err.msg, fmt, ap);
	ist_va_end(ap);
	a->err.status = st;
	a->err.offset = off;
	a->mode = IST_AR_FAILED;
	if (!a->busy) /* else the decoder is still on the stack: decode_whole releases it */
		ist_archive_release(a);
	return st;
}

/* An error inside a compressed member: "<comp> member at offset M: ..." */
static enum ist_status fail_member(struct ist_archive *a, const char *prefix,
				   const struct ist_error *inner)
{
	return fail(a, inner->status ? inner->status : IST_BAD_DATA, a->seg.offset,
		    "%s member at offset %llu: %s%s", ist_compression_name(a->seg.comp),
		    (unsigned long long)a->seg.offset, prefix, inner->msg);
}

static void begin_segment(struct ist_archive *a, enum ist_segment_kind kind,
			  enum ist_compression comp)
{
	memset(&a->seg, 0, sizeof a->seg);
	a->seg.index = a->nsegments++;
	a->seg.kind = kind;
	a->seg.comp = comp;
	a->seg.offset = a->pos;
	a->seg.leading = a->leading && kind == IST_SEG_CPIO;
	if (kind != IST_SEG_CPIO)
		a->leading = false;
	a->cpio.members = 0;
	a->cpio.end = 0;
}

static enum ist_status end_segment(struct ist_archive *a, uint64_t length, uint64_t decoded)
{
	a->seg.length = length;
	a->seg.decoded = decoded;
	a->seg.members = a->cpio.members;
	a->mode = IST_AR_TOP;
	if (a->ops.segment && a->ops.segment(a->ops.user, &a->seg))
		return fail(a, IST_ABORTED, a->pos, "offset %llu: stopped by the segment callback",
			    (unsigned long long)a->pos);
	return IST_OK;
}

static enum ist_status start_member(struct ist_archive *a, enum ist_compression c)
{
	begin_segment(a, IST_SEG_COMPRESSED, c);
	a->cpio.state = IST_CPIO_RESET;
	a->cpio.pos = 0; /* the kernel counts decoded offsets from the member */
	if (!a->open)
		return fail(a, IST_UNSUPPORTED, a->pos,
			    "offset %llu: %s compressed member, but no decoder was provided",
			    (unsigned long long)a->pos, ist_compression_name(c));
	struct ist_error e = { 0 };
	enum ist_status st = a->open(a->open_user, c, &a->dec, &e);
	if (st)
		return fail(a, st, a->pos, "offset %llu: cannot decode %s: %s",
			    (unsigned long long)a->pos, ist_compression_name(c), e.msg);
	a->mode = IST_AR_DECODE;
	return IST_OK;
}

/* Pass decoded bytes to the cpio reader: all of them must be cpio. */
static enum ist_status push_decoded(struct ist_archive *a, const uint8_t *p, size_t n)
{
	size_t used;
	enum ist_status st = ist_cpio_feed(&a->cpio, p, n, &used);
	if (st)
		return fail_member(a, "decoded ", &a->cpio.err);
	if (used < n) {
		struct ist_error e = { IST_BAD_DATA, 0, "" };
		ist_format(e.msg, sizeof e.msg,
			   "offset %llu: junk in compressed archive: byte 0x%02x is neither NUL padding nor a cpio member",
			   (unsigned long long)a->cpio.pos, p[used]);
		return fail_member(a, "decoded ", &e);
	}
	return IST_OK;
}

/* Run the decoder over the input (in == NULL: end of file). */
static enum ist_status decode(struct ist_archive *a, const uint8_t *in, size_t len,
			      size_t *consumed)
{
	*consumed = 0;
	for (;;) {
		size_t in_used = 0, out_made = 0;
		bool end = false;
		struct ist_error e = { 0 };
		enum ist_status st = a->dec.run(a->dec.state, in, len, &in_used, a->scratch,
						a->scratch_size, &out_made, &end, &e);
		if (in_used > len || out_made > a->scratch_size)
			return fail(a, IST_INVALID, a->pos, "offset %llu: %s decoder overran its buffers",
				    (unsigned long long)a->pos, ist_compression_name(a->seg.comp));
		if (in)
			in += in_used;
		len -= in_used;
		a->pos += in_used;
		*consumed += in_used;
		/* What was decoded before an error is checked first, so the
		 * error reported does not depend on how the input was chunked. */
		enum ist_status pushed = out_made ? push_decoded(a, a->scratch, out_made) : IST_OK;
		if (pushed)
			return pushed;
		if (st) {
			if (!e.msg[0])
				ist_format(e.msg, sizeof e.msg, "%s", ist_status_name(st));
			e.status = st;
			return fail_member(a, "", &e);
		}
		if (end) {
			ist_archive_release(a);
			if (!ist_cpio_idle(&a->cpio)) {
				ist_cpio_finish(&a->cpio);
				return fail_member(a, "ends inside a cpio member: decoded ", &a->cpio.err);
			}
			return end_segment(a, a->pos - a->seg.offset, a->cpio.pos);
		}
		if (out_made == a->scratch_size)
			continue; /* output was full: there may be more */
		if (!len)
			return IST_OK; /* needs more input */
		if (!in_used && !out_made)
			return fail(a, IST_INVALID, a->pos, "offset %llu: %s decoder made no progress",
				    (unsigned long long)a->pos, ist_compression_name(a->seg.comp));
	}
}

static int whole_flush(void *user, const uint8_t *p, size_t n)
{
	struct ist_archive *a = user;
	return a->mode == IST_AR_FAILED || push_decoded(a, p, n);
}

/* A member read whole (run_whole): `in` is the rest of the file from its
 * first byte. */
static enum ist_status decode_whole(struct ist_archive *a, const uint8_t *in, size_t len,
				    size_t *consumed)
{
	*consumed = 0;
	size_t in_used = 0;
	struct ist_error e = { 0 };
	a->busy = true;
	enum ist_status st = a->dec.run_whole(a->dec.state, in, len, &in_used, whole_flush, a, &e);
	a->busy = false;
	if (a->mode == IST_AR_FAILED) { /* the decoded data was refused */
		ist_archive_release(a);
		return a->err.status;
	}
	if (st) {
		if (!e.msg[0])
			ist_format(e.msg, sizeof e.msg, "%s", ist_status_name(st));
		e.status = st;
		return fail_member(a, "", &e);
	}
	if (in_used < 2 || in_used > len)
		return fail(a, IST_INVALID, a->pos, "offset %llu: %s decoder reported %llu bytes of a %llu-byte input",
			    (unsigned long long)a->pos, ist_compression_name(a->seg.comp),
			    (unsigned long long)in_used, (unsigned long long)len);
	a->pos += in_used;
	*consumed = in_used;
	ist_archive_release(a);
	if (!ist_cpio_idle(&a->cpio)) {
		ist_cpio_finish(&a->cpio);
		return fail_member(a, "ends inside a cpio member: decoded ", &a->cpio.err);
	}
	return end_segment(a, in_used, a->cpio.pos);
}

enum ist_status ist_archive_feed(struct ist_archive *a, const uint8_t *p, size_t len)
{
	enum ist_status st;
	if (a->mode == IST_AR_FAILED)
		return a->err.status;
	while (len) {
		switch (a->mode) {
		case IST_AR_TOP: {
			if (a->nmagic == 0 && *p == 0) {
				p++;
				len--;
				a->pos++;
				break;
			}
			if (a->nmagic == 0 && *p == '0' && !(a->pos & 3)) {
				begin_segment(a, IST_SEG_CPIO, IST_COMP_NONE);
				a->cpio.state = IST_CPIO_RESET;
				a->cpio.pos = a->pos;
				a->cpio.end = a->pos;
				a->mode = IST_AR_CPIO;
				break;
			}
			/* Two bytes tell a compressed member; they may straddle chunks.
			 * a->pos stays at the first until the decoder consumes them. */
			a->magic[a->nmagic++] = *p++;
			len--;
			if (a->nmagic < 2)
				break;
			uint64_t at = a->pos;
			enum ist_compression c = ist_compression_detect(a->magic, 2);
			if (c == IST_COMP_NONE) {
				if (a->magic[0] == '0')
					return fail(a, IST_BAD_DATA, at,
						    "offset %llu: cpio magic at an offset that is not 4-byte aligned",
						    (unsigned long long)at);
				return fail(a, IST_BAD_DATA, at,
					    "offset %llu: junk: bytes 0x%02x 0x%02x are neither NUL padding, a cpio member nor a known compression magic",
					    (unsigned long long)at, a->magic[0], a->magic[1]);
			}
			if ((st = start_member(a, c)))
				return st;
			a->nmagic = 0;
			size_t used;
			if (a->dec.run_whole) {
				if (!a->whole)
					return fail(a, IST_INVALID, at,
						    "offset %llu: the %s decoder reads members whole: feed the file with ist_archive_feed_whole",
						    (unsigned long long)at, ist_compression_name(c));
				/* one buffer: the magic's two bytes are just behind p */
				if ((st = decode_whole(a, p - 2, len + 2, &used)))
					return st;
				p += used - 2;
				len -= used - 2;
				break;
			}
			if ((st = decode(a, a->magic, 2, &used)))
				return st;
			if (used != 2)
				return fail(a, IST_INVALID, at,
					    "offset %llu: %s decoder ended within its magic",
					    (unsigned long long)at, ist_compression_name(c));
			break;
		}
		case IST_AR_CPIO: {
			size_t used;
			st = ist_cpio_feed(&a->cpio, p, len, &used);
			p += used;
			len -= used;
			a->pos += used;
			if (st) {
				a->err = a->cpio.err;
				a->mode = IST_AR_FAILED;
				return st;
			}
			if (len && (st = end_segment(a, a->cpio.end - a->seg.offset, a->cpio.end - a->seg.offset)))
				return st;
			break;
		}
		case IST_AR_DECODE: {
			size_t used;
			if ((st = decode(a, p, len, &used)))
				return st;
			p += used;
			len -= used;
			break;
		}
		case IST_AR_FAILED:
		default:
			return fail(a, IST_INVALID, a->pos, "archive reader used in a bad state");
		}
	}
	return IST_OK;
}

enum ist_status ist_archive_finish(struct ist_archive *a)
{
	enum ist_status st;
	size_t used;
	switch (a->mode) {
	case IST_AR_TOP:
		if (a->nmagic)
			return fail(a, IST_TRUNCATED, a->pos,
				    "offset %llu: stray byte 0x%02x at the end of the file",
				    (unsigned long long)a->pos, a->magic[0]);
		return IST_OK;
	case IST_AR_CPIO:
		if ((st = ist_cpio_finish(&a->cpio))) {
			a->err = a->cpio.err;
			a->mode = IST_AR_FAILED;
			return st;
		}
		return end_segment(a, a->cpio.end - a->seg.offset, a->cpio.end - a->seg.offset);
	case IST_AR_DECODE:
		if ((st = decode(a, NULL, 0, &used)))
			return st;
		if (a->mode == IST_AR_DECODE)
			return fail(a, IST_TRUNCATED, a->seg.offset,
				    "%s member at offset %llu: truncated: the file ends before the compressed stream does (%llu bytes read, %llu decoded)",
				    ist_compression_name(a->seg.comp), (unsigned long long)a->seg.offset,
				    (unsigned long long)(a->pos - a->seg.offset),
				    (unsigned long long)a->cpio.pos);
		return IST_OK;
	case IST_AR_FAILED:
		return a->err.status;
	}
	return fail(a, IST_INVALID, a->pos, "archive reader used in a bad state");
}

enum ist_status ist_archive_feed_whole(struct ist_archive *a, const uint8_t *p, size_t len)
{
	if (a->mode != IST_AR_TOP || a->pos || a->nmagic)
		return fail(a, IST_INVALID, a->pos, "ist_archive_feed_whole on a reader already fed");
	a->whole = true;
	enum ist_status st = ist_archive_feed(a, p, len);
	a->whole = false;
	return st ? st : ist_archive_finish(a);
}

bool ist_archive_open_end(const struct ist_archive *a)
{
	return a->mode == IST_AR_TOP && a->nsegments && a->seg.kind == IST_SEG_COMPRESSED &&
	       a->seg.comp == IST_COMP_LZ4 && a->pos - (a->seg.offset + a->seg.length) < 4;
}
