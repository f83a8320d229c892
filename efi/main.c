/*
 * initstack.efi: read the boot entry, load the kernel and the stack of
 * archives from the loader's volume, validate them with the core, hand the
 * kernel one initrd through LoadFile2 and start it. Every failure ends in
 * one line on the console and then the entry's `loader-error` action.
 */
#include <initstack/entry.h>
#include <initstack/format.h>
#include <initstack/tree.h>

#include "clock.h"
#include "devicetree.h"
#include "efi-util.h"
#include "entries.h"
#include "gunzip_read.h"
#include "initrd.h"
#include "linux.h"
#include "mp.h"
#include "stack.h"

#define ENTRY_DEFAULT "initstack.conf"
/* the `architecture` this image boots (BLS names, as systemd-boot uses them) */
#if defined(__x86_64__)
#define EFI_ARCH_NAME "x64"
#elif defined(__aarch64__)
#define EFI_ARCH_NAME "aa64"
#else
#error "initstack.efi builds for x86_64 and aarch64"
#endif
#define PATH_MAX_ 512

struct boot {
	EFI_HANDLE image;
	EFI_FILE_HANDLE root;
	char entry_path[PATH_MAX_];
	bool entry_missing; /* the entry file itself was not found */
	struct pages entry_file, kernel;
	EFI_HANDLE kernel_image;
	struct pages archive[IST_ENTRY_MAX_ARCHIVES];
	struct ist_entry entry;
	bool entry_ok;
	struct efi_stack stack;
	struct initrd initrd;
	struct efi_dt dt;
	char cmdline[IST_ENTRY_OPTIONS_MAX + 64];
	struct ist_error err;
};

/* `entry=PATH` from our load options, if given. */
static bool entry_from_options(EFI_LOADED_IMAGE *li, char *out, UINTN cap)
{
	if (!li->LoadOptions || li->LoadOptionsSize < 2 * sizeof(CHAR16))
		return false;
	const CHAR16 *o = li->LoadOptions;
	UINTN n = li->LoadOptionsSize / sizeof(CHAR16);
	for (UINTN i = 0; i + 6 <= n; i++) {
		if ((i == 0 || o[i - 1] == L' ') && o[i] == L'e' && o[i + 1] == L'n' &&
		    o[i + 2] == L't' && o[i + 3] == L'r' && o[i + 4] == L'y' && o[i + 5] == L'=') {
			UINTN s = i + 6, e = s;
			while (e < n && o[e] && o[e] != L' ')
				e++;
			UINTN k = 0;
			for (UINTN j = s; j < e && k + 1 < cap; j++)
				out[k++] = o[j] == L'\\' ? '/' : (char)o[j];
			out[k] = '\0';
			return k > 0;
		}
	}
	return false;
}

/* initstack.conf beside our own image (its file path's directory). */
static void entry_beside_image(EFI_LOADED_IMAGE *li, char *out, UINTN cap)
{
	UINTN k = 0;
	for (EFI_DEVICE_PATH *dp = li->FilePath; dp && !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp)) {
		if (DevicePathType(dp) != MEDIA_DEVICE_PATH || DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
			continue;
		const CHAR16 *name = ((FILEPATH_DEVICE_PATH *)dp)->PathName;
		UINTN len = (DevicePathNodeLength(dp) - 4) / sizeof(CHAR16);
		/* U-Boot's paths are relative ("efi/boot/bootaa64.efi"); ours
		 * and the messages' start at the root */
		if (k == 0 && len && name[0] != L'\\' && name[0] != L'/' && k + 1 < cap)
			out[k++] = '/';
		if (k && out[k - 1] != '/' && k + 1 < cap)
			out[k++] = '/';
		for (UINTN i = 0; i < len && name[i] && k + 1 < cap; i++)
			out[k++] = name[i] == L'\\' ? '/' : (char)name[i];
	}
	while (k && out[k - 1] != '/')
		k--; /* drop the image's own name */
	const char *def = ENTRY_DEFAULT;
	for (UINTN i = 0; def[i] && k + 1 < cap; i++)
		out[k++] = def[i];
	out[k] = '\0';
}

static EFI_STATUS load_entry(struct boot *b)
{
	EFI_STATUS s = volume_root(b->image, &b->root, &b->err);
	if (EFI_ERROR(s))
		return s;
	s = file_read(b->root, b->entry_path, &b->entry_file, &b->err);
	if (EFI_ERROR(s)) {
		b->entry_missing = s == EFI_NOT_FOUND;
		return s;
	}
	if (ist_entry_parse(&b->entry, b->entry_path, pages_ptr(&b->entry_file), b->entry_file.size,
			    &b->err))
		return EFI_LOAD_ERROR;
	b->entry_ok = true;
	return EFI_SUCCESS;
}

/*
 * One archive of the entry, its sha256 line checked. A gzip archive the
 * loader is to decode on one core is decoded as it is read (gunzip_read.c):
 * b->stack.decoded[i] then holds it and b->archive[i] only its size.
 */
static EFI_STATUS load_archive(struct boot *b, unsigned i, bool two_cores)
{
	const struct ist_entry_archive *a = &b->entry.archive[i];
	struct file_reader r;
	EFI_STATUS s = file_open(b->root, a->path, &r, &b->err);
	UINT8 magic[2];
	bool stream = !EFI_ERROR(s) && efi_stack_decodes_on_one_core(&b->entry, i, r.size, two_cores);
	if (stream) {
		s = file_peek(&r, 0, magic, sizeof magic, &b->err);
		stream = !EFI_ERROR(s) && magic[0] == 0x1f && magic[1] == 0x8b;
	}
	struct ist_sha256 sha;
	ist_sha256_init(&sha);
	struct ist_error gz = { 0 };
	struct pages *dec = &b->stack.decoded[i];
	UINT64 ms = 0;
	if (stream) {
		s = gunzip_read(&r, dec, a->has_sha256 ? &sha : NULL, &ms, &gz, &b->err);
		if (s == EFI_OUT_OF_RESOURCES) {
			/* stack.c tries again, and says what `decompress` makes of it */
			file_close(&r);
			ist_sha256_init(&sha);
			stream = false;
			s = file_open(b->root, a->path, &r, &b->err);
		}
	}
	if (!EFI_ERROR(s) && !stream) {
		s = file_read_rest(&r, &b->archive[i], &b->err);
		if (!EFI_ERROR(s) && a->has_sha256)
			ist_sha256_update(&sha, pages_ptr(&b->archive[i]), b->archive[i].size);
	}
	UINT64 size = r.size;
	file_close(&r);
	if (EFI_ERROR(s) && s != EFI_LOAD_ERROR) {
		file_error_named(&b->err, b->entry_path, a->line);
		return s;
	}
	/* the digest first: a tampered file is refused as tampered */
	uint8_t d[IST_SHA256_SIZE];
	ist_sha256_final(&sha, d);
	if (a->has_sha256 && memcmp(d, a->sha256, sizeof d)) {
		pages_free(dec);
		char want[IST_SHA256_HEX], got[IST_SHA256_HEX];
		ist_fail(&b->err, IST_POLICY, 0, "%s: sha256 %s, but %s:%u says %s", a->path,
			 ist_sha256_hex(d, got), b->entry_path, a->sha256_line,
			 ist_sha256_hex(a->sha256, want));
		return EFI_SECURITY_VIOLATION;
	}
	if (s == EFI_LOAD_ERROR) {
		ist_fail(&b->err, gz.status, gz.offset, "%s: gzip: %s", a->path, gz.msg);
		return s;
	}
	if (stream) {
		b->archive[i] = (struct pages){ .size = (UINTN)size };
		say("initstack: %s: gzip, %llu bytes decompressed to %llu as they were read (%llu ms decoding)",
		    a->path, (unsigned long long)size, (unsigned long long)dec->size,
		    (unsigned long long)ms);
	}
	return EFI_SUCCESS;
}

static EFI_STATUS load_files(struct boot *b)
{
	struct ist_entry *e = &b->entry;
	EFI_STATUS s = file_read_named(b->root, b->entry_path, e->linux_image.line,
				       e->linux_image.path, &b->kernel, &b->err);
	if (EFI_ERROR(s))
		return s;
	s = linux_load(b->image, pages_ptr(&b->kernel), b->kernel.size, &b->kernel_image, &b->err);
	if (EFI_ERROR(s)) {
		struct ist_error inner = b->err;
		ist_fail(&b->err, inner.status, 0, "%s: %s", e->linux_image.path, inner.msg);
		return s;
	}
	/* the firmware has its own copy now */
	pages_free(&b->kernel);
	/* only asked, not started: the split inflate (stack.c) starts it */
	struct efi_mp mp;
	struct ist_inflate_helper helper;
	bool two_cores = efi_mp_init(&mp, &helper);
	for (unsigned i = 0; i < e->narchive; i++) {
		s = load_archive(b, i, two_cores);
		if (EFI_ERROR(s))
			return s;
	}
	return EFI_SUCCESS;
}

static void free_all(struct boot *b)
{
	efi_dt_restore(&b->dt);
	initrd_uninstall(&b->initrd);
	if (b->kernel_image)
		BS->UnloadImage(b->kernel_image);
	b->kernel_image = NULL;
	efi_stack_free(&b->stack);
	for (unsigned i = 0; i < IST_ENTRY_MAX_ARCHIVES; i++)
		pages_free(&b->archive[i]);
	pages_free(&b->kernel);
	pages_free(&b->entry_file);
	if (b->root)
		b->root->Close(b->root);
	b->root = NULL;
}

static EFI_STATUS boot(struct boot *b)
{
	EFI_STATUS s;
	s = load_entry(b);
	if (EFI_ERROR(s))
		return s;
	struct ist_entry *e = &b->entry;
	say("initstack: %s: %s", b->entry_path, e->title ? e->title : e->linux_image.path);
	if (ist_entry_check_arch(e, b->entry_path, EFI_ARCH_NAME, &b->err))
		return EFI_UNSUPPORTED;
	s = load_files(b);
	if (EFI_ERROR(s))
		return s;
	UINT64 t_read = clock_ms();
	/* before the stack is built: that frees the files it decompresses, and
	 * /chosen records their sizes as read */
	s = efi_dt_install(&b->dt, b->root, b->entry_path, e, b->archive, &b->err);
	if (EFI_ERROR(s))
		return s;
	s = efi_stack_build(&b->stack, e, b->archive, &b->initrd, &b->err);
	if (EFI_ERROR(s))
		return s;
	size_t len;
	if (ist_entry_cmdline(e, b->cmdline, sizeof b->cmdline, &len)) {
		ist_fail(&b->err, IST_INVALID, 0, "the kernel command line is too long");
		return EFI_INVALID_PARAMETER;
	}
	s = initrd_install(&b->initrd);
	if (s == EFI_ALREADY_STARTED) {
		ist_fail(&b->err, IST_UNSUPPORTED, 0,
			 "another initrd is already offered to the kernel (LoadFile2 on LINUX_EFI_INITRD_MEDIA_GUID)");
		return s;
	}
	if (EFI_ERROR(s)) {
		ist_fail(&b->err, IST_UNSUPPORTED, 0, "cannot offer the initrd (status %u)",
			 (unsigned)(s & 0xffff));
		return s;
	}
	say("initstack: starting %s with %u archive%s, initrd %u bytes: %s", e->linux_image.path,
	    e->narchive, e->narchive == 1 ? "" : "s", (unsigned)initrd_size(&b->initrd), b->cmdline);
	/* the boot benchmark reads these two lines (docs/benchmarks.md) */
	UINT64 t_start = clock_ms();
	say("initstack: timing: files read by %llu ms, decoded by %llu ms, validated by %llu ms; StartImage at %llu ms after the loader started",
	    (unsigned long long)t_read, (unsigned long long)b->stack.decoded_ms,
	    (unsigned long long)b->stack.validated_ms, (unsigned long long)t_start);
	say("initstack: memory: peak %llu KiB held by the loader, %llu KiB at StartImage (initrd %llu KiB)",
	    (unsigned long long)(mem_peak() >> 10), (unsigned long long)(mem_held() >> 10),
	    (unsigned long long)(initrd_size(&b->initrd) >> 10));
	return linux_start(b->kernel_image, b->cmdline, &b->err);
}

/*
 * The entries to try, in order: the one `entry=` names, and only it; else
 * initstack.conf beside our image, then those of /loader/entries, newest
 * first. `*beside` says whether the first is the implicit initstack.conf.
 */
static EFI_STATUS candidates(EFI_HANDLE image, struct entries *c, bool *beside)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_STATUS s = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(s))
		return s;
	c->n = 1;
	*beside = false;
	if (entry_from_options(li, c->path[0], sizeof c->path[0]))
		return EFI_SUCCESS;
	*beside = true;
	entry_beside_image(li, c->path[0], sizeof c->path[0]);
	EFI_FILE_HANDLE root = NULL;
	struct ist_error err = { 0 };
	if (EFI_ERROR(volume_root(image, &root, &err)))
		return EFI_SUCCESS; /* boot() says why */
	struct entries *dir = pool_get(sizeof *dir);
	if (dir) {
		entries_list(root, dir);
		for (unsigned i = 0; i < dir->n && c->n < ENTRIES_MAX; i++)
			CopyMem(c->path[c->n++], dir->path[i], sizeof c->path[0]);
		pool_put(dir);
	}
	root->Close(root);
	return EFI_SUCCESS;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	InitializeLib(image, systab);
	clock_start();
	struct boot *b = pool_get(sizeof(struct boot));
	struct entries *c = pool_get(sizeof *c);
	bool beside = false;
	if (!b || !c) {
		say("initstack: error: out of memory");
		return EFI_OUT_OF_RESOURCES;
	}
	if (EFI_ERROR(candidates(image, c, &beside))) {
		say("initstack: error: cannot find the loader's own image");
		return EFI_LOAD_ERROR;
	}
	EFI_STATUS s = EFI_NOT_FOUND;
	/* with several entries, the first that could be read decides */
	enum ist_loader_error action = IST_LOADER_RETURN;
	bool decided = false;
	for (unsigned i = 0; i < c->n; i++) {
		SetMem(b, sizeof *b, 0);
		b->image = image;
		CopyMem(b->entry_path, c->path[i], sizeof b->entry_path);
		s = boot(b);
		bool quiet = i == 0 && beside && b->entry_missing && c->n > 1;
		if (!quiet)
			say("initstack: error: %s", b->err.msg[0] ? b->err.msg : "boot failed");
		if (!decided && b->entry_ok) {
			action = b->entry.loader_error;
			decided = true;
		}
		free_all(b);
		if (i + 1 < c->n && !quiet)
			say("initstack: trying the next entry, %s", c->path[i + 1]);
	}
	pool_put(c);
	pool_put(b);
	switch (action) {
	case IST_LOADER_REBOOT:
		say("initstack: rebooting (loader-error reboot)");
		RT->ResetSystem(EfiResetCold, s, 0, NULL);
		break;
	case IST_LOADER_SHUTDOWN:
		say("initstack: shutting down (loader-error shutdown)");
		RT->ResetSystem(EfiResetShutdown, s, 0, NULL);
		break;
	case IST_LOADER_RETURN:
		break;
	}
	say("initstack: returning to the firmware");
	return EFI_ERROR(s) ? s : EFI_LOAD_ERROR;
}
