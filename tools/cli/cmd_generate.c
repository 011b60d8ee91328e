/* vec2face generate: gen_args -> v2f_dataset_recipe -> one shard's job
 * (flags: generate_args.c; the shard: shard_env.c). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "generate.h"
#include "vec2face/vec2face.h"

static void log_to_stderr(int32_t level, const char *msg, void *user)
{
    (void)user;
    fprintf(stderr, "vec2face: %s: %s\n",
            level == V2F_LOG_ERROR ? "error" : "warning", msg);
}

/* The library calls progress with (0, 0) while it waits for the shard's
 * lock (and after the scan of an empty shard): nothing to show then, and
 * cli_progress_fn would take it as the starting count; only Ctrl-C
 * matters, to end the wait. */
static int gen_progress(void *user, uint64_t done, uint64_t total)
{
    if (total == 0)
        return cli_interrupted();
    return cli_progress_fn(user, done, total);
}

static int fail(const char *what)
{
    fprintf(stderr, "vec2face generate: %s%s%s\n", what ? what : "",
            what ? ": " : "", v2f_last_error());
    return CLI_FAILED;
}

/* The job's counts; they read as zero if the call fails, which needs a
 * NULL job or a bad struct_size, neither possible here. */
static void job_counts(const v2f_dataset_job *job, v2f_dataset_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    stats->struct_size = sizeof *stats;
    if (v2f_dataset_job_stats(job, stats) != V2F_OK)
        memset(stats, 0, sizeof *stats);
}

int cmd_generate(int argc, char **argv)
{
    gen_args a;
    v2f_dataset_recipe r;
    v2f_dataset_stats stats;
    v2f_model *model = NULL;
    char *ref_ids_npy = NULL; /* --identities: OUT/identities.npy */
    v2f_array *points = NULL;
    v2f_dataset_job *job = NULL;
    cli_progress prog;
    const char *from = NULL;
    char label[64];
    uint32_t k = 0, n = 1;
    v2f_status st;
    int rc;

    rc = gen_parse(argc, argv, &a);
    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    rc = gen_pick_shard(&a, &k, &n, &from);
    if (rc != CLI_OK)
        return rc;
    if (!a.quiet)
        v2f_set_log_callback(log_to_stderr, V2F_LOG_WARN, NULL);

    v2f_dataset_recipe_init(&r, sizeof r);
    r.identities = a.ids;
    r.out_dir = a.out;
    r.seed = a.seed;
    r.perturb_images = a.per_id;
    if (a.eps_count) {
        r.eps = a.eps;
        r.eps_shares = a.have_shares ? a.shares : NULL;
        r.eps_count = a.eps_count;
    }
    r.pose_images = a.pose_per_id;
    r.pose_eps = a.pose_eps;
    r.format = a.format;
    r.jpeg_quality = a.jpeg_quality;
    r.png_level = a.png_level;
    r.batch_size = a.mo.batch;  /* 0: the model's default batch */
    r.wait_lock = a.wait_lock;
    r.measure = a.measure;
    r.filter = a.filter;
    r.filter_threshold = a.filter_threshold;
    if (a.filter_attempts)
        r.filter_max_attempts = a.filter_attempts;
    r.attrop_images = a.attrop_per_id;
    r.attrop_quality = a.attrop_quality;
    r.attrop_yaw = a.attrop_yaw_count ? a.attrop_yaw : NULL;
    r.attrop_yaw_count = a.attrop_yaw_count;
    r.attrop_iterations = a.attrop_iterations;
    r.attrop_max_retries = a.attrop_retries;
    r.pose_order = a.pose_order;
    r.pose_landmarks = a.landmark_count ? (const char *const *)a.landmarks
                                        : NULL;
    r.pose_landmark_count = a.landmark_count;
    if (a.pose_per_id > 0 && a.pose_points) {
        if (v2f_npy_read(a.pose_points, &points) != V2F_OK)
            return fail("--pose-points");
        if (v2f_array_cols(points) != 10) {
            fprintf(stderr, "vec2face generate: --pose-points %s has %zu "
                    "values per row; five (x, y) points are 10\n",
                    a.pose_points, v2f_array_cols(points));
            v2f_array_free(points);
            return CLI_FAILED;
        }
        r.pose_points = v2f_array_data(points);
        r.pose_templates = (int32_t)v2f_array_rows(points);
    }

    /* Without AttrOP images the model keeps no training copy: less memory. */
    a.mo.attrop = r.attrop_images > 0 ? V2F_ATTROP_ENABLED
                                      : V2F_ATTROP_DISABLED;
    if ((rc = cli_model_load(&a.mo, "generate", &model)) != CLI_OK)
        goto out;
    rc = CLI_FAILED;
    if (a.ref_ids) {
        if ((rc = cli_ref_identities(model, a.ref_ids, a.out, a.quiet,
                                     &ref_ids_npy)) != CLI_OK)
            goto out;
        r.identities = ref_ids_npy;
        rc = CLI_FAILED;
    }
    if (v2f_dataset_job_new(model, &r, k, n, &job) != V2F_OK) {
        fail(NULL);
        goto out;
    }
    job_counts(job, &stats);
    if (!a.quiet && from)
        fprintf(stderr, "vec2face: shard %u/%u (from %s): identities "
                "[%llu, %llu)\n", k, n, from,
                (unsigned long long)stats.identity_first,
                (unsigned long long)stats.identity_end);
    snprintf(label, sizeof label, "shard %u/%u", k, n);
    cli_progress_init(&prog, a.quiet, label);
    cli_catch_interrupt();
    st = v2f_dataset_job_run(job, gen_progress, &prog);
    cli_progress_end(&prog);
    job_counts(job, &stats);
    if (st == V2F_E_CANCELLED && cli_interrupted()) {
        fprintf(stderr, "vec2face generate: interrupted; %llu images written"
                " in this run. The run is resumable: run the same command "
                "again.\n", (unsigned long long)stats.images_written);
        rc = CLI_INTERRUPTED;
        goto out;
    }
    if (st == V2F_E_BUSY) {
        /* Shown even with --quiet, like every failure. */
        fprintf(stderr, "vec2face generate: %s\n(exit status %d; "
                "--wait-lock waits for the other process instead)\n",
                v2f_last_error(), GEN_EXIT_BUSY);
        rc = GEN_EXIT_BUSY;
        goto out;
    }
    if (st != V2F_OK) {
        fail(NULL);
        goto out;
    }
    if (!a.quiet)
        fprintf(stderr, "vec2face: shard %u/%u done: %llu identities, %llu "
                "images written, %llu already there, %llu manifest rows "
                "repaired -> %s\n", k, n,
                (unsigned long long)stats.identities_total,
                (unsigned long long)stats.images_written,
                (unsigned long long)stats.images_skipped,
                (unsigned long long)stats.rows_added, a.out);
    if (!a.quiet && a.filter)
        fprintf(stderr, "vec2face: filter (cosine >= %g): %llu attempts "
                "rejected, %llu images kept after regenerating, %llu "
                "dropped\n", (double)a.filter_threshold,
                (unsigned long long)stats.filter_rejected,
                (unsigned long long)stats.filter_regenerated,
                (unsigned long long)stats.images_dropped);
    rc = CLI_OK;
out:
    v2f_dataset_job_free(job);
    v2f_model_free(model);
    v2f_array_free(points);
    free(ref_ids_npy);
    return rc;
}
