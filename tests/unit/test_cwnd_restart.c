/* SPDX-License-Identifier: MIT */
/* tcp_cwnd_restart_check (cfg.cwnd_restart) on a bare TCB: what each form does to cwnd
 * and ssthresh, and the connections it leaves alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/tcb_fixture.h"
#include "tcp/tcp.h"

#define NOW 5000000u /* µs */

/* ESTABLISHED, nothing in flight, cwnd 40 segments, ssthresh 20, RTO 200 ms, data last
 * sent idle_ms ago. */
static void setup(tcb_fixture *f, uint8_t mode, uint32_t idle_ms)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.cwnd_restart = mode;
    tcb_fixture_init(f, &cfg, NOW, 1000);
    tcp_conn *c = f->c;
    c->state = SYNACK_ESTABLISHED;
    c->snd_una = c->snd_nxt = c->snd_max = 1;
    c->cwnd = 40000;
    c->ssthresh = 20000;
    c->rto_us = 200000;
    c->last_data_sent_ms = tcp_ms(NOW) - idle_ms;
}

static void test_linux_form(void **state)
{
    (void)state;
    tcb_fixture f;
    /* 1000 ms: 800 > 0 halves (20), 600 > 0 halves (10), 400 > 0 but 10 is the restart
     * window; ssthresh rises to 3/4 of the old cwnd */
    setup(&f, 2, 1000);
    tcp_cwnd_restart_check(f.c);
    assert_int_equal(f.c->cwnd, 10000);
    assert_int_equal(f.c->ssthresh, 30000);
    tcb_fixture_free(&f);

    /* 300 ms: one halving; a higher ssthresh stays */
    setup(&f, 2, 300);
    f.c->ssthresh = 35000;
    tcp_cwnd_restart_check(f.c);
    assert_int_equal(f.c->cwnd, 20000);
    assert_int_equal(f.c->ssthresh, 35000);
    tcb_fixture_free(&f);

    /* a cwnd below the initial window is the restart window itself: kept */
    setup(&f, 2, 1000);
    f.c->cwnd = 4000;
    tcp_cwnd_restart_check(f.c);
    assert_int_equal(f.c->cwnd, 4000);
    assert_int_equal(f.c->ssthresh, 20000);
    tcb_fixture_free(&f);
}

static void test_rfc_form(void **state)
{
    (void)state;
    tcb_fixture f;
    setup(&f, 1, 201);
    tcp_cwnd_restart_check(f.c);
    assert_int_equal(f.c->cwnd, 10000); /* min(IW, cwnd) at once */
    assert_int_equal(f.c->ssthresh, 20000);
    tcb_fixture_free(&f);
}

static void test_left_alone(void **state)
{
    (void)state;
    tcb_fixture f;
    setup(&f, 1, 200); /* not more than an RTO */
    tcp_cwnd_restart_check(f.c);
    assert_int_equal(f.c->cwnd, 40000);
    tcb_fixture_free(&f);

    setup(&f, 1, 1000); /* data in flight: not idle */
    f.c->snd_max = f.c->snd_nxt = 1001;
    tcp_cwnd_restart_check(f.c);
    assert_int_equal(f.c->cwnd, 40000);
    tcb_fixture_free(&f);

    setup(&f, 0, 1000); /* off */
    tcp_cwnd_restart_check(f.c);
    assert_int_equal(f.c->cwnd, 40000);
    tcb_fixture_free(&f);

    setup(&f, 2, 1000); /* a controller that owns cwnd */
    f.c->cc = &tcp_cc_bbr;
    tcp_cwnd_restart_check(f.c);
    assert_int_equal(f.c->cwnd, 40000);
    tcb_fixture_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_form),
        cmocka_unit_test(test_rfc_form),
        cmocka_unit_test(test_left_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
