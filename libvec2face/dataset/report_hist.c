/* The report's small numeric tools: finiteness and histograms. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"

#define DIM V2F_VECTOR_DIM

int v2f__finite(float f)
{
    return f == f && f - f == 0.0f;
}

/* ---- histograms ---- */

v2f_status v2f__hist_fill(v2f__hist *h, int32_t bins, const float *x,
                          const uint8_t *keep, size_t n, int fixed,
                          double lo, double hi)
{
    double mn = INFINITY, mx = -INFINITY;
    size_t i;
    h->bins = bins;
    h->count = calloc((size_t)bins, sizeof *h->count);
    if (!h->count)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    if (!fixed) {
        for (i = 0; i < n; i++)
            if ((!keep || keep[i] == V2F__IMG_READ) && v2f__finite(x[i])) {
                if (x[i] < mn) mn = x[i];
                if (x[i] > mx) mx = x[i];
            }
        lo = mn <= mx ? floor(mn) : 0.0;
        hi = mn <= mx ? ceil(mx) : 1.0;
        if (hi <= lo)
            hi = lo + 1.0;
    }
    h->lo = lo;
    h->hi = hi;
    for (i = 0; i < n; i++) {
        double b;
        int32_t k;
        if ((keep && keep[i] != V2F__IMG_READ) || !v2f__finite(x[i]))
            continue;
        b = floor(((double)x[i] - lo) / (hi - lo) * bins);
        k = b < 0 ? 0 : b >= bins ? bins - 1 : (int32_t)b;
        h->count[k]++;
    }
    return V2F_OK;
}

void v2f__hist_free(v2f__hist *h)
{
    free(h->count);
    h->count = NULL;
}
