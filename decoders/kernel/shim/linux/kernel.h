/* The part of linux/kernel.h (and its includes) the decompressors use. */
#ifndef IST_KSHIM_KERNEL_H
#define IST_KSHIM_KERNEL_H

#include <linux/compiler.h>
#include <linux/limits.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/unaligned.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define clamp(v, lo, hi) min(max(v, lo), hi)
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)
/* zstd's assert() (only at DEBUGLEVEL >= 1) */
#define WARN_ON(c) ((void)(c))

#endif
