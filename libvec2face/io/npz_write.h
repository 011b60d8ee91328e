/* Internal: the minimal .npz writer (stored members, CRC32), atomic; the
 * reader is v2f_npz_read (npz.c). */
#ifndef V2F_IO_NPZ_WRITE_H
#define V2F_IO_NPZ_WRITE_H

#include <stddef.h>

#include "error.h"

typedef struct v2f__npz_member {
    const char *name;     /* without ".npy" */
    const float *data;
    size_t rows, cols;
} v2f__npz_member;
v2f_status v2f__npz_write(const char *path, const v2f__npz_member *m,
                          size_t count);

#endif
