/* SPDX-License-Identifier: MIT */
#include "support/test_alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void *test_alloc_alloc(void *ctx, size_t size)
{
    test_alloc *t = ctx;
    if (t->fail) {
        t->failed++;
        return NULL;
    }
    void *p = malloc(size ? size : 1);
    assert_non_null(p);
    int slot = -1;
    for (int i = 0; i < TEST_ALLOC_TRACK; i++)
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

void test_alloc_free(void *ctx, void *p, size_t size)
{
    test_alloc *t = ctx;
    assert_non_null(p);
    int slot = -1;
    for (int i = 0; i < TEST_ALLOC_TRACK; i++)
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

void test_alloc_reset(test_alloc *t)
{
    memset(t, 0, sizeof(*t));
}

void test_alloc_assert_clean(const test_alloc *t)
{
    assert_int_equal(t->live_bytes, 0);
    assert_int_equal(t->allocs, t->frees);
}
