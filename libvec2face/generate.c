/* Generation: vectors (+ landmark images) -> masks -> generator -> RGB. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "generate.h"
#include "masks.h"
#include "model.h"

#define PIXELS (3 * V2F_IMAGE_SIZE * V2F_IMAGE_SIZE)

void v2f_gen_opts_init(v2f_gen_opts *o, size_t size)
{
    v2f_gen_opts d;
    if (!o || size < sizeof(uint32_t)) return;
    memset(&d, 0, sizeof d);
    d.struct_size = (uint32_t)(size < sizeof d ? size : sizeof d);
    d.mask_ratio_min = d.mask_ratio_max = d.mask_ratio_mu = d.mask_ratio_std = -1.0f;
    memcpy(o, &d, d.struct_size);
}

static v2f_status read_gen_opts(const v2f_gen_opts *in, v2f_gen_opts *o, const char *fn)
{
    v2f_gen_opts_init(o, sizeof *o);
    v2f_status s = v2f__copy_opts(o, sizeof *o, in, fn);
    if (s) return s;
    if (o->batch_size < 0)
        return v2f__fail(V2F_E_INVALID_ARG, "%s: batch_size %d < 0", fn, (int)o->batch_size);
    if ((o->dropped == NULL) != (o->masked == NULL))
        return v2f__fail(V2F_E_INVALID_ARG,
                         "%s: give both explicit masks (dropped and masked) or neither", fn);
    return V2F_OK;
}

/* The mask distribution: model defaults, overridden where opts are >= 0. */
static v2f_status mask_dist(const v2f_part_info *info, const v2f_gen_opts *o,
                            v2f_mask_dist *d, const char *fn)
{
    d->min = o->mask_ratio_min >= 0 ? o->mask_ratio_min : info->mask_ratio_min;
    d->max = o->mask_ratio_max >= 0 ? o->mask_ratio_max : info->mask_ratio_max;
    d->mu = o->mask_ratio_mu >= 0 ? o->mask_ratio_mu : info->mask_ratio_mu;
    d->std = o->mask_ratio_std >= 0 ? o->mask_ratio_std : info->mask_ratio_std;
    d->num_dropped = info->num_dropped;
    if (o->mask_ratio_min >= 0 && (int)ceil(V2F_NUM_TOKENS * d->min) != info->num_dropped)
        return v2f__fail(V2F_E_INVALID_ARG,
                         "%s: mask_ratio_min %g gives %d dropped tokens, but this %s model "
                         "drops exactly %d (mask_ratio_min %g)", fn, d->min,
                         (int)ceil(V2F_NUM_TOKENS * d->min), info->kind, info->num_dropped,
                         (double)info->mask_ratio_min);
    if (!(d->min <= d->max && d->max <= 1.0 && d->std > 0 && isfinite(d->mu) &&
          isfinite(d->std)))
        return v2f__fail(V2F_E_INVALID_ARG,
                         "%s: mask ratio distribution min %g max %g mu %g std %g: need "
                         "min <= max <= 1 and std > 0", fn, d->min, d->max, d->mu, d->std);
    return V2F_OK;
}

v2f_status v2f__check_vectors(const float *v, size_t n, const char *fn)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < V2F_VECTOR_DIM; j++)
            if (!isfinite(v[i * V2F_VECTOR_DIM + j]))
                return v2f__fail(V2F_E_INVALID_ARG,
                                 "%s: vector %zu has a non-finite value at element %zu", fn, i, j);
    return V2F_OK;
}

v2f_status v2f__check_masks(const uint8_t *dropped, const uint8_t *masked, size_t n,
                            int num_dropped, const char *fn)
{
    for (size_t i = 0; i < n; i++) {
        int count = 0;
        for (int t = 0; t < V2F_NUM_TOKENS; t++) {
            uint8_t d = dropped[i * V2F_NUM_TOKENS + t], m = masked[i * V2F_NUM_TOKENS + t];
            if (d > 1 || m > 1)
                return v2f__fail(V2F_E_INVALID_ARG,
                                 "%s: image %zu token %d: mask bytes must be 0 or 1", fn, i, t);
            if (d && !m)
                return v2f__fail(V2F_E_INVALID_ARG,
                                 "%s: image %zu token %d is dropped but not masked; dropped "
                                 "tokens must be a subset of masked tokens", fn, i, t);
            count += d;
        }
        if (count != num_dropped)
            return v2f__fail(V2F_E_INVALID_ARG,
                             "%s: image %zu drops %d tokens; this model drops exactly %d",
                             fn, i, count, num_dropped);
    }
    return V2F_OK;
}

static uint64_t identity_of(const v2f_gen_opts *o, size_t i)
{
    return o->identity_index ? o->identity_index[i] : o->identity_base + i;
}

static uint64_t image_of(const v2f_gen_opts *o, size_t i)
{
    return o->image_index ? o->image_index[i] : o->image_base;
}

static void fill_masks(const v2f_mask_dist *d, const v2f_gen_opts *o, size_t first,
                       size_t count, uint8_t *dropped, uint8_t *masked)
{
    for (size_t i = 0; i < count; i++)
        v2f__sample_mask(d, o->seed, identity_of(o, first + i), image_of(o, first + i),
                         dropped + i * V2F_NUM_TOKENS, masked + i * V2F_NUM_TOKENS);
}

v2f_status v2f_sample_masks(const v2f_model *model, int32_t part, size_t n,
                            const v2f_gen_opts *opts, uint8_t *dropped_out,
                            uint8_t *masked_out)
{
    const char *fn = "v2f_sample_masks";
    v2f_gen_opts o;
    v2f_mask_dist d;
    const v2f_shim_module *sm;
    v2f_status s;
    int ok;
    if (!model || !dropped_out || !masked_out)
        return v2f__fail(V2F_E_INVALID_ARG, "%s: NULL argument", fn);
    if (part != V2F_PART_GENERATOR && part != V2F_PART_POSE_GENERATOR)
        return v2f__fail(V2F_E_INVALID_ARG, "%s: part must be a generator", fn);
    v2f__mul(n, V2F_NUM_TOKENS, &ok);
    if (!ok) return v2f__fail(V2F_E_OVERFLOW, "%s: n = %zu is too large", fn, n);
    if ((s = read_gen_opts(opts, &o, fn)) || (s = v2f__model_part(model, part, &sm)) ||
        (s = mask_dist(&model->info[part], &o, &d, fn)))
        return s;
    fill_masks(&d, &o, 0, n, dropped_out, masked_out);
    return V2F_OK;
}

void v2f__raw_to_rgb(const float *raw, size_t n, uint8_t *rgb)
{
    const size_t plane = V2F_IMAGE_SIZE * V2F_IMAGE_SIZE;
    for (size_t i = 0; i < n; i++) {
        const float *src = raw + i * PIXELS;
        uint8_t *dst = rgb + i * V2F_IMAGE_BYTES;
        for (size_t p = 0; p < plane; p++)
            for (size_t c = 0; c < 3; c++) {
                /* Official: ((x + 1) / 2 * 255).clip(0, 255).astype(uint8) in float32. */
                float v = (src[c * plane + p] + 1.0f) / 2.0f * 255.0f;
                dst[p * 3 + c] = v > 0.0f ? (v < 255.0f ? (uint8_t)v : 255) : 0;
            }
    }
}

v2f_status v2f_raw_to_rgb(const float *raw, size_t n, uint8_t *rgb_out)
{
    int ok;
    if (!raw || !rgb_out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_raw_to_rgb: NULL argument");
    v2f__mul(n, PIXELS * sizeof(float), &ok);
    if (!ok) return v2f__fail(V2F_E_OVERFLOW, "v2f_raw_to_rgb: n = %zu is too large", n);
    v2f__raw_to_rgb(raw, n, rgb_out);
    return V2F_OK;
}

/* x rounded to the nearest float16 value (ties to even), as a float:
 * what torch's .half() keeps. Overflow gives +-inf, NaN stays NaN. */
static float round_to_half(float x)
{
    uint32_t u, a;
    memcpy(&u, &x, sizeof u);
    a = u & 0x7fffffffu;
    if (a >= 0x7f800000u) return x;                       /* inf, NaN */
    if (a < 0x38800000u) {                                /* below 2^-14: subnormal */
        float r = rintf(fabsf(x) * 16777216.0f) / 16777216.0f;  /* step 2^-24 */
        return copysignf(r, x);
    }
    /* Keep 10 of the 23 fraction bits, round to nearest even on the other
     * 13 (a carry into the exponent is the right answer). */
    a = (a + 0x0fffu + ((a >> 13) & 1u)) & ~0x1fffu;
    if (a >= 0x47800000u) a = 0x7f800000u;                /* >= 65520 -> inf */
    u = (u & 0x80000000u) | a;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Landmark images uint8 HWC -> float CHW in [-1,1] (ToTensor, Normalize 0.5),
 * each value then rounded to float16: the official pose_control.py calls
 * .half() on the landmark tensor before the encoder (the encoder itself runs
 * in float32 here). Values from pure 0/255 pixels (v2f_render_landmarks) are
 * exact; the grey levels of JPEG landmark maps move by up to 2^-12. */
void v2f__landmarks_to_float(const uint8_t *rgb, size_t n, float *out)
{
    const size_t plane = V2F_IMAGE_SIZE * V2F_IMAGE_SIZE;
    float value[256];
    for (int k = 0; k < 256; k++) {
        float t = (float)k / 255.0f;
        value[k] = round_to_half((t - 0.5f) / 0.5f);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < plane; p++)
            for (size_t c = 0; c < 3; c++)
                out[i * PIXELS + c * plane + p] = value[rgb[i * V2F_IMAGE_BYTES + p * 3 + c]];
}

/* The shared loop of v2f_generate and v2f_generate_pose. */
static v2f_status run(const v2f_model *model, int32_t part, const float *vectors,
                      const uint8_t *landmarks, size_t n, const v2f_gen_opts *opts,
                      uint8_t *rgb_out, const char *fn)
{
    v2f_gen_opts o;
    v2f_mask_dist dist;
    const v2f_shim_module *gen, *cond_net = NULL;
    v2f_status s;
    int ok;
    uint8_t *dropped = NULL, *masked = NULL;
    float *raw = NULL, *lm = NULL, *cond = NULL;

    if (!model || !vectors || !rgb_out || (part == V2F_PART_POSE_GENERATOR && !landmarks))
        return v2f__fail(V2F_E_INVALID_ARG, "%s: NULL argument", fn);
    if (n == 0)
        return v2f__fail(V2F_E_INVALID_ARG, "%s: n must be at least 1", fn);
    v2f__mul(n, PIXELS * sizeof(float), &ok);
    if (!ok || v2f_image_bytes(n) == 0 || n > SIZE_MAX / (V2F_VECTOR_DIM * sizeof(float)))
        return v2f__fail(V2F_E_OVERFLOW, "%s: n = %zu is too large", fn, n);
    if ((s = read_gen_opts(opts, &o, fn)) || (s = v2f__model_part(model, part, &gen)))
        return s;
    if (part == V2F_PART_POSE_GENERATOR &&
        (s = v2f__model_part(model, V2F_PART_POSE_COND, &cond_net)))
        return s;
    /* The memory cap, before anything is read or allocated: a huge n is
     * fine (it goes in batches), a huge batch_size is not. */
    size_t batch = o.batch_size > 0 ? (size_t)o.batch_size : (size_t)model->default_batch;
    if (batch > n) batch = n;
    uint64_t per_image = 2 * V2F_NUM_TOKENS + V2F_GEN_WORK_PER_IMAGE +
                         (o.raw_out ? 0 : PIXELS * sizeof(float)) +
                         (cond_net ? PIXELS * sizeof(float) + V2F_COND_DIM * sizeof(float) : 0);
    if ((s = v2f__check_memory(model, (uint64_t)batch * per_image, fn,
                               "lower v2f_gen_opts.batch_size")))
        return s;
    if ((s = mask_dist(&model->info[part], &o, &dist, fn)) || (s = v2f__check_vectors(vectors, n, fn)))
        return s;
    if (o.dropped &&
        (s = v2f__check_masks(o.dropped, o.masked, n, model->info[part].num_dropped, fn)))
        return s;

    dropped = malloc(batch * V2F_NUM_TOKENS);
    masked = malloc(batch * V2F_NUM_TOKENS);
    raw = o.raw_out ? NULL : malloc(batch * PIXELS * sizeof(float));
    if (cond_net) {
        lm = malloc(batch * PIXELS * sizeof(float));
        cond = malloc(batch * V2F_COND_DIM * sizeof(float));
    }
    if (!dropped || !masked || (!o.raw_out && !raw) || (cond_net && (!lm || !cond))) {
        s = v2f__fail(V2F_E_NO_MEMORY, "%s: out of memory for a batch of %zu", fn, batch);
        goto done;
    }
    for (size_t first = 0; first < n; first += batch) {
        size_t count = n - first < batch ? n - first : batch;
        float *out = o.raw_out ? o.raw_out + first * PIXELS : raw;
        if (o.dropped) {
            memcpy(dropped, o.dropped + first * V2F_NUM_TOKENS, count * V2F_NUM_TOKENS);
            memcpy(masked, o.masked + first * V2F_NUM_TOKENS, count * V2F_NUM_TOKENS);
        } else {
            fill_masks(&dist, &o, first, count, dropped, masked);
        }
        if (cond_net) {
            v2f__landmarks_to_float(landmarks + first * V2F_IMAGE_BYTES, count, lm);
            if ((s = v2f_shim_pose_cond(cond_net, lm, count, cond)))
                goto done;
        }
        if ((s = v2f_shim_generate(gen, vectors + first * V2F_VECTOR_DIM, dropped, masked,
                                   cond, count, out)))
            goto done;
        v2f__raw_to_rgb(out, count, rgb_out + first * V2F_IMAGE_BYTES);
        if (o.progress && o.progress(o.progress_user, first + count, n)) {
            s = v2f__fail(V2F_E_CANCELLED, "%s: cancelled by the progress callback after "
                          "%zu of %zu images", fn, first + count, n);
            goto done;
        }
    }
    s = V2F_OK;
done:
    free(dropped);
    free(masked);
    free(raw);
    free(lm);
    free(cond);
    return s;
}

v2f_status v2f_generate(const v2f_model *model, const float *vectors, size_t n,
                        const v2f_gen_opts *opts, uint8_t *rgb_out)
{
    return run(model, V2F_PART_GENERATOR, vectors, NULL, n, opts, rgb_out, "v2f_generate");
}

v2f_status v2f_generate_pose(const v2f_model *model, const float *vectors,
                             const uint8_t *landmarks, size_t n, const v2f_gen_opts *opts,
                             uint8_t *rgb_out)
{
    return run(model, V2F_PART_POSE_GENERATOR, vectors, landmarks, n, opts, rgb_out,
               "v2f_generate_pose");
}
