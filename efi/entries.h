/* The boot entries of /loader/entries, newest first. */
#ifndef INITSTACK_EFI_ENTRIES_H
#define INITSTACK_EFI_ENTRIES_H

#include "efi-util.h"

#define ENTRIES_DIR "/loader/entries"
#define ENTRIES_MAX 32
#define ENTRY_NAME_MAX 256

struct entries {
	unsigned n;
	char path[ENTRIES_MAX][sizeof ENTRIES_DIR + ENTRY_NAME_MAX];
};

/*
 * Fill `out` with the paths of the `*.conf` files of /loader/entries on
 * `root`, newest first by the BLS order of names (ist_version_cmp), the
 * newest ENTRIES_MAX if there are more. A missing directory is no entries;
 * names that are not ASCII or too long are skipped, with a line each.
 */
void entries_list(EFI_FILE_HANDLE root, struct entries *out);

#endif
