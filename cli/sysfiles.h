/*
 * Files of an installed system for `initstack install` and `initstack
 * entry`: whole reads, writes that replace a file only once the new one is
 * complete (a power cut leaves the old entry or the new one, never half),
 * and the paths of a system root that tests can move (--root).
 */
#ifndef INITSTACK_CLI_SYSFILES_H
#define INITSTACK_CLI_SYSFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The whole file, NUL-terminated (the NUL not counted); NULL with errno. */
uint8_t *sys_read(const char *path, size_t *len);
/* Write `len` bytes to PATH.tmp, fsync, rename over PATH. 0 or -1 (errno). */
int sys_write(const char *path, const void *p, size_t len);
/* mkdir -p; 0 or -1 (errno). */
int sys_mkdirs(const char *path, unsigned mode);
/* rm -r of a directory of plain files and directories; 0 or -1. */
int sys_remove_tree(const char *path);
bool sys_is_dir(const char *path);
bool sys_exists(const char *path);
/* Same bytes? false when either cannot be read. */
bool sys_same(const char *a, const char *b);

/* The system root the commands work on ("" for /): `--root DIR`. */
extern const char *sys_root;
/* sys_root + path, in a static ring of buffers (four live at once). */
const char *sys_path(const char *path);

/* The first line of a file without its end of line, trimmed; NULL if none. */
char *sys_first_line(const char *path);
/* VALUE of KEY=VALUE in an os-release file, quotes removed; NULL if none. */
char *sys_os_release(const char *key);

#endif
