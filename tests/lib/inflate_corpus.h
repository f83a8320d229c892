/*
 * Test helpers for the DEFLATE decoder: drive ist_inflate over a whole
 * input with a chosen chunking and output mode, make compressed test data
 * with zlib, and collect real files from the machine as a corpus.
 */
#ifndef INITSTACK_TEST_INFLATE_CORPUS_H
#define INITSTACK_TEST_INFLATE_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include <initstack/inflate.h>
#include <initstack/inflate_split.h>

enum tinf_chunk {
	TINF_WHOLE = 0,  /* all input in one call */
	TINF_BYTE = 1,   /* one byte per call */
	TINF_RANDOM = 2, /* random chunk sizes 1..4096 (skewed small) */
};

struct tinf_opts {
	bool windowed;
	enum tinf_chunk chunk;
	size_t out_initial; /* contiguous: first region size (grown x2 + 1 on NO_SPACE); 0 = exact */
	size_t drain;       /* windowed: drain at most this many bytes per step (0 = all) */
	size_t into;        /* windowed: decode with ist_inflate_run_into into buffers of at most
			       this size (random sizes when seed is set, and some plain calls) */
	bool move;          /* contiguous: move the region to a fresh allocation on every grow */
	uint32_t flags;     /* extra IST_INFLATE_* flags */
	uint32_t max_ratio; /* 0 = none */
	uint64_t slack;
	unsigned seed;
	size_t expect_size; /* contiguous with out_initial 0: the region size */
	bool generic;       /* force the baseline fast loop (pokes the private cpu field) */
};

struct tinf_result {
	enum ist_status status;
	struct ist_error err;
	uint8_t *out;
	size_t out_len;
	size_t in_used; /* total input consumed */
	bool done;
	unsigned calls;
};

/* Decode `in` entirely; result->out is malloc'd (free it with tinf_free). */
void tinf_decode(enum ist_inflate_format fmt, const uint8_t *in, size_t in_len,
		 const struct tinf_opts *o, struct tinf_result *r);
void tinf_free(struct tinf_result *r);

/* zlib as the reference: compress with windowBits (-15 raw, 15 zlib, 31 gzip). */
uint8_t *tinf_zlib_compress(const uint8_t *in, size_t len, int level, int strategy, int wbits,
			    size_t *out_len);
/* zlib decompression of a whole stream; returns 0 on Z_STREAM_END. */
int tinf_zlib_decompress(const uint8_t *in, size_t len, int wbits, uint8_t **out, size_t *out_len,
			 size_t *in_used);

/* Read a whole file (up to max bytes); NULL on failure. */
uint8_t *tinf_read_file(const char *path, size_t max, size_t *len);
/* Run a shell command with `in` on stdin and capture stdout; NULL on failure. */
uint8_t *tinf_pipe(const char *cmd, const uint8_t *in, size_t len, size_t *out_len);

/*
 * A corpus of real files from the machine, each cut to at most `max_each`:
 * binaries, libraries, text, six kernel modules from the directory in
 * INITSTACK_MODULES (names "module NAME.ko"), then synthetic data.
 */
struct tinf_file {
	char name[256];
	uint8_t *data;
	size_t len;
};
size_t tinf_corpus(struct tinf_file *files, size_t max_files, size_t max_each);
void tinf_corpus_free(struct tinf_file *files, size_t n);
/* The corpus's files concatenated, repeated, to `want` bytes (*len: fewer
 * only for an empty corpus); malloc'd. */
uint8_t *tinf_corpus_bytes(const struct tinf_file *files, size_t n, size_t want, size_t *len);

/*
 * A "second core" for ist_inflate_run_split that runs the second half at
 * once on the calling thread: deterministic, for tests and fuzzing.
 */
extern const struct ist_inflate_helper tinf_inline_helper;

#endif
