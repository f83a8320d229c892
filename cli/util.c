#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <initstack/cpio.h>

static void *host_malloc(void *user, size_t n)
{
	(void)user;
	return malloc(n);
}

static void host_free(void *user, void *p)
{
	(void)user;
	free(p);
}

const struct ist_alloc host_alloc = { host_malloc, host_free, NULL };

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

char type_letter(uint32_t mode)
{
	switch (mode & IST_S_IFMT) {
	case IST_S_IFREG: return 'f';
	case IST_S_IFDIR: return 'd';
	case IST_S_IFLNK: return 'l';
	case IST_S_IFCHR: return 'c';
	case IST_S_IFBLK: return 'b';
	case IST_S_IFIFO: return 'p';
	case IST_S_IFSOCK: return 's';
	}
	return '?';
}

const char *type_word(uint32_t mode)
{
	switch (mode & IST_S_IFMT) {
	case IST_S_IFREG: return "file";
	case IST_S_IFDIR: return "dir";
	case IST_S_IFLNK: return "symlink";
	case IST_S_IFCHR: return "chardev";
	case IST_S_IFBLK: return "blockdev";
	case IST_S_IFIFO: return "fifo";
	case IST_S_IFSOCK: return "socket";
	}
	return "none";
}

void mode_string(uint32_t mode, char out[11])
{
	char t = type_letter(mode);
	out[0] = t == 'f' ? '-' : t;
	const char *rwx = "rwxrwxrwx";
	for (int i = 0; i < 9; i++)
		out[1 + i] = (mode >> (8 - i)) & 1 ? rwx[i] : '-';
	if (mode & 04000)
		out[3] = out[3] == 'x' ? 's' : 'S';
	if (mode & 02000)
		out[6] = out[6] == 'x' ? 's' : 'S';
	if (mode & 01000)
		out[9] = out[9] == 'x' ? 't' : 'T';
	out[10] = '\0';
}

char *build_tree_file(const char *rel)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	for (int up = 0; up < 2; up++) { /* the program's name, then build/X */
		char *slash = strrchr(exe, '/');
		if (!slash)
			return NULL;
		*slash = '\0';
	}
	size_t len = strlen(exe) + 1 + strlen(rel) + 1;
	char *out = malloc(len);
	if (!out)
		return NULL;
	snprintf(out, len, "%s/%s", exe, rel);
	if (access(out, R_OK)) {
		free(out);
		return NULL;
	}
	return out;
}
