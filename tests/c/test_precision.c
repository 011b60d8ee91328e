/* Runtime precision (v2f_runtime_opts.precision) on the tiny model:
 * option checks, and bfloat16 generation against float32 (close but not
 * identical, deterministic, float32 at the API). Whether bfloat16 is
 * available is decided here independently of the library, from CPUID. */
#include "cmocka_all.h"

#include <cpuid.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec2face/vec2face.h"
#include "fixture.h"

#define N 4
#define PIXELS ((size_t)N * 3 * 112 * 112)
static const char *models_dir;
static char tiny[4096];
static float vectors[N * 512];

/* AVX512-BF16: CPUID.(7,1):EAX bit 5; AMX-BF16: CPUID.(7,0):EDX bit 22. */
static int cpu_has_bf16(void)
{
    unsigned a, b, c, d, max_sub;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if ((d >> 22) & 1u) return 1;
    max_sub = a;
    if (max_sub < 1 || !__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
    return ((a >> 5) & 1u) && __builtin_cpu_supports("avx512bw");
}

static v2f_status load(int32_t precision, v2f_model **m)
{
    v2f_runtime_opts r;
    v2f_runtime_opts_init(&r, sizeof r);
    r.precision = precision;
    return v2f_model_load(tiny, &r, m);
}

static void generate(v2f_model *m, float *raw, uint8_t *rgb)
{
    v2f_gen_opts o;
    v2f_gen_opts_init(&o, sizeof o);
    o.seed = 7;
    o.raw_out = raw;
    if (v2f_generate(m, vectors, N, &o, rgb) != V2F_OK)
        fail_msg("generate: %s", v2f_last_error());
}

static void test_default_is_fp32(void **state)
{
    v2f_runtime_opts r;
    v2f_model_info info;
    v2f_model *m;
    v2f_runtime_opts_init(&r, sizeof r);
    assert_int_equal(r.precision, V2F_PRECISION_FP32);
    assert_int_equal(v2f_model_load(tiny, NULL, &m), V2F_OK);
    info.struct_size = sizeof info;
    assert_int_equal(v2f_model_info_get(m, &info), V2F_OK);
    assert_int_equal(info.precision, V2F_PRECISION_FP32);
    v2f_model_free(m);
}

static void test_unknown_precision_rejected(void **state)
{
    v2f_model *m = (v2f_model *)1;
    /* An unknown value is a precision this library does not support. */
    assert_int_equal(load(3, &m), V2F_E_UNSUPPORTED);
    assert_null(m);
    assert_non_null(strstr(v2f_last_error(), "precision 3"));
    assert_int_equal(load(-1, &m), V2F_E_UNSUPPORTED);
}

static void test_fp16_needs_cuda(void **state)
{
    v2f_model *m = (v2f_model *)1;
    /* float16 is for CUDA devices; on the CPU it is refused, saying so. */
    assert_int_equal(load(V2F_PRECISION_FP16, &m), V2F_E_UNSUPPORTED);
    assert_null(m);
    assert_non_null(strstr(v2f_last_error(), "fp16"));
    assert_non_null(strstr(v2f_last_error(), "CUDA"));
}

static void test_bf16_availability(void **state)
{
    v2f_model *m = NULL;
    v2f_status s = load(V2F_PRECISION_BF16, &m);
    if (cpu_has_bf16()) {
        assert_int_equal(s, V2F_OK);
        v2f_model_info info;
        info.struct_size = sizeof info;
        assert_int_equal(v2f_model_info_get(m, &info), V2F_OK);
        assert_int_equal(info.precision, V2F_PRECISION_BF16);
        v2f_model_free(m);
    } else {
        assert_int_equal(s, V2F_E_UNSUPPORTED);
        assert_non_null(strstr(v2f_last_error(), "AVX512-BF16"));
    }
}

/* PSNR of the uint8 images, computed here from the two outputs. */
static double psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++) se += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    if (se == 0) return INFINITY;
    return 10.0 * log10(255.0 * 255.0 / (se / (double)n));
}

static void test_bf16_close_to_fp32(void **state)
{
    v2f_model *m32, *m16;
    if (!cpu_has_bf16()) skip();
    float *r32 = malloc(PIXELS * sizeof(float)), *r16 = malloc(PIXELS * sizeof(float)),
          *again = malloc(PIXELS * sizeof(float));
    uint8_t *u32 = malloc(v2f_image_bytes(N)), *u16 = malloc(v2f_image_bytes(N));
    assert_int_equal(load(V2F_PRECISION_FP32, &m32), V2F_OK);
    assert_int_equal(load(V2F_PRECISION_BF16, &m16), V2F_OK);
    generate(m32, r32, u32);
    generate(m16, r16, u16);
    double maxdiff = 0;
    for (size_t i = 0; i < PIXELS; i++) {
        assert_true(isfinite(r16[i]));
        double d = fabs((double)r32[i] - r16[i]);
        if (d > maxdiff) maxdiff = d;
    }
    double p = psnr(u32, u16, v2f_image_bytes(N));
    printf("# bf16 vs fp32 (tiny): max abs raw diff %.4f, PSNR %.1f dB\n", maxdiff, p);
    /* bfloat16 really ran (outputs differ) and stayed close: the raw images
     * span about [-1,1]; 8 bits of mantissa give ~0.4% per operation. */
    assert_true(maxdiff > 0);
    assert_true(maxdiff < 0.5);
    assert_true(p > 30.0);
    /* Deterministic in bfloat16 too. */
    generate(m16, again, u16);
    assert_memory_equal(again, r16, PIXELS * sizeof(float));
    v2f_model_free(m32);
    v2f_model_free(m16);
    free(r32); free(r16); free(again); free(u32); free(u16);
}

int main(int argc, char **argv)
{
    if (!(models_dir = fx_models_arg(argc, argv)))
        return 2;
    snprintf(tiny, sizeof tiny, "%s/tiny", models_dir);
    fx_fill_vectors(vectors, N * 512, 4242);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_fp32),
        cmocka_unit_test(test_unknown_precision_rejected),
        cmocka_unit_test(test_fp16_needs_cuda),
        cmocka_unit_test(test_bf16_availability),
        cmocka_unit_test(test_bf16_close_to_fp32),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
