/* The EFI front end's shared helpers: console, pages, files. */
#ifndef INITSTACK_EFI_UTIL_H
#define INITSTACK_EFI_UTIL_H

#include <efi.h>
#include <efilib.h>

#include <initstack/base.h>

/* From efi/mem.c and libgnuefi (the core needs them too). */
int memcmp(const void *a, const void *b, size_t n);

/* Large copies (the initrd handed to the kernel, decoded archives): the
 * firmware's CopyMem, not gnu-efi's, which moves a byte at a time. */
static inline void copy_mem(void *dst, const void *src, UINTN n)
{
	BS->CopyMem(dst, (void *)src, n);
}

/* Print a line (core formatter, ASCII) on the console; serial mirrors it. */
void say(const char *fmt, ...);

/* A run of pages from AllocatePages; `size` is what the caller asked for. */
struct pages {
	EFI_PHYSICAL_ADDRESS addr;
	UINTN npages;
	UINTN size;
};
EFI_STATUS pages_alloc(struct pages *pg, UINTN size);
/* The same in memory of `type` (pages_alloc: EfiLoaderData). */
EFI_STATUS pages_alloc_as(struct pages *pg, UINTN size, EFI_MEMORY_TYPE type);
void pages_free(struct pages *pg);
/* Move `pg` to new pages of `size` bytes, keeping its first `keep`. */
EFI_STATUS pages_grow(struct pages *pg, UINTN size, UINTN keep);
/* Room for `n` more bytes after the first `len` of `pg`, doubling its size. */
EFI_STATUS pages_room(struct pages *pg, UINTN len, UINTN n);
static inline void *pages_ptr(const struct pages *pg)
{
	return (void *)(UINTN)pg->addr;
}

/* The root directory of the volume the loader was loaded from. */
EFI_STATUS volume_root(EFI_HANDLE image, EFI_FILE_HANDLE *root, struct ist_error *err);

/*
 * Read a whole file (path with '/' separators, relative to the volume root)
 * into pages, in bounded chunks, with a progress line for large files.
 * On failure `err` says which file and what went wrong.
 */
EFI_STATUS file_read(EFI_FILE_HANDLE root, const char *path, struct pages *out,
		     struct ist_error *err);
/*
 * The same piece by piece, for a caller that uses each piece as it comes
 * (the loader decodes gzip archives as they are read). file_next reads the
 * next piece (at most `max` bytes and 4 MiB, with the progress line);
 * file_peek reads bytes at an offset without moving the position;
 * file_read_rest reads the whole file, from a reader not yet advanced.
 */
struct file_reader {
	EFI_FILE_HANDLE f;
	const char *path;
	UINT64 size, done;
	unsigned shown; /* progress, in percent */
};
EFI_STATUS file_open(EFI_FILE_HANDLE root, const char *path, struct file_reader *r,
		     struct ist_error *err);
EFI_STATUS file_next(struct file_reader *r, void *dst, UINTN max, UINTN *got_ret,
		     struct ist_error *err);
EFI_STATUS file_peek(struct file_reader *r, UINT64 offset, void *dst, UINTN n,
		     struct ist_error *err);
EFI_STATUS file_read_rest(struct file_reader *r, struct pages *out, struct ist_error *err);
void file_close(struct file_reader *r);
/* The same for a file the entry `entry` names on line `line`: errors say so
 * ("/loader/entries/x.conf:4: /boot/a.cpio: cannot open: not found"). */
EFI_STATUS file_read_named(EFI_FILE_HANDLE root, const char *entry, unsigned line,
			   const char *path, struct pages *out, struct ist_error *err);
/* Prefix the error in `err` with "ENTRY:LINE: ", as file_read_named does. */
void file_error_named(struct ist_error *err, const char *entry, unsigned line);

/* Allocator hooks for the core, on pool_get. */
extern const struct ist_alloc efi_alloc;

/* AllocatePool, counted; pool_put(NULL) does nothing. */
void *pool_get(UINTN size);
void pool_put(void *p);
/* Bytes the loader holds now, and the most it held at once (pages and pool). */
UINTN mem_held(void);
UINTN mem_peak(void);

/* ASCII <-> UCS-2 for paths and options; false if it does not fit. */
bool ascii_to_ucs2(const char *s, CHAR16 *out, UINTN cap);
bool ucs2_to_ascii(const CHAR16 *s, UINTN len, char *out, UINTN cap);

#endif
