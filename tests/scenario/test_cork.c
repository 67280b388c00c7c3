/* SPDX-License-Identifier: MIT */
/* TCP_CORK and MSG_MORE, with TCP_NODELAY, as Linux (nagle/sockopt_cork_nodelay.pkt,
 * nagle/sendmsg_msg_more.pkt): a cork holds a partial segment at the tail whatever Nagle
 * says; uncorking, or setting TCP_NODELAY, pushes it out; MSG_MORE corks only the call it
 * is given to, and its data's end is no push point (no PSH). With nothing in flight, the
 * persist timer lets a corked tail out after an RTO (Linux's probe timer: the "200 ms
 * ceiling" of tcp(7)). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"

static void set(synack_stack *st, int s, int name, int v)
{
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, name, &v, sizeof(v)), 0);
}

static char data[4000];

/* MSS 1000, RTT 10 ms (RTO 200 ms), TCP_NODELAY set (fx_sh_sack_rtt); nothing sent yet. */
static int open_conn(seghost *h, uint32_t *b)
{
    synack_config cfg;
    synack_config_default(&cfg);
    memset(data, 'c', sizeof(data));
    return fx_sh_sack_rtt(h, &cfg, 1000, 10000, b);
}

static void test_cork_holds_until_uncorked_or_nodelay(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    int s = open_conn(&h, &b);
    set(h.st, s, TCP_NODELAY, 0);
    set(h.st, s, TCP_CORK, 1);
    int v = 0;
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(h.st, s, IPPROTO_TCP, TCP_CORK, &v, &len), 0);
    assert_int_equal(v, 1);
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 40, 0), 40);
    sh_run_for(&h, 50000);
    assert_int_equal(synack_send(h.st, s, data, 40, 0), 40);
    sh_run_for(&h, 10000);
    assert_int_equal(h.nout, mark); /* Nagle alone would have sent the first 40 */
    set(h.st, s, TCP_CORK, 0);
    char got[128];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "0/80P");
    fx_sh_peer_ack(&h, b + 80, 0, 0);

    /* corked again: setting TCP_NODELAY pushes the held bytes out once */
    set(h.st, s, TCP_CORK, 1);
    mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 40, 0), 40);
    assert_int_equal(synack_send(h.st, s, data, 40, 0), 40);
    assert_int_equal(h.nout, mark);
    set(h.st, s, TCP_NODELAY, 1);
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "80/80P");
    sh_free(&h);
}

static void test_corked_tail_leaves_after_an_rto(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    int s = open_conn(&h, &b);
    set(h.st, s, TCP_CORK, 1);
    size_t mark = h.nout;
    uint64_t t0 = h.now;
    assert_int_equal(synack_send(h.st, s, data, 40, 0), 40);
    sh_run_for(&h, 199000);
    assert_int_equal(h.nout, mark);
    sh_run_for(&h, 2000);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].t - t0, 200000); /* the RTO: 200 ms floor */
    char got[64];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "0/40P");
    sh_free(&h);
}

static void test_msg_more_corks_one_call(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    int s = open_conn(&h, &b); /* TCP_NODELAY: without MSG_MORE each send would go */
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 100, MSG_MORE), 100);
    assert_int_equal(synack_send(h.st, s, data, 160, MSG_MORE), 160);
    assert_int_equal(h.nout, mark);
    assert_int_equal(synack_send(h.st, s, data, 5, 0), 5);
    char got[128];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "0/265P");
    fx_sh_peer_ack(&h, b + 265, 0, 0);

    /* more than an MSS: whole segments go, the partial tail waits; no PSH (more follows) */
    mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 3100, MSG_MORE), 3100);
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "265/1000|1265/1000|2265/1000");
    mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 50, MSG_MORE), 50);
    assert_int_equal(h.nout, mark);
    /* an ACK's output is not the MSG_MORE call's: TCP_NODELAY sends the tail, still no PSH */
    sh_run_for(&h, 3000);
    fx_sh_peer_ack(&h, b + 2265, 0, 0);
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "3265/150");
    sh_free(&h);
}

static void test_cork_flags_refused_elsewhere(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    int s = open_conn(&h, &b);
    char buf[8];
    /* MSG_EOR and MSG_MORE are send flags; recv refuses them as any unknown bit */
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), MSG_MORE), -EINVAL);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), MSG_EOR), -EINVAL);
    int v = 1;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, TCP_CORK, &v, 2), -EINVAL);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cork_holds_until_uncorked_or_nodelay),
        cmocka_unit_test(test_corked_tail_leaves_after_an_rto),
        cmocka_unit_test(test_msg_more_corks_one_call),
        cmocka_unit_test(test_cork_flags_refused_elsewhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
