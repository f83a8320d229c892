/*
 * handover: started by the kernel as rdinit=/kernel/handover (PID 1). Runs
 * the kernel camp's hooks, unpacks the deferred archives under the policy,
 * returns their memory, and execs /init with the argv and environment the
 * kernel gave it. See docs/handover.md and docs/protocol.md.
 *
 * As PID 1 it takes no options: every argument belongs to /init. Run as
 * any other process it is a test harness (docs/handover.md, "Testing"):
 *   handover [--root DIR] [--no-exec] [--hook-timeout MS] [--verbose] [-- ARGS]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <initstack/sha256.h>

#include "hooks.h"
#include "manifest.h"
#include "unpack.h"

#define HOOK_TIMEOUT_MS 60000
#define MANIFEST ".initstack/manifest"
#define DEFERRED ".initstack/deferred"

/* Exit statuses of the test mode (PID 1 never returns). */
enum { EXIT_INIT = 0, EXIT_USAGE = 1, EXIT_PANIC = 2, EXIT_SHELL = 3 };

struct ho {
	bool pid1, exec, verbose;
	const char *root;          /* "/" as PID 1 */
	int rootfd;
	unsigned hook_timeout_ms;
	bool mounted_dev;          /* we mounted devtmpfs on /dev */
	unsigned problems;
	char **init_argv;
	char **envp;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("handover: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* A path under the root, for the calls that take one (exec, hooks). */
static char *rooted(const struct ho *h, const char *abs)
{
	char *p = NULL;
	if (h->pid1 || !strcmp(h->root, "/"))
		return strdup(abs);
	if (asprintf(&p, "%s%s", h->root, abs) < 0)
		return NULL;
	return p;
}

/* ---- the console ------------------------------------------------------ */

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/*
 * The kernel opens /dev/console as fds 0-2 for init when it exists. When it
 * did not, mount devtmpfs on /dev, open the console, and detach the mount
 * at once: the open fds keep working (for us, the hooks and /init), and no
 * mount of ours shadows the rootfs's /dev while archives are unpacked.
 */
static void console(struct ho *h)
{
	if (fd_open(0) && fd_open(1) && fd_open(2))
		return;
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0 && errno == ENOENT) {
		if (mkdir("/dev", 0755) && errno != EEXIST)
			return;
		if (!mount("devtmpfs", "/dev", "devtmpfs", 0, "mode=0755"))
			h->mounted_dev = true;
		fd = open("/dev/console", O_RDWR | O_NOCTTY);
	}
	if (fd >= 0) {
		for (int i = 0; i < 3; i++)
			if (!fd_open(i))
				dup2(fd, i);
		if (fd > 2)
			close(fd);
	}
	if (h->mounted_dev) {
		if (umount2("/dev", MNT_DETACH))
			say("umount /dev (mounted for the console): %s", strerror(errno));
		else
			h->mounted_dev = false;
	}
}

/* ---- deferred archives --------------------------------------------------- */

static int read_manifest(struct ho *h, struct ho_manifest *m, bool *present)
{
	*present = false;
	int fd = openat(h->rootfd, MANIFEST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		say("/%s: %s", MANIFEST, strerror(errno));
		return -1;
	}
	*present = true;
	static char text[HO_MANIFEST_MAX + 1];
	size_t n = 0;
	for (;;) {
		ssize_t k = read(fd, text + n, sizeof text - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			say("/%s: read: %s", MANIFEST, strerror(errno));
			close(fd);
			return -1;
		}
		if (!k || (n += (size_t)k) == sizeof text)
			break;
	}
	close(fd);
	char err[300];
	if (ho_manifest_parse(m, "/" MANIFEST, text, n, err, sizeof err)) {
		say("%s", err);
		return -1;
	}
	return 0;
}

/* Check, decode and unpack one deferred archive: 0, or -1 (reported). */
static int deferred(struct ho *h, const struct ho_deferred *d, const struct ist_policy *pol)
{
	char rel[HO_NAME_MAX + sizeof DEFERRED + 2];
	snprintf(rel, sizeof rel, "%s/%s", DEFERRED, d->name);
	int fd = openat(h->rootfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		say("%s: /%s: %s (not unpacked)", d->name, rel, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != d->size) {
		say("%s: size %lld, the manifest says %llu (not unpacked)", d->name,
		    (long long)st.st_size, (unsigned long long)d->size);
		close(fd);
		return -1;
	}
	const uint8_t *p = NULL;
	if (d->size) {
		p = mmap(NULL, d->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			say("%s: mmap: %s (not unpacked)", d->name, strerror(errno));
			close(fd);
			return -1;
		}
	}
	close(fd);
	int rc = -1;
	uint8_t digest[IST_SHA256_SIZE];
	char want[IST_SHA256_HEX], got[IST_SHA256_HEX];
	ist_sha256(p, d->size, digest);
	enum ist_compression c = ist_compression_detect(p, d->size);
	if (memcmp(digest, d->sha256, sizeof digest)) {
		say("%s: sha256 %s, the manifest says %s (not unpacked)", d->name,
		    ist_sha256_hex(digest, got), ist_sha256_hex(d->sha256, want));
	} else if (c != d->comp) {
		say("%s: starts as %s, the manifest says %s (not unpacked)", d->name,
		    ist_compression_name(c), ist_compression_name(d->comp));
	} else {
		struct ho_unpack_config cfg = { .policy = pol, .rootfd = h->rootfd, .archive = d->name,
						.verbose = h->verbose };
		struct ho_unpack_stats s;
		rc = ho_unpack_mem(&cfg, p ? p : (const uint8_t *)"", d->size, &s);
		say("%s: %u entries: %u written, %u dropped, %u refused, %u warnings, %u failed%s",
		    d->name, s.entries, s.applied, s.dropped, s.refused, s.warnings, s.failed,
		    rc ? " (the archive is malformed: unpacked up to the problem)" : "");
		if (s.refused || s.failed)
			rc = -1;
	}
	if (p)
		munmap((void *)p, d->size);
	return rc;
}

/* Delete /.initstack: the deferred files first (their memory returns). */
static void cleanup(struct ho *h)
{
	int dfd = openat(h->rootfd, DEFERRED, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0) {
		DIR *dir = fdopendir(dfd);
		struct dirent *de;
		while (dir && (de = readdir(dir))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (unlinkat(dirfd(dir), de->d_name, 0)) {
				say("/%s/%s: unlink: %s", DEFERRED, de->d_name, strerror(errno));
				h->problems++;
			}
		}
		if (dir)
			closedir(dir);
		else
			close(dfd);
	}
	static const struct {
		const char *rel;
		int flags;
	} rm[] = { { MANIFEST, 0 }, { DEFERRED, AT_REMOVEDIR }, { ".initstack", AT_REMOVEDIR } };
	for (unsigned i = 0; i < sizeof rm / sizeof rm[0]; i++)
		if (unlinkat(h->rootfd, rm[i].rel, rm[i].flags) && errno != ENOENT) {
			say("/%s: remove: %s", rm[i].rel, strerror(errno));
			h->problems++;
		}
}

static enum ist_handover_error unpack_all(struct ho *h)
{
	struct ho_manifest *m = calloc(1, sizeof *m);
	if (!m) {
		say("out of memory");
		h->problems++;
		return IST_HANDOVER_CONTINUE;
	}
	bool present;
	enum ist_handover_error on_error = IST_HANDOVER_CONTINUE;
	if (read_manifest(h, m, &present)) {
		h->problems++;
		/* no policy to trust: unpack nothing, stop as the default says */
	} else if (!present) {
		say("no /%s: nothing deferred", MANIFEST);
	} else {
		on_error = m->on_error;
		/* the deferred files themselves are protected while we unpack */
		struct ist_policy pol = m->policy;
		struct ist_error e;
		if (ist_policy_protect(&pol, "/.initstack", 11, &e)) {
			say("cannot protect /.initstack: %s (nothing unpacked)", e.msg);
			h->problems++;
		} else {
			for (unsigned i = 0; i < m->ndeferred; i++)
				if (deferred(h, &m->deferred[i], &pol))
					h->problems++;
		}
	}
	free(m);
	cleanup(h);
	return on_error;
}

/* ---- the end -------------------------------------------------------------- */

static const char *find_shell(const struct ho *h)
{
	static const char *const shells[] = { "/bin/sh", "/usr/bin/sh", "/kernel/bin/sh" };
	for (unsigned i = 0; i < sizeof shells / sizeof shells[0]; i++)
		if (!faccessat(h->rootfd, shells[i] + 1, X_OK, 0))
			return shells[i];
	return NULL;
}

static int panic(struct ho *h)
{
	say("%u problem%s; handover-error panic: stopping (the kernel panics)", h->problems,
	    h->problems == 1 ? "" : "s");
	if (!h->pid1)
		return EXIT_PANIC;
	fflush(NULL);
	exit(1); /* PID 1 exits: "Attempted to kill init!" */
}

static int shell(struct ho *h)
{
	const char *sh = find_shell(h);
	if (!sh) {
		say("handover-error shell: no shell (/bin/sh, /usr/bin/sh, /kernel/bin/sh)");
		return panic(h);
	}
	say("%u problem%s; handover-error shell: starting %s (exit it to go on to /init)",
	    h->problems, h->problems == 1 ? "" : "s", sh);
	if (!h->pid1)
		return EXIT_SHELL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		char *const argv[] = { (char *)sh, NULL };
		execve(sh, argv, h->envp);
		say("%s: exec: %s", sh, strerror(errno));
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return EXIT_INIT;
}

static int usage(const char *msg)
{
	fprintf(stderr, "handover: %s\n"
			"usage (not as PID 1): handover [--root DIR] [--no-exec] [--hook-timeout MS] [--verbose] [-- INIT-ARGS]\n",
		msg);
	return EXIT_USAGE;
}

static int parse_args(struct ho *h, int argc, char **argv)
{
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--root") && i + 1 < argc) {
			h->root = argv[++i];
		} else if (!strcmp(a, "--no-exec")) {
			h->exec = false;
		} else if (!strcmp(a, "--verbose")) {
			h->verbose = true;
		} else if (!strcmp(a, "--hook-timeout") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (*end || !*argv[i] || v == 0 || v > 86400000)
				return usage("--hook-timeout takes milliseconds (1 to 86400000)");
			h->hook_timeout_ms = (unsigned)v;
		} else {
			fprintf(stderr, "handover: unknown argument \"%s\"\n", a);
			return usage("as PID 1 handover takes no options");
		}
	}
	/* what /init gets: argv[0] "/init", then the rest */
	h->init_argv = calloc((size_t)(argc - i) + 2, sizeof *h->init_argv);
	if (!h->init_argv)
		return usage("out of memory");
	h->init_argv[0] = "/init";
	for (int k = i; k < argc; k++)
		h->init_argv[k - i + 1] = argv[k];
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	struct ho h = { .pid1 = getpid() == 1, .exec = true, .root = "/", .rootfd = -1,
			.hook_timeout_ms = HOOK_TIMEOUT_MS, .envp = envp };
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (h.pid1) {
		/* every argument is /init's */
		h.init_argv = argv;
		argv[0] = "/init";
		console(&h);
		const char *t = getenv("handover_hook_timeout");
		if (t && *t) {
			char *end;
			unsigned long v = strtoul(t, &end, 10);
			if (!*end && v > 0 && v <= 86400)
				h.hook_timeout_ms = (unsigned)v * 1000;
			else
				say("handover_hook_timeout=%s: not seconds (1 to 86400), using %u", t,
				    HOOK_TIMEOUT_MS / 1000);
		}
	} else {
		int rc = parse_args(&h, argc, argv);
		if (rc)
			return rc;
	}
	umask(0);
	h.rootfd = open(h.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (h.rootfd < 0) {
		say("%s: %s", h.root, strerror(errno));
		if (!h.pid1)
			return EXIT_USAGE;
		h.problems++;
	}

	/* 1. the kernel camp's hooks, before any deferred file is unpacked */
	char *hooks = rooted(&h, "/kernel/hooks");
	struct ho_hooks_config hc = { .dir = hooks, .cwd = h.root, .timeout_ms = h.hook_timeout_ms };
	int failed_hooks = hooks && h.rootfd >= 0 ? ho_run_hooks(&hc) : 0;
	free(hooks);
	if (failed_hooks)
		h.problems += failed_hooks > 0 ? (unsigned)failed_hooks : 1;

	/* 2. the deferred archives, 3. their memory back */
	enum ist_handover_error on_error = IST_HANDOVER_CONTINUE;
	if (h.rootfd >= 0)
		on_error = unpack_all(&h);

	/* 4. what we mounted goes (console() detached it already if it could) */
	if (h.mounted_dev && umount2("/dev", MNT_DETACH)) {
		say("umount /dev: %s", strerror(errno));
		h.problems++;
	}

	/* 5. handover-error, then /init */
	if (h.problems) {
		if (on_error == IST_HANDOVER_PANIC)
			return panic(&h);
		if (on_error == IST_HANDOVER_SHELL) {
			int rc = shell(&h);
			if (rc != EXIT_INIT)
				return rc;
		} else {
			say("%u problem%s; handover-error continue: going on to /init", h.problems,
			    h.problems == 1 ? "" : "s");
		}
	}
	char *init = rooted(&h, "/init");
	if (!h.exec) {
		say("would exec %s", init ? init : "/init");
		free(init);
		return EXIT_INIT;
	}
	fflush(NULL);
	if (h.rootfd >= 0)
		close(h.rootfd);
	execve(init ? init : "/init", h.init_argv, envp);
	say("exec %s: %s", init ? init : "/init", strerror(errno));
	free(init);
	if (!h.pid1)
		return EXIT_USAGE;
	exit(1);
}
