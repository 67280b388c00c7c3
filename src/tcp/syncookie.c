/* SPDX-License-Identifier: MIT */
/* SYN cookies, RFC 4987 3.6. Layout of the 32-bit cookie (our ISN):
 *   bits 31..27  the 64-second clock, modulo 32
 *   bits 26..24  MSS index
 *   bits 23..0   SipHash-2-4(cookie_key; 4-tuple, full clock, peer ISN, MSS index)
 * An attacker without the key guesses the 24-bit hash with probability 2^-24 per ACK. */
#include "tcp/syncookie.h"

#include <string.h>

#include "stack/stack_impl.h"
#include "util/siphash.h"

const uint16_t syncookie_mss_table[4] = {536, 1300, 1440, 1460};

uint32_t syncookie_mss_index(uint16_t mss)
{
    uint32_t idx = 0;
    for (uint32_t i = 0; i < 4; i++)
        if (syncookie_mss_table[i] <= mss)
            idx = i;
    return idx;
}

static uint32_t cookie_hash(const uint8_t key[16], const synack_endpoints *ep, uint64_t tick,
                            uint32_t peer_isn, uint32_t mss_idx)
{
    /* IPv4: laddr raddr ports isn tick idx (25 bytes); IPv6: the 128-bit addresses in
     * their place (49 bytes), so the hash covers the whole 4-tuple of either family. */
    uint8_t m[49];
    size_t n = 0;
    if (ep->family == SYNACK_AF_INET6) {
        memcpy(m, ep->laddr6, 16);
        memcpy(m + 16, ep->raddr6, 16);
        n = 32;
    } else {
        for (int k = 0; k < 4; k++)
            m[n++] = (uint8_t)(ep->laddr >> (24 - 8 * k));
        for (int k = 0; k < 4; k++)
            m[n++] = (uint8_t)(ep->raddr >> (24 - 8 * k));
    }
    uint32_t w[2] = {((uint32_t)ep->lport << 16) | ep->rport, peer_isn};
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 4; k++)
            m[n++] = (uint8_t)(w[i] >> (24 - 8 * k));
    for (int k = 0; k < 8; k++)
        m[n++] = (uint8_t)(tick >> (56 - 8 * k));
    m[n++] = (uint8_t)mss_idx;
    return (uint32_t)siphash24(key, m, n) & 0xffffffu;
}

uint32_t syncookie_make(const synack_stack *st, const synack_endpoints *ep, uint32_t peer_isn,
                        uint32_t mss_idx)
{
    uint64_t tick = st->now / SYNCOOKIE_PERIOD_US;
    return ((uint32_t)(tick & 0x1f) << 27) | ((mss_idx & 7u) << 24) |
           cookie_hash(st->cookie_key, ep, tick, peer_isn, mss_idx & 7u);
}

int syncookie_check(const synack_stack *st, const synack_endpoints *ep, uint32_t peer_isn,
                    uint32_t cookie)
{
    uint64_t now_tick = st->now / SYNCOOKIE_PERIOD_US;
    uint32_t age = (uint32_t)((now_tick - (cookie >> 27)) & 0x1f);
    if (age > SYNCOOKIE_MAX_AGE || now_tick < age)
        return -1;
    uint32_t idx = (cookie >> 24) & 7u;
    if (idx > 3)
        return -1;
    uint32_t h = cookie & 0xffffffu;
    if (cookie_hash(st->cookie_key, ep, now_tick - age, peer_isn, idx) == h)
        return (int)idx;
    /* After a rotation, cookies minted under the previous key are honoured while they
     * can still be young enough. */
    if (st->cookie_key_since &&
        st->now - st->cookie_key_since <= (SYNCOOKIE_MAX_AGE + 1) * SYNCOOKIE_PERIOD_US &&
        cookie_hash(st->cookie_key_old, ep, now_tick - age, peer_isn, idx) == h)
        return (int)idx;
    return -1;
}

uint32_t syncookie_ts_encode(uint32_t ts_now, int wscale, int sack_ok)
{
    uint32_t opts = (uint32_t)(wscale < 0 || wscale > 14 ? 0xf : wscale) | (sack_ok ? 0x10u : 0);
    uint32_t ts = (ts_now & ~0x3fu) | opts;
    if (ts > ts_now) /* never ahead of our clock, or the peer's PAWS would see time go back */
        ts -= 0x40;
    return ts;
}

void syncookie_ts_decode(uint32_t tsecr, int *wscale, int *sack_ok)
{
    uint32_t ws = tsecr & 0xf;
    *wscale = ws == 0xf ? -1 : (int)ws;
    *sack_ok = (tsecr & 0x10) != 0;
}
