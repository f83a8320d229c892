/*
 * The split inflate's helper on UEFI MP services (see mp.h). gnu-efi has
 * no header for the protocol; its layout is the PI specification's.
 */
#include "mp.h"

#define MP_SERVICES_GUID \
	{ 0x3fdda605, 0xa76e, 0x4f46, { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } }

/* EFI_PROCESSOR_INFORMATION's StatusFlag */
#define PROCESSOR_AS_BSP 0x1u
#define PROCESSOR_ENABLED 0x2u
#define PROCESSOR_HEALTHY 0x4u

typedef VOID(EFIAPI *ap_procedure)(VOID *arg);

/*
 * EFI_PROCESSOR_INFORMATION with PI 1.7's extended topology after the
 * location: firmware writes it only when asked (bit 24 of the processor
 * number), but the room costs nothing.
 */
struct processor_info {
	UINT64 id;
	UINT32 status;
	struct {
		UINT32 package, core, thread;
	} location;
	struct {
		UINT32 package, module, tile, die, core, thread;
	} extended;
};

struct efi_mp_services {
	EFI_STATUS(EFIAPI *GetNumberOfProcessors)(struct efi_mp_services *this, UINTN *count,
						  UINTN *enabled);
	EFI_STATUS(EFIAPI *GetProcessorInfo)(struct efi_mp_services *this, UINTN cpu,
					     struct processor_info *info);
	EFI_STATUS(EFIAPI *StartupAllAPs)(struct efi_mp_services *this, ap_procedure fn,
					  BOOLEAN single_thread, EFI_EVENT wait, UINTN timeout_us,
					  VOID *arg, UINTN **failed_cpus);
	EFI_STATUS(EFIAPI *StartupThisAP)(struct efi_mp_services *this, ap_procedure fn, UINTN cpu,
					  EFI_EVENT wait, UINTN timeout_us, VOID *arg,
					  BOOLEAN *finished);
	EFI_STATUS(EFIAPI *SwitchBSP)(struct efi_mp_services *this, UINTN cpu, BOOLEAN enable_old);
	EFI_STATUS(EFIAPI *EnableDisableAP)(struct efi_mp_services *this, UINTN cpu, BOOLEAN enable,
					    UINT32 *health);
	EFI_STATUS(EFIAPI *WhoAmI)(struct efi_mp_services *this, UINTN *cpu);
};

static bool fail(struct efi_mp *m, const char *call, EFI_STATUS s)
{
	m->failed = call;
	m->status = s;
	return false;
}

/* On the AP: the firmware calls it with the MS ABI, the core's fn is ours. */
static VOID EFIAPI on_ap(VOID *arg)
{
	struct efi_mp *m = arg;
	m->fn(m->arg);
}

static bool start(void *ctx, void (*fn)(void *arg), void *arg)
{
	struct efi_mp *m = ctx;
	/* A plain event (no notification): the firmware signals it from its
	 * periodic check of the AP, and WaitForEvent polls it. */
	EFI_STATUS s = BS->CreateEvent(0, 0, NULL, NULL, &m->done);
	if (EFI_ERROR(s))
		return fail(m, "CreateEvent", s);
	m->fn = fn;
	m->arg = arg;
	m->finished = FALSE;
	s = m->mp->StartupThisAP(m->mp, on_ap, m->cpu, m->done, EFI_MP_TIMEOUT_US, m, &m->finished);
	if (EFI_ERROR(s)) {
		BS->CloseEvent(m->done);
		m->done = NULL;
		return fail(m, "StartupThisAP", s);
	}
	return true;
}

/*
 * The core's function always returns (the first core cancels it when it
 * is not needed), but an AP that faults or stalls in some firmware must
 * not hang the boot: the firmware signals the event at the timeout too,
 * with `finished` false, and then the core decodes on alone and the
 * buffers stay allocated (the AP may still be writing to them).
 */
static bool wait(void *ctx)
{
	struct efi_mp *m = ctx;
	UINTN index;
	EFI_STATUS s;
	while ((s = BS->WaitForEvent(1, &m->done, &index)) != EFI_SUCCESS) {
		/* WaitForEvent needs TPL_APPLICATION; poll where it refuses */
		if (BS->CheckEvent(m->done) == EFI_SUCCESS)
			break;
	}
	BS->CloseEvent(m->done);
	m->done = NULL;
	if (!m->finished) {
		m->failed = "StartupThisAP (the second core did not finish in time)";
		m->status = EFI_TIMEOUT;
	}
	return m->finished;
}

bool efi_mp_init(struct efi_mp *m, struct ist_inflate_helper *h)
{
	static EFI_GUID guid = MP_SERVICES_GUID;
	*m = (struct efi_mp){ 0 };
	if (EFI_ERROR(BS->LocateProtocol(&guid, NULL, (void **)&m->mp)) || !m->mp)
		return false; /* no MP services: one core as far as we know */
	UINTN count = 0, enabled = 0, self = 0;
	EFI_STATUS s = m->mp->GetNumberOfProcessors(m->mp, &count, &enabled);
	if (EFI_ERROR(s))
		return fail(m, "GetNumberOfProcessors", s);
	if (enabled < 2)
		return false;
	s = m->mp->WhoAmI(m->mp, &self);
	if (EFI_ERROR(s))
		return fail(m, "WhoAmI", s);
	for (UINTN cpu = 0; cpu < count; cpu++) {
		struct processor_info info;
		if (cpu == self || EFI_ERROR(m->mp->GetProcessorInfo(m->mp, cpu, &info)))
			continue;
		unsigned want = PROCESSOR_ENABLED | PROCESSOR_HEALTHY;
		if ((info.status & (want | PROCESSOR_AS_BSP)) == want) {
			m->cpu = cpu;
			*h = (struct ist_inflate_helper){ start, wait, m };
			return true;
		}
	}
	return fail(m, "GetProcessorInfo", EFI_NOT_FOUND);
}
