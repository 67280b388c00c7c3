/* SPDX-License-Identifier: MIT */
/* synack — IPv6 header, extension-header chain and address helpers (RFC 8200, RFC 4291,
 * RFC 5095, RFC 6946, RFC 7112). */
#include "wire/ipv6.h"

#include <string.h>

#include "wire/bytes.h"

const ipv6_walk_limits ipv6_walk_default_limits = {
    .max_hdrs = IPV6_WALK_MAX_HDRS,
    .max_bytes = IPV6_WALK_MAX_BYTES,
    .max_opts = IPV6_WALK_MAX_OPTS,
};

wire_result ipv6_parse(const uint8_t *pkt, size_t len, ipv6_hdr *out)
{
    if (len < IPV6_HDR_LEN)
        return WIRE_TRUNCATED;
    if ((pkt[0] >> 4) != 6)
        return WIRE_BAD_VERSION;
    size_t plen = rd16(pkt + 4);
    /* Bytes past the payload length are link-layer padding. */
    if (plen > len - IPV6_HDR_LEN)
        return WIRE_BAD_TOTAL_LEN;
    uint32_t w0 = rd32(pkt);
    out->tclass = (uint8_t)(w0 >> 20);
    out->flow = w0 & 0xfffffu;
    out->payload_len = (uint16_t)plen;
    out->next = pkt[6];
    out->hop_limit = pkt[7];
    memcpy(out->src.b, pkt + 8, 16);
    memcpy(out->dst.b, pkt + 24, 16);
    out->payload = pkt + IPV6_HDR_LEN;
    return WIRE_OK;
}

size_t ipv6_emit(uint8_t *buf, size_t cap, const ipv6_hdr *h, size_t payload_len)
{
    if (cap < IPV6_HDR_LEN || payload_len > 0xffffu)
        return 0;
    wr32(buf, (6u << 28) | ((uint32_t)h->tclass << 20) | (h->flow & 0xfffffu));
    wr16(buf + 4, (uint16_t)payload_len);
    buf[6] = h->next;
    buf[7] = h->hop_limit;
    memcpy(buf + 8, h->src.b, 16);
    memcpy(buf + 24, h->dst.b, 16);
    return IPV6_HDR_LEN;
}

size_t ipv6_frag_emit(uint8_t *buf, size_t cap, uint8_t nh, uint16_t offset, int more, uint32_t id)
{
    if (cap < IPV6_FRAG_HDR_LEN || (offset & 7u) != 0)
        return 0;
    buf[0] = nh;
    buf[1] = 0;
    wr16(buf + 2, (uint16_t)(offset | (more ? 1u : 0u)));
    wr32(buf + 4, id);
    return IPV6_FRAG_HDR_LEN;
}

size_t ipv6_hbh_router_alert_emit(uint8_t *buf, size_t cap, uint8_t nh)
{
    if (cap < 8)
        return 0;
    static const uint8_t body[7] = {0, IPV6_OPT_ROUTER_ALERT, 2, 0, 0, IPV6_OPT_PADN, 0};
    buf[0] = nh;
    memcpy(buf + 1, body, sizeof body);
    return 8;
}

static void set_drop(ipv6_chain *c, wire_result why)
{
    c->verdict = IPV6_WALK_DROP;
    c->reason = why;
}

static void set_param(ipv6_chain *c, wire_result why, uint8_t code, size_t pointer)
{
    c->verdict = IPV6_WALK_PARAM_PROBLEM;
    c->reason = why;
    c->icmp_code = code;
    c->pointer = (uint32_t)pointer;
}

/* Processes the TLV options of the Hop-by-Hop or Destination Options header at
 * pkt[off, off + hl) (RFC 8200 4.2). Returns 0 to go on, -1 with c's verdict set. */
static int walk_options(const uint8_t *pkt, size_t off, size_t hl, int dst_multicast,
                        const ipv6_walk_limits *lim, ipv6_chain *c)
{
    size_t i = off + 2, end = off + hl;
    unsigned pad = 0, nopts = 0;
    while (i < end) {
        uint8_t type = pkt[i];
        if (type == IPV6_OPT_PAD1) {
            if (++pad > IPV6_WALK_MAX_PAD) {
                set_drop(c, WIRE_BAD_EXTHDR);
                return -1;
            }
            i++;
            continue;
        }
        if (end - i < 2 || (size_t)pkt[i + 1] > end - i - 2) {
            set_drop(c, WIRE_BAD_EXTHDR);
            return -1;
        }
        size_t olen = pkt[i + 1];
        if (type == IPV6_OPT_PADN) {
            /* Padding exists only to align (RFC 8200 4.2), so longer runs or content in
             * it is a covert channel or an attack on the walker: Linux drops both. */
            pad += (unsigned)olen + 2;
            if (pad > IPV6_WALK_MAX_PAD) {
                set_drop(c, WIRE_BAD_EXTHDR);
                return -1;
            }
            for (size_t k = 0; k < olen; k++) {
                if (pkt[i + 2 + k] != 0) {
                    set_drop(c, WIRE_BAD_EXTHDR);
                    return -1;
                }
            }
            i += olen + 2;
            continue;
        }
        pad = 0;
        if (++nopts > lim->max_opts) {
            set_drop(c, WIRE_EXTHDR_LIMIT);
            return -1;
        }
        /* A host acts on no option (Router Alert is for routers), so every other type is
         * "unrecognized" and its two high-order bits say what to do. */
        switch (type >> 6) {
        case 0:
            break;
        case 1:
            set_drop(c, WIRE_UNKNOWN_OPTION);
            return -1;
        case 2:
            set_param(c, WIRE_UNKNOWN_OPTION, ICMP6_PARAM_UNKNOWN_OPT, i);
            return -1;
        default:
            if (dst_multicast)
                set_drop(c, WIRE_UNKNOWN_OPTION);
            else
                set_param(c, WIRE_UNKNOWN_OPTION, ICMP6_PARAM_UNKNOWN_OPT, i);
            return -1;
        }
        i += olen + 2;
    }
    return 0;
}

/* The shortest upper-layer header RFC 7112 5 wants in a first fragment, for the
 * protocols synack knows; others need only be named. */
static size_t upper_min_len(uint8_t proto)
{
    switch (proto) {
    case 6: /* TCP */
        return 20;
    case 17: /* UDP */
        return 8;
    case IP_PROTO_ICMPV6:
        return 4;
    default:
        return 0;
    }
}

void ipv6_walk(const uint8_t *pkt, size_t len, int dst_multicast, const ipv6_walk_limits *lim,
               ipv6_chain *out)
{
    memset(out, 0, sizeof *out);
    if (!lim)
        lim = &ipv6_walk_default_limits;
    if (len < IPV6_HDR_LEN) {
        set_drop(out, WIRE_TRUNCATED);
        return;
    }
    uint8_t nh = pkt[6];
    size_t nh_field = 6, off = IPV6_HDR_LEN;
    int first_frag = 0;
    for (;;) {
        size_t left = len - off, hl;
        if (nh != IP_PROTO_HOPOPTS && nh != IP_PROTO_DSTOPTS && nh != IP_PROTO_ROUTING &&
            nh != IP_PROTO_FRAGMENT) {
            out->proto = nh;
            out->offset = (uint32_t)off;
            out->nh_field = (uint32_t)nh_field;
            if (nh == IP_PROTO_NONE) {
                out->verdict = first_frag ? IPV6_WALK_FRAGMENT : IPV6_WALK_NO_NEXT;
                return;
            }
            if (first_frag && left < upper_min_len(nh)) {
                set_param(out, WIRE_INCOMPLETE_CHAIN, ICMP6_PARAM_INCOMPLETE, 0);
                return;
            }
            out->verdict = first_frag ? IPV6_WALK_FRAGMENT : IPV6_WALK_UPPER;
            return;
        }
        if (out->nhdrs >= lim->max_hdrs) {
            set_drop(out, WIRE_EXTHDR_LIMIT);
            return;
        }
        if (nh == IP_PROTO_FRAGMENT)
            hl = IPV6_FRAG_HDR_LEN;
        else
            hl = left >= 2 ? ((size_t)pkt[off + 1] + 1) * 8 : 8;
        if (hl > left) {
            if (first_frag)
                set_param(out, WIRE_INCOMPLETE_CHAIN, ICMP6_PARAM_INCOMPLETE, 0);
            else
                set_drop(out, WIRE_BAD_EXTHDR);
            return;
        }
        if (off - IPV6_HDR_LEN + hl > lim->max_bytes) {
            set_drop(out, WIRE_EXTHDR_LIMIT);
            return;
        }
        out->nhdrs++;
        switch (nh) {
        case IP_PROTO_HOPOPTS:
            /* RFC 8200 4.1: only right after the fixed header. */
            if (off != IPV6_HDR_LEN) {
                set_param(out, WIRE_BAD_EXTHDR, ICMP6_PARAM_UNKNOWN_NH, nh_field);
                return;
            }
            if (walk_options(pkt, off, hl, dst_multicast, lim, out) != 0)
                return;
            break;
        case IP_PROTO_DSTOPTS:
            if (walk_options(pkt, off, hl, dst_multicast, lim, out) != 0)
                return;
            break;
        case IP_PROTO_ROUTING:
            /* RFC 8200 4.4 and RFC 5095 3: a host forwards along no routing type, so any
             * with segments left is an error at its Routing Type field. */
            if (pkt[off + 3] != 0) {
                set_param(out, WIRE_BAD_EXTHDR, ICMP6_PARAM_ERRONEOUS, off + 2);
                return;
            }
            break;
        default: { /* IP_PROTO_FRAGMENT */
            if (out->frag_hdr != 0) {
                /* A fragment inside a fragment: nothing legitimate sends it. */
                set_drop(out, WIRE_BAD_EXTHDR);
                return;
            }
            uint16_t fo = (uint16_t)(rd16(pkt + off + 2) & 0xfff8u);
            int more = pkt[off + 3] & 1;
            size_t flen = left - IPV6_FRAG_HDR_LEN;
            out->frag_hdr = (uint32_t)off;
            out->frag_prev_nh = (uint32_t)nh_field;
            out->frag_id = rd32(pkt + off + 4);
            out->frag_offset = fo;
            out->frag_more = (uint8_t)more;
            out->frag_nh = pkt[off];
            /* RFC 8200 4.5: both errors point where the sender can see its mistake. */
            if (more && (flen == 0 || flen % 8 != 0)) {
                set_param(out, WIRE_BAD_FRAGMENT, ICMP6_PARAM_ERRONEOUS, 4);
                return;
            }
            if ((size_t)fo + flen > 0xffffu) {
                set_param(out, WIRE_BAD_FRAGMENT, ICMP6_PARAM_ERRONEOUS, off + 2);
                return;
            }
            if (fo != 0) {
                out->verdict = IPV6_WALK_FRAGMENT;
                return;
            }
            if (more)
                first_frag = 1;
            else
                out->atomic = 1; /* RFC 6946 4: processed at once, no reassembly state. */
            break;
        }
        }
        nh_field = off;
        nh = pkt[off];
        off += hl;
    }
}

int ipv6_addr_is_unspecified(const ipv6_addr *a)
{
    static const uint8_t zero[16];
    return memcmp(a->b, zero, 16) == 0;
}

int ipv6_addr_is_loopback(const ipv6_addr *a)
{
    static const uint8_t one[16] = {[15] = 1};
    return memcmp(a->b, one, 16) == 0;
}

int ipv6_addr_is_multicast(const ipv6_addr *a)
{
    return a->b[0] == 0xff;
}

int ipv6_addr_is_link_local(const ipv6_addr *a)
{
    return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

int ipv6_addr_is_v4mapped(const ipv6_addr *a)
{
    static const uint8_t prefix[12] = {[10] = 0xff, [11] = 0xff};
    return memcmp(a->b, prefix, 12) == 0;
}

int ipv6_addr_equal(const ipv6_addr *a, const ipv6_addr *b)
{
    return memcmp(a->b, b->b, 16) == 0;
}

void ipv6_addr_v4mapped(ipv6_addr *out, uint32_t v4)
{
    memset(out->b, 0, 10);
    out->b[10] = 0xff;
    out->b[11] = 0xff;
    wr32(out->b + 12, v4);
}

void ipv6_addr_solicited_node(ipv6_addr *out, const ipv6_addr *a)
{
    uint8_t low[3] = {a->b[13], a->b[14], a->b[15]};
    memset(out->b, 0, 16);
    out->b[0] = 0xff;
    out->b[1] = 0x02;
    out->b[11] = 0x01;
    out->b[12] = 0xff;
    memcpy(out->b + 13, low, 3);
}

void ipv6_mcast_mac(uint8_t mac[6], const ipv6_addr *a)
{
    mac[0] = 0x33;
    mac[1] = 0x33;
    memcpy(mac + 2, a->b + 12, 4);
}

void ipv6_addr_link_local_eui64(ipv6_addr *out, const uint8_t mac[6])
{
    memset(out->b, 0, 16);
    out->b[0] = 0xfe;
    out->b[1] = 0x80;
    out->b[8] = (uint8_t)(mac[0] ^ 0x02);
    out->b[9] = mac[1];
    out->b[10] = mac[2];
    out->b[11] = 0xff;
    out->b[12] = 0xfe;
    out->b[13] = mac[3];
    out->b[14] = mac[4];
    out->b[15] = mac[5];
}

int ipv6_addr_link_local_iid(ipv6_addr *out, uint64_t iid)
{
    if (iid == 0 || (iid >= 0xfdffffffffffff80ull && iid <= 0xfdffffffffffffffull) ||
        (iid >= 0x02005efffe000000ull && iid <= 0x02005efffe005213ull))
        return -1;
    memset(out->b, 0, 16);
    out->b[0] = 0xfe;
    out->b[1] = 0x80;
    wr32(out->b + 8, (uint32_t)(iid >> 32));
    wr32(out->b + 12, (uint32_t)iid);
    return 0;
}
