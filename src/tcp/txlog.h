/* SPDX-License-Identifier: MIT */
/* The transmit log: one record per data segment in flight, shared by RACK-TLP loss
 * detection (rack.c, RFC 8985) and delivery-rate sampling (rate.c).
 *
 * A record holds what RACK needs (sequence range, latest send time, SACKed/lost/resent
 * marks) and, when rate sampling is on, a parallel snapshot of the delivery counters
 * (draft-cheng-iccrg-delivery-rate-estimation P.*). Records sit in a ring sorted by
 * sequence number and disjoint: new data is appended, a retransmission updates the records
 * it covers (split at its edges when there is room), the cumulative ACK pops them.
 *
 * Memory: the log's header (the two readers' connection state) is allocated when a reader
 * first needs it (rate sampling: when BBR starts it; RACK: on the first data segment); the
 * ring when the first data segment leaves, sized for a full send buffer of full-sized
 * segments plus a few short ones; with rate sampling it may double up to TCP_TXLOG_MAX.
 * Past that the newest record absorbs new segments (RackRecordOverflows counts them): RACK
 * then judges those bytes late, never early, and a rate sample spans a longer interval,
 * never a faster one.
 * Freed at TIME-WAIT (nothing more will be sent) and at teardown. */
#ifndef SYNACK_TCP_TXLOG_H
#define SYNACK_TCP_TXLOG_H

#include <stdint.h>

#include "tcp/rack.h"
#include "tcp/rate.h"

struct tcp_conn;

/* Records one connection may hold at most (24 bytes each, 44 with rate snapshots). */
#define TCP_TXLOG_MAX 1024u

enum {
    TXREC_SACKED = 1,  /* selectively acknowledged */
    TXREC_LOST = 2,    /* marked lost by RACK and not resent since */
    TXREC_RETRANS = 4, /* resent at least once: its RTT samples are ambiguous (Karn) */
    TXREC_FIN = 8,     /* the last sequence number is the FIN, not data */
    TXREC_SNAP = 16,   /* the parallel rate snapshot is valid */
};

/* One segment (or, after an overflow, several) as sent. */
typedef struct tcp_txrec {
    uint32_t start;   /* first sequence number */
    uint32_t end;     /* one past the last (a FIN counts) */
    uint64_t xmit_ts; /* latest (re)transmission, µs */
    uint32_t flags;   /* TXREC_* */
    uint32_t order;   /* when in the log's transmission order the latest send left (wraps):
                         RACK's tie-break between sends of one instant, the stack having
                         one time for a burst where Linux stamps each packet */
} tcp_txrec;

typedef struct tcp_txlog {
    tcp_rack rack;        /* RACK's connection state, valid with rack_on */
    tcp_rate rate;        /* rate sampling's connection state, valid with rate_on */
    tcp_txrec *rec;       /* the ring, cap slots; NULL before the first data segment */
    tcp_txsnap *snap;     /* rate snapshots parallel to rec[]; NULL without rate_on */
    uint32_t cap;         /* slots in rec[] (and snap[]) */
    uint32_t head;        /* slot of the oldest record */
    uint32_t n;           /* records held */
    uint32_t lost_bytes;  /* bytes in records marked TXREC_LOST */
    uint32_t segs_sacked; /* records marked TXREC_SACKED */
    uint32_t lost_marks;  /* times a record was marked lost: an ACK that raised it showed a
                             further loss (RFC 9937's safeACK test) */
    uint32_t next_order;  /* tcp_txrec.order of the next send */
    uint8_t rack_on;      /* RACK reads the log: every outstanding byte has a record */
    uint8_t rate_on;      /* rate sampling reads the log */
} tcp_txlog;

/* Header of c's log, allocated if missing (NULL without memory, counted NoMemory). */
tcp_txlog *tcp_txlog_get(struct tcp_conn *c);
/* A segment [seq, end) leaves at the stack's now (fin: its last number is a FIN); seq below
 * SND.MAX is a retransmission. Called by tcp_xmit before it moves SND.MAX. Starts the log
 * on the first data segment of a connection with RACK configured or rate sampling on. */
void tcp_txlog_on_xmit(struct tcp_conn *c, uint32_t seq, uint32_t end, int fin);
/* An acceptable ACK was processed (scoreboard updated, SND.UNA moved): rate sampling picks
 * its snapshot, RACK runs (RFC 8985 6.2), records below SND.UNA go. Returns 1 when RACK
 * has segments marked lost and waiting to be resent. */
int tcp_txlog_on_ack(struct tcp_conn *c, const struct tcp_seg *seg, uint32_t una_before,
                     uint32_t sacked_before);
/* The end of the segment (as last sent) that carried seq, or seq when the log does not
 * know it. */
uint32_t tcp_txlog_seg_end(const struct tcp_conn *c, uint32_t seq);
/* Releases the log (TIME-WAIT, teardown). */
void tcp_txlog_free(struct tcp_conn *c);
/* 1 if freeing the log loses nothing a later flight needs: no log, or RACK state that
 * tcp_rack_init would recreate (no reordering seen or widened window, no probe or recovery
 * episode open) and no rate sampling. RACK.min_RTT then restarts from SRTT. */
int tcp_txlog_forgettable(const struct tcp_conn *c);

/* --- for the readers (rack.c, rate.c) and tests --- */

/* Record i counted from the oldest (i < n). */
static inline tcp_txrec *tcp_txlog_at(const tcp_txlog *l, uint32_t i)
{
    /* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): cap > i */
    return &l->rec[(l->head + i) % l->cap];
}
/* Its rate snapshot (snap must be allocated). */
static inline tcp_txsnap *tcp_txlog_snap(const tcp_txlog *l, uint32_t i)
{
    return &l->snap[(l->head + i) % l->cap];
}
/* The round trip of the newest segment an ACK of `ack` covers cumulatively (Linux's
 * ca_rtt_us, a sample per ACK without timestamps), in µs; 0 when it covers none not
 * SACKed before, or a resent one (Karn). */
uint32_t tcp_txlog_ack_rtt(const struct tcp_conn *c, uint32_t ack);
/* The first record that ends after seq (n if none). */
uint32_t tcp_txlog_find(const tcp_txlog *l, uint32_t seq);
/* Splits record i at seq (inside it) into two with the same marks and snapshot; 0 when
 * the ring is full. */
int tcp_txlog_split(tcp_txlog *l, uint32_t i, uint32_t seq);
/* Marks and unmarks, keeping lost_bytes and segs_sacked. */
void tcp_txlog_mark_lost(tcp_txlog *l, tcp_txrec *x);
void tcp_txlog_clear_lost(tcp_txlog *l, tcp_txrec *x);
void tcp_txlog_mark_sacked(tcp_txlog *l, tcp_txrec *x);
/* Drops the records below una (the cumulative ACK), trimming one that straddles it. */
void tcp_txlog_pop(tcp_txlog *l, uint32_t una);
/* Clears every SACKed and lost mark (an RTO made the scoreboard stale). */
void tcp_txlog_clear_marks(tcp_txlog *l);

#endif
