/* Fuzz the .npz (zip) reader, v2f_npz_read: it takes a path, so each input
 * is written to a scratch file first. The member asked for is "a" (matches
 * "a" or "a.npy" in the seeds). */
#include "fuzz_util.h"
#include "vec2face/vec2face.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("in.npz", data, size);
    v2f_array *a = NULL;
    v2f_status st = v2f_npz_read(path, "a", &a);
    if (st == V2F_OK) {
        size_t n = v2f_array_rows(a) * v2f_array_cols(a);
        const float *d = v2f_array_data(a);
        volatile float sum = 0;
        if (!d || n == 0)
            __builtin_trap();
        for (size_t i = 0; i < n; i++)
            sum += d[i];
        (void)sum;
    } else if (a) {
        __builtin_trap();
    }
    v2f_array_free(a);
    return 0;
}
