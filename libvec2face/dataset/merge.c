/* v2f_dataset_merge: combine dataset folders made by the shards of one
 * recipe (on machines without a shared filesystem) into one folder.
 *
 * Two passes, so that a refusal leaves DST untouched: the plan pass checks
 * every recipe digest, lists every image of every SRC (sorted by name, so
 * the same name in two places sits side by side), compares the bytes of
 * every name that exists twice and builds the merged manifest parts in
 * memory (merge_parts.c); only when nothing conflicts does the write pass
 * copy (or hard-link) each missing file to DST/dir/.NAME.merge.tmp and
 * rename it. Re-running after an interruption finishes the job: finished
 * files are skipped as identical, a leftover .merge.tmp is replaced. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "merge.h"

void v2f_dataset_merge_opts_init(v2f_dataset_merge_opts *o, size_t size)
{
    v2f_dataset_merge_opts d;
    if (!o || size < sizeof(uint32_t))
        return;
    memset(&d, 0, sizeof d);
    d.verify = 1;
    memset(o, 0, size);
    memcpy(o, &d, size < sizeof d ? size : sizeof d);
    o->struct_size = (uint32_t)size;
}

/* ---- recipes ---- */

/* The first setting whose value differs between recipe texts a and b, as
 * "; first difference: key = A vs B" into buf (empty when none found). */
static void first_difference(const char *a, const char *b, char *buf,
                             size_t size)
{
    const char *p = a;
    buf[0] = '\0';
    while (p && *p) {
        const char *eol = strchr(p, '\n');
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        const char *eq = memchr(p, '=', ll);
        char key[128], va[256], vb[256];
        size_t kl = eq ? (size_t)(eq - 1 - p) : 0;
        if (p[0] != '#' && eq && eq > p + 1 && eq[-1] == ' '
            && kl < sizeof key) {
            memcpy(key, p, kl);
            key[kl] = '\0';
            if (strcmp(key, "digest") != 0
                && v2f__ds_recipe_get(a, key, va, sizeof va)) {
                if (!v2f__ds_recipe_get(b, key, vb, sizeof vb))
                    strcpy(vb, "(absent)");
                if (strcmp(va, vb) != 0) {
                    snprintf(buf, size, "; first difference: %s = %s vs %s",
                             key, va, vb);
                    return;
                }
            }
        }
        p = eol ? eol + 1 : NULL;
    }
}

typedef struct recipe_ref {
    const char *dir;
    char *text;
    char digest[64];
} recipe_ref;

/* dir/recipe.txt; *absent (and V2F_OK) when not required and missing. */
static v2f_status recipe_load(const char *dir, int required, recipe_ref *r,
                              int *absent)
{
    char *path = v2f__strfmt("%s/recipe.txt", dir);
    size_t n;
    int missing;
    v2f_status st;
    memset(r, 0, sizeof *r);
    r->dir = dir;
    *absent = 0;
    if (!path)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    st = v2f__ds_merge_slurp(path, &r->text, &n, &missing);
    if (st != V2F_OK && missing && !required) {
        *absent = 1;
        st = V2F_OK;
    } else if (st != V2F_OK) {
        char why[512];      /* v2f__fail rewrites the message it reads */
        snprintf(why, sizeof why, "%s", v2f_last_error());
        st = v2f__fail(V2F_E_IO, "'%s' is not a dataset folder: %s", dir,
                       why);
    } else if (!v2f__ds_recipe_get(r->text, "digest", r->digest,
                                   sizeof r->digest) || !r->digest[0]) {
        st = v2f__fail(V2F_E_FORMAT, "'%s' has no 'digest = ...' line (not "
                       "made by vec2face generate?)", path);
    }
    free(path);
    return st;
}

static v2f_status recipes_agree(const recipe_ref *a, const recipe_ref *b)
{
    char diff[600];
    if (strcmp(a->digest, b->digest) == 0)
        return V2F_OK;
    first_difference(a->text, b->text, diff, sizeof diff);
    return v2f__fail(V2F_E_INVALID_ARG, "'%s' and '%s' hold datasets of "
                     "different recipes (digest %s vs %s%s); nothing was "
                     "merged", a->dir, b->dir, a->digest, b->digest, diff);
}

/* ---- the plan ---- */

typedef struct item {
    char *rel;      /* "000012/003.png" or "manifest/part-0-of-3.csv" */
    char *src;      /* the full path in its SRC */
    int copy;       /* decided by the plan: install into DST */
} item;

typedef struct part_write {
    char *path;
    char *data;
    size_t len;
} part_write;

typedef struct plan {
    const char *dst;
    item *v;
    size_t n, cap;
    char **dirs;    /* identity folders (and "manifest") DST must have */
    size_t ndirs, capdirs;
    char **stale;   /* leftover temporary files of ours in DST */
    size_t nstale, capstale;
    part_write *parts;
    size_t nparts;
    v2f_dataset_merge_stats stats;
} plan;

static v2f_status push_str(char ***v, size_t *n, size_t *cap, char *s)
{
    if (s && *n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        char **nv = realloc(*v, nc * sizeof **v);
        if (nv) {
            *v = nv;
            *cap = nc;
        }
    }
    if (!s || *n == *cap) {
        free(s);
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    }
    (*v)[(*n)++] = s;
    return V2F_OK;
}

static v2f_status push_item(plan *pl, char *rel, char *src)
{
    if (rel && src && pl->n == pl->cap) {
        size_t nc = pl->cap ? pl->cap * 2 : 1024;
        item *nv = realloc(pl->v, nc * sizeof *nv);
        if (nv) {
            pl->v = nv;
            pl->cap = nc;
        }
    }
    if (!rel || !src || pl->n == pl->cap) {
        free(rel);
        free(src);
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    }
    pl->v[pl->n].rel = rel;
    pl->v[pl->n].src = src;
    pl->v[pl->n].copy = 0;
    pl->n++;
    return V2F_OK;
}

static void plan_free(plan *pl)
{
    size_t i;
    for (i = 0; i < pl->n; i++) {
        free(pl->v[i].rel);
        free(pl->v[i].src);
    }
    for (i = 0; i < pl->nparts; i++) {
        free(pl->parts[i].path);
        free(pl->parts[i].data);
    }
    v2f__free_strings(pl->stale, pl->nstale);
    v2f__free_strings(pl->dirs, pl->ndirs);
    free(pl->v);
    free(pl->parts);
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* ".NAME.merge.tmp": a temporary file of ours (generate's and others'
 * are left alone). */
static int is_merge_temp(const char *name)
{
    size_t n = strlen(name), t = strlen(V2F_DS_MERGE_TMP_SUFFIX);
    return name[0] == '.' && n > t
           && strcmp(name + n - t, V2F_DS_MERGE_TMP_SUFFIX) == 0;
}

/* Every file of sub (an identity folder name, or "manifest") of src: the
 * visible regular files (temporary files start with '.'; so do the shard
 * lock files, which stay with their SRC). */
static v2f_status list_files(plan *pl, const char *src, const char *sub)
{
    char *dir = v2f__strfmt("%s/%s", src, sub);
    struct dirent *e;
    v2f_status st = V2F_OK;
    DIR *d;
    if (!dir)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    d = opendir(dir);
    if (!d) {
        if (errno != ENOENT)
            st = v2f__fail(V2F_E_IO, "cannot read '%s': %s", dir,
                           strerror(errno));
        free(dir);
        return st;
    }
    while (st == V2F_OK && (e = readdir(d)) != NULL) {
        struct stat sb;
        char *path;
        if (e->d_name[0] == '.')
            continue;
        path = v2f__strfmt("%s/%s", dir, e->d_name);
        if (!path || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(path);
            continue;
        }
        st = push_item(pl, v2f__strfmt("%s/%s", sub, e->d_name), path);
    }
    closedir(d);
    free(dir);
    return st;
}

static v2f_status list_source(plan *pl, const char *src)
{
    struct dirent *e;
    DIR *d = opendir(src);
    v2f_status st = V2F_OK;
    if (!d)
        return v2f__fail(V2F_E_IO, "cannot read '%s': %s", src,
                         strerror(errno));
    while (st == V2F_OK && (e = readdir(d)) != NULL)
        if (all_digits(e->d_name))
            st = list_files(pl, src, e->d_name);
    closedir(d);
    return st == V2F_OK ? list_files(pl, src, "manifest") : st;
}

static int by_rel(const void *a, const void *b)
{
    const item *x = a, *y = b;
    return strcmp(x->rel, y->rel);
}

static int is_manifest(const char *rel)
{
    return strncmp(rel, "manifest/", 9) == 0;
}

/* The group g[0..n) of one name: a manifest part held twice (or by DST
 * too) is merged; any other file must hold the same bytes everywhere. */
static v2f_status plan_group(plan *pl, item *g, size_t n)
{
    char *dpath = v2f__strfmt("%s/%s", pl->dst, g[0].rel);
    struct stat sb;
    v2f_status st = V2F_OK;
    size_t k;
    int in_dst;
    if (!dpath)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    in_dst = stat(dpath, &sb) == 0;
    if (is_manifest(g[0].rel) && (in_dst || n > 1)) {
        char **srcs = malloc(n * sizeof *srcs);
        part_write *pw = &pl->parts[pl->nparts];
        if (!srcs) {
            free(dpath);
            return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        }
        for (k = 0; k < n; k++)
            srcs[k] = g[k].src;
        st = v2f__ds_merge_part(dpath, srcs, n, &pw->data, &pw->len);
        free(srcs);
        if (st == V2F_OK && pw->data) {
            pw->path = dpath;
            pl->nparts++;
            return V2F_OK;
        }
        if (st == V2F_OK)
            pl->stats.files_skipped++;
        free(dpath);
        return st;
    }
    for (k = in_dst ? 0 : 1; k < n && st == V2F_OK; k++) {
        const char *ref = in_dst ? dpath : g[0].src;
        int eq = v2f__ds_merge_same_bytes(ref, g[k].src);
        if (eq < 0)
            st = V2F_E_IO;
        else if (!eq)
            st = v2f__fail(V2F_E_INVALID_ARG, "'%s' and '%s' have the same "
                           "name but different bytes; nothing was merged "
                           "(remove the wrong one and run merge again)", ref,
                           g[k].src);
    }
    if (!in_dst)
        g[0].copy = 1;
    pl->stats.files_skipped += n - (in_dst ? 0 : 1);
    free(dpath);
    return st;
}

/* Group the sorted listing by name, plan each group, and collect the
 * folders DST needs. */
static v2f_status make_plan(plan *pl)
{
    size_t g, h;
    v2f_status st = V2F_OK;
    qsort(pl->v, pl->n, sizeof *pl->v, by_rel);
    pl->parts = calloc(pl->n + 1, sizeof *pl->parts);
    if (!pl->parts)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    for (g = 0; g < pl->n && st == V2F_OK; g = h) {
        for (h = g + 1; h < pl->n && strcmp(pl->v[h].rel, pl->v[g].rel) == 0;)
            h++;
        st = plan_group(pl, pl->v + g, h - g);
    }
    for (g = 0; g < pl->n && st == V2F_OK; g++) {
        size_t dl = (size_t)(strchr(pl->v[g].rel, '/') - pl->v[g].rel);
        if (pl->ndirs && strlen(pl->dirs[pl->ndirs - 1]) == dl
            && strncmp(pl->v[g].rel, pl->dirs[pl->ndirs - 1], dl) == 0)
            continue;
        st = push_str(&pl->dirs, &pl->ndirs, &pl->capdirs,
                      strndup(pl->v[g].rel, dl));
    }
    return st;
}

/* ---- the write pass ---- */

/* Our leftover temporary files under DST/sub. */
static v2f_status find_stale(plan *pl, const char *dir)
{
    struct dirent *e;
    v2f_status st = V2F_OK;
    DIR *d = opendir(dir);
    if (!d)
        return V2F_OK;
    while (st == V2F_OK && (e = readdir(d)) != NULL)
        if (is_merge_temp(e->d_name))
            st = push_str(&pl->stale, &pl->nstale, &pl->capstale,
                          v2f__strfmt("%s/%s", dir, e->d_name));
    closedir(d);
    return st;
}

static v2f_status make_dirs(plan *pl)
{
    v2f_status st = V2F_OK;
    size_t k;
    if (mkdir(pl->dst, 0777) != 0 && errno != EEXIST)
        return v2f__fail(V2F_E_IO, "cannot create '%s': %s", pl->dst,
                         strerror(errno));
    for (k = 0; k < pl->ndirs && st == V2F_OK; k++) {
        char *d = v2f__strfmt("%s/%s", pl->dst, pl->dirs[k]);
        if (!d)
            st = v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        else if (mkdir(d, 0777) != 0 && errno != EEXIST)
            st = v2f__fail(V2F_E_IO, "cannot create '%s': %s", d,
                           strerror(errno));
        else
            st = find_stale(pl, d);
        free(d);
    }
    for (k = 0; k < pl->nstale && st == V2F_OK; k++)
        if (unlink(pl->stale[k]) != 0 && errno != ENOENT)
            st = v2f__fail(V2F_E_IO, "cannot remove the leftover '%s': %s",
                           pl->stale[k], strerror(errno));
    return st;
}

/* recipe.txt when DST has none, and the identities files DST lacks (from
 * the first SRC that has each). */
static v2f_status install_recipe(plan *pl, const recipe_ref *rec,
                                 int dst_absent, const char *const *srcs,
                                 size_t nsrc)
{
    static const char *const extra[] = {"identities.npy", "identities.txt",
                                        "identities.src"};
    v2f_status st = V2F_OK;
    size_t k, i;
    if (dst_absent) {
        char *p = v2f__strfmt("%s/recipe.txt", pl->dst);
        st = p ? v2f__ds_merge_write(p, rec->text, strlen(rec->text))
               : v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        free(p);
    }
    for (k = 0; k < 3 && st == V2F_OK; k++) {
        char *dp = v2f__strfmt("%s/%s", pl->dst, extra[k]);
        if (!dp)
            return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        if (access(dp, F_OK) != 0)
            for (i = 0; i < nsrc; i++) {
                char *sp = v2f__strfmt("%s/%s", srcs[i], extra[k]);
                int there = sp && access(sp, F_OK) == 0;
                if (there)
                    st = v2f__ds_merge_install(sp, dp, 0);
                free(sp);
                if (there)
                    break;
            }
        free(dp);
    }
    return st;
}

static v2f_status cancelled(const v2f_dataset_merge_opts *o, uint64_t done,
                            uint64_t total)
{
    if (o->progress && o->progress(o->progress_user, done, total))
        return v2f__fail(V2F_E_CANCELLED, "v2f_dataset_merge: cancelled "
                         "after %llu of %llu files", (unsigned long long)done,
                         (unsigned long long)total);
    return V2F_OK;
}

static v2f_status write_plan(plan *pl, const v2f_dataset_merge_opts *o,
                             const recipe_ref *rec, int dst_absent,
                             const char *const *srcs, size_t nsrc)
{
    uint64_t total = pl->nparts, done = 0;
    v2f_status st;
    size_t g, k;
    for (g = 0; g < pl->n; g++)
        total += (uint64_t)pl->v[g].copy;
    st = cancelled(o, 0, total);
    if (st == V2F_OK)
        st = make_dirs(pl);
    if (st == V2F_OK)
        st = install_recipe(pl, rec, dst_absent, srcs, nsrc);
    for (g = 0; g < pl->n && st == V2F_OK; g++) {
        char *dp;
        if (!pl->v[g].copy)
            continue;
        dp = v2f__strfmt("%s/%s", pl->dst, pl->v[g].rel);
        st = dp ? v2f__ds_merge_install(pl->v[g].src, dp,
                               o->link && !is_manifest(pl->v[g].rel))
                : v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        free(dp);
        pl->stats.files_copied++;
        if (st == V2F_OK)
            st = cancelled(o, ++done, total);
    }
    for (k = 0; k < pl->nparts && st == V2F_OK; k++) {
        st = v2f__ds_merge_write(pl->parts[k].path, pl->parts[k].data,
                          pl->parts[k].len);
        pl->stats.parts_merged++;
        if (st == V2F_OK)
            st = cancelled(o, ++done, total);
    }
    for (k = 0; k < pl->ndirs && st == V2F_OK; k++) {
        char *d = v2f__strfmt("%s/%s", pl->dst, pl->dirs[k]);
        if (d)
            v2f__ds_merge_fsync_dir(d);
        free(d);
    }
    if (st == V2F_OK)
        v2f__ds_merge_fsync_dir(pl->dst);
    return st;
}

/* ---- the call ---- */

static v2f_status check_args(const char *out_dir, const char *const *srcs,
                             size_t nsrc)
{
    struct stat sd, ss;
    size_t i;
    if (!out_dir || !*out_dir)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_merge: no output "
                         "folder");
    if (!srcs || nsrc == 0)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_merge: at least one "
                         "source folder is needed");
    for (i = 0; i < nsrc; i++) {
        if (!srcs[i] || !*srcs[i])
            return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_merge: source "
                             "folder %zu is empty", i);
        if (stat(srcs[i], &ss) == 0 && stat(out_dir, &sd) == 0
            && ss.st_dev == sd.st_dev && ss.st_ino == sd.st_ino)
            return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_merge: source "
                             "'%s' is the output folder itself", srcs[i]);
    }
    return V2F_OK;
}

/* Copy the first min(caller's struct_size, ours) bytes of an out-struct,
 * keeping the caller's struct_size. */
static void copy_out(void *dst, const void *src, size_t ours)
{
    uint32_t given;
    memcpy(&given, dst, sizeof given);
    if (given > ours)
        given = (uint32_t)ours;
    memcpy((char *)dst + sizeof(uint32_t), (const char *)src + sizeof(uint32_t),
           given - sizeof(uint32_t));
}

v2f_status v2f_dataset_merge(const char *out_dir,
                             const char *const *src_dirs, size_t n_src,
                             const v2f_dataset_merge_opts *opts,
                             v2f_dataset_merge_stats *stats,
                             v2f_dataset_report *report)
{
    v2f_dataset_merge_opts o;
    recipe_ref *rec = NULL, dst_rec;
    plan pl;
    size_t i;
    int dst_absent = 0, absent;
    v2f_status st;

    v2f_dataset_merge_opts_init(&o, sizeof o);
    st = v2f__copy_opts(&o, sizeof o, opts, "v2f_dataset_merge_opts");
    if (st != V2F_OK)
        return st;
    if ((stats && stats->struct_size < sizeof(uint32_t))
        || (report && report->struct_size < sizeof(uint32_t)))
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_merge: set "
                         "stats->struct_size and report->struct_size");
    st = check_args(out_dir, src_dirs, n_src);
    if (st != V2F_OK)
        return st;
    memset(&pl, 0, sizeof pl);
    memset(&dst_rec, 0, sizeof dst_rec);
    pl.dst = out_dir;
    pl.stats.struct_size = sizeof pl.stats;
    pl.stats.sources = n_src;

    /* 1. Recipes: all SRCs (and DST when it has one) agree. */
    rec = calloc(n_src, sizeof *rec);
    if (!rec)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    for (i = 0; i < n_src && st == V2F_OK; i++) {
        st = recipe_load(src_dirs[i], 1, &rec[i], &absent);
        if (st == V2F_OK && i > 0)
            st = recipes_agree(&rec[0], &rec[i]);
    }
    if (st == V2F_OK) {
        st = recipe_load(out_dir, 0, &dst_rec, &dst_absent);
        if (st == V2F_OK && !dst_absent)
            st = recipes_agree(&dst_rec, &rec[0]);
    }
    /* 2. The plan: every file of every SRC, compared and merged in
     * memory. 3. Only then the writes. */
    for (i = 0; i < n_src && st == V2F_OK; i++)
        st = list_source(&pl, src_dirs[i]);
    if (st == V2F_OK)
        st = make_plan(&pl);
    if (st == V2F_OK)
        st = write_plan(&pl, &o, &rec[0], dst_absent, src_dirs, n_src);
    if (st == V2F_OK && stats)
        copy_out(stats, &pl.stats, sizeof pl.stats);
    /* 4. Verify DST (V2F_E_FORMAT: merged, but not complete yet). */
    if (st == V2F_OK && o.verify) {
        v2f_dataset_report rep;
        memset(&rep, 0, sizeof rep);
        rep.struct_size = sizeof rep;
        st = v2f_dataset_verify(out_dir, &rep);
        if ((st == V2F_OK || st == V2F_E_FORMAT) && report)
            copy_out(report, &rep, sizeof rep);
    }
    plan_free(&pl);
    for (i = 0; i < n_src; i++)
        free(rec[i].text);
    free(rec);
    free(dst_rec.text);
    return st;
}
