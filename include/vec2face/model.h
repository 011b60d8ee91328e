/*
 * vec2face/model.h - opening a model directory and asking what it holds.
 * Conventions (errors, struct_size, threads): common.h.
 */
#ifndef VEC2FACE_MODEL_H
#define VEC2FACE_MODEL_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A loaded model: immutable, shareable between threads. @since 0.1 */
typedef struct v2f_model v2f_model;

/** Model parts: one TorchScript file each in the model directory.
 *  @since 0.1 */
typedef enum v2f_part {
    V2F_PART_GENERATOR = 0,      /* generator.pt */
    V2F_PART_POSE_GENERATOR = 1, /* pose_generator.pt */
    V2F_PART_POSE_COND = 2,      /* pose_cond.pt (landmark encoder) */
    V2F_PART_ARCFACE = 3,        /* arcface.pt */
    V2F_PART_MAGFACE = 4,        /* magface.pt */
    V2F_PART_HEADPOSE = 5,       /* headpose.pt */
    V2F_PART_COUNT = 6
} v2f_part;

/** Arithmetic of the generators (v2f_runtime_opts.precision). @since 0.1 */
typedef enum v2f_precision {
    V2F_PRECISION_FP32 = 0,
    /** @since 0.2: the generators (generator.pt, pose_generator.pt) run in
     *  bfloat16, with LayerNorm, GroupNorm and attention-score statistics
     *  in float32; inputs and outputs stay float32 at the API; the
     *  identity, quality and pose networks and AttrOP's autograd stay in
     *  float32. Needs a CPU with AVX512-BF16 or AMX-BF16 or a CUDA device,
     *  else V2F_E_UNSUPPORTED. Images differ from float32 by a few levels
     *  (about 35-45 dB PSNR). */
    V2F_PRECISION_BF16 = 1,
#ifdef V2F_EXPERIMENTAL
    /** @since 0.3, experimental (unmeasured): the generators run in
     *  float16 on a CUDA device, with the statistics of bf16 in float32;
     *  on other devices V2F_E_UNSUPPORTED. */
    V2F_PRECISION_FP16 = 2
#endif
} v2f_precision;

/** Whether a model can run AttrOP (v2f_runtime_opts.attrop). @since 0.3 */
typedef enum v2f_attrop_mode {
    /** Default: every part is held twice, optimised for inference and as
     *  loaded (float32, for AttrOP's autograd). */
    V2F_ATTROP_ENABLED = 0,
    /** Only the inference copy is kept (less memory); v2f_attrop_new and
     *  dataset jobs with attrop_images (at v2f_dataset_job_run, on the
     *  first AttrOP image) fail with V2F_E_UNSUPPORTED naming this option.
     *  Generation and the estimators give the same bytes as with
     *  V2F_ATTROP_ENABLED. */
    V2F_ATTROP_DISABLED = 1
} v2f_attrop_mode;

/** Runtime options for v2f_model_load. @since 0.1 */
typedef struct v2f_runtime_opts {
    uint32_t struct_size;
    /** "cpu" (default when NULL) or "cuda:N" when the linked libtorch has
     *  CUDA; anything else is V2F_E_UNSUPPORTED or V2F_E_INVALID_ARG. */
    const char *device;
    /** Intra-op threads; 0 = the CPUs this process may run on (its
     *  affinity mask). libtorch's thread pool is process-wide, so the last
     *  load sets it. */
    int32_t threads;
    /** v2f_precision (default V2F_PRECISION_FP32). */
    int32_t precision;
    /** Largest accepted part file, and the most its zip entries may
     *  unpack to, in bytes; 0 (default): 16 GiB. Checked before libtorch
     *  reads the file; a bigger file is V2F_E_MODEL naming it and this
     *  option. @since 0.2 */
    uint64_t max_model_bytes;
    /** Memory cap of one call on this model, in bytes: the working memory
     *  of a call (one batch's tensors, internal copies) is estimated
     *  before anything is allocated with a per-image host-memory figure
     *  (64 MiB per generated image, 32 MiB per estimator image; a GPU's
     *  memory is not queried), and a call over the cap fails with
     *  V2F_E_NO_MEMORY naming the need, the cap and the option that lowers
     *  it. 0 (default): half of the physical memory; UINT64_MAX: no cap.
     *  Calls without a model use the default cap. It also bounds
     *  v2f_model_info.default_batch_size and the estimators' batch (16
     *  images, fewer under a smaller cap). @since 0.2 */
    uint64_t memory_limit;
    /** v2f_attrop_mode (default V2F_ATTROP_ENABLED); other values are
     *  V2F_E_INVALID_ARG. @since 0.3 */
    int32_t attrop;
} v2f_runtime_opts;

/** Fill o with defaults (common.h, "Sizes"). @since 0.1 */
V2F_API void v2f_runtime_opts_init(v2f_runtime_opts *o, size_t size);

/** Open a model directory holding any subset of the six part files (at
 *  least one). A missing part disables the calls that need it; a present
 *  but broken or mismatched file fails the load naming the file and the
 *  reason.
 *  @param opts  runtime options or NULL
 *  @param out   receives the model (NULL on failure)
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_IO (no such directory, no part),
 *          V2F_E_MODEL, V2F_E_UNSUPPORTED (device, precision),
 *          V2F_E_BACKEND, V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_model_load(const char *dir,
                                  const v2f_runtime_opts *opts,
                                  v2f_model **out);

/** Free a model; NULL is a no-op. No call may be using it. @since 0.1 */
V2F_API void v2f_model_free(v2f_model *model);

/** What a model holds (filled; common.h, "Sizes"). @since 0.1 */
typedef struct v2f_model_info {
    uint32_t struct_size;
    uint32_t parts;           /* bit (1u << v2f_part) set when present */
    int32_t vector_dim;       /* 512 */
    int32_t image_size;       /* 112 */
    int32_t cond_dim;         /* 768 */
    int32_t threads;          /* intra-op threads in use */
    int32_t precision;        /* v2f_precision */
    char device[32];          /* "cpu", "cuda:0", ... */
    /** Images per forward pass when a batch_size option is 0: 8 on CPU,
     *  32 on CUDA, then lowered (down to 1) until one batch of
     *  v2f_generate_pose fits memory_limit with the per-image estimate
     *  (64 MiB + buffers per image). A cap too small for one image leaves
     *  1, and the call fails with V2F_E_NO_MEMORY. @since 0.3 */
    int32_t default_batch_size;
    /** v2f_attrop_mode the model was loaded with. @since 0.3 */
    int32_t attrop;
} v2f_model_info;

/** Fill info. @return V2F_OK, V2F_E_INVALID_ARG @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_model_info_get(const v2f_model *model,
                                      v2f_model_info *info);

/** What one part file carries (filled; its metadata). @since 0.1 */
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

/** Fill info for one part (a v2f_part).
 *  @return V2F_OK, V2F_E_INVALID_ARG @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_model_part_info(const v2f_model *model,
                                       int32_t part,
                                       v2f_part_info *info);

#ifdef __cplusplus
}
#endif

#endif /* VEC2FACE_MODEL_H */
