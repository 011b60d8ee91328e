/* Internal: shared pieces of the dataset layer (recipe text and digest,
 * manifest parts, file-system helpers). */
#ifndef V2F_DATASET_H
#define V2F_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define V2F_DS_MAX_EPS 64
#define V2F_DS_MAX_IMAGES 1000
#define V2F_DS_MANIFEST_HEADER "identity,file,image,source,eps,seed\n"

/* ---- fsutil.c ---- */

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

/* "<out>/<identity %06>/<image %03>.<ext>" into buf (at least
 * strlen(out) + 48 bytes); rel (may be NULL) points at the part after
 * "<out>/". */
void v2f__ds_image_path(char *buf, size_t size, const char *out,
                        uint64_t identity, uint32_t image, const char *ext,
                        const char **rel);

/* 1 when name is a temporary file of v2f_image_write (".<name>.tmpXXXXXX"). */
int v2f__ds_is_temp_name(const char *name);

/* Shortest "%.Ng" (N = 6..9) that reads back as f. */
void v2f__fmt_float(char *buf, size_t size, float f);

/* ---- recipe.c ---- */

/* A validated, owned copy of a recipe with the defaults resolved. */
typedef struct v2f__ds_recipe {
    char *identities;
    char *out_dir;
    uint64_t seed;
    int32_t perturb_images;
    int32_t pose_images;
    int32_t eps_count;
    float eps[V2F_DS_MAX_EPS];
    float shares[V2F_DS_MAX_EPS];   /* as given (1 each when NULL) */
    int32_t pose_templates;
    float *pose_points;             /* [pose_templates][10] or NULL */
    float pose_eps;
    int32_t format;
    int32_t jpeg_quality;
    int32_t batch_size;
} v2f__ds_recipe;

v2f_status v2f__ds_recipe_copy(v2f__ds_recipe *dst,
                               const v2f_dataset_recipe *src);
void v2f__ds_recipe_free(v2f__ds_recipe *r);
const char *v2f__ds_ext(int32_t format);

/* Canonical "key = value\n" lines of the recipe (malloc'ed). */
v2f_status v2f__ds_recipe_text(const v2f__ds_recipe *r, uint64_t num_ids,
                               uint64_t ids_hash, char **out);

/* Write <out>/recipe.txt (atomically) when missing, else compare it with
 * text and refuse a difference naming the first changed key. */
v2f_status v2f__ds_recipe_sync(const char *out_dir, const char *text,
                               const char *identities_path);

/* What verify needs from <out>/recipe.txt (digest checked). */
typedef struct v2f__ds_layout {
    uint64_t num_ids;
    uint32_t per_id;
    uint32_t perturb_images;
    int32_t format;
    uint64_t seed;
} v2f__ds_layout;

v2f_status v2f__ds_recipe_load(const char *out_dir, v2f__ds_layout *l);

/* ---- manifest.c ---- */

typedef struct v2f__ds_row {
    uint64_t identity;
    uint32_t image;
    int32_t pose;           /* 0: perturb, 1: pose */
    float eps;
    uint64_t seed;
    const char *file;       /* into the parse buffer, NUL-terminated */
    size_t line;            /* 1-based line number */
} v2f__ds_row;

/* Called for every complete row; a non-OK status stops the parse and is
 * returned. */
typedef v2f_status (*v2f__ds_row_fn)(void *user, const v2f__ds_row *row);

/* Parse a manifest part. *valid_len: bytes up to the last complete line
 * (a kill can leave a torn last line); *torn: 1 when bytes follow it. A
 * missing file is V2F_E_IO with errno ENOENT kept in *missing = 1. A
 * wrong header or malformed line is V2F_E_FORMAT naming path and line. */
v2f_status v2f__ds_manifest_read(const char *path, v2f__ds_row_fn fn,
                                 void *user, off_t *valid_len, int *torn,
                                 int *missing);

/* One row as text, with its newline; returns its length. */
int v2f__ds_row_format(char *buf, size_t size, uint64_t identity,
                       uint32_t image, int32_t pose, float eps,
                       uint64_t seed, const char *ext);

#endif
