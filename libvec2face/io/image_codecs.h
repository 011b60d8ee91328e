/* Internal: PNG and JPEG codecs behind v2f_image_read/v2f_image_write. */
#ifndef V2F_IMAGE_CODECS_H
#define V2F_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

/* Largest decoded image, in pixels per side: a guard against
 * decompression bombs (a tiny file claiming a huge canvas). */
#define V2F_IMAGE_MAX_SIDE 16384u

/* Decode an in-memory file to 8-bit RGB (malloc'd, *w x *h x 3, caller
 * frees). When need_w/need_h are non-zero a different size fails with
 * V2F_E_FORMAT right after the header, before any pixel is decoded.
 * `path` only names the file in messages. */
v2f_status v2f__png_decode(const uint8_t *buf, size_t len, const char *path,
                           uint32_t need_w, uint32_t need_h,
                           uint8_t **rgb, uint32_t *w, uint32_t *h);
v2f_status v2f__jpeg_decode(const uint8_t *buf, size_t len, const char *path,
                            uint32_t need_w, uint32_t need_h,
                            uint8_t **rgb, uint32_t *w, uint32_t *h);

/* Encode 8-bit RGB to an open stream (PNG: zlib level 0..9). Failures
 * are V2F_E_IO. */
v2f_status v2f__png_encode(FILE *fp, const char *path, const uint8_t *rgb,
                           uint32_t w, uint32_t h, int level);
v2f_status v2f__jpeg_encode(FILE *fp, const char *path, const uint8_t *rgb,
                            uint32_t w, uint32_t h, int quality);

/* The message for a wrong size (shared by both decoders). */
v2f_status v2f__image_size_error(const char *path, uint32_t w, uint32_t h,
                                 uint32_t need_w, uint32_t need_h);

#endif
