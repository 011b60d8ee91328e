/* generate: identity vectors from an .npy file -> PNG face images.
 *
 *   v2f_example_generate MODEL_DIR VECTORS.npy OUT_DIR [--per-id K] [--seed S]
 *
 * Writes OUT_DIR/<row>_<k>.png: K images (different masks) per vector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vec2face/vec2face.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: v2f_example_generate MODEL_DIR VECTORS.npy OUT_DIR [--per-id K] [--seed S]\n"
            "  MODEL_DIR    directory made by python3 -m vec2face_torch.export (needs generator.pt)\n"
            "  VECTORS.npy  float32 [n,512] identity vectors (ArcFace-style features)\n"
            "  OUT_DIR      existing directory for <row>_<k>.png\n"
            "  --per-id K   images per vector (default 1), each with its own masks\n"
            "  --seed S     seed of the mask randomness (default 0)\n");
}

static int die(const char *what)
{
    fprintf(stderr, "v2f_example_generate: %s: %s\n", what, v2f_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    unsigned long per_id = 1;
    unsigned long long seed = 0;
    const char *pos[3];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--per-id") && i + 1 < argc) {
            per_id = strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 10);
        } else if (argv[i][0] != '-' && npos < 3) {
            pos[npos++] = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (npos != 3 || per_id == 0 || per_id > 1000) {
        usage(stderr);
        return 2;
    }
    v2f_array *arr = NULL;
    if (v2f_npy_read(pos[1], &arr)) return die(pos[1]);
    if (v2f_array_cols(arr) != V2F_VECTOR_DIM) {
        fprintf(stderr, "v2f_example_generate: %s: %zu columns, need 512\n", pos[1],
                v2f_array_cols(arr));
        return 1;
    }
    size_t rows = v2f_array_rows(arr), n = rows * per_id;
    float *vecs = malloc(n * V2F_VECTOR_DIM * sizeof(float));
    uint64_t *ids = malloc(n * sizeof(uint64_t)), *imgs = malloc(n * sizeof(uint64_t));
    uint8_t *rgb = malloc(v2f_image_bytes(n));
    if (!vecs || !ids || !imgs || !rgb) {
        fprintf(stderr, "v2f_example_generate: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(vecs + i * V2F_VECTOR_DIM, v2f_array_data(arr) + (i / per_id) * V2F_VECTOR_DIM,
               V2F_VECTOR_DIM * sizeof(float));
        ids[i] = i / per_id;
        imgs[i] = i % per_id;
    }
    v2f_model *model = NULL;
    if (v2f_model_load(pos[0], NULL, &model)) return die(pos[0]);
    v2f_gen_opts o;
    v2f_gen_opts_init(&o, sizeof o);
    o.seed = seed;
    o.identity_index = ids;
    o.image_index = imgs;
    if (v2f_generate(model, vecs, n, &o, rgb)) return die("generate");
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%zu_%zu.png", pos[2], i / per_id, i % per_id);
        if (v2f_image_write(path, rgb + i * V2F_IMAGE_BYTES, 112, 112, NULL)) return die(path);
    }
    printf("wrote %zu images to %s\n", n, pos[2]);
    v2f_model_free(model);
    v2f_array_free(arr);
    free(vecs); free(ids); free(imgs); free(rgb);
    return 0;
}
