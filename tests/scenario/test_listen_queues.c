/* SPDX-License-Identifier: MIT */
/* A listener's two queues (RFC 9293 3.10.7.2 leaves their policy to the implementation;
 * these follow Linux): the SYN queue of half-open connections, bounded by
 * max(8, backlog) capped at max_syn_backlog, and the accept queue of completed ones,
 * bounded by the backlog. Refusals count in ListenDrops, accept-queue overflows in
 * ListenOverflows too. A final ACK that finds the accept queue full is dropped; the SYN-ACK
 * retransmission brings it again once the application has made room. SYN cookies are
 * turned off here: with them a full SYN queue is not a refusal. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/pair.h"
#include "wire/tcp_wire.h"

#define SEC 1000000ull
#define DELAY 1000

static void no_cookies(synack_config *cfg)
{
    synack_config_default(cfg);
    cfg->syncookies = 0;
}

static int drop_client_acks(pair *p, const pair_seg *seg, size_t n, void *ctx)
{
    (void)p;
    (void)n;
    (void)ctx;
    return seg->from == PAIR_CLIENT && (seg->s.flags & TCP_ACK);
}

struct lview {
    uint32_t acc;     /* recv_q: accept-queue length */
    uint32_t backlog; /* send_q: the backlog */
};

static void listener_visit(void *ctx, const synack_conn_view *v)
{
    if (v->state == SYNACK_LISTEN) {
        struct lview *l = ctx;
        l->acc = v->recv_q;
        l->backlog = v->send_q;
    }
}

static struct lview listener_of(pair *p)
{
    struct lview l = {0, 0};
    synack_foreach_conn(p->st[PAIR_SERVER], listener_visit, &l);
    return l;
}

static uint64_t sctr(pair *p, synack_counter c)
{
    return synack_counter_get(p->st[PAIR_SERVER], c);
}

static size_t count_flags(const pair *p, size_t from, int host, uint8_t flags)
{
    size_t n = 0;
    for (size_t i = from; i < p->nsegs; i++)
        n += p->segs[i].from == host && p->segs[i].s.flags == flags;
    return n;
}

static void syn_queue_bound(uint32_t max_syn_backlog, int expect_half_open)
{
    synack_config cfg;
    no_cookies(&cfg);
    cfg.max_syn_backlog = max_syn_backlog;
    pair p;
    pair_init(&p, &cfg, DELAY);
    p.filter = drop_client_acks; /* handshakes never complete */
    assert_true(pair_listen(&p, 80, 2) >= 0);
    for (int i = 0; i < 10; i++)
        assert_true(pair_connect(&p, 80) >= 0);
    pair_run_until(&p, SEC / 2);
    /* more half-open connections than the backlog: the SYN queue is not the accept queue */
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED), expect_half_open);
    assert_int_equal(count_flags(&p, 0, PAIR_SERVER, TCP_SYN | TCP_ACK), (size_t)expect_half_open);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_SYN_SENT), 10 - expect_half_open);
    assert_int_equal(sctr(&p, SYNACK_CTR_ListenDrops), (uint64_t)(10 - expect_half_open));
    assert_int_equal(sctr(&p, SYNACK_CTR_ListenOverflows), 0);
    assert_int_equal(sctr(&p, SYNACK_CTR_OutRsts), 0); /* refused SYNs are dropped silently */
    struct lview l = listener_of(&p);
    assert_int_equal(l.acc, 0);
    assert_int_equal(l.backlog, 2);
    pair_free(&p);
}

static void test_syn_queue_bounded(void **state)
{
    (void)state;
    syn_queue_bound(256, 8); /* max(8, backlog 2) */
}

static void test_syn_queue_capped_by_config(void **state)
{
    (void)state;
    syn_queue_bound(4, 4); /* min(max(8, 2), max_syn_backlog 4) */
}

static uint16_t peer_port(synack_stack *st, int s)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    assert_int_equal(synack_getpeername(st, s, (struct sockaddr *)&sin, &len), 0);
    return ntohs(sin.sin_port);
}

static uint16_t local_port(synack_stack *st, int s)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    assert_int_equal(synack_getsockname(st, s, (struct sockaddr *)&sin, &len), 0);
    return ntohs(sin.sin_port);
}

/* backlog 2; three clients connect at t = 0, a fourth at 10 ms. */
static void test_accept_queue_full_drops_final_ack(void **state)
{
    (void)state;
    synack_config cfg;
    no_cookies(&cfg);
    pair p;
    pair_init(&p, &cfg, DELAY);
    synack_stack *sst = p.st[PAIR_SERVER];
    int ls = pair_listen(&p, 80, 2);
    int cs[4];
    for (int i = 0; i < 3; i++)
        cs[i] = pair_connect(&p, 80);
    pair_run_until(&p, 10000);
    cs[3] = pair_connect(&p, 80);
    pair_run_until(&p, SEC / 2);

    /* all three SYNs were answered; the first two ACKs filled the accept queue, the third
     * was dropped and its connection is still half-open on the server while the client
     * believes it is established; the fourth SYN met a full accept queue and was dropped */
    assert_int_equal(count_flags(&p, 0, PAIR_SERVER, TCP_SYN | TCP_ACK), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs[i]), SYNACK_ESTABLISHED);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs[3]), SYNACK_SYN_SENT);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED), 1);
    assert_int_equal(listener_of(&p).acc, 2);
    assert_int_equal(sctr(&p, SYNACK_CTR_ListenOverflows), 2);
    assert_int_equal(sctr(&p, SYNACK_CTR_ListenDrops), 2);
    assert_int_equal(sctr(&p, SYNACK_CTR_PassiveOpens), 2);
    synack_pollfd pf = {.sock = ls, .events = POLLIN};
    assert_int_equal(synack_sock_poll(sst, &pf, 1), 1);
    assert_int_equal(pf.revents, POLLIN);

    /* the application accepts one (oldest first) */
    int a1 = synack_accept(sst, ls, NULL, NULL);
    assert_true(a1 >= 0);
    assert_int_equal(peer_port(sst, a1), local_port(p.st[PAIR_CLIENT], cs[0]));
    assert_int_equal(listener_of(&p).acc, 1);

    /* the third connection's SYN-ACK is retransmitted one RTO after the first (at
     * 1.001 s); the client ACKs it again and this time the server completes */
    size_t mark = p.nsegs;
    pair_run_until(&p, SEC + 3 * DELAY);
    assert_int_equal(p.segs[mark].from, PAIR_SERVER);
    assert_int_equal(p.segs[mark].s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(p.segs[mark].t, SEC + DELAY);
    assert_int_equal(p.segs[mark + 1].from, PAIR_CLIENT);
    assert_int_equal(p.segs[mark + 1].s.flags, TCP_ACK);
    assert_int_equal(p.segs[mark + 1].s.ack, p.segs[mark].s.seq + 1);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED), 0);
    assert_int_equal(listener_of(&p).acc, 2);
    assert_int_equal(sctr(&p, SYNACK_CTR_PassiveOpens), 3);

    /* the fourth client's retransmitted SYN (1.010 s) meets a full queue again */
    pair_run_until(&p, SEC + 20000);
    assert_int_equal(sctr(&p, SYNACK_CTR_ListenOverflows), 3);
    int a2 = synack_accept(sst, ls, NULL, NULL);
    int a3 = synack_accept(sst, ls, NULL, NULL);
    assert_true(a2 >= 0 && a3 >= 0);
    assert_int_equal(peer_port(sst, a2), local_port(p.st[PAIR_CLIENT], cs[1]));
    assert_int_equal(peer_port(sst, a3), local_port(p.st[PAIR_CLIENT], cs[2]));
    assert_int_equal(synack_accept(sst, ls, NULL, NULL), -EAGAIN);

    /* with room, the fourth client's next SYN (3.010 s) gets through */
    pair_run_until(&p, 3 * SEC + 10000 + 3 * DELAY);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs[3]), SYNACK_ESTABLISHED);
    int a4 = synack_accept(sst, ls, NULL, NULL);
    assert_true(a4 >= 0);
    assert_int_equal(peer_port(sst, a4), local_port(p.st[PAIR_CLIENT], cs[3]));

    /* every accepted connection works */
    int acc[4] = {a1, a2, a3, a4};
    for (int i = 0; i < 4; i++)
        assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs[i], "q", 1, 0), 1);
    pair_run_for(&p, SEC);
    char buf[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(synack_recv(sst, acc[i], buf, sizeof(buf), 0), 1);
    assert_int_equal(sctr(&p, SYNACK_CTR_OutRsts), 0);
    pair_free(&p);
}

/* abort_on_overflow (Linux tcp_abort_on_overflow): the ACK that finds the accept queue
 * full is answered with a RST instead, and the client learns at once. */
static void test_accept_queue_full_abort(void **state)
{
    (void)state;
    synack_config cfg;
    no_cookies(&cfg);
    cfg.abort_on_overflow = 1;
    pair p;
    pair_init(&p, &cfg, DELAY);
    int ls = pair_listen(&p, 80, 1);
    assert_true(ls >= 0);
    int c1 = pair_connect(&p, 80), c2 = pair_connect(&p, 80);
    pair_run_until(&p, SEC / 2);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, c1), SYNACK_ESTABLISHED);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, c2), SYNACK_CLOSED);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED), 0);
    assert_int_equal(listener_of(&p).acc, 1);
    assert_int_equal(sctr(&p, SYNACK_CTR_ListenOverflows), 1);
    assert_int_equal(sctr(&p, SYNACK_CTR_OutRsts), 1);
    size_t r = 0;
    while (r < p.nsegs && !(p.segs[r].s.flags & TCP_RST))
        r++;
    assert_true(r < p.nsegs);
    assert_int_equal(p.segs[r].from, PAIR_SERVER);
    assert_int_equal(p.segs[r].t, 3 * DELAY);
    char buf[4];
    assert_int_equal(synack_recv(p.st[PAIR_CLIENT], c2, buf, sizeof(buf), 0), -ECONNRESET);
    pair_free(&p);
}

/* Closing a listener resets the connections in its accept queue and drops the half-open
 * ones. */
static void test_close_listener_with_queues(void **state)
{
    (void)state;
    synack_config cfg;
    no_cookies(&cfg);
    pair p;
    pair_init(&p, &cfg, DELAY);
    int ls = pair_listen(&p, 80, 4);
    int c1 = pair_connect(&p, 80);
    pair_run_until(&p, SEC / 2);
    assert_int_equal(listener_of(&p).acc, 1);
    p.filter = drop_client_acks;
    int c2 = pair_connect(&p, 80);
    pair_run_until(&p, SEC / 2 + 10000);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED), 1);
    p.filter = NULL;
    assert_int_equal(synack_close(p.st[PAIR_SERVER], ls), 0);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED), 0);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_ESTABLISHED), 0);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_LISTEN), 0);
    pair_run_for(&p, 100000);
    char buf[4];
    assert_int_equal(synack_recv(p.st[PAIR_CLIENT], c1, buf, sizeof(buf), 0), -ECONNRESET);
    /* the half-open one was dropped silently: its client hears of it when it talks */
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, c2), SYNACK_ESTABLISHED);
    assert_int_equal(synack_send(p.st[PAIR_CLIENT], c2, "x", 1, 0), 1);
    pair_run_for(&p, 100000);
    assert_int_equal(synack_recv(p.st[PAIR_CLIENT], c2, buf, sizeof(buf), 0), -ECONNRESET);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syn_queue_bounded),
        cmocka_unit_test(test_syn_queue_capped_by_config),
        cmocka_unit_test(test_accept_queue_full_drops_final_ack),
        cmocka_unit_test(test_accept_queue_full_abort),
        cmocka_unit_test(test_close_listener_with_queues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
