/* Dataset jobs: one shard of a recipe (see job.h): the lifecycle (new,
 * stats, free), the recipe checks against the model, the shard math. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

void v2f_dataset_job_free(v2f_dataset_job *job)
{
    if (!job)
        return;
    v2f__ds_recipe_free(&job->r);
    v2f_array_free(job->ids);
    free(job->manifest_dir);
    free(job->manifest_path);
    free(job->lock_path);
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
    if (r->attrop_images > 0) {
        uint32_t need = (1u << V2F_PART_GENERATOR) | (1u << V2F_PART_ARCFACE);
        if (r->attrop_quality > 0.0f)
            need |= 1u << V2F_PART_MAGFACE;
        if (r->attrop_yaw_count > 0)
            need |= 1u << V2F_PART_HEADPOSE;
        if ((info.parts & need) != need)
            return v2f__fail(V2F_E_UNSUPPORTED, "dataset: AttrOP images "
                             "need generator.pt, arcface.pt%s%s; the model "
                             "lacks %s", r->attrop_quality > 0.0f
                                 ? ", magface.pt (attrop_quality > 0)" : "",
                             r->attrop_yaw_count > 0
                                 ? ", headpose.pt (yaw targets)" : "",
                             !(info.parts & (1u << V2F_PART_GENERATOR))
                                 ? "generator.pt"
                             : !(info.parts & (1u << V2F_PART_ARCFACE))
                                 ? "arcface.pt"
                             : (need & ~info.parts
                                & (1u << V2F_PART_MAGFACE))
                                 ? "magface.pt" : "headpose.pt");
        if (info.attrop == V2F_ATTROP_DISABLED)
            return v2f__fail(V2F_E_UNSUPPORTED, "dataset: AttrOP images need a "
                             "model loaded with v2f_runtime_opts.attrop = "
                             "V2F_ATTROP_ENABLED; this one has "
                             "V2F_ATTROP_DISABLED");
    }
    if ((r->measure & V2F_DATASET_MEASURE_SIMILARITY)
        && !(info.parts & (1u << V2F_PART_ARCFACE)))
        return v2f__fail(V2F_E_UNSUPPORTED, "dataset: %s needs arcface.pt, "
                         "which the model lacks",
                         r->filter != V2F_DATASET_FILTER_NONE
                             ? "the identity-consistency filter"
                             : "measuring similarity");
    if ((r->measure & V2F_DATASET_MEASURE_QUALITY)
        && !(info.parts & (1u << V2F_PART_MAGFACE)))
        return v2f__fail(V2F_E_UNSUPPORTED, "dataset: measuring quality "
                         "needs magface.pt, which the model lacks");
    if ((r->measure & V2F_DATASET_MEASURE_YAW)
        && !(info.parts & (1u << V2F_PART_HEADPOSE)))
        return v2f__fail(V2F_E_UNSUPPORTED, "dataset: measuring yaw needs "
                         "headpose.pt, which the model lacks");
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
    if (st == V2F_OK && job->r.batch_size == 0) {   /* the model's default batch */
        v2f_model_info mi = {.struct_size = sizeof mi};
        if ((st = v2f_model_info_get(model, &mi)) == V2F_OK)
            job->r.batch_size = mi.default_batch_size;
    }
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
    job->per_id = (uint32_t)(job->r.perturb_images + job->r.pose_images
                             + job->r.attrop_images);
    job->first = shard_start(job->num_ids, shard_index, shard_count);
    job->end = shard_start(job->num_ids, shard_index + 1, shard_count);
    job->path_size = strlen(job->r.out_dir) + 64;
    job->path = malloc(job->path_size);
    job->manifest_dir = v2f__strfmt("%s/manifest", job->r.out_dir);
    job->manifest_path = v2f__strfmt("%s/part-%u-of-%u.csv",
                                     job->manifest_dir ? job->manifest_dir
                                                       : "", shard_index,
                                     shard_count);
    /* At the top of the folder, where merge and verify never look (they
     * read recipe.txt, the identity folders and manifest/part-*), and not
     * in manifest/, which tools read as "every file is a part". */
    job->lock_path = v2f__strfmt("%s/.shard-%u-of-%u.lock", job->r.out_dir,
                                 shard_index, shard_count);
    if (!job->path || !job->manifest_dir || !job->manifest_path
        || !job->lock_path) {
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
