#include "newc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmp.h"

void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

void buf_zeros(struct buf *b, size_t n)
{
	static const uint8_t z[64];
	while (n) {
		size_t k = n < sizeof z ? n : sizeof z;
		buf_add(b, z, k);
		n -= k;
	}
}

void buf_pad4(struct buf *b)
{
	buf_zeros(b, (4 - b->len % 4) % 4);
}

void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

void newc_member(struct buf *b, const struct member *m)
{
	char h[160];
	size_t nl = strlen(m->name);
	long namesize = m->namesize ? m->namesize : (long)nl + 1;
	long filesize = m->filesize >= 0 ? m->filesize : (long)m->datalen;
	snprintf(h, sizeof h, "%s%08X%08X%08X%08X%08X%08X%08lX%08X%08X%08X%08X%08lX%08X",
		 m->magic ? m->magic : "070701", m->ino, m->mode, m->uid, m->gid, m->nlink, m->mtime,
		 (unsigned long)filesize, m->devmajor, m->devminor, m->rdevmajor, m->rdevminor,
		 (unsigned long)namesize, m->check);
	buf_add(b, h, 110);
	buf_add(b, m->name, nl + 1 < (size_t)namesize ? nl + 1 : (size_t)namesize);
	if ((size_t)namesize > nl + 1)
		buf_zeros(b, (size_t)namesize - nl - 1);
	buf_pad4(b);
	buf_add(b, m->data, m->datalen);
	if (!m->no_pad)
		buf_pad4(b);
}

void newc_file(struct buf *b, const char *name, uint32_t mode, const char *data)
{
	struct member m = { .mode = 0100000 | mode, .nlink = 1, .name = name, .data = data,
			    .datalen = strlen(data), .filesize = -1 };
	newc_member(b, &m);
}

void newc_dir(struct buf *b, const char *name, uint32_t mode)
{
	struct member m = { .mode = 0040000 | mode, .nlink = 2, .name = name, .filesize = -1 };
	newc_member(b, &m);
}

void newc_symlink(struct buf *b, const char *name, const char *target)
{
	struct member m = { .mode = 0120777, .nlink = 1, .name = name, .data = target,
			    .datalen = strlen(target), .filesize = -1 };
	newc_member(b, &m);
}

void newc_trailer(struct buf *b)
{
	struct member m = { .nlink = 1, .name = "TRAILER!!!", .filesize = -1 };
	newc_member(b, &m);
}

void newc_poke(struct buf *b, size_t at, int field, const char *eight)
{
	memcpy(b->p + at + 6 + 8 * field, eight, 8);
}

struct buf compress_with(const char *cmd, const struct buf *in)
{
	struct buf out = { 0 };
	char *src = tmp_path("compress-in-%p", (const void *)in);
	tmp_write(src, in->p, in->len);
	int status;
	size_t len;
	char *o = tmp_sh_out(&status, &len, "%s < '%s'", cmd, src);
	if (!o || status) {
		fprintf(stderr, "compress_with: \"%s\" failed\n", cmd);
		free(o);
		free(src);
		return out;
	}
	buf_add(&out, o, len);
	free(o);
	free(src);
	return out;
}
