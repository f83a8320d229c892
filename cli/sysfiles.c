/* Files of an installed system (cli/sysfiles.h). */
#include "sysfiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *sys_root = "";

const char *sys_path(const char *path)
{
	static char ring[4][PATH_MAX];
	static unsigned next;
	char *out = ring[next++ % 4];
	snprintf(out, PATH_MAX, "%s%s", sys_root, path);
	return out;
}

uint8_t *sys_read(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (!errno || S_ISDIR(st.st_mode))
			errno = EISDIR;
		close(fd);
		return NULL;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	uint8_t *p = malloc(cap);
	while (p) {
		if (n + 1 == cap) {
			uint8_t *q = realloc(p, cap *= 2);
			if (!q) {
				free(p);
				p = NULL;
				break;
			}
			p = q;
		}
		ssize_t r = read(fd, p + n, cap - 1 - n);
		if (r < 0) {
			int e = errno;
			free(p);
			p = NULL;
			errno = e;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (p) {
		p[n] = 0;
		*len = n;
	}
	return p;
}

int sys_write(const char *path, const void *p, size_t len)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	const uint8_t *b = p;
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, b + done, len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		done += (size_t)w;
	}
	if (fsync(fd))
		goto fail;
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path))
		goto fail;
	return 0;
fail:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
	return -1;
}

int sys_mkdirs(const char *path, unsigned mode)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *s = buf + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			if (mkdir(buf, mode) && errno != EEXIST)
				return -1;
			if (!sys_is_dir(buf)) {
				errno = ENOTDIR;
				return -1;
			}
			*s = c;
			if (!c)
				return 0;
		}
	}
}

int sys_remove_tree(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char sub[PATH_MAX];
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		if (sys_is_dir(sub) ? sys_remove_tree(sub) : unlink(sub))
			rc = -1;
	}
	closedir(d);
	return rmdir(path) ? -1 : rc;
}

bool sys_is_dir(const char *path)
{
	struct stat st;
	return !lstat(path, &st) && S_ISDIR(st.st_mode);
}

bool sys_exists(const char *path)
{
	struct stat st;
	return !lstat(path, &st);
}

bool sys_same(const char *a, const char *b)
{
	size_t la, lb;
	uint8_t *pa = sys_read(a, &la), *pb = pa ? sys_read(b, &lb) : NULL;
	bool same = pa && pb && la == lb && !memcmp(pa, pb, la);
	free(pa);
	free(pb);
	return same;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

char *sys_first_line(const char *path)
{
	size_t len;
	char *p = (char *)sys_read(path, &len);
	if (!p)
		return NULL;
	char *nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	char *t = trim(p);
	char *out = *t ? strdup(t) : NULL;
	free(p);
	return out;
}

char *sys_os_release(const char *key)
{
	size_t len, kl = strlen(key);
	char *p = (char *)sys_read(sys_path("/etc/os-release"), &len);
	if (!p)
		p = (char *)sys_read(sys_path("/usr/lib/os-release"), &len);
	if (!p)
		return NULL;
	char *out = NULL;
	for (char *line = strtok(p, "\n"); line && !out; line = strtok(NULL, "\n")) {
		if (strncmp(line, key, kl) || line[kl] != '=')
			continue;
		char *v = trim(line + kl + 1);
		size_t n = strlen(v);
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
			v[n - 1] = '\0';
			v++;
		}
		out = strdup(v);
	}
	free(p);
	return out;
}
