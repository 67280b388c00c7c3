/* SPDX-License-Identifier: MIT */
/* The path MTU that ICMP fragmentation-needed lowered for one connection holds for the
 * next connection to that destination (RFC 1191 6.3, src/stack/ip_pmtu.c over
 * src/stack/pmtu_cache.c), and is forgotten after cfg.pmtu_expire_us (RFC 1191 6.3's
 * 10 minutes), after which a new connection starts at the link MTU again. */
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

#define LISTENER 0 /* the fixture's listening socket: the stack's first */
#define EXPIRE_US 600000000ull

/* Fragmentation needed from a router on the path, quoting our segment with seq. */
static void frag_needed(seghost *h, uint16_t mtu, uint16_t dport, uint32_t seq)
{
    uint8_t quote[28];
    ipv4_hdr q = {
        .ttl = 63, .proto = IP_PROTO_TCP, .src = SH_ADDR, .dst = SH_PEER, .frag = IPV4_FLAG_DF};
    assert_int_equal(ipv4_emit(quote, sizeof(quote), &q, 20u + 1460), IPV4_HDR_LEN);
    uint8_t *t = quote + IPV4_HDR_LEN;
    t[0] = (uint8_t)(FX_PORT >> 8);
    t[1] = (uint8_t)FX_PORT;
    t[2] = (uint8_t)(dport >> 8);
    t[3] = (uint8_t)dport;
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

static int maxseg(seghost *h, int s)
{
    int v = 0;
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(h->st, s, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0);
    return v;
}

/* Another connection from the peer's port pport, its SYN offering MSS 1460 (no
 * timestamps); returns the accepted socket. Our SYN-ACK still offers the link's MSS: the
 * cached path MTU bounds what we send, not what the peer may send us (as Linux). */
static int open_from(seghost *h, uint16_t pport)
{
    tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = 1460;
    sh_send(h, pport, FX_PORT, FX_PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, &o);
    const sh_seg *sa = sh_last(h);
    assert_int_equal(sa->s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sa->s.opts.mss, 1460);
    sh_send(h, pport, FX_PORT, FX_PEER_ISS + 1, sa->s.seq + 1, TCP_ACK, 65535, NULL, 0, NULL);
    int s = synack_accept(h->st, LISTENER, NULL, NULL);
    assert_true(s >= 0);
    return s;
}

static void test_new_connection_uses_cached_mtu_until_it_expires(void **state)
{
    (void)state;
    seghost h;
    uint32_t siss;
    int a = fx_sh_established_opts(&h, NULL, 0, 0, &siss);
    assert_int_equal(maxseg(&h, a), 1460);
    static uint8_t data[3000];
    assert_int_equal(synack_send(h.st, a, data, sizeof(data), 0), (ssize_t)sizeof(data));
    uint64_t t_icmp = h.now;
    frag_needed(&h, 1280, FX_PEER_PORT, siss + 1);
    assert_int_equal(maxseg(&h, a), 1240);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_PmtuCacheUpdates), 1);
    fx_sh_peer_ack(&h, siss + 1 + sizeof(data), 0, 0);

    /* A new connection to the same destination starts at 1280 - 40. */
    int b = open_from(&h, FX_PEER_PORT + 1);
    assert_int_equal(maxseg(&h, b), 1240);
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, b, data, sizeof(data), 0), (ssize_t)sizeof(data));
    assert_true(h.nout > mark);
    assert_int_equal(h.out[mark].s.payload_len, 1240);

    /* Still known a moment before its 10 minutes are up ... */
    sh_run_until(&h, t_icmp + EXPIRE_US - 1);
    int c = open_from(&h, FX_PEER_PORT + 2);
    assert_int_equal(maxseg(&h, c), 1240);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_PmtuCacheExpired), 0);
    /* ... and forgotten after: the next connection tries the link MTU again. */
    sh_run_until(&h, t_icmp + EXPIRE_US);
    int d = open_from(&h, FX_PEER_PORT + 3);
    assert_int_equal(maxseg(&h, d), 1460);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_PmtuCacheExpired), 1);
    sh_free(&h);
}

static void test_cache_off_and_forged_reports(void **state)
{
    (void)state;
    seghost h;
    uint32_t siss;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.pmtu_cache_size = 0;
    int a = fx_sh_established_opts(&h, &cfg, 0, 0, &siss);
    static uint8_t data[3000];
    assert_int_equal(synack_send(h.st, a, data, sizeof(data), 0), (ssize_t)sizeof(data));
    size_t mem = synack_mem_in_use(h.st);
    /* Out of the send window (RFC 5927 4.1): neither this connection nor the cache. */
    frag_needed(&h, 1280, FX_PEER_PORT, siss + 1 + 100000);
    assert_int_equal(maxseg(&h, a), 1460);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_OutOfWindowIcmps), 1);
    /* A valid one lowers this connection's MSS only: no cache, no memory. */
    frag_needed(&h, 1280, FX_PEER_PORT, siss + 1);
    assert_int_equal(maxseg(&h, a), 1240);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_PmtuCacheUpdates), 0);
    fx_sh_peer_ack(&h, siss + 1 + sizeof(data), 0, 0);
    assert_true(synack_mem_in_use(h.st) <= mem);
    int b = open_from(&h, FX_PEER_PORT + 1);
    assert_int_equal(maxseg(&h, b), 1460);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_connection_uses_cached_mtu_until_it_expires),
        cmocka_unit_test(test_cache_off_and_forged_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
