/* SPDX-License-Identifier: MIT */
/* synack gateway over IPv6 (tools/synack/cmd_gateway_v6.c, compiled into this test): the
 * --ipv6 options and their defaults, which IPv6 destinations the namespace may reach and
 * the host address each goes to, the ICMPv6 code of an unreachable verdict, that a relay
 * tells IPv4 and IPv6 4-tuples apart, and which frames the ICMPv6 echo relay
 * (cmd_gateway_v6icmp.c) takes, refuses or leaves to the stack. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cmd_gateway.h"
#include "cmd_gateway_v6icmp.h"

static gw_opts opts(void)
{
    gw_opts o;
    memset(&o, 0, sizeof(o));
    o.addr = 0x0a000264u;
    o.gw = 0x0a000202u;
    o.max_conns = 256;
    gw_opts_defaults(&o);
    return o;
}

static void a6(const char *s, uint8_t out[16])
{
    assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

static void assert_addr(const uint8_t got[16], const char *want)
{
    uint8_t w[16];
    a6(want, w);
    assert_memory_equal(got, w, 16);
}

static void test_options_and_defaults(void **state)
{
    (void)state;
    gw_opts o = opts();
    assert_int_equal(gw_v6_check(&o), 0); /* off: nothing to check */
    assert_int_equal(o.ipv6, 0);
    assert_int_equal(gw_v6_parse(&o, "--ipv6", NULL), 1);
    assert_int_equal(gw_v6_check(&o), 0);
    assert_addr(o.addr6, "2001:db8:ffff::100");
    assert_addr(o.gw6, "2001:db8:ffff::2");
    assert_int_equal(o.prefix6, 64);

    o = opts();
    assert_int_equal(gw_v6_parse(&o, "--ipv6-addr", "2001:db8:2::100/48"), 2);
    assert_int_equal(o.ipv6, 1);
    assert_int_equal(gw_v6_check(&o), 0);
    assert_int_equal(o.prefix6, 48);
    assert_addr(o.gw6, "2001:db8:2::2");

    o = opts();
    assert_int_equal(gw_v6_parse(&o, "--ipv6-gw", "2001:db8:7::1"), 2);
    assert_int_equal(gw_v6_check(&o), 0);
    assert_addr(o.addr6, "2001:db8:7::100");
    assert_int_equal(o.prefix6, 64);

    assert_int_equal(gw_v6_parse(&o, "--json", NULL), 0);
    assert_int_equal(gw_v6_parse(&o, "--ipv6-addr", NULL), -1);
    assert_int_equal(gw_v6_parse(&o, "--ipv6-addr", "10.0.2.100"), -1);
    assert_int_equal(gw_v6_parse(&o, "--ipv6-addr", "2001:db8::1/200"), -1);
    assert_int_equal(gw_v6_parse(&o, "--ipv6-addr", "2001:db8::1/"), -1);
    assert_int_equal(gw_v6_parse(&o, "--ipv6-gw", "2001:db8::1/64"), -1);

    /* the gateway outside the prefix, equal to the address, or not global unicast */
    const char *bad[][2] = {{"2001:db8:2::100/64", "2001:db8:3::2"},
                            {"2001:db8:2::100/64", "2001:db8:2::100"},
                            {"fe80::100/64", "fe80::2"},
                            {"2001:db8:2::100/64", "ff02::2"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o = opts();
        assert_int_equal(gw_v6_parse(&o, "--ipv6-addr", bad[i][0]), 2);
        assert_int_equal(gw_v6_parse(&o, "--ipv6-gw", bad[i][1]), 2);
        assert_int_equal(gw_v6_check(&o), -1);
    }
}

static void test_forward6(void **state)
{
    (void)state;
    gw_opts o = opts();
    assert_int_equal(gw_v6_parse(&o, "--forward", "tcp:8080:80"), 0); /* gw_opts_parse's */
    assert_int_equal(gw_v6_parse(&o, "--forward", "tcp6:8086:80"), 2);
    assert_int_equal(o.nfwd, 1);
    assert_int_equal(o.ipv6, 1);
    assert_int_equal(o.fwd[0].v6, 1);
    assert_int_equal(o.fwd[0].host_port, 8086);
    assert_int_equal(o.fwd[0].ns_port, 80);
    assert_int_equal(o.fwd[0].udp, 0);
    assert_int_equal(gw_v6_parse(&o, "--forward", "udp6:5353:53"), 2);
    assert_int_equal(o.fwd[1].v6, 1);
    assert_int_equal(o.fwd[1].udp, 1);
    assert_int_equal(o.fwd[1].host_port, 5353);
    assert_int_equal(o.fwd[1].ns_port, 53);
    assert_int_equal(gw_v6_parse(&o, "--forward", "udp6:1:2:3"), -1);
    assert_int_equal(gw_v6_parse(&o, "--forward", "udp6:0:53"), -1);
    assert_int_equal(o.nfwd, 2);
    o.nfwd = 1;
    const char *bad[] = {"tcp6:8086",      "tcp6:0:80",  "tcp6:8086:65536", "tcp6:1:2:3",
                         "tcp6:::1:80:80", "tcp6: 1:80", "tcp6:1:80x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(gw_v6_parse(&o, "--forward", bad[i]), -1);
    assert_int_equal(o.nfwd, 1);
    while (o.nfwd < GW_MAX_FORWARDS)
        assert_int_equal(gw_v6_parse(&o, "--forward", "tcp6:1:2"), 2);
    assert_int_equal(gw_v6_parse(&o, "--forward", "tcp6:1:2"), -1); /* too many */
}

static synack_endpoints ep6(const char *dst, uint16_t port)
{
    synack_endpoints ep = {.family = SYNACK_AF_INET6, .lport = port, .rport = 40000};
    a6(dst, ep.laddr6);
    a6("2001:db8:2::100", ep.raddr6);
    return ep;
}

static void test_destinations(void **state)
{
    (void)state;
    gw_opts o = opts();
    assert_int_equal(gw_v6_parse(&o, "--ipv6-addr", "2001:db8:2::100/64"), 2);
    assert_int_equal(gw_v6_check(&o), 0);
    struct sockaddr_storage sa;
    socklen_t len = 0;
    synack_endpoints ep = ep6("2001:db8:1::1", 443);
    assert_int_equal(gw_dest_sa(&o, &ep, &sa, &len), 0);
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&sa;
    assert_int_equal(len, sizeof(*in6));
    assert_int_equal(in6->sin6_family, AF_INET6);
    assert_int_equal(ntohs(in6->sin6_port), 443);
    assert_memory_equal(in6->sin6_addr.s6_addr, ep.laddr6, 16);

    const char *denied[] = {
        "2001:db8:2::2", "2001:db8:2::100",   "::1",          "::",     "fe80::1", "ff02::1",
        "ff0e::1",       "::ffff:198.18.0.1", "::198.18.0.1", "fec0::1"};
    for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
        ep = ep6(denied[i], 80);
        assert_int_equal(gw_dest_sa(&o, &ep, &sa, &len), -1);
    }
    /* --enable-host-loopback: the gateway's address is the host's ::1 */
    o.host_loopback = 1;
    ep = ep6("2001:db8:2::2", 80);
    assert_int_equal(gw_dest_sa(&o, &ep, &sa, &len), 1);
    assert_memory_equal(in6->sin6_addr.s6_addr, in6addr_loopback.s6_addr, 16);

    /* IPv4 goes by gw_dest */
    synack_endpoints e4 = {.laddr = 0xc6120001u, .raddr = o.addr, .lport = 80, .rport = 4000};
    assert_int_equal(gw_dest_sa(&o, &e4, &sa, &len), 0);
    const struct sockaddr_in *in = (const struct sockaddr_in *)&sa;
    assert_int_equal(len, sizeof(*in));
    assert_int_equal(in->sin_family, AF_INET);
    assert_int_equal(ntohl(in->sin_addr.s_addr), 0xc6120001u);
    e4.laddr = 0x7f000001u;
    assert_int_equal(gw_dest_sa(&o, &e4, &sa, &len), -1);
}

static void test_codes_and_tuples(void **state)
{
    (void)state;
    synack_endpoints a = ep6("2001:db8:1::1", 80), b = a, v4 = {.lport = 80, .rport = 40000};
    assert_int_equal(gw_unreach_code(&a, ENETUNREACH), 0);
    assert_int_equal(gw_unreach_code(&a, EHOSTUNREACH), 3);
    assert_int_equal(gw_unreach_code(&v4, ENETUNREACH), 0);
    assert_int_equal(gw_unreach_code(&v4, EHOSTUNREACH), 1);
    assert_int_equal(gw_unreach_code(&a, EACCES), 1);
    assert_int_equal(gw_unreach_code(&a, EPERM), 1);
    assert_int_equal(gw_unreach_code(&v4, EACCES), -1);
    assert_int_equal(gw_unreach_code(&a, ETIMEDOUT), -1);
    assert_int_equal(gw_unreach_code(&v4, ECONNRESET), -1);
    assert_true(gw_same_ep(&a, &b));
    b.raddr6[15] ^= 1;
    assert_false(gw_same_ep(&a, &b));
    /* the same ports and (zero) IPv4 addresses, another family */
    assert_false(gw_same_ep(&a, &v4));
    synack_endpoints v4b = v4;
    assert_true(gw_same_ep(&v4, &v4b));
}

/* An Ethernet frame with an ICMPv6 echo request from the namespace to dst; its length. */
static size_t echo_frame(uint8_t *f, const char *dst, uint8_t type)
{
    memset(f, 0, 14 + 40 + 12);
    f[12] = 0x86;
    f[13] = 0xdd;
    uint8_t *ip = f + 14, *m = ip + 40;
    ip[0] = 0x60;
    ip[5] = 12;
    ip[6] = 58;
    ip[7] = 64;
    a6("2001:db8:2::100", ip + 8);
    a6(dst, ip + 24);
    m[0] = type;
    m[4] = 0x12;
    m[5] = 0x34;
    m[7] = 1;
    memcpy(m + 8, "ping", 4);
    /* the checksum: the pseudo-header (RFC 8200 8.1) and the message */
    uint32_t acc = 12 + 58;
    for (int i = 0; i < 32; i += 2)
        acc += (uint32_t)(ip[8 + i] << 8 | ip[9 + i]);
    for (int i = 0; i < 12; i += 2)
        acc += (uint32_t)(m[i] << 8 | m[i + 1]);
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    m[2] = (uint8_t)(~acc >> 8);
    m[3] = (uint8_t)~acc;
    return 14 + 40 + 12;
}

static void test_icmp6_frames(void **state)
{
    (void)state;
    uint8_t gw6[16], ns6[16], f[128];
    a6("2001:db8:2::2", gw6);
    a6("2001:db8:2::100", ns6);
    gw_icmp6 *g = gw_icmp6_new(NULL, gw6, ns6);
    assert_non_null(g);
    gw_icmp_stats st = {0};
    /* the stack's: echo to the gateway, to this link (link-local, multicast), replies,
     * truncated frames, ICMPv6 behind an extension header, IPv4 */
    const char *stacks[] = {"2001:db8:2::2", "fe80::1", "ff02::1", "ff02::1:ff00:2"};
    for (size_t i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++)
        assert_int_equal(gw_icmp6_frame(g, &st, f, echo_frame(f, stacks[i], 128), 1), 0);
    size_t n = echo_frame(f, "2001:db8:1::1", 129);
    assert_int_equal(gw_icmp6_frame(g, &st, f, n, 1), 0);
    n = echo_frame(f, "2001:db8:1::1", 128);
    assert_int_equal(gw_icmp6_frame(g, &st, f, n - 1, 1), 0);
    f[14 + 6] = 0; /* hop-by-hop first */
    assert_int_equal(gw_icmp6_frame(g, &st, f, n, 1), 0);
    f[14 + 6] = 58;
    f[12] = 0x08;
    f[13] = 0x00;
    assert_int_equal(gw_icmp6_frame(g, &st, f, n, 1), 0);
    /* a request elsewhere with a bad checksum: taken and dropped, not counted */
    n = echo_frame(f, "2001:db8:1::1", 128);
    f[14 + 40 + 8] ^= 1;
    assert_int_equal(gw_icmp6_frame(g, &st, f, n, 1), 1);
    assert_int_equal(st.requests + st.refused, 0);
    /* never a host destination: refused and counted */
    const char *denied[] = {"::1", "2001:db8:2::100", "::ffff:198.18.0.1", "fec0::1"};
    for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
        assert_int_equal(gw_icmp6_frame(g, &st, f, echo_frame(f, denied[i], 128), 1), 1);
    assert_int_equal(st.refused, 4);
    assert_int_equal(st.requests, 0);
    gw_icmp6_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_and_defaults), cmocka_unit_test(test_forward6),
        cmocka_unit_test(test_destinations),         cmocka_unit_test(test_codes_and_tuples),
        cmocka_unit_test(test_icmp6_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
