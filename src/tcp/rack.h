/* RACK-TLP loss detection (RFC 8985), an option (`synack_config.rack`).
 *
 * RACK marks a segment lost when a segment sent sufficiently later has been delivered
 * (acknowledged or SACKed): "sufficiently" is RACK.rtt plus a reordering window of
 * min_RTT/4, widened by D-SACKs. It needs per-segment transmit times, which live in a
 * bounded array of records allocated on the connection's first data segment, so the TCB
 * pays one pointer and an idle or non-RACK connection nothing more. Loss recovery itself
 * stays RFC 6675 + PRR (sack.c, input.c, output.c): RACK only decides which bytes are lost,
 * replacing the DupThresh/IsLost() and Early Retransmit rules. */
#ifndef SYNACK_TCP_RACK_H
#define SYNACK_TCP_RACK_H

#include <stdint.h>

struct tcp_conn;
struct tcp_seg;

/* Upper bound on the transmit records of one connection (each 24 bytes): past it the
 * newest record absorbs new segments (RackRecordOverflows), which only delays RACK's
 * verdict on them. */
#define TCP_RACK_MAX_RECORDS 1024u

/* A segment [seq, end) (FIN included in end) leaves at the stack's now; seq below SND.MAX
 * is a retransmission. Called by tcp_xmit before it moves SND.MAX. Allocates the records
 * on the first segment of a SACK connection when the config asks for RACK. */
void tcp_rack_on_xmit(struct tcp_conn *c, uint32_t seq, uint32_t end);
/* An acceptable ACK was processed (scoreboard updated, SND.UNA moved): RFC 8985 6.2 steps
 * 1-5 and the TLP episode of 7.4. Marks lost segments, arms the reordering timer. Returns 1
 * when segments are marked lost and waiting to be resent. */
int tcp_rack_on_ack(struct tcp_conn *c, const struct tcp_seg *seg);
/* enter_recovery(): ends a TLP episode and resends the first segment RACK marked lost
 * (RFC 6675 5 (4.3) retransmits one segment before the pipe governs). */
void tcp_rack_enter_recovery(struct tcp_conn *c);
/* The RTO or probe deadline `at` is about to be armed: returns the deadline TT_REXMIT must
 * really take (the reordering timer when it is earlier; rack_reo says so). */
uint64_t tcp_rack_timer(struct tcp_conn *c, uint64_t at);
/* The TT_REXMIT deadline fired while it was the reordering timer (RFC 8985 6.2 step 5 on
 * expiry). Marks losses, starts recovery or resends, restores the RTO/probe deadline. */
void tcp_rack_reo_timeout(struct tcp_conn *c);
/* A loss probe went out (RFC 8985 7.3): `retrans` says whether it resent old data. */
void tcp_rack_on_probe(struct tcp_conn *c, int retrans);
/* The RTO fired: the go-back resend makes every mark stale (and SACK is cleared). */
void tcp_rack_on_rto(struct tcp_conn *c);
/* Bytes marked lost and not resent since (they have left the pipe, RFC 6675 SetPipe). */
uint32_t tcp_rack_lost_bytes(const struct tcp_conn *c);
/* NextSeg() rule 1 under RACK: the first lost, not yet resent bytes (at most max); returns
 * their length, 0 for none, and the start in *seq. */
uint32_t tcp_rack_next_lost(const struct tcp_conn *c, uint32_t *seq, uint32_t max);
/* Releases the records (connection teardown). */
void tcp_rack_free(struct tcp_conn *c);

#endif
