/*
 * The fast loop compiled for BMI2 (x86), chosen at run time when CPUID has
 * it. On other architectures it is the baseline code again (never chosen).
 */
#include "cpu.h"
#include "inflate_int.h"

#define FAST_FUNC ist_inflate_fast_bmi2
#define FAST_ATTR IST_TARGET_BMI2
#include "inflate_fast.h"
