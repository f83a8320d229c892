#ifndef IST_KSHIM_MODULE_H
#define IST_KSHIM_MODULE_H
#include <linux/export.h>
#include <linux/init.h>
#define MODULE_LICENSE(s)
#define MODULE_DESCRIPTION(s)
#define MODULE_AUTHOR(s)
#define module_init(f)
#define module_exit(f)
#endif
