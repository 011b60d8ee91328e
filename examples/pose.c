/* pose: identity vectors + five-point landmarks -> PNG face images whose
 * pose follows the landmarks.
 *
 *   v2f_example_pose MODEL_DIR VECTORS.npy POINTS.npy OUT_DIR [--seed S]
 *
 * POINTS.npy is float32 [m,10]: (x, y) of left eye, right eye, nose tip,
 * left and right mouth corner in 112x112 pixels. Every vector is drawn with
 * every landmark set: OUT_DIR/<row>_<m>.png, plus the landmark images as
 * OUT_DIR/landmarks_<m>.png. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vec2face/vec2face.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: v2f_example_pose MODEL_DIR VECTORS.npy POINTS.npy OUT_DIR [--seed S]\n"
            "  MODEL_DIR    needs pose_generator.pt and pose_cond.pt\n"
            "  VECTORS.npy  float32 [n,512] identity vectors\n"
            "  POINTS.npy   float32 [m,10] five (x, y) points per pose: left eye, right eye,\n"
            "               nose tip, left mouth corner, right mouth corner (112x112 pixels)\n"
            "  OUT_DIR      existing directory; writes <row>_<pose>.png and landmarks_<pose>.png\n"
            "  --seed S     seed of the mask randomness (default 0)\n");
}

static int die(const char *what)
{
    fprintf(stderr, "v2f_example_pose: %s: %s\n", what, v2f_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    unsigned long long seed = 0;
    const char *pos[4];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 10);
        } else if (argv[i][0] != '-' && npos < 4) {
            pos[npos++] = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (npos != 4) {
        usage(stderr);
        return 2;
    }
    v2f_array *va = NULL, *pa = NULL;
    if (v2f_npy_read(pos[1], &va)) return die(pos[1]);
    if (v2f_npy_read(pos[2], &pa)) return die(pos[2]);
    if (v2f_array_cols(va) != V2F_VECTOR_DIM || v2f_array_cols(pa) != 10) {
        fprintf(stderr, "v2f_example_pose: need [n,512] vectors and [m,10] points\n");
        return 1;
    }
    size_t rows = v2f_array_rows(va), poses = v2f_array_rows(pa), n = rows * poses;
    uint8_t *lm = malloc(v2f_image_bytes(poses)), *lms = malloc(v2f_image_bytes(n));
    uint8_t *rgb = malloc(v2f_image_bytes(n));
    float *vecs = malloc(n * V2F_VECTOR_DIM * sizeof(float));
    uint64_t *ids = malloc(n * sizeof(uint64_t)), *imgs = malloc(n * sizeof(uint64_t));
    if (!lm || !lms || !rgb || !vecs || !ids || !imgs) {
        fprintf(stderr, "v2f_example_pose: out of memory\n");
        return 1;
    }
    if (v2f_render_landmarks(v2f_array_data(pa), poses, lm)) return die("landmarks");
    for (size_t i = 0; i < n; i++) {
        memcpy(vecs + i * V2F_VECTOR_DIM, v2f_array_data(va) + (i / poses) * V2F_VECTOR_DIM,
               V2F_VECTOR_DIM * sizeof(float));
        memcpy(lms + i * V2F_IMAGE_BYTES, lm + (i % poses) * V2F_IMAGE_BYTES, V2F_IMAGE_BYTES);
        ids[i] = i / poses;
        imgs[i] = i % poses;
    }
    v2f_model *model = NULL;
    if (v2f_model_load(pos[0], NULL, &model)) return die(pos[0]);
    v2f_gen_opts o;
    v2f_gen_opts_init(&o, sizeof o);
    o.seed = seed;
    o.identity_index = ids;
    o.image_index = imgs;
    if (v2f_generate_pose(model, vecs, lms, n, &o, rgb)) return die("generate");
    char path[4096];
    for (size_t k = 0; k < poses; k++) {
        snprintf(path, sizeof path, "%s/landmarks_%zu.png", pos[3], k);
        if (v2f_image_write(path, lm + k * V2F_IMAGE_BYTES, 112, 112, NULL)) return die(path);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%zu_%zu.png", pos[3], i / poses, i % poses);
        if (v2f_image_write(path, rgb + i * V2F_IMAGE_BYTES, 112, 112, NULL)) return die(path);
    }
    printf("wrote %zu images and %zu landmark images to %s\n", n, poses, pos[3]);
    v2f_model_free(model);
    v2f_array_free(va);
    v2f_array_free(pa);
    free(lm); free(lms); free(rgb); free(vecs); free(ids); free(imgs);
    return 0;
}
