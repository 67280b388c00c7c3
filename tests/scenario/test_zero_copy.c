/* SPDX-License-Identifier: MIT */
/* Zero-copy send and receive: the application writes straight into the send ring and
 * reads straight from the receive ring; the bytes arrive as with send()/recv(). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 131 + (i >> 9));
}

static void test_zero_copy_transfer(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, 1000, &cs);
    const size_t total = 3u << 20; /* more than the rings: both wrap many times */
    size_t sent = 0, got = 0;
    while (got < total) {
        while (sent < total) {
            void *buf;
            ssize_t n = synack_send_reserve(p.st[0], cs, &buf, total - sent);
            if (n == -EAGAIN)
                break;
            assert_true(n > 0);
            uint8_t *b = buf;
            for (ssize_t i = 0; i < n; i++)
                b[i] = pattern(sent + (size_t)i);
            assert_int_equal(synack_send_commit(p.st[0], cs, (size_t)n), n);
            sent += (size_t)n;
        }
        pair_run_for(&p, 5000);
        const void *data;
        ssize_t n;
        while ((n = synack_recv_borrow(p.st[1], ss, &data)) > 0) {
            const uint8_t *d = data;
            for (ssize_t i = 0; i < n; i++)
                assert_int_equal(d[i], pattern(got + (size_t)i));
            assert_int_equal(synack_recv_release(p.st[1], ss, (size_t)n), n);
            got += (size_t)n;
        }
        assert_int_equal(n, -EAGAIN);
    }
    assert_int_equal(got, total);
    /* misuse is refused precisely */
    assert_int_equal(synack_recv_release(p.st[1], ss, 1), -EINVAL); /* nothing lent */
    void *buf;
    ssize_t r = synack_send_reserve(p.st[0], cs, &buf, 10);
    assert_true(r > 0);
    assert_int_equal(synack_send_commit(p.st[0], cs, 1u << 30), -EINVAL);
    assert_int_equal(synack_send_reserve(p.st[0], cs, NULL, 10), -EFAULT);
    assert_int_equal(synack_recv_borrow(p.st[1], 999, NULL), -EBADF);
    /* end of stream reads as 0 through the borrowing call too */
    assert_int_equal(synack_shutdown(p.st[0], cs, SHUT_WR), 0);
    pair_run_for(&p, 100000);
    const void *data;
    assert_int_equal(synack_recv_borrow(p.st[1], ss, &data), 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_copy_transfer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
