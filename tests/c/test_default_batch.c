/* The default batch size (batch_size 0) on the tiny model: what
 * v2f_model_info reports, how memory_limit lowers it, that generating
 * with it gives the images of the same explicit batch, and that old
 * callers of v2f_model_info_get do not see the new fields written. The
 * expected values are computed here from the rule documented in the
 * header, not read back from the library. */
#include "cmocka_all.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec2face/vec2face.h"
#include "fixture.h"

#define N 10
#define RAW (3 * 112 * 112)
#define CPU_DEFAULT 8   /* documented in vec2face.h (v2f_model_info) */

static const char *models_dir;
static char tiny[4096];
static float vectors[N * 512];

/* One image of v2f_generate_pose in the memory check, as documented:
 * 64 MiB of forward pass, two 0/1 masks of 49 tokens, the raw image and
 * the landmark image as float [3][112][112], the condition float [768]. */
static uint64_t pose_bytes_per_image(void)
{
    return (64ull << 20) + 2 * 49 + 2ull * RAW * sizeof(float) + 768 * sizeof(float);
}

static v2f_model *load(uint64_t memory_limit)
{
    v2f_runtime_opts r;
    v2f_model *m;
    v2f_runtime_opts_init(&r, sizeof r);
    r.memory_limit = memory_limit;
    if (v2f_model_load(tiny, &r, &m) != V2F_OK) fail_msg("load: %s", v2f_last_error());
    return m;
}

static int32_t default_batch(const v2f_model *m)
{
    v2f_model_info info;
    info.struct_size = sizeof info;
    assert_int_equal(v2f_model_info_get(m, &info), V2F_OK);
    return info.default_batch_size;
}

static v2f_status generate(const v2f_model *m, int32_t batch, float *raw, uint8_t *rgb)
{
    v2f_gen_opts o;
    v2f_gen_opts_init(&o, sizeof o);
    o.seed = 11;
    o.batch_size = batch;
    o.raw_out = raw;
    return v2f_generate(m, vectors, N, &o, rgb);
}

static void cpu_default_without_a_tight_cap(void **state)
{
    /* The default cap (half of the physical memory) holds 8 images of
     * 64 MiB on any machine that runs these tests. */
    v2f_model *m = load(0);
    assert_int_equal(default_batch(m), CPU_DEFAULT);
    v2f_model_free(m);
    m = load(UINT64_MAX);
    assert_int_equal(default_batch(m), CPU_DEFAULT);
    v2f_model_free(m);
}

static void memory_limit_lowers_the_default(void **state)
{
    const uint64_t per = pose_bytes_per_image();
    struct { uint64_t limit; int32_t expect; } cases[] = {
        {5 * per, 5},          /* exactly five images */
        {5 * per - 1, 4},      /* one byte short of five */
        {100 * per, CPU_DEFAULT},
        {1 << 20, 1},          /* not even one: 1, and the call decides */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v2f_model *m = load(cases[i].limit);
        int32_t got = default_batch(m);
        if (got != cases[i].expect)
            fail_msg("memory_limit %llu: default batch %d, expected %d",
                     (unsigned long long)cases[i].limit, (int)got, (int)cases[i].expect);
        v2f_model_free(m);
    }
}

static void batch_zero_is_the_default_batch(void **state)
{
    /* Same batch split, same computation: byte-identical to the explicit
     * batch; against batch 1, within the documented 1/255 contract. */
    const uint64_t limits[] = {0, 3 * pose_bytes_per_image()};
    for (size_t k = 0; k < 2; k++) {
        v2f_model *m = load(limits[k]);
        int32_t def = default_batch(m);
        float *r0 = malloc(N * RAW * sizeof(float)), *rd = malloc(N * RAW * sizeof(float));
        float *r1 = malloc(N * RAW * sizeof(float));
        uint8_t *a = malloc(v2f_image_bytes(N)), *b = malloc(v2f_image_bytes(N));
        uint8_t *c = malloc(v2f_image_bytes(N));
        assert_int_equal(generate(m, 0, r0, a), V2F_OK);
        assert_int_equal(generate(m, def, rd, b), V2F_OK);
        assert_int_equal(generate(m, 1, r1, c), V2F_OK);
        assert_memory_equal(a, b, v2f_image_bytes(N));
        assert_memory_equal(r0, rd, N * RAW * sizeof(float));
        for (size_t i = 0; i < v2f_image_bytes(N); i++)
            if (abs((int)a[i] - (int)c[i]) > 1)
                fail_msg("default batch %d vs batch 1, byte %zu: %d vs %d", (int)def, i, a[i],
                         c[i]);
        free(r0); free(rd); free(r1); free(a); free(b); free(c);
        v2f_model_free(m);
    }
}

static void tiny_cap_generates_one_at_a_time(void **state)
{
    /* A cap just below one pose image still fits one plain image (no
     * landmark buffers): batch 0 then works where batch 2 is refused. */
    const uint64_t per = pose_bytes_per_image();
    v2f_model *m = load(per - 1);
    uint8_t *rgb = malloc(v2f_image_bytes(N));
    float *raw = malloc(N * RAW * sizeof(float));
    assert_int_equal(generate(m, 0, raw, rgb), V2F_OK);
    assert_int_equal(generate(m, 2, raw, rgb), V2F_E_NO_MEMORY);
    assert_non_null(strstr(v2f_last_error(), "batch_size"));
    v2f_model_free(m);
    /* Below one image even batch 1 fails, naming the need: no silent
     * zero-sized batch. */
    m = load(1 << 20);
    assert_int_equal(generate(m, 0, raw, rgb), V2F_E_NO_MEMORY);
    v2f_model_free(m);
    free(rgb); free(raw);
}

static void old_info_struct_untouched(void **state)
{
    /* A 0.2 caller's struct ends before default_batch_size: the bytes
     * after it must stay as they were. */
    v2f_model *m = load(0);
    v2f_model_info info;
    memset(&info, 0xAB, sizeof info);
    info.struct_size = (uint32_t)offsetof(v2f_model_info, default_batch_size);
    assert_int_equal(v2f_model_info_get(m, &info), V2F_OK);
    assert_int_equal(info.vector_dim, 512);
    const unsigned char *tail = (const unsigned char *)&info + info.struct_size;
    for (size_t i = 0; i < sizeof info - info.struct_size; i++) assert_int_equal(tail[i], 0xAB);
    v2f_model_free(m);
}

static void estimators_lower_their_batch(void **state)
{
    /* Estimator image: float [3][112][112] plus 32 MiB (documented).
     * A cap of two and a half images: batches of 2 instead of failing,
     * the same features as batches of 16 up to float rounding. */
    const uint64_t per = (32ull << 20) + RAW * sizeof(float);
    v2f_model *wide = load(0), *narrow = load(2 * per + per / 2), *none = load(per - 1);
    uint8_t *rgb = malloc(v2f_image_bytes(5));
    float fw[5 * 512], fn[5 * 512];
    for (size_t i = 0; i < v2f_image_bytes(5); i++) rgb[i] = (uint8_t)(i * 2654435761u >> 24);
    assert_int_equal(v2f_extract_features(wide, V2F_PART_ARCFACE, rgb, 5, fw), V2F_OK);
    assert_int_equal(v2f_extract_features(narrow, V2F_PART_ARCFACE, rgb, 5, fn), V2F_OK);
    for (size_t i = 0; i < 5 * 512; i++)
        if (fabsf(fw[i] - fn[i]) > 1e-4f * (1.0f + fabsf(fw[i])))
            fail_msg("feature %zu: %g (batch 16) vs %g (batch 2)", i, fw[i], fn[i]);
    assert_int_equal(v2f_extract_features(none, V2F_PART_ARCFACE, rgb, 5, fn), V2F_E_NO_MEMORY);
    free(rgb);
    v2f_model_free(wide);
    v2f_model_free(narrow);
    v2f_model_free(none);
}

static void recipe_default_follows_the_model(void **state)
{
    v2f_dataset_recipe r;
    v2f_dataset_recipe_init(&r, sizeof r);
    assert_int_equal(r.batch_size, 0);
}

int main(int argc, char **argv)
{
    if (!(models_dir = fx_models_arg(argc, argv)))
        return 2;
    snprintf(tiny, sizeof tiny, "%s/tiny", models_dir);
    fx_fill_vectors(vectors, N * 512, 777);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cpu_default_without_a_tight_cap),
        cmocka_unit_test(memory_limit_lowers_the_default),
        cmocka_unit_test(batch_zero_is_the_default_batch),
        cmocka_unit_test(tiny_cap_generates_one_at_a_time),
        cmocka_unit_test(old_info_struct_untouched),
        cmocka_unit_test(estimators_lower_their_batch),
        cmocka_unit_test(recipe_default_follows_the_model),
    };
    return cmocka_run_group_tests_name("default_batch", tests, NULL, NULL) ? 1 : 0;
}
