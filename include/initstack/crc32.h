/*
 * Checksums for the core's decoders: CRC-32 (gzip, ISO-HDLC polynomial
 * 0x04C11DB7, reflected) and Adler-32 (zlib).
 *
 * All functions are pure: they read `len` bytes at `buf` (which may be NULL
 * when `len` is 0) and return the updated checksum. Start a CRC-32 with 0
 * and an Adler-32 with 1; feeding a buffer in pieces gives the same result
 * as feeding it whole. They keep no state and are safe to call from any
 * number of threads.
 */
#ifndef INITSTACK_CRC32_H
#define INITSTACK_CRC32_H

#include <initstack/base.h>

/*
 * CPU features the accelerated paths may use. ist_cpu_detect() asks the CPU
 * (CPUID, and XGETBV for the AVX state the firmware or OS enabled; on arm64
 * the ID_AA64ISAR0_EL1 register, which Linux emulates for programs) each time
 * it is called; it costs a few hundred cycles (more under a hypervisor), so
 * detect once per stream or per program and keep the word. On CPUs the core
 * has no accelerated code for it returns 0, and 0 is always a valid answer:
 * it selects the portable code.
 */
#define IST_CPU_PCLMUL 0x1u  /* SSE4.1 + PCLMULQDQ */
#define IST_CPU_BMI2 0x2u    /* BMI2 */
#define IST_CPU_AVX2 0x4u    /* AVX2 and the OS/firmware saves YMM state */
#define IST_CPU_VPCLMUL 0x8u /* VPCLMULQDQ on YMM (implies AVX2) */
#define IST_CPU_ARM_CRC32 0x10u /* arm64: the CRC32B..CRC32X instructions */
uint32_t ist_cpu_detect(void);

/* CRC-32 with the portable table-driven code (slice-by-8). */
uint32_t ist_crc32(uint32_t crc, const void *buf, size_t len);

/*
 * CRC-32 using whatever `cpu` (from ist_cpu_detect(), or a subset of it)
 * allows: carry-less multiplication folding with PCLMUL, the table otherwise.
 * Passing features the CPU lacks is undefined behaviour (an illegal
 * instruction).
 */
uint32_t ist_crc32_cpu(uint32_t cpu, uint32_t crc, const void *buf, size_t len);

/* Adler-32 (RFC 1950). */
uint32_t ist_adler32(uint32_t adler, const void *buf, size_t len);

#endif
