/* SPDX-License-Identifier: MIT */
/* Router Advertisements (src/stack/router.c, RFC 4861 6.3.4) and SLAAC (RFC 4862 5.5) on
 * an Ethernet netif (MAC 02:00:00:00:00:02, link-local fe80::ff:fe00:2): a router's RA makes
 * it the default router an off-link SYN goes to, until its lifetime ends; an on-link
 * prefix is resolved directly; bogus RAs and prefixes are dropped and counted; with
 * cfg.slaac an autonomous /64 forms the global address through DAD, and its valid
 * lifetime removes it; Redirects are validated and ignored. The router fe80::1 at
 * 02:00:00:00:00:01 is played by the test. */
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
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_RTR[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const uint8_t RTR_LL[16] = {0xfe, 0x80, [15] = 1};
static const uint8_t FAR6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 9}; /* 2001:db8:1::9 */
static const uint8_t ALL_NODES[16] = {0xff, 0x02, [15] = 1};
static const uint64_t S = 1000000u;

static eth6_cap cap;

static synack_stack *new_stack(const uint8_t *addr6, uint8_t slaac, uint8_t dad)
{
    synack_config c;
    synack_config_default(&c);
    assert_int_equal(c.slaac, 0); /* static configuration by default */
    eth6_config(&c, &cap, MAC_US, addr6);
    c.dad_transmits = dad;
    c.mld_reports = 0;
    c.slaac = slaac;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(synack_poll(st, 0), 0);
    return st;
}

/* A prefix information option (RFC 4861 4.6.2) at b: 32 bytes. */
static void prefix_opt(uint8_t *b, const uint8_t *prefix, uint8_t len, uint8_t flags,
                       uint32_t valid, uint32_t preferred)
{
    memset(b, 0, 32);
    b[0] = ND_OPT_PREFIX;
    b[1] = 4;
    b[2] = len;
    b[3] = flags;
    wr32(b + 4, valid);
    wr32(b + 8, preferred);
    memcpy(b + 16, prefix, 16);
}

/* An RA from src (hop limit hop) with Cur Hop Limit cur, router lifetime life, its SLLA,
 * and opts. */
static void ra_cur(synack_stack *st, uint64_t now, const uint8_t *src, uint8_t hop, uint8_t cur,
                   uint16_t life, const uint8_t *opts, size_t optlen)
{
    uint8_t pay[8 + 8 + 64];
    memset(pay, 0, 8); /* Reachable Time, Retrans Timer: unspecified */
    pay[8] = ND_OPT_SLLA;
    pay[9] = 1;
    memcpy(pay + 10, MAC_RTR, 6);
    if (optlen)
        memcpy(pay + 16, opts, optlen);
    ipv6_addr s, d;
    memcpy(s.b, src, 16);
    memcpy(d.b, ALL_NODES, 16);
    icmp6_msg m = {.type = ICMP6_ND_RA,
                   .rest = ((uint32_t)cur << 24) | life,
                   .payload = pay,
                   .payload_len = 16 + optlen};
    uint8_t f[300];
    size_t n = icmp6_emit(f + 54, sizeof(f) - 54, &m, &s, &d);
    assert_true(n > 0);
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV6};
    ipv6_mcast_mac(eh.dst, &d);
    memcpy(eh.src, MAC_RTR, 6);
    eth_emit(f, 14, &eh);
    ipv6_hdr h = {.next = IP_PROTO_ICMPV6, .hop_limit = hop, .src = s, .dst = d};
    ipv6_emit(f + 14, 40, &h, n);
    synack_input(st, now, f, 54 + n);
}

static void ra(synack_stack *st, uint64_t now, const uint8_t *src, uint8_t hop, uint16_t life,
               const uint8_t *opts, size_t optlen)
{
    ra_cur(st, now, src, hop, 64, life, opts, optlen);
}

static void test_default_router_from_ra(void **state)
{
    (void)state;
    synack_stack *st = new_stack(US6, 0, 0);
    /* no gateway6, no router: the SYN has no route (connect() itself goes on, as IPv4's) */
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_int_equal(cap.n, 0);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6OutNoRoutes), 1);

    /* bogus: from a global address, or a hop limit below 255 (6.1.2): dropped, counted */
    ra(st, S, US6, 255, 1800, NULL, 0);
    ra(st, S, RTR_LL, 64, 1800, NULL, 0);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InErrors), 2);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InRouterAdvertisements), 0);
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6OutNoRoutes), 2);

    /* fe80::1 advertises itself for 1800 s: the off-link SYN goes to its MAC (known from
     * the RA's source link-layer address option) */
    ra(st, 2 * S, RTR_LL, 255, 1800, NULL, 0);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InRouterAdvertisements), 1);
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_int_equal(cap.n, 1);
    const uint8_t *b = cap.f[0].b;
    assert_memory_equal(b, MAC_RTR, 6);
    assert_memory_equal(b + 6, MAC_US, 6);
    assert_int_equal(b[14 + 6], IP_PROTO_TCP);
    assert_memory_equal(b + 14 + 8, US6, 16);
    assert_memory_equal(b + 14 + 24, FAR6, 16);
    assert_int_equal(b[14 + 40 + 13], 0x02); /* SYN */

    /* its lifetime over, no router: unreachable again */
    assert_int_equal(synack_poll(st, 1803 * S), 0);
    uint64_t noroutes = synack_counter_get(st, SYNACK_CTR_Ip6OutNoRoutes);
    size_t before = cap.n;
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_int_equal(cap.n, before);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6OutNoRoutes), noroutes + 1);
    ra(st, 1804 * S, RTR_LL, 255, 600, NULL, 0);
    ra(st, 1805 * S, RTR_LL, 255, 0, NULL, 0); /* lifetime 0: no longer a default router */
    before = cap.n;
    noroutes = synack_counter_get(st, SYNACK_CTR_Ip6OutNoRoutes);
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_int_equal(cap.n, before);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6OutNoRoutes), noroutes + 1);
    synack_stack_free(st);
}

static void test_on_link_prefix(void **state)
{
    (void)state;
    synack_stack *st = new_stack(US6, 0, 0);
    const uint8_t pfx[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 5};
    const uint8_t near6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 5, [15] = 7};
    uint8_t o[32];
    prefix_opt(o, pfx, 64, ND_PREFIX_ONLINK, 3600, 1800);
    ra(st, S, RTR_LL, 255, 1800, o, 32);
    /* 2001:db8:5::7 is on link: resolved itself (a multicast NS), not sent to the router */
    assert_int_equal(eth6_connect(st, near6), -EINPROGRESS);
    assert_int_equal(cap.n, 1);
    const uint8_t sn_mac[6] = {0x33, 0x33, 0xff, 0, 0, 7};
    assert_memory_equal(cap.f[0].b, sn_mac, 6);
    assert_int_equal(cap.f[0].b[14 + 40], ICMP6_ND_NS);
    /* the link-local prefix is never taken (6.3.4) */
    const uint8_t ll_pfx[16] = {0xfe, 0x80};
    prefix_opt(o, ll_pfx, 64, ND_PREFIX_ONLINK | ND_PREFIX_AUTO, 3600, 1800);
    ra(st, 2 * S, RTR_LL, 255, 1800, o, 32);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InRaPrefixIgnored), 1);
    synack_stack_free(st);
}

static void test_slaac(void **state)
{
    (void)state;
    synack_stack *st = new_stack(NULL, 1, 1);
    const uint8_t pfx[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 7};
    const uint8_t formed[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 7, [11] = 0xff, [12] = 0xfe, [15] = 2};
    const uint8_t far_pfx[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 8};
    uint8_t o[4 * 32];
    /* unusable for SLAAC: /48, preferred above valid; counted, no address */
    prefix_opt(o, far_pfx, 48, ND_PREFIX_AUTO, 3600, 1800);
    prefix_opt(o + 32, far_pfx, 64, ND_PREFIX_AUTO, 1800, 3600);
    ra(st, 2 * S, RTR_LL, 255, 1800, o, 64);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InRaPrefixIgnored), 2);
    assert_int_equal(synack_addr6_state(st, formed), -EADDRNOTAVAIL);

    /* 2001:db8:7::/64, on link and autonomous: 2001:db8:7::ff:fe00:2, tentative */
    prefix_opt(o, pfx, 64, ND_PREFIX_ONLINK | ND_PREFIX_AUTO, 7200, 3600);
    size_t before = cap.n;
    ra(st, 3 * S, RTR_LL, 255, 1800, o, 32);
    assert_int_equal(synack_addr6_state(st, formed), SYNACK_ADDR6_TENTATIVE);
    assert_int_equal(eth6_connect(st, FAR6), -EADDRNOTAVAIL);
    /* its DAD probe at the next poll */
    assert_int_equal(synack_poll(st, 3 * S), 0);
    assert_int_equal(cap.n, before + 1);
    ipv6_addr t, sn, unspec;
    memcpy(t.b, formed, 16);
    memset(&unspec, 0, sizeof(unspec));
    ipv6_addr_solicited_node(&sn, &t);
    uint8_t l4[64];
    size_t n = nd_ns_emit(l4, sizeof(l4), &t, NULL, &unspec, &sn);
    assert_int_equal(cap.f[before].len, 54 + n);
    assert_memory_equal(cap.f[before].b + 54, l4, n);
    assert_int_equal(synack_poll(st, 4 * S), 0);
    assert_int_equal(synack_addr6_state(st, formed), SYNACK_ADDR6_PREFERRED);
    /* used: an off-link SYN from it through the router */
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_memory_equal(cap.f[cap.n - 1].b, MAC_RTR, 6);
    assert_memory_equal(cap.f[cap.n - 1].b + 14 + 8, formed, 16);

    /* preferred lifetime over: deprecated, still there */
    assert_int_equal(synack_poll(st, 3604 * S), 0);
    assert_int_equal(synack_addr6_state(st, formed), SYNACK_ADDR6_DEPRECATED);
    /* 5.5.3 e): a short valid lifetime cannot cut more than two hours left... */
    prefix_opt(o, pfx, 64, ND_PREFIX_ONLINK | ND_PREFIX_AUTO, 10, 5);
    ra(st, 3605 * S, RTR_LL, 255, 1800, o, 32);
    assert_int_equal(synack_poll(st, 3700 * S), 0);
    assert_int_equal(synack_addr6_state(st, formed), SYNACK_ADDR6_DEPRECATED);
    /* ...and the valid lifetime's end removes the address (7200 s after 3 s) */
    assert_int_equal(synack_next_deadline(st) <= 7203 * S, 1);
    assert_int_equal(synack_poll(st, 7203 * S), 0);
    assert_int_equal(synack_addr6_state(st, formed), -EADDRNOTAVAIL);
    synack_stack_free(st);
}

static void test_redirect_ignored(void **state)
{
    (void)state;
    synack_stack *st = new_stack(US6, 0, 0);
    ra(st, S, RTR_LL, 255, 1800, NULL, 0);
    /* from the router: FAR6 is better reached through fe80::2 */
    uint8_t pay[32];
    const uint8_t better[16] = {0xfe, 0x80, [15] = 2};
    memcpy(pay, better, 16);
    memcpy(pay + 16, FAR6, 16);
    ipv6_addr s, d;
    memcpy(s.b, RTR_LL, 16);
    memcpy(d.b, US6, 16);
    icmp6_msg m = {.type = ICMP6_ND_REDIRECT, .payload = pay, .payload_len = 32};
    uint8_t f[200];
    size_t n = icmp6_emit(f + 54, sizeof(f) - 54, &m, &s, &d);
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV6};
    memcpy(eh.dst, MAC_US, 6);
    memcpy(eh.src, MAC_RTR, 6);
    eth_emit(f, 14, &eh);
    ipv6_hdr h = {.next = IP_PROTO_ICMPV6, .hop_limit = 255, .src = s, .dst = d};
    ipv6_emit(f + 14, 40, &h, n);
    synack_input(st, 2 * S, f, 54 + n);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InRedirects), 1);
    /* still through the advertising router */
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_memory_equal(cap.f[cap.n - 1].b, MAC_RTR, 6);
    synack_stack_free(st);
}

/* With cfg.dad_delay, an address an RA formed is probed after a random 0..1 s (RFC 4862
 * 5.4.2: the RA went to all-nodes, so every host it reached starts DAD at once). */
static void test_slaac_dad_delay(void **state)
{
    (void)state;
    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, NULL);
    c.mld_reports = 0;
    c.dad_transmits = 0; /* the link-local address: in use at once */
    c.slaac = 1;
    c.router_solicits = 0;
    c.dad_delay = 1;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(cap.n, 0);
    synack_stack_free(st);
    c.dad_transmits = 1;
    st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(synack_poll(st, 0), 0);
    uint64_t t0 = synack_next_deadline(st);
    assert_true(t0 > 0 && t0 <= S);
    assert_int_equal(synack_poll(st, t0), 0);
    assert_int_equal(synack_poll(st, t0 + S), 0); /* the link-local address in use */
    assert_int_equal(cap.n, 1);

    const uint8_t pfx[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 7};
    const uint8_t formed[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 7, [11] = 0xff, [12] = 0xfe, [15] = 2};
    uint8_t o[32];
    prefix_opt(o, pfx, 64, ND_PREFIX_ONLINK | ND_PREFIX_AUTO, 7200, 3600);
    ra(st, 3 * S, RTR_LL, 255, 1800, o, 32);
    assert_int_equal(synack_addr6_state(st, formed), SYNACK_ADDR6_TENTATIVE);
    assert_int_equal(synack_poll(st, 3 * S), 0);
    uint64_t t = synack_next_deadline(st);
    assert_true(t > 3 * S && t <= 4 * S);
    assert_int_equal(cap.n, 1);
    assert_int_equal(synack_poll(st, t - 1), 0);
    assert_int_equal(cap.n, 1);
    assert_int_equal(synack_poll(st, t), 0);
    assert_int_equal(cap.n, 2);
    assert_int_equal(cap.f[1].b[14 + 40], ICMP6_ND_NS);
    assert_memory_equal(cap.f[1].b + 14 + 40 + 8, formed, 16);
    assert_int_equal(synack_poll(st, t + S), 0);
    assert_int_equal(synack_addr6_state(st, formed), SYNACK_ADDR6_PREFERRED);
    synack_stack_free(st);
}

/* An NA from fe80::1 for itself (unsolicited, override, with its TLLA) with flags. */
static void router_na(synack_stack *st, uint64_t now, uint8_t flags)
{
    ipv6_addr r = eth6_addr(RTR_LL), all = eth6_addr(ALL_NODES);
    const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    uint8_t l4[64], f[200];
    size_t n = nd_na_emit(l4, sizeof(l4), flags, &r, MAC_RTR, &r, &all);
    size_t fl = eth6_frame_build(f, all_mac, MAC_RTR, &r, &all, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, now, f, fl);
}

/* 6.3.4: the RA's sender is a router in the neighbor cache; an NA from it without the
 * Router flag then takes it off the Default Router List (7.2.5). */
static void test_na_ends_router(void **state)
{
    (void)state;
    synack_stack *st = new_stack(US6, 0, 0);
    ra(st, S, RTR_LL, 255, 1800, NULL, 0);
    router_na(st, 2 * S, ND_NA_OVERRIDE | ND_NA_ROUTER); /* still a router */
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_int_equal(cap.n, 1);
    assert_memory_equal(cap.f[0].b, MAC_RTR, 6);
    router_na(st, 3 * S, ND_NA_OVERRIDE);
    uint64_t noroutes = synack_counter_get(st, SYNACK_CTR_Ip6OutNoRoutes);
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6OutNoRoutes), noroutes + 1);
    assert_int_equal(cap.n, 1);
    synack_stack_free(st);
}

/* 6.3.4: a Retrans Timer paces the neighbor cache's solicitations (2 s here, not the
 * default 1 s); one above an hour is not taken. */
static void test_retrans_timer(void **state)
{
    (void)state;
    synack_stack *st = new_stack(US6, 0, 0);
    uint8_t pay[16] = {[8] = ND_OPT_SLLA, [9] = 1};
    memcpy(pay + 10, MAC_RTR, 6);
    wr32(pay + 4, 2000);
    ipv6_addr s = eth6_addr(RTR_LL), d = eth6_addr(ALL_NODES);
    icmp6_msg m = {
        .type = ICMP6_ND_RA, .rest = (64u << 24) | 1800, .payload = pay, .payload_len = 16};
    uint8_t l4[64], f[200];
    size_t n = icmp6_emit(l4, sizeof(l4), &m, &s, &d);
    const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    size_t fl = eth6_frame_build(f, all_mac, MAC_RTR, &s, &d, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, S, f, fl);
    const uint8_t near6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 7};
    assert_int_equal(eth6_connect(st, near6), -EINPROGRESS);
    assert_int_equal(cap.n, 1);
    assert_int_equal(cap.f[0].b[14 + 40], ICMP6_ND_NS);
    assert_int_equal(synack_poll(st, 2 * S), 0);
    assert_int_equal(cap.n, 1);
    assert_int_equal(synack_poll(st, 3 * S), 0);
    assert_int_equal(cap.n, 2);
    assert_int_equal(cap.f[1].b[14 + 40], ICMP6_ND_NS);
    /* 3600001 ms: ignored, still 2 s */
    wr32(pay + 4, 3600001);
    n = icmp6_emit(l4, sizeof(l4), &m, &s, &d);
    fl = eth6_frame_build(f, all_mac, MAC_RTR, &s, &d, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, 3 * S, f, fl);
    assert_int_equal(synack_poll(st, 4 * S), 0);
    assert_int_equal(cap.n, 2);
    assert_int_equal(synack_poll(st, 5 * S), 0);
    assert_int_equal(cap.n, 3);
    synack_stack_free(st);
}

/* The MSS option of the SYN in frame f (0: none). */
static uint16_t syn_mss(const eth6_frame *f)
{
    const uint8_t *t = f->b + 14 + 40;
    size_t end = (size_t)(t[12] >> 4) * 4;
    for (size_t i = 20; i + 1 < end;) {
        if (t[i] == 0)
            break;
        if (t[i] == 1) {
            i++;
            continue;
        }
        if (t[i] == 2 && t[i + 1] == 4)
            return rd16(t + i + 2);
        i += t[i + 1] ? t[i + 1] : 1;
    }
    return 0;
}

/* An MTU option (RFC 4861 4.6.4) at b: 8 bytes. */
static void mtu_opt(uint8_t *b, uint32_t mtu)
{
    memset(b, 0, 8);
    b[0] = ND_OPT_MTU;
    b[1] = 1;
    wr32(b + 4, mtu);
}

/* 6.3.4: Cur Hop Limit becomes the hop limit of what we send (0 leaves it); the MTU option
 * the link's MTU for IPv6, so TCP's MSS, when 1280..the netif's 1500, else ignored and
 * counted. */
static void test_hop_limit_and_mtu(void **state)
{
    (void)state;
    synack_stack *st = new_stack(US6, 0, 0);
    ra(st, S, RTR_LL, 255, 1800, NULL, 0);
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_int_equal(cap.f[cap.n - 1].b[14 + 7], 64); /* Linux's default */
    assert_int_equal(syn_mss(&cap.f[cap.n - 1]), 1440);

    uint8_t o[8];
    mtu_opt(o, 1400);
    ra_cur(st, 2 * S, RTR_LL, 255, 200, 1800, o, 8);
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_int_equal(cap.f[cap.n - 1].b[14 + 7], 200);
    assert_int_equal(syn_mss(&cap.f[cap.n - 1]), 1400 - 60);

    /* unspecified (0): unchanged; below IPv6's minimum or above the link's: ignored */
    mtu_opt(o, 1279);
    ra_cur(st, 3 * S, RTR_LL, 255, 0, 1800, o, 8);
    mtu_opt(o, 1501);
    ra_cur(st, 4 * S, RTR_LL, 255, 0, 1800, o, 8);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InRaMtuIgnored), 2);
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_int_equal(cap.f[cap.n - 1].b[14 + 7], 200);
    assert_int_equal(syn_mss(&cap.f[cap.n - 1]), 1400 - 60);

    /* the bounds themselves are taken */
    mtu_opt(o, 1280);
    ra(st, 5 * S, RTR_LL, 255, 1800, o, 8);
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_int_equal(cap.f[cap.n - 1].b[14 + 7], 64);
    assert_int_equal(syn_mss(&cap.f[cap.n - 1]), 1280 - 60);
    mtu_opt(o, 1500);
    ra(st, 6 * S, RTR_LL, 255, 1800, o, 8);
    assert_int_equal(eth6_connect(st, FAR6), -EINPROGRESS);
    assert_int_equal(syn_mss(&cap.f[cap.n - 1]), 1440);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InRaMtuIgnored), 2);
    synack_stack_free(st);
}

static int hops_get(synack_stack *st, int s)
{
    int v = -2;
    synack_socklen_t len = sizeof(v);
    assert_int_equal(
        synack_getsockopt(st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_UNICAST_HOPS, &v, &len), 0);
    assert_int_equal(len, sizeof(int));
    return v;
}

static int hops_set(synack_stack *st, int s, int v)
{
    return synack_setsockopt(st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_UNICAST_HOPS, &v, sizeof(v));
}

/* A TCP socket's SYN to FAR6 through the router; the socket, the SYN's hop limit in *hop. */
static int syn_hop(synack_stack *st, int hops, uint8_t *hop)
{
    int s = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_true(s >= 0);
    if (hops != -1)
        assert_int_equal(hops_set(st, s, hops), 0);
    struct synack_sockaddr_in6 to;
    memset(&to, 0, sizeof(to));
    to.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&to.sin6_port, 80);
    memcpy(to.sin6_addr.s6_bytes, FAR6, 16);
    size_t mark = cap.n;
    assert_int_equal(synack_connect(st, s, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    assert_int_equal(cap.n, mark + 1);
    assert_int_equal(cap.f[mark].b[14 + 6], IP_PROTO_TCP);
    *hop = cap.f[mark].b[14 + 7];
    return s;
}

/* IPV6_UNICAST_HOPS: Linux's range (0..255, -1 the default) and errnos; read back as the
 * hop limit in force (the RA's Cur Hop Limit, else 64); the hop limit byte of TCP segments
 * and UDP datagrams. */
static void test_unicast_hops_option(void **state)
{
    (void)state;
    synack_stack *st = new_stack(US6, 0, 0);
    ra(st, S, RTR_LL, 255, 1800, NULL, 0);
    uint8_t hop = 0;
    int s = syn_hop(st, -1, &hop);
    assert_int_equal(hop, 64);
    assert_int_equal(hops_get(st, s), 64);
    synack_close(st, s);
    s = syn_hop(st, 7, &hop);
    assert_int_equal(hop, 7);
    assert_int_equal(hops_get(st, s), 7);
    /* a segment after the SYN: its retransmission keeps it */
    size_t mark = cap.n;
    uint64_t d = synack_next_deadline(st);
    assert_true(d != UINT64_MAX);
    assert_int_equal(synack_poll(st, d), 0);
    assert_true(cap.n > mark);
    assert_int_equal(cap.f[cap.n - 1].b[14 + 6], IP_PROTO_TCP);
    assert_int_equal(cap.f[cap.n - 1].b[14 + 7], 7);
    synack_close(st, s);
    s = syn_hop(st, 0, &hop); /* 0 is a hop limit, not the default */
    assert_int_equal(hop, 0);
    synack_close(st, s);

    /* the RA's Cur Hop Limit is the default, and what -1 reads back */
    ra_cur(st, 2 * S, RTR_LL, 255, 200, 1800, NULL, 0);
    s = syn_hop(st, -1, &hop);
    assert_int_equal(hop, 200);
    assert_int_equal(hops_get(st, s), 200);
    assert_int_equal(hops_set(st, s, 5), 0);
    assert_int_equal(hops_get(st, s), 5);
    assert_int_equal(hops_set(st, s, -1), 0);
    assert_int_equal(hops_get(st, s), 200);
    static const int bad[] = {256, -2, 1000};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(hops_set(st, s, bad[i]), -EINVAL);
    uint8_t byte = 5;
    assert_int_equal(
        synack_setsockopt(st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_UNICAST_HOPS, &byte, 1), -EINVAL);
    assert_int_equal(hops_get(st, s), 200);
    synack_close(st, s);
    /* not an IPv4 socket's */
    int s4 = synack_socket(st, SYNACK_SOCK_STREAM);
    assert_int_equal(hops_set(st, s4, 5), -ENOPROTOOPT);
    synack_close(st, s4);

    /* UDP over IPv6 */
    int u = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    assert_true(u >= 0);
    struct synack_sockaddr_in6 to;
    memset(&to, 0, sizeof(to));
    to.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&to.sin6_port, 53);
    memcpy(to.sin6_addr.s6_bytes, FAR6, 16);
    static const int want[] = {-1, 9};
    for (size_t i = 0; i < 2; i++) {
        if (want[i] != -1)
            assert_int_equal(hops_set(st, u, want[i]), 0);
        mark = cap.n;
        assert_int_equal(synack_sendto(st, u, "q", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
        assert_int_equal(cap.n, mark + 1);
        assert_int_equal(cap.f[mark].b[14 + 6], IP_PROTO_UDP);
        assert_int_equal(cap.f[mark].b[14 + 7], want[i] == -1 ? 200 : want[i]);
    }
    synack_close(st, u);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_router_from_ra),
        cmocka_unit_test(test_on_link_prefix),
        cmocka_unit_test(test_slaac),
        cmocka_unit_test(test_redirect_ignored),
        cmocka_unit_test(test_hop_limit_and_mtu),
        cmocka_unit_test(test_slaac_dad_delay),
        cmocka_unit_test(test_na_ends_router),
        cmocka_unit_test(test_retrans_timer),
        cmocka_unit_test(test_unicast_hops_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
