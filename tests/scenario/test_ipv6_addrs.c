/* SPDX-License-Identifier: MIT */
/* More than one IPv6 address per netif (src/stack/addr6_list.c): synack_addr6_add/del/list
 * and their errors; on Ethernet each added address runs DAD, joins its solicited-node group
 * (one MLD report naming every group; a group two addresses share is left only with the
 * last) and answers NS; over an IP link each one is a destination for TCP, a bind()
 * address, and a source chosen by RFC 6724 (addr6_select.c) for connect(); deprecated
 * addresses are kept for what uses them and not chosen for new connections; the valid
 * lifetime's end removes them; SLAAC forms one per autonomous prefix. Frames are compared
 * byte for byte with ones built here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/ipv6_eth_rig.h"
#include "support/ipv6_link_rig.h"
#include "support/segbuild.h"
#include "synack/synack.h"
#include "wire/bytes.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_PEER[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};   /* 2001:db8::2 */
static const uint8_t PEER6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}; /* 2001:db8::1 */
static const uint8_t LL6[16] = {0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 2};
static const uint8_t A2[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 5};   /* 2001:db8:1::5 */
static const uint8_t A3[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 6};   /* 2001:db8:1::6 */
static const uint8_t A4[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2};   /* shares ::2's group */
static const uint8_t FAR1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 9}; /* 2001:db8:1::9 */
static const uint8_t FAR0[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, [15] = 9}; /* 2001:db8::9 */
static const uint8_t SN_US[16] = {0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 2};
static const uint8_t SN_A2[16] = {0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 5};
static const uint8_t SN_A3[16] = {0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 6};
static const uint64_t S = 1000000u;
#define F SYNACK_ADDR6_FOREVER

static eth6_cap cap;

static synack_stack *eth_stack(uint8_t dad, uint8_t reports, uint8_t max, const uint8_t *addr6,
                               uint8_t slaac)
{
    synack_config c;
    synack_config_default(&c);
    assert_int_equal(c.addr6_max, 8);
    eth6_config(&c, &cap, MAC_US, addr6);
    c.dad_transmits = dad;
    c.mld_reports = reports;
    c.addr6_max = max;
    c.slaac = slaac;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    return st;
}

/* The MLDv2 report (RFC 3810 5.2) from src with records of type rt for g[0..n). */
static size_t want_report(uint8_t *w, const uint8_t *src, uint8_t rt, const uint8_t *const *g,
                          size_t n)
{
    static const uint8_t hdr[14] = {0x33, 0x33, 0, 0, 0, 0x16, 0x02, 0, 0, 0, 0, 0x02, 0x86, 0xdd};
    static const uint8_t all_rtr[16] = {0xff, 0x02, [15] = 0x16};
    memcpy(w, hdr, 14);
    uint8_t *ip = w + 14;
    size_t icmp_len = 8 + 20 * n;
    memset(ip, 0, 8);
    ip[0] = 0x60;
    wr16(ip + 4, (uint16_t)(8 + icmp_len));
    ip[7] = 1;
    memcpy(ip + 8, src, 16);
    memcpy(ip + 24, all_rtr, 16);
    static const uint8_t hbh[8] = {58, 0, 5, 2, 0, 0, 1, 0};
    memcpy(ip + 40, hbh, 8);
    uint8_t *m = ip + 48;
    memset(m, 0, 8);
    m[0] = 143;
    wr16(m + 6, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        uint8_t *r = m + 8 + 20 * i;
        r[0] = rt;
        r[1] = r[2] = r[3] = 0;
        memcpy(r + 4, g[i], 16);
    }
    wr16(m + 2, eth6_icmp_sum(src, all_rtr, m, icmp_len));
    return 14 + 48 + icmp_len;
}

static void assert_frame(size_t i, const uint8_t *w, size_t wl)
{
    assert_true(i < cap.n);
    assert_int_equal(cap.f[i].len, wl);
    assert_memory_equal(cap.f[i].b, w, wl);
}

/* cap.f[i] is the DAD probe for target (RFC 4862 5.4.2). */
static void assert_probe(size_t i, const uint8_t target[16], const uint8_t sn6[16])
{
    ipv6_addr t = eth6_addr(target), sn = eth6_addr(sn6), unspec;
    memset(&unspec, 0, sizeof(unspec));
    uint8_t l4[64], want[200], mac[6];
    size_t n = nd_ns_emit(l4, sizeof(l4), &t, NULL, &unspec, &sn);
    ipv6_mcast_mac(mac, &sn);
    size_t wl = eth6_frame_build(want, mac, MAC_US, &unspec, &sn, IP_PROTO_ICMPV6, 255, l4, n);
    assert_frame(i, want, wl);
}

/* An NS from the peer (unicast, with its MAC) for target, to target's group. */
static void peer_ns(synack_stack *st, uint64_t now, const uint8_t target[16], const uint8_t sn6[16])
{
    ipv6_addr t = eth6_addr(target), p = eth6_addr(PEER6), sn = eth6_addr(sn6);
    uint8_t l4[64], f[200], mac[6];
    size_t n = nd_ns_emit(l4, sizeof(l4), &t, MAC_PEER, &p, &sn);
    ipv6_mcast_mac(mac, &sn);
    size_t fl = eth6_frame_build(f, mac, MAC_PEER, &p, &sn, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, now, f, fl);
}

/* An NA from the peer claiming target (to all-nodes): what makes a tentative one a
 * duplicate (5.4.4). */
static void peer_na(synack_stack *st, uint64_t now, const uint8_t target[16])
{
    static const uint8_t all[16] = {0xff, 0x02, [15] = 1};
    ipv6_addr t = eth6_addr(target), p = eth6_addr(PEER6), d = eth6_addr(all);
    uint8_t l4[64], f[200], mac[6];
    size_t n = nd_na_emit(l4, sizeof(l4), ND_NA_OVERRIDE, &t, MAC_PEER, &p, &d);
    ipv6_mcast_mac(mac, &d);
    size_t fl = eth6_frame_build(f, mac, MAC_PEER, &p, &d, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, now, f, fl);
}

static int busy_rc;
static synack_stack *busy_st;
static int busy_output(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    (void)len;
    busy_rc = synack_addr6_add(busy_st, A3, 64, F, F);
    return 0;
}

static void test_add_del_list_errnos(void **state)
{
    (void)state;
    synack_stack *st = eth_stack(0, 0, 2, US6, 0);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(synack_addr6_add(st, A2, 64, F, F), 0);
    assert_int_equal(synack_addr6_state(st, A2), SYNACK_ADDR6_PREFERRED); /* no DAD asked */
    assert_int_equal(synack_addr6_add(st, A2, 64, F, F), -EEXIST);
    assert_int_equal(synack_addr6_add(st, US6, 64, F, F), -EEXIST);
    assert_int_equal(synack_addr6_add(st, LL6, 64, F, F), -EEXIST);
    assert_int_equal(synack_addr6_add(NULL, A3, 64, F, F), -EINVAL);
    assert_int_equal(synack_addr6_add(st, NULL, 64, F, F), -EINVAL);
    assert_int_equal(synack_addr6_add(st, A3, 129, F, F), -EINVAL);
    assert_int_equal(synack_addr6_add(st, A3, 64, 0, 0), -EINVAL);
    assert_int_equal(synack_addr6_add(st, A3, 64, 10, 11), -EINVAL);
    static const uint8_t mc[16] = {0xff, 0x02, [15] = 1}, unspec[16], lo[16] = {[15] = 1};
    static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 9};
    assert_int_equal(synack_addr6_add(st, mc, 64, F, F), -EINVAL);
    assert_int_equal(synack_addr6_add(st, unspec, 64, F, F), -EINVAL);
    assert_int_equal(synack_addr6_add(st, lo, 64, F, F), -EINVAL);
    assert_int_equal(synack_addr6_add(st, mapped, 64, F, F), -EINVAL);
    /* bounded: cfg.addr6_max 2, the third refused and counted */
    assert_int_equal(synack_addr6_add(st, A3, 64, 100, 50), 0);
    assert_int_equal(synack_addr6_add(st, A4, 64, F, F), -ENOSPC);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6AddrListFull), 1);

    synack_addr6_info l[5];
    assert_int_equal(synack_addr6_list(st, NULL, 0), 4);
    assert_int_equal(synack_addr6_list(st, NULL, 1), -EINVAL);
    assert_int_equal(synack_addr6_list(NULL, l, 5), -EINVAL);
    memset(l, 0xaa, sizeof(l));
    assert_int_equal(synack_addr6_list(st, l, 3), 4); /* three filled */
    assert_memory_equal(l[0].addr, LL6, 16);
    assert_int_equal(l[0].origin, SYNACK_ADDR6_LINK_LOCAL);
    assert_memory_equal(l[1].addr, US6, 16);
    assert_int_equal(l[1].origin, SYNACK_ADDR6_STATIC);
    assert_int_equal(l[1].prefix_len, 64);
    assert_memory_equal(l[2].addr, A2, 16);
    assert_int_equal(l[2].origin, SYNACK_ADDR6_ADDED);
    assert_int_equal(l[2].state, SYNACK_ADDR6_PREFERRED);
    assert_int_equal(l[2].valid_until, UINT64_MAX);
    assert_int_equal(l[3].prefix_len, 0xaa);

    assert_int_equal(synack_addr6_del(st, US6), -EPERM);
    assert_int_equal(synack_addr6_del(st, LL6), -EPERM);
    assert_int_equal(synack_addr6_del(st, A4), -EADDRNOTAVAIL);
    assert_int_equal(synack_addr6_del(NULL, A2), -EINVAL);
    assert_int_equal(synack_addr6_del(st, NULL), -EINVAL);
    assert_int_equal(synack_addr6_del(st, A2), 0);
    assert_int_equal(synack_addr6_state(st, A2), -EADDRNOTAVAIL);
    /* the free slot takes another; the list keeps the order they came in */
    assert_int_equal(synack_addr6_add(st, A4, 48, F, F), 0);
    assert_int_equal(synack_addr6_list(st, l, 5), 4);
    assert_memory_equal(l[2].addr, A3, 16);
    assert_int_equal(l[2].valid_until, 100 * S);
    assert_int_equal(l[2].preferred_until, 50 * S);
    assert_memory_equal(l[3].addr, A4, 16);
    assert_int_equal(l[3].prefix_len, 48);
    synack_stack_free(st);

    /* no IPv6 on the netif */
    st = eth_stack(0, 0, 2, NULL, 0);
    assert_int_equal(synack_addr6_add(st, A2, 64, F, F), -EAFNOSUPPORT);
    assert_int_equal(synack_addr6_list(st, NULL, 0), 0);
    synack_stack_free(st);

    /* the bound is checked */
    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, US6);
    c.addr6_max = 33;
    const char *field = NULL;
    synack_stack *bad = NULL;
    assert_int_equal(synack_stack_create(&c, &bad, &field), -EINVAL);
    assert_string_equal(field, "addr6_max");

    /* not from a callback */
    c.addr6_max = 8;
    c.dad_transmits = 1;
    c.mld_reports = 0;
    c.netif.output = busy_output;
    busy_st = synack_stack_new(&c);
    assert_non_null(busy_st);
    busy_rc = 0;
    assert_int_equal(synack_poll(busy_st, 0), 0); /* the DAD probes call busy_output */
    assert_int_equal(busy_rc, -EBUSY);
    synack_stack_free(busy_st);
}

static void test_dad_mld_ns_per_address(void **state)
{
    (void)state;
    synack_stack *st = eth_stack(1, 1, 8, US6, 0);
    uint8_t w[400];
    const uint8_t *g[3] = {SN_US, SN_A2, SN_A3};
    /* start-up: one group (::2 and fe80::ff:fe00:2 share it), two probes */
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(cap.n, 3);
    assert_int_equal(synack_poll(st, S), 0);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_PREFERRED);

    /* an added address: tentative, its group joined (one report naming both groups, from
     * the link-local address now in use) before its probe */
    assert_int_equal(synack_addr6_add(st, A2, 64, F, F), 0);
    assert_int_equal(synack_addr6_state(st, A2), SYNACK_ADDR6_TENTATIVE);
    assert_int_equal(synack_next_deadline(st), S);
    assert_int_equal(synack_poll(st, 2 * S), 0);
    assert_int_equal(cap.n, 5);
    size_t wl = want_report(w, LL6, 4 /* CHANGE_TO_EXCLUDE */, g, 2);
    assert_frame(3, w, wl);
    assert_probe(4, A2, SN_A2);
    /* not a destination yet: resolving it is not answered (5.4.3) */
    peer_ns(st, 2 * S + 10, A2, SN_A2);
    assert_int_equal(cap.n, 5);
    int b = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 me = ip6_sin6(A2, 80);
    assert_int_equal(synack_bind(st, b, (struct sockaddr *)&me, sizeof(me)), -EADDRNOTAVAIL);
    assert_int_equal(synack_poll(st, 3 * S), 0);
    assert_int_equal(synack_addr6_state(st, A2), SYNACK_ADDR6_PREFERRED);
    assert_int_equal(synack_bind(st, b, (struct sockaddr *)&me, sizeof(me)), 0);

    /* in use: an NS for it is answered, solicited, from it, with our MAC (RFC 4861 7.2.4) */
    peer_ns(st, 3 * S + 10, A2, SN_A2);
    assert_int_equal(cap.n, 6);
    {
        ipv6_addr t = eth6_addr(A2), p = eth6_addr(PEER6);
        uint8_t l4[64];
        size_t n = nd_na_emit(l4, sizeof(l4), ND_NA_OVERRIDE | ND_NA_SOLICITED, &t, MAC_US, &t, &p);
        wl = eth6_frame_build(w, MAC_PEER, MAC_US, &t, &p, IP_PROTO_ICMPV6, 255, l4, n);
        assert_frame(5, w, wl);
    }

    /* a third: another node holds it (an NA during DAD): a duplicate, counted, its group
     * left (TO_INCLUDE {}), never used */
    assert_int_equal(synack_addr6_add(st, A3, 64, F, F), 0);
    assert_int_equal(synack_poll(st, 4 * S), 0);
    assert_int_equal(cap.n, 8);
    wl = want_report(w, LL6, 4, g, 3);
    assert_frame(6, w, wl);
    assert_probe(7, A3, SN_A3);
    peer_na(st, 4 * S + 10, A3);
    assert_int_equal(synack_addr6_state(st, A3), SYNACK_ADDR6_DUPLICATE);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6DadFailed), 1);
    assert_int_equal(synack_poll(st, 4 * S + 20), 0);
    assert_int_equal(cap.n, 9);
    wl = want_report(w, LL6, 3 /* CHANGE_TO_INCLUDE */, &g[2], 1);
    assert_frame(8, w, wl);
    peer_ns(st, 4 * S + 30, A3, SN_A3);
    assert_int_equal(cap.n, 9);
    assert_int_equal(synack_poll(st, 10 * S), 0);
    assert_int_equal(cap.n, 9);
    assert_int_equal(synack_addr6_del(st, A3), 0); /* gone: no leave, it was left */
    assert_int_equal(synack_poll(st, 11 * S), 0);
    assert_int_equal(cap.n, 9);

    /* a group two addresses share: joined once, left only with the last of them */
    assert_int_equal(synack_addr6_add(st, A4, 64, F, F), 0);
    assert_int_equal(synack_poll(st, 12 * S), 0);
    assert_int_equal(cap.n, 11);
    wl = want_report(w, LL6, 4, g, 2);
    assert_frame(9, w, wl);
    assert_probe(10, A4, SN_US);
    assert_int_equal(synack_poll(st, 13 * S), 0);
    assert_int_equal(synack_addr6_del(st, A4), 0);
    assert_int_equal(synack_poll(st, 14 * S), 0);
    assert_int_equal(cap.n, 11);
    /* the last user of SN_A2 goes: left */
    assert_int_equal(synack_addr6_del(st, A2), 0);
    assert_int_equal(synack_poll(st, 15 * S), 0);
    assert_int_equal(cap.n, 12);
    wl = want_report(w, LL6, 3, &g[1], 1);
    assert_frame(11, w, wl);
    synack_stack_free(st);
}

/* The TCP segment the host sent last, parsed: from src6 to dst6. */
static void last_seg(ip6_host *h, const uint8_t *src6, const uint8_t *dst6, tcp_seg *s)
{
    assert_true(h->nout > 0);
    seg_parse6(h->out[h->nout - 1].b, h->out[h->nout - 1].len, src6, dst6, s);
}

static void test_tcp_per_address(void **state)
{
    (void)state;
    static ip6_host h;
    ip6_host_init(&h, 0xc0000202u, US6, 1500);
    synack_stack *st = h.st;
    assert_int_equal(synack_addr6_add(st, A2, 64, F, F), 0);
    assert_int_equal(synack_addr6_state(st, A2), SYNACK_ADDR6_PREFERRED); /* no ND, no DAD */

    /* a listener on the added address: a SYN to it is answered from it */
    int l = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 me = ip6_sin6(A2, 80), got;
    assert_int_equal(synack_bind(st, l, (struct sockaddr *)&me, sizeof(me)), 0);
    assert_int_equal(synack_listen(st, l, 4), 0);
    synack_socklen_t gl = sizeof(got);
    assert_int_equal(synack_getsockname(st, l, (struct sockaddr *)&got, &gl), 0);
    assert_memory_equal(got.sin6_addr.s6_bytes, A2, 16);
    uint8_t f[SEG_FRAME_MAX];
    size_t n = seg_build6(f, sizeof(f), PEER6, A2, 4000, 80, 1000, 0, TCP_SYN, 8192, NULL, 0, NULL);
    synack_input(st, 10, f, n);
    tcp_seg s;
    last_seg(&h, A2, PEER6, &s);
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(s.ack, 1001);
    /* one to netif.addr6 on that port finds no listener bound there: reset from ::2 */
    n = seg_build6(f, sizeof(f), PEER6, US6, 4001, 80, 2000, 0, TCP_SYN, 8192, NULL, 0, NULL);
    synack_input(st, 20, f, n);
    last_seg(&h, US6, PEER6, &s);
    assert_int_equal(s.flags, TCP_RST | TCP_ACK);
    /* an address we do not hold: dropped, counted */
    uint64_t addr_err = synack_counter_get(st, SYNACK_CTR_Ip6InAddrErrors);
    int before = h.nout;
    n = seg_build6(f, sizeof(f), PEER6, A3, 4002, 80, 3000, 0, TCP_SYN, 8192, NULL, 0, NULL);
    synack_input(st, 30, f, n);
    assert_int_equal(h.nout, before);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6InAddrErrors), addr_err + 1);

    /* connect() without bind: RFC 6724 picks the source, rule 8 (the longer prefix) */
    int c1 = -1;
    assert_int_equal(eth6_connect_sock(st, FAR1, &c1), -EINPROGRESS);
    last_seg(&h, A2, FAR1, &s);
    assert_int_equal(s.flags, TCP_SYN);
    uint16_t c1_port = s.sport;
    /* an ICMPv6 error quoting it is for that connection, not "not ours" (Icmp6InErrors) */
    {
        static const uint8_t rtr[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0xfe};
        ipv6_addr ra = eth6_addr(rtr), a2 = eth6_addr(A2);
        uint8_t pkt[400];
        size_t m = icmp6_error_emit(pkt + 40, sizeof(pkt) - 40, ICMP6_PACKET_TOO_BIG, 0, 1280,
                                    h.out[h.nout - 1].b, h.out[h.nout - 1].len, &ra, &a2);
        assert_true(m > 0);
        ipv6_hdr ih = {.next = IP_PROTO_ICMPV6, .hop_limit = 64, .src = ra, .dst = a2};
        assert_int_equal(ipv6_emit(pkt, 40, &ih, m), 40);
        uint64_t in_err = synack_counter_get(st, SYNACK_CTR_Icmp6InErrors);
        synack_input(st, 35, pkt, 40 + m);
        assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InErrors), in_err);
        assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InPktTooBigs), 1);
    }
    int c0 = -1;
    assert_int_equal(eth6_connect_sock(st, FAR0, &c0), -EINPROGRESS);
    last_seg(&h, US6, FAR0, &s);
    gl = sizeof(got);
    assert_int_equal(synack_getsockname(st, c1, (struct sockaddr *)&got, &gl), 0);
    assert_memory_equal(got.sin6_addr.s6_bytes, A2, 16);

    /* UDP binds it and sends from it */
    int u = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    struct synack_sockaddr_in6 ume = ip6_sin6(A2, 5353), to = ip6_sin6(FAR0, 53);
    assert_int_equal(synack_bind(st, u, (struct sockaddr *)&ume, sizeof(ume)), 0);
    assert_int_equal(synack_sendto(st, u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    assert_memory_equal(h.out[h.nout - 1].b + 8, A2, 16);
    synack_close(st, u);

    /* deleted while c1 uses it: the socket stays (as Linux's), what arrives for the address
     * is no longer taken (its SYN-ACK dropped, counted), new binds refused */
    assert_int_equal(synack_addr6_del(st, A2), 0);
    addr_err = synack_counter_get(st, SYNACK_CTR_Ip6InAddrErrors);
    before = h.nout;
    n = seg_build6(f, sizeof(f), FAR1, A2, 80, c1_port, 5000, 0, TCP_SYN | TCP_ACK, 8192, NULL, 0,
                   NULL);
    synack_input(st, 40, f, n);
    assert_int_equal(h.nout, before);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6InAddrErrors), addr_err + 1);
    gl = sizeof(got);
    assert_int_equal(synack_getsockname(st, c1, (struct sockaddr *)&got, &gl), 0);
    assert_memory_equal(got.sin6_addr.s6_bytes, A2, 16);
    int b = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    me = ip6_sin6(A2, 81);
    assert_int_equal(synack_bind(st, b, (struct sockaddr *)&me, sizeof(me)), -EADDRNOTAVAIL);
    /* and a new connection to that prefix comes from what is left */
    int c2 = -1;
    assert_int_equal(eth6_connect_sock(st, FAR1, &c2), -EINPROGRESS);
    last_seg(&h, US6, FAR1, &s);
    synack_stack_free(st);
}

static void test_deprecated_then_expired(void **state)
{
    (void)state;
    static ip6_host h;
    ip6_host_init(&h, 0xc0000202u, US6, 1500);
    synack_stack *st = h.st;
    /* preferred 10 s, valid 100 s */
    assert_int_equal(synack_addr6_add(st, A2, 64, 100, 10), 0);
    int c1 = -1;
    assert_int_equal(eth6_connect_sock(st, FAR1, &c1), -EINPROGRESS);
    tcp_seg s;
    last_seg(&h, A2, FAR1, &s);
    uint16_t port = s.sport;
    assert_int_equal(synack_next_deadline(st) <= 100 * S, 1);

    /* deprecated: kept for c1 (its SYN-ACK taken), not chosen for a new one (rule 3) */
    assert_int_equal(synack_poll(st, 10 * S), 0);
    assert_int_equal(synack_addr6_state(st, A2), SYNACK_ADDR6_DEPRECATED);
    uint8_t f[SEG_FRAME_MAX];
    size_t n = seg_build6(f, sizeof(f), FAR1, A2, 80, port, 7000, s.seq + 1, TCP_SYN | TCP_ACK,
                          8192, NULL, 0, NULL);
    synack_input(st, 10 * S + 1, f, n);
    last_seg(&h, A2, FAR1, &s);
    assert_int_equal(s.flags, TCP_ACK);
    assert_int_equal(s.ack, 7001);
    int c2 = -1;
    assert_int_equal(eth6_connect_sock(st, FAR1, &c2), -EINPROGRESS);
    last_seg(&h, US6, FAR1, &s);
    /* still bindable (in use), as Linux lets a deprecated address be bound */
    int b = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 me = ip6_sin6(A2, 81);
    assert_int_equal(synack_bind(st, b, (struct sockaddr *)&me, sizeof(me)), 0);

    /* the valid lifetime's end removes it */
    assert_int_equal(synack_poll(st, 100 * S - 1), 0);
    assert_int_equal(synack_addr6_state(st, A2), SYNACK_ADDR6_DEPRECATED);
    assert_int_equal(synack_poll(st, 100 * S), 0);
    assert_int_equal(synack_addr6_state(st, A2), -EADDRNOTAVAIL);
    assert_int_equal(synack_addr6_list(st, NULL, 0), 1);
    synack_stack_free(st);
}

/* A Router Advertisement from fe80::1 with the prefix options in opts. */
static void ra(synack_stack *st, uint64_t now, const uint8_t *opts, size_t optlen)
{
    static const uint8_t rtr_ll[16] = {0xfe, 0x80, [15] = 1}, all[16] = {0xff, 0x02, [15] = 1};
    uint8_t pay[8 + 8 + 96];
    memset(pay, 0, 8);
    pay[8] = ND_OPT_SLLA;
    pay[9] = 1;
    memcpy(pay + 10, MAC_PEER, 6);
    memcpy(pay + 16, opts, optlen);
    ipv6_addr s = eth6_addr(rtr_ll), d = eth6_addr(all);
    icmp6_msg m = {.type = ICMP6_ND_RA,
                   .rest = (64u << 24) | 1800u,
                   .payload = pay,
                   .payload_len = 16 + optlen};
    uint8_t l4[200], f[300], mac[6];
    size_t n = icmp6_emit(l4, sizeof(l4), &m, &s, &d);
    assert_true(n > 0);
    ipv6_mcast_mac(mac, &d);
    size_t fl = eth6_frame_build(f, mac, MAC_PEER, &s, &d, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, now, f, fl);
}

static void prefix_opt(uint8_t *b, const uint8_t *prefix, uint32_t valid, uint32_t preferred)
{
    memset(b, 0, 32);
    b[0] = ND_OPT_PREFIX;
    b[1] = 4;
    b[2] = 64;
    b[3] = ND_PREFIX_ONLINK | ND_PREFIX_AUTO;
    wr32(b + 4, valid);
    wr32(b + 8, preferred);
    memcpy(b + 16, prefix, 16);
}

static void test_slaac_two_prefixes(void **state)
{
    (void)state;
    synack_stack *st = eth_stack(0, 0, 8, NULL, 1);
    assert_int_equal(synack_poll(st, 0), 0);
    static const uint8_t p1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 7};
    static const uint8_t p2[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 8};
    static const uint8_t f1[16] = {0x20, 0x01,        0x0d,        0xb8,    0,
                                   7,    [11] = 0xff, [12] = 0xfe, [15] = 2};
    static const uint8_t f2[16] = {0x20, 0x01,        0x0d,        0xb8,    0,
                                   8,    [11] = 0xff, [12] = 0xfe, [15] = 2};
    static const uint8_t far2[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 8, [15] = 9};
    uint8_t o[64];
    prefix_opt(o, p1, 7200, 3600);
    prefix_opt(o + 32, p2, 600, 60);
    ra(st, S, o, 64);
    assert_int_equal(synack_addr6_state(st, f1), SYNACK_ADDR6_PREFERRED);
    assert_int_equal(synack_addr6_state(st, f2), SYNACK_ADDR6_PREFERRED);
    synack_addr6_info l[4];
    assert_int_equal(synack_addr6_list(st, l, 4), 3);
    assert_memory_equal(l[1].addr, f1, 16);
    assert_int_equal(l[1].origin, SYNACK_ADDR6_SLAAC);
    assert_memory_equal(l[2].addr, f2, 16);
    assert_int_equal(l[2].origin, SYNACK_ADDR6_SLAAC);
    assert_int_equal(l[2].valid_until, 601 * S);
    assert_int_equal(l[2].preferred_until, 61 * S);
    /* the same RA again only refreshes them */
    ra(st, 2 * S, o, 64);
    assert_int_equal(synack_addr6_list(st, l, 4), 3);
    assert_int_equal(l[2].valid_until, 602 * S);

    /* rule 8: a host in the second prefix hears from its address... */
    int c = -1;
    assert_int_equal(eth6_connect_sock(st, far2, &c), -EINPROGRESS);
    struct synack_sockaddr_in6 got;
    synack_socklen_t gl = sizeof(got);
    assert_int_equal(synack_getsockname(st, c, (struct sockaddr *)&got, &gl), 0);
    assert_memory_equal(got.sin6_addr.s6_bytes, f2, 16);
    /* ...until it is deprecated (rule 3) */
    assert_int_equal(synack_poll(st, 62 * S), 0);
    assert_int_equal(synack_addr6_state(st, f2), SYNACK_ADDR6_DEPRECATED);
    assert_int_equal(eth6_connect_sock(st, far2, &c), -EINPROGRESS);
    gl = sizeof(got);
    assert_int_equal(synack_getsockname(st, c, (struct sockaddr *)&got, &gl), 0);
    assert_memory_equal(got.sin6_addr.s6_bytes, f1, 16);

    /* 5.5.3 e): 10 s cannot cut the 8 minutes left (under two hours: ignored)... */
    prefix_opt(o, p2, 10, 5);
    ra(st, 120 * S, o, 32);
    assert_int_equal(synack_poll(st, 200 * S), 0);
    assert_int_equal(synack_addr6_state(st, f2), SYNACK_ADDR6_DEPRECATED);
    /* ...and the valid lifetime's end (the second RA's 600 s) removes it, the first
     * prefix's staying */
    assert_int_equal(synack_poll(st, 602 * S - 1), 0);
    assert_int_equal(synack_addr6_state(st, f2), SYNACK_ADDR6_DEPRECATED);
    assert_int_equal(synack_poll(st, 602 * S), 0);
    assert_int_equal(synack_addr6_state(st, f2), -EADDRNOTAVAIL);
    assert_int_equal(synack_addr6_state(st, f1), SYNACK_ADDR6_PREFERRED);
    synack_stack_free(st);
}

static void test_slaac_two_hour_rule_raise(void **state)
{
    (void)state;
    /* a static address and SLAAC: another prefix forms one more; a long lifetime raises
     * what is left, and a short one above two hours' worth cuts it to two hours */
    synack_stack *st = eth_stack(0, 0, 8, US6, 1);
    assert_int_equal(synack_poll(st, 0), 0);
    static const uint8_t p2[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 8};
    static const uint8_t f2[16] = {0x20, 0x01,        0x0d,        0xb8,    0,
                                   8,    [11] = 0xff, [12] = 0xfe, [15] = 2};
    uint8_t o[32];
    prefix_opt(o, p2, 600, 600);
    ra(st, S, o, 32);
    synack_addr6_info l[3];
    assert_int_equal(synack_addr6_list(st, l, 3), 3);
    assert_memory_equal(l[2].addr, f2, 16);
    assert_int_equal(l[2].valid_until, 601 * S);
    prefix_opt(o, p2, 20000, 20000);
    ra(st, 2 * S, o, 32);
    assert_int_equal(synack_addr6_list(st, l, 3), 3);
    assert_int_equal(l[2].valid_until, 20002 * S);
    prefix_opt(o, p2, 100, 100);
    ra(st, 3 * S, o, 32);
    assert_int_equal(synack_addr6_list(st, l, 3), 3);
    assert_int_equal(l[2].valid_until, 3 * S + 7200 * S);
    assert_int_equal(l[2].preferred_until, 103 * S);
    /* an address the program added keeps its own lifetimes when a prefix would form it */
    static const uint8_t p3[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 9};
    static const uint8_t f3[16] = {0x20, 0x01,        0x0d,        0xb8,    0,
                                   9,    [11] = 0xff, [12] = 0xfe, [15] = 2};
    assert_int_equal(synack_addr6_add(st, f3, 64, 50, 40), 0);
    prefix_opt(o, p3, 20000, 20000);
    ra(st, 4 * S, o, 32);
    synack_addr6_info l4[4];
    assert_int_equal(synack_addr6_list(st, l4, 4), 4);
    assert_memory_equal(l4[3].addr, f3, 16);
    assert_int_equal(l4[3].origin, SYNACK_ADDR6_ADDED);
    assert_int_equal(l4[3].valid_until, 53 * S);
    assert_int_equal(l4[3].preferred_until, 43 * S);
    synack_stack_free(st);
}

/* An MLD message of 24 bytes (MLDv1, RFC 2710 3: a query for group NULL is general) from
 * src to dst with hop limit 1. */
static void mld1_in(synack_stack *st, uint64_t now, uint8_t type, const uint8_t *src,
                    const uint8_t *dst, const uint8_t *group, uint16_t mrd)
{
    uint8_t m[24], f[200], mac[6], srcmac[6] = {0x02, 0, 0, 0, 0, 0x09};
    memset(m, 0, sizeof(m));
    m[0] = type;
    wr16(m + 4, mrd);
    if (group)
        memcpy(m + 8, group, 16);
    wr16(m + 2, eth6_icmp_sum(src, dst, m, sizeof(m)));
    ipv6_addr s6 = eth6_addr(src), d6 = eth6_addr(dst);
    ipv6_mcast_mac(mac, &d6);
    size_t fl = eth6_frame_build(f, mac, srcmac, &s6, &d6, IP_PROTO_ICMPV6, 1, m, sizeof(m));
    synack_input(st, now, f, fl);
}

static void test_mld1_suppression_three_groups(void **state)
{
    (void)state;
    static const uint8_t rtr_ll[16] = {0xfe, 0x80, [15] = 1}, other[16] = {0xfe, 0x80, [15] = 9};
    static const uint8_t all[16] = {0xff, 0x02, [15] = 1};
    synack_stack *st = eth_stack(0, 0, 8, US6, 0);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(synack_addr6_add(st, A2, 64, F, F), 0);
    assert_int_equal(synack_addr6_add(st, A3, 64, F, F), 0);
    assert_int_equal(synack_poll(st, 1), 0);
    size_t n0 = cap.n;
    /* a general MLDv1 query; another listener answers for one of our three groups: the
     * answer for the other two (and that one: one answer covers all) still goes */
    mld1_in(st, S, 130, rtr_ll, all, NULL, 10000);
    mld1_in(st, S, 131, other, SN_A2, SN_A2, 0);
    uint64_t t = S;
    while (cap.n == n0 && t <= 11 * S) {
        assert_int_equal(synack_poll(st, t), 0);
        t += 1000;
    }
    assert_int_equal(cap.n, n0 + 3);
    const uint8_t *g[3] = {SN_US, SN_A2, SN_A3};
    for (size_t i = 0; i < 3; i++) {
        const uint8_t *ip = cap.f[n0 + i].b + 14;
        assert_memory_equal(ip + 8, LL6, 16);
        assert_memory_equal(ip + 24, g[i], 16);
        assert_int_equal(ip[48], 131); /* after the Router Alert's 8 bytes */
        assert_memory_equal(ip + 48 + 8, g[i], 16);
    }
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutGroupMembResponses), 3);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_del_list_errnos),
        cmocka_unit_test(test_dad_mld_ns_per_address),
        cmocka_unit_test(test_tcp_per_address),
        cmocka_unit_test(test_deprecated_then_expired),
        cmocka_unit_test(test_slaac_two_prefixes),
        cmocka_unit_test(test_slaac_two_hour_rule_raise),
        cmocka_unit_test(test_mld1_suppression_three_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
