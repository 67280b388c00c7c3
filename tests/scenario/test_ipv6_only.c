/* SPDX-License-Identifier: MIT */
/* IPv6-only netifs (issue 14): netif.addr 0 with an IPv6 address (or SLAAC on Ethernet).
 * The config rules; a TCP connection between two IPv6-only stacks on an IP link through a
 * dual-stack listener, frame by frame; IPv4 input dropped and counted (InAddrErrors), ARP
 * neither answered nor sent (ArpDrops); IPv4 socket calls refused as Linux refuses them on
 * a host with no IPv4 address, while AF_INET6 still works. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "synack/link.h"
#include "synack/synack.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#define DELAY 1000
#define V4_PEER 0xc0000201u /* 192.0.2.1 */
#define V4_US 0xc0000202u   /* 192.0.2.2: an address the stack does not have */

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_PEER[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t A6[2][16] = {
    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, /* client / peer */
    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, /* server / us */
};
static const uint8_t ANY6[16];

typedef struct out_frame {
    int to;
    size_t len;
    uint8_t b[1600];
} out_frame;
static out_frame out[64];
static size_t nout;

static void record(int to, const uint8_t *frame, size_t len)
{
    if (nout < sizeof(out) / sizeof(out[0])) {
        out[nout].to = to;
        out[nout].len = len < sizeof(out[0].b) ? len : sizeof(out[0].b);
        memcpy(out[nout].b, frame, out[nout].len);
        nout++;
    }
}

static int capture(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    record(-1, frame, len);
    return 0;
}

static int tap(void *ctx, int side, uint64_t t, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)t;
    record(side, frame, len);
    return 0;
}

static void eth_config(synack_config *c)
{
    synack_config_default(c);
    synack_config_deterministic(c, 5);
    c->netif.type = SYNACK_LINK_ETHERNET;
    memcpy(c->netif.mac, MAC_US, 6);
    c->netif.addr = 0;
    memcpy(c->netif.addr6, A6[1], 16);
    c->netif.prefix6_len = 64;
    c->netif.output = capture;
    c->dad_transmits = 0; /* usable at once: DAD is test_ipv6_dad's */
    c->mld_reports = 0;
}

static synack_stack *eth_stack(void)
{
    synack_config c;
    eth_config(&c);
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    nout = 0;
    return st;
}

static const char *check(const synack_config *c)
{
    const char *field = NULL;
    int rc = synack_config_check(c, &field);
    if (rc == 0)
        return NULL;
    assert_int_equal(rc, -EINVAL);
    return field;
}

static void test_config(void **state)
{
    (void)state;
    synack_config c;
    eth_config(&c);
    assert_null(check(&c));
    c.netif.type = SYNACK_LINK_IP;
    assert_null(check(&c));
    /* neither family: nothing to speak with */
    memset(c.netif.addr6, 0, 16);
    c.netif.prefix6_len = 0;
    assert_string_equal(check(&c), "netif.addr");
    /* SLAAC forms an address from a Router Advertisement, which only Ethernet carries */
    c.slaac = 1;
    assert_string_equal(check(&c), "netif.addr");
    c.netif.type = SYNACK_LINK_ETHERNET;
    assert_null(check(&c));
    /* no IPv4 address, so no IPv4 neighbour to route through */
    memcpy(c.netif.addr6, A6[1], 16);
    c.netif.gateway = V4_PEER;
    assert_string_equal(check(&c), "netif.gateway");
    synack_config_default(&c);
    c.netif.output = capture;
    c.netif.addr = 0; /* an IPv4-only config still needs its address */
    assert_string_equal(check(&c), "netif.addr");
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

static struct synack_sockaddr_in6 mapped(uint32_t v4, uint16_t port)
{
    uint8_t a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    wr32(a + 12, v4);
    return sin6(a, port);
}

static struct synack_sockaddr_in sin4(uint32_t v4, uint16_t port)
{
    struct synack_sockaddr_in s;
    memset(&s, 0, sizeof(s));
    s.sin_family = SYNACK_AF_INET;
    wr16((uint8_t *)&s.sin_port, port);
    wr32((uint8_t *)&s.sin_addr.s_addr, v4);
    return s;
}

/* Frame i of the IP link as "C:S" (sender, TCP flags, /payload bytes), checking it is an
 * IPv6 packet between the two addresses with a valid checksum. */
static void describe(size_t i, char *buf, size_t cap)
{
    const out_frame *f = &out[i];
    int from = 1 - f->to;
    assert_int_equal(f->b[0] >> 4, 6);
    assert_int_equal(f->b[6], 6);
    assert_memory_equal(f->b + 8, A6[from], 16);
    assert_memory_equal(f->b + 24, A6[1 - from], 16);
    tcp_seg s;
    uint64_t hs = 0;
    assert_int_equal(
        tcp_parse6(f->b + IPV6_HDR_LEN, f->len - IPV6_HDR_LEN, A6[from], A6[1 - from], 0, &s, &hs),
        WIRE_OK);
    assert_true(tcp_csum_complete(hs, csum_add(0, s.payload, s.payload_len)));
    char fl[4];
    size_t k = 0;
    if (s.flags & TCP_SYN)
        fl[k++] = 'S';
    if (s.flags & TCP_FIN)
        fl[k++] = 'F';
    if (s.flags & TCP_ACK)
        fl[k++] = '.';
    fl[k] = 0;
    snprintf(buf, cap, "%c:%s/%zu", from ? 'S' : 'C', fl, s.payload_len);
}

static void test_tcp_between_ipv6_only_stacks(void **state)
{
    (void)state;
    synack_memlink *link = synack_memlink_new(NULL, DELAY, 65600, 1000);
    assert_non_null(link);
    synack_stack *st[2];
    for (int h = 0; h < 2; h++) {
        synack_config c;
        synack_config_default(&c);
        synack_config_deterministic(&c, 3 + (uint64_t)h);
        c.netif.addr = 0;
        memcpy(c.netif.addr6, A6[h], 16);
        c.netif.prefix6_len = 64;
        synack_memlink_netif(link, h, &c.netif);
        st[h] = synack_stack_new(&c);
        assert_non_null(st[h]);
        synack_memlink_attach(link, h, st[h]);
    }
    synack_memlink_set_tap(link, tap, NULL);
    nout = 0;
    /* a dual-stack listener (IPV6_V6ONLY off) on :: */
    int ls = synack_socket_domain(st[1], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 a = sin6(ANY6, 80);
    assert_int_equal(synack_bind(st[1], ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(synack_listen(st[1], ls, 4), 0);
    int cs = synack_socket_domain(st[0], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    a = sin6(A6[1], 80);
    assert_int_equal(synack_connect(st[0], cs, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
    uint64_t now = synack_memlink_run(link, 0, 10 * DELAY);
    int ss = synack_accept(st[1], ls, NULL, NULL);
    assert_true(ss >= 0);
    assert_int_equal(synack_send(st[0], cs, "hello", 5, 0), 5);
    now = synack_memlink_run(link, now, now + 300000);
    char got[8];
    assert_int_equal(synack_recv(st[1], ss, got, sizeof(got), 0), 5);
    assert_memory_equal(got, "hello", 5);
    static const char *const want[] = {"C:S/0", "S:S./0", "C:./0", "C:./5", "S:./0"};
    assert_int_equal(nout, 5);
    for (size_t i = 0; i < nout; i++) {
        char d[32];
        describe(i, d, sizeof(d));
        assert_string_equal(d, want[i]);
    }
    synack_stack_free(st[0]);
    synack_stack_free(st[1]);
    synack_memlink_free(link);
}

/* An Ethernet frame to our MAC (or broadcast) carrying an IPv4 packet built here. */
static size_t frame4(uint8_t *buf, uint32_t dst, uint8_t proto, const uint8_t *l4, size_t n,
                     uint16_t frag)
{
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV4};
    memcpy(eh.dst, MAC_US, 6);
    memcpy(eh.src, MAC_PEER, 6);
    eth_emit(buf, ETH_HDR_LEN, &eh);
    ipv4_hdr h = {.ttl = 64, .proto = proto, .src = V4_PEER, .dst = dst, .frag = frag, .id = 9};
    ipv4_emit(buf + ETH_HDR_LEN, IPV4_HDR_LEN, &h, n);
    memcpy(buf + ETH_HDR_LEN + IPV4_HDR_LEN, l4, n);
    return ETH_HDR_LEN + IPV4_HDR_LEN + n;
}

static void test_ipv4_input_dropped(void **state)
{
    (void)state;
    synack_stack *st = eth_stack();
    /* listeners of both families that would take the SYN if IPv4 were ours */
    int l6 = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 a6 = sin6(ANY6, 80);
    assert_int_equal(synack_bind(st, l6, (struct sockaddr *)&a6, sizeof(a6)), 0);
    assert_int_equal(synack_listen(st, l6, 4), 0);
    int l4 = synack_socket(st, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in a4 = sin4(0, 81);
    assert_int_equal(synack_bind(st, l4, (struct sockaddr *)&a4, sizeof(a4)), 0);
    assert_int_equal(synack_listen(st, l4, 4), 0);

    uint8_t seg[64], fr[128];
    const uint32_t dsts[] = {V4_US, 0};
    for (size_t i = 0; i < 2; i++) {
        tcp_seg syn = {.sport = 4000, .dport = 80, .seq = 1, .flags = TCP_SYN, .win = 65535};
        size_t n = tcp_emit(seg, sizeof(seg), &syn, TCP_OPTS_LINUX, V4_PEER, dsts[i]);
        assert_int_equal(synack_input(st, 1000, fr, frame4(fr, dsts[i], 6, seg, n, 0)), -EINVAL);
        syn.dport = 81;
        n = tcp_emit(seg, sizeof(seg), &syn, TCP_OPTS_LINUX, V4_PEER, dsts[i]);
        assert_int_equal(synack_input(st, 1000, fr, frame4(fr, dsts[i], 6, seg, n, 0)), -EINVAL);
    }
    /* a first fragment never reaches reassembly */
    memset(seg, 0, 16);
    assert_int_equal(synack_input(st, 1000, fr, frame4(fr, V4_US, 17, seg, 16, IPV4_FLAG_MF)),
                     -EINVAL);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_InAddrErrors), 5);

    /* ARP: a request for the address we lack, one for 0.0.0.0, a reply: none learnt or
     * answered */
    const uint32_t tpas[] = {V4_US, 0, V4_US};
    for (size_t i = 0; i < 3; i++) {
        eth_hdr eh = {.ethertype = ETHERTYPE_ARP};
        memset(eh.dst, 0xff, 6);
        memcpy(eh.src, MAC_PEER, 6);
        size_t n = eth_emit(fr, ETH_HDR_LEN, &eh);
        arp_pkt ap = {.op = i == 2 ? ARP_OP_REPLY : ARP_OP_REQUEST, .spa = V4_PEER, .tpa = tpas[i]};
        memcpy(ap.sha, MAC_PEER, 6);
        n += arp_emit(fr + n, sizeof(fr) - n, &ap);
        assert_int_equal(synack_input(st, 2000, fr, n), 0);
    }
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpDrops), 3);
    synack_poll(st, 3000000);
    assert_int_equal(nout, 0);
    synack_stack_free(st);
}

static void test_ipv4_calls_refused(void **state)
{
    (void)state;
    synack_stack *st = eth_stack();
    struct synack_sockaddr_in to4 = sin4(V4_PEER, 80);
    struct synack_sockaddr_in6 tom = mapped(V4_PEER, 80);
    /* TCP: no route to an IPv4 destination, from either family (Linux: ENETUNREACH) */
    int s = synack_socket(st, SYNACK_SOCK_STREAM);
    assert_int_equal(synack_connect(st, s, (struct sockaddr *)&to4, sizeof(to4)), -ENETUNREACH);
    int s6 = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_int_equal(synack_connect(st, s6, (struct sockaddr *)&tom, sizeof(tom)), -ENETUNREACH);
    /* an IPv4 address is not ours to bind; the wildcard is (as Linux) */
    struct synack_sockaddr_in me = sin4(V4_US, 80);
    assert_int_equal(synack_bind(st, s, (struct sockaddr *)&me, sizeof(me)), -EADDRNOTAVAIL);
    me = sin4(0, 80);
    assert_int_equal(synack_bind(st, s, (struct sockaddr *)&me, sizeof(me)), 0);
    /* UDP: the same for sendto and connect */
    int u = synack_socket(st, SYNACK_SOCK_DGRAM);
    assert_int_equal(synack_sendto(st, u, "x", 1, 0, (struct sockaddr *)&to4, sizeof(to4)),
                     -ENETUNREACH);
    assert_int_equal(synack_connect(st, u, (struct sockaddr *)&to4, sizeof(to4)), -ENETUNREACH);
    me = sin4(V4_US, 53);
    assert_int_equal(synack_bind(st, u, (struct sockaddr *)&me, sizeof(me)), -EADDRNOTAVAIL);
    int u6 = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    assert_int_equal(synack_sendto(st, u6, "x", 1, 0, (struct sockaddr *)&tom, sizeof(tom)),
                     -ENETUNREACH);
    assert_int_equal(nout, 0); /* not even an ARP request */

    /* IPv6 from the same dual-stack socket: the SYN waits for the peer's NA */
    struct synack_sockaddr_in6 to6 = sin6(A6[0], 80);
    assert_int_equal(synack_connect(st, s6, (struct sockaddr *)&to6, sizeof(to6)), -EINPROGRESS);
    assert_int_equal(nout, 1);
    assert_int_equal(rd16(out[0].b + 12), ETHERTYPE_IPV6);
    assert_int_equal(out[0].b[ETH_HDR_LEN + 6], 58); /* a Neighbor Solicitation */
    assert_int_equal(out[0].b[ETH_HDR_LEN + IPV6_HDR_LEN], 135);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_tcp_between_ipv6_only_stacks),
        cmocka_unit_test(test_ipv4_input_dropped),
        cmocka_unit_test(test_ipv4_calls_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
