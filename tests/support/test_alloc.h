/* SPDX-License-Identifier: MIT */
/* Test helper: an allocator that counts what it hands out, checks that every block comes
 * back once and with the size it was allocated with, and can be told to refuse. The
 * buffer tests (tests/unit/test_sendbuf.c, test_recvbuf_*.c) pass it to the code under
 * test and assert on its counters. Failed checks are cmocka failures. */
#ifndef SYNACK_TEST_ALLOC_H
#define SYNACK_TEST_ALLOC_H

#include <stddef.h>

#include "synack/alloc.h"

#define TEST_ALLOC_TRACK 8 /* live blocks it can follow at once */

typedef struct test_alloc {
    unsigned allocs;               /* successful allocations */
    unsigned frees;                /* frees */
    unsigned failed;               /* allocations refused */
    size_t live_bytes;             /* bytes allocated and not freed */
    size_t last_size;              /* size of the last successful allocation */
    int fail;                      /* when nonzero every allocation returns NULL */
    void *ptr[TEST_ALLOC_TRACK];   /* live blocks, to check free() gets the right size */
    size_t size[TEST_ALLOC_TRACK]; /* sizes of the live blocks */
} test_alloc;

/* synack_allocator callbacks; ctx is a test_alloc. */
void *test_alloc_alloc(void *ctx, size_t size);
void test_alloc_free(void *ctx, void *p, size_t size);
/* Forgets everything (a fresh allocator that does not refuse). */
void test_alloc_reset(test_alloc *t);
/* Every block came back. */
void test_alloc_assert_clean(const test_alloc *t);

#endif
