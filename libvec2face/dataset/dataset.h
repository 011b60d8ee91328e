/* Internal: shared pieces of the dataset layer (recipe text and digest,
 * manifest parts, file-system helpers). */
#ifndef V2F_DATASET_H
#define V2F_DATASET_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "util/fsutil.h"

#define V2F_DS_MAX_EPS 64
#define V2F_DS_MAX_IMAGES 1000
/* Parts written by 0.1 have the first six columns; 0.2 writes all. */
#define V2F_DS_MANIFEST_HEADER_V1 "identity,file,image,source,eps,seed\n"
#define V2F_DS_MANIFEST_HEADER \
    "identity,file,image,source,eps,seed,attempt,status,similarity," \
    "quality,yaw\n"
#define V2F_DS_MAX_ATTEMPTS 100
#define V2F_DS_MAX_LANDMARK_IMAGES 100000

/* Cosine of two V2F_VECTOR_DIM vectors, accumulated in double (0 when
 * either is zero): the one cosine of the job's filter and the report. */
static inline double v2f__ds_cosine(const float *a, const float *b)
{
    double ab = 0.0, aa = 0.0, bb = 0.0;
    size_t k;
    for (k = 0; k < V2F_VECTOR_DIM; k++) {
        ab += (double)a[k] * b[k];
        aa += (double)a[k] * a[k];
        bb += (double)b[k] * b[k];
    }
    return aa > 0.0 && bb > 0.0 ? ab / sqrt(aa * bb) : 0.0;
}

/* Image sources (the manifest's "source" column). */
enum { V2F_DS_PERTURB = 0, V2F_DS_POSE = 1, V2F_DS_ATTROP = 2 };

/* ---- layout.c (the generic file helpers: util/fsutil.h) ---- */

/* "<out>/<identity %06>/<image %03>.<ext>" into buf (at least
 * strlen(out) + 48 bytes); rel (may be NULL) points at the part after
 * "<out>/". */
void v2f__ds_image_path(char *buf, size_t size, const char *out,
                        uint64_t identity, uint32_t image, const char *ext,
                        const char **rel);

/* 1 when name is a temporary file of v2f_image_write (".<name>.tmpXXXXXX"). */
int v2f__ds_is_temp_name(const char *name);

/* ---- lock.c ---- */

/* Take the exclusive flock of path (created when missing), naming `what`
 * (e.g. "shard 0/3 of 'out'") in messages. Held: V2F_E_BUSY, or with wait
 * a poll every 0.1 s calling progress(user, 0, 0) (non-zero:
 * V2F_E_CANCELLED). *fd: the locked descriptor, or -1 when the file
 * system has no flock (a warning is logged and the caller goes on). */
v2f_status v2f__ds_lock_take(const char *path, const char *what, int wait,
                             v2f_progress_fn progress, void *user, int *fd);
/* Release (close) a descriptor of v2f__ds_lock_take; -1 is a no-op. */
void v2f__ds_lock_release(int fd);

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
    int32_t png_level;              /* -1..9; not in the digest (bytes,
                                       not pixels) */
    int32_t batch_size;
    int32_t wait_lock;              /* 0/1: wait for a held shard lock;
                                       not in the digest */
    uint32_t measure;               /* v2f_dataset_measure flags; the
                                       filter adds SIMILARITY */
    int32_t filter;                 /* v2f_dataset_filter */
    float filter_threshold;
    int32_t filter_max_attempts;    /* 1 when filter is DROP */
    int32_t attrop_images;
    float attrop_quality;
    int32_t attrop_yaw_count;
    float *attrop_yaw;              /* [attrop_yaw_count] or NULL */
    int32_t attrop_iterations;
    int32_t attrop_max_retries;
    int32_t pose_order;             /* v2f_dataset_pose_order */
    int32_t pose_landmark_images;   /* decoded landmark templates */
    uint8_t *pose_landmarks;        /* [pose_landmark_images][37632] */
} v2f__ds_recipe;

/* Source of image j of every identity. */
int v2f__ds_source_of(const v2f__ds_recipe *r, uint32_t j);

v2f_status v2f__ds_recipe_copy(v2f__ds_recipe *dst,
                               const v2f_dataset_recipe *src);
void v2f__ds_recipe_free(v2f__ds_recipe *r);
const char *v2f__ds_ext(int32_t format);

/* ---- recipe_file.c ---- */

/* Canonical "key = value\n" lines of the recipe (malloc'ed). */
v2f_status v2f__ds_recipe_text(const v2f__ds_recipe *r, uint64_t num_ids,
                               uint64_t ids_hash, char **out);

/* Write <out>/recipe.txt (atomically) when missing, else compare it with
 * text and refuse a difference naming the first changed key. */
v2f_status v2f__ds_recipe_sync(const char *out_dir, const char *text,
                               const char *identities_path);

/* The value of the first "key = value" line of a recipe text (lines
 * starting with '#' are comments) into val, cut to size - 1 bytes; 1 when
 * found. The one reader of recipe.txt keys (recipe, merge, report). */
int v2f__ds_recipe_get(const char *text, const char *key, char *val,
                       size_t size);

/* The value of the first comment line "# <name>: value" (e.g. name
 * "identities file") into val; 0 when absent or longer than size - 1. */
int v2f__ds_recipe_comment(const char *text, const char *name, char *val,
                           size_t size);

/* What verify needs from <out>/recipe.txt (digest checked). */
typedef struct v2f__ds_layout {
    uint64_t num_ids;
    uint32_t per_id;
    uint32_t perturb_images;
    int32_t format;
    uint64_t seed;
    uint32_t pose_images;     /* 0.2 keys; 0 / off when absent */
    uint32_t attrop_images;
    int32_t filter;
    uint32_t measure;
    uint32_t max_attempts;
} v2f__ds_layout;

v2f_status v2f__ds_recipe_load(const char *out_dir, v2f__ds_layout *l);

/* ---- manifest.c ---- */

typedef struct v2f__ds_row {
    uint64_t identity;
    uint32_t image;
    int32_t pose;           /* 1 when source is pose (kept for 0.1 users) */
    float eps;
    uint64_t seed;
    const char *file;       /* into the parse buffer, NUL-terminated */
    size_t line;            /* 1-based line number */
    /* 0.2 columns (a 0.1 part reads as attempt 0, ok, not measured): */
    int32_t source;         /* V2F_DS_PERTURB, _POSE, _ATTROP */
    uint32_t attempt;       /* filter attempt that made the image */
    int32_t dropped;        /* 1: status "dropped", no file */
    float similarity, quality, yaw;   /* NAN when not measured */
} v2f__ds_row;

/* Called for every complete row; a non-OK status stops the parse and is
 * returned. */
typedef v2f_status (*v2f__ds_row_fn)(void *user, const v2f__ds_row *row);

/* Parse a manifest part. *valid_len: bytes up to the last complete line
 * (a kill can leave a torn last line); *torn: 1 when bytes follow it. A
 * missing file is V2F_E_IO with errno ENOENT kept in *missing = 1. A
 * wrong header or malformed line is V2F_E_FORMAT naming path and line.
 * *v1 (may be NULL): 1 when the part has the six-column 0.1 header. */
v2f_status v2f__ds_manifest_read(const char *path, v2f__ds_row_fn fn,
                                 void *user, off_t *valid_len, int *torn,
                                 int *missing, int *v1);

/* One row as text, with its newline; returns its length. v1: the six
 * columns of a 0.1 part, else all 11 (NAN metrics left empty).
 * row->file and row->line are not used. */
int v2f__ds_row_format(char *buf, size_t size, const v2f__ds_row *row,
                       const char *ext, int v1);

#endif
