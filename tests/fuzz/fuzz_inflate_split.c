/*
 * Differential fuzz target for the two-core decode: ist_inflate_run_split
 * (the second half run inline) must give exactly what ist_inflate_run gives
 * on the same input -- status, output, input used, message -- wherever the
 * split is tried, whatever the region, the probe and the trial size.
 *
 * Input: byte 0 (bits 0-1 format, bit 2 concatenated gzip members), byte 1
 * where the search starts (in 256ths of the input's bits), byte 2 the trial
 * size (1 + 64 * it), byte 3 the region size (256-byte units, 0 = 1 MiB),
 * byte 4 the probe size beyond the 32 KiB of history (512-byte units), then
 * the stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <initstack/inflate_split.h>

#include "inflate_corpus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ist_inflate one, two, half;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	static const enum ist_inflate_format fmts[4] = { IST_INFLATE_RAW, IST_INFLATE_ZLIB,
							 IST_INFLATE_GZIP, IST_INFLATE_GZIP };
	enum ist_inflate_format fmt = fmts[data[0] & 3];
	uint32_t flags = (data[0] & 4) && fmt == IST_INFLATE_GZIP ? IST_INFLATE_CONCAT : 0;
	size_t region = data[3] ? (size_t)data[3] * 256 : 1u << 20;
	struct ist_inflate_tail t = { .s = &half, .trial = 1 + (size_t)data[2] * 64 };
	t.buf_size = region + IST_INFLATE_HISTORY;
	t.probe_size = IST_INFLATE_HISTORY + (size_t)data[4] * 512;
	uint64_t from = (uint64_t)(size - 5) * 8 * data[1] / 256;
	const uint8_t *in = data + 5;
	size -= 5;

	uint8_t *a = malloc(region), *b = malloc(region);
	t.buf = malloc(t.buf_size);
	t.probe = malloc(t.probe_size);
	struct ist_error ea = { 0 }, eb = { 0 };
	size_t ua = 0, ub = 0;
	ist_inflate_init(&one, fmt, flags);
	ist_inflate_set_output(&one, a, region);
	ist_inflate_init(&two, fmt, flags);
	ist_inflate_set_output(&two, b, region);
	enum ist_status sa = ist_inflate_run(&one, in, size, true, &ua, &ea);
	enum ist_status sb = ist_inflate_run_split_from(&two, &t, &tinf_inline_helper, in, size, from,
							(uint64_t)size * 8, &ub, &eb);
	size_t na = ist_inflate_output_size(&one), nb = ist_inflate_output_size(&two);
	if (sa != sb || na != nb || memcmp(a, b, na) || ist_inflate_done(&one) != ist_inflate_done(&two))
		abort();
	if (sa == IST_OK && ua != ub)
		abort();
	if (sa != IST_OK && sa != IST_NO_SPACE && (ea.offset != eb.offset || strcmp(ea.msg, eb.msg)))
		abort();
	free(a);
	free(b);
	free(t.buf);
	free(t.probe);
	return 0;
}
