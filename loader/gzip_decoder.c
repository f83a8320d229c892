/* The archive reader's decoder interface over our inflate. */
#include <initstack/gzip_decoder.h>

#include "shim.h"

static enum ist_status run(void *state, const uint8_t *in, size_t in_len, size_t *in_used,
			   uint8_t *out, size_t out_len, size_t *out_made, bool *end,
			   struct ist_error *err)
{
	struct ist_inflate *s = state;
	*in_used = 0;
	*end = false;
	*out_made = 0;
	if (!ist_inflate_done(s)) {
		enum ist_status st = ist_inflate_run_into(s, in, in_len, in == NULL, in_used, out,
							  out_len, out_made, err);
		/* Bytes decoded before an error go out first, so that what is
		 * reported does not depend on the chunking; the error is sticky
		 * and comes back on the next call. */
		if (st && st != IST_NO_SPACE && !*out_made)
			return st;
	}
	*end = ist_inflate_done(s) && !ist_inflate_pending(s, NULL);
	return IST_OK;
}

static void release(void *state)
{
	(void)state;
}

enum ist_status ist_gzip_decoder(struct ist_inflate *s, uint32_t max_ratio, struct ist_decoder *d,
				 struct ist_error *err)
{
	enum ist_status st = ist_inflate_init(s, IST_INFLATE_GZIP, IST_INFLATE_WINDOWED);
	if (st)
		return ist_fail(err, st, 0, "cannot start the gzip decoder");
	ist_inflate_set_limit(s, max_ratio, 1u << 20);
	d->run = run;
	d->release = release;
	d->state = s;
	return IST_OK;
}
