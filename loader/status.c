/* Status names and error records. */
#include <initstack/base.h>
#include <initstack/format.h>

const char *ist_status_name(enum ist_status st)
{
	switch (st) {
	case IST_OK: return "ok";
	case IST_BAD_DATA: return "bad data";
	case IST_TRUNCATED: return "truncated";
	case IST_NO_SPACE: return "output full";
	case IST_NO_MEMORY: return "out of memory";
	case IST_UNSUPPORTED: return "unsupported";
	case IST_LIMIT: return "limit reached";
	case IST_POLICY: return "policy violation";
	case IST_ABORTED: return "aborted";
	case IST_INVALID: return "invalid call";
	}
	return "unknown status";
}

enum ist_status ist_fail(struct ist_error *err, enum ist_status st, uint64_t offset,
			 const char *fmt, ...)
{
	if (!err)
		return st;
	err->status = st;
	err->offset = offset;
	ist_va_list ap;
	ist_va_start(ap, fmt);
	ist_vformat(err->msg, sizeof err->msg, fmt, ap);
	ist_va_end(ap);
	return st;
}
