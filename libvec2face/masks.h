/* Internal: mask sampling for the generator. */
#ifndef V2F_MASKS_H
#define V2F_MASKS_H

#include <stdint.h>

typedef struct v2f_mask_dist {
    double min, max, mu, std;
    int num_dropped;
} v2f_mask_dist;

/* Inverse of the standard normal CDF, full double precision. */
double v2f__norm_ppf(double p);

/* One draw of the truncated normal mask ratio for u in (0,1). */
double v2f__truncnorm(const v2f_mask_dist *d, double u);

/* Masks of one image keyed by (seed, identity, image): 49 bytes each. */
void v2f__sample_mask(const v2f_mask_dist *d, uint64_t seed,
                      uint64_t identity, uint64_t image,
                      uint8_t *dropped, uint8_t *masked);

#endif
