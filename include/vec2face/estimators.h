/*
 * vec2face/estimators.h - what the recognition, quality and head-pose
 * networks of a model say about face crops. Conventions: common.h.
 */
#ifndef VEC2FACE_ESTIMATORS_H
#define VEC2FACE_ESTIMATORS_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Identity features of n aligned 112x112 RGB face crops with ArcFace or
 *  MagFace (which = V2F_PART_ARCFACE or V2F_PART_MAGFACE), preprocessed as
 *  the official code does: RGB, x / 127.5 - 1.
 *  @param features_out  [n][512] float32, not normalised
 *  Any n: images go through the network in batches of 16 (fewer under a
 *  small memory_limit).
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_OVERFLOW, V2F_E_UNSUPPORTED
 *          (the part's file is absent; the message names it), V2F_E_BACKEND,
 *          V2F_E_NO_MEMORY (a batch needs more than the model's
 *          memory_limit)
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_extract_features(const v2f_model *model, int32_t which,
                                        const uint8_t *rgb, size_t n,
                                        float *features_out);

/** Quality of n face crops: the L2 norm of the MagFace feature (higher is
 *  better; AttrOP's default target is 24). Statuses as
 *  v2f_extract_features (V2F_E_UNSUPPORTED: no magface.pt).
 *  @param quality_out  [n] float32
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_estimate_quality(const v2f_model *model,
                                        const uint8_t *rgb, size_t n,
                                        float *quality_out);

/** Head pose of n face crops with 6DRepNet, fed as the official AttrOP
 *  feeds it: BGR channel order, x / 255 in [0,1], 112x112. Statuses as
 *  v2f_extract_features (V2F_E_UNSUPPORTED: no headpose.pt).
 *  @param angles_out  [n][3] float32 degrees: pitch, yaw, roll (index 1 is
 *                     the yaw AttrOP uses)
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_estimate_pose(const v2f_model *model,
                                     const uint8_t *rgb, size_t n,
                                     float *angles_out);

#ifdef __cplusplus
}
#endif

#endif /* VEC2FACE_ESTIMATORS_H */
