/* SPDX-License-Identifier: MIT */
/* Unit tests for the TCP receive buffer (src/tcp/recvbuf.c): in-order data — the window,
 * reads and peeks, the ring wrapping around, and capacities at the edges (0, 1, clamped). */
#include "recvbuf_test.h"
#include "wire/checksum.h"

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
    assert_memory_equal(out, &STREAM[6], 9);
    /* from an offset (a read stepping over the urgent byte), across the wrap */
    assert_int_equal(recvbuf_peek_at(&b, 3, out, 10), 6);
    assert_memory_equal(out, &STREAM[9], 6);
    assert_int_equal(recvbuf_peek_at(&b, 9, out, 1), 0);
    assert_int_equal(recvbuf_read(&b, out, 5), 5);
    assert_memory_equal(out, &STREAM[6], 5);
    assert_int_equal(b.head, 1);
    assert_int_equal(recvbuf_read(&b, out, 5), 4);
    assert_memory_equal(out, &STREAM[11], 4);
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
    assert_memory_equal(out, &STREAM[4], 6);
    recvbuf_free(&b, &A);
}

/* The fused copy of the receive fast path: staged bytes are invisible until committed,
 * their sum is the checksum partial sum even across the ring's end (at an odd offset), and
 * any other call in between cancels the commit so the caller writes normally. */
static void test_stage_and_commit(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 4096);
    uint64_t sum = 0;
    /* head at an odd place near the storage's end, so the next bytes wrap there */
    static uint8_t fill[2045];
    memset(fill, 'f', sizeof fill);
    assert_int_equal(recvbuf_write(&b, &A, 0, fill, sizeof fill, NULL), 2045);
    assert_int_equal(recvbuf_read(&b, NULL, 2044), 2044);
    assert_int_equal(recvbuf_write(&b, &A, 0, "hi", 2, NULL), 2); /* ready "fhi" */
    assert_int_equal(b.size, 2048);
    assert_int_equal(b.head, 2044); /* staged bytes start at index 2047: 1 byte, then wrap */
    assert_int_equal(recvbuf_stage(&b, &A, &STREAM[7], 9, &sum), 0);
    assert_int_equal(csum_finish(sum), csum_finish(csum_add(0, &STREAM[7], 9)));
    assert_int_equal(recvbuf_ready(&b), 3);             /* staged bytes are not readable yet */
    assert_int_equal(recvbuf_commit_staged(&b, 8), -1); /* not what was staged */
    assert_int_equal(recvbuf_commit_staged(&b, 9), 9);
    assert_int_equal(recvbuf_commit_staged(&b, 9), -1); /* once */
    char out[12];
    assert_int_equal(recvbuf_read(&b, out, sizeof out), 12);
    assert_memory_equal(out, "fhi", 3);
    assert_memory_equal(out + 3, &STREAM[7], 9);

    /* a write, a read or a drop in between cancels the commit */
    assert_int_equal(recvbuf_stage(&b, &A, "abcd", 4, &sum), 0);
    assert_int_equal(recvbuf_write(&b, &A, 0, "wxyz", 4, NULL), 4);
    assert_int_equal(recvbuf_commit_staged(&b, 4), -1);
    assert_int_equal(recvbuf_read(&b, out, 4), 4);
    assert_memory_equal(out, "wxyz", 4);
    assert_int_equal(recvbuf_stage(&b, &A, "abcd", 4, &sum), 0);
    assert_int_equal(recvbuf_read(&b, NULL, 1), 0);
    assert_int_equal(recvbuf_commit_staged(&b, 4), -1);
    assert_int_equal(recvbuf_stage(&b, &A, "abcd", 4, &sum), 0);
    recvbuf_drop_ooo(&b);
    assert_int_equal(recvbuf_commit_staged(&b, 4), -1);
    assert_int_equal(recvbuf_ready(&b), 0);

    /* refused: out-of-order data held, more than the window, nothing to stage */
    assert_int_equal(recvbuf_write(&b, &A, 3, "q", 1, NULL), 0);
    assert_int_equal(recvbuf_stage(&b, &A, "abcd", 4, &sum), -EINVAL);
    recvbuf_drop_ooo(&b);
    assert_int_equal(recvbuf_stage(&b, &A, STREAM, 0, &sum), -EINVAL);
    assert_int_equal(recvbuf_stage(&b, &A, STREAM, 4097, &sum), -EINVAL);

    /* the storage grows for staged bytes; when it cannot, nothing is staged */
    static uint8_t big[3000];
    memset(big, 0x5c, sizeof big);
    ta.fail = 1;
    assert_int_equal(recvbuf_stage(&b, &A, big, sizeof big, &sum), -ENOMEM);
    assert_int_equal(recvbuf_commit_staged(&b, sizeof big), -1);
    ta.fail = 0;
    assert_int_equal(recvbuf_stage(&b, &A, big, sizeof big, &sum), 0);
    assert_int_equal(b.size, 4096);
    assert_int_equal(recvbuf_commit_staged(&b, sizeof big), (long)sizeof big);
    assert_int_equal(recvbuf_ready(&b), sizeof big);
    recvbuf_free(&b, &A);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_allocates_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_clamps_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_at_buffer_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrap_around, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_discard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stage_and_commit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
