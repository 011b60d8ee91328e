/* Model loading: the good directory and every broken one from the fixture
 * (tests/reference/make_test_models.py). argv[1] is the models folder. */
#include "cmocka_all.h"

#include <stdio.h>
#include <string.h>

#include "vec2face/vec2face.h"
#include "fixture.h"

static const char *models;

static void path_of(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", models, name);
}

static void expect_load_error(const char *name, v2f_status want, const char *substr)
{
    char dir[4096];
    v2f_model *m = (v2f_model *)0x1;
    path_of(dir, sizeof dir, name);
    v2f_status s = v2f_model_load(dir, NULL, &m);
    if (s != want || !strstr(v2f_last_error(), substr))
        fail_msg("%s: got status %d (%s) message '%s'; want %d and '%s'", name, s,
                 v2f_status_str(s), v2f_last_error(), want, substr);
    assert_null(m);
}

static void loads_tiny_and_reports_info(void **state)
{
    char dir[4096];
    v2f_model *m = NULL;
    v2f_model_info info;
    v2f_part_info p;
    path_of(dir, sizeof dir, "tiny");
    assert_int_equal(v2f_model_load(dir, NULL, &m), V2F_OK);
    info.struct_size = sizeof info;
    assert_int_equal(v2f_model_info_get(m, &info), V2F_OK);
    assert_int_equal(info.parts, 0x3f);
    assert_int_equal(info.vector_dim, 512);
    assert_int_equal(info.image_size, 112);
    assert_int_equal(info.cond_dim, 768);
    assert_string_equal(info.device, "cpu");
    assert_true(info.threads >= 1);

    p.struct_size = sizeof p;
    assert_int_equal(v2f_model_part_info(m, V2F_PART_GENERATOR, &p), V2F_OK);
    assert_int_equal(p.present, 1);
    assert_string_equal(p.kind, "generator");
    assert_string_equal(p.source_sha256, "random:tiny:seed=7");
    /* MODEL_FACTS: plain defaults 0.1/1.0/0.15/0.25, dropped ceil(49*0.1) = 5. */
    assert_float_equal(p.mask_ratio_min, 0.1f, 1e-7);
    assert_float_equal(p.mask_ratio_max, 1.0f, 1e-7);
    assert_float_equal(p.mask_ratio_mu, 0.15f, 1e-7);
    assert_float_equal(p.mask_ratio_std, 0.25f, 1e-7);
    assert_int_equal(p.num_dropped, 5);
    assert_int_equal(v2f_model_part_info(m, V2F_PART_POSE_GENERATOR, &p), V2F_OK);
    /* Pose defaults 0.8/0.9/0.85/0.05, dropped ceil(49*0.8) = 40. */
    assert_float_equal(p.mask_ratio_min, 0.8f, 1e-7);
    assert_float_equal(p.mask_ratio_mu, 0.85f, 1e-7);
    assert_int_equal(p.num_dropped, 40);
    assert_true(p.lora_rank > 0);
    assert_int_equal(v2f_model_part_info(m, V2F_PART_ARCFACE, &p), V2F_OK);
    assert_string_equal(p.kind, "arcface");
    assert_int_equal(v2f_model_part_info(m, 6, &p), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_model_part_info(m, -1, &p), V2F_E_INVALID_ARG);
    v2f_model_free(m);
}

static void partial_directory(void **state)
{
    char dir[4096];
    v2f_model *m = NULL;
    v2f_model_info info;
    path_of(dir, sizeof dir, "gen_only");
    assert_int_equal(v2f_model_load(dir, NULL, &m), V2F_OK);
    info.struct_size = sizeof info;
    assert_int_equal(v2f_model_info_get(m, &info), V2F_OK);
    assert_int_equal(info.parts, 1u << V2F_PART_GENERATOR);
    float vec[512] = {1};
    uint8_t lm[V2F_IMAGE_BYTES] = {0}, rgb[V2F_IMAGE_BYTES];
    assert_int_equal(v2f_generate_pose(m, vec, lm, 1, NULL, rgb), V2F_E_UNSUPPORTED);
    assert_non_null(strstr(v2f_last_error(), "pose_generator.pt"));
    v2f_model_free(m);
}

static void broken_directories(void **state)
{
    expect_load_error("does_not_exist", V2F_E_IO, "does_not_exist");
    expect_load_error("empty", V2F_E_IO, "no model part found");
    expect_load_error("truncated", V2F_E_MODEL, "generator.pt");
    expect_load_error("garbage", V2F_E_MODEL, "not a loadable TorchScript file");
    expect_load_error("wrong_kind", V2F_E_MODEL, "holds a 'arcface' network, expected 'generator'");
    expect_load_error("wrong_dims", V2F_E_MODEL, "output shape");
    expect_load_error("no_meta", V2F_E_MODEL, "v2f_format");
    expect_load_error("old_format", V2F_E_MODEL, "format version 99");
    expect_load_error("tiny/generator.pt", V2F_E_IO, "not a directory");
}

static void bad_runtime_options(void **state)
{
    char dir[4096];
    v2f_model *m = NULL;
    v2f_runtime_opts o;
    path_of(dir, sizeof dir, "gen_only");
    v2f_runtime_opts_init(&o, sizeof o);
    o.precision = 7;
    assert_int_equal(v2f_model_load(dir, &o, &m), V2F_E_UNSUPPORTED);
    assert_non_null(strstr(v2f_last_error(), "precision"));
    v2f_runtime_opts_init(&o, sizeof o);
    o.device = "tpu:0";
    assert_int_equal(v2f_model_load(dir, &o, &m), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "tpu:0"));
    o.device = "cuda:0";
    v2f_status s = v2f_model_load(dir, &o, &m);
    /* On a machine without CUDA this must be a clear UNSUPPORTED. */
    if (s != V2F_OK) {
        assert_int_equal(s, V2F_E_UNSUPPORTED);
        assert_non_null(strstr(v2f_last_error(), "CUDA"));
    }
    v2f_model_free(m);
    v2f_runtime_opts_init(&o, sizeof o);
    o.threads = -1;
    assert_int_equal(v2f_model_load(dir, &o, &m), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_model_load(NULL, NULL, &m), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_model_load(dir, NULL, NULL), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_model_info_get(NULL, NULL), V2F_E_INVALID_ARG);
}

int main(int argc, char **argv)
{
    if (!(models = fx_models_arg(argc, argv)))
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loads_tiny_and_reports_info),
        cmocka_unit_test(partial_directory),
        cmocka_unit_test(broken_directories),
        cmocka_unit_test(bad_runtime_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
