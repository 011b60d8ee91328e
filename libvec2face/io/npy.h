/* Internal: the .npy parser, shared by v2f_npy_read and v2f_npz_read. */
#ifndef V2F_NPY_H
#define V2F_NPY_H

#include <stdint.h>

#include "error.h"

/* A byte source: fill buf with exactly n bytes, or fail with a status
 * (and message) of its own. */
typedef struct v2f__reader {
    v2f_status (*read)(void *ctx, void *buf, size_t n);
    void *ctx;
} v2f__reader;

/* Parse an .npy stream of exactly `total` bytes from r into a new array.
 * `what` names the source in messages ("'x.npy'", "member 'a.npy' of
 * 'x.npz'"). Reads no byte past `total`. */
v2f_status v2f__npy_parse(v2f__reader *r, uint64_t total, const char *what,
                          v2f_array **out);

#endif
