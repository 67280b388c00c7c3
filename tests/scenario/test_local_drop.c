/* SPDX-License-Identifier: MIT */
/* A data segment the output callback refuses with -ENOBUFS (a full device queue, Linux's
 * NET_XMIT_DROP) was never sent: SND.NXT stays, nothing is timed or counted as resent, and
 * with nothing in flight a resource probe retries it one RTO later, then every 500 ms with
 * no backoff (TCP_INFO probes); TCP_USER_TIMEOUT counts from the first probe and ends the
 * connection with ETIMEDOUT (as Linux's tcp_probe_timer, upstream
 * user_timeout/user-timeout-probe). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/seghost.h"

#define PEER_ISS 10000u
#define PORT 80
#define PPORT 40000
#define MS 1000ull

typedef struct conn {
    seghost h;     /* the stack */
    int s;         /* its accepted socket */
    uint32_t siss; /* its ISS */
} conn;

static synack_tcp_info info_of(conn *c)
{
    synack_tcp_info i;
    memset(&i, 0, sizeof(i));
    socklen_t len = sizeof(i);
    assert_int_equal(synack_getsockopt(c->h.st, c->s, IPPROTO_TCP, SYNACK_TCP_INFO, &i, &len), 0);
    return i;
}

/* Established; 24 bytes sent and ACKed 100 ms later (an RTT sample, the RTO from it). */
static void open_conn(conn *c, int user_timeout_ms)
{
    sh_init(&c->h, NULL);
    int ls = sh_listen(&c->h, PORT, 4);
    c->s = sh_handshake(&c->h, ls, PORT, PPORT, PEER_ISS, 65535, &c->siss);
    assert_true(c->s >= 0);
    if (user_timeout_ms)
        assert_int_equal(synack_setsockopt(c->h.st, c->s, IPPROTO_TCP, SYNACK_TCP_USER_TIMEOUT,
                                           &user_timeout_ms, sizeof(user_timeout_ms)),
                         0);
    char data[24];
    memset(data, 'a', sizeof(data));
    size_t mark = c->h.nout;
    assert_int_equal(synack_send(c->h.st, c->s, data, sizeof(data), 0), 24);
    assert_int_equal(c->h.nout, mark + 1);
    assert_int_equal(c->h.out[mark].s.seq, c->siss + 1);
    assert_int_equal(c->h.out[mark].s.payload_len, 24);
    sh_run_for(&c->h, 100 * MS);
    sh_send(&c->h, PPORT, PORT, PEER_ISS + 1, c->siss + 25, TCP_ACK, 65535, NULL, 0, NULL);
    synack_tcp_info i = info_of(c);
    assert_int_equal(i.unacked, 0);
    assert_int_equal(i.probes, 0);
}

static void test_resource_probes_then_user_timeout(void **state)
{
    (void)state;
    conn c;
    open_conn(&c, 3000);
    uint64_t rto = info_of(&c).rto_us;
    assert_int_equal(rto, 200 * MS); /* the 200 ms floor */
    size_t mark = c.h.nout;
    c.h.refuse_tx = 1;
    uint64_t t0 = c.h.now;
    char data[24];
    memset(data, 'b', sizeof(data));
    assert_int_equal(synack_send(c.h.st, c.s, data, sizeof(data), 0), 24);
    assert_int_equal(c.h.refused, 1);
    synack_tcp_info i = info_of(&c);
    assert_int_equal(i.unacked, 0); /* not sent: SND.NXT stayed */
    assert_int_equal(i.probes, 0);

    /* The first probe one RTO later, then every 500 ms, no backoff */
    sh_run_until(&c.h, t0 + rto - 1);
    assert_int_equal(c.h.refused, 1);
    for (uint32_t k = 0; k < 6; k++) {
        uint64_t at = t0 + rto + (uint64_t)k * 500 * MS;
        sh_run_until(&c.h, at - 1);
        assert_int_equal(c.h.refused, 1 + k);
        sh_run_until(&c.h, at);
        assert_int_equal(c.h.refused, 2 + k);
        i = info_of(&c);
        assert_int_equal(i.probes, 1 + k);
        assert_int_equal(i.retransmits, 0); /* tcpi_backoff */
        assert_int_equal(i.unacked, 0);
    }
    /* still alive 2.9 s after the first probe: a write queues (and tries once more) */
    sh_run_until(&c.h, t0 + rto + 2900 * MS);
    assert_int_equal(synack_send(c.h.st, c.s, data, sizeof(data), 0), 24);
    assert_int_equal(c.h.refused, 8);
    /* 3 s after the first probe the user timeout ends it */
    sh_run_until(&c.h, t0 + rto + 3000 * MS - 1);
    assert_int_equal(info_of(&c).state, SYNACK_ESTABLISHED);
    sh_run_until(&c.h, t0 + rto + 3000 * MS);
    assert_int_equal(sh_state_time(&c.h, SYNACK_CLOSED, t0), t0 + rto + 3000 * MS);
    assert_int_equal(synack_send(c.h.st, c.s, data, sizeof(data), 0), -ETIMEDOUT);
    i = info_of(&c);
    assert_int_equal(i.state, SYNACK_CLOSED);
    assert_int_equal(i.probes, 6);    /* kept after the end, as Linux's tcpi_probes */
    assert_int_equal(c.h.nout, mark); /* nothing ever left, not even a RST */
    assert_int_equal(c.h.refused, 8);
    assert_int_equal(synack_counter_get(c.h.st, SYNACK_CTR_RetransSegs), 0);
    assert_int_equal(synack_counter_get(c.h.st, SYNACK_CTR_TCPAbortOnTimeout), 1);
    assert_int_equal(synack_counter_get(c.h.st, SYNACK_CTR_OutDiscards), 8);
    sh_free(&c.h);
}

static void test_probe_sends_once_the_queue_drains(void **state)
{
    (void)state;
    conn c;
    open_conn(&c, 0);
    uint64_t rto = info_of(&c).rto_us;
    size_t mark = c.h.nout;
    c.h.refuse_tx = 1;
    uint64_t t0 = c.h.now;
    char data[24];
    memset(data, 'c', sizeof(data));
    assert_int_equal(synack_send(c.h.st, c.s, data, sizeof(data), 0), 24);
    sh_run_until(&c.h, t0 + rto + 500 * MS);
    assert_int_equal(c.h.refused, 3);
    assert_int_equal(info_of(&c).probes, 2);
    c.h.refuse_tx = 0;
    sh_run_until(&c.h, t0 + rto + 1000 * MS);
    /* the third probe sends the segment as it was first meant: new data, timed */
    assert_int_equal(c.h.nout, mark + 1);
    const sh_seg *s = &c.h.out[mark];
    assert_int_equal(s->t, t0 + rto + 1000 * MS);
    assert_int_equal(s->s.seq, c.siss + 25);
    assert_int_equal(s->s.ack, PEER_ISS + 1);
    assert_int_equal(s->s.flags, TCP_ACK | TCP_PSH);
    assert_int_equal(s->s.payload_len, 24);
    assert_memory_equal(s->data, data, 24);
    synack_tcp_info i = info_of(&c);
    assert_int_equal(i.probes, 0);
    assert_int_equal(i.unacked, 24);
    assert_int_equal(i.total_retrans, 0);
    /* an ACK 50 ms later: the RTT sample is of this send, not of the refused ones */
    sh_run_for(&c.h, 50 * MS);
    sh_send(&c.h, PPORT, PORT, PEER_ISS + 1, c.siss + 49, TCP_ACK, 65535, NULL, 0, NULL);
    i = info_of(&c);
    assert_int_equal(i.unacked, 0);
    /* RFC 6298 2.3 from 12501 us (the handshake's 0 and the first 100 ms): 7/8 of it plus
     * 50 ms / 8; a sample timed from the first refused send would be 1.25 s */
    assert_int_equal(i.rtt_us, 17189);
    assert_int_equal(synack_counter_get(c.h.st, SYNACK_CTR_RetransSegs), 0);
    assert_int_equal(c.h.nout, mark + 1);
    sh_free(&c.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resource_probes_then_user_timeout),
        cmocka_unit_test(test_probe_sends_once_the_queue_drains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
