/*
 * vec2face.h - the public C API of libvec2face.
 *
 * libvec2face turns face-recognition feature vectors (512-d, ArcFace style)
 * into 112x112 face images with the Vec2Face+ networks (arXiv 2507.17192),
 * run by libtorch from TorchScript files that the converter
 * (`python3 -m vec2face.export`) writes.
 *
 * Lifecycle
 *   v2f_model_load()  -> v2f_model *      (open a model directory)
 *   v2f_generate()    -> uint8 RGB images (any number of times, any thread)
 *   v2f_model_free()
 *
 * Usage
 *   v2f_model *m = NULL;
 *   if (v2f_model_load("models/tiny", NULL, &m) != V2F_OK) {
 *       fprintf(stderr, "%s\n", v2f_last_error());
 *       return 1;
 *   }
 *   float vecs[4 * V2F_VECTOR_DIM] = {...};           // 4 identity vectors
 *   uint8_t *rgb = malloc(v2f_image_bytes(4));        // 4 x 112x112x3
 *   v2f_gen_opts o;
 *   v2f_gen_opts_init(&o, sizeof o);
 *   o.seed = 42;
 *   if (v2f_generate(m, vecs, 4, &o, rgb) == V2F_OK)
 *       v2f_image_write("face0.png", rgb, 112, 112, NULL);
 *   free(rgb);
 *   v2f_model_free(m);
 *
 * Conventions
 *   Errors     Every fallible call returns v2f_status (0 = V2F_OK). On
 *              failure, v2f_last_error() gives this thread's message; it is
 *              never NULL, owned by the library, and may be stale after a
 *              success: decide by the status, never by the message. On
 *              failure every out-pointer is set to NULL/0 and no partial
 *              output file is left behind.
 *   Ownership  The caller owns every buffer it passes. Objects the library
 *              allocates come with their own free function; every *_free
 *              accepts NULL.
 *   Options    Structs whose first field is struct_size, filled by
 *              v2f_*_opts_init(&o, sizeof o). NULL means defaults. The
 *              library reads only the fields inside struct_size.
 *   Threads    A v2f_model is immutable after load and may be used from
 *              several threads at once. v2f_array objects are not
 *              synchronised. The log callback is process-global and called
 *              under a lock.
 *   Images     uint8 RGB, row-major HWC, 112x112x3 = 37632 bytes per image,
 *              images contiguous in a batch. Raw float images are float32
 *              planar CHW [3][112][112] per image, about [-1, 1].
 *   Vectors    float32 [n][512], row-major, not normalised.
 *   Randomness Counter-based, keyed by (seed, identity index, image index):
 *              the same key gives the same masks whatever the batch size,
 *              thread count or call split.
 */
#ifndef VEC2FACE_H
#define VEC2FACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define V2F_API
#elif defined(__GNUC__)
#  define V2F_API __attribute__((visibility("default")))
#else
#  define V2F_API
#endif

/* ------------------------------------------------------------------ */
/* Versions                                                             */
/* ------------------------------------------------------------------ */

#define V2F_VERSION_MAJOR 0
#define V2F_VERSION_MINOR 3
#define V2F_VERSION_PATCH 0
/* Bumped whenever a released struct layout or signature changes. */
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

/** Log levels for the log callback. */
typedef enum v2f_log_level {
    V2F_LOG_ERROR = 0,
    V2F_LOG_WARN = 1,
    V2F_LOG_INFO = 2,
    V2F_LOG_DEBUG = 3
} v2f_log_level;

/** Log callback; msg is valid only during the call. */
typedef void (*v2f_log_fn)(int32_t level, const char *msg, void *user);

/** Install the process-global log callback (NULL: no logging) and the
 *  most verbose level passed to it. Thread-safe; calls are serialised.
 *  @since 0.1 */
V2F_API void v2f_set_log_callback(v2f_log_fn fn, int32_t max_level,
                                  void *user);

/** Progress callback: return non-zero to cancel (V2F_E_CANCELLED). */
typedef int (*v2f_progress_fn)(void *user, uint64_t done, uint64_t total);

/* ------------------------------------------------------------------ */
/* Sizes                                                                */
/* ------------------------------------------------------------------ */

#define V2F_VECTOR_DIM 512
#define V2F_IMAGE_SIZE 112
#define V2F_IMAGE_BYTES (112 * 112 * 3)
#define V2F_NUM_TOKENS 49
#define V2F_COND_DIM 768

/** Bytes needed for n uint8 RGB images; 0 when that overflows size_t.
 *  @since 0.1 */
V2F_API size_t v2f_image_bytes(size_t n);

/* ------------------------------------------------------------------ */
/* Models                                                               */
/* ------------------------------------------------------------------ */

typedef struct v2f_model v2f_model;
/** A library-owned 2-D float32 array (see "Arrays" below). */
typedef struct v2f_array v2f_array;

/** Model parts: one TorchScript file each in the model directory. */
typedef enum v2f_part {
    V2F_PART_GENERATOR = 0,      /* generator.pt */
    V2F_PART_POSE_GENERATOR = 1, /* pose_generator.pt */
    V2F_PART_POSE_COND = 2,      /* pose_cond.pt (landmark encoder) */
    V2F_PART_ARCFACE = 3,        /* arcface.pt */
    V2F_PART_MAGFACE = 4,        /* magface.pt */
    V2F_PART_HEADPOSE = 5,       /* headpose.pt */
    V2F_PART_COUNT = 6
} v2f_part;

typedef enum v2f_precision {
    V2F_PRECISION_FP32 = 0,
    /** @since 0.2: the generators (generator.pt, pose_generator.pt) run in
     *  bfloat16, with LayerNorm, GroupNorm and attention-score statistics
     *  kept in float32; inputs and outputs stay float32 at the API; the
     *  identity, quality and pose networks and AttrOP's autograd stay in
     *  float32. Needs a CPU with AVX512-BF16 or AMX-BF16 (else
     *  V2F_E_UNSUPPORTED) or a CUDA device. Images differ from float32 by
     *  a few levels (about 35-45 dB PSNR). On CPUs with AVX-512 the image
     *  decoder's GroupNorm + swish runs fused and channels-last (0.3). */
    V2F_PRECISION_BF16 = 1,
    /** @since 0.3: the generators run in float16 on a CUDA device, with the
     *  same float32 statistics as bf16; elsewhere V2F_E_UNSUPPORTED (CPUs
     *  have no fast float16). Not yet measured on a GPU. */
    V2F_PRECISION_FP16 = 2
} v2f_precision;

/** Whether a model can run AttrOP (v2f_runtime_opts.attrop). @since 0.3 */
typedef enum v2f_attrop_mode {
    /** Default: every part is held twice, optimised for inference and as
     *  loaded (float32, for AttrOP's autograd). */
    V2F_ATTROP_ENABLED = 0,
    /** Only the inference copy is kept: less memory (base generator on
     *  CPU, batch 8: peak RSS 1.5 instead of 1.9 GiB), and
     *  v2f_attrop_new and dataset jobs with attrop_images (at
     *  v2f_dataset_job_run, on the first AttrOP image) fail with
     *  V2F_E_UNSUPPORTED naming this option. Generation and the
     *  estimators give the same bytes as with V2F_ATTROP_ENABLED. */
    V2F_ATTROP_DISABLED = 1
} v2f_attrop_mode;

/** Runtime options for v2f_model_load. @since 0.1 */
typedef struct v2f_runtime_opts {
    uint32_t struct_size;
    /** "cpu" (default when NULL) or "cuda:N" when the linked libtorch has
     *  CUDA; anything else is V2F_E_UNSUPPORTED or V2F_E_INVALID_ARG. */
    const char *device;
    /** Intra-op threads; 0 = the CPUs this process may run on (its
     *  affinity mask). Note: libtorch's thread pool is process-wide, so
     *  the last load sets it. */
    int32_t threads;
    /** v2f_precision: V2F_PRECISION_FP32 (default) or, since 0.2,
     *  V2F_PRECISION_BF16 where the device supports it. */
    int32_t precision;
    /* ---- @since 0.2 ---- */
    /** Largest accepted part file, and the most its zip entries may
     *  unpack to, in bytes; 0 (default): 16 GiB. Checked with the rest of
     *  the archive's structure before libtorch reads the file (a bigger
     *  file is V2F_E_MODEL naming it and this setting). */
    uint64_t max_model_bytes;
    /** Memory cap of one call on this model, in bytes: the working memory
     *  a call would need (tensors of one batch, internal copies) is
     *  estimated before anything is allocated, and a call over the cap
     *  fails with V2F_E_NO_MEMORY naming the need, the cap and the
     *  option that lowers it (usually batch_size). 0 (default): half of
     *  the physical memory; UINT64_MAX: no cap. Calls without a model use
     *  the default cap. The estimate counts host memory with a per-image
     *  figure measured on CPU (64 MiB per generated image, 32 MiB per
     *  estimator image); it does not query a GPU's memory. Since 0.3 it
     *  also bounds the default batch size (v2f_model_info.
     *  default_batch_size) and the estimators' batch (16 images, fewer
     *  under a smaller cap instead of failing). */
    uint64_t memory_limit;
    /* ---- @since 0.3 ---- */
    /** v2f_attrop_mode: V2F_ATTROP_ENABLED (default) or
     *  V2F_ATTROP_DISABLED to load without the autograd copies of the
     *  networks; other values are V2F_E_INVALID_ARG. */
    int32_t attrop;
} v2f_runtime_opts;

/** Fill o with defaults. size must be sizeof *o as the caller compiled
 *  it. @since 0.1 */
V2F_API void v2f_runtime_opts_init(v2f_runtime_opts *o, size_t size);

/** Open a model directory holding any subset of the six part files.
 *  A missing part disables the calls that need it; a present but broken
 *  or mismatched file fails the load naming the file and the reason.
 *  At least one part must be present.
 *  @param dir   directory path
 *  @param opts  runtime options or NULL
 *  @param out   receives the model (NULL on failure)
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_IO (no such directory, no part),
 *          V2F_E_MODEL, V2F_E_UNSUPPORTED (device, precision),
 *          V2F_E_BACKEND, V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_API v2f_status v2f_model_load(const char *dir,
                                  const v2f_runtime_opts *opts,
                                  v2f_model **out);

/** Free a model; NULL is a no-op. No call may be using it. @since 0.1 */
V2F_API void v2f_model_free(v2f_model *model);

/** What a model holds. @since 0.1 */
typedef struct v2f_model_info {
    uint32_t struct_size;
    uint32_t parts;           /* bit (1u << v2f_part) set when present */
    int32_t vector_dim;       /* 512 */
    int32_t image_size;       /* 112 */
    int32_t cond_dim;         /* 768 */
    int32_t threads;          /* intra-op threads in use */
    int32_t precision;        /* v2f_precision */
    char device[32];          /* "cpu", "cuda:0", ... */
    /* ---- @since 0.3 ---- */
    /** Images per forward pass when a batch_size option is 0
     *  (v2f_gen_opts, v2f_dataset_recipe): on CPU 8 (measured: images/s
     *  is flat from 4 to 32 at float32 and best at 8 in bfloat16, and
     *  memory grows with the batch); on CUDA 32 (not measured: there is
     *  no GPU here, and a CPU-only libtorch has no CUDA free-memory
     *  query); then lowered, down to 1, until one batch of
     *  v2f_generate_pose fits memory_limit with the per-image estimate
     *  of the memory check (64 MiB + buffers per image). A cap too small
     *  for even one image leaves 1, and the call then fails with
     *  V2F_E_NO_MEMORY as before. */
    int32_t default_batch_size;
    /** v2f_attrop_mode the model was loaded with. */
    int32_t attrop;
} v2f_model_info;

/** Fill info (info->struct_size must be set by the caller). @since 0.1 */
V2F_API v2f_status v2f_model_info_get(const v2f_model *model,
                                      v2f_model_info *info);

/** What one part file carries (its metadata). @since 0.1 */
typedef struct v2f_part_info {
    uint32_t struct_size;
    int32_t present;          /* 0 when the file was absent */
    int32_t format_version;
    char kind[32];            /* "generator", "pose_generator", ... */
    char source_sha256[72];   /* of the official checkpoint, or "random:..." */
    char exporter[32];        /* exporter version */
    /* Generator parts only (zero otherwise): */
    float mask_ratio_min, mask_ratio_max, mask_ratio_mu, mask_ratio_std;
    int32_t num_dropped;      /* ceil(49 * mask_ratio_min) */
    int32_t lora_rank;        /* 0 when no LoRA was merged */
    float lora_alpha;
} v2f_part_info;

/** Fill info for one part (info->struct_size must be set). @since 0.1 */
V2F_API v2f_status v2f_model_part_info(const v2f_model *model, int32_t part,
                                       v2f_part_info *info);

/* ------------------------------------------------------------------ */
/* Generation                                                           */
/* ------------------------------------------------------------------ */

/** Options for v2f_generate and v2f_generate_pose. @since 0.1 */
typedef struct v2f_gen_opts {
    uint32_t struct_size;
    /** Seed of the counter-based randomness. */
    uint64_t seed;
    /** Identity index of each vector [n]; NULL: vector i has index
     *  identity_base + i. */
    const uint64_t *identity_index;
    uint64_t identity_base;
    /** Image index of each vector [n]; NULL: all use image_base. */
    const uint64_t *image_index;
    uint64_t image_base;
    /** Mask ratio distribution: a normal(mu, std) truncated to [min, max].
     *  Negative values (the default) take the model's own defaults.
     *  mask_ratio_min must equal the model's: it fixes the dropped count. */
    float mask_ratio_min, mask_ratio_max, mask_ratio_mu, mask_ratio_std;
    /** Explicit masks [n][49] of 0/1 bytes for exact replay (both or
     *  neither): dropped must be a subset of masked and hold exactly the
     *  model's num_dropped ones per image. NULL: sampled. */
    const uint8_t *dropped;
    const uint8_t *masked;
    /** Images per forward pass; 0 = the model's default_batch_size
     *  (v2f_model_info; before 0.3 always 16). Images do not depend on
     *  it beyond the batch-split contract (at most 1/255 per pixel). */
    int32_t batch_size;
    /** Optional raw float output [n][3][112][112] (CHW), or NULL. */
    float *raw_out;
    /** Optional progress (images done, total) and its user pointer. */
    v2f_progress_fn progress;
    void *progress_user;
} v2f_gen_opts;

V2F_API void v2f_gen_opts_init(v2f_gen_opts *o, size_t size);

/** Sample the masks the generator would use for n images: for each image
 *  a mask ratio r from the truncated normal, then ceil(49 r) masked tokens
 *  of which the model's num_dropped are dropped. Same keys, same masks.
 *  @param part      V2F_PART_GENERATOR or V2F_PART_POSE_GENERATOR
 *  @param dropped_out, masked_out  [n][49] bytes (0/1)
 *  @since 0.1 */
V2F_API v2f_status v2f_sample_masks(const v2f_model *model, int32_t part,
                                    size_t n, const v2f_gen_opts *opts,
                                    uint8_t *dropped_out,
                                    uint8_t *masked_out);

/** Generate n images from n identity vectors with the plain generator.
 *  @param vectors  [n][512] float32, finite
 *  @param rgb_out  v2f_image_bytes(n) bytes
 *  Any n: the images go through the generator batch_size at a time.
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, n == 0, non-finite value with
 *          its index, bad masks), V2F_E_OVERFLOW, V2F_E_UNSUPPORTED (no
 *          generator.pt), V2F_E_BACKEND, V2F_E_NO_MEMORY (also, before
 *          anything is allocated, when one batch would need more than the
 *          model's memory_limit: lower batch_size), V2F_E_CANCELLED
 *  @since 0.1 */
V2F_API v2f_status v2f_generate(const v2f_model *model, const float *vectors,
                                size_t n, const v2f_gen_opts *opts,
                                uint8_t *rgb_out);

/** Generate n images whose pose follows n landmark images: landmark
 *  encoder (pose_cond.pt) -> condition -> pose generator
 *  (pose_generator.pt), with the pose generator's mask defaults.
 *  As the official pose_control.py does, each landmark pixel is scaled to
 *  [-1,1] (x/255, then (x-0.5)/0.5) and rounded to the nearest float16
 *  value before the landmark encoder, which runs in float32 in every
 *  precision: pure 0/255 pixels (v2f_render_landmarks) are exact, grey
 *  levels (JPEG landmark maps) move by at most 2^-12.
 *  @param landmarks  n uint8 RGB 112x112 landmark images (see
 *                    v2f_render_landmarks)
 *  @since 0.1 */
V2F_API v2f_status v2f_generate_pose(const v2f_model *model,
                                     const float *vectors,
                                     const uint8_t *landmarks, size_t n,
                                     const v2f_gen_opts *opts,
                                     uint8_t *rgb_out);

/** Draw n landmark images in the training style: black 112x112, filled
 *  dots of radius 3 px; eyes red, nose tip green, mouth corners blue.
 *  @param points5  [n][5][2] float (x, y) pixel coordinates in the order
 *                  left eye, right eye, nose tip, left mouth corner, right
 *                  mouth corner; finite; dots may be partly off-image.
 *  @param rgb_out  v2f_image_bytes(n) bytes
 *  @since 0.1 */
V2F_API v2f_status v2f_render_landmarks(const float *points5, size_t n,
                                        uint8_t *rgb_out);

/** Convert raw float images (CHW, about [-1,1]) to uint8 HWC RGB the way
 *  the official code does: clip(((x + 1) / 2) * 255, 0, 255), truncated.
 *  n = 0 converts nothing and returns V2F_OK.
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL), V2F_E_OVERFLOW
 *  @since 0.1 */
V2F_API v2f_status v2f_raw_to_rgb(const float *raw, size_t n,
                                  uint8_t *rgb_out);

/* ------------------------------------------------------------------ */
/* Estimators                                                           */
/* ------------------------------------------------------------------ */

/** Identity features of n aligned 112x112 RGB face crops with ArcFace or
 *  MagFace (which = V2F_PART_ARCFACE or V2F_PART_MAGFACE), preprocessed as
 *  the official code does: RGB, x / 127.5 - 1.
 *  @param features_out  [n][512] float32, not normalised
 *  Images go through the network 16 at a time, so n may be large.
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_OVERFLOW, V2F_E_UNSUPPORTED
 *          (the part's file is absent; the message names it), V2F_E_BACKEND,
 *          V2F_E_NO_MEMORY (a batch needs more than the model's
 *          memory_limit)
 *  @since 0.1 */
V2F_API v2f_status v2f_extract_features(const v2f_model *model, int32_t which,
                                        const uint8_t *rgb, size_t n,
                                        float *features_out);

/** Quality of n face crops: the L2 norm of the MagFace feature (higher is
 *  better; AttrOP's default target is 24).
 *  @param quality_out  [n] float32
 *  @since 0.1 */
V2F_API v2f_status v2f_estimate_quality(const v2f_model *model,
                                        const uint8_t *rgb, size_t n,
                                        float *quality_out);

/** Head pose of n face crops with 6DRepNet, fed as the official AttrOP
 *  feeds it: BGR channel order, x / 255 in [0,1], 112x112.
 *  @param angles_out  [n][3] float32 degrees: pitch, yaw, roll (index 1 is
 *                     the yaw AttrOP uses)
 *  @since 0.1 */
V2F_API v2f_status v2f_estimate_pose(const v2f_model *model,
                                     const uint8_t *rgb, size_t n,
                                     float *angles_out);

/* ------------------------------------------------------------------ */
/* AttrOP: attribute optimisation of identity vectors                   */
/* ------------------------------------------------------------------ */

/** An AttrOP run: a copy of n identity vectors optimised with Adam through
 *  the generator and the estimators (official `gen_image`). Single-threaded:
 *  use one handle from one thread at a time (the model may be shared). */
typedef struct v2f_attrop v2f_attrop;

typedef struct v2f_attrop_opts {
    uint32_t struct_size;
    float lr;               /* Adam learning rate (0.1) */
    float target_sim;       /* identity threshold on 1 - cos (0.3) */
    float quality_target;   /* MagFace norm target (24); 0 = no quality loss */
    float yaw_target;       /* |yaw| target in degrees; negative = no pose
                               loss (default -1) */
    int32_t identity_model; /* V2F_PART_ARCFACE (default) or V2F_PART_MAGFACE */
    int32_t quality_model;  /* V2F_PART_MAGFACE (default) or V2F_PART_ARCFACE */
    int32_t max_retries;    /* steps per v2f_attrop_run that may not count (30) */
    /** Mask keys: step k of vector i uses (seed, identity i, step k) in a
     *  stream of its own; the final images use (seed, identity i,
     *  image_base), the keys v2f_generate would use. */
    uint64_t seed;
    const uint64_t *identity_index;  /* [n] or NULL: identity_base + i */
    uint64_t identity_base;
    uint64_t image_base;
    /** Pose-conditioned generation inside the loop (pose_generator.pt):
     *  landmark images [n] (needs pose_cond.pt) or conditions [n][768];
     *  at most one; NULL = plain generator. */
    const uint8_t *landmarks;
    const float *condition;
    /** Explicit masks [n][49] used for every step and the final images
     *  (exact replay); both or neither. NULL: sampled. */
    const uint8_t *dropped;
    const uint8_t *masked;
} v2f_attrop_opts;

V2F_API void v2f_attrop_opts_init(v2f_attrop_opts *o, size_t size);

/** Losses of the last optimiser step and counts for the call. */
typedef struct v2f_attrop_losses {
    uint32_t struct_size;
    float identity;         /* batch means, as the official code computes */
    float quality;
    float pose;
    float total;            /* identity + quality + pose */
    int32_t counted;        /* 1: the last step counted; 0: it exceeded a
                               threshold (pose > 5, identity > target_sim,
                               quality > 1) and was retried */
    int32_t steps;          /* optimiser steps taken by this call */
    int32_t retries;        /* steps of this call that did not count */
    /** Optional caller arrays [n] for per-vector losses of the last step. */
    float *identity_per_vector;
    float *quality_per_vector;
    float *pose_per_vector;
} v2f_attrop_losses;

/** Start AttrOP on n vectors.
 *  @param vectors        [n][512], finite; copied
 *  @param class_vectors  [n][512] identity centres for the hinged identity
 *                        loss, or NULL (loss against the input vectors)
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_UNSUPPORTED (a needed part is
 *          absent; the message names the file; since 0.3 also a model
 *          loaded with v2f_runtime_opts.attrop = V2F_ATTROP_DISABLED),
 *          V2F_E_BACKEND,
 *          V2F_E_NO_MEMORY (n vectors in one step would need more than the
 *          model's memory_limit: use fewer per handle), ...
 *  @since 0.1 */
V2F_API v2f_status v2f_attrop_new(const v2f_model *model, const float *vectors,
                                  const float *class_vectors, size_t n,
                                  const v2f_attrop_opts *opts,
                                  v2f_attrop **out);

/** One Adam step on the vectors with fresh masks. losses may be NULL
 *  (else set losses->struct_size). @since 0.1 */
V2F_API v2f_status v2f_attrop_step(v2f_attrop *h, v2f_attrop_losses *losses);

/** The official loop: `iterations` counted steps; a step whose losses
 *  exceed the thresholds does not count, at most max_retries times per
 *  call, so up to iterations + max_retries optimiser steps.
 *  @since 0.1 */
V2F_API v2f_status v2f_attrop_run(v2f_attrop *h, int32_t iterations,
                                  v2f_attrop_losses *losses);

/** The optimised vectors [n][512]. @since 0.1 */
V2F_API v2f_status v2f_attrop_vectors(const v2f_attrop *h, float *out);

/** Gradient of the last step's total loss with respect to the vectors
 *  [n][512] (before Adam's update). @since 0.1 */
V2F_API v2f_status v2f_attrop_gradient(const v2f_attrop *h, float *out);

/** Final images of the optimised vectors with fresh masks, as the official
 *  code makes them: the loop's generator WITHOUT the pose condition,
 *  clipped to [-1,1], converted to uint8.
 *  @param rgb_out  v2f_image_bytes(n) bytes
 *  @since 0.1 */
V2F_API v2f_status v2f_attrop_images(const v2f_attrop *h, uint8_t *rgb_out);

/** Free; NULL is a no-op. @since 0.1 */
V2F_API void v2f_attrop_free(v2f_attrop *h);

/* ------------------------------------------------------------------ */
/* Identities: perturbation, sampling, centres, separability            */
/* ------------------------------------------------------------------ */

/* Vectors here are float32 [n][dim] row-major (dim is 512 for ArcFace
 * features; smaller dims are accepted). Similarities are cosines. All
 * randomness is counter-based: perturbation noise is keyed by (seed,
 * identity index, image index); sampled candidate k is keyed by (seed, k).
 * Every cosine is computed as one float FMA chain in index order over unit
 * vectors, so results are bitwise identical for any thread count, block
 * size or call split on the same build. */

/** Options for v2f_perturb. @since 0.1 */
typedef struct v2f_perturb_opts {
    uint32_t struct_size;
    /** Seed of the counter-based randomness. */
    uint64_t seed;
    /** Vector length; 0 (default) = V2F_VECTOR_DIM. */
    uint32_t dim;
    /** Images per input vector (default 1): out row i * images_per_vector
     *  + j is image j of vector i. */
    uint32_t images_per_vector;
    /** Identity index of each input vector [n]; NULL: identity_base + i. */
    const uint64_t *identity_index;
    uint64_t identity_base;
    /** Image index of image j of vector i: (image_index ? image_index[i] :
     *  image_base) + j. */
    const uint64_t *image_index;
    uint64_t image_base;
    /** Noise scale mixture: eps_count values eps[k] >= 0 drawn with
     *  weights eps_shares[k] >= 0 (normalised; NULL: equal). eps_count 0
     *  (default; eps is then ignored): 0.3/0.5/0.7 with shares
     *  0.4/0.4/0.2, as the official dataset script. At most 64 values;
     *  a negative count, or a positive one with eps NULL, is
     *  V2F_E_INVALID_ARG. */
    const float *eps;
    const float *eps_shares;
    int32_t eps_count;
    /** Optional [n * images_per_vector] output: the eps of each image. */
    float *eps_out;
} v2f_perturb_opts;

/** Fill o with defaults; size must be sizeof *o. @since 0.1 */
V2F_API void v2f_perturb_opts_init(v2f_perturb_opts *o, size_t size);

/** Intra-class variation: out = v + N(0, eps^2 I), rescaled to |v|, with
 *  eps drawn per image from the mixture. Image (identity, image) gets the
 *  same output whatever n, the batch split or the thread.
 *  @param vectors  [n][dim] float32, finite, non-zero
 *  @param n        number of input vectors, > 0
 *  @param opts     options or NULL (seed 0, dim 512, default mixture)
 *  @param out      [n * images_per_vector][dim] float32, caller-owned; may
 *                  equal vectors when images_per_vector is 1
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, n == 0, non-finite or zero
 *          vector with its index, bad eps or shares), V2F_E_OVERFLOW
 *  @since 0.1 */
V2F_API v2f_status v2f_perturb(const float *vectors, size_t n,
                               const v2f_perturb_opts *opts, float *out);

/** A model of identity vectors: a multivariate normal fitted to real
 *  identity centres, or random directions with a normal norm. Immutable
 *  after creation; may be used from several threads at once. */
typedef struct v2f_sampler v2f_sampler;

/** Options for v2f_sampler_fit. @since 0.1 */
typedef struct v2f_sampler_fit_opts {
    uint32_t struct_size;
    /** Shrinkage a in [0, 1]: the covariance used is (1 - a) S + a (tr S /
     *  dim) I, which is positive definite for any a > 0 (unless all rows
     *  are equal). 0 (default): S itself, which must be positive definite:
     *  fewer rows than dim + 1, or a rank-deficient S, is an error. */
    float shrinkage;
} v2f_sampler_fit_opts;

/** Fill o with defaults; size must be sizeof *o. @since 0.1 */
V2F_API void v2f_sampler_fit_opts_init(v2f_sampler_fit_opts *o, size_t size);

/** Fit mean and full covariance (1/(n-1) S) of real identity centre
 *  features. Sampling N(mean, cov) in the full dim is the same distribution
 *  as sampling in the full PCA space of the official answer. The covariance
 *  is rounded to float32 before its Cholesky factor is taken, so a saved
 *  and loaded sampler draws bitwise the same vectors.
 *  @param centres  [n][dim] float32, finite
 *  @param n, dim   n >= 2, dim >= 1
 *  @param out      receives the sampler (NULL on failure); free it with
 *                  v2f_sampler_free
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, sizes, non-finite value with
 *          its row, shrinkage outside [0, 1], n <= dim without shrinkage,
 *          singular covariance with its rank hint), V2F_E_OVERFLOW,
 *          V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_API v2f_status v2f_sampler_fit(const float *centres, size_t n, size_t dim,
                                   const v2f_sampler_fit_opts *opts,
                                   v2f_sampler **out);

/** A sampler for when no real data exists: uniformly random directions
 *  with a norm drawn from N(norm_mean, norm_std^2) truncated to > 0
 *  (redrawn from the same stream while <= 0).
 *  @param dim        >= 1
 *  @param norm_mean  > 0, finite
 *  @param norm_std   >= 0, finite
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_API v2f_status v2f_sampler_new_isotropic(size_t dim, float norm_mean,
                                             float norm_std,
                                             v2f_sampler **out);

/** Save a sampler as .npz (atomically): members "meta" [1][8] (format
 *  version 1, kind 0 = gaussian / 1 = isotropic, dim, norm_mean,
 *  norm_std, shrinkage, rows fitted, 0), and for a gaussian "mean"
 *  [1][dim] and "cov" [dim][dim] (numpy: multivariate_normal(mean, cov)).
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_IO, V2F_E_OVERFLOW
 *  @since 0.1 */
V2F_API v2f_status v2f_sampler_save(const v2f_sampler *s, const char *path);

/** Load a sampler written by v2f_sampler_save (or by numpy with the same
 *  members). A cov that is not symmetric positive definite or members of
 *  the wrong shape are V2F_E_FORMAT.
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_IO, V2F_E_FORMAT,
 *          V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_API v2f_status v2f_sampler_load(const char *path, v2f_sampler **out);

/** Free a sampler; NULL is a no-op. @since 0.1 */
V2F_API void v2f_sampler_free(v2f_sampler *s);

/** The sampler's vector length (0 for NULL). @since 0.1 */
V2F_API size_t v2f_sampler_dim(const v2f_sampler *s);
/** Fitted mean [dim] and covariance [dim][dim] as used for sampling,
 *  owned by the sampler; NULL for an isotropic sampler. @since 0.1 */
V2F_API const float *v2f_sampler_mean(const v2f_sampler *s);
V2F_API const float *v2f_sampler_cov(const v2f_sampler *s);

/** Raw candidates first .. first + n - 1 of the stream of `seed`, without
 *  any separation test: candidate k is a pure function of (seed, k).
 *  n = 0 draws nothing and returns V2F_OK.
 *  @param out  [n][dim] float32, caller-owned
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_OVERFLOW
 *  @since 0.1 */
V2F_API v2f_status v2f_sampler_candidates(const v2f_sampler *s, uint64_t seed,
                                          uint64_t first, size_t n,
                                          float *out);

/** Options for v2f_sample_identities. @since 0.1 */
typedef struct v2f_sample_opts {
    uint32_t struct_size;
    uint64_t seed;
    /** A candidate is kept only if its cosine similarity to every kept
     *  vector and every exclusion vector is strictly below this; in
     *  (-1, 1], default 0.3. */
    float max_similarity;
    int32_t threads;        /* 0 (default): online CPUs */
    /** Optional exclusion set [exclude_rows][exclude_dim] (e.g. the real
     *  identities, to avoid identity leakage); exclude_dim must equal the
     *  sampler's dim; rows finite and non-zero. */
    const float *exclude;
    uint64_t exclude_rows;
    uint64_t exclude_dim;
    /** Resume: the first resume_kept rows of out already hold the vectors
     *  kept by an earlier call with the same sampler, seed and threshold,
     *  and resume_candidates is that call's stats.candidates (the next
     *  candidate index). The result then equals one uninterrupted call. */
    uint64_t resume_kept;
    uint64_t resume_candidates;
    /** Stop with V2F_E_INVALID_ARG after this many candidates in this call
     *  (0, default: 1000 * n + 100000), so that a threshold too strict for
     *  the dim cannot loop forever. */
    uint64_t max_candidates;
    /** Candidates tested per block (0 = 256). Does not change results. */
    int32_t block_size;
    /** Progress (vectors kept, n) after each block; non-zero cancels. */
    v2f_progress_fn progress;
    void *progress_user;
} v2f_sample_opts;

/** Fill o with defaults; size must be sizeof *o. @since 0.1 */
V2F_API void v2f_sample_opts_init(v2f_sample_opts *o, size_t size);

/** Acceptance statistics and cost of v2f_sample_identities (cumulative
 *  over resumed calls for kept and candidates, per call otherwise).
 *  The caller sets struct_size; fields past it are not written. */
typedef struct v2f_sample_stats {
    uint32_t struct_size;
    uint64_t kept;              /* rows of out that are valid */
    uint64_t candidates;        /* next candidate index (to resume) */
    uint64_t rejected_similar;  /* too close to a kept vector */
    uint64_t rejected_excluded; /* too close to an exclusion vector */
    uint64_t rejected_invalid;  /* zero or non-finite candidate */
    uint64_t comparisons;       /* cosines computed in this call */
    double flops;               /* 2 * dim * comparisons */
    double seconds;             /* wall time of this call */
    double gflops;              /* flops / seconds / 1e9 */
} v2f_sample_stats;

/** Draw candidates from the sampler's stream and keep each one whose
 *  cosine similarity to every kept vector (and every exclusion vector) is
 *  below max_similarity, until n are kept (greedy in candidate order:
 *  deterministic for a seed, independent of threads and block size).
 *  Candidates are tested in blocks against the kept set with a
 *  register-blocked AVX-512/AVX2 kernel on all threads (no BLAS).
 *  @param s      the sampler
 *  @param n      vectors wanted in total (including resume_kept), > 0
 *  @param opts   options or NULL
 *  @param out    [n][dim] float32, caller-owned; kept vectors unnormalised
 *  @param stats  optional; on V2F_OK, V2F_E_CANCELLED and the
 *                max_candidates failure it says how many rows of out are
 *                valid and where to resume
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, n == 0, threshold outside
 *          (-1, 1], dim mismatch, NaN or zero rows in the exclusion set or
 *          the resumed rows, resume_kept > n, max_candidates reached),
 *          V2F_E_OVERFLOW, V2F_E_NO_MEMORY, V2F_E_CANCELLED
 *  @since 0.1 */
V2F_API v2f_status v2f_sample_identities(const v2f_sampler *s, size_t n,
                                         const v2f_sample_opts *opts,
                                         float *out, v2f_sample_stats *stats);

/** Options for v2f_identity_centres_from_features. @since 0.1 */
typedef struct v2f_centres_opts {
    uint32_t struct_size;
    /** 1: scale each feature to unit norm before averaging; 0 (default):
     *  plain mean, as the official code. */
    int32_t normalize;
    /** Optional [num_ids] output: features per identity. */
    uint64_t *counts_out;
    /** v2f_identity_centres_from_folder only: 1 resizes images that are
     *  not 112x112 (bilinear); 0 (default): such an image is an error. */
    int32_t resize;
    /** v2f_identity_centres_from_folder only: progress (identities done,
     *  total); non-zero cancels. */
    v2f_progress_fn progress;
    void *progress_user;
} v2f_centres_opts;

/** Fill o with defaults; size must be sizeof *o. @since 0.1 */
V2F_API void v2f_centres_opts_init(v2f_centres_opts *o, size_t size);

/** Identity centres: the mean of the features of each label.
 *  @param features  [n][dim] float32, finite (e.g. from v2f_npy_read)
 *  @param labels    [n] int64 in [0, num_ids)
 *  @param num_ids   number of identities, > 0; every one needs a feature
 *  @param out       receives a [num_ids][dim] v2f_array (row = label),
 *                   free with v2f_array_free; NULL on failure
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, sizes, non-finite value, zero
 *          feature with normalize, label out of range, identity without
 *          features, each with its index), V2F_E_OVERFLOW, V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_API v2f_status v2f_identity_centres_from_features(
    const float *features, size_t n, size_t dim, const int64_t *labels,
    size_t num_ids, const v2f_centres_opts *opts, v2f_array **out);

/** Identity centres from a folder tree of aligned face crops: ROOT/<id>/
 *  *.png|*.jpg|*.jpeg, one subfolder per identity. Each image's ArcFace
 *  feature (v2f_extract_features) is averaged per identity (plain mean, or
 *  of unit features with normalize). Row i of the result is the i-th
 *  subfolder in byte order of its name (hidden entries skipped); images are
 *  read in byte order of their names. counts_out, if given, must hold one
 *  entry per subfolder.
 *  @param out  receives a [identities][512] v2f_array; NULL on failure
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_IO (unreadable folder or
 *          file, an identity folder without images, no subfolder: each
 *          named), V2F_E_FORMAT (an image that does not decode or is not
 *          112x112 without resize, named), V2F_E_UNSUPPORTED (no
 *          arcface.pt), V2F_E_CANCELLED, V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_API v2f_status v2f_identity_centres_from_folder(const v2f_model *model,
                                                    const char *root,
                                                    const v2f_centres_opts *opts,
                                                    v2f_array **out);

#define V2F_SEPARABILITY_BINS 200

/** Options for v2f_separability. @since 0.1 */
typedef struct v2f_separability_opts {
    uint32_t struct_size;
    int32_t threads;        /* 0 (default): online CPUs */
    /** Optional [n] output: each vector's nearest-neighbour cosine. */
    float *nn_out;
    /** Progress (rows done, n); non-zero cancels. */
    v2f_progress_fn progress;
    void *progress_user;
} v2f_separability_opts;

/** Fill o with defaults; size must be sizeof *o. @since 0.1 */
V2F_API void v2f_separability_opts_init(v2f_separability_opts *o,
                                        size_t size);

/** What v2f_separability measured. The caller sets struct_size. */
typedef struct v2f_separability_report {
    uint32_t struct_size;
    uint64_t n;
    /** Identities with no other identity above the threshold (nearest
     *  neighbour cosine <= threshold): the official measure at 0.4. */
    uint64_t separated;
    float threshold;
    float nn_min, nn_mean, nn_max;
    /** Nearest-neighbour cosines: bin b counts [-1 + b h, -1 + (b+1) h)
     *  with h = 2 / V2F_SEPARABILITY_BINS; 1.0 goes in the last bin. */
    uint64_t histogram[V2F_SEPARABILITY_BINS];
} v2f_separability_report;

/** Separability of a set of identity vectors (all pairs, O(n^2 dim)).
 *  @param vectors    [n][dim] float32, finite, non-zero
 *  @param n          >= 2
 *  @param threshold  in (-1, 1]; 0.4 is the official measure
 *  @param report     filled up to report->struct_size
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, sizes, threshold, NaN or zero
 *          row with its index), V2F_E_OVERFLOW, V2F_E_NO_MEMORY,
 *          V2F_E_CANCELLED
 *  @since 0.1 */
V2F_API v2f_status v2f_separability(const float *vectors, size_t n,
                                    size_t dim, float threshold,
                                    const v2f_separability_opts *opts,
                                    v2f_separability_report *report);

/* ------------------------------------------------------------------ */
/* Datasets                                                             */
/* ------------------------------------------------------------------ */

/* A dataset is a folder:
 *   <out>/recipe.txt                  canonical recipe text + its digest
 *   <out>/<identity %06d>/<image %03d>.png|jpg
 *   <out>/manifest/part-<K>-of-<N>.csv
 * Image j of identity i (its row in the identities file) is generated from
 * v2f_perturb of vector i keyed (seed, i, j): images j < perturb_images
 * with the recipe's eps mixture and the plain generator, the next
 * pose_images with eps = pose_eps and the pose generator, conditioned on a
 * template (a five-point set drawn by v2f_render_landmarks, or a landmark
 * image; cycled or sampled, see pose_order), the next attrop_images by
 * AttrOP. The generator's masks are keyed (seed, i, j) too,
 * so shard K of N (identities [K*num/N, (K+1)*num/N)) uses exactly the
 * vectors and masks one unsharded run uses, and a restart those an
 * uninterrupted run would have used. Pixels then agree within 1/255 (the
 * library-wide contract: float reductions may round differently for other
 * batch shapes); with one intra-op thread on CPU they have been identical
 * in the tests (tests/dataset/test_dataset.py compares bytes).
 *
 * Durability: every image is written to a temporary name and renamed;
 * each shard appends its manifest part (header "identity,file,image,
 * source,eps,seed,attempt,status,similarity,quality,yaw"; source is
 * "perturb", "pose" or "attrop"; attempt is the filter attempt of the
 * image (0: first); status is "ok" or "dropped"; the measured columns are
 * empty when not measured; parts of 0.1 have the first six columns only
 * and are still read) and fsyncs it at batch boundaries, after the
 * batch's images are in place. A restart skips an image whose file exists
 * or whose row says dropped (adding the row of a file without one; when
 * the recipe measures or filters, such a file is made again instead, as
 * its measurements are unknown) and makes the rest; leftover temporary
 * files are removed. Shards write disjoint files
 * and may run at the same time as separate processes.
 *
 * Since 0.3 a shard is made by one job at a time: v2f_dataset_job_run
 * holds an exclusive flock() on <out>/.shard-<K>-of-<N>.lock while it
 * runs (see there). The lock file stays in the folder (removing it would
 * race with a process about to lock it); vec2face verify and merge ignore
 * it (merge copies only recipe.txt, the identity folders and manifest
 * parts). */

/** Image file format of a dataset. */
typedef enum v2f_dataset_format {
    V2F_DATASET_PNG = 0,
    V2F_DATASET_JPEG = 1
} v2f_dataset_format;

/** What to generate. Filled by v2f_dataset_recipe_init; the strings and
 *  arrays are copied by v2f_dataset_job_new. @since 0.1 */
typedef struct v2f_dataset_recipe {
    uint32_t struct_size;
    /** Identity vectors: a float32 .npy of shape [num_ids][512]. */
    const char *identities;
    /** Output folder, created when missing. */
    const char *out_dir;
    /** Seed of the perturbation noise and the generator's masks. */
    uint64_t seed;
    /** Images per identity from perturbation (default 4), >= 0. */
    int32_t perturb_images;
    /** Their eps mixture, as in v2f_perturb_opts: eps_count values eps[k]
     *  drawn with weights eps_shares[k] (NULL: equal); eps NULL or
     *  eps_count 0: 0.3/0.5/0.7 with shares 0.4/0.4/0.2. At most 64. */
    int32_t eps_count;
    const float *eps;
    const float *eps_shares;
    /** Images per identity from pose control (default 0), >= 0;
     *  perturb_images + pose_images (+ attrop_images) must be 1..1000. */
    int32_t pose_images;
    /** Five-point templates [pose_templates][10] (x, y pixel pairs in
     *  v2f_render_landmarks order), cycled by image index (see
     *  pose_order); pose_images > 0 needs these or pose_landmarks. */
    int32_t pose_templates;
    const float *pose_points;
    /** Perturbation eps of the pose images (default 0.7, as the official
     *  pose script). */
    float pose_eps;
    /** v2f_dataset_format (default V2F_DATASET_PNG). */
    int32_t format;
    /** JPEG quality 1..100 (default 95). */
    int32_t jpeg_quality;
    /** Images per batch: per generator call, and how often the
     *  manifest is fsync'ed and progress is reported. 0 (default since
     *  0.3; 16 before): the model's default_batch_size (v2f_model_info).
     *  Not part of the recipe's identity: a restart may change it. */
    int32_t batch_size;
    /* ---- @since 0.2 (all off by default; a recipe that leaves them off
     * has the recipe.txt, digest and images of 0.1) ---- */
    /** What to measure per image and record in the manifest: a bitwise OR
     *  of v2f_dataset_measure (default 0). Measured on the generated
     *  pixels (before JPEG encoding), in batches: similarity is the cosine
     *  (double sums) between the image's ArcFace feature
     *  (v2f_extract_features) and its identity's vector; quality is
     *  v2f_estimate_quality; yaw is angles[1] of v2f_estimate_pose. Each
     *  needs its model part (arcface.pt, magface.pt, headpose.pt): absent
     *  is V2F_E_UNSUPPORTED at v2f_dataset_job_new. Part of the recipe
     *  digest: a manifest either has a value for every image or for none,
     *  so a restart may not switch it. */
    uint32_t measure;
    /** Identity-consistency filter (v2f_dataset_filter, default
     *  V2F_DATASET_FILTER_NONE): an image whose similarity (measured
     *  implicitly) is below filter_threshold is dropped, or regenerated
     *  with noise and masks keyed (seed, identity, image + (attempt <<
     *  32)) for attempt 1, 2, ... until filter_max_attempts attempts in all
     *  failed, then dropped. A dropped image has no file and a manifest
     *  row with status "dropped"; verify counts it as done. */
    int32_t filter;
    float filter_threshold;       /* cosine in [-1, 1] */
    int32_t filter_max_attempts;  /* 1..100 (default 3; DROP: 1) */
    /** Images per identity from AttrOP (default 0), after the pose
     *  images: image j starts from v2f_perturb of the identity's vector
     *  with the recipe's eps mixture keyed (seed, identity, j), runs
     *  attrop_iterations counted AttrOP steps (v2f_attrop_run, one image
     *  per run so results do not depend on batching) toward
     *  attrop_quality and yaw target attrop_yaw[(j - first AttrOP image) %
     *  attrop_yaw_count] with the identity's vector as class centre, and
     *  the final image is v2f_attrop_images (masks keyed (seed, identity,
     *  j)); the loop's own masks are keyed (seed, identity, step) by the
     *  AttrOP API. Another shard split agrees like the other images (the
     *  shim runs AttrOP graphs without the JIT executor's run-time
     *  re-planning, which had changed the rounding after a process's
     *  first two AttrOP calls). Needs
     *  generator.pt, arcface.pt, magface.pt when attrop_quality > 0,
     *  headpose.pt when yaw targets are given.
     *  perturb_images + pose_images + attrop_images must be 1..1000. */
    int32_t attrop_images;
    float attrop_quality;         /* MagFace norm target (24); 0 = none */
    int32_t attrop_yaw_count;     /* 0 (default): no pose loss */
    const float *attrop_yaw;      /* |yaw| targets in degrees, >= 0 */
    int32_t attrop_iterations;    /* counted steps, 1..10000 (default 5) */
    int32_t attrop_max_retries;   /* steps over the loss thresholds that
                                     may not count, 0..10000 (default 30,
                                     v2f_attrop_opts.max_retries) */
    /** How pose image j picks its template: V2F_DATASET_POSE_CYCLE
     *  (default: (j - perturb_images) % templates) or
     *  V2F_DATASET_POSE_SAMPLE (uniform, drawn from a counter-based stream
     *  keyed (seed, identity, j); the same for every filter attempt). */
    int32_t pose_order;
    /** Landmark-image templates: pose_landmark_count paths, each a
     *  112x112 PNG/JPEG landmark map (as v2f_generate_pose takes; e.g. the
     *  official dense landmark images) or a folder whose *.png, *.jpg and
     *  *.jpeg files are taken in name order. They follow the
     *  pose_templates five-point templates in the template list; their
     *  decoded pixels are hashed into the recipe digest. */
    int32_t pose_landmark_count;
    const char *const *pose_landmarks;
    /* ---- @since 0.3 ---- */
    /** PNG zlib level of the images, as v2f_image_write_opts.png_level:
     *  -1 (default) = V2F_PNG_LEVEL_DEFAULT, 0..9; outside -1..9 is
     *  V2F_E_INVALID_ARG at v2f_dataset_job_new. Ignored for JPEG. Not
     *  part of the recipe digest (it changes the bytes of a file, not its
     *  pixels), so a restart or another shard may use another level: a
     *  folder may then hold files of both levels, which verify accepts
     *  (it decodes, never compares bytes). vec2face merge compares
     *  same-named files by bytes, so two folders (or a folder and the
     *  merge's existing output) that both hold one image written at
     *  different levels are refused as conflicting, naming both files;
     *  the shards of one dataset have disjoint files and merge whatever
     *  their levels.
     *  @since 0.3 */
    int32_t png_level;
    /** What v2f_dataset_job_run does when another process or job holds
     *  the shard's lock: 0 (default) returns V2F_E_BUSY at once, nothing
     *  written; 1 waits until the lock is free, then resumes as usual
     *  (usually finding the shard complete and writing nothing). The wait
     *  polls the lock every 0.1 s and calls the progress callback each
     *  time with (0, 0), so a cancel (a non-zero return, e.g. after a
     *  signal) ends it with V2F_E_CANCELLED. Other values are
     *  V2F_E_INVALID_ARG at v2f_dataset_job_new. Not part of the recipe
     *  digest.
     *  @since 0.3 */
    int32_t wait_lock;
} v2f_dataset_recipe;

/** Flags of v2f_dataset_recipe.measure. @since 0.2 */
typedef enum v2f_dataset_measure {
    V2F_DATASET_MEASURE_SIMILARITY = 1,  /* needs arcface.pt */
    V2F_DATASET_MEASURE_QUALITY = 2,     /* needs magface.pt */
    V2F_DATASET_MEASURE_YAW = 4          /* needs headpose.pt */
} v2f_dataset_measure;

/** v2f_dataset_recipe.filter. @since 0.2 */
typedef enum v2f_dataset_filter {
    V2F_DATASET_FILTER_NONE = 0,
    V2F_DATASET_FILTER_DROP = 1,
    V2F_DATASET_FILTER_REGENERATE = 2
} v2f_dataset_filter;

/** v2f_dataset_recipe.pose_order. @since 0.2 */
typedef enum v2f_dataset_pose_order {
    V2F_DATASET_POSE_CYCLE = 0,
    V2F_DATASET_POSE_SAMPLE = 1
} v2f_dataset_pose_order;

/** Fill r with defaults; size must be sizeof *r. @since 0.1 */
V2F_API void v2f_dataset_recipe_init(v2f_dataset_recipe *r, size_t size);

/** Counts of a job. The caller sets struct_size; fields past it are not
 *  written. */
typedef struct v2f_dataset_stats {
    uint32_t struct_size;
    /** This shard's identities: [identity_first, identity_end). */
    uint64_t identity_first;
    uint64_t identity_end;
    uint64_t identities_total;    /* identity_end - identity_first */
    uint64_t identities_skipped;  /* complete before this run */
    uint64_t identities_done;     /* complete now (skipped included) */
    uint64_t images_total;        /* of this shard */
    uint64_t images_written;      /* generated and written by this run */
    uint64_t images_skipped;      /* already on disk before this run */
    uint64_t rows_added;          /* manifest rows added for files that
                                     were on disk without one */
    /* @since 0.2, counts of this run: */
    uint64_t images_measured;     /* generation attempts measured */
    uint64_t filter_rejected;     /* attempts below filter_threshold */
    uint64_t filter_regenerated;  /* images kept after more than one
                                     attempt */
    uint64_t images_dropped;      /* images dropped by the filter */
} v2f_dataset_stats;

/** A dataset job: one shard of a recipe. Single-threaded: use it from
 *  one thread at a time (the model may be shared). */
typedef struct v2f_dataset_job v2f_dataset_job;

/** Prepare shard shard_index of shard_count: check the recipe and the
 *  model's parts, read the identities, create the output folder, and
 *  write <out>/recipe.txt, or compare with the one there: a different
 *  recipe, seed or identities file is refused with V2F_E_INVALID_ARG and
 *  a message "recipe differs from the one in <out>/recipe.txt: ..." that
 *  names the first setting that changed. The model must outlive the job.
 *  @param recipe  the recipe (copied); not NULL
 *  @param out     receives the job (NULL on failure)
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, bad recipe or shard, recipe
 *          changed), V2F_E_UNSUPPORTED (a needed model part is absent),
 *          V2F_E_IO, V2F_E_FORMAT (identities file, recipe.txt),
 *          V2F_E_NO_MEMORY, V2F_E_OVERFLOW
 *  @since 0.1 */
V2F_API v2f_status v2f_dataset_job_new(const v2f_model *model,
                                       const v2f_dataset_recipe *recipe,
                                       uint32_t shard_index,
                                       uint32_t shard_count,
                                       v2f_dataset_job **out);

/** Make the shard's missing images. progress (may be NULL) gets (images
 *  of this shard complete, images of this shard) after the scan of what
 *  is on disk and after every batch; a non-zero return stops after the
 *  current batch with V2F_E_CANCELLED, leaving a state that a new job
 *  with the same recipe resumes. A write error stops the run with
 *  V2F_E_IO naming the path; nothing half-written is left under a final
 *  name. May be called again after a failure or a cancel.
 *
 *  Since 0.3 the call first takes the shard's lock: an exclusive flock()
 *  on <out>/.shard-<K>-of-<N>.lock (created when missing; its content
 *  names the holder's pid, host and start time), held until the call
 *  returns and released by the kernel if the process dies (kill -9
 *  included), so a re-queued or doubly submitted task cannot make the
 *  shard a second time: when the lock is held the call returns
 *  V2F_E_BUSY with a message naming the folder, the shard, the lock file
 *  and the holder, having written nothing, or waits for it with
 *  recipe.wait_lock = 1. A flock belongs to an open file description, so
 *  a second job of the same process on the same shard is refused too.
 *  Different shards (and shard counts) have different locks. Where the
 *  file system has no flock (ENOLCK, ENOSYS, EOPNOTSUPP, EINVAL: e.g. NFS
 *  mounted nolock, Lustre without -o flock) the run goes on without the
 *  lock after a V2F_LOG_WARN message, as before 0.3. On NFS, flock is
 *  seen by all clients only where the client maps it to NFS locks (Linux
 *  does unless mounted local_lock=flock|all), and the lock of a node that
 *  died is only freed when the server's lease for it expires.
 *
 *  Since 0.3 the images of batch k are encoded and written (and the
 *  batch's manifest rows appended and fsync'ed) by a writer thread that
 *  the call starts and joins, while batch k+1 is generated and measured
 *  on the calling thread; at most one batch is in flight (two batch
 *  buffers). The files, rows and their order are those of 0.2. progress
 *  is still called on the calling thread, once batch k is on disk with
 *  its rows, so `done` counts files in place; the report of batch k thus
 *  comes after batch k+1 is generated, and a cancel then also writes
 *  batch k+1 (already made) before returning. A write error in the
 *  writer stops the generation of the next batch at its next generator
 *  call and is returned here with the writer's status and message
 *  (v2f_last_error() on the calling thread). Log messages of the writer
 *  come from its thread (the log callback is serialised). If no thread
 *  can be started the batch is written on the calling thread.
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_IO, V2F_E_FORMAT (a manifest
 *          part that is not ours), V2F_E_BACKEND, V2F_E_NO_MEMORY,
 *          V2F_E_CANCELLED (also while waiting for the lock), V2F_E_BUSY
 *          (the shard's lock is held and wait_lock is 0)
 *  @since 0.1 */
V2F_API v2f_status v2f_dataset_job_run(v2f_dataset_job *job,
                                       v2f_progress_fn progress, void *user);

/** The job's counts so far (stats->struct_size must be set). @since 0.1 */
V2F_API v2f_status v2f_dataset_job_stats(const v2f_dataset_job *job,
                                         v2f_dataset_stats *stats);

/** Free a job; NULL is a no-op. @since 0.1 */
V2F_API void v2f_dataset_job_free(v2f_dataset_job *job);

/** What v2f_dataset_verify found. The caller sets struct_size. */
typedef struct v2f_dataset_report {
    uint32_t struct_size;
    uint64_t identities;           /* in the recipe */
    uint64_t identities_complete;  /* every image present, decoding, with
                                      its manifest row */
    uint64_t images_expected;
    uint64_t images_ok;            /* present and decode as 112x112 */
    uint64_t images_missing;
    uint64_t images_corrupt;       /* present but do not decode as 112x112 */
    uint64_t manifest_parts;
    uint64_t manifest_rows;        /* valid rows in all parts */
    uint64_t problems;             /* everything wrong, counted */
    char first_problem[512];       /* "" when none */
    uint64_t images_dropped;       /* rows with status "dropped" (filter);
                                      @since 0.2 */
} v2f_dataset_report;

/** Check a dataset folder against its recipe.txt: every identity has
 *  every image, every file decodes as a 112x112 image, every image has
 *  exactly one manifest row (identical rows in two parts count once),
 *  every row names an image of the recipe, no temporary file is left.
 *  0.2: an image whose row says "dropped" (filter) is complete without a
 *  file and must have none; rows must have the source of their image
 *  index, an attempt below the recipe's filter_max_attempts and every
 *  measurement the recipe asks for; 0.1 parts are read as they are.
 *  @param out_dir  the dataset folder
 *  @param report   filled (up to report->struct_size) on V2F_OK and on
 *                  V2F_E_FORMAT; may be NULL
 *  @return V2F_OK (complete and consistent), V2F_E_FORMAT (problems: the
 *          message gives their count and the first), V2F_E_IO (no
 *          readable recipe.txt), V2F_E_INVALID_ARG, V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_API v2f_status v2f_dataset_verify(const char *out_dir,
                                      v2f_dataset_report *report);

/* ------------------------------------------------------------------ */
/* Dataset reports                                                      */
/* ------------------------------------------------------------------ */

/* v2f_dataset_report_write measures a dataset folder (as made by
 * v2f_dataset_job_run) and writes three files: <prefix>report.json,
 * <prefix>report.html (self-contained: SVG histograms, the contact sheet
 * as a base64 data URI, no external reference) and
 * <prefix>contact_sheet.png, each atomically (temporary file + rename).
 *
 * What is measured. The images <dir>/<identity %06d>/<image %03d>.<ext> of
 * every identity of recipe.txt are read in identity, image order (the
 * manifest is not needed, so a dataset whose parts gained columns reads
 * the same). Missing and undecodable images are counted and skipped: an
 * incomplete dataset is reported as far as it goes. Images without a file
 * whose manifest row (in any part, columns found by header name) has
 * status "dropped" are counted as dropped by the filter, not missing. With the model's
 * parts (each absent part leaves its section "not measured (model lacks
 * <file>)"):
 *   arcface.pt   features f (v2f_extract_features) -> identity
 *                consistency and separability;
 *   magface.pt   quality (v2f_estimate_quality, the MagFace norm);
 *   headpose.pt  yaw (v2f_estimate_pose, angles[1], degrees, signed).
 * Two centres per identity, both compared by cosine with each image's
 * ArcFace feature:
 *   input centre  the identity's vector in the recipe's identities .npy
 *                 (what was asked for); the file is opts->identities,
 *                 or the one named in recipe.txt, else a file of that
 *                 base name in the dataset folder; it must match the
 *                 recipe's identities_fnv1a64, else this half is "not
 *                 measured" with the reason;
 *   mean centre   the plain mean of the ArcFace features of the
 *                 identity's images that were read (what was produced).
 * Per identity: mean and min cosine of its images to each centre; dataset
 * wide: mean and min over all images. Separability is v2f_separability
 * (the official measure, threshold opts->threshold, 0.4) over the mean
 * centres of the identities with at least one image (needs two), and over
 * the input vectors of all identities.
 * Histograms have opts->histogram_bins equal bins over [lo, hi]: bin
 * floor((x - lo) / (hi - lo) * bins) computed in double, clamped to
 * [0, bins - 1]. Cosines use lo = -1, hi = 1; quality and yaw use
 * lo = floor(min), hi = ceil(max) (hi = lo + 1 when they are equal).
 *
 * Contact sheet: one row per identity (the first sheet_identities), one
 * column per image (the first sheet_images), no gaps; each tile is the
 * image reduced by f = 112 / sheet_tile with an f x f box average,
 * rounded half up ((sum + f*f/2) / (f*f), integers); a missing or
 * undecodable image is a tile of grey 128.
 *
 * Memory: images are streamed in batches (batch_size x 37632 bytes) and
 * only the features of identities still being read are kept (at most
 * (images per identity + batch_size) x 2 KiB). Kept for the whole run:
 * 17 bytes per image (two cosines, quality, yaw, state) and up to 6 KiB
 * per identity (mean centre, its copy for separability, input vector;
 * 2 KiB each), plus the contact sheet (at most 16384 x 16384 x 3 bytes,
 * 0.6 MB by default). 1M images of 20K identities: about 140 MB. */

/** Options for v2f_dataset_report_write. @since 0.2 */
typedef struct v2f_dataset_report_opts {
    uint32_t struct_size;
    /** Where the files go: <out_prefix>report.json, ...report.html,
     *  ...contact_sheet.png. NULL (default): "<dir>/". Its folder must
     *  exist. */
    const char *out_prefix;
    /** Identities .npy to use instead of the one recipe.txt names (e.g.
     *  when the dataset was moved); NULL (default): recipe.txt's. */
    const char *identities;
    /** Images per estimator call (default 32), 1..4096. */
    int32_t batch_size;
    /** Bins of every histogram (default 20), 1..1000. */
    int32_t histogram_bins;
    /** Separability threshold in (-1, 1] (default 0.4, the official). */
    float threshold;
    /** Contact sheet: identities (rows, default 16, 1..1000), images per
     *  identity (columns, default 8, 1..1000) and tile side in pixels
     *  (default 56; a divisor of 112). The sheet is at most 16384 px a
     *  side (V2F_E_INVALID_ARG beyond). */
    int32_t sheet_identities;
    int32_t sheet_images;
    int32_t sheet_tile;
    /** 1: report.json also lists every image's values (large for big
     *  datasets); 0 (default): per identity only. */
    int32_t per_image;
    /** Progress (images read, images expected) after every batch;
     *  non-zero cancels (V2F_E_CANCELLED, no file written). */
    v2f_progress_fn progress;
    void *progress_user;
} v2f_dataset_report_opts;

/** Fill o with defaults; size must be sizeof *o. @since 0.2 */
V2F_API void v2f_dataset_report_opts_init(v2f_dataset_report_opts *o,
                                          size_t size);

/** Bits of v2f_dataset_summary.measured. */
#define V2F_REPORT_CONSISTENCY 1u   /* ArcFace: cosines to the mean centre */
#define V2F_REPORT_INPUT 2u         /* ...and to the input vectors */
#define V2F_REPORT_QUALITY 4u       /* MagFace */
#define V2F_REPORT_YAW 8u           /* head pose */
#define V2F_REPORT_SEPARABILITY 16u /* over the mean centres */

/** The headline numbers of a report (all of them are in report.json).
 *  Values of a section that was not measured are 0. The caller sets
 *  struct_size; fields past it are not written. */
typedef struct v2f_dataset_summary {
    uint32_t struct_size;
    uint32_t measured;              /* V2F_REPORT_* bits */
    uint64_t identities;            /* in the recipe */
    uint64_t identities_measured;   /* with at least one image read */
    uint64_t identities_complete;   /* every image read or dropped */
    uint64_t images_expected;
    uint64_t images_read;
    uint64_t images_missing;        /* no file and not dropped */
    uint64_t images_unreadable;     /* present but not a 112x112 image */
    uint64_t images_dropped;        /* no file, and a manifest row with
                                       status "dropped" (the filter) */
    /** Cosine of each image's feature to its identity's mean centre and
     *  input vector: mean and min over all images read. */
    float cos_mean_centre_mean, cos_mean_centre_min;
    float cos_input_mean, cos_input_min;
    /** Separability of the mean centres: identities with nearest
     *  neighbour cosine <= threshold, out of separability_n. */
    uint64_t separability_n;
    uint64_t separated;
    float threshold;
    float quality_mean, quality_min, quality_max;
    float yaw_mean, yaw_min, yaw_max, abs_yaw_mean;
    int32_t sheet_width, sheet_height;
} v2f_dataset_summary;

/** Measure a dataset folder and write its report files (see above).
 *  @param model    a model with any of arcface.pt, magface.pt,
 *                  headpose.pt, or NULL (counts and contact sheet only);
 *                  may be shared with other threads
 *  @param dir      the dataset folder (with recipe.txt)
 *  @param opts     options or NULL
 *  @param summary  filled up to summary->struct_size on V2F_OK; may be
 *                  NULL
 *  @return V2F_OK (also for an incomplete dataset: see the counts),
 *          V2F_E_INVALID_ARG (NULL dir, bad option naming it),
 *          V2F_E_IO (no readable recipe.txt, a report file that cannot
 *          be written, named), V2F_E_FORMAT (recipe.txt damaged),
 *          V2F_E_BACKEND, V2F_E_NO_MEMORY, V2F_E_OVERFLOW,
 *          V2F_E_CANCELLED
 *  @since 0.2 */
V2F_API v2f_status v2f_dataset_report_write(const v2f_model *model,
                                            const char *dir,
                                            const v2f_dataset_report_opts *opts,
                                            v2f_dataset_summary *summary);

/* ------------------------------------------------------------------ */
/* Image files (PNG, JPEG)                                              */
/* ------------------------------------------------------------------ */

typedef struct v2f_image_read_opts {
    uint32_t struct_size;
    /** 0 (default): an image that is not 112x112 is V2F_E_FORMAT.
     *  1: resize any size to 112x112 (bilinear). */
    int32_t resize;
} v2f_image_read_opts;

/** Fill o with defaults; size must be sizeof *o. @since 0.1 */
V2F_API void v2f_image_read_opts_init(v2f_image_read_opts *o, size_t size);

/** Read a PNG or JPEG file (by content, not by name) as one 112x112 RGB
 *  image. Grey, palette and alpha images are converted to RGB (alpha
 *  dropped); 16-bit samples are reduced to 8.
 *  Images over 16384 pixels a side are refused (decompression bombs).
 *  @param rgb_out  V2F_IMAGE_BYTES bytes
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_IO (cannot open or read),
 *          V2F_E_FORMAT (not PNG/JPEG, corrupt, truncated, wrong size)
 *  @since 0.1 */
V2F_API v2f_status v2f_image_read(const char *path,
                                  const v2f_image_read_opts *opts,
                                  uint8_t *rgb_out);

/** The PNG zlib level used when v2f_image_write_opts.png_level or
 *  v2f_dataset_recipe.png_level is -1: 6, zlib's and libpng's own
 *  default, so files are byte for byte those of 0.2. Kept for size, not
 *  speed: encoding one 112x112 image took 1.0-1.6 ms at level 6 and
 *  0.7-1.2 ms at level 1 (3-8% larger files) on the bench machine, under
 *  1.5% of the 0.1-0.25 s an image takes to generate on CPU, and the
 *  dataset job encodes on a writer thread, off the generator's path;
 *  level 0 (stored, +19-45%) costs 0.2-0.4 ms. Filters are libpng's
 *  adaptive choice at every level (bench/png_levels.c,
 *  bench/RESULTS.md). @since 0.3 */
#define V2F_PNG_LEVEL_DEFAULT 6

typedef struct v2f_image_write_opts {
    uint32_t struct_size;
    /** JPEG quality 1..100 (default 95). */
    int32_t jpeg_quality;
    /** PNG zlib compression level: -1 (default) = the library's default,
     *  V2F_PNG_LEVEL_DEFAULT; 0 (stored, largest, fastest) .. 9 (smallest,
     *  slowest). Changes the bytes and size of a PNG file, never its
     *  pixels. Outside -1..9 is V2F_E_INVALID_ARG naming the value.
     *  @since 0.3 */
    int32_t png_level;
} v2f_image_write_opts;

/** Fill o with defaults; size must be sizeof *o. @since 0.1 */
V2F_API void v2f_image_write_opts_init(v2f_image_write_opts *o, size_t size);

/** Write one RGB image; the format comes from the extension (.png, .jpg,
 *  .jpeg, case-insensitive). Written to a temporary file in the same
 *  directory and renamed into place, so a failure leaves no partial file.
 *  @param rgb     width * height * 3 bytes, row-major RGB
 *  @param width, height  1..65535 (JPEG: at most 65500)
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, unknown extension, size,
 *          quality, png_level), V2F_E_IO
 *  @since 0.1 */
V2F_API v2f_status v2f_image_write(const char *path, const uint8_t *rgb,
                                   int32_t width, int32_t height,
                                   const v2f_image_write_opts *opts);

/* ------------------------------------------------------------------ */
/* Arrays (.npy, .npz)                                                  */
/* ------------------------------------------------------------------ */

/* v2f_array (a library-owned 2-D float32 array) is declared with the
 * handles near the top. */

/** Read a 2-D (or 1-D, as one row) little-endian float32 C-order .npy.
 *  Other dtypes, Fortran order, big-endian data, truncated or hostile
 *  headers, empty arrays and trailing bytes are V2F_E_FORMAT with the
 *  reason; an unreadable file is V2F_E_IO. @since 0.1 */
V2F_API v2f_status v2f_npy_read(const char *path, v2f_array **out);

/** Read member `name` (with or without ".npy") of an .npz archive
 *  (stored or deflated members, zip64 included). A missing member is
 *  V2F_E_FORMAT and the message lists the members. @since 0.1 */
V2F_API v2f_status v2f_npz_read(const char *path, const char *name,
                                v2f_array **out);

/** Write a 2-D float32 .npy (format 1.0), atomically. rows and cols must
 *  be > 0 (V2F_E_INVALID_ARG); a byte count that overflows is
 *  V2F_E_OVERFLOW. @since 0.1 */
V2F_API v2f_status v2f_npy_write(const char *path, const float *data,
                                 size_t rows, size_t cols);

V2F_API size_t v2f_array_rows(const v2f_array *a);
V2F_API size_t v2f_array_cols(const v2f_array *a);
/** rows * cols floats, row-major; valid until v2f_array_free. */
V2F_API const float *v2f_array_data(const v2f_array *a);
V2F_API void v2f_array_free(v2f_array *a);

#ifdef __cplusplus
}
#endif

#endif /* VEC2FACE_H */
