/* SPDX-License-Identifier: MIT */
/* A tail-loss probe armed when a bare FIN is the last thing sent must resend that FIN when
 * it fires, as it resends a data segment: the probe has no new data to send, and a probe
 * that sends nothing only re-arms the timer, so the lost FIN would wait a whole RTO more
 * (Linux's user_timeout.pkt: the FIN again after about 300 ms, not 600 ms). */
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

#define RTT_US 100000

/* Opens a connection with an RTT sample, lets it idle, then either writes one byte or
 * closes; the peer never answers. Returns the delay from that segment to its first resend
 * and stores the second resend's delay from the first in *next. */
static uint64_t first_resend(int fin, uint8_t want_flags, uint64_t *next)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.tail_loss_probe = 1;
    seghost h;
    uint32_t base;
    int s = fx_sh_sack_rtt(&h, &cfg, 1000, RTT_US, &base);
    sh_run_for(&h, 2000000);
    size_t from = h.nout;
    uint64_t t0 = h.now;
    if (fin)
        assert_int_equal(synack_close(h.st, s), 0);
    else
        assert_int_equal(synack_send(h.st, s, "x", 1, 0), 1);
    sh_run_for(&h, 3000000);
    assert_true(h.nout >= from + 3);
    for (size_t i = from; i < from + 3; i++) {
        assert_int_equal(h.out[i].s.flags, want_flags);
        assert_int_equal(h.out[i].s.seq, base);
    }
    assert_int_equal(h.out[from].t, t0);
    uint64_t d = h.out[from + 1].t - h.out[from].t;
    *next = h.out[from + 2].t - h.out[from + 1].t;
    sh_free(&h);
    return d;
}

static void test_probe_resends_a_bare_fin_on_time(void **state)
{
    (void)state;
    uint64_t data_next, fin_next;
    uint64_t data = first_resend(0, TCP_ACK | TCP_PSH, &data_next);
    uint64_t fin = first_resend(1, TCP_ACK | TCP_FIN, &fin_next);
    /* srtt 100 ms, rttvar 50 ms: RTO 300 ms; the probe timeout min(2 srtt + 200 ms, RTO) */
    assert_int_equal(data, 300000);
    assert_int_equal(fin, data);
    /* after the probe, the RTO (not yet backed off) */
    assert_int_equal(data_next, 300000);
    assert_int_equal(fin_next, data_next);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_resends_a_bare_fin_on_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
