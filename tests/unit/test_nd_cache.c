/* SPDX-License-Identifier: MIT */
/* Unit tests for src/stack/nd_cache.c: RFC 4861 7.3 states and timers, the bounded
 * queue, NA processing (7.2.5), SLLA updates (7.2.3), upper-layer confirmation, table
 * full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stack/nd_cache.h"
#include "synack/alloc.h"
#include "util/rng.h"
#include "wire/icmpv6.h"

#define SEC 1000000ull

typedef struct rec {
    int ns_multi, ns_uni, xmits, unreach;
    uint8_t last_ns_mac[6];
    uint8_t last_xmit_mac[6];
    uint8_t xmit_first[8]; /* first byte of each packet sent, in order */
} rec;

static void on_ns(void *ctx, const ipv6_addr *target, const uint8_t *mac, const uint8_t *prompt,
                  size_t len)
{
    rec *r = ctx;
    (void)target;
    (void)prompt;
    (void)len;
    if (mac) {
        r->ns_uni++;
        memcpy(r->last_ns_mac, mac, 6);
    } else {
        r->ns_multi++;
    }
}

static void on_xmit(void *ctx, const uint8_t mac[6], const uint8_t *pkt, size_t len)
{
    rec *r = ctx;
    (void)len;
    memcpy(r->last_xmit_mac, mac, 6);
    if (r->xmits < 8)
        r->xmit_first[r->xmits] = pkt[0];
    r->xmits++;
}

static void on_unreach(void *ctx, const ipv6_addr *target, const uint8_t *pkt, size_t len)
{
    rec *r = ctx;
    (void)target;
    (void)pkt;
    (void)len;
    r->unreach++;
}

static const uint8_t MAC1[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t MAC2[6] = {2, 0, 0, 0, 0, 2};

static ipv6_addr addr(uint8_t last)
{
    ipv6_addr a = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0}};
    a.b[15] = last;
    return a;
}

typedef struct fx {
    nd_cache c;
    rec r;
    synack_rng rng;
} fx;

static fx *setup(uint32_t size)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    nd_config cfg;
    nd_config_default(&cfg);
    if (size)
        cfg.size = size;
    nd_ops ops = {.ctx = &f->r, .send_ns = on_ns, .xmit = on_xmit, .unreachable = on_unreach};
    rng_seed(&f->rng, 1);
    assert_int_equal(nd_cache_init(&f->c, &cfg, synack_allocator_libc(), &ops, &f->rng), 0);
    return f;
}

static void teardown_fx(fx *f)
{
    nd_cache_destroy(&f->c);
    free(f);
}

static void test_resolve_and_queue(void **state)
{
    (void)state;
    fx *f = setup(0);
    ipv6_addr a = addr(1);
    uint8_t mac[6], pkt[4] = {0};
    /* First packet: INCOMPLETE, one multicast NS, packet queued. */
    for (uint8_t i = 1; i <= 5; i++) {
        pkt[0] = i;
        assert_int_equal(nd_resolve(&f->c, &a, pkt, sizeof pkt, 0, mac), 1);
    }
    const nd_entry *e = nd_lookup(&f->c, &a);
    assert_non_null(e);
    assert_int_equal(e->state, ND_INCOMPLETE);
    assert_int_equal(f->r.ns_multi, 1);
    /* The queue holds 3: the two oldest were replaced (7.2.2), counted. */
    assert_int_equal(e->qlen, 3);
    assert_int_equal(f->c.ctr.unresolved_discards, 2);
    /* Solicited NA with TLLA: REACHABLE, the queue goes out in order. */
    assert_int_equal(nd_input_na(&f->c, &a, ND_NA_SOLICITED | ND_NA_OVERRIDE, MAC1, 100), 0);
    assert_int_equal(e->state, ND_REACHABLE);
    assert_int_equal(f->r.xmits, 3);
    assert_memory_equal(f->r.xmit_first, "\x03\x04\x05", 3);
    assert_memory_equal(f->r.last_xmit_mac, MAC1, 6);
    assert_int_equal(f->c.qbytes, 0);
    /* Now sends go straight out. */
    assert_int_equal(nd_resolve(&f->c, &a, pkt, sizeof pkt, 200, mac), 0);
    assert_memory_equal(mac, MAC1, 6);
    assert_int_equal(e->state, ND_REACHABLE);
    teardown_fx(f);
}

static void test_incomplete_gives_up(void **state)
{
    (void)state;
    fx *f = setup(0);
    ipv6_addr a = addr(2);
    uint8_t mac[6], pkt[4] = {0};
    assert_int_equal(nd_resolve(&f->c, &a, pkt, sizeof pkt, 0, mac), 1);
    assert_int_equal(nd_poll(&f->c, 0), 1 * SEC);
    assert_int_equal(nd_poll(&f->c, 1 * SEC), 2 * SEC);
    assert_int_equal(nd_poll(&f->c, 2 * SEC), 3 * SEC);
    assert_int_equal(f->r.ns_multi, 3); /* MAX_MULTICAST_SOLICIT */
    assert_int_equal(nd_poll(&f->c, 3 * SEC), UINT64_MAX);
    assert_null(nd_lookup(&f->c, &a));
    assert_int_equal(f->r.unreach, 1);
    assert_int_equal(f->c.ctr.res_failed, 1);
    assert_int_equal(f->c.ctr.unresolved_discards, 1);
    teardown_fx(f);
}

static void test_stale_delay_probe(void **state)
{
    (void)state;
    fx *f = setup(0);
    ipv6_addr a = addr(3);
    uint8_t mac[6], pkt[4] = {0};
    /* Learned from an NS's SLLA: STALE (7.2.3). */
    nd_input_slla(&f->c, &a, MAC1, 0);
    const nd_entry *e = nd_lookup(&f->c, &a);
    assert_int_equal(e->state, ND_STALE);
    assert_int_equal(nd_poll(&f->c, 0), UINT64_MAX);
    /* Sending to STALE: DELAY for 5 s, the packet goes now. */
    assert_int_equal(nd_resolve(&f->c, &a, pkt, sizeof pkt, 10, mac), 0);
    assert_memory_equal(mac, MAC1, 6);
    assert_int_equal(e->state, ND_DELAY);
    assert_int_equal(nd_poll(&f->c, 10), 10 + 5 * SEC);
    /* No confirmation: PROBE with unicast NS every second, 3 times, then gone. */
    assert_int_equal(nd_poll(&f->c, 10 + 5 * SEC), 10 + 6 * SEC);
    assert_int_equal(e->state, ND_PROBE);
    assert_int_equal(f->r.ns_uni, 1);
    assert_memory_equal(f->r.last_ns_mac, MAC1, 6);
    nd_poll(&f->c, 10 + 6 * SEC);
    nd_poll(&f->c, 10 + 7 * SEC);
    assert_int_equal(f->r.ns_uni, 3);
    assert_int_equal(nd_poll(&f->c, 10 + 8 * SEC), UINT64_MAX);
    assert_null(nd_lookup(&f->c, &a));
    assert_int_equal(f->c.ctr.res_failed, 1);
    /* Again, but an upper-layer confirmation in DELAY makes it REACHABLE. */
    nd_input_slla(&f->c, &a, MAC1, 100 * SEC);
    e = nd_lookup(&f->c, &a);
    assert_int_equal(nd_resolve(&f->c, &a, pkt, sizeof pkt, 100 * SEC, mac), 0);
    nd_confirm(&f->c, &a, 101 * SEC);
    assert_int_equal(e->state, ND_REACHABLE);
    assert_int_equal(e->timer, 101 * SEC + f->c.reachable_us);
    /* REACHABLE times out to STALE. */
    nd_poll(&f->c, 101 * SEC + f->c.reachable_us);
    assert_int_equal(e->state, ND_STALE);
    /* A solicited NA in PROBE: REACHABLE. */
    nd_resolve(&f->c, &a, pkt, sizeof pkt, 200 * SEC, mac);
    nd_poll(&f->c, 205 * SEC);
    assert_int_equal(e->state, ND_PROBE);
    nd_input_na(&f->c, &a, ND_NA_SOLICITED, NULL, 205 * SEC + 1);
    assert_int_equal(e->state, ND_REACHABLE);
    teardown_fx(f);
}

static void test_reachable_time_random(void **state)
{
    (void)state;
    fx *f = setup(0);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int i = 0; i < 200; i++) {
        nd_cache_set_reachable(&f->c, 30 * SEC, &f->rng);
        uint64_t t = f->c.reachable_us;
        assert_true(t >= 15 * SEC && t <= 45 * SEC);
        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
    }
    /* Spread across the range, not stuck at one value. */
    assert_true(lo < 20 * SEC && hi > 40 * SEC);
    teardown_fx(f);
}

/* 6.3.4: ReachableTime is drawn again every ND_REDRAW_US of the caller's time, from the
 * first call on; a new BaseReachableTime starts the period again. */
static void test_reachable_time_redrawn(void **state)
{
    (void)state;
    fx *f = setup(0);
    uint64_t t0 = f->c.reachable_us;
    nd_cache_redraw(&f->c, 1000 * SEC, &f->rng); /* the first call only starts the clock */
    assert_int_equal(f->c.reachable_us, t0);
    nd_cache_redraw(&f->c, 1000 * SEC + ND_REDRAW_US - 1, &f->rng);
    assert_int_equal(f->c.reachable_us, t0);
    uint64_t now = 1000 * SEC + ND_REDRAW_US, prev = t0;
    int changed = 0;
    for (int i = 0; i < 50; i++, now += ND_REDRAW_US) {
        nd_cache_redraw(&f->c, now, &f->rng);
        assert_true(f->c.reachable_us >= 15 * SEC && f->c.reachable_us <= 45 * SEC);
        changed += f->c.reachable_us != prev;
        prev = f->c.reachable_us;
        nd_cache_redraw(&f->c, now + ND_REDRAW_US - 1, &f->rng); /* not yet due */
        assert_int_equal(f->c.reachable_us, prev);
    }
    assert_true(changed >= 49);
    /* An RA's BaseReachableTime: drawn from its range at once, and the next draw a whole
     * period after the next call. */
    nd_cache_set_reachable(&f->c, 10 * SEC, &f->rng);
    uint64_t t1 = f->c.reachable_us;
    assert_true(t1 >= 5 * SEC && t1 <= 15 * SEC);
    nd_cache_redraw(&f->c, now + 1, &f->rng);
    nd_cache_redraw(&f->c, now + ND_REDRAW_US, &f->rng);
    assert_int_equal(f->c.reachable_us, t1);
    nd_cache_redraw(&f->c, now + 1 + ND_REDRAW_US, &f->rng);
    assert_true(f->c.reachable_us >= 5 * SEC && f->c.reachable_us <= 15 * SEC);
    assert_true(f->c.reachable_us != t1);
    teardown_fx(f);
}

static void test_na_rules(void **state)
{
    (void)state;
    fx *f = setup(0);
    ipv6_addr a = addr(4);
    uint8_t mac[6], pkt[4] = {0};
    /* NA for no entry: ignored. INCOMPLETE without TLLA: ignored. */
    assert_int_equal(nd_input_na(&f->c, &a, ND_NA_SOLICITED, MAC1, 0), 0);
    assert_null(nd_lookup(&f->c, &a));
    nd_resolve(&f->c, &a, pkt, sizeof pkt, 0, mac);
    nd_input_na(&f->c, &a, ND_NA_SOLICITED, NULL, 0);
    const nd_entry *e = nd_lookup(&f->c, &a);
    assert_int_equal(e->state, ND_INCOMPLETE);
    assert_int_equal(f->c.ctr.na_ignored, 2);
    /* Unsolicited NA completing it: STALE, router flag recorded, queue sent. */
    nd_input_na(&f->c, &a, ND_NA_ROUTER, MAC1, 1);
    assert_int_equal(e->state, ND_STALE);
    assert_int_equal(e->is_router, 1);
    assert_int_equal(f->r.xmits, 1);
    nd_confirm(&f->c, &a, 2);
    assert_int_equal(e->state, ND_REACHABLE);
    /* Different TLLA without O: REACHABLE -> STALE, address kept. */
    nd_input_na(&f->c, &a, ND_NA_SOLICITED | ND_NA_ROUTER, MAC2, 3);
    assert_int_equal(e->state, ND_STALE);
    assert_memory_equal(e->mac, MAC1, 6);
    /* ... and in STALE nothing changes. */
    nd_input_na(&f->c, &a, ND_NA_SOLICITED | ND_NA_ROUTER, MAC2, 4);
    assert_int_equal(e->state, ND_STALE);
    assert_memory_equal(e->mac, MAC1, 6);
    /* With O, unsolicited: the new address, STALE. */
    nd_input_na(&f->c, &a, ND_NA_OVERRIDE | ND_NA_ROUTER, MAC2, 5);
    assert_int_equal(e->state, ND_STALE);
    assert_memory_equal(e->mac, MAC2, 6);
    /* Same address, solicited, no O: REACHABLE. R cleared: reported. */
    assert_int_equal(nd_input_na(&f->c, &a, ND_NA_SOLICITED, MAC2, 6), 1);
    assert_int_equal(e->state, ND_REACHABLE);
    assert_int_equal(e->is_router, 0);
    /* Unsolicited, O, same address: state unchanged. */
    nd_input_na(&f->c, &a, ND_NA_OVERRIDE, MAC2, 7);
    assert_int_equal(e->state, ND_REACHABLE);
    teardown_fx(f);
}

static void test_slla_updates(void **state)
{
    (void)state;
    fx *f = setup(0);
    ipv6_addr a = addr(5);
    uint8_t mac[6], pkt[4] = {9};
    nd_resolve(&f->c, &a, pkt, sizeof pkt, 0, mac);
    nd_input_slla(&f->c, &a, MAC1, 1); /* an NS from the neighbor we were resolving */
    const nd_entry *e = nd_lookup(&f->c, &a);
    assert_int_equal(e->state, ND_STALE);
    assert_int_equal(f->r.xmits, 1);
    nd_confirm(&f->c, &a, 2);
    nd_input_slla(&f->c, &a, MAC1, 3); /* same address: no change */
    assert_int_equal(e->state, ND_REACHABLE);
    nd_input_slla(&f->c, &a, MAC2, 4); /* a new one: STALE */
    assert_int_equal(e->state, ND_STALE);
    assert_memory_equal(e->mac, MAC2, 6);
    teardown_fx(f);
}

static void test_table_full(void **state)
{
    (void)state;
    fx *f = setup(2);
    uint8_t mac[6], pkt[4] = {0};
    ipv6_addr a = addr(10), b = addr(11), c = addr(12), d = addr(13);
    assert_int_equal(nd_resolve(&f->c, &a, pkt, sizeof pkt, 0, mac), 1);
    assert_int_equal(nd_resolve(&f->c, &b, pkt, sizeof pkt, 0, mac), 1);
    /* Both INCOMPLETE: a third is refused, counted. */
    assert_int_equal(nd_resolve(&f->c, &c, pkt, sizeof pkt, 0, mac), -105);
    assert_int_equal(f->c.ctr.table_fulls, 1);
    assert_int_equal(f->c.ctr.unresolved_discards, 1);
    /* A flood of NS sources replaces only resolved entries, least recently used first. */
    nd_input_na(&f->c, &a, ND_NA_SOLICITED, MAC1, 1);
    nd_input_slla(&f->c, &c, MAC2, 2); /* replaces a (b is INCOMPLETE) */
    assert_null(nd_lookup(&f->c, &a));
    assert_non_null(nd_lookup(&f->c, &b));
    nd_input_slla(&f->c, &d, MAC2, 3); /* replaces c */
    assert_null(nd_lookup(&f->c, &c));
    assert_non_null(nd_lookup(&f->c, &d));
    assert_int_equal(f->c.ctr.destroys, 2);
    teardown_fx(f);
}

static void test_byte_budget(void **state)
{
    (void)state;
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    nd_config cfg;
    nd_config_default(&cfg);
    cfg.max_queue_bytes = 1000;
    nd_ops ops = {.ctx = &f->r, .send_ns = on_ns, .xmit = on_xmit};
    rng_seed(&f->rng, 2);
    assert_int_equal(nd_cache_init(&f->c, &cfg, synack_allocator_libc(), &ops, &f->rng), 0);
    static uint8_t big[600];
    uint8_t mac[6];
    ipv6_addr a = addr(20), b = addr(21);
    assert_int_equal(nd_resolve(&f->c, &a, big, sizeof big, 0, mac), 1);
    assert_int_equal(nd_resolve(&f->c, &b, big, sizeof big, 0, mac), -105);
    assert_int_equal(f->c.qbytes, 600);
    assert_int_equal(f->c.ctr.unresolved_discards, 1);
    /* Failure without an unreachable callback just counts. */
    for (uint64_t t = 0; t <= 3; t++)
        nd_poll(&f->c, t * SEC);
    assert_int_equal(f->c.qbytes, 0);
    assert_int_equal(f->c.ctr.unresolved_discards, 2);
    nd_cache_destroy(&f->c);
    free(f);
    nd_cache c;
    cfg.size = 0;
    assert_int_equal(nd_cache_init(&c, &cfg, synack_allocator_libc(), &ops, NULL), -22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve_and_queue),
        cmocka_unit_test(test_incomplete_gives_up),
        cmocka_unit_test(test_stale_delay_probe),
        cmocka_unit_test(test_reachable_time_random),
        cmocka_unit_test(test_reachable_time_redrawn),
        cmocka_unit_test(test_na_rules),
        cmocka_unit_test(test_slla_updates),
        cmocka_unit_test(test_table_full),
        cmocka_unit_test(test_byte_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
