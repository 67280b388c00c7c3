/* SPDX-License-Identifier: MIT */
/* TCP_INFO's times (src/tcp/chrono.c, usrreq.c): last_data_sent/recv and last_ack_recv
 * in ms since the event (or the establishment), and Linux's chronographs in µs: busy from
 * the first unsent byte until everything is acknowledged, rwnd-limited while the peer's
 * window (not cwnd) holds the next segment back, sndbuf-limited while everything has left
 * with cwnd to spare and the application waits for buffer room; reord_seen from RACK
 * (rack.c). */
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

#define PEER_ISS FX_PEER_ISS
#define PORT FX_PORT
#define PPORT FX_PEER_PORT
#define MSS 1460u

static synack_tcp_info info(seghost *h, int s)
{
    assert_int_equal(synack_set_time(h->st, h->now), 0);
    return fx_tcp_info(h->st, s);
}

static void peer(seghost *h, uint32_t seq, uint32_t ack, uint16_t win, const void *d, size_t n)
{
    sh_send(h, PPORT, PORT, seq, ack, TCP_ACK, win, d, n, NULL);
}

static void test_last_data_and_ack_times(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    seghost h;
    uint32_t siss;
    int s = fx_sh_established_opts(&h, &cfg, 0, 0, &siss); /* established at t = 0 */
    sh_run_for(&h, 1000000);
    synack_tcp_info i = info(&h, s);
    assert_int_equal(i.last_data_recv_ms, 1000);
    assert_int_equal(i.last_data_sent_ms, 1000);
    assert_int_equal(i.last_ack_recv_ms, 1000);

    char d[100] = {0};
    peer(&h, PEER_ISS + 1, siss + 1, 65535, d, sizeof(d));
    sh_run_for(&h, 250000); /* the delayed ACK leaves: not data */
    i = info(&h, s);
    assert_int_equal(i.last_data_recv_ms, 250);
    assert_int_equal(i.last_ack_recv_ms, 250);
    assert_int_equal(i.last_data_sent_ms, 1250);

    assert_int_equal(synack_send(h.st, s, d, sizeof(d), 0), (long)sizeof(d));
    sh_run_for(&h, 30000);
    i = info(&h, s);
    assert_int_equal(i.last_data_sent_ms, 30);
    peer(&h, PEER_ISS + 101, siss + 101, 65535, NULL, 0); /* a pure ACK */
    sh_run_for(&h, 5000);
    i = info(&h, s);
    assert_int_equal(i.last_ack_recv_ms, 5);
    assert_int_equal(i.last_data_recv_ms, 285);
    assert_int_equal(i.last_data_sent_ms, 35);
    assert_int_equal(i.busy_time_us, 30000); /* from the send to its ACK */
    assert_int_equal(i.rwnd_limited_us, 0);
    assert_int_equal(i.sndbuf_limited_us, 0);
    sh_free(&h);
}

/* Three segments against a two-segment window: 20 ms rwnd-limited, then 5 ms merely busy
 * until the last ACK. */
static void test_rwnd_limited(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    seghost h;
    uint32_t siss;
    int s = fx_sh_established_opts(&h, &cfg, 0, 0, &siss);
    uint32_t base = siss + 1;
    peer(&h, PEER_ISS + 1, base, 2 * MSS, NULL, 0); /* the window shrinks to two segments */
    static char d[3 * MSS];
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, d, sizeof(d), 0), (long)sizeof(d));
    assert_int_equal(h.nout, mark + 2);
    sh_run_for(&h, 20000);
    synack_tcp_info i = info(&h, s);
    assert_int_equal(i.rwnd_limited_us, 20000);
    assert_int_equal(i.busy_time_us, 20000);
    peer(&h, PEER_ISS + 1, base + 2 * MSS, 2 * MSS, NULL, 0);
    assert_int_equal(h.nout, mark + 3);
    sh_run_for(&h, 5000);
    peer(&h, PEER_ISS + 1, base + 3 * MSS, 2 * MSS, NULL, 0);
    sh_run_for(&h, 50000); /* idle: nothing runs */
    i = info(&h, s);
    assert_int_equal(i.rwnd_limited_us, 20000);
    assert_int_equal(i.busy_time_us, 25000);
    assert_int_equal(i.sndbuf_limited_us, 0);
    sh_free(&h);
}

/* A send larger than the buffer: everything that fits leaves at once (cwnd has room), the
 * application waits for room, sndbuf-limited until the ACK frees it. */
static void test_sndbuf_limited(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.sndbuf = 3 * MSS;
    seghost h;
    uint32_t siss;
    int s = fx_sh_established_opts(&h, &cfg, 0, 0, &siss);
    static char d[6 * MSS];
    size_t mark = h.nout;
    long n = synack_send(h.st, s, d, sizeof(d), 0);
    assert_true(n > 0 && n < (long)sizeof(d));
    assert_int_equal(h.nout, mark + (size_t)(n + MSS - 1) / MSS);
    sh_run_for(&h, 30000);
    synack_tcp_info i = info(&h, s);
    assert_int_equal(i.sndbuf_limited_us, 30000);
    assert_int_equal(i.busy_time_us, 30000);
    peer(&h, PEER_ISS + 1, siss + 1 + (uint32_t)n, 65535, NULL, 0);
    sh_run_for(&h, 10000);
    i = info(&h, s);
    assert_int_equal(i.sndbuf_limited_us, 30000);
    assert_int_equal(i.busy_time_us, 30000);
    assert_int_equal(i.rwnd_limited_us, 0);
    sh_free(&h);
}

/* reord_seen counts the ACKs that showed reordering, once for an ACK's SACK blocks and
 * once for its cumulative part (Linux's tcp_check_sack_reordering), as in upstream
 * cubic-rack-reo-timeout-retrans-failed-incoming-data.pkt: ten segments; a SACK of the
 * last (nothing below it is known late yet), a SACK of the fourth below it (one), then the
 * cumulative ACK of the rest, also below it (two). */
static void test_reord_seen(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = 1;
    seghost h;
    uint32_t base;
    int s = fx_sh_sack_rtt(&h, &cfg, 1000, 20000, &base);
    static char d[10000];
    assert_int_equal(synack_send(h.st, s, d, sizeof(d), 0), (long)sizeof(d));
    sh_run_for(&h, 20000);
    fx_sh_peer_ack(&h, base, base + 9000, base + 10000);
    assert_int_equal(info(&h, s).reord_seen, 0);
    fx_sh_peer_ack2(&h, base, base + 3000, base + 4000, base + 9000, base + 10000);
    assert_int_equal(info(&h, s).reord_seen, 1);
    fx_sh_peer_ack(&h, base + 10000, 0, 0);
    synack_tcp_info i = info(&h, s);
    assert_int_equal(i.reord_seen, 2);
    assert_int_equal(i.total_retrans, 0);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_last_data_and_ack_times),
        cmocka_unit_test(test_rwnd_limited),
        cmocka_unit_test(test_sndbuf_limited),
        cmocka_unit_test(test_reord_seen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
