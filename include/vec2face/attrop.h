/*
 * vec2face/attrop.h - AttrOP: identity vectors optimised through the
 * generator and the estimators toward quality and pose targets.
 * Conventions (errors, struct_size, threads): common.h.
 */
#ifndef VEC2FACE_ATTROP_H
#define VEC2FACE_ATTROP_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An AttrOP run: a copy of n identity vectors optimised with Adam through
 *  the generator and the estimators (official `gen_image`). Single-threaded:
 *  use one handle from one thread at a time (the model may be shared).
 *  @since 0.1 */
typedef struct v2f_attrop v2f_attrop;

/** Options for v2f_attrop_new; defaults in parentheses. @since 0.1 */
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

/** Fill o with defaults (common.h, "Sizes"). @since 0.1 */
V2F_API void v2f_attrop_opts_init(v2f_attrop_opts *o, size_t size);

/** Losses of the last optimiser step and counts for the call (filled;
 *  struct_size must be the full sizeof, as it carries caller arrays).
 *  @since 0.1 */
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
 *                        loss, or NULL (loss against the input vectors);
 *                        copied, as are the arrays of opts
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_UNSUPPORTED (a needed part is
 *          absent, naming the file, or a model loaded with
 *          v2f_runtime_opts.attrop = V2F_ATTROP_DISABLED), V2F_E_BACKEND,
 *          V2F_E_NO_MEMORY (n vectors in one step would need more than the
 *          model's memory_limit: use fewer per handle)
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_attrop_new(const v2f_model *model, const float *vectors,
                                  const float *class_vectors, size_t n,
                                  const v2f_attrop_opts *opts,
                                  v2f_attrop **out);

/** One Adam step on the vectors with fresh masks. losses may be NULL.
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_BACKEND, V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_attrop_step(v2f_attrop *h, v2f_attrop_losses *losses);

/** The official loop: `iterations` counted steps; a step whose losses
 *  exceed the thresholds does not count, at most max_retries times per
 *  call, so up to iterations + max_retries optimiser steps. Statuses as
 *  v2f_attrop_step.
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_attrop_run(v2f_attrop *h, int32_t iterations,
                                  v2f_attrop_losses *losses);

/** The optimised vectors [n][512]. @return V2F_OK, V2F_E_INVALID_ARG
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_attrop_vectors(const v2f_attrop *h, float *out);

#ifdef V2F_EXPERIMENTAL
/** Gradient of the last step's total loss with respect to the vectors
 *  [n][512] (before Adam's update). Experimental: its shape may change
 *  (per loss term, per vector). @return V2F_OK, V2F_E_INVALID_ARG
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_attrop_gradient(const v2f_attrop *h, float *out);
#endif

/** Final images of the optimised vectors with fresh masks, as the official
 *  code makes them: the loop's generator WITHOUT the pose condition,
 *  clipped to [-1,1], converted to uint8.
 *  @param rgb_out  v2f_image_bytes(n) bytes
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_BACKEND, V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_attrop_images(const v2f_attrop *h, uint8_t *rgb_out);

/** Free; NULL is a no-op. @since 0.1 */
V2F_API void v2f_attrop_free(v2f_attrop *h);

#ifdef __cplusplus
}
#endif

#endif /* VEC2FACE_ATTROP_H */
