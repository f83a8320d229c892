#ifndef INITSTACK_EFI_LINUX_H
#define INITSTACK_EFI_LINUX_H

#include "efi-util.h"

/* Start the kernel with `options`; returns only if it could not run. */
EFI_STATUS linux_start(EFI_HANDLE parent, const void *kernel, UINTN size, const char *options,
		       struct ist_error *err);

#endif
