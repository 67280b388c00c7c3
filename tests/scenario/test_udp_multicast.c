/* SPDX-License-Identifier: MIT */
/* Multicast sockets are not implemented (no group joins, no IP_MULTICAST_* options): a
 * datagram to a multicast destination, IPv4 224.0.0.0/4 or IPv6 ff00::/8, has no route
 * and fails as Linux's does without one, -ENETUNREACH, for sendto() and connect() on UDP
 * and echo sockets of either family (IPv4 mapped into an AF_INET6 socket too); nothing is
 * sent. One stack on Ethernet, 192.0.2.2/24 and 2001:db8::2/64, gateway 192.0.2.1. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/ipv6_eth_rig.h"
#include "synack/synack.h"
#include "wire/bytes.h"

#define SA(x) ((const struct sockaddr *)&(x))

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static eth6_cap cap;

static synack_stack *new_stack(void)
{
    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, US6);
    c.dad_transmits = 0;
    c.mld_reports = 0;
    c.netif.gateway = 0xc0000201u; /* a route to everything unicast */
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(synack_poll(st, 0), 0);
    cap.n = 0;
    return st;
}

static struct synack_sockaddr_in sin4(uint32_t a, uint16_t port)
{
    struct synack_sockaddr_in s;
    memset(&s, 0, sizeof(s));
    s.sin_family = SYNACK_AF_INET;
    wr16((uint8_t *)&s.sin_port, port);
    wr32((uint8_t *)&s.sin_addr.s_addr, a);
    return s;
}

static struct synack_sockaddr_in6 sin6(const uint8_t a[16], uint16_t port)
{
    struct synack_sockaddr_in6 s;
    memset(&s, 0, sizeof(s));
    s.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&s.sin6_port, port);
    memcpy(s.sin6_addr.s6_bytes, a, 16);
    return s;
}

static void test_udp_to_multicast_unreachable(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    static const uint32_t groups4[] = {0xe0000001u, 0xe00000fbu, 0xeffffffau, 0xefffffffu};
    int u = synack_socket(st, SYNACK_SOCK_DGRAM);
    assert_true(u >= 0);
    for (size_t i = 0; i < sizeof(groups4) / sizeof(groups4[0]); i++) {
        struct synack_sockaddr_in to = sin4(groups4[i], 9);
        assert_int_equal(synack_sendto(st, u, "x", 1, 0, SA(to), sizeof(to)), -ENETUNREACH);
        assert_int_equal(synack_connect(st, u, SA(to), sizeof(to)), -ENETUNREACH);
    }
    assert_int_equal(cap.n, 0);
    /* the unicast neighbours of the range still go (to the gateway, ARP first) */
    struct synack_sockaddr_in below = sin4(0xdfffffffu, 9), above = sin4(0xf0000001u, 9);
    assert_int_equal(synack_sendto(st, u, "x", 1, 0, SA(below), sizeof(below)), 1);
    assert_int_equal(synack_sendto(st, u, "x", 1, 0, SA(above), sizeof(above)), 1);
    assert_true(cap.n > 0); /* ARP for the gateway; the datagrams wait for it */
    size_t arp = cap.n;

    static const uint8_t ff02_1[16] = {0xff, 0x02, [15] = 1};
    static const uint8_t ff05_fb[16] = {0xff, 0x05, [15] = 0xfb};
    static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, [12] = 224, [15] = 1};
    int u6 = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    assert_true(u6 >= 0);
    const uint8_t *g6[] = {ff02_1, ff05_fb, mapped};
    for (size_t i = 0; i < 3; i++) {
        struct synack_sockaddr_in6 to = sin6(g6[i], 9);
        assert_int_equal(synack_sendto(st, u6, "x", 1, 0, SA(to), sizeof(to)), -ENETUNREACH);
        assert_int_equal(synack_connect(st, u6, SA(to), sizeof(to)), -ENETUNREACH);
    }
    /* and an AF_INET6 socket given a sockaddr_in */
    struct synack_sockaddr_in to = sin4(0xe0000001u, 9);
    assert_int_equal(synack_sendto(st, u6, "x", 1, 0, SA(to), sizeof(to)), -ENETUNREACH);
    assert_int_equal(cap.n, arp);
    synack_stack_free(st);
}

static void test_ping_to_multicast_unreachable(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    uint8_t req[16] = {8, 0, 0, 0, 0, 0, 0, 1, 'a', 'b'};
    int p = synack_socket_proto(st, SYNACK_AF_INET, SYNACK_SOCK_DGRAM, SYNACK_IPPROTO_ICMP);
    assert_true(p >= 0);
    struct synack_sockaddr_in to = sin4(0xe0000001u, 0);
    assert_int_equal(synack_sendto(st, p, req, 10, 0, SA(to), sizeof(to)), -ENETUNREACH);
    static const uint8_t ff02_1[16] = {0xff, 0x02, [15] = 1};
    int p6 = synack_socket_proto(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM, SYNACK_IPPROTO_ICMPV6);
    assert_true(p6 >= 0);
    req[0] = 128;
    struct synack_sockaddr_in6 to6 = sin6(ff02_1, 0);
    assert_int_equal(synack_sendto(st, p6, req, 10, 0, SA(to6), sizeof(to6)), -ENETUNREACH);
    assert_int_equal(cap.n, 0);
    synack_stack_free(st);
}

/* The multicast options are not there: Linux's errno for an option a protocol lacks. */
static void test_multicast_options_absent(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    int u = synack_socket(st, SYNACK_SOCK_DGRAM);
    int u6 = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    int v = 5;
    assert_int_equal(
        synack_setsockopt(st, u, SYNACK_IPPROTO_IP, 33 /* IP_MULTICAST_TTL */, &v, sizeof(v)),
        -ENOPROTOOPT);
    assert_int_equal(
        synack_setsockopt(st, u6, SYNACK_IPPROTO_IPV6, 18 /* IPV6_MULTICAST_HOPS */, &v, sizeof(v)),
        -ENOPROTOOPT);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp_to_multicast_unreachable),
        cmocka_unit_test(test_ping_to_multicast_unreachable),
        cmocka_unit_test(test_multicast_options_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
