/*
 * libFuzzer target: handover's manifest parser on arbitrary bytes. Checks
 * the contracts handover relies on: a rejection is one NUL-terminated line
 * "LABEL:LINE: ..." naming a line that exists; an accepted manifest has
 * bounded counts, file names that are single path components, sizes a newc
 * member can hold, normalised prefixes, and rendered back in canonical form
 * it parses to the same policy and archives.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../handover/manifest.h"

static struct ho_manifest m, again;
static char text[HO_MANIFEST_MAX + 1];

static size_t render(const struct ho_manifest *x)
{
	static const char *const errs[] = { "panic", "shell", "continue" };
	size_t n = (size_t)snprintf(text, sizeof text, "initstack-manifest 1\n");
	for (unsigned k = 0; k < x->policy.nprotect; k++)
		n += (size_t)snprintf(text + n, sizeof text - n, "protect %s\n", x->policy.protect[k]);
	n += (size_t)snprintf(text + n, sizeof text - n, "on-clash %s\nhandover-error %s\n",
			      ist_action_name(x->policy.action[IST_EV_TYPE_CHANGE]), errs[x->on_error]);
	for (unsigned i = 0; i < x->ndeferred; i++) {
		char hex[IST_SHA256_HEX];
		n += (size_t)snprintf(text + n, sizeof text - n, "deferred %s %llu %s %s\n",
				      x->deferred[i].name, (unsigned long long)x->deferred[i].size,
				      ist_sha256_hex(x->deferred[i].sha256, hex),
				      ist_compression_name(x->deferred[i].comp));
	}
	if (n >= sizeof text)
		__builtin_trap();
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[300];
	memset(err, 'x', sizeof err);
	int rc = ho_manifest_parse(&m, "M", (const char *)data, size, err, sizeof err);
	if (rc != 0 && rc != -1)
		__builtin_trap();
	if (!memchr(err, '\0', sizeof err))
		__builtin_trap();
	if (rc) {
		unsigned line;
		char colon;
		if (sscanf(err, "M:%u%c", &line, &colon) != 2 || colon != ':' || line == 0)
			__builtin_trap();
		unsigned lines = 1;
		for (size_t i = 0; i + 1 < size; i++)
			lines += data[i] == '\n';
		if (line > lines)
			__builtin_trap();
		return 0;
	}
	if (err[0] || m.ndeferred > HO_MAX_DEFERRED || m.policy.nprotect > IST_MAX_PROTECT ||
	    (unsigned)m.on_error > IST_HANDOVER_CONTINUE)
		__builtin_trap();
	for (unsigned k = 0; k < m.policy.nprotect; k++) {
		struct ist_policy p;
		struct ist_error e;
		ist_policy_default(&p);
		p.nprotect = 0;
		const char *s = m.policy.protect[k];
		if (ist_policy_protect(&p, s, strlen(s), &e) || strcmp(p.protect[0], s))
			__builtin_trap();
	}
	for (unsigned i = 0; i < m.ndeferred; i++) {
		const struct ho_deferred *d = &m.deferred[i];
		size_t n = strnlen(d->name, sizeof d->name);
		if (!n || n > HO_NAME_MAX || strchr(d->name, '/') || !strcmp(d->name, ".") ||
		    !strcmp(d->name, "..") || d->size > 0xffffffffu || d->line < 2 || d->line > m.nlines)
			__builtin_trap();
	}
	size_t n = render(&m);
	if (ho_manifest_parse(&again, "R", text, n, err, sizeof err))
		__builtin_trap();
	if (memcmp(&again.policy, &m.policy, sizeof m.policy) || again.on_error != m.on_error ||
	    again.ndeferred != m.ndeferred)
		__builtin_trap();
	for (unsigned i = 0; i < m.ndeferred; i++) {
		const struct ho_deferred *a = &m.deferred[i], *b = &again.deferred[i];
		if (strcmp(a->name, b->name) || a->size != b->size || a->comp != b->comp ||
		    memcmp(a->sha256, b->sha256, sizeof a->sha256))
			__builtin_trap();
	}
	return 0;
}
