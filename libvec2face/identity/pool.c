/* A small per-call thread pool: the caller's thread works too; tasks are
 * taken in order from a shared counter. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "identity.h"
#include "util/cpu.h"

struct v2f__pool {
    int32_t threads;
    pthread_t *tid;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t generation;
    int stop;
    v2f__task_fn fn;
    void *arg;
    size_t ntasks, next;
    int32_t busy;     /* workers still inside the current job */
};

static void work(v2f__pool *pl)
{
    for (;;) {
        size_t t;
        pthread_mutex_lock(&pl->mu);
        t = pl->next < pl->ntasks ? pl->next++ : (size_t)-1;
        pthread_mutex_unlock(&pl->mu);
        if (t == (size_t)-1)
            return;
        pl->fn(pl->arg, t);
    }
}

static void *worker(void *arg)
{
    v2f__pool *pl = arg;
    uint64_t seen = 0;
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        while (!pl->stop && pl->generation == seen)
            pthread_cond_wait(&pl->go, &pl->mu);
        if (pl->stop) {
            pthread_mutex_unlock(&pl->mu);
            return NULL;
        }
        seen = pl->generation;
        pthread_mutex_unlock(&pl->mu);
        work(pl);
        pthread_mutex_lock(&pl->mu);
        if (--pl->busy == 0)
            pthread_cond_signal(&pl->done);
        pthread_mutex_unlock(&pl->mu);
    }
}

v2f_status v2f__pool_new(int32_t threads, v2f__pool **out)
{
    v2f__pool *pl;
    int32_t i;

    *out = NULL;
    if (threads <= 0) {
        int32_t n = v2f__cpu_count();
        threads = n < 1024 ? n : 1024;
    }
    pl = calloc(1, sizeof *pl);
    if (!pl)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory for a thread pool");
    pl->threads = 1;
    pthread_mutex_init(&pl->mu, NULL);
    pthread_cond_init(&pl->go, NULL);
    pthread_cond_init(&pl->done, NULL);
    if (threads > 1) {
        pl->tid = calloc((size_t)threads - 1, sizeof *pl->tid);
        if (!pl->tid) {
            v2f__pool_free(pl);
            return v2f__fail(V2F_E_NO_MEMORY, "out of memory for a pool");
        }
        for (i = 0; i < threads - 1; i++) {
            if (pthread_create(&pl->tid[i], NULL, worker, pl) != 0)
                break;   /* run with the threads we got */
            pl->threads++;
        }
    }
    *out = pl;
    return V2F_OK;
}

int32_t v2f__pool_threads(const v2f__pool *pool)
{
    return pool ? pool->threads : 1;
}

void v2f__pool_run(v2f__pool *pl, v2f__task_fn fn, void *arg, size_t ntasks)
{
    if (ntasks == 0)
        return;
    if (pl->threads == 1 || ntasks == 1) {
        size_t t;
        for (t = 0; t < ntasks; t++)
            fn(arg, t);
        return;
    }
    pthread_mutex_lock(&pl->mu);
    pl->fn = fn;
    pl->arg = arg;
    pl->ntasks = ntasks;
    pl->next = 0;
    pl->busy = pl->threads - 1;
    pl->generation++;
    pthread_cond_broadcast(&pl->go);
    pthread_mutex_unlock(&pl->mu);
    work(pl);
    pthread_mutex_lock(&pl->mu);
    while (pl->busy > 0)
        pthread_cond_wait(&pl->done, &pl->mu);
    pthread_mutex_unlock(&pl->mu);
}

void v2f__pool_free(v2f__pool *pl)
{
    int32_t i;
    if (!pl)
        return;
    pthread_mutex_lock(&pl->mu);
    pl->stop = 1;
    pthread_cond_broadcast(&pl->go);
    pthread_mutex_unlock(&pl->mu);
    for (i = 0; i < pl->threads - 1; i++)
        pthread_join(pl->tid[i], NULL);
    free(pl->tid);
    pthread_mutex_destroy(&pl->mu);
    pthread_cond_destroy(&pl->go);
    pthread_cond_destroy(&pl->done);
    free(pl);
}

/* ---- parallel rowmax: columns split into one chunk per thread ---- */
struct rowmax_job {
    const float *rows;
    size_t nrows;
    const v2f__panels *p;
    size_t j0, j1, chunk;
    int64_t self_base;
    float *scratch;
};

static void rowmax_task(void *arg, size_t t)
{
    struct rowmax_job *j = arg;
    size_t a = j->j0 + t * j->chunk, b = a + j->chunk, i;
    float *m = j->scratch + t * j->nrows;
    for (i = 0; i < j->nrows; i++)
        m[i] = -INFINITY;
    if (b > j->j1)
        b = j->j1;
    if (a < b)
        v2f__rowmax(j->rows, j->nrows, j->p, a, b, j->self_base, m);
}

void v2f__rowmax_par(v2f__pool *pool, const float *rows, size_t nrows,
                     const v2f__panels *p, size_t j0, size_t j1,
                     int64_t self_base, float *rowmax, float *scratch)
{
    struct rowmax_job j;
    size_t T = (size_t)v2f__pool_threads(pool), t, i, cols;

    if (j1 > p->n)
        j1 = p->n;
    cols = j1 > j0 ? j1 - j0 : 0;
    /* Below a few panels per thread, splitting costs more than it saves. */
    if (T == 1 || cols < 64 * T) {
        v2f__rowmax(rows, nrows, p, j0, j1, self_base, rowmax);
        return;
    }
    j.rows = rows;
    j.nrows = nrows;
    j.p = p;
    j.j0 = j0;
    j.j1 = j1;
    /* Chunks of whole panel pairs (32 columns). */
    j.chunk = ((cols + T - 1) / T + 31) / 32 * 32;
    j.self_base = self_base;
    j.scratch = scratch;
    v2f__pool_run(pool, rowmax_task, &j, T);
    for (t = 0; t < T; t++)
        for (i = 0; i < nrows; i++)
            if (scratch[t * nrows + i] > rowmax[i])
                rowmax[i] = scratch[t * nrows + i];
}
