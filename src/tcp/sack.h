/* SPDX-License-Identifier: MIT */
/* The sender's SACK scoreboard (RFC 2018) and SACK-based loss recovery (RFC 6675). */
#ifndef SYNACK_TCP_SACK_H
#define SYNACK_TCP_SACK_H

#include <stdint.h>

struct tcp_conn;
struct tcp_seg;

#define TCP_SACK_SCOREBOARD 32 /* SACKed ranges remembered above SND.UNA */
#define TCP_MAX_REORDERING 300 /* the cap on TCP_INFO's reordering degree (Linux's default) */
#define TCP_DUPTHRESH 3        /* RFC 6675 DupThresh (RACK's reordering window uses it too) */

/* Whether the segment's first SACK block is a D-SACK (RFC 2883 4). */
int tcp_sack_is_dsack(const struct tcp_seg *seg);
/* Takes the SACK blocks of an acceptable ACK into the scoreboard (D-SACKs, RFC 2883, are
 * counted and skipped). */
void tcp_sack_update(struct tcp_conn *c, const struct tcp_seg *seg);
/* Forgets ranges below SND.UNA (call after SND.UNA moved). */
void tcp_sack_prune(struct tcp_conn *c);
/* Forgets everything (RTO: the receiver may renege, RFC 2018 8). */
void tcp_sack_clear(struct tcp_conn *c);
/* Releases the scoreboard's storage (connection teardown). */
void tcp_sack_free(struct tcp_conn *c);
/* RFC 6675 IsLost(SND.UNA): enough SACKed above the first unacknowledged byte. */
int tcp_sack_first_lost(const struct tcp_conn *c);
/* RFC 6675 SetPipe(): bytes believed to be in the network. */
uint32_t tcp_sack_pipe(const struct tcp_conn *c);
/* RFC 6675 NextSeg() rule 1: the next lost, not yet retransmitted bytes; returns their
 * length (0: none) and the start in *seq. At most max bytes. With `any`, rule 3: the next
 * unSACKed bytes below the highest SACKed one, lost or not. */
uint32_t tcp_sack_next_hole(const struct tcp_conn *c, uint32_t *seq, uint32_t max, int any);

#endif
