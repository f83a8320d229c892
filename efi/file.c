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

EFI_STATUS file_open(EFI_FILE_HANDLE root, const char *path, struct file_reader *r,
		     struct ist_error *err)
{
	*r = (struct file_reader){ .path = path };
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
	r->f = f;
	r->size = info->FileSize;
	return EFI_SUCCESS;
}

void file_close(struct file_reader *r)
{
	if (r->f)
		r->f->Close(r->f);
	r->f = NULL;
}

EFI_STATUS file_peek(struct file_reader *r, UINT64 offset, void *dst, UINTN n,
		     struct ist_error *err)
{
	UINTN got = n;
	EFI_STATUS s = r->f->SetPosition(r->f, offset);
	if (!EFI_ERROR(s))
		s = r->f->Read(r->f, &got, dst);
	EFI_STATUS back = r->f->SetPosition(r->f, r->done);
	if (EFI_ERROR(s) || got != n || EFI_ERROR(back)) {
		s = EFI_ERROR(s) ? s : EFI_ERROR(back) ? back : EFI_END_OF_FILE;
		ist_fail(err, IST_TRUNCATED, offset, "%s: read failed at offset %llu of %llu: %s",
			 r->path, (unsigned long long)offset, (unsigned long long)r->size,
			 s == EFI_END_OF_FILE ? "end of file" : why(s));
		return s;
	}
	return EFI_SUCCESS;
}

EFI_STATUS file_next(struct file_reader *r, void *dst, UINTN max, UINTN *got_ret,
		     struct ist_error *err)
{
	UINT64 left = r->size - r->done;
	UINTN want = left < max ? (UINTN)left : max;
	if (want > CHUNK)
		want = CHUNK;
	UINTN got = want;
	*got_ret = 0;
	if (!want)
		return EFI_SUCCESS;
	EFI_STATUS s = r->f->Read(r->f, &got, dst);
	if (EFI_ERROR(s) || got == 0) {
		ist_fail(err, IST_TRUNCATED, r->done, "%s: read failed at offset %llu of %llu: %s",
			 r->path, (unsigned long long)r->done, (unsigned long long)r->size,
			 EFI_ERROR(s) ? why(s) : "end of file");
		return EFI_ERROR(s) ? s : EFI_END_OF_FILE;
	}
	r->done += got;
	*got_ret = got;
	if (r->size >= PROGRESS_MIN) {
		unsigned pct = (unsigned)(r->done * 100 / r->size);
		if (pct / 25 > r->shown / 25 || r->done == r->size) {
			r->shown = pct;
			say("  %s: %llu of %llu MiB", r->path, (unsigned long long)(r->done >> 20),
			    (unsigned long long)(r->size >> 20));
		}
	}
	return EFI_SUCCESS;
}

EFI_STATUS file_read_rest(struct file_reader *r, struct pages *out, struct ist_error *err)
{
	EFI_STATUS s = pages_alloc(out, (UINTN)r->size);
	if (EFI_ERROR(s)) {
		ist_fail(err, IST_NO_MEMORY, 0, "%s: no memory for %llu bytes", r->path,
			 (unsigned long long)r->size);
		return s;
	}
	UINT8 *dst = pages_ptr(out);
	while (r->done < r->size) {
		UINTN got;
		s = file_next(r, dst + r->done, (UINTN)(r->size - r->done), &got, err);
		if (EFI_ERROR(s)) {
			pages_free(out);
			return s;
		}
	}
	return EFI_SUCCESS;
}

EFI_STATUS file_read(EFI_FILE_HANDLE root, const char *path, struct pages *out,
		     struct ist_error *err)
{
	struct file_reader r;
	EFI_STATUS s = file_open(root, path, &r, err);
	if (EFI_ERROR(s))
		return s;
	s = file_read_rest(&r, out, err);
	file_close(&r);
	return s;
}

void file_error_named(struct ist_error *err, const char *entry, unsigned line)
{
	struct ist_error inner = *err;
	ist_fail(err, inner.status, inner.offset, "%s:%u: %s", entry, line, inner.msg);
}

EFI_STATUS file_read_named(EFI_FILE_HANDLE root, const char *entry, unsigned line,
			   const char *path, struct pages *out, struct ist_error *err)
{
	EFI_STATUS s = file_read(root, path, out, err);
	if (EFI_ERROR(s))
		file_error_named(err, entry, line);
	return s;
}
