/* PNG decode/encode with libpng 1.6. libpng reports errors by calling our
 * error function, which records the message and longjmps back to the
 * setjmp in read_png/write_png; everything those functions allocate lives
 * in the context struct so that nothing is lost on the jump. */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "image_codecs.h"

struct png_ctx {
    const char *path;
    const uint8_t *buf;   /* decode: the whole file */
    size_t len, pos;
    uint8_t *rgb;         /* decode: output, w*h*3 */
    png_bytep *rows;
    char msg[256];        /* last libpng error */
    char warn[256];       /* last libpng warning */
};

static void on_error(png_structp png, png_const_charp msg)
{
    struct png_ctx *c = png_get_error_ptr(png);
    snprintf(c->msg, sizeof c->msg, "%s", msg ? msg : "unknown error");
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    struct png_ctx *c = png_get_error_ptr(png);
    snprintf(c->warn, sizeof c->warn, "%s", msg ? msg : "");
    v2f__log(V2F_LOG_WARN, "libpng: %s: %s", c->path, c->warn);
}

static void on_read(png_structp png, png_bytep out, png_size_t n)
{
    struct png_ctx *c = png_get_io_ptr(png);
    if (n > c->len - c->pos)
        png_error(png, "unexpected end of file (truncated PNG)");
    memcpy(out, c->buf + c->pos, n);
    c->pos += n;
}

static v2f_status libpng_failure(struct png_ctx *c, v2f_status status,
                                 const char *what)
{
    if (c->warn[0] && strcmp(c->warn, c->msg) != 0)
        return v2f__fail(status, "%s '%s': %s (%s)", what, c->path, c->msg,
                         c->warn);
    return v2f__fail(status, "%s '%s': %s", what, c->path, c->msg);
}

static v2f_status read_png(png_structp png, png_infop info, struct png_ctx *c,
                           uint32_t need_w, uint32_t need_h,
                           uint32_t *w_out, uint32_t *h_out)
{
    png_uint_32 w, h, y;
    int depth, color, interlace;
    size_t row_bytes;
    int ok;

    if (setjmp(png_jmpbuf(png)))
        return libpng_failure(c, V2F_E_FORMAT, "bad PNG");

    png_set_read_fn(png, c, on_read);
    /* Our own side limit gives a clearer message than libpng's. */
    png_set_user_limits(png, 1000000, 1000000);
    png_set_chunk_malloc_max(png, 8u << 20);
    png_read_info(png, info);
    png_get_IHDR(png, info, &w, &h, &depth, &color, &interlace, NULL, NULL);
    if (w > V2F_IMAGE_MAX_SIDE || h > V2F_IMAGE_MAX_SIDE)
        return v2f__fail(V2F_E_FORMAT,
                         "'%s' is %lux%lu pixels, larger than the %ux%u "
                         "limit", c->path, (unsigned long)w,
                         (unsigned long)h, V2F_IMAGE_MAX_SIDE,
                         V2F_IMAGE_MAX_SIDE);
    if (need_w && (w != need_w || h != need_h))
        return v2f__image_size_error(c->path, w, h, need_w, need_h);

    if (color == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16)
        png_set_scale_16(png);     /* rounds, unlike strip_16 */
    if ((color & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_strip_alpha(png);
    if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA)
        png_set_gray_to_rgb(png);
    (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8
        || png_get_rowbytes(png, info) != (size_t)w * 3)
        return v2f__fail(V2F_E_INTERNAL,
                         "'%s': libpng did not produce 8-bit RGB "
                         "(color type %d, depth %d)", c->path, color, depth);

    row_bytes = (size_t)w * 3;
    c->rgb = malloc(v2f__mul(row_bytes, h, &ok));
    c->rows = malloc(v2f__mul(sizeof *c->rows, h, &ok));
    if (!c->rgb || !c->rows)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory decoding '%s' "
                         "(%lux%lu)", c->path, (unsigned long)w,
                         (unsigned long)h);
    for (y = 0; y < h; y++)
        c->rows[y] = c->rgb + (size_t)y * row_bytes;
    png_read_image(png, c->rows);
    *w_out = w;
    *h_out = h;
    return V2F_OK;
}

v2f_status v2f__png_decode(const uint8_t *buf, size_t len, const char *path,
                           uint32_t need_w, uint32_t need_h,
                           uint8_t **rgb, uint32_t *w, uint32_t *h)
{
    struct png_ctx c;
    png_structp png;
    png_infop info;
    v2f_status st;

    *rgb = NULL;
    *w = *h = 0;
    memset(&c, 0, sizeof c);
    c.path = path;
    c.buf = buf;
    c.len = len;
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, on_error,
                                 on_warning);
    if (!png)
        return v2f__fail(V2F_E_NO_MEMORY, "libpng: cannot create reader");
    info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return v2f__fail(V2F_E_NO_MEMORY, "libpng: cannot create info");
    }
    st = read_png(png, info, &c, need_w, need_h, w, h);
    png_destroy_read_struct(&png, &info, NULL);
    free(c.rows);
    if (st != V2F_OK) {
        free(c.rgb);
        *w = *h = 0;
        return st;
    }
    *rgb = c.rgb;
    return V2F_OK;
}

static v2f_status write_png(png_structp png, png_infop info, struct png_ctx *c,
                            FILE *fp, const uint8_t *rgb, uint32_t w,
                            uint32_t h, int level)
{
    uint32_t y;
    int ok;

    if (setjmp(png_jmpbuf(png)))
        return libpng_failure(c, V2F_E_IO, "cannot write PNG");

    c->rows = malloc(v2f__mul(sizeof *c->rows, h, &ok));
    if (!c->rows)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory writing '%s'",
                         c->path);
    for (y = 0; y < h; y++)
        c->rows[y] = (png_bytep)(rgb + (size_t)y * w * 3);
    png_init_io(png, fp);
    /* Only the zlib level changes: libpng's filter choice (adaptive) and
     * strategy stay, so level 6 gives the files 0.2 wrote. */
    png_set_compression_level(png, level);
    png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_write_image(png, c->rows);
    png_write_end(png, info);
    return V2F_OK;
}

v2f_status v2f__png_encode(FILE *fp, const char *path, const uint8_t *rgb,
                           uint32_t w, uint32_t h, int level)
{
    struct png_ctx c;
    png_structp png;
    png_infop info;
    v2f_status st;

    memset(&c, 0, sizeof c);
    c.path = path;
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &c, on_error,
                                  on_warning);
    if (!png)
        return v2f__fail(V2F_E_NO_MEMORY, "libpng: cannot create writer");
    info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return v2f__fail(V2F_E_NO_MEMORY, "libpng: cannot create info");
    }
    st = write_png(png, info, &c, fp, rgb, w, h, level);
    png_destroy_write_struct(&png, &info);
    free(c.rows);
    return st;
}
