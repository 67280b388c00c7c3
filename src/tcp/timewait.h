/* SPDX-License-Identifier: MIT */
/* Compact TIME-WAIT records (RFC 9293 3.6, RFC 1337, RFC 6191): once a connection in
 * TIME-WAIT has no socket and no unread data, its TCB is replaced by 56 bytes that are
 * enough to re-ACK a retransmitted FIN, ignore RSTs, and judge a new SYN for reuse. */
#ifndef SYNACK_TCP_TIMEWAIT_H
#define SYNACK_TCP_TIMEWAIT_H

#include <stddef.h>
#include <stdint.h>

#include "tcp/conn_table.h"

struct synack_stack;
struct tcp_conn;
struct ipv4_hdr;
struct tcp_seg;
struct synack_endpoints;

#define TW_TS_OK 0x01 /* timestamps in use */
#define TW_MOVED 0x02 /* 2*MSL restarted: goes to the FIFO's tail when it reaches the head */
#define TW_DEAD 0x04  /* released (reused): out of the table, freed when it reaches the head */

typedef struct tcp_tw {
    ct_node node;        /* connection-table entry, kind CT_TIME_WAIT or CT_TIME_WAIT6 */
    struct tcp_tw *next; /* FIFO link: records in the order they entered (or restarted) */
    uint64_t expires;    /* end of 2*MSL */
    uint32_t snd_nxt;    /* our next sequence number (for the ACKs we send) */
    uint32_t rcv_nxt;    /* past the peer's FIN */
    uint32_t ts_recent;  /* the peer's last TSval (PAWS, RFC 6191 reuse test) */
    uint32_t ts_age_s;   /* when TS.Recent was set, whole seconds (tcp_age_s): PAWS
                            ignores a TS.Recent 24 days old (RFC 7323 5.5) */
    /* node.tw_flags: TW_*; node.tw_win: the window field we last sent */
} tcp_tw;

/* An IPv6 record (node.kind CT_TIME_WAIT6) is the same 56 bytes: its key holds references
 * to the table's interned addresses (conn_table.h), taken over from the TCB it replaces. */

/* The record that embeds a connection-table node of kind CT_TIME_WAIT or CT_TIME_WAIT6. */
static inline tcp_tw *tcp_tw_of(ct_node *n)
{
    return (tcp_tw *)(void *)((char *)n - offsetof(tcp_tw, node));
}

/* The 4-tuple of a record of st, either family. */
void tcp_tw_endpoints(const struct synack_stack *st, const tcp_tw *tw, struct synack_endpoints *ep);
/* Replaces c (orphaned, in TIME-WAIT) by a compact record; keeps c when memory is short.
 * Returns TCP_FREED (tcp.h) if c was freed, else TCP_DONE. */
int tcp_tw_compact(struct tcp_conn *c);
/* A segment for a compact record. Returns TCP_FREED (tcp.h) if the record was released to
 * let a new SYN reopen the 4-tuple (the caller then hands the SYN to the listener), else
 * TCP_DONE. */
int tcp_tw_input(struct synack_stack *st, tcp_tw *tw, const struct tcp_seg *seg);
/* A segment for a full TCB in TIME-WAIT (a socket or unread data keeps it): the same
 * routine as tcp_tw_input, with the same result. */
int tcp_tw_conn_input(struct tcp_conn *c, const struct tcp_seg *seg);
/* Expires records due at st->now. */
void tcp_tw_expire(struct synack_stack *st);
/* When the oldest record expires, UINT64_MAX if none. */
uint64_t tcp_tw_next_deadline(const struct synack_stack *st);
/* Releases the oldest record (the table is full). */
void tcp_tw_recycle_oldest(struct synack_stack *st);
/* Frees every record (stack teardown). */
void tcp_tw_free_all(struct synack_stack *st);

#endif
