/*
 * The model filesystem of the stack model, and the system calls the
 * kernel's unpacker makes (init/initramfs.c through fs/init.c), with the
 * VFS's path-walk rules: "." and "..", symlinks in parent components
 * followed (at most 40), a final symlink followed only by calls that follow
 * it (open, chown, chmod) or when the name ends in '/'.
 */
#include <initstack/format.h>

#include "tree_int.h"

#define L_NOSLASHFOLLOW 2u /* a trailing '/' does not follow a final symlink */

void *tree_get(struct ist_tree *t, size_t n)
{
	void *p = t->a.alloc(t->a.user, n);
	if (!p && !t->err.status)
		ist_fail(&t->err, IST_NO_MEMORY, 0, "out of memory (%zu bytes) in the tree model", n);
	return p;
}

void tree_put(struct ist_tree *t, void *p)
{
	if (p && t->a.free)
		t->a.free(t->a.user, p);
}

struct inode *tree_new_inode(struct ist_tree *t, uint32_t mode)
{
	struct inode *i = tree_get(t, sizeof *i);
	if (!i)
		return NULL;
	memset(i, 0, sizeof *i);
	i->mode = mode;
	i->archive = t->archive;
	if ((mode & IST_S_IFMT) == IST_S_IFREG) {
		struct ist_sha256 c;
		ist_sha256_init(&c);
		ist_sha256_final(&c, i->sha);
	}
	return i;
}

void tree_drop_inode(struct ist_tree *t, struct inode *i)
{
	if (--i->nlink)
		return;
	tree_put(t, i->target);
	tree_put(t, i);
}

uint32_t tree_type(const struct node *n)
{
	return n->ino->mode & IST_S_IFMT;
}

bool tree_is_dir(const struct node *n)
{
	return tree_type(n) == IST_S_IFDIR;
}

static struct node *child(struct node *dir, const char *name, size_t len)
{
	for (struct node *c = dir->child; c; c = c->next)
		if (c->namelen == len && !memcmp(c->name, name, len))
			return c;
	return NULL;
}

size_t tree_node_path(const struct node *n, char *buf, size_t size)
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
		len = size - 1; /* deeper than any walk can reach: keep the tail */
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
	size_t len = tree_node_path(n, t->other, sizeof t->other);
	return ist_policy_protected(&t->cfg.policy, t->other, len);
}

struct node *tree_add_node(struct ist_tree *t, struct node *dir, const char *name, size_t len,
			   struct inode *ino)
{
	struct node *n = tree_get(t, sizeof *n + len + 1);
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
	tree_drop_inode(t, i);
	tree_put(t, n);
}

/* ---- path walks ------------------------------------------------------ */

static bool is_dot(const char *c, size_t n)
{
	return n == 1 && c[0] == '.';
}

static bool is_dotdot(const char *c, size_t n)
{
	return n == 2 && c[0] == '.' && c[1] == '.';
}

void tree_walk_path(struct ist_tree *t, const char *name, unsigned flags, unsigned slot,
		    struct look *l)
{
	memset(l, 0, sizeof *l);
	char *buf[2] = { t->work[2 * slot], t->work[2 * slot + 1] };
	int w = 0;
	size_t nl = ist_strlen(name);
	if (!nl) {
		l->err = E_NOENT;
		return;
	}
	if (nl >= WORK) {
		l->err = E_NAMETOOLONG;
		return;
	}
	memcpy(buf[0], name, nl + 1);
	const char *p = buf[0];
	struct node *cur = t->root;
	unsigned follows = 0;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			/* the name was "/" (or a symlink's target ended at a directory) */
			l->node = cur;
			l->dir = cur->parent ? cur->parent : cur;
			l->dot = true;
			l->last = ".";
			l->lastlen = 1;
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
			l->err = E_NAMETOOLONG;
			return;
		}
		if (last && (is_dot(c, n) || is_dotdot(c, n))) {
			struct node *d = is_dot(c, n) || !cur->parent ? cur : cur->parent;
			l->node = d;
			l->dir = d->parent ? d->parent : d;
			l->dot = true;
			l->slash = *p == '/';
			l->last = c;
			l->lastlen = n;
			return;
		}
		if (!last && is_dot(c, n))
			continue;
		if (!last && is_dotdot(c, n)) {
			if (cur->parent)
				cur = cur->parent;
			continue;
		}
		struct node *ch = child(cur, c, n);
		if (last) {
			l->dir = cur;
			l->last = c;
			l->lastlen = n;
			l->node = ch;
			l->slash = *p == '/';
			bool follow = (flags & L_FOLLOW) || (l->slash && !(flags & L_NOSLASHFOLLOW));
			if (!ch || tree_type(ch) != IST_S_IFLNK || !follow) {
				if (ch && l->slash && !tree_is_dir(ch) &&
				    !(tree_type(ch) == IST_S_IFLNK && (flags & L_NOSLASHFOLLOW)))
					l->err = E_NOTDIR;
				return;
			}
		} else if (!ch) {
			l->err = E_NOENT;
			return;
		} else if (tree_is_dir(ch)) {
			cur = ch;
			continue;
		} else if (tree_type(ch) != IST_S_IFLNK) {
			l->err = E_NOTDIR;
			return;
		}
		/* follow the symlink `ch`: its target, then what was left */
		if (++follows > MAX_FOLLOW) {
			l->err = E_LOOP;
			return;
		}
		const char *tg = ch->ino->target ? ch->ino->target : "";
		if (!l->via_symlink) {
			char lp[IST_PATH_MAX + 8];
			tree_node_path(ch, lp, sizeof lp);
			ist_format(l->via, sizeof l->via, "%.*s -> %.*s", 120, lp, 120, tg);
		}
		l->via_symlink = true;
		if (!*tg) {
			l->err = E_NOENT;
			return;
		}
		size_t tl = ist_strlen(tg), rl = ist_strlen(p);
		char *nb = buf[w ^ 1];
		if (tl + 1 + rl + 1 > WORK) {
			l->err = E_NAMETOOLONG;
			return;
		}
		memcpy(nb, tg, tl);
		nb[tl] = '/';
		memcpy(nb + tl + 1, p, rl + 1);
		if (last && !rl)
			nb[tl] = '\0'; /* a final symlink: just its target */
		w ^= 1;
		p = nb;
		if (tg[0] == '/')
			cur = t->root;
		l->dir = NULL;
		l->node = NULL;
		l->slash = false;
	}
}

size_t tree_look_path(const struct look *l, char *buf, size_t size)
{
	if (l->dot || !l->dir)
		return l->node ? tree_node_path(l->node, buf, size) : (buf[0] = '\0', 0);
	size_t n = tree_node_path(l->dir, buf, size);
	if (n == 1)
		n = 0;
	size_t k = IST_MIN(l->lastlen, size - n - 2);
	buf[n] = '/';
	memcpy(buf + n + 1, l->last, k);
	buf[n + 1 + k] = '\0';
	return n + 1 + k;
}

size_t ist_path_lexical(const char *name, char *out, size_t size)
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

/* ---- the system calls ------------------------------------------------ */

static struct node *create(struct ist_tree *t, struct look *l, uint32_t mode)
{
	struct inode *i = tree_new_inode(t, mode);
	if (!i)
		return NULL;
	struct node *n = tree_add_node(t, l->dir, l->last, l->lastlen, i);
	if (!n)
		tree_put(t, i);
	return n;
}

int m_rmdir(struct ist_tree *t, const char *name)
{
	struct look l;
	tree_walk_path(t, name, L_NOSLASHFOLLOW, 0, &l);
	if (l.err)
		return l.err;
	if (l.dot)
		return E_BUSY;
	if (!l.node)
		return E_NOENT;
	if (!tree_is_dir(l.node))
		return E_NOTDIR;
	if (l.node->child)
		return E_NOTEMPTY;
	remove_node(t, l.node);
	return E_OK;
}

int m_unlink(struct ist_tree *t, const char *name)
{
	struct look l;
	tree_walk_path(t, name, L_NOSLASHFOLLOW, 0, &l);
	if (l.err)
		return l.err;
	if (l.dot)
		return E_ISDIR;
	if (!l.node)
		return E_NOENT;
	if (tree_is_dir(l.node))
		return E_ISDIR;
	if (l.slash)
		return E_NOTDIR;
	remove_node(t, l.node);
	return E_OK;
}

int m_open_creat(struct ist_tree *t, const char *name, bool trunc, uint32_t mode,
		 struct inode **out)
{
	struct look l;
	*out = NULL;
	tree_walk_path(t, name, L_FOLLOW, 0, &l);
	if (l.err)
		return l.err;
	if (l.slash || l.dot || (l.node && tree_is_dir(l.node)))
		return E_ISDIR;
	if (l.node) {
		if (tree_type(l.node) != IST_S_IFREG)
			return E_PERM; /* a device or fifo: not modelled (a fifo blocks the kernel) */
		struct inode *i = l.node->ino;
		if (trunc) {
			struct ist_sha256 c;
			ist_sha256_init(&c);
			ist_sha256_final(&c, i->sha);
			i->size = 0;
		}
		*out = i;
		return E_OK;
	}
	struct node *n = create(t, &l, IST_S_IFREG | (mode & 07777));
	if (!n)
		return E_NOMEM;
	*out = n->ino;
	return E_OK;
}

int m_mkdir(struct ist_tree *t, const char *name, uint32_t mode)
{
	struct look l;
	tree_walk_path(t, name, L_NOSLASHFOLLOW, 0, &l);
	if (l.err && l.err != E_NOTDIR)
		return l.err;
	if (l.dot || l.node)
		return E_EXIST;
	if (l.err)
		return l.err;
	return create(t, &l, IST_S_IFDIR | (mode & 07777)) ? E_OK : E_NOMEM;
}

static void set_owner(struct inode *i, uint32_t uid, uint32_t gid)
{
	if (uid != ID_KEEP)
		i->uid = uid;
	if (gid != ID_KEEP)
		i->gid = gid;
}

int m_chown(struct ist_tree *t, const char *name, uint32_t uid, uint32_t gid, bool follow)
{
	struct look l;
	tree_walk_path(t, name, follow ? L_FOLLOW : 0, 0, &l);
	if (l.err)
		return l.err;
	if (!l.node)
		return E_NOENT;
	set_owner(l.node->ino, uid, gid);
	return E_OK;
}

int m_chmod(struct ist_tree *t, const char *name, uint32_t mode)
{
	struct look l;
	tree_walk_path(t, name, L_FOLLOW, 0, &l);
	if (l.err)
		return l.err;
	if (!l.node)
		return E_NOENT;
	struct inode *i = l.node->ino;
	i->mode = (i->mode & IST_S_IFMT) | (mode & 07777);
	return E_OK;
}

/* Creating calls: the final component must not exist; no trailing '/'. */
static int creatable(struct ist_tree *t, const char *name, struct look *l)
{
	tree_walk_path(t, name, L_NOSLASHFOLLOW, 0, l);
	if (l->err && l->err != E_NOTDIR)
		return l->err;
	if (l->dot || l->node)
		return E_EXIST;
	if (l->err)
		return l->err;
	return l->slash ? E_NOENT : E_OK;
}

int m_mknod(struct ist_tree *t, const char *name, uint32_t mode, uint32_t rmaj, uint32_t rmin)
{
	struct look l;
	int rc = creatable(t, name, &l);
	if (rc)
		return rc;
	struct node *n = create(t, &l, (mode & IST_S_IFMT) | (mode & 07777));
	if (!n)
		return E_NOMEM;
	n->ino->rmaj = rmaj;
	n->ino->rmin = rmin;
	return E_OK;
}

int m_symlink(struct ist_tree *t, const char *target, size_t tlen, const char *name)
{
	struct look l;
	int rc = creatable(t, name, &l);
	if (rc)
		return rc;
	char *copy = tree_get(t, tlen + 1);
	if (!copy)
		return E_NOMEM;
	memcpy(copy, target, tlen);
	copy[tlen] = '\0';
	struct node *n = create(t, &l, IST_S_IFLNK | 0777);
	if (!n) {
		tree_put(t, copy);
		return E_NOMEM;
	}
	n->ino->target = copy;
	n->ino->size = tlen;
	return E_OK;
}

int m_link(struct ist_tree *t, const char *old, const char *name)
{
	struct look o;
	tree_walk_path(t, old, L_NOSLASHFOLLOW, 1, &o);
	if (o.err)
		return o.err;
	if (o.dot || (o.node && tree_is_dir(o.node)))
		return E_PERM;
	if (!o.node)
		return E_NOENT;
	struct inode *i = o.node->ino;
	struct look l;
	int rc = creatable(t, name, &l);
	if (rc)
		return rc;
	return tree_add_node(t, l.dir, l.last, l.lastlen, i) ? E_OK : E_NOMEM;
}
