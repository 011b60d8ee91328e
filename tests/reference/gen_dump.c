/* Test helper for check_c_vs_reference.py: runs the C library on inputs
 * given as raw little-endian files and writes its outputs the same way.
 *
 *   gen_dump plain MODEL N BATCH vectors.f32 dropped.u8 masked.u8 raw.f32 rgb.u8
 *   gen_dump pose  MODEL N BATCH vectors.f32 dropped.u8 masked.u8 raw.f32 rgb.u8 landmarks.u8
 *   gen_dump landmarks N points.f32 rgb.u8
 *   gen_dump masks MODEL N SEED dropped.u8 masked.u8      (sampled, identity i, image 0)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec2face/vec2face.h"

static void *slurp(const char *path, size_t want)
{
    FILE *f = fopen(path, "rb");
    void *buf = malloc(want ? want : 1);
    if (!f || !buf || fread(buf, 1, want, f) != want) {
        fprintf(stderr, "gen_dump: cannot read %zu bytes from %s\n", want, path);
        exit(2);
    }
    fclose(f);
    return buf;
}

static void spill(const char *path, const void *buf, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, size, f) != size || fclose(f) != 0) {
        fprintf(stderr, "gen_dump: cannot write %s\n", path);
        exit(2);
    }
}

static int fail(const char *what, v2f_status s)
{
    fprintf(stderr, "gen_dump: %s: %s: %s\n", what, v2f_status_str(s), v2f_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    v2f_model *m = NULL;
    v2f_status s;
    if (argc == 5 && !strcmp(argv[1], "landmarks")) {
        size_t n = strtoul(argv[2], NULL, 10);
        float *pts = slurp(argv[3], n * 10 * sizeof(float));
        uint8_t *rgb = malloc(v2f_image_bytes(n));
        if ((s = v2f_render_landmarks(pts, n, rgb))) return fail("render", s);
        spill(argv[4], rgb, v2f_image_bytes(n));
        free(pts);
        free(rgb);
        return 0;
    }
    if (argc == 7 && !strcmp(argv[1], "masks")) {
        size_t n = strtoul(argv[3], NULL, 10);
        v2f_gen_opts o;
        uint8_t *d = malloc(n * 49), *k = malloc(n * 49);
        if ((s = v2f_model_load(argv[2], NULL, &m))) return fail("load", s);
        v2f_gen_opts_init(&o, sizeof o);
        o.seed = strtoull(argv[4], NULL, 10);
        if ((s = v2f_sample_masks(m, V2F_PART_GENERATOR, n, &o, d, k))) return fail("masks", s);
        spill(argv[5], d, n * 49);
        spill(argv[6], k, n * 49);
        v2f_model_free(m);
        free(d);
        free(k);
        return 0;
    }
    int pose = argc == 11 && !strcmp(argv[1], "pose");
    if (!(argc == 10 && !strcmp(argv[1], "plain")) && !pose) {
        fprintf(stderr, "gen_dump: bad arguments (see the comment at the top)\n");
        return 2;
    }
    size_t n = strtoul(argv[3], NULL, 10);
    v2f_gen_opts o;
    v2f_gen_opts_init(&o, sizeof o);
    o.batch_size = atoi(argv[4]);
    float *vec = slurp(argv[5], n * 512 * sizeof(float));
    o.dropped = slurp(argv[6], n * 49);
    o.masked = slurp(argv[7], n * 49);
    o.raw_out = malloc(n * 3 * 112 * 112 * sizeof(float));
    uint8_t *rgb = malloc(v2f_image_bytes(n));
    if ((s = v2f_model_load(argv[2], NULL, &m))) return fail("load", s);
    if (pose) {
        uint8_t *lm = slurp(argv[10], v2f_image_bytes(n));
        s = v2f_generate_pose(m, vec, lm, n, &o, rgb);
        free(lm);
    } else {
        s = v2f_generate(m, vec, n, &o, rgb);
    }
    if (s) return fail("generate", s);
    spill(argv[8], o.raw_out, n * 3 * 112 * 112 * sizeof(float));
    spill(argv[9], rgb, v2f_image_bytes(n));
    v2f_model_free(m);
    /* Freed so that the sanitizer run's leak check sees a clean exit. */
    free(vec);
    free((void *)o.dropped);
    free((void *)o.masked);
    free(o.raw_out);
    free(rgb);
    return 0;
}
