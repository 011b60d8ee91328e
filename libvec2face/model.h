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
};

/* The part, or V2F_E_UNSUPPORTED naming the missing file. */
v2f_status v2f__model_part(const v2f_model *m, int32_t part,
                           const v2f_shim_module **out);

extern const char *const v2f__part_files[V2F_PART_COUNT];

#endif
