/*
 * A second core for the core's split inflate (initstack/inflate_split.h),
 * through the firmware's EFI_MP_SERVICES_PROTOCOL (PI specification,
 * volume 2, "Multiprocessor Services Protocol").
 *
 * efi_mp_init looks for the protocol and an enabled, healthy application
 * processor (AP) once; on a machine with one core, or firmware without the
 * protocol, it returns false and the loader decodes on one core. The helper
 * it fills in starts the function on that AP in non-blocking mode
 * (StartupThisAP with a wait event and a 60 s timeout) and waits for the
 * event.
 * The function must call no boot service: it runs on the AP, where none is
 * allowed, on the firmware's AP stack (32 KiB in OVMF).
 *
 * Any failure of the firmware's calls makes `start` return false; `failed`
 * and `status` then name the first call that failed and its EFI status, for
 * one line on the console.
 */
#ifndef INITSTACK_EFI_MP_H
#define INITSTACK_EFI_MP_H

#include <initstack/inflate_split.h>

#include "efi-util.h"

struct efi_mp_services;

/* How long the first core waits for the second: minutes' worth of decoding. */
#define EFI_MP_TIMEOUT_US (60u * 1000u * 1000u)

struct efi_mp {
	struct efi_mp_services *mp;
	UINTN cpu;           /* the AP's processor number */
	EFI_EVENT done;      /* signalled by the firmware when fn has returned */
	void (*fn)(void *arg);
	void *arg;
	BOOLEAN finished;    /* set by the firmware: fn returned before the timeout */
	const char *failed;  /* the call that failed, NULL if none did */
	EFI_STATUS status;   /* and its status */
};

/*
 * Find the MP services and an AP; on success fill in `h` for
 * ist_inflate_run_split. False (and `failed` set only where a call
 * misbehaved, not for a missing protocol or a lone core) otherwise.
 */
bool efi_mp_init(struct efi_mp *m, struct ist_inflate_helper *h);

#endif
