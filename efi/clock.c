/*
 * Elapsed time since the loader started, for the timing line the boot
 * benchmark reads (docs/benchmarks.md). UEFI gives no monotonic clock
 * with sub-second resolution, so x86_64 counts TSC ticks, calibrated
 * once against the firmware's Stall; arm64 reads the generic timer, whose
 * frequency the architecture states.
 */
#include "clock.h"

static UINT64 start, per_ms;

static UINT64 ticks(void)
{
#if defined(__x86_64__)
	UINT32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (UINT64)hi << 32 | lo;
#elif defined(__aarch64__)
	UINT64 v;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
#error "no clock for this architecture"
#endif
}

void clock_start(void)
{
	start = ticks();
#if defined(__aarch64__)
	UINT64 f;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	per_ms = f / 1000;
#else
	/* 2 ms: long enough for 0.1 % against the Stall's own resolution */
	UINT64 a = ticks();
	BS->Stall(2000);
	per_ms = (ticks() - a) / 2;
#endif
	if (!per_ms)
		per_ms = 1;
}

UINT64 clock_ms(void)
{
	return (ticks() - start) / per_ms;
}
