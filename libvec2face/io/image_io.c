/* v2f_image_read / v2f_image_write: format detection, conversion to
 * 112x112 RGB (optionally by bilinear resizing) and atomic writes. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "image_codecs.h"

/* No sane PNG/JPEG of at most 16384x16384 RGB is larger than this. */
#define MAX_FILE_BYTES ((size_t)1 << 30)
#define DEFAULT_JPEG_QUALITY 95
/* libjpeg's JPEG_MAX_DIMENSION, without including jpeglib.h here. */
#define V2F_JPEG_MAX_SIDE 65500

void v2f_image_read_opts_init(v2f_image_read_opts *o, size_t size)
{
    v2f_image_read_opts d;
    if (!o || !size)
        return;
    memset(&d, 0, sizeof d);
    d.struct_size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    d.resize = 0;
    memset(o, 0, size);
    memcpy(o, &d, size < sizeof d ? size : sizeof d);
}

void v2f_image_write_opts_init(v2f_image_write_opts *o, size_t size)
{
    v2f_image_write_opts d;
    if (!o || !size)
        return;
    memset(&d, 0, sizeof d);
    d.struct_size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    d.jpeg_quality = DEFAULT_JPEG_QUALITY;
    d.png_level = -1;
    memset(o, 0, size);
    memcpy(o, &d, size < sizeof d ? size : sizeof d);
}

v2f_status v2f__image_size_error(const char *path, uint32_t w, uint32_t h,
                                 uint32_t need_w, uint32_t need_h)
{
    return v2f__fail(V2F_E_FORMAT,
                     "'%s' is %ux%u pixels; expected %ux%u (set "
                     "v2f_image_read_opts.resize = 1 to resize)",
                     path, (unsigned)w, (unsigned)h, (unsigned)need_w,
                     (unsigned)need_h);
}

static v2f_status read_whole_file(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f;
    struct stat st;
    size_t n, got;
    int err;

    *buf = NULL;
    *len = 0;
    f = fopen(path, "rb");
    if (!f)
        return v2f__fail(V2F_E_IO, "cannot open '%s': %s", path,
                         strerror(errno));
    if (fstat(fileno(f), &st) != 0) {
        err = errno;
        fclose(f);
        return v2f__fail(V2F_E_IO, "cannot stat '%s': %s", path,
                         strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        fclose(f);
        return v2f__fail(V2F_E_IO, "'%s' is not a regular file", path);
    }
    if ((uintmax_t)st.st_size > MAX_FILE_BYTES) {
        fclose(f);
        return v2f__fail(V2F_E_FORMAT, "'%s' is too large for an image "
                         "(%jd bytes)", path, (intmax_t)st.st_size);
    }
    n = (size_t)st.st_size;
    *buf = malloc(n ? n : 1);
    if (!*buf) {
        fclose(f);
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory reading '%s'", path);
    }
    errno = 0;
    got = fread(*buf, 1, n, f);
    err = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (err) {
        free(*buf);
        *buf = NULL;
        return v2f__fail(V2F_E_IO, "cannot read '%s': %s", path,
                         strerror(err));
    }
    *len = got;   /* a file that shrank meanwhile decodes as truncated */
    return V2F_OK;
}

/* Bilinear resize with half-pixel centres: the source coordinate of output
 * pixel x is (x + 0.5) * sw / dw - 0.5, clamped to the image, as OpenCV's
 * INTER_LINEAR does (no antialiasing when shrinking). */
/* Destination index d -> the two source indices around its centre (half-
 * pixel centres, clamped at the borders) and the weight of the second. */
static void source_coord(uint32_t d, double scale, uint32_t size, uint32_t *i0,
                         uint32_t *i1, double *w)
{
    double s = (d + 0.5) * scale - 0.5;
    if (s < 0)
        s = 0;
    *i0 = (uint32_t)s;
    if (*i0 >= size - 1) {
        *i0 = *i1 = size - 1;
        *w = 0;
    } else {
        *i1 = *i0 + 1;
        *w = s - *i0;
    }
}

static void resize_bilinear(const uint8_t *src, uint32_t sw, uint32_t sh,
                            uint8_t *dst, uint32_t dw, uint32_t dh)
{
    uint32_t x, y;
    int c;
    double fx = (double)sw / dw, fy = (double)sh / dh;
    for (y = 0; y < dh; y++) {
        uint32_t y0, y1;
        double wy;
        source_coord(y, fy, sh, &y0, &y1, &wy);
        for (x = 0; x < dw; x++) {
            uint32_t x0, x1;
            double wx;
            source_coord(x, fx, sw, &x0, &x1, &wx);
            for (c = 0; c < 3; c++) {
                double p00 = src[((size_t)y0 * sw + x0) * 3 + c];
                double p01 = src[((size_t)y0 * sw + x1) * 3 + c];
                double p10 = src[((size_t)y1 * sw + x0) * 3 + c];
                double p11 = src[((size_t)y1 * sw + x1) * 3 + c];
                double v = (1 - wy) * ((1 - wx) * p00 + wx * p01)
                           + wy * ((1 - wx) * p10 + wx * p11);
                long r = lround(v);
                dst[((size_t)y * dw + x) * 3 + c] =
                    (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
            }
        }
    }
}

static int is_png(const uint8_t *b, size_t n)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    return n >= 8 && memcmp(b, sig, 8) == 0;
}

static int is_jpeg(const uint8_t *b, size_t n)
{
    return n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff;
}

v2f_status v2f_image_read(const char *path, const v2f_image_read_opts *opts,
                          uint8_t *rgb_out)
{
    v2f_image_read_opts o;
    uint8_t *file = NULL, *pix = NULL;
    size_t len;
    uint32_t w, h, need = 0;
    v2f_status st;

    if (!path || !rgb_out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_image_read: %s is NULL",
                         !path ? "path" : "rgb_out");
    v2f_image_read_opts_init(&o, sizeof o);
    st = v2f__copy_opts(&o, sizeof o, opts, "v2f_image_read");
    if (st != V2F_OK)
        return st;
    if (o.resize != 0 && o.resize != 1)
        return v2f__fail(V2F_E_INVALID_ARG,
                         "v2f_image_read: resize is %d; use 0 or 1",
                         (int)o.resize);
    if (!o.resize)
        need = V2F_IMAGE_SIZE;

    st = read_whole_file(path, &file, &len);
    if (st != V2F_OK)
        return st;
    if (len == 0)
        st = v2f__fail(V2F_E_FORMAT, "'%s' is empty", path);
    else if (is_png(file, len))
        st = v2f__png_decode(file, len, path, need, need, &pix, &w, &h);
    else if (is_jpeg(file, len))
        st = v2f__jpeg_decode(file, len, path, need, need, &pix, &w, &h);
    else
        st = v2f__fail(V2F_E_FORMAT, "'%s' is not a PNG or JPEG file "
                       "(starts with %02x %02x %02x %02x)", path, file[0],
                       len > 1 ? file[1] : 0, len > 2 ? file[2] : 0,
                       len > 3 ? file[3] : 0);
    free(file);
    if (st != V2F_OK)
        return st;
    if (w == 0 || h == 0) {
        free(pix);
        return v2f__fail(V2F_E_FORMAT, "'%s' has no pixels", path);
    }
    if (w == V2F_IMAGE_SIZE && h == V2F_IMAGE_SIZE)
        memcpy(rgb_out, pix, V2F_IMAGE_BYTES);
    else
        resize_bilinear(pix, w, h, rgb_out, V2F_IMAGE_SIZE, V2F_IMAGE_SIZE);
    free(pix);
    return V2F_OK;
}

/* 1 for PNG, 2 for JPEG, 0 for anything else. */
static int format_from_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    if (!dot)
        return 0;
    if (strcasecmp(dot, ".png") == 0)
        return 1;
    if (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0)
        return 2;
    return 0;
}

v2f_status v2f_image_write(const char *path, const uint8_t *rgb,
                           int32_t width, int32_t height,
                           const v2f_image_write_opts *opts)
{
    v2f_image_write_opts o;
    v2f__atomic_file af;
    v2f_status st;
    int fmt;

    if (!path || !rgb)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_image_write: %s is NULL",
                         !path ? "path" : "rgb");
    v2f_image_write_opts_init(&o, sizeof o);
    st = v2f__copy_opts(&o, sizeof o, opts, "v2f_image_write");
    if (st != V2F_OK)
        return st;
    if (width < 1 || width > 65535 || height < 1 || height > 65535)
        return v2f__fail(V2F_E_INVALID_ARG,
                         "v2f_image_write: size %dx%d; width and height "
                         "must be 1..65535", (int)width, (int)height);
    if (o.png_level < -1 || o.png_level > 9)
        return v2f__fail(V2F_E_INVALID_ARG,
                         "v2f_image_write: png_level is %d; use 0..9, or -1 "
                         "for the default (%d)", (int)o.png_level,
                         V2F_PNG_LEVEL_DEFAULT);
    fmt = format_from_name(path);
    if (!fmt)
        return v2f__fail(V2F_E_INVALID_ARG,
                         "v2f_image_write: '%s' does not end in .png, .jpg "
                         "or .jpeg", path);
    if (fmt == 2) {
        if (o.jpeg_quality < 1 || o.jpeg_quality > 100)
            return v2f__fail(V2F_E_INVALID_ARG,
                             "v2f_image_write: jpeg_quality is %d; use "
                             "1..100", (int)o.jpeg_quality);
        if (width > V2F_JPEG_MAX_SIDE || height > V2F_JPEG_MAX_SIDE)
            return v2f__fail(V2F_E_INVALID_ARG,
                             "v2f_image_write: JPEG allows at most %d "
                             "pixels per side, not %dx%d", V2F_JPEG_MAX_SIDE,
                             (int)width, (int)height);
    }

    st = v2f__atomic_open(&af, path);
    if (st != V2F_OK)
        return st;
    if (fmt == 1)
        st = v2f__png_encode(af.fp, path, rgb, (uint32_t)width,
                             (uint32_t)height,
                             o.png_level < 0 ? V2F_PNG_LEVEL_DEFAULT
                                             : (int)o.png_level);
    else
        st = v2f__jpeg_encode(af.fp, path, rgb, (uint32_t)width,
                              (uint32_t)height, (int)o.jpeg_quality);
    if (st != V2F_OK) {
        v2f__atomic_abort(&af);
        return st;
    }
    return v2f__atomic_commit(&af);
}
