/* SPDX-License-Identifier: MIT */
/* SYN cookies (RFC 4987 3.6): a listener whose SYN queue is full answers with a SYN-ACK
 * whose ISN encodes everything needed to build the connection when the ACK comes back,
 * and keeps no state until then. */
#ifndef SYNACK_TCP_SYNCOOKIE_H
#define SYNACK_TCP_SYNCOOKIE_H

#include <stdint.h>

#include "synack/synack.h"

struct synack_stack;

#define SYNCOOKIE_PERIOD_US 64000000ull /* the coarse clock ticks every 64 s */
#define SYNCOOKIE_MAX_AGE 2             /* a cookie lives at most 2 ticks */

/* MSS values a cookie can carry (3 bits; Linux uses the same four). */
extern const uint16_t syncookie_mss_table[4];

/* Largest table index whose MSS does not exceed mss. */
uint32_t syncookie_mss_index(uint16_t mss);
/* The ISN for a SYN from peer_isn on ep: 5 bits of clock, 3 of MSS index, 24 of keyed
 * hash over the 4-tuple, the clock and the peer's ISN. */
uint32_t syncookie_make(const struct synack_stack *st, const synack_endpoints *ep,
                        uint32_t peer_isn, uint32_t mss_idx);
/* Validates a cookie; returns the MSS index (0..3), or -1 when the hash does not match
 * or the cookie is older than SYNCOOKIE_MAX_AGE ticks. */
int syncookie_check(const struct synack_stack *st, const synack_endpoints *ep, uint32_t peer_isn,
                    uint32_t cookie);
/* With timestamps, the window-scale shift (4 bits, 0xf = none) and SACK-permitted (1 bit)
 * ride in the low 6 bits of our TSval, which the peer echoes (as Linux does). ts_now is
 * the current TSval clock; the result is never above it. */
uint32_t syncookie_ts_encode(uint32_t ts_now, int wscale, int sack_ok);
void syncookie_ts_decode(uint32_t tsecr, int *wscale, int *sack_ok);

#endif
