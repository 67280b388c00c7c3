/* SPDX-License-Identifier: MIT */
/* The pacer's token bucket (src/tcp/pacing.c): credit accrues at the rate, up to a quantum
 * of max(2 segments, 1 ms of the rate); a segment that finds too little credit waits for
 * TT_PACE, armed at the exact microsecond the credit suffices; the rate is the controller's
 * (BBR), Linux's default rule, or the SO_MAX_PACING_RATE cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/tcb_fixture.h"
#include "tcp/pacing.h"
#include "tcp/tcp.h"

typedef tcb_fixture fixture;

/* A connection pacing at `rate` bytes/s (the SO_MAX_PACING_RATE cap), MSS 1000, at t = 1 s. */
static void setup(fixture *f, uint32_t rate)
{
    tcb_fixture_init(f, NULL, 1000000, 1000);
    f->c->pacing = 1;
    f->c->x->pacing_max = rate;
}

static void teardown(fixture *f)
{
    tcb_fixture_free(f);
}

static void at(fixture *f, uint64_t t)
{
    synack_set_time(f->st, t);
}

/* Sends as many 1000-byte segments as the pacer allows now; returns how many. */
static int drain(tcp_conn *c)
{
    int n = 0;
    while (tcp_pace_allow(c, 1000, 1000) == 1000 && n < 100000) {
        tcp_pace_sent(c, 1000);
        n++;
    }
    return n;
}

static void test_rate_and_quantum(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 1000000); /* 1 MB/s: one 1000-byte segment per ms */
    tcp_conn *c = f.c;
    assert_int_equal(tcp_pacing_rate(c), 1000000);
    assert_int_equal(tcp_pacing_quantum(c, 1000000), 2000); /* 2 segments > 1 ms of rate */
    /* a full bucket lets the quantum go at once, and no more */
    assert_int_equal(drain(c), 2);
    /* the next segment waits exactly until the credit covers it: 1000 bytes at 1 MB/s */
    assert_int_equal(c->x->deadline[TT_PACE], 1000000 + 1000);
    at(&f, 1000999);
    assert_int_equal(drain(c), 0);
    at(&f, 1001000);
    assert_int_equal(drain(c), 1);
    /* over 100 ms exactly 100 segments leave, however often the pacer is asked: no
     * fraction of a byte is lost or gained between asks */
    int sent = 0;
    for (uint64_t t = 1001001; t < 1101000; t += 7) {
        at(&f, t);
        sent += drain(c);
    }
    at(&f, 1101000);
    sent += drain(c);
    assert_int_equal(sent, 100);
    teardown(&f);
}

/* A host whose timers fire with 1 ms granularity: the quantum holds 1 ms of the rate, so
 * each late wakeup still sends a whole millisecond's worth and the rate is kept. */
static void test_one_ms_timer_keeps_rate(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 12500000); /* 100 Mbit/s */
    tcp_conn *c = f.c;
    assert_int_equal(tcp_pacing_quantum(c, 12500000), 12500 + 1000);
    drain(c);
    int sent = 0;
    for (int ms = 1; ms <= 1000; ms++) {
        at(&f, 1000000 + (uint64_t)ms * 1000);
        sent += drain(c);
    }
    assert_int_equal(sent, 12500); /* 12.5 MB in one second */
    teardown(&f);
}

/* A TSO frame shrinks to the whole segments the credit covers; a retransmission that went
 * without asking overdraws the bucket by at most one quantum. */
static void test_tso_trim_and_overdraw(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 5000000); /* quantum 6000: 1 ms is 5000, plus a segment */
    tcp_conn *c = f.c;
    assert_int_equal(tcp_pace_allow(c, 8000, 1000), 6000);
    tcp_pace_sent(c, 6000);
    for (int i = 0; i < 20; i++)
        tcp_pace_sent(c, 1000); /* resends that did not wait */
    assert_int_equal(c->x->pace_credit, -6000 * 64);
    /* the debt is paid at the rate: 1.2 ms back to zero, 0.2 ms more for a segment */
    at(&f, 1000000 + 1200);
    assert_int_equal(tcp_pace_allow(c, 1000, 1000), 0);
    assert_int_equal(c->x->deadline[TT_PACE], 1000000 + 1400);
    at(&f, 1000000 + 1400);
    assert_int_equal(tcp_pace_allow(c, 8000, 1000), 1000);
    teardown(&f);
}

/* Without a cap, Linux's rule: 2 x cwnd per SRTT below half of ssthresh, 1.2 x above. */
static void test_default_rate_rule(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 0);
    tcp_conn *c = f.c;
    c->cwnd = 20000;
    c->ssthresh = UINT32_MAX / 2;
    assert_int_equal(tcp_pacing_rate(c), 0); /* no RTT sample yet: unpaced */
    c->srtt_us = 20000;
    assert_int_equal(tcp_pacing_rate(c), 2000000); /* 200% of 1 MB/s */
    c->ssthresh = 30000;
    assert_int_equal(tcp_pacing_rate(c), 1200000); /* 120% */
    c->x->pacing_max = 1000000;
    assert_int_equal(tcp_pacing_rate(c), 1000000); /* the cap */
    c->pacing = 0;
    assert_int_equal(tcp_pacing_on(c), 0);
    c->cc = &tcp_cc_bbr; /* BBR paces whatever the socket says */
    assert_int_equal(tcp_pacing_on(c), 1);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_and_quantum),
        cmocka_unit_test(test_one_ms_timer_keeps_rate),
        cmocka_unit_test(test_tso_trim_and_overdraw),
        cmocka_unit_test(test_default_rate_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
