/* SPDX-License-Identifier: MIT */
/* synack — a simulated network: any number of stacks joined by simulated links with
 * faults, in virtual time. Used by `synack sim`, the scenario tests and the benchmarks.
 *
 * Topology: every host sits on one shared IP segment (L3 frames, no link header). A frame
 * a host sends is routed by its IPv4 or IPv6 destination address to the host that owns it, over
 * the directed link (src host -> dst host), whose fault settings decide whether it
 * arrives, when, how often and intact. Frames to an unknown address are dropped and counted.
 * Delivery happens only in synack_simnet_run(), never inside the sending call, so a stack is
 * never re-entered. All randomness comes from one seeded PRNG: the same seed and the same
 * calls give the same deliveries. */
#ifndef SYNACK_SIMNET_H
#define SYNACK_SIMNET_H

#include <stddef.h>
#include <stdint.h>

#include "synack/api.h"
#include "synack/synack.h"

#ifdef __cplusplus
extern "C" {
#endif

SYNACK_API_BEGIN

/* "Drop (or hold back) the Nth TCP segment on this link whose flags match." */
typedef struct synack_fault_rule {
    uint8_t flags_mask;  /* which TCP flag bits to compare */
    uint8_t flags_value; /* what they must be, e.g. mask SYN|ACK value SYN|ACK = SYN-ACKs */
    uint32_t nth;        /* 1-based index among matching segments; 0 = rule off */
    uint32_t count;      /* how many matching segments from the nth on are dropped (0 = 1;
                            UINT32_MAX = all from then on) */
    uint64_t delay_us;   /* 0: drop them; else deliver them this much later instead */
} synack_fault_rule;

#define SYNACK_FAULT_MAX_RULES 4

/* Per-direction link settings. All probabilities are in [0, 1]. */
typedef struct synack_fault_config {
    uint64_t delay_us;     /* one-way propagation delay */
    uint64_t jitter_us;    /* extra delay, uniform in [0, jitter_us], per frame (may reorder) */
    double loss;           /* frame loss probability */
    double reorder;        /* probability a frame is held back by reorder_us (so later
                              frames overtake it) */
    uint64_t reorder_us;   /* how long a reordered frame is held; 0 = max(delay_us, 1 ms) */
    double dup;            /* probability a frame is delivered twice */
    double corrupt;        /* probability one random bit of the frame is flipped */
    uint64_t rate_bps;     /* bottleneck rate in bit/s; 0 = unlimited. Frames serialise one
                              after another, and wait in a queue */
    uint32_t queue_frames; /* bottleneck queue limit in frames (tail drop); 0 = 1000 */
    uint8_t blackhole;     /* drop everything */
    synack_fault_rule rules[SYNACK_FAULT_MAX_RULES]; /* scripted drops */
} synack_fault_config;

/* What a link did, for reports and checks. */
typedef struct synack_link_stats {
    uint64_t sent;        /* frames offered to the link */
    uint64_t delivered;   /* frames handed to the receiving stack (duplicates included) */
    uint64_t lost;        /* dropped by `loss`, `blackhole` or a rule */
    uint64_t queue_drops; /* dropped at the bottleneck queue */
    uint64_t reordered;   /* held back by `reorder` */
    uint64_t duplicated;  /* delivered twice */
    uint64_t corrupted;   /* had a bit flipped */
    uint64_t bytes;       /* bytes delivered */
} synack_link_stats;

typedef struct synack_simnet synack_simnet;

/* Observes every frame: `delivered` 0 when the link dropped it (at send time), 1 when it
 * is handed to `to` at t_us. Used for traces and pcap files. */
typedef void (*synack_simnet_tap_fn)(void *ctx, int from, int to, uint64_t t_us,
                                     const uint8_t *frame, size_t len, int delivered);

/* An empty network. a may be NULL (malloc). max_inflight bounds the frames in flight
 * network-wide (more are dropped and counted as queue_drops). */
synack_simnet *synack_simnet_new(const synack_allocator *a, uint64_t seed, size_t max_inflight);
/* Frees the network and every stack it created. */
void synack_simnet_free(synack_simnet *n);
/* Creates a stack from cfg (netif.output is filled in; netif.type must be
 * SYNACK_LINK_IP; cfg->netif.addr is the host's address, and cfg->netif.addr6, when not
 * all zero, its IPv6 address too; a NULL cfg->allocator means the
 * network's). Returns the host index >= 0 or a negative errno (-EADDRINUSE for an address
 * taken, -EINVAL (also for a config synack_config_check refuses), -ENOMEM, -ENOSPC past
 * 1024 hosts, or the entropy callback's error). The stack belongs to the network. */
int synack_simnet_add_host(synack_simnet *n, const synack_config *cfg);
/* NULL for a NULL network or a host index out of range. */
synack_stack *synack_simnet_stack(synack_simnet *n, int host);
/* Sets the directed link from -> to (f NULL or the default: no delay, no faults). Returns
 * 0, or -EINVAL (NULL network, a host index out of range). */
int synack_simnet_set_link(synack_simnet *n, int from, int to, const synack_fault_config *f);
/* Both directions at once; errors as synack_simnet_set_link (then neither changes). */
int synack_simnet_set_path(synack_simnet *n, int a, int b, const synack_fault_config *f);
/* The directed link's counts; all zero for a NULL network or a host index out of range. */
const synack_link_stats *synack_simnet_link_stats(synack_simnet *n, int from, int to);
/* Returns 0, or -EINVAL for a NULL network (as synack_simnet_set_filter). */
int synack_simnet_set_tap(synack_simnet *n, synack_simnet_tap_fn fn, void *ctx);
/* Decides, when host `from` sends a frame to host `to`, whether to drop it before the
 * link sees it (return non-zero; it counts as `lost`). For scripted drops that need more
 * than flags, e.g. the test harness's per-segment filter. */
typedef int (*synack_simnet_filter_fn)(void *ctx, int from, int to, uint64_t t_us,
                                       const uint8_t *frame, size_t len);
int synack_simnet_set_filter(synack_simnet *n, synack_simnet_filter_fn fn, void *ctx);
/* Number of hosts; the index of the host that owns addr (host order), or -1. */
int synack_simnet_hosts(const synack_simnet *n);
int synack_simnet_host_of(const synack_simnet *n, uint32_t addr);
/* Frames dropped because no host owns their destination (or they were not IP). */
uint64_t synack_simnet_unroutable(const synack_simnet *n);
/* Frames in flight right now. */
size_t synack_simnet_inflight(const synack_simnet *n);
/* Puts a raw IPv4 or IPv6 packet on the wire as if `from` had sent it (from may be -1 for an
 * outside attacker: then it goes straight to the owner of the destination address, after
 * `delay_us`, with no faults; from >= 0 goes through from's link, delay_us on top of its
 * faults). Used for spoofed floods and old duplicates. Returns 0 (also when the link lost
 * it), -EHOSTUNREACH when no host owns the destination, -ENOBUFS/-ENOMEM when full, or
 * -EINVAL. */
int synack_simnet_inject(synack_simnet *n, int from, uint64_t delay_us, const uint8_t *pkt,
                         size_t len);
/* The network's clock. */
uint64_t synack_simnet_now(const synack_simnet *n);
/* Earliest pending arrival or stack deadline; UINT64_MAX if none. */
uint64_t synack_simnet_next(synack_simnet *n);
/* Delivers frames and fires timers in time order until `until` (inclusive) or nothing is
 * left before it; then sets every stack's time to `until` (when at most SYNACK_TIME_MAX;
 * a larger `until`, e.g. UINT64_MAX, runs until nothing is left). Events at the same
 * time happen in a fixed order (arrivals by send order, then host index). */
void synack_simnet_run(synack_simnet *n, uint64_t until);
/* Runs until nothing is pending or `limit` is reached; returns the time reached. */
uint64_t synack_simnet_run_idle(synack_simnet *n, uint64_t limit);

SYNACK_API_END

#ifdef __cplusplus
}
#endif
#endif
