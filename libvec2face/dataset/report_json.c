/* report.json: every number of a dataset report. Floats are printed with
 * 9 significant digits (they read back as the same float32); values that
 * were not measured are null; a section that was not measured is
 * {"measured": false, "reason": "..."}. */
#include <stdio.h>
#include <string.h>

#include "report.h"

static void jstr(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(fp, "\\%c", c);
        else if (c < 0x20)
            fprintf(fp, "\\u%04x", c);
        else
            fputc(c, fp);
    }
    fputc('"', fp);
}

static void jnum(FILE *fp, float f)
{
    if (v2f__finite(f))
        fprintf(fp, "%.9g", (double)f);
    else
        fputs("null", fp);
}

static void jhist(FILE *fp, const v2f__hist *h)
{
    int32_t b;
    fprintf(fp, "{\"lo\": %.17g, \"hi\": %.17g, \"bins\": %d, \"counts\": [",
            h->lo, h->hi, (int)h->bins);
    for (b = 0; b < h->bins; b++)
        fprintf(fp, "%s%llu", b ? ", " : "", (unsigned long long)h->count[b]);
    fputs("]}", fp);
}

static void not_measured(FILE *fp, const char *why)
{
    fputs("{\"measured\": false, \"reason\": ", fp);
    jstr(fp, why);
    fputc('}', fp);
}

static void jsep(FILE *fp, const v2f__sep *s, float threshold)
{
    if (!s->measured) {
        not_measured(fp, s->why);
        return;
    }
    fprintf(fp, "{\"measured\": true, \"threshold\": ");
    jnum(fp, threshold);
    fprintf(fp, ", \"n\": %llu, \"separated\": %llu, \"fraction\": ",
            (unsigned long long)s->rep.n,
            (unsigned long long)s->rep.separated);
    fprintf(fp, "%.9g", (double)s->rep.separated / (double)s->rep.n);
    fputs(", \"nn_min\": ", fp);
    jnum(fp, s->rep.nn_min);
    fputs(", \"nn_mean\": ", fp);
    jnum(fp, s->rep.nn_mean);
    fputs(", \"nn_max\": ", fp);
    jnum(fp, s->rep.nn_max);
    fputs(", \"nn_histogram\": ", fp);
    jhist(fp, &s->nn_hist);
    fputc('}', fp);
}

static void jcos(FILE *fp, const char *centre, float mean, float min,
                 const v2f__hist *h)
{
    fprintf(fp, "{\"measured\": true, \"centre\": \"%s\", \"mean\": ",
            centre);
    jnum(fp, mean);
    fputs(", \"min\": ", fp);
    jnum(fp, min);
    fputs(", \"histogram\": ", fp);
    jhist(fp, h);
    fputc('}', fp);
}

static void jidentity(FILE *fp, const v2f__report *r, size_t i)
{
    uint32_t j, n[4] = {0, 0, 0, 0};
    for (j = 0; j < r->l.per_id; j++)
        n[r->state[i * r->l.per_id + j]]++;
    fprintf(fp, "    {\"identity\": %zu, \"images\": %u, \"missing\": %u, "
            "\"unreadable\": %u, \"dropped\": %u", i, n[V2F__IMG_READ],
            n[V2F__IMG_MISSING], n[V2F__IMG_UNREADABLE], n[V2F__IMG_DROPPED]);
    fputs(", \"cos_mean_centre_mean\": ", fp);
    jnum(fp, r->id_cc_mean[i]);
    fputs(", \"cos_mean_centre_min\": ", fp);
    jnum(fp, r->id_cc_min[i]);
    fputs(", \"cos_input_mean\": ", fp);
    jnum(fp, r->id_ci_mean[i]);
    fputs(", \"cos_input_min\": ", fp);
    jnum(fp, r->id_ci_min[i]);
    fputs(", \"nn_mean_centre\": ", fp);
    jnum(fp, r->id_nn_centre[i]);
    fputs(", \"nn_input\": ", fp);
    jnum(fp, r->id_nn_input[i]);
    fputs(", \"quality_mean\": ", fp);
    jnum(fp, r->id_q_mean[i]);
    fputs(", \"yaw_mean\": ", fp);
    jnum(fp, r->id_yaw_mean[i]);
    fputc('}', fp);
}

static void jimages(FILE *fp, const v2f__report *r)
{
    static const char *const state[] = {"missing", "read", "unreadable",
                                        "dropped"};
    const char *ext = v2f__ds_ext(r->l.format);
    size_t i, n = (size_t)r->s.images_expected;
    fputs(",\n  \"images\": [\n", fp);
    for (i = 0; i < n; i++) {
        fprintf(fp, "    {\"identity\": %zu, \"image\": %zu, \"file\": "
                "\"%06zu/%03zu.%s\", \"state\": \"%s\", \"cos_mean_centre\": ",
                i / r->l.per_id, i % r->l.per_id, i / r->l.per_id,
                i % r->l.per_id, ext, state[r->state[i]]);
        jnum(fp, r->cos_centre[i]);
        fputs(", \"cos_input\": ", fp);
        jnum(fp, r->cos_input[i]);
        fputs(", \"quality\": ", fp);
        jnum(fp, r->quality[i]);
        fputs(", \"yaw\": ", fp);
        jnum(fp, r->yaw[i]);
        fputs(i + 1 < n ? "},\n" : "}\n", fp);
    }
    fputs("  ]", fp);
}

void v2f__report_json(const v2f__report *r, FILE *fp)
{
    const v2f_dataset_summary *s = &r->s;
    size_t i;

    fprintf(fp, "{\n  \"format\": \"vec2face-dataset-report\",\n"
            "  \"format_version\": 1,\n  \"library\": \"%s\",\n",
            v2f_version());
    fputs("  \"dataset\": ", fp);
    jstr(fp, r->dir);
    fputs(",\n  \"identities_file\": ", fp);
    if (r->identities_path)
        jstr(fp, r->identities_path);
    else
        fputs("null", fp);
    fprintf(fp, ",\n  \"image_format\": \"%s\",\n  \"images_per_identity\": "
            "%u,\n", v2f__ds_ext(r->l.format), r->l.per_id);
    fprintf(fp, "  \"counts\": {\"identities\": %llu, \"identities_measured\":"
            " %llu, \"identities_complete\": %llu, \"images_expected\": %llu,"
            " \"images_read\": %llu, \"images_missing\": %llu, "
            "\"images_unreadable\": %llu, \"images_dropped\": %llu},\n",
            (unsigned long long)s->identities,
            (unsigned long long)s->identities_measured,
            (unsigned long long)s->identities_complete,
            (unsigned long long)s->images_expected,
            (unsigned long long)s->images_read,
            (unsigned long long)s->images_missing,
            (unsigned long long)s->images_unreadable,
            (unsigned long long)s->images_dropped);
    fputs("  \"centres\": {\"input\": \"the identity's vector in the "
          "identities file (what was asked for)\", \"mean\": \"the plain "
          "mean of the ArcFace features of the identity's images that were "
          "read (what was produced)\"},\n", fp);

    fputs("  \"consistency\": {\"mean_centre\": ", fp);
    if (s->measured & V2F_REPORT_CONSISTENCY)
        jcos(fp, "mean", s->cos_mean_centre_mean, s->cos_mean_centre_min,
             &r->h_cos_centre);
    else
        not_measured(fp, r->why_features);
    fputs(",\n                  \"input_centre\": ", fp);
    if (s->measured & V2F_REPORT_INPUT)
        jcos(fp, "input", s->cos_input_mean, s->cos_input_min,
             &r->h_cos_input);
    else
        not_measured(fp, r->why_input);
    fputs("},\n", fp);

    fputs("  \"separability\": {\"mean_centres\": ", fp);
    jsep(fp, &r->sep_centres, r->o.threshold);
    fputs(",\n                   \"input_vectors\": ", fp);
    jsep(fp, &r->sep_inputs, r->o.threshold);
    fputs("},\n", fp);

    fputs("  \"quality\": ", fp);
    if (s->measured & V2F_REPORT_QUALITY) {
        fputs("{\"measured\": true, \"mean\": ", fp);
        jnum(fp, s->quality_mean);
        fputs(", \"min\": ", fp);
        jnum(fp, s->quality_min);
        fputs(", \"max\": ", fp);
        jnum(fp, s->quality_max);
        fputs(", \"histogram\": ", fp);
        jhist(fp, &r->h_quality);
        fputc('}', fp);
    } else {
        not_measured(fp, r->why_quality);
    }
    fputs(",\n  \"yaw\": ", fp);
    if (s->measured & V2F_REPORT_YAW) {
        fputs("{\"measured\": true, \"mean\": ", fp);
        jnum(fp, s->yaw_mean);
        fputs(", \"min\": ", fp);
        jnum(fp, s->yaw_min);
        fputs(", \"max\": ", fp);
        jnum(fp, s->yaw_max);
        fputs(", \"abs_mean\": ", fp);
        jnum(fp, s->abs_yaw_mean);
        fputs(", \"histogram\": ", fp);
        jhist(fp, &r->h_yaw);
        fputc('}', fp);
    } else {
        not_measured(fp, r->why_yaw);
    }
    fputs(",\n  \"contact_sheet\": {\"file\": ", fp);
    jstr(fp, r->sheet_name);
    fprintf(fp, ", \"width\": %d, \"height\": %d, \"tile\": %d, \"rows\": %d, "
            "\"columns\": %d},\n", (int)r->sheet.width, (int)r->sheet.height,
            (int)r->sheet.tile, (int)r->sheet.rows, (int)r->sheet.cols);

    fputs("  \"identities\": [\n", fp);
    for (i = 0; i < r->l.num_ids; i++) {
        jidentity(fp, r, i);
        fputs(i + 1 < r->l.num_ids ? ",\n" : "\n", fp);
    }
    fputs("  ]", fp);
    if (r->o.per_image)
        jimages(fp, r);
    fputs("\n}\n", fp);
}
