#ifndef INITSTACK_EFI_INITRD_H
#define INITSTACK_EFI_INITRD_H

#include "efi-util.h"

#define INITRD_MAX_PARTS 128

struct load_file2 {
	EFI_STATUS(EFIAPI *load_file)(struct load_file2 *this, EFI_DEVICE_PATH *path,
				      BOOLEAN boot_policy, UINTN *size, VOID *buf);
};

/* lf2 first: the protocol pointer the firmware hands back is the struct. */
struct initrd {
	struct load_file2 lf2;
	EFI_HANDLE handle;
	struct {
		const void *p;
		UINTN len;
	} parts[INITRD_MAX_PARTS];
	UINTN nparts;
};

bool initrd_add(struct initrd *ir, const void *p, UINTN len);
UINTN initrd_size(const struct initrd *ir);
EFI_STATUS initrd_install(struct initrd *ir);
void initrd_uninstall(struct initrd *ir);

#endif
