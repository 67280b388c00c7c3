/* SPDX-License-Identifier: MIT */
/* RACK-TLP (RFC 8985) as the default loss detection, and what running it by default
 * brought to light: a loss probe must fit the MTU beside the SACK blocks it carries, a
 * probe no longer due must not keep an idle connection's transfer block, and a resend
 * that left after new data in the same burst is not judged lost when that data is SACKed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "tcp/tcp.h"

static void test_rack_is_the_default(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    assert_int_equal(cfg.rack, 1);
    assert_int_equal(cfg.tail_loss_probe, 0); /* implied by rack */
    synack_config_init(&cfg);
    assert_int_equal(cfg.rack, 1);
}

/* MSS 1460 without timestamps: a full segment and one SACK block (12 bytes) are 12 bytes
 * more than a 1500-byte MTU holds. The peer leaves both our segments unacknowledged and
 * sends data out of order, so every segment we send carries a SACK block; the probe of
 * the tail, 2 SRTT later, is a segment less those 12 bytes. */
static void test_probe_fits_beside_sack_blocks(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    synack_config cfg;
    synack_config_default(&cfg);
    int s = fx_sh_sack_rtt(&h, &cfg, 1460, 10000, &b);
    static char data[2 * 1460];
    memset(data, 'r', sizeof(data));
    assert_int_equal(synack_send(h.st, s, data, sizeof(data), 0), sizeof(data));
    char got[128];
    fx_sh_sent(&h, 0, b, got, sizeof(got));
    assert_non_null(strstr(got, "0/1460|1460/1460P"));
    size_t mark = h.nout;
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1 + 100, b, TCP_ACK, 65535, data, 100, NULL);
    assert_int_equal(h.nout, mark + 1); /* the duplicate ACK with the SACK block */
    assert_int_equal(h.out[mark].s.opts.nsack, 1);
    mark = h.nout;
    sh_run_for(&h, 30000);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPLossProbes), 1);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_OutDiscards), 0);
    assert_int_equal(h.nout, mark + 1);
    const sh_seg *p = &h.out[mark];
    assert_int_equal(p->s.seq, b + 2 * 1460 - 1448);
    assert_int_equal(p->s.payload_len, 1448);
    assert_int_equal(p->s.flags, TCP_ACK | TCP_PSH);
    assert_int_equal(p->s.opts.nsack, 1);
    sh_free(&h);
}

enum { LEN = 64 * 1024 };
static uint8_t data[LEN], got[LEN];

/* With the tail loss probe alone: the ACK of everything stops the probe's timer, and the
 * connection then gives its transfer block back like any idle one. */
static void test_acked_probe_leaves_connection_idle(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = 0;
    cfg.tail_loss_probe = 1;
    pair p;
    pair_init(&p, &cfg, 1000);
    int cs;
    int ss = pair_establish(&p, 80, &cs);
    assert_true(ss >= 0);
    pair_run_for(&p, 1000);
    size_t idle_mem = synack_mem_in_use(p.st[PAIR_CLIENT]);
    memset(data, 'i', sizeof(data));
    assert_int_equal(pair_transfer(&p, cs, ss, data, LEN, got), LEN);
    pair_run_for(&p, 100000 + 2 * TCP_XFER_LINGER_US);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_TCPLossProbes), 0);
    assert_int_equal(synack_mem_in_use(p.st[PAIR_CLIENT]), idle_mem);
    pair_free(&p);
}

/* One segment lost in the second of two transfers: the SACKs that reveal it also let new
 * data out, and the resend leaves after that data at the same instant. When the new data
 * is SACKed, the resend is not older than it: one resend, no D-SACK, no timeout. */
static void test_resend_after_new_data_in_one_burst(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, 1000);
    int cs;
    int ss = pair_establish(&p, 80, &cs);
    assert_true(ss >= 0);
    pair_run_for(&p, 1000);
    memset(data, 'a', sizeof(data));
    assert_int_equal(pair_transfer(&p, cs, ss, data, LEN, got), LEN);
    pair_run_for(&p, 100000);
    synack_stack *c = p.st[PAIR_CLIENT];
    uint64_t rexmits = synack_counter_get(c, SYNACK_CTR_RetransSegs);
    uint64_t dsacks = synack_counter_get(c, SYNACK_CTR_TCPDSACKRecv);
    uint64_t timeouts = synack_counter_get(c, SYNACK_CTR_TCPTimeouts);
    uint32_t lose = fx_next_seq(&p, PAIR_CLIENT) + 2 * fx_tcp_info(c, cs).snd_mss;
    p.filter = pair_drop_client_seq_once;
    p.filter_ctx = &lose;
    memset(data, 'b', sizeof(data));
    assert_int_equal(pair_transfer(&p, cs, ss, data, LEN, got), LEN);
    assert_memory_equal(got, data, LEN);
    assert_int_equal(lose, 0); /* the drop happened */
    pair_run_for(&p, 100000);
    assert_int_equal(synack_counter_get(c, SYNACK_CTR_RetransSegs), rexmits + 1);
    assert_int_equal(synack_counter_get(c, SYNACK_CTR_TCPDSACKRecv), dsacks);
    assert_int_equal(synack_counter_get(c, SYNACK_CTR_TCPTimeouts), timeouts);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rack_is_the_default),
        cmocka_unit_test(test_probe_fits_beside_sack_blocks),
        cmocka_unit_test(test_acked_probe_leaves_connection_idle),
        cmocka_unit_test(test_resend_after_new_data_in_one_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
