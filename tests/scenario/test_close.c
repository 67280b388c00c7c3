/* SPDX-License-Identifier: MIT */
/* Connection close (RFC 9293 3.6, Figure 12): active close from either side through
 * FIN-WAIT-1, FIN-WAIT-2 and TIME-WAIT while the other side passes CLOSE-WAIT and
 * LAST-ACK; the passive side closing within the delayed-ACK time, which merges its ACK
 * into its FIN; data then FIN; the orphaned FIN-WAIT-2 limit; a lost FIN; close() in
 * SYN-SENT; and a FIN that arrives before the data ahead of it. */
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
#include "support/seghost.h"
#include "wire/tcp_wire.h"

#define DELAY 1000 /* one-way link delay, µs */

/* `a` closes first at 1 s; `b` reads the EOF and closes 0.5 s later. */
static void active_close(int a)
{
    int b = 1 - a;
    pair p;
    int sock[2];
    fx_established_socks(&p, NULL, DELAY, sock);
    /* some data first, so the FIN does not sit right after the ISS */
    assert_int_equal(synack_send(p.st[a], sock[a], "0123456789", 10, 0), 10);
    assert_int_equal(synack_send(p.st[b], sock[b], "abc", 3, 0), 3);
    pair_run_until(&p, 1000000);
    char buf[32];
    assert_int_equal(synack_recv(p.st[b], sock[b], buf, sizeof(buf), 0), 10);
    assert_int_equal(synack_recv(p.st[a], sock[a], buf, sizeof(buf), 0), 3);
    /* a's next sequence number and what it acknowledges, from the last exchange */
    uint32_t a_nxt = fx_next_seq(&p, a), b_nxt = fx_next_seq(&p, b);

    size_t mark = p.nsegs;
    uint64_t t1 = p.now;
    assert_int_equal(synack_close(p.st[a], sock[a]), 0);
    assert_int_equal(pair_count_state(&p, a, SYNACK_FIN_WAIT_1), 1);
    pair_run_until(&p, t1 + 500000);

    /* a: <SEQ=a_nxt><ACK=b_nxt><CTL=FIN,ACK>; b ACKs it after its delayed-ACK time */
    assert_int_equal(p.nsegs, mark + 2);
    fx_assert_seg(&p.segs[mark], a, TCP_FIN | TCP_ACK, a_nxt, b_nxt, 0);
    assert_int_equal(p.segs[mark].t, t1);
    fx_assert_seg(&p.segs[mark + 1], b, TCP_ACK, b_nxt, a_nxt + 1, 0);
    assert_int_equal(p.segs[mark + 1].t, t1 + DELAY + 40000);
    assert_int_equal(pair_transition_time(&p, a, SYNACK_ESTABLISHED, SYNACK_FIN_WAIT_1), t1);
    assert_int_equal(pair_transition_time(&p, b, SYNACK_ESTABLISHED, SYNACK_CLOSE_WAIT),
                     t1 + DELAY);
    assert_int_equal(pair_transition_time(&p, a, SYNACK_FIN_WAIT_1, SYNACK_FIN_WAIT_2),
                     t1 + 2 * DELAY + 40000);
    assert_int_equal(pair_count_state(&p, a, SYNACK_FIN_WAIT_2), 1);
    assert_int_equal(pair_sock_state(&p, b, sock[b]), SYNACK_CLOSE_WAIT);

    /* b sees the end of the stream: EOF, readable, read-hung-up; it may still write */
    assert_int_equal(fx_poll(p.st[b], sock[b], POLLIN | POLLOUT | POLLRDHUP),
                     POLLIN | POLLOUT | POLLRDHUP);
    assert_int_equal(synack_recv(p.st[b], sock[b], buf, sizeof(buf), 0), 0);

    uint64_t t2 = p.now;
    assert_int_equal(synack_close(p.st[b], sock[b]), 0);
    pair_run_until(&p, t2 + 500000);
    assert_int_equal(p.nsegs, mark + 4);
    fx_assert_seg(&p.segs[mark + 2], b, TCP_FIN | TCP_ACK, b_nxt, a_nxt + 1, 0);
    assert_int_equal(p.segs[mark + 2].t, t2);
    fx_assert_seg(&p.segs[mark + 3], a, TCP_ACK, a_nxt + 1, b_nxt + 1, 0);
    assert_int_equal(p.segs[mark + 3].t, t2 + DELAY);
    assert_int_equal(pair_transition_time(&p, b, SYNACK_CLOSE_WAIT, SYNACK_LAST_ACK), t2);
    assert_int_equal(pair_transition_time(&p, a, SYNACK_FIN_WAIT_2, SYNACK_TIME_WAIT), t2 + DELAY);
    assert_int_equal(pair_transition_time(&p, b, SYNACK_LAST_ACK, SYNACK_CLOSED), t2 + 2 * DELAY);
    assert_int_equal(pair_count_state(&p, a, SYNACK_TIME_WAIT), 1);
    assert_int_equal(pair_count_state(&p, b, SYNACK_LAST_ACK), 0);
    /* neither passed through CLOSING */
    assert_false(pair_saw_state(&p, a, SYNACK_CLOSING));
    assert_false(pair_saw_state(&p, b, SYNACK_CLOSING));

    /* TIME-WAIT ends after 2*MSL and nothing else is sent */
    pair_run_until(&p, t2 + DELAY + 60000000);
    assert_int_equal(pair_transition_time(&p, a, SYNACK_TIME_WAIT, SYNACK_CLOSED),
                     t2 + DELAY + 60000000);
    assert_int_equal(p.nsegs, mark + 4);
    assert_int_equal(synack_counter_get(p.st[a], SYNACK_CTR_CurrEstab), 0);
    assert_int_equal(synack_counter_get(p.st[b], SYNACK_CTR_CurrEstab), 0);
    assert_int_equal(synack_counter_get(p.st[a], SYNACK_CTR_OutRsts), 0);
    assert_int_equal(synack_counter_get(p.st[b], SYNACK_CTR_OutRsts), 0);
    /* the ids were released by close() */
    assert_int_equal(synack_recv(p.st[a], sock[a], buf, sizeof(buf), 0), -EBADF);
    pair_free(&p);
}

static void test_active_close_client(void **state)
{
    (void)state;
    active_close(PAIR_CLIENT);
}

static void test_active_close_server(void **state)
{
    (void)state;
    active_close(PAIR_SERVER);
}

/* The server closes 10 ms after the client's FIN arrived, inside its 40 ms delayed-ACK
 * time: its FIN carries the ACK of the client's FIN (RFC 9293 3.6 case 1 with the ACK
 * merged), so the client goes from FIN-WAIT-1 through FIN-WAIT-2 to TIME-WAIT on one
 * segment, never CLOSING. */
static void test_close_merged_fin_ack(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    pair_run_until(&p, 1000000);
    uint32_t c_nxt = p.segs[2].s.seq, s_nxt = p.segs[2].s.ack;
    size_t mark = p.nsegs;
    assert_int_equal(mark, 3);
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_run_until(&p, 1000000 + DELAY + 10000);
    char buf[8];
    assert_int_equal(synack_recv(p.st[PAIR_SERVER], ss, buf, sizeof(buf), 0), 0);
    assert_int_equal(synack_close(p.st[PAIR_SERVER], ss), 0);
    pair_run_until(&p, 2000000);

    fx_assert_flow(&p, mark, "C:F.|S:F.|C:.");
    fx_assert_seg(&p.segs[mark], PAIR_CLIENT, TCP_FIN | TCP_ACK, c_nxt, s_nxt, 0);
    fx_assert_seg(&p.segs[mark + 1], PAIR_SERVER, TCP_FIN | TCP_ACK, s_nxt, c_nxt + 1, 0);
    assert_int_equal(p.segs[mark + 1].t, 1000000 + DELAY + 10000);
    fx_assert_seg(&p.segs[mark + 2], PAIR_CLIENT, TCP_ACK, c_nxt + 1, s_nxt + 1, 0);
    uint64_t t_fin = 1000000 + 2 * DELAY + 10000;
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_FIN_WAIT_1, SYNACK_FIN_WAIT_2),
                     t_fin);
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_FIN_WAIT_2, SYNACK_TIME_WAIT),
                     t_fin);
    assert_int_equal(pair_transition_time(&p, PAIR_SERVER, SYNACK_CLOSE_WAIT, SYNACK_LAST_ACK),
                     1000000 + DELAY + 10000);
    assert_int_equal(pair_transition_time(&p, PAIR_SERVER, SYNACK_LAST_ACK, SYNACK_CLOSED),
                     t_fin + DELAY);
    assert_false(pair_saw_state(&p, PAIR_CLIENT, SYNACK_CLOSING));
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_TIME_WAIT), 1);
    /* no delayed ACK was left behind on the server */
    assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_TCPDelayedACKs), 0);
    pair_free(&p);
}

/* The application writes and closes at once: the data goes out, then the FIN right
 * behind it (RFC 9293 3.10.4: the FIN follows all queued SENDs). */
static void test_close_after_send(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    uint32_t c_nxt = p.segs[2].s.seq;
    size_t mark = p.nsegs;
    assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs, "last words", 10, 0), 10);
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_run_for(&p, 100000);
    char buf[16];
    assert_int_equal(synack_recv(p.st[PAIR_SERVER], ss, buf, sizeof(buf), 0), 10);
    assert_memory_equal(buf, "last words", 10);
    assert_int_equal(synack_recv(p.st[PAIR_SERVER], ss, buf, sizeof(buf), 0), 0);
    assert_int_equal(p.segs[mark].s.seq, c_nxt);
    size_t fin = mark;
    while (fin < p.nsegs && !(p.segs[fin].s.flags & TCP_FIN))
        fin++;
    assert_true(fin < p.nsegs);
    assert_int_equal(p.segs[fin].from, PAIR_CLIENT);
    /* the FIN takes the sequence number right after the ten bytes */
    assert_int_equal(p.segs[fin].s.seq + p.segs[fin].s.len, c_nxt + 10);
    /* the server's one ACK covers data and FIN */
    size_t sa = pair_next_seg(&p, mark, PAIR_SERVER);
    assert_true(sa < p.nsegs);
    assert_int_equal(p.segs[sa].s.ack, c_nxt + 11);
    assert_int_equal(pair_count_segs(&p, mark, PAIR_SERVER), 1);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_FIN_WAIT_2), 1);
    assert_int_equal(pair_sock_state(&p, PAIR_SERVER, ss), SYNACK_CLOSE_WAIT);
    pair_free(&p);
}

/* The client closes and the server never does: the orphan's FIN-WAIT-2 is limited to
 * fin_wait2_us (60 s, Linux tcp_fin_timeout), counted from entering FIN-WAIT-2. */
static void test_orphan_fin_wait_2_timeout(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_run_for(&p, 100000);
    uint64_t t = pair_transition_time(&p, PAIR_CLIENT, SYNACK_FIN_WAIT_1, SYNACK_FIN_WAIT_2);
    assert_true(t != UINT64_MAX);
    size_t mark = p.nsegs;
    pair_run_until(&p, t + 60000000 - 1);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_FIN_WAIT_2), 1);
    pair_run_until(&p, t + 60000000);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_FIN_WAIT_2), 0);
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_FIN_WAIT_2, SYNACK_CLOSED),
                     t + 60000000);
    assert_false(pair_saw_state(&p, PAIR_CLIENT, SYNACK_TIME_WAIT));
    assert_int_equal(p.nsegs, mark);
    assert_int_equal(pair_sock_state(&p, PAIR_SERVER, ss), SYNACK_CLOSE_WAIT);
    pair_free(&p);
}

/* The first FIN is lost: it is retransmitted after the RTO (200 ms, the minimum, as the
 * handshake measured 2 ms), with the same sequence number. */
static void test_fin_retransmitted(void **state)
{
    (void)state;
    pair p;
    int cs;
    fx_established(&p, NULL, DELAY, &cs);
    int dropped = 0;
    p.filter = fx_drop_first_fin;
    p.filter_ctx = &dropped;
    size_t mark = p.nsegs;
    uint64_t t = p.now;
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_run_for(&p, 500000);
    fx_assert_flow(&p, mark, "C:F.|C:F.|S:.");
    assert_true(p.segs[mark].dropped);
    assert_int_equal(p.segs[mark + 1].t, t + 200000);
    assert_int_equal(p.segs[mark + 1].s.seq, p.segs[mark].s.seq);
    assert_int_equal(p.segs[mark + 2].s.ack, p.segs[mark].s.seq + 1);
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_FIN_WAIT_1, SYNACK_FIN_WAIT_2),
                     t + 200000 + 2 * DELAY + 40000);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_RetransSegs), 1);
    pair_free(&p);
}

/* close() in SYN-SENT deletes the TCB without a word (RFC 9293 3.10.4); the SYN-ACK that
 * arrives afterwards finds no connection and is reset, which returns the server's embryo
 * to LISTEN. */
static void test_close_in_syn_sent(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    int ls = pair_listen(&p, 80, 4);
    int cs = pair_connect(&p, 80);
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_SYN_SENT), 0);
    pair_run_for(&p, 100000);
    fx_assert_flow(&p, 0, "C:S|S:S.|C:R");
    assert_int_equal(p.segs[2].s.seq, p.segs[1].s.ack);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED), 0);
    assert_int_equal(synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL), -EAGAIN);
    /* RFC 1213: SYN-RECEIVED -> LISTEN is an attempt that failed */
    assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_AttemptFails), 1);
    pair_run_for(&p, 10000000);
    assert_int_equal(p.nsegs, 3); /* no SYN-ACK retransmission either */
    pair_free(&p);
}

/* The peer's FIN arrives ahead of data still missing (RFC 9293 3.10.7.4: the FIN takes
 * effect only once all data before it is in): "world"+FIN first, then "hello". */
static void test_fin_after_hole(void **state)
{
    (void)state;
    seghost h;
    uint32_t siss;
    int s = fx_sh_established(&h, NULL, &siss); /* peer 40000 -> 80, ISS 1000 */
    sh_send(&h, 40000, 80, 1006, siss + 1, TCP_ACK | TCP_FIN, 65535, "world", 5, NULL);
    const sh_seg *a = sh_last(&h);
    assert_int_equal(a->s.ack, 1001); /* a duplicate ACK: the hole is at 1001 */
    assert_int_equal(fx_tcp_info(h.st, s).state, SYNACK_ESTABLISHED);
    char buf[16];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -EAGAIN);
    size_t mark = h.nout;
    sh_send(&h, 40000, 80, 1001, siss + 1, TCP_ACK, 65535, "hello", 5, NULL);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.ack, 1012); /* ten bytes and the FIN */
    assert_int_equal(fx_tcp_info(h.st, s).state, SYNACK_CLOSE_WAIT);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 10);
    assert_memory_equal(buf, "helloworld", 10);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 0);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_active_close_client),
        cmocka_unit_test(test_active_close_server),
        cmocka_unit_test(test_close_merged_fin_ack),
        cmocka_unit_test(test_close_after_send),
        cmocka_unit_test(test_orphan_fin_wait_2_timeout),
        cmocka_unit_test(test_fin_retransmitted),
        cmocka_unit_test(test_close_in_syn_sent),
        cmocka_unit_test(test_fin_after_hole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
