/* SPDX-License-Identifier: MIT */
/* MSG_EOR: a send with it ends a record, and no segment carries bytes from both sides of
 * a record end, when first sent or when resent (Linux marks the skb EOR and never
 * coalesces across it). A segment cut short by a record end, with more data queued behind
 * it, is not a tail for Nagle to hold, and carries PSH. The exchange follows Linux's
 * eor/no-coalesce-small.pkt; a connection holds at most TCP_EOR_MAX (16) record ends in
 * flight, and a 17th waits (-EAGAIN, no POLLOUT) until the peer acknowledges the oldest. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
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

/* Segments sent from index `from` on, as "seq-offset/len" relative to base, "P" for PSH. */
static char data[20000];

/* An established connection (MSS 1000, SACK, RTT 10 ms, TCP_NODELAY) whose initial window
 * is full: 10400 bytes written, 10000 of them in flight, 400 queued. */
static int full_window(seghost *h, uint32_t *b)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = 0; /* the RTO, not a tail loss probe, resends the unacknowledged tail */
    int s = fx_sh_sack_rtt(h, &cfg, 1000, 10000, b);
    memset(data, 'e', sizeof(data));
    size_t first = h->nout;
    assert_int_equal(synack_send(h->st, s, data, 10400, 0), 10400);
    assert_int_equal(h->nout, first + 10);
    return s;
}

static void test_record_end_is_a_segment_boundary(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    int s = full_window(&h, &b);
    assert_int_equal(synack_send(h.st, s, data, 400, MSG_EOR), 400);
    assert_int_equal(synack_send(h.st, s, data, 400, MSG_EOR), 400);
    assert_int_equal(synack_send(h.st, s, data, 2000, 0), 2000);
    sh_run_for(&h, 10000);
    size_t mark = h.nout;
    fx_sh_peer_ack(&h, b + 10000, 0, 0);
    char got[256];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    /* without record ends: 10000/1000|11000/1000|12000/1000|13000/200P */
    assert_string_equal(got, "10000/800P|10800/400P|11200/1000|12200/1000P");

    /* An RTO resends from SND.UNA up to the first record end only. */
    mark = h.nout;
    sh_run_for(&h, 1000000);
    assert_true(h.nout > mark);
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_int_equal(strncmp(got, "10000/800P", 10), 0);
    sh_free(&h);
}

static void test_resent_hole_keeps_record_ends(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = 0; /* RFC 6675 recovery: three duplicate ACKs resend the hole at once */
    int s = fx_sh_sack_rtt(&h, &cfg, 1000, 10000, &b);
    memset(data, 'e', sizeof(data));
    /* Records of 400 bytes, sent as 400-byte segments (10 of them, the initial window) */
    for (int i = 0; i < 10; i++)
        assert_int_equal(synack_send(h.st, s, data, 400, MSG_EOR), 400);
    sh_run_for(&h, 10000);
    /* The first two are lost; the next three arrive (SACKed, one by one) */
    size_t mark = h.nout;
    fx_sh_peer_ack(&h, b, b + 800, b + 1200);
    fx_sh_peer_ack(&h, b, b + 800, b + 1600);
    fx_sh_peer_ack(&h, b, b + 800, b + 2000);
    char got[256];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    /* the hole 0..800 is two records: without record ends it went as one 800-byte segment */
    assert_int_equal(strncmp(got, "0/400P", 6), 0);
    assert_null(strstr(got, "/800"));
    sh_free(&h);
}

static void test_loss_probe_resends_the_last_record_only(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.tail_loss_probe = 1;
    int s = fx_sh_sack_rtt(&h, &cfg, 1000, 10000, &b);
    memset(data, 'e', sizeof(data));
    /* an RTT sample first: the probe timeout is two of them */
    assert_int_equal(synack_send(h.st, s, data, 1, 0), 1);
    sh_run_for(&h, 10000);
    fx_sh_peer_ack(&h, b + 1, 0, 0);
    b++;
    for (int i = 0; i < 3; i++)
        assert_int_equal(synack_send(h.st, s, data, 400, MSG_EOR), 400);
    /* no ACK: the probe (the timer the first send armed is a probe timer) resends the last
     * segment sent, 800..1200, not 200..1200 */
    size_t mark = h.nout;
    sh_run_for(&h, 200000);
    assert_true(h.nout > mark);
    char got[64];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_int_equal(strncmp(got, "800/400P", 8), 0);
    sh_free(&h);
}

static void test_record_ends_in_flight_are_bounded(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    int s = full_window(&h, &b);
    for (int i = 0; i < 16; i++)
        assert_int_equal(synack_send(h.st, s, data, 1, MSG_EOR), 1);
    assert_int_equal(synack_send(h.st, s, data, 1, MSG_EOR), -EAGAIN);
    assert_int_equal(fx_poll(h.st, s, POLLOUT), 0);
    /* without MSG_EOR the buffer still takes data */
    assert_int_equal(synack_send(h.st, s, data, 1, 0), 1);
    assert_int_equal(synack_sock_watch(h.st, s, POLLOUT, NULL), 0);
    assert_int_equal(synack_sock_ready_pending(h.st), 0);
    /* The window opens: the 400 queued bytes and 16 one-byte records go, one segment each */
    size_t mark = h.nout;
    fx_sh_peer_ack(&h, b + 10000, 0, 0);
    assert_int_equal(h.nout - mark, 17);
    assert_int_equal(synack_send(h.st, s, data, 1, MSG_EOR), -EAGAIN);
    /* ... and once the peer has them, records may be marked again: a POLLOUT edge */
    sh_run_for(&h, 10000);
    fx_sh_peer_ack(&h, b + 10417, 0, 0);
    synack_ready r;
    assert_int_equal(synack_sock_ready(h.st, &r, 1), 1);
    assert_true(r.revents & POLLOUT);
    assert_int_equal(synack_send(h.st, s, data, 1, MSG_EOR), 1);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_end_is_a_segment_boundary),
        cmocka_unit_test(test_resent_hole_keeps_record_ends),
        cmocka_unit_test(test_loss_probe_resends_the_last_record_only),
        cmocka_unit_test(test_record_ends_in_flight_are_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
