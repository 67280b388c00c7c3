/* SPDX-License-Identifier: MIT */
/* synack — interned IPv6 addresses: one refcounted copy of each 128-bit address that
 * connections (TCBs, TIME-WAIT records) use, named by a 32-bit reference.
 *
 * A connection-table node has 8 spare key bytes for its addresses (conn_table.h); two
 * 16-byte IPv6 addresses do not fit, two 32-bit references do. Connections mostly share
 * addresses (a server's one local address, a client's few peers), so each distinct
 * address is stored once, however many connections use it; a connection from a new peer
 * costs one 24-byte entry, less than the 32-byte side allocation of both addresses it
 * replaces.
 *
 * Entries live in pages whose addresses never move, so a reference stays valid while
 * held: reference = page << 8 | slot. The first pages are small (8, 16, ... up to 256
 * entries) so a stack with a few IPv6 connections pays a few hundred bytes, not a large
 * page. Entries are found by address through a chained hash keyed with the stack's
 * secret (peers choose their addresses: no chain can be aimed at). Nothing here shrinks:
 * every live entry is held by a TCB or a TIME-WAIT record, so the table's peak is bounded
 * by the stack's connection and TIME-WAIT limits, and freed entries are reused first. */
#ifndef SYNACK_TCP_ADDR6_INTERN_H
#define SYNACK_TCP_ADDR6_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "synack/alloc.h"

/* No entry: the end of a chain or of the free list. */
#define A6_NONE UINT32_MAX
/* Slots per page at most; a reference's low 8 bits are its slot. */
#define A6_PAGE_SHIFT 8
#define A6_PAGE_MAX (1u << A6_PAGE_SHIFT)

typedef struct a6_entry {
    uint8_t addr[16];
    /* Holders; 0 for a free entry. */
    uint32_t refs;
    /* Next entry in the same hash chain, or in the free list; A6_NONE at the end. */
    uint32_t next;
} a6_entry;

typedef struct a6_table {
    const synack_allocator *alloc;
    uint64_t hk0, hk1;
    /* npages pages (of a6_page_cap(i) entries each) in a directory of cap_pages. */
    a6_entry **pages;
    uint32_t npages, cap_pages;
    /* Slots of the last page never used yet (handed out in order, before a new page). */
    uint32_t last_fill;
    /* Freed entries, reused before fresh slots. */
    uint32_t free_head;
    /* Chain heads (references), nbuckets a power of two; NULL before the first entry. */
    uint32_t *buckets;
    uint32_t nbuckets;
    /* Entries held (refs > 0). */
    uint32_t count;
} a6_table;

/* An empty table; allocates nothing until the first a6_hold. */
void a6_init(a6_table *t, const synack_allocator *a, uint64_t hk0, uint64_t hk1);
/* Frees the pages, directory and buckets, held or not. */
void a6_destroy(a6_table *t);

/* A reference to addr (its entry, made if new), in *ref: 0, or -ENOMEM (no memory, or
 * an entry held 2^32 - 1 times). */
int a6_hold(a6_table *t, const uint8_t addr[16], uint32_t *ref);
/* Another hold on a held reference: 0, or -ENOMEM as above. */
int a6_hold_ref(a6_table *t, uint32_t ref);
/* Drops one hold; the entry is freed (for reuse) with its last. */
void a6_put(a6_table *t, uint32_t ref);

/* Number of entries held. */
uint32_t a6_count(const a6_table *t);
/* Bytes the table has allocated (pages, directory, buckets). */
size_t a6_bytes(const a6_table *t);

/* The address of a held reference. */
static inline const uint8_t *a6_addr(const a6_table *t, uint32_t ref)
{
    return t->pages[ref >> A6_PAGE_SHIFT][ref & (A6_PAGE_MAX - 1)].addr;
}

#endif
