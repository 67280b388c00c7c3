/* SPDX-License-Identifier: MIT */
/* Pacing: data segments leave no faster than a rate, so that a window's worth of data
 * does not reach the bottleneck queue in one burst.
 *
 * A token bucket in payload bytes (the unit delivery rates are measured in, rate.h): credit
 * accrues at the pacing rate up to a quantum of max(2 segments, 1 ms of the rate + 1
 * segment), so a host whose timers fire with 1 ms granularity still reaches the full rate
 * (the extra segment holds the fraction a millisecond's credit leaves over); every data
 * segment spends its length. tcp_output asks before each segment and, when the credit is
 * short, arms TT_PACE for the moment it will suffice.
 *
 * The rate: a controller with cong_control (BBR) sets tcp_conn.pacing_rate; otherwise
 * Linux's rule (tcp_update_pacing_rate) — 2 x cwnd / SRTT in slow start (below half of
 * ssthresh), 1.2 x in congestion avoidance; both capped by SO_MAX_PACING_RATE. Off by
 * default (synack_config.pacing). */
#ifndef SYNACK_TCP_PACING_H
#define SYNACK_TCP_PACING_H

#include <stdint.h>

struct tcp_conn;

/* Whether c paces: the config, SO_MAX_PACING_RATE, or a controller that needs it. */
int tcp_pacing_on(const struct tcp_conn *c);
/* The rate c paces at now, bytes/s; 0 = no limit (pacing off, or no RTT sample yet). */
uint32_t tcp_pacing_rate(const struct tcp_conn *c);
/* The bucket's depth at a rate: max(2 segments, rate x 1 ms + 1 segment). */
uint32_t tcp_pacing_quantum(const struct tcp_conn *c, uint32_t rate);
/* Of len bytes about to leave in segments of mss, how many may go now: len, fewer whole
 * segments, or 0 — then TT_PACE is armed for when the next segment may. */
uint32_t tcp_pace_allow(struct tcp_conn *c, uint32_t len, uint32_t mss);
/* len payload bytes left (new data, a resend or a probe alike). */
void tcp_pace_sent(struct tcp_conn *c, uint32_t len);

#endif
