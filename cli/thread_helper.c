#include <stdlib.h>
#include <string.h>

#include "thread_helper.h"

static void *thread_main(void *p)
{
	struct thread_helper *h = p;
	h->fn(h->arg);
	return NULL;
}

static bool thread_start(void *ctx, void (*fn)(void *), void *arg)
{
	struct thread_helper *h = ctx;
	h->fn = fn;
	h->arg = arg;
	return pthread_create(&h->thread, NULL, thread_main, h) == 0;
}

static bool thread_wait(void *ctx)
{
	return pthread_join(((struct thread_helper *)ctx)->thread, NULL) == 0;
}

struct ist_inflate_helper thread_helper(struct thread_helper *th)
{
	return (struct ist_inflate_helper){ thread_start, thread_wait, th };
}

bool thread_tail_alloc(struct ist_inflate_tail *t, size_t region)
{
	memset(t, 0, sizeof *t);
	t->s = malloc(sizeof *t->s);
	t->buf_size = region + IST_INFLATE_HISTORY;
	t->buf = malloc(t->buf_size);
	t->probe_size = 8u << 20;
	t->probe = malloc(t->probe_size);
	if (t->s && t->buf && t->probe) {
		/* fault the pages in now: the callers time the decodes */
		memset(t->buf, 0, t->buf_size);
		memset(t->probe, 0, t->probe_size);
		return true;
	}
	thread_tail_free(t);
	return false;
}

void thread_tail_free(struct ist_inflate_tail *t)
{
	free(t->s);
	free(t->buf);
	free(t->probe);
	memset(t, 0, sizeof *t);
}
