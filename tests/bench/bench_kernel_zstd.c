/*
 * `make bench`: the kernel's zstd (decoders/kernel/, as the loader runs it:
 * unzstd with a flush callback, 128 KiB at a time) against Debian's libzstd
 * streaming into 128 KiB and one-shot, on one core, interleaved runs.
 *
 *   bench_kernel_zstd FILE.zst FILE [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "kernel_decoders.h"

static uint8_t *zin, *plain, *out;
static size_t zin_len, plain_len;
static uint8_t chunk[1 << 17];
static volatile uint32_t sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END)) {
		perror(path);
		exit(2);
	}
	long n = ftell(f);
	rewind(f);
	uint8_t *p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* The first run of each row checks its output against the file. */
static size_t checked_at;
static bool checking;

static int consume(void *user, const uint8_t *p, size_t n)
{
	(void)user;
	if (checking) {
		if (checked_at + n > plain_len || memcmp(plain + checked_at, p, n)) {
			fprintf(stderr, "wrong output at %zu\n", checked_at);
			exit(1);
		}
		checked_at += n;
	}
	sink += p[0];
	return 0;
}

static void kernel_zstd(void)
{
	size_t used;
	struct ist_error err = { 0 };
	if (ist_kernel_decompress(IST_COMP_ZSTD, zin, zin_len, &used, consume, NULL, &err)) {
		fprintf(stderr, "kernel zstd: %s\n", err.msg);
		exit(1);
	}
}

static ZSTD_DCtx *dctx;

static void libzstd_stream(void)
{
	ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
	ZSTD_inBuffer ib = { zin, zin_len, 0 };
	for (;;) {
		ZSTD_outBuffer ob = { chunk, sizeof chunk, 0 };
		size_t r = ZSTD_decompressStream(dctx, &ob, &ib);
		if (ZSTD_isError(r)) {
			fprintf(stderr, "libzstd: %s\n", ZSTD_getErrorName(r));
			exit(1);
		}
		if (ob.pos)
			consume(NULL, chunk, ob.pos);
		if (!r)
			break;
	}
}

static void libzstd_oneshot(void)
{
	size_t r = ZSTD_decompressDCtx(dctx, out, plain_len, zin, zin_len);
	if (ZSTD_isError(r) || r != plain_len) {
		fprintf(stderr, "libzstd one-shot: %s\n", ZSTD_isError(r) ? ZSTD_getErrorName(r) : "size");
		exit(1);
	}
	if (checking)
		consume(NULL, out, plain_len);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE.zst FILE [RUNS]\n", argv[0]);
		return 2;
	}
	zin = slurp(argv[1], &zin_len);
	plain = slurp(argv[2], &plain_len);
	int runs = argc > 3 ? atoi(argv[3]) : 7;
	if (runs < 1 || runs > 64)
		runs = 7;
	out = malloc(plain_len + 1);
	dctx = ZSTD_createDCtx();
	ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 31);
	struct {
		const char *name;
		void (*fn)(void);
		double t[64];
	} b[] = {
		{ "kernel zstd (unzstd, 128K out)", kernel_zstd, { 0 } },
		{ "libzstd streaming (128K out)", libzstd_stream, { 0 } },
		{ "libzstd one-shot", libzstd_oneshot, { 0 } },
	};
	size_t nb = sizeof b / sizeof b[0];
	for (int r = 0; r < runs; r++)
		for (size_t i = 0; i < nb; i++) {
			checking = r == 0;
			checked_at = 0;
			double t0 = now();
			b[i].fn();
			b[i].t[r] = now() - t0;
			if (checking && checked_at != plain_len) {
				fprintf(stderr, "%s: short output\n", b[i].name);
				return 1;
			}
		}
	printf("%-32s %10s %10s   %s\n", "", "best MB/s", "median", "kernel/this, best | median");
	double best[8], med[8];
	for (size_t i = 0; i < nb; i++) {
		qsort(b[i].t, (size_t)runs, sizeof(double), cmp_double);
		/* the first (checking) run is in the sort too: it is never the best */
		best[i] = plain_len / 1e6 / b[i].t[0];
		med[i] = plain_len / 1e6 / b[i].t[runs / 2];
		printf("%-32s %10.0f %10.0f", b[i].name, best[i], med[i]);
		if (i)
			printf("   %.2fx | %.2fx", best[0] / best[i], med[0] / med[i]);
		printf("\n");
	}
	printf("(%d interleaved runs; %zu bytes out of %zu in, ratio %.2f)\n", runs, plain_len,
	       zin_len, (double)plain_len / (double)zin_len);
	return 0;
}
