/*
 * initstack dtb ENTRY: the devicetree initstack.efi would install for a boot
 * entry (its `devicetree`, its `devicetree-overlay`s applied in order, the
 * stack recorded in /chosen), made by the loader's own code (dt/) over
 * Debian's libfdt.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <initstack/dt.h>
#include <initstack/entry.h>
#include <initstack/sha256.h>

#include "cmd.h"
#include "sysfiles.h"
#include "util.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: initstack dtb ENTRY [--esp DIR] [--base FILE] [-o OUT.dtb]\n"
		   "\n"
		   "  --esp DIR    the ESP the entry's paths are in (default: above\n"
		   "               loader/entries/ when ENTRY is there, else ENTRY's directory)\n"
		   "  --base FILE  the base DTB when the entry has no devicetree line (the\n"
		   "               loader takes the firmware's then)\n"
		   "  -o OUT.dtb   write the blob the loader would install\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

/* The ESP of ENTRY: what precedes "/loader/entries/", else its directory. */
static void default_esp(const char *entry, char *out, size_t size)
{
	const char *at = strstr(entry, "/loader/entries/");
	if (at) {
		snprintf(out, size, "%.*s", (int)(at - entry), entry);
	} else if (!strncmp(entry, "loader/entries/", 15)) {
		snprintf(out, size, ".");
	} else {
		const char *slash = strrchr(entry, '/');
		snprintf(out, size, "%.*s", slash ? (int)(slash - entry) : 1, slash ? entry : ".");
	}
	if (!*out)
		snprintf(out, size, "/");
}

struct blobs {
	struct ist_dt_blob base, overlay[IST_ENTRY_MAX_OVERLAYS];
	unsigned n;
	struct ist_dt_archive archive[IST_ENTRY_MAX_ARCHIVES];
	char hex[IST_ENTRY_MAX_ARCHIVES][IST_SHA256_HEX];
};

static int read_blob(const char *esp, const char *path, struct ist_dt_blob *b)
{
	char full[PATH_MAX];
	snprintf(full, sizeof full, "%s%s", esp, path);
	size_t n;
	uint8_t *p = sys_read(full, &n);
	if (!p) {
		fprintf(stderr, "initstack dtb: %s: %s\n", full, strerror(errno));
		return EXIT_UNREADABLE;
	}
	b->data = p;
	b->len = n;
	b->name = path;
	return 0;
}

/* The stack as the loader records it: sizes as read, the digests it checks. */
static int read_stack(const char *esp, const char *entry_name, const struct ist_entry *e,
		      struct blobs *s)
{
	for (unsigned i = 0; i < e->narchive; i++) {
		const struct ist_entry_archive *a = &e->archive[i];
		char full[PATH_MAX];
		snprintf(full, sizeof full, "%s%s", esp, a->path);
		struct stat st;
		/* the bytes only where there is a digest to check */
		size_t n = 0;
		uint8_t *p = NULL;
		if (a->has_sha256 ? !(p = sys_read(full, &n)) : stat(full, &st) != 0) {
			fprintf(stderr, "initstack dtb: %s:%u: %s: %s\n", entry_name, a->line, full,
				strerror(errno));
			return EXIT_UNREADABLE;
		}
		s->archive[i] = (struct ist_dt_archive){ .name = a->path,
							 .role = ist_role_name(a->role),
							 .size = p ? n : (uint64_t)st.st_size,
							 .deferred = a->role == IST_ROLE_DEFERRED };
		if (a->has_sha256) {
			uint8_t d[IST_SHA256_SIZE];
			char want[IST_SHA256_HEX];
			ist_sha256(p, n, d);
			ist_sha256_hex(d, s->hex[i]);
			if (memcmp(d, a->sha256, IST_SHA256_SIZE)) {
				fprintf(stderr, "initstack dtb: %s: sha256 %s, but %s:%u says %s\n",
					a->path, s->hex[i], entry_name, a->sha256_line,
					ist_sha256_hex(a->sha256, want));
				free(p);
				return EXIT_VIOLATION;
			}
			s->archive[i].sha256 = s->hex[i];
		}
		free(p);
	}
	return 0;
}

int cmd_dtb(int argc, char **argv)
{
	const char *esp_opt = NULL, *base_file = NULL, *out = NULL;
	static const struct option opts[] = { { "esp", required_argument, 0, 'e' },
					      { "base", required_argument, 0, 'b' },
					      { "help", no_argument, 0, 'h' },
					      { 0, 0, 0, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e': esp_opt = optarg; break;
		case 'b': base_file = optarg; break;
		case 'o': out = optarg; break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (optind + 1 != argc)
		return usage(stderr);
	const char *entry_file = argv[optind];
	char esp[PATH_MAX];
	if (esp_opt)
		snprintf(esp, sizeof esp, "%s", esp_opt);
	else
		default_esp(entry_file, esp, sizeof esp);

	size_t len;
	uint8_t *text = sys_read(entry_file, &len);
	if (!text) {
		fprintf(stderr, "initstack dtb: %s: %s\n", entry_file, strerror(errno));
		return EXIT_UNREADABLE;
	}
	static struct ist_entry e;
	static struct blobs s;
	struct ist_error err = { 0 };
	int rc = 0;
	if (ist_entry_parse(&e, entry_file, text, len, &err)) {
		fprintf(stderr, "initstack dtb: %s\n", err.msg);
		rc = EXIT_VIOLATION;
		goto out;
	}
	if (e.devicetree.path) {
		rc = read_blob(esp, e.devicetree.path, &s.base);
	} else if (base_file) {
		rc = read_blob("", base_file, &s.base);
	} else {
		fprintf(stderr,
			"initstack dtb: %s: no devicetree line: the loader would take the firmware's; give it with --base FILE\n",
			entry_file);
		rc = EXIT_USAGE;
	}
	for (unsigned i = 0; !rc && i < e.noverlay; i++, s.n++)
		rc = read_blob(esp, e.overlay[i].path, &s.overlay[i]);
	if (!rc)
		rc = read_stack(esp, entry_file, &e, &s);
	if (rc)
		goto out;

	/* the entry as the loader names it: its path on the ESP */
	char entry_name[PATH_MAX];
	size_t el = strlen(esp);
	if (!strncmp(entry_file, esp, el) && entry_file[el] == '/')
		snprintf(entry_name, sizeof entry_name, "%s", entry_file + el);
	else if (!strcmp(esp, ".") && entry_file[0] != '/')
		snprintf(entry_name, sizeof entry_name, "/%s", entry_file);
	else
		snprintf(entry_name, sizeof entry_name, "%s", entry_file);
	struct ist_dt_chosen chosen = { .entry = entry_name, .archive = s.archive,
					.narchive = e.narchive };
	void *dtb;
	size_t dtb_len;
	if (ist_dt_build(&s.base, s.overlay, s.n, &chosen, &host_alloc, &dtb, &dtb_len, &err)) {
		fprintf(stderr, "initstack dtb: %s\n", err.msg);
		rc = EXIT_VIOLATION;
		goto out;
	}
	printf("initstack dtb: %s: %zu bytes, %u overlay%s applied, /chosen: %u archives (%u deferred)\n",
	       s.base.name, dtb_len, s.n, s.n == 1 ? "" : "s", e.narchive, e.ndeferred);
	if (out && sys_write(out, dtb, dtb_len)) {
		fprintf(stderr, "initstack dtb: %s: cannot write: %s\n", out, strerror(errno));
		rc = EXIT_UNREADABLE;
	}
	free(dtb);
out:
	free((void *)s.base.data);
	for (unsigned i = 0; i < s.n; i++)
		free((void *)s.overlay[i].data);
	free(text);
	return rc;
}
