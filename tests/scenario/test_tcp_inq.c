/* SPDX-License-Identifier: MIT */
/* TCP_INQ: the option is a flag the host's recvmsg reads (getsockopt gives it back), and
 * synack_recv_inq() is the value of Linux's TCP_CM_INQ control message: the bytes still
 * to read, plus one once the peer's FIN has arrived, so a reader keeps reading until it
 * sees the end of the stream (Linux's inq/server.pkt). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"

static void peer_data(seghost *h, uint32_t off, uint32_t ack, uint32_t len, uint8_t fin)
{
    static uint8_t buf[1000];
    memset(buf, 'q', sizeof(buf));
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1 + off, ack, TCP_ACK | fin, 65535, buf, len,
            NULL);
}

static void test_inq_counts_unread_bytes_and_the_fin(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss);
    int v = -1;
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(h.st, s, IPPROTO_TCP, TCP_INQ, &v, &len), 0);
    assert_int_equal(v, 0);
    v = 1;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, TCP_INQ, &v, sizeof(v)), 0);
    v = -1;
    assert_int_equal(synack_getsockopt(h.st, s, IPPROTO_TCP, TCP_INQ, &v, &len), 0);
    assert_int_equal(v, 1);

    assert_int_equal(synack_recv_inq(h.st, s), 0);
    for (uint32_t off = 0; off < 3000; off += 500)
        peer_data(&h, off, iss + 1, 500, 0);
    char buf[4000];
    assert_int_equal(synack_recv_inq(h.st, s), 3000);
    assert_int_equal(synack_recv(h.st, s, buf, 1000, 0), 1000);
    assert_int_equal(synack_recv_inq(h.st, s), 2000);
    assert_int_equal(synack_recv(h.st, s, buf, 2000, 0), 2000);
    assert_int_equal(synack_recv_inq(h.st, s), 0);

    /* data and the FIN: the FIN counts one */
    peer_data(&h, 3000, iss + 1, 500, TCP_FIN);
    assert_int_equal(synack_recv_inq(h.st, s), 501);
    assert_int_equal(synack_recv(h.st, s, buf, 200, 0), 200);
    assert_int_equal(synack_recv_inq(h.st, s), 301);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 300);
    assert_int_equal(synack_recv_inq(h.st, s), 1);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 0);
    assert_int_equal(synack_recv_inq(h.st, s), 1);
    sh_free(&h);
}

static void test_inq_misuse(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int ls = sh_listen(&h, 80, 4);
    int s = synack_socket(h.st, SOCK_STREAM);
    assert_int_equal(synack_recv_inq(NULL, s), -EINVAL);
    assert_int_equal(synack_recv_inq(h.st, 999), -EBADF);
    assert_int_equal(synack_recv_inq(h.st, ls), -EINVAL);
    assert_int_equal(synack_recv_inq(h.st, s), -ENOTCONN);
    int v = 2; /* a flag: 0 or 1, as Linux */
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, TCP_INQ, &v, sizeof(v)), -EINVAL);
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, TCP_INQ, &v, 2), -EINVAL);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inq_counts_unread_bytes_and_the_fin),
        cmocka_unit_test(test_inq_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
