/* SPDX-License-Identifier: MIT */
/* IPv6 routes (synack/route.h synack_route6_*, src/stack/route.c, src/tcp/mtu.c): the
 * bounded table, its errors and its longest-prefix match over 128-bit prefixes, separate
 * from the IPv4 one; over IPv6 a route's advmss is the MSS our SYN, SYN-ACK and SYN-cookie
 * SYN-ACK announce, its MTU (less 60) bounds the MSS we send and a locked one is not
 * lowered by Packet Too Big, its initcwnd is a new connection's first flight. The test
 * plays the peer (2001:db8::1) with hand-built packets; the stack is 2001:db8::2 on a
 * 1500-byte IP link. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/segbuild.h"
#include "synack/synack.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#define US_PORT 8080
#define PEER_PORT 40000
#define PEER_ISS 7000u
#define MAX_FRAMES 64

static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t PEER6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

typedef struct host {
    synack_stack *st;
    uint64_t now;
    struct {
        size_t len;
        uint8_t b[1600];
    } out[MAX_FRAMES];
    size_t nout;
    int busy_probe; /* the output callback tries synack_route6_set: its result in busy_rc */
    int busy_rc;
} host;

static int out_cb(void *ctx, const uint8_t *frame, size_t len)
{
    host *h = ctx;
    if (h->busy_probe) {
        synack_route6 r = {.prefix_len = 0, .initcwnd = 2};
        h->busy_rc = synack_route6_set(h->st, &r);
    }
    assert_true(h->nout < MAX_FRAMES);
    assert_true(len <= sizeof h->out[0].b);
    h->out[h->nout].len = len;
    memcpy(h->out[h->nout].b, frame, len);
    h->nout++;
    return 0;
}

static void host_init(host *h, uint32_t routes, uint8_t syncookies)
{
    memset(h, 0, sizeof *h);
    synack_config cfg;
    synack_config_default(&cfg);
    synack_config_deterministic(&cfg, 5);
    cfg.netif.type = SYNACK_LINK_IP;
    cfg.netif.addr = 0xc0000202u;
    cfg.netif.prefix_len = 24;
    memcpy(cfg.netif.addr6, US6, 16);
    cfg.netif.prefix6_len = 64;
    cfg.netif.mtu = 1500;
    cfg.netif.output = out_cb;
    cfg.netif.output_ctx = h;
    cfg.route_table_size = routes;
    cfg.syncookies = syncookies;
    h->now = 1000000;
    h->st = synack_stack_new(&cfg);
    assert_non_null(h->st);
}

/* Frame i as IPv6 + TCP from us, checksum verified. */
static void parse_out(const host *h, size_t i, tcp_seg *s)
{
    assert_true(i < h->nout);
    seg_parse6(h->out[i].b, h->out[i].len, US6, PEER6, s);
}

static void peer_send(host *h, uint32_t seq, uint32_t ack, uint8_t flags, const tcp_opts *opts)
{
    uint8_t buf[200];
    size_t n = seg_build6(buf, sizeof buf, PEER6, US6, PEER_PORT, US_PORT, seq, ack, flags, 65535,
                          NULL, 0, opts);
    assert_true(n > 0);
    assert_int_equal(synack_input(h->st, h->now, buf, n), 0);
}

/* A listener on US_PORT (in *ls) and the peer's SYN to it (MSS 1440, no other option):
 * our SYN-ACK. */
static tcp_seg peer_syn(host *h, int *ls)
{
    *ls = synack_socket_domain(h->st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_true(*ls >= 0);
    struct synack_sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&a.sin6_port, US_PORT);
    assert_int_equal(synack_bind(h->st, *ls, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(synack_listen(h->st, *ls, 4), 0);
    tcp_opts o = {.has_mss = 1, .mss = 1440};
    size_t mark = h->nout;
    peer_send(h, PEER_ISS, 0, TCP_SYN, &o);
    assert_int_equal(h->nout, mark + 1);
    tcp_seg sa;
    parse_out(h, mark, &sa);
    assert_int_equal(sa.flags, TCP_SYN | TCP_ACK);
    return sa;
}

/* A connection the peer opened: the accepted socket (TCP_NODELAY), our SYN-ACK's MSS in
 * *adv and ISS + 1 in *base. */
static int accept_v6(host *h, uint16_t *adv, uint32_t *base)
{
    int ls;
    tcp_seg sa = peer_syn(h, &ls);
    *adv = sa.opts.mss;
    *base = sa.seq + 1;
    peer_send(h, PEER_ISS + 1, *base, TCP_ACK, NULL);
    int s = synack_accept(h->st, ls, NULL, NULL);
    assert_true(s >= 0);
    int one = 1;
    assert_int_equal(
        synack_setsockopt(h->st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY, &one, sizeof one), 0);
    return s;
}

static int maxseg(host *h, int s)
{
    return fx_maxseg(h->st, s);
}

/* "off/len|..." of the data segments in frames [from, nout), off from base. */
static void sent(host *h, size_t from, uint32_t base, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    for (size_t i = from; i < h->nout && n + 24 < cap; i++) {
        tcp_seg s;
        parse_out(h, i, &s);
        if (s.payload_len)
            n += (size_t)snprintf(out + n, cap - n, "%s%u/%zu", n ? "|" : "", s.seq - base,
                                  s.payload_len);
    }
}

/* A Packet Too Big from a router on the path, reporting mtu for our segment at seq. */
static void packet_too_big(host *h, uint32_t seq, uint32_t mtu)
{
    uint8_t quote[IPV6_HDR_LEN + TCP_HDR_LEN] = {0};
    ipv6_hdr qh = {.next = IP_PROTO_TCP, .hop_limit = 64};
    memcpy(qh.src.b, US6, 16);
    memcpy(qh.dst.b, PEER6, 16);
    assert_int_equal(ipv6_emit(quote, IPV6_HDR_LEN, &qh, TCP_HDR_LEN + 1400), IPV6_HDR_LEN);
    uint8_t *t = quote + IPV6_HDR_LEN;
    wr16(t, US_PORT);
    wr16(t + 2, PEER_PORT);
    wr32(t + 4, seq);
    t[12] = 5 << 4;
    t[13] = TCP_ACK;
    ipv6_addr router = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe}}, us;
    memcpy(us.b, US6, 16);
    uint8_t l4[128], pkt[256];
    size_t n = icmp6_error_emit(l4, sizeof l4, ICMP6_PACKET_TOO_BIG, 0, mtu, quote, sizeof quote,
                                &router, &us);
    assert_true(n > 0);
    ipv6_hdr ih = {.next = IP_PROTO_ICMPV6, .hop_limit = 64, .src = router, .dst = us};
    assert_int_equal(ipv6_emit(pkt, IPV6_HDR_LEN, &ih, n), IPV6_HDR_LEN);
    memcpy(pkt + IPV6_HDR_LEN, l4, n);
    assert_int_equal(synack_input(h->st, h->now, pkt, IPV6_HDR_LEN + n), 0);
}

static synack_route6 route6(const char *hex16, uint8_t len)
{
    synack_route6 r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < 16; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(hex16 + 2 * i, "%2x", &v), 1);
        r.dst[i] = (uint8_t)v;
    }
    r.prefix_len = len;
    return r;
}

static void test_table6_api(void **state)
{
    (void)state;
    host h;
    host_init(&h, 2, 1);
    synack_route6 r = route6("20010db8000000000000000000000000", 32); /* 2001:db8::/32 */
    r.mtu = 1400;
    synack_route6 bad = r;
    bad.prefix_len = 129;
    assert_int_equal(synack_route6_set(h.st, &bad), -EINVAL);
    bad = r;
    bad.dst[4] = 1; /* host bits under a /32 */
    assert_int_equal(synack_route6_set(h.st, &bad), -EINVAL);
    bad = route6("20010db8000000080000000000000000", 60); /* 2001:db8:0:8::/60: bit 60 set */
    assert_int_equal(synack_route6_set(h.st, &bad), -EINVAL);
    bad = r;
    bad.flags = 0x80;
    assert_int_equal(synack_route6_set(h.st, &bad), -EINVAL);
    bad = r;
    bad.mtu = 67;
    assert_int_equal(synack_route6_set(h.st, &bad), -EINVAL);
    bad.mtu = 1501; /* above the link's */
    assert_int_equal(synack_route6_set(h.st, &bad), -EINVAL);
    bad = r;
    bad.initcwnd = 1025;
    assert_int_equal(synack_route6_set(h.st, &bad), -EINVAL);
    assert_int_equal(synack_route6_set(NULL, &r), -EINVAL);
    assert_int_equal(synack_route6_set(h.st, NULL), -EINVAL);
    assert_int_equal(synack_route6_del(h.st, NULL, 32), -EINVAL);
    assert_int_equal(synack_route6_del(h.st, r.dst, 129), -EINVAL);

    synack_route6 got;
    assert_int_equal(synack_route6_lookup(h.st, PEER6, NULL), -EINVAL);
    assert_int_equal(synack_route6_lookup(h.st, NULL, &got), -EINVAL);
    assert_int_equal(synack_route6_lookup(h.st, PEER6, &got), -ENOENT);
    assert_int_equal(synack_route6_set(h.st, &r), 0);
    synack_route6 host128 = route6("20010db8000000000000000000000001", 128);
    host128.advmss = 900;
    assert_int_equal(synack_route6_set(h.st, &host128), 0);
    /* Full: a third prefix does not fit, replacing one that is there does; the IPv4
     * table is another, with room of its own. */
    synack_route6 all = route6("00000000000000000000000000000000", 0);
    all.initcwnd = 4;
    assert_int_equal(synack_route6_set(h.st, &all), -ENOSPC);
    host128.advmss = 800;
    assert_int_equal(synack_route6_set(h.st, &host128), 0);
    synack_route all4 = {.dst = 0, .prefix_len = 0, .initcwnd = 6};
    assert_int_equal(synack_route_set(h.st, &all4), 0);
    synack_route got4;
    assert_int_equal(synack_route_lookup(h.st, 0xc0000201u, &got4), 0);
    assert_int_equal(got4.initcwnd, 6);
    /* The longest prefix wins; /128 matches one address only. */
    assert_int_equal(synack_route6_lookup(h.st, PEER6, &got), 0);
    assert_int_equal(got.prefix_len, 128);
    assert_int_equal(got.advmss, 800);
    synack_route6 other = route6("20010db8000500000000000000000009", 128);
    assert_int_equal(synack_route6_lookup(h.st, other.dst, &got), 0);
    assert_int_equal(got.prefix_len, 32);
    assert_int_equal(got.mtu, 1400);
    synack_route6 outside = route6("20010db9000000000000000000000001", 128);
    assert_int_equal(synack_route6_lookup(h.st, outside.dst, &got), -ENOENT);
    assert_int_equal(synack_route6_del(h.st, PEER6, 127), -ENOENT);
    assert_int_equal(synack_route6_del(h.st, PEER6, 128), 0);
    assert_int_equal(synack_route6_lookup(h.st, PEER6, &got), 0);
    assert_int_equal(got.prefix_len, 32);
    /* /0 holds every destination, below every longer prefix. */
    assert_int_equal(synack_route6_set(h.st, &all), 0);
    assert_int_equal(synack_route6_lookup(h.st, outside.dst, &got), 0);
    assert_int_equal(got.prefix_len, 0);
    assert_int_equal(got.initcwnd, 4);
    assert_int_equal(synack_route6_lookup(h.st, PEER6, &got), 0);
    assert_int_equal(got.prefix_len, 32);
    synack_stack_free(h.st);

    /* A prefix that ends inside a byte: 2001:db8:0:8::/61 holds 2001:db8:0:f::1, not
     * 2001:db8:0:10::1. */
    host_init(&h, 4, 1);
    synack_route6 p61 = route6("20010db8000000080000000000000000", 61);
    p61.initcwnd = 7;
    assert_int_equal(synack_route6_set(h.st, &p61), 0);
    synack_route6 in = route6("20010db80000000f0000000000000001", 128);
    synack_route6 out = route6("20010db8000000100000000000000001", 128);
    assert_int_equal(synack_route6_lookup(h.st, in.dst, &got), 0);
    assert_int_equal(got.initcwnd, 7);
    assert_int_equal(synack_route6_lookup(h.st, out.dst, &got), -ENOENT);
    synack_stack_free(h.st);

    /* A table of size 0 holds nothing. */
    host_init(&h, 0, 1);
    assert_int_equal(synack_route6_set(h.st, &r), -ENOSPC);
    synack_stack_free(h.st);
}

/* From a callback (here the output of a SYN) the table cannot change. */
static void test_set_from_callback_busy(void **state)
{
    (void)state;
    host h;
    host_init(&h, 4, 1);
    h.busy_probe = 1;
    int ls;
    peer_syn(&h, &ls);
    h.busy_probe = 0;
    assert_int_equal(h.busy_rc, -EBUSY);
    synack_route6 got;
    assert_int_equal(synack_route6_lookup(h.st, PEER6, &got), -ENOENT);
    synack_stack_free(h.st);
}

static void test_advmss_announced_not_sent(void **state)
{
    (void)state;
    host h;
    host_init(&h, 16, 1);
    synack_route6 r = route6("20010db8000000000000000000000001", 128);
    r.advmss = 1000;
    assert_int_equal(synack_route6_set(h.st, &r), 0);
    uint16_t adv;
    uint32_t base;
    int s = accept_v6(&h, &adv, &base);
    assert_int_equal(adv, 1000);
    /* What the peer may send us, not what we send it (Linux's mss_clamp). */
    assert_int_equal(maxseg(&h, s), 1440);
    synack_stack_free(h.st);

    /* An active open announces it too. */
    host_init(&h, 16, 1);
    assert_int_equal(synack_route6_set(h.st, &r), 0);
    int c = synack_socket_domain(h.st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_true(c >= 0);
    struct synack_sockaddr_in6 to;
    memset(&to, 0, sizeof to);
    to.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&to.sin6_port, PEER_PORT);
    memcpy(to.sin6_addr.s6_bytes, PEER6, 16);
    assert_int_equal(synack_connect(h.st, c, (struct sockaddr *)&to, sizeof to), -EINPROGRESS);
    tcp_seg syn;
    parse_out(&h, h.nout - 1, &syn);
    assert_int_equal(syn.flags, TCP_SYN);
    assert_int_equal(syn.opts.mss, 1000);
    synack_stack_free(h.st);

    /* And a SYN cookie's SYN-ACK (syncookies 2: every SYN answered by one). */
    host_init(&h, 16, 2);
    assert_int_equal(synack_route6_set(h.st, &r), 0);
    int ls;
    tcp_seg sa = peer_syn(&h, &ls);
    assert_int_equal(sa.opts.mss, 1000);
    synack_stack_free(h.st);
}

/* A route's MTU over IPv6: MSS = MTU - 60; unlocked, a Packet Too Big lowers it further
 * (RFC 8201); locked, it does not, and nothing is resent. */
static void test_route_mtu_and_lock(void **state)
{
    (void)state;
    static uint8_t data[3000];
    host h;
    host_init(&h, 16, 1);
    synack_route6 r = route6("20010db8000000000000000000000000", 64);
    r.mtu = 1400;
    assert_int_equal(synack_route6_set(h.st, &r), 0);
    uint16_t adv;
    uint32_t base;
    int s = accept_v6(&h, &adv, &base);
    assert_int_equal(adv, 1340);
    assert_int_equal(maxseg(&h, s), 1340);
    assert_int_equal(synack_send(h.st, s, data, sizeof data, 0), (ssize_t)sizeof data);
    packet_too_big(&h, base, 1300);
    assert_int_equal(maxseg(&h, s), 1240);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_PmtuCacheUpdates), 1);
    synack_stack_free(h.st);

    host_init(&h, 16, 1);
    r.flags = SYNACK_ROUTE_MTU_LOCK;
    assert_int_equal(synack_route6_set(h.st, &r), 0);
    s = accept_v6(&h, &adv, &base);
    assert_int_equal(synack_send(h.st, s, data, sizeof data, 0), (ssize_t)sizeof data);
    size_t mark = h.nout;
    packet_too_big(&h, base, 1300);
    /* "mtu lock": the route's MTU stands; nothing is resent, nothing cached. */
    assert_int_equal(maxseg(&h, s), 1340);
    assert_int_equal(h.nout, mark);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_PmtuCacheUpdates), 0);
    synack_stack_free(h.st);
}

static void test_initcwnd(void **state)
{
    (void)state;
    static uint8_t data[20000];
    host h;
    host_init(&h, 16, 1);
    synack_route6 r = route6("20010db8000000000000000000000001", 128);
    r.initcwnd = 3;
    assert_int_equal(synack_route6_set(h.st, &r), 0);
    uint16_t adv;
    uint32_t base;
    int s = accept_v6(&h, &adv, &base);
    assert_int_equal(adv, 1440);
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, sizeof data, 0), (ssize_t)sizeof data);
    char got[256];
    sent(&h, mark, base, got, sizeof got);
    assert_string_equal(got, "0/1440|1440/1440|2880/1440");
    synack_stack_free(h.st);

    /* A route for another prefix leaves this destination at cfg.initial_cwnd_segs. */
    host_init(&h, 16, 1);
    synack_route6 far = route6("20010db8000500000000000000000000", 48);
    far.initcwnd = 3;
    assert_int_equal(synack_route6_set(h.st, &far), 0);
    s = accept_v6(&h, &adv, &base);
    mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, sizeof data, 0), (ssize_t)sizeof data);
    assert_int_equal(h.nout - mark, 10);
    synack_stack_free(h.st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table6_api),
        cmocka_unit_test(test_set_from_callback_busy),
        cmocka_unit_test(test_advmss_announced_not_sent),
        cmocka_unit_test(test_route_mtu_and_lock),
        cmocka_unit_test(test_initcwnd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
