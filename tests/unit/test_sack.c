/* SPDX-License-Identifier: MIT */
/* The sender's SACK scoreboard (src/tcp/sack.c): RFC 2018 blocks taken in as sorted,
 * disjoint ranges above SND.UNA (overlapping and adjacent ones merged, blocks about data not
 * outstanding ignored, D-SACKs of RFC 2883 counted and skipped), the highest SACKed byte,
 * RFC 6675 IsLost / SetPipe / NextSeg, pruning at the cumulative ACK, and what happens when
 * a receiver reports more than TCP_SACK_SCOREBOARD (32) ranges: the highest is forgotten
 * into one span, counted as SackScoreboardOverflows, and never resent as a hole. RACK is
 * off here (no transmit log), so pipe and holes follow RFC 6675 alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/tcb_fixture.h"
#include "tcp/sack.h"
#include "tcp/tcp.h"

#define UNA 1000u
#define MSS 100u

static tcb_fixture make(uint32_t outstanding)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = 0;
    tcb_fixture f;
    tcb_fixture_init(&f, &cfg, 1000000, MSS);
    tcp_conn *c = f.c;
    c->sack_ok = 1;
    c->snd_una = UNA;
    c->snd_nxt = c->snd_max = UNA + outstanding;
    c->x->high_rxt = c->x->high_sacked = UNA;
    return f;
}

/* An ACK of SND.UNA carrying the n blocks in lr (left, right pairs). */
static void sack(tcb_fixture *f, size_t n, const uint32_t *lr)
{
    tcp_seg seg;
    memset(&seg, 0, sizeof(seg));
    seg.flags = TCP_ACK;
    seg.ack = f->c->snd_una;
    seg.opts.nsack = (uint8_t)n;
    for (size_t i = 0; i < n; i++) {
        seg.opts.sack[i].left = lr[2 * i];
        seg.opts.sack[i].right = lr[2 * i + 1];
    }
    tcp_sack_update(f->c, &seg);
}

static void sack1(tcb_fixture *f, uint32_t l, uint32_t r)
{
    const uint32_t lr[2] = {l, r};
    sack(f, 1, lr);
}

/* Asserts the scoreboard is exactly the n ranges in lr. */
static void assert_board(const tcb_fixture *f, uint32_t n, const uint32_t *lr)
{
    const tcp_xfer *x = f->c->x;
    assert_int_equal(x->nsb, n);
    uint32_t bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(x->sb[i].left, lr[2 * i]);
        assert_int_equal(x->sb[i].right, lr[2 * i + 1]);
        bytes += lr[2 * i + 1] - lr[2 * i];
    }
    assert_int_equal(x->sacked_bytes, bytes);
}

static uint64_t ctr(const tcb_fixture *f, synack_counter k)
{
    return synack_counter_get(f->st, k);
}

/* RFC 2018: blocks arrive in any order; the board keeps them sorted and disjoint. */
static void test_insert_sorted(void **state)
{
    (void)state;
    tcb_fixture f = make(10 * MSS);
    sack1(&f, 1500, 1600);
    sack1(&f, 1200, 1300);
    sack1(&f, 1800, 1900);
    const uint32_t want[] = {1200, 1300, 1500, 1600, 1800, 1900};
    assert_board(&f, 3, want);
    assert_int_equal(f.c->x->high_sacked, 1900);
    assert_int_equal(ctr(&f, SYNACK_CTR_TCPSACKRecv), 3);
    tcb_fixture_free(&f);
}

/* Overlapping and adjacent ranges merge; a block inside a range changes nothing; one that
 * covers several swallows them. */
static void test_merge_overlap_adjacent_contained(void **state)
{
    (void)state;
    tcb_fixture f = make(10 * MSS);
    const uint32_t three[] = {1200, 1300, 1500, 1600, 1800, 1900};
    sack(&f, 3, three);
    sack1(&f, 1250, 1550); /* overlaps the first two */
    const uint32_t w1[] = {1200, 1600, 1800, 1900};
    assert_board(&f, 2, w1);
    sack1(&f, 1600, 1800); /* touches both: adjacent ranges join */
    const uint32_t w2[] = {1200, 1900};
    assert_board(&f, 1, w2);
    sack1(&f, 1300, 1400); /* inside */
    assert_board(&f, 1, w2);
    sack1(&f, 1000, 1100);
    sack1(&f, 1950, 2000);
    const uint32_t w3[] = {1000, 1100, 1200, 1900, 1950, 2000};
    assert_board(&f, 3, w3);
    sack1(&f, 1050, 1990); /* swallows the three */
    const uint32_t w4[] = {1000, 2000};
    assert_board(&f, 1, w4);
    assert_int_equal(f.c->x->high_sacked, 2000);
    tcb_fixture_free(&f);
}

/* Blocks about data not outstanding (below SND.UNA, above SND.MAX, empty or inverted) are
 * ignored; a D-SACK (RFC 2883 4: first block at or below the ACK, or inside the second)
 * is counted and skipped while the rest of the option is used. */
static void test_ignored_blocks_and_dsack(void **state)
{
    (void)state;
    tcb_fixture f = make(10 * MSS);
    sack1(&f, 900, 1100);  /* starts below SND.UNA */
    sack1(&f, 1900, 2001); /* ends above SND.MAX */
    sack1(&f, 1500, 1500); /* empty */
    sack1(&f, 1600, 1500); /* inverted */
    assert_int_equal(f.c->x->nsb, 0);
    assert_int_equal(ctr(&f, SYNACK_CTR_TCPSACKRecv), 0);

    const uint32_t below_ack[] = {900, 1000, 1400, 1500};
    sack(&f, 2, below_ack);
    assert_int_equal(ctr(&f, SYNACK_CTR_TCPDSACKRecv), 1);
    const uint32_t w1[] = {1400, 1500};
    assert_board(&f, 1, w1);
    const uint32_t inside_second[] = {1420, 1480, 1400, 1600};
    sack(&f, 2, inside_second);
    assert_int_equal(ctr(&f, SYNACK_CTR_TCPDSACKRecv), 2);
    const uint32_t w2[] = {1400, 1600};
    assert_board(&f, 1, w2);
    assert_int_equal(ctr(&f, SYNACK_CTR_TCPSACKRecv), 2);
    tcb_fixture_free(&f);
}

/* The highest SACKed byte only moves forward; the cumulative ACK prunes and clips ranges
 * and, with nothing left, brings it to SND.UNA. */
static void test_high_sacked_and_prune(void **state)
{
    (void)state;
    tcb_fixture f = make(10 * MSS);
    sack1(&f, 1800, 1900);
    sack1(&f, 1200, 1300);
    assert_int_equal(f.c->x->high_sacked, 1900);
    f.c->snd_una = 1250;
    tcp_sack_prune(f.c);
    const uint32_t w1[] = {1250, 1300, 1800, 1900};
    assert_board(&f, 2, w1);
    assert_int_equal(f.c->x->high_sacked, 1900);
    assert_int_equal(f.c->x->high_rxt, 1250);
    f.c->snd_una = 1900;
    tcp_sack_prune(f.c);
    assert_board(&f, 0, NULL);
    assert_int_equal(f.c->x->high_sacked, 1900);
    tcb_fixture_free(&f);
}

/* RFC 6675 IsLost, SetPipe and NextSeg over ten segments of 100 bytes: a hole is lost
 * when DupThresh (3) ranges or more than 2 * SMSS bytes are SACKed above it; pipe counts
 * every outstanding byte not SACKed and not lost-and-unsent; a resent hole counts again. */
static void test_pipe_is_lost_next_seg(void **state)
{
    (void)state;
    tcb_fixture f = make(10 * MSS);
    tcp_conn *c = f.c;
    uint32_t seq = 0;
    assert_int_equal(tcp_sack_pipe(c), 1000);
    sack1(&f, 1100, 1200);
    assert_int_equal(tcp_sack_first_lost(c), 0); /* 1 range, 100 bytes */
    assert_int_equal(tcp_sack_pipe(c), 900);
    assert_int_equal(tcp_sack_next_hole(c, &seq, 1000, 0), 0);
    sack1(&f, 1300, 1400);
    assert_int_equal(tcp_sack_first_lost(c), 0); /* 2 ranges, 200 bytes: not more */
    assert_int_equal(tcp_sack_pipe(c), 800);
    sack1(&f, 1500, 1600);
    assert_int_equal(tcp_sack_first_lost(c), 1); /* 3 ranges */
    /* holes [1000,1100) lost; [1200,1300) and [1400,1500) not (2 and 1 ranges above) */
    assert_int_equal(tcp_sack_pipe(c), 1000 - 300 - 100);
    assert_int_equal(tcp_sack_next_hole(c, &seq, 1000, 0), 100);
    assert_int_equal(seq, 1000);
    assert_int_equal(tcp_sack_next_hole(c, &seq, 60, 0), 60);
    assert_int_equal(seq, 1000);
    c->x->high_rxt = 1100; /* the lost hole was resent: in the network again */
    assert_int_equal(tcp_sack_pipe(c), 700);
    assert_int_equal(tcp_sack_next_hole(c, &seq, 1000, 0), 0);
    assert_int_equal(tcp_sack_next_hole(c, &seq, 1000, 1), 100); /* rule 3: any unSACKed */
    assert_int_equal(seq, 1200);
    sack1(&f, 1700, 1750); /* now 3 ranges above 1200 as well */
    assert_int_equal(tcp_sack_next_hole(c, &seq, 1000, 0), 100);
    assert_int_equal(seq, 1200);
    assert_int_equal(tcp_sack_pipe(c), 1000 - 350 - 100);
    tcp_sack_clear(c); /* RTO: the receiver may renege */
    assert_board(&f, 0, NULL);
    assert_int_equal(c->x->high_rxt, UNA);
    assert_int_equal(tcp_sack_pipe(c), 1000);
    tcb_fixture_free(&f);
}

/* IsLost's two triggers apart: DupThresh ranges of few bytes, or few ranges of more than
 * (DupThresh - 1) * SMSS bytes. */
static void test_is_lost_by_ranges_or_bytes(void **state)
{
    (void)state;
    tcb_fixture f = make(10 * MSS);
    const uint32_t two_small[] = {1100, 1150, 1200, 1250};
    sack(&f, 2, two_small);
    assert_int_equal(tcp_sack_first_lost(f.c), 0);
    sack1(&f, 1300, 1350); /* a third range, 150 bytes in all */
    assert_int_equal(tcp_sack_first_lost(f.c), 1);
    tcb_fixture_free(&f);

    f = make(10 * MSS);
    sack1(&f, 1100, 1300); /* exactly 2 * SMSS: not more */
    assert_int_equal(tcp_sack_first_lost(f.c), 0);
    sack1(&f, 1400, 1401); /* 201 bytes in 2 ranges */
    assert_int_equal(tcp_sack_first_lost(f.c), 1);
    tcb_fixture_free(&f);
}

#define RANGE_L(i) (UNA + 200u * (i) + 100u)
#define RANGE_R(i) (UNA + 200u * (i) + 200u)
#define FORGOT(f) ((f).c->x->sb[TCP_SACK_SCOREBOARD])

/* A 33rd range above the 32 kept is forgotten into the span and counted; a new low range
 * when full pushes the highest kept one into the span; bytes in the span leave the pipe
 * and are never offered as a hole, except the segment at SND.UNA. */
static void test_32_range_overflow(void **state)
{
    (void)state;
    assert_int_equal(TCP_SACK_SCOREBOARD, 32);
    tcb_fixture f = make(70 * MSS);
    tcp_conn *c = f.c;
    for (uint32_t i = 0; i < 32; i++)
        sack1(&f, RANGE_L(i), RANGE_R(i));
    assert_int_equal(c->x->nsb, 32);
    assert_int_equal(ctr(&f, SYNACK_CTR_SackScoreboardOverflows), 0);
    sack1(&f, RANGE_L(32), RANGE_R(32)); /* [7500,7600) */
    assert_int_equal(c->x->nsb, 32);
    assert_int_equal(c->x->sacked_bytes, 3200);
    assert_int_equal(c->x->sb[31].left, RANGE_L(31));
    assert_int_equal(ctr(&f, SYNACK_CTR_SackScoreboardOverflows), 1);
    assert_int_equal(FORGOT(f).left, 7500);
    assert_int_equal(FORGOT(f).right, 7600);
    assert_int_equal(c->x->high_sacked, 7600);
    /* 7000 out - 3200 SACKed - 100 in the span - 31 lost holes (the ones with 3 or more
     * ranges above, the span counting as one) */
    assert_int_equal(tcp_sack_pipe(c), 7000 - 3200 - 100 - 3100);

    sack1(&f, 1020, 1050); /* below every range, not adjacent: the highest kept goes */
    assert_int_equal(c->x->nsb, 32);
    assert_int_equal(c->x->sb[0].left, 1020);
    assert_int_equal(c->x->sb[0].right, 1050);
    assert_int_equal(c->x->sb[31].left, RANGE_L(30));
    assert_int_equal(c->x->sacked_bytes, 3200 - 100 + 30);
    assert_int_equal(ctr(&f, SYNACK_CTR_SackScoreboardOverflows), 2);
    assert_int_equal(FORGOT(f).left, RANGE_L(31));
    assert_int_equal(FORGOT(f).right, 7600);

    /* the hole [7400,7500) inside the span is never a hole to resend (the receiver may
     * hold it); the last one offered by rule 3 is below the span */
    uint32_t seq = 0, len, last = 0;
    c->x->high_rxt = 7000;
    while ((len = tcp_sack_next_hole(c, &seq, 1000, 1)) != 0) {
        last = seq;
        c->x->high_rxt = seq + len;
    }
    assert_int_equal(last, RANGE_R(30));
    assert_int_equal(c->x->high_rxt, RANGE_L(31));

    /* SND.UNA walks into the span: pruned; the span is clipped */
    c->snd_una = 7350;
    tcp_sack_prune(c);
    assert_int_equal(c->x->nsb, 0);
    assert_int_equal(FORGOT(f).left, 7350);
    assert_int_equal(FORGOT(f).right, 7600);
    /* 250 bytes the receiver may hold above SND.UNA: more than 2 * SMSS, so SND.UNA is lost */
    assert_int_equal(tcp_sack_first_lost(c), 1);
    tcb_fixture_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_sorted),
        cmocka_unit_test(test_merge_overlap_adjacent_contained),
        cmocka_unit_test(test_ignored_blocks_and_dsack),
        cmocka_unit_test(test_high_sacked_and_prune),
        cmocka_unit_test(test_pipe_is_lost_next_seg),
        cmocka_unit_test(test_is_lost_by_ranges_or_bytes),
        cmocka_unit_test(test_32_range_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
