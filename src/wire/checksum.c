/* synack — Internet checksum, RFC 1071 with a 64-bit accumulator.
 *
 * Speed: within one csum_add() call the bytes are summed as native-endian
 * 64-bit words, four per loop iteration. Because 2^16 == 1 (mod 2^16 - 1), the
 * one's complement sum of 64-bit words folds to the sum of the 16-bit words
 * they contain, and because the sum is independent of byte order up to a swap
 * (RFC 1071 2(B)), a little-endian host only swaps the folded 16-bit result
 * once per call. Loads go through memcpy so any alignment is safe. */
#include "wire/checksum.h"

#include <string.h>

/* Adds b to a with end-around carry, so the sum stays exact modulo 2^64 - 1,
 * of which 2^16 - 1 is a divisor. */
static inline uint64_t add_carry(uint64_t a, uint64_t b)
{
    a += b;
    return a + (a < b);
}

/* Folds a 64-bit end-around sum to 16 bits; a non-zero input never folds to 0. */
static inline uint16_t fold16(uint64_t x)
{
    x = (x & 0xffffffffu) + (x >> 32);
    x = (x & 0xffffffffu) + (x >> 32);
    x = (x & 0xffffu) + (x >> 16);
    x = (x & 0xffffu) + (x >> 16);
    return (uint16_t)x;
}

/* True on a little-endian host; compilers fold this to a constant. */
static inline int host_is_little_endian(void)
{
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* GCC vectorises the loop below only with the dynamic cost model; clang does at -O2. */
#if defined(__GNUC__) && !defined(__clang__)
#define SYNACK_VECTORIZE __attribute__((optimize("-O3", "-fvect-cost-model=dynamic")))
#else
#define SYNACK_VECTORIZE
#endif

/* Sums n bytes (n a multiple of 4, at most 2^32) as native 32-bit words into a 64-bit
 * total. No carry has to travel between iterations, so the loop vectorises; the sum is
 * congruent to the 16-bit ones'-complement sum modulo 2^16 - 1, which is all RFC 1071
 * needs (2^16 = 1 in that arithmetic). */
SYNACK_VECTORIZE static uint64_t sum32(const uint8_t *p, size_t n)
{
    uint64_t a = 0;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t w;
        memcpy(&w, p + i, sizeof w);
        a += w;
    }
    return a;
}

uint64_t csum_add(uint64_t acc, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t s = 0;
    while (len >= 4) {
        size_t n = len & ~(size_t)3;
        if (n > (1u << 30))
            n = 1u << 30; /* keeps the 64-bit total from overflowing */
        s = add_carry(s, sum32(p, n));
        p += n;
        len -= n;
    }
    if (len > 0) {
        /* The tail, zero-padded: an odd final byte becomes the high octet of its
         * big-endian word, as RFC 1071 requires. */
        uint8_t tail[4] = {0};
        memcpy(tail, p, len);
        uint32_t w;
        memcpy(&w, tail, sizeof w);
        s = add_carry(s, w);
    }
    uint16_t folded = fold16(s);
    if (host_is_little_endian())
        folded = (uint16_t)((folded >> 8) | (folded << 8));
    return add_carry(acc, folded);
}

uint64_t csum_add16(uint64_t acc, uint16_t word)
{
    return add_carry(acc, word);
}

uint64_t csum_pseudo_ipv4(uint64_t acc, uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    /* Each 32-bit address contributes its two 16-bit halves; adding it whole is
     * congruent modulo 2^16 - 1. The zero octet and protocol form one word. */
    acc = add_carry(acc, src);
    acc = add_carry(acc, dst);
    acc = add_carry(acc, proto);
    return add_carry(acc, len);
}

uint16_t csum_finish(uint64_t acc)
{
    return (uint16_t)~fold16(acc);
}
