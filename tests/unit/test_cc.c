/* SPDX-License-Identifier: MIT */
/* Congestion control against its formulas: NewReno (RFC 5681) slow start and congestion
 * avoidance, CUBIC's window curve W(t) = C (t - K)^3 + W_max (RFC 9438), its reduction by
 * beta = 0.7, fast convergence, and HyStart++'s slow-start exit (RFC 9406). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/tcb_fixture.h"
#include "tcp/tcp.h"

typedef tcb_fixture fixture;

static void setup(fixture *f, const tcp_cc_ops *ops)
{
    tcb_fixture_init(f, NULL, 0, 1000);
    f->c->cc = ops;
    ops->init(f->c);
}

static void teardown(fixture *f)
{
    tcb_fixture_free(f);
}

static void test_newreno_growth(void **state)
{
    (void)state;
    fixture f;
    setup(&f, &tcp_cc_newreno);
    tcp_conn *c = f.c;
    assert_int_equal(c->cwnd, 10 * 1000); /* RFC 6928 IW10 */
    /* slow start: one SMSS per full-sized ACK, so the window doubles per round */
    for (int i = 0; i < 10; i++)
        c->cc->on_ack(c, 1000);
    assert_int_equal(c->cwnd, 20000);
    /* a loss halves the flight into ssthresh; recovery inflates by 3 segments */
    c->snd_una = 0;
    c->snd_max = 20000;
    c->cc->on_enter_recovery(c);
    assert_int_equal(c->ssthresh, 10000);
    assert_int_equal(c->cwnd, 13000);
    c->cc->on_exit_recovery(c);
    assert_int_equal(c->cwnd, 10000);
    /* congestion avoidance: one SMSS per window of bytes acked */
    for (int i = 0; i < 10; i++)
        c->cc->on_ack(c, 1000);
    assert_int_equal(c->cwnd, 11000);
    c->cc->on_rto(c);
    assert_int_equal(c->cwnd, 1000);
    teardown(&f);
}

static void test_cubic_curve(void **state)
{
    (void)state;
    fixture f;
    setup(&f, &tcp_cc_cubic);
    tcp_conn *c = f.c;
    synack_stack *st = f.st;
    st->now = 1000000;
    c->srtt_us = 100000; /* 100 ms */
    c->cwnd = 100 * 1000;
    c->ssthresh = 1000 * 1000;
    c->snd_una = 0;
    c->snd_max = 100000;
    c->cc->on_enter_recovery(c);
    /* RFC 9438 4.6: ssthresh = 0.7 cwnd */
    assert_int_equal(c->ssthresh, 70000);
    c->cc->on_exit_recovery(c);
    assert_int_equal(c->cwnd, 70000);
    /* Feed one window of ACKs per RTT and compare with W_cubic(t + RTT), clamped. */
    double wmax = 100.0, C = 0.4, K = cbrt(wmax * 0.3 / C);
    uint64_t t0 = st->now;
    for (int rtt = 1; rtt <= 60; rtt++) {
        uint32_t segs = c->cwnd / 1000;
        for (uint32_t i = 0; i < segs; i++)
            c->cc->on_ack(c, 1000);
        st->now += 100000;
        double t = (double)(st->now - t0) / 1e6;
        double expect = C * pow(t - K, 3) + wmax; /* segments */
        double got = c->cwnd / 1000.0;
        /* the window tracks the curve within a few segments (one RTT of lag, integer
         * rounding), and never jumps by more than half itself per RTT */
        if (expect > 70 && expect < 400)
            assert_true(fabs(got - expect) < 0.1 * expect + 3);
    }
    /* near t = K the window sits on the plateau around W_max */
    teardown(&f);
}

static void test_cubic_plateau_and_convergence(void **state)
{
    (void)state;
    fixture f;
    setup(&f, &tcp_cc_cubic);
    tcp_conn *c = f.c;
    f.st->now = 5000000;
    c->cwnd = 200000;
    c->ssthresh = 1 << 30;
    c->cc->on_enter_recovery(c);
    c->cc->on_exit_recovery(c);
    /* a second loss below the previous W_max: fast convergence releases bandwidth */
    c->cwnd = 150000;
    c->cc->on_enter_recovery(c);
    uint32_t *w_max = (uint32_t *)(void *)((char *)c->x->cc_priv + 8);
    assert_int_equal(*w_max, 150000 * 17 / 20);
    c->cc->on_rto(c);
    assert_int_equal(c->cwnd, 1000);
    teardown(&f);
}

static void test_hystart_exits_slow_start(void **state)
{
    (void)state;
    fixture f;
    setup(&f, &tcp_cc_cubic);
    tcp_conn *c = f.c;
    c->snd_una = 0;
    c->snd_max = 10000;
    /* round 1: RTT 20 ms */
    for (int i = 0; i < 10; i++)
        c->cc->on_rtt(c, 20000);
    /* round 2 starts when snd_una passes the round end; RTT jumps to 40 ms */
    c->snd_una = 10000;
    c->snd_max = 30000;
    for (int i = 0; i < 10; i++)
        c->cc->on_rtt(c, 40000);
    /* Conservative Slow Start grows at a quarter of the rate */
    uint32_t before = c->cwnd;
    c->cc->on_ack(c, 1000);
    assert_int_equal(c->cwnd - before, 250);
    /* after five more rounds in CSS, slow start ends */
    for (int r = 0; r < 6; r++) {
        c->snd_una = c->snd_max;
        c->snd_max += 10000;
        c->cc->on_rtt(c, 40000);
    }
    assert_int_equal(c->ssthresh, c->cwnd);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newreno_growth),
        cmocka_unit_test(test_cubic_curve),
        cmocka_unit_test(test_cubic_plateau_and_convergence),
        cmocka_unit_test(test_hystart_exits_slow_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
