/* Internal C interface to the libtorch shim: the C layer never sees C++.
 * Every function is an exception barrier: it returns a status and sets the
 * thread's error message; out-pointers are NULL/0 on failure. */
#ifndef V2F_SHIM_H
#define V2F_SHIM_H

#include "vec2face/vec2face.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct v2f_shim_module v2f_shim_module;

/* Check a device string ("cpu", "cuda:N") against the linked libtorch. */
v2f_status v2f_shim_check_device(const char *device);

/* Set libtorch's intra-op thread count (process-wide). */
v2f_status v2f_shim_set_threads(int32_t threads);
int32_t v2f_shim_get_threads(void);

/* Check a v2f_precision against the device (bf16 needs AVX512-BF16 or
 * AMX-BF16 on the CPU). */
v2f_status v2f_shim_check_precision(const char *device, int32_t precision);

/* Load one part file, check its kind and metadata, fill `info`, move it to
 * `device`, freeze and optimise it for inference (generators in
 * `precision`; other parts and the autograd copy stay float32). The
 * autograd copy (`plain`, for AttrOP) is kept only when keep_plain. */
v2f_status v2f_shim_load(const char *path, int32_t part, const char *device,
                         int32_t precision, int keep_plain, v2f_shim_module **out,
                         v2f_part_info *info);
void v2f_shim_free(v2f_shim_module *m);

/* Generator: vectors [n][512], dropped/masked [n][49] bytes, cond
 * [n][768] or NULL -> raw images [n][3][112][112]. */
v2f_status v2f_shim_generate(const v2f_shim_module *m, const float *vectors,
                             const uint8_t *dropped, const uint8_t *masked,
                             const float *cond, size_t n, float *raw_out);

/* Landmark encoder: landmark images as float [n][3][112][112] in [-1,1]
 * -> conditions [n][768]. */
v2f_status v2f_shim_pose_cond(const v2f_shim_module *m, const float *images,
                              size_t n, float *cond_out);

/* An image network (arcface, magface, headpose): images as float
 * [n][3][112][112] already preprocessed -> out [n][out_dim]. */
v2f_status v2f_shim_image_net(const v2f_shim_module *m, const float *images,
                              size_t n, float *out, int64_t out_dim);

#ifdef __cplusplus
}
#endif

#endif
