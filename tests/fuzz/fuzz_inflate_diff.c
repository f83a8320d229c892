/*
 * Differential fuzz target: our decoder against zlib on the same bytes.
 * Both must accept or both reject; on acceptance the output and the number
 * of input bytes used must be identical.
 *
 * Input: byte 0 picks the run (bits 0-1 format: raw, zlib, gzip, gzip;
 * bits 2-3 input chunking: whole, bytes, random; bit 4 windowed output;
 * bit 5 the baseline fast loop instead of BMI2), the rest is the stream.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <initstack/inflate.h>

#include "inflate_corpus.h"

#define OUT_CAP (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t ctl = data[0];
	data++;
	size--;
	static const enum ist_inflate_format fmts[4] = { IST_INFLATE_RAW, IST_INFLATE_ZLIB,
							 IST_INFLATE_GZIP, IST_INFLATE_GZIP };
	static const int wbits[4] = { -15, 15, 31, 31 };
	enum ist_inflate_format fmt = fmts[ctl & 3];

	/* zlib, one call with a bounded output */
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, wbits[ctl & 3]) != Z_OK)
		abort();
	uint8_t *zout = malloc(OUT_CAP);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)size;
	z.next_out = zout;
	z.avail_out = OUT_CAP;
	int zrc = inflate(&z, Z_FINISH);
	bool z_ok = zrc == Z_STREAM_END;
	bool z_capped = z.avail_out == 0 && !z_ok;
	size_t zlen = z.total_out, zin = z.total_in;
	inflateEnd(&z);

	struct tinf_opts o = { .chunk = (enum tinf_chunk)((ctl >> 2) & 3) % 3,
			       .windowed = (ctl >> 4) & 1,
			       .generic = (ctl >> 5) & 1,
			       .out_initial = 1 + (ctl >> 6) * 1000,
			       /* windowed: into buffers of up to 3001, 6002, 9003 bytes, or drained */
			       .into = (size_t)(ctl >> 6) * 3001,
			       .seed = ctl };
	struct tinf_result r;
	tinf_decode(fmt, data, size, &o, &r);
	bool ours_ok = r.status == IST_OK && r.done;
	if (!z_capped && r.out_len <= OUT_CAP) {
		if (ours_ok != z_ok) {
			fprintf(stderr, "accept/reject differ: zlib %d (%s), ours %s (%s)\n", zrc,
				z.msg ? z.msg : "", ist_status_name(r.status), r.err.msg);
			abort();
		}
		if (z_ok && (r.out_len != zlen || memcmp(r.out, zout, zlen) || r.in_used != zin)) {
			fprintf(stderr, "output differs: zlib %zu bytes from %zu, ours %zu from %zu\n",
				zlen, zin, r.out_len, r.in_used);
			abort();
		}
	}
	if (!ours_ok && r.status != IST_OK && r.err.msg[0] == 0 && r.status != IST_NO_SPACE) {
		fprintf(stderr, "error %s without a message\n", ist_status_name(r.status));
		abort();
	}
	tinf_free(&r);
	free(zout);
	return 0;
}
