/* v2f_dataset_report_write: walk a dataset folder in identity, image
 * order, measure every image in batches (ArcFace features, MagFace
 * quality, yaw), reduce per identity as soon as its images are done, then
 * separability and histograms; the files are written by report_json.c,
 * report_html.c and (the contact sheet) v2f_image_write. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/atomic_file.h"
#include "report.h"

#define DIM V2F_VECTOR_DIM

void v2f_dataset_report_opts_init(v2f_dataset_report_opts *o, size_t size)
{
    v2f_dataset_report_opts d;
    if (!o || size < sizeof(uint32_t))
        return;
    memset(&d, 0, sizeof d);
    d.batch_size = 32;
    d.histogram_bins = 20;
    d.threshold = 0.4f;
    d.sheet_identities = 16;
    d.sheet_images = 8;
    d.sheet_tile = 56;
    memset(o, 0, size);
    memcpy(o, &d, size < sizeof d ? size : sizeof d);
    o->struct_size = (uint32_t)size;
}

int v2f__finite(float f)
{
    return f == f && f - f == 0.0f;
}

/* ---- histograms ---- */

v2f_status v2f__hist_fill(v2f__hist *h, int32_t bins, const float *x,
                          const uint8_t *keep, size_t n, int fixed,
                          double lo, double hi)
{
    double mn = INFINITY, mx = -INFINITY;
    size_t i;
    h->bins = bins;
    h->count = calloc((size_t)bins, sizeof *h->count);
    if (!h->count)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    if (!fixed) {
        for (i = 0; i < n; i++)
            if ((!keep || keep[i] == V2F__IMG_READ) && v2f__finite(x[i])) {
                if (x[i] < mn) mn = x[i];
                if (x[i] > mx) mx = x[i];
            }
        lo = mn <= mx ? floor(mn) : 0.0;
        hi = mn <= mx ? ceil(mx) : 1.0;
        if (hi <= lo)
            hi = lo + 1.0;
    }
    h->lo = lo;
    h->hi = hi;
    for (i = 0; i < n; i++) {
        double b;
        int32_t k;
        if ((keep && keep[i] != V2F__IMG_READ) || !v2f__finite(x[i]))
            continue;
        b = floor(((double)x[i] - lo) / (hi - lo) * bins);
        k = b < 0 ? 0 : b >= bins ? bins - 1 : (int32_t)b;
        h->count[k]++;
    }
    return V2F_OK;
}

void v2f__hist_free(v2f__hist *h)
{
    free(h->count);
    h->count = NULL;
}

/* ---- options, recipe, identities ---- */

static v2f_status check_opts(const v2f_dataset_report_opts *o)
{
    const char *bad = NULL;
    long v = 0;
    if (o->batch_size < 1 || o->batch_size > 4096)
        bad = "batch_size (1..4096)", v = o->batch_size;
    else if (o->histogram_bins < 1 || o->histogram_bins > 1000)
        bad = "histogram_bins (1..1000)", v = o->histogram_bins;
    else if (o->sheet_identities < 1 || o->sheet_identities > 1000)
        bad = "sheet_identities (1..1000)", v = o->sheet_identities;
    else if (o->sheet_images < 1 || o->sheet_images > 1000)
        bad = "sheet_images (1..1000)", v = o->sheet_images;
    else if (o->sheet_tile < 1 || o->sheet_tile > V2F_IMAGE_SIZE
             || V2F_IMAGE_SIZE % o->sheet_tile != 0)
        bad = "sheet_tile (a divisor of 112)", v = o->sheet_tile;
    if (bad)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_report_write: "
                         "option %s is %ld", bad, v);
    if (!(o->threshold > -1.0f && o->threshold <= 1.0f))
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_report_write: "
                         "option threshold must be in (-1, 1], not %g",
                         (double)o->threshold);
    return V2F_OK;
}

/* The value of "<key> = " or of the comment "# identities file: " in
 * recipe.txt, copied into val; 1 when found. */
static int recipe_line(const char *text, const char *prefix, char *val,
                       size_t size)
{
    size_t pl = strlen(prefix);
    const char *line = text;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t ll = end ? (size_t)(end - line) : strlen(line);
        if (ll >= pl && strncmp(line, prefix, pl) == 0 && ll - pl < size) {
            memcpy(val, line + pl, ll - pl);
            val[ll - pl] = '\0';
            return 1;
        }
        line = end ? end + 1 : NULL;
    }
    return 0;
}

/* Load the input vectors, or say in r->why_input why not (not an error:
 * the rest of the report does not need them). */
static v2f_status load_inputs(v2f__report *r, char **path_out,
                              v2f_array **out)
{
    char *recipe = v2f__strfmt("%s/recipe.txt", r->dir), *text = NULL;
    char val[4096], want[64], *path = NULL;
    uint64_t h;
    size_t len;
    v2f_array *a = NULL;
    v2f_status st;

    *out = NULL;
    *path_out = NULL;
    if (!recipe)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    st = v2f__read_file(recipe, &text, &len);
    if (st != V2F_OK) {
        snprintf(r->why_input, sizeof r->why_input, "%s", v2f_last_error());
        free(recipe);
        return V2F_OK;
    }
    if (!recipe_line(text, "identities_fnv1a64 = ", want, sizeof want))
        want[0] = '\0';
    if (r->o.identities)
        path = v2f__strfmt("%s", r->o.identities);
    else if (recipe_line(text, "# identities file: ", val, sizeof val)) {
        struct stat sb;
        /* The name is as generate got it (a relative one was relative to
         * where it ran): try it, then (relative) inside the dataset folder,
         * then its base name there (a dataset moved with its ids). */
        const char *base = strrchr(val, '/') ? strrchr(val, '/') + 1 : val;
        path = v2f__strfmt("%s", val);
        if (path && stat(path, &sb) != 0) {
            char *alt = val[0] != '/' ? v2f__strfmt("%s/%s", r->dir, val)
                                      : v2f__strfmt("%s", val);
            if (alt && stat(alt, &sb) != 0) {
                free(alt);
                alt = v2f__strfmt("%s/%s", r->dir, base);
            }
            if (alt && stat(alt, &sb) == 0) {
                free(path);
                path = alt;
            } else {
                free(alt);
            }
        }
    } else {
        snprintf(r->why_input, sizeof r->why_input, "%.700s names no identities "
                 "file", recipe);
        goto done;
    }
    if (!path) {
        st = v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        goto done;
    }
    if (v2f__fnv1a_file(path, &h) != V2F_OK) {
        snprintf(r->why_input, sizeof r->why_input, "%s", v2f_last_error());
        goto done;
    }
    snprintf(val, sizeof val, "%016llx", (unsigned long long)h);
    if (strcmp(val, want) != 0) {
        snprintf(r->why_input, sizeof r->why_input, "identities file '%.700s' "
                 "is not the recipe's (fnv1a64 %.16s, recipe %.16s)", path, val,
                 want[0] ? want : "none");
        goto done;
    }
    if (v2f_npy_read(path, &a) != V2F_OK) {
        snprintf(r->why_input, sizeof r->why_input, "%s", v2f_last_error());
        goto done;
    }
    if (v2f_array_rows(a) != r->l.num_ids || v2f_array_cols(a) != DIM) {
        snprintf(r->why_input, sizeof r->why_input, "identities file '%.700s' "
                 "is %zux%zu, the recipe has %llu identities of %d", path,
                 v2f_array_rows(a), v2f_array_cols(a),
                 (unsigned long long)r->l.num_ids, DIM);
        v2f_array_free(a);
        a = NULL;
        goto done;
    }
    *out = a;
    *path_out = path;
    path = NULL;
done:
    free(path);
    free(text);
    free(recipe);
    return st;
}

/* ---- the walk ---- */

typedef struct walk {
    v2f__report *r;
    const v2f_model *model;
    int has_arc, has_mag, has_pose;
    const float *inputs;            /* [num_ids][512] or NULL */
    float *centres;                 /* [num_ids][512] mean centres */
    /* The batch being filled. */
    uint8_t *rgb;
    size_t *bk;                     /* image keys */
    size_t nb;
    float *bfeat, *bq, *bangles;
    /* Features of images not yet reduced, in key order. */
    float *pf;
    size_t *pk;
    size_t np, pcap;
    uint64_t next_final;            /* first identity not yet reduced */
    uint64_t visited;
} walk;

static double cosine(const float *a, const float *b)
{
    double d = 0, na = 0, nb = 0;
    int i;
    for (i = 0; i < DIM; i++) {
        d += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    return na > 0 && nb > 0 ? d / sqrt(na * nb) : 0.0;
}

static v2f_status run_batch(walk *w)
{
    v2f__report *r = w->r;
    size_t i;
    v2f_status st;
    if (w->nb == 0)
        return V2F_OK;
    if (w->has_arc) {
        st = v2f_extract_features(w->model, V2F_PART_ARCFACE, w->rgb, w->nb,
                                  w->bfeat);
        if (st != V2F_OK)
            return st;
        memcpy(w->pf + w->np * DIM, w->bfeat, w->nb * DIM * sizeof(float));
        memcpy(w->pk + w->np, w->bk, w->nb * sizeof(size_t));
        w->np += w->nb;
    }
    if (w->has_mag) {
        st = v2f_estimate_quality(w->model, w->rgb, w->nb, w->bq);
        if (st != V2F_OK)
            return st;
        for (i = 0; i < w->nb; i++)
            r->quality[w->bk[i]] = w->bq[i];
    }
    if (w->has_pose) {
        st = v2f_estimate_pose(w->model, w->rgb, w->nb, w->bangles);
        if (st != V2F_OK)
            return st;
        for (i = 0; i < w->nb; i++)
            r->yaw[w->bk[i]] = w->bangles[i * 3 + 1];
    }
    w->nb = 0;
    return V2F_OK;
}

/* Per-identity reduction of identity id, whose features are the k
 * pending rows from row `at`. */
static void reduce_identity(walk *w, uint64_t id, size_t at, size_t k)
{
    v2f__report *r = w->r;
    const uint32_t per = r->l.per_id;
    const size_t base = (size_t)id * per;
    double q = 0, y = 0, sc = 0, si = 0, mc = INFINITY, mi = INFINITY;
    double acc[DIM];
    float *c;
    uint32_t j, n = 0, dropped = 0;
    size_t i;
    int d;

    for (j = 0; j < per; j++) {
        if (r->state[base + j] == V2F__IMG_READ) {
            n++;
            q += r->quality[base + j];
            y += r->yaw[base + j];
        }
        dropped += r->state[base + j] == V2F__IMG_DROPPED;
    }
    r->id_read[id] = n;
    if (n + dropped == per)
        r->s.identities_complete++;
    if (n == 0)
        return;
    if (w->has_mag)
        r->id_q_mean[id] = (float)(q / n);
    if (w->has_pose)
        r->id_yaw_mean[id] = (float)(y / n);
    if (!w->has_arc || k == 0)
        return;
    c = w->centres + (size_t)id * DIM;
    memset(acc, 0, sizeof acc);
    for (i = at; i < at + k; i++)
        for (d = 0; d < DIM; d++)
            acc[d] += w->pf[i * DIM + d];
    for (d = 0; d < DIM; d++)
        c[d] = (float)(acc[d] / (double)k);
    for (i = at; i < at + k; i++) {
        const float *f = w->pf + i * DIM;
        double v = cosine(f, c);
        r->cos_centre[w->pk[i]] = (float)v;
        sc += v;
        if (v < mc) mc = v;
        if (w->inputs) {
            v = cosine(f, w->inputs + (size_t)id * DIM);
            r->cos_input[w->pk[i]] = (float)v;
            si += v;
            if (v < mi) mi = v;
        }
    }
    r->id_cc_mean[id] = (float)(sc / (double)k);
    r->id_cc_min[id] = (float)mc;
    if (w->inputs) {
        r->id_ci_mean[id] = (float)(si / (double)k);
        r->id_ci_min[id] = (float)mi;
    }
}

/* Reduce identities [next_final, upto): all their images are measured,
 * and their features are the first pending rows, in key order. */
static void reduce_upto(walk *w, uint64_t upto)
{
    const uint32_t per = w->r->l.per_id;
    size_t used = 0;
    for (; w->next_final < upto; w->next_final++) {
        size_t k = 0;
        while (used + k < w->np
               && w->pk[used + k] / per == (size_t)w->next_final)
            k++;
        reduce_identity(w, w->next_final, used, k);
        used += k;
    }
    if (used) {
        memmove(w->pf, w->pf + used * DIM, (w->np - used) * DIM
                * sizeof(float));
        memmove(w->pk, w->pk + used, (w->np - used) * sizeof(size_t));
        w->np -= used;
    }
}

static v2f_status walk_images(walk *w)
{
    v2f__report *r = w->r;
    const uint32_t per = r->l.per_id;
    const char *ext = v2f__ds_ext(r->l.format);
    size_t plen = strlen(r->dir) + 48;
    char *path = malloc(plen);
    v2f_image_read_opts ro;
    uint64_t id;
    uint32_t j;
    v2f_status st = V2F_OK;

    if (!path)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    v2f_image_read_opts_init(&ro, sizeof ro);
    for (id = 0; id < r->l.num_ids && st == V2F_OK; id++) {
        for (j = 0; j < per && st == V2F_OK; j++) {
            size_t key = (size_t)id * per + j;
            struct stat sb;
            uint8_t *dst = w->rgb + w->nb * V2F_IMAGE_BYTES;
            w->visited++;
            v2f__ds_image_path(path, plen, r->dir, id, j, ext, NULL);
            if (stat(path, &sb) != 0) {
                if (r->state[key] == V2F__IMG_DROPPED)
                    r->s.images_dropped++;
                else
                    r->s.images_missing++;
                continue;
            }
            if (v2f_image_read(path, &ro, dst) != V2F_OK) {
                r->state[key] = V2F__IMG_UNREADABLE;
                r->s.images_unreadable++;
                v2f__log(V2F_LOG_WARN, "report: skipping %s", v2f_last_error());
                continue;
            }
            r->state[key] = V2F__IMG_READ;
            r->s.images_read++;
            v2f__sheet_put(&r->sheet, id, j, dst);
            w->bk[w->nb++] = key;
            if (w->nb == (size_t)r->o.batch_size) {
                st = run_batch(w);
                if (st == V2F_OK)
                    reduce_upto(w, id);
                if (st == V2F_OK && r->o.progress
                    && r->o.progress(r->o.progress_user, w->visited,
                                     r->s.images_expected))
                    st = v2f__fail(V2F_E_CANCELLED, "report of '%s' "
                                   "cancelled", r->dir);
            }
        }
    }
    if (st == V2F_OK)
        st = run_batch(w);
    if (st == V2F_OK) {
        reduce_upto(w, r->l.num_ids);
        /* The last answer counts too: nothing is written yet. */
        if (r->o.progress
            && r->o.progress(r->o.progress_user, w->visited,
                             r->s.images_expected))
            st = v2f__fail(V2F_E_CANCELLED, "report of '%s' cancelled",
                           r->dir);
    }
    free(path);
    return st;
}

/* ---- after the walk ---- */

static v2f_status separability(v2f__report *r, v2f__sep *sep,
                               const float *vectors, size_t n,
                               float *nn_scatter, const uint64_t *rows)
{
    v2f_separability_opts so;
    float *nn;
    size_t i;
    v2f_status st;

    if (n < 2) {
        snprintf(sep->why, sizeof sep->why, "needs two identities, %s %zu",
                 rows ? "have images for" : "have", n);
        return V2F_OK;
    }
    nn = malloc(n * sizeof *nn);
    if (!nn)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    v2f_separability_opts_init(&so, sizeof so);
    so.nn_out = nn;
    memset(&sep->rep, 0, sizeof sep->rep);
    sep->rep.struct_size = sizeof sep->rep;
    st = v2f_separability(vectors, n, DIM, r->o.threshold, &so, &sep->rep);
    if (st == V2F_E_INVALID_ARG) {   /* e.g. a zero input vector */
        snprintf(sep->why, sizeof sep->why, "%s", v2f_last_error());
        free(nn);
        return V2F_OK;
    }
    if (st == V2F_OK) {
        sep->measured = 1;
        for (i = 0; i < n; i++)
            nn_scatter[rows ? rows[i] : i] = nn[i];
        st = v2f__hist_fill(&sep->nn_hist, r->o.histogram_bins, nn, NULL, n,
                            1, -1.0, 1.0);
    }
    free(nn);
    return st;
}

static void stats(const float *x, const uint8_t *state, size_t n,
                  float *mean, float *mn, float *mx, float *abs_mean)
{
    double s = 0, sa = 0, lo = INFINITY, hi = -INFINITY;
    size_t i, k = 0;
    for (i = 0; i < n; i++)
        if (state[i] == V2F__IMG_READ && v2f__finite(x[i])) {
            s += x[i];
            sa += fabs((double)x[i]);
            if (x[i] < lo) lo = x[i];
            if (x[i] > hi) hi = x[i];
            k++;
        }
    *mean = k ? (float)(s / (double)k) : 0.0f;
    *mn = k ? (float)lo : 0.0f;
    if (mx)
        *mx = k ? (float)hi : 0.0f;
    if (abs_mean)
        *abs_mean = k ? (float)(sa / (double)k) : 0.0f;
}

static v2f_status finish(v2f__report *r, walk *w)
{
    const size_t n = (size_t)r->s.images_expected, ids = r->l.num_ids;
    const int bins = r->o.histogram_bins;
    uint64_t *rows = NULL;
    float *compact = NULL;
    size_t i, m = 0;
    v2f_status st = V2F_OK;

    for (i = 0; i < ids; i++) {
        if (r->id_read[i])
            r->s.identities_measured++;
    }
    if (w->has_arc) {
        r->s.measured |= V2F_REPORT_CONSISTENCY;
        stats(r->cos_centre, r->state, n, &r->s.cos_mean_centre_mean,
              &r->s.cos_mean_centre_min, NULL, NULL);
        st = v2f__hist_fill(&r->h_cos_centre, bins, r->cos_centre, r->state,
                            n, 1, -1.0, 1.0);
        if (st == V2F_OK && w->inputs) {
            r->s.measured |= V2F_REPORT_INPUT;
            stats(r->cos_input, r->state, n, &r->s.cos_input_mean,
                  &r->s.cos_input_min, NULL, NULL);
            st = v2f__hist_fill(&r->h_cos_input, bins, r->cos_input,
                                r->state, n, 1, -1.0, 1.0);
        }
        rows = malloc((ids ? ids : 1) * sizeof *rows);
        compact = malloc((ids ? ids : 1) * DIM * sizeof *compact);
        if (st == V2F_OK && (!rows || !compact))
            st = v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        for (i = 0; st == V2F_OK && i < ids; i++)
            if (r->id_read[i]) {
                memcpy(compact + m * DIM, w->centres + i * DIM,
                       DIM * sizeof(float));
                rows[m++] = i;
            }
        if (st == V2F_OK)
            st = separability(r, &r->sep_centres, compact, m,
                              r->id_nn_centre, rows);
        if (st == V2F_OK && r->sep_centres.measured) {
            r->s.measured |= V2F_REPORT_SEPARABILITY;
            r->s.separability_n = r->sep_centres.rep.n;
            r->s.separated = r->sep_centres.rep.separated;
        }
    } else {
        snprintf(r->sep_centres.why, sizeof r->sep_centres.why, "%s",
                 r->why_features);
    }
    r->s.threshold = r->o.threshold;
    if (st == V2F_OK && w->inputs)
        st = separability(r, &r->sep_inputs, w->inputs, ids, r->id_nn_input,
                          NULL);
    else if (!w->inputs)
        snprintf(r->sep_inputs.why, sizeof r->sep_inputs.why, "%s",
                 r->why_input);
    if (st == V2F_OK && w->has_mag) {
        r->s.measured |= V2F_REPORT_QUALITY;
        stats(r->quality, r->state, n, &r->s.quality_mean,
              &r->s.quality_min, &r->s.quality_max, NULL);
        st = v2f__hist_fill(&r->h_quality, bins, r->quality, r->state, n, 0,
                            0, 0);
    }
    if (st == V2F_OK && w->has_pose) {
        r->s.measured |= V2F_REPORT_YAW;
        stats(r->yaw, r->state, n, &r->s.yaw_mean, &r->s.yaw_min,
              &r->s.yaw_max, &r->s.abs_yaw_mean);
        st = v2f__hist_fill(&r->h_yaw, bins, r->yaw, r->state, n, 0, 0, 0);
    }
    free(rows);
    free(compact);
    return st;
}

/* ---- files ---- */

static v2f_status write_text(const char *path, const v2f__report *r,
                             const unsigned char *png, size_t png_len,
                             int html)
{
    v2f__atomic_file af;
    v2f_status st = v2f__atomic_open(&af, path);
    if (st != V2F_OK)
        return st;
    if (html)
        v2f__report_html(r, png, png_len, af.fp);
    else
        v2f__report_json(r, af.fp);
    return v2f__atomic_commit(&af);
}

static v2f_status write_files(v2f__report *r)
{
    char *prefix = r->o.out_prefix ? v2f__strfmt("%s", r->o.out_prefix)
                                   : v2f__strfmt("%s/", r->dir);
    char *sheet = NULL, *json = NULL, *html = NULL, *png = NULL;
    size_t png_len = 0;
    v2f_status st;

    if (prefix) {
        sheet = v2f__strfmt("%scontact_sheet.png", prefix);
        json = v2f__strfmt("%sreport.json", prefix);
        html = v2f__strfmt("%sreport.html", prefix);
    }
    if (!sheet || !json || !html) {
        st = v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        goto done;
    }
    r->sheet_name = strrchr(sheet, '/') ? strrchr(sheet, '/') + 1 : sheet;
    st = v2f_image_write(sheet, r->sheet.rgb, r->sheet.width,
                         r->sheet.height, NULL);
    /* The page embeds the very bytes of the file it sits next to. */
    if (st == V2F_OK)
        st = v2f__read_file(sheet, &png, &png_len);
    if (st == V2F_OK)
        st = write_text(json, r, NULL, 0, 0);
    if (st == V2F_OK)
        st = write_text(html, r, (const unsigned char *)png, png_len, 1);
done:
    free(png);
    free(sheet);
    free(json);
    free(html);
    free(prefix);
    return st;
}

/* ---- the entry point ---- */

static float *nan_array(size_t n)
{
    float *a = malloc((n ? n : 1) * sizeof *a);
    size_t i;
    if (a)
        for (i = 0; i < n; i++)
            a[i] = NAN;
    return a;
}

static void part_missing(char *why, size_t size, const v2f_model *model,
                         const char *file)
{
    if (model)
        snprintf(why, size, "model lacks %s", file);
    else
        snprintf(why, size, "no model given (needs %s)", file);
}

static v2f_status alloc_all(v2f__report *r, walk *w)
{
    const size_t n = (size_t)r->s.images_expected, ids = r->l.num_ids;
    const size_t b = (size_t)r->o.batch_size;
    /* v2f__mul sets its flag afresh on each call: one flag per product. */
    int ok = r->l.per_id == 0 || r->l.num_ids <= SIZE_MAX / r->l.per_id;
    int ok1, ok2, ok3;
    v2f__mul(v2f__mul(ids, DIM, &ok1), 3 * sizeof(float), &ok1);
    v2f__mul(n, sizeof(float), &ok2);
    v2f__mul(b, V2F_IMAGE_BYTES, &ok3);
    if (!ok || !ok1 || !ok2 || !ok3)
        return v2f__fail(V2F_E_OVERFLOW, "%s: %llu identities is too many",
                         r->dir, (unsigned long long)r->l.num_ids);
    r->state = calloc(n ? n : 1, 1);
    r->cos_centre = nan_array(n);
    r->cos_input = nan_array(n);
    r->quality = nan_array(n);
    r->yaw = nan_array(n);
    r->id_read = calloc(ids ? ids : 1, sizeof *r->id_read);
    r->id_cc_mean = nan_array(ids);
    r->id_cc_min = nan_array(ids);
    r->id_ci_mean = nan_array(ids);
    r->id_ci_min = nan_array(ids);
    r->id_q_mean = nan_array(ids);
    r->id_yaw_mean = nan_array(ids);
    r->id_nn_centre = nan_array(ids);
    r->id_nn_input = nan_array(ids);
    w->rgb = malloc(b * V2F_IMAGE_BYTES);
    w->bk = malloc(b * sizeof *w->bk);
    w->bfeat = malloc(b * DIM * sizeof(float));
    w->bq = malloc(b * sizeof(float));
    w->bangles = malloc(b * 3 * sizeof(float));
    w->pcap = r->l.per_id + b;
    w->pf = malloc(w->pcap * DIM * sizeof(float));
    w->pk = malloc(w->pcap * sizeof *w->pk);
    w->centres = w->has_arc ? calloc(ids ? ids : 1, DIM * sizeof(float))
                            : malloc(1);
    if (!r->state || !r->cos_centre || !r->cos_input || !r->quality
        || !r->yaw || !r->id_read || !r->id_cc_mean || !r->id_cc_min
        || !r->id_ci_mean || !r->id_ci_min || !r->id_q_mean
        || !r->id_yaw_mean || !r->id_nn_centre || !r->id_nn_input || !w->rgb
        || !w->bk || !w->bfeat || !w->bq || !w->bangles || !w->pf || !w->pk
        || !w->centres)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory for the report of "
                         "%llu images", (unsigned long long)n);
    return V2F_OK;
}

static void free_all(v2f__report *r, walk *w)
{
    free(r->state);
    free(r->cos_centre);
    free(r->cos_input);
    free(r->quality);
    free(r->yaw);
    free(r->id_read);
    free(r->id_cc_mean);
    free(r->id_cc_min);
    free(r->id_ci_mean);
    free(r->id_ci_min);
    free(r->id_q_mean);
    free(r->id_yaw_mean);
    free(r->id_nn_centre);
    free(r->id_nn_input);
    v2f__hist_free(&r->sep_centres.nn_hist);
    v2f__hist_free(&r->sep_inputs.nn_hist);
    v2f__hist_free(&r->h_cos_centre);
    v2f__hist_free(&r->h_cos_input);
    v2f__hist_free(&r->h_quality);
    v2f__hist_free(&r->h_yaw);
    v2f__sheet_free(&r->sheet);
    free(w->rgb);
    free(w->bk);
    free(w->bfeat);
    free(w->bq);
    free(w->bangles);
    free(w->pf);
    free(w->pk);
    free(w->centres);
}

v2f_status v2f_dataset_report_write(const v2f_model *model, const char *dir,
                                    const v2f_dataset_report_opts *opts,
                                    v2f_dataset_summary *summary)
{
    v2f__report r;
    walk w;
    v2f_model_info info;
    v2f_array *inputs = NULL;
    char *dir_copy = NULL, *ids_path = NULL;
    size_t len;
    int32_t rows, cols;
    v2f_status st;

    memset(&r, 0, sizeof r);
    memset(&w, 0, sizeof w);
    v2f_dataset_report_opts_init(&r.o, sizeof r.o);
    st = v2f__copy_opts(&r.o, sizeof r.o, opts, "v2f_dataset_report_opts");
    if (st != V2F_OK)
        return st;
    if (summary && summary->struct_size < sizeof(uint32_t))
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_report_write: set "
                         "summary->struct_size to sizeof *summary");
    if (!dir || !*dir)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_report_write: no "
                         "dataset folder");
    st = check_opts(&r.o);
    if (st != V2F_OK)
        return st;
    len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    dir_copy = malloc(len + 1);
    if (!dir_copy)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    memcpy(dir_copy, dir, len);
    dir_copy[len] = '\0';
    r.dir = dir_copy;
    st = v2f__ds_recipe_load(r.dir, &r.l);
    if (st != V2F_OK)
        goto done;
    r.s.struct_size = sizeof r.s;
    r.s.identities = r.l.num_ids;
    r.s.images_expected = r.l.num_ids * r.l.per_id;

    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    if (model && (st = v2f_model_info_get(model, &info)) != V2F_OK)
        goto done;
    w.r = &r;
    w.model = model;
    w.has_arc = (info.parts >> V2F_PART_ARCFACE) & 1u;
    w.has_mag = (info.parts >> V2F_PART_MAGFACE) & 1u;
    w.has_pose = (info.parts >> V2F_PART_HEADPOSE) & 1u;
    if (!w.has_arc)
        part_missing(r.why_features, sizeof r.why_features, model,
                     "arcface.pt");
    if (!w.has_mag)
        part_missing(r.why_quality, sizeof r.why_quality, model,
                     "magface.pt");
    if (!w.has_pose)
        part_missing(r.why_yaw, sizeof r.why_yaw, model, "headpose.pt");
    st = load_inputs(&r, &ids_path, &inputs);
    if (st != V2F_OK)
        goto done;
    r.identities_path = ids_path;
    w.inputs = inputs ? v2f_array_data(inputs) : NULL;
    if (w.has_arc && !w.inputs && !r.why_input[0])
        snprintf(r.why_input, sizeof r.why_input, "no identities file");
    if (!w.has_arc)
        snprintf(r.why_input, sizeof r.why_input, "%s", r.why_features);

    st = alloc_all(&r, &w);
    if (st != V2F_OK)
        goto done;
    rows = r.l.num_ids < (uint64_t)r.o.sheet_identities
               ? (int32_t)r.l.num_ids : r.o.sheet_identities;
    cols = r.l.per_id < (uint32_t)r.o.sheet_images ? (int32_t)r.l.per_id
                                                   : r.o.sheet_images;
    if (rows < 1)
        rows = 1;
    if ((int64_t)rows * r.o.sheet_tile > 16384
        || (int64_t)cols * r.o.sheet_tile > 16384) {
        st = v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_report_write: a "
                       "contact sheet of %d x %d tiles of %d px is over "
                       "16384 px a side", (int)cols, (int)rows,
                       (int)r.o.sheet_tile);
        goto done;
    }
    st = v2f__sheet_new(&r.sheet, rows, cols, r.o.sheet_tile);
    if (st == V2F_OK)
        st = v2f__report_read_dropped(&r);
    if (st == V2F_OK)
        st = walk_images(&w);
    if (st == V2F_OK)
        st = finish(&r, &w);
    r.s.sheet_width = r.sheet.width;
    r.s.sheet_height = r.sheet.height;
    if (st == V2F_OK)
        st = write_files(&r);
    if (st == V2F_OK && summary) {
        size_t keep = summary->struct_size < sizeof r.s
                          ? summary->struct_size : sizeof r.s;
        memcpy((char *)summary + sizeof(uint32_t),
               (const char *)&r.s + sizeof(uint32_t),
               keep - sizeof(uint32_t));
    }
done:
    free_all(&r, &w);
    v2f_array_free(inputs);
    free(ids_path);
    free(dir_copy);
    return st;
}
