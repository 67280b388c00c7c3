/* SPDX-License-Identifier: MIT */
/* Readiness (issue 11 item 7): trace events name their socket, and the edge-triggered
 * ready list (synack_sock_watch / synack_sock_ready) reports exactly the sockets whose
 * state changed, once per edge, with the bits synack_sock_poll() would report — over the
 * in-memory link, with 10,000 idle connections beside a busy one. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/pair.h"
#include "synack/link.h"
#include "synack/synack.h"

#define DELAY 1000
#define PORT 80
#define MAX_EVENTS 4096

enum { C = 0, S = 1 };

/* One trace event, as much of it as the tests look at. */
typedef struct rec {
    int host;
    synack_event_type type;
    int sock;
    uint8_t flags;       /* tx/rx: TCP flags */
    uint32_t len;        /* tx/rx: payload bytes */
    synack_tcp_state to; /* state: the new state */
    const char *what;    /* app: the call; timer: its name */
} rec;

/* Two stacks over a memlink, every event of either recorded (when `log`). */
typedef struct rt {
    synack_memlink *link;
    synack_stack *st[2];
    uint64_t now;
    int log;
    rec ev[MAX_EVENTS];
    size_t nev;
    struct {
        struct rt *t;
        int host;
    } ctx[2];
} rt;

static void on_event(void *vctx, const synack_event *e)
{
    struct {
        rt *t;
        int host;
    } *ctx = vctx;
    rt *t = ctx->t;
    if (!t->log || t->nev == MAX_EVENTS)
        return;
    rec *r = &t->ev[t->nev++];
    memset(r, 0, sizeof(*r));
    r->host = ctx->host;
    r->type = e->type;
    r->sock = e->sock;
    if (e->type == SYNACK_EV_TX || e->type == SYNACK_EV_RX) {
        r->flags = e->u.seg.flags;
        r->len = e->u.seg.len;
    } else if (e->type == SYNACK_EV_STATE) {
        r->to = e->u.state.to;
    } else if (e->type == SYNACK_EV_APP) {
        r->what = e->u.app.call;
        assert_int_equal(e->sock, e->u.app.sock); /* the same id in both places */
    } else if (e->type == SYNACK_EV_TIMER) {
        r->what = e->u.timer.timer;
    }
}

static rt *rt_new(uint32_t max_sockets, int log)
{
    rt *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->log = log;
    t->now = 1000000;
    t->link = synack_memlink_new(NULL, DELAY, 65536 + 64, 100000);
    assert_non_null(t->link);
    for (int h = 0; h < 2; h++) {
        synack_config c;
        synack_config_default(&c);
        c.netif.addr = h ? PAIR_SERVER_ADDR : PAIR_CLIENT_ADDR;
        synack_config_deterministic(&c, 7 + (uint64_t)h);
        c.max_sockets = max_sockets;
        c.max_syn_backlog = 16384;
        c.max_accept_backlog = 16384;
        t->ctx[h].t = t;
        t->ctx[h].host = h;
        c.on_event = on_event;
        c.event_ctx = &t->ctx[h];
        synack_memlink_netif(t->link, h, &c.netif);
        t->st[h] = synack_stack_new(&c);
        assert_non_null(t->st[h]);
        synack_memlink_attach(t->link, h, t->st[h]);
        synack_set_time(t->st[h], t->now);
    }
    return t;
}

static void rt_free(rt *t)
{
    synack_stack_free(t->st[0]);
    synack_stack_free(t->st[1]);
    synack_memlink_free(t->link);
    free(t);
}

static void rt_run(rt *t, uint64_t us)
{
    t->now = synack_memlink_run(t->link, t->now, t->now + us);
}

static int rt_listen(rt *t)
{
    int ls = synack_socket(t->st[S], SOCK_STREAM);
    struct sockaddr_in a = pair_sin(0, PORT);
    assert_int_equal(synack_bind(t->st[S], ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(synack_listen(t->st[S], ls, 16384), 0);
    return ls;
}

static int rt_connect(rt *t, uint16_t port)
{
    int cs = synack_socket(t->st[C], SOCK_STREAM);
    assert_true(cs >= 0);
    struct sockaddr_in a = pair_sin(PAIR_SERVER_ADDR, port);
    int rc = synack_connect(t->st[C], cs, (struct sockaddr *)&a, sizeof(a));
    assert_true(rc == 0 || rc == -EINPROGRESS);
    int one = 1; /* no Nagle: each send leaves at once, one segment per edge */
    assert_int_equal(synack_setsockopt(t->st[C], cs, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)),
                     0);
    return cs;
}

/* Pops the ready list of host h and asserts it holds exactly the one entry given. */
static void expect_one(rt *t, int h, int sock, short revents, void *user)
{
    synack_ready r[4];
    memset(r, 0, sizeof(r));
    int n = synack_sock_ready(t->st[h], r, 4);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].sock, sock);
    assert_int_equal(r[0].revents, revents);
    assert_ptr_equal(r[0].user, user);
    assert_int_equal(synack_sock_ready_pending(t->st[h]), 0);
}

static void expect_none(rt *t, int h)
{
    synack_ready r[4];
    assert_int_equal(synack_sock_ready(t->st[h], r, 4), 0);
    assert_int_equal(synack_sock_ready_pending(t->st[h]), 0);
}

static void send_bytes(rt *t, int h, int s, size_t n)
{
    char buf[4096];
    memset(buf, 'x', sizeof(buf));
    assert_true(n <= sizeof(buf));
    assert_int_equal(synack_send(t->st[h], s, buf, n, 0), (ssize_t)n);
}

/* Finds the first recorded event of host h with type ty (and, for segments, flags with
 * all of `flags` and payload length `len` when len >= 0) from index *from on. */
static const rec *find(rt *t, size_t *from, int h, synack_event_type ty, uint8_t flags, long len)
{
    for (size_t i = *from; i < t->nev; i++) {
        const rec *r = &t->ev[i];
        if (r->host != h || r->type != ty)
            continue;
        if ((ty == SYNACK_EV_TX || ty == SYNACK_EV_RX) &&
            ((r->flags & flags) != flags || (len >= 0 && r->len != (uint32_t)len)))
            continue;
        *from = i + 1;
        return r;
    }
    fail_msg("no event of type %d on host %d from index %zu", (int)ty, h, *from);
    return NULL;
}

/* Every event of a connection says which socket it belongs to: the connecting socket, -1
 * while the server side is an embryo or waits in the accept queue, the accepted socket
 * after accept(), -1 again once the socket is closed (an orphan). */
static void test_event_sock_ids(void **state)
{
    (void)state;
    rt *t = rt_new(64, 1);
    int ls = rt_listen(t);
    size_t mark = t->nev;
    int cs = rt_connect(t, PORT);
    const rec *r = find(t, &mark, C, SYNACK_EV_STATE, 0, -1);
    assert_int_equal(r->to, SYNACK_SYN_SENT);
    assert_int_equal(r->sock, cs);
    assert_int_equal(find(t, &mark, C, SYNACK_EV_TX, 0x02, 0)->sock, cs); /* SYN */
    r = find(t, &mark, C, SYNACK_EV_APP, 0, -1);
    assert_string_equal(r->what, "connect");
    assert_int_equal(r->sock, cs);

    mark = t->nev;
    rt_run(t, 3 * DELAY);
    size_t m = mark;
    assert_int_equal(find(t, &m, S, SYNACK_EV_RX, 0x02, 0)->sock, -1); /* SYN: no socket */
    r = find(t, &m, S, SYNACK_EV_STATE, 0, -1);
    assert_int_equal(r->to, SYNACK_SYN_RECEIVED);
    assert_int_equal(r->sock, -1);                                     /* an embryo */
    assert_int_equal(find(t, &m, S, SYNACK_EV_TX, 0x12, 0)->sock, -1); /* SYN-ACK */
    m = mark;
    assert_int_equal(find(t, &m, C, SYNACK_EV_RX, 0x12, 0)->sock, cs);
    r = find(t, &m, C, SYNACK_EV_STATE, 0, -1);
    assert_int_equal(r->to, SYNACK_ESTABLISHED);
    assert_int_equal(r->sock, cs);
    m = mark;
    r = find(t, &m, S, SYNACK_EV_STATE, 0, -1);
    r = find(t, &m, S, SYNACK_EV_STATE, 0, -1);
    assert_int_equal(r->to, SYNACK_ESTABLISHED);
    assert_int_equal(r->sock, -1); /* in the accept queue: not yet a socket */

    int ss = synack_accept(t->st[S], ls, NULL, NULL);
    assert_true(ss >= 0 && ss != ls);
    mark = t->nev;
    send_bytes(t, C, cs, 10);
    assert_int_equal(find(t, &mark, C, SYNACK_EV_TX, 0x10, 10)->sock, cs);
    mark = t->nev;
    rt_run(t, 100000); /* the server's delayed ACK runs out */
    m = mark;
    assert_int_equal(find(t, &m, S, SYNACK_EV_RX, 0x10, 10)->sock, ss);
    r = find(t, &m, S, SYNACK_EV_TIMER, 0, -1);
    assert_string_equal(r->what, "delack");
    assert_int_equal(r->sock, ss);
    assert_int_equal(find(t, &m, S, SYNACK_EV_TX, 0x10, 0)->sock, ss);

    /* closed: the connection lives on as an orphan and its events name no socket */
    assert_int_equal(synack_close(t->st[C], cs), 0);
    mark = t->nev;
    rt_run(t, 3 * DELAY);
    m = mark;
    r = find(t, &m, S, SYNACK_EV_RX, 0x01, 0);
    assert_int_equal(r->sock, ss);
    m = 0;
    while (m < t->nev &&
           !(t->ev[m].host == C && t->ev[m].type == SYNACK_EV_TX && (t->ev[m].flags & 0x01)))
        m++;
    assert_true(m < t->nev);
    assert_int_equal(t->ev[m].sock, -1); /* the FIN left after close() */

    /* events that concern no connection */
    mark = t->nev;
    synack_emit_counters(t->st[S]);
    assert_true(t->nev > mark);
    for (size_t i = mark; i < t->nev; i++)
        assert_int_equal(t->ev[i].sock, -1);
    rt_free(t);
}

/* Readiness of a connecting client and of a listener: each edge once, with the exact bits
 * and the user pointer, nothing for sockets or bits not watched. */
static void test_ready_connect_accept(void **state)
{
    (void)state;
    rt *t = rt_new(64, 0);
    int tag_l, tag_c, tag_s;
    int ls = rt_listen(t);
    assert_int_equal(synack_sock_watch(t->st[S], ls, POLLIN, &tag_l), 0);
    expect_none(t, S);

    int cs = synack_socket(t->st[C], SOCK_STREAM);
    assert_int_equal(synack_sock_watch(t->st[C], cs, POLLIN | POLLOUT, &tag_c), 0);
    expect_none(t, C); /* an unconnected socket is not ready */
    struct sockaddr_in a = pair_sin(PAIR_SERVER_ADDR, PORT);
    assert_int_equal(synack_connect(t->st[C], cs, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
    expect_none(t, C);
    int cs2 = rt_connect(t, PORT); /* not watched */
    rt_run(t, 3 * DELAY);
    expect_one(t, C, cs, POLLOUT, &tag_c); /* connect completed; cs2 is not watched */
    expect_one(t, S, ls, POLLIN, &tag_l);  /* two connections queued: one edge */
    expect_none(t, C);
    expect_none(t, S);

    /* the accept queue grows again: a new edge although it was never drained */
    int ss = synack_accept(t->st[S], ls, NULL, NULL);
    assert_true(ss >= 0);
    int cs3 = rt_connect(t, PORT);
    rt_run(t, 3 * DELAY);
    expect_one(t, S, ls, POLLIN, &tag_l);
    int ss2 = synack_accept(t->st[S], ls, NULL, NULL);
    int ss3 = synack_accept(t->st[S], ls, NULL, NULL);
    assert_true(ss2 >= 0 && ss3 >= 0);
    assert_int_equal(synack_accept(t->st[S], ls, NULL, NULL), -EAGAIN);

    /* watching a socket that is ready already queues it at once (as epoll_ctl ADD) */
    send_bytes(t, C, cs, 5);
    rt_run(t, 3 * DELAY);
    expect_none(t, S); /* ss not watched yet */
    assert_int_equal(synack_sock_watch(t->st[S], ss, POLLIN, &tag_s), 0);
    expect_one(t, S, ss, POLLIN, &tag_s);
    /* a watched socket that is not ready is not queued */
    assert_int_equal(synack_sock_watch(t->st[S], ss2, POLLIN, NULL), 0);
    expect_none(t, S);
    (void)cs2;
    (void)cs3;
    rt_free(t);
}

/* Data, FIN, send space, errors: the edges of an established connection. */
static void test_ready_edges(void **state)
{
    (void)state;
    rt *t = rt_new(64, 0);
    int tag;
    int ls = rt_listen(t);
    int cs = rt_connect(t, PORT);
    rt_run(t, 3 * DELAY);
    int ss = synack_accept(t->st[S], ls, NULL, NULL);
    assert_true(ss >= 0);
    assert_int_equal(synack_sock_watch(t->st[S], ss, POLLIN | POLLRDHUP, &tag), 0);
    expect_none(t, S);

    /* in-order data: one edge per arrival, however many segments came meanwhile */
    send_bytes(t, C, cs, 100);
    rt_run(t, 3 * DELAY);
    expect_one(t, S, ss, POLLIN, &tag);
    expect_none(t, S);
    send_bytes(t, C, cs, 100); /* not drained: new data is a new edge (EPOLLET) */
    rt_run(t, 3 * DELAY);
    send_bytes(t, C, cs, 100);
    rt_run(t, 3 * DELAY);
    expect_one(t, S, ss, POLLIN, &tag); /* two arrivals, one entry */
    char buf[4096];
    assert_int_equal(synack_recv(t->st[S], ss, buf, sizeof(buf), 0), 300);

    /* an edge whose cause was consumed before the pop reports nothing */
    send_bytes(t, C, cs, 10);
    rt_run(t, 3 * DELAY);
    assert_int_equal(synack_sock_ready_pending(t->st[S]), 1);
    assert_int_equal(synack_recv(t->st[S], ss, buf, sizeof(buf), 0), 10);
    expect_none(t, S);

    /* send space: no edge while the buffer never filled; one when it opens after a send
     * found it full; none for a socket not watching POLLOUT */
    int small = 4096;
    assert_int_equal(synack_setsockopt(t->st[S], ss, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)),
                     0);
    send_bytes(t, S, ss, 100);
    rt_run(t, 3 * DELAY);
    expect_none(t, S); /* ACKed, but the buffer was never full */
    char big[65536];
    memset(big, 'y', sizeof(big));
    ssize_t w = synack_send(t->st[S], ss, big, sizeof(big), 0);
    assert_true(w > 0 && (size_t)w < sizeof(big));
    assert_int_equal(synack_send(t->st[S], ss, big, sizeof(big), 0), -EAGAIN);
    rt_run(t, 3 * DELAY);
    expect_none(t, S); /* space opened, but ss watches POLLIN only */
    assert_int_equal(synack_recv(t->st[C], cs, big, sizeof(big), 0), 100 + w);
    assert_int_equal(synack_sock_watch(t->st[S], ss, POLLIN | POLLOUT | POLLRDHUP, &tag), 0);
    expect_one(t, S, ss, POLLOUT, &tag); /* re-armed: writable now, so queued at once */
    w = synack_send(t->st[S], ss, big, sizeof(big), 0);
    assert_true(w > 0 && (size_t)w < sizeof(big));
    expect_none(t, S);
    rt_run(t, 3 * DELAY);
    expect_one(t, S, ss, POLLOUT, &tag);
    rt_run(t, 300000); /* later ACKs (delayed) open more space: no new edge without a send */
    expect_none(t, S);

    /* the peer's FIN */
    assert_int_equal(synack_shutdown(t->st[C], cs, SHUT_WR), 0);
    rt_run(t, 3 * DELAY);
    expect_one(t, S, ss, POLLIN | POLLOUT | POLLRDHUP, &tag);
    assert_int_equal(synack_recv(t->st[S], ss, buf, sizeof(buf), 0), 0);

    /* a RST: the connection is gone, with an error */
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    assert_int_equal(synack_setsockopt(t->st[C], cs, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    assert_int_equal(synack_close(t->st[C], cs), 0);
    rt_run(t, 3 * DELAY);
    /* POLLOUT too: a write would not block (it fails at once), as Linux's tcp_poll says */
    expect_one(t, S, ss, POLLIN | POLLOUT | POLLERR | POLLHUP, &tag);
    assert_int_equal(synack_recv(t->st[S], ss, buf, sizeof(buf), 0), -ECONNRESET);
    rt_free(t);
}

/* A refused connect is an edge with POLLOUT | POLLERR | POLLHUP (the last two reported
 * whatever is watched; POLLOUT because a write fails at once, as on Linux); closing or unwatching a
 * queued socket takes it off the list. */
static void test_ready_refused_close_unwatch(void **state)
{
    (void)state;
    rt *t = rt_new(64, 0);
    int tag;
    int cs = synack_socket(t->st[C], SOCK_STREAM);
    assert_int_equal(synack_sock_watch(t->st[C], cs, POLLOUT, &tag), 0);
    struct sockaddr_in a = pair_sin(PAIR_SERVER_ADDR, 81);
    assert_int_equal(synack_connect(t->st[C], cs, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
    rt_run(t, 3 * DELAY);
    expect_one(t, C, cs, POLLOUT | POLLERR | POLLHUP, &tag);
    synack_pollfd pf = {.sock = cs, .events = POLLIN | POLLOUT};
    assert_int_equal(synack_sock_poll(t->st[C], &pf, 1), 1);
    assert_int_equal(pf.revents, POLLIN | POLLOUT | POLLERR | POLLHUP);

    /* queued, then closed before the pop: nothing is reported, and the socket id, reused,
     * is not watched */
    int ls = rt_listen(t);
    int c1 = rt_connect(t, PORT), c2 = rt_connect(t, PORT);
    rt_run(t, 3 * DELAY);
    int s1 = synack_accept(t->st[S], ls, NULL, NULL);
    int s2 = synack_accept(t->st[S], ls, NULL, NULL);
    assert_int_equal(synack_sock_watch(t->st[S], s1, POLLIN, &tag), 0);
    assert_int_equal(synack_sock_watch(t->st[S], s2, POLLIN, &tag), 0);
    send_bytes(t, C, c1, 1);
    send_bytes(t, C, c2, 1);
    rt_run(t, 3 * DELAY);
    assert_int_equal(synack_sock_ready_pending(t->st[S]), 2);
    assert_int_equal(synack_close(t->st[S], s1), 0);
    assert_int_equal(synack_sock_ready_pending(t->st[S]), 1);
    assert_int_equal(synack_sock_watch(t->st[S], s2, 0, NULL), 0); /* unwatch */
    expect_none(t, S);
    int again = synack_socket(t->st[S], SOCK_STREAM);
    assert_int_equal(again, s1);
    send_bytes(t, C, c2, 1);
    rt_run(t, 3 * DELAY);
    expect_none(t, S); /* s2 unwatched, s1's id reused unwatched */

    /* pops are bounded by max and keep the rest, oldest first */
    assert_int_equal(synack_sock_watch(t->st[C], c1, POLLOUT, NULL), 0);
    assert_int_equal(synack_sock_watch(t->st[C], c2, POLLOUT, NULL), 0);
    synack_ready r[2];
    assert_int_equal(synack_sock_ready(t->st[C], r, 1), 1);
    assert_int_equal(r[0].sock, c1);
    assert_int_equal(synack_sock_ready(t->st[C], r, 0), 0);
    assert_int_equal(synack_sock_ready_pending(t->st[C]), 1);
    assert_int_equal(synack_sock_ready(t->st[C], r, 2), 1);
    assert_int_equal(r[0].sock, c2);

    /* bad arguments */
    assert_int_equal(synack_sock_watch(NULL, 0, POLLIN, NULL), -EINVAL);
    assert_int_equal(synack_sock_watch(t->st[S], -1, POLLIN, NULL), -EBADF);
    assert_int_equal(synack_sock_watch(t->st[S], 64, POLLIN, NULL), -EBADF);
    assert_int_equal(synack_sock_watch(t->st[S], 60, POLLIN, NULL), -EBADF); /* not open */
    /* POLLWRNORM: not a bit synack reports (POLLPRI is, for held SYNs) */
    assert_int_equal(synack_sock_watch(t->st[S], s2, 0x100, NULL), -EINVAL);
    assert_int_equal(synack_sock_ready(NULL, r, 1), -EINVAL);
    assert_int_equal(synack_sock_ready(t->st[S], NULL, 1), -EINVAL);
    assert_int_equal(synack_sock_ready(t->st[S], r, -1), -EINVAL);
    assert_int_equal(synack_sock_ready(t->st[S], NULL, 0), 0);
    assert_int_equal(synack_sock_ready_pending(NULL), -EINVAL);
    rt_free(t);
}

#define IDLE 10000

/* 10,000 idle connections, every server socket watched, and one busy connection: each
 * wake-up yields exactly one ready entry, the busy socket. */
static void test_ready_idle_many(void **state)
{
    (void)state;
    rt *t = rt_new(IDLE + 16, 0);
    int ls = rt_listen(t);
    assert_int_equal(synack_sock_watch(t->st[S], ls, POLLIN, NULL), 0);
    int *ss = calloc(IDLE + 1, sizeof(int));
    int *cs = calloc(IDLE + 1, sizeof(int));
    assert_non_null(ss);
    assert_non_null(cs);
    for (int i = 0; i <= IDLE; i++)
        cs[i] = rt_connect(t, PORT);
    rt_run(t, 3 * DELAY);
    synack_ready r[16];
    assert_int_equal(synack_sock_ready(t->st[S], r, 16), 1); /* the listener, once */
    assert_int_equal(r[0].sock, ls);
    for (int i = 0; i <= IDLE; i++) {
        ss[i] = synack_accept(t->st[S], ls, NULL, NULL);
        assert_true(ss[i] >= 0);
        assert_int_equal(synack_sock_watch(t->st[S], ss[i], POLLIN | POLLRDHUP, &ss[i]), 0);
    }
    expect_none(t, S);
    assert_int_equal(synack_counter_get(t->st[S], SYNACK_CTR_PassiveOpens), IDLE + 1);
    assert_int_equal(synack_counter_get(t->st[S], SYNACK_CTR_CurrEstab), IDLE + 1);
    /* accept() handed the connections out in the order they were established, which
     * is not necessarily connect order: find the busy one's peer by its address */
    int busy = ss[IDLE];
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    assert_int_equal(synack_getpeername(t->st[S], busy, (struct sockaddr *)&peer, &plen), 0);
    int busy_c = -1;
    for (int i = 0; i <= IDLE && busy_c < 0; i++) {
        struct sockaddr_in me;
        socklen_t mlen = sizeof(me);
        assert_int_equal(synack_getsockname(t->st[C], cs[i], (struct sockaddr *)&me, &mlen), 0);
        if (me.sin_port == peer.sin_port)
            busy_c = cs[i];
    }
    assert_true(busy_c >= 0);
    char buf[64];
    for (int round = 0; round < 200; round++) {
        send_bytes(t, C, busy_c, 1 + (size_t)(round % 32));
        rt_run(t, 3 * DELAY);
        memset(r, 0, sizeof(r));
        assert_int_equal(synack_sock_ready(t->st[S], r, 16), 1);
        assert_int_equal(r[0].sock, busy);
        assert_int_equal(r[0].revents, POLLIN);
        assert_ptr_equal(r[0].user, &ss[IDLE]);
        assert_int_equal(synack_sock_ready_pending(t->st[S]), 0);
        assert_int_equal(synack_recv(t->st[S], busy, buf, sizeof(buf), 0), 1 + round % 32);
    }
    free(ss);
    free(cs);
    rt_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_sock_ids),  cmocka_unit_test(test_ready_connect_accept),
        cmocka_unit_test(test_ready_edges),     cmocka_unit_test(test_ready_refused_close_unwatch),
        cmocka_unit_test(test_ready_idle_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
