/*
 * build: a deterministic newc archive from a directory (sorted bytewise,
 * parents first, hard links kept with the data on the last name, as GNU
 * cpio does) or from a gen_init_cpio-style list (order kept).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <initstack/cpio.h>

#include "cmd.h"
#include "util.h"

struct item {
	char *name;    /* archive name, no leading "/" or "./" */
	char *source;  /* file to read the body from, or NULL */
	char *target;  /* symlink target */
	uint32_t mode, uid, gid, mtime, rmaj, rmin, size;
	uint64_t dev, ino; /* source identity, for hard links */
	uint32_t out_ino, nlink;
	bool has_data;
};

struct build {
	struct item *items;
	size_t n, cap;
	FILE *out;
	const char *out_path;
	long long mtime; /* -1: as given */
	long long uid, gid; /* -1: as given */
};

static int fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "initstack build: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return EXIT_UNREADABLE;
}

static struct item *new_item(struct build *b)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->items = realloc(b->items, b->cap * sizeof *b->items);
		if (!b->items) {
			perror("initstack build");
			exit(EXIT_UNREADABLE);
		}
	}
	struct item *it = &b->items[b->n++];
	memset(it, 0, sizeof *it);
	return it;
}

/* ---- from a directory ------------------------------------------------ */

static int add_tree(struct build *b, const char *root, const char *rel)
{
	char path[8192];
	snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(path);
	if (!d)
		return fail("%s: cannot read directory: %s", path, strerror(errno));
	struct dirent *de;
	int rc = 0;
	while (!rc && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char sub[8192];
		int k = snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		if (k >= IST_PATH_MAX) {
			rc = fail("%s/%s: name too long for newc (over 4095 bytes)", root, sub);
			break;
		}
		char full[8192 + 16];
		snprintf(full, sizeof full, "%s/%s", root, sub);
		struct stat st;
		if (lstat(full, &st)) {
			rc = fail("%s: %s", full, strerror(errno));
			break;
		}
		struct item *it = new_item(b);
		it->name = strdup(sub);
		it->mode = st.st_mode;
		it->uid = st.st_uid;
		it->gid = st.st_gid;
		it->mtime = (uint32_t)st.st_mtime;
		it->dev = st.st_dev;
		it->ino = st.st_ino;
		it->nlink = S_ISDIR(st.st_mode) ? 2 : (uint32_t)st.st_nlink;
		if (S_ISREG(st.st_mode)) {
			if (st.st_size > UINT32_MAX) {
				rc = fail("%s: %s", full, "over 4 GiB: newc cannot hold it");
				break;
			}
			it->size = (uint32_t)st.st_size;
			it->source = strdup(full);
		} else if (S_ISLNK(st.st_mode)) {
			char tg[IST_PATH_MAX];
			ssize_t n = readlink(full, tg, sizeof tg - 1);
			if (n < 0) {
				rc = fail("%s: %s", full, strerror(errno));
				break;
			}
			tg[n] = '\0';
			it->target = strdup(tg);
			it->size = (uint32_t)n;
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			it->rmaj = major(st.st_rdev);
			it->rmin = minor(st.st_rdev);
		}
		if (S_ISDIR(st.st_mode))
			rc = add_tree(b, root, sub);
	}
	closedir(d);
	return rc;
}

static int cmp_items(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->name, ((const struct item *)b)->name);
}

/* Hard links within the archive: same source (dev, ino), not directories. */
static void number_inodes(struct build *b, bool from_dir)
{
	uint32_t next = 1;
	for (size_t i = 0; i < b->n; i++) {
		struct item *it = &b->items[i];
		if (it->out_ino)
			continue;
		it->out_ino = next++;
		it->has_data = true;
		if (!from_dir || S_ISDIR(it->mode) || it->nlink < 2) {
			if (!S_ISDIR(it->mode))
				it->nlink = 1;
			continue;
		}
		uint32_t names = 1;
		struct item *last = it;
		for (size_t j = i + 1; j < b->n; j++) {
			struct item *o = &b->items[j];
			if (!o->out_ino && o->dev == it->dev && o->ino == it->ino) {
				o->out_ino = it->out_ino;
				names++;
				last->has_data = false;
				o->has_data = true;
				last = o;
			}
		}
		for (size_t j = i; j < b->n; j++)
			if (b->items[j].out_ino == it->out_ino)
				b->items[j].nlink = names;
	}
}

/* ---- from a list ----------------------------------------------------- */

static bool parse_u32(const char *s, int base, uint32_t *v)
{
	char *end;
	errno = 0;
	unsigned long x = strtoul(s, &end, base);
	if (errno || end == s || *end || x > UINT32_MAX || *s == '-')
		return false;
	*v = (uint32_t)x;
	return true;
}

static int list_error(const char *list, unsigned line, const char *what)
{
	fprintf(stderr, "initstack build: %s:%u: %s\n", list, line, what);
	return EXIT_UNREADABLE;
}

static int add_list(struct build *b, const char *list)
{
	FILE *f = fopen(list, "r");
	if (!f)
		return fail("%s: cannot open: %s", list, strerror(errno));
	char line[16384];
	unsigned ln = 0;
	int rc = 0;
	while (!rc && fgets(line, sizeof line, f)) {
		ln++;
		size_t len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(f)) {
			rc = list_error(list, ln, "line longer than 16383 bytes");
			break;
		}
		char *w[10];
		int nw = 0;
		for (char *tok = strtok(line, " \t"); tok; tok = strtok(NULL, " \t")) {
			if (nw == 10) {
				nw = 11;
				break;
			}
			w[nw++] = tok;
		}
		if (!nw || w[0][0] == '#')
			continue;
		struct { const char *kw; int args; uint32_t type; } kinds[] = {
			{ "file", 6, S_IFREG }, { "dir", 5, S_IFDIR }, { "nod", 8, 0 },
			{ "slink", 6, S_IFLNK }, { "pipe", 5, S_IFIFO }, { "sock", 5, S_IFSOCK },
		};
		int k = -1;
		for (int i = 0; i < 6; i++)
			if (!strcmp(w[0], kinds[i].kw))
				k = i;
		if (k < 0) {
			char msg[128];
			snprintf(msg, sizeof msg, "unknown entry type \"%.40s\" (file, dir, nod, slink, pipe, sock)", w[0]);
			rc = list_error(list, ln, msg);
			break;
		}
		if (nw != kinds[k].args) {
			char msg[128];
			snprintf(msg, sizeof msg, "\"%s\" takes %d fields, found %d", w[0], kinds[k].args - 1, nw - 1);
			rc = list_error(list, ln, msg);
			break;
		}
		struct item *it = new_item(b);
		const char *name = w[1];
		while (*name == '/')
			name++;
		if (!*name || strlen(name) > IST_PATH_MAX - 1) {
			rc = list_error(list, ln, "name empty or over 4095 bytes");
			break;
		}
		it->name = strdup(name);
		int mi = (k == 0 || k == 3) ? 3 : 2; /* index of the mode field */
		uint32_t mode;
		if (!parse_u32(w[mi], 8, &mode) || mode > 07777 ||
		    !parse_u32(w[mi + 1], 10, &it->uid) || !parse_u32(w[mi + 2], 10, &it->gid)) {
			rc = list_error(list, ln, "mode (octal, at most 07777), uid and gid must be numbers");
			break;
		}
		it->nlink = k == 1 ? 2 : 1;
		it->mode = kinds[k].type | mode;
		if (k == 0) {
			struct stat st;
			if (stat(w[2], &st) || !S_ISREG(st.st_mode)) {
				char msg[512];
				snprintf(msg, sizeof msg, "%.300s: %s", w[2], errno ? strerror(errno) : "not a regular file");
				rc = list_error(list, ln, msg);
				break;
			}
			if (st.st_size > UINT32_MAX) {
				rc = list_error(list, ln, "file over 4 GiB: newc cannot hold it");
				break;
			}
			it->source = strdup(w[2]);
			it->size = (uint32_t)st.st_size;
			it->mtime = (uint32_t)st.st_mtime;
		} else if (k == 3) {
			it->target = strdup(w[2]);
			it->size = (uint32_t)strlen(w[2]);
		} else if (k == 2) {
			if (strcmp(w[5], "c") && strcmp(w[5], "b")) {
				rc = list_error(list, ln, "device type must be c or b");
				break;
			}
			it->mode = (w[5][0] == 'c' ? S_IFCHR : S_IFBLK) | mode;
			if (!parse_u32(w[6], 10, &it->rmaj) || !parse_u32(w[7], 10, &it->rmin)) {
				rc = list_error(list, ln, "device major and minor must be numbers");
				break;
			}
		}
	}
	fclose(f);
	return rc;
}

/* ---- writing --------------------------------------------------------- */

static int sink(void *user, const void *p, size_t n)
{
	struct build *b = user;
	return fwrite(p, 1, n, b->out) == n ? 0 : IST_ABORTED;
}

static int write_all(struct build *b)
{
	struct ist_cpio_writer w;
	ist_cpio_writer_init(&w, sink, b);
	w.keep_ino = true;
	for (size_t i = 0; i < b->n; i++) {
		struct item *it = &b->items[i];
		struct ist_cpio_entry e = {
			.ino = it->out_ino,
			.mode = it->mode,
			.uid = b->uid >= 0 ? (uint32_t)b->uid : it->uid,
			.gid = b->gid >= 0 ? (uint32_t)b->gid : it->gid,
			.nlink = it->nlink,
			.mtime = b->mtime >= 0 ? (uint32_t)b->mtime : it->mtime,
			.filesize = it->has_data || !S_ISREG(it->mode) ? it->size : 0,
			.rdevmajor = it->rmaj,
			.rdevminor = it->rmin,
			.name = it->name,
			.namelen = strlen(it->name),
			.target = it->target,
			.targetlen = it->target ? strlen(it->target) : 0,
		};
		if (S_ISLNK(it->mode))
			e.filesize = (uint32_t)e.targetlen;
		if (ist_cpio_write_entry(&w, &e))
			return fail("%s: %s", it->name, w.err.msg);
		if (S_ISREG(it->mode) && e.filesize) {
			int fd = open(it->source, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return fail("%s: %s", it->source, strerror(errno));
			uint64_t left = e.filesize;
			char buf[65536];
			while (left) {
				ssize_t n = read(fd, buf, left < sizeof buf ? left : sizeof buf);
				if (n <= 0) {
					close(fd);
					return fail("%s: %s", it->source,
						    n < 0 ? strerror(errno) : "file shrank while reading");
				}
				if (ist_cpio_write_data(&w, buf, (size_t)n)) {
					close(fd);
					return fail("%s: %s", it->source, w.err.msg);
				}
				left -= (uint64_t)n;
			}
			close(fd);
		}
	}
	if (ist_cpio_write_trailer(&w))
		return fail("%s: %s", b->out_path, w.err.msg);
	return 0;
}

/* ---- the kernel camp's archive ---------------------------------------- */

static int add_file(struct build *b, const char *name, const char *source, uint32_t perm)
{
	struct stat st;
	if (stat(source, &st) || !S_ISREG(st.st_mode))
		return fail("%s: %s", source, errno ? strerror(errno) : "not a regular file");
	if (st.st_size > UINT32_MAX)
		return fail("%s: %s", source, "over 4 GiB: newc cannot hold it");
	struct item *it = new_item(b);
	it->name = strdup(name);
	it->source = strdup(source);
	it->mode = S_IFREG | perm;
	it->size = (uint32_t)st.st_size;
	it->mtime = (uint32_t)st.st_mtime;
	it->nlink = 1;
	return 0;
}

static void add_dir(struct build *b, const char *name)
{
	struct item *it = new_item(b);
	it->name = strdup(name);
	it->mode = S_IFDIR | 0755;
	it->nlink = 2;
}

/* After sorting: one entry per name; a directory given twice is one. */
static int dedupe(struct build *b)
{
	size_t o = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (o && !strcmp(b->items[o - 1].name, b->items[i].name)) {
			if (S_ISDIR(b->items[i].mode) && S_ISDIR(b->items[o - 1].mode)) {
				free(b->items[i].name);
				continue;
			}
			int rc = fail("%s: given twice (by --handover/--hook and in %s)",
				      b->items[i].name, "the directory");
			while (i < b->n)
				b->items[o++] = b->items[i++]; /* each item once, for freeing */
			b->n = o;
			return rc;
		}
		b->items[o++] = b->items[i];
	}
	b->n = o;
	return 0;
}

int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' },
		{ "list", required_argument, 0, 'l' },
		{ "mtime", required_argument, 0, 'm' },
		{ "owner", required_argument, 0, 'u' },
		{ "kernel-archive", no_argument, 0, 'K' },
		{ "handover", required_argument, 0, 'H' },
		{ "hook", required_argument, 0, 'k' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct build b = { .out_path = "-", .mtime = -1, .uid = -1, .gid = -1 };
	const char *list = NULL;
	bool kernel_archive = false;
	const char *handover = NULL;
	const char *hooks[64];
	unsigned nhooks = 0;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde)
		b.mtime = strtoll(sde, NULL, 10);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': b.out_path = optarg; break;
		case 'l': list = optarg; break;
		case 'm': {
			uint32_t v;
			if (!parse_u32(optarg, 10, &v))
				return fail("--mtime takes seconds since 1970, not \"%s\"%s", optarg, "");
			b.mtime = v;
			break;
		}
		case 'u': {
			uint32_t u, g;
			char *colon = strchr(optarg, ':');
			if (!colon)
				return fail("--owner takes UID:GID, not \"%s\"%s", optarg, "");
			*colon = '\0';
			if (!parse_u32(optarg, 10, &u) || !parse_u32(colon + 1, 10, &g))
				return fail("--owner takes numeric UID:GID%s%s", "", "");
			b.uid = u;
			b.gid = g;
			break;
		}
		case 'K': kernel_archive = true; break;
		case 'H': handover = optarg; break;
		case 'k':
			if (nhooks == sizeof hooks / sizeof hooks[0])
				return fail("more than %s hooks%s", "64", "");
			hooks[nhooks++] = optarg;
			break;
		case 'h':
			printf("usage: initstack build [-o OUT] [--mtime SECONDS] [--owner UID:GID] (DIR | --list FILE)\n"
			       "       initstack build --kernel-archive [--handover PATH] [--hook FILE]... [-o OUT] [DIR]\n");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	int rc;
	bool from_dir = false;
	if (kernel_archive) {
		/* the kernel camp's: handover, its hooks, the files of DIR; root's */
		if (list || optind + 1 < argc)
			return fail("--kernel-archive takes at most one directory of extra files%s%s", "", "");
		char *found = handover ? NULL : build_tree_file("handover/handover");
		if (!handover && !found)
			return fail("no handover next to this program; give --handover PATH%s%s", "", "");
		if (b.uid < 0) {
			b.uid = 0;
			b.gid = 0;
		}
		add_dir(&b, "kernel");
		add_dir(&b, "kernel/hooks");
		rc = add_file(&b, "kernel/handover", handover ? handover : found, 0755);
		free(found);
		for (unsigned i = 0; !rc && i < nhooks; i++) {
			const char *base = strrchr(hooks[i], '/');
			char name[512];
			snprintf(name, sizeof name, "kernel/hooks/%s", base ? base + 1 : hooks[i]);
			rc = add_file(&b, name, hooks[i], 0755);
		}
		if (!rc && optind < argc) {
			char *root = strdup(argv[optind]);
			size_t dl = strlen(root);
			while (dl > 1 && root[dl - 1] == '/')
				root[--dl] = '\0';
			rc = add_tree(&b, root, "");
			free(root);
			from_dir = true;
		}
		if (!rc) {
			qsort(b.items, b.n, sizeof *b.items, cmp_items);
			rc = dedupe(&b);
		}
	} else if (handover || nhooks) {
		return fail("--handover and --hook go with --kernel-archive%s%s", "", "");
	} else if (list) {
		if (optind != argc)
			return fail("give either a directory or --list, not both%s%s", "", "");
		rc = add_list(&b, list);
	} else {
		if (optind + 1 != argc)
			return fail("give one source directory (or --list FILE)%s%s", "", "");
		const char *dir = argv[optind];
		size_t dl = strlen(dir);
		char *root = strdup(dir);
		while (dl > 1 && root[dl - 1] == '/')
			root[--dl] = '\0';
		rc = add_tree(&b, root, "");
		free(root);
		from_dir = true;
		if (!rc)
			qsort(b.items, b.n, sizeof *b.items, cmp_items);
	}
	if (!rc) {
		number_inodes(&b, from_dir);
		b.out = strcmp(b.out_path, "-") ? fopen(b.out_path, "wb") : stdout;
		if (!b.out)
			rc = fail("%s: cannot create: %s", b.out_path, strerror(errno));
		else {
			rc = write_all(&b);
			if ((b.out != stdout ? fclose(b.out) : fflush(b.out)) && !rc)
				rc = fail("%s: write error: %s", b.out_path, strerror(errno));
		}
	}
	for (size_t i = 0; i < b.n; i++) {
		free(b.items[i].name);
		free(b.items[i].source);
		free(b.items[i].target);
	}
	free(b.items);
	return rc;
}
