/* SACK scoreboard and RFC 6675 loss recovery helpers.
 *
 * The scoreboard keeps up to TCP_SACK_SCOREBOARD disjoint SACKed ranges above SND.UNA,
 * sorted. A "hole" is an unSACKed range between SND.UNA and the highest SACKed byte; it is
 * lost (RFC 6675 IsLost) when more than (DupThresh - 1) * SMSS bytes, or DupThresh separate
 * ranges, are SACKed above it. high_rxt marks how far holes were already retransmitted in
 * this recovery, so each lost byte is resent once per recovery episode. */
#include "tcp/sack.h"

#include "tcp/rack.h"
#include "tcp/tcp.h"

#define DUPTHRESH 3

static void recount(tcp_conn *c)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->nsb; i++)
        n += c->sb[i].right - c->sb[i].left;
    c->sacked_bytes = n;
}

static void insert(tcp_conn *c, uint32_t l, uint32_t r)
{
    tcp_sack_block *sb = c->sb;
    uint32_t n = c->nsb;
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
            c->nsb = n;
            return;
        }
        n--;
    }
    for (uint32_t k = n; k > pos; k--)
        sb[k] = sb[k - 1];
    sb[pos].left = l;
    sb[pos].right = r;
    c->nsb = n + 1;
}

int tcp_sack_is_dsack(const tcp_seg *seg)
{
    /* RFC 2883: a first block below the cumulative ACK, or inside the second, reports a
     * duplicate: the receiver got something twice. */
    const tcp_opts *o = &seg->opts;
    uint32_t l = o->sack[0].left, r = o->sack[0].right;
    return o->nsack > 0 &&
           (seq_le(r, seg->ack) ||
            (o->nsack > 1 && seq_ge(l, o->sack[1].left) && seq_le(r, o->sack[1].right)));
}

void tcp_sack_update(tcp_conn *c, const tcp_seg *seg)
{
    synack_stack *st = c->st;
    const tcp_opts *o = &seg->opts;
    if (c->nsb == 0)
        c->high_sacked = c->snd_una; /* nothing is known above SND.UNA yet */
    for (uint32_t i = 0; i < o->nsack; i++) {
        uint32_t l = o->sack[i].left, r = o->sack[i].right;
        if (i == 0 && tcp_sack_is_dsack(seg)) {
            stack_count(st, SYNACK_CTR_TCPDSACKRecv);
            continue;
        }
        if (!seq_lt(l, r) || seq_lt(l, c->snd_una) || seq_gt(r, c->snd_max))
            continue; /* not about data we have outstanding */
        if (!c->sb) {
            c->sb = stack_alloc(st, TCP_SACK_SCOREBOARD * sizeof(tcp_sack_block));
            if (!c->sb)
                return; /* counted (NoMemory); recovery works from duplicate ACKs alone */
        }
        insert(c, l, r);
        if (seq_gt(r, c->high_sacked))
            c->high_sacked = r;
        stack_count(st, SYNACK_CTR_TCPSACKRecv);
    }
    recount(c);
}

void tcp_sack_prune(tcp_conn *c)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->nsb; i++) {
        if (seq_le(c->sb[i].right, c->snd_una))
            continue;
        c->sb[k] = c->sb[i];
        if (seq_lt(c->sb[k].left, c->snd_una))
            c->sb[k].left = c->snd_una;
        k++;
    }
    c->nsb = k;
    if (seq_lt(c->high_rxt, c->snd_una))
        c->high_rxt = c->snd_una;
    if (k == 0 || seq_lt(c->high_sacked, c->snd_una))
        c->high_sacked = c->snd_una;
    recount(c);
}

void tcp_sack_clear(tcp_conn *c)
{
    c->nsb = 0;
    c->sacked_bytes = 0;
    c->high_rxt = c->snd_una;
    c->high_sacked = c->snd_una;
}

void tcp_sack_free(tcp_conn *c)
{
    if (c->sb)
        stack_free(c->st, c->sb, TCP_SACK_SCOREBOARD * sizeof(tcp_sack_block));
    c->sb = NULL;
    c->nsb = 0;
    c->sacked_bytes = 0;
}

/* Bytes between the top of the scoreboard and the highest byte ever SACKed: the ranges
 * there were forgotten when the scoreboard filled up. They are SACKed or lost, and in
 * neither case in the network (the FACK view), so they count as SACKed for IsLost and
 * leave the pipe. */
static uint32_t untracked(const tcp_conn *c)
{
    if (c->nsb == 0)
        return 0;
    uint32_t top = c->sb[c->nsb - 1].right;
    return seq_gt(c->high_sacked, top) ? c->high_sacked - top : 0;
}

/* Is the byte at seq lost? Counts the SACKed bytes and ranges above it. */
static int is_lost(const tcp_conn *c, uint32_t seq)
{
    uint32_t bytes = untracked(c), ranges = bytes ? 1 : 0;
    for (uint32_t i = 0; i < c->nsb; i++) {
        if (seq_le(c->sb[i].right, seq))
            continue;
        ranges++;
        bytes += c->sb[i].right - (seq_gt(c->sb[i].left, seq) ? c->sb[i].left : seq);
    }
    return ranges >= DUPTHRESH || bytes > (DUPTHRESH - 1) * (uint32_t)c->snd_mss;
}

int tcp_sack_first_lost(const tcp_conn *c) { return c->nsb && is_lost(c, c->snd_una); }

uint32_t tcp_sack_pipe(const tcp_conn *c)
{
    /* RFC 6675 SetPipe: every outstanding byte counts unless it is SACKed, or lost and not
     * yet retransmitted; retransmitted lost bytes count once (their original is gone). */
    uint32_t pipe = c->snd_max - c->snd_una - c->sacked_bytes;
    uint32_t gone = untracked(c);
    if (c->rack) /* RFC 8985: RACK's marks say which bytes are lost */
        gone += tcp_rack_lost_bytes(c);
    pipe = pipe > gone ? pipe - gone : 0;
    if (c->rack)
        return pipe;
    uint32_t prev = c->snd_una;
    for (uint32_t i = 0; i < c->nsb; i++) {
        uint32_t hl = prev, hr = c->sb[i].left;
        prev = c->sb[i].right;
        if (!seq_lt(hl, hr) || !is_lost(c, hl))
            continue;
        /* the part of the hole above high_rxt is lost and not resent yet */
        uint32_t from = seq_gt(c->high_rxt, hl) ? c->high_rxt : hl;
        if (seq_lt(from, hr))
            pipe = pipe > hr - from ? pipe - (hr - from) : 0;
    }
    return pipe;
}

uint32_t tcp_sack_next_hole(const tcp_conn *c, uint32_t *seq, uint32_t max, int any)
{
    if (c->rack && !any)
        return tcp_rack_next_lost(c, seq, max);
    uint32_t prev = c->snd_una;
    for (uint32_t i = 0; i < c->nsb; i++) {
        uint32_t hl = prev, hr = c->sb[i].left;
        prev = c->sb[i].right;
        if (seq_gt(c->high_rxt, hl))
            hl = c->high_rxt;
        if (!seq_lt(hl, hr) || (!any && !is_lost(c, hl)))
            continue;
        uint32_t len = hr - hl;
        *seq = hl;
        return len < max ? len : max;
    }
    return 0;
}
