/*
 * The fast loop compiled for BMI2 (x86), chosen at run time when CPUID has
 * it. On other architectures it is the baseline code again (never chosen).
 */
#include "cpu.h"
#include "inflate_int.h"

#define FAST_FUNC ist_inflate_fast_bmi2
#define FAST_ATTR IST_TARGET_BMI2
#ifdef __x86_64__
/* BZHI: one instruction; BMI2 spelled as x & ((1 << n) - 1) costs two */
#define FAST_LOW_BITS(x, n) __builtin_ia32_bzhi_di((x), (n))
#else
#define FAST_LOW_BITS(x, n) ((x) & BITMASK(n))
#endif
#include "inflate_fast.h"
