/* demo: a small face set and a contact sheet from random identity vectors.
 *
 *   v2f_example_demo MODEL_DIR OUT_DIR [--ids N] [--per-id K] [--seed S]
 *
 * Identity vectors are random directions with norm 25 (the norm of typical
 * ArcFace features); each identity gets K images with different masks.
 * Writes OUT_DIR/<id>/<k>.png and OUT_DIR/contact_sheet.png (a row per
 * identity). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vec2face/vec2face.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: v2f_example_demo MODEL_DIR OUT_DIR [--ids N] [--per-id K] [--seed S]\n"
               "  MODEL_DIR  directory made by python3 -m vec2face_torch.export (needs generator.pt)\n"
               "  OUT_DIR    created if missing; gets <id>/<k>.png and contact_sheet.png\n"
               "  --ids N    identities (default 8)    --per-id K  images each (default 4)\n"
               "  --seed S   seed for vectors and masks (default 0)\n");
}

static int die(const char *what)
{
    fprintf(stderr, "v2f_example_demo: %s: %s\n", what, v2f_last_error());
    return 1;
}

static int progress(void *user, uint64_t done, uint64_t total)
{
    fprintf(stderr, "\r  %llu / %llu images", (unsigned long long)done, (unsigned long long)total);
    if (done == total) fputc('\n', stderr);
    return 0;
}

/* Normal deviates from a seeded xorshift generator and Box-Muller. */
static double uniform01(uint64_t *s)
{
    *s ^= *s << 13; *s ^= *s >> 7; *s ^= *s << 17;
    return ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
}

int main(int argc, char **argv)
{
    unsigned long ids = 8, per = 4;
    unsigned long long seed = 0;
    const char *pos[2];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return 0; }
        else if (!strcmp(argv[i], "--ids") && i + 1 < argc) ids = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--per-id") && i + 1 < argc) per = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && npos < 2) pos[npos++] = argv[i];
        else { usage(stderr); return 2; }
    }
    if (npos != 2 || ids == 0 || per == 0 || ids > 1000 || per > 100) { usage(stderr); return 2; }
    size_t n = ids * per;
    float *vec = malloc(n * V2F_VECTOR_DIM * sizeof(float));
    uint64_t *id_idx = malloc(n * sizeof(uint64_t)), *img_idx = malloc(n * sizeof(uint64_t));
    uint8_t *rgb = malloc(v2f_image_bytes(n));
    uint8_t *sheet = malloc(v2f_image_bytes(n));
    if (!vec || !id_idx || !img_idx || !rgb || !sheet) { fprintf(stderr, "out of memory\n"); return 1; }
    uint64_t s = seed * 2654435761u + 88172645463325252ull;
    for (size_t i = 0; i < ids; i++) {
        float *v = vec + i * per * V2F_VECTOR_DIM;
        double norm = 0;
        for (int j = 0; j < V2F_VECTOR_DIM; j++) {
            double u1 = uniform01(&s), u2 = uniform01(&s);
            v[j] = (float)(sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
            norm += (double)v[j] * v[j];
        }
        for (int j = 0; j < V2F_VECTOR_DIM; j++) v[j] = (float)(v[j] * 25.0 / sqrt(norm));
        for (size_t k = 0; k < per; k++) {
            memcpy(vec + (i * per + k) * V2F_VECTOR_DIM, v, V2F_VECTOR_DIM * sizeof(float));
            id_idx[i * per + k] = i;
            img_idx[i * per + k] = k;
        }
    }
    v2f_model *model = NULL;
    if (v2f_model_load(pos[0], NULL, &model)) return die(pos[0]);
    v2f_gen_opts o;
    v2f_gen_opts_init(&o, sizeof o);
    o.seed = seed;
    o.identity_index = id_idx;
    o.image_index = img_idx;
    o.progress = progress;
    fprintf(stderr, "generating %lu identities x %lu images\n", ids, per);
    if (v2f_generate(model, vec, n, &o, rgb)) return die("generate");

    char path[4096];
    if (mkdir(pos[1], 0777) != 0 && errno != EEXIST) { perror(pos[1]); return 1; }
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%03zu", pos[1], i / per);
        if (mkdir(path, 0777) != 0 && errno != EEXIST) { perror(path); return 1; }
        snprintf(path, sizeof path, "%s/%03zu/%03zu.png", pos[1], i / per, i % per);
        if (v2f_image_write(path, rgb + i * V2F_IMAGE_BYTES, 112, 112, NULL)) return die(path);
    }
    /* Contact sheet: identity i in row i, image k in column k. */
    const size_t W = per * 112, row = W * 3;
    for (size_t i = 0; i < n; i++)
        for (size_t y = 0; y < 112; y++)
            memcpy(sheet + ((i / per) * 112 + y) * row + (i % per) * 112 * 3,
                   rgb + i * V2F_IMAGE_BYTES + y * 112 * 3, 112 * 3);
    snprintf(path, sizeof path, "%s/contact_sheet.png", pos[1]);
    if (v2f_image_write(path, sheet, (int32_t)W, (int32_t)(ids * 112), NULL)) return die(path);
    printf("wrote %zu images and %s\n", n, path);
    v2f_model_free(model);
    free(vec); free(id_idx); free(img_idx); free(rgb); free(sheet);
    return 0;
}
