/*
 * The initrd for the kernel's EFI stub: a LoadFile2 protocol on a handle
 * that carries the LINUX_EFI_INITRD_MEDIA_GUID vendor media device path.
 * The parts stay in their own buffers; LoadFile copies them straight into
 * the kernel's buffer, each padded to 4 bytes and nothing after the last
 * (so the measured bytes are predictable).
 */
#include "initrd.h"
#include "clock.h"

#define LINUX_EFI_INITRD_MEDIA_GUID \
	{ 0x5568e427, 0x68fc, 0x4f3d, { 0xac, 0x74, 0xca, 0x55, 0x52, 0x31, 0xcc, 0x68 } }
#define LOAD_FILE2_PROTOCOL_GUID \
	{ 0x4006c0c1, 0xfcb3, 0x403e, { 0x99, 0x6d, 0x4a, 0x6c, 0x87, 0x24, 0xe0, 0x6d } }

static EFI_GUID lf2_guid = LOAD_FILE2_PROTOCOL_GUID;

struct initrd_path {
	VENDOR_DEVICE_PATH vendor;
	EFI_DEVICE_PATH end;
} __attribute__((packed));

static const struct initrd_path initrd_path = {
	.vendor = {
		.Header = { MEDIA_DEVICE_PATH, MEDIA_VENDOR_DP,
			    { sizeof(VENDOR_DEVICE_PATH), 0 } },
		.Guid = LINUX_EFI_INITRD_MEDIA_GUID,
	},
	.end = { END_DEVICE_PATH_TYPE, END_ENTIRE_DEVICE_PATH_SUBTYPE,
		 { sizeof(EFI_DEVICE_PATH), 0 } },
};

static UINTN padded(UINTN n)
{
	return (n + 3) & ~(UINTN)3;
}

UINTN initrd_size(const struct initrd *ir)
{
	UINTN total = 0;
	for (UINTN i = 0; i < ir->nparts; i++)
		total += i + 1 < ir->nparts ? padded(ir->parts[i].len) : ir->parts[i].len;
	return total;
}

bool initrd_add(struct initrd *ir, const void *p, UINTN len)
{
	if (ir->nparts == INITRD_MAX_PARTS)
		return false;
	ir->parts[ir->nparts].p = p;
	ir->parts[ir->nparts].len = len;
	ir->nparts++;
	return true;
}

static EFI_STATUS EFIAPI load_file(struct load_file2 *this, EFI_DEVICE_PATH *path,
				   BOOLEAN boot_policy, UINTN *size, VOID *buf)
{
	struct initrd *ir = (struct initrd *)this;
	if (!this || !size || !path)
		return EFI_INVALID_PARAMETER;
	if (boot_policy)
		return EFI_UNSUPPORTED;
	UINTN total = initrd_size(ir);
	if (!total)
		return EFI_NOT_FOUND;
	if (!buf || *size < total) {
		*size = total;
		return EFI_BUFFER_TOO_SMALL;
	}
	UINT64 t0 = clock_ms();
	UINT8 *dst = buf;
	for (UINTN i = 0; i < ir->nparts; i++) {
		copy_mem(dst, ir->parts[i].p, ir->parts[i].len);
		dst += ir->parts[i].len;
		if (i + 1 < ir->nparts) {
			UINTN pad = padded(ir->parts[i].len) - ir->parts[i].len;
			SetMem(dst, pad, 0);
			dst += pad;
		}
	}
	*size = total;
	/* the boot benchmark reads this line (docs/benchmarks.md) */
	say("initstack: LoadFile2: %llu bytes to the kernel in %llu ms", (unsigned long long)total,
	    (unsigned long long)(clock_ms() - t0));
	return EFI_SUCCESS;
}

EFI_STATUS initrd_install(struct initrd *ir)
{
	EFI_GUID dp_guid = DEVICE_PATH_PROTOCOL;
	EFI_HANDLE existing = NULL;
	EFI_DEVICE_PATH *dp = (EFI_DEVICE_PATH *)&initrd_path;
	/* Another loader's initrd would be used instead of ours. */
	if (!EFI_ERROR(BS->LocateDevicePath(&dp_guid, &dp, &existing)) && existing &&
	    IsDevicePathEnd(dp))
		return EFI_ALREADY_STARTED;
	ir->lf2.load_file = load_file;
	ir->handle = NULL;
	EFI_STATUS s = BS->InstallProtocolInterface(&ir->handle, &dp_guid, EFI_NATIVE_INTERFACE,
						    (VOID *)&initrd_path);
	if (EFI_ERROR(s))
		return s;
	s = BS->InstallProtocolInterface(&ir->handle, &lf2_guid, EFI_NATIVE_INTERFACE, &ir->lf2);
	if (EFI_ERROR(s)) {
		BS->UninstallProtocolInterface(ir->handle, &dp_guid, (VOID *)&initrd_path);
		ir->handle = NULL;
	}
	return s;
}

void initrd_uninstall(struct initrd *ir)
{
	EFI_GUID dp_guid = DEVICE_PATH_PROTOCOL;
	if (!ir->handle)
		return;
	BS->UninstallProtocolInterface(ir->handle, &lf2_guid, &ir->lf2);
	BS->UninstallProtocolInterface(ir->handle, &dp_guid, (VOID *)&initrd_path);
	ir->handle = NULL;
}
