/* SPDX-License-Identifier: MIT */
/* The error queue of a socket (docs/API.md, "Error queue"), with Linux's contract
 * (msg_zerocopy.rst, timestamping.rst): a MSG_ZEROCOPY send gets the next 32-bit id and,
 * once all its bytes are acknowledged (or the connection is gone), a completion
 * [lo, hi] that merges into the newest unread one when the ids follow on; SO_TIMESTAMPING
 * gives each send SCHED and SND records when its last byte is first transmitted and an
 * ACK record when that byte is acknowledged. synack copies what a MSG_ZEROCOPY send
 * passes (the zero-copy path is synack_send_reserve/_commit), so each completion says
 * SO_EE_CODE_ZEROCOPY_COPIED: it keeps the contract programs written for Linux rely on.
 *
 * Everything is bounded: SYNACK_ERRQUEUE_MAX unread records (past it one is dropped and
 * counted) and SYNACK_ERRQUEUE_PENDING sends awaiting theirs (past it a MSG_ZEROCOPY send
 * is -ENOBUFS, as Linux's optmem limit; a timestamp record is dropped and counted). */
#include "stack/errqueue.h"

#include <errno.h>
#include <string.h>

#include "stack/ready.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"
#include "udp/udp.h"
#include "util/sockdefs.h"

enum {
    MK_ZC = 1,    /* a zerocopy completion when acknowledged */
    MK_SCHED = 2, /* SCHED and SND records when transmitted */
    MK_SND = 4,
    MK_ACK = 8, /* an ACK record when acknowledged */
};

#define TS_TX_BITS                                                                                 \
    (SYNACK_SOF_TIMESTAMPING_TX_SCHED | SYNACK_SOF_TIMESTAMPING_TX_SOFTWARE |                      \
     SYNACK_SOF_TIMESTAMPING_TX_ACK)

typedef struct errq_mark {
    uint32_t end;    /* sequence number after the send's last byte */
    uint32_t zc_id;  /* its zerocopy id (MK_ZC) */
    uint32_t ts_key; /* ee_data of its timestamp records */
    uint8_t what;    /* MK_* still due */
} errq_mark;

struct sock_errq {
    synack_sock_err rec[SYNACK_ERRQUEUE_MAX]; /* unread records, a ring */
    uint32_t rhead, rlen;
    errq_mark mark[SYNACK_ERRQUEUE_PENDING]; /* sends awaiting records, oldest first */
    uint32_t mhead, mlen;
    uint32_t msent;   /* marks (from mhead) whose transmission is reported */
    uint32_t zc_next; /* the next MSG_ZEROCOPY send's id */
    uint32_t ts_base; /* OPT_ID: the sequence number that is byte 0 */
    uint64_t raised, dropped;
};

static synack_sock *sock_at(synack_stack *st, int s)
{
    if (s < 0 || !st->socks[s].in_use)
        return NULL;
    return &st->socks[s];
}

static struct sock_errq *errq_get(synack_stack *st, synack_sock *so)
{
    if (!so->errq) {
        so->errq = stack_alloc(st, sizeof(*so->errq));
        if (so->errq)
            memset(so->errq, 0, sizeof(*so->errq));
    }
    return so->errq;
}

void sock_errq_free(synack_stack *st, synack_sock *so)
{
    if (so->errq)
        stack_free(st, so->errq, sizeof(*so->errq));
    so->errq = NULL;
}

/* Every record, new or merged, is an edge: Linux wakes the socket for each one. */
static void edge(synack_stack *st, int s, struct sock_errq *q)
{
    q->raised++;
    sock_ready_raise(st, s, POLLERR);
}

static void push(synack_stack *st, int s, struct sock_errq *q, const synack_sock_err *e)
{
    if (q->rlen == SYNACK_ERRQUEUE_MAX) {
        q->dropped++;
        return;
    }
    q->rec[(q->rhead + q->rlen) % SYNACK_ERRQUEUE_MAX] = *e;
    q->rlen++;
    edge(st, s, q);
}

static void push_zc(synack_stack *st, int s, struct sock_errq *q, uint32_t id)
{
    if (q->rlen) {
        synack_sock_err *t = &q->rec[(q->rhead + q->rlen - 1) % SYNACK_ERRQUEUE_MAX];
        if (t->ee_origin == SYNACK_SO_EE_ORIGIN_ZEROCOPY && t->ee_data + 1 == id &&
            id != 0) { /* consecutive: one range, as Linux merges them */
            t->ee_data = id;
            edge(st, s, q);
            return;
        }
    }
    synack_sock_err e = {.ee_origin = SYNACK_SO_EE_ORIGIN_ZEROCOPY,
                         .ee_code = SYNACK_SO_EE_CODE_ZEROCOPY_COPIED,
                         .ee_info = id,
                         .ee_data = id};
    push(st, s, q, &e);
}

static void push_ts(synack_stack *st, int s, struct sock_errq *q, uint32_t kind, uint32_t key)
{
    synack_sock_err e = {.ee_errno = ENOMSG,
                         .ee_origin = SYNACK_SO_EE_ORIGIN_TIMESTAMPING,
                         .ee_info = kind,
                         .ee_data = key,
                         .tstamp_us = st->now};
    push(st, s, q, &e);
}

static errq_mark *mark_at(struct sock_errq *q, uint32_t i)
{
    return &q->mark[(q->mhead + i) % SYNACK_ERRQUEUE_PENDING];
}

void sock_errq_sent(synack_stack *st, int s, uint32_t sent_end)
{
    synack_sock *so = sock_at(st, s);
    struct sock_errq *q = so ? so->errq : NULL;
    if (!q)
        return;
    while (q->msent < q->mlen && seq_ge(sent_end, mark_at(q, q->msent)->end)) {
        errq_mark *m = mark_at(q, q->msent);
        if (m->what & MK_SCHED)
            push_ts(st, s, q, SYNACK_SCM_TSTAMP_SCHED, m->ts_key);
        if (m->what & MK_SND)
            push_ts(st, s, q, SYNACK_SCM_TSTAMP_SND, m->ts_key);
        m->what &= (uint8_t) ~(MK_SCHED | MK_SND);
        q->msent++;
    }
}

/* Pops the oldest mark; the connection stops reporting when none is left. */
static void mark_pop(synack_sock *so, struct sock_errq *q)
{
    q->mhead = (q->mhead + 1) % SYNACK_ERRQUEUE_PENDING;
    q->mlen--;
    if (q->msent)
        q->msent--;
    if (!q->mlen && so->conn)
        tcp_usr_errq_track(so->conn, 0);
}

void sock_errq_acked(synack_stack *st, int s, uint32_t una)
{
    synack_sock *so = sock_at(st, s);
    struct sock_errq *q = so ? so->errq : NULL;
    if (!q)
        return;
    sock_errq_sent(st, s, una); /* what is acknowledged was sent */
    while (q->mlen && seq_ge(una, mark_at(q, 0)->end)) {
        errq_mark *m = mark_at(q, 0);
        if (m->what & MK_ACK)
            push_ts(st, s, q, SYNACK_SCM_TSTAMP_ACK, m->ts_key);
        if (m->what & MK_ZC)
            push_zc(st, s, q, m->zc_id);
        mark_pop(so, q);
    }
}

void sock_errq_conn_gone(synack_stack *st, int s)
{
    synack_sock *so = sock_at(st, s);
    struct sock_errq *q = so ? so->errq : NULL;
    if (!q)
        return;
    while (q->mlen) {
        errq_mark *m = mark_at(q, 0);
        if (m->what & MK_ZC)
            push_zc(st, s, q, m->zc_id);
        mark_pop(so, q);
    }
}

int sock_errq_setopt(synack_stack *st, int s, int name, int v)
{
    synack_sock *so = &st->socks[s];
    if (name == SYNACK_SO_ZEROCOPY) {
        if (v < 0 || v > 1)
            return -EINVAL;
        if (v && !errq_get(st, so))
            return -ENOMEM;
        so->zerocopy = (uint8_t)v;
        return 0;
    }
    uint32_t f = (uint32_t)v;
    if (v < 0 || (f & ~SYNACK_SOF_TIMESTAMPING_MASK))
        return -EINVAL;
    int new_id =
        (f & SYNACK_SOF_TIMESTAMPING_OPT_ID) && !(so->tsflags & SYNACK_SOF_TIMESTAMPING_OPT_ID);
    /* Linux: byte numbers count from the moment OPT_ID is set, which needs a connection
     * (not CLOSE or LISTEN). */
    if (new_id && !so->conn)
        return -EINVAL;
    if (f && !errq_get(st, so))
        return -ENOMEM;
    if (new_id)
        so->errq->ts_base = tcp_usr_send_end(so->conn);
    so->tsflags = f;
    return 0;
}

int sock_errq_getopt(const synack_sock *so, int name)
{
    return name == SYNACK_SO_ZEROCOPY ? so->zerocopy : (int)so->tsflags;
}

int sock_errq_inherit(synack_stack *st, int ns, const synack_sock *lso)
{
    synack_sock *so = &st->socks[ns];
    if (!lso->zerocopy && !lso->tsflags)
        return 0;
    if (!errq_get(st, so))
        return -ENOMEM;
    so->zerocopy = lso->zerocopy;
    so->tsflags = lso->tsflags;
    so->errq->ts_base = so->conn ? tcp_usr_send_end(so->conn) : 0;
    return 0;
}

int sock_errq_pre_send(const synack_sock *so, int flags, int *want)
{
    int zc = (flags & SYNACK_MSG_ZEROCOPY) && so->zerocopy;
    *want = zc || (so->tsflags & TS_TX_BITS);
    if (zc && so->errq && so->errq->mlen == SYNACK_ERRQUEUE_PENDING)
        return -ENOBUFS;
    return 0;
}

void sock_errq_post_send(synack_stack *st, int s, int flags)
{
    synack_sock *so = &st->socks[s];
    struct sock_errq *q = so->errq;
    if (!q || !so->conn)
        return;
    uint8_t what = 0;
    if ((flags & SYNACK_MSG_ZEROCOPY) && so->zerocopy)
        what |= MK_ZC;
    if (so->tsflags & SYNACK_SOF_TIMESTAMPING_TX_SCHED)
        what |= MK_SCHED;
    if (so->tsflags & SYNACK_SOF_TIMESTAMPING_TX_SOFTWARE)
        what |= MK_SND;
    if (so->tsflags & SYNACK_SOF_TIMESTAMPING_TX_ACK)
        what |= MK_ACK;
    if (!what)
        return;
    if (q->mlen == SYNACK_ERRQUEUE_PENDING) { /* only timestamps get here (pre_send) */
        q->dropped++;
        return;
    }
    uint32_t end = tcp_usr_send_end(so->conn);
    errq_mark *m = mark_at(q, q->mlen);
    m->end = end;
    m->zc_id = (what & MK_ZC) ? q->zc_next++ : 0;
    m->ts_key = (so->tsflags & SYNACK_SOF_TIMESTAMPING_OPT_ID) ? end - 1 - q->ts_base : 0;
    m->what = what;
    q->mlen++;
    tcp_usr_errq_track(so->conn, 1);
    /* The send may have gone out already, within the call. */
    sock_errq_sent(st, s, tcp_usr_sent_end(so->conn));
}

int sock_errq_push(synack_stack *st, int s, const synack_sock_err *e)
{
    struct sock_errq *q = errq_get(st, &st->socks[s]);
    if (!q)
        return -ENOMEM;
    push(st, s, q, e);
    return 0;
}

short sock_errq_poll(const synack_sock *so)
{
    return so->errq && so->errq->rlen ? POLLERR : 0;
}

static int icmp_origin(const synack_sock_err *e)
{
    return e->ee_origin == SYNACK_SO_EE_ORIGIN_ICMP || e->ee_origin == SYNACK_SO_EE_ORIGIN_ICMP6;
}

int synack_recv_errqueue(synack_stack *st, int s, synack_sock_err *out)
{
    if (!st || !out)
        return -EINVAL;
    if (s < 0 || (uint32_t)s >= st->cfg.max_sockets || !st->socks[s].in_use)
        return -EBADF;
    struct sock_errq *q = st->socks[s].errq;
    if (!q || !q->rlen)
        return -EAGAIN;
    *out = q->rec[q->rhead];
    q->rhead = (q->rhead + 1) % SYNACK_ERRQUEUE_MAX;
    q->rlen--;
    /* Linux's sock_dequeue_err_skb: reading an ICMP error moves the pending error to the
     * next record's, or clears it when no ICMP error follows */
    if (icmp_origin(out) && st->socks[s].udp) {
        const synack_sock_err *nx = q->rlen ? &q->rec[q->rhead] : NULL;
        st->socks[s].udp->err = nx && icmp_origin(nx) ? (int)nx->ee_errno : 0;
    }
    return 0;
}

int synack_errqueue_stat_get(const synack_stack *st, int s, synack_errqueue_stat *out)
{
    if (!st || !out)
        return -EINVAL;
    if (s < 0 || (uint32_t)s >= st->cfg.max_sockets || !st->socks[s].in_use)
        return -EBADF;
    const struct sock_errq *q = st->socks[s].errq;
    memset(out, 0, sizeof(*out));
    if (q) {
        out->queued = q->rlen;
        out->pending = q->mlen;
        out->raised = q->raised;
        out->dropped = q->dropped;
    }
    return 0;
}
