/*
 * SHA-256 (FIPS 180-4), streaming, freestanding.
 *
 * The context lives in caller memory (112 bytes) and holds no pointers, so
 * it may be copied to fork a digest. Feed the message with
 * ist_sha256_update() in chunks of any size (including 0; `p` may be NULL
 * when `n` is 0), then ist_sha256_final() writes the 32-byte digest and
 * wipes the context; call ist_sha256_init() again to reuse it. The total
 * message may be up to 2^61 - 1 bytes. No allocation, no globals: contexts
 * are independent and may be used from different threads.
 */
#ifndef INITSTACK_SHA256_H
#define INITSTACK_SHA256_H

#include <initstack/base.h>

#define IST_SHA256_SIZE 32        /* digest bytes */
#define IST_SHA256_BLOCK 64       /* compression block bytes */
#define IST_SHA256_HEX (2 * IST_SHA256_SIZE + 1) /* hex digits + NUL */

struct ist_sha256 {
	uint32_t h[8];                 /* chaining state */
	uint64_t len;                  /* message bytes so far */
	uint8_t buf[IST_SHA256_BLOCK]; /* partial block: len % 64 bytes */
};

void ist_sha256_init(struct ist_sha256 *c);
void ist_sha256_update(struct ist_sha256 *c, const void *p, size_t n);
void ist_sha256_final(struct ist_sha256 *c, uint8_t digest[IST_SHA256_SIZE]);

/* One shot: the digest of `n` bytes at `p`. */
void ist_sha256(const void *p, size_t n, uint8_t digest[IST_SHA256_SIZE]);

/*
 * Lower-case hex of a digest into `hex` (IST_SHA256_HEX bytes, NUL
 * included), as sha256sum prints it. Returns `hex`.
 */
char *ist_sha256_hex(const uint8_t digest[IST_SHA256_SIZE], char hex[IST_SHA256_HEX]);

#endif
