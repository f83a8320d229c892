/* initstack: list, check, simulate, build and benchmark initramfs archive stacks. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const char usage[] =
	"usage: initstack COMMAND [OPTIONS] ARCHIVE...\n"
	"\n"
	"commands:\n"
	"  list   FILE...             segments and entries of each file (like cpio -itv,\n"
	"                             for concatenated and compressed archives)\n"
	"  check  [STACK OPTIONS]     the events of unpacking the stack, judged by the\n"
	"                             policy; exit 0 clean, 1 policy violation, 2 unreadable\n"
	"  tree   [STACK OPTIONS]     the tree the kernel builds from the stack\n"
	"  build  [-o OUT] SOURCE     write a deterministic newc archive from a directory\n"
	"                             or a gen_init_cpio-style list (--list FILE)\n"
	"  bench  [--runs N] FILE...  how fast each compressed segment decodes, with the\n"
	"                             loader's and the handover's decoders\n"
	"  install [--esp DIR] [--removable]  initstack.efi on the ESP (and a UEFI boot\n"
	"                             option); remove undoes it\n"
	"  entry  add|remove KVER     the boot entry of an installed kernel\n"
	"  dtb    ENTRY [-o OUT.dtb]  the devicetree the loader installs for an entry\n"
	"                             (its base, its overlays applied, /chosen)\n"
	"\n"
	"stack options (archives are unpacked in the order given):\n"
	"  --early FILE | --kernel FILE | --extra FILE | --deferred FILE\n"
	"                             an archive and its role; a bare FILE is extra\n"
	"  --protect PREFIX           protected prefix (repeatable; replaces /kernel)\n"
	"  --on-clash error|warn|allow  type changes, dropped entries, symlink parents\n"
	"  --on CLASS=ACTION          classes: overwrite type-change dropped\n"
	"                             symlink-parent protected early\n"
	"  --rootfs tmpfs|ramfs       root directory mode 1777 (default) or 0755\n"
	"  --no-builtin               no /dev, /dev/console, /root before the stack\n"
	"  --json                     machine-readable output\n"
	"\n"
	"See initstack(1) in docs/initstack.1.\n";

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		puts("initstack 0.1");
		return 0;
	}
	const char *c = argv[1];
	if (!strcmp(c, "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(c, "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(c, "tree"))
		return cmd_tree(argc - 1, argv + 1);
	if (!strcmp(c, "build"))
		return cmd_build(argc - 1, argv + 1);
	if (!strcmp(c, "entry"))
		return cmd_entry(argc - 1, argv + 1);
	if (!strcmp(c, "install"))
		return cmd_install(argc - 1, argv + 1);
	if (!strcmp(c, "remove"))
		return cmd_remove(argc - 1, argv + 1);
	if (!strcmp(c, "dtb"))
		return cmd_dtb(argc - 1, argv + 1);
	if (!strcmp(c, "bench"))
		return cmd_bench(argc - 1, argv + 1);
	fprintf(stderr, "initstack: unknown command \"%s\"\n%s", c, usage);
	return EXIT_USAGE;
}
