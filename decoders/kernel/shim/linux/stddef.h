#ifndef IST_KSHIM_STDDEF_H
#define IST_KSHIM_STDDEF_H
#include <linux/types.h>
#endif
