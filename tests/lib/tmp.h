/*
 * Test helpers for scratch files and external tools (host only).
 *
 * tmp_dir() makes one private directory per test process (under $TMPDIR or
 * /tmp) and removes it at exit unless INITSTACK_KEEP_TMP is set. The other
 * helpers return malloc'd memory the caller frees, and NULL/-1 on failure
 * after printing why to stderr.
 */
#ifndef INITSTACK_TEST_TMP_H
#define INITSTACK_TEST_TMP_H

#include <stddef.h>
#include <stdint.h>

/* The process's scratch directory (created on first use). */
const char *tmp_dir(void);

/* A path inside tmp_dir(), printf-style; malloc'd. */
char *tmp_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run a /bin/sh command (printf-style) in tmp_dir(); its exit status, or -1. */
int tmp_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Run a /bin/sh command in tmp_dir() and capture its stdout (NUL-terminated,
 * length in *len if len is not NULL). *status gets the exit status. NULL if
 * the command could not be started.
 */
char *tmp_sh_out(int *status, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Relative paths given to tmp_read and tmp_write are inside tmp_dir(). */

/* Whole file into memory (NUL-terminated beyond *len); NULL on error. */
uint8_t *tmp_read(const char *path, size_t *len);

/* Write (create/truncate) a file; 0 or -1. */
int tmp_write(const char *path, const void *p, size_t n);

/* Deterministic pseudo-random bytes (xorshift) for test data. */
void tmp_fill_random(uint8_t *p, size_t n, uint64_t seed);

#endif
