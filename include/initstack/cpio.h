/*
 * newc cpio: a resumable reader and a deterministic writer.
 *
 * The reader follows Linux init/initramfs.c: a member is `070701` or
 * `070702` (whose data checksum is verified) at a 4-byte aligned offset of
 * its stream, NUL padding between members is skipped. Unlike the kernel it
 * never skips a malformed member silently: `070707`, a bad magic, a non-hex
 * field, namesize 0 or over 4096, a name that is not NUL-terminated or holds
 * a NUL, a symlink target over 4095 bytes, broken padding and a bad checksum
 * are all errors with the byte offset.
 */
#ifndef INITSTACK_CPIO_H
#define INITSTACK_CPIO_H

#include <initstack/base.h>

#define IST_PATH_MAX 4096 /* Linux PATH_MAX: namesize counts the NUL */
#define IST_CPIO_HDR_SIZE 110

/* File types as in st_mode (S_IFMT bits). */
#define IST_S_IFMT 0170000
#define IST_S_IFSOCK 0140000
#define IST_S_IFLNK 0120000
#define IST_S_IFREG 0100000
#define IST_S_IFBLK 0060000
#define IST_S_IFDIR 0040000
#define IST_S_IFCHR 0020000
#define IST_S_IFIFO 0010000

struct ist_cpio_entry {
	uint64_t offset;      /* of the header in the reader's stream */
	uint32_t ino, mode, uid, gid, nlink, mtime;
	uint32_t filesize;    /* body length */
	uint32_t devmajor, devminor, rdevmajor, rdevminor;
	uint32_t check;       /* 070702 data checksum (sum of bytes) */
	bool has_check;       /* magic was 070702 */
	const char *name;     /* NUL-terminated, exactly as in the archive */
	size_t namelen;       /* without the NUL */
	const char *target;   /* symlink target, NUL-terminated; else NULL */
	size_t targetlen;
	bool trailer;         /* name is TRAILER!!! */
};

/*
 * Reader callbacks. `entry` is called once per member, after its name (and
 * for a symlink its target) is complete; the pointers are valid until the
 * callback returns. For a regular file, `data` follows with the body in
 * chunks (possibly none) and `entry_end` after the last. Other types with a
 * body call `data` too (the kernel ignores such bodies; the tree reports
 * it). A callback returns 0 to go on, anything else stops the reader with
 * IST_ABORTED (or the status it returned, if it is an ist_status).
 */
struct ist_cpio_ops {
	int (*entry)(void *user, const struct ist_cpio_entry *e);
	int (*data)(void *user, const uint8_t *p, size_t n);
	int (*entry_end)(void *user, const struct ist_cpio_entry *e);
	void *user;
};

enum ist_cpio_state {
	/*
	 * RESET -> HEADER -> NAME -> NAME_PAD -> BODY -> PAD -> RESET
	 *                                     `-> TARGET (symlink) -> PAD
	 * FAILED is sticky. The first value is a magic so a garbage state is
	 * rejected.
	 */
	IST_CPIO_RESET = 0x43504f31, /* between members: skipping NUL padding */
	IST_CPIO_HEADER,
	IST_CPIO_NAME,
	IST_CPIO_NAME_PAD,
	IST_CPIO_TARGET,
	IST_CPIO_BODY,
	IST_CPIO_PAD,
	IST_CPIO_FAILED,
};

/*
 * The reader's state; the caller owns the memory (about 8.5 KiB), the layout
 * is public only so it can be placed anywhere. Headers, names and symlink
 * targets that arrive whole in one chunk are used in place; one that
 * straddles chunks is collected here.
 */
struct ist_cpio_reader {
	enum ist_cpio_state state;
	struct ist_cpio_ops ops;
	uint64_t pos;           /* bytes consumed from this stream */
	uint64_t remain;        /* bytes left in the current structure */
	uint64_t end;           /* position after the last complete member */
	uint32_t sum;           /* running 070702 checksum */
	size_t have;            /* bytes collected into buf */
	struct ist_cpio_entry e;
	uint32_t namesize;      /* including NUL */
	unsigned members;       /* entries seen */
	char hdr[IST_CPIO_HDR_SIZE];
	char name[IST_PATH_MAX + 4];
	char target[IST_PATH_MAX + 4];
	struct ist_error err;
};

/* Start a stream. `ops` may hold NULL callbacks. */
void ist_cpio_init(struct ist_cpio_reader *r, const struct ist_cpio_ops *ops);

/*
 * Feed `len` bytes. Returns IST_OK and sets *used to `len`, or, when the
 * reader is between members and meets a byte that is neither NUL padding
 * nor the start of a member, IST_OK with *used < len: the caller decides
 * (the kernel then looks for a compressed member). On error the record in
 * r->err says what and at which offset of this stream.
 */
enum ist_status ist_cpio_feed(struct ist_cpio_reader *r, const uint8_t *p, size_t len,
			      size_t *used);

/* End of input: IST_OK if the stream ended between members. */
enum ist_status ist_cpio_finish(struct ist_cpio_reader *r);

/* True when the reader is between members (the kernel's Reset state). */
bool ist_cpio_idle(const struct ist_cpio_reader *r);

/*
 * The kernel's hard-link identity of an entry (find_link() in
 * init/initramfs.c): inode, device and file type. An entry with nlink >= 2
 * whose key matches an earlier one's (since the last TRAILER!!!) is linked
 * to that entry's name.
 */
struct ist_link_key {
	uint32_t ino, major, minor, type;
};
void ist_link_key_of(struct ist_link_key *k, const struct ist_cpio_entry *e);
bool ist_link_key_match(const struct ist_link_key *k, const struct ist_cpio_entry *e);

/* ---- writer ------------------------------------------------------------ */

/*
 * The writer produces newc (070701) through a sink callback. It does not
 * reorder: the caller hands entries parents first, in the order it wants;
 * `ist_cpio_write_entry` numbers inodes from 1 (unless e->ino is non-zero
 * and `keep_ino` is set), pads name and body to 4 bytes, and
 * `ist_cpio_write_trailer` ends the archive with TRAILER!!! padded to 4.
 */
struct ist_cpio_writer {
	int (*sink)(void *user, const void *p, size_t n);
	void *user;
	uint64_t pos;
	uint32_t next_ino;
	bool keep_ino;
	uint32_t body_left; /* body bytes still owed for the current entry */
	struct ist_error err;
};

void ist_cpio_writer_init(struct ist_cpio_writer *w, int (*sink)(void *, const void *, size_t),
			  void *user);
/* Write a header and name; the body (filesize bytes) follows through
 * ist_cpio_write_data, or is `e->target` for a symlink (written here). */
enum ist_status ist_cpio_write_entry(struct ist_cpio_writer *w, const struct ist_cpio_entry *e);
enum ist_status ist_cpio_write_data(struct ist_cpio_writer *w, const void *p, size_t n);
enum ist_status ist_cpio_write_trailer(struct ist_cpio_writer *w);

#endif
