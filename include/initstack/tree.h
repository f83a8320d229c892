/*
 * The stack model: an ordered list of archives unpacked into a model of the
 * rootfs with the exact semantics of Linux init/initramfs.c, reporting every
 * event a user should know about and judging it by a policy.
 *
 * Kernel semantics reproduced (see docs/design.md for the why of each):
 * later entries win; clean_path removes an existing entry of another type
 * (rmdir, which fails on a non-empty directory, or unlink); a file over a
 * file truncates and rewrites the same inode (so other hard links see it);
 * a directory over a directory keeps it and applies mode and owner; a file
 * over a non-empty directory is dropped; parents are never created (a
 * missing parent drops the entry); parent components are followed as the
 * VFS does, symlinks included; hard links (nlink >= 2, same ino, dev and
 * type) link to the first name seen, and the table is reset at TRAILER!!!;
 * a non-regular entry with a body is skipped.
 */
#ifndef INITSTACK_TREE_H
#define INITSTACK_TREE_H

#include <initstack/archive.h>
#include <initstack/base.h>
#include <initstack/cpio.h>
#include <initstack/sha256.h>

enum ist_role {
	IST_ROLE_EARLY,    /* uncompressed microcode / ACPI tables, first */
	IST_ROLE_KERNEL,   /* the kernel camp's archives: own the protected prefixes */
	IST_ROLE_EXTRA,    /* anything else the kernel unpacks */
	IST_ROLE_DEFERRED, /* unpacked after the hooks by handover, under the policy */
};
const char *ist_role_name(enum ist_role r);
/* Parse "early", "kernel", "extra", "deferred"; false if unknown. */
bool ist_role_parse(const char *s, size_t len, enum ist_role *r);

enum ist_event_class {
	IST_EV_OVERWRITE,      /* an existing entry of the same type is replaced or updated */
	IST_EV_TYPE_CHANGE,    /* an existing entry of another type is removed */
	IST_EV_DROPPED,        /* the kernel skips the entry (why is in the detail) */
	IST_EV_SYMLINK_PARENT, /* a parent component is a symlink: the entry lands elsewhere */
	IST_EV_PROTECTED,      /* a non-owner archive touches a protected prefix */
	IST_EV_EARLY,          /* microcode/ACPI table the early loader will not find */
	IST_EV_COUNT
};
const char *ist_event_class_name(enum ist_event_class c);
bool ist_event_class_parse(const char *s, size_t len, enum ist_event_class *c);

enum ist_action { IST_ACT_ALLOW, IST_ACT_WARN, IST_ACT_ERROR };
const char *ist_action_name(enum ist_action a);
bool ist_action_parse(const char *s, size_t len, enum ist_action *a);

#define IST_MAX_PROTECT 8
#define IST_PREFIX_MAX 256

/*
 * Policy: protected prefixes (normalised: one leading '/', no trailing '/',
 * no '.' or '..' components) and an action per event class. Defaults
 * (ist_policy_default): protect /kernel; protected -> error; type change,
 * dropped, symlink parent -> warn (the `on-clash` classes); early -> warn;
 * overwrite -> allow (still reported).
 */
struct ist_policy {
	char protect[IST_MAX_PROTECT][IST_PREFIX_MAX];
	unsigned nprotect;
	enum ist_action action[IST_EV_COUNT];
};
void ist_policy_default(struct ist_policy *p);
/* Add a prefix, normalising it; IST_INVALID with err for a bad one. */
enum ist_status ist_policy_protect(struct ist_policy *p, const char *prefix, size_t len,
				   struct ist_error *err);
/* Set the `on-clash` classes (type change, dropped, symlink parent). */
void ist_policy_on_clash(struct ist_policy *p, enum ist_action a);
/* Is the normalised absolute `path` equal to or under a protected prefix? */
bool ist_policy_protected(const struct ist_policy *p, const char *path, size_t len);

struct ist_event {
	enum ist_event_class cls;
	enum ist_action action;
	unsigned archive;      /* index of the archive in the stack */
	uint64_t offset;       /* of the entry's header: in the file, or decoded in a member */
	const struct ist_segment *seg;
	const char *name;      /* the entry's name as in the archive */
	const char *path;      /* where it lands (resolved, absolute) */
	const char *detail;    /* what happened, in words */
	bool applied;          /* false: the entry was refused (deferred) or dropped */
};

struct ist_tree_config {
	struct ist_policy policy;
	/* Called for every event; may be NULL. Return non-zero to stop. */
	int (*event)(void *user, const struct ist_event *ev);
	void *user;
	/* The rootfs before the first archive: the root's mode (tmpfs rootfs:
	 * 01777; ramfs, when root= is given: 0755) and whether the kernel's
	 * default built-in archive (/dev, /dev/console, /root) is there. */
	uint32_t root_mode;
	bool builtin;
	/* Judge only: no SHA-256 of each file's content (the walk gives NULL).
	 * The loader sets it: the digests are for `initstack tree`, and they
	 * cost a pass over every byte of the stack at boot. */
	bool no_digests;
};
void ist_tree_config_default(struct ist_tree_config *c);

struct ist_tree;

enum ist_status ist_tree_new(struct ist_tree **t, const struct ist_alloc *a,
			     const struct ist_tree_config *cfg, struct ist_error *err);
void ist_tree_free(struct ist_tree *t);

/* Archive boundaries: entries that follow belong to archive `index`. */
void ist_tree_begin(struct ist_tree *t, unsigned index, enum ist_role role);
void ist_tree_end(struct ist_tree *t);

/* Feed the archive's callbacks (ist_archive_ops has matching shapes). */
enum ist_status ist_tree_entry(struct ist_tree *t, const struct ist_segment *s,
			       const struct ist_cpio_entry *e);
enum ist_status ist_tree_data(struct ist_tree *t, const uint8_t *p, size_t n);
enum ist_status ist_tree_entry_end(struct ist_tree *t, const struct ist_cpio_entry *e);

/* Counts of events by action so far. */
unsigned ist_tree_count(const struct ist_tree *t, enum ist_action a);
/* The first error recorded (out of memory, callback stop). */
const struct ist_error *ist_tree_error(const struct ist_tree *t);

struct ist_tree_item {
	const char *path;      /* absolute, "/" for the root */
	uint32_t mode, uid, gid, mtime;
	uint64_t size;
	const uint8_t *sha256; /* regular files */
	const char *target;    /* symlinks */
	uint32_t rdevmajor, rdevminor;
	unsigned nlink;        /* names of this inode in the tree */
	unsigned archive;      /* which archive last wrote it (~0u: built in) */
	const char *first_name;/* for a hard link: the path of the inode's first name */
};

/*
 * A name from an archive normalised lexically, as the kernel's walk from "/"
 * would spell it if no component were a symlink: "/a/b" ("." and empty
 * components dropped, ".." taking one back, never above the root; "/" for
 * the root). Writes at most `size` bytes including the NUL; returns the
 * length.
 */
size_t ist_path_lexical(const char *name, char *out, size_t size);

/* "file", "directory", "symlink", "character device", ... for a mode's type. */
const char *ist_type_name(uint32_t mode);

/* Visit every node in path order (bytewise). Stops when cb returns non-zero. */
enum ist_status ist_tree_walk(struct ist_tree *t, int (*cb)(void *user, const struct ist_tree_item *it),
			      void *user);

#endif
