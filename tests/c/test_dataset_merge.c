/* v2f_dataset_merge through the public API with the tiny model: two shard
 * folders merge into one that verifies, with the shards' image bytes; a
 * second merge writes nothing; a conflicting file is refused naming both
 * paths and a recipe of another digest is refused, both before any write;
 * a cancel from the progress callback leaves no temporary file and a
 * later call finishes the merge; bad arguments are refused.
 * Usage: test_dataset_merge MODELS_DIR */
#define _XOPEN_SOURCE 700
#include "cmocka_all.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vec2face/vec2face.h"
#include "fixture.h"

#define IDS 4
#define PER_ID 2
#define SHARDS 2

static const char *models_dir;
static v2f_model *model;
static char tmpdir[256], ids_path[300];

static const char *tpath(const char *name) { return fx_path(tmpdir, name); }

/* Shard k of SHARDS of the recipe (seed) into out. */
static void make_shard(const char *out, uint32_t k, uint64_t seed)
{
    v2f_dataset_recipe r;
    v2f_dataset_job *job = NULL;
    v2f_dataset_recipe_init(&r, sizeof r);
    r.identities = ids_path;
    r.out_dir = out;
    r.seed = seed;
    r.perturb_images = PER_ID;
    r.batch_size = 1;
    ASSERT_OK(v2f_dataset_job_new(model, &r, k, SHARDS, &job));
    ASSERT_OK(v2f_dataset_job_run(job, NULL, NULL));
    v2f_dataset_job_free(job);
}

/* ---- folder snapshots (nftw has no user pointer: one at a time) ---- */

static char *snap;
static size_t snap_len, snap_hidden;

static int snap_one(const char *path, const struct stat *sb, int type,
                    struct FTW *ftw)
{
    char line[1200];
    int n;
    char *nb;
    if (type != FTW_F)
        return 0;
    if (path[ftw->base] == '.')
        snap_hidden++;
    n = snprintf(line, sizeof line, "%s %lld %lld.%09ld %llu\n", path,
                 (long long)sb->st_size, (long long)sb->st_mtim.tv_sec,
                 sb->st_mtim.tv_nsec, (unsigned long long)sb->st_ino);
    nb = realloc(snap, snap_len + (size_t)n + 1);
    if (!nb)
        return 1;
    snap = nb;
    memcpy(snap + snap_len, line, (size_t)n + 1);
    snap_len += (size_t)n;
    return 0;
}

/* Every file under dir with size, mtime and inode (sorted by nftw's
 * order, which is the same for an unchanged folder); *hidden: files whose
 * name starts with '.'. Malloc'ed; "" when dir does not exist. */
static char *snapshot(const char *dir, size_t *hidden)
{
    snap = calloc(1, 1);
    snap_len = snap_hidden = 0;
    assert_non_null(snap);
    if (access(dir, F_OK) == 0)
        assert_int_equal(nftw(dir, snap_one, 16, FTW_PHYS), 0);
    if (hidden)
        *hidden = snap_hidden;
    return snap;
}

static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int ca, cb, eq = fa && fb;
    while (eq) {
        ca = getc(fa);
        cb = getc(fb);
        eq = ca == cb;
        if (ca == EOF)
            break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return eq;
}

static v2f_status merge(const char *dst, const char *a, const char *b,
                        const v2f_dataset_merge_opts *o,
                        v2f_dataset_merge_stats *ms, v2f_dataset_report *rep)
{
    const char *src[2] = {a, b};
    if (ms) {
        memset(ms, 0, sizeof *ms);
        ms->struct_size = sizeof *ms;
    }
    if (rep) {
        memset(rep, 0, sizeof *rep);
        rep->struct_size = sizeof *rep;
    }
    return v2f_dataset_merge(dst, src, b ? 2 : 1, o, ms, rep);
}

/* ---- the tests ---- */

static void shards_merge_and_verify(void **state)
{
    v2f_dataset_merge_stats ms;
    v2f_dataset_report rep;
    char a[700], b[700];
    uint64_t id;
    uint32_t j;
    size_t hidden;
    char *before, *after;
    (void)state;
    ASSERT_OK(merge(tpath("dst"), tpath("s0"), tpath("s1"), NULL, &ms,
                    &rep));
    assert_int_equal(ms.sources, 2);
    assert_int_equal(ms.files_copied, IDS * PER_ID + SHARDS);
    assert_int_equal(ms.parts_merged, 0);
    assert_int_equal(rep.identities_complete, IDS);
    assert_int_equal(rep.images_ok, IDS * PER_ID);
    assert_int_equal(rep.manifest_parts, SHARDS);
    assert_int_equal(rep.problems, 0);
    ASSERT_OK(v2f_dataset_verify(tpath("dst"), NULL));
    for (id = 0; id < IDS; id++)
        for (j = 0; j < PER_ID; j++) {
            snprintf(a, sizeof a, "%s/%06llu/%03u.png", tpath("dst"),
                     (unsigned long long)id, j);
            snprintf(b, sizeof b, "%s/%06llu/%03u.png",
                     tpath(id < IDS / SHARDS ? "s0" : "s1"),
                     (unsigned long long)id, j);
            assert_true(same_file(a, b));
        }
    snprintf(a, sizeof a, "%s/recipe.txt", tpath("dst"));
    snprintf(b, sizeof b, "%s/recipe.txt", tpath("s0"));
    assert_true(same_file(a, b));
    before = snapshot(tpath("dst"), &hidden);
    assert_int_equal(hidden, 0);     /* no temp file, no shard lock */

    /* Again: nothing to write, every file untouched. */
    ASSERT_OK(merge(tpath("dst"), tpath("s0"), tpath("s1"), NULL, &ms,
                    NULL));
    assert_int_equal(ms.files_copied, 0);
    assert_int_equal(ms.parts_merged, 0);
    assert_int_equal(ms.files_skipped, IDS * PER_ID + SHARDS);
    after = snapshot(tpath("dst"), NULL);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void incomplete_is_format(void **state)
{
    v2f_dataset_merge_stats ms;
    v2f_dataset_report rep;
    (void)state;
    assert_int_equal(merge(tpath("half"), tpath("s0"), NULL, NULL, &ms,
                           &rep), V2F_E_FORMAT);
    assert_int_equal(ms.files_copied, IDS / SHARDS * PER_ID + 1);
    assert_int_equal(rep.identities_complete, IDS / SHARDS);
    assert_int_equal(rep.images_missing, IDS / SHARDS * PER_ID);
}

static void conflict_refused_before_any_write(void **state)
{
    char img[700], dimg[700], cmd[1600];
    char *before, *after;
    FILE *f;
    int k;
    (void)state;
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", tpath("s1"), tpath("bad"));
    assert_int_equal(system(cmd), 0);
    snprintf(img, sizeof img, "%s/000003/001.png", tpath("bad"));
    snprintf(dimg, sizeof dimg, "%s/000003/001.png", tpath("dst"));
    f = fopen(img, "r+b");
    assert_non_null(f);
    fseek(f, -20, SEEK_END);
    k = getc(f);
    fseek(f, -20, SEEK_END);      /* a write after a read needs a seek */
    fputc(0x5a ^ k, f);
    fclose(f);

    before = snapshot(tpath("dst"), NULL);
    assert_int_equal(merge(tpath("dst"), tpath("bad"), NULL, NULL, NULL,
                           NULL), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), img));
    assert_non_null(strstr(v2f_last_error(), dimg));
    after = snapshot(tpath("dst"), NULL);
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* Between two sources, into a folder that does not exist yet. */
    assert_int_equal(merge(tpath("fresh"), tpath("s1"), tpath("bad"), NULL,
                           NULL, NULL), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), img));
    assert_int_not_equal(access(tpath("fresh"), F_OK), 0);
}

static void other_digest_refused(void **state)
{
    char *before, *after;
    (void)state;
    before = snapshot(tpath("dst"), NULL);
    assert_int_equal(merge(tpath("dst"), tpath("other"), NULL, NULL, NULL,
                           NULL), V2F_E_INVALID_ARG);
    assert_non_null(strstr(v2f_last_error(), tpath("other")));
    assert_non_null(strstr(v2f_last_error(), "seed"));
    after = snapshot(tpath("dst"), NULL);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(merge(tpath("fresh"), tpath("s0"), tpath("other"),
                           NULL, NULL, NULL), V2F_E_INVALID_ARG);
    assert_int_not_equal(access(tpath("fresh"), F_OK), 0);
}

typedef struct counter {
    int calls, stop_at;
    uint64_t last_total;
} counter;

static int stop_after(void *user, uint64_t done, uint64_t total)
{
    counter *c = user;
    c->calls++;
    c->last_total = total;
    return done >= (uint64_t)c->stop_at;
}

static void cancel_leaves_no_temp(void **state)
{
    v2f_dataset_merge_opts o;
    v2f_dataset_merge_stats ms;
    counter c = {0, 3, 0};
    size_t hidden;
    char *s;
    (void)state;
    v2f_dataset_merge_opts_init(&o, sizeof o);
    o.progress = stop_after;
    o.progress_user = &c;
    o.link = 1;
    assert_int_equal(merge(tpath("cut"), tpath("s0"), tpath("s1"), &o, &ms,
                           NULL), V2F_E_CANCELLED);
    assert_int_equal(c.calls, 4);            /* (0, n), then per file */
    assert_int_equal(c.last_total, IDS * PER_ID + SHARDS);
    s = snapshot(tpath("cut"), &hidden);
    assert_int_equal(hidden, 0);
    free(s);
    assert_int_equal(v2f_dataset_verify(tpath("cut"), NULL), V2F_E_FORMAT);

    /* Cancelled before the first write: nothing is created. */
    c.calls = 0;
    c.stop_at = 0;
    assert_int_equal(merge(tpath("none"), tpath("s0"), NULL, &o, NULL,
                           NULL), V2F_E_CANCELLED);
    assert_int_equal(access(tpath("none"), F_OK) == 0, 0);

    /* The same call, uncancelled, finishes the first one. */
    o.progress = NULL;
    ASSERT_OK(merge(tpath("cut"), tpath("s0"), tpath("s1"), &o, &ms, NULL));
    assert_int_equal(ms.files_copied, IDS * PER_ID + SHARDS - 3);
}

static void bad_arguments(void **state)
{
    const char *src[1] = {NULL};
    v2f_dataset_merge_opts o;
    v2f_dataset_merge_stats ms;
    (void)state;
    src[0] = tpath("s0");
    assert_int_equal(v2f_dataset_merge(NULL, src, 1, NULL, NULL, NULL),
                     V2F_E_INVALID_ARG);
    assert_int_equal(v2f_dataset_merge("", src, 1, NULL, NULL, NULL),
                     V2F_E_INVALID_ARG);
    assert_int_equal(v2f_dataset_merge(tpath("x"), NULL, 1, NULL, NULL,
                                       NULL), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_dataset_merge(tpath("x"), src, 0, NULL, NULL,
                                       NULL), V2F_E_INVALID_ARG);
    assert_int_equal(v2f_dataset_merge(tpath("s0"), src, 1, NULL, NULL,
                                       NULL), V2F_E_INVALID_ARG);
    src[0] = "";
    assert_int_equal(v2f_dataset_merge(tpath("x"), src, 1, NULL, NULL,
                                       NULL), V2F_E_INVALID_ARG);
    src[0] = tpath("s0");
    memset(&o, 0, sizeof o);
    assert_int_equal(v2f_dataset_merge(tpath("x"), src, 1, &o, NULL, NULL),
                     V2F_E_INVALID_ARG);
    memset(&ms, 0, sizeof ms);
    assert_int_equal(v2f_dataset_merge(tpath("x"), src, 1, NULL, &ms, NULL),
                     V2F_E_INVALID_ARG);
    assert_int_not_equal(access(tpath("x"), F_OK), 0);
    /* A source without recipe.txt. */
    src[0] = tpath("nothing-here");
    assert_int_equal(v2f_dataset_merge(tpath("x"), src, 1, NULL, NULL,
                                       NULL), V2F_E_IO);
    assert_non_null(strstr(v2f_last_error(), "recipe.txt"));
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/v2f-merge-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    if (fx_identities_npy(tmpdir, IDS, 11, ids_path, sizeof ids_path) ||
        fx_load_tiny(models_dir, 1, &model))
        return -1;
    make_shard(tpath("s0"), 0, 3);
    make_shard(tpath("s1"), 1, 3);
    make_shard(tpath("other"), 0, 4);
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
        cmocka_unit_test(shards_merge_and_verify),
        cmocka_unit_test(incomplete_is_format),
        cmocka_unit_test(conflict_refused_before_any_write),
        cmocka_unit_test(other_digest_refused),
        cmocka_unit_test(cancel_leaves_no_temp),
        cmocka_unit_test(bad_arguments),
    };
    models_dir = fx_models_arg(argc, argv);
    if (!models_dir)
        return 2;
    return cmocka_run_group_tests_name("dataset_merge", tests, group_setup,
                                       group_teardown);
}
