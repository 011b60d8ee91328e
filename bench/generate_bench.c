/* Benchmark of v2f_generate (run by hand, not by CI; see bench/run.sh).
 *
 *   v2f_bench_generate MODEL_DIR [--batch B] [--batches K] [--threads T]
 *                      [--precision fp32|bf16|fp16] [--mode model|png|png-overlap]
 *                      [--out DIR] [--no-attrop]
 *   v2f_bench_generate MODEL_DIR --compare-bf16 [--batch B] [--threads T]
 *
 * Modes: model = vectors -> RGB in memory; png = vectors -> PNG files,
 * encoded after each batch; png-overlap = the same with the PNGs of batch
 * i written by a second thread while batch i+1 is generated. Two warm-up
 * batches (TorchScript optimises on its first runs), then K timed batches.
 * Prints one line of key=value: the median seconds per batch and its
 * images/s (png-overlap: total images / total time, the last writes
 * included), model load time (kept out of the per-image figures), peak
 * RSS, and MiB per image (peak RSS over the batch size), the model's
 * default batch size and its AttrOP mode. --batch 0 uses the model's
 * default batch size (v2f_model_info.default_batch_size). --no-attrop
 * loads with V2F_ATTROP_DISABLED (no autograd copies: less memory, same
 * images); the default keeps them, as v2f_model_load does.
 * --compare-bf16 loads the model in float32 and in bfloat16, generates the
 * same batch with both and prints the max abs difference of the raw images
 * and the PSNR of the uint8 images. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vec2face/vec2face.h>

#include "bench_util.h"

/* Vectors with norms around 25, different for every batch. */
static void fill_vectors(float *v, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1u;
    for (size_t i = 0; i < n * V2F_VECTOR_DIM; i++) {
        x = x * 1664525u + 1013904223u;
        v[i] = ((float)(x >> 8) / 16777216.0f - 0.5f) * 3.8f;
    }
}

static v2f_model *load(const char *dir, int threads, int precision, int attrop,
                       double *seconds)
{
    v2f_runtime_opts r;
    v2f_model *m;
    double t0 = bench_now();
    v2f_runtime_opts_init(&r, sizeof r);
    r.threads = threads;
    r.precision = precision;
    r.attrop = attrop;
    if (v2f_model_load(dir, &r, &m)) {
        fprintf(stderr, "load %s: %s\n", dir, v2f_last_error());
        return NULL;
    }
    if (seconds) *seconds = bench_now() - t0;
    return m;
}

/* One batch of PNG files, written by the caller's thread or a writer. */
typedef struct png_job {
    const char *dir;
    const uint8_t *rgb;
    size_t n, first;
    int status;
    size_t bytes;
} png_job;

static void *write_pngs(void *arg)
{
    png_job *j = arg;
    v2f_image_write_opts wo;
    v2f_image_write_opts_init(&wo, sizeof wo);
    j->status = 0;
    for (size_t i = 0; i < j->n; i++) {
        char path[4200];
        struct stat st;
        snprintf(path, sizeof path, "%s/%06zu.png", j->dir, j->first + i);
        if (v2f_image_write(path, j->rgb + i * V2F_IMAGE_BYTES, V2F_IMAGE_SIZE,
                            V2F_IMAGE_SIZE, &wo)) {
            fprintf(stderr, "write %s: %s\n", path, v2f_last_error());
            j->status = 1;
            return NULL;
        }
        if (stat(path, &st) == 0) j->bytes += (size_t)st.st_size;
    }
    return NULL;
}

static int generate(v2f_model *m, const float *vec, size_t n, uint64_t seed, uint8_t *rgb,
                    float *raw)
{
    v2f_gen_opts o;
    v2f_gen_opts_init(&o, sizeof o);
    o.batch_size = (int32_t)n;
    o.seed = seed;
    o.raw_out = raw;
    if (v2f_generate(m, vec, n, &o, rgb)) {
        fprintf(stderr, "generate: %s\n", v2f_last_error());
        return 1;
    }
    return 0;
}

static int compare_bf16(const char *dir, size_t batch, int threads)
{
    size_t px = batch * 3 * V2F_IMAGE_SIZE * V2F_IMAGE_SIZE;
    float *vec = malloc(batch * V2F_VECTOR_DIM * sizeof(float));
    float *r32 = malloc(px * sizeof(float)), *r16 = malloc(px * sizeof(float));
    uint8_t *u32 = malloc(v2f_image_bytes(batch)), *u16 = malloc(v2f_image_bytes(batch));
    v2f_model *m32 = load(dir, threads, V2F_PRECISION_FP32, V2F_ATTROP_DISABLED, NULL);
    v2f_model *m16 = m32 ? load(dir, threads, V2F_PRECISION_BF16, V2F_ATTROP_DISABLED, NULL)
                         : NULL;
    double maxdiff = 0, se = 0;
    if (!m16) return 1;
    fill_vectors(vec, batch, 99);
    if (generate(m32, vec, batch, 5, u32, r32) || generate(m16, vec, batch, 5, u16, r16))
        return 1;
    for (size_t i = 0; i < px; i++) {
        double d = fabs((double)r32[i] - r16[i]);
        if (!(d <= maxdiff)) maxdiff = d; /* NaN propagates */
    }
    for (size_t i = 0; i < v2f_image_bytes(batch); i++)
        se += ((double)u32[i] - u16[i]) * ((double)u32[i] - u16[i]);
    se /= (double)v2f_image_bytes(batch);
    printf("compare bf16_vs_fp32 batch=%zu max_abs_raw_diff=%.4f psnr_db=%.2f\n", batch,
           maxdiff, se > 0 ? 10.0 * log10(255.0 * 255.0 / se) : INFINITY);
    v2f_model_free(m32);
    v2f_model_free(m16);
    free(vec); free(r32); free(r16); free(u32); free(u16);
    return 0;
}

int main(int argc, char **argv)
{
    int compare = 0, attrop = V2F_ATTROP_ENABLED;
    const char *dir = NULL, *mode = "model", *out = "bench-out";
    bench_args a = {8, 3, 0, V2F_PRECISION_FP32};
    for (int i = 1; i < argc; i++) {
        int c = bench_common_arg(argc, argv, &i, &a);
        if (c < 0) return 2;
        if (c > 0) continue;
        if (!strcmp(argv[i], "--mode") && i + 1 < argc) mode = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--compare-bf16")) compare = 1;
        else if (!strcmp(argv[i], "--no-attrop")) attrop = V2F_ATTROP_DISABLED;
        else if (argv[i][0] != '-' && !dir) dir = argv[i];
        else {
            fprintf(stderr, "usage: v2f_bench_generate MODEL_DIR [--batch B] [--batches K] "
                            "[--threads T] [--precision fp32|bf16|fp16] "
                            "[--mode model|png|png-overlap] [--out DIR] [--compare-bf16] "
                            "[--no-attrop]\n");
            return 2;
        }
    }
    long batch = a.batch;
    const long batches = a.batches, threads = a.threads;
    const int precision = a.precision;
    if (!dir || batch < 0 || batches < 1 || threads < 0) return 2;
    if (compare) return compare_bf16(dir, batch ? (size_t)batch : 8, (int)threads);
    int png = !strcmp(mode, "png"), overlap = !strcmp(mode, "png-overlap");
    if (!png && !overlap && strcmp(mode, "model")) {
        fprintf(stderr, "--mode %s: expected model, png or png-overlap\n", mode);
        return 2;
    }
    if ((png || overlap) && mkdir(out, 0755) && errno != EEXIST) {
        fprintf(stderr, "%s: %s\n", out, strerror(errno));
        return 1;
    }

    double load_s;
    v2f_model *m = load(dir, (int)threads, precision, attrop, &load_s);
    if (!m) return 1;
    v2f_model_info info;
    info.struct_size = sizeof info;
    if (v2f_model_info_get(m, &info) != V2F_OK) {
        fprintf(stderr, "v2f_model_info_get: %s\n", v2f_last_error());
        return 1;
    }
    if (batch == 0) batch = info.default_batch_size;
    size_t n = (size_t)batch;
    float *vec = malloc(n * V2F_VECTOR_DIM * sizeof(float));
    uint8_t *rgb[2] = {malloc(v2f_image_bytes(n)), malloc(v2f_image_bytes(n))};
    double *dt = calloc((size_t)batches, sizeof(double));
    png_job jobs[2];
    pthread_t writer[2];
    int pending[2] = {0, 0}, rc = 0;
    size_t png_bytes = 0, pngs = 0;

    fill_vectors(vec, n, 0);
    /* Two warm-up batches: the profiling executor of TorchScript records
     * shapes on the first run and builds its optimised plan on the second. */
    for (int w = 0; w < 2; w++)
        if (generate(m, vec, n, 1, rgb[0], NULL)) return 1;
    double t_all = bench_now();
    for (long b = 0; b < batches && !rc; b++) {
        int k = (int)(b & 1);
        fill_vectors(vec, n, (uint32_t)b + 1);
        double t0 = bench_now();
        if (pending[k]) { /* the writer of two batches ago holds this buffer */
            pthread_join(writer[k], NULL);
            pending[k] = 0;
            rc |= jobs[k].status;
            png_bytes += jobs[k].bytes;
            pngs += jobs[k].n;
        }
        if (generate(m, vec, n, (uint64_t)b + 2, rgb[k], NULL)) { rc = 1; break; }
        jobs[k] = (png_job){out, rgb[k], n, (size_t)b * n, 0, 0};
        if (png) {
            write_pngs(&jobs[k]);
            rc |= jobs[k].status;
            png_bytes += jobs[k].bytes;
            pngs += n;
        } else if (overlap) {
            if (pthread_create(&writer[k], NULL, write_pngs, &jobs[k])) { rc = 1; break; }
            pending[k] = 1;
        }
        dt[b] = bench_now() - t0;
    }
    for (int k = 0; k < 2; k++)
        if (pending[k]) {
            pthread_join(writer[k], NULL);
            rc |= jobs[k].status;
            png_bytes += jobs[k].bytes;
            pngs += jobs[k].n;
        }
    t_all = bench_now() - t_all;
    if (rc) return 1;
    double med = bench_median(dt, (size_t)batches);
    double ips = overlap ? (double)(n * (size_t)batches) / t_all : (double)n / med;
    double rss = bench_peak_rss_mib();
    printf("c mode=%s precision=%s batch=%ld batches=%ld images_per_s=%.3f median_batch_s=%.3f "
           "load_s=%.2f peak_rss_mib=%.0f mib_per_image=%.1f threads=%d default_batch=%d "
           "attrop=%s",
           mode, bench_precision_name(precision), batch, batches, ips, med,
           load_s, rss, rss / (double)n, info.threads, (int)info.default_batch_size,
           info.attrop == V2F_ATTROP_DISABLED ? "off" : "on");
    if (pngs) printf(" png_kib_per_image=%.1f", (double)png_bytes / 1024.0 / (double)pngs);
    printf("\n");
    v2f_model_free(m);
    free(vec); free(rgb[0]); free(rgb[1]); free(dt);
    return 0;
}
