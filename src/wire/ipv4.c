/* SPDX-License-Identifier: MIT */
/* synack — IPv4 header parse and emit (RFC 791 3.1; RFC 1122 3.2.1). */
#include "wire/ipv4.h"

#include "wire/bytes.h"
#include "wire/checksum.h"

wire_result ipv4_parse(const uint8_t *pkt, size_t len, ipv4_hdr *out)
{
    if (len < IPV4_HDR_LEN)
        return WIRE_TRUNCATED;
    /* RFC 1122 3.2.1.1: a datagram whose version is not 4 MUST be discarded. */
    if ((pkt[0] >> 4) != 4)
        return WIRE_BAD_VERSION;
    size_t hdr_len = (size_t)(pkt[0] & 0x0f) * 4;
    if (hdr_len < IPV4_HDR_LEN)
        return WIRE_BAD_IHL;
    /* Bytes past total_len are link-layer padding (Ethernet's 60-byte minimum). */
    size_t total_len = rd16(pkt + 2);
    if (total_len < IPV4_HDR_LEN || total_len > len)
        return WIRE_BAD_TOTAL_LEN;
    if (hdr_len > total_len)
        return WIRE_BAD_IHL;
    /* RFC 1122 3.2.1.2: a datagram with a bad header checksum MUST be discarded. */
    if (csum_finish(csum_add(0, pkt, hdr_len)) != 0)
        return WIRE_BAD_IP_CSUM;
    uint16_t frag = rd16(pkt + 6);

    out->tos = pkt[1];
    out->total_len = (uint16_t)total_len;
    out->id = rd16(pkt + 4);
    out->frag = frag;
    out->ttl = pkt[8];
    out->proto = pkt[9];
    out->src = rd32(pkt + 12);
    out->dst = rd32(pkt + 16);
    out->hdr_len = (uint8_t)hdr_len;
    out->payload = pkt + hdr_len;
    out->payload_len = total_len - hdr_len;
    /* Filled in all the same, for reassembly (src/stack/reasm.c). */
    if ((frag & IPV4_FLAG_MF) || (frag & IPV4_FRAG_OFFSET))
        return WIRE_FRAGMENT;
    return WIRE_OK;
}

size_t ipv4_emit(uint8_t *buf, size_t cap, const ipv4_hdr *h, size_t payload_len)
{
    if (cap < IPV4_HDR_LEN || payload_len > 0xffffu - IPV4_HDR_LEN)
        return 0;
    buf[0] = 0x45; /* Version 4, IHL 5. */
    buf[1] = h->tos;
    wr16(buf + 2, (uint16_t)(IPV4_HDR_LEN + payload_len));
    wr16(buf + 4, h->id);
    wr16(buf + 6, h->frag);
    buf[8] = h->ttl;
    buf[9] = h->proto;
    wr16(buf + 10, 0);
    wr32(buf + 12, h->src);
    wr32(buf + 16, h->dst);
    wr16(buf + 10, csum_finish(csum_add(0, buf, IPV4_HDR_LEN)));
    return IPV4_HDR_LEN;
}
