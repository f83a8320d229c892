#ifndef IST_KSHIM_ERRNO_H
#define IST_KSHIM_ERRNO_H
#define EINVAL 22
#define ENOMEM 12
#endif
