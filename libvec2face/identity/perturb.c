/* v2f_perturb: v + N(0, eps^2 I), rescaled to |v|, eps from a mixture.
 * Image (identity, image) draws from its own stream (seed, V2F_RNG_PERTURB,
 * identity, image): first the mixture choice, then dim normals. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"

#define MAX_EPS 64

static const float default_eps[3] = {0.3f, 0.5f, 0.7f};
static const float default_shares[3] = {0.4f, 0.4f, 0.2f};

void v2f_perturb_opts_init(v2f_perturb_opts *o, size_t size)
{
    if (!o || size < sizeof(uint32_t))
        return;
    memset(o, 0, size);
    o->struct_size = (uint32_t)size;
    if (size >= offsetof(v2f_perturb_opts, images_per_vector)
                   + sizeof o->images_per_vector)
        o->images_per_vector = 1;
}

v2f_status v2f_perturb(const float *vectors, size_t n,
                       const v2f_perturb_opts *opts, float *out)
{
    v2f_perturb_opts o;
    const float *eps, *shares;
    double cum[MAX_EPS], total = 0.0;
    size_t dim, k, i, j, bad, per, rows;
    int32_t ne;
    int ok = 1;
    float *noise;
    v2f_status st;

    v2f_perturb_opts_init(&o, sizeof o);
    st = v2f__copy_opts(&o, sizeof o, opts, "v2f_perturb_opts");
    if (st != V2F_OK)
        return st;
    if (!vectors || !out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_perturb: NULL %s",
                         !vectors ? "vectors" : "out");
    if (n == 0)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_perturb: n is 0");
    dim = o.dim ? o.dim : V2F_VECTOR_DIM;
    per = o.images_per_vector;
    if (per == 0)
        return v2f__fail(V2F_E_INVALID_ARG,
                         "v2f_perturb: images_per_vector is 0");
    if (per > 1 && out == vectors)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_perturb: out may alias "
                         "vectors only with images_per_vector 1");
    {
        /* Each v2f__mul resets its flag: keep every one. */
        int ok2 = 1, ok3 = 1;
        rows = v2f__mul(n, per, &ok);
        v2f__mul(v2f__mul(rows, dim, &ok2), sizeof(float), &ok3);
        ok = ok && ok2 && ok3;
    }
    if (!ok)
        return v2f__fail(V2F_E_OVERFLOW, "v2f_perturb: %zu x %zu vectors of "
                         "%zu floats is too large", n, per, dim);
    if (o.eps_count < 0 || o.eps_count > MAX_EPS)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_perturb: eps_count %d is "
                         "outside 0..%d", (int)o.eps_count, MAX_EPS);
    if (o.eps_count > 0 && !o.eps)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_perturb: eps_count %d "
                         "with eps NULL", (int)o.eps_count);
    if (o.eps && o.eps_count > 0) {
        eps = o.eps;
        shares = o.eps_shares;
        ne = o.eps_count;
    } else {
        eps = default_eps;
        shares = default_shares;
        ne = 3;
    }
    if (ne > MAX_EPS)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_perturb: eps_count %d is "
                         "more than %d", (int)ne, MAX_EPS);
    for (k = 0; k < (size_t)ne; k++) {
        double w = shares ? shares[k] : 1.0;
        if (!isfinite(eps[k]) || eps[k] < 0)
            return v2f__fail(V2F_E_INVALID_ARG, "v2f_perturb: eps[%zu] = %g "
                             "is not a finite value >= 0", k, (double)eps[k]);
        if (!isfinite(w) || w < 0)
            return v2f__fail(V2F_E_INVALID_ARG, "v2f_perturb: eps_shares[%zu]"
                             " = %g is not a finite value >= 0", k, w);
        total += w;
        cum[k] = total;
    }
    if (!(total > 0))
        return v2f__fail(V2F_E_INVALID_ARG,
                         "v2f_perturb: eps_shares sum to 0");
    bad = v2f__first_nonfinite(vectors, n, dim);
    if (bad != (size_t)-1)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_perturb: vector %zu has a "
                         "non-finite value", bad);
    for (i = 0; i < n; i++) {
        double s = 0;
        for (k = 0; k < dim; k++)
            s += (double)vectors[i * dim + k] * vectors[i * dim + k];
        if (!(s > 0))
            return v2f__fail(V2F_E_INVALID_ARG, "v2f_perturb: vector %zu is "
                             "zero (its norm cannot be kept)", i);
    }
    noise = malloc(dim * sizeof *noise);
    if (!noise)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    /* Process in reverse so that out == vectors (per == 1) works too. */
    for (i = n; i-- > 0;) {
        const float *v = vectors + i * dim;
        uint64_t id = o.identity_index ? o.identity_index[i]
                                       : o.identity_base + i;
        uint64_t im0 = o.image_index ? o.image_index[i] : o.image_base;
        double vn = 0;
        for (k = 0; k < dim; k++)
            vn += (double)v[k] * v[k];
        vn = sqrt(vn);
        for (j = per; j-- > 0;) {
            float *y = out + (i * per + j) * dim;
            v2f_rng r;
            double u, e, yn = 0, scale;
            size_t c = 0;

            v2f__rng_init(&r, o.seed, V2F_RNG_PERTURB, id, im0 + j);
            u = v2f__rng_uniform(&r) * total;
            while (c + 1 < (size_t)ne && u >= cum[c])
                c++;
            e = eps[c];
            v2f__rng_normals(&r, noise, dim);
            for (k = 0; k < dim; k++) {
                double t = v[k] + e * noise[k];
                yn += t * t;
            }
            yn = sqrt(yn);
            scale = yn > 0 ? vn / yn : 0;
            for (k = 0; k < dim; k++)
                y[k] = (float)((v[k] + e * noise[k]) * scale);
            if (o.eps_out)
                o.eps_out[i * per + j] = (float)e;
        }
    }
    free(noise);
    return V2F_OK;
}
