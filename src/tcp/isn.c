/* SPDX-License-Identifier: MIT */
/* Initial sequence numbers, RFC 6528: ISN = M + F(localip, localport, remoteip,
 * remoteport, secretkey), with M a 4 µs timer and F SipHash-2-4 under a per-stack key. */
#include "tcp/tcp.h"
#include "util/siphash.h"

static void tuple_bytes(const synack_endpoints *ep, uint8_t tuple[13])
{
    tuple[0] = (uint8_t)(ep->laddr >> 24);
    tuple[1] = (uint8_t)(ep->laddr >> 16);
    tuple[2] = (uint8_t)(ep->laddr >> 8);
    tuple[3] = (uint8_t)ep->laddr;
    tuple[4] = (uint8_t)(ep->lport >> 8);
    tuple[5] = (uint8_t)ep->lport;
    tuple[6] = (uint8_t)(ep->raddr >> 24);
    tuple[7] = (uint8_t)(ep->raddr >> 16);
    tuple[8] = (uint8_t)(ep->raddr >> 8);
    tuple[9] = (uint8_t)ep->raddr;
    tuple[10] = (uint8_t)(ep->rport >> 8);
    tuple[11] = (uint8_t)ep->rport;
    tuple[12] = 0;
}

uint32_t tcp_isn(synack_stack *st, const synack_endpoints *ep)
{
    uint8_t tuple[13];
    tuple_bytes(ep, tuple);
    uint32_t f = (uint32_t)siphash24(st->isn_key, tuple, 12);
    uint32_t m = (uint32_t)(st->now / 4); /* RFC 9293 3.4.1: the clock ticks every 4 µs */
    return m + f;
}

uint32_t tcp_ts_offset(const synack_stack *st, const synack_endpoints *ep)
{
    uint8_t tuple[13];
    tuple_bytes(ep, tuple);
    tuple[12] = 0x75; /* a different domain from the connection table's hash */
    /* Not the ISN key: that one rotates, and the offset must not change between a SYN
     * cookie's TSval and the connection built from it. */
    return (uint32_t)siphash24(st->hash_key, tuple, sizeof(tuple));
}
