/* SPDX-License-Identifier: MIT */
/* D-SACK (RFC 2883): a receiver that gets data twice says so in the first SACK block of
 * the ACK it sends at once, so the sender can tell a spurious retransmission. A duplicate
 * below RCV.NXT is reported alone; a duplicate of out-of-order data is followed by the
 * block that holds it (RFC 2883 4); only the duplicate part of a segment is reported;
 * without SACK nothing is. And synack's own sender hears it: a retransmission that was not
 * needed is counted (TCPDSACKRecv) when a synack receiver reports it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"

#define PEER_ISS FX_PEER_ISS
#define PORT FX_PORT
#define PPORT FX_PEER_PORT
#define SEG 100u

/* An accepted connection; the peer offers MSS 1460 and, as asked, SACK and timestamps.
 * Returns the accepted socket. */
static int open_conn(seghost *h, int sack, int ts, uint32_t *siss)
{
    return fx_sh_established_opts(h, NULL, sack, ts, siss);
}

static uint32_t at(uint32_t k)
{
    return PEER_ISS + 1 + k * SEG;
}

/* The peer sends len bytes at seq; returns how many segments the stack answered with. */
static size_t send_at(seghost *h, uint32_t siss, uint32_t seq, uint32_t len, int ts)
{
    uint8_t data[4 * SEG];
    assert_true(len <= sizeof(data));
    memset(data, 'a' + (int)(seq % 26), len);
    tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_ts = (uint8_t)ts;
    o.ts_val = 200;
    size_t mark = h->nout;
    sh_send(h, PPORT, PORT, seq, siss + 1, TCP_ACK, 65535, data, len, ts ? &o : NULL);
    return h->nout - mark;
}

static void assert_block(const sh_seg *a, int i, uint32_t left, uint32_t right)
{
    assert_true(i < a->s.opts.nsack);
    assert_int_equal(a->s.opts.sack[i].left, left);
    assert_int_equal(a->s.opts.sack[i].right, right);
}

static uint64_t ctr(const seghost *h, synack_counter c)
{
    return synack_counter_get(h->st, c);
}

/* Segment 0 arrives twice: the second copy lies wholly below RCV.NXT. The ACK goes out at
 * once (the first copy's ACK was still delayed) and carries exactly the D-SACK block; the
 * next ACK reports nothing (each duplicate once, RFC 2883 4). */
static void test_duplicate_below_rcv_nxt(void **state)
{
    (void)state;
    seghost h;
    uint32_t siss;
    open_conn(&h, 1, 0, &siss);
    assert_int_equal(send_at(&h, siss, at(0), SEG, 0), 0); /* delayed ACK */
    assert_int_equal(send_at(&h, siss, at(0), SEG, 0), 1);
    const sh_seg *a = sh_last(&h);
    assert_int_equal(a->s.flags, TCP_ACK);
    assert_int_equal(a->s.seq, siss + 1);
    assert_int_equal(a->s.ack, at(1));
    assert_int_equal(a->s.payload_len, 0);
    assert_int_equal(a->s.opts.nsack, 1);
    assert_block(a, 0, at(0), at(1));
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPDSACKOldSent), 1);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPDSACKOfoSent), 0);

    assert_int_equal(send_at(&h, siss, at(1), SEG, 0), 0);
    size_t mark = h.nout;
    sh_run_for(&h, 100000);
    assert_int_equal(h.nout, mark + 1); /* the delayed ACK of segment 1 */
    assert_int_equal(sh_last(&h)->s.ack, at(2));
    assert_int_equal(sh_last(&h)->s.opts.nsack, 0);
    sh_free(&h);
}

/* Segment 3 arrives again while 2-3 and 5 are held above a hole at 0: D-SACK 3, then the
 * range 2-3 that holds it, then the other range (RFC 2883 4, example 4.1.3 style). */
static void test_duplicate_of_out_of_order_range(void **state)
{
    (void)state;
    seghost h;
    uint32_t siss;
    open_conn(&h, 1, 0, &siss);
    assert_int_equal(send_at(&h, siss, at(2), SEG, 0), 1);
    assert_int_equal(send_at(&h, siss, at(3), SEG, 0), 1);
    assert_int_equal(send_at(&h, siss, at(5), SEG, 0), 1);
    assert_int_equal(sh_last(&h)->s.opts.nsack, 2);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPDSACKOfoSent), 0);

    assert_int_equal(send_at(&h, siss, at(3), SEG, 0), 1);
    const sh_seg *a = sh_last(&h);
    assert_int_equal(a->s.ack, at(0));
    assert_int_equal(a->s.opts.nsack, 3);
    assert_block(a, 0, at(3), at(4));
    assert_block(a, 1, at(2), at(4));
    assert_block(a, 2, at(5), at(6));
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPDSACKOfoSent), 1);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPDSACKOldSent), 0);

    /* The next out-of-order segment brings the ordinary blocks back: newest first. */
    assert_int_equal(send_at(&h, siss, at(7), SEG, 0), 1);
    a = sh_last(&h);
    assert_int_equal(a->s.opts.nsack, 3);
    assert_block(a, 0, at(7), at(8));
    assert_block(a, 1, at(5), at(6));
    assert_block(a, 2, at(2), at(4));
    sh_free(&h);
}

/* With timestamps three blocks fit: the D-SACK block, the range holding it, and the
 * highest other range; lower ones are left out. */
static void test_duplicate_with_timestamps_fits_three_blocks(void **state)
{
    (void)state;
    seghost h;
    uint32_t siss;
    open_conn(&h, 1, 1, &siss);
    for (uint32_t k = 2; k <= 8; k += 2)
        assert_int_equal(send_at(&h, siss, at(k), SEG, 1), 1);
    assert_int_equal(send_at(&h, siss, at(4), SEG, 1), 1);
    const sh_seg *a = sh_last(&h);
    assert_true(a->s.opts.has_ts);
    assert_int_equal(a->s.opts.nsack, 3);
    assert_block(a, 0, at(4), at(5));
    assert_block(a, 1, at(4), at(5));
    assert_block(a, 2, at(8), at(9));
    sh_free(&h);
}

/* Without SACK the duplicate is still ACKed at once, with no SACK option at all. */
static void test_no_dsack_without_sack(void **state)
{
    (void)state;
    seghost h;
    uint32_t siss;
    open_conn(&h, 0, 0, &siss);
    assert_int_equal(send_at(&h, siss, at(0), SEG, 0), 0);
    assert_int_equal(send_at(&h, siss, at(0), SEG, 0), 1);
    const sh_seg *a = sh_last(&h);
    assert_int_equal(a->s.ack, at(1));
    assert_int_equal(a->s.opts.nsack, 0);
    assert_int_equal(send_at(&h, siss, at(3), SEG, 0), 1);
    assert_int_equal(send_at(&h, siss, at(3), SEG, 0), 1);
    assert_int_equal(sh_last(&h)->s.opts.nsack, 0);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPDSACKOldSent), 0);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPDSACKOfoSent), 0);
    sh_free(&h);
}

/* A segment that is half old, half new: only the old half is reported, below RCV.NXT; one
 * that overlaps held out-of-order data: only the overlap, then the grown range. */
static void test_partial_duplicate(void **state)
{
    (void)state;
    seghost h;
    uint32_t siss;
    open_conn(&h, 1, 0, &siss);
    assert_int_equal(send_at(&h, siss, at(0), SEG, 0), 0);
    assert_int_equal(send_at(&h, siss, at(0) + 50, 150, 0), 1);
    const sh_seg *a = sh_last(&h);
    assert_int_equal(a->s.ack, at(2));
    assert_int_equal(a->s.opts.nsack, 1);
    assert_block(a, 0, at(0) + 50, at(1));
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPDSACKOldSent), 1);

    assert_int_equal(send_at(&h, siss, at(3), SEG, 0), 1);
    assert_int_equal(send_at(&h, siss, at(3) + 50, SEG, 0), 1);
    a = sh_last(&h);
    assert_int_equal(a->s.ack, at(2));
    assert_int_equal(a->s.opts.nsack, 2);
    assert_block(a, 0, at(3) + 50, at(4));
    assert_block(a, 1, at(3), at(4) + 50);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPDSACKOfoSent), 1);

    /* Filling the hole with a segment that runs into the held range: the overlap is a
     * duplicate, now below the new RCV.NXT. */
    assert_int_equal(send_at(&h, siss, at(2), 2 * SEG, 0), 1);
    a = sh_last(&h);
    assert_int_equal(a->s.ack, at(4) + 50);
    assert_int_equal(a->s.opts.nsack, 1);
    assert_block(a, 0, at(3), at(4));
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPDSACKOfoSent), 2);
    sh_free(&h);
}

/* A D-SACK block that rides on a data segment takes its room from the payload, as the
 * SACK blocks do (RFC 2018 4), or the frame would outgrow the MTU: with MSS 1460 and no
 * timestamps, 1448 bytes go with the block's 12 option bytes; the next segment carries no
 * block (each duplicate is reported once). */
static void test_dsack_on_data_segment(void **state)
{
    (void)state;
    seghost h;
    uint32_t siss;
    int s = open_conn(&h, 1, 0, &siss);
    sh_send(&h, PPORT, PORT, at(0), siss + 1, TCP_ACK, 1460, NULL, 0, NULL); /* shrink */
    uint8_t buf[3000];
    memset(buf, 'w', sizeof(buf));
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, buf, sizeof(buf), 0), sizeof(buf));
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.payload_len, 1460);
    uint8_t first[SEG];
    memset(first, 'f', sizeof(first));
    mark = h.nout;
    sh_send(&h, PPORT, PORT, at(0), siss + 1, TCP_ACK, 1460, first, sizeof(first), NULL);
    assert_int_equal(h.nout, mark); /* delayed ACK, no window for more data */

    /* Half old, half new, acknowledging the 1460 bytes and opening the window. */
    uint8_t data[150];
    memset(data, 'p', sizeof(data));
    mark = h.nout;
    sh_send(&h, PPORT, PORT, at(0) + 50, siss + 1 + 1460, TCP_ACK, 65535, data, sizeof(data), NULL);
    assert_int_equal(h.nout, mark + 1); /* the 92 bytes left wait for it (Nagle) */
    const sh_seg *d1 = &h.out[mark];
    assert_int_equal(d1->s.seq, siss + 1 + 1460);
    assert_int_equal(d1->s.ack, at(2));
    assert_int_equal(d1->s.payload_len, 1448);
    assert_int_equal(d1->s.opts.nsack, 1);
    assert_block(d1, 0, at(0) + 50, at(1));
    mark = h.nout;
    sh_send(&h, PPORT, PORT, at(2), siss + 1 + 1460 + 1448, TCP_ACK, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.seq, siss + 1 + 1460 + 1448);
    assert_int_equal(h.out[mark].s.payload_len, 3000 - 1460 - 1448);
    assert_int_equal(h.out[mark].s.opts.nsack, 0);
    assert_int_equal(h.bad_frames, 0);
    sh_free(&h);
}

/* Two synack stacks: the server's ACK of the client's data is lost, the client's RTO
 * resends data the server already has, and the server's D-SACK reaches the client's
 * sender, which counts it. */
static void test_spurious_retransmission_reported(void **state)
{
    (void)state;
    pair p;
    int cs;
    fx_established(&p, NULL, 1000, &cs);
    size_t mark = p.nsegs;
    size_t drop = mark + 1; /* the server's (delayed) ACK of the data */
    p.filter = fx_drop_nth;
    p.filter_ctx = &drop;
    uint8_t data[1000];
    memset(data, 'x', sizeof(data));
    assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs, data, sizeof(data), 0), sizeof(data));
    pair_run_for(&p, 2000000);
    fx_assert_flow(&p, mark, "C:P./1000|S:.|C:P./1000|S:.");
    const pair_seg *d = &p.segs[mark], *ack = &p.segs[mark + 3];
    assert_true(p.segs[mark + 1].dropped);
    assert_int_equal(p.segs[mark + 2].s.seq, d->s.seq);
    assert_int_equal(ack->s.ack, d->s.seq + 1000);
    assert_int_equal(ack->s.nsack, 1);
    assert_int_equal(ack->s.sack[0][0], d->s.seq);
    assert_int_equal(ack->s.sack[0][1], d->s.seq + 1000);
    assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_TCPDSACKOldSent), 1);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_RetransSegs), 1);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_TCPDSACKRecv), 1);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate_below_rcv_nxt),
        cmocka_unit_test(test_duplicate_of_out_of_order_range),
        cmocka_unit_test(test_duplicate_with_timestamps_fits_three_blocks),
        cmocka_unit_test(test_no_dsack_without_sack),
        cmocka_unit_test(test_partial_duplicate),
        cmocka_unit_test(test_dsack_on_data_segment),
        cmocka_unit_test(test_spurious_retransmission_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
