/* Decoders in the loader. gzip joins when the inflate decoder lands. */
#include "decode.h"

enum ist_status efi_decoder_open(void *user, enum ist_compression c, struct ist_decoder *d,
				 struct ist_error *err)
{
	(void)user;
	(void)d;
	return ist_fail(err, IST_UNSUPPORTED, 0, "no %s decoder in the loader",
			ist_compression_name(c));
}
