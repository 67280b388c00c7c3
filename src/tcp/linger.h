/* SPDX-License-Identifier: MIT */
/* SO_LINGER {1, T>0} for a close() that cannot block (docs/API.md "Closing"). Linux's
 * close() then sleeps until the connection leaves FIN-WAIT-1, CLOSING and LAST-ACK (its
 * FIN acknowledged, or the connection gone) or T runs out, and returns 0 either way; the
 * connection goes on as an orphan. Here close() returns at once and one "linger" app
 * event, owed to the closed socket id, later says which came first. */
#ifndef SYNACK_TCP_LINGER_H
#define SYNACK_TCP_LINGER_H

#include "tcp/tcb.h"

/* After close() queued the FIN of connection c (now an orphan) for socket `sock` with
 * the knobs k: 1 when the event is owed (the FIN still awaits its acknowledgment), else
 * the value the event should report at once (0: nothing to wait for; -ENOMEM: no
 * transfer block to keep the wait in). */
long tcp_linger_start(tcp_conn *c, int sock, const tcp_knobs *k);
/* c changed state: a wait it owes ends in FIN-WAIT-2, TIME-WAIT or CLOSED. */
void tcp_linger_state(tcp_conn *c);
/* TT_LINGER ran out first: the event says -EWOULDBLOCK; the orphan carries on. */
void tcp_linger_expired(tcp_conn *c);

#endif
