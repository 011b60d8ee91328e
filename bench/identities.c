/* Benchmark of identity sampling (not a test):
 *   1. the similarity kernel alone vs oneDNN's sgemm and the system BLAS
 *      (both loaded with dlopen when present, same shape),
 *   2. 100K separated identities at threshold 0.3 from an isotropic
 *      sampler and from a Gaussian fitted to synthetic anisotropic
 *      "centres", with the cost model, and projections for 300K and 4M.
 * Usage: bench_identities [--n N] [--threads T] [--threshold X]
 *                         [--fit-rows R] [--skip-fitted] [--skip-gemm] */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vec2face/vec2face.h>

#include "identity/identity.h"

/* The internal kernel sources compiled into this program need these two
 * helpers, which the library keeps hidden. */
v2f_status v2f__fail(v2f_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return status;
}

size_t v2f__mul(size_t a, size_t b, int *ok)
{
    if (a != 0 && b > SIZE_MAX / a) {
        *ok = 0;
        return 0;
    }
    return a * b;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fill_random_unit(float *x, size_t rows, size_t dim, uint64_t seed)
{
    size_t i;
    v2f_rng r;
    for (i = 0; i < rows; i++) {
        v2f__rng_init(&r, seed, 99, i, 0);
        v2f__rng_normals(&r, x + i * dim, dim);
        v2f__unit(x + i * dim, dim, x + i * dim);
    }
}

typedef int (*dnnl_sgemm_fn)(char, char, int64_t, int64_t, int64_t, float,
                             const float *, int64_t, const float *, int64_t,
                             float, float *, int64_t);
typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float,
                               const float *, int, const float *, int, float,
                               float *, int);

static void bench_gemm(int threads)
{
    const size_t M = 256, N = 32768, K = 512;
    float *A = malloc(M * K * 4), *Bm = malloc(N * K * 4), *C = malloc(M * N * 4);
    float *rowmax = malloc(M * 4), *scratch;
    v2f__panels p;
    v2f__pool *pool;
    double t, fl = 2.0 * M * N * K;
    int rep, reps = 5;
    size_t i;
    void *h;

    fill_random_unit(A, M, K, 1);
    fill_random_unit(Bm, N, K, 2);
    v2f__pool_new(threads, &pool);
    scratch = malloc(M * v2f__pool_threads(pool) * 4);
    v2f__panels_init(&p, K, N);
    for (i = 0; i < N; i++)
        v2f__panels_push(&p, Bm + i * K);
    printf("GEMM-shaped sweep %zux%zux%zu (%.2f GFLOP), %d thread(s):\n", M,
           N, K, fl * 1e-9, v2f__pool_threads(pool));
    for (i = 0; i < M; i++) rowmax[i] = -INFINITY;
    v2f__rowmax_par(pool, A, M, &p, 0, N, -1, rowmax, scratch);
    t = now_s();
    for (rep = 0; rep < reps; rep++)
        v2f__rowmax_par(pool, A, M, &p, 0, N, -1, rowmax, scratch);
    t = (now_s() - t) / reps;
    printf("  v2f kernel (%s, fused max)  %8.1f GFLOP/s\n", v2f__kernel_name(),
           fl / t * 1e-9);
    v2f__pool_free(pool);

    h = dlopen("libdnnl.so.2", RTLD_NOW);
    if (h) {
        dnnl_sgemm_fn f = (dnnl_sgemm_fn)dlsym(h, "dnnl_sgemm");
        if (f) {
            char nt[16];
            snprintf(nt, sizeof nt, "%d", threads > 0 ? threads
                     : (int)sysconf(_SC_NPROCESSORS_ONLN));
            setenv("OMP_NUM_THREADS", nt, 0);
            f('N', 'T', (int64_t)M, (int64_t)N, (int64_t)K, 1.0f, A, K, Bm, K,
              0.0f, C, N);
            t = now_s();
            for (rep = 0; rep < reps; rep++)
                f('N', 'T', (int64_t)M, (int64_t)N, (int64_t)K, 1.0f, A, K, Bm,
                  K, 0.0f, C, N);
            t = (now_s() - t) / reps;
            printf("  oneDNN dnnl_sgemm (libdnnl.so.2) %8.1f GFLOP/s "
                   "(GEMM only, no max)\n", fl / t * 1e-9);
        }
    } else {
        printf("  oneDNN: libdnnl.so.2 not found\n");
    }
    h = dlopen("libblas.so.3", RTLD_NOW);
    if (h) {
        cblas_sgemm_fn f = (cblas_sgemm_fn)dlsym(h, "cblas_sgemm");
        if (f) {
            size_t n2 = 2048;  /* the reference BLAS is slow: smaller N */
            t = now_s();
            f(101, 111, 112, (int)M, (int)n2, (int)K, 1.0f, A, (int)K, Bm,
              (int)K, 0.0f, C, (int)n2);
            t = now_s() - t;
            printf("  system BLAS cblas_sgemm (libblas.so.3) %8.1f GFLOP/s\n",
                   2.0 * M * n2 * K / t * 1e-9);
        }
    }
    v2f__panels_free(&p);
    free(A); free(Bm); free(C); free(rowmax); free(scratch);
}

static int progress(void *user, uint64_t done, uint64_t total)
{
    double *t0 = user;
    static uint64_t next;
    if (done == total || done >= next) {
        fprintf(stderr, "\r  %llu / %llu kept, %.1f s   ",
                (unsigned long long)done, (unsigned long long)total,
                now_s() - *t0);
        next = done + total / 20;
    }
    if (done == total) {
        fprintf(stderr, "\n");
        next = 0;
    }
    return 0;
}

static int run(const char *label, const v2f_sampler *s, size_t n, float thr,
               int threads)
{
    size_t dim = v2f_sampler_dim(s);
    float *out = malloc(n * dim * sizeof(float));
    v2f_sample_opts o;
    v2f_sample_stats st;
    double t0 = now_s(), acc, per_cmp, Ns[2] = {300000, 4000000};
    int i;

    v2f_sample_opts_init(&o, sizeof o);
    o.seed = 1;
    o.max_similarity = thr;
    o.threads = threads;
    o.progress = progress;
    o.progress_user = &t0;
    st.struct_size = sizeof st;
    if (v2f_sample_identities(s, n, &o, out, &st) != V2F_OK) {
        fprintf(stderr, "%s: %s\n", label, v2f_last_error());
        free(out);
        return 1;
    }
    acc = (double)st.kept / (double)st.candidates;
    printf("%s: %zu identities, dim %zu, threshold %.2f\n", label, n, dim, thr);
    printf("  time %.2f s; candidates %llu (acceptance %.4f; rejected: similar "
           "%llu, excluded %llu, invalid %llu)\n", st.seconds,
           (unsigned long long)st.candidates, acc,
           (unsigned long long)st.rejected_similar,
           (unsigned long long)st.rejected_excluded,
           (unsigned long long)st.rejected_invalid);
    printf("  cost model: comparisons %.4g (ideal n^2/2/acceptance = %.4g), "
           "FLOPs 2*dim*comparisons = %.4g, achieved %.1f GFLOP/s\n",
           (double)st.comparisons, (double)n * n / 2 / acc, st.flops,
           st.gflops);
    per_cmp = st.seconds / (double)st.comparisons;
    for (i = 0; i < 2; i++)
        printf("  projection %.0fK at this acceptance and rate: %.4g "
               "comparisons, %.1f s (%.2f h)\n", Ns[i] / 1000,
               Ns[i] * Ns[i] / 2 / acc, Ns[i] * Ns[i] / 2 / acc * per_cmp,
               Ns[i] * Ns[i] / 2 / acc * per_cmp / 3600);
    {
        v2f_separability_report rep;
        v2f_separability_opts so;
        size_t m = n < 20000 ? n : 20000;
        memset(&rep, 0, sizeof rep);
        rep.struct_size = sizeof rep;
        v2f_separability_opts_init(&so, sizeof so);
        so.threads = threads;
        if (v2f_separability(out, m, dim, 0.4f, &so, &rep) == V2F_OK)
            printf("  check on the first %zu: nearest-neighbour cosine max "
                   "%.4f (< %.2f), mean %.4f; separated at 0.4: %llu\n", m,
                   rep.nn_max, thr, rep.nn_mean,
                   (unsigned long long)rep.separated);
    }
    free(out);
    return 0;
}

/* Synthetic "real" centres: anisotropic Gaussian (variance of direction i
 * proportional to 1 / (1 + i)^0.7 in a random rotation given by a random
 * mixing matrix), plus a small mean offset (mean pairwise cosine about
 * 0.05, like centres of different identities). */
static int fitted(size_t rows, size_t n, float thr, int threads)
{
    const size_t d = 512;
    float *X = malloc(rows * d * sizeof(float)), *W = malloc(d * d * sizeof(float)),
          *z = malloc(d * sizeof(float)), *mu = malloc(d * sizeof(float));
    v2f_sampler *s = NULL;
    v2f_sampler_fit_opts fo;
    size_t i, j, k;
    v2f_rng r;
    double t0;
    int rc;

    fill_random_unit(W, d, d, 7);   /* random unit mixing rows */
    v2f__rng_init(&r, 8, 99, 0, 1);
    v2f__rng_normals(&r, mu, d);
    for (i = 0; i < rows; i++) {
        v2f__rng_init(&r, 9, 99, i, 0);
        v2f__rng_normals(&r, z, d);
        for (k = 0; k < d; k++)
            X[i * d + k] = 0.05f * mu[k];
        for (j = 0; j < d; j++) {
            float c = z[j] / powf(1.0f + j, 0.35f);
            for (k = 0; k < d; k++)
                X[i * d + k] += c * W[j * d + k];
        }
    }
    {
        double mc = 0, cnt = 0;
        for (i = 0; i < 300; i++)
            for (j = 0; j < i; j++) {
                double ab = 0, aa = 0, bb = 0;
                for (k = 0; k < d; k++) {
                    ab += (double)X[i * d + k] * X[j * d + k];
                    aa += (double)X[i * d + k] * X[i * d + k];
                    bb += (double)X[j * d + k] * X[j * d + k];
                }
                mc += ab / sqrt(aa * bb);
                cnt++;
            }
        printf("synthetic centres: mean pairwise cosine %.4f\n", mc / cnt);
    }
    v2f_sampler_fit_opts_init(&fo, sizeof fo);
    t0 = now_s();
    if (v2f_sampler_fit(X, rows, d, &fo, &s) != V2F_OK) {
        fprintf(stderr, "fit: %s\n", v2f_last_error());
        return 1;
    }
    printf("fitted a Gaussian to %zu synthetic centres x %zu in %.2f s\n",
           rows, d, now_s() - t0);
    rc = run("fitted Gaussian", s, n, thr, threads);
    v2f_sampler_free(s);
    free(X); free(W); free(z); free(mu);
    return rc;
}

int main(int argc, char **argv)
{
    size_t n = 100000, fit_rows = 5000;
    int threads = 0, skip_fitted = 0, skip_gemm = 0, i, rc = 0;
    float thr = 0.3f;
    v2f_sampler *iso = NULL;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threshold") && i + 1 < argc)
            thr = strtof(argv[++i], NULL);
        else if (!strcmp(argv[i], "--fit-rows") && i + 1 < argc)
            fit_rows = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--skip-fitted"))
            skip_fitted = 1;
        else if (!strcmp(argv[i], "--skip-gemm"))
            skip_gemm = 1;
        else {
            fprintf(stderr, "usage: %s [--n N] [--threads T] [--threshold X] "
                    "[--fit-rows R] [--skip-fitted] [--skip-gemm]\n", argv[0]);
            return 2;
        }
    }
    printf("libvec2face %s, kernel %s, %ld online CPUs, threads %d (0 = all)\n",
           v2f_version(), v2f__kernel_name(), sysconf(_SC_NPROCESSORS_ONLN),
           threads);
    if (!skip_gemm)
        bench_gemm(threads);
    if (v2f_sampler_new_isotropic(512, 1.0f, 0.1f, &iso) != V2F_OK) {
        fprintf(stderr, "%s\n", v2f_last_error());
        return 1;
    }
    rc |= run("isotropic", iso, n, thr, threads);
    v2f_sampler_free(iso);
    if (!skip_fitted)
        rc |= fitted(fit_rows, n, thr, threads);
    return rc;
}
