/* Delivery-rate estimation, draft-cheng-iccrg-delivery-rate-estimation-02 (see rate.h).
 *
 * Times are the low 32 bits of the µs clock: every use is a difference of two stamps less
 * than 71 minutes apart, which unsigned subtraction gets right across a wrap. Delivered
 * counts in snapshots are likewise the low 32 bits of a 64-bit total. */
#include "tcp/rate.h"

#include <errno.h>
#include <string.h>

#include "tcp/tcp.h"

#define FIRST_RECORDS 64u /* the ring's first allocation; it doubles up to the maximum */
#define RESEND_RECORDS 16u

/* The draft's per-packet state, for the sequence range [start, end). */
typedef struct rate_rec {
    uint32_t start, end;      /* sequence numbers it covers */
    uint32_t sent;            /* P.sent_time (of the range's first segment) */
    uint32_t delivered;       /* P.delivered */
    uint32_t delivered_time;  /* P.delivered_time */
    uint32_t first_sent;      /* P.first_sent_time */
    uint8_t app_limited;      /* P.is_app_limited */
    uint8_t resent;           /* a retransmission: its RTT is ambiguous (Karn) */
} rate_rec;

typedef struct tcp_rate {
    uint64_t delivered;       /* C.delivered: bytes delivered in the connection's life */
    uint64_t una_acked;       /* bytes SND.UNA has moved over since sampling began */
    uint64_t app_limited;     /* C.app_limited: delivered count that ends the app-limited
                                 phase; 0 = not app-limited */
    uint32_t delivered_time;  /* C.delivered_time */
    uint32_t first_sent;      /* C.first_sent_time */
    uint32_t min_rtt;         /* smallest RTT measured, µs; UINT32_MAX = none */
    uint32_t cap;             /* records allocated in ring */
    uint32_t head, len;       /* the oldest record and how many there are */
    uint32_t resend_next;     /* slot of resend[] the next retransmission overwrites */
    rate_rec *ring;           /* first transmissions, ordered by sequence number */
    rate_rec resend[RESEND_RECORDS]; /* the latest retransmissions (end == start: empty) */
} tcp_rate;

static uint32_t now32(const tcp_conn *c) { return (uint32_t)c->st->now; }

int tcp_rate_enable(tcp_conn *c)
{
    if (c->rate)
        return 0;
    tcp_rate *r = stack_alloc(c->st, sizeof(*r));
    if (!r)
        return -ENOMEM;
    memset(r, 0, sizeof(*r));
    r->min_rtt = UINT32_MAX;
    r->delivered_time = r->first_sent = now32(c);
    c->rate = r;
    return 0;
}

void tcp_rate_free(tcp_conn *c)
{
    tcp_rate *r = c->rate;
    if (!r)
        return;
    if (r->ring)
        stack_free(c->st, r->ring, (size_t)r->cap * sizeof(rate_rec));
    stack_free(c->st, r, sizeof(*r));
    c->rate = NULL;
}

static rate_rec *at(tcp_rate *r, uint32_t i) { return &r->ring[(r->head + i) % r->cap]; }

/* Doubles the ring (up to the maximum). Returns 0 when there is room for one more. */
static int grow(tcp_conn *c, tcp_rate *r)
{
    if (r->len < r->cap)
        return 0;
    uint32_t cap = r->cap ? r->cap * 2 : FIRST_RECORDS;
    if (cap > TCP_RATE_MAX_RECORDS)
        return -1;
    rate_rec *ring = stack_alloc(c->st, (size_t)cap * sizeof(rate_rec));
    if (!ring)
        return -1;
    for (uint32_t i = 0; i < r->len; i++)
        ring[i] = *at(r, i);
    if (r->ring)
        stack_free(c->st, r->ring, (size_t)r->cap * sizeof(rate_rec));
    r->ring = ring;
    r->cap = cap;
    r->head = 0;
    return 0;
}

void tcp_rate_on_send(tcp_conn *c, uint32_t seq, uint32_t len)
{
    tcp_rate *r = c->rate;
    if (!r || len == 0)
        return;
    uint32_t now = now32(c);
    /* draft 3.2: a transmission that starts from an empty pipe starts the clocks anew */
    if (c->snd_max == c->snd_una)
        r->first_sent = r->delivered_time = now;
    rate_rec rec = {.start = seq, .end = seq + len, .sent = now,
                    .delivered = (uint32_t)r->delivered, .delivered_time = r->delivered_time,
                    .first_sent = r->first_sent, .app_limited = r->app_limited != 0};
    if (seq_lt(seq, c->snd_max)) {
        rec.resent = 1;
        r->resend[r->resend_next] = rec;
        r->resend_next = (r->resend_next + 1) % RESEND_RECORDS;
        return;
    }
    if (grow(c, r) != 0) {
        if (r->len == 0)
            return; /* no storage at all: this segment yields no sample */
        /* Full: the newest record stands for this segment too. Its older snapshot makes
         * the samples of both span a longer interval, which is still a true average. */
        at(r, r->len - 1)->end = rec.end;
        return;
    }
    *at(r, r->len) = rec;
    r->len++;
}

/* The newest snapshot of the transmission that carried byte seq, or NULL. */
static const rate_rec *lookup(const tcp_rate *r, uint32_t seq)
{
    /* a retransmission is always newer than the first transmission of the same bytes */
    for (uint32_t k = 0; k < RESEND_RECORDS; k++) {
        const rate_rec *x = &r->resend[(r->resend_next + RESEND_RECORDS - 1 - k) % RESEND_RECORDS];
        if (x->start != x->end && seq_ge(seq, x->start) && seq_lt(seq, x->end))
            return x;
    }
    /* first transmissions: binary search for the first record ending above seq */
    uint32_t lo = 0, hi = r->len;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (seq_gt(r->ring[(r->head + mid) % r->cap].end, seq))
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == r->len)
        return NULL;
    const rate_rec *x = &r->ring[(r->head + lo) % r->cap];
    return seq_ge(seq, x->start) ? x : NULL;
}

/* Which byte's transmission the ACK's sample is about: the draft wants the most recently
 * sent segment among those the ACK delivered. Without per-segment delivery marks, the
 * receiver's own report tells: the first SACK block holds the segment that triggered the
 * ACK (RFC 2018 4); a cumulative advance with SACKed data outstanding was triggered by the
 * segment that filled the hole at the old SND.UNA; an in-order advance, by its last byte. */
static int sampled_seq(const tcp_conn *c, const tcp_seg *seg, uint32_t una_before,
                       uint32_t sacked_before, uint32_t *seq)
{
    if (seg->opts.nsack && c->sacked_bytes > sacked_before) {
        uint32_t right = seg->opts.sack[0].right;
        if (seq_gt(right, c->snd_una) && seq_le(right, c->snd_max)) {
            *seq = right - 1;
            return 1;
        }
    }
    if (!seq_gt(c->snd_una, una_before))
        return 0;
    *seq = sacked_before ? una_before : c->snd_una - 1;
    return 1;
}

void tcp_rate_on_ack(tcp_conn *c, const tcp_seg *seg, uint32_t una_before,
                     uint32_t sacked_before, tcp_rate_sample *rs)
{
    memset(rs, 0, sizeof(*rs));
    tcp_rate *r = c->rate;
    if (!r)
        return;
    /* Delivered is what SND.UNA passed plus what is SACKed above it, never counted twice:
     * SACK ranges the scoreboard forgets (an RTO clears it; a full one drops its highest
     * range) are delivered again when SND.UNA passes them, so the count only moves once
     * the sum exceeds its old high-water mark. A forgotten range delays the count of
     * what arrives meanwhile: samples come out low, never high. */
    r->una_acked += (uint32_t)(c->snd_una - una_before);
    uint64_t sum = r->una_acked + c->sacked_bytes;
    int64_t d = sum > r->delivered ? (int64_t)(sum - r->delivered) : 0;
    uint32_t now = now32(c);
    uint32_t seq;
    if (d > 0) {
        rs->acked = (uint32_t)d;
        r->delivered += (uint64_t)d;
        r->delivered_time = now;
        const rate_rec *p = sampled_seq(c, seg, una_before, sacked_before, &seq)
                                ? lookup(r, seq) : NULL;
        if (p) {
            /* draft 3.3 UpdateRateSample and GenerateRateSample */
            uint32_t send_elapsed = p->sent - p->first_sent;
            uint32_t ack_elapsed = now - p->delivered_time;
            uint32_t interval = send_elapsed > ack_elapsed ? send_elapsed : ack_elapsed;
            r->first_sent = p->sent;
            rs->has_prior = 1;
            rs->prior_delivered = p->delivered;
            rs->is_app_limited = p->app_limited;
            rs->delivered = (uint32_t)r->delivered - p->delivered;
            if (!p->resent) {
                uint32_t rtt = now - p->sent;
                rs->rtt_us = rtt ? rtt : 1;
                if (rs->rtt_us < r->min_rtt)
                    r->min_rtt = rs->rtt_us;
            }
            /* An interval shorter than the path's RTT comes from ACK compression or a
             * stretched ACK: the rate it shows is not the path's (draft 3.3). */
            if (interval && (r->min_rtt == UINT32_MAX || interval >= r->min_rtt))
                rs->interval_us = interval;
        }
        if (r->app_limited && r->delivered > r->app_limited)
            r->app_limited = 0;
    }
    while (r->len && seq_le(at(r, 0)->end, c->snd_una)) {
        r->head = (r->head + 1) % r->cap;
        r->len--;
    }
}

void tcp_rate_app_limited(tcp_conn *c, uint32_t inflight)
{
    tcp_rate *r = c->rate;
    if (!r)
        return;
    /* draft 3.4: the phase lasts until everything in flight now has been delivered */
    r->app_limited = r->delivered + inflight;
    if (r->app_limited == 0)
        r->app_limited = 1;
}

uint32_t tcp_rate_delivered(const tcp_conn *c)
{
    return c->rate ? (uint32_t)c->rate->delivered : 0;
}

uint32_t tcp_rate_min_rtt(const tcp_conn *c)
{
    return c->rate ? c->rate->min_rtt : UINT32_MAX;
}
