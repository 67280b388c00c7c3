/* SPDX-License-Identifier: MIT */
/* synack — the connection table: TCBs found by their 4-tuple.
 *
 * RFC 9293 section 3.10.7 starts segment processing by finding the connection
 * a segment belongs to; this is that lookup. Remote peers choose the tuples,
 * so buckets are picked by SipHash-2-4 under a per-stack secret key: an
 * attacker cannot aim many tuples at one bucket (hash flooding, Crosby &
 * Wallach, USENIX Security 2003).
 *
 * Chaining is intrusive (a ct_node sits inside each connection), so inserting
 * never allocates except when the bucket array doubles; the table never
 * shrinks, since its size is bounded by the stack's connection limit. */
#ifndef SYNACK_TCP_CONN_TABLE_H
#define SYNACK_TCP_CONN_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "synack/alloc.h"
#include "tcp/addr6_intern.h"

/* A connection's 4-tuple, in host byte order. */
typedef struct ct_key {
    /* Local IPv4 address. */
    uint32_t laddr;
    /* Remote IPv4 address. */
    uint32_t raddr;
    /* Local TCP port. */
    uint16_t lport;
    /* Remote TCP port. */
    uint16_t rport;
} ct_key;

/* An IPv6 node (kind CT_CONN6 or CT_TIME_WAIT6) keeps its ports in key.lport/rport as for
 * IPv4, and in key.laddr/raddr not addresses but references to the table's interned
 * copies of them (addr6_intern.h): two 16-byte addresses do not fit, and a side
 * allocation of them would take the IPv6 TCB past 256 bytes. Its kind is how the table
 * and everyone else tell the families apart (docs/ARCHITECTURE.md, "Addresses"). */

/* Embedded in each connection. */
typedef struct ct_node {
    /* Next node in the same bucket, NULL at the end. */
    struct ct_node *next;
    /* The tuple this node is filed under; set before ct_insert, left alone
     * while inserted. */
    ct_key key;
    /* What embeds the node (the table ignores it): CT_CONN or CT_TIME_WAIT. It sits in
     * what would otherwise be padding. */
    uint8_t kind;
    /* The rest of that padding, used by a compact TIME-WAIT record only (timewait.h), so
     * that the record keeps its TS.Recent age within 56 bytes: its TW_* flags and the
     * window field it sends. The table ignores them too. */
    uint8_t tw_flags;
    uint16_t tw_win;
} ct_node;

/* Entries per bucket on average before the bucket array doubles. 2, not 1: a lookup walks
 * 2 nodes on average instead of 1.5, and the array costs 4-8 bytes per entry instead of
 * 8-16 — at a million connections or TIME-WAIT records, where the table's share is a tenth
 * of a compact record, the bytes matter more than half a pointer chase. */
#define CT_MAX_LOAD 2

#define CT_CONN 0       /* a full TCB (tcp_conn) */
#define CT_TIME_WAIT 1  /* a compact TIME-WAIT record (tcp_tw) */
#define CT_CONN6 2      /* a full TCB of an IPv6 connection (tcp_conn); key: a6 refs */
#define CT_TIME_WAIT6 3 /* a compact IPv6 TIME-WAIT record (tcp_tw); key: a6 refs */

/* Whether n is a full TCB, a compact TIME-WAIT record, an IPv6 node. */
static inline int ct_is_conn(const ct_node *n)
{
    return n->kind == CT_CONN || n->kind == CT_CONN6;
}
static inline int ct_is_tw(const ct_node *n)
{
    return n->kind == CT_TIME_WAIT || n->kind == CT_TIME_WAIT6;
}
static inline int ct_is_v6(const ct_node *n)
{
    return n->kind == CT_CONN6 || n->kind == CT_TIME_WAIT6;
}

typedef struct conn_table {
    /* Where the bucket array comes from. */
    const synack_allocator *alloc;
    /* The secret choosing buckets, as the two words the hash mixes in (read from the
     * 16-byte key once, not on every lookup). */
    uint64_t hk0, hk1;
    /* Array of nbuckets chain heads. */
    ct_node **buckets;
    /* Number of buckets, a power of two so that a mask selects one. */
    uint32_t nbuckets;
    /* Number of nodes in the table (each at least 56 bytes: 2^32 of them is far past any
     * memory; an insert past it fails). */
    uint32_t count;
    /* The addresses IPv6 nodes refer to, allocated with the first IPv6 node: an IPv4-only
     * stack pays nothing for it (the 32-bit counts above make room for the pointer). */
    a6_table *addr6;
} conn_table;

/* Sets up an empty table with at least initial_buckets buckets (rounded up to
 * a power of two, at most 2^31; 0 picks a small default). Returns 0 or -ENOMEM. */
int ct_init(conn_table *t, const synack_allocator *a, const uint8_t hash_key[16],
            size_t initial_buckets);

/* Frees the bucket array and the interned addresses; the nodes belong to their owners
 * and are untouched. */
void ct_destroy(conn_table *t);

/* Files n under n->key. Returns -EEXIST if that tuple is already present,
 * -ENOMEM if the table holds 2^32 - 1 nodes, else 0. Doubles the bucket array
 * when the load factor passes CT_MAX_LOAD; if that allocation fails the table
 * keeps its size and still inserts. */
int ct_insert(conn_table *t, ct_node *n);

/* Removes n, which must be in the table (a node not found is left alone). */
void ct_remove(conn_table *t, ct_node *n);

/* The node filed under *k, or NULL. */
ct_node *ct_lookup(const conn_table *t, const ct_key *k);

/* IPv6: makes n (not in the table) an IPv6 node of `kind` (CT_CONN6 or CT_TIME_WAIT6)
 * with addresses laddr, raddr (network byte order; n holds a reference on each) and ports
 * lport, rport. 0, or -ENOMEM with n holding nothing. */
int ct_set_key6(conn_table *t, ct_node *n, const uint8_t laddr[16], const uint8_t raddr[16],
                uint16_t lport, uint16_t rport, uint8_t kind);
/* Makes `to` an IPv6 node of `kind` with the tuple of the IPv6 node `from` (its own
 * references): 0, or -ENOMEM with `to` holding nothing. */
int ct_share_key6(conn_table *t, ct_node *to, const ct_node *from, uint8_t kind);
/* Drops an IPv6 node's references; it must be out of the table (removed or never in). */
void ct_drop_key6(conn_table *t, ct_node *n);
/* The IPv6 node filed under laddr, raddr, lport, rport, or NULL. */
ct_node *ct_lookup6(const conn_table *t, const uint8_t laddr[16], const uint8_t raddr[16],
                    uint16_t lport, uint16_t rport);

/* An IPv6 node's local and remote addresses (valid while it holds them). */
static inline const uint8_t *ct_laddr6(const conn_table *t, const ct_node *n)
{
    return a6_addr(t->addr6, n->key.laddr);
}
static inline const uint8_t *ct_raddr6(const conn_table *t, const ct_node *n)
{
    return a6_addr(t->addr6, n->key.raddr);
}

/* Number of nodes in the table. */
size_t ct_count(const conn_table *t);

/* Called once per node by ct_foreach. */
typedef void (*ct_visit_fn)(ct_node *n, void *ctx);

/* Calls fn on every node, in no particular order; fn must not insert or
 * remove nodes. */
void ct_foreach(conn_table *t, ct_visit_fn fn, void *ctx);

#endif
