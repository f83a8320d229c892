/*
 * The boot entries of /loader/entries (the BLS directory systemd-boot and
 * kernel-install use), so that an installed system boots its newest kernel
 * and falls back to the one before when that cannot boot (docs/loader.md).
 */
#include <initstack/entry.h>

#include "entries.h"

static bool ends_conf(const char *s, UINTN n)
{
	if (n < 6)
		return false;
	const char *e = s + n - 5;
	return e[0] == '.' && (e[1] | 0x20) == 'c' && (e[2] | 0x20) == 'o' &&
	       (e[3] | 0x20) == 'n' && (e[4] | 0x20) == 'f';
}

static UINTN str_len(const char *s)
{
	UINTN n = 0;
	while (s[n])
		n++;
	return n;
}

/* the newest first: insertion, at most ENTRIES_MAX kept */
static void insert(struct entries *out, const char *name)
{
	char path[sizeof out->path[0]];
	UINTN k = 0;
	for (const char *p = ENTRIES_DIR "/"; *p; p++)
		path[k++] = *p;
	for (const char *p = name; *p; p++)
		path[k++] = *p;
	path[k] = '\0';
	const UINTN skip = sizeof ENTRIES_DIR;
	unsigned at = 0;
	while (at < out->n && ist_version_cmp(out->path[at] + skip, name) >= 0)
		at++;
	if (at == ENTRIES_MAX)
		return;
	unsigned last = out->n < ENTRIES_MAX ? out->n : ENTRIES_MAX - 1;
	for (unsigned i = last; i > at; i--)
		CopyMem(out->path[i], out->path[i - 1], sizeof out->path[0]);
	CopyMem(out->path[at], path, k + 1);
	if (out->n < ENTRIES_MAX)
		out->n++;
}

void entries_list(EFI_FILE_HANDLE root, struct entries *out)
{
	out->n = 0;
	EFI_FILE_HANDLE dir = NULL;
	if (EFI_ERROR(root->Open(root, &dir, L"loader\\entries", EFI_FILE_MODE_READ, 0)))
		return;
	char buf[SIZE_OF_EFI_FILE_INFO + 2 * 1024] __attribute__((aligned(8)));
	unsigned seen = 0;
	for (;;) {
		UINTN size = sizeof buf;
		EFI_STATUS s = dir->Read(dir, &size, buf);
		if (EFI_ERROR(s)) {
			/* a name longer than the buffer cannot be stepped over */
			say("initstack: %s: cannot list past entry %u (status %u)", ENTRIES_DIR, seen,
			    (unsigned)(s & 0xffff));
			break;
		}
		if (size == 0)
			break;
		seen++;
		EFI_FILE_INFO *info = (EFI_FILE_INFO *)buf;
		if (info->Attribute & EFI_FILE_DIRECTORY || info->FileName[0] == L'.')
			continue;
		char name[ENTRY_NAME_MAX];
		UINTN len = (size - SIZE_OF_EFI_FILE_INFO) / sizeof(CHAR16);
		if (!ucs2_to_ascii(info->FileName, len, name, sizeof name)) {
			say("initstack: %s: an entry name that is not ASCII or longer than %u, skipped",
			    ENTRIES_DIR, (unsigned)ENTRY_NAME_MAX - 1);
			continue;
		}
		if (ends_conf(name, str_len(name)))
			insert(out, name);
	}
	dir->Close(dir);
}
