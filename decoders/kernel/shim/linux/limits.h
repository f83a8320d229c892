/* From the compiler's predefined macros: no libc header is included. */
#ifndef IST_KSHIM_LIMITS_H
#define IST_KSHIM_LIMITS_H

#define INT_MAX __INT_MAX__
#define INT_MIN (-INT_MAX - 1)
#define UINT_MAX (INT_MAX * 2u + 1u)
#define LONG_MAX __LONG_MAX__
#define ULONG_MAX (LONG_MAX * 2ul + 1ul)
#ifndef SIZE_MAX
#define SIZE_MAX __SIZE_MAX__
#endif
#define U8_MAX ((unsigned char)~0u)
#define U16_MAX ((unsigned short)~0u)
#define U32_MAX (~0u)
#define U64_MAX (~0ull)
#define S32_MAX INT_MAX
#define S64_MAX __LONG_LONG_MAX__

#endif
