/*
 * libFuzzer target: the boot entry parser on arbitrary bytes, and the load
 * options rendered from every entry it accepts. Checks the contracts the
 * front end relies on: every message names the file, every string of a
 * parsed entry is NUL-terminated inside the struct, the counts stay within
 * their capacities, and the rendered options have the announced length,
 * carry rdinit= exactly when they must, and fit any buffer the length says.
 */
#include <stdint.h>
#include <string.h>

#include <initstack/entry.h>

static struct ist_entry e;

static void check_str(const char *s)
{
	if (!s)
		return;
	const char *lo = e.text, *hi = e.text + e.text_used;
	if (s < lo || s >= hi)
		__builtin_trap();
	if (strlen(s) >= (size_t)(hi - s))
		__builtin_trap();
}

static void check_path(const struct ist_entry_path *p, bool required)
{
	if (required && !p->path)
		__builtin_trap();
	check_str(p->path);
	if (p->path && (p->line == 0 || p->line > e.nlines))
		__builtin_trap();
	if (p->path && strstr(p->path, "/../"))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ist_error err;
	enum ist_status st = ist_entry_parse(&e, "fuzz.conf", data, size, &err);
	if (st != IST_OK) {
		if (st != IST_BAD_DATA || err.status != IST_BAD_DATA)
			__builtin_trap();
		if (strncmp(err.msg, "fuzz.conf", 9) || strlen(err.msg) >= IST_ERROR_MSG)
			__builtin_trap();
		if (err.offset > size)
			__builtin_trap();
		return 0;
	}
	if (err.status != IST_OK || e.text_used > sizeof e.text)
		__builtin_trap();
	if (e.narchive > IST_ENTRY_MAX_ARCHIVES || e.noverlay > IST_ENTRY_MAX_OVERLAYS ||
	    e.ndeferred > e.narchive || e.policy.nprotect > IST_MAX_PROTECT ||
	    e.options_len > IST_ENTRY_OPTIONS_MAX || strlen(e.options) != e.options_len)
		__builtin_trap();
	check_str(e.title);
	check_str(e.version);
	check_str(e.machine_id);
	check_str(e.sort_key);
	check_str(e.architecture);
	check_path(&e.linux_image, true);
	check_path(&e.devicetree, false);
	for (unsigned i = 0; i < e.noverlay; i++)
		check_path(&e.overlay[i], true);
	unsigned deferred = 0;
	for (unsigned i = 0; i < e.narchive; i++) {
		const struct ist_entry_archive *a = &e.archive[i];
		struct ist_entry_path p = { a->path, a->line };
		check_path(&p, true);
		if (i && a->role < e.archive[i - 1].role)
			__builtin_trap();
		if (ist_entry_find_archive(&e, a->path, strlen(a->path)) > (int)i)
			__builtin_trap();
		deferred += a->role == IST_ROLE_DEFERRED;
	}
	if (deferred != e.ndeferred)
		__builtin_trap();
	(void)ist_entry_check_arch(&e, "fuzz.conf", "x64", &err);

	/* The load options: length first, then exactly that much room. */
	static char buf[IST_ENTRY_OPTIONS_MAX + 64];
	size_t need = 0, got = 0;
	if (ist_entry_cmdline(&e, NULL, 0, &need) != IST_NO_SPACE)
		__builtin_trap();
	if (need + 1 > sizeof buf)
		__builtin_trap();
	if (need && ist_entry_cmdline(&e, buf, need, &got) != IST_NO_SPACE)
		__builtin_trap();
	if (ist_entry_cmdline(&e, buf, need + 1, &got) != IST_OK || got != need ||
	    strlen(buf) != need)
		__builtin_trap();
	bool user = ist_cmdline_has_rdinit(e.options, e.options_len);
	bool added = e.ndeferred && !user;
	if (added != (need != e.options_len))
		__builtin_trap();
	if (e.ndeferred && !ist_cmdline_has_rdinit(buf, got))
		__builtin_trap();
	if (!added && memcmp(buf, e.options, need))
		__builtin_trap();
	return 0;
}
