/* SPDX-License-Identifier: MIT */
/* Urgent data (RFC 9293 3.8.5, RFC 6093), as Linux reads it: the urgent pointer points to
 * the byte after the urgent data; that last byte is read with recv(MSG_OOB), once, and is
 * not part of the stream unless SO_OOBINLINE; reads stop at the mark; sockatmark says when
 * the reader stands at it; POLLPRI while the byte waits. send(MSG_OOB) sets URG with the
 * pointer after the send's last byte, on every segment below it, resent ones too. */
#include <errno.h>
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
#include "wire/checksum.h"

#define PEER_DATA (FX_PEER_ISS + 1u) /* the peer's first data sequence number */

/* The peer sends len bytes at seq; with urg, the URG flag and that urgent pointer (the
 * segment builder has no field for it: it is patched in, the checksum updated as RFC 1624
 * says for a 16-bit field that was 0). */
static void peer_data(seghost *h, uint32_t seq, uint32_t ack, const void *data, size_t len, int urg,
                      uint16_t ptr)
{
    uint8_t frame[SEG_FRAME_MAX];
    size_t n = seg_build(frame, sizeof(frame), SH_PEER, SH_ADDR, FX_PEER_PORT, FX_PORT, seq, ack,
                         TCP_ACK | TCP_PSH | (urg ? TCP_URG : 0), 65535, data, len, NULL);
    assert_true(n > 0);
    uint8_t *th = frame + 20;
    uint32_t sum = (uint16_t) ~(uint16_t)((th[16] << 8) | th[17]);
    sum += ptr;
    sum = (sum & 0xffff) + (sum >> 16);
    uint16_t csum = (uint16_t) ~(uint16_t)sum;
    th[16] = (uint8_t)(csum >> 8);
    th[17] = (uint8_t)csum;
    th[18] = (uint8_t)(ptr >> 8);
    th[19] = (uint8_t)ptr;
    assert_int_equal(synack_input(h->st, h->now, frame, n), 0);
}

static uint8_t bytes[200];

static void fill(void)
{
    for (size_t i = 0; i < sizeof(bytes); i++)
        bytes[i] = (uint8_t)i;
}

static void test_mark_splits_reads_and_oob_byte_once(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss);
    fill();
    assert_int_equal(synack_sockatmark(h.st, s), 0);
    assert_int_equal(synack_sock_watch(h.st, s, POLLPRI, NULL), 0);
    assert_int_equal(synack_sock_ready_pending(h.st), 0);
    /* 100 bytes, urgent pointer 100: the urgent byte is the last one (value 99) */
    peer_data(&h, PEER_DATA, iss + 1, bytes, 100, 1, 100);
    assert_int_equal(fx_poll(h.st, s, POLLIN | POLLPRI), POLLIN | POLLPRI);
    synack_ready r;
    assert_int_equal(synack_sock_ready(h.st, &r, 1), 1); /* the POLLPRI edge */
    assert_true(r.revents & POLLPRI);
    assert_int_equal(synack_sockatmark(h.st, s), 0);
    uint8_t buf[256];
    /* a read stops before the mark, though 100 bytes are there */
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 99);
    assert_memory_equal(buf, bytes, 99);
    assert_int_equal(synack_sockatmark(h.st, s), 1);
    /* the urgent byte is not in the stream: nothing readable in line */
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(fx_poll(h.st, s, POLLIN | POLLPRI), POLLPRI);
    /* peeked, then read out of band, once */
    buf[0] = 0;
    assert_int_equal(synack_recv(h.st, s, buf, 1, MSG_OOB | MSG_PEEK), 1);
    assert_int_equal(buf[0], 99);
    buf[0] = 0;
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), MSG_OOB), 1);
    assert_int_equal(buf[0], 99);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), MSG_OOB), -EINVAL);
    assert_int_equal(fx_poll(h.st, s, POLLIN | POLLPRI), 0);
    /* more data: the read steps over the urgent byte and the mark is gone */
    peer_data(&h, PEER_DATA + 100, iss + 1, bytes + 100, 10, 0, 0);
    sh_run_for(&h, 500000); /* the delayed ACK: every byte, the urgent one too */
    const sh_seg *a = sh_last(&h);
    assert_non_null(a);
    assert_int_equal(a->s.ack, PEER_DATA + 110);
    assert_int_equal(synack_recv(h.st, s, buf, 5, MSG_PEEK), 5);
    assert_memory_equal(buf, bytes + 100, 5);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 10);
    assert_memory_equal(buf, bytes + 100, 10);
    assert_int_equal(synack_sockatmark(h.st, s), 0);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), MSG_OOB), -EINVAL);
    sh_free(&h);
}

static void test_pointer_before_the_byte(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss);
    fill();
    /* the pointer (50) lies past this segment's 10 bytes: the byte is still to come */
    peer_data(&h, PEER_DATA, iss + 1, bytes, 10, 1, 50);
    uint8_t buf[256];
    assert_int_equal(synack_recv(h.st, s, buf, 1, MSG_OOB), -EAGAIN);
    assert_int_equal(fx_poll(h.st, s, POLLPRI), 0);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 10);
    /* a segment without URG brings it (sequence number PEER_DATA + 49) */
    peer_data(&h, PEER_DATA + 10, iss + 1, bytes + 10, 60, 0, 0);
    assert_int_equal(fx_poll(h.st, s, POLLPRI), POLLPRI);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 39);
    assert_memory_equal(buf, bytes + 10, 39);
    assert_int_equal(synack_sockatmark(h.st, s), 1);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), MSG_OOB), 1);
    assert_int_equal(buf[0], 49);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 20);
    assert_memory_equal(buf, bytes + 50, 20);
    sh_free(&h);
}

static void test_oobinline_keeps_the_byte_in_line(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss);
    fill();
    int one = 1, v = 0;
    socklen_t len = sizeof(v);
    assert_int_equal(synack_setsockopt(h.st, s, SOL_SOCKET, SYNACK_SO_OOBINLINE, &one, sizeof(one)),
                     0);
    assert_int_equal(synack_getsockopt(h.st, s, SOL_SOCKET, SYNACK_SO_OOBINLINE, &v, &len), 0);
    assert_int_equal(v, 1);
    peer_data(&h, PEER_DATA, iss + 1, bytes, 100, 1, 100);
    peer_data(&h, PEER_DATA + 100, iss + 1, bytes + 100, 10, 0, 0);
    uint8_t buf[256];
    assert_int_equal(synack_recv(h.st, s, buf, 1, MSG_OOB), -EINVAL);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 99);
    assert_int_equal(synack_sockatmark(h.st, s), 1);
    /* at the mark, the urgent byte starts the next read */
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 11);
    assert_memory_equal(buf, bytes + 99, 11);
    assert_int_equal(synack_sockatmark(h.st, s), 0);
    sh_free(&h);
}

static void test_borrow_stops_at_the_mark(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss);
    fill();
    peer_data(&h, PEER_DATA, iss + 1, bytes, 20, 1, 10);
    const void *p = NULL;
    assert_int_equal(synack_recv_borrow(h.st, s, &p), 9);
    assert_memory_equal(p, bytes, 9);
    assert_int_equal(synack_recv_release(h.st, s, 9), 9);
    /* the out-of-band byte (9) is not lent */
    assert_int_equal(synack_recv_borrow(h.st, s, &p), 10);
    assert_memory_equal(p, bytes + 10, 10);
    assert_int_equal(synack_recv_release(h.st, s, 10), 10);
    sh_free(&h);
}

static void test_send_oob_marks_segments(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss);
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, "abc", 3, MSG_OOB), 3);
    assert_int_equal(h.nout, mark + 1);
    const sh_seg *d = sh_last(&h);
    assert_int_equal(d->s.flags, TCP_ACK | TCP_PSH | TCP_URG);
    assert_int_equal(d->s.seq, iss + 1);
    assert_int_equal(d->s.payload_len, 3);
    assert_int_equal(d->s.urg, 3); /* after the last byte (RFC 6093) */
    /* unacknowledged: the retransmission carries the mark too */
    mark = h.nout;
    sh_run_for(&h, 3000000);
    assert_true(h.nout > mark);
    d = &h.out[mark];
    assert_int_equal(d->s.seq, iss + 1);
    assert_int_equal(d->s.flags & TCP_URG, TCP_URG);
    assert_int_equal(d->s.urg, 3);
    /* acknowledged: later data is not urgent */
    assert_int_equal(
        sh_send(&h, FX_PEER_PORT, FX_PORT, PEER_DATA, iss + 4, TCP_ACK, 65535, NULL, 0, NULL), 0);
    mark = h.nout;
    assert_int_equal(synack_send(h.st, s, "de", 2, 0), 2);
    assert_int_equal(h.nout, mark + 1);
    d = sh_last(&h);
    assert_int_equal(d->s.flags & TCP_URG, 0);
    assert_int_equal(d->s.urg, 0);
    sh_free(&h);
}

static void test_sockatmark_refusals(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss);
    assert_int_equal(synack_sockatmark(NULL, s), -EINVAL);
    assert_int_equal(synack_sockatmark(h.st, 9999), -EBADF);
    int ls = sh_listen(&h, 81, 1);
    assert_true(ls >= 0);
    assert_int_equal(synack_sockatmark(h.st, ls), -EINVAL);
    int fresh = synack_socket(h.st, SOCK_STREAM);
    assert_int_equal(synack_sockatmark(h.st, fresh), 0);
    uint8_t b;
    assert_int_equal(synack_recv(h.st, fresh, &b, 1, MSG_OOB), -EINVAL);
    /* a listener has no stream at all: Linux's tcp_recvmsg says so before urgent data */
    assert_int_equal(synack_recv(h.st, ls, &b, 1, MSG_OOB), -ENOTCONN);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mark_splits_reads_and_oob_byte_once),
        cmocka_unit_test(test_pointer_before_the_byte),
        cmocka_unit_test(test_oobinline_keeps_the_byte_in_line),
        cmocka_unit_test(test_borrow_stops_at_the_mark),
        cmocka_unit_test(test_send_oob_marks_segments),
        cmocka_unit_test(test_sockatmark_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
