/*
 * bench: how fast the compressed segments of an archive decode, with the
 * decoders initstack uses on the way to the kernel: the loader's inflate
 * (contiguous, gzip only; on a second core too from IST_INFLATE_SPLIT_MIN
 * bytes, as the loader does where the firmware has one) and the handover's and this tool's decoders
 * (windowed into a 128 KiB buffer for gzip; Debian's libraries for the
 * rest). Timings are printed, never judged: see docs/benchmarks.md for the
 * comparison with other decoders.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <initstack/inflate.h>
#include <initstack/inflate_split.h>

#include "cmd.h"
#include "stack.h"
#include "thread_helper.h"
#include "util.h"

#define OUT_CHUNK (128 * 1024)
#define MAX_RUNS 1000

struct segs {
	struct ist_segment *v;
	unsigned n;
};

static int on_segment(void *user, const struct ist_segment *s)
{
	struct segs *g = user;
	struct ist_segment *v = realloc(g->v, (g->n + 1) * sizeof *v);
	if (!v)
		return -1;
	g->v = v;
	g->v[g->n++] = *s;
	return 0;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint8_t *slurp(const char *path, size_t *len, char *msg, size_t msgsize)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(msg, msgsize, "%s: cannot open: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	size_t n = (size_t)st.st_size, got = 0;
	uint8_t *b = malloc(n ? n : 1);
	while (b && got < n) {
		ssize_t k = read(fd, b + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			snprintf(msg, msgsize, "%s: read error: %s", path,
				 k < 0 ? strerror(errno) : "file shrank");
			free(b);
			close(fd);
			return NULL;
		}
		got += (size_t)k;
	}
	close(fd);
	if (!b)
		snprintf(msg, msgsize, "%s: out of memory", path);
	*len = n;
	return b;
}

/* The library behind the tool's decoder for `c`. */
static const char *library(enum ist_compression c)
{
	switch (c) {
	case IST_COMP_GZIP: return "initstack inflate";
	case IST_COMP_BZIP2: return "libbz2";
	case IST_COMP_LZMA:
	case IST_COMP_XZ: return "liblzma";
	case IST_COMP_LZO: return "liblzo2";
	case IST_COMP_LZ4: return "liblz4";
	case IST_COMP_ZSTD: return "libzstd";
	default: return "?";
	}
}

/* One member through the tool's decoder into a reused buffer; returns bytes made or -1. */
static long long decode_streaming(const uint8_t *p, size_t n, enum ist_compression c, uint8_t *out,
				  struct ist_error *err)
{
	struct ist_decoder d;
	if (stack_open_decoder(NULL, c, &d, err))
		return -1;
	size_t pos = 0;
	long long total = 0;
	bool end = false, eof_sent = false;
	while (!end) {
		size_t used = 0, made = 0;
		bool at_eof = pos == n;
		if (at_eof && eof_sent) {
			ist_fail(err, IST_TRUNCATED, n, "the member does not end within its segment");
			break;
		}
		eof_sent = at_eof;
		enum ist_status st = d.run(d.state, at_eof ? NULL : p + pos, n - pos, &used, out,
					   OUT_CHUNK, &made, &end, err);
		if (st) {
			end = false;
			break;
		}
		pos += used;
		total += (long long)made;
		if (!used && !made && !end && !at_eof) {
			ist_fail(err, IST_BAD_DATA, pos, "the decoder made no progress");
			break;
		}
	}
	d.release(d.state);
	return end ? total : -1;
}

/*
 * The loader's way for gzip: one region of the decoded size, which is also
 * the history; with `tail`, the second half on a second core.
 */
static long long decode_contiguous(struct ist_inflate *s, struct ist_inflate_tail *tail,
				   const uint8_t *p, size_t n, uint8_t *out, size_t out_size,
				   struct ist_error *err)
{
	size_t used;
	struct thread_helper th;
	struct ist_inflate_helper h = thread_helper(&th);
	ist_inflate_init(s, IST_INFLATE_GZIP, 0);
	ist_inflate_set_output(s, out, out_size);
	enum ist_status st = tail ? ist_inflate_run_split(s, tail, &h, p, n, &used, err) :
				    ist_inflate_run(s, p, n, true, &used, err);
	if (st == IST_NO_SPACE)
		ist_fail(err, st, 0, "more output than the segment decoded to before");
	if (st || !ist_inflate_done(s))
		return -1;
	if (tail && !tail->joined) {
		ist_fail(err, IST_UNSUPPORTED, 0,
			 "the second core's half was not used (no block header found from the middle, "
			 "or it did not line up)");
		return -1;
	}
	return (long long)ist_inflate_output_size(s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct result {
	const char *name;
	double best, median; /* MB/s of decoded bytes */
	double best_ms;
};

struct bench_ctx {
	int runs;
	bool json;
	struct ist_inflate *inflate;
	uint8_t *chunk;
};

enum way { STREAMING, CONTIGUOUS, TWO_CORES };

/*
 * Time `runs` decodes of segment `g` the handover's or tool's way
 * (STREAMING) or the loader's (on one core or two); fills `r` or returns -1
 * with `err`.
 */
static int time_decoder(struct bench_ctx *b, const uint8_t *file, const struct ist_segment *g,
			enum way way, struct result *r, struct ist_error *err)
{
	double *t = malloc((size_t)b->runs * sizeof *t);
	uint8_t *region = NULL;
	size_t region_size = (size_t)g->decoded + 4096;
	struct ist_inflate_tail tail = { 0 };
	bool contiguous = way != STREAMING;
	if (!t || (contiguous && !(region = malloc(region_size))) ||
	    (way == TWO_CORES && !thread_tail_alloc(&tail, region_size))) {
		free(t);
		free(region);
		ist_fail(err, IST_NO_MEMORY, 0, "no memory for %zu bytes of output", region_size);
		return -1;
	}
	if (region)
		memset(region, 0, region_size); /* fault the pages in before timing */
	int rc = 0;
	for (int i = 0; !rc && i < b->runs; i++) {
		const uint8_t *p = file + g->offset;
		double t0 = now();
		long long made =
			contiguous ? decode_contiguous(b->inflate, way == TWO_CORES ? &tail : NULL, p,
						       (size_t)g->length, region, region_size, err) :
				     decode_streaming(p, (size_t)g->length, g->comp, b->chunk, err);
		t[i] = now() - t0;
		if (made < 0) {
			rc = -1;
		} else if ((uint64_t)made != g->decoded) {
			ist_fail(err, IST_BAD_DATA, 0, "decoded %lld bytes, %llu when read", made,
				 (unsigned long long)g->decoded);
			rc = -1;
		}
	}
	if (!rc) {
		qsort(t, (size_t)b->runs, sizeof *t, cmp_double);
		double bytes = (double)g->decoded / 1e6;
		r->best = t[0] > 0 ? bytes / t[0] : 0;
		r->median = t[b->runs / 2] > 0 ? bytes / t[b->runs / 2] : 0;
		r->best_ms = t[0] * 1e3;
	}
	free(t);
	free(region);
	if (way == TWO_CORES)
		thread_tail_free(&tail);
	return rc;
}

static void print_result(const struct bench_ctx *b, const struct result *r, bool first)
{
	if (b->json) {
		printf("%s{\"decoder\":", first ? "" : ",");
		json_str(stdout, r->name);
		printf(",\"best_mb_s\":%.1f,\"median_mb_s\":%.1f,\"best_ms\":%.2f}", r->best, r->median,
		       r->best_ms);
	} else {
		printf("    %-46s best %7.0f MB/s  median %7.0f MB/s  (%.1f ms)\n", r->name, r->best,
		       r->median, r->best_ms);
	}
}

/*
 * The decoders for one compressed segment; adds the best time of the way
 * the loader or the handover goes to *total_ms.
 */
static int bench_segment(struct bench_ctx *b, const uint8_t *file, const struct ist_segment *s,
			 double *total_ms, struct ist_error *err)
{
	struct result r;
	char name[80];
	bool first = true;
	if (s->comp == IST_COMP_GZIP) {
		r.name = "initstack inflate, contiguous (the loader)";
		if (time_decoder(b, file, s, CONTIGUOUS, &r, err))
			return -1;
		print_result(b, &r, first);
		first = false;
		double loader_ms = r.best_ms;
		if (s->length >= IST_INFLATE_SPLIT_MIN) {
			r.name = "initstack inflate, contiguous on 2 cores";
			if (time_decoder(b, file, s, TWO_CORES, &r, err))
				return -1;
			print_result(b, &r, first);
			loader_ms = r.best_ms;
		}
		*total_ms += loader_ms;
		snprintf(name, sizeof name, "%s, windowed (handover, tool)", library(s->comp));
	} else {
		snprintf(name, sizeof name, "%s (handover, tool)", library(s->comp));
	}
	r.name = name;
	if (time_decoder(b, file, s, STREAMING, &r, err))
		return -1;
	print_result(b, &r, first);
	if (s->comp != IST_COMP_GZIP)
		*total_ms += r.best_ms;
	return 0;
}

static int bench_file(struct bench_ctx *b, const char *path, bool first_file)
{
	char msg[512];
	size_t len = 0;
	uint8_t *file = slurp(path, &len, msg, sizeof msg);
	if (!file) {
		fprintf(stderr, "initstack bench: %s\n", msg);
		return EXIT_UNREADABLE;
	}
	/* One read through the archive layer: the segments, and a check of every byte. */
	struct segs g = { 0 };
	const struct file_hooks hooks = { .segment = on_segment, .user = &g };
	if (read_archive_mem(path, file, len, 0, 0, IST_ROLE_EXTRA, NULL, &hooks, msg, sizeof msg)) {
		fprintf(stderr, "initstack bench: %s\n", msg);
		free(g.v);
		free(file);
		return EXIT_UNREADABLE;
	}
	int rc = EXIT_CLEAN;
	double total_ms = 0;
	if (b->json) {
		printf("%s{\"file\":", first_file ? "" : ",");
		json_str(stdout, path);
		printf(",\"size\":%zu,\"segments\":[", len);
	} else {
		printf("%s: %zu bytes, %u segment%s\n", path, len, g.n, g.n == 1 ? "" : "s");
	}
	for (unsigned i = 0; i < g.n && rc == EXIT_CLEAN; i++) {
		const struct ist_segment *s = &g.v[i];
		bool compressed = s->kind == IST_SEG_COMPRESSED;
		if (b->json) {
			printf("%s{\"index\":%u,\"offset\":%llu,\"length\":%llu,\"compression\":\"%s\","
			       "\"decoded\":%llu,\"results\":[",
			       i ? "," : "", s->index, (unsigned long long)s->offset,
			       (unsigned long long)s->length, ist_compression_name(s->comp),
			       (unsigned long long)s->decoded);
		} else if (compressed) {
			printf("  segment %u at %llu: %s, %llu -> %llu bytes (%.2f:1)\n", s->index,
			       (unsigned long long)s->offset, ist_compression_name(s->comp),
			       (unsigned long long)s->length, (unsigned long long)s->decoded,
			       s->length ? (double)s->decoded / (double)s->length : 0.0);
		} else {
			printf("  segment %u at %llu: cpio, %llu bytes, not compressed\n", s->index,
			       (unsigned long long)s->offset, (unsigned long long)s->length);
		}
		struct ist_error err = { 0 };
		if (compressed && bench_segment(b, file, s, &total_ms, &err)) {
			fprintf(stderr, "initstack bench: %s: segment %u (%s at offset %llu): %s\n", path,
				s->index, ist_compression_name(s->comp), (unsigned long long)s->offset,
				err.msg);
			rc = EXIT_UNREADABLE;
		}
		if (b->json)
			printf("]}");
	}
	if (b->json)
		printf("],\"decode_ms\":%.2f}", total_ms);
	else if (rc == EXIT_CLEAN)
		printf("  decoding every compressed segment once takes %.1f ms at the best speed "
		       "(gzip: the loader's way, on 2 cores from %u MiB)\n",
		       total_ms, IST_INFLATE_SPLIT_MIN >> 20);
	free(g.v);
	free(file);
	return rc;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs", required_argument, 0, 'r' },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct bench_ctx b = { .runs = 5 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > MAX_RUNS) {
				fprintf(stderr,
					"initstack bench: --runs takes a number from 1 to %d, not \"%s\"\n",
					MAX_RUNS, optarg);
				return EXIT_USAGE;
			}
			b.runs = (int)v;
			break;
		}
		case 'j': b.json = true; break;
		case 'h': printf("see initstack --help\n"); return 0;
		default: return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "initstack bench: no archive given\n(see initstack --help)\n");
		return EXIT_USAGE;
	}
	b.inflate = malloc(sizeof *b.inflate);
	b.chunk = malloc(OUT_CHUNK);
	if (!b.inflate || !b.chunk) {
		fprintf(stderr, "initstack bench: out of memory\n");
		free(b.inflate);
		free(b.chunk);
		return EXIT_UNREADABLE;
	}
	int rc = EXIT_CLEAN;
	if (b.json)
		printf("{\"runs\":%d,\"files\":[", b.runs);
	for (int i = optind; i < argc; i++) {
		int r = bench_file(&b, argv[i], i == optind);
		if (r > rc)
			rc = r;
	}
	if (b.json)
		printf("]}\n");
	free(b.inflate);
	free(b.chunk);
	return rc;
}
