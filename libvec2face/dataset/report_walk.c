/* The report's walk: every image of the dataset read in identity, image
 * order and measured in batches (ArcFace features, MagFace quality,
 * yaw), each identity reduced as soon as its images are done. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"

#define DIM V2F_VECTOR_DIM

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
        double v = v2f__ds_cosine(f, c);
        r->cos_centre[w->pk[i]] = (float)v;
        sc += v;
        if (v < mc) mc = v;
        if (w->inputs) {
            v = v2f__ds_cosine(f, w->inputs + (size_t)id * DIM);
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

v2f_status v2f__report_walk(walk *w)
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
