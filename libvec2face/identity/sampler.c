/* v2f_sampler: fit / isotropic / save / load and its candidates
 * (sample_identities.c keeps the ones far enough apart).
 *
 * Candidate k of a seed is a pure function of (seed, k): its normals come
 * from the stream (seed, V2F_RNG_SAMPLER, k, 0). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "io/npz_write.h"
#include "io/array.h"

enum { KIND_GAUSSIAN = 0, KIND_ISOTROPIC = 1 };
#define FORMAT_VERSION 1
#define META_LEN 8

struct v2f_sampler {
    int kind;
    size_t dim;
    float norm_mean, norm_std, shrinkage;
    uint64_t rows;
    float *mean;   /* [dim] */
    float *cov;    /* [dim][dim], symmetric, as used */
    float *U;      /* [dim][dim], U = L^T, cov = L L^T */
};

void v2f_sampler_fit_opts_init(v2f_sampler_fit_opts *o, size_t size)
{
    if (!o || size < sizeof(uint32_t))
        return;
    memset(o, 0, size);
    o->struct_size = (uint32_t)size;
}

void v2f_sampler_free(v2f_sampler *s)
{
    if (!s)
        return;
    free(s->mean);
    free(s->cov);
    free(s->U);
    free(s);
}

size_t v2f_sampler_dim(const v2f_sampler *s) { return s ? s->dim : 0; }
const float *v2f_sampler_mean(const v2f_sampler *s) { return s ? s->mean : NULL; }
const float *v2f_sampler_cov(const v2f_sampler *s) { return s ? s->cov : NULL; }

static v2f_status new_sampler(int kind, size_t dim, v2f_sampler **out)
{
    v2f_sampler *s;
    int ok = 1;
    size_t dd = v2f__mul(dim, dim, &ok);
    v2f__mul(dd, sizeof(float), &ok);
    if (!ok)
        return v2f__fail(V2F_E_OVERFLOW, "sampler of dim %zu is too large", dim);
    s = calloc(1, sizeof *s);
    if (!s)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory for a sampler");
    s->kind = kind;
    s->dim = dim;
    if (kind == KIND_GAUSSIAN) {
        s->mean = calloc(dim, sizeof(float));
        s->cov = calloc(dd, sizeof(float));
        s->U = calloc(dd, sizeof(float));
        if (!s->mean || !s->cov || !s->U) {
            v2f_sampler_free(s);
            return v2f__fail(V2F_E_NO_MEMORY, "out of memory for a sampler "
                             "of dim %zu", dim);
        }
    }
    *out = s;
    return V2F_OK;
}

/* Cholesky of s->cov (in double) into s->U. Fails when a pivot is not
 * clearly positive: tolerance 1e-6 of the largest variance. */
static v2f_status factor(v2f_sampler *s, v2f_status fail_status,
                         const char *what)
{
    size_t d = s->dim, i, j, k;
    double *L, maxd = 0, tol;
    L = calloc(d * d, sizeof *L);
    if (!L)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory for a Cholesky "
                         "factor of dim %zu", d);
    for (i = 0; i < d; i++)
        if (s->cov[i * d + i] > maxd)
            maxd = s->cov[i * d + i];
    tol = 1e-6 * maxd;
    for (j = 0; j < d; j++) {
        double sum = s->cov[j * d + j];
        for (k = 0; k < j; k++)
            sum -= L[j * d + k] * L[j * d + k];
        if (!(sum > tol) || !(maxd > 0)) {
            free(L);
            return v2f__fail(fail_status, "%s: the covariance is singular "
                             "or not positive definite (pivot %zu of %zu is "
                             "%g, largest variance %g): its rank is at most "
                             "%zu; set v2f_sampler_fit_opts.shrinkage > 0 "
                             "(e.g. 0.1)", what, j, d, sum, maxd, j);
        }
        L[j * d + j] = sqrt(sum);
        for (i = j + 1; i < d; i++) {
            double t = s->cov[i * d + j];
            for (k = 0; k < j; k++)
                t -= L[i * d + k] * L[j * d + k];
            L[i * d + j] = t / L[j * d + j];
        }
    }
    for (i = 0; i < d; i++)
        for (k = 0; k <= i; k++)
            s->U[k * d + i] = (float)L[i * d + k];
    free(L);
    return V2F_OK;
}

v2f_status v2f_sampler_fit(const float *centres, size_t n, size_t dim,
                           const v2f_sampler_fit_opts *opts,
                           v2f_sampler **out)
{
    v2f_sampler_fit_opts o;
    v2f_sampler *s = NULL;
    double *mean, *S, *c, tr = 0, a;
    size_t i, j, r, bad;
    v2f_status st;
    int ok = 1;

    if (out)
        *out = NULL;
    v2f_sampler_fit_opts_init(&o, sizeof o);
    st = v2f__copy_opts(&o, sizeof o, opts, "v2f_sampler_fit_opts");
    if (st != V2F_OK)
        return st;
    if (!centres || !out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sampler_fit: NULL %s",
                         !centres ? "centres" : "out");
    if (n < 2 || dim == 0)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sampler_fit: need n >= 2 "
                         "rows and dim >= 1 (got %zu x %zu)", n, dim);
    v2f__mul(v2f__mul(n, dim, &ok), sizeof(float), &ok);
    if (!ok)
        return v2f__fail(V2F_E_OVERFLOW, "v2f_sampler_fit: %zu x %zu is too "
                         "large", n, dim);
    a = o.shrinkage;
    if (!(a >= 0 && a <= 1))
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sampler_fit: shrinkage %g "
                         "is outside [0, 1]", a);
    if (n <= dim && a == 0)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sampler_fit: %zu centres in "
                         "%zu dims: the covariance has rank at most %zu < %zu "
                         "and cannot be sampled as is; set "
                         "v2f_sampler_fit_opts.shrinkage > 0 (e.g. 0.1) or "
                         "give more than %zu centres", n, dim, n - 1, dim, dim);
    {
        /* The scatter matrix (double) and the float covariance and factor. */
        size_t dd = v2f__mul(dim, dim, &ok);
        size_t need = v2f__mul(dd, sizeof(double) + 2 * sizeof(float), &ok);
        st = v2f__check_memory_cap(v2f__default_memory_limit(), ok ? need : UINT64_MAX,
                                   "v2f_sampler_fit", "a smaller dim");
        if (st != V2F_OK)
            return st;
    }
    bad = v2f__first_nonfinite(centres, n, dim);
    if (bad != (size_t)-1)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sampler_fit: centre %zu has "
                         "a non-finite value", bad);
    st = new_sampler(KIND_GAUSSIAN, dim, &s);
    if (st != V2F_OK)
        return st;
    mean = calloc(dim, sizeof *mean);
    c = calloc(dim, sizeof *c);
    S = calloc(dim * dim, sizeof *S);
    if (!mean || !c || !S) {
        free(mean); free(c); free(S);
        v2f_sampler_free(s);
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory fitting dim %zu", dim);
    }
    for (r = 0; r < n; r++)
        for (j = 0; j < dim; j++)
            mean[j] += centres[r * dim + j];
    for (j = 0; j < dim; j++)
        mean[j] /= (double)n;
    for (r = 0; r < n; r++) {
        for (j = 0; j < dim; j++)
            c[j] = centres[r * dim + j] - mean[j];
        for (i = 0; i < dim; i++) {
            double ci = c[i];
            double *Si = S + i * dim;
            for (j = i; j < dim; j++)
                Si[j] += ci * c[j];
        }
    }
    for (i = 0; i < dim; i++) {
        for (j = i; j < dim; j++)
            S[i * dim + j] /= (double)(n - 1);
        tr += S[i * dim + i];
    }
    for (i = 0; i < dim; i++) {
        s->mean[i] = (float)mean[i];
        for (j = i; j < dim; j++) {
            double v = (1 - a) * S[i * dim + j] + (i == j ? a * tr / dim : 0);
            s->cov[i * dim + j] = s->cov[j * dim + i] = (float)v;
        }
    }
    free(mean); free(c); free(S);
    s->shrinkage = (float)a;
    s->rows = n;
    st = factor(s, V2F_E_INVALID_ARG, "v2f_sampler_fit");
    if (st != V2F_OK) {
        v2f_sampler_free(s);
        return st;
    }
    *out = s;
    return V2F_OK;
}

v2f_status v2f_sampler_new_isotropic(size_t dim, float norm_mean,
                                     float norm_std, v2f_sampler **out)
{
    v2f_status st;
    if (out)
        *out = NULL;
    if (!out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sampler_new_isotropic: NULL out");
    if (dim == 0 || dim > ((size_t)1 << 24))
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sampler_new_isotropic: dim "
                         "%zu is outside [1, 2^24]", dim);
    if (!(isfinite(norm_mean) && norm_mean > 0 && isfinite(norm_std)
          && norm_std >= 0))
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sampler_new_isotropic: need "
                         "a finite norm_mean > 0 and norm_std >= 0 (got %g, "
                         "%g)", (double)norm_mean, (double)norm_std);
    st = new_sampler(KIND_ISOTROPIC, dim, out);
    if (st == V2F_OK) {
        (*out)->norm_mean = norm_mean;
        (*out)->norm_std = norm_std;
    }
    return st;
}

v2f_status v2f_sampler_save(const v2f_sampler *s, const char *path)
{
    float meta[META_LEN] = {0};
    v2f__npz_member m[3];
    if (!s || !path)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sampler_save: NULL %s",
                         !s ? "sampler" : "path");
    meta[0] = FORMAT_VERSION;
    meta[1] = (float)s->kind;
    meta[2] = (float)s->dim;
    meta[3] = s->norm_mean;
    meta[4] = s->norm_std;
    meta[5] = s->shrinkage;
    meta[6] = (float)s->rows;
    m[0] = (v2f__npz_member){"meta", meta, 1, META_LEN};
    if (s->kind == KIND_ISOTROPIC)
        return v2f__npz_write(path, m, 1);
    m[1] = (v2f__npz_member){"mean", s->mean, 1, s->dim};
    m[2] = (v2f__npz_member){"cov", s->cov, s->dim, s->dim};
    return v2f__npz_write(path, m, 3);
}

v2f_status v2f_sampler_load(const char *path, v2f_sampler **out)
{
    v2f_array *meta = NULL, *mean = NULL, *cov = NULL;
    v2f_sampler *s = NULL;
    const float *mt;
    v2f_status st;
    size_t dim, i, j;
    char what[64] = "v2f_sampler_load";

    if (out)
        *out = NULL;
    if (!path || !out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sampler_load: NULL %s",
                         !path ? "path" : "out");
    st = v2f_npz_read(path, "meta", &meta);
    if (st != V2F_OK)
        return st;
    mt = v2f_array_data(meta);
    if (v2f_array_rows(meta) * v2f_array_cols(meta) < 7 || mt[0] != FORMAT_VERSION
        || (mt[1] != KIND_GAUSSIAN && mt[1] != KIND_ISOTROPIC)
        || !(mt[2] >= 1 && mt[2] <= 65536) || mt[2] != floorf(mt[2])) {
        v2f_array_free(meta);
        return v2f__fail(V2F_E_FORMAT, "'%s': member 'meta' is not a "
                         "version %d sampler header", path, FORMAT_VERSION);
    }
    dim = (size_t)mt[2];
    if (mt[1] == KIND_ISOTROPIC) {
        st = v2f_sampler_new_isotropic(dim, mt[3], mt[4], out);
        v2f_array_free(meta);
        if (st != V2F_OK)
            return v2f__fail(V2F_E_FORMAT, "'%s': bad isotropic sampler "
                             "parameters", path);
        return st;
    }
    st = v2f_npz_read(path, "mean", &mean);
    if (st == V2F_OK)
        st = v2f_npz_read(path, "cov", &cov);
    if (st != V2F_OK)
        goto done;
    if (v2f_array_rows(mean) * v2f_array_cols(mean) != dim
        || v2f_array_rows(cov) != dim || v2f_array_cols(cov) != dim) {
        st = v2f__fail(V2F_E_FORMAT, "'%s': 'mean' must have %zu values and "
                       "'cov' %zu x %zu (got %zu x %zu and %zu x %zu)", path,
                       dim, dim, dim, v2f_array_rows(mean),
                       v2f_array_cols(mean), v2f_array_rows(cov),
                       v2f_array_cols(cov));
        goto done;
    }
    if (v2f__first_nonfinite(v2f_array_data(mean), 1, dim) != (size_t)-1
        || v2f__first_nonfinite(v2f_array_data(cov), dim, dim) != (size_t)-1) {
        st = v2f__fail(V2F_E_FORMAT, "'%s': non-finite mean or cov", path);
        goto done;
    }
    st = new_sampler(KIND_GAUSSIAN, dim, &s);
    if (st != V2F_OK)
        goto done;
    memcpy(s->mean, v2f_array_data(mean), dim * sizeof(float));
    memcpy(s->cov, v2f_array_data(cov), dim * dim * sizeof(float));
    for (i = 0; i < dim; i++)
        for (j = 0; j < i; j++)
            if (s->cov[i * dim + j] != s->cov[j * dim + i]) {
                st = v2f__fail(V2F_E_FORMAT, "'%s': 'cov' is not symmetric "
                               "(%zu, %zu)", path, i, j);
                goto done;
            }
    s->norm_mean = mt[3];
    s->norm_std = mt[4];
    s->shrinkage = mt[5];
    s->rows = (uint64_t)(mt[6] > 0 ? mt[6] : 0);
    snprintf(what, sizeof what, "v2f_sampler_load");
    st = factor(s, V2F_E_FORMAT, what);
done:
    v2f_array_free(meta);
    v2f_array_free(mean);
    v2f_array_free(cov);
    if (st != V2F_OK) {
        v2f_sampler_free(s);
        return st;
    }
    *out = s;
    return V2F_OK;
}

void v2f__sampler_candidate(const v2f_sampler *s, uint64_t seed,
                             uint64_t k, float *x, float *z)
{
    v2f_rng r;
    size_t d = s->dim, i;
    v2f__rng_init(&r, seed, V2F_RNG_SAMPLER, k, 0);
    v2f__rng_normals(&r, z, d);
    if (s->kind == KIND_GAUSSIAN) {
        memcpy(x, s->mean, d * sizeof(float));
        v2f__tri_matvec(s->U, z, d, x);
    } else {
        double nz = 0, rad = 0, sc;
        float t[2];
        for (i = 0; i < d; i++)
            nz += (double)z[i] * z[i];
        do {
            v2f__rng_normals(&r, t, 2);
            rad = s->norm_mean + (double)s->norm_std * t[0];
        } while (!(rad > 0));
        sc = nz > 0 ? rad / sqrt(nz) : 0;
        for (i = 0; i < d; i++)
            x[i] = (float)(z[i] * sc);
    }
}

v2f_status v2f_sampler_candidates(const v2f_sampler *s, uint64_t seed,
                                  uint64_t first, size_t n, float *out)
{
    float *z;
    size_t i;
    int ok = 1;
    if (!s || !out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sampler_candidates: NULL %s",
                         !s ? "sampler" : "out");
    v2f__mul(v2f__mul(n, s->dim, &ok), sizeof(float), &ok);
    if (!ok)
        return v2f__fail(V2F_E_OVERFLOW, "v2f_sampler_candidates: %zu x %zu "
                         "is too large", n, s->dim);
    z = malloc(s->dim * sizeof *z);
    if (!z)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    for (i = 0; i < n; i++)
        v2f__sampler_candidate(s, seed, first + i, out + i * s->dim, z);
    free(z);
    return V2F_OK;
}
