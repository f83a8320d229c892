/* handover's manifest parser: docs/protocol.md's grammar, strictly. */
#include <stdlib.h>

#include "../../handover/manifest.h"
#include "check.h"

static struct ho_manifest M;
static char ERR[300];

static int parse(const char *text)
{
	return ho_manifest_parse(&M, "/.initstack/manifest", text, strlen(text), ERR, sizeof ERR);
}

#define SHA_A "9c1b0000000000000000000000000000000000000000000000000000000000e3"
#define SHA_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

#define EXPECT_ERR(text, want)                  \
	do {                                    \
		CHECK_EQ_U(parse(text), -1); \
		CHECK_STR(ERR, want);           \
	} while (0)

static void t_protocol_example(void)
{
	const char *text = "initstack-manifest 1\n"
			   "protect /kernel\n"
			   "on-clash warn\n"
			   "handover-error continue\n"
			   "deferred 01-initrd.img-6.1.0-13-amd64 41234567 " SHA_A " zstd\n";
	REQUIRE(parse(text) == 0);
	CHECK_STR(ERR, "");
	CHECK_EQ_U(M.policy.nprotect, 1);
	CHECK_STR(M.policy.protect[0], "/kernel");
	CHECK_EQ_U(M.policy.action[IST_EV_TYPE_CHANGE], IST_ACT_WARN);
	CHECK_EQ_U(M.policy.action[IST_EV_PROTECTED], IST_ACT_ERROR);
	CHECK_EQ_U(M.on_error, IST_HANDOVER_CONTINUE);
	REQUIRE(M.ndeferred == 1);
	CHECK_STR(M.deferred[0].name, "01-initrd.img-6.1.0-13-amd64");
	CHECK_EQ_U(M.deferred[0].size, 41234567);
	CHECK_EQ_U(M.deferred[0].sha256[0], 0x9c);
	CHECK_EQ_U(M.deferred[0].sha256[1], 0x1b);
	CHECK_EQ_U(M.deferred[0].sha256[31], 0xe3);
	CHECK_EQ_U(M.deferred[0].comp, IST_COMP_ZSTD);
	CHECK_EQ_U(M.deferred[0].line, 5);
	CHECK_EQ_U(M.nlines, 5);
}

static void t_records(void)
{
	const char *text = "initstack-manifest 1\n"
			   "deferred 01-a 0 " SHA_B " cpio\n"
			   "protect /usr/lib/firmware\n"
			   "on-clash error\n"
			   "protect /kernel\n"
			   "handover-error shell\n"
			   "deferred 02-b 4294967295 " SHA_A " gzip\n"
			   "deferred 03-c 1 " SHA_A " lzo\n";
	REQUIRE(parse(text) == 0);
	CHECK_EQ_U(M.policy.nprotect, 2);
	CHECK_STR(M.policy.protect[0], "/usr/lib/firmware");
	CHECK_STR(M.policy.protect[1], "/kernel");
	CHECK_EQ_U(M.policy.action[IST_EV_SYMLINK_PARENT], IST_ACT_ERROR);
	CHECK_EQ_U(M.policy.action[IST_EV_DROPPED], IST_ACT_ERROR);
	CHECK_EQ_U(M.on_error, IST_HANDOVER_SHELL);
	REQUIRE(M.ndeferred == 3);
	CHECK_STR(M.deferred[0].name, "01-a");
	CHECK_EQ_U(M.deferred[0].comp, IST_COMP_NONE);
	CHECK_EQ_U(M.deferred[1].size, 4294967295u);
	CHECK_EQ_U(M.deferred[1].comp, IST_COMP_GZIP);
	CHECK_EQ_U(M.deferred[2].comp, IST_COMP_LZO);
	CHECK_EQ_U(M.deferred[2].line, 8);
	static const struct {
		const char *name;
		enum ist_compression c;
	} comps[] = { { "cpio", IST_COMP_NONE }, { "gzip", IST_COMP_GZIP }, { "zstd", IST_COMP_ZSTD },
		      { "xz", IST_COMP_XZ }, { "lzma", IST_COMP_LZMA }, { "bzip2", IST_COMP_BZIP2 },
		      { "lz4", IST_COMP_LZ4 }, { "lzo", IST_COMP_LZO } };
	for (unsigned i = 0; i < sizeof comps / sizeof comps[0]; i++) {
		char t[200];
		snprintf(t, sizeof t, "initstack-manifest 1\ndeferred x 1 " SHA_A " %s\n", comps[i].name);
		REQUIRE(parse(t) == 0);
		CHECK_EQ_U(M.deferred[0].comp, comps[i].c);
	}
}

/* Absent records take the defaults: nothing protected, warn, continue. */
static void t_defaults(void)
{
	REQUIRE(parse("initstack-manifest 1\n") == 0);
	CHECK_EQ_U(M.policy.nprotect, 0);
	CHECK_EQ_U(M.policy.action[IST_EV_TYPE_CHANGE], IST_ACT_WARN);
	CHECK_EQ_U(M.policy.action[IST_EV_PROTECTED], IST_ACT_ERROR);
	CHECK_EQ_U(M.on_error, IST_HANDOVER_CONTINUE);
	CHECK_EQ_U(M.ndeferred, 0);
	REQUIRE(parse("initstack-manifest 1\nhandover-error panic\non-clash allow\n") == 0);
	CHECK_EQ_U(M.on_error, IST_HANDOVER_PANIC);
	CHECK_EQ_U(M.policy.action[IST_EV_SYMLINK_PARENT], IST_ACT_ALLOW);
}

static void t_errors(void)
{
#define L1 "initstack-manifest 1\n"
#define F "/.initstack/manifest:"
	EXPECT_ERR("", F "1: manifest is empty");
	EXPECT_ERR("initstack-manifest 2\n", F "1: manifest version \"2\" is not supported (this handover reads version 1)");
	EXPECT_ERR("initstack-manifest 01\n", F "1: manifest version \"01\" is not supported (this handover reads version 1)");
	EXPECT_ERR("initstack-manifest\n", F "1: not an initstack manifest (expected \"initstack-manifest 1\")");
	EXPECT_ERR("protect /kernel\n", F "1: not an initstack manifest (expected \"initstack-manifest 1\")");
	EXPECT_ERR("initstack-manifest 1", F "1: the last line does not end in a line feed");
	EXPECT_ERR(L1 "protect /kernel", F "2: the last line does not end in a line feed");
	EXPECT_ERR("initstack-manifest 1\r\n", F "1: byte 0x0d is not allowed (printable ASCII, one space between fields)");
	EXPECT_ERR(L1 "\n", F "2: empty line");
	EXPECT_ERR(L1 "protect  /kernel\n", F "2: empty field (two spaces, or a leading space)");
	EXPECT_ERR(L1 " protect /kernel\n", F "2: empty field (two spaces, or a leading space)");
	EXPECT_ERR(L1 "protect /kernel \n", F "2: trailing space");
	EXPECT_ERR(L1 "protect\t/kernel\n", F "2: byte 0x09 is not allowed (printable ASCII, one space between fields)");
	EXPECT_ERR(L1 "protect /k\xc3\xa9rnel\n", F "2: byte 0xc3 is not allowed (printable ASCII, one space between fields)");
	EXPECT_ERR(L1 "frobnicate yes\n", F "2: unknown record \"frobnicate\"");
	EXPECT_ERR(L1 "Protect /kernel\n", F "2: unknown record \"Protect\"");
	EXPECT_ERR(L1 "protect\n", F "2: protect takes 1 field, not 0");
	EXPECT_ERR(L1 "protect /a /b\n", F "2: protect takes 1 field, not 2");
	EXPECT_ERR(L1 "deferred a 1 " SHA_A "\n", F "2: deferred takes 4 fields, not 3");
	EXPECT_ERR(L1 "deferred a 1 " SHA_A " cpio x y\n", F "2: too many fields (7)");
	EXPECT_ERR(L1 "protect kernel\n", F "2: protected prefix \"kernel\" is not absolute");
	EXPECT_ERR(L1 "protect /\n", F "2: protected prefix \"/\" would protect everything");
	EXPECT_ERR(L1 "protect /kernel/\n", F "2: protected prefix \"/kernel/\" is not normalised (it would be /kernel)");
	EXPECT_ERR(L1 "protect //kernel\n", F "2: protected prefix \"//kernel\" is not normalised (it would be /kernel)");
	EXPECT_ERR(L1 "protect /a/../kernel\n", F "2: protected prefix \"/a/../kernel\" has a \".\" or \"..\" component");
	EXPECT_ERR(L1 "protect /kernel\nprotect /kernel\n", F "3: protected prefix /kernel is listed twice");
	EXPECT_ERR(L1 "protect /1\nprotect /2\nprotect /3\nprotect /4\nprotect /5\nprotect /6\nprotect /7\nprotect /8\nprotect /9\n",
		   F "10: more than 8 protected prefixes");
	EXPECT_ERR(L1 "on-clash maybe\n", F "2: on-clash takes error, warn or allow, not \"maybe\"");
	EXPECT_ERR(L1 "on-clash warn\non-clash error\n", F "3: on-clash is given twice");
	EXPECT_ERR(L1 "handover-error reboot\n", F "2: handover-error takes panic, shell or continue, not \"reboot\"");
	EXPECT_ERR(L1 "handover-error panic\nhandover-error panic\n", F "3: handover-error is given twice");
	EXPECT_ERR(L1 "deferred a/b 1 " SHA_A " cpio\n", F "2: file name \"a/b\" holds a \"/\"");
	EXPECT_ERR(L1 "deferred .. 1 " SHA_A " cpio\n", F "2: file name \"..\" is not a file name");
	EXPECT_ERR(L1 "deferred . 1 " SHA_A " cpio\n", F "2: file name \".\" is not a file name");
	EXPECT_ERR(L1 "deferred a 1 " SHA_A " cpio\ndeferred a 2 " SHA_A " cpio\n",
		   F "3: file \"a\" is already listed on line 2");
	EXPECT_ERR(L1 "deferred a 01 " SHA_A " cpio\n", F "2: size \"01\" is not a decimal number without leading zeros");
	EXPECT_ERR(L1 "deferred a +1 " SHA_A " cpio\n", F "2: size \"+1\" is not a decimal number without leading zeros");
	EXPECT_ERR(L1 "deferred a 0x10 " SHA_A " cpio\n", F "2: size \"0x10\" is not a decimal number without leading zeros");
	EXPECT_ERR(L1 "deferred a 4294967296 " SHA_A " cpio\n", F "2: size 4294967296 is over 4 GiB - 1 (a newc member cannot hold it)");
	EXPECT_ERR(L1 "deferred a 99999999999 " SHA_A " cpio\n", F "2: size \"99999999999\" is not a decimal number without leading zeros");
	EXPECT_ERR(L1 "deferred a 1 " SHA_A "0 cpio\n", F "2: sha256 \"" SHA_A "0\" is not 64 lower-case hex digits");
	EXPECT_ERR(L1 "deferred a 1 9C1B0000000000000000000000000000000000000000000000000000000000E3 cpio\n",
		   F "2: sha256 \"9C1B0000000000000000000000000000000000000000000000000000000000E3\" is not 64 lower-case hex digits");
	EXPECT_ERR(L1 "deferred a 1 " SHA_A " none\n",
		   F "2: compression \"none\" is not one of cpio, gzip, zstd, xz, lzma, bzip2, lz4, lzo");
	EXPECT_ERR(L1 "deferred a 1 " SHA_A " Zstd\n",
		   F "2: compression \"Zstd\" is not one of cpio, gzip, zstd, xz, lzma, bzip2, lz4, lzo");
#undef L1
#undef F
}

/* A NUL inside the given length is data, not an end. */
static void t_embedded_nul(void)
{
	static const char text[] = "initstack-manifest 1\non-clash warn\0\n";
	CHECK_EQ_U(ho_manifest_parse(&M, "m", text, sizeof text - 1, ERR, sizeof ERR), -1);
	CHECK_STR(ERR, "m:2: byte 0x00 is not allowed (printable ASCII, one space between fields)");
}

static void t_limits(void)
{
	/* the largest name, 64 archives, and one more of each */
	char name[300];
	memset(name, 'n', 255);
	name[255] = '\0';
	char *t = malloc(HO_MANIFEST_MAX + 1000);
	size_t n = (size_t)sprintf(t, "initstack-manifest 1\ndeferred %s 1 " SHA_A " cpio\n", name);
	REQUIRE(ho_manifest_parse(&M, "m", t, n, ERR, sizeof ERR) == 0);
	CHECK_EQ_U(strlen(M.deferred[0].name), 255);
	n = (size_t)sprintf(t, "initstack-manifest 1\ndeferred %sn 1 " SHA_A " cpio\n", name);
	CHECK_EQ_U(ho_manifest_parse(&M, "m", t, n, ERR, sizeof ERR), -1);
	CHECK_STR(ERR, "m:2: file name is over 255 bytes");
	n = (size_t)sprintf(t, "initstack-manifest 1\n");
	for (unsigned i = 1; i <= HO_MAX_DEFERRED + 1; i++)
		n += (size_t)sprintf(t + n, "deferred %02u-x 1 " SHA_A " cpio\n", i);
	CHECK_EQ_U(ho_manifest_parse(&M, "m", t, n, ERR, sizeof ERR), -1);
	CHECK_STR(ERR, "m:66: more than 64 deferred archives");
	size_t last = n - 1; /* without the 65th line, 64: the most */
	while (t[last - 1] != '\n')
		last--;
	REQUIRE(ho_manifest_parse(&M, "m", t, last, ERR, sizeof ERR) == 0);
	CHECK_EQ_U(M.ndeferred, HO_MAX_DEFERRED);
	memset(t, 'a', HO_MANIFEST_MAX + 1);
	CHECK_EQ_U(ho_manifest_parse(&M, "m", t, HO_MANIFEST_MAX + 1, ERR, sizeof ERR), -1);
	CHECK_STR(ERR, "m:1: manifest is over 65536 bytes");
	/* a tiny error buffer is still NUL-terminated */
	char small[8];
	CHECK_EQ_U(ho_manifest_parse(&M, "/.initstack/manifest", "x\n", 2, small, sizeof small), -1);
	CHECK_EQ_U(strlen(small), 7);
	free(t);
}

int main(void)
{
	RUN(t_protocol_example);
	RUN(t_records);
	RUN(t_defaults);
	RUN(t_errors);
	RUN(t_embedded_nul);
	RUN(t_limits);
	return check_done();
}
