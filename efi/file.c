/*
 * Files on the loader's own volume. Large files are read in bounded
 * chunks: some firmware fails one huge Read.
 */
#include <initstack/format.h>

#include "efi-util.h"

#define CHUNK (4u << 20)
#define PROGRESS_MIN (8u << 20)

EFI_STATUS volume_root(EFI_HANDLE image, EFI_FILE_HANDLE *root, struct ist_error *err)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_FILE_IO_INTERFACE *fs = NULL;
	EFI_STATUS s = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(s)) {
		ist_fail(err, IST_UNSUPPORTED, 0, "cannot find the loader's own image (status %u)",
			 (unsigned)(s & 0xffff));
		return s;
	}
	s = BS->HandleProtocol(li->DeviceHandle, &FileSystemProtocol, (void **)&fs);
	if (EFI_ERROR(s)) {
		ist_fail(err, IST_UNSUPPORTED, 0,
			 "the loader's volume has no file system the firmware can read (status %u)",
			 (unsigned)(s & 0xffff));
		return s;
	}
	s = fs->OpenVolume(fs, root);
	if (EFI_ERROR(s))
		ist_fail(err, IST_UNSUPPORTED, 0, "cannot open the loader's volume (status %u)",
			 (unsigned)(s & 0xffff));
	return s;
}

static const char *why(EFI_STATUS s)
{
	switch (s) {
	case EFI_NOT_FOUND: return "not found";
	case EFI_ACCESS_DENIED: return "access denied";
	case EFI_OUT_OF_RESOURCES: return "out of memory";
	case EFI_DEVICE_ERROR: return "device error";
	case EFI_VOLUME_CORRUPTED: return "volume corrupted";
	case EFI_NO_MEDIA: return "no media";
	case EFI_INVALID_PARAMETER: return "invalid file name";
	case EFI_BUFFER_TOO_SMALL: return "buffer too small";
	}
	return "firmware error";
}

EFI_STATUS file_read(EFI_FILE_HANDLE root, const char *path, struct pages *out,
		     struct ist_error *err)
{
	CHAR16 name[512];
	UINTN n = 0;
	const char *p = path;
	while (*p == '/')
		p++;
	for (; *p; p++) {
		if (n + 1 >= sizeof name / sizeof name[0]) {
			ist_fail(err, IST_INVALID, 0, "%s: path too long", path);
			return EFI_INVALID_PARAMETER;
		}
		name[n++] = *p == '/' ? L'\\' : (CHAR16)(unsigned char)*p;
	}
	name[n] = 0;
	EFI_FILE_HANDLE f = NULL;
	EFI_STATUS s = root->Open(root, &f, name, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(s)) {
		ist_fail(err, IST_UNSUPPORTED, 0, "%s: cannot open: %s", path, why(s));
		return s;
	}
	char infobuf[SIZE_OF_EFI_FILE_INFO + 1024] __attribute__((aligned(8)));
	UINTN isz = sizeof infobuf;
	s = f->GetInfo(f, &GenericFileInfo, &isz, infobuf);
	if (EFI_ERROR(s)) {
		ist_fail(err, IST_UNSUPPORTED, 0, "%s: cannot get its size: %s", path, why(s));
		f->Close(f);
		return s;
	}
	EFI_FILE_INFO *info = (EFI_FILE_INFO *)infobuf;
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		ist_fail(err, IST_UNSUPPORTED, 0, "%s: is a directory", path);
		f->Close(f);
		return EFI_NOT_FOUND;
	}
	UINT64 size = info->FileSize;
	s = pages_alloc(out, (UINTN)size);
	if (EFI_ERROR(s)) {
		ist_fail(err, IST_NO_MEMORY, 0, "%s: no memory for %llu bytes", path,
			 (unsigned long long)size);
		f->Close(f);
		return s;
	}
	UINT8 *dst = pages_ptr(out);
	UINT64 done = 0;
	unsigned shown = 0;
	while (done < size) {
		UINTN want = size - done < CHUNK ? (UINTN)(size - done) : CHUNK;
		UINTN got = want;
		s = f->Read(f, &got, dst + done);
		if (EFI_ERROR(s) || got == 0) {
			ist_fail(err, IST_TRUNCATED, done, "%s: read failed at offset %llu of %llu: %s",
				 path, (unsigned long long)done, (unsigned long long)size,
				 EFI_ERROR(s) ? why(s) : "end of file");
			pages_free(out);
			f->Close(f);
			return EFI_ERROR(s) ? s : EFI_END_OF_FILE;
		}
		done += got;
		if (size >= PROGRESS_MIN) {
			unsigned pct = (unsigned)(done * 100 / size);
			if (pct / 25 > shown / 25 || done == size) {
				shown = pct;
				say("  %s: %llu of %llu MiB", path, (unsigned long long)(done >> 20),
				    (unsigned long long)(size >> 20));
			}
		}
	}
	f->Close(f);
	return EFI_SUCCESS;
}

EFI_STATUS file_read_named(EFI_FILE_HANDLE root, const char *entry, unsigned line,
			   const char *path, struct pages *out, struct ist_error *err)
{
	EFI_STATUS s = file_read(root, path, out, err);
	if (EFI_ERROR(s)) {
		struct ist_error inner = *err;
		ist_fail(err, inner.status, inner.offset, "%s:%u: %s", entry, line, inner.msg);
	}
	return s;
}
