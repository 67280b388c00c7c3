/* SPDX-License-Identifier: MIT */
#include "support/icmp_frames.h"

#include <string.h>

#include "support/ref_csum.h"
#include "wire/bytes.h"

/* The message itself: type, code, checksum 0, rest, the quote; its length. */
static size_t message(uint8_t *m, uint8_t type, uint8_t code, uint32_t rest, const uint8_t *q,
                      size_t qlen)
{
    m[0] = type;
    m[1] = code;
    wr16(m + 2, 0);
    wr32(m + 4, rest);
    memcpy(m + 8, q, qlen);
    return 8 + qlen;
}

size_t icmp4_error_packet(uint8_t *f, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
                          uint32_t rest, const uint8_t *q, size_t qlen)
{
    uint8_t *m = f + 20;
    size_t n = message(m, type, code, rest, q, qlen);
    wr16(m + 2, ref_fold(ref_sum16(0, m, n)));
    memset(f, 0, 20);
    f[0] = 0x45;
    wr16(f + 2, (uint16_t)(20 + n));
    f[8] = 64;
    f[9] = 1;
    wr32(f + 12, src);
    wr32(f + 16, dst);
    wr16(f + 10, ref_fold(ref_sum16(0, f, 20)));
    return 20 + n;
}

size_t icmp6_error_packet(uint8_t *f, const uint8_t src[16], const uint8_t dst[16], uint8_t type,
                          uint8_t code, uint32_t rest, const uint8_t *q, size_t qlen)
{
    uint8_t *m = f + 40;
    size_t n = message(m, type, code, rest, q, qlen);
    uint8_t ph[40] = {0};
    memcpy(ph, src, 16);
    memcpy(ph + 16, dst, 16);
    wr32(ph + 32, (uint32_t)n);
    ph[39] = 58;
    wr16(m + 2, ref_fold(ref_sum16(ref_sum16(0, ph, 40), m, n)));
    memset(f, 0, 40);
    f[0] = 0x60;
    wr16(f + 4, (uint16_t)n);
    f[6] = 58;
    f[7] = 64;
    memcpy(f + 8, src, 16);
    memcpy(f + 24, dst, 16);
    return 40 + n;
}
