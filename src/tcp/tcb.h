/* SPDX-License-Identifier: MIT */
/* The transmission control block (RFC 9293 3.3.1) and the listener. */
#ifndef SYNACK_TCP_TCB_H
#define SYNACK_TCP_TCB_H

#include <stddef.h>
#include <stdint.h>

#include "tcp/conn_table.h"
#include "util/timer_wheel.h"
#include "synack/synack.h"
#include "tcp/recvbuf.h"
#include "tcp/sendbuf.h"
#include "wire/tcp_wire.h"

/* Record ends (MSG_EOR) a connection keeps track of at once: a send that would add one
 * more waits (-EAGAIN) until the peer acknowledges the oldest. */
#define TCP_EOR_MAX 16
/* Transmission units remembered for psh_skb_model (skbmodel.c). */
#define TCP_SKB_MAX 32

struct synack_stack;
struct tcp_listener;
struct tcp_cc_ops;
struct tcp_txlog;

/* The TCP settings a socket chooses (its options), in one struct so that they travel by
 * assignment: a listener takes its socket's, a connection it creates takes the listener's
 * (tcp_knobs_inherit says which), an accepted socket takes its connection's, and an orphan
 * keeps a copy of its socket's. A connection reads them through tcp_conn.knobs. */
typedef struct tcp_knobs {
    uint64_t keepidle_us;        /* TCP_KEEPIDLE */
    uint64_t keepintvl_us;       /* TCP_KEEPINTVL */
    uint64_t user_timeout_us;    /* TCP_USER_TIMEOUT, 0 = the retry counts decide */
    const struct tcp_cc_ops *cc; /* TCP_CONGESTION, NULL = the stack's default */
    uint32_t keepcnt;            /* TCP_KEEPCNT */
    uint32_t sndbuf;             /* SO_SNDBUF */
    uint32_t rcvbuf;             /* SO_RCVBUF */
    uint32_t max_pacing_rate;    /* SO_MAX_PACING_RATE, bytes/s; 0 = never set (no cap) */
    int32_t linger_s;            /* SO_LINGER l_linger */
    uint16_t maxseg;             /* TCP_MAXSEG, 0 = from the MTU */
    uint8_t nodelay;             /* TCP_NODELAY */
    uint8_t keepalive;           /* SO_KEEPALIVE */
    uint8_t linger_on;           /* SO_LINGER l_onoff */
    uint32_t notsent_lowat;      /* TCP_NOTSENT_LOWAT, bytes; 0 = the stack's
                                    (cfg.notsent_lowat) */
    uint8_t cork;                /* TCP_CORK */
    uint8_t inq;                 /* TCP_INQ (the host's recvmsg reads it) */
    uint8_t tos;                 /* IP_TOS, ECN bits clear */
    uint8_t pmtudisc;            /* IP_MTU_DISCOVER; IP_PMTUDISC_DONT clears DF */
    uint8_t fastopen_no_cookie;  /* TCP_FASTOPEN_NO_COOKIE */
    uint32_t fastopen_qlen;      /* TCP_FASTOPEN: a listener's Fast Open queue, 0 = none */
    uint8_t syncnt;              /* TCP_SYNCNT, 0 = cfg.syn_retries */
    uint8_t ecn;                 /* SYNACK_TCP_ECN (cfg.ecn's modes) */
    uint8_t timestamps;          /* SYNACK_TCP_TIMESTAMPS (cfg.timestamps) */
    uint8_t oobinline;           /* SO_OOBINLINE: the urgent byte stays in the stream */
    int16_t ttl;                 /* IP_TTL, -1 = the default */
    int16_t hops6;               /* IPV6_UNICAST_HOPS, -1 = the default */
} tcp_knobs;

/* Where a connection sits besides the connection table. */
typedef enum tcp_queue {
    TCPQ_NONE,      /* owned by a socket, or an orphan */
    TCPQ_SYN,       /* a listener's SYN (half-open) queue */
    TCPQ_ACCEPT,    /* a listener's accept (full) queue */
    TCPQ_TIME_WAIT, /* the stack's TIME-WAIT list, oldest first */
} tcp_queue;

/* Timers a connection can have running; each has its own deadline, and the connection's
 * one wheel node is armed at the earliest of them. */
typedef enum tcp_timer {
    TT_REXMIT,    /* retransmission (SYN, SYN-ACK, data, FIN), RFC 6298 */
    TT_PERSIST,   /* zero-window probe, RFC 9293 3.8.6.1 */
    TT_DELACK,    /* delayed ACK, RFC 1122 4.2.3.2 */
    TT_KEEPALIVE, /* keepalive idle/interval, RFC 1122 4.2.3.6 */
    TT_2MSL,      /* TIME-WAIT and the orphaned FIN-WAIT-2 limit */
    TT_PACE,      /* pacing: the next data segment may leave (pacing.c) */
    TT_LINGER,    /* SO_LINGER {1,T>0}: the time close() gave the FIN to be acknowledged
                     (linger.c) */
    TT_COUNT
} tcp_timer;

/* State that only matters while a connection is busy (data or a SYN/FIN in flight, a
 * retransmission run, SACK recovery, out-of-order or duplicate data to report, an owed ACK)
 * or before it is accepted. It lives in a block allocated from the stack allocator on the
 * transition idle -> busy and given back when the connection is idle again (tcp_xfer_attach
 * and tcp_xfer_release in conn.c), so an idle ESTABLISHED connection holds only the hot part
 * below. Every field has a value that is implied while idle (tcp_xfer_attach sets it). */
typedef struct tcp_xfer {
    struct tcp_listener *listener;    /* the listener whose queue holds us, or NULL */
    struct tcp_conn *q_prev, *q_next; /* links in the queue named by `queue` */
    tcp_sack_block *sb;               /* SACKed ranges above snd_una, sorted, disjoint; room for
                                         TCP_SACK_SCOREBOARD and, after them, the span of ranges
                                         forgotten when it was full; allocated on the first SACK block
                                         (a loss-free connection never pays for it) */
    uint64_t deadline[TT_COUNT];      /* absolute time per timer, UINT64_MAX when stopped;
                                         [TT_KEEPALIVE] unused (tcp_conn.keep_at); read and
                                         written through tcp_deadline and tcp_timer_set/stop */
    uint64_t rtt_start;               /* when rtt_seq was sent */
    uint64_t idle_at;                 /* when an idle connection gives the block back (it lingers
                                         while it holds buffer storage, a scoreboard or a transmit
                                         log, so request/response traffic does not allocate per
                                         exchange); 0 while busy */
    uint64_t first_rexmit_at;         /* when the current run of retransmissions started */
    uint64_t rexmit_sent_at;          /* when the last timeout resent SND.UNA (RFC 6069) */
    uint32_t rtt_seq;                 /* the sequence number being timed (while rtt_timing) */
    uint32_t dupacks;                 /* duplicate ACKs in a row, RFC 5681 */
    uint32_t limited_xmit;            /* bytes beyond cwnd that RFC 3042 limited transmit allows
                                         after the first two duplicate ACKs */
    uint32_t nsb;                     /* ranges in sb */
    uint32_t sacked_bytes;            /* bytes the ranges cover */
    uint32_t high_rxt;                /* lost bytes below this were resent in this recovery */
    uint32_t prr_delivered;           /* RFC 9937: bytes delivered since recovery began */
    uint32_t prr_out;                 /* RFC 9937: bytes sent since recovery began */
    uint32_t recover_fs;              /* RFC 9937 RecoverFS: the flight when recovery began */
    uint32_t high_sacked;             /* highest sequence number ever SACKed (the forward-most
                                         byte the receiver holds; when the scoreboard is full its
                                         highest ranges are forgotten, sack.c) */
    uint32_t segs_since_ack;          /* full segments received since we last ACKed */
    uint32_t persist_backoff;         /* zero-window probes sent in a row */
    uint32_t sack_recent;             /* first byte of the latest out-of-order segment: the first
                                         SACK block reports its range (RFC 2018 4) */
    uint32_t dsack_left;              /* RFC 2883: a duplicate range received, reported as the
                                         first SACK block of the next ACK (while dsack_pending) */
    uint32_t dsack_right;             /* one past its last byte */
    uint32_t rcv_fin_seq;             /* sequence number of a FIN that arrived ahead of data
                                         (while fin_rcvd_ooo) */
    sendbuf snd;                      /* bytes written, not yet acknowledged */
    uint32_t snd_buf_seq;             /* sequence number of the first byte in `snd` (snd_una when
                                         idle) */
    recvbuf rcv;                      /* bytes received, not yet read, plus out-of-order ranges */
    struct tcp_txlog *txlog;          /* the transmit log (txlog.c): per-segment records plus the
                                         state of RACK-TLP (rack.c) and rate sampling (rate.c);
                                         NULL until one of them needs it; freed with the block
                                         (RACK starts afresh after an idle period) */
    uint32_t iss;                     /* initial send sequence number (used before ESTABLISHED) */
    uint32_t irs;                     /* initial receive sequence number (idem) */
    uint32_t snd_recover;             /* NewReno "recover", RFC 6582 (snd_una when idle: at or
                                         below it, every use reads the same) */
    uint32_t snd_sml;                 /* end of the last sub-MSS segment sent (Minshall's Nagle,
                                         cfg.nagle_minshall); at or below snd_una means none in
                                         flight */
    uint32_t max_flight;              /* cfg.cwnd_limited_growth: the largest flight, bytes, in
                                         the window that ends at cwnd_usage_seq */
    uint32_t cwnd_usage_seq;          /* snd_nxt when that window began */
    uint8_t cwnd_limited;             /* the flight filled cwnd in that window */
    uint8_t rto_reverted;             /* RTO backoffs ICMP unreachables undid in this run of
                                         timeouts (RFC 6069; saturates): when nonzero, the run
                                         ends by time, not by count */
    uint32_t ack_rtt;                 /* cfg.hystart_linux: the round trip the ACK being
                                         processed measured, for the controller once SND.UNA
                                         has moved (0: none) */
    /* Fast Open, the client (fastopen.c; RFC 7413), before ESTABLISHED: */
    uint8_t tfo_defer;      /* TCP_FASTOPEN_CONNECT: SYN-SENT, but the SYN waits for the first
                               send, whose data it carries */
    uint8_t tfo_opt;        /* our first SYN carried the option (a cookie or a request) */
    uint8_t tfo_exp;        /* ... in the experimental kind-254 form */
    uint8_t tfo_data;       /* our first SYN carried data */
    uint16_t tfo_syn_mss;   /* the MSS a SYN sent again announces after the one with data was
                               too big for the path (ICMP), 0: rcv_mss */
    uint32_t syn_stamp;     /* our TSval clock when the first SYN left (cfg.synsent_paws) */
    uint32_t ecn_high;      /* RFC 3168 6.1.2: SND.NXT when ECE last reduced cwnd
                               (while ecn_cwr_window) */
    uint8_t ecn_cwr_window; /* an ECE reduced cwnd and nothing sent after it has
                               been acknowledged yet: further ECEs are the same
                               congestion (0 when idle: everything was acknowledged) */

    /* --- congestion control: the algorithm's own state. An algorithm with a `restart`
     * hook starts afresh after an idle period (RFC 5681 4.1, RFC 9438 5.8: the window
     * stays in the TCB, the epoch and counters do not); one without (BBR, whose model
     * must outlive idle periods) keeps the block. --- */
    uint32_t bytes_acked_ca; /* RFC 5681 3.1 appropriate byte counting in avoidance */
    uint64_t cc_priv[8];     /* the algorithm's own state */

    /* --- pacing (pacing.c): a token bucket in payload bytes; a pacing connection keeps
     * the block, so the bucket is never forgotten --- */
    uint32_t pacing_rate; /* bytes/s set by a controller with cong_control (BBR) */
    int32_t pace_credit;  /* what may leave now, in 1/64 bytes; below 0 after a
                             retransmission that did not wait */
    uint32_t pace_stamp;  /* when pace_credit was last brought up to date: the low 32
                             bits of the µs clock (only differences are used) */
    uint32_t pacing_max;  /* SO_MAX_PACING_RATE, bytes/s; 0 = no cap */

    /* --- the knobs of a connection without a socket (an embryo's, inherited from its
     * listener; an orphan's, its socket's last): tcp_conn.knobs points here then. A
     * connection without a socket is never idle, so it keeps this block. --- */
    tcp_knobs knobs;

    /* --- record ends (MSG_EOR, record.c): the sequence number after each record's last
     * byte, oldest first, a ring from eor_head; no segment, new or resent, carries bytes of
     * two records. Marks at or below snd_una are stale and dropped as they are met. --- */
    uint8_t eor_head; /* index of the oldest mark */
    uint8_t eor_len;  /* marks held */
    uint32_t eor[TCP_EOR_MAX];
    /* --- Fast Open (fastopen_server.c), before ESTABLISHED --- */
    uint32_t tfo_lid;     /* a Fast Open child (RFC 7413 4.2.2: accepted and able to send
                             before its handshake completes) still in SYN-RECEIVED: the id
                             of the listener whose tfo_pending counts it (0: none) */
    uint16_t tfo_syn_len; /* bytes the SYN brought (quickack_fin: no data segment yet) */
    uint8_t tfo_reply;    /* the SYN-ACK carries our cookie (computed as it is sent): 0 no,
                             TFO_REPLY_34 or TFO_REPLY_EXP, the form the SYN used */
    /* --- a held SYN (hold.c), while tcp_conn.held --- */
    uint64_t held_since;   /* when the SYN arrived */
    uint32_t held_retrans; /* retransmitted SYNs absorbed */
    /* --- cfg.write_pending_delack (Linux's sk_write_pending and pingpong mode) --- */
    uint8_t write_pending; /* SYN-SENT: the opening call blocks with data left to send */
    uint8_t pingpong;      /* interactive: quick-ACK mode is off until a delayed ACK fires */
    uint64_t reply_by;     /* data sent before this makes the connection interactive (0:
                              not watching) */
    /* --- four parts, their fields ordered by size so that the block packs tightly; each
     * field names its part:
     * mtu: path MTU (mtu.c), what snd_mss comes from, and Packetization-Layer PMTUD
     *   (RFC 4821). All 0 in a block that came back after an idle period: mtu.c then takes
     *   the MSS in use as the largest and searches no more (a searching connection is
     *   never idle).
     * ldrop: local drops (ldrop.c), the output callback refused a data segment.
     * urg: urgent data (urgent.c; RFC 9293 3.8.5, RFC 6093), the peer's mark; while
     *   urg_state is not TCP_URG_NONE the block is kept.
     * skb: cfg.psh_skb_model (skbmodel.c), where each first transmission of the data above
     *   snd_una ended, as Linux's skbs in its retransmit queue, oldest first, a ring from
     *   skb_head; a SACK resend is cut and flagged as Linux resends those skbs. Ends at or
     *   below snd_una are stale and dropped as they are met; when full the oldest goes
     *   (SkbRecordFull) and its unit merges into the next. --- */
    uint64_t probe_stamp; /* mtu: when the search last began (cfg.probe_interval_us) */
    uint64_t ldrop_since; /* ldrop: when the first refused resource probe fired
                             (TCP_USER_TIMEOUT counts from there, as Linux's
                             icsk_probes_tstamp); while ldrop_probes */
    uint32_t probe_start; /* mtu: the probe's sequence numbers */
    uint32_t probe_end;
    uint32_t ldrop_probes; /* ldrop: resource probes refused in a row (tcpi_probes) */
    uint32_t urg_seq;      /* urg: sequence number of the urgent byte (the pointer minus one) */
    uint32_t snd_up;       /* urg: sequence number after the last byte of the last MSG_OOB
                              send */
    uint32_t skb_psh;      /* skb: bit i: the unit ending at skb_end[i] carried PSH as written
                              (the end of a write or a record, Fast Open's SYN data), kept on
                              resends */
    uint32_t skb_end[TCP_SKB_MAX];
    uint32_t skb_srtt;    /* skb: Linux's smoothed RTT, µs, sampled on every ACK (0: none
                             yet) */
    uint16_t mss_clamp;   /* mtu: the largest MSS, before options: the peer's and ours */
    uint16_t pmtu_cookie; /* mtu: the path MTU snd_mss was last computed from */
    uint16_t route_mtu;   /* mtu: the route's MTU (synack_route) when snd_mss was computed */
    uint16_t route_seen;  /* mtu: ... when we last sent: a change reaches snd_mss on the
                             next send, as Linux's cached route does */
    uint16_t search_low;  /* mtu: RFC 4821 7.2: an MTU known to work */
    uint16_t search_high; /* mtu: ... the largest that may */
    uint16_t probe_mtu;   /* mtu: the probe in flight (its MTU); 0: none */
    uint8_t mtup_on;      /* mtu: probing (cfg.mtu_probing 2, or 1 after a black hole) */
    uint8_t ldrop;        /* ldrop: TT_PERSIST is the resource probe, not a window probe */
    uint8_t urg_state;    /* urg: TCP_URG_NONE, _NOTYET (byte not arrived), _VALID, _READ */
    uint8_t urg_byte;     /* urg: the urgent byte, once TCP_URG_VALID */
    uint8_t snd_urg;      /* urg: MSG_OOB was sent: snd_up is the sending mark until acked */
    uint8_t skb_head;     /* skb: index of the oldest end */
    uint8_t skb_len;      /* skb: ends held */
    int linger_sock;      /* linger: the closed socket whose "linger" event is owed */
    uint8_t linger_wait;  /* linger: that event is owed (TT_LINGER runs unless no limit) */
} tcp_xfer;

typedef struct tcp_conn {
    ct_node node;            /* connection-table entry; key = the 4-tuple */
    tw_node tnode;           /* wheel entry, armed at the earliest deadline (keep_at and
                                x->deadline[]) or at x->idle_at */
    struct synack_stack *st; /* owning stack */
    tcp_xfer *x;             /* the transfer block, NULL while idle (see tcp_xfer) */
    synack_tcp_state state;  /* RFC 9293 state */
    int sock;                /* socket id, -1 for orphans, embryos and accept-queue entries */

    /* --- send sequence space, RFC 9293 3.3.1 --- */
    uint32_t snd_una;     /* oldest unacknowledged sequence number */
    uint32_t snd_nxt;     /* next sequence number to send (moved back on RTO) */
    uint32_t snd_max;     /* highest sequence number sent + 1 */
    uint32_t snd_wnd;     /* peer's window, bytes (scaled) */
    uint32_t max_snd_wnd; /* largest window the peer offered (RFC 5961 5.2) */
    uint32_t snd_wl1;     /* segment sequence number used for the last window update */
    uint32_t snd_wl2;     /* segment acknowledgment number used for the last window update */

    /* --- receive sequence space --- */
    uint32_t rcv_nxt; /* next sequence number expected */
    uint32_t rcv_adv; /* right edge of the window we advertised last */

    /* --- negotiated options --- */
    uint16_t snd_mss;   /* largest segment payload we send */
    uint16_t rcv_mss;   /* the MSS we advertised */
    uint8_t snd_wscale; /* peer's shift, applied to windows it sends */
    uint8_t rcv_wscale; /* our shift, applied to windows we send */
    uint8_t queue;      /* tcp_queue: which queue x->q_prev/q_next belong to */
    uint8_t quickacks;  /* data segments still ACKed at once (Linux quick-ACK at the
                           start of a connection, at most TCP_MAX_QUICKACKS, tcp.h) */
    uint32_t ts_recent; /* TS.Recent, RFC 7323 4.3 */
    uint32_t ts_offset; /* random offset added to our TSval clock */

    /* --- flags --- */
    unsigned ws_ok : 1;          /* both sides sent window scale */
    unsigned ts_ok : 1;          /* both sides sent timestamps */
    unsigned sack_ok : 1;        /* both sides sent SACK-permitted */
    unsigned passive : 1;        /* opened from a listener */
    unsigned fin_queued : 1;     /* the application shut down writing: FIN follows the data */
    unsigned fin_rcvd_ooo : 1;   /* x->rcv_fin_seq is valid */
    unsigned rd_closed : 1;      /* FIN received and consumed: no more data will arrive */
    unsigned nodelay : 1;        /* TCP_NODELAY: no Nagle */
    unsigned keepalive : 1;      /* SO_KEEPALIVE */
    unsigned in_recovery : 1;    /* NewReno fast recovery */
    unsigned rtt_timing : 1;     /* x->rtt_seq is being timed (Karn's algorithm) */
    unsigned ack_now : 1;        /* an ACK must go out at the next output */
    unsigned delack_pending : 1; /* an ACK is owed but may wait for the delayed-ACK timer */
    unsigned tlp_armed : 1;      /* the REXMIT deadline is a tail-loss probe (RFC 8985 7) */
    unsigned tlp_out : 1;        /* a probe was sent and nothing new was acknowledged since */
    unsigned rack_reo : 1;       /* the REXMIT deadline is RACK's reordering timer (rack.c) */
    unsigned sws_override : 1;   /* the persist timer fired on a small open window: send what
                                    fits, SWS avoidance aside (RFC 1122 4.2.3.4) */
    unsigned pacing : 1;         /* data segments leave no faster than the pacing rate
                                    (config `pacing`, SO_MAX_PACING_RATE; BBR always paces) */
    unsigned dsack_pending : 1;  /* x->dsack_left..dsack_right goes out once, on the next ACK */
    unsigned rexmit_recent : 1;  /* something was resent since the block was last found idle:
                                    a D-SACK (RFC 2883) may still come for RACK to learn from,
                                    so the block stays until one more event (conn.c) */
    unsigned more_once : 1;      /* this send had MSG_MORE: its output holds the tail too */
    unsigned push_once : 1;      /* TCP_NODELAY was just set: this output ignores corks */
    unsigned more_tail : 1;      /* the last send had MSG_MORE: the data's end is no push
                                    point (no PSH there, as Linux marks no push) */
    unsigned errq_track : 1;     /* its socket awaits transmissions or acknowledgments of
                                    sends for its error queue (stack/errqueue.c) */
    unsigned keep_probes : 7;    /* unanswered keepalive probes (at most TCP_KEEPCNT, 127:
                                    7 bits, so the flags stay one word) */
    unsigned tfo_data_acked : 1; /* the SYN-ACK acknowledged all of it (TCPI_OPT_SYN_DATA); a
                                    Fast Open listener's child: its SYN's data was accepted */
    uint32_t ts_recent_age_s;    /* when TS.Recent was set, whole seconds (tcp_age_s): only
                                    the 24-day PAWS rule reads it (RFC 7323 5.5) */

    /* --- retransmission, RFC 6298 --- */
    uint32_t srtt_us;   /* smoothed RTT, 0 before the first sample */
    uint32_t rttvar_us; /* RTT variation */
    uint32_t rto_us;    /* current RTO before backoff */
    uint32_t cwnd;      /* congestion window, bytes */

    /* --- congestion control (cwnd is above; fields are ordered to pack) --- */
    uint32_t ssthresh;   /* slow-start threshold, bytes */
    uint32_t snd_cap;    /* x->snd's capacity while there is no block (an idle
                            connection's buffers are empty and hold no storage) */
    uint32_t rcv_cap;    /* x->rcv's capacity while there is no block (idem) */
    uint32_t reord_seen; /* (stats, here to pack) ACKs that showed reordering (RACK, rack.c) */
    uint32_t last_data_sent_ms;  /* (stats, here to pack) when data last left (as
                                    last_data_recv_ms) */
    const struct tcp_cc_ops *cc; /* the congestion control algorithm */

    /* --- application --- */
    int16_t error;      /* pending error (negative errno) for the socket */
    int16_t soft_error; /* last ICMP soft error (negative errno), RFC 1122 4.2.3.9 */
    uint8_t backoff;    /* consecutive RTO expiries (at most the 255 retries allowed) */
    /* ECN (ecn.c) and the held bit (hold.c) in the word the two errors leave before `knobs`: the
     * flags above fill theirs, and the idle TCB stays within its budget */
    unsigned ecn_ok : 1;    /* RFC 3168 6.1.1: ECN was negotiated on the handshake */
    unsigned ecn_ece : 1;   /* RFC 3168 6.1.3: a CE mark arrived; ACKs carry ECE until a
                               CWR arrives */
    unsigned ecn_cwr : 1;   /* RFC 3168 6.1.2: cwnd was reduced for an ECE; the next new
                               data segment carries CWR */
    unsigned held : 1;      /* a held SYN awaiting the application's verdict (hold.c):
                               nothing sent yet, TT_REXMIT is its expiry */
    const tcp_knobs *knobs; /* the socket options in force: the owning socket's (so a
                               setsockopt applies at once), else x->knobs; NULL: the
                               stack's defaults (an orphan that found no memory) */

    /* --- timers (the other deadlines are in x: an idle connection runs none of them) --- */
    uint64_t keep_at;  /* the keepalive deadline, UINT64_MAX when stopped */
    uint64_t last_rcv; /* when a segment last arrived (keepalive idle) */

    /* --- statistics for TCP_INFO (32-bit where Linux keeps them so: an idle TCB has no
     * room to spare) --- */
    uint64_t bytes_acked;    /* bytes sent and acknowledged */
    uint64_t bytes_received; /* bytes received in order */
    uint32_t segs_out;       /* segments sent */
    uint32_t segs_in;        /* segments received */
    uint32_t total_retrans;  /* segments retransmitted */

    uint32_t last_data_recv_ms; /* when in-order data last arrived (or the connection was
                                   established): tcp_ms() */
} tcp_conn;

/* Linux's chronographs (tcpi_busy_time and friends): time spent with data to send, the
 * part of it stalled by the peer's window, the part stalled by a full send buffer. At most
 * one runs, the highest type whose condition holds. Only a connection with a socket sends
 * data and can be asked, so they live in the socket (synack_sock.chrono). */
enum { TCP_CHRONO_NONE, TCP_CHRONO_BUSY, TCP_CHRONO_RWND, TCP_CHRONO_SNDBUF, TCP_CHRONO_N };
typedef struct tcp_chrono {
    uint64_t start;                   /* when `type` began */
    uint64_t total[TCP_CHRONO_N - 1]; /* µs per type, [type - 1], the running one aside */
    uint8_t type;                     /* TCP_CHRONO_* running */
} tcp_chrono;

/* A time in milliseconds, modulo 2^32 (only differences are used), for the TCB's 32-bit
 * stamps. */
static inline uint32_t tcp_ms(uint64_t now)
{
    return (uint32_t)(now / 1000);
}

typedef struct tcp_listener {
    struct tcp_listener *next; /* next listener of the stack */
    uint32_t laddr;            /* bound address, 0 = any */
    uint16_t lport;            /* bound port */
    /* An AF_INET6 socket's (in what was padding): v6only IPV6_V6ONLY; bound6 bound to the
     * netif's IPv6 address, else to :: or (laddr set) ::ffff:laddr */
    unsigned v6 : 1, v6only : 1, bound6 : 1;
    int sock;                      /* socket id */
    uint32_t backlog;              /* accept-queue limit, from listen() */
    uint32_t syn_max;              /* SYN-queue limit */
    tcp_conn *syn_head, *syn_tail; /* half-open connections, oldest first */
    uint32_t syn_len;              /* entries in the SYN queue */
    tcp_conn *acc_head, *acc_tail; /* established, not yet accepted, oldest first */
    uint32_t acc_len;              /* entries in the accept queue */
    tcp_knobs knobs;               /* its socket's, kept equal by every setsockopt; what the
                                      connections it creates inherit (tcp_knobs_inherit) */
    uint32_t id;                   /* unique in the stack (never 0): Fast Open children name
                                      their listener by it, since they outlive accept() */
    uint32_t tfo_pending;          /* Fast Open children still in SYN-RECEIVED (RFC 7413 5.1:
                                      bounded by the Fast Open queue) */
    uint32_t hold_ms;              /* SYNACK_TCP_HOLD_SYN: hold SYNs this long; 0 = answer */
    uint32_t held;                 /* SYN-queue entries still held (hold.c) */
} tcp_listener;

/* When timer t fires, UINT64_MAX when stopped. */
static inline uint64_t tcp_deadline(const tcp_conn *c, tcp_timer t)
{
    if (t == TT_KEEPALIVE)
        return c->keep_at;
    return c->x ? c->x->deadline[t] : UINT64_MAX;
}

/* Sets a deadline without touching the wheel; c->x must be there unless t is the
 * keepalive or `when` is UINT64_MAX. */
static inline void tcp_deadline_put(tcp_conn *c, tcp_timer t, uint64_t when)
{
    if (t == TT_KEEPALIVE)
        c->keep_at = when;
    else if (c->x)
        c->x->deadline[t] = when;
}

/* The TCB that embeds a connection-table node of kind CT_CONN. */
static inline tcp_conn *tcp_conn_of(ct_node *n)
{
    return (tcp_conn *)(void *)((char *)n - offsetof(tcp_conn, node));
}

/* The TCB whose wheel node this is. */
static inline tcp_conn *tcp_conn_of_timer(tw_node *n)
{
    return (tcp_conn *)(void *)((char *)n - offsetof(tcp_conn, tnode));
}

#endif
