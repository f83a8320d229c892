/*
 * The host's second core for ist_inflate_run_split: a thread per decode,
 * started and joined as the loader starts an AP through MP services.
 */
#ifndef INITSTACK_CLI_THREAD_HELPER_H
#define INITSTACK_CLI_THREAD_HELPER_H

#include <pthread.h>

#include <initstack/inflate_split.h>

struct thread_helper {
	pthread_t thread;
	void (*fn)(void *);
	void *arg;
};

/* An ist_inflate_helper that runs on a thread described by `th`. */
struct ist_inflate_helper thread_helper(struct thread_helper *th);

/*
 * A split's second-half decoder and scratch for output regions of up to
 * `region` bytes, its pages touched; false when out of memory.
 * thread_tail_free releases it.
 */
bool thread_tail_alloc(struct ist_inflate_tail *t, size_t region);
void thread_tail_free(struct ist_inflate_tail *t);

#endif
