/* SPDX-License-Identifier: MIT */
/* The TCP engine's internal interface: one header for the files of src/tcp. */
#ifndef SYNACK_TCP_TCP_H
#define SYNACK_TCP_TCP_H

#include <stdint.h>
#include <string.h>

#include "stack/stack_impl.h"
#include "tcp/seq.h"
#include "tcp/tcb.h"
#include "wire/ipv4.h"
#include "wire/tcp_wire.h"

/* --- numbers the RFCs (or Linux, for the profile) fix --- */
/* RFC 9293 3.7.1: the MSS a peer takes when a SYN carries no MSS option. */
#define TCP_DEFAULT_MSS 536u
/* RFC 6691: room the timestamps option (10 bytes, padded to 12) takes from every segment. */
#define TCP_TS_OPT_SPACE 12u
/* The smallest send MSS a peer can talk us down to (a floor against tiny segments). */
#define TCP_MIN_SND_MSS 64u
/* RFC 7323 5.5: a TS.Recent older than 24 days is no longer valid for PAWS. */
#define TCP_PAWS_IDLE_US (24ull * 24 * 3600 * 1000000)
/* RFC 7323 4 RTTM: an echoed timestamp at least this old (ms) gives no RTT sample. */
#define TCP_RTTM_MAX_MS 60000u
/* RFC 1122 4.2.3.2 / RFC 5681 4.2: an ACK at least every this many full segments. */
#define TCP_ACK_EVERY_SEGS 2u
/* RFC 6298 5.7: after a lost SYN or SYN-ACK, data transfer starts with an RTO of 3 s. */
#define TCP_RTO_SYN_LOST_US 3000000u
/* Linux's quick-ACK mode at the start of a connection (cfg.quickack_start, linux
 * profile): this many data segments are ACKed at once (tcb.h quickacks). */
#define TCP_MAX_QUICKACKS 16
/* Linux's delayed-ACK bounds (TCP_ATO_MIN, TCP_DELACK_MAX), for cfg.write_pending_delack:
 * a reply sent within the first of the last arrival makes a connection interactive; the
 * SYN-ACK's ACK waits at most the second for the blocked writer's data. */
#define TCP_ATO_MIN_US 40000u
#define TCP_DELACK_MAX_US 200000u

/* Whether a call freed its connection: the one convention of every function in src/tcp
 * that can free the connection it is given (segment processing, timers, TIME-WAIT
 * compaction, the accept queue). TCP_FREED is 0, so `if (!f(c)) return;` reads "stop if
 * c is gone"; after TCP_FREED the caller must not touch c. */
typedef enum tcp_ret {
    TCP_FREED = 0, /* the connection was freed */
    TCP_DONE = 1,  /* the connection lives; the segment (or event) is finished with */
    TCP_CONT = 2,  /* the connection lives; go on with the next step */
} tcp_ret;

/* What tcp_input knows about the segment it is processing, passed down with it. */
typedef struct tcp_rx {
    const uint8_t *staged; /* the payload, when its bytes were already copied into its
                              connection's receive ring while the checksum was verified
                              (recvbuf_stage); NULL otherwise */
    uint16_t gso_size;     /* the gso_size of a super-packet (synack_rx_meta), 0 for an
                              ordinary frame */
    uint8_t ecn;           /* the datagram's ECN field (IP_ECN_*, RFC 3168 5) */
} tcp_rx;

/* Whether endpoints are an IPv6 connection's (synack_endpoints.family). */
static inline int tcp_ep_v6(const synack_endpoints *ep)
{
    return ep->family == SYNACK_AF_INET6;
}

/* The 4-tuple of an IPv6 node (a TCB or a TIME-WAIT record), as events report it. */
static inline void tcp_node6_endpoints(const conn_table *t, const ct_node *n, synack_endpoints *ep)
{
    *ep =
        (synack_endpoints){.family = SYNACK_AF_INET6, .lport = n->key.lport, .rport = n->key.rport};
    memcpy(ep->laddr6, ct_laddr6(t, n), 16);
    memcpy(ep->raddr6, ct_raddr6(t, n), 16);
}

/* The 4-tuple of an IPv4 connection-table key, as events report it (a TCB or a TIME-WAIT
 * record); an IPv6 node's is tcp_node6_endpoints'. */
static inline void tcp_key_endpoints(const ct_key *k, synack_endpoints *ep)
{
    *ep = (synack_endpoints){0}; /* IPv4: family and the IPv6 fields zero */
    ep->laddr = k->laddr;
    ep->raddr = k->raddr;
    ep->lport = k->lport;
    ep->rport = k->rport;
}

/* The doubly linked queues of x->q_prev/q_next (a listener's SYN and accept queues, the
 * TIME-WAIT list), given by their head and tail pointers. */
static inline void tcp_q_append(tcp_conn **head, tcp_conn **tail, tcp_conn *c)
{
    c->x->q_next = NULL;
    c->x->q_prev = *tail;
    if (*tail)
        (*tail)->x->q_next = c;
    else
        *head = c;
    *tail = c;
}

static inline void tcp_q_remove(tcp_conn **head, tcp_conn **tail, tcp_conn *c)
{
    if (c->x->q_prev)
        c->x->q_prev->x->q_next = c->x->q_next;
    else
        *head = c->x->q_next;
    if (c->x->q_next)
        c->x->q_next->x->q_prev = c->x->q_prev;
    else
        *tail = c->x->q_prev;
    c->x->q_prev = c->x->q_next = NULL;
}

/* A time in whole seconds, saturating: how TS.Recent's age is kept (tcp_conn and the
 * compact TIME-WAIT record), since only the 24-day rule reads it. */
static inline uint32_t tcp_age_s(uint64_t now)
{
    uint64_t s = now / 1000000;
    return s >= UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}
/* Back to microseconds; a saturated age (past 136 years) reads as now, so PAWS stays on. */
static inline uint64_t tcp_age_us(uint64_t now, uint32_t age_s)
{
    return age_s == UINT32_MAX ? now : (uint64_t)age_s * 1000000;
}

/* --- rules both TIME-WAIT representations (a full TCB, a compact record) apply --- */
/* RFC 7323 5.3 PAWS, as limited by 5.5: 1 if the segment's TSval is older than a TS.Recent
 * (set at ts_recent_age) that is still valid, i.e. younger than 24 days. Callers check
 * that timestamps are in use and the segment carries one. */
static inline int tcp_paws_old(uint64_t now, uint32_t ts_recent, uint64_t ts_recent_age,
                               const tcp_seg *seg)
{
    uint64_t idle = now > ts_recent_age ? now - ts_recent_age : 0;
    return seq_lt(seg->opts.ts_val, ts_recent) && idle < TCP_PAWS_IDLE_US;
}
/* What TIME-WAIT knows of the old connection, whichever way it is kept. */
typedef struct tcp_tw_view {
    uint32_t rcv_nxt;       /* past the peer's FIN */
    uint32_t ts_recent;     /* TS.Recent, when ts_ok */
    uint64_t ts_recent_age; /* when TS.Recent was set */
    int ts_ok;              /* timestamps in use */
} tcp_tw_view;
/* RFC 9293 3.10.7.4 note, RFC 1122 4.2.2.13, RFC 6191: whether a SYN (no ACK) for a
 * 4-tuple in TIME-WAIT may reopen it — a newer timestamp, or with equal (or no)
 * timestamps a sequence number beyond the old connection's (timewait.c). */
int tcp_tw_syn_reopens(const tcp_tw_view *v, const tcp_seg *seg);
/* A TIME-WAIT segment that PAWS rejects (tcp_paws_old with the view). */
static inline int tcp_tw_paws(uint64_t now, const tcp_tw_view *v, const tcp_seg *seg)
{
    return v->ts_ok && seg->opts.has_ts && tcp_paws_old(now, v->ts_recent, v->ts_recent_age, seg);
}

/* --- conn.c: life cycle, state, timers --- */
tcp_conn *tcp_conn_new(synack_stack *st, const synack_endpoints *ep);
/* The full TCB for a 4-tuple, or NULL (none, or only a compact TIME-WAIT record). */
tcp_conn *tcp_conn_find(synack_stack *st, const synack_endpoints *ep);
/* The table node (a TCB or a TIME-WAIT record) for a 4-tuple of either family, or NULL. */
ct_node *tcp_node_find(synack_stack *st, const synack_endpoints *ep);
/* Unlinks the connection from everything and frees it. Sends nothing. */
void tcp_conn_free(tcp_conn *c);
/* Gives c its transfer block (tcb.h tcp_xfer) if it has none: 0, or -ENOMEM (counted as
 * NoMemory; the caller treats the event like a memory drop). */
int tcp_xfer_attach(tcp_conn *c);
/* How long an idle connection keeps a block that holds storage (conn.c). */
#define TCP_XFER_LINGER_US 1000000u
/* Gives the transfer block back if c is idle (conn.c xfer_idle); c stays usable, but code
 * that touches c->x must attach again first. */
void tcp_xfer_release(tcp_conn *c);
/* What a connection a listener creates takes from the listener's knobs: all of them but
 * TCP_MAXSEG, TCP_USER_TIMEOUT, SO_MAX_PACING_RATE and SO_LINGER. */
void tcp_knobs_inherit(tcp_knobs *to, const tcp_knobs *from);
/* Keepalive and user-timeout knobs: the connection's (c->knobs), else the stack's
 * defaults. */
uint64_t tcp_keepidle_us(const tcp_conn *c);
uint64_t tcp_keepintvl_us(const tcp_conn *c);
uint32_t tcp_keepcnt(const tcp_conn *c);
uint64_t tcp_user_timeout_us(const tcp_conn *c);
/* The one place that changes TCP state (docs/ARCHITECTURE.md); emits the state event. */
void tcp_set_state(tcp_conn *c, synack_tcp_state to, const char *why);
/* Ends the connection: reports err (negative errno, 0 for none) to its socket, moves it to
 * CLOSED and frees it. The caller must not touch c afterwards. */
void tcp_conn_close(tcp_conn *c, int err, const char *why);
void tcp_timer_set(tcp_conn *c, tcp_timer t, uint64_t when);
void tcp_timer_stop(tcp_conn *c, tcp_timer t);
/* Re-arms the wheel node at the earliest deadline (after timers ran). */
void tcp_timers_rearm(tcp_conn *c);
const char *tcp_timer_name(tcp_timer t);
void tcp_conn_endpoints(const tcp_conn *c, synack_endpoints *ep);
/* Moves the connection to TIME-WAIT and starts 2*MSL (recycling the oldest entry when the
 * TIME-WAIT table is full). */
void tcp_enter_time_wait(tcp_conn *c, const char *why);
/* RFC 9293 3.4: starts the send sequence space at iss (our SYN takes iss; data starts at
 * iss + 1) and times the SYN. Every opening (connect, a listener's SYN, a SYN cookie)
 * goes through here. */
void tcp_sendseqinit(tcp_conn *c, uint32_t iss);
/* Bytes of window we can advertise now (before scaling). */
uint32_t tcp_rcv_window(const tcp_conn *c);
/* Sequence number just past the data the application has written. */
static inline uint32_t tcp_snd_data_end(const tcp_conn *c)
{
    return c->x ? c->x->snd_buf_seq + sendbuf_len(&c->x->snd) : c->snd_una;
}
/* --- notsent.c: TCP_NOTSENT_LOWAT --- */
/* The mark in force: the socket's, else the stack's; UINT32_MAX: none. */
static inline uint32_t tcp_notsent_lowat(const tcp_conn *c)
{
    const tcp_knobs *k = c->knobs;
    return k && k->notsent_lowat ? k->notsent_lowat : c->st->cfg.notsent_lowat;
}
/* Bytes queued and never sent. */
uint32_t tcp_notsent(const tcp_conn *c);
/* Whether (not-sent bytes << wake) is below the mark: wake 0 lets a send start a chunk,
 * wake 1 is poll()'s POLLOUT. Always 1 without a mark. */
int tcp_notsent_ok(const tcp_conn *c, int wake);
/* How many bytes a send fills before it checks the mark again (Linux's size goal). */
uint32_t tcp_send_chunk(const tcp_conn *c);

/* --- skbmodel.c: Linux's transmission units, for cfg.psh_skb_model --- */
/* Bytes of the unit Linux would send next as new data at SND.NXT: cw is cwnd (bytes, with
 * limited transmit), inflight the bytes in flight, room what may be sent now at most. */
uint32_t tcp_skb_unit(const tcp_conn *c, uint32_t mss, uint32_t cw, uint32_t inflight,
                      uint32_t room);
/* An ACK moved SND.UNA from una_before (before the transmit log forgets what it passed):
 * Linux's RTT sample for the TSO size. */
void tcp_skb_rtt(tcp_conn *c, uint32_t una_before);
/* A first transmission's unit ended at end (psh: it carried PSH as written, not only as
 * a unit of several segments): remembered for its resends. */
void tcp_skb_sent(tcp_conn *c, uint32_t end, int psh);
/* Bytes of the unit Linux would resend at seq (within the unit first sent there, below
 * the next SACKed byte, as many whole segments as room bytes allow, at least one); *psh
 * says whether that unit keeps the PSH it was first sent with. */
uint32_t tcp_skb_rtx_unit(tcp_conn *c, uint32_t seq, uint32_t mss, uint32_t room, int *psh);
/* Whether a first-send unit ended in [lo, hi): the segments ending at lo and at hi then
 * left in different Linux skbs, with different send times (RACK, rack_reo_linux). */
int tcp_skb_end_within(const tcp_conn *c, uint32_t lo, uint32_t hi);

/* --- record.c: record ends (MSG_EOR) --- */
/* Whether one more record end can be marked (drops the acknowledged ones first). */
int tcp_eor_room(tcp_conn *c);
/* Whether no record end could be marked now, even after dropping acknowledged ones. */
int tcp_eor_full(const tcp_conn *c);
/* Marks the end of the data queued so far as a record end (after tcp_eor_room said yes). */
void tcp_eor_mark(tcp_conn *c);
uint32_t tcp_eor_span_slow(const tcp_conn *c, uint32_t seq);
/* How many of the len bytes before top a segment ending at top may carry without
 * crossing a record end (a tail-loss probe resends the last segment). */
uint32_t tcp_eor_tail(const tcp_conn *c, uint32_t top, uint32_t len);
/* Bytes from seq to the first record end after it, UINT32_MAX when none: a segment
 * starting at seq carries at most that many. Free when no record ends are held. */
static inline uint32_t tcp_eor_span(const tcp_conn *c, uint32_t seq)
{
    return c->x && c->x->eor_len ? tcp_eor_span_slow(c, seq) : UINT32_MAX;
}
/* The connection's TSval clock: milliseconds, RFC 7323 5.4. */
uint32_t tcp_ts_now(const tcp_conn *c);

/* --- input.c: segment arrival, RFC 9293 3.10.7 --- */
/* Takes the peer's SYN options (MSS, window scale, SACK, timestamps) as far as our
 * config allows: the one place a connection's options are negotiated (a SYN cookie's ACK
 * passes the options its cookie encoded). */
void tcp_negotiate_syn_opts(tcp_conn *c, const tcp_opts *o);
/* A SYN (or SYN-ACK) from the peer: its sequence space, options and unscaled window. */
void tcp_rcvseqinit(tcp_conn *c, const tcp_seg *seg);
/* Enters ESTABLISHED from SYN-SENT, SYN-RECEIVED or a SYN cookie: congestion control
 * starts, the keepalive is armed. The one way into ESTABLISHED. */
void tcp_establish(tcp_conn *c, const char *why);
/* hdr_sum is NULL when the segment's checksum was verified (or a device vouched for it);
 * else it is the pseudo-header + header sum from tcp_parse_deferred(), and the payload is
 * verified here before anything acts on the segment — for the next in-order data of an
 * established connection, in the same pass that copies it into the receive ring. gso_size
 * is the device's for a super-packet (synack_rx_meta), else 0. Returns 0, or -EINVAL when
 * the checksum is bad (dropped and counted as ip.c counts it). */
int tcp_input(synack_stack *st, const ipv4_hdr *ip, const tcp_seg *seg, const uint64_t *hdr_sum,
              uint16_t gso_size);
/* tcp_input() for a segment of either family, its addresses already in ep (laddr:lport
 * its destination) and ecn its datagram's ECN field: the IPv6 entry (ip6.c). */
int tcp_input_ep(synack_stack *st, const synack_endpoints *ep, uint8_t ecn, const tcp_seg *seg,
                 const uint64_t *hdr_sum, uint16_t gso_size);
/* Segment arrival for a connection past SYN-SENT (3.10.7.4); rx is what tcp_input knows
 * of the segment. */
tcp_ret tcp_conn_input(tcp_conn *c, const tcp_seg *seg, const tcp_rx *rx);
/* Counts ctr (unless SYNACK_CTR_COUNT) and emits a drop event for the connection. */
void tcp_drop(tcp_conn *c, synack_counter ctr, const char *reason);

/* --- ack.c: the ACK of a synchronized state --- */
/* The ACK step of 3.10.7.4 after the checks before it; old_ts_recent(_age_s) are TS.Recent
 * before this segment updated it (cfg.ack_unsent_drop puts them back). TCP_CONT (go on
 * with the text), TCP_DONE (the ACK was dropped) or TCP_FREED (LAST-ACK ended). */
tcp_ret tcp_ack_input(tcp_conn *c, const tcp_seg *seg, uint32_t old_ts_recent,
                      uint32_t old_ts_recent_age_s);
/* An acceptable ACK advances SND.UNA to ack (header prediction calls it directly). Returns
 * 1 if our FIN is now acknowledged. */
int tcp_ack_advance(tcp_conn *c, uint32_t ack);
/* RFC 7323 4 RTTM: the round trip an echoed timestamp measures, for the controller. */
void tcp_ts_rtt_sample(tcp_conn *c, const tcp_seg *seg);
/* cfg.hystart_linux: measures the ACK's round trip for the congestion controller, which
 * tcp_ack_advance gives it once SND.UNA moved (call it just before); nothing without the
 * knob. */
void tcp_hystart_sample(tcp_conn *c, const tcp_seg *seg);
/* The delivery-rate sample of an acceptable ACK, for a controller with cong_control. */
void tcp_ack_rate_sample(tcp_conn *c, const tcp_seg *seg, uint32_t una_before,
                         uint32_t sacked_before);
/* Starts loss recovery (fast retransmit; RFC 6675 5 with SACK), as a third duplicate ACK
 * does; RACK's reordering timer calls it too. */
void tcp_enter_recovery(tcp_conn *c);
/* Emits a tx or rx event for seg; sock is its connection's socket id, or -1; ecn is its
 * datagram's ECN field. */
void tcp_trace_seg(synack_stack *st, synack_event_type type, const synack_endpoints *ep, int sock,
                   const tcp_seg *seg, uint8_t ecn);

/* A Fast Open child (RFC 7413 4.2.2) sends data in SYN-RECEIVED, before the handshake
 * completes, as Linux lets it. */
static inline int tcp_fastopen_early_send(const tcp_conn *c)
{
    return c->state == SYNACK_SYN_RECEIVED && c->x && c->x->tfo_lid != 0;
}

/* --- output.c --- */
/* Sends the data, FIN and ACK that the windows and Nagle allow. */
void tcp_output(tcp_conn *c);

/* --- batch.c (synack_batch_begin/end) --- */
/* 1 when c's output now waits for the batch's end (tcp_output then returns at once). */
int tcp_batch_defer(tcp_conn *c);
/* c is being freed: its deferred output, if any, is forgotten. */
void tcp_batch_forget(tcp_conn *c);
/* An ACK at once (RCV.NXT, our window). */
void tcp_send_ack(tcp_conn *c);
/* SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), with our options. */
void tcp_send_syn(tcp_conn *c);
/* The client's first SYN with Fast Open (fastopen.c): fo's option (if has_fo) and the
 * first len bytes of the send buffer. */
void tcp_send_syn_fo(tcp_conn *c, const tcp_opts *fo, uint32_t len);
/* A RST from the connection's current SND.NXT (abort, RFC 9293 3.10.5). */
void tcp_send_rst(tcp_conn *c);
/* <SEQ=seq><CTL=RST>, no options: the answer to a segment (RFC 9293 3.10.7.1's form), sent
 * for connection c. */
void tcp_send_rst_seq(tcp_conn *c, uint32_t seq);
/* A RST answering a segment that has no connection (RFC 9293 3.10.7.1). */
void tcp_reset_reply(synack_stack *st, const synack_endpoints *ep, const tcp_seg *in);
/* Sends a header-only segment that belongs to no TCB (TIME-WAIT records, SYN cookies);
 * the ports come from ep. */
int tcp_emit_segment(synack_stack *st, const synack_endpoints *ep, tcp_seg *seg);
/* A RFC 5961 challenge ACK, rate-limited per stack. */
void tcp_send_challenge_ack(tcp_conn *c);
/* Sends one segment of len data bytes starting at seq (data from the send buffer; FIN is
 * added when flags has it). Returns 0 or a negative errno. */
int tcp_xmit(tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags);
/* tcp_xmit for a zero-window probe (RFC 3168 6.1.6: never ECN-capable). */
int tcp_xmit_probe(tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags);
/* ldrop.c: is rc (from tcp_xmit) the output callback's "dropped locally, try later"? */
int tcp_local_drop(int rc);
/* tcp_output found a data segment dropped locally: with nothing in flight, starts the
 * resource probe (TT_PERSIST). */
void tcp_ldrop_note(tcp_conn *c);
/* TT_PERSIST fired while it was the resource probe (c->x->ldrop): retry, or give up with
 * ETIMEDOUT after TCP_USER_TIMEOUT or data_retries probes. */
tcp_ret tcp_ldrop_probe(tcp_conn *c);
/* A segment left: the persist timer is no resource probe any more, the run of probes ends
 * (Linux resets icsk_probes_out once something is in flight). */
void tcp_ldrop_clear(tcp_conn *c);
/* Counts a segment about to be sent again (RetransSegs, TCP_INFO) and stops RTT timing. */
void tcp_count_retransmission(tcp_conn *c);
/* Retransmits the first unacknowledged segment (fast retransmit, RTO). */
void tcp_retransmit_first(tcp_conn *c);
/* Data bytes that fit in one segment now (snd_mss less the SACK blocks we echo). */
uint32_t tcp_send_mss(const tcp_conn *c);
/* The MSS option we put on a SYN. */
uint16_t tcp_our_mss(const synack_stack *st, uint16_t maxseg);
/* tcp_our_mss() for a connection of either family (v6: 20 bytes less). */
uint16_t tcp_our_mss_af(const synack_stack *st, uint16_t maxseg, int v6);

/* --- mtu.c: the MSS from the path MTU; route metrics; PLPMTUD (RFC 4821) --- */
/* The MSS option for a SYN to raddr6 (IPv6, when not NULL) or raddr: tcp_our_mss_af, and
 * the route's advmss or MTU. */
uint16_t tcp_route_mss(const synack_stack *st, uint16_t maxseg, const uint8_t *raddr6,
                       uint32_t raddr);
/* The initial window, bytes: the route's initcwnd or cfg.initial_cwnd_segs segments. */
uint32_t tcp_initial_cwnd(const tcp_conn *c);
/* --- cwnd_restart.c --- */
/* A write, or a window update with data waiting, on a connection with nothing in flight:
 * after more than an RTO without sending, cwnd restarts (cfg.cwnd_restart: RFC 5681 4.1,
 * or Linux's tcp_cwnd_restart). */
void tcp_cwnd_restart_check(tcp_conn *c);
/* Our side of the largest MSS we send (rcv_mss, unless a route's advmss lowered it). */
uint32_t tcp_mss_clamp_ours(const tcp_conn *c);
/* After the handshake set snd_mss: the clamp (options not taken out), the search range. */
void tcp_mtu_init(tcp_conn *c, uint32_t clamp);
/* Entering ESTABLISHED: an active open under a search (mtu_probing 2) sends at its base. */
void tcp_mtu_established(tcp_conn *c);
/* snd_mss from a path MTU (Linux's tcp_sync_mss). */
void tcp_sync_mss(tcp_conn *c, uint32_t pmtu);
/* The block may go while idle: no search runs, and either no route could raise the MSS
 * or it is already the largest (what mtu.c relearns when the block comes back). */
int tcp_mtu_forgettable(const tcp_conn *c);
/* tcp_output's start: a route MTU that changed since the last sync reaches snd_mss. */
void tcp_mtu_before_output(tcp_conn *c);
/* tcp_output sent something: the route as the segment met it. */
void tcp_mtu_sent(tcp_conn *c);
/* ICMP lowered snd_mss for this MTU: the search stays below it. */
void tcp_mtu_icmp(tcp_conn *c, uint32_t mtu);
/* Sends a probe if one is due: 1 if sent. */
int tcp_mtu_probe(tcp_conn *c);
/* SND.UNA advanced: a probe it covers succeeded. */
void tcp_mtu_acked(tcp_conn *c);
/* Recovery would start at a lost probe: handled as a too-big probe (1), not congestion. */
int tcp_mtu_probe_lost(tcp_conn *c);
/* A retransmission timeout (backoff already counted): a probe in flight failed; black
 * holes (cfg.mtu_probing). */
void tcp_mtu_on_rto(tcp_conn *c);

/* --- ecn.c: RFC 3168 6.1 --- */
/* A SYN reached a listener: ECN is on if our mode grants it and the SYN asked for it. */
void tcp_ecn_passive_open(tcp_conn *c, const tcp_seg *seg, uint8_t ip_ecn);
/* connect(): mode 1 asks for ECN on the SYN. */
void tcp_ecn_active_open(tcp_conn *c);
/* The peer's SYN-ACK (or, in a simultaneous open, SYN) in SYN-SENT says whether it agreed. */
void tcp_ecn_syn_rcvd(tcp_conn *c, const tcp_seg *seg);
/* The ECN flags of our SYN (synack 0) or SYN-ACK; resent: a retransmission. */
uint8_t tcp_ecn_syn_flags(const tcp_conn *c, int synack, int resent);
/* A segment arrived on a connection (ip_ecn: its datagram's ECN field): CE and CWR. */
void tcp_ecn_rx(tcp_conn *c, const tcp_seg *seg, uint8_t ip_ecn);
/* An acceptable ACK (after SND.UNA moved): the sender's response to ECE. */
void tcp_ecn_ece_rcvd(tcp_conn *c, const tcp_seg *seg);
/* 1 while the window an ECE reduction was made for is not yet acknowledged. */
int tcp_ecn_in_reduction(const tcp_conn *c);
/* A segment of ours about to leave: adds ECE/CWR to *flags and returns the ECN field for
 * its datagram (ECT(0) only on new data; probe: a zero-window probe). */
uint8_t tcp_ecn_data_ect(const tcp_conn *c, uint32_t seq, uint32_t len, int probe, uint8_t *flags);

/* TCP_INFO delivered (ack.c): the socket's count of acknowledged segments grows by segs
 * (nothing for a connection without a socket; accept counts its SYN-ACK). */
void tcp_delivered_add(tcp_conn *c, uint32_t segs);

/* --- chrono.c: TCP_INFO busy/limited times (tcb.h tcp_chrono) --- */
/* The condition `type` (TCP_CHRONO_*) began: it runs if it outranks the running one. */
void tcp_chrono_start(tcp_conn *c, uint8_t type);
/* The condition ended: nothing runs once nothing is left to send or acknowledge, else busy
 * takes over if `type` was running. */
void tcp_chrono_stop(tcp_conn *c, uint8_t type);
/* Starts the sndbuf-limited time if the application waits for send-buffer room while
 * everything it wrote has left with cwnd to spare: after a send pass, and when a send
 * finds the buffer full. */
void tcp_chrono_sndbuf_check(tcp_conn *c);
/* µs per type ([type - 1]), the running one included. */
void tcp_chrono_read(const tcp_conn *c, uint64_t us[TCP_CHRONO_N - 1]);

/* --- timers.c --- */
/* Runs every expired timer of c: TCP_FREED, or TCP_DONE. */
tcp_ret tcp_timers_run(tcp_conn *c, uint64_t now);
/* RTO with exponential backoff, clamped to rto_max. */
uint64_t tcp_rto_backed_off(const tcp_conn *c);
/* RFC 6069: an ICMP unreachable quoting SND.UNA resent by a timeout undoes one backoff
 * and re-arms the timer (or retransmits now); TCP_FREED if that ended the connection. */
tcp_ret tcp_rto_revert(tcp_conn *c);
void tcp_arm_rexmit(tcp_conn *c);
void tcp_arm_keepalive(tcp_conn *c);

/* --- rtt.c, RFC 6298 --- */
void tcp_rtt_init(tcp_conn *c);
void tcp_rtt_sample(tcp_conn *c, uint32_t rtt_us);

/* --- congestion control (cc_*.c) --- */
struct tcp_rate_sample;
typedef struct tcp_cc_ops {
    const char *name;                             /* "newreno", "cubic", "bbr" */
    void (*init)(tcp_conn *c);                    /* connection established */
    void (*on_ack)(tcp_conn *c, uint32_t acked);  /* new data acknowledged, not in recovery */
    void (*on_enter_recovery)(tcp_conn *c);       /* third duplicate ACK, RFC 5681 3.2 */
    void (*on_exit_recovery)(tcp_conn *c);        /* full ACK, RFC 6582 3.2 step 3 */
    void (*on_rto)(tcp_conn *c);                  /* retransmission timeout, RFC 5681 3.1 */
    void (*on_rtt)(tcp_conn *c, uint32_t rtt_us); /* an RTT sample (may be NULL) */
    /* Model-based control (may be NULL): called once per acceptable ACK, in recovery too,
     * with its delivery-rate sample (rate.h). A controller that has it owns cwnd and the
     * pacing rate outright: input.c then leaves cwnd alone in recovery (no PRR, no
     * inflation), and the connection always paces. */
    void (*cong_control)(tcp_conn *c, const struct tcp_rate_sample *rs);
    /* The transfer block came back after an idle period (conn.c tcp_xfer_attach): fresh
     * private state, cwnd and ssthresh left as they are. NULL: the state must outlive idle
     * periods, and the connection keeps its block. */
    void (*restart)(tcp_conn *c);
} tcp_cc_ops;
extern const tcp_cc_ops tcp_cc_bbr;
/* What BBR (cc_bbr.c) currently thinks, for tests and tools. */
typedef struct tcp_bbr_view {
    int mode;             /* 0 Startup, 1 Drain, 2 ProbeBW, 3 ProbeRTT */
    uint32_t bw;          /* bottleneck bandwidth estimate, payload bytes/s */
    uint32_t min_rtt_us;  /* RTprop estimate, UINT32_MAX before a sample */
    uint32_t rounds;      /* round trips counted (low 16 bits) */
    uint32_t pacing_gain; /* x 1/256 */
    uint32_t cwnd_gain;   /* x 1/256 */
} tcp_bbr_view;
/* Fills *v and returns 0, or returns -1 when c does not run BBR. */
int tcp_bbr_state(const tcp_conn *c, tcp_bbr_view *v);
extern const tcp_cc_ops tcp_cc_newreno;
extern const tcp_cc_ops tcp_cc_cubic;
/* The algorithm named `name` ("cubic", "newreno"), or NULL. */
const tcp_cc_ops *tcp_cc_find(const char *name);
uint32_t tcp_flight_size(const tcp_conn *c);
/* Slow start's cwnd increase for an ACK of `acked` bytes: at most one SMSS (RFC 3465 with
 * L = 1 SMSS), or with cfg.ss_stretch_ack every byte up to ssthresh. */
uint32_t tcp_ss_increase(const tcp_conn *c, uint32_t acked);

/* --- listen.c: listeners, SYN queue, accept queue --- */
tcp_listener *tcp_listener_find(synack_stack *st, uint32_t laddr, uint16_t lport);
/* The listener a segment to ep's laddr:lport goes to, either family: for IPv4 an exact
 * IPv4 listener, a dual-stack one bound to ::ffff:laddr, a wildcard IPv4 one, a dual-stack
 * one bound to :: (Linux's order); for IPv6 the IPv6 listeners (exact, then ::). */
tcp_listener *tcp_listener_find_ep(synack_stack *st, const synack_endpoints *ep);
/* A segment for a listener (RFC 9293 3.10.7.2). */
void tcp_listen_input(synack_stack *st, tcp_listener *l, const synack_endpoints *ep,
                      const tcp_seg *seg, const tcp_rx *rx);
/* A half-open connection completed its handshake: SYN queue -> accept queue, TCP_CONT.
 * With the accept queue full the ACK is dropped: TCP_DONE (the connection stays half-open),
 * or TCP_FREED (abort_on_overflow: reset and freed). */
tcp_ret tcp_listen_established(tcp_conn *c);
void tcp_listen_unlink(tcp_conn *c);
/* Frees the listener's queues (RST to accept-queue entries, as Linux does). */
void tcp_listener_destroy(synack_stack *st, tcp_listener *l);
/* accept() gave c its socket: if c was reset while queued (cfg.reset_child_stays), it is
 * freed now, its socket left as a reset connection's is, *options set to its TCP_INFO
 * options; 1 then, else 0. */
int tcp_listen_accepted(tcp_conn *c, uint8_t *options);
/* Frees the listener's queued connections that were reset (stack teardown). */
void tcp_listen_free_reset(tcp_listener *l);

/* --- hold.c: the catch-all listener and held SYNs (SYNACK_TCP_CATCH_ALL, _HOLD_SYN) --- */
/* Whether TCP to dst (not the netif's address) is taken: a catch-all listener exists or
 * did, and dst is a unicast address. */
int tcp_catch_all_takes(const synack_stack *st, uint32_t dst);
/* The same for IPv6 (dst not one of the netif's addresses): a catch-all that takes IPv6
 * exists or did, and dst is a global unicast address (not link-local, loopback, multicast,
 * unspecified nor IPv4-mapped). */
int tcp_catch_all_takes6(const synack_stack *st, const uint8_t dst[16]);
/* The catch-all listener for a SYN no other listener claims, or NULL: the AF_INET one for
 * IPv4, the AF_INET6 one for IPv6 (and for IPv4 too when there is no AF_INET one and it is
 * not IPV6_V6ONLY, as a wildcard dual-stack listener would be). */
tcp_listener *tcp_catch_all_for(const synack_stack *st, const synack_endpoints *ep);
/* Makes l its family's catch-all listener (on) or not: 0, or -EADDRINUSE (another is). */
int tcp_catch_all_set(synack_stack *st, tcp_listener *l, int on);
/* c, just made SYN-RECEIVED by l, waits for a verdict instead of sending its SYN-ACK. */
void tcp_hold_begin(tcp_conn *c);
/* A segment for a held connection: absorbed or dropped (counted), or a RST frees it.
 * TCP_FREED or TCP_DONE. */
tcp_ret tcp_held_input(tcp_conn *c, const tcp_seg *seg);
/* The hold expired without a verdict: freed silently. */
void tcp_held_expire(tcp_conn *c);
/* Held requests of l: up to max into out (oldest first); how many. */
int tcp_held_list(const tcp_listener *l, synack_held_syn *out, int max);
/* The verdict for l's held request ep: 0 or -ENOENT. */
int tcp_held_verdict(synack_stack *st, tcp_listener *l, const synack_endpoints *ep, int verdict,
                     uint8_t code);

/* --- usrreq.c: the user requests of RFC 9293 3.10 as the socket layer makes them; its only
 * way to change TCP (docs/ARCHITECTURE.md "Layers"). The socket owns its tcp_knobs; a
 * connection it owns reads them through c->knobs. --- */
/* What a new socket's knobs start as: the stack's defaults. */
void tcp_usr_knobs_init(const synack_stack *st, tcp_knobs *k);
/* The MSS a socket without TCP_MAXSEG announces (from the MTU or cfg.mss). */
uint16_t tcp_usr_default_maxseg(const synack_stack *st);
/* The congestion control named `name` (TCP_CONGESTION), or NULL. */
const tcp_cc_ops *tcp_usr_cc_lookup(const char *name);
/* The connection's 4-tuple (getsockname, getpeername, accept). */
void tcp_usr_endpoints(const tcp_conn *c, synack_endpoints *ep);
/* Whether a connection or TIME-WAIT record uses local port lport / the 4-tuple ep, and
 * whether a listener holds laddr:lport (bind, connect and listen pick ports by them). */
int tcp_usr_port_used(synack_stack *st, uint16_t lport);
int tcp_usr_tuple_used(synack_stack *st, const synack_endpoints *ep);
int tcp_usr_listening(synack_stack *st, uint32_t laddr, uint16_t lport);
/* OPEN, active (3.10.1): a connection from ep with the socket's knobs k (which must stay
 * where they are while the socket owns the connection), stored in *cp (the socket's
 * connection pointer) before its SYN is sent. Returns -EINPROGRESS, or -EADDRNOTAVAIL
 * (the 4-tuple is taken) or -ENOBUFS with *cp untouched. */
int tcp_usr_connect(synack_stack *st, int sock, const tcp_knobs *k, const synack_endpoints *ep,
                    tcp_conn **cp);
/* connect() on a socket that has a connection: -EALREADY while opening, else -EISCONN
 * (a connect deferred by TCP_FASTOPEN_CONNECT is connected, as far as connect() goes). */
int tcp_usr_connect_again(const tcp_conn *c);
/* Fast Open, the client (RFC 7413; fastopen.c). tcp_usr_connect_fo: sendto(MSG_FASTOPEN)
 * on an unconnected socket, tcp_usr_connect() whose SYN carries what fits of buf/len and
 * the destination's cookie (or, without one, a cookie request and no data). Returns the
 * bytes that went in the SYN, or -EINPROGRESS, or tcp_usr_connect()'s errors.
 * tcp_usr_connect_defer: connect() with TCP_FASTOPEN_CONNECT; with a usable cookie the
 * connection waits in SYN-SENT without sending (0), otherwise as tcp_usr_connect() with a
 * cookie request in the SYN. tcp_usr_send_deferred: the first send on such a connection:
 * the SYN goes with the data, as tcp_usr_connect_fo. no_cookie: TCP_FASTOPEN_NO_COOKIE. */
long tcp_usr_connect_fo(synack_stack *st, int sock, const tcp_knobs *k, const synack_endpoints *ep,
                        int no_cookie, const void *buf, size_t len, tcp_conn **cp);
int tcp_usr_connect_defer(synack_stack *st, int sock, const tcp_knobs *k,
                          const synack_endpoints *ep, int no_cookie, tcp_conn **cp);
int tcp_usr_deferred(const tcp_conn *c);
long tcp_usr_send_deferred(tcp_conn *c, int no_cookie, const void *buf, size_t len);
/* The Fast Open call that sent c's SYN blocks and sends the rest of its data once the
 * handshake ends (SYNACK_MSG_WAITOPEN): Linux's sk_write_pending, for
 * cfg.write_pending_delack. */
void tcp_usr_write_pending(tcp_conn *c);
/* The state where a second MSG_FASTOPEN is -EALREADY: the handshake is running. */
int tcp_usr_opening(const tcp_conn *c);
/* OPEN, passive: a listener on laddr:lport with a copy of k. 0 with *lp set, or
 * -EADDRINUSE (another listener has the port), -ENOMEM. */
int tcp_usr_listen(synack_stack *st, int sock, const tcp_knobs *k, uint32_t laddr, uint16_t lport,
                   uint32_t backlog, tcp_listener **lp);
/* The listener is an AF_INET6 socket's: v6only IPV6_V6ONLY; bound6 bound to the netif's
 * IPv6 address (else to :: or, with its laddr set, ::ffff:laddr). */
void tcp_usr_listen_v6(tcp_listener *l, int v6only, int bound6);
/* listen() again: a new accept-queue limit. */
void tcp_usr_listen_backlog(tcp_listener *l, uint32_t backlog);
/* The listening socket's knobs changed: the listener takes them (by assignment). */
void tcp_usr_listen_knobs(tcp_listener *l, const tcp_knobs *k);
/* Whether the accept queue holds a connection. */
int tcp_usr_accept_ready(const tcp_listener *l);
/* Takes the oldest connection off the accept queue for socket `sock`, whose knobs *k it
 * fills from the connection's and which the connection reads from now on. The queue must
 * not be empty (tcp_usr_accept_ready). */
tcp_conn *tcp_usr_accept(tcp_listener *l, int sock, tcp_knobs *k);
/* close() of a listening socket: its queues go (RST to accepted-not-yet entries). */
void tcp_usr_listen_close(synack_stack *st, tcp_listener *l);
/* Readiness bits (POLLIN, POLLOUT, POLLRDHUP, POLLHUP) of a listener / a connection. */
short tcp_usr_listen_poll(const tcp_listener *l);
short tcp_usr_poll(const tcp_conn *c);
/* Whether c is not writable though its buffer has room: TCP_NOTSENT_LOWAT (as poll sees
 * it) or no room for another record end. */
int tcp_usr_send_held(const tcp_conn *c);
/* SEND (3.10.2): 0 if data may be queued now, else -EAGAIN, -EPIPE or -ENOMEM. */
int tcp_usr_send_check(tcp_conn *c);
/* After tcp_usr_send_check: queues what fits (and TCP_NOTSENT_LOWAT lets in) and sends
 * what may go; flags SYNACK_MSG_EOR (the data ends a record) and SYNACK_MSG_MORE (hold a
 * partial tail). Bytes taken, or -EAGAIN when none fit. */
long tcp_usr_send(tcp_conn *c, const void *buf, size_t len, int flags);
/* Zero-copy send (synack_send_reserve/_commit), after tcp_usr_send_check. */
long tcp_usr_send_reserve(tcp_conn *c, size_t want, void **buf);
long tcp_usr_send_commit(tcp_conn *c, size_t n);
/* The error queue's view of the send sequence space (stack/errqueue.c): the sequence
 * number after the last byte queued and after the last byte sent; and whether c reports
 * transmissions and acknowledgments to it (sock_errq_sent/_acked). */
uint32_t tcp_usr_send_end(const tcp_conn *c);
uint32_t tcp_usr_sent_end(const tcp_conn *c);
void tcp_usr_errq_track(tcp_conn *c, int on);
/* RECEIVE (3.10.3): 1 if data is ready, 0 at end of stream (or shut_rd), else -EAGAIN. */
int tcp_usr_recv_check(const tcp_conn *c, int shut_rd);
/* Bytes ready to read. */
uint32_t tcp_usr_readable(const tcp_conn *c);
/* Bytes ready to read, plus 1 once the FIN has arrived (TCP_INQ). */
uint32_t tcp_usr_inq(const tcp_conn *c);
/* After tcp_usr_recv_check said 1: copies (peek) or takes n <= readable bytes; taking
 * them may open the window (an ACK) and leave the connection idle. */
uint32_t tcp_usr_recv(tcp_conn *c, void *buf, uint32_t n, int peek);
/* Zero-copy receive: the contiguous ready bytes, and giving n of them back (-EINVAL if
 * more than are ready). */
long tcp_usr_recv_borrow(tcp_conn *c, const void **data);
long tcp_usr_recv_release(tcp_conn *c, size_t n);
/* shutdown(SHUT_WR): the FIN follows the data (in SYN-SENT the connection goes, and the
 * socket reports ECONNRESET: RFC 9293 3.10.4 "error: closing"; Linux disconnects so). */
void tcp_usr_shutdown(tcp_conn *c);
/* CLOSE or ABORT (3.10.4, 3.10.5) of the socket's connection, decided here: SO_LINGER
 * {1,0} or unread data (RFC 2525 2.17) abort with RST; SYN-SENT just goes; TIME-WAIT
 * becomes a compact record; anything else sends its FIN and lives on as an orphan with a
 * copy of the socket's knobs. Call before the socket's knobs go; c may be freed. Returns
 * what tcp_linger_start does for socket `sock` (0 when the connection went at once). */
long tcp_usr_close(tcp_conn *c, int sock);
/* The socket options a connection applies when they change (tcp_usr_knob_changed). */
typedef enum tcp_knob {
    TK_NODELAY,
    TK_KEEPALIVE,
    TK_KEEPIDLE,
    TK_KEEPINTVL,
    TK_KEEPCNT,
    TK_USER_TIMEOUT,
    TK_SNDBUF,
    TK_RCVBUF,
    TK_MAXSEG,
    TK_CC,
    TK_PACING,
    TK_LINGER,
    TK_CORK,
    TK_NOTSENT_LOWAT,
    TK_SYNCNT,
    TK_ECN,
    TK_TIMESTAMPS,
    TK_OOBINLINE,
} tcp_knob;
/* The socket changed knob `which` in the knobs c reads: c applies it. 0, or -ENOMEM (a
 * new congestion control or pacing rate needs the transfer block). */
int tcp_usr_knob_changed(tcp_conn *c, tcp_knob which);
/* SO_ERROR of a live connection: its hard error, else its last ICMP soft error, which
 * this consumes (as Linux); positive errno or 0. */
int tcp_usr_so_error(tcp_conn *c);
/* STATUS (3.10.6): the MSS in use, the congestion control, TCP_INFO. */
uint16_t tcp_usr_maxseg(const tcp_conn *c);
const char *tcp_usr_cc_name(const tcp_conn *c);
void tcp_usr_fill_info(const tcp_conn *c, synack_tcp_info *info);

/* --- fastopen.c: the client side of TCP Fast Open (RFC 7413) --- */
/* A new SYN-SENT connection c (its SYN unsent) opens with Fast Open: decides the option
 * and how much of buf goes in the SYN, queues that, sends the SYN and arms its timer.
 * Returns the bytes in the SYN or -EINPROGRESS. */
long tcp_fo_open(tcp_conn *c, int no_cookie, const void *buf, size_t len);
/* Whether the destination has a cookie the next open may use (TCP_FASTOPEN_CONNECT
 * defers only then). */
int tcp_fo_cookie_usable(tcp_conn *c, int no_cookie);
/* An acceptable SYN-ACK reached a Fast Open connection in SYN-SENT, SND.UNA already at its
 * ACK: the cache learns, the acknowledged SYN data leaves the send buffer and the rest is
 * sent again once established (SND.NXT goes back to SND.UNA). */
void tcp_fo_synack(tcp_conn *c, const tcp_seg *seg);
/* The SYN of a Fast Open connection timed out; expired: the connection gives up. */
void tcp_fo_syn_timeout(tcp_conn *c, int expired);
/* ICMP fragmentation needed quoting our SYN with data; mss is the path's. */
void tcp_fo_syn_too_big(tcp_conn *c, uint32_t mss);

/* --- icmp_error.c: ICMP errors about our segments, RFC 1122 4.2.3.9, RFC 5927, RFC 1191 --- */
/* What an ICMP error says about a segment we sent (RFC 792: it quotes our IP header and
 * the first 8 bytes of the TCP header). */
typedef struct tcp_icmp_err {
    uint8_t type;        /* ICMP type: destination unreachable or time exceeded */
    uint8_t code;        /* ICMP code */
    uint16_t next_mtu;   /* fragmentation needed: next-hop MTU (RFC 1191 4), 0 if unsaid */
    uint16_t quoted_len; /* total length of the quoted datagram (RFC 1191 7 plateaus) */
    synack_endpoints ep; /* the connection, from our side */
    uint32_t seq;        /* sequence number of the quoted segment */
    uint8_t local;       /* ours: the segment's next hop never answered (ARP, ND) */
} tcp_icmp_err;
/* Validates the error against the connection (RFC 5927 4.1) and acts on it: a smaller
 * path MTU lowers snd_mss; a hard error, or a local one, aborts a connection in SYN-SENT;
 * any other error is recorded as the connection's soft error, and a net or host
 * unreachable about SND.UNA undoes one RTO backoff (RFC 6069). */
void tcp_icmp_input(synack_stack *st, const tcp_icmp_err *e);
/* The error a timed-out connection reports: its soft error if any, else -ETIMEDOUT. */
int tcp_timeout_error(const tcp_conn *c);

/* --- isn.c, RFC 6528 --- */
uint32_t tcp_isn(synack_stack *st, const synack_endpoints *ep);
/* Per-connection offset of the TSval clock (RFC 7323 5.4), a keyed hash of the 4-tuple so
 * a SYN cookie and the connection built from it agree. */
uint32_t tcp_ts_offset(const synack_stack *st, const synack_endpoints *ep);

/* Urgent data (urgent.c; RFC 9293 3.8.5, RFC 6093). tcp_xfer.urg_state: */
enum { TCP_URG_NONE, TCP_URG_NOTYET, TCP_URG_VALID, TCP_URG_READ };
/* A segment about to be processed for its text (before RCV.NXT moves): notes its urgent
 * pointer and takes the urgent byte when it carries it; raises POLLPRI for a new mark. */
void tcp_urg_input(tcp_conn *c, const tcp_seg *seg);
/* What a read of n bytes from the read point may take: never past the mark; *skip is 1
 * when the urgent byte, read out of band, comes first and must be stepped over. */
uint32_t tcp_urg_clip(const tcp_conn *c, uint32_t n, uint32_t *skip);
/* Ready bytes a read can return (the out-of-band byte at the read point not counted). */
uint32_t tcp_urg_readable(const tcp_conn *c);
/* After a read took bytes: a read point past the mark forgets it. */
void tcp_urg_consumed(tcp_conn *c);
/* recv(MSG_OOB): 1 (the byte), 0 (len 0, or EOF before it came), -EINVAL (none, already
 * read, or SO_OOBINLINE), -EAGAIN (the pointer came, the byte not yet). */
long tcp_urg_recv_oob(tcp_conn *c, void *buf, size_t len, int peek);
/* sockatmark: the read point is at the mark. */
int tcp_urg_atmark(const tcp_conn *c);
/* The urgent byte has arrived and was not read (POLLPRI). */
int tcp_urg_pending(const tcp_conn *c);
/* An outgoing segment: URG and the pointer while it lies below the sending mark. */
void tcp_urg_stamp(const tcp_conn *c, tcp_seg *seg);
/* send(MSG_OOB) queued data up to `end`: the sending mark. */
void tcp_urg_mark_send(tcp_conn *c, uint32_t end);

#endif
