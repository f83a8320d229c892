/*
 * The stack model: archives applied to a model rootfs exactly as
 * init/initramfs.c applies them to the real one — do_name() and
 * do_symlink() transcribed onto the model's system calls (tree_fs.c), so
 * every quirk of the kernel (chown through a trailing '/', a hard link whose
 * first name is now a symlink, uid -1 meaning "unchanged") falls out of the
 * same rules. Before an entry is applied, a pre-pass finds where it would
 * write and judges that by the policy: a deferred archive's entry that the
 * policy calls an error is refused, as handover refuses it.
 */
#include <initstack/format.h>

#include "tree_int.h"

#define ACPI_MAX 64

static const char err_names[][48] = {
	[E_OK] = "",
	[E_NOENT] = "a parent directory is missing",
	[E_NOTDIR] = "a parent component is not a directory",
	[E_LOOP] = "too many levels of symlinks",
	[E_NAMETOOLONG] = "a name component is over 255 bytes",
	[E_EXIST] = "the name exists",
	[E_ISDIR] = "the name is a directory",
	[E_NOTEMPTY] = "the directory is not empty",
	[E_PERM] = "not permitted",
	[E_BUSY] = "the name is the root or \".\"",
	[E_NOMEM] = "out of memory",
};

static const char *why(int e)
{
	return (unsigned)e < IST_ARRAY_SIZE(err_names) ? err_names[e] : "error";
}

/* ---- events ---------------------------------------------------------- */

static void note_v(struct ist_tree *t, enum ist_event_class cls, bool predicted, const char *fmt,
		   ist_va_list ap)
{
	if (t->npend == MAX_PENDING)
		return;
	struct pending *pe = &t->pend[t->npend++];
	pe->cls = cls;
	pe->predicted = predicted;
	ist_vformat(pe->detail, sizeof pe->detail, fmt, ap);
}

static void note(struct ist_tree *t, enum ist_event_class cls, const char *fmt, ...)
{
	ist_va_list ap;
	ist_va_start(ap, fmt);
	note_v(t, cls, false, fmt, ap);
	ist_va_end(ap);
}

static void predict(struct ist_tree *t, enum ist_event_class cls, const char *fmt, ...)
{
	ist_va_list ap;
	ist_va_start(ap, fmt);
	note_v(t, cls, true, fmt, ap);
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

/* Keep what the pre-pass found for sure; its predictions give way to what happens. */
static void drop_predictions(struct ist_tree *t)
{
	unsigned o = 0;
	for (unsigned i = 0; i < t->npend; i++)
		if (!t->pend[i].predicted)
			t->pend[o++] = t->pend[i];
	t->npend = o;
}

static enum ist_status flush_events(struct ist_tree *t, const struct ist_segment *s,
				    const struct ist_cpio_entry *e, const char *path, bool applied)
{
	for (unsigned i = 0; i < t->npend; i++)
		if (t->pend[i].cls == IST_EV_DROPPED)
			applied = false; /* the kernel did not write it after all */
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
			.applied = applied,
		};
		if (t->cfg.event(t->cfg.user, &ev)) {
			t->npend = 0;
			return ist_fail(&t->err, IST_ABORTED, e->offset, "stopped by the event callback");
		}
	}
	t->npend = 0;
	return IST_OK;
}

const char *ist_type_name(uint32_t mode)
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

/* ---- the pre-pass: where the entry would write, judged by the policy -- */

/*
 * Whether the protected prefixes judge the entries of the current archive.
 * They guard the kernel camp's files against what is unpacked after them:
 * a deferred archive always, an extra one once a kernel camp archive has
 * been unpacked. Before that, and in a stack of extra archives only (a
 * plain BLS entry), there is nothing of the kernel camp's to guard: early
 * microcode and ACPI tables live under kernel/ by the kernel's own rule.
 */
static bool judged(const struct ist_tree *t)
{
	return t->role == IST_ROLE_DEFERRED || (t->role == IST_ROLE_EXTRA && t->kernel_camp);
}

static bool protected_path(struct ist_tree *t, const char *p, size_t len)
{
	return ist_policy_protected(&t->cfg.policy, p, len);
}

static struct link *find_link(struct ist_tree *t, const struct ist_cpio_entry *e)
{
	for (struct link *l = t->links; l; l = l->next)
		if (ist_link_key_match(&l->key, e))
			return l;
	return NULL;
}

static void prepass(struct ist_tree *t, const struct ist_cpio_entry *e)
{
	uint32_t type = e->mode & IST_S_IFMT;
	struct look l;
	tree_walk_path(t, e->name, 0, 0, &l);
	size_t llen = tree_look_path(&l, t->path, sizeof t->path);
	if (l.err) {
		ist_path_lexical(e->name, t->path, sizeof t->path);
		return; /* dropped: the kernel writes nothing */
	}
	if (l.via_symlink)
		note(t, IST_EV_SYMLINK_PARENT, "a parent component is a symlink (%s): lands at %.*s",
		     l.via, 200, t->path);
	if (l.node && !l.dot) {
		uint32_t old = tree_type(l.node);
		bool full = tree_is_dir(l.node) && l.node->child;
		if (old != type && full && type != IST_S_IFDIR)
			predict(t, IST_EV_DROPPED, "%s over a non-empty directory", ist_type_name(type));
		else if (old != type && !(type == IST_S_IFDIR && l.slash))
			predict(t, IST_EV_TYPE_CHANGE, "%s replaces a %s", ist_type_name(type), ist_type_name(old));
	}
	if (!judged(t))
		return;
	/* an existing directory, unchanged: nothing is created or replaced */
	if (type == IST_S_IFDIR && l.node && tree_is_dir(l.node) &&
	    (l.node->ino->mode & 07777) == (e->mode & 07777) && l.node->ino->uid == e->uid &&
	    l.node->ino->gid == e->gid)
		return;
	char lex[IST_PATH_MAX + 8];
	size_t xl = ist_path_lexical(e->name, lex, sizeof lex);
	const char *role = ist_role_name(t->role);
	if (protected_path(t, t->path, llen)) {
		note(t, IST_EV_PROTECTED, "%s %.*s is under a protected prefix%s%s", role, 200, t->path,
		     l.via_symlink ? ", reached through symlink " : "", l.via_symlink ? l.via : "");
		return;
	}
	if (protected_path(t, lex, xl)) {
		note(t, IST_EV_PROTECTED, "%s entry names %.*s under a protected prefix", role, 200, lex);
		return;
	}
	if (l.node && tree_type(l.node) == IST_S_IFREG && l.node->ino->protected_names &&
	    type == IST_S_IFREG) {
		note(t, IST_EV_PROTECTED,
		     "%.*s is a hard link of a protected file; writing it changes that file", 200, t->path);
		return;
	}
	/* writes that follow a final symlink */
	bool follows = l.node && tree_type(l.node) == IST_S_IFLNK &&
		       ((l.slash && type != IST_S_IFREG && type != IST_S_IFLNK) ||
			(type == IST_S_IFREG && e->nlink >= 2 && find_link(t, e)));
	if (follows) {
		struct look f;
		tree_walk_path(t, e->name, L_FOLLOW, 0, &f);
		size_t fl = tree_look_path(&f, t->other, sizeof t->other);
		if (!f.err && protected_path(t, t->other, fl)) {
			note(t, IST_EV_PROTECTED, "%s %.*s is a symlink into a protected prefix: %.*s", role,
			     200, t->path, 200, t->other);
			return;
		}
	}
	if ((type == IST_S_IFREG || type == IST_S_IFCHR || type == IST_S_IFBLK ||
	     type == IST_S_IFIFO || type == IST_S_IFSOCK) && e->nlink >= 2) {
		struct link *k = find_link(t, e);
		if (k) {
			struct look o;
			tree_walk_path(t, k->name, 0, 1, &o);
			size_t ol = tree_look_path(&o, t->other, sizeof t->other);
			if (!o.err && ((o.node && o.node->ino->protected_names) ||
				       protected_path(t, t->other, ol))) {
				note(t, IST_EV_PROTECTED, "hard link %.*s to protected %.*s", 200, t->path,
				     200, t->other);
				return;
			}
			/* the first name is now a symlink: open follows it from the new name */
			if (!o.err && o.node && tree_type(o.node) == IST_S_IFLNK && type == IST_S_IFREG) {
				tree_walk_path(t, k->name, L_FOLLOW, 1, &o);
				ol = tree_look_path(&o, t->other, sizeof t->other);
				if (!o.err && protected_path(t, t->other, ol))
					note(t, IST_EV_PROTECTED,
					     "hard link %.*s to a symlink into a protected prefix: %.*s", 200,
					     t->path, 200, t->other);
			}
		}
	}
}

/* ---- the kernel's do_name and do_symlink on the model ---------------- */

static void reset_links(struct ist_tree *t)
{
	while (t->links) {
		struct link *l = t->links;
		t->links = l->next;
		tree_put(t, l);
	}
}

/* clean_path(): remove an entry of another type; false if a non-empty
 * directory stays in the way. */
static bool clean_path(struct ist_tree *t, const char *name, uint32_t mode, bool any)
{
	struct look l;
	tree_walk_path(t, name, 0, 0, &l);
	if (l.err || !l.node || l.dot)
		return true;
	uint32_t old = tree_type(l.node);
	uint32_t type = mode & IST_S_IFMT;
	if (!any && old == type)
		return true;
	struct origin from = origin_of(l.node->ino);
	bool full = tree_is_dir(l.node) && l.node->child;
	int rc = tree_is_dir(l.node) ? m_rmdir(t, name) : m_unlink(t, name);
	if (rc)
		return !full;
	note(t, old == type ? IST_EV_OVERWRITE : IST_EV_TYPE_CHANGE, "%s replaces a %s from %s",
	     ist_type_name(type), ist_type_name(old), from.text);
	return true;
}

/*
 * maybe_link(): 0 no link (the name is now registered), 1 linked to the
 * first name, -1 the link failed (the entry is dropped).
 */
static int maybe_link(struct ist_tree *t, const struct ist_cpio_entry *e)
{
	if (e->nlink < 2)
		return 0;
	struct link *l = find_link(t, e);
	if (!l) {
		l = tree_get(t, sizeof *l + e->namelen + 1);
		if (!l)
			return -1;
		ist_link_key_of(&l->key, e);
		memcpy(l->name, e->name, e->namelen + 1);
		l->next = t->links;
		t->links = l;
		return 0;
	}
	clean_path(t, e->name, 0, true);
	int rc = m_link(t, l->name, e->name);
	if (rc) {
		note(t, IST_EV_DROPPED, "hard link to \"%.*s\" fails: %s", 200, l->name,
		     rc == E_NOENT ? "that name does not exist (any more)" :
		     rc == E_PERM ? "it is a directory" : why(rc));
		return -1;
	}
	return 1;
}

static void owner_mode(struct ist_tree *t, const struct ist_cpio_entry *e, bool follow)
{
	m_chown(t, e->name, e->uid, e->gid, follow);
	if (follow)
		m_chmod(t, e->name, e->mode);
}

static void do_file(struct ist_tree *t, const struct ist_cpio_entry *e, bool blocked)
{
	struct look before;
	tree_walk_path(t, e->name, L_FOLLOW, 0, &before);
	struct inode *was = before.err ? NULL : before.node ? before.node->ino : NULL;
	struct origin from = was ? origin_of(was) : (struct origin){ "" };
	bool was_link = false;
	if (e->nlink >= 2) {
		struct look l;
		tree_walk_path(t, e->name, 0, 0, &l);
		was_link = !l.err && l.node && tree_type(l.node) == IST_S_IFLNK;
	}
	int ml = maybe_link(t, e);
	if (ml < 0)
		return;
	struct inode *i;
	int rc = m_open_creat(t, e->name, ml != 1, e->mode, &i);
	if (rc) {
		if (rc == E_ISDIR && blocked)
			note(t, IST_EV_DROPPED, "file over a non-empty directory (from %s): the kernel drops it",
			     from.text);
		else if (rc == E_ISDIR)
			note(t, IST_EV_DROPPED, "file over a directory%s: the kernel drops it",
			     before.slash ? " (the name ends in \"/\")" : "");
		else if (rc == E_PERM)
			note(t, IST_EV_DROPPED, "the name leads to a %s: the kernel opens it for writing",
			     was ? ist_type_name(was->mode) : "device");
		else
			note(t, IST_EV_DROPPED, "%s", why(rc));
		return;
	}
	if (ml == 1) {
		struct look l;
		tree_walk_path(t, e->name, 0, 0, &l);
		if (!l.err && l.node && tree_type(l.node) == IST_S_IFLNK)
			note(t, IST_EV_SYMLINK_PARENT,
			     "the hard link's first name is a symlink (%s): the data, mode and owner go to its target",
			     l.node->ino->target);
	} else if (was == i && !was_link && i->archive != ~0u) {
		note(t, IST_EV_OVERWRITE, "file overwrites a file from %s%s", from.text,
		     i->nlink > 1 ? " (and so its other hard links)" : "");
	}
	i->archive = t->archive;
	if (e->uid != ID_KEEP)
		i->uid = e->uid;
	if (e->gid != ID_KEEP)
		i->gid = e->gid;
	i->mode = IST_S_IFREG | (e->mode & 07777);
	i->mtime = e->mtime;
	t->cur = i;
	t->keep_content = ml == 1 && e->filesize == 0;
	ist_sha256_init(&t->sha);
	t->written = 0;
}

static void do_dir(struct ist_tree *t, const struct ist_cpio_entry *e)
{
	struct look l;
	tree_walk_path(t, e->name, L_FOLLOW, 0, &l);
	struct inode *was = !l.err && l.node ? l.node->ino : NULL;
	uint32_t old_mode = was ? was->mode : 0, old_uid = was ? was->uid : 0,
		 old_gid = was ? was->gid : 0;
	struct origin from = was ? origin_of(was) : (struct origin){ "" };
	int rc = m_mkdir(t, e->name, e->mode);
	if (rc && rc != E_EXIST) {
		note(t, IST_EV_DROPPED, "%s", why(rc));
		return;
	}
	int oc = m_chown(t, e->name, e->uid, e->gid, true);
	m_chmod(t, e->name, e->mode);
	if (rc == E_EXIST && oc) {
		struct look here;
		tree_walk_path(t, e->name, 0, 0, &here);
		note(t, IST_EV_DROPPED, "a %s is there%s: the directory is not made",
		     here.node ? ist_type_name(here.node->ino->mode) : "file",
		     l.slash || here.slash ? " (the name ends in \"/\")" : "");
		return;
	}
	if (rc != E_EXIST || !was)
		return;
	if (l.via_symlink && l.slash)
		note(t, IST_EV_SYMLINK_PARENT,
		     "the name ends in \"/\" and is a symlink (%s): mode and owner go to its target", l.via);
	uint32_t uid = e->uid == ID_KEEP ? old_uid : e->uid, gid = e->gid == ID_KEEP ? old_gid : e->gid;
	if ((old_mode & 07777) != (e->mode & 07777) || old_uid != uid || old_gid != gid)
		note(t, IST_EV_OVERWRITE, "%s from %s updated: mode %04o -> %04o, owner %u:%u -> %u:%u",
		     ist_type_name(old_mode), from.text, old_mode & 07777, e->mode & 07777, old_uid, old_gid,
		     uid, gid);
}

static void do_node(struct ist_tree *t, const struct ist_cpio_entry *e, bool blocked)
{
	uint32_t type = e->mode & IST_S_IFMT;
	if (maybe_link(t, e))
		return;
	int rc = m_mknod(t, e->name, e->mode, e->rdevmajor, e->rdevminor);
	if (rc && rc != E_EXIST) {
		note(t, IST_EV_DROPPED, "%s", why(rc));
		return;
	}
	struct look l;
	tree_walk_path(t, e->name, L_FOLLOW, 0, &l);
	struct inode *there = !l.err && l.node ? l.node->ino : NULL;
	if (rc == E_EXIST && there) {
		struct origin from = origin_of(there);
		if (blocked || (there->mode & IST_S_IFMT) != type)
			note(t, IST_EV_DROPPED,
			     "%s over a %s%s (from %s): mknod fails, and the %s takes its mode and owner",
			     ist_type_name(type), blocked ? "non-empty " : "", ist_type_name(there->mode), from.text,
			     ist_type_name(there->mode));
		else
			note(t, IST_EV_OVERWRITE,
			     "%s exists (from %s): mknod fails, its device number stays, mode and owner are updated",
			     ist_type_name(type), from.text);
	}
	owner_mode(t, e, true);
	if (!rc && there)
		there->mtime = e->mtime;
}

static void do_symlink(struct ist_tree *t, const struct ist_cpio_entry *e)
{
	bool clear = clean_path(t, e->name, 0, true);
	int rc = m_symlink(t, e->target, e->targetlen, e->name);
	if (rc == E_EXIST && !clear)
		note(t, IST_EV_DROPPED,
		     "symlink over a non-empty directory: the kernel drops it, and the directory takes its owner");
	else if (rc)
		note(t, IST_EV_DROPPED, "%s", why(rc));
	m_chown(t, e->name, e->uid, e->gid, false);
}

static void apply(struct ist_tree *t, const struct ist_cpio_entry *e)
{
	uint32_t type = e->mode & IST_S_IFMT;
	if (type == IST_S_IFLNK) {
		do_symlink(t, e);
		return;
	}
	bool clear = clean_path(t, e->name, e->mode, false);
	switch (type) {
	case IST_S_IFREG:
		do_file(t, e, !clear);
		break;
	case IST_S_IFDIR:
		do_dir(t, e);
		break;
	case IST_S_IFCHR:
	case IST_S_IFBLK:
	case IST_S_IFIFO:
	case IST_S_IFSOCK:
		do_node(t, e, !clear);
		break;
	default:
		note(t, IST_EV_DROPPED, "entry with file type 0%o: nothing is created", type >> 12);
		break;
	}
}

/* ---- early microcode and ACPI tables --------------------------------- */

static void check_early(struct ist_tree *t, const struct ist_segment *s,
			const struct ist_cpio_entry *e)
{
	static const char ucode[] = "kernel/x86/microcode/";
	static const char acpi[] = "kernel/firmware/acpi/";
	char lex[IST_PATH_MAX + 8];
	if ((e->mode & IST_S_IFMT) != IST_S_IFREG)
		return;
	size_t n = ist_path_lexical(e->name, lex, sizeof lex);
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

/* ---- entries --------------------------------------------------------- */

enum ist_status ist_tree_entry(struct ist_tree *t, const struct ist_segment *s,
			       const struct ist_cpio_entry *e)
{
	if (t->err.status)
		return t->err.status;
	t->cur = NULL;
	t->npend = 0;
	if (s && !s->leading)
		t->archive_compressed = true;
	uint32_t type = e->mode & IST_S_IFMT;
	if (e->filesize && type != IST_S_IFREG && type != IST_S_IFLNK) {
		/* do_header() skips the entry before its name is even read */
		note(t, IST_EV_DROPPED, "%s with %u bytes of data: the kernel skips such entries",
		     ist_type_name(type), e->filesize);
		ist_path_lexical(e->name, t->path, sizeof t->path);
		return flush_events(t, s, e, t->path, false);
	}
	if (e->trailer) {
		reset_links(t);
		return IST_OK;
	}
	memcpy(t->given, e->name, e->namelen + 1);
	t->entry = e;
	check_early(t, s, e);
	prepass(t, e);
	if (refused(t))
		return flush_events(t, s, e, t->path, false);
	drop_predictions(t);
	apply(t, e);
	if (t->err.status)
		return t->err.status;
	return flush_events(t, s, e, t->path, true);
}

enum ist_status ist_tree_data(struct ist_tree *t, const uint8_t *p, size_t n)
{
	if (t->cur && !t->keep_content) {
		if (!t->cfg.no_digests)
			ist_sha256_update(&t->sha, p, n);
		t->written += n;
	}
	return t->err.status;
}

enum ist_status ist_tree_entry_end(struct ist_tree *t, const struct ist_cpio_entry *e)
{
	(void)e;
	if (t->cur && !t->keep_content) {
		if (!t->cfg.no_digests)
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
	struct inode *i = tree_new_inode(t, mode);
	if (!i)
		return NULL;
	i->archive = ~0u;
	i->rmaj = rmaj;
	i->rmin = rmin;
	struct node *n = tree_add_node(t, dir, name, ist_strlen(name), i);
	if (!n)
		tree_put(t, i);
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
	struct inode *ri = tree_new_inode(t, IST_S_IFDIR | (t->cfg.root_mode & 07777));
	t->root = ri ? tree_get(t, sizeof *t->root + 1) : NULL;
	if (!t->root) {
		tree_put(t, ri);
		tree_put(t, t);
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
		tree_drop_inode(t, n->ino);
		tree_put(t, n);
		n = next;
	}
}

void ist_tree_free(struct ist_tree *t)
{
	if (!t)
		return;
	if (t->root) {
		free_nodes(t, t->root->child);
		tree_drop_inode(t, t->root->ino);
		tree_put(t, t->root);
	}
	reset_links(t);
	tree_put(t, t);
}

void ist_tree_begin(struct ist_tree *t, unsigned index, enum ist_role role)
{
	t->archive = index;
	/* handover unpacks each deferred archive on its own: no links carry in */
	if (role == IST_ROLE_DEFERRED && t->role != IST_ROLE_DEFERRED)
		reset_links(t);
	t->role = role;
	t->archive_compressed = false;
	if (role == IST_ROLE_KERNEL)
		t->kernel_camp = true;
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
	tree_node_path(n, t->path, sizeof t->path);
	struct ist_tree_item it = {
		.path = t->path,
		.mode = i->mode,
		.uid = i->uid,
		.gid = i->gid,
		.mtime = i->mtime,
		.size = (i->mode & IST_S_IFMT) == IST_S_IFREG || (i->mode & IST_S_IFMT) == IST_S_IFLNK ? i->size : 0,
		.sha256 = (i->mode & IST_S_IFMT) == IST_S_IFREG && !t->cfg.no_digests ? i->sha : NULL,
		.target = i->target,
		.rdevmajor = i->rmaj,
		.rdevminor = i->rmin,
		.nlink = i->nlink,
		.archive = i->archive,
		.first_name = NULL,
	};
	if (i->nlink > 1 && i->first && i->first != n) {
		tree_node_path(i->first, t->other, sizeof t->other);
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
