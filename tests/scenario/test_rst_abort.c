/* SPDX-License-Identifier: MIT */
/* Aborts (RFC 9293 3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST>, then CLOSED): close() with
 * SO_LINGER {1, 0}, and close() with data the application never read (RFC 2525 2.17);
 * the peer's RST processing (RFC 9293 3.10.7.4 second check) reports a reset. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"
#include "wire/tcp_wire.h"

#define DELAY 1000

/* After the RST: the peer's connection is gone, its socket reports ECONNRESET once, then
 * EOF on reads and EPIPE on writes; the aborting side keeps no TIME-WAIT. */
static void assert_peer_reset(pair *p, int peer, int ps)
{
    synack_stack *st = p->st[peer];
    assert_int_equal(pair_sock_state(p, peer, ps), SYNACK_CLOSED);
    short ev = fx_poll(st, ps, POLLIN | POLLOUT);
    assert_true(ev & POLLERR);
    assert_true(ev & POLLHUP);
    char buf[8];
    assert_int_equal(synack_recv(st, ps, buf, sizeof(buf), 0), -ECONNRESET);
    assert_int_equal(synack_recv(st, ps, buf, sizeof(buf), 0), 0);
    assert_int_equal(synack_send(st, ps, "x", 1, 0), -EPIPE);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_EstabResets), 1);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_CurrEstab), 0);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_OutRsts), 0);
    assert_int_equal(pair_count_state(p, 1 - peer, SYNACK_TIME_WAIT), 0);
    assert_int_equal(pair_count_state(p, peer, SYNACK_TIME_WAIT), 0);
}

static void test_linger_zero_abort(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs, "12345", 5, 0), 5);
    pair_run_until(&p, 1000000);
    uint32_t c_nxt = p.segs[3].s.seq + 5;
    uint32_t s_nxt = p.segs[3].s.ack;

    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    assert_int_equal(
        synack_setsockopt(p.st[PAIR_CLIENT], cs, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    struct linger back;
    socklen_t len = sizeof(back);
    assert_int_equal(synack_getsockopt(p.st[PAIR_CLIENT], cs, SOL_SOCKET, SO_LINGER, &back, &len),
                     0);
    assert_int_equal(back.l_onoff, 1);
    assert_int_equal(back.l_linger, 0);

    size_t mark = p.nsegs;
    uint64_t t = p.now;
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    /* no FIN handshake: one RST, and the client's connection is gone at once */
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_ESTABLISHED, SYNACK_CLOSED), t);
    pair_run_for(&p, 100000);
    fx_assert_flow(&p, mark, "C:R.");
    assert_int_equal(p.segs[mark].s.seq, c_nxt);
    assert_int_equal(p.segs[mark].s.ack, s_nxt);
    assert_int_equal(p.segs[mark].s.len, 0);
    assert_int_equal(pair_transition_time(&p, PAIR_SERVER, SYNACK_ESTABLISHED, SYNACK_CLOSED),
                     t + DELAY);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_TCPAbortOnLinger), 1);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_OutRsts), 1);
    /* the server's unread "12345" is flushed with the connection (RFC 9293 3.10.7.4) */
    assert_peer_reset(&p, PAIR_SERVER, ss);
    pair_free(&p);
}

/* The server closes while 5 bytes it never read sit in its receive buffer: RST instead of
 * FIN, so the client learns the data was not consumed. */
static void test_close_with_unread_data(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs, "hello", 5, 0), 5);
    pair_run_until(&p, 1000000);
    uint32_t c_nxt = p.segs[3].s.seq + 5;
    uint32_t s_nxt = p.segs[3].s.ack;
    size_t mark = p.nsegs;
    uint64_t t = p.now;
    assert_int_equal(synack_close(p.st[PAIR_SERVER], ss), 0);
    pair_run_for(&p, 100000);
    fx_assert_flow(&p, mark, "S:R.");
    assert_int_equal(p.segs[mark].t, t);
    assert_int_equal(p.segs[mark].s.seq, s_nxt);
    assert_int_equal(p.segs[mark].s.ack, c_nxt);
    assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_TCPAbortOnClose), 1);
    assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_OutRsts), 1);
    assert_false(pair_saw_state(&p, PAIR_SERVER, SYNACK_FIN_WAIT_1));
    assert_peer_reset(&p, PAIR_CLIENT, cs);
    pair_free(&p);
}

/* SO_LINGER with a non-zero time is an ordinary close: FIN, not RST. */
static void test_linger_nonzero_is_graceful(void **state)
{
    (void)state;
    pair p;
    int cs;
    fx_established(&p, NULL, DELAY, &cs);
    struct linger lg = {.l_onoff = 1, .l_linger = 5};
    assert_int_equal(
        synack_setsockopt(p.st[PAIR_CLIENT], cs, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    size_t mark = p.nsegs;
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_run_for(&p, 100000);
    fx_assert_flow(&p, mark, "C:F.|S:.");
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_OutRsts), 0);
    pair_free(&p);
}

/* An orphan (closed by its application) in FIN-WAIT-2 that still receives data resets:
 * nobody can read it (RFC 9293 3.10.4 leaves this open; Linux resets, TCPAbortOnData). */
static void test_data_to_orphan_resets(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_run_for(&p, 100000);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_FIN_WAIT_2), 1);
    size_t mark = p.nsegs;
    assert_int_equal(synack_send(p.st[PAIR_SERVER], ss, "late", 4, 0), 4);
    pair_run_for(&p, 100000);
    fx_assert_flow(&p, mark, "S:P./4|C:R.");
    assert_int_equal(p.segs[mark + 1].s.seq, p.segs[mark].s.ack);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_TCPAbortOnData), 1);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_FIN_WAIT_2), 0);
    assert_int_equal(pair_sock_state(&p, PAIR_SERVER, ss), SYNACK_CLOSED);
    char buf[4];
    assert_int_equal(synack_recv(p.st[PAIR_SERVER], ss, buf, sizeof(buf), 0), -ECONNRESET);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linger_zero_abort),
        cmocka_unit_test(test_close_with_unread_data),
        cmocka_unit_test(test_linger_nonzero_is_graceful),
        cmocka_unit_test(test_data_to_orphan_resets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
