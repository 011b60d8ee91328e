/* Dataset recipes: defaults, validation and the owned copy a job keeps
 * (the canonical text and recipe.txt: recipe_file.c). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset.h"
#include "io/atomic_file.h"

static const float default_eps[3] = {0.3f, 0.5f, 0.7f};
static const float default_shares[3] = {0.4f, 0.4f, 0.2f};

void v2f_dataset_recipe_init(v2f_dataset_recipe *r, size_t size)
{
    v2f_dataset_recipe d;
    if (!r || size < sizeof(uint32_t))
        return;
    memset(&d, 0, sizeof d);
    d.struct_size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    d.perturb_images = 4;
    d.pose_eps = 0.7f;
    d.format = V2F_DATASET_PNG;
    d.jpeg_quality = 95;
    d.png_level = -1;
    d.batch_size = 0;   /* the model's default_batch_size (16 before 0.3) */
    d.filter_max_attempts = 3;
    d.attrop_quality = 24.0f;
    d.attrop_iterations = 5;
    d.attrop_max_retries = 30;
    memset(r, 0, size);
    memcpy(r, &d, size < sizeof d ? size : sizeof d);
}

const char *v2f__ds_ext(int32_t format)
{
    return format == V2F_DATASET_JPEG ? "jpg" : "png";
}

void v2f__ds_recipe_free(v2f__ds_recipe *r)
{
    if (!r)
        return;
    free(r->identities);
    free(r->out_dir);
    free(r->pose_points);
    free(r->attrop_yaw);
    free(r->pose_landmarks);
    memset(r, 0, sizeof *r);
}

int v2f__ds_source_of(const v2f__ds_recipe *r, uint32_t j)
{
    if (j < (uint32_t)r->perturb_images)
        return V2F_DS_PERTURB;
    if (j < (uint32_t)(r->perturb_images + r->pose_images))
        return V2F_DS_POSE;
    return V2F_DS_ATTROP;
}

static v2f_status bad(const char *what)
{
    return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: %s", what);
}

/* Decode one landmark image into dst->pose_landmarks (grown as needed). */
static v2f_status add_landmark(v2f__ds_recipe *dst, const char *path,
                               size_t *cap)
{
    v2f_image_read_opts ro;
    v2f_status st;
    size_t n = (size_t)dst->pose_landmark_images;
    if (n >= V2F_DS_MAX_LANDMARK_IMAGES)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: more than %d "
                         "landmark images", V2F_DS_MAX_LANDMARK_IMAGES);
    if (n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        uint8_t *nb = realloc(dst->pose_landmarks, nc * V2F_IMAGE_BYTES);
        if (!nb)
            return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        dst->pose_landmarks = nb;
        *cap = nc;
    }
    v2f_image_read_opts_init(&ro, sizeof ro);   /* 112x112 only: no resize */
    st = v2f_image_read(path, &ro, dst->pose_landmarks + n * V2F_IMAGE_BYTES);
    if (st != V2F_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", v2f_last_error());
        return v2f__fail(st, "dataset recipe: landmark image '%s': %s", path,
                         msg);
    }
    dst->pose_landmark_images++;
    return V2F_OK;
}

/* pose_landmarks: files, and folders of image files in name order. */
static v2f_status load_landmarks(v2f__ds_recipe *dst, const char *const *paths,
                                 int32_t count)
{
    size_t cap = 0, k, i, n;
    char **names;
    struct stat sb;
    v2f_status st = V2F_OK;
    for (k = 0; st == V2F_OK && k < (size_t)count; k++) {
        if (!paths[k] || !*paths[k])
            return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: "
                             "pose_landmarks[%zu] is empty", k);
        if (stat(paths[k], &sb) != 0)
            return v2f__fail(V2F_E_IO, "dataset recipe: landmark image or "
                             "folder '%s': %s", paths[k], strerror(errno));
        if (!S_ISDIR(sb.st_mode)) {
            st = add_landmark(dst, paths[k], &cap);
            continue;
        }
        st = v2f__list_images(paths[k], &names, &n);
        if (st != V2F_OK)
            return st;
        if (n == 0)
            st = v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: landmark "
                           "folder '%s' has no .png, .jpg or .jpeg file",
                           paths[k]);
        for (i = 0; st == V2F_OK && i < n; i++)
            st = add_landmark(dst, names[i], &cap);
        v2f__free_strings(names, n);
    }
    return st;
}

/* The 0.2 settings: measurement, filter, AttrOP, pose order. */
static v2f_status copy_v02(v2f__ds_recipe *dst, const v2f_dataset_recipe *r)
{
    const uint32_t all = V2F_DATASET_MEASURE_SIMILARITY
                         | V2F_DATASET_MEASURE_QUALITY
                         | V2F_DATASET_MEASURE_YAW;
    int32_t k;
    if (r->measure & ~all)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: measure 0x%x "
                         "has unknown flags; use V2F_DATASET_MEASURE_*",
                         (unsigned)r->measure);
    if (r->filter < V2F_DATASET_FILTER_NONE
        || r->filter > V2F_DATASET_FILTER_REGENERATE)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: filter %d; use "
                         "V2F_DATASET_FILTER_NONE, _DROP or _REGENERATE",
                         (int)r->filter);
    dst->measure = r->measure;
    dst->filter = r->filter;
    if (r->filter != V2F_DATASET_FILTER_NONE) {
        if (!(r->filter_threshold >= -1.0f && r->filter_threshold <= 1.0f))
            return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: "
                             "filter_threshold %g; use a cosine in [-1, 1]",
                             r->filter_threshold);
        if (r->filter == V2F_DATASET_FILTER_REGENERATE
            && (r->filter_max_attempts < 1
                || r->filter_max_attempts > V2F_DS_MAX_ATTEMPTS))
            return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: "
                             "filter_max_attempts %d; use 1..%d",
                             (int)r->filter_max_attempts,
                             V2F_DS_MAX_ATTEMPTS);
        dst->measure |= V2F_DATASET_MEASURE_SIMILARITY;
        dst->filter_threshold = r->filter_threshold;
        dst->filter_max_attempts = r->filter == V2F_DATASET_FILTER_DROP
                                       ? 1 : r->filter_max_attempts;
    }
    if (r->attrop_images < 0)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: attrop_images "
                         "%d must be >= 0", (int)r->attrop_images);
    if (r->attrop_images > 0) {
        if (!isfinite(r->attrop_quality) || r->attrop_quality < 0.0f)
            return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: "
                             "attrop_quality %g; use a finite value >= 0 "
                             "(0: no quality loss)", r->attrop_quality);
        if (r->attrop_iterations < 1 || r->attrop_iterations > 10000)
            return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: "
                             "attrop_iterations %d; use 1..10000",
                             (int)r->attrop_iterations);
        if (r->attrop_max_retries < 0 || r->attrop_max_retries > 10000)
            return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: "
                             "attrop_max_retries %d; use 0..10000",
                             (int)r->attrop_max_retries);
        if (r->attrop_yaw_count < 0 || r->attrop_yaw_count > V2F_DS_MAX_IMAGES
            || (r->attrop_yaw_count > 0 && !r->attrop_yaw))
            return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: "
                             "attrop_yaw_count %d with attrop_yaw %s; use "
                             "0..%d values", (int)r->attrop_yaw_count,
                             r->attrop_yaw ? "set" : "NULL",
                             V2F_DS_MAX_IMAGES);
        for (k = 0; k < r->attrop_yaw_count; k++)
            if (!isfinite(r->attrop_yaw[k]) || r->attrop_yaw[k] < 0.0f)
                return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: "
                                 "attrop_yaw[%d] = %g; use |yaw| degrees "
                                 ">= 0", (int)k, r->attrop_yaw[k]);
        if (r->attrop_yaw_count > 0) {
            dst->attrop_yaw = malloc((size_t)r->attrop_yaw_count
                                     * sizeof(float));
            if (!dst->attrop_yaw)
                return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
            memcpy(dst->attrop_yaw, r->attrop_yaw,
                   (size_t)r->attrop_yaw_count * sizeof(float));
        }
        dst->attrop_images = r->attrop_images;
        dst->attrop_quality = r->attrop_quality;
        dst->attrop_yaw_count = r->attrop_yaw_count;
        dst->attrop_iterations = r->attrop_iterations;
        dst->attrop_max_retries = r->attrop_max_retries;
    }
    if (r->pose_order != V2F_DATASET_POSE_CYCLE
        && r->pose_order != V2F_DATASET_POSE_SAMPLE)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: pose_order %d; "
                         "use V2F_DATASET_POSE_CYCLE or _SAMPLE",
                         (int)r->pose_order);
    if (r->pose_landmark_count < 0
        || (r->pose_landmark_count > 0 && !r->pose_landmarks))
        return bad("pose_landmark_count < 0, or > 0 with pose_landmarks "
                   "NULL");
    if (r->pose_images > 0) {
        dst->pose_order = r->pose_order;
        if (r->pose_landmark_count > 0)
            return load_landmarks(dst, r->pose_landmarks,
                                  r->pose_landmark_count);
    }
    return V2F_OK;
}

v2f_status v2f__ds_recipe_copy(v2f__ds_recipe *dst,
                               const v2f_dataset_recipe *src)
{
    v2f_dataset_recipe r;
    double share_sum = 0.0;
    size_t len, k, npts;
    v2f_status st;

    memset(dst, 0, sizeof *dst);
    if (!src)
        return bad("recipe is NULL");
    v2f_dataset_recipe_init(&r, sizeof r);
    st = v2f__copy_opts(&r, sizeof r, src, "v2f_dataset_recipe");
    if (st != V2F_OK)
        return st;
    if (!r.identities || !*r.identities)
        return bad("no identities file");
    if (!r.out_dir || !*r.out_dir)
        return bad("no output folder");
    if (r.perturb_images < 0 || r.pose_images < 0 || r.attrop_images < 0)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: perturb_images "
                         "%d, pose_images %d and attrop_images %d must be "
                         ">= 0", (int)r.perturb_images, (int)r.pose_images,
                         (int)r.attrop_images);
    if ((int64_t)r.perturb_images + r.pose_images + r.attrop_images < 1
        || (int64_t)r.perturb_images + r.pose_images + r.attrop_images
               > V2F_DS_MAX_IMAGES)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: %lld images "
                         "per identity; use 1..%d",
                         (long long)r.perturb_images + r.pose_images
                             + r.attrop_images, V2F_DS_MAX_IMAGES);
    if (r.eps && r.eps_count > 0) {
        if (r.eps_count > V2F_DS_MAX_EPS)
            return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: %d eps "
                             "values; at most %d", (int)r.eps_count,
                             V2F_DS_MAX_EPS);
        dst->eps_count = r.eps_count;
        for (k = 0; k < (size_t)r.eps_count; k++) {
            dst->eps[k] = r.eps[k];
            dst->shares[k] = r.eps_shares ? r.eps_shares[k] : 1.0f;
        }
    } else if (r.eps_count < 0) {
        return bad("eps_count is negative");
    } else {
        dst->eps_count = 3;
        memcpy(dst->eps, default_eps, sizeof default_eps);
        memcpy(dst->shares, default_shares, sizeof default_shares);
    }
    for (k = 0; k < (size_t)dst->eps_count; k++) {
        if (!isfinite(dst->eps[k]) || dst->eps[k] < 0.0f
            || !isfinite(dst->shares[k]) || dst->shares[k] < 0.0f)
            return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: eps %g with "
                             "share %g (index %zu); both must be finite and "
                             ">= 0", dst->eps[k], dst->shares[k], k);
        share_sum += dst->shares[k];
    }
    if (!(share_sum > 0.0))
        return bad("the eps shares sum to 0");
    if (!isfinite(r.pose_eps) || r.pose_eps < 0.0f)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: pose_eps %g; "
                         "use a finite value >= 0", r.pose_eps);
    if (r.format != V2F_DATASET_PNG && r.format != V2F_DATASET_JPEG)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: format %d; use "
                         "V2F_DATASET_PNG or V2F_DATASET_JPEG", (int)r.format);
    if (r.jpeg_quality < 1 || r.jpeg_quality > 100)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: jpeg_quality %d;"
                         " use 1..100", (int)r.jpeg_quality);
    if (r.png_level < -1 || r.png_level > 9)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: png_level %d; "
                         "use 0..9, or -1 for the default (%d)",
                         (int)r.png_level, V2F_PNG_LEVEL_DEFAULT);
    if (r.wait_lock != 0 && r.wait_lock != 1)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: wait_lock %d; "
                         "use 0 (a held shard lock is V2F_E_BUSY) or 1 "
                         "(wait for it)", (int)r.wait_lock);
    if (r.batch_size < 0 || r.batch_size > 4096)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: batch_size %d; "
                         "use 1..4096 (0: the model's default)", (int)r.batch_size);
    st = copy_v02(dst, &r);
    if (st != V2F_OK) {
        v2f__ds_recipe_free(dst);
        return st;
    }
    if (r.pose_images > 0 && (r.pose_templates > 0 || !r.pose_landmarks
                              || r.pose_landmark_count < 1)) {
        if (!r.pose_points || r.pose_templates < 1) {
            v2f__ds_recipe_free(dst);
            return bad("pose_images > 0 needs pose_points and "
                       "pose_templates >= 1, or pose_landmarks");
        }
        npts = (size_t)r.pose_templates * 10;
        for (k = 0; k < npts; k++)
            if (!isfinite(r.pose_points[k])) {
                v2f__ds_recipe_free(dst);
                return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: pose "
                                 "template %zu has a non-finite value",
                                 k / 10);
            }
        dst->pose_points = malloc(npts * sizeof(float));
        if (!dst->pose_points) {
            v2f__ds_recipe_free(dst);
            return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        }
        memcpy(dst->pose_points, r.pose_points, npts * sizeof(float));
        dst->pose_templates = r.pose_templates;
    }
    dst->identities = strdup(r.identities);
    len = strlen(r.out_dir);
    while (len > 1 && r.out_dir[len - 1] == '/')
        len--;   /* "out/" and "out" are the same folder */
    dst->out_dir = malloc(len + 1);
    if (!dst->identities || !dst->out_dir) {
        v2f__ds_recipe_free(dst);
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    }
    memcpy(dst->out_dir, r.out_dir, len);
    dst->out_dir[len] = '\0';
    dst->seed = r.seed;
    dst->perturb_images = r.perturb_images;
    dst->pose_images = r.pose_images;
    dst->pose_eps = r.pose_eps;
    dst->format = r.format;
    dst->jpeg_quality = r.jpeg_quality;
    dst->png_level = r.png_level;   /* not in recipe.txt: see the header */
    dst->batch_size = r.batch_size;   /* 0: v2f_dataset_job_new takes the model's */
    dst->wait_lock = r.wait_lock;     /* not in recipe.txt: how to run */
    return V2F_OK;
}
