/* linux/decompress/mm.h includes it; the decompressors use nothing of it. */
#ifndef IST_KSHIM_FS_H
#define IST_KSHIM_FS_H
#endif
