#ifndef IST_KSHIM_EXPORT_H
#define IST_KSHIM_EXPORT_H
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#endif
