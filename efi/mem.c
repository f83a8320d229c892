/*
 * The memory primitives the core needs (see loader/shim.h). libgnuefi
 * already defines memcpy and memset; memmove and memcmp come from here.
 * Memory for the core: AllocatePool behind struct ist_alloc. Every
 * allocation of the loader goes through here, so it can report the most it
 * held at once (the boot benchmark's memory figure).
 */
#include "efi-util.h"

void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else if (d > s) {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

static UINTN held, peak;

static void hold(UINTN n)
{
	held += n;
	if (held > peak)
		peak = held;
}

UINTN mem_peak(void)
{
	return peak;
}

UINTN mem_held(void)
{
	return held;
}

/* A 16-byte header keeps the size for pool_put and the alignment for the core. */
#define POOL_HEADER 16

void *pool_get(UINTN size)
{
	void *p = NULL;
	if (size > (UINTN)-1 - POOL_HEADER ||
	    BS->AllocatePool(EfiLoaderData, size + POOL_HEADER, &p) != EFI_SUCCESS)
		return NULL;
	*(UINTN *)p = size;
	hold(size);
	return (UINT8 *)p + POOL_HEADER;
}

void pool_put(void *p)
{
	if (!p)
		return;
	UINT8 *h = (UINT8 *)p - POOL_HEADER;
	held -= *(UINTN *)h;
	BS->FreePool(h);
}

static void *pool_alloc(void *user, size_t size)
{
	(void)user;
	return pool_get(size);
}

static void pool_free(void *user, void *p)
{
	(void)user;
	pool_put(p);
}

const struct ist_alloc efi_alloc = { pool_alloc, pool_free, NULL };

EFI_STATUS pages_alloc(struct pages *pg, UINTN size)
{
	return pages_alloc_as(pg, size, EfiLoaderData);
}

EFI_STATUS pages_alloc_as(struct pages *pg, UINTN size, EFI_MEMORY_TYPE type)
{
	pg->npages = EFI_SIZE_TO_PAGES(size ? size : 1);
	pg->size = size;
	pg->addr = 0;
	EFI_STATUS s = BS->AllocatePages(AllocateAnyPages, type, pg->npages, &pg->addr);
	if (EFI_ERROR(s)) {
		pg->npages = 0;
		pg->addr = 0;
	} else {
		hold(pg->npages * EFI_PAGE_SIZE);
	}
	return s;
}

void pages_free(struct pages *pg)
{
	if (pg->npages) {
		BS->FreePages(pg->addr, pg->npages);
		held -= pg->npages * EFI_PAGE_SIZE;
	}
	pg->addr = 0;
	pg->npages = 0;
	pg->size = 0;
}

EFI_STATUS pages_grow(struct pages *pg, UINTN size, UINTN keep)
{
	struct pages bigger;
	EFI_STATUS s = pages_alloc(&bigger, size);
	if (EFI_ERROR(s))
		return s;
	if (keep)
		copy_mem(pages_ptr(&bigger), pages_ptr(pg), keep);
	pages_free(pg);
	*pg = bigger;
	return EFI_SUCCESS;
}

EFI_STATUS pages_room(struct pages *pg, UINTN len, UINTN n)
{
	if (n <= pg->size - len)
		return EFI_SUCCESS;
	UINTN cap = pg->size;
	while (n > cap - len)
		cap *= 2;
	return pages_grow(pg, cap, len);
}
