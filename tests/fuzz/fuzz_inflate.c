/*
 * Hostile-input fuzz target: the decoder may never read outside its input
 * or write outside its output region. Both are placed so that they end at
 * a PROT_NONE guard page; an access past the end faults (under ASan too).
 * ist_gzip_size_guess reads the same input's tail, and for a gzip file of
 * one member that decodes whole to more than the file it must give that
 * member's size or none.
 *
 * Input: byte 0 (bits 0-1 format, bit 2 one byte per call, bit 3
 * windowed, bit 4 concatenated gzip members, bit 5 baseline fast loop),
 * byte 1 the output region size in 256-byte units (contiguous), byte 2 a
 * ratio limit (0 = none), then the stream.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <initstack/inflate.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* `len` bytes ending exactly at a guard page; *base_ret for unmapping. */
static uint8_t *guarded(size_t len, void **base_ret, size_t *map_len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = (len + page - 1) / page + 1;
	uint8_t *base = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);
	if (base == MAP_FAILED)
		abort();
	mprotect(base + (pages - 1) * page, page, PROT_NONE);
	*base_ret = base;
	*map_len = pages * page;
	return base + (pages - 1) * page - len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	uint8_t ctl = data[0];
	size_t out_size = (size_t)data[1] * 256 + (data[1] & 1) * 37;
	uint32_t ratio = data[2];
	data += 3;
	size -= 3;
	static const enum ist_inflate_format fmts[4] = { IST_INFLATE_RAW, IST_INFLATE_ZLIB,
							 IST_INFLATE_GZIP, IST_INFLATE_GZIP };
	enum ist_inflate_format fmt = fmts[ctl & 3];
	uint32_t flags = 0;
	if (ctl & 8)
		flags |= IST_INFLATE_WINDOWED;
	if ((ctl & 16) && fmt == IST_INFLATE_GZIP)
		flags |= IST_INFLATE_CONCAT;
	/* windowed straight into the guarded buffer, reused each call */
	bool into = (flags & IST_INFLATE_WINDOWED) && (ctl & 64) && out_size;

	void *in_map, *out_map;
	size_t in_map_len, out_map_len;
	uint8_t *in = guarded(size, &in_map, &in_map_len);
	memcpy(in, data, size);
	uint8_t *out = guarded(out_size, &out_map, &out_map_len);

	struct ist_inflate *s = malloc(sizeof *s);
	if (ist_inflate_init(s, fmt, flags) != IST_OK)
		abort();
	if (ctl & 32)
		s->cpu = 0;
	if (ratio)
		ist_inflate_set_limit(s, ratio, 64);
	if (!(flags & IST_INFLATE_WINDOWED) && ist_inflate_set_output(s, out, out_size) != IST_OK)
		abort();
	size_t pos = 0;
	struct ist_error err;
	for (unsigned calls = 0; calls < 1000000; calls++) {
		size_t n = (ctl & 4) ? (size - pos > 0) : size - pos, used = 99;
		bool last = pos + n == size;
		size_t made = 0;
		enum ist_status st =
			into ? ist_inflate_run_into(s, in + pos, n, last, &used, out, out_size, &made, &err) :
			       ist_inflate_run(s, in + pos, n, last, &used, &err);
		if (used > n || made > out_size)
			abort();
		volatile uint8_t touch = 0;
		for (size_t i = 0; i < made; i++)
			touch ^= out[i];
		(void)touch;
		pos += used;
		if (flags & IST_INFLATE_WINDOWED) {
			const uint8_t *p;
			size_t k = ist_inflate_pending(s, &p);
			/* touch every pending byte */
			volatile uint8_t sink = 0;
			for (size_t i = 0; i < k; i++)
				sink ^= p[i];
			(void)sink;
			ist_inflate_drain(s, k);
		}
		if (ist_inflate_output_size(s) > out_size)
			abort();
		if (st == IST_NO_SPACE) {
			if (flags & IST_INFLATE_WINDOWED)
				continue;
			break;
		}
		if (st != IST_OK) {
			if (err.status != st || !err.msg[0])
				abort();
			/* sticky */
			struct ist_error e2;
			if (ist_inflate_run(s, in + pos, size - pos, true, &used, &e2) != st ||
			    strcmp(e2.msg, err.msg))
				abort();
			break;
		}
		if (ist_inflate_done(s) || (last && used == n && n == 0))
			break;
	}
	/*
	 * A whole file of one member that decodes to more than itself: the
	 * region guess is exact, or there is none. One that decodes to less
	 * has an ISIZE the guess turns down, and its zeros may let a shifted
	 * reading through: a guess that errs high, within 16x the file.
	 */
	size_t tail = size < 4096 ? size : 4096;
	uint64_t guess = ist_gzip_size_guess(in + size - tail, tail, size);
	if (fmt == IST_INFLATE_GZIP && !(flags & IST_INFLATE_CONCAT) && ist_inflate_done(s) &&
	    ist_inflate_total_in(s) == size && guess && guess != ist_inflate_total_out(s) &&
	    (ist_inflate_total_out(s) > size || guess > 16 * (uint64_t)size))
		abort();
	free(s);
	munmap(in_map, in_map_len);
	munmap(out_map, out_map_len);
	return 0;
}
