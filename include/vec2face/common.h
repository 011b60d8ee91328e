/*
 * vec2face/common.h - what every module of libvec2face shares: versions,
 * status codes and errors, the log and progress callbacks, sizes, and
 * library-owned arrays (.npy, .npz). The rules below hold for every call;
 * the other headers refer to them instead of repeating them.
 *
 * Conventions
 *   Errors     Every fallible call returns v2f_status (0 = V2F_OK) and is
 *              marked V2F_NODISCARD. On failure, v2f_last_error() gives
 *              this thread's message; it is never NULL, owned by the
 *              library, and may be stale after a success: decide by the
 *              status, never by the message. On failure every out-pointer
 *              is set to NULL/0 and no partial output file is left behind.
 *   Ownership  The caller owns every buffer it passes. Objects the library
 *              allocates come with their own free function; every *_free
 *              accepts NULL.
 *   Sizes      The struct_size protocol. Every struct passed to or filled
 *              by the library starts with uint32_t struct_size, the size
 *              of the struct as the caller compiled it, so that callers
 *              and libraries of other versions agree on which fields
 *              exist:
 *              - option structs (*_opts, v2f_dataset_recipe) are filled by
 *                their *_init(&o, sizeof o), which sets struct_size and
 *                every default; the library reads only the fields inside
 *                struct_size and takes the defaults for the rest; NULL
 *                options mean all defaults;
 *              - structs the library fills (*_info, *_stats, *_report,
 *                *_losses, *_summary): the caller sets struct_size =
 *                sizeof s before the call; the library writes only the
 *                fields inside it.
 *              A struct_size too small for the call is V2F_E_INVALID_ARG.
 *   Callbacks  Progress callbacks run on the thread that made the call,
 *              before the call returns. The log callback is process-global,
 *              serialised (one message at a time), and runs on the thread
 *              that logs: the calling thread, or a worker the call started
 *              and joins (v2f_dataset_job_run's writer). A log callback
 *              must not call v2f_* functions; if it does, nothing
 *              deadlocks: such a nested call's own log messages are
 *              dropped, v2f_set_log_callback is ignored, and the thread's
 *              v2f_last_error() is kept.
 *   Threads    A v2f_model is immutable after load and may be used from
 *              several threads at once; handles documented as
 *              single-threaded (v2f_attrop, v2f_dataset_job) and v2f_array
 *              objects are not synchronised.
 *   Images     uint8 RGB, row-major HWC, 112x112x3 = 37632 bytes per image,
 *              images contiguous in a batch. Raw float images are float32
 *              planar CHW [3][112][112] per image, about [-1, 1].
 *   Vectors    float32 [n][512], row-major, not normalised.
 *   Randomness Counter-based, keyed by (seed, identity index, image index):
 *              the same key gives the same masks whatever the batch size,
 *              thread count or call split.
 *   Batches    Images of the same key may differ by at most 1/255 per
 *              pixel between batch sizes or call splits (float reductions
 *              may round differently for other batch shapes).
 *
 * Stability
 *   Everything declared without V2F_EXPERIMENTAL is stable: within a major
 *   version (and, before 1.0, within a minor version) its names,
 *   signatures, struct layouts, values and documented behaviour do not
 *   change, and new fields only ever go at the end of a struct (the
 *   struct_size protocol). Items inside `#ifdef V2F_EXPERIMENTAL` are
 *   still moving: unmeasured (V2F_PRECISION_FP16) or likely to change
 *   shape (v2f_attrop_gradient). They are exported by every build, but
 *   declared only when the includer defines V2F_EXPERIMENTAL before the
 *   first #include, accepting that they may change or go in any release.
 */
#ifndef VEC2FACE_COMMON_H
#define VEC2FACE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#  define V2F_API __attribute__((visibility("default")))
#else
#  define V2F_API
#endif

/* The status of a fallible call is its result: ignoring it warns. */
#if defined(__cplusplus) && __cplusplus >= 201703L
#  define V2F_NODISCARD [[nodiscard]]
#elif defined(__GNUC__)
#  define V2F_NODISCARD __attribute__((warn_unused_result))
#else
#  define V2F_NODISCARD
#endif

/* ------------------------------------------------------------------ */
/* Versions                                                             */
/* ------------------------------------------------------------------ */

/* V2F_VERSION_MAJOR, _MINOR, _PATCH: generated from the build's
 * project(VERSION), so the version is written once. */
#include "vec2face/vec2face_version.h"

/** Bumped whenever a released struct layout or signature changes.
 *  @since 0.1 */
#define V2F_ABI_VERSION 0

/** Library version string, e.g. "0.1.0". Static storage. @since 0.1 */
V2F_API const char *v2f_version(void);
/** ABI version of the loaded library; bindings compare it with theirs
 *  and refuse a mismatch. @since 0.1 */
V2F_API int32_t v2f_abi_version(void);

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

/** Status codes. Pinned forever once released. @since 0.1 */
typedef enum v2f_status {
    V2F_OK = 0,
    V2F_E_INVALID_ARG = 1,   /* NULL pointer, bad size, bad option, NaN input */
    V2F_E_IO = 2,            /* file missing, unreadable, unwritable */
    V2F_E_FORMAT = 3,        /* file content malformed or of another type */
    V2F_E_UNSUPPORTED = 4,   /* missing model part, device, precision */
    V2F_E_MODEL = 5,         /* model file broken or of the wrong kind */
    V2F_E_BACKEND = 6,       /* libtorch failed at run time */
    V2F_E_NO_MEMORY = 7,
    V2F_E_CANCELLED = 8,     /* a progress callback asked to stop */
    V2F_E_OVERFLOW = 9,      /* a size computation would overflow */
    V2F_E_INTERNAL = 10,
    V2F_E_BUSY = 11          /* @since 0.3: the dataset shard is being made
                                by another process or job (its lock is
                                held; see v2f_dataset_job_run) */
} v2f_status;

/** Short constant description of a status ("invalid argument").
 *  Unknown codes give "unknown status". @since 0.1 */
V2F_API const char *v2f_status_str(v2f_status status);

/** This thread's message for its last failure. Never NULL; "" when there
 *  was none. Valid until the next failing call on this thread. @since 0.1 */
V2F_API const char *v2f_last_error(void);

/** Log levels for the log callback. @since 0.1 */
typedef enum v2f_log_level {
    V2F_LOG_ERROR = 0,
    V2F_LOG_WARN = 1,
    V2F_LOG_INFO = 2,
    V2F_LOG_DEBUG = 3
} v2f_log_level;

/** Log callback (see "Callbacks" above); msg is valid only during the
 *  call. @since 0.1 */
typedef void (*v2f_log_fn)(int32_t level, const char *msg, void *user);

/** Install the process-global log callback (NULL: no logging) and the
 *  most verbose level passed to it. Thread-safe; ignored when called from
 *  inside the log callback. @since 0.1 */
V2F_API void v2f_set_log_callback(v2f_log_fn fn, int32_t max_level,
                                  void *user);

/** Progress callback (see "Callbacks" above): return non-zero to cancel
 *  the call, which then fails with V2F_E_CANCELLED. @since 0.1 */
typedef int (*v2f_progress_fn)(void *user, uint64_t done, uint64_t total);

/* ------------------------------------------------------------------ */
/* Sizes                                                                */
/* ------------------------------------------------------------------ */

/** Vector length, image side, bytes of one RGB image, generator tokens,
 *  condition length. @since 0.1 */
#define V2F_VECTOR_DIM 512
#define V2F_IMAGE_SIZE 112
#define V2F_IMAGE_BYTES (112 * 112 * 3)
#define V2F_NUM_TOKENS 49
#define V2F_COND_DIM 768

/** Bytes needed for n uint8 RGB images; 0 when that overflows size_t.
 *  @since 0.1 */
V2F_API size_t v2f_image_bytes(size_t n);

/* ------------------------------------------------------------------ */
/* Arrays (.npy, .npz)                                                  */
/* ------------------------------------------------------------------ */

/** A library-owned 2-D float32 array: rows x cols, row-major. @since 0.1 */
typedef struct v2f_array v2f_array;

/** Read a 2-D (or 1-D, as one row) little-endian float32 C-order .npy.
 *  Other dtypes, Fortran order, big-endian data, truncated or hostile
 *  headers, empty arrays and trailing bytes are V2F_E_FORMAT with the
 *  reason; an unreadable file is V2F_E_IO. @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_npy_read(const char *path, v2f_array **out);

/** Read member `name` (with or without ".npy") of an .npz archive
 *  (stored or deflated members, zip64 included). A missing member is
 *  V2F_E_FORMAT and the message lists the members. @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_npz_read(const char *path, const char *name,
                                v2f_array **out);

/** Write a 2-D float32 .npy (format 1.0), atomically. rows and cols must
 *  be > 0 (V2F_E_INVALID_ARG); a byte count that overflows is
 *  V2F_E_OVERFLOW. @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_npy_write(const char *path, const float *data,
                                 size_t rows, size_t cols);

/** Rows and columns of an array (0 for NULL). @since 0.1 */
V2F_API size_t v2f_array_rows(const v2f_array *a);
V2F_API size_t v2f_array_cols(const v2f_array *a);
/** rows * cols floats, row-major; valid until v2f_array_free.
 *  @since 0.1 */
V2F_API const float *v2f_array_data(const v2f_array *a);
/** Free an array; NULL is a no-op. @since 0.1 */
V2F_API void v2f_array_free(v2f_array *a);

#ifdef __cplusplus
}
#endif

#endif /* VEC2FACE_COMMON_H */
