/* SPDX-License-Identifier: MIT */
/* synack_batch_begin/end: inside a batch, what input and socket calls would transmit for
 * a connection waits for the batch's end, which sends it once per connection: one ACK for
 * all the segments that arrived (with the window the reads in between opened), and data
 * sent in several calls in full segments. Timers are not batched; a connection freed
 * inside a batch is forgotten; beyond 64 connections with output waiting, the others
 * transmit at once. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "wire/tcp_wire.h"

static char data[1460];

/* Eight full segments arrive inside a batch and the application reads them: nothing goes
 * out until the end, then one ACK of all of them whose window is the SYN-ACK's again
 * (without a batch: an ACK every second segment, four). */
static void test_one_ack_for_all_segments(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established_opts(&h, NULL, 0, 0, &iss);
    uint16_t syn_win = h.out[0].s.win;
    size_t mark = h.nout;
    uint32_t seq = FX_PEER_ISS + 1;
    assert_int_equal(synack_batch_begin(h.st), 0);
    for (int i = 0; i < 8; i++) {
        sh_send(&h, FX_PEER_PORT, FX_PORT, seq, iss + 1, TCP_ACK, 65535, data, sizeof(data), NULL);
        seq += sizeof(data);
    }
    static char buf[8 * sizeof(data)];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
    assert_int_equal(h.nout, mark);
    assert_int_equal(synack_batch_end(h.st), 0);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.flags, TCP_ACK);
    assert_int_equal(h.out[mark].s.seq, iss + 1);
    assert_int_equal(h.out[mark].s.ack, seq);
    assert_int_equal(h.out[mark].s.win, syn_win);
    assert_int_equal(h.out[mark].s.payload_len, 0);
    /* nothing owed after it: no delayed ACK follows */
    sh_run_for(&h, 1000000);
    assert_int_equal(h.nout, mark + 1);
    sh_free(&h);
}

/* Three 1000-byte sends on a TCP_NODELAY socket inside a batch go out at its end as full
 * segments (MSS 1460), not as three segments of 1000. */
static void test_sends_coalesce(void **state)
{
    (void)state;
    seghost h;
    uint32_t base;
    int s = fx_sh_sack_rtt(&h, NULL, 1460, 1000, &base);
    size_t mark = h.nout;
    assert_int_equal(synack_batch_begin(h.st), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(synack_send(h.st, s, data, 1000, 0), 1000);
    assert_int_equal(h.nout, mark);
    assert_int_equal(synack_batch_end(h.st), 0);
    char flow[128];
    fx_sh_sent(&h, mark, base, flow, sizeof(flow));
    assert_string_equal(flow, "0/1460|1460/1460|2920/80P");
    sh_free(&h);
}

/* The same three sends without a batch: a segment each (what the batch changes). */
static void test_sends_without_batch(void **state)
{
    (void)state;
    seghost h;
    uint32_t base;
    int s = fx_sh_sack_rtt(&h, NULL, 1460, 1000, &base);
    size_t mark = h.nout;
    for (int i = 0; i < 3; i++)
        assert_int_equal(synack_send(h.st, s, data, 1000, 0), 1000);
    char flow[128];
    fx_sh_sent(&h, mark, base, flow, sizeof(flow));
    assert_string_equal(flow, "0/1000P|1000/1000P|2000/1000P");
    sh_free(&h);
}

static void test_errors(void **state)
{
    (void)state;
    assert_int_equal(synack_batch_begin(NULL), -EINVAL);
    assert_int_equal(synack_batch_end(NULL), -EINVAL);
    seghost h;
    sh_init(&h, NULL);
    assert_int_equal(synack_batch_end(h.st), -EINVAL);
    assert_int_equal(synack_batch_begin(h.st), 0);
    assert_int_equal(synack_batch_begin(h.st), -EALREADY);
    assert_int_equal(synack_batch_end(h.st), 0);
    assert_int_equal(synack_batch_end(h.st), -EINVAL);
    sh_free(&h);
}

/* The delayed-ACK timer fires inside a batch: its ACK goes at once. */
static void test_timers_not_batched(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    fx_sh_established_opts(&h, NULL, 0, 0, &iss);
    size_t mark = h.nout;
    assert_int_equal(synack_batch_begin(h.st), 0);
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, iss + 1, TCP_ACK, 65535, data, 100, NULL);
    uint64_t t0 = h.now;
    sh_run_for(&h, 1000000);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.ack, FX_PEER_ISS + 1 + 100);
    assert_int_equal(h.out[mark].t, t0 + 40000);
    assert_int_equal(synack_batch_end(h.st), 0);
    assert_int_equal(h.nout, mark + 1);
    sh_free(&h);
}

/* A connection whose ACK waits is reset by its peer before the end: it is forgotten (no
 * output for freed memory: ASan), and the end sends nothing. */
static void test_freed_inside_batch(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    fx_sh_established_opts(&h, NULL, 0, 0, &iss);
    size_t mark = h.nout;
    assert_int_equal(synack_batch_begin(h.st), 0);
    uint32_t seq = FX_PEER_ISS + 1;
    for (int i = 0; i < 2; i++) {
        sh_send(&h, FX_PEER_PORT, FX_PORT, seq, iss + 1, TCP_ACK, 65535, data, sizeof(data), NULL);
        seq += sizeof(data);
    }
    sh_send(&h, FX_PEER_PORT, FX_PORT, seq, 0, TCP_RST, 0, NULL, 0, NULL);
    assert_int_equal(synack_batch_end(h.st), 0);
    assert_int_equal(h.nout, mark);
    sh_free(&h);
}

/* 65 connections each get two full segments inside a batch: the first 64 are ACKed at the
 * end, in order; the 65th, beyond the bound, at once. */
static void test_bounded(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int ls = sh_listen(&h, FX_PORT, 128);
    assert_true(ls >= 0);
    enum { N = 65 };
    uint32_t iss[N];
    for (int i = 0; i < N; i++)
        assert_true(
            sh_handshake(&h, ls, FX_PORT, (uint16_t)(40000 + i), FX_PEER_ISS, 65535, &iss[i]) >= 0);
    size_t mark = h.nout;
    assert_int_equal(synack_batch_begin(h.st), 0);
    for (int i = 0; i < N; i++) {
        uint32_t seq = FX_PEER_ISS + 1;
        for (int k = 0; k < 2; k++) {
            sh_send(&h, (uint16_t)(40000 + i), FX_PORT, seq, iss[i] + 1, TCP_ACK, 65535, data,
                    sizeof(data), NULL);
            seq += sizeof(data);
        }
        assert_int_equal(h.nout, mark + (i == N - 1));
    }
    assert_int_equal(h.out[mark].s.dport, 40000 + N - 1);
    assert_int_equal(synack_batch_end(h.st), 0);
    assert_int_equal(h.nout, mark + N);
    for (int i = 0; i < N - 1; i++) {
        assert_int_equal(h.out[mark + 1 + (size_t)i].s.dport, 40000 + i);
        assert_int_equal(h.out[mark + 1 + (size_t)i].s.ack, FX_PEER_ISS + 1 + 2 * sizeof(data));
    }
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_ack_for_all_segments),
        cmocka_unit_test(test_sends_coalesce),
        cmocka_unit_test(test_sends_without_batch),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_timers_not_batched),
        cmocka_unit_test(test_freed_inside_batch),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
