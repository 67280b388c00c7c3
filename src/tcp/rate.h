/* Delivery-rate estimation (draft-cheng-iccrg-delivery-rate-estimation-02): what each ACK
 * says about the rate at which the path delivers data, for a model-based congestion
 * controller (BBR).
 *
 * Every data segment sent takes a snapshot of the connection's delivery counters (the
 * draft's per-packet P.delivered, P.delivered_time, P.first_sent_time, P.is_app_limited);
 * an ACK that delivers data finds the snapshot of the most recently sent segment it
 * delivered and turns the difference into a sample. Snapshots live in a block allocated
 * when a controller asks for rate sampling (the TCB pays one pointer): first transmissions
 * in a ring ordered by sequence number that grows to TCP_RATE_MAX_RECORDS and then merges
 * new segments into its newest record, retransmissions in a small ring of their own. A
 * merged or missing snapshot only makes a sample span a longer interval (an average over
 * more data), never a faster one. */
#ifndef SYNACK_TCP_RATE_H
#define SYNACK_TCP_RATE_H

#include <stdint.h>

struct tcp_conn;
struct tcp_seg;

/* Records of first transmissions at most (28 bytes each): enough for the flight of a
 * 100 Mbit/s x 100 ms path at 1448-byte segments. */
#define TCP_RATE_MAX_RECORDS 1024u

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

/* Starts rate sampling on c (idempotent). Returns 0 or -ENOMEM (then c samples nothing). */
int tcp_rate_enable(struct tcp_conn *c);
/* Releases the block (connection teardown). */
void tcp_rate_free(struct tcp_conn *c);
/* A data segment [seq, seq + len) is about to leave; seq below SND.MAX is a resend. */
void tcp_rate_on_send(struct tcp_conn *c, uint32_t seq, uint32_t len);
/* An acceptable ACK was processed (scoreboard updated, SND.UNA moved). una_before and
 * sacked_before are SND.UNA and the SACKed byte count before it. Fills *rs. */
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
