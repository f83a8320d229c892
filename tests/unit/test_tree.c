/* The stack model: kernel semantics and every event class. */
#include <stdlib.h>

#include <initstack/archive.h>
#include <initstack/tree.h>

#include "check.h"
#include "newc.h"
#include "util.h"

struct events {
	char text[16384];
	size_t len;
};

static int on_event(void *u, const struct ist_event *ev)
{
	struct events *e = u;
	int n = snprintf(e->text + e->len, sizeof e->text - e->len, "%s %s %u %s: %s%s\n",
			 ist_action_name(ev->action), ist_event_class_name(ev->cls), ev->archive,
			 ev->path, ev->detail, ev->applied ? "" : " [not applied]");
	if (n > 0 && (size_t)n < sizeof e->text - e->len)
		e->len += (size_t)n;
	return 0;
}

static int t_entry(void *u, const struct ist_segment *s, const struct ist_cpio_entry *e)
{
	return (int)ist_tree_entry(u, s, e);
}
static int t_data(void *u, const uint8_t *p, size_t n)
{
	return (int)ist_tree_data(u, p, n);
}
static int t_end(void *u, const struct ist_cpio_entry *e)
{
	return (int)ist_tree_entry_end(u, e);
}

static void add(struct ist_tree *t, const struct buf *b, unsigned idx, enum ist_role role)
{
	static uint8_t scratch[4096];
	struct ist_archive a;
	const struct ist_archive_ops ops = { t_entry, t_data, t_end, NULL, t };
	ist_archive_init(&a, &ops, NULL, NULL, scratch, sizeof scratch);
	ist_tree_begin(t, idx, role);
	if (ist_archive_feed(&a, b->p, b->len) || ist_archive_finish(&a))
		fprintf(stderr, "  archive %u: %s\n", idx, a.err.msg);
	ist_tree_end(t);
}

struct dump {
	char text[16384];
	size_t len;
};

static int dump_item(void *u, const struct ist_tree_item *it)
{
	struct dump *d = u;
	char extra[160] = "";
	if (it->target)
		snprintf(extra, sizeof extra, " -> %s", it->target);
	else if ((it->mode & 0170000) == 0100000 && !it->sha256)
		snprintf(extra, sizeof extra, " %llu -", (unsigned long long)it->size);
	else if ((it->mode & 0170000) == 0100000)
		snprintf(extra, sizeof extra, " %llu %02x%02x", (unsigned long long)it->size,
			 it->sha256[0], it->sha256[1]);
	int n = snprintf(d->text + d->len, sizeof d->text - d->len, "%c%04o %s%s%s%s\n",
			 type_letter(it->mode), it->mode & 07777, it->path, extra,
			 it->first_name ? " => " : "", it->first_name ? it->first_name : "");
	if (n > 0)
		d->len += (size_t)n;
	return 0;
}

static struct ist_tree *new_tree_digests(struct events *ev, bool builtin, bool digests)
{
	struct ist_tree_config cfg;
	ist_tree_config_default(&cfg);
	cfg.builtin = builtin;
	cfg.no_digests = !digests;
	cfg.event = on_event;
	cfg.user = ev;
	memset(ev, 0, sizeof *ev);
	struct ist_tree *t = NULL;
	struct ist_error err;
	if (ist_tree_new(&t, &host_alloc, &cfg, &err))
		abort();
	return t;
}

static struct ist_tree *new_tree(struct events *ev, bool builtin)
{
	return new_tree_digests(ev, builtin, true);
}

static const char *dump(struct ist_tree *t)
{
	static struct dump d;
	memset(&d, 0, sizeof d);
	ist_tree_walk(t, dump_item, &d);
	return d.text;
}

/* sha256("a") starts ca97, sha256("b") 3e23, sha256("") e3b0 */

static void test_builtin_and_last_wins(void)
{
	struct events ev;
	struct ist_tree *t = new_tree(&ev, true);
	struct buf a = { 0 }, b = { 0 };
	newc_dir(&a, "bin", 0755);
	newc_file(&a, "bin/x", 0755, "a");
	newc_trailer(&a);
	newc_file(&b, "./bin/x", 0700, "b");
	newc_trailer(&b);
	add(t, &a, 0, IST_ROLE_KERNEL);
	add(t, &b, 1, IST_ROLE_EXTRA);
	CHECK_STR(dump(t), "d1777 /\n"
			   "d0755 /bin\n"
			   "f0700 /bin/x 1 3e23\n"
			   "d0755 /dev\n"
			   "c0600 /dev/console\n"
			   "d0700 /root\n");
	CHECK_STR(ev.text, "allow overwrite 1 /bin/x: file overwrites a file from archive 0\n");
	ist_tree_free(t);
	buf_free(&a);
	buf_free(&b);
}

/* the loader's way: the same verdicts and sizes, no content digests */
static void test_no_digests(void)
{
	struct events ev;
	struct ist_tree *t = new_tree_digests(&ev, false, false);
	struct buf a = { 0 }, b = { 0 };
	newc_file(&a, "x", 0644, "abc");
	newc_trailer(&a);
	newc_file(&b, "x", 0600, "b");
	newc_trailer(&b);
	add(t, &a, 0, IST_ROLE_KERNEL);
	add(t, &b, 1, IST_ROLE_EXTRA);
	CHECK_STR(dump(t), "d1777 /\n"
			   "f0600 /x 1 -\n");
	CHECK_STR(ev.text, "allow overwrite 1 /x: file overwrites a file from archive 0\n");
	ist_tree_free(t);
	buf_free(&a);
	buf_free(&b);
}

static void test_type_changes(void)
{
	struct events ev;
	struct ist_tree *t = new_tree(&ev, false);
	struct buf a = { 0 }, b = { 0 };
	newc_file(&a, "f", 0644, "a");
	newc_dir(&a, "d", 0755);
	newc_dir(&a, "full", 0755);
	newc_file(&a, "full/x", 0644, "a");
	newc_symlink(&a, "s", "f");
	newc_trailer(&a);
	newc_dir(&b, "f", 0700);        /* dir over file: file unlinked */
	newc_file(&b, "d", 0644, "b");  /* file over empty dir: rmdir works */
	newc_file(&b, "full", 0644, "b"); /* file over non-empty dir: dropped */
	newc_file(&b, "s", 0644, "b");  /* file over symlink: symlink unlinked */
	newc_dir(&b, "full", 0711);     /* dir over dir: metadata */
	newc_trailer(&b);
	add(t, &a, 0, IST_ROLE_KERNEL);
	add(t, &b, 1, IST_ROLE_EXTRA);
	CHECK_STR(dump(t), "d1777 /\n"
			   "f0644 /d 1 3e23\n"
			   "d0700 /f\n"
			   "d0711 /full\n"
			   "f0644 /full/x 1 ca97\n"
			   "f0644 /s 1 3e23\n");
	CHECK_STR(ev.text,
		  "warn type-change 1 /f: directory replaces a file from archive 0\n"
		  "warn type-change 1 /d: file replaces a directory from archive 0\n"
		  "warn dropped 1 /full: file over a non-empty directory (from archive 0): the kernel drops it [not applied]\n"
		  "warn type-change 1 /s: file replaces a symlink from archive 0\n"
		  "allow overwrite 1 /full: directory from archive 0 updated: mode 0755 -> 0711, owner 0:0 -> 0:0\n");
	ist_tree_free(t);
	buf_free(&a);
	buf_free(&b);
}

static void test_symlink_parent_and_protected(void)
{
	struct events ev;
	struct ist_tree *t = new_tree(&ev, false);
	struct buf a = { 0 }, b = { 0 };
	newc_dir(&a, "kernel", 0755);
	newc_dir(&a, "kernel/lib", 0755);
	newc_file(&a, "kernel/lib/tool", 0755, "a");
	newc_symlink(&a, "lib", "kernel/lib");
	newc_trailer(&a);
	newc_file(&b, "lib/tool", 0644, "b");      /* through the symlink into /kernel */
	newc_file(&b, "kernel/other", 0644, "b");  /* directly */
	newc_trailer(&b);
	add(t, &a, 0, IST_ROLE_KERNEL);
	add(t, &b, 1, IST_ROLE_DEFERRED);
	CHECK_STR(dump(t), "d1777 /\n"
			   "d0755 /kernel\n"
			   "d0755 /kernel/lib\n"
			   "f0755 /kernel/lib/tool 1 ca97\n"
			   "l0777 /lib -> kernel/lib\n");
	CHECK_STR(ev.text,
		  "warn symlink-parent 1 /kernel/lib/tool: a parent component is a symlink (/lib -> kernel/lib): lands at /kernel/lib/tool [not applied]\n"
		  "error protected 1 /kernel/lib/tool: deferred /kernel/lib/tool is under a protected prefix, reached through symlink /lib -> kernel/lib [not applied]\n"
		  "error protected 1 /kernel/other: deferred /kernel/other is under a protected prefix [not applied]\n");
	CHECK_EQ_U(ist_tree_count(t, IST_ACT_ERROR), 2);
	ist_tree_free(t);

	/* The same as an extra archive: the kernel writes it, and it is reported. */
	t = new_tree(&ev, false);
	add(t, &a, 0, IST_ROLE_KERNEL);
	add(t, &b, 1, IST_ROLE_EXTRA);
	CHECK_CONTAINS(dump(t), "f0644 /kernel/lib/tool 1 3e23\n");
	CHECK_CONTAINS(dump(t), "f0644 /kernel/other 1 3e23\n");
	CHECK_CONTAINS(ev.text, "error protected 1 /kernel/other: extra /kernel/other is under a protected prefix\n");
	ist_tree_free(t);
	buf_free(&a);
	buf_free(&b);
}

/* The protected prefixes guard the kernel camp's files against what is
 * unpacked after them, not the early run (which lives under kernel/ by the
 * kernel's own rule) and not a stack with no kernel camp (plain BLS). */
static void test_protect_follows_the_kernel_camp(void)
{
	struct events ev;
	struct buf ucode = { 0 }, k = { 0 }, x = { 0 };
	newc_dir(&ucode, "kernel", 0755);
	newc_dir(&ucode, "kernel/x86", 0755);
	newc_dir(&ucode, "kernel/x86/microcode", 0755);
	newc_file(&ucode, "kernel/x86/microcode/GenuineIntel.bin", 0644, "a");
	newc_trailer(&ucode);
	newc_dir(&k, "kernel", 0700);
	newc_file(&k, "kernel/handover", 0755, "a");
	newc_trailer(&k);
	newc_dir(&x, "kernel", 0755);
	newc_file(&x, "kernel/handover", 0755, "b");
	newc_trailer(&x);

	/* plain BLS: two initrd lines, the microcode one first */
	struct ist_tree *t = new_tree(&ev, false);
	add(t, &ucode, 0, IST_ROLE_EXTRA);
	add(t, &x, 1, IST_ROLE_EXTRA);
	CHECK_STR(ev.text, "");
	CHECK_CONTAINS(dump(t), "f0755 /kernel/handover 1 3e23\n");
	ist_tree_free(t);

	/* early, then the kernel camp: neither is judged */
	t = new_tree(&ev, false);
	add(t, &ucode, 0, IST_ROLE_EARLY);
	add(t, &k, 1, IST_ROLE_KERNEL);
	CHECK_EQ_U(ist_tree_count(t, IST_ACT_ERROR), 0);
	CHECK_EQ_U(ist_tree_count(t, IST_ACT_WARN), 0);
	/* an extra archive after the kernel camp is */
	add(t, &x, 2, IST_ROLE_EXTRA);
	CHECK_STR(ev.text,
		  "allow overwrite 1 /kernel: directory from archive 0 updated: mode 0755 -> 0700, owner 0:0 -> 0:0\n"
		  "error protected 2 /kernel: extra /kernel is under a protected prefix\n"
		  "allow overwrite 2 /kernel: directory from archive 0 updated: mode 0700 -> 0755, owner 0:0 -> 0:0\n"
		  "error protected 2 /kernel/handover: extra /kernel/handover is under a protected prefix\n"
		  "allow overwrite 2 /kernel/handover: file overwrites a file from archive 1\n");
	ist_tree_free(t);

	/* an extra archive before the kernel camp is not; a deferred one always is */
	t = new_tree(&ev, false);
	add(t, &x, 0, IST_ROLE_EXTRA);
	add(t, &ucode, 1, IST_ROLE_DEFERRED);
	CHECK_CONTAINS(ev.text, "error protected 1 /kernel/x86: deferred /kernel/x86 is under a protected prefix [not applied]\n");
	CHECK_CONTAINS(dump(t), "f0755 /kernel/handover 1 3e23\n");
	ist_tree_free(t);
	buf_free(&ucode);
	buf_free(&k);
	buf_free(&x);
}

static void test_hard_links(void)
{
	struct events ev;
	struct ist_tree *t = new_tree(&ev, false);
	struct buf a = { 0 };
	/* GNU cpio style: data on the last name */
	struct member m1 = { .ino = 7, .mode = 0100644, .nlink = 2, .name = "one", .filesize = -1 };
	struct member m2 = { .ino = 7, .mode = 0100644, .nlink = 2, .name = "two", .data = "a",
			     .datalen = 1, .filesize = -1 };
	newc_member(&a, &m1);
	newc_member(&a, &m2);
	newc_trailer(&a);
	/* after the trailer, ino 7 is a new file */
	struct member m3 = { .ino = 7, .mode = 0100644, .nlink = 2, .name = "three", .data = "b",
			     .datalen = 1, .filesize = -1 };
	newc_member(&a, &m3);
	newc_trailer(&a);
	add(t, &a, 0, IST_ROLE_EXTRA);
	CHECK_STR(dump(t), "d1777 /\n"
			   "f0644 /one 1 ca97\n"
			   "f0644 /three 1 3e23\n"
			   "f0644 /two 1 ca97 => /one\n");
	CHECK_STR(ev.text, "");
	ist_tree_free(t);

	/* a later file over one name rewrites the shared inode */
	t = new_tree(&ev, false);
	struct buf b = { 0 };
	newc_file(&b, "two", 0600, "b");
	newc_trailer(&b);
	add(t, &a, 0, IST_ROLE_EXTRA);
	add(t, &b, 1, IST_ROLE_EXTRA);
	CHECK_CONTAINS(dump(t), "f0600 /one 1 3e23\n");
	CHECK_CONTAINS(ev.text, "(and so its other hard links)");
	ist_tree_free(t);
	buf_free(&a);
	buf_free(&b);
}

static void test_dropped(void)
{
	struct events ev;
	struct ist_tree *t = new_tree(&ev, false);
	struct buf a = { 0 };
	newc_file(&a, "missing/x", 0644, "a");
	newc_file(&a, "f", 0644, "a");
	newc_file(&a, "f/x", 0644, "a");
	struct member d = { .mode = 0040755, .nlink = 2, .name = "dirdata", .data = "xy", .datalen = 2,
			    .filesize = -1 };
	newc_member(&a, &d);
	newc_symlink(&a, "loop", "loop");
	newc_file(&a, "loop/x", 0644, "a");
	newc_trailer(&a);
	add(t, &a, 0, IST_ROLE_EXTRA);
	CHECK_STR(dump(t), "d1777 /\nf0644 /f 1 ca97\nl0777 /loop -> loop\n");
	CHECK_STR(ev.text,
		  "warn dropped 0 /missing/x: a parent directory is missing [not applied]\n"
		  "warn dropped 0 /f/x: a parent component is not a directory [not applied]\n"
		  "warn dropped 0 /dirdata: directory with 2 bytes of data: the kernel skips such entries [not applied]\n"
		  "warn dropped 0 /loop/x: too many levels of symlinks [not applied]\n");
	ist_tree_free(t);
	buf_free(&a);
}

static void test_early(void)
{
	struct events ev;
	struct ist_tree *t = new_tree(&ev, false);
	struct buf a = { 0 }, b = { 0 };
	newc_dir(&a, "kernel", 0755);
	newc_dir(&a, "kernel/x86", 0755);
	newc_dir(&a, "kernel/x86/microcode", 0755);
	newc_file(&a, "kernel/x86/microcode/GenuineIntel.bin", 0644, "a");
	newc_file(&a, "./kernel/x86/microcode/AuthenticAMD.bin", 0644, "a");
	newc_trailer(&a);
	newc_file(&b, "kernel/x86/microcode/GenuineIntel.bin", 0644, "b");
	newc_trailer(&b);
	struct buf gz = compress_with("gzip -c", &b);
	add(t, &a, 0, IST_ROLE_EARLY);
	/* a compressed archive ends the leading run: later microcode is not found */
	ist_tree_begin(t, 1, IST_ROLE_KERNEL);
	struct ist_segment seg = { .kind = IST_SEG_COMPRESSED, .comp = IST_COMP_GZIP };
	struct ist_cpio_entry e = { .mode = 0100644, .nlink = 1, .name = "kernel/firmware/acpi/dsdt.aml",
				    .namelen = 29 };
	ist_tree_entry(t, &seg, &e);
	ist_tree_end(t);
	CHECK_STR(ev.text,
		  "warn early 0 /kernel/x86/microcode/AuthenticAMD.bin: early microcode named \"./kernel/x86/microcode/AuthenticAMD.bin\": the early loader matches \"kernel/x86/microcode/\" literally (no leading \"/\" or \"./\")\n"
		  "warn early 1 /kernel/firmware/acpi/dsdt.aml: ACPI table override /kernel/firmware/acpi/dsdt.aml is not in the leading run of uncompressed cpio members: the kernel's early loader will not find it [not applied]\n"
		  "warn dropped 1 /kernel/firmware/acpi/dsdt.aml: a parent directory is missing [not applied]\n");
	CHECK(gz.len > 0);
	ist_tree_free(t);
	buf_free(&a);
	buf_free(&b);
	buf_free(&gz);
}

static void test_dot_and_root(void)
{
	struct events ev;
	struct ist_tree *t = new_tree(&ev, false);
	struct buf a = { 0 };
	newc_dir(&a, ".", 0755);   /* find . | cpio: chmods the root */
	newc_dir(&a, "a", 0755);
	newc_dir(&a, "a/../b", 0700);
	newc_file(&a, "/c", 0644, "a");
	newc_file(&a, "../../d", 0644, "a"); /* ".." at the root stays at the root */
	newc_trailer(&a);
	add(t, &a, 0, IST_ROLE_EXTRA);
	CHECK_STR(dump(t), "d0755 /\nd0755 /a\nd0700 /b\nf0644 /c 1 ca97\nf0644 /d 1 ca97\n");
	ist_tree_free(t);
	buf_free(&a);
}

static void test_policy_parse(void)
{
	struct ist_policy p;
	struct ist_error err;
	ist_policy_default(&p);
	CHECK(ist_policy_protect(&p, "//usr//lib/", 11, &err) == IST_OK);
	CHECK_STR(p.protect[1], "/usr/lib");
	CHECK(ist_policy_protected(&p, "/usr/lib", 8));
	CHECK(ist_policy_protected(&p, "/usr/lib/x", 10));
	CHECK(!ist_policy_protected(&p, "/usr/libx", 9));
	CHECK(!ist_policy_protected(&p, "/kernelx", 8));
	CHECK(ist_policy_protect(&p, "usr", 3, &err) == IST_INVALID);
	CHECK_STR(err.msg, "protected prefix \"usr\" is not absolute");
	CHECK(ist_policy_protect(&p, "/a/../b", 7, &err) == IST_INVALID);
	CHECK_STR(err.msg, "protected prefix \"/a/../b\" has a \".\" or \"..\" component");
	CHECK(ist_policy_protect(&p, "/", 1, &err) == IST_INVALID);
	enum ist_action a;
	CHECK(ist_action_parse("warn", 4, &a) && a == IST_ACT_WARN);
	CHECK(!ist_action_parse("warning", 7, &a));
}

int main(void)
{
	RUN(test_builtin_and_last_wins);
	RUN(test_no_digests);
	RUN(test_type_changes);
	RUN(test_symlink_parent_and_protected);
	RUN(test_protect_follows_the_kernel_camp);
	RUN(test_hard_links);
	RUN(test_dropped);
	RUN(test_early);
	RUN(test_dot_and_root);
	RUN(test_policy_parse);
	return check_done();
}
