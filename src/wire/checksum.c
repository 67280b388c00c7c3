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

/* Loads 8 bytes at p in host byte order without alignment assumptions. */
static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
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

uint64_t csum_add(uint64_t acc, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t s0 = 0, s1 = 0;

    /* Two independent accumulators let the additions overlap in the CPU. */
    while (len >= 32) {
        s0 = add_carry(s0, load64(p));
        s1 = add_carry(s1, load64(p + 8));
        s0 = add_carry(s0, load64(p + 16));
        s1 = add_carry(s1, load64(p + 24));
        p += 32;
        len -= 32;
    }
    while (len >= 8) {
        s0 = add_carry(s0, load64(p));
        p += 8;
        len -= 8;
    }
    if (len > 0) {
        /* The tail, zero-padded in place: an odd final byte becomes the high
         * octet of its big-endian word, as RFC 1071 requires. */
        uint8_t tail[8] = {0};
        memcpy(tail, p, len);
        s1 = add_carry(s1, load64(tail));
    }

    uint16_t folded = fold16(add_carry(s0, s1));
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
