/* Internal: shared pieces of the identity layer (perturbation, sampler,
 * centres, separability): RNG purposes, normal deviates, the cosine
 * similarity kernel over an append-only panel store, and a small thread
 * pool. */
#ifndef V2F_IDENTITY_H
#define V2F_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "rng.h"

/* RNG purposes beyond rng.h's 1..3 (V2F_RNG_PERTURB = 3 is used as is). */
enum { V2F_RNG_SAMPLER = 16 };

/* Standard normal deviates (Box-Muller on the stream's uniforms), n of
 * them, as float. Pure function of the stream state. */
void v2f__rng_normals(v2f_rng *r, float *out, size_t n);

/* Unit vector of x in out (dim floats): x / |x|, |x| summed in double in
 * index order. Returns 0 when x is zero or not finite (out untouched). */
int v2f__unit(const float *x, size_t dim, float *out);

/* First index of a non-finite value in rows x dim, or (size_t)-1. */
size_t v2f__first_nonfinite(const float *x, size_t rows, size_t dim);

/* ---- panel store: unit vectors, 16 per panel, laid out [dim][16] ---- */
#define V2F_PANEL 16

typedef struct v2f__panels {
    size_t dim;
    size_t n;       /* vectors stored */
    size_t cap;     /* capacity in vectors (multiple of 16) */
    float *data;    /* 64-byte aligned; cap / 16 panels of dim * 16 */
} v2f__panels;

v2f_status v2f__panels_init(v2f__panels *p, size_t dim, size_t cap);
v2f_status v2f__panels_reserve(v2f__panels *p, size_t cap);
/* Append one (unit) vector; capacity must be there. */
void v2f__panels_push(v2f__panels *p, const float *v);
void v2f__panels_free(v2f__panels *p);

/* For rows i < nrows (row-major, stride `dim`, each a unit vector), set
 * rowmax[i] = max(rowmax[i], max_j dot(row i, column j)) over stored
 * columns j in [j0, j1), skipping j == self_base + i when self_base >= 0.
 *
 * Every dot product is the chain acc = fma(a[p], b[p], acc) for p = 0..dim-1
 * from acc = 0, in float, whatever the path (AVX-512, AVX2, scalar) or the
 * blocking: results are bitwise identical for any split of the work. */
void v2f__rowmax(const float *rows, size_t nrows, const v2f__panels *p,
                 size_t j0, size_t j1, int64_t self_base, float *rowmax);

/* The full matrix out[i][j - j0] = dot(row i, column j), j in [j0, j1),
 * row stride ldo; same FMA chains as v2f__rowmax. */
void v2f__dots(const float *rows, size_t nrows, const v2f__panels *p,
               size_t j0, size_t j1, float *out, size_t ldo);

/* x[i] = fma(U[k][i], z[k], x[i]) for k = 0..dim-1 and i >= k, in that order
 * per element (U upper triangular, row-major): x += L z with L = U^T.
 * Bitwise the same on every path. */
void v2f__tri_matvec(const float *U, const float *z, size_t dim, float *x);

/* Candidate k of the sampler's stream for seed into x (dim floats); z is
 * dim floats of scratch. A pure function of (seed, k): sampler.c makes
 * them, sample_identities.c sifts them. */
void v2f__sampler_candidate(const v2f_sampler *s, uint64_t seed, uint64_t k,
                            float *x, float *z);

/* Which kernel v2f__rowmax uses: "avx512", "avx2" or "scalar". */
const char *v2f__kernel_name(void);

/* ---- thread pool: run fn(arg, task) for task in [0, ntasks) ---- */
typedef struct v2f__pool v2f__pool;
typedef void (*v2f__task_fn)(void *arg, size_t task);

/* threads <= 0: online CPUs. Returns NULL-free status; a pool of 1 runs
 * everything on the calling thread. */
v2f_status v2f__pool_new(int32_t threads, v2f__pool **out);
int32_t v2f__pool_threads(const v2f__pool *pool);
void v2f__pool_run(v2f__pool *pool, v2f__task_fn fn, void *arg,
                   size_t ntasks);
void v2f__pool_free(v2f__pool *pool);

/* rowmax over [j0, j1) split across the pool (per-thread partial maxima,
 * combined by max: the result does not depend on the split). scratch
 * needs nrows * pool threads floats. */
void v2f__rowmax_par(v2f__pool *pool, const float *rows, size_t nrows,
                     const v2f__panels *p, size_t j0, size_t j1,
                     int64_t self_base, float *rowmax, float *scratch);

#endif
