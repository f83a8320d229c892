/*
 * Internals of the stack model, shared by tree.c (the kernel's do_name
 * logic, events, policy, walking) and tree_fs.c (the model filesystem and
 * the system calls the kernel's unpacker makes on it).
 */
#ifndef INITSTACK_TREE_INT_H
#define INITSTACK_TREE_INT_H

#include <initstack/tree.h>

#include "shim.h"

#define NAME_MAX_ 255
#define MAX_FOLLOW 40
#define MAX_PENDING 8
#define DETAIL 300
#define WORK (2 * IST_PATH_MAX + 8)

struct inode {
	uint32_t mode, uid, gid, mtime, rmaj, rmin;
	uint64_t size;
	uint8_t sha[IST_SHA256_SIZE];
	char *target;
	unsigned nlink;
	unsigned archive;         /* last written by; ~0u: built in */
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
	struct ist_link_key key;
	char name[];
};

struct pending {
	enum ist_event_class cls;
	bool predicted; /* from the pre-pass: decides a refusal, else not reported */
	char detail[DETAIL];
};

/* Errors of the model's system calls, as the VFS would give them. */
enum { E_OK, E_NOENT, E_NOTDIR, E_LOOP, E_NAMETOOLONG, E_EXIST, E_ISDIR, E_NOTEMPTY, E_PERM,
       E_BUSY, E_NOMEM };

#define L_FOLLOW 1u /* follow a final symlink (open, chown, chmod, stat) */

/* The outcome of a path walk. */
struct look {
	int err;
	struct node *dir;    /* directory that holds the final component */
	const char *last;    /* the final component (in a work buffer) */
	size_t lastlen;
	struct node *node;   /* what is there, or NULL */
	bool dot;            /* the final component is ".", ".." or the root */
	bool slash;          /* the name ends in '/' */
	bool via_symlink;    /* a symlink was followed on the way */
	char via[DETAIL];    /* the first one followed, "link -> target" */
};

struct ist_tree {
	struct ist_alloc a;
	struct ist_tree_config cfg;
	struct node *root;
	struct link *links;
	unsigned archive;
	enum ist_role role;
	bool stack_leading, archive_compressed;
	bool kernel_camp;    /* a kernel-role archive has been unpacked */
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
	char work[4][WORK]; /* path walks: two buffers each for two walks at once */
	char path[WORK];
	char other[WORK];
	char given[IST_PATH_MAX + 8];
	const struct ist_cpio_entry *entry;
};

/* tree_fs.c */
void *tree_get(struct ist_tree *t, size_t n);
void tree_put(struct ist_tree *t, void *p);
struct inode *tree_new_inode(struct ist_tree *t, uint32_t mode);
void tree_drop_inode(struct ist_tree *t, struct inode *i);
struct node *tree_add_node(struct ist_tree *t, struct node *dir, const char *name, size_t len,
			   struct inode *ino);
size_t tree_node_path(const struct node *n, char *buf, size_t size);
bool tree_is_dir(const struct node *n);
uint32_t tree_type(const struct node *n);

/* Walk `name` from the root; `slot` (0 or 1) picks the work buffers. */
void tree_walk_path(struct ist_tree *t, const char *name, unsigned flags, unsigned slot,
		    struct look *l);
/* The absolute path of where the walk's final component is. */
size_t tree_look_path(const struct look *l, char *buf, size_t size);

/* The kernel's system calls on the model; E_OK or an E_ value. */
int m_rmdir(struct ist_tree *t, const char *name);
int m_unlink(struct ist_tree *t, const char *name);
int m_open_creat(struct ist_tree *t, const char *name, bool trunc, uint32_t mode,
		 struct inode **out);
int m_mkdir(struct ist_tree *t, const char *name, uint32_t mode);
int m_chown(struct ist_tree *t, const char *name, uint32_t uid, uint32_t gid, bool follow);
int m_chmod(struct ist_tree *t, const char *name, uint32_t mode);
int m_mknod(struct ist_tree *t, const char *name, uint32_t mode, uint32_t rmaj, uint32_t rmin);
int m_symlink(struct ist_tree *t, const char *target, size_t tlen, const char *name);
int m_link(struct ist_tree *t, const char *old, const char *name);
/* chown's "leave unchanged" value */
#define ID_KEEP 0xffffffffu

#endif
