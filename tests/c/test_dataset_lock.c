/* The dataset shard lock (0.3), through the public API with the tiny
 * model, in one process: a second job on the same folder and shard while
 * the first runs (called from the first's progress callback, so the first
 * surely holds the lock) gets V2F_E_BUSY naming the folder, shard, lock
 * file and our pid, and writes nothing; another shard of the same folder
 * runs meanwhile; with wait_lock the second job waits (progress (0, 0)),
 * can be cancelled, or finds the shard complete once the first is done;
 * the lock is released when v2f_dataset_job_run returns (also after a
 * cancel); wait_lock other than 0/1 is refused.
 * Usage: test_dataset_lock MODELS_DIR */
#define _POSIX_C_SOURCE 200809L
#include "cmocka_all.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vec2face/vec2face.h"
#include "fixture.h"

#define IDS 4
#define PER_ID 2
#define SHARD_IMAGES (IDS / 2 * PER_ID)   /* shard 0/2: identities 0, 1 */

static const char *models_dir;
static v2f_model *model;
static char tmpdir[256], ids_path[300];

static const char *tpath(const char *name) { return fx_path(tmpdir, name); }

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static v2f_dataset_job *new_job(const char *out, uint32_t shard,
                                int32_t wait_lock)
{
    v2f_dataset_recipe r;
    v2f_dataset_job *job = NULL;
    v2f_dataset_recipe_init(&r, sizeof r);
    r.identities = ids_path;
    r.out_dir = out;
    r.seed = 3;
    r.perturb_images = PER_ID;
    r.batch_size = 1;
    r.wait_lock = wait_lock;
    ASSERT_OK(v2f_dataset_job_new(model, &r, shard, 2, &job));
    return job;
}

static v2f_dataset_stats stats_of(const v2f_dataset_job *job)
{
    v2f_dataset_stats s;
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    assert_int_equal(v2f_dataset_job_stats(job, &s), V2F_OK);
    return s;
}

/* Data rows of a manifest part; -1 when it is missing. */
static int rows(const char *out, const char *part)
{
    char path[700], line[512];
    int n = -1;
    FILE *f;
    snprintf(path, sizeof path, "%s/manifest/%s", out, part);
    if (!(f = fopen(path, "r")))
        return -1;
    while (fgets(line, sizeof line, f))
        n++;
    fclose(f);
    return n;
}

static int exists(const char *out, const char *rel)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", out, rel);
    return access(path, F_OK) == 0;
}

/* ---- a waiting job on a thread of its own ---- */

typedef struct waiter {
    v2f_dataset_job *job;
    pthread_mutex_t mu;
    int calls, bad_args, cancel_at;
    v2f_status st;
    char message[1024];
} waiter;

static int waiter_progress(void *user, uint64_t done, uint64_t total)
{
    waiter *w = user;
    int stop;
    pthread_mutex_lock(&w->mu);
    if (done != 0 || total != 0)
        w->bad_args++;   /* only waiting calls are expected: see below */
    w->calls++;
    stop = w->cancel_at && w->calls >= w->cancel_at;
    pthread_mutex_unlock(&w->mu);
    return stop;
}

static int waiter_calls(waiter *w)
{
    int n;
    pthread_mutex_lock(&w->mu);
    n = w->calls;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* After the wait, the scan's progress call is (done, total) = (4, 4) for
 * a complete shard: count waiting calls only until then. */
static int waiter_progress_until_lock(void *user, uint64_t done,
                                      uint64_t total)
{
    if (total != 0)
        return 0;
    return waiter_progress(user, done, total);
}

static void *waiter_main(void *arg)
{
    waiter *w = arg;
    w->st = v2f_dataset_job_run(w->job, waiter_progress_until_lock, w);
    snprintf(w->message, sizeof w->message, "%s", v2f_last_error());
    return NULL;
}

/* ---- the first job: the other jobs run from its first progress call ---- */

typedef struct first {
    const char *out;
    int calls;
    void (*inside)(struct first *);   /* at the first call */
    pthread_t thread;
    waiter w;
} first;

static int first_progress(void *user, uint64_t done, uint64_t total)
{
    first *f = user;
    (void)done;
    (void)total;
    if (f->calls++ == 0 && f->inside)
        f->inside(f);
    return 0;
}

static void run_first(first *f, const char *out, void (*inside)(first *))
{
    v2f_dataset_job *a = new_job(out, 0, 0);
    v2f_dataset_stats s;
    memset(f, 0, sizeof *f);
    f->out = out;
    f->inside = inside;
    ASSERT_OK(v2f_dataset_job_run(a, first_progress, f));
    s = stats_of(a);
    assert_int_equal(s.images_written, SHARD_IMAGES);
    v2f_dataset_job_free(a);
}

static void second_busy(first *f)
{
    v2f_dataset_job *b = new_job(f->out, 0, 0), *other;
    char want[64], host[256];
    const char *msg;
    v2f_dataset_stats s;
    v2f_status st = v2f_dataset_job_run(b, NULL, NULL);
    msg = v2f_last_error();
    if (st != V2F_E_BUSY)
        print_message("status %d: %s\n", (int)st, msg);
    assert_int_equal(st, V2F_E_BUSY);
    assert_string_equal(v2f_status_str(st),
                        "busy (locked by another process or job)");
    assert_non_null(strstr(msg, "shard 0/2"));
    assert_non_null(strstr(msg, f->out));
    assert_non_null(strstr(msg, ".shard-0-of-2.lock"));
    snprintf(want, sizeof want, "pid %ld", (long)getpid());
    if (!strstr(msg, want))
        print_message("message: %s\n", msg);
    assert_non_null(strstr(msg, want));
    assert_int_equal(gethostname(host, sizeof host), 0);
    assert_non_null(strstr(msg, host));
    s = stats_of(b);
    assert_int_equal(s.images_written, 0);
    assert_int_equal(s.rows_added, 0);
    v2f_dataset_job_free(b);
    /* The first job has written nothing yet (its first progress call is
     * after the scan): nothing of identity 0 exists. */
    assert_false(exists(f->out, "000000/000.png"));

    /* Shard 1/2 of the same folder has its own lock: it runs now. */
    other = new_job(f->out, 1, 0);
    ASSERT_OK(v2f_dataset_job_run(other, NULL, NULL));
    assert_int_equal(stats_of(other).images_written, SHARD_IMAGES);
    v2f_dataset_job_free(other);
}

static void second_job_same_shard_is_busy(void **state)
{
    first f;
    v2f_dataset_job *b;
    v2f_dataset_stats s;
    char path[700], text[512];
    FILE *lf;
    size_t n;
    (void)state;
    run_first(&f, tpath("busy"), second_busy);
    assert_int_equal(f.calls, 1 + SHARD_IMAGES);
    /* Each image exactly once: no row of the busy job. */
    assert_int_equal(rows(tpath("busy"), "part-0-of-2.csv"), SHARD_IMAGES);
    assert_int_equal(rows(tpath("busy"), "part-1-of-2.csv"), SHARD_IMAGES);
    ASSERT_OK(v2f_dataset_verify(tpath("busy"), NULL));
    /* The lock file stays, names its last holder, and is not a problem for
     * verify (just checked). */
    snprintf(path, sizeof path, "%s/.shard-0-of-2.lock", tpath("busy"));
    lf = fopen(path, "r");
    assert_non_null(lf);
    n = fread(text, 1, sizeof text - 1, lf);
    fclose(lf);
    text[n] = '\0';
    assert_int_equal(strncmp(text, "pid ", 4), 0);
    assert_int_equal(atol(text + 4), (long)getpid());
    assert_non_null(strstr(text, "\nhost "));
    assert_non_null(strstr(text, "\nsince "));

    /* Released when the run returned: the same job kind runs now and has
     * nothing to do. */
    b = new_job(tpath("busy"), 0, 0);
    ASSERT_OK(v2f_dataset_job_run(b, NULL, NULL));
    s = stats_of(b);
    assert_int_equal(s.images_written, 0);
    assert_int_equal(s.images_skipped, SHARD_IMAGES);
    v2f_dataset_job_free(b);
    assert_int_equal(rows(tpath("busy"), "part-0-of-2.csv"), SHARD_IMAGES);
}

static void waiter_cancelled(first *f)
{
    waiter w;
    double t0 = now();
    memset(&w, 0, sizeof w);
    pthread_mutex_init(&w.mu, NULL);
    w.cancel_at = 3;
    w.job = new_job(f->out, 0, 1);
    w.st = v2f_dataset_job_run(w.job, waiter_progress, &w);
    assert_int_equal(w.st, V2F_E_CANCELLED);
    assert_non_null(strstr(v2f_last_error(), "waiting for the lock"));
    assert_non_null(strstr(v2f_last_error(), "shard 0/2"));
    assert_int_equal(w.calls, 3);
    assert_int_equal(w.bad_args, 0);
    /* Polled, not spun: three calls 0.1 s apart, and not blocked either. */
    assert_true(now() - t0 > 0.15);
    assert_true(now() - t0 < 30.0);
    assert_int_equal(stats_of(w.job).images_written, 0);
    v2f_dataset_job_free(w.job);
    pthread_mutex_destroy(&w.mu);
}

static void wait_lock_cancelled_by_progress(void **state)
{
    first f;
    (void)state;
    run_first(&f, tpath("cancel"), waiter_cancelled);
    assert_int_equal(rows(tpath("cancel"), "part-0-of-2.csv"), SHARD_IMAGES);
}

static void start_waiter(first *f)
{
    double t0 = now();
    memset(&f->w, 0, sizeof f->w);
    pthread_mutex_init(&f->w.mu, NULL);
    f->w.job = new_job(f->out, 0, 1);
    assert_int_equal(pthread_create(&f->thread, NULL, waiter_main, &f->w), 0);
    /* Go on only once the waiter is waiting (it has called progress). */
    while (waiter_calls(&f->w) == 0 && now() - t0 < 60.0) {
        struct timespec ts = {0, 10000000L};
        nanosleep(&ts, NULL);
    }
    assert_true(waiter_calls(&f->w) > 0);
}

static void wait_lock_waits_then_finds_work_done(void **state)
{
    first f;
    v2f_dataset_stats s;
    (void)state;
    run_first(&f, tpath("wait"), start_waiter);
    assert_int_equal(pthread_join(f.thread, NULL), 0);
    if (f.w.st != V2F_OK)
        print_message("waiter: %d %s\n", (int)f.w.st, f.w.message);
    assert_int_equal(f.w.st, V2F_OK);
    assert_int_equal(f.w.bad_args, 0);
    s = stats_of(f.w.job);
    assert_int_equal(s.images_written, 0);
    assert_int_equal(s.images_skipped, SHARD_IMAGES);
    assert_int_equal(s.rows_added, 0);
    v2f_dataset_job_free(f.w.job);
    pthread_mutex_destroy(&f.w.mu);
    assert_int_equal(rows(tpath("wait"), "part-0-of-2.csv"), SHARD_IMAGES);
}

static int cancel_at_once(void *user, uint64_t done, uint64_t total)
{
    (void)user;
    (void)done;
    (void)total;
    return 1;
}

static void lock_released_after_cancel(void **state)
{
    v2f_dataset_job *a = new_job(tpath("released"), 0, 0), *b;
    (void)state;
    assert_int_equal(v2f_dataset_job_run(a, cancel_at_once, NULL),
                     V2F_E_CANCELLED);
    b = new_job(tpath("released"), 0, 0);
    ASSERT_OK(v2f_dataset_job_run(b, NULL, NULL));
    assert_int_equal(stats_of(b).images_written, SHARD_IMAGES);
    v2f_dataset_job_free(b);
    /* The cancelled job runs again later, as before 0.3. */
    ASSERT_OK(v2f_dataset_job_run(a, NULL, NULL));
    assert_int_equal(stats_of(a).images_written, 0);
    v2f_dataset_job_free(a);
}

static void wait_lock_values(void **state)
{
    static const int32_t bad[] = {2, -1, INT32_MIN, INT32_MAX};
    v2f_dataset_recipe r;
    v2f_dataset_job *job = NULL;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v2f_dataset_recipe_init(&r, sizeof r);
        r.identities = ids_path;
        r.out_dir = tpath("values");
        r.wait_lock = bad[i];
        assert_int_equal(v2f_dataset_job_new(model, &r, 0, 1, &job),
                         V2F_E_INVALID_ARG);
        assert_null(job);
        assert_non_null(strstr(v2f_last_error(), "wait_lock"));
    }
    v2f_dataset_recipe_init(&r, sizeof r);
    assert_int_equal(r.wait_lock, 0);   /* the default: refuse, not wait */
    /* A recipe struct of 0.2's size (no png_level, no wait_lock) is
     * accepted and does not wait. */
    r.identities = ids_path;
    r.out_dir = tpath("values");
    r.struct_size = (uint32_t)offsetof(v2f_dataset_recipe, png_level);
    ASSERT_OK(v2f_dataset_job_new(model, &r, 0, 1, &job));
    v2f_dataset_job_free(job);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/v2f-lock-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    if (fx_identities_npy(tmpdir, IDS, 9, ids_path, sizeof ids_path) ||
        fx_load_tiny(models_dir, 1, &model))
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    v2f_model_free(model);
    return fx_rm_tree(tmpdir);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(second_job_same_shard_is_busy),
        cmocka_unit_test(wait_lock_cancelled_by_progress),
        cmocka_unit_test(wait_lock_waits_then_finds_work_done),
        cmocka_unit_test(lock_released_after_cancel),
        cmocka_unit_test(wait_lock_values),
    };
    if (!(models_dir = fx_models_arg(argc, argv)))
        return 2;
    return cmocka_run_group_tests_name("dataset_lock", tests, group_setup,
                                       group_teardown);
}
