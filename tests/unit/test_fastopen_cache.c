/* SPDX-License-Identifier: MIT */
/* The client's Fast Open cache (src/tcp/fastopen_cache.c): one entry per destination,
 * bounded by cfg.fastopen_cache_max, the least recently used entry evicted (and counted)
 * for a new destination; what a SYN-ACK teaches (cookie, MSS, the form to ask in) and the
 * SYN-loss rule that turns Fast Open off for a while (RFC 7413 4.1.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stack/stack_impl.h"
#include "support/tcb_fixture.h"
#include "tcp/fastopen_cache.h"

#define SEC 1000000ull

static tcp_opts cookie_opts(uint8_t first, uint8_t len, uint8_t exp)
{
    tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_fo = 1;
    o.fo_len = len;
    o.fo_exp = exp;
    for (uint8_t i = 0; i < len; i++)
        o.fo_cookie[i] = (uint8_t)(first + i);
    return o;
}

static void learn(synack_stack *st, uint32_t raddr, uint16_t mss, uint8_t first)
{
    tcp_opts o = cookie_opts(first, 8, 0);
    tfo_learnt l = {.mss = mss, .fo = &o};
    tfo_cache_set(st, raddr, &l);
}

static void test_bounded_lru(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.fastopen_cache_max = 2;
    tcb_fixture f;
    tcb_fixture_init(&f, &cfg, 1000, 1000);
    assert_null(tfo_cache_get(f.st, 0x0a000001));
    assert_null(f.st->tfo.e); /* nothing allocated before the first cookie */
    learn(f.st, 0x0a000001, 1200, 1);
    learn(f.st, 0x0a000002, 1300, 2);
    assert_int_equal(synack_counter_get(f.st, SYNACK_CTR_TCPFastOpenCacheEvict), 0);
    /* .1 used last: .2 is the least recently used and goes for .3 */
    assert_non_null(tfo_cache_get(f.st, 0x0a000001));
    learn(f.st, 0x0a000003, 1400, 3);
    assert_int_equal(synack_counter_get(f.st, SYNACK_CTR_TCPFastOpenCacheEvict), 1);
    assert_null(tfo_cache_get(f.st, 0x0a000002));
    const tfo_entry *e = tfo_cache_get(f.st, 0x0a000001);
    assert_non_null(e);
    assert_int_equal(e->mss, 1200);
    assert_int_equal(e->cookie_len, 8);
    assert_int_equal(e->cookie[0], 1);
    e = tfo_cache_get(f.st, 0x0a000003);
    assert_non_null(e);
    assert_int_equal(e->mss, 1400);
    assert_int_equal(e->cookie[7], 10);
    /* an update keeps the entry and its cookie unless a new one comes; MSS 0 keeps MSS */
    tfo_learnt none = {0};
    tfo_cache_set(f.st, 0x0a000003, &none);
    e = tfo_cache_get(f.st, 0x0a000003);
    assert_int_equal(e->mss, 1400);
    assert_int_equal(e->cookie_len, 8);
    assert_int_equal(synack_counter_get(f.st, SYNACK_CTR_TCPFastOpenCacheEvict), 1);
    tcb_fixture_free(&f);
}

static void test_zero_entries(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.fastopen_cache_max = 0;
    tcb_fixture f;
    tcb_fixture_init(&f, &cfg, 1000, 1000);
    learn(f.st, 0x0a000001, 1200, 1);
    assert_null(tfo_cache_get(f.st, 0x0a000001));
    assert_null(f.st->tfo.e);
    tcb_fixture_free(&f);
}

static void test_try_exp_and_losses(void **state)
{
    (void)state;
    tcb_fixture f;
    tcb_fixture_init(&f, NULL, 1000, 1000);
    tfo_learnt l = {.try_exp = 1};
    tfo_cache_set(f.st, 0x0a000001, &l);
    assert_int_equal(tfo_cache_get(f.st, 0x0a000001)->try_exp, 1);
    l.try_exp = 2;
    tfo_cache_set(f.st, 0x0a000001, &l);
    assert_int_equal(tfo_cache_get(f.st, 0x0a000001)->try_exp, 2);
    l.try_exp = 1; /* never back down */
    tfo_cache_set(f.st, 0x0a000001, &l);
    assert_int_equal(tfo_cache_get(f.st, 0x0a000001)->try_exp, 2);

    /* one loss leaves Fast Open on; the second in a row turns it off for 60 s << 2 */
    tfo_learnt lost = {.syn_lost = 1};
    f.st->now = 10 * SEC;
    tfo_cache_set(f.st, 0x0a000001, &lost);
    const tfo_entry *e = tfo_cache_get(f.st, 0x0a000001);
    assert_int_equal(e->syn_loss, 1);
    assert_false(tfo_cache_disabled(e, 10 * SEC));
    tfo_cache_set(f.st, 0x0a000001, &lost);
    assert_int_equal(e->syn_loss, 2);
    assert_true(tfo_cache_disabled(e, 10 * SEC));
    assert_true(tfo_cache_disabled(e, 10 * SEC + 240 * SEC - 1));
    assert_false(tfo_cache_disabled(e, 10 * SEC + 240 * SEC));
    /* a SYN-ACK without a loss clears the history */
    tfo_learnt ok = {.mss = 1000};
    tfo_cache_set(f.st, 0x0a000001, &ok);
    assert_int_equal(e->syn_loss, 0);
    assert_false(tfo_cache_disabled(e, 10 * SEC));
    assert_false(tfo_cache_disabled(NULL, 0));
    tcb_fixture_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bounded_lru),
        cmocka_unit_test(test_zero_entries),
        cmocka_unit_test(test_try_exp_and_losses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
