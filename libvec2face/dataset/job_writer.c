/* The dataset job's writer (see job_writer.h): encode + write a batch of
 * images and append its manifest rows, off the calling thread.
 *
 * Order of writes per batch, as before the writer had a thread of its
 * own: every image to a temporary name and renamed (v2f_image_write),
 * then the batch's rows appended and fsync'ed, so a row never names a
 * file that is not complete. Error messages are thread-local: the writer
 * keeps its message in the batch and v2f__ds_writer_wait raises it again
 * on the job's thread. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "job_writer.h"

v2f_status v2f__ds_writer_init(v2f__ds_writer *w, const v2f__ds_recipe *r,
                               const char *manifest_path)
{
    memset(w, 0, sizeof *w);
    w->r = r;
    w->manifest_path = manifest_path;
    w->fd = -1;
    atomic_init(&w->failed, 0);
    w->path_size = strlen(r->out_dir) + 64;
    w->path = malloc(w->path_size);
    if (!w->path)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    return V2F_OK;
}

void v2f__ds_writer_free(v2f__ds_writer *w)
{
    if (w->busy && w->on_thread)
        pthread_join(w->thread, NULL);
    w->busy = NULL;
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    free(w->rows);
    free(w->path);
    w->rows = w->path = NULL;
}

void v2f__ds_fill_row(const v2f__ds_recipe *r, v2f__ds_row *row,
                      uint64_t identity, uint32_t image, uint32_t attempt,
                      int dropped, float eps, float sim, float qual,
                      float yaw)
{
    memset(row, 0, sizeof *row);
    row->identity = identity;
    row->image = image;
    row->source = v2f__ds_source_of(r, image);
    row->pose = row->source == V2F_DS_POSE;
    row->eps = eps;
    row->seed = r->seed;
    row->attempt = attempt;
    row->dropped = dropped;
    row->similarity = sim;
    row->quality = qual;
    row->yaw = yaw;
}

v2f_status v2f__ds_writer_add_row(v2f__ds_writer *w, const v2f__ds_row *row)
{
    char line[256];
    int n = v2f__ds_row_format(line, sizeof line, row,
                               v2f__ds_ext(w->r->format), w->v1);
    if (n < 0 || (size_t)n >= sizeof line)
        return v2f__fail(V2F_E_INTERNAL, "dataset: manifest row too long");
    if (w->rows_len + (size_t)n + 1 > w->rows_cap) {
        size_t cap = (w->rows_cap + (size_t)n + 1) * 2;
        char *nr = realloc(w->rows, cap);
        if (!nr)
            return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        w->rows = nr;
        w->rows_cap = cap;
    }
    memcpy(w->rows + w->rows_len, line, (size_t)n);
    w->rows_len += (size_t)n;
    return V2F_OK;
}

v2f_status v2f__ds_writer_flush(v2f__ds_writer *w)
{
    size_t off = 0;
    off_t before;
    int err = 0;
    if (w->rows_len == 0)
        return V2F_OK;
    before = lseek(w->fd, 0, SEEK_END);
    while (off < w->rows_len) {
        ssize_t n = write(w->fd, w->rows + off, w->rows_len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? errno : EIO;
            break;
        }
        off += (size_t)n;
    }
    if (!err && fsync(w->fd) != 0)
        err = errno;
    if (err) {
        if (before >= 0 && ftruncate(w->fd, before) != 0)
            v2f__log(V2F_LOG_ERROR, "cannot cut '%s' back: %s",
                     w->manifest_path, strerror(errno));
        return v2f__fail(V2F_E_IO, "cannot write '%s': %s; run again to "
                         "resume", w->manifest_path, strerror(err));
    }
    w->rows_len = 0;
    return V2F_OK;
}

/* The failure of image c's write, with the system's reason when the
 * encoder only said "Write Error" (disk full, file too large, quota,
 * read-only). */
static v2f_status image_failure(v2f__ds_writer *w, v2f_status st, int err)
{
    char msg[700], why[80] = "";
    snprintf(msg, sizeof msg, "%s", v2f_last_error());
    if ((err == ENOSPC || err == EFBIG || err == EDQUOT || err == EROFS
         || err == EIO)
        && !strstr(msg, strerror(err)))
        snprintf(why, sizeof why, " (%s)", strerror(err));
    /* Keep the rows of the images already in place. */
    (void)v2f__ds_writer_flush(w);
    return v2f__fail(st, "dataset: %s%s%s%s; run again to resume", msg, why,
                     strstr(msg, w->path) ? "" : " writing ",
                     strstr(msg, w->path) ? "" : w->path);
}

static v2f_status write_batch(v2f__ds_writer *w, v2f__ds_batch *b)
{
    const v2f__ds_recipe *r = w->r;
    v2f_image_write_opts wo;
    v2f__ds_row row;
    size_t c;
    v2f_status st;
    v2f_image_write_opts_init(&wo, sizeof wo);
    wo.jpeg_quality = r->jpeg_quality;
    wo.png_level = r->png_level;
    for (c = 0; c < b->count; c++) {
        int dropped = b->state[c] == V2F_DS_DROPPED;
        if (!dropped) {
            v2f__ds_image_path(w->path, w->path_size, r->out_dir,
                               b->id_idx[c], (uint32_t)b->im_idx[c],
                               v2f__ds_ext(r->format), NULL);
            errno = 0;
            st = v2f_image_write(w->path, b->rgb + c * V2F_IMAGE_BYTES,
                                 V2F_IMAGE_SIZE, V2F_IMAGE_SIZE, &wo);
            if (st != V2F_OK)
                return image_failure(w, st, errno);
        }
        b->handled = c + 1;
        if (b->add_row[c]) {
            v2f__ds_fill_row(r, &row, b->id_idx[c], (uint32_t)b->im_idx[c],
                             b->attempt[c], dropped, b->eps[c], b->sim[c],
                             b->qual[c], b->yaw[c]);
            st = v2f__ds_writer_add_row(w, &row);
            if (st != V2F_OK)
                return st;
        }
    }
    return v2f__ds_writer_flush(w);
}

/* Write w->busy and keep the outcome (status and this thread's message)
 * in the batch. */
static void run_batch(v2f__ds_writer *w)
{
    v2f__ds_batch *b = w->busy;
    b->status = write_batch(w, b);
    if (b->status != V2F_OK) {
        snprintf(b->message, sizeof b->message, "%s", v2f_last_error());
        atomic_store(&w->failed, 1);
    }
}

static void *writer_main(void *arg)
{
    run_batch(arg);
    return NULL;
}

void v2f__ds_writer_start(v2f__ds_writer *w, v2f__ds_batch *b)
{
    int err;
    b->handled = 0;
    b->status = V2F_OK;
    b->message[0] = '\0';
    w->busy = b;
    w->on_thread = 0;
    err = pthread_create(&w->thread, NULL, writer_main, w);
    if (err == 0) {
        w->on_thread = 1;
        return;
    }
    /* No thread (EAGAIN: thread limit): the same work, without overlap. */
    v2f__log(V2F_LOG_INFO, "dataset: no writer thread (%s); writing on the "
             "calling thread", strerror(err));
    run_batch(w);
}

v2f_status v2f__ds_writer_wait(v2f__ds_writer *w)
{
    v2f__ds_batch *b = w->busy;
    if (!b)
        return V2F_OK;
    if (w->on_thread)
        pthread_join(w->thread, NULL);
    w->busy = NULL;
    w->on_thread = 0;
    if (b->status != V2F_OK)
        return v2f__fail(b->status, "%s", b->message);
    return V2F_OK;
}

int v2f__ds_writer_failed(v2f__ds_writer *w)
{
    return atomic_load(&w->failed);
}
