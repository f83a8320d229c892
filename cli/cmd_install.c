/*
 * `initstack install` and `initstack remove`: the loader on the ESP (and,
 * on a booted EFI system, a UEFI boot option for it), undone in full.
 * Both are idempotent. docs/install.md is the user's side of this.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "esp.h"
#include "sysfiles.h"
#include "util.h"

#define LABEL "initstack"
#define ENTRY_MARK "# initstack entry add "

struct iopts {
	const char *esp, *loader;
	bool removable, no_variables;
};

static int fail(const char *who, const char *what, const char *why)
{
	fprintf(stderr, "initstack %s: %s: %s\n", who, what, why);
	return EXIT_UNREADABLE;
}

/* The loader to install: --loader, the package's, else the build tree's. */
static char *loader_source(const char *given)
{
	if (given)
		return strdup(given);
	const char *pkg = sys_path(INITSTACK_LIBDIR "/initstack.efi");
	if (sys_exists(pkg))
		return strdup(pkg);
	return build_tree_file("efi-x86_64/initstack.efi");
}

static int copy(const char *who, const char *from, const char *to)
{
	if (sys_same(from, to)) {
		printf("initstack %s: %s: up to date\n", who, to);
		return 0;
	}
	size_t n;
	uint8_t *p = sys_read(from, &n);
	if (!p)
		return fail(who, from, strerror(errno));
	int rc = sys_write(to, p, n) ? fail(who, to, strerror(errno)) : 0;
	free(p);
	if (!rc)
		printf("initstack %s: %s: installed\n", who, to);
	return rc;
}

/* A chroot (an image being built) sees the host's firmware variables, if
 * anything: never ours to change. Unknown (no /proc) counts as a chroot. */
static bool in_chroot(void)
{
	struct stat a, b;
	return stat("/", &a) || stat("/proc/1/root/", &b) || a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

static bool efi_variables(void)
{
	return !*sys_root && sys_is_dir("/sys/firmware/efi/efivars") && !in_chroot();
}

/* Run a program, its output to `out` (NULL: ours); its exit status or -1. */
static int run(char *const argv[], char *out, size_t cap)
{
	int fd[2];
	if (out && pipe(fd))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (out) {
			dup2(fd[1], 1);
			close(fd[0]);
			close(fd[1]);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (out) {
		close(fd[1]);
		size_t n = 0;
		ssize_t r;
		while (n + 1 < cap && (r = read(fd[0], out + n, cap - 1 - n)) > 0)
			n += (size_t)r;
		out[n] = '\0';
		char sink[512];
		while (read(fd[0], sink, sizeof sink) > 0)
			;
		close(fd[0]);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The boot numbers of our options in efibootmgr's listing ("Boot0003* initstack\t..."). */
static unsigned our_options(const char *listing, char nums[][5], unsigned cap)
{
	unsigned n = 0;
	for (const char *l = listing; l && *l && n < cap; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, "Boot", 4) || strspn(l + 4, "0123456789ABCDEFabcdef") != 4)
			continue;
		const char *t = l + 8;
		if (*t == '*')
			t++;
		t += strspn(t, " ");
		if (!strncmp(t, LABEL, strlen(LABEL)) && strchr("\t \n", t[strlen(LABEL)])) {
			memcpy(nums[n], l + 4, 4);
			nums[n++][4] = '\0';
		}
	}
	return n;
}

/* The disk and partition number the ESP is on, from sysfs. */
static int esp_disk(const char *esp, char *disk, size_t cap, char *part, size_t pcap)
{
	struct stat st;
	if (stat(esp, &st))
		return -1;
	char link[PATH_MAX], target[PATH_MAX];
	snprintf(link, sizeof link, "/sys/dev/block/%u:%u", major(st.st_dev), minor(st.st_dev));
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	char pfile[PATH_MAX + 32];
	snprintf(pfile, sizeof pfile, "%s/partition", link);
	char *num = sys_first_line(pfile);
	char *last = strrchr(target, '/');
	if (!num || !last) {
		free(num);
		return -1;
	}
	*last = '\0';
	char *dname = strrchr(target, '/');
	if (snprintf(disk, cap, "/dev/%.200s", dname ? dname + 1 : target) >= (int)cap)
		return -1;
	snprintf(part, pcap, "%s", num);
	free(num);
	return 0;
}

static int boot_option_add(const char *esp)
{
	char listing[16384];
	char *list[] = { "efibootmgr", NULL };
	if (run(list, listing, sizeof listing) != 0) {
		fprintf(stderr, "initstack install: efibootmgr failed or is not installed: no boot option written\n");
		return EXIT_UNREADABLE;
	}
	char nums[8][5];
	if (our_options(listing, nums, 8)) {
		printf("initstack install: boot option Boot%s (%s): up to date\n", nums[0], LABEL);
		return 0;
	}
	char disk[PATH_MAX], part[16];
	if (esp_disk(esp, disk, sizeof disk, part, sizeof part)) {
		fprintf(stderr, "initstack install: %s: cannot tell its disk and partition: no boot option written\n", esp);
		return EXIT_UNREADABLE;
	}
	char *add[] = { "efibootmgr", "-q", "-c", "-d", disk, "-p", part, "-L", LABEL,
			"-l", "\\EFI\\initstack\\initstackx64.efi", NULL };
	if (run(add, NULL, 0) != 0) {
		fprintf(stderr, "initstack install: efibootmgr could not add the boot option\n");
		return EXIT_UNREADABLE;
	}
	printf("initstack install: boot option %s on %s partition %s: added, first in BootOrder\n", LABEL, disk, part);
	return 0;
}

static int boot_options_remove(void)
{
	char listing[16384];
	char *list[] = { "efibootmgr", NULL };
	if (run(list, listing, sizeof listing) != 0)
		return 0; /* none can be there that we could remove */
	char nums[8][5];
	unsigned n = our_options(listing, nums, 8);
	for (unsigned i = 0; i < n; i++) {
		char *del[] = { "efibootmgr", "-q", "-b", nums[i], "-B", NULL };
		if (run(del, NULL, 0) != 0)
			return fail("remove", "efibootmgr", "could not delete the boot option");
		printf("initstack remove: boot option Boot%s (%s): removed\n", nums[i], LABEL);
	}
	return 0;
}

static const char install_usage[] =
	"usage: initstack install [--esp DIR] [--root DIR] [--removable] [--no-variables] [--loader PATH]\n"
	"       initstack remove  [--esp DIR] [--root DIR] [--no-variables]\n";

static int parse(int argc, char **argv, struct iopts *o)
{
	static const struct option lopts[] = {
		{ "esp", required_argument, 0, 'e' },    { "root", required_argument, 0, 'r' },
		{ "loader", required_argument, 0, 'l' }, { "removable", no_argument, 0, 'R' },
		{ "no-variables", no_argument, 0, 'N' }, { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'e': o->esp = optarg; break;
		case 'r': sys_root = optarg; break;
		case 'l': o->loader = optarg; break;
		case 'R': o->removable = true; break;
		case 'N': o->no_variables = true; break;
		case 'h': fputs(install_usage, stdout); return 0;
		default: fputs(install_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(install_usage, stderr);
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_install(int argc, char **argv)
{
	struct iopts o = { 0 };
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	char *esp = esp_find(o.esp, "install");
	if (!esp)
		return EXIT_UNREADABLE;
	char *src = loader_source(o.loader);
	char path[PATH_MAX];
	rc = 0;
	if (!src) {
		rc = fail("install", INITSTACK_LIBDIR "/initstack.efi", "not found; give --loader PATH");
		goto out;
	}
	static const char *const dirs[] = { INITSTACK_ESP_DIR, "/loader/entries" };
	for (size_t i = 0; i < 2 && !rc; i++) {
		snprintf(path, sizeof path, "%s%s", esp, dirs[i]);
		if (sys_mkdirs(path, 0755))
			rc = fail("install", path, strerror(errno));
	}
	snprintf(path, sizeof path, "%s%s", esp, INITSTACK_ESP_IMAGE);
	if (!rc)
		rc = copy("install", src, path);
	/* the firmware's fallback path, which boots a disk with no boot option
	 * (a new image, a moved disk): taken when free, replaced only when asked */
	snprintf(path, sizeof path, "%s%s", esp, INITSTACK_REMOVABLE);
	bool free_path = !sys_exists(path);
	if (!rc && (o.removable || free_path || sys_same(src, path))) {
		snprintf(path, sizeof path, "%s/EFI/BOOT", esp);
		if (sys_mkdirs(path, 0755))
			rc = fail("install", path, strerror(errno));
		snprintf(path, sizeof path, "%s%s", esp, INITSTACK_REMOVABLE);
		if (!rc)
			rc = copy("install", src, path);
	} else if (!rc && !sys_same(src, path)) {
		printf("initstack install: %s: another loader's, left alone (--removable replaces it)\n", path);
	}
	/* the token must not change when systemd makes the machine ID on the
	 * first boot of an image: fix it now, as bootctl install does */
	char tok[PATH_MAX];
	snprintf(tok, sizeof tok, "%s", sys_path("/etc/kernel/entry-token"));
	if (!rc && !sys_exists(tok)) {
		char *t = esp_entry_token();
		char line[512];
		int len = snprintf(line, sizeof line, "%s\n", t);
		if (sys_mkdirs(sys_path("/etc/kernel"), 0755) || sys_write(tok, line, (size_t)len))
			rc = fail("install", tok, strerror(errno));
		else
			printf("initstack install: %s: %s\n", tok, t);
		free(t);
	}
	if (!rc && !o.no_variables && efi_variables())
		rc = boot_option_add(esp);
out:
	free(src);
	free(esp);
	return rc;
}

/* Entries `initstack entry add` wrote (they start with its mark), and
 * their directories. */
static int remove_entries(const char *esp)
{
	char dir[PATH_MAX / 2];
	if (snprintf(dir, sizeof dir, "%s/loader/entries", esp) >= (int)sizeof dir)
		return fail("remove", esp, "path too long");
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		size_t len;
		char *p = de->d_name[0] == '.' ? NULL : (char *)sys_read(path, &len);
		if (!p || strncmp(p, ENTRY_MARK, strlen(ENTRY_MARK))) {
			free(p);
			continue;
		}
		/* its files: the directory of its `linux` line */
		char *l = strstr(p, "\nlinux ");
		if (l) {
			l += 7;
			l += strspn(l, " \t");
			char *e = strstr(l, "/linux\n");
			if (e && e > l) {
				char files[PATH_MAX];
				snprintf(files, sizeof files, "%s%.*s", esp, (int)(e - l), l);
				if (sys_remove_tree(files))
					rc = fail("remove", files, strerror(errno));
				for (int up = 0; up < 2; up++) { /* KVER, TOKEN when empty */
					char *slash = strrchr(files, '/');
					if (!slash || slash <= files + strlen(esp))
						break;
					*slash = '\0';
					rmdir(files);
				}
			}
		}
		free(p);
		if (unlink(path))
			rc = fail("remove", path, strerror(errno));
		else
			printf("initstack remove: %s: removed\n", path);
	}
	closedir(d);
	return rc;
}

int cmd_remove(int argc, char **argv)
{
	struct iopts o = { 0 };
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	char *esp = esp_find(o.esp, "remove");
	if (!esp)
		return EXIT_UNREADABLE;
	rc = remove_entries(esp);
	char path[PATH_MAX], ours[PATH_MAX];
	snprintf(ours, sizeof ours, "%s%s", esp, INITSTACK_ESP_IMAGE);
	snprintf(path, sizeof path, "%s%s", esp, INITSTACK_REMOVABLE);
	/* the removable path only if it is our loader: another may own it now */
	if (sys_same(ours, path)) {
		if (unlink(path))
			rc = fail("remove", path, strerror(errno));
		else
			printf("initstack remove: %s: removed\n", path);
	}
	snprintf(path, sizeof path, "%s%s", esp, INITSTACK_ESP_DIR);
	if (sys_exists(path)) {
		if (sys_remove_tree(path))
			rc = fail("remove", path, strerror(errno));
		else
			printf("initstack remove: %s: removed\n", path);
	}
	if (!o.no_variables && efi_variables() && boot_options_remove())
		rc = EXIT_UNREADABLE;
	free(esp);
	return rc;
}
