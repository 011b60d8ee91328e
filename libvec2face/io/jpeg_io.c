/* JPEG decode/encode with the libjpeg(-turbo) 6b/62 API. libjpeg's default
 * error_exit calls exit(); ours formats the message and longjmps back to
 * the setjmp in read_jpeg/write_jpeg. Warnings go to v2f__log, except a
 * premature end of file or of the scan data, which libjpeg would paper
 * over with grey pixels and which we treat as an error. */
#include <setjmp.h>
#include <stdio.h>   /* before jpeglib.h, which uses FILE */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "image_codecs.h"

/* A hostile progressive JPEG can hold thousands of tiny scans, each one a
 * full pass over the coefficient buffer; real files have about 10. */
#define MAX_SCANS 1000

struct jpeg_ctx {
    struct jpeg_error_mgr pub;        /* first: libjpeg casts err to this */
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    const char *path;
    uint8_t *rgb;                     /* decode: output */
    uint8_t *row;                     /* decode: one CMYK row */
    char msg[JMSG_LENGTH_MAX];
};

static void on_error_exit(j_common_ptr cinfo)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *)cinfo->err;
    c->pub.format_message(cinfo, c->msg);
    longjmp(c->jump, 1);
}

static void on_emit_message(j_common_ptr cinfo, int level)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *)cinfo->err;
    char buf[JMSG_LENGTH_MAX];
    if (level >= 0)
        return;   /* trace messages */
    /* A marker inside the scan data (e.g. EOI right after a few bytes) is
     * the same damage as an early end of file: libjpeg would fill the rest
     * of the canvas, up to 16384x16384, from nothing (found by fuzzing). */
    if (c->pub.msg_code == JWRN_JPEG_EOF || c->pub.msg_code == JWRN_HIT_MARKER) {
        c->pub.format_message(cinfo, c->msg);
        longjmp(c->jump, 1);
    }
    c->pub.num_warnings++;
    c->pub.format_message(cinfo, buf);
    v2f__log(V2F_LOG_WARN, "libjpeg: %s: %s", c->path, buf);
}

static void on_output_message(j_common_ptr cinfo)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *)cinfo->err;
    char buf[JMSG_LENGTH_MAX];
    c->pub.format_message(cinfo, buf);
    v2f__log(V2F_LOG_WARN, "libjpeg: %s: %s", c->path, buf);
}

static void on_progress(j_common_ptr cinfo)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *)cinfo->err;
    if (cinfo->is_decompressor
        && ((j_decompress_ptr)cinfo)->input_scan_number > MAX_SCANS) {
        snprintf(c->msg, sizeof c->msg, "more than %d scans", MAX_SCANS);
        longjmp(c->jump, 1);
    }
}

static void init_ctx(struct jpeg_ctx *c, const char *path)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    jpeg_std_error(&c->pub);
    c->pub.error_exit = on_error_exit;
    c->pub.emit_message = on_emit_message;
    c->pub.output_message = on_output_message;
    c->progress.progress_monitor = on_progress;
}

/* Adobe CMYK JPEGs store inverted ink values, so R = C * K / 255 on the
 * stored samples. */
static void cmyk_to_rgb(const uint8_t *in, uint8_t *out, size_t w, int inverted)
{
    size_t x;
    for (x = 0; x < w; x++) {
        unsigned cc = in[4 * x], m = in[4 * x + 1], yy = in[4 * x + 2],
                 k = in[4 * x + 3];
        if (!inverted) {
            cc = 255 - cc; m = 255 - m; yy = 255 - yy; k = 255 - k;
        }
        out[3 * x] = (uint8_t)((cc * k + 127) / 255);
        out[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
        out[3 * x + 2] = (uint8_t)((yy * k + 127) / 255);
    }
}

static v2f_status read_jpeg(struct jpeg_decompress_struct *cinfo,
                            struct jpeg_ctx *c, const uint8_t *buf, size_t len,
                            uint32_t need_w, uint32_t need_h,
                            uint32_t *w_out, uint32_t *h_out)
{
    int cmyk;
    size_t row_bytes;
    int ok;

    if (setjmp(c->jump))
        return v2f__fail(V2F_E_FORMAT, "bad JPEG '%s': %s", c->path, c->msg);

    jpeg_create_decompress(cinfo);
    cinfo->progress = &c->progress;
    /* jpeg_mem_src takes a non-const pointer but only reads. */
    jpeg_mem_src(cinfo, (unsigned char *)(uintptr_t)buf, (unsigned long)len);
    (void)jpeg_read_header(cinfo, TRUE);
    if (cinfo->image_width > V2F_IMAGE_MAX_SIDE
        || cinfo->image_height > V2F_IMAGE_MAX_SIDE)
        return v2f__fail(V2F_E_FORMAT,
                         "'%s' is %ux%u pixels, larger than the %ux%u "
                         "limit", c->path, (unsigned)cinfo->image_width,
                         (unsigned)cinfo->image_height, V2F_IMAGE_MAX_SIDE,
                         V2F_IMAGE_MAX_SIDE);
    if (need_w && (cinfo->image_width != need_w
                   || cinfo->image_height != need_h))
        return v2f__image_size_error(c->path, cinfo->image_width,
                                     cinfo->image_height, need_w, need_h);
    cmyk = cinfo->jpeg_color_space == JCS_CMYK
           || cinfo->jpeg_color_space == JCS_YCCK;
    cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    (void)jpeg_start_decompress(cinfo);
    if (cinfo->output_components != (cmyk ? 4 : 3))
        return v2f__fail(V2F_E_INTERNAL, "'%s': libjpeg gave %d components",
                         c->path, cinfo->output_components);

    row_bytes = (size_t)cinfo->output_width * 3;
    c->rgb = malloc(v2f__mul(row_bytes, cinfo->output_height, &ok));
    if (cmyk)
        c->row = malloc((size_t)cinfo->output_width * 4);
    if (!c->rgb || (cmyk && !c->row))
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory decoding '%s'",
                         c->path);
    while (cinfo->output_scanline < cinfo->output_height) {
        uint8_t *dst = c->rgb + (size_t)cinfo->output_scanline * row_bytes;
        JSAMPROW rowp = cmyk ? c->row : dst;
        if (jpeg_read_scanlines(cinfo, &rowp, 1) != 1)
            return v2f__fail(V2F_E_FORMAT, "bad JPEG '%s': no more data",
                             c->path);
        if (cmyk)
            cmyk_to_rgb(c->row, dst, cinfo->output_width,
                        cinfo->saw_Adobe_marker);
    }
    (void)jpeg_finish_decompress(cinfo);
    *w_out = cinfo->output_width;
    *h_out = cinfo->output_height;
    return V2F_OK;
}

v2f_status v2f__jpeg_decode(const uint8_t *buf, size_t len, const char *path,
                            uint32_t need_w, uint32_t need_h,
                            uint8_t **rgb, uint32_t *w, uint32_t *h)
{
    struct jpeg_decompress_struct cinfo;
    struct jpeg_ctx c;
    v2f_status st;

    *rgb = NULL;
    *w = *h = 0;
    init_ctx(&c, path);
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = &c.pub;
    st = read_jpeg(&cinfo, &c, buf, len, need_w, need_h, w, h);
    jpeg_destroy_decompress(&cinfo);
    free(c.row);
    if (st != V2F_OK) {
        free(c.rgb);
        *w = *h = 0;
        return st;
    }
    *rgb = c.rgb;
    return V2F_OK;
}

static v2f_status write_jpeg(struct jpeg_compress_struct *cinfo,
                             struct jpeg_ctx *c, FILE *fp, const uint8_t *rgb,
                             uint32_t w, uint32_t h, int quality)
{
    if (setjmp(c->jump))
        return v2f__fail(V2F_E_IO, "cannot write JPEG '%s': %s", c->path,
                         c->msg);
    jpeg_create_compress(cinfo);
    jpeg_stdio_dest(cinfo, fp);
    cinfo->image_width = w;
    cinfo->image_height = h;
    cinfo->input_components = 3;
    cinfo->in_color_space = JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    jpeg_start_compress(cinfo, TRUE);
    while (cinfo->next_scanline < cinfo->image_height) {
        JSAMPROW rowp = (JSAMPROW)(uintptr_t)(rgb + (size_t)cinfo->next_scanline
                                              * w * 3);
        (void)jpeg_write_scanlines(cinfo, &rowp, 1);
    }
    jpeg_finish_compress(cinfo);
    return V2F_OK;
}

v2f_status v2f__jpeg_encode(FILE *fp, const char *path, const uint8_t *rgb,
                            uint32_t w, uint32_t h, int quality)
{
    struct jpeg_compress_struct cinfo;
    struct jpeg_ctx c;
    v2f_status st;

    init_ctx(&c, path);
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = &c.pub;
    st = write_jpeg(&cinfo, &c, fp, rgb, w, h, quality);
    jpeg_destroy_compress(&cinfo);
    return st;
}
