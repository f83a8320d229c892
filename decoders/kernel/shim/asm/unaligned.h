/*
 * Unaligned and byte-order access as the kernel's asm/unaligned.h and
 * byteorder headers provide them, through memcpy so the compiler emits
 * plain loads on x86 and UBSan sees no misaligned access. Little-endian
 * only (x86_64).
 */
#ifndef IST_KSHIM_UNALIGNED_H
#define IST_KSHIM_UNALIGNED_H

#include <linux/string.h>
#include <linux/types.h>

/* As the kernel does it: through a packed struct of the pointee's type. */
#define get_unaligned(p)                                                          \
	({                                                                        \
		const struct { __typeof__(*(p)) v; } __attribute__((__packed__)) *ist_q_ = \
			(const void *)(p);                                        \
		ist_q_->v;                                                        \
	})
#define put_unaligned(val, p)                                                     \
	do {                                                                      \
		struct { __typeof__(*(p)) v; } __attribute__((__packed__)) *ist_q_ =     \
			(void *)(p);                                              \
		ist_q_->v = (val);                                                \
	} while (0)

#define IST_KSHIM_ACCESS(bits)                                                    \
	static inline u##bits get_unaligned_le##bits(const void *p)               \
	{                                                                         \
		u##bits v;                                                        \
		__builtin_memcpy(&v, p, sizeof v);                                \
		return v;                                                         \
	}                                                                         \
	static inline u##bits get_unaligned_be##bits(const void *p)               \
	{                                                                         \
		return (u##bits)__builtin_bswap##bits(get_unaligned_le##bits(p)); \
	}                                                                         \
	static inline void put_unaligned_le##bits(u##bits v, void *p)             \
	{                                                                         \
		__builtin_memcpy(p, &v, sizeof v);                                \
	}                                                                         \
	static inline void put_unaligned_be##bits(u##bits v, void *p)             \
	{                                                                         \
		put_unaligned_le##bits((u##bits)__builtin_bswap##bits(v), p);     \
	}                                                                         \
	static inline u##bits le##bits##_to_cpup(const __le##bits *p)             \
	{                                                                         \
		return get_unaligned_le##bits(p);                                 \
	}
IST_KSHIM_ACCESS(16)
IST_KSHIM_ACCESS(32)
IST_KSHIM_ACCESS(64)
#undef IST_KSHIM_ACCESS

#define le16_to_cpu(x) ((u16)(x))
#define le32_to_cpu(x) ((u32)(x))
#define le64_to_cpu(x) ((u64)(x))
#define cpu_to_le16(x) ((u16)(x))
#define cpu_to_le32(x) ((u32)(x))
#define cpu_to_le64(x) ((u64)(x))
#define be16_to_cpu(x) ((u16)__builtin_bswap16(x))
#define be32_to_cpu(x) ((u32)__builtin_bswap32(x))
#define be64_to_cpu(x) ((u64)__builtin_bswap64(x))
#define cpu_to_be16(x) ((u16)__builtin_bswap16(x))
#define cpu_to_be32(x) ((u32)__builtin_bswap32(x))
#define cpu_to_be64(x) ((u64)__builtin_bswap64(x))

#endif
