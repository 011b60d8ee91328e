/* Mask sampling as the official generator does it, per image:
 * r ~ normal(mu, std) truncated to [min, max]; ceil(49 r) masked tokens,
 * of which the ceil(49 min) first in a random order are also dropped. */
#include "masks.h"

#include <math.h>

#include "rng.h"
#include "vec2face/vec2face.h"

static double norm_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

double v2f__norm_ppf(double p)
{
    /* Acklam's rational approximation, then one Halley step (relative error
     * ~1e-15). */
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                               2.445134137142996e+00, 3.754408661907416e+00};
    const double plow = 0.02425, phigh = 1 - plow;
    double q, r, x;
    if (p <= 0) return -INFINITY;
    if (p >= 1) return INFINITY;
    if (p < plow) {
        q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= phigh) {
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        q = sqrt(-2 * log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    double e = norm_cdf(x) - p;
    double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

double v2f__truncnorm(const v2f_mask_dist *d, double u)
{
    double lo = norm_cdf((d->min - d->mu) / d->std);
    double hi = norm_cdf((d->max - d->mu) / d->std);
    double r = d->mu + d->std * v2f__norm_ppf(lo + u * (hi - lo));
    /* Guard against rounding at the tails. */
    if (!(r >= d->min)) r = d->min;
    if (!(r <= d->max)) r = d->max;
    return r;
}

void v2f__sample_mask(const v2f_mask_dist *d, uint64_t seed,
                      uint64_t identity, uint64_t image,
                      uint8_t *dropped, uint8_t *masked)
{
    v2f_rng rng;
    uint8_t order[V2F_NUM_TOKENS];
    v2f__rng_init(&rng, seed, V2F_RNG_MASK_RATIO, identity, image);
    double r = v2f__truncnorm(d, v2f__rng_uniform(&rng));
    int num_masked = (int)ceil(V2F_NUM_TOKENS * r);
    if (num_masked < d->num_dropped) num_masked = d->num_dropped;
    if (num_masked > V2F_NUM_TOKENS) num_masked = V2F_NUM_TOKENS;

    /* A uniform random order of the 49 tokens (Fisher-Yates); the official
     * code sorts uniform noise, which gives the same distribution. */
    v2f__rng_init(&rng, seed, V2F_RNG_MASK_ORDER, identity, image);
    for (int i = 0; i < V2F_NUM_TOKENS; i++) order[i] = (uint8_t)i;
    for (int i = V2F_NUM_TOKENS - 1; i > 0; i--) {
        int j = (int)v2f__rng_below(&rng, (uint32_t)(i + 1));
        uint8_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int i = 0; i < V2F_NUM_TOKENS; i++) {
        dropped[order[i]] = i < d->num_dropped;
        masked[order[i]] = i < num_masked;
    }
}
