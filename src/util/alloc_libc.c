/* SPDX-License-Identifier: MIT */
/* synack — the allocator built on malloc/free: the one place core memory
 * comes from the C library. A build for a target without a heap (SYNACK_NO_LIBC_ALLOC,
 * `make embedded`) leaves it out, so that no program linked with the core pulls in malloc
 * just because the config's default names it. */
#include <stddef.h>

#include "synack/alloc.h"

#ifdef SYNACK_NO_LIBC_ALLOC
const synack_allocator *synack_allocator_libc(void)
{
    return NULL;
}
#else
#include <stdlib.h>

static void *libc_alloc(void *ctx, size_t size)
{
    (void)ctx;
    /* malloc(0) may return NULL or a unique pointer; ask for at least one
     * byte so a successful call always returns something free() accepts. */
    return malloc(size ? size : 1);
}

static void libc_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

/* Immutable, so sharing it between stacks is not global mutable state. */
static const synack_allocator libc_allocator = {
    .alloc = libc_alloc,
    .free = libc_free,
    .ctx = NULL,
};

const synack_allocator *synack_allocator_libc(void)
{
    return &libc_allocator;
}
#endif
