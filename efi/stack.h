#ifndef INITSTACK_EFI_STACK_H
#define INITSTACK_EFI_STACK_H

#include <initstack/entry.h>

#include "efi-util.h"
#include "initrd.h"

/* What the loader generates around the archives: the /.initstack/ headers
 * and manifest for deferred archives, and decode buffers. */
struct efi_stack {
	struct pages scratch;   /* decoder output for validation */
	struct pages generated; /* /.initstack/ headers and manifest */
	struct pages decoded[IST_ENTRY_MAX_ARCHIVES]; /* archives the loader decompressed */
	bool open_end[IST_ENTRY_MAX_ARCHIVES]; /* ends in a legacy lz4 stream (ist_archive_open_end) */
	UINT64 decoded_ms, validated_ms; /* clock_ms() when each step ended */
};

/*
 * Decompress gzip archives as the entry's `decompress` says, validate the
 * non-deferred archives with the core (events under the entry's policy),
 * then lay out the initrd: the archives in order, the deferred ones wrapped
 * as /.initstack/deferred/NN-NAME with a manifest. A file that is
 * decompressed is freed (its pages zeroed) once decoded.
 */
EFI_STATUS efi_stack_build(struct efi_stack *st, const struct ist_entry *e,
			   struct pages *files, struct initrd *ir, struct ist_error *err);
/*
 * Whether archive i, a gzip file of `size` bytes, is one efi_stack_build
 * would decode on one core: then the loader decodes it as it reads it
 * (gunzip_read.h) and puts the result in st->decoded[i], which
 * efi_stack_build takes as it is. On two cores a large file is read whole
 * and decoded by the split inflate instead.
 */
bool efi_stack_decodes_on_one_core(const struct ist_entry *e, unsigned i, UINT64 size,
				   bool two_cores);
void efi_stack_free(struct efi_stack *st);

#endif
