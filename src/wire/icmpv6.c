/* SPDX-License-Identifier: MIT */
/* synack — ICMPv6 (RFC 4443), Neighbor Discovery (RFC 4861 4, 6.1, 7.1, 8.1) and the
 * MLDv2 Report (RFC 3810 5.2) and the MLDv1 Report and Done (RFC 2710 3) over bytes. */
#include "wire/icmpv6.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"

const ipv6_addr mld2_all_routers = {{0xff, 0x02, [15] = 0x16}};
const ipv6_addr mld1_all_routers = {{0xff, 0x02, [15] = 0x02}};

static uint16_t icmp6_csum(const uint8_t *p, size_t len, const ipv6_addr *src, const ipv6_addr *dst)
{
    uint64_t acc = csum_pseudo_ipv6(0, src->b, dst->b, IP_PROTO_ICMPV6, (uint32_t)len);
    return csum_finish(csum_add(acc, p, len));
}

wire_result icmp6_parse(const uint8_t *p, size_t len, const ipv6_addr *src, const ipv6_addr *dst,
                        icmp6_msg *out)
{
    if (len < ICMP6_HDR_LEN)
        return WIRE_TRUNCATED;
    if (icmp6_csum(p, len, src, dst) != 0)
        return WIRE_BAD_ICMP_CSUM;
    icmp_hdr_read(p, len, out);
    return WIRE_OK;
}

size_t icmp6_emit(uint8_t *buf, size_t cap, const icmp6_msg *m, const ipv6_addr *src,
                  const ipv6_addr *dst)
{
    size_t len = icmp_hdr_write(buf, cap, m);
    if (len)
        wr16(buf + 2, icmp6_csum(buf, len, src, dst));
    return len;
}

size_t icmp6_error_emit(uint8_t *buf, size_t cap, uint8_t type, uint8_t code, uint32_t rest,
                        const uint8_t *inv, size_t inv_len, const ipv6_addr *src,
                        const ipv6_addr *dst)
{
    if (cap < ICMP6_HDR_LEN)
        return 0;
    size_t q = inv_len;
    if (q > ICMP6_ERROR_MAX_QUOTE)
        q = ICMP6_ERROR_MAX_QUOTE;
    if (q > cap - ICMP6_HDR_LEN)
        q = cap - ICMP6_HDR_LEN;
    icmp6_msg m = {.type = type, .code = code, .rest = rest, .payload = inv, .payload_len = q};
    return icmp6_emit(buf, cap, &m, src, dst);
}

int icmp6_error_allowed(const uint8_t *inv, size_t inv_len, int ll_multicast, uint8_t type,
                        uint8_t code)
{
    ipv6_hdr h;
    if (ipv6_parse(inv, inv_len, &h) != WIRE_OK)
        return 0;
    if (ipv6_addr_is_unspecified(&h.src) || ipv6_addr_is_multicast(&h.src))
        return 0;
    int exempt = type == ICMP6_PACKET_TOO_BIG ||
                 (type == ICMP6_PARAM_PROBLEM && code == ICMP6_PARAM_UNKNOWN_OPT);
    if ((ipv6_addr_is_multicast(&h.dst) || ll_multicast) && !exempt)
        return 0;
    ipv6_chain c;
    ipv6_walk(inv, IPV6_HDR_LEN + (size_t)h.payload_len, ipv6_addr_is_multicast(&h.dst), NULL, &c);
    if (c.verdict == IPV6_WALK_UPPER && c.proto == IP_PROTO_ICMPV6 &&
        c.offset < IPV6_HDR_LEN + (size_t)h.payload_len) {
        uint8_t t = inv[c.offset];
        if (t < 128 || t == ICMP6_ND_REDIRECT)
            return 0;
    }
    return 1;
}

/* --- Neighbor Discovery ------------------------------------------------------------------- */

static int is_solicited_node(const ipv6_addr *a)
{
    static const uint8_t pre[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};
    return memcmp(a->b, pre, 13) == 0;
}

/* Walks the options at p[0, len) (4.6). Returns -1 if any has length 0 or overruns. */
static int parse_opts(const uint8_t *p, size_t len, nd_opts *o)
{
    size_t i = 0;
    while (i < len) {
        if (len - i < 2 || p[i + 1] == 0 || (size_t)p[i + 1] * 8 > len - i)
            return -1;
        size_t olen = (size_t)p[i + 1] * 8;
        const uint8_t *b = p + i;
        switch (b[0]) {
        case ND_OPT_SLLA:
        case ND_OPT_TLLA: {
            /* A link-layer address of another length belongs to another link type. */
            if (olen != 8)
                return -1;
            uint8_t *has = b[0] == ND_OPT_SLLA ? &o->has_slla : &o->has_tlla;
            uint8_t *mac = b[0] == ND_OPT_SLLA ? o->slla : o->tlla;
            if (*has) {
                o->ignored++;
            } else {
                *has = 1;
                memcpy(mac, b + 2, 6);
            }
            break;
        }
        case ND_OPT_PREFIX:
            if (olen != 32 || o->nprefix >= ND_MAX_PREFIXES) {
                o->ignored++;
            } else {
                nd_prefix *pi = &o->prefix[o->nprefix++];
                pi->len = b[2];
                pi->flags = b[3] & (ND_PREFIX_ONLINK | ND_PREFIX_AUTO);
                pi->valid = rd32(b + 4);
                pi->preferred = rd32(b + 8);
                memcpy(pi->prefix.b, b + 16, 16);
                if (pi->len > 128) {
                    o->nprefix--;
                    o->ignored++;
                }
            }
            break;
        case ND_OPT_MTU:
            if (olen != 8 || o->has_mtu) {
                o->ignored++;
            } else {
                o->has_mtu = 1;
                o->mtu = rd32(b + 4);
            }
            break;
        case ND_OPT_NONCE:
            if (olen != 8 || o->has_nonce) {
                o->ignored++;
            } else {
                o->has_nonce = 1;
                memcpy(o->nonce, b + 2, ND_NONCE_LEN);
            }
            break;
        case ND_OPT_REDIRECT:
            if (!o->redirected) {
                o->redirected = b + 8;
                o->redirected_len = olen - 8;
            }
            break;
        default: /* 4.6: unrecognized options are skipped. */
            break;
        }
        i += olen;
    }
    return 0;
}

wire_result nd_parse(const icmp6_msg *m, uint8_t hop_limit, const ipv6_addr *src,
                     const ipv6_addr *dst, nd_msg *out)
{
    memset(out, 0, sizeof *out);
    out->type = m->type;
    size_t len = ICMP6_HDR_LEN + m->payload_len, fixed;
    const uint8_t *p = m->payload; /* message offset 8 */
    switch (m->type) {
    case ICMP6_ND_RS:
        fixed = 8;
        break;
    case ICMP6_ND_RA:
        fixed = 16;
        break;
    case ICMP6_ND_NS:
    case ICMP6_ND_NA:
        fixed = 24;
        break;
    case ICMP6_ND_REDIRECT:
        fixed = 40;
        break;
    default:
        return WIRE_TRUNCATED;
    }
    /* 6.1.1, 6.1.2, 7.1.1, 7.1.2, 8.1: a hop limit below 255 means the message crossed a
     * router, so it cannot be from this link. */
    if (hop_limit != ND_HOP_LIMIT || m->code != 0 || len < fixed)
        return WIRE_BAD_ND;
    if (parse_opts(p + (fixed - ICMP6_HDR_LEN), len - fixed, &out->opts) != 0)
        return WIRE_BAD_ND;
    int from_unspec = ipv6_addr_is_unspecified(src);
    switch (m->type) {
    case ICMP6_ND_RS:
        if (from_unspec && out->opts.has_slla)
            return WIRE_BAD_ND;
        break;
    case ICMP6_ND_RA:
        if (!ipv6_addr_is_link_local(src))
            return WIRE_BAD_ND;
        out->cur_hop_limit = (uint8_t)(m->rest >> 24);
        out->flags = (uint8_t)(m->rest >> 16) & (ND_RA_MANAGED | ND_RA_OTHER);
        out->router_lifetime = (uint16_t)m->rest;
        out->reachable_ms = rd32(p);
        out->retrans_ms = rd32(p + 4);
        break;
    case ICMP6_ND_NS:
        memcpy(out->target.b, p, 16);
        if (ipv6_addr_is_multicast(&out->target))
            return WIRE_BAD_ND;
        if (from_unspec && (!is_solicited_node(dst) || out->opts.has_slla))
            return WIRE_BAD_ND;
        break;
    case ICMP6_ND_NA:
        memcpy(out->target.b, p, 16);
        out->flags = (uint8_t)(m->rest >> 24) & (ND_NA_ROUTER | ND_NA_SOLICITED | ND_NA_OVERRIDE);
        if (ipv6_addr_is_multicast(&out->target))
            return WIRE_BAD_ND;
        if (ipv6_addr_is_multicast(dst) && (out->flags & ND_NA_SOLICITED))
            return WIRE_BAD_ND;
        break;
    default: /* ICMP6_ND_REDIRECT */
        memcpy(out->target.b, p, 16);
        memcpy(out->redirect_dst.b, p + 16, 16);
        if (!ipv6_addr_is_link_local(src) || ipv6_addr_is_multicast(&out->redirect_dst))
            return WIRE_BAD_ND;
        if (!ipv6_addr_is_link_local(&out->target) &&
            !ipv6_addr_equal(&out->target, &out->redirect_dst))
            return WIRE_BAD_ND;
        break;
    }
    return WIRE_OK;
}

int nd_prefix_autoconf_ok(const nd_prefix *p)
{
    if (!(p->flags & ND_PREFIX_AUTO) || ipv6_addr_is_link_local(&p->prefix))
        return 0;
    return p->preferred <= p->valid && p->len == 64;
}

/* Writes a link-layer address option of type t at b. */
static void put_lla(uint8_t *b, uint8_t t, const uint8_t *mac)
{
    b[0] = t;
    b[1] = 1;
    memcpy(b + 2, mac, 6);
}

/* Fills the checksum of the len-byte message at buf. */
static size_t seal(uint8_t *buf, size_t len, const ipv6_addr *src, const ipv6_addr *dst)
{
    wr16(buf + 2, 0);
    wr16(buf + 2, icmp6_csum(buf, len, src, dst));
    return len;
}

size_t nd_ns_emit(uint8_t *buf, size_t cap, const ipv6_addr *target, const uint8_t *slla,
                  const ipv6_addr *src, const ipv6_addr *dst)
{
    if (ipv6_addr_is_unspecified(src))
        slla = NULL;
    size_t len = slla ? 32 : 24;
    if (cap < len)
        return 0;
    memset(buf, 0, 8);
    buf[0] = ICMP6_ND_NS;
    memcpy(buf + 8, target->b, 16);
    if (slla)
        put_lla(buf + 24, ND_OPT_SLLA, slla);
    return seal(buf, len, src, dst);
}

size_t nd_ns_nonce_emit(uint8_t *buf, size_t cap, const ipv6_addr *target, const uint8_t *nonce,
                        const ipv6_addr *dst)
{
    if (cap < 32)
        return 0;
    memset(buf, 0, 8);
    buf[0] = ICMP6_ND_NS;
    memcpy(buf + 8, target->b, 16);
    buf[24] = ND_OPT_NONCE;
    buf[25] = 1;
    memcpy(buf + 26, nonce, ND_NONCE_LEN);
    ipv6_addr unspec;
    memset(&unspec, 0, sizeof unspec);
    return seal(buf, 32, &unspec, dst);
}

size_t nd_na_emit(uint8_t *buf, size_t cap, uint8_t flags, const ipv6_addr *target,
                  const uint8_t *tlla, const ipv6_addr *src, const ipv6_addr *dst)
{
    size_t len = tlla ? 32 : 24;
    if (cap < len)
        return 0;
    memset(buf, 0, 8);
    buf[0] = ICMP6_ND_NA;
    buf[4] = flags & (ND_NA_ROUTER | ND_NA_SOLICITED | ND_NA_OVERRIDE);
    memcpy(buf + 8, target->b, 16);
    if (tlla)
        put_lla(buf + 24, ND_OPT_TLLA, tlla);
    return seal(buf, len, src, dst);
}

size_t nd_rs_emit(uint8_t *buf, size_t cap, const uint8_t *slla, const ipv6_addr *src,
                  const ipv6_addr *dst)
{
    if (ipv6_addr_is_unspecified(src))
        slla = NULL;
    size_t len = slla ? 16 : 8;
    if (cap < len)
        return 0;
    memset(buf, 0, 8);
    buf[0] = ICMP6_ND_RS;
    if (slla)
        put_lla(buf + 8, ND_OPT_SLLA, slla);
    return seal(buf, len, src, dst);
}

size_t mld2_report_emit(uint8_t *buf, size_t cap, uint8_t record_type, const ipv6_addr *groups,
                        size_t n, const ipv6_addr *src)
{
    if (n > 0xffffu || cap < 8 || n > (cap - 8) / 20)
        return 0;
    size_t len = 8 + 20 * n;
    memset(buf, 0, 8);
    buf[0] = ICMP6_MLD2_REPORT;
    wr16(buf + 6, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        uint8_t *r = buf + 8 + 20 * i;
        r[0] = record_type;
        r[1] = 0;       /* aux data length */
        wr16(r + 2, 0); /* number of sources */
        memcpy(r + 4, groups[i].b, 16);
    }
    return seal(buf, len, src, &mld2_all_routers);
}

size_t mld1_emit(uint8_t *buf, size_t cap, uint8_t type, const ipv6_addr *group,
                 const ipv6_addr *src, const ipv6_addr *dst)
{
    if (cap < 24)
        return 0;
    memset(buf, 0, 8);
    buf[0] = type;
    memcpy(buf + 8, group->b, 16);
    return seal(buf, 24, src, dst);
}
