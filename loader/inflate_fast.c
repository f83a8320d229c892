/* The fast loop for the baseline instruction set. */
#include "inflate_int.h"

#define FAST_FUNC ist_inflate_fast_generic
#define FAST_ATTR
#define FAST_LOW_BITS(x, n) ((x) & BITMASK(n))
#include "inflate_fast.h"
