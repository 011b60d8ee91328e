/* The API misuse matrix: every public function called with NULL for each
 * pointer, zero and absurd sizes, broken option structs and wrong part
 * kinds, one at a time, the other arguments valid. The cases come from
 * misuse_cases.c, generated from the header and cases.txt by
 * gen_misuse.py; a public function without cases fails the test.
 *
 * usage: test_misuse MODELS_DIR   (the make_test_models fixture) */
#define _GNU_SOURCE
#include "../c/cmocka_all.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "misuse_fixture.h"

misuse_fixture fx;
int misuse_poison;
static const char *models_dir = "tests/models";
static char sentinel_msg[1024];
static volatile const char *current_fn = "", *current_label = "";

/* A crash names the case that caused it. */
static void on_crash(int sig)
{
    const char *fn = (const char *)current_fn, *label = (const char *)current_label;
    static const char pre[] = "\nmisuse: crashed in ";
    ssize_t w = write(2, pre, sizeof pre - 1);
    w = write(2, fn, strlen(fn));
    w = write(2, "(", 1);
    w = write(2, label, strlen(label));
    w = write(2, ")\n", 2);
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}

void misuse_begin(misuse_run *r, const char *fn, const char *label)
{
    r->fn = fn;
    r->label = label;
    r->cases++;
    /* A misbehaving call may have written into the zero block. */
    memset(&fx.zero, 0, sizeof fx.zero);
    current_fn = fn;
    current_label = label;
}

/* Leave a known message behind, so a failing call that forgets to set its
 * own is caught (the test's own call must be a different function). */
void misuse_sentinel(const char *fn)
{
    /* The failure is the point; a status variable keeps GCC's
     * warn_unused_result quiet, which a (void) cast does not. */
    v2f_status expected_failure;
    if (strcmp(fn, "v2f_raw_to_rgb") != 0)
        expected_failure = v2f_raw_to_rgb(NULL, 0, NULL);
    else
        expected_failure = v2f_render_landmarks(NULL, 0, NULL);
    (void)expected_failure;
    snprintf(sentinel_msg, sizeof sentinel_msg, "%s", v2f_last_error());
}

static void fail_case(misuse_run *r, const char *fmt, const char *a, const char *b)
{
    r->failures++;
    print_error("misuse FAIL %s(%s): ", r->fn, r->label);
    print_error(fmt, a, b);
    print_error("\n");
}

void misuse_status(misuse_run *r, v2f_status got, const v2f_status *want, size_t nwant)
{
    char wanted[256] = "";
    int hit = 0;
    for (size_t i = 0; i < nwant; i++) {
        hit |= got == want[i];
        snprintf(wanted + strlen(wanted), sizeof wanted - strlen(wanted), "%s%s",
                 i ? " or " : "", v2f_status_str(want[i]));
    }
    if (!hit) {
        char msg[1300];
        snprintf(msg, sizeof msg, "%s (%s)", v2f_status_str(got),
                 got ? v2f_last_error() : "");
        fail_case(r, "returned %s, expected %s", msg, wanted);
        return;
    }
    if (got != V2F_OK && v2f_last_error()[0] == '\0')
        fail_case(r, "failed with an empty v2f_last_error()%s%s", "", "");
    else if (got != V2F_OK && strcmp(v2f_last_error(), sentinel_msg) == 0)
        fail_case(r, "failed without setting its own message (still '%s')%s",
                  sentinel_msg, "");
}

void misuse_check(misuse_run *r, int ok, const char *what)
{
    if (!ok) fail_case(r, "check failed: %s%s", what, "");
}

void misuse_out_cleared(misuse_run *r, int ok, const char *what)
{
    if (!ok) fail_case(r, "out-pointer %s not set to NULL on failure%s", what, "");
}

void misuse_pass(misuse_run *r) { (void)r; }

int misuse_canary_intact(size_t from)
{
    for (size_t i = from; i < sizeof fx.canary; i++)
        if (fx.canary[i] != 0xA5) return 0;
    return 1;
}

int misuse_progress_stop(void *user, uint64_t done, uint64_t total)
{
    (void)user; (void)done; (void)total;
    return 1;
}

void misuse_log(int32_t level, const char *msg, void *user)
{
    (void)level; (void)msg; (void)user;
}

/* ---- fixture ------------------------------------------------------- */

static void must(v2f_status s, const char *what)
{
    if (s != V2F_OK) {
        fprintf(stderr, "misuse fixture: %s failed: %s: %s\n", what, v2f_status_str(s),
                v2f_last_error());
        exit(1);
    }
}

static void fill_inputs(void)
{
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof fx.vec / sizeof fx.vec[0]; i++) {
        x = x * 1664525u + 1013904223u;
        fx.vec[i] = ((float)(x >> 8) / 16777216.0f - 0.5f);
    }
    memcpy(fx.vec_nan, fx.vec, sizeof fx.vec);
    fx.vec_nan[512 + 7] = NAN;
    for (size_t i = 0; i < sizeof fx.small / sizeof fx.small[0]; i++)
        fx.small[i] = (float)((i * 7919) % 13) - 6.0f + 0.25f * (float)(i % 3);
    memcpy(fx.small_nan, fx.small, sizeof fx.small);
    fx.small_nan[FX_DIM + 1] = NAN;
    for (int i = 0; i < 4; i++) {
        fx.labels[i] = i % 2;
        fx.labels_bad[i] = i % 2 ? 5 : 0;
    }
    for (size_t i = 0; i < sizeof fx.rgb; i++) fx.rgb[i] = (uint8_t)(i * 31 + 7);
    for (size_t i = 0; i < sizeof fx.raw / sizeof fx.raw[0]; i++)
        fx.raw[i] = (float)((int)(i % 200) - 100) / 100.0f;
    for (int i = 0; i < FX_N; i++) {
        const float p[10] = {38, 52, 74, 52, 56, 72, 42, 92, 70, 92};
        memcpy(fx.pts + i * 10, p, sizeof p);
    }
    memcpy(fx.pts_nan, fx.pts, sizeof fx.pts);
    fx.pts_nan[3] = NAN;
    memset(fx.bad_mask, 2, sizeof fx.bad_mask);
    memset(fx.canary, 0xA5, sizeof fx.canary);
}

static void fill_opts(void)
{
    v2f_runtime_opts_init(&fx.runtime_opts, sizeof fx.runtime_opts);
    fx.runtime_bad = fx.runtime_opts;
    fx.runtime_bad.threads = -3;
    v2f_gen_opts_init(&fx.gen_opts, sizeof fx.gen_opts);
    fx.gen_bad = fx.gen_opts;
    fx.gen_bad.batch_size = -1;
    fx.gen_huge_batch = fx.gen_opts;
    fx.gen_huge_batch.batch_size = INT32_MAX;
    v2f_attrop_opts_init(&fx.attrop_opts, sizeof fx.attrop_opts);
    fx.attrop_bad = fx.attrop_opts;
    fx.attrop_bad.identity_model = V2F_PART_HEADPOSE;
    fx.losses.struct_size = sizeof fx.losses;
    v2f_perturb_opts_init(&fx.perturb_opts, sizeof fx.perturb_opts);
    fx.perturb_opts.dim = FX_DIM;
    fx.eps_vals[0] = 0.3f;
    fx.eps_vals[1] = 0.5f;
    fx.perturb_bad = fx.perturb_opts;
    fx.perturb_bad.eps = fx.eps_vals;
    fx.perturb_bad.eps_count = 100000;     /* more than 64 */
    fx.perturb_bad2 = fx.perturb_opts;
    fx.perturb_bad2.images_per_vector = 0;
    v2f_sampler_fit_opts_init(&fx.fit_opts, sizeof fx.fit_opts);
    fx.fit_opts.shrinkage = 0.5f;
    fx.fit_bad = fx.fit_opts;
    fx.fit_bad.shrinkage = 2.0f;
    v2f_sample_opts_init(&fx.sample_opts, sizeof fx.sample_opts);
    fx.sample_opts.max_similarity = 0.9f;
    fx.sample_bad = fx.sample_opts;
    fx.sample_bad.max_similarity = 7.0f;
    fx.sample_stats.struct_size = sizeof fx.sample_stats;
    v2f_centres_opts_init(&fx.centres_opts, sizeof fx.centres_opts);
    v2f_separability_opts_init(&fx.sep_opts, sizeof fx.sep_opts);
    fx.sep_report.struct_size = sizeof fx.sep_report;
    v2f_dataset_recipe_init(&fx.recipe, sizeof fx.recipe);
    fx.recipe.identities = fx.identities;
    fx.recipe.out_dir = fx.dataset;
    fx.recipe.perturb_images = 1;
    fx.recipe_bad = fx.recipe;
    fx.recipe_bad.perturb_images = -5;
    fx.ds_stats.struct_size = sizeof fx.ds_stats;
    fx.ds_report.struct_size = sizeof fx.ds_report;
    v2f_dataset_report_opts_init(&fx.report_opts, sizeof fx.report_opts);
    fx.report_bad = fx.report_opts;
    fx.report_bad.histogram_bins = -1;
    fx.summary.struct_size = sizeof fx.summary;
    v2f_image_read_opts_init(&fx.read_opts, sizeof fx.read_opts);
    fx.read_bad = fx.read_opts;
    fx.read_bad.resize = 7;
    v2f_image_write_opts_init(&fx.write_opts, sizeof fx.write_opts);
    fx.write_bad = fx.write_opts;
    fx.write_bad.jpeg_quality = 1000;
    fx.model_info.struct_size = sizeof fx.model_info;
    fx.part_info.struct_size = sizeof fx.part_info;
}

static void write_png(const char *dir, const char *name)
{
    char p[600];
    mkdir(dir, 0755);
    snprintf(p, sizeof p, "%s/%s", dir, name);
    must(v2f_image_write(p, fx.rgb, 112, 112, NULL), p);
}

static int setup_fixture(void **state)
{
    char sub[600];
    (void)state;
    snprintf(fx.dir, sizeof fx.dir, "/tmp/v2f_misuse_XXXXXX");
    if (!mkdtemp(fx.dir)) {
        perror("mkdtemp");
        return -1;
    }
#define P(field, fmt, ...) snprintf(fx.field, sizeof fx.field, fmt, __VA_ARGS__)
    P(tiny, "%s/tiny", models_dir);
    P(gen_only, "%s/gen_only", models_dir);
    P(npy, "%s/a.npy", fx.dir);
    P(npy_out, "%s/out.npy", fx.dir);
    P(npz, "%s/sampler.npz", fx.dir);
    P(npz_out, "%s/out.npz", fx.dir);
    P(png, "%s/face.png", fx.dir);
    P(png_out, "%s/out.png", fx.dir);
    P(folder, "%s/faces", fx.dir);
    P(dataset, "%s/dataset", fx.dir);
    P(identities, "%s/ids.npy", fx.dir);
#undef P
    fill_inputs();
    fill_opts();
    must(v2f_model_load(fx.tiny, NULL, &fx.model), fx.tiny);
    must(v2f_model_load(fx.gen_only, NULL, &fx.gen_only_model), fx.gen_only);
    {
        v2f_runtime_opts ro;
        v2f_runtime_opts_init(&ro, sizeof ro);
        ro.memory_limit = 256u << 20;
        must(v2f_model_load(fx.tiny, &ro, &fx.capped), "tiny with memory_limit");
        ro.memory_limit = 1u << 20;
        must(v2f_model_load(fx.tiny, &ro, &fx.capped_1m), "tiny with memory_limit");
    }
    must(v2f_npy_write(fx.npy, fx.small, 4, FX_DIM), fx.npy);
    must(v2f_npy_read(fx.npy, &fx.array), fx.npy);
    must(v2f_npy_write(fx.identities, fx.vec, FX_N, 512), fx.identities);
    must(v2f_sampler_fit(fx.small, 4, FX_DIM, &fx.fit_opts, &fx.sampler), "sampler");
    must(v2f_sampler_save(fx.sampler, fx.npz), fx.npz);
    must(v2f_image_write(fx.png, fx.rgb, 112, 112, NULL), fx.png);
    mkdir(fx.folder, 0755);
    snprintf(sub, sizeof sub, "%s/0", fx.folder);
    write_png(sub, "a.png");
    snprintf(sub, sizeof sub, "%s/1", fx.folder);
    write_png(sub, "b.png");
    must(v2f_attrop_new(fx.model, fx.vec, NULL, 1, &fx.attrop_opts, &fx.attrop), "attrop");
    must(v2f_attrop_step(fx.attrop, NULL), "attrop step");
    must(v2f_dataset_job_new(fx.model, &fx.recipe, 0, 1, &fx.job), "dataset job");
    must(v2f_dataset_job_run(fx.job, NULL, NULL), "dataset job run");
    return 0;
}

static int teardown_fixture(void **state)
{
    char cmd[400];
    (void)state;
    v2f_dataset_job_free(fx.job);
    v2f_attrop_free(fx.attrop);
    v2f_sampler_free(fx.sampler);
    v2f_array_free(fx.array);
    v2f_model_free(fx.gen_only_model);
    v2f_model_free(fx.capped);
    v2f_model_free(fx.capped_1m);
    v2f_model_free(fx.model);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx.dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", fx.dir);
    return 0;
}

/* ---- tests --------------------------------------------------------- */

static void every_function_has_cases(void **state)
{
    size_t n = 0;
    (void)state;
    for (size_t i = 0; misuse_missing[i]; i++, n++)
        print_error("misuse: %s\n", misuse_missing[i]);
    print_message("misuse matrix: %zu functions, %zu cases\n", misuse_fn_count,
                  misuse_case_count);
    if (n) fail_msg("%zu public functions lack misuse cases (see above)", n);
}

/* Sizes past one internal batch (16) are processed batch by batch: 20
 * images give the qualities that the MagFace features give one by one
 * (the norm computed here, in double), and 20 generated images equal the
 * same images generated one call each (within 1/255). */
static void large_n_goes_in_batches(void **state)
{
    enum { M = 20 };
    uint8_t *rgb = malloc((size_t)M * V2F_IMAGE_BYTES), *one = malloc(V2F_IMAGE_BYTES);
    float q[M], feat[512], *vecs = malloc((size_t)M * 512 * sizeof(float));
    v2f_gen_opts o;
    (void)state;
    assert_non_null(rgb);
    assert_non_null(one);
    assert_non_null(vecs);
    for (size_t i = 0; i < (size_t)M * 512; i++) vecs[i] = fx.vec[i % (FX_N * 512)] + (float)(i / 512) * 0.01f;
    v2f_gen_opts_init(&o, sizeof o);
    o.seed = 5;
    assert_int_equal(v2f_generate(fx.model, vecs, M, &o, rgb), V2F_OK);
    for (int i = 0; i < M; i += 7) {   /* a sample of them, one call each */
        o.identity_base = (uint64_t)i;
        assert_int_equal(v2f_generate(fx.model, vecs + i * 512, 1, &o, one), V2F_OK);
        /* The header's contract across batch shapes: within 1/255. */
        for (size_t b = 0; b < V2F_IMAGE_BYTES; b++)
            assert_true(abs((int)one[b] - (int)rgb[(size_t)i * V2F_IMAGE_BYTES + b]) <= 1);
    }
    assert_int_equal(v2f_estimate_quality(fx.model, rgb, M, q), V2F_OK);
    for (int i = 0; i < M; i++) {
        double s = 0;
        assert_int_equal(v2f_extract_features(fx.model, V2F_PART_MAGFACE,
                                              rgb + (size_t)i * V2F_IMAGE_BYTES, 1, feat), V2F_OK);
        for (int k = 0; k < 512; k++) s += (double)feat[k] * feat[k];
        assert_float_equal(q[i], sqrt(s), 1e-4 * sqrt(s));
    }
    free(rgb);
    free(one);
    free(vecs);
}

static void run_function(void **state)
{
    const misuse_fn *f = *state;
    misuse_run r = {0};
    /* Installed here, over CMocka's handlers: a crash must stop the run
     * (memory may be corrupt) and name the case. */
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGABRT, on_crash);
    signal(SIGFPE, on_crash);
    f->run(&r);
    assert_int_equal(r.cases, f->cases);
    if (r.failures)
        fail_msg("%s: %zu of %zu misuse cases failed (see above)", f->name, r.failures,
                 r.cases);
}

int main(int argc, char **argv)
{
    struct CMUnitTest *tests;
    size_t n = 0;
    int rc;
    if (argc > 1) models_dir = argv[1];
    tests = calloc(misuse_fn_count + 2, sizeof *tests);
    if (!tests) return 1;
    tests[n++] = (struct CMUnitTest){"every_function_has_cases", every_function_has_cases,
                                     NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"large_n_goes_in_batches", large_n_goes_in_batches,
                                     NULL, NULL, NULL};
    for (size_t i = 0; i < misuse_fn_count; i++)
        tests[n++] = (struct CMUnitTest){misuse_fns[i].name, run_function, NULL, NULL,
                                         (void *)&misuse_fns[i]};
    rc = _cmocka_run_group_tests("misuse", tests, n, setup_fixture, teardown_fixture);
    free(tests);
    return rc;
}
