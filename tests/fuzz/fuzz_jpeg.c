/* Fuzz the JPEG reader (libjpeg behind v2f__jpeg_decode and v2f_image_read). */
#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_image_one(v2f__jpeg_decode, "in.jpg", data, size);
}
