/* SPDX-License-Identifier: MIT */
/* Packetization-Layer Path MTU Discovery (RFC 4821; src/tcp/mtu.c) with Linux's knobs
 * (cfg.mtu_probing, base_mss): a probe larger than the MSS is built from queued data; its
 * ACK raises the MSS; its loss lowers the search's upper bound and is not congestion; and
 * with mtu_probing 1, repeated timeouts (a black hole) start a search from base_mss. The
 * first test is upstream packetdrill's mtu_probe/basic-v4.pkt played on the stack. */
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

static uint8_t data[8000];

static int maxseg(seghost *h, int s)
{
    int v = 0;
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(h->st, s, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0);
    return v;
}

static void set_route(seghost *h, uint16_t mtu, uint16_t advmss, uint16_t initcwnd)
{
    synack_route r = {.dst = SH_PEER,
                      .prefix_len = 32,
                      .flags = SYNACK_ROUTE_MTU_LOCK,
                      .mtu = mtu,
                      .advmss = advmss,
                      .initcwnd = initcwnd};
    assert_int_equal(synack_route_set(h->st, &r), 0);
}

/* basic-v4.pkt's start: probing always on (mode 2) from a base MSS of 512, a route with
 * "advmss 600 mtu lock 640 initcwnd 11"; the peer's SYN offers MSS 1460 (no other
 * options), our SYN-ACK 600. Returns the accepted socket (TCP_NODELAY: the tails go at
 * once), the first data sequence number in *base. */
static int open_probing(seghost *h, uint8_t mode, uint32_t *base)
{
    synack_config cfg;
    synack_config_init(&cfg);
    cfg.mtu_probing = mode;
    cfg.base_mss = 512;
    sh_init(h, &cfg);
    set_route(h, 640, 600, 11);
    int ls = sh_listen(h, FX_PORT, 4);
    assert_true(ls >= 0);
    tcp_opts o = {.has_mss = 1, .mss = 1460};
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, &o);
    const sh_seg *sa = sh_last(h);
    assert_int_equal(sa->s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sa->s.opts.mss, 600);
    *base = sa->s.seq + 1;
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, *base, TCP_ACK, 65535, NULL, 0, NULL);
    int s = synack_accept(h->st, ls, NULL, NULL);
    assert_true(s >= 0);
    int one = 1;
    assert_int_equal(synack_setsockopt(h->st, s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    assert_int_equal(maxseg(h, s), 600);
    return s;
}

static void send_bytes(seghost *h, int s, size_t n)
{
    assert_int_equal(synack_send(h->st, s, data, n, 0), (ssize_t)n);
}

static void test_probe_raises_mss(void **state)
{
    (void)state;
    seghost h;
    uint32_t base;
    int s = open_probing(&h, 2, &base);
    /* The path grows: "advmss 1460 mtu lock 1500". As with Linux's cached route, the
     * connection meets the new MTU when it next sends, so this burst is still at 600. */
    set_route(&h, 1500, 1460, 0);
    size_t mark = h.nout;
    send_bytes(&h, s, 4000);
    char got[256];
    fx_sh_sent(&h, mark, base, got, sizeof(got));
    /* The probe: MTU (1500 + 552) / 2 = 1026, 986 bytes of data; then 600-byte segments. */
    assert_string_equal(got, "0/986|986/600|1586/600|2186/600|2786/600|3386/600|3986/14P");
    fx_sh_peer_ack(&h, base + 4000, 0, 0);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPMTUPSuccess), 1);
    mark = h.nout;
    send_bytes(&h, s, 2000);
    fx_sh_sent(&h, mark, base, got, sizeof(got));
    /* RFC 4821 7.6.1: the probe's size works; the MSS is now 986 (the route's MTU came
     * down to the search's upper bound, so no further probe). */
    assert_string_equal(got, "4000/986|4986/986|5972/28P");
    assert_int_equal(maxseg(&h, s), 986);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPMTUPFail), 0);
    sh_free(&h);
}

static void test_lost_probe_is_not_congestion(void **state)
{
    (void)state;
    seghost h;
    uint32_t base;
    int s = open_probing(&h, 2, &base);
    set_route(&h, 1500, 1460, 0);
    send_bytes(&h, s, 4000);
    synack_tcp_info before = fx_tcp_info(h.st, s);
    /* The probe never arrives: the four segments after it bring duplicate ACKs. */
    size_t mark = h.nout;
    for (int i = 0; i < 3; i++)
        fx_sh_peer_ack(&h, base, 0, 0);
    char got[256];
    fx_sh_sent(&h, mark, base, got, sizeof(got));
    /* RFC 4821 7.5: no fast retransmit, no window reduction; everything from the probe on
     * goes again at the MSS known to work: the connection has met the route's new MTU
     * (the first burst went by it), so that is search_low's, 552 - 40. */
    assert_string_equal(got,
                        "0/512|512/512|1024/512|1536/512|2048/512|2560/512|3072/512|3584/416P");
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPMTUPFail), 1);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPFastRetrans), 0);
    synack_tcp_info after = fx_tcp_info(h.st, s);
    assert_int_equal(after.snd_cwnd, before.snd_cwnd);
    assert_int_equal(after.snd_ssthresh, before.snd_ssthresh);
    assert_int_equal(maxseg(&h, s), 512);
    fx_sh_peer_ack(&h, base + 4000, 0, 0);
    /* The search now stays below the lost probe: the next one is smaller. */
    mark = h.nout;
    send_bytes(&h, s, 4000);
    fx_sh_sent(&h, mark, base, got, sizeof(got));
    /* (1025 + 552) / 2 = 788: 748 bytes. */
    assert_string_equal(got,
                        "4000/748|4748/512|5260/512|5772/512|6284/512|6796/512|7308/512|7820/180P");
    sh_free(&h);
}

static void test_probing_off_by_default(void **state)
{
    (void)state;
    seghost h;
    uint32_t base;
    int s = open_probing(&h, 0, &base);
    set_route(&h, 1500, 1460, 0);
    send_bytes(&h, s, 4000);
    size_t mark = h.nout;
    fx_sh_peer_ack(&h, base + 4000, 0, 0);
    assert_int_equal(h.nout, mark);
    /* No probe; the route's new MTU alone raises the MSS (Linux's tcp_sync_mss). */
    send_bytes(&h, s, 2000);
    char got[256];
    fx_sh_sent(&h, mark, base, got, sizeof(got));
    assert_string_equal(got, "4000/1460|5460/540P");
    assert_int_equal(maxseg(&h, s), 1460);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPMTUPSuccess), 0);
    sh_free(&h);
}

/* mtu_probing 1: a path that silently drops what is too big (RFC 4821 7.7, a black hole)
 * shows as repeated timeouts; from the third, the search starts at base_mss (default 1024),
 * and each further one halves what is known to work. */
static void test_black_hole_falls_back_to_base_mss(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_init(&cfg);
    cfg.mtu_probing = 1;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established_opts(&h, &cfg, 0, 0, &iss);
    assert_int_equal(maxseg(&h, s), 1460);
    send_bytes(&h, s, 4000);
    for (int rto = 1; rto <= 4; rto++) {
        size_t before = h.nout;
        while (h.nout == before)
            sh_run_for(&h, 10000);
        const sh_seg *r = &h.out[before];
        assert_int_equal(r->s.seq, iss + 1);
        uint32_t want = rto < 3 ? 1460 : rto == 3 ? 1024 : 512;
        assert_int_equal(r->s.payload_len, want);
    }
    assert_int_equal(maxseg(&h, s), 512);
    sh_free(&h);
}

/* An active open with probing always on (mtu_probing 2) starts its search at base_mss,
 * as Linux's tcp_connect_init (tcp_mtup_init, then tcp_sync_mss): though the peer's
 * SYN-ACK offers 1460 on a 1500-byte link, the first data segments carry 1024 bytes
 * (base_mss; no timestamps), and TCP_MAXSEG says so. With probing off, 1460. */
static void active_open_first_burst(uint8_t mode, const char *want, int want_mss)
{
    seghost h;
    synack_config cfg;
    synack_config_init(&cfg);
    cfg.mtu_probing = mode;
    sh_init(&h, &cfg);
    int s = synack_socket(h.st, SOCK_STREAM);
    assert_true(s >= 0);
    struct sockaddr_in to = pair_sin(SH_PEER, 80);
    size_t mark = h.nout;
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    assert_int_equal(h.nout, mark + 1);
    const sh_seg *syn = &h.out[mark];
    assert_int_equal(syn->s.flags, TCP_SYN);
    assert_int_equal(syn->s.opts.mss, 1460);
    tcp_opts o = {.has_mss = 1, .mss = 1460};
    h.now += 1000;
    sh_send(&h, 80, syn->s.sport, FX_PEER_ISS, syn->s.seq + 1, TCP_SYN | TCP_ACK, 65535, NULL, 0,
            &o);
    assert_int_equal(maxseg(&h, s), want_mss);
    int one = 1;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    mark = h.nout;
    send_bytes(&h, s, 4000);
    char flow[128];
    sh_flow(&h, mark, flow, sizeof(flow));
    assert_string_equal(flow, want);
    for (size_t i = mark; i < h.nout; i++)
        assert_int_equal(h.out[i].s.seq, syn->s.seq + 1 + (i - mark) * (uint32_t)want_mss);
    sh_free(&h);
}

static void test_active_open_starts_at_base_mss(void **state)
{
    (void)state;
    active_open_first_burst(2, "./1024|./1024|./1024|P./928", 1024);
    active_open_first_burst(0, "./1460|./1460|P./1080", 1460);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_raises_mss),
        cmocka_unit_test(test_lost_probe_is_not_congestion),
        cmocka_unit_test(test_probing_off_by_default),
        cmocka_unit_test(test_black_hole_falls_back_to_base_mss),
        cmocka_unit_test(test_active_open_starts_at_base_mss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
