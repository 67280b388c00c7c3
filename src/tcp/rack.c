/* RACK-TLP loss detection, RFC 8985 6 (RACK) and 7.4 (the ACK of a loss probe).
 *
 * Transmit records: rec[head .. head + n) holds one record per segment sent, sorted by
 * sequence number and disjoint (new data is appended; a retransmission updates the records
 * it covers, splitting one at its edges when there is room). Records below SND.UNA are
 * dropped as the cumulative ACK passes them. Never-resent records are in transmit order as
 * well as in sequence order, which is what lets the loss scan stop early. */
#include "tcp/rack.h"

#include <string.h>

#include "tcp/sack.h"
#include "tcp/tcp.h"

/* RFC 8985 6.2 step 4: without reordering seen, DupThresh SACKed segments set the
 * reordering window to 0 */
#define DUPTHRESH 3
/* recoveries without a D-SACK before the window shrinks back to min_RTT/4 */
#define REO_PERSIST 16

enum {
    REC_SACKED = 1,  /* selectively acknowledged */
    REC_LOST = 2,    /* marked lost by RACK and not resent since */
    REC_RETRANS = 4, /* resent at least once (its RTT samples are ambiguous) */
};

typedef struct rack_rec {
    uint32_t start;   /* first sequence number */
    uint32_t end;     /* one past the last (a FIN counts) */
    uint64_t xmit_ts; /* latest (re)transmission, µs */
    uint32_t flags;   /* REC_* */
} rack_rec;

struct tcp_rack {
    uint64_t xmit_ts;        /* RACK.xmit_ts: latest send time of a delivered segment */
    uint64_t reo_at;         /* reordering timer deadline, UINT64_MAX when off */
    uint64_t rto_at;         /* the RTO/probe deadline the reordering timer stands before */
    uint32_t end_seq;        /* RACK.end_seq: the end of that segment */
    uint32_t rtt;            /* RACK.rtt: the RTT that segment measured, µs */
    uint32_t min_rtt;        /* RACK.min_RTT, µs; UINT32_MAX before any sample */
    uint32_t fack;           /* RACK.fack: highest end of any delivered segment */
    uint32_t dsack_round;    /* RACK.dsack_round (valid with dsack_round_on) */
    uint32_t lost_bytes;     /* bytes in records marked lost */
    uint32_t segs_sacked;    /* RACK.segs_sacked: records SACKed */
    uint32_t tlp_end_seq;    /* TLP.end_seq (valid with tlp_on) */
    uint32_t last_una;       /* SND.UNA at the previous ACK */
    uint8_t reo_wnd_mult;    /* RACK.reo_wnd_mult */
    uint8_t reo_wnd_persist; /* RACK.reo_wnd_persist */
    uint8_t reordering_seen; /* RACK.reordering_seen */
    uint8_t dsack_round_on;  /* a D-SACK widened the window in the current round */
    uint8_t tlp_on;          /* a loss probe's episode is open (TLP.end_seq is set) */
    uint8_t tlp_is_retrans;  /* TLP.is_retrans: the probe resent old data */
    uint8_t recovering;      /* in fast or RTO recovery at the previous ACK */
    uint32_t cap;            /* room in rec[] */
    uint32_t head;           /* index of the oldest record */
    uint32_t n;              /* records held */
    rack_rec rec[];          /* the transmit records */
};

static size_t rack_size(uint32_t cap)
{
    return sizeof(struct tcp_rack) + (size_t)cap * sizeof(rack_rec);
}

static struct tcp_rack *rack_new(tcp_conn *c)
{
    /* a full send buffer of full-sized segments, and a few short ones */
    uint32_t mss = c->snd_mss ? c->snd_mss : 536;
    uint32_t cap = c->snd.cap / mss + 8;
    if (cap > TCP_RACK_MAX_RECORDS)
        cap = TCP_RACK_MAX_RECORDS;
    struct tcp_rack *r = stack_alloc(c->st, rack_size(cap));
    if (!r)
        return NULL; /* counted (NoMemory); the connection detects loss by DupThresh */
    memset(r, 0, sizeof(*r));
    r->cap = cap;
    /* the handshake's sample until data gives one (RFC 8985 6.2 step 1) */
    r->min_rtt = c->srtt_us ? c->srtt_us : UINT32_MAX;
    r->reo_wnd_mult = 1;
    r->reo_at = r->rto_at = UINT64_MAX;
    r->end_seq = r->fack = r->last_una = c->snd_una;
    return r;
}

void tcp_rack_free(tcp_conn *c)
{
    if (c->rack)
        stack_free(c->st, c->rack, rack_size(c->rack->cap));
    c->rack = NULL;
}

static rack_rec *at(struct tcp_rack *r, uint32_t i)
{
    return &r->rec[r->head + i];
}

static uint32_t rec_len(const rack_rec *x)
{
    return x->end - x->start;
}

/* Room for one more record after the last; 0 when every slot is taken. */
static int make_room(struct tcp_rack *r)
{
    if (r->head + r->n < r->cap)
        return 1;
    if (r->head == 0)
        return 0;
    memmove(r->rec, r->rec + r->head, r->n * sizeof(rack_rec));
    r->head = 0;
    return 1;
}

/* The first record that ends after seq (n if none). */
static uint32_t find(struct tcp_rack *r, uint32_t seq)
{
    uint32_t lo = 0, hi = r->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (seq_le(at(r, mid)->end, seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Splits record i at seq (inside it) into two with the same state; 0 when full. */
static int split(struct tcp_rack *r, uint32_t i, uint32_t seq)
{
    if (!make_room(r))
        return 0;
    rack_rec *x = at(r, i);
    memmove(x + 1, x, (r->n - i) * sizeof(*x));
    x->end = seq;
    x[1].start = seq;
    r->n++;
    if (x->flags & REC_SACKED)
        r->segs_sacked++;
    return 1;
}

static void clear_lost(struct tcp_rack *r, rack_rec *x)
{
    if (x->flags & REC_LOST)
        r->lost_bytes -= rec_len(x);
    x->flags &= ~(uint32_t)REC_LOST;
}

static void append(tcp_conn *c, struct tcp_rack *r, uint32_t seq, uint32_t end, uint64_t now)
{
    if (!make_room(r)) {
        /* Full: the newest record absorbs the segment. Its time becomes the newer one, so
         * RACK may judge the older bytes late, never early. */
        rack_rec *last = at(r, r->n - 1);
        stack_count(c->st, SYNACK_CTR_RackRecordOverflows);
        clear_lost(r, last);
        if (last->flags & REC_SACKED)
            r->segs_sacked--;
        last->flags &= ~(uint32_t)REC_SACKED;
        if (seq_gt(end, last->end))
            last->end = end;
        last->xmit_ts = now;
        return;
    }
    rack_rec *x = at(r, r->n++);
    x->start = seq;
    x->end = end;
    x->xmit_ts = now;
    x->flags = 0;
}

/* [seq, end) was sent again: those records leave the lost set with a new send time. */
static void resent(struct tcp_rack *r, uint32_t seq, uint32_t end, uint64_t now)
{
    for (uint32_t i = find(r, seq); i < r->n; i++) {
        if (!seq_lt(at(r, i)->start, end))
            break;
        if (seq_lt(at(r, i)->start, seq) && split(r, i, seq))
            continue; /* the part below seq stays as it was; the next pass takes the rest */
        if (seq_gt(at(r, i)->end, end))
            split(r, i, end);
        rack_rec *x = at(r, i);
        clear_lost(r, x);
        x->flags |= REC_RETRANS;
        x->xmit_ts = now;
    }
}

void tcp_rack_on_xmit(tcp_conn *c, uint32_t seq, uint32_t end)
{
    struct tcp_rack *r = c->rack;
    if (!r) {
        /* RACK needs SACK (RFC 8985 3); start with nothing in flight so that every
         * outstanding byte has a record */
        if (!c->st->cfg.rack || !c->sack_ok || c->snd_una != c->snd_max)
            return;
        r = c->rack = rack_new(c);
        if (!r)
            return;
    }
    if (seq_lt(seq, c->snd_una))
        seq = c->snd_una;
    if (!seq_lt(seq, end))
        return;
    uint64_t now = c->st->now;
    if (seq_lt(seq, c->snd_max)) {
        uint32_t top = seq_lt(end, c->snd_max) ? end : c->snd_max;
        resent(r, seq, top, now);
        seq = top;
    }
    if (seq_lt(seq, end))
        append(c, r, seq, end, now);
}

static int sent_after(uint64_t t1, uint32_t seq1, uint64_t t2, uint32_t seq2)
{
    return t1 > t2 || (t1 == t2 && seq_gt(seq1, seq2));
}

/* In fast recovery, or in the go-back after an RTO (SND.UNA below "recover"). */
static int recovering(const tcp_conn *c)
{
    return c->in_recovery || seq_lt(c->snd_una, c->snd_recover);
}

/* RFC 8985 6.2 steps 1-3 for one segment this ACK delivered. */
static void delivered(tcp_conn *c, struct tcp_rack *r, const rack_rec *x, const tcp_seg *seg)
{
    uint64_t d = c->st->now - x->xmit_ts;
    uint32_t rtt = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    /* step 3: a segment delivered below one delivered earlier, never resent, came late */
    if (seq_gt(x->end, r->fack))
        r->fack = x->end;
    else if (seq_lt(x->end, r->fack) && !(x->flags & REC_RETRANS))
        r->reordering_seen = 1;
    if (x->flags & REC_RETRANS) {
        /* step 2: the ACK may be for the original — skip what cannot be told apart: an
         * echoed timestamp older than the retransmission, or a sample shorter than any
         * round trip seen */
        uint32_t ts_sent = (uint32_t)(x->xmit_ts / 1000) + c->ts_offset;
        if (c->ts_ok && seg->opts.has_ts && seq_lt(seg->opts.ts_ecr, ts_sent))
            return;
        if (r->min_rtt == UINT32_MAX || rtt < r->min_rtt)
            return;
    } else if (rtt < r->min_rtt) {
        r->min_rtt = rtt; /* step 1 */
    }
    r->rtt = rtt;
    if (sent_after(x->xmit_ts, x->end, r->xmit_ts, r->end_seq)) {
        r->xmit_ts = x->xmit_ts;
        r->end_seq = x->end;
    }
}

/* The SACKed range of the scoreboard that holds [*l, *r), if any: records are marked
 * against the merged range, so one whose bytes came in two blocks still counts. */
static void widen(const tcp_conn *c, uint32_t *l, uint32_t *r)
{
    for (uint32_t i = 0; i < c->nsb; i++) {
        if (seq_le(c->sb[i].left, *l) && seq_ge(c->sb[i].right, *r)) {
            *l = c->sb[i].left;
            *r = c->sb[i].right;
            return;
        }
    }
}

/* RFC 8985 6.2 step 4: the reordering window. */
static uint64_t reo_wnd(const tcp_conn *c, const struct tcp_rack *r)
{
    if (!r->reordering_seen && (recovering(c) || r->segs_sacked >= DUPTHRESH))
        return 0;
    uint64_t base = r->min_rtt != UINT32_MAX ? r->min_rtt : c->srtt_us;
    uint64_t w = (uint64_t)r->reo_wnd_mult * base / 4;
    return c->srtt_us && w > c->srtt_us ? c->srtt_us : w;
}

static void update_reo_wnd(tcp_conn *c, struct tcp_rack *r, int dsack)
{
    if (r->dsack_round_on && seq_ge(c->snd_una, r->dsack_round))
        r->dsack_round_on = 0;
    if (!r->dsack_round_on && dsack) {
        /* a D-SACK: we resent what was only late; widen the window once per round */
        r->dsack_round_on = 1;
        r->dsack_round = c->snd_max;
        if (r->reo_wnd_mult < UINT8_MAX)
            r->reo_wnd_mult++;
        r->reo_wnd_persist = REO_PERSIST;
    } else if (r->recovering && !recovering(c)) {
        if (r->reo_wnd_persist)
            r->reo_wnd_persist--;
        if (!r->reo_wnd_persist)
            r->reo_wnd_mult = 1;
    }
}

static void mark_lost(tcp_conn *c, struct tcp_rack *r, rack_rec *x)
{
    x->flags |= REC_LOST;
    r->lost_bytes += rec_len(x);
    stack_count(c->st, SYNACK_CTR_RackLossDetected);
    if (x->flags & REC_RETRANS)
        stack_count(c->st, SYNACK_CTR_TCPLostRetransmit);
}

/* RFC 8985 6.2 step 5 (RACK_detect_loss): a segment sent before the most recently
 * delivered one is lost once RACK.rtt + reo_wnd have passed since it was sent; the latest
 * such deadline still ahead becomes the reordering timer. */
static void detect_loss(tcp_conn *c, struct tcp_rack *r)
{
    uint64_t now = c->st->now, wnd = reo_wnd(c, r), timeout = 0;
    for (uint32_t i = 0; i < r->n; i++) {
        rack_rec *x = at(r, i);
        if (!seq_lt(x->start, c->snd_nxt))
            break; /* not sent again yet since an RTO went back */
        if (x->flags & (REC_SACKED | REC_LOST))
            continue;
        if (!sent_after(r->xmit_ts, r->end_seq, x->xmit_ts, x->end)) {
            if (x->flags & REC_RETRANS)
                continue;
            break; /* never resent, so every later record went out later still */
        }
        uint64_t deadline = x->xmit_ts + r->rtt + wnd;
        if (deadline <= now)
            mark_lost(c, r, x);
        else if (deadline - now > timeout)
            timeout = deadline - now;
    }
    r->reo_at = timeout ? now + timeout : UINT64_MAX;
}

uint64_t tcp_rack_timer(tcp_conn *c, uint64_t when)
{
    struct tcp_rack *r = c->rack;
    r->rto_at = when;
    c->rack_reo = r->reo_at < when;
    return c->rack_reo ? r->reo_at : when;
}

/* Puts TT_REXMIT at the earlier of the reordering timer and `fallback`. */
static void arm(tcp_conn *c, uint64_t fallback)
{
    uint64_t when = tcp_rack_timer(c, fallback);
    if (when == UINT64_MAX)
        tcp_timer_stop(c, TT_REXMIT);
    else
        tcp_timer_set(c, TT_REXMIT, when);
}

/* RFC 8985 7.4: did the probe repair a loss? Then the congestion controller responds as
 * to one loss (Linux: CWR, cwnd = ssthresh). A D-SACK of the probe, or a pure duplicate
 * ACK once it is covered, says both copies arrived: no loss. */
static void tlp_ack(tcp_conn *c, struct tcp_rack *r, const tcp_seg *seg, int dsack)
{
    if (!r->tlp_on || seq_lt(seg->ack, r->tlp_end_seq))
        return;
    if (!r->tlp_is_retrans) {
        r->tlp_on = 0; /* a probe of new data was delivered */
    } else if (dsack && seg->opts.sack[0].right == r->tlp_end_seq) {
        r->tlp_on = 0; /* the probe was redundant */
    } else if (seq_gt(seg->ack, r->tlp_end_seq)) {
        r->tlp_on = 0;
        if (!c->in_recovery) {
            stack_count(c->st, SYNACK_CTR_TCPLossProbeRecovery);
            c->cc->on_enter_recovery(c);
            c->cc->on_exit_recovery(c);
        }
    } else if (seg->ack == r->last_una && seg->opts.nsack == 0 && seg->payload_len == 0) {
        r->tlp_on = 0;
    }
}

int tcp_rack_on_ack(tcp_conn *c, const tcp_seg *seg)
{
    struct tcp_rack *r = c->rack;
    if (!r)
        return 0;
    int dsack = seg->opts.nsack && tcp_sack_is_dsack(seg);
    /* cumulatively acknowledged, in sequence order (an ACK cannot tell the order in which
     * the bytes it covers arrived: assume they came in order) */
    while (r->n) {
        rack_rec *x = at(r, 0);
        if (seq_gt(x->end, c->snd_una)) {
            if (seq_lt(x->start, c->snd_una)) {
                if (x->flags & REC_LOST)
                    r->lost_bytes -= c->snd_una - x->start;
                x->start = c->snd_una;
            }
            break;
        }
        if (x->flags & REC_SACKED)
            r->segs_sacked--;
        else
            delivered(c, r, x, seg);
        clear_lost(r, x);
        r->head++;
        r->n--;
    }
    if (r->n == 0)
        r->head = 0;
    /* selectively acknowledged (a D-SACK block is not about outstanding data) */
    for (uint32_t b = dsack ? 1 : 0; b < seg->opts.nsack; b++) {
        uint32_t l = seg->opts.sack[b].left, rt = seg->opts.sack[b].right;
        widen(c, &l, &rt);
        uint32_t i = find(r, l);
        /* a record only partly SACKed (a TSO frame, a resend of another size) is cut at
         * the block's edges, room permitting, so that its SACKed part counts */
        if (i < r->n && seq_lt(at(r, i)->start, l) && split(r, i, l))
            i++;
        for (; i < r->n; i++) {
            rack_rec *x = at(r, i);
            if (!seq_lt(x->start, rt))
                break;
            if (seq_gt(x->end, rt) && !split(r, i, rt))
                break;
            x = at(r, i);
            if ((x->flags & REC_SACKED) || seq_lt(x->start, l))
                continue;
            clear_lost(r, x);
            x->flags |= REC_SACKED;
            r->segs_sacked++;
            delivered(c, r, x, seg);
        }
    }
    update_reo_wnd(c, r, dsack);
    tlp_ack(c, r, seg, dsack);
    r->recovering = (uint8_t)recovering(c);
    r->last_una = c->snd_una;
    if (c->snd_una == c->snd_max) {
        r->reo_at = UINT64_MAX; /* nothing outstanding; TT_REXMIT was stopped */
        c->rack_reo = 0;
        return 0;
    }
    uint64_t fallback = c->rack_reo ? r->rto_at : c->deadline[TT_REXMIT];
    detect_loss(c, r);
    arm(c, fallback);
    return r->lost_bytes != 0;
}

void tcp_rack_reo_timeout(tcp_conn *c)
{
    struct tcp_rack *r = c->rack;
    uint64_t fallback = r->rto_at;
    c->rack_reo = 0;
    r->reo_at = UINT64_MAX;
    stack_count(c->st, SYNACK_CTR_RackReorderTimeouts);
    if (c->snd_una != c->snd_max)
        detect_loss(c, r);
    arm(c, fallback);
    if (!r->lost_bytes)
        return;
    /* RFC 8985 6.2 step 5 on expiry: losses start recovery as they would on an ACK */
    if (!c->in_recovery && seq_ge(c->snd_una, c->snd_recover))
        tcp_enter_recovery(c);
    tcp_output(c);
}

void tcp_rack_enter_recovery(tcp_conn *c)
{
    c->rack->tlp_on = 0; /* recovery is the congestion response (RFC 8985 7.4) */
    uint32_t seq;
    uint32_t len = tcp_rack_next_lost(c, &seq, tcp_send_mss(c));
    uint32_t end = tcp_snd_data_end(c);
    if (len && seq_gt(seq + len, end))
        len = seq_lt(seq, end) ? end - seq : 0;
    if (!len)
        return; /* only a FIN is lost: the RTO resends it */
    tcp_count_retransmission(c);
    tcp_xmit(c, seq, len, TCP_ACK);
    if (seq_lt(c->high_rxt, seq + len))
        c->high_rxt = seq + len;
}

void tcp_rack_on_probe(tcp_conn *c, int retrans)
{
    struct tcp_rack *r = c->rack;
    r->tlp_on = 1;
    r->tlp_is_retrans = (uint8_t)(retrans != 0);
    r->tlp_end_seq = c->snd_max;
}

void tcp_rack_on_rto(tcp_conn *c)
{
    struct tcp_rack *r = c->rack;
    for (uint32_t i = 0; i < r->n; i++)
        at(r, i)->flags &= ~(uint32_t)(REC_SACKED | REC_LOST);
    r->lost_bytes = 0;
    r->segs_sacked = 0;
    r->reo_at = UINT64_MAX;
    r->tlp_on = 0;
    c->rack_reo = 0;
}

uint32_t tcp_rack_lost_bytes(const tcp_conn *c)
{
    return c->rack ? c->rack->lost_bytes : 0;
}

uint32_t tcp_rack_next_lost(const tcp_conn *c, uint32_t *seq, uint32_t max)
{
    const struct tcp_rack *r = c->rack;
    if (!r || !r->lost_bytes)
        return 0;
    for (uint32_t i = 0; i < r->n; i++) {
        const rack_rec *x = &r->rec[r->head + i];
        if (!(x->flags & REC_LOST))
            continue;
        *seq = x->start;
        return rec_len(x) < max ? rec_len(x) : max;
    }
    return 0;
}
