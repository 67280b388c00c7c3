/* SPDX-License-Identifier: MIT */
/* TCP_NOTSENT_LOWAT, as Linux (tcp_stream_memory_free): a send starts a new chunk (Linux's
 * size goal: half the peer's largest window, in whole segments) only while the bytes
 * queued but never sent are below the mark, and fills the chunk it is in; POLLOUT, and
 * the synack_sock_ready edge, come only once they are below half the mark. The stack's
 * default for sockets that set none is cfg.notsent_lowat (net.ipv4.tcp_notsent_lowat). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

static char data[60000];

static int lowat_of(synack_stack *st, int s)
{
    int v = -1;
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, &len), 0);
    return v;
}

/* MSS 1000, window 65535: chunks of 32000 bytes; 10 segments go at once. */
static void check_lowat_4000(seghost *h, int s, uint32_t b)
{
    /* chunk 1 (32000; 10000 go), then the rest of chunk 1's room: 42000, 32000 unsent */
    assert_int_equal(synack_send(h->st, s, data, sizeof(data), 0), 42000);
    assert_int_equal(h->out[h->nout - 1].s.seq - b, 9000);
    assert_int_equal(fx_poll(h->st, s, POLLOUT), 0);
    assert_int_equal(synack_send(h->st, s, data, 1, 0), -EAGAIN);
    assert_int_equal(synack_sock_watch(h->st, s, POLLOUT, NULL), 0);
    assert_int_equal(synack_sock_ready_pending(h->st), 0);

    /* ACKs open the window; each sends more, but unsent stays above 2000: no edge */
    sh_run_for(h, 10000);
    fx_sh_peer_ack(h, b + 10000, 0, 0); /* cwnd 11000: 21000 unsent */
    assert_int_equal(synack_sock_ready_pending(h->st), 0);
    assert_int_equal(synack_send(h->st, s, data, 1, 0), -EAGAIN);
    sh_run_for(h, 10000);
    fx_sh_peer_ack(h, b + 21000, 0, 0); /* cwnd 12000: 9000 unsent */
    assert_int_equal(synack_sock_ready_pending(h->st), 0);
    assert_int_equal(fx_poll(h->st, s, POLLOUT), 0);
    /* below the mark a send may start a chunk, though poll says not yet (Linux alike) */
    sh_run_for(h, 10000);
    fx_sh_peer_ack(h, b + 33000, 0, 0); /* cwnd 13000: all 9000 go, 0 unsent */
    synack_ready r;
    assert_int_equal(synack_sock_ready(h->st, &r, 1), 1);
    assert_int_equal(r.sock, s);
    assert_true(r.revents & POLLOUT);
    assert_int_equal(fx_poll(h->st, s, POLLOUT), POLLOUT);
}

static void test_socket_option(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    synack_config cfg;
    synack_config_default(&cfg);
    int s = fx_sh_sack_rtt(&h, &cfg, 1000, 10000, &b);
    assert_int_equal(lowat_of(h.st, s), 0);
    int v = 4000;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, sizeof(v)), 0);
    assert_int_equal(lowat_of(h.st, s), 4000);
    check_lowat_4000(&h, s, b);
    sh_free(&h);
}

static void test_stack_default(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    synack_config cfg;
    synack_config_default(&cfg);
    assert_int_equal(cfg.notsent_lowat, UINT32_MAX);
    cfg.notsent_lowat = 4000;
    int s = fx_sh_sack_rtt(&h, &cfg, 1000, 10000, &b);
    assert_int_equal(lowat_of(h.st, s), 0); /* the option is the socket's own */
    check_lowat_4000(&h, s, b);
    sh_free(&h);
}

static void test_without_a_mark_the_buffer_decides(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.sndbuf = 50000;
    int s = fx_sh_sack_rtt(&h, &cfg, 1000, 10000, &b);
    assert_int_equal(synack_send(h.st, s, data, sizeof(data), 0), 50000);
    assert_int_equal(fx_poll(h.st, s, POLLOUT), 0);
    /* setting a mark later applies at once; 0 goes back to the stack's (none) */
    int v = 100000;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, sizeof(v)), 0);
    v = 0;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, sizeof(v)), 0);
    assert_int_equal(lowat_of(h.st, s), 0);
    sh_free(&h);
}

static int discard(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    (void)len;
    return 0;
}

static void test_config_refuses_zero(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    synack_config_deterministic(&cfg, 1);
    cfg.netif.addr = 0x0a000001;
    cfg.netif.output = discard;
    cfg.notsent_lowat = 0;
    const char *field = NULL;
    assert_int_equal(synack_config_check(&cfg, &field), -EINVAL);
    assert_string_equal(field, "notsent_lowat");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_socket_option),
        cmocka_unit_test(test_stack_default),
        cmocka_unit_test(test_without_a_mark_the_buffer_decides),
        cmocka_unit_test(test_config_refuses_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
