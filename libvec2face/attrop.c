/* AttrOP handles: options, mask keys, the official retry loop, final
 * images. The arithmetic (forward, losses, backward, Adam) is in
 * torch/attrop.cpp. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "generate.h"
#include "masks.h"
#include "model.h"
#include "torch/attrop_shim.h"

/* Loop steps draw masks from a stream of their own, so that they never
 * coincide with the keys of v2f_generate or of the final images. */
#define ATTROP_SEED_SALT 0xA77B0F5EED5A17ull

/* Official thresholds above which a step does not count. */
#define POSE_LIMIT 5.0f
#define QUALITY_LIMIT 1.0f

struct v2f_attrop {
    const v2f_model *model;
    size_t n;
    int32_t gen_part;
    v2f_mask_dist dist;
    float target_sim;
    int32_t max_retries;
    uint64_t seed, image_base, steps_taken;
    uint64_t *ids;                    /* [n] mask identity keys */
    uint8_t *fixed_dropped, *fixed_masked;  /* explicit masks or NULL */
    uint8_t *dropped, *masked;        /* work buffers [n][49] */
    v2f_shim_attrop *shim;
};

void v2f_attrop_opts_init(v2f_attrop_opts *o, size_t size)
{
    v2f_attrop_opts d;
    if (!o || size < sizeof(uint32_t)) return;
    memset(&d, 0, sizeof d);
    d.struct_size = (uint32_t)(size < sizeof d ? size : sizeof d);
    d.lr = 0.1f;
    d.target_sim = 0.3f;
    d.quality_target = 24.0f;
    d.yaw_target = -1.0f;
    d.identity_model = V2F_PART_ARCFACE;
    d.quality_model = V2F_PART_MAGFACE;
    d.max_retries = 30;
    memcpy(o, &d, d.struct_size);
}

static v2f_status check_opts(const v2f_attrop_opts *o, const char *fn)
{
    if (!(o->lr > 0) || !isfinite(o->lr))
        return v2f__fail(V2F_E_INVALID_ARG, "%s: lr must be > 0", fn);
    if (!(o->target_sim >= 0 && o->target_sim <= 2))
        return v2f__fail(V2F_E_INVALID_ARG, "%s: target_sim must be in [0, 2]", fn);
    if (!(o->quality_target >= 0) || !isfinite(o->quality_target))
        return v2f__fail(V2F_E_INVALID_ARG, "%s: quality_target must be >= 0 (0 = off)", fn);
    if (isnan(o->yaw_target) || o->yaw_target > 90)
        return v2f__fail(V2F_E_INVALID_ARG,
                         "%s: yaw_target must be in [0, 90] degrees, or negative for off", fn);
    if (o->identity_model != V2F_PART_ARCFACE && o->identity_model != V2F_PART_MAGFACE)
        return v2f__fail(V2F_E_INVALID_ARG, "%s: identity_model must be V2F_PART_ARCFACE or "
                         "V2F_PART_MAGFACE", fn);
    if (o->quality_model != V2F_PART_ARCFACE && o->quality_model != V2F_PART_MAGFACE)
        return v2f__fail(V2F_E_INVALID_ARG, "%s: quality_model must be V2F_PART_MAGFACE or "
                         "V2F_PART_ARCFACE", fn);
    if (o->max_retries < 0)
        return v2f__fail(V2F_E_INVALID_ARG, "%s: max_retries must be >= 0", fn);
    if ((o->dropped == NULL) != (o->masked == NULL))
        return v2f__fail(V2F_E_INVALID_ARG, "%s: give both explicit masks or neither", fn);
    if (o->landmarks && o->condition)
        return v2f__fail(V2F_E_INVALID_ARG, "%s: give landmarks or condition, not both", fn);
    return V2F_OK;
}

/* Pose conditions [n][768] from landmark images through pose_cond.pt. */
static v2f_status landmark_conditions(const v2f_model *m, const uint8_t *landmarks, size_t n,
                                      float **out, const char *fn)
{
    const v2f_shim_module *net;
    v2f_status s;
    float *img, *cond;
    *out = NULL;
    if ((s = v2f__model_part(m, V2F_PART_POSE_COND, &net))) return s;
    img = malloc(n * 3 * V2F_IMAGE_SIZE * V2F_IMAGE_SIZE * sizeof(float));
    cond = malloc(n * V2F_COND_DIM * sizeof(float));
    if (!img || !cond) {
        free(img);
        free(cond);
        return v2f__fail(V2F_E_NO_MEMORY, "%s: out of memory", fn);
    }
    v2f__landmarks_to_float(landmarks, n, img);
    s = v2f_shim_pose_cond(net, img, n, cond);
    free(img);
    if (s) free(cond);
    else *out = cond;
    return s;
}

static v2f_status new_handle(const v2f_model *model, const float *vectors,
                             const float *class_vectors, size_t n, const v2f_attrop_opts *o,
                             v2f_attrop *h, const char *fn)
{
    v2f_shim_attrop_nets nets = {0};
    v2f_status s;
    float *cond = NULL;
    int pose_gen = o->landmarks || o->condition;

    h->gen_part = pose_gen ? V2F_PART_POSE_GENERATOR : V2F_PART_GENERATOR;
    if ((s = v2f__model_part(model, h->gen_part, &nets.generator)) ||
        (s = v2f__model_part(model, o->identity_model, &nets.identity)))
        return s;
    if (o->quality_target > 0 && (s = v2f__model_part(model, o->quality_model, &nets.quality)))
        return s;
    if (o->yaw_target >= 0 && (s = v2f__model_part(model, V2F_PART_HEADPOSE, &nets.headpose)))
        return s;
    if ((s = v2f__check_vectors(vectors, n, fn)) ||
        (class_vectors && (s = v2f__check_vectors(class_vectors, n, fn))))
        return s;
    const v2f_part_info *info = &model->info[h->gen_part];
    h->dist = (v2f_mask_dist){info->mask_ratio_min, info->mask_ratio_max, info->mask_ratio_mu,
                              info->mask_ratio_std, info->num_dropped};
    if (o->dropped && (s = v2f__check_masks(o->dropped, o->masked, n, info->num_dropped, fn)))
        return s;

    size_t mask_bytes = n * V2F_NUM_TOKENS;
    h->ids = malloc(n * sizeof *h->ids);
    h->dropped = malloc(mask_bytes);
    h->masked = malloc(mask_bytes);
    if (o->dropped) {
        h->fixed_dropped = malloc(mask_bytes);
        h->fixed_masked = malloc(mask_bytes);
    }
    if (!h->ids || !h->dropped || !h->masked || (o->dropped && (!h->fixed_dropped || !h->fixed_masked)))
        return v2f__fail(V2F_E_NO_MEMORY, "%s: out of memory", fn);
    for (size_t i = 0; i < n; i++)
        h->ids[i] = o->identity_index ? o->identity_index[i] : o->identity_base + i;
    if (o->dropped) {
        memcpy(h->fixed_dropped, o->dropped, mask_bytes);
        memcpy(h->fixed_masked, o->masked, mask_bytes);
    }
    if (o->landmarks && (s = landmark_conditions(model, o->landmarks, n, &cond, fn)))
        return s;
    for (size_t i = 0; o->condition && i < n * V2F_COND_DIM; i++)
        if (!isfinite(o->condition[i]))
            return v2f__fail(V2F_E_INVALID_ARG, "%s: condition %zu has a non-finite value", fn,
                             i / V2F_COND_DIM);
    v2f_shim_attrop_params p = {o->lr, o->target_sim, o->quality_target, o->yaw_target};
    s = v2f_shim_attrop_new(&nets, vectors, class_vectors, cond ? cond : o->condition, n, &p,
                            &h->shim);
    free(cond);
    return s;
}

v2f_status v2f_attrop_new(const v2f_model *model, const float *vectors,
                          const float *class_vectors, size_t n, const v2f_attrop_opts *opts,
                          v2f_attrop **out)
{
    const char *fn = "v2f_attrop_new";
    v2f_attrop_opts o;
    v2f_attrop *h;
    v2f_status s;
    if (out) *out = NULL;
    if (!model || !vectors || !out) return v2f__fail(V2F_E_INVALID_ARG, "%s: NULL argument", fn);
    if (n == 0) return v2f__fail(V2F_E_INVALID_ARG, "%s: n must be at least 1", fn);
    if (model->attrop == V2F_ATTROP_DISABLED)
        return v2f__fail(V2F_E_UNSUPPORTED, "%s: %s was loaded with v2f_runtime_opts.attrop = "
                         "V2F_ATTROP_DISABLED (no autograd copies of the networks); load it "
                         "with V2F_ATTROP_ENABLED to run AttrOP", fn, model->dir);
    if (n > SIZE_MAX / (V2F_IMAGE_BYTES * sizeof(float) * 3))
        return v2f__fail(V2F_E_OVERFLOW, "%s: n = %zu is too large", fn, n);
    v2f_attrop_opts_init(&o, sizeof o);
    if ((s = v2f__copy_opts(&o, sizeof o, opts, fn)) || (s = check_opts(&o, fn))) return s;
    /* Every step runs all n vectors at once through the generator and the
     * estimators with autograd (forward and backward). */
    if ((s = v2f__check_memory(model, (uint64_t)n * (2 * V2F_GEN_WORK_PER_IMAGE +
                                                     2 * V2F_EST_WORK_PER_IMAGE),
                               fn, "fewer vectors per AttrOP handle")))
        return s;
    if (!(h = calloc(1, sizeof *h))) return v2f__fail(V2F_E_NO_MEMORY, "%s: out of memory", fn);
    h->model = model;
    h->n = n;
    h->target_sim = o.target_sim;
    h->max_retries = o.max_retries;
    h->seed = o.seed;
    h->image_base = o.image_base;
    if ((s = new_handle(model, vectors, class_vectors, n, &o, h, fn))) {
        v2f_attrop_free(h);
        return s;
    }
    *out = h;
    return V2F_OK;
}

void v2f_attrop_free(v2f_attrop *h)
{
    if (!h) return;
    v2f_shim_attrop_free(h->shim);
    free(h->ids);
    free(h->dropped);
    free(h->masked);
    free(h->fixed_dropped);
    free(h->fixed_masked);
    free(h);
}

/* Masks of all n vectors for one key (seed, identity, image). */
static void masks_for(const v2f_attrop *h, uint64_t seed, uint64_t image, uint8_t *dropped,
                      uint8_t *masked)
{
    if (h->fixed_dropped) {
        memcpy(dropped, h->fixed_dropped, h->n * V2F_NUM_TOKENS);
        memcpy(masked, h->fixed_masked, h->n * V2F_NUM_TOKENS);
        return;
    }
    for (size_t i = 0; i < h->n; i++)
        v2f__sample_mask(&h->dist, seed, h->ids[i], image, dropped + i * V2F_NUM_TOKENS,
                         masked + i * V2F_NUM_TOKENS);
}

/* One optimiser step; *exceeds tells the retry rule. */
static v2f_status one_step(v2f_attrop *h, v2f_attrop_losses *out, int *exceeds)
{
    v2f_shim_attrop_losses l = {0};
    v2f_status s;
    if (out) {
        l.identity_per_vector = out->identity_per_vector;
        l.quality_per_vector = out->quality_per_vector;
        l.pose_per_vector = out->pose_per_vector;
    }
    masks_for(h, h->seed ^ ATTROP_SEED_SALT, h->steps_taken, h->dropped, h->masked);
    if ((s = v2f_shim_attrop_step(h->shim, h->dropped, h->masked, &l))) return s;
    h->steps_taken++;
    *exceeds = l.pose > POSE_LIMIT || l.identity > h->target_sim || l.quality > QUALITY_LIMIT;
    if (out) {
        out->identity = l.identity;
        out->quality = l.quality;
        out->pose = l.pose;
        out->total = l.total;
    }
    return V2F_OK;
}

static v2f_status check_losses_struct(const v2f_attrop_losses *l, const char *fn)
{
    if (l && l->struct_size < sizeof(v2f_attrop_losses))
        return v2f__fail(V2F_E_INVALID_ARG, "%s: set losses->struct_size = sizeof(v2f_attrop_losses)",
                         fn);
    return V2F_OK;
}

v2f_status v2f_attrop_step(v2f_attrop *h, v2f_attrop_losses *losses)
{
    v2f_status s;
    int exceeds;
    if (!h) return v2f__fail(V2F_E_INVALID_ARG, "v2f_attrop_step: NULL handle");
    if ((s = check_losses_struct(losses, "v2f_attrop_step"))) return s;
    if ((s = one_step(h, losses, &exceeds))) return s;
    if (losses) {
        losses->counted = !exceeds;
        losses->steps = 1;
        losses->retries = exceeds;
    }
    return V2F_OK;
}

v2f_status v2f_attrop_run(v2f_attrop *h, int32_t iterations, v2f_attrop_losses *losses)
{
    v2f_attrop_losses local;
    v2f_status s;
    int exceeds = 0;
    int32_t done = 0, retries = 0, steps = 0;
    if (!h) return v2f__fail(V2F_E_INVALID_ARG, "v2f_attrop_run: NULL handle");
    if (iterations < 1) return v2f__fail(V2F_E_INVALID_ARG, "v2f_attrop_run: iterations must be >= 1");
    if ((s = check_losses_struct(losses, "v2f_attrop_run"))) return s;
    memset(&local, 0, sizeof local);
    if (losses) local = *losses;
    /* Official loop: a step over a threshold does not count, at most
     * max_retries times. */
    while (done < iterations) {
        if ((s = one_step(h, &local, &exceeds))) return s;
        steps++;
        if (exceeds && retries < h->max_retries) retries++;
        else done++;
    }
    if (losses) {
        float *a = losses->identity_per_vector, *b = losses->quality_per_vector,
              *c = losses->pose_per_vector;
        *losses = local;
        losses->identity_per_vector = a;
        losses->quality_per_vector = b;
        losses->pose_per_vector = c;
        losses->counted = !exceeds || retries >= h->max_retries;
        losses->steps = steps;
        losses->retries = retries;
    }
    return V2F_OK;
}

v2f_status v2f_attrop_vectors(const v2f_attrop *h, float *out)
{
    if (!h || !out) return v2f__fail(V2F_E_INVALID_ARG, "v2f_attrop_vectors: NULL argument");
    return v2f_shim_attrop_vectors(h->shim, out);
}

v2f_status v2f_attrop_gradient(const v2f_attrop *h, float *out)
{
    if (!h || !out) return v2f__fail(V2F_E_INVALID_ARG, "v2f_attrop_gradient: NULL argument");
    return v2f_shim_attrop_gradient(h->shim, out);
}

v2f_status v2f_attrop_images(const v2f_attrop *h, uint8_t *rgb_out)
{
    const char *fn = "v2f_attrop_images";
    v2f_status s;
    if (!h || !rgb_out) return v2f__fail(V2F_E_INVALID_ARG, "%s: NULL argument", fn);
    float *vec = malloc(h->n * V2F_VECTOR_DIM * sizeof(float));
    float *raw = malloc(h->n * 3 * V2F_IMAGE_SIZE * V2F_IMAGE_SIZE * sizeof(float));
    uint8_t *dropped = malloc(h->n * V2F_NUM_TOKENS), *masked = malloc(h->n * V2F_NUM_TOKENS);
    if (!vec || !raw || !dropped || !masked) {
        s = v2f__fail(V2F_E_NO_MEMORY, "%s: out of memory", fn);
        goto done;
    }
    /* Fresh masks keyed like v2f_generate's; the official final forward
     * runs the loop's generator without the pose condition. */
    masks_for(h, h->seed, h->image_base, dropped, masked);
    if ((s = v2f_shim_attrop_vectors(h->shim, vec)) ||
        (s = v2f_shim_generate(h->model->parts[h->gen_part], vec, dropped, masked, NULL, h->n,
                               raw)))
        goto done;
    v2f__raw_to_rgb(raw, h->n, rgb_out);
done:
    free(vec);
    free(raw);
    free(dropped);
    free(masked);
    return s;
}
