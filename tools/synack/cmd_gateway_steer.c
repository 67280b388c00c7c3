/* SPDX-License-Identifier: MIT */
/* synack gateway --threads: which thread's stack a frame (TAP) or a packet (--tun) from the
 * namespace belongs to.
 *
 * Without a steering program a multi-queue TAP or TUN picks the queue of a packet the
 * namespace sends from a flow table it learns from our writes: a flow we last wrote on
 * queue q goes to q; a flow it has no entry for goes to the queue its symmetric flow hash
 * picks (Linux drivers/net/tun.c, tun_automq_select_queue and tun_flow_update; entries age
 * out after 3 s without a write). So a connection the namespace opens lands, SYN first, on
 * one queue and stays there: the thread reading that queue owns it, and its own writes keep
 * the entry pointing at it. TUN and TAP select alike (the hash is of the IP header on), so
 * the rules below are the same for both; only the Ethernet header and ARP are TAP's.
 * What needs help:
 * - ARP replies (and IPv6 Neighbor Advertisements) answer the stack that asked, but land
 *   anywhere: every thread gets a copy (requests stay where they land: every stack
 *   answers with the same MAC).
 * - Connections the gateway opens (--forward) are thread 0's: after 3 s without a write
 *   the namespace's next segment goes to the hash's queue, so every thread hands those
 *   segments (from the namespace's address and a forward port, to the gateway) to 0. The
 *   same for the replies to --forward udp: (whose host socket is thread 0's) and for
 *   IPv6 forwards, behind any IPv6 extension headers.
 * - Fragments carry no ports (the kernel's hash of one has none either: every fragment
 *   between two addresses lands on one queue, so a datagram's fragments meet). The rule:
 *   a fragment from the namespace to the gateway's address, of a protocol a forward of its
 *   family uses, is thread 0's (it may be a forward's); any other is reassembled where it
 *   landed and is that thread's: a UDP datagram so reassembled leaves through a flow of
 *   that thread (a NAT mapping, and host port, of its own).
 * - ICMP errors (and ICMPv6's) quote a flow whose queue the kernel chose from another
 *   hash: every thread gets a copy, and the one that has the flow acts on it.
 * Anything short or malformed stays where it landed: that stack drops and counts it. */
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
    s->tun = o->tun != 0;
}

/* Whether a segment of proto from the namespace's sport to the gateway is a forward's;
 * any_port: whether some forward of proto exists (a fragment's port is unknown). */
static int forwarded(const gw_steer *s, int v6, uint8_t proto, uint16_t sport, int any_port)
{
    for (uint32_t i = 0; i < s->nfwd; i++)
        if ((any_port || s->fwd_port[i] == sport) && s->fwd_proto[i] == proto && s->fwd_v6[i] == v6)
            return 1;
    return 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* To thread 0 when it may be a forward's (read on another thread's queue). */
static gw_steer_verdict to_zero(uint32_t self, int fwd, uint32_t *owner)
{
    if (!fwd || self == 0)
        return GW_STEER_LOCAL;
    *owner = 0;
    return GW_STEER_HAND;
}

static gw_steer_verdict steer_v4(const gw_steer *s, uint32_t self, const uint8_t *p, size_t len,
                                 uint32_t *owner)
{
    if (len < 20)
        return GW_STEER_LOCAL;
    size_t ihl = (size_t)(p[0] & 15) * 4;
    uint8_t proto = p[9];
    if (ihl < 20 || len < ihl)
        return GW_STEER_LOCAL;
    int frag = ((p[6] & 0x3f) | p[7]) != 0; /* MF or an offset */
    /* ICMP errors (RFC 792: unreachable, source quench, redirect, time exceeded, parameter
     * problem); a fragmented one (never sent: 576 bytes at most) stays whole where it is */
    if (proto == 1 && !frag && len >= ihl + 1) {
        uint8_t t = p[ihl];
        return t == 3 || t == 4 || t == 5 || t == 11 || t == 12 ? GW_STEER_BROADCAST
                                                                : GW_STEER_LOCAL;
    }
    if ((proto != 6 && proto != 17) || be32(p + 12) != s->addr || be32(p + 16) != s->gw)
        return GW_STEER_LOCAL;
    if (frag)
        return to_zero(self, forwarded(s, 0, proto, 0, 1), owner);
    if (len < ihl + 4)
        return GW_STEER_LOCAL;
    return to_zero(self, forwarded(s, 0, proto, (uint16_t)(p[ihl] << 8 | p[ihl + 1]), 0), owner);
}

/* Extension headers a packet from the namespace may carry before its upper layer (RFC
 * 8200 4.1); at most this many are walked, a longer chain stays where it landed. */
#define V6_MAX_EXT 8

static gw_steer_verdict steer_v6(const gw_steer *s, uint32_t self, const uint8_t *p, size_t len,
                                 uint32_t *owner)
{
    if (len < 40)
        return GW_STEER_LOCAL;
    uint8_t nh = p[6];
    size_t off = 40;
    int frag = 0;
    for (int k = 0; k < V6_MAX_EXT; k++) {
        if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
            break;
        if (len < off + 8)
            return GW_STEER_LOCAL;
        size_t hl = nh == 44   ? 8
                    : nh == 51 ? ((size_t)p[off + 1] + 2) * 4
                               : ((size_t)p[off + 1] + 1) * 8;
        if (nh == 44) {
            /* an atomic fragment (offset 0, no M: RFC 6946) is a whole packet */
            uint16_t fo = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
            if (fo & 0xfff9) /* offset or M */
                frag = 1;
            if (fo & 0xfff8) { /* not the first: nothing of the upper layer here */
                nh = p[off];
                off = len;
                break;
            }
        }
        nh = p[off];
        off += hl;
        if (off > len)
            return GW_STEER_LOCAL;
    }
    /* ICMPv6 (RFC 4443): errors (types 1-4) and Neighbor Advertisements (RFC 4861) */
    if (nh == 58 && !frag) {
        if (len < off + 4)
            return GW_STEER_LOCAL;
        uint8_t t = p[off];
        return (t >= 1 && t <= 4) || t == 136 ? GW_STEER_BROADCAST : GW_STEER_LOCAL;
    }
    if ((nh != 6 && nh != 17) || memcmp(p + 8, s->addr6, 16) != 0 ||
        memcmp(p + 24, s->gw6, 16) != 0)
        return GW_STEER_LOCAL;
    if (frag)
        return to_zero(self, forwarded(s, 1, nh, 0, 1), owner);
    if (len < off + 4)
        return GW_STEER_LOCAL;
    return to_zero(self, forwarded(s, 1, nh, (uint16_t)(p[off] << 8 | p[off + 1]), 0), owner);
}

gw_steer_verdict gw_steer_packet(const gw_steer *s, uint32_t self, const uint8_t *p, size_t len,
                                 uint32_t *owner)
{
    if (s->n <= 1 || len < 1)
        return GW_STEER_LOCAL;
    switch (p[0] >> 4) {
    case 4:
        return steer_v4(s, self, p, len, owner);
    case 6:
        return steer_v6(s, self, p, len, owner);
    default:
        return GW_STEER_LOCAL;
    }
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
    /* the EtherType names the family: a packet whose version says otherwise stays here */
    if (len < 15 || (type == 0x0800 ? 4 : type == 0x86dd ? 6 : 0) != f[14] >> 4)
        return GW_STEER_LOCAL;
    return gw_steer_packet(s, self, f + 14, len - 14, owner);
}
