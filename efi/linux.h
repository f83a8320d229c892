#ifndef INITSTACK_EFI_LINUX_H
#define INITSTACK_EFI_LINUX_H

#include "efi-util.h"

/* LoadImage the kernel from memory; the caller may free `kernel` after. */
EFI_STATUS linux_load(EFI_HANDLE parent, const void *kernel, UINTN size, EFI_HANDLE *out,
		      struct ist_error *err);
/* Start the loaded kernel with `options`; returns only if it could not run. */
EFI_STATUS linux_start(EFI_HANDLE kernel, const char *options, struct ist_error *err);

#endif
