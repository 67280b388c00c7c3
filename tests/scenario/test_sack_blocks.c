/* SPDX-License-Identifier: MIT */
/* The SACK blocks a receiver sends (RFC 2018 4): the first block holds the segment that
 * triggered the ACK; with more out-of-order ranges than blocks fit, the newest data is
 * never the one left out. (Found against the Linux kernel on a TAP device: with three
 * blocks listed lowest first, the kernel never heard of data above the third hole.) */
#include <errno.h>
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

/* An accepted connection whose peer offered SACK (and MSS 1460, no timestamps: four SACK
 * blocks fit in the options). */
static int open_conn(seghost *h, uint32_t *siss)
{
    return fx_sh_established_opts(h, NULL, 1, 0, siss);
}

/* The peer sends segment k (SEG bytes at PEER_ISS + 1 + k * SEG). */
static const sh_seg *send_seg(seghost *h, uint32_t siss, uint32_t k)
{
    uint8_t data[SEG];
    memset(data, 'a' + (int)(k % 26), sizeof(data));
    size_t mark = h->nout;
    sh_send(h, PPORT, PORT, PEER_ISS + 1 + k * SEG, siss + 1, TCP_ACK, 65535, data, SEG, NULL);
    assert_int_equal(h->nout, mark + 1); /* out-of-order data is ACKed at once */
    return &h->out[mark];
}

static uint32_t at(uint32_t k)
{
    return PEER_ISS + 1 + k * SEG;
}

static void test_first_block_is_the_newest_segment(void **state)
{
    (void)state;
    seghost h;
    uint32_t siss;
    open_conn(&h, &siss);
    /* Segment 0 is missing; 2, 4, 6, 8 and 10 arrive, each behind its own hole. */
    const sh_seg *a = NULL;
    for (uint32_t k = 2; k <= 10; k += 2)
        a = send_seg(&h, siss, k);
    assert_int_equal(a->s.ack, at(0));
    assert_int_equal(a->s.opts.nsack, 4);
    assert_int_equal(a->s.opts.sack[0].left, at(10));
    assert_int_equal(a->s.opts.sack[0].right, at(11));
    /* The rest highest first: 8, 6, 4 (2, the lowest, does not fit). */
    assert_int_equal(a->s.opts.sack[1].left, at(8));
    assert_int_equal(a->s.opts.sack[2].left, at(6));
    assert_int_equal(a->s.opts.sack[3].left, at(4));

    /* A segment that fills the gap between two low ranges makes the merged range (2-4)
     * the first block. */
    a = send_seg(&h, siss, 3);
    assert_int_equal(a->s.opts.sack[0].left, at(2));
    assert_int_equal(a->s.opts.sack[0].right, at(5));
    assert_int_equal(a->s.opts.sack[1].left, at(10));
    assert_int_equal(a->s.opts.sack[2].left, at(8));
    assert_int_equal(a->s.opts.sack[3].left, at(6));
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_block_is_the_newest_segment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
