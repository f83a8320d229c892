/*
 * Host decoders: one state machine per format over Debian's libraries, with
 * the framing the kernel parses itself (gzip header and trailer, lzop,
 * legacy lz4) done here so members end exactly where the kernel's end.
 * See decoders.h for the contract.
 */
#include "library_decoders.h"

#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* ---- common state ----------------------------------------------------------- */

/* gzip */
enum gz_mode { GZ_HEADER, GZ_NAME, GZ_DEFLATE, GZ_TRAILER };
#define GZ_FHCRC 0x02
#define GZ_FEXTRA 0x04
#define GZ_FNAME 0x08
#define GZ_FCOMMENT 0x10

/* lzop, as lib/decompress_unlzo.c reads it */
enum lzo_mode { LZO_HEADER, LZO_BLOCK_HEAD, LZO_BLOCK_DATA, LZO_EMIT };
#define LZO_BLOCK_MAX (256 * 1024)
#define LZO_HEADER_MAX (9 + 7 + 1 + 8 + 8 + 4 + 1 + 255 + 4)
#define LZOP_ADLER32_D 0x00000001u
#define LZOP_ADLER32_C 0x00000002u
#define LZOP_CRC32_D 0x00000100u
#define LZOP_CRC32_C 0x00000200u
#define LZOP_H_EXTRA_FIELD 0x00000040u
#define LZOP_H_FILTER 0x00000800u
static const uint8_t lzop_magic[9] = { 0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a };

/* xz and lzma units (see xz_run) */
enum xt_kind { XT_HEADER, XT_BLOCK_HEADER, XT_CHUNK, XT_PAD_CHECK, XT_REST };

/* zstd frame units (see zs_run) */
enum zt_kind { ZT_HEADER, ZT_BLOCK, ZT_CHECKSUM, ZT_END, ZT_OPAQUE };

/* legacy lz4, as lib/decompress_unlz4.c reads it */
enum lz4_mode { LZ4_MAGIC, LZ4_SIZE, LZ4_DATA, LZ4_EMIT };
#define LZ4_LEGACY_MAGIC 0x184C2102u
#define LZ4_CHUNK_OUT (8u << 20) /* the kernel's uncompressed chunk size */
#define LZ4_CHUNK_IN ((size_t)LZ4_COMPRESSBOUND(LZ4_CHUNK_OUT))

struct dec {
	enum ist_compression comp;
	uint64_t in_pos;         /* member bytes consumed */
	uint64_t out_pos;        /* bytes produced */
	uint64_t memlimit;       /* for lzma, xz and zstd */
	bool done;
	bool at_eof;             /* this call is the end-of-file call */
	struct ist_error err;    /* sticky once status != IST_OK */

	/* small collection buffer: gzip header/trailer, lzo and lz4 fields */
	uint8_t hdr[LZO_HEADER_MAX + 3];
	size_t have;
	uint64_t field_at;       /* member offset of what is being collected */

	union {
		struct {
			enum gz_mode mode;
			z_stream z;
			bool z_init;
			uint32_t crc;
			uint32_t size;
		} gz;
		struct {
			bz_stream s;
			bool init;
		} bz;
		struct {
			lzma_stream s;
			bool init;
			uint8_t head[12];    /* the xz stream header as it passes */
			enum xt_kind kind;   /* the unit liblzma is in (see xz_run) */
			unsigned block;      /* index of the current xz block */
			uint64_t unit_start; /* member offsets of the unit */
			uint64_t unit_end;   /* 0 while unknown */
			uint64_t seen;       /* member bytes parsed here */
			uint64_t block_start;
			uint8_t b[1024];     /* the unit's first bytes (a whole block header) */
			unsigned check_size; /* 0 or 4 (CRC32) */
		} xz;                        /* also lzma */
		struct {
			ZSTD_DStream *s;
			enum zt_kind kind;   /* the frame unit libzstd is in */
			unsigned block;      /* index of the current block */
			uint64_t unit_start; /* member offsets of the unit */
			uint64_t unit_end;   /* 0 while unknown */
			uint64_t seen;       /* member bytes parsed here */
			uint8_t head[3];     /* a block header */
			bool checksum, last;
		} zs;
		struct {
			enum lzo_mode mode;
			uint32_t flags;
			uint32_t dst_len, src_len, check;
			uint8_t *in;     /* a block that straddles input chunks */
			uint8_t *out;    /* a block that does not fit the output */
			size_t emitted;
		} lzo;
		struct {
			enum lz4_mode mode;
			uint32_t chunk;  /* compressed size of the current chunk */
			uint8_t *in;
			size_t in_cap;
			uint8_t *out;
			size_t out_len, emitted;
		} lz4;
	} u;
};

static enum ist_status dfail(struct dec *d, enum ist_status st, uint64_t off, const char *fmt,
			     ...) __attribute__((format(printf, 4, 5)));

static enum ist_status dfail(struct dec *d, enum ist_status st, uint64_t off, const char *fmt,
			     ...)
{
	int n = snprintf(d->err.msg, sizeof d->err.msg, "offset %llu: ", (unsigned long long)off);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof d->err.msg)
		vsnprintf(d->err.msg + n, sizeof d->err.msg - (size_t)n, fmt, ap);
	va_end(ap);
	d->err.status = st;
	d->err.offset = off;
	return st;
}

/*
 * Collect up to `want` bytes of a field into d->hdr (from d->have on).
 * Returns true once d->have == want. `*p`/`*n` advance; d->in_pos counts.
 */
static bool collect(struct dec *d, const uint8_t **p, size_t *n, size_t want)
{
	if (d->have == 0)
		d->field_at = d->in_pos;
	size_t take = want - d->have;
	if (take > *n)
		take = *n;
	if (!take)
		return d->have == want;
	memcpy(d->hdr + d->have, *p, take);
	d->have += take;
	*p += take;
	*n -= take;
	d->in_pos += take;
	return d->have == want;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

/* Copy pending block output; true when all of it is out. */
static bool emit(const uint8_t *src, size_t len, size_t *emitted, uint8_t **out, size_t *out_left)
{
	size_t n = len - *emitted;
	if (n > *out_left)
		n = *out_left;
	if (n) {
		memcpy(*out, src + *emitted, n);
		*out += n;
		*out_left -= n;
		*emitted += n;
	}
	return *emitted == len;
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Some libraries want a non-NULL pointer even for zero bytes. */
static const uint8_t no_input[1];
static uint8_t no_output[1]; /* never written: its length is always 0 */

/* ---- gzip ------------------------------------------------------------------------ */

static enum ist_status gz_open(struct dec *d)
{
	d->u.gz.mode = GZ_HEADER;
	if (inflateInit2(&d->u.gz.z, -MAX_WBITS) != Z_OK)
		return dfail(d, IST_NO_MEMORY, 0, "zlib: cannot initialise inflate");
	d->u.gz.z_init = true;
	d->u.gz.crc = (uint32_t)crc32(0, Z_NULL, 0);
	return IST_OK;
}

static enum ist_status gz_check_header(struct dec *d)
{
	const uint8_t *h = d->hdr;
	if (h[0] != 0x1f || (h[1] != 0x8b && h[1] != 0x9e))
		return dfail(d, IST_BAD_DATA, 0, "bad gzip magic %02x %02x", h[0], h[1]);
	if (h[1] == 0x9e)
		return dfail(d, IST_BAD_DATA, 0,
			     "old gzip magic 1f 9e: the kernel's gunzip accepts only 1f 8b");
	if (h[2] != 8)
		return dfail(d, IST_BAD_DATA, 2, "compression method %u is not deflate (8)", h[2]);
	if (h[3] & (GZ_FHCRC | GZ_FEXTRA | GZ_FCOMMENT))
		return dfail(d, IST_BAD_DATA, 3,
			     "header flags 0x%02x (%s%s%s): the kernel's gunzip skips only a file name and would misread this member",
			     h[3], h[3] & GZ_FEXTRA ? "FEXTRA " : "",
			     h[3] & GZ_FCOMMENT ? "FCOMMENT " : "", h[3] & GZ_FHCRC ? "FHCRC" : "");
	return IST_OK;
}

static enum ist_status gz_run(struct dec *d, const uint8_t *in, size_t in_len, uint8_t *out,
			      size_t out_len, size_t *in_used, size_t *out_made)
{
	const uint8_t *p = in;
	size_t n = in_len;
	uint8_t *o = out;
	size_t left = out_len;
	enum ist_status st = IST_OK;
	for (;;) {
		switch (d->u.gz.mode) {
		case GZ_HEADER:
			if (!collect(d, &p, &n, 10))
				goto out;
			if ((st = gz_check_header(d)))
				goto out;
			d->have = 0;
			d->u.gz.mode = (d->hdr[3] & GZ_FNAME) ? GZ_NAME : GZ_DEFLATE;
			continue;
		case GZ_NAME:
			while (n) {
				uint8_t c = *p++;
				n--;
				d->in_pos++;
				if (!c) {
					d->u.gz.mode = GZ_DEFLATE;
					break;
				}
			}
			if (d->u.gz.mode == GZ_NAME)
				goto out;
			continue;
		case GZ_DEFLATE: {
			z_stream *z = &d->u.gz.z;
			z->next_in = (Bytef *)(n ? p : no_input);
			z->avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
			z->next_out = left ? o : (Bytef *)no_input;
			z->avail_out = (uInt)(left > UINT32_MAX ? UINT32_MAX : left);
			uInt avail_in = z->avail_in, avail_out = z->avail_out;
			int rc = left ? inflate(z, Z_NO_FLUSH) : Z_BUF_ERROR;
			size_t used = avail_in - z->avail_in, made = avail_out - z->avail_out;
			if (made) {
				d->u.gz.crc = (uint32_t)crc32(d->u.gz.crc, o, (uInt)made);
				d->u.gz.size += (uint32_t)made;
			}
			p += used;
			n -= used;
			o += made;
			left -= made;
			d->in_pos += used;
			if (rc == Z_STREAM_END) {
				d->u.gz.mode = GZ_TRAILER;
				continue;
			}
			if (rc == Z_DATA_ERROR)
				st = dfail(d, IST_BAD_DATA, d->in_pos, "corrupt deflate data: %s",
					   z->msg ? z->msg : "Z_DATA_ERROR");
			else if (rc == Z_MEM_ERROR)
				st = dfail(d, IST_NO_MEMORY, d->in_pos, "zlib: out of memory");
			else if (rc != Z_OK && rc != Z_BUF_ERROR)
				st = dfail(d, IST_BAD_DATA, d->in_pos, "zlib inflate error %d", rc);
			else if (n && left && (used || made))
				continue; /* avail was clamped */
			goto out;
		}
		case GZ_TRAILER:
			if (!collect(d, &p, &n, 8))
				goto out;
			if (le32(d->hdr) != d->u.gz.crc)
				st = dfail(d, IST_BAD_DATA, d->field_at,
					   "CRC-32 mismatch: the trailer says %08x, the data gives %08x (the kernel does not check it)",
					   le32(d->hdr), d->u.gz.crc);
			else if (le32(d->hdr + 4) != d->u.gz.size)
				st = dfail(d, IST_BAD_DATA, d->field_at + 4,
					   "size mismatch: the trailer says %u bytes (mod 2^32), the data has %u (the kernel does not check it)",
					   le32(d->hdr + 4), d->u.gz.size);
			else
				d->done = true;
			goto out;
		}
	}
out:
	*in_used = (size_t)(p - in);
	*out_made = (size_t)(o - out);
	return st;
}

/* ---- bzip2 ----------------------------------------------------------------------- */

static enum ist_status bz_open(struct dec *d)
{
	if (BZ2_bzDecompressInit(&d->u.bz.s, 0, 0) != BZ_OK)
		return dfail(d, IST_NO_MEMORY, 0, "libbz2: cannot initialise the decoder");
	d->u.bz.init = true;
	return IST_OK;
}

static enum ist_status bz_run(struct dec *d, const uint8_t *in, size_t in_len, uint8_t *out,
			      size_t out_len, size_t *in_used, size_t *out_made)
{
	bz_stream *s = &d->u.bz.s;
	size_t used = 0, made = 0;
	enum ist_status st = IST_OK;
	while (!d->done && out_len > made) {
		size_t n = in_len - used, m = out_len - made;
		s->next_in = (char *)(n ? in + used : no_input);
		s->avail_in = n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
		s->next_out = (char *)out + made;
		s->avail_out = m > UINT32_MAX ? UINT32_MAX : (unsigned)m;
		unsigned ai = s->avail_in, ao = s->avail_out;
		int rc = BZ2_bzDecompress(s);
		size_t u = ai - s->avail_in, k = ao - s->avail_out;
		used += u;
		made += k;
		d->in_pos += u;
		if (rc == BZ_STREAM_END) {
			d->done = true;
		} else if (rc == BZ_DATA_ERROR_MAGIC) {
			st = dfail(d, IST_BAD_DATA, 0, "bad bzip2 magic (BZ_DATA_ERROR_MAGIC)");
		} else if (rc == BZ_DATA_ERROR) {
			st = dfail(d, IST_BAD_DATA, d->in_pos, "corrupt data (BZ_DATA_ERROR)");
		} else if (rc == BZ_MEM_ERROR) {
			st = dfail(d, IST_NO_MEMORY, d->in_pos, "libbz2: out of memory");
		} else if (rc != BZ_OK) {
			st = dfail(d, IST_BAD_DATA, d->in_pos, "libbz2 error %d", rc);
		}
		if (st || (!u && !k))
			break;
	}
	*in_used = used;
	*out_made = made;
	return st;
}

/* ---- lzma and xz ------------------------------------------------------------------- */

static const char *lzma_ret_name(lzma_ret rc)
{
	switch (rc) {
	case LZMA_DATA_ERROR: return "corrupt data (LZMA_DATA_ERROR)";
	case LZMA_FORMAT_ERROR: return "not in the expected format (LZMA_FORMAT_ERROR)";
	case LZMA_OPTIONS_ERROR: return "unsupported options (LZMA_OPTIONS_ERROR)";
	case LZMA_MEMLIMIT_ERROR: return "memory limit reached (LZMA_MEMLIMIT_ERROR)";
	case LZMA_UNSUPPORTED_CHECK: return "unsupported check (LZMA_UNSUPPORTED_CHECK)";
	case LZMA_PROG_ERROR: return "liblzma programming error (LZMA_PROG_ERROR)";
	default: return "liblzma error";
	}
}

static enum ist_status xz_open(struct dec *d)
{
	lzma_stream init = LZMA_STREAM_INIT;
	d->u.xz.s = init;
	lzma_ret rc = d->comp == IST_COMP_XZ ? lzma_stream_decoder(&d->u.xz.s, d->memlimit, 0)
					     : lzma_alone_decoder(&d->u.xz.s, d->memlimit);
	if (rc != LZMA_OK)
		return dfail(d, rc == LZMA_MEM_ERROR ? IST_NO_MEMORY : IST_UNSUPPORTED, 0,
			     "liblzma: cannot initialise the decoder (%d)", (int)rc);
	d->u.xz.init = true;
	d->u.xz.kind = XT_HEADER;
	d->u.xz.unit_end = d->comp == IST_COMP_XZ ? 12 : 13;
	return IST_OK;
}

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };

/*
 * The kernel's xz decoder (lib/xz) checks only CRC32 or nothing and rejects
 * every other check type; liblzma would accept them. Look at the stream
 * header's check ID as it passes, before liblzma consumes it.
 */
static enum ist_status xz_check_header(struct dec *d, const uint8_t *in, size_t in_len)
{
	for (size_t i = 0; i < in_len && d->in_pos + i < 8; i++)
		d->u.xz.head[d->in_pos + i] = in[i];
	if (d->in_pos > 7 || d->in_pos + in_len <= 7)
		return IST_OK;
	const uint8_t *h = d->u.xz.head;
	if (memcmp(h, xz_magic, sizeof xz_magic) || h[6] != 0 || (h[7] & 0xf0))
		return IST_OK; /* liblzma reports it */
	unsigned id = h[7];
	if (id == LZMA_CHECK_NONE || id == LZMA_CHECK_CRC32)
		return IST_OK;
	return dfail(d, IST_UNSUPPORTED, 7,
		     "check type %s: the kernel's xz decoder accepts only CRC32 or none (xz --check=crc32)",
		     id == LZMA_CHECK_CRC64 ? "CRC64" : id == LZMA_CHECK_SHA256 ? "SHA-256" : "unknown");
}

/*
 * Where liblzma notices corrupt LZMA data depends on how much input and
 * output space each call had. For the same message under any chunking,
 * the stream's units are tracked here (xz: stream header, block headers,
 * each LZMA2 chunk, block padding and check, then index and footer; lzma:
 * header, then the data), liblzma is never given input past the end of the
 * unit it is in, and moves to the next unit only once it has made all the
 * progress it can in this one. An error is reported at its unit's first
 * byte.
 */
static const char *xt_unit_name(const struct dec *d, char *buf, size_t size)
{
	unsigned b = d->u.xz.block;
	switch (d->u.xz.kind) {
	case XT_HEADER: return d->comp == IST_COMP_XZ ? "stream header" : "header";
	case XT_BLOCK_HEADER: snprintf(buf, size, "block %u header", b); return buf;
	case XT_CHUNK: snprintf(buf, size, "block %u, LZMA2 chunk", b); return buf;
	case XT_PAD_CHECK: snprintf(buf, size, "block %u check", b); return buf;
	default: return d->comp == IST_COMP_XZ ? "index" : "LZMA data";
	}
}

static uint64_t xt_bound(const struct dec *d)
{
	uint64_t s = d->u.xz.unit_start, e = d->u.xz.unit_end;
	switch (d->u.xz.kind) {
	case XT_HEADER: return e;
	case XT_BLOCK_HEADER: return e ? e : s + 1;
	case XT_CHUNK:
		if (e)
			return e;
		if (d->u.xz.seen == s)
			return s + 1;
		return s + (d->u.xz.b[0] >= 0x80 ? 5 : 3);
	case XT_PAD_CHECK: return e;
	default: return UINT64_MAX;
	}
}

/* Parse the byte at member offset `pos` (== seen) of the current unit. */
static void xt_feed(struct dec *d, uint8_t c, uint64_t pos)
{
	uint64_t at = pos - d->u.xz.unit_start;
	if (at < sizeof d->u.xz.b)
		d->u.xz.b[at] = c;
	const uint8_t *b = d->u.xz.b;
	if (d->u.xz.kind == XT_HEADER && d->comp == IST_COMP_XZ && pos == 7)
		d->u.xz.check_size = c == LZMA_CHECK_CRC32 ? 4 : 0;
	else if (d->u.xz.kind == XT_BLOCK_HEADER && at == 0)
		d->u.xz.unit_end = pos + ((uint64_t)c + 1) * 4;
	else if (d->u.xz.kind == XT_CHUNK) {
		if (at == 0 && (c == 0 || (c > 2 && c < 0x80)))
			d->u.xz.unit_end = pos + 1; /* end marker, or invalid: liblzma says */
		else if (at == 2 && b[0] <= 2)
			d->u.xz.unit_end = d->u.xz.unit_start + 3 + ((uint32_t)b[1] << 8 | c) + 1;
		else if (at == 4 && b[0] >= 0x80)
			d->u.xz.unit_end = d->u.xz.unit_start + 5 + (b[0] >= 0xc0) +
					   ((uint32_t)b[3] << 8 | c) + 1;
	}
	d->u.xz.seen = pos + 1;
}

/* liblzma is done with the current unit: on to the next (xz only). */
static void xt_next(struct dec *d)
{
	uint64_t end = d->u.xz.unit_end;
	switch (d->u.xz.kind) {
	case XT_HEADER:
	case XT_PAD_CHECK:
		if (d->u.xz.kind == XT_PAD_CHECK)
			d->u.xz.block++;
		d->u.xz.kind = XT_BLOCK_HEADER;
		d->u.xz.block_start = end;
		d->u.xz.unit_end = 0;
		break;
	case XT_BLOCK_HEADER:
		d->u.xz.kind = XT_CHUNK;
		d->u.xz.unit_end = 0;
		break;
	case XT_CHUNK:
		if (d->u.xz.b[0] == 0) {
			d->u.xz.kind = XT_PAD_CHECK;
			d->u.xz.unit_end = end + ((0 - (end - d->u.xz.block_start)) & 3) +
					   d->u.xz.check_size;
		} else {
			d->u.xz.unit_end = 0;
		}
		break;
	default:
		return;
	}
	d->u.xz.unit_start = end;
	if (d->u.xz.kind == XT_PAD_CHECK && d->u.xz.unit_end == end)
		xt_next(d); /* neither padding nor check */
}

static bool vli(const uint8_t *h, size_t n, size_t *pos, uint64_t *v)
{
	*v = 0;
	for (unsigned i = 0; i < 9 && *pos < n; i++) {
		uint8_t c = h[(*pos)++];
		*v |= (uint64_t)(c & 0x7f) << (7 * i);
		if (!(c & 0x80))
			return true;
	}
	return false;
}

static const char *xz_filter_name(uint64_t id)
{
	static const char *const names[] = { [3] = "delta", [4] = "x86", [5] = "powerpc",
					     [6] = "ia64", [7] = "arm", [8] = "armthumb",
					     [9] = "sparc", [10] = "arm64", [11] = "riscv" };
	if (id == 0x21)
		return "lzma2";
	return id < sizeof names / sizeof names[0] && names[id] ? names[id] : "unknown";
}

/*
 * The kernel's xz decoder (lib/xz/xz_dec_stream.c) takes LZMA2 alone or
 * after one BCJ filter without properties; liblzma also takes delta and
 * longer chains. Check a complete block header whose CRC32 is right (else
 * liblzma reports it).
 */
static enum ist_status xz_check_filters(struct dec *d)
{
	const uint8_t *h = d->u.xz.b;
	size_t n = (size_t)(d->u.xz.unit_end - d->u.xz.unit_start);
	if (n < 8 || lzma_crc32(h, n - 4, 0) != le32(h + n - 4) || (h[1] & 0x3c))
		return IST_OK;
	size_t pos = 2;
	uint64_t v, ids[4], props[4];
	unsigned nf = (h[1] & 3) + 1;
	if (((h[1] & 0x40) && !vli(h, n - 4, &pos, &v)) || ((h[1] & 0x80) && !vli(h, n - 4, &pos, &v)))
		return IST_OK;
	for (unsigned i = 0; i < nf; i++) {
		if (!vli(h, n - 4, &pos, &ids[i]) || !vli(h, n - 4, &pos, &props[i]) ||
		    props[i] > n - 4 - pos)
			return IST_OK;
		pos += (size_t)props[i];
	}
	bool last_ok = ids[nf - 1] == 0x21 && props[nf - 1] == 1;
	bool bcj_ok = nf == 1 || (nf == 2 && ids[0] >= 4 && ids[0] <= 11 && props[0] == 0);
	if (last_ok && bcj_ok)
		return IST_OK;
	char chain[64] = "";
	for (unsigned i = 0; i < nf; i++)
		snprintf(chain + strlen(chain), sizeof chain - strlen(chain), "%s%s%s", i ? "+" : "",
			 xz_filter_name(ids[i]),
			 props[i] && ids[i] >= 4 && ids[i] <= 11 ? " (start offset)" : "");
	return dfail(d, IST_UNSUPPORTED, d->u.xz.unit_start,
		     "block %u header: filters %s: the kernel's xz decoder takes LZMA2, optionally after one BCJ filter without a start offset",
		     d->u.xz.block, chain);
}

static enum ist_status xz_run(struct dec *d, const uint8_t *in, size_t in_len, uint8_t *out,
			      size_t out_len, size_t *in_used, size_t *out_made)
{
	enum ist_status st;
	if (d->comp == IST_COMP_XZ && (st = xz_check_header(d, in, in_len)))
		return st;
	const uint64_t base = d->in_pos; /* member offset of in[0] */
	lzma_stream *s = &d->u.xz.s;
	size_t used = 0, made = 0;
	lzma_ret rc = LZMA_OK;
	while (!d->done && made < out_len) {
		/* the index (xz) or the LZMA data (lzma) runs to the end */
		bool last = d->u.xz.kind == XT_REST;
		if (d->u.xz.kind == XT_BLOCK_HEADER && d->u.xz.seen > d->u.xz.unit_start &&
		    d->u.xz.b[0] == 0)
			d->u.xz.kind = XT_REST, last = true; /* index indicator */
		while (!last && d->u.xz.seen < base + in_len && d->u.xz.seen < xt_bound(d)) {
			xt_feed(d, in[d->u.xz.seen - base], d->u.xz.seen);
			if (d->u.xz.kind == XT_BLOCK_HEADER && d->u.xz.b[0] == 0) {
				d->u.xz.kind = XT_REST; /* index indicator */
				last = true;
			} else if (d->u.xz.kind == XT_BLOCK_HEADER &&
				   d->u.xz.seen == d->u.xz.unit_end) {
				if ((st = xz_check_filters(d))) {
					*in_used = used;
					*out_made = made;
					return st;
				}
			}
		}
		uint64_t bound = xt_bound(d);
		size_t limit = bound >= base + in_len ? in_len : (size_t)(bound - base);
		s->next_in = limit > used ? in + used : NULL;
		s->avail_in = limit - used;
		s->next_out = out + made;
		s->avail_out = out_len - made;
		size_t ai = s->avail_in, ao = s->avail_out;
		rc = lzma_code(s, LZMA_RUN);
		used += ai - s->avail_in;
		made += ao - s->avail_out;
		d->in_pos = base + used;
		if (rc == LZMA_STREAM_END) {
			d->done = true;
			break;
		}
		if (rc != LZMA_OK && rc != LZMA_BUF_ERROR)
			break;
		rc = LZMA_OK;
		if (ai != s->avail_in || ao != s->avail_out)
			continue;
		/* no progress: the unit is done if liblzma has all of it */
		if (d->u.xz.kind == XT_HEADER && d->comp == IST_COMP_LZMA && d->in_pos >= 13) {
			d->u.xz.kind = XT_REST;
			d->u.xz.unit_start = 13;
			continue;
		}
		if (d->comp == IST_COMP_XZ && d->u.xz.kind != XT_REST && d->u.xz.unit_end &&
		    d->in_pos >= d->u.xz.unit_end) {
			xt_next(d);
			continue;
		}
		break; /* needs more input */
	}
	*in_used = used;
	*out_made = made;
	if (rc == LZMA_OK || rc == LZMA_STREAM_END)
		return IST_OK;
	char name[40];
	const char *unit = xt_unit_name(d, name, sizeof name);
	uint64_t at = d->u.xz.kind == XT_HEADER ? 0 : d->u.xz.unit_start;
	if (rc == LZMA_MEM_ERROR)
		return dfail(d, IST_NO_MEMORY, at, "liblzma: out of memory");
	if (rc == LZMA_MEMLIMIT_ERROR)
		return dfail(d, IST_LIMIT, at,
			     "%s: the dictionary needs %llu MiB of memory, over the limit of %llu MiB",
			     unit, (unsigned long long)(lzma_memusage(s) >> 20),
			     (unsigned long long)(d->memlimit >> 20));
	return dfail(d, rc == LZMA_OPTIONS_ERROR ? IST_UNSUPPORTED : IST_BAD_DATA, at, "%s: %s",
		     unit, lzma_ret_name(rc));
}

/* ---- zstd ------------------------------------------------------------------------ */

static enum ist_status zs_open(struct dec *d)
{
	d->u.zs.s = ZSTD_createDStream();
	if (!d->u.zs.s)
		return dfail(d, IST_NO_MEMORY, 0, "libzstd: cannot create a stream");
	/* the kernel allows windows up to 2^31 bytes (ZSTD_WINDOWLOG_MAX on 64-bit) */
	int log = 10;
	while (log < 31 && (2ull << log) <= d->memlimit)
		log++;
	size_t rc = ZSTD_DCtx_setParameter(d->u.zs.s, ZSTD_d_windowLogMax, log);
	if (ZSTD_isError(rc))
		return dfail(d, IST_UNSUPPORTED, 0, "libzstd: %s", ZSTD_getErrorName(rc));
	return IST_OK;
}

/*
 * libzstd consumes input in whole blocks and, given a whole frame, decodes
 * it in one pass; where it notices an error then depends on how the input
 * was chunked. To give the same message for any chunking, the frame's units
 * (header, each block, checksum) are tracked here and libzstd is never
 * given input past the end of the unit it is in, and moves to the next
 * unit only once it has made all the progress it can in this one: an error
 * belongs to that unit and is reported at its first byte.
 */
static const char *zt_unit_name(const struct dec *d, char *buf, size_t size)
{
	switch (d->u.zs.kind) {
	case ZT_HEADER: return "frame header";
	case ZT_BLOCK: snprintf(buf, size, "block %u", d->u.zs.block); return buf;
	case ZT_CHECKSUM: return "checksum";
	default: return "frame";
	}
}

/* The end of the current unit if known, else how far it surely reaches. */
static uint64_t zt_bound(const struct dec *d)
{
	switch (d->u.zs.kind) {
	case ZT_HEADER: return d->u.zs.unit_end ? d->u.zs.unit_end : 5;
	case ZT_BLOCK: return d->u.zs.unit_end ? d->u.zs.unit_end : d->u.zs.unit_start + 3;
	case ZT_CHECKSUM: return d->u.zs.unit_end;
	case ZT_END: return d->u.zs.unit_start;
	default: return 0; /* not a zstd frame */
	}
}

/* Parse the byte at member offset `pos` (== d->u.zs.seen) of the current unit. */
static void zt_feed(struct dec *d, uint8_t c, uint64_t pos)
{
	static const uint8_t magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const uint8_t did_size[4] = { 0, 1, 2, 4 };
	if (d->u.zs.kind == ZT_HEADER) {
		if (pos < 4 && c != magic[pos]) {
			d->u.zs.kind = ZT_OPAQUE;
		} else if (pos == 4) {
			unsigned single = (c >> 5) & 1, fcs = c >> 6;
			d->u.zs.checksum = (c >> 2) & 1;
			d->u.zs.unit_end = 5 + !single + did_size[c & 3] +
					   (fcs ? 1u << fcs : single);
		}
	} else if (d->u.zs.kind == ZT_BLOCK && pos - d->u.zs.unit_start < 3) {
		d->u.zs.head[pos - d->u.zs.unit_start] = c;
		if (pos - d->u.zs.unit_start == 2) {
			uint32_t h = (uint32_t)d->u.zs.head[0] | (uint32_t)d->u.zs.head[1] << 8 |
				     (uint32_t)c << 16;
			d->u.zs.last = h & 1;
			uint32_t size = h >> 3;
			d->u.zs.unit_end = d->u.zs.unit_start + 3 + (((h >> 1) & 3) == 1 ? 1 : size);
		}
	}
	d->u.zs.seen = pos + 1;
}

/* The library has consumed the current unit: on to the next. */
static void zt_next(struct dec *d)
{
	uint64_t end = d->u.zs.unit_end;
	if (d->u.zs.kind == ZT_BLOCK && d->u.zs.last) {
		d->u.zs.kind = d->u.zs.checksum ? ZT_CHECKSUM : ZT_END;
		d->u.zs.unit_end = d->u.zs.checksum ? end + 4 : 0;
	} else {
		if (d->u.zs.kind == ZT_BLOCK)
			d->u.zs.block++;
		d->u.zs.kind = ZT_BLOCK;
		d->u.zs.unit_end = 0;
	}
	d->u.zs.unit_start = end;
}

static enum ist_status zs_run(struct dec *d, const uint8_t *in, size_t in_len, uint8_t *out,
			      size_t out_len, size_t *in_used, size_t *out_made)
{
	const uint64_t base = d->in_pos; /* member offset of in[0] */
	ZSTD_inBuffer ib = { in, in_len, 0 };
	ZSTD_outBuffer ob = { out, out_len, 0 };
	size_t rc = 0;
	while (ob.pos < ob.size) {
		while (d->u.zs.seen < base + in_len && d->u.zs.seen < zt_bound(d))
			zt_feed(d, in[d->u.zs.seen - base], d->u.zs.seen);
		if (d->u.zs.kind == ZT_OPAQUE) {
			/* legacy and skippable frames included: the kernel reads neither */
			*in_used = ib.pos;
			*out_made = ob.pos;
			return dfail(d, IST_BAD_DATA, 0,
				     "not a zstd frame (the kernel's unzstd wants the magic 28 b5 2f fd)");
		}
		uint64_t bound = zt_bound(d);
		size_t limit = bound >= base + in_len ? in_len : (size_t)(bound - base);
		ZSTD_inBuffer lib = { in, limit, ib.pos };
		size_t ip = ib.pos, op = ob.pos;
		rc = ZSTD_decompressStream(d->u.zs.s, &ob, &lib);
		ib.pos = lib.pos;
		d->in_pos += ib.pos - ip;
		if (ZSTD_isError(rc))
			break;
		if (rc == 0) {
			d->done = true; /* one frame decoded and flushed */
			break;
		}
		if (ib.pos != ip || ob.pos != op)
			continue;
		/* no progress: the unit is done if libzstd has all of it */
		if (d->u.zs.kind <= ZT_CHECKSUM && d->u.zs.unit_end && d->in_pos >= d->u.zs.unit_end) {
			zt_next(d);
			continue;
		}
		break; /* needs more input */
	}
	*in_used = ib.pos;
	*out_made = ob.pos;
	if (!ZSTD_isError(rc))
		return IST_OK;
	char name[32];
	const char *unit = zt_unit_name(d, name, sizeof name);
	uint64_t at = d->u.zs.unit_start;
	ZSTD_ErrorCode code = ZSTD_getErrorCode(rc);
	if (code == ZSTD_error_frameParameter_windowTooLarge)
		return dfail(d, IST_LIMIT, at,
			     "%s: %s: the frame's window is over the limit of %llu MiB", unit,
			     ZSTD_getErrorName(rc), (unsigned long long)(d->memlimit >> 20));
	enum ist_status st = code == ZSTD_error_memory_allocation	  ? IST_NO_MEMORY
			     : code == ZSTD_error_parameter_unsupported ? IST_UNSUPPORTED
									  : IST_BAD_DATA;
	return dfail(d, st, at, "%s: %s", unit, ZSTD_getErrorName(rc));
}

/* ---- lzo (lzop) ---------------------------------------------------------------------- */

/*
 * How many header bytes the kernel's parse_header() reads, given the first
 * `have`: the total once known, 0 to say "collect one more", -1 if the
 * bytes so far are no lzop header.
 */
static long lzo_header_size(const uint8_t *h, size_t have, uint16_t *version, uint32_t *flags)
{
	size_t m = have < 9 ? have : 9;
	if (memcmp(h, lzop_magic, m))
		return -1;
	size_t pos = 9 + 7; /* magic, version, lib version, version needed, method */
	if (have < 11)
		return 0;
	*version = (uint16_t)(h[9] << 8 | h[10]);
	if (*version >= 0x0940)
		pos++; /* level */
	if (have < pos + 4)
		return 0;
	*flags = be32(h + pos);
	pos += (*flags & LZOP_H_FILTER) ? 8 : 4;
	pos += 8; /* mode, mtime low */
	if (*version >= 0x0940)
		pos += 4; /* mtime high */
	if (have < pos + 1)
		return 0;
	pos += 1 + h[pos] + 4; /* name length, name, header checksum */
	return (long)pos;
}

static enum ist_status lzo_open(struct dec *d)
{
	if (lzo_init() != LZO_E_OK)
		return dfail(d, IST_UNSUPPORTED, 0, "liblzo2: lzo_init failed");
	d->u.lzo.mode = LZO_HEADER;
	return IST_OK;
}

/* Decompress the current block from `src` into `dst` (LZO_BLOCK_MAX room). */
static enum ist_status lzo_block(struct dec *d, const uint8_t *src, uint8_t *dst)
{
	uint32_t dst_len = d->u.lzo.dst_len, src_len = d->u.lzo.src_len;
	uint64_t at = d->field_at;
	if (src_len == dst_len) {
		memcpy(dst, src, src_len); /* a stored block */
	} else {
		lzo_uint got = dst_len;
		int r = lzo1x_decompress_safe(src, src_len, dst, &got, NULL);
		if (r != LZO_E_OK || got != dst_len)
			return dfail(d, IST_BAD_DATA, at + 12,
				     "corrupt block (lzo1x_decompress_safe: %d, %lu of %u bytes)", r,
				     (unsigned long)got, dst_len);
	}
	uint32_t sum = (d->u.lzo.flags & LZOP_ADLER32_D) ? lzo_adler32(1, dst, dst_len)
							  : lzo_crc32(0, dst, dst_len);
	if (sum != d->u.lzo.check)
		return dfail(d, IST_BAD_DATA, at + 8,
			     "block checksum mismatch: the block says %08x, the data gives %08x (the kernel does not check it)",
			     d->u.lzo.check, sum);
	d->out_pos += dst_len;
	return IST_OK;
}

static enum ist_status lzo_run(struct dec *d, const uint8_t *in, size_t in_len, uint8_t *out,
			       size_t out_len, size_t *in_used, size_t *out_made)
{
	const uint8_t *p = in;
	size_t n = in_len;
	uint8_t *o = out;
	size_t left = out_len;
	enum ist_status st = IST_OK;
	while (!st && !d->done) {
		if (d->u.lzo.mode == LZO_HEADER) {
			uint16_t version = 0;
			uint32_t flags = 0;
			long size = lzo_header_size(d->hdr, d->have, &version, &flags);
			while (size == 0 && n) {
				collect(d, &p, &n, d->have + 1);
				size = lzo_header_size(d->hdr, d->have, &version, &flags);
			}
			if (size < 0) {
				st = dfail(d, IST_BAD_DATA, 0, "bad lzop magic");
				break;
			}
			if (size == 0 || !collect(d, &p, &n, (size_t)size))
				break;
			unsigned dsums = !!(flags & LZOP_ADLER32_D) + !!(flags & LZOP_CRC32_D);
			unsigned csums = !!(flags & LZOP_ADLER32_C) + !!(flags & LZOP_CRC32_C);
			if (flags & LZOP_H_EXTRA_FIELD) {
				st = dfail(d, IST_UNSUPPORTED, version >= 0x0940 ? 17 : 16,
					   "lzop flags 0x%08x: an extra header field, which the kernel's unlzo does not skip",
					   flags);
				break;
			}
			if (dsums != 1 || csums) {
				st = dfail(d, IST_UNSUPPORTED, version >= 0x0940 ? 17 : 16,
					   "lzop flags 0x%08x: the kernel's unlzo expects exactly one checksum (of the decompressed data) per block",
					   flags);
				break;
			}
			d->u.lzo.flags = flags;
			d->have = 0;
			d->u.lzo.mode = LZO_BLOCK_HEAD;
		} else if (d->u.lzo.mode == LZO_BLOCK_HEAD) {
			/* dst_len; if non-zero: src_len and one checksum */
			size_t want = d->have >= 4 && be32(d->hdr) ? 12 : 4;
			if (!collect(d, &p, &n, want))
				break;
			uint32_t dst_len = be32(d->hdr);
			if (!dst_len) {
				d->done = true;
				break;
			}
			if (dst_len > LZO_BLOCK_MAX) {
				st = dfail(d, IST_BAD_DATA, d->field_at,
					   "block of %u bytes over the kernel's 256 KiB", dst_len);
				break;
			}
			if (want == 4)
				continue; /* now collect the rest of the block head */
			uint32_t src_len = be32(d->hdr + 4);
			if (src_len == 0 || src_len > dst_len) {
				st = dfail(d, IST_BAD_DATA, d->field_at + 4,
					   "compressed size %u for a block of %u bytes", src_len,
					   dst_len);
				break;
			}
			d->u.lzo.dst_len = dst_len;
			d->u.lzo.src_len = src_len;
			d->u.lzo.check = be32(d->hdr + 8);
			d->have = 0;
			d->u.lzo.mode = LZO_BLOCK_DATA;
		} else if (d->u.lzo.mode == LZO_BLOCK_DATA) {
			uint32_t src_len = d->u.lzo.src_len, dst_len = d->u.lzo.dst_len;
			const uint8_t *src;
			uint64_t block_at = d->field_at;
			if (d->have == 0 && n >= src_len) {
				src = p; /* whole block in this chunk: use it in place */
				p += src_len;
				n -= src_len;
				d->in_pos += src_len;
			} else {
				if (!d->u.lzo.in && !(d->u.lzo.in = malloc(LZO_BLOCK_MAX))) {
					st = dfail(d, IST_NO_MEMORY, d->in_pos, "out of memory");
					break;
				}
				size_t take = min_sz(src_len - d->have, n);
				if (take)
					memcpy(d->u.lzo.in + d->have, p, take);
				d->have += take;
				p += take;
				n -= take;
				d->in_pos += take;
				if (d->have < src_len)
					break;
				src = d->u.lzo.in;
			}
			d->have = 0;
			d->field_at = block_at;
			if (left >= dst_len) {
				if ((st = lzo_block(d, src, o)))
					break;
				o += dst_len;
				left -= dst_len;
				d->u.lzo.mode = LZO_BLOCK_HEAD;
			} else {
				if (!d->u.lzo.out && !(d->u.lzo.out = malloc(LZO_BLOCK_MAX))) {
					st = dfail(d, IST_NO_MEMORY, d->in_pos, "out of memory");
					break;
				}
				if ((st = lzo_block(d, src, d->u.lzo.out)))
					break;
				d->u.lzo.emitted = 0;
				d->u.lzo.mode = LZO_EMIT;
			}
		} else { /* LZO_EMIT */
			if (!emit(d->u.lzo.out, d->u.lzo.dst_len, &d->u.lzo.emitted, &o, &left))
				break;
			d->u.lzo.mode = LZO_BLOCK_HEAD;
		}
	}
	*in_used = (size_t)(p - in);
	*out_made = (size_t)(o - out);
	return st;
}

/* ---- lz4 (legacy) --------------------------------------------------------------------- */

static enum ist_status lz4_open(struct dec *d)
{
	d->u.lz4.mode = LZ4_MAGIC;
	return IST_OK;
}

static enum ist_status lz4_chunk(struct dec *d, const uint8_t *src, uint8_t *dst, size_t room,
				 size_t *made)
{
	int r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)d->u.lz4.chunk,
				    (int)room);
	if (r < 0)
		return dfail(d, IST_BAD_DATA, d->field_at,
			     "corrupt chunk of %u bytes (LZ4_decompress_safe: %d); a legacy lz4 stream ends only at the end of the file or at 4 NUL bytes, anything else is read as a chunk",
			     d->u.lz4.chunk, r);
	*made = (size_t)r;
	d->out_pos += (size_t)r;
	return IST_OK;
}

static enum ist_status lz4_run(struct dec *d, const uint8_t *in, size_t in_len, uint8_t *out,
			       size_t out_len, size_t *in_used, size_t *out_made)
{
	const uint8_t *p = in;
	size_t n = in_len;
	uint8_t *o = out;
	size_t left = out_len;
	enum ist_status st = IST_OK;
	while (!st && !d->done) {
		if (d->u.lz4.mode == LZ4_MAGIC) {
			if (!collect(d, &p, &n, 4))
				break;
			if (le32(d->hdr) != LZ4_LEGACY_MAGIC) {
				st = dfail(d, IST_BAD_DATA, 0,
					   "not the legacy lz4 format (magic %02x %02x %02x %02x, expected 02 21 4c 18; lz4 -l makes it)",
					   d->hdr[0], d->hdr[1], d->hdr[2], d->hdr[3]);
				break;
			}
			d->have = 0;
			d->u.lz4.mode = LZ4_SIZE;
		} else if (d->u.lz4.mode == LZ4_SIZE) {
			if (d->at_eof) {
				/* end of file: the legacy format's only end */
				bool nul = true;
				for (size_t i = 0; i < d->have; i++)
					nul &= d->hdr[i] == 0;
				if (!nul)
					st = dfail(d, IST_BAD_DATA, d->field_at,
						   "%zu stray bytes at the end of the file after the last chunk",
						   d->have);
				else
					d->done = true;
				break;
			}
			if (!collect(d, &p, &n, 4))
				break;
			uint32_t v = le32(d->hdr);
			d->have = 0;
			if (v == LZ4_LEGACY_MAGIC)
				continue; /* a concatenated legacy stream */
			if (v == 0) {
				d->done = true; /* zero chunk size: NUL padding ends it */
				break;
			}
			if (v > LZ4_CHUNK_IN) {
				st = dfail(d, IST_BAD_DATA, d->field_at,
					   "chunk size %u over %zu (what an 8 MiB chunk compresses to at worst); a legacy lz4 stream ends only at the end of the file or at 4 NUL bytes, anything else is read as a chunk",
					   v, LZ4_CHUNK_IN);
				break;
			}
			d->u.lz4.chunk = v;
			d->u.lz4.mode = LZ4_DATA;
		} else if (d->u.lz4.mode == LZ4_DATA) {
			uint32_t len = d->u.lz4.chunk;
			const uint8_t *src;
			if (d->have == 0 && n >= len) {
				src = p;
				p += len;
				n -= len;
				d->in_pos += len;
			} else {
				if (d->u.lz4.in_cap < len) {
					uint8_t *b = realloc(d->u.lz4.in, len);
					if (!b) {
						st = dfail(d, IST_NO_MEMORY, d->in_pos, "out of memory");
						break;
					}
					d->u.lz4.in = b;
					d->u.lz4.in_cap = len;
				}
				size_t take = min_sz(len - d->have, n);
				if (take)
					memcpy(d->u.lz4.in + d->have, p, take);
				d->have += take;
				p += take;
				n -= take;
				d->in_pos += take;
				if (d->have < len)
					break;
				src = d->u.lz4.in;
			}
			d->have = 0;
			size_t made = 0;
			if (left >= LZ4_CHUNK_OUT) {
				if ((st = lz4_chunk(d, src, o, LZ4_CHUNK_OUT, &made)))
					break;
				o += made;
				left -= made;
				d->u.lz4.mode = LZ4_SIZE;
			} else {
				if (!d->u.lz4.out && !(d->u.lz4.out = malloc(LZ4_CHUNK_OUT))) {
					st = dfail(d, IST_NO_MEMORY, d->in_pos, "out of memory");
					break;
				}
				if ((st = lz4_chunk(d, src, d->u.lz4.out, LZ4_CHUNK_OUT, &made)))
					break;
				d->u.lz4.out_len = made;
				d->u.lz4.emitted = 0;
				d->u.lz4.mode = LZ4_EMIT;
			}
		} else { /* LZ4_EMIT */
			if (!emit(d->u.lz4.out, d->u.lz4.out_len, &d->u.lz4.emitted, &o, &left))
				break;
			d->u.lz4.mode = LZ4_SIZE;
		}
	}
	*in_used = (size_t)(p - in);
	*out_made = (size_t)(o - out);
	return st;
}

/* ---- the ist_decoder glue ------------------------------------------------------------------ */

static enum ist_status dec_run(void *state, const uint8_t *in, size_t in_len, size_t *in_used,
			       uint8_t *out, size_t out_len, size_t *out_made, bool *end,
			       struct ist_error *err)
{
	struct dec *d = state;
	*in_used = 0;
	*out_made = 0;
	*end = d->done;
	enum ist_status st = d->err.status;
	if (!st && !d->done) {
		size_t used = 0, made = 0;
		d->at_eof = !in;
		if (!in) {
			in = no_input; /* no arithmetic on NULL below */
			in_len = 0;
		}
		if (!out) {
			out = no_output;
			out_len = 0;
		}
		switch (d->comp) {
		case IST_COMP_GZIP:
			st = gz_run(d, in, in_len, out, out_len, &used, &made);
			break;
		case IST_COMP_BZIP2:
			st = bz_run(d, in, in_len, out, out_len, &used, &made);
			break;
		case IST_COMP_LZMA:
		case IST_COMP_XZ:
			st = xz_run(d, in, in_len, out, out_len, &used, &made);
			break;
		case IST_COMP_ZSTD:
			st = zs_run(d, in, in_len, out, out_len, &used, &made);
			break;
		case IST_COMP_LZO:
			st = lzo_run(d, in, in_len, out, out_len, &used, &made);
			break;
		case IST_COMP_LZ4:
			st = lz4_run(d, in, in_len, out, out_len, &used, &made);
			break;
		default:
			st = dfail(d, IST_INVALID, 0, "decoder state is corrupt");
			break;
		}
		*in_used = used;
		*out_made = made;
		*end = d->done && !st;
	}
	if (st && err)
		*err = d->err;
	return st;
}

static void dec_release(void *state)
{
	struct dec *d = state;
	if (!d)
		return;
	switch (d->comp) {
	case IST_COMP_GZIP:
		if (d->u.gz.z_init)
			inflateEnd(&d->u.gz.z);
		break;
	case IST_COMP_BZIP2:
		if (d->u.bz.init)
			BZ2_bzDecompressEnd(&d->u.bz.s);
		break;
	case IST_COMP_LZMA:
	case IST_COMP_XZ:
		if (d->u.xz.init)
			lzma_end(&d->u.xz.s);
		break;
	case IST_COMP_ZSTD:
		ZSTD_freeDStream(d->u.zs.s);
		break;
	case IST_COMP_LZO:
		free(d->u.lzo.in);
		free(d->u.lzo.out);
		break;
	case IST_COMP_LZ4:
		free(d->u.lz4.in);
		free(d->u.lz4.out);
		break;
	default:
		break;
	}
	free(d);
}

bool ist_host_decoder_supported(enum ist_compression c)
{
	switch (c) {
	case IST_COMP_GZIP:
	case IST_COMP_BZIP2:
	case IST_COMP_LZMA:
	case IST_COMP_XZ:
	case IST_COMP_LZO:
	case IST_COMP_LZ4:
	case IST_COMP_ZSTD:
		return true;
	case IST_COMP_NONE:
		break;
	}
	return false;
}

enum ist_status ist_host_decoder_open(void *user, enum ist_compression c, struct ist_decoder *d,
				      struct ist_error *err)
{
	const struct ist_host_decoder_opts *opts = user;
	if (!ist_host_decoder_supported(c))
		return ist_fail(err, IST_UNSUPPORTED, 0, "no host decoder for compression %d", (int)c);
	struct dec *s = calloc(1, sizeof *s);
	if (!s)
		return ist_fail(err, IST_NO_MEMORY, 0, "out of memory");
	s->comp = c;
	s->memlimit = opts && opts->memlimit ? opts->memlimit : IST_HOST_DECODER_MEMLIMIT;
	enum ist_status st;
	switch (c) {
	case IST_COMP_GZIP: st = gz_open(s); break;
	case IST_COMP_BZIP2: st = bz_open(s); break;
	case IST_COMP_LZMA:
	case IST_COMP_XZ: st = xz_open(s); break;
	case IST_COMP_ZSTD: st = zs_open(s); break;
	case IST_COMP_LZO: st = lzo_open(s); break;
	case IST_COMP_LZ4: st = lz4_open(s); break;
	default: st = IST_UNSUPPORTED; break;
	}
	if (st) {
		if (err)
			*err = s->err;
		dec_release(s);
		return st;
	}
	d->run = dec_run;
	d->release = dec_release;
	d->state = s;
	return IST_OK;
}
