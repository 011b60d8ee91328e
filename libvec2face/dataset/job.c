/* Dataset jobs: one shard of a recipe, generated in batches, resumable.
 *
 * Order of writes per batch: every image to a temporary name and renamed
 * (v2f_image_write), then the batch's manifest rows appended and fsync'ed.
 * So a row never names a file that was not complete, and after a crash a
 * restart only has to (a) drop a torn last manifest line, (b) remove
 * temporary files, (c) add rows for files that made it without their row,
 * (d) generate what is missing. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset.h"
#include "io/atomic_file.h"

struct v2f_dataset_job {
    const v2f_model *model;
    v2f__ds_recipe r;
    v2f_array *ids;
    uint64_t num_ids, first, end;
    uint32_t shard_index, shard_count, per_id;
    char *manifest_dir, *manifest_path;
    char *path;             /* scratch for image paths */
    size_t path_size;
    v2f_dataset_stats stats;
};

void v2f_dataset_job_free(v2f_dataset_job *job)
{
    if (!job)
        return;
    v2f__ds_recipe_free(&job->r);
    v2f_array_free(job->ids);
    free(job->manifest_dir);
    free(job->manifest_path);
    free(job->path);
    free(job);
}

static v2f_status check_parts(const v2f_model *model, const v2f__ds_recipe *r)
{
    v2f_model_info info;
    v2f_status st;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    st = v2f_model_info_get(model, &info);
    if (st != V2F_OK)
        return st;
    if (r->perturb_images > 0 && !(info.parts & (1u << V2F_PART_GENERATOR)))
        return v2f__fail(V2F_E_UNSUPPORTED, "dataset: perturbation images "
                         "need generator.pt, which the model lacks");
    if (r->pose_images > 0
        && (!(info.parts & (1u << V2F_PART_POSE_GENERATOR))
            || !(info.parts & (1u << V2F_PART_POSE_COND))))
        return v2f__fail(V2F_E_UNSUPPORTED, "dataset: pose images need "
                         "pose_generator.pt and pose_cond.pt, which the "
                         "model lacks");
    return V2F_OK;
}

/* K*num/N without overflow: K*(num/N) + K*(num%N)/N, and K*(num%N) <
 * N*N <= 2^64 since N < 2^32. */
static uint64_t shard_start(uint64_t num, uint64_t k, uint64_t n)
{
    return k * (num / n) + k * (num % n) / n;
}

v2f_status v2f_dataset_job_new(const v2f_model *model,
                               const v2f_dataset_recipe *recipe,
                               uint32_t shard_index, uint32_t shard_count,
                               v2f_dataset_job **out)
{
    v2f_dataset_job *job;
    uint64_t ids_hash;
    char *text = NULL;
    v2f_status st;

    if (out)
        *out = NULL;
    if (!model || !recipe || !out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_job_new: %s is NULL",
                         !model ? "model" : !recipe ? "recipe" : "out");
    if (shard_count < 1 || shard_index >= shard_count)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_job_new: shard %u "
                         "of %u; need 0 <= index < count", shard_index,
                         shard_count);
    job = calloc(1, sizeof *job);
    if (!job)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    job->model = model;
    job->shard_index = shard_index;
    job->shard_count = shard_count;
    st = v2f__ds_recipe_copy(&job->r, recipe);
    if (st == V2F_OK)
        st = check_parts(model, &job->r);
    if (st == V2F_OK)
        st = v2f_npy_read(job->r.identities, &job->ids);
    if (st == V2F_OK && v2f_array_cols(job->ids) != V2F_VECTOR_DIM)
        st = v2f__fail(V2F_E_FORMAT, "%s: identities have %zu values each; "
                       "need %d", job->r.identities,
                       v2f_array_cols(job->ids), V2F_VECTOR_DIM);
    if (st == V2F_OK)
        st = v2f__fnv1a_file(job->r.identities, &ids_hash);
    if (st != V2F_OK)
        goto fail;
    job->num_ids = v2f_array_rows(job->ids);
    job->per_id = (uint32_t)(job->r.perturb_images + job->r.pose_images);
    job->first = shard_start(job->num_ids, shard_index, shard_count);
    job->end = shard_start(job->num_ids, shard_index + 1, shard_count);
    job->path_size = strlen(job->r.out_dir) + 64;
    job->path = malloc(job->path_size);
    job->manifest_dir = v2f__strfmt("%s/manifest", job->r.out_dir);
    job->manifest_path = v2f__strfmt("%s/part-%u-of-%u.csv",
                                     job->manifest_dir ? job->manifest_dir
                                                       : "", shard_index,
                                     shard_count);
    if (!job->path || !job->manifest_dir || !job->manifest_path) {
        st = v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        goto fail;
    }
    st = v2f__ds_recipe_text(&job->r, job->num_ids, ids_hash, &text);
    if (st == V2F_OK)
        st = v2f__mkdirs(job->r.out_dir);
    if (st == V2F_OK)
        st = v2f__ds_recipe_sync(job->r.out_dir, text, job->r.identities);
    free(text);
    if (st != V2F_OK)
        goto fail;
    job->stats.struct_size = sizeof job->stats;
    job->stats.identity_first = job->first;
    job->stats.identity_end = job->end;
    job->stats.identities_total = job->end - job->first;
    job->stats.images_total = (job->end - job->first) * job->per_id;
    *out = job;
    return V2F_OK;
fail:
    v2f_dataset_job_free(job);
    return st;
}

v2f_status v2f_dataset_job_stats(const v2f_dataset_job *job,
                                 v2f_dataset_stats *stats)
{
    size_t n;
    if (!job || !stats)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_job_stats: %s is "
                         "NULL", !job ? "job" : "stats");
    if (stats->struct_size < sizeof(uint32_t))
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_job_stats: set "
                         "stats->struct_size to sizeof *stats");
    n = stats->struct_size < sizeof job->stats ? stats->struct_size
                                               : sizeof job->stats;
    memcpy((char *)stats + sizeof(uint32_t),
           (const char *)&job->stats + sizeof(uint32_t),
           n - sizeof(uint32_t));
    return V2F_OK;
}

/* ---- one run ---- */

typedef struct run {
    v2f_dataset_job *job;
    uint8_t *have_file;     /* [shard images] */
    uint8_t *have_row;
    uint32_t *left;         /* [shard identities]: images without a file */
    int fd;                 /* manifest part, O_APPEND */
    /* batch buffers, batch_size entries each */
    uint64_t *id_idx;
    uint64_t *im_idx;
    float *vec_in, *vec_out, *eps, *points;
    uint8_t *rgb, *landmarks;
    size_t *slot;           /* shard image index of each batch entry */
    size_t *order;          /* batch entries in slot order */
    char *rows;             /* text of the rows to append */
    size_t rows_len, rows_cap;
} run;

static const char *ext_of(const v2f_dataset_job *job)
{
    return v2f__ds_ext(job->r.format);
}

static v2f_status row_check(void *user, const v2f__ds_row *row)
{
    run *ru = user;
    v2f_dataset_job *job = ru->job;
    char want[64];
    size_t k;
    if (row->identity < job->first || row->identity >= job->end
        || row->image >= job->per_id)
        return v2f__fail(V2F_E_FORMAT, "%s line %zu: identity %llu image %u "
                         "is not part of this shard (identities [%llu, %llu),"
                         " %u images each)", job->manifest_path, row->line,
                         (unsigned long long)row->identity, row->image,
                         (unsigned long long)job->first,
                         (unsigned long long)job->end, job->per_id);
    snprintf(want, sizeof want, "%06llu/%03u.%s",
             (unsigned long long)row->identity, row->image, ext_of(job));
    if (strcmp(want, row->file) != 0)
        return v2f__fail(V2F_E_FORMAT, "%s line %zu: file '%s' should be "
                         "'%s'", job->manifest_path, row->line, row->file,
                         want);
    k = (size_t)(row->identity - job->first) * job->per_id + row->image;
    ru->have_row[k] = 1;
    return V2F_OK;
}

static v2f_status write_header_file(const char *path)
{
    v2f__atomic_file af;
    v2f_status st = v2f__atomic_open(&af, path);
    if (st != V2F_OK)
        return st;
    fputs(V2F_DS_MANIFEST_HEADER, af.fp);
    return v2f__atomic_commit(&af);
}

static v2f_status open_manifest(run *ru)
{
    v2f_dataset_job *job = ru->job;
    off_t valid;
    int torn, missing;
    v2f_status st = v2f__mkdirs(job->manifest_dir);
    if (st != V2F_OK)
        return st;
    st = v2f__ds_manifest_read(job->manifest_path, row_check, ru, &valid,
                               &torn, &missing);
    if (st != V2F_OK && !missing)
        return st;
    if (missing || valid == 0) {
        st = write_header_file(job->manifest_path);
        if (st != V2F_OK)
            return st;
        torn = 0;
    }
    ru->fd = open(job->manifest_path, O_WRONLY | O_APPEND);
    if (ru->fd < 0)
        return v2f__fail(V2F_E_IO, "cannot open '%s': %s",
                         job->manifest_path, strerror(errno));
    if (torn) {
        v2f__log(V2F_LOG_WARN, "%s: dropping a torn last line (interrupted "
                 "write)", job->manifest_path);
        if (ftruncate(ru->fd, valid) != 0 || fsync(ru->fd) != 0)
            return v2f__fail(V2F_E_IO, "cannot repair '%s': %s",
                             job->manifest_path, strerror(errno));
    }
    return V2F_OK;
}

/* Append the collected rows and fsync; on failure cut the part back so no
 * torn row is left. */
static v2f_status flush_rows(run *ru)
{
    const char *path = ru->job->manifest_path;
    size_t off = 0;
    off_t before;
    int err = 0;
    if (ru->rows_len == 0)
        return V2F_OK;
    before = lseek(ru->fd, 0, SEEK_END);
    while (off < ru->rows_len) {
        ssize_t w = write(ru->fd, ru->rows + off, ru->rows_len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            err = w < 0 ? errno : EIO;
            break;
        }
        off += (size_t)w;
    }
    if (!err && fsync(ru->fd) != 0)
        err = errno;
    if (err) {
        if (before >= 0 && ftruncate(ru->fd, before) != 0)
            v2f__log(V2F_LOG_ERROR, "cannot cut '%s' back: %s", path,
                     strerror(errno));
        return v2f__fail(V2F_E_IO, "cannot write '%s': %s; run again to "
                         "resume", path, strerror(err));
    }
    ru->rows_len = 0;
    return V2F_OK;
}

static v2f_status add_row(run *ru, uint64_t identity, uint32_t image,
                          float eps)
{
    v2f_dataset_job *job = ru->job;
    char line[160];
    int n = v2f__ds_row_format(line, sizeof line, identity, image,
                               image >= (uint32_t)job->r.perturb_images, eps,
                               job->r.seed, ext_of(job));
    if (ru->rows_len + (size_t)n + 1 > ru->rows_cap) {
        size_t cap = (ru->rows_cap + (size_t)n + 1) * 2;
        char *nr = realloc(ru->rows, cap);
        if (!nr)
            return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        ru->rows = nr;
        ru->rows_cap = cap;
    }
    memcpy(ru->rows + ru->rows_len, line, (size_t)n);
    ru->rows_len += (size_t)n;
    return V2F_OK;
}

/* Perturbed vectors and eps of the batch entries [a, b), all of one kind. */
static v2f_status perturb(run *ru, size_t a, size_t b, int pose)
{
    v2f_dataset_job *job = ru->job;
    const float *all = v2f_array_data(job->ids);
    v2f_perturb_opts po;
    size_t k;
    for (k = a; k < b; k++)
        memcpy(ru->vec_in + k * V2F_VECTOR_DIM,
               all + ru->id_idx[k] * V2F_VECTOR_DIM,
               V2F_VECTOR_DIM * sizeof(float));
    v2f_perturb_opts_init(&po, sizeof po);
    po.seed = job->r.seed;
    po.identity_index = ru->id_idx + a;
    po.image_index = ru->im_idx + a;
    po.eps_out = ru->eps + a;
    if (pose) {
        po.eps = &job->r.pose_eps;
        po.eps_count = 1;
    } else {
        po.eps = job->r.eps;
        po.eps_shares = job->r.shares;
        po.eps_count = job->r.eps_count;
    }
    return v2f_perturb(ru->vec_in + a * V2F_VECTOR_DIM, b - a, &po,
                       ru->vec_out + a * V2F_VECTOR_DIM);
}

/* Generate the batch entries [a, b) of one kind into ru->rgb. */
static v2f_status generate(run *ru, size_t a, size_t b, int pose)
{
    v2f_dataset_job *job = ru->job;
    v2f_gen_opts go;
    size_t k;
    v2f_status st;
    if (a == b)
        return V2F_OK;
    st = perturb(ru, a, b, pose);
    if (st != V2F_OK)
        return st;
    v2f_gen_opts_init(&go, sizeof go);
    go.seed = job->r.seed;
    go.identity_index = ru->id_idx + a;
    go.image_index = ru->im_idx + a;
    go.batch_size = (int32_t)(b - a);
    if (!pose)
        return v2f_generate(job->model, ru->vec_out + a * V2F_VECTOR_DIM,
                            b - a, &go, ru->rgb + a * V2F_IMAGE_BYTES);
    for (k = a; k < b; k++) {
        size_t t = (size_t)(ru->im_idx[k] - (uint64_t)job->r.perturb_images)
                   % (size_t)job->r.pose_templates;
        memcpy(ru->points + k * 10, job->r.pose_points + t * 10,
               10 * sizeof(float));
    }
    st = v2f_render_landmarks(ru->points + a * 10, b - a,
                              ru->landmarks + a * V2F_IMAGE_BYTES);
    if (st != V2F_OK)
        return st;
    return v2f_generate_pose(job->model, ru->vec_out + a * V2F_VECTOR_DIM,
                             ru->landmarks + a * V2F_IMAGE_BYTES, b - a, &go,
                             ru->rgb + a * V2F_IMAGE_BYTES);
}

/* Remove temporary files left by a killed run; note which images exist. */
static v2f_status scan_identity(run *ru, uint64_t id)
{
    v2f_dataset_job *job = ru->job;
    size_t base = (size_t)(id - job->first) * job->per_id;
    struct dirent *e;
    struct stat sb;
    DIR *d;
    uint32_t j;
    char *slash;
    v2f_status st;

    v2f__ds_image_path(job->path, job->path_size, job->r.out_dir, id, 0,
                       ext_of(job), NULL);
    slash = strrchr(job->path, '/');
    *slash = '\0';
    st = v2f__mkdirs(job->path);
    if (st != V2F_OK)
        return st;
    d = opendir(job->path);
    if (!d)
        return v2f__fail(V2F_E_IO, "cannot read folder '%s': %s", job->path,
                         strerror(errno));
    while ((e = readdir(d)) != NULL) {
        if (v2f__ds_is_temp_name(e->d_name)) {
            char *tmp = v2f__strfmt("%s/%s", job->path, e->d_name);
            if (tmp && unlink(tmp) == 0)
                v2f__log(V2F_LOG_INFO, "removed leftover '%s'", tmp);
            free(tmp);
        }
    }
    closedir(d);
    ru->left[id - job->first] = job->per_id;
    for (j = 0; j < job->per_id; j++) {
        v2f__ds_image_path(job->path, job->path_size, job->r.out_dir, id, j,
                           ext_of(job), NULL);
        if (stat(job->path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            ru->have_file[base + j] = 1;
            ru->left[id - job->first]--;
        }
    }
    return V2F_OK;
}

/* Rows for files that are on disk without one (a kill between the rename
 * and the manifest append): their eps comes from the same keys. */
static v2f_status add_missing_rows(run *ru)
{
    v2f_dataset_job *job = ru->job;
    size_t n = ru->job->stats.images_total, k, batch = 0;
    size_t B = (size_t)job->r.batch_size;
    v2f_status st;
    for (k = 0; k < n; k++) {
        uint64_t id = job->first + k / job->per_id;
        uint32_t j = (uint32_t)(k % job->per_id);
        if (!ru->have_file[k] || ru->have_row[k])
            continue;
        ru->id_idx[0] = id;
        ru->im_idx[0] = j;
        st = perturb(ru, 0, 1, j >= (uint32_t)job->r.perturb_images);
        if (st == V2F_OK)
            st = add_row(ru, id, j, ru->eps[0]);
        if (st != V2F_OK)
            return st;
        ru->have_row[k] = 1;
        job->stats.rows_added++;
        if (++batch == B) {
            st = flush_rows(ru);
            if (st != V2F_OK)
                return st;
            batch = 0;
        }
    }
    return flush_rows(ru);
}

/* Batch entries are grouped by kind; files and rows go in image order. */
static void order_by_slot(run *ru, size_t count)
{
    size_t a = 0, np = 0, b, c;
    while (np < count
           && ru->im_idx[np] < (uint64_t)ru->job->r.perturb_images)
        np++;
    b = np;
    for (c = 0; c < count; c++) {
        if (a < np && (b == count || ru->slot[a] < ru->slot[b]))
            ru->order[c] = a++;
        else
            ru->order[c] = b++;
    }
}

static v2f_status write_batch(run *ru, size_t count)
{
    v2f_dataset_job *job = ru->job;
    v2f_image_write_opts wo;
    size_t c, k;
    v2f_status st;
    v2f_image_write_opts_init(&wo, sizeof wo);
    wo.jpeg_quality = job->r.jpeg_quality;
    order_by_slot(ru, count);
    for (c = 0; c < count; c++) {
        k = ru->order[c];
        v2f__ds_image_path(job->path, job->path_size, job->r.out_dir,
                           ru->id_idx[k], (uint32_t)ru->im_idx[k],
                           ext_of(job), NULL);
        errno = 0;
        st = v2f_image_write(job->path, ru->rgb + k * V2F_IMAGE_BYTES,
                             V2F_IMAGE_SIZE, V2F_IMAGE_SIZE, &wo);
        if (st != V2F_OK) {
            int err = errno;
            char msg[700], why[80] = "";
            snprintf(msg, sizeof msg, "%s", v2f_last_error());
            /* The encoders report "Write Error"; say why when the system
             * said it (disk full, file too large, quota, read-only). */
            if ((err == ENOSPC || err == EFBIG || err == EDQUOT
                 || err == EROFS || err == EIO)
                && !strstr(msg, strerror(err)))
                snprintf(why, sizeof why, " (%s)", strerror(err));
            /* Keep the rows of the images already in place. */
            flush_rows(ru);
            return v2f__fail(st, "dataset: %s%s%s%s; run again to resume",
                             msg, why,
                             strstr(msg, job->path) ? "" : " writing ",
                             strstr(msg, job->path) ? "" : job->path);
        }
        ru->have_file[ru->slot[k]] = 1;
        if (--ru->left[ru->id_idx[k] - job->first] == 0)
            job->stats.identities_done++;
        job->stats.images_written++;
        if (!ru->have_row[ru->slot[k]]) {
            st = add_row(ru, ru->id_idx[k], (uint32_t)ru->im_idx[k],
                         ru->eps[k]);
            if (st != V2F_OK)
                return st;
            ru->have_row[ru->slot[k]] = 1;
        }
    }
    return flush_rows(ru);
}

static v2f_status alloc_run(run *ru, v2f_dataset_job *job)
{
    size_t B = (size_t)job->r.batch_size, n = job->stats.images_total;
    memset(ru, 0, sizeof *ru);
    ru->job = job;
    ru->fd = -1;
    ru->have_file = calloc(n ? n : 1, 1);
    ru->have_row = calloc(n ? n : 1, 1);
    ru->left = calloc(job->end - job->first + 1, sizeof *ru->left);
    ru->id_idx = malloc(B * sizeof *ru->id_idx);
    ru->im_idx = malloc(B * sizeof *ru->im_idx);
    ru->slot = malloc(B * sizeof *ru->slot);
    ru->order = malloc(B * sizeof *ru->order);
    ru->vec_in = malloc(B * V2F_VECTOR_DIM * sizeof(float));
    ru->vec_out = malloc(B * V2F_VECTOR_DIM * sizeof(float));
    ru->eps = malloc(B * sizeof(float));
    ru->points = malloc(B * 10 * sizeof(float));
    ru->rgb = malloc(B * V2F_IMAGE_BYTES);
    ru->landmarks = malloc(B * V2F_IMAGE_BYTES);
    if (!ru->have_file || !ru->have_row || !ru->left || !ru->id_idx
        || !ru->im_idx || !ru->slot || !ru->order || !ru->vec_in
        || !ru->vec_out || !ru->eps || !ru->points || !ru->rgb || !ru->landmarks)
        return v2f__fail(V2F_E_NO_MEMORY, "dataset: out of memory for a "
                         "batch of %zu images", B);
    return V2F_OK;
}

static void free_run(run *ru)
{
    if (ru->fd >= 0)
        close(ru->fd);
    free(ru->have_file);
    free(ru->have_row);
    free(ru->left);
    free(ru->id_idx);
    free(ru->im_idx);
    free(ru->slot);
    free(ru->order);
    free(ru->vec_in);
    free(ru->vec_out);
    free(ru->eps);
    free(ru->points);
    free(ru->rgb);
    free(ru->landmarks);
    free(ru->rows);
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
    size_t n, k, count, np;
    uint64_t id, done = 0;
    v2f_status st;

    if (!job)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_job_run: job is "
                         "NULL");
    job->stats.identities_skipped = 0;
    job->stats.identities_done = 0;
    job->stats.images_written = 0;
    job->stats.images_skipped = 0;
    job->stats.rows_added = 0;
    n = job->stats.images_total;
    st = alloc_run(&ru, job);
    if (st == V2F_OK)
        st = open_manifest(&ru);
    for (id = job->first; st == V2F_OK && id < job->end; id++) {
        st = scan_identity(&ru, id);
        if (st == V2F_OK && ru.left[id - job->first] == 0) {
            job->stats.identities_skipped++;
            job->stats.identities_done++;
        }
    }
    if (st == V2F_OK)
        st = add_missing_rows(&ru);
    if (st != V2F_OK)
        goto out;
    for (k = 0; k < n; k++)
        done += ru.have_file[k];
    job->stats.images_skipped = done;
    if (progress && progress(user, done, n)) {
        st = cancelled(job, done);
        goto out;
    }
    k = 0;
    while (k < n) {
        /* Next batch: up to batch_size missing images, in (identity,
         * image) order; perturbation entries first, then pose entries. */
        count = 0;
        for (; k < n && count < (size_t)job->r.batch_size; k++) {
            if (ru.have_file[k])
                continue;
            ru.slot[count] = k;
            count++;
        }
        if (count == 0)
            break;
        np = 0;
        {
            size_t c, pose_at;
            size_t *tmp = ru.slot, *order = ru.order;
            /* stable partition: perturbation images, then pose images */
            for (c = 0; c < count; c++)
                if (tmp[c] % job->per_id < (size_t)job->r.perturb_images)
                    order[np++] = tmp[c];
            pose_at = np;
            for (c = 0; c < count; c++)
                if (tmp[c] % job->per_id >= (size_t)job->r.perturb_images)
                    order[pose_at++] = tmp[c];
            for (c = 0; c < count; c++) {
                ru.slot[c] = order[c];
                ru.id_idx[c] = job->first + order[c] / job->per_id;
                ru.im_idx[c] = order[c] % job->per_id;
            }
        }
        st = generate(&ru, 0, np, 0);
        if (st == V2F_OK)
            st = generate(&ru, np, count, 1);
        if (st == V2F_OK)
            st = write_batch(&ru, count);
        if (st != V2F_OK)
            goto out;
        done += count;
        if (progress && progress(user, done, n)) {
            st = done < n ? cancelled(job, done) : V2F_OK;
            goto out;
        }
    }
out:
    free_run(&ru);
    return st;
}
