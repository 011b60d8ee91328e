/* v2f_dataset_verify: a dataset folder against its recipe.txt. Every
 * problem is counted; the first is kept as text. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"

typedef struct vstate {
    const char *out;
    v2f__ds_layout l;
    uint32_t *row;          /* per image: 0 = no row, else a hash | 1 */
    uint8_t *dropped;       /* per image: its row says dropped */
    v2f_dataset_report rep;
    const char *part;       /* manifest part being read */
} vstate;

static void problem(vstate *v, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void problem(vstate *v, const char *fmt, ...)
{
    va_list ap;
    if (v->rep.problems++ == 0) {
        va_start(ap, fmt);
        vsnprintf(v->rep.first_problem, sizeof v->rep.first_problem, fmt, ap);
        va_end(ap);
    }
}

static int source_of(const v2f__ds_layout *l, uint32_t j)
{
    if (j < l->perturb_images)
        return V2F_DS_PERTURB;
    if (j < l->perturb_images + l->pose_images)
        return V2F_DS_POSE;
    return V2F_DS_ATTROP;
}

static v2f_status on_row(void *user, const v2f__ds_row *r)
{
    vstate *v = user;
    char want[64];
    uint32_t h;
    uint64_t k;
    if (r->identity >= v->l.num_ids || r->image >= v->l.per_id) {
        problem(v, "%s line %zu: identity %llu image %u is not in the recipe"
                " (%llu identities, %u images each)", v->part, r->line,
                (unsigned long long)r->identity, r->image,
                (unsigned long long)v->l.num_ids, v->l.per_id);
        return V2F_OK;
    }
    snprintf(want, sizeof want, "%06llu/%03u.%s",
             (unsigned long long)r->identity, r->image,
             v2f__ds_ext(v->l.format));
    if (strcmp(want, r->file) != 0) {
        problem(v, "%s line %zu: file '%s' should be '%s'", v->part, r->line,
                r->file, want);
        return V2F_OK;
    }
    if (r->source != source_of(&v->l, r->image) || r->seed != v->l.seed) {
        problem(v, "%s line %zu: source or seed of %s do not match the "
                "recipe", v->part, r->line, r->file);
        return V2F_OK;
    }
    if ((r->dropped && !v->l.filter) || r->attempt >= v->l.max_attempts) {
        problem(v, "%s line %zu: %s is %s at attempt %u; the recipe %s",
                v->part, r->line, r->file, r->dropped ? "dropped" : "kept",
                r->attempt, v->l.filter ? "allows fewer attempts"
                                        : "has no filter");
        return V2F_OK;
    }
    if (((v->l.measure & V2F_DATASET_MEASURE_SIMILARITY)
         && isnan(r->similarity))
        || ((v->l.measure & V2F_DATASET_MEASURE_QUALITY) && isnan(r->quality))
        || ((v->l.measure & V2F_DATASET_MEASURE_YAW) && isnan(r->yaw))) {
        problem(v, "%s line %zu: %s lacks a measurement the recipe asks "
                "for", v->part, r->line, r->file);
        return V2F_OK;
    }
    /* What makes two rows the same image: eps, attempt and status (the
     * measurements may round differently in another batch shape). */
    h = (uint32_t)v2f__fnv1a(V2F_FNV_INIT, &r->eps, sizeof r->eps);
    h = (uint32_t)v2f__fnv1a(h, &r->attempt, sizeof r->attempt);
    h = (uint32_t)v2f__fnv1a(h, &r->dropped, sizeof r->dropped) | 1u;
    k = r->identity * v->l.per_id + r->image;
    if (v->row[k] && v->row[k] != h) {
        problem(v, "%s line %zu: a second, different row for %s", v->part,
                r->line, r->file);
        return V2F_OK;
    }
    if (!v->row[k])
        v->rep.manifest_rows++;
    v->row[k] = h;
    v->dropped[k] = (uint8_t)(r->dropped != 0);
    return V2F_OK;
}

static int is_part_name(const char *name)
{
    size_t n = strlen(name);
    return strncmp(name, "part-", 5) == 0 && n > 9
           && strcmp(name + n - 4, ".csv") == 0;
}

static v2f_status read_manifests(vstate *v)
{
    char *dir = v2f__strfmt("%s/manifest", v->out), *path;
    struct dirent *e;
    DIR *d;
    off_t valid;
    int torn, missing;
    v2f_status st;

    if (!dir)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    d = opendir(dir);
    if (!d) {
        problem(v, "cannot read the manifest folder '%s': %s", dir,
                strerror(errno));
        free(dir);
        return V2F_OK;
    }
    while ((e = readdir(d)) != NULL) {
        if (v2f__ds_is_temp_name(e->d_name)) {
            problem(v, "leftover temporary file '%s/%s'", dir, e->d_name);
            continue;
        }
        if (!is_part_name(e->d_name))
            continue;
        path = v2f__strfmt("%s/%s", dir, e->d_name);
        if (!path) {
            closedir(d);
            free(dir);
            return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        }
        v->part = path;
        v->rep.manifest_parts++;
        st = v2f__ds_manifest_read(path, on_row, v, &valid, &torn, &missing,
                                   NULL);
        if (st != V2F_OK)
            problem(v, "%s", v2f_last_error());
        else if (torn)
            problem(v, "%s: torn last line (an interrupted run; run generate "
                    "again to repair)", path);
        free(path);
        v->part = NULL;
    }
    closedir(d);
    if (v->rep.manifest_parts == 0)
        problem(v, "no manifest part in '%s'", dir);
    free(dir);
    return V2F_OK;
}

static void check_identity(vstate *v, uint64_t id, char *path, size_t size,
                           uint8_t *rgb)
{
    v2f_image_read_opts ro;
    struct dirent *e;
    struct stat sb;
    uint32_t j, good = 0;
    const char *rel;
    char *slash;
    DIR *d;

    v2f_image_read_opts_init(&ro, sizeof ro);
    v2f__ds_image_path(path, size, v->out, id, 0, v2f__ds_ext(v->l.format),
                       NULL);
    slash = strrchr(path, '/');
    *slash = '\0';
    d = opendir(path);
    if (d) {
        while ((e = readdir(d)) != NULL)
            if (v2f__ds_is_temp_name(e->d_name))
                problem(v, "leftover temporary file '%s/%s'", path,
                        e->d_name);
        closedir(d);
    }
    for (j = 0; j < v->l.per_id; j++) {
        int ok = 1;
        v2f__ds_image_path(path, size, v->out, id, j,
                           v2f__ds_ext(v->l.format), &rel);
        if (v->dropped[id * v->l.per_id + j]) {
            /* Dropped by the filter: done, and must have no file. */
            v->rep.images_dropped++;
            if (stat(path, &sb) == 0) {
                problem(v, "'%s' exists but its manifest row says dropped",
                        path);
                ok = 0;
            }
            good += (uint32_t)ok;
            continue;
        }
        if (stat(path, &sb) != 0) {
            v->rep.images_missing++;
            problem(v, "missing image '%s'", path);
            ok = 0;
        } else if (v2f_image_read(path, &ro, rgb) != V2F_OK) {
            v->rep.images_corrupt++;
            problem(v, "image '%s' does not decode as 112x112: %s", path,
                    v2f_last_error());
            ok = 0;
        } else {
            v->rep.images_ok++;
        }
        if (!v->row[id * v->l.per_id + j]) {
            problem(v, "no manifest row for '%s'", rel);
            ok = 0;
        }
        good += (uint32_t)ok;
    }
    if (good == v->l.per_id)
        v->rep.identities_complete++;
}

v2f_status v2f_dataset_verify(const char *out_dir, v2f_dataset_report *report)
{
    vstate v;
    uint8_t *rgb = NULL;
    char *path = NULL, *out = NULL;
    size_t size, len, n;
    uint64_t id;
    v2f_status st;
    int ok = 1;

    if (report && report->struct_size < sizeof(uint32_t))
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_verify: set "
                         "report->struct_size to sizeof *report");
    if (!out_dir || !*out_dir)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_dataset_verify: no folder");
    memset(&v, 0, sizeof v);
    v.rep.struct_size = sizeof v.rep;
    len = strlen(out_dir);
    while (len > 1 && out_dir[len - 1] == '/')
        len--;
    out = malloc(len + 1);
    if (!out)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    memcpy(out, out_dir, len);
    out[len] = '\0';
    v.out = out;
    st = v2f__ds_recipe_load(out, &v.l);
    if (st == V2F_E_FORMAT) {
        problem(&v, "%s", v2f_last_error());
        goto report;
    }
    if (st != V2F_OK)
        goto done;
    v.rep.identities = v.l.num_ids;
    n = v2f__mul((size_t)v.l.num_ids, v.l.per_id, &ok);
    v2f__mul(n, sizeof *v.row, &ok);
    if (!ok) {
        st = v2f__fail(V2F_E_OVERFLOW, "%s: %llu identities is too many",
                       out, (unsigned long long)v.l.num_ids);
        goto done;
    }
    v.rep.images_expected = n;
    size = len + 64;
    v.row = calloc(n ? n : 1, sizeof *v.row);
    v.dropped = calloc(n ? n : 1, 1);
    rgb = malloc(V2F_IMAGE_BYTES);
    path = malloc(size);
    if (!v.row || !v.dropped || !rgb || !path) {
        st = v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        goto done;
    }
    st = read_manifests(&v);
    if (st != V2F_OK)
        goto done;
    for (id = 0; id < v.l.num_ids; id++)
        check_identity(&v, id, path, size, rgb);
report:
    if (v.rep.problems)
        st = v2f__fail(V2F_E_FORMAT, "%s: %llu problem%s; first: %s", out,
                       (unsigned long long)v.rep.problems,
                       v.rep.problems == 1 ? "" : "s", v.rep.first_problem);
    else
        st = V2F_OK;
    if (report) {
        size_t keep = report->struct_size < sizeof v.rep
                          ? report->struct_size : sizeof v.rep;
        memcpy((char *)report + sizeof(uint32_t),
               (const char *)&v.rep + sizeof(uint32_t),
               keep - sizeof(uint32_t));
    }
done:
    free(v.row);
    free(v.dropped);
    free(rgb);
    free(path);
    free(out);
    return st;
}
