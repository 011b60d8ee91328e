/* Internal helpers of generate.c shared with other C files. */
#ifndef V2F_GENERATE_H
#define V2F_GENERATE_H

#include "vec2face/vec2face.h"

/* V2F_E_INVALID_ARG naming the first non-finite value of [n][512]. */
v2f_status v2f__check_vectors(const float *v, size_t n, const char *fn);
/* V2F_E_INVALID_ARG unless dropped/masked [n][49] follow the rules. */
v2f_status v2f__check_masks(const uint8_t *dropped, const uint8_t *masked, size_t n,
                            int num_dropped, const char *fn);
/* Landmark images uint8 HWC -> float CHW in [-1,1] (ToTensor, Normalize 0.5),
 * rounded to float16 values as the official .half(). */
void v2f__landmarks_to_float(const uint8_t *rgb, size_t n, float *out);
/* Raw float CHW images -> uint8 HWC, the official conversion. */
void v2f__raw_to_rgb(const float *raw, size_t n, uint8_t *rgb);

#endif
