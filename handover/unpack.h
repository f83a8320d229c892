/*
 * The unpacker: one deferred archive's entries written into a target root
 * directory with the kernel's semantics (init/initramfs.c, docs/design.md),
 * under the policy (docs/protocol.md).
 *
 * Containment. Every name is resolved here, one component at a time,
 * relative to directory file descriptors: each parent component is opened
 * with O_PATH|O_NOFOLLOW|O_DIRECTORY; "." and ".." are applied to our own
 * stack of open directories (".." of the root is the root); a symlink in a
 * parent component is read with readlinkat() and its target spliced into
 * the rest of the name (an absolute target restarts at the root). Every
 * system call that creates, removes or changes something names a single
 * component, relative to the directory fd, without following it. So the
 * kernel never follows a symlink or a ".." for us, and nothing outside the
 * target root can be reached, whatever the archive holds.
 *
 * The policy. An entry raises events, classified as the stack model
 * (include/initstack/tree.h) classifies them, before anything is touched:
 *
 *   protected       the place it lands, its lexical name or any directory on
 *                   the way there is under a protected prefix; or its hard
 *                   link's first name is, or is an inode with a name there;
 *                   or it would write an existing inode (file over file, an
 *                   existing device's owner and mode) that has a name there.
 *                   Replacing a name (unlink, then create) writes no inode.
 *                   An existing directory that the entry leaves unchanged
 *                   (same mode and owner) is not a change and raises none
 *   type-change     clean_path would remove an entry of another type
 *   dropped         the kernel would skip it (missing parent, a parent that
 *                   is not a directory, file over a non-empty directory,
 *                   ...)
 *   symlink-parent  a parent component is a symlink
 *   overwrite       an entry of the same type is replaced or updated
 *
 * Each event gets its action from the policy. If any is `error` the entry
 * is refused: nothing at all is done for it, and each of its events is one
 * line "handover: ARCHIVE: NAME: WHAT (refused)". A `warn` event is written
 * and reported "(warning)"; an `allow` event is reported "(allowed)" only
 * in verbose mode. A system call that fails is reported "(failed)"; the
 * unpack goes on with the next entry. Names are shown as in the archive,
 * with control bytes as \xNN.
 *
 * Kernel semantics kept: file over file truncates the same inode (so its
 * other names see it), directory over directory applies mode and owner,
 * file over a non-empty directory is dropped, parents are never created,
 * hard links (nlink >= 2, same ino, dev and type) link to the first name
 * seen, with the table reset at TRAILER!!! and per archive, a linked file
 * without data keeps the inode's content, a non-regular entry with a body
 * is skipped, owner then mode then mtime, directory mtimes last (at
 * ho_unpack_finish). Device nodes are made with mknod.
 */
#ifndef INITSTACK_HANDOVER_UNPACK_H
#define INITSTACK_HANDOVER_UNPACK_H

#include <initstack/archive.h>
#include <initstack/cpio.h>
#include <initstack/tree.h>

/* Outcome counts of one archive. */
struct ho_unpack_stats {
	unsigned entries;   /* members seen, trailers excluded */
	unsigned applied;   /* entries written (created, replaced or updated) */
	unsigned dropped;   /* skipped by kernel semantics (not refused) */
	unsigned refused;   /* entries the policy refused */
	unsigned warnings;  /* events reported as warnings */
	unsigned failed;    /* failed system calls */
};

struct ho_unpack_config {
	const struct ist_policy *policy; /* kept by reference */
	int rootfd;           /* the target root: a directory fd, not closed here */
	const char *archive;  /* the archive's name in messages */
	/* Each report line, without "\n"; NULL prints it to stderr. */
	void (*report)(void *user, const char *line);
	void *user;
	bool verbose;         /* also report allowed events */
};

struct ho_unpack;

/*
 * Start an archive. Scans the protected prefixes under the root for inodes
 * with several names (so writing through another name can be refused).
 * Returns 0, or -1 after reporting why (out of memory).
 */
int ho_unpack_new(struct ho_unpack **u, const struct ho_unpack_config *cfg);

/* The archive callbacks (the shapes of struct ist_archive_ops). They
 * return non-zero only when the unpack cannot go on (out of memory). */
int ho_unpack_entry(void *u, const struct ist_segment *s, const struct ist_cpio_entry *e);
int ho_unpack_data(void *u, const uint8_t *p, size_t n);
int ho_unpack_entry_end(void *u, const struct ist_cpio_entry *e);

/* End of the archive: directory mtimes, counts. Then free it. */
void ho_unpack_finish(struct ho_unpack *u, struct ho_unpack_stats *stats);
void ho_unpack_free(struct ho_unpack *u);

/*
 * A whole archive, from a file or from memory, through the core's archive
 * walker and the host decoders. Returns 0 when the archive was read to its
 * end (refusals are in `stats`), -1 when it is malformed or cannot be read
 * (reported as "handover: ARCHIVE: what"); entries before the problem stay
 * unpacked, as the kernel leaves them.
 */
int ho_unpack_file(const struct ho_unpack_config *cfg, const char *path,
		   struct ho_unpack_stats *stats);
int ho_unpack_mem(const struct ho_unpack_config *cfg, const uint8_t *p, size_t n,
		  struct ho_unpack_stats *stats);

#endif
