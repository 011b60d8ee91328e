/* v2f_dataset_job_run: the shard lock, the resume scan, then batches
 * selected, made here and written by the writer thread (one batch in
 * flight), with progress and cancel between batches. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

/* Make b the batch the generator fills. */
static void use_batch(run *ru, v2f__ds_batch *b)
{
    ru->cur = b;
    ru->slot = b->slot;
    ru->id_idx = b->id_idx;
    ru->im_idx = b->im_idx;
    ru->attempt = b->attempt;
    ru->state = b->state;
    ru->eps = b->eps;
    ru->sim = b->sim;
    ru->qual = b->qual;
    ru->yaw = b->yaw;
    ru->rgb = b->rgb;
}

/* Pick the next batch into ru->cur: up to batch_size missing images from
 * *k on, in (identity, image) order. Entries of the batch in flight lie
 * before *k, so their pending bookkeeping is never read here. */
static size_t select_batch(run *ru, size_t *k)
{
    v2f_dataset_job *job = ru->job;
    size_t n = job->stats.images_total, count = 0;
    for (; *k < n && count < (size_t)job->r.batch_size; (*k)++) {
        if (v2f__job_is_done(ru, *k))
            continue;
        ru->slot[count] = *k;
        ru->id_idx[count] = job->first + *k / job->per_id;
        ru->im_idx[count] = *k % job->per_id;
        ru->cur->add_row[count] = ru->have_row[*k] == ROW_NONE;
        count++;
    }
    ru->cur->count = count;
    return count;
}

/* Count what the writer did with batch b (its first b->handled entries
 * are in place or dropped); the number of images now done. */
static size_t apply_batch(run *ru, const v2f__ds_batch *b)
{
    v2f_dataset_job *job = ru->job;
    size_t c;
    for (c = 0; c < b->handled; c++) {
        int dropped = b->state[c] == DROPPED;
        if (dropped) {
            job->stats.images_dropped++;
        } else {
            ru->have_file[b->slot[c]] = 1;
            job->stats.images_written++;
        }
        if (--ru->left[b->id_idx[c] - job->first] == 0)
            job->stats.identities_done++;
        if (b->add_row[c])
            ru->have_row[b->slot[c]] = dropped ? ROW_DROPPED : ROW_OK;
    }
    return b->handled;
}

static int alloc_batch(v2f__ds_batch *b, size_t B)
{
    memset(b, 0, sizeof *b);
    b->slot = malloc(B * sizeof *b->slot);
    b->id_idx = malloc(B * sizeof *b->id_idx);
    b->im_idx = malloc(B * sizeof *b->im_idx);
    b->attempt = malloc(B * sizeof *b->attempt);
    b->state = malloc(B);
    b->add_row = malloc(B);
    b->eps = malloc(B * sizeof(float));
    b->sim = malloc(B * sizeof(float));
    b->qual = malloc(B * sizeof(float));
    b->yaw = malloc(B * sizeof(float));
    b->rgb = malloc(B * V2F_IMAGE_BYTES);
    return b->slot && b->id_idx && b->im_idx && b->attempt && b->state
           && b->add_row && b->eps && b->sim && b->qual && b->yaw && b->rgb;
}

static void free_batch(v2f__ds_batch *b)
{
    free(b->slot);
    free(b->id_idx);
    free(b->im_idx);
    free(b->attempt);
    free(b->state);
    free(b->add_row);
    free(b->eps);
    free(b->sim);
    free(b->qual);
    free(b->yaw);
    free(b->rgb);
}

static v2f_status alloc_run(run *ru, v2f_dataset_job *job)
{
    size_t B = (size_t)job->r.batch_size, n = job->stats.images_total;
    int ok0, ok1;
    v2f_status st;
    memset(ru, 0, sizeof *ru);
    ru->job = job;
    st = v2f__ds_writer_init(&ru->w, &job->r, job->manifest_path);
    if (st != V2F_OK)
        return st;
    ok0 = alloc_batch(&ru->batches[0], B);
    ok1 = alloc_batch(&ru->batches[1], B);
    use_batch(ru, &ru->batches[0]);
    ru->have_file = calloc(n ? n : 1, 1);
    ru->have_row = calloc(n ? n : 1, 1);
    ru->left = calloc(job->end - job->first + 1, sizeof *ru->left);
    ru->g = malloc(B * sizeof *ru->g);
    ru->g_id = malloc(B * sizeof *ru->g_id);
    ru->g_key = malloc(B * sizeof *ru->g_key);
    ru->vec_in = malloc(B * V2F_VECTOR_DIM * sizeof(float));
    ru->vec_out = malloc(B * V2F_VECTOR_DIM * sizeof(float));
    ru->g_eps = malloc(B * sizeof(float));
    ru->feat = malloc(B * V2F_VECTOR_DIM * sizeof(float));
    ru->angles = malloc(B * 3 * sizeof(float));
    ru->g_qual = malloc(B * sizeof(float));
    ru->g_rgb = malloc(B * V2F_IMAGE_BYTES);
    ru->landmarks = malloc(B * V2F_IMAGE_BYTES);
    if (!ok0 || !ok1 || !ru->have_file || !ru->have_row || !ru->left
        || !ru->g || !ru->g_id || !ru->g_key || !ru->vec_in
        || !ru->vec_out || !ru->g_eps || !ru->feat || !ru->angles
        || !ru->g_qual || !ru->g_rgb || !ru->landmarks)
        return v2f__fail(V2F_E_NO_MEMORY, "dataset: out of memory for a "
                         "batch of %zu images", B);
    return V2F_OK;
}

static void free_run(run *ru)
{
    v2f__ds_writer_free(&ru->w);   /* joins a writer still in flight */
    free_batch(&ru->batches[0]);
    free_batch(&ru->batches[1]);
    free(ru->have_file);
    free(ru->have_row);
    free(ru->left);
    free(ru->g);
    free(ru->g_id);
    free(ru->g_key);
    free(ru->vec_in);
    free(ru->vec_out);
    free(ru->g_eps);
    free(ru->feat);
    free(ru->angles);
    free(ru->g_qual);
    free(ru->g_rgb);
    free(ru->landmarks);
}

static v2f_status cancelled(const v2f_dataset_job *job, uint64_t done)
{
    return v2f__fail(V2F_E_CANCELLED, "dataset: cancelled after %llu of %llu"
                     " images of shard %u/%u; run again with the same recipe "
                     "to resume", (unsigned long long)done,
                     (unsigned long long)job->stats.images_total,
                     job->shard_index, job->shard_count);
}

v2f_status v2f_dataset_job_run(v2f_dataset_job *job, v2f_progress_fn progress,
                               void *user)
{
    run ru;
    const v2f__ds_batch *prev = NULL;   /* the batch with the writer */
    size_t n, k;
    uint64_t id, done = 0;
    int stop = 0, lock_fd = -1;
    v2f_status st;

    if (!job)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_job_run: job is "
                         "NULL");
    job->stats.identities_skipped = 0;
    job->stats.identities_done = 0;
    job->stats.images_written = 0;
    job->stats.images_skipped = 0;
    job->stats.rows_added = 0;
    job->stats.images_measured = 0;
    job->stats.filter_rejected = 0;
    job->stats.filter_regenerated = 0;
    job->stats.images_dropped = 0;
    n = job->stats.images_total;
    /* The shard's lock first, before anything on disk is read: a second
     * process (or job) would otherwise make the same images and append
     * the same rows again. Held until the writer is joined below. */
    {
        char what[64 + 4096];
        snprintf(what, sizeof what, "shard %u/%u of '%s'", job->shard_index,
                 job->shard_count, job->r.out_dir);
        st = v2f__ds_lock_take(job->lock_path, what, job->r.wait_lock,
                               progress, user, &lock_fd);
        if (st != V2F_OK)
            return st;
    }
    st = alloc_run(&ru, job);
    if (st == V2F_OK)
        st = v2f__job_open_manifest(&ru);
    for (id = job->first; st == V2F_OK && id < job->end; id++) {
        st = v2f__job_scan_identity(&ru, id);
        if (st == V2F_OK && ru.left[id - job->first] == 0) {
            job->stats.identities_skipped++;
            job->stats.identities_done++;
        }
    }
    if (st == V2F_OK)
        st = v2f__job_add_missing_rows(&ru);
    if (st != V2F_OK)
        goto out;
    for (k = 0; k < n; k++)
        done += (uint64_t)v2f__job_is_done(&ru, k);
    job->stats.images_skipped = done;
    if (progress && progress(user, done, n)) {
        st = cancelled(job, done);
        goto out;
    }
    /* Batch k is generated while the writer writes batch k-1; then the
     * writer is waited for, batch k-1 counted and reported, and batch k
     * handed over. A cancel writes the batch already generated. */
    k = 0;
    for (;;) {
        size_t count = stop ? 0 : select_batch(&ru, &k);
        v2f_status wst;
        if (count > 0)
            st = v2f__job_make_batch(&ru, count);
        wst = v2f__ds_writer_wait(&ru.w);
        if (prev)
            done += apply_batch(&ru, prev);
        if (wst != V2F_OK)
            st = wst;   /* the earlier batch's failure, with its message */
        if (st != V2F_OK)
            goto out;
        if (prev && !stop && progress && progress(user, done, n))
            stop = 1;
        prev = NULL;
        if (count == 0)
            break;
        v2f__ds_writer_start(&ru.w, ru.cur);
        prev = ru.cur;
        use_batch(&ru, ru.cur == &ru.batches[0] ? &ru.batches[1]
                                                : &ru.batches[0]);
    }
    if (stop && done < n)
        st = cancelled(job, done);
out:
    free_run(&ru);   /* joins the writer: nothing is written after this */
    v2f__ds_lock_release(lock_fd);
    return st;
}
