/* SPDX-License-Identifier: MIT */
/* IPv6 on a netif whose addresses are all in the list, and the source addresses of what
 * the stack originates: cfg.ipv6 makes a netif with IPv6 but no netif.addr6 (an IP link
 * that speaks from synack_addr6_add's addresses, an Ethernet one from its link-local
 * address until then); ICMPv6 errors come from the address the offending packet went to
 * (RFC 4443 2.2 (a)), echo replies to a group from the selected one, Neighbor
 * Solicitations from the source of the packet that prompted them (RFC 4861 7.2.2). Frames
 * are compared byte for byte with ones built here. */
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
#include "wire/icmpv6.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_PEER[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};   /* 2001:db8::2 */
static const uint8_t PEER6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}; /* 2001:db8::1 */
static const uint8_t LL6[16] = {0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 2};
static const uint8_t LL_PEER[16] = {0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 1};
static const uint8_t A2[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 5};   /* 2001:db8:1::5 */
static const uint8_t FAR1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 9}; /* 2001:db8:1::9 */
static const uint8_t FAR0[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, [15] = 9}; /* 2001:db8::9 */
static const uint8_t ALL_NODES[16] = {0xff, 0x02, [15] = 1};
#define F SYNACK_ADDR6_FOREVER

/* ---- an IP link (no ND): every frame the stack sends, kept ---- */

typedef struct out_frames {
    size_t n;
    size_t len[16];
    uint8_t b[16][1600];
} out_frames;

static out_frames out;

static int keep(void *ctx, const uint8_t *f, size_t len)
{
    out_frames *o = ctx;
    if (o->n < 16 && len <= sizeof(o->b[0])) {
        memcpy(o->b[o->n], f, len);
        o->len[o->n++] = len;
    }
    return 0;
}

/* An IP-link stack with IPv4 addr4 (0: none), netif.addr6 (NULL: none) and cfg.ipv6. */
static synack_stack *ip_stack(uint32_t addr4, const uint8_t *addr6, uint8_t ipv6, int *rc,
                              const char **field)
{
    synack_config c;
    synack_config_default(&c);
    synack_config_deterministic(&c, 7);
    c.netif.addr = addr4;
    c.netif.prefix_len = addr4 ? 24 : 0;
    if (addr6) {
        memcpy(c.netif.addr6, addr6, 16);
        c.netif.prefix6_len = 64;
    }
    c.ipv6 = ipv6;
    c.netif.output = keep;
    c.netif.output_ctx = &out;
    out.n = 0;
    synack_stack *st = NULL;
    *rc = synack_stack_create(&c, &st, field);
    return st;
}

/* An IPv6 packet from src to dst carrying l4 (n bytes) as next header nh, hop limit hop. */
static size_t pkt6(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t nh, uint8_t hop,
                   const uint8_t *l4, size_t n)
{
    ipv6_hdr h = {.next = nh, .hop_limit = hop};
    memcpy(h.src.b, src, 16);
    memcpy(h.dst.b, dst, 16);
    assert_int_equal(ipv6_emit(b, 40, &h, n), 40);
    memcpy(b + 40, l4, n);
    return 40 + n;
}

/* The ICMPv6 error (type, code, rest) the stack should send from src about inv. */
static size_t want_error(uint8_t *w, const uint8_t *src, uint8_t type, uint8_t code, uint32_t rest,
                         const uint8_t *inv, size_t inv_len)
{
    ipv6_addr s = eth6_addr(src), d;
    memcpy(d.b, inv + 8, 16);
    uint8_t l4[1300];
    size_t n = icmp6_error_emit(l4, sizeof(l4), type, code, rest, inv, inv_len, &s, &d);
    assert_true(n > 0);
    return pkt6(w, src, inv + 8, IP_PROTO_ICMPV6, 64, l4, n);
}

static void assert_out(size_t i, const uint8_t *w, size_t wl)
{
    assert_true(i < out.n);
    assert_int_equal(out.len[i], wl);
    assert_memory_equal(out.b[i], w, wl);
}

/* An unknown next header (253) to dst: Parameter Problem code 1 pointing at it (RFC 8200 4). */
static void unknown_nh(synack_stack *st, uint64_t now, const uint8_t *dst, uint8_t *inv,
                       size_t *inv_len)
{
    static const uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    *inv_len = pkt6(inv, PEER6, dst, 253, 64, junk, sizeof(junk));
    synack_input(st, now, inv, *inv_len);
}

static void test_ipv6_flag_config(void **state)
{
    (void)state;
    int rc;
    const char *field = NULL;
    assert_null(ip_stack(0, NULL, 2, &rc, &field));
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(field, "ipv6");
    /* IPv6-only with nothing to speak from, and nothing to come: refused as before */
    assert_null(ip_stack(0, NULL, 0, &rc, &field));
    assert_string_equal(field, "netif.addr");
    /* an IPv4 netif without cfg.ipv6 has no IPv6: nothing to add an address to */
    synack_stack *st = ip_stack(0xc0000202u, NULL, 0, &rc, &field);
    assert_non_null(st);
    assert_int_equal(synack_addr6_add(st, A2, 64, F, F), -EAFNOSUPPORT);
    synack_stack_free(st);
    /* with cfg.ipv6 it has: no source yet (connect says so), then the added one */
    st = ip_stack(0xc0000202u, NULL, 1, &rc, &field);
    assert_non_null(st);
    assert_int_equal(synack_addr6_list(st, NULL, 0), 0);
    assert_int_equal(eth6_connect(st, FAR1), -EADDRNOTAVAIL);
    int u = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    struct synack_sockaddr_in6 to = ip6_sin6(FAR1, 53);
    assert_int_equal(synack_sendto(st, u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)),
                     -EADDRNOTAVAIL); /* never from :: */
    assert_int_equal(out.n, 0);
    assert_int_equal(synack_addr6_add(st, A2, 64, F, F), 0);
    assert_int_equal(synack_sendto(st, u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    assert_int_equal(out.n, 1);
    assert_memory_equal(out.b[0] + 8, A2, 16);
    assert_int_equal(synack_addr6_list(st, NULL, 0), 1);
    assert_int_equal(eth6_connect(st, FAR1), -EINPROGRESS);
    synack_stack_free(st);
}

static void test_ip_link_only_added_addresses(void **state)
{
    (void)state;
    int rc;
    const char *field = NULL;
    synack_stack *st = ip_stack(0, NULL, 1, &rc, &field);
    assert_non_null(st);
    assert_int_equal(synack_addr6_add(st, A2, 64, F, F), 0);
    assert_int_equal(synack_poll(st, 0), 0);

    /* connect() goes out from the added address */
    assert_int_equal(eth6_connect(st, FAR1), -EINPROGRESS);
    assert_int_equal(out.n, 1);
    tcp_seg s;
    seg_parse6(out.b[0], out.len[0], A2, FAR1, &s);
    assert_int_equal(s.flags, TCP_SYN);

    /* a listener on :: answers a SYN to it from it */
    int l = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 any = ip6_sin6(NULL, 80);
    assert_int_equal(synack_bind(st, l, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(synack_listen(st, l, 4), 0);
    uint8_t f[SEG_FRAME_MAX];
    size_t n = seg_build6(f, sizeof(f), PEER6, A2, 4000, 80, 1000, 0, TCP_SYN, 8192, NULL, 0, NULL);
    synack_input(st, 10, f, n);
    assert_int_equal(out.n, 2);
    seg_parse6(out.b[1], out.len[1], A2, PEER6, &s);
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(s.ack, 1001);

    /* echo: answered from the address it went to (RFC 4443 4.2) */
    uint8_t l4[64], p[200], w[200];
    ipv6_addr pa = eth6_addr(PEER6), a2 = eth6_addr(A2);
    static const uint8_t data[4] = {'p', 'i', 'n', 'g'};
    icmp6_msg req = {.type = ICMP6_ECHO_REQUEST,
                     .rest = 0x12340001u,
                     .payload = data,
                     .payload_len = sizeof(data)};
    size_t m = icmp6_emit(l4, sizeof(l4), &req, &pa, &a2);
    n = pkt6(p, PEER6, A2, IP_PROTO_ICMPV6, 64, l4, m);
    synack_input(st, 20, p, n);
    icmp6_msg rep = req;
    rep.type = ICMP6_ECHO_REPLY;
    m = icmp6_emit(l4, sizeof(l4), &rep, &a2, &pa);
    size_t wl = pkt6(w, A2, PEER6, IP_PROTO_ICMPV6, 64, l4, m);
    assert_out(2, w, wl);
    synack_stack_free(st);
}

static void test_error_from_invoked_address(void **state)
{
    (void)state;
    int rc;
    const char *field = NULL;
    synack_stack *st = ip_stack(0xc0000202u, US6, 0, &rc, &field);
    assert_non_null(st);
    assert_int_equal(synack_addr6_add(st, A2, 64, F, F), 0);
    uint8_t inv[100], w[300];
    size_t il;
    /* RFC 4443 2.2 (a): to the added address, from it (not from netif.addr6) */
    unknown_nh(st, 10, A2, inv, &il);
    assert_int_equal(out.n, 1);
    size_t wl = want_error(w, A2, ICMP6_PARAM_PROBLEM, ICMP6_PARAM_UNKNOWN_NH, 6, inv, il);
    assert_out(0, w, wl);
    /* to netif.addr6, from it */
    unknown_nh(st, 2000000, US6, inv, &il);
    assert_int_equal(out.n, 2);
    wl = want_error(w, US6, ICMP6_PARAM_PROBLEM, ICMP6_PARAM_UNKNOWN_NH, 6, inv, il);
    assert_out(1, w, wl);
    synack_stack_free(st);
}

/* ---- Ethernet: ND runs, the link-local address is ours ---- */

static eth6_cap cap;

static synack_stack *eth_stack(const uint8_t *addr6, uint8_t ipv6)
{
    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, addr6);
    c.dad_transmits = 0;
    c.mld_reports = 0;
    c.router_solicits = 0;
    c.ipv6 = ipv6;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(cap.n, 0);
    return st;
}

/* cap.f[i] is our multicast NS for target from src (RFC 4861 7.2.2). */
static void assert_ns(size_t i, const uint8_t target[16], const uint8_t src[16])
{
    ipv6_addr t = eth6_addr(target), s = eth6_addr(src), sn;
    ipv6_addr_solicited_node(&sn, &t);
    uint8_t l4[64], w[200], mac[6];
    size_t n = nd_ns_emit(l4, sizeof(l4), &t, MAC_US, &s, &sn);
    ipv6_mcast_mac(mac, &sn);
    size_t wl = eth6_frame_build(w, mac, MAC_US, &s, &sn, IP_PROTO_ICMPV6, 255, l4, n);
    assert_true(i < cap.n);
    assert_int_equal(cap.f[i].len, wl);
    assert_memory_equal(cap.f[i].b, w, wl);
}

/* The peer's solicited NA for target, to us (dst), with its MAC. */
static void peer_na(synack_stack *st, uint64_t now, const uint8_t target[16], const uint8_t *dst)
{
    ipv6_addr t = eth6_addr(target), d = eth6_addr(dst);
    uint8_t l4[64], f[200];
    size_t n = nd_na_emit(l4, sizeof(l4), ND_NA_SOLICITED | ND_NA_OVERRIDE, &t, MAC_PEER, &t, &d);
    size_t fl = eth6_frame_build(f, MAC_US, MAC_PEER, &t, &d, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, now, f, fl);
}

static void test_eth_link_local_then_added(void **state)
{
    (void)state;
    synack_stack *st = eth_stack(NULL, 1);
    synack_addr6_info l[3];
    assert_int_equal(synack_addr6_list(st, l, 3), 1);
    assert_memory_equal(l[0].addr, LL6, 16);
    assert_int_equal(synack_addr6_add(st, A2, 64, F, F), 0);
    assert_int_equal(synack_addr6_list(st, l, 3), 2);
    /* FAR1 is on link by A2's prefix: its NS comes from the SYN's source, A2 */
    int sock = -1;
    assert_int_equal(eth6_connect_sock(st, FAR1, &sock), -EINPROGRESS);
    assert_int_equal(cap.n, 1);
    assert_ns(0, FAR1, A2);
    /* resolved: the SYN that waited goes out from A2 */
    peer_na(st, 1000, FAR1, A2);
    assert_int_equal(cap.n, 2);
    tcp_seg s;
    seg_parse6(cap.f[1].b + 14, cap.f[1].len - 14, A2, FAR1, &s);
    assert_int_equal(s.flags, TCP_SYN);
    synack_stack_free(st);
}

static void test_ns_source_follows_prompt(void **state)
{
    (void)state;
    synack_stack *st = eth_stack(US6, 0);
    assert_int_equal(synack_addr6_add(st, A2, 64, F, F), 0);
    /* a socket bound to A2 reaches FAR0, on link by netif.addr6's prefix: the NS is from
     * A2, the address FAR0 will be answering (7.2.2), not netif.addr6 */
    int b = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 me = ip6_sin6(A2, 0), to = ip6_sin6(FAR0, 80);
    assert_int_equal(synack_bind(st, b, (struct sockaddr *)&me, sizeof(me)), 0);
    assert_int_equal(synack_connect(st, b, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    assert_int_equal(cap.n, 1);
    assert_ns(0, FAR0, A2);
    /* the retransmission still names the waiting packet's source */
    assert_int_equal(synack_poll(st, 1000000), 0);
    assert_int_equal(cap.n, 2);
    assert_ns(1, FAR0, A2);
    synack_stack_free(st);
}

static void test_echo_to_all_nodes_source(void **state)
{
    (void)state;
    synack_stack *st = eth_stack(US6, 0);
    assert_int_equal(synack_addr6_add(st, A2, 64, F, F), 0);
    uint8_t l4[64], f[200], w[200], mac[6];
    static const uint8_t data[2] = {'h', 'i'};
    icmp6_msg req = {.type = ICMP6_ECHO_REQUEST,
                     .rest = 0x77770003u,
                     .payload = data,
                     .payload_len = sizeof(data)};
    ipv6_addr all = eth6_addr(ALL_NODES), far = eth6_addr(FAR1), a2 = eth6_addr(A2);
    ipv6_mcast_mac(mac, &all);
    size_t m = icmp6_emit(l4, sizeof(l4), &req, &far, &all);
    size_t fl = eth6_frame_build(f, mac, MAC_PEER, &far, &all, IP_PROTO_ICMPV6, 64, l4, m);
    synack_input(st, 10, f, fl);
    /* from 2001:db8:1::9: A2 by rule 8 (the same /64); the NS for it from there too */
    assert_int_equal(cap.n, 1);
    assert_ns(0, FAR1, A2);
    peer_na(st, 20, FAR1, A2);
    assert_int_equal(cap.n, 2);
    icmp6_msg rep = req;
    rep.type = ICMP6_ECHO_REPLY;
    m = icmp6_emit(l4, sizeof(l4), &rep, &a2, &far);
    size_t wl = eth6_frame_build(w, MAC_PEER, MAC_US, &a2, &far, IP_PROTO_ICMPV6, 64, l4, m);
    assert_int_equal(cap.f[1].len, wl);
    assert_memory_equal(cap.f[1].b, w, wl);

    /* from a link-local source: from ours (rule 2), after resolving it from there */
    ipv6_addr lp = eth6_addr(LL_PEER), ll = eth6_addr(LL6);
    m = icmp6_emit(l4, sizeof(l4), &req, &lp, &all);
    fl = eth6_frame_build(f, mac, MAC_PEER, &lp, &all, IP_PROTO_ICMPV6, 64, l4, m);
    synack_input(st, 30, f, fl);
    assert_int_equal(cap.n, 3);
    assert_ns(2, LL_PEER, LL6);
    peer_na(st, 40, LL_PEER, LL6);
    assert_int_equal(cap.n, 4);
    m = icmp6_emit(l4, sizeof(l4), &rep, &ll, &lp);
    wl = eth6_frame_build(w, MAC_PEER, MAC_US, &ll, &lp, IP_PROTO_ICMPV6, 64, l4, m);
    assert_int_equal(cap.f[3].len, wl);
    assert_memory_equal(cap.f[3].b, w, wl);
    synack_stack_free(st);
}

/* A TCP segment from the peer's link-local address, in an Ethernet frame to us. */
static void ll_seg(synack_stack *st, uint64_t now, uint16_t sport, uint16_t dport, uint32_t seq,
                   uint32_t ack, uint8_t flags)
{
    uint8_t f[14 + SEG_FRAME_MAX];
    size_t n = seg_build6(f + 14, sizeof(f) - 14, LL_PEER, LL6, sport, dport, seq, ack, flags, 8192,
                          NULL, 0, NULL);
    memcpy(f, MAC_US, 6);
    memcpy(f + 6, MAC_PEER, 6);
    wr16(f + 12, 0x86dd);
    synack_input(st, now, f, 14 + n);
}

static struct synack_sockaddr_in6 scoped(const uint8_t a[16], uint16_t port, uint32_t scope)
{
    struct synack_sockaddr_in6 s = ip6_sin6(a, port);
    s.sin6_scope_id = scope;
    return s;
}

static void test_link_local_tcp_udp(void **state)
{
    (void)state;
    synack_stack *st = eth_stack(US6, 0);
    int l = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 any = ip6_sin6(NULL, 80), got;
    assert_int_equal(synack_bind(st, l, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(synack_listen(st, l, 4), 0);

    /* a SYN to our link-local address is accepted and answered from it */
    ll_seg(st, 10, 4000, 80, 1000, 0, TCP_SYN);
    assert_int_equal(cap.n, 1);
    assert_ns(0, LL_PEER, LL6);
    peer_na(st, 20, LL_PEER, LL6);
    assert_int_equal(cap.n, 2);
    tcp_seg s;
    seg_parse6(cap.f[1].b + 14, cap.f[1].len - 14, LL6, LL_PEER, &s);
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(s.ack, 1001);
    ll_seg(st, 30, 4000, 80, 1001, s.seq + 1, TCP_ACK);
    synack_socklen_t gl = sizeof(got);
    int a = synack_accept(st, l, (struct sockaddr *)&got, &gl);
    assert_true(a >= 0);
    assert_memory_equal(got.sin6_addr.s6_bytes, LL_PEER, 16);
    assert_int_equal(got.sin6_scope_id, SYNACK_IFINDEX);
    gl = sizeof(got);
    assert_int_equal(synack_getsockname(st, a, (struct sockaddr *)&got, &gl), 0);
    assert_memory_equal(got.sin6_addr.s6_bytes, LL6, 16);
    assert_int_equal(got.sin6_scope_id, SYNACK_IFINDEX);

    /* connect() to a link-local peer: scope 0 or our index, from our link-local address */
    int c = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 to = scoped(LL_PEER, 80, 0);
    assert_int_equal(synack_connect(st, c, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    assert_int_equal(cap.n, 3);
    seg_parse6(cap.f[2].b + 14, cap.f[2].len - 14, LL6, LL_PEER, &s);
    assert_int_equal(s.flags, TCP_SYN);
    int c2 = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    to = scoped(LL_PEER, 80, SYNACK_IFINDEX);
    assert_int_equal(synack_connect(st, c2, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    assert_int_equal(cap.n, 4);
    seg_parse6(cap.f[3].b + 14, cap.f[3].len - 14, LL6, LL_PEER, &s);
    int c3 = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    to = scoped(LL_PEER, 80, 7);
    assert_int_equal(synack_connect(st, c3, (struct sockaddr *)&to, sizeof(to)), -ENODEV);
    /* bind() to it, named the same ways */
    int b = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 me = scoped(LL6, 81, 2);
    assert_int_equal(synack_bind(st, b, (struct sockaddr *)&me, sizeof(me)), -ENODEV);
    me = scoped(LL6, 81, SYNACK_IFINDEX);
    assert_int_equal(synack_bind(st, b, (struct sockaddr *)&me, sizeof(me)), 0);
    /* a global address is never named with a scope: ignored there */
    int g = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    me = scoped(US6, 82, 9);
    assert_int_equal(synack_bind(st, g, (struct sockaddr *)&me, sizeof(me)), 0);
    gl = sizeof(got);
    assert_int_equal(synack_getsockname(st, g, (struct sockaddr *)&got, &gl), 0);
    assert_int_equal(got.sin6_scope_id, 0);
    synack_stack_free(st);

    /* only a link-local address: never the source for a global destination */
    st = eth_stack(NULL, 1);
    assert_int_equal(eth6_connect(st, FAR0), -EADDRNOTAVAIL);
    int u = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    to = ip6_sin6(FAR0, 53);
    assert_int_equal(synack_sendto(st, u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)),
                     -EADDRNOTAVAIL);
    assert_int_equal(cap.n, 0);
    to = ip6_sin6(LL_PEER, 53);
    assert_int_equal(synack_sendto(st, u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    assert_int_equal(cap.n, 1);
    assert_ns(0, LL_PEER, LL6);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv6_flag_config),
        cmocka_unit_test(test_ip_link_only_added_addresses),
        cmocka_unit_test(test_error_from_invoked_address),
        cmocka_unit_test(test_eth_link_local_then_added),
        cmocka_unit_test(test_ns_source_follows_prompt),
        cmocka_unit_test(test_echo_to_all_nodes_source),
        cmocka_unit_test(test_link_local_tcp_udp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
