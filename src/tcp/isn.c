/* SPDX-License-Identifier: MIT */
/* Initial sequence numbers, RFC 6528: ISN = M + F(localip, localport, remoteip,
 * remoteport, secretkey), with M a 4 µs timer and F SipHash-2-4 under a per-stack key. */
#include <string.h>

#include "tcp/tcp.h"
#include "util/siphash.h"

/* IPv4: laddr lport raddr rport, 12 bytes; IPv6: the same with 16-byte addresses, 36
 * (RFC 6528's F over the full 128-bit 4-tuple). tuple[len] is left for a domain byte.
 * Returns len. */
static size_t tuple_bytes(const synack_endpoints *ep, uint8_t tuple[37])
{
    size_t n = 0;
    if (tcp_ep_v6(ep)) {
        memcpy(tuple, ep->laddr6, 16);
        n = 16;
    } else {
        for (int i = 0; i < 4; i++)
            tuple[n++] = (uint8_t)(ep->laddr >> (24 - 8 * i));
    }
    tuple[n++] = (uint8_t)(ep->lport >> 8);
    tuple[n++] = (uint8_t)ep->lport;
    if (tcp_ep_v6(ep)) {
        memcpy(tuple + n, ep->raddr6, 16);
        n += 16;
    } else {
        for (int i = 0; i < 4; i++)
            tuple[n++] = (uint8_t)(ep->raddr >> (24 - 8 * i));
    }
    tuple[n++] = (uint8_t)(ep->rport >> 8);
    tuple[n++] = (uint8_t)ep->rport;
    tuple[n] = 0;
    return n;
}

uint32_t tcp_isn(synack_stack *st, const synack_endpoints *ep)
{
    uint8_t tuple[37];
    size_t n = tuple_bytes(ep, tuple);
    uint32_t f = (uint32_t)siphash24(st->isn_key, tuple, n);
    uint32_t m = (uint32_t)(st->now / 4); /* RFC 9293 3.4.1: the clock ticks every 4 µs */
    return m + f;
}

uint32_t tcp_ts_offset(const synack_stack *st, const synack_endpoints *ep)
{
    uint8_t tuple[37];
    size_t n = tuple_bytes(ep, tuple);
    tuple[n] = 0x75; /* a different domain from the connection table's hash */
    /* Not the ISN key: that one rotates, and the offset must not change between a SYN
     * cookie's TSval and the connection built from it. */
    return (uint32_t)siphash24(st->hash_key, tuple, n + 1);
}
