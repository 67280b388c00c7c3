/* SPDX-License-Identifier: MIT */
/* A SYN to a port nobody listens on (RFC 9293 3.10.7.1, CLOSED state): the answer is
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, and the connecting side (RFC 9293 3.10.7.3,
 * SYN-SENT with an acceptable ACK and RST) reports "connection refused". */
#include <arpa/inet.h>
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

#define DELAY 1000

static void refused_exchange(pair *p, int cs)
{
    pair_run_until(p, 100000);
    fx_assert_flow(p, 0, "C:S|S:R.");
    const pair_seg *syn = &p->segs[0], *rst = &p->segs[1];
    assert_int_equal(rst->t, DELAY);
    assert_int_equal(rst->s.seq, 0);
    assert_int_equal(rst->s.ack, syn->s.seq + 1);
    assert_int_equal(rst->s.len, 0);
    assert_false(rst->s.has_mss || rst->s.has_ts);
    assert_int_equal(pair_transition_time(p, PAIR_CLIENT, SYNACK_SYN_SENT, SYNACK_CLOSED),
                     2 * DELAY);
    assert_int_equal(pair_sock_state(p, PAIR_CLIENT, cs), SYNACK_CLOSED);
    assert_int_equal(pair_count_state(p, PAIR_CLIENT, SYNACK_SYN_SENT), 0);
    assert_int_equal(synack_counter_get(p->st[PAIR_SERVER], SYNACK_CTR_OutRsts), 1);
    assert_int_equal(synack_counter_get(p->st[PAIR_CLIENT], SYNACK_CTR_AttemptFails), 1);
    assert_int_equal(synack_counter_get(p->st[PAIR_CLIENT], SYNACK_CTR_CurrEstab), 0);
}

static void test_refused_so_error(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    int cs = pair_connect(&p, 81);
    assert_true(cs >= 0);
    assert_int_equal(fx_so_error(p.st[PAIR_CLIENT], cs), 0);
    refused_exchange(&p, cs);
    synack_pollfd pf = {.sock = cs, .events = POLLIN | POLLOUT};
    assert_int_equal(synack_sock_poll(p.st[PAIR_CLIENT], &pf, 1), 1);
    assert_true(pf.revents & POLLERR);
    assert_true(pf.revents & POLLHUP);
    assert_true(pf.revents & POLLOUT); /* a send fails at once: Linux's tcp_poll says so too */
    /* SO_ERROR reports the failure once and clears it */
    assert_int_equal(fx_so_error(p.st[PAIR_CLIENT], cs), ECONNREFUSED);
    assert_int_equal(fx_so_error(p.st[PAIR_CLIENT], cs), 0);
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_free(&p);
}

static void test_refused_recv(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    int cs = pair_connect(&p, 81);
    assert_true(cs >= 0);
    refused_exchange(&p, cs);
    char buf[4];
    assert_int_equal(synack_recv(p.st[PAIR_CLIENT], cs, buf, sizeof(buf), 0), -ECONNREFUSED);
    assert_int_equal(fx_so_error(p.st[PAIR_CLIENT], cs), 0); /* consumed by recv */
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    pair_free(&p);
}

static void test_refused_send(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    int cs = pair_connect(&p, 81);
    refused_exchange(&p, cs);
    assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs, "x", 1, 0), -ECONNREFUSED);
    pair_free(&p);
}

/* A listener on another port does not change the answer; a non-SYN segment to a closed
 * port gets <SEQ=SEG.ACK><CTL=RST>, and a RST gets nothing (RFC 9293 3.10.7.1). */
static void test_closed_port_replies(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    assert_true(sh_listen(&h, 80, 4) >= 0);
    /* SYN with two data bytes: SEG.LEN counts the SYN and the data */
    sh_send(&h, 1234, 81, 7000, 0, TCP_SYN, 1000, "hi", 2, NULL);
    assert_int_equal(h.nout, 1);
    assert_int_equal(h.out[0].s.flags, TCP_RST | TCP_ACK);
    assert_int_equal(h.out[0].s.seq, 0);
    assert_int_equal(h.out[0].s.ack, 7003);
    assert_int_equal(h.out[0].s.sport, 81);
    assert_int_equal(h.out[0].s.dport, 1234);
    sh_send(&h, 1234, 81, 7000, 99999, TCP_ACK, 1000, "abc", 3, NULL);
    assert_int_equal(h.nout, 2);
    assert_int_equal(h.out[1].s.flags, TCP_RST);
    assert_int_equal(h.out[1].s.seq, 99999);
    sh_send(&h, 1234, 81, 7000, 99999, TCP_RST | TCP_ACK, 1000, NULL, 0, NULL);
    sh_send(&h, 1234, 81, 7000, 0, TCP_RST, 1000, NULL, 0, NULL);
    assert_int_equal(h.nout, 2);
    /* FIN alone, no ACK: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK> */
    sh_send(&h, 1234, 81, 8000, 0, TCP_FIN, 1000, NULL, 0, NULL);
    assert_int_equal(h.nout, 3);
    assert_int_equal(h.out[2].s.flags, TCP_RST | TCP_ACK);
    assert_int_equal(h.out[2].s.ack, 8001);
    sh_free(&h);
}

/* A RST in SYN-SENT counts only if it acknowledges our SYN (RFC 9293 3.10.7.3, RFC 5961
 * 3.2); the other is ignored and the connection attempt goes on. */
static void test_syn_sent_ignores_unacceptable_rst(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int s = synack_socket(h.st, SOCK_STREAM);
    struct sockaddr_in to;
    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(SH_PEER);
    to.sin_port = htons(9);
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    assert_int_equal(h.nout, 1);
    const tcp_seg syn = h.out[0].s;
    assert_int_equal(syn.flags, TCP_SYN);
    /* RST,ACK with the wrong ACK: dropped, no reply (never answer a RST) */
    sh_send(&h, 9, syn.sport, 0, syn.seq + 5, TCP_RST | TCP_ACK, 0, NULL, 0, NULL);
    /* RST without ACK: dropped */
    sh_send(&h, 9, syn.sport, 0, 0, TCP_RST, 0, NULL, 0, NULL);
    assert_int_equal(h.nout, 1);
    synack_tcp_info info;
    socklen_t len = sizeof(info);
    assert_int_equal(synack_getsockopt(h.st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &info, &len), 0);
    assert_int_equal(info.state, SYNACK_SYN_SENT);
    /* An ACK for something never sent (no RST bit) gets <SEQ=SEG.ACK><CTL=RST> */
    sh_send(&h, 9, syn.sport, 555, syn.seq + 100, TCP_ACK, 1000, NULL, 0, NULL);
    assert_int_equal(h.nout, 2);
    assert_int_equal(h.out[1].s.flags, TCP_RST);
    assert_int_equal(h.out[1].s.seq, syn.seq + 100);
    /* the right one: RST,ACK acknowledging the SYN */
    sh_send(&h, 9, syn.sport, 0, syn.seq + 1, TCP_RST | TCP_ACK, 0, NULL, 0, NULL);
    assert_int_equal(synack_getsockopt(h.st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &info, &len), 0);
    assert_int_equal(info.state, SYNACK_CLOSED);
    char buf[4];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -ECONNREFUSED);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_so_error),
        cmocka_unit_test(test_refused_recv),
        cmocka_unit_test(test_refused_send),
        cmocka_unit_test(test_closed_port_replies),
        cmocka_unit_test(test_syn_sent_ignores_unacceptable_rst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
