/* The report after the walk: separability of the centres, the dataset
 * statistics and histograms. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"

#define DIM V2F_VECTOR_DIM

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

v2f_status v2f__report_finish(v2f__report *r, walk *w)
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
