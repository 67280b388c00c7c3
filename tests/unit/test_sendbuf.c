/* SPDX-License-Identifier: MIT */
/* Unit tests for the TCP send buffer (src/tcp/sendbuf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "support/test_alloc.h"
#include "support/test_rng.h"
#include "tcp/sendbuf.h"
#include "wire/checksum.h"

/* ---- a counting allocator that can be told to fail (tests/support/test_alloc.h) ---- */

static test_alloc ta;
static synack_allocator A = {test_alloc_alloc, test_alloc_free, &ta};

static int setup(void **state)
{
    (void)state;
    test_alloc_reset(&ta);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_alloc_assert_clean(&ta);
    return 0;
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
    return test_rng_next(&rng_state);
}

/* ---- directed tests ---- */

static void test_init_allocates_nothing(void **state)
{
    (void)state;
    sendbuf b;
    sendbuf_init(&b, 1000);
    assert_null(b.data);
    assert_int_equal(sendbuf_len(&b), 0);
    assert_int_equal(sendbuf_space(&b), 1000);
    assert_int_equal(ta.allocs, 0);
    sendbuf_free(&b, &A); /* freeing an idle buffer is fine */
    assert_int_equal(ta.frees, 0);
}

static void test_init_clamps_cap(void **state)
{
    (void)state;
    sendbuf b;
    sendbuf_init(&b, UINT32_MAX);
    assert_int_equal(b.cap, SENDBUF_MAX_CAP);
    assert_int_equal(sendbuf_set_cap(&b, &A, SENDBUF_MAX_CAP + 1u), -EINVAL);
    assert_int_equal(b.cap, SENDBUF_MAX_CAP);
}

static void test_append_allocates_once(void **state)
{
    (void)state;
    sendbuf b;
    sendbuf_init(&b, 100);
    assert_int_equal(sendbuf_append(&b, &A, "0123456789", 10), 10);
    assert_int_equal(ta.allocs, 1);
    assert_int_equal(ta.last_size, 100);
    assert_int_equal(sendbuf_append(&b, &A, "abcdefghij", 10), 10);
    sendbuf_consume(&b, 20);
    assert_int_equal(sendbuf_append(&b, &A, "xyz", 3), 3);
    assert_int_equal(ta.allocs, 1); /* no allocation per write */
    char out[3];
    sendbuf_peek(&b, 0, out, 3);
    assert_memory_equal(out, "xyz", 3);
    sendbuf_free(&b, &A);
    assert_null(b.data);
    assert_int_equal(sendbuf_len(&b), 0);
    assert_int_equal(b.cap, 100);
}

static void test_append_zero_bytes(void **state)
{
    (void)state;
    sendbuf b;
    sendbuf_init(&b, 10);
    assert_int_equal(sendbuf_append(&b, &A, NULL, 0), 0);
    assert_int_equal(ta.allocs, 0);
    assert_null(b.data);
}

static void test_append_partial_then_full(void **state)
{
    (void)state;
    sendbuf b;
    sendbuf_init(&b, 10);
    assert_int_equal(sendbuf_append(&b, &A, "abcdefgh", 8), 8);
    assert_int_equal(sendbuf_space(&b), 2);
    assert_int_equal(sendbuf_append(&b, &A, "ijklm", 5), 2);
    assert_int_equal(sendbuf_len(&b), 10);
    assert_int_equal(sendbuf_space(&b), 0);
    assert_int_equal(sendbuf_append(&b, &A, "z", 1), 0);
    char out[10];
    sendbuf_peek(&b, 0, out, 10);
    assert_memory_equal(out, "abcdefghij", 10);
    sendbuf_free(&b, &A);
}

static void test_wrap_around(void **state)
{
    (void)state;
    sendbuf b;
    sendbuf_init(&b, 7);
    assert_int_equal(sendbuf_append(&b, &A, "abcde", 5), 5);
    sendbuf_consume(&b, 3); /* SND.UNA moves past "abc" */
    assert_int_equal(b.head, 3);
    assert_int_equal(sendbuf_space(&b), 5);
    assert_int_equal(sendbuf_append(&b, &A, "fghijXX", 7), 5); /* wraps: 2 + 3 */
    assert_int_equal(sendbuf_len(&b), 7);
    assert_memory_equal(b.data, "hijdefg", 7); /* physical layout */
    char out[8] = {0};
    sendbuf_peek(&b, 0, out, 7);
    assert_memory_equal(out, "defghij", 7);
    sendbuf_peek(&b, 3, out, 4); /* starts after the wrap point */
    assert_memory_equal(out, "ghij", 4);
    sendbuf_peek(&b, 2, out, 3); /* straddles it */
    assert_memory_equal(out, "fgh", 3);
    sendbuf_peek(&b, 5, out, 2);
    assert_memory_equal(out, "ij", 2);
    sendbuf_consume(&b, 5); /* head wraps past the end */
    assert_int_equal(b.head, 1);
    sendbuf_peek(&b, 0, out, 2);
    assert_memory_equal(out, "ij", 2);
    sendbuf_peek(&b, 1, out, 0); /* zero-length peek touches nothing */
    sendbuf_free(&b, &A);
}

static void test_cap_one(void **state)
{
    (void)state;
    sendbuf b;
    sendbuf_init(&b, 1);
    for (int i = 0; i < 5; i++) {
        char c = (char)('a' + i), out = 0;
        assert_int_equal(sendbuf_append(&b, &A, "xy", 0), 0);
        assert_int_equal(sendbuf_append(&b, &A, &c, 1), 1);
        assert_int_equal(sendbuf_append(&b, &A, "q", 1), 0);
        assert_int_equal(sendbuf_space(&b), 0);
        sendbuf_peek(&b, 0, &out, 1);
        assert_int_equal(out, c);
        sendbuf_consume(&b, 1);
        assert_int_equal(sendbuf_len(&b), 0);
    }
    assert_int_equal(ta.allocs, 1);
    sendbuf_free(&b, &A);
}

static void test_cap_zero(void **state)
{
    (void)state;
    sendbuf b;
    sendbuf_init(&b, 0);
    assert_int_equal(sendbuf_append(&b, &A, "abc", 3), 0);
    assert_int_equal(sendbuf_space(&b), 0);
    assert_int_equal(ta.allocs, 0);
    sendbuf_free(&b, &A);
}

static void test_consume_keeps_storage_shrink_frees(void **state)
{
    (void)state;
    sendbuf b;
    sendbuf_init(&b, 16);
    assert_int_equal(sendbuf_append(&b, &A, "hello", 5), 5);
    uint8_t *storage = b.data;
    sendbuf_consume(&b, 2);
    sendbuf_shrink(&b, &A); /* not empty: kept */
    assert_ptr_equal(b.data, storage);
    assert_int_equal(sendbuf_len(&b), 3);
    char out[3];
    sendbuf_peek(&b, 0, out, 3);
    assert_memory_equal(out, "llo", 3);
    sendbuf_consume(&b, 3);
    assert_ptr_equal(b.data, storage); /* empty, but storage kept to avoid churn */
    assert_int_equal(ta.frees, 0);
    sendbuf_shrink(&b, &A);
    assert_null(b.data);
    assert_int_equal(ta.frees, 1);
    assert_int_equal(ta.live_bytes, 0);
    assert_int_equal(sendbuf_space(&b), 16);
    /* and it comes back on the next append */
    assert_int_equal(sendbuf_append(&b, &A, "again", 5), 5);
    assert_int_equal(ta.allocs, 2);
    sendbuf_peek(&b, 0, out, 3);
    assert_memory_equal(out, "aga", 3);
    sendbuf_free(&b, &A);
}

static void test_set_cap(void **state)
{
    (void)state;
    sendbuf b;
    sendbuf_init(&b, 8);
    assert_int_equal(sendbuf_append(&b, &A, "abc", 3), 3);
    assert_int_equal(sendbuf_set_cap(&b, &A, 32), -EBUSY);
    assert_int_equal(b.cap, 8);
    assert_int_equal(sendbuf_len(&b), 3);
    sendbuf_consume(&b, 3);
    assert_int_equal(sendbuf_set_cap(&b, &A, 32), 0);
    assert_null(b.data); /* the old-size storage is released */
    assert_int_equal(ta.live_bytes, 0);
    assert_int_equal(sendbuf_space(&b), 32);
    char big[40];
    memset(big, 'x', sizeof(big));
    assert_int_equal(sendbuf_append(&b, &A, big, sizeof(big)), 32);
    assert_int_equal(ta.last_size, 32);
    sendbuf_free(&b, &A);
    assert_int_equal(sendbuf_set_cap(&b, &A, 0), 0);
    assert_int_equal(sendbuf_append(&b, &A, big, 1), 0);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    sendbuf b;
    sendbuf_init(&b, 64);
    ta.fail = 1;
    assert_int_equal(sendbuf_append(&b, &A, "abc", 3), -ENOMEM);
    assert_int_equal(ta.failed, 2); /* the storage for all of it, then the smallest step */
    assert_null(b.data);
    assert_int_equal(sendbuf_len(&b), 0);
    assert_int_equal(sendbuf_space(&b), 64);
    assert_int_equal(ta.live_bytes, 0);
    ta.fail = 0;
    assert_int_equal(sendbuf_append(&b, &A, "abc", 3), 3);
    /* storage exists now: further appends need no allocation and cannot fail */
    ta.fail = 1;
    assert_int_equal(sendbuf_append(&b, &A, "def", 3), 3);
    char out[6];
    sendbuf_peek(&b, 0, out, 6);
    assert_memory_equal(out, "abcdef", 6);
    ta.fail = 0;
    sendbuf_free(&b, &A);
}

/* ---- progressive storage ---- */

/* The storage the header promises for need bytes, from a ring of old bytes:
 * the smallest power of two that is >= need, >= SENDBUF_MIN_STORAGE and more
 * than old, but never more than cap. */
static uint32_t expect_storage(uint32_t old, uint32_t need, uint32_t cap)
{
    uint64_t p = 1;
    while (p < need || p < SENDBUF_MIN_STORAGE || p <= old)
        p <<= 1;
    return p < cap ? (uint32_t)p : cap;
}

/* Byte i of the application's stream: varies with both low and high bits of i, so
 * a block copied to the wrong offset (even a multiple of 256 away) shows. */
static uint8_t pat(uint32_t i)
{
    return (uint8_t)(i * 131u + (i >> 8) * 7u + (i >> 16));
}

/* Appends stream bytes [*end, *end + n) and advances *end by what was taken. */
static long append_stream(sendbuf *b, uint32_t *end, uint32_t n)
{
    uint8_t *in = malloc(n ? n : 1);
    assert_non_null(in);
    for (uint32_t i = 0; i < n; i++)
        in[i] = pat(*end + i);
    long got = sendbuf_append(b, &A, in, n);
    if (got > 0)
        *end += (uint32_t)got;
    free(in);
    return got;
}

/* Checks that the buffer holds stream bytes [una, end), peeking from several offsets. */
static void check_stream(const sendbuf *b, uint32_t una, uint32_t end)
{
    uint32_t len = end - una;
    assert_int_equal(sendbuf_len(b), len);
    uint8_t *out = malloc(len + 1u);
    assert_non_null(out);
    for (uint32_t off = 0; off < len; off += len / 7u + 1u) {
        out[len - off] = 0xAA;
        sendbuf_peek(b, off, out, len - off);
        for (uint32_t i = 0; i < len - off; i++)
            if (out[i] != pat(una + off + i))
                fail_msg("byte at offset %u is %u, want %u", off + i, out[i], pat(una + off + i));
        assert_int_equal(out[len - off], 0xAA);
    }
    free(out);
}

static void test_first_storage_is_small(void **state)
{
    (void)state;
    static const struct {
        uint32_t cap, n, size;
    } cases[] = {
        {256u * 1024u, 64, 2048},   /* a small request: the minimum, not cap */
        {256u * 1024u, 1, 2048},    /* one byte */
        {256u * 1024u, 2048, 2048}, /* exactly the minimum */
        {256u * 1024u, 2049, 4096}, /* the next power of two */
        {256u * 1024u, 5000, 8192},
        {256u * 1024u, 300000, 256u * 1024u}, /* clipped to cap, storage is cap */
        {1000, 1, 1000},                      /* cap below the minimum: cap */
        {2048, 10, 2048},
        {3000, 10, 2048},   /* cap not a power of two: still a small start */
        {3000, 2049, 3000}, /* 4096 would pass cap */
        {5000, 4097, 5000},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sendbuf b;
        sendbuf_init(&b, cases[i].cap);
        uint32_t una = 0, end = 0;
        long want = cases[i].n < cases[i].cap ? (long)cases[i].n : (long)cases[i].cap;
        assert_int_equal(append_stream(&b, &end, cases[i].n), want);
        assert_int_equal(b.size, cases[i].size);
        assert_int_equal(ta.last_size, cases[i].size);
        assert_int_equal(ta.live_bytes, cases[i].size);
        assert_int_equal(b.size, expect_storage(0, (uint32_t)want, cases[i].cap));
        /* the logical limit is cap, whatever the storage */
        assert_int_equal(sendbuf_space(&b), cases[i].cap - (uint32_t)want);
        check_stream(&b, una, end);
        sendbuf_free(&b, &A);
        assert_int_equal(b.size, 0);
        assert_int_equal(ta.live_bytes, 0);
    }
}

static void test_growth_keeps_data_across_wrap(void **state)
{
    (void)state;
    /* cap not a power of two: 2048, 4096, 8192, 16384, then cap itself */
    const uint32_t cap = 20000;
    sendbuf b;
    sendbuf_init(&b, cap);
    uint32_t una = 0, end = 0;
    assert_int_equal(append_stream(&b, &end, 100), 100);
    assert_int_equal(b.size, 2048);
    unsigned stages = 0;
    for (;;) {
        uint32_t size = b.size;
        unsigned allocs = ta.allocs;
        assert_int_equal(b.head, 0); /* fresh or just linearised */
        /* fill the storage exactly: no allocation */
        uint32_t room = size - sendbuf_len(&b);
        assert_int_equal(append_stream(&b, &end, room), room);
        assert_int_equal(sendbuf_len(&b), size);
        /* SND.UNA moves to the middle; new data wraps around the storage's end */
        sendbuf_consume(&b, size / 2 + 3);
        una += size / 2 + 3;
        assert_int_equal(append_stream(&b, &end, size / 2), size / 2);
        assert_int_equal(b.size, size);
        assert_int_equal(ta.allocs, allocs);
        assert_true(b.head + sendbuf_len(&b) > b.size); /* really wrapped */
        check_stream(&b, una, end);
        if (size == cap)
            break;
        /* one more than fits: grows, linearised, old storage freed with its size */
        unsigned frees = ta.frees;
        assert_int_equal(append_stream(&b, &end, 10), 10);
        uint32_t want = expect_storage(size, end - una, cap);
        assert_int_equal(want, size * 2 < cap ? size * 2 : cap);
        assert_int_equal(b.size, want);
        assert_int_equal(ta.allocs, allocs + 1);
        assert_int_equal(ta.frees, frees + 1);
        assert_int_equal(ta.live_bytes, want);
        assert_int_equal(b.head, 0);
        check_stream(&b, una, end);
        /* and it is a ring again: consume and refill to the new size works */
        sendbuf_consume(&b, sendbuf_len(&b));
        una = end;
        stages++;
    }
    assert_int_equal(stages, 4);
    /* at cap: appends stop at cap, never grow past it */
    assert_int_equal(append_stream(&b, &end, 10), 3);
    assert_int_equal(sendbuf_space(&b), 0);
    assert_int_equal(append_stream(&b, &end, 10), 0);
    assert_int_equal(b.size, cap);
    check_stream(&b, una, end);
    sendbuf_free(&b, &A);
}

static void test_growth_jumps_to_fit(void **state)
{
    (void)state;
    /* one append that needs more than double goes straight to a size that fits */
    sendbuf b;
    sendbuf_init(&b, 1u << 20);
    uint32_t una = 0, end = 0;
    assert_int_equal(append_stream(&b, &end, 1000), 1000);
    assert_int_equal(b.size, 2048);
    sendbuf_consume(&b, 900); /* head mid-storage */
    una += 900;
    assert_int_equal(append_stream(&b, &end, 20000), 20000);
    assert_int_equal(b.size, 32768);
    assert_int_equal(ta.allocs, 2);
    assert_int_equal(ta.live_bytes, 32768);
    check_stream(&b, una, end);
    /* an empty ring with storage grows too (nothing to copy) */
    sendbuf_consume(&b, sendbuf_len(&b));
    una = end;
    assert_int_equal(append_stream(&b, &end, 40000), 40000);
    assert_int_equal(b.size, 65536);
    assert_int_equal(ta.live_bytes, 65536);
    check_stream(&b, una, end);
    /* shrink when empty gives it all back; the next append starts small again */
    sendbuf_consume(&b, sendbuf_len(&b));
    una = end;
    sendbuf_shrink(&b, &A);
    assert_null(b.data);
    assert_int_equal(b.size, 0);
    assert_int_equal(ta.live_bytes, 0);
    assert_int_equal(append_stream(&b, &end, 5), 5);
    assert_int_equal(b.size, 2048);
    check_stream(&b, una, end);
    sendbuf_free(&b, &A);
}

static void test_growth_failure_takes_what_fits(void **state)
{
    (void)state;
    sendbuf b;
    sendbuf_init(&b, 20000);
    uint32_t una = 0, end = 0;
    assert_int_equal(append_stream(&b, &end, 2000), 2000);
    sendbuf_consume(&b, 1500);
    una += 1500;
    assert_int_equal(append_stream(&b, &end, 1000), 1000); /* wraps: head 1500, len 1500 */
    assert_true(b.head + sendbuf_len(&b) > b.size);
    uint8_t *storage = b.data;

    ta.fail = 1;
    /* needs 2500 > 2048: growing fails, so it takes the 548 bytes that fit */
    assert_int_equal(append_stream(&b, &end, 1000), 548);
    assert_int_equal(ta.failed, 1);
    assert_int_equal(sendbuf_len(&b), 2048);
    assert_int_equal(b.size, 2048);
    assert_ptr_equal(b.data, storage);
    assert_int_equal(ta.live_bytes, 2048);
    check_stream(&b, una, end);
    /* storage full and no more to be had: -ENOMEM, nothing taken */
    assert_int_equal(append_stream(&b, &end, 1), -ENOMEM);
    assert_int_equal(ta.failed, 2);
    assert_int_equal(sendbuf_len(&b), 2048);
    assert_int_equal(sendbuf_space(&b), 20000 - 2048); /* the limit is still cap */
    check_stream(&b, una, end);
    /* within the storage no allocation is needed, so nothing fails */
    sendbuf_consume(&b, 48);
    una += 48;
    assert_int_equal(append_stream(&b, &end, 48), 48);
    assert_int_equal(ta.failed, 2);
    check_stream(&b, una, end);

    /* memory comes back: the next append grows and keeps everything */
    ta.fail = 0;
    assert_int_equal(append_stream(&b, &end, 452), 452);
    assert_int_equal(b.size, 4096);
    assert_int_equal(ta.live_bytes, 4096);
    check_stream(&b, una, end);

    /* an empty ring whose growth fails still fills the storage it has */
    sendbuf_consume(&b, sendbuf_len(&b));
    una = end;
    ta.fail = 1;
    assert_int_equal(append_stream(&b, &end, 6000), 4096);
    assert_int_equal(b.size, 4096);
    check_stream(&b, una, end);
    ta.fail = 0;
    sendbuf_free(&b, &A);
}

/* ---- randomized model check against a flat reference array ---- */

typedef struct run_stats {
    unsigned grew_with_data; /* appends that moved held bytes to bigger storage */
    unsigned grow_failed;    /* appends whose allocation was refused */
    unsigned partial;        /* ... that still filled the storage they had */
} run_stats;

static void run_model(uint32_t cap, uint64_t seed, int ops, run_stats *st)
{
    rng_state = seed;
    sendbuf b;
    sendbuf_init(&b, cap);
    uint8_t *ref = malloc(cap + 1u); /* ref[0..len) = bytes from SND.UNA */
    uint8_t *in = malloc(cap + 8u);
    uint8_t *out = malloc(cap + 1u);
    assert_non_null(ref);
    assert_non_null(in);
    assert_non_null(out);
    uint32_t len = 0;
    uint32_t size = 0; /* storage the buffer should have allocated */
    int wrapped = 0;
    for (int op = 0; op < ops; op++) {
        uint32_t r = rnd() % 100;
        if (r < 40) {
            /* tiny, medium (grows a stage at a time) or up to past cap */
            uint32_t kind = rnd() % 4;
            uint32_t medium = cap < 1500u ? cap + 5u : 1500u; /* in[] holds cap + 8 */
            size_t n = kind < 2 ? rnd() % 4u : kind == 2 ? rnd() % medium : rnd() % (cap + 5u);
            for (size_t i = 0; i < n; i++)
                in[i] = (uint8_t)rnd();
            long expect = n < cap - len ? (long)n : (long)(cap - len);
            if (expect > 0 && len + (uint32_t)expect > size) {
                /* needs more storage: sometimes there is none to be had */
                ta.fail = rnd() % 4 == 0;
                if (ta.fail) {
                    expect = size - len < (uint32_t)expect ? (long)(size - len) : expect;
                    if (expect == 0)
                        expect = -ENOMEM;
                    else
                        st->partial++;
                    st->grow_failed++;
                } else {
                    if (len > 0)
                        st->grew_with_data++;
                    size = expect_storage(size, len + (uint32_t)expect, cap);
                }
            }
            long got = sendbuf_append(&b, &A, in, n);
            ta.fail = 0;
            assert_int_equal(got, expect);
            if (expect > 0) {
                memcpy(ref + len, in, (size_t)expect);
                len += (uint32_t)expect;
            }
        } else if (r < 65) {
            /* often everything in flight is acknowledged, emptying the ring */
            uint32_t n = len == 0 ? 0 : rnd() % 4 == 0 ? len : rnd() % (len + 1u);
            sendbuf_consume(&b, n);
            memmove(ref, ref + n, len - n);
            len -= n;
        } else if (r < 95) {
            uint32_t off = rnd() % (len + 1u);
            uint32_t n = rnd() % (len - off + 1u);
            memset(out, 0xAA, cap + 1u);
            sendbuf_peek(&b, off, out, n);
            assert_memory_equal(out, ref + off, n);
            assert_int_equal(out[n], 0xAA); /* nothing past n written */
            /* the fused copy gives the same bytes and the sum of the bytes, whether or
             * not the range wraps (and the wrap may fall on an odd offset) */
            memset(out, 0xAA, cap + 1u);
            uint64_t sum = sendbuf_peek_csum(&b, off, out, n);
            assert_memory_equal(out, ref + off, n);
            assert_int_equal(out[n], 0xAA);
            assert_int_equal(csum_finish(sum), csum_finish(csum_add(0, ref + off, n)));
        } else if (r < 99) {
            sendbuf_shrink(&b, &A);
            if (len == 0) {
                assert_null(b.data);
                size = 0;
            } else {
                assert_non_null(b.data);
            }
        } else {
            /* SO_SNDBUF changes are refused while data is queued */
            int rc = sendbuf_set_cap(&b, &A, cap);
            assert_int_equal(rc, len ? -EBUSY : 0);
            if (rc == 0)
                size = 0;
        }
        assert_int_equal(sendbuf_len(&b), len);
        assert_int_equal(sendbuf_space(&b), cap - len);
        assert_int_equal(b.size, size);
        assert_int_equal(ta.live_bytes, size); /* one block, freed with its own size */
        assert_true(b.head < size || b.head == 0);
        assert_true(len <= size);
        if (len > 0 && b.head + len > b.size)
            wrapped++;
    }
    if (cap > 1)
        assert_true(wrapped > 0); /* the ring really wrapped */
    sendbuf_free(&b, &A);
    free(ref);
    free(in);
    free(out);
}

static void test_random_model(void **state)
{
    (void)state;
    /* small caps (storage is cap at once) and caps the storage grows towards,
     * powers of two or not */
    static const uint32_t caps[] = {1,   2,    3,    5,    7,    13,   64,    100,
                                    255, 1000, 2048, 3000, 4096, 8192, 20000, 100000};
    run_stats total = {0};
    for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
        run_stats st = {0};
        for (uint64_t seed = 1; seed <= 4; seed++)
            run_model(caps[c], seed * 0x9E3779B97F4A7C15ull + caps[c], 3000, &st);
        if (caps[c] > SENDBUF_MIN_STORAGE)
            assert_true(st.grew_with_data > 0); /* growth moved live data at this cap */
        total.grew_with_data += st.grew_with_data;
        total.grow_failed += st.grow_failed;
        total.partial += st.partial;
    }
    assert_true(total.grow_failed > 0);
    assert_true(total.partial > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_allocates_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_clamps_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_allocates_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_zero_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_partial_then_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrap_around, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consume_keeps_storage_shrink_frees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_storage_is_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_keeps_data_across_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_jumps_to_fit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_failure_takes_what_fits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
