/* The fast loop for the baseline instruction set. */
#include "inflate_int.h"

#define FAST_FUNC ist_inflate_fast_generic
#define FAST_ATTR
#include "inflate_fast.h"
