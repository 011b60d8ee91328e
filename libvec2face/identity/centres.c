/* Identity centres (mean feature per label) and separability (nearest
 * neighbour cosine of every identity among the others). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "io/array.h"

void v2f_centres_opts_init(v2f_centres_opts *o, size_t size)
{
    if (!o || size < sizeof(uint32_t))
        return;
    memset(o, 0, size);
    o->struct_size = (uint32_t)size;
}

v2f_status v2f_identity_centres_from_features(
    const float *features, size_t n, size_t dim, const int64_t *labels,
    size_t num_ids, const v2f_centres_opts *opts, v2f_array **out)
{
    v2f_centres_opts o;
    v2f_array *a = NULL;
    double *sum = NULL;
    uint64_t *cnt = NULL;
    float *dst, *u = NULL;
    size_t i, k, bad;
    v2f_status st;
    int ok = 1;

    if (out)
        *out = NULL;
    v2f_centres_opts_init(&o, sizeof o);
    st = v2f__copy_opts(&o, sizeof o, opts, "v2f_centres_opts");
    if (st != V2F_OK)
        return st;
    if (!features || !labels || !out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_identity_centres_from_"
                         "features: NULL %s", !features ? "features"
                         : !labels ? "labels" : "out");
    if (n == 0 || dim == 0 || num_ids == 0)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_identity_centres_from_"
                         "features: n (%zu), dim (%zu) and num_ids (%zu) "
                         "must be > 0", n, dim, num_ids);
    {
        int ok2 = 1;   /* each v2f__mul sets its flag afresh */
        v2f__mul(v2f__mul(n, dim, &ok), sizeof(float), &ok);
        v2f__mul(v2f__mul(num_ids, dim, &ok2), sizeof(double), &ok2);
        ok = ok && ok2;
    }
    if (!ok)
        return v2f__fail(V2F_E_OVERFLOW, "v2f_identity_centres_from_features:"
                         " sizes too large");
    /* Per-identity sums (double) and counts. */
    st = v2f__check_memory_cap(v2f__default_memory_limit(),
                               v2f__sat_add((uint64_t)num_ids * dim * sizeof(double),
                                            (uint64_t)num_ids * sizeof(uint64_t)),
                               "v2f_identity_centres_from_features", "fewer identities");
    if (st != V2F_OK)
        return st;
    bad = v2f__first_nonfinite(features, n, dim);
    if (bad != (size_t)-1)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_identity_centres_from_"
                         "features: feature %zu has a non-finite value", bad);
    for (i = 0; i < n; i++)
        if (labels[i] < 0 || (uint64_t)labels[i] >= num_ids)
            return v2f__fail(V2F_E_INVALID_ARG, "v2f_identity_centres_from_"
                             "features: label[%zu] = %lld is outside [0, %zu)",
                             i, (long long)labels[i], num_ids);
    sum = calloc(num_ids * dim, sizeof *sum);
    cnt = calloc(num_ids, sizeof *cnt);
    u = malloc(dim * sizeof *u);
    if (!sum || !cnt || !u) {
        st = v2f__fail(V2F_E_NO_MEMORY, "out of memory for %zu centres",
                       num_ids);
        goto done;
    }
    for (i = 0; i < n; i++) {
        const float *f = features + i * dim;
        double *s = sum + (size_t)labels[i] * dim;
        if (o.normalize) {
            if (!v2f__unit(f, dim, u)) {
                st = v2f__fail(V2F_E_INVALID_ARG, "v2f_identity_centres_from_"
                               "features: feature %zu is zero and cannot be "
                               "normalised", i);
                goto done;
            }
            f = u;
        }
        for (k = 0; k < dim; k++)
            s[k] += f[k];
        cnt[labels[i]]++;
    }
    for (i = 0; i < num_ids; i++)
        if (cnt[i] == 0) {
            st = v2f__fail(V2F_E_INVALID_ARG, "v2f_identity_centres_from_"
                           "features: identity %zu has no features", i);
            goto done;
        }
    st = v2f__array_new(num_ids, dim, &a);
    if (st != V2F_OK)
        goto done;
    dst = v2f__array_mut(a);
    for (i = 0; i < num_ids; i++)
        for (k = 0; k < dim; k++)
            dst[i * dim + k] = (float)(sum[i * dim + k] / (double)cnt[i]);
    if (o.counts_out)
        memcpy(o.counts_out, cnt, num_ids * sizeof *cnt);
    *out = a;
done:
    free(sum);
    free(cnt);
    free(u);
    return st;
}

/* ---- separability ---- */

void v2f_separability_opts_init(v2f_separability_opts *o, size_t size)
{
    if (!o || size < sizeof(uint32_t))
        return;
    memset(o, 0, size);
    o->struct_size = (uint32_t)size;
}

v2f_status v2f_separability(const float *vectors, size_t n, size_t dim,
                            float threshold,
                            const v2f_separability_opts *opts,
                            v2f_separability_report *report)
{
    v2f_separability_opts o;
    v2f_separability_report rep;
    v2f__pool *pool = NULL;
    v2f__panels p = {0};
    float *unit = NULL, *nn = NULL, *scratch = NULL;
    size_t i, R = 256, T;
    double sum = 0;
    v2f_status st;
    int ok = 1;

    v2f_separability_opts_init(&o, sizeof o);
    st = v2f__copy_opts(&o, sizeof o, opts, "v2f_separability_opts");
    if (st != V2F_OK)
        return st;
    if (!vectors || !report)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_separability: NULL %s",
                         !vectors ? "vectors" : "report");
    if (report->struct_size < sizeof(uint32_t))
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_separability: set "
                         "report->struct_size = sizeof *report");
    if (n < 2 || dim == 0)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_separability: need n >= 2 "
                         "and dim >= 1 (got %zu x %zu)", n, dim);
    if (!(threshold > -1.0f && threshold <= 1.0f))
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_separability: threshold %g "
                         "is outside (-1, 1]", (double)threshold);
    v2f__mul(v2f__mul(n, dim, &ok), sizeof(float), &ok);
    if (!ok)
        return v2f__fail(V2F_E_OVERFLOW, "v2f_separability: %zu x %zu is too "
                         "large", n, dim);
    {
        /* Unit copies and their packed panels: 2 n dim floats (v2f__mul
         * saturates, so an absurd size is simply over the cap). */
        size_t b = v2f__mul(v2f__mul(n, dim, &ok), 2 * sizeof(float), &ok);
        st = v2f__check_memory_cap(v2f__default_memory_limit(),
                                   v2f__sat_add(b, n * sizeof(float)),
                                   "v2f_separability", "fewer vectors per call");
        if (st != V2F_OK)
            return st;
    }
    st = v2f__pool_new(o.threads, &pool);
    if (st != V2F_OK)
        return st;
    T = (size_t)v2f__pool_threads(pool);
    if ((st = v2f__panels_init(&p, dim, n)) != V2F_OK)
        goto done;
    unit = malloc(n * dim * sizeof *unit);
    nn = malloc(n * sizeof *nn);
    scratch = malloc(R * T * sizeof *scratch);
    if (!unit || !nn || !scratch) {
        st = v2f__fail(V2F_E_NO_MEMORY, "out of memory for %zu vectors", n);
        goto done;
    }
    for (i = 0; i < n; i++) {
        if (!v2f__unit(vectors + i * dim, dim, unit + i * dim)) {
            st = v2f__fail(V2F_E_INVALID_ARG, "v2f_separability: vector %zu "
                           "is zero or not finite", i);
            goto done;
        }
        v2f__panels_push(&p, unit + i * dim);
        nn[i] = -INFINITY;
    }
    for (i = 0; i < n; i += R) {
        size_t r = n - i < R ? n - i : R;
        v2f__rowmax_par(pool, unit + i * dim, r, &p, 0, n, (int64_t)i,
                        nn + i, scratch);
        if (o.progress && o.progress(o.progress_user, i + r, n) != 0) {
            st = v2f__fail(V2F_E_CANCELLED, "v2f_separability: cancelled");
            goto done;
        }
    }
    memset(&rep, 0, sizeof rep);
    rep.n = n;
    rep.threshold = threshold;
    rep.nn_min = INFINITY;
    rep.nn_max = -INFINITY;
    for (i = 0; i < n; i++) {
        float v = nn[i];
        long b = (long)floor((v + 1.0) * (V2F_SEPARABILITY_BINS / 2.0));
        if (b < 0)
            b = 0;
        if (b >= V2F_SEPARABILITY_BINS)
            b = V2F_SEPARABILITY_BINS - 1;
        rep.histogram[b]++;
        if (v <= threshold)
            rep.separated++;
        if (v < rep.nn_min)
            rep.nn_min = v;
        if (v > rep.nn_max)
            rep.nn_max = v;
        sum += v;
    }
    rep.nn_mean = (float)(sum / (double)n);
    if (o.nn_out)
        memcpy(o.nn_out, nn, n * sizeof *nn);
    {
        uint32_t size = report->struct_size;
        memcpy(report, &rep, size < sizeof rep ? size : sizeof rep);
        report->struct_size = size;
    }
done:
    v2f__panels_free(&p);
    free(unit);
    free(nn);
    free(scratch);
    v2f__pool_free(pool);
    return st;
}
