/* Cosine similarity kernel: rows (candidates) against an append-only store
 * of unit vectors kept in panels of 16 ([dim][16] each), so appending never
 * repacks. The microkernels are register-blocked (8 rows x 32 columns on
 * AVX-512) and keep one FMA chain per output in index order, which makes
 * the result independent of blocking, thread split and instruction set. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define V2F_X86 1
#endif

#include "identity.h"

v2f_status v2f__panels_init(v2f__panels *p, size_t dim, size_t cap)
{
    memset(p, 0, sizeof *p);
    p->dim = dim;
    return v2f__panels_reserve(p, cap ? cap : V2F_PANEL);
}

v2f_status v2f__panels_reserve(v2f__panels *p, size_t cap)
{
    size_t panels, floats, bytes;
    float *d;
    int ok = 1;

    if (cap <= p->cap)
        return V2F_OK;
    if (cap < p->cap * 2 && p->cap * 2 > p->cap)
        cap = p->cap * 2;
    panels = cap / V2F_PANEL + (cap % V2F_PANEL != 0);
    floats = v2f__mul(v2f__mul(panels, V2F_PANEL, &ok), p->dim, &ok);
    bytes = ok ? v2f__mul(floats, sizeof(float), &ok) : 0;
    if (!ok)
        return v2f__fail(V2F_E_OVERFLOW, "%zu vectors of %zu floats is too "
                         "large", cap, p->dim);
    if (posix_memalign((void **)&d, 64, bytes) != 0)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory for %zu vectors "
                         "(%zu bytes)", cap, bytes);
    memset(d, 0, bytes);
    if (p->data)
        memcpy(d, p->data, (p->cap / V2F_PANEL) * V2F_PANEL * p->dim
                               * sizeof(float));
    free(p->data);
    p->data = d;
    p->cap = panels * V2F_PANEL;
    return V2F_OK;
}

void v2f__panels_push(v2f__panels *p, const float *v)
{
    float *panel = p->data + (p->n / V2F_PANEL) * V2F_PANEL * p->dim;
    size_t c = p->n % V2F_PANEL, k;
    for (k = 0; k < p->dim; k++)
        panel[k * V2F_PANEL + c] = v[k];
    p->n++;
}

void v2f__panels_free(v2f__panels *p)
{
    if (!p)
        return;
    free(p->data);
    memset(p, 0, sizeof *p);
}

/* ---- microkernels: tile[r][c] = dot(row r, column c of 1 or 2 panels) --- */
#define TILE_R 8
#define TILE_C 32

static void kern_scalar(const float *const rows[TILE_R], const float *k0,
                        const float *k1, size_t dim, float tile[TILE_R][TILE_C])
{
    size_t r, c, p;
    for (r = 0; r < TILE_R; r++)
        for (c = 0; c < TILE_C; c++) {
            const float *k = c < V2F_PANEL ? k0 + c : k1 + (c - V2F_PANEL);
            float acc = 0.0f;
            for (p = 0; p < dim; p++)
                acc = fmaf(rows[r][p], k[p * V2F_PANEL], acc);
            tile[r][c] = acc;
        }
}

#ifdef V2F_X86
__attribute__((target("avx512f")))
static void kern_avx512(const float *const rows[TILE_R], const float *k0,
                        const float *k1, size_t dim,
                        float tile[TILE_R][TILE_C])
{
    __m512 a00 = _mm512_setzero_ps(), a01 = a00, a10 = a00, a11 = a00,
           a20 = a00, a21 = a00, a30 = a00, a31 = a00, a40 = a00, a41 = a00,
           a50 = a00, a51 = a00, a60 = a00, a61 = a00, a70 = a00, a71 = a00;
    const float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3],
                *r4 = rows[4], *r5 = rows[5], *r6 = rows[6], *r7 = rows[7];
    size_t p;
    for (p = 0; p < dim; p++) {
        __m512 b0 = _mm512_load_ps(k0 + p * V2F_PANEL);
        __m512 b1 = _mm512_load_ps(k1 + p * V2F_PANEL);
        __m512 x;
#define STEP(i) x = _mm512_set1_ps(r##i[p]); \
        a##i##0 = _mm512_fmadd_ps(x, b0, a##i##0); \
        a##i##1 = _mm512_fmadd_ps(x, b1, a##i##1);
        STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
#undef STEP
    }
#define OUT(i) _mm512_storeu_ps(tile[i], a##i##0); \
    _mm512_storeu_ps(tile[i] + 16, a##i##1);
    OUT(0) OUT(1) OUT(2) OUT(3) OUT(4) OUT(5) OUT(6) OUT(7)
#undef OUT
}

/* AVX2: 4 rows x 32 columns per call (16 accumulators), twice. */
__attribute__((target("avx2,fma")))
static void kern_avx2_half(const float *const rows[4], const float *k0,
                           const float *k1, size_t dim, float tile[][TILE_C])
{
    __m256 acc[4][4];
    size_t p, r, q;
    for (r = 0; r < 4; r++)
        for (q = 0; q < 4; q++)
            acc[r][q] = _mm256_setzero_ps();
    for (p = 0; p < dim; p++) {
        __m256 b[4];
        b[0] = _mm256_load_ps(k0 + p * V2F_PANEL);
        b[1] = _mm256_load_ps(k0 + p * V2F_PANEL + 8);
        b[2] = _mm256_load_ps(k1 + p * V2F_PANEL);
        b[3] = _mm256_load_ps(k1 + p * V2F_PANEL + 8);
        for (r = 0; r < 4; r++) {
            __m256 x = _mm256_broadcast_ss(rows[r] + p);
            for (q = 0; q < 4; q++)
                acc[r][q] = _mm256_fmadd_ps(x, b[q], acc[r][q]);
        }
    }
    for (r = 0; r < 4; r++)
        for (q = 0; q < 4; q++)
            _mm256_storeu_ps(tile[r] + 8 * q, acc[r][q]);
}

__attribute__((target("avx2,fma")))
static void kern_avx2(const float *const rows[TILE_R], const float *k0,
                      const float *k1, size_t dim, float tile[TILE_R][TILE_C])
{
    kern_avx2_half(rows, k0, k1, dim, tile);
    kern_avx2_half(rows + 4, k0, k1, dim, tile + 4);
}
#endif

typedef void (*kern_fn)(const float *const *, const float *, const float *,
                        size_t, float (*)[TILE_C]);

static kern_fn pick_kernel(const char **name)
{
    const char *force = getenv("V2F_KERNEL");  /* for tests and benchmarks */
#ifdef V2F_X86
    __builtin_cpu_init();
    if ((!force || !strcmp(force, "avx512"))
        && __builtin_cpu_supports("avx512f")) {
        *name = "avx512";
        return kern_avx512;
    }
    if ((!force || strcmp(force, "scalar")) && __builtin_cpu_supports("avx2")
        && __builtin_cpu_supports("fma")) {
        *name = "avx2";
        return kern_avx2;
    }
#endif
    (void)force;
    *name = "scalar";
    return kern_scalar;
}

static kern_fn kernel(const char **name)
{
    /* Benign race: every thread computes the same answer. */
    static kern_fn fn;
    static const char *fn_name;
    if (!fn) {
        const char *n;
        kern_fn f = pick_kernel(&n);
        fn_name = n;
        fn = f;
    }
    if (name)
        *name = fn_name;
    return fn;
}

const char *v2f__kernel_name(void)
{
    const char *n;
    kernel(&n);
    return n;
}

/* One sweep of rows against columns [j0, j1): either a running maximum per
 * row (rowmax, skipping self) or the full matrix full[i][j - j0]. */
static void sweep(const float *rows, size_t nrows, const v2f__panels *p,
                  size_t j0, size_t j1, int64_t self_base, float *rowmax,
                  float *full, size_t ldf)
{
    kern_fn kern = kernel(NULL);
    size_t dim = p->dim, pstride = dim * V2F_PANEL;
    size_t pc0, pc1, pc, i0, r, c;
    float tile[TILE_R][TILE_C];

    if (j1 > p->n)
        j1 = p->n;
    if (nrows == 0 || j0 >= j1)
        return;
    pc0 = j0 / V2F_PANEL;
    pc1 = (j1 + V2F_PANEL - 1) / V2F_PANEL;
    /* Panel pairs outside (they stay in L1/L2), row groups inside. */
    for (pc = pc0; pc < pc1; pc += 2) {
        const float *k0 = p->data + pc * pstride;
        const float *k1 = pc + 1 < pc1 ? k0 + pstride : k0;
        size_t cbase = pc * V2F_PANEL;
        size_t clo = j0 > cbase ? j0 - cbase : 0;
        size_t chi = (pc + 1 < pc1 ? 2 : 1) * V2F_PANEL;
        if (cbase + chi > j1)
            chi = j1 - cbase;
        for (i0 = 0; i0 < nrows; i0 += TILE_R) {
            const float *rp[TILE_R];
            size_t nr = nrows - i0 < TILE_R ? nrows - i0 : TILE_R;
            for (r = 0; r < TILE_R; r++)
                rp[r] = rows + (i0 + (r < nr ? r : 0)) * dim;
            kern(rp, k0, k1, dim, tile);
            if (full) {
                for (r = 0; r < nr; r++)
                    for (c = clo; c < chi; c++)
                        full[(i0 + r) * ldf + cbase + c - j0] = tile[r][c];
                continue;
            }
            for (r = 0; r < nr; r++) {
                float m = rowmax[i0 + r];
                int64_t self = self_base >= 0
                                   ? self_base + (int64_t)(i0 + r) : -1;
                for (c = clo; c < chi; c++)
                    if (tile[r][c] > m && (int64_t)(cbase + c) != self)
                        m = tile[r][c];
                rowmax[i0 + r] = m;
            }
        }
    }
}

void v2f__rowmax(const float *rows, size_t nrows, const v2f__panels *p,
                 size_t j0, size_t j1, int64_t self_base, float *rowmax)
{
    sweep(rows, nrows, p, j0, j1, self_base, rowmax, NULL, 0);
}

void v2f__dots(const float *rows, size_t nrows, const v2f__panels *p,
               size_t j0, size_t j1, float *out, size_t ldo)
{
    sweep(rows, nrows, p, j0, j1, -1, NULL, out, ldo);
}

/* ---- x[i] = fma(U[k][i], z[k], x[i]) for k = 0..dim-1, i >= k ---- */

static void tri_scalar(const float *U, const float *z, size_t dim, float *x)
{
    size_t k, i;
    for (k = 0; k < dim; k++)
        for (i = k; i < dim; i++)
            x[i] = fmaf(U[k * dim + i], z[k], x[i]);
}

#ifdef V2F_X86
__attribute__((target("avx512f")))
static void tri_avx512(const float *U, const float *z, size_t dim, float *x)
{
    size_t k, i;
    for (k = 0; k < dim; k++) {
        const float *u = U + k * dim;
        __m512 zk = _mm512_set1_ps(z[k]);
        for (i = k; i + 16 <= dim; i += 16)
            _mm512_storeu_ps(x + i, _mm512_fmadd_ps(_mm512_loadu_ps(u + i), zk,
                                                    _mm512_loadu_ps(x + i)));
        for (; i < dim; i++)
            x[i] = fmaf(u[i], z[k], x[i]);
    }
}
#endif

void v2f__tri_matvec(const float *U, const float *z, size_t dim, float *x)
{
#ifdef V2F_X86
    const char *n;
    kernel(&n);
    if (!strcmp(n, "avx512")) {
        tri_avx512(U, z, dim, x);
        return;
    }
#endif
    tri_scalar(U, z, dim, x);
}

/* ---- normals and unit vectors ---- */

void v2f__rng_normals(v2f_rng *r, float *out, size_t n)
{
    size_t i;
    for (i = 0; i < n; i += 2) {
        double u1 = v2f__rng_uniform(r), u2 = v2f__rng_uniform(r);
        double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
        out[i] = (float)(rad * cos(th));
        if (i + 1 < n)
            out[i + 1] = (float)(rad * sin(th));
    }
}

int v2f__unit(const float *x, size_t dim, float *out)
{
    double s = 0.0, inv;
    size_t k;
    for (k = 0; k < dim; k++)
        s += (double)x[k] * x[k];
    if (!(s > 0.0) || !isfinite(s))
        return 0;
    inv = 1.0 / sqrt(s);
    for (k = 0; k < dim; k++)
        out[k] = (float)(x[k] * inv);
    return 1;
}

size_t v2f__first_nonfinite(const float *x, size_t rows, size_t dim)
{
    size_t i, n = rows * dim;
    for (i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return i / dim;
    return (size_t)-1;
}
