/* SPDX-License-Identifier: MIT */
/* cfg.cwnd_restart: a write after more than an RTO without sending data restarts cwnd.
 * RFC 5681 4.1 (the default) takes it to min(initial window, cwnd); Linux's form (the
 * linux profile, upstream slow_start/slow-start-after-idle.pkt) halves it per RTO of the
 * idle time, not below that, and keeps 3/4 of the old cwnd in ssthresh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "wire/tcp_wire.h"

static char data[26000];

/* MSS 1000, RTT 10 ms, cwnd grown to 36 segments as in slow-start-after-idle.pkt (26000
 * bytes, ACKed at 10000 and at 26000), then idle for idle_us and a write of 20000 bytes.
 * The segments that write sent go to got. */
static int grow_idle_write(seghost *h, synack_config *cfg, uint64_t idle_us, char *got, size_t cap)
{
    uint32_t b;
    cfg->ss_stretch_ack = 1; /* one ACK of ten segments opens cwnd by ten, as Linux */
    memset(data, 'i', sizeof(data));
    int s = fx_sh_sack_rtt(h, cfg, 1000, 10000, &b);
    assert_int_equal(synack_send(h->st, s, data, 26000, 0), 26000);
    sh_run_for(h, 10000);
    fx_sh_peer_ack(h, b + 10000, 0, 0);
    sh_run_for(h, 10000);
    fx_sh_peer_ack(h, b + 26000, 0, 0);
    synack_tcp_info ti = fx_tcp_info(h->st, s);
    assert_int_equal(ti.snd_cwnd, 36000);
    if (!cfg->linux_profile)                 /* (rto_var_floor: Linux's differs) */
        assert_int_equal(ti.rto_us, 200000); /* the floor */
    sh_run_for(h, idle_us);
    size_t mark = h->nout;
    assert_int_equal(synack_send(h->st, s, data, 20000, 0), 20000);
    fx_sh_sent(h, mark, b, got, cap);
    return s;
}

static void test_rfc5681_restarts_at_initial_window(void **state)
{
    (void)state;
    seghost h;
    synack_config cfg;
    synack_config_default(&cfg);
    assert_int_equal(cfg.cwnd_restart, 1);
    char got[512];
    int s = grow_idle_write(&h, &cfg, 2000000, got, sizeof(got));
    assert_string_equal(got, "26000/1000|27000/1000|28000/1000|29000/1000|30000/1000|"
                             "31000/1000|32000/1000|33000/1000|34000/1000|35000/1000");
    synack_tcp_info ti = fx_tcp_info(h.st, s);
    assert_int_equal(ti.snd_cwnd, 10000);
    assert_int_equal(ti.snd_ssthresh, INT32_MAX); /* untouched: no loss */
    sh_free(&h);
}

static void test_idle_within_rto_keeps_cwnd(void **state)
{
    (void)state;
    seghost h;
    synack_config cfg;
    synack_config_default(&cfg);
    char got[512];
    int s = grow_idle_write(&h, &cfg, 150000, got, sizeof(got));
    assert_int_equal(fx_tcp_info(h.st, s).snd_cwnd, 36000);
    assert_string_equal(got, "26000/1000|27000/1000|28000/1000|29000/1000|30000/1000|"
                             "31000/1000|32000/1000|33000/1000|34000/1000|35000/1000|"
                             "36000/1000|37000/1000|38000/1000|39000/1000|40000/1000|"
                             "41000/1000|42000/1000|43000/1000|44000/1000|45000/1000P");
    sh_free(&h);
}

static void test_off_keeps_cwnd(void **state)
{
    (void)state;
    seghost h;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.cwnd_restart = 0;
    char got[512];
    int s = grow_idle_write(&h, &cfg, 2000000, got, sizeof(got));
    assert_int_equal(fx_tcp_info(h.st, s).snd_cwnd, 36000);
    assert_string_equal(got, "26000/1000|27000/1000|28000/1000|29000/1000|30000/1000|"
                             "31000/1000|32000/1000|33000/1000|34000/1000|35000/1000|"
                             "36000/1000|37000/1000|38000/1000|39000/1000|40000/1000|"
                             "41000/1000|42000/1000|43000/1000|44000/1000|45000/1000P");
    sh_free(&h);
}

/* Linux: halved once per RTO of the idle time while above the restart window. */
static void test_linux_halves_per_rto(void **state)
{
    (void)state;
    seghost h;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.cwnd_restart = 2;
    char got[512];
    /* 510 ms since data last left (the idle time and the last round trip), RTO 200 ms:
     * 510 - 200 > 0 halves (18), 310 - 200 > 0 halves (9: the restart window, 10), then
     * 110 - 200 stops */
    int s = grow_idle_write(&h, &cfg, 500000, got, sizeof(got));
    synack_tcp_info ti = fx_tcp_info(h.st, s);
    assert_int_equal(ti.snd_cwnd, 10000);
    assert_int_equal(ti.snd_ssthresh, INT32_MAX); /* max(ssthresh, 3/4 cwnd) */
    assert_string_equal(got, "26000/1000|27000/1000|28000/1000|29000/1000|30000/1000|"
                             "31000/1000|32000/1000|33000/1000|34000/1000|35000/1000");
    sh_free(&h);

    /* 390 ms: one halving (390 - 200 > 0), then 190 - 200 stops: 18 segments */
    s = grow_idle_write(&h, &cfg, 380000, got, sizeof(got));
    ti = fx_tcp_info(h.st, s);
    assert_int_equal(ti.snd_cwnd, 18000);
    assert_string_equal(got, "26000/1000|27000/1000|28000/1000|29000/1000|30000/1000|"
                             "31000/1000|32000/1000|33000/1000|34000/1000|35000/1000|"
                             "36000/1000|37000/1000|38000/1000|39000/1000|40000/1000|"
                             "41000/1000|42000/1000|43000/1000");
    sh_free(&h);
}

/* The linux profile turns the RFC's restart into Linux's (cwnd 18 after 390 ms, where
 * the RFC's gives 10); a 0 (the shim's tcp_slow_start_after_idle=0) stays off. */
static void test_linux_profile_picks_linux_form(void **state)
{
    (void)state;
    seghost h;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.linux_profile = 1;
    char got[512];
    int s = grow_idle_write(&h, &cfg, 380000, got, sizeof(got));
    assert_int_equal(fx_tcp_info(h.st, s).snd_cwnd, 18000);
    sh_free(&h);
    cfg.cwnd_restart = 0;
    s = grow_idle_write(&h, &cfg, 380000, got, sizeof(got));
    assert_int_equal(fx_tcp_info(h.st, s).snd_cwnd, 36000);
    sh_free(&h);
}

/* The peer's window held the data back (closed after the 36-segment round, 20000 bytes
 * written), then opens after 3 s: nothing was sent meanwhile (the zero-window probes are
 * no data), so cwnd restarts before the data leaves, as Linux's tcp_ack_update_window
 * checks (slow_start/slow-start-after-win-update.pkt). Linux's form: 3010 ms since data
 * left, RTO 200 ms: 36 -> 18 -> 9, the restart window 10. */
static void test_window_update_after_idle(void **state)
{
    (void)state;
    for (int mode = 0; mode <= 2; mode++) {
        seghost h;
        uint32_t b;
        synack_config cfg;
        synack_config_default(&cfg);
        cfg.cwnd_restart = (uint8_t)mode;
        cfg.ss_stretch_ack = 1;
        cfg.persist_bare_ack = 1;
        int s = fx_sh_sack_rtt(&h, &cfg, 1000, 10000, &b);
        assert_int_equal(synack_send(h.st, s, data, 26000, 0), 26000);
        sh_run_for(&h, 10000);
        fx_sh_peer_ack(&h, b + 10000, 0, 0);
        sh_run_for(&h, 10000);
        sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, b + 26000, TCP_ACK, 0, NULL, 0, NULL);
        assert_int_equal(synack_send(h.st, s, data, 20000, 0), 20000);
        sh_run_for(&h, 3000000);
        assert_int_equal(fx_tcp_info(h.st, s).snd_cwnd, 36000); /* the probes left it */
        size_t mark = h.nout;
        fx_sh_peer_ack(&h, b + 26000, 0, 0);
        char got[512];
        fx_sh_sent(&h, mark, b, got, sizeof(got));
        assert_int_equal(fx_tcp_info(h.st, s).snd_cwnd, mode ? 10000 : 36000);
        if (mode)
            assert_string_equal(got, "26000/1000|27000/1000|28000/1000|29000/1000|30000/1000|"
                                     "31000/1000|32000/1000|33000/1000|34000/1000|35000/1000");
        else
            assert_int_equal(h.nout - mark, 20);
        sh_free(&h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc5681_restarts_at_initial_window),
        cmocka_unit_test(test_idle_within_rto_keeps_cwnd),
        cmocka_unit_test(test_off_keeps_cwnd),
        cmocka_unit_test(test_linux_halves_per_rto),
        cmocka_unit_test(test_linux_profile_picks_linux_form),
        cmocka_unit_test(test_window_update_after_idle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
