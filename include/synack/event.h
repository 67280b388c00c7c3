/* SPDX-License-Identifier: MIT */
/* synack — trace events (docs/TRACE.md describes the JSON Lines format).
 *
 * A stack reports what it does through one callback: application calls, state
 * changes, segments sent and received, drops, timer expiries, counters and notes.
 * synack_event_json() renders one event as the JSON Lines record of the contract. */
#ifndef SYNACK_EVENT_H
#define SYNACK_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "synack/api.h"

#ifdef __cplusplus
extern "C" {
#endif

SYNACK_API_BEGIN

typedef enum synack_event_type {
    SYNACK_EV_APP,     /* a socket call returned */
    SYNACK_EV_STATE,   /* a connection changed state */
    SYNACK_EV_TX,      /* a TCP segment was sent */
    SYNACK_EV_RX,      /* a TCP segment arrived and passed the wire checks */
    SYNACK_EV_DROP,    /* something was dropped; reason says why */
    SYNACK_EV_TIMER,   /* a timer expired */
    SYNACK_EV_COUNTER, /* a counter's value, reported by synack_emit_counters() */
    SYNACK_EV_NOTE,    /* free text */
} synack_event_type;

/* RFC 9293 connection states; synack_state_name() gives the RFC's spelling. */
typedef enum synack_tcp_state {
    SYNACK_CLOSED,
    SYNACK_LISTEN,
    SYNACK_SYN_SENT,
    SYNACK_SYN_RECEIVED,
    SYNACK_ESTABLISHED,
    SYNACK_FIN_WAIT_1,
    SYNACK_FIN_WAIT_2,
    SYNACK_CLOSE_WAIT,
    SYNACK_CLOSING,
    SYNACK_LAST_ACK,
    SYNACK_TIME_WAIT,
    SYNACK_STATE_COUNT
} synack_tcp_state;

/* A connection's addresses from this host's view, host byte order. */
typedef struct synack_endpoints {
    uint32_t laddr; /* local IPv4 address */
    uint32_t raddr; /* remote IPv4 address */
    uint16_t lport; /* local port */
    uint16_t rport; /* remote port */
    /* 0 (or SYNACK_AF_INET): an IPv4 connection, laddr/raddr; SYNACK_AF_INET6 (10): an
     * IPv6 one, laddr6/raddr6 (network byte order) and laddr/raddr 0. An IPv4 connection
     * of an AF_INET6 socket is IPv4 here: the socket shows it as ::ffff:a.b.c.d. */
    uint8_t family;
    uint8_t laddr6[16]; /* local IPv6 address */
    uint8_t raddr6[16]; /* remote IPv6 address */
} synack_endpoints;

/* The TCP header fields a tx/rx event shows. */
typedef struct synack_seg_info {
    uint8_t flags;       /* TCP flag bits as on the wire (FIN=0x01 ... CWR=0x80) */
    uint32_t seq;        /* absolute sequence number */
    uint32_t ack;        /* absolute acknowledgment number */
    uint32_t len;        /* payload bytes */
    uint32_t win;        /* window field as sent (unscaled) */
    uint16_t mss;        /* MSS option value, if has_mss */
    uint8_t wscale;      /* window scale shift, if has_wscale */
    uint8_t has_mss;     /* MSS option present */
    uint8_t has_wscale;  /* window-scale option present */
    uint8_t sack_ok;     /* SACK-permitted option present */
    uint8_t has_ts;      /* timestamps option present */
    uint8_t nsack;       /* number of SACK blocks */
    uint32_t ts_val;     /* TSval, if has_ts */
    uint32_t ts_ecr;     /* TSecr, if has_ts */
    uint32_t sack[4][2]; /* SACK blocks (left, right) */
    uint8_t ecn;         /* the datagram's ECN field (RFC 3168 5): 0 Not-ECT, 1 ECT(1),
                            2 ECT(0), 3 CE */
} synack_seg_info;

typedef struct synack_event {
    synack_event_type type; /* which union member is valid */
    uint64_t t_us;          /* stack time of the event, microseconds */
    uint8_t has_conn;       /* conn is valid */
    synack_endpoints conn;  /* the connection it concerns */
    int sock;               /* the socket id of that connection (app, state, tx, rx, timer
                               and note events), or of the call (app events: as u.app.sock);
                               -1 when there is none: orphans, embryos and accept-queue
                               entries, TIME-WAIT records, drops, counters */
    union {
        struct {
            const char *call; /* "socket", "connect", "accept", ... */
            int sock;         /* socket id */
            long ret;         /* return value (negative errno on failure) */
        } app;
        struct {
            synack_tcp_state from; /* old state */
            synack_tcp_state to;   /* new state */
            const char *why;       /* what caused it: "connect", "rcv-syn", "rcv-ack", ... */
        } state;
        synack_seg_info seg; /* SYNACK_EV_TX and SYNACK_EV_RX */
        struct {
            const char *reason; /* kebab-case, e.g. "bad-tcp-checksum", "syn-queue-full" */
        } drop;
        struct {
            const char *timer; /* "rexmit", "delack", "persist", "keepalive", "time-wait", ... */
            uint32_t n;        /* how many times in a row this timer fired */
        } timer;
        struct {
            const char *name; /* nstat name, e.g. "ActiveOpens" */
            uint64_t value;   /* current value */
        } counter;
        struct {
            const char *text; /* free text */
        } note;
    } u;
} synack_event;

/* Called synchronously from inside the stack's work: it may read the stack (getsockopt,
 * synack_sock_poll, counters, ...) and may free it (deferred until the call that emitted
 * the event returns), but calls that change it return -EBUSY here. */
typedef void (*synack_event_fn)(void *ctx, const synack_event *ev);

/* The formatters below never crash on NULL: a NULL segment, endpoints or event renders
 * as nothing, a NULL out is never written (the length is still counted). */

/* "CLOSED", "SYN-SENT", ... (RFC 9293 spelling); "?" for a value out of range. */
const char *synack_state_name(synack_tcp_state s);
/* tcpdump letters in the order S F R P . U E W, e.g. "S." for SYN-ACK. out >= 9 bytes. */
void synack_flags_str(uint8_t flags, char out[9]);
/* "mss=1460,ws=7,sackok,ts=100:0,sack=1000-2000" — empty when no options. */
size_t synack_opts_str(const synack_seg_info *seg, char *out, size_t cap);
/* "192.0.2.1:49152>192.0.2.2:80" (out >= 48 bytes), or for IPv6 (RFC 5952)
 * "[2001:db8::1]:49152>[2001:db8::2]:80" (out >= 96 bytes). */
void synack_endpoints_str(const synack_endpoints *ep, char *out, size_t cap);
/* One JSON object (no newline) in the key order of docs/TRACE.md. Returns the length it
 * needs (like snprintf); the output is truncated but NUL-terminated when cap is short. */
size_t synack_event_json(const synack_event *ev, const char *host, char *out, size_t cap);

SYNACK_API_END

#ifdef __cplusplus
}
#endif
#endif
