/*
 * The stack in the loader: validation through the core's archive reader
 * and tree model, and the layout of the initrd the kernel receives.
 */
#include <initstack/archive.h>
#include <initstack/cpio.h>
#include <initstack/format.h>
#include <initstack/sha256.h>
#include <initstack/inflate_split.h>
#include <initstack/tree.h>

#include "../decoders/kernel/kernel_decoders.h"
#include "../decoders/loader_decoders.h"
#include "clock.h"
#include "gunzip_read.h"
#include "mp.h"
#include "stack.h"

#define SCRATCH (256u << 10)
#define GENERATED_BASE (64u << 10)

struct check {
	const struct ist_entry *e;
	struct ist_tree *tree;
	unsigned index;
};

static int on_event(void *user, const struct ist_event *ev)
{
	struct check *c = user;
	if (ev->action == IST_ACT_ALLOW)
		return 0;
	const char *path = c->e->archive[ev->archive].path;
	if (ev->seg && ev->seg->kind == IST_SEG_COMPRESSED)
		say("initstack: %s: %s: %s member at offset %llu, decoded offset %llu: \"%s\": %s: %s",
		    ist_action_name(ev->action), path, ist_compression_name(ev->seg->comp),
		    (unsigned long long)ev->seg->offset, (unsigned long long)ev->offset, ev->name,
		    ist_event_class_name(ev->cls), ev->detail);
	else
		say("initstack: %s: %s: offset %llu: \"%s\": %s: %s", ist_action_name(ev->action), path,
		    (unsigned long long)ev->offset, ev->name, ist_event_class_name(ev->cls), ev->detail);
	return 0;
}

static int t_entry(void *u, const struct ist_segment *s, const struct ist_cpio_entry *e)
{
	return (int)ist_tree_entry(((struct check *)u)->tree, s, e);
}

static int t_data(void *u, const uint8_t *p, size_t n)
{
	return (int)ist_tree_data(((struct check *)u)->tree, p, n);
}

static int t_end(void *u, const struct ist_cpio_entry *e)
{
	return (int)ist_tree_entry_end(((struct check *)u)->tree, e);
}

static EFI_STATUS validate(struct efi_stack *st, const struct ist_entry *e, const struct pages *files,
			   struct ist_error *err)
{
	struct check c = { .e = e };
	struct ist_tree_config cfg;
	ist_tree_config_default(&cfg);
	cfg.policy = e->policy;
	cfg.no_digests = true;
	cfg.event = on_event;
	cfg.user = &c;
	if (ist_tree_new(&c.tree, &efi_alloc, &cfg, err))
		return EFI_OUT_OF_RESOURCES;
	static const struct ist_archive_ops ops = { t_entry, t_data, t_end, NULL, NULL };
	struct ist_archive_ops o = ops;
	o.user = &c;
	struct ist_archive *a = NULL;
	EFI_STATUS s = EFI_SUCCESS;
	if (!(a = pool_get(sizeof *a))) {
		ist_tree_free(c.tree);
		ist_fail(err, IST_NO_MEMORY, 0, "out of memory for validation");
		return EFI_OUT_OF_RESOURCES;
	}
	for (unsigned i = 0; i < e->narchive && !EFI_ERROR(s); i++) {
		const struct ist_entry_archive *ea = &e->archive[i];
		if (ea->role == IST_ROLE_DEFERRED)
			continue; /* handover checks these, under the same policy */
		c.index = i;
		ist_archive_init(a, &o, ist_loader_decoder_open, NULL, pages_ptr(&st->scratch), SCRATCH);
		ist_tree_begin(c.tree, i, ea->role);
		/* the whole file is in memory: the kernel decoders need it so */
		enum ist_status r = ist_archive_feed_whole(a, pages_ptr(&files[i]), files[i].size);
		st->open_end[i] = !r && ist_archive_open_end(a);
		ist_tree_end(c.tree);
		ist_archive_release(a);
		if (r) {
			const struct ist_error *te = ist_tree_error(c.tree);
			ist_fail(err, r, a->err.offset, "%s: %s", ea->path, te->status ? te->msg : a->err.msg);
			s = EFI_LOAD_ERROR;
		}
	}
	unsigned errors = ist_tree_count(c.tree, IST_ACT_ERROR);
	if (!EFI_ERROR(s) && errors) {
		ist_fail(err, IST_POLICY, 0, "the stack breaks the policy (%u error%s above)", errors,
			 errors == 1 ? "" : "s");
		s = EFI_SECURITY_VIOLATION;
	}
	pool_put(a);
	ist_tree_free(c.tree);
	return s;
}

/* ---- the /.initstack/ wrapper for deferred archives ------------------ */

struct gen {
	uint8_t *buf;
	size_t size, len;
	size_t mark;   /* start of the part being generated */
	bool skip;     /* the archive's own bytes: counted, not copied */
	struct initrd *ir;
};

static int gen_sink(void *user, const void *p, size_t n)
{
	struct gen *g = user;
	if (g->skip)
		return 0;
	if (g->len + n > g->size)
		return IST_NO_SPACE;
	copy_mem(g->buf + g->len, p, n);
	g->len += n;
	return 0;
}

static const char *base_name(const char *p)
{
	const char *b = p;
	for (; *p; p++)
		if (*p == '/')
			b = p + 1;
	return b;
}

static bool cut_part(struct gen *g)
{
	bool ok = g->len == g->mark || initrd_add(g->ir, g->buf + g->mark, g->len - g->mark);
	g->mark = g->len;
	return ok;
}

static EFI_STATUS wrap_deferred(struct efi_stack *st, const struct ist_entry *e,
				const struct pages *files, struct initrd *ir, struct ist_error *err)
{
	UINTN size = GENERATED_BASE + e->ndeferred * 1024;
	if (EFI_ERROR(pages_alloc(&st->generated, size))) {
		ist_fail(err, IST_NO_MEMORY, 0, "out of memory for the deferred archives' headers");
		return EFI_OUT_OF_RESOURCES;
	}
	struct gen g = { .buf = pages_ptr(&st->generated), .size = size, .ir = ir };
	/* The manifest first, in the same buffer, then the archive. */
	char *man = (char *)g.buf;
	size_t ml = ist_format(man, 4096, "initstack-manifest 1\n");
	for (unsigned k = 0; k < e->policy.nprotect; k++)
		ml += ist_format(man + ml, 4096, "protect %s\n", e->policy.protect[k]);
	ml += ist_format(man + ml, 4096, "on-clash %s\nhandover-error %s\n",
			 ist_action_name(e->policy.action[IST_EV_TYPE_CHANGE]),
			 ist_handover_error_name(e->handover_error));
	unsigned n = 0;
	for (unsigned i = 0; i < e->narchive; i++) {
		if (e->archive[i].role != IST_ROLE_DEFERRED)
			continue;
		uint8_t d[IST_SHA256_SIZE];
		char hex[IST_SHA256_HEX];
		ist_sha256(pages_ptr(&files[i]), files[i].size, d);
		enum ist_compression c = ist_compression_detect(pages_ptr(&files[i]), files[i].size);
		ml += ist_format(man + ml, 4096 * 4 - ml, "deferred %02u-%s %llu %s %s\n", ++n,
				 base_name(e->archive[i].path), (unsigned long long)files[i].size,
				 ist_sha256_hex(d, hex), ist_compression_name(c));
	}
	g.len = g.mark = (ml + 3) & ~(size_t)3;
	struct ist_cpio_writer w;
	ist_cpio_writer_init(&w, gen_sink, &g);
	struct ist_cpio_entry dir = { .mode = IST_S_IFDIR | 0700, .nlink = 2, .name = ".initstack", .namelen = 10 };
	struct ist_cpio_entry ddir = { .mode = IST_S_IFDIR | 0700, .nlink = 2, .name = ".initstack/deferred", .namelen = 19 };
	struct ist_cpio_entry mf = { .mode = IST_S_IFREG | 0400, .nlink = 1, .filesize = (uint32_t)ml,
				     .name = ".initstack/manifest", .namelen = 19 };
	if (ist_cpio_write_entry(&w, &dir) || ist_cpio_write_entry(&w, &ddir) ||
	    ist_cpio_write_entry(&w, &mf) || ist_cpio_write_data(&w, man, ml))
		goto fail;
	n = 0;
	for (unsigned i = 0; i < e->narchive; i++) {
		if (e->archive[i].role != IST_ROLE_DEFERRED)
			continue;
		if (files[i].size > 0xffffffffu) {
			ist_fail(err, IST_LIMIT, 0, "%s: over 4 GiB, too large for a newc member",
				 e->archive[i].path);
			return EFI_BAD_BUFFER_SIZE;
		}
		char name[300];
		size_t nl = ist_format(name, sizeof name, ".initstack/deferred/%02u-%s", ++n,
				       base_name(e->archive[i].path));
		struct ist_cpio_entry f = { .mode = IST_S_IFREG | 0400, .nlink = 1,
					    .filesize = (uint32_t)files[i].size, .name = name, .namelen = nl };
		if (ist_cpio_write_entry(&w, &f) || !cut_part(&g))
			goto fail;
		/* The archive's bytes travel as their own part; the initrd pads
		 * them to 4 bytes, which is where the writer's padding goes. */
		g.skip = true;
		enum ist_status r = ist_cpio_write_data(&w, pages_ptr(&files[i]), files[i].size);
		g.skip = false;
		if (r || !initrd_add(ir, pages_ptr(&files[i]), files[i].size))
			goto fail;
	}
	if (ist_cpio_write_trailer(&w) || !cut_part(&g))
		goto fail;
	return EFI_SUCCESS;
fail:
	ist_fail(err, IST_LIMIT, 0, "cannot lay out the deferred archives: %s",
		 w.err.msg[0] ? w.err.msg : "too many parts");
	return EFI_BAD_BUFFER_SIZE;
}

/* ---- decompression on the hot path ---------------------------------- */

/* The second core's decoder and scratch (see initstack/inflate_split.h). */
struct tail {
	struct ist_inflate_tail t;
	struct pages buf, probe;
};

#define TAIL_PROBE (8u << 20)

/* For a region of `cap` bytes; false, holding nothing, when memory is short. */
static bool tail_alloc(struct tail *tl, UINTN cap)
{
	*tl = (struct tail){ 0 };
	if (!(tl->t.s = pool_get(sizeof *tl->t.s)))
		return false;
	if (cap > (UINTN)-1 - IST_INFLATE_HISTORY ||
	    EFI_ERROR(pages_alloc(&tl->buf, cap + IST_INFLATE_HISTORY)) ||
	    EFI_ERROR(pages_alloc(&tl->probe, TAIL_PROBE))) {
		pages_free(&tl->buf);
		pool_put(tl->t.s);
		tl->t.s = NULL;
		return false;
	}
	tl->t.buf = pages_ptr(&tl->buf);
	tl->t.buf_size = tl->buf.size;
	tl->t.probe = pages_ptr(&tl->probe);
	tl->t.probe_size = tl->probe.size;
	return true;
}

static void tail_free(struct tail *tl)
{
	pages_free(&tl->buf);
	pages_free(&tl->probe);
	if (tl->t.s)
		pool_put(tl->t.s);
	tl->t.s = NULL;
}

/*
 * Decode an archive's leading gzip members straight into one region (our
 * inflate's contiguous mode: the region is also the history), then copy
 * what follows them as it is. EFI_OUT_OF_RESOURCES when it does not fit.
 * A large archive's first pass decodes the stream's second half on another
 * core where the firmware has one and memory allows; *two_cores_ret says
 * whether that half was used.
 */
static EFI_STATUS gunzip(const struct pages *in, struct pages *out, const char *path,
			 bool *two_cores_ret, struct ist_error *err)
{
	*two_cores_ret = false;
	struct ist_inflate *s = NULL;
	if (!(s = pool_get(sizeof *s)))
		return EFI_OUT_OF_RESOURCES;
	const uint8_t *src = pages_ptr(in);
	UINTN tail = gzip_tail_size(in->size);
	UINTN cap = gzip_output_guess(src + in->size - tail, tail, in->size);
	EFI_STATUS es = pages_alloc(out, cap);
	enum ist_status st = IST_OK;
	size_t used = 0, total = 0;
	if (!EFI_ERROR(es)) {
		struct efi_mp mp = { 0 };
		struct ist_inflate_helper helper;
		struct tail tl;
		bool split = in->size >= IST_INFLATE_SPLIT_MIN && efi_mp_init(&mp, &helper) &&
			     tail_alloc(&tl, cap);
		ist_inflate_init(s, IST_INFLATE_GZIP, IST_INFLATE_CONCAT);
		ist_inflate_set_output(s, pages_ptr(out), cap);
		for (;;) {
			size_t u = 0;
			if (split) {
				/* the first pass only; NO_SPACE rounds go on alone */
				st = ist_inflate_run_split(s, &tl.t, &helper, src, in->size, &u, err);
				*two_cores_ret = tl.t.joined;
				if (!tl.t.abandoned) /* else the AP may still write to it */
					tail_free(&tl);
				split = false;
			} else {
				st = ist_inflate_run(s, src + used, in->size - used, true, &u, err);
			}
			used += u;
			if (st != IST_NO_SPACE)
				break;
			size_t have = ist_inflate_output_size(s);
			cap = 2 * cap;
			es = pages_grow(out, cap, have);
			if (EFI_ERROR(es))
				break;
			ist_inflate_set_output(s, pages_ptr(out), cap);
		}
		total = ist_inflate_output_size(s);
		if (mp.failed)
			say("initstack: %s: decoded on 1 core: MP services: %s returned status %u",
			    path, mp.failed, (unsigned)(mp.status & 0xffff));
	}
	pool_put(s);
	if (EFI_ERROR(es)) {
		pages_free(out);
		return EFI_OUT_OF_RESOURCES;
	}
	if (st) {
		struct ist_error inner = *err;
		ist_fail(err, st, inner.offset, "%s: gzip: %s", path, inner.msg);
		pages_free(out);
		return EFI_LOAD_ERROR;
	}
	UINTN rest = in->size - used;
	if (total + rest > cap) {
		es = pages_grow(out, total + rest, total);
		if (EFI_ERROR(es))
			return EFI_OUT_OF_RESOURCES;
	}
	copy_mem((uint8_t *)pages_ptr(out) + total, src + used, rest);
	out->size = total + rest;
	return EFI_SUCCESS;
}

/* The kernel decoders' flush into a growing region. */
struct region {
	struct pages *out;
	UINTN len;
	EFI_STATUS es;
};

static int region_flush(void *user, const uint8_t *p, size_t n)
{
	struct region *r = user;
	r->es = pages_room(r->out, r->len, n);
	if (EFI_ERROR(r->es))
		return 1;
	copy_mem((uint8_t *)pages_ptr(r->out) + r->len, p, n);
	r->len += n;
	return 0;
}

/*
 * `decompress always` for the formats the kernel decoders read: the
 * archive's leading member decoded by the kernel's own decompressor into
 * one region, what follows it copied as it is (as gunzip does).
 */
static EFI_STATUS kdecode(enum ist_compression c, const struct pages *in, struct pages *out,
			  const char *path, struct ist_error *err)
{
	const uint8_t *src = pages_ptr(in);
	struct region r = { out, 0, EFI_SUCCESS };
	size_t used = 0;
	enum ist_status st = IST_NO_MEMORY;
	if (!EFI_ERROR(pages_alloc(out, 4 * in->size + 4096)))
		st = ist_kernel_decompress(c, src, in->size, &used, region_flush, &r, err);
	if (st == IST_NO_MEMORY || EFI_ERROR(r.es))
		goto no_memory;
	if (st) {
		struct ist_error inner = *err;
		ist_fail(err, st, 0, "%s: %s member at offset 0: %s", path, ist_compression_name(c),
			 inner.msg);
		pages_free(out);
		return EFI_LOAD_ERROR;
	}
	UINTN rest = in->size - used;
	if (rest > out->size - r.len && EFI_ERROR(pages_grow(out, r.len + rest, r.len)))
		goto no_memory;
	copy_mem((uint8_t *)pages_ptr(out) + r.len, src + used, rest);
	out->size = r.len + rest;
	return EFI_SUCCESS;
no_memory:
	ist_fail(err, IST_NO_MEMORY, 0, "%s: not enough memory to decompress it (decompress always)",
		 path);
	pages_free(out);
	return EFI_OUT_OF_RESOURCES;
}

bool efi_stack_decodes_on_one_core(const struct ist_entry *e, unsigned i, UINT64 size,
				   bool two_cores)
{
	enum ist_role role = e->archive[i].role;
	return e->decompress != IST_DECOMPRESS_NEVER && role != IST_ROLE_EARLY &&
	       role != IST_ROLE_DEFERRED && size >= 18 &&
	       !(two_cores && size >= IST_INFLATE_SPLIT_MIN);
}

/* A decoded archive's compressed file is freed: the kernel gets the copy. */
static EFI_STATUS decompress(struct efi_stack *st, const struct ist_entry *e,
			     struct pages *files, struct ist_error *err)
{
	if (e->decompress == IST_DECOMPRESS_NEVER)
		return EFI_SUCCESS;
	for (unsigned i = 0; i < e->narchive; i++) {
		if (st->decoded[i].npages)
			continue; /* decoded as it was read */
		const uint8_t *p = pages_ptr(&files[i]);
		/* early archives stay untouched; deferred ones stay small until
		 * handover decodes them (it is as fast, and the rootfs holds them) */
		if (e->archive[i].role == IST_ROLE_EARLY || e->archive[i].role == IST_ROLE_DEFERRED ||
		    files[i].size < 18)
			continue;
		enum ist_compression c = ist_compression_detect(p, files[i].size);
		/* The other formats only when asked: the kernel decodes them with
		 * the same code, so here it would only add a copy (docs/entry.md). */
		if (c != IST_COMP_GZIP && c != IST_COMP_NONE && e->decompress == IST_DECOMPRESS_ALWAYS &&
		    ist_kernel_decoder_supported(c)) {
			EFI_STATUS s = kdecode(c, &files[i], &st->decoded[i], e->archive[i].path, err);
			if (EFI_ERROR(s))
				return s;
			say("initstack: %s: %s, %llu bytes decompressed to %llu", e->archive[i].path,
			    ist_compression_name(c), (unsigned long long)files[i].size,
			    (unsigned long long)st->decoded[i].size);
			pages_free(&files[i]);
			continue;
		}
		if (p[0] != 0x1f || p[1] != 0x8b)
			continue;
		bool two_cores;
		EFI_STATUS s = gunzip(&files[i], &st->decoded[i], e->archive[i].path, &two_cores, err);
		if (s == EFI_OUT_OF_RESOURCES && e->decompress == IST_DECOMPRESS_AUTO) {
			say("initstack: %s: not enough memory to decompress it; passed on compressed",
			    e->archive[i].path);
			continue;
		}
		if (s == EFI_OUT_OF_RESOURCES)
			ist_fail(err, IST_NO_MEMORY, 0, "%s: not enough memory to decompress it (decompress always)",
				 e->archive[i].path);
		if (EFI_ERROR(s))
			return s;
		say("initstack: %s: gzip, %llu bytes decompressed to %llu", e->archive[i].path,
		    (unsigned long long)files[i].size, (unsigned long long)st->decoded[i].size);
		if (two_cores)
			say("initstack: %s: decoded on 2 cores", e->archive[i].path);
		pages_free(&files[i]);
	}
	return EFI_SUCCESS;
}

EFI_STATUS efi_stack_build(struct efi_stack *st, const struct ist_entry *e,
			   struct pages *loaded, struct initrd *ir, struct ist_error *err)
{
	EFI_STATUS s = decompress(st, e, loaded, err);
	if (EFI_ERROR(s))
		return s;
	st->decoded_ms = clock_ms();
	/* what the kernel gets: the decoded copy where there is one */
	struct pages files[IST_ENTRY_MAX_ARCHIVES];
	for (unsigned i = 0; i < e->narchive; i++)
		files[i] = st->decoded[i].npages ? st->decoded[i] : loaded[i];
	if (EFI_ERROR(pages_alloc(&st->scratch, SCRATCH))) {
		ist_fail(err, IST_NO_MEMORY, 0, "out of memory for validation");
		return EFI_OUT_OF_RESOURCES;
	}
	s = validate(st, e, files, err);
	if (EFI_ERROR(s))
		return s;
	st->validated_ms = clock_ms();
	/* a zero lz4 chunk size: see ist_archive_open_end */
	static const UINT8 lz4_end[4];
	unsigned last = e->narchive;
	for (unsigned i = 0; i < e->narchive; i++)
		if (e->archive[i].role != IST_ROLE_DEFERRED)
			last = i;
	for (unsigned i = 0; i < e->narchive; i++) {
		if (e->archive[i].role == IST_ROLE_DEFERRED)
			continue;
		bool more = i != last || e->ndeferred;
		if (!initrd_add(ir, pages_ptr(&files[i]), files[i].size) ||
		    (more && st->open_end[i] && !initrd_add(ir, lz4_end, sizeof lz4_end))) {
			ist_fail(err, IST_LIMIT, 0, "too many initrd parts");
			return EFI_BAD_BUFFER_SIZE;
		}
		if (more && st->open_end[i])
			say("initstack: %s: its legacy lz4 stream runs to the end of the file: 4 NUL bytes end it there (the kernel would decode the next part as lz4 chunks)",
			    e->archive[i].path);
	}
	if (e->ndeferred)
		return wrap_deferred(st, e, files, ir, err);
	return EFI_SUCCESS;
}

void efi_stack_free(struct efi_stack *st)
{
	for (unsigned i = 0; i < IST_ENTRY_MAX_ARCHIVES; i++)
		pages_free(&st->decoded[i]);
	pages_free(&st->scratch);
	pages_free(&st->generated);
}
