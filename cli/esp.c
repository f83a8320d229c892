/* Finding the ESP and the entry token (cli/esp.h). */
#include "esp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "sysfiles.h"

#define FAT_MAGIC 0x4d44 /* MSDOS_SUPER_MAGIC */

static bool fat_mount_point(const char *dir)
{
	struct stat st, up;
	struct statfs fs;
	char parent[4096];
	snprintf(parent, sizeof parent, "%s/..", dir);
	return !stat(dir, &st) && !stat(parent, &up) && st.st_dev != up.st_dev &&
	       !statfs(dir, &fs) && fs.f_type == FAT_MAGIC;
}

static char *find(const char *given, const char *who, bool quiet);

char *esp_find(const char *given, const char *who)
{
	return find(given, who, false);
}

char *esp_find_quiet(const char *given)
{
	return find(given, "entry", true);
}

static char *find(const char *given, const char *who, bool quiet)
{
	if (given) {
		if (!sys_is_dir(given) && !quiet) {
			fprintf(stderr, "initstack %s: %s: the ESP is not a directory\n", who, given);
			return NULL;
		}
		return sys_is_dir(given) ? strdup(given) : NULL;
	}
	static const char *const where[] = { "/efi", "/boot/efi", "/boot" };
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
			const char *d = sys_path(where[i]);
			char efi[4096];
			snprintf(efi, sizeof efi, "%s/EFI", d);
			if (pass == 0 ? fat_mount_point(d) : sys_is_dir(efi))
				return strdup(d);
		}
	}
	if (quiet)
		return NULL;
	fprintf(stderr,
		"initstack %s: no ESP: none of %s/efi, %s/boot/efi, %s/boot is a FAT mount point or has an EFI directory; give --esp DIR\n",
		who, sys_root, sys_root, sys_root);
	return NULL;
}

static bool machine_id_ok(const char *s)
{
	if (!s || strlen(s) != 32)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return strspn(s, "0") != 32;
}

char *esp_entry_token(void)
{
	char *t = sys_first_line(sys_path("/etc/kernel/entry-token"));
	if (t)
		return t;
	t = sys_first_line(sys_path("/etc/machine-id"));
	if (machine_id_ok(t))
		return t;
	free(t);
	t = sys_os_release("ID");
	return t && *t ? t : (free(t), strdup("linux"));
}
