/*
 * Fuzz the host decoders through the ist_decoder contract.
 *
 * Input: byte 0 picks the format (gzip, bzip2, lzma, xz, lzo, lz4, zstd),
 * byte 1 the input chunk size (0: all at once), byte 2 the output space
 * (0: 64 KiB), the rest is the member. The driver calls run() as
 * ist_archive does, makes the end-of-file call, and aborts on any breach
 * of the contract: more consumed or produced than offered, a call that
 * neither consumes nor produces with input and space left, an error
 * without an "offset N: " message, progress after an error or the end.
 * The member is then decoded again whole, into a large space: the outcome
 * (status, message, bytes consumed and produced) must be the same.
 * Output is capped at 16 MiB (decompression bombs stop there) and the
 * decoders' memory at 64 MiB (huge dictionaries are IST_LIMIT).
 */
#include "library_decoders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_CAP (16u << 20)

struct outcome {
	enum ist_status st;
	bool end, capped;
	size_t used, made;
	char msg[IST_ERROR_MSG];
};

static void broken(const char *why, enum ist_compression c)
{
	fprintf(stderr, "fuzz_decoders: %s: %s\n", ist_compression_name(c), why);
	abort();
}

static void decode(enum ist_compression c, const uint8_t *in, size_t len, size_t in_chunk,
		   size_t out_space, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	struct ist_decoder d;
	struct ist_error err = { 0 };
	struct ist_host_decoder_opts opts = { .memlimit = 64u << 20 };
	if (ist_host_decoder_open(&opts, c, &d, &err))
		broken("open failed", c);
	uint8_t *out = malloc(out_space);
	if (!out)
		abort();
	size_t pos = 0;
	bool at_eof = false;
	for (;;) {
		size_t offered = at_eof ? 0 : (in_chunk < len - pos ? in_chunk : len - pos);
		size_t used = 0, made = 0;
		bool end = false;
		memset(&err, 0, sizeof err);
		enum ist_status st = d.run(d.state, at_eof ? NULL : in + pos, offered, &used, out,
					   out_space, &made, &end, &err);
		if (used > offered || made > out_space)
			broken("overran its buffers", c);
		pos += used;
		o->made += made;
		if (st) {
			if (strncmp(err.msg, "offset ", 7) || err.status != st)
				broken("error without a proper record", c);
			o->st = st;
			snprintf(o->msg, sizeof o->msg, "%s", err.msg);
			/* sticky: the same error, no progress */
			size_t u2 = 0, m2 = 0;
			bool e2 = false;
			struct ist_error err2 = { 0 };
			if (d.run(d.state, in + pos, len - pos, &u2, out, out_space, &m2, &e2, &err2) != st ||
			    u2 || m2 || e2)
				broken("error is not sticky", c);
			break;
		}
		if (end) {
			o->end = true;
			size_t u2 = 0, m2 = 0;
			bool e2 = false;
			if (d.run(d.state, in + pos, len - pos, &u2, out, out_space, &m2, &e2, &err) ||
			    u2 || m2 || !e2)
				broken("progress after the end", c);
			break;
		}
		if (o->made > OUT_CAP) {
			o->capped = true;
			break;
		}
		if (made == out_space)
			continue;
		if (at_eof)
			break;
		if (pos == len) {
			at_eof = true;
			continue;
		}
		if (!used && !made)
			broken("no progress", c);
	}
	o->used = pos;
	free(out);
	d.release(d.state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	enum ist_compression c = (enum ist_compression)(IST_COMP_GZIP + data[0] % 7);
	size_t in_chunk = data[1] ? data[1] : SIZE_MAX;
	size_t out_space = data[2] ? (size_t)data[2] * 7 : 65536;
	struct outcome a, b;
	decode(c, data + 3, size - 3, in_chunk, out_space, &a);
	decode(c, data + 3, size - 3, SIZE_MAX, 1 << 20, &b);
	if (a.capped || b.capped)
		return 0;
	if (a.st != b.st || a.end != b.end || strcmp(a.msg, b.msg) ||
	    (!a.st && (a.used != b.used || a.made != b.made))) {
		fprintf(stderr, "chunked: %s end %d used %zu made %zu: %s\n", ist_status_name(a.st),
			a.end, a.used, a.made, a.msg);
		fprintf(stderr, "whole:   %s end %d used %zu made %zu: %s\n", ist_status_name(b.st),
			b.end, b.used, b.made, b.msg);
		broken("the outcome depends on the chunking", c);
	}
	return 0;
}
