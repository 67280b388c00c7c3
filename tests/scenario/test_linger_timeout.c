/* SPDX-License-Identifier: MIT */
/* SO_LINGER {1, T>0}: close() returns at once, and one "linger" app event for the closed
 * socket says when the wait Linux's blocking close() would have made ended: 0 when the
 * FIN was acknowledged (or nothing was left to wait for), -EWOULDBLOCK when T ran out
 * first (the orphan carries on, its data and FIN still to go), the connection's error
 * when it ended before. {1, 0} still aborts with RST, without that event. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"
#include "wire/tcp_wire.h"

#define DELAY 1000

static void set_linger(pair *p, int host, int s, int on, int secs)
{
    struct linger lg = {.l_onoff = on, .l_linger = secs};
    assert_int_equal(synack_setsockopt(p->st[host], s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
}

static size_t count_app(const pair *p, int host, const char *call)
{
    size_t n = 0;
    for (size_t i = pair_next_app(p, 0, host, call); i < p->napps;
         i = pair_next_app(p, i + 1, host, call))
        n++;
    return n;
}

/* The one "linger" event of the client: at t, for socket s, with ret. */
static void assert_linger_event(const pair *p, int s, uint64_t t, long ret)
{
    assert_int_equal(count_app(p, PAIR_CLIENT, "linger"), 1);
    const pair_app *a = &p->apps[pair_next_app(p, 0, PAIR_CLIENT, "linger")];
    assert_int_equal(a->sock, s);
    assert_int_equal(a->t, t);
    assert_int_equal(a->ret, ret);
}

/* The data and FIN are acknowledged within T: the ordinary FIN exchange, and the event
 * says 0 when the ACK of the FIN arrives (FIN-WAIT-1 -> FIN-WAIT-2). */
static void test_acked_before_timeout(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    set_linger(&p, PAIR_CLIENT, cs, 1, 5);
    size_t mark = p.nsegs;
    uint64_t t = p.now;
    uint32_t seq = fx_next_seq(&p, PAIR_CLIENT);
    uint32_t ack = fx_next_seq(&p, PAIR_SERVER);
    assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs, "hello", 5, 0), 5);
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    assert_int_equal(count_app(&p, PAIR_CLIENT, "linger"), 0); /* owed, not yet */
    pair_run_for(&p, 100000);
    fx_assert_flow(&p, mark, "C:P./5|C:F.|S:.");
    fx_assert_seg(&p.segs[mark], PAIR_CLIENT, TCP_PSH | TCP_ACK, seq, ack, 5);
    fx_assert_seg(&p.segs[mark + 1], PAIR_CLIENT, TCP_FIN | TCP_ACK, seq + 5, ack, 0);
    fx_assert_seg(&p.segs[mark + 2], PAIR_SERVER, TCP_ACK, ack, seq + 6, 0);
    uint64_t acked = p.segs[mark + 2].t + DELAY;
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_FIN_WAIT_1, SYNACK_FIN_WAIT_2),
                     acked);
    assert_linger_event(&p, cs, acked, 0);
    /* right after close's own event */
    size_t c = pair_next_app(&p, 0, PAIR_CLIENT, "close");
    assert_int_equal(p.apps[c].t, t);
    assert_int_equal(pair_next_app(&p, c + 1, PAIR_CLIENT, "linger"), p.napps - 1);
    char buf[8];
    assert_int_equal(synack_recv(p.st[PAIR_SERVER], ss, buf, sizeof(buf), 0), 5);
    assert_int_equal(synack_recv(p.st[PAIR_SERVER], ss, buf, sizeof(buf), 0), 0);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_OutRsts), 0);
    pair_free(&p);
}

/* A 2 KiB receive buffer the server never reads: the client's data and FIN stay behind a
 * closed window. */
static int stuck_client(pair *p, int *cs, uint8_t *data, size_t len)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rcvbuf = 2048;
    int ss = fx_established(p, &cfg, DELAY, cs);
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * 7);
    assert_int_equal(synack_send(p->st[PAIR_CLIENT], *cs, data, len, 0), (long)len);
    pair_run_for(p, 200000);
    return ss;
}

/* T runs out with the data stuck: the event says -EWOULDBLOCK at close + T; nothing is
 * reset, the orphan keeps its data and FIN and delivers them once the window opens; no
 * second event follows the FIN's acknowledgment. */
static void test_timeout_with_window_closed(void **state)
{
    (void)state;
    pair p;
    int cs;
    uint8_t data[6000], got[6000];
    int ss = stuck_client(&p, &cs, data, sizeof(data));
    size_t mark = p.nsegs;
    uint32_t end = p.segs[0].s.seq + 1 + sizeof(data); /* the client's SYN, then the data */
    set_linger(&p, PAIR_CLIENT, cs, 1, 2);
    uint64_t t = p.now;
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_run_for(&p, 1999999);
    assert_int_equal(count_app(&p, PAIR_CLIENT, "linger"), 0);
    pair_run_for(&p, 1);
    assert_linger_event(&p, cs, t + 2000000, -EWOULDBLOCK);
    /* only window probes went out: no FIN yet, no RST; the orphan is still ESTABLISHED
     * with its FIN queued behind the data */
    for (size_t i = mark; i < p.nsegs; i++)
        assert_int_equal(p.segs[i].s.flags & (TCP_FIN | TCP_RST | TCP_SYN), 0);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_ESTABLISHED), 1);
    pair_run_for(&p, 1000000);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_ESTABLISHED), 1);
    size_t got_n = 0;
    for (int round = 0; round < 100 && got_n < sizeof(got); round++) {
        long n = synack_recv(p.st[PAIR_SERVER], ss, got + got_n, sizeof(got) - got_n, 0);
        if (n > 0)
            got_n += (size_t)n;
        pair_run_for(&p, 10000);
    }
    assert_int_equal(got_n, sizeof(data));
    assert_memory_equal(got, data, sizeof(data));
    pair_run_for(&p, 100000);
    assert_int_equal(synack_recv(p.st[PAIR_SERVER], ss, got, 1, 0), 0);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_FIN_WAIT_2), 1);
    /* the FIN followed the last byte, and was acknowledged */
    size_t fin = mark;
    while (fin < p.nsegs && !(p.segs[fin].s.flags & TCP_FIN))
        fin++;
    assert_true(fin < p.nsegs);
    assert_int_equal(p.segs[fin].from, PAIR_CLIENT);
    assert_int_equal(p.segs[fin].s.seq + p.segs[fin].s.len, end);
    assert_int_equal(fx_next_seq(&p, PAIR_CLIENT), end + 1);
    assert_int_equal(count_app(&p, PAIR_CLIENT, "linger"), 1);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_OutRsts), 0);
    pair_free(&p);
}

/* A negative l_linger is no time limit (Linux: past MAX_SCHEDULE_TIMEOUT / HZ): the event
 * waits for the FIN's acknowledgment however long it takes. */
static void test_negative_is_no_limit(void **state)
{
    (void)state;
    pair p;
    int cs;
    uint8_t data[6000], got[6000];
    int ss = stuck_client(&p, &cs, data, sizeof(data));
    set_linger(&p, PAIR_CLIENT, cs, 1, -1);
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_run_for(&p, 10000000);
    assert_int_equal(count_app(&p, PAIR_CLIENT, "linger"), 0);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_ESTABLISHED), 1);
    size_t got_n = 0;
    for (int round = 0; round < 100 && got_n < sizeof(got); round++) {
        long n = synack_recv(p.st[PAIR_SERVER], ss, got + got_n, sizeof(got) - got_n, 0);
        if (n > 0)
            got_n += (size_t)n;
        pair_run_for(&p, 10000);
    }
    assert_int_equal(got_n, sizeof(data));
    pair_run_for(&p, 100000);
    assert_linger_event(
        &p, cs, pair_transition_time(&p, PAIR_CLIENT, SYNACK_FIN_WAIT_1, SYNACK_FIN_WAIT_2), 0);
    pair_free(&p);
}

/* The orphan is given up behind the window the server keeps shut (after 8 probes, as
 * Linux's tcp_orphan_retries): the wait, which had no time limit, ends with -ETIMEDOUT
 * when the connection does; nothing but probes went out after close. */
static void test_orphan_given_up_while_waiting(void **state)
{
    (void)state;
    pair p;
    int cs;
    uint8_t data[6000] = {0};
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rcvbuf = 2048;
    /* bare-ACK probes: a byte probe the server's buffer takes would be progress */
    cfg.persist_bare_ack = 1;
    fx_established(&p, &cfg, DELAY, &cs);
    assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs, data, sizeof(data), 0), (long)sizeof(data));
    pair_run_for(&p, 1000000); /* the server's buffer is full, its window shut */
    set_linger(&p, PAIR_CLIENT, cs, 1, -1);
    size_t mark = p.nsegs;
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_run_for(&p, 200000000);
    uint64_t end = pair_transition_time(&p, PAIR_CLIENT, SYNACK_ESTABLISHED, SYNACK_CLOSED);
    assert_true(end != UINT64_MAX);
    assert_linger_event(&p, cs, end, -ETIMEDOUT);
    size_t probes = 0;
    for (size_t i = mark; i < p.nsegs; i++) {
        if (p.segs[i].from != PAIR_CLIENT)
            continue;
        assert_int_equal(p.segs[i].s.flags, TCP_ACK);
        assert_int_equal(p.segs[i].s.len, 0);
        assert_true(p.segs[i].t < end);
        probes++;
    }
    /* the run of probes began before close (two then): 8 in all */
    assert_int_equal(probes, 6);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_TCPWinProbe), 8);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_TCPAbortOnTimeout), 1);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_OutRsts), 0);
    pair_free(&p);
}

/* The peer resets the connection while close waits: the event reports the connection's
 * error, when the RST arrives. */
static void test_reset_while_waiting(void **state)
{
    (void)state;
    pair p;
    int cs;
    uint8_t data[6000];
    int ss = stuck_client(&p, &cs, data, sizeof(data));
    set_linger(&p, PAIR_CLIENT, cs, 1, 5);
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_run_for(&p, 500000);
    size_t mark = p.nsegs;
    assert_int_equal(synack_close(p.st[PAIR_SERVER], ss), 0); /* unread data: RST */
    pair_run_for(&p, 100000);
    fx_assert_flow(&p, mark, "S:R.");
    assert_linger_event(&p, cs, p.segs[mark].t + DELAY, -ECONNRESET);
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_ESTABLISHED, SYNACK_CLOSED),
                     p.segs[mark].t + DELAY);
    pair_run_for(&p, 6000000); /* the stopped limit fires nothing later */
    assert_int_equal(count_app(&p, PAIR_CLIENT, "linger"), 1);
    pair_free(&p);
}

/* Nothing to wait for (the FIN was sent by shutdown and acknowledged): the event follows
 * close's own at once, saying 0. */
static void test_nothing_to_wait_for(void **state)
{
    (void)state;
    pair p;
    int cs;
    fx_established(&p, NULL, DELAY, &cs);
    assert_int_equal(synack_shutdown(p.st[PAIR_CLIENT], cs, SHUT_WR), 0);
    pair_run_for(&p, 100000);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_FIN_WAIT_2);
    set_linger(&p, PAIR_CLIENT, cs, 1, 5);
    size_t mark = p.nsegs;
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    assert_linger_event(&p, cs, p.now, 0);
    assert_int_equal(pair_next_app(&p, 0, PAIR_CLIENT, "close") + 1,
                     pair_next_app(&p, 0, PAIR_CLIENT, "linger"));
    pair_run_for(&p, 100000);
    assert_int_equal(p.nsegs, mark);
    pair_free(&p);
}

/* {1, 0} still aborts: a RST at once, and no "linger" event (there is no wait). */
static void test_zero_still_aborts(void **state)
{
    (void)state;
    pair p;
    int cs;
    fx_established(&p, NULL, DELAY, &cs);
    set_linger(&p, PAIR_CLIENT, cs, 1, 0);
    size_t mark = p.nsegs;
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_run_for(&p, 100000);
    fx_assert_flow(&p, mark, "C:R.");
    assert_int_equal(count_app(&p, PAIR_CLIENT, "linger"), 0);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_TCPAbortOnLinger), 1);
    pair_free(&p);
}

/* Off (l_onoff 0) closes as ever, without the event, whatever time was set before. */
static void test_off_no_event(void **state)
{
    (void)state;
    pair p;
    int cs;
    fx_established(&p, NULL, DELAY, &cs);
    set_linger(&p, PAIR_CLIENT, cs, 1, 5);
    set_linger(&p, PAIR_CLIENT, cs, 0, 0);
    size_t mark = p.nsegs;
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_run_for(&p, 100000);
    fx_assert_flow(&p, mark, "C:F.|S:.");
    assert_int_equal(count_app(&p, PAIR_CLIENT, "linger"), 0);
    pair_free(&p);
}

static void get_linger(pair *p, int s, int on, int secs)
{
    struct linger lg = {.l_onoff = -5, .l_linger = -5};
    socklen_t len = sizeof(lg) + 4;
    assert_int_equal(synack_getsockopt(p->st[PAIR_CLIENT], s, SOL_SOCKET, SO_LINGER, &lg, &len), 0);
    assert_int_equal(len, sizeof(lg));
    assert_int_equal(lg.l_onoff, on);
    assert_int_equal(lg.l_linger, secs);
}

/* getsockopt shows what was set; as Linux, l_onoff 0 keeps the time set before, any
 * non-zero l_onoff reads back as 1, and a short or missing buffer is -EINVAL. */
static void test_sockopt_round_trip(void **state)
{
    (void)state;
    pair p;
    int cs;
    fx_established(&p, NULL, DELAY, &cs);
    synack_stack *st = p.st[PAIR_CLIENT];
    get_linger(&p, cs, 0, 0);
    set_linger(&p, PAIR_CLIENT, cs, 1, 7);
    get_linger(&p, cs, 1, 7);
    set_linger(&p, PAIR_CLIENT, cs, 0, 9);
    get_linger(&p, cs, 0, 7);
    set_linger(&p, PAIR_CLIENT, cs, 42, -1);
    get_linger(&p, cs, 1, -1);
    set_linger(&p, PAIR_CLIENT, cs, 1, 2147483647);
    get_linger(&p, cs, 1, 2147483647);
    struct linger lg = {1, 3};
    assert_int_equal(synack_setsockopt(st, cs, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg) - 1),
                     -EINVAL);
    assert_int_equal(synack_setsockopt(st, cs, SOL_SOCKET, SO_LINGER, NULL, sizeof(lg)), -EINVAL);
    get_linger(&p, cs, 1, 2147483647);
    socklen_t len = sizeof(lg) - 1;
    assert_int_equal(synack_getsockopt(st, cs, SOL_SOCKET, SO_LINGER, &lg, &len), -EINVAL);
    pair_free(&p);
}

/* The largest time is no overflow: nothing fires early. */
static void test_huge_timeout(void **state)
{
    (void)state;
    pair p;
    int cs;
    uint8_t data[6000];
    stuck_client(&p, &cs, data, sizeof(data));
    set_linger(&p, PAIR_CLIENT, cs, 1, 2147483647);
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_run_for(&p, 10000000);
    assert_int_equal(count_app(&p, PAIR_CLIENT, "linger"), 0);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_ESTABLISHED), 1);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acked_before_timeout),
        cmocka_unit_test(test_timeout_with_window_closed),
        cmocka_unit_test(test_negative_is_no_limit),
        cmocka_unit_test(test_orphan_given_up_while_waiting),
        cmocka_unit_test(test_reset_while_waiting),
        cmocka_unit_test(test_nothing_to_wait_for),
        cmocka_unit_test(test_zero_still_aborts),
        cmocka_unit_test(test_off_no_event),
        cmocka_unit_test(test_sockopt_round_trip),
        cmocka_unit_test(test_huge_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
