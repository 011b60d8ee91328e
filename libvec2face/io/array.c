/* v2f_array: a library-owned 2-D float32 array. */
#include <stdlib.h>

#include "array.h"

struct v2f_array {
    size_t rows, cols;
    float *data;
};

v2f_status v2f__array_new(size_t rows, size_t cols, v2f_array **out)
{
    v2f_array *a;
    size_t n, bytes = 0;
    int ok;

    *out = NULL;
    if (rows == 0 || cols == 0)
        return v2f__fail(V2F_E_INVALID_ARG, "array of %zu x %zu is empty",
                         rows, cols);
    n = v2f__mul(rows, cols, &ok);
    if (ok)
        bytes = v2f__mul(n, sizeof(float), &ok);
    if (!ok)
        return v2f__fail(V2F_E_OVERFLOW, "array of %zu x %zu floats is too "
                         "large", rows, cols);
    a = malloc(sizeof *a);
    if (!a)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory for an array");
    a->data = calloc(n, sizeof(float));
    if (!a->data) {
        free(a);
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory for %zu x %zu "
                         "floats (%zu bytes)", rows, cols, bytes);
    }
    a->rows = rows;
    a->cols = cols;
    *out = a;
    return V2F_OK;
}

float *v2f__array_mut(v2f_array *a) { return a ? a->data : NULL; }

size_t v2f_array_rows(const v2f_array *a) { return a ? a->rows : 0; }

size_t v2f_array_cols(const v2f_array *a) { return a ? a->cols : 0; }

const float *v2f_array_data(const v2f_array *a) { return a ? a->data : NULL; }

void v2f_array_free(v2f_array *a)
{
    if (!a)
        return;
    free(a->data);
    free(a);
}
