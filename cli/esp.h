/* Where initstack goes on an installed system (docs/install.md). */
#ifndef INITSTACK_CLI_ESP_H
#define INITSTACK_CLI_ESP_H

#define INITSTACK_LIBDIR "/usr/lib/initstack"
#define INITSTACK_ESP_DIR "/EFI/initstack"
#define INITSTACK_ESP_IMAGE "/EFI/initstack/initstackx64.efi"
#define INITSTACK_REMOVABLE "/EFI/BOOT/BOOTX64.EFI"

/*
 * The ESP: `given` if not NULL; else the first of /efi, /boot/efi and /boot
 * (under sys_root) that is a FAT mount point, as bootctl looks; else the
 * first of them with an /EFI directory (a system image being built, where
 * nothing is mounted). NULL, with a line on stderr, if none. Free it.
 */
char *esp_find(const char *given, const char *who);
/* The same without the line: NULL is not an error for the caller. */
char *esp_find_quiet(const char *given);

/*
 * The entry token that names this installation's files on the ESP:
 * /etc/kernel/entry-token, else the machine ID, else os-release's ID, else
 * "linux". Free it.
 */
char *esp_entry_token(void);

#endif
