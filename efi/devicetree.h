/*
 * The entry's devicetree (docs/user-guide.md, "Devicetree"): its base blob
 * from the ESP (`devicetree`) or the firmware's EFI_DTB_TABLE, its overlays
 * (`devicetree-overlay`, in order) and the stack in /chosen, built by dt/dt.c
 * and installed as the EFI_DTB_TABLE configuration table for the kernel's
 * stub. A base read from the ESP goes through the firmware's
 * EFI_DT_FIXUP_PROTOCOL first, when it has one (U-Boot does), so the
 * board's fixups (memory, reserved regions, serial numbers) are not lost.
 */
#ifndef INITSTACK_EFI_DEVICETREE_H
#define INITSTACK_EFI_DEVICETREE_H

#include <initstack/entry.h>

#include "efi-util.h"

struct efi_dt {
	void *firmware;          /* the firmware's table at the start, or NULL */
	bool installed;          /* ours is the table now */
	struct pages blob;       /* ours, EfiACPIReclaimMemory, as the spec asks */
};

/*
 * Install the devicetree for `e` (archives as read, in `files`), or nothing
 * when the entry names none and the firmware has none. `entry_path` is
 * what /chosen's initstack,entry says. Errors name the file, the fragment
 * or the firmware call.
 */
EFI_STATUS efi_dt_install(struct efi_dt *dt, EFI_FILE_HANDLE root, const char *entry_path,
			  const struct ist_entry *e, const struct pages *files,
			  struct ist_error *err);
/* Put the firmware's table back (or none) and free ours: for a kernel that
 * did not start. */
void efi_dt_restore(struct efi_dt *dt);

#endif
