/*
 * libFuzzer target: the devicetree path of the loader (dt/) on arbitrary
 * bytes. Input: a 2-byte big-endian length N, N bytes of base DTB, the rest
 * an overlay (none when empty). Checks the contracts the loader relies on:
 * every failure names the blob and says what was wrong, and a success is a
 * blob libfdt walks whole, no larger than its allocation, with /chosen.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <initstack/dt.h>

static size_t last_alloc;

static void *fz_alloc(void *user, size_t n)
{
	(void)user;
	last_alloc = n;
	return malloc(n);
}

static void fz_free(void *user, void *p)
{
	(void)user;
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t n = (size_t)data[0] << 8 | data[1];
	if (n > size - 2)
		n = size - 2;
	/* copies of exact size, so that ASan sees any read past either */
	uint8_t *base = malloc(n ? n : 1), *ov = malloc(size - 2 - n ? size - 2 - n : 1);
	memcpy(base, data + 2, n);
	memcpy(ov, data + 2 + n, size - 2 - n);
	struct ist_dt_blob b = { base, n, "base.dtb" }, o = { ov, size - 2 - n, "a.dtbo" };
	struct ist_dt_archive arch[2] = {
		{ "/k/early.cpio", "early", 1000, false, NULL },
		{ "/k/initrd", "deferred", 1ull << 40, true,
		  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
	};
	struct ist_dt_chosen chosen = { "/loader/entries/e.conf", arch, 2 };
	const struct ist_alloc a = { fz_alloc, fz_free, NULL };
	struct ist_error err = { 0 };
	void *out;
	size_t out_len;
	enum ist_status st = ist_dt_build(&b, &o, o.len ? 1 : 0, &chosen, &a, &out, &out_len, &err);
	if (st) {
		if (out || !err.msg[0] || (strncmp(err.msg, "base.dtb: ", 10) &&
					   strncmp(err.msg, "a.dtbo: ", 8) &&
					   strncmp(err.msg, "devicetree: ", 12)))
			__builtin_trap();
	} else {
		if (!out || out_len > last_alloc || fdt_check_full(out, out_len))
			__builtin_trap();
		int c = fdt_path_offset(out, "/chosen");
		if (c < 0 || !fdt_getprop(out, c, "initstack,archives", NULL))
			__builtin_trap();
		free(out);
	}
	free(base);
	free(ov);
	return 0;
}
