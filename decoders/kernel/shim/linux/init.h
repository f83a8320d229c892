/* Section annotations: the loader and the host keep everything in .text. */
#ifndef IST_KSHIM_INIT_H
#define IST_KSHIM_INIT_H
#define __init
#define __initdata
#define __initconst
#endif
