/* SPDX-License-Identifier: MIT */
/* A zero window the peer keeps shut: a connection its application still holds probes it
 * for as long as the peer answers (RFC 9293 3.8.6.1), but an orphan (closed with data
 * and its FIN still to send) is given up when its ninth probe is due, after 8 probes, as
 * Linux's tcp_probe_timer does with tcp_orphan_retries at its default, or sooner when the
 * backed-off interval reaches rto_max_us: nothing more on the wire, the connection
 * CLOSED, counted as TCPAbortOnTimeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "wire/tcp_wire.h"

#define MS UINT64_C(1000)

static char data[8000];

/* MSS 1000, RTT 10 ms: 5000 bytes sent and ACKed with window 0, 3000 more written; the
 * first probe is due one RTO (the 200 ms floor) later. */
static int closed_window(seghost *h, const synack_config *cfg, uint32_t *b)
{
    int s = fx_sh_sack_rtt(h, cfg, 1000, 10000, b);
    assert_int_equal(synack_send(h->st, s, data, 5000, 0), 5000);
    sh_run_for(h, 10000);
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, *b + 5000, TCP_ACK, 0, NULL, 0, NULL);
    size_t mark = h->nout;
    assert_int_equal(synack_send(h->st, s, data, 3000, 0), 3000);
    assert_int_equal(h->nout, mark); /* nothing fits */
    return s;
}

/* Runs to the next probe, expected at t0 + at: one byte beyond the shut window, which the
 * peer answers at once with the window still 0. */
static void probe_answered(seghost *h, uint32_t b, uint64_t at)
{
    size_t mark = h->nout;
    sh_run_until(h, at - 1);
    assert_int_equal(h->nout, mark);
    sh_run_until(h, at);
    assert_int_equal(h->nout, mark + 1);
    const sh_seg *p = &h->out[mark];
    assert_int_equal(p->t, at);
    assert_int_equal(p->s.seq, b + 5000);
    assert_int_equal(p->s.payload_len, 1);
    assert_int_equal(p->s.flags, TCP_ACK);
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, b + 5000, TCP_ACK, 0, NULL, 0, NULL);
}

/* the probes back off from the 200 ms RTO: 200, 400, 800 ... ms apart */
static uint64_t probe_at(uint64_t t0, int i)
{
    return t0 + 200 * MS * ((UINT64_C(1) << (i + 1)) - 1);
}

static void test_orphan_gives_up_after_8_probes(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    int s = closed_window(&h, NULL, &b);
    uint64_t t0 = h.now;
    size_t mark = h.nout;
    assert_int_equal(synack_close(h.st, s), 0);
    assert_int_equal(h.nout, mark); /* the FIN waits behind the data */
    for (int i = 0; i < 8; i++)
        probe_answered(&h, b, probe_at(t0, i));
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPWinProbe), 8);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPAbortOnTimeout), 0);
    /* the ninth is due 51.2 s after the eighth: the orphan ends then, silently */
    uint64_t end = probe_at(t0, 7) + 51200 * MS;
    mark = h.nout;
    sh_run_until(&h, end - 1);
    assert_int_equal(sh_state_time(&h, SYNACK_CLOSED, t0), UINT64_MAX);
    sh_run_until(&h, end);
    assert_int_equal(sh_state_time(&h, SYNACK_CLOSED, t0), end);
    assert_int_equal(h.nout, mark);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPAbortOnTimeout), 1);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPWinProbe), 8);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_EstabResets), 0);
    /* gone: the peer's next segment draws a RST */
    sh_run_for(&h, 600000 * MS);
    assert_int_equal(h.nout, mark);
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, b + 5000, TCP_ACK, 0, NULL, 0, NULL);
    assert_int_equal(h.nout, mark + 1);
    assert_true(h.out[mark].s.flags & TCP_RST);
    sh_free(&h);
}

/* rto_max_us 10 s: the seventh probe would be backed off to 12.8 s, past the ceiling (Linux's
 * !alive), so the orphan ends when it is due, after 6 probes. */
static void test_orphan_gives_up_at_rto_ceiling(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rto_max_us = 10000 * MS;
    int s = closed_window(&h, &cfg, &b);
    uint64_t t0 = h.now;
    assert_int_equal(synack_close(h.st, s), 0);
    for (int i = 0; i < 6; i++)
        probe_answered(&h, b, probe_at(t0, i));
    uint64_t end = probe_at(t0, 5) + 10000 * MS; /* 12.8 s capped to 10 s */
    size_t mark = h.nout;
    sh_run_until(&h, end - 1);
    assert_int_equal(sh_state_time(&h, SYNACK_CLOSED, t0), UINT64_MAX);
    sh_run_until(&h, end);
    assert_int_equal(sh_state_time(&h, SYNACK_CLOSED, t0), end);
    assert_int_equal(h.nout, mark);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPWinProbe), 6);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPAbortOnTimeout), 1);
    sh_free(&h);
}

static void test_held_connection_keeps_probing(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    int s = closed_window(&h, NULL, &b);
    uint64_t t0 = h.now;
    for (int i = 0; i < 10; i++)
        probe_answered(&h, b, probe_at(t0, i));
    /* from the eleventh on, every rto_max (120 s) */
    uint64_t t = probe_at(t0, 9);
    for (int i = 0; i < 3; i++) {
        t += 120000 * MS;
        probe_answered(&h, b, t);
    }
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPWinProbe), 13);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPAbortOnTimeout), 0);
    assert_int_equal(fx_tcp_info(h.st, s).state, SYNACK_ESTABLISHED);
    /* the window opens: the data follows */
    size_t mark = h.nout;
    fx_sh_peer_ack(&h, b + 5000, 0, 0);
    char got[128];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "5000/1000|6000/1000|7000/1000P");
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orphan_gives_up_after_8_probes),
        cmocka_unit_test(test_orphan_gives_up_at_rto_ceiling),
        cmocka_unit_test(test_held_connection_keeps_probing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
