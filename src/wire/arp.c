/* SPDX-License-Identifier: MIT */
/* synack — ARP packet parse and emit (RFC 826 "Packet format"). */
#include "wire/arp.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/eth.h"

/* Field offsets within the packet, in RFC 826 order. */
enum {
    ARP_OFF_HTYPE = 0,
    ARP_OFF_PTYPE = 2,
    ARP_OFF_HLEN = 4,
    ARP_OFF_PLEN = 5,
    ARP_OFF_OP = 6,
    ARP_OFF_SHA = 8,
    ARP_OFF_SPA = 14,
    ARP_OFF_THA = 18,
    ARP_OFF_TPA = 24,
};

wire_result arp_parse(const uint8_t *p, size_t len, arp_pkt *out)
{
    if (len < ARP_LEN)
        return WIRE_TRUNCATED;
    if (rd16(p + ARP_OFF_HTYPE) != ARP_HTYPE_ETHERNET ||
        rd16(p + ARP_OFF_PTYPE) != ETHERTYPE_IPV4 || p[ARP_OFF_HLEN] != ETH_ADDR_LEN ||
        p[ARP_OFF_PLEN] != 4)
        return WIRE_BAD_ARP;
    out->op = rd16(p + ARP_OFF_OP);
    memcpy(out->sha, p + ARP_OFF_SHA, ETH_ADDR_LEN);
    out->spa = rd32(p + ARP_OFF_SPA);
    memcpy(out->tha, p + ARP_OFF_THA, ETH_ADDR_LEN);
    out->tpa = rd32(p + ARP_OFF_TPA);
    return WIRE_OK;
}

size_t arp_emit(uint8_t *buf, size_t cap, const arp_pkt *a)
{
    if (cap < ARP_LEN)
        return 0;
    wr16(buf + ARP_OFF_HTYPE, ARP_HTYPE_ETHERNET);
    wr16(buf + ARP_OFF_PTYPE, ETHERTYPE_IPV4);
    buf[ARP_OFF_HLEN] = ETH_ADDR_LEN;
    buf[ARP_OFF_PLEN] = 4;
    wr16(buf + ARP_OFF_OP, a->op);
    memcpy(buf + ARP_OFF_SHA, a->sha, ETH_ADDR_LEN);
    wr32(buf + ARP_OFF_SPA, a->spa);
    memcpy(buf + ARP_OFF_THA, a->tha, ETH_ADDR_LEN);
    wr32(buf + ARP_OFF_TPA, a->tpa);
    return ARP_LEN;
}
