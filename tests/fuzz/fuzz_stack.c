/*
 * libFuzzer target: the stack model. The input is split at "\xff\xfe\xfd"
 * markers into up to four archives with the roles kernel, extra, deferred,
 * extra, read with the host decoders (compressed members included) and
 * unpacked into one tree, which is then walked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <initstack/tree.h>

#include "stack.h"
#include "util.h"

static int on_event(void *u, const struct ist_event *ev)
{
	size_t *n = u;
	*n += strlen(ev->detail) + strlen(ev->path) + strlen(ev->name);
	return 0;
}

static int visit(void *u, const struct ist_tree_item *it)
{
	size_t *n = u;
	*n += strlen(it->path);
	if (it->target)
		*n += strlen(it->target);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ist_role roles[] = { IST_ROLE_KERNEL, IST_ROLE_EXTRA, IST_ROLE_DEFERRED,
					       IST_ROLE_EXTRA };
	size_t sink = 0;
	struct ist_tree_config cfg;
	ist_tree_config_default(&cfg);
	cfg.event = on_event;
	cfg.user = &sink;
	cfg.builtin = size & 1;
	struct ist_tree *t;
	struct ist_error err;
	if (ist_tree_new(&t, &host_alloc, &cfg, &err))
		return 0;
	size_t start = 0;
	for (unsigned idx = 0; idx < 4 && start <= size; idx++) {
		size_t end = start;
		while (end + 3 <= size && memcmp(data + end, "\xff\xfe\xfd", 3))
			end++;
		if (end + 3 > size)
			end = size;
		char msg[512];
		read_archive_mem("fuzz", data + start, end - start, 1 + (size % 4093), idx, roles[idx], t,
				 NULL, msg, sizeof msg);
		start = end + 3;
	}
	ist_tree_walk(t, visit, &sink);
	ist_tree_free(t);
	return 0;
}
