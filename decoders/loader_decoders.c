/* The loader's decoders: see loader_decoders.h. */
#include "loader_decoders.h"

#include <initstack/gzip_decoder.h>

#include "kernel/kernel_decoders.h"

static void release(void *state)
{
	ist_kernel_free(state);
}

enum ist_status ist_loader_decoder_open(void *user, enum ist_compression c, struct ist_decoder *d,
					struct ist_error *err)
{
	(void)user;
	if (c != IST_COMP_GZIP)
		return ist_kernel_decoder_open(NULL, c, d, err);
	struct ist_inflate *s = ist_kernel_alloc(sizeof *s);
	if (!s)
		return ist_fail(err, IST_NO_MEMORY, 0, "no memory for the gzip decoder");
	enum ist_status st = ist_gzip_decoder(s, IST_LOADER_GZIP_MAX_RATIO, d, err);
	if (st) {
		ist_kernel_free(s);
		return st;
	}
	d->release = release;
	return IST_OK;
}
