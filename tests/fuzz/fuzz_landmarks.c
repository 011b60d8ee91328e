/* Fuzz the five-point landmark input of v2f_render_landmarks: the bytes are
 * the float coordinates (any bit pattern: NaN, inf, huge, negative),
 * n = size / 40 faces (at most 16), into a buffer of exactly
 * v2f_image_bytes(n) so that ASan sees any write past it. */
#include <stdlib.h>
#include <string.h>

#include "vec2face/vec2face.h"

#define MAX_FACES 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = size / (10 * sizeof(float));
    float *pts;
    uint8_t *rgb;
    v2f_status st;

    if (n > MAX_FACES)
        n = MAX_FACES;
    /* n = 0 is a documented error; pass a valid pointer to reach the check. */
    pts = malloc(n ? n * 10 * sizeof(float) : sizeof(float));
    rgb = malloc(n ? v2f_image_bytes(n) : 1);
    if (!pts || !rgb)
        abort();
    memcpy(pts, data, n * 10 * sizeof(float));
    st = v2f_render_landmarks(pts, n, rgb);
    if (n == 0 && st != V2F_E_INVALID_ARG)
        __builtin_trap();   /* n = 0 must be refused */
    if (st == V2F_OK) {
        /* Only black and the three dot colours are drawn. */
        for (size_t i = 0; i < v2f_image_bytes(n); i += 3) {
            unsigned r = rgb[i], g = rgb[i + 1], b = rgb[i + 2];
            if (r + g + b != 0 && r + g + b != 255)
                __builtin_trap();
        }
    }
    free(rgb);
    free(pts);
    return 0;
}
