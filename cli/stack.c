/* Files into the core: chunked reads, host decoders, tree and observers. */
#include "stack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <initstack/gzip_decoder.h>

#include "library_decoders.h"

#define SCRATCH (256 * 1024)
#define CHUNK (1024 * 1024)

static void free_state(void *state)
{
	free(state);
}

enum ist_status stack_open_decoder(void *user, enum ist_compression c, struct ist_decoder *d,
				   struct ist_error *err)
{
	if (c != IST_COMP_GZIP)
		return ist_host_decoder_open(user, c, d, err);
	struct ist_inflate *s = malloc(sizeof *s);
	if (!s)
		return ist_fail(err, IST_NO_MEMORY, 0, "no memory for the gzip decoder");
	enum ist_status st = ist_gzip_decoder(s, 0, d, err);
	if (st) {
		free(s);
		return st;
	}
	d->release = free_state;
	return IST_OK;
}

struct reader {
	struct ist_tree *tree;
	const struct file_hooks *hooks;
	unsigned index;
	enum ist_role role;
};

static int on_entry(void *user, const struct ist_segment *s, const struct ist_cpio_entry *e)
{
	struct reader *r = user;
	if (r->hooks && r->hooks->entry) {
		int rc = r->hooks->entry(r->hooks->user, s, e);
		if (rc)
			return rc;
	}
	return r->tree ? (int)ist_tree_entry(r->tree, s, e) : 0;
}

static int on_data(void *user, const uint8_t *p, size_t n)
{
	struct reader *r = user;
	if (r->hooks && r->hooks->data) {
		int rc = r->hooks->data(r->hooks->user, p, n);
		if (rc)
			return rc;
	}
	return r->tree ? (int)ist_tree_data(r->tree, p, n) : 0;
}

static int on_entry_end(void *user, const struct ist_cpio_entry *e)
{
	struct reader *r = user;
	if (r->hooks && r->hooks->entry_end) {
		int rc = r->hooks->entry_end(r->hooks->user, e);
		if (rc)
			return rc;
	}
	return r->tree ? (int)ist_tree_entry_end(r->tree, e) : 0;
}

static int on_segment(void *user, const struct ist_segment *s)
{
	struct reader *r = user;
	if (r->hooks && r->hooks->segment)
		return r->hooks->segment(r->hooks->user, s);
	return 0;
}

struct source {
	bool is_mem;
	bool whole; /* mem holds the whole file: ist_archive_feed_whole */
	bool open_end; /* out: ist_archive_open_end after a clean read */
	int fd;
	const uint8_t *mem;
	size_t len, pos, chunk;
};

/*
 * All of a file in one buffer, as the loader has it: mapped when it is a
 * regular file, read otherwise (a pipe). *map tells which to undo.
 */
static enum ist_status slurp(const char *label, int fd, uint8_t **p, size_t *len, bool *map,
			     char *msg, size_t msgsize)
{
	struct stat sb;
	*p = NULL;
	*len = 0;
	*map = false;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		if (sb.st_size == 0)
			return IST_OK;
		void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			*p = m;
			*len = (size_t)sb.st_size;
			*map = true;
			return IST_OK;
		}
	}
	size_t cap = 0;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : CHUNK;
			uint8_t *q = realloc(*p, cap);
			if (!q) {
				snprintf(msg, msgsize, "%s: out of memory for the whole file", label);
				return IST_NO_MEMORY;
			}
			*p = q;
		}
		ssize_t k = read(fd, *p + *len, cap - *len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			snprintf(msg, msgsize, "%s: read error: %s", label, strerror(errno));
			return IST_TRUNCATED;
		}
		if (!k)
			return IST_OK;
		*len += (size_t)k;
	}
}

static enum ist_status run(const char *label, struct source *src, ist_decoder_open_fn open_fn,
			   unsigned index, enum ist_role role, struct ist_tree *tree,
			   const struct file_hooks *hooks, char *msg, size_t msgsize)
{
	struct reader r = { tree, hooks, index, role };
	const struct ist_archive_ops ops = { on_entry, on_data, on_entry_end, on_segment, &r };
	struct ist_archive *a = malloc(sizeof *a);
	uint8_t *scratch = malloc(SCRATCH);
	uint8_t *buf = src->is_mem ? NULL : malloc(CHUNK);
	enum ist_status st = IST_OK;
	if (!a || !scratch || (!src->is_mem && !buf)) {
		snprintf(msg, msgsize, "%s: out of memory", label);
		st = IST_NO_MEMORY;
		goto out;
	}
	ist_archive_init(a, &ops, open_fn ? open_fn : stack_open_decoder, NULL, scratch, SCRATCH);
	if (tree)
		ist_tree_begin(tree, index, role);
	if (src->whole) {
		st = ist_archive_feed_whole(a, src->mem, src->len);
		goto done;
	}
	for (;;) {
		const uint8_t *p;
		size_t n;
		if (src->is_mem) {
			n = src->len - src->pos;
			if (src->chunk && n > src->chunk)
				n = src->chunk;
			p = src->mem + src->pos;
			src->pos += n;
		} else {
			ssize_t k = read(src->fd, buf, CHUNK);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				snprintf(msg, msgsize, "%s: read error: %s", label, strerror(errno));
				st = IST_TRUNCATED;
				goto out;
			}
			n = (size_t)k;
			p = buf;
		}
		if (!n)
			break;
		if ((st = ist_archive_feed(a, p, n)))
			break;
	}
	if (!st)
		st = ist_archive_finish(a);
done:
	if (st) {
		const struct ist_error *te = tree ? ist_tree_error(tree) : NULL;
		if (te && te->status)
			snprintf(msg, msgsize, "%s: %s", label, te->msg);
		else
			snprintf(msg, msgsize, "%s: %s", label, a->err.msg);
	}
	if (tree)
		ist_tree_end(tree);
out:
	if (a) {
		src->open_end = !st && ist_archive_open_end(a);
		ist_archive_release(a);
	}
	free(a);
	free(scratch);
	free(buf);
	return st;
}

enum ist_status read_archive_file(const char *path, unsigned index, enum ist_role role,
				  struct ist_tree *tree, const struct file_hooks *hooks,
				  char *msg, size_t msgsize)
{
	struct source src = { .fd = open(path, O_RDONLY | O_CLOEXEC) };
	if (src.fd < 0) {
		snprintf(msg, msgsize, "%s: cannot open: %s", path, strerror(errno));
		return IST_UNSUPPORTED;
	}
	enum ist_status st = run(path, &src, NULL, index, role, tree, hooks, msg, msgsize);
	close(src.fd);
	return st;
}

enum ist_status read_archive_file_whole(const char *path, ist_decoder_open_fn open_fn,
					unsigned index, enum ist_role role, struct ist_tree *tree,
					const struct file_hooks *hooks, bool *open_end, char *msg,
					size_t msgsize)
{
	if (open_end)
		*open_end = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, msgsize, "%s: cannot open: %s", path, strerror(errno));
		return IST_UNSUPPORTED;
	}
	uint8_t *p;
	size_t len;
	bool map;
	enum ist_status st = slurp(path, fd, &p, &len, &map, msg, msgsize);
	close(fd);
	if (st) {
		free(p);
		return st;
	}
	struct source src = { .is_mem = true, .whole = true, .fd = -1, .mem = p, .len = len };
	st = run(path, &src, open_fn, index, role, tree, hooks, msg, msgsize);
	if (open_end)
		*open_end = src.open_end;
	if (map)
		munmap(p, len);
	else
		free(p);
	return st;
}

enum ist_status read_archive_mem(const char *label, const uint8_t *buf, size_t len, size_t chunk,
				 unsigned index, enum ist_role role, struct ist_tree *tree,
				 const struct file_hooks *hooks, char *msg, size_t msgsize)
{
	struct source src = { .is_mem = true, .fd = -1, .mem = buf, .len = len, .chunk = chunk };
	return run(label, &src, NULL, index, role, tree, hooks, msg, msgsize);
}
