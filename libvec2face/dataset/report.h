/* Internal: the measurements of v2f_dataset_report_write, shared by the
 * walk (report.c), the writers (report_json.c, report_html.c) and the
 * contact sheet (report_sheet.c). */
#ifndef V2F_DATASET_REPORT_H
#define V2F_DATASET_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dataset.h"

/* Image states. */
enum {
    V2F__IMG_MISSING = 0,
    V2F__IMG_READ = 1,
    V2F__IMG_UNREADABLE = 2,
    V2F__IMG_DROPPED = 3    /* no file, a manifest row says "dropped" */
};

/* An equal-width histogram over [lo, hi] (see vec2face.h for the rule). */
typedef struct v2f__hist {
    double lo, hi;
    int32_t bins;
    uint64_t *count;        /* [bins] */
} v2f__hist;

/* A separability result over one set of vectors. */
typedef struct v2f__sep {
    int measured;
    char why[1024];         /* reason when not measured */
    v2f_separability_report rep;
    v2f__hist nn_hist;
} v2f__sep;

typedef struct v2f__sheet {
    uint8_t *rgb;           /* width x height x 3 */
    int32_t width, height, tile, rows, cols;
} v2f__sheet;

typedef struct v2f__report {
    const char *dir;                /* without trailing '/' */
    const char *identities_path;    /* as used, or NULL */
    v2f__ds_layout l;
    v2f_dataset_report_opts o;
    v2f_dataset_summary s;
    /* Why a section was not measured ("" when it was). */
    char why_features[1024], why_input[1024], why_quality[1024],
        why_yaw[1024];

    /* Per image [num_ids * per_id], index identity * per_id + image. */
    uint8_t *state;
    float *cos_centre, *cos_input, *quality, *yaw;

    /* Per identity [num_ids]. */
    uint32_t *id_read;
    float *id_cc_mean, *id_cc_min, *id_ci_mean, *id_ci_min;
    float *id_q_mean, *id_yaw_mean;
    float *id_nn_centre;            /* NaN for identities without images */
    float *id_nn_input;

    v2f__sep sep_centres, sep_inputs;
    v2f__hist h_cos_centre, h_cos_input, h_quality, h_yaw;
    v2f__sheet sheet;
    const char *sheet_name;         /* file name of the sheet (no folder) */
} v2f__report;

/* 1 when f is finite. */
int v2f__finite(float f);

/* Fill h from the n finite values x[i] where keep[i] is READ (keep may be
 * NULL: all); lo/hi fixed when fixed is 1, else from the data. */
v2f_status v2f__hist_fill(v2f__hist *h, int32_t bins, const float *x,
                          const uint8_t *keep, size_t n, int fixed,
                          double lo, double hi);
void v2f__hist_free(v2f__hist *h);

/* report_sheet.c */
v2f_status v2f__sheet_new(v2f__sheet *s, int32_t rows, int32_t cols,
                          int32_t tile);
/* Paste image (row, col) reduced to the tile; ignored outside the sheet. */
void v2f__sheet_put(v2f__sheet *s, uint64_t row, uint32_t col,
                    const uint8_t *rgb);
void v2f__sheet_free(v2f__sheet *s);

/* report_dropped.c: mark the images whose manifest row says "dropped"
 * (before the walk; r->state must be allocated). */
v2f_status v2f__report_read_dropped(v2f__report *r);

/* The state of the walk (report_walk.c), allocated by report.c. */
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

/* report_inputs.c: the input vectors into *out (and their path), or
 * r->why_input says why not (not an error: the rest of the report does
 * not need them). */
v2f_status v2f__report_load_inputs(v2f__report *r, char **path_out,
                                   v2f_array **out);

/* report_walk.c: read and measure every image, reducing per identity. */
v2f_status v2f__report_walk(walk *w);

/* report_stats.c: separability, statistics and histograms after the
 * walk. */
v2f_status v2f__report_finish(v2f__report *r, walk *w);

/* report_json.c: the whole report as JSON on fp. */
void v2f__report_json(const v2f__report *r, FILE *fp);

/* report_html.c: the page on fp; png/png_len: the contact sheet file. */
void v2f__report_html(const v2f__report *r, const unsigned char *png,
                      size_t png_len, FILE *fp);

#endif
