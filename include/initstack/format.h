/*
 * A small freestanding formatter for messages (no libc in the core).
 * Supported: %% %c %s %.*s %d %u %o %x %lld %llu %llx %zu, a width with optional
 * '0' flag for the integer conversions. The output is always NUL-terminated
 * and silently cut at `size`; the return value is the length written.
 */
#ifndef INITSTACK_FORMAT_H
#define INITSTACK_FORMAT_H

#include <initstack/base.h>

/* The compiler's own va_list, so the core needs no <stdarg.h>. */
typedef __builtin_va_list ist_va_list;
#define ist_va_start(ap, last) __builtin_va_start(ap, last)
#define ist_va_arg(ap, type) __builtin_va_arg(ap, type)
#define ist_va_end(ap) __builtin_va_end(ap)

size_t ist_vformat(char *buf, size_t size, const char *fmt, ist_va_list ap);
size_t ist_format(char *buf, size_t size, const char *fmt, ...);

#endif
