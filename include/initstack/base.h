/*
 * initstack core: status codes, error records, allocator hooks.
 *
 * The core is freestanding C11. It includes nothing but <stdint.h>,
 * <stddef.h> and <stdbool.h>, allocates nothing of its own and keeps no
 * mutable globals: every object lives in memory the caller hands it, and
 * anything that grows goes through a struct ist_alloc the caller fills.
 */
#ifndef INITSTACK_BASE_H
#define INITSTACK_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One result enum for the whole core. IST_OK is zero so `if (st)` reads as
 * "if it failed". Every status other than IST_OK and IST_NO_SPACE is sticky
 * in the objects that return it: call again and you get it again.
 */
enum ist_status {
	IST_OK = 0,
	IST_BAD_DATA,     /* malformed input: the error record says where and why */
	IST_TRUNCATED,    /* input ended inside a structure */
	IST_NO_SPACE,     /* the output region is full; grow it and call again */
	IST_NO_MEMORY,    /* the allocator hook returned NULL */
	IST_UNSUPPORTED,  /* valid input we cannot handle (e.g. no decoder) */
	IST_LIMIT,        /* a caller-set limit was reached (size, ratio) */
	IST_POLICY,       /* the stack breaks the policy */
	IST_ABORTED,      /* a callback asked to stop */
	IST_INVALID,      /* the caller broke an API contract */
};

/* A static name for a status ("bad data", "truncated", ...). */
const char *ist_status_name(enum ist_status st);

/*
 * An error record. `msg` is a complete sentence fragment that says what was
 * wrong and where, e.g. "offset 112: cpio name not NUL-terminated" or
 * "gzip member at offset 4096: decoded offset 220: bad magic \"070707\"
 * (old portable format, use newc)". The front end prefixes the file name.
 * `offset` is the byte offset in the outermost input where the problem was
 * found (the start of the compressed member for errors inside one).
 */
#define IST_ERROR_MSG 240
struct ist_error {
	enum ist_status status;
	uint64_t offset;
	char msg[IST_ERROR_MSG];
};

/* Record an error (printf-like, see ist_format) and return its status. */
enum ist_status ist_fail(struct ist_error *err, enum ist_status st, uint64_t offset,
			 const char *fmt, ...);

/* Allocator hooks. `free` may be NULL for arena-style allocators. */
struct ist_alloc {
	void *(*alloc)(void *user, size_t size);
	void (*free)(void *user, void *ptr);
	void *user;
};

#endif
