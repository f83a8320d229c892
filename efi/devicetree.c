/* The entry's devicetree as the EFI_DTB_TABLE (efi/devicetree.h). */
#include <libfdt.h>

#include <initstack/dt.h>
#include <initstack/sha256.h>
#include <initstack/tree.h>

#include "devicetree.h"

static EFI_GUID dtb_table_guid = EFI_DTB_TABLE_GUID;

/* EFI_DT_FIXUP_PROTOCOL, as U-Boot and EDK2 define it (not in gnu-efi). */
#define DT_FIXUP_GUID \
	{ 0xe617d64c, 0xfe08, 0x46da, { 0xf4, 0xdc, 0xbb, 0xd5, 0x87, 0x0c, 0x73, 0x00 } }
#define DT_APPLY_FIXUPS 0x1u
#define DT_RESERVE_MEMORY 0x2u
struct dt_fixup {
	UINT64 revision;
	EFI_STATUS(EFIAPI *fixup)(struct dt_fixup *this, void *fdt, UINTN *size, UINT32 flags);
};
static EFI_GUID dt_fixup_guid = DT_FIXUP_GUID;

/* What /chosen records, kept together so it is freed in one piece. */
struct chosen {
	struct ist_dt_archive archive[IST_ENTRY_MAX_ARCHIVES];
	char hex[IST_ENTRY_MAX_ARCHIVES][IST_SHA256_HEX];
	struct ist_dt_blob overlay[IST_ENTRY_MAX_OVERLAYS];
	struct pages file[IST_ENTRY_MAX_OVERLAYS + 1]; /* the base, then the overlays */
};

static void *firmware_table(void)
{
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++)
		if (!CompareGuid(&ST->ConfigurationTable[i].VendorGuid, &dtb_table_guid))
			return ST->ConfigurationTable[i].VendorTable;
	return NULL;
}

/* Copy `fdt` into pages, with room for the firmware's fixups when `fixups`
 * and it has the protocol; the fixup may ask for more, once. */
static EFI_STATUS to_pages(struct efi_dt *dt, const void *fdt, size_t len, const char *name,
			   bool fixups, struct ist_error *err)
{
	struct dt_fixup *fix = NULL;
	if (!fixups || EFI_ERROR(BS->LocateProtocol(&dt_fixup_guid, NULL, (void **)&fix)))
		fix = NULL;
	UINTN want = len + (fix ? 16384 : 0);
	for (int round = 0; round < 2; round++) {
		EFI_STATUS s = pages_alloc_as(&dt->blob, want, EfiACPIReclaimMemory);
		if (EFI_ERROR(s)) {
			ist_fail(err, IST_NO_MEMORY, 0, "devicetree: no memory for %u bytes",
				 (unsigned)want);
			return s;
		}
		void *p = pages_ptr(&dt->blob);
		/* a blob whose totalsize spans the buffer: free space for the fixups */
		int rc = fdt_open_into(fdt, p, (int)(dt->blob.npages * EFI_PAGE_SIZE));
		if (rc) {
			pages_free(&dt->blob);
			ist_fail(err, IST_BAD_DATA, 0, "%s: cannot open: %s", name, fdt_strerror(rc));
			return EFI_LOAD_ERROR;
		}
		if (!fix)
			return EFI_SUCCESS;
		UINTN size = dt->blob.npages * EFI_PAGE_SIZE;
		s = fix->fixup(fix, p, &size, DT_APPLY_FIXUPS | DT_RESERVE_MEMORY);
		if (!EFI_ERROR(s)) {
			say("initstack: devicetree: the firmware's EFI_DT_FIXUP_PROTOCOL applied its fixups");
			return EFI_SUCCESS;
		}
		pages_free(&dt->blob);
		if (s != EFI_BUFFER_TOO_SMALL || round) {
			ist_fail(err, IST_UNSUPPORTED, 0,
				 "%s: the firmware's devicetree fixup failed (status %u)", name,
				 (unsigned)(s & 0xffff));
			return s;
		}
		want = size;
	}
	return EFI_BUFFER_TOO_SMALL;
}

static EFI_STATUS build(struct efi_dt *dt, struct chosen *c, EFI_FILE_HANDLE root,
			const char *entry_path, const struct ist_entry *e,
			const struct pages *files, struct ist_error *err)
{
	struct ist_dt_blob base;
	bool from_esp = e->devicetree.path != NULL;
	if (from_esp) {
		EFI_STATUS s = file_read_named(root, entry_path, e->devicetree.line,
					       e->devicetree.path, &c->file[0], err);
		if (EFI_ERROR(s))
			return s;
		base = (struct ist_dt_blob){ pages_ptr(&c->file[0]), c->file[0].size,
					     e->devicetree.path };
	} else {
		/* the firmware's blob says its own size; ist_dt_check checks it */
		base = (struct ist_dt_blob){ dt->firmware, fdt_totalsize(dt->firmware),
					     "the firmware's devicetree" };
	}
	for (unsigned i = 0; i < e->noverlay; i++) {
		EFI_STATUS s = file_read_named(root, entry_path, e->overlay[i].line,
					       e->overlay[i].path, &c->file[i + 1], err);
		if (EFI_ERROR(s))
			return s;
		c->overlay[i] = (struct ist_dt_blob){ pages_ptr(&c->file[i + 1]), c->file[i + 1].size,
						      e->overlay[i].path };
	}
	for (unsigned i = 0; i < e->narchive; i++) {
		const struct ist_entry_archive *a = &e->archive[i];
		c->archive[i] = (struct ist_dt_archive){ .name = a->path,
							 .role = ist_role_name(a->role),
							 .size = files[i].size,
							 .deferred = a->role == IST_ROLE_DEFERRED,
							 .sha256 = a->has_sha256 ?
									   ist_sha256_hex(a->sha256, c->hex[i]) :
									   NULL };
	}
	struct ist_dt_chosen chosen = { entry_path, c->archive, e->narchive };
	void *out;
	size_t len;
	if (ist_dt_build(&base, c->overlay, e->noverlay, &chosen, &efi_alloc, &out, &len, err))
		return EFI_LOAD_ERROR;
	/* the firmware's own blob has had its fixups */
	EFI_STATUS s = to_pages(dt, out, len, base.name, from_esp, err);
	pool_put(out);
	if (EFI_ERROR(s))
		return s;
	say("initstack: devicetree: %s with %u overlay%s, %u bytes", base.name, e->noverlay,
	    e->noverlay == 1 ? "" : "s", (unsigned)fdt_totalsize(pages_ptr(&dt->blob)));
	return EFI_SUCCESS;
}

EFI_STATUS efi_dt_install(struct efi_dt *dt, EFI_FILE_HANDLE root, const char *entry_path,
			  const struct ist_entry *e, const struct pages *files,
			  struct ist_error *err)
{
	dt->firmware = firmware_table();
	dt->installed = false;
	if (!e->devicetree.path && !dt->firmware) {
		if (!e->noverlay)
			return EFI_SUCCESS; /* no devicetree on this machine, none asked for */
		ist_fail(err, IST_INVALID, 0,
			 "%s:%u: devicetree-overlay, but no devicetree line and the firmware has no devicetree",
			 entry_path, e->overlay[0].line);
		return EFI_NOT_FOUND;
	}
	struct chosen *c = pool_get(sizeof *c);
	if (!c) {
		ist_fail(err, IST_NO_MEMORY, 0, "devicetree: out of memory");
		return EFI_OUT_OF_RESOURCES;
	}
	SetMem(c, sizeof *c, 0);
	EFI_STATUS s = build(dt, c, root, entry_path, e, files, err);
	for (unsigned i = 0; i < sizeof c->file / sizeof c->file[0]; i++)
		pages_free(&c->file[i]);
	pool_put(c);
	/* an entry that asked for nothing boots on the firmware's devicetree
	 * as it is when initstack cannot record /chosen in it */
	if (EFI_ERROR(s) && !e->devicetree.path && !e->noverlay) {
		say("initstack: warning: %s; booting with the firmware's devicetree unchanged",
		    err->msg);
		SetMem(err, sizeof *err, 0);
		return EFI_SUCCESS;
	}
	if (EFI_ERROR(s))
		return s;
	s = BS->InstallConfigurationTable(&dtb_table_guid, pages_ptr(&dt->blob));
	if (EFI_ERROR(s)) {
		pages_free(&dt->blob);
		ist_fail(err, IST_UNSUPPORTED, 0,
			 "devicetree: InstallConfigurationTable failed (status %u)",
			 (unsigned)(s & 0xffff));
		return s;
	}
	dt->installed = true;
	return EFI_SUCCESS;
}

void efi_dt_restore(struct efi_dt *dt)
{
	if (dt->installed)
		BS->InstallConfigurationTable(&dtb_table_guid, dt->firmware);
	dt->installed = false;
	pages_free(&dt->blob);
}
