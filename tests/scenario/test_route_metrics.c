/* SPDX-License-Identifier: MIT */
/* Per-route metrics (synack/route.h, src/stack/route.c, src/tcp/mtu.c): the bounded table
 * and its errors; a route's advmss is the MSS our SYN-ACK and SYN announce, its MTU bounds
 * the MSS we send (and ICMP may not lower a locked one), its initcwnd is a new
 * connection's first flight. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

static uint8_t data[20000];

static int maxseg(seghost *h, int s)
{
    int v = 0;
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(h->st, s, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0);
    return v;
}

/* The peer opens a connection offering MSS 1460 (no other options); returns the accepted
 * socket, with TCP_NODELAY; our SYN-ACK's MSS option in *adv, ISS + 1 in *base. */
static int open_conn(seghost *h, uint16_t *adv, uint32_t *base)
{
    int ls = sh_listen(h, FX_PORT, 4);
    assert_true(ls >= 0);
    tcp_opts o = {.has_mss = 1, .mss = 1460};
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, &o);
    const sh_seg *sa = sh_last(h);
    assert_int_equal(sa->s.flags, TCP_SYN | TCP_ACK);
    *adv = sa->s.opts.mss;
    *base = sa->s.seq + 1;
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, *base, TCP_ACK, 65535, NULL, 0, NULL);
    int s = synack_accept(h->st, ls, NULL, NULL);
    assert_true(s >= 0);
    int one = 1;
    assert_int_equal(synack_setsockopt(h->st, s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    return s;
}

/* A fragmentation-needed from the path for our segment at seq, next-hop MTU mtu. */
static void frag_needed(seghost *h, uint32_t seq, uint16_t mtu)
{
    uint8_t quote[28];
    ipv4_hdr q = {
        .ttl = 63, .proto = IP_PROTO_TCP, .src = SH_ADDR, .dst = SH_PEER, .frag = IPV4_FLAG_DF};
    assert_int_equal(ipv4_emit(quote, sizeof(quote), &q, 1500 - IPV4_HDR_LEN), IPV4_HDR_LEN);
    uint8_t *t = quote + IPV4_HDR_LEN;
    t[0] = FX_PORT >> 8;
    t[1] = FX_PORT & 0xff;
    t[2] = FX_PEER_PORT >> 8;
    t[3] = FX_PEER_PORT & 0xff;
    for (int i = 0; i < 4; i++)
        t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
    uint8_t frame[IPV4_HDR_LEN + ICMP_HDR_LEN + sizeof(quote)];
    icmp_msg m = {.type = ICMP_DEST_UNREACH,
                  .code = ICMP_CODE_FRAG_NEEDED,
                  .rest = mtu,
                  .payload = quote,
                  .payload_len = sizeof(quote)};
    size_t n = icmp_emit(frame + IPV4_HDR_LEN, sizeof(frame) - IPV4_HDR_LEN, &m);
    ipv4_hdr o = {.ttl = 64, .proto = IP_PROTO_ICMP, .src = SH_PEER, .dst = SH_ADDR};
    ipv4_emit(frame, sizeof(frame), &o, n);
    assert_int_equal(synack_input(h->st, h->now, frame, IPV4_HDR_LEN + n), 0);
}

static void test_table_api(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_init(&cfg);
    cfg.route_table_size = 2;
    seghost h;
    sh_init(&h, &cfg);
    synack_route r = {.dst = 0xc0000200u, .prefix_len = 24, .mtu = 1400};
    synack_route bad = r;
    bad.prefix_len = 33;
    assert_int_equal(synack_route_set(h.st, &bad), -EINVAL);
    bad = r;
    bad.dst |= 1; /* host bits under a /24 */
    assert_int_equal(synack_route_set(h.st, &bad), -EINVAL);
    bad = r;
    bad.flags = 0x80;
    assert_int_equal(synack_route_set(h.st, &bad), -EINVAL);
    bad = r;
    bad.mtu = 67;
    assert_int_equal(synack_route_set(h.st, &bad), -EINVAL);
    bad.mtu = 1501; /* above the link's */
    assert_int_equal(synack_route_set(h.st, &bad), -EINVAL);
    bad = r;
    bad.initcwnd = 1025;
    assert_int_equal(synack_route_set(h.st, &bad), -EINVAL);
    assert_int_equal(synack_route_set(NULL, &r), -EINVAL);
    assert_int_equal(synack_route_set(h.st, NULL), -EINVAL);

    synack_route got;
    assert_int_equal(synack_route_lookup(h.st, SH_PEER, &got), -ENOENT);
    assert_int_equal(synack_route_set(h.st, &r), 0);
    synack_route host = {.dst = SH_PEER, .prefix_len = 32, .advmss = 900};
    assert_int_equal(synack_route_set(h.st, &host), 0);
    /* Full: a third prefix does not fit, but replacing one that is there does. */
    synack_route all = {.dst = 0, .prefix_len = 0, .initcwnd = 4};
    assert_int_equal(synack_route_set(h.st, &all), -ENOSPC);
    host.advmss = 800;
    assert_int_equal(synack_route_set(h.st, &host), 0);
    /* The longest prefix wins. */
    assert_int_equal(synack_route_lookup(h.st, SH_PEER, &got), 0);
    assert_int_equal(got.prefix_len, 32);
    assert_int_equal(got.advmss, 800);
    assert_int_equal(synack_route_lookup(h.st, 0xc0000209u, &got), 0);
    assert_int_equal(got.prefix_len, 24);
    assert_int_equal(got.mtu, 1400);
    assert_int_equal(synack_route_lookup(h.st, 0xc6120001u, &got), -ENOENT);
    assert_int_equal(synack_route_del(h.st, SH_PEER, 31), -ENOENT);
    assert_int_equal(synack_route_del(h.st, SH_PEER, 33), -EINVAL);
    assert_int_equal(synack_route_del(h.st, SH_PEER, 32), 0);
    assert_int_equal(synack_route_lookup(h.st, SH_PEER, &got), 0);
    assert_int_equal(got.prefix_len, 24);
    assert_int_equal(synack_route_set(h.st, &all), 0);
    sh_free(&h);

    /* A table of size 0 holds nothing. */
    cfg.route_table_size = 0;
    sh_init(&h, &cfg);
    assert_int_equal(synack_route_set(h.st, &r), -ENOSPC);
    sh_free(&h);
}

static void test_advmss_is_announced_not_sent(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    synack_route r = {.dst = SH_PEER, .prefix_len = 32, .advmss = 1000};
    assert_int_equal(synack_route_set(h.st, &r), 0);
    uint16_t adv;
    uint32_t base;
    int s = open_conn(&h, &adv, &base);
    assert_int_equal(adv, 1000);
    /* What the peer may send us, not what we send it (Linux's mss_clamp). */
    assert_int_equal(maxseg(&h, s), 1460);
    sh_free(&h);

    /* An active open announces it too. */
    sh_init(&h, NULL);
    assert_int_equal(synack_route_set(h.st, &r), 0);
    int c = synack_socket(h.st, SOCK_STREAM);
    assert_true(c >= 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(80)};
    to.sin_addr.s_addr = htonl(SH_PEER);
    assert_int_equal(synack_connect(h.st, c, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    assert_int_equal(sh_last(&h)->s.flags, TCP_SYN);
    assert_int_equal(sh_last(&h)->s.opts.mss, 1000);
    sh_free(&h);
}

static void test_route_mtu_and_lock(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    synack_route r = {.dst = SH_PEER, .prefix_len = 32, .mtu = 1000};
    assert_int_equal(synack_route_set(h.st, &r), 0);
    uint16_t adv;
    uint32_t base;
    int s = open_conn(&h, &adv, &base);
    assert_int_equal(adv, 960);
    assert_int_equal(maxseg(&h, s), 960);
    assert_int_equal(synack_send(h.st, s, data, 2000, 0), 2000);
    /* Not locked: the path below may still be smaller (RFC 1191). */
    frag_needed(&h, base, 800);
    assert_int_equal(maxseg(&h, s), 760);
    sh_free(&h);

    sh_init(&h, NULL);
    r.flags = SYNACK_ROUTE_MTU_LOCK;
    assert_int_equal(synack_route_set(h.st, &r), 0);
    s = open_conn(&h, &adv, &base);
    assert_int_equal(synack_send(h.st, s, data, 2000, 0), 2000);
    size_t mark = h.nout;
    frag_needed(&h, base, 800);
    /* "mtu lock": the route's MTU stands; nothing is resent. */
    assert_int_equal(maxseg(&h, s), 960);
    assert_int_equal(h.nout, mark);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_PmtuCacheUpdates), 0);
    sh_free(&h);
}

static void test_route_mtu_change_reaches_running_connection(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    synack_route r = {.dst = SH_PEER, .prefix_len = 32, .mtu = 1000};
    assert_int_equal(synack_route_set(h.st, &r), 0);
    uint16_t adv;
    uint32_t base;
    int s = open_conn(&h, &adv, &base);
    assert_int_equal(maxseg(&h, s), 960);
    r.mtu = 1500;
    assert_int_equal(synack_route_set(h.st, &r), 0);
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 2000, 0), 2000);
    fx_sh_peer_ack(&h, base + 2000, 0, 0);
    assert_int_equal(synack_send(h.st, s, data, 2000, 0), 2000);
    char got[128];
    fx_sh_sent(&h, mark, base, got, sizeof(got));
    /* The send that meets the new route goes at the old size (Linux's cached route); the
     * next at the new one. */
    assert_string_equal(got, "0/960|960/960|1920/80P|2000/1460|3460/540P");
    assert_int_equal(maxseg(&h, s), 1460);
    /* Down again: never above the route's MTU. */
    r.mtu = 600;
    assert_int_equal(synack_route_set(h.st, &r), 0);
    fx_sh_peer_ack(&h, base + 4000, 0, 0);
    assert_int_equal(synack_send(h.st, s, data, 100, 0), 100);
    assert_int_equal(synack_send(h.st, s, data, 1000, 0), 1000);
    assert_int_equal(maxseg(&h, s), 560);
    sh_free(&h);
}

static void test_initcwnd(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    synack_route r = {.dst = SH_PEER, .prefix_len = 32, .initcwnd = 3};
    assert_int_equal(synack_route_set(h.st, &r), 0);
    uint16_t adv;
    uint32_t base;
    int s = open_conn(&h, &adv, &base);
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, sizeof(data), 0), (ssize_t)sizeof(data));
    char got[128];
    fx_sh_sent(&h, mark, base, got, sizeof(got));
    assert_string_equal(got, "0/1460|1460/1460|2920/1460");
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_api),
        cmocka_unit_test(test_advmss_is_announced_not_sent),
        cmocka_unit_test(test_route_mtu_and_lock),
        cmocka_unit_test(test_route_mtu_change_reaches_running_connection),
        cmocka_unit_test(test_initcwnd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
