/* SPDX-License-Identifier: MIT */
/* The client's Fast Open cache (RFC 7413 4.1.2, 4.1.3): per destination address, the
 * cookie the server gave, the MSS it announced, which option form to ask in, and whether
 * SYNs with data to it were lost. Bounded by cfg.fastopen_cache_max; the least recently
 * used entry makes room. */
#ifndef SYNACK_TCP_FASTOPEN_CACHE_H
#define SYNACK_TCP_FASTOPEN_CACHE_H

#include <stdint.h>

#include "wire/tcp_wire.h"

struct synack_stack;

typedef struct tfo_entry {
    uint64_t used;         /* LRU stamp: the cache's clock at the last get or set */
    uint64_t last_loss_us; /* when a SYN with data to it was last lost */
    uint8_t raddr[16];     /* the destination (IPv4 as ::ffff:a.b.c.d); all zero: free */
    uint16_t mss;          /* the MSS option of its last SYN-ACK, 0 if none seen */
    uint8_t cookie_len;    /* 0: no cookie */
    uint8_t exp;           /* the cookie came in the experimental (254) form */
    uint8_t try_exp;       /* a request went unanswered: 1 ask in the experimental form
                              next time, 2 back to kind 34 (Linux's try_exp) */
    uint8_t syn_loss;      /* SYNs with data lost in a row */
    uint8_t cookie[TCP_FASTOPEN_COOKIE_MAX];
} tfo_entry;

typedef struct tfo_cache {
    tfo_entry *e;   /* cfg.fastopen_cache_max entries, allocated at the first set */
    uint32_t cap;   /* entries in e */
    uint64_t clock; /* bumps at every use: the LRU order */
} tfo_cache;

/* What a SYN-ACK taught about its sender (tfo_cache_set). */
typedef struct tfo_learnt {
    uint16_t mss;       /* its MSS option, 0 if none */
    const tcp_opts *fo; /* its options when it carried a cookie to keep, else NULL */
    uint8_t syn_lost;   /* our SYN with data was lost (timed out) */
    uint8_t try_exp;    /* our request went unanswered (tfo_entry.try_exp) */
} tfo_learnt;

/* The destination's entry (its LRU stamp refreshed), or NULL. raddr in host order; the
 *6 forms take a 16-byte address (an IPv4 one as ::ffff:a.b.c.d). */
const tfo_entry *tfo_cache_get(struct synack_stack *st, uint32_t raddr);
const tfo_entry *tfo_cache_get6(struct synack_stack *st, const uint8_t raddr[16]);
/* Records what a SYN-ACK (or a SYN timeout) showed; a new destination takes a free entry or
 * evicts the least recently used (counted). Nothing when the cache is 0 entries or out of
 * memory. */
void tfo_cache_set(struct synack_stack *st, uint32_t raddr, const tfo_learnt *l);
void tfo_cache_set6(struct synack_stack *st, const uint8_t raddr[16], const tfo_learnt *l);
/* 1 while Fast Open to the destination is off after repeated SYN losses (RFC 7413 4.1.3):
 * from the second loss in a row, for 60 s doubled per loss (Linux's rule). */
int tfo_cache_disabled(const tfo_entry *e, uint64_t now_us);
void tfo_cache_free(struct synack_stack *st);

#endif
