/*
 * libFuzzer target: the newc reader alone. The first byte picks the chunk
 * size, so the collect paths (headers, names, targets straddling chunks)
 * are exercised as well as the in-place ones.
 */
#include <stdint.h>
#include <string.h>

#include <initstack/cpio.h>

static int on_entry(void *u, const struct ist_cpio_entry *e)
{
	size_t *n = u;
	*n += e->namelen; /* touch the name: ASan checks it is readable */
	if (e->name[e->namelen] != '\0')
		__builtin_trap();
	if (e->target && e->target[e->targetlen] != '\0')
		__builtin_trap();
	return 0;
}

static int on_data(void *u, const uint8_t *p, size_t n)
{
	size_t *sum = u;
	for (size_t i = 0; i < n; i++)
		*sum += p[i];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	size_t chunk = (size_t)data[0] * 7 + 1;
	data++;
	size--;
	size_t sink = 0;
	static struct ist_cpio_reader r;
	const struct ist_cpio_ops ops = { on_entry, on_data, NULL, &sink };
	ist_cpio_init(&r, &ops);
	size_t off = 0;
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		size_t used;
		if (ist_cpio_feed(&r, data + off, n, &used))
			return 0;
		if (used > n)
			__builtin_trap();
		off += used;
		if (used < n) {
			/* stopped at a foreign byte: it must be non-NUL and aligned */
			if (!data[off] || (r.pos & 3))
				__builtin_trap();
			return 0;
		}
	}
	ist_cpio_finish(&r);
	return 0;
}
