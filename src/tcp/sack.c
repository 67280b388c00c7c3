/* SPDX-License-Identifier: MIT */
/* SACK scoreboard and RFC 6675 loss recovery helpers.
 *
 * The scoreboard keeps up to TCP_SACK_SCOREBOARD disjoint SACKed ranges above SND.UNA,
 * sorted. A "hole" is an unSACKed range between SND.UNA and the highest SACKed byte; it is
 * lost (RFC 6675 IsLost) when more than (DupThresh - 1) * SMSS bytes, or DupThresh separate
 * ranges, are SACKed above it. high_rxt marks how far holes were already retransmitted in
 * this recovery, so each lost byte is resent once per recovery episode.
 *
 * A receiver may report more ranges than the scoreboard holds. The lowest ones are kept
 * (they decide what is resent first and what SND.UNA waits for) and the highest forgotten,
 * counted as SackScoreboardOverflows. What was forgotten is remembered as one span, the
 * slot after the last range: a byte in it that no kept range covers may be held by the
 * receiver, so it is never resent as a hole (resending it could only duplicate data) and
 * counts as out of the network for the pipe, as RFC 6675 counts a SACKed byte. Only at
 * SND.UNA is such a byte certainly missing (the receiver would have acknowledged it): the
 * segment there is resent, one at a time, as SND.UNA walks through the span. An RTO
 * clears the scoreboard and the span. */
#include "tcp/sack.h"

#include "tcp/rack.h"
#include "tcp/tcp.h"
#include "tcp/txlog.h"

/* the span of forgotten ranges: the slot after the scoreboard's last */
#define FORGOT(c) ((c)->x->sb[TCP_SACK_SCOREBOARD])
#define SB_BYTES ((TCP_SACK_SCOREBOARD + 1) * sizeof(tcp_sack_block))

/* A range [l, r) the receiver holds is not remembered: widen the forgotten span. */
static void forget(tcp_conn *c, uint32_t l, uint32_t r)
{
    tcp_sack_block *f = &FORGOT(c);
    stack_count(c->st, SYNACK_CTR_SackScoreboardOverflows);
    if (!seq_lt(f->left, f->right)) {
        f->left = l;
        f->right = r;
        return;
    }
    f->left = seq_min(f->left, l);
    f->right = seq_max(f->right, r);
}

static void recount(tcp_conn *c)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->x->nsb; i++)
        n += c->x->sb[i].right - c->x->sb[i].left;
    c->x->sacked_bytes = n;
}

static void insert(tcp_conn *c, uint32_t l, uint32_t r)
{
    tcp_sack_block *sb = c->x->sb;
    uint32_t n = c->x->nsb;
    /* merge with every overlapping or adjacent range */
    uint32_t i = 0;
    while (i < n) {
        if (seq_lt(sb[i].right, l) || seq_gt(sb[i].left, r)) {
            i++;
            continue;
        }
        l = seq_min(l, sb[i].left);
        r = seq_max(r, sb[i].right);
        for (uint32_t k = i; k + 1 < n; k++)
            sb[k] = sb[k + 1];
        n--;
    }
    /* sorted insert; when full, the highest range is the one to forget (the lower ones
     * decide which holes are lost) */
    uint32_t pos = 0;
    while (pos < n && seq_lt(sb[pos].left, l))
        pos++;
    if (n == TCP_SACK_SCOREBOARD) {
        if (pos == n) {
            c->x->nsb = n;
            forget(c, l, r);
            return;
        }
        n--;
        forget(c, sb[n].left, sb[n].right);
    }
    for (uint32_t k = n; k > pos; k--)
        sb[k] = sb[k - 1];
    sb[pos].left = l;
    sb[pos].right = r;
    c->x->nsb = n + 1;
}

int tcp_sack_is_dsack(const tcp_seg *seg)
{
    /* RFC 2883: a first block below the cumulative ACK, or inside the second, reports a
     * duplicate: the receiver got something twice. */
    const tcp_opts *o = &seg->opts;
    uint32_t l = o->sack[0].left, r = o->sack[0].right;
    return o->nsack > 0 && (seq_le(r, seg->ack) || (o->nsack > 1 && seq_ge(l, o->sack[1].left) &&
                                                    seq_le(r, o->sack[1].right)));
}

void tcp_sack_update(tcp_conn *c, const tcp_seg *seg)
{
    synack_stack *st = c->st;
    const tcp_opts *o = &seg->opts;
    if (c->x->nsb == 0)
        c->x->high_sacked = c->snd_una; /* nothing is known above SND.UNA yet */
    for (uint32_t i = 0; i < o->nsack; i++) {
        uint32_t l = o->sack[i].left, r = o->sack[i].right;
        if (i == 0 && tcp_sack_is_dsack(seg)) {
            stack_count(st, SYNACK_CTR_TCPDSACKRecv);
            continue;
        }
        if (!seq_lt(l, r) || seq_lt(l, c->snd_una) || seq_gt(r, c->snd_max))
            continue; /* not about data we have outstanding */
        if (!c->x->sb) {
            c->x->sb = stack_alloc(st, SB_BYTES);
            if (!c->x->sb)
                return; /* counted (NoMemory); recovery works from duplicate ACKs alone */
            FORGOT(c).left = FORGOT(c).right = c->snd_una;
        }
        insert(c, l, r);
        if (seq_gt(r, c->x->high_sacked))
            c->x->high_sacked = r;
        stack_count(st, SYNACK_CTR_TCPSACKRecv);
    }
    recount(c);
}

void tcp_sack_prune(tcp_conn *c)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->x->nsb; i++) {
        if (seq_le(c->x->sb[i].right, c->snd_una))
            continue;
        c->x->sb[k] = c->x->sb[i];
        if (seq_lt(c->x->sb[k].left, c->snd_una))
            c->x->sb[k].left = c->snd_una;
        k++;
    }
    c->x->nsb = k;
    if (seq_lt(c->x->high_rxt, c->snd_una))
        c->x->high_rxt = c->snd_una;
    if (k == 0 || seq_lt(c->x->high_sacked, c->snd_una))
        c->x->high_sacked = c->snd_una;
    if (c->x->sb) {
        tcp_sack_block *f = &FORGOT(c);
        if (!seq_lt(c->snd_una, f->right))
            f->left = f->right = c->snd_una; /* all of it acknowledged */
        else if (seq_lt(f->left, c->snd_una))
            f->left = c->snd_una;
    }
    recount(c);
}

void tcp_sack_clear(tcp_conn *c)
{
    c->x->nsb = 0;
    c->x->sacked_bytes = 0;
    c->x->high_rxt = c->snd_una;
    c->x->high_sacked = c->snd_una;
    if (c->x->sb)
        FORGOT(c).left = FORGOT(c).right = c->snd_una;
}

void tcp_sack_free(tcp_conn *c)
{
    if (c->x->sb)
        stack_free(c->st, c->x->sb, SB_BYTES);
    c->x->sb = NULL;
    c->x->nsb = 0;
    c->x->sacked_bytes = 0;
}

/* Bytes of the forgotten span at or above seq that no kept range covers: SACKed or lost,
 * in neither case in the network (the FACK view), so they count as SACKed for IsLost and
 * leave the pipe. */
static uint32_t unknown(const tcp_conn *c, uint32_t seq)
{
    if (!c->x->sb)
        return 0;
    uint32_t l = FORGOT(c).left, r = FORGOT(c).right;
    if (seq_gt(seq, l))
        l = seq;
    if (!seq_lt(l, r))
        return 0;
    uint32_t n = r - l;
    for (uint32_t i = 0; i < c->x->nsb; i++) {
        uint32_t ol = seq_max(l, c->x->sb[i].left), orr = seq_min(r, c->x->sb[i].right);
        if (seq_lt(ol, orr))
            n -= orr - ol;
    }
    return n;
}

/* The part of hole [*hl, *hr) that may be resent: none inside the forgotten span (the
 * receiver may hold it), except at SND.UNA, which it cannot hold. Returns 0 for none. */
static int resendable(const tcp_conn *c, const uint32_t *hl, uint32_t *hr)
{
    if (!seq_lt(*hl, *hr))
        return 0;
    if (!c->x->sb)
        return 1;
    uint32_t fl = FORGOT(c).left, fr = FORGOT(c).right;
    if (!seq_lt(fl, fr) || !seq_lt(*hl, fr) || !seq_gt(*hr, fl))
        return 1; /* clear of the span */
    if (seq_lt(*hl, fl)) {
        *hr = fl;
        return 1;
    }
    if (*hl != c->snd_una)
        return 0;
    /* the segment that carried SND.UNA was lost whole; what follows it may be held */
    uint32_t end = tcp_txlog_seg_end(c, *hl);
    if (seq_gt(end, *hl) && seq_lt(end, *hr))
        *hr = end;
    return 1;
}

/* Is the byte at seq lost? Counts the SACKed bytes and ranges above it. */
static int is_lost(const tcp_conn *c, uint32_t seq)
{
    uint32_t bytes = unknown(c, seq), ranges = bytes ? 1 : 0;
    for (uint32_t i = 0; i < c->x->nsb; i++) {
        if (seq_le(c->x->sb[i].right, seq))
            continue;
        ranges++;
        bytes += c->x->sb[i].right - (seq_gt(c->x->sb[i].left, seq) ? c->x->sb[i].left : seq);
    }
    return ranges >= TCP_DUPTHRESH || bytes > (TCP_DUPTHRESH - 1) * (uint32_t)c->snd_mss;
}

int tcp_sack_first_lost(const tcp_conn *c)
{
    return (c->x->nsb || unknown(c, c->snd_una)) && is_lost(c, c->snd_una);
}

/* The top of what the scoreboard knows about: its last range, or the forgotten span. */
static uint32_t known_top(const tcp_conn *c)
{
    uint32_t top = c->x->nsb ? c->x->sb[c->x->nsb - 1].right : c->snd_una;
    if (c->x->sb && seq_gt(FORGOT(c).right, top))
        top = FORGOT(c).right;
    return top;
}

uint32_t tcp_sack_pipe(const tcp_conn *c)
{
    /* RFC 6675 SetPipe: every outstanding byte counts unless it is SACKed, or lost and not
     * yet retransmitted; retransmitted lost bytes count once (their original is gone). */
    uint32_t pipe = c->snd_max - c->snd_una - c->x->sacked_bytes;
    /* RFC 8985: with RACK its marks say which bytes are lost (0 without RACK) */
    uint32_t gone = unknown(c, c->snd_una) + tcp_rack_lost_bytes(c);
    pipe = pipe > gone ? pipe - gone : 0;
    if (tcp_rack_on(c))
        return pipe;
    uint32_t prev = c->snd_una;
    for (uint32_t i = 0; i < c->x->nsb; i++) {
        uint32_t hl = prev, hr = c->x->sb[i].left;
        prev = c->x->sb[i].right;
        if (hl == c->snd_una && unknown(c, hl) && seq_ge(hl, FORGOT(c).left))
            continue; /* inside the span: already counted out */
        if (!resendable(c, &hl, &hr) || !is_lost(c, hl))
            continue;
        /* the part of the hole above high_rxt is lost and not resent yet */
        uint32_t from = seq_gt(c->x->high_rxt, hl) ? c->x->high_rxt : hl;
        if (seq_lt(from, hr))
            pipe = pipe > hr - from ? pipe - (hr - from) : 0;
    }
    return pipe;
}

uint32_t tcp_sack_next_hole(const tcp_conn *c, uint32_t *seq, uint32_t max, int any)
{
    if (tcp_rack_on(c) && !any)
        return tcp_rack_next_lost(c, seq, max);
    uint32_t prev = c->snd_una, top = known_top(c);
    for (uint32_t i = 0; i <= c->x->nsb; i++) {
        /* the holes below each range, then the one below the top of the forgotten span */
        uint32_t hl = prev, hr = i < c->x->nsb ? c->x->sb[i].left : top;
        if (i < c->x->nsb)
            prev = c->x->sb[i].right;
        if (seq_gt(c->x->high_rxt, hl))
            hl = c->x->high_rxt;
        if (!resendable(c, &hl, &hr) || (!any && !is_lost(c, hl)))
            continue;
        uint32_t len = hr - hl;
        *seq = hl;
        return len < max ? len : max;
    }
    return 0;
}
