/*
 * The decoder's and checksums' one architecture switch. Everything that
 * differs between CPUs lives in per-architecture files (cpu_x86.c,
 * crc32_x86.c, inflate_bmi2.c; cpu_arm64.c, crc32_arm64.c); this header
 * tells them what to compile.
 */
#ifndef INITSTACK_CPU_H
#define INITSTACK_CPU_H

#include <initstack/crc32.h>

#if defined(__x86_64__) || defined(__i386__)
#define IST_ARCH_X86 1
#define IST_TARGET_BMI2 __attribute__((target("bmi,bmi2")))
#define IST_TARGET_PCLMUL __attribute__((target("sse4.1,pclmul")))
#define IST_TARGET_VPCLMUL __attribute__((target("avx2,pclmul,vpclmulqdq")))
/* The compilers name the 256-bit carry-less multiply differently. */
#if defined(__clang__)
#define IST_VPCLMUL256(a, b, imm) __builtin_ia32_pclmulqdq256(a, b, imm)
#else
#define IST_VPCLMUL256(a, b, imm) __builtin_ia32_vpclmulqdq_v4di(a, b, imm)
#endif
#else
#define IST_ARCH_X86 0
#define IST_TARGET_BMI2
#define IST_TARGET_PCLMUL
#define IST_TARGET_VPCLMUL
#endif

#if defined(__aarch64__)
#define IST_ARCH_ARM64 1
#define IST_TARGET_CRC __attribute__((target("+crc")))
#else
#define IST_ARCH_ARM64 0
#define IST_TARGET_CRC
#endif

/* CRC-32 by PCLMULQDQ folding; call only when IST_CPU_PCLMUL is set. */
uint32_t ist_crc32_pclmul(uint32_t crc, const uint8_t *p, size_t len);
/* The same with 256-bit VPCLMULQDQ; only when IST_CPU_VPCLMUL is set. */
uint32_t ist_crc32_vpclmul(uint32_t crc, const uint8_t *p, size_t len);
/* CRC-32 with the ARMv8 CRC32 instructions, without the inversions; call
 * only when IST_CPU_ARM_CRC32 is set. */
uint32_t ist_crc32_armv8(uint32_t crc, const uint8_t *p, size_t len);
/* The portable CRC-32 without the final/initial inversion. */
uint32_t ist_crc32_raw(uint32_t crc, const uint8_t *p, size_t len);

#endif
