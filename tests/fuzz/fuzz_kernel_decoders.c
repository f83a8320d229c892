/*
 * Differential fuzzing of the kernel's zstd and xz decompressors (as the
 * loader builds them, decoders/kernel/) against Debian's libzstd and
 * liblzma, each reading one member the way the kernel does: one zstd frame
 * or one xz stream from the start of the input, anything may follow it.
 *
 * Input: byte 0 picks the format (even: zstd, odd: xz); the rest is the
 * member, whose first two bytes are forced to the format's magic (the
 * archive only hands a decoder a member that starts with it).
 *
 * Where both accept, the output and the bytes consumed must be identical.
 * Where one accepts and the other refuses, the difference must be one of
 * the known ones below; anything else aborts.
 *
 * Known differences (the kernel refuses, the library accepts):
 *   xz   a check type other than none and CRC32 (CRC64, SHA-256, reserved
 *        IDs): the kernel's xz supports only those two ("Input was encoded
 *        with settings that are not supported by this XZ decoder").
 *   xz   filters other than LZMA2 with an optional x86 BCJ before it
 *        (delta, the other BCJ filters, more than two filters, a BCJ start
 *        offset): Debian's kernel has CONFIG_XZ_DEC_X86 only, and the
 *        kernel's BCJ decoder takes no start offset. Same message.
 *   zstd a frame without a content checksum whose entropy-coded data
 *        (Huffman literals, FSE sequences) is corrupt: the kernel's zstd is
 *        1.4.10 (Linux 6.1), Debian's libzstd 1.5.4, and the two notice
 *        different corruptions there; without the checksum, the one that
 *        does not notice decodes garbage. Known when the frame has no
 *        checksum and the side that refuses calls the data corrupt; either
 *        way round. (With a checksum both must agree.)
 * The library refuses, the kernel accepts: the zstd case above, and
 *   xz   an LZMA chunk whose range coder's first byte is not 0 (the format
 *        says 0; liblzma refuses, "Compressed data is corrupt"; the
 *        kernel's rc_read_init shifts the byte out unread). Known when the
 *        stream with those bytes zeroed decodes in liblzma to the kernel's
 *        output. Found by this target in CI.
 *
 * Not compared, because they are limits of this harness rather than of
 * either decoder: inputs whose output passes 16 MiB, and inputs where
 * either side runs out of its 64 MiB of memory (the kernel decoders'
 * allocator below fails larger requests; libzstd's window and liblzma's
 * memory limit are set to match).
 */
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#include "kernel_decoders.h"

#define OUT_CAP (16u << 20)
#define MEM_CAP (64u << 20)

/* The kernel decoders' memory, capped (this replaces host_alloc.c). */
void *ist_kernel_alloc(size_t size)
{
	return size > MEM_CAP ? NULL : malloc(size);
}

void ist_kernel_free(void *p)
{
	free(p);
}

struct out {
	uint8_t *p;
	size_t len;
	bool capped;
};

static int collect(void *user, const uint8_t *p, size_t n)
{
	struct out *o = user;
	if (o->len + n > OUT_CAP) {
		o->capped = true;
		return 1;
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
	return 0;
}

struct ref {
	bool ok, nomem, capped;
	bool corrupt; /* zstd: the library called the data corrupt */
	size_t used;
	struct out out;
	char why[200];
};

static void ref_zstd(const uint8_t *in, size_t len, struct ref *r)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	if (!z)
		abort();
	/* the kernel takes windows up to 2^31; the harness caps memory */
	ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 26);
	ZSTD_inBuffer ib = { in, len, 0 };
	static uint8_t buf[1 << 17];
	for (;;) {
		ZSTD_outBuffer ob = { buf, sizeof buf, 0 };
		size_t ret = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(ret)) {
			ZSTD_ErrorCode code = ZSTD_getErrorCode(ret);
			r->nomem = code == ZSTD_error_frameParameter_windowTooLarge ||
				   code == ZSTD_error_memory_allocation;
			r->corrupt = code == ZSTD_error_corruption_detected ||
				     code == ZSTD_error_dstSize_tooSmall;
			snprintf(r->why, sizeof r->why, "%s", ZSTD_getErrorName(ret));
			break;
		}
		if (ob.pos && collect(&r->out, buf, ob.pos)) {
			r->capped = true;
			break;
		}
		if (ret == 0) {
			r->ok = true;
			r->used = ib.pos;
			break;
		}
		if (ib.pos == ib.size && ob.pos < ob.size) {
			snprintf(r->why, sizeof r->why, "truncated");
			break;
		}
	}
	ZSTD_freeDStream(z);
}

static void ref_xz(const uint8_t *in, size_t len, struct ref *r)
{
	lzma_stream s = LZMA_STREAM_INIT;
	/* one stream, no concatenation: the kernel's xz stops after one */
	if (lzma_stream_decoder(&s, MEM_CAP, 0) != LZMA_OK)
		abort();
	s.next_in = in;
	s.avail_in = len;
	static uint8_t buf[1 << 17];
	for (;;) {
		s.next_out = buf;
		s.avail_out = sizeof buf;
		lzma_ret ret = lzma_code(&s, LZMA_FINISH);
		size_t made = sizeof buf - s.avail_out;
		if (made && collect(&r->out, buf, made)) {
			r->capped = true;
			break;
		}
		if (ret == LZMA_STREAM_END) {
			r->ok = true;
			r->used = len - s.avail_in;
			break;
		}
		if (ret != LZMA_OK) {
			r->nomem = ret == LZMA_MEMLIMIT_ERROR || ret == LZMA_MEM_ERROR;
			snprintf(r->why, sizeof r->why, "lzma_code %d", (int)ret);
			break;
		}
	}
	lzma_end(&s);
}

/*
 * The kernel refused what liblzma accepted: known if the stream's check
 * type or one of its blocks' filter chains is outside what the kernel's xz
 * supports (see the top of this file).
 */
static bool xz_known_refusal(const uint8_t *in, size_t len)
{
	lzma_stream_flags flags;
	if (len < LZMA_STREAM_HEADER_SIZE || lzma_stream_header_decode(&flags, in) != LZMA_OK)
		return false;
	if (flags.check != LZMA_CHECK_NONE && flags.check != LZMA_CHECK_CRC32)
		return true;
	/* walk the blocks with liblzma's own parsers */
	size_t pos = LZMA_STREAM_HEADER_SIZE;
	while (pos < len && in[pos] != 0) { /* 0: the index */
		lzma_filter filters[LZMA_FILTERS_MAX + 1];
		lzma_block block = { .version = 0, .check = flags.check, .filters = filters };
		block.header_size = lzma_block_header_size_decode(in[pos]);
		if (pos + block.header_size > len ||
		    lzma_block_header_decode(&block, NULL, in + pos) != LZMA_OK)
			return false;
		bool known = false;
		size_t n = 0;
		while (filters[n].id != LZMA_VLI_UNKNOWN)
			n++;
		if (n > 2 || (n == 2 && filters[0].id != LZMA_FILTER_X86) ||
		    filters[n - 1].id != LZMA_FILTER_LZMA2)
			known = true;
		if (n == 2 && filters[0].id == LZMA_FILTER_X86 && filters[0].options &&
		    ((lzma_options_bcj *)filters[0].options)->start_offset != 0)
			known = true;
		for (size_t i = 0; i < n; i++)
			free(filters[i].options);
		if (known)
			return true;
		/* to the next block: header, compressed data, padding, check */
		lzma_vli unpadded = lzma_block_unpadded_size(&block);
		if (block.compressed_size == LZMA_VLI_UNKNOWN || unpadded == 0)
			return false; /* size only in the index: stop walking */
		size_t csize = (size_t)((unpadded + 3) & ~(lzma_vli)3);
		if (csize > len - pos)
			return false;
		pos += csize;
	}
	return false;
}

/*
 * The kernel accepted what liblzma called corrupt: known if the only fault
 * is an LZMA chunk whose range coder starts with a byte other than 0. The
 * format requires 0 there and liblzma checks it; the kernel's rc_read_init
 * (lib/xz/xz_dec_lzma2.c) shifts that byte out of its 32-bit code unread,
 * so it cannot change the output. Known when the same stream with those
 * bytes set to 0 is accepted by liblzma, with the kernel's output and
 * length.
 */
static bool xz_known_acceptance(const uint8_t *in, size_t len, const struct out *kout,
				size_t kused)
{
	lzma_stream_flags flags;
	if (len < LZMA_STREAM_HEADER_SIZE || lzma_stream_header_decode(&flags, in) != LZMA_OK)
		return false;
	uint8_t *fixed = malloc(len);
	if (!fixed)
		abort();
	memcpy(fixed, in, len);
	bool patched = false, known = false;
	size_t pos = LZMA_STREAM_HEADER_SIZE;
	while (pos < len && fixed[pos] != 0) { /* 0: the index */
		size_t q = pos + lzma_block_header_size_decode(fixed[pos]);
		/* the block's LZMA2 chunks, to the end marker 0x00 */
		while (q < len && fixed[q] != 0) {
			uint8_t c = fixed[q];
			if (c == 1 || c == 2) { /* uncompressed chunk */
				if (len - q < 3)
					goto out;
				q += 3 + (((size_t)fixed[q + 1] << 8 | fixed[q + 2]) + 1);
				continue;
			}
			if (c < 0x80)
				goto out;
			size_t hdr = c >= 0xc0 ? 6 : 5; /* control, sizes, [properties] */
			if (len - q <= hdr)
				goto out;
			if (fixed[q + hdr]) {
				fixed[q + hdr] = 0;
				patched = true;
			}
			q += hdr + (((size_t)fixed[q + 3] << 8 | fixed[q + 4]) + 1);
		}
		if (q >= len)
			goto out;
		q++;                                     /* the end marker */
		q = pos + ((q - pos + 3) & ~(size_t)3);  /* block padding */
		q += lzma_check_size(flags.check);
		pos = q;
	}
	if (patched) {
		static uint8_t buf[OUT_CAP];
		struct ref r = { .out = { buf, 0, false } };
		ref_xz(fixed, len, &r);
		known = r.ok && r.used == kused && r.out.len == kout->len &&
			!memcmp(r.out.p, kout->p, kout->len);
	}
out:
	free(fixed);
	return known;
}

/* The frame header's Content_Checksum_flag (the input starts with the magic). */
static bool zstd_has_checksum(const uint8_t *in, size_t len)
{
	return len > 4 && (in[4] & 0x04);
}

/* A difference in what corruption each zstd notices (see the top). */
static bool zstd_known_difference(const uint8_t *in, size_t len, enum ist_status kst,
				  const struct ist_error *err, const struct ref *r)
{
	if (zstd_has_checksum(in, len))
		return false;
	if (kst == IST_OK)
		return r->corrupt;
	return kst == IST_BAD_DATA && strstr(err->msg, "ZSTD-compressed data is") &&
	       strstr(err->msg, "corrupt");
}

static void broken(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_kernel_decoders: ");
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\n");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	enum ist_compression c = data[0] & 1 ? IST_COMP_XZ : IST_COMP_ZSTD;
	size_t len = size - 1;
	uint8_t *in = malloc(len);
	if (!in)
		abort();
	memcpy(in, data + 1, len);
	if (c == IST_COMP_ZSTD)
		in[0] = 0x28, in[1] = 0xb5;
	else
		in[0] = 0xfd, in[1] = 0x37;

	static uint8_t kbuf[OUT_CAP], rbuf[OUT_CAP];
	struct out kout = { kbuf, 0, false };
	struct ist_error err = { 0 };
	size_t kused = 0;
	enum ist_status st = ist_kernel_decompress(c, in, len, &kused, collect, &kout, &err);
	struct ref r = { .out = { rbuf, 0, false } };
	if (c == IST_COMP_ZSTD)
		ref_zstd(in, len, &r);
	else
		ref_xz(in, len, &r);

	const char *name = ist_compression_name(c);
	static int verbose = -1;
	if (verbose < 0)
		verbose = getenv("FUZZ_KERNEL_DECODERS_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "%s: kernel %s (%zu bytes in, %zu out): %s; library %s (%zu in, %zu out) %s\n",
			name, ist_status_name(st), kused, kout.len, err.msg, r.ok ? "ok" : "refuses",
			r.used, r.out.len, r.why);
	bool skip = kout.capped || r.capped || r.out.capped || st == IST_NO_MEMORY || r.nomem;
	if (!skip) {
		if (st == IST_OK && r.ok) {
			if (kused != r.used)
				broken("%s: both accept, but consume different lengths%s", name, "");
			if (kout.len != r.out.len || memcmp(kout.p, r.out.p, kout.len))
				broken("%s: both accept, but the outputs differ%s", name, "");
		} else if (st == IST_OK) {
			if (!(c == IST_COMP_ZSTD && zstd_known_difference(in, len, st, &err, &r)) &&
			    !(c == IST_COMP_XZ && xz_known_acceptance(in, len, &kout, kused)))
				broken("%s: the kernel accepts, the library refuses: %s", name, r.why);
		} else if (r.ok) {
			if (!(c == IST_COMP_XZ && xz_known_refusal(in, len)) &&
			    !(c == IST_COMP_ZSTD && zstd_known_difference(in, len, st, &err, &r)))
				broken("%s: the library accepts, the kernel refuses: %s", name, err.msg);
		}
	}
	free(in);
	return 0;
}
