/* Internal: the dataset job's writer. It encodes and writes one batch of
 * images and appends (and fsyncs) the batch's manifest rows, on a thread
 * of its own, while the job generates the next batch on the calling
 * thread: double buffering with at most one batch in flight.
 *
 * Ownership while a batch is in flight: the writer alone touches the
 * batch, the manifest descriptor and the row buffer; the job alone
 * touches everything else (its other batch, the model, the stats). The
 * job applies a written batch to its own bookkeeping after
 * v2f__ds_writer_wait, on the calling thread. */
#ifndef V2F_DATASET_JOB_WRITER_H
#define V2F_DATASET_JOB_WRITER_H

#include <pthread.h>
#include <stdatomic.h>

#include "dataset.h"

/* State of a batch entry. */
enum { V2F_DS_PENDING = 0, V2F_DS_KEPT = 1, V2F_DS_DROPPED = 2 };

/* One batch: its entries in slot (identity, image) order, and the result
 * of writing it. */
typedef struct v2f__ds_batch {
    size_t count;
    size_t *slot;           /* shard image index of each entry */
    uint64_t *id_idx;
    uint64_t *im_idx;
    uint32_t *attempt;
    uint8_t *state;         /* V2F_DS_KEPT or V2F_DS_DROPPED when written */
    uint8_t *add_row;       /* 1: append the entry's row (0: the part has
                               it already, only the file was missing) */
    float *eps, *sim, *qual, *yaw;
    uint8_t *rgb;           /* [count] images */
    /* Set by the writer: */
    size_t handled;         /* leading entries whose file is in place (or
                               that were dropped) */
    v2f_status status;
    char message[1024];     /* the writer thread's v2f_last_error() */
} v2f__ds_batch;

typedef struct v2f__ds_writer {
    const v2f__ds_recipe *r;
    const char *manifest_path;
    int fd;                 /* manifest part, O_APPEND; -1 when closed */
    int v1;                 /* the part has the six 0.1 columns */
    char *rows;             /* text of the rows to append */
    size_t rows_len, rows_cap;
    char *path;             /* scratch for image paths */
    size_t path_size;
    pthread_t thread;
    v2f__ds_batch *busy;    /* the batch in flight, NULL when none */
    int on_thread;          /* busy runs on `thread` (else it was written
                               synchronously) */
    atomic_int failed;      /* set by the writer when a batch fails */
} v2f__ds_writer;

/* Prepare a writer for recipe r (which must outlive it); fd stays -1
 * until the job opens the manifest part. */
v2f_status v2f__ds_writer_init(v2f__ds_writer *w, const v2f__ds_recipe *r,
                               const char *manifest_path);

/* Wait for a batch in flight (its result is dropped), close the part,
 * free the buffers. */
void v2f__ds_writer_free(v2f__ds_writer *w);

/* The manifest row of an image. */
void v2f__ds_fill_row(const v2f__ds_recipe *r, v2f__ds_row *row,
                      uint64_t identity, uint32_t image, uint32_t attempt,
                      int dropped, float eps, float sim, float qual,
                      float yaw);

/* Queue a row; append and fsync the queued rows (on failure the part is
 * cut back so that no torn row is left). Only while no batch is in
 * flight, or on the writer thread. */
v2f_status v2f__ds_writer_add_row(v2f__ds_writer *w, const v2f__ds_row *row);
v2f_status v2f__ds_writer_flush(v2f__ds_writer *w);

/* Hand batch b to the writer (none may be in flight): its images are
 * written (each atomically), then its rows appended and fsync'ed. Runs
 * on a new thread; if no thread can be started, it is written here. */
void v2f__ds_writer_start(v2f__ds_writer *w, v2f__ds_batch *b);

/* Wait for the batch in flight (V2F_OK when none). A failure is raised
 * again on the calling thread: the writer's status and message. */
v2f_status v2f__ds_writer_wait(v2f__ds_writer *w);

/* 1 once a batch has failed (cheap; for the generator to stop early). */
int v2f__ds_writer_failed(v2f__ds_writer *w);

#endif
