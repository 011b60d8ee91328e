/* Landmark images in the training style: black 112x112 with five filled
 * dots; eyes pure red, nose tip pure green, mouth corners pure blue. */
#include <math.h>
#include <string.h>

#include "error.h"

#define RADIUS 3

static void dot(uint8_t *img, float cx, float cy, const uint8_t color[3])
{
    /* Pixel (x, y) is covered when its centre lies within RADIUS of the
     * point (integer pixel coordinates are pixel centres). */
    int x0 = (int)floorf(cx - RADIUS), x1 = (int)ceilf(cx + RADIUS);
    int y0 = (int)floorf(cy - RADIUS), y1 = (int)ceilf(cy + RADIUS);
    for (int y = y0; y <= y1; y++) {
        if (y < 0 || y >= V2F_IMAGE_SIZE) continue;
        for (int x = x0; x <= x1; x++) {
            if (x < 0 || x >= V2F_IMAGE_SIZE) continue;
            float dx = (float)x - cx, dy = (float)y - cy;
            if (dx * dx + dy * dy <= (float)(RADIUS * RADIUS))
                memcpy(img + ((size_t)y * V2F_IMAGE_SIZE + (size_t)x) * 3, color, 3);
        }
    }
}

v2f_status v2f_render_landmarks(const float *points5, size_t n, uint8_t *rgb_out)
{
    static const uint8_t colors[5][3] = {
        {255, 0, 0}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {0, 0, 255}};
    if (!points5 || !rgb_out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_render_landmarks: NULL argument");
    if (n == 0)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_render_landmarks: n must be at least 1");
    if (v2f_image_bytes(n) == 0 || n > SIZE_MAX / (10 * sizeof(float)))
        return v2f__fail(V2F_E_OVERFLOW, "v2f_render_landmarks: n = %zu is too large", n);
    for (size_t i = 0; i < n * 10; i++)
        if (!isfinite(points5[i]) || fabsf(points5[i]) > 1e6f)
            return v2f__fail(V2F_E_INVALID_ARG,
                             "v2f_render_landmarks: face %zu point %zu: coordinate not finite "
                             "or absurdly large", i / 10, (i % 10) / 2);
    memset(rgb_out, 0, v2f_image_bytes(n));
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 5; k++)
            dot(rgb_out + i * V2F_IMAGE_BYTES, points5[i * 10 + k * 2],
                points5[i * 10 + k * 2 + 1], colors[k]);
    return V2F_OK;
}
