/* Errors, statuses, versions and the log hook. */
#define _DEFAULT_SOURCE 1   /* sysconf(_SC_PHYS_PAGES) */
#include "error.h"
#include "vec2face/vec2face_version.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static _Thread_local char tls_message[1024];

/* "MAJOR.MINOR.PATCH" from the generated vec2face_version.h, so that the
 * version is written once (project(VERSION) in CMakeLists.txt). */
#define V2F_STR_(x) #x
#define V2F_STR(x) V2F_STR_(x)
const char *v2f_version(void)
{
    return V2F_STR(V2F_VERSION_MAJOR) "." V2F_STR(V2F_VERSION_MINOR) "."
           V2F_STR(V2F_VERSION_PATCH);
}

int32_t v2f_abi_version(void) { return V2F_ABI_VERSION; }

const char *v2f_status_str(v2f_status status)
{
    switch (status) {
    case V2F_OK: return "ok";
    case V2F_E_INVALID_ARG: return "invalid argument";
    case V2F_E_IO: return "input/output error";
    case V2F_E_FORMAT: return "bad file format";
    case V2F_E_UNSUPPORTED: return "unsupported";
    case V2F_E_MODEL: return "bad model file";
    case V2F_E_BACKEND: return "backend (libtorch) error";
    case V2F_E_NO_MEMORY: return "out of memory";
    case V2F_E_CANCELLED: return "cancelled";
    case V2F_E_OVERFLOW: return "size overflow";
    case V2F_E_INTERNAL: return "internal error";
    case V2F_E_BUSY: return "busy (locked by another process or job)";
    }
    return "unknown status";
}

const char *v2f_last_error(void) { return tls_message; }

v2f_status v2f__fail(v2f_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tls_message, sizeof tls_message, fmt, ap);
    va_end(ap);
    v2f__log(V2F_LOG_DEBUG, "%s: %s", v2f_status_str(status), tls_message);
    return status;
}

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static v2f_log_fn log_fn;
static void *log_user;
static int32_t log_max = V2F_LOG_WARN;
/* Read without the lock so that a failure with no callback installed costs
 * no lock; written under it. */
static _Atomic int log_on;
/* Set while this thread runs the log callback: a v2f_* call made from the
 * callback that fails (or logs) would otherwise take log_lock again and
 * deadlock on the non-recursive mutex. */
static _Thread_local int in_log_callback;

void v2f_set_log_callback(v2f_log_fn fn, int32_t max_level, void *user)
{
    if (in_log_callback)   /* from inside the callback: ignored (see common.h) */
        return;
    pthread_mutex_lock(&log_lock);
    log_fn = fn;
    log_user = user;
    log_max = max_level;
    atomic_store(&log_on, fn != NULL);
    pthread_mutex_unlock(&log_lock);
}

void v2f__log(int32_t level, const char *fmt, ...)
{
    char buf[1024], saved[sizeof tls_message];
    va_list ap;
    if (!atomic_load_explicit(&log_on, memory_order_relaxed) || in_log_callback)
        return;
    pthread_mutex_lock(&log_lock);
    if (log_fn && level <= log_max) {
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        /* A failing call inside the callback must not replace the message
         * of the failure being logged. */
        memcpy(saved, tls_message, sizeof saved);
        in_log_callback = 1;
        log_fn(level, buf, log_user);
        in_log_callback = 0;
        memcpy(tls_message, saved, sizeof saved);
    }
    pthread_mutex_unlock(&log_lock);
}

size_t v2f__mul(size_t a, size_t b, int *ok)
{
    if (b != 0 && a > SIZE_MAX / b) {
        /* Saturate: a nested v2f__mul(v2f__mul(a, b, &ok), c, &ok) then
         * overflows again (c > 1) instead of resetting ok on 0 * c. */
        *ok = 0;
        return SIZE_MAX;
    }
    *ok = 1;
    return a * b;
}

uint64_t v2f__default_memory_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return 4ull << 30;   /* unknown: 4 GiB */
    return (uint64_t)pages * (uint64_t)page / 2;
}

v2f_status v2f__check_memory_cap(uint64_t cap, uint64_t need, const char *fn,
                                 const char *lever)
{
    if (need <= cap) return V2F_OK;
    return v2f__fail(V2F_E_NO_MEMORY,
                     "%s: this call needs about %llu MiB of working memory, over the "
                     "memory limit of %llu MiB (v2f_runtime_opts.memory_limit; %s)", fn,
                     (unsigned long long)(need >> 20), (unsigned long long)(cap >> 20),
                     lever);
}

size_t v2f_image_bytes(size_t n)
{
    int ok;
    size_t r = v2f__mul(n, V2F_IMAGE_BYTES, &ok);
    return ok ? r : 0;
}

v2f_status v2f__copy_opts(void *dst, size_t dst_size, const void *src,
                          const char *what)
{
    uint32_t given;
    if (!src)
        return V2F_OK;
    memcpy(&given, src, sizeof given);
    if (given < sizeof(uint32_t))
        return v2f__fail(V2F_E_INVALID_ARG,
                         "%s: struct_size is %u; call the matching "
                         "*_opts_init(&o, sizeof o) first", what, given);
    memcpy(dst, src, given < dst_size ? given : dst_size);
    /* Keep the library's own size so later reads see a full struct. */
    memcpy(dst, &(uint32_t){(uint32_t)dst_size}, sizeof(uint32_t));
    return V2F_OK;
}
