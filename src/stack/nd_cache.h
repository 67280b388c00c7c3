/* SPDX-License-Identifier: MIT */
/* synack — the IPv6 neighbor cache (RFC 4861 7.2, 7.3): a bounded table keyed on 128-bit
 * addresses with the RFC's reachability states and timers, and a bounded queue of packets
 * per entry waiting for resolution.
 *
 * Sans-I/O: time comes in as an argument, randomness from the caller's generator, and
 * everything the cache wants sent goes out through nd_ops callbacks (a Neighbor
 * Solicitation, multicast or unicast; a queued packet once its address is known; a
 * packet given up on, for the caller's Destination Unreachable code 3, 7.2.2). nd.c gives
 * each Ethernet netif one. */
#ifndef SYNACK_STACK_ND_CACHE_H
#define SYNACK_STACK_ND_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "synack/alloc.h"
#include "synack/netif.h"
#include "util/rng.h"
#include "wire/ipv6.h"

/* RFC 4861 7.3.2. ND_FREE marks an unused slot. */
typedef enum nd_state {
    ND_FREE = 0,
    ND_INCOMPLETE,
    ND_REACHABLE,
    ND_STALE,
    ND_DELAY,
    ND_PROBE,
} nd_state;

typedef struct nd_config {
    uint32_t size;                 /* Entries (default 64). */
    uint16_t max_queue;            /* Packets waiting per entry (default 3; 7.2.2 "small"). */
    uint32_t max_queue_bytes;      /* Bytes waiting over all entries (default 64 KiB). */
    uint8_t max_multicast_solicit; /* MAX_MULTICAST_SOLICIT (10: 3). */
    uint8_t max_unicast_solicit;   /* MAX_UNICAST_SOLICIT (10: 3). */
    uint64_t retrans_us;           /* RetransTimer (RETRANS_TIMER, 10: 1 s). */
    uint64_t delay_first_probe_us; /* DELAY_FIRST_PROBE_TIME (10: 5 s). */
    uint64_t base_reachable_us;    /* BaseReachableTime (REACHABLE_TIME, 10: 30 s). */
} nd_config;

/* Named as Linux's neighbour-table statistics (`ip -s ntable`). */
typedef struct nd_counters {
    uint64_t allocs;              /* Entries created. */
    uint64_t destroys;            /* Entries removed (failed, evicted). */
    uint64_t res_failed;          /* Resolutions that ran out of solicitations. */
    uint64_t unresolved_discards; /* Packets dropped while waiting (queue full, failure). */
    uint64_t table_fulls;         /* No entry could be made: every slot INCOMPLETE. */
    uint64_t ns_sent;             /* Solicitations handed to send_ns. */
    uint64_t na_ignored;          /* NAs for no entry, or without a needed TLLA (7.2.5). */
} nd_counters;

typedef struct nd_ops {
    void *ctx;
    /* Send a Neighbor Solicitation for target: to its solicited-node group when mac is
     * NULL, else unicast to mac (7.2.2, 7.3.3 PROBE). prompt (len bytes, an IPv6 packet)
     * is the packet that prompted it, the newest waiting one on a retransmission, whose
     * source 7.2.2 says the NS should come from; NULL when none waits. */
    void (*send_ns)(void *ctx, const ipv6_addr *target, const uint8_t *mac, const uint8_t *prompt,
                    size_t len);
    /* Send a packet that waited, now that the neighbor's mac is known. */
    void (*xmit)(void *ctx, const uint8_t mac[6], const uint8_t *pkt, size_t len);
    /* A waiting packet was dropped because resolution failed (may be NULL). */
    void (*unreachable)(void *ctx, const ipv6_addr *target, const uint8_t *pkt, size_t len);
    /* When set, sends a waiting packet with the offload metadata it was queued with (a
     * TSO super-frame, a partial checksum) instead of xmit. May be NULL. */
    void (*xmit_meta)(void *ctx, const uint8_t mac[6], const uint8_t *pkt, size_t len,
                      const synack_tx_meta *meta);
} nd_ops;

typedef struct nd_qpkt nd_qpkt;

typedef struct nd_entry {
    ipv6_addr addr;
    uint8_t state;     /* nd_state */
    uint8_t mac[6];    /* Valid unless INCOMPLETE. */
    uint8_t is_router; /* IsRouter flag (7.2.5). */
    uint8_t probes;    /* Solicitations sent in INCOMPLETE or PROBE. */
    uint16_t qlen;
    uint64_t timer; /* Next transition (INCOMPLETE, REACHABLE, DELAY, PROBE). */
    uint64_t used;  /* Last use or update, for replacing a STALE entry. */
    nd_qpkt *q;     /* Waiting packets, oldest first. */
} nd_entry;

typedef struct nd_cache {
    nd_config cfg;
    const synack_allocator *mem;
    nd_ops ops;
    nd_entry *e;           /* cfg.size */
    uint64_t reachable_us; /* ReachableTime, re-drawn by nd_cache_set_reachable. */
    uint64_t redraw_at;    /* nd_cache_redraw's next draw; 0: its first call sets it */
    size_t qbytes;         /* Bytes waiting over all entries. */
    nd_counters ctr;
    uint32_t hint; /* The entry nd_resolve last answered from: nd_confirm's first guess. */
} nd_cache;

/* The defaults in nd_config's comments. */
void nd_config_default(nd_config *cfg);

/* Makes c empty with slots from mem; draws ReachableTime from rng. 0, -EINVAL, -ENOMEM. */
int nd_cache_init(nd_cache *c, const nd_config *cfg, const synack_allocator *mem, const nd_ops *ops,
                  synack_rng *rng);

/* Frees the table and every waiting packet (without calling ops). */
void nd_cache_destroy(nd_cache *c);

/* Sets BaseReachableTime (an RA's Reachable Time, 6.3.4) and draws ReachableTime
 * uniformly from [0.5, 1.5] times it (MIN/MAX_RANDOM_FACTOR, 6.3.2). */
void nd_cache_set_reachable(nd_cache *c, uint64_t base_us, synack_rng *rng);

/* RFC 4861 6.3.4: ReachableTime is drawn again at least every few hours, so that hosts
 * that drew alike drift apart; here every ND_REDRAW_US (Linux's neighbour table does it
 * every 300 s), counted from the first call and from the last nd_cache_set_reachable. Due
 * only when called (the stack's poll): an idle stack is not woken for it, as nothing uses
 * the value until a neighbor is confirmed. */
#define ND_REDRAW_US (300ull * 1000000u)
void nd_cache_redraw(nd_cache *c, uint64_t now, synack_rng *rng);

/* Resolves addr for sending pkt (len bytes, the whole IPv6 packet) at now (7.2.2, 7.3.3).
 * Returns 0 with mac filled: send it now (a STALE entry moves to DELAY). 1: the packet
 * waits in the entry's queue (a new INCOMPLETE entry sent its first multicast NS; a full
 * queue dropped its oldest packet, counted). -ENOBUFS: no entry could be made or the
 * byte budget is spent, packet dropped and counted. */
int nd_resolve(nd_cache *c, const ipv6_addr *addr, const uint8_t *pkt, size_t len, uint64_t now,
               uint8_t mac[6]);
/* nd_resolve() for a packet with offload metadata (NULL: none) that a waiting packet keeps
 * for ops.xmit_meta. */
int nd_resolve_meta(nd_cache *c, const ipv6_addr *addr, const uint8_t *pkt, size_t len,
                    const synack_tx_meta *meta, uint64_t now, uint8_t mac[6]);

/* A Neighbor Advertisement (validated by nd_parse) at now, per 7.2.5. Returns 1 when the
 * neighbor's IsRouter flag went from set to clear (the caller drops it from the Default
 * Router List), else 0. */
int nd_input_na(nd_cache *c, const ipv6_addr *target, uint8_t flags, const uint8_t *tlla,
                uint64_t now);

/* A source link-layer address learned from an NS, RS, RA or Redirect (7.2.3, 6.3.4, 8.3):
 * creates a STALE entry, or updates a different address and makes it STALE, or completes
 * an INCOMPLETE one (sending its queue). from is never ::. */
void nd_input_slla(nd_cache *c, const ipv6_addr *from, const uint8_t mac[6], uint64_t now);

/* An RA came from addr (6.3.4): its entry, if any, has IsRouter set. */
void nd_set_router(nd_cache *c, const ipv6_addr *addr);

/* Forward progress from an upper layer (7.3.1: new acknowledged data in TCP): the entry, if
 * resolved, becomes REACHABLE. Called on every ACK of new data, so the entry last used for
 * sending is tried before the table is searched. */
void nd_confirm(nd_cache *c, const ipv6_addr *addr, uint64_t now);

/* Runs the timers due at now (7.3.3); returns the next deadline or UINT64_MAX. */
uint64_t nd_poll(nd_cache *c, uint64_t now);

/* The entry for addr, or NULL. */
const nd_entry *nd_lookup(const nd_cache *c, const ipv6_addr *addr);

#endif
