#ifndef INITSTACK_EFI_GUNZIP_READ_H
#define INITSTACK_EFI_GUNZIP_READ_H

#include <initstack/inflate.h>
#include <initstack/sha256.h>

#include "efi-util.h"

/* How much of a gzip file's end gzip_output_guess looks at for ISIZE. */
#define GZIP_TAIL 4096u

static inline UINTN gzip_tail_size(UINT64 size)
{
	return size < GZIP_TAIL ? (UINTN)size : GZIP_TAIL;
}

/*
 * The region to decode a gzip file of `size` bytes into, from its last
 * `n` bytes (gzip_tail_size): the last member's ISIZE and any padding
 * after it (ist_gzip_size_guess), else 4x the file.
 */
static inline UINTN gzip_output_guess(const UINT8 *tail, UINTN n, UINTN size)
{
	UINT64 guess = ist_gzip_size_guess(tail, n, size);
	return (guess ? (UINTN)guess : 4 * size) + 4096;
}

/*
 * Read the rest of the gzip file `r` (not yet advanced), decoding it on the
 * way into `out`: its gzip members decoded, what follows them copied as it
 * is (as stack.c's gunzip does with a whole file). Every byte read also goes
 * to `sha` (unless it is NULL), even after a bad stream, so the caller can
 * check the file's digest first. *decode_ms is the time spent decoding.
 *
 * EFI_SUCCESS: `out` holds the result. EFI_LOAD_ERROR: the stream is bad,
 * `gz_err` says where and why (offsets into the file). EFI_OUT_OF_RESOURCES:
 * the decoded copy does not fit; read the file whole again. Any other
 * status: the read failed, `err` says so. Nothing is held on failure.
 */
EFI_STATUS gunzip_read(struct file_reader *r, struct pages *out, struct ist_sha256 *sha,
		       UINT64 *decode_ms, struct ist_error *gz_err, struct ist_error *err);

#endif
