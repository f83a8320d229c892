/*
 * Resumable newc reader. The shape follows the kernel's unpacker (a state
 * per structure, headers and names used in place unless they straddle two
 * chunks), but state lives in the caller's struct and every malformed member
 * is an error with its offset instead of being skipped.
 */
#include <initstack/cpio.h>
#include <initstack/format.h>

#include "shim.h"

static const char field_names[13][10] = {
	"ino", "mode", "uid", "gid", "nlink", "mtime", "filesize",
	"devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check",
};

/* How much of a name error and truncation messages quote. */
#define QUOTE 120

void ist_cpio_init(struct ist_cpio_reader *r, const struct ist_cpio_ops *ops)
{
	memset(r, 0, sizeof *r);
	r->state = IST_CPIO_RESET;
	if (ops)
		r->ops = *ops;
}

bool ist_cpio_idle(const struct ist_cpio_reader *r)
{
	return r->state == IST_CPIO_RESET;
}

/* Every reader error starts with "offset N: ". */
static enum ist_status fail(struct ist_cpio_reader *r, enum ist_status st, uint64_t off,
			    const char *fmt, ...)
{
	ist_va_list ap;
	ist_va_start(ap, fmt);
	size_t n = ist_format(r->err.msg, sizeof r->err.msg, "offset %llu: ",
			      (unsigned long long)off);
	ist_vformat(r->err.msg + n, sizeof r->err.msg - n, fmt, ap);
	ist_va_end(ap);
	r->err.status = st;
	r->err.offset = off;
	r->state = IST_CPIO_FAILED;
	return st;
}

/* Quote bytes readably (non-printables as \xHH) for a message. */
static const char *show_bytes(char *out, size_t size, const char *p, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < size; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[o++] = (char)c;
		else
			o += ist_format(out + o, size - o, "\\x%02x", c);
	}
	out[o] = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static enum ist_status parse_header(struct ist_cpio_reader *r, const char *h)
{
	uint64_t off = r->e.offset;
	char shown[48];
	if (memcmp(h, "070701", 6) && memcmp(h, "070702", 6)) {
		if (!memcmp(h, "070707", 6))
			return fail(r, IST_BAD_DATA, off,
				    "bad magic \"070707\" (old portable cpio; the kernel reads only newc, use -H newc)");
		return fail(r, IST_BAD_DATA, off, "bad magic \"%s\" (expected 070701 or 070702)",
			    show_bytes(shown, sizeof shown, h, 6));
	}
	uint32_t f[13];
	for (int i = 0; i < 13; i++) {
		uint32_t v = 0;
		for (int j = 0; j < 8; j++) {
			int d = hexval(h[6 + 8 * i + j]);
			if (d < 0)
				return fail(r, IST_BAD_DATA, off + 6 + 8 * i + j,
					    "non-hex digit in the %s field \"%s\" of the header at offset %llu",
					    field_names[i], show_bytes(shown, sizeof shown, h + 6 + 8 * i, 8),
					    (unsigned long long)off);
			v = v << 4 | (uint32_t)d;
		}
		f[i] = v;
	}
	struct ist_cpio_entry *e = &r->e;
	e->ino = f[0];
	e->mode = f[1];
	e->uid = f[2];
	e->gid = f[3];
	e->nlink = f[4];
	e->mtime = f[5];
	e->filesize = f[6];
	e->devmajor = f[7];
	e->devminor = f[8];
	e->rdevmajor = f[9];
	e->rdevminor = f[10];
	r->namesize = f[11];
	e->check = f[12];
	e->has_check = h[5] == '2';
	if (r->namesize == 0)
		return fail(r, IST_BAD_DATA, off, "namesize 0");
	if (r->namesize > IST_PATH_MAX)
		return fail(r, IST_BAD_DATA, off, "namesize %u over 4096 (PATH_MAX)", r->namesize);
	if ((e->mode & IST_S_IFMT) == IST_S_IFLNK && e->filesize > IST_PATH_MAX - 1)
		return fail(r, IST_BAD_DATA, off, "symlink target of %u bytes over 4095",
			    e->filesize);
	return IST_OK;
}

static enum ist_status check_name(struct ist_cpio_reader *r, const char *name)
{
	uint64_t off = r->e.offset + IST_CPIO_HDR_SIZE;
	if (name[r->namesize - 1] != '\0')
		return fail(r, IST_BAD_DATA, off + r->namesize - 1,
			    "name \"%.*s\" not NUL-terminated (namesize %u)",
			    (int)IST_MIN(r->namesize, (uint32_t)QUOTE), name, r->namesize);
	size_t n = ist_strlen(name);
	if (n + 1 != r->namesize)
		return fail(r, IST_BAD_DATA, off + n,
			    "name \"%.*s\" has a NUL at byte %zu of namesize %u", QUOTE, name, n,
			    r->namesize);
	r->e.name = name;
	r->e.namelen = n;
	r->e.trailer = n == 10 && !memcmp(name, "TRAILER!!!", 10);
	return IST_OK;
}

static enum ist_status callback(struct ist_cpio_reader *r, int rc, const char *what)
{
	if (!rc)
		return IST_OK;
	enum ist_status st = rc > 0 && rc <= IST_INVALID ? (enum ist_status)rc : IST_ABORTED;
	return fail(r, st, r->e.offset, "stopped by the %s callback", what);
}

/*
 * Take `want` bytes: in place when the chunk holds them all and nothing was
 * collected yet, otherwise into `buf`. NULL while more input is needed.
 */
static const char *take(struct ist_cpio_reader *r, char *buf, size_t want, const uint8_t **p,
			size_t *len)
{
	if (r->have == 0 && *len >= want) {
		const char *got = (const char *)*p;
		*p += want;
		*len -= want;
		r->pos += want;
		return got;
	}
	size_t n = IST_MIN(want - r->have, *len);
	memcpy(buf + r->have, *p, n);
	r->have += n;
	*p += n;
	*len -= n;
	r->pos += n;
	if (r->have < want)
		return NULL;
	r->have = 0;
	return buf;
}

/* Skip up to r->remain bytes; true when none remain. */
static bool skip(struct ist_cpio_reader *r, const uint8_t **p, size_t *len)
{
	size_t k = (size_t)IST_MIN((uint64_t)*len, r->remain);
	*p += k;
	*len -= k;
	r->pos += k;
	r->remain -= k;
	return r->remain == 0;
}

/* After a body of `size` bytes: its padding, or straight back to RESET. */
static void to_pad(struct ist_cpio_reader *r, uint32_t size)
{
	r->remain = (4 - size % 4) % 4;
	r->state = r->remain ? IST_CPIO_PAD : IST_CPIO_RESET;
	if (!r->remain)
		r->end = r->pos;
}

static bool is_link(const struct ist_cpio_reader *r)
{
	return (r->e.mode & IST_S_IFMT) == IST_S_IFLNK;
}

static enum ist_status name_pad_done(struct ist_cpio_reader *r);

static enum ist_status got_name(struct ist_cpio_reader *r, const char *n)
{
	enum ist_status st = check_name(r, n);
	if (st)
		return st;
	r->remain = (4 - (IST_CPIO_HDR_SIZE + r->namesize) % 4) % 4;
	r->state = IST_CPIO_NAME_PAD;
	r->sum = 0;
	if (n != r->name) {
		/* A symlink's name must outlive this chunk while its target
		 * arrives; otherwise keep only what later messages quote. */
		size_t k = is_link(r) ? r->namesize : IST_MIN((size_t)r->namesize, (size_t)QUOTE + 1);
		memcpy(r->name, n, k);
		r->name[k] = '\0';
	}
	if (is_link(r))
		return r->remain ? IST_OK : name_pad_done(r); /* delivered with its target */
	r->members++;
	if (r->ops.entry && (st = callback(r, r->ops.entry(r->ops.user, &r->e), "entry")))
		return st;
	r->e.name = r->name;
	return r->remain ? IST_OK : name_pad_done(r);
}

static enum ist_status got_target(struct ist_cpio_reader *r, const char *t)
{
	uint32_t size = r->e.filesize;
	if (t != r->target)
		memcpy(r->target, t, size);
	r->target[size] = '\0';
	size_t tl = ist_strlen(r->target);
	if (tl != size)
		return fail(r, IST_BAD_DATA, r->pos - size + tl,
			    "symlink target of \"%.*s\" has a NUL at byte %zu", QUOTE, r->name, tl);
	r->e.target = r->target;
	r->e.targetlen = tl;
	r->e.name = r->name;
	r->members++;
	enum ist_status st;
	if (r->ops.entry && (st = callback(r, r->ops.entry(r->ops.user, &r->e), "entry")))
		return st;
	to_pad(r, size);
	return IST_OK;
}

static enum ist_status end_body(struct ist_cpio_reader *r)
{
	struct ist_cpio_entry *e = &r->e;
	enum ist_status st;
	if (e->has_check && (e->mode & IST_S_IFMT) == IST_S_IFREG && r->sum != e->check)
		return fail(r, IST_BAD_DATA, e->offset,
			    "070702 checksum mismatch for \"%.*s\" (header %08x, data %08x)", QUOTE,
			    r->name, e->check, r->sum);
	if (r->ops.entry_end &&
	    (st = callback(r, r->ops.entry_end(r->ops.user, e), "entry_end")))
		return st;
	to_pad(r, e->filesize);
	return IST_OK;
}

static enum ist_status name_pad_done(struct ist_cpio_reader *r)
{
	r->remain = r->e.filesize;
	r->state = is_link(r) ? IST_CPIO_TARGET : IST_CPIO_BODY;
	if (r->remain)
		return IST_OK;
	return is_link(r) ? got_target(r, r->target) : end_body(r);
}

enum ist_status ist_cpio_feed(struct ist_cpio_reader *r, const uint8_t *p, size_t len,
			      size_t *used)
{
	const size_t start_len = len;
	enum ist_status st = IST_OK;
	const char *got;
	*used = 0;
	if (r->state == IST_CPIO_FAILED)
		return r->err.status;
	while (len && !st) {
		switch (r->state) {
		case IST_CPIO_RESET:
			while (len && *p == 0) {
				p++;
				len--;
				r->pos++;
			}
			if (!len)
				break;
			if (r->pos & 3) {
				st = fail(r, IST_BAD_DATA, r->pos,
					  "broken padding: byte 0x%02x where NUL padding or a member at a 4-byte boundary was expected",
					  *p);
				break;
			}
			if (*p != '0')
				goto out; /* not ours: the caller looks for a compressed member */
			memset(&r->e, 0, sizeof r->e);
			r->e.offset = r->pos;
			r->have = 0;
			r->state = IST_CPIO_HEADER;
			break;
		case IST_CPIO_HEADER:
			if ((got = take(r, r->hdr, IST_CPIO_HDR_SIZE, &p, &len))) {
				st = parse_header(r, got);
				if (!st)
					r->state = IST_CPIO_NAME;
			}
			break;
		case IST_CPIO_NAME:
			if ((got = take(r, r->name, r->namesize, &p, &len)))
				st = got_name(r, got);
			break;
		case IST_CPIO_NAME_PAD:
			if (skip(r, &p, &len))
				st = name_pad_done(r);
			break;
		case IST_CPIO_TARGET:
			if ((got = take(r, r->target, r->e.filesize, &p, &len)))
				st = got_target(r, got);
			break;
		case IST_CPIO_BODY: {
			size_t k = (size_t)IST_MIN((uint64_t)len, r->remain);
			if (r->e.has_check)
				for (size_t i = 0; i < k; i++)
					r->sum += p[i];
			if (r->ops.data && (st = callback(r, r->ops.data(r->ops.user, p, k), "data")))
				break;
			p += k;
			len -= k;
			r->pos += k;
			r->remain -= k;
			if (!r->remain)
				st = end_body(r);
			break;
		}
		case IST_CPIO_PAD:
			if (skip(r, &p, &len)) {
				r->state = IST_CPIO_RESET;
				r->end = r->pos;
			}
			break;
		case IST_CPIO_FAILED:
		default:
			st = fail(r, IST_INVALID, r->pos, "cpio reader used in a bad state");
			break;
		}
	}
out:
	*used = start_len - len;
	return st;
}

enum ist_status ist_cpio_finish(struct ist_cpio_reader *r)
{
	const char *where;
	switch (r->state) {
	case IST_CPIO_RESET:
		return IST_OK;
	case IST_CPIO_FAILED:
		return r->err.status;
	case IST_CPIO_HEADER:
		where = "the header";
		break;
	case IST_CPIO_NAME:
		where = "the name";
		break;
	case IST_CPIO_NAME_PAD:
		where = "the padding after the name";
		break;
	case IST_CPIO_TARGET:
		where = "the symlink target";
		break;
	case IST_CPIO_BODY:
		return fail(r, IST_TRUNCATED, r->pos,
			    "truncated in the data of \"%.*s\" (%llu of %u bytes)", QUOTE, r->name,
			    (unsigned long long)(r->e.filesize - r->remain), r->e.filesize);
	case IST_CPIO_PAD:
		where = "the padding after the data";
		break;
	default:
		return fail(r, IST_INVALID, r->pos, "cpio reader used in a bad state");
	}
	return fail(r, IST_TRUNCATED, r->pos, "truncated in %s of the member at offset %llu", where,
		    (unsigned long long)r->e.offset);
}

void ist_link_key_of(struct ist_link_key *k, const struct ist_cpio_entry *e)
{
	k->ino = e->ino;
	k->major = e->devmajor;
	k->minor = e->devminor;
	k->type = e->mode & IST_S_IFMT;
}

bool ist_link_key_match(const struct ist_link_key *k, const struct ist_cpio_entry *e)
{
	return k->ino == e->ino && k->major == e->devmajor && k->minor == e->devminor &&
	       k->type == (e->mode & IST_S_IFMT);
}
