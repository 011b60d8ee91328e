/* One v2f_model shared by 4 threads at once: generation (plain and pose,
 * uint8 and raw float output), the estimators and the thread-local error
 * messages give exactly what one thread doing the same calls in sequence
 * gives. The threads start together (a barrier) and repeat their work, so
 * the calls really overlap. Run under ThreadSanitizer with
 * -DV2F_SANITIZE=thread (see tests/sanitize/tsan.supp).
 *
 * usage: test_concurrency MODELS_DIR
 * V2F_TEST_INTRA_THREADS=k loads the model with k intra-op threads
 * (default: all CPUs); 1 keeps libtorch's OpenMP workers out of a TSan run. */
#define _POSIX_C_SOURCE 200809L
#include "cmocka_all.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec2face/vec2face.h"
#include "fixture.h"

#define THREADS 4
#define N 3            /* images per call */
#define REPEAT 3       /* calls per thread */
#define PIXELS (3 * 112 * 112)

static const char *models_dir;
static v2f_model *model;
static pthread_barrier_t barrier;

/* What one thread does and what it got. Jobs 0 and 1 use the same keys
 * (same vectors, seed and identities), 2 and 3 keys of their own. */
typedef struct job {
    int index;
    uint64_t seed, identity_base;
    int batch_size;
    float vectors[N * 512];
    uint8_t landmarks[N * 112 * 112 * 3];
    /* results */
    uint8_t rgb[N * 112 * 112 * 3], rgb_pose[N * 112 * 112 * 3];
    float raw[N * PIXELS];
    float features[N * 512], quality[N], angles[N * 3];
    int mismatches;
    char error[512];
} job;

static job ref[THREADS], run_jobs[THREADS];

static void fill_vectors(float *v, uint32_t seed)
{
    fx_fill_vectors(v, N * 512, seed);
}

static void init_job(job *j, int index)
{
    float pts[N * 10];
    memset(j, 0, sizeof *j);
    j->index = index;
    int key = index < 2 ? 0 : index;   /* 0 and 1 share keys */
    j->seed = 1000 + (uint64_t)key;
    j->identity_base = 10 * (uint64_t)key;
    j->batch_size = index == 3 ? 2 : 0; /* 2 + 1 images vs one batch */
    fill_vectors(j->vectors, 777u + (uint32_t)key);
    for (int i = 0; i < N; i++) {
        const float p[10] = {38, 52, 74, 52, 56, 72, 42, 92, 70, 92};
        for (int k = 0; k < 10; k++) pts[i * 10 + k] = p[k] + (float)(i + key) * (k % 2 ? 1.0f : -1.0f);
    }
    if (v2f_render_landmarks(pts, N, j->landmarks) != V2F_OK)
        fail_msg("render_landmarks: %s", v2f_last_error());
}

/* All of one job's calls; returns a message on failure (static per job). */
static const char *do_job(job *j)
{
    v2f_gen_opts o;
    v2f_gen_opts_init(&o, sizeof o);
    o.seed = j->seed;
    o.identity_base = j->identity_base;
    o.batch_size = j->batch_size;
    o.raw_out = j->raw;
    if (v2f_generate(model, j->vectors, N, &o, j->rgb) != V2F_OK) goto fail;
    o.raw_out = NULL;
    if (v2f_generate_pose(model, j->vectors, j->landmarks, N, &o, j->rgb_pose) != V2F_OK)
        goto fail;
    if (v2f_extract_features(model, V2F_PART_ARCFACE, j->rgb, N, j->features) != V2F_OK ||
        v2f_estimate_quality(model, j->rgb, N, j->quality) != V2F_OK ||
        v2f_estimate_pose(model, j->rgb_pose, N, j->angles) != V2F_OK)
        goto fail;
    return NULL;
fail:
    snprintf(j->error, sizeof j->error, "job %d: %s", j->index, v2f_last_error());
    return j->error;
}

static int same_results(const job *a, const job *b)
{
    return memcmp(a->rgb, b->rgb, sizeof a->rgb) == 0 &&
           memcmp(a->raw, b->raw, sizeof a->raw) == 0 &&
           memcmp(a->rgb_pose, b->rgb_pose, sizeof a->rgb_pose) == 0 &&
           memcmp(a->features, b->features, sizeof a->features) == 0 &&
           memcmp(a->quality, b->quality, sizeof a->quality) == 0 &&
           memcmp(a->angles, b->angles, sizeof a->angles) == 0;
}

static void *worker(void *arg)
{
    job *j = arg;
    pthread_barrier_wait(&barrier);
    for (int r = 0; r < REPEAT; r++) {
        memset(j->rgb, 0, sizeof j->rgb);
        memset(j->raw, 0, sizeof j->raw);
        if (do_job(j)) return NULL;
        j->mismatches += !same_results(j, &ref[j->index]);
    }
    return NULL;
}

static int setup(void **state)
{
    char dir[4096];
    v2f_runtime_opts ro;
    const char *threads = getenv("V2F_TEST_INTRA_THREADS");
    v2f_runtime_opts_init(&ro, sizeof ro);
    if (threads) ro.threads = atoi(threads);
    snprintf(dir, sizeof dir, "%s/tiny", models_dir);
    if (v2f_model_load(dir, &ro, &model) != V2F_OK) {
        fprintf(stderr, "load: %s\n", v2f_last_error());
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    v2f_model_free(model);
    return 0;
}

/* Reference: the same jobs one after another on this thread. */
static void make_reference(void)
{
    for (int i = 0; i < THREADS; i++) {
        const char *err;
        init_job(&ref[i], i);
        if ((err = do_job(&ref[i]))) fail_msg("%s", err);
    }
    /* The shared-key jobs agree, the others differ: the comparison below
     * can tell one job's output from another's. */
    assert_true(same_results(&ref[0], &ref[1]));
    assert_memory_not_equal(ref[0].rgb, ref[2].rgb, sizeof ref[0].rgb);
    assert_memory_not_equal(ref[2].rgb, ref[3].rgb, sizeof ref[0].rgb);
}

static void four_threads_match_one_thread(void **state)
{
    pthread_t t[THREADS];
    make_reference();
    pthread_barrier_init(&barrier, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        init_job(&run_jobs[i], i);
        assert_int_equal(pthread_create(&t[i], NULL, worker, &run_jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&barrier);
    for (int i = 0; i < THREADS; i++) {
        if (run_jobs[i].error[0]) fail_msg("%s", run_jobs[i].error);
        if (run_jobs[i].mismatches)
            fail_msg("thread %d: %d of %d runs differ from the single-thread results", i,
                     run_jobs[i].mismatches, REPEAT);
    }
}

/* Each thread fails on purpose with a message naming itself, between
 * successful calls, while the others do the same; its own message must
 * come back every time. */
typedef struct err_job {
    int index;
    int wrong;       /* messages that were not this thread's */
    int missing;     /* failures without a message */
} err_job;

static void *error_worker(void *arg)
{
    err_job *e = arg;
    char path[64], want[64];
    uint8_t rgb[112 * 112 * 3];
    float vec[512];
    v2f_model *m = NULL;
    for (int i = 0; i < 512; i++) vec[i] = (float)((i * 37 + e->index) % 17) - 8.0f;
    snprintf(path, sizeof path, "/nonexistent/v2f-thread-%d", e->index);
    snprintf(want, sizeof want, "v2f-thread-%d", e->index);
    pthread_barrier_wait(&barrier);
    for (int r = 0; r < 200; r++) {
        if (v2f_model_load(path, NULL, &m) == V2F_OK) { v2f_model_free(m); continue; }
        if (r % 50 == 0 && v2f_generate(model, vec, 1, NULL, rgb) != V2F_OK) e->missing++;
        const char *msg = v2f_last_error();
        if (!msg[0]) e->missing++;
        else if (!strstr(msg, want)) e->wrong++;
    }
    return NULL;
}

static void error_messages_are_per_thread(void **state)
{
    pthread_t t[THREADS];
    err_job e[THREADS];
    pthread_barrier_init(&barrier, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        e[i] = (err_job){.index = i};
        assert_int_equal(pthread_create(&t[i], NULL, error_worker, &e[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&barrier);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(e[i].missing, 0);
        if (e[i].wrong) fail_msg("thread %d saw %d messages of other threads", i, e[i].wrong);
    }
}

int main(int argc, char **argv)
{
    models_dir = argc > 1 ? argv[1] : "tests/models";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(four_threads_match_one_thread),
        cmocka_unit_test(error_messages_are_per_thread),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
