/*
 * initstack devicetree edits (dt/): the DTB the loader installs for an
 * entry, made from a base blob, the entry's overlays and the boot facts in
 * /chosen, with libfdt. Shared by initstack.efi (libfdt built from source
 * with the loader's flags) and the host tool (Debian's libfdt), so that
 * `initstack dtb` shows exactly what the loader would install.
 *
 * Like the core, it allocates only through the caller's struct ist_alloc
 * and never touches its inputs; unlike the core it links libfdt.
 */
#ifndef INITSTACK_DT_H
#define INITSTACK_DT_H

#include <initstack/base.h>

/* A devicetree blob and the name messages call it by ("/dtbs/board.dtb"). */
struct ist_dt_blob {
	const void *data;
	size_t len;
	const char *name;
};

/* One archive of the stack as /chosen records it (docs/protocol.md). */
struct ist_dt_archive {
	const char *name;        /* its path on the ESP */
	const char *role;        /* its entry key: "early", "kernel-initrd", "defer", ... */
	uint64_t size;           /* bytes as read from the ESP */
	bool deferred;           /* travels unopened, unpacked by handover */
	const char *sha256;      /* 64 hex digits the loader checked, or NULL */
};

struct ist_dt_chosen {
	const char *entry;       /* the entry file's path on the ESP */
	const struct ist_dt_archive *archive;
	unsigned narchive;
};

/*
 * Check one blob: a devicetree header, a total size within `len`, a
 * structure libfdt can walk; for an overlay (`overlay` true) also at least
 * one fragment with an __overlay__ node. IST_TRUNCATED or IST_BAD_DATA with
 * "NAME: what was wrong" in err.
 */
enum ist_status ist_dt_check(const struct ist_dt_blob *b, bool overlay, struct ist_error *err);

/*
 * The blob to install: `base` with the `n` overlays applied in order and
 * the /chosen properties of `chosen` (if not NULL) set, packed. *out is
 * allocated with `a` (free it with a->free, if any), *out_len its size.
 * Errors name the blob and, for an overlay whose target is missing, the
 * fragment and the target ("a.dtbo: fragment@0: target-path \"/soc/i2c\"
 * not in the base").
 */
enum ist_status ist_dt_build(const struct ist_dt_blob *base, const struct ist_dt_blob *overlay,
			     unsigned n, const struct ist_dt_chosen *chosen,
			     const struct ist_alloc *a, void **out, size_t *out_len,
			     struct ist_error *err);

#endif
