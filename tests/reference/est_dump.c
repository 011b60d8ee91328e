/* Test helper: arcface features, magface features, quality and head pose of
 * n uint8 RGB images, concatenated as float32 into OUT.
 *   est_dump MODEL N images.u8 OUT */
#include <stdio.h>
#include <stdlib.h>

#include "vec2face/vec2face.h"

int main(int argc, char **argv)
{
    if (argc != 5) return 2;
    size_t n = strtoul(argv[2], NULL, 10);
    uint8_t *rgb = malloc(v2f_image_bytes(n));
    FILE *f = fopen(argv[3], "rb");
    if (!f || fread(rgb, 1, v2f_image_bytes(n), f) != v2f_image_bytes(n)) return 2;
    fclose(f);
    float *out = malloc((2 * 512 + 4) * n * sizeof(float));
    v2f_model *m;
    if (v2f_model_load(argv[1], NULL, &m) ||
        v2f_extract_features(m, V2F_PART_ARCFACE, rgb, n, out) ||
        v2f_extract_features(m, V2F_PART_MAGFACE, rgb, n, out + n * 512) ||
        v2f_estimate_quality(m, rgb, n, out + 2 * n * 512) ||
        v2f_estimate_pose(m, rgb, n, out + 2 * n * 512 + n)) {
        fprintf(stderr, "est_dump: %s\n", v2f_last_error());
        return 1;
    }
    f = fopen(argv[4], "wb");
    if (!f || fwrite(out, sizeof(float), (2 * 512 + 4) * n, f) != (2 * 512 + 4) * n) return 2;
    fclose(f);
    v2f_model_free(m);
    free(rgb);
    free(out);
    return 0;
}
