/* Benchmark: images/second and peak memory of v2f_generate.
 *
 *   v2f_bench_generate MODEL_DIR [--images N] [--batch B] [--threads T]
 *
 * Two warm-up batches (TorchScript optimises on its first runs), then N
 * images timed; prints one line "c images_per_s=... peak_rss_mib=...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <vec2face/vec2face.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    long images = 32, batch = 16, threads = 0;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--images") && i + 1 < argc) images = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batch = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = strtol(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && !dir) dir = argv[i];
        else {
            fprintf(stderr, "usage: v2f_bench_generate MODEL_DIR [--images N] [--batch B] "
                            "[--threads T]\n");
            return 2;
        }
    }
    if (!dir || images < 1 || batch < 1) return 2;
    v2f_runtime_opts r;
    v2f_runtime_opts_init(&r, sizeof r);
    r.threads = (int32_t)threads;
    v2f_model *m;
    if (v2f_model_load(dir, &r, &m)) {
        fprintf(stderr, "load: %s\n", v2f_last_error());
        return 1;
    }
    size_t n = (size_t)images;
    float *vec = malloc(n * V2F_VECTOR_DIM * sizeof(float));
    uint8_t *rgb = malloc(v2f_image_bytes(n));
    uint32_t x = 1;
    for (size_t i = 0; i < n * V2F_VECTOR_DIM; i++) {
        x = x * 1664525u + 1013904223u;
        vec[i] = ((float)(x >> 8) / 16777216.0f - 0.5f) * 3.8f;
    }
    v2f_gen_opts o;
    v2f_gen_opts_init(&o, sizeof o);
    o.batch_size = (int32_t)batch;
    size_t warm = n < (size_t)batch ? n : (size_t)batch;
    /* Two warm-up batches: TorchScript optimises the graph on its first runs. */
    for (int w = 0; w < 2; w++) {
        if (v2f_generate(m, vec, warm, &o, rgb)) {
            fprintf(stderr, "generate: %s\n", v2f_last_error());
            return 1;
        }
    }
    double t0 = now();
    if (v2f_generate(m, vec, n, &o, rgb)) {
        fprintf(stderr, "generate: %s\n", v2f_last_error());
        return 1;
    }
    double dt = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    v2f_model_info info;
    info.struct_size = sizeof info;
    v2f_model_info_get(m, &info);
    printf("c images_per_s=%.3f peak_rss_mib=%.0f threads=%d batch=%ld images=%ld\n",
           (double)n / dt, (double)ru.ru_maxrss / 1024.0, info.threads, batch, images);
    v2f_model_free(m);
    free(vec);
    free(rgb);
    return 0;
}
