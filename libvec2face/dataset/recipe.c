/* Dataset recipes: defaults, validation, the canonical text, its digest
 * and <out>/recipe.txt (written once, compared on every restart). */
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
    d.batch_size = 16;
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
    memset(r, 0, sizeof *r);
}

static v2f_status bad(const char *what)
{
    return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: %s", what);
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
    if (r.perturb_images < 0 || r.pose_images < 0)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: perturb_images "
                         "%d and pose_images %d must be >= 0",
                         (int)r.perturb_images, (int)r.pose_images);
    if (r.perturb_images + r.pose_images < 1
        || r.perturb_images + r.pose_images > V2F_DS_MAX_IMAGES)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: %d images per "
                         "identity; use 1..%d",
                         (int)(r.perturb_images + r.pose_images),
                         V2F_DS_MAX_IMAGES);
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
    if (r.batch_size < 0 || r.batch_size > 4096)
        return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: batch_size %d; "
                         "use 1..4096 (0: 16)", (int)r.batch_size);
    if (r.pose_images > 0) {
        if (!r.pose_points || r.pose_templates < 1)
            return bad("pose_images > 0 needs pose_points and "
                       "pose_templates >= 1");
        npts = (size_t)r.pose_templates * 10;
        for (k = 0; k < npts; k++)
            if (!isfinite(r.pose_points[k]))
                return v2f__fail(V2F_E_INVALID_ARG, "dataset recipe: pose "
                                 "template %zu has a non-finite value",
                                 k / 10);
        dst->pose_points = malloc(npts * sizeof(float));
        if (!dst->pose_points)
            return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
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
    dst->batch_size = r.batch_size ? r.batch_size : 16;
    return V2F_OK;
}

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

/* Find "key = value" in text (lines starting with '#' are comments);
 * value copied into val (trimmed). 1 when found. */
static int kv_get(const char *text, const char *key, char *val, size_t size)
{
    size_t kl = strlen(key);
    const char *line = text;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t ll = end ? (size_t)(end - line) : strlen(line);
        if (line[0] != '#' && ll > kl + 2 && strncmp(line, key, kl) == 0
            && strncmp(line + kl, " = ", 3) == 0) {
            size_t vl = ll - kl - 3;
            if (vl >= size)
                vl = size - 1;
            memcpy(val, line + kl + 3, vl);
            val[vl] = '\0';
            return 1;
        }
        line = end ? end + 1 : NULL;
    }
    return 0;
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
            kv_get(ours, key, a, sizeof a);
            if (!kv_get(theirs, key, b, sizeof b))
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
    if (!kv_get(text, "digest", val, sizeof val)
        || (dig = strtoull(val, &end, 16), *end != '\0')
        || dig != digest_of(canon)) {
        st = v2f__fail(V2F_E_FORMAT, "%s: the digest does not match the "
                       "recipe text (edited or damaged)", path);
        goto done;
    }
    if (!kv_get(text, "identities", val, sizeof val)
        || (ids = strtoull(val, &end, 10), *end != '\0')
        || !kv_get(text, "perturb_images", val, sizeof val)
        || (per = strtoull(val, &end, 10), *end != '\0')
        || !kv_get(text, "pose_images", val, sizeof val)
        || (pose = strtoull(val, &end, 10), *end != '\0')
        || per + pose < 1 || per + pose > V2F_DS_MAX_IMAGES
        || !kv_get(text, "seed", val, sizeof val)
        || (l->seed = strtoull(val, &end, 10), *end != '\0')
        || !kv_get(text, "image_format", val, sizeof val)
        || (strcmp(val, "png") != 0 && strcmp(val, "jpg") != 0)) {
        st = v2f__fail(V2F_E_FORMAT, "%s: missing or bad identities, "
                       "perturb_images, pose_images, seed or image_format",
                       path);
        goto done;
    }
    l->num_ids = ids;
    l->perturb_images = (uint32_t)per;
    l->per_id = (uint32_t)(per + pose);
    l->format = strcmp(val, "jpg") == 0 ? V2F_DATASET_JPEG : V2F_DATASET_PNG;
done:
    free(canon);
    free(text);
    free(path);
    return st;
}
