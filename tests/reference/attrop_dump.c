/* Test helper for check_attrop_vs_reference.py: one AttrOP step with
 * explicit masks, outputs as raw little-endian files.
 *
 *   attrop_dump MODEL N vectors.f32 class.f32|- dropped.u8 masked.u8 landmarks.u8|-
 *               QUALITY_TARGET YAW_TARGET IDENTITY_PART losses.f32 grad.f32 per.f32 vectors_after.f32
 *
 * losses.f32: identity, quality, pose, total; per.f32: [3][N] per-vector
 * identity, quality, pose losses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec2face/vec2face.h"

static void *slurp(const char *path, size_t want)
{
    FILE *f = fopen(path, "rb");
    void *buf = malloc(want);
    if (!f || !buf || fread(buf, 1, want, f) != want) {
        fprintf(stderr, "attrop_dump: cannot read %zu bytes from %s\n", want, path);
        exit(2);
    }
    fclose(f);
    return buf;
}

static void spill(const char *path, const void *buf, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, size, f) != size || fclose(f) != 0) exit(2);
}

int main(int argc, char **argv)
{
    if (argc != 15) {
        fprintf(stderr, "attrop_dump: bad arguments (see the comment at the top)\n");
        return 2;
    }
    size_t n = strtoul(argv[2], NULL, 10);
    float *vec = slurp(argv[3], n * 512 * 4);
    float *cls = strcmp(argv[4], "-") ? slurp(argv[4], n * 512 * 4) : NULL;
    v2f_attrop_opts o;
    v2f_attrop_opts_init(&o, sizeof o);
    o.dropped = slurp(argv[5], n * 49);
    o.masked = slurp(argv[6], n * 49);
    o.landmarks = strcmp(argv[7], "-") ? slurp(argv[7], v2f_image_bytes(n)) : NULL;
    o.quality_target = strtof(argv[8], NULL);
    o.yaw_target = strtof(argv[9], NULL);
    o.identity_model = atoi(argv[10]);
    v2f_model *m;
    v2f_attrop *h;
    if (v2f_model_load(argv[1], NULL, &m) || v2f_attrop_new(m, vec, cls, n, &o, &h)) {
        fprintf(stderr, "attrop_dump: %s\n", v2f_last_error());
        return 1;
    }
    float *per = malloc(3 * n * 4), *grad = malloc(n * 512 * 4), *after = malloc(n * 512 * 4);
    v2f_attrop_losses l;
    memset(&l, 0, sizeof l);
    l.struct_size = sizeof l;
    l.identity_per_vector = per;
    l.quality_per_vector = per + n;
    l.pose_per_vector = per + 2 * n;
    if (v2f_attrop_step(h, &l) || v2f_attrop_gradient(h, grad) || v2f_attrop_vectors(h, after)) {
        fprintf(stderr, "attrop_dump: %s\n", v2f_last_error());
        return 1;
    }
    float losses[4] = {l.identity, l.quality, l.pose, l.total};
    spill(argv[11], losses, sizeof losses);
    spill(argv[12], grad, n * 512 * 4);
    spill(argv[13], per, 3 * n * 4);
    spill(argv[14], after, n * 512 * 4);
    v2f_attrop_free(h);
    v2f_model_free(m);
    /* Freed so that the sanitizer run's leak check sees a clean exit. */
    free(per);
    free(grad);
    free(after);
    free(vec);
    free(cls);
    free((void *)o.dropped);
    free((void *)o.masked);
    free((void *)o.landmarks);
    return 0;
}
