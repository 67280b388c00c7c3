/* SPDX-License-Identifier: MIT */
/* synack gateway --threads: which thread's stack a frame from the namespace belongs to.
 *
 * Without a steering program a multi-queue TAP picks the queue of a frame the namespace
 * sends from a flow table it learns from our writes: a flow we last wrote on queue q goes
 * to q; a flow it has no entry for goes to the queue its symmetric flow hash picks (Linux
 * drivers/net/tun.c, tun_automq_select_queue and tun_flow_update; entries age out after
 * 3 s without a write). So a connection the namespace opens lands, SYN first, on one queue
 * and stays there: the thread reading that queue owns it, and its own writes keep the
 * entry pointing at it. What needs help:
 * - ARP replies (and IPv6 Neighbor Advertisements) answer the stack that asked, but land
 *   anywhere: every thread gets a copy (requests stay where they land: every stack
 *   answers with the same MAC).
 * - Connections the gateway opens (--forward) are thread 0's: after 3 s without a write
 *   the namespace's next segment goes to the hash's queue, so every thread hands those
 *   segments (from the namespace's address and a forward port, to the gateway) to 0. The
 *   same for the replies to --forward udp: (whose host socket is thread 0's) and for
 *   IPv6 forwards. */
#include <string.h>

#include "cmd_gateway_threads.h"

void gw_steer_init(gw_steer *s, const gw_opts *o, uint32_t n)
{
    memset(s, 0, sizeof(*s));
    s->n = n;
    s->addr = o->addr;
    s->gw = o->gw;
    s->nfwd = o->nfwd;
    for (uint32_t i = 0; i < o->nfwd && i < GW_MAX_FORWARDS; i++) {
        s->fwd_port[i] = o->fwd[i].ns_port;
        s->fwd_proto[i] = o->fwd[i].udp ? 17 : 6;
        s->fwd_v6[i] = o->fwd[i].v6;
    }
    memcpy(s->addr6, o->addr6, 16);
    memcpy(s->gw6, o->gw6, 16);
}

/* Whether a segment of proto from the namespace's sport to the gateway is a forward's. */
static int forwarded(const gw_steer *s, int v6, uint8_t proto, uint16_t sport)
{
    for (uint32_t i = 0; i < s->nfwd; i++)
        if (s->fwd_port[i] == sport && s->fwd_proto[i] == proto && s->fwd_v6[i] == v6)
            return 1;
    return 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

gw_steer_verdict gw_steer_frame(const gw_steer *s, uint32_t self, const uint8_t *f, size_t len,
                                uint32_t *owner)
{
    if (s->n <= 1 || len < 14)
        return GW_STEER_LOCAL;
    uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
    if (type == 0x0806) /* ARP: opcode 2 is a reply (RFC 826) */
        return len >= 14 + 8 && f[14 + 6] == 0 && f[14 + 7] == 2 ? GW_STEER_BROADCAST
                                                                 : GW_STEER_LOCAL;
    /* IPv6 Neighbor Advertisement (ICMPv6 136, RFC 4861), ND's ARP reply: everyone's */
    if (type == 0x86dd) {
        if (len < 14 + 40 + 4)
            return GW_STEER_LOCAL;
        if (f[14 + 6] == 58)
            return f[14 + 40] == 136 ? GW_STEER_BROADCAST : GW_STEER_LOCAL;
        /* a forward's (no extension headers: the namespace's kernel adds none to these) */
        if (self == 0 || memcmp(f + 14 + 8, s->addr6, 16) != 0 ||
            memcmp(f + 14 + 24, s->gw6, 16) != 0 ||
            !forwarded(s, 1, f[14 + 6], (uint16_t)(f[14 + 40] << 8 | f[14 + 41])))
            return GW_STEER_LOCAL;
        *owner = 0;
        return GW_STEER_HAND;
    }
    if (type != 0x0800 || len < 14 + 20 || (f[14] >> 4) != 4 || (f[14 + 9] != 6 && f[14 + 9] != 17))
        return GW_STEER_LOCAL;
    size_t ihl = (size_t)(f[14] & 15) * 4;
    /* a fragment's ports are not where they would be: the stack drops it anyway */
    if (ihl < 20 || len < 14 + ihl + 4 || ((f[14 + 6] & 0x3f) | f[14 + 7]) != 0)
        return GW_STEER_LOCAL;
    if (be32(f + 14 + 12) != s->addr || be32(f + 14 + 16) != s->gw || self == 0)
        return GW_STEER_LOCAL;
    uint16_t sport = (uint16_t)(f[14 + ihl] << 8 | f[14 + ihl + 1]);
    if (!forwarded(s, 0, f[14 + 9], sport))
        return GW_STEER_LOCAL;
    *owner = 0;
    return GW_STEER_HAND;
}
