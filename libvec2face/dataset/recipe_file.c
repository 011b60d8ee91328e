/* recipe.txt: the canonical text of a recipe and its digest, written
 * once into <out> and compared on every restart; the one reader of its
 * keys (v2f__ds_recipe_get) and what verify needs from it. */
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

#define RECIPE_FILE "recipe.txt"
#define TEXT_VERSION 1

/* Growable text buffer. */
typedef struct buf {
    char *s;
    size_t n, cap;
    int oom;
} buf;

static void put(buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(buf *b, const char *fmt, ...)
{
    va_list ap;
    int need;
    if (b->oom)
        return;
    for (;;) {
        va_start(ap, fmt);
        need = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0,
                         fmt, ap);
        va_end(ap);
        if (need < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && (size_t)need < b->cap - b->n) {
            b->n += (size_t)need;
            return;
        }
        {
            size_t cap = (b->cap + (size_t)need + 1) * 2;
            char *ns = realloc(b->s, cap);
            if (!ns) {
                b->oom = 1;
                return;
            }
            b->s = ns;
            b->cap = cap;
        }
    }
}

/* The 0.2 settings, each only when it is not the 0.1 behaviour, so a
 * recipe without them keeps the text (and digest) of 0.1. Measurement is
 * in the digest although it does not change a pixel: a manifest has a
 * measured value for every image or for none, so a restart may not switch
 * it (and a filter decides which images exist). */
static void put_v02(buf *b, const v2f__ds_recipe *r)
{
    char num[32];
    int32_t k;
    if (r->pose_images > 0 && r->pose_landmark_images > 0)
        put(b, "pose_landmark_images = %d\npose_landmarks_fnv1a64 = "
            "%016llx\n", (int)r->pose_landmark_images,
            (unsigned long long)v2f__fnv1a(
                V2F_FNV_INIT, r->pose_landmarks,
                (size_t)r->pose_landmark_images * V2F_IMAGE_BYTES));
    if (r->pose_images > 0 && r->pose_order == V2F_DATASET_POSE_SAMPLE)
        put(b, "pose_order = sample\n");
    if (r->attrop_images > 0) {
        put(b, "attrop_images = %d\n", (int)r->attrop_images);
        v2f__fmt_float(num, sizeof num, r->attrop_quality);
        put(b, "attrop_quality = %s\n", num);
        put(b, "attrop_yaw = ");
        for (k = 0; k < r->attrop_yaw_count; k++) {
            v2f__fmt_float(num, sizeof num, r->attrop_yaw[k]);
            put(b, "%s%s", k ? "," : "", num);
        }
        put(b, "%s\n", r->attrop_yaw_count ? "" : "none");
        put(b, "attrop_iterations = %d\n", (int)r->attrop_iterations);
        put(b, "attrop_max_retries = %d\n", (int)r->attrop_max_retries);
    }
    if (r->measure)
        put(b, "measure = %s%s%s%s%s\n",
            r->measure & V2F_DATASET_MEASURE_SIMILARITY ? "similarity" : "",
            (r->measure & V2F_DATASET_MEASURE_SIMILARITY)
                    && (r->measure & 6u) ? "," : "",
            r->measure & V2F_DATASET_MEASURE_QUALITY ? "quality" : "",
            (r->measure & V2F_DATASET_MEASURE_QUALITY)
                    && (r->measure & V2F_DATASET_MEASURE_YAW) ? "," : "",
            r->measure & V2F_DATASET_MEASURE_YAW ? "yaw" : "");
    if (r->filter != V2F_DATASET_FILTER_NONE) {
        v2f__fmt_float(num, sizeof num, r->filter_threshold);
        put(b, "filter = %s\nfilter_threshold = %s\n"
            "filter_max_attempts = %d\n",
            r->filter == V2F_DATASET_FILTER_DROP ? "drop" : "regenerate",
            num, (int)r->filter_max_attempts);
    }
}

v2f_status v2f__ds_recipe_text(const v2f__ds_recipe *r, uint64_t num_ids,
                               uint64_t ids_hash, char **out)
{
    buf b = {0};
    double total = 0.0;
    int32_t k;
    char num[32];

    *out = NULL;
    for (k = 0; k < r->eps_count; k++)
        total += r->shares[k];
    put(&b, "text_version = %d\n", TEXT_VERSION);
    put(&b, "identities = %llu\n", (unsigned long long)num_ids);
    put(&b, "identities_fnv1a64 = %016llx\n", (unsigned long long)ids_hash);
    put(&b, "seed = %llu\n", (unsigned long long)r->seed);
    put(&b, "perturb_images = %d\n", (int)r->perturb_images);
    put(&b, "eps = ");
    for (k = 0; k < r->eps_count; k++) {
        v2f__fmt_float(num, sizeof num, r->eps[k]);
        put(&b, "%s%s:%.6g", k ? "," : "", num, r->shares[k] / total);
    }
    put(&b, "\n");
    put(&b, "pose_images = %d\n", (int)r->pose_images);
    if (r->pose_images > 0) {
        uint64_t h = v2f__fnv1a(V2F_FNV_INIT, r->pose_points,
                                (size_t)r->pose_templates * 10
                                    * sizeof(float));
        v2f__fmt_float(num, sizeof num, r->pose_eps);
        put(&b, "pose_eps = %s\n", num);
        put(&b, "pose_templates = %d\n", (int)r->pose_templates);
        put(&b, "pose_points_fnv1a64 = %016llx\n", (unsigned long long)h);
    }
    put_v02(&b, r);
    put(&b, "image_format = %s\n", v2f__ds_ext(r->format));
    if (r->format == V2F_DATASET_JPEG)
        put(&b, "jpeg_quality = %d\n", (int)r->jpeg_quality);
    if (b.oom) {
        free(b.s);
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    }
    *out = b.s;
    return V2F_OK;
}

/* The first line of text that starts with head then tail (comment lines
 * only when comment): its value (the rest of the line) and its length. */
static const char *find_line(const char *text, int comment, const char *head,
                             const char *tail, size_t *vl)
{
    size_t hl = strlen(head), tl = strlen(tail);
    const char *line = text;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t ll = end ? (size_t)(end - line) : strlen(line);
        if ((line[0] == '#') == comment && ll >= hl + tl
            && strncmp(line, head, hl) == 0
            && strncmp(line + hl, tail, tl) == 0) {
            *vl = ll - hl - tl;
            return line + hl + tl;
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

int v2f__ds_recipe_get(const char *text, const char *key, char *val,
                       size_t size)
{
    size_t vl;
    const char *v = find_line(text, 0, key, " = ", &vl);
    if (!v)
        return 0;
    if (vl >= size)
        vl = size - 1;
    memcpy(val, v, vl);
    val[vl] = '\0';
    return 1;
}

int v2f__ds_recipe_comment(const char *text, const char *name, char *val,
                           size_t size)
{
    size_t vl;
    const char *v = find_line(text, 1, "# ", name, &vl);
    if (!v || vl < 2 || strncmp(v, ": ", 2) != 0 || vl - 2 >= size)
        return 0;
    memcpy(val, v + 2, vl - 2);
    val[vl - 2] = '\0';
    return 1;
}

/* The non-comment lines except "digest = ..." (what the digest covers). */
static char *canonical_part(const char *text)
{
    buf b = {0};
    const char *line = text;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        int ll = (int)(end ? (size_t)(end - line) : strlen(line));
        if (line[0] != '#' && strncmp(line, "digest = ", 9) != 0 && ll > 0)
            put(&b, "%.*s\n", ll, line);
        line = end ? end + 1 : NULL;
    }
    if (!b.s && !b.oom)
        put(&b, "%s", "");
    return b.oom ? (free(b.s), NULL) : b.s;
}

static uint64_t digest_of(const char *canonical)
{
    return v2f__fnv1a(V2F_FNV_INIT, canonical, strlen(canonical));
}

/* Name the first key whose value differs between ours and theirs. */
static v2f_status refuse(const char *path, const char *ours,
                         const char *theirs)
{
    const char *line = ours;
    char key[64], a[256], b[256];
    while (line && *line) {
        const char *eq = strstr(line, " = ");
        const char *end = strchr(line, '\n');
        size_t kl = eq ? (size_t)(eq - line) : 0;
        if (eq && (!end || eq < end) && kl < sizeof key) {
            memcpy(key, line, kl);
            key[kl] = '\0';
            v2f__ds_recipe_get(ours, key, a, sizeof a);
            if (!v2f__ds_recipe_get(theirs, key, b, sizeof b))
                return v2f__fail(V2F_E_INVALID_ARG, "recipe differs from "
                                 "the one in %s: %s is %s now and absent "
                                 "there; use the original recipe or a new "
                                 "output folder", path, key, a);
            if (strcmp(a, b) != 0)
                return v2f__fail(V2F_E_INVALID_ARG, "recipe differs from "
                                 "the one in %s: %s is %s now, %s there; "
                                 "use the original recipe or a new output "
                                 "folder", path, key, a, b);
        }
        line = end ? end + 1 : NULL;
    }
    /* A setting there that is off now (0.2 keys are written only when
     * on). */
    for (line = theirs; line && *line;) {
        const char *eq = strstr(line, " = ");
        const char *end = strchr(line, '\n');
        size_t kl = eq ? (size_t)(eq - line) : 0;
        if (line[0] != '#' && eq && (!end || eq < end) && kl < sizeof key) {
            memcpy(key, line, kl);
            key[kl] = '\0';
            if (strcmp(key, "digest") != 0
                && !v2f__ds_recipe_get(ours, key, a, sizeof a)) {
                v2f__ds_recipe_get(theirs, key, b, sizeof b);
                return v2f__fail(V2F_E_INVALID_ARG, "recipe differs from "
                                 "the one in %s: %s is off now, %s there; "
                                 "use the original recipe or a new output "
                                 "folder", path, key, b);
            }
        }
        line = end ? end + 1 : NULL;
    }
    return v2f__fail(V2F_E_INVALID_ARG, "recipe differs from the one in %s "
                     "(a setting there is unknown to this version, or the "
                     "file was edited); use a new output folder", path);
}

/* Write path only if it does not exist, atomically: a complete temporary
 * file hard-linked to the final name (link fails with EEXIST when another
 * shard won the race; V2F_E_CANCELLED tells the caller to compare). */
static v2f_status create_exclusive(const char *path, const char *text,
                                   const char *identities_path)
{
    v2f__atomic_file af;
    char *tmp;
    int err = 0;
    v2f_status st = v2f__atomic_open(&af, path);
    if (st != V2F_OK)
        return st;
    fprintf(af.fp, "# vec2face dataset recipe, written by libvec2face %s. "
            "Do not edit: a restart compares its recipe with this.\n"
            "# identities file: %s\n%sdigest = %016llx\n", v2f_version(),
            identities_path, text, (unsigned long long)digest_of(text));
    if (fflush(af.fp) != 0 || ferror(af.fp) || fsync(fileno(af.fp)) != 0)
        err = errno ? errno : EIO;
    if (!err && link(af.tmp_path, path) != 0)
        err = errno;
    tmp = af.tmp_path;
    af.tmp_path = NULL;
    v2f__atomic_abort(&af);     /* closes; tmp kept for the unlink below */
    unlink(tmp);
    free(tmp);
    if (err == EEXIST)
        return V2F_E_CANCELLED;
    if (err)
        return v2f__fail(V2F_E_IO, "cannot write '%s': %s", path,
                         strerror(err));
    return V2F_OK;
}

v2f_status v2f__ds_recipe_sync(const char *out_dir, const char *text,
                               const char *identities_path)
{
    char *path = v2f__strfmt("%s/%s", out_dir, RECIPE_FILE);
    char *theirs = NULL, *canon = NULL;
    size_t len;
    v2f_status st;
    struct stat sb;

    if (!path)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    if (stat(path, &sb) != 0 && errno == ENOENT) {
        st = create_exclusive(path, text, identities_path);
        if (st != V2F_E_CANCELLED) {   /* written, or failed */
            free(path);
            return st;
        }
        /* another shard created it first: compare with that one */
    }
    st = v2f__read_file(path, &theirs, &len);
    if (st == V2F_OK) {
        canon = canonical_part(theirs);
        if (!canon)
            st = v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        else if (strcmp(canon, text) != 0)
            st = refuse(path, text, theirs);
    }
    free(canon);
    free(theirs);
    free(path);
    return st;
}

v2f_status v2f__ds_recipe_load(const char *out_dir, v2f__ds_layout *l)
{
    char *path = v2f__strfmt("%s/%s", out_dir, RECIPE_FILE);
    char *text = NULL, *canon = NULL, val[256], *end;
    size_t len;
    unsigned long long ids, per, pose, dig;
    v2f_status st;

    memset(l, 0, sizeof *l);
    if (!path)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    st = v2f__read_file(path, &text, &len);
    if (st != V2F_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", v2f_last_error());
        v2f__fail(st, "'%s' is not a dataset folder (%s)", out_dir, msg);
        goto done;
    }
    canon = canonical_part(text);
    if (!canon) {
        st = v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        goto done;
    }
    if (!v2f__ds_recipe_get(text, "digest", val, sizeof val)
        || (dig = strtoull(val, &end, 16), *end != '\0')
        || dig != digest_of(canon)) {
        st = v2f__fail(V2F_E_FORMAT, "%s: the digest does not match the "
                       "recipe text (edited or damaged)", path);
        goto done;
    }
    if (!v2f__ds_recipe_get(text, "identities", val, sizeof val)
        || (ids = strtoull(val, &end, 10), *end != '\0')
        || !v2f__ds_recipe_get(text, "perturb_images", val, sizeof val)
        || (per = strtoull(val, &end, 10), *end != '\0')
        || !v2f__ds_recipe_get(text, "pose_images", val, sizeof val)
        || (pose = strtoull(val, &end, 10), *end != '\0')
        /* each bounded first: a huge value would wrap per + pose into
         * range (strtoull saturates; found by fuzzing) */
        || per > V2F_DS_MAX_IMAGES || pose > V2F_DS_MAX_IMAGES - per
        || per + pose < 1
        || !v2f__ds_recipe_get(text, "seed", val, sizeof val)
        || (l->seed = strtoull(val, &end, 10), *end != '\0')
        || !v2f__ds_recipe_get(text, "image_format", val, sizeof val)
        || (strcmp(val, "png") != 0 && strcmp(val, "jpg") != 0)) {
        st = v2f__fail(V2F_E_FORMAT, "%s: missing or bad identities, "
                       "perturb_images, pose_images, seed or image_format",
                       path);
        goto done;
    }
    l->num_ids = ids;
    l->perturb_images = (uint32_t)per;
    l->pose_images = (uint32_t)pose;
    l->per_id = (uint32_t)(per + pose);
    l->format = strcmp(val, "jpg") == 0 ? V2F_DATASET_JPEG : V2F_DATASET_PNG;
    /* 0.2 keys: absent means off. */
    if (v2f__ds_recipe_get(text, "attrop_images", val, sizeof val)) {
        unsigned long long at = strtoull(val, &end, 10);
        if (*end != '\0' || at > V2F_DS_MAX_IMAGES - l->per_id) {
            st = v2f__fail(V2F_E_FORMAT, "%s: bad attrop_images '%s'", path,
                           val);
            goto done;
        }
        l->attrop_images = (uint32_t)at;
        l->per_id += (uint32_t)at;
    }
    if (v2f__ds_recipe_get(text, "filter", val, sizeof val)) {
        unsigned long long ma = 0;
        l->filter = strcmp(val, "drop") == 0 ? V2F_DATASET_FILTER_DROP
                    : strcmp(val, "regenerate") == 0
                        ? V2F_DATASET_FILTER_REGENERATE : -1;
        if (l->filter < 0
            || !v2f__ds_recipe_get(text, "filter_max_attempts", val,
                                   sizeof val)
            || (ma = strtoull(val, &end, 10), *end != '\0') || ma < 1
            || ma > V2F_DS_MAX_ATTEMPTS) {
            st = v2f__fail(V2F_E_FORMAT, "%s: bad filter or "
                           "filter_max_attempts", path);
            goto done;
        }
        l->max_attempts = (uint32_t)ma;
    } else {
        l->max_attempts = 1;
    }
    if (v2f__ds_recipe_get(text, "measure", val, sizeof val)) {
        l->measure = (strstr(val, "similarity") ? 1u : 0u)
                     | (strstr(val, "quality") ? 2u : 0u)
                     | (strstr(val, "yaw") ? 4u : 0u);
    }
done:
    free(canon);
    free(text);
    free(path);
    return st;
}
