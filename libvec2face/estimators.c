/* Estimators: identity features (ArcFace, MagFace), quality (MagFace
 * feature norm) and head pose (6DRepNet), from uint8 RGB images. */
#include <math.h>
#include <stdlib.h>

#include "error.h"
#include "model.h"

#define BATCH 16
#define PIXELS (3 * V2F_IMAGE_SIZE * V2F_IMAGE_SIZE)

/* uint8 HWC RGB -> float CHW. Identity models: RGB, x/127.5 - 1 (official
 * preprocessing). Head pose: BGR in [0,1], as AttrOP feeds 6DRepNet. */
static void preprocess(const uint8_t *rgb, size_t n, int bgr01, float *out)
{
    const size_t plane = V2F_IMAGE_SIZE * V2F_IMAGE_SIZE;
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < plane; p++)
            for (size_t c = 0; c < 3; c++) {
                float x = (float)rgb[i * V2F_IMAGE_BYTES + p * 3 + c];
                size_t dst_c = bgr01 ? 2 - c : c;
                out[i * PIXELS + dst_c * plane + p] = bgr01 ? x / 255.0f : x / 127.5f - 1.0f;
            }
}

static v2f_status run_net(const v2f_model *model, int32_t part, const uint8_t *rgb, size_t n,
                          float *out, int64_t out_dim, const char *fn)
{
    const v2f_shim_module *net;
    v2f_status s;
    float *buf;
    if (!model || !rgb || !out) return v2f__fail(V2F_E_INVALID_ARG, "%s: NULL argument", fn);
    if (n == 0) return v2f__fail(V2F_E_INVALID_ARG, "%s: n must be at least 1", fn);
    if (v2f_image_bytes(n) == 0 || n > SIZE_MAX / (PIXELS * sizeof(float)))
        return v2f__fail(V2F_E_OVERFLOW, "%s: n = %zu is too large", fn, n);
    if ((s = v2f__model_part(model, part, &net))) return s;
    /* Batches of 16, fewer when the memory cap is smaller (the same rule
     * as the generators' default batch); a cap below one image fails. */
    const uint64_t per_image = PIXELS * sizeof(float) + V2F_EST_WORK_PER_IMAGE;
    const uint64_t fits = model->memory_limit / per_image;
    size_t batch = n < BATCH ? n : BATCH;
    if (fits < batch) batch = fits > 0 ? (size_t)fits : 1;
    if ((s = v2f__check_memory(model, batch * per_image, fn,
                               "raise it; estimators need one image at a time")))
        return s;
    if (!(buf = malloc(batch * PIXELS * sizeof(float))))
        return v2f__fail(V2F_E_NO_MEMORY, "%s: out of memory", fn);
    for (size_t first = 0; first < n; first += batch) {
        size_t count = n - first < batch ? n - first : batch;
        preprocess(rgb + first * V2F_IMAGE_BYTES, count, part == V2F_PART_HEADPOSE, buf);
        if ((s = v2f_shim_image_net(net, buf, count, out + first * out_dim, out_dim))) break;
    }
    free(buf);
    return s;
}

v2f_status v2f_extract_features(const v2f_model *model, int32_t which, const uint8_t *rgb,
                                size_t n, float *features_out)
{
    if (which != V2F_PART_ARCFACE && which != V2F_PART_MAGFACE)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_extract_features: which must be "
                         "V2F_PART_ARCFACE or V2F_PART_MAGFACE, got %d", (int)which);
    return run_net(model, which, rgb, n, features_out, V2F_VECTOR_DIM, "v2f_extract_features");
}

v2f_status v2f_estimate_quality(const v2f_model *model, const uint8_t *rgb, size_t n,
                                float *quality_out)
{
    const char *fn = "v2f_estimate_quality";
    float *feat;
    v2f_status s;
    if (!quality_out) return v2f__fail(V2F_E_INVALID_ARG, "%s: NULL argument", fn);
    if (v2f_image_bytes(n) == 0 && n != 0)
        return v2f__fail(V2F_E_OVERFLOW, "%s: n = %zu is too large", fn, n);
    if (n == 0)   /* run_net reports it with the other argument checks */
        return run_net(model, V2F_PART_MAGFACE, rgb, n, quality_out, V2F_VECTOR_DIM, fn);
    /* Features of one batch at a time: n may be huge. */
    if (!(feat = malloc(BATCH * V2F_VECTOR_DIM * sizeof(float))))
        return v2f__fail(V2F_E_NO_MEMORY, "%s: out of memory", fn);
    s = V2F_OK;
    for (size_t first = 0; s == V2F_OK && first < n; first += BATCH) {
        size_t count = n - first < BATCH ? n - first : BATCH;
        s = run_net(model, V2F_PART_MAGFACE, rgb ? rgb + first * V2F_IMAGE_BYTES : NULL,
                    count, feat, V2F_VECTOR_DIM, fn);
        for (size_t i = 0; s == V2F_OK && i < count; i++) {
            double sum = 0;
            for (size_t j = 0; j < V2F_VECTOR_DIM; j++)
                sum += (double)feat[i * V2F_VECTOR_DIM + j] * feat[i * V2F_VECTOR_DIM + j];
            quality_out[first + i] = (float)sqrt(sum);
        }
    }
    free(feat);
    return s;
}

v2f_status v2f_estimate_pose(const v2f_model *model, const uint8_t *rgb, size_t n,
                             float *angles_out)
{
    return run_net(model, V2F_PART_HEADPOSE, rgb, n, angles_out, 3, "v2f_estimate_pose");
}
