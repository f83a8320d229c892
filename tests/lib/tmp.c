/* Test helpers for scratch files and external tools; see tmp.h. */
#include "tmp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmp_dir_path[4096];

static void tmp_cleanup(void)
{
	if (!tmp_dir_path[0] || getenv("INITSTACK_KEEP_TMP"))
		return;
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir_path);
	if (system(cmd) != 0)
		fprintf(stderr, "tmp: could not remove %s\n", tmp_dir_path);
}

const char *tmp_dir(void)
{
	if (tmp_dir_path[0])
		return tmp_dir_path;
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	snprintf(tmp_dir_path, sizeof tmp_dir_path, "%s/initstack-test-XXXXXX", base);
	if (!mkdtemp(tmp_dir_path)) {
		fprintf(stderr, "tmp: mkdtemp %s: %s\n", tmp_dir_path, strerror(errno));
		exit(2);
	}
	atexit(tmp_cleanup);
	return tmp_dir_path;
}

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

char *tmp_path(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *rel = vformat(fmt, ap);
	va_end(ap);
	char *path = NULL;
	if (rel && asprintf(&path, "%s/%s", tmp_dir(), rel) < 0)
		path = NULL;
	free(rel);
	return path;
}

static char *in_dir(const char *cmd)
{
	char *full = NULL;
	if (asprintf(&full, "cd '%s' && { %s\n}", tmp_dir(), cmd) < 0)
		return NULL;
	return full;
}

int tmp_sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = vformat(fmt, ap);
	va_end(ap);
	char *full = cmd ? in_dir(cmd) : NULL;
	free(cmd);
	if (!full)
		return -1;
	fflush(NULL);
	int st = system(full);
	free(full);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/*
 * Everything `f` gives until its end, NUL-terminated (not counted in *n);
 * NULL when out of memory. The caller closes `f`.
 */
static uint8_t *read_all(FILE *f, size_t *n_ret)
{
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? 2 * cap : 65536 * 2;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		if (!got)
			break;
		n += got;
	}
	buf[n] = 0;
	*n_ret = n;
	return buf;
}

char *tmp_sh_out(int *status, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = vformat(fmt, ap);
	va_end(ap);
	char *full = cmd ? in_dir(cmd) : NULL;
	free(cmd);
	if (status)
		*status = -1;
	if (!full)
		return NULL;
	fflush(NULL);
	FILE *f = popen(full, "r");
	free(full);
	if (!f)
		return NULL;
	size_t n = 0;
	char *buf = (char *)read_all(f, &n);
	int st = pclose(f);
	if (!buf)
		return NULL;
	if (status)
		*status = (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
	if (len)
		*len = n;
	return buf;
}

/* `path` as given if absolute, else inside tmp_dir(); malloc'd. */
static char *resolve(const char *path)
{
	return path[0] == '/' ? strdup(path) : tmp_path("%s", path);
}

static FILE *open_at(const char *path, const char *how)
{
	char *full = resolve(path);
	FILE *f = full ? fopen(full, how) : NULL;
	free(full);
	return f;
}

uint8_t *tmp_read(const char *path, size_t *len)
{
	FILE *f = open_at(path, "rb");
	if (!f) {
		fprintf(stderr, "tmp: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t n = 0;
	uint8_t *buf = read_all(f, &n);
	int bad = ferror(f);
	fclose(f);
	if (!buf)
		return NULL;
	if (bad) {
		fprintf(stderr, "tmp: %s: read error\n", path);
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}

int tmp_write(const char *path, const void *p, size_t n)
{
	FILE *f = open_at(path, "wb");
	if (!f) {
		fprintf(stderr, "tmp: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t put = n ? fwrite(p, 1, n, f) : 0;
	if (fclose(f) != 0 || put != n) {
		fprintf(stderr, "tmp: %s: write error\n", path);
		return -1;
	}
	return 0;
}

void tmp_fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)(x >> 32);
	}
}
