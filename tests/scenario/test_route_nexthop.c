/* SPDX-License-Identifier: MIT */
/* A next hop per route (synack_route.gateway, synack_route6.gateway, SYNACK_ROUTE_ON_LINK;
 * src/stack/route_nh.c): what synack_route_set and synack_route6_set refuse, and, on an
 * Ethernet netif, the neighbor each packet is resolved for: the longest route's gateway
 * (ARP request or NS for it, the frame to its MAC), the destination itself inside the
 * netif's prefix or an on-link route, else netif.gateway, gateway6 or an advertised
 * router. One stack, 192.0.2.2/24 and 2001:db8::2/64 at 02:00:00:00:00:02; its neighbors
 * are played by the test. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/ipv6_eth_rig.h"
#include "synack/synack.h"
#include "wire/bytes.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_R1[6] = {0x02, 0, 0, 0, 0, 0xa1};
static const uint8_t MAC_R2[6] = {0x02, 0, 0, 0, 0, 0xa2};
static const uint8_t MAC_GW[6] = {0x02, 0, 0, 0, 0, 0xa9};
static const uint8_t MAC_N[6] = {0x02, 0, 0, 0, 0, 0xb0};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

#define US4 0xc0000202u  /* 192.0.2.2 */
#define GW4 0xc0000201u  /* 192.0.2.1: netif.gateway */
#define R1_4 0xc00002feu /* 192.0.2.254 */
#define R2_4 0xc00002fdu /* 192.0.2.253 */
#define FAR4 0xc6120005u /* 198.18.0.5 */

static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const uint8_t R1_6[16] = {0xfe, 0x80, [15] = 1};
static const uint8_t R2_6[16] = {0xfe, 0x80, [15] = 2};
static const uint8_t GW6[16] = {0xfe, 0x80, [15] = 9};
static const uint8_t FAR6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 5}; /* 2001:db8:1::5 */
static const uint64_t S = 1000000u;

static eth6_cap cap;

/* type: SYNACK_LINK_ETHERNET or _IP; gw6: netif.gateway6 or NULL. */
static synack_stack *new_stack(uint8_t type, const uint8_t *gw6)
{
    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, US6);
    c.netif.type = type;
    c.netif.gateway = GW4;
    if (gw6)
        memcpy(c.netif.gateway6, gw6, 16);
    c.dad_transmits = 0; /* about next hops, not our addresses */
    c.mld_reports = 0;
    c.router_solicits = 0;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(synack_poll(st, 0), 0);
    cap.n = 0;
    return st;
}

static void set4(synack_stack *st, uint32_t dst, uint8_t len, uint32_t gw, uint8_t flags)
{
    synack_route r = {.dst = dst, .prefix_len = len, .flags = flags, .gateway = gw};
    assert_int_equal(synack_route_set(st, &r), 0);
}

static void set6(synack_stack *st, const uint8_t *dst, uint8_t len, const uint8_t *gw)
{
    synack_route6 r = {.prefix_len = len};
    memcpy(r.dst, dst, 16);
    if (gw)
        memcpy(r.gateway, gw, 16);
    assert_int_equal(synack_route6_set(st, &r), 0);
}

static void connect4(synack_stack *st, uint32_t dst)
{
    int s = synack_socket(st, SOCK_STREAM);
    assert_true(s >= 0);
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(dst)};
    assert_int_equal(synack_connect(st, s, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
}

/* The ARP request for tpa we must broadcast, written out byte by byte (RFC 826). */
static void assert_arp_request(size_t i, uint32_t tpa)
{
    uint8_t want[42] = {0};
    memcpy(want, BCAST, 6);
    memcpy(want + 6, MAC_US, 6);
    static const uint8_t fixed[10] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1};
    memcpy(want + 12, fixed, 10);
    memcpy(want + 22, MAC_US, 6);
    wr32(want + 28, US4);
    wr32(want + 38, tpa);
    assert_true(i < cap.n);
    assert_int_equal(cap.f[i].len, sizeof(want));
    assert_memory_equal(cap.f[i].b, want, sizeof(want));
}

/* spa (at mac) answers us: the entry it makes or completes resolves spa. */
static void arp_reply(synack_stack *st, uint64_t now, uint32_t spa, const uint8_t *mac)
{
    uint8_t f[42];
    memcpy(f, MAC_US, 6);
    memcpy(f + 6, mac, 6);
    static const uint8_t fixed[10] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2};
    memcpy(f + 12, fixed, 10);
    memcpy(f + 22, mac, 6);
    wr32(f + 28, spa);
    memcpy(f + 32, MAC_US, 6);
    wr32(f + 38, US4);
    assert_int_equal(synack_input(st, now, f, sizeof(f)), 0);
}

/* Frame i is IPv4 of protocol proto to dst, sent to mac. */
static void assert_ip4_to(size_t i, const uint8_t *mac, uint32_t dst, uint8_t proto)
{
    assert_true(i < cap.n);
    const uint8_t *b = cap.f[i].b;
    assert_memory_equal(b, mac, 6);
    assert_int_equal(rd16(b + 12), ETHERTYPE_IPV4);
    assert_int_equal(b[ETH_HDR_LEN + 9], proto);
    assert_int_equal(rd32(b + ETH_HDR_LEN + 12), US4);
    assert_int_equal(rd32(b + ETH_HDR_LEN + 16), dst);
}

/* The three routers and the gateway answer ARP up front, so each packet goes straight to
 * the MAC of the neighbor it was resolved for. */
static void resolve4(synack_stack *st)
{
    arp_reply(st, 0, R1_4, MAC_R1);
    arp_reply(st, 0, R2_4, MAC_R2);
    arp_reply(st, 0, GW4, MAC_GW);
    cap.n = 0;
}

static void test_arp_for_route_gateway(void **state)
{
    (void)state;
    synack_stack *st = new_stack(SYNACK_LINK_ETHERNET, NULL);
    set4(st, 0xc6120000u, 15, R1_4, 0); /* 198.18.0.0/15 via 192.0.2.254 */
    synack_route got;
    assert_int_equal(synack_route_lookup(st, FAR4, &got), 0);
    assert_int_equal(got.gateway, R1_4);
    connect4(st, FAR4);
    assert_int_equal(cap.n, 1);
    assert_arp_request(0, R1_4); /* not 198.18.0.5, not 192.0.2.1 */
    arp_reply(st, 1000, R1_4, MAC_R1);
    assert_int_equal(cap.n, 2);
    assert_ip4_to(1, MAC_R1, FAR4, IP_PROTO_TCP);
    synack_stack_free(st);
}

static void test_longest_match_v4(void **state)
{
    (void)state;
    synack_stack *st = new_stack(SYNACK_LINK_ETHERNET, NULL);
    resolve4(st);
    set4(st, 0xc6120000u, 16, R1_4, 0); /* 198.18.0.0/16 via .254 */
    set4(st, 0xc6120100u, 24, R2_4, 0); /* 198.18.1.0/24 via .253 */
    connect4(st, 0xc6120109u);
    connect4(st, 0xc6120209u);
    connect4(st, 0xc6130009u); /* 198.19.0.9: no route, the netif's gateway */
    assert_int_equal(cap.n, 3);
    assert_ip4_to(0, MAC_R2, 0xc6120109u, IP_PROTO_TCP);
    assert_ip4_to(1, MAC_R1, 0xc6120209u, IP_PROTO_TCP);
    assert_ip4_to(2, MAC_GW, 0xc6130009u, IP_PROTO_TCP);
    synack_stack_free(st);
}

static void test_connected_prefix_and_on_link_v4(void **state)
{
    (void)state;
    synack_stack *st = new_stack(SYNACK_LINK_ETHERNET, NULL);
    resolve4(st);
    arp_reply(st, 0, 0xc0000209u, MAC_N); /* 192.0.2.9, a neighbor */
    arp_reply(st, 0, FAR4, MAC_N);
    set4(st, 0xc0000000u, 16, R1_4, 0); /* 192.0.0.0/16 via .254: shorter than our /24 */
    connect4(st, 0xc0000209u);
    connect4(st, 0xc0000309u);
    set4(st, 0xc0000209u, 32, R2_4, 0); /* a host route inside the prefix wins */
    connect4(st, 0xc0000209u);
    set4(st, 0xc6120000u, 15, 0, SYNACK_ROUTE_ON_LINK); /* `dev`: resolved itself */
    connect4(st, FAR4);
    assert_int_equal(cap.n, 4);
    assert_ip4_to(0, MAC_N, 0xc0000209u, IP_PROTO_TCP);
    assert_ip4_to(1, MAC_R1, 0xc0000309u, IP_PROTO_TCP);
    assert_ip4_to(2, MAC_R2, 0xc0000209u, IP_PROTO_TCP);
    assert_ip4_to(3, MAC_N, FAR4, IP_PROTO_TCP);
    synack_stack_free(st);
}

static void test_metrics_only_and_delete_v4(void **state)
{
    (void)state;
    synack_stack *st = new_stack(SYNACK_LINK_ETHERNET, NULL);
    resolve4(st);
    synack_route m = {.dst = 0xc6120000u, .prefix_len = 15, .mtu = 1400};
    assert_int_equal(synack_route_set(st, &m), 0);
    connect4(st, FAR4); /* metrics only: as without a route */
    set4(st, 0xc6120000u, 15, R1_4, 0);
    connect4(st, FAR4);
    assert_int_equal(synack_route_del(st, 0xc6120000u, 15), 0);
    connect4(st, FAR4);
    assert_int_equal(cap.n, 3);
    assert_ip4_to(0, MAC_GW, FAR4, IP_PROTO_TCP);
    assert_ip4_to(1, MAC_R1, FAR4, IP_PROTO_TCP);
    assert_ip4_to(2, MAC_GW, FAR4, IP_PROTO_TCP);
    synack_stack_free(st);
}

/* TCP, UDP, an echo socket's request and our echo reply all take the route. */
static void test_every_protocol_v4(void **state)
{
    (void)state;
    synack_stack *st = new_stack(SYNACK_LINK_ETHERNET, NULL);
    resolve4(st);
    set4(st, 0xc6120000u, 15, R1_4, 0);
    connect4(st, FAR4);
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(53), .sin_addr.s_addr = htonl(FAR4)};
    int u = synack_socket(st, SOCK_DGRAM);
    assert_true(u >= 0);
    assert_int_equal(synack_sendto(st, u, "q", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    int p = synack_socket_proto(st, SYNACK_AF_INET, SYNACK_SOCK_DGRAM, SYNACK_IPPROTO_ICMP);
    assert_true(p >= 0);
    uint8_t echo[8] = {ICMP_ECHO_REQUEST, 0, 0, 0, 0, 0, 0, 1};
    assert_int_equal(synack_sendto(st, p, echo, 8, 0, (struct sockaddr *)&to, sizeof(to)), 8);
    /* 198.18.0.5 pings us, through the router */
    uint8_t f[ETH_HDR_LEN + IPV4_HDR_LEN + 16];
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV4};
    memcpy(eh.dst, MAC_US, 6);
    memcpy(eh.src, MAC_R1, 6);
    eth_emit(f, ETH_HDR_LEN, &eh);
    icmp_msg m = {
        .type = ICMP_ECHO_REQUEST, .rest = 0x00070001u, .payload = echo, .payload_len = 8};
    size_t n = icmp_emit(f + ETH_HDR_LEN + IPV4_HDR_LEN, 16, &m);
    ipv4_hdr ih = {.ttl = 63, .proto = IP_PROTO_ICMP, .src = FAR4, .dst = US4};
    ipv4_emit(f + ETH_HDR_LEN, IPV4_HDR_LEN, &ih, n);
    assert_int_equal(synack_input(st, 1000, f, sizeof(f)), 0);
    assert_int_equal(cap.n, 4);
    assert_ip4_to(0, MAC_R1, FAR4, IP_PROTO_TCP);
    assert_ip4_to(1, MAC_R1, FAR4, IP_PROTO_UDP);
    assert_ip4_to(2, MAC_R1, FAR4, IP_PROTO_ICMP);
    assert_int_equal(cap.f[2].b[ETH_HDR_LEN + IPV4_HDR_LEN], ICMP_ECHO_REQUEST);
    assert_ip4_to(3, MAC_R1, FAR4, IP_PROTO_ICMP);
    assert_int_equal(cap.f[3].b[ETH_HDR_LEN + IPV4_HDR_LEN], ICMP_ECHO_REPLY);
    synack_stack_free(st);
}

/* A point-to-point link has no neighbors to resolve: the route's gateway changes nothing. */
static void test_link_ip_ignores_gateway(void **state)
{
    (void)state;
    synack_stack *st = new_stack(SYNACK_LINK_IP, NULL);
    set4(st, 0xc6120000u, 15, R1_4, 0);
    connect4(st, FAR4);
    assert_int_equal(cap.n, 1);
    const uint8_t *b = cap.f[0].b;
    assert_int_equal(b[0], 0x45);
    assert_int_equal(b[9], IP_PROTO_TCP);
    assert_int_equal(rd32(b + 16), FAR4);
    synack_stack_free(st);
}

static int try4(synack_stack *st, uint32_t gw, uint8_t flags)
{
    synack_route r = {.dst = 0xc6120000u, .prefix_len = 15, .flags = flags, .gateway = gw};
    return synack_route_set(st, &r);
}

static void test_validation_v4(void **state)
{
    (void)state;
    synack_stack *st = new_stack(SYNACK_LINK_ETHERNET, NULL);
    /* as `ip route add 198.18.0.0/15 via G` answers on a 192.0.2.2/24 link */
    assert_int_equal(try4(st, 0xc6130001u, 0), -ENETUNREACH); /* 198.19.0.1: off link */
    assert_int_equal(try4(st, 0xe0000001u, 0), -ENETUNREACH); /* 224.0.0.1 */
    assert_int_equal(try4(st, 0x7f000001u, 0), -ENETUNREACH); /* 127.0.0.1 */
    assert_int_equal(try4(st, 0xc00002ffu, 0), -EINVAL);      /* the link's broadcast */
    assert_int_equal(try4(st, US4, 0), -EINVAL);              /* ourselves */
    assert_int_equal(try4(st, R1_4, SYNACK_ROUTE_ON_LINK), -EINVAL);
    assert_int_equal(try4(st, 0, 0x4), -EINVAL); /* an unknown flag */
    synack_route got;
    assert_int_equal(synack_route_lookup(st, FAR4, &got), -ENOENT); /* none was added */
    assert_int_equal(try4(st, R1_4, 0), 0);
    assert_int_equal(try4(st, 0, SYNACK_ROUTE_ON_LINK), 0);
    assert_int_equal(synack_route_lookup(st, FAR4, &got), 0);
    assert_int_equal(got.gateway, 0);
    assert_int_equal(got.flags, SYNACK_ROUTE_ON_LINK);
    synack_stack_free(st);

    /* an IPv6-only netif has no IPv4 neighbor at all */
    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, US6);
    c.netif.addr = 0;
    c.netif.prefix_len = 0;
    st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(try4(st, R1_4, 0), -ENETUNREACH);
    assert_int_equal(try4(st, 0, 0), 0);
    synack_stack_free(st);
}

/* --- IPv6 --- */

static void connect6(synack_stack *st, const uint8_t *dst)
{
    assert_int_equal(eth6_connect(st, dst), -EINPROGRESS);
}

/* addr (at mac) solicits us with its SLLA: a STALE entry for it (RFC 4861 7.2.3), so what
 * goes to it next leaves at once for mac. Our NA is not kept. */
static void learn6(synack_stack *st, const uint8_t *addr, const uint8_t *mac)
{
    ipv6_addr a = eth6_addr(addr), u = eth6_addr(US6);
    uint8_t l4[64], f[200];
    size_t n = nd_ns_emit(l4, sizeof(l4), &u, mac, &a, &u);
    size_t fl = eth6_frame_build(f, MAC_US, mac, &a, &u, IP_PROTO_ICMPV6, 255, l4, n);
    assert_int_equal(synack_input(st, 0, f, fl), 0);
    cap.n = 0;
}

/* Frame i is IPv6 with next header nh to dst, sent to mac. */
static void assert_ip6_to(size_t i, const uint8_t *mac, const uint8_t *dst, uint8_t nh)
{
    assert_true(i < cap.n);
    const uint8_t *b = cap.f[i].b;
    assert_memory_equal(b, mac, 6);
    assert_int_equal(rd16(b + 12), ETHERTYPE_IPV6);
    assert_int_equal(b[ETH_HDR_LEN + 6], nh);
    assert_memory_equal(b + ETH_HDR_LEN + 24, dst, 16);
}

/* Frame i is our multicast NS for target (RFC 4861 7.2.2), built independently: from the
 * source of the packet that prompted it, ours (here a TCP segment from our global
 * address, also for a link-local router: as Linux's ndisc_solicit; this asserted the
 * link-local source before, which neither the RFC's SHOULD nor Linux does). */
static void assert_ns_for(size_t i, const uint8_t *target)
{
    ipv6_addr t = eth6_addr(target), src = eth6_addr(US6), sn;
    ipv6_addr_solicited_node(&sn, &t);
    uint8_t mac[6], l4[64], want[200];
    ipv6_mcast_mac(mac, &sn);
    size_t n = nd_ns_emit(l4, sizeof(l4), &t, MAC_US, &src, &sn);
    size_t wl = eth6_frame_build(want, mac, MAC_US, &src, &sn, IP_PROTO_ICMPV6, 255, l4, n);
    assert_true(i < cap.n);
    assert_int_equal(cap.f[i].len, wl);
    assert_memory_equal(cap.f[i].b, want, wl);
}

static void test_ns_for_link_local_gateway(void **state)
{
    (void)state;
    synack_stack *st = new_stack(SYNACK_LINK_ETHERNET, GW6);
    static const uint8_t p48[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
    set6(st, p48, 48, R1_6); /* 2001:db8:1::/48 via fe80::1 */
    synack_route6 got;
    assert_int_equal(synack_route6_lookup(st, FAR6, &got), 0);
    assert_memory_equal(got.gateway, R1_6, 16);
    connect6(st, FAR6);
    assert_int_equal(cap.n, 1);
    assert_ns_for(0, R1_6); /* not 2001:db8:1::5, not gateway6 */
    ipv6_addr r = eth6_addr(R1_6), u = eth6_addr(US6);
    uint8_t l4[64], f[200];
    size_t n = nd_na_emit(l4, sizeof(l4), ND_NA_SOLICITED | ND_NA_OVERRIDE | ND_NA_ROUTER, &r,
                          MAC_R1, &r, &u);
    size_t fl = eth6_frame_build(f, MAC_US, MAC_R1, &r, &u, IP_PROTO_ICMPV6, 255, l4, n);
    assert_int_equal(synack_input(st, 1000, f, fl), 0);
    assert_int_equal(cap.n, 2);
    assert_ip6_to(1, MAC_R1, FAR6, IP_PROTO_TCP);
    synack_stack_free(st);
}

static void test_longest_match_and_delete_v6(void **state)
{
    (void)state;
    synack_stack *st = new_stack(SYNACK_LINK_ETHERNET, GW6);
    static const uint8_t GLOBAL_GW[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0xfe};
    learn6(st, R1_6, MAC_R1);
    learn6(st, R2_6, MAC_R2);
    learn6(st, GW6, MAC_GW);
    learn6(st, GLOBAL_GW, MAC_N);
    static const uint8_t p48[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
    static const uint8_t p64[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2};
    static const uint8_t p7[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 7};
    set6(st, p48, 48, R1_6);
    set6(st, p64, 64, R2_6);
    set6(st, p7, 48, GLOBAL_GW); /* a global gateway inside our prefix */
    static const uint8_t in64[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, [15] = 9};
    static const uint8_t in48[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 3, [15] = 9};
    static const uint8_t in7[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 7, [15] = 9};
    static const uint8_t other[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 5, [15] = 9};
    connect6(st, in64);
    connect6(st, in48);
    connect6(st, in7);
    connect6(st, other);
    assert_int_equal(synack_route6_del(st, p48, 48), 0);
    connect6(st, in48);
    assert_int_equal(cap.n, 5);
    assert_ip6_to(0, MAC_R2, in64, IP_PROTO_TCP);
    assert_ip6_to(1, MAC_R1, in48, IP_PROTO_TCP);
    assert_ip6_to(2, MAC_N, in7, IP_PROTO_TCP);
    assert_ip6_to(3, MAC_GW, other, IP_PROTO_TCP);
    assert_ip6_to(4, MAC_GW, in48, IP_PROTO_TCP);
    synack_stack_free(st);
}

/* An RA from fe80::99 (router lifetime 1800 s, SLLA MAC_GW) with one Prefix Information
 * option for 2001:db8:1:4::/64, on-link only (RFC 4861 4.2, 4.6.2). */
static void router_advertises(synack_stack *st)
{
    static const uint8_t src6[16] = {0xfe, 0x80, [15] = 0x99};
    static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
    uint8_t pay[8 + 8 + 32] = {0};
    pay[8] = ND_OPT_SLLA;
    pay[9] = 1;
    memcpy(pay + 10, MAC_GW, 6);
    uint8_t *pi = pay + 16;
    pi[0] = ND_OPT_PREFIX;
    pi[1] = 4;
    pi[2] = 64;
    pi[3] = 0x80; /* L */
    wr32(pi + 4, 3600);
    wr32(pi + 8, 3600);
    static const uint8_t p[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 4};
    memcpy(pi + 16, p, 16);
    ipv6_addr s = eth6_addr(src6), d = eth6_addr(all_nodes);
    icmp6_msg m = {
        .type = ICMP6_ND_RA, .rest = (64u << 24) | 1800u, .payload = pay, .payload_len = 48};
    uint8_t l4[64], f[200], mac[6];
    size_t n = icmp6_emit(l4, sizeof(l4), &m, &s, &d);
    assert_true(n > 0);
    ipv6_mcast_mac(mac, &d);
    size_t fl = eth6_frame_build(f, mac, MAC_GW, &s, &d, IP_PROTO_ICMPV6, 255, l4, n);
    assert_int_equal(synack_input(st, 0, f, fl), 0);
    cap.n = 0;
}

/* A static route beats the advertised default router for its prefix, the router keeps
 * the rest, and an advertised on-link prefix longer than the route keeps its own. */
static void test_static_route_and_ra_v6(void **state)
{
    (void)state;
    synack_stack *st = new_stack(SYNACK_LINK_ETHERNET, NULL);
    router_advertises(st);
    learn6(st, R1_6, MAC_R1);
    static const uint8_t p48[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
    set6(st, p48, 48, R1_6);
    static const uint8_t other[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 5, [15] = 9};
    static const uint8_t in_ra[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 4, [15] = 9};
    connect6(st, FAR6);
    connect6(st, other);
    connect6(st, in_ra);
    assert_int_equal(cap.n, 3);
    assert_ip6_to(0, MAC_R1, FAR6, IP_PROTO_TCP);
    assert_ip6_to(1, MAC_GW, other, IP_PROTO_TCP);
    assert_ns_for(2, in_ra);
    synack_stack_free(st);
}

/* Neighbor Unreachability Detection finds no fe80::1 (RFC 4861 7.2.2): the connection
 * through it fails as one through a default router does. */
static void test_unreachable_gateway_v6(void **state)
{
    (void)state;
    synack_stack *st = new_stack(SYNACK_LINK_ETHERNET, GW6);
    static const uint8_t p48[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
    set6(st, p48, 48, R1_6);
    int s = -1;
    assert_int_equal(eth6_connect_sock(st, FAR6, &s), -EINPROGRESS);
    for (uint64_t t = 100000; t < 3 * S; t += 100000)
        assert_int_equal(synack_poll(st, t), 0);
    assert_int_equal(cap.n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_ns_for(i, R1_6);
    assert_int_equal(synack_poll(st, 3 * S), 0);
    int err = 0;
    synack_socklen_t el = sizeof(err);
    assert_int_equal(synack_getsockopt(st, s, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &el), 0);
    assert_int_equal(err, EHOSTUNREACH);
    synack_stack_free(st);
}

static void test_every_protocol_v6(void **state)
{
    (void)state;
    synack_stack *st = new_stack(SYNACK_LINK_ETHERNET, GW6);
    learn6(st, R1_6, MAC_R1);
    learn6(st, GW6, MAC_GW);
    static const uint8_t p48[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
    set6(st, p48, 48, R1_6);
    connect6(st, FAR6);
    struct synack_sockaddr_in6 to;
    memset(&to, 0, sizeof(to));
    to.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&to.sin6_port, 53);
    memcpy(to.sin6_addr.s6_bytes, FAR6, 16);
    int u = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    assert_true(u >= 0);
    assert_int_equal(synack_sendto(st, u, "q", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    int p = synack_socket_proto(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM, SYNACK_IPPROTO_ICMPV6);
    assert_true(p >= 0);
    uint8_t echo[8] = {ICMP6_ECHO_REQUEST, 0, 0, 0, 0, 0, 0, 1};
    assert_int_equal(synack_sendto(st, p, echo, 8, 0, (struct sockaddr *)&to, sizeof(to)), 8);
    /* 2001:db8:1::5 pings us through the router */
    ipv6_addr far = eth6_addr(FAR6), us = eth6_addr(US6);
    icmp6_msg m = {
        .type = ICMP6_ECHO_REQUEST, .rest = 0x00070001u, .payload = echo, .payload_len = 8};
    uint8_t l4[64], f[200];
    size_t n = icmp6_emit(l4, sizeof(l4), &m, &far, &us);
    size_t fl = eth6_frame_build(f, MAC_US, MAC_R1, &far, &us, IP_PROTO_ICMPV6, 63, l4, n);
    assert_int_equal(synack_input(st, 1000, f, fl), 0);
    assert_int_equal(cap.n, 4);
    assert_ip6_to(0, MAC_R1, FAR6, IP_PROTO_TCP);
    assert_ip6_to(1, MAC_R1, FAR6, IP_PROTO_UDP);
    assert_ip6_to(2, MAC_R1, FAR6, IP_PROTO_ICMPV6);
    assert_int_equal(cap.f[2].b[ETH_HDR_LEN + IPV6_HDR_LEN], ICMP6_ECHO_REQUEST);
    assert_ip6_to(3, MAC_R1, FAR6, IP_PROTO_ICMPV6);
    assert_int_equal(cap.f[3].b[ETH_HDR_LEN + IPV6_HDR_LEN], ICMP6_ECHO_REPLY);
    synack_stack_free(st);
}

static int try6(synack_stack *st, const uint8_t *gw, uint8_t flags)
{
    static const uint8_t p48[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
    synack_route6 r = {.prefix_len = 48, .flags = flags};
    memcpy(r.dst, p48, 16);
    memcpy(r.gateway, gw, 16);
    return synack_route6_set(st, &r);
}

static void test_validation_v6(void **state)
{
    (void)state;
    synack_stack *st = new_stack(SYNACK_LINK_ETHERNET, NULL);
    static const uint8_t off[16] = {0x20, 0x01, 0x0d, 0xb9, [15] = 1};
    static const uint8_t in_prefix[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0xfe};
    static const uint8_t mcast[16] = {0xff, 0x02, [15] = 1};
    static const uint8_t loop[16] = {[15] = 1};
    static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 1};
    static const uint8_t zero[16];
    ipv6_addr ll;
    ipv6_addr_link_local_eui64(&ll, MAC_US);
    /* as `ip -6 route add 2001:db8:1::/48 via G` answers on a 2001:db8::2/64 link */
    assert_int_equal(try6(st, off, 0), -EHOSTUNREACH);
    assert_int_equal(try6(st, loop, 0), -EHOSTUNREACH);
    assert_int_equal(try6(st, mapped, 0), -EHOSTUNREACH);
    assert_int_equal(try6(st, mcast, 0), -EINVAL);
    assert_int_equal(try6(st, US6, 0), -EINVAL);  /* ourselves */
    assert_int_equal(try6(st, ll.b, 0), -EINVAL); /* our link-local address */
    assert_int_equal(try6(st, R1_6, SYNACK_ROUTE_ON_LINK), -EINVAL);
    synack_route6 got;
    assert_int_equal(synack_route6_lookup(st, FAR6, &got), -ENOENT);
    assert_int_equal(try6(st, in_prefix, 0), 0);
    assert_int_equal(try6(st, R1_6, 0), 0);
    assert_int_equal(try6(st, zero, SYNACK_ROUTE_ON_LINK), 0);
    assert_int_equal(synack_route6_lookup(st, FAR6, &got), 0);
    assert_memory_equal(got.gateway, zero, 16);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arp_for_route_gateway),
        cmocka_unit_test(test_longest_match_v4),
        cmocka_unit_test(test_connected_prefix_and_on_link_v4),
        cmocka_unit_test(test_metrics_only_and_delete_v4),
        cmocka_unit_test(test_every_protocol_v4),
        cmocka_unit_test(test_link_ip_ignores_gateway),
        cmocka_unit_test(test_validation_v4),
        cmocka_unit_test(test_ns_for_link_local_gateway),
        cmocka_unit_test(test_longest_match_and_delete_v6),
        cmocka_unit_test(test_static_route_and_ra_v6),
        cmocka_unit_test(test_unreachable_gateway_v6),
        cmocka_unit_test(test_every_protocol_v6),
        cmocka_unit_test(test_validation_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
