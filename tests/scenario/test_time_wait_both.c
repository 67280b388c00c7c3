/* SPDX-License-Identifier: MIT */
/* TIME-WAIT in both of its representations, the full TCB (the socket is still open) and
 * the compact record (the socket was closed), which one routine serves: each test runs on
 * both. RFC 7323 5.3 drops a segment whose TSval is older than TS.Recent and answers it
 * with an ACK (counted as PAWSEstab); 5.5 makes a TS.Recent that is 24 days old invalid, so
 * PAWS no longer applies. A TIME-WAIT that long needs a long MSL: 2^40 us, the largest the
 * config takes, gives 2*MSL of about 25.4 days. RFC 1337: a RST is ignored, whatever its
 * sequence number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"

#define DAY_US (24ull * 3600 * 1000000)
#define PEER_FIN_TS 200u /* the TSval of the peer's FIN: TS.Recent in TIME-WAIT */

/* The stack closes first (FIN), the peer ACKs it and sends its own FIN with TSval
 * PEER_FIN_TS: the stack is in TIME-WAIT. keep_socket: shutdown(SHUT_WR) instead of
 * close(), so the socket holds the full TCB; else the orphan becomes a compact record.
 * Returns the stack's sequence number past its FIN. */
static uint32_t to_time_wait(seghost *h, int keep_socket)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.msl_us = 1ull << 40;
    uint32_t siss;
    int s = fx_sh_established_opts(h, &cfg, 0, 1, &siss);
    if (keep_socket)
        assert_int_equal(synack_shutdown(h->st, s, SHUT_WR), 0);
    else
        assert_int_equal(synack_close(h->st, s), 0);
    const sh_seg *fin = sh_last(h);
    assert_true(fin->s.flags & TCP_FIN);
    uint32_t snd_end = fin->s.seq + 1;
    tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_ts = 1;
    o.ts_val = PEER_FIN_TS;
    o.ts_ecr = fin->s.opts.ts_val;
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, snd_end, TCP_ACK | TCP_FIN, 65535, NULL, 0,
            &o);
    assert_int_equal(sh_last(h)->s.flags, TCP_ACK);
    assert_int_equal(sh_last(h)->s.ack, FX_PEER_ISS + 2);
    assert_int_equal(h->states[h->nstates - 1].to, SYNACK_TIME_WAIT);
    return snd_end;
}

/* The peer's bare ACK at RCV.NXT, its TSval older than TS.Recent; returns how many
 * segments the stack sent in answer. */
static size_t old_ts_ack(seghost *h, uint32_t snd_end)
{
    tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_ts = 1;
    o.ts_val = PEER_FIN_TS - 50;
    size_t before = h->nout;
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 2, snd_end, TCP_ACK, 65535, NULL, 0, &o);
    return h->nout - before;
}

static void paws_for_24_days(int keep_socket)
{
    seghost h;
    uint32_t snd_end = to_time_wait(&h, keep_socket);
    /* a day in: TS.Recent is valid, PAWS drops the segment and re-ACKs */
    sh_run_for(&h, DAY_US);
    assert_int_equal(old_ts_ack(&h, snd_end), 1);
    assert_int_equal(sh_last(&h)->s.flags, TCP_ACK);
    assert_int_equal(sh_last(&h)->s.ack, FX_PEER_ISS + 2);
    assert_int_equal(sh_last(&h)->s.opts.ts_ecr, PEER_FIN_TS);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_PAWSEstab), 1);
    /* 25 days in, still in TIME-WAIT: TS.Recent is invalid, and a bare ACK at RCV.NXT
     * is taken silently, as without timestamps */
    sh_run_for(&h, 24 * DAY_US);
    assert_int_equal(h.states[h.nstates - 1].to, SYNACK_TIME_WAIT);
    assert_int_equal(old_ts_ack(&h, snd_end), 0);
    sh_free(&h);
}

/* A RST in the window but not at RCV.NXT, then one at RCV.NXT: neither is answered (no
 * challenge ACK, RFC 1337 rather than RFC 5961 3.2) and TIME-WAIT stays. */
static void rst_ignored(int keep_socket)
{
    seghost h;
    uint32_t snd_end = to_time_wait(&h, keep_socket);
    size_t before = h.nout, nstates = h.nstates;
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 2 + 100, snd_end, TCP_RST, 0, NULL, 0, NULL);
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 2, snd_end, TCP_RST, 0, NULL, 0, NULL);
    assert_int_equal(h.nout, before);
    assert_int_equal(h.nstates, nstates);
    sh_free(&h);
}

static void test_full_tcb_ignores_rst(void **state)
{
    (void)state;
    rst_ignored(1);
}

static void test_compact_record_ignores_rst(void **state)
{
    (void)state;
    rst_ignored(0);
}

static void test_full_tcb_paws_expires_after_24_days(void **state)
{
    (void)state;
    paws_for_24_days(1);
}

static void test_compact_record_paws_expires_after_24_days(void **state)
{
    (void)state;
    paws_for_24_days(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_tcb_paws_expires_after_24_days),
        cmocka_unit_test(test_compact_record_paws_expires_after_24_days),
        cmocka_unit_test(test_full_tcb_ignores_rst),
        cmocka_unit_test(test_compact_record_ignores_rst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
