/* SPDX-License-Identifier: MIT */
/* Test harness: one stack (192.0.2.2, PAIR_SERVER_ADDR) whose peer (192.0.2.1) is played
 * by the test itself. The test hands the stack crafted segments with sh_send() and reads
 * back every segment the stack sent (parsed from its frames, checksums verified) and every
 * state change, so a test reads "the stack receives this segment; assert it answered
 * that". PAIR_VERBOSE=1 prints the stack's JSON event trace. */
#ifndef SYNACK_TEST_SEGHOST_H
#define SYNACK_TEST_SEGHOST_H

#include <stddef.h>
#include <stdint.h>

#include "support/pair.h"
#include "support/segbuild.h"
#include "synack/synack.h"

#define SH_ADDR PAIR_SERVER_ADDR /* the stack */
#define SH_PEER PAIR_CLIENT_ADDR /* the test's fake peer */

typedef struct sh_seg {
    uint64_t t;         /* when the stack sent it */
    tcp_seg s;          /* parsed header; s.payload is NULL, the bytes are in data */
    uint8_t data[1500]; /* the first min(s.payload_len, 1500) payload bytes */
    uint32_t dst;       /* destination address */
    uint8_t tos;        /* the IPv4 header's TOS byte */
    uint16_t frag;      /* its flags and fragment offset, raw (IPV4_FLAG_DF) */
    uint8_t ecn;        /* the datagram's ECN field (IP_ECN_*) */
    uint8_t ttl;        /* the IPv4 header's TTL */
} sh_seg;

typedef struct sh_state {
    uint64_t t;            /* when */
    synack_tcp_state from; /* old state */
    synack_tcp_state to;   /* new state */
    synack_endpoints ep;   /* which connection */
} sh_state;

typedef struct seghost {
    synack_stack *st;          /* the stack under test */
    uint64_t now;              /* current time */
    sh_seg *out;               /* every segment the stack sent, in order */
    size_t nout, capout;       /* count and capacity */
    sh_state *states;          /* every state change */
    size_t nstates, capstates; /* count and capacity */
    size_t bad_frames;         /* frames the stack sent that did not parse as IPv4+TCP */
    int verbose;               /* PAIR_VERBOSE=1 */
    uint8_t peer_ecn;          /* the ECN field sh_send puts on the peer's datagrams */
    uint8_t other[1500];       /* the last frame that was not IPv4+TCP (ICMP), as sent */
    size_t other_len;          /* its length (at most sizeof(other) kept); 0: none yet */
    int refuse_tx;             /* set: the output callback refuses every frame with -ENOBUFS
                                  (a local drop, as a full qdisc); nothing is recorded */
    size_t refused;            /* frames refused so */
} seghost;

/* cfg may be NULL (defaults); its address, output and event callbacks are replaced, and
 * the stack is deterministic (synack_config_deterministic with cfg->seed). */
void sh_init(seghost *h, const synack_config *cfg);
void sh_free(seghost *h);
/* The peer sends one segment to the stack at h->now; returns synack_input()'s result. */
int sh_send(seghost *h, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
            uint16_t win, const void *data, size_t len, const tcp_opts *opts);
/* Runs the stack's timers up to and including `until`. */
void sh_run_until(seghost *h, uint64_t until);
void sh_run_for(seghost *h, uint64_t us);
/* The last segment sent, or NULL if none. */
const sh_seg *sh_last(const seghost *h);
/* Segments from index `from` on as "S.|./5|R." (flags, then "/len" if len > 0). */
void sh_flow(const seghost *h, size_t from, char *buf, size_t cap);
/* Time of the first transition into `to` at or after `since`, or UINT64_MAX. */
uint64_t sh_state_time(const seghost *h, synack_tcp_state to, uint64_t since);
/* Socket, bind(port), listen(backlog) on the stack; returns the listening socket or -1. */
int sh_listen(seghost *h, uint16_t port, int backlog);
/* Completes a passive open with the listener on lport from peer port pport: SYN with
 * sequence number iss and no options (so no window scaling and no timestamps: windows
 * are bytes), the stack's SYN-ACK, the final ACK (window `win`). Stores the stack's ISS
 * in *server_iss and returns the accepted socket, or -1. */
int sh_handshake(seghost *h, int ls, uint16_t lport, uint16_t pport, uint32_t iss, uint16_t win,
                 uint32_t *server_iss);

#endif
