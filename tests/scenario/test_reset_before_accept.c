/* SPDX-License-Identifier: MIT */
/* A connection reset while it waits in the accept queue: by default it leaves the queue
 * (RFC 9293 3.10.7.4 deletes the TCB; accept() never sees it). With reset_child_stays (the
 * linux profile) it stays queued, closed, as Linux's unaccepted child does: accept()
 * returns a socket that reports the reset (SO_ERROR, POLLERR, then recv) after the data
 * received before it (reset_keeps_data). It still counts against the backlog, a new SYN
 * for its 4-tuple reaches the listener, and closing the listener sends it no RST. */
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

static int start(seghost *h, int stays, int keeps, int backlog)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.reset_child_stays = (uint8_t)stays;
    cfg.reset_keeps_data = (uint8_t)keeps;
    sh_init(h, &cfg);
    int ls = sh_listen(h, LPORT, backlog);
    assert_true(ls >= 0);
    return ls;
}

/* Peer port pport completes the handshake, sends "hello", then a RST; nobody accepts. */
static void queued_then_reset(seghost *h, uint16_t pport)
{
    size_t mark = h->nout;
    sh_send(h, pport, LPORT, PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_int_equal(h->nout, mark + 1);
    uint32_t siss = h->out[mark].s.seq;
    sh_send(h, pport, LPORT, PEER_ISS + 1, siss + 1, TCP_ACK, 65535, NULL, 0, NULL);
    sh_send(h, pport, LPORT, PEER_ISS + 1, siss + 1, TCP_ACK | TCP_PSH, 65535, "hello", 5, NULL);
    mark = h->nout;
    sh_send(h, pport, LPORT, PEER_ISS + 6, 0, TCP_RST, 0, NULL, 0, NULL);
    assert_int_equal(h->nout, mark); /* a RST is never answered */
}

static short poll_bits(seghost *h, int s)
{
    synack_pollfd p = {.sock = s, .events = SYNACK_POLLIN | SYNACK_POLLOUT};
    synack_sock_poll(h->st, &p, 1);
    return p.revents;
}

static int so_error(seghost *h, int s)
{
    int v = -1;
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(h->st, s, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &v, &len), 0);
    return v;
}

static void test_default_reset_child_leaves_queue(void **state)
{
    (void)state;
    seghost h;
    int ls = start(&h, 0, 1, 4);
    queued_then_reset(&h, PPORT);
    assert_int_equal(poll_bits(&h, ls), 0);
    assert_int_equal(synack_accept(h.st, ls, NULL, NULL), -EAGAIN);
    sh_free(&h);
}

static void test_reset_child_accepted_with_data_then_error(void **state)
{
    (void)state;
    seghost h;
    int ls = start(&h, 1, 1, 4);
    queued_then_reset(&h, PPORT);
    assert_int_equal(poll_bits(&h, ls), SYNACK_POLLIN);
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    int s = synack_accept(h.st, ls, (struct sockaddr *)&sin, &len);
    assert_true(s >= 0);
    assert_int_equal(ntohs(sin.sin_port), PPORT);
    assert_int_equal(synack_accept(h.st, ls, NULL, NULL), -EAGAIN); /* it was the only one */
    /* as Linux: a socket whose connection is gone is writable too (a write fails at once) */
    assert_int_equal(poll_bits(&h, s),
                     SYNACK_POLLIN | SYNACK_POLLOUT | SYNACK_POLLHUP | SYNACK_POLLERR);
    synack_tcp_info info = fx_tcp_info(h.st, s);
    assert_int_equal(info.state, SYNACK_CLOSED);
    assert_int_equal(info.options, 0); /* the SYN offered none */
    char buf[16];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -ECONNRESET);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 0);
    assert_int_equal(so_error(&h, s), 0);
    assert_int_equal(synack_close(h.st, s), 0);
    sh_free(&h);
}

/* Linux's reset-non-tfo-socket.pkt order: the error taken first, the data still read. */
static void test_reset_child_error_taken_first(void **state)
{
    (void)state;
    seghost h;
    int ls = start(&h, 1, 1, 4);
    queued_then_reset(&h, PPORT);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(so_error(&h, s), ECONNRESET);
    assert_int_equal(so_error(&h, s), 0);
    char buf[16];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 5);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 0);
    sh_free(&h);
}

static void test_reset_child_without_kept_data(void **state)
{
    (void)state;
    seghost h;
    int ls = start(&h, 1, 0, 4);
    queued_then_reset(&h, PPORT);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    char buf[16];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -ECONNRESET);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 0);
    sh_free(&h);
}

static void test_linux_profile_sets_it(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    assert_int_equal(cfg.reset_child_stays, 0);
    cfg.linux_profile = 1;
    seghost h;
    sh_init(&h, &cfg);
    int ls = sh_listen(&h, LPORT, 4);
    queued_then_reset(&h, PPORT);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    char buf[16];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 5);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -ECONNRESET);
    sh_free(&h);
}

static void test_config_rejects_other_values(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.reset_child_stays = 2;
    assert_null(synack_stack_new(&cfg));
}

/* It holds its place in the bounded queue: a backlog of 1 turns the next SYN away. */
static void test_reset_child_counts_against_backlog(void **state)
{
    (void)state;
    for (int stays = 0; stays <= 1; stays++) {
        seghost h;
        int ls = start(&h, stays, 1, 1);
        queued_then_reset(&h, PPORT);
        uint64_t over = synack_counter_get(h.st, SYNACK_CTR_ListenOverflows);
        size_t mark = h.nout;
        sh_send(&h, PPORT + 1, LPORT, 100, 0, TCP_SYN, 65535, NULL, 0, NULL);
        assert_int_equal(h.nout, mark + (stays ? 0 : 1));
        assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_ListenOverflows),
                         over + (stays ? 1 : 0));
        /* accepting it makes room */
        assert_int_equal(synack_accept(h.st, ls, NULL, NULL) >= 0, stays);
        mark = h.nout;
        sh_send(&h, PPORT + 2, LPORT, 200, 0, TCP_SYN, 65535, NULL, 0, NULL);
        assert_int_equal(h.nout, mark + 1);
        assert_int_equal(h.out[mark].s.flags, TCP_SYN | TCP_ACK);
        sh_free(&h);
    }
}

/* The reset child is out of the connection table: its 4-tuple's next SYN is a new
 * connection, queued behind it. */
static void test_same_tuple_reaches_listener(void **state)
{
    (void)state;
    seghost h;
    int ls = start(&h, 1, 1, 4);
    queued_then_reset(&h, PPORT);
    uint32_t siss;
    size_t mark = h.nout;
    sh_send(&h, PPORT, LPORT, 90000, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(h.out[mark].s.ack, 90001u);
    siss = h.out[mark].s.seq;
    sh_send(&h, PPORT, LPORT, 90001, siss + 1, TCP_ACK, 65535, NULL, 0, NULL);
    int dead = synack_accept(h.st, ls, NULL, NULL);
    int live = synack_accept(h.st, ls, NULL, NULL);
    assert_true(dead >= 0 && live >= 0);
    assert_int_equal(fx_tcp_info(h.st, dead).state, SYNACK_CLOSED);
    assert_int_equal(fx_tcp_info(h.st, live).state, SYNACK_ESTABLISHED);
    char buf[16];
    assert_int_equal(synack_recv(h.st, dead, buf, sizeof(buf), 0), 5);
    assert_int_equal(synack_recv(h.st, live, buf, sizeof(buf), 0), -EAGAIN);
    sh_free(&h);
}

/* Closing the listener resets only the live entries; the reset one is just freed. */
static void test_listener_close_sends_no_rst_for_it(void **state)
{
    (void)state;
    seghost h;
    int ls = start(&h, 1, 1, 4);
    size_t before = synack_mem_in_use(h.st);
    queued_then_reset(&h, PPORT);
    uint32_t siss;
    size_t mark = h.nout;
    sh_send(&h, PPORT + 1, LPORT, 500, 0, TCP_SYN, 65535, NULL, 0, NULL);
    siss = h.out[mark].s.seq;
    sh_send(&h, PPORT + 1, LPORT, 501, siss + 1, TCP_ACK, 65535, NULL, 0, NULL);
    mark = h.nout;
    assert_int_equal(synack_close(h.st, ls), 0);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.flags & TCP_RST, TCP_RST);
    assert_int_equal(h.out[mark].s.dport, PPORT + 1);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPAbortOnClose), 1);
    assert_true(synack_mem_in_use(h.st) < before);
    sh_free(&h);
}

/* Still queued when the stack goes: freed with it (ASan, valgrind). */
static void test_stack_free_with_reset_child(void **state)
{
    (void)state;
    seghost h;
    start(&h, 1, 1, 4);
    queued_then_reset(&h, PPORT);
    sh_free(&h);
}

/* A Fast Open child, reset in SYN-RECEIVED: accept() shows the SYN's data was taken
 * (TCPI_OPT_SYN_DATA), as Linux's reset-before-accept.pkt asserts. */
static void test_fastopen_child_keeps_syn_data_option(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.fastopen_server = SYNACK_TFO_SERVER_ENABLE | SYNACK_TFO_SERVER_COOKIE_NOT_REQD;
    cfg.reset_child_stays = 1;
    cfg.reset_keeps_data = 1;
    seghost h;
    sh_init(&h, &cfg);
    int ls = sh_listen(&h, LPORT, 4);
    int qlen = 4;
    assert_int_equal(
        synack_setsockopt(h.st, ls, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN, &qlen, sizeof(qlen)),
        0);
    size_t mark = h.nout;
    sh_send(&h, PPORT, LPORT, PEER_ISS, 0, TCP_SYN, 65535, "0123456789", 10, NULL);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.ack, PEER_ISS + 11);
    uint32_t siss = h.out[mark].s.seq;
    sh_send(&h, PPORT, LPORT, PEER_ISS + 11, siss + 1, TCP_RST | TCP_ACK, 0, NULL, 0, NULL);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    synack_tcp_info info = fx_tcp_info(h.st, s);
    assert_int_equal(info.state, SYNACK_CLOSED);
    assert_int_equal(info.options & 0x20, 0x20);
    char buf[16];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 10);
    assert_memory_equal(buf, "0123456789", 10);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -ECONNRESET);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_reset_child_leaves_queue),
        cmocka_unit_test(test_reset_child_accepted_with_data_then_error),
        cmocka_unit_test(test_reset_child_error_taken_first),
        cmocka_unit_test(test_reset_child_without_kept_data),
        cmocka_unit_test(test_linux_profile_sets_it),
        cmocka_unit_test(test_config_rejects_other_values),
        cmocka_unit_test(test_reset_child_counts_against_backlog),
        cmocka_unit_test(test_same_tuple_reaches_listener),
        cmocka_unit_test(test_listener_close_sends_no_rst_for_it),
        cmocka_unit_test(test_stack_free_with_reset_child),
        cmocka_unit_test(test_fastopen_child_keeps_syn_data_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
