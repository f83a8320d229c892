/*
 * The hostile-input corpus: each malformed archive gives its own exact
 * error, whatever the read chunking, and never a crash (this program also
 * runs under ASan+UBSan). `test_hostile --write DIR` writes the inputs out
 * (they seed tests/fuzz/archive/).
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "check.h"
#include "newc.h"
#include "stack.h"
#include "tmp.h"

typedef void (*make_fn)(struct buf *b);

static void one_file(struct buf *b)
{
	newc_file(b, "etc/motd", 0644, "hello, world\n");
	newc_trailer(b);
}

static void member_with(struct buf *b, const char *magic, const char *name, long namesize,
			uint32_t mode, const char *data, long filesize)
{
	struct member m = { .magic = magic, .mode = mode, .nlink = 1, .name = name,
			    .namesize = namesize, .data = data, .datalen = data ? strlen(data) : 0,
			    .filesize = filesize };
	newc_member(b, &m);
}

static void m_070707(struct buf *b) { member_with(b, "070707", "x", 0, 0100644, "", -1); }
static void m_badmagic(struct buf *b) { member_with(b, "07O701", "x", 0, 0100644, "", -1); }
static void m_binmagic(struct buf *b)
{
	buf_add(b, "0\x01\x02\x03\xff\x7f", 6);
	buf_zeros(b, 104);
}
static void poke(struct buf *b, int field, const char *v)
{
	one_file(b);
	newc_poke(b, 0, field, v);
}
static void m_hex_ino(struct buf *b) { poke(b, 0, "0000000x"); }
static void m_hex_mode(struct buf *b) { poke(b, 1, "-0100644"); }
static void m_hex_size(struct buf *b) { poke(b, 6, "0000 00D"); }
static void m_hex_namesize(struct buf *b) { poke(b, 11, "0000000\n"); }
static void m_hex_check(struct buf *b) { poke(b, 12, "zzzzzzzz"); }
static void m_namesize0(struct buf *b) { poke(b, 11, "00000000"); }
static void m_namesize4097(struct buf *b) { poke(b, 11, "00001001"); }
static void m_namesize_max(struct buf *b) { poke(b, 11, "FFFFFFFF"); }
static void m_name_nonul(struct buf *b)
{
	member_with(b, NULL, "etc", 3, 0100644, "", -1);
	memcpy(b->p + 110, "etc", 3);
	newc_trailer(b);
}
static void m_name_embedded_nul(struct buf *b)
{
	member_with(b, NULL, "etc", 9, 0100644, "", -1);
	b->p[110 + 8] = '\0';
	memcpy(b->p + 110 + 4, "pass", 4);
	newc_trailer(b);
}
static void m_data_past_end(struct buf *b) { member_with(b, NULL, "big", 0, 0100644, "only this", 1000000); }
static void m_size_max(struct buf *b) { member_with(b, NULL, "huge", 0, 0100644, "", 0xffffffff); }
static void m_trunc_header(struct buf *b) { one_file(b); b->len = 60; }
static void m_trunc_name(struct buf *b) { one_file(b); b->len = 114; }
static void m_trunc_namepad(struct buf *b) { member_with(b, NULL, "ab", 0, 0100644, "xy", -1); b->len = 113; }
static void m_trunc_datapad(struct buf *b) { member_with(b, NULL, "a", 0, 0100644, "xyz", -1); b->len = 115; }
static void m_checksum(struct buf *b)
{
	struct member m = { .magic = "070702", .mode = 0100755, .nlink = 1, .name = "kernel/tool",
			    .data = "\x7f" "ELF", .datalen = 4, .filesize = -1, .check = 0x1234 };
	newc_member(b, &m);
}
static void m_symlink_long(struct buf *b)
{
	char *t = malloc(5000);
	memset(t, 'x', 4999);
	t[4999] = '\0';
	member_with(b, NULL, "l", 0, 0120777, t, -1);
	free(t);
}
static void m_symlink_nul(struct buf *b)
{
	struct member m = { .mode = 0120777, .nlink = 1, .name = "lib", .data = "/kern\0el",
			    .datalen = 8, .filesize = -1 };
	newc_member(b, &m);
}
static void m_trunc_target(struct buf *b) { newc_symlink(b, "sh", "busybox"); b->len = 116; }
static void m_broken_padding(struct buf *b)
{
	one_file(b);
	buf_add(b, "\0", 1); /* one NUL too many: the next header is off by one */
	newc_trailer(b);
}
static void m_junk(struct buf *b) { one_file(b); buf_add(b, "MZ\x90\x00", 4); }
static void m_stray_byte(struct buf *b) { one_file(b); buf_add(b, "\x28", 1); }

static void compressed(struct buf *b, const char *cmd, void (*inner)(struct buf *))
{
	struct buf in = { 0 };
	inner(&in);
	*b = compress_with(cmd, &in);
	buf_free(&in);
}
static void m_gzip_trunc(struct buf *b) { compressed(b, "gzip -c", one_file); b->len -= 10; }
static void m_gzip_corrupt(struct buf *b)
{
	compressed(b, "gzip -nc", one_file);
	for (size_t i = 12; i < 20 && i < b->len; i++)
		b->p[i] ^= 0x5a;
}
static void m_gzip_crc(struct buf *b) { compressed(b, "gzip -c", one_file); b->p[b->len - 8] ^= 1; }
static void m_gzip_isize(struct buf *b) { compressed(b, "gzip -c", one_file); b->p[b->len - 4] ^= 1; }
static void half_cpio(struct buf *b) { one_file(b); b->len = 130; }
static void m_gzip_half_cpio(struct buf *b) { compressed(b, "gzip -c", half_cpio); }
static void junk_inside(struct buf *b) { one_file(b); buf_add(b, "junk", 4); }
static void m_gzip_junk_inside(struct buf *b) { compressed(b, "gzip -c", junk_inside); }
static void old_inside(struct buf *b) { m_070707(b); }
static void m_gzip_070707(struct buf *b) { compressed(b, "gzip -c", old_inside); }
static void m_gzip_header(struct buf *b) { buf_add(b, "\x1f\x8b\x09\x00\x00\x00\x00\x00\x00\x03", 10); buf_zeros(b, 10); }
static void m_zstd_trunc(struct buf *b) { compressed(b, "zstd -qc", one_file); b->len -= 3; }
static void m_zstd_corrupt(struct buf *b) { compressed(b, "zstd -qc", one_file); b->p[b->len / 2] ^= 0xff; b->p[b->len / 2 + 1] ^= 0xff; }
static void m_xz_trunc(struct buf *b) { compressed(b, "xz -c --check=crc32", one_file); b->len -= 20; }
static void m_xz_corrupt(struct buf *b) { compressed(b, "xz -c --check=crc32", one_file); b->p[30] ^= 0x40; }
static void m_bzip2_trunc(struct buf *b) { compressed(b, "bzip2 -c", one_file); b->len -= 8; }
static void m_bzip2_corrupt(struct buf *b) { compressed(b, "bzip2 -c", one_file); b->p[20] ^= 0x11; }
static void m_lzma_corrupt(struct buf *b) { compressed(b, "lzma -c", one_file); b->p[b->len / 2] ^= 0x40; }
static void m_lzma_size(struct buf *b) { compressed(b, "lzma -c", one_file); b->p[5] ^= 0x10; }
static void m_lz4_corrupt(struct buf *b) { compressed(b, "lz4 -l -qc", one_file); b->p[8] = 0xff; }
static void m_lzo_corrupt(struct buf *b) { compressed(b, "lzop -qc", one_file); b->p[b->len - 12] ^= 0xff; }
static void m_unaligned_after_gzip(struct buf *b)
{
	compressed(b, "gzip -c", one_file);
	if (b->len % 4 == 1)
		buf_add(b, "\0", 1);
	buf_add(b, "\0", 1);
	while (b->len % 4 != 1)
		buf_add(b, "\0", 1);
	one_file(b);
}
static void m_dir_with_data(struct buf *b) { member_with(b, NULL, "dev", 0, 0040755, "data", -1); one_file(b); }

static const struct hostile {
	const char *name;
	make_fn make;
	enum ist_status status;
	const char *msg; /* after "LABEL: " */
} cases[] = {
	{ "070707", m_070707, IST_BAD_DATA, "offset 0: bad magic \"070707\" (old portable cpio; the kernel reads only newc, use -H newc)" },
	{ "bad-magic", m_badmagic, IST_BAD_DATA, "offset 0: bad magic \"07O701\" (expected 070701 or 070702)" },
	{ "binary-magic", m_binmagic, IST_BAD_DATA, "offset 0: bad magic \"0\\x01\\x02\\x03\\xff\\x7f\" (expected 070701 or 070702)" },
	{ "hex-ino", m_hex_ino, IST_BAD_DATA, "offset 13: non-hex digit in the ino field \"0000000x\" of the header at offset 0" },
	{ "hex-mode", m_hex_mode, IST_BAD_DATA, "offset 14: non-hex digit in the mode field \"-0100644\" of the header at offset 0" },
	{ "hex-filesize", m_hex_size, IST_BAD_DATA, "offset 58: non-hex digit in the filesize field \"0000 00D\" of the header at offset 0" },
	{ "hex-namesize", m_hex_namesize, IST_BAD_DATA, "offset 101: non-hex digit in the namesize field \"0000000\\x0a\" of the header at offset 0" },
	{ "hex-check", m_hex_check, IST_BAD_DATA, "offset 102: non-hex digit in the check field \"zzzzzzzz\" of the header at offset 0" },
	{ "namesize-0", m_namesize0, IST_BAD_DATA, "offset 0: namesize 0" },
	{ "namesize-4097", m_namesize4097, IST_BAD_DATA, "offset 0: namesize 4097 over 4096 (PATH_MAX)" },
	{ "namesize-max", m_namesize_max, IST_BAD_DATA, "offset 0: namesize 4294967295 over 4096 (PATH_MAX)" },
	{ "name-no-nul", m_name_nonul, IST_BAD_DATA, "offset 112: name \"etc\" not NUL-terminated (namesize 3)" },
	{ "name-embedded-nul", m_name_embedded_nul, IST_BAD_DATA, "offset 113: name \"etc\" has a NUL at byte 3 of namesize 9" },
	{ "data-past-end", m_data_past_end, IST_TRUNCATED, "offset 128: truncated in the data of \"big\" (12 of 1000000 bytes)" },
	{ "filesize-max", m_size_max, IST_TRUNCATED, "offset 116: truncated in the data of \"huge\" (0 of 4294967295 bytes)" },
	{ "truncated-header", m_trunc_header, IST_TRUNCATED, "offset 60: truncated in the header of the member at offset 0" },
	{ "truncated-name", m_trunc_name, IST_TRUNCATED, "offset 114: truncated in the name of the member at offset 0" },
	{ "truncated-name-padding", m_trunc_namepad, IST_TRUNCATED, "offset 113: truncated in the padding after the name of the member at offset 0" },
	{ "truncated-data-padding", m_trunc_datapad, IST_TRUNCATED, "offset 115: truncated in the padding after the data of the member at offset 0" },
	{ "checksum-070702", m_checksum, IST_BAD_DATA, "offset 0: 070702 checksum mismatch for \"kernel/tool\" (header 00001234, data 00000156)" },
	{ "symlink-target-long", m_symlink_long, IST_BAD_DATA, "offset 0: symlink target of 4999 bytes over 4095" },
	{ "symlink-target-nul", m_symlink_nul, IST_BAD_DATA, "offset 121: symlink target of \"lib\" has a NUL at byte 5" },
	{ "truncated-symlink-target", m_trunc_target, IST_TRUNCATED, "offset 116: truncated in the symlink target of the member at offset 0" },
	{ "broken-padding", m_broken_padding, IST_BAD_DATA, "offset 261: broken padding: byte 0x30 where NUL padding or a member at a 4-byte boundary was expected" },
	{ "junk-after-archive", m_junk, IST_BAD_DATA, "offset 260: junk: bytes 0x4d 0x5a are neither NUL padding, a cpio member nor a known compression magic" },
	{ "stray-byte", m_stray_byte, IST_TRUNCATED, "offset 260: stray byte 0x28 at the end of the file" },
	{ "unaligned-after-gzip", m_unaligned_after_gzip, IST_BAD_DATA, NULL },
	{ "dir-with-data", m_dir_with_data, IST_OK, NULL },
	{ "gzip-truncated", m_gzip_trunc, IST_TRUNCATED, NULL },
	{ "gzip-corrupt", m_gzip_corrupt, IST_BAD_DATA, NULL },
	{ "gzip-crc", m_gzip_crc, IST_BAD_DATA, NULL },
	{ "gzip-isize", m_gzip_isize, IST_BAD_DATA, NULL },
	{ "gzip-bad-header", m_gzip_header, IST_BAD_DATA, NULL },
	{ "gzip-half-cpio", m_gzip_half_cpio, IST_TRUNCATED, NULL },
	{ "gzip-junk-inside", m_gzip_junk_inside, IST_BAD_DATA, NULL },
	{ "gzip-070707-inside", m_gzip_070707, IST_BAD_DATA, NULL },
	{ "zstd-truncated", m_zstd_trunc, IST_TRUNCATED, NULL },
	{ "zstd-corrupt", m_zstd_corrupt, IST_BAD_DATA, NULL },
	{ "xz-truncated", m_xz_trunc, IST_TRUNCATED, NULL },
	{ "xz-corrupt", m_xz_corrupt, IST_BAD_DATA, NULL },
	{ "bzip2-truncated", m_bzip2_trunc, IST_TRUNCATED, NULL },
	{ "bzip2-corrupt", m_bzip2_corrupt, IST_BAD_DATA, NULL },
	{ "lzma-corrupt", m_lzma_corrupt, IST_BAD_DATA, NULL },
	{ "lzma-size", m_lzma_size, IST_BAD_DATA, NULL },
	{ "lz4-corrupt", m_lz4_corrupt, IST_BAD_DATA, NULL },
	{ "lzo-corrupt", m_lzo_corrupt, IST_BAD_DATA, NULL },
};

static const struct hostile *current;

static void run_case(void)
{
	const struct hostile *h = current;
	struct buf b = { 0 };
	h->make(&b);
	REQUIRE(b.len > 0);
	static const size_t chunks[] = { 0, 1, 3, 4096 };
	char first[512] = "";
	for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		char msg[512] = "";
		enum ist_status st = read_archive_mem(h->name, b.p, b.len, chunks[i], 0,
						      IST_ROLE_EXTRA, NULL, NULL, msg, sizeof msg);
		if (st != h->status)
			fprintf(stderr, "  chunk %zu: status %s, expected %s (%s)\n", chunks[i],
				ist_status_name(st), ist_status_name(h->status), msg);
		CHECK(st == h->status);
		if (h->msg) {
			char want[512];
			snprintf(want, sizeof want, "%s: %s", h->name, h->msg);
			CHECK_STR(msg, want);
		} else if (i == 0) {
			snprintf(first, sizeof first, "%s", msg);
			printf("# %s: %s\n", h->name, msg);
		} else {
			CHECK_STR(msg, first); /* the same error whatever the chunking */
		}
	}
	buf_free(&b);
}

int main(int argc, char **argv)
{
	size_t n = sizeof cases / sizeof cases[0];
	if (argc == 3 && !strcmp(argv[1], "--write")) {
		mkdir(argv[2], 0755);
		char *dir = realpath(argv[2], NULL);
		if (!dir)
			return 1;
		for (size_t i = 0; i < n; i++) {
			struct buf b = { 0 };
			cases[i].make(&b);
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", dir, cases[i].name);
			tmp_write(path, b.p, b.len);
			buf_free(&b);
		}
		free(dir);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		current = &cases[i];
		check_run(cases[i].name, run_case);
	}
	return check_done();
}
