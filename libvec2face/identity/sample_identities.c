/* v2f_sample_identities: greedy rejection of sampler candidates too
 * similar to what is kept.
 *
 * Candidates are tested in blocks: first against the exclusion set and
 * every vector kept before the block (one matrix sweep, all threads), then,
 * in candidate order, against the vectors accepted earlier in the same
 * block (from the block's own similarity matrix). All cosines are the same
 * FMA chains over the same unit vectors whatever the block, so the outcome
 * equals a one-by-one greedy pass and a resumed run equals an
 * uninterrupted one. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "identity.h"

void v2f_sample_opts_init(v2f_sample_opts *o, size_t size)
{
    if (!o || size < sizeof(uint32_t))
        return;
    memset(o, 0, size);
    o->struct_size = (uint32_t)size;
    if (size >= offsetof(v2f_sample_opts, max_similarity)
                   + sizeof o->max_similarity)
        o->max_similarity = 0.3f;
}

struct gen_job {
    const v2f_sampler *s;
    uint64_t seed, first;
    size_t count;
    float *raw, *unit, *z;  /* z: per task scratch, dim floats each */
    uint8_t *valid;
};

#define GEN_CHUNK 8

static void gen_task(void *arg, size_t t)
{
    struct gen_job *g = arg;
    size_t d = v2f_sampler_dim(g->s), i, end = (t + 1) * GEN_CHUNK;
    float *z = g->z + t * d;
    if (end > g->count)
        end = g->count;
    for (i = t * GEN_CHUNK; i < end; i++) {
        float *x = g->raw + i * d, *u = g->unit + i * d;
        v2f__sampler_candidate(g->s, g->seed, g->first + i, x, z);
        g->valid[i] = (uint8_t)v2f__unit(x, d, u);
        if (!g->valid[i])
            memset(u, 0, d * sizeof(float));
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void put_stats(v2f_sample_stats *dst, const v2f_sample_stats *src)
{
    uint32_t size;
    if (!dst)
        return;
    size = dst->struct_size;
    if (size < sizeof(uint32_t))
        return;
    memcpy(dst, src, size < sizeof *src ? size : sizeof *src);
    dst->struct_size = size;
}

v2f_status v2f_sample_identities(const v2f_sampler *s, size_t n,
                                 const v2f_sample_opts *opts, float *out,
                                 v2f_sample_stats *stats)
{
    v2f_sample_opts o;
    v2f_sample_stats sx;
    v2f__pool *pool = NULL;
    v2f__panels kept = {0}, excl = {0}, blk = {0};
    float *raw = NULL, *unit = NULL, *z = NULL, *maxk = NULL, *maxe = NULL,
          *scratch = NULL, *self = NULL, thr;
    uint8_t *valid = NULL;
    size_t *acc = NULL;
    size_t d, B, T, i, m, ntasks;
    uint64_t k, used = 0, limit;
    double t0 = now_s();
    v2f_status st;
    int ok = 1;

    memset(&sx, 0, sizeof sx);
    sx.struct_size = sizeof sx;
    v2f_sample_opts_init(&o, sizeof o);
    st = v2f__copy_opts(&o, sizeof o, opts, "v2f_sample_opts");
    if (st != V2F_OK)
        return st;
    if (!s || !out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sample_identities: NULL %s",
                         !s ? "sampler" : "out");
    if (n == 0)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sample_identities: n is 0");
    thr = o.max_similarity;
    if (!(thr > -1.0f && thr <= 1.0f))
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sample_identities: "
                         "max_similarity %g is outside (-1, 1]", (double)thr);
    d = v2f_sampler_dim(s);
    v2f__mul(v2f__mul(n, d, &ok), sizeof(float), &ok);
    if (!ok)
        return v2f__fail(V2F_E_OVERFLOW, "v2f_sample_identities: %zu x %zu "
                         "is too large", n, d);
    if (o.resume_kept > n)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sample_identities: "
                         "resume_kept %llu > n %zu",
                         (unsigned long long)o.resume_kept, n);
    if (o.exclude_rows > 0 && !o.exclude)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sample_identities: NULL "
                         "exclude with exclude_rows %llu",
                         (unsigned long long)o.exclude_rows);
    if (o.exclude_rows > 0 && o.exclude_dim != d)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_sample_identities: "
                         "exclude_dim %llu does not match the sampler's dim "
                         "%zu", (unsigned long long)o.exclude_dim, d);
    if (o.exclude_rows > SIZE_MAX / (d * sizeof(float)))
        return v2f__fail(V2F_E_OVERFLOW, "v2f_sample_identities: exclusion "
                         "set too large");
    {
        /* Packed kept and exclusion sets plus the candidate blocks. */
        uint64_t bb = o.block_size > 0 ? (o.block_size > 4096 ? 4096 : (uint64_t)o.block_size)
                                       : 256;
        uint64_t rows = (uint64_t)n + o.exclude_rows + 3 * bb;
        uint64_t need = rows < n || rows > UINT64_MAX / (d * sizeof(float))
                            ? UINT64_MAX
                            : v2f__sat_add(rows * d * sizeof(float), bb * bb * sizeof(float));
        st = v2f__check_memory_cap(v2f__default_memory_limit(), need,
                                   "v2f_sample_identities", "sample fewer vectors per call "
                                   "(resume_kept continues a run)");
        if (st != V2F_OK)
            return st;
    }
    B = o.block_size > 0 ? (size_t)o.block_size : 256;
    if (B > 4096)
        B = 4096;
    k = o.resume_candidates;
    limit = o.max_candidates ? o.max_candidates
                             : 1000 * (uint64_t)n + 100000;

    st = v2f__pool_new(o.threads, &pool);
    if (st != V2F_OK)
        return st;
    T = (size_t)v2f__pool_threads(pool);
    ntasks = (B + GEN_CHUNK - 1) / GEN_CHUNK;
    if ((st = v2f__panels_init(&kept, d, n)) != V2F_OK
        || (st = v2f__panels_init(&excl, d, o.exclude_rows)) != V2F_OK
        || (st = v2f__panels_init(&blk, d, B)) != V2F_OK)
        goto done;
    raw = malloc(B * d * sizeof *raw);
    unit = malloc(B * d * sizeof *unit);
    z = malloc(ntasks * d * sizeof *z);
    maxk = malloc(B * sizeof *maxk);
    maxe = malloc(B * sizeof *maxe);
    scratch = malloc(B * T * sizeof *scratch);
    self = malloc(B * B * sizeof *self);
    valid = malloc(B);
    acc = malloc(B * sizeof *acc);
    if (!raw || !unit || !z || !maxk || !maxe || !scratch || !self || !valid
        || !acc) {
        st = v2f__fail(V2F_E_NO_MEMORY, "out of memory for sampling blocks "
                       "of %zu x %zu", B, d);
        goto done;
    }
    for (i = 0; i < o.exclude_rows; i++) {
        if (!v2f__unit(o.exclude + i * d, d, unit)) {
            st = v2f__fail(V2F_E_INVALID_ARG, "v2f_sample_identities: "
                           "exclusion row %zu is zero or not finite", i);
            goto done;
        }
        v2f__panels_push(&excl, unit);
    }
    for (i = 0; i < o.resume_kept; i++) {
        if (!v2f__unit(out + i * d, d, unit)) {
            st = v2f__fail(V2F_E_INVALID_ARG, "v2f_sample_identities: "
                           "resumed row %zu is zero or not finite", i);
            goto done;
        }
        v2f__panels_push(&kept, unit);
    }
    m = (size_t)o.resume_kept;

    while (m < n) {
        struct gen_job g;
        size_t b = B, na = 0, m0 = m;
        if (used >= limit) {
            st = v2f__fail(V2F_E_INVALID_ARG, "v2f_sample_identities: "
                           "stopped after %llu candidates with %zu of %zu "
                           "vectors kept: max_similarity %g is too strict "
                           "for dim %zu (raise it, or max_candidates, and "
                           "resume)", (unsigned long long)used, m, n,
                           (double)thr, d);
            goto done;
        }
        if (limit - used < b)
            b = (size_t)(limit - used);
        g.s = s;
        g.seed = o.seed;
        g.first = k;
        g.count = b;
        g.raw = raw;
        g.unit = unit;
        g.z = z;
        g.valid = valid;
        v2f__pool_run(pool, gen_task, &g, (b + GEN_CHUNK - 1) / GEN_CHUNK);
        for (i = 0; i < b; i++)
            maxk[i] = maxe[i] = -INFINITY;
        v2f__rowmax_par(pool, unit, b, &excl, 0, excl.n, -1, maxe, scratch);
        v2f__rowmax_par(pool, unit, b, &kept, 0, m0, -1, maxk, scratch);
        sx.comparisons += (uint64_t)b * (excl.n + m0);
        /* The block against itself, for the candidates that survive. */
        blk.n = 0;
        for (i = 0; i < b; i++)
            v2f__panels_push(&blk, unit + i * d);
        v2f__dots(unit, b, &blk, 0, b, self, b);
        sx.comparisons += (uint64_t)b * b;
        for (i = 0; i < b && m < n; i++) {
            size_t a;
            float worst = maxk[i];
            used++;
            k++;
            if (!valid[i]) {
                sx.rejected_invalid++;
                continue;
            }
            if (maxe[i] >= thr) {
                sx.rejected_excluded++;
                continue;
            }
            for (a = 0; a < na; a++)
                if (self[i * b + acc[a]] > worst)
                    worst = self[i * b + acc[a]];
            if (worst >= thr) {
                sx.rejected_similar++;
                continue;
            }
            acc[na++] = i;
            memcpy(out + m * d, raw + i * d, d * sizeof(float));
            v2f__panels_push(&kept, unit + i * d);
            m++;
        }
        sx.kept = m;
        sx.candidates = k;
        if (o.progress && o.progress(o.progress_user, m, n) != 0) {
            st = v2f__fail(V2F_E_CANCELLED, "v2f_sample_identities: cancelled "
                           "by the progress callback with %zu of %zu kept", m, n);
            goto done;
        }
    }
    st = V2F_OK;
done:
    sx.kept = kept.n;
    sx.candidates = k;
    sx.flops = 2.0 * (double)d * (double)sx.comparisons;
    sx.seconds = now_s() - t0;
    sx.gflops = sx.seconds > 0 ? sx.flops / sx.seconds * 1e-9 : 0;
    if (st == V2F_OK || st == V2F_E_CANCELLED
        || (st == V2F_E_INVALID_ARG && used >= limit))
        put_stats(stats, &sx);
    else if (stats)
        put_stats(stats, &(v2f_sample_stats){.struct_size = sizeof sx});
    v2f__panels_free(&kept);
    v2f__panels_free(&excl);
    v2f__panels_free(&blk);
    free(raw); free(unit); free(z); free(maxk); free(maxe); free(scratch);
    free(self); free(valid); free(acc);
    v2f__pool_free(pool);
    return st;
}
