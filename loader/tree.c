/*
 * The stack model: archives applied to a model rootfs exactly as
 * init/initramfs.c applies them to the real one. Each entry is first
 * resolved and judged (the events it raises), then applied unless it is
 * refused (a deferred archive's entry that the policy calls an error).
 */
#include <initstack/format.h>
#include <initstack/tree.h>

#include "shim.h"

#define NAME_MAX_ 255
#define MAX_FOLLOW 40
#define MAX_PENDING 6
#define DETAIL 300
#define ACPI_MAX 64

struct inode {
	uint32_t mode, uid, gid, mtime, rmaj, rmin;
	uint64_t size;
	uint8_t sha[IST_SHA256_SIZE];
	char *target;
	unsigned nlink;
	unsigned archive;
	unsigned protected_names; /* names of this inode under a protected prefix */
	struct node *first;
};

struct node {
	struct node *parent, *child, *next;
	struct inode *ino;
	size_t namelen;
	char name[];
};

struct link {
	struct link *next;
	uint32_t ino, major, minor, type;
	char name[];
};

struct pending {
	enum ist_event_class cls;
	char detail[DETAIL];
};

/* The outcome of resolving an entry's name. */
struct res {
	int err;             /* 0 or one of the E* below */
	struct node *dir;    /* directory that holds the last component */
	struct node *node;   /* what is there now (not following a final symlink) */
	const char *last;
	size_t lastlen;
	bool dot;            /* last is ".", ".." or the root itself */
	bool trailing_slash;
	bool via_symlink;
	char via[DETAIL];    /* the first symlink followed */
};
enum { E_NOENT = 1, E_NOTDIR, E_LOOP, E_NAMETOOLONG };

struct ist_tree {
	struct ist_alloc a;
	struct ist_tree_config cfg;
	struct node *root;
	struct link *links;
	unsigned archive;
	enum ist_role role;
	bool stack_leading, archive_compressed;
	unsigned acpi_tables;
	/* the regular file being written */
	struct inode *cur;
	bool keep_content;
	struct ist_sha256 sha;
	uint64_t written;
	unsigned counts[3];
	struct pending pend[MAX_PENDING];
	unsigned npend;
	struct ist_error err;
	char work[2][2 * IST_PATH_MAX + 8];
	char link_work[2][2 * IST_PATH_MAX + 8]; /* resolving a hard link's first name */
	char path[2 * IST_PATH_MAX + 8];
	char other[2 * IST_PATH_MAX + 8];
	char given[IST_PATH_MAX + 8];
	const struct ist_cpio_entry *entry; /* the entry being applied */
};

static const char err_names[][56] = {
	"", "a parent directory is missing", "a parent component is not a directory",
	"too many levels of symlinks in the parent components", "a name component is over 255 bytes",
};

/* ---- memory ---------------------------------------------------------- */

static void *get(struct ist_tree *t, size_t n)
{
	void *p = t->a.alloc(t->a.user, n);
	if (!p && !t->err.status)
		ist_fail(&t->err, IST_NO_MEMORY, 0, "out of memory (%zu bytes) in the tree model", n);
	return p;
}

static void put(struct ist_tree *t, void *p)
{
	if (p && t->a.free)
		t->a.free(t->a.user, p);
}

static struct inode *new_inode(struct ist_tree *t, uint32_t mode)
{
	struct inode *i = get(t, sizeof *i);
	if (!i)
		return NULL;
	memset(i, 0, sizeof *i);
	i->mode = mode;
	i->archive = t->archive;
	return i;
}

static void drop_inode_ref(struct ist_tree *t, struct inode *i)
{
	if (--i->nlink)
		return;
	put(t, i->target);
	put(t, i);
}

/* ---- nodes ----------------------------------------------------------- */

static struct node *lookup(struct node *dir, const char *name, size_t len)
{
	for (struct node *c = dir->child; c; c = c->next)
		if (c->namelen == len && !memcmp(c->name, name, len))
			return c;
	return NULL;
}

static size_t node_path(const struct node *n, char *buf, size_t size)
{
	if (!n->parent) {
		buf[0] = '/';
		buf[1] = '\0';
		return 1;
	}
	size_t len = 0;
	for (const struct node *m = n; m->parent; m = m->parent)
		len += 1 + m->namelen;
	if (len + 1 > size)
		len = size - 1; /* cannot happen: depth is bounded by PATH_MAX */
	size_t end = len;
	buf[end] = '\0';
	for (const struct node *m = n; m->parent && end; m = m->parent) {
		size_t k = IST_MIN(m->namelen, end - 1);
		end -= k;
		memcpy(buf + end, m->name + (m->namelen - k), k);
		buf[--end] = '/';
	}
	return len;
}

static bool under_protect(struct ist_tree *t, const struct node *n)
{
	char buf[2 * IST_PATH_MAX + 8];
	size_t len = node_path(n, buf, sizeof buf);
	return ist_policy_protected(&t->cfg.policy, buf, len);
}

static struct node *add_node(struct ist_tree *t, struct node *dir, const char *name, size_t len,
			     struct inode *ino)
{
	struct node *n = get(t, sizeof *n + len + 1);
	if (!n)
		return NULL;
	memset(n, 0, sizeof *n);
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->namelen = len;
	n->parent = dir;
	n->next = dir->child;
	dir->child = n;
	n->ino = ino;
	ino->nlink++;
	if (!ino->first)
		ino->first = n;
	if (under_protect(t, n))
		ino->protected_names++;
	return n;
}

static void remove_node(struct ist_tree *t, struct node *n)
{
	struct node **pp = &n->parent->child;
	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	struct inode *i = n->ino;
	if (under_protect(t, n))
		i->protected_names--;
	if (i->first == n)
		i->first = NULL;
	drop_inode_ref(t, i);
	put(t, n);
}

/* The kernel's clean_path(): rmdir or unlink an entry of another type. */
static bool remove_existing(struct ist_tree *t, struct res *r)
{
	struct node *n = r->node;
	if (!n || r->dot)
		return false;
	if ((n->ino->mode & IST_S_IFMT) == IST_S_IFDIR && n->child)
		return false; /* rmdir fails on a non-empty directory */
	remove_node(t, n);
	r->node = NULL;
	return true;
}

/* ---- path resolution, as the VFS walks a name relative to "/" -------- */

static bool is_dot(const char *c, size_t n)
{
	return n == 1 && c[0] == '.';
}

static bool is_dotdot(const char *c, size_t n)
{
	return n == 2 && c[0] == '.' && c[1] == '.';
}

static void resolve(struct ist_tree *t, const char *name, struct res *r,
		    char (*work)[2 * IST_PATH_MAX + 8])
{
	memset(r, 0, sizeof *r);
	int w = 0;
	size_t nl = ist_strlen(name);
	memcpy(work[0], name, nl + 1);
	const char *p = work[0];
	struct node *cur = t->root;
	unsigned follows = 0;
	if (!*p) {
		r->err = E_NOENT;
		return;
	}
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			/* "/" alone, or a walk that ended on a directory */
			r->dir = cur->parent ? cur->parent : cur;
			r->node = cur;
			r->dot = true;
			r->last = ".";
			r->lastlen = 1;
			return;
		}
		const char *c = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - c);
		const char *q = p;
		while (*q == '/')
			q++;
		bool last = !*q;
		if (n > NAME_MAX_) {
			r->err = E_NAMETOOLONG;
			return;
		}
		if (last) {
			r->trailing_slash = *p == '/';
			r->last = c;
			r->lastlen = n;
			if (is_dot(c, n) || is_dotdot(c, n)) {
				struct node *d = is_dot(c, n) || !cur->parent ? cur : cur->parent;
				r->dir = d->parent ? d->parent : d;
				r->node = d;
				r->dot = true;
			} else {
				r->dir = cur;
				r->node = lookup(cur, c, n);
			}
			return;
		}
		if (is_dot(c, n))
			continue;
		if (is_dotdot(c, n)) {
			if (cur->parent)
				cur = cur->parent;
			continue;
		}
		struct node *ch = lookup(cur, c, n);
		if (!ch) {
			r->err = E_NOENT;
			return;
		}
		uint32_t type = ch->ino->mode & IST_S_IFMT;
		if (type == IST_S_IFDIR) {
			cur = ch;
			continue;
		}
		if (type != IST_S_IFLNK) {
			r->err = E_NOTDIR;
			return;
		}
		if (++follows > MAX_FOLLOW) {
			r->err = E_LOOP;
			return;
		}
		const char *tg = ch->ino->target;
		if (!r->via_symlink) {
			char lp[IST_PATH_MAX + 8];
			node_path(ch, lp, sizeof lp);
			ist_format(r->via, sizeof r->via, "%.*s -> %.*s", 120, lp, 120, tg);
		}
		r->via_symlink = true;
		if (!*tg) {
			r->err = E_NOENT;
			return;
		}
		/* continue with target + "/" + rest in the other buffer */
		size_t tl = ist_strlen(tg), rl = ist_strlen(p);
		char *nb = work[w ^ 1];
		if (tl + 1 + rl + 1 > sizeof t->work[0]) {
			r->err = E_NAMETOOLONG;
			return;
		}
		memcpy(nb, tg, tl);
		nb[tl] = '/';
		memcpy(nb + tl + 1, p, rl + 1);
		w ^= 1;
		p = nb;
		if (tg[0] == '/')
			cur = t->root;
	}
}

/* The absolute path where the last component lands. */
static size_t landing_path(struct ist_tree *t, const struct res *r, char *buf, size_t size)
{
	if (r->dot)
		return node_path(r->node, buf, size);
	size_t n = node_path(r->dir, buf, size);
	if (n == 1)
		n = 0;
	size_t k = IST_MIN(r->lastlen, size - n - 2);
	buf[n] = '/';
	memcpy(buf + n + 1, r->last, k);
	buf[n + 1 + k] = '\0';
	(void)t;
	return n + 1 + k;
}

/* The archive name, normalised lexically (no symlinks): "/a/b". */
static size_t lexical(const char *name, char *out, size_t size)
{
	size_t o = 0;
	const char *p = name;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *c = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - c);
		if (is_dot(c, n))
			continue;
		if (is_dotdot(c, n)) {
			while (o && out[o - 1] != '/')
				o--;
			if (o)
				o--;
			continue;
		}
		if (o + 1 + n + 1 > size)
			break;
		out[o++] = '/';
		memcpy(out + o, c, n);
		o += n;
	}
	if (!o)
		out[o++] = '/';
	out[o] = '\0';
	return o;
}

/* ---- events ---------------------------------------------------------- */

static void note(struct ist_tree *t, enum ist_event_class cls, const char *fmt, ...)
{
	if (t->npend == MAX_PENDING)
		return;
	struct pending *pe = &t->pend[t->npend++];
	pe->cls = cls;
	ist_va_list ap;
	ist_va_start(ap, fmt);
	ist_vformat(pe->detail, sizeof pe->detail, fmt, ap);
	ist_va_end(ap);
}

static bool refused(struct ist_tree *t)
{
	if (t->role != IST_ROLE_DEFERRED)
		return false;
	for (unsigned i = 0; i < t->npend; i++)
		if (t->cfg.policy.action[t->pend[i].cls] == IST_ACT_ERROR)
			return true;
	return false;
}

static enum ist_status flush_events(struct ist_tree *t, const struct ist_segment *s,
				    const struct ist_cpio_entry *e, const char *path, bool applied)
{
	for (unsigned i = 0; i < t->npend; i++) {
		struct pending *pe = &t->pend[i];
		enum ist_action act = t->cfg.policy.action[pe->cls];
		t->counts[act]++;
		if (!t->cfg.event)
			continue;
		struct ist_event ev = {
			.cls = pe->cls,
			.action = act,
			.archive = t->archive,
			.offset = e->offset,
			.seg = s,
			.name = e->name,
			.path = path,
			.detail = pe->detail,
			.applied = applied && pe->cls != IST_EV_DROPPED,
		};
		if (t->cfg.event(t->cfg.user, &ev)) {
			t->npend = 0;
			return ist_fail(&t->err, IST_ABORTED, e->offset, "stopped by the event callback");
		}
	}
	t->npend = 0;
	return IST_OK;
}

static const char *type_name(uint32_t mode)
{
	switch (mode & IST_S_IFMT) {
	case IST_S_IFREG: return "file";
	case IST_S_IFDIR: return "directory";
	case IST_S_IFLNK: return "symlink";
	case IST_S_IFCHR: return "character device";
	case IST_S_IFBLK: return "block device";
	case IST_S_IFIFO: return "fifo";
	case IST_S_IFSOCK: return "socket";
	}
	return "entry of no type";
}

/* "archive N" or "the built-in rootfs", for messages. */
struct origin {
	char text[32];
};

static struct origin origin_of(const struct inode *i)
{
	struct origin o;
	if (i->archive == ~0u)
		ist_format(o.text, sizeof o.text, "the built-in rootfs");
	else
		ist_format(o.text, sizeof o.text, "archive %u", i->archive);
	return o;
}

/* ---- policy checks on an entry --------------------------------------- */

static bool owner(const struct ist_tree *t)
{
	return t->role == IST_ROLE_EARLY || t->role == IST_ROLE_KERNEL;
}

static void check_protected(struct ist_tree *t, const struct res *r, const char *landing,
			    size_t llen)
{
	if (owner(t))
		return;
	const struct ist_cpio_entry *e = t->entry;
	if (r->node && (r->node->ino->mode & IST_S_IFMT) == IST_S_IFDIR &&
	    (e->mode & IST_S_IFMT) == IST_S_IFDIR && (r->node->ino->mode & 07777) == (e->mode & 07777) &&
	    r->node->ino->uid == e->uid && r->node->ino->gid == e->gid)
		return; /* an existing directory, unchanged: nothing is created or replaced */
	const struct ist_policy *pol = &t->cfg.policy;
	char lex[IST_PATH_MAX + 8];
	size_t xl = lexical(t->given, lex, sizeof lex);
	if (ist_policy_protected(pol, landing, llen))
		note(t, IST_EV_PROTECTED, "%s %.*s is under a protected prefix%s%s", ist_role_name(t->role),
		     200, landing, r->via_symlink ? ", reached through symlink " : "",
		     r->via_symlink ? r->via : "");
	else if (ist_policy_protected(pol, lex, xl))
		note(t, IST_EV_PROTECTED, "%s entry names %.*s under a protected prefix",
		     ist_role_name(t->role), 200, lex);
	else if (r->node && r->node->ino->protected_names &&
		 (r->node->ino->mode & IST_S_IFMT) == IST_S_IFREG)
		note(t, IST_EV_PROTECTED,
		     "%.*s is a hard link of a protected file; writing it changes that file", 200,
		     landing);
}

static void check_early(struct ist_tree *t, const struct ist_segment *s,
			const struct ist_cpio_entry *e)
{
	static const char ucode[] = "kernel/x86/microcode/";
	static const char acpi[] = "kernel/firmware/acpi/";
	char lex[IST_PATH_MAX + 8];
	if ((e->mode & IST_S_IFMT) != IST_S_IFREG)
		return;
	size_t n = lexical(e->name, lex, sizeof lex);
	bool is_ucode = n > sizeof ucode && !memcmp(lex + 1, ucode, sizeof ucode - 1);
	bool is_acpi = n > sizeof acpi && !memcmp(lex + 1, acpi, sizeof acpi - 1);
	if (!is_ucode && !is_acpi)
		return;
	const char *what = is_ucode ? "early microcode" : "ACPI table override";
	const char *prefix = is_ucode ? ucode : acpi;
	bool leading = t->stack_leading && s && s->leading && t->role != IST_ROLE_DEFERRED;
	if (!leading) {
		note(t, IST_EV_EARLY,
		     "%s %.*s is not in the leading run of uncompressed cpio members: the kernel's early loader will not find it",
		     what, 200, lex);
		return;
	}
	if (memcmp(e->name, prefix, ist_strlen(prefix))) {
		note(t, IST_EV_EARLY,
		     "%s named \"%.*s\": the early loader matches \"%s\" literally (no leading \"/\" or \"./\")",
		     what, 200, e->name, prefix);
		return;
	}
	if (is_ucode) {
		const char *base = e->name + sizeof ucode - 1;
		if (ist_strlen(base) != 16 ||
		    (memcmp(base, "GenuineIntel.bin", 16) && memcmp(base, "AuthenticAMD.bin", 16)))
			note(t, IST_EV_EARLY,
			     "early microcode %.*s: the loader reads only GenuineIntel.bin and AuthenticAMD.bin",
			     200, lex);
		return;
	}
	if (n < 5 || memcmp(lex + n - 4, ".aml", 4))
		return;
	if (++t->acpi_tables > ACPI_MAX)
		note(t, IST_EV_EARLY, "ACPI table override %.*s is table %u: the kernel takes at most %u",
		     200, lex, t->acpi_tables, ACPI_MAX);
}

/* ---- applying entries ------------------------------------------------ */

static struct link *find_link(struct ist_tree *t, const struct ist_cpio_entry *e)
{
	for (struct link *l = t->links; l; l = l->next)
		if (l->ino == e->ino && l->major == e->devmajor && l->minor == e->devminor &&
		    l->type == (e->mode & IST_S_IFMT))
			return l;
	return NULL;
}

static void reset_links(struct ist_tree *t)
{
	while (t->links) {
		struct link *l = t->links;
		t->links = l->next;
		put(t, l);
	}
}

/*
 * The kernel's maybe_link(): 0 no link (the name is now registered),
 * 1 linked to the first name, -1 link failed (the entry is dropped).
 */
static int maybe_link(struct ist_tree *t, const struct ist_cpio_entry *e, struct res *r,
		      const char *landing)
{
	if (e->nlink < 2)
		return 0;
	struct link *l = find_link(t, e);
	if (!l) {
		size_t n = e->namelen;
		l = get(t, sizeof *l + n + 1);
		if (!l)
			return -1;
		l->ino = e->ino;
		l->major = e->devmajor;
		l->minor = e->devminor;
		l->type = e->mode & IST_S_IFMT;
		memcpy(l->name, e->name, n + 1);
		l->next = t->links;
		t->links = l;
		return 0;
	}
	/* clean_path(name, 0): whatever is there goes, if it can */
	struct res old;
	resolve(t, l->name, &old, t->link_work);
	struct node *target = old.err || old.dot ? NULL : old.node;
	if (!target) {
		note(t, IST_EV_DROPPED, "hard link to \"%.*s\" fails: that name no longer exists", 200,
		     l->name);
		return -1;
	}
	if ((target->ino->mode & IST_S_IFMT) == IST_S_IFDIR) {
		note(t, IST_EV_DROPPED, "hard link to \"%.*s\" fails: it is a directory", 200, l->name);
		return -1;
	}
	if (!owner(t) && target->ino->protected_names)
		note(t, IST_EV_PROTECTED, "hard link %.*s to protected file %.*s", 200, landing, 200,
		     l->name);
	if (refused(t))
		return -1;
	if (r->node && !r->dot) {
		if (r->node == target)
			return 1; /* link(2) fails with EEXIST; the open still writes it */
		uint32_t type = r->node->ino->mode & IST_S_IFMT;
		const struct inode *oi = r->node->ino;
		unsigned from = oi->archive;
		struct origin src = origin_of(oi);
		(void)from;
		if (!remove_existing(t, r)) {
			note(t, IST_EV_DROPPED, "hard link over a non-empty directory fails");
			return -1;
		}
		note(t, type == (e->mode & IST_S_IFMT) ? IST_EV_OVERWRITE : IST_EV_TYPE_CHANGE,
		     "hard link replaces a %s from %s", type_name(type), src.text);
	}
	if (r->dot) {
		note(t, IST_EV_DROPPED, "hard link onto a directory name fails");
		return -1;
	}
	if (!add_node(t, r->dir, r->last, r->lastlen, target->ino))
		return -1;
	r->node = lookup(r->dir, r->last, r->lastlen);
	return 1;
}

static void set_meta(struct inode *i, const struct ist_cpio_entry *e)
{
	i->uid = e->uid;
	i->gid = e->gid;
	i->mode = (i->mode & IST_S_IFMT) | (e->mode & 07777);
	i->mtime = e->mtime;
}

static struct inode *create(struct ist_tree *t, struct res *r, const struct ist_cpio_entry *e)
{
	struct inode *i = new_inode(t, (e->mode & IST_S_IFMT) | (e->mode & 07777));
	if (!i)
		return NULL;
	set_meta(i, e);
	if (!add_node(t, r->dir, r->last, r->lastlen, i)) {
		put(t, i);
		return NULL;
	}
	r->node = lookup(r->dir, r->last, r->lastlen);
	return i;
}

/* Note what replacing r->node with an entry of `type` does (clean_path). */
static bool clean_path(struct ist_tree *t, struct res *r, uint32_t type)
{
	struct node *n = r->node;
	if (!n || r->dot)
		return true;
	uint32_t old = n->ino->mode & IST_S_IFMT;
	if (old == type)
		return true;
	struct origin from = origin_of(n->ino);
	if (!remove_existing(t, r)) {
		note(t, IST_EV_DROPPED, "%s over a non-empty directory (from %s): the kernel drops it",
		     type_name(type), from.text);
		return false;
	}
	note(t, IST_EV_TYPE_CHANGE, "%s replaces a %s from %s", type_name(type), type_name(old),
	     from.text);
	return true;
}

static enum ist_status apply(struct ist_tree *t, const struct ist_cpio_entry *e, struct res *r,
			     const char *landing)
{
	uint32_t type = e->mode & IST_S_IFMT;
	struct node *n = r->node;
	switch (type) {
	case IST_S_IFREG: {
		if (!clean_path(t, r, type))
			return IST_OK;
		if (r->dot || (r->node && (r->node->ino->mode & IST_S_IFMT) == IST_S_IFDIR)) {
			note(t, IST_EV_DROPPED, "file over a directory: the kernel drops it");
			return IST_OK;
		}
		int ml = maybe_link(t, e, r, landing);
		if (ml < 0)
			return IST_OK;
		struct inode *i;
		if (r->node) {
			i = r->node->ino;
			if (ml == 0 && i->archive != ~0u)
				note(t, IST_EV_OVERWRITE, "file overwrites a file from %s%s", origin_of(i).text,
				     i->nlink > 1 ? " (and so its other hard links)" : "");
			i->archive = t->archive;
		} else if (!(i = create(t, r, e))) {
			return t->err.status;
		}
		set_meta(i, e);
		t->cur = i;
		t->keep_content = ml == 1 && e->filesize == 0;
		ist_sha256_init(&t->sha);
		t->written = 0;
		return IST_OK;
	}
	case IST_S_IFDIR:
		if (!clean_path(t, r, type))
			return IST_OK;
		if (r->node) {
			struct inode *i = r->node->ino;
			if ((i->mode & 07777) != (e->mode & 07777) || i->uid != e->uid || i->gid != e->gid)
				note(t, IST_EV_OVERWRITE,
				     "directory from %s updated: mode %04o -> %04o, owner %u:%u -> %u:%u",
				     origin_of(i).text, i->mode & 07777, e->mode & 07777, i->uid, i->gid,
				     e->uid, e->gid);
			i->uid = e->uid;
			i->gid = e->gid;
			i->mode = IST_S_IFDIR | (e->mode & 07777);
			return IST_OK;
		}
		return create(t, r, e) ? IST_OK : t->err.status;
	case IST_S_IFLNK: {
		if (r->trailing_slash || r->dot) {
			note(t, IST_EV_DROPPED, "symlink name ends in \"/\" or is a directory: the kernel drops it");
			return IST_OK;
		}
		if (n) {
			uint32_t old = n->ino->mode & IST_S_IFMT;
			struct origin from = origin_of(n->ino);
			if (!remove_existing(t, r)) {
				note(t, IST_EV_DROPPED, "symlink over a non-empty directory (from %s): the kernel drops it",
				     from.text);
				return IST_OK;
			}
			note(t, old == IST_S_IFLNK ? IST_EV_OVERWRITE : IST_EV_TYPE_CHANGE,
			     "symlink replaces a %s from %s", type_name(old), from.text);
		}
		if (!e->targetlen) {
			note(t, IST_EV_DROPPED, "symlink with an empty target: the kernel drops it");
			return IST_OK;
		}
		struct inode *i = create(t, r, e);
		if (!i)
			return t->err.status;
		i->mode = IST_S_IFLNK | 0777;
		i->size = e->targetlen;
		i->target = get(t, e->targetlen + 1);
		if (!i->target)
			return t->err.status;
		memcpy(i->target, e->target, e->targetlen + 1);
		return IST_OK;
	}
	case IST_S_IFCHR:
	case IST_S_IFBLK:
	case IST_S_IFIFO:
	case IST_S_IFSOCK: {
		if (r->trailing_slash) {
			note(t, IST_EV_DROPPED, "%s name ends in \"/\": the kernel drops it", type_name(type));
			return IST_OK;
		}
		if (!clean_path(t, r, type))
			return IST_OK;
		int ml = maybe_link(t, e, r, landing);
		if (ml)
			return IST_OK;
		if (r->node) {
			struct inode *i = r->node->ino;
			note(t, IST_EV_OVERWRITE,
			     "%s exists (from %s): mknod fails, its device number stays, mode and owner are updated",
			     type_name(type), origin_of(i).text);
			set_meta(i, e);
			return IST_OK;
		}
		struct inode *i = create(t, r, e);
		if (!i)
			return t->err.status;
		i->rmaj = e->rdevmajor;
		i->rmin = e->rdevminor;
		return IST_OK;
	}
	default:
		/* clean_path(name, 0) runs, then nothing is created */
		if (n && !r->dot) {
			uint32_t old = n->ino->mode & IST_S_IFMT;
			struct origin from = origin_of(n->ino);
			if (remove_existing(t, r))
				note(t, IST_EV_TYPE_CHANGE,
				     "entry with file type 0%o removes a %s from %s and creates nothing",
				     type >> 12, type_name(old), from.text);
			else
				note(t, IST_EV_DROPPED, "entry with file type 0%o: nothing is created", type >> 12);
		} else {
			note(t, IST_EV_DROPPED, "entry with file type 0%o: nothing is created", type >> 12);
		}
		return IST_OK;
	}
}

enum ist_status ist_tree_entry(struct ist_tree *t, const struct ist_segment *s,
			       const struct ist_cpio_entry *e)
{
	if (t->err.status)
		return t->err.status;
	t->cur = NULL;
	t->npend = 0;
	if (s && !s->leading)
		t->archive_compressed = true;
	if (e->trailer) {
		reset_links(t);
		return IST_OK;
	}
	memcpy(t->given, e->name, e->namelen + 1);
	t->entry = e;
	uint32_t type = e->mode & IST_S_IFMT;
	check_early(t, s, e);
	if (e->filesize && type != IST_S_IFREG && type != IST_S_IFLNK) {
		note(t, IST_EV_DROPPED, "%s with %u bytes of data: the kernel skips such entries",
		     type_name(type), e->filesize);
		lexical(e->name, t->path, sizeof t->path);
		return flush_events(t, s, e, t->path, false);
	}
	struct res r;
	resolve(t, e->name, &r, t->work);
	if (r.err) {
		note(t, IST_EV_DROPPED, "%s", err_names[r.err]);
		lexical(e->name, t->path, sizeof t->path);
		return flush_events(t, s, e, t->path, false);
	}
	if (!r.dot && r.lastlen > NAME_MAX_) {
		note(t, IST_EV_DROPPED, "%s", err_names[E_NAMETOOLONG]);
		lexical(e->name, t->path, sizeof t->path);
		return flush_events(t, s, e, t->path, false);
	}
	size_t llen = landing_path(t, &r, t->path, sizeof t->path);
	if (r.via_symlink)
		note(t, IST_EV_SYMLINK_PARENT, "a parent component is a symlink (%s): lands at %.*s", r.via,
		     200, t->path);
	check_protected(t, &r, t->path, llen);
	if (refused(t))
		return flush_events(t, s, e, t->path, false);
	enum ist_status st = apply(t, e, &r, t->path);
	if (st)
		return st;
	return flush_events(t, s, e, t->path, true);
}

enum ist_status ist_tree_data(struct ist_tree *t, const uint8_t *p, size_t n)
{
	if (t->cur && !t->keep_content) {
		ist_sha256_update(&t->sha, p, n);
		t->written += n;
	}
	return t->err.status;
}

enum ist_status ist_tree_entry_end(struct ist_tree *t, const struct ist_cpio_entry *e)
{
	(void)e;
	if (t->cur && !t->keep_content) {
		ist_sha256_final(&t->sha, t->cur->sha);
		t->cur->size = t->written;
	}
	t->cur = NULL;
	return t->err.status;
}

/* ---- lifecycle ------------------------------------------------------- */

void ist_tree_config_default(struct ist_tree_config *c)
{
	memset(c, 0, sizeof *c);
	ist_policy_default(&c->policy);
	c->root_mode = 01777;
	c->builtin = true;
}

static struct node *builtin_node(struct ist_tree *t, struct node *dir, const char *name,
				 uint32_t mode, uint32_t rmaj, uint32_t rmin)
{
	struct inode *i = new_inode(t, mode);
	if (!i)
		return NULL;
	i->archive = ~0u;
	i->rmaj = rmaj;
	i->rmin = rmin;
	struct node *n = add_node(t, dir, name, ist_strlen(name), i);
	if (!n)
		put(t, i);
	return n;
}

enum ist_status ist_tree_new(struct ist_tree **out, const struct ist_alloc *a,
			     const struct ist_tree_config *cfg, struct ist_error *err)
{
	*out = NULL;
	struct ist_tree *t = a->alloc(a->user, sizeof *t);
	if (!t)
		return ist_fail(err, IST_NO_MEMORY, 0, "out of memory for the tree model");
	memset(t, 0, sizeof *t);
	t->a = *a;
	if (cfg)
		t->cfg = *cfg;
	else
		ist_tree_config_default(&t->cfg);
	t->stack_leading = true;
	struct inode *ri = new_inode(t, IST_S_IFDIR | (t->cfg.root_mode & 07777));
	t->root = ri ? get(t, sizeof *t->root + 1) : NULL;
	if (!t->root) {
		put(t, ri);
		put(t, t);
		return ist_fail(err, IST_NO_MEMORY, 0, "out of memory for the tree model");
	}
	memset(t->root, 0, sizeof *t->root + 1);
	t->root->ino = ri;
	ri->nlink = 1;
	ri->archive = ~0u;
	ri->first = t->root;
	if (t->cfg.builtin) {
		/* usr/default_cpio_list, built into kernels without their own */
		struct node *dev = builtin_node(t, t->root, "dev", IST_S_IFDIR | 0755, 0, 0);
		if (!dev || !builtin_node(t, dev, "console", IST_S_IFCHR | 0600, 5, 1) ||
		    !builtin_node(t, t->root, "root", IST_S_IFDIR | 0700, 0, 0)) {
			if (err)
				*err = t->err;
			ist_tree_free(t);
			return IST_NO_MEMORY;
		}
	}
	*out = t;
	return IST_OK;
}

static void free_nodes(struct ist_tree *t, struct node *n)
{
	while (n) {
		struct node *next = n->next;
		free_nodes(t, n->child);
		drop_inode_ref(t, n->ino);
		put(t, n);
		n = next;
	}
}

void ist_tree_free(struct ist_tree *t)
{
	if (!t)
		return;
	if (t->root) {
		free_nodes(t, t->root->child);
		drop_inode_ref(t, t->root->ino);
		put(t, t->root);
	}
	reset_links(t);
	put(t, t);
}

void ist_tree_begin(struct ist_tree *t, unsigned index, enum ist_role role)
{
	t->archive = index;
	/* handover unpacks each deferred archive on its own: no links carry in */
	if (role == IST_ROLE_DEFERRED && t->role != IST_ROLE_DEFERRED)
		reset_links(t);
	t->role = role;
	t->archive_compressed = false;
}

void ist_tree_end(struct ist_tree *t)
{
	if (t->archive_compressed || t->role == IST_ROLE_DEFERRED)
		t->stack_leading = false;
	if (t->role == IST_ROLE_DEFERRED)
		reset_links(t);
}

unsigned ist_tree_count(const struct ist_tree *t, enum ist_action a)
{
	return (unsigned)a < 3 ? t->counts[a] : 0;
}

const struct ist_error *ist_tree_error(const struct ist_tree *t)
{
	return &t->err;
}

/* ---- walking --------------------------------------------------------- */

/* Sort a sibling list by name (bytewise), merge sort on the links. */
static struct node *sort_children(struct node *list)
{
	if (!list || !list->next)
		return list;
	struct node *slow = list, *fast = list->next;
	while (fast && fast->next) {
		slow = slow->next;
		fast = fast->next->next;
	}
	struct node *b = slow->next;
	slow->next = NULL;
	struct node *a = sort_children(list);
	b = sort_children(b);
	struct node head, *tail = &head;
	while (a && b) {
		size_t n = IST_MIN(a->namelen, b->namelen);
		int c = memcmp(a->name, b->name, n);
		if (c < 0 || (c == 0 && a->namelen <= b->namelen)) {
			tail->next = a;
			a = a->next;
		} else {
			tail->next = b;
			b = b->next;
		}
		tail = tail->next;
	}
	tail->next = a ? a : b;
	return head.next;
}

static int visit(struct ist_tree *t, struct node *n, int (*cb)(void *, const struct ist_tree_item *),
		 void *user)
{
	struct inode *i = n->ino;
	node_path(n, t->path, sizeof t->path);
	struct ist_tree_item it = {
		.path = t->path,
		.mode = i->mode,
		.uid = i->uid,
		.gid = i->gid,
		.mtime = i->mtime,
		.size = (i->mode & IST_S_IFMT) == IST_S_IFREG || (i->mode & IST_S_IFMT) == IST_S_IFLNK ? i->size : 0,
		.sha256 = (i->mode & IST_S_IFMT) == IST_S_IFREG ? i->sha : NULL,
		.target = i->target,
		.rdevmajor = i->rmaj,
		.rdevminor = i->rmin,
		.nlink = i->nlink,
		.archive = i->archive,
		.first_name = NULL,
	};
	if (i->nlink > 1 && i->first && i->first != n) {
		node_path(i->first, t->other, sizeof t->other);
		it.first_name = t->other;
	}
	int rc = cb(user, &it);
	if (rc)
		return rc;
	n->child = sort_children(n->child);
	for (struct node *c = n->child; c; c = c->next)
		if ((rc = visit(t, c, cb, user)))
			return rc;
	return 0;
}

enum ist_status ist_tree_walk(struct ist_tree *t, int (*cb)(void *user, const struct ist_tree_item *it),
			      void *user)
{
	if (visit(t, t->root, cb, user))
		return IST_ABORTED;
	return IST_OK;
}
