/* SPDX-License-Identifier: MIT */
/* Keep-alive (RFC 1122 4.2.3.6): after the idle time a probe <SEQ=SND.NXT-1><ACK> goes out
 * every interval; after `count` unanswered probes the connection is dropped with
 * ETIMEDOUT (TCPKeepAliveTimeouts). Defaults 7200 s / 75 s / 9 as Linux; TCP_KEEPIDLE,
 * TCP_KEEPINTVL and TCP_KEEPCNT override them per socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"
#include "wire/tcp_wire.h"

#define SEC 1000000ull
#define DELAY 1000

static int vanished; /* set: the link loses everything */

static int drop_all(pair *p, const pair_seg *seg, size_t n, void *ctx)
{
    (void)p;
    (void)seg;
    (void)n;
    (void)ctx;
    return vanished;
}

static void set_int(synack_stack *st, int s, int level, int name, int v)
{
    assert_int_equal(synack_setsockopt(st, s, level, name, &v, sizeof(v)), 0);
}

/* The client has SO_KEEPALIVE (and maybe the three knobs) set before connecting; after
 * the handshake the server host vanishes. */
static void dead_peer(int idle_s, int intvl_s, int cnt)
{
    pair p;
    pair_init(&p, NULL, DELAY);
    vanished = 0;
    p.filter = drop_all;
    synack_stack *cst = p.st[PAIR_CLIENT];
    int ls = pair_listen(&p, 80, 4);
    int cs = synack_socket(cst, SOCK_STREAM);
    set_int(cst, cs, SOL_SOCKET, SO_KEEPALIVE, 1);
    if (idle_s) {
        set_int(cst, cs, IPPROTO_TCP, TCP_KEEPIDLE, idle_s);
        set_int(cst, cs, IPPROTO_TCP, TCP_KEEPINTVL, intvl_s);
        set_int(cst, cs, IPPROTO_TCP, TCP_KEEPCNT, cnt);
    } else {
        idle_s = 7200;
        intvl_s = 75;
        cnt = 9;
    }
    int v = 0;
    socklen_t vl = sizeof(v);
    assert_int_equal(synack_getsockopt(cst, cs, IPPROTO_TCP, TCP_KEEPIDLE, &v, &vl), 0);
    assert_int_equal(v, idle_s);
    assert_int_equal(synack_getsockopt(cst, cs, IPPROTO_TCP, TCP_KEEPINTVL, &v, &vl), 0);
    assert_int_equal(v, intvl_s);
    assert_int_equal(synack_getsockopt(cst, cs, IPPROTO_TCP, TCP_KEEPCNT, &v, &vl), 0);
    assert_int_equal(v, cnt);

    struct sockaddr_in to;
    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(PAIR_SERVER_ADDR);
    to.sin_port = htons(80);
    assert_int_equal(synack_connect(cst, cs, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    pair_run_until(&p, 2 * DELAY);
    /* the client's last reception is the SYN-ACK at 2 ms: idle counts from there */
    uint64_t t0 = pair_transition_time(&p, PAIR_CLIENT, SYNACK_SYN_SENT, SYNACK_ESTABLISHED);
    assert_int_equal(t0, 2 * DELAY);
    pair_run_until(&p, 10000);
    assert_true(synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL) >= 0);
    uint32_t snd_nxt = p.segs[2].s.seq, rcv_nxt = p.segs[2].s.ack;
    vanished = 1;

    size_t mark = p.nsegs;
    uint64_t end = t0 + (uint64_t)idle_s * SEC + (uint64_t)cnt * intvl_s * SEC;
    pair_run_until(&p, end - 1);
    assert_int_equal(p.nsegs, mark + (size_t)cnt);
    for (int i = 0; i < cnt; i++) {
        const pair_seg *s = &p.segs[mark + (size_t)i];
        assert_int_equal(s->from, PAIR_CLIENT);
        assert_int_equal(s->t, t0 + (uint64_t)idle_s * SEC + (uint64_t)i * intvl_s * SEC);
        assert_int_equal(s->s.flags, TCP_ACK);
        assert_int_equal(s->s.seq, snd_nxt - 1);
        assert_int_equal(s->s.ack, rcv_nxt);
        assert_int_equal(s->s.len, 0);
    }
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_ESTABLISHED);
    assert_int_equal(synack_counter_get(cst, SYNACK_CTR_TCPKeepAliveTimeouts), 0);

    pair_run_until(&p, end);
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_ESTABLISHED, SYNACK_CLOSED), end);
    /* Linux resets the connection on the way out: <SEQ=SND.NXT><CTL=RST,ACK> */
    assert_int_equal(p.nsegs, mark + (size_t)cnt + 1);
    const pair_seg *rst = &p.segs[p.nsegs - 1];
    assert_int_equal(rst->t, end);
    assert_true(rst->s.flags & TCP_RST);
    assert_int_equal(rst->s.seq, snd_nxt);
    assert_int_equal(synack_counter_get(cst, SYNACK_CTR_TCPKeepAliveTimeouts), 1);
    synack_pollfd pf = {.sock = cs, .events = POLLIN};
    assert_int_equal(synack_sock_poll(cst, &pf, 1), 1);
    assert_true(pf.revents & POLLERR);
    char buf[4];
    assert_int_equal(synack_recv(cst, cs, buf, sizeof(buf), 0), -ETIMEDOUT);
    assert_int_equal(synack_recv(cst, cs, buf, sizeof(buf), 0), 0);
    /* the vanished server never heard a thing and still believes in the connection */
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_ESTABLISHED), 1);
    pair_free(&p);
}

static void test_keepalive_defaults(void **state)
{
    (void)state;
    dead_peer(0, 0, 0); /* 7200 + 9 * 75 s */
}

static void test_keepalive_tuned(void **state)
{
    (void)state;
    dead_peer(10, 5, 3); /* 10 + 3 * 5 s */
}

/* A live peer answers each probe (it is below RCV.NXT: RFC 9293 3.10.7.4 first check
 * answers an unacceptable segment with an ACK), which resets the idle time: the next
 * probe comes an idle time after that answer, and the connection stays. */
static void test_keepalive_live_peer(void **state)
{
    (void)state;
    pair p;
    vanished = 0;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    synack_stack *cst = p.st[PAIR_CLIENT];
    set_int(cst, cs, IPPROTO_TCP, TCP_KEEPIDLE, 10);
    set_int(cst, cs, IPPROTO_TCP, TCP_KEEPINTVL, 5);
    set_int(cst, cs, IPPROTO_TCP, TCP_KEEPCNT, 3);
    /* SO_KEEPALIVE on an established connection: the idle time counts from the last
     * segment received (the SYN-ACK at 2 ms) */
    set_int(cst, cs, SOL_SOCKET, SO_KEEPALIVE, 1);
    uint32_t snd_nxt = p.segs[2].s.seq, rcv_nxt = p.segs[2].s.ack;
    size_t mark = p.nsegs;
    pair_run_until(&p, 100 * SEC);
    uint64_t expect = 2 * DELAY + 10 * SEC;
    size_t probes = 0;
    for (size_t i = mark; i < p.nsegs; i += 2) {
        const pair_seg *probe = &p.segs[i], *answer = &p.segs[i + 1];
        assert_true(i + 1 < p.nsegs);
        assert_int_equal(probe->from, PAIR_CLIENT);
        assert_int_equal(probe->t, expect);
        assert_int_equal(probe->s.seq, snd_nxt - 1);
        assert_int_equal(probe->s.ack, rcv_nxt);
        assert_int_equal(answer->from, PAIR_SERVER);
        assert_int_equal(answer->t, expect + DELAY);
        assert_int_equal(answer->s.flags, TCP_ACK);
        assert_int_equal(answer->s.seq, rcv_nxt);
        assert_int_equal(answer->s.ack, snd_nxt);
        expect += 2 * DELAY + 10 * SEC;
        probes++;
    }
    assert_int_equal(probes, 9);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_ESTABLISHED);
    assert_int_equal(pair_sock_state(&p, PAIR_SERVER, ss), SYNACK_ESTABLISHED);
    assert_int_equal(synack_counter_get(cst, SYNACK_CTR_TCPKeepAliveTimeouts), 0);
    /* and SO_KEEPALIVE off stops the probes */
    set_int(cst, cs, SOL_SOCKET, SO_KEEPALIVE, 0);
    mark = p.nsegs;
    pair_run_until(&p, 200 * SEC);
    assert_int_equal(p.nsegs, mark);
    pair_free(&p);
}

/* Traffic resets the idle time; keepalive never fires on a busy connection. */
static void test_keepalive_idle_counts_from_last_segment(void **state)
{
    (void)state;
    pair p;
    vanished = 0;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    synack_stack *cst = p.st[PAIR_CLIENT];
    set_int(cst, cs, IPPROTO_TCP, TCP_KEEPIDLE, 10);
    set_int(cst, cs, SOL_SOCKET, SO_KEEPALIVE, 1);
    /* the server writes at 8 s: the client's idle time restarts on that segment */
    pair_run_until(&p, 8 * SEC);
    size_t mark = p.nsegs;
    assert_int_equal(synack_send(p.st[PAIR_SERVER], ss, "tick", 4, 0), 4);
    pair_run_until(&p, 8 * SEC + DELAY + 10 * SEC - 1);
    fx_assert_flow(&p, mark, "S:P./4|C:."); /* data and its delayed ACK; no probe */
    pair_run_until(&p, 8 * SEC + DELAY + 10 * SEC);
    assert_int_equal(p.nsegs, mark + 3);
    assert_int_equal(p.segs[mark + 2].from, PAIR_CLIENT);
    assert_int_equal(p.segs[mark + 2].s.seq, p.segs[mark + 1].s.seq - 1);
    pair_free(&p);
}

/* Keep-alive options set on a listener pass to the connections it accepts. */
static void test_keepalive_inherited_from_listener(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    vanished = 0;
    p.filter = drop_all;
    synack_stack *sst = p.st[PAIR_SERVER];
    int ls = synack_socket(sst, SOCK_STREAM);
    set_int(sst, ls, SOL_SOCKET, SO_KEEPALIVE, 1);
    set_int(sst, ls, IPPROTO_TCP, TCP_KEEPIDLE, 20);
    set_int(sst, ls, IPPROTO_TCP, TCP_KEEPINTVL, 2);
    set_int(sst, ls, IPPROTO_TCP, TCP_KEEPCNT, 4);
    struct sockaddr_in me;
    memset(&me, 0, sizeof(me));
    me.sin_family = AF_INET;
    me.sin_port = htons(80);
    assert_int_equal(synack_bind(sst, ls, (struct sockaddr *)&me, sizeof(me)), 0);
    assert_int_equal(synack_listen(sst, ls, 4), 0);
    int cs = pair_connect(&p, 80);
    assert_true(cs >= 0);
    pair_run_for(&p, 10000);
    int ss = synack_accept(sst, ls, NULL, NULL);
    assert_true(ss >= 0);
    int v = 0;
    socklen_t vl = sizeof(v);
    assert_int_equal(synack_getsockopt(sst, ss, SOL_SOCKET, SO_KEEPALIVE, &v, &vl), 0);
    assert_int_equal(v, 1);
    assert_int_equal(synack_getsockopt(sst, ss, IPPROTO_TCP, TCP_KEEPIDLE, &v, &vl), 0);
    assert_int_equal(v, 20);
    vanished = 1;
    /* the server's last reception was the client's ACK at 3 ms */
    uint64_t t0 = 3 * DELAY, end = t0 + 20 * SEC + 4 * 2 * SEC;
    pair_run_until(&p, end);
    assert_int_equal(pair_transition_time(&p, PAIR_SERVER, SYNACK_ESTABLISHED, SYNACK_CLOSED), end);
    assert_int_equal(synack_counter_get(sst, SYNACK_CTR_TCPKeepAliveTimeouts), 1);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_ESTABLISHED), 1); /* no probes */
    char buf[4];
    assert_int_equal(synack_recv(sst, ss, buf, sizeof(buf), 0), -ETIMEDOUT);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keepalive_defaults),
        cmocka_unit_test(test_keepalive_tuned),
        cmocka_unit_test(test_keepalive_live_peer),
        cmocka_unit_test(test_keepalive_idle_counts_from_last_segment),
        cmocka_unit_test(test_keepalive_inherited_from_listener),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
