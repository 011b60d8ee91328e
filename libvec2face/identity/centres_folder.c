/* Identity centres from a folder tree of face crops: ROOT/<id>/<images>,
 * the mean ArcFace feature per identity (the official center_features). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "io/array.h"
#include "util/fsutil.h"

#define BATCH 16
#define FN "v2f_identity_centres_from_folder"

/* Sorted entry names (util/fsutil.h's v2f__list_dir). */
typedef struct names {
    char **v;
    size_t n;
} names;

static void names_free(names *l)
{
    v2f__free_strings(l->v, l->n);
    memset(l, 0, sizeof *l);
}

/* Entries of `dir` that are directories (want_dirs) or image files, sorted. */
static v2f_status list(const char *dir, int want_dirs, names *out)
{
    return v2f__list_dir(dir, want_dirs, &out->v, &out->n);
}

/* Accumulate the features of the images of one identity into sum[512]. */
static v2f_status identity_sum(const v2f_model *model, const char *dir, const names *files,
                               const v2f_centres_opts *o, uint8_t *rgb, float *feat,
                               double *sum)
{
    v2f_image_read_opts ro;
    char path[4096];
    v2f_status s;
    v2f_image_read_opts_init(&ro, sizeof ro);
    ro.resize = o->resize;
    for (size_t first = 0; first < files->n; first += BATCH) {
        size_t count = files->n - first < BATCH ? files->n - first : BATCH;
        for (size_t k = 0; k < count; k++) {
            if (snprintf(path, sizeof path, "%s/%s", dir, files->v[first + k]) >= (int)sizeof path)
                return v2f__fail(V2F_E_INVALID_ARG, FN ": path too long in %s", dir);
            if ((s = v2f_image_read(path, &ro, rgb + k * V2F_IMAGE_BYTES))) return s;
        }
        if ((s = v2f_extract_features(model, V2F_PART_ARCFACE, rgb, count, feat))) return s;
        for (size_t k = 0; k < count; k++) {
            const float *f = feat + k * V2F_VECTOR_DIM;
            double norm = 1.0;
            if (o->normalize) {
                norm = 0;
                for (int j = 0; j < V2F_VECTOR_DIM; j++) norm += (double)f[j] * f[j];
                norm = sqrt(norm);
                if (!(norm > 0))
                    return v2f__fail(V2F_E_INVALID_ARG, FN ": %s/%s has a zero feature",
                                     dir, files->v[first + k]);
            }
            for (int j = 0; j < V2F_VECTOR_DIM; j++) sum[j] += f[j] / norm;
        }
    }
    return V2F_OK;
}

v2f_status v2f_identity_centres_from_folder(const v2f_model *model, const char *root,
                                            const v2f_centres_opts *opts, v2f_array **out)
{
    v2f_centres_opts o;
    names ids = {0}, files = {0};
    v2f_array *centres = NULL;
    uint8_t *rgb = NULL;
    float *feat = NULL;
    double sum[V2F_VECTOR_DIM];
    char dir[4096];
    v2f_status s;

    if (out) *out = NULL;
    if (!model || !root || !out) return v2f__fail(V2F_E_INVALID_ARG, FN ": NULL argument");
    v2f_centres_opts_init(&o, sizeof o);
    if ((s = v2f__copy_opts(&o, sizeof o, opts, FN))) return s;
    if ((s = list(root, 1, &ids))) goto done;
    if (ids.n == 0) {
        s = v2f__fail(V2F_E_IO, FN ": %s has no identity subfolder", root);
        goto done;
    }
    rgb = malloc(v2f_image_bytes(BATCH));
    feat = malloc(BATCH * V2F_VECTOR_DIM * sizeof(float));
    if (!rgb || !feat) {
        s = v2f__fail(V2F_E_NO_MEMORY, FN ": out of memory");
        goto done;
    }
    if ((s = v2f__array_new(ids.n, V2F_VECTOR_DIM, &centres))) goto done;
    for (size_t i = 0; i < ids.n; i++) {
        if (snprintf(dir, sizeof dir, "%s/%s", root, ids.v[i]) >= (int)sizeof dir) {
            s = v2f__fail(V2F_E_INVALID_ARG, FN ": path too long in %s", root);
            goto done;
        }
        names_free(&files);
        if ((s = list(dir, 0, &files))) goto done;
        if (files.n == 0) {
            s = v2f__fail(V2F_E_IO, FN ": %s has no .png/.jpg/.jpeg image", dir);
            goto done;
        }
        memset(sum, 0, sizeof sum);
        if ((s = identity_sum(model, dir, &files, &o, rgb, feat, sum))) goto done;
        float *row = v2f__array_mut(centres) + i * V2F_VECTOR_DIM;
        for (int j = 0; j < V2F_VECTOR_DIM; j++) row[j] = (float)(sum[j] / (double)files.n);
        if (o.counts_out) o.counts_out[i] = files.n;
        if (o.progress && o.progress(o.progress_user, i + 1, ids.n)) {
            s = v2f__fail(V2F_E_CANCELLED, FN ": cancelled after %zu of %zu identities", i + 1,
                          ids.n);
            goto done;
        }
    }
    *out = centres;
    centres = NULL;
    s = V2F_OK;
done:
    names_free(&ids);
    names_free(&files);
    v2f_array_free(centres);
    free(rgb);
    free(feat);
    return s;
}
