/* SPDX-License-Identifier: MIT */
/* Packetization-Layer Path MTU Discovery over IPv6 (RFC 4821; src/tcp/mtu.c): path MTUs
 * and MSS values with the 40-byte IPv6 header (MSS = MTU - 60 - options), black-hole
 * detection whose search never goes below IPv6's minimum link MTU of 1280 (RFC 8200 5),
 * unless mtu_probe6_linux, a probe sized from the IPv6 search range, and IPv6 routes
 * (synack_route6): upstream's mtu_probe/basic-v6.pkt played, and a locked route MTU that
 * bounds the search. The test plays the peer (2001:db8::1)
 * with hand-built packets; the stack is 2001:db8::2 with a 1500-byte MTU. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

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

#define PEER_PORT 80
#define PEER_ISS 5000u
#define MAX_FRAMES 512

static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t PEER6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

typedef struct out_frame {
    size_t len;
    uint8_t b[1600];
} out_frame;

typedef struct host {
    synack_stack *st;
    uint64_t now;
    out_frame out[MAX_FRAMES];
    size_t nout;
    uint16_t lport;
    uint32_t iss; /* the stack's */
    uint32_t tsval;
} host;

static int out_cb(void *ctx, const uint8_t *frame, size_t len)
{
    host *h = ctx;
    assert_true(h->nout < MAX_FRAMES);
    assert_true(len <= sizeof h->out[0].b);
    h->out[h->nout].len = len;
    memcpy(h->out[h->nout].b, frame, len);
    h->nout++;
    return 0;
}

/* Frame i as IPv6 + TCP from us, checksum verified; returns the IPv6 packet's length. */
static size_t parse_out(const host *h, size_t i, tcp_seg *s)
{
    assert_true(i < h->nout);
    return seg_parse6(h->out[i].b, h->out[i].len, US6, PEER6, s);
}

static void peer_send(host *h, uint32_t seq, uint32_t ack, uint8_t flags, const tcp_opts *opts)
{
    uint8_t buf[200];
    size_t n = seg_build6(buf, sizeof buf, PEER6, US6, PEER_PORT, h->lport, seq, ack, flags, 65535,
                          NULL, 0, opts);
    assert_true(n > 0);
    assert_int_equal(synack_input(h->st, h->now, buf, n), 0);
}

/* What a test changes in open_v6's config (a zero field: open_v6's value). */
typedef struct v6_opts {
    uint32_t mtu;               /* the link's (1500) */
    uint16_t base_mss;          /* (1024) */
    uint8_t linux6;             /* mtu_probe6_linux (0) */
    uint64_t probe_interval_us; /* (600 s) */
} v6_opts;

/* open_v6 with what o changes. */
static int open_v6_opts(host *h, uint8_t probing, const v6_opts *o)
{
    memset(h, 0, sizeof *h);
    synack_config cfg;
    synack_config_default(&cfg);
    synack_config_deterministic(&cfg, 11);
    cfg.netif.type = SYNACK_LINK_IP;
    cfg.netif.addr = 0xc0000202u;
    cfg.netif.prefix_len = 24;
    memcpy(cfg.netif.addr6, US6, 16);
    cfg.netif.prefix6_len = 64;
    cfg.netif.mtu = o->mtu ? o->mtu : 1500;
    cfg.netif.output = out_cb;
    cfg.netif.output_ctx = h;
    cfg.mtu_probing = probing;
    if (o->base_mss)
        cfg.base_mss = o->base_mss;
    cfg.mtu_probe6_linux = o->linux6;
    if (o->probe_interval_us)
        cfg.probe_interval_us = o->probe_interval_us;
    cfg.initial_cwnd_segs = 20;
    h->now = 1000000;
    h->st = synack_stack_new(&cfg);
    assert_non_null(h->st);
    return 0;
}

/* A stack with PLPMTUD always on (mtu_probing 2, base_mss 1024) connected to the peer,
 * whose SYN-ACK offers MSS 1440 and timestamps. Returns the socket (TCP_NODELAY). */
static int open_v6(host *h, uint8_t probing)
{
    v6_opts o = {0};
    return open_v6_opts(h, probing, &o);
}

static int connect_v6(host *h)
{
    int s = synack_socket_domain(h->st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_true(s >= 0);
    struct synack_sockaddr_in6 to;
    memset(&to, 0, sizeof to);
    to.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&to.sin6_port, PEER_PORT);
    memcpy(to.sin6_addr.s6_bytes, PEER6, 16);
    size_t mark = h->nout;
    assert_int_equal(synack_connect(h->st, s, (struct sockaddr *)&to, sizeof to), -EINPROGRESS);
    assert_int_equal(h->nout, mark + 1);
    tcp_seg syn;
    parse_out(h, mark, &syn);
    assert_int_equal(syn.flags, TCP_SYN);
    assert_int_equal(syn.opts.mss, 1440); /* 1500 - 40 - 20 */
    h->lport = syn.sport;
    h->iss = syn.seq;
    tcp_opts o = {
        .has_mss = 1, .mss = 1440, .has_ts = 1, .ts_val = ++h->tsval, .ts_ecr = syn.opts.ts_val};
    h->now += 1000;
    peer_send(h, PEER_ISS, h->iss + 1, TCP_SYN | TCP_ACK, &o);
    int one = 1;
    assert_int_equal(
        synack_setsockopt(h->st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY, &one, sizeof one), 0);
    return s;
}

static int maxseg(host *h, int s)
{
    return fx_maxseg(h->st, s);
}

/* "off/len|off/len..." of the data segments in frames [from, nout), off from the ISS. */
static void sent(host *h, size_t from, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    for (size_t i = from; i < h->nout && n + 24 < cap; i++) {
        tcp_seg s;
        size_t plen = parse_out(h, i, &s);
        if (!s.payload_len)
            continue;
        /* every frame is exactly its IPv6 packet: header, TCP header, timestamps, data */
        assert_int_equal(plen,
                         IPV6_HDR_LEN + TCP_HDR_LEN + (s.opts.has_ts ? 12u : 0u) + s.payload_len);
        n += (size_t)snprintf(out + n, cap - n, "%s%u/%zu", n ? "|" : "", s.seq - h->iss - 1,
                              s.payload_len);
    }
}

static uint8_t data[20000];

/* Black-hole detection (mtu_probing 1) over IPv6: after three timeouts in a row the
 * search starts, at IPv6's minimum link MTU rather than base_mss's 1096 (RFC 8200 5: every
 * IPv6 link carries 1280): the segment resent is 1280 - 60 - 12 = 1208 bytes, a 1280-byte
 * IPv6 packet. */
static void test_black_hole_falls_back_to_1280(void **state)
{
    (void)state;
    static host h;
    open_v6(&h, 1);
    int s = connect_v6(&h);
    assert_int_equal(maxseg(&h, s), 1428);
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 8000, 0), 8000);
    char got[256];
    sent(&h, mark, got, sizeof got);
    assert_string_equal(got, "0/1428|1428/1428|2856/1428|4284/1428|5712/1428|7140/860");
    /* nothing comes back: each timeout resends the first segment */
    char rto[256] = "";
    size_t n = 0;
    for (int k = 0; k < 4; k++) {
        mark = h.nout;
        got[0] = 0;
        for (int guard = 0; guard < 20 && !got[0]; guard++) {
            uint64_t d = synack_next_deadline(h.st);
            assert_true(d != UINT64_MAX);
            h.now = d > h.now ? d : h.now + 1;
            assert_int_equal(synack_poll(h.st, h.now), 0);
            sent(&h, mark, got, sizeof got);
        }
        n += (size_t)snprintf(rto + n, sizeof rto - n, "%s[%s]", k ? " " : "", got);
    }
    assert_string_equal(rto, "[0/1428] [0/1428] [0/1208] [0/1208]");
    assert_int_equal(maxseg(&h, s), 1208);

    /* The path works at that size: the peer ACKs every segment as it comes, the window
     * opens, and the search probes for MTU (1500 + 1280) / 2 = 1390 with one 1318-byte
     * segment, a 1390-byte IPv6 packet; its ACK makes 1318 the MSS. */
    size_t scan = mark;
    uint32_t probe_len = 0, queued = 8000;
    for (int round = 0; round < 200 && !probe_len; round++) {
        uint32_t acked = 0;
        for (; scan < h.nout; scan++) {
            tcp_seg g;
            parse_out(&h, scan, &g);
            if (g.payload_len > 1208) {
                probe_len = (uint32_t)g.payload_len;
                assert_int_equal(h.out[scan].len, 1390);
            }
            acked = g.seq + (uint32_t)g.payload_len;
        }
        if (acked) {
            h.now += 20000;
            tcp_opts ts = {.has_ts = 1, .ts_val = ++h.tsval};
            peer_send(&h, PEER_ISS + 1, acked, TCP_ACK, &ts);
        }
        if (queued < sizeof data * 40) {
            ssize_t k = synack_send(h.st, s, data, sizeof data, 0);
            if (k > 0)
                queued += (uint32_t)k;
        }
    }
    assert_int_equal(probe_len, 1318);
    /* (the round that saw the probe ACKed it) */
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPMTUPSuccess), 1);
    assert_int_equal(maxseg(&h, s), 1318);
    synack_stack_free(h.st);
}

/* Without probing, an IPv6 connection's MSS is the link's: 1500 - 60 - 12. */
static void test_no_probing_keeps_link_mss(void **state)
{
    (void)state;
    static host h;
    open_v6(&h, 0);
    int s = connect_v6(&h);
    assert_int_equal(maxseg(&h, s), 1428);
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 3000, 0), 3000);
    char got[128];
    sent(&h, mark, got, sizeof got);
    assert_string_equal(got, "0/1428|1428/1428|2856/144");
    synack_stack_free(h.st);
}

/* The peer opens a connection to port 8080 with basic-v6.pkt's SYN (MSS 1460, window
 * scale 0, no timestamps): the accepted socket (TCP_NODELAY), our SYN-ACK's MSS in *adv. */
static int accept_v6(host *h, uint16_t *adv)
{
    int ls = synack_socket_domain(h->st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_true(ls >= 0);
    struct synack_sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&a.sin6_port, 8080);
    assert_int_equal(synack_bind(h->st, ls, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(synack_listen(h->st, ls, 1), 0);
    h->lport = 8080;
    tcp_opts o = {.has_mss = 1, .mss = 1460, .has_wscale = 1, .wscale = 0};
    peer_send(h, PEER_ISS, 0, TCP_SYN, &o);
    tcp_seg sa;
    parse_out(h, h->nout - 1, &sa);
    assert_int_equal(sa.flags, TCP_SYN | TCP_ACK);
    *adv = sa.opts.mss;
    h->iss = sa.seq;
    peer_send(h, PEER_ISS + 1, h->iss + 1, TCP_ACK, NULL);
    int s = synack_accept(h->st, ls, NULL, NULL);
    assert_true(s >= 0);
    int one = 1;
    assert_int_equal(
        synack_setsockopt(h->st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY, &one, sizeof one), 0);
    return s;
}

static void set_route(host *h, uint16_t mtu, uint16_t advmss, uint16_t initcwnd)
{
    synack_route6 r = {.prefix_len = 128,
                       .flags = SYNACK_ROUTE_MTU_LOCK,
                       .mtu = mtu,
                       .advmss = advmss,
                       .initcwnd = initcwnd};
    memcpy(r.dst, PEER6, 16);
    assert_int_equal(synack_route6_set(h->st, &r), 0);
}

/* Upstream packetdrill's mtu_probe/basic-v6.pkt played on the stack: a 1520-byte link
 * (run_all.py's --mtu), probing always on from a base MSS of 512, a route with "advmss 600
 * mtu lock 660 initcwnd 11" that then grows to "advmss 1480 mtu lock 1520". linux6 is
 * mtu_probe6_linux: with it the search starts at 512 + 60 as Linux's, and the probe is
 * (1520 + 572) / 2 - 60 = 986 bytes; without it at 1280, and the probe is 1340. */
static void play_basic_v6(uint8_t linux6, const char *first, const char *second, int mss)
{
    static host h;
    v6_opts o = {.mtu = 1520, .base_mss = 512, .linux6 = linux6};
    open_v6_opts(&h, 2, &o);
    set_route(&h, 660, 600, 11);
    uint16_t adv;
    int s = accept_v6(&h, &adv);
    assert_int_equal(adv, 600);
    assert_int_equal(maxseg(&h, s), 600);
    /* As with Linux's cached route, the connection meets the new MTU when it next
     * sends: this burst is still at 600 but for the probe. */
    set_route(&h, 1520, 1480, 0);
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 4000, 0), 4000);
    char got[256];
    sent(&h, mark, got, sizeof got);
    assert_string_equal(got, first);
    h.now += 100000;
    peer_send(&h, PEER_ISS + 1, h.iss + 1 + 4000, TCP_ACK, NULL);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPMTUPSuccess), 1);
    mark = h.nout;
    h.now += 100000;
    assert_int_equal(synack_send(h.st, s, data, 2000, 0), 2000);
    sent(&h, mark, got, sizeof got);
    assert_string_equal(got, second);
    assert_int_equal(maxseg(&h, s), mss);
    synack_stack_free(h.st);
}

static void test_basic_v6_linux_search(void **state)
{
    (void)state;
    play_basic_v6(1, "0/986|986/600|1586/600|2186/600|2786/600|3386/600|3986/14",
                  "4000/986|4986/986|5972/28", 986);
}

static void test_basic_v6_rfc_search(void **state)
{
    (void)state;
    play_basic_v6(0, "0/1340|1340/600|1940/600|2540/600|3140/600|3740/260", "4000/1340|5340/660",
                  1340);
}

/* A locked route MTU bounds the search: with 1400 on a 1500-byte link, the searches that
 * start again every probe_interval (1 s here) from the peer's MSS never send a packet
 * above 1400, and nothing probes. */
static void test_locked_route_bounds_search(void **state)
{
    (void)state;
    static host h;
    v6_opts o = {.probe_interval_us = 1000000};
    open_v6_opts(&h, 2, &o);
    set_route(&h, 1400, 0, 0);
    uint16_t adv;
    int s = accept_v6(&h, &adv);
    assert_int_equal(adv, 1340);
    assert_int_equal(maxseg(&h, s), 1340);
    size_t scan = h.nout, biggest = 0;
    for (int round = 0; round < 20; round++) {
        (void)synack_send(h.st, s, data, sizeof data, 0);
        uint32_t top = 0;
        for (; scan < h.nout; scan++) {
            tcp_seg g;
            size_t len = parse_out(&h, scan, &g);
            biggest = len > biggest ? len : biggest;
            if (g.payload_len)
                top = g.seq + (uint32_t)g.payload_len;
        }
        h.now += 100000;
        if (top)
            peer_send(&h, PEER_ISS + 1, top, TCP_ACK, NULL);
    }
    assert_int_equal(biggest, 1400);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPMTUPSuccess), 0);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPMTUPFail), 0);
    assert_int_equal(maxseg(&h, s), 1340);
    synack_stack_free(h.st);
}

/* An IPv6 active open with probing always on starts its search at its base: IPv6's
 * minimum link MTU, 1280 - 60 - 12 = 1208 bytes a segment; under mtu_probe6_linux at
 * base_mss (1024), as Linux's tcp_connect_init. The peer's SYN-ACK offered 1440. */
static void test_active_open_starts_at_search_base(void **state)
{
    (void)state;
    static host h;
    static const struct {
        uint8_t linux6;
        int mss;
        const char *want;
    } cases[] = {{0, 1208, "0/1208|1208/1208|2416/584"}, {1, 1024, "0/1024|1024/1024|2048/952"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v6_opts o = {.linux6 = cases[i].linux6};
        open_v6_opts(&h, 2, &o);
        int s = connect_v6(&h);
        assert_int_equal(maxseg(&h, s), cases[i].mss);
        size_t mark = h.nout;
        assert_int_equal(synack_send(h.st, s, data, 3000, 0), 3000);
        char got[128];
        sent(&h, mark, got, sizeof got);
        assert_string_equal(got, cases[i].want);
        synack_stack_free(h.st);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_black_hole_falls_back_to_1280),
        cmocka_unit_test(test_no_probing_keeps_link_mss),
        cmocka_unit_test(test_basic_v6_linux_search),
        cmocka_unit_test(test_basic_v6_rfc_search),
        cmocka_unit_test(test_locked_route_bounds_search),
        cmocka_unit_test(test_active_open_starts_at_search_base),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
