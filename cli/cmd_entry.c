/*
 * `initstack entry add|remove KVER`: the boot entry of an installed kernel,
 * written where the Boot Loader Specification puts it so that initstack.efi
 * (which boots the newest entry and falls back to the one before),
 * systemd-boot and `bootctl list` all see it. What goes in it and why is
 * docs/install.md.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <initstack/archive.h>
#include <initstack/dt.h>
#include <initstack/entry.h>
#include <initstack/sha256.h>

#include "cmd.h"
#include "esp.h"
#include "sysfiles.h"
#include "util.h"

#define POLICY_FILE "/etc/initstack/policy"
#define DEVICETREE_FILE "/etc/initstack/devicetree"
#define OVERLAY_DIR "/etc/initstack/overlays/"
/* not TOKEN-KVER.conf: kernel-install writes that one for systemd-boot */
#define ENTRY_SUFFIX "-initstack.conf"
#define MAX_HOOKS 64

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("initstack entry: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_UNREADABLE;
}

/* A growing text. */
struct text {
	char *p;
	size_t n, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int k = vsnprintf(t->p ? t->p + t->n : NULL, t->p ? t->cap - t->n : 0, fmt, ap);
		va_end(ap);
		if (k >= 0 && t->p && t->n + (size_t)k < t->cap) {
			t->n += (size_t)k;
			return;
		}
		t->cap = (t->cap + (size_t)(k > 0 ? k : 0)) * 2 + 256;
		t->p = realloc(t->p, t->cap);
	}
}

/* ---- the distribution's initrd: its early microcode goes in front ------ */

struct split {
	uint64_t lead_end;
	bool kernel_files;
};

static int on_entry(void *user, const struct ist_segment *s, const struct ist_cpio_entry *e)
{
	struct split *sp = user;
	if (s->leading && !strncmp(e->name, "kernel/", 7))
		sp->kernel_files = true;
	return 0;
}

static int on_segment(void *user, const struct ist_segment *s)
{
	struct split *sp = user;
	if (s->leading && s->kind == IST_SEG_CPIO)
		sp->lead_end = s->offset + s->length;
	return 0;
}

/*
 * Where the compressed main archive starts after a leading uncompressed
 * cpio of /kernel files (initramfs-tools and dracut put early microcode
 * there), or 0: the kernel finds microcode only at the front of the
 * initrd, so deferring it whole would lose it.
 */
static size_t early_split(const uint8_t *p, size_t len, size_t *early_len)
{
	struct split sp = { 0 };
	struct ist_archive_ops ops = { .entry = on_entry, .segment = on_segment, .user = &sp };
	static uint8_t scratch[64 << 10];
	struct ist_archive a;
	ist_archive_init(&a, &ops, NULL, NULL, scratch, sizeof scratch);
	ist_archive_feed(&a, p, len); /* stops at the compressed member: no decoder */
	size_t at = (size_t)sp.lead_end;
	while (at < len && !p[at])
		at++;
	*early_len = 0;
	if (!sp.kernel_files || !at || at >= len ||
	    ist_compression_detect(p + at, len - at) == IST_COMP_NONE)
		return 0;
	/* the NULs between them belong to neither: the loader pads each part */
	*early_len = (size_t)sp.lead_end;
	return at;
}

/* ---- the pieces of an entry --------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The hooks: /usr/lib/initstack/hooks/NAME, unless /etc/initstack/hooks
 * has NAME (then that one; a link to /dev/null masks it), by name. */
static int find_hooks(char **out, unsigned *n)
{
	static const char *const dirs[] = { "/etc/initstack/hooks", INITSTACK_LIBDIR "/hooks" };
	*n = 0;
	for (size_t d = 0; d < 2; d++) {
		const char *dir = sys_path(dirs[d]);
		DIR *dh = opendir(dir);
		if (!dh)
			continue;
		struct dirent *de;
		while ((de = readdir(dh))) {
			if (de->d_name[0] == '.')
				continue;
			bool seen = false;
			for (unsigned i = 0; i < *n && !seen; i++)
				seen = !strcmp(strrchr(out[i], '/') + 1, de->d_name);
			if (seen)
				continue;
			if (*n == MAX_HOOKS) {
				closedir(dh);
				return fail("more than %d hooks in %s and %s", MAX_HOOKS, dirs[0], dirs[1]);
			}
			char path[PATH_MAX];
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			out[(*n)++] = strdup(path); /* masked ones too: they hide the other */
		}
		closedir(dh);
	}
	qsort(out, *n, sizeof *out, cmp_str);
	return 0;
}

static bool masked(const char *path)
{
	char target[16];
	ssize_t tl = readlink(path, target, sizeof target - 1);
	return tl == 9 && !memcmp(target, "/dev/null", 9);
}

/* /etc/kernel/cmdline, /usr/lib/kernel/cmdline, else the running kernel's
 * less what a boot loader added (as kernel-install reads it). */
static char *find_cmdline(void)
{
	static const char *const files[] = { "/etc/kernel/cmdline", "/usr/lib/kernel/cmdline",
					     "/proc/cmdline" };
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		char *p = (char *)sys_read(sys_path(files[i]), &len);
		if (!p)
			continue;
		struct text t = { 0 };
		put(&t, "%s", "");
		for (char *w = strtok(p, " \t\r\n"); w; w = strtok(NULL, " \t\r\n")) {
			if (i == 2 && (!strncmp(w, "BOOT_IMAGE=", 11) || !strncmp(w, "initrd=", 7)))
				continue;
			put(&t, "%s%s", t.n ? " " : "", w);
		}
		free(p);
		return t.p;
	}
	return strdup("");
}

/*
 * /etc/initstack/policy: entry lines of the policy keys only, checked by
 * the entry parser with their own line numbers (a `linux` line is added
 * after them for the parser's sake).
 */
static int read_policy(struct text *out)
{
	const char *path = sys_path(POLICY_FILE);
	size_t len;
	char *p = (char *)sys_read(path, &len);
	if (!p)
		return errno == ENOENT ? 0 : fail("%s: %s", path, strerror(errno));
	static const char *const keys[] = { "protect", "on-clash", "handover-error", "loader-error",
					    "decompress" };
	unsigned line = 0;
	int rc = 0;
	struct text lines = { 0 };
	put(&lines, "%s", "");
	for (char *s = p, *nl; !rc && *s; s = nl ? nl + 1 : s + strlen(s)) {
		nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		line++;
		put(&lines, "%s\n", s);
		char *k = s + strspn(s, " \t");
		if (!*k || *k == '#' || *k == '\r')
			continue;
		size_t kl = strcspn(k, " \t\r");
		bool ok = false;
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			ok |= kl == strlen(keys[i]) && !memcmp(k, keys[i], kl);
		if (!ok)
			rc = fail("%s:%u: \"%.*s\" is not a policy key (protect, on-clash, handover-error, loader-error, decompress)",
				  path, line, (int)kl, k);
		else
			put(out, "%s\n", k);
		if (!nl)
			break;
	}
	if (!rc) {
		put(&lines, "linux /x\n");
		static struct ist_entry e;
		struct ist_error err = { 0 };
		if (ist_entry_parse(&e, path, lines.p, lines.n, &err))
			rc = fail("%s", err.msg);
	}
	free(lines.p);
	free(p);
	return rc ? EXIT_VIOLATION : 0;
}

/* Write PATH (unless dry_run) and add its sha256 line to `digests` (if
 * not NULL). */
static int write_file(const char *path, const uint8_t *p, size_t n, struct text *digests,
		      const char *esp_path, bool dry_run)
{
	if (digests) {
		uint8_t d[IST_SHA256_SIZE];
		char hex[IST_SHA256_HEX];
		ist_sha256(p, n, d);
		put(digests, "sha256         %s %s\n", esp_path, ist_sha256_hex(d, hex));
	}
	if (dry_run)
		return 0;
	size_t had_len;
	uint8_t *had = sys_read(path, &had_len);
	/* the hooks run this for every initrd update: the ESP (FAT, often
	 * flash) is written only where something changed */
	bool same = had && had_len == n && !memcmp(had, p, n);
	free(had);
	if (!same && sys_write(path, p, n))
		return fail("%s: cannot write: %s", path, strerror(errno));
	return 0;
}

/* The devicetree files of an earlier `entry add` in `dir` that are not
 * among the `n` names in `keep`. */
static void drop_stale(const char *dir, char keep[][NAME_MAX + 16], unsigned n)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *de; (de = readdir(d));) {
		if (strcmp(de->d_name, "devicetree.dtb") && strncmp(de->d_name, "overlay-", 8))
			continue;
		bool kept = false;
		for (unsigned i = 0; i < n; i++)
			kept |= !strcmp(keep[i], de->d_name);
		char path[PATH_MAX];
		if (!kept && snprintf(path, sizeof path, "%s/%s", dir, de->d_name) < (int)sizeof path)
			unlink(path);
	}
	closedir(d);
}

/* The blobs /etc/initstack/devicetree names: [0] the base (data NULL when
 * none), then the `n` overlays; `src` their paths. */
struct devicetree {
	struct ist_dt_blob b[1 + IST_ENTRY_MAX_OVERLAYS];
	char *src[1 + IST_ENTRY_MAX_OVERLAYS];
	unsigned n;
};

static void devicetree_free(struct devicetree *d)
{
	for (unsigned i = 0; i <= d->n; i++) {
		free((void *)d->b[i].data);
		free(d->src[i]);
	}
}

/*
 * /etc/initstack/devicetree, for boards that boot with a devicetree:
 *   devicetree NAME   the kernel package's blob, /usr/lib/linux-image-KVER/NAME
 *                     (named as flash-kernel names them), or an absolute path
 *   overlay FILE      an overlay, applied in the order listed; a relative
 *                     name is under /etc/initstack/overlays/
 * Read into `d` (nothing when the file does not exist) and checked by
 * applying the overlays to the base, so one that does not apply fails
 * `entry add` with the loader's message, before anything is written.
 */
static int devicetree_load(const char *kver, struct devicetree *d)
{
	memset(d, 0, sizeof *d);
	const char *conf = sys_path(DEVICETREE_FILE);
	size_t len;
	char *p = (char *)sys_read(conf, &len);
	if (!p)
		return errno == ENOENT ? 0 : fail("%s: %s", conf, strerror(errno));
	struct ist_dt_blob *b = d->b;
	unsigned line = 0;
	int rc = 0;
	for (char *s = p, *nl; !rc && *s; s = nl ? nl + 1 : s + strlen(s)) {
		nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		line++;
		char *k = s + strspn(s, " \t");
		if (!*k || *k == '#' || *k == '\r')
			continue;
		size_t kl = strcspn(k, " \t\r");
		char *v = k + kl + strspn(k + kl, " \t");
		v[strcspn(v, " \t\r")] = '\0';
		bool base = kl == 10 && !memcmp(k, "devicetree", 10);
		if (!base && !(kl == 7 && !memcmp(k, "overlay", 7))) {
			rc = fail("%s:%u: \"%.*s\" is not a devicetree key (devicetree, overlay)", conf,
				  line, (int)kl, k);
		} else if (!*v) {
			rc = fail("%s:%u: %.*s needs a file name", conf, line, (int)kl, k);
		} else if (base && b[0].data) {
			rc = fail("%s:%u: a second devicetree line", conf, line);
		} else if (!base && d->n == IST_ENTRY_MAX_OVERLAYS) {
			rc = fail("%s:%u: more than %u overlays", conf, line, IST_ENTRY_MAX_OVERLAYS);
		} else {
			char full[PATH_MAX];
			if (*v == '/')
				snprintf(full, sizeof full, "%s", v);
			else if (base)
				snprintf(full, sizeof full, "/usr/lib/linux-image-%s/%s", kver, v);
			else
				snprintf(full, sizeof full, OVERLAY_DIR "%s", v);
			unsigned i = base ? 0 : ++d->n;
			d->src[i] = strdup(sys_path(full));
			if (!(b[i].data = sys_read(d->src[i], &b[i].len)))
				rc = fail("%s:%u: %s: %s", conf, line, d->src[i], strerror(errno));
			b[i].name = d->src[i];
		}
		if (!nl)
			break;
	}
	free(p);
	struct ist_error err = { 0 };
	void *out = NULL;
	size_t out_len;
	if (!rc && b[0].data &&
	    ist_dt_build(&b[0], b + 1, d->n, NULL, &host_alloc, &out, &out_len, &err))
		rc = fail("the devicetree would not apply: %s", err.msg);
	for (unsigned i = 1; !rc && !b[0].data && i <= d->n; i++)
		if (ist_dt_check(&b[i], true, &err))
			rc = fail("%s", err.msg);
	free(out);
	return rc ? EXIT_VIOLATION : 0;
}

/* Copy the blobs of `d` into the kernel's directory on the ESP (`dir`,
 * `rel` as the entry names it), add their lines to `entry`, and remove
 * those of an earlier `entry add` that `d` no longer names. */
static int devicetree_write(const struct devicetree *d, const char *rel, const char *dir,
			    struct text *entry, bool dry_run)
{
	char file[1 + IST_ENTRY_MAX_OVERLAYS][NAME_MAX + 16];
	unsigned nfile = 0;
	int rc = 0;
	for (unsigned i = 0; !rc && i <= d->n; i++) {
		if (!d->b[i].data)
			continue;
		const char *slash = strrchr(d->src[i], '/');
		char path[PATH_MAX];
		if (i == 0)
			snprintf(file[nfile], sizeof file[0], "devicetree.dtb");
		else
			snprintf(file[nfile], sizeof file[0], "overlay-%02u-%.200s", i, slash + 1);
		snprintf(path, sizeof path, "%s/%s", dir, file[nfile]);
		if (!(rc = write_file(path, d->b[i].data, d->b[i].len, NULL, NULL, dry_run)))
			put(entry, "%-14s %s/%s\n", i ? "devicetree-overlay" : "devicetree", rel,
			    file[nfile]);
		nfile++;
	}
	if (!rc && !dry_run)
		drop_stale(dir, file, nfile);
	return rc;
}

struct opts {
	const char *esp, *token, *cmdline, *handover;
	bool dry_run, if_installed;
};

/* --if-installed: the distribution's hooks run for every kernel, whether
 * or not initstack boots this machine; only `initstack install` opts in. */
static bool skip_uninstalled(const struct opts *o, const char *esp)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s" INITSTACK_ESP_IMAGE, esp);
	if (!o->if_installed || sys_exists(path))
		return false;
	printf("initstack entry: %s: initstack is not installed there (initstack install); nothing done\n", esp);
	return true;
}

static int build_kernel_archive(const char *out, const struct opts *o)
{
	char *hooks[MAX_HOOKS];
	unsigned nhooks;
	int rc = find_hooks(hooks, &nhooks);
	if (rc)
		return rc;
	char *argv[8 + 2 * MAX_HOOKS];
	int argc = 0;
	argv[argc++] = "build";
	argv[argc++] = "--kernel-archive";
	argv[argc++] = "--mtime=0";
	char hbuf[PATH_MAX];
	const char *handover = o->handover;
	if (!handover && !access(sys_path(INITSTACK_LIBDIR "/handover"), X_OK)) {
		snprintf(hbuf, sizeof hbuf, "%s", sys_path(INITSTACK_LIBDIR "/handover"));
		handover = hbuf;
	}
	if (handover) {
		argv[argc++] = "--handover";
		argv[argc++] = (char *)handover;
	}
	for (unsigned i = 0; i < nhooks; i++) {
		if (masked(hooks[i]))
			continue;
		if (access(hooks[i], X_OK) || sys_is_dir(hooks[i])) {
			/* as handover does at boot: a hook is an executable file */
			fprintf(stderr, "initstack entry: %s: not an executable file, not a hook (skipped)\n", hooks[i]);
			continue;
		}
		argv[argc++] = "--hook";
		argv[argc++] = hooks[i];
	}
	argv[argc++] = "-o";
	argv[argc++] = (char *)out;
	argv[argc] = NULL;
	rc = cmd_build(argc, argv);
	for (unsigned i = 0; i < nhooks; i++)
		free(hooks[i]);
	return rc ? fail("%s: the kernel camp's archive could not be built", out) : 0;
}

static int entry_add(const char *kver, const char *image, const char *initrd, const struct opts *o)
{
	char *esp = o->if_installed ? esp_find_quiet(o->esp) : esp_find(o->esp, "entry");
	if (!esp)
		return o->if_installed ? 0 : EXIT_UNREADABLE;
	if (skip_uninstalled(o, esp)) {
		free(esp);
		return 0;
	}
	char *token = o->token ? strdup(o->token) : esp_entry_token();
	char img_buf[PATH_MAX], rd_buf[PATH_MAX];
	if (!image) {
		snprintf(img_buf, sizeof img_buf, "%s", sys_path("/boot/vmlinuz-"));
		strncat(img_buf, kver, sizeof img_buf - strlen(img_buf) - 1);
		image = img_buf;
	}
	if (!initrd) {
		snprintf(rd_buf, sizeof rd_buf, "%s", sys_path("/boot/initrd.img-"));
		strncat(rd_buf, kver, sizeof rd_buf - strlen(rd_buf) - 1);
		initrd = rd_buf;
	}
	struct devicetree dt = { 0 };
	struct text policy = { 0 }, entry = { 0 }, digests = { 0 };
	put(&policy, "%s", "");
	put(&digests, "%s", "");
	uint8_t *kimg = NULL, *rd = NULL, *kcpio = NULL;
	char *cmdline = NULL, *title = NULL;
	size_t kimg_len, rd_len, kcpio_len;
	char dir[PATH_MAX / 2], rel[PATH_MAX / 4], path[PATH_MAX], tmp[PATH_MAX];
	int rc = read_policy(&policy);
	if (rc)
		goto out;
	if (!(kimg = sys_read(image, &kimg_len))) {
		rc = fail("%s: cannot read the kernel: %s", image, strerror(errno));
		goto out;
	}
	if (!(rd = sys_read(initrd, &rd_len))) {
		rc = fail("%s: cannot read the initrd: %s (update-initramfs -c -k %s makes it)", initrd,
			  strerror(errno), kver);
		goto out;
	}
	size_t early;
	size_t rest = early_split(rd, rd_len, &early);
	if (snprintf(rel, sizeof rel, "/%s/%s/initstack", token, kver) >= (int)sizeof rel ||
	    snprintf(dir, sizeof dir, "%s%s", esp, rel) >= (int)sizeof dir) {
		rc = fail("%s/%s/%s: path too long", esp, token, kver);
		goto out;
	}
	cmdline = o->cmdline ? strdup(o->cmdline) : find_cmdline();
	title = sys_os_release("PRETTY_NAME");
	char *id = sys_os_release("ID");
	put(&entry, "# initstack entry add %s: the kernel camp's archive first, the distribution's\n"
		    "# initrd deferred until its hooks have run (docs/install.md)\n", kver);
	/* systemd-boot lists it too, and would boot it without its archives */
	put(&entry, "title          %s (initstack)\n", title ? title : "Linux");
	put(&entry, "version        %s\n", kver);
	char *mid = sys_first_line(sys_path("/etc/machine-id"));
	if (mid && strlen(mid) == 32 && strspn(mid, "0123456789abcdef") == 32)
		put(&entry, "machine-id     %s\n", mid);
	free(mid);
	if (id && *id)
		put(&entry, "sort-key       %s\n", id);
	free(id);
	put(&entry, "linux          %s/linux\n", rel);
	if (early)
		put(&entry, "early          %s/early.cpio\n", rel);
	put(&entry, "kernel-initrd  %s/kernel.cpio\n", rel);
	put(&entry, "defer          %s/initrd\n", rel);
	if (*cmdline)
		put(&entry, "options        %s\n", cmdline);
	put(&entry, "%s", policy.p);

	/* read and checked before anything is written: an overlay that does
	 * not apply must leave the ESP as it was */
	if ((rc = devicetree_load(kver, &dt)))
		goto out;

	/* the kernel camp's archive, built before anything is written */
	if (o->dry_run) {
		snprintf(tmp, sizeof tmp, "/tmp/initstack-kernel-%d.cpio", (int)getpid());
	} else {
		if (sys_mkdirs(dir, 0755)) {
			rc = fail("%s: %s", dir, strerror(errno));
			goto out;
		}
		snprintf(tmp, sizeof tmp, "%s/kernel.cpio.new", dir);
	}
	if ((rc = build_kernel_archive(tmp, o)))
		goto out;
	kcpio = sys_read(tmp, &kcpio_len);
	unlink(tmp);
	if (!kcpio) {
		rc = fail("%s: %s", tmp, strerror(errno));
		goto out;
	}
	const struct {
		const char *name;
		const uint8_t *p;
		size_t n;
		bool digest;
	} files[] = {
		{ "linux", kimg, kimg_len, false },
		{ "early.cpio", rd, early, true },
		{ "kernel.cpio", kcpio, kcpio_len, true },
		{ "initrd", rd + rest, rd_len - rest, true },
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (!files[i].n && i == 1)
			continue;
		char esp_path[PATH_MAX];
		snprintf(esp_path, sizeof esp_path, "%s/%s", rel, files[i].name);
		snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
		if ((rc = write_file(path, files[i].p, files[i].n, files[i].digest ? &digests : NULL,
				     esp_path, o->dry_run)))
			goto out;
	}
	if (!early && !o->dry_run) {
		snprintf(path, sizeof path, "%s/early.cpio", dir);
		unlink(path); /* a regenerated initrd may have lost its microcode */
	}
	if ((rc = devicetree_write(&dt, rel, dir, &entry, o->dry_run)))
		goto out;
	put(&entry, "%s", digests.p);

	static struct ist_entry parsed;
	struct ist_error err = { 0 };
	char entry_path[PATH_MAX];
	snprintf(entry_path, sizeof entry_path, "%s/loader/entries/%s-%s" ENTRY_SUFFIX, esp, token, kver);
	if (ist_entry_parse(&parsed, entry_path, entry.p, entry.n, &err)) {
		rc = fail("the entry would not boot: %s", err.msg);
		goto out;
	}
	if (o->dry_run) {
		fputs(entry.p, stdout);
		goto out;
	}
	snprintf(path, sizeof path, "%s/loader/entries", esp);
	if (sys_mkdirs(path, 0755)) {
		rc = fail("%s: %s", path, strerror(errno));
		goto out;
	}
	if ((rc = write_file(entry_path, (const uint8_t *)entry.p, entry.n, NULL, NULL, false)))
		goto out;
	printf("initstack entry: %s: %s%s, initrd %zu bytes deferred%s\n", entry_path,
	       rel, "/linux", rd_len - rest, early ? ", early microcode in front" : "");
out:
	devicetree_free(&dt);
	free(kimg);
	free(rd);
	free(kcpio);
	free(cmdline);
	free(title);
	free(policy.p);
	free(entry.p);
	free(digests.p);
	free(token);
	free(esp);
	return rc;
}

static int entry_remove(const char *kver, const struct opts *o)
{
	char *esp = o->if_installed ? esp_find_quiet(o->esp) : esp_find(o->esp, "entry");
	if (!esp)
		return o->if_installed ? 0 : EXIT_UNREADABLE;
	char *token = o->token ? strdup(o->token) : esp_entry_token();
	char path[PATH_MAX], dir[PATH_MAX];
	snprintf(path, sizeof path, "%s/loader/entries/%s-%s" ENTRY_SUFFIX, esp, token, kver);
	snprintf(dir, sizeof dir, "%s/%s/%s/initstack", esp, token, kver);
	int rc = 0;
	bool had = sys_exists(path) || sys_exists(dir);
	if (unlink(path) && errno != ENOENT)
		rc = fail("%s: %s", path, strerror(errno));
	if (!rc && sys_remove_tree(dir))
		rc = fail("%s: %s", dir, strerror(errno));
	if (!rc) {
		/* the kernel's and the token's directories go when nothing else is
		 * in them (kernel-install may keep its own files there) */
		snprintf(dir, sizeof dir, "%s/%s/%s", esp, token, kver);
		rmdir(dir);
		snprintf(dir, sizeof dir, "%s/%s", esp, token);
		rmdir(dir);
		printf("initstack entry: %s: %s\n", path, had ? "removed" : "no such entry");
	}
	free(token);
	free(esp);
	return rc;
}

static const char entry_usage[] =
	"usage: initstack entry add KVER [IMAGE [INITRD]] [OPTIONS]\n"
	"       initstack entry remove KVER [OPTIONS]\n"
	"\n"
	"  --esp DIR           the ESP (default: /efi, /boot/efi or /boot, as bootctl finds it)\n"
	"  --root DIR          the installed system's root (default /)\n"
	"  --entry-token TOKEN names the entry and its directory on the ESP\n"
	"  --cmdline TEXT      the kernel command line (default: /etc/kernel/cmdline)\n"
	"  --handover PATH     handover for the kernel camp's archive\n"
	"  --dry-run           print the entry, write nothing\n"
	"  --if-installed      do nothing (exit 0) where initstack install has not been run\n";

int cmd_entry(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "esp", required_argument, 0, 'e' },
		{ "root", required_argument, 0, 'r' },
		{ "entry-token", required_argument, 0, 't' },
		{ "cmdline", required_argument, 0, 'c' },
		{ "handover", required_argument, 0, 'H' },
		{ "dry-run", no_argument, 0, 'n' },
		{ "if-installed", no_argument, 0, 'i' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct opts o = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'e': o.esp = optarg; break;
		case 'r': sys_root = optarg; break;
		case 't': o.token = optarg; break;
		case 'c': o.cmdline = optarg; break;
		case 'H': o.handover = optarg; break;
		case 'n': o.dry_run = true; break;
		case 'i': o.if_installed = true; break;
		case 'h': fputs(entry_usage, stdout); return 0;
		default: fputs(entry_usage, stderr); return EXIT_USAGE;
		}
	}
	int n = argc - optind;
	const char *verb = n > 0 ? argv[optind] : "";
	const char *kver = n > 1 ? argv[optind + 1] : NULL;
	if (kver && (!*kver || strchr(kver, '/') || !strcmp(kver, ".") || !strcmp(kver, ".."))) {
		fprintf(stderr, "initstack entry: \"%s\" is not a kernel version\n", kver);
		return EXIT_USAGE;
	}
	if (o.token && (!*o.token || strchr(o.token, '/') || o.token[0] == '.')) {
		fprintf(stderr, "initstack entry: \"%s\" is not an entry token\n", o.token);
		return EXIT_USAGE;
	}
	if (!strcmp(verb, "add") && n >= 2 && n <= 4)
		return entry_add(kver, n > 2 ? argv[optind + 2] : NULL, n > 3 ? argv[optind + 3] : NULL, &o);
	if (!strcmp(verb, "remove") && n == 2)
		return entry_remove(kver, &o);
	fputs(entry_usage, stderr);
	return EXIT_USAGE;
}
