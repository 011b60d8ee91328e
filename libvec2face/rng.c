/* Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
 * 3", SC'11): a counter-based generator, so any draw can be computed from
 * its key and index alone. */
#include "rng.h"

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

void v2f__philox4x32_10(const uint32_t ctr[4], const uint32_t key[2],
                        uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * c0;
        uint64_t p1 = (uint64_t)0xCD9E8D57u * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n1 = (uint32_t)p1;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        uint32_t n3 = (uint32_t)p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

void v2f__rng_init(v2f_rng *r, uint64_t seed, uint32_t purpose,
                   uint64_t identity, uint64_t image)
{
    /* Key: seed and purpose; counter words: the image key and block index.
     * The high half of the image index is folded into the key. */
    uint64_t k = splitmix64(seed ^ splitmix64(((uint64_t)purpose << 32) ^ (image >> 32)));
    r->key[0] = (uint32_t)k;
    r->key[1] = (uint32_t)(k >> 32);
    r->ctr[0] = 0;
    r->ctr[1] = (uint32_t)image;
    r->ctr[2] = (uint32_t)identity;
    r->ctr[3] = (uint32_t)(identity >> 32);
    r->used = 4;
}

uint32_t v2f__rng_u32(v2f_rng *r)
{
    if (r->used == 4) {
        v2f__philox4x32_10(r->ctr, r->key, r->buf);
        r->ctr[0]++;
        r->used = 0;
    }
    return r->buf[r->used++];
}

double v2f__rng_uniform(v2f_rng *r)
{
    uint64_t hi = v2f__rng_u32(r) >> 5;  /* 27 bits */
    uint64_t lo = v2f__rng_u32(r) >> 6;  /* 26 bits */
    uint64_t m = (hi << 26) | lo;        /* 53 bits */
    return ((double)m + 0.5) / 9007199254740992.0;
}

uint32_t v2f__rng_below(v2f_rng *r, uint32_t bound)
{
    /* Lemire's nearly divisionless method. */
    uint64_t m = (uint64_t)v2f__rng_u32(r) * bound;
    uint32_t low = (uint32_t)m;
    if (low < bound) {
        uint32_t threshold = (uint32_t)(-bound) % bound;
        while (low < threshold) {
            m = (uint64_t)v2f__rng_u32(r) * bound;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}
