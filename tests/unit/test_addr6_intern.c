/* SPDX-License-Identifier: MIT */
/* Unit tests for src/tcp/addr6_intern.c: interned, refcounted IPv6 addresses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/addr6_intern.h"

/* Counts live bytes; fails every allocation once `fail` is set. */
typedef struct acct {
    size_t live;
    int fail;
} acct;

static void *acct_alloc(void *ctx, size_t size)
{
    acct *a = ctx;
    if (a->fail)
        return NULL;
    void *p = malloc(size);
    assert_non_null(p);
    a->live += size;
    return p;
}

static void acct_free(void *ctx, void *p, size_t size)
{
    acct *a = ctx;
    assert_true(a->live >= size);
    a->live -= size;
    free(p);
}

#define K0 0x0123456789abcdefull
#define K1 0xfedcba9876543210ull

/* 2001:db8::/64 with i in the interface identifier. */
static void addr(uint8_t out[16], uint32_t i)
{
    static const uint8_t base[16] = {0x20, 0x01, 0x0d, 0xb8};
    memcpy(out, base, 16);
    out[12] = (uint8_t)(i >> 24);
    out[13] = (uint8_t)(i >> 16);
    out[14] = (uint8_t)(i >> 8);
    out[15] = (uint8_t)i;
}

static uint32_t hold(a6_table *t, uint32_t i)
{
    uint8_t a[16];
    addr(a, i);
    uint32_t r = A6_NONE;
    assert_int_equal(a6_hold(t, a, &r), 0);
    assert_memory_equal(a6_addr(t, r), a, 16);
    return r;
}

/* The chain a reference is filed in (asserting it is in exactly one). */
static uint32_t bucket_of(const a6_table *t, uint32_t ref)
{
    uint32_t found = A6_NONE;
    for (uint32_t b = 0; b < t->nbuckets; b++)
        for (uint32_t r = t->buckets[b]; r != A6_NONE;
             r = t->pages[r >> A6_PAGE_SHIFT][r & (A6_PAGE_MAX - 1)].next)
            if (r == ref) {
                assert_int_equal(found, A6_NONE);
                found = b;
            }
    assert_true(found != A6_NONE);
    return found;
}

/* One entry per address however often it is held; it outlives every hold but the last,
 * and its slot is the next one handed out once free. Nothing is allocated before the
 * first hold, and destroy gives everything back. */
static void test_refcount_and_free_on_last_reference(void **state)
{
    (void)state;
    acct ac = {0};
    synack_allocator al = {acct_alloc, acct_free, &ac};
    a6_table t;
    a6_init(&t, &al, K0, K1);
    assert_int_equal(ac.live, 0);
    assert_int_equal(a6_bytes(&t), 0);
    uint32_t a = hold(&t, 1);
    assert_int_equal(hold(&t, 1), a);
    assert_int_equal(a6_hold_ref(&t, a), 0);
    assert_int_equal(a6_count(&t), 1);
    uint32_t b = hold(&t, 2);
    assert_true(b != a);
    assert_int_equal(a6_count(&t), 2);
    assert_int_equal(ac.live, a6_bytes(&t)); /* every byte is the caller's allocator's */
    a6_put(&t, a);
    a6_put(&t, a);
    uint8_t want[16];
    addr(want, 1);
    assert_memory_equal(a6_addr(&t, a), want, 16); /* one hold left */
    assert_int_equal(a6_count(&t), 2);
    a6_put(&t, a);
    assert_int_equal(a6_count(&t), 1);
    assert_int_equal(hold(&t, 3), a); /* the freed slot, reused */
    assert_int_equal(hold(&t, 2), b); /* the other entry untouched */
    assert_int_equal(hold(&t, 1), 2); /* address 1 again: a fresh slot */
    assert_int_equal(a6_count(&t), 3);
    a6_destroy(&t);
    assert_int_equal(ac.live, 0);
    assert_int_equal(a6_count(&t), 0);
}

/* Entries sharing a chain: 16 addresses in 8 chains (no doubling yet) collide; freeing
 * any of them, first, middle or last in its chain, leaves the others found; the chains
 * double past 2 per head and every entry keeps its reference. */
static void test_collisions_and_doubling(void **state)
{
    (void)state;
    acct ac = {0};
    synack_allocator al = {acct_alloc, acct_free, &ac};
    a6_table t;
    a6_init(&t, &al, K0, K1);
    enum { C = 16, N = 1000 };
    uint32_t ref[N];
    for (uint32_t i = 0; i < C; i++)
        ref[i] = hold(&t, i);
    assert_int_equal(t.nbuckets, 8);
    int longest = 0;
    for (uint32_t b = 0; b < t.nbuckets; b++) {
        int len = 0;
        for (uint32_t i = 0; i < C; i++)
            len += bucket_of(&t, ref[i]) == b;
        longest = len > longest ? len : longest;
    }
    assert_true(longest >= 3); /* a chain with a first, a middle and a last */
    for (uint32_t i = 0; i < C; i += 2)
        a6_put(&t, ref[i]);
    assert_int_equal(a6_count(&t), C / 2);
    for (uint32_t i = 1; i < C; i += 2)
        assert_int_equal(hold(&t, i), ref[i]);
    for (uint32_t i = 0; i < C; i += 2)
        ref[i] = hold(&t, i); /* new entries, in the freed slots */
    for (uint32_t i = C; i < N; i++)
        ref[i] = hold(&t, i);
    assert_int_equal(a6_count(&t), N);
    assert_true(t.nbuckets >= N / 2 && a6_count(&t) <= 2 * t.nbuckets);
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(hold(&t, i), ref[i]);
        for (uint32_t j = 0; j < i; j += 97)
            assert_true(ref[j] != ref[i]);
    }
    assert_int_equal(ac.live, a6_bytes(&t));
    a6_destroy(&t);
    assert_int_equal(ac.live, 0);
}

/* A SYN flood from 100,000 distinct sources, each source's entry held by one SYN-queue
 * entry for a while (a window of 256): the table never holds more than the window, and
 * its memory stops growing once the window is full. After the flood it is empty and its
 * memory bounded by that peak (nothing shrinks), reused by the next flood. */
static void test_flood_of_distinct_peers_bounded(void **state)
{
    (void)state;
    acct ac = {0};
    synack_allocator al = {acct_alloc, acct_free, &ac};
    a6_table t;
    a6_init(&t, &al, K0, K1);
    enum { W = 256, FLOOD = 100000 };
    static uint32_t win[W];
    size_t peak = 0;
    for (uint32_t i = 0; i < FLOOD; i++) {
        if (i >= W)
            a6_put(&t, win[i % W]);
        win[i % W] = hold(&t, 0x80000000u + i);
        assert_true(a6_count(&t) <= W);
        if (i == W - 1)
            peak = ac.live;
        if (i >= W)
            assert_int_equal(ac.live, peak);
    }
    for (uint32_t i = 0; i < W; i++)
        a6_put(&t, win[i]);
    assert_int_equal(a6_count(&t), 0);
    assert_int_equal(ac.live, peak);
    for (uint32_t i = 0; i < W; i++)
        hold(&t, 0x40000000u + i);
    assert_int_equal(ac.live, peak);
    /* the window's 256 entries in 8 + 16 + 32 + 64 + 128 + 256 slots, heads and directory */
    assert_true(peak <= 504 * sizeof(a6_entry) + 128 * sizeof(uint32_t) + 8 * sizeof(void *));
    a6_destroy(&t);
    assert_int_equal(ac.live, 0);
}

/* Every connection from a different peer: an entry each costs less than the 32 bytes of
 * the two addresses it replaces beside each IPv6 TCB, heads and pages included. */
static void test_bytes_per_distinct_peer(void **state)
{
    (void)state;
    acct ac = {0};
    synack_allocator al = {acct_alloc, acct_free, &ac};
    a6_table t;
    a6_init(&t, &al, K0, K1);
    enum { N = 10000 };
    for (uint32_t i = 0; i < N; i++)
        hold(&t, i);
    assert_int_equal(ac.live, a6_bytes(&t));
    print_message("%u distinct addresses: %.1f bytes each\n", N, (double)ac.live / N);
    assert_true(ac.live <= (size_t)N * 28);
    a6_destroy(&t);
    assert_int_equal(ac.live, 0);
}

/* No memory: -ENOMEM and the table as it was; an entry held 2^32 - 1 times takes no more
 * holds (it would wrap). */
static void test_no_memory_and_refcount_limit(void **state)
{
    (void)state;
    acct ac = {.fail = 1};
    synack_allocator al = {acct_alloc, acct_free, &ac};
    a6_table t;
    a6_init(&t, &al, K0, K1);
    uint8_t a[16];
    addr(a, 7);
    uint32_t r = 12345;
    assert_int_equal(a6_hold(&t, a, &r), -ENOMEM);
    assert_int_equal(r, 12345);
    assert_int_equal(a6_count(&t), 0);
    ac.fail = 0;
    for (uint32_t i = 0; i < 8; i++)
        hold(&t, i); /* the first page full */
    ac.fail = 1;
    assert_int_equal(a6_hold(&t, a + 0, &r), 0); /* address 7 is held: no allocation */
    uint8_t b[16];
    addr(b, 8);
    assert_int_equal(a6_hold(&t, b, &r), -ENOMEM); /* a new page needed */
    assert_int_equal(a6_count(&t), 8);
    ac.fail = 0;
    uint32_t x = hold(&t, 8);
    t.pages[x >> A6_PAGE_SHIFT][x & (A6_PAGE_MAX - 1)].refs = UINT32_MAX;
    assert_int_equal(a6_hold(&t, b, &r), -ENOMEM);
    assert_int_equal(a6_hold_ref(&t, x), -ENOMEM);
    t.pages[x >> A6_PAGE_SHIFT][x & (A6_PAGE_MAX - 1)].refs = 1;
    a6_destroy(&t);
    assert_int_equal(ac.live, 0);
}

/* The chains are chosen by the secret: two keys file most addresses differently. */
static void test_hash_is_keyed(void **state)
{
    (void)state;
    acct ac = {0};
    synack_allocator al = {acct_alloc, acct_free, &ac};
    a6_table ta, tb;
    a6_init(&ta, &al, K0, K1);
    a6_init(&tb, &al, K1, K0);
    enum { N = 1024 };
    static uint32_t ra[N], rb[N];
    for (uint32_t i = 0; i < N; i++) {
        ra[i] = hold(&ta, i);
        rb[i] = hold(&tb, i);
    }
    assert_int_equal(ta.nbuckets, tb.nbuckets);
    int differ = 0;
    for (uint32_t i = 0; i < N; i++)
        differ += bucket_of(&ta, ra[i]) != bucket_of(&tb, rb[i]);
    assert_true(differ > N - N / 64);
    a6_destroy(&ta);
    a6_destroy(&tb);
    assert_int_equal(ac.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refcount_and_free_on_last_reference),
        cmocka_unit_test(test_collisions_and_doubling),
        cmocka_unit_test(test_flood_of_distinct_peers_bounded),
        cmocka_unit_test(test_bytes_per_distinct_peer),
        cmocka_unit_test(test_no_memory_and_refcount_limit),
        cmocka_unit_test(test_hash_is_keyed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
