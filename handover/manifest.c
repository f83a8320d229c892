/* The manifest parser: docs/protocol.md's grammar, nothing more. */
#include "manifest.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct parser {
	struct ho_manifest *m;
	const char *label;
	unsigned line;
	bool seen_clash, seen_error;
	char *err;
	size_t errsize;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	int n = snprintf(p->err, p->errsize, "%s:%u: ", p->label, p->line);
	if (n < 0 || (size_t)n >= p->errsize)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errsize - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* One field of a line: [s, s + n). */
struct field {
	const char *s;
	size_t n;
};

static bool is(const struct field *f, const char *lit)
{
	return f->n == strlen(lit) && !memcmp(f->s, lit, f->n);
}

/* A field quoted for a message, cut to keep the line short. */
#define Q(f) (int)((f)->n > 80 ? 80 : (f)->n), (f)->s

static int parse_size(struct parser *p, const struct field *f, uint64_t *out)
{
	if (!f->n || f->n > 10 || (f->n > 1 && f->s[0] == '0'))
		return fail(p, "size \"%.*s\" is not a decimal number without leading zeros", Q(f));
	uint64_t v = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (f->s[i] < '0' || f->s[i] > '9')
			return fail(p, "size \"%.*s\" is not a decimal number without leading zeros",
				    Q(f));
		v = v * 10 + (uint64_t)(f->s[i] - '0');
	}
	if (v > 0xffffffffu)
		return fail(p, "size %llu is over 4 GiB - 1 (a newc member cannot hold it)",
			    (unsigned long long)v);
	*out = v;
	return 0;
}

static int parse_sha(struct parser *p, const struct field *f, uint8_t out[IST_SHA256_SIZE])
{
	if (f->n != 2 * IST_SHA256_SIZE)
		return fail(p, "sha256 \"%.*s\" is not 64 lower-case hex digits", Q(f));
	for (size_t i = 0; i < f->n; i++) {
		char c = f->s[i];
		unsigned v;
		if (c >= '0' && c <= '9')
			v = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = (unsigned)(c - 'a' + 10);
		else
			return fail(p, "sha256 \"%.*s\" is not 64 lower-case hex digits", Q(f));
		if (i % 2)
			out[i / 2] = (uint8_t)(out[i / 2] | v);
		else
			out[i / 2] = (uint8_t)(v << 4);
	}
	return 0;
}

static int parse_comp(struct parser *p, const struct field *f, enum ist_compression *out)
{
	for (int c = IST_COMP_NONE; c <= IST_COMP_ZSTD; c++)
		if (is(f, ist_compression_name((enum ist_compression)c))) {
			*out = (enum ist_compression)c;
			return 0;
		}
	return fail(p,
		    "compression \"%.*s\" is not one of cpio, gzip, zstd, xz, lzma, bzip2, lz4, lzo",
		    Q(f));
}

static int parse_name(struct parser *p, const struct field *f, char out[HO_NAME_MAX + 1])
{
	if (f->n > HO_NAME_MAX)
		return fail(p, "file name is over %u bytes", HO_NAME_MAX);
	if (is(f, ".") || is(f, ".."))
		return fail(p, "file name \"%.*s\" is not a file name", Q(f));
	if (memchr(f->s, '/', f->n))
		return fail(p, "file name \"%.*s\" holds a \"/\"", Q(f));
	memcpy(out, f->s, f->n);
	out[f->n] = '\0';
	for (unsigned k = 0; k < p->m->ndeferred; k++)
		if (!strcmp(p->m->deferred[k].name, out))
			return fail(p, "file \"%s\" is already listed on line %u", out,
				    p->m->deferred[k].line);
	return 0;
}

static int parse_protect(struct parser *p, const struct field *f)
{
	struct ist_policy *pol = &p->m->policy;
	struct ist_error e;
	if (f->n >= IST_PREFIX_MAX)
		return fail(p, "protected prefix is over %u bytes", IST_PREFIX_MAX - 1);
	unsigned before = pol->nprotect;
	if (ist_policy_protect(pol, f->s, f->n, &e))
		return fail(p, "%s", e.msg);
	if (pol->nprotect == before)
		return fail(p, "protected prefix %.*s is listed twice", Q(f));
	const char *got = pol->protect[pol->nprotect - 1];
	if (strlen(got) != f->n || memcmp(got, f->s, f->n))
		return fail(p, "protected prefix \"%.*s\" is not normalised (it would be %s)", Q(f),
			    got);
	return 0;
}

static int parse_line(struct parser *p, struct field *f, unsigned nf)
{
	struct ho_manifest *m = p->m;
	if (p->line == 1) {
		if (nf != 2 || !is(&f[0], "initstack-manifest"))
			return fail(p, "not an initstack manifest (expected \"initstack-manifest %u\")",
				    HO_MANIFEST_VERSION);
		if (!is(&f[1], "1"))
			return fail(p, "manifest version \"%.*s\" is not supported (this handover reads version %u)",
				    Q(&f[1]), HO_MANIFEST_VERSION);
		return 0;
	}
	static const struct {
		const char *key;
		unsigned fields;
	} records[] = { { "protect", 2 }, { "on-clash", 2 }, { "handover-error", 2 }, { "deferred", 5 } };
	unsigned r = 0;
	while (r < sizeof records / sizeof records[0] && !is(&f[0], records[r].key))
		r++;
	if (r == sizeof records / sizeof records[0])
		return fail(p, "unknown record \"%.*s\"", Q(&f[0]));
	if (nf != records[r].fields)
		return fail(p, "%s takes %u field%s, not %u", records[r].key, records[r].fields - 1,
			    records[r].fields == 2 ? "" : "s", nf - 1);
	switch (r) {
	case 0:
		return parse_protect(p, &f[1]);
	case 1: {
		enum ist_action a;
		if (p->seen_clash)
			return fail(p, "on-clash is given twice");
		if (!ist_action_parse(f[1].s, f[1].n, &a))
			return fail(p, "on-clash takes error, warn or allow, not \"%.*s\"", Q(&f[1]));
		p->seen_clash = true;
		ist_policy_on_clash(&m->policy, a);
		return 0;
	}
	case 2: {
		static const char *const names[] = { "panic", "shell", "continue" };
		static const enum ist_handover_error vals[] = { IST_HANDOVER_PANIC, IST_HANDOVER_SHELL,
								IST_HANDOVER_CONTINUE };
		if (p->seen_error)
			return fail(p, "handover-error is given twice");
		for (unsigned k = 0; k < 3; k++)
			if (is(&f[1], names[k])) {
				m->on_error = vals[k];
				p->seen_error = true;
				return 0;
			}
		return fail(p, "handover-error takes panic, shell or continue, not \"%.*s\"", Q(&f[1]));
	}
	default: {
		if (m->ndeferred == HO_MAX_DEFERRED)
			return fail(p, "more than %u deferred archives", HO_MAX_DEFERRED);
		struct ho_deferred *d = &m->deferred[m->ndeferred];
		memset(d, 0, sizeof *d);
		if (parse_name(p, &f[1], d->name) || parse_size(p, &f[2], &d->size) ||
		    parse_sha(p, &f[3], d->sha256) || parse_comp(p, &f[4], &d->comp))
			return -1;
		d->line = p->line;
		m->ndeferred++;
		return 0;
	}
	}
}

int ho_manifest_parse(struct ho_manifest *m, const char *label, const char *text, size_t len,
		      char *err, size_t errsize)
{
	struct parser p = { .m = m, .label = label ? label : "manifest", .err = err,
			    .errsize = errsize };
	memset(m, 0, sizeof *m);
	ist_policy_default(&m->policy);
	m->policy.nprotect = 0;
	m->on_error = IST_HANDOVER_CONTINUE;
	if (errsize)
		err[0] = '\0';
	if (len > HO_MANIFEST_MAX) {
		p.line = 1;
		return fail(&p, "manifest is over %u bytes", HO_MANIFEST_MAX);
	}
	if (!len) {
		p.line = 1;
		return fail(&p, "manifest is empty");
	}
	size_t i = 0;
	while (i < len) {
		p.line++;
		struct field f[6];
		unsigned nf = 0;
		size_t start = i;
		for (;;) {
			if (i == len)
				return fail(&p, "the last line does not end in a line feed");
			unsigned char c = (unsigned char)text[i];
			if (c == '\n' || c == ' ') {
				if (i == start)
					return fail(&p, c == '\n' ? (nf ? "trailing space" : "empty line")
								  : "empty field (two spaces, or a leading space)");
				if (nf < 6) {
					f[nf].s = text + start;
					f[nf].n = i - start;
				}
				nf++;
				i++;
				start = i;
				if (c == '\n')
					break;
				continue;
			}
			if (c < 0x21 || c > 0x7e)
				return fail(&p, "byte 0x%02x is not allowed (printable ASCII, one space between fields)",
					    c);
			i++;
		}
		if (nf > 5)
			return fail(&p, "too many fields (%u)", nf);
		if (parse_line(&p, f, nf))
			return -1;
	}
	m->nlines = p.line;
	return 0;
}
