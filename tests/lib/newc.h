/*
 * Hand-made newc bytes for tests, including malformed ones: every field can
 * be set, the magic replaced, the name given with an explicit namesize, and
 * padding left out.
 */
#ifndef INITSTACK_TEST_NEWC_H
#define INITSTACK_TEST_NEWC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *p;
	size_t len, cap;
};

void buf_add(struct buf *b, const void *p, size_t n);
void buf_zeros(struct buf *b, size_t n);
void buf_pad4(struct buf *b);
void buf_free(struct buf *b);

struct member {
	const char *magic;     /* NULL: "070701" */
	uint32_t ino, mode, uid, gid, nlink, mtime;
	uint32_t devmajor, devminor, rdevmajor, rdevminor, check;
	const char *name;
	long namesize;         /* 0: strlen(name) + 1 */
	const void *data;
	long filesize;         /* -1: datalen; else the header's value */
	size_t datalen;
	bool no_pad;           /* leave out the padding after the data */
};

/* Append one member (header, name, padding, data, padding). */
void newc_member(struct buf *b, const struct member *m);
/* Shorthands. */
void newc_file(struct buf *b, const char *name, uint32_t mode, const char *data);
void newc_dir(struct buf *b, const char *name, uint32_t mode);
void newc_symlink(struct buf *b, const char *name, const char *target);
void newc_trailer(struct buf *b);

/* Overwrite the 8 hex digits of header field `field` (0 = ino ... 12 = check)
 * of the member whose header starts at `at`. */
void newc_poke(struct buf *b, size_t at, int field, const char *eight);

/* Compress with an external tool command reading stdin ("gzip -c" ...). */
struct buf compress_with(const char *cmd, const struct buf *in);

#endif
