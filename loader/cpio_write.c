/*
 * Deterministic newc writer. Every byte it emits is a function of the
 * entries it is given: fields are written as GNU cpio -H newc writes them
 * (eight upper-case hex digits), the check field is 0, inodes are numbered
 * from 1 in entry order (and again from 1 after each trailer, as each
 * TRAILER!!! ends an archive for the kernel's hard-link table), and padding
 * is NUL bytes up to the next 4-byte offset of the stream.
 *
 * Errors are sticky: once a call fails the stream is left as it was and
 * every later call returns the same status. Offsets in messages are stream
 * offsets (w->pos) of the entry that failed.
 */
#include <initstack/cpio.h>
#include <initstack/format.h>

#include "shim.h"

#define NEWC_HEADER 110
#define NEWC_NAME_MAX 4095 /* bytes of a name without its NUL (namesize <= 4096) */
#define NEWC_TARGET_MAX 4095

static const uint8_t zeros[4];

void ist_cpio_writer_init(struct ist_cpio_writer *w, int (*sink)(void *, const void *, size_t),
			  void *user)
{
	memset(w, 0, sizeof *w);
	w->sink = sink;
	w->user = user;
	w->next_ino = 1;
}

/* Record a sticky error; every message starts with "offset N: ". */
static enum ist_status fail(struct ist_cpio_writer *w, enum ist_status st, const char *fmt, ...)
{
	ist_va_list ap;
	ist_va_start(ap, fmt);
	size_t n = ist_format(w->err.msg, sizeof w->err.msg, "offset %llu: ",
			      (unsigned long long)w->pos);
	ist_vformat(w->err.msg + n, sizeof w->err.msg - n, fmt, ap);
	ist_va_end(ap);
	w->err.status = st;
	w->err.offset = w->pos;
	return st;
}

static enum ist_status put(struct ist_cpio_writer *w, const void *p, size_t n)
{
	if (!n)
		return IST_OK;
	int rc = w->sink(w->user, p, n);
	if (rc) {
		enum ist_status st =
			rc > 0 && rc <= IST_INVALID ? (enum ist_status)rc : IST_ABORTED;
		return fail(w, st, "stopped by the sink callback (%s)", ist_status_name(st));
	}
	w->pos += n;
	return IST_OK;
}

/* NUL bytes up to the next multiple of 4 of the stream offset. */
static enum ist_status put_pad(struct ist_cpio_writer *w)
{
	return put(w, zeros, (size_t)(-w->pos & 3));
}

static void hex8(char *out, uint32_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = "0123456789ABCDEF"[v & 15];
		v >>= 4;
	}
}

/* Header fields in file order after the magic. */
enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR, F_DEVMINOR,
       F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, F_COUNT };

static enum ist_status put_member_head(struct ist_cpio_writer *w, const uint32_t f[F_COUNT],
				       const char *name, size_t namelen)
{
	char h[NEWC_HEADER];
	memcpy(h, "070701", 6);
	for (int i = 0; i < F_COUNT; i++)
		hex8(h + 6 + 8 * i, f[i]);
	enum ist_status st;
	if ((st = put(w, h, sizeof h)) || (st = put(w, name, namelen)) ||
	    (st = put(w, zeros, 1)) || (st = put_pad(w)))
		return st;
	return IST_OK;
}

/* Octal text of a mode for messages (the formatter has no %o). */
static const char *octal(char out[12], uint32_t v)
{
	char tmp[12];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + (v & 7));
		v >>= 3;
	} while (v);
	int o = 0;
	out[o++] = '0';
	while (n)
		out[o++] = tmp[--n];
	out[o] = '\0';
	return out;
}

static bool known_type(uint32_t mode)
{
	switch (mode & IST_S_IFMT) {
	case IST_S_IFSOCK:
	case IST_S_IFLNK:
	case IST_S_IFREG:
	case IST_S_IFBLK:
	case IST_S_IFDIR:
	case IST_S_IFCHR:
	case IST_S_IFIFO:
		return true;
	}
	return false;
}

static enum ist_status check_state(struct ist_cpio_writer *w)
{
	if (w->err.status)
		return w->err.status;
	if (!w->sink)
		return fail(w, IST_INVALID, "cpio writer has no sink");
	if (w->body_left)
		return fail(w, IST_INVALID, "previous entry's body is incomplete (%u bytes owed)",
			    w->body_left);
	return IST_OK;
}

enum ist_status ist_cpio_write_entry(struct ist_cpio_writer *w, const struct ist_cpio_entry *e)
{
	enum ist_status st = check_state(w);
	if (st)
		return st;
	if (!e || !e->name)
		return fail(w, IST_INVALID, "entry without a name");
	size_t namelen = e->namelen;
	if (namelen == 0)
		return fail(w, IST_INVALID, "empty name");
	if (namelen > NEWC_NAME_MAX)
		return fail(w, IST_INVALID, "name of %zu bytes over %u", namelen, NEWC_NAME_MAX);
	for (size_t i = 0; i < namelen; i++)
		if (!e->name[i])
			return fail(w, IST_INVALID, "name \"%.*s\" holds a NUL at byte %zu", (int)i,
				    e->name, i);
	if (namelen == 10 && !memcmp(e->name, "TRAILER!!!", 10))
		return fail(w, IST_INVALID,
			    "name TRAILER!!! is the end marker; use ist_cpio_write_trailer");
	char oct[12];
	if (!known_type(e->mode))
		return fail(w, IST_INVALID, "%.*s: mode %s has no known file type", (int)namelen,
			    e->name, octal(oct, e->mode));

	uint32_t filesize = e->filesize;
	bool symlink = (e->mode & IST_S_IFMT) == IST_S_IFLNK;
	if (symlink) {
		if (!e->target || !e->targetlen)
			return fail(w, IST_INVALID, "%.*s: symlink without a target", (int)namelen,
				    e->name);
		if (e->targetlen > NEWC_TARGET_MAX)
			return fail(w, IST_INVALID, "%.*s: symlink target of %zu bytes over %u",
				    (int)namelen, e->name, e->targetlen, NEWC_TARGET_MAX);
		for (size_t i = 0; i < e->targetlen; i++)
			if (!e->target[i])
				return fail(w, IST_INVALID,
					    "%.*s: symlink target holds a NUL at byte %zu",
					    (int)namelen, e->name, i);
		if (filesize && filesize != e->targetlen)
			return fail(w, IST_INVALID,
				    "%.*s: filesize %u differs from the target's %zu bytes",
				    (int)namelen, e->name, filesize, e->targetlen);
		filesize = (uint32_t)e->targetlen;
	} else if (e->target) {
		return fail(w, IST_INVALID, "%.*s: a target given for a mode %s entry",
			    (int)namelen, e->name, octal(oct, e->mode));
	}

	uint32_t ino = e->ino;
	if (!w->keep_ino || !ino) {
		if (!w->next_ino)
			return fail(w, IST_LIMIT, "inode numbers exhausted");
		ino = w->next_ino++;
	}
	const uint32_t f[F_COUNT] = {
		[F_INO] = ino,
		[F_MODE] = e->mode,
		[F_UID] = e->uid,
		[F_GID] = e->gid,
		[F_NLINK] = e->nlink,
		[F_MTIME] = e->mtime,
		[F_FILESIZE] = filesize,
		[F_DEVMAJOR] = e->devmajor,
		[F_DEVMINOR] = e->devminor,
		[F_RDEVMAJOR] = e->rdevmajor,
		[F_RDEVMINOR] = e->rdevminor,
		[F_NAMESIZE] = (uint32_t)namelen + 1,
		[F_CHECK] = 0,
	};
	if ((st = put_member_head(w, f, e->name, namelen)))
		return st;
	if (symlink) {
		if ((st = put(w, e->target, e->targetlen)) || (st = put_pad(w)))
			return st;
		return IST_OK;
	}
	w->body_left = filesize;
	return IST_OK;
}

enum ist_status ist_cpio_write_data(struct ist_cpio_writer *w, const void *p, size_t n)
{
	if (w->err.status)
		return w->err.status;
	if (n > w->body_left)
		return fail(w, IST_INVALID, "%zu bytes of data where the body has %u left", n,
			    w->body_left);
	if (!n)
		return IST_OK;
	enum ist_status st = put(w, p, n);
	if (st)
		return st;
	w->body_left -= (uint32_t)n;
	if (!w->body_left)
		return put_pad(w);
	return IST_OK;
}

enum ist_status ist_cpio_write_trailer(struct ist_cpio_writer *w)
{
	enum ist_status st = check_state(w);
	if (st)
		return st;
	/* As GNU cpio and the kernel's gen_init_cpio write it: nlink 1, all else 0. */
	const uint32_t f[F_COUNT] = { [F_NLINK] = 1, [F_NAMESIZE] = 11 };
	if ((st = put_member_head(w, f, "TRAILER!!!", 10)))
		return st;
	w->next_ino = 1;
	return IST_OK;
}
