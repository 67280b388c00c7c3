/* SPDX-License-Identifier: MIT */
#include "support/segbuild.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

static void seg_fill(tcp_seg *seg, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                     uint8_t flags, uint16_t win, const void *payload, size_t len,
                     const tcp_opts *opts)
{
    memset(seg, 0, sizeof(*seg));
    seg->sport = sport;
    seg->dport = dport;
    seg->seq = seq;
    seg->ack = ack;
    seg->flags = flags;
    seg->win = win;
    if (opts)
        seg->opts = *opts;
    seg->payload = payload;
    seg->payload_len = len;
}

size_t seg_build(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint16_t sport,
                 uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
                 const void *payload, size_t len, const tcp_opts *opts)
{
    if (cap < IPV4_HDR_LEN || (len && !payload))
        return 0;
    tcp_seg seg;
    seg_fill(&seg, sport, dport, seq, ack, flags, win, payload, len, opts);
    size_t n = tcp_emit(buf + IPV4_HDR_LEN, cap - IPV4_HDR_LEN, &seg, TCP_OPTS_LINUX, src, dst);
    if (n == 0)
        return 0;
    ipv4_hdr ip;
    memset(&ip, 0, sizeof(ip));
    ip.ttl = 64;
    ip.proto = IP_PROTO_TCP;
    ip.frag = IPV4_FLAG_DF;
    ip.src = src;
    ip.dst = dst;
    if (ipv4_emit(buf, IPV4_HDR_LEN, &ip, n) != IPV4_HDR_LEN)
        return 0;
    return IPV4_HDR_LEN + n;
}

size_t seg_build6(uint8_t *buf, size_t cap, const uint8_t src6[16], const uint8_t dst6[16],
                  uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                  uint16_t win, const void *payload, size_t len, const tcp_opts *opts)
{
    if (cap < IPV6_HDR_LEN || (len && !payload))
        return 0;
    tcp_seg seg;
    seg_fill(&seg, sport, dport, seq, ack, flags, win, payload, len, opts);
    size_t n = tcp_emit(buf + IPV6_HDR_LEN, cap - IPV6_HDR_LEN, &seg, TCP_OPTS_LINUX, 0, 0);
    if (n == 0)
        return 0;
    tcp_csum_add_addrs6(buf + IPV6_HDR_LEN, src6, dst6);
    ipv6_hdr ip = {.next = IP_PROTO_TCP, .hop_limit = 64};
    memcpy(ip.src.b, src6, 16);
    memcpy(ip.dst.b, dst6, 16);
    if (ipv6_emit(buf, IPV6_HDR_LEN, &ip, n) != IPV6_HDR_LEN)
        return 0;
    return IPV6_HDR_LEN + n;
}

size_t seg_parse6(const uint8_t *b, size_t len, const uint8_t src6[16], const uint8_t dst6[16],
                  tcp_seg *s)
{
    ipv6_hdr ip;
    assert_int_equal(ipv6_parse(b, len, &ip), WIRE_OK);
    assert_int_equal(ip.next, IP_PROTO_TCP);
    assert_int_equal(ip.payload_len + IPV6_HDR_LEN, len);
    uint64_t hs = 0;
    assert_int_equal(tcp_parse6(ip.payload, ip.payload_len, src6, dst6, 0, s, &hs), WIRE_OK);
    assert_true(tcp_csum_complete(hs, csum_add(0, s->payload, s->payload_len)));
    return len;
}
