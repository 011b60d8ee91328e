/* Benchmark of the dataset job end to end (run by hand, not by CI; see
 * bench/run.sh): identity vectors -> PNG files + manifest, through
 * v2f_dataset_job_run, whose writer thread encodes and writes batch k
 * while batch k+1 is generated.
 *
 *   v2f_bench_dataset MODEL_DIR [--batch B] [--batches K] [--threads T]
 *                     [--precision fp32|bf16|fp16] [--out DIR]
 *
 * The recipe has B perturbation images per identity and batch_size B, so
 * one identity is one batch; K + 2 identities (two warm-up batches, as
 * v2f_bench_generate). The job reports a batch once its files and rows
 * are on disk, which with the overlap is after the next batch is made:
 * the time between two reports is one batch of the steady state. Prints
 * one line of key=value: the median of those intervals after the
 * warm-up and its images/s, and images/s over the whole steady part with
 * the last write included; load time, peak RSS, MiB per image, PNG size.
 * DIR (default bench-dataset) is emptied first. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vec2face/vec2face.h>

#include "bench_util.h"

/* Seconds at each progress report (the first is the scan, before any
 * batch). */
typedef struct {
    double t[4096];
    int n;
} reports;

static int on_progress(void *user, uint64_t done, uint64_t total)
{
    reports *r = user;
    (void)done;
    (void)total;
    if (r->n < 4096) r->t[r->n++] = bench_now();
    return 0;
}

/* Sum of the sizes of the .png files under dir/<identity>/. */
static double png_bytes(const char *dir, size_t *count)
{
    double sum = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    *count = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        DIR *sub = opendir(path);
        struct dirent *f;
        while (sub && (f = readdir(sub))) {
            size_t len = strlen(f->d_name);
            struct stat st;
            char file[8192];
            if (len < 4 || strcmp(f->d_name + len - 4, ".png")) continue;
            snprintf(file, sizeof file, "%s/%s", path, f->d_name);
            if (!stat(file, &st)) {
                sum += (double)st.st_size;
                (*count)++;
            }
        }
        if (sub) closedir(sub);
    }
    if (d) closedir(d);
    return sum;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *out = "bench-dataset";
    bench_args a = {8, 3, 0, V2F_PRECISION_FP32};
    for (int i = 1; i < argc; i++) {
        int c = bench_common_arg(argc, argv, &i, &a);
        if (c < 0) return 2;
        if (c > 0) continue;
        if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (argv[i][0] != '-' && !dir) dir = argv[i];
        else dir = NULL, i = argc;
    }
    const long batch = a.batch, batches = a.batches, threads = a.threads;
    const int precision = a.precision;
    if (!dir || batch < 1 || batch > 1000 || batches < 1 || batches > 4000 || threads < 0) {
        fprintf(stderr, "usage: v2f_bench_dataset MODEL_DIR [--batch 1..1000] "
                        "[--batches K] [--threads T] [--precision fp32|bf16|fp16] "
                        "[--out DIR]\n");
        return 2;
    }
    char cmd[4200], ids[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", out, out);
    if (strchr(out, '\'') || system(cmd)) {
        fprintf(stderr, "%s: cannot empty or create\n", out);
        return 1;
    }
    /* Vectors with norms around 25, as v2f_bench_generate's. */
    size_t n_ids = (size_t)batches + 2;
    float *vec = malloc(n_ids * V2F_VECTOR_DIM * sizeof(float));
    uint32_t x = 12345u;
    for (size_t i = 0; vec && i < n_ids * V2F_VECTOR_DIM; i++) {
        x = x * 1664525u + 1013904223u;
        vec[i] = ((float)(x >> 8) / 16777216.0f - 0.5f) * 3.8f;
    }
    snprintf(ids, sizeof ids, "%s.ids.npy", out);
    if (!vec || v2f_npy_write(ids, vec, n_ids, V2F_VECTOR_DIM)) {
        fprintf(stderr, "identities: %s\n", v2f_last_error());
        return 1;
    }

    v2f_runtime_opts r;
    v2f_runtime_opts_init(&r, sizeof r);
    r.threads = (int32_t)threads;
    r.precision = precision;
    r.attrop = V2F_ATTROP_DISABLED; /* as `vec2face generate` without AttrOP */
    double t0 = bench_now();
    v2f_model *m;
    if (v2f_model_load(dir, &r, &m)) {
        fprintf(stderr, "load: %s\n", v2f_last_error());
        return 1;
    }
    double load_s = bench_now() - t0;

    v2f_dataset_recipe rec;
    v2f_dataset_recipe_init(&rec, sizeof rec);
    rec.identities = ids;
    rec.out_dir = out;
    rec.seed = 1;
    rec.perturb_images = (int32_t)batch;
    rec.batch_size = (int32_t)batch;
    v2f_dataset_job *job;
    static reports rep;
    if (v2f_dataset_job_new(m, &rec, 0, 1, &job) || v2f_dataset_job_run(job, on_progress, &rep)) {
        fprintf(stderr, "dataset: %s\n", v2f_last_error());
        return 1;
    }
    v2f_dataset_job_free(job);
    /* rep.t[0]: the scan; rep.t[j + 1]: batch j on disk, which for all
     * but the last batch is when batch j + 1 has been generated. Batches
     * 0 and 1 are the warm-up, so rep.t[j + 2] - rep.t[j + 1] for j = 0
     * .. K-1 is the generation of batch j + 2 (with the wait for the
     * write of batch j + 1): the K steady batches. The last report adds
     * the final write alone. */
    int steady = rep.n - 3;
    if (steady != batches) {
        fprintf(stderr, "dataset: %d progress reports, expected %ld\n", rep.n, batches + 3);
        return 1;
    }
    double dt[4096];
    for (int k = 0; k < steady; k++) dt[k] = rep.t[k + 2] - rep.t[k + 1];
    double total = rep.t[rep.n - 1] - rep.t[1];
    double med = bench_median(dt, (size_t)steady);
    double rss = bench_peak_rss_mib();
    size_t pngs;
    double bytes = png_bytes(out, &pngs);
    v2f_model_info info;
    info.struct_size = sizeof info;
    if (v2f_model_info_get(m, &info) != V2F_OK) {
        fprintf(stderr, "v2f_model_info_get: %s\n", v2f_last_error());
        return 1;
    }
    printf("c mode=dataset precision=%s batch=%ld batches=%d images_per_s=%.3f "
           "median_batch_s=%.3f steady_images_per_s_with_last_write=%.3f load_s=%.2f "
           "peak_rss_mib=%.0f mib_per_image=%.1f threads=%d png_kib_per_image=%.1f "
           "images=%zu\n",
           bench_precision_name(precision), batch, steady, (double)batch / med, med, (double)batch * steady / total, load_s, rss,
           rss / (double)batch, info.threads, pngs ? bytes / pngs / 1024.0 : 0.0, pngs);
    v2f_model_free(m);
    free(vec);
    return 0;
}
