/* SPDX-License-Identifier: MIT */
/* The error queue (docs/API.md, "Error queue"), with the test playing the peer: MSG_ZEROCOPY
 * completions come only once every byte of a send is acknowledged, consecutive ones merge
 * into one range [lo, hi], a connection that dies completes what it held; SO_TIMESTAMPING
 * gives SCHED and SND records when a send's last byte first leaves and an ACK record when
 * it is acknowledged, numbered from when OPT_ID was set and stamped with the stack's
 * clock; the queue and the pending sends are bounded (a drop counter, -ENOBUFS); POLLERR
 * is raised, as an edge, for every record. */
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
#include "support/seghost.h"

#define TS_ALL                                                                                     \
    (SYNACK_SOF_TIMESTAMPING_TX_SCHED | SYNACK_SOF_TIMESTAMPING_TX_SOFTWARE |                      \
     SYNACK_SOF_TIMESTAMPING_TX_ACK | SYNACK_SOF_TIMESTAMPING_SOFTWARE |                           \
     SYNACK_SOF_TIMESTAMPING_OPT_ID)

static char data[4000];

static void set_int(synack_stack *st, int s, int name, int v)
{
    assert_int_equal(synack_setsockopt(st, s, SYNACK_SOL_SOCKET, name, &v, sizeof(v)), 0);
}

/* The peer acknowledges up to `ack` with window `win` (no options). */
static void peer_ack(seghost *h, uint32_t ack, uint16_t win)
{
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, ack, TCP_ACK, win, NULL, 0, NULL);
}

static void expect_zc(synack_stack *st, int s, uint32_t lo, uint32_t hi)
{
    synack_sock_err e;
    memset(&e, 0xff, sizeof(e));
    assert_int_equal(synack_recv_errqueue(st, s, &e), 0);
    assert_int_equal(e.ee_errno, 0);
    assert_int_equal(e.ee_origin, SYNACK_SO_EE_ORIGIN_ZEROCOPY);
    assert_int_equal(e.ee_type, 0);
    assert_int_equal(e.ee_code, SYNACK_SO_EE_CODE_ZEROCOPY_COPIED);
    assert_int_equal(e.ee_pad, 0);
    assert_int_equal(e.ee_info, lo);
    assert_int_equal(e.ee_data, hi);
    assert_int_equal(e.tstamp_us, 0);
}

static void expect_ts(synack_stack *st, int s, uint32_t kind, uint32_t key, uint64_t t)
{
    synack_sock_err e;
    assert_int_equal(synack_recv_errqueue(st, s, &e), 0);
    assert_int_equal(e.ee_errno, ENOMSG);
    assert_int_equal(e.ee_origin, SYNACK_SO_EE_ORIGIN_TIMESTAMPING);
    assert_int_equal(e.ee_code, 0);
    assert_int_equal(e.ee_info, kind);
    assert_int_equal(e.ee_data, key);
    assert_int_equal(e.tstamp_us, t);
}

static void expect_empty(synack_stack *st, int s)
{
    synack_sock_err e;
    assert_int_equal(synack_recv_errqueue(st, s, &e), -EAGAIN);
}

static synack_errqueue_stat stat_of(synack_stack *st, int s)
{
    synack_errqueue_stat es;
    assert_int_equal(synack_errqueue_stat_get(st, s, &es), 0);
    return es;
}

/* Three sends, each acknowledged before the next, nothing read in between: one record
 * [0, 2]; a fourth after the read starts a new one. */
static void test_zerocopy_ranges_coalesce(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss);
    set_int(h.st, s, SYNACK_SO_ZEROCOPY, 1);
    uint32_t next = iss + 1;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(synack_send(h.st, s, data, 400, SYNACK_MSG_ZEROCOPY), 400);
        assert_int_equal(sh_last(&h)->s.payload_len, 400);
        next += 400;
        peer_ack(&h, next, 65535);
    }
    synack_errqueue_stat es = stat_of(h.st, s);
    assert_int_equal(es.queued, 1);
    assert_int_equal(es.pending, 0);
    assert_int_equal(es.raised, 3);
    assert_int_equal(fx_poll(h.st, s, POLLOUT), POLLOUT | POLLERR);
    expect_zc(h.st, s, 0, 2);
    expect_empty(h.st, s);
    assert_int_equal(fx_poll(h.st, s, POLLOUT), POLLOUT);
    assert_int_equal(synack_send(h.st, s, data, 10, SYNACK_MSG_ZEROCOPY), 10);
    peer_ack(&h, next + 10, 65535);
    expect_zc(h.st, s, 3, 3);
    /* without the flag, or without SO_ZEROCOPY, a send has no id and no completion */
    assert_int_equal(synack_send(h.st, s, data, 10, 0), 10);
    peer_ack(&h, next + 20, 65535);
    expect_empty(h.st, s);
    set_int(h.st, s, SYNACK_SO_ZEROCOPY, 0);
    assert_int_equal(synack_send(h.st, s, data, 10, SYNACK_MSG_ZEROCOPY), 10);
    peer_ack(&h, next + 30, 65535);
    expect_empty(h.st, s);
    sh_free(&h);
}

/* A send cut into two segments completes only when its last byte is acknowledged; a
 * zero-length send takes no id. */
static void test_zerocopy_partial_ack_waits(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss); /* no MSS option: 536 */
    set_int(h.st, s, SYNACK_SO_ZEROCOPY, 1);
    assert_int_equal(synack_send(h.st, s, data, 0, SYNACK_MSG_ZEROCOPY), 0);
    assert_int_equal(synack_send(h.st, s, data, 1000, SYNACK_MSG_ZEROCOPY), 1000);
    assert_int_equal(stat_of(h.st, s).pending, 1);
    peer_ack(&h, iss + 1 + 536, 65535);
    expect_empty(h.st, s);
    assert_int_equal(fx_poll(h.st, s, POLLOUT), POLLOUT);
    peer_ack(&h, iss + 1 + 999, 65535);
    expect_empty(h.st, s);
    peer_ack(&h, iss + 1 + 1000, 65535);
    expect_zc(h.st, s, 0, 0);
    sh_free(&h);
}

/* A connection reset with a send unacknowledged: its bytes are no longer needed, so it
 * completes; a socket that never connected has an empty queue. */
static void test_zerocopy_reset_completes(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss);
    set_int(h.st, s, SYNACK_SO_ZEROCOPY, 1);
    assert_int_equal(synack_send(h.st, s, data, 100, SYNACK_MSG_ZEROCOPY), 100);
    assert_int_equal(synack_send(h.st, s, data, 100, SYNACK_MSG_ZEROCOPY), 100);
    expect_empty(h.st, s);
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, 0, TCP_RST, 0, NULL, 0, NULL);
    expect_zc(h.st, s, 0, 1);
    expect_empty(h.st, s);
    int u = synack_socket(h.st, SYNACK_SOCK_STREAM);
    set_int(h.st, u, SYNACK_SO_ZEROCOPY, 1);
    assert_int_equal(synack_send(h.st, u, data, 10, SYNACK_MSG_ZEROCOPY), -ENOTCONN);
    expect_empty(h.st, u);
    sh_free(&h);
}

/* Bounds: SYNACK_ERRQUEUE_PENDING unacknowledged MSG_ZEROCOPY sends, then -ENOBUFS with
 * nothing queued; SYNACK_ERRQUEUE_MAX unread records, then each one more is dropped and
 * counted. */
static void test_bounds(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss);
    set_int(h.st, s, SYNACK_SO_ZEROCOPY, 1);
    int one = 1;
    assert_int_equal(
        synack_setsockopt(h.st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY, &one, sizeof(one)), 0);
    for (int i = 0; i < SYNACK_ERRQUEUE_PENDING; i++)
        assert_int_equal(synack_send(h.st, s, data, 1, SYNACK_MSG_ZEROCOPY), 1);
    assert_int_equal(stat_of(h.st, s).pending, SYNACK_ERRQUEUE_PENDING);
    size_t nout = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 1, SYNACK_MSG_ZEROCOPY), -ENOBUFS);
    assert_int_equal(h.nout, nout);
    assert_int_equal(synack_send(h.st, s, data, 1, 0), 1); /* a plain send still goes */
    uint32_t next = iss + 1 + SYNACK_ERRQUEUE_PENDING + 1;
    peer_ack(&h, next, 65535);
    expect_zc(h.st, s, 0, SYNACK_ERRQUEUE_PENDING - 1);

    /* ACK records do not merge: one per send, and the queue holds so many */
    set_int(h.st, s, SYNACK_SO_TIMESTAMPING,
            SYNACK_SOF_TIMESTAMPING_TX_ACK | SYNACK_SOF_TIMESTAMPING_OPT_ID);
    for (int i = 0; i < SYNACK_ERRQUEUE_MAX + 5; i++) {
        assert_int_equal(synack_send(h.st, s, data, 1, 0), 1);
        next += 1;
        peer_ack(&h, next, 65535);
    }
    synack_errqueue_stat es = stat_of(h.st, s);
    assert_int_equal(es.queued, SYNACK_ERRQUEUE_MAX);
    assert_int_equal(es.dropped, 5);
    for (uint32_t i = 0; i < SYNACK_ERRQUEUE_MAX; i++) {
        synack_sock_err e;
        assert_int_equal(synack_recv_errqueue(h.st, s, &e), 0);
        assert_int_equal(e.ee_info, SYNACK_SCM_TSTAMP_ACK);
        assert_int_equal(e.ee_data, i); /* byte i counted from when OPT_ID was set */
    }
    expect_empty(h.st, s);
    sh_free(&h);
}

/* Every record is an edge for synack_sock_ready(), merged ones included; reading the
 * queue empty clears POLLERR. */
static void test_pollerr_edges(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss);
    set_int(h.st, s, SYNACK_SO_ZEROCOPY, 1);
    int tag;
    assert_int_equal(synack_sock_watch(h.st, s, POLLOUT, &tag), 0);
    synack_ready r[2];
    assert_int_equal(synack_sock_ready(h.st, r, 2), 1);
    assert_int_equal(r[0].revents, POLLOUT);
    assert_int_equal(synack_sock_ready(h.st, r, 2), 0);
    assert_int_equal(synack_send(h.st, s, data, 100, SYNACK_MSG_ZEROCOPY), 100);
    assert_int_equal(synack_sock_ready(h.st, r, 2), 0);
    peer_ack(&h, iss + 101, 65535);
    assert_int_equal(synack_sock_ready(h.st, r, 2), 1);
    assert_int_equal(r[0].revents, POLLOUT | POLLERR);
    assert_ptr_equal(r[0].user, &tag);
    assert_int_equal(synack_send(h.st, s, data, 100, SYNACK_MSG_ZEROCOPY), 100);
    peer_ack(&h, iss + 201, 65535);
    assert_int_equal(synack_sock_ready(h.st, r, 2), 1); /* merged into [0, 1]: an edge */
    assert_int_equal(r[0].revents, POLLOUT | POLLERR);
    expect_zc(h.st, s, 0, 1);
    assert_int_equal(fx_poll(h.st, s, POLLOUT), POLLOUT);
    sh_free(&h);
}

/* SO_TIMESTAMPING: SCHED and SND when a send's last byte first leaves (later, when the
 * window holds it back), ACK when it is acknowledged, each at the stack's time then, with
 * the last byte's number since OPT_ID was set. */
static void test_tx_timestamps(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int ls = sh_listen(&h, FX_PORT, 4);
    int bad = TS_ALL;
    /* OPT_ID needs a connection to count from (Linux: not in CLOSE or LISTEN) */
    assert_int_equal(
        synack_setsockopt(h.st, ls, SYNACK_SOL_SOCKET, SYNACK_SO_TIMESTAMPING, &bad, sizeof(bad)),
        -EINVAL);
    bad = 1 << 20;
    assert_int_equal(
        synack_setsockopt(h.st, ls, SYNACK_SOL_SOCKET, SYNACK_SO_TIMESTAMPING, &bad, sizeof(bad)),
        -EINVAL);
    bad = 2;
    assert_int_equal(
        synack_setsockopt(h.st, ls, SYNACK_SOL_SOCKET, SYNACK_SO_ZEROCOPY, &bad, sizeof(bad)),
        -EINVAL);
    uint32_t iss;
    int s = sh_handshake(&h, ls, FX_PORT, FX_PEER_PORT, FX_PEER_ISS, 1000, &iss);
    assert_true(s >= 0);
    assert_int_equal(synack_send(h.st, s, data, 50, 0), 50); /* before OPT_ID: not counted */
    peer_ack(&h, iss + 51, 1000);
    set_int(h.st, s, SYNACK_SO_TIMESTAMPING, TS_ALL);
    int v = 0;
    synack_socklen_t vl = sizeof(v);
    assert_int_equal(synack_getsockopt(h.st, s, SYNACK_SOL_SOCKET, SYNACK_SO_TIMESTAMPING, &v, &vl),
                     0);
    assert_int_equal(v, TS_ALL);

    uint64_t t0 = h.now;
    assert_int_equal(synack_send(h.st, s, data, 500, 0), 500);
    expect_ts(h.st, s, SYNACK_SCM_TSTAMP_SCHED, 499, t0);
    expect_ts(h.st, s, SYNACK_SCM_TSTAMP_SND, 499, t0);
    expect_empty(h.st, s);
    /* 1500 more: the window (1000, 500 in flight) lets 500 go now, 500 at the next ACK,
     * and the last 500 (with the last byte) only at the one after */
    assert_int_equal(synack_send(h.st, s, data, 1500, 0), 1500);
    expect_empty(h.st, s);
    sh_run_for(&h, 10000);
    uint64_t t1 = h.now;
    peer_ack(&h, iss + 51 + 500, 1000);
    expect_ts(h.st, s, SYNACK_SCM_TSTAMP_ACK, 499, t1);
    expect_empty(h.st, s);
    sh_run_for(&h, 10000);
    uint64_t t2 = h.now;
    peer_ack(&h, iss + 51 + 1000, 1000);
    expect_ts(h.st, s, SYNACK_SCM_TSTAMP_SCHED, 1999, t2);
    expect_ts(h.st, s, SYNACK_SCM_TSTAMP_SND, 1999, t2);
    assert_int_equal(sh_last(&h)->s.seq + sh_last(&h)->s.payload_len, iss + 51 + 2000);
    sh_run_for(&h, 10000);
    uint64_t t3 = h.now;
    peer_ack(&h, iss + 51 + 2000, 1000);
    expect_ts(h.st, s, SYNACK_SCM_TSTAMP_ACK, 1999, t3);
    expect_empty(h.st, s);
    /* without OPT_ID every record says 0 */
    set_int(h.st, s, SYNACK_SO_TIMESTAMPING, SYNACK_SOF_TIMESTAMPING_TX_SOFTWARE);
    assert_int_equal(synack_send(h.st, s, data, 10, 0), 10);
    expect_ts(h.st, s, SYNACK_SCM_TSTAMP_SND, 0, h.now);
    expect_empty(h.st, s);
    sh_free(&h);
}

/* An accepted socket inherits SO_ZEROCOPY from its listener, as Linux's accept(). */
static void test_accepted_socket_inherits(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int ls = sh_listen(&h, FX_PORT, 4);
    set_int(h.st, ls, SYNACK_SO_ZEROCOPY, 1);
    uint32_t iss;
    int s = sh_handshake(&h, ls, FX_PORT, FX_PEER_PORT, FX_PEER_ISS, 65535, &iss);
    int v = 0;
    synack_socklen_t vl = sizeof(v);
    assert_int_equal(synack_getsockopt(h.st, s, SYNACK_SOL_SOCKET, SYNACK_SO_ZEROCOPY, &v, &vl), 0);
    assert_int_equal(v, 1);
    assert_int_equal(synack_send(h.st, s, data, 500, SYNACK_MSG_ZEROCOPY), 500);
    peer_ack(&h, iss + 501, 65535);
    expect_zc(h.st, s, 0, 0);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zerocopy_ranges_coalesce),
        cmocka_unit_test(test_zerocopy_partial_ack_waits),
        cmocka_unit_test(test_zerocopy_reset_completes),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_pollerr_edges),
        cmocka_unit_test(test_tx_timestamps),
        cmocka_unit_test(test_accepted_socket_inherits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
