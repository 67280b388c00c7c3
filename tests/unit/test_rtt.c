/* SPDX-License-Identifier: MIT */
/* RFC 6298 arithmetic of src/tcp/rtt.c and the backoff of timers.c, in exact integers
 * (microseconds, truncating divisions as rtt.c does them):
 *   2.1  before any sample RTO is the initial value;
 *   2.2  the first sample R: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4*RTTVAR);
 *   2.3  later samples: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, then SRTT = 7/8 SRTT + 1/8 R
 *        (alpha = 1/8, beta = 1/4), RTTVAR using the SRTT from before the update;
 *   2.4/2.5  RTO is clamped to [rto_min, rto_max];
 *   5.5  each expiry doubles it, up to rto_max;
 *   3    Karn: a segment that was retransmitted gives no sample. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "support/tcb_fixture.h"
#include "tcp/tcp.h"

#define T0 1000000u

static tcb_fixture make(uint64_t rto_min, uint64_t rto_max)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rto_min_us = rto_min;
    cfg.rto_max_us = rto_max;
    tcb_fixture f;
    tcb_fixture_init(&f, &cfg, T0, 1000);
    return f;
}

static void assert_rtt(const tcp_conn *c, uint32_t srtt, uint32_t rttvar, uint32_t rto)
{
    assert_int_equal(c->srtt_us, srtt);
    assert_int_equal(c->rttvar_us, rttvar);
    assert_int_equal(c->rto_us, rto);
}

/* RFC 6298 2.1: 1 s (rto_initial_us) and no estimate until the first sample. */
static void test_2_1_initial_rto(void **state)
{
    (void)state;
    tcb_fixture f = make(200000, 120000000);
    assert_rtt(f.c, 0, 0, 1000000);
    tcb_fixture_free(&f);
}

/* RFC 6298 2.2: the first sample sets SRTT = R, RTTVAR = R/2, RTO = R + 4*(R/2). */
static void test_2_2_first_sample(void **state)
{
    (void)state;
    tcb_fixture f = make(200000, 120000000);
    tcp_rtt_sample(f.c, 100000);
    assert_rtt(f.c, 100000, 50000, 300000);
    tcb_fixture_free(&f);

    f = make(1, 120000000);
    tcp_rtt_sample(f.c, 7); /* RTTVAR = 7/2 truncates to 3: RTO = 7 + 12 */
    assert_rtt(f.c, 7, 3, 19);
    tcb_fixture_free(&f);
}

/* RFC 6298 2.2 max(G, 4*RTTVAR): with RTTVAR 0 the clock granularity G (1 µs here) still
 * separates RTO from SRTT; a zero sample counts as 1 µs. */
static void test_2_2_granularity(void **state)
{
    (void)state;
    tcb_fixture f = make(1, 120000000);
    tcp_rtt_sample(f.c, 1);
    assert_rtt(f.c, 1, 0, 2);
    tcb_fixture_free(&f);

    f = make(1, 120000000);
    tcp_rtt_sample(f.c, 0);
    assert_rtt(f.c, 1, 0, 2);
    tcb_fixture_free(&f);
}

/* RFC 6298 2.3, alpha = 1/8 and beta = 1/4, each step exact. */
static void test_2_3_subsequent_samples(void **state)
{
    (void)state;
    tcb_fixture f = make(1, 120000000);
    tcp_rtt_sample(f.c, 100000);
    assert_rtt(f.c, 100000, 50000, 300000);
    /* |SRTT - R| = 40000: RTTVAR = 50000 - 12500 + 10000; SRTT = 100000 - 12500 + 7500 */
    tcp_rtt_sample(f.c, 60000);
    assert_rtt(f.c, 95000, 47500, 95000 + 4 * 47500);
    /* |SRTT - R| = 105000: RTTVAR = 47500 - 11875 + 26250; SRTT = 95000 - 11875 + 25000 */
    tcp_rtt_sample(f.c, 200000);
    assert_rtt(f.c, 108125, 61875, 108125 + 4 * 61875);
    /* a steady path: R = SRTT leaves SRTT and shrinks RTTVAR by a quarter (truncating) */
    tcp_rtt_sample(f.c, 108125);
    assert_rtt(f.c, 108125, 61875 - 15468, 108125 + 4 * 46407);
    tcb_fixture_free(&f);
}

/* RFC 6298 2.4: whenever RTO comes out below the minimum it is rounded up to it (200 ms
 * by default, as Linux), on the first sample and on later ones. */
static void test_2_4_floor(void **state)
{
    (void)state;
    tcb_fixture f = make(200000, 120000000);
    tcp_rtt_sample(f.c, 10000); /* 10000 + 20000 */
    assert_rtt(f.c, 10000, 5000, 200000);
    tcp_rtt_sample(f.c, 10000); /* 10000 + 4 * 3750 */
    assert_rtt(f.c, 10000, 3750, 200000);
    tcp_rtt_sample(f.c, 90000);            /* |d| = 80000: RTTVAR 2813 + 20000, SRTT 8750 + 11250 */
    assert_rtt(f.c, 20000, 22813, 200000); /* 20000 + 4 * 22813 is still below */
    tcp_rtt_sample(f.c, 300000); /* |d| = 280000: RTTVAR 17110 + 70000, SRTT 17500 + 37500 */
    assert_rtt(f.c, 55000, 87110, 55000 + 4 * 87110);
    tcb_fixture_free(&f);
}

/* RFC 6298 2.5: a maximum may be placed on RTO (at least 60 s): 120 s by default. */
static void test_2_5_ceiling(void **state)
{
    (void)state;
    tcb_fixture f = make(200000, 120000000);
    tcp_rtt_sample(f.c, 50000000); /* 50 s + 100 s */
    assert_rtt(f.c, 50000000, 25000000, 120000000);
    tcb_fixture_free(&f);

    f = make(200000, 60000000);
    tcp_rtt_sample(f.c, 20000001); /* 20000001 + 4 * 10000000 */
    assert_rtt(f.c, 20000001, 10000000, 60000000);
    tcb_fixture_free(&f);
}

/* RFC 6298 5.5: each expiry doubles RTO ("back off the timer"); 5.5's maximum is rto_max,
 * reached without overflow however many expiries. */
static void test_5_5_backoff_doubles_to_the_cap(void **state)
{
    (void)state;
    tcb_fixture f = make(200000, 120000000);
    tcp_rtt_sample(f.c, 100000); /* RTO 300 ms */
    static const uint64_t want[] = {300000,   600000,   1200000,  2400000,   4800000,  9600000,
                                    19200000, 38400000, 76800000, 120000000, 120000000};
    for (uint32_t b = 0; b < sizeof(want) / sizeof(want[0]); b++) {
        f.c->backoff = b;
        assert_int_equal(tcp_rto_backed_off(f.c), want[b]);
    }
    f.c->backoff = 255; /* the most a connection backs off (255 retries) */
    assert_int_equal(tcp_rto_backed_off(f.c), 120000000);
    assert_int_equal(f.c->rto_us, 300000); /* backing off leaves the estimate alone */
    tcb_fixture_free(&f);
}

/* --- Karn's algorithm, RFC 6298 3, through the stack: a peer played by the test ------- */

#define RTT 10000u /* the handshake's measured RTT */
#define SEC 1000000ull

static void tcp_info(seghost *h, int s, synack_tcp_info *ti)
{
    socklen_t len = sizeof(*ti);
    memset(ti, 0, sizeof(*ti));
    assert_int_equal(synack_getsockopt(h->st, s, IPPROTO_TCP, SYNACK_TCP_INFO, ti, &len), 0);
}

static size_t count_data_segs(const seghost *h, size_t from, uint32_t seq)
{
    size_t n = 0;
    for (size_t i = from; i < h->nout; i++)
        n += h->out[i].s.seq == seq && h->out[i].s.payload_len > 0;
    return n;
}

/* Data sent once and acknowledged 30 ms later is a sample (the control); data that had to
 * be sent again is not, however late its ACK (RFC 6298 3: the ACK is ambiguous). */
static void test_3_karn_no_sample_from_a_retransmitted_segment(void **state)
{
    (void)state;
    seghost h;
    uint32_t base;
    int s = fx_sh_sack_rtt(&h, NULL, 1000, RTT, &base);
    synack_tcp_info ti;
    tcp_info(&h, s, &ti);
    assert_int_equal(ti.rtt_us, RTT);
    assert_int_equal(ti.rttvar_us, RTT / 2);

    /* control: sent once, ACKed after 30 ms: SRTT = 10000 - 1250 + 3750, RTTVAR =
     * 5000 - 1250 + 5000 */
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, "abcd", 4, 0), 4);
    assert_int_equal(count_data_segs(&h, mark, base), 1);
    sh_run_for(&h, 30000);
    fx_sh_peer_ack(&h, base + 4, 0, 0);
    tcp_info(&h, s, &ti);
    assert_int_equal(ti.rtt_us, 12500);
    assert_int_equal(ti.rttvar_us, 8750);

    /* lost once: the retransmission timer (or a tail loss probe) sends it again, and the
     * ACK that finally comes leaves the estimate where it was */
    mark = h.nout;
    assert_int_equal(synack_send(h.st, s, "efgh", 4, 0), 4);
    sh_run_for(&h, SEC);
    assert_true(count_data_segs(&h, mark, base + 4) >= 2);
    assert_true(synack_counter_get(h.st, SYNACK_CTR_RetransSegs) >= 1);
    fx_sh_peer_ack(&h, base + 8, 0, 0);
    tcp_info(&h, s, &ti);
    assert_int_equal(ti.rtt_us, 12500);
    assert_int_equal(ti.rttvar_us, 8750);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_2_1_initial_rto),
        cmocka_unit_test(test_2_2_first_sample),
        cmocka_unit_test(test_2_2_granularity),
        cmocka_unit_test(test_2_3_subsequent_samples),
        cmocka_unit_test(test_2_4_floor),
        cmocka_unit_test(test_2_5_ceiling),
        cmocka_unit_test(test_5_5_backoff_doubles_to_the_cap),
        cmocka_unit_test(test_3_karn_no_sample_from_a_retransmitted_segment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
