/* SPDX-License-Identifier: MIT */
/* TIME-WAIT (RFC 9293 3.6, 3.10.7.4): it lasts exactly 2*MSL (MSL 30 s by default);
 * a retransmitted FIN is acknowledged again and restarts the 2*MSL timer (in the compact
 * record of a closed socket and in the full connection of one still open); a RST is
 * ignored (RFC 1337); the port cannot be bound again without SO_REUSEADDR; and a new SYN
 * with a higher sequence number reopens the 4-tuple (RFC 1122 4.2.2.13, RFC 6191). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"
#include "support/seghost.h"

#define SEC 1000000ull
#define DELAY 1000
#define TWO_MSL (60 * SEC)

struct tw_view {
    int n;             /* TIME-WAIT entries seen */
    uint64_t timer_at; /* the last one's timer */
    const char *timer; /* and its name */
    uint16_t lport;    /* and its local port */
};

static void tw_visit(void *ctx, const synack_conn_view *v)
{
    struct tw_view *t = ctx;
    if (v->state != SYNACK_TIME_WAIT)
        return;
    t->n++;
    t->timer_at = v->timer_at;
    t->timer = v->timer;
    t->lport = v->ep.lport;
}

static struct tw_view time_wait_of(pair *p, int host)
{
    struct tw_view t = {0};
    synack_foreach_conn(p->st[host], tw_visit, &t);
    return t;
}

/* `closer` closes first; the other side closes as soon as it has read the EOF (after its
 * delayed ACK). Returns when `closer` is in TIME-WAIT; *t_tw is when it got there. */
static void close_to_time_wait(pair *p, int closer, int sock[2], uint64_t *t_tw)
{
    int other = 1 - closer;
    size_t first_state = p->nstates;
    assert_int_equal(synack_close(p->st[closer], sock[closer]), 0);
    pair_run_for(p, 100000);
    char buf[4];
    assert_int_equal(synack_recv(p->st[other], sock[other], buf, sizeof(buf), 0), 0);
    assert_int_equal(synack_close(p->st[other], sock[other]), 0);
    pair_run_for(p, 100000);
    *t_tw = UINT64_MAX;
    for (size_t i = first_state; i < p->nstates; i++)
        if (p->states[i].host == closer && p->states[i].from == SYNACK_FIN_WAIT_2 &&
            p->states[i].to == SYNACK_TIME_WAIT)
            *t_tw = p->states[i].t;
    assert_true(*t_tw != UINT64_MAX);
}

/* A pair whose client closed first and is now in TIME-WAIT (both sockets are closed). */
static void client_in_time_wait(pair *p, uint64_t *t_tw)
{
    int sock[2];
    fx_established_socks(p, NULL, DELAY, sock);
    close_to_time_wait(p, PAIR_CLIENT, sock, t_tw);
}

static void test_time_wait_lasts_2msl(void **state)
{
    (void)state;
    pair p;
    uint64_t t_tw;
    client_in_time_wait(&p, &t_tw);
    struct tw_view v = time_wait_of(&p, PAIR_CLIENT);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.timer, "time-wait");
    assert_int_equal(v.timer_at, t_tw + TWO_MSL);
    size_t mark = p.nsegs;
    pair_run_until(&p, t_tw + TWO_MSL - 1);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_TIME_WAIT), 1);
    pair_run_until(&p, t_tw + TWO_MSL);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_TIME_WAIT), 0);
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_TIME_WAIT, SYNACK_CLOSED),
                     t_tw + TWO_MSL);
    assert_int_equal(p.nsegs, mark); /* TIME-WAIT ends silently */
    assert_int_equal(synack_next_deadline(p.st[PAIR_CLIENT]), UINT64_MAX);
    pair_free(&p);
}

/* An established pair whose client ends its sending side at 1 s, with shutdown(SHUT_WR)
 * when `shut` (its socket stays open) or else with close(); the server reads the EOF and
 * closes at the time returned, and the client's ACK of the server's FIN is to be lost
 * (*drop is the filter's context: it must live as long as p). *mark: the index of the
 * client's FIN. */
static uint64_t server_fin_ack_lost(pair *p, int shut, int *cs, size_t *mark, size_t *drop)
{
    int ss = fx_established(p, NULL, DELAY, cs);
    pair_run_until(p, SEC);
    *mark = p->nsegs;
    if (shut)
        assert_int_equal(synack_shutdown(p->st[PAIR_CLIENT], *cs, SHUT_WR), 0);
    else
        assert_int_equal(synack_close(p->st[PAIR_CLIENT], *cs), 0);
    pair_run_until(p, SEC + 100000);
    /* C:F. S:. so far; the server's FIN is mark+2 and the client's ACK of it mark+3 */
    *drop = *mark + 3;
    p->filter = fx_drop_nth;
    p->filter_ctx = drop;
    char buf[4];
    assert_int_equal(synack_recv(p->st[PAIR_SERVER], ss, buf, sizeof(buf), 0), 0);
    uint64_t t2 = p->now;
    assert_int_equal(synack_close(p->st[PAIR_SERVER], ss), 0);
    return t2;
}

/* What follows from `mark` on: the server's FIN at t2, the client's ACK of it lost, the FIN
 * again after the server's RTO (200 ms: the minimum, the handshake measured 2 ms), and
 * the client's ACK of it again. */
static void assert_fin_reacked(const pair *p, size_t mark, uint64_t t2)
{
    fx_assert_flow(p, mark, "C:F.|S:.|S:F.|C:.|S:F.|C:.");
    const pair_seg *fin1 = &p->segs[mark + 2], *ack1 = &p->segs[mark + 3];
    const pair_seg *fin2 = &p->segs[mark + 4], *ack2 = &p->segs[mark + 5];
    assert_true(ack1->dropped);
    assert_int_equal(fin1->t, t2);
    assert_int_equal(ack1->t, t2 + DELAY);
    assert_int_equal(fin2->t, t2 + 200000);
    assert_int_equal(fin2->s.seq, fin1->s.seq);
    assert_int_equal(fin2->s.ack, fin1->s.ack);
    assert_int_equal(ack2->t, t2 + 200000 + DELAY);
    assert_int_equal(ack2->s.seq, ack1->s.seq);
    assert_int_equal(ack2->s.ack, fin1->s.seq + 1);
    assert_int_equal(ack2->s.flags, TCP_ACK);
}

/* The client's last ACK is lost: the server in LAST-ACK retransmits its FIN after its RTO;
 * the client, in TIME-WAIT, ACKs it again and restarts 2*MSL from that moment. */
static void test_time_wait_reacks_retransmitted_fin(void **state)
{
    (void)state;
    pair p;
    int cs;
    size_t mark, drop;
    uint64_t t2 = server_fin_ack_lost(&p, 0, &cs, &mark, &drop);
    pair_run_until(&p, t2 + SEC);

    assert_fin_reacked(&p, mark, t2);
    assert_int_equal(pair_transition_time(&p, PAIR_SERVER, SYNACK_LAST_ACK, SYNACK_CLOSED),
                     t2 + 200000 + 2 * DELAY);
    assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_RetransSegs), 1);

    uint64_t restart = t2 + 200000 + DELAY;
    assert_int_equal(time_wait_of(&p, PAIR_CLIENT).timer_at, restart + TWO_MSL);
    pair_run_until(&p, t2 + DELAY + TWO_MSL);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_TIME_WAIT), 1);
    pair_run_until(&p, restart + TWO_MSL);
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_TIME_WAIT, SYNACK_CLOSED),
                     restart + TWO_MSL);
    pair_free(&p);
}

/* The same with the client's socket still open (it shut down its sending side only), so
 * its TIME-WAIT is the full connection, not the compact record an orphan shrinks to: the
 * retransmitted FIN is ACKed again and 2*MSL restarts from it, and the socket reports
 * TIME-WAIT until the timer ends it. */
static void test_time_wait_full_tcb_reacks_retransmitted_fin(void **state)
{
    (void)state;
    pair p;
    int cs;
    size_t mark, drop;
    uint64_t t2 = server_fin_ack_lost(&p, 1, &cs, &mark, &drop);
    pair_run_until(&p, t2 + 100000);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_TIME_WAIT);
    assert_int_equal(time_wait_of(&p, PAIR_CLIENT).timer_at, t2 + DELAY + TWO_MSL);
    pair_run_until(&p, t2 + SEC);

    assert_fin_reacked(&p, mark, t2);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_TIME_WAIT);

    uint64_t restart = t2 + 200000 + DELAY;
    struct tw_view v = time_wait_of(&p, PAIR_CLIENT);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.timer, "time-wait");
    assert_int_equal(v.timer_at, restart + TWO_MSL);
    pair_run_until(&p, t2 + DELAY + TWO_MSL); /* where the first 2*MSL would have ended */
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_TIME_WAIT);
    pair_run_until(&p, restart + TWO_MSL - 1);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_TIME_WAIT);
    pair_run_until(&p, restart + TWO_MSL);
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_TIME_WAIT, SYNACK_CLOSED),
                     restart + TWO_MSL);
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_free(&p);
}

/* RFC 1337 "TIME-WAIT assassination": a RST, even one exactly at RCV.NXT, must not end
 * TIME-WAIT early. It is dropped without an answer and the timer keeps running. */
static void test_time_wait_ignores_rst(void **state)
{
    (void)state;
    pair p;
    uint64_t t_tw;
    client_in_time_wait(&p, &t_tw);
    const pair_seg *last = &p.segs[p.nsegs - 1]; /* the client's final ACK */
    assert_int_equal(last->from, PAIR_CLIENT);
    uint32_t rcv_nxt = last->s.ack, snd_nxt = last->s.seq;
    uint16_t cport = time_wait_of(&p, PAIR_CLIENT).lport;

    pair_run_until(&p, t_tw + 10 * SEC);
    size_t mark = p.nsegs;
    uint64_t in_segs = synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_InSegs);
    const uint8_t flags[2] = {TCP_RST, TCP_RST | TCP_ACK};
    for (int i = 0; i < 2; i++)
        assert_int_equal(fx_inject(&p, PAIR_CLIENT, p.now, PAIR_SERVER_ADDR, 80, cport, rcv_nxt,
                                   snd_nxt, flags[i], 1000),
                         0);
    /* Both RSTs reached TCP (a frame lost before it would pass this test unnoticed)... */
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_InSegs), in_segs + 2);
    pair_run_for(&p, 100000);
    assert_int_equal(p.nsegs, mark);
    /* ...and their 4-tuple is the TIME-WAIT connection's: a segment on it that is not a
     * bare in-order ACK is answered with the connection's state (RFC 9293 3.10.7.4), where
     * an unknown 4-tuple would get a RST. */
    assert_int_equal(fx_inject(&p, PAIR_CLIENT, p.now, PAIR_SERVER_ADDR, 80, cport, rcv_nxt + 1,
                               snd_nxt, TCP_ACK, 1000),
                     0);
    pair_run_for(&p, 100000);
    /* (The server, long closed, resets that ACK; the RST is ignored in turn.) */
    fx_assert_flow(&p, mark, "C:.|S:R");
    assert_int_equal(p.segs[mark].s.seq, snd_nxt);
    assert_int_equal(p.segs[mark].s.ack, rcv_nxt);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_TIME_WAIT), 1);
    assert_int_equal(time_wait_of(&p, PAIR_CLIENT).timer_at, t_tw + TWO_MSL);
    pair_run_until(&p, t_tw + TWO_MSL);
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_TIME_WAIT, SYNACK_CLOSED),
                     t_tw + TWO_MSL);
    pair_free(&p);
}

static int bind_port(synack_stack *st, int reuse, uint16_t port)
{
    int s = synack_socket(st, SOCK_STREAM);
    assert_true(s >= 0);
    if (reuse) {
        int one = 1;
        assert_int_equal(synack_setsockopt(st, s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    }
    struct sockaddr_in sin = pair_sin(0, port);
    int rc = synack_bind(st, s, (struct sockaddr *)&sin, sizeof(sin));
    synack_close(st, s);
    return rc;
}

/* The server closes first, so its port 80 sits in TIME-WAIT; the listener is closed too.
 * A new listener on 80 needs SO_REUSEADDR, as does the client's fixed port in the mirror
 * case. */
static void test_time_wait_bind(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    int ls = pair_listen(&p, 80, 4);
    int sock[2];
    sock[0] = synack_socket(p.st[PAIR_CLIENT], SOCK_STREAM);
    struct sockaddr_in cb = pair_sin(0, 5000), to = pair_sin(PAIR_SERVER_ADDR, 80);
    assert_int_equal(synack_bind(p.st[PAIR_CLIENT], sock[0], (struct sockaddr *)&cb, sizeof(cb)),
                     0);
    assert_int_equal(synack_connect(p.st[PAIR_CLIENT], sock[0], (struct sockaddr *)&to, sizeof(to)),
                     -EINPROGRESS);
    pair_run_for(&p, 10000);
    sock[1] = synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL);
    assert_true(sock[1] >= 0);
    assert_int_equal(synack_close(p.st[PAIR_SERVER], ls), 0);
    uint64_t t_tw;
    close_to_time_wait(&p, PAIR_SERVER, sock, &t_tw);

    assert_int_equal(bind_port(p.st[PAIR_SERVER], 0, 80), -EADDRINUSE);
    assert_int_equal(bind_port(p.st[PAIR_SERVER], 1, 80), 0);
    assert_int_equal(bind_port(p.st[PAIR_SERVER], 0, 81), 0);
    /* once TIME-WAIT is over the port is free for anyone */
    pair_run_until(&p, t_tw + TWO_MSL);
    assert_int_equal(bind_port(p.st[PAIR_SERVER], 0, 80), 0);
    pair_free(&p);

    /* the mirror: the client's bound port 5000 in TIME-WAIT */
    pair_init(&p, NULL, DELAY);
    ls = pair_listen(&p, 80, 4);
    sock[0] = synack_socket(p.st[PAIR_CLIENT], SOCK_STREAM);
    assert_int_equal(synack_bind(p.st[PAIR_CLIENT], sock[0], (struct sockaddr *)&cb, sizeof(cb)),
                     0);
    synack_connect(p.st[PAIR_CLIENT], sock[0], (struct sockaddr *)&to, sizeof(to));
    pair_run_for(&p, 10000);
    sock[1] = synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL);
    close_to_time_wait(&p, PAIR_CLIENT, sock, &t_tw);
    assert_int_equal(time_wait_of(&p, PAIR_CLIENT).lport, 5000);
    assert_int_equal(bind_port(p.st[PAIR_CLIENT], 0, 5000), -EADDRINUSE);
    assert_int_equal(bind_port(p.st[PAIR_CLIENT], 1, 5000), 0);
    pair_free(&p);
}

/* The server closed first and holds the 4-tuple in TIME-WAIT; the client connects again
 * from the same port a few seconds later. Its ISN (RFC 6528 clock) and its TSval (per
 * 4-tuple offset, RFC 7323 5.4) are both higher, so the server ends TIME-WAIT and opens a
 * new connection (RFC 6191). Repeated on several ports, as each uses its own offsets. */
static void test_time_wait_reopened_by_new_syn(void **state)
{
    (void)state;
    for (uint16_t port = 5000; port < 5008; port++) {
        pair p;
        pair_init(&p, NULL, DELAY);
        int ls = pair_listen(&p, 80, 4);
        struct sockaddr_in cb = pair_sin(0, port), to = pair_sin(PAIR_SERVER_ADDR, 80);
        int sock[2];
        sock[0] = synack_socket(p.st[PAIR_CLIENT], SOCK_STREAM);
        synack_bind(p.st[PAIR_CLIENT], sock[0], (struct sockaddr *)&cb, sizeof(cb));
        synack_connect(p.st[PAIR_CLIENT], sock[0], (struct sockaddr *)&to, sizeof(to));
        pair_run_for(&p, 10000);
        sock[1] = synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL);
        assert_true(sock[1] >= 0);
        uint32_t old_iss = p.segs[0].s.seq;
        uint64_t t_tw;
        close_to_time_wait(&p, PAIR_SERVER, sock, &t_tw);
        assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_LAST_ACK), 0);

        pair_run_until(&p, t_tw + 5 * SEC);
        size_t mark = p.nsegs;
        int s = synack_socket(p.st[PAIR_CLIENT], SOCK_STREAM);
        assert_int_equal(synack_bind(p.st[PAIR_CLIENT], s, (struct sockaddr *)&cb, sizeof(cb)), 0);
        assert_int_equal(synack_connect(p.st[PAIR_CLIENT], s, (struct sockaddr *)&to, sizeof(to)),
                         -EINPROGRESS);
        pair_run_for(&p, 10000);
        fx_assert_flow(&p, mark, "C:S|S:S.|C:.");
        assert_true(p.segs[mark].s.seq - old_iss < 0x80000000u);
        assert_int_equal(p.segs[mark + 1].s.ack, p.segs[mark].s.seq + 1);
        assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_TCPTimeWaitReused), 1);
        assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_TIME_WAIT), 0);
        assert_int_equal(pair_transition_time(&p, PAIR_SERVER, SYNACK_TIME_WAIT, SYNACK_CLOSED),
                         p.segs[mark].t + DELAY);
        int ns = synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL);
        assert_true(ns >= 0);
        assert_int_equal(pair_sock_state(&p, PAIR_SERVER, ns), SYNACK_ESTABLISHED);
        assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, s), SYNACK_ESTABLISHED);
        pair_free(&p);
    }
}

/* The same with a crafted peer, without timestamps, where the sequence number decides: an
 * old SYN (below RCV.NXT) is answered with the TIME-WAIT ACK and changes nothing; a SYN
 * above RCV.NXT reopens the 4-tuple. */
static void test_time_wait_syn_sequence_rule(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int ls = sh_listen(&h, 80, 4);
    uint32_t siss;
    int s = sh_handshake(&h, ls, 80, 40000, 1000, 65535, &siss);
    assert_true(s >= 0);
    assert_int_equal(synack_close(h.st, s), 0); /* server: FIN */
    assert_int_equal(sh_last(&h)->s.flags, TCP_FIN | TCP_ACK);
    sh_send(&h, 40000, 80, 1001, siss + 2, TCP_ACK, 65535, NULL, 0, NULL);
    sh_send(&h, 40000, 80, 1001, siss + 2, TCP_FIN | TCP_ACK, 65535, NULL, 0, NULL);
    const sh_seg *a = sh_last(&h);
    assert_int_equal(a->s.flags, TCP_ACK);
    assert_int_equal(a->s.seq, siss + 2);
    assert_int_equal(a->s.ack, 1002);
    uint64_t t_tw = sh_state_time(&h, SYNACK_TIME_WAIT, 0);
    assert_int_equal(t_tw, 0);

    sh_run_until(&h, 3 * SEC);
    size_t mark = h.nout;
    sh_send(&h, 40000, 80, 900, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.flags, TCP_ACK);
    assert_int_equal(h.out[mark].s.seq, siss + 2);
    assert_int_equal(h.out[mark].s.ack, 1002);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPTimeWaitReused), 0);
    assert_int_equal(sh_state_time(&h, SYNACK_CLOSED, 1), UINT64_MAX);

    sh_send(&h, 40000, 80, 1002 + 100000, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, mark + 2);
    const sh_seg *sa = &h.out[mark + 1];
    assert_int_equal(sa->s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sa->s.ack, 1002 + 100001);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPTimeWaitReused), 1);
    assert_int_equal(sh_state_time(&h, SYNACK_CLOSED, 1), 3 * SEC);
    /* the new incarnation's ISS is not below the old one's sequence space (RFC 6528) */
    assert_true(sa->s.seq - (siss + 2) < 0x80000000u);
    sh_send(&h, 40000, 80, 1002 + 100001, sa->s.seq + 1, TCP_ACK, 65535, NULL, 0, NULL);
    int ns = synack_accept(h.st, ls, NULL, NULL);
    assert_true(ns >= 0);
    sh_free(&h);
}

/* The TIME-WAIT table is bounded (max_time_wait): the oldest entry makes room for a new
 * one (TCPTimeWaitRecycled), never a live connection. */
static void test_time_wait_table_bounded(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.max_time_wait = 2;
    pair p;
    pair_init(&p, &cfg, DELAY);
    int ls = pair_listen(&p, 80, 8);
    uint16_t ports[3];
    for (int i = 0; i < 3; i++) {
        int sock[2];
        sock[0] = pair_connect(&p, 80);
        pair_run_for(&p, 10000);
        sock[1] = synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL);
        assert_true(sock[1] >= 0);
        struct sockaddr_in me;
        socklen_t ml = sizeof(me);
        assert_int_equal(
            synack_getsockname(p.st[PAIR_CLIENT], sock[0], (struct sockaddr *)&me, &ml), 0);
        ports[i] = ntohs(me.sin_port);
        uint64_t t_tw;
        close_to_time_wait(&p, PAIR_CLIENT, sock, &t_tw);
        assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_TIME_WAIT), i < 2 ? i + 1 : 2);
    }
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_TCPTimeWaitRecycled), 1);
    /* the first connection's entry went: its port is free again, the others' are not */
    assert_int_equal(bind_port(p.st[PAIR_CLIENT], 0, ports[0]), 0);
    assert_int_equal(bind_port(p.st[PAIR_CLIENT], 0, ports[1]), -EADDRINUSE);
    assert_int_equal(bind_port(p.st[PAIR_CLIENT], 0, ports[2]), -EADDRINUSE);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_wait_lasts_2msl),
        cmocka_unit_test(test_time_wait_reacks_retransmitted_fin),
        cmocka_unit_test(test_time_wait_full_tcb_reacks_retransmitted_fin),
        cmocka_unit_test(test_time_wait_ignores_rst),
        cmocka_unit_test(test_time_wait_bind),
        cmocka_unit_test(test_time_wait_reopened_by_new_syn),
        cmocka_unit_test(test_time_wait_syn_sequence_rule),
        cmocka_unit_test(test_time_wait_table_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
