/* The resume scan of a dataset job: the manifest part opened (a torn
 * last line dropped), the identity folders scanned for finished images
 * and leftovers, rows added for files that made it without one. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/atomic_file.h"
#include "job.h"

static v2f_status row_check(void *user, const v2f__ds_row *row)
{
    run *ru = user;
    v2f_dataset_job *job = ru->job;
    char want[64];
    size_t k;
    if (row->identity < job->first || row->identity >= job->end
        || row->image >= job->per_id)
        return v2f__fail(V2F_E_FORMAT, "%s line %zu: identity %llu image %u "
                         "is not part of this shard (identities [%llu, %llu),"
                         " %u images each)", job->manifest_path, row->line,
                         (unsigned long long)row->identity, row->image,
                         (unsigned long long)job->first,
                         (unsigned long long)job->end, job->per_id);
    snprintf(want, sizeof want, "%06llu/%03u.%s",
             (unsigned long long)row->identity, row->image, ext_of(job));
    if (strcmp(want, row->file) != 0)
        return v2f__fail(V2F_E_FORMAT, "%s line %zu: file '%s' should be "
                         "'%s'", job->manifest_path, row->line, row->file,
                         want);
    if (row->dropped && job->r.filter == V2F_DATASET_FILTER_NONE)
        return v2f__fail(V2F_E_FORMAT, "%s line %zu: %s is marked dropped "
                         "but the recipe has no filter", job->manifest_path,
                         row->line, row->file);
    k = (size_t)(row->identity - job->first) * job->per_id + row->image;
    ru->have_row[k] = row->dropped ? ROW_DROPPED : ROW_OK;
    return V2F_OK;
}

static v2f_status write_header_file(const char *path)
{
    v2f__atomic_file af;
    v2f_status st = v2f__atomic_open(&af, path);
    if (st != V2F_OK)
        return st;
    fputs(V2F_DS_MANIFEST_HEADER, af.fp);
    return v2f__atomic_commit(&af);
}

v2f_status v2f__job_open_manifest(run *ru)
{
    v2f_dataset_job *job = ru->job;
    off_t valid;
    int torn, missing;
    v2f_status st = v2f__mkdirs(job->manifest_dir);
    if (st != V2F_OK)
        return st;
    st = v2f__ds_manifest_read(job->manifest_path, row_check, ru, &valid,
                               &torn, &missing, &ru->w.v1);
    if (st != V2F_OK && !missing)
        return st;
    if (missing || valid == 0) {
        st = write_header_file(job->manifest_path);
        if (st != V2F_OK)
            return st;
        torn = 0;
        ru->w.v1 = 0;
    }
    ru->w.fd = open(job->manifest_path, O_WRONLY | O_APPEND);
    if (ru->w.fd < 0)
        return v2f__fail(V2F_E_IO, "cannot open '%s': %s",
                         job->manifest_path, strerror(errno));
    if (torn) {
        v2f__log(V2F_LOG_WARN, "%s: dropping a torn last line (interrupted "
                 "write)", job->manifest_path);
        if (ftruncate(ru->w.fd, valid) != 0 || fsync(ru->w.fd) != 0)
            return v2f__fail(V2F_E_IO, "cannot repair '%s': %s",
                             job->manifest_path, strerror(errno));
    }
    return V2F_OK;
}

/* Remove temporary files left by a killed run; note which images exist. A
 * file without its row is removed and made again when the recipe measures
 * (its measurements and filter attempt are not known). */
v2f_status v2f__job_scan_identity(run *ru, uint64_t id)
{
    v2f_dataset_job *job = ru->job;
    size_t base = (size_t)(id - job->first) * job->per_id;
    struct dirent *e;
    struct stat sb;
    DIR *d;
    uint32_t j;
    char *slash;
    v2f_status st;

    v2f__ds_image_path(job->path, job->path_size, job->r.out_dir, id, 0,
                       ext_of(job), NULL);
    slash = strrchr(job->path, '/');
    *slash = '\0';
    st = v2f__mkdirs(job->path);
    if (st != V2F_OK)
        return st;
    d = opendir(job->path);
    if (!d)
        return v2f__fail(V2F_E_IO, "cannot read folder '%s': %s", job->path,
                         strerror(errno));
    while ((e = readdir(d)) != NULL) {
        if (v2f__ds_is_temp_name(e->d_name)) {
            char *tmp = v2f__strfmt("%s/%s", job->path, e->d_name);
            if (tmp && unlink(tmp) == 0)
                v2f__log(V2F_LOG_INFO, "removed leftover '%s'", tmp);
            free(tmp);
        }
    }
    closedir(d);
    ru->left[id - job->first] = job->per_id;
    for (j = 0; j < job->per_id; j++) {
        v2f__ds_image_path(job->path, job->path_size, job->r.out_dir, id, j,
                           ext_of(job), NULL);
        if (stat(job->path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            if (measures(job) && ru->have_row[base + j] == ROW_NONE) {
                if (unlink(job->path) != 0)
                    return v2f__fail(V2F_E_IO, "cannot remove '%s' (a file "
                                     "without its manifest row, to be made "
                                     "again): %s", job->path,
                                     strerror(errno));
                v2f__log(V2F_LOG_INFO, "'%s' had no manifest row: made "
                         "again to measure it", job->path);
                continue;
            }
            ru->have_file[base + j] = 1;
            ru->left[id - job->first]--;
        } else if (ru->have_row[base + j] == ROW_DROPPED) {
            ru->left[id - job->first]--;
        }
    }
    return V2F_OK;
}

int v2f__job_is_done(const run *ru, size_t k)
{
    return ru->have_file[k] || ru->have_row[k] == ROW_DROPPED;
}

/* Rows for files that are on disk without one (a kill between the rename
 * and the manifest append): their eps comes from the same keys (attempt 0:
 * without measurement there is no filter). */
v2f_status v2f__job_add_missing_rows(run *ru)
{
    v2f_dataset_job *job = ru->job;
    size_t n = ru->job->stats.images_total, k, batch = 0;
    size_t B = (size_t)job->r.batch_size;
    v2f__ds_row row;
    v2f_status st;
    for (k = 0; k < n; k++) {
        uint64_t id = job->first + k / job->per_id;
        uint32_t j = (uint32_t)(k % job->per_id);
        int source = v2f__ds_source_of(&job->r, j);
        if (!ru->have_file[k] || ru->have_row[k])
            continue;
        ru->g_id[0] = id;
        ru->g_key[0] = image_key(j, 0);
        st = v2f__job_perturb_group(ru, 1, source);
        if (st == V2F_OK) {
            v2f__ds_fill_row(&job->r, &row, id, j, 0, 0, ru->g_eps[0], NAN,
                             NAN, NAN);
            st = v2f__ds_writer_add_row(&ru->w, &row);
        }
        if (st != V2F_OK)
            return st;
        ru->have_row[k] = ROW_OK;
        job->stats.rows_added++;
        if (++batch == B) {
            st = v2f__ds_writer_flush(&ru->w);
            if (st != V2F_OK)
                return st;
            batch = 0;
        }
    }
    return v2f__ds_writer_flush(&ru->w);
}
