/* SPDX-License-Identifier: MIT */
/* cfg.window_update_delack (what `synack gateway` runs with): after a read, a window update
 * the peer does not need yet waits for the delayed-ACK timer or the next segment we send,
 * so a relayed request/response costs no bare ACK; a peer short of window still gets its
 * update at once. Without the knob the first read announces the scaled window at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "wire/tcp_wire.h"

/* The peer (MSS 1460, window scale 7) opens a connection to a 1 MiB receive buffer with
 * the knob as given and sends 64 bytes, which wait for the delayed ACK; returns the
 * accepted socket, the stack's first sequence number in *b. */
static int request(seghost *h, int delack, uint32_t *b)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rcvbuf = 1u << 20;
    cfg.window_update_delack = (uint8_t)delack;
    sh_init(h, &cfg);
    int ls = sh_listen(h, FX_PORT, 16);
    tcp_opts o = {.has_mss = 1, .mss = 1460, .has_wscale = 1, .wscale = 7};
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, &o);
    assert_int_equal(h->nout, 1);
    assert_int_equal(h->out[0].s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(h->out[0].s.win, 65535); /* unscaled in a SYN (RFC 7323 2.2) */
    assert_true(h->out[0].s.opts.has_wscale);
    *b = h->out[0].s.seq + 1;
    sh_run_for(h, 1000);
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, *b, TCP_ACK, 512, NULL, 0, NULL);
    int s = synack_accept(h->st, ls, NULL, NULL);
    assert_true(s >= 0);
    char req[64];
    memset(req, 'q', sizeof(req));
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, *b, TCP_ACK | TCP_PSH, 512, req, sizeof(req),
            NULL);
    assert_int_equal(h->nout, 1); /* one small segment: its ACK may wait */
    char got[64];
    assert_int_equal(synack_recv(h->st, s, got, sizeof(got), 0), 64);
    return s;
}

static void test_without_knob_bare_window_update(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    request(&h, 0, &b);
    /* the read opened the window from 65471 to about 1 MiB: a bare ACK at once */
    assert_int_equal(h.nout, 2);
    assert_int_equal(h.out[1].s.flags, TCP_ACK);
    assert_int_equal(h.out[1].s.payload_len, 0);
    assert_int_equal(h.out[1].s.ack, FX_PEER_ISS + 65);
    assert_true((uint32_t)h.out[1].s.win << h.out[0].s.opts.wscale > 65535);
    sh_free(&h);
}

static void test_update_rides_on_the_reply(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    int s = request(&h, 1, &b);
    assert_int_equal(h.nout, 1); /* no bare ACK for the read */
    sh_run_for(&h, 1000);
    char rep[64];
    memset(rep, 'r', sizeof(rep));
    assert_int_equal(synack_send(h.st, s, rep, sizeof(rep), 0), 64);
    /* the reply carries the ACK and the scaled window */
    assert_int_equal(h.nout, 2);
    const sh_seg *r = &h.out[1];
    assert_int_equal(r->s.flags, TCP_ACK | TCP_PSH);
    assert_int_equal(r->s.payload_len, 64);
    assert_int_equal(r->s.seq, b);
    assert_int_equal(r->s.ack, FX_PEER_ISS + 65);
    uint32_t wnd = (uint32_t)r->s.win << h.out[0].s.opts.wscale;
    assert_true(wnd > (1u << 20) - 1024 && wnd <= 1u << 20);
    /* and the delayed-ACK timer owes nothing more */
    sh_run_for(&h, 1000);
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 65, b + 64, TCP_ACK, 512, NULL, 0, NULL);
    sh_run_for(&h, 1000000);
    assert_int_equal(h.nout, 2);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPDelayedACKs), 0);
    sh_free(&h);
}

static void test_update_waits_for_delack_timer(void **state)
{
    (void)state;
    seghost h;
    synack_config dflt;
    synack_config_default(&dflt);
    uint32_t b;
    request(&h, 1, &b);
    uint64_t t0 = h.now;
    sh_run_for(&h, 1000000);
    /* no reply: the update goes out when the delayed-ACK timer fires, once */
    assert_int_equal(h.nout, 2);
    assert_int_equal(h.out[1].t - t0, dflt.delack_us);
    assert_int_equal(h.out[1].s.flags, TCP_ACK);
    assert_int_equal(h.out[1].s.ack, FX_PEER_ISS + 65);
    assert_true((uint32_t)h.out[1].s.win << h.out[0].s.opts.wscale > 65535);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPDelayedACKs), 1);
    sh_free(&h);
}

/* A 4 KiB buffer filled by the peer (window 0 offered): the read's update goes at once. */
static void test_short_window_updated_at_once(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rcvbuf = 4096;
    cfg.window_update_delack = 1;
    seghost h;
    uint32_t b;
    int s = fx_sh_established_opts(&h, &cfg, 0, 0, &b);
    b++;
    static char data[4096];
    uint32_t seq = FX_PEER_ISS + 1;
    sh_send(&h, FX_PEER_PORT, FX_PORT, seq, b, TCP_ACK, 65535, data, 1460, NULL);
    sh_send(&h, FX_PEER_PORT, FX_PORT, seq + 1460, b, TCP_ACK, 65535, data, 1460, NULL);
    size_t mark = h.nout; /* the ACK of the second full segment: window 4096 - 2920 */
    assert_int_equal(h.out[mark - 1].s.ack, seq + 2920);
    assert_int_equal(h.out[mark - 1].s.win, 4096 - 2920);
    sh_send(&h, FX_PEER_PORT, FX_PORT, seq + 2920, b, TCP_ACK, 65535, data, 1176, NULL);
    assert_int_equal(h.nout, mark); /* its ACK may wait */
    static char got[4096];
    assert_int_equal(synack_recv(h.st, s, got, sizeof(got), 0), 4096);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.flags, TCP_ACK);
    assert_int_equal(h.out[mark].s.ack, seq + 4096);
    assert_int_equal(h.out[mark].s.win, 4096);
    assert_int_equal(h.out[mark].t, h.now);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_without_knob_bare_window_update),
        cmocka_unit_test(test_update_rides_on_the_reply),
        cmocka_unit_test(test_update_waits_for_delack_timer),
        cmocka_unit_test(test_short_window_updated_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
