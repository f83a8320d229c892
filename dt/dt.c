/* The DTB for an entry: base, overlays, /chosen (include/initstack/dt.h). */
#include <libfdt.h>

#include <initstack/dt.h>

#define FDT_HEADER_SIZE 40u
/* Room for /chosen and what overlays add besides their own size (phandle
 * fixups, __symbols__ entries); a blob that needs more is rebuilt twice as
 * large, so this only saves rebuilds. */
#define DT_SLACK 8192u
#define DT_MAX_TRIES 6

static const char *blob_name(const struct ist_dt_blob *b)
{
	return b->name ? b->name : "devicetree";
}

static enum ist_status libfdt_fail(struct ist_error *err, const struct ist_dt_blob *b,
				   const char *what, int rc)
{
	return ist_fail(err, rc == -FDT_ERR_TRUNCATED ? IST_TRUNCATED : IST_BAD_DATA, 0,
			"%s: %s: %s", blob_name(b), what, fdt_strerror(rc));
}

/*
 * Count the memory reservations, then walk every tag of the structure
 * block: each in bounds, the root node (named "") first and alone, every
 * property inside a node and its name inside the strings block, nodes balanced, FDT_END last. This is what libfdt's
 * fdt_check_full does, done here with fdt_next_tag because the kernel's
 * copy of libfdt (the loader's) has no fdt_check_full, and Debian's 1.6.1
 * reads address 0 on some headers (see the version check).
 */
static int check_structure(const void *fdt)
{
	/* the memory reservations end inside the blob: fdt_open_into trusts
	 * their count (an error there became a negative memmove size, found
	 * by tests/fuzz/fuzz_dt.c) */
	int nrsv = fdt_num_mem_rsv(fdt);
	if (nrsv < 0)
		return nrsv;
	int depth = 0, offset = 0, next, len;
	bool ended = false; /* the root node has closed: only FDT_END may follow */
	for (;;) {
		uint32_t tag = fdt_next_tag(fdt, offset, &next);
		if (next < 0)
			return next;
		if ((offset == 0 && tag != FDT_BEGIN_NODE) || (ended && tag != FDT_END))
			return -FDT_ERR_BADSTRUCTURE;
		switch (tag) {
		case FDT_BEGIN_NODE:
			/* the root's name is empty; path lookups assume it */
			if (depth++ == 0) {
				const char *name = fdt_get_name(fdt, offset, &len);
				if (!name || len)
					return -FDT_ERR_BADSTRUCTURE;
			}
			break;
		case FDT_END_NODE:
			if (depth-- == 0)
				return -FDT_ERR_BADSTRUCTURE;
			ended = depth == 0;
			break;
		case FDT_PROP: {
			if (depth == 0)
				return -FDT_ERR_BADSTRUCTURE;
			/* with the name: libfdt then checks its offset in the strings */
			const char *pname;
			if (!fdt_getprop_by_offset(fdt, offset, &pname, &len))
				return len;
			break;
		}
		case FDT_END:
			return depth ? -FDT_ERR_TRUNCATED : 0;
		default: /* FDT_NOP */
			break;
		}
		offset = next;
	}
}

enum ist_status ist_dt_check(const struct ist_dt_blob *b, bool overlay, struct ist_error *err)
{
	const char *name = blob_name(b);
	if (b->len < FDT_HEADER_SIZE)
		return ist_fail(err, IST_TRUNCATED, 0,
				"%s: %zu bytes, shorter than a devicetree header (%u)", name, b->len,
				FDT_HEADER_SIZE);
	/* libfdt's header accessors read big-endian, unaligned */
	uint32_t magic = fdt_magic(b->data);
	if (magic != FDT_MAGIC)
		return ist_fail(err, IST_BAD_DATA, 0, "%s: bad magic 0x%08x (a DTB starts with 0x%08x)",
				name, magic, (unsigned)FDT_MAGIC);
	uint32_t total = fdt_totalsize(b->data);
	if (total > b->len)
		return ist_fail(err, IST_TRUNCATED, b->len,
				"%s: truncated: the header says %u bytes, the file has %zu", name,
				total, b->len);
	/* Before 17 the header lacks the struct block's size, and Debian's
	 * libfdt 1.6.1 walks such blobs off their end (fdt_check_full read
	 * address 0 on a version 2 header, found by tests/fuzz/fuzz_dt.c);
	 * dtc and firmware write 17. */
	uint32_t version = fdt_version(b->data);
	uint32_t last_comp = fdt_last_comp_version(b->data);
	if (version < 17 || last_comp > 17)
		return ist_fail(err, IST_UNSUPPORTED, 20,
				"%s: devicetree version %u, compatible with %u: initstack reads version 17 (what dtc writes)",
				name, version, last_comp);
	int rc = fdt_check_header(b->data);
	if (rc)
		return libfdt_fail(err, b, "bad header", rc);
	/* libfdt reads the blocks through struct pointers: dtc aligns them,
	 * and a blob that does not is refused rather than read unaligned */
	if (fdt_off_mem_rsvmap(b->data) % 8 || fdt_off_dt_struct(b->data) % 4)
		return ist_fail(err, IST_BAD_DATA, 0,
				"%s: misaligned blocks (memory reservations at %u, structure at %u; dtc aligns them to 8 and 4)",
				name, fdt_off_mem_rsvmap(b->data), fdt_off_dt_struct(b->data));
	/* the blocks lie inside totalsize: fdt_check_header has just checked */
	if ((rc = check_structure(b->data)))
		return libfdt_fail(err, b, "malformed structure", rc);
	if (!overlay)
		return IST_OK;
	int node;
	fdt_for_each_subnode(node, b->data, 0)
	{
		if (fdt_subnode_offset(b->data, node, "__overlay__") >= 0)
			return IST_OK;
	}
	return ist_fail(err, IST_BAD_DATA, 0,
			"%s: not an overlay: no fragment with an __overlay__ node (dtc -@ of a /plugin/; source makes one)",
			name);
}

/* Is `label` among the base's __symbols__? */
static bool has_symbol(const void *base, const char *label)
{
	int sym = fdt_path_offset(base, "/__symbols__");
	return sym >= 0 && fdt_getprop(base, sym, label, NULL) != NULL;
}

/* The label of __fixups__ that resolves `fragment`'s target, if any: its
 * value lists "/FRAGMENT:target:0". */
static const char *fixup_label(const void *fdto, const char *fragment)
{
	int fix = fdt_path_offset(fdto, "/__fixups__");
	if (fix < 0)
		return NULL;
	size_t fl = strlen(fragment);
	int prop;
	fdt_for_each_property_offset(prop, fdto, fix)
	{
		const char *label;
		if (!fdt_getprop_by_offset(fdto, prop, &label, NULL))
			continue;
		int count = fdt_stringlist_count(fdto, fix, label);
		for (int i = 0; i < count; i++) {
			const char *v = fdt_stringlist_get(fdto, fix, label, i, NULL);
			/* "/" FRAGMENT ":target:" ... */
			if (v && v[0] == '/' && !strncmp(v + 1, fragment, fl) &&
			    !strncmp(v + 1 + fl, ":target:", 8))
				return label;
		}
	}
	return NULL;
}

/*
 * Why overlay `ov` does not apply to `base` (both as given, unmodified):
 * the first fragment whose target is missing, or libfdt's word `rc`.
 */
static enum ist_status overlay_fail(const void *base, const struct ist_dt_blob *ov, int rc,
				    struct ist_error *err)
{
	const void *fdto = ov->data;
	const char *name = blob_name(ov);
	int node;
	fdt_for_each_subnode(node, fdto, 0)
	{
		if (fdt_subnode_offset(fdto, node, "__overlay__") < 0)
			continue;
		const char *frag = fdt_get_name(fdto, node, NULL);
		const char *path = fdt_getprop(fdto, node, "target-path", NULL);
		if (path) {
			if (fdt_path_offset(base, path) < 0)
				return ist_fail(err, IST_BAD_DATA, 0,
						"%s: %s: target-path \"%s\" not in the base", name,
						frag, path);
			continue;
		}
		const char *label = fixup_label(fdto, frag);
		if (label) {
			if (fdt_path_offset(base, "/__symbols__") < 0)
				return ist_fail(err, IST_BAD_DATA, 0,
						"%s: %s: target &%s: the base has no __symbols__ (compile it with dtc -@)",
						name, frag, label);
			if (!has_symbol(base, label))
				return ist_fail(err, IST_BAD_DATA, 0,
						"%s: %s: target &%s: no such label in the base",
						name, frag, label);
			continue;
		}
		int len;
		const void *t = fdt_getprop(fdto, node, "target", &len);
		if (!t || len != 4)
			return ist_fail(err, IST_BAD_DATA, 0,
					"%s: %s: no target, target-path or fixup", name, frag);
		if (fdt_node_offset_by_phandle(base, fdt32_ld(t)) < 0)
			return ist_fail(err, IST_BAD_DATA, 0,
					"%s: %s: target phandle 0x%x not in the base", name, frag,
					fdt32_ld(t));
	}
	return ist_fail(err, IST_BAD_DATA, 0, "%s: cannot be applied: %s", name, fdt_strerror(rc));
}

enum field { NAMES, ROLES, DIGESTS, DEFERRED };

/* A string-list property of /chosen: one string per archive (DEFERRED: the
 * names of the deferred ones only). An empty list is an empty property. */
static int set_strings(void *fdt, int node, const char *prop, const struct ist_dt_chosen *c,
		       enum field f)
{
	int rc = fdt_setprop_empty(fdt, node, prop);
	for (unsigned i = 0; !rc && i < c->narchive; i++) {
		const struct ist_dt_archive *a = &c->archive[i];
		if (f == DEFERRED && !a->deferred)
			continue;
		const char *s = f == ROLES ? a->role : f == DIGESTS ? a->sha256 : a->name;
		rc = fdt_appendprop_string(fdt, node, prop, s ? s : "");
	}
	return rc;
}

static int set_chosen(void *fdt, const struct ist_dt_chosen *c, const struct ist_dt_blob *ov,
		      unsigned n)
{
	int node = fdt_path_offset(fdt, "/chosen");
	if (node == -FDT_ERR_NOTFOUND)
		node = fdt_add_subnode(fdt, 0, "chosen");
	if (node < 0)
		return node;
	int rc = fdt_setprop_string(fdt, node, "initstack,entry", c->entry ? c->entry : "");
	if (!rc)
		rc = set_strings(fdt, node, "initstack,archives", c, NAMES);
	if (!rc)
		rc = set_strings(fdt, node, "initstack,roles", c, ROLES);
	if (!rc)
		rc = fdt_setprop_empty(fdt, node, "initstack,sizes");
	for (unsigned i = 0; !rc && i < c->narchive; i++)
		rc = fdt_appendprop_u64(fdt, node, "initstack,sizes", c->archive[i].size);
	if (!rc)
		rc = set_strings(fdt, node, "initstack,sha256", c, DIGESTS);
	if (!rc)
		rc = set_strings(fdt, node, "initstack,deferred", c, DEFERRED);
	if (!rc)
		rc = fdt_setprop_empty(fdt, node, "initstack,overlays");
	for (unsigned i = 0; !rc && i < n; i++)
		rc = fdt_appendprop_string(fdt, node, "initstack,overlays", blob_name(&ov[i]));
	return rc;
}

static void release(const struct ist_alloc *a, void *p)
{
	if (p && a->free)
		a->free(a->user, p);
}

/* One attempt at `cap` bytes: 0, -FDT_ERR_NOSPACE (try larger), or an
 * error already recorded in err (returned as 1). */
static int build_into(void *buf, size_t cap, void *scratch, const struct ist_dt_blob *base,
		      const struct ist_dt_blob *ov, unsigned n, const struct ist_dt_chosen *chosen,
		      struct ist_error *err)
{
	int rc = fdt_open_into(base->data, buf, (int)cap);
	if (rc == -FDT_ERR_NOSPACE)
		return rc;
	if (rc) {
		libfdt_fail(err, base, "cannot open", rc);
		return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		/* fdt_overlay_apply consumes the overlay: a fresh copy each time,
		 * and room in it for the phandles it renumbers */
		size_t olen = ov[i].len;
		if ((rc = fdt_open_into(ov[i].data, scratch, (int)(olen + DT_SLACK)))) {
			libfdt_fail(err, &ov[i], "cannot open", rc);
			return 1;
		}
		rc = fdt_overlay_apply(buf, scratch);
		if (rc == -FDT_ERR_NOSPACE)
			return rc;
		if (rc) {
			overlay_fail(base->data, &ov[i], rc, err);
			return 1;
		}
	}
	if (chosen && (rc = set_chosen(buf, chosen, ov, n))) {
		if (rc == -FDT_ERR_NOSPACE)
			return rc;
		libfdt_fail(err, base, "cannot set /chosen", rc);
		return 1;
	}
	return fdt_pack(buf);
}

enum ist_status ist_dt_build(const struct ist_dt_blob *base, const struct ist_dt_blob *overlay,
			     unsigned n, const struct ist_dt_chosen *chosen,
			     const struct ist_alloc *a, void **out, size_t *out_len,
			     struct ist_error *err)
{
	*out = NULL;
	*out_len = 0;
	enum ist_status st = ist_dt_check(base, false, err);
	size_t cap = base->len + DT_SLACK, omax = 0;
	for (unsigned i = 0; !st && i < n; i++) {
		st = ist_dt_check(&overlay[i], true, err);
		cap += overlay[i].len;
		if (overlay[i].len > omax)
			omax = overlay[i].len;
	}
	if (st)
		return st;
	if (chosen)
		for (unsigned i = 0; i < chosen->narchive; i++)
			cap += 256; /* name, role, size, digest and their share of strings */
	void *scratch = a->alloc(a->user, omax + DT_SLACK);
	if (!scratch)
		return ist_fail(err, IST_NO_MEMORY, 0, "devicetree: no memory for %zu bytes",
				omax + DT_SLACK);
	for (int tries = 0; tries < DT_MAX_TRIES; tries++, cap *= 2) {
		if (cap > 0x7fffffff)
			break;
		void *buf = a->alloc(a->user, cap);
		if (!buf) {
			release(a, scratch);
			return ist_fail(err, IST_NO_MEMORY, 0, "devicetree: no memory for %zu bytes",
					cap);
		}
		int rc = build_into(buf, cap, scratch, base, overlay, n, chosen, err);
		if (rc == 0) {
			release(a, scratch);
			*out = buf;
			*out_len = fdt_totalsize(buf);
			return IST_OK;
		}
		release(a, buf);
		if (rc != -FDT_ERR_NOSPACE) {
			release(a, scratch);
			return err ? err->status : IST_BAD_DATA;
		}
	}
	release(a, scratch);
	return ist_fail(err, IST_LIMIT, 0, "%s: the devicetree would outgrow %zu bytes",
			blob_name(base), cap);
}
