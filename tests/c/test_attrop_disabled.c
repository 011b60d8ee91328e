/* v2f_runtime_opts.attrop = V2F_ATTROP_DISABLED on the tiny model: the
 * model loads without the autograd copies, reports it, generates and
 * estimates byte for byte what a default load does, refuses AttrOP with
 * V2F_E_UNSUPPORTED naming the option, and old callers (a struct that
 * ends before the field) keep AttrOP. */
#include "cmocka_all.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec2face/vec2face.h"
#include "fixture.h"

#define N 3
#define RAW (3 * 112 * 112)

static const char *models_dir;
static char tiny[4096];
static float vectors[N * 512];

static v2f_status load_with(int32_t attrop, uint32_t struct_size, v2f_model **m)
{
    v2f_runtime_opts r;
    v2f_runtime_opts_init(&r, sizeof r);
    r.attrop = attrop;
    r.struct_size = struct_size;
    return v2f_model_load(tiny, &r, m);
}

static v2f_model *load(int32_t attrop)
{
    v2f_model *m;
    if (load_with(attrop, sizeof(v2f_runtime_opts), &m) != V2F_OK)
        fail_msg("load: %s", v2f_last_error());
    return m;
}

static int32_t info_attrop(const v2f_model *m)
{
    v2f_model_info info;
    info.struct_size = sizeof info;
    assert_int_equal(v2f_model_info_get(m, &info), V2F_OK);
    return info.attrop;
}

static void default_is_enabled(void **state)
{
    v2f_runtime_opts r;
    v2f_model *m;
    v2f_runtime_opts_init(&r, sizeof r);
    assert_int_equal(r.attrop, V2F_ATTROP_ENABLED);
    assert_int_equal(v2f_model_load(tiny, NULL, &m), V2F_OK);
    assert_int_equal(info_attrop(m), V2F_ATTROP_ENABLED);
    v2f_model_free(m);
}

static void bad_values_rejected(void **state)
{
    const int32_t bad[] = {2, -1, 100};
    for (size_t i = 0; i < 3; i++) {
        v2f_model *m = (v2f_model *)1;
        char want[64];
        assert_int_equal(load_with(bad[i], sizeof(v2f_runtime_opts), &m), V2F_E_INVALID_ARG);
        assert_null(m);
        snprintf(want, sizeof want, "attrop %d", (int)bad[i]);
        if (!strstr(v2f_last_error(), want))
            fail_msg("message '%s' does not name '%s'", v2f_last_error(), want);
    }
}

/* The same images, raw floats and estimator outputs, bit for bit: the
 * inference copies are made the same way with or without the plain one. */
static void same_outputs_as_enabled(void **state)
{
    v2f_model *on = load(V2F_ATTROP_ENABLED), *off = load(V2F_ATTROP_DISABLED);
    assert_int_equal(info_attrop(off), V2F_ATTROP_DISABLED);
    uint8_t *rgb_on = malloc(v2f_image_bytes(N)), *rgb_off = malloc(v2f_image_bytes(N));
    float *raw_on = malloc(N * RAW * sizeof(float)), *raw_off = malloc(N * RAW * sizeof(float));
    float f_on[N * 512], f_off[N * 512], p_on[N * 3], p_off[N * 3];
    v2f_gen_opts o;
    v2f_gen_opts_init(&o, sizeof o);
    o.seed = 5;
    o.raw_out = raw_on;
    assert_int_equal(v2f_generate(on, vectors, N, &o, rgb_on), V2F_OK);
    o.raw_out = raw_off;
    assert_int_equal(v2f_generate(off, vectors, N, &o, rgb_off), V2F_OK);
    assert_memory_equal(rgb_on, rgb_off, v2f_image_bytes(N));
    assert_memory_equal(raw_on, raw_off, N * RAW * sizeof(float));

    /* Pose generation: landmark encoder and pose generator. */
    uint8_t *lm = malloc(v2f_image_bytes(N));
    const float pts[10] = {38, 52, 74, 52, 56, 72, 42, 92, 70, 92};
    for (size_t i = 0; i < N; i++)
        assert_int_equal(v2f_render_landmarks(pts, 1, lm + i * v2f_image_bytes(1)), V2F_OK);
    o.raw_out = NULL;
    assert_int_equal(v2f_generate_pose(on, vectors, lm, N, &o, rgb_on), V2F_OK);
    assert_int_equal(v2f_generate_pose(off, vectors, lm, N, &o, rgb_off), V2F_OK);
    assert_memory_equal(rgb_on, rgb_off, v2f_image_bytes(N));

    /* Estimators on those images. */
    assert_int_equal(v2f_extract_features(on, V2F_PART_ARCFACE, rgb_on, N, f_on), V2F_OK);
    assert_int_equal(v2f_extract_features(off, V2F_PART_ARCFACE, rgb_on, N, f_off), V2F_OK);
    assert_memory_equal(f_on, f_off, sizeof f_on);
    assert_int_equal(v2f_estimate_pose(on, rgb_on, N, p_on), V2F_OK);
    assert_int_equal(v2f_estimate_pose(off, rgb_on, N, p_off), V2F_OK);
    assert_memory_equal(p_on, p_off, sizeof p_on);
    free(rgb_on); free(rgb_off); free(raw_on); free(raw_off); free(lm);
    v2f_model_free(on);
    v2f_model_free(off);
}

static void attrop_refused(void **state)
{
    v2f_model *off = load(V2F_ATTROP_DISABLED);
    v2f_attrop *h = (v2f_attrop *)1;
    v2f_attrop_opts o;
    v2f_attrop_opts_init(&o, sizeof o);
    assert_int_equal(v2f_attrop_new(off, vectors, NULL, N, &o, &h), V2F_E_UNSUPPORTED);
    assert_null(h);
    assert_non_null(strstr(v2f_last_error(), "V2F_ATTROP_DISABLED"));
    assert_non_null(strstr(v2f_last_error(), "v2f_runtime_opts.attrop"));
    v2f_model_free(off);
}

static void old_struct_keeps_attrop(void **state)
{
    /* A 0.2 caller's struct ends before `attrop`: whatever lies after it
     * is not read, so AttrOP stays available. */
    v2f_model *m;
    v2f_attrop *h = NULL;
    v2f_attrop_opts o;
    assert_int_equal(load_with(77, (uint32_t)offsetof(v2f_runtime_opts, attrop), &m), V2F_OK);
    assert_int_equal(info_attrop(m), V2F_ATTROP_ENABLED);
    v2f_attrop_opts_init(&o, sizeof o);
    assert_int_equal(v2f_attrop_new(m, vectors, NULL, N, &o, &h), V2F_OK);
    v2f_attrop_free(h);
    v2f_model_free(m);
}

int main(int argc, char **argv)
{
    if (!(models_dir = fx_models_arg(argc, argv)))
        return 2;
    snprintf(tiny, sizeof tiny, "%s/tiny", models_dir);
    fx_fill_vectors(vectors, N * 512, 4242);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_is_enabled),
        cmocka_unit_test(bad_values_rejected),
        cmocka_unit_test(same_outputs_as_enabled),
        cmocka_unit_test(attrop_refused),
        cmocka_unit_test(old_struct_keeps_attrop),
    };
    return cmocka_run_group_tests_name("attrop_disabled", tests, NULL, NULL) ? 1 : 0;
}
