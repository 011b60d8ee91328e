/* Model directories: load, free, describe. */
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "model_precheck.h"
#include "util/cpu.h"

const char *const v2f__part_files[V2F_PART_COUNT] = {
    "generator.pt", "pose_generator.pt", "pose_cond.pt",
    "arcface.pt", "magface.pt", "headpose.pt"};

void v2f_runtime_opts_init(v2f_runtime_opts *o, size_t size)
{
    v2f_runtime_opts d;
    if (!o || size < sizeof(uint32_t)) return;
    memset(&d, 0, sizeof d);
    d.struct_size = (uint32_t)(size < sizeof d ? size : sizeof d);
    d.device = NULL;
    d.threads = 0;
    d.precision = V2F_PRECISION_FP32;
    d.max_model_bytes = 0;   /* V2F_MODEL_MAX_BYTES_DEFAULT */
    d.memory_limit = 0;      /* half of the physical memory */
    d.attrop = V2F_ATTROP_ENABLED;
    memcpy(o, &d, d.struct_size);
}

int32_t v2f__default_batch(const char *device, uint64_t memory_limit, uint64_t per_image)
{
    uint64_t batch = strncmp(device, "cuda", 4) == 0 ? V2F_DEFAULT_BATCH_CUDA
                                                     : V2F_DEFAULT_BATCH_CPU;
    uint64_t fits = per_image ? memory_limit / per_image : batch;
    if (fits < batch) batch = fits;
    return batch < 1 ? 1 : (int32_t)batch;
}

v2f_status v2f_model_load(const char *dir, const v2f_runtime_opts *opts,
                          v2f_model **out)
{
    v2f_runtime_opts o;
    struct stat st;
    v2f_status s;
    v2f_model *m;
    v2f__model_limits limits;
    int found = 0;

    if (out) *out = NULL;
    if (!dir || !out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_model_load: dir and out must not be NULL");
    v2f_runtime_opts_init(&o, sizeof o);
    if ((s = v2f__copy_opts(&o, sizeof o, opts, "v2f_model_load: runtime options")))
        return s;
    if (o.threads < 0)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_model_load: threads %d < 0", (int)o.threads);
    if (o.attrop != V2F_ATTROP_ENABLED && o.attrop != V2F_ATTROP_DISABLED)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_model_load: runtime option attrop %d; use "
                         "V2F_ATTROP_ENABLED (0) or V2F_ATTROP_DISABLED (1)", (int)o.attrop);
    if (o.device && strlen(o.device) >= sizeof m->device)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_model_load: device string too long");
    if (strlen(dir) >= sizeof m->dir - 32)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_model_load: path too long");
    if (stat(dir, &st) != 0)
        return v2f__fail(V2F_E_IO, "%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return v2f__fail(V2F_E_IO, "%s: not a directory (a model is a directory of .pt files)", dir);
    if ((s = v2f_shim_check_device(o.device)))
        return s;
    if ((s = v2f_shim_check_precision(o.device, o.precision)))
        return s;

    m = calloc(1, sizeof *m);
    if (!m) return v2f__fail(V2F_E_NO_MEMORY, "v2f_model_load: out of memory");
    snprintf(m->dir, sizeof m->dir, "%s", dir);
    snprintf(m->device, sizeof m->device, "%s", o.device ? o.device : "cpu");
    m->precision = o.precision;
    m->memory_limit = o.memory_limit ? o.memory_limit : v2f__default_memory_limit();
    m->attrop = o.attrop;
    m->default_batch = v2f__default_batch(m->device, m->memory_limit,
                                          V2F_GEN_POSE_BYTES_PER_IMAGE);
    v2f__model_limits_default(&limits);
    if (o.max_model_bytes)
        limits.max_file_bytes = limits.max_total_bytes = o.max_model_bytes;
    if ((s = v2f_shim_set_threads(o.threads > 0 ? o.threads : v2f__cpu_count())))
        goto fail;
    m->threads = v2f_shim_get_threads();

    for (int p = 0; p < V2F_PART_COUNT; p++) {
        char path[4200];
        m->info[p].struct_size = sizeof m->info[p];
        snprintf(path, sizeof path, "%s/%s", dir, v2f__part_files[p]);
        if (stat(path, &st) != 0) {
            if (errno == ENOENT) continue;
            s = v2f__fail(V2F_E_IO, "%s: %s", path, strerror(errno));
            goto fail;
        }
        /* Our own zip checks first: libtorch's reader is not hardened. */
        if ((s = v2f__model_precheck_file(path, &limits)) ||
            (s = v2f_shim_load(path, p, m->device, m->precision,
                               m->attrop == V2F_ATTROP_ENABLED, &m->parts[p], &m->info[p])))
            goto fail;
        found++;
        v2f__log(V2F_LOG_INFO, "loaded %s (%s, source %s)", path, m->info[p].kind,
                 m->info[p].source_sha256);
    }
    if (!found) {
        s = v2f__fail(V2F_E_IO, "%s: no model part found (expected any of generator.pt, "
                      "pose_generator.pt, pose_cond.pt, arcface.pt, magface.pt, headpose.pt; "
                      "make them with python3 -m vec2face_torch.export)", dir);
        goto fail;
    }
    *out = m;
    return V2F_OK;
fail:
    v2f_model_free(m);
    return s;
}

v2f_status v2f__check_memory(const v2f_model *m, uint64_t need, const char *fn,
                             const char *lever)
{
    return v2f__check_memory_cap(m ? m->memory_limit : v2f__default_memory_limit(), need,
                                 fn, lever);
}

void v2f_model_free(v2f_model *m)
{
    if (!m) return;
    for (int p = 0; p < V2F_PART_COUNT; p++)
        v2f_shim_free(m->parts[p]);
    free(m);
}

v2f_status v2f__model_part(const v2f_model *m, int32_t part, const v2f_shim_module **out)
{
    *out = NULL;
    if (!m->parts[part])
        return v2f__fail(V2F_E_UNSUPPORTED, "%s/%s: not present in this model directory",
                         m->dir, v2f__part_files[part]);
    *out = m->parts[part];
    return V2F_OK;
}

v2f_status v2f_model_info_get(const v2f_model *m, v2f_model_info *info)
{
    v2f_model_info full;
    if (!m || !info)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_model_info_get: NULL argument");
    if (info->struct_size < sizeof(uint32_t))
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_model_info_get: set info->struct_size");
    memset(&full, 0, sizeof full);
    full.struct_size = info->struct_size < sizeof full ? info->struct_size : sizeof full;
    for (int p = 0; p < V2F_PART_COUNT; p++)
        if (m->parts[p]) full.parts |= 1u << p;
    full.vector_dim = V2F_VECTOR_DIM;
    full.image_size = V2F_IMAGE_SIZE;
    full.cond_dim = V2F_COND_DIM;
    full.threads = m->threads;
    full.precision = m->precision;
    snprintf(full.device, sizeof full.device, "%s", m->device);
    full.default_batch_size = m->default_batch;
    full.attrop = m->attrop;
    memcpy(info, &full, full.struct_size);
    return V2F_OK;
}

v2f_status v2f_model_part_info(const v2f_model *m, int32_t part, v2f_part_info *info)
{
    v2f_part_info full;
    if (!m || !info)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_model_part_info: NULL argument");
    if (part < 0 || part >= V2F_PART_COUNT)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_model_part_info: part %d out of range",
                         (int)part);
    if (info->struct_size < sizeof(uint32_t))
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_model_part_info: set info->struct_size");
    full = m->info[part];
    full.struct_size = info->struct_size < sizeof full ? info->struct_size : sizeof full;
    memcpy(info, &full, full.struct_size);
    return V2F_OK;
}
