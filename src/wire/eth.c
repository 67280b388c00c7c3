/* SPDX-License-Identifier: MIT */
/* synack — Ethernet II header parse and emit. */
#include "wire/eth.h"

#include <string.h>

#include "wire/bytes.h"

wire_result eth_parse(const uint8_t *frame, size_t len, eth_hdr *out)
{
    if (len < ETH_HDR_LEN)
        return WIRE_TRUNCATED;
    memcpy(out->dst, frame, ETH_ADDR_LEN);
    memcpy(out->src, frame + 6, ETH_ADDR_LEN);
    out->ethertype = rd16(frame + 12);
    /* Only IPv4 and ARP are spoken; anything else (IPv6, VLAN tags, 802.3
     * length fields) is reported so the dispatcher can drop it by name. */
    if (out->ethertype != ETHERTYPE_IPV4 && out->ethertype != ETHERTYPE_ARP)
        return WIRE_UNKNOWN_ETHERTYPE;
    return WIRE_OK;
}

size_t eth_emit(uint8_t *buf, size_t cap, const eth_hdr *h)
{
    if (cap < ETH_HDR_LEN)
        return 0;
    memcpy(buf, h->dst, ETH_ADDR_LEN);
    memcpy(buf + 6, h->src, ETH_ADDR_LEN);
    wr16(buf + 12, h->ethertype);
    return ETH_HDR_LEN;
}
