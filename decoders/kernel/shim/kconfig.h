/*
 * What the kernel's build passes every file (-include autoconf.h): the
 * Kconfig choices of Debian's amd64 kernel (config-6.1.0-*-amd64) that the
 * decompressors and their libraries test, and the kernel's own defines.
 * These headers under decoders/kernel/shim/ are ours, written to the
 * kernel's interfaces; they are not copies of the kernel's headers.
 */
#ifndef IST_KSHIM_KCONFIG_H
#define IST_KSHIM_KCONFIG_H

#define __KERNEL__ 1
#define CONFIG_X86 1
#define CONFIG_X86_64 1
#define CONFIG_64BIT 1
#define CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS 1 /* x86 selects it */
/* CONFIG_XZ_DEC_X86=y, CONFIG_XZ_DEC_BCJ=y; POWERPC, IA64, ARM, ARMTHUMB,
 * SPARC and MICROLZMA are not set. */
#define CONFIG_XZ_DEC_X86 1
#define CONFIG_XZ_DEC_BCJ 1
/* CONFIG_RD_{BZIP2,LZMA,XZ,LZO,LZ4,ZSTD}=y, CONFIG_DECOMPRESS_*=y */

#define __LITTLE_ENDIAN 1234
#define BITS_PER_LONG 64

/* The kernel passes -include compiler_types.h to every file too. */
#include <linux/compiler.h>

#endif
