/* SPDX-License-Identifier: MIT */
/* The choices linux_profile stands for are config fields of their own (docs/ARCHITECTURE.md
 * "Profiles"): each one alone switches its behaviour, and linux_profile turns them on
 * whatever the fields say. One segment exchange per knob, each way. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"

/* send() on a socket in SYN-SENT: queued (RFC 9293 3.10.2) or -EAGAIN. */
static long send_while_opening(synack_config *cfg)
{
    seghost h;
    sh_init(&h, cfg);
    int s = synack_socket(h.st, SOCK_STREAM);
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(SH_PEER)};
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    long rc = synack_send(h.st, s, "x", 1, 0);
    sh_free(&h);
    return rc;
}

static void test_send_waits_open(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    assert_int_equal(send_while_opening(&cfg), 1);
    cfg.send_waits_open = 1;
    assert_int_equal(send_while_opening(&cfg), -EAGAIN);
}

static void test_linux_profile_sets_every_knob(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.linux_profile = 1; /* the fields stay 0: the profile alone must turn them on */
    assert_int_equal(send_while_opening(&cfg), -EAGAIN);
}

/* The peer ACKs 1000 bytes the stack never sent; returns the segments sent in answer. */
static size_t ack_of_unsent(uint8_t knob)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.ack_unsent_drop = knob;
    seghost h;
    uint32_t siss;
    fx_sh_established(&h, &cfg, &siss);
    size_t before = h.nout;
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, siss + 1 + 1000, TCP_ACK, 65535, NULL, 0,
            NULL);
    size_t n = h.nout - before;
    if (n)
        assert_int_equal(sh_last(&h)->s.flags, TCP_ACK); /* the challenge ACK */
    sh_free(&h);
    return n;
}

static void test_ack_unsent_drop(void **state)
{
    (void)state;
    assert_int_equal(ack_of_unsent(0), 1);
    assert_int_equal(ack_of_unsent(1), 0);
}

/* The peer's first 100 data bytes; returns the segments sent at once. */
static size_t first_data(uint8_t knob)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.quickack_start = knob;
    seghost h;
    uint32_t siss;
    fx_sh_established(&h, &cfg, &siss);
    uint8_t data[100];
    memset(data, 'd', sizeof(data));
    size_t before = h.nout;
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, siss + 1, TCP_ACK, 65535, data,
            sizeof(data), NULL);
    size_t n = h.nout - before;
    if (n)
        assert_int_equal(sh_last(&h)->s.ack, FX_PEER_ISS + 1 + sizeof(data));
    sh_free(&h);
    return n;
}

static void test_quickack_start(void **state)
{
    (void)state;
    assert_int_equal(first_data(0), 0); /* delayed ACK */
    assert_int_equal(first_data(1), 1);
}

/* Closes the accepted connection (its FIN goes out and is not acknowledged), then the peer
 * sends data to the orphan; returns the RST that answers it. */
static sh_seg data_to_orphan(synack_config *cfg)
{
    seghost h;
    uint32_t siss;
    int s = fx_sh_established(&h, cfg, &siss);
    assert_int_equal(synack_close(h.st, s), 0);
    assert_int_equal(sh_last(&h)->s.flags, TCP_ACK | TCP_FIN);
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, siss + 1, TCP_ACK, 65535, "x", 1, NULL);
    sh_seg rst = *sh_last(&h);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPAbortOnData), 1);
    sh_free(&h);
    rst.s.seq -= siss; /* relative: 1 is SEG.ACK, 2 is SND.NXT past the FIN */
    return rst;
}

static void test_rst_reply_orphan(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    sh_seg r = data_to_orphan(&cfg);
    assert_int_equal(r.s.flags, TCP_RST | TCP_ACK); /* the abort: SND.NXT, past our FIN */
    assert_int_equal(r.s.seq, 2);
    assert_int_equal(r.s.ack, FX_PEER_ISS + 1);
    cfg.rst_reply_orphan = 1;
    r = data_to_orphan(&cfg);
    assert_int_equal(r.s.flags, TCP_RST); /* the answer to the segment: SEG.ACK */
    assert_int_equal(r.s.seq, 1);
    synack_config_default(&cfg);
    cfg.linux_profile = 1;
    r = data_to_orphan(&cfg);
    assert_int_equal(r.s.flags, TCP_RST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_waits_open),
        cmocka_unit_test(test_linux_profile_sets_every_knob),
        cmocka_unit_test(test_ack_unsent_drop),
        cmocka_unit_test(test_rst_reply_orphan),
        cmocka_unit_test(test_quickack_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
