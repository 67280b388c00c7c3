/* SPDX-License-Identifier: MIT */
/* Delivery-rate estimation (draft-cheng-iccrg-delivery-rate-estimation-02): what each ACK
 * says about the rate at which the path delivers data, for a model-based congestion
 * controller (BBR).
 *
 * Every data segment sent takes a snapshot of the connection's delivery counters (the
 * draft's per-packet P.delivered, P.delivered_time, P.first_sent_time, P.is_app_limited),
 * kept beside the segment's record in the transmit log (txlog.c); an ACK that delivers
 * data finds the snapshot of the most recently sent segment it delivered and turns the
 * difference into a sample. A merged or missing snapshot only makes a sample span a longer
 * interval (an average over more data), never a faster one. */
#ifndef SYNACK_TCP_RATE_H
#define SYNACK_TCP_RATE_H

#include <stdint.h>

struct tcp_conn;
struct tcp_seg;

/* The delivery counters when a record's bytes last left (the draft's per-packet state);
 * the transmit log keeps one beside each record. */
typedef struct tcp_txsnap {
    uint32_t sent;           /* P.sent_time (of the first segment an overflow merged) */
    uint32_t delivered;      /* P.delivered */
    uint32_t delivered_time; /* P.delivered_time */
    uint32_t first_sent;     /* P.first_sent_time */
    uint8_t app_limited;     /* P.is_app_limited */
} tcp_txsnap;

/* Rate sampling's connection state (the draft's C.*); it lives in the transmit log's
 * header. */
typedef struct tcp_rate {
    uint64_t delivered;      /* C.delivered: bytes delivered in the connection's life */
    uint64_t una_acked;      /* bytes SND.UNA has moved over since sampling began */
    uint64_t app_limited;    /* C.app_limited: delivered count that ends the app-limited
                                phase; 0 = not app-limited */
    uint32_t delivered_time; /* C.delivered_time */
    uint32_t first_sent;     /* C.first_sent_time */
    uint32_t min_rtt;        /* smallest RTT measured, µs; UINT32_MAX = none */
    tcp_txsnap pick;         /* the snapshot the current ACK samples (valid with has_pick) */
    uint8_t pick_resent;     /* whether those bytes were resent (Karn) */
    uint8_t has_pick;        /* tcp_rate_pick found a snapshot for the current ACK */
} tcp_rate;

/* What one ACK says (the draft's rate sample "rs"). */
typedef struct tcp_rate_sample {
    uint32_t acked;           /* bytes this ACK newly delivered, cumulatively or by SACK */
    uint32_t delivered;       /* bytes delivered over the sample's interval */
    uint32_t interval_us;     /* that interval; 0 = no valid rate in this sample */
    uint32_t prior_delivered; /* the connection's delivered count (low 32 bits) when the
                                 sampled segment was sent: round-trip counting */
    uint32_t rtt_us;          /* the sampled segment's RTT; 0 = none (it was resent) */
    uint8_t has_prior;        /* a snapshot was found: prior_delivered is meaningful */
    uint8_t is_app_limited;   /* the segment left while the application had nothing more */
} tcp_rate_sample;

/* Starts rate sampling on c (idempotent): the transmit log's header holds the state, its
 * records the snapshots. Returns 0 or -ENOMEM (then c samples nothing). */
int tcp_rate_enable(struct tcp_conn *c);
/* Rate sampling is on for c. */
int tcp_rate_on(const struct tcp_conn *c);
/* A data segment is about to leave (before SND.MAX moves): fills its snapshot. */
void tcp_rate_on_send(struct tcp_conn *c, tcp_txsnap *snap);
/* An acceptable ACK was processed, before the transmit log drops what it acknowledged:
 * finds the snapshot the ACK's sample is about (tcp_txlog_on_ack calls it). */
void tcp_rate_pick(struct tcp_conn *c, const struct tcp_seg *seg, uint32_t una_before,
                   uint32_t sacked_before);
/* An acceptable ACK was processed (scoreboard updated, SND.UNA moved, tcp_txlog_on_ack
 * done). una_before and sacked_before are SND.UNA and the SACKed byte count before it.
 * Fills *rs. */
void tcp_rate_on_ack(struct tcp_conn *c, const struct tcp_seg *seg, uint32_t una_before,
                     uint32_t sacked_before, tcp_rate_sample *rs);
/* tcp_output found nothing more to send with room left in cwnd: samples taken until what
 * is in flight now is delivered measure the application, not the path. */
void tcp_rate_app_limited(struct tcp_conn *c, uint32_t inflight);
/* Bytes delivered in the connection's life (low 32 bits), 0 without sampling. */
uint32_t tcp_rate_delivered(const struct tcp_conn *c);
/* The smallest RTT any sample measured, µs; UINT32_MAX when none. */
uint32_t tcp_rate_min_rtt(const struct tcp_conn *c);

#endif
