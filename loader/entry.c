/*
 * The boot entry parser (see include/initstack/entry.h and docs/entry.md).
 *
 * Two passes over the caller's bytes, which are never modified: the first
 * validates every line and fills the struct; the second matches the `sha256`
 * lines (already checked for form in the first) to the archives, which may
 * be listed after them.
 */
#include <initstack/entry.h>
#include <initstack/format.h>

#include "shim.h"

/* Longest excerpt of a value quoted in a message (the record holds 240). */
#define QUOTE_MAX 48

enum key {
	K_TITLE, K_VERSION, K_MACHINE_ID, K_SORT_KEY, K_LINUX, K_EFI, K_DEVICETREE,
	K_ARCHITECTURE, K_ON_CLASH, K_HANDOVER_ERROR, K_LOADER_ERROR, K_DECOMPRESS,
	K_SINGLE_COUNT, /* keys above may appear once */
	K_INITRD = K_SINGLE_COUNT, K_EARLY, K_KERNEL_INITRD, K_DEFER, K_OPTIONS,
	K_OVERLAY, K_PROTECT, K_SHA256,
	K_COUNT
};

/* Tables are char arrays, not pointer arrays: pure .rodata, even in PIE. */
static const char key_names[K_COUNT][20] = {
	[K_TITLE] = "title", [K_VERSION] = "version", [K_MACHINE_ID] = "machine-id",
	[K_SORT_KEY] = "sort-key", [K_LINUX] = "linux", [K_EFI] = "efi",
	[K_DEVICETREE] = "devicetree", [K_ARCHITECTURE] = "architecture",
	[K_ON_CLASH] = "on-clash", [K_HANDOVER_ERROR] = "handover-error",
	[K_LOADER_ERROR] = "loader-error", [K_DECOMPRESS] = "decompress",
	[K_INITRD] = "initrd", [K_EARLY] = "early", [K_KERNEL_INITRD] = "kernel-initrd",
	[K_DEFER] = "defer", [K_OPTIONS] = "options", [K_OVERLAY] = "devicetree-overlay",
	[K_PROTECT] = "protect", [K_SHA256] = "sha256",
};

/* The archive keys in role order (enum ist_role order). */
static const char role_keys[][16] = { "early", "kernel-initrd", "initrd", "defer" };

static const char handover_names[3][10] = { "panic", "shell", "continue" };
static const char loader_names[3][10] = { "return", "reboot", "shutdown" };
static const char decompress_names[3][10] = { "auto", "always", "never" };

const char *ist_handover_error_name(enum ist_handover_error v)
{
	return (unsigned)v < IST_ARRAY_SIZE(handover_names) ? handover_names[v] : "unknown";
}

const char *ist_loader_error_name(enum ist_loader_error v)
{
	return (unsigned)v < IST_ARRAY_SIZE(loader_names) ? loader_names[v] : "unknown";
}

const char *ist_decompress_name(enum ist_decompress v)
{
	return (unsigned)v < IST_ARRAY_SIZE(decompress_names) ? decompress_names[v] : "unknown";
}

/* One line of the file: its content without the line end. */
struct line {
	const char *p;
	size_t len;
	size_t off;     /* of p in the data */
	unsigned no;    /* 1-based */
};

struct parser {
	struct ist_entry *e;
	const char *file;
	const char *data;
	size_t len, pos;
	unsigned lineno;
	struct ist_error *err;
	unsigned seen[K_SINGLE_COUNT];  /* line of each single key, 0: not yet */
	bool protect_set;
	unsigned last_options_line;
	size_t last_options_offset;
};

static bool eq(const char *s, size_t n, const char *lit)
{
	size_t k = ist_strlen(lit);
	return k == n && !memcmp(s, lit, k);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a' + 10);
	return (unsigned)(c - 'A' + 10);
}

/*
 * A value quoted in a message: at most QUOTE_MAX bytes, cut at a character
 * boundary and marked "...", copied out and NUL-terminated. (The values are
 * slices of the caller's bytes, which need not be NUL-terminated, and
 * ist_format reads a %.*s string one byte past its precision.)
 */
struct quote {
	char s[QUOTE_MAX + 4];
};

static const char *quote(struct quote *q, const char *v, size_t n)
{
	size_t k = n;
	if (n > QUOTE_MAX) {
		k = QUOTE_MAX;
		while (k && ((uint8_t)v[k] & 0xc0) == 0x80)
			k--;
	}
	memcpy(q->s, v, k);
	if (k < n) {
		memcpy(q->s + k, "...", 3);
		k += 3;
	}
	q->s[k] = '\0';
	return q->s;
}

/*
 * An error at line `no` of the file ("FILE:NO: message"), or about the whole
 * file when `no` is 0 ("FILE: message"). printf-like, through ist_format.
 */
static enum ist_status fail_at(struct parser *ps, unsigned no, size_t off, const char *fmt, ...)
{
	char msg[IST_ERROR_MSG];
	ist_va_list ap;
	ist_va_start(ap, fmt);
	ist_vformat(msg, sizeof msg, fmt, ap);
	ist_va_end(ap);
	if (no)
		return ist_fail(ps->err, IST_BAD_DATA, off, "%s:%u: %s", ps->file, no, msg);
	return ist_fail(ps->err, IST_BAD_DATA, off, "%s: %s", ps->file, msg);
}

/* ---- lines ------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..n), 0 if invalid. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t k;
	uint8_t lo = 0x80, hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		k = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return k;
}

/*
 * The next line into `l`, checked: length, NUL, control characters, UTF-8.
 * `*got` is false at the end of the data.
 */
static enum ist_status next_line(struct parser *ps, struct line *l, bool *got)
{
	*got = false;
	if (ps->pos >= ps->len)
		return IST_OK;
	const char *start = ps->data + ps->pos;
	size_t avail = ps->len - ps->pos;
	size_t n = 0;
	while (n < avail && start[n] != '\n')
		n++;
	l->p = start;
	l->off = ps->pos;
	l->no = ++ps->lineno;
	ps->pos += n + (n < avail);
	if (n && start[n - 1] == '\r')
		n--;
	l->len = n;
	if (n > IST_ENTRY_LINE_MAX)
		return fail_at(ps, l->no, l->off, "line longer than %u bytes", IST_ENTRY_LINE_MAX);
	const uint8_t *u = (const uint8_t *)start;
	for (size_t i = 0; i < n;) {
		uint8_t c = u[i];
		if (c == 0)
			return fail_at(ps, l->no, l->off + i, "NUL byte at column %zu", i + 1);
		if (c == '\r')
			return fail_at(ps, l->no, l->off + i,
				       "carriage return at column %zu not followed by a line feed", i + 1);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail_at(ps, l->no, l->off + i, "control character 0x%02x at column %zu",
				       c, i + 1);
		size_t k = utf8_seq(u + i, n - i);
		if (!k)
			return fail_at(ps, l->no, l->off + i, "not UTF-8 at column %zu (byte 0x%02x)",
				       i + 1, c);
		i += k;
	}
	*got = true;
	return IST_OK;
}

/* To the first line, past a UTF-8 byte order mark. */
static void to_first_line(struct parser *ps)
{
	ps->pos = ps->len >= 3 && !memcmp(ps->data, "\xef\xbb\xbf", 3) ? 3 : 0;
	ps->lineno = 0;
}

/*
 * Split a line into key and value as systemd-boot does. Returns false for a
 * blank or comment line.
 */
static bool split(const struct line *l, const char **key, size_t *klen, const char **val,
		  size_t *vlen)
{
	const char *p = l->p, *end = l->p + l->len;
	while (p < end && blank(*p))
		p++;
	while (end > p && blank(end[-1]))
		end--;
	if (p == end || *p == '#')
		return false;
	*key = p;
	while (p < end && !blank(*p))
		p++;
	*klen = (size_t)(p - *key);
	while (p < end && blank(*p))
		p++;
	/* unquote: a value that starts and ends with '"' loses both */
	if (p < end && *p == '"' && end[-1] == '"') {
		if (end - p == 1)
			p = end;
		else {
			p++;
			end--;
		}
	}
	*val = p;
	*vlen = (size_t)(end - p);
	return true;
}

/* ---- values ------------------------------------------------------------ */

static enum ist_status store(struct parser *ps, const struct line *l, const char *s, size_t n,
			     const char **out)
{
	struct ist_entry *e = ps->e;
	if (n + 1 > sizeof e->text - e->text_used)
		return fail_at(ps, l->no, l->off, "the entry holds more than %u bytes of paths and text",
			       IST_ENTRY_TEXT_MAX);
	char *d = e->text + e->text_used;
	memcpy(d, s, n);
	d[n] = '\0';
	e->text_used += n + 1;
	*out = d;
	return IST_OK;
}

static bool is_sep(char c)
{
	return c == '/' || c == '\\';
}

/* A path on the ESP: no "..", no tab, nothing outside the BMP. */
static enum ist_status check_path(struct parser *ps, const struct line *l, const char *what,
				  const char *v, size_t n)
{
	struct quote q;
	size_t i = 0;
	while (i < n) {
		while (i < n && is_sep(v[i]))
			i++;
		size_t s = i;
		while (i < n && !is_sep(v[i]))
			i++;
		if (i - s == 2 && v[s] == '.' && v[s + 1] == '.')
			return fail_at(ps, l->no, l->off, "%s path \"%s\" has a \"..\" component",
				       what, quote(&q, v, n));
	}
	for (i = 0; i < n; i++) {
		if (v[i] == '\t')
			return fail_at(ps, l->no, l->off, "%s path \"%s\" has a tab", what,
				       quote(&q, v, n));
		if ((uint8_t)v[i] >= 0xf0)
			return fail_at(ps, l->no, l->off,
				       "%s path \"%s\" has a character outside the Basic "
				       "Multilingual Plane (UEFI file names are UCS-2)",
				       what, quote(&q, v, n));
	}
	return IST_OK;
}

/* "KEY takes A, B or C, not \"VALUE\"" */
static enum ist_status fail_choice(struct parser *ps, const struct line *l, enum key k,
				   const char names[3][10], const char *v, size_t n)
{
	struct quote q;
	return fail_at(ps, l->no, l->off, "%s takes %s, %s or %s, not \"%s\"", key_names[k],
		       names[0], names[1], names[2], quote(&q, v, n));
}

static bool choose(const char names[3][10], const char *v, size_t n, unsigned *out)
{
	for (unsigned i = 0; i < 3; i++)
		if (eq(v, n, names[i])) {
			*out = i;
			return true;
		}
	return false;
}

/* Parse "PATH HEX" into the path and digest. */
static enum ist_status parse_sha256(struct parser *ps, const struct line *l, const char *v,
				    size_t n, const char **path, size_t *plen,
				    uint8_t digest[IST_SHA256_SIZE])
{
	struct quote q;
	size_t h = n;
	while (h && !blank(v[h - 1]))
		h--;
	size_t p = h;
	while (p && blank(v[p - 1]))
		p--;
	if (!p)
		return fail_at(ps, l->no, l->off, "sha256 takes a path and 64 hex digits, not \"%s\"",
			       quote(&q, v, n));
	const char *hex = v + h;
	size_t hl = n - h;
	for (size_t i = 0; i < hl; i++)
		if (!is_hex(hex[i]))
			return fail_at(ps, l->no, l->off,
				       "sha256 digest has \"%s\" at position %zu, not a hex digit",
				       quote(&q, hex + i, utf8_seq((const uint8_t *)hex + i, hl - i)),
				       i + 1);
	if (hl != 2 * IST_SHA256_SIZE)
		return fail_at(ps, l->no, l->off, "sha256 digest has %zu hex digits, not 64", hl);
	for (size_t i = 0; i < IST_SHA256_SIZE; i++)
		digest[i] = (uint8_t)(hex_val(hex[2 * i]) << 4 | hex_val(hex[2 * i + 1]));
	*path = v;
	*plen = p;
	return check_path(ps, l, "sha256", v, p);
}

static enum ist_status add_archive(struct parser *ps, const struct line *l, enum ist_role role,
				   const char *v, size_t n)
{
	struct ist_entry *e = ps->e;
	enum ist_status st;
	if (e->narchive) {
		const struct ist_entry_archive *prev = &e->archive[e->narchive - 1];
		if (role < prev->role)
			return fail_at(ps, l->no, l->off,
				       "%s after the %s line on line %u: archives go in the order "
				       "early, kernel-initrd, initrd, defer",
				       role_keys[role], role_keys[prev->role], prev->line);
	}
	if (e->narchive == IST_ENTRY_MAX_ARCHIVES)
		return fail_at(ps, l->no, l->off, "more than %u archives", IST_ENTRY_MAX_ARCHIVES);
	if ((st = check_path(ps, l, role_keys[role], v, n)))
		return st;
	struct ist_entry_archive *a = &e->archive[e->narchive];
	memset(a, 0, sizeof *a);
	if ((st = store(ps, l, v, n, &a->path)))
		return st;
	a->line = l->no;
	a->role = role;
	e->narchive++;
	if (role == IST_ROLE_DEFERRED)
		e->ndeferred++;
	return IST_OK;
}

static enum ist_status add_overlays(struct parser *ps, const struct line *l, const char *v,
				    size_t n)
{
	struct ist_entry *e = ps->e;
	size_t i = 0;
	enum ist_status st;
	while (i < n) {
		while (i < n && blank(v[i]))
			i++;
		size_t s = i;
		while (i < n && !blank(v[i]))
			i++;
		if (i == s)
			break;
		if (e->noverlay == IST_ENTRY_MAX_OVERLAYS)
			return fail_at(ps, l->no, l->off, "more than %u devicetree overlays",
				       IST_ENTRY_MAX_OVERLAYS);
		if ((st = check_path(ps, l, "devicetree-overlay", v + s, i - s)))
			return st;
		struct ist_entry_path *o = &e->overlay[e->noverlay];
		if ((st = store(ps, l, v + s, i - s, &o->path)))
			return st;
		o->line = l->no;
		e->noverlay++;
	}
	return IST_OK;
}

static enum ist_status add_options(struct parser *ps, const struct line *l, const char *v,
				   size_t n)
{
	struct ist_entry *e = ps->e;
	size_t sep = e->options_len ? 1 : 0;
	if (n + sep > IST_ENTRY_OPTIONS_MAX - e->options_len)
		return fail_at(ps, l->no, l->off, "options longer than %u bytes in all",
			       IST_ENTRY_OPTIONS_MAX);
	if (sep)
		e->options[e->options_len++] = ' ';
	memcpy(e->options + e->options_len, v, n);
	e->options_len += n;
	e->options[e->options_len] = '\0';
	ps->last_options_line = l->no;
	ps->last_options_offset = l->off;
	return IST_OK;
}

static enum ist_status set_protect(struct parser *ps, const struct line *l, const char *v,
				   size_t n)
{
	struct ist_entry *e = ps->e;
	if (!ps->protect_set) {
		/* the first `protect` replaces the default /kernel */
		e->policy.nprotect = 0;
		memset(e->policy.protect, 0, sizeof e->policy.protect);
		ps->protect_set = true;
	}
	/* A NUL-terminated copy: ist_policy_protect quotes the prefix with %.*s,
	 * which ist_format reads one byte past its precision. */
	char prefix[IST_ENTRY_LINE_MAX + 1];
	memcpy(prefix, v, n);
	prefix[n] = '\0';
	struct ist_error perr;
	if (ist_policy_protect(&e->policy, prefix, n, &perr) == IST_OK)
		return IST_OK;
	return fail_at(ps, l->no, l->off, "%s", perr.msg);
}

static enum ist_status set_machine_id(struct parser *ps, const struct line *l, const char *v,
				      size_t n)
{
	struct quote q;
	bool ok = n == 32;
	for (size_t i = 0; ok && i < n; i++)
		ok = (v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f');
	if (!ok)
		return fail_at(ps, l->no, l->off,
			       "machine-id takes 32 lower-case hex digits, not \"%s\"",
			       quote(&q, v, n));
	return store(ps, l, v, n, &ps->e->machine_id);
}

static enum ist_status set_architecture(struct parser *ps, const struct line *l, const char *v,
					size_t n)
{
	struct quote q;
	bool ok = n <= 16;
	for (size_t i = 0; ok && i < n; i++)
		ok = (v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'z') ||
		     (v[i] >= 'A' && v[i] <= 'Z');
	if (!ok)
		return fail_at(ps, l->no, l->off,
			       "architecture takes an EFI architecture name (x64, aa64, ...), not "
			       "\"%s\"",
			       quote(&q, v, n));
	ps->e->architecture_line = l->no;
	return store(ps, l, v, n, &ps->e->architecture);
}

static enum ist_status parse_line(struct parser *ps, const struct line *l)
{
	struct quote q;
	const char *k, *v;
	size_t kl, vl;
	if (!split(l, &k, &kl, &v, &vl))
		return IST_OK;
	unsigned key = K_COUNT;
	for (unsigned i = 0; i < K_COUNT; i++)
		if (eq(k, kl, key_names[i])) {
			key = i;
			break;
		}
	if (key == K_COUNT)
		return fail_at(ps, l->no, l->off, "unknown key \"%s\"", quote(&q, k, kl));
	const char *name = key_names[key];
	if (!vl)
		return fail_at(ps, l->no, l->off, "%s has no value", name);
	if (key < K_SINGLE_COUNT) {
		if (ps->seen[key])
			return fail_at(ps, l->no, l->off, "%s given twice (first on line %u)", name,
				       ps->seen[key]);
		ps->seen[key] = l->no;
	}
	struct ist_entry *e = ps->e;
	enum ist_status st;
	unsigned c;
	switch ((enum key)key) {
	case K_TITLE:
		return store(ps, l, v, vl, &e->title);
	case K_VERSION:
		return store(ps, l, v, vl, &e->version);
	case K_SORT_KEY:
		return store(ps, l, v, vl, &e->sort_key);
	case K_MACHINE_ID:
		return set_machine_id(ps, l, v, vl);
	case K_ARCHITECTURE:
		return set_architecture(ps, l, v, vl);
	case K_LINUX:
		if ((st = check_path(ps, l, name, v, vl)))
			return st;
		e->linux_image.line = l->no;
		return store(ps, l, v, vl, &e->linux_image.path);
	case K_EFI:
		return fail_at(ps, l->no, l->off,
			       "efi entries are not supported: initstack starts a Linux kernel "
			       "(use linux PATH)");
	case K_DEVICETREE:
		if ((st = check_path(ps, l, name, v, vl)))
			return st;
		e->devicetree.line = l->no;
		return store(ps, l, v, vl, &e->devicetree.path);
	case K_OVERLAY:
		return add_overlays(ps, l, v, vl);
	case K_OPTIONS:
		return add_options(ps, l, v, vl);
	case K_EARLY:
		return add_archive(ps, l, IST_ROLE_EARLY, v, vl);
	case K_KERNEL_INITRD:
		return add_archive(ps, l, IST_ROLE_KERNEL, v, vl);
	case K_INITRD:
		return add_archive(ps, l, IST_ROLE_EXTRA, v, vl);
	case K_DEFER:
		return add_archive(ps, l, IST_ROLE_DEFERRED, v, vl);
	case K_PROTECT:
		return set_protect(ps, l, v, vl);
	case K_ON_CLASH: {
		static const char names[3][10] = { "error", "warn", "allow" };
		enum ist_action a;
		if (!ist_action_parse(v, vl, &a))
			return fail_choice(ps, l, K_ON_CLASH, names, v, vl);
		ist_policy_on_clash(&e->policy, a);
		return IST_OK;
	}
	case K_HANDOVER_ERROR:
		if (!choose(handover_names, v, vl, &c))
			return fail_choice(ps, l, K_HANDOVER_ERROR, handover_names, v, vl);
		e->handover_error = (enum ist_handover_error)c;
		return IST_OK;
	case K_LOADER_ERROR:
		if (!choose(loader_names, v, vl, &c))
			return fail_choice(ps, l, K_LOADER_ERROR, loader_names, v, vl);
		e->loader_error = (enum ist_loader_error)c;
		return IST_OK;
	case K_DECOMPRESS:
		if (!choose(decompress_names, v, vl, &c))
			return fail_choice(ps, l, K_DECOMPRESS, decompress_names, v, vl);
		e->decompress = (enum ist_decompress)c;
		return IST_OK;
	case K_SHA256: {
		const char *p;
		size_t pl;
		uint8_t d[IST_SHA256_SIZE];
		return parse_sha256(ps, l, v, vl, &p, &pl, d);
	}
	case K_COUNT:
		break;
	}
	return IST_OK;
}

/* ---- paths ------------------------------------------------------------- */

/* The next component of a path at *i (separators and "." skipped). */
static bool next_component(const char *p, size_t n, size_t *i, size_t *s, size_t *len)
{
	for (;;) {
		while (*i < n && is_sep(p[*i]))
			(*i)++;
		if (*i == n)
			return false;
		*s = *i;
		while (*i < n && !is_sep(p[*i]))
			(*i)++;
		*len = *i - *s;
		if (!(*len == 1 && p[*s] == '.'))
			return true;
	}
}

static bool same_path(const char *a, size_t an, const char *b, size_t bn)
{
	size_t ia = 0, ib = 0, sa = 0, la = 0, sb = 0, lb = 0;
	for (;;) {
		bool ha = next_component(a, an, &ia, &sa, &la);
		bool hb = next_component(b, bn, &ib, &sb, &lb);
		if (ha != hb)
			return false;
		if (!ha)
			return true;
		if (la != lb || memcmp(a + sa, b + sb, la))
			return false;
	}
}

int ist_entry_find_archive(const struct ist_entry *e, const char *path, size_t len)
{
	for (unsigned i = 0; i < e->narchive; i++)
		if (same_path(e->archive[i].path, ist_strlen(e->archive[i].path), path, len))
			return (int)i;
	return -1;
}

/* Second pass: every sha256 line names an archive, and no archive twice. */
static enum ist_status match_sha256(struct parser *ps)
{
	struct quote q;
	struct ist_entry *e = ps->e;
	struct line l;
	bool got;
	to_first_line(ps);
	for (;;) {
		if (next_line(ps, &l, &got))
			return IST_BAD_DATA;
		if (!got)
			return IST_OK;
		const char *k, *v, *p;
		size_t kl, vl, pl;
		uint8_t d[IST_SHA256_SIZE];
		if (!split(&l, &k, &kl, &v, &vl) || !eq(k, kl, "sha256"))
			continue;
		if (parse_sha256(ps, &l, v, vl, &p, &pl, d))
			return IST_BAD_DATA;
		bool found = false;
		for (unsigned i = 0; i < e->narchive; i++) {
			struct ist_entry_archive *a = &e->archive[i];
			if (!same_path(a->path, ist_strlen(a->path), p, pl))
				continue;
			if (a->has_sha256)
				return fail_at(ps, l.no, l.off,
					       "sha256 for \"%s\" given twice (first on line %u)",
					       quote(&q, p, pl), a->sha256_line);
			found = true;
			a->has_sha256 = true;
			a->sha256_line = l.no;
			memcpy(a->sha256, d, sizeof d);
		}
		if (!found)
			return fail_at(ps, l.no, l.off,
				       "sha256 for \"%s\", which is not an archive of this entry",
				       quote(&q, p, pl));
	}
}

/* ---- the kernel command line ------------------------------------------- */

/* isspace() of the kernel's lib/ctype.c, where 0xa0 (Latin-1 NBSP) is one. */
static bool kspace(char ch)
{
	uint8_t c = (uint8_t)ch;
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

struct cmdline_scan {
	bool rdinit;       /* an rdinit= parameter before any "--" */
	bool dashdash;     /* a "--" word: the rest goes to init */
	size_t dashdash_at;
	bool open_quote;   /* the line ends inside a quote */
};

/* Walk the words as the kernel's next_arg() splits them. */
static void scan_cmdline(const char *s, size_t n, struct cmdline_scan *r)
{
	size_t i = 0;
	memset(r, 0, sizeof *r);
	while (i < n && kspace(s[i]))
		i++;
	while (i < n) {
		size_t start = i;
		bool quoted = false, in_quote = false, equals = false;
		if (s[i] == '"') {
			i++;
			quoted = in_quote = true;
		}
		size_t name = i;
		for (; i < n; i++) {
			if (kspace(s[i]) && !in_quote)
				break;
			if (s[i] == '=' && i > name)
				equals = true;
			if (s[i] == '"')
				in_quote = !in_quote;
		}
		size_t wl = i - name;
		if (quoted && wl && s[i - 1] == '"')
			wl--;
		if (!equals && wl == 2 && s[name] == '-' && s[name + 1] == '-') {
			r->dashdash = true;
			r->dashdash_at = start;
			return;
		}
		if (i - name >= 7 && !memcmp(s + name, "rdinit=", 7))
			r->rdinit = true;
		if (i == n && in_quote)
			r->open_quote = true;
		while (i < n && kspace(s[i]))
			i++;
	}
}

bool ist_cmdline_has_rdinit(const char *s, size_t len)
{
	struct cmdline_scan r;
	scan_cmdline(s, len, &r);
	return r.rdinit;
}

enum ist_status ist_entry_cmdline(const struct ist_entry *e, char *buf, size_t size,
				  size_t *len_ret)
{
	static const char add[] = IST_ENTRY_HANDOVER;
	const size_t addn = sizeof add - 1;
	const char *o = e->options;
	size_t on = e->options_len;
	struct cmdline_scan r;
	scan_cmdline(o, on, &r);
	bool handover = e->ndeferred && !r.rdinit;
	/* where the parameter goes, and the separators around it */
	size_t at = handover && r.dashdash ? r.dashdash_at : on;
	size_t pre = handover && !r.dashdash && on ? 1 : 0;
	size_t post = handover && r.dashdash ? 1 : 0;
	size_t total = on + (handover ? pre + addn + post : 0);
	if (len_ret)
		*len_ret = total;
	if (!buf || size < total + 1)
		return IST_NO_SPACE;
	memcpy(buf, o, at);
	size_t w = at;
	if (handover) {
		if (pre)
			buf[w++] = ' ';
		memcpy(buf + w, add, addn);
		w += addn;
		if (post)
			buf[w++] = ' ';
	}
	memcpy(buf + w, o + at, on - at);
	w += on - at;
	buf[w] = '\0';
	return IST_OK;
}

/* ---- the whole file ---------------------------------------------------- */

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

enum ist_status ist_entry_check_arch(const struct ist_entry *e, const char *file,
				     const char *efi_arch, struct ist_error *err)
{
	if (!e->architecture)
		return IST_OK;
	size_t a = ist_strlen(e->architecture), b = ist_strlen(efi_arch);
	bool same = a == b;
	for (size_t i = 0; same && i < a; i++)
		same = lower(e->architecture[i]) == lower(efi_arch[i]);
	if (same)
		return IST_OK;
	return ist_fail(err, IST_UNSUPPORTED, 0, "%s:%u: entry is for %s, this loader is %s",
			file ? file : "entry", e->architecture_line, e->architecture, efi_arch);
}

enum ist_status ist_entry_parse(struct ist_entry *e, const char *file, const void *data,
				size_t len, struct ist_error *err)
{
	struct parser ps;
	memset(&ps, 0, sizeof ps);
	ps.e = e;
	ps.file = file ? file : "entry";
	ps.data = data;
	ps.len = len;
	ps.err = err;
	if (err) {
		err->status = IST_OK;
		err->offset = 0;
		err->msg[0] = '\0';
	}

	e->title = e->version = e->machine_id = e->sort_key = e->architecture = NULL;
	e->architecture_line = 0;
	e->linux_image = (struct ist_entry_path){ NULL, 0 };
	e->devicetree = (struct ist_entry_path){ NULL, 0 };
	e->noverlay = e->narchive = e->ndeferred = 0;
	e->options[0] = '\0';
	e->options_len = 0;
	ist_policy_default(&e->policy);
	e->handover_error = IST_HANDOVER_CONTINUE;
	e->loader_error = IST_LOADER_RETURN;
	e->decompress = IST_DECOMPRESS_AUTO;
	e->text_used = 0;

	to_first_line(&ps);
	struct line l;
	bool got;
	for (;;) {
		if (next_line(&ps, &l, &got))
			return IST_BAD_DATA;
		if (!got)
			break;
		if (parse_line(&ps, &l))
			return IST_BAD_DATA;
	}
	e->nlines = ps.lineno;

	if (!e->linux_image.path)
		return fail_at(&ps, 0, len, "no linux line");

	struct cmdline_scan sc;
	scan_cmdline(e->options, e->options_len, &sc);
	if (e->ndeferred && !sc.rdinit && !sc.dashdash && sc.open_quote)
		return fail_at(&ps, ps.last_options_line, ps.last_options_offset,
			       "options end inside a quote, so %s cannot be added",
			       IST_ENTRY_HANDOVER);
	return match_sha256(&ps);
}
