/* The dataset job's writer overlap (0.3): batch k is written on a writer
 * thread while batch k+1 is generated. Through the public API with the
 * tiny model: progress is called on the calling thread and counts exactly
 * the images on disk (with their fsync'ed manifest rows); a cancel writes
 * what was generated and leaves a resumable folder; a write error in a
 * batch while the next one is generating (and in the last batch) comes
 * back from v2f_dataset_job_run with its status and message on the
 * calling thread, with only complete files and their rows left; resumed
 * runs equal a run made in one batch (no overlap).
 * Usage: test_dataset_overlap MODELS_DIR */
#define _POSIX_C_SOURCE 200809L
#include "cmocka_all.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vec2face/vec2face.h"
#include "fixture.h"

#define IDS 5
#define PER_ID 3
#define TOTAL (IDS * PER_ID)

static const char *models_dir;
static v2f_model *model;
static char tmpdir[256], ids_path[300];

static const char *tpath(const char *name) { return fx_path(tmpdir, name); }

/* Final image files and temporary files under out/<identity>/. */
static void count_files(const char *out, int *images, int *temps)
{
    char sub[700];
    DIR *d = opendir(out), *e;
    struct dirent *a, *b;
    *images = *temps = 0;
    if (!d)
        return;
    while ((a = readdir(d)) != NULL) {
        if (a->d_name[0] < '0' || a->d_name[0] > '9')
            continue;
        snprintf(sub, sizeof sub, "%s/%s", out, a->d_name);
        if (!(e = opendir(sub)))
            continue;
        while ((b = readdir(e)) != NULL) {
            size_t n = strlen(b->d_name);
            char file[1000];
            struct stat sb;
            snprintf(file, sizeof file, "%s/%s", sub, b->d_name);
            if (stat(file, &sb) != 0 || !S_ISREG(sb.st_mode))
                continue;   /* ".", "..", the tests' obstacle folders */
            if (b->d_name[0] == '.')
                (*temps)++;
            else if (n > 4 && !strcmp(b->d_name + n - 4, ".png"))
                (*images)++;
        }
        closedir(e);
    }
    closedir(d);
}

/* Rows of the (only) manifest part; 0 when none. */
static int manifest_rows(const char *out)
{
    char path[700], line[512];
    int n = -1;
    FILE *f;
    snprintf(path, sizeof path, "%s/manifest/part-0-of-1.csv", out);
    if (!(f = fopen(path, "r")))
        return 0;
    while (fgets(line, sizeof line, f))
        n++;
    fclose(f);
    return n < 0 ? 0 : n;
}

typedef struct watch {
    const char *out;
    pthread_t caller;
    int calls, cancel_at;   /* cancel_at: return 1 on this call (0: never) */
    int bad_thread, mismatches;
    uint64_t last_done;
} watch;

/* Progress: on the calling thread, and done == complete images on disk ==
 * rows in the manifest part, no temporary file around. */
static int on_progress(void *user, uint64_t done, uint64_t total)
{
    watch *w = user;
    int images, temps;
    (void)total;
    w->calls++;
    if (!pthread_equal(pthread_self(), w->caller))
        w->bad_thread++;
    count_files(w->out, &images, &temps);
    if ((uint64_t)images != done || temps != 0
        || manifest_rows(w->out) != images) {
        print_message("progress %llu: %d images, %d temporary, %d rows\n",
                      (unsigned long long)done, images, temps,
                      manifest_rows(w->out));
        w->mismatches++;
    }
    w->last_done = done;
    return w->cancel_at && w->calls == w->cancel_at;
}

static v2f_status run_job(const char *out, int32_t batch, watch *w,
                          int cancel_at, v2f_dataset_stats *stats)
{
    v2f_dataset_recipe r;
    v2f_dataset_job *job = NULL;
    v2f_status st;
    v2f_dataset_recipe_init(&r, sizeof r);
    r.identities = ids_path;
    r.out_dir = out;
    r.seed = 11;
    r.perturb_images = PER_ID;
    r.batch_size = batch;
    ASSERT_OK(v2f_dataset_job_new(model, &r, 0, 1, &job));
    if (w) {
        memset(w, 0, sizeof *w);
        w->out = out;
        w->caller = pthread_self();
        w->cancel_at = cancel_at;
    }
    st = v2f_dataset_job_run(job, w ? on_progress : NULL, w);
    memset(stats, 0, sizeof *stats);
    stats->struct_size = sizeof *stats;
    assert_int_equal(v2f_dataset_job_stats(job, stats), V2F_OK);
    v2f_dataset_job_free(job);
    return st;
}

/* Every image of out equals the reference's within 1/255 (the library's
 * contract across batch shapes). */
static void same_as_reference(const char *out)
{
    uint8_t a[V2F_IMAGE_BYTES], b[V2F_IMAGE_BYTES];
    char pa[700], pb[700];
    int i, j;
    size_t k;
    for (i = 0; i < IDS; i++)
        for (j = 0; j < PER_ID; j++) {
            snprintf(pa, sizeof pa, "%s/%06d/%03d.png", out, i, j);
            snprintf(pb, sizeof pb, "%s/%06d/%03d.png", tpath("reference"),
                     i, j);
            ASSERT_OK(v2f_image_read(pa, NULL, a));
            ASSERT_OK(v2f_image_read(pb, NULL, b));
            for (k = 0; k < V2F_IMAGE_BYTES; k++)
                assert_true(abs((int)a[k] - (int)b[k]) <= 1);
        }
    assert_int_equal(manifest_rows(out), TOTAL);
}

static int group_setup(void **state)
{
    v2f_dataset_stats s;
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/v2f-overlap-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    if (fx_identities_npy(tmpdir, IDS, 5, ids_path, sizeof ids_path) ||
        fx_load_tiny(models_dir, 1, &model))
        return -1;
    /* The reference: all images in one batch, so nothing overlaps. */
    if (run_job(tpath("reference"), TOTAL, NULL, 0, &s) != V2F_OK)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    v2f_model_free(model);
    return fx_rm_tree(tmpdir);
}

static void progress_counts_files_on_disk(void **state)
{
    watch w;
    v2f_dataset_stats s;
    (void)state;
    ASSERT_OK(run_job(tpath("overlap"), 2, &w, 0, &s));
    /* After the scan, then after each of the 8 batches of 2 (the last
     * has 1). */
    assert_int_equal(w.calls, 1 + (TOTAL + 1) / 2);
    assert_int_equal(w.bad_thread, 0);
    assert_int_equal(w.mismatches, 0);
    assert_int_equal(w.last_done, TOTAL);
    assert_int_equal(s.images_written, TOTAL);
    assert_int_equal(s.identities_done, IDS);
    same_as_reference(tpath("overlap"));
}

static void cancel_writes_generated_batch_and_resumes(void **state)
{
    watch w;
    v2f_dataset_stats s;
    int images, temps;
    v2f_status st;
    (void)state;
    /* Call 2 reports batch 0, while batch 1 is already generated: batch 1
     * is written too, then the run stops. */
    st = run_job(tpath("cancel"), 2, &w, 2, &s);
    assert_int_equal(st, V2F_E_CANCELLED);
    assert_non_null(strstr(v2f_last_error(), "cancelled after 4 of 15"));
    assert_int_equal(w.calls, 2);
    assert_int_equal(w.mismatches, 0);
    assert_int_equal(s.images_written, 4);
    count_files(tpath("cancel"), &images, &temps);
    assert_int_equal(images, 4);
    assert_int_equal(temps, 0);
    assert_int_equal(manifest_rows(tpath("cancel")), 4);
    ASSERT_OK(run_job(tpath("cancel"), 2, &w, 0, &s));
    assert_int_equal(s.images_skipped, 4);
    assert_int_equal(s.images_written, TOTAL - 4);
    assert_int_equal(w.mismatches, 0);
    same_as_reference(tpath("cancel"));
}

/* A directory where an image goes makes its rename fail: a write error
 * the writer thread meets in that image's batch. */
static void write_error(const char *name, const char *obstacle,
                        uint64_t written_before)
{
    char out[600], block[700];
    watch w;
    v2f_dataset_stats s;
    int images, temps;
    v2f_status st;
    snprintf(out, sizeof out, "%s", tpath(name));
    snprintf(block, sizeof block, "%s/%s", out, obstacle);
    *strrchr(block, '/') = '\0';
    assert_int_equal(mkdir(out, 0755), 0);
    assert_int_equal(mkdir(block, 0755), 0);
    snprintf(block, sizeof block, "%s/%s", out, obstacle);
    assert_int_equal(mkdir(block, 0755), 0);
    snprintf(block + strlen(block), sizeof block - strlen(block), "/x");
    assert_int_equal(mkdir(block, 0755), 0);   /* not empty: no rename */

    st = run_job(out, 2, &w, 0, &s);
    assert_int_equal(st, V2F_E_IO);
    /* The writer thread's message, raised again on this thread. */
    if (!strstr(v2f_last_error(), obstacle)
        || !strstr(v2f_last_error(), "run again to resume"))
        print_message("message: %s\n", v2f_last_error());
    assert_non_null(strstr(v2f_last_error(), obstacle));
    assert_non_null(strstr(v2f_last_error(), "run again to resume"));
    assert_int_equal(w.bad_thread, 0);
    assert_int_equal(w.mismatches, 0);
    /* What is on disk: the batches before, the failed batch's images
     * before the obstacle, each with its row; no temporary file; nothing
     * of the batch that was generating. */
    assert_int_equal(s.images_written, written_before);
    count_files(out, &images, &temps);
    assert_int_equal(images, (int)written_before);
    assert_int_equal(temps, 0);
    assert_int_equal(manifest_rows(out), (int)written_before);

    *strrchr(block, '/') = '\0';
    snprintf(block + strlen(block), sizeof block - strlen(block), "/x");
    assert_int_equal(rmdir(block), 0);
    *strrchr(block, '/') = '\0';
    assert_int_equal(rmdir(block), 0);
    ASSERT_OK(run_job(out, 2, &w, 0, &s));
    assert_int_equal(s.images_skipped, written_before);
    assert_int_equal(w.mismatches, 0);
    same_as_reference(out);
}

static void write_error_while_next_batch_generates(void **state)
{
    (void)state;
    /* Batches of 2: (0,0)(0,1) | (0,2)(1,0) | (1,1)(1,2) | ...: the
     * obstacle is the first image of batch 2; batch 3 is generating. */
    write_error("error-mid", "000001/001.png", 4);
}

static void write_error_in_last_batch(void **state)
{
    (void)state;
    /* Batch 7 is (4,2) alone: nothing generates while it is written. */
    write_error("error-last", "000004/002.png", TOTAL - 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(progress_counts_files_on_disk),
        cmocka_unit_test(cancel_writes_generated_batch_and_resumes),
        cmocka_unit_test(write_error_while_next_batch_generates),
        cmocka_unit_test(write_error_in_last_batch),
    };
    if (!(models_dir = fx_models_arg(argc, argv)))
        return 2;
    return cmocka_run_group_tests_name("dataset_overlap", tests, group_setup,
                                       group_teardown);
}
