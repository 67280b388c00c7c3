/* SPDX-License-Identifier: MIT */
/* RACK-TLP loss detection (RFC 8985), the default (`synack_config.rack`).
 *
 * RACK marks a segment lost when a segment sent sufficiently later has been delivered
 * (acknowledged or SACKed): "sufficiently" is RACK.rtt plus a reordering window of
 * min_RTT/4, widened by D-SACKs. It needs per-segment transmit times, which live in the
 * connection's transmit log (txlog.c), started on its first data segment, so an idle or
 * non-RACK connection pays nothing. Loss recovery itself stays RFC 6675 + PRR (sack.c,
 * input.c, output.c): RACK only decides which bytes are lost, replacing the
 * DupThresh/IsLost() and Early Retransmit rules; after an RTO it marks only what is old
 * enough (RFC 8985 6.3) and output.c resends it as the pipe allows. */
#ifndef SYNACK_TCP_RACK_H
#define SYNACK_TCP_RACK_H

#include <stdint.h>

struct tcp_conn;
struct tcp_seg;

/* RACK's connection state (RFC 8985 5.2); it lives in the transmit log's header. */
typedef struct tcp_rack {
    uint64_t xmit_ts;        /* RACK.xmit_ts: latest send time of a delivered segment */
    uint64_t reo_at;         /* reordering timer deadline, UINT64_MAX when off */
    uint64_t rto_at;         /* the RTO/probe deadline the reordering timer stands before */
    uint32_t end_seq;        /* RACK.end_seq: the end of that segment */
    uint32_t order;          /* ... and its tcp_txrec.order */
    uint32_t rtt;            /* RACK.rtt: the RTT that segment measured, µs */
    uint32_t min_rtt;        /* RACK.min_RTT, µs; UINT32_MAX before any sample */
    uint32_t fack;           /* RACK.fack: highest end of any delivered segment */
    uint32_t dsack_round;    /* RACK.dsack_round (valid with dsack_round_on) */
    uint32_t tlp_end_seq;    /* TLP.end_seq (valid with tlp_on) */
    uint32_t last_una;       /* SND.UNA at the previous ACK */
    uint64_t rtt_ts;         /* cfg.rack_reo_linux: the send time of the segment RACK.rtt
                                came from */
    uint32_t rtt_end;        /* ... and its end */
    uint32_t reordering;     /* how far out of order SACKs showed delivery, in segments
                                (Linux's tp->reordering, for TCP_INFO only): TCP_DUPTHRESH
                                until a late segment shows more, at most TCP_MAX_REORDERING */
    uint8_t reo_wnd_mult;    /* RACK.reo_wnd_mult */
    uint8_t reo_wnd_persist; /* RACK.reo_wnd_persist */
    uint8_t reordering_seen; /* RACK.reordering_seen */
    uint8_t dsack_round_on;  /* a D-SACK widened the window in the current round */
    uint8_t tlp_on;          /* a loss probe's episode is open (TLP.end_seq is set) */
    uint8_t tlp_is_retrans;  /* TLP.is_retrans: the probe resent old data */
    uint8_t recovering;      /* in fast or RTO recovery at the previous ACK */
    uint8_t rto_recovery;    /* after an RTO (RFC 8985 6.3): lost segments are resent as
                                the pipe allows, until SND.UNA reaches "recover" */
} tcp_rack;

/* RACK runs on c: configured, SACK negotiated, and the transmit log (txlog.c) has records
 * of everything outstanding. */
int tcp_rack_on(const struct tcp_conn *c);
/* The transmit log starts RACK on c's first data segment: initial state. */
void tcp_rack_init(struct tcp_conn *c);
/* An acceptable ACK was processed (scoreboard updated, SND.UNA moved) and RACK is on
 * (tcp_txlog_on_ack calls it): RFC 8985 6.2 steps 1-5 and the TLP episode of 7.4. Marks
 * lost segments, arms the reordering timer. Returns 1 when segments are marked lost and
 * waiting to be resent. */
int tcp_rack_on_ack(struct tcp_conn *c, const struct tcp_seg *seg);
/* enter_recovery(): ends a TLP episode and resends the first segment RACK marked lost
 * (RFC 6675 5 (4.3) retransmits one segment before the pipe governs). */
void tcp_rack_enter_recovery(struct tcp_conn *c);
/* The RTO or probe deadline `when` is about to be armed: returns the deadline TT_REXMIT must
 * really take (the reordering timer when it is earlier; rack_reo says so). */
uint64_t tcp_rack_timer(struct tcp_conn *c, uint64_t when);
/* The TT_REXMIT deadline fired while it was the reordering timer (RFC 8985 6.2 step 5 on
 * expiry). Marks losses, starts recovery or resends, restores the RTO/probe deadline. */
void tcp_rack_reo_timeout(struct tcp_conn *c);
/* A loss probe went out (RFC 8985 7.3): `retrans` says whether it resent old data. */
void tcp_rack_on_probe(struct tcp_conn *c, int retrans);
/* The RTO fired (RFC 8985 6.3): the first outstanding segment and every one sent at least
 * RACK.rtt + reo_wnd ago are marked lost; SACKed segments keep their marks. */
void tcp_rack_on_rto(struct tcp_conn *c);
/* In the recovery that follows an RTO with RACK: output.c resends what is marked lost. */
int tcp_rack_rto_recovery(const struct tcp_conn *c);
/* A go-back-N resend after an RTO (SACK cleared): every mark is stale. */
void tcp_rack_forget(struct tcp_conn *c);
/* Bytes marked lost and not resent since (they have left the pipe, RFC 6675 SetPipe). */
uint32_t tcp_rack_lost_bytes(const struct tcp_conn *c);
/* Bytes marked lost, resent since or not, and neither SACKed nor acknowledged: Linux's
 * lost_out (TCP_INFO's tcpi_lost), which a retransmission does not lower. */
uint32_t tcp_rack_lost_out(const struct tcp_conn *c);
/* The reordering degree TCP_INFO reports (tcp_rack.reordering; TCP_DUPTHRESH without RACK). */
uint32_t tcp_rack_reordering(const struct tcp_conn *c);
/* NextSeg() rule 1 under RACK: the first lost, not yet resent bytes (at most max); returns
 * their length, 0 for none, and the start in *seq. */
uint32_t tcp_rack_next_lost(const struct tcp_conn *c, uint32_t *seq, uint32_t max);

#endif
