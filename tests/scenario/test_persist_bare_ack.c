/* SPDX-License-Identifier: MIT */
/* cfg.persist_bare_ack (linux profile): a zero-window probe is a bare ACK at SND.UNA - 1,
 * as Linux's tcp_xmit_probe_skb (upstream slow_start/slow-start-after-win-update.pkt),
 * not one byte of data beyond the window (RFC 9293 3.8.6.1, the default). Either way the
 * probes back off from one RTO and leave cwnd alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "wire/tcp_wire.h"

static char data[8000];

/* MSS 1000, RTT 10 ms: 5000 bytes sent and ACKed with window 0, 3000 more written; the
 * first probe is due one RTO (the 200 ms floor) later. */
static int closed_window(seghost *h, int bare, uint32_t *b)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.persist_bare_ack = (uint8_t)bare;
    int s = fx_sh_sack_rtt(h, &cfg, 1000, 10000, b);
    assert_int_equal(synack_send(h->st, s, data, 5000, 0), 5000);
    sh_run_for(h, 10000);
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, *b + 5000, TCP_ACK, 0, NULL, 0, NULL);
    size_t mark = h->nout;
    assert_int_equal(synack_send(h->st, s, data, 3000, 0), 3000);
    assert_int_equal(h->nout, mark); /* nothing fits */
    return s;
}

static void test_bare_ack_probes(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    int s = closed_window(&h, 1, &b);
    uint32_t cwnd = fx_tcp_info(h.st, s).snd_cwnd;
    uint64_t t0 = h.now;
    size_t mark = h.nout;
    sh_run_for(&h, 1500000);
    /* at 200, 600 and 1400 ms: SEQ = SND.UNA - 1, no data, ACK */
    assert_int_equal(h.nout, mark + 3);
    static const uint64_t at[] = {200000, 600000, 1400000};
    for (int i = 0; i < 3; i++) {
        const sh_seg *p = &h.out[mark + (size_t)i];
        assert_int_equal(p->t - t0, at[i]);
        assert_int_equal(p->s.seq, b + 4999);
        assert_int_equal(p->s.payload_len, 0);
        assert_int_equal(p->s.flags, TCP_ACK);
        assert_int_equal(p->s.ack, FX_PEER_ISS + 1);
    }
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPWinProbe), 3);
    assert_int_equal(fx_tcp_info(h.st, s).snd_cwnd, cwnd);
    /* the answer opens the window: the data follows */
    mark = h.nout;
    fx_sh_peer_ack(&h, b + 5000, 0, 0);
    char got[128];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "5000/1000|6000/1000|7000/1000P");
    sh_free(&h);
}

static void test_default_probes_with_a_byte(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    closed_window(&h, 0, &b);
    uint64_t t0 = h.now;
    size_t mark = h.nout;
    sh_run_for(&h, 300000);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].t - t0, 200000);
    assert_int_equal(h.out[mark].s.seq, b + 5000);
    assert_int_equal(h.out[mark].s.payload_len, 1);
    sh_free(&h);
}

static void test_linux_profile_turns_it_on(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.linux_profile = 1;
    int s = fx_sh_sack_rtt(&h, &cfg, 1000, 10000, &b);
    assert_int_equal(synack_send(h.st, s, data, 2000, 0), 2000);
    sh_run_for(&h, 10000);
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, b + 2000, TCP_ACK, 0, NULL, 0, NULL);
    assert_int_equal(synack_send(h.st, s, data, 1000, 0), 1000);
    size_t mark = h.nout;
    sh_run_for(&h, 1000000);
    assert_true(h.nout > mark);
    assert_int_equal(h.out[mark].s.seq, b + 1999);
    assert_int_equal(h.out[mark].s.payload_len, 0);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bare_ack_probes),
        cmocka_unit_test(test_default_probes_with_a_byte),
        cmocka_unit_test(test_linux_profile_turns_it_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
