/* The compiler annotations the kernel's code uses (GCC and Clang). */
#ifndef IST_KSHIM_COMPILER_H
#define IST_KSHIM_COMPILER_H

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif
#define noinline __attribute__((__noinline__))
#define __maybe_unused __attribute__((__unused__))
#define __used __attribute__((__used__))
#define __packed __attribute__((__packed__))
#define __aligned(x) __attribute__((__aligned__(x)))
#define __pure __attribute__((__pure__))
#define __attribute_const__ __attribute__((__const__))
#define __must_check __attribute__((__warn_unused_result__))
#define __force
#define fallthrough __attribute__((__fallthrough__))
#define barrier() __asm__ __volatile__("" : : : "memory")

#endif
