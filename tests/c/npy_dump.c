/* npy_dump: a tiny driver for npy_crosscheck.py.
 *   npy_dump read FILE.npy            print "rows cols", then one value
 *   npy_dump read FILE.npz MEMBER     a line, as %.9g (round-trips float32)
 *   npy_dump write FILE.npy ROWS COLS write value i = i * 0.37f - 5.0f
 * On failure: "error N: message" on stderr and exit status 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec2face/vec2face.h"

static int fail(v2f_status st)
{
    fprintf(stderr, "error %d: %s\n", (int)st, v2f_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    v2f_status st;
    if (argc >= 3 && strcmp(argv[1], "read") == 0) {
        v2f_array *a = NULL;
        size_t i, n;
        const float *d;
        st = argc == 4 ? v2f_npz_read(argv[2], argv[3], &a)
                       : v2f_npy_read(argv[2], &a);
        if (st != V2F_OK)
            return fail(st);
        n = v2f_array_rows(a) * v2f_array_cols(a);
        d = v2f_array_data(a);
        printf("%zu %zu\n", v2f_array_rows(a), v2f_array_cols(a));
        for (i = 0; i < n; i++)
            printf("%.9g\n", (double)d[i]);
        v2f_array_free(a);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "write") == 0) {
        size_t rows = strtoul(argv[3], NULL, 10), cols = strtoul(argv[4], NULL, 10);
        size_t i, n = rows * cols;
        float *d = malloc((n ? n : 1) * sizeof *d);
        if (!d)
            return 1;
        for (i = 0; i < n; i++)
            d[i] = (float)i * 0.37f - 5.0f;
        st = v2f_npy_write(argv[2], d, rows, cols);
        free(d);
        return st == V2F_OK ? 0 : fail(st);
    }
    fprintf(stderr, "usage: npy_dump read FILE.npy | read FILE.npz MEMBER | "
                    "write FILE.npy ROWS COLS\n");
    return 2;
}
