/* report.html: one self-contained page (inline CSS, inline SVG
 * histograms, the contact sheet as a base64 data URI; no script, no
 * external reference), readable offline and safe to mail around. */
#include <stdio.h>
#include <string.h>

#include "report.h"

#define MAX_TABLE_ROWS 1000   /* the JSON has them all */

static void esc(FILE *fp, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '&': fputs("&amp;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default: fputc(*s, fp);
        }
    }
}

static void num(FILE *fp, float f, int digits)
{
    if (v2f__finite(f))
        fprintf(fp, "%.*f", digits, (double)f);
    else
        fputs("&ndash;", fp);
}

static void base64(FILE *fp, const unsigned char *p, size_t n)
{
    static const char t[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;
    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        fputc(t[v >> 18], fp);
        fputc(t[(v >> 12) & 63], fp);
        fputc(t[(v >> 6) & 63], fp);
        fputc(t[v & 63], fp);
    }
    if (n - i == 1) {
        unsigned v = (unsigned)p[i] << 16;
        fprintf(fp, "%c%c==", t[v >> 18], t[(v >> 12) & 63]);
    } else if (n - i == 2) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        fprintf(fp, "%c%c%c=", t[v >> 18], t[(v >> 12) & 63],
                t[(v >> 6) & 63]);
    }
}

/* A bar chart of h, 400 x 180 user units, with its range and peak. */
static void svg_hist(FILE *fp, const char *title, const v2f__hist *h)
{
    const double W = 400, H = 180, L = 40, B = 24, T = 20;
    uint64_t peak = 1;
    int32_t b;
    for (b = 0; b < h->bins; b++)
        if (h->count[b] > peak)
            peak = h->count[b];
    fprintf(fp, "<figure><svg "
            "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
            "role=\"img\"><title>", W, H, W, H);
    esc(fp, title);
    fputs("</title>", fp);
    fprintf(fp, "<text x=\"%.0f\" y=\"14\" class=\"t\">", L);
    esc(fp, title);
    fputs("</text>", fp);
    fprintf(fp, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" "
            "class=\"ax\"/>", L, H - B, W - 4, H - B);
    for (b = 0; b < h->bins; b++) {
        double bw = (W - 4 - L) / h->bins;
        double bh = (H - B - T) * (double)h->count[b] / (double)peak;
        double lo = h->lo + (h->hi - h->lo) * b / h->bins;
        double hi = h->lo + (h->hi - h->lo) * (b + 1) / h->bins;
        fprintf(fp, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                "height=\"%.2f\"><title>[%.4g, %.4g): %llu</title></rect>",
                L + b * bw + 0.5, H - B - bh, bw - 1 > 0.5 ? bw - 1 : 0.5,
                bh, lo, hi, (unsigned long long)h->count[b]);
    }
    fprintf(fp, "<text x=\"%.0f\" y=\"%.0f\">%.4g</text>", L, H - 6, h->lo);
    fprintf(fp, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.4g"
            "</text>", W - 4, H - 6, h->hi);
    fprintf(fp, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%llu"
            "</text>", L - 4, T + 8, (unsigned long long)peak);
    fputs("</svg></figure>\n", fp);
}

static void not_measured(FILE *fp, const char *what, const char *why)
{
    fputs("<p class=\"nm\">", fp);
    esc(fp, what);
    fputs(": not measured (", fp);
    esc(fp, why);
    fputs(")</p>\n", fp);
}

static void row(FILE *fp, const char *k, const char *fmt, double v)
{
    fprintf(fp, "<tr><th>%s</th><td>", k);
    fprintf(fp, fmt, v);
    fputs("</td></tr>\n", fp);
}

static void sep_section(FILE *fp, const char *what, const v2f__sep *s,
                        float threshold)
{
    char title[160];
    if (!s->measured) {
        not_measured(fp, what, s->why);
        return;
    }
    fprintf(fp, "<p>");
    esc(fp, what);
    fprintf(fp, ": <b>%llu of %llu</b> (%.2f%%) have no other identity above "
            "cosine %.2f; nearest-neighbour cosine min %.4f, mean %.4f, max "
            "%.4f.</p>\n", (unsigned long long)s->rep.separated,
            (unsigned long long)s->rep.n,
            100.0 * (double)s->rep.separated / (double)s->rep.n,
            (double)threshold, (double)s->rep.nn_min,
            (double)s->rep.nn_mean, (double)s->rep.nn_max);
    snprintf(title, sizeof title, "nearest-neighbour cosine, %s", what);
    svg_hist(fp, title, &s->nn_hist);
}

void v2f__report_html(const v2f__report *r, const unsigned char *png,
                      size_t png_len, FILE *fp)
{
    const v2f_dataset_summary *s = &r->s;
    size_t i, shown;

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<title>vec2face dataset report</title>\n<style>"
          "body{font:14px sans-serif;margin:2em;max-width:70em}"
          "table{border-collapse:collapse}td,th{padding:2px 8px;"
          "text-align:right;border-bottom:1px solid #ddd}"
          "th{text-align:left}figure{display:inline-block;margin:.5em}"
          "rect{fill:#4a78b0}.ax{stroke:#333}.t{font-weight:bold}"
          "svg text{font:11px sans-serif}.nm{color:#a33}"
          "img{image-rendering:pixelated;max-width:100%}"
          "</style></head><body>\n<h1>Dataset report</h1>\n<p>", fp);
    esc(fp, r->dir);
    fprintf(fp, " &mdash; libvec2face %s</p>\n<h2>Counts</h2>\n<table>\n",
            v2f_version());
    row(fp, "identities", "%.0f", (double)s->identities);
    row(fp, "identities with images", "%.0f", (double)s->identities_measured);
    row(fp, "identities complete", "%.0f", (double)s->identities_complete);
    row(fp, "images expected", "%.0f", (double)s->images_expected);
    row(fp, "images read", "%.0f", (double)s->images_read);
    row(fp, "images missing", "%.0f", (double)s->images_missing);
    row(fp, "images unreadable", "%.0f", (double)s->images_unreadable);
    row(fp, "images dropped by the filter", "%.0f",
        (double)s->images_dropped);
    fputs("</table>\n", fp);

    fputs("<h2>Identity consistency</h2>\n<p>Cosine of each image's ArcFace "
          "feature to two centres: the <i>input centre</i> (the identity's "
          "vector in the identities file: what was asked for) and the "
          "<i>mean centre</i> (the mean feature of its images: what was "
          "produced).</p>\n", fp);
    if (s->measured & V2F_REPORT_CONSISTENCY) {
        fprintf(fp, "<p>To the mean centre: mean %.4f, min %.4f.</p>\n",
                (double)s->cos_mean_centre_mean,
                (double)s->cos_mean_centre_min);
        svg_hist(fp, "cosine to the mean centre", &r->h_cos_centre);
    } else {
        not_measured(fp, "consistency", r->why_features);
    }
    if (s->measured & V2F_REPORT_INPUT) {
        fprintf(fp, "<p>To the input centre: mean %.4f, min %.4f.</p>\n",
                (double)s->cos_input_mean, (double)s->cos_input_min);
        svg_hist(fp, "cosine to the input centre", &r->h_cos_input);
    } else {
        not_measured(fp, "consistency to the input vectors", r->why_input);
    }

    fputs("<h2>Separability</h2>\n", fp);
    sep_section(fp, "mean centres", &r->sep_centres, r->o.threshold);
    sep_section(fp, "input vectors", &r->sep_inputs, r->o.threshold);

    fputs("<h2>Quality (MagFace norm)</h2>\n", fp);
    if (s->measured & V2F_REPORT_QUALITY) {
        fprintf(fp, "<p>mean %.3f, min %.3f, max %.3f</p>\n",
                (double)s->quality_mean, (double)s->quality_min,
                (double)s->quality_max);
        svg_hist(fp, "quality", &r->h_quality);
    } else {
        not_measured(fp, "quality", r->why_quality);
    }
    fputs("<h2>Yaw (degrees)</h2>\n", fp);
    if (s->measured & V2F_REPORT_YAW) {
        fprintf(fp, "<p>mean %.2f, |yaw| mean %.2f, min %.2f, max %.2f</p>\n",
                (double)s->yaw_mean, (double)s->abs_yaw_mean,
                (double)s->yaw_min, (double)s->yaw_max);
        svg_hist(fp, "yaw", &r->h_yaw);
    } else {
        not_measured(fp, "yaw", r->why_yaw);
    }

    fprintf(fp, "<h2>Contact sheet</h2>\n<p>A row per identity (the first "
            "%d), its first %d images; grey: missing.</p>\n"
            "<img alt=\"contact sheet\" width=\"%d\" height=\"%d\" "
            "src=\"data:image/png;base64,", (int)r->sheet.rows,
            (int)r->sheet.cols, (int)r->sheet.width, (int)r->sheet.height);
    base64(fp, png, png_len);
    fputs("\">\n", fp);

    shown = r->l.num_ids < MAX_TABLE_ROWS ? (size_t)r->l.num_ids
                                          : MAX_TABLE_ROWS;
    fprintf(fp, "<h2>Identities</h2>\n<p>%zu of %llu shown (all are in "
            "report.json).</p>\n<table>\n<tr><th>identity</th><th>images"
            "</th><th>cos mean centre: mean</th><th>min</th><th>cos input: "
            "mean</th><th>min</th><th>NN cos</th><th>quality</th>"
            "<th>yaw</th></tr>\n", shown, (unsigned long long)r->l.num_ids);
    for (i = 0; i < shown; i++) {
        fprintf(fp, "<tr><td>%06zu</td><td>%u/%u</td><td>", i, r->id_read[i],
                r->l.per_id);
        num(fp, r->id_cc_mean[i], 4);
        fputs("</td><td>", fp);
        num(fp, r->id_cc_min[i], 4);
        fputs("</td><td>", fp);
        num(fp, r->id_ci_mean[i], 4);
        fputs("</td><td>", fp);
        num(fp, r->id_ci_min[i], 4);
        fputs("</td><td>", fp);
        num(fp, r->id_nn_centre[i], 4);
        fputs("</td><td>", fp);
        num(fp, r->id_q_mean[i], 3);
        fputs("</td><td>", fp);
        num(fp, r->id_yaw_mean[i], 2);
        fputs("</td></tr>\n", fp);
    }
    fputs("</table>\n</body></html>\n", fp);
}
