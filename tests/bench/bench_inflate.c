/*
 * Decompression and CRC-32 throughput: ours (contiguous on one core and
 * on two, windowed),
 * zlib (streaming and one-shot), libdeflate, ISA-L (streaming and
 * one-shot), memcpy. Usage: bench_inflate FILE.gz FILE [RUNS]
 *
 * Every run of every decoder is checked against FILE. Decoders run
 * interleaved (round r runs each decoder once), so that a noisy neighbour
 * slows all of them alike; best and median over the rounds are printed in
 * MB/s of decompressed output (1 MB = 10^6 bytes).
 */
#include <isa-l.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include <initstack/crc32.h>
#include <initstack/inflate.h>
#include <initstack/inflate_split.h>

#include "thread_helper.h"

static uint8_t *gz, *plain, *out;
static size_t gz_len, plain_len;
static uint8_t chunk[1 << 17];
static volatile uint32_t sink;

/*
 * Wall time by default; BENCH_CLOCK=cpu measures the thread's CPU time,
 * which leaves out time a shared machine's hypervisor gives to others.
 */
static clockid_t clock_id = CLOCK_MONOTONIC;

static double now(void)
{
	struct timespec t;
	clock_gettime(clock_id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(*len + 1);
	if (fread(b, 1, *len, f) != *len)
		exit(2);
	fclose(f);
	return b;
}

static void fail(const char *who)
{
	fprintf(stderr, "%s: wrong output\n", who);
	exit(1);
}

static void check_out(const char *who, size_t n)
{
	if (n != plain_len || memcmp(out, plain, plain_len))
		fail(who);
}

static struct ist_inflate state;

static void ours_contiguous(void)
{
	size_t used;
	struct ist_error e;
	ist_inflate_init(&state, IST_INFLATE_GZIP, 0);
	ist_inflate_set_output(&state, out, plain_len + 4096);
	if (ist_inflate_run(&state, gz, gz_len, true, &used, &e) || !ist_inflate_done(&state))
		fail("ours contiguous");
}

static struct ist_inflate_tail tail;

static void ours_two_cores(void)
{
	size_t used;
	struct ist_error e;
	struct thread_helper th;
	struct ist_inflate_helper h = thread_helper(&th);
	ist_inflate_init(&state, IST_INFLATE_GZIP, 0);
	ist_inflate_set_output(&state, out, plain_len + 4096);
	if (ist_inflate_run_split(&state, &tail, &h, gz, gz_len, &used, &e) ||
	    !ist_inflate_done(&state) || !tail.joined)
		fail("ours contiguous, 2 cores");
}

/*
 * Windowed, straight into the consumer's reused 128 KiB buffer, as ISA-L's
 * streaming row writes into its; the gzip trailer (CRC-32, ISIZE) checks
 * the output.
 */
static void ours_windowed(void)
{
	size_t pos = 0, used, total = 0, made;
	struct ist_error e;
	ist_inflate_init(&state, IST_INFLATE_GZIP, IST_INFLATE_WINDOWED);
	for (;;) {
		enum ist_status st = ist_inflate_run_into(&state, gz + pos, gz_len - pos, true, &used,
							  chunk, sizeof chunk, &made, &e);
		pos += used;
		total += made;
		if (st == IST_NO_SPACE)
			continue;
		if (st)
			fail("ours windowed");
		break;
	}
	if (total != plain_len || !ist_inflate_done(&state))
		fail("ours windowed");
}

static void ours_windowed_zero_copy(void)
{
	size_t pos = 0, used, total = 0;
	struct ist_error e;
	ist_inflate_init(&state, IST_INFLATE_GZIP, IST_INFLATE_WINDOWED);
	for (;;) {
		enum ist_status st = ist_inflate_run(&state, gz + pos, gz_len - pos, true, &used, &e);
		pos += used;
		const uint8_t *p;
		size_t k = ist_inflate_pending(&state, &p);
		if (k)
			sink = p[k - 1]; /* the consumer uses the bytes in place */
		total += k;
		ist_inflate_drain(&state, k);
		if (st == IST_NO_SPACE)
			continue;
		if (st)
			fail("ours windowed");
		break;
	}
	if (total != plain_len || !ist_inflate_done(&state))
		fail("ours windowed");
}

static void zlib_stream(void)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	inflateInit2(&z, 31);
	z.next_in = gz;
	z.avail_in = (uInt)gz_len;
	int rc;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		rc = inflate(&z, Z_NO_FLUSH);
	} while (rc == Z_OK);
	if (rc != Z_STREAM_END || z.total_out != plain_len)
		fail("zlib streaming");
	inflateEnd(&z);
}

static void zlib_oneshot(void)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	inflateInit2(&z, 31);
	z.next_in = gz;
	z.avail_in = (uInt)gz_len;
	z.next_out = out;
	z.avail_out = (uInt)(plain_len + 4096);
	if (inflate(&z, Z_FINISH) != Z_STREAM_END)
		fail("zlib one-shot");
	inflateEnd(&z);
}

static struct libdeflate_decompressor *ld;
static void libdeflate_oneshot(void)
{
	size_t n;
	if (libdeflate_gzip_decompress(ld, gz, gz_len, out, plain_len + 4096, &n) || n != plain_len)
		fail("libdeflate");
}

static struct inflate_state isal;
static void isal_stream(void)
{
	isal_inflate_init(&isal);
	isal.crc_flag = ISAL_GZIP;
	isal.next_in = gz;
	isal.avail_in = (uint32_t)gz_len;
	size_t total = 0;
	while (isal.block_state != ISAL_BLOCK_FINISH) {
		isal.next_out = chunk;
		isal.avail_out = sizeof chunk;
		if (isal_inflate(&isal) != ISAL_DECOMP_OK)
			fail("isa-l streaming");
		total += sizeof chunk - isal.avail_out;
		if (!isal.avail_in && isal.avail_out)
			break;
	}
	if (total != plain_len)
		fail("isa-l streaming");
}

static void isal_oneshot(void)
{
	isal_inflate_init(&isal);
	isal.crc_flag = ISAL_GZIP;
	isal.next_in = gz;
	isal.avail_in = (uint32_t)gz_len;
	isal.next_out = out;
	isal.avail_out = (uint32_t)(plain_len + 4096);
	if (isal_inflate(&isal) != ISAL_DECOMP_OK || isal.block_state != ISAL_BLOCK_FINISH)
		fail("isa-l one-shot");
}

static void do_memcpy(void)
{
	memcpy(out, plain, plain_len);
	sink = out[plain_len / 2];
}

static uint32_t cpu;
static void crc_ours(void)
{
	sink = ist_crc32_cpu(cpu, 0, plain, plain_len);
}
/* In cache: 64 KiB, 64 times over (as many bytes as the file, capped). */
static void crc_ours_cached(void)
{
	uint32_t c = 0;
	size_t n = plain_len < (64 << 10) ? plain_len : (64 << 10);
	for (size_t done = 0; done < plain_len; done += n)
		c = ist_crc32_cpu(cpu, c, plain, n);
	sink = c;
}
static void crc_isal_cached(void)
{
	uint32_t c = 0;
	size_t n = plain_len < (64 << 10) ? plain_len : (64 << 10);
	for (size_t done = 0; done < plain_len; done += n)
		c = crc32_gzip_refl(c, plain, n);
	sink = c;
}
static void crc_ours_table(void)
{
	sink = ist_crc32(0, plain, plain_len);
}
static void crc_zlib(void)
{
	sink = (uint32_t)crc32(0, plain, (uInt)plain_len);
}
static void crc_libdeflate(void)
{
	sink = libdeflate_crc32(0, plain, plain_len);
}
static void crc_isal(void)
{
	sink = crc32_gzip_refl(0, plain, plain_len);
}

struct bench {
	const char *name;
	void (*fn)(void);
	int check; /* 1: compare `out` with the plain file after the run */
	double t[64];
};

static int selected(const char *only, const char *name)
{
	if (!only || !*only)
		return 1;
	for (const char *p = only; *p;) {
		size_t n = strcspn(p, "|");
		char want[64];
		if (n && n < sizeof want) {
			memcpy(want, p, n);
			want[n] = 0;
			if (strstr(name, want))
				return 1;
		}
		p += n + (p[n] == '|');
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE.gz FILE [RUNS]\n", argv[0]);
		return 2;
	}
	gz = slurp(argv[1], &gz_len);
	plain = slurp(argv[2], &plain_len);
	int runs = argc > 3 ? atoi(argv[3]) : 7;
	if (runs < 1 || runs > 64)
		runs = 7;
	out = malloc(plain_len + 4096);
	memset(out, 0, plain_len + 4096);
	ld = libdeflate_alloc_decompressor();
	if (!thread_tail_alloc(&tail, plain_len + 4096)) {
		fprintf(stderr, "no memory for the second core's scratch\n");
		return 2;
	}
	cpu = ist_cpu_detect();
	struct bench b[] = {
		{ "ours, contiguous", ours_contiguous, 1, { 0 } },
		{ "ours, windowed (into 128K)", ours_windowed, 0, { 0 } },
		{ "ours, contiguous, 2 cores", ours_two_cores, 1, { 0 } },
		{ "ours, windowed (in the window)", ours_windowed_zero_copy, 0, { 0 } },
		{ "zlib streaming (128K out)", zlib_stream, 0, { 0 } },
		{ "zlib one-shot", zlib_oneshot, 1, { 0 } },
		{ "libdeflate", libdeflate_oneshot, 1, { 0 } },
		{ "ISA-L streaming (128K out)", isal_stream, 0, { 0 } },
		{ "ISA-L one-shot", isal_oneshot, 1, { 0 } },
		{ "memcpy", do_memcpy, 0, { 0 } },
		{ "CRC-32 ours", crc_ours, 0, { 0 } },
		{ "CRC-32 ours, table", crc_ours_table, 0, { 0 } },
		{ "CRC-32 zlib", crc_zlib, 0, { 0 } },
		{ "CRC-32 libdeflate", crc_libdeflate, 0, { 0 } },
		{ "CRC-32 ISA-L", crc_isal, 0, { 0 } },
		{ "CRC-32 ours, 64K in cache", crc_ours_cached, 0, { 0 } },
		{ "CRC-32 ISA-L, 64K in cache", crc_isal_cached, 0, { 0 } },
	};
	size_t nb = sizeof b / sizeof b[0];
	if (ist_crc32_cpu(cpu, 0, plain, plain_len) != (uint32_t)crc32(0, plain, (uInt)plain_len))
		fail("CRC-32");
	/* BENCH_ONLY="a|b" runs only the rows whose names contain a or b (quick experiments). */
	const char *only = getenv("BENCH_ONLY");
	if (getenv("BENCH_CLOCK") && !strcmp(getenv("BENCH_CLOCK"), "cpu"))
		clock_id = CLOCK_THREAD_CPUTIME_ID;
	for (int r = 0; r < runs; r++) {
		for (size_t i = 0; i < nb; i++) {
			if (!selected(only, b[i].name))
				continue;
			if (b[i].check)
				memset(out, 0, 4096);
			double t0 = now();
			b[i].fn();
			b[i].t[r] = now() - t0;
			if (b[i].check)
				check_out(b[i].name, plain_len);
		}
	}
	/*
	 * Ratios best against best and median against median: on a shared
	 * machine one lucky run moves a best by 10 %, a median much less.
	 */
	printf("%-32s %10s %10s   %s\n", "", "best MB/s", "median",
	       "ours/this, best | median (windowed: into 128K)");
	enum { CONT, WIN, TWO, PEER0 = 4, PEER_END = 8, MEMCPY, CRC, CRC_PEER0 = 12, CRC_PEER_END = 14,
	       CRC_CACHED, CRC_ISAL_CACHED };
	double best[64], med[64];
	for (size_t i = 0; i < nb; i++) {
		qsort(b[i].t, (size_t)runs, sizeof(double), cmp_double);
		best[i] = plain_len / 1e6 / b[i].t[0];
		med[i] = plain_len / 1e6 / b[i].t[runs / 2];
	}
	for (size_t i = 0; i < nb; i++) {
		if (!selected(only, b[i].name))
			continue;
		printf("%-32s %10.0f %10.0f", b[i].name, best[i], med[i]);
		if (i >= PEER0 && i <= PEER_END)
			printf("   contiguous %.2fx | %.2fx, 2 cores %.2fx | %.2fx, windowed %.2fx | %.2fx",
			       best[CONT] / best[i], med[CONT] / med[i], best[TWO] / best[i],
			       med[TWO] / med[i], best[WIN] / best[i], med[WIN] / med[i]);
		if (i == TWO)
			printf("   contiguous on one core %.2fx | %.2fx", best[TWO] / best[CONT],
			       med[TWO] / med[CONT]);
		if (i == MEMCPY)
			printf("   contiguous %.3fx", best[CONT] / best[i]);
		if (i >= CRC_PEER0 && i <= CRC_PEER_END)
			printf("   %.2fx | %.2fx", best[CRC] / best[i], med[CRC] / med[i]);
		if (i == CRC_ISAL_CACHED)
			printf("   %.2fx | %.2fx", best[CRC_CACHED] / best[i], med[CRC_CACHED] / med[i]);
		printf("\n");
	}
	printf("(%d interleaved runs; %zu bytes out of %zu in, ratio %.2f)\n", runs, plain_len, gz_len,
	       (double)plain_len / (double)gz_len);
	return 0;
}
