#ifndef INITSTACK_EFI_CLOCK_H
#define INITSTACK_EFI_CLOCK_H

#include "efi-util.h"

/* Mark the loader's start (and calibrate the clock: a 2 ms Stall). */
void clock_start(void);
/* Milliseconds since clock_start. */
UINT64 clock_ms(void);

#endif
