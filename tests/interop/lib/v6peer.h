/* SPDX-License-Identifier: MIT */
/* Shared by v6peer's parts (tests/interop/lib/v6peer*.c): the one stack and loop of the
 * run, and the small helpers every mode uses. */
#ifndef V6PEER_H
#define V6PEER_H

#include <stddef.h>
#include <stdint.h>

#include "synack/loop.h"
#include "synack/synack.h"

extern synack_stack *st;
extern synack_loop *lp;

/* [ADDR6]:PORT into a; -1 when ADDR6 does not parse. */
int parse6(const char *s, uint16_t port, struct synack_sockaddr_in6 *a);
/* "ECONNREFUSED" and its kind for the errors the tests look for; strerror otherwise. */
const char *errname(int e);
/* One round of the loop: up to 10 ms of waiting. 0 once the run's time is up. */
int step(void);
/* Keeps the loop running for ms milliseconds (bounded by the run's time). */
void linger(uint64_t ms);
/* Entries of the connection table in `state`. */
unsigned count_state(synack_tcp_state state);
/* Closes s, first noting the state its connection was in: the closer of a connection is
 * in TIME-WAIT when it closes after the exchange, the other side is not (report_table
 * prints the tally, whatever the MSL has expired since). */
int close_tally(int s);
/* After a mode's work: "closed in TIME-WAIT N of M", "time-wait N" (the table) now, and with
 * V6PEER_HOLD_MS the table again once that much time has passed ("after hold: time-wait N, other
 * M"), so a test sees TIME-WAIT both held and expired. */
void report_table(void);

int serve(uint16_t port, const char *mode, unsigned count, const char *file);
int send_file(const char *dst, uint16_t port, const char *in);
int conns(const char *dst, uint16_t port, unsigned count, const char *mode);
int udp_echo(uint16_t port, int count);
int udp_send(const char *dst, uint16_t port, size_t size);
int udp_errq(const char *dst, uint16_t port);
int ping6(const char *dst, int count);

#endif
