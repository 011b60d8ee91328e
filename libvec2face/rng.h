/* Internal: counter-based random numbers (Philox4x32-10).
 *
 * A stream is identified by a key (seed, purpose, identity, image); the
 * n-th draw of a stream depends on nothing else, so results do not depend
 * on batch sizes, threads or how work is split. */
#ifndef V2F_RNG_H
#define V2F_RNG_H

#include <stdint.h>

/* Purposes: separate streams for separate uses of one image key. */
enum { V2F_RNG_MASK_RATIO = 1, V2F_RNG_MASK_ORDER = 2, V2F_RNG_PERTURB = 3,
       /* dataset pose_order "sample": the template of image (identity,
        * image); identity/identity.h uses 16 for the sampler */
       V2F_RNG_POSE_TEMPLATE = 4 };

typedef struct v2f_rng {
    uint32_t key[2];
    uint32_t ctr[4];   /* ctr[0] counts blocks; ctr[1..3] hold the key */
    uint32_t buf[4];
    int used;          /* words of buf consumed */
} v2f_rng;

void v2f__rng_init(v2f_rng *r, uint64_t seed, uint32_t purpose,
                   uint64_t identity, uint64_t image);
uint32_t v2f__rng_u32(v2f_rng *r);
/* Uniform in (0, 1), never 0 or 1, 53 bits. */
double v2f__rng_uniform(v2f_rng *r);
/* Uniform integer in [0, bound), bound > 0, without modulo bias. */
uint32_t v2f__rng_below(v2f_rng *r, uint32_t bound);

/* Philox4x32-10 block function (exposed for the known-answer test). */
void v2f__philox4x32_10(const uint32_t ctr[4], const uint32_t key[2],
                        uint32_t out[4]);

#endif
