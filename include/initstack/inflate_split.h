/*
 * One DEFLATE stream decoded on two cores.
 *
 * A contiguous decode runs at the speed of a dependent chain of table
 * lookups, about 20 cycles a symbol on any one core (docs/benchmarks.md);
 * a boot loader's firmware has idle cores. So while one core decodes the
 * stream from its start, another looks for a dynamic block header near the
 * middle and decodes from there with stand-in history. The first core
 * stops exactly at that bit -- the proof that the header was real and the
 * second half decodes as it would have in sequence -- and appends the second
 * half, putting the real bytes where it referred to history it did not
 * have. Anything that does not line up (no header found, a false one, the
 * stand-in history still referred to too far into the second half, a
 * region too small) leaves the first core to decode the rest itself: the
 * result and every error are exactly those of ist_inflate_run.
 *
 * The core starts no threads: the front end passes a struct
 * ist_inflate_helper that runs a function on another core (UEFI MP
 * services in the loader, a thread on the host).
 */
#ifndef INITSTACK_INFLATE_SPLIT_H
#define INITSTACK_INFLATE_SPLIT_H

#include <initstack/inflate.h>

struct ist_inflate_helper {
	/* Start fn(arg) on another core; false if there is none. */
	bool (*start)(void *ctx, void (*fn)(void *arg), void *arg);
	/*
	 * Wait for the started fn to return: true once it has. False when the
	 * helper gave up (a core that never finishes must not hang the boot):
	 * then fn may still be running, and the tail with its scratch must
	 * stay allocated for good (t->abandoned).
	 */
	bool (*wait)(void *ctx);
	void *ctx;
};

/*
 * The second half's decoder and scratch, from the caller: `s`, a decoder
 * state for the other core; `buf`, 32 KiB plus room for the second half's
 * output (the region's size is always enough); `probe`, 32 KiB plus room
 * for a second decode of the second half's first bytes, as far as they
 * refer to the missing history (8 MiB is plenty; where it runs out, no
 * split); `trial`, how many bytes a block header found must decode to
 * before it is taken (0: 16 KiB; tests make it small to provoke false
 * starts). The other fields are the split's own; after the call they say
 * what happened.
 */
struct ist_inflate_tail {
	struct ist_inflate *s;
	uint8_t *buf, *probe;
	size_t buf_size, probe_size, trial;

	const uint8_t *in;
	size_t in_size;
	uint64_t start_bit; /* the block header the second half started at */
	volatile uint32_t cancel;
	enum ist_status status; /* IST_OK: the second half was decoded */
	uint64_t end_byte;      /* the input byte after its final block */
	size_t size;            /* its bytes, at buf + 32 KiB */
	size_t dirty;           /* the first `dirty` of them referred to history */
	bool joined;            /* and were appended to the first half */
	bool abandoned;         /* the helper gave up waiting: never free `s`, buf, probe */
};

/* Inputs smaller than this are decoded on one core. */
#define IST_INFLATE_SPLIT_MIN (1u << 20)

/*
 * Contiguous mode with the whole input at hand: the same as
 * ist_inflate_run(s, in, in_size, true, in_used_ret, err), from the state
 * `s` is in, but with the second half of the deflate stream under way at
 * the input's middle decoded on another core when the input is at least
 * IST_INFLATE_SPLIT_MIN bytes, a helper is given (h may be NULL) and a
 * block header to start at is found within the next quarter of the input
 * or MiB, whichever is less.
 * On IST_NO_SPACE the caller grows the region and goes on with
 * ist_inflate_run as usual.
 */
enum ist_status ist_inflate_run_split(struct ist_inflate *s, struct ist_inflate_tail *t,
				      const struct ist_inflate_helper *h, const void *in,
				      size_t in_size, size_t *in_used_ret, struct ist_error *err);

/*
 * The same with the search for a block header in input bits [from, to) of
 * `in`, at any input size: for tests and fuzzing.
 */
enum ist_status ist_inflate_run_split_from(struct ist_inflate *s, struct ist_inflate_tail *t,
					   const struct ist_inflate_helper *h, const void *in,
					   size_t in_size, uint64_t from, uint64_t to,
					   size_t *in_used_ret, struct ist_error *err);

#endif
