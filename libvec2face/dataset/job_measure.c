/* Measurement and the identity-consistency filter of a dataset job: the
 * generated images measured (ArcFace similarity to their identity,
 * quality, yaw), and the rejected ones regenerated with the next attempt
 * until each is kept or dropped. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <string.h>

#include "job.h"

/* Measure the pending entries (in one batch across sources). */
static v2f_status measure_pending(run *ru, size_t count)
{
    v2f_dataset_job *job = ru->job;
    const float *all = v2f_array_data(job->ids);
    size_t c, m = 0, i;
    v2f_status st = V2F_OK;
    for (c = 0; c < count; c++) {
        if (ru->state[c] != PENDING)
            continue;
        ru->g[m] = c;
        memcpy(ru->g_rgb + m * V2F_IMAGE_BYTES, ru->rgb + c * V2F_IMAGE_BYTES,
               V2F_IMAGE_BYTES);
        m++;
    }
    if (m == 0)
        return V2F_OK;
    if (job->r.measure & V2F_DATASET_MEASURE_SIMILARITY)
        st = v2f_extract_features(job->model, V2F_PART_ARCFACE, ru->g_rgb, m,
                                  ru->feat);
    if (st == V2F_OK && (job->r.measure & V2F_DATASET_MEASURE_QUALITY))
        st = v2f_estimate_quality(job->model, ru->g_rgb, m, ru->g_qual);
    if (st == V2F_OK && (job->r.measure & V2F_DATASET_MEASURE_YAW))
        st = v2f_estimate_pose(job->model, ru->g_rgb, m, ru->angles);
    if (st != V2F_OK)
        return st;
    for (i = 0; i < m; i++) {
        c = ru->g[i];
        if (job->r.measure & V2F_DATASET_MEASURE_SIMILARITY)
            ru->sim[c] = (float)v2f__ds_cosine(ru->feat + i * V2F_VECTOR_DIM,
                                all + ru->id_idx[c] * V2F_VECTOR_DIM);
        if (job->r.measure & V2F_DATASET_MEASURE_QUALITY)
            ru->qual[c] = ru->g_qual[i];
        if (job->r.measure & V2F_DATASET_MEASURE_YAW)
            ru->yaw[c] = ru->angles[i * 3 + 1];
    }
    job->stats.images_measured += m;
    return V2F_OK;
}

/* Make the batch's entries: generate, measure, filter, and regenerate the
 * rejected ones with the next attempt until each is kept or dropped. */
v2f_status v2f__job_make_batch(run *ru, size_t count)
{
    v2f_dataset_job *job = ru->job;
    size_t c, pending = count;
    v2f_status st;
    for (c = 0; c < count; c++) {
        ru->attempt[c] = 0;
        ru->state[c] = PENDING;
        ru->sim[c] = ru->qual[c] = ru->yaw[c] = NAN;
    }
    while (pending > 0) {
        st = v2f__job_make_pending(ru, count);
        if (st == V2F_OK)
            st = writer_check(ru);
        if (st == V2F_OK && measures(job))
            st = measure_pending(ru, count);
        if (st != V2F_OK)
            return st;
        pending = 0;
        for (c = 0; c < count; c++) {
            if (ru->state[c] != PENDING)
                continue;
            if (job->r.filter == V2F_DATASET_FILTER_NONE
                || ru->sim[c] >= job->r.filter_threshold) {
                ru->state[c] = KEPT;
                if (ru->attempt[c] > 0)
                    job->stats.filter_regenerated++;
                continue;
            }
            job->stats.filter_rejected++;
            if (ru->attempt[c] + 1 < (uint32_t)job->r.filter_max_attempts) {
                ru->attempt[c]++;
                pending++;
            } else {
                ru->state[c] = DROPPED;
            }
        }
    }
    return V2F_OK;
}
