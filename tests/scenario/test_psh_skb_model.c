/* SPDX-License-Identifier: MIT */
/* cfg.psh_skb_model (linux profile): PSH where Linux 6.18 ends a transmission unit of two
 * or more segments (its TSO packets carry PSH; GSO leaves it on the last segment), units
 * cut as its tcp_write_xmit cuts the send queue: at most half of cwnd, the room cwnd
 * leaves, and the TSO size (tso_min_segs, or 1 ms of the pacing rate). Resends follow the
 * units as first sent, cut by SACKed ranges, and keep a write's PSH. The upstream scripts
 * slow_start/slow-start-after-idle.pkt (first bursts), nagle/https_client.pkt,
 * sack/sack-route-refresh-ip-tos.pkt and fastopen/client/cookie-less-sendto.pkt show
 * these on the wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"

static char data[32000];

/* MSS 1000, RTT 10 ms, TCP_NODELAY, the peer's window 65535; cwnd 10 segments. */
static int open_conn(seghost *h, uint32_t *b, int model, uint8_t tso_min_segs, uint8_t rack)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = rack;
    cfg.psh_skb_model = (uint8_t)model;
    cfg.tso_min_segs = tso_min_segs;
    cfg.ss_stretch_ack = 1; /* one ACK of ten segments opens cwnd by ten, as Linux */
    memset(data, 'p', sizeof(data));
    return fx_sh_sack_rtt(h, &cfg, 1000, 10000, b);
}

static void test_units_of_two_segments_end_with_psh(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    int s = open_conn(&h, &b, 1, 2, 1);
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 7500, 0), 7500);
    char got[256];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    /* tso_min_segs 2 (1 ms of a 10 ms RTT's rate is under one segment): units of two, the
     * write's short last unit ends with its own PSH */
    assert_string_equal(got, "0/1000|1000/1000P|2000/1000|3000/1000P|4000/1000|5000/1000P|"
                             "6000/1000|7000/500P");
    sh_free(&h);

    /* without the model, only the write's end */
    s = open_conn(&h, &b, 0, 2, 1);
    mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 7500, 0), 7500);
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "0/1000|1000/1000|2000/1000|3000/1000|4000/1000|5000/1000|"
                             "6000/1000|7000/500P");
    sh_free(&h);
}

/* linux_profile alone turns the model on (the field stays 0) */
static void test_linux_profile_turns_it_on(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.linux_profile = 1;
    int s = fx_sh_sack_rtt(&h, &cfg, 1000, 10000, &b);
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 4000, 0), 4000);
    char got[128];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "0/1000|1000/1000P|2000/1000|3000/1000P");
    sh_free(&h);
}

static void test_half_cwnd_and_tso_size_cut_units(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    int s = open_conn(&h, &b, 1, 10, 1); /* slow-start-after-idle.pkt's tcp_min_tso_segs */
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 26000, 0), 26000);
    char got[512];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    /* cwnd 10: units of half of it */
    assert_string_equal(got, "0/1000|1000/1000|2000/1000|3000/1000|4000/1000P|5000/1000|"
                             "6000/1000|7000/1000|8000/1000|9000/1000P");
    sh_run_for(&h, 10000);
    mark = h.nout;
    fx_sh_peer_ack(&h, b + 10000, 0, 0);
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    /* cwnd 20: half is 10 segments, the TSO size too; the rest of the write after them */
    assert_string_equal(got, "10000/1000|11000/1000|12000/1000|13000/1000|14000/1000|"
                             "15000/1000|16000/1000|17000/1000|18000/1000|19000/1000P|"
                             "20000/1000|21000/1000|22000/1000|23000/1000|24000/1000|"
                             "25000/1000P");
    sh_free(&h);
}

static void test_sack_resends_keep_first_units(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    /* RFC 6675's resends (rack 0): RACK's first resend goes out with enter_recovery's PSH
     * rule, which the upstream scripts that run it confirm */
    int s = open_conn(&h, &b, 1, 2, 0);
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 1000, 0), 1000); /* a unit of its own, PSH */
    assert_int_equal(synack_send(h.st, s, data, 5000, 0), 5000);
    char got[256];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "0/1000P|1000/1000|2000/1000P|3000/1000|4000/1000P|5000/1000P");
    sh_run_for(&h, 10000);
    /* [0, 1000) and [3000, 4000) lost: the first hole is a unit of its own and keeps the
     * write's PSH; the second is the first half of the unit [3000, 5000), cut by the SACK
     * (Linux's tcp_fragment leaves PSH to the second part) */
    mark = h.nout;
    fx_sh_peer_ack2(&h, b, b + 1000, b + 3000, b + 4000, b + 6000);
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "0/1000P|3000/1000");
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_of_two_segments_end_with_psh),
        cmocka_unit_test(test_linux_profile_turns_it_on),
        cmocka_unit_test(test_half_cwnd_and_tso_size_cut_units),
        cmocka_unit_test(test_sack_resends_keep_first_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
