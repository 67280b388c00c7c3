/* SPDX-License-Identifier: MIT */
/* synack — per-destination path MTU for IPv6 (RFC 8201) and IPv4 (RFC 1191), one bounded
 * cache keyed on 128-bit addresses (IPv4 destinations as v4-mapped ::ffff:a.b.c.d).
 *
 * A Packet Too Big or fragmentation-needed message lowers a destination's estimate; the
 * estimate never rises from a message (RFC 8201 4, RFC 1191 6.3) and is forgotten after
 * expire_us (10 min, RFC 8201 4's "increase attempt" as Linux's ip6_mtu_expires /
 * mtu_expires do it: the path then starts again at the link MTU). Full: the least recently
 * used entry is replaced. Sans-I/O: time is an argument. The stack's is ip_pmtu.c's. */
#ifndef SYNACK_STACK_PMTU_CACHE_H
#define SYNACK_STACK_PMTU_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "synack/alloc.h"
#include "wire/ipv6.h"

#define PMTU_MIN_V4_RFC 68    /* RFC 791's minimum (RFC 1191 3 floor). */
#define PMTU_MIN_V4_LINUX 552 /* Linux's net.ipv4.route.min_pmtu. */

typedef struct pmtu_config {
    uint32_t size;      /* Entries (default 64). */
    uint64_t expire_us; /* An estimate's lifetime (default 600 s). */
    uint16_t min_v4;    /* IPv4 floor (default PMTU_MIN_V4_LINUX; RFC: PMTU_MIN_V4_RFC). */
} pmtu_config;

typedef struct pmtu_counters {
    uint64_t updates;     /* Estimates lowered. */
    uint64_t ignored;     /* Reports not below the current estimate (no increase, 8201 4). */
    uint64_t clamped;     /* Reports below the floor, raised to it (IPv6: 1280, 8201 4). */
    uint64_t plateaus;    /* IPv4 reports without an MTU, estimated (RFC 1191 5, 7). */
    uint64_t evictions;   /* Entries replaced while in use because the cache was full. */
    uint64_t expirations; /* Estimates forgotten after expire_us. */
} pmtu_counters;

typedef struct pmtu_entry {
    ipv6_addr dst;
    uint16_t mtu; /* 0: free slot */
    uint64_t expires;
    uint64_t used;
} pmtu_entry;

typedef struct pmtu_cache {
    pmtu_config cfg;
    const synack_allocator *mem;
    pmtu_entry *e; /* cfg.size */
    pmtu_counters ctr;
} pmtu_cache;

/* The defaults in pmtu_config's comments. */
void pmtu_config_default(pmtu_config *cfg);

/* Makes c empty with slots from mem: 0, -EINVAL (size 0, NULL mem), -ENOMEM. */
int pmtu_cache_init(pmtu_cache *c, const pmtu_config *cfg, const synack_allocator *mem);
void pmtu_cache_destroy(pmtu_cache *c);

/* A Packet Too Big (IPv6) or fragmentation-needed (IPv4) for dst at now reporting mtu;
 * orig_len is the quoted datagram's total length (used only when an IPv4 router sent
 * mtu 0, RFC 1191 5: the next plateau below it), link_mtu the outgoing link's. An IPv6
 * report below 1280 sets 1280 (RFC 8201 4: never below the minimum link MTU; and, RFC
 * 8021 / RFC 6946, no atomic fragments are sent instead). Returns the new estimate, or 0
 * when the report is ignored (not below the current estimate). */
uint32_t pmtu_cache_update(pmtu_cache *c, const ipv6_addr *dst, uint32_t mtu, uint32_t orig_len,
                           uint32_t link_mtu, uint64_t now);

/* The path MTU to dst at now: the cached estimate (if any, not expired), at most link_mtu. */
uint32_t pmtu_cache_get(pmtu_cache *c, const ipv6_addr *dst, uint32_t link_mtu, uint64_t now);

/* Forgets expired estimates; returns the next expiry or UINT64_MAX. */
uint64_t pmtu_cache_poll(pmtu_cache *c, uint64_t now);

#endif
