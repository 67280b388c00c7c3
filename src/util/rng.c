/* SPDX-License-Identifier: MIT */
/* synack — splitmix64 seeding and the xoshiro256** generator. */
#include "util/rng.h"

/* Rotates x left by b bits; b is always in 1..63 here. */
static inline uint64_t rotl64(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64u - b));
}

/* splitmix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
 * generators", 2014): a Weyl sequence passed through a bijective mixer, so
 * consecutive outputs are distinct and at most one of them is zero. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void rng_seed(synack_rng *r, uint64_t seed)
{
    for (unsigned i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

uint64_t rng_next(synack_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl64(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

uint32_t rng_below(synack_rng *r, uint32_t n)
{
    if (n == 0)
        return 0;
    /* Lemire, "Fast random integer generation in an interval", 2019: the high
     * word of x * n is uniform once the low word avoids the 2^32 mod n values
     * that would be hit once too often. */
    uint64_t m = (rng_next(r) >> 32) * (uint64_t)n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        const uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (rng_next(r) >> 32) * (uint64_t)n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

double rng_unit(synack_rng *r)
{
    /* The top 53 bits fill a double's mantissa exactly. */
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}
