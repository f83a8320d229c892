/*
 * The boot entry: one Boot Loader Specification Type #1 file, with
 * initstack's keys for the stack and the policy (docs/entry.md is the user
 * reference for every key; this header is the contract for the code).
 *
 * Syntax, as systemd-boot reads it: one `KEY VALUE` per line, the key ends at
 * the first space or tab, the value is the rest of the line; leading and
 * trailing spaces and tabs are ignored, and so are blank lines and lines
 * whose first non-blank character is `#` (a `#` later in a line is part of
 * the value, as in systemd-boot). A value wrapped in double quotes loses
 * them (`title "Debian"` is `Debian`). Lines end in LF or CRLF; a UTF-8 byte
 * order mark at the start is skipped. Unlike systemd-boot, which skips what
 * it does not understand, every problem is an error: an unknown key, a key
 * without a value, a bad value, a single-value key given twice, a NUL byte,
 * a control character other than tab, bytes that are not UTF-8, a line over
 * IST_ENTRY_LINE_MAX bytes. `efi` (a BLS key for other EFI programs) is
 * recognised and refused: this loader starts a Linux kernel, and `linux` is
 * required.
 *
 * Archives. Four keys add an archive to one ordered list, each with the
 * role of the stack model (tree.h):
 *
 *     early PATH           IST_ROLE_EARLY     uncompressed microcode / ACPI
 *     kernel-initrd PATH   IST_ROLE_KERNEL    the kernel camp's archive
 *     initrd PATH          IST_ROLE_EXTRA     BLS: everything else, in order
 *     defer PATH           IST_ROLE_DEFERRED  unpacked later by handover
 *
 * The list is in file order, and the file must give the roles in that order
 * (early, kernel-initrd, initrd, defer): the list is then the order in which
 * the archives are unpacked, with no reordering behind the user's back. An
 * entry with only `initrd` lines is a plain BLS entry: its archives are
 * concatenated in order, exactly as systemd-boot does.
 *
 * Paths are kept as written (BLS uses `/`; the EFI front end turns it into
 * `\`). A path with a `..` component (split at `/` or `\`), a control
 * character, or a character outside the Basic Multilingual Plane (UEFI file
 * names are UCS-2) is an error.
 *
 * No allocation, no globals: the caller owns the struct and the input.
 */
#ifndef INITSTACK_ENTRY_H
#define INITSTACK_ENTRY_H

#include <initstack/base.h>
#include <initstack/sha256.h>
#include <initstack/tree.h>

#define IST_ENTRY_LINE_MAX 4096     /* bytes in a line, its line end excluded */
#define IST_ENTRY_MAX_ARCHIVES 32   /* early + kernel-initrd + initrd + defer lines */
#define IST_ENTRY_MAX_OVERLAYS 32   /* devicetree-overlay paths in all */
#define IST_ENTRY_OPTIONS_MAX 4096  /* the joined options, NUL excluded */
#define IST_ENTRY_TEXT_MAX 16384    /* every stored title, path, ... with its NUL */
#define IST_ENTRY_HANDOVER "rdinit=/kernel/handover"

/* `handover-error`: what handover does when a hook fails or an archive
 * breaks the policy. Default: continue (into /init, after reporting). */
enum ist_handover_error { IST_HANDOVER_PANIC, IST_HANDOVER_SHELL, IST_HANDOVER_CONTINUE };
/* `loader-error`: what the loader does when it cannot boot. Default: return. */
enum ist_loader_error { IST_LOADER_RETURN, IST_LOADER_REBOOT, IST_LOADER_SHUTDOWN };
/* `decompress`: whether the loader decompresses archives. Default: auto. */
enum ist_decompress { IST_DECOMPRESS_AUTO, IST_DECOMPRESS_ALWAYS, IST_DECOMPRESS_NEVER };

const char *ist_handover_error_name(enum ist_handover_error v);
const char *ist_loader_error_name(enum ist_loader_error v);
const char *ist_decompress_name(enum ist_decompress v);

/* A path of the entry and the line it came from (for later messages such as
 * "entry.conf:4: /vmlinuz: not found"). `path` is NULL when absent. */
struct ist_entry_path {
	const char *path;
	unsigned line;
};

struct ist_entry_archive {
	const char *path;
	unsigned line;
	enum ist_role role;
	bool has_sha256;                 /* a `sha256` line names this path */
	unsigned sha256_line;
	uint8_t sha256[IST_SHA256_SIZE];
};

/*
 * A parsed entry. Every string is NUL-terminated UTF-8 and points into
 * `text` of the same struct (or is NULL when the key is absent): do not copy
 * the struct with memcpy and use the copy's pointers. The struct is about
 * 24 KiB; the EFI front end should not put it on its stack.
 */
struct ist_entry {
	/* BLS keys, informational: shown, never interpreted. */
	const char *title, *version, *machine_id, *sort_key;
	/* `architecture`, as written (see ist_entry_check_arch). */
	const char *architecture;
	unsigned architecture_line;
	struct ist_entry_path linux_image;   /* `linux`, always set after a parse */
	struct ist_entry_path devicetree;    /* `devicetree` */
	struct ist_entry_path overlay[IST_ENTRY_MAX_OVERLAYS]; /* `devicetree-overlay` */
	unsigned noverlay;
	/* The stack, in unpack order (see the role order above). */
	struct ist_entry_archive archive[IST_ENTRY_MAX_ARCHIVES];
	unsigned narchive;
	unsigned ndeferred;                  /* archives with IST_ROLE_DEFERRED */
	/* `options` lines joined with one space, in order ("" when none). */
	char options[IST_ENTRY_OPTIONS_MAX + 1];
	size_t options_len;
	/* `protect` and `on-clash`, over ist_policy_default(). */
	struct ist_policy policy;
	enum ist_handover_error handover_error;
	enum ist_loader_error loader_error;
	enum ist_decompress decompress;
	unsigned nlines;                     /* lines in the file */
	/* Storage for the strings above. */
	char text[IST_ENTRY_TEXT_MAX];
	size_t text_used;
};

/*
 * Parse the entry file `data` (`len` bytes, any content; it need not be
 * NUL-terminated and is not modified or kept) into `e`. `file` is the name
 * used in messages ("entry.conf:7: unknown key \"initrdd\""); it may be
 * NULL ("entry"). Returns IST_OK, or IST_BAD_DATA with `err` (which may be
 * NULL) saying what and where, `err->offset` being the byte offset of the
 * problem in `data` (of the line start for whole-line problems, `len` for a
 * missing `linux` line). The first problem in file order is reported,
 * except that `sha256` lines are matched to the archives after the whole
 * file is read. On error `e` holds a partial parse and must not be used.
 */
enum ist_status ist_entry_parse(struct ist_entry *e, const char *file, const void *data,
				size_t len, struct ist_error *err);

/*
 * Render the load options the loader gives the kernel into `buf` (`size`
 * bytes, NUL included): the joined `options`, and `rdinit=/kernel/handover`
 * when the entry defers at least one archive and the options set no
 * `rdinit=` (found as the kernel's own parser finds parameters: quotes
 * respected, nothing after a `--` word counts, and the added parameter goes
 * before that `--`, which hands the rest to init). The loader adds no
 * `initrd=` words: it hands the initrd to the kernel only through the
 * LoadFile2 protocol (systemd-boot 252 prepends `initrd=PATH` per initrd for
 * kernels without it; such kernels are not supported). User-written words
 * are kept verbatim. `*len_ret` (may be NULL) receives the length without
 * the NUL; IST_NO_SPACE if it does not fit in `size` (then `*len_ret` is the
 * length needed and `buf` holds nothing useful). An empty result means the
 * kernel gets no load options.
 */
enum ist_status ist_entry_cmdline(const struct ist_entry *e, char *buf, size_t size,
				  size_t *len_ret);

/*
 * Does the kernel command line `s` (`len` bytes) set `rdinit=` before any
 * `--`? Exposed for the front ends and tests.
 */
bool ist_cmdline_has_rdinit(const char *s, size_t len);

/*
 * Check `architecture` against the loader's own EFI architecture name
 * (`x64`, `ia32`, `aa64`, `arm`, `riscv64`, `loongarch64`, ...), compared
 * without regard to ASCII case as the BLS says. IST_OK when the entry names
 * no architecture or the same one; IST_UNSUPPORTED with "FILE:LINE: entry is
 * for aa64, this loader is x64" otherwise (systemd-boot hides such an entry;
 * a loader with one entry can only refuse it).
 */
enum ist_status ist_entry_check_arch(const struct ist_entry *e, const char *file,
				     const char *efi_arch, struct ist_error *err);

/* The index of the archive whose path matches `path` (a leading `/`,
 * repeated separators and `.` components aside), or -1. */
int ist_entry_find_archive(const struct ist_entry *e, const char *path, size_t len);

/*
 * Order two entry names (or versions) as the Boot Loader Specification
 * orders entries without a sort-key: by the UAPI version format, so that
 * "6.1.0-10-amd64" < "6.1.0-9-amd64" is false. Runs of digits compare as
 * numbers, runs of letters bytewise, other characters separate runs; a `~`
 * sorts before anything, even the end ("6.2~rc1" < "6.2"). Negative, zero or
 * positive like memcmp. `a` and `b` are NUL-terminated.
 */
int ist_version_cmp(const char *a, const char *b);

#endif
