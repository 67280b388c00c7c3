/* SPDX-License-Identifier: MIT */
/* synack — an in-memory link joining two stacks, for tests, the simulator and benchmarks.
 *
 * Each direction is a FIFO of frames with a propagation delay. Frames are copied when a
 * stack sends them and delivered by synack_memlink_run() at their arrival time, never from
 * inside the sending call, so a stack is never re-entered. */
#ifndef SYNACK_LINK_H
#define SYNACK_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "synack/api.h"
#include "synack/synack.h"

#ifdef __cplusplus
extern "C" {
#endif

SYNACK_API_BEGIN

typedef struct synack_memlink synack_memlink;

/* Called for every frame as it is delivered (e.g. to write a pcap); side is the
 * receiving side (0 or 1). Return non-zero to drop the frame. */
typedef int (*synack_memlink_tap_fn)(void *ctx, int side, uint64_t t_us, const uint8_t *frame,
                                     size_t len);

/* A link with one-way delay delay_us; frames at most max_frame bytes; at most max_queue
 * frames in flight per direction (more are dropped and counted). */
synack_memlink *synack_memlink_new(const synack_allocator *a, uint64_t delay_us, size_t max_frame,
                                   size_t max_queue);
void synack_memlink_free(synack_memlink *l);
/* Fills a netif's output/output_ctx so that `side` (0 or 1) sends into the link. Returns
 * 0, or -EINVAL (NULL link or netif, side not 0 or 1). */
int synack_memlink_netif(synack_memlink *l, int side, synack_netif *nif);
/* Tells the link which stack receives at `side` (NULL: none). Returns 0, or -EINVAL (NULL
 * link, side not 0 or 1). synack_stack_free() on an attached stack detaches it; free the
 * link after its stacks (a stack that outlives the link drops what it sends). */
int synack_memlink_attach(synack_memlink *l, int side, synack_stack *st);
/* Returns 0, or -EINVAL for a NULL link. */
int synack_memlink_set_tap(synack_memlink *l, synack_memlink_tap_fn fn, void *ctx);
/* Earliest time something happens: a frame arrival or either stack's deadline
 * (UINT64_MAX: nothing, or a NULL link). */
uint64_t synack_memlink_next(synack_memlink *l);
/* Delivers frames and runs timers until `until` (inclusive), or until nothing is left to
 * do before it; an `until` above SYNACK_TIME_MAX (e.g. UINT64_MAX) means "until nothing
 * is left" and leaves the clock at the last thing done. Returns the time reached (0 for a
 * NULL link). */
uint64_t synack_memlink_run(synack_memlink *l, uint64_t now, uint64_t until);
/* Frames dropped because a queue was full or a frame too big (0 for a NULL link). */
uint64_t synack_memlink_dropped(const synack_memlink *l);

SYNACK_API_END

#ifdef __cplusplus
}
#endif
#endif
