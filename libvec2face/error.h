/* Internal: thread-local error messages and logging. */
#ifndef V2F_ERROR_H
#define V2F_ERROR_H

#include "vec2face/vec2face.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Record this thread's message for `status` (printf format) and return
 * `status`, so callers write `return v2f__fail(V2F_E_IO, "...", ...)`. */
v2f_status v2f__fail(v2f_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Send a message to the log callback, if one is installed. */
void v2f__log(int32_t level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* n * size without overflow: 0 and *ok = 0 when it would overflow. */
size_t v2f__mul(size_t a, size_t b, int *ok);

/* Fill the option struct `dst` (of the library's size dst_size) with the
 * first min(src->struct_size, dst_size) bytes of `src`; fields beyond the
 * caller's struct_size keep the defaults already in dst. Returns a status:
 * struct_size 0 or smaller than 4 is V2F_E_INVALID_ARG. */
v2f_status v2f__copy_opts(void *dst, size_t dst_size, const void *src,
                          const char *what);

#ifdef __cplusplus
}
#endif

#endif
