/*
 * The deferred-archive manifest (docs/protocol.md, "The manifest"), parsed
 * strictly: a consumer that accepts more than the protocol says would let a
 * second producer drift from it.
 *
 * Accepted: ASCII text; every line, the last included, ends in "\n"; fields
 * are separated by exactly one space, with none leading or trailing; the
 * first line is "initstack-manifest 1"; then, in any order, `protect`
 * (repeats), `on-clash` (at most once), `handover-error` (at most once) and
 * `deferred` (repeats, in unpack order). Anything else — an empty line, a
 * CR, a tab, a NUL, a non-ASCII byte, an unknown record, a missing or extra
 * field, a prefix that is not already normalised, a repeated prefix or file
 * name, a size with a sign or a leading zero, a digest that is not 64
 * lower-case hex digits — is an error naming the line.
 *
 * Defaults for absent records: nothing protected, `on-clash warn`,
 * `handover-error continue` (what the boot entry defaults to).
 */
#ifndef INITSTACK_HANDOVER_MANIFEST_H
#define INITSTACK_HANDOVER_MANIFEST_H

#include <initstack/archive.h>
#include <initstack/entry.h>
#include <initstack/sha256.h>
#include <initstack/tree.h>

#define HO_MANIFEST_VERSION 1
#define HO_MANIFEST_MAX 65536     /* bytes in a manifest */
#define HO_MAX_DEFERRED 64        /* deferred lines */
#define HO_NAME_MAX 255           /* bytes in a deferred file name */

struct ho_deferred {
	char name[HO_NAME_MAX + 1];       /* NN-NAME: no '/', not "." or ".." */
	uint64_t size;                    /* at most 4 GiB - 1 (a newc member) */
	uint8_t sha256[IST_SHA256_SIZE];
	enum ist_compression comp;        /* IST_COMP_NONE for "cpio" */
	unsigned line;                    /* where it was declared */
};

struct ho_manifest {
	struct ist_policy policy;         /* protect + on-clash over the defaults */
	enum ist_handover_error on_error; /* handover-error */
	struct ho_deferred deferred[HO_MAX_DEFERRED];
	unsigned ndeferred;
	unsigned nlines;
};

/*
 * Parse `len` bytes of `text` (need not be NUL-terminated; not kept) into
 * `m`. Returns 0, or -1 with one line in `err` (`errsize` bytes, always
 * NUL-terminated): "LABEL:LINE: what is wrong" (LABEL is the file name to
 * show, e.g. "/.initstack/manifest"). On error `m` holds what was parsed
 * before the bad line and must not be used.
 */
int ho_manifest_parse(struct ho_manifest *m, const char *label, const char *text, size_t len,
		      char *err, size_t errsize);

#endif
