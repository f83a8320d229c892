/* The boot entry parser and the kernel load options it renders. */
#include <stdlib.h>

#include <initstack/entry.h>

#include "check.h"

static struct ist_entry E;
static struct ist_error ERR;

static enum ist_status parse_n(const char *text, size_t n)
{
	memset(&ERR, 0, sizeof ERR);
	return ist_entry_parse(&E, "entry.conf", text, n, &ERR);
}

static enum ist_status parse(const char *text)
{
	return parse_n(text, strlen(text));
}

/* The text must fail with exactly this message. */
#define EXPECT_ERR(text, want)                                  \
	do {                                                    \
		CHECK_EQ_U(parse(text), IST_BAD_DATA);          \
		CHECK_STR(ERR.msg, want);                       \
	} while (0)

#define EXPECT_ERR_N(text, n, want)                              \
	do {                                                    \
		CHECK_EQ_U(parse_n(text, n), IST_BAD_DATA);     \
		CHECK_STR(ERR.msg, want);                       \
	} while (0)

static const char *cmdline(void)
{
	static char buf[IST_ENTRY_OPTIONS_MAX + 64];
	size_t n = 0;
	if (ist_entry_cmdline(&E, buf, sizeof buf, &n))
		return "(no space)";
	if (n != strlen(buf))
		return "(bad length)";
	return buf;
}

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_1 "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789ABCDEF"

/* ---- keys -------------------------------------------------------------- */

static void minimal_entry(void)
{
	REQUIRE(parse("linux /vmlinuz\n") == IST_OK);
	CHECK_STR(E.linux_image.path, "/vmlinuz");
	CHECK_EQ_U(E.linux_image.line, 1);
	CHECK(!E.title && !E.version && !E.machine_id && !E.sort_key && !E.architecture);
	CHECK(!E.devicetree.path);
	CHECK_EQ_U(E.narchive, 0);
	CHECK_EQ_U(E.noverlay, 0);
	CHECK_EQ_U(E.options_len, 0);
	CHECK_STR(E.options, "");
	CHECK_STR(cmdline(), "");
	CHECK_EQ_U(E.nlines, 1);
	CHECK_EQ_U(ERR.status, IST_OK);
}

static void defaults(void)
{
	REQUIRE(parse("linux /vmlinuz") == IST_OK);
	CHECK_EQ_U(E.policy.nprotect, 1);
	CHECK_STR(E.policy.protect[0], "/kernel");
	CHECK_EQ_U(E.policy.action[IST_EV_TYPE_CHANGE], IST_ACT_WARN);
	CHECK_EQ_U(E.policy.action[IST_EV_DROPPED], IST_ACT_WARN);
	CHECK_EQ_U(E.policy.action[IST_EV_SYMLINK_PARENT], IST_ACT_WARN);
	CHECK_EQ_U(E.policy.action[IST_EV_PROTECTED], IST_ACT_ERROR);
	CHECK_EQ_U(E.handover_error, IST_HANDOVER_CONTINUE);
	CHECK_EQ_U(E.loader_error, IST_LOADER_RETURN);
	CHECK_EQ_U(E.decompress, IST_DECOMPRESS_AUTO);
	CHECK_STR(ist_handover_error_name(E.handover_error), "continue");
	CHECK_STR(ist_loader_error_name(E.loader_error), "return");
	CHECK_STR(ist_decompress_name(E.decompress), "auto");
	CHECK_STR(ist_decompress_name((enum ist_decompress)9), "unknown");
}

static void bls_keys(void)
{
	const char *text = "title      Debian GNU/Linux 12 (bookworm)\n"
			   "version    6.1.0-13-amd64\n"
			   "machine-id 0123456789abcdef0123456789abcdef\n"
			   "sort-key   debian\n"
			   "linux      /0123/6.1.0-13-amd64/linux\n"
			   "initrd     /0123/6.1.0-13-amd64/intel-ucode.img\n"
			   "initrd     /0123/6.1.0-13-amd64/initrd.img-6.1.0-13-amd64\n"
			   "options    root=UUID=1234 ro\n"
			   "options    quiet splash\n"
			   "devicetree /dtbs/board.dtb\n"
			   "devicetree-overlay /dtbs/a.dtbo /dtbs/b.dtbo\n"
			   "devicetree-overlay\t/dtbs/c.dtbo\n"
			   "architecture x64\n";
	REQUIRE(parse(text) == IST_OK);
	CHECK_STR(E.title, "Debian GNU/Linux 12 (bookworm)");
	CHECK_STR(E.version, "6.1.0-13-amd64");
	CHECK_STR(E.machine_id, "0123456789abcdef0123456789abcdef");
	CHECK_STR(E.sort_key, "debian");
	CHECK_STR(E.linux_image.path, "/0123/6.1.0-13-amd64/linux");
	CHECK_EQ_U(E.linux_image.line, 5);
	REQUIRE(E.narchive == 2);
	CHECK_STR(E.archive[0].path, "/0123/6.1.0-13-amd64/intel-ucode.img");
	CHECK_STR(E.archive[1].path, "/0123/6.1.0-13-amd64/initrd.img-6.1.0-13-amd64");
	CHECK_EQ_U(E.archive[0].role, IST_ROLE_EXTRA);
	CHECK_EQ_U(E.archive[1].role, IST_ROLE_EXTRA);
	CHECK_EQ_U(E.archive[0].line, 6);
	CHECK_EQ_U(E.archive[1].line, 7);
	CHECK(!E.archive[0].has_sha256);
	CHECK_EQ_U(E.ndeferred, 0);
	CHECK_STR(E.options, "root=UUID=1234 ro quiet splash");
	CHECK_EQ_U(E.options_len, strlen(E.options));
	CHECK_STR(E.devicetree.path, "/dtbs/board.dtb");
	CHECK_EQ_U(E.devicetree.line, 10);
	REQUIRE(E.noverlay == 3);
	CHECK_STR(E.overlay[0].path, "/dtbs/a.dtbo");
	CHECK_STR(E.overlay[1].path, "/dtbs/b.dtbo");
	CHECK_STR(E.overlay[2].path, "/dtbs/c.dtbo");
	CHECK_EQ_U(E.overlay[1].line, 11);
	CHECK_EQ_U(E.overlay[2].line, 12);
	CHECK_STR(E.architecture, "x64");
	CHECK_EQ_U(E.architecture_line, 13);
	/* no deferred archive: the options go to the kernel as they are */
	CHECK_STR(cmdline(), "root=UUID=1234 ro quiet splash");
}

static void initstack_keys(void)
{
	const char *text = "linux /vmlinuz\n"
			   "early /ucode.cpio\n"
			   "kernel-initrd /kernel.cpio\n"
			   "initrd /extra.cpio\n"
			   "defer /initrd.img\n"
			   "defer /more.img\n"
			   "protect /kernel\n"
			   "protect /usr/lib/kernel-camp/\n"
			   "on-clash error\n"
			   "handover-error shell\n"
			   "loader-error shutdown\n"
			   "decompress never\n"
			   "sha256 /initrd.img " HEX_A "\n"
			   "options quiet\n";
	REQUIRE(parse(text) == IST_OK);
	REQUIRE(E.narchive == 5);
	static const char *const paths[] = { "/ucode.cpio", "/kernel.cpio", "/extra.cpio",
					     "/initrd.img", "/more.img" };
	static const enum ist_role roles[] = { IST_ROLE_EARLY, IST_ROLE_KERNEL, IST_ROLE_EXTRA,
					       IST_ROLE_DEFERRED, IST_ROLE_DEFERRED };
	for (unsigned i = 0; i < 5; i++) {
		CHECK_STR(E.archive[i].path, paths[i]);
		CHECK_EQ_U(E.archive[i].role, roles[i]);
		CHECK_EQ_U(E.archive[i].line, i + 2);
	}
	CHECK_EQ_U(E.ndeferred, 2);
	CHECK_EQ_U(E.policy.nprotect, 2);
	CHECK_STR(E.policy.protect[0], "/kernel");
	CHECK_STR(E.policy.protect[1], "/usr/lib/kernel-camp");
	CHECK_EQ_U(E.policy.action[IST_EV_TYPE_CHANGE], IST_ACT_ERROR);
	CHECK_EQ_U(E.policy.action[IST_EV_DROPPED], IST_ACT_ERROR);
	CHECK_EQ_U(E.policy.action[IST_EV_SYMLINK_PARENT], IST_ACT_ERROR);
	CHECK_EQ_U(E.policy.action[IST_EV_PROTECTED], IST_ACT_ERROR);
	CHECK_EQ_U(E.handover_error, IST_HANDOVER_SHELL);
	CHECK_EQ_U(E.loader_error, IST_LOADER_SHUTDOWN);
	CHECK_EQ_U(E.decompress, IST_DECOMPRESS_NEVER);
	CHECK(E.archive[3].has_sha256);
	CHECK_EQ_U(E.archive[3].sha256_line, 13);
	for (unsigned i = 0; i < IST_SHA256_SIZE; i++)
		CHECK_EQ_U(E.archive[3].sha256[i], 0xaa);
	CHECK(!E.archive[4].has_sha256);
	CHECK_STR(cmdline(), "quiet rdinit=/kernel/handover");
}

static void every_choice(void)
{
	static const struct {
		const char *line;
		int what, value;
	} cases[] = {
		{ "on-clash allow", 0, IST_ACT_ALLOW },
		{ "on-clash warn", 0, IST_ACT_WARN },
		{ "on-clash error", 0, IST_ACT_ERROR },
		{ "handover-error panic", 1, IST_HANDOVER_PANIC },
		{ "handover-error shell", 1, IST_HANDOVER_SHELL },
		{ "handover-error continue", 1, IST_HANDOVER_CONTINUE },
		{ "loader-error return", 2, IST_LOADER_RETURN },
		{ "loader-error reboot", 2, IST_LOADER_REBOOT },
		{ "loader-error shutdown", 2, IST_LOADER_SHUTDOWN },
		{ "decompress auto", 3, IST_DECOMPRESS_AUTO },
		{ "decompress always", 3, IST_DECOMPRESS_ALWAYS },
		{ "decompress never", 3, IST_DECOMPRESS_NEVER },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[128];
		snprintf(text, sizeof text, "%s\nlinux /vmlinuz\n", cases[i].line);
		REQUIRE(parse(text) == IST_OK);
		int got = cases[i].what == 0 ? (int)E.policy.action[IST_EV_TYPE_CHANGE]
			: cases[i].what == 1 ? (int)E.handover_error
			: cases[i].what == 2 ? (int)E.loader_error
					     : (int)E.decompress;
		CHECK_EQ_U(got, cases[i].value);
	}
}

static void protect_replaces_default(void)
{
	REQUIRE(parse("linux /vmlinuz\nprotect /opt/camp\n") == IST_OK);
	CHECK_EQ_U(E.policy.nprotect, 1);
	CHECK_STR(E.policy.protect[0], "/opt/camp");
	/* normalised, duplicates folded */
	REQUIRE(parse("linux /vmlinuz\nprotect //a//b/\nprotect /a/b\nprotect /c\n") == IST_OK);
	CHECK_EQ_U(E.policy.nprotect, 2);
	CHECK_STR(E.policy.protect[0], "/a/b");
	CHECK_STR(E.policy.protect[1], "/c");
}

/* ---- order ------------------------------------------------------------- */

static void archives_keep_file_order(void)
{
	REQUIRE(parse("initrd /c\nlinux /vmlinuz\ninitrd /a\ninitrd /b\ninitrd /a\n") == IST_OK);
	REQUIRE(E.narchive == 4);
	CHECK_STR(E.archive[0].path, "/c");
	CHECK_STR(E.archive[1].path, "/a");
	CHECK_STR(E.archive[2].path, "/b");
	CHECK_STR(E.archive[3].path, "/a"); /* systemd-boot concatenates it twice too */
	CHECK_EQ_U(E.archive[0].line, 1);
	CHECK_EQ_U(E.archive[3].line, 5);

	REQUIRE(parse("linux /k\nearly /u1\nearly /u2\nkernel-initrd /k1\nkernel-initrd /k2\n"
		      "initrd /x\ndefer /d1\ndefer /d2\n") == IST_OK);
	REQUIRE(E.narchive == 7);
	CHECK_STR(E.archive[0].path, "/u1");
	CHECK_STR(E.archive[1].path, "/u2");
	CHECK_STR(E.archive[3].path, "/k2");
	CHECK_STR(E.archive[5].path, "/d1");
	CHECK_STR(E.archive[6].path, "/d2");
}

static void role_order_errors(void)
{
	EXPECT_ERR("linux /k\ninitrd /x\nearly /u\n",
		   "entry.conf:3: early after the initrd line on line 2: archives go in the order "
		   "early, kernel-initrd, initrd, defer");
	EXPECT_ERR("linux /k\ndefer /d\ninitrd /x\n",
		   "entry.conf:3: initrd after the defer line on line 2: archives go in the order "
		   "early, kernel-initrd, initrd, defer");
	EXPECT_ERR("linux /k\ninitrd /x\n\n# c\nkernel-initrd /kc\n",
		   "entry.conf:5: kernel-initrd after the initrd line on line 2: archives go in the "
		   "order early, kernel-initrd, initrd, defer");
	EXPECT_ERR("linux /k\nkernel-initrd /kc\nearly /u\n",
		   "entry.conf:3: early after the kernel-initrd line on line 2: archives go in the "
		   "order early, kernel-initrd, initrd, defer");
	/* roles may be skipped */
	CHECK_EQ_U(parse("linux /k\nearly /u\ndefer /d\n"), IST_OK);
	CHECK_EQ_U(parse("linux /k\nkernel-initrd /kc\ndefer /d\n"), IST_OK);
}

static void options_join_in_order(void)
{
	REQUIRE(parse("options a=1\nlinux /k\noptions   b=2   c=3  \n\toptions\td\n") == IST_OK);
	CHECK_STR(E.options, "a=1 b=2   c=3 d");
	CHECK_EQ_U(E.options_len, 15);
}

/* ---- syntax ------------------------------------------------------------ */

static void comments_blanks_whitespace(void)
{
	const char *text = "# an entry\n"
			   "\n"
			   "   \t \n"
			   "   # indented comment\n"
			   "\ttitle \t  My  title\t  \n"
			   "linux /vmlinuz   \n"
			   "options root=/dev/sda1 # not a comment in BLS\n";
	REQUIRE(parse(text) == IST_OK);
	CHECK_STR(E.title, "My  title");
	CHECK_STR(E.linux_image.path, "/vmlinuz");
	CHECK_EQ_U(E.linux_image.line, 6);
	CHECK_STR(E.options, "root=/dev/sda1 # not a comment in BLS");
	CHECK_EQ_U(E.nlines, 7);
}

static void crlf_and_lf(void)
{
	const char *text = "title T\r\nlinux /vmlinuz\r\ninitrd /a\r\n\r\n# c\r\ninitrd /b\r\noptions x\r\n";
	REQUIRE(parse(text) == IST_OK);
	CHECK_STR(E.title, "T");
	CHECK_STR(E.linux_image.path, "/vmlinuz");
	REQUIRE(E.narchive == 2);
	CHECK_STR(E.archive[1].path, "/b");
	CHECK_EQ_U(E.archive[1].line, 6);
	CHECK_STR(E.options, "x");
	/* mixed line ends, no final line end, a final CR */
	REQUIRE(parse("linux /a\ninitrd /b\r\noptions q") == IST_OK);
	CHECK_STR(E.options, "q");
	REQUIRE(parse("linux /a\r") == IST_OK);
	CHECK_STR(E.linux_image.path, "/a");
}

static void quotes_stripped_like_systemd_boot(void)
{
	REQUIRE(parse("title \"Debian\"\nlinux \"/vmlinuz\"\noptions \"quiet splash\"\n"
		      "options \"a\" b\n") == IST_OK);
	CHECK_STR(E.title, "Debian");
	CHECK_STR(E.linux_image.path, "/vmlinuz");
	/* only a value that starts and ends with a quote loses them */
	CHECK_STR(E.options, "quiet splash \"a\" b");
	EXPECT_ERR("linux /k\ntitle \"\"\n", "entry.conf:2: title has no value");
	EXPECT_ERR("linux /k\ntitle \"\n", "entry.conf:2: title has no value");
}

static void bom_skipped(void)
{
	REQUIRE(parse("\xef\xbb\xbftitle T\nlinux /k\n") == IST_OK);
	CHECK_STR(E.title, "T");
	CHECK_EQ_U(E.linux_image.line, 2);
	/* a BOM elsewhere is just a character of the value */
	REQUIRE(parse("linux /k\ntitle \xef\xbb\xbfT\n") == IST_OK);
	CHECK_STR(E.title, "\xef\xbb\xbfT");
}

static void utf8_values(void)
{
	REQUIRE(parse("title Débian 🐧\nlinux /EFI/débian/vmlinuz\n") == IST_OK);
	CHECK_STR(E.title, "Débian 🐧");
	CHECK_STR(E.linux_image.path, "/EFI/débian/vmlinuz");
}

static void keys_are_case_sensitive(void)
{
	EXPECT_ERR("Linux /k\n", "entry.conf:1: unknown key \"Linux\"");
}

/* ---- errors ------------------------------------------------------------ */

static void unknown_key(void)
{
	EXPECT_ERR("title x\nlinux /k\n\n\n\n\ninitrdd /x\n", "entry.conf:7: unknown key \"initrdd\"");
	CHECK_EQ_U(ERR.offset, strlen("title x\nlinux /k\n\n\n\n\n"));
	/* a key alone on a line is still unknown, not valueless */
	EXPECT_ERR("linux /k\nbogus\n", "entry.conf:2: unknown key \"bogus\"");
	/* a long key is cut in the message */
	char text[256];
	snprintf(text, sizeof text, "linux /k\n%0100d x\n", 7);
	CHECK_EQ_U(parse(text), IST_BAD_DATA);
	CHECK_STR(ERR.msg, "entry.conf:2: unknown key \"000000000000000000000000000000000000000000000000...\"");
}

static void key_without_value(void)
{
	EXPECT_ERR("linux\n", "entry.conf:1: linux has no value");
	EXPECT_ERR("linux /k\ninitrd   \t\n", "entry.conf:2: initrd has no value");
	EXPECT_ERR("linux /k\noptions\n", "entry.conf:2: options has no value");
	EXPECT_ERR("linux /k\nsha256\n", "entry.conf:2: sha256 has no value");
	EXPECT_ERR("linux /k\r\ndefer\r\n", "entry.conf:2: defer has no value");
}

static void bad_values(void)
{
	EXPECT_ERR("linux /k\n\n\non-clash maybe\n",
		   "entry.conf:4: on-clash takes error, warn or allow, not \"maybe\"");
	EXPECT_ERR("linux /k\nhandover-error reboot\n",
		   "entry.conf:2: handover-error takes panic, shell or continue, not \"reboot\"");
	EXPECT_ERR("linux /k\nloader-error panic\n",
		   "entry.conf:2: loader-error takes return, reboot or shutdown, not \"panic\"");
	EXPECT_ERR("linux /k\ndecompress yes\n",
		   "entry.conf:2: decompress takes auto, always or never, not \"yes\"");
	EXPECT_ERR("linux /k\ndecompress Auto\n",
		   "entry.conf:2: decompress takes auto, always or never, not \"Auto\"");
	EXPECT_ERR("linux /k\non-clash warn error\n",
		   "entry.conf:2: on-clash takes error, warn or allow, not \"warn error\"");
	EXPECT_ERR("linux /k\nmachine-id 0123\n",
		   "entry.conf:2: machine-id takes 32 lower-case hex digits, not \"0123\"");
	EXPECT_ERR("linux /k\nmachine-id 0123456789ABCDEF0123456789abcdef\n",
		   "entry.conf:2: machine-id takes 32 lower-case hex digits, not "
		   "\"0123456789ABCDEF0123456789abcdef\"");
	EXPECT_ERR("linux /k\narchitecture x86 64\n",
		   "entry.conf:2: architecture takes an EFI architecture name (x64, aa64, ...), not "
		   "\"x86 64\"");
	EXPECT_ERR("linux /k\nprotect kernel\n",
		   "entry.conf:2: protected prefix \"kernel\" is not absolute");
	EXPECT_ERR("linux /k\nprotect /a/../b\n",
		   "entry.conf:2: protected prefix \"/a/../b\" has a \".\" or \"..\" component");
	EXPECT_ERR("linux /k\nprotect /\n",
		   "entry.conf:2: protected prefix \"/\" would protect everything");
	EXPECT_ERR("linux /k\nprotect /1\nprotect /2\nprotect /3\nprotect /4\nprotect /5\n"
		   "protect /6\nprotect /7\nprotect /8\nprotect /9\n",
		   "entry.conf:10: more than 8 protected prefixes");
	EXPECT_ERR("efi /EFI/tool.efi\nlinux /k\n",
		   "entry.conf:1: efi entries are not supported: initstack starts a Linux kernel "
		   "(use linux PATH)");
}

static void repeated_single_keys(void)
{
	static const char *const keys[] = {
		"title t",       "version v",     "machine-id 0123456789abcdef0123456789abcdef",
		"sort-key s",    "devicetree /d", "architecture x64",
		"on-clash warn", "handover-error panic", "loader-error reboot",
		"decompress always",
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char text[256], want[128], key[32];
		snprintf(text, sizeof text, "linux /k\n%s\n# x\n%s\n", keys[i], keys[i]);
		sscanf(keys[i], "%31s", key);
		snprintf(want, sizeof want, "entry.conf:4: %s given twice (first on line 2)", key);
		EXPECT_ERR(text, want);
	}
	EXPECT_ERR("linux /k\nlinux /k2\n", "entry.conf:2: linux given twice (first on line 1)");
}

static void sha256_errors(void)
{
	EXPECT_ERR("linux /k\ninitrd /a\nsha256 /a\n",
		   "entry.conf:3: sha256 takes a path and 64 hex digits, not \"/a\"");
	EXPECT_ERR("linux /k\ninitrd /a\nsha256 " HEX_A "\n",
		   "entry.conf:3: sha256 takes a path and 64 hex digits, not "
		   "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"");
	EXPECT_ERR("linux /k\ninitrd /a\nsha256 /a abc\n",
		   "entry.conf:3: sha256 digest has 3 hex digits, not 64");
	EXPECT_ERR("linux /k\ninitrd /a\nsha256 /a " HEX_A "a\n",
		   "entry.conf:3: sha256 digest has 65 hex digits, not 64");
	EXPECT_ERR("linux /k\ninitrd /a\nsha256 /a " HEX_A "\x67\n",
		   "entry.conf:3: sha256 digest has \"g\" at position 65, not a hex digit");
	EXPECT_ERR("linux /k\ninitrd /a\nsha256 /a 0x" HEX_A "\n",
		   "entry.conf:3: sha256 digest has \"x\" at position 2, not a hex digit");
	EXPECT_ERR("linux /k\ninitrd /a\nsha256 /a aé\n",
		   "entry.conf:3: sha256 digest has \"é\" at position 2, not a hex digit");
	/* errors of form come in file order, before a later problem */
	EXPECT_ERR("linux /k\nsha256 /a 12\nbogus 1\n",
		   "entry.conf:2: sha256 digest has 2 hex digits, not 64");
	EXPECT_ERR("linux /k\ninitrd /a\nsha256 /b " HEX_A "\n",
		   "entry.conf:3: sha256 for \"/b\", which is not an archive of this entry");
	EXPECT_ERR("initrd /a\nsha256 /k " HEX_A "\nlinux /k\n",
		   "entry.conf:2: sha256 for \"/k\", which is not an archive of this entry");
	EXPECT_ERR("linux /k\ninitrd /a\nsha256 /a " HEX_A "\nsha256 a " HEX_1 "\n",
		   "entry.conf:4: sha256 for \"a\" given twice (first on line 3)");
	EXPECT_ERR("linux /k\ninitrd /a\nsha256 /x/../a " HEX_A "\n",
		   "entry.conf:3: sha256 path \"/x/../a\" has a \"..\" component");
}

static void sha256_after_the_whole_file(void)
{
	/* the sha256 line may come before the archive it names */
	REQUIRE(parse("sha256 /boot//initrd.img " HEX_1 "\nlinux /k\ndefer boot/./initrd.img\n") ==
		IST_OK);
	REQUIRE(E.narchive == 1);
	CHECK(E.archive[0].has_sha256);
	CHECK_EQ_U(E.archive[0].sha256_line, 1);
	CHECK_EQ_U(E.archive[0].sha256[0], 0x01);
	CHECK_EQ_U(E.archive[0].sha256[15], 0xef);
	CHECK_EQ_U(E.archive[0].sha256[31], 0xef);
	CHECK_STR(E.archive[0].path, "boot/./initrd.img"); /* kept as written */
	/* a path listed twice gets the digest on both */
	REQUIRE(parse("linux /k\ninitrd /a\ninitrd /a\nsha256 /a " HEX_A "\n") == IST_OK);
	CHECK(E.archive[0].has_sha256 && E.archive[1].has_sha256);
	/* a path with spaces: the digest is the last word */
	REQUIRE(parse("linux /k\ninitrd /my initrd.img\nsha256 /my initrd.img   " HEX_A "\n") ==
		IST_OK);
	CHECK(E.archive[0].has_sha256);
	CHECK_STR(E.archive[0].path, "/my initrd.img");
}

static void find_archive(void)
{
	REQUIRE(parse("linux /k\nearly /EFI/ucode.cpio\ninitrd EFI\\debian\\initrd.img\n") == IST_OK);
	CHECK_EQ_U(ist_entry_find_archive(&E, "EFI/ucode.cpio", 14), 0);
	CHECK_EQ_U(ist_entry_find_archive(&E, "//EFI/./ucode.cpio/", 19), 0);
	CHECK_EQ_U(ist_entry_find_archive(&E, "/EFI/debian/initrd.img", 22), 1);
	CHECK(ist_entry_find_archive(&E, "/EFI/ucode", 10) == -1);
	CHECK(ist_entry_find_archive(&E, "/efi/ucode.cpio", 15) == -1);
	CHECK(ist_entry_find_archive(&E, "", 0) == -1);
}

static void missing_linux(void)
{
	EXPECT_ERR("title t\ninitrd /a\n", "entry.conf: no linux line");
	CHECK_EQ_U(ERR.offset, strlen("title t\ninitrd /a\n"));
	EXPECT_ERR("", "entry.conf: no linux line");
	EXPECT_ERR("# nothing\n\n", "entry.conf: no linux line");
}

static void too_many_archives(void)
{
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof text, "linux /k\n");
	for (unsigned i = 0; i < IST_ENTRY_MAX_ARCHIVES; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "initrd /a%u\n", i);
	REQUIRE(parse(text) == IST_OK);
	CHECK_EQ_U(E.narchive, IST_ENTRY_MAX_ARCHIVES);
	snprintf(text + n, sizeof text - n, "defer /one-too-many\n");
	EXPECT_ERR(text, "entry.conf:34: more than 32 archives");
}

static void too_many_overlays(void)
{
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof text, "linux /k\ndevicetree-overlay");
	for (unsigned i = 0; i < IST_ENTRY_MAX_OVERLAYS; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, " /o%u", i);
	n += (size_t)snprintf(text + n, sizeof text - n, "\n");
	REQUIRE(parse(text) == IST_OK);
	CHECK_EQ_U(E.noverlay, IST_ENTRY_MAX_OVERLAYS);
	snprintf(text + n, sizeof text - n, "devicetree-overlay /x\n");
	EXPECT_ERR(text, "entry.conf:3: more than 32 devicetree overlays");
}

static void long_lines(void)
{
	size_t cap = 3 * IST_ENTRY_LINE_MAX;
	char *text = malloc(cap);
	REQUIRE(text);
	/* exactly IST_ENTRY_LINE_MAX bytes, CR LF not counted */
	size_t n = (size_t)snprintf(text, cap, "linux /k\ntitle ");
	while (n < 9 + IST_ENTRY_LINE_MAX)
		text[n++] = 'x';
	memcpy(text + n, "\r\n", 3);
	CHECK_EQ_U(parse(text), IST_OK);
	CHECK_EQ_U(strlen(E.title), IST_ENTRY_LINE_MAX - 6);
	text[n] = 'x';
	memcpy(text + n + 1, "\n", 2);
	EXPECT_ERR(text, "entry.conf:2: line longer than 4096 bytes");
	CHECK_EQ_U(ERR.offset, 9);
	/* a huge line without any line end */
	memset(text + 9, 'y', cap - 10);
	text[cap - 1] = '\0';
	EXPECT_ERR(text, "entry.conf:2: line longer than 4096 bytes");
	free(text);
}

static void long_options_and_text(void)
{
	char line[4200];
	size_t cap = 8 * sizeof line;
	char *text = malloc(cap);
	REQUIRE(text);
	memset(line, 'o', 4000);
	line[4000] = '\0';
	snprintf(text, cap, "linux /k\noptions %s\noptions %.94s\n", line, line);
	CHECK_EQ_U(parse(text), IST_OK);
	CHECK_EQ_U(E.options_len, IST_ENTRY_OPTIONS_MAX - 1);
	snprintf(text, cap, "linux /k\noptions %s\noptions %.95s\n", line, line);
	CHECK_EQ_U(parse(text), IST_OK);
	CHECK_EQ_U(E.options_len, IST_ENTRY_OPTIONS_MAX);
	snprintf(text, cap, "linux /k\noptions %s\noptions %.96s\n", line, line);
	EXPECT_ERR(text, "entry.conf:3: options longer than 4096 bytes in all");
	/* paths and texts share IST_ENTRY_TEXT_MAX bytes */
	size_t n = (size_t)snprintf(text, cap, "linux /k\n");
	for (int i = 0; i < 5; i++)
		n += (size_t)snprintf(text + n, cap - n, "initrd /%d%s\n", i, line);
	EXPECT_ERR(text, "entry.conf:6: the entry holds more than 16384 bytes of paths and text");
	free(text);
}

static void nul_and_control_bytes(void)
{
	EXPECT_ERR_N("linux /k\ntitle a\0b\n", 18, "entry.conf:2: NUL byte at column 8");
	CHECK_EQ_U(ERR.offset, 16);
	EXPECT_ERR_N("linux /k\n\0", 10, "entry.conf:2: NUL byte at column 1");
	EXPECT_ERR("linux /k\ntitle a\x1b[1mb\n",
		   "entry.conf:2: control character 0x1b at column 8");
	EXPECT_ERR("linux /k\ntitle a\x7f\n", "entry.conf:2: control character 0x7f at column 8");
	EXPECT_ERR("linux /k\x0b\n", "entry.conf:1: control character 0x0b at column 9");
	EXPECT_ERR("linux /k\ntitle a\rb\n",
		   "entry.conf:2: carriage return at column 8 not followed by a line feed");
	EXPECT_ERR("linux /k\r\r\n",
		   "entry.conf:1: carriage return at column 9 not followed by a line feed");
	/* a comment line is checked too: the file is text */
	EXPECT_ERR("linux /k\n# \x01\n", "entry.conf:2: control character 0x01 at column 3");
	/* tab is fine in text */
	CHECK_EQ_U(parse("linux /k\ntitle a\tb\n"), IST_OK);
	CHECK_STR(E.title, "a\tb");
}

static void not_utf8(void)
{
	EXPECT_ERR("linux /k\ntitle \xff\n", "entry.conf:2: not UTF-8 at column 7 (byte 0xff)");
	EXPECT_ERR("linux /k\ntitle \xc3\n", "entry.conf:2: not UTF-8 at column 7 (byte 0xc3)");
	EXPECT_ERR("linux /k\ntitle \xc0\xaf\n", "entry.conf:2: not UTF-8 at column 7 (byte 0xc0)");
	EXPECT_ERR("linux /k\ntitle \xe0\x80\xaf\n", "entry.conf:2: not UTF-8 at column 7 (byte 0xe0)");
	EXPECT_ERR("linux /k\ntitle \xed\xa0\x80\n", "entry.conf:2: not UTF-8 at column 7 (byte 0xed)");
	EXPECT_ERR("linux /k\ntitle \xf4\x90\x80\x80\n", "entry.conf:2: not UTF-8 at column 7 (byte 0xf4)");
	EXPECT_ERR("linux /k\ntitle \xe2\x82\n", "entry.conf:2: not UTF-8 at column 7 (byte 0xe2)");
	CHECK_EQ_U(parse("linux /k\ntitle \xf4\x8f\xbf\xbf \xef\xbf\xbf\n"), IST_OK);
}

static void bad_paths(void)
{
	EXPECT_ERR("linux /a/../k\n", "entry.conf:1: linux path \"/a/../k\" has a \"..\" component");
	EXPECT_ERR("linux /k\ninitrd ..\n", "entry.conf:2: initrd path \"..\" has a \"..\" component");
	EXPECT_ERR("linux /k\ndefer \\EFI\\..\\x\n",
		   "entry.conf:2: defer path \"\\EFI\\..\\x\" has a \"..\" component");
	EXPECT_ERR("linux /k\nearly /a/..\n", "entry.conf:2: early path \"/a/..\" has a \"..\" component");
	EXPECT_ERR("linux /k\nkernel-initrd ../x\n",
		   "entry.conf:2: kernel-initrd path \"../x\" has a \"..\" component");
	EXPECT_ERR("linux /k\ndevicetree /../d\n",
		   "entry.conf:2: devicetree path \"/../d\" has a \"..\" component");
	EXPECT_ERR("linux /k\ndevicetree-overlay /a /b/../c\n",
		   "entry.conf:2: devicetree-overlay path \"/b/../c\" has a \"..\" component");
	EXPECT_ERR("linux /k\ninitrd /a\tb\n", "entry.conf:2: initrd path \"/a\tb\" has a tab");
	EXPECT_ERR("linux /k\ninitrd /\xf0\x9f\x90\xa7.img\n",
		   "entry.conf:2: initrd path \"/\xf0\x9f\x90\xa7.img\" has a character outside the "
		   "Basic Multilingual Plane (UEFI file names are UCS-2)");
	/* "..." inside a name, "." components and dotfiles are fine */
	CHECK_EQ_U(parse("linux /a/./k\ninitrd /a..b/...\ninitrd /.x\n"), IST_OK);
}

static void error_record_and_null_args(void)
{
	struct ist_error err;
	memset(&err, 0x55, sizeof err);
	CHECK_EQ_U(ist_entry_parse(&E, NULL, "bogus x\n", 8, &err), IST_BAD_DATA);
	CHECK_EQ_U(err.status, IST_BAD_DATA);
	CHECK_STR(err.msg, "entry:1: unknown key \"bogus\"");
	CHECK_EQ_U(ist_entry_parse(&E, "x.conf", "bogus x\n", 8, NULL), IST_BAD_DATA);
	CHECK_EQ_U(ist_entry_parse(&E, "x.conf", "linux /k", 8, NULL), IST_OK);
	/* a successful parse clears the record */
	CHECK_EQ_U(ist_entry_parse(&E, "x.conf", "linux /k", 8, &err), IST_OK);
	CHECK_EQ_U(err.status, IST_OK);
	CHECK_STR(err.msg, "");
	/* a reused struct forgets the previous entry */
	REQUIRE(parse("title t\nlinux /k\ninitrd /a\noptions o\nprotect /p\n") == IST_OK);
	REQUIRE(parse("linux /k2\n") == IST_OK);
	CHECK(!E.title);
	CHECK_EQ_U(E.narchive, 0);
	CHECK_STR(E.options, "");
	CHECK_STR(E.policy.protect[0], "/kernel");
}

static void long_file_name(void)
{
	char name[400];
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	CHECK_EQ_U(ist_entry_parse(&E, name, "x y", 3, &ERR), IST_BAD_DATA);
	CHECK_EQ_U(strlen(ERR.msg), IST_ERROR_MSG - 1); /* cut, never overrun */
}

/* ---- the kernel's load options ------------------------------------------ */

static void cmdline_adds_handover(void)
{
	REQUIRE(parse("linux /k\ndefer /d\n") == IST_OK);
	CHECK_STR(cmdline(), "rdinit=/kernel/handover");
	REQUIRE(parse("linux /k\ndefer /d\noptions root=/dev/sda quiet\n") == IST_OK);
	CHECK_STR(cmdline(), "root=/dev/sda quiet rdinit=/kernel/handover");
	/* the entry's own rdinit= wins */
	REQUIRE(parse("linux /k\ndefer /d\noptions rdinit=/sbin/other quiet\n") == IST_OK);
	CHECK_STR(cmdline(), "rdinit=/sbin/other quiet");
	REQUIRE(parse("linux /k\ndefer /d\noptions quiet \"rdinit=/x y\"\n") == IST_OK);
	CHECK_STR(cmdline(), "quiet \"rdinit=/x y\"");
	/* no deferred archive: nothing added */
	REQUIRE(parse("linux /k\ninitrd /i\noptions quiet\n") == IST_OK);
	CHECK_STR(cmdline(), "quiet");
	/* never an initrd= of our own; the user's are kept verbatim */
	REQUIRE(parse("linux /k\ninitrd /i\ndefer /d\noptions initrd=\\i quiet\n") == IST_OK);
	CHECK_STR(cmdline(), "initrd=\\i quiet rdinit=/kernel/handover");
}

static void cmdline_init_arguments(void)
{
	/* words after "--" go to init: rdinit= there does not count, and ours
	 * goes before the "--" */
	REQUIRE(parse("linux /k\ndefer /d\noptions quiet -- single rdinit=/x\n") == IST_OK);
	CHECK_STR(cmdline(), "quiet rdinit=/kernel/handover -- single rdinit=/x");
	REQUIRE(parse("linux /k\ndefer /d\noptions -- s\n") == IST_OK);
	CHECK_STR(cmdline(), "rdinit=/kernel/handover -- s");
	REQUIRE(parse("linux /k\ndefer /d\noptions a\toptions --\n") == IST_OK);
	CHECK_STR(cmdline(), "a\toptions rdinit=/kernel/handover --");
	/* "--x", "x--" and "--=" are ordinary words */
	REQUIRE(parse("linux /k\ndefer /d\noptions --x x-- --=1\n") == IST_OK);
	CHECK_STR(cmdline(), "--x x-- --=1 rdinit=/kernel/handover");
	/* a quoted "--" inside a value is not the separator */
	REQUIRE(parse("linux /k\ndefer /d\noptions a=\"b -- c\"\n") == IST_OK);
	CHECK_STR(cmdline(), "a=\"b -- c\" rdinit=/kernel/handover");
}

static void cmdline_rdinit_detection(void)
{
	static const struct {
		const char *s;
		bool has;
	} cases[] = {
		{ "rdinit=/x", true },
		{ "  rdinit=", true },
		{ "a rdinit=/x b", true },
		{ "\"rdinit=/x y\"", true },
		{ "rdinit=\"/x y\"", true },
		{ "a\trdinit=/x", true },
		{ "a\xa0rdinit=/x", true }, /* the kernel's isspace(0xa0) */
		{ "", false },
		{ "rdinit", false },
		{ "rdinit /x", false },
		{ "xrdinit=/x", false },
		{ "init=/x", false },
		{ "a=\"b rdinit=/x\"", false },
		{ "-- rdinit=/x", false },
		{ "a -- rdinit=/x", false },
		{ "\"--\" rdinit=/x", false },
		{ "--x rdinit=/x", true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bool got = ist_cmdline_has_rdinit(cases[i].s, strlen(cases[i].s));
		if (got != cases[i].has)
			fprintf(stderr, "  case \"%s\"\n", cases[i].s);
		CHECK(got == cases[i].has);
	}
}

static void cmdline_open_quote(void)
{
	EXPECT_ERR("linux /k\noptions a=\"b\ndefer /d\n",
		   "entry.conf:2: options end inside a quote, so rdinit=/kernel/handover cannot be "
		   "added");
	/* fine without a deferred archive (passed on as systemd-boot does) */
	CHECK_EQ_U(parse("linux /k\noptions a=\"b\n"), IST_OK);
	/* and fine when nothing has to be added */
	CHECK_EQ_U(parse("linux /k\noptions rdinit=/x a=\"b\ndefer /d\n"), IST_OK);
	REQUIRE(parse("linux /k\noptions x -- a=\"b\ndefer /d\n") == IST_OK);
	CHECK_STR(cmdline(), "x rdinit=/kernel/handover -- a=\"b");
}

static void cmdline_space(void)
{
	REQUIRE(parse("linux /k\ndefer /d\noptions quiet\n") == IST_OK);
	char buf[64];
	size_t n = 0;
	const size_t want = strlen("quiet rdinit=/kernel/handover");
	CHECK_EQ_U(ist_entry_cmdline(&E, buf, want, &n), IST_NO_SPACE);
	CHECK_EQ_U(n, want);
	CHECK_EQ_U(ist_entry_cmdline(&E, NULL, 0, &n), IST_NO_SPACE);
	CHECK_EQ_U(n, want);
	CHECK_EQ_U(ist_entry_cmdline(&E, buf, want + 1, NULL), IST_OK);
	CHECK_STR(buf, "quiet rdinit=/kernel/handover");
	REQUIRE(parse("linux /k\n") == IST_OK);
	CHECK_EQ_U(ist_entry_cmdline(&E, buf, 1, &n), IST_OK);
	CHECK_EQ_U(n, 0);
	CHECK_STR(buf, "");
}

/* ---- architecture -------------------------------------------------------- */

static void architecture_check(void)
{
	struct ist_error err;
	REQUIRE(parse("linux /k\n") == IST_OK);
	CHECK_EQ_U(ist_entry_check_arch(&E, "entry.conf", "x64", &err), IST_OK);
	REQUIRE(parse("linux /k\n\narchitecture X64\n") == IST_OK);
	CHECK_EQ_U(ist_entry_check_arch(&E, "entry.conf", "x64", &err), IST_OK);
	CHECK_EQ_U(ist_entry_check_arch(&E, "entry.conf", "aa64", &err), IST_UNSUPPORTED);
	CHECK_STR(err.msg, "entry.conf:3: entry is for X64, this loader is aa64");
	CHECK_EQ_U(ist_entry_check_arch(&E, "entry.conf", "x6", &err), IST_UNSUPPORTED);
}

/* ---- systemd-boot parity -------------------------------------------------- */

/* What systemd-boot 252 makes of a BLS entry (boot.c, config_entry_add_type1
 * and line_get_key_value): initrds in order, options joined by one space,
 * quotes around a whole value removed, '#' only at the start of a line. */
static void systemd_boot_parity(void)
{
	const char *text = "# Boot Loader Specification type#1 entry\n"
			   "title      Debian GNU/Linux 12 (bookworm)\n"
			   "version    6.1.0-13-amd64\n"
			   "machine-id 5c3a02aab0c64a2f9b7c3f3cf9e1ddc1\n"
			   "sort-key   debian\n"
			   "options    root=UUID=8ae8b3a4-0d7b-4c6f-a3b3-7a4a3d2f4e61 ro\n"
			   "linux      /5c3a02aab0c64a2f9b7c3f3cf9e1ddc1/6.1.0-13-amd64/linux\n"
			   "initrd     /5c3a02aab0c64a2f9b7c3f3cf9e1ddc1/6.1.0-13-amd64/microcode\n"
			   "initrd     /5c3a02aab0c64a2f9b7c3f3cf9e1ddc1/6.1.0-13-amd64/initrd.img-6.1.0-13-amd64\n"
			   "options    \"quiet splash\"\n";
	REQUIRE(parse(text) == IST_OK);
	CHECK_STR(E.options, "root=UUID=8ae8b3a4-0d7b-4c6f-a3b3-7a4a3d2f4e61 ro quiet splash");
	CHECK_STR(cmdline(), E.options);
	REQUIRE(E.narchive == 2);
	CHECK_CONTAINS(E.archive[0].path, "/microcode");
	CHECK_CONTAINS(E.archive[1].path, "/initrd.img-");
	CHECK(E.archive[0].role == IST_ROLE_EXTRA && E.archive[1].role == IST_ROLE_EXTRA);
	CHECK_EQ_U(E.ndeferred, 0);
	/* the policy keys are absent: the defaults, unused without deferred archives */
	CHECK_EQ_U(E.policy.nprotect, 1);
}

/* ---- edges ---------------------------------------------------------------- */

static void edges(void)
{
	/* a value of a lone quote unquotes to nothing */
	EXPECT_ERR("linux \"\n", "entry.conf:1: linux has no value");
	/* a sha256 whose digest is cut by unquoting */
	EXPECT_ERR("linux /k\ninitrd /a\nsha256 \"/a \"\n",
		   "entry.conf:3: sha256 digest has 0 hex digits, not 64");
	/* a message quoting a value cut inside a UTF-8 sequence stays UTF-8 */
	char text[256];
	snprintf(text, sizeof text, "linux /k\nbogus%s x\n",
		 "ééééééééééééééééééééééééééééééééééééééééééé");
	CHECK_EQ_U(parse(text), IST_BAD_DATA);
	CHECK_STR(ERR.msg, "entry.conf:2: unknown key \"bogusééééééééééééééééééééé...\"");
}

/* ---- the examples in conf/ ------------------------------------------------- */

static enum ist_status parse_file(const char *path)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "  %s: cannot open (run from the top of the tree)\n", path);
		return IST_INVALID;
	}
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	memset(&ERR, 0, sizeof ERR);
	enum ist_status st = ist_entry_parse(&E, path, buf, n, &ERR);
	if (st)
		fprintf(stderr, "  %s\n", ERR.msg);
	return st;
}

static void example_entries(void)
{
	REQUIRE(parse_file("conf/bls.conf") == IST_OK);
	CHECK_EQ_U(E.narchive, 1);
	CHECK_EQ_U(E.archive[0].role, IST_ROLE_EXTRA);
	CHECK_STR(cmdline(), "root=UUID=8ae8b3a4-0d7b-4c6f-a3b3-7a4a3d2f4e61 ro quiet");

	REQUIRE(parse_file("conf/deferred.conf") == IST_OK);
	REQUIRE(E.narchive == 2);
	CHECK_EQ_U(E.archive[0].role, IST_ROLE_KERNEL);
	CHECK_EQ_U(E.archive[1].role, IST_ROLE_DEFERRED);
	CHECK(E.archive[1].has_sha256);
	CHECK_EQ_U(E.policy.nprotect, 2);
	CHECK_EQ_U(E.policy.action[IST_EV_TYPE_CHANGE], IST_ACT_ERROR);
	CHECK_EQ_U(E.handover_error, IST_HANDOVER_SHELL);
	CHECK_EQ_U(E.loader_error, IST_LOADER_SHUTDOWN);
	CHECK_CONTAINS(cmdline(), " quiet rdinit=/kernel/handover");

	REQUIRE(parse_file("conf/microcode.conf") == IST_OK);
	REQUIRE(E.narchive == 3);
	CHECK_EQ_U(E.archive[0].role, IST_ROLE_EARLY);
	CHECK_EQ_U(E.archive[1].role, IST_ROLE_EARLY);
	CHECK_EQ_U(E.archive[2].role, IST_ROLE_EXTRA);
	CHECK_EQ_U(ist_entry_check_arch(&E, "microcode.conf", "x64", &ERR), IST_OK);

	REQUIRE(parse_file("conf/arm64-devicetree.conf") == IST_OK);
	CHECK_STR(E.devicetree.path, "/dtbs/board.dtb");
	REQUIRE(E.noverlay == 2);
	CHECK_STR(E.overlay[0].path, "/dtbs/overlays/uart2.dtbo");
	CHECK_STR(E.overlay[1].path, "/dtbs/overlays/spi-flash.dtbo");
	REQUIRE(E.narchive == 2);
	CHECK_EQ_U(E.archive[1].role, IST_ROLE_DEFERRED);
	CHECK_EQ_U(ist_entry_check_arch(&E, "arm64-devicetree.conf", "aa64", &ERR), IST_OK);
	CHECK_EQ_U(ist_entry_check_arch(&E, "arm64-devicetree.conf", "x64", &ERR), IST_UNSUPPORTED);
}

/* ---- regressions found by fuzzing --------------------------------------- */

/* Parse from a heap copy of exactly `text`'s length, so ASan sees a read
 * past the end of the caller's bytes. */
static enum ist_status parse_exact(const char *text)
{
	size_t n = strlen(text);
	char *p = malloc(n ? n : 1);
	if (!p)
		return IST_NO_MEMORY;
	memcpy(p, text, n);
	enum ist_status st = parse_n(p, n);
	free(p);
	return st;
}

/*
 * libFuzzer, first minute: "linudecomprescompr" (a key at the very end of the
 * data, no line end) read one byte past the caller's buffer: messages quoted
 * the value with %.*s, and ist_format reads s[prec] before it checks the
 * precision. Values are now copied into a NUL-terminated excerpt first, and
 * `protect` hands ist_policy_protect (which quotes its prefix the same way)
 * a NUL-terminated copy. Every message that quotes a value, with the value
 * at the end of the data:
 */
static void fuzz_quote_at_end_of_data(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "linudecomprescompr", "entry.conf:1: unknown key \"linudecomprescompr\"" },
		{ "linux /k\non-clash maybe", "entry.conf:2: on-clash takes error, warn or allow, not \"maybe\"" },
		{ "linux /k\nmachine-id 12", "entry.conf:2: machine-id takes 32 lower-case hex digits, not \"12\"" },
		{ "linux /k\narchitecture x-64", "entry.conf:2: architecture takes an EFI architecture name (x64, aa64, ...), not \"x-64\"" },
		{ "linux /k\nsha256 /a", "entry.conf:2: sha256 takes a path and 64 hex digits, not \"/a\"" },
		{ "linux /k\nsha256 /a g", "entry.conf:2: sha256 digest has \"g\" at position 1, not a hex digit" },
		{ "linux /k\ninitrd /..", "entry.conf:2: initrd path \"/..\" has a \"..\" component" },
		{ "linux /k\ninitrd /a\tb", "entry.conf:2: initrd path \"/a\tb\" has a tab" },
		{ "linux /k\nprotect x", "entry.conf:2: protected prefix \"x\" is not absolute" },
		{ "linux /k\ninitrd /a\nsha256 /b " HEX_A, "entry.conf:3: sha256 for \"/b\", which is not an archive of this entry" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CHECK_EQ_U(parse_exact(cases[i].text), IST_BAD_DATA);
		CHECK_STR(ERR.msg, cases[i].msg);
	}
}

int main(void)
{
	RUN(minimal_entry);
	RUN(defaults);
	RUN(bls_keys);
	RUN(initstack_keys);
	RUN(every_choice);
	RUN(protect_replaces_default);
	RUN(archives_keep_file_order);
	RUN(role_order_errors);
	RUN(options_join_in_order);
	RUN(comments_blanks_whitespace);
	RUN(crlf_and_lf);
	RUN(quotes_stripped_like_systemd_boot);
	RUN(bom_skipped);
	RUN(utf8_values);
	RUN(keys_are_case_sensitive);
	RUN(unknown_key);
	RUN(key_without_value);
	RUN(bad_values);
	RUN(repeated_single_keys);
	RUN(sha256_errors);
	RUN(sha256_after_the_whole_file);
	RUN(find_archive);
	RUN(missing_linux);
	RUN(too_many_archives);
	RUN(too_many_overlays);
	RUN(long_lines);
	RUN(long_options_and_text);
	RUN(nul_and_control_bytes);
	RUN(not_utf8);
	RUN(bad_paths);
	RUN(error_record_and_null_args);
	RUN(long_file_name);
	RUN(cmdline_adds_handover);
	RUN(cmdline_init_arguments);
	RUN(cmdline_rdinit_detection);
	RUN(cmdline_open_quote);
	RUN(cmdline_space);
	RUN(architecture_check);
	RUN(systemd_boot_parity);
	RUN(edges);
	RUN(example_entries);
	RUN(fuzz_quote_at_end_of_data);
	return check_done();
}
