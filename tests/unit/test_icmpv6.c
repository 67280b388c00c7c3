/* SPDX-License-Identifier: MIT */
/* Unit tests for src/wire/icmpv6.c: RFC 4443 parse/emit and errors, RFC 4861 ND
 * validation and emit, RFC 3810 MLDv2 Report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/icmpv6.h"
#include "wire/ipv6.h"

static const ipv6_addr A = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
static const ipv6_addr B = {{0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
static const ipv6_addr LL = {{0xfe, 0x80, [8] = 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56}};
static const ipv6_addr UNSPEC = {{0}};
static const ipv6_addr ALL_NODES = {{0xff, 0x02, [15] = 1}};
static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/* RFC 1071 the obvious way over an explicit pseudo-header (RFC 8200 8.1). */
static uint16_t naive(const ipv6_addr *s, const ipv6_addr *d, const uint8_t *p, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < 16; i += 2)
        sum += rd16(s->b + i) + rd16(d->b + i);
    sum += (n >> 16) + (n & 0xffff) + IP_PROTO_ICMPV6;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += rd16(p + i);
    if (n % 2)
        sum += (uint64_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void test_echo_roundtrip(void **state)
{
    (void)state;
    uint8_t req[11] = {128, 0, 0, 0, 0x12, 0x34, 0x00, 0x01, 'a', 'b', 'c'};
    wr16(req + 2, naive(&A, &B, req, sizeof req));
    assert_int_equal(rd16(req + 2), 0x4dad); /* computed independently */
    icmp6_msg m;
    assert_int_equal(icmp6_parse(req, sizeof req, &A, &B, &m), WIRE_OK);
    assert_int_equal(m.type, ICMP6_ECHO_REQUEST);
    assert_int_equal(m.rest, 0x12340001u);
    assert_int_equal(m.payload_len, 3);
    /* The reply is built over the request, addresses swapped. */
    m.type = ICMP6_ECHO_REPLY;
    assert_int_equal(icmp6_emit(req, sizeof req, &m, &B, &A), 11);
    assert_int_equal(req[0], 129);
    assert_memory_equal(req + 4,
                        "\x12\x34\x00\x01"
                        "abc",
                        7);
    assert_int_equal(rd16(req + 2),
                     naive(&B, &A, (uint8_t[]){129, 0, 0, 0, 0x12, 0x34, 0, 1, 'a', 'b', 'c'}, 11));
    icmp6_msg r;
    assert_int_equal(icmp6_parse(req, sizeof req, &B, &A, &r), WIRE_OK);
    /* The pseudo-header is covered: the wrong destination fails. */
    assert_int_equal(icmp6_parse(req, sizeof req, &B, &B, &r), WIRE_BAD_ICMP_CSUM);
    assert_int_equal(icmp6_parse(req, 7, &B, &A, &r), WIRE_TRUNCATED);
    assert_int_equal(icmp6_emit(req, 10, &m, &B, &A), 0);
}

/* Builds an IPv6/TCP packet of total length n from src to dst into p. */
static void tcp_pkt(uint8_t *p, size_t n, const ipv6_addr *src, const ipv6_addr *dst)
{
    ipv6_hdr h = {.next = 6, .hop_limit = 64, .src = *src, .dst = *dst};
    memset(p, 0x5a, n);
    ipv6_emit(p, n, &h, n - 40);
}

static void test_errors_quote_to_1280(void **state)
{
    (void)state;
    static uint8_t inv[1500];
    tcp_pkt(inv, sizeof inv, &A, &B);
    static uint8_t buf[1600];
    size_t n =
        icmp6_error_emit(buf, sizeof buf, ICMP6_PACKET_TOO_BIG, 0, 1400, inv, sizeof inv, &B, &A);
    assert_int_equal(n, 1280 - 40);
    assert_int_equal(buf[0], 2);
    assert_int_equal(rd32(buf + 4), 1400);
    assert_memory_equal(buf + 8, inv, 1232);
    icmp6_msg m;
    assert_int_equal(icmp6_parse(buf, n, &B, &A, &m), WIRE_OK);
    /* A short invoking packet is quoted whole; a small buffer cuts the quote. */
    n = icmp6_error_emit(buf, sizeof buf, ICMP6_PARAM_PROBLEM, 1, 6, inv, 60, &B, &A);
    assert_int_equal(n, 68);
    assert_int_equal(rd32(buf + 4), 6);
    n = icmp6_error_emit(buf, 100, ICMP6_DEST_UNREACH, ICMP6_UNREACH_PORT, 0, inv, 1500, &B, &A);
    assert_int_equal(n, 100);
    assert_int_equal(icmp6_parse(buf, n, &B, &A, &m), WIRE_OK);
    assert_int_equal(icmp6_error_emit(buf, 7, 1, 0, 0, inv, 60, &B, &A), 0);
}

static void test_error_allowed(void **state)
{
    (void)state;
    uint8_t p[80];
    tcp_pkt(p, 60, &A, &B);
    assert_true(icmp6_error_allowed(p, 60, 0, ICMP6_DEST_UNREACH, 4));
    assert_false(icmp6_error_allowed(p, 60, 1, ICMP6_DEST_UNREACH, 4));
    assert_true(icmp6_error_allowed(p, 60, 1, ICMP6_PACKET_TOO_BIG, 0));
    tcp_pkt(p, 60, &A, &ALL_NODES);
    assert_false(icmp6_error_allowed(p, 60, 0, ICMP6_PARAM_PROBLEM, 1));
    assert_true(icmp6_error_allowed(p, 60, 0, ICMP6_PARAM_PROBLEM, 2));
    tcp_pkt(p, 60, &UNSPEC, &B);
    assert_false(icmp6_error_allowed(p, 60, 0, ICMP6_PACKET_TOO_BIG, 0));
    tcp_pkt(p, 60, &ALL_NODES, &B);
    assert_false(icmp6_error_allowed(p, 60, 0, ICMP6_DEST_UNREACH, 0));
    /* Never about an ICMPv6 error or a Redirect; an informational message is fine. */
    tcp_pkt(p, 56, &A, &B);
    p[6] = IP_PROTO_ICMPV6;
    p[40] = ICMP6_TIME_EXCEEDED;
    assert_false(icmp6_error_allowed(p, 56, 0, ICMP6_PARAM_PROBLEM, 0));
    p[40] = ICMP6_ND_REDIRECT;
    assert_false(icmp6_error_allowed(p, 56, 0, ICMP6_PARAM_PROBLEM, 0));
    p[40] = ICMP6_ECHO_REQUEST;
    assert_true(icmp6_error_allowed(p, 56, 0, ICMP6_PARAM_PROBLEM, 0));
    assert_false(icmp6_error_allowed(p, 39, 0, ICMP6_PARAM_PROBLEM, 0));
}

/* Seals the ICMPv6 message at p and parses it as ND with the given hop limit. */
static wire_result nd(uint8_t *p, size_t n, uint8_t hl, const ipv6_addr *s, const ipv6_addr *d,
                      nd_msg *out)
{
    wr16(p + 2, 0);
    wr16(p + 2, naive(s, d, p, n));
    icmp6_msg m;
    assert_int_equal(icmp6_parse(p, n, s, d, &m), WIRE_OK);
    return nd_parse(&m, hl, s, d, out);
}

static void test_ns_emit_parse(void **state)
{
    (void)state;
    ipv6_addr sn;
    ipv6_addr_solicited_node(&sn, &B);
    uint8_t b[64];
    assert_int_equal(nd_ns_emit(b, sizeof b, &B, MAC, &A, &sn), 32);
    static const uint8_t head[8] = {135, 0, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(b, head, 2);
    assert_memory_equal(b + 4, head + 4, 4);
    assert_memory_equal(b + 8, B.b, 16);
    static const uint8_t opt[8] = {1, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    assert_memory_equal(b + 24, opt, 8);
    uint16_t c = rd16(b + 2);
    wr16(b + 2, 0);
    assert_int_equal(c, naive(&A, &sn, b, 32));
    nd_msg m;
    assert_int_equal(nd(b, 32, 255, &A, &sn, &m), WIRE_OK);
    assert_int_equal(m.type, ICMP6_ND_NS);
    assert_memory_equal(m.target.b, B.b, 16);
    assert_int_equal(m.opts.has_slla, 1);
    assert_memory_equal(m.opts.slla, MAC, 6);
    /* §7.1.1 failures, one at a time. */
    assert_int_equal(nd(b, 32, 254, &A, &sn, &m), WIRE_BAD_ND); /* hop limit */
    b[1] = 1;
    assert_int_equal(nd(b, 32, 255, &A, &sn, &m), WIRE_BAD_ND); /* code */
    b[1] = 0;
    assert_int_equal(nd(b, 20, 255, &A, &sn, &m), WIRE_BAD_ND); /* length */
    b[25] = 0;
    assert_int_equal(nd(b, 32, 255, &A, &sn, &m), WIRE_BAD_ND); /* option length 0 */
    b[25] = 2;
    assert_int_equal(nd(b, 32, 255, &A, &sn, &m), WIRE_BAD_ND); /* option overruns */
    b[25] = 1;
    b[8] = 0xff;
    assert_int_equal(nd(b, 32, 255, &A, &sn, &m), WIRE_BAD_ND); /* multicast target */
    b[8] = 0x20;
    /* DAD probe: from ::, no SLLA, only to the solicited-node group. */
    assert_int_equal(nd_ns_emit(b, sizeof b, &B, MAC, &UNSPEC, &sn), 24);
    assert_int_equal(nd(b, 24, 255, &UNSPEC, &sn, &m), WIRE_OK);
    assert_int_equal(nd(b, 24, 255, &UNSPEC, &B, &m), WIRE_BAD_ND);
    assert_int_equal(nd_ns_emit(b, sizeof b, &B, MAC, &A, &sn), 32);
    assert_int_equal(nd(b, 32, 255, &UNSPEC, &sn, &m), WIRE_BAD_ND);
    assert_int_equal(nd_ns_emit(b, 31, &B, MAC, &A, &sn), 0);
}

static void test_na_emit_parse(void **state)
{
    (void)state;
    uint8_t b[64];
    assert_int_equal(nd_na_emit(b, sizeof b, ND_NA_SOLICITED | ND_NA_OVERRIDE, &B, MAC, &B, &A),
                     32);
    static const uint8_t head[4] = {0x60, 0, 0, 0};
    assert_int_equal(b[0], 136);
    assert_memory_equal(b + 4, head, 4);
    assert_int_equal(b[24], ND_OPT_TLLA);
    nd_msg m;
    assert_int_equal(nd(b, 32, 255, &B, &A, &m), WIRE_OK);
    assert_int_equal(m.flags, ND_NA_SOLICITED | ND_NA_OVERRIDE);
    assert_int_equal(m.opts.has_tlla, 1);
    assert_memory_equal(m.opts.tlla, MAC, 6);
    /* Solicited to a multicast destination is invalid (§7.1.2). */
    assert_int_equal(nd(b, 32, 255, &B, &ALL_NODES, &m), WIRE_BAD_ND);
    assert_int_equal(
        nd_na_emit(b, sizeof b, ND_NA_OVERRIDE | ND_NA_ROUTER, &B, NULL, &B, &ALL_NODES), 24);
    assert_int_equal(nd(b, 24, 255, &B, &ALL_NODES, &m), WIRE_OK);
    assert_int_equal(m.flags, ND_NA_OVERRIDE | ND_NA_ROUTER);
    assert_int_equal(m.opts.has_tlla, 0);
    /* A link-layer option of length 2 belongs to another link type. */
    uint8_t l2[40] = {136, 0, 0, 0, 0, 0, 0, 0};
    memcpy(l2 + 8, B.b, 16);
    l2[24] = ND_OPT_TLLA;
    l2[25] = 2;
    assert_int_equal(nd(l2, 40, 255, &B, &A, &m), WIRE_BAD_ND);
}

static void test_rs_emit(void **state)
{
    (void)state;
    uint8_t b[32];
    static const ipv6_addr all_routers = {{0xff, 0x02, [15] = 2}};
    assert_int_equal(nd_rs_emit(b, sizeof b, MAC, &LL, &all_routers), 16);
    static const uint8_t want[16] = {133, 0, 0,    0,    0, 0,    0,    0,
                                     1,   1, 0x52, 0x54, 0, 0x12, 0x34, 0x56};
    assert_memory_equal(b, want, 2);
    assert_memory_equal(b + 4, want + 4, 12);
    nd_msg m;
    assert_int_equal(nd(b, 16, 255, &LL, &all_routers, &m), WIRE_OK);
    assert_int_equal(nd_rs_emit(b, sizeof b, MAC, &UNSPEC, &all_routers), 8);
    assert_int_equal(nd(b, 8, 255, &UNSPEC, &all_routers, &m), WIRE_OK);
    /* From :: with an SLLA (hand-built): invalid (§6.1.1). */
    memcpy(b, want, 16);
    assert_int_equal(nd(b, 16, 255, &UNSPEC, &all_routers, &m), WIRE_BAD_ND);
}

/* An RA from a router on fe80::1: hop limit 64, M flag, lifetime 1800 s, reachable
 * 30000 ms, retrans 1000 ms; SLLA, MTU 1480, prefix 2001:db8:1::/64 (L, A), an unknown
 * option (type 24, route information) which is skipped. */
static size_t build_ra(uint8_t *b)
{
    static const uint8_t ra[16] = {134, 0, 0,    0,    64, 0x80, 0x07, 0x08,
                                   0,   0, 0x75, 0x30, 0,  0,    0x03, 0xe8};
    memcpy(b, ra, 16);
    size_t n = 16;
    const uint8_t slla[8] = {1, 1, 0x02, 0, 0, 0, 0, 0x01};
    memcpy(b + n, slla, 8);
    n += 8;
    const uint8_t mtu[8] = {5, 1, 0, 0, 0, 0, 0x05, 0xc8};
    memcpy(b + n, mtu, 8);
    n += 8;
    uint8_t pi[32] = {3, 4, 64, 0xc0, 0, 0x27, 0x8d, 0x00, 0, 0, 0x38, 0x40};
    static const uint8_t pfx[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
    memcpy(pi + 16, pfx, 16);
    memcpy(b + n, pi, 32);
    n += 32;
    const uint8_t rio[8] = {24, 1, 0, 0, 0, 0, 0, 0};
    memcpy(b + n, rio, 8);
    return n + 8;
}

static void test_ra_parse(void **state)
{
    (void)state;
    static const ipv6_addr router = {{0xfe, 0x80, [15] = 1}};
    uint8_t b[256];
    size_t n = build_ra(b);
    nd_msg m;
    assert_int_equal(nd(b, n, 255, &router, &ALL_NODES, &m), WIRE_OK);
    assert_int_equal(m.cur_hop_limit, 64);
    assert_int_equal(m.flags, ND_RA_MANAGED);
    assert_int_equal(m.router_lifetime, 1800);
    assert_int_equal(m.reachable_ms, 30000);
    assert_int_equal(m.retrans_ms, 1000);
    assert_int_equal(m.opts.has_slla, 1);
    assert_int_equal(m.opts.has_mtu, 1);
    assert_int_equal(m.opts.mtu, 1480);
    assert_int_equal(m.opts.nprefix, 1);
    assert_int_equal(m.opts.ignored, 0);
    assert_int_equal(m.opts.prefix[0].len, 64);
    assert_int_equal(m.opts.prefix[0].flags, ND_PREFIX_ONLINK | ND_PREFIX_AUTO);
    assert_int_equal(m.opts.prefix[0].valid, 2592000);
    assert_int_equal(m.opts.prefix[0].preferred, 14400);
    assert_true(nd_prefix_autoconf_ok(&m.opts.prefix[0]));
    /* Not from a link-local source (§6.1.2). */
    assert_int_equal(nd(b, n, 255, &A, &ALL_NODES, &m), WIRE_BAD_ND);
    /* Bogus prefixes (RFC 4862 5.5.3): link-local, preferred > valid, not /64, no A. */
    nd_prefix p = {.len = 64, .flags = ND_PREFIX_AUTO, .valid = 10, .preferred = 10};
    p.prefix = LL;
    assert_false(nd_prefix_autoconf_ok(&p));
    p.prefix = A;
    assert_true(nd_prefix_autoconf_ok(&p));
    p.preferred = 11;
    assert_false(nd_prefix_autoconf_ok(&p));
    p.preferred = 10;
    p.len = 48;
    assert_false(nd_prefix_autoconf_ok(&p));
    p.len = 64;
    p.flags = ND_PREFIX_ONLINK;
    assert_false(nd_prefix_autoconf_ok(&p));
    /* A prefix length over 128 and a short prefix option are ignored and counted; five
     * good prefixes keep four. */
    n = 16;
    for (int i = 0; i < 5; i++) {
        uint8_t pi[32] = {3, 4, 64, 0xc0};
        pi[16 + 2] = (uint8_t)i;
        memcpy(b + n, pi, 32);
        n += 32;
    }
    uint8_t bad[32] = {3, 4, 200, 0xc0};
    memcpy(b + n, bad, 32);
    n += 32;
    uint8_t shortpi[16] = {3, 2, 64, 0xc0};
    memcpy(b + n, shortpi, 16);
    n += 16;
    assert_int_equal(nd(b, n, 255, &router, &ALL_NODES, &m), WIRE_OK);
    assert_int_equal(m.opts.nprefix, ND_MAX_PREFIXES);
    assert_int_equal(m.opts.ignored, 3);
}

static void test_redirect_parse(void **state)
{
    (void)state;
    static const ipv6_addr router = {{0xfe, 0x80, [15] = 1}};
    uint8_t b[64] = {137, 0, 0, 0, 0, 0, 0, 0};
    memcpy(b + 8, LL.b, 16); /* target: a link-local neighbor */
    memcpy(b + 24, B.b, 16); /* destination */
    nd_msg m;
    assert_int_equal(nd(b, 40, 255, &router, &A, &m), WIRE_OK);
    assert_memory_equal(m.target.b, LL.b, 16);
    assert_memory_equal(m.redirect_dst.b, B.b, 16);
    memcpy(b + 8, B.b, 16); /* target == destination: on-link */
    assert_int_equal(nd(b, 40, 255, &router, &A, &m), WIRE_OK);
    memcpy(b + 8, A.b, 16); /* a global target that is not the destination */
    assert_int_equal(nd(b, 40, 255, &router, &A, &m), WIRE_BAD_ND);
    memcpy(b + 8, LL.b, 16);
    memcpy(b + 24, ALL_NODES.b, 16);
    assert_int_equal(nd(b, 40, 255, &router, &A, &m), WIRE_BAD_ND);
    memcpy(b + 24, B.b, 16);
    assert_int_equal(nd(b, 40, 255, &A, &A, &m), WIRE_BAD_ND); /* not link-local source */
    assert_int_equal(nd(b, 32, 255, &router, &A, &m), WIRE_BAD_ND);
    /* Not an ND type at all. */
    b[0] = ICMP6_ECHO_REQUEST;
    assert_int_equal(nd(b, 40, 255, &router, &A, &m), WIRE_TRUNCATED);
}

static void test_mld2_join(void **state)
{
    (void)state;
    ipv6_addr sn;
    ipv6_addr_solicited_node(&sn, &LL);
    uint8_t b[64];
    assert_int_equal(mld2_report_emit(b, sizeof b, MLD2_CHANGE_TO_EXCLUDE, &sn, 1, &LL), 28);
    static const uint8_t want[28] = {143, 0, 0, 0, 0, 0, 0, 1, 4, 0,    0,    0,    0xff, 0x02,
                                     0,   0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0x12, 0x34, 0x56};
    uint16_t c = rd16(b + 2);
    wr16(b + 2, 0);
    assert_memory_equal(b, want, 28);
    assert_int_equal(c, naive(&LL, &mld2_all_routers, want, 28));
    assert_int_equal(mld2_report_emit(b, 27, MLD2_CHANGE_TO_EXCLUDE, &sn, 1, &LL), 0);
}

static void test_mld1_emit(void **state)
{
    (void)state;
    ipv6_addr sn;
    ipv6_addr_solicited_node(&sn, &LL);
    uint8_t b[64];
    assert_int_equal(mld1_emit(b, sizeof b, ICMP6_MLD1_DONE, &sn, &LL, &mld1_all_routers), 24);
    static const uint8_t want[24] = {132, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x02, 0,    0,
                                     0,   0, 0, 0, 0, 0, 0, 1, 0xff, 0x12, 0x34, 0x56};
    uint16_t c = rd16(b + 2);
    wr16(b + 2, 0);
    assert_memory_equal(b, want, 24);
    assert_int_equal(c, naive(&LL, &mld1_all_routers, want, 24));
    assert_int_equal(mld1_emit(b, 23, ICMP6_MLD1_REPORT, &sn, &LL, &sn), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_roundtrip), cmocka_unit_test(test_errors_quote_to_1280),
        cmocka_unit_test(test_error_allowed),  cmocka_unit_test(test_ns_emit_parse),
        cmocka_unit_test(test_na_emit_parse),  cmocka_unit_test(test_rs_emit),
        cmocka_unit_test(test_ra_parse),       cmocka_unit_test(test_redirect_parse),
        cmocka_unit_test(test_mld2_join),      cmocka_unit_test(test_mld1_emit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
