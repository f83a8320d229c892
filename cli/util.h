/* Host-side helpers shared by the cli and its tests. */
#ifndef INITSTACK_CLI_UTIL_H
#define INITSTACK_CLI_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <initstack/base.h>

/* malloc-backed allocator hooks for the core. */
extern const struct ist_alloc host_alloc;

/* Write `s` as a JSON string (with quotes). */
void json_str(FILE *f, const char *s);
/* "-rwxr-xr-x" for a mode. */
void mode_string(uint32_t mode, char out[11]);
/* One letter per type: f d l c b p s ?. */
char type_letter(uint32_t mode);
const char *type_word(uint32_t mode);

/* REL in the build tree this program runs from (build/X/initstack ->
 * build/REL), if that file exists; NULL otherwise. Free it. */
char *build_tree_file(const char *rel);

#endif
