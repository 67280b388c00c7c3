/* SPDX-License-Identifier: MIT */
/* IPv4-to-Ethernet address resolution (RFC 826) for SYNACK_LINK_ETHERNET netifs: a
 * bounded cache and a bounded queue of frames waiting for an answer. A resolved entry
 * runs the reachability states IPv6 runs (RFC 4861 7.3, as Linux's neighbour table does
 * for ARP too), so a neighbour that vanished or changed its MAC is noticed. */
#ifndef SYNACK_STACK_ARP_CACHE_H
#define SYNACK_STACK_ARP_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "synack/netif.h"
#include "util/rng.h"

struct synack_stack;

/* Where an entry stands (RFC 4861 7.3.2's states; INCOMPLETE: mac not known yet). */
enum { ARP_INCOMPLETE = 0, ARP_REACHABLE, ARP_STALE, ARP_DELAY, ARP_PROBE };

typedef struct arp_entry {
    uint32_t ip;        /* protocol address, host order; 0 = free slot */
    uint8_t mac[6];     /* hardware address, valid unless INCOMPLETE */
    uint8_t state;      /* ARP_INCOMPLETE .. ARP_PROBE */
    uint8_t probes;     /* requests sent for the resolution or probe under way */
    uint64_t used;      /* last use or update, for LRU replacement */
    uint64_t requested; /* when we last asked for it */
    /* REACHABLE: when it goes STALE (looked at when used: an idle entry wakes nobody);
     * DELAY: when probing starts. */
    uint64_t timer;
} arp_entry;

typedef struct arp_pending {
    struct arp_pending *next; /* FIFO link */
    uint32_t ip;              /* next hop it waits for */
    uint32_t len;             /* frame bytes */
    uint64_t queued;          /* when it was queued (dropped after ARP_PENDING_US) */
    synack_tx_meta meta;      /* what the device must do to it (offloads; zero: nothing) */
    uint8_t frame[];          /* the Ethernet frame, destination MAC still to fill */
} arp_pending;

typedef struct arp_cache {
    arp_entry *entries;       /* cfg.arp_cache_size slots */
    uint32_t size;            /* number of slots */
    arp_pending *head, *tail; /* frames waiting, oldest first */
    uint32_t npending;        /* frames waiting */
    uint32_t probing;         /* entries with a timer: resolving, DELAY or PROBE */
    uint32_t hint;            /* the entry last sent through: arp_confirm's first guess */
    uint64_t reachable_us;    /* ReachableTime, drawn from ARP_REACHABLE_US */
    uint64_t redraw_at;       /* when ReachableTime is drawn again */
    uint32_t conf_dst;        /* the destination arp_confirm last confirmed the hop of */
    uint64_t conf_at;         /* ... and when */
    synack_rng rng;           /* ReachableTime's draws, apart from the stack's */
} arp_cache;

/* Linux's defaults (net.ipv4.neigh.*: mcast_solicit 3, retrans_time_ms 1000): a request
 * a second, and one second after the third the next hop has failed. */
#define ARP_PROBES 3u
#define ARP_RETRY_US 1000000u
/* Linux's net.ipv4.neigh.* NUD defaults: base_reachable_time 30 s (ReachableTime drawn
 * from 0.5..1.5 times it, again every 300 s), delay_first_probe_time 5 s, ucast_solicit 3
 * probes retrans_time apart. */
#define ARP_REACHABLE_US 30000000u
#define ARP_REDRAW_US (300ull * 1000000u)
#define ARP_DELAY_US 5000000u
/* arp_confirm runs on every ACK that advances: for the destination it confirmed last, it
 * looks the next hop up again only this long after (a reachable time is 15 s at least). */
#define ARP_CONFIRM_GAP_US 1000000u
/* A frame whose entry was replaced while it waited goes after as long as a failure takes. */
#define ARP_PENDING_US ((uint64_t)ARP_PROBES * ARP_RETRY_US)

int arp_cache_init(struct synack_stack *st);
void arp_cache_destroy(struct synack_stack *st);
/* Handles one ARP packet (the Ethernet payload). */
void arp_input(struct synack_stack *st, const uint8_t *pkt, size_t len);
/* Sends an Ethernet frame (14-byte header at `frame`, source and type filled) to the
 * next hop, resolving it first if needed. */
int arp_output(struct synack_stack *st, uint32_t nexthop, uint8_t *frame, size_t len);
/* arp_output() for a frame with offload metadata (NULL: none); a frame that waits for
 * the answer keeps its metadata. */
int arp_output_meta(struct synack_stack *st, uint32_t nexthop, uint8_t *frame, size_t len,
                    const synack_tx_meta *meta);
/* Forward progress to dst (host order; new data acknowledged): the next hop's entry, if
 * resolved, is REACHABLE again (RFC 4861 7.3.1), so it is not probed. */
void arp_confirm(struct synack_stack *st, uint32_t dst);
/* Asks again for next hops still unresolved, probes those whose DELAY ran out (failing
 * those that stopped answering), fails those that never answered (what
 * waited for them is dropped, its senders told: ip_link_failure) and drops frames that
 * waited too long; returns arp_deadline(). */
uint64_t arp_poll(struct synack_stack *st);
/* When arp_poll() has work next (UINT64_MAX: never). */
uint64_t arp_deadline(const struct synack_stack *st);

#endif
