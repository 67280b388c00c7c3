/* SPDX-License-Identifier: MIT */
/* synack — injectable memory allocator.
 *
 * Every byte synack holds comes through one of these, so an embedder can put the
 * stack on a fixed arena and a test can fail every Nth allocation. */
#ifndef SYNACK_ALLOC_H
#define SYNACK_ALLOC_H

#include <stddef.h>

#include "synack/api.h"

#ifdef __cplusplus
extern "C" {
#endif

SYNACK_API_BEGIN

typedef struct synack_allocator {
    /* Returns size bytes aligned for any object, or NULL. */
    void *(*alloc)(void *ctx, size_t size);
    /* Releases p (never NULL) that alloc returned with the same size. */
    void (*free)(void *ctx, void *p, size_t size);
    /* Passed back to both functions. */
    void *ctx;
} synack_allocator;

/* The allocator built on malloc/free, used when a config names none. NULL in a build
 * without the C library's heap (SYNACK_LIBC_ALLOC=OFF, as `make embedded`): a config must
 * then name an allocator, e.g. a pool. */
const synack_allocator *synack_allocator_libc(void);

/* A fixed arena: every allocation is carved from memory the caller gives (a static array
 * on a target without a heap), never from malloc. First fit over an address-ordered free
 * list; freeing merges a block with its free neighbours, so freeing everything gives back
 * one block the size of the arena. No per-allocation header (the stack passes the size to
 * free): a request costs its size rounded up to the pool's block, the larger of
 * _Alignof(max_align_t) and two pointers (16 bytes on x86-64, 8 on a Cortex-M). A request that does
 * not fit is refused (NULL), which the stack counts as NoMemory. Not thread-safe; one pool may
 * serve several stacks driven from one thread. */
typedef struct synack_pool {
    /* Give &pool.allocator to synack_config.allocator. */
    synack_allocator allocator;
    /* Private: the arena (aligned start, usable length), its free list, bytes free. */
    unsigned char *base;
    size_t len;
    void *free_list;
    size_t free_bytes;
} synack_pool;

/* Makes pool an allocator over mem[0..len) (its start rounded up to a block). Returns
 * 0, or -EINVAL (pool or mem NULL, or less than one block once aligned). The memory must
 * outlive every stack using the pool; the pool keeps no other state. */
int synack_allocator_pool_init(synack_pool *pool, void *mem, size_t len);
/* Bytes not allocated right now (maybe fragmented); 0 for a NULL pool. */
size_t synack_pool_free_bytes(const synack_pool *pool);
SYNACK_API_END

#ifdef __cplusplus
}
#endif
#endif
