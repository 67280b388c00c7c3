/* SPDX-License-Identifier: MIT */
/* Data received before a RST: RFC 9293 3.10.7.4 flushes the queues and the application
 * sees the reset at once (the default); with reset_keeps_data (the linux profile) the
 * bytes stay readable, then the error comes, as on Linux. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "wire/tcp_wire.h"

#define LPORT 80
#define PPORT 40000
#define PEER_ISS 7000u

/* An accepted connection that received "hello" and then a RST. */
static int reset_with_data(seghost *h, int keep)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.reset_keeps_data = (uint8_t)keep;
    sh_init(h, &cfg);
    int ls = sh_listen(h, LPORT, 4);
    uint32_t siss;
    int s = sh_handshake(h, ls, LPORT, PPORT, PEER_ISS, 65535, &siss);
    assert_true(s >= 0);
    sh_send(h, PPORT, LPORT, PEER_ISS + 1, siss + 1, TCP_ACK | TCP_PSH, 65535, "hello", 5, NULL);
    sh_send(h, PPORT, LPORT, PEER_ISS + 6, 0, TCP_RST, 0, NULL, 0, NULL);
    return s;
}

static void test_default_flushes(void **state)
{
    (void)state;
    seghost h;
    int s = reset_with_data(&h, 0);
    char buf[16];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -ECONNRESET);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 0);
    sh_free(&h);
}

static void test_kept_data_then_error(void **state)
{
    (void)state;
    seghost h;
    int s = reset_with_data(&h, 1);
    synack_pollfd p = {.sock = s, .events = SYNACK_POLLIN};
    assert_int_equal(synack_sock_poll(h.st, &p, 1), 1);
    assert_true(p.revents & SYNACK_POLLIN);
    char buf[16];
    assert_int_equal(synack_recv(h.st, s, buf, 2, SYNACK_MSG_PEEK), 2);
    assert_memory_equal(buf, "he", 2);
    assert_int_equal(synack_recv(h.st, s, buf, 2, 0), 2);
    const void *d = NULL;
    assert_int_equal(synack_recv_borrow(h.st, s, &d), 3);
    assert_memory_equal(d, "llo", 3);
    assert_int_equal(synack_recv_release(h.st, s, 4), -EINVAL);
    assert_int_equal(synack_recv_borrow(h.st, s, &d), 3);
    assert_int_equal(synack_recv_release(h.st, s, 3), 3);
    /* the data read, the reset is reported, once */
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -ECONNRESET);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 0);
    sh_free(&h);
}

static void test_kept_data_freed_by_close_and_stack_free(void **state)
{
    (void)state;
    seghost h;
    int s = reset_with_data(&h, 1);
    size_t held = synack_mem_in_use(h.st);
    assert_int_equal(synack_close(h.st, s), 0);
    assert_true(synack_mem_in_use(h.st) < held);
    sh_free(&h);
    /* and kept data still unread when the stack goes: freed with it (ASan, valgrind) */
    reset_with_data(&h, 1);
    sh_free(&h);
}

static void test_linux_profile_keeps(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.linux_profile = 1;
    seghost h;
    sh_init(&h, &cfg);
    int ls = sh_listen(&h, LPORT, 4);
    uint32_t siss;
    int s = sh_handshake(&h, ls, LPORT, PPORT, PEER_ISS, 65535, &siss);
    sh_send(&h, PPORT, LPORT, PEER_ISS + 1, siss + 1, TCP_ACK | TCP_PSH, 65535, "hi", 2, NULL);
    sh_send(&h, PPORT, LPORT, PEER_ISS + 3, 0, TCP_RST, 0, NULL, 0, NULL);
    char buf[8];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 2);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -ECONNRESET);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_flushes),
        cmocka_unit_test(test_kept_data_then_error),
        cmocka_unit_test(test_kept_data_freed_by_close_and_stack_free),
        cmocka_unit_test(test_linux_profile_keeps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
