/* SPDX-License-Identifier: MIT */
/* Unit tests for the TCP receive buffer (src/tcp/recvbuf.c): out-of-order reassembly —
 * held ranges, merging, the first copy winning, the range limit, dropping held data, and
 * the SACK ranges it reports. */
#include "recvbuf_test.h"

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

/* The range table costs nothing while data arrives in order; the first out-of-order byte
 * allocates it, filling the last hole gives it back, and when it cannot be had the segment
 * is refused whole with nothing changed. */
static void test_range_table_lifetime(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 4096);
    assert_int_equal(put(&b, 0, 0, 10, NULL), 10);
    assert_null(b.ranges);
    assert_int_equal(ta.live_bytes, 2048);

    assert_int_equal(put(&b, 10, 20, 5, NULL), 0);
    assert_non_null(b.ranges);
    assert_int_equal(ta.live_bytes, 2048 + RB_TABLE_BYTES);
    assert_int_equal(put(&b, 10, 30, 5, NULL), 0); /* a second range: same table */
    assert_int_equal(ta.allocs, 2);
    assert_int_equal(put(&b, 10, 10, 10, NULL), 15); /* up to the first range's end */
    assert_non_null(b.ranges);                       /* [30,35) is still held */
    assert_int_equal(put(&b, 25, 25, 5, NULL), 10);
    assert_null(b.ranges);
    assert_int_equal(ta.live_bytes, 2048);

    ta.fail = 1;
    recvbuf before = b;
    uint32_t stored = 99;
    assert_int_equal(put(&b, 35, 40, 5, &stored), -ENOMEM);
    assert_int_equal(stored, 0);
    assert_memory_equal(&b, &before, sizeof b);
    assert_int_equal(put(&b, 35, 35, 5, NULL), 5); /* in order needs no table */
    ta.fail = 0;
    assert_int_equal(ta.live_bytes, 2048);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_out_of_order_then_fill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_order_overlapping_held_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_copy_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_ooo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sack_ranges_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range_table_lifetime, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
