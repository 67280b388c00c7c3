/* SPDX-License-Identifier: MIT */
/* The receive path verifies a segment's checksum before anything acts on it, also where
 * the check is fused with the copy into the receive ring (the next in-order data of an
 * established connection): a corrupt segment is refused with -EINVAL, counted as InErrs and
 * InCsumErrors, changes no state and delivers no byte — not even the bytes the fused copy
 * already placed past RCV.NXT — and the intact retransmission is delivered as sent. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "wire/ipv4.h"

#define PORT 80 /* FX_PORT */

typedef struct conn {
    seghost h;     /* the stack, its peer played here */
    int s;         /* the accepted socket */
    uint32_t siss; /* the stack's ISS */
    uint32_t rcv;  /* the stack's RCV.NXT */
} conn;

static void open_conn(conn *c)
{
    c->s = fx_sh_established(&c->h, NULL, &c->siss);
    c->rcv = FX_PEER_ISS + 1;
}

/* Hands the stack a data segment from the peer with byte `flip` of the TCP segment
 * (header or payload) XORed with 0x20 after the checksum was computed; flip < 0 sends it
 * intact. Returns synack_input()'s result. */
static int send_data(conn *c, uint32_t seq, const char *data, int flip)
{
    uint8_t frame[1600];
    size_t n = seg_build(frame, sizeof frame, SH_PEER, SH_ADDR, FX_PEER_PORT, PORT, seq,
                         c->siss + 1, TCP_ACK | TCP_PSH, 65535, data, strlen(data), NULL);
    assert_true(n > 0);
    if (flip >= 0)
        frame[IPV4_HDR_LEN + (size_t)flip] ^= 0x20;
    return synack_input(c->h.st, c->h.now, frame, n);
}

static uint64_t ctr(const conn *c, synack_counter k)
{
    return synack_counter_get(c->h.st, k);
}

static void assert_nothing_readable(conn *c)
{
    char buf[64];
    assert_int_equal(synack_recv(c->h.st, c->s, buf, sizeof buf, 0), -EAGAIN);
}

static void assert_reads(conn *c, const char *want)
{
    char buf[64] = {0};
    ssize_t n = synack_recv(c->h.st, c->s, buf, sizeof buf - 1, 0);
    assert_int_equal(n, (ssize_t)strlen(want));
    assert_string_equal(buf, want);
}

/* In-order data with a flipped payload byte reaching an idle connection (no transfer
 * block yet: the checksum is verified whole, before any copy). */
static void test_corrupt_in_order_payload_is_refused(void **state)
{
    (void)state;
    conn c;
    open_conn(&c);
    size_t out = c.h.nout;
    uint64_t segs = ctr(&c, SYNACK_CTR_InSegs);
    assert_int_equal(send_data(&c, c.rcv, "hello, world", 20 + 3), -EINVAL);
    assert_int_equal(ctr(&c, SYNACK_CTR_InCsumErrors), 1);
    assert_int_equal(ctr(&c, SYNACK_CTR_InErrs), 1);
    assert_int_equal(ctr(&c, SYNACK_CTR_InSegs), segs); /* never reached TCP */
    sh_run_for(&c.h, 500000);
    assert_int_equal(c.h.nout, out); /* not even an ACK */
    assert_nothing_readable(&c);

    /* the same bytes intact: delivered as sent, not as the refused copy had them */
    assert_int_equal(send_data(&c, c.rcv, "hello, world", -1), 0);
    assert_reads(&c, "hello, world");
    assert_int_equal(ctr(&c, SYNACK_CTR_InCsumErrors), 1);
    sh_free(&c.h);
}

/* A refused segment leaves its bytes past RCV.NXT; a shorter intact one must not expose
 * the rest of them. */
static void test_refused_bytes_never_surface(void **state)
{
    (void)state;
    conn c;
    open_conn(&c);
    assert_int_equal(send_data(&c, c.rcv, "XXXXXXXXXXXXXXXXXXXXXXXX", 20 + 1), -EINVAL);
    assert_int_equal(send_data(&c, c.rcv, "ok", -1), 0);
    assert_reads(&c, "ok");
    assert_nothing_readable(&c);
    assert_int_equal(send_data(&c, c.rcv + 2, "fine", -1), 0);
    assert_reads(&c, "fine");
    sh_free(&c.h);
}

/* The fused path itself: data is moving (the connection holds unread bytes and owes an
 * ACK, so it has its transfer block and receive ring), and the next in-order segment is
 * corrupt. Its checksum is completed by the copy into the ring; it must be refused exactly
 * like the idle case, its bytes never readable, and the intact retransmission delivered. */
static void test_corrupt_segment_while_data_moves(void **state)
{
    (void)state;
    conn c;
    open_conn(&c);
    assert_int_equal(send_data(&c, c.rcv, "first", -1), 0);
    uint64_t segs = ctr(&c, SYNACK_CTR_InSegs);
    size_t out = c.h.nout;
    assert_int_equal(send_data(&c, c.rcv + 5, "SECOND-corrupt", 20 + 2), -EINVAL);
    assert_int_equal(ctr(&c, SYNACK_CTR_InCsumErrors), 1);
    assert_int_equal(ctr(&c, SYNACK_CTR_InErrs), 1);
    assert_int_equal(ctr(&c, SYNACK_CTR_InSegs), segs); /* never reached TCP */
    assert_int_equal(c.h.nout, out);                    /* no ACK for it */
    assert_reads(&c, "first");
    assert_nothing_readable(&c);

    /* a corrupt segment of the same length as the intact one that follows */
    assert_int_equal(send_data(&c, c.rcv + 5, "second", 20 + 5), -EINVAL);
    assert_int_equal(ctr(&c, SYNACK_CTR_InCsumErrors), 2);
    assert_nothing_readable(&c);
    assert_int_equal(send_data(&c, c.rcv + 5, "second", -1), 0);
    assert_reads(&c, "second");
    assert_nothing_readable(&c);
    assert_int_equal(ctr(&c, SYNACK_CTR_InErrs), 2);
    sh_free(&c.h);
}

/* A flipped header byte (the window field) and a corrupt out-of-order segment (verified
 * whole, not fused) are refused the same way. */
static void test_corrupt_header_and_out_of_order(void **state)
{
    (void)state;
    conn c;
    open_conn(&c);
    assert_int_equal(send_data(&c, c.rcv, "abc", 14), -EINVAL);
    assert_int_equal(send_data(&c, c.rcv + 10, "later", 20), -EINVAL);
    assert_int_equal(ctr(&c, SYNACK_CTR_InCsumErrors), 2);
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPOFOQueue), 0);
    assert_int_equal(send_data(&c, c.rcv + 3, "later", -1), 0); /* held out of order */
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPOFOQueue), 1);
    assert_int_equal(send_data(&c, c.rcv, "abc", -1), 0);
    assert_reads(&c, "abclater");
    sh_free(&c.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corrupt_in_order_payload_is_refused),
        cmocka_unit_test(test_refused_bytes_never_surface),
        cmocka_unit_test(test_corrupt_header_and_out_of_order),
        cmocka_unit_test(test_corrupt_segment_while_data_moves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
