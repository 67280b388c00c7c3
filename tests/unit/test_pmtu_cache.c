/* SPDX-License-Identifier: MIT */
/* Unit tests for src/stack/pmtu_cache.c: RFC 8201 / RFC 1191 estimates, floors, no
 * increase from messages, 10-minute expiry, LRU eviction when full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stack/pmtu_cache.h"
#include "synack/alloc.h"

#define SEC 1000000ull

static ipv6_addr v6(uint8_t last)
{
    ipv6_addr a = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0}};
    a.b[15] = last;
    return a;
}

static pmtu_cache *new_cache(uint32_t size)
{
    pmtu_config cfg;
    pmtu_config_default(&cfg);
    if (size)
        cfg.size = size;
    pmtu_cache *c = malloc(sizeof *c);
    assert_non_null(c);
    assert_int_equal(pmtu_cache_init(c, &cfg, synack_allocator_libc()), 0);
    return c;
}

static void free_cache(pmtu_cache *c)
{
    pmtu_cache_destroy(c);
    free(c);
}

static void test_v6_ptb(void **state)
{
    (void)state;
    pmtu_cache *c = new_cache(0);
    ipv6_addr a = v6(1), b = v6(2);
    assert_int_equal(pmtu_cache_get(c, &a, 1500, 0), 1500);
    assert_int_equal(pmtu_cache_update(c, &a, 1400, 1500, 1500, 0), 1400);
    assert_int_equal(pmtu_cache_get(c, &a, 1500, 1), 1400);
    assert_int_equal(pmtu_cache_get(c, &b, 1500, 1), 1500);
    /* Never raised by a message. */
    assert_int_equal(pmtu_cache_update(c, &a, 1450, 1500, 1500, 2), 0);
    assert_int_equal(pmtu_cache_update(c, &a, 1400, 1500, 1500, 2), 0);
    assert_int_equal(c->ctr.ignored, 2);
    assert_int_equal(pmtu_cache_get(c, &a, 1500, 3), 1400);
    /* Below 1280: 1280 (RFC 8201 4); then a second such report changes nothing. */
    assert_int_equal(pmtu_cache_update(c, &a, 576, 1400, 1500, 4), 1280);
    assert_int_equal(c->ctr.clamped, 1);
    assert_int_equal(pmtu_cache_get(c, &a, 1500, 5), 1280);
    assert_int_equal(pmtu_cache_update(c, &a, 68, 1280, 1500, 6), 0);
    /* A link narrower than the estimate wins. */
    assert_int_equal(pmtu_cache_get(c, &a, 1280, 7), 1280);
    /* Expiry after 10 minutes from the last lowering: back to the link MTU. */
    assert_int_equal(pmtu_cache_poll(c, 7), 4 + 600 * SEC);
    assert_int_equal(pmtu_cache_get(c, &a, 1500, 4 + 600 * SEC - 1), 1280);
    assert_int_equal(pmtu_cache_get(c, &a, 1500, 4 + 600 * SEC), 1500);
    assert_int_equal(c->ctr.expirations, 1);
    assert_int_equal(pmtu_cache_poll(c, 4 + 600 * SEC), UINT64_MAX);
    free_cache(c);
}

static void test_v4_frag_needed(void **state)
{
    (void)state;
    pmtu_cache *c = new_cache(0);
    ipv6_addr a;
    ipv6_addr_v4mapped(&a, 0xc0000202u);
    assert_int_equal(pmtu_cache_update(c, &a, 1492, 1500, 1500, 0), 1492);
    /* Linux's floor 552 by default ... */
    assert_int_equal(pmtu_cache_update(c, &a, 300, 1492, 1500, 1), 552);
    assert_int_equal(pmtu_cache_get(c, &a, 1500, 2), 552);
    free_cache(c);
    /* ... RFC 1191's 68 when configured; an old router's 0 uses the plateau table. */
    pmtu_config cfg;
    pmtu_config_default(&cfg);
    cfg.min_v4 = PMTU_MIN_V4_RFC;
    pmtu_cache d;
    assert_int_equal(pmtu_cache_init(&d, &cfg, synack_allocator_libc()), 0);
    assert_int_equal(pmtu_cache_update(&d, &a, 0, 1500, 1500, 0), 1492);
    assert_int_equal(pmtu_cache_update(&d, &a, 0, 1492, 1500, 0), 1006);
    assert_int_equal(d.ctr.plateaus, 2);
    assert_int_equal(pmtu_cache_update(&d, &a, 100, 1006, 1500, 0), 100);
    assert_int_equal(pmtu_cache_update(&d, &a, 20, 100, 1500, 0), 68);
    /* A report above 65535 with a huge link MTU is held to 65535. */
    ipv6_addr b;
    ipv6_addr_v4mapped(&b, 0x7f000001u);
    assert_int_equal(pmtu_cache_update(&d, &b, 100000, 0, 0xffffffffu, 0), 65535);
    pmtu_cache_destroy(&d);
    cfg.min_v4 = 67;
    assert_int_equal(pmtu_cache_init(&d, &cfg, synack_allocator_libc()), -22);
    cfg.min_v4 = 68;
    cfg.size = 0;
    assert_int_equal(pmtu_cache_init(&d, &cfg, synack_allocator_libc()), -22);
}

static void test_lru_eviction(void **state)
{
    (void)state;
    pmtu_cache *c = new_cache(2);
    ipv6_addr a = v6(1), b = v6(2), d = v6(3);
    pmtu_cache_update(c, &a, 1400, 0, 1500, 0);
    pmtu_cache_update(c, &b, 1400, 0, 1500, 1);
    assert_int_equal(pmtu_cache_get(c, &a, 1500, 2), 1400); /* a used more recently than b */
    assert_int_equal(pmtu_cache_update(c, &d, 1300, 0, 1500, 3), 1300);
    assert_int_equal(c->ctr.evictions, 1);
    assert_int_equal(pmtu_cache_get(c, &b, 1500, 4), 1500);
    assert_int_equal(pmtu_cache_get(c, &a, 1500, 4), 1400);
    assert_int_equal(pmtu_cache_get(c, &d, 1500, 4), 1300);
    /* An expired slot is reused before anything live is evicted. */
    pmtu_cache_destroy(c);
    pmtu_config cfg;
    pmtu_config_default(&cfg);
    cfg.size = 2;
    cfg.expire_us = 10;
    assert_int_equal(pmtu_cache_init(c, &cfg, synack_allocator_libc()), 0);
    pmtu_cache_update(c, &a, 1400, 0, 1500, 0);
    pmtu_cache_update(c, &b, 1400, 0, 1500, 5);
    pmtu_cache_update(c, &d, 1400, 0, 1500, 12);
    assert_int_equal(c->ctr.evictions, 0);
    assert_int_equal(c->ctr.expirations, 1);
    assert_int_equal(pmtu_cache_get(c, &b, 1500, 13), 1400);
    free_cache(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v6_ptb),
        cmocka_unit_test(test_v4_frag_needed),
        cmocka_unit_test(test_lru_eviction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
