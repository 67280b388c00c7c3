/* SPDX-License-Identifier: MIT */
/* Delivery-rate samples (src/tcp/rate.c) against draft-cheng-iccrg-delivery-rate-estimation:
 * the interval is the longer of the send and ACK intervals, delivered counts each byte
 * once (SACK ranges the scoreboard forgets are not counted again), a resent segment's
 * sample has no RTT (Karn), the first SACK block names the sampled segment, and samples
 * taken while the application held back are marked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/tcb_fixture.h"
#include "tcp/rate.h"
#include "tcp/tcp.h"
#include "tcp/txlog.h"

#define T0 1000000u /* the clock at the first send, µs */
#define ISS 1000u   /* SND.UNA at the start */

typedef tcb_fixture fixture;

static void setup(fixture *f)
{
    tcb_fixture_init(f, NULL, T0, 1000);
    f->c->snd_una = f->c->snd_max = f->c->snd_nxt = ISS;
    assert_int_equal(tcp_rate_enable(f->c), 0);
}

static void teardown(fixture *f)
{
    tcb_fixture_free(f);
}

/* One 1000-byte segment at SND.MAX, at T0 + ms. */
static void send_at(fixture *f, uint32_t ms)
{
    synack_set_time(f->st, T0 + ms * 1000ull);
    tcp_txlog_on_xmit(f->c, f->c->snd_max, f->c->snd_max + 1000, 0);
    f->c->snd_max += 1000;
    f->c->snd_nxt = f->c->snd_max;
}

/* An ACK at T0 + ms: SND.UNA becomes una, the scoreboard holds `sacked` bytes, and the
 * segment reports SACK block [l, r) first (none when l == r). */
static tcp_rate_sample ack_at(fixture *f, uint32_t ms, uint32_t una, uint32_t sacked, uint32_t l,
                              uint32_t r)
{
    synack_set_time(f->st, T0 + ms * 1000ull);
    tcp_seg seg;
    memset(&seg, 0, sizeof(seg));
    seg.ack = una;
    if (l != r) {
        seg.opts.nsack = 1;
        seg.opts.sack[0].left = l;
        seg.opts.sack[0].right = r;
    }
    uint32_t una_before = f->c->snd_una, sacked_before = f->c->x->sacked_bytes;
    f->c->snd_una = una;
    f->c->x->sacked_bytes = sacked;
    tcp_rate_sample rs;
    tcp_txlog_on_ack(f->c, &seg, una_before, sacked_before);
    tcp_rate_on_ack(f->c, &seg, una_before, sacked_before, &rs);
    return rs;
}

static void test_two_flights(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    for (uint32_t k = 0; k < 10; k++)
        send_at(&f, k); /* one segment per ms */
    tcp_rate_sample rs = ack_at(&f, 20, ISS + 1000, 0, 0, 0);
    assert_int_equal(rs.acked, 1000);
    assert_int_equal(rs.has_prior, 1);
    assert_int_equal(rs.prior_delivered, 0);
    assert_int_equal(rs.delivered, 1000);
    assert_int_equal(rs.interval_us, 20000); /* ack interval: from the start */
    assert_int_equal(rs.rtt_us, 20000);
    for (uint32_t k = 1; k < 5; k++)
        ack_at(&f, 20 + k, ISS + 1000 * (k + 1), 0, 0, 0);
    rs = ack_at(&f, 25, ISS + 6000, 0, 0, 0);
    assert_int_equal(rs.delivered, 6000);
    assert_int_equal(rs.interval_us, 25000);
    assert_int_equal(rs.rtt_us, 20000);
    for (uint32_t k = 6; k < 10; k++)
        ack_at(&f, 20 + k, ISS + 1000 * (k + 1), 0, 0, 0);
    /* the pipe is empty: the second flight starts the clocks anew (draft 3.2) */
    for (uint32_t k = 0; k < 10; k++)
        send_at(&f, 30 + k);
    for (uint32_t k = 0; k < 9; k++)
        ack_at(&f, 50 + k, ISS + 10000 + 1000 * (k + 1), 0, 0, 0);
    rs = ack_at(&f, 59, ISS + 20000, 0, 0, 0);
    assert_int_equal(rs.prior_delivered, 10000);
    assert_int_equal(rs.delivered, 10000);
    assert_int_equal(rs.interval_us, 29000); /* the ack interval, from the flight's start */
    assert_int_equal(tcp_rate_delivered(f.c), 20000);
    assert_int_equal(tcp_rate_min_rtt(f.c), 20000);
    teardown(&f);
}

/* Segment 3 of 5 is lost; SACKs report 4 and 5; the resend fills the hole. */
static void test_sack_and_resend(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    for (uint32_t k = 0; k < 5; k++)
        send_at(&f, k);
    ack_at(&f, 20, ISS + 1000, 0, 0, 0);
    ack_at(&f, 21, ISS + 2000, 0, 0, 0);
    /* the first SACK block names the segment sent at +3 ms */
    tcp_rate_sample rs = ack_at(&f, 23, ISS + 2000, 1000, ISS + 3000, ISS + 4000);
    assert_int_equal(rs.acked, 1000);
    assert_int_equal(rs.rtt_us, 20000);
    assert_int_equal(rs.delivered, 3000);
    rs = ack_at(&f, 24, ISS + 2000, 2000, ISS + 3000, ISS + 5000);
    assert_int_equal(rs.rtt_us, 20000); /* the segment sent at +4 ms */
    /* the resend, and the ACK it draws: only its 1000 bytes are new, and its RTT is
     * ambiguous */
    synack_set_time(f.st, T0 + 25000);
    tcp_txlog_on_xmit(f.c, ISS + 2000, ISS + 3000, 0);
    rs = ack_at(&f, 45, ISS + 5000, 0, 0, 0);
    assert_int_equal(rs.acked, 1000);
    assert_int_equal(rs.has_prior, 1);
    assert_int_equal(rs.prior_delivered, 4000);
    assert_int_equal(rs.delivered, 1000);
    assert_int_equal(rs.rtt_us, 0);
    assert_int_equal(tcp_rate_delivered(f.c), 5000);
    teardown(&f);
}

/* An RTO clears the scoreboard: when SND.UNA then passes the ranges it forgot, they are not
 * delivered a second time. */
static void test_forgotten_sack_not_counted_twice(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    for (uint32_t k = 0; k < 5; k++)
        send_at(&f, k);
    ack_at(&f, 20, ISS + 1000, 0, 0, 0);
    ack_at(&f, 24, ISS + 1000, 3000, ISS + 2000, ISS + 5000);
    assert_int_equal(tcp_rate_delivered(f.c), 4000);
    f.c->x->sacked_bytes = 0; /* the RTO's tcp_sack_clear */
    tcp_rate_sample rs = ack_at(&f, 300, ISS + 5000, 0, 0, 0);
    assert_int_equal(rs.acked, 1000);
    assert_int_equal(tcp_rate_delivered(f.c), 5000);
    teardown(&f);
}

static void test_app_limited(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    send_at(&f, 0);
    send_at(&f, 1);
    tcp_rate_app_limited(f.c, 2000); /* nothing more to send, room in cwnd */
    send_at(&f, 2);
    tcp_rate_sample rs = ack_at(&f, 20, ISS + 2000, 0, 0, 0);
    assert_int_equal(rs.is_app_limited, 0); /* sent before the mark */
    rs = ack_at(&f, 22, ISS + 3000, 0, 0, 0);
    assert_int_equal(rs.is_app_limited, 1);
    /* everything in flight at the mark is delivered: the phase is over */
    send_at(&f, 23);
    rs = ack_at(&f, 43, ISS + 4000, 0, 0, 0);
    assert_int_equal(rs.is_app_limited, 0);
    teardown(&f);
}

/* More segments in flight than the transmit log's records (it grows to TCP_TXLOG_MAX for
 * rate sampling): the newest record stands for the rest, whose samples then span a longer
 * interval. */
static void test_records_bounded(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    for (uint32_t k = 0; k < TCP_TXLOG_MAX + 100; k++) {
        synack_set_time(f.st, T0 + k * 10ull);
        tcp_txlog_on_xmit(f.c, f.c->snd_max, f.c->snd_max + 1000, 0);
        f.c->snd_max += 1000;
    }
    uint32_t last = f.c->snd_max;
    tcp_rate_sample rs = ack_at(&f, 100, last, 0, 0, 0);
    assert_int_equal(rs.has_prior, 1);
    assert_int_equal(f.c->x->txlog->cap, TCP_TXLOG_MAX);
    assert_int_equal(synack_counter_get(f.st, SYNACK_CTR_RackRecordOverflows), 100);
    /* the record of segment 1023, sent at +10.23 ms, stands for the last 100 too */
    assert_int_equal(rs.rtt_us, 100000 - (TCP_TXLOG_MAX - 1) * 10);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_flights),
        cmocka_unit_test(test_sack_and_resend),
        cmocka_unit_test(test_forgotten_sack_not_counted_twice),
        cmocka_unit_test(test_app_limited),
        cmocka_unit_test(test_records_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
