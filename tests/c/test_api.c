/* API basics that need no model: versions, statuses, errors, options,
 * sizes, landmark rendering and raw conversion edge cases. */
#include "cmocka_all.h"

#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vec2face/vec2face.h"

static void versions(void **state)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", V2F_VERSION_MAJOR, V2F_VERSION_MINOR,
             V2F_VERSION_PATCH);
    assert_string_equal(v2f_version(), want);
    assert_int_equal(v2f_abi_version(), V2F_ABI_VERSION);
}

static void status_strings(void **state)
{
    assert_string_equal(v2f_status_str(V2F_OK), "ok");
    for (int s = 1; s <= V2F_E_BUSY; s++) {
        const char *m = v2f_status_str((v2f_status)s);
        assert_non_null(m);
        assert_string_not_equal(m, "unknown status");
    }
    assert_string_equal(v2f_status_str((v2f_status)999), "unknown status");
    assert_string_equal(v2f_status_str((v2f_status)-1), "unknown status");
}

static void *other_thread(void *arg)
{
    /* A fresh thread has no message; its failures do not leak to others. */
    *(int *)arg = strcmp(v2f_last_error(), "") == 0;
    v2f_model *m;
    /* Fails on purpose: the message must stay in this thread. */
    if (v2f_model_load(NULL, NULL, &m) == V2F_OK)
        *(int *)arg = 0;
    return NULL;
}

static void last_error_is_thread_local(void **state)
{
    v2f_model *m = (v2f_model *)0x1;
    assert_int_equal(v2f_model_load("/nonexistent/dir", NULL, &m), V2F_E_IO);
    assert_null(m);
    assert_non_null(strstr(v2f_last_error(), "/nonexistent/dir"));
    pthread_t t;
    int fresh = 0;
    pthread_create(&t, NULL, other_thread, &fresh);
    pthread_join(t, NULL);
    assert_true(fresh);
    assert_non_null(strstr(v2f_last_error(), "/nonexistent/dir"));
}

static void options_init_respects_size(void **state)
{
    v2f_gen_opts o;
    memset(&o, 0xAB, sizeof o);
    v2f_gen_opts_init(&o, sizeof o);
    assert_int_equal(o.struct_size, sizeof o);
    assert_true(o.mask_ratio_min < 0 && o.mask_ratio_std < 0);
    assert_null(o.dropped);
    assert_int_equal(o.batch_size, 0);
    /* An older, smaller struct: bytes past its size stay untouched. */
    unsigned char buf[sizeof(v2f_gen_opts)];
    memset(buf, 0xCD, sizeof buf);
    v2f_gen_opts_init((v2f_gen_opts *)buf, 16);
    assert_int_equal(((v2f_gen_opts *)buf)->struct_size, 16);
    assert_int_equal(buf[16], 0xCD);
    v2f_runtime_opts r;
    v2f_runtime_opts_init(&r, sizeof r);
    assert_int_equal(r.struct_size, sizeof r);
    assert_null(r.device);
    assert_int_equal(r.threads, 0);
    assert_int_equal(r.precision, V2F_PRECISION_FP32);
    v2f_gen_opts_init(NULL, sizeof o); /* no crash */
}

static void bad_struct_size_is_rejected(void **state)
{
    v2f_runtime_opts r;
    v2f_model *m = NULL;
    memset(&r, 0, sizeof r); /* struct_size 0: caller forgot the init */
    assert_int_equal(v2f_model_load(".", &r, &m), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "struct_size"));
}

static void image_bytes_overflow(void **state)
{
    assert_int_equal(v2f_image_bytes(0), 0);
    assert_int_equal(v2f_image_bytes(2), 2 * 112 * 112 * 3);
    assert_int_equal(v2f_image_bytes(SIZE_MAX / 1000), 0);
}

static void render_landmarks_errors(void **state)
{
    float pts[10] = {38, 52, 74, 52, 56, 72, 42, 92, 70, 92};
    uint8_t *rgb = malloc(V2F_IMAGE_BYTES);
    assert_int_equal(v2f_render_landmarks(NULL, 1, rgb), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_render_landmarks(pts, 1, NULL), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_render_landmarks(pts, 0, rgb), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_render_landmarks(pts, SIZE_MAX / 8, rgb), V2F_E_OVERFLOW);
    pts[3] = NAN;
    assert_int_equal(v2f_render_landmarks(pts, 1, rgb), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), "point 1"));
    pts[3] = 52;
    /* Dots partly or wholly off the image are fine. */
    pts[0] = -2.5f;
    pts[9] = 500.0f;
    assert_int_equal(v2f_render_landmarks(pts, 1, rgb), V2F_OK);
    /* Nose tip dot centre is pure green. */
    assert_int_equal(rgb[(72 * 112 + 56) * 3 + 0], 0);
    assert_int_equal(rgb[(72 * 112 + 56) * 3 + 1], 255);
    assert_int_equal(rgb[(72 * 112 + 56) * 3 + 2], 0);
    assert_int_equal(rgb[0], 0);
    free(rgb);
}

static void raw_to_rgb_formula(void **state)
{
    /* Values chosen by hand: ((x+1)/2)*255 then truncation and clipping. */
    const size_t plane = 112 * 112;
    float *raw = calloc(3 * plane, sizeof(float));
    uint8_t *rgb = malloc(V2F_IMAGE_BYTES);
    raw[0] = -1.0f;          /* R of pixel 0 -> 0 */
    raw[plane + 0] = 1.0f;   /* G of pixel 0 -> 255 */
    raw[2 * plane] = 0.0f;   /* B of pixel 0 -> 127.5 -> 127 */
    raw[1] = 5.0f;           /* clipped to 255 */
    raw[2] = -3.0f;          /* clipped to 0 */
    raw[3] = NAN;            /* defined: 0 */
    raw[4] = 0.99f;          /* 253.725 -> 253 */
    assert_int_equal(v2f_raw_to_rgb(raw, 1, rgb), V2F_OK);
    assert_int_equal(rgb[0], 0);
    assert_int_equal(rgb[1], 255);
    assert_int_equal(rgb[2], 127);
    assert_int_equal(rgb[3], 255);
    assert_int_equal(rgb[6], 0);
    assert_int_equal(rgb[9], 0);
    assert_int_equal(rgb[12], 253);
    assert_int_equal(v2f_raw_to_rgb(NULL, 1, rgb), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_raw_to_rgb(raw, SIZE_MAX / 4, rgb), V2F_E_OVERFLOW);
    free(raw);
    free(rgb);
}

static int log_calls;
static void count_log(int32_t level, const char *msg, void *user)
{
    (void)level;
    (void)msg;
    (*(int *)user)++;
}

static void log_callback(void **state)
{
    v2f_model *m;
    log_calls = 0;
    v2f_set_log_callback(count_log, V2F_LOG_DEBUG, &log_calls);
    assert_int_equal(v2f_model_load("/nonexistent", NULL, &m), V2F_E_IO);
    assert_true(log_calls > 0);
    v2f_set_log_callback(NULL, V2F_LOG_ERROR, NULL);
    int before = log_calls;
    assert_int_equal(v2f_model_load("/nonexistent", NULL, &m), V2F_E_IO);
    assert_int_equal(log_calls, before);
}

/* A log callback that calls the library: a failing call (which logs) and
 * v2f_set_log_callback from inside the callback once deadlocked on the log
 * lock. An alarm turns a deadlock into a failure instead of a hang. */
static int reentry_calls;
static void reentrant_log(int32_t level, const char *msg, void *user)
{
    v2f_array *a = NULL;
    (void)level;
    (void)msg;
    reentry_calls++;
    assert_int_equal(v2f_npy_read("/nonexistent/inside-callback.npy", &a), V2F_E_IO);
    v2f_set_log_callback(NULL, V2F_LOG_ERROR, NULL);   /* ignored here */
    *(int *)user = 1;
}

static void log_callback_may_call_the_library(void **state)
{
    v2f_model *m;
    int seen = 0;
    reentry_calls = 0;
    alarm(20);
    v2f_set_log_callback(reentrant_log, V2F_LOG_DEBUG, &seen);
    assert_int_equal(v2f_model_load("/nonexistent", NULL, &m), V2F_E_IO);
    assert_int_equal(seen, 1);
    /* The nested failure's own message was not delivered (no re-entry) and
     * did not replace the outer call's message. */
    assert_non_null(strstr(v2f_last_error(), "/nonexistent"));
    assert_null(strstr(v2f_last_error(), "inside-callback"));
    int calls = reentry_calls;
    assert_true(calls > 0);
    /* The set call inside the callback was ignored: still installed. */
    assert_int_equal(v2f_model_load("/nonexistent", NULL, &m), V2F_E_IO);
    assert_true(reentry_calls > calls);
    v2f_set_log_callback(NULL, V2F_LOG_ERROR, NULL);
    alarm(0);
}

static void free_null_is_noop(void **state)
{
    v2f_model_free(NULL);
    v2f_array_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(versions),
        cmocka_unit_test(status_strings),
        cmocka_unit_test(last_error_is_thread_local),
        cmocka_unit_test(options_init_respects_size),
        cmocka_unit_test(bad_struct_size_is_rejected),
        cmocka_unit_test(image_bytes_overflow),
        cmocka_unit_test(render_landmarks_errors),
        cmocka_unit_test(raw_to_rgb_formula),
        cmocka_unit_test(log_callback),
        cmocka_unit_test(log_callback_may_call_the_library),
        cmocka_unit_test(free_null_is_noop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
