/* attrop: identity vectors -> AttrOP toward a quality and a yaw target ->
 * PNG images, printing the losses of every step.
 *
 *   v2f_example_attrop MODEL_DIR VECTORS.npy OUT_DIR [--steps K] [--quality Q]
 *                      [--yaw DEG] [--seed S]
 *
 * Writes OUT_DIR/<row>.png (final images) and OUT_DIR/optimised.npy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vec2face/vec2face.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: v2f_example_attrop MODEL_DIR VECTORS.npy OUT_DIR [--steps K] [--quality Q]\n"
            "                          [--yaw DEG] [--seed S]\n"
            "  MODEL_DIR    needs generator.pt, arcface.pt, magface.pt (and headpose.pt for --yaw)\n"
            "  VECTORS.npy  float32 [n,512] identity vectors\n"
            "  OUT_DIR      existing directory: <row>.png and optimised.npy\n"
            "  --steps K    counted AttrOP iterations (default 5; retries come on top)\n"
            "  --quality Q  MagFace norm target (default 24; 0 = off)\n"
            "  --yaw DEG    |yaw| target in degrees (default: off)\n"
            "  --seed S     mask seed (default 0)\n");
}

static int die(const char *what)
{
    fprintf(stderr, "v2f_example_attrop: %s: %s\n", what, v2f_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    v2f_attrop_opts o;
    long steps = 5;
    const char *pos[3];
    int npos = 0;
    v2f_attrop_opts_init(&o, sizeof o);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return 0; }
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc) steps = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--quality") && i + 1 < argc) o.quality_target = strtof(argv[++i], NULL);
        else if (!strcmp(argv[i], "--yaw") && i + 1 < argc) o.yaw_target = strtof(argv[++i], NULL);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) o.seed = strtoull(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && npos < 3) pos[npos++] = argv[i];
        else { usage(stderr); return 2; }
    }
    if (npos != 3 || steps < 1 || steps > 10000) { usage(stderr); return 2; }
    v2f_array *arr = NULL;
    v2f_model *model = NULL;
    v2f_attrop *h = NULL;
    if (v2f_npy_read(pos[1], &arr)) return die(pos[1]);
    if (v2f_array_cols(arr) != V2F_VECTOR_DIM) {
        fprintf(stderr, "v2f_example_attrop: %s: need 512 columns\n", pos[1]);
        return 1;
    }
    size_t n = v2f_array_rows(arr);
    if (v2f_model_load(pos[0], NULL, &model)) return die(pos[0]);
    if (v2f_attrop_new(model, v2f_array_data(arr), NULL, n, &o, &h)) return die("attrop");
    /* The official loop, step by step, to print every step's losses. */
    v2f_attrop_losses l;
    memset(&l, 0, sizeof l);
    l.struct_size = sizeof l;
    long done = 0, retries = 0;
    printf("step  identity  quality   pose      total     counted\n");
    for (long k = 0; done < steps; k++) {
        if (v2f_attrop_step(h, &l)) return die("step");
        int counts = l.counted || retries >= o.max_retries;
        printf("%4ld  %.5f   %.5f   %.5f   %.5f   %s\n", k, l.identity, l.quality, l.pose,
               l.total, counts ? "yes" : "no (retry)");
        if (counts) done++;
        else retries++;
    }
    uint8_t *rgb = malloc(v2f_image_bytes(n));
    float *opt = malloc(n * V2F_VECTOR_DIM * sizeof(float));
    if (!rgb || !opt) { fprintf(stderr, "out of memory\n"); return 1; }
    if (v2f_attrop_images(h, rgb) || v2f_attrop_vectors(h, opt)) return die("images");
    char path[4096];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%zu.png", pos[2], i);
        if (v2f_image_write(path, rgb + i * V2F_IMAGE_BYTES, 112, 112, NULL)) return die(path);
    }
    snprintf(path, sizeof path, "%s/optimised.npy", pos[2]);
    if (v2f_npy_write(path, opt, n, V2F_VECTOR_DIM)) return die(path);
    printf("wrote %zu images and %s\n", n, path);
    v2f_attrop_free(h);
    v2f_model_free(model);
    v2f_array_free(arr);
    free(rgb);
    free(opt);
    return 0;
}
