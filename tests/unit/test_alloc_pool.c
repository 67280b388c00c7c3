/* SPDX-License-Identifier: MIT */
/* Unit tests for src/util/alloc_pool.c, the fixed-arena allocator: blocks stay inside the
 * arena, aligned and disjoint; an exhausted pool refuses; freed blocks merge and are
 * reused; a whole stack lives and dies on one. */
#include <errno.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "synack/alloc.h"
#include "synack/synack.h"
#include "support/test_rng.h"

#define ARENA 65536
/* The pool's block on this host: the larger of max_align_t's alignment and two pointers. */
#define BLOCK                                                                                      \
    (alignof(max_align_t) > 2 * sizeof(void *) ? alignof(max_align_t) : 2 * sizeof(void *))

static alignas(max_align_t) unsigned char arena[ARENA];

static void *pa(synack_pool *p, size_t n)
{
    return p->allocator.alloc(p->allocator.ctx, n);
}

static void pf(synack_pool *p, void *ptr, size_t n)
{
    p->allocator.free(p->allocator.ctx, ptr, n);
}

static void test_init_refuses(void **state)
{
    (void)state;
    synack_pool p;
    assert_int_equal(synack_allocator_pool_init(NULL, arena, ARENA), -EINVAL);
    assert_int_equal(synack_allocator_pool_init(&p, NULL, ARENA), -EINVAL);
    assert_int_equal(synack_allocator_pool_init(&p, arena, BLOCK - 1), -EINVAL);
    /* One byte in, the start is rounded up to the next block: BLOCK bytes are not enough. */
    assert_int_equal(synack_allocator_pool_init(&p, arena + 1, BLOCK), -EINVAL);
    assert_int_equal(synack_allocator_pool_init(&p, arena + 1, 2 * BLOCK), 0);
    assert_int_equal(synack_pool_free_bytes(&p), BLOCK);
    assert_int_equal(synack_pool_free_bytes(NULL), 0);
}

/* Every pointer is aligned for any object and the cost is the size rounded to blocks;
 * zero bytes cost one block, an impossible size is refused. */
static void test_sizes_and_alignment(void **state)
{
    (void)state;
    synack_pool p;
    assert_int_equal(synack_allocator_pool_init(&p, arena + 3, ARENA - 3), 0);
    size_t full = synack_pool_free_bytes(&p);
    assert_int_equal(full, (ARENA - BLOCK) & ~(BLOCK - 1));
    void *a = pa(&p, 1), *b = pa(&p, BLOCK + 1), *z = pa(&p, 0);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(z);
    assert_int_equal((uintptr_t)a % alignof(max_align_t), 0);
    assert_int_equal((uintptr_t)b % alignof(max_align_t), 0);
    assert_int_equal(synack_pool_free_bytes(&p), full - 4 * BLOCK);
    assert_null(pa(&p, SIZE_MAX));
    assert_null(pa(&p, full)); /* 4 blocks are out */
    pf(&p, a, 1);
    pf(&p, b, BLOCK + 1);
    pf(&p, z, 0);
    assert_int_equal(synack_pool_free_bytes(&p), full);
}

typedef struct block {
    unsigned char *p;
    size_t n;
} block;

static int by_addr(const void *x, const void *y)
{
    const block *a = x, *b = y;
    return a->p < b->p ? -1 : a->p > b->p;
}

/* Fill with random sizes until refused; the blocks lie inside the arena, never overlap,
 * and hold what was written to them. Then free everything in a random order: the pool is
 * one block again, which a single allocation of the whole arena proves. Repeated, so the
 * second round runs on memory the first round used. */
static void test_fill_free_reuse(void **state)
{
    (void)state;
    synack_pool p;
    assert_int_equal(synack_allocator_pool_init(&p, arena, ARENA), 0);
    size_t full = synack_pool_free_bytes(&p);
    assert_int_equal(full, ARENA);
    uint64_t r = 12;
    static block blocks[ARENA / BLOCK];
    for (int round = 0; round < 3; round++) {
        size_t n = 0, used = 0;
        for (;;) {
            size_t want = 1 + (size_t)(test_rng_next(&r) % 700);
            unsigned char *b = pa(&p, want);
            if (!b) {
                /* Refused only when it really does not fit (nothing is fragmented yet). */
                assert_true(synack_pool_free_bytes(&p) < want);
                break;
            }
            memset(b, (int)(n & 0xff), want);
            blocks[n++] = (block){b, want};
            used += (want + BLOCK - 1) / BLOCK * BLOCK;
            assert_int_equal(synack_pool_free_bytes(&p), full - used);
        }
        assert_true(n > 100);
        qsort(blocks, n, sizeof(blocks[0]), by_addr);
        for (size_t i = 0; i < n; i++) {
            assert_true(blocks[i].p >= arena && blocks[i].p + blocks[i].n <= arena + ARENA);
            if (i > 0)
                assert_true(blocks[i - 1].p + blocks[i - 1].n <= blocks[i].p);
        }
        for (size_t i = 0; i < n; i++) {
            unsigned char want = blocks[i].p[0];
            for (size_t k = 0; k < blocks[i].n; k++)
                assert_int_equal(blocks[i].p[k], want);
        }
        /* The rest fits exactly once more. */
        size_t rest = synack_pool_free_bytes(&p);
        if (rest) {
            void *last = pa(&p, rest);
            assert_non_null(last);
            assert_null(pa(&p, 1));
            pf(&p, last, rest);
        }
        for (size_t i = n; i > 1; i--) { /* Fisher-Yates: free in a random order */
            size_t j = (size_t)(test_rng_next(&r) % i);
            block t = blocks[i - 1];
            blocks[i - 1] = blocks[j];
            blocks[j] = t;
        }
        for (size_t i = 0; i < n; i++)
            pf(&p, blocks[i].p, blocks[i].n);
        assert_int_equal(synack_pool_free_bytes(&p), full);
        void *all = pa(&p, full);
        assert_ptr_equal(all, arena);
        pf(&p, all, full);
    }
}

/* Blocks are cut from the top of a free block, so consecutive allocations descend; the
 * lowest freed hole is found first and reused; a request larger than every hole is refused
 * even when the free bytes add up to more than it. */
static void test_first_fit_and_fragmentation(void **state)
{
    (void)state;
    synack_pool p;
    assert_int_equal(synack_allocator_pool_init(&p, arena, 8 * BLOCK), 0);
    void *b[8];
    for (int i = 0; i < 8; i++)
        assert_non_null(b[i] = pa(&p, BLOCK));
    assert_null(pa(&p, 1));
    for (int i = 0; i < 7; i++)
        assert_ptr_equal((unsigned char *)b[i + 1] + BLOCK, b[i]);
    assert_ptr_equal(b[7], arena);
    pf(&p, b[2], BLOCK);
    pf(&p, b[5], BLOCK);
    assert_int_equal(synack_pool_free_bytes(&p), 2 * BLOCK);
    assert_null(pa(&p, 2 * BLOCK)); /* two single holes, not one double */
    assert_ptr_equal(pa(&p, BLOCK), b[5]);
    assert_ptr_equal(pa(&p, BLOCK), b[2]);
    pf(&p, b[3], BLOCK);
    pf(&p, b[5], BLOCK);
    pf(&p, b[4], BLOCK); /* merges with both neighbours */
    assert_ptr_equal(pa(&p, 3 * BLOCK), b[5]);
    assert_int_equal(synack_pool_free_bytes(&p), 0);
}

static int no_entropy_needed(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0x5a, len);
    return 0;
}

static synack_config small_config(synack_pool *p)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.netif.addr = 0x0a000001;
    cfg.netif.prefix_len = 24;
    cfg.netif.output = NULL;
    cfg.allocator = &p->allocator;
    cfg.entropy = no_entropy_needed;
    cfg.max_sockets = 4;
    cfg.max_conns = 8;
    cfg.max_time_wait = 8;
    cfg.max_syn_backlog = 4;
    cfg.arp_cache_size = 4;
    cfg.arp_pending_max = 2;
    cfg.sndbuf = 4096;
    cfg.rcvbuf = 4096;
    return cfg;
}

static int drop_frame(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    (void)len;
    return 0;
}

/* A stack lives on the pool and gives every byte back when freed; a pool too small for it
 * makes creation fail cleanly with -ENOMEM. */
static void test_stack_on_pool(void **state)
{
    (void)state;
    synack_pool p;
    assert_int_equal(synack_allocator_pool_init(&p, arena, ARENA), 0);
    synack_config cfg = small_config(&p);
    cfg.netif.output = drop_frame;
    synack_stack *st = NULL;
    assert_int_equal(synack_stack_create(&cfg, &st, NULL), 0);
    assert_true(synack_pool_free_bytes(&p) < ARENA);
    int s = synack_socket(st, SYNACK_SOCK_STREAM);
    assert_true(s >= 0);
    struct synack_sockaddr_in sin = {.sin_family = SYNACK_AF_INET, .sin_port = 0x5000};
    assert_int_equal(synack_bind(st, s, (const struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(synack_listen(st, s, 4), 0);
    synack_stack_free(st);
    assert_int_equal(synack_pool_free_bytes(&p), ARENA);

    assert_int_equal(synack_allocator_pool_init(&p, arena, 256), 0);
    cfg = small_config(&p);
    cfg.netif.output = drop_frame;
    assert_int_equal(synack_stack_create(&cfg, &st, NULL), -ENOMEM);
    assert_null(st);
    assert_int_equal(synack_pool_free_bytes(&p), 256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_refuses),    cmocka_unit_test(test_sizes_and_alignment),
        cmocka_unit_test(test_fill_free_reuse), cmocka_unit_test(test_first_fit_and_fragmentation),
        cmocka_unit_test(test_stack_on_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
