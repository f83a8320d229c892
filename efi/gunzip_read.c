/*
 * A gzip archive decoded as it is read: each piece of the file goes to the
 * decoder and is dropped, so the loader never holds the compressed file
 * beside its decoded copy (the boot benchmark's memory target: the final
 * initrd plus a few MiB). Where a second core can take half of the stream
 * the whole file is read first instead (stack.c): ist_inflate_run_split
 * needs all of it at hand, and on two cores that is faster.
 */
#include <initstack/inflate.h>

#include "clock.h"
#include "gunzip_read.h"

#define PIECE (1u << 20)

EFI_STATUS gunzip_read(struct file_reader *r, struct pages *out, struct ist_sha256 *sha,
		       UINT64 *decode_ms, struct ist_error *gz_err, struct ist_error *err)
{
	*out = (struct pages){ 0 };
	*decode_ms = 0;
	UINT8 t[GZIP_TAIL];
	UINTN n = gzip_tail_size(r->size);
	EFI_STATUS s = file_peek(r, r->size - n, t, n, err);
	if (EFI_ERROR(s))
		return s;
	UINTN cap = gzip_output_guess(t, n, (UINTN)r->size);
	struct ist_inflate *d = pool_get(sizeof *d);
	struct pages piece = { 0 };
	UINTN piece_size = r->size < PIECE ? (UINTN)r->size : PIECE;
	if (!d || EFI_ERROR(pages_alloc(&piece, piece_size)) || EFI_ERROR(pages_alloc(out, cap))) {
		pages_free(&piece);
		pool_put(d);
		return EFI_OUT_OF_RESOURCES;
	}
	ist_inflate_init(d, IST_INFLATE_GZIP, IST_INFLATE_CONCAT);
	ist_inflate_set_output(d, pages_ptr(out), cap);
	UINT8 *buf = pages_ptr(&piece);
	enum ist_status st = IST_OK;
	bool ended = false; /* the gzip members are done: the rest is copied */
	UINTN len = 0;      /* bytes of `out` in use once ended */
	while (r->done < r->size && !EFI_ERROR(s)) {
		UINTN got = 0;
		s = file_next(r, buf, piece.size, &got, err);
		if (EFI_ERROR(s))
			break;
		if (sha)
			ist_sha256_update(sha, buf, got);
		if (st && !sha)
			break;
		if (st) /* a bad stream: only the digest is still wanted */
			continue;
		UINTN used = 0;
		if (!ended) {
			UINT64 t0 = clock_ms();
			for (;;) {
				size_t u = 0;
				st = ist_inflate_run(d, buf + used, got - used, r->done == r->size, &u,
						     gz_err);
				used += u;
				if (st != IST_NO_SPACE)
					break;
				len = ist_inflate_output_size(d);
				s = pages_grow(out, 2 * out->size, len);
				if (EFI_ERROR(s))
					break;
				ist_inflate_set_output(d, pages_ptr(out), out->size);
			}
			*decode_ms += clock_ms() - t0;
			if (EFI_ERROR(s) || st)
				continue;
			if (!ist_inflate_done(d))
				continue;
			ended = true;
			len = ist_inflate_output_size(d);
		}
		/* what follows the members goes to the kernel as it is */
		s = pages_room(out, len, got - used);
		if (EFI_ERROR(s))
			break;
		copy_mem((UINT8 *)pages_ptr(out) + len, buf + used, got - used);
		len += got - used;
	}
	pages_free(&piece);
	pool_put(d);
	if (!EFI_ERROR(s) && !st && !ended)
		st = ist_fail(gz_err, IST_TRUNCATED, r->size, "the file ends inside the stream");
	if (EFI_ERROR(s) || st) {
		pages_free(out);
		if (EFI_ERROR(s))
			return s;
		return EFI_LOAD_ERROR;
	}
	out->size = len;
	return EFI_SUCCESS;
}
