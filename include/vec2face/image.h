/*
 * vec2face/image.h - PNG and JPEG files of RGB images.
 * Conventions (errors, struct_size): common.h.
 */
#ifndef VEC2FACE_IMAGE_H
#define VEC2FACE_IMAGE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options for v2f_image_read. @since 0.1 */
typedef struct v2f_image_read_opts {
    uint32_t struct_size;
    /** 0 (default): an image that is not 112x112 is V2F_E_FORMAT.
     *  1: resize any size to 112x112 (bilinear). */
    int32_t resize;
} v2f_image_read_opts;

/** Fill o with defaults (common.h, "Sizes"). @since 0.1 */
V2F_API void v2f_image_read_opts_init(v2f_image_read_opts *o, size_t size);

/** Read a PNG or JPEG file (by content, not by name) as one 112x112 RGB
 *  image. Grey, palette and alpha images are converted to RGB (alpha
 *  dropped); 16-bit samples are reduced to 8.
 *  Images over 16384 pixels a side are refused (decompression bombs).
 *  @param rgb_out  V2F_IMAGE_BYTES bytes
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_IO (cannot open or read),
 *          V2F_E_FORMAT (not PNG/JPEG, corrupt, truncated, wrong size)
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_image_read(const char *path,
                                  const v2f_image_read_opts *opts,
                                  uint8_t *rgb_out);

/** The PNG zlib level used when v2f_image_write_opts.png_level or
 *  v2f_dataset_recipe.png_level is -1: zlib's and libpng's own default.
 *  Filters are libpng's adaptive choice at every level. @since 0.3 */
#define V2F_PNG_LEVEL_DEFAULT 6

/** Options for v2f_image_write. @since 0.1 */
typedef struct v2f_image_write_opts {
    uint32_t struct_size;
    /** JPEG quality 1..100 (default 95). */
    int32_t jpeg_quality;
    /** PNG zlib compression level: -1 (default) = the library's default,
     *  V2F_PNG_LEVEL_DEFAULT; 0 (stored, largest, fastest) .. 9 (smallest,
     *  slowest). Changes the bytes and size of a PNG file, never its
     *  pixels. Outside -1..9 is V2F_E_INVALID_ARG naming the value.
     *  @since 0.3 */
    int32_t png_level;
} v2f_image_write_opts;

/** Fill o with defaults (common.h, "Sizes"). @since 0.1 */
V2F_API void v2f_image_write_opts_init(v2f_image_write_opts *o, size_t size);

/** Write one RGB image; the format comes from the extension (.png, .jpg,
 *  .jpeg, case-insensitive). Written to a temporary file in the same
 *  directory and renamed into place, so a failure leaves no partial file.
 *  @param rgb     width * height * 3 bytes, row-major RGB
 *  @param width, height  1..65535 (JPEG: at most 65500)
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, unknown extension, size,
 *          quality, png_level), V2F_E_IO
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_image_write(const char *path, const uint8_t *rgb,
                                   int32_t width, int32_t height,
                                   const v2f_image_write_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* VEC2FACE_IMAGE_H */
