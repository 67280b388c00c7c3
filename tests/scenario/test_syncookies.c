/* SPDX-License-Identifier: MIT */
/* SYN cookies (RFC 4987 3.6): a full SYN queue is answered statelessly, and the returning
 * ACK builds the connection with the options the cookie (and the TSval echo) carried. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"
#include "tcp/syncookie.h"

static void exchange(pair *p, int cs, int ss)
{
    char buf[4096];
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(synack_send(p->st[0], cs, buf, sizeof(buf), 0), sizeof(buf));
    assert_int_equal(synack_send(p->st[1], ss, buf, 100, 0), 100);
    pair_run_for(p, 200000);
    assert_int_equal(synack_recv(p->st[1], ss, buf, sizeof(buf), 0), 4096);
    assert_int_equal(synack_recv(p->st[0], cs, buf, sizeof(buf), 0), 100);
}

/* A server config that answers every SYN with a cookie. */
static synack_config cookies_always(void)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.syncookies = 2;
    return cfg;
}

static void test_always_with_timestamps(void **state)
{
    (void)state;
    synack_config cfg = cookies_always();
    pair p;
    int cs;
    int ss = fx_established(&p, &cfg, 1000, &cs);
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_SyncookiesSent), 1);
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_SyncookiesRecv), 1);
    /* no half-open state was kept: the SYN-ACK came from nothing */
    assert_int_equal(pair_saw_state(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED), 0);
    synack_tcp_info info = fx_tcp_info(p.st[1], ss);
    assert_int_equal(info.options, 7); /* ts, sack and window scale came back in the TSecr */
    assert_int_equal(info.snd_wscale, 7);
    assert_int_equal(info.snd_mss, 1460 - 12);
    exchange(&p, cs, ss);
    pair_free(&p);
}

static void test_always_without_timestamps(void **state)
{
    (void)state;
    synack_config cfg = cookies_always();
    cfg.timestamps = 0;
    pair p;
    int cs;
    int ss = fx_established(&p, &cfg, 1000, &cs);
    /* the cookie SYN-ACK carries only the MSS: nothing else could be remembered */
    assert_int_equal(p.segs[1].s.flags, 0x12);
    assert_int_equal(p.segs[1].s.has_wscale, 0);
    assert_int_equal(p.segs[1].s.sack_ok, 0);
    assert_int_equal(p.segs[1].s.has_mss, 1);
    assert_int_equal(fx_tcp_info(p.st[0], cs).options, 0);
    exchange(&p, cs, ss);
    pair_free(&p);
}

static void test_full_syn_queue(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.max_syn_backlog = 8;
    pair p;
    pair_init(&p, &cfg, 1000);
    int ls = pair_listen(&p, 80, 8);
    /* eight spoofed SYNs from addresses that never answer fill the SYN queue */
    for (uint32_t i = 0; i < 8; i++)
        fx_inject(&p, PAIR_SERVER, 0, 0xc6120000u + i, (uint16_t)(1000 + i), 80, 12345u * i, 0,
                  0x02, 65535);
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_SyncookiesSent), 0);
    int cs = pair_connect(&p, 80);
    pair_run_for(&p, 10000);
    int ss = synack_accept(p.st[1], ls, NULL, NULL);
    assert_true(ss >= 0);
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_SyncookiesSent), 1);
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_SyncookiesRecv), 1);
    exchange(&p, cs, ss);

    /* a forged ACK that guesses a cookie is refused with a RST and counted */
    size_t before = p.nsegs;
    fx_inject(&p, PAIR_SERVER, p.now, PAIR_CLIENT_ADDR, 4444, 80, 777, 0x12345678u, 0x10, 65535);
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_SyncookiesFailed), 1);
    assert_int_equal(p.nsegs, before + 1);
    assert_int_equal(p.segs[before].s.flags, 0x04);
    assert_int_equal(p.segs[before].s.seq, 0x12345678u);
    pair_free(&p);
}

static void test_cookie_codec(void **state)
{
    (void)state;
    for (uint32_t mss = 0; mss < 2000; mss += 100) {
        uint32_t idx = syncookie_mss_index((uint16_t)mss);
        assert_true(idx < 4);
        if (mss >= 536)
            assert_true(syncookie_mss_table[idx] <= mss);
    }
    int ws, sack;
    uint32_t ts = syncookie_ts_encode(100000, 7, 1);
    assert_true(ts <= 100000);
    syncookie_ts_decode(ts, &ws, &sack);
    assert_int_equal(ws, 7);
    assert_int_equal(sack, 1);
    syncookie_ts_decode(syncookie_ts_encode(5000, -1, 0), &ws, &sack);
    assert_int_equal(ws, -1);
    assert_int_equal(sack, 0);
}

static void test_rotation_keeps_cookies_and_connections(void **state)
{
    (void)state;
    synack_config cfg = cookies_always();
    pair p;
    pair_init(&p, &cfg, 1000);
    int ls = pair_listen(&p, 80, 8);
    int cs1 = pair_connect(&p, 80);
    pair_run_for(&p, 10000);
    int ss1 = synack_accept(p.st[1], ls, NULL, NULL);
    assert_true(ss1 >= 0);
    /* a second client's SYN-ACK is in flight when the server rotates its secrets */
    int cs2 = pair_connect(&p, 80);
    pair_run_for(&p, 1500); /* the SYN-ACK left the server; the ACK is on its way */
    assert_int_equal(synack_rotate_secrets(p.st[1]), 0);
    pair_run_for(&p, 10000);
    int ss2 = synack_accept(p.st[1], ls, NULL, NULL);
    assert_true(ss2 >= 0);
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_SyncookiesFailed), 0);
    exchange(&p, cs1, ss1);
    exchange(&p, cs2, ss2);
    pair_free(&p);
}

static void test_stale_cookie_rejected(void **state)
{
    (void)state;
    synack_config cfg = cookies_always();
    pair p;
    pair_init(&p, &cfg, 1000);
    pair_listen(&p, 80, 8);
    /* the client's ACK is held back for longer than a cookie lives (2 x 64 s ticks) */
    fx_inject(&p, PAIR_SERVER, 0, PAIR_CLIENT_ADDR, 5555, 80, 1000, 0, 0x02, 65535);
    assert_true(p.nsegs >= 1);
    uint32_t cookie = p.segs[p.nsegs - 1].s.seq;
    fx_inject(&p, PAIR_SERVER, 4 * 64000000ull, PAIR_CLIENT_ADDR, 5555, 80, 1001, cookie + 1, 0x10,
              65535);
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_SyncookiesFailed), 1);
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_SyncookiesRecv), 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_always_with_timestamps),
        cmocka_unit_test(test_always_without_timestamps),
        cmocka_unit_test(test_full_syn_queue),
        cmocka_unit_test(test_cookie_codec),
        cmocka_unit_test(test_rotation_keeps_cookies_and_connections),
        cmocka_unit_test(test_stale_cookie_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
