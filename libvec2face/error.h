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

/* n * size without overflow: SIZE_MAX and *ok = 0 when it would overflow
 * (saturating, so that a product of products still reports the overflow:
 * each call sets *ok afresh). */
size_t v2f__mul(size_t a, size_t b, int *ok);

/* The memory cap of calls without a model (v2f_runtime_opts.memory_limit
 * gives a model its own): half of the physical memory. */
uint64_t v2f__default_memory_limit(void);

/* a + b, saturating at UINT64_MAX: memory estimates never wrap. */
static inline uint64_t v2f__sat_add(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

/* V2F_E_NO_MEMORY naming need, cap and `lever` (what lowers the need)
 * when need > cap; checked before allocating. */
v2f_status v2f__check_memory_cap(uint64_t cap, uint64_t need, const char *fn,
                                 const char *lever);

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
