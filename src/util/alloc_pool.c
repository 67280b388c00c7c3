/* SPDX-License-Identifier: MIT */
/* synack_allocator_pool_init: a fixed-arena allocator for targets without a heap. The
 * stack passes the size back to free, so an allocated block carries no header; only free
 * blocks hold bookkeeping, a {size, next} node in their first bytes. The free list is kept
 * in address order so that a freed block merges with the free blocks on either side and
 * the arena cannot fragment into pieces that are free side by side. */
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/alloc.h"

typedef struct pool_node {
    size_t size; /* bytes in this free block, a multiple of POOL_BLOCK */
    struct pool_node *next;
} pool_node;

/* Every block is aligned to and a multiple of this: any object fits (max_align_t), and so
 * does a free block's node. */
#define POOL_BLOCK                                                                                 \
    (sizeof(pool_node) > alignof(max_align_t) ? sizeof(pool_node) : alignof(max_align_t))

_Static_assert((POOL_BLOCK & (POOL_BLOCK - 1)) == 0, "the pool block must be a power of two");

/* size rounded up to whole blocks; 0 when that would overflow. */
static size_t pool_round(size_t size)
{
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - (POOL_BLOCK - 1))
        return 0;
    return (size + POOL_BLOCK - 1) & ~(size_t)(POOL_BLOCK - 1);
}

static void *pool_alloc(void *ctx, size_t size)
{
    synack_pool *pool = ctx;
    size_t need = pool_round(size);
    if (need == 0 || need > pool->free_bytes)
        return NULL;
    for (pool_node **link = (pool_node **)&pool->free_list; *link; link = &(*link)->next) {
        pool_node *n = *link;
        if (n->size < need)
            continue;
        pool->free_bytes -= need;
        if (n->size == need) {
            *link = n->next;
            return n;
        }
        /* Cut from the block's end: the node stays where it is, in its place in the list. */
        n->size -= need;
        return (unsigned char *)n + n->size;
    }
    return NULL;
}

static void pool_free(void *ctx, void *p, size_t size)
{
    synack_pool *pool = ctx;
    unsigned char *b = p;
    size_t len = pool_round(size);
    /* A pointer the pool never gave is ignored rather than threaded into the list. */
    if (len == 0 || b < pool->base || b > pool->base + pool->len ||
        len > (size_t)(pool->base + pool->len - b))
        return;
    pool_node *prev = NULL, *next = pool->free_list;
    while (next && (unsigned char *)next < b) {
        prev = next;
        next = next->next;
    }
    pool->free_bytes += len;
    pool_node *n = (pool_node *)(void *)b;
    n->size = len;
    n->next = next;
    if (next && b + len == (unsigned char *)next) {
        n->size += next->size;
        n->next = next->next;
    }
    if (prev && (unsigned char *)prev + prev->size == b) {
        prev->size += n->size;
        prev->next = n->next;
    } else if (prev) {
        prev->next = n;
    } else {
        pool->free_list = n;
    }
}

int synack_allocator_pool_init(synack_pool *pool, void *mem, size_t len)
{
    if (!pool || !mem)
        return -EINVAL;
    uintptr_t start = (uintptr_t)mem;
    size_t skip = (size_t)((POOL_BLOCK - start % POOL_BLOCK) % POOL_BLOCK);
    if (len < skip + POOL_BLOCK)
        return -EINVAL;
    size_t usable = (len - skip) & ~(size_t)(POOL_BLOCK - 1);
    pool->allocator.alloc = pool_alloc;
    pool->allocator.free = pool_free;
    pool->allocator.ctx = pool;
    pool->base = (unsigned char *)mem + skip;
    pool->len = usable;
    pool_node *n = (pool_node *)(void *)pool->base;
    n->size = usable;
    n->next = NULL;
    pool->free_list = n;
    pool->free_bytes = usable;
    return 0;
}

size_t synack_pool_free_bytes(const synack_pool *pool)
{
    return pool ? pool->free_bytes : 0;
}
