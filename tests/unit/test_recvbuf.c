/* Unit tests for the TCP receive buffer and its reassembly (src/tcp/recvbuf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/recvbuf.h"

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
    assert_true(slot >= 0);
    assert_int_equal(t->size[slot], size);
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
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

/* The stream "0123456789ABCDEFGHIJ...": byte i of the sender's data. */
static const char STREAM[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                             "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Writes STREAM[seq .. seq+n) where RCV.NXT is at stream position nxt. */
static long put(recvbuf *b, uint32_t nxt, uint32_t seq, uint32_t n, uint32_t *stored)
{
    return recvbuf_write(b, &A, seq - nxt, STREAM + seq, n, stored);
}

static void assert_ranges(const recvbuf *b, const recvbuf_range *want, uint32_t n)
{
    recvbuf_range got[RECVBUF_MAX_RANGES];
    assert_int_equal(recvbuf_sack_ranges(b, got, RECVBUF_MAX_RANGES), n);
    assert_int_equal(b->nranges, n);
    uint32_t bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(got[i].start, want[i].start);
        assert_int_equal(got[i].end, want[i].end);
        bytes += want[i].end - want[i].start;
    }
    assert_int_equal(b->ooo_bytes, bytes);
}

/* ---- directed tests ---- */

static void test_init_allocates_nothing(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 100);
    assert_null(b.data);
    assert_int_equal(recvbuf_space(&b), 100);
    assert_int_equal(recvbuf_ready(&b), 0);
    uint32_t stored = 7;
    /* nothing to store: no allocation */
    assert_int_equal(recvbuf_write(&b, &A, 0, NULL, 0, &stored), 0);
    assert_int_equal(stored, 0);
    assert_int_equal(recvbuf_write(&b, &A, 100, "x", 1, &stored), 0); /* beyond window */
    assert_int_equal(recvbuf_write(&b, &A, 5000, "x", 1, NULL), 0);
    assert_int_equal(ta.allocs, 0);
    assert_int_equal(recvbuf_read(&b, NULL, 10), 0);
    assert_int_equal(recvbuf_peek(&b, NULL, 10), 0);
    recvbuf_free(&b, &A);
    assert_int_equal(ta.frees, 0);
}

static void test_init_clamps_cap(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, UINT32_MAX);
    assert_int_equal(b.cap, RECVBUF_MAX_CAP);
    assert_int_equal(recvbuf_set_cap(&b, &A, RECVBUF_MAX_CAP + 1u), -EINVAL);
    assert_int_equal(recvbuf_set_cap(&b, &A, 10), 0);
    assert_int_equal(recvbuf_space(&b), 10);
}

static void test_in_order(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 16);
    uint32_t stored = 0;
    assert_int_equal(recvbuf_write(&b, &A, 0, "hello", 5, &stored), 5);
    assert_int_equal(stored, 5);
    assert_int_equal(ta.allocs, 1);
    assert_int_equal(ta.last_size, 16);
    assert_int_equal(recvbuf_ready(&b), 5);
    assert_int_equal(recvbuf_space(&b), 11);
    char out[16];
    assert_int_equal(recvbuf_peek(&b, out, 3), 3);
    assert_memory_equal(out, "hel", 3);
    assert_int_equal(recvbuf_ready(&b), 5); /* peek does not consume */
    assert_int_equal(recvbuf_read(&b, out, 3), 3);
    assert_memory_equal(out, "hel", 3);
    assert_int_equal(recvbuf_ready(&b), 2);
    assert_int_equal(recvbuf_space(&b), 14);
    assert_int_equal(recvbuf_write(&b, &A, 0, " world", 6, &stored), 6);
    assert_int_equal(recvbuf_read(&b, out, 100), 8); /* asks for more than is ready */
    assert_memory_equal(out, "lo world", 8);
    assert_int_equal(recvbuf_read(&b, out, 100), 0);
    assert_int_equal(ta.allocs, 1); /* no per-segment allocation */
    recvbuf_free(&b, &A);
}

static void test_out_of_order_then_fill(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 32);
    uint32_t stored = 0;
    assert_int_equal(put(&b, 0, 4, 4, &stored), 0);
    assert_int_equal(stored, 4);
    assert_int_equal(recvbuf_ready(&b), 0);
    assert_int_equal(recvbuf_space(&b), 32); /* ooo data does not shrink the window */
    assert_ranges(&b, (recvbuf_range[]){{4, 8}}, 1);
    assert_int_equal(put(&b, 0, 10, 2, &stored), 0);
    assert_ranges(&b, (recvbuf_range[]){{4, 8}, {10, 12}}, 2);
    /* fills [0,4): RCV.NXT jumps over the now-contiguous [4,8) too */
    assert_int_equal(put(&b, 0, 0, 4, &stored), 8);
    assert_int_equal(stored, 4);
    assert_int_equal(recvbuf_ready(&b), 8);
    assert_ranges(&b, (recvbuf_range[]){{2, 4}}, 1); /* rebased to the new RCV.NXT */
    assert_int_equal(put(&b, 8, 8, 2, &stored), 4);
    assert_int_equal(stored, 2);
    assert_ranges(&b, NULL, 0);
    char out[32];
    assert_int_equal(recvbuf_read(&b, out, sizeof(out)), 12);
    assert_memory_equal(out, STREAM, 12);
    recvbuf_free(&b, &A);
}

static void test_in_order_overlapping_held_range(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 32);
    uint32_t stored = 0;
    assert_int_equal(put(&b, 0, 3, 3, &stored), 0);  /* [3,6) */
    assert_int_equal(put(&b, 0, 9, 3, &stored), 0);  /* [9,12) */
    assert_int_equal(put(&b, 0, 14, 2, &stored), 0); /* [14,16) */
    /* [0,10) covers the first range and part of the second */
    assert_int_equal(put(&b, 0, 0, 10, &stored), 12);
    assert_int_equal(stored, 6); /* 0-3 and 6-9 */
    assert_ranges(&b, (recvbuf_range[]){{2, 4}}, 1);
    char out[32];
    assert_int_equal(recvbuf_peek(&b, out, 32), 12);
    assert_memory_equal(out, STREAM, 12);
    recvbuf_free(&b, &A);
}

static void test_merges(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 64);
    uint32_t stored = 0;
    assert_int_equal(put(&b, 0, 2, 2, &stored), 0);
    assert_int_equal(put(&b, 0, 6, 2, &stored), 0);
    assert_int_equal(put(&b, 0, 10, 2, &stored), 0);
    assert_ranges(&b, (recvbuf_range[]){{2, 4}, {6, 8}, {10, 12}}, 3);
    /* adjoining on the right of a range merges (ranges stay non-adjacent) */
    assert_int_equal(put(&b, 0, 12, 1, &stored), 0);
    assert_int_equal(stored, 1);
    assert_ranges(&b, (recvbuf_range[]){{2, 4}, {6, 8}, {10, 13}}, 3);
    /* adjoining on the left */
    assert_int_equal(put(&b, 0, 5, 1, &stored), 0);
    assert_ranges(&b, (recvbuf_range[]){{2, 4}, {5, 8}, {10, 13}}, 3);
    /* one segment bridging two holes joins three ranges */
    assert_int_equal(put(&b, 0, 4, 6, &stored), 0);
    assert_int_equal(stored, 3); /* 4, 8, 9 */
    assert_ranges(&b, (recvbuf_range[]){{2, 13}}, 1);
    /* a new range between RCV.NXT and the first range goes first */
    assert_int_equal(put(&b, 0, 20, 3, &stored), 0);
    assert_ranges(&b, (recvbuf_range[]){{2, 13}, {20, 23}}, 2);
    /* overlapping both ends and beyond */
    assert_int_equal(put(&b, 0, 1, 30, &stored), 0);
    assert_int_equal(stored, 30 - 11 - 3);
    assert_ranges(&b, (recvbuf_range[]){{1, 31}}, 1);
    /* a pure duplicate stores nothing */
    assert_int_equal(put(&b, 0, 5, 10, &stored), 0);
    assert_int_equal(stored, 0);
    assert_ranges(&b, (recvbuf_range[]){{1, 31}}, 1);
    assert_int_equal(put(&b, 0, 0, 1, &stored), 31);
    assert_int_equal(stored, 1);
    char out[64];
    assert_int_equal(recvbuf_read(&b, out, 64), 31);
    assert_memory_equal(out, STREAM, 31);
    recvbuf_free(&b, &A);
}

static void test_first_copy_wins(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 32);
    uint32_t stored = 0;
    assert_int_equal(recvbuf_write(&b, &A, 5, "AAAA", 4, &stored), 0);
    assert_int_equal(recvbuf_write(&b, &A, 0, "BBBBBBBBBB", 10, &stored), 10);
    assert_int_equal(stored, 6);
    char out[10];
    assert_int_equal(recvbuf_read(&b, out, 10), 10);
    assert_memory_equal(out, "BBBBBAAAAB", 10);
    /* out-of-order overlap: the held bytes stay */
    assert_int_equal(recvbuf_write(&b, &A, 3, "CCC", 3, &stored), 0);
    assert_int_equal(recvbuf_write(&b, &A, 1, "DDDDDDD", 7, &stored), 0);
    assert_int_equal(stored, 4);
    assert_int_equal(recvbuf_write(&b, &A, 0, "E", 1, &stored), 8);
    assert_int_equal(recvbuf_read(&b, out, 10), 8);
    assert_memory_equal(out, "EDDCCCDD", 8);
    recvbuf_free(&b, &A);
}

static void test_cut_at_buffer_end(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 8);
    uint32_t stored = 0;
    assert_int_equal(recvbuf_write(&b, &A, 0, STREAM, 10, &stored), 8);
    assert_int_equal(stored, 8);
    assert_int_equal(recvbuf_space(&b), 0);
    assert_int_equal(recvbuf_write(&b, &A, 0, STREAM, 10, &stored), 0);
    assert_int_equal(stored, 0);
    char out[8];
    assert_int_equal(recvbuf_read(&b, out, 3), 3);
    /* out-of-order data past the end is cut too: only [1,3) fits */
    assert_int_equal(recvbuf_write(&b, &A, 1, "xyzw", 4, &stored), 0);
    assert_int_equal(stored, 2);
    assert_ranges(&b, (recvbuf_range[]){{1, 3}}, 1);
    assert_int_equal(recvbuf_write(&b, &A, 3, "q", 1, &stored), 0); /* off == space */
    assert_int_equal(stored, 0);
    assert_int_equal(recvbuf_write(&b, &A, 0, "pqrs", 4, &stored), 3);
    assert_int_equal(stored, 1);
    assert_int_equal(recvbuf_read(&b, out, 8), 8);
    assert_memory_equal(out, "34567pxy", 8);
    recvbuf_free(&b, &A);
}

static void test_wrap_around(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 10);
    char out[10];
    assert_int_equal(put(&b, 0, 0, 8, NULL), 8);
    assert_int_equal(recvbuf_read(&b, out, 6), 6);
    assert_int_equal(b.head, 6);
    /* out-of-order bytes that land across the ring's end */
    /* RCV.NXT is at ring slot 8; segment 8..10 goes to slots 8,9,0, 11..14 to 1..4 */
    assert_int_equal(put(&b, 8, 11, 4, NULL), 0);
    assert_ranges(&b, (recvbuf_range[]){{3, 7}}, 1);
    assert_memory_equal(b.data + 1, "BCDE", 4);
    assert_int_equal(put(&b, 8, 8, 3, NULL), 7); /* written across the ring's end */
    assert_int_equal(recvbuf_ready(&b), 9);
    assert_memory_equal(b.data + 8, "89", 2);
    assert_memory_equal(b.data, "ABCDE", 5);
    assert_int_equal(recvbuf_peek(&b, out, 10), 9); /* straddles the wrap */
    assert_memory_equal(out, STREAM + 6, 9);
    assert_int_equal(recvbuf_read(&b, out, 5), 5);
    assert_memory_equal(out, STREAM + 6, 5);
    assert_int_equal(b.head, 1);
    assert_int_equal(recvbuf_read(&b, out, 5), 4);
    assert_memory_equal(out, STREAM + 11, 4);
    recvbuf_free(&b, &A);
}

static void test_cap_one(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 1);
    uint32_t stored = 0;
    assert_int_equal(recvbuf_write(&b, &A, 1, "z", 1, &stored), 0); /* outside */
    assert_int_equal(ta.allocs, 0);
    for (int i = 0; i < 4; i++) {
        char c = (char)('a' + i), out = 0;
        assert_int_equal(recvbuf_write(&b, &A, 0, &c, 1, &stored), 1);
        assert_int_equal(stored, 1);
        assert_int_equal(recvbuf_space(&b), 0);
        assert_int_equal(recvbuf_write(&b, &A, 0, "q", 1, &stored), 0);
        assert_int_equal(recvbuf_read(&b, &out, 2), 1);
        assert_int_equal(out, c);
    }
    assert_int_equal(ta.allocs, 1);
    recvbuf_free(&b, &A);
}

static void test_cap_zero(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 0);
    assert_int_equal(recvbuf_write(&b, &A, 0, "abc", 3, NULL), 0);
    assert_int_equal(recvbuf_space(&b), 0);
    assert_int_equal(ta.allocs, 0);
    recvbuf_free(&b, &A);
}

static void test_range_limit(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 4 * RECVBUF_MAX_RANGES + 100);
    const uint32_t T = 2 * RECVBUF_MAX_RANGES + 1; /* end of the last range */
    uint32_t stored = 0;
    for (uint32_t i = 0; i < RECVBUF_MAX_RANGES; i++) {
        assert_int_equal(recvbuf_write(&b, &A, 2 + 2 * i, "x", 1, &stored), 0);
        assert_int_equal(stored, 1);
    }
    assert_int_equal(b.nranges, RECVBUF_MAX_RANGES); /* [2,3) [4,5) ... [T-1,T) */
    recvbuf before = b;

    /* a new hole is refused whole: nothing stored, nothing changed */
    stored = 99;
    assert_int_equal(recvbuf_write(&b, &A, T + 7, "yyyy", 4, &stored), -ENOSPC);
    assert_int_equal(stored, 0);
    assert_memory_equal(&b, &before, sizeof(b));
    assert_int_equal(recvbuf_write(&b, &A, T + 1, "y", 1, NULL), -ENOSPC); /* not adjacent */
    assert_memory_equal(&b, &before, sizeof(b));

    /* a duplicate inside a range is fine */
    assert_int_equal(recvbuf_write(&b, &A, T - 1, "y", 1, &stored), 0);
    assert_int_equal(stored, 0);
    /* one that extends a range is accepted */
    assert_int_equal(recvbuf_write(&b, &A, T, "ab", 2, &stored), 0);
    assert_int_equal(stored, 2);
    assert_int_equal(b.nranges, RECVBUF_MAX_RANGES);
    assert_int_equal(b.ranges[RECVBUF_MAX_RANGES - 1].end, T + 2);
    /* one overlapping the end of a range and running on is accepted too */
    assert_int_equal(recvbuf_write(&b, &A, T - 1, "abcd", 4, &stored), 0);
    assert_int_equal(stored, 1);
    assert_int_equal(b.ranges[RECVBUF_MAX_RANGES - 1].end, T + 3);
    /* one that bridges two frees an entry, so a new hole fits again */
    assert_int_equal(recvbuf_write(&b, &A, 3, "b", 1, &stored), 0);
    assert_int_equal(b.nranges, RECVBUF_MAX_RANGES - 1);
    assert_int_equal(b.ranges[0].start, 2);
    assert_int_equal(b.ranges[0].end, 5);
    assert_int_equal(recvbuf_write(&b, &A, T + 7, "yyyy", 4, &stored), 0);
    assert_int_equal(stored, 4);
    assert_int_equal(b.nranges, RECVBUF_MAX_RANGES);
    assert_int_equal(recvbuf_write(&b, &A, T + 17, "z", 1, &stored), -ENOSPC);
    /* in-order data is never refused, even with every entry in use */
    assert_int_equal(recvbuf_write(&b, &A, 0, "0", 1, &stored), 1);
    assert_int_equal(stored, 1);
    assert_int_equal(b.nranges, RECVBUF_MAX_RANGES);
    assert_int_equal(b.ranges[0].start, 1); /* rebased: was [2,5) */
    assert_int_equal(b.ranges[0].end, 4);
    assert_int_equal(recvbuf_write(&b, &A, 0, "1", 1, &stored), 4);
    assert_int_equal(b.nranges, RECVBUF_MAX_RANGES - 1);
    recvbuf_free(&b, &A);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 64);
    recvbuf before = b;
    ta.fail = 1;
    uint32_t stored = 99;
    assert_int_equal(recvbuf_write(&b, &A, 0, "abc", 3, &stored), -ENOMEM);
    assert_int_equal(stored, 0);
    assert_memory_equal(&b, &before, sizeof(b));
    stored = 99;
    assert_int_equal(recvbuf_write(&b, &A, 7, "abc", 3, &stored), -ENOMEM);
    assert_int_equal(stored, 0);
    assert_memory_equal(&b, &before, sizeof(b));
    assert_int_equal(ta.failed, 2);
    assert_int_equal(ta.live_bytes, 0);
    ta.fail = 0;
    assert_int_equal(recvbuf_write(&b, &A, 7, "abc", 3, &stored), 0);
    assert_int_equal(stored, 3);
    /* storage exists: later writes need no allocation and cannot fail */
    ta.fail = 1;
    assert_int_equal(recvbuf_write(&b, &A, 0, "0123456", 7, &stored), 10);
    char out[10];
    assert_int_equal(recvbuf_read(&b, out, 10), 10);
    assert_memory_equal(out, "0123456abc", 10);
    /* the storage is kept when drained; shrink gives it back */
    assert_int_equal(ta.live_bytes, 64);
    recvbuf_shrink(&b, &A);
    assert_int_equal(ta.live_bytes, 0);
    assert_int_equal(recvbuf_write(&b, &A, 0, "x", 1, &stored), -ENOMEM);
    ta.fail = 0;
    recvbuf_free(&b, &A);
}

static void test_read_discard(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 16);
    assert_int_equal(put(&b, 0, 0, 10, NULL), 10);
    assert_int_equal(recvbuf_read(&b, NULL, 4), 4);
    assert_int_equal(recvbuf_peek(&b, NULL, 100), 6);
    char out[16];
    assert_int_equal(recvbuf_read(&b, out, 16), 6);
    assert_memory_equal(out, STREAM + 4, 6);
    recvbuf_free(&b, &A);
}

static void test_drop_ooo(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 32);
    assert_int_equal(put(&b, 0, 0, 3, NULL), 3);
    assert_int_equal(put(&b, 3, 5, 4, NULL), 0);
    assert_int_equal(put(&b, 3, 12, 2, NULL), 0);
    assert_int_equal(recvbuf_drop_ooo(&b), 6);
    assert_ranges(&b, NULL, 0);
    assert_int_equal(recvbuf_ready(&b), 3);
    assert_int_equal(recvbuf_space(&b), 29);
    assert_int_equal(recvbuf_drop_ooo(&b), 0);
    /* the dropped bytes no longer count: filling the hole advances only over it */
    uint32_t stored = 0;
    assert_int_equal(recvbuf_write(&b, &A, 0, "XY", 2, &stored), 2);
    assert_int_equal(stored, 2);
    /* and new data lands where the dropped data was */
    assert_int_equal(recvbuf_write(&b, &A, 0, "ZZZZ", 4, &stored), 4);
    char out[16];
    assert_int_equal(recvbuf_read(&b, out, 16), 9);
    assert_memory_equal(out, "012XYZZZZ", 9);
    recvbuf_free(&b, &A);
}

static void test_shrink(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 16);
    assert_int_equal(put(&b, 0, 0, 2, NULL), 2);
    recvbuf_shrink(&b, &A); /* ready data: kept */
    assert_non_null(b.data);
    assert_int_equal(recvbuf_read(&b, NULL, 2), 2);
    assert_int_equal(put(&b, 2, 5, 2, NULL), 0);
    recvbuf_shrink(&b, &A); /* out-of-order data: kept */
    assert_non_null(b.data);
    assert_int_equal(b.ooo_bytes, 2);
    assert_int_equal(recvbuf_drop_ooo(&b), 2);
    recvbuf_shrink(&b, &A);
    assert_null(b.data);
    assert_int_equal(ta.live_bytes, 0);
    assert_int_equal(recvbuf_space(&b), 16);
    assert_int_equal(recvbuf_write(&b, &A, 1, "b", 1, NULL), 0);
    assert_int_equal(recvbuf_write(&b, &A, 0, "a", 1, NULL), 2);
    assert_int_equal(ta.allocs, 2);
    char out[2];
    assert_int_equal(recvbuf_read(&b, out, 2), 2);
    assert_memory_equal(out, "ab", 2);
    recvbuf_free(&b, &A);
}

static void test_set_cap(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 16);
    assert_int_equal(put(&b, 0, 0, 2, NULL), 2);
    assert_int_equal(recvbuf_set_cap(&b, &A, 64), -EBUSY);
    assert_int_equal(recvbuf_read(&b, NULL, 2), 2);
    assert_int_equal(put(&b, 2, 4, 1, NULL), 0);
    assert_int_equal(recvbuf_set_cap(&b, &A, 64), -EBUSY); /* ooo data only */
    assert_int_equal(b.cap, 16);
    recvbuf_drop_ooo(&b);
    assert_int_equal(recvbuf_set_cap(&b, &A, 64), 0);
    assert_null(b.data);
    assert_int_equal(ta.live_bytes, 0);
    assert_int_equal(recvbuf_space(&b), 64);
    assert_int_equal(put(&b, 0, 0, 40, NULL), 40);
    assert_int_equal(ta.last_size, 64);
    recvbuf_free(&b, &A);
}

static void test_sack_ranges_max(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 64);
    for (uint32_t i = 0; i < 5; i++)
        assert_int_equal(put(&b, 0, 3 + 4 * i, 2, NULL), 0);
    recvbuf_range out[5];
    memset(out, 0xff, sizeof(out));
    assert_int_equal(recvbuf_sack_ranges(&b, out, 3), 3);
    assert_int_equal(out[0].start, 3);
    assert_int_equal(out[2].end, 13);
    assert_int_equal(out[3].start, UINT32_MAX); /* untouched past max */
    assert_int_equal(recvbuf_sack_ranges(&b, NULL, 0), 0);
    assert_int_equal(recvbuf_sack_ranges(&b, out, 5), 5);
    assert_int_equal(out[4].start, 19);
    assert_int_equal(out[4].end, 21);
    recvbuf_free(&b, &A);
}

/* ---- progressive storage ---- */

/* The storage the header promises to reach need bytes from a ring of old bytes:
 * the smallest power of two that is >= need, >= RECVBUF_MIN_STORAGE and more
 * than old, but never more than cap. */
static uint32_t expect_storage(uint32_t old, uint32_t need, uint32_t cap)
{
    uint64_t p = 1;
    while (p < need || p < RECVBUF_MIN_STORAGE || p <= old)
        p <<= 1;
    return p < cap ? (uint32_t)p : cap;
}

/* Byte i of the peer's stream: varies with both low and high bits of i, so a
 * block copied to the wrong offset (even a multiple of 256 away) shows. */
static uint8_t pat(uint32_t i)
{
    return (uint8_t)(i * 131u + (i >> 8) * 7u + (i >> 16));
}

/* Writes stream bytes [seq, seq + n) with RCV.NXT at stream position nxt. */
static long put_pat(recvbuf *b, uint32_t nxt, uint32_t seq, uint32_t n, uint32_t *stored)
{
    uint8_t *in = malloc(n ? n : 1);
    assert_non_null(in);
    for (uint32_t i = 0; i < n; i++)
        in[i] = pat(seq + i);
    long got = recvbuf_write(b, &A, seq - nxt, in, n, stored);
    free(in);
    return got;
}

/* Fills every hole in [nxt, nxt + n) in order. The bytes offered where data is
 * held already are wrong, so they only read back right if the held copy (which
 * wins) survived. Returns how far RCV.NXT advanced. */
static long fill_holes(recvbuf *b, uint32_t nxt, uint32_t n)
{
    uint8_t *in = malloc(n ? n : 1);
    assert_non_null(in);
    for (uint32_t i = 0; i < n; i++) {
        int held = 0;
        for (uint32_t k = 0; k < b->nranges; k++)
            if (i >= b->ranges[k].start && i < b->ranges[k].end)
                held = 1;
        in[i] = held ? (uint8_t)~pat(nxt + i) : pat(nxt + i);
    }
    long got = recvbuf_write(b, &A, 0, in, n, NULL);
    free(in);
    return got;
}

/* Reads n ready bytes and checks they are stream bytes [rd, rd + n). */
static void read_pat(recvbuf *b, uint32_t rd, uint32_t n)
{
    uint8_t *out = malloc(n + 1u);
    assert_non_null(out);
    out[n] = 0xAA;
    assert_int_equal(recvbuf_read(b, out, n), n);
    for (uint32_t i = 0; i < n; i++)
        if (out[i] != pat(rd + i))
            fail_msg("byte %u is %u, want %u", rd + i, out[i], pat(rd + i));
    assert_int_equal(out[n], 0xAA);
    free(out);
}

/* Peeks at every ready byte and checks they are stream bytes [rd, ...). */
static void peek_pat(const recvbuf *b, uint32_t rd)
{
    uint32_t n = recvbuf_ready(b);
    uint8_t *out = malloc(n + 1u);
    assert_non_null(out);
    assert_int_equal(recvbuf_peek(b, out, n + 1u), n);
    for (uint32_t i = 0; i < n; i++)
        if (out[i] != pat(rd + i))
            fail_msg("ready byte %u is %u, want %u", rd + i, out[i], pat(rd + i));
    free(out);
}

static void test_first_storage_is_small(void **state)
{
    (void)state;
    static const struct {
        uint32_t cap, off, n, size;
    } cases[] = {
        {256u * 1024u, 0, 64, 2048}, /* a small request: the minimum, not cap */
        {256u * 1024u, 0, 2048, 2048},
        {256u * 1024u, 0, 2049, 4096},
        {256u * 1024u, 3000, 10, 4096},          /* out of order: must reach the segment's end */
        {256u * 1024u, 0, 300000, 256u * 1024u}, /* cut at cap, storage is cap */
        {1000, 0, 1, 1000},                      /* cap below the minimum: cap */
        {3000, 5, 10, 2048},                     /* cap not a power of two */
        {3000, 2500, 10, 3000},                  /* 4096 would pass cap */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        recvbuf b;
        recvbuf_init(&b, cases[i].cap);
        uint32_t stored = 0;
        long adv = put_pat(&b, 0, cases[i].off, cases[i].n, &stored);
        uint32_t end = cases[i].off + cases[i].n;
        if (end > cases[i].cap)
            end = cases[i].cap;
        assert_int_equal(stored, end - cases[i].off);
        assert_int_equal(adv, cases[i].off == 0 ? end : 0);
        assert_int_equal(b.size, cases[i].size);
        assert_int_equal(b.size, expect_storage(0, end, cases[i].cap));
        assert_int_equal(ta.last_size, cases[i].size);
        assert_int_equal(ta.live_bytes, cases[i].size);
        /* the window still comes from cap, whatever the storage */
        assert_int_equal(recvbuf_space(&b), cases[i].cap - (uint32_t)adv);
        if (cases[i].off > 0)
            assert_int_equal(fill_holes(&b, 0, end), end);
        read_pat(&b, 0, end);
        recvbuf_free(&b, &A);
        assert_int_equal(b.size, 0);
        assert_int_equal(ta.live_bytes, 0);
    }
}

static void test_growth_keeps_data_and_ranges(void **state)
{
    (void)state;
    /* cap not a power of two: 2048, 4096, 8192, 16384, then cap itself */
    const uint32_t cap = 20000;
    recvbuf b;
    recvbuf_init(&b, cap);
    uint32_t rd = 0, nxt = 0; /* stream positions of head and RCV.NXT */
    assert_int_equal(put_pat(&b, nxt, nxt, 100, NULL), 100);
    nxt += 100;
    read_pat(&b, rd, 100);
    rd += 100;
    assert_int_equal(b.size, 2048);
    unsigned stages = 0;
    for (int layout = 0;; layout ^= 1) {
        uint32_t size = b.size;
        unsigned allocs = ta.allocs;
        assert_int_equal(b.head, 0); /* empty: the ring restarted at index 0 */
        /* move head to the middle of the storage */
        assert_int_equal(put_pat(&b, nxt, nxt, size / 2 + 5, NULL), size / 2 + 5);
        nxt += size / 2 + 5;
        read_pat(&b, rd, size / 2 + 4);
        rd += size / 2 + 4;
        assert_int_equal(b.head, size / 2 + 4);
        /* layout 0: the ready bytes run across the storage's end;
         * layout 1: the first held range does */
        uint32_t more = layout == 0 ? size / 2 : size / 2 - 31;
        assert_int_equal(put_pat(&b, nxt, nxt, more, NULL), more);
        nxt += more;
        uint32_t ready = recvbuf_ready(&b);
        if (layout == 0)
            assert_true(b.head + ready > b.size);
        else
            assert_true(b.head + ready + 10 < b.size && b.head + ready + 50 > b.size);
        assert_int_equal(put_pat(&b, nxt, nxt + 10, 40, NULL), 0);
        assert_int_equal(put_pat(&b, nxt, nxt + 100, 20, NULL), 0);
        uint32_t last = size - ready; /* the storage ends this far past RCV.NXT */
        assert_int_equal(put_pat(&b, nxt, nxt + last - 30, 20, NULL), 0);
        assert_int_equal(b.size, size);
        assert_int_equal(ta.allocs, allocs);
        recvbuf_range held[RECVBUF_MAX_RANGES];
        uint32_t nheld = recvbuf_sack_ranges(&b, held, RECVBUF_MAX_RANGES);
        assert_int_equal(nheld, 3);
        uint32_t ooo = b.ooo_bytes;
        assert_int_equal(ooo, 80);

        if (size < cap) {
            /* a segment beyond the storage: it grows, keeping ready data and ranges */
            unsigned frees = ta.frees;
            uint32_t stored = 0;
            assert_int_equal(put_pat(&b, nxt, nxt + last + 50, 30, &stored), 0);
            assert_int_equal(stored, 30);
            uint32_t want = expect_storage(size, ready + last + 80, cap);
            assert_int_equal(want, size * 2 < cap ? size * 2 : cap);
            assert_int_equal(b.size, want);
            assert_int_equal(ta.allocs, allocs + 1);
            assert_int_equal(ta.frees, frees + 1); /* the old storage, with its size */
            assert_int_equal(ta.live_bytes, want);
            assert_int_equal(b.head, 0);
            assert_int_equal(recvbuf_ready(&b), ready);
            assert_int_equal(recvbuf_space(&b), cap - ready);
            held[nheld].start = last + 50;
            held[nheld].end = last + 80;
            nheld++;
            assert_ranges(&b, held, nheld);
            stages++;
        }
        peek_pat(&b, rd);
        /* fill every hole: RCV.NXT runs to the end of the last range */
        uint32_t span = held[nheld - 1].end;
        assert_int_equal(fill_holes(&b, nxt, span), span);
        nxt += span;
        read_pat(&b, rd, nxt - rd);
        rd = nxt;
        if (size == cap)
            break;
    }
    assert_int_equal(stages, 4);
    assert_int_equal(b.size, cap);
    /* at cap: data past cap is cut, the storage does not grow past it */
    uint32_t stored = 0;
    assert_int_equal(put_pat(&b, nxt, nxt, cap + 100, &stored), cap);
    assert_int_equal(stored, cap);
    assert_int_equal(b.size, cap);
    assert_int_equal(ta.live_bytes, cap);
    read_pat(&b, rd, cap);
    recvbuf_free(&b, &A);
}

static void test_growth_failure_leaves_buffer_intact(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 20000);
    uint32_t rd = 0, nxt = 0;
    assert_int_equal(put_pat(&b, nxt, nxt, 1500, NULL), 1500);
    nxt += 1500;
    read_pat(&b, rd, 1000);
    rd += 1000;
    assert_int_equal(put_pat(&b, nxt, nxt, 1000, NULL), 1000); /* wraps: head 1000 */
    nxt += 1000;
    assert_true(b.head + recvbuf_ready(&b) > b.size);
    assert_int_equal(put_pat(&b, nxt, nxt + 100, 50, NULL), 0);
    assert_int_equal(b.size, 2048);
    unsigned allocs = ta.allocs, frees = ta.frees;
    recvbuf before = b;

    ta.fail = 1;
    uint32_t stored = 99;
    /* out of order, beyond the storage: refused whole, nothing changed */
    assert_int_equal(put_pat(&b, nxt, nxt + 600, 10, &stored), -ENOMEM);
    assert_int_equal(stored, 0);
    assert_memory_equal(&b, &before, sizeof(b));
    /* in order, partly within the storage: refused whole too */
    stored = 99;
    assert_int_equal(put_pat(&b, nxt, nxt, 600, &stored), -ENOMEM);
    assert_int_equal(stored, 0);
    assert_memory_equal(&b, &before, sizeof(b));
    assert_int_equal(ta.failed, 2);
    assert_int_equal(ta.allocs, allocs);
    assert_int_equal(ta.frees, frees);
    assert_int_equal(ta.live_bytes, 2048);
    /* within the storage nothing is allocated, so nothing fails */
    assert_int_equal(put_pat(&b, nxt, nxt + 200, 10, &stored), 0);
    assert_int_equal(stored, 10);
    assert_int_equal(ta.failed, 2);
    peek_pat(&b, rd);

    /* memory comes back: the same segments are taken, everything intact */
    ta.fail = 0;
    assert_int_equal(put_pat(&b, nxt, nxt + 600, 10, &stored), 0);
    assert_int_equal(b.size, 4096);
    assert_int_equal(ta.live_bytes, 4096);
    assert_ranges(&b, (recvbuf_range[]){{100, 150}, {200, 210}, {600, 610}}, 3);
    assert_int_equal(fill_holes(&b, nxt, 610), 610);
    nxt += 610;
    read_pat(&b, rd, nxt - rd);
    rd = nxt;

    /* an empty ring whose storage must grow fails the same way and keeps its storage */
    uint8_t *storage = b.data;
    before = b;
    ta.fail = 1;
    assert_int_equal(put_pat(&b, nxt, nxt, 5000, &stored), -ENOMEM);
    assert_memory_equal(&b, &before, sizeof(b));
    assert_ptr_equal(b.data, storage);
    ta.fail = 0;
    assert_int_equal(put_pat(&b, nxt, nxt, 5000, &stored), 5000);
    assert_int_equal(b.size, 8192);
    read_pat(&b, rd, 5000);
    recvbuf_free(&b, &A);
}

/* ---- randomized model check ----
 * The reference holds, for every absolute stream position, whether a byte was
 * received and which (the first copy). RCV.NXT, the reads and every range the
 * buffer reports are checked against it after each operation. */

#define STREAM_LIMIT 200000u

typedef struct model {
    uint32_t cap;  /* buffer capacity */
    uint32_t size; /* storage the buffer should have allocated */
    uint32_t rd;   /* stream position of the first unread byte */
    uint32_t nxt;  /* stream position of RCV.NXT */
    uint8_t *val;  /* byte received at each position (first copy) */
    uint8_t *have; /* whether each position was received */
} model;

/* Out-of-order ranges of the model, relative to nxt; returns the count. */
static uint32_t model_ranges(const model *m, recvbuf_range *out, uint32_t max, uint32_t *bytes)
{
    uint32_t n = 0, total = 0;
    uint32_t end = m->rd + m->cap;
    for (uint32_t p = m->nxt; p < end;) {
        if (!m->have[p]) {
            p++;
            continue;
        }
        uint32_t q = p;
        while (q < end && m->have[q])
            q++;
        if (n < max) {
            out[n].start = p - m->nxt;
            out[n].end = q - m->nxt;
        }
        n++;
        total += q - p;
        p = q;
    }
    if (bytes != NULL)
        *bytes = total;
    return n;
}

static void check_against_model(const recvbuf *b, const model *m)
{
    assert_int_equal(recvbuf_ready(b), m->nxt - m->rd);
    assert_int_equal(recvbuf_space(b), m->cap - (m->nxt - m->rd));
    recvbuf_range want[64], got[RECVBUF_MAX_RANGES + 1];
    uint32_t bytes = 0;
    uint32_t n = model_ranges(m, want, 64, &bytes);
    assert_true(n <= RECVBUF_MAX_RANGES);
    assert_int_equal(recvbuf_sack_ranges(b, got, RECVBUF_MAX_RANGES + 1), n);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(got[i].start, want[i].start);
        assert_int_equal(got[i].end, want[i].end);
    }
    assert_int_equal(b->ooo_bytes, bytes);
    assert_int_equal(b->size, m->size);
    assert_int_equal(ta.live_bytes, m->size); /* one block, freed with its own size */
    assert_true(b->head < m->size || b->head == 0);
    /* everything held lies within the storage */
    assert_true(m->nxt - m->rd + (n > 0 ? want[n - 1].end : 0) <= m->size || m->size == 0);
}

typedef struct run_stats {
    unsigned enospc;      /* writes refused for lack of a range entry */
    unsigned enomem;      /* writes refused for lack of memory */
    unsigned advanced;    /* writes that filled a hole and advanced past held data */
    unsigned wrapped;     /* operations after which held data straddled the ring end */
    unsigned grew;        /* writes that moved held data to bigger storage */
    unsigned grew_ooo;    /* ... with out-of-order ranges among it */
    unsigned grow_failed; /* writes refused because bigger storage was refused */
} run_stats;

static void run_model(uint32_t cap, uint64_t seed, int ops, run_stats *st)
{
    rng_state = seed;
    model m = {cap, 0, 0, 0, calloc(STREAM_LIMIT + cap, 1), calloc(STREAM_LIMIT + cap, 1)};
    assert_non_null(m.val);
    assert_non_null(m.have);
    uint32_t bufsz = cap + 16;
    uint8_t *in = malloc(bufsz), *out = malloc(bufsz);
    assert_non_null(in);
    assert_non_null(out);
    recvbuf b;
    recvbuf_init(&b, cap);
    /* small segments make many holes; large ones make overlaps and cuts. Runs
     * differ in how often data arrives in order, so some fill every range entry. */
    uint32_t small = 1 + rnd() % 6;
    uint32_t in_order_1_in = seed % 2 ? 4 : 40;
    uint32_t large_1_in = seed % 3 ? 2 : 12;

    for (int op = 0; op < ops && m.rd + cap < STREAM_LIMIT; op++) {
        uint32_t r = rnd() % 100;
        uint32_t space = cap - (m.nxt - m.rd);
        if (r < 55) {
            uint32_t off = rnd() % in_order_1_in == 0 ? 0 : rnd() % (space + 4);
            /* large ones are sometimes medium-sized, so storage grows a stage at a time */
            uint32_t medium = cap < 1200 ? cap + 8 : 1200;
            uint32_t n = rnd() % large_1_in ? rnd() % (small + 1)
                         : rnd() % 2        ? rnd() % (cap + 8)
                                            : rnd() % medium;
            for (uint32_t i = 0; i < n; i++)
                in[i] = (uint8_t)rnd(); /* new contents each time: first copy must win */
            /* what the model expects */
            long want = 0;
            uint32_t want_stored = 0;
            int apply = 0;
            if (n > 0 && off < space) {
                uint32_t s = off, e = off + n < space ? off + n : space;
                recvbuf_range rs[RECVBUF_MAX_RANGES + 1];
                uint32_t nr = model_ranges(&m, rs, RECVBUF_MAX_RANGES + 1, NULL);
                int touches = 0;
                for (uint32_t i = 0; i < nr; i++)
                    if (rs[i].start <= e && rs[i].end >= s)
                        touches = 1;
                uint32_t need = m.nxt - m.rd + e; /* storage must reach the segment's end */
                if (off > 0 && !touches && nr == RECVBUF_MAX_RANGES) {
                    want = -ENOSPC;
                } else if (need > m.size && (ta.fail = (int)(rnd() % 3 == 0))) {
                    want = -ENOMEM;
                    if (m.size > 0)
                        st->grow_failed++;
                } else {
                    apply = 1;
                    if (need > m.size) {
                        if (m.nxt > m.rd || nr > 0)
                            st->grew++;
                        if (nr > 0)
                            st->grew_ooo++;
                        m.size = expect_storage(m.size, need, cap);
                    }
                }
                if (apply) {
                    for (uint32_t p = s; p < e; p++)
                        if (!m.have[m.nxt + p]) {
                            m.have[m.nxt + p] = 1;
                            m.val[m.nxt + p] = in[p - s];
                            want_stored++;
                        }
                    uint32_t adv = 0;
                    while (m.nxt + adv < m.rd + cap && m.have[m.nxt + adv])
                        adv++;
                    if (adv > e)
                        st->advanced++;
                    m.nxt += adv;
                    want = adv;
                }
            }
            uint32_t stored = 12345;
            uint32_t *sp = rnd() % 8 ? &stored : NULL;
            recvbuf before = b;
            long got = recvbuf_write(&b, &A, off, in, n, sp);
            ta.fail = 0;
            assert_int_equal(got, want);
            if (sp != NULL)
                assert_int_equal(stored, want_stored);
            if (want == -ENOSPC)
                st->enospc++;
            if (want == -ENOMEM) {
                st->enomem++;
                assert_memory_equal(&b, &before, sizeof(b)); /* nothing changed */
            }
        } else if (r < 80) {
            uint32_t n = rnd() % (cap + 3);
            uint32_t ready = m.nxt - m.rd;
            uint32_t want = n < ready ? n : ready;
            memset(out, 0xAA, bufsz);
            int discard = rnd() % 8 == 0;
            assert_int_equal(recvbuf_read(&b, discard ? NULL : out, n), want);
            if (!discard) {
                assert_memory_equal(out, m.val + m.rd, want);
                assert_int_equal(out[want], 0xAA);
            }
            m.rd += want;
        } else if (r < 93) {
            uint32_t n = rnd() % (cap + 3);
            uint32_t ready = m.nxt - m.rd;
            uint32_t want = n < ready ? n : ready;
            memset(out, 0xAA, bufsz);
            assert_int_equal(recvbuf_peek(&b, out, n), want);
            assert_memory_equal(out, m.val + m.rd, want);
            assert_int_equal(out[want], 0xAA);
        } else if (r < 95) {
            uint32_t bytes = 0;
            recvbuf_range rs[64];
            model_ranges(&m, rs, 64, &bytes);
            assert_int_equal(recvbuf_drop_ooo(&b), bytes);
            memset(m.have + m.nxt, 0, m.rd + cap - m.nxt);
        } else {
            uint32_t bytes = 0;
            recvbuf_range rs[64];
            uint32_t nr = model_ranges(&m, rs, 64, &bytes);
            recvbuf_shrink(&b, &A);
            if (m.nxt == m.rd && nr == 0) {
                assert_null(b.data);
                m.size = 0;
            } else {
                assert_non_null(b.data);
            }
        }
        check_against_model(&b, &m);
        uint32_t held_end = m.nxt - m.rd + b.ooo_bytes; /* lower bound on extent held */
        if (b.data != NULL && b.head + held_end > b.size)
            st->wrapped++;
    }
    recvbuf_free(&b, &A);
    free(m.val);
    free(m.have);
    free(in);
    free(out);
}

static void test_random_model(void **state)
{
    (void)state;
    /* small caps (storage is cap at once) and caps the storage grows towards,
     * powers of two or not */
    static const uint32_t caps[] = {1,   2,   3,   5,    7,    10,   17,   31,  64,
                                    100, 127, 256, 1000, 2048, 3000, 4096, 5000};
    run_stats total = {0};
    for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
        run_stats st = {0};
        for (uint64_t seed = 1; seed <= 6; seed++)
            run_model(caps[c], seed * 0x9E3779B97F4A7C15ull ^ caps[c], 4000, &st);
        if (caps[c] > 2)
            assert_true(st.wrapped > 0); /* the ring really wrapped at this capacity */
        if (caps[c] > RECVBUF_MIN_STORAGE) {
            assert_true(st.grew > 0); /* growth moved held data at this capacity */
            assert_true(st.grew_ooo > 0);
            assert_true(st.grow_failed > 0);
        }
        total.enospc += st.enospc;
        total.enomem += st.enomem;
        total.advanced += st.advanced;
        total.wrapped += st.wrapped;
    }
    /* the interesting paths were all taken */
    /* a long run with many small out-of-order writes into a large buffer fills every
     * range entry, so the refusal path is exercised too */
    for (uint64_t seed = 3; total.enospc == 0 && seed < 3 + 6 * 20; seed += 6) {
        run_stats st = {0};
        run_model(20000, seed, 40000, &st);
        total.enospc += st.enospc;
    }
    assert_true(total.enospc > 0);
    assert_true(total.enomem > 0);
    assert_true(total.advanced > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_allocates_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_clamps_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_order_then_fill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_order_overlapping_held_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_copy_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_at_buffer_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrap_around, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_discard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_ooo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shrink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sack_ranges_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_storage_is_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_keeps_data_and_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_failure_leaves_buffer_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
