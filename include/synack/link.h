/* synack — an in-memory link joining two stacks, for tests, the simulator and benchmarks.
 *
 * Each direction is a FIFO of frames with a propagation delay. Frames are copied when a
 * stack sends them and delivered by synack_memlink_run() at their arrival time, never from
 * inside the sending call, so a stack is never re-entered. */
#ifndef SYNACK_LINK_H
#define SYNACK_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "synack/synack.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct synack_memlink synack_memlink;

/* Called for every frame as it is delivered (e.g. to write a pcap); side is the
 * receiving side (0 or 1). Return non-zero to drop the frame. */
typedef int (*synack_memlink_tap_fn)(void *ctx, int side, uint64_t t_us, const uint8_t *frame,
                                     size_t len);

/* A link with one-way delay delay_us; frames at most max_frame bytes; at most max_queue
 * frames in flight per direction (more are dropped and counted). */
synack_memlink *synack_memlink_new(const synack_allocator *a, uint64_t delay_us,
                                   size_t max_frame, size_t max_queue);
void synack_memlink_free(synack_memlink *l);
/* Fills a netif's output/output_ctx so that `side` (0 or 1) sends into the link. */
void synack_memlink_netif(synack_memlink *l, int side, synack_netif *nif);
/* Tells the link which stack receives at `side`. */
void synack_memlink_attach(synack_memlink *l, int side, synack_stack *st);
void synack_memlink_set_tap(synack_memlink *l, synack_memlink_tap_fn fn, void *ctx);
/* Earliest time something happens: a frame arrival or either stack's deadline. */
uint64_t synack_memlink_next(synack_memlink *l);
/* Delivers frames and runs timers until `until` (inclusive), or until nothing is left to
 * do before it. Returns the time reached. */
uint64_t synack_memlink_run(synack_memlink *l, uint64_t now, uint64_t until);
/* Frames dropped because a queue was full or a frame too big. */
uint64_t synack_memlink_dropped(const synack_memlink *l);

#ifdef __cplusplus
}
#endif
#endif
