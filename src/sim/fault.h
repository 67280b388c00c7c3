/* SPDX-License-Identifier: MIT */
/* The simulator's per-link fault injector: what happens to one frame offered to one
 * directed link (include/synack/simnet.h describes the settings).
 *
 * Decisions are made when the frame is sent, in a fixed order, drawing from the caller's
 * PRNG only for the faults that are switched on, so the same seed and the same frames
 * give the same verdicts:
 *   1. scripted rules count every matching TCP segment; a hit drops or delays it;
 *   2. blackhole, then a rule's drop;
 *   3. the bottleneck: the frame waits for the frames ahead of it to be serialised at
 *      rate_bps, or is tail-dropped when queue_frames are already waiting;
 *   4. random loss (on the wire, after the bottleneck);
 *   5. propagation delay + jitter, then reordering (an extra hold-back);
 *   6. corruption of one bit, then duplication (the second copy is intact). */
#ifndef SYNACK_SIM_FAULT_H
#define SYNACK_SIM_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "synack/simnet.h"
#include "util/rng.h"

/* One directed link's settings and state. */
typedef struct fault_link {
    synack_fault_config cfg;                    /* the settings (set by synack_simnet_set_link) */
    synack_link_stats stats;                    /* what the link did */
    uint32_t rule_seen[SYNACK_FAULT_MAX_RULES]; /* matching TCP segments seen, per rule */
    uint64_t busy_until; /* when the bottleneck finishes the last frame it took */
    uint64_t *q_done;    /* ring: when each frame in the bottleneck leaves it */
    uint32_t q_cap;      /* ring size (grows by doubling up to the queue limit) */
    uint32_t q_head;     /* ring index of the oldest frame */
    uint32_t q_len;      /* frames in the bottleneck (waiting or being sent) */
} fault_link;

/* What happens to one frame. */
typedef enum fault_fate {
    FAULT_PASS,  /* it travels (at `at`) */
    FAULT_LOST,  /* lost: blackhole, a rule or random loss */
    FAULT_QUEUE, /* tail-dropped at the bottleneck queue */
} fault_fate;

typedef struct fault_verdict {
    fault_fate fate; /* pass or why not */
    uint64_t at;     /* arrival time of the (first) copy */
    int dup;         /* a second, intact copy arrives at dup_at */
    uint64_t dup_at; /* arrival time of the duplicate */
    int reordered;   /* held back by the reorder fault */
    long flip_bit;   /* bit (0 = most significant of byte 0) to flip in the first copy,
                        -1 for none */
} fault_verdict;

/* An ideal link: no delay, no faults, no state. */
void fault_link_init(fault_link *l);
/* Applies new settings; keeps the counters and the rules' progress. */
void fault_link_configure(fault_link *l, const synack_fault_config *f);
/* Frees the bottleneck ring. */
void fault_link_destroy(fault_link *l, const synack_allocator *a);
/* Decides the fate of a frame offered at `now` and counts it in l->stats (except
 * `delivered` and `bytes`, which the network counts on delivery). `a` backs the
 * bottleneck ring; when it cannot grow the frame is tail-dropped. */
void fault_decide(fault_link *l, const synack_allocator *a, synack_rng *rng, uint64_t now,
                  const uint8_t *frame, size_t len, fault_verdict *v);
/* TCP flags of an IPv4/TCP frame, or -1 when it is something else (or too short). */
int fault_tcp_flags(const uint8_t *frame, size_t len);

#endif
