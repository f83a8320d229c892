/*
 * The arm64 CRC-32 (crc32_arm64.c, cpu_arm64.c) against the portable table
 * code, which tests/unit/test_crc32.c checks against zlib: every length up
 * to a few KiB at every alignment, pieces, and the check value. Built with
 * aarch64-linux-gnu-gcc -static and run under qemu-aarch64-static by
 * tests/cross/arm64.sh. Argument 1: the CPU has the CRC32 instructions.
 */
#include <stdio.h>
#include <stdlib.h>

#include <initstack/crc32.h>

static unsigned failed, passed;

static void expect(int cond, const char *what)
{
	if (cond) {
		passed++;
	} else {
		failed++;
		printf("not ok - %s\n", what);
	}
}

int main(int argc, char **argv)
{
	uint32_t cpu = ist_cpu_detect();
	int want_crc = argc > 1 && argv[1][0] == '1';
	printf("# ist_cpu_detect() = 0x%x\n", cpu);
	expect(!!(cpu & IST_CPU_ARM_CRC32) == want_crc, "ist_cpu_detect sees the CRC32 instructions as the CPU has them");
	expect(ist_crc32_cpu(cpu, 0, "123456789", 9) == 0xcbf43926, "check value 0xcbf43926");
	static uint8_t buf[70000];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof buf; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	unsigned bad = 0, n = 0;
	for (size_t len = 0; len < 3000; len += len < 300 ? 1 : 41)
		for (size_t off = 0; off < 16; off++, n++) {
			uint32_t seed = (uint32_t)(len * 2654435761u);
			if (ist_crc32_cpu(cpu, seed, buf + off, len) != ist_crc32(seed, buf + off, len))
				bad++;
		}
	printf("# %u of %u lengths and alignments differ\n", bad, n);
	expect(bad == 0, "every length and alignment equals the table code");
	/* in pieces of odd sizes, as the inflate decoder feeds it */
	uint32_t whole = ist_crc32(0, buf, sizeof buf), pieces = 0;
	for (size_t at = 0, step = 1; at < sizeof buf; at += step, step = step * 3 % 997 + 1) {
		size_t k = at + step > sizeof buf ? sizeof buf - at : step;
		pieces = ist_crc32_cpu(cpu, pieces, buf + at, k);
	}
	expect(pieces == whole, "70000 bytes in pieces equal the whole");
	printf("%s - arm64 crc32: %u checks, %u failed\n", failed ? "not ok" : "ok", passed + failed, failed);
	return failed != 0;
}
