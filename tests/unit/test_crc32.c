/*
 * CRC-32 (table, PCLMULQDQ and 256-bit VPCLMULQDQ folding, whichever this
 * CPU has) and Adler-32 against zlib, for every
 * length up to a few KiB at every alignment, pieces of any size, and the
 * published check values.
 */
#include <stdlib.h>
#include <zlib.h>

#include <initstack/crc32.h>

#include "check.h"

static uint8_t *buf;
#define BUF 70000

static void test_check_values(void)
{
	CHECK_EQ_U(ist_crc32(0, "123456789", 9), 0xcbf43926);
	CHECK_EQ_U(ist_crc32_cpu(ist_cpu_detect(), 0, "123456789", 9), 0xcbf43926);
	CHECK_EQ_U(ist_adler32(1, "123456789", 9), 0x091e01de);
	CHECK_EQ_U(ist_crc32(0, NULL, 0), 0);
	CHECK_EQ_U(ist_adler32(1, NULL, 0), 1);
	CHECK_EQ_U(ist_crc32(0x1234, NULL, 0), 0x1234);
}

static void test_crc32_vs_zlib(void)
{
	uint32_t cpu = ist_cpu_detect();
	printf("# cpu features 0x%x\n", cpu);
	unsigned bad = 0;
	for (size_t len = 0; len < 3000; len += len < 300 ? 1 : 41) {
		for (size_t off = 0; off < 16; off += (len < 300 ? 5 : 1)) {
			uint32_t seed = (uint32_t)(len * 2654435761u);
			uint32_t want = (uint32_t)crc32(seed, buf + off, (uInt)len);
			if (ist_crc32(seed, buf + off, len) != want)
				bad++;
			if (ist_crc32_cpu(cpu, seed, buf + off, len) != want)
				bad++;
			if (ist_crc32_cpu(0, seed, buf + off, len) != want)
				bad++;
			/* 128-bit folding alone, also for lengths the 256-bit code takes */
			if (ist_crc32_cpu(cpu & IST_CPU_PCLMUL, seed, buf + off, len) != want)
				bad++;
		}
	}
	CHECK_EQ_U(bad, 0);
	uint32_t want = (uint32_t)crc32(0, buf, BUF);
	CHECK_EQ_U(ist_crc32_cpu(cpu, 0, buf, BUF), want);
	/* In pieces. */
	uint32_t c = 0;
	for (size_t pos = 0, k = 1; pos < BUF; pos += k, k = k * 3 % 5000 + 1)
		c = ist_crc32_cpu(cpu, c, buf + pos, k < BUF - pos ? k : BUF - pos);
	CHECK_EQ_U(c, want);
}

static void test_adler32_vs_zlib(void)
{
	unsigned bad = 0;
	for (size_t len = 0; len < 20000; len += len < 300 ? 1 : 997)
		for (size_t off = 0; off < 4; off++)
			if (ist_adler32(7, buf + off, len) != (uint32_t)adler32(7, buf + off, (uInt)len))
				bad++;
	CHECK_EQ_U(bad, 0);
	/* All 0xff bytes: the sums reach their worst case before reduction. */
	uint8_t *ff = malloc(BUF);
	memset(ff, 0xff, BUF);
	CHECK_EQ_U(ist_adler32(0xfff0fff0, ff, BUF), (uint32_t)adler32(0xfff0fff0, ff, BUF));
	free(ff);
}

int main(void)
{
	buf = malloc(BUF + 16);
	unsigned s = 1;
	for (size_t i = 0; i < BUF + 16; i++) {
		s = s * 1103515245u + 12345u;
		buf[i] = (uint8_t)(s >> 16);
	}
	RUN(test_check_values);
	RUN(test_crc32_vs_zlib);
	RUN(test_adler32_vs_zlib);
	free(buf);
	return check_done();
}
