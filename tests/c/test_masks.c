/* Internal units: Philox known answers, the normal quantile, truncated
 * normal bounds, mask rules and key determinism. */
#include "cmocka_all.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "masks.h"
#include "rng.h"

static void philox_known_answers(void **state)
{
    /* Known-answer vectors from Random123's kat_vectors (philox4x32_10). */
    uint32_t out[4];
    const uint32_t c0[4] = {0, 0, 0, 0}, k0[2] = {0, 0};
    v2f__philox4x32_10(c0, k0, out);
    assert_int_equal(out[0], 0x6627e8d5u);
    assert_int_equal(out[1], 0xe169c58du);
    assert_int_equal(out[2], 0xbc57ac4cu);
    assert_int_equal(out[3], 0x9b00dbd8u);
    const uint32_t c1[4] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
    const uint32_t k1[2] = {0xffffffffu, 0xffffffffu};
    v2f__philox4x32_10(c1, k1, out);
    assert_int_equal(out[0], 0x408f276du);
    assert_int_equal(out[1], 0x41c83b0eu);
    assert_int_equal(out[2], 0xa20bc7c6u);
    assert_int_equal(out[3], 0x6d5451fdu);
    const uint32_t c2[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u};
    const uint32_t k2[2] = {0xa4093822u, 0x299f31d0u};
    v2f__philox4x32_10(c2, k2, out);
    assert_int_equal(out[0], 0xd16cfe09u);
    assert_int_equal(out[1], 0x94fdccebu);
    assert_int_equal(out[2], 0x5001e420u);
    assert_int_equal(out[3], 0x24126ea1u);
}

static void uniform_in_open_interval_and_keyed(void **state)
{
    v2f_rng a, b, c;
    v2f__rng_init(&a, 5, 1, 7, 9);
    v2f__rng_init(&b, 5, 1, 7, 9);
    v2f__rng_init(&c, 5, 1, 7, 10);
    int same_c = 0;
    double sum = 0;
    for (int i = 0; i < 10000; i++) {
        double u = v2f__rng_uniform(&a);
        assert_true(u > 0.0 && u < 1.0);
        assert_true(u == v2f__rng_uniform(&b));
        same_c += u == v2f__rng_uniform(&c);
        sum += u;
    }
    assert_true(same_c < 5);
    /* Mean of 10000 uniforms: sd = sqrt(1/12/10000) = 0.0029; 5 sd. */
    assert_true(fabs(sum / 10000 - 0.5) < 0.0145);
}

static void below_is_unbiased(void **state)
{
    v2f_rng r;
    int hist[7] = {0};
    v2f__rng_init(&r, 1, 2, 3, 4);
    for (int i = 0; i < 70000; i++) {
        uint32_t v = v2f__rng_below(&r, 7);
        assert_true(v < 7);
        hist[v]++;
    }
    /* Each bin ~ Binomial(70000, 1/7): sd = 92.6; 5 sd = 463. */
    for (int k = 0; k < 7; k++) assert_true(abs(hist[k] - 10000) < 463);
}

static double norm_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

static void norm_ppf_inverts_cdf(void **state)
{
    const double ps[] = {1e-12, 1e-6, 0.001, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97575, 0.999,
                         1 - 1e-9};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double x = v2f__norm_ppf(ps[i]);
        assert_true(fabs(norm_cdf(x) - ps[i]) <= 1e-13 * fmax(ps[i], 1e-3));
    }
    /* Known values of the standard normal quantile. */
    assert_true(fabs(v2f__norm_ppf(0.975) - 1.959963984540054) < 1e-12);
    assert_true(fabs(v2f__norm_ppf(0.5)) < 1e-15);
}

static void truncnorm_bounds_and_quantiles(void **state)
{
    v2f_mask_dist d = {0.1, 1.0, 0.15, 0.25, 5};
    assert_true(v2f__truncnorm(&d, 1e-15) >= 0.1);
    assert_true(v2f__truncnorm(&d, 1 - 1e-15) <= 1.0);
    /* The median of the truncated normal: CDF(median) halfway between the
     * CDFs of the bounds. */
    double lo = norm_cdf((0.1 - 0.15) / 0.25), hi = norm_cdf((1.0 - 0.15) / 0.25);
    double med = v2f__truncnorm(&d, 0.5);
    assert_true(fabs(norm_cdf((med - 0.15) / 0.25) - (lo + hi) / 2) < 1e-12);
}

static void masks_follow_the_rules(void **state)
{
    v2f_mask_dist plain = {0.1, 1.0, 0.15, 0.25, 5};
    v2f_mask_dist pose = {0.8, 0.9, 0.85, 0.05, 40};
    const v2f_mask_dist *dists[2] = {&plain, &pose};
    for (int k = 0; k < 2; k++) {
        for (uint64_t img = 0; img < 500; img++) {
            uint8_t d[49], m[49], d2[49], m2[49];
            v2f__sample_mask(dists[k], 42, img / 7, img % 7, d, m);
            int nd = 0, nm = 0;
            for (int t = 0; t < 49; t++) {
                nd += d[t];
                nm += m[t];
                assert_true(!d[t] || m[t]);
            }
            assert_int_equal(nd, dists[k]->num_dropped);
            assert_true(nm >= (int)ceil(49 * dists[k]->min) && nm <= (int)ceil(49 * dists[k]->max));
            v2f__sample_mask(dists[k], 42, img / 7, img % 7, d2, m2);
            assert_memory_equal(d, d2, 49);
            assert_memory_equal(m, m2, 49);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(philox_known_answers),
        cmocka_unit_test(uniform_in_open_interval_and_keyed),
        cmocka_unit_test(below_is_unbiased),
        cmocka_unit_test(norm_ppf_inverts_cdf),
        cmocka_unit_test(truncnorm_bounds_and_quantiles),
        cmocka_unit_test(masks_follow_the_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
