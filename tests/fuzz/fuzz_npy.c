/* Fuzz the .npy parser (v2f__npy_parse, behind v2f_npy_read and every
 * member of v2f_npz_read) from memory. */
#include <string.h>

#include "npy.h"

struct mem_src {
    const uint8_t *p;
    size_t left;
};

/* Like the file source: exactly n bytes or a format error. */
static v2f_status mem_read(void *ctx, void *buf, size_t n)
{
    struct mem_src *s = ctx;
    if (n > s->left)
        return v2f__fail(V2F_E_FORMAT, "fuzz input: unexpected end");
    memcpy(buf, s->p, n);
    s->p += n;
    s->left -= n;
    return V2F_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mem_src src = {data, size};
    v2f__reader r = {mem_read, &src};
    v2f_array *a = NULL;
    v2f_status st = v2f__npy_parse(&r, size, "'fuzz.npy'", &a);
    if (st == V2F_OK) {
        /* Touch every element: ASan catches a short allocation. */
        size_t n = v2f_array_rows(a) * v2f_array_cols(a);
        const float *d = v2f_array_data(a);
        volatile float sum = 0;
        if (!a || !d || n == 0)
            __builtin_trap();   /* OK must come with a non-empty array */
        for (size_t i = 0; i < n; i++)
            sum += d[i];
        (void)sum;
    } else if (a) {
        __builtin_trap();       /* a failure must leave *out NULL */
    }
    v2f_array_free(a);
    return 0;
}
