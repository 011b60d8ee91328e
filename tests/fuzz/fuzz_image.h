/* The body shared by fuzz_png and fuzz_jpeg: decode from memory; when that
 * works, check the pixel buffer's size and run the whole v2f_image_read
 * path (format sniffing, size check, bilinear resize) on the same bytes. */
#ifndef V2F_FUZZ_IMAGE_H
#define V2F_FUZZ_IMAGE_H

#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "image_codecs.h"

typedef v2f_status (*fuzz_decode_fn)(const uint8_t *, size_t, const char *,
                                     uint32_t, uint32_t, uint8_t **,
                                     uint32_t *, uint32_t *);

/* v2f_image_read picks the decoder by these signatures (image_io.c);
 * libjpeg alone is laxer (it skips junk after SOI with a warning). */
static int fuzz_image_sniffed(const uint8_t *b, size_t n)
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    return (n >= 8 && memcmp(b, png_sig, 8) == 0)
           || (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff);
}

static int fuzz_image_one(fuzz_decode_fn decode, const char *name,
                          const uint8_t *data, size_t size)
{
    static uint8_t out[V2F_IMAGE_BYTES];
    uint8_t *rgb = NULL;
    uint32_t w = 0, h = 0;
    v2f_status st = decode(data, size, name, 0, 0, &rgb, &w, &h);
    if (st != V2F_OK) {
        if (rgb)
            __builtin_trap();   /* a failure must not hand out pixels */
        return 0;
    }
    if (!rgb || w == 0 || h == 0 || w > V2F_IMAGE_MAX_SIDE || h > V2F_IMAGE_MAX_SIDE)
        __builtin_trap();
    {
        /* First and last byte of w*h*3: ASan catches a short buffer. */
        volatile uint8_t edge = rgb[0] ^ rgb[(size_t)w * h * 3 - 1];
        (void)edge;
    }
    free(rgb);
    /* Resizing costs w*h; keep the slow path to modest sizes. */
    if ((uint64_t)w * h <= 1u << 20 && fuzz_image_sniffed(data, size)) {
        v2f_image_read_opts o;
        const char *path = fuzz_write_file(name, data, size);
        v2f_image_read_opts_init(&o, sizeof o);
        o.resize = 1;
        if (v2f_image_read(path, &o, out) != V2F_OK)
            __builtin_trap();   /* decoded above, so this must work too */
        o.resize = 0;
        st = v2f_image_read(path, &o, out);
        if ((st == V2F_OK) != (w == V2F_IMAGE_SIZE && h == V2F_IMAGE_SIZE))
            __builtin_trap();   /* without resize: only 112x112 reads */
    }
    return 0;
}

#endif
