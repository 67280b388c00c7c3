/* SPDX-License-Identifier: MIT */
/* RFC 8985 6.3, RACK and the RTO: when the retransmission timer fires on a RACK
 * connection, the first outstanding segment and every segment sent at least RACK.rtt +
 * reo_wnd ago are marked lost and resent as the window allows; a segment sent more
 * recently stays in flight, and SACKed data is not sent again. Without RACK the RTO still
 * goes back to SND.UNA and resends everything after it (RFC 5681 3.1, RFC 2018 8).
 *
 * The peer is played by the test (seghost): one segment measures RACK.rtt = 20 ms; then
 * B1..B3 leave and are all lost, the tail loss probe (B3 again) too; 10 ms before the RTO
 * fires the application writes C1. At the RTO, C1 is 10 ms old (younger than RACK.rtt):
 * only B1 is resent. The peer then acknowledges B1 and SACKs C1: B2 and B3 follow, C1 is
 * never sent twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"

#define RTT_US 20000
#define MSS 1000

typedef struct run {
    seghost h;
    uint32_t base; /* first data sequence number */
    int s;         /* the stack's socket */
} run;

static void send_segs(run *r, int n)
{
    static char data[4 * MSS];
    memset(data, 'x', sizeof(data));
    assert_int_equal(synack_send(r->h.st, r->s, data, (size_t)n * MSS, 0), n * MSS);
}

/* Data segments the stack sent starting at seq, from output index `from` on. */
static int sends(const run *r, uint32_t seq, size_t from)
{
    int k = 0;
    for (size_t i = from; i < r->h.nout; i++)
        if (r->h.out[i].s.payload_len && r->h.out[i].s.seq == seq)
            k++;
    return k;
}

static uint64_t ctr(const run *r, synack_counter c)
{
    return synack_counter_get(r->h.st, c);
}

/* Up to the RTO: returns the output index where the RTO's segments start. */
static size_t to_rto(run *r, int rack)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = (uint8_t)rack;
    cfg.timestamps = 0;
    cfg.tail_loss_probe = 0; /* (RACK implies it) */
    r->s = fx_sh_sack_rtt(&r->h, &cfg, MSS, RTT_US, &r->base);
    /* A: delivered after one RTT (RACK.rtt = 20 ms) */
    send_segs(r, 1);
    sh_run_for(&r->h, RTT_US);
    fx_sh_peer_ack(&r->h, r->base + MSS, 0, 0);
    /* B1..B3, all lost, and (with RACK) the probe */
    send_segs(r, 3);
    uint64_t tb = r->h.now;
    while (rack && ctr(r, SYNACK_CTR_TCPTimeouts) == 0 && r->h.now < tb + 2000000) {
        uint64_t probes = ctr(r, SYNACK_CTR_TCPLossProbes);
        sh_run_for(&r->h, 1000);
        if (ctr(r, SYNACK_CTR_TCPLossProbes) != probes)
            break;
    }
    assert_int_equal(ctr(r, SYNACK_CTR_TCPTimeouts), 0);
    assert_int_equal(ctr(r, SYNACK_CTR_TCPLossProbes), rack ? 1 : 0);
    /* the RTO fires 200 ms (rto_min) after the last (re)transmission armed it */
    uint64_t armed = rack ? r->h.now : tb;
    sh_run_until(&r->h, armed + 200000 - 10000 - 1);
    assert_int_equal(ctr(r, SYNACK_CTR_TCPTimeouts), 0);
    size_t before_c1 = r->h.nout;
    send_segs(r, 1); /* C1 */
    assert_int_equal(sends(r, r->base + 4 * MSS, before_c1), 1);
    size_t at_rto = r->h.nout;
    sh_run_until(&r->h, armed + 200000 + 1000);
    assert_int_equal(ctr(r, SYNACK_CTR_TCPTimeouts), 1);
    return at_rto;
}

static void test_rack_rto_resends_only_old_segments(void **state)
{
    (void)state;
    run r;
    size_t i = to_rto(&r, 1);
    uint32_t b1 = r.base + MSS, b2 = b1 + MSS, b3 = b2 + MSS, c1 = b3 + MSS;
    /* the timeout: B1 (SND.UNA) resent; B2, B3 marked lost wait for the window (one MSS);
     * C1 was sent 10 ms ago, less than RACK.rtt: still in flight */
    assert_int_equal(sends(&r, b1, i), 1);
    assert_int_equal(sends(&r, b2, i) + sends(&r, b3, i) + sends(&r, c1, i), 0);
    assert_int_equal(ctr(&r, SYNACK_CTR_RackLossDetected), 3);
    /* B1 arrives, C1 too (SACKed): the lost B2 and B3 are resent, C1 is not */
    size_t j = r.h.nout;
    sh_run_for(&r.h, RTT_US);
    fx_sh_peer_ack(&r.h, b2, c1, c1 + MSS);
    assert_int_equal(sends(&r, b2, j), 1);
    assert_int_equal(sends(&r, b3, j), 1);
    assert_int_equal(sends(&r, c1, i), 0);
    sh_run_for(&r.h, RTT_US);
    fx_sh_peer_ack(&r.h, c1 + MSS, 0, 0);
    sh_run_for(&r.h, 1000000);
    /* B1..B3 each once after the RTO; the probe resent B3 before it */
    assert_int_equal(ctr(&r, SYNACK_CTR_RetransSegs), 4);
    assert_int_equal(ctr(&r, SYNACK_CTR_TCPTimeouts), 1);
    assert_int_equal(sends(&r, c1, 0), 1);
    sh_free(&r.h);
}

static void test_go_back_without_rack(void **state)
{
    (void)state;
    run r;
    size_t i = to_rto(&r, 0);
    uint32_t b1 = r.base + MSS, b2 = b1 + MSS, b3 = b2 + MSS, c1 = b3 + MSS;
    assert_int_equal(sends(&r, b1, i), 1);
    /* RFC 2018 8: the scoreboard is forgotten and everything from SND.UNA on goes again,
     * C1 included although it was SACKed */
    sh_run_for(&r.h, RTT_US);
    fx_sh_peer_ack(&r.h, b2, c1, c1 + MSS);
    sh_run_for(&r.h, RTT_US);
    fx_sh_peer_ack(&r.h, c1, c1, c1 + MSS);
    sh_run_for(&r.h, RTT_US);
    assert_int_equal(sends(&r, b2, i), 1);
    assert_int_equal(sends(&r, b3, i), 1);
    assert_int_equal(sends(&r, c1, i), 1);
    assert_int_equal(ctr(&r, SYNACK_CTR_TCPTimeouts), 1);
    sh_free(&r.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rack_rto_resends_only_old_segments),
        cmocka_unit_test(test_go_back_without_rack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
