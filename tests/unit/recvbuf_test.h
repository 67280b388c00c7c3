/* SPDX-License-Identifier: MIT */
/* What the receive-buffer tests (test_recvbuf_*.c, one program each) share: the counting
 * allocator they pass to recvbuf, the per-test setup that resets it and the teardown that
 * checks every block came back, a known byte stream to write from, and range checks. */
#ifndef SYNACK_TEST_RECVBUF_H
#define SYNACK_TEST_RECVBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "support/test_alloc.h"
#include "tcp/recvbuf.h"

static test_alloc ta;
static synack_allocator A = {test_alloc_alloc, test_alloc_free, &ta};

/* Bytes of the out-of-order range table, which exists only while data is held out of
 * order (allocated with the first such byte, freed when the last hole fills). */
#define RB_TABLE_BYTES (RECVBUF_MAX_RANGES * sizeof(recvbuf_range))

/* What the buffer's range table holds from the allocator now. */
static inline size_t rb_table(const recvbuf *b)
{
    return b->ranges != NULL ? RB_TABLE_BYTES : 0;
}

static inline int setup(void **state)
{
    (void)state;
    test_alloc_reset(&ta);
    return 0;
}

static inline int teardown(void **state)
{
    (void)state;
    test_alloc_assert_clean(&ta);
    return 0;
}

/* The stream "0123456789ABCDEFGHIJ...": byte i of the sender's data. (A literal, not an
 * array, so the programs that never write from it do not warn; indexed as &STREAM[i],
 * since clang's -Wstring-plus-int flags "literal" + i.) */
#define STREAM                                                                                     \
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"                               \
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* Writes STREAM[seq .. seq+n) where RCV.NXT is at stream position nxt. */
static inline long put(recvbuf *b, uint32_t nxt, uint32_t seq, uint32_t n, uint32_t *stored)
{
    return recvbuf_write(b, &A, seq - nxt, &STREAM[seq], n, stored);
}

static inline void assert_ranges(const recvbuf *b, const recvbuf_range *want, uint32_t n)
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

/* The storage the header promises to reach need bytes from a ring of old bytes:
 * the smallest power of two that is >= need, >= RECVBUF_MIN_STORAGE and more
 * than old, but never more than cap. */
static inline uint32_t expect_storage(uint32_t old, uint32_t need, uint32_t cap)
{
    uint64_t p = 1;
    while (p < need || p < RECVBUF_MIN_STORAGE || p <= old)
        p <<= 1;
    return p < cap ? (uint32_t)p : cap;
}

#endif
