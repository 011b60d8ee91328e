/* Internal C interface to AttrOP in the libtorch shim. */
#ifndef V2F_ATTROP_SHIM_H
#define V2F_ATTROP_SHIM_H

#include "shim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct v2f_shim_attrop v2f_shim_attrop;

typedef struct v2f_shim_attrop_nets {
    const v2f_shim_module *generator;   /* generator or pose generator */
    const v2f_shim_module *identity;    /* arcface or magface */
    const v2f_shim_module *quality;     /* NULL: no quality loss */
    const v2f_shim_module *headpose;    /* NULL: no pose loss */
} v2f_shim_attrop_nets;

typedef struct v2f_shim_attrop_params {
    double lr, target_sim, quality_target, yaw_target;
} v2f_shim_attrop_params;

typedef struct v2f_shim_attrop_losses {
    float identity, quality, pose, total;      /* batch means */
    float *identity_per_vector;                /* [n] or NULL */
    float *quality_per_vector;
    float *pose_per_vector;
} v2f_shim_attrop_losses;

/* vectors and class_vectors (or NULL) [n][512]; cond [n][768] or NULL. */
v2f_status v2f_shim_attrop_new(const v2f_shim_attrop_nets *nets, const float *vectors,
                               const float *class_vectors, const float *cond, size_t n,
                               const v2f_shim_attrop_params *params, v2f_shim_attrop **out);
void v2f_shim_attrop_free(v2f_shim_attrop *h);
/* One Adam step with the given masks [n][49]; fills the losses of the
 * forward pass that made the step. */
v2f_status v2f_shim_attrop_step(v2f_shim_attrop *h, const uint8_t *dropped,
                                const uint8_t *masked, v2f_shim_attrop_losses *losses);
v2f_status v2f_shim_attrop_vectors(const v2f_shim_attrop *h, float *out);
v2f_status v2f_shim_attrop_gradient(const v2f_shim_attrop *h, float *out);

#ifdef __cplusplus
}
#endif

#endif
