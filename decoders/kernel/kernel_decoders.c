/*
 * The adapter between ist_archive and the kernel's decompressors: it calls
 * them as init/initramfs.c does and turns what they report into an
 * ist_error. See kernel_decoders.h for the contract.
 */
#include "kernel_decoders.h"

#include <stdatomic.h>

#include <initstack/format.h>

#include <linux/decompress/bunzip2.h>
#include <linux/decompress/unlz4.h>
#include <linux/decompress/unlzma.h>
#include <linux/decompress/unlzo.h>
#include <linux/decompress/unxz.h>
#include <linux/decompress/unzstd.h>

typedef int (*kernel_decompress_fn)(unsigned char *in, long len,
				    long (*fill)(void *, unsigned long),
				    long (*flush)(void *, unsigned long), unsigned char *out,
				    long *posp, void (*error)(char *msg));

static const struct format {
	enum ist_compression c;
	kernel_decompress_fn fn;
	const char *kernel_name; /* the function, for messages of ours */
} formats[] = {
	{ IST_COMP_ZSTD, unzstd, "unzstd" },   { IST_COMP_XZ, unxz, "unxz" },
	{ IST_COMP_LZMA, unlzma, "unlzma" },   { IST_COMP_BZIP2, bunzip2, "bunzip2" },
	{ IST_COMP_LZ4, unlz4, "unlz4" },      { IST_COMP_LZO, unlzo, "unlzo" },
};

static const struct format *find(enum ist_compression c)
{
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (formats[i].c == c)
			return &formats[i];
	return NULL;
}

bool ist_kernel_decoder_supported(enum ist_compression c)
{
	return find(c) != NULL;
}

/*
 * The one member being decoded. The kernel's flush(buf, len) and
 * error(msg) carry no user pointer, so their context is file-scope, as in
 * init/initramfs.c; `busy` refuses a second decode while one runs.
 */
static atomic_flag busy = ATOMIC_FLAG_INIT;
static struct {
	int (*flush)(void *user, const uint8_t *p, size_t n);
	void *user;
	const char *message; /* the first error the decompressor reported */
	bool stopped;        /* flush refused the data */
} cur;

/* initramfs.c's error(): the first message wins. */
static void k_error(char *msg)
{
	if (!cur.message)
		cur.message = msg;
}

/* initramfs.c's flush_buffer(): nothing is taken after an error. */
static long k_flush(void *buf, unsigned long len)
{
	if (cur.message || cur.stopped)
		return -1;
	if (cur.flush(cur.user, buf, len)) {
		cur.stopped = true;
		return -1;
	}
	return (long)len;
}

static bool contains(const char *hay, const char *needle)
{
	for (; *hay; hay++) {
		size_t i = 0;
		while (needle[i] && hay[i] == needle[i])
			i++;
		if (!needle[i])
			return true;
	}
	return false;
}

/* The status a kernel message stands for. */
static enum ist_status message_status(const char *m)
{
	if (contains(m, "out of memory") || contains(m, "Out of memory") ||
	    contains(m, "allocate"))
		return IST_NO_MEMORY;
	if (contains(m, "truncated") || contains(m, "unexpected EOF"))
		return IST_TRUNCATED;
	return IST_BAD_DATA;
}

/* A failure the decompressor did not put into words. */
static enum ist_status silent_failure(const struct format *f, int res, struct ist_error *err)
{
	if (f->c == IST_COMP_BZIP2) {
		/* lib/decompress_bunzip2.c's RETVAL_* codes */
		switch (res) {
		case -2:
			return ist_fail(err, IST_BAD_DATA, 0,
					"not bzip2 data: bad stream or block magic (bunzip2 returned RETVAL_NOT_BZIP_DATA without a message)");
		case -3:
			return ist_fail(err, IST_TRUNCATED, 0,
					"bzip2-compressed data ends unexpectedly (bunzip2 returned RETVAL_UNEXPECTED_INPUT_EOF without a message)");
		case -5:
			return ist_fail(err, IST_BAD_DATA, 0,
					"bzip2-compressed data is corrupt (bunzip2 returned RETVAL_DATA_ERROR without a message)");
		case -6:
			return ist_fail(err, IST_NO_MEMORY, 0,
					"bzip2 decompressor ran out of memory (bunzip2 returned RETVAL_OUT_OF_MEMORY without a message)");
		case -7:
			return ist_fail(err, IST_BAD_DATA, 0,
					"obsolete randomised bzip2 block (bunzip2 returned RETVAL_OBSOLETE_INPUT without a message)");
		}
	}
	if (f->c == IST_COMP_LZMA)
		/* unlzma's only silent failures besides flush: its window or
		 * its probability table could not be allocated */
		return ist_fail(err, IST_NO_MEMORY, 0,
				"LZMA decompressor ran out of memory for its window or probability table (unlzma returned %d without a message)",
				res);
	return ist_fail(err, IST_BAD_DATA, 0, "decompressor failed (%s returned %d without a message)",
			f->kernel_name, res);
}

enum ist_status ist_kernel_decompress(enum ist_compression c, const uint8_t *in, size_t len,
				      size_t *in_used,
				      int (*flush)(void *user, const uint8_t *p, size_t n),
				      void *flush_user, struct ist_error *err)
{
	*in_used = 0;
	const struct format *f = find(c);
	if (!f)
		return ist_fail(err, IST_UNSUPPORTED, 0, "no kernel decoder for %s",
				ist_compression_name(c));
	if (len > (size_t)__LONG_MAX__)
		return ist_fail(err, IST_LIMIT, 0, "%llu bytes are more than the kernel's decompressors take",
				(unsigned long long)len);
	if (atomic_flag_test_and_set(&busy))
		return ist_fail(err, IST_INVALID, 0,
				"the kernel's %s decompressor is already running: the kernel decoders decode one member at a time",
				ist_compression_name(c));
	cur.flush = flush;
	cur.user = flush_user;
	cur.message = NULL;
	cur.stopped = false;
	long pos = 0;
	/* The kernel's signature takes the input non-const; without fill it
	 * only reads it. */
	int res = f->fn((unsigned char *)(uintptr_t)in, (long)len, NULL, k_flush, NULL, &pos, k_error);
	const char *message = cur.message;
	bool stopped = cur.stopped;
	cur.flush = NULL;
	cur.user = NULL;
	atomic_flag_clear(&busy);
	enum ist_status st;
	if (stopped)
		st = ist_fail(err, IST_ABORTED, 0, "stopped by the flush callback");
	else if (message)
		st = ist_fail(err, message_status(message), 0, "%s", message);
	else if (res)
		st = silent_failure(f, res, err);
	else if (pos < 0 || (unsigned long)pos > len)
		st = ist_fail(err, IST_INVALID, 0, "%s reported %lld bytes of a %llu-byte input",
			      f->kernel_name, (long long)pos, (unsigned long long)len);
	else
		return *in_used = (size_t)pos, IST_OK;
	return st;
}

static enum ist_status run_whole(void *state, const uint8_t *in, size_t in_len, size_t *in_used,
				 int (*flush)(void *user, const uint8_t *p, size_t n),
				 void *flush_user, struct ist_error *err)
{
	const struct format *f = state;
	return ist_kernel_decompress(f->c, in, in_len, in_used, flush, flush_user, err);
}

static void release(void *state)
{
	(void)state; /* nothing is kept between members */
}

enum ist_status ist_kernel_decoder_open(void *user, enum ist_compression c, struct ist_decoder *d,
					struct ist_error *err)
{
	(void)user;
	const struct format *f = find(c);
	if (!f)
		return ist_fail(err, IST_UNSUPPORTED, 0, "no kernel decoder for %s",
				ist_compression_name(c));
	d->run = NULL;
	d->run_whole = run_whole;
	d->release = release;
	d->state = (void *)(uintptr_t)f;
	return IST_OK;
}
