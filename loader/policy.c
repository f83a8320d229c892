/* Policy: protected prefixes and an action per event class. */
#include <initstack/format.h>
#include <initstack/tree.h>

#include "shim.h"

static bool eq(const char *s, size_t len, const char *lit)
{
	size_t n = ist_strlen(lit);
	return n == len && !memcmp(s, lit, n);
}

static const char role_names[][9] = { "early", "kernel", "extra", "deferred" };
static const char class_names[IST_EV_COUNT][15] = {
	"overwrite", "type-change", "dropped", "symlink-parent", "protected", "early",
};
static const char action_names[][6] = { "allow", "warn", "error" };

const char *ist_role_name(enum ist_role r)
{
	return (unsigned)r < IST_ARRAY_SIZE(role_names) ? role_names[r] : "unknown";
}

bool ist_role_parse(const char *s, size_t len, enum ist_role *r)
{
	for (unsigned i = 0; i < IST_ARRAY_SIZE(role_names); i++)
		if (eq(s, len, role_names[i])) {
			*r = (enum ist_role)i;
			return true;
		}
	return false;
}

const char *ist_event_class_name(enum ist_event_class c)
{
	return (unsigned)c < IST_EV_COUNT ? class_names[c] : "unknown";
}

bool ist_event_class_parse(const char *s, size_t len, enum ist_event_class *c)
{
	for (unsigned i = 0; i < IST_EV_COUNT; i++)
		if (eq(s, len, class_names[i])) {
			*c = (enum ist_event_class)i;
			return true;
		}
	return false;
}

const char *ist_action_name(enum ist_action a)
{
	return (unsigned)a < IST_ARRAY_SIZE(action_names) ? action_names[a] : "unknown";
}

bool ist_action_parse(const char *s, size_t len, enum ist_action *a)
{
	for (unsigned i = 0; i < IST_ARRAY_SIZE(action_names); i++)
		if (eq(s, len, action_names[i])) {
			*a = (enum ist_action)i;
			return true;
		}
	return false;
}

void ist_policy_on_clash(struct ist_policy *p, enum ist_action a)
{
	p->action[IST_EV_TYPE_CHANGE] = a;
	p->action[IST_EV_DROPPED] = a;
	p->action[IST_EV_SYMLINK_PARENT] = a;
}

void ist_policy_default(struct ist_policy *p)
{
	memset(p, 0, sizeof *p);
	memcpy(p->protect[0], "/kernel", 8);
	p->nprotect = 1;
	p->action[IST_EV_OVERWRITE] = IST_ACT_ALLOW;
	ist_policy_on_clash(p, IST_ACT_WARN);
	p->action[IST_EV_PROTECTED] = IST_ACT_ERROR;
	p->action[IST_EV_EARLY] = IST_ACT_WARN;
}

enum ist_status ist_policy_protect(struct ist_policy *p, const char *prefix, size_t len,
				   struct ist_error *err)
{
	char out[IST_PREFIX_MAX];
	size_t o = 0;
	size_t i = 0;
	if (!len || prefix[0] != '/')
		return ist_fail(err, IST_INVALID, 0, "protected prefix \"%.*s\" is not absolute",
				(int)IST_MIN(len, (size_t)200), prefix);
	while (i < len) {
		while (i < len && prefix[i] == '/')
			i++;
		size_t s = i;
		while (i < len && prefix[i] != '/')
			i++;
		size_t n = i - s;
		if (!n)
			break;
		if ((n == 1 && prefix[s] == '.') || (n == 2 && prefix[s] == '.' && prefix[s + 1] == '.'))
			return ist_fail(err, IST_INVALID, 0,
					"protected prefix \"%.*s\" has a \".\" or \"..\" component",
					(int)IST_MIN(len, (size_t)200), prefix);
		for (size_t k = s; k < i; k++)
			if (!prefix[k])
				return ist_fail(err, IST_INVALID, 0, "protected prefix has a NUL");
		if (o + 1 + n + 1 > sizeof out)
			return ist_fail(err, IST_INVALID, 0, "protected prefix longer than %u bytes",
					(unsigned)sizeof out - 1);
		out[o++] = '/';
		memcpy(out + o, prefix + s, n);
		o += n;
	}
	if (!o)
		return ist_fail(err, IST_INVALID, 0,
				"protected prefix \"/\" would protect everything");
	out[o] = '\0';
	for (unsigned k = 0; k < p->nprotect; k++)
		if (!memcmp(p->protect[k], out, o + 1))
			return IST_OK;
	if (p->nprotect == IST_MAX_PROTECT)
		return ist_fail(err, IST_INVALID, 0, "more than %u protected prefixes",
				IST_MAX_PROTECT);
	memcpy(p->protect[p->nprotect++], out, o + 1);
	return IST_OK;
}

bool ist_policy_protected(const struct ist_policy *p, const char *path, size_t len)
{
	for (unsigned k = 0; k < p->nprotect; k++) {
		size_t n = ist_strlen(p->protect[k]);
		if (len >= n && !memcmp(path, p->protect[k], n) && (len == n || path[n] == '/'))
			return true;
	}
	return false;
}
