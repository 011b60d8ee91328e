/* Internal: construction of v2f_array objects. */
#ifndef V2F_ARRAY_H
#define V2F_ARRAY_H

#include "error.h"

/* A zeroed rows x cols array (rows, cols > 0). V2F_E_INVALID_ARG for a zero
 * dimension, V2F_E_OVERFLOW, V2F_E_NO_MEMORY; *out is NULL on failure. */
v2f_status v2f__array_new(size_t rows, size_t cols, v2f_array **out);

/* The array's data, writable: rows * cols floats, row-major. */
float *v2f__array_mut(v2f_array *a);

#endif
