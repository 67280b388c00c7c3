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
    recvbuf_init(&b, 100);
    uint32_t stored = 0;
    for (uint32_t i = 0; i < RECVBUF_MAX_RANGES; i++) {
        assert_int_equal(recvbuf_write(&b, &A, 2 + 2 * i, "x", 1, &stored), 0);
        assert_int_equal(stored, 1);
    }
    assert_int_equal(b.nranges, RECVBUF_MAX_RANGES); /* [2,3) [4,5) ... [32,33) */
    recvbuf before = b;

    /* a new hole is refused whole: nothing stored, nothing changed */
    stored = 99;
    assert_int_equal(recvbuf_write(&b, &A, 40, "yyyy", 4, &stored), -ENOSPC);
    assert_int_equal(stored, 0);
    assert_memory_equal(&b, &before, sizeof(b));
    assert_int_equal(recvbuf_write(&b, &A, 34, "y", 1, NULL), -ENOSPC); /* not adjacent */
    assert_memory_equal(&b, &before, sizeof(b));

    /* a duplicate inside a range is fine */
    assert_int_equal(recvbuf_write(&b, &A, 32, "y", 1, &stored), 0);
    assert_int_equal(stored, 0);
    /* one that extends a range is accepted */
    assert_int_equal(recvbuf_write(&b, &A, 33, "ab", 2, &stored), 0);
    assert_int_equal(stored, 2);
    assert_int_equal(b.nranges, RECVBUF_MAX_RANGES);
    assert_int_equal(b.ranges[RECVBUF_MAX_RANGES - 1].end, 35);
    /* one overlapping the end of a range and running on is accepted too */
    assert_int_equal(recvbuf_write(&b, &A, 32, "abcd", 4, &stored), 0);
    assert_int_equal(stored, 1);
    assert_int_equal(b.ranges[RECVBUF_MAX_RANGES - 1].end, 36);
    /* one that bridges two frees an entry, so a new hole fits again */
    assert_int_equal(recvbuf_write(&b, &A, 3, "b", 1, &stored), 0);
    assert_int_equal(b.nranges, RECVBUF_MAX_RANGES - 1);
    assert_int_equal(b.ranges[0].start, 2);
    assert_int_equal(b.ranges[0].end, 5);
    assert_int_equal(recvbuf_write(&b, &A, 40, "yyyy", 4, &stored), 0);
    assert_int_equal(stored, 4);
    assert_int_equal(b.nranges, RECVBUF_MAX_RANGES);
    assert_int_equal(recvbuf_write(&b, &A, 50, "z", 1, &stored), -ENOSPC);
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

/* ---- randomized model check ----
 * The reference holds, for every absolute stream position, whether a byte was
 * received and which (the first copy). RCV.NXT, the reads and every range the
 * buffer reports are checked against it after each operation. */

#define STREAM_LIMIT 200000u

typedef struct model {
    uint32_t cap;  /* buffer capacity */
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
    assert_true(b->head < m->cap || m->cap == 0);
}

typedef struct run_stats {
    unsigned enospc;   /* writes refused for lack of a range entry */
    unsigned enomem;   /* writes refused for lack of memory */
    unsigned advanced; /* writes that filled a hole and advanced past held data */
    unsigned wrapped;  /* operations after which held data straddled the ring end */
} run_stats;

static void run_model(uint32_t cap, uint64_t seed, int ops, run_stats *st)
{
    rng_state = seed;
    model m = {cap, 0, 0, calloc(STREAM_LIMIT + cap, 1), calloc(STREAM_LIMIT + cap, 1)};
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
            uint32_t n = rnd() % large_1_in ? rnd() % (small + 1) : rnd() % (cap + 8);
            for (uint32_t i = 0; i < n; i++)
                in[i] = (uint8_t)rnd(); /* new contents each time: first copy must win */
            /* what the model expects */
            long want = 0;
            uint32_t want_stored = 0;
            int apply = 0;
            if (n > 0 && off < space) {
                uint32_t s = off, e = off + n < space ? off + n : space;
                recvbuf_range rs[64];
                uint32_t nr = model_ranges(&m, rs, 64, NULL);
                int touches = 0;
                for (uint32_t i = 0; i < nr && i < 64; i++)
                    if (rs[i].start <= e && rs[i].end >= s)
                        touches = 1;
                if (off > 0 && !touches && nr == RECVBUF_MAX_RANGES)
                    want = -ENOSPC;
                else if (b.data == NULL && (ta.fail = (int)(rnd() % 3 == 0)))
                    want = -ENOMEM;
                else
                    apply = 1;
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
            long got = recvbuf_write(&b, &A, off, in, n, sp);
            ta.fail = 0;
            assert_int_equal(got, want);
            if (sp != NULL)
                assert_int_equal(stored, want_stored);
            if (want == -ENOSPC)
                st->enospc++;
            if (want == -ENOMEM) {
                st->enomem++;
                assert_null(b.data);
                assert_int_equal(ta.live_bytes, 0);
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
            if (m.nxt == m.rd && nr == 0)
                assert_null(b.data);
            else
                assert_non_null(b.data);
        }
        check_against_model(&b, &m);
        uint32_t held_end = m.nxt - m.rd + b.ooo_bytes; /* lower bound on extent held */
        if (b.data != NULL && b.head + held_end > cap)
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
    static const uint32_t caps[] = {1, 2, 3, 5, 7, 10, 17, 31, 64, 100, 127, 256, 1000, 4096};
    run_stats total = {0};
    for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
        run_stats st = {0};
        for (uint64_t seed = 1; seed <= 6; seed++)
            run_model(caps[c], seed * 0x9E3779B97F4A7C15ull ^ caps[c], 4000, &st);
        if (caps[c] > 2)
            assert_true(st.wrapped > 0); /* the ring really wrapped at this capacity */
        total.enospc += st.enospc;
        total.enomem += st.enomem;
        total.advanced += st.advanced;
        total.wrapped += st.wrapped;
    }
    /* the interesting paths were all taken */
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
        cmocka_unit_test_setup_teardown(test_random_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
