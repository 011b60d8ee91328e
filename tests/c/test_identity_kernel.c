/* The similarity kernel and its thread split, against the naive float FMA
 * chain, bit for bit. ctest runs this once per kernel path (V2F_KERNEL =
 * avx512, avx2, scalar; a path the CPU lacks falls back to the next). */
#include "cmocka_all.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity/identity.h"

/* The two library helpers these sources need. */
v2f_status v2f__fail(v2f_status status, const char *fmt, ...)
{
    (void)fmt;
    return status;
}
size_t v2f__mul(size_t a, size_t b, int *ok)
{
    if (a != 0 && b > SIZE_MAX / a) {
        *ok = 0;
        return 0;
    }
    return a * b;
}

static float *rand_units(size_t rows, size_t dim, uint64_t seed)
{
    float *x = malloc(rows * dim * sizeof *x);
    size_t i;
    v2f_rng r;
    for (i = 0; i < rows; i++) {
        v2f__rng_init(&r, seed, 77, i, 0);
        v2f__rng_normals(&r, x + i * dim, dim);
        assert_true(v2f__unit(x + i * dim, dim, x + i * dim));
    }
    return x;
}

static float chain(const float *a, const float *b, size_t d)
{
    float acc = 0;
    size_t k;
    for (k = 0; k < d; k++)
        acc = fmaf(a[k], b[k], acc);
    return acc;
}

static void rowmax_and_dots_exact(void **state)
{
    const size_t dims[] = {1, 3, 16, 17, 100, 512};
    size_t di;
    fprintf(stderr, "kernel: %s\n", v2f__kernel_name());
    for (di = 0; di < sizeof dims / sizeof *dims; di++) {
        size_t d = dims[di], nr = 21, nc = 83, i, j;
        float *rows = rand_units(nr, d, 1 + di), *cols = rand_units(nc, d, 50 + di);
        float *full = malloc(nr * nc * 4), rm[21];
        v2f__panels p;
        assert_int_equal(v2f__panels_init(&p, d, 5), V2F_OK);  /* grows */
        for (j = 0; j < nc; j++) {
            assert_int_equal(v2f__panels_reserve(&p, j + 1), V2F_OK);
            v2f__panels_push(&p, cols + j * d);
        }
        v2f__dots(rows, nr, &p, 0, nc, full, nc);
        for (i = 0; i < nr; i++)
            for (j = 0; j < nc; j++)
                assert_true(full[i * nc + j] == chain(rows + i * d, cols + j * d, d));
        {   /* odd ranges, with and without self exclusion */
            const size_t ranges[][2] = {{0, 1}, {5, 6}, {7, 40}, {15, 17}, {31, 83}, {0, 83}};
            size_t q;
            for (q = 0; q < 6; q++) {
                size_t j0 = ranges[q][0], j1 = ranges[q][1];
                int64_t self = q % 2 ? (int64_t)j0 : -1;
                for (i = 0; i < nr; i++)
                    rm[i] = -INFINITY;
                v2f__rowmax(rows, nr, &p, j0, j1, self, rm);
                for (i = 0; i < nr; i++) {
                    float best = -INFINITY;
                    for (j = j0; j < j1; j++)
                        if ((int64_t)j != (self >= 0 ? self + (int64_t)i : -1)) {
                            float v = chain(rows + i * d, cols + j * d, d);
                            if (v > best)
                                best = v;
                        }
                    assert_true(rm[i] == best);
                }
            }
        }
        v2f__panels_free(&p);
        free(rows); free(cols); free(full);
    }
}

static void parallel_split_is_exact(void **state)
{
    const size_t d = 64, nr = 40, nc = 1000;
    float *rows = rand_units(nr, d, 3), *cols = rand_units(nc, d, 4);
    float ref[40], got[40], *scratch = malloc(nr * 8 * 4);
    v2f__panels p;
    int32_t t;
    size_t i;
    v2f__panels_init(&p, d, nc);
    for (i = 0; i < nc; i++)
        v2f__panels_push(&p, cols + i * d);
    for (i = 0; i < nr; i++)
        ref[i] = -INFINITY;
    v2f__rowmax(rows, nr, &p, 3, 997, -1, ref);
    for (t = 1; t <= 5; t++) {
        v2f__pool *pool = NULL;
        assert_int_equal(v2f__pool_new(t, &pool), V2F_OK);
        for (i = 0; i < nr; i++)
            got[i] = -INFINITY;
        v2f__rowmax_par(pool, rows, nr, &p, 3, 997, -1, got, scratch);
        assert_memory_equal(ref, got, sizeof ref);
        v2f__pool_free(pool);
    }
    v2f__pool_free(NULL);
    v2f__panels_free(&p);
    free(rows); free(cols); free(scratch);
}

static void tri_matvec_exact(void **state)
{
    const size_t dims[] = {1, 5, 16, 33, 128};
    size_t di, i, k;
    for (di = 0; di < 5; di++) {
        size_t d = dims[di];
        float *U = rand_units(d, d, 9), *z = rand_units(1, d, 10);
        float *x = calloc(d, 4), *y = calloc(d, 4);
        for (i = 0; i < d; i++)
            x[i] = y[i] = (float)i * 0.25f;
        v2f__tri_matvec(U, z, d, x);
        for (k = 0; k < d; k++)
            for (i = k; i < d; i++)
                y[i] = fmaf(U[k * d + i], z[k], y[i]);
        assert_memory_equal(x, y, d * 4);
        free(U); free(z); free(x); free(y);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rowmax_and_dots_exact),
        cmocka_unit_test(parallel_split_is_exact),
        cmocka_unit_test(tri_matvec_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
