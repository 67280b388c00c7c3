/* SPDX-License-Identifier: MIT */
/* The transmit log (src/tcp/txlog.c) shared by RACK and rate sampling: nothing is
 * allocated before the first data segment of a connection that needs it; segments append
 * records in sequence order; a retransmission splits a record at its edges and marks only
 * what was resent; SACKed and lost marks keep their counts through splits and the
 * cumulative ACK; the ring wraps; a full ring merges new segments into its newest record
 * and counts them; freeing returns every byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/tcb_fixture.h"
#include "tcp/tcp.h"
#include "tcp/txlog.h"

#define T0 1000000u
#define ISS 1000u
#define SEG 1000u

typedef struct fixture {
    synack_stack *st;
    tcp_conn *c;
    size_t mem0; /* memory in use before the log */
} fixture;

static void setup(fixture *f, int rack)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = (uint8_t)rack;
    tcb_fixture t;
    tcb_fixture_init(&t, &cfg, T0, SEG);
    f->st = t.st;
    f->c = t.c;
    f->c->sack_ok = 1;
    f->c->snd_una = f->c->snd_max = f->c->snd_nxt = ISS;
    f->mem0 = synack_mem_in_use(f->st);
}

static void teardown(fixture *f)
{
    tcb_fixture_free(&(tcb_fixture){f->st, f->c});
}

/* One new segment of len bytes at SND.MAX, at T0 + us. */
static void send_new(fixture *f, uint32_t us, uint32_t len)
{
    synack_set_time(f->st, T0 + us);
    tcp_txlog_on_xmit(f->c, f->c->snd_max, f->c->snd_max + len, 0);
    f->c->snd_max += len;
    f->c->snd_nxt = f->c->snd_max;
}

static const tcp_txrec *rec(const fixture *f, uint32_t i)
{
    assert_true(i < f->c->x->txlog->n);
    return tcp_txlog_at(f->c->x->txlog, i);
}

static void test_nothing_without_a_reader(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 0);
    send_new(&f, 0, SEG);
    assert_null(f.c->x->txlog);
    assert_int_equal(synack_mem_in_use(f.st), f.mem0);
    teardown(&f);
}

static void test_append_resend_marks_and_pop(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 1);
    assert_null(f.c->x->txlog);
    for (uint32_t k = 0; k < 3; k++)
        send_new(&f, k * 10, SEG);
    tcp_txlog *l = f.c->x->txlog;
    assert_non_null(l);
    assert_int_equal(l->rack_on, 1);
    assert_int_equal(l->rate_on, 0);
    assert_null(l->snap); /* no rate sampling: no snapshots */
    assert_int_equal(l->cap, f.c->x->snd.cap / SEG + 8);
    assert_int_equal(synack_mem_in_use(f.st) - f.mem0,
                     sizeof(tcp_txlog) + l->cap * sizeof(tcp_txrec));
    assert_int_equal(l->n, 3);
    assert_int_equal(rec(&f, 1)->start, ISS + SEG);
    assert_int_equal(rec(&f, 1)->end, ISS + 2 * SEG);
    assert_int_equal(rec(&f, 2)->xmit_ts, T0 + 20);
    assert_int_equal(tcp_txlog_find(l, ISS + 2 * SEG - 1), 1);
    assert_int_equal(tcp_txlog_find(l, ISS + 2 * SEG), 2);
    assert_int_equal(tcp_txlog_find(l, ISS + 3 * SEG), 3);

    /* the middle 300 bytes of the third record are resent: it splits in three and only
     * the resent part is marked and re-timed */
    synack_set_time(f.st, T0 + 500);
    tcp_txlog_on_xmit(f.c, ISS + 2 * SEG + 300, ISS + 2 * SEG + 600, 0);
    assert_int_equal(l->n, 5);
    assert_int_equal(rec(&f, 2)->end, ISS + 2 * SEG + 300);
    assert_int_equal(rec(&f, 2)->flags & TXREC_RETRANS, 0);
    assert_int_equal(rec(&f, 3)->start, ISS + 2 * SEG + 300);
    assert_int_equal(rec(&f, 3)->end, ISS + 2 * SEG + 600);
    assert_int_equal(rec(&f, 3)->flags & TXREC_RETRANS, TXREC_RETRANS);
    assert_int_equal(rec(&f, 3)->xmit_ts, T0 + 500);
    assert_int_equal(rec(&f, 4)->xmit_ts, T0 + 20);

    /* marks: lost and SACKed counts follow the records */
    tcp_txlog_mark_lost(l, tcp_txlog_at(l, 0));
    tcp_txlog_mark_lost(l, tcp_txlog_at(l, 0)); /* twice counts once */
    tcp_txlog_mark_lost(l, tcp_txlog_at(l, 1));
    assert_int_equal(l->lost_bytes, 2 * SEG);
    tcp_txlog_mark_sacked(l, tcp_txlog_at(l, 1)); /* SACKed: no longer lost */
    assert_int_equal(l->lost_bytes, SEG);
    assert_int_equal(l->segs_sacked, 1);
    /* a SACKed record split at a block edge: both halves are SACKed records */
    assert_int_equal(tcp_txlog_split(l, 1, ISS + SEG + 400), 1);
    assert_int_equal(l->segs_sacked, 2);
    /* a resend of lost bytes takes them out of the lost set */
    synack_set_time(f.st, T0 + 600);
    tcp_txlog_on_xmit(f.c, ISS, ISS + SEG, 0);
    assert_int_equal(l->lost_bytes, 0);
    tcp_txlog_mark_lost(l, tcp_txlog_at(l, 0));

    /* the cumulative ACK to the middle of the first record trims it; past the SACKed
     * halves, drops them */
    tcp_txlog_pop(l, ISS + 400);
    assert_int_equal(rec(&f, 0)->start, ISS + 400);
    assert_int_equal(l->lost_bytes, SEG - 400);
    tcp_txlog_pop(l, ISS + 2 * SEG);
    assert_int_equal(l->n, 3);
    assert_int_equal(l->lost_bytes, 0);
    assert_int_equal(l->segs_sacked, 0);
    assert_int_equal(rec(&f, 0)->start, ISS + 2 * SEG);

    /* an RTO that goes back clears every mark */
    tcp_txlog_mark_sacked(l, tcp_txlog_at(l, 2));
    tcp_txlog_mark_lost(l, tcp_txlog_at(l, 0));
    tcp_txlog_clear_marks(l);
    assert_int_equal(l->lost_bytes, 0);
    assert_int_equal(l->segs_sacked, 0);
    assert_int_equal(rec(&f, 2)->flags & (TXREC_SACKED | TXREC_LOST), 0);

    tcp_txlog_free(f.c);
    assert_null(f.c->x->txlog);
    assert_int_equal(synack_mem_in_use(f.st), f.mem0);
    teardown(&f);
}

static void test_ring_wraps_and_overflows(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 1);
    send_new(&f, 0, SEG);
    tcp_txlog *l = f.c->x->txlog;
    uint32_t cap = l->cap;
    for (uint32_t k = 1; k < cap; k++)
        send_new(&f, k, SEG);
    assert_int_equal(l->n, cap);
    /* half acknowledged, then as many new: the ring wraps, order holds */
    f.c->snd_una = ISS + cap / 2 * SEG;
    tcp_txlog_pop(l, f.c->snd_una);
    assert_int_equal(l->n, cap - cap / 2);
    assert_int_equal(l->head, cap / 2);
    for (uint32_t k = 0; k < cap / 2; k++)
        send_new(&f, cap + k, SEG);
    assert_int_equal(l->n, cap);
    assert_true(l->head != 0);
    for (uint32_t i = 0; i < l->n; i++) {
        assert_int_equal(rec(&f, i)->start, f.c->snd_una + i * SEG);
        assert_int_equal(rec(&f, i)->end, f.c->snd_una + (i + 1) * SEG);
    }
    uint32_t probe = f.c->snd_una + (cap - 3) * SEG + 5;
    assert_int_equal(tcp_txlog_find(l, probe), cap - 3);
    /* full: a split is refused, new segments merge into the newest record and count */
    assert_int_equal(tcp_txlog_split(l, 0, f.c->snd_una + 1), 0);
    uint32_t last_start = rec(&f, cap - 1)->start;
    send_new(&f, 5000, SEG);
    send_new(&f, 6000, SEG);
    assert_int_equal(l->n, cap);
    assert_int_equal(synack_counter_get(f.st, SYNACK_CTR_RackRecordOverflows), 2);
    assert_int_equal(rec(&f, cap - 1)->start, last_start);
    assert_int_equal(rec(&f, cap - 1)->end, f.c->snd_max);
    assert_int_equal(rec(&f, cap - 1)->xmit_ts, T0 + 6000); /* judged late, never early */
    teardown(&f); /* tcp_conn_free releases the log (ASan/valgrind check the rest) */
}

static void test_rate_snapshots_beside_records(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 0);
    assert_int_equal(tcp_rate_enable(f.c), 0);
    tcp_txlog *l = f.c->x->txlog;
    assert_non_null(l); /* the header: rate sampling's state */
    assert_null(l->rec);
    send_new(&f, 7, SEG);
    assert_int_equal(l->rack_on, 0);
    assert_non_null(l->snap);
    assert_int_equal(rec(&f, 0)->flags, TXREC_SNAP);
    assert_int_equal(tcp_txlog_snap(l, 0)->sent, T0 + 7);
    /* a bare FIN takes a record (RACK times it) but no snapshot */
    synack_set_time(f.st, T0 + 9);
    tcp_txlog_on_xmit(f.c, f.c->snd_max, f.c->snd_max + 1, 1);
    assert_int_equal(l->n, 2);
    assert_int_equal(rec(&f, 1)->flags, TXREC_FIN);
    teardown(&f);
}

/* With rate sampling a full ring doubles (up to TCP_TXLOG_MAX) instead of merging, and
 * keeps order and snapshots across a wrapped head. */
static void test_ring_grows_for_rate_sampling(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 0);
    assert_int_equal(tcp_rate_enable(f.c), 0);
    send_new(&f, 0, SEG);
    tcp_txlog *l = f.c->x->txlog;
    uint32_t cap = l->cap;
    for (uint32_t k = 1; k < cap; k++)
        send_new(&f, k, SEG);
    f.c->snd_una = ISS + cap / 2 * SEG;
    tcp_txlog_pop(l, f.c->snd_una);
    for (uint32_t k = 0; k < cap / 2 + 1; k++)
        send_new(&f, cap + k, SEG);
    assert_int_equal(l->cap, 2 * cap);
    assert_int_equal(l->n, cap + 1);
    assert_int_equal(synack_counter_get(f.st, SYNACK_CTR_RackRecordOverflows), 0);
    for (uint32_t i = 0; i < l->n; i++) {
        assert_int_equal(rec(&f, i)->start, f.c->snd_una + i * SEG);
        assert_int_equal(tcp_txlog_snap(l, i)->sent, T0 + cap / 2 + i);
    }
    assert_int_equal(synack_mem_in_use(f.st) - f.mem0,
                     sizeof(tcp_txlog) + 2 * cap * (sizeof(tcp_txrec) + sizeof(tcp_txsnap)));
    tcp_txlog_free(f.c);
    assert_int_equal(synack_mem_in_use(f.st), f.mem0);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_without_a_reader),
        cmocka_unit_test(test_append_resend_marks_and_pop),
        cmocka_unit_test(test_ring_wraps_and_overflows),
        cmocka_unit_test(test_rate_snapshots_beside_records),
        cmocka_unit_test(test_ring_grows_for_rate_sampling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
