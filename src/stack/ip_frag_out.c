/* SPDX-License-Identifier: MIT */
/* IPv4 fragmentation at the source (RFC 791 3.2, RFC 1122 3.3.3): a datagram larger than
 * the path MTU whose sender allows it (UDP without IP_PMTUDISC_DO) leaves as fragments of
 * one identification, each built in st->txbuf in turn. */
#include <errno.h>
#include <string.h>

#include "stack/stack_impl.h"

int ip_output_frags(synack_stack *st, uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *hdr,
                    size_t hlen, const uint8_t *data, size_t dlen, uint32_t mtu)
{
    size_t total = hlen + dlen;
    if (mtu > st->cfg.netif.mtu)
        mtu = st->cfg.netif.mtu;
    /* every fragment but the last carries a multiple of 8 bytes (the offset's unit) */
    size_t chunk = ((size_t)mtu - IPV4_HDR_LEN) & ~(size_t)7;
    if (chunk == 0 || total + IPV4_HDR_LEN > 0xffff)
        return -EMSGSIZE;
    uint16_t id = st->ip_id++;
    uint8_t *l4 = st->txbuf + ip_headroom(st);
    int first_rc = 0;
    for (size_t off = 0; off < total; off += chunk) {
        size_t n = total - off < chunk ? total - off : chunk;
        /* the bytes [off, off + n) of hdr followed by data */
        size_t h = off < hlen ? (hlen - off < n ? hlen - off : n) : 0;
        if (h)
            memcpy(l4, hdr + off, h);
        if (n > h)
            memcpy(l4 + h, data + (off + h - hlen), n - h);
        uint16_t frag = (uint16_t)((off / 8) & 0x1fff);
        if (off + n < total)
            frag |= 0x2000; /* MF */
        int rc = ip_output_frag(st, src, dst, proto, l4, n, NULL, 0, id, frag);
        if (off == 0)
            first_rc = rc;
        if (rc < 0 && rc != -EAGAIN)
            return rc; /* no route, no link: the rest would fail the same way */
    }
    return first_rc < 0 && first_rc != -EAGAIN ? first_rc : 0;
}
