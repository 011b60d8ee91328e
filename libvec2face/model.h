/* Internal: the model handle, shared by the C files that run networks. */
#ifndef V2F_MODEL_H
#define V2F_MODEL_H

#include "torch/shim.h"
#include "vec2face/vec2face.h"

struct v2f_model {
    v2f_shim_module *parts[V2F_PART_COUNT];   /* NULL when absent */
    v2f_part_info info[V2F_PART_COUNT];
    char dir[4096];
    char device[32];
    int32_t threads;
    int32_t precision;
    uint64_t memory_limit;   /* bytes; UINT64_MAX = no cap */
    int32_t attrop;          /* v2f_attrop_mode */
    int32_t default_batch;   /* batch_size 0 means this (>= 1) */
};

/* The part, or V2F_E_UNSUPPORTED naming the missing file. */
v2f_status v2f__model_part(const v2f_model *m, int32_t part,
                           const v2f_shim_module **out);

extern const char *const v2f__part_files[V2F_PART_COUNT];

/* Working memory of one image in libtorch's forward pass, for the memory
 * cap: measured as peak RSS growth of the base-size generator on CPU
 * (about 50 MiB per image at batch 16, 150 at batch 1-4) and the
 * iresnet estimators; deliberately on the high side. */
#define V2F_GEN_WORK_PER_IMAGE (64ull << 20)
#define V2F_EST_WORK_PER_IMAGE (32ull << 20)

/* What one image of v2f_generate_pose needs in the memory check (the
 * largest of the generation calls): masks, raw image, landmark image and
 * condition buffers, and the forward pass. */
#define V2F_GEN_POSE_BYTES_PER_IMAGE                                           \
    (2ull * V2F_NUM_TOKENS + V2F_GEN_WORK_PER_IMAGE +                          \
     2ull * 3 * V2F_IMAGE_SIZE * V2F_IMAGE_SIZE * sizeof(float) +              \
     V2F_COND_DIM * sizeof(float))

/* Preferred images per forward pass before the memory cap. CPU: measured
 * with bench/generate_bench.c on the base generator (bench/RESULTS.md,
 * "Default batch size"). CUDA: not measured (no GPU here); GPUs keep
 * gaining from larger batches well past this. */
#define V2F_DEFAULT_BATCH_CPU 8
#define V2F_DEFAULT_BATCH_CUDA 32

/* The preferred batch of `device`, lowered (not below 1) until a batch
 * of images needing `per_image` bytes each fits `memory_limit`. */
int32_t v2f__default_batch(const char *device, uint64_t memory_limit, uint64_t per_image);

/* V2F_E_NO_MEMORY, before allocating, when a call needs more than the
 * model's memory_limit (m NULL: the default cap). `lever` tells the caller
 * what lowers the need, e.g. "lower batch_size". */
v2f_status v2f__check_memory(const v2f_model *m, uint64_t need, const char *fn,
                             const char *lever);

#endif
