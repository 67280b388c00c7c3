/* SPDX-License-Identifier: MIT */
/* The transmit log shared by RACK-TLP and delivery-rate sampling (see txlog.h).
 *
 * rec[] is a ring: record i (0 = oldest) is in slot (head + i) % cap, and snap[] (when
 * rate sampling is on) holds the same record's snapshot in the same slot. Records are
 * sorted by sequence number and disjoint; never-resent records are in transmit order as
 * well, which is what lets RACK's loss scan stop early. */
#include "tcp/txlog.h"

#include <string.h>

#include "tcp/tcp.h"

static int rack_wanted(const tcp_conn *c)
{
    return c->st->cfg.rack && c->sack_ok;
}

tcp_txlog *tcp_txlog_get(tcp_conn *c)
{
    if (c->x->txlog)
        return c->x->txlog;
    tcp_txlog *l = stack_alloc(c->st, sizeof(*l));
    if (!l)
        return NULL; /* counted (NoMemory) */
    memset(l, 0, sizeof(*l));
    c->x->txlog = l;
    return l;
}

/* Slots: a full send buffer of full-sized segments, and a few short ones. */
static uint32_t log_cap(const tcp_conn *c)
{
    uint32_t mss = c->snd_mss ? c->snd_mss : TCP_DEFAULT_MSS;
    uint32_t cap = c->x->snd.cap / mss + 8;
    return cap > TCP_TXLOG_MAX ? TCP_TXLOG_MAX : cap;
}

/* The ring (and the snapshots when rate sampling is on); 0 when the ring exists. Without
 * memory for snapshots the records go on without them (their ACKs yield no sample). */
static int alloc_records(tcp_conn *c, tcp_txlog *l)
{
    if (!l->rec) {
        uint32_t cap = log_cap(c);
        l->rec = stack_alloc(c->st, (size_t)cap * sizeof(tcp_txrec));
        if (!l->rec)
            return -1;
        l->cap = cap;
    }
    if (l->rate_on && !l->snap)
        l->snap = stack_alloc(c->st, (size_t)l->cap * sizeof(tcp_txsnap));
    return 0;
}

/* Rate sampling lets a full ring double, up to TCP_TXLOG_MAX: segments shorter than the
 * MSS outnumber the send buffer's full-sized ones, and a merged record blurs every sample
 * it takes part in. RACK alone keeps the first size (a merge only delays its verdict).
 * Returns 1 when there is room for one more record. */
static int grow(tcp_conn *c, tcp_txlog *l)
{
    if (l->n < l->cap)
        return 1;
    if (!l->rate_on || !l->snap || l->cap >= TCP_TXLOG_MAX)
        return 0;
    uint32_t cap = l->cap * 2 < TCP_TXLOG_MAX ? l->cap * 2 : TCP_TXLOG_MAX;
    tcp_txrec *rec = stack_alloc(c->st, (size_t)cap * sizeof(tcp_txrec));
    tcp_txsnap *snap = rec ? stack_alloc(c->st, (size_t)cap * sizeof(tcp_txsnap)) : NULL;
    if (!snap) {
        if (rec)
            stack_free(c->st, rec, (size_t)cap * sizeof(tcp_txrec));
        return 0;
    }
    for (uint32_t i = 0; i < l->n; i++) {
        rec[i] = *tcp_txlog_at(l, i);
        snap[i] = *tcp_txlog_snap(l, i);
    }
    stack_free(c->st, l->rec, (size_t)l->cap * sizeof(tcp_txrec));
    stack_free(c->st, l->snap, (size_t)l->cap * sizeof(tcp_txsnap));
    l->rec = rec;
    l->snap = snap;
    l->cap = cap;
    l->head = 0;
    return 1;
}

int tcp_txlog_forgettable(const tcp_conn *c)
{
    const tcp_txlog *l = c->x ? c->x->txlog : NULL;
    if (!l)
        return 1;
    if (l->rate_on || l->n)
        return 0;
    const tcp_rack *r = &l->rack;
    /* A probe's episode that SND.UNA has reached waits only for an ACK beyond it to call the
     * probe a repair (RFC 8985 7.4) and reduce cwnd; nothing is outstanding now, and after
     * the idle linger (longer than any RTO) the restart window stands in for that response,
     * so the episode must not pin the block for ever. */
    int tlp_open = r->tlp_on && seq_lt(c->snd_una, r->tlp_end_seq);
    return !l->rack_on || (r->reo_wnd_mult == 1 && r->reo_wnd_persist == 0 && !r->reordering_seen &&
                           !r->dsack_round_on && !tlp_open && !r->recovering && !r->rto_recovery);
}

void tcp_txlog_free(tcp_conn *c)
{
    tcp_txlog *l = c->x ? c->x->txlog : NULL;
    if (!l)
        return;
    if (l->rec)
        stack_free(c->st, l->rec, (size_t)l->cap * sizeof(tcp_txrec));
    if (l->snap)
        stack_free(c->st, l->snap, (size_t)l->cap * sizeof(tcp_txsnap));
    stack_free(c->st, l, sizeof(*l));
    c->x->txlog = NULL;
    c->rack_reo = 0;
}

uint32_t tcp_txlog_ack_rtt(const tcp_conn *c, uint32_t ack)
{
    const tcp_txlog *l = c->x->txlog;
    uint64_t newest = 0;
    int any = 0;
    for (uint32_t i = 0; l && i < l->n; i++) {
        const tcp_txrec *x = tcp_txlog_at(l, i);
        if (seq_gt(x->end, ack))
            break;
        if (x->flags & TXREC_SACKED)
            continue;
        if (x->flags & TXREC_RETRANS)
            return 0;
        if (x->xmit_ts > newest)
            newest = x->xmit_ts;
        any = 1;
    }
    if (!any || newest > c->st->now)
        return 0;
    uint64_t d = c->st->now - newest;
    return d == 0 ? 1 : d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

uint32_t tcp_txlog_find(const tcp_txlog *l, uint32_t seq)
{
    uint32_t lo = 0, hi = l->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (seq_le(tcp_txlog_at(l, mid)->end, seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint32_t tcp_txlog_seg_end(const tcp_conn *c, uint32_t seq)
{
    const tcp_txlog *l = c->x->txlog;
    if (!l || !l->rec)
        return seq;
    uint32_t i = tcp_txlog_find(l, seq);
    if (i == l->n || seq_lt(seq, tcp_txlog_at(l, i)->start))
        return seq;
    return tcp_txlog_at(l, i)->end;
}

static uint32_t rec_len(const tcp_txrec *x)
{
    return x->end - x->start;
}

/* Moves record `from` to slot of record `to` (snapshot included). */
static void move(tcp_txlog *l, uint32_t to, uint32_t from)
{
    *tcp_txlog_at(l, to) = *tcp_txlog_at(l, from);
    if (l->snap)
        *tcp_txlog_snap(l, to) = *tcp_txlog_snap(l, from);
}

int tcp_txlog_split(tcp_txlog *l, uint32_t i, uint32_t seq)
{
    if (l->n == l->cap)
        return 0;
    for (uint32_t k = l->n; k > i; k--)
        move(l, k, k - 1);
    l->n++;
    tcp_txlog_at(l, i)->end = seq;
    tcp_txlog_at(l, i + 1)->start = seq;
    tcp_txlog_at(l, i)->flags &= ~(uint32_t)TXREC_FIN; /* the FIN is in the upper part */
    if (tcp_txlog_at(l, i)->flags & TXREC_SACKED)
        l->segs_sacked++;
    return 1;
}

void tcp_txlog_mark_lost(tcp_txlog *l, tcp_txrec *x)
{
    if (x->flags & TXREC_LOST)
        return;
    x->flags |= TXREC_LOST;
    l->lost_bytes += rec_len(x);
    l->lost_marks++;
}

void tcp_txlog_clear_lost(tcp_txlog *l, tcp_txrec *x)
{
    if (x->flags & TXREC_LOST)
        l->lost_bytes -= rec_len(x);
    x->flags &= ~(uint32_t)TXREC_LOST;
}

void tcp_txlog_mark_sacked(tcp_txlog *l, tcp_txrec *x)
{
    tcp_txlog_clear_lost(l, x);
    if (!(x->flags & TXREC_SACKED))
        l->segs_sacked++;
    x->flags |= TXREC_SACKED;
}

void tcp_txlog_pop(tcp_txlog *l, uint32_t una)
{
    while (l->n) {
        tcp_txrec *x = tcp_txlog_at(l, 0);
        if (seq_gt(x->end, una)) {
            if (seq_lt(x->start, una)) {
                if (x->flags & TXREC_LOST)
                    l->lost_bytes -= una - x->start;
                x->start = una;
            }
            break;
        }
        tcp_txlog_clear_lost(l, x);
        if (x->flags & TXREC_SACKED)
            l->segs_sacked--;
        l->head = (l->head + 1) % l->cap;
        l->n--;
    }
    if (l->n == 0)
        l->head = 0;
}

void tcp_txlog_clear_marks(tcp_txlog *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        tcp_txlog_at(l, i)->flags &= ~(uint32_t)(TXREC_SACKED | TXREC_LOST);
    l->lost_bytes = 0;
    l->segs_sacked = 0;
}

/* New data [seq, end): a record of its own, or, when the ring is full, the newest record
 * absorbs it. The absorbing record takes the newer send time, so RACK may judge the older
 * bytes late, never early; it keeps its older snapshot, so a rate sample spans a longer
 * interval, which is still a true average. */
static void append(tcp_conn *c, tcp_txlog *l, uint32_t seq, uint32_t end, int fin,
                   const tcp_txsnap *snap)
{
    uint64_t now = c->st->now;
    if (!grow(c, l)) {
        tcp_txrec *last = tcp_txlog_at(l, l->n - 1);
        stack_count(c->st, SYNACK_CTR_RackRecordOverflows);
        tcp_txlog_clear_lost(l, last);
        if (last->flags & TXREC_SACKED)
            l->segs_sacked--;
        last->flags &= ~(uint32_t)TXREC_SACKED;
        last->end = seq_max(last->end, end);
        if (fin)
            last->flags |= TXREC_FIN;
        last->xmit_ts = now;
        last->order = l->next_order++;
        return;
    }
    tcp_txrec *x = tcp_txlog_at(l, l->n);
    x->start = seq;
    x->end = end;
    x->xmit_ts = now;
    x->order = l->next_order++;
    x->flags = fin ? TXREC_FIN : 0;
    if (snap && l->snap) {
        *tcp_txlog_snap(l, l->n) = *snap;
        x->flags |= TXREC_SNAP;
    }
    l->n++;
}

/* [seq, end) was sent again: those records leave the lost set with a new send time (and a
 * new snapshot: the resend is what an ACK of them will have delivered). */
static void resent(tcp_txlog *l, uint32_t seq, uint32_t end, uint64_t now, const tcp_txsnap *snap)
{
    uint32_t order = l->next_order++; /* one send: its records tie, seq orders them */
    for (uint32_t i = tcp_txlog_find(l, seq); i < l->n; i++) {
        if (!seq_lt(tcp_txlog_at(l, i)->start, end))
            break;
        if (seq_lt(tcp_txlog_at(l, i)->start, seq) && tcp_txlog_split(l, i, seq))
            continue; /* the part below seq stays as it was; the next pass takes the rest */
        if (seq_gt(tcp_txlog_at(l, i)->end, end))
            tcp_txlog_split(l, i, end);
        tcp_txrec *x = tcp_txlog_at(l, i);
        tcp_txlog_clear_lost(l, x);
        x->flags |= TXREC_RETRANS;
        x->xmit_ts = now;
        x->order = order;
        if (snap && l->snap) {
            *tcp_txlog_snap(l, i) = *snap;
            x->flags |= TXREC_SNAP;
        }
    }
}

void tcp_txlog_on_xmit(tcp_conn *c, uint32_t seq, uint32_t end, int fin)
{
    tcp_txlog *l = c->x->txlog;
    if (!l && (!rack_wanted(c) || c->snd_una != c->snd_max))
        return;
    if (!l && !(l = tcp_txlog_get(c)))
        return;
    /* a segment with data takes a rate snapshot (a bare FIN delivers nothing to sample) */
    tcp_txsnap snap, *sp = NULL;
    if (l->rate_on && end - seq > (fin ? 1u : 0u)) {
        tcp_rate_on_send(c, &snap);
        sp = &snap;
    }
    if (!l->rec && !l->rack_on && rack_wanted(c) && c->snd_una != c->snd_max)
        return; /* RACK needs a record of every outstanding byte: wait for an empty pipe */
    if (alloc_records(c, l) != 0)
        return; /* counted (NoMemory): RACK stays off, rate samples wait for memory */
    if (!l->rack_on && rack_wanted(c) && c->snd_una == c->snd_max && l->n == 0) {
        l->rack_on = 1;
        tcp_rack_init(c);
    }
    seq = seq_max(seq, c->snd_una);
    if (!seq_lt(seq, end))
        return;
    if (seq_lt(seq, c->snd_max)) {
        uint32_t top = seq_min(end, c->snd_max);
        resent(l, seq, top, c->st->now, sp);
        seq = top;
    }
    if (seq_lt(seq, end))
        append(c, l, seq, end, fin, sp);
}

int tcp_txlog_on_ack(tcp_conn *c, const tcp_seg *seg, uint32_t una_before, uint32_t sacked_before)
{
    tcp_txlog *l = c->x->txlog;
    if (!l)
        return 0;
    if (c->st->cfg.psh_skb_model)
        tcp_skb_rtt(c, una_before);
    /* the rate sample may be about bytes this ACK passes: find it before they go */
    if (l->rate_on)
        tcp_rate_pick(c, seg, una_before, sacked_before);
    if (l->rack_on)
        return tcp_rack_on_ack(c, seg); /* pops what it has read */
    tcp_txlog_pop(l, c->snd_una);
    return 0;
}
