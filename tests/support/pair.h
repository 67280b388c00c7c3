/* SPDX-License-Identifier: MIT */
/* Test harness: a client stack (side 0, 192.0.2.1) and a server stack (side 1, 192.0.2.2)
 * over the in-memory link (pair_init) or over a two-host simulated network with faults
 * (pair_init_faults), with every segment sent and every state change recorded so a test
 * can assert the exact exchange. Every pair_* function works with both. */
#ifndef SYNACK_TEST_PAIR_H
#define SYNACK_TEST_PAIR_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/link.h"
#include "synack/simnet.h"
#include "synack/synack.h"

#define PAIR_CLIENT 0
#define PAIR_SERVER 1
#define PAIR_CLIENT_ADDR 0xc0000201u /* 192.0.2.1 */
#define PAIR_SERVER_ADDR 0xc0000202u /* 192.0.2.2 */

typedef struct pair_seg {
    int from;          /* PAIR_CLIENT or PAIR_SERVER */
    uint64_t t;        /* when it was sent */
    synack_seg_info s; /* header fields */
    int dropped;       /* the link's filter dropped it */
} pair_seg;

typedef struct pair_state {
    int host;              /* PAIR_CLIENT or PAIR_SERVER */
    uint64_t t;            /* when */
    synack_tcp_state from; /* old state */
    synack_tcp_state to;   /* new state */
    synack_endpoints ep;   /* which connection */
} pair_state;

typedef struct pair_app {
    int host;      /* PAIR_CLIENT or PAIR_SERVER */
    uint64_t t;    /* when */
    char call[16]; /* "close", "linger", ... (truncated) */
    int sock;      /* the call's socket */
    long ret;      /* what it returned */
} pair_app;

typedef struct pair pair;
/* Decides per delivered segment whether to drop it (return 1). n is the index in segs. */
typedef int (*pair_filter_fn)(pair *p, const pair_seg *seg, size_t n, void *ctx);

struct pair {
    synack_memlink *link;      /* the wire */
    synack_stack *st[2];       /* client, server */
    uint64_t now;              /* current time */
    pair_seg *segs;            /* every TCP segment sent, in order */
    size_t nsegs, capsegs;     /* count and capacity */
    pair_state *states;        /* every state change */
    size_t nstates, capstates; /* count and capacity */
    pair_filter_fn filter;     /* optional loss */
    void *filter_ctx;          /* its context */
    int verbose;               /* print events (PAIR_VERBOSE=1 in the environment) */
    uint64_t counters_dummy;   /* unused */
    synack_simnet *net;        /* the simulated network (pair_init_faults), else NULL */
    pair_app *apps;            /* every app event (socket call returned) */
    size_t napps, capapps;     /* count and capacity */
};

/* cfg may be NULL (defaults). Both stacks get the same config except addresses, and both
 * are deterministic (synack_config_deterministic, seeded from cfg->seed): runs repeat. */
void pair_init(pair *p, const synack_config *cfg, uint64_t delay_us);
/* The same pair on a simulated network (hosts PAIR_CLIENT and PAIR_SERVER of p->net)
 * whose client-to-server and server-to-client links have the given faults (NULL: none).
 * The network's PRNG is seeded from cfg->seed (1 without cfg). p->link stays NULL; the
 * filter, if set, is asked when a segment is sent rather than when it arrives (the link
 * may still lose, delay or duplicate it afterwards). */
void pair_init_faults(pair *p, const synack_config *cfg, const synack_fault_config *c2s,
                      const synack_fault_config *s2c);
void pair_free(pair *p);
/* Runs until `until`. */
void pair_run_until(pair *p, uint64_t until);
/* Runs for `us` more microseconds. */
void pair_run_for(pair *p, uint64_t us);
/* An IPv4 socket address from a host-order address and port. */
struct sockaddr_in pair_sin(uint32_t addr, uint16_t port);
/* Server: socket, bind(port), listen(backlog). Returns the listening socket. */
int pair_listen(pair *p, uint16_t port, int backlog);
/* Client: socket + connect to the server's port. Returns the socket. */
int pair_connect(pair *p, uint16_t port);
/* Sets up one established connection (listen, connect, run, accept); returns the
 * accepted server socket and stores the client socket in *cs. */
int pair_establish(pair *p, uint16_t port, int *cs);
/* The state of the host's connection on sock (CLOSED if none). */
synack_tcp_state pair_sock_state(pair *p, int host, int sock);
/* The count of connections in `state` on `host` (incl. orphans, TIME-WAIT). */
int pair_count_state(pair *p, int host, synack_tcp_state state);
/* Writes a segment as "C>S S seq=1 ack=0 len=0" into buf. */
void pair_seg_str(const pair_seg *s, char *buf, size_t cap);
/* Segments from index `from` on as a '|'-joined string of "C:S." style entries
 * ("C:" or "S:" then flags, then "/len" if len>0): a compact exchange to compare. */
void pair_flow(const pair *p, size_t from, char *buf, size_t cap);
/* Index of the first app event of `host` for `call` at index `i` or later; p->napps if none. */
size_t pair_next_app(const pair *p, size_t i, int host, const char *call);
/* Did `host` pass through state `to` at some point? */
int pair_saw_state(const pair *p, int host, synack_tcp_state to);
/* Time of the first transition of host into `to`, or UINT64_MAX. */
uint64_t pair_state_time(const pair *p, int host, synack_tcp_state to);

/* Time of the first transition of host from `from` into `to`, or UINT64_MAX. */
uint64_t pair_transition_time(const pair *p, int host, synack_tcp_state from, synack_tcp_state to);
/* Index of the first segment sent by `host` at index `i` or later; p->nsegs if none. */
size_t pair_next_seg(const pair *p, size_t i, int host);
/* Segments sent by `host` from index `i` on. */
size_t pair_count_segs(const pair *p, size_t i, int host);
/* Sends len bytes from the client's socket cs and reads them into got on the server's ss,
 * 2 ms of pair time a round, 4000 rounds at most; returns what arrived. */
size_t pair_transfer(pair *p, int cs, int ss, const uint8_t *data, size_t len, uint8_t *got);
/* A pair_filter_fn: drops the client's data segment starting at *(uint32_t *)ctx once, then
 * sets it to 0. */
int pair_drop_client_seq_once(pair *p, const pair_seg *seg, size_t n, void *ctx);

#endif
