/*
 * How much room a gzip file will decode to, before decoding it: the
 * loader sizes the initrd's region from it, and a wrong guess costs a
 * second region and a copy (too small) or memory held to StartImage (too
 * big).
 */
#include <initstack/inflate.h>

#include "shim.h"

/*
 * A deflate stream grows its input by 1032x at most; initramfs images
 * reach 3-5x. Where zeros end the file, a candidate above SHIFTED_RATIO
 * is no ISIZE but a byte of the CRC shifted in by the padding (the value
 * then is 256x or more the real one, itself more than the file).
 */
#define MAX_RATIO 1032u
#define SHIFTED_RATIO 16u

uint64_t ist_gzip_size_guess(const uint8_t *tail, size_t n, uint64_t file_size)
{
	size_t zeros = 0;
	while (zeros < n && tail[n - 1 - zeros] == 0)
		zeros++;
	/*
	 * The padding is `zeros` bytes at most: fewer when ISIZE's own high
	 * bytes are zero (any size under 16 MiB), so up to 3 of them may be
	 * ISIZE's. Padding that takes those reads the size shifted, which
	 * the limit turns down, so the longest plausible padding wins.
	 */
	uint64_t limit = (zeros ? SHIFTED_RATIO : MAX_RATIO) * file_size;
	for (size_t k = 0; k <= 3 && k <= zeros; k++) {
		size_t pad = zeros - k;
		if (n - pad < 4)
			continue;
		uint64_t isize = ist_load_le32(tail + n - pad - 4);
		if (isize > file_size && isize <= limit)
			return isize + pad;
	}
	return 0;
}
