/* Internal: file-system and string helpers shared by every room (the
 * lowest layer above the C library; failures go through error.h). */
#ifndef V2F_UTIL_FSUTIL_H
#define V2F_UTIL_FSUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* FNV-1a 64 of n bytes, continuing from h (start with V2F_FNV_INIT). */
#define V2F_FNV_INIT 0xcbf29ce484222325ULL
uint64_t v2f__fnv1a(uint64_t h, const void *p, size_t n);

/* FNV-1a 64 of a whole file. V2F_E_IO naming the path on failure. */
v2f_status v2f__fnv1a_file(const char *path, uint64_t *out);

/* mkdir -p; V2F_E_IO naming the path on failure. */
v2f_status v2f__mkdirs(const char *path);

/* A whole file in a NUL-terminated malloc'ed buffer (*len without the
 * NUL). V2F_E_IO naming the path on failure. */
v2f_status v2f__read_file(const char *path, char **out, size_t *len);

/* printf into a new malloc'ed string; NULL when out of memory. */
char *v2f__strfmt(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Shortest "%.Ng" (N = 6..9) that reads back as f. */
void v2f__fmt_float(char *buf, size_t size, float f);

/* The image files (*.png, *.jpg, *.jpeg, any case) of a folder, sorted by
 * name with strcmp, as malloc'ed full paths; *n may be 0. Free with
 * v2f__free_strings. V2F_E_IO naming the folder on failure. */
v2f_status v2f__list_images(const char *dir, char ***out, size_t *n);
void v2f__free_strings(char **s, size_t n);

/* The names (not paths) of the entries of a folder that do not start with
 * '.' and are folders (want_dirs) or regular image files as above, sorted
 * with strcmp: the order in which the library reads a folder of identities.
 * Free with v2f__free_strings. V2F_E_IO naming the folder on failure. */
v2f_status v2f__list_dir(const char *dir, int want_dirs, char ***out,
                         size_t *n);

#ifdef __cplusplus
}
#endif

#endif
