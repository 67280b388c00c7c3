/* Unit tests for the TCP send buffer (src/tcp/sendbuf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/sendbuf.h"

/* ---- a counting allocator that can be told to fail ---- */

#define TRACK_MAX 8

typedef struct test_alloc {
    unsigned allocs;        /* successful allocations */
    unsigned frees;         /* frees */
    unsigned failed;        /* allocations refused */
    size_t live_bytes;      /* bytes allocated and not freed */
    size_t last_size;       /* size of the last successful allocation */
    int fail;               /* when nonzero every allocation returns NULL */
    void *ptr[TRACK_MAX];   /* live blocks, to check free() gets the right size */
    size_t size[TRACK_MAX]; /* sizes of the live blocks */
} test_alloc;

static void *ta_alloc(void *ctx, size_t size)
{
    test_alloc *t = ctx;
    if (t->fail) {
        t->failed++;
        return NULL;
    }
    void *p = malloc(size ? size : 1);
    assert_non_null(p);
    int slot = -1;
    for (int i = 0; i < TRACK_MAX; i++)
        if (t->ptr[i] == NULL) {
            slot = i;
            break;
        }
    assert_true(slot >= 0);
    t->ptr[slot] = p;
    t->size[slot] = size;
    t->allocs++;
    t->live_bytes += size;
    t->last_size = size;
    return p;
}

static void ta_free(void *ctx, void *p, size_t size)
{
    test_alloc *t = ctx;
    assert_non_null(p);
    int slot = -1;
    for (int i = 0; i < TRACK_MAX; i++)
        if (t->ptr[i] == p) {
            slot = i;
            break;
        }
    assert_true(slot >= 0);                /* freeing something we handed out */
    assert_int_equal(t->size[slot], size); /* with the size it was allocated with */
    t->ptr[slot] = NULL;
    t->frees++;
    t->live_bytes -= size;
    free(p);
}

static test_alloc ta;
static synack_allocator A = {ta_alloc, ta_free, &ta};

static int setup(void **state)
{
    (void)state;
    memset(&ta, 0, sizeof(ta));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(ta.live_bytes, 0);
    assert_int_equal(ta.allocs, ta.frees);
    return 0;
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
    /* xorshift64*: deterministic, so a failure reproduces. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
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
    assert_int_equal(ta.failed, 1);
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

/* ---- randomized model check against a flat reference array ---- */

static void run_model(uint32_t cap, uint64_t seed, int ops)
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
    int wrapped = 0;
    for (int op = 0; op < ops; op++) {
        uint32_t r = rnd() % 100;
        if (r < 40) {
            size_t n = rnd() % (cap + 5u);
            if (rnd() % 2)
                n = rnd() % 4u;
            for (size_t i = 0; i < n; i++)
                in[i] = (uint8_t)rnd();
            uint32_t expect = n < cap - len ? (uint32_t)n : cap - len;
            long got = sendbuf_append(&b, &A, in, n);
            assert_int_equal(got, expect);
            memcpy(ref + len, in, expect);
            len += expect;
        } else if (r < 65) {
            uint32_t n = len ? rnd() % (len + 1u) : 0;
            sendbuf_consume(&b, n);
            memmove(ref, ref + n, len - n);
            len -= n;
        } else if (r < 97) {
            uint32_t off = rnd() % (len + 1u);
            uint32_t n = rnd() % (len - off + 1u);
            memset(out, 0xAA, cap + 1u);
            sendbuf_peek(&b, off, out, n);
            assert_memory_equal(out, ref + off, n);
            assert_int_equal(out[n], 0xAA); /* nothing past n written */
        } else if (r < 99) {
            sendbuf_shrink(&b, &A);
            if (len == 0)
                assert_null(b.data);
            else
                assert_non_null(b.data);
        } else {
            /* SO_SNDBUF changes are refused while data is queued */
            int rc = sendbuf_set_cap(&b, &A, cap);
            assert_int_equal(rc, len ? -EBUSY : 0);
        }
        assert_int_equal(sendbuf_len(&b), len);
        assert_int_equal(sendbuf_space(&b), cap - len);
        assert_true(b.head < cap || cap == 0);
        if (len > 0 && b.head + len > cap)
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
    static const uint32_t caps[] = {1, 2, 3, 5, 7, 13, 64, 100, 255, 1000, 4096};
    for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++)
        for (uint64_t seed = 1; seed <= 4; seed++)
            run_model(caps[c], seed * 0x9E3779B97F4A7C15ull + caps[c], 3000);
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
        cmocka_unit_test_setup_teardown(test_random_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
