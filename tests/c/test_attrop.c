/* AttrOP and estimators through the C API on the tiny model: the retry
 * rule, the objective's trend, final images, determinism, bad input. The
 * arithmetic itself is checked against the eager reference by
 * tests/reference/check_attrop_vs_reference.py. */
#include "cmocka_all.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vec2face/vec2face.h"
#include "fixture.h"

#define N 2
static const char *models_dir;
static v2f_model *model;
static float vectors[N * 512];

static int setup(void **state)
{
    if (fx_load_tiny(models_dir, 0, &model)) return -1;
    fx_fill_vectors(vectors, N * 512, 777);
    return 0;
}

static int teardown(void **state)
{
    v2f_model_free(model);
    return 0;
}

static v2f_attrop *start(v2f_attrop_opts *o)
{
    v2f_attrop *h = NULL;
    if (v2f_attrop_new(model, vectors, NULL, N, o, &h) != V2F_OK)
        fail_msg("attrop_new: %s", v2f_last_error());
    return h;
}

static void retry_rule_counts_steps(void **state)
{
    v2f_attrop_opts o;
    v2f_attrop_losses l;
    memset(&l, 0, sizeof l);
    l.struct_size = sizeof l;
    /* target_sim 0: the identity loss (1 - cos > 0) always exceeds the
     * threshold, so every step is retried until max_retries runs out:
     * 2 iterations + 3 retries = 5 optimiser steps. */
    v2f_attrop_opts_init(&o, sizeof o);
    o.target_sim = 0.0f;
    o.quality_target = 0;
    o.max_retries = 3;
    v2f_attrop *h = start(&o);
    assert_int_equal(v2f_attrop_run(h, 2, &l), V2F_OK);
    assert_int_equal(l.steps, 5);
    assert_int_equal(l.retries, 3);
    assert_true(l.identity > 0);
    v2f_attrop_free(h);
    /* target_sim 2 and no other loss: nothing exceeds, steps = iterations. */
    o.target_sim = 2.0f;
    h = start(&o);
    assert_int_equal(v2f_attrop_run(h, 3, &l), V2F_OK);
    assert_int_equal(l.steps, 3);
    assert_int_equal(l.retries, 0);
    assert_int_equal(l.counted, 1);
    v2f_attrop_free(h);
    /* Quality over its threshold (loss > 1 needs target - norm > 30). */
    o.quality_target = 200.0f;
    o.max_retries = 4;
    h = start(&o);
    assert_int_equal(v2f_attrop_step(h, &l), V2F_OK);
    assert_true(l.quality > 1.0f);
    assert_int_equal(l.counted, 0);
    assert_int_equal(v2f_attrop_run(h, 1, &l), V2F_OK);
    assert_int_equal(l.steps, 5);  /* 1 iteration + 4 retries */
    v2f_attrop_free(h);
    /* The official cap is the default. */
    v2f_attrop_opts_init(&o, sizeof o);
    assert_int_equal(o.max_retries, 30);
}

static void quality_objective_decreases(void **state)
{
    /* 20 steps toward a quality target on fixed masks: the mean quality
     * loss of the last five steps is below that of the first five by at
     * least 0.05 (the MagFace norm up by 1.5). */
    v2f_attrop_opts o;
    v2f_attrop_losses l;
    uint8_t d[N * 49] = {0}, m[N * 49] = {0};
    for (int i = 0; i < N; i++)
        for (int t = 0; t < 12; t++) {
            m[i * 49 + t * 4] = 1;
            if (t < 5) d[i * 49 + t * 4] = 1;
        }
    memset(&l, 0, sizeof l);
    l.struct_size = sizeof l;
    v2f_attrop_opts_init(&o, sizeof o);
    o.quality_target = 60.0f;
    o.dropped = d;
    o.masked = m;
    v2f_attrop *h = start(&o);
    double first = 0, last = 0;
    for (int k = 0; k < 20; k++) {
        assert_int_equal(v2f_attrop_step(h, &l), V2F_OK);
        if (k < 5) first += l.quality / 5;
        if (k >= 15) last += l.quality / 5;
    }
    if (!(last < first - 0.05))
        fail_msg("quality loss did not fall: first five %g, last five %g", first, last);
    v2f_attrop_free(h);
}

static void images_and_vectors(void **state)
{
    v2f_attrop_opts o;
    float out[N * 512], grad[N * 512];
    uint8_t *rgb = malloc(v2f_image_bytes(N)), *plain = malloc(v2f_image_bytes(N));
    v2f_attrop_opts_init(&o, sizeof o);
    o.seed = 5;
    v2f_attrop *h = start(&o);
    assert_int_equal(v2f_attrop_gradient(h, grad), V2F_E_INVALID_ARG);  /* no step yet */
    /* Before any step the final images are v2f_generate's (same keys). */
    assert_int_equal(v2f_attrop_images(h, rgb), V2F_OK);
    v2f_gen_opts g;
    v2f_gen_opts_init(&g, sizeof g);
    g.seed = 5;
    g.batch_size = N;
    assert_int_equal(v2f_generate(model, vectors, N, &g, plain), V2F_OK);
    for (size_t i = 0; i < v2f_image_bytes(N); i++)
        assert_true(abs((int)rgb[i] - (int)plain[i]) <= 1);
    assert_int_equal(v2f_attrop_vectors(h, out), V2F_OK);
    assert_memory_equal(out, vectors, sizeof out);
    assert_int_equal(v2f_attrop_step(h, NULL), V2F_OK);
    assert_int_equal(v2f_attrop_vectors(h, out), V2F_OK);
    assert_memory_not_equal(out, vectors, sizeof out);
    /* Adam's first step moves each component by at most lr (0.1). */
    for (int i = 0; i < N * 512; i++) assert_true(fabsf(out[i] - vectors[i]) <= 0.1f + 1e-5f);
    assert_int_equal(v2f_attrop_gradient(h, grad), V2F_OK);
    v2f_attrop_free(h);
    free(rgb);
    free(plain);
}

static void same_seed_same_run(void **state)
{
    v2f_attrop_opts o;
    float a[N * 512], b[N * 512];
    v2f_attrop_opts_init(&o, sizeof o);
    o.seed = 9;
    o.yaw_target = 30.0f;
    v2f_attrop *h1 = start(&o), *h2 = start(&o);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(v2f_attrop_step(h1, NULL), V2F_OK);
        assert_int_equal(v2f_attrop_step(h2, NULL), V2F_OK);
    }
    assert_int_equal(v2f_attrop_vectors(h1, a), V2F_OK);
    assert_int_equal(v2f_attrop_vectors(h2, b), V2F_OK);
    assert_memory_equal(a, b, sizeof a);
    v2f_attrop_free(h1);
    v2f_attrop_free(h2);
}

static void bad_input(void **state)
{
    v2f_attrop *h = (v2f_attrop *)0x1;
    v2f_attrop_opts o;
    float bad[N * 512];
    memcpy(bad, vectors, sizeof bad);
    assert_int_equal(v2f_attrop_new(NULL, vectors, NULL, N, NULL, &h), V2F_E_INVALID_ARG);
    assert_null(h);
    assert_int_equal(v2f_attrop_new(model, NULL, NULL, N, NULL, &h), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_attrop_new(model, vectors, NULL, 0, NULL, &h), V2F_E_INVALID_ARG);
    bad[512 + 3] = NAN;
    assert_int_equal(v2f_attrop_new(model, bad, NULL, N, NULL, &h), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "vector 1"));
    assert_int_equal(v2f_attrop_new(model, vectors, bad, N, NULL, &h), V2F_E_INVALID_ARG);
    v2f_attrop_opts_init(&o, sizeof o);
    o.lr = 0;
    assert_int_equal(v2f_attrop_new(model, vectors, NULL, N, &o, &h), V2F_E_INVALID_ARG);
    v2f_attrop_opts_init(&o, sizeof o);
    o.identity_model = V2F_PART_HEADPOSE;
    assert_int_equal(v2f_attrop_new(model, vectors, NULL, N, &o, &h), V2F_E_INVALID_ARG);
    v2f_attrop_opts_init(&o, sizeof o);
    o.yaw_target = 120.0f;
    assert_int_equal(v2f_attrop_new(model, vectors, NULL, N, &o, &h), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_attrop_step(NULL, NULL), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_attrop_run(NULL, 1, NULL), V2F_E_INVALID_ARG);
    v2f_attrop_free(NULL);

    v2f_attrop_opts_init(&o, sizeof o);
    h = start(&o);
    assert_int_equal(v2f_attrop_run(h, 0, NULL), V2F_E_INVALID_ARG);
    v2f_attrop_losses l;
    memset(&l, 0, sizeof l);  /* struct_size not set */
    assert_int_equal(v2f_attrop_step(h, &l), V2F_E_INVALID_ARG);
    v2f_attrop_free(h);

    /* Estimators. */
    uint8_t *rgb = calloc(1, v2f_image_bytes(2));
    float feat[2 * 512], angles[6], q[2];
    assert_int_equal(v2f_extract_features(model, V2F_PART_GENERATOR, rgb, 2, feat),
                     V2F_E_INVALID_ARG);
    assert_int_equal(v2f_extract_features(model, V2F_PART_ARCFACE, rgb, 0, feat),
                     V2F_E_INVALID_ARG);
    assert_int_equal(v2f_extract_features(model, V2F_PART_ARCFACE, NULL, 2, feat),
                     V2F_E_INVALID_ARG);
    assert_int_equal(v2f_estimate_pose(model, rgb, SIZE_MAX / 64, angles), V2F_E_OVERFLOW);
    assert_int_equal(v2f_estimate_quality(model, rgb, 2, NULL), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_estimate_quality(model, rgb, 2, q), V2F_OK);
    assert_true(q[0] > 0 && isfinite(q[0]));
    free(rgb);
}

static void missing_parts_are_named(void **state)
{
    char dir[4096];
    v2f_model *gen_only;
    v2f_attrop *h;
    uint8_t rgb[V2F_IMAGE_BYTES] = {0};
    float f[512];
    snprintf(dir, sizeof dir, "%s/gen_only", models_dir);
    assert_int_equal(v2f_model_load(dir, NULL, &gen_only), V2F_OK);
    assert_int_equal(v2f_extract_features(gen_only, V2F_PART_MAGFACE, rgb, 1, f),
                     V2F_E_UNSUPPORTED);
    assert_non_null(strstr(v2f_last_error(), "magface.pt"));
    assert_int_equal(v2f_estimate_pose(gen_only, rgb, 1, f), V2F_E_UNSUPPORTED);
    assert_non_null(strstr(v2f_last_error(), "headpose.pt"));
    assert_int_equal(v2f_attrop_new(gen_only, vectors, NULL, N, NULL, &h), V2F_E_UNSUPPORTED);
    assert_non_null(strstr(v2f_last_error(), "arcface.pt"));
    v2f_model_free(gen_only);
}

static void identity_from_reference_image(void **state)
{
    /* The pieces of "identities from reference images": image file ->
     * ArcFace feature -> images. A PNG round trip is lossless, so the
     * feature of the read file equals the feature of the pixels. */
    char path[] = "/tmp/v2f_ref_XXXXXX.png";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    close(fd);
    uint8_t *face = malloc(V2F_IMAGE_BYTES), *back = malloc(V2F_IMAGE_BYTES);
    uint8_t *out = malloc(v2f_image_bytes(1));
    float f1[512], f2[512];
    assert_int_equal(v2f_generate(model, vectors, 1, NULL, face), V2F_OK);
    assert_int_equal(v2f_image_write(path, face, 112, 112, NULL), V2F_OK);
    assert_int_equal(v2f_image_read(path, NULL, back), V2F_OK);
    assert_memory_equal(face, back, V2F_IMAGE_BYTES);
    assert_int_equal(v2f_extract_features(model, V2F_PART_ARCFACE, face, 1, f1), V2F_OK);
    assert_int_equal(v2f_extract_features(model, V2F_PART_ARCFACE, back, 1, f2), V2F_OK);
    assert_memory_equal(f1, f2, sizeof f1);
    assert_int_equal(v2f_generate(model, f2, 1, NULL, out), V2F_OK);
    /* A reference image of another size is refused unless resized. */
    uint8_t *big = calloc(1, 150 * 150 * 3);
    assert_int_equal(v2f_image_write(path, big, 150, 150, NULL), V2F_OK);
    assert_int_equal(v2f_image_read(path, NULL, back), V2F_E_FORMAT);
    assert_non_null(strstr(v2f_last_error(), "150"));
    v2f_image_read_opts ro;
    v2f_image_read_opts_init(&ro, sizeof ro);
    ro.resize = 1;
    assert_int_equal(v2f_image_read(path, &ro, back), V2F_OK);
    unlink(path);
    free(face); free(back); free(out); free(big);
}

int main(int argc, char **argv)
{
    if (!(models_dir = fx_models_arg(argc, argv)))
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retry_rule_counts_steps),
        cmocka_unit_test(quality_objective_decreases),
        cmocka_unit_test(images_and_vectors),
        cmocka_unit_test(same_seed_same_run),
        cmocka_unit_test(bad_input),
        cmocka_unit_test(missing_parts_are_named),
        cmocka_unit_test(identity_from_reference_image),
    };
    return cmocka_run_group_tests_name("attrop", tests, setup, teardown) ? 1 : 0;
}
