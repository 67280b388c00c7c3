/* SPDX-License-Identifier: MIT */
/* SYN retransmission with the defaults (RFC 6298 2.1 initial RTO 1 s, 5.5 doubling;
 * syn_retries 6): towards a black hole the SYN goes out at exactly 0, 1, 3, 7, 15, 31 and
 * 63 s, and connect fails with ETIMEDOUT at 127 s. */
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

#define SEC 1000000ull

static int drop_client(pair *p, const pair_seg *seg, size_t n, void *ctx)
{
    (void)p;
    (void)n;
    (void)ctx;
    return seg->from == PAIR_CLIENT;
}

static void syn_black_hole(int use_recv)
{
    pair p;
    pair_init(&p, NULL, 1000);
    p.filter = drop_client;
    assert_true(pair_listen(&p, 80, 16) >= 0);
    int cs = pair_connect(&p, 80);
    assert_true(cs >= 0);
    static const uint64_t at[] = {0, 1, 3, 7, 15, 31, 63};
    pair_run_until(&p, 127 * SEC - 1);
    assert_int_equal(p.nsegs, 7);
    for (size_t i = 0; i < 7; i++) {
        const pair_seg *s = &p.segs[i];
        assert_int_equal(s->from, PAIR_CLIENT);
        assert_int_equal(s->t, at[i] * SEC);
        assert_int_equal(s->s.flags, TCP_SYN);
        assert_int_equal(s->s.seq, p.segs[0].s.seq); /* the same ISS every time */
        assert_int_equal(s->s.len, 0);
        assert_true(s->s.has_mss);
        assert_true(s->dropped);
    }
    /* still trying just before 127 s; the retransmission count shows in TCP_INFO */
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_SYN_SENT);
    synack_tcp_info info;
    socklen_t len = sizeof(info);
    assert_int_equal(
        synack_getsockopt(p.st[PAIR_CLIENT], cs, IPPROTO_TCP, SYNACK_TCP_INFO, &info, &len), 0);
    assert_int_equal(info.retransmits, 6);
    assert_int_equal(info.total_retrans, 6);
    char buf[4];
    assert_int_equal(synack_recv(p.st[PAIR_CLIENT], cs, buf, sizeof(buf), 0), -EAGAIN);
    synack_pollfd pf = {.sock = cs, .events = POLLIN | POLLOUT};
    assert_int_equal(synack_sock_poll(p.st[PAIR_CLIENT], &pf, 1), 0);

    pair_run_until(&p, 127 * SEC);
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_SYN_SENT, SYNACK_CLOSED),
                     127 * SEC);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_CLOSED);
    assert_int_equal(p.nsegs, 7); /* no RST: nothing was ever acknowledged */
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_AttemptFails), 1);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_RetransSegs), 6);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_OutSegs), 7);
    assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_InSegs), 0);
    assert_int_equal(synack_sock_poll(p.st[PAIR_CLIENT], &pf, 1), 1);
    assert_true(pf.revents & POLLERR);
    if (use_recv) {
        assert_int_equal(synack_recv(p.st[PAIR_CLIENT], cs, buf, sizeof(buf), 0), -ETIMEDOUT);
    } else {
        int e = 0;
        socklen_t el = sizeof(e);
        assert_int_equal(synack_getsockopt(p.st[PAIR_CLIENT], cs, SOL_SOCKET, SO_ERROR, &e, &el),
                         0);
        assert_int_equal(e, ETIMEDOUT);
    }
    assert_int_equal(synack_next_deadline(p.st[PAIR_CLIENT]), UINT64_MAX);
    pair_free(&p);
}

static void test_syn_retransmit_so_error(void **state)
{
    (void)state;
    syn_black_hole(0);
}

static void test_syn_retransmit_recv(void **state)
{
    (void)state;
    syn_black_hole(1);
}

static int drop_first_syns(pair *p, const pair_seg *seg, size_t n, void *ctx)
{
    (void)p;
    (void)seg;
    (void)ctx;
    return n < 2; /* the first SYN and its first retransmission */
}

/* The third SYN gets through at 3 s and the connection opens. Karn's algorithm (RFC 6298
 * 3) takes no RTT sample from the retransmitted SYN; RFC 6298 5.7 then starts the data
 * transfer with an RTO of 3 s, and RFC 5681 3.1 with a window of one segment. */
static void test_syn_retransmit_then_open(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, 1000);
    p.filter = drop_first_syns;
    int ls = pair_listen(&p, 80, 16);
    int cs = pair_connect(&p, 80);
    pair_run_until(&p, 3 * SEC + 10000);
    fx_assert_flow(&p, 0, "C:S|C:S|C:S|S:S.|C:.");
    assert_int_equal(p.segs[2].t, 3 * SEC);
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_SYN_SENT, SYNACK_ESTABLISHED),
                     3 * SEC + 2000);
    assert_true(synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL) >= 0);
    synack_tcp_info info;
    socklen_t len = sizeof(info);
    assert_int_equal(
        synack_getsockopt(p.st[PAIR_CLIENT], cs, IPPROTO_TCP, SYNACK_TCP_INFO, &info, &len), 0);
    assert_int_equal(info.rtt_us, 0); /* no sample from a retransmitted SYN */
    assert_int_equal(info.retransmits, 0);
    assert_int_equal(info.total_retrans, 2);
    assert_int_equal(info.rto_us, 3000000);
    assert_int_equal(info.snd_cwnd, info.snd_mss);
    assert_int_equal(info.snd_mss, 1448);
    pair_free(&p);
}

/* TCP_SYNCNT (Linux's): the socket's own SYN retransmission count. With 1 the SYN goes at
 * 0 and 1 s and connect fails with ETIMEDOUT at 3 s; 0 and 128 are refused; it reads back
 * syn_retries until set. */
static void test_syncnt(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, 1000);
    p.filter = drop_client;
    synack_stack *st = p.st[PAIR_CLIENT];
    int s = synack_socket(st, SOCK_STREAM);
    int v = 0, bad0 = 0, bad128 = 128, one = 1;
    socklen_t vl = sizeof(v);
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_TCP, SYNACK_TCP_SYNCNT, &v, &vl), 0);
    assert_int_equal(v, 6);
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, SYNACK_TCP_SYNCNT, &bad0, 4), -EINVAL);
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, SYNACK_TCP_SYNCNT, &bad128, 4), -EINVAL);
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, SYNACK_TCP_SYNCNT, &one, 4), 0);
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_TCP, SYNACK_TCP_SYNCNT, &v, &vl), 0);
    assert_int_equal(v, 1);
    struct sockaddr_in sin = pair_sin(PAIR_SERVER_ADDR, 80);
    assert_int_equal(synack_connect(st, s, (struct sockaddr *)&sin, sizeof(sin)), -EINPROGRESS);
    pair_run_until(&p, 3 * SEC - 1);
    assert_int_equal(p.nsegs, 2);
    assert_int_equal(p.segs[1].t, 1 * SEC);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, s), SYNACK_SYN_SENT);
    pair_run_until(&p, 3 * SEC);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, s), SYNACK_CLOSED);
    assert_int_equal(fx_so_error(st, s), ETIMEDOUT);
    assert_int_equal(p.nsegs, 2);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syn_retransmit_so_error),
        cmocka_unit_test(test_syncnt),
        cmocka_unit_test(test_syn_retransmit_recv),
        cmocka_unit_test(test_syn_retransmit_then_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
