/* Identity layer through the public API: perturbation, sampler fit /
 * candidates / save / load, separated sampling (checked against a naive
 * greedy re-implementation and brute-force pairwise cosines), centres and
 * separability against brute force in double, and hostile input.
 * Statistical tolerances are 5 standard errors for the sample size. */
#include "cmocka_all.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vec2face/vec2face.h>

/* ---- an independent generator for test data (splitmix64 + Box-Muller) --- */
static uint64_t sm_state;
static uint64_t sm_next(void)
{
    uint64_t z = (sm_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double sm_uniform(void) { return ((sm_next() >> 11) + 0.5) / 9007199254740992.0; }
static double sm_normal(void)
{
    return sqrt(-2 * log(sm_uniform())) * cos(6.283185307179586 * sm_uniform());
}
static float *randn(size_t rows, size_t dim, uint64_t seed)
{
    float *x = malloc(rows * dim * sizeof *x);
    size_t i;
    sm_state = seed;
    for (i = 0; i < rows * dim; i++)
        x[i] = (float)sm_normal();
    return x;
}
static double dot_d(const float *a, const float *b, size_t d)
{
    double s = 0;
    size_t k;
    for (k = 0; k < d; k++)
        s += (double)a[k] * b[k];
    return s;
}
static double cos_d(const float *a, const float *b, size_t d)
{
    return dot_d(a, b, d) / sqrt(dot_d(a, a, d) * dot_d(b, b, d));
}

/* ---- perturbation ---- */

static void perturb_keeps_norm(void **state)
{
    const size_t n = 50, d = 512, per = 4;
    float *v = randn(n, d, 1), *out = malloc(n * per * d * sizeof *out);
    v2f_perturb_opts o;
    size_t i, j;
    for (i = 0; i < n; i++)      /* norms from 0.01 to ~30 */
        for (j = 0; j < d; j++)
            v[i * d + j] *= (float)(0.0005 + 0.06 * i);
    v2f_perturb_opts_init(&o, sizeof o);
    o.seed = 7;
    o.images_per_vector = per;
    assert_int_equal(v2f_perturb(v, n, &o, out), V2F_OK);
    for (i = 0; i < n * per; i++) {
        double a = sqrt(dot_d(v + (i / per) * d, v + (i / per) * d, d));
        double b = sqrt(dot_d(out + i * d, out + i * d, d));
        assert_true(fabs(b / a - 1) < 1e-5);
        assert_true(memcmp(out + i * d, v + (i / per) * d, d * 4) != 0);
    }
    free(v);
    free(out);
}

static void perturb_mixture_shares(void **state)
{
    const size_t n = 500, d = 8, per = 40, N = n * per;
    float *v = randn(n, d, 2), *out = malloc(N * d * 4), *eo = malloc(N * 4);
    const float eps2[2] = {0.1f, 0.9f}, sh2[2] = {3, 1};
    v2f_perturb_opts o;
    size_t i, c[3] = {0, 0, 0};
    v2f_perturb_opts_init(&o, sizeof o);
    o.dim = d;
    o.images_per_vector = per;
    o.eps_out = eo;
    assert_int_equal(v2f_perturb(v, n, &o, out), V2F_OK);   /* defaults */
    for (i = 0; i < N; i++) {
        assert_true(eo[i] == 0.3f || eo[i] == 0.5f || eo[i] == 0.7f);
        c[eo[i] == 0.3f ? 0 : eo[i] == 0.5f ? 1 : 2]++;
    }
    {
        const double p[3] = {0.4, 0.4, 0.2};
        for (i = 0; i < 3; i++)
            assert_true(fabs((double)c[i] / N - p[i])
                        < 5 * sqrt(p[i] * (1 - p[i]) / N));
    }
    o.eps = eps2;
    o.eps_shares = sh2;
    o.eps_count = 2;
    assert_int_equal(v2f_perturb(v, n, &o, out), V2F_OK);
    c[0] = 0;
    for (i = 0; i < N; i++)
        c[0] += eo[i] == 0.1f;
    assert_true(fabs((double)c[0] / N - 0.75) < 5 * sqrt(0.75 * 0.25 / N));
    free(v); free(out); free(eo);
}

static void perturb_noise_scale(void **state)
{
    /* Unit v, fixed eps: E cos(v, out) ~ 1/sqrt(1 + d eps^2) (to O(1/d)),
     * per-image sd ~ eps / sqrt(1 + d eps^2). */
    const size_t d = 512, N = 2000;
    const float eps = 0.5f;
    float *v = randn(1, d, 3), *vs = malloc(N * d * 4), *out = malloc(N * d * 4);
    v2f_perturb_opts o;
    size_t i;
    double nv = sqrt(dot_d(v, v, d)), mean = 0, expect, sd;
    for (i = 0; i < d; i++)
        v[i] = (float)(v[i] / nv);
    for (i = 0; i < N; i++)
        memcpy(vs + i * d, v, d * 4);
    v2f_perturb_opts_init(&o, sizeof o);
    o.eps = &eps;
    o.eps_count = 1;
    o.seed = 11;
    assert_int_equal(v2f_perturb(vs, N, &o, out), V2F_OK);
    for (i = 0; i < N; i++)
        mean += cos_d(v, out + i * d, d) / N;
    expect = 1 / sqrt(1 + d * eps * eps);
    sd = eps / sqrt(1 + d * eps * eps);
    assert_true(fabs(mean - expect) < 5 * sd / sqrt((double)N) + 2e-3 * expect);
    free(v); free(vs); free(out);
}

static void perturb_independent_of_split(void **state)
{
    const size_t n = 30, d = 64, per = 5;
    float *v = randn(n, d, 4), *all = malloc(n * per * d * 4),
          *one = malloc(d * 4), *inplace = malloc(n * d * 4);
    uint64_t ids[1], img[1];
    v2f_perturb_opts o;
    size_t i, j;
    v2f_perturb_opts_init(&o, sizeof o);
    o.dim = d;
    o.seed = 99;
    o.identity_base = 1000;
    o.image_base = 10;
    o.images_per_vector = per;
    assert_int_equal(v2f_perturb(v, n, &o, all), V2F_OK);
    /* One image at a time, keyed explicitly. */
    for (i = 0; i < n; i++)
        for (j = 0; j < per; j++) {
            v2f_perturb_opts p = o;
            ids[0] = 1000 + i;
            img[0] = 10 + j;
            p.identity_index = ids;
            p.image_index = img;
            p.images_per_vector = 1;
            assert_int_equal(v2f_perturb(v + i * d, 1, &p, one), V2F_OK);
            assert_memory_equal(one, all + (i * per + j) * d, d * 4);
        }
    /* In place, images_per_vector 1: image 10 of each. */
    memcpy(inplace, v, n * d * 4);
    o.images_per_vector = 1;
    assert_int_equal(v2f_perturb(inplace, n, &o, inplace), V2F_OK);
    for (i = 0; i < n; i++)
        assert_memory_equal(inplace + i * d, all + i * per * d, d * 4);
    free(v); free(all); free(one); free(inplace);
}

static void perturb_bad_input(void **state)
{
    const size_t d = 16;
    float *v = randn(3, d, 5), out[3 * 16];
    float bad_eps = -1, nan_share = NAN, e = 0.3f;
    v2f_perturb_opts o;
    v2f_perturb_opts_init(&o, sizeof o);
    o.dim = d;
    assert_int_equal(v2f_perturb(NULL, 3, &o, out), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_perturb(v, 0, &o, out), V2F_E_INVALID_ARG);
    v[d + 3] = NAN;
    assert_int_equal(v2f_perturb(v, 3, &o, out), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "vector 1"));
    memset(v + d, 0, d * 4);
    assert_int_equal(v2f_perturb(v, 3, &o, out), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "zero"));
    v[d] = 1;
    o.eps = &bad_eps;
    o.eps_count = 1;
    assert_int_equal(v2f_perturb(v, 3, &o, out), V2F_E_INVALID_ARG);
    o.eps = &e;
    o.eps_shares = &nan_share;
    assert_int_equal(v2f_perturb(v, 3, &o, out), V2F_E_INVALID_ARG);
    o.eps_shares = NULL;
    o.struct_size = 0;
    assert_int_equal(v2f_perturb(v, 3, &o, out), V2F_E_INVALID_ARG);
    free(v);
}

/* ---- sampler: fit ---- */

/* rows of N(mu, A A^T), A lower triangular d x d */
static float *gaussian_rows(size_t n, size_t d, const double *mu,
                            const double *A, uint64_t seed)
{
    float *x = malloc(n * d * 4);
    double *z = malloc(d * sizeof *z);
    size_t r, i, k;
    sm_state = seed;
    for (r = 0; r < n; r++) {
        for (i = 0; i < d; i++)
            z[i] = sm_normal();
        for (i = 0; i < d; i++) {
            double s = mu[i];
            for (k = 0; k <= i; k++)
                s += A[i * d + k] * z[k];
            x[r * d + i] = (float)s;
        }
    }
    free(z);
    return x;
}

/* Sample mean and covariance of rows vs (mu, S) within 5 standard errors. */
static void check_moments(const float *x, size_t n, size_t d, const double *mu,
                          const double *S)
{
    double m[8] = {0}, C[64] = {0};
    size_t r, i, j;
    for (r = 0; r < n; r++)
        for (i = 0; i < d; i++)
            m[i] += x[r * d + i] / (double)n;
    for (r = 0; r < n; r++)
        for (i = 0; i < d; i++)
            for (j = 0; j < d; j++)
                C[i * d + j] += (x[r * d + i] - m[i]) * (x[r * d + j] - m[j])
                                / (double)(n - 1);
    for (i = 0; i < d; i++) {
        assert_true(fabs(m[i] - mu[i]) < 5 * sqrt(S[i * d + i] / n));
        for (j = 0; j < d; j++) {
            double se = sqrt((S[i * d + i] * S[j * d + j]
                              + S[i * d + j] * S[i * d + j]) / n);
            assert_true(fabs(C[i * d + j] - S[i * d + j]) < 5 * se);
        }
    }
}

static const double MU4[4] = {1.0, -2.0, 0.5, 3.0};
static const double A4[16] = {1.0, 0, 0, 0,   0.5, 0.8, 0, 0,
                              -0.3, 0.2, 0.6, 0,   0.1, -0.4, 0.3, 1.2};

static void fit_moments_and_candidates(void **state)
{
    const size_t n = 20000, d = 4;
    double S[16], mu_f[4], S_f[16];
    float *x = gaussian_rows(n, d, MU4, A4, 21), *c = malloc(n * d * 4);
    v2f_sampler *s = NULL;
    size_t i, j, k;
    for (i = 0; i < d; i++)
        for (j = 0; j < d; j++) {
            S[i * d + j] = 0;
            for (k = 0; k < d; k++)
                S[i * d + j] += A4[i * d + k] * A4[j * d + k];
        }
    assert_int_equal(v2f_sampler_fit(x, n, d, NULL, &s), V2F_OK);
    assert_int_equal(v2f_sampler_dim(s), d);
    /* Fitted parameters vs the truth (the fit's own statistics). */
    for (i = 0; i < d; i++) {
        mu_f[i] = v2f_sampler_mean(s)[i];
        assert_true(fabs(mu_f[i] - MU4[i]) < 5 * sqrt(S[i * d + i] / n));
        for (j = 0; j < d; j++) {
            double se = sqrt((S[i * d + i] * S[j * d + j]
                              + S[i * d + j] * S[i * d + j]) / n);
            S_f[i * d + j] = v2f_sampler_cov(s)[i * d + j];
            assert_true(fabs(S_f[i * d + j] - S[i * d + j]) < 5 * se);
            assert_true(S_f[i * d + j] == v2f_sampler_cov(s)[j * d + i]);
        }
    }
    /* Samples vs the fitted parameters. */
    assert_int_equal(v2f_sampler_candidates(s, 5, 0, n, c), V2F_OK);
    check_moments(c, n, d, mu_f, S_f);
    /* Candidate k depends on (seed, k) only. */
    {
        float one[4];
        assert_int_equal(v2f_sampler_candidates(s, 5, 1234, 1, one), V2F_OK);
        assert_memory_equal(one, c + 1234 * d, sizeof one);
    }
    v2f_sampler_free(s);
    free(x); free(c);
}

static void fit_rank_deficiency(void **state)
{
    const size_t d = 8;
    float *x = randn(100, d, 31);
    v2f_sampler *s = (v2f_sampler *)1;
    v2f_sampler_fit_opts o;
    size_t i, j;
    double tr = 0;
    /* Fewer rows than dim + 1: a clear error naming the way out. */
    assert_int_equal(v2f_sampler_fit(x, 5, d, NULL, &s), V2F_E_INVALID_ARG);
    assert_null(s);
    assert_non_null(strstr(v2f_last_error(), "shrinkage"));
    v2f_sampler_fit_opts_init(&o, sizeof o);
    o.shrinkage = 0.25f;
    assert_int_equal(v2f_sampler_fit(x, 5, d, &o, &s), V2F_OK);
    {   /* cov = 0.75 S + 0.25 tr(S)/d I with S of the 5 rows */
        double m[8] = {0}, S[64] = {0};
        for (i = 0; i < 5; i++)
            for (j = 0; j < d; j++)
                m[j] += x[i * d + j] / 5.0;
        for (i = 0; i < 5; i++)
            for (j = 0; j < d; j++) {
                size_t k;
                for (k = 0; k < d; k++)
                    S[j * d + k] += (x[i * d + j] - m[j]) * (x[i * d + k] - m[k]) / 4.0;
            }
        for (j = 0; j < d; j++)
            tr += S[j * d + j];
        for (j = 0; j < d; j++)
            for (i = 0; i < d; i++) {
                double e = 0.75 * S[j * d + i] + (i == j ? 0.25 * tr / d : 0);
                assert_true(fabs(v2f_sampler_cov(s)[j * d + i] - e) < 1e-5 * (1 + fabs(e)));
            }
    }
    v2f_sampler_free(s);
    /* Many rows, but all in a 3-d subspace: singular. */
    for (i = 0; i < 100; i++)
        for (j = 3; j < d; j++)
            x[i * d + j] = x[i * d + 0] - 2 * x[i * d + 1];
    assert_int_equal(v2f_sampler_fit(x, 100, d, NULL, &s), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "singular"));
    o.shrinkage = 0.1f;
    assert_int_equal(v2f_sampler_fit(x, 100, d, &o, &s), V2F_OK);
    v2f_sampler_free(s);
    /* Bad values. */
    o.shrinkage = 1.5f;
    assert_int_equal(v2f_sampler_fit(x, 100, d, &o, &s), V2F_E_INVALID_ARG);
    x[7] = NAN;
    assert_int_equal(v2f_sampler_fit(x, 100, d, NULL, &s), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "centre 0"));
    assert_int_equal(v2f_sampler_fit(NULL, 100, d, NULL, &s), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_sampler_fit(x, 1, d, NULL, &s), V2F_E_INVALID_ARG);
    v2f_sampler_free(NULL);
    free(x);
}

static void isotropic_norms_and_directions(void **state)
{
    const size_t n = 5000, d = 64;
    float *c = malloc(n * d * 4);
    v2f_sampler *s = NULL;
    double mn = 0, mean[64] = {0};
    size_t i, j;
    assert_int_equal(v2f_sampler_new_isotropic(d, 5.0f, 0.5f, &s), V2F_OK);
    assert_null(v2f_sampler_mean(s));
    assert_int_equal(v2f_sampler_candidates(s, 3, 0, n, c), V2F_OK);
    for (i = 0; i < n; i++) {
        mn += sqrt(dot_d(c + i * d, c + i * d, d)) / n;
        for (j = 0; j < d; j++)
            mean[j] += c[i * d + j] / sqrt(dot_d(c + i * d, c + i * d, d)) / n;
    }
    assert_true(fabs(mn - 5.0) < 5 * 0.5 / sqrt((double)n));
    for (j = 0; j < d; j++)   /* unit directions: coordinate sd 1/sqrt(d) */
        assert_true(fabs(mean[j]) < 5 / sqrt((double)d * n));
    v2f_sampler_free(s);
    assert_int_equal(v2f_sampler_new_isotropic(0, 1, 0, &s), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_sampler_new_isotropic(8, -1, 0, &s), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_sampler_new_isotropic(8, 1, NAN, &s), V2F_E_INVALID_ARG);
    free(c);
}

static void save_load_roundtrip(void **state)
{
    const size_t n = 500, d = 6;
    double mu[6] = {0}, A[36] = {0};
    float *x, c1[10 * 6], c2[10 * 6];
    v2f_sampler *s = NULL, *t = NULL;
    v2f_array *a = NULL;
    char path[] = "/tmp/v2f_sampler_XXXXXX.npz";
    size_t i;
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    close(fd);
    for (i = 0; i < d; i++)
        A[i * d + i] = 1 + i, mu[i] = i;
    x = gaussian_rows(n, d, mu, A, 41);
    assert_int_equal(v2f_sampler_fit(x, n, d, NULL, &s), V2F_OK);
    assert_int_equal(v2f_sampler_save(s, path), V2F_OK);
    assert_int_equal(v2f_sampler_load(path, &t), V2F_OK);
    assert_int_equal(v2f_sampler_dim(t), d);
    assert_memory_equal(v2f_sampler_mean(s), v2f_sampler_mean(t), d * 4);
    assert_memory_equal(v2f_sampler_cov(s), v2f_sampler_cov(t), d * d * 4);
    assert_int_equal(v2f_sampler_candidates(s, 9, 100, 10, c1), V2F_OK);
    assert_int_equal(v2f_sampler_candidates(t, 9, 100, 10, c2), V2F_OK);
    assert_memory_equal(c1, c2, sizeof c1);
    /* numpy-readable members */
    assert_int_equal(v2f_npz_read(path, "cov", &a), V2F_OK);
    assert_int_equal(v2f_array_rows(a), d);
    assert_memory_equal(v2f_array_data(a), v2f_sampler_cov(s), d * d * 4);
    v2f_array_free(a);
    v2f_sampler_free(t);
    v2f_sampler_free(s);
    /* isotropic */
    assert_int_equal(v2f_sampler_new_isotropic(12, 2.0f, 0.25f, &s), V2F_OK);
    assert_int_equal(v2f_sampler_save(s, path), V2F_OK);
    assert_int_equal(v2f_sampler_load(path, &t), V2F_OK);
    assert_int_equal(v2f_sampler_candidates(s, 1, 0, 5, c1), V2F_OK);
    assert_int_equal(v2f_sampler_candidates(t, 1, 0, 5, c2), V2F_OK);
    assert_memory_equal(c1, c2, 5 * 12 * 4);
    v2f_sampler_free(t);
    v2f_sampler_free(s);
    /* not a sampler file */
    assert_int_equal(v2f_npy_write(path, x, 4, 3), V2F_OK);
    assert_int_equal(v2f_sampler_load(path, &t), V2F_E_FORMAT);
    assert_null(t);
    unlink(path);
    assert_int_equal(v2f_sampler_load(path, &t), V2F_E_IO);
    assert_int_equal(v2f_sampler_save(NULL, path), V2F_E_INVALID_ARG);
    free(x);
}

/* ---- separated sampling ---- */

/* The library's unit vector: |x| in double, then x * (1/|x|) rounded. */
static void unit_like_lib(const float *x, size_t d, float *u)
{
    double s = 0, inv;
    size_t k;
    for (k = 0; k < d; k++)
        s += (double)x[k] * x[k];
    inv = 1.0 / sqrt(s);
    for (k = 0; k < d; k++)
        u[k] = (float)(x[k] * inv);
}
static float dot_chain(const float *a, const float *b, size_t d)
{
    float acc = 0;
    size_t k;
    for (k = 0; k < d; k++)
        acc = fmaf(a[k], b[k], acc);
    return acc;
}

/* Naive greedy over the raw candidate stream: returns kept count, fills
 * kept (raw) and the number of candidates consumed. */
static size_t naive_greedy(const v2f_sampler *s, uint64_t seed, size_t n,
                           float thr, const float *excl, size_t ne,
                           float *kept, uint64_t *consumed)
{
    size_t d = v2f_sampler_dim(s), m = 0, i, j;
    float *ku = malloc(n * d * 4), *eu = malloc((ne + 1) * d * 4),
          *x = malloc(d * 4), *u = malloc(d * 4);
    uint64_t k = 0;
    for (i = 0; i < ne; i++)
        unit_like_lib(excl + i * d, d, eu + i * d);
    while (m < n && k < 1000000) {
        int ok = 1;
        assert_int_equal(v2f_sampler_candidates(s, seed, k++, 1, x), V2F_OK);
        unit_like_lib(x, d, u);
        for (j = 0; j < ne && ok; j++)
            ok = dot_chain(u, eu + j * d, d) < thr;
        for (j = 0; j < m && ok; j++)
            ok = dot_chain(u, ku + j * d, d) < thr;
        if (ok) {
            memcpy(kept + m * d, x, d * 4);
            memcpy(ku + m * d, u, d * 4);
            m++;
        }
    }
    *consumed = k;
    free(ku); free(eu); free(x); free(u);
    return m;
}

static void assert_pairs_below(const float *x, size_t n, size_t d, float thr)
{
    size_t i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < i; j++)
            assert_true(cos_d(x + i * d, x + j * d, d) < thr + 1e-5);
}

static v2f_sampler *gauss_sampler(size_t d)
{
    /* Anisotropic with an offset mean: plenty of rejections. */
    double *mu = calloc(d, sizeof *mu), *A = calloc(d * d, sizeof *A);
    float *x;
    v2f_sampler *s = NULL;
    size_t i;
    for (i = 0; i < d; i++) {
        mu[i] = i % 3 == 0 ? 0.1 : 0;
        A[i * d + i] = 1.0 / (1 + 0.1 * i);
        if (i)
            A[i * d + i - 1] = 0.2;
    }
    x = gaussian_rows(2000, d, mu, A, 51);
    assert_int_equal(v2f_sampler_fit(x, 2000, d, NULL, &s), V2F_OK);
    free(x); free(mu); free(A);
    return s;
}

static void sample_matches_naive_greedy(void **state)
{
    const size_t d = 16, n = 500;
    v2f_sampler *s = gauss_sampler(d);
    float *out = malloc(n * d * 4), *ref = malloc(n * d * 4);
    v2f_sample_opts o;
    v2f_sample_stats st;
    uint64_t consumed;
    size_t m;
    v2f_sample_opts_init(&o, sizeof o);
    o.seed = 17;
    o.max_similarity = 0.65f;
    st.struct_size = sizeof st;
    assert_int_equal(v2f_sample_identities(s, n, &o, out, &st), V2F_OK);
    assert_int_equal(st.kept, n);
    assert_true(st.rejected_similar > n / 10);   /* the test bites */
    assert_int_equal(st.candidates, st.kept + st.rejected_similar
                                        + st.rejected_excluded + st.rejected_invalid);
    m = naive_greedy(s, 17, n, 0.65f, NULL, 0, ref, &consumed);
    assert_int_equal(m, n);
    assert_int_equal(consumed, st.candidates);
    assert_memory_equal(out, ref, n * d * 4);
    assert_pairs_below(out, n, d, 0.65f);
    assert_true(st.comparisons > 0 && st.flops == 2.0 * d * st.comparisons);
    v2f_sampler_free(s);
    free(out); free(ref);
}

static void sample_isotropic_pairs_below(void **state)
{
    const size_t d = 32, n = 2500;
    v2f_sampler *s = NULL;
    float *out = malloc(n * d * 4);
    v2f_sample_opts o;
    v2f_sample_stats st;
    assert_int_equal(v2f_sampler_new_isotropic(d, 1, 0.2f, &s), V2F_OK);
    v2f_sample_opts_init(&o, sizeof o);
    o.max_similarity = 0.5f;
    st.struct_size = sizeof st;
    assert_int_equal(v2f_sample_identities(s, n, &o, out, &st), V2F_OK);
    assert_true(st.rejected_similar > 0);
    assert_pairs_below(out, n, d, 0.5f);
    v2f_sampler_free(s);
    free(out);
}

static void sample_exclusion_honoured(void **state)
{
    const size_t d = 16, n = 300, ne = 300;
    v2f_sampler *s = gauss_sampler(d);
    float *ex = malloc(ne * d * 4), *out = malloc(n * d * 4),
          *ref = malloc(n * d * 4);
    v2f_sample_opts o;
    v2f_sample_stats st;
    uint64_t consumed;
    size_t i, j;
    assert_int_equal(v2f_sampler_candidates(s, 1234, 0, ne, ex), V2F_OK);
    v2f_sample_opts_init(&o, sizeof o);
    o.seed = 3;
    o.max_similarity = 0.65f;
    o.exclude = ex;
    o.exclude_rows = ne;
    o.exclude_dim = d;
    st.struct_size = sizeof st;
    assert_int_equal(v2f_sample_identities(s, n, &o, out, &st), V2F_OK);
    assert_true(st.rejected_excluded > 0);
    for (i = 0; i < n; i++)
        for (j = 0; j < ne; j++)
            assert_true(cos_d(out + i * d, ex + j * d, d) < 0.65 + 1e-5);
    assert_int_equal(naive_greedy(s, 3, n, 0.65f, ex, ne, ref, &consumed), n);
    assert_memory_equal(out, ref, n * d * 4);
    v2f_sampler_free(s);
    free(ex); free(out); free(ref);
}

static int cancel_at(void *user, uint64_t done, uint64_t total)
{
    return done >= *(uint64_t *)user;
}

static void sample_deterministic_and_resumable(void **state)
{
    const size_t d = 16, n = 500;
    v2f_sampler *s = gauss_sampler(d);
    float *a = malloc(n * d * 4), *b = malloc(n * d * 4), *c = malloc(n * d * 4);
    v2f_sample_opts o, p;
    v2f_sample_stats sa, sb;
    uint64_t stop = 150;
    v2f_sample_opts_init(&o, sizeof o);
    o.seed = 5;
    o.max_similarity = 0.65f;
    o.threads = 2;
    sa.struct_size = sb.struct_size = sizeof sa;
    assert_int_equal(v2f_sample_identities(s, n, &o, a, &sa), V2F_OK);
    /* Same seed, other threads and blocks: same bits. */
    p = o;
    p.threads = 1;
    p.block_size = 7;
    assert_int_equal(v2f_sample_identities(s, n, &p, b, &sb), V2F_OK);
    assert_memory_equal(a, b, n * d * 4);
    assert_int_equal(sa.candidates, sb.candidates);
    /* Another seed: other vectors. */
    p.seed = 6;
    assert_int_equal(v2f_sample_identities(s, n, &p, c, NULL), V2F_OK);
    assert_memory_not_equal(a, c, n * d * 4);
    /* Resume from a shorter run. */
    memset(c, 0, n * d * 4);
    p = o;
    assert_int_equal(v2f_sample_identities(s, 200, &p, c, &sb), V2F_OK);
    assert_int_equal(sb.kept, 200);
    p.resume_kept = sb.kept;
    p.resume_candidates = sb.candidates;
    p.block_size = 33;
    assert_int_equal(v2f_sample_identities(s, n, &p, c, &sb), V2F_OK);
    assert_memory_equal(a, c, n * d * 4);
    assert_int_equal(sb.candidates, sa.candidates);
    /* Cancel, then resume from the stats. */
    memset(c, 0, n * d * 4);
    p = o;
    p.block_size = 64;
    p.progress = cancel_at;
    p.progress_user = &stop;
    assert_int_equal(v2f_sample_identities(s, n, &p, c, &sb), V2F_E_CANCELLED);
    assert_true(sb.kept >= stop && sb.kept < n);
    p.progress = NULL;
    p.resume_kept = sb.kept;
    p.resume_candidates = sb.candidates;
    assert_int_equal(v2f_sample_identities(s, n, &p, c, &sb), V2F_OK);
    assert_memory_equal(a, c, n * d * 4);
    v2f_sampler_free(s);
    free(a); free(b); free(c);
}

static void sample_bad_input(void **state)
{
    const size_t d = 8;
    v2f_sampler *s = NULL;
    float out[20 * 8], ex[2 * 8];
    v2f_sample_opts o;
    v2f_sample_stats st;
    size_t i;
    assert_int_equal(v2f_sampler_new_isotropic(d, 1, 0, &s), V2F_OK);
    for (i = 0; i < 16; i++)
        ex[i] = (float)(i + 1);
    v2f_sample_opts_init(&o, sizeof o);
    assert_int_equal(v2f_sample_identities(NULL, 5, &o, out, NULL), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_sample_identities(s, 0, &o, out, NULL), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_sample_identities(s, 5, &o, NULL, NULL), V2F_E_INVALID_ARG);
    {
        const float bad[] = {-1.0f, 1.5f, NAN, -2.0f};
        for (i = 0; i < 4; i++) {
            o.max_similarity = bad[i];
            assert_int_equal(v2f_sample_identities(s, 5, &o, out, NULL),
                             V2F_E_INVALID_ARG);
            assert_non_null(strstr(v2f_last_error(), "(-1, 1]"));
        }
    }
    o.max_similarity = 1.0f;   /* the closed end is allowed */
    assert_int_equal(v2f_sample_identities(s, 5, &o, out, NULL), V2F_OK);
    o.max_similarity = 0.3f;
    o.exclude = ex;
    o.exclude_rows = 2;
    o.exclude_dim = d + 1;     /* dim mismatch */
    assert_int_equal(v2f_sample_identities(s, 5, &o, out, NULL), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "exclude_dim"));
    o.exclude_dim = d;
    ex[d + 2] = NAN;           /* NaN row */
    assert_int_equal(v2f_sample_identities(s, 5, &o, out, NULL), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "exclusion row 1"));
    memset(ex, 0, d * 4);      /* zero row */
    ex[d + 2] = 1;
    assert_int_equal(v2f_sample_identities(s, 5, &o, out, NULL), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "exclusion row 0"));
    o.exclude = NULL;
    o.exclude_rows = 0;
    o.resume_kept = 6;         /* more than n */
    assert_int_equal(v2f_sample_identities(s, 5, &o, out, NULL), V2F_E_INVALID_ARG);
    o.resume_kept = 2;         /* zero resumed row */
    memset(out, 0, sizeof out);
    assert_int_equal(v2f_sample_identities(s, 5, &o, out, NULL), V2F_E_INVALID_ARG);
    /* Too strict: at most d+1 vectors can be pairwise below -1/d. */
    o.resume_kept = 0;
    o.max_similarity = -0.5f;
    o.max_candidates = 5000;
    st.struct_size = sizeof st;
    assert_int_equal(v2f_sample_identities(s, 20, &o, out, &st), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "too strict"));
    assert_true(st.kept >= 1 && st.kept <= 3);
    assert_int_equal(st.candidates, 5000);
    v2f_sampler_free(s);
}

/* ---- centres and separability ---- */

static void centres_vs_brute_force(void **state)
{
    const size_t n = 600, d = 10, ids = 37;
    float *f = randn(n, d, 61);
    int64_t *lab = malloc(n * sizeof *lab);
    uint64_t cnt[37];
    v2f_array *a = NULL;
    v2f_centres_opts o;
    size_t i, j, k;
    for (i = 0; i < n; i++)
        lab[i] = i < ids ? (int64_t)i : (int64_t)(sm_next() % ids);
    v2f_centres_opts_init(&o, sizeof o);
    o.counts_out = cnt;
    for (int norm = 0; norm < 2; norm++) {
        o.normalize = norm;
        assert_int_equal(v2f_identity_centres_from_features(f, n, d, lab, ids, &o, &a),
                         V2F_OK);
        assert_int_equal(v2f_array_rows(a), ids);
        assert_int_equal(v2f_array_cols(a), d);
        for (i = 0; i < ids; i++) {
            double s[10] = {0};
            uint64_t c = 0;
            for (j = 0; j < n; j++) {
                double nn = norm ? sqrt(dot_d(f + j * d, f + j * d, d)) : 1;
                if (lab[j] != (int64_t)i)
                    continue;
                c++;
                for (k = 0; k < d; k++)
                    s[k] += f[j * d + k] / nn;
            }
            assert_int_equal(cnt[i], c);
            for (k = 0; k < d; k++)
                assert_true(fabs(v2f_array_data(a)[i * d + k] - s[k] / c) < 1e-5);
        }
        v2f_array_free(a);
    }
    lab[5] = (int64_t)ids;
    assert_int_equal(v2f_identity_centres_from_features(f, n, d, lab, ids, NULL, &a),
                     V2F_E_INVALID_ARG);
    assert_null(a);
    lab[5] = -1;
    assert_int_equal(v2f_identity_centres_from_features(f, n, d, lab, ids, NULL, &a),
                     V2F_E_INVALID_ARG);
    lab[5] = 5;
    assert_int_equal(v2f_identity_centres_from_features(f, n, d, lab, ids + 1, NULL, &a),
                     V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "no features"));
    f[3] = NAN;
    assert_int_equal(v2f_identity_centres_from_features(f, n, d, lab, ids, NULL, &a),
                     V2F_E_INVALID_ARG);
    free(f);
    free(lab);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void separability_vs_brute_force(void **state)
{
    const size_t n = 700, d = 12;
    float *x = randn(n, d, 71), *nn = malloc(n * 4);
    v2f_separability_report r;
    v2f_separability_opts o;
    size_t i, j, sep = 0, near = 0;
    uint64_t hist_total = 0;
    double *best = malloc(n * sizeof *best), *sorted = malloc(n * sizeof *sorted);
    float thr;
    for (i = 0; i < n; i++) {
        best[i] = -2;
        for (j = 0; j < n; j++)
            if (j != i && cos_d(x + i * d, x + j * d, d) > best[i])
                best[i] = cos_d(x + i * d, x + j * d, d);
        sorted[i] = best[i];
    }
    qsort(sorted, n, sizeof *sorted, cmp_double);
    thr = (float)sorted[n / 2];   /* about half separated */
    v2f_separability_opts_init(&o, sizeof o);
    o.nn_out = nn;
    o.threads = 2;
    r.struct_size = sizeof r;
    assert_int_equal(v2f_separability(x, n, d, thr, &o, &r), V2F_OK);
    assert_int_equal(r.n, n);
    for (i = 0; i < n; i++) {
        assert_true(fabs(nn[i] - best[i]) < 1e-5);
        sep += best[i] <= thr;
        near += fabs(best[i] - thr) < 1e-5;
    }
    free(best);
    free(sorted);
    assert_true((size_t)labs((long)r.separated - (long)sep) <= near);
    assert_true(r.separated > 0 && r.separated < n);
    for (i = 0; i < V2F_SEPARABILITY_BINS; i++)
        hist_total += r.histogram[i];
    assert_int_equal(hist_total, n);
    {   /* the bin of the largest value holds at least one */
        int b = (int)floor((r.nn_max + 1.0) * V2F_SEPARABILITY_BINS / 2);
        if (b >= V2F_SEPARABILITY_BINS) b = V2F_SEPARABILITY_BINS - 1;
        assert_true(r.histogram[b] >= 1);
    }
    /* threshold 1: everything separated */
    assert_int_equal(v2f_separability(x, n, d, 1.0f, NULL, &r), V2F_OK);
    assert_int_equal(r.separated, n);
    /* bad input */
    assert_int_equal(v2f_separability(x, n, d, -1.0f, NULL, &r), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_separability(x, n, d, 1.01f, NULL, &r), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_separability(x, 1, d, 0.4f, NULL, &r), V2F_E_INVALID_ARG);
    memset(x + 3 * d, 0, d * 4);
    assert_int_equal(v2f_separability(x, n, d, 0.4f, NULL, &r), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "vector 3"));
    x[3 * d] = NAN;
    assert_int_equal(v2f_separability(x, n, d, 0.4f, NULL, &r), V2F_E_INVALID_ARG);
    free(x);
    free(nn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(perturb_keeps_norm),
        cmocka_unit_test(perturb_mixture_shares),
        cmocka_unit_test(perturb_noise_scale),
        cmocka_unit_test(perturb_independent_of_split),
        cmocka_unit_test(perturb_bad_input),
        cmocka_unit_test(fit_moments_and_candidates),
        cmocka_unit_test(fit_rank_deficiency),
        cmocka_unit_test(isotropic_norms_and_directions),
        cmocka_unit_test(save_load_roundtrip),
        cmocka_unit_test(sample_matches_naive_greedy),
        cmocka_unit_test(sample_isotropic_pairs_below),
        cmocka_unit_test(sample_exclusion_honoured),
        cmocka_unit_test(sample_deterministic_and_resumable),
        cmocka_unit_test(sample_bad_input),
        cmocka_unit_test(centres_vs_brute_force),
        cmocka_unit_test(separability_vs_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
