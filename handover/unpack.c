/* One archive into a root directory, under the policy (see unpack.h). */
#include "unpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "stack.h"

#define MAX_FOLLOW 40         /* symlinks followed in one name, as the VFS */
#define MAX_DEPTH 256         /* directories open on one walk */
#define PATHBUF (2 * IST_PATH_MAX + 8)
#define DETAIL 600
#define MAX_EVENTS 8

/* ---- walking a name ---------------------------------------------------- */

/*
 * A walk: the stack of directories from the root to where the name's last
 * component lives, each opened O_PATH from its parent without following.
 * fd[0] is the root (borrowed). path[] is the physical path of the top
 * ("" for the root), len[k] its length at depth k.
 */
struct walk {
	int fd[MAX_DEPTH + 1];
	size_t len[MAX_DEPTH + 1];
	unsigned depth;
	char path[PATHBUF];
	char work[2][PATHBUF];
	char link[IST_PATH_MAX + 1];
	/* the outcome */
	int err;                  /* 0, ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, or errno */
	const char *last;         /* last component (NUL-terminated in work) */
	size_t lastlen;
	bool dot;                 /* the name ends on a directory itself ("." "..", "/") */
	bool trailing_slash;
	bool via_symlink;
	char via[DETAIL];         /* the first symlink followed: "/a -> /b" */
	bool through_protected;
	/* every directory entered and symlink followed on the way (capped) */
	struct { dev_t dev; ino_t ino; } seen[MAX_DEPTH + MAX_FOLLOW];
	unsigned nseen;
	char through[PATHBUF];    /* the first protected directory passed */
};

struct link {
	struct link *next;
	struct ist_link_key key;
	char name[];
};

struct dirtime {
	struct dirtime *next;
	uint32_t mtime;
	char path[];
};

struct devino {
	dev_t dev;
	ino_t ino;
};

struct event {
	enum ist_event_class cls;
	char detail[DETAIL];
};

struct ho_unpack {
	struct ho_unpack_config cfg;
	struct ho_unpack_stats st;
	struct walk w, lw, fw;      /* the entry's name; a hard link's first name; where
				       open() goes through a linked symlink */
	struct link *links;
	struct dirtime *dirs, **dirs_tail;
	struct devino *prot;        /* inodes with a name under a protected prefix */
	size_t nprot, protcap;
	struct event ev[MAX_EVENTS];
	unsigned nev;
	char name[IST_PATH_MAX + 8];  /* the entry's name, for messages */
	char landing[PATHBUF + NAME_MAX + 2];
	char lex[PATHBUF];
	/* the regular file being written */
	int wfd;
	bool wfailed;
	uint32_t mtime;
	uint64_t written;
};

static void report(struct ho_unpack *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void escape(const char *s, char *out, size_t size);

/* One line, control bytes escaped: names come from the archive. */
static void report(struct ho_unpack *u, const char *fmt, ...)
{
	char line[3 * DETAIL + sizeof u->name];
	char safe[4 * sizeof line];
	int n = snprintf(line, sizeof line, "handover: %s: ", u->cfg.archive);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof line)
		vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	escape(line, safe, sizeof safe);
	if (u->cfg.report)
		u->cfg.report(u->cfg.user, safe);
	else
		fprintf(stderr, "%s\n", safe);
}

/* A system call on the current entry failed. */
static void failed(struct ho_unpack *u, const char *what, int e)
{
	u->st.failed++;
	report(u, "%s: %s: %s (failed)", u->name, what, strerror(e));
}

static void escape(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (; *s && o + 5 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || c == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

static bool is_dot(const char *c, size_t n)
{
	return n == 1 && c[0] == '.';
}

static bool is_dotdot(const char *c, size_t n)
{
	return n == 2 && c[0] == '.' && c[1] == '.';
}

static bool protected_path(const struct ho_unpack *u, const char *path)
{
	const char *p = *path ? path : "/";
	return ist_policy_protected(u->cfg.policy, p, strlen(p));
}

static void walk_reset(struct walk *w, int rootfd)
{
	while (w->depth) {
		close(w->fd[w->depth]);
		w->depth--;
	}
	w->fd[0] = rootfd;
	w->len[0] = 0;
	w->path[0] = '\0';
}

static int top(const struct walk *w)
{
	return w->fd[w->depth];
}

static void walk_pop(struct walk *w)
{
	if (!w->depth)
		return; /* ".." of the root is the root */
	close(w->fd[w->depth]);
	w->depth--;
	w->path[w->len[w->depth]] = '\0';
}

static int walk_push(struct ho_unpack *u, struct walk *w, const char *c, size_t n)
{
	if (w->depth == MAX_DEPTH)
		return ENAMETOOLONG;
	size_t l = w->len[w->depth];
	if (l + 1 + n + 1 > sizeof w->path)
		return ENAMETOOLONG;
	char name[NAME_MAX + 1];
	memcpy(name, c, n);
	name[n] = '\0';
	int fd = openat(top(w), name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? ENOTDIR : errno;
	w->path[l] = '/';
	memcpy(w->path + l + 1, c, n);
	w->path[l + 1 + n] = '\0';
	w->fd[++w->depth] = fd;
	w->len[w->depth] = l + 1 + n;
	if (!w->through_protected && protected_path(u, w->path)) {
		w->through_protected = true;
		memcpy(w->through, w->path, l + 1 + n + 1);
	}
	return 0;
}

/*
 * Resolve `name` as the VFS would relative to the root, following symlinks
 * in parent components ourselves; the last component is never followed.
 */
static void walk(struct ho_unpack *u, struct walk *w, const char *name)
{
	walk_reset(w, u->cfg.rootfd);
	w->err = 0;
	w->last = NULL;
	w->lastlen = 0;
	w->dot = w->trailing_slash = w->via_symlink = w->through_protected = false;
	w->nseen = 0;
	w->via[0] = w->through[0] = '\0';
	size_t nl = strlen(name);
	if (!nl) {
		w->err = ENOENT;
		return;
	}
	memcpy(w->work[0], name, nl + 1);
	int cur = 0;
	char *p = w->work[0];
	unsigned follows = 0;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			w->dot = true;
			w->last = ".";
			w->lastlen = 1;
			return;
		}
		char *c = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - c);
		char *q = p;
		while (*q == '/')
			q++;
		if (n > NAME_MAX) {
			w->err = ENAMETOOLONG;
			return;
		}
		if (!*q) {
			w->trailing_slash = *p == '/';
			*p = '\0';
			if (is_dot(c, n) || is_dotdot(c, n)) {
				if (is_dotdot(c, n))
					walk_pop(w);
				w->dot = true;
				w->last = ".";
				w->lastlen = 1;
			} else {
				w->last = c;
				w->lastlen = n;
			}
			return;
		}
		if (is_dot(c, n))
			continue;
		if (is_dotdot(c, n)) {
			walk_pop(w);
			continue;
		}
		char comp[NAME_MAX + 1];
		memcpy(comp, c, n);
		comp[n] = '\0';
		struct stat st;
		if (fstatat(top(w), comp, &st, AT_SYMLINK_NOFOLLOW)) {
			w->err = errno;
			return;
		}
		if (w->nseen < sizeof w->seen / sizeof w->seen[0]) {
			w->seen[w->nseen].dev = st.st_dev;
			w->seen[w->nseen].ino = st.st_ino;
			w->nseen++;
		}
		if (S_ISDIR(st.st_mode)) {
			if ((w->err = walk_push(u, w, c, n)))
				return;
			continue;
		}
		if (!S_ISLNK(st.st_mode)) {
			w->err = ENOTDIR;
			return;
		}
		if (++follows > MAX_FOLLOW) {
			w->err = ELOOP;
			return;
		}
		ssize_t tl = readlinkat(top(w), comp, w->link, sizeof w->link);
		if (tl < 0) {
			w->err = errno;
			return;
		}
		if ((size_t)tl >= sizeof w->link) {
			w->err = ENAMETOOLONG;
			return;
		}
		w->link[tl] = '\0';
		if (!w->via_symlink) {
			w->via_symlink = true;
			snprintf(w->via, sizeof w->via, "%.200s/%.200s -> %.150s", w->path, comp, w->link);
		}
		if (!tl) {
			w->err = ENOENT;
			return;
		}
		size_t rl = strlen(p);
		char *nb = w->work[cur ^ 1];
		if ((size_t)tl + 1 + rl + 1 > sizeof w->work[0]) {
			w->err = ENAMETOOLONG;
			return;
		}
		memcpy(nb, w->link, (size_t)tl);
		nb[tl] = '/';
		memcpy(nb + tl + 1, p, rl + 1);
		cur ^= 1;
		p = nb;
		if (w->link[0] == '/')
			while (w->depth)
				walk_pop(w);
	}
}

/* Did the walk pass through (enter or follow) this object? */
static bool walk_passed(const struct walk *w, const struct stat *st)
{
	for (unsigned i = 0; i < w->nseen; i++)
		if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
			return true;
	return false;
}

/* Where the walk lands: the top's path, plus the last component. */
static void landing(const struct walk *w, char *out, size_t size)
{
	const char *dir = w->dot && !*w->path ? "/" : w->path;
	size_t a = strlen(dir), b = w->dot ? 0 : 1 + w->lastlen;
	if (a + b + 1 > size) { /* cannot happen: walk() bounds the path */
		out[0] = '\0';
		return;
	}
	memcpy(out, dir, a);
	if (b) {
		out[a] = '/';
		memcpy(out + a + 1, w->last, w->lastlen);
	}
	out[a + b] = '\0';
}

/* The name normalised lexically, no symlinks: "/a/b" ("/" for the root). */

/* ---- the protected inodes ---------------------------------------------- */

static int add_prot(struct ho_unpack *u, const struct stat *st)
{
	if (u->nprot == u->protcap) {
		size_t cap = u->protcap ? 2 * u->protcap : 64;
		struct devino *p = realloc(u->prot, cap * sizeof *p);
		if (!p)
			return -1;
		u->prot = p;
		u->protcap = cap;
	}
	u->prot[u->nprot].dev = st->st_dev;
	u->prot[u->nprot].ino = st->st_ino;
	u->nprot++;
	return 0;
}

static bool in_prot(const struct ho_unpack *u, const struct stat *st)
{
	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return false;
	for (size_t i = 0; i < u->nprot; i++)
		if (u->prot[i].dev == st->st_dev && u->prot[i].ino == st->st_ino)
			return true;
	return false;
}

/* Every non-directory with several names under the directory `fd`. */
static int scan_dir(struct ho_unpack *u, int fd, unsigned depth)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		if (is_dot(de->d_name, strlen(de->d_name)) || is_dotdot(de->d_name, strlen(de->d_name)))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth >= MAX_DEPTH)
				continue;
			int sub = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				rc = scan_dir(u, sub, depth + 1);
				close(sub);
			}
		} else if (st.st_nlink > 1) {
			rc = add_prot(u, &st);
		}
	}
	closedir(d);
	return rc;
}

static int scan_protected(struct ho_unpack *u)
{
	const struct ist_policy *pol = u->cfg.policy;
	for (unsigned k = 0; k < pol->nprotect; k++) {
		walk(u, &u->w, pol->protect[k]);
		if (u->w.err || u->w.via_symlink)
			continue;
		struct stat st;
		if (u->w.dot || fstatat(top(&u->w), u->w.last, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISDIR(st.st_mode)) {
			int fd = openat(top(&u->w), u->w.last, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				continue;
			int rc = scan_dir(u, fd, 0);
			close(fd);
			if (rc)
				return -1;
		} else if (st.st_nlink > 1 && add_prot(u, &st)) {
			return -1;
		}
	}
	walk_reset(&u->w, u->cfg.rootfd);
	return 0;
}

/* ---- events ------------------------------------------------------------ */

static void note(struct ho_unpack *u, enum ist_event_class cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(struct ho_unpack *u, enum ist_event_class cls, const char *fmt, ...)
{
	if (u->nev == MAX_EVENTS)
		return;
	struct event *e = &u->ev[u->nev++];
	e->cls = cls;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof e->detail, fmt, ap);
	va_end(ap);
}

static bool refused(const struct ho_unpack *u)
{
	for (unsigned i = 0; i < u->nev; i++)
		if (u->cfg.policy->action[u->ev[i].cls] == IST_ACT_ERROR)
			return true;
	return false;
}

static bool has(const struct ho_unpack *u, enum ist_event_class cls)
{
	for (unsigned i = 0; i < u->nev; i++)
		if (u->ev[i].cls == cls)
			return true;
	return false;
}

/*
 * Report the entry's events, one line per outcome: the reasons it is
 * refused, or its warnings, or (verbose) what was allowed. True if refused.
 */
static bool judge(struct ho_unpack *u)
{
	bool no = refused(u);
	static const char *const how[] = { [IST_ACT_ALLOW] = "allowed", [IST_ACT_WARN] = "warning",
					   [IST_ACT_ERROR] = "refused" };
	for (int a = IST_ACT_ERROR; a >= IST_ACT_ALLOW; a--) {
		if ((no && a != IST_ACT_ERROR) || (a == IST_ACT_ALLOW && !u->cfg.verbose))
			continue;
		char line[MAX_EVENTS * (DETAIL + 2)];
		size_t n = 0;
		unsigned count = 0;
		for (unsigned i = 0; i < u->nev; i++) {
			if (u->cfg.policy->action[u->ev[i].cls] != (enum ist_action)a)
				continue;
			n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", count ? "; " : "",
					      u->ev[i].detail);
			count++;
		}
		if (!count)
			continue;
		if (a == IST_ACT_WARN)
			u->st.warnings += count;
		report(u, "%s: %s (%s)", u->name, line, how[a]);
	}
	if (no)
		u->st.refused++;
	else if (has(u, IST_EV_DROPPED))
		u->st.dropped++;
	u->nev = 0;
	return no;
}


/* Is the directory `name` in `fd` empty? (-1: cannot tell) */
static int dir_empty(int fd, const char *name)
{
	int dfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -1;
	}
	int empty = 1;
	struct dirent *de;
	while ((de = readdir(d)))
		if (!is_dot(de->d_name, strlen(de->d_name)) && !is_dotdot(de->d_name, strlen(de->d_name))) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

/* ---- hard links -------------------------------------------------------- */

static struct link *find_link(struct ho_unpack *u, const struct ist_cpio_entry *e)
{
	for (struct link *l = u->links; l; l = l->next)
		if (ist_link_key_match(&l->key, e))
			return l;
	return NULL;
}

static int add_link(struct ho_unpack *u, const struct ist_cpio_entry *e)
{
	struct link *l = malloc(sizeof *l + e->namelen + 1);
	if (!l)
		return -1;
	ist_link_key_of(&l->key, e);
	memcpy(l->name, e->name, e->namelen + 1);
	l->next = u->links;
	u->links = l;
	return 0;
}

static void reset_links(struct ho_unpack *u)
{
	while (u->links) {
		struct link *l = u->links;
		u->links = l->next;
		free(l);
	}
}

/* ---- applying ---------------------------------------------------------- */

static const char *const walk_errors[] = {
	[ENOENT] = "a parent directory is missing",
	[ENOTDIR] = "a parent component is not a directory",
	[ELOOP] = "too many levels of symlinks in the parent components",
	[ENAMETOOLONG] = "the name is too long or too deep",
};

static const char *walk_error(int e)
{
	if (e > 0 && (size_t)e < sizeof walk_errors / sizeof walk_errors[0] && walk_errors[e])
		return walk_errors[e];
	return NULL;
}

/* Remove what is at the last component (clean_path). */
static bool remove_last(struct ho_unpack *u, const struct stat *st)
{
	struct walk *w = &u->w;
	if (unlinkat(top(w), w->last, S_ISDIR(st->st_mode) ? AT_REMOVEDIR : 0)) {
		failed(u, S_ISDIR(st->st_mode) ? "rmdir" : "unlink", errno);
		return false;
	}
	return true;
}

static void set_times(struct ho_unpack *u, int fd, const char *name, uint32_t mtime)
{
	struct timespec ts[2] = { { (time_t)mtime, 0 }, { (time_t)mtime, 0 } };
	int rc = name ? utimensat(fd, name, ts, AT_SYMLINK_NOFOLLOW) : futimens(fd, ts);
	if (rc)
		failed(u, "utimensat", errno);
}

/* Owner, then mode (chown clears set-id bits), through an open fd. */
static void set_owner_mode_fd(struct ho_unpack *u, int fd, const struct ist_cpio_entry *e)
{
	if (fchown(fd, e->uid, e->gid))
		failed(u, "fchown", errno);
	if (fchmod(fd, e->mode & 07777))
		failed(u, "fchmod", errno);
}

static void apply_file(struct ho_unpack *u, const struct ist_cpio_entry *e, bool linking,
		       struct walk *w)
{
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	if (!linking)
		flags |= O_TRUNC;
	int fd = openat(top(w), w->last, flags, e->mode & 07777);
	if (fd < 0) {
		failed(u, "open", errno);
		return;
	}
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || in_prot(u, &st)) {
		close(fd);
		failed(u, "open", EPERM);
		return;
	}
	set_owner_mode_fd(u, fd, e);
	if (linking && e->filesize && ftruncate(fd, 0))
		failed(u, "ftruncate", errno);
	/* a linked file without data keeps the inode's content */
	u->wfd = fd;
	u->wfailed = false;
	u->written = 0;
	u->mtime = e->mtime;
}

static void apply_dir(struct ho_unpack *u, const struct ist_cpio_entry *e, bool existed,
		      bool record_mtime)
{
	struct walk *w = &u->w;
	if (!existed && mkdirat(top(w), w->last, e->mode & 07777) && errno != EEXIST) {
		failed(u, "mkdir", errno);
		return;
	}
	int fd = openat(top(w), w->dot ? "." : w->last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		failed(u, "open", errno);
		return;
	}
	set_owner_mode_fd(u, fd, e);
	close(fd);
	if (!record_mtime)
		return;
	size_t n = strlen(u->landing);
	struct dirtime *d = malloc(sizeof *d + n + 1);
	if (!d) {
		failed(u, "malloc", ENOMEM);
		return;
	}
	d->next = NULL;
	d->mtime = e->mtime;
	memcpy(d->path, u->landing, n + 1);
	*u->dirs_tail = d;
	u->dirs_tail = &d->next;
}

static void apply_symlink(struct ho_unpack *u, const struct ist_cpio_entry *e)
{
	struct walk *w = &u->w;
	if (symlinkat(e->target, top(w), w->last)) {
		failed(u, "symlink", errno);
		return;
	}
	if (fchownat(top(w), w->last, e->uid, e->gid, AT_SYMLINK_NOFOLLOW))
		failed(u, "lchown", errno);
	set_times(u, top(w), w->last, e->mtime);
}

static void apply_node(struct ho_unpack *u, const struct ist_cpio_entry *e)
{
	struct walk *w = &u->w;
	mode_t type = e->mode & S_IFMT;
	if (mknodat(top(w), w->last, type | (e->mode & 07777), makedev(e->rdevmajor, e->rdevminor)) &&
	    errno != EEXIST) {
		failed(u, "mknod", errno);
		return;
	}
	struct stat st;
	if (fstatat(top(w), w->last, &st, AT_SYMLINK_NOFOLLOW) || (st.st_mode & S_IFMT) != type ||
	    in_prot(u, &st)) {
		failed(u, "mknod", EEXIST);
		return;
	}
	if (fchownat(top(w), w->last, e->uid, e->gid, AT_SYMLINK_NOFOLLOW))
		failed(u, "lchown", errno);
	if (fchmodat(top(w), w->last, e->mode & 07777, 0))
		failed(u, "chmod", errno);
	set_times(u, top(w), w->last, e->mtime);
}

/*
 * Hard link to the first name: resolve it (as link(2) would, the last
 * component not followed) and link it here. Returns 1 linked, -1 failed.
 */
static int do_link(struct ho_unpack *u)
{
	struct walk *w = &u->w, *lw = &u->lw;
	if (linkat(top(lw), lw->last, top(w), w->last, 0)) {
		failed(u, "link", errno);
		return -1;
	}
	return 1;
}

/* The existing object the entry meets. */
struct there {
	bool exists;
	struct stat st;
};

/*
 * The events of an entry that meets `t` (clean_path's view). Returns false
 * when the kernel would drop the entry.
 */
static bool clash(struct ho_unpack *u, const struct ist_cpio_entry *e, const struct there *t,
		  bool replaces_same_type)
{
	struct walk *w = &u->w;
	mode_t type = e->mode & S_IFMT;
	if (!t->exists || w->dot)
		return true;
	mode_t old = t->st.st_mode & S_IFMT;
	if (old == type && !replaces_same_type)
		return true;
	if (S_ISDIR(t->st.st_mode) && dir_empty(top(w), w->last) != 1) {
		note(u, IST_EV_DROPPED, "%s over a non-empty directory: the kernel drops it",
		     ist_type_name(type));
		return false;
	}
	if (old == type)
		note(u, IST_EV_OVERWRITE, "%s replaces a %s", ist_type_name(type), ist_type_name(old));
	else if (type == S_IFREG || type == S_IFDIR || type == S_IFLNK || type == S_IFCHR ||
		 type == S_IFBLK || type == S_IFIFO || type == S_IFSOCK)
		note(u, IST_EV_TYPE_CHANGE, "%s replaces a %s", ist_type_name(type), ist_type_name(old));
	else
		note(u, IST_EV_TYPE_CHANGE, "entry with file type 0%o removes a %s and creates nothing",
		     (unsigned)(type >> 12), ist_type_name(old));
	return true;
}

/*
 * The entry would write an existing inode (file over file, an existing
 * device's owner and mode) that also has a name under a protected prefix.
 * Replacing the name (unlink, then create) is no such write.
 */
static void note_written_protected(struct ho_unpack *u)
{
	if (!has(u, IST_EV_PROTECTED))
		note(u, IST_EV_PROTECTED,
		     "%s is a hard link of a protected file; writing it would change that file",
		     u->landing);
}

/*
 * A hard link made to a first name that is now a symlink is a new name of
 * that symlink, and the kernel's open(O_CREAT) then follows it, from the
 * new name's directory. Resolve where it goes into u->fw; false if the
 * open would fail (a dangling path, a loop, a directory).
 */
static bool follow_linked_symlink(struct ho_unpack *u)
{
	struct walk *fw = &u->fw, *lw = &u->lw;
	char target[IST_PATH_MAX + 1], *name = malloc(2 * PATHBUF);
	if (!name)
		return false;
	const char *dir = u->w.path;
	ssize_t n = readlinkat(top(lw), lw->last, target, sizeof target - 1);
	for (unsigned hops = 0; n > 0 && hops < MAX_FOLLOW; hops++) {
		target[n] = '\0';
		snprintf(name, 2 * PATHBUF, "%s%s%s", target[0] == '/' ? "" : dir,
			 target[0] == '/' ? "" : "/", target);
		walk(u, fw, name);
		struct stat st;
		if (fw->err || fw->dot || fw->trailing_slash)
			break;
		if (fstatat(top(fw), fw->last, &st, AT_SYMLINK_NOFOLLOW)) {
			free(name);
			return errno == ENOENT; /* O_CREAT makes it */
		}
		if (!S_ISLNK(st.st_mode)) {
			free(name);
			return S_ISREG(st.st_mode);
		}
		dir = fw->path;
		n = readlinkat(top(fw), fw->last, target, sizeof target - 1);
	}
	free(name);
	return false;
}

/* judge(), and a refused entry's hard-link name is forgotten again. */
static bool judge_entry(struct ho_unpack *u, bool registered)
{
	bool no = judge(u);
	if (no && registered) {
		struct link *l = u->links;
		u->links = l->next;
		free(l);
	}
	return no;
}

/* What is at the walk's last component now (the directory itself for "."). */
static int look(struct ho_unpack *u, struct there *t)
{
	struct walk *w = &u->w;
	memset(t, 0, sizeof *t);
	if (w->dot) {
		t->exists = !fstatat(top(w), ".", &t->st, 0);
	} else if (fstatat(top(w), w->last, &t->st, AT_SYMLINK_NOFOLLOW)) {
		if (errno != ENOENT) {
			failed(u, "stat", errno);
			return -1;
		}
	} else {
		t->exists = true;
	}
	return 0;
}

static int entry(struct ho_unpack *u, const struct ist_cpio_entry *e)
{
	struct walk *w = &u->w;
	mode_t type = e->mode & S_IFMT;
	u->nev = 0;
	if (e->filesize && type != S_IFREG && type != S_IFLNK) {
		note(u, IST_EV_DROPPED, "%s with %u bytes of data: the kernel skips such entries",
		     ist_type_name(type), e->filesize);
		judge(u);
		return 0;
	}
	/*
	 * The kernel's maybe_link() registers a hard link's first name before
	 * it knows whether the entry can be made (a missing parent, a
	 * directory in the way); only an entry handover refuses is forgotten.
	 */
	bool linkable = type == S_IFREG || type == S_IFCHR || type == S_IFBLK || type == S_IFIFO ||
			type == S_IFSOCK;
	struct link *l = NULL;
	bool registered = false;
	if (linkable && e->nlink >= 2 && !(l = find_link(u, e))) {
		if (add_link(u, e))
			return IST_NO_MEMORY;
		registered = true;
	}
	walk(u, w, e->name);
	if (w->err) {
		const char *why = walk_error(w->err);
		if (why)
			note(u, IST_EV_DROPPED, "%s", why);
		else
			note(u, IST_EV_DROPPED, "resolving the name failed: %s", strerror(w->err));
		judge_entry(u, registered);
		return 0;
	}
	landing(w, u->landing, sizeof u->landing);
	ist_path_lexical(e->name, u->lex, sizeof u->lex);

	struct there t = { 0 };
	if (look(u, &t))
		return 0;
	/*
	 * A name ending in "/" makes the VFS follow a final symlink: mkdir
	 * fails (it exists), and chown, chmod and the mtime then reach the
	 * directory it points to (for a device name too). Walk it as "NAME/."
	 * so our own resolver follows it.
	 */
	bool slash = w->trailing_slash, followed = false;
	if (slash && t.exists && S_ISLNK(t.st.st_mode) && type != S_IFREG) {
		char *dotted = malloc(e->namelen + 3);
		if (!dotted)
			return IST_NO_MEMORY;
		memcpy(dotted, e->name, e->namelen);
		memcpy(dotted + e->namelen, "/.", 3);
		walk(u, w, dotted);
		free(dotted);
		if (w->err || look(u, &t) || !t.exists || !S_ISDIR(t.st.st_mode)) {
			note(u, IST_EV_DROPPED, "the name ends in \"/\" and its symlink leads to no directory: the kernel changes nothing");
			judge_entry(u, registered);
			return 0;
		}
		followed = true;
		landing(w, u->landing, sizeof u->landing);
	}

	if (w->via_symlink)
		note(u, IST_EV_SYMLINK_PARENT, "a parent component is a symlink (%s): lands at %s", w->via,
		     u->landing);

	bool unchanged_dir = type == S_IFDIR && t.exists && S_ISDIR(t.st.st_mode) &&
			     (t.st.st_mode & 07777) == (e->mode & 07777) && t.st.st_uid == e->uid &&
			     t.st.st_gid == e->gid;
	bool is_protected = protected_path(u, u->landing);
	bool touches_protected = is_protected || protected_path(u, u->lex) || w->through_protected;
	if (!unchanged_dir) {
		if (is_protected)
			note(u, IST_EV_PROTECTED, "%s is under a protected prefix%s%s", u->landing,
			     w->via_symlink ? ", reached through symlink " : "", w->via_symlink ? w->via : "");
		else if (protected_path(u, u->lex))
			note(u, IST_EV_PROTECTED, "the name %s is under a protected prefix", u->lex);
		else if (w->through_protected)
			note(u, IST_EV_PROTECTED, "the way to %s passes through protected %s", u->landing,
			     w->through);
	}

	/* a later name of a hard link: link(2) to the first name */
	bool same_inode = false, link_ok = false, through_link = false, through_ok = false;
	bool node_link = false;
	if (l) {
		struct walk *lw = &u->lw;
		walk(u, lw, l->name);
		struct stat lst;
		char where[PATHBUF + NAME_MAX + 2], lex[PATHBUF];
		ist_path_lexical(l->name, lex, sizeof lex);
		if (!lw->err)
			landing(lw, where, sizeof where);
		else
			snprintf(where, sizeof where, "%s", lex);
		/* a first name that leads under a protected prefix, there or not */
		bool prot = !lw->err && (protected_path(u, lex) || protected_path(u, where) ||
					 lw->through_protected);
		if (prot)
			note(u, IST_EV_PROTECTED, "hard link %s to protected file %s", u->landing, where);
		if (lw->err || lw->dot || fstatat(top(lw), lw->last, &lst, AT_SYMLINK_NOFOLLOW)) {
			note(u, IST_EV_DROPPED, "hard link to \"%.300s\" fails: that name no longer exists",
			     l->name);
		} else if (lw->trailing_slash) {
			note(u, IST_EV_DROPPED, "hard link to \"%.300s\" fails: the name ends in \"/\"",
			     l->name);
		} else if (S_ISDIR(lst.st_mode)) {
			note(u, IST_EV_DROPPED, "hard link to \"%.300s\" fails: it is a directory", l->name);
		} else {
			if (!prot && in_prot(u, &lst))
				note(u, IST_EV_PROTECTED, "hard link %s to protected file %s", u->landing, where);
			same_inode = t.exists && t.st.st_dev == lst.st_dev && t.st.st_ino == lst.st_ino;
			link_ok = true;
			if (type == S_IFREG && !S_ISREG(lst.st_mode) && !S_ISLNK(lst.st_mode)) {
				/* the kernel would open a fifo or device for writing */
				through_link = true;
				node_link = true;
				note(u, IST_EV_DROPPED,
				     "%s becomes a hard link of %s, a %s: its owner and mode are set, no data is written to it",
				     u->landing, where, ist_type_name(lst.st_mode));
			} else if (type == S_IFREG && S_ISLNK(lst.st_mode)) {
				through_link = true;
				through_ok = follow_linked_symlink(u);
				char fwhere[PATHBUF + NAME_MAX + 2];
				if (through_ok) {
					struct stat fst;
					landing(&u->fw, fwhere, sizeof fwhere);
					if (protected_path(u, fwhere) || u->fw.through_protected ||
					    (!fstatat(top(&u->fw), u->fw.last, &fst, AT_SYMLINK_NOFOLLOW) &&
					     in_prot(u, &fst)))
						note(u, IST_EV_PROTECTED,
						     "%s becomes a hard link of symlink %s, and writing it goes to protected %s",
						     u->landing, where, fwhere);
					else
						note(u, IST_EV_SYMLINK_PARENT,
						     "%s becomes a hard link of symlink %s: the data goes to %s",
						     u->landing, where, fwhere);
				} else {
					note(u, IST_EV_DROPPED,
					     "%s becomes a hard link of symlink %s, which leads to no file: no data is written",
					     u->landing, where);
				}
			}
		}
	}

	bool go = true;
	/*
	 * When the kernel cannot create the entry, clean_path may still have
	 * removed an empty directory (OP_RMDIR) or, before a hard link that
	 * fails, what was at the name (OP_REMOVE); a symlink's owner and
	 * mtime (OP_OWNER_TIME) or a device's owner, mode and mtime (OP_META)
	 * still reach the directory the name is.
	 */
	enum { OP_NONE, OP_RMDIR, OP_REMOVE, OP_OWNER_TIME, OP_META } op = OP_NONE;
	bool real_dir = t.exists && S_ISDIR(t.st.st_mode) && !followed && !w->dot;
	switch (type) {
	case S_IFREG:
		if (slash && real_dir && dir_empty(top(w), w->last) == 1) {
			note(u, IST_EV_TYPE_CHANGE,
			     "file name ends in \"/\": the kernel removes the empty directory and creates nothing");
			op = OP_RMDIR;
		} else if (w->dot || slash) {
			note(u, IST_EV_DROPPED, "file over a directory: the kernel drops it");
			go = false;
		} else if (l && !link_ok) {
			/* clean_path, then link(2) fails: what was there is gone */
			go = clash(u, e, &t, true) && t.exists;
			op = go ? OP_REMOVE : OP_NONE;
			if (t.exists && S_ISREG(t.st.st_mode) && in_prot(u, &t.st))
				note_written_protected(u);
		} else if (l && !same_inode) {
			go = clash(u, e, &t, true);
			if (t.exists && S_ISREG(t.st.st_mode) && in_prot(u, &t.st))
				note_written_protected(u);
		} else {
			go = clash(u, e, &t, false);
			if (go && t.exists && S_ISREG(t.st.st_mode) && !l)
				note(u, IST_EV_OVERWRITE, "file overwrites a file%s",
				     t.st.st_nlink > 1 ? " (and so its other hard links)" : "");
			if (go && t.exists && S_ISREG(t.st.st_mode) && in_prot(u, &t.st))
				note_written_protected(u);
		}
		break;
	case S_IFDIR:
		if (slash && t.exists && !S_ISDIR(t.st.st_mode)) {
			note(u, IST_EV_DROPPED, "directory name ends in \"/\" over a %s: the kernel changes nothing",
			     ist_type_name(t.st.st_mode));
			go = false;
			break;
		}
		go = clash(u, e, &t, false);
		if (go && t.exists && S_ISDIR(t.st.st_mode) && !unchanged_dir)
			note(u, IST_EV_OVERWRITE, "directory updated: mode %04o -> %04o, owner %u:%u -> %u:%u",
			     (unsigned)(t.st.st_mode & 07777), e->mode & 07777, (unsigned)t.st.st_uid,
			     (unsigned)t.st.st_gid, e->uid, e->gid);
		break;
	case S_IFLNK:
		if (slash && real_dir && dir_empty(top(w), w->last) == 1) {
			note(u, IST_EV_TYPE_CHANGE,
			     "symlink name ends in \"/\": the kernel removes the empty directory and creates nothing");
			op = OP_RMDIR;
		} else if (w->dot || (slash && t.exists && S_ISDIR(t.st.st_mode))) {
			note(u, IST_EV_DROPPED,
			     "symlink named as a directory: the kernel makes no symlink, but its owner and mtime reach the directory");
			op = OP_OWNER_TIME;
		} else if (slash) {
			note(u, IST_EV_DROPPED, "symlink name ends in \"/\": the kernel drops it");
			go = false;
		} else if (!e->targetlen) {
			note(u, IST_EV_DROPPED, "symlink with an empty target: the kernel drops it");
			go = false;
		} else if (!(go = clash(u, e, &t, true))) {
			note(u, IST_EV_DROPPED, "its owner and mtime still reach the directory");
			op = OP_OWNER_TIME;
			go = true;
		}
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		if (slash && real_dir && dir_empty(top(w), w->last) == 1) {
			note(u, IST_EV_TYPE_CHANGE,
			     "%s name ends in \"/\": the kernel removes the empty directory and creates nothing",
			     ist_type_name(type));
			op = OP_RMDIR;
		} else if (!l && (w->dot || (slash && t.exists && S_ISDIR(t.st.st_mode)))) {
			note(u, IST_EV_OVERWRITE,
			     "%s named as a directory: mknod fails, but its owner, mode and mtime reach the directory",
			     ist_type_name(type));
			op = OP_META;
		} else if (slash || w->dot) {
			note(u, IST_EV_DROPPED, "%s name ends in \"/\" or is a directory: the kernel drops it",
			     ist_type_name(type));
			go = false;
		} else if (l && !link_ok) {
			go = clash(u, e, &t, true) && t.exists;
			op = go ? OP_REMOVE : OP_NONE;
		} else if (!(go = clash(u, e, &t, l && !same_inode))) {
			if (!l) {
				note(u, IST_EV_DROPPED, "its owner, mode and mtime still reach the directory");
				op = OP_META;
				go = true;
			}
		} else {
			if (go && !l && t.exists && (t.st.st_mode & S_IFMT) == type) {
				note(u, IST_EV_OVERWRITE,
				     "%s exists: mknod fails, its device number stays, mode and owner are updated",
				     ist_type_name(type));
				if (in_prot(u, &t.st))
					note_written_protected(u);
			}
		}
		break;
	default:
		if (slash && real_dir && dir_empty(top(w), w->last) == 1) {
			note(u, IST_EV_TYPE_CHANGE,
			     "entry with file type 0%o removes an empty directory and creates nothing",
			     (unsigned)(type >> 12));
			op = OP_RMDIR;
		} else if (w->dot || slash || !t.exists) {
			note(u, IST_EV_DROPPED, "entry with file type 0%o: nothing is created", (unsigned)(type >> 12));
			go = false;
		} else {
			go = clash(u, e, &t, true);
		}
		break;
	}
	/*
	 * The kernel resolves the name again for each call. When the entry
	 * removes what is at its name and the name (or its hard link's first
	 * name) passes through that very object, the create that follows
	 * finds nothing: only the removal happens.
	 */
	bool removes = t.exists && !w->dot &&
		       (((t.st.st_mode & S_IFMT) != type && !(type == S_IFDIR && S_ISDIR(t.st.st_mode))) ||
			type == S_IFLNK || (l != NULL));
	if (go && op == OP_NONE && removes) {
		bool same_place = false;
		if (l && link_ok) {
			struct stat d1, d2;
			same_place = !u->lw.dot && !fstat(top(&u->lw), &d1) && !fstat(top(w), &d2) &&
				     d1.st_dev == d2.st_dev && d1.st_ino == d2.st_ino &&
				     !strcmp(u->lw.last, w->last);
		}
		if (walk_passed(w, &t.st) || (l && link_ok && (same_place || walk_passed(&u->lw, &t.st)))) {
			note(u, IST_EV_DROPPED,
			     "the name leads through what it replaces: once that is removed, the name resolves to nothing and the kernel creates nothing");
			op = OP_REMOVE;
		}
	}
	if (judge_entry(u, registered) || !go)
		return 0;
	if (unchanged_dir && touches_protected)
		return 0; /* nothing to change, and nothing under the prefix is touched */

	if (op != OP_NONE) {
		u->st.applied++;
		if (op == OP_RMDIR) {
			if (unlinkat(top(w), w->last, AT_REMOVEDIR))
				failed(u, "rmdir", errno);
			return 0;
		}
		if (op == OP_REMOVE) {
			remove_last(u, &t.st);
			return 0;
		}
		int fd = openat(top(w), w->dot ? "." : w->last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			failed(u, "open", errno);
			return 0;
		}
		if (fchown(fd, e->uid, e->gid))
			failed(u, "fchown", errno);
		if (op == OP_META && fchmod(fd, e->mode & 07777))
			failed(u, "fchmod", errno);
		set_times(u, fd, NULL, e->mtime);
		close(fd);
		return 0;
	}
	/* the entry goes in */
	bool replace = t.exists && !w->dot &&
		       ((t.st.st_mode & S_IFMT) != type || type == S_IFLNK || (l && !same_inode));
	if (type == S_IFDIR && t.exists && S_ISDIR(t.st.st_mode))
		replace = false;
	if (replace && !remove_last(u, &t.st))
		return 0;
	u->st.applied++;
	switch (type) {
	case S_IFREG:
		if (l && !same_inode && do_link(u) < 0)
			return 0;
		if (node_link) {
			if (fchownat(top(w), w->last, e->uid, e->gid, AT_SYMLINK_NOFOLLOW))
				failed(u, "lchown", errno);
			if (fchmodat(top(w), w->last, e->mode & 07777, 0))
				failed(u, "chmod", errno);
			return 0;
		}
		if (through_link && !through_ok)
			return 0;
		apply_file(u, e, l != NULL, through_link ? &u->fw : w);
		break;
	case S_IFDIR:
		apply_dir(u, e, t.exists && !replace, !is_protected);
		break;
	case S_IFLNK:
		apply_symlink(u, e);
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		if (l) {
			if (!same_inode)
				do_link(u);
		} else {
			apply_node(u, e);
		}
		break;
	default:
		break;
	}
	return 0;
}

int ho_unpack_entry(void *user, const struct ist_segment *s, const struct ist_cpio_entry *e)
{
	struct ho_unpack *u = user;
	(void)s;
	if (u->wfd >= 0) { /* a file without entry_end: cannot happen, but close it */
		close(u->wfd);
		u->wfd = -1;
	}
	if (e->trailer) {
		reset_links(u);
		return 0;
	}
	u->st.entries++;
	memcpy(u->name, e->name, e->namelen + 1);
	return entry(u, e);
}

int ho_unpack_data(void *user, const uint8_t *p, size_t n)
{
	struct ho_unpack *u = user;
	if (u->wfd < 0 || u->wfailed)
		return 0;
	while (n) {
		ssize_t k = write(u->wfd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			u->wfailed = true;
			failed(u, "write", errno);
			return 0;
		}
		p += k;
		n -= (size_t)k;
		u->written += (size_t)k;
	}
	return 0;
}

int ho_unpack_entry_end(void *user, const struct ist_cpio_entry *e)
{
	struct ho_unpack *u = user;
	(void)e;
	if (u->wfd < 0)
		return 0;
	set_times(u, u->wfd, NULL, u->mtime);
	if (close(u->wfd))
		failed(u, "close", errno);
	u->wfd = -1;
	return 0;
}

int ho_unpack_new(struct ho_unpack **out, const struct ho_unpack_config *cfg)
{
	struct ho_unpack *u = calloc(1, sizeof *u);
	*out = NULL;
	if (!u) {
		fprintf(stderr, "handover: %s: out of memory\n", cfg->archive);
		return -1;
	}
	u->cfg = *cfg;
	u->wfd = -1;
	u->dirs_tail = &u->dirs;
	u->w.fd[0] = u->lw.fd[0] = cfg->rootfd;
	if (scan_protected(u)) {
		report(u, "out of memory scanning the protected prefixes");
		ho_unpack_free(u);
		return -1;
	}
	*out = u;
	return 0;
}

void ho_unpack_finish(struct ho_unpack *u, struct ho_unpack_stats *stats)
{
	if (u->wfd >= 0) {
		close(u->wfd);
		u->wfd = -1;
	}
	/* directory mtimes, after everything, as the kernel's dir_utime() */
	for (struct dirtime *d = u->dirs; d; d = d->next) {
		walk(u, &u->w, d->path);
		struct walk *w = &u->w;
		if (w->err || w->through_protected)
			continue;
		char where[PATHBUF + NAME_MAX + 2];
		landing(w, where, sizeof where);
		struct stat st;
		const char *last = w->dot ? "." : w->last;
		if (protected_path(u, where) || fstatat(top(w), last, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode))
			continue;
		struct timespec ts[2] = { { (time_t)d->mtime, 0 }, { (time_t)d->mtime, 0 } };
		if (utimensat(top(w), last, ts, AT_SYMLINK_NOFOLLOW)) {
			snprintf(u->name, sizeof u->name, "%s", d->path);
			failed(u, "utimensat", errno);
		}
	}
	walk_reset(&u->w, u->cfg.rootfd);
	walk_reset(&u->lw, u->cfg.rootfd);
	if (stats)
		*stats = u->st;
}

void ho_unpack_free(struct ho_unpack *u)
{
	if (!u)
		return;
	if (u->wfd >= 0)
		close(u->wfd);
	walk_reset(&u->w, u->cfg.rootfd);
	walk_reset(&u->lw, u->cfg.rootfd);
	reset_links(u);
	while (u->dirs) {
		struct dirtime *d = u->dirs;
		u->dirs = d->next;
		free(d);
	}
	free(u->prot);
	free(u);
}

/* ---- whole archives ---------------------------------------------------- */

static int run(const struct ho_unpack_config *cfg, const char *path, const uint8_t *p, size_t n,
	       struct ho_unpack_stats *stats)
{
	struct ho_unpack *u;
	memset(stats, 0, sizeof *stats);
	if (ho_unpack_new(&u, cfg))
		return -1;
	const struct file_hooks hooks = { ho_unpack_entry, ho_unpack_data, ho_unpack_entry_end, NULL,
					  u };
	char msg[512];
	enum ist_status st;
	if (path)
		st = read_archive_file(path, 0, IST_ROLE_DEFERRED, NULL, &hooks, msg, sizeof msg);
	else
		st = read_archive_mem(cfg->archive, p, n, 0, 0, IST_ROLE_DEFERRED, NULL, &hooks, msg,
				      sizeof msg);
	ho_unpack_finish(u, stats);
	ho_unpack_free(u);
	if (st) {
		/* msg is "LABEL: what"; say it with our prefix */
		const char *what = msg;
		const char *label = path ? path : cfg->archive;
		if (!strncmp(msg, label, strlen(label)) && !strncmp(msg + strlen(label), ": ", 2))
			what = msg + strlen(label) + 2;
		char line[700], safe[4 * sizeof line];
		snprintf(line, sizeof line, "handover: %s: %s", cfg->archive, what);
		escape(line, safe, sizeof safe);
		if (cfg->report)
			cfg->report(cfg->user, safe);
		else
			fprintf(stderr, "%s\n", safe);
		return -1;
	}
	return 0;
}

int ho_unpack_file(const struct ho_unpack_config *cfg, const char *path,
		   struct ho_unpack_stats *stats)
{
	return run(cfg, path, NULL, 0, stats);
}

int ho_unpack_mem(const struct ho_unpack_config *cfg, const uint8_t *p, size_t n,
		  struct ho_unpack_stats *stats)
{
	return run(cfg, NULL, p, n, stats);
}
