/*
 * newc writer: byte-for-byte against GNU cpio -H newc --reproducible on a
 * real tree (names of every padding class, bodies of every size mod 4,
 * symlinks, a FIFO, a device, odd modes and owners), read back by GNU cpio
 * and bsdtar (listing and extraction compared with the source tree),
 * determinism under any data chunking, hard links with keep_ino, and every
 * contract violation and sink failure giving a precise sticky error.
 */
#include <initstack/cpio.h>
#include <initstack/sha256.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "check.h"
#include "tmp.h"

#define IST_MIN(a, b) ((a) < (b) ? (a) : (b))

/* ---- an in-memory sink --------------------------------------------------- */

struct sink_buf {
	uint8_t *p;
	size_t len, cap;
	size_t fail_after; /* sink fails once len would pass this (0: never) */
	int fail_rc;
};

static int buf_sink(void *user, const void *p, size_t n)
{
	struct sink_buf *b = user;
	if (b->fail_after && b->len + n > b->fail_after)
		return b->fail_rc;
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->len < n)
			cap *= 2;
		uint8_t *np = realloc(b->p, cap);
		if (!np)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static struct ist_cpio_entry entry(const char *name, uint32_t mode, uint32_t size)
{
	struct ist_cpio_entry e = { 0 };
	e.name = name;
	e.namelen = strlen(name);
	e.mode = mode;
	e.nlink = (mode & IST_S_IFMT) == IST_S_IFDIR ? 2 : 1;
	e.filesize = size;
	return e;
}

/* ---- the source tree ------------------------------------------------------- */

#define MTIME 1000000000

static char *src_dir;
static char **names; /* sorted, relative, as given to GNU cpio */
static size_t nnames;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Build tmp/src once: every file type we can make, owners, modes, sizes. */
static int make_tree(void)
{
	if (src_dir)
		return 0;
	src_dir = tmp_path("src");
	int rc = tmp_sh(
		"set -e; mkdir -p src && cd src\n"
		"mkdir -p d d/sub e sticky && chmod 1777 sticky && chmod 0700 e\n"
		"for n in a bb ccc dddd eeeee ffffff ggggggg hhhhhhhh; do printf %%s $n > d/$n; done\n"
		"for s in 0 1 2 3 4 5 6 7 8 4095 4096 4097; do head -c $s /dev/urandom > d/sub/size$s; done\n"
		"head -c 300000 /dev/urandom > big && chmod 0600 big\n"
		"printf '#!/bin/sh\\n' > e/run && chmod 04755 e/run\n"
		"ln -s a d/link1 && ln -s ../d/sub/size4097 e/link2\n"
		"ln -s $(printf 'x%%.0s' $(seq 1 300)) longlink\n"
		"mkfifo -m 0640 fifo\n"
		"%s\n"
		"chown 1234:5678 d/a big && chown -h 42:43 d/link1 && chown 7:8 e\n"
		"find . -exec touch -h -d @%d {} +\n",
		geteuid() == 0 ? "mknod -m 0600 null c 1 3 && mknod -m 0660 blk b 7 0" : "true",
		MTIME);
	if (rc)
		return -1;
	size_t len;
	int st;
	char *list = tmp_sh_out(&st, &len, "cd src && find . -mindepth 1 | sed 's|^\\./||'");
	if (!list || st)
		return -1;
	for (char *p = list; *p; p++)
		if (*p == '\n')
			nnames++;
	names = calloc(nnames, sizeof *names);
	size_t i = 0;
	for (char *save, *t = strtok_r(list, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
		names[i++] = strdup(t);
	free(list);
	qsort(names, nnames, sizeof *names, cmp_str);
	char *lpath = tmp_path("list");
	FILE *f = fopen(lpath, "w");
	free(lpath);
	if (!f)
		return -1;
	for (i = 0; i < nnames; i++)
		fprintf(f, "%s\n", names[i]);
	fclose(f);
	return 0;
}

/* Write the tree through the writer, body data in pieces of `chunk` bytes. */
static enum ist_status write_tree(struct sink_buf *out, size_t chunk, struct ist_error *err)
{
	struct ist_cpio_writer w;
	ist_cpio_writer_init(&w, buf_sink, out);
	enum ist_status st = IST_OK;
	for (size_t i = 0; i < nnames && !st; i++) {
		char path[4096], target[4096];
		snprintf(path, sizeof path, "%s/%s", src_dir, names[i]);
		struct stat sb;
		if (lstat(path, &sb))
			return IST_INVALID;
		struct ist_cpio_entry e = { 0 };
		e.name = names[i];
		e.namelen = strlen(names[i]);
		e.mode = sb.st_mode;
		e.uid = sb.st_uid;
		e.gid = sb.st_gid;
		e.nlink = (uint32_t)sb.st_nlink;
		e.mtime = (uint32_t)sb.st_mtime;
		e.rdevmajor = major(sb.st_rdev);
		e.rdevminor = minor(sb.st_rdev);
		if (S_ISLNK(sb.st_mode)) {
			ssize_t n = readlink(path, target, sizeof target);
			if (n <= 0)
				return IST_INVALID;
			e.target = target;
			e.targetlen = (size_t)n;
		} else if (S_ISREG(sb.st_mode)) {
			e.filesize = (uint32_t)sb.st_size;
		}
		st = ist_cpio_write_entry(&w, &e);
		if (st || !S_ISREG(sb.st_mode))
			continue;
		size_t n;
		uint8_t *data = tmp_read(path, &n);
		if (!data)
			return IST_INVALID;
		for (size_t off = 0; off < n && !st; off += chunk)
			st = ist_cpio_write_data(&w, data + off, IST_MIN(chunk, n - off));
		free(data);
	}
	if (!st)
		st = ist_cpio_write_trailer(&w);
	*err = w.err;
	return st;
}

static unsigned long hexfield(const uint8_t *h, int i)
{
	char t[9];
	memcpy(t, h + 6 + 8 * i, 8);
	t[8] = 0;
	return strtoul(t, NULL, 16);
}

/*
 * GNU cpio --reproducible numbers inodes from 0 and pads to 512 bytes:
 * renumber from 1 (trailer 0) and cut after the trailer's 4-byte padding.
 */
static size_t normalise_gnu(uint8_t *p, size_t len)
{
	size_t pos = 0;
	unsigned ino = 1;
	while (pos + 110 <= len && !memcmp(p + pos, "0707", 4)) {
		unsigned long namesize = hexfield(p + pos, 11), filesize = hexfield(p + pos, 6);
		bool trailer = namesize == 11 && !memcmp(p + pos + 110, "TRAILER!!!", 11);
		char t[9];
		snprintf(t, sizeof t, "%08X", trailer ? 0 : ino++);
		memcpy(p + pos + 6, t, 8);
		pos = (pos + 110 + namesize + 3) & ~(size_t)3;
		pos = (pos + filesize + 3) & ~(size_t)3;
		if (trailer)
			return pos;
	}
	return len;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_matches_gnu_cpio_bytes(void)
{
	REQUIRE(!make_tree());
	struct sink_buf ours = { 0 };
	struct ist_error err;
	enum ist_status st = write_tree(&ours, 1 << 20, &err);
	if (st)
		fprintf(stderr, "  write: %s\n", err.msg);
	REQUIRE(st == IST_OK);
	REQUIRE(!tmp_write("ours.cpio", ours.p, ours.len));
	REQUIRE(!tmp_sh("cd src && cpio -o -H newc --reproducible --quiet < ../list > ../gnu.cpio"));
	size_t glen;
	uint8_t *gnu = tmp_read("gnu.cpio", &glen);
	REQUIRE(gnu);
	glen = normalise_gnu(gnu, glen);
	CHECK_EQ_U(ours.len, glen);
	CHECK_EQ_U(ours.len % 4, 0);
	if (ours.len == glen && memcmp(ours.p, gnu, glen)) {
		size_t i = 0;
		while (ours.p[i] == gnu[i])
			i++;
		fprintf(stderr, "  first difference at byte %zu\n", i);
		CHECK(0);
	}
	free(gnu);
	free(ours.p);
}

/* Same listing from GNU cpio and bsdtar for our archive and GNU's own. */
static void test_listings(void)
{
	REQUIRE(!make_tree());
	static const char *const cmds[] = {
		"cpio -itv --quiet < %s",
		"bsdtar -tvf %s",
		"cpio -it --quiet < %s",
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		int s1, s2;
		char c1[256], c2[256];
		snprintf(c1, sizeof c1, cmds[i], "ours.cpio");
		snprintf(c2, sizeof c2, cmds[i], "gnu.cpio");
		char *a = tmp_sh_out(&s1, NULL, "%s", c1);
		char *b = tmp_sh_out(&s2, NULL, "%s", c2);
		CHECK(a && b && s1 == 0 && s2 == 0);
		if (a && b)
			CHECK_STR(a, b);
		if (a && i == 2) {
			/* and the names are ours, in our order */
			char *p = a;
			for (size_t k = 0; k < nnames; k++) {
				size_t n = strlen(names[k]);
				CHECK(!strncmp(p, names[k], n) && p[n] == '\n');
				p = strchr(p, '\n');
				if (!p)
					break;
				p++;
			}
		}
		free(a);
		free(b);
	}
}

/* Metadata as find and stat print it; directories without size. */
#define DESCRIBE                                                                      \
	"find . -mindepth 1 \\( -type d -printf '%%p d %%m %%U %%G\\n' \\) -o "          \
	"\\( -type f -printf '%%p f %%m %%U %%G %%s %%T@\\n' \\) -o "                     \
	"\\( -type l -printf '%%p l %%U %%G %%l\\n' \\) -o "                              \
	"\\( -printf '%%p %%y %%m %%U %%G ' -exec stat -c '%%t:%%T' {} \\; \\) | sort"

static void compare_extracted(const char *dir)
{
	int s1, s2;
	char *want = tmp_sh_out(&s1, NULL, "cd src && " DESCRIBE);
	char *got = tmp_sh_out(&s2, NULL, "cd %s && " DESCRIBE, dir);
	CHECK(want && got && s1 == 0 && s2 == 0);
	if (want && got)
		CHECK_STR(got, want);
	CHECK(want && strstr(want, " 4755 ")); /* the setuid bit made it */
	free(want);
	free(got);
	CHECK_EQ_U(tmp_sh("diff -r --no-dereference -x fifo -x null -x blk src %s >&2", dir), 0);
}

static void test_extract_gnu_cpio(void)
{
	REQUIRE(!make_tree());
	REQUIRE(!tmp_sh("rm -rf x1 && mkdir x1 && cd x1 && cpio -idm --quiet "
			"--no-absolute-filenames < ../ours.cpio"));
	compare_extracted("x1");
}

static void test_extract_bsdtar(void)
{
	REQUIRE(!make_tree());
	REQUIRE(!tmp_sh("rm -rf x2 && mkdir x2 && bsdtar -xpf ours.cpio --numeric-owner -C x2"));
	compare_extracted("x2");
}

/* Any chunking of the data gives the same bytes; so does a second run. */
static void test_deterministic(void)
{
	REQUIRE(!make_tree());
	struct sink_buf a = { 0 }, b = { 0 }, c = { 0 };
	struct ist_error err;
	REQUIRE(write_tree(&a, 1 << 20, &err) == IST_OK);
	REQUIRE(write_tree(&b, 1, &err) == IST_OK);
	REQUIRE(write_tree(&c, 4093, &err) == IST_OK);
	CHECK(a.len == b.len && !memcmp(a.p, b.p, a.len));
	CHECK(a.len == c.len && !memcmp(a.p, c.p, a.len));
	free(a.p);
	free(b.p);
	free(c.p);
}

/* Exact bytes of a minimal archive, written down by hand. */
static void test_exact_bytes(void)
{
	struct sink_buf b = { 0 };
	struct ist_cpio_writer w;
	ist_cpio_writer_init(&w, buf_sink, &b);
	struct ist_cpio_entry e = entry("ab", IST_S_IFREG | 0644, 5);
	e.mtime = 0x12345678;
	e.uid = 0xabcdef;
	REQUIRE(ist_cpio_write_entry(&w, &e) == IST_OK);
	REQUIRE(ist_cpio_write_data(&w, "hel", 3) == IST_OK);
	REQUIRE(ist_cpio_write_data(&w, "lo", 2) == IST_OK);
	REQUIRE(ist_cpio_write_trailer(&w) == IST_OK);
	const char want[] =
		"070701" "00000001" "000081A4" "00ABCDEF" "00000000" "00000001" "12345678"
		"00000005" "00000000" "00000000" "00000000" "00000000" "00000003" "00000000"
		"ab\0" "\0\0\0" /* 110 + 3 = 113, pad to 116 */
		"hello" "\0\0\0"
		"070701" "00000000" "00000000" "00000000" "00000000" "00000001" "00000000"
		"00000000" "00000000" "00000000" "00000000" "00000000" "0000000B" "00000000"
		"TRAILER!!!\0" "\0\0\0";
	CHECK_EQ_U(b.len, sizeof want - 1);
	CHECK(b.len == sizeof want - 1 && !memcmp(b.p, want, b.len));
	CHECK_EQ_U(w.pos, b.len);
	free(b.p);
}

/* Name lengths 1..4095 across all padding classes read back by GNU cpio. */
static void test_name_lengths(void)
{
	struct sink_buf b = { 0 };
	struct ist_cpio_writer w;
	ist_cpio_writer_init(&w, buf_sink, &b);
	static const size_t lens[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 254, 255, 256, 4093, 4094, 4095 };
	char *name = malloc(4096);
	REQUIRE(name);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		/* components of at most 200 bytes so bsdtar and the fs accept them */
		for (size_t k = 0; k < lens[i]; k++)
			name[k] = k % 201 == 200 ? '/' : (char)('a' + i);
		name[lens[i]] = 0;
		struct ist_cpio_entry e = entry(name, IST_S_IFREG | 0644, (uint32_t)i);
		REQUIRE(ist_cpio_write_entry(&w, &e) == IST_OK);
		REQUIRE(ist_cpio_write_data(&w, "0123456789abcdef", i) == IST_OK);
		CHECK_EQ_U(w.pos % 4, 0);
	}
	REQUIRE(ist_cpio_write_trailer(&w) == IST_OK);
	REQUIRE(!tmp_write("names.cpio", b.p, b.len));
	int st;
	size_t len;
	char *list = tmp_sh_out(&st, &len, "cpio -it --quiet < names.cpio");
	CHECK(list && st == 0);
	size_t lines = 0, total = 0;
	for (char *p = list; p && *p; p++) {
		if (*p == '\n')
			lines++;
		else
			total++;
	}
	size_t want_total = 0;
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
		want_total += lens[i];
	CHECK_EQ_U(lines, sizeof lens / sizeof lens[0]);
	CHECK_EQ_U(total, want_total);
	free(list);
	free(name);
	free(b.p);
}

/* keep_ino: GNU cpio links entries with one inode and nlink 2. */
static void test_hard_links_keep_ino(void)
{
	struct sink_buf b = { 0 };
	struct ist_cpio_writer w;
	ist_cpio_writer_init(&w, buf_sink, &b);
	w.keep_ino = true;
	struct ist_cpio_entry e1 = entry("one", IST_S_IFREG | 0644, 0);
	struct ist_cpio_entry e2 = entry("two", IST_S_IFREG | 0644, 6);
	struct ist_cpio_entry e3 = entry("three", IST_S_IFREG | 0600, 2);
	e1.ino = e2.ino = 77;
	e1.nlink = e2.nlink = 2;
	REQUIRE(ist_cpio_write_entry(&w, &e1) == IST_OK);
	REQUIRE(ist_cpio_write_entry(&w, &e2) == IST_OK);
	REQUIRE(ist_cpio_write_data(&w, "shared", 6) == IST_OK);
	REQUIRE(ist_cpio_write_entry(&w, &e3) == IST_OK); /* ino 0: numbered */
	REQUIRE(ist_cpio_write_data(&w, "x\n", 2) == IST_OK);
	REQUIRE(ist_cpio_write_trailer(&w) == IST_OK);
	CHECK_EQ_U(hexfield(b.p, 0), 77);
	CHECK(!memcmp(b.p + 6, "0000004D", 8));
	REQUIRE(!tmp_write("links.cpio", b.p, b.len));
	REQUIRE(!tmp_sh("rm -rf x3 && mkdir x3 && cd x3 && cpio -idm --quiet < ../links.cpio"));
	int st;
	char *out = tmp_sh_out(&st, NULL,
			       "cd x3 && stat -c '%%h %%s' one two three && "
			       "test one -ef two && cat two three");
	CHECK(out && st == 0);
	if (out)
		CHECK_STR(out, "2 6\n2 6\n1 2\nsharedx\n");
	free(out);
	free(b.p);
}

/* Numbering restarts after each trailer: two archives in one stream equal two
 * separately written archives. */
static void test_ino_restart_after_trailer(void)
{
	struct sink_buf one = { 0 }, two = { 0 };
	struct ist_cpio_writer w;
	struct ist_cpio_entry d = entry("dir", IST_S_IFDIR | 0755, 0);
	struct ist_cpio_entry f = entry("dir/f", IST_S_IFREG | 0644, 1);
	ist_cpio_writer_init(&w, buf_sink, &one);
	for (int k = 0; k < 2; k++) {
		CHECK(ist_cpio_write_entry(&w, &d) == IST_OK);
		CHECK(ist_cpio_write_entry(&w, &f) == IST_OK);
		CHECK(ist_cpio_write_data(&w, "z", 1) == IST_OK);
		CHECK(ist_cpio_write_trailer(&w) == IST_OK);
	}
	ist_cpio_writer_init(&w, buf_sink, &two);
	CHECK(ist_cpio_write_entry(&w, &d) == IST_OK);
	CHECK(ist_cpio_write_entry(&w, &f) == IST_OK);
	CHECK(ist_cpio_write_data(&w, "z", 1) == IST_OK);
	CHECK(ist_cpio_write_trailer(&w) == IST_OK);
	REQUIRE(one.len == 2 * two.len);
	CHECK(!memcmp(one.p, two.p, two.len));
	CHECK(!memcmp(one.p + two.len, two.p, two.len));
	free(one.p);
	free(two.p);
}

/* Each contract violation: status, message, stickiness, nothing written. */
static void expect_invalid(struct ist_cpio_entry e, const char *msg)
{
	struct sink_buf b = { 0 };
	struct ist_cpio_writer w;
	ist_cpio_writer_init(&w, buf_sink, &b);
	CHECK(ist_cpio_write_entry(&w, &e) == IST_INVALID);
	CHECK_CONTAINS(w.err.msg, msg);
	CHECK_EQ_U(b.len, 0);
	struct ist_cpio_entry ok = entry("fine", IST_S_IFDIR | 0755, 0);
	CHECK(ist_cpio_write_entry(&w, &ok) == IST_INVALID); /* sticky */
	CHECK(ist_cpio_write_trailer(&w) == IST_INVALID);
	CHECK_EQ_U(b.len, 0);
	free(b.p);
}

static void test_invalid_entries(void)
{
	char *longname = malloc(4097);
	REQUIRE(longname);
	memset(longname, 'n', 4096);
	longname[4096] = 0;
	expect_invalid(entry("", IST_S_IFREG | 0644, 0), "offset 0: empty name");
	expect_invalid(entry(longname, IST_S_IFREG | 0644, 0), "name of 4096 bytes over 4095");
	struct ist_cpio_entry e = entry("a\0b", IST_S_IFREG, 0);
	e.namelen = 3;
	expect_invalid(e, "name \"a\" holds a NUL at byte 1");
	e = entry("x", IST_S_IFREG | 0644, 0);
	e.name = NULL;
	expect_invalid(e, "entry without a name");
	expect_invalid(entry("TRAILER!!!", IST_S_IFREG | 0644, 0), "TRAILER!!! is the end marker");
	expect_invalid(entry("nofmt", 0644, 0), "nofmt: mode 0644 has no known file type");
	expect_invalid(entry("lnk", IST_S_IFLNK | 0777, 0), "lnk: symlink without a target");
	e = entry("lnk", IST_S_IFLNK | 0777, 0);
	e.target = longname;
	e.targetlen = 4096;
	expect_invalid(e, "lnk: symlink target of 4096 bytes over 4095");
	e.target = "t\0u";
	e.targetlen = 3;
	expect_invalid(e, "lnk: symlink target holds a NUL at byte 1");
	e.target = "tgt";
	e.filesize = 4;
	expect_invalid(e, "lnk: filesize 4 differs from the target's 3 bytes");
	e = entry("f", IST_S_IFREG | 0644, 0);
	e.target = "x";
	e.targetlen = 1;
	expect_invalid(e, "f: a target given for a mode 0100644 entry");
	free(longname);

	/* 4095 bytes is the longest name and target */
	struct sink_buf b = { 0 };
	struct ist_cpio_writer w;
	ist_cpio_writer_init(&w, buf_sink, &b);
	char *n4095 = malloc(4096);
	REQUIRE(n4095);
	memset(n4095, 'q', 4095);
	n4095[4095] = 0;
	e = entry(n4095, IST_S_IFLNK | 0777, 4095);
	e.target = n4095;
	e.targetlen = 4095;
	CHECK(ist_cpio_write_entry(&w, &e) == IST_OK);
	CHECK_EQ_U(b.len, 110 + 4096 + 2 + 4095 + 1);
	CHECK(!memcmp(b.p + 54, "00000FFF", 8));  /* filesize */
	CHECK(!memcmp(b.p + 94, "00001000", 8));  /* namesize */
	free(n4095);
	free(b.p);
}

static void test_body_accounting(void)
{
	struct sink_buf b = { 0 };
	struct ist_cpio_writer w;
	struct ist_cpio_entry f = entry("f", IST_S_IFREG | 0644, 3);
	struct ist_cpio_entry g = entry("g", IST_S_IFREG | 0644, 0);

	/* too much data in one call, then in a second call */
	ist_cpio_writer_init(&w, buf_sink, &b);
	CHECK(ist_cpio_write_entry(&w, &f) == IST_OK);
	size_t before = b.len;
	CHECK(ist_cpio_write_data(&w, "abcd", 4) == IST_INVALID);
	CHECK_STR(w.err.msg, "offset 112: 4 bytes of data where the body has 3 left");
	CHECK_EQ_U(b.len, before);
	CHECK(ist_cpio_write_data(&w, "abc", 3) == IST_INVALID); /* sticky */
	b.len = 0;
	ist_cpio_writer_init(&w, buf_sink, &b);
	CHECK(ist_cpio_write_entry(&w, &f) == IST_OK);
	CHECK(ist_cpio_write_data(&w, "ab", 2) == IST_OK);
	CHECK(ist_cpio_write_data(&w, "cd", 2) == IST_INVALID);
	CHECK_CONTAINS(w.err.msg, "2 bytes of data where the body has 1 left");

	/* next entry or trailer before the body is complete */
	b.len = 0;
	ist_cpio_writer_init(&w, buf_sink, &b);
	CHECK(ist_cpio_write_entry(&w, &f) == IST_OK);
	CHECK(ist_cpio_write_data(&w, "a", 1) == IST_OK);
	CHECK(ist_cpio_write_entry(&w, &g) == IST_INVALID);
	CHECK_STR(w.err.msg, "offset 113: previous entry's body is incomplete (2 bytes owed)");
	b.len = 0;
	ist_cpio_writer_init(&w, buf_sink, &b);
	CHECK(ist_cpio_write_entry(&w, &f) == IST_OK);
	CHECK(ist_cpio_write_trailer(&w) == IST_INVALID);
	CHECK_CONTAINS(w.err.msg, "incomplete (3 bytes owed)");

	/* data for an entry without a body; zero-length data is fine */
	b.len = 0;
	ist_cpio_writer_init(&w, buf_sink, &b);
	CHECK(ist_cpio_write_entry(&w, &g) == IST_OK);
	CHECK(ist_cpio_write_data(&w, NULL, 0) == IST_OK);
	CHECK(ist_cpio_write_data(&w, "x", 1) == IST_INVALID);
	CHECK_CONTAINS(w.err.msg, "1 bytes of data where the body has 0 left");

	/* a directory may carry a body (the kernel ignores it; readers see it) */
	b.len = 0;
	ist_cpio_writer_init(&w, buf_sink, &b);
	struct ist_cpio_entry d = entry("d", IST_S_IFDIR | 0755, 2);
	CHECK(ist_cpio_write_entry(&w, &d) == IST_OK);
	CHECK(ist_cpio_write_data(&w, "xy", 2) == IST_OK);
	CHECK(ist_cpio_write_trailer(&w) == IST_OK);
	CHECK_EQ_U(b.len, 112 + 4 + 124);
	free(b.p);
}

static void test_sink_failure(void)
{
	struct sink_buf b = { 0 };
	struct ist_cpio_writer w;
	struct ist_cpio_entry f = entry("file", IST_S_IFREG | 0644, 10);

	b.fail_after = 100;
	b.fail_rc = -5;
	ist_cpio_writer_init(&w, buf_sink, &b);
	CHECK(ist_cpio_write_entry(&w, &f) == IST_ABORTED);
	CHECK_STR(w.err.msg, "offset 0: stopped by the sink callback (aborted)");
	CHECK(ist_cpio_write_trailer(&w) == IST_ABORTED);

	b.len = 0;
	b.fail_after = 120;
	b.fail_rc = IST_NO_SPACE;
	ist_cpio_writer_init(&w, buf_sink, &b);
	CHECK(ist_cpio_write_entry(&w, &f) == IST_OK);
	CHECK(ist_cpio_write_data(&w, "0123456789", 10) == IST_NO_SPACE);
	CHECK_STR(w.err.msg, "offset 116: stopped by the sink callback (output full)");
	CHECK_EQ_U(w.err.offset, 116);
	CHECK(ist_cpio_write_data(&w, "0", 1) == IST_NO_SPACE);

	ist_cpio_writer_init(&w, NULL, NULL);
	CHECK(ist_cpio_write_trailer(&w) == IST_INVALID);
	CHECK_CONTAINS(w.err.msg, "no sink");
	free(b.p);
}

/* ---- read back by the core's own reader ---------------------------------------- */

struct readback {
	size_t n;          /* entries seen, trailer excluded */
	size_t trailers;
	bool bad;
	struct ist_sha256 body;
	struct stat sb;
	char path[4096];
};

static int rb_entry(void *user, const struct ist_cpio_entry *e)
{
	struct readback *rb = user;
	if (e->trailer) {
		rb->trailers++;
		return 0;
	}
	if (rb->n >= nnames || strcmp(e->name, names[rb->n])) {
		fprintf(stderr, "  entry %zu is \"%s\"\n", rb->n, e->name);
		rb->bad = true;
		return 0;
	}
	snprintf(rb->path, sizeof rb->path, "%s/%s", src_dir, e->name);
	struct stat *sb = &rb->sb;
	if (lstat(rb->path, sb) || e->mode != sb->st_mode || e->uid != sb->st_uid ||
	    e->gid != sb->st_gid || e->nlink != sb->st_nlink || e->mtime != (uint32_t)sb->st_mtime ||
	    e->rdevmajor != major(sb->st_rdev) || e->rdevminor != minor(sb->st_rdev) ||
	    e->ino != rb->n + 1 || e->has_check) {
		fprintf(stderr, "  %s: metadata differs\n", e->name);
		rb->bad = true;
	}
	if (S_ISLNK(sb->st_mode)) {
		char t[4096];
		ssize_t n = readlink(rb->path, t, sizeof t);
		if (n < 0 || !e->target || e->targetlen != (size_t)n || memcmp(e->target, t, (size_t)n)) {
			fprintf(stderr, "  %s: target differs\n", e->name);
			rb->bad = true;
		}
	} else if (e->filesize != (S_ISREG(sb->st_mode) ? (uint32_t)sb->st_size : 0)) {
		rb->bad = true;
	}
	ist_sha256_init(&rb->body);
	rb->n++;
	return 0;
}

static int rb_data(void *user, const uint8_t *p, size_t n)
{
	struct readback *rb = user;
	ist_sha256_update(&rb->body, p, n);
	return 0;
}

static int rb_entry_end(void *user, const struct ist_cpio_entry *e)
{
	struct readback *rb = user;
	uint8_t got[IST_SHA256_SIZE], want[IST_SHA256_SIZE];
	ist_sha256_final(&rb->body, got);
	if (!S_ISREG(rb->sb.st_mode))
		return 0; /* bodies of other types are empty here (checked above) */
	size_t n = 0;
	uint8_t *data = tmp_read(rb->path, &n);
	ist_sha256(data, n, want);
	free(data);
	if (memcmp(got, want, sizeof got)) {
		fprintf(stderr, "  %s: body differs\n", e->name);
		rb->bad = true;
	}
	return 0;
}

/* Every entry comes back from ist_cpio_feed as written, however it is chunked. */
static void test_core_reader_reads_it_back(void)
{
	REQUIRE(!make_tree());
	struct sink_buf b = { 0 };
	struct ist_error err;
	REQUIRE(write_tree(&b, 1 << 20, &err) == IST_OK);
	static const size_t chunks[] = { 1 << 30, 1, 3, 4096, 110 };
	struct ist_cpio_reader *r = malloc(sizeof *r);
	REQUIRE(r);
	for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
		struct readback rb = { 0 };
		struct ist_cpio_ops ops = { rb_entry, rb_data, rb_entry_end, &rb };
		ist_cpio_init(r, &ops);
		enum ist_status st = IST_OK;
		for (size_t off = 0; off < b.len && !st; off += chunks[k]) {
			size_t n = IST_MIN(chunks[k], b.len - off), used = 0;
			st = ist_cpio_feed(r, b.p + off, n, &used);
			CHECK_EQ_U(used, n);
		}
		if (st)
			fprintf(stderr, "  %s\n", r->err.msg);
		CHECK(st == IST_OK);
		CHECK(ist_cpio_finish(r) == IST_OK);
		CHECK(!rb.bad);
		CHECK_EQ_U(rb.n, nnames);
		CHECK_EQ_U(rb.trailers, 1);
	}
	free(r);
	free(b.p);
}

int main(void)
{
	RUN(test_exact_bytes);
	RUN(test_matches_gnu_cpio_bytes);
	RUN(test_listings);
	RUN(test_extract_gnu_cpio);
	RUN(test_extract_bsdtar);
	RUN(test_deterministic);
	RUN(test_core_reader_reads_it_back);
	RUN(test_name_lengths);
	RUN(test_hard_links_keep_ino);
	RUN(test_ino_restart_after_trailer);
	RUN(test_invalid_entries);
	RUN(test_body_accounting);
	RUN(test_sink_failure);
	return check_done();
}
