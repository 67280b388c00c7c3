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

/* The allocator built on malloc/free, used when a config names none. */
const synack_allocator *synack_allocator_libc(void);

SYNACK_API_END

#ifdef __cplusplus
}
#endif
#endif
