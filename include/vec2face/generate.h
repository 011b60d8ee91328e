/*
 * vec2face/generate.h - identity vectors to face images: the plain and the
 * pose-conditioned generator, their masks, landmark images.
 * Conventions (errors, struct_size, callbacks, batches): common.h.
 */
#ifndef VEC2FACE_GENERATE_H
#define VEC2FACE_GENERATE_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

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
    /** Images per forward pass; 0 (default) = the model's
     *  default_batch_size (v2f_model_info). */
    int32_t batch_size;
    /** Optional raw float output [n][3][112][112] (CHW), or NULL. */
    float *raw_out;
    /** Optional progress (images done, total) and its user pointer. */
    v2f_progress_fn progress;
    void *progress_user;
} v2f_gen_opts;

/** Fill o with defaults (common.h, "Sizes"). @since 0.1 */
V2F_API void v2f_gen_opts_init(v2f_gen_opts *o, size_t size);

/** Sample the masks the generator would use for n images: for each image
 *  a mask ratio r from the truncated normal, then ceil(49 r) masked tokens
 *  of which the model's num_dropped are dropped. Same keys, same masks.
 *  @param part      V2F_PART_GENERATOR or V2F_PART_POSE_GENERATOR
 *  @param dropped_out, masked_out  [n][49] bytes (0/1)
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_OVERFLOW, V2F_E_UNSUPPORTED
 *          (the part is absent)
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_sample_masks(const v2f_model *model, int32_t part,
                                    size_t n, const v2f_gen_opts *opts,
                                    uint8_t *dropped_out,
                                    uint8_t *masked_out);

/** Generate n images (any n, batch_size at a time) from n identity
 *  vectors with the plain generator.
 *  @param vectors  [n][512] float32, finite
 *  @param rgb_out  v2f_image_bytes(n) bytes
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, n == 0, non-finite value with
 *          its index, bad masks), V2F_E_OVERFLOW, V2F_E_UNSUPPORTED (no
 *          generator.pt), V2F_E_BACKEND, V2F_E_NO_MEMORY (also, before
 *          anything is allocated, when one batch would need more than the
 *          model's memory_limit: lower batch_size), V2F_E_CANCELLED
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_generate(const v2f_model *model, const float *vectors,
                                size_t n, const v2f_gen_opts *opts,
                                uint8_t *rgb_out);

/** Generate n images whose pose follows n landmark images: landmark
 *  encoder (pose_cond.pt) -> condition -> pose generator
 *  (pose_generator.pt), with the pose generator's mask defaults. As the
 *  official pose_control.py, each landmark pixel is scaled to [-1,1]
 *  ((x/255 - 0.5)/0.5) and rounded to the nearest float16 before the
 *  landmark encoder, which runs in float32 in every precision: pure 0/255
 *  pixels (v2f_render_landmarks) are exact, grey levels (JPEG landmark
 *  maps) move by at most 2^-12. Statuses as v2f_generate (V2F_E_UNSUPPORTED
 *  without pose_cond.pt or pose_generator.pt).
 *  @param landmarks  n uint8 RGB 112x112 landmark images
 *  @since 0.1 */
V2F_NODISCARD
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
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_OVERFLOW
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_render_landmarks(const float *points5, size_t n,
                                        uint8_t *rgb_out);

/** Convert raw float images (CHW, about [-1,1]) to uint8 HWC RGB the way
 *  the official code does: clip(((x + 1) / 2) * 255, 0, 255), truncated.
 *  n = 0 converts nothing and returns V2F_OK.
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL), V2F_E_OVERFLOW
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_raw_to_rgb(const float *raw, size_t n,
                                  uint8_t *rgb_out);

#ifdef __cplusplus
}
#endif

#endif /* VEC2FACE_GENERATE_H */
