/* The contact sheet of a dataset report: a row per identity, a column per
 * image, each tile the image reduced by an integer factor with a box
 * average (so the test can reproduce it exactly). */
#include <stdlib.h>
#include <string.h>

#include "vec2face/vec2face.h"
#include "report.h"

v2f_status v2f__sheet_new(v2f__sheet *s, int32_t rows, int32_t cols,
                          int32_t tile)
{
    size_t bytes;
    memset(s, 0, sizeof *s);
    s->rows = rows;
    s->cols = cols;
    s->tile = tile;
    s->width = cols * tile;
    s->height = rows * tile;
    bytes = (size_t)s->width * (size_t)s->height * 3;
    s->rgb = malloc(bytes);
    if (!s->rgb)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory for a %dx%d "
                         "contact sheet", (int)s->width, (int)s->height);
    /* Grey 128 shows where an image is missing or does not decode. */
    memset(s->rgb, 128, bytes);
    return V2F_OK;
}

void v2f__sheet_put(v2f__sheet *s, uint64_t row, uint32_t col,
                    const uint8_t *rgb)
{
    const int f = V2F_IMAGE_SIZE / s->tile, area = f * f;
    size_t stride = (size_t)s->width * 3;
    uint8_t *dst;
    int y, x, c, dy, dx;

    if (row >= (uint64_t)s->rows || col >= (uint32_t)s->cols)
        return;
    dst = s->rgb + (size_t)row * s->tile * stride + (size_t)col * s->tile * 3;
    for (y = 0; y < s->tile; y++)
        for (x = 0; x < s->tile; x++)
            for (c = 0; c < 3; c++) {
                unsigned sum = 0;
                for (dy = 0; dy < f; dy++)
                    for (dx = 0; dx < f; dx++)
                        sum += rgb[((size_t)(y * f + dy) * V2F_IMAGE_SIZE
                                    + (size_t)(x * f + dx)) * 3 + (size_t)c];
                dst[(size_t)y * stride + (size_t)x * 3 + (size_t)c] =
                    (uint8_t)((sum + (unsigned)area / 2) / (unsigned)area);
            }
}

void v2f__sheet_free(v2f__sheet *s)
{
    free(s->rgb);
    s->rgb = NULL;
}
