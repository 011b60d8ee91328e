/* Generation through the C API on the tiny model: argument checks,
 * determinism across batch sizes, threads and calls, concurrent use of
 * one model, progress and cancel. Pixel equality with the eager reference
 * is checked by tests/reference/check_c_vs_reference.py. */
#include "cmocka_all.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec2face/vec2face.h"
#include "fixture.h"

#define N 8
static const char *models_dir;
static v2f_model *model;
static float vectors[N * 512];

static int setup(void **state)
{
    if (fx_load_tiny(models_dir, 0, &model))
        return -1;
    /* Deterministic pseudo-vectors with norms around 25. */
    fx_fill_vectors(vectors, N * 512, 12345);
    return 0;
}

static int teardown(void **state)
{
    v2f_model_free(model);
    return 0;
}

static uint8_t *gen_raw(size_t n, int batch, uint64_t seed, uint64_t base, float *raw)
{
    v2f_gen_opts o;
    uint8_t *rgb = malloc(v2f_image_bytes(n));
    v2f_gen_opts_init(&o, sizeof o);
    o.seed = seed;
    o.batch_size = batch;
    o.identity_base = base;
    o.raw_out = raw;
    if (v2f_generate(model, vectors, n, &o, rgb) != V2F_OK)
        fail_msg("generate: %s", v2f_last_error());
    return rgb;
}

static uint8_t *gen(size_t n, int batch, uint64_t seed, uint64_t base)
{
    return gen_raw(n, batch, seed, base, NULL);
}

#define RAW (3 * 112 * 112)

/* The reproducibility contract: the same key gives the same masks, and
 * pixels within 1/255 (float reductions may round differently for other
 * batch shapes or thread counts). */
static void assert_same_image(const uint8_t *a, const uint8_t *b, const float *ra,
                              const float *rb, size_t n)
{
    float worst = 0;
    for (size_t i = 0; i < n * RAW; i++) worst = fmaxf(worst, fabsf(ra[i] - rb[i]));
    if (worst > 1e-4f) fail_msg("raw images differ by %g", worst);
    for (size_t i = 0; i < v2f_image_bytes(n); i++)
        if (abs((int)a[i] - (int)b[i]) > 1) fail_msg("byte %zu: %d vs %d", i, a[i], b[i]);
}

static void same_key_same_image_any_batch(void **state)
{
    float *r1 = malloc(N * RAW * sizeof(float)), *r3 = malloc(N * RAW * sizeof(float));
    float *r8 = malloc(N * RAW * sizeof(float));
    uint8_t *a = gen_raw(N, 1, 9, 0, r1), *b = gen_raw(N, 3, 9, 0, r3);
    uint8_t *c = gen_raw(N, 8, 9, 0, r8);
    assert_same_image(a, b, r1, r3, N);
    assert_same_image(a, c, r1, r8, N);
    /* A different seed changes the masks, so the images, far more. */
    uint8_t *d = gen(N, 8, 10, 0);
    size_t changed = 0;
    for (size_t i = 0; i < v2f_image_bytes(N); i++) changed += abs((int)a[i] - (int)d[i]) > 1;
    assert_true(changed > v2f_image_bytes(N) / 10);
    free(a); free(b); free(c); free(d); free(r1); free(r3); free(r8);
}

static void same_masks_across_call_splits(void **state)
{
    /* The masks of images 5..7 sampled alone (identity_base 5) equal those
     * of images 5..7 of one call for all 8, byte for byte. */
    v2f_gen_opts o;
    uint8_t d[N * 49], m[N * 49], d3[3 * 49], m3[3 * 49];
    v2f_gen_opts_init(&o, sizeof o);
    o.seed = 3;
    assert_int_equal(v2f_sample_masks(model, V2F_PART_GENERATOR, N, &o, d, m), V2F_OK);
    o.identity_base = 5;
    assert_int_equal(v2f_sample_masks(model, V2F_PART_GENERATOR, 3, &o, d3, m3), V2F_OK);
    assert_memory_equal(d + 5 * 49, d3, sizeof d3);
    assert_memory_equal(m + 5 * 49, m3, sizeof m3);
    /* And the images agree within the contract. */
    float *rall = malloc(N * RAW * sizeof(float)), *rpart = malloc(3 * RAW * sizeof(float));
    uint8_t *all = gen_raw(N, 4, 3, 0, rall);
    uint8_t *part = malloc(v2f_image_bytes(3));
    o.raw_out = rpart;
    assert_int_equal(v2f_generate(model, vectors + 5 * 512, 3, &o, part), V2F_OK);
    assert_same_image(all + v2f_image_bytes(5), part, rall + 5 * RAW, rpart, 3);
    free(all); free(part); free(rall); free(rpart);
}

static void threads_one_and_two_agree(void **state)
{
    char dir[4096];
    v2f_model *m1;
    v2f_runtime_opts r;
    v2f_gen_opts o;
    uint8_t *two = malloc(v2f_image_bytes(N)), *one = malloc(v2f_image_bytes(N));
    float *raw1 = malloc(N * 3 * 112 * 112 * sizeof(float));
    float *raw2 = malloc(N * 3 * 112 * 112 * sizeof(float));
    snprintf(dir, sizeof dir, "%s/tiny", models_dir);
    v2f_runtime_opts_init(&r, sizeof r);
    r.threads = 2;
    assert_int_equal(v2f_model_load(dir, &r, &m1), V2F_OK);
    v2f_gen_opts_init(&o, sizeof o);
    o.seed = 21;
    o.raw_out = raw2;
    assert_int_equal(v2f_generate(m1, vectors, N, &o, two), V2F_OK);
    v2f_model_free(m1);
    r.threads = 1;
    assert_int_equal(v2f_model_load(dir, &r, &m1), V2F_OK);
    o.raw_out = raw1;
    assert_int_equal(v2f_generate(m1, vectors, N, &o, one), V2F_OK);
    v2f_model_free(m1);
    assert_same_image(one, two, raw1, raw2, N);
    free(one); free(two); free(raw1); free(raw2);
}

struct worker { uint8_t *rgb; int status; };

static void *work(void *arg)
{
    struct worker *w = arg;
    v2f_gen_opts o;
    v2f_gen_opts_init(&o, sizeof o);
    o.seed = 77;
    o.batch_size = 2;
    w->status = v2f_generate(model, vectors, N, &o, w->rgb);
    return NULL;
}

static void one_model_many_threads(void **state)
{
    struct worker w[3];
    pthread_t t[3];
    uint8_t *want = gen(N, 2, 77, 0);
    for (int i = 0; i < 3; i++) {
        w[i].rgb = malloc(v2f_image_bytes(N));
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].status, V2F_OK);
        assert_memory_equal(w[i].rgb, want, v2f_image_bytes(N));
        free(w[i].rgb);
    }
    free(want);
}

static int cancel_after_first(void *user, uint64_t done, uint64_t total)
{
    uint64_t *calls = user;
    calls[0]++;
    calls[1] = done;
    calls[2] = total;
    return done >= 2;
}

static void progress_and_cancel(void **state)
{
    v2f_gen_opts o;
    uint64_t calls[3] = {0};
    uint8_t *rgb = malloc(v2f_image_bytes(N));
    v2f_gen_opts_init(&o, sizeof o);
    o.batch_size = 2;
    o.progress = cancel_after_first;
    o.progress_user = calls;
    assert_int_equal(v2f_generate(model, vectors, N, &o, rgb), V2F_E_CANCELLED);
    assert_int_equal(calls[0], 1);
    assert_int_equal(calls[1], 2);
    assert_int_equal(calls[2], N);
    assert_non_null(strstr(v2f_last_error(), "2 of 8"));
    free(rgb);
}

static void bad_arguments(void **state)
{
    uint8_t *rgb = malloc(v2f_image_bytes(2));
    float bad[2 * 512];
    v2f_gen_opts o;
    memcpy(bad, vectors, sizeof bad);
    assert_int_equal(v2f_generate(NULL, vectors, 1, NULL, rgb), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_generate(model, NULL, 1, NULL, rgb), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_generate(model, vectors, 1, NULL, NULL), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_generate(model, vectors, 0, NULL, rgb), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_generate(model, vectors, SIZE_MAX / 100, NULL, rgb), V2F_E_OVERFLOW);
    bad[512 + 17] = NAN;
    assert_int_equal(v2f_generate(model, bad, 2, NULL, rgb), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "vector 1"));
    assert_non_null(strstr(v2f_last_error(), "element 17"));
    bad[512 + 17] = INFINITY;
    assert_int_equal(v2f_generate(model, bad, 2, NULL, rgb), V2F_E_INVALID_ARG);

    /* Explicit masks that break the rules. */
    uint8_t d[2 * 49] = {0}, m[2 * 49] = {0};
    for (int i = 0; i < 2; i++)
        for (int t = 0; t < 5; t++) d[i * 49 + t] = m[i * 49 + t] = 1;
    v2f_gen_opts_init(&o, sizeof o);
    o.dropped = d;
    o.masked = m;
    assert_int_equal(v2f_generate(model, vectors, 2, &o, rgb), V2F_OK);
    d[49 + 10] = 1; /* image 1 drops 6, and token 10 is not masked */
    assert_int_equal(v2f_generate(model, vectors, 2, &o, rgb), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "image 1"));
    m[49 + 10] = 1;
    assert_int_equal(v2f_generate(model, vectors, 2, &o, rgb), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "drops 6 tokens"));
    d[49 + 10] = 2;
    assert_int_equal(v2f_generate(model, vectors, 2, &o, rgb), V2F_E_INVALID_ARG);
    o.masked = NULL;
    assert_int_equal(v2f_generate(model, vectors, 2, &o, rgb), V2F_E_INVALID_ARG);

    /* Mask distribution options. */
    v2f_gen_opts_init(&o, sizeof o);
    o.mask_ratio_min = 0.5f; /* would drop 25, the model drops 5 */
    assert_int_equal(v2f_generate(model, vectors, 1, &o, rgb), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "drops exactly 5"));
    v2f_gen_opts_init(&o, sizeof o);
    o.mask_ratio_std = 0.0f;
    assert_int_equal(v2f_generate(model, vectors, 1, &o, rgb), V2F_E_INVALID_ARG);
    v2f_gen_opts_init(&o, sizeof o);
    o.batch_size = -3;
    assert_int_equal(v2f_generate(model, vectors, 1, &o, rgb), V2F_E_INVALID_ARG);
    free(rgb);
}

static void pose_path_runs_and_depends_on_landmarks(void **state)
{
    float pts[2 * 10] = {38, 52, 74, 52, 56, 72, 42, 92, 70, 92,
                         30, 50, 60, 48, 40, 70, 34, 90, 58, 90};
    uint8_t *lm = malloc(v2f_image_bytes(2)), *rgb = malloc(v2f_image_bytes(2));
    float two[2 * 512];
    memcpy(two, vectors, 512 * sizeof(float));
    memcpy(two + 512, vectors, 512 * sizeof(float));
    assert_int_equal(v2f_render_landmarks(pts, 2, lm), V2F_OK);
    uint64_t ids[2] = {0, 0};
    v2f_gen_opts o;
    v2f_gen_opts_init(&o, sizeof o);
    o.identity_index = ids; /* same vector, same key: only landmarks differ */
    assert_int_equal(v2f_generate_pose(model, two, lm, 2, &o, rgb), V2F_OK);
    assert_memory_not_equal(rgb, rgb + V2F_IMAGE_BYTES, V2F_IMAGE_BYTES);
    assert_int_equal(v2f_generate_pose(model, two, NULL, 2, &o, rgb), V2F_E_INVALID_ARG);
    free(lm);
    free(rgb);
}

int main(int argc, char **argv)
{
    if (!(models_dir = fx_models_arg(argc, argv)))
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_key_same_image_any_batch),
        cmocka_unit_test(same_masks_across_call_splits),
        cmocka_unit_test(threads_one_and_two_agree),
        cmocka_unit_test(one_model_many_threads),
        cmocka_unit_test(progress_and_cancel),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(pose_path_runs_and_depends_on_landmarks),
    };
    return cmocka_run_group_tests_name("generate", tests, setup, teardown) ? 1 : 0;
}
