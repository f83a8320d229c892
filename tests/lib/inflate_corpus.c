/* Test helpers for the DEFLATE decoder (see inflate_corpus.h). */
#include "inflate_corpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

static unsigned next_rand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Append k bytes to the growing output buffer (doubling its capacity). */
static void append(uint8_t **buf, size_t *cap, size_t *len, const uint8_t *p, size_t k)
{
	if (*len + k > *cap) {
		while (*len + k > *cap)
			*cap *= 2;
		*buf = realloc(*buf, *cap);
	}
	memcpy(*buf + *len, p, k);
	*len += k;
}

static size_t chunk_size(const struct tinf_opts *o, unsigned *seed, size_t left)
{
	size_t n;
	switch (o->chunk) {
	case TINF_BYTE:
		n = 1;
		break;
	case TINF_RANDOM: {
		unsigned r = next_rand(seed);
		n = (r & 3) == 0 ? 1 + r % 7 : 1 + r % ((r & 4) ? 4096 : 300);
		break;
	}
	default:
		n = left;
	}
	return n < left ? n : left;
}

void tinf_decode(enum ist_inflate_format fmt, const uint8_t *in, size_t in_len,
		 const struct tinf_opts *o, struct tinf_result *r)
{
	memset(r, 0, sizeof *r);
	struct ist_inflate *s = malloc(sizeof *s);
	unsigned seed = o->seed ? o->seed : 1;
	uint32_t flags = o->flags | (o->windowed ? IST_INFLATE_WINDOWED : 0);
	r->status = ist_inflate_init(s, fmt, flags);
	if (r->status) {
		free(s);
		return;
	}
	if (o->generic)
		s->cpu = 0;
	if (o->max_ratio)
		ist_inflate_set_limit(s, o->max_ratio, o->slack);
	size_t cap = 0, len = 0;
	uint8_t *buf = NULL;
	if (!o->windowed) {
		cap = o->out_initial ? o->out_initial : o->expect_size;
		buf = malloc(cap ? cap : 1);
		ist_inflate_set_output(s, buf, cap);
	} else {
		cap = 4096;
		buf = malloc(cap);
	}
	size_t pos = 0;
	enum ist_status st = IST_OK;
	unsigned stall = 0;
	for (;;) {
		size_t n = chunk_size(o, &seed, in_len - pos), used = 0;
		bool last = pos + n == in_len;
		if (o->windowed && o->into && !(o->seed && next_rand(&seed) % 8 == 0)) {
			/* a buffer of exactly the size given, so ASan sees any overrun */
			size_t want = o->seed ? 1 + next_rand(&seed) % o->into : o->into, made = 0;
			uint8_t *dst = malloc(want);
			st = ist_inflate_run_into(s, in + pos, n, last, &used, dst, want, &made, &r->err);
			if (made > want)
				made = 0, st = IST_INVALID;
			append(&buf, &cap, &len, dst, made);
			free(dst);
		} else {
			st = ist_inflate_run(s, in + pos, n, last, &used, &r->err);
		}
		r->calls++;
		pos += used;
		if (o->windowed) {
			/* drain, possibly in small pieces */
			for (;;) {
				const uint8_t *p;
				size_t k = ist_inflate_pending(s, &p);
				if (!k)
					break;
				if (o->drain && k > o->drain)
					k = o->drain;
				append(&buf, &cap, &len, p, k);
				ist_inflate_drain(s, k);
				if (o->drain && (next_rand(&seed) & 1))
					break; /* leave some pending across calls */
			}
		}
		if (st == IST_NO_SPACE) {
			if (!o->windowed) {
				size_t ncap = cap * 2 + 1;
				uint8_t *nb;
				if (o->move) {
					nb = malloc(ncap);
					memcpy(nb, buf, ist_inflate_output_size(s));
					memset(buf, 0xa5, cap);
					free(buf);
				} else {
					nb = realloc(buf, ncap);
				}
				buf = nb;
				cap = ncap;
				if (ist_inflate_set_output(s, buf, cap)) {
					st = IST_INVALID;
					break;
				}
			}
			if (++stall > 1000000)
				break;
			continue;
		}
		if (st != IST_OK)
			break;
		if (ist_inflate_done(s) && (pos == in_len || !(flags & IST_INFLATE_NO_TRAILING)))
			break;
		if (last && used == n) {
			/* all input consumed and given as last, yet not done: must not happen */
			if (++stall > 3)
				break;
		}
	}
	if (o->windowed) {
		const uint8_t *p;
		size_t k = ist_inflate_pending(s, &p);
		append(&buf, &cap, &len, p, k);
		ist_inflate_drain(s, k);
	}
	r->status = st;
	r->done = ist_inflate_done(s);
	r->in_used = pos;
	if (!o->windowed) {
		len = ist_inflate_output_size(s);
		/* Drain what the windowed API would give: nothing in contiguous mode. */
		if (ist_inflate_pending(s, NULL))
			r->status = IST_INVALID;
	}
	r->out = buf;
	r->out_len = len;
	free(s);
}

void tinf_free(struct tinf_result *r)
{
	free(r->out);
	r->out = NULL;
}

uint8_t *tinf_zlib_compress(const uint8_t *in, size_t len, int level, int strategy, int wbits,
			    size_t *out_len)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, level, Z_DEFLATED, wbits, 8, strategy) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&z, len) + 64;
	uint8_t *out = malloc(cap);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	*out_len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

int tinf_zlib_decompress(const uint8_t *in, size_t len, int wbits, uint8_t **out, size_t *out_len,
			 size_t *in_used)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, wbits) != Z_OK)
		return -1;
	size_t cap = len * 4 + 1024;
	uint8_t *buf = malloc(cap);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	int rc;
	for (;;) {
		z.next_out = buf + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END || (rc != Z_OK && rc != Z_BUF_ERROR))
			break;
		if (z.avail_out == 0) {
			cap *= 2;
			buf = realloc(buf, cap);
			continue;
		}
		break; /* needs input it does not have */
	}
	*out = buf;
	*out_len = z.total_out;
	if (in_used)
		*in_used = z.total_in;
	inflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

uint8_t *tinf_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = malloc(max ? max : 1);
	size_t n = fread(buf, 1, max, f);
	fclose(f);
	*len = n;
	return buf;
}

uint8_t *tinf_pipe(const char *cmd, const uint8_t *in, size_t len, size_t *out_len)
{
	char tmpl[] = "/tmp/tinf-XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "wb");
	fwrite(in, 1, len, f);
	fclose(f);
	char full[1024];
	snprintf(full, sizeof full, "%s < %s", cmd, tmpl);
	FILE *p = popen(full, "r");
	if (!p) {
		unlink(tmpl);
		return NULL;
	}
	size_t cap = len + 4096, n = 0;
	uint8_t *out = malloc(cap);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			out = realloc(out, cap);
		}
		size_t k = fread(out + n, 1, cap - n, p);
		if (!k)
			break;
		n += k;
	}
	int rc = pclose(p);
	unlink(tmpl);
	if (rc != 0 || n == 0) {
		free(out);
		return NULL;
	}
	*out_len = n;
	return out;
}

/*
 * Read `path` into *f, named `prefix` and its last component (or all of it
 * with no prefix); 1, or 0 for a file missing or under 64 bytes.
 */
static size_t add_file(struct tinf_file *f, const char *path, const char *prefix, size_t max_each)
{
	size_t len;
	uint8_t *d = tinf_read_file(path, max_each, &len);
	if (!d || len < 64) {
		free(d);
		return 0;
	}
	snprintf(f->name, sizeof f->name, "%s%s", prefix, *prefix ? strrchr(path, '/') + 1 : path);
	f->data = d;
	f->len = len;
	return 1;
}

size_t tinf_corpus(struct tinf_file *files, size_t max_files, size_t max_each)
{
	static const char *const cands[] = {
		"/bin/busybox",
		"/usr/lib/x86_64-linux-gnu/libc.so.6",
		"/usr/share/doc/gcc-12/NEWS.html",
		"/usr/lib/x86_64-linux-gnu/libz.so.1",
		"/usr/bin/gcc-12",
		"/usr/share/common-licenses/GPL-3",
		"/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
		"/usr/share/dict/words",
		"/usr/include/stdio.h",
		"/usr/bin/make",
		"/etc/services",
		"/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
		"/usr/lib/x86_64-linux-gnu/libzstd.so.1",
		"/usr/share/perl5/Debconf/Template.pm",
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof cands / sizeof cands[0] && n < max_files; i++)
		n += add_file(&files[n], cands[i], "", max_each);
	/*
	 * Kernel modules of Debian's kernel package (tests/lib/modules.sh
	 * fetches them; tests/run.sh passes the directory): six of the larger
	 * ones, spread over the tree, the same six on every run.
	 */
	const char *mods = getenv("INITSTACK_MODULES");
	if (mods && *mods && !strchr(mods, '\'')) {
		char cmd[600];
		snprintf(cmd, sizeof cmd,
			 "find '%s' -name '*.ko' -size +100k | sort | awk 'NR %% 97 == 1' | head -6", mods);
		FILE *f = popen(cmd, "r");
		char path[512];
		while (f && n < max_files && fgets(path, sizeof path, f)) {
			path[strcspn(path, "\n")] = 0;
			n += add_file(&files[n], path, "module ", max_each);
		}
		if (f)
			pclose(f);
	}
	/* Synthetic data that stresses particular paths. */
	const struct {
		const char *name;
		size_t len;
	} synth[] = { { "synthetic: runs", 300000 }, { "synthetic: random", 100000 },
		      { "synthetic: short periods", 200000 }, { "synthetic: empty", 0 } };
	for (size_t i = 0; i < sizeof synth / sizeof synth[0] && n < max_files; i++) {
		uint8_t *d = malloc(synth[i].len + 1);
		unsigned seed = 7 + (unsigned)i;
		for (size_t k = 0; k < synth[i].len; k++) {
			switch (i) {
			case 0:
				d[k] = (uint8_t)((k / 1000) % 3 ? 'a' : next_rand(&seed));
				break;
			case 1:
				d[k] = (uint8_t)next_rand(&seed);
				break;
			default:
				d[k] = (uint8_t)("abcabcdabcdeabcdef"[k % (2 + (k / 5000) % 16)]);
			}
		}
		snprintf(files[n].name, sizeof files[n].name, "%s", synth[i].name);
		files[n].data = d;
		files[n].len = synth[i].len;
		n++;
	}
	return n;
}

void tinf_corpus_free(struct tinf_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].data);
}

static bool inline_start(void *ctx, void (*fn)(void *), void *arg)
{
	(void)ctx;
	fn(arg);
	return true;
}

static bool inline_wait(void *ctx)
{
	(void)ctx;
	return true;
}

const struct ist_inflate_helper tinf_inline_helper = { inline_start, inline_wait, NULL };

uint8_t *tinf_corpus_bytes(const struct tinf_file *files, size_t n, size_t want, size_t *len)
{
	uint8_t *d = malloc(want);
	size_t k = 0;
	for (size_t i = 0; k < want && n; i++) {
		const struct tinf_file *f = &files[i % n];
		size_t m = f->len < want - k ? f->len : want - k;
		memcpy(d + k, f->data, m);
		k += m;
	}
	*len = k;
	return d;
}
