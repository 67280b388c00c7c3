/* SPDX-License-Identifier: MIT */
/* IPv6 fragmentation at the source (RFC 8200 4.5): a datagram larger than the path MTU
 * whose sender allows it (UDP without IP_PMTUDISC_DO/PROBE) leaves as fragments, each its
 * IPv6 header, a Fragment header and a multiple of 8 bytes of the fragmentable part (the
 * last one the rest), built in st->txbuf in turn. The identification is random, as RFC
 * 7739 asks, so it says nothing about other traffic. */
#include <errno.h>
#include <string.h>

#include "stack/stack_impl.h"
#include "wire/bytes.h"

#define FRAG_HDR_LEN 8

int ip6_output_frags(synack_stack *st, const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
                     const uint8_t *hdr, size_t hlen, const uint8_t *data, size_t dlen,
                     uint32_t mtu)
{
    size_t total = hlen + dlen;
    if (mtu > st->cfg.netif.mtu)
        mtu = st->cfg.netif.mtu;
    size_t room = mtu > IPV6_HDR_LEN + FRAG_HDR_LEN ? mtu - IPV6_HDR_LEN - FRAG_HDR_LEN : 0;
    size_t chunk = room & ~(size_t)7;
    if (chunk == 0 || total > 0xffff) {
        stack_count(st, SYNACK_CTR_Ip6FragFails);
        return -EMSGSIZE;
    }
    uint32_t id = (uint32_t)rng_next(&st->rng);
    uint8_t *l4 = st->txbuf + ip_headroom(st);
    int first_rc = 0;
    for (size_t off = 0; off < total; off += chunk) {
        size_t n = total - off < chunk ? total - off : chunk;
        uint8_t *p = l4 + FRAG_HDR_LEN;
        /* the bytes [off, off + n) of hdr followed by data */
        size_t h = off < hlen ? (hlen - off < n ? hlen - off : n) : 0;
        if (h)
            memcpy(p, hdr + off, h);
        if (n > h)
            memcpy(p + h, data + (off + h - hlen), n - h);
        l4[0] = proto;
        l4[1] = 0;
        wr16(l4 + 2, (uint16_t)(off | (off + n < total ? 1u : 0u))); /* offset in 8s, M */
        wr32(l4 + 4, id);
        int rc = ip6_output_src(st, src, dst, IP_PROTO_FRAGMENT, l4, FRAG_HDR_LEN + n, 0);
        if (off == 0)
            first_rc = rc;
        if (rc < 0 && rc != -EAGAIN) {
            stack_count(st, SYNACK_CTR_Ip6FragFails);
            return rc; /* no route, no link: the rest would fail the same way */
        }
        stack_count(st, SYNACK_CTR_Ip6FragCreates);
    }
    stack_count(st, SYNACK_CTR_Ip6FragOKs);
    return first_rc < 0 && first_rc != -EAGAIN ? first_rc : 0;
}
