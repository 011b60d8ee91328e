/* v2f_dataset_report_write: options, allocation, then the inputs
 * (report_inputs.c), the walk that measures every image in identity,
 * image order (report_walk.c), separability and histograms
 * (report_stats.c); the files are written here through report_json.c,
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

/* ---- options ---- */

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
    st = v2f__report_load_inputs(&r, &ids_path, &inputs);
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
        st = v2f__report_walk(&w);
    if (st == V2F_OK)
        st = v2f__report_finish(&r, &w);
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
