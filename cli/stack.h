/* Reading archive files through the core, on the host. */
#ifndef INITSTACK_CLI_STACK_H
#define INITSTACK_CLI_STACK_H

#include <stdio.h>

#include <initstack/archive.h>
#include <initstack/tree.h>

struct stack_item {
	const char *path;
	enum ist_role role;
};

/* Observers of one file's segments and entries (any may be NULL). */
struct file_hooks {
	int (*entry)(void *user, const struct ist_segment *s, const struct ist_cpio_entry *e);
	int (*data)(void *user, const uint8_t *p, size_t n);
	int (*entry_end)(void *user, const struct ist_cpio_entry *e);
	int (*segment)(void *user, const struct ist_segment *s);
	void *user;
};

/*
 * The decoders for reading in chunks (an ist_decoder_open_fn; what
 * read_archive_file and read_archive_mem use, and so the handover): gzip
 * with initstack's own inflate, windowed into the caller's buffer, every
 * other format with Debian's libraries (library_decoders.h; `user` is
 * passed on to them).
 */
enum ist_status stack_open_decoder(void *user, enum ist_compression c, struct ist_decoder *d,
				   struct ist_error *err);

/*
 * Read `path` through an ist_archive with the host decoders, feeding the
 * tree (if any, as archive `index` with `role`) and the hooks. On failure
 * returns the status and writes "PATH: what went wrong" into msg.
 */
enum ist_status read_archive_file(const char *path, unsigned index, enum ist_role role,
				  struct ist_tree *tree, const struct file_hooks *hooks,
				  char *msg, size_t msgsize);

/*
 * Read `path` as the loader reads it: the whole file in one buffer (mapped)
 * through ist_archive_feed_whole, with the decoders `open_fn` (the tool
 * passes ist_loader_decoder_open, decoders/loader_decoders.h, so it accepts
 * exactly what initstack.efi accepts). Same results as read_archive_file;
 * *open_end (if not NULL) is ist_archive_open_end of the file.
 */
enum ist_status read_archive_file_whole(const char *path, ist_decoder_open_fn open_fn,
					unsigned index, enum ist_role role, struct ist_tree *tree,
					const struct file_hooks *hooks, bool *open_end, char *msg,
					size_t msgsize);

/* The same over a memory buffer, fed in chunks of `chunk` bytes (0: all). */
enum ist_status read_archive_mem(const char *label, const uint8_t *buf, size_t len, size_t chunk,
				 unsigned index, enum ist_role role, struct ist_tree *tree,
				 const struct file_hooks *hooks, char *msg, size_t msgsize);

#endif
