/*
 * Start the kernel's EFI stub: LoadImage from memory as soon as the image
 * is read (so the loader need not hold its copy while it decodes the
 * stack), the command line as the image's load options, StartImage. If the
 * kernel returns or fails, control comes back here and the image is
 * unloaded.
 */
#include "linux.h"

EFI_STATUS linux_load(EFI_HANDLE parent, const void *kernel, UINTN size, EFI_HANDLE *out,
		      struct ist_error *err)
{
	*out = NULL;
	EFI_STATUS s = BS->LoadImage(FALSE, parent, NULL, (VOID *)kernel, size, out);
	if (EFI_ERROR(s)) {
		*out = NULL;
		ist_fail(err, IST_UNSUPPORTED, 0,
			 "the firmware refused to load the kernel image (LoadImage status %u%s)",
			 (unsigned)(s & 0xffff),
			 s == EFI_SECURITY_VIOLATION ? ": not signed for Secure Boot" : "");
	}
	return s;
}

EFI_STATUS linux_start(EFI_HANDLE kh, const char *options, struct ist_error *err)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_STATUS s = BS->HandleProtocol(kh, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(s)) {
		ist_fail(err, IST_UNSUPPORTED, 0, "the kernel image has no loaded-image protocol");
		return s;
	}
	UINTN len = 0;
	while (options[len])
		len++;
	CHAR16 *cmdline = NULL;
	if (len) {
		cmdline = pool_get((len + 1) * sizeof(CHAR16));
		if (!cmdline || !ascii_to_ucs2(options, cmdline, len + 1)) {
			pool_put(cmdline);
			ist_fail(err, IST_NO_MEMORY, 0, "no memory for the kernel command line");
			return EFI_OUT_OF_RESOURCES;
		}
		li->LoadOptions = cmdline;
		li->LoadOptionsSize = (UINT32)((len + 1) * sizeof(CHAR16));
	}
	s = BS->StartImage(kh, NULL, NULL);
	ist_fail(err, IST_UNSUPPORTED, 0, "the kernel returned to the loader (status %u)",
		 (unsigned)(s & 0xffff));
	li->LoadOptions = NULL;
	li->LoadOptionsSize = 0;
	pool_put(cmdline);
	return EFI_ERROR(s) ? s : EFI_LOAD_ERROR;
}
